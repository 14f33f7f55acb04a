"""The spelling pass: which name each pitch is written with.

One job: from a score's key and a staff's notes to the names and accidentals a player
reads. Key helpers (:func:`spelling`, :func:`key_spelling`, :func:`spelled`,
:func:`pitch_name`, :func:`score_key`) spell concert pitches from the key's scale
(E-sharp in F-sharp major; a minor key's raised sixth and seventh; a key of 7 or more
sharps or flats re-signed enharmonically). The staff passes run on a built music21
staff: :func:`_to_written` rewrites a transposing instrument's staff at written pitch
(key signature too, re-signed when it would reach 7 sharps or flats) and
:func:`_accidentals` decides which accidentals print against the staff's signature, bar
by bar, in time order across two voices.

Used by :mod:`assistant.render.notation`, which re-exports the public names.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


_SPELL = {"plain": ("C", "C#", "D", "E-", "E", "F", "F#", "G", "G#", "A", "B-", "B"),
          "flats": ("C", "D-", "D", "E-", "E", "F", "G-", "G", "A-", "A", "B-", "B"),
          "sharps": ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")}
_FLAT_KEYS = {"F", "Bb", "Eb", "Ab", "Db", "Gb", "Cb", "D minor", "G minor", "C minor",
              "F minor", "Bb minor", "Eb minor"}
_SHARP_KEYS = {"D", "A", "E", "B", "F#", "C#", "E minor", "B minor", "F# minor", "C# minor",
               "G# minor", "D# minor"}


def spelling(key: str | None) -> str:
    """Which spelling of black keys suits ``key`` ("D minor" -> flats, "E" -> sharps)."""
    k = (key or "").strip()
    k = k[:-6] if k.endswith(" major") else k
    if k in _FLAT_KEYS:
        return "flats"
    if k in _SHARP_KEYS:
        return "sharps"
    return "plain"


_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def _minor_sharps(key: str | None) -> set[int]:
    """Pitch classes a minor key spells sharp whatever its signature: the leading tone
    and the major third (D minor: C#, F#; G minor: F#, B natural is white)."""
    k = (key or "").strip()
    if not k.endswith(" minor") or k[:1] not in _PC:
        return set()
    tonic = (_PC[k[0]] + (1 if k[1:2] == "#" else -1 if k[1:2] == "b" else 0)) % 12
    return {(tonic - 1) % 12, (tonic + 4) % 12}


def pitch_name(midi: int, how: str = "plain", sharps: set[int] | frozenset[int] = frozenset()
               ) -> str:
    """music21 pitch name of a MIDI number, spelled per :func:`spelling` (60 -> "C4");
    pitch classes in ``sharps`` are spelled sharp."""
    pc = midi % 12
    name = _SPELL["sharps" if pc in sharps else how][pc]
    return f"{name}{midi // 12 - 1}"


def score_key(name: str | None):  # -> music21.key.Key | None
    """The music21 key for a score's key name ("Eb major", "C# phrygian"), re-signed
    enharmonically when its signature would have 7 or more sharps or flats ("Ab minor"
    is written as G-sharp minor, "C# major" as D-flat major); None when there is none.

    >>> score_key("Ab minor").name, score_key("D minor").sharps
    ('G# minor', -1)
    """
    from music21 import key

    if not name or not name.strip():
        return None
    tonic, _, mode = name.strip().partition(" ")
    try:
        k = key.Key(tonic.replace("b", "-") if len(tonic) > 1 else tonic, mode or "major")
    except Exception:  # noqa: BLE001 - an unreadable key name only loses the signature
        log.warning("key %r not understood; no key signature", name)
        return None
    if abs(k.sharps) >= 7:
        k = key.KeySignature(k.sharps - 12 if k.sharps > 0 else k.sharps + 12).asKey(k.mode)
    return k


def key_spelling(name: str | None) -> tuple[str, ...]:
    """The name of each pitch class (0 = C) in the key ``name``: its scale's own notes
    (E-sharp in F-sharp major; a key of 7 sharps or flats as re-signed by :func:`score_key`), a minor
    key's raised sixth and seventh and its major third spelled up from the scale degree;
    the other black keys as :func:`spelling` has them.

    >>> key_spelling("F# major")[5], key_spelling("D minor")[1], key_spelling("G# minor")[7]
    ('E#', 'C#', 'F##')
    """
    how = spelling(name)
    names = list(_SPELL[how])
    for pc in _minor_sharps(name):
        names[pc] = _SPELL["sharps"][pc]
    k = score_key(name)
    if k is None:
        return tuple(names)
    degrees = [k.pitchFromDegree(d) for d in range(1, 8)]
    if k.mode == "minor":
        for d in (3, 6, 7):  # the melodic minor's sixth and seventh, the Picardy third
            p = degrees[d - 1].transpose("A1")
            names[p.pitchClass] = p.name
    for p in degrees:
        names[p.pitchClass] = p.name
    return tuple(names)


def spelled(midi: int, names: tuple[str, ...]) -> str:
    """music21 pitch name of a MIDI number with ``names`` (:func:`key_spelling`); the
    octave follows the letter (B-sharp 3 is MIDI 60).

    >>> spelled(60, key_spelling("C# major")), spelled(71, key_spelling("Ab minor"))
    ('C4', 'B4')
    >>> spelled(60, ("B#",) + key_spelling("C")[1:])
    'B#3'
    """
    name = names[midi % 12]
    octave = midi // 12 - 1
    natural = _PC[name[0]]
    if natural - midi % 12 > 6:  # B-sharp, B-double-sharp: the letter is an octave below
        octave -= 1
    elif midi % 12 - natural > 6:  # C-flat, C-double-flat
        octave += 1
    return f"{name}{octave}"


def _to_written(st: Any) -> None:
    """A transposing instrument's staff rewritten at written pitch, in place: notes and
    key signature move by the instrument's interval (music21 would do it while exporting,
    but then every note keeps its concert accidental display and prints an accidental its
    new key signature already gives). A written signature of 7 or more sharps or flats is
    re-signed enharmonically (clarinet in concert B major: D-flat major, not C-sharp)."""
    from music21 import instrument, key

    ins = st.recurse().getElementsByClass(instrument.Instrument).first()
    if ins is None or ins.transposition is None:
        return
    st.toWrittenPitch(inPlace=True)
    ks = st.recurse().getElementsByClass(key.KeySignature).first()
    if ks is None or abs(ks.sharps) < 7:
        return
    sharps = ks.sharps - 12 if ks.sharps > 0 else ks.sharps + 12
    new = key.KeySignature(sharps)
    if isinstance(ks, key.Key):
        new = new.asKey(ks.mode)
    site = ks.activeSite
    off = ks.offset
    site.remove(ks)
    site.insert(off, new)
    for n in st.recurse().notes:
        for p in n.pitches:
            _respell(p, new)


def _respell(p: Any, ks: Any) -> None:
    """``p`` spelled as ``ks`` has it when an enharmonic is in the signature (C-sharp in
    D-flat major becomes D-flat), else with at most one sharp or flat, in the signature's
    direction."""
    def alter(x: Any) -> float:
        return x.accidental.alter if x.accidental is not None else 0.0

    def in_key(x: Any) -> bool:
        want = ks.accidentalByStep(x.step)
        return alter(x) == (want.alter if want is not None else 0.0)

    options = [p] + [c for c in p.getAllCommonEnharmonics(alterLimit=1)]
    options = [c for c in options if abs(alter(c)) <= 1] or [p]
    best = next((c for c in options if in_key(c)), None)
    if best is None:
        sign = 1 if ks.sharps > 0 else -1
        best = min(options, key=lambda c: (alter(c) * sign < 0, abs(alter(c))))
    if best is not p:
        p.step, p.accidental, p.octave = best.step, best.accidental, best.octave


def _accidentals(st: Any) -> None:
    """Which accidentals print on one staff, bar by bar, against the key signature it
    carries (written for a transposing part), whatever the notes carried before. An
    accidental holds to the bar line, so a later F-sharp in the bar prints none (music21's
    default repeats it after any other note); courtesy accidentals after a bar line and
    for the same letter in another octave stay. A bar
    with two voices is read in time order across both (music21 reads one voice, then the
    other, and would leave an earlier note in the lower voice without its accidental)."""
    from music21 import key
    from music21.stream.makeNotation import makeAccidentalsInMeasureStream

    ks = st.recurse().getElementsByClass(key.KeySignature).first() or key.KeySignature(0)
    makeAccidentalsInMeasureStream(st, useKeySignature=ks, overrideStatus=True,
                                   cautionaryNotImmediateRepeat=False)
    prev = None
    for m in st.getElementsByClass("Measure"):
        if m.voices:
            _bar_in_time_order(m, ks, prev)
        prev = m


def _bar_in_time_order(m: Any, ks: Any, prev: Any) -> None:
    notes = sorted(((n.offset, i, n) for i, v in enumerate(m.voices) for n in v.notes),
                   key=lambda x: (x[0], x[1]))
    before = [p for n in prev.recurse().notes for p in n.pitches] if prev is not None else []
    past: list[Any] = []
    for _, _, n in notes:
        tied_in = n.tie is not None and n.tie.type in ("stop", "continue")
        for p in n.pitches:
            p.updateAccidentalDisplay(pitchPast=past, pitchPastMeasure=before,
                                      alteredPitches=list(ks.alteredPitches),
                                      cautionaryPitchClass=True, cautionaryAll=False,
                                      overrideStatus=True, cautionaryNotImmediateRepeat=False,
                                      lastNoteWasTied=tied_in)
        past.extend(n.pitches)
