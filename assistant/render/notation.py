"""Engraved score and parts: the MusicXML pass (a Score to music21 staves, bars, voices
and marks, written as MusicXML), and the public face of the notation passes.

One job here: build and write the MusicXML. Two passes live in their own modules and
their public names are re-exported from here, so callers import everything from this
module: :mod:`assistant.render.spelling` (pitch names from the key, written pitch for
transposing instruments, which accidentals print) and :mod:`assistant.render.pages`
(SVG through verovio, PDF through MuseScore 3 when installed, page layout).

What each file carries:

* title (the cue title), the cue id and its start timecode in the heading
  (``movement-title``, and ``movement-number`` ``<id> @ <tc>``: under the title, where a
  copyist puts it, not as a text at bar 1, where it collided with a hit's label), the
  score's key;
* tempo marks at every tempo change (to 0.01 BPM, as a film click needs), meters, and
  rehearsal marks at section starts (the score's markers that are not ``HIT``/``CUE``
  markers; without any, a letter every 8 bars, the common default); hits as
  ``HIT <label>`` texts above the top staff;
* dynamics from note velocities (pp < 40 <= p < 56 <= mp < 72 <= mf < 88 <= f < 104 <= ff),
  stated when they change, and articulations from an optional ``Note.articulation``
  (``staccato``, ``accent``, ``tenuto``, ``marcato``, ``staccatissimo``);
* transposing instruments carry their transposition (MusicXML ``<transpose>``): the
  full score and each part show written pitch, as players read it (clarinet and trumpet
  in B-flat a tone up, horn and English horn a fifth up, piccolo, celesta, glockenspiel,
  guitar and double bass at their octaves), key signatures transposed too, and a note
  prints only the accidentals its written key signature does not give; a written key of
  7 or more sharps or flats is re-signed enharmonically (as is such a concert key);
  notation software's "concert pitch" toggle shows the score in C;
* each staff is named for its player: the part's own name when it says more than its
  instrument id ("Violin I", "Soprano"), else the instrument's name ("Horn in F"); the
  instrument id, never the MIDI program, decides it.

Pitches are spelt from the key's scale (E-sharp in F-sharp major; a minor key's raised
sixth and seventh). Onsets snap to the sixteenth or the eighth-triplet grid (1/12 of a
quarter only when neither fits), releases always to one of the two, and a played gap
before the next onset (articulation, humanising) is not written as a rest. Overlapping
notes in a part are written as a player reads them, never as chords sliced and tied: a
legato overlap (a note still sounding when the next starts, released before that one
ends) is cut at the next onset; notes starting together are a chord; a note held under
later ones (a pedal, a sustained note under a moving line) is a second voice, stems
down when it is the lower (at most two voices a staff). Piano, organ, harp and choir
parts that cross middle C go on a braced grand staff.

verovio runs with a fixed ``xmlIdSeed`` so the same MusicXML gives the same SVG
(:mod:`assistant.render.pages`).
"""

from __future__ import annotations

import bisect
import logging
from fractions import Fraction
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.music.score import Part, Score
from assistant.project import atomic_write_text
from assistant.render.pages import (  # noqa: F401 - re-exported: the public API
    PAGE_OPTIONS,
    STAVES_PER_PAGE,
    XML_ID_SEED,
    PdfJob,
    mscore_binary,
    page_options,
    svg_pages,
    svg_to_png,
    to_pdf,
    toolkit,
    verovio_data_path,
    write_svg_pages,
)
from assistant.render.spelling import (  # noqa: F401 - re-exported: the public API
    _accidentals,
    _to_written,
    key_spelling,
    pitch_name,
    score_key,
    spelled,
    spelling,
)

log = logging.getLogger(__name__)

GRID = Fraction(1, 12)  # quarter-note quantum: sixteenths and eighth triplets
DYNAMIC_STEPS = ((40, "pp"), (56, "p"), (72, "mp"), (88, "mf"), (104, "f"), (128, "ff"))
ARTICULATIONS = ("staccato", "accent", "tenuto", "marcato", "staccatissimo", "sforzando",
                 "tremolo", "pizzicato", "roll")
# GM drum notes -> display step on a 5-line percussion staff (kick low, cymbals high).
DRUM_DISPLAY = {35: "F4", 36: "F4", 38: "C5", 40: "C5", 37: "C5", 41: "A4", 43: "A4",
                45: "D5", 47: "D5", 48: "E5", 50: "E5", 42: "G5", 44: "D4", 46: "G5",
                49: "A5", 57: "A5", 51: "F5", 59: "F5", 53: "F5"}


def dynamic_of(velocity: int) -> str:
    """The marking for a MIDI velocity (see module docstring)."""
    for limit, mark in DYNAMIC_STEPS:
        if velocity < limit:
            return mark
    return "ff"


def _q(x: float) -> Fraction:
    return Fraction(round(Fraction(x) / GRID)) * GRID


def staff_label(part: Part) -> tuple[str, str]:
    """The staff's name and abbreviation: the part's own name when it says more than its
    instrument id ("Violin I", "Soprano", "Horns 1-2"), else the instrument's name
    ("horn" -> "Horn in F"); the instrument is what the part's ``instrument`` id says,
    never its MIDI program.

    >>> staff_label(Part("horn", "horn", 60))
    ('Horn in F', 'Hn.')
    >>> staff_label(Part("Violin II", "violin", 48))
    ('Violin II', 'Vln. II')
    >>> staff_label(Part("Soprano", "choir", 52))
    ('Soprano', 'S.')
    """
    from assistant.analysis.instruments import INSTRUMENTS

    info = INSTRUMENTS.get(part.instrument)
    name = part.name.strip()
    if info is None:
        return name or part.instrument, (name or part.instrument)[:4]
    if not name or name.lower().replace(" ", "_") in (part.instrument, info.id):
        return info.name, info.abbreviation
    for full in (info.name, info.id.replace("_", " ").title()):
        rest = name[len(full):]
        if name.lower().startswith(full.lower()) and rest[:1] in ("", " "):
            return name, info.abbreviation + rest  # "Violin II" -> "Vln. II"
    return name, f"{name[0].upper()}." if info.family == "voices" else info.abbreviation


def _instrument(part: Part):
    from music21 import clef, instrument, interval

    from assistant.analysis.instruments import INSTRUMENTS

    info = INSTRUMENTS.get(part.instrument)
    ins = instrument.Instrument()
    ins.partName, ins.partAbbreviation = staff_label(part)
    ins.instrumentName = info.name if info else ins.partName
    ins.midiProgram = int(part.program)
    if part.is_drum:
        ins.midiChannel = 9
    semis = info.transpose_semitones if info else 0
    if semis:
        ins.transposition = interval.Interval(-semis)
    name = info.clef if info else "treble"
    if part.is_drum or name == "percussion":
        c = clef.PercussionClef()
    elif name == "bass":
        c = clef.BassClef()
    elif name == "alto":
        c = clef.AltoClef()
    elif name == "grand":
        mids = sorted(n.pitch for n in part.notes)
        c = clef.BassClef() if mids and mids[len(mids) // 2] < 57 else clef.TrebleClef()
    else:
        c = clef.TrebleClef()
    if info and info.transpose_semitones in (12, 14) and name == "treble":
        c = clef.Treble8vbClef() if part.instrument == "guitar" else c
    return ins, c


def _articulate(obj, art: str) -> None:
    """Add the marking ``art`` (a Note.articulation) to a music21 note or chord."""
    from music21 import articulations, expressions

    cls = {"staccato": articulations.Staccato, "accent": articulations.Accent,
           "tenuto": articulations.Tenuto, "marcato": articulations.StrongAccent,
           "staccatissimo": articulations.Staccatissimo, "pizzicato": articulations.Pizzicato,
           "sforzando": articulations.Accent}.get(art)
    if cls is not None:
        obj.articulations.append(cls())
    elif art in ("tremolo", "roll"):
        trem = expressions.Tremolo()
        trem.numberOfMarks = 3
        obj.expressions.append(trem)


def _snap(units: float, tolerance: float = 0.5) -> int:
    """A position in grid units (1/12 quarter) snapped to the nearer of the sixteenth grid
    (3 units) and the eighth-triplet grid (4 units); the fine grid only when neither is
    within ``tolerance`` units (a 24th of a quarter) — what a player reads, not the
    performance's jitter."""
    sixteenth = 3 * round(units / 3)
    triplet = 4 * round(units / 4)
    best = min((abs(units - sixteenth), 0, sixteenth), (abs(units - triplet), 1, triplet))
    return int(best[2]) if best[0] <= tolerance else int(round(units))


#: at most this many voices on one staff (stems up, stems down); a third simultaneous
#: rhythm is folded into the voice that frees up first
MAX_VOICES = 2

def _release(start: int, end_units: float) -> int:
    """A release in grid units, on the grid its onset is on: the sixteenth grid after a
    sixteenth onset, the triplet grid after a triplet one; after an onset on the beat
    (both), a triplet only when it is clearly nearer, so a staccato quarter played 0.4
    of a beat long reads as an eighth, not a triplet eighth. An onset on neither grid
    keeps the older rule (:func:`_snap` with a whole unit of tolerance)."""
    on16, on3 = start % 3 == 0, start % 4 == 0
    six, tri = 3 * round(end_units / 3), 4 * round(end_units / 4)
    if on16 and not on3:
        return int(six)
    if on3 and not on16:
        return int(tri)
    if on16:
        return int(tri if abs(end_units - tri) + 0.5 < abs(end_units - six) else six)
    return _snap(end_units, 1.0)


# one notated event in grid units: (start, end, pitches high to low, velocity, articulation)
_Event = tuple[int, int, tuple[int, ...], int, str]


def _snapped(part: Part) -> list[tuple[int, int, int, int, str]]:
    """The part's notes as ``(start, end, pitch, velocity, articulation)`` on the grid
    (GRID units), with a played gap before the next onset closed (not written as a rest),
    a release a hair past the next onset stopped there, and a legato overlap (a note
    still sounding when the next one starts, for at most half as long again as it sounded
    alone, and released before the next onset's notes are) cut at the next onset: a
    player reads a legato line, not a chord."""
    unit = GRID.denominator  # grid steps per quarter (GRID = 1/unit)
    raw = [(_snap(n.start_beats * unit), n.end_beats * unit, n) for n in part.notes]
    onsets = sorted({s for s, _, _ in raw})
    notes = []
    for s, end_units, n in raw:
        k = bisect.bisect_right(onsets, s)
        nxt = onsets[k] if k < len(onsets) else None
        e = _release(s, end_units)
        if e <= s:
            e = s + 3
        if nxt is not None:
            gap = nxt - e
            # a played gap before the next onset (articulation, humanising) is not a rest
            if 0 < gap <= min(unit, max(3, (e - s) // 2)):
                e = nxt
            e = min(e, nxt) if e - nxt < 3 else e  # a hair past the next onset: stop there
            if part.is_drum:  # a drum's length means nothing: each hit lasts to the next
                e = min(e, nxt)
        notes.append([s, e, n.pitch, n.velocity, getattr(n, "articulation", None) or ""])
    longest: dict[int, int] = {}
    for s, e, *_ in notes:
        longest[s] = max(longest.get(s, s), e)
    for x in notes:
        k = bisect.bisect_right(onsets, x[0])
        nxt = onsets[k] if k < len(onsets) else None
        if nxt is not None and nxt < x[1] < longest[nxt] and x[1] - nxt <= max(3, (nxt - x[0]) // 2):
            x[1] = nxt  # legato overlap: briefly held into a longer next note
    return [tuple(x) for x in notes]  # type: ignore[misc]


def _events(notes: list[tuple[int, int, int, int, str]]) -> list[_Event]:
    """Notes starting together become chords: one event per onset, unless some of them
    are held over a later onset (a pedal, a sustained note under a moving line), which
    then become their own event and, later, their own voice."""
    by_start: dict[int, list[tuple[int, int, int, int, str]]] = {}
    for n in notes:
        by_start.setdefault(n[0], []).append(n)
    starts = sorted(by_start)
    out: list[_Event] = []
    for i, s in enumerate(starts):
        nxt = starts[i + 1] if i + 1 < len(starts) else None
        group = by_start[s]
        held = [n for n in group if nxt is not None and n[1] > nxt]
        plain = [n for n in group if n not in held]
        if plain:  # ragged releases before the next onset: one chord, the longest
            out.append(_event(s, max(n[1] for n in plain), plain))
        by_end: dict[int, list[tuple[int, int, int, int, str]]] = {}
        for n in held:
            by_end.setdefault(n[1], []).append(n)
        for end, chunk in sorted(by_end.items()):
            out.append(_event(s, end, chunk))
    return out


def _event(s: int, e: int, chunk: list[tuple[int, int, int, int, str]]) -> _Event:
    pitches = tuple(sorted({n[2] for n in chunk}, reverse=True))
    art = next((n[4] for n in chunk if n[4]), "")
    return (s, e, pitches, max(n[3] for n in chunk), art)


def _voices(part: Part) -> list[list[_Event]]:
    """The part's notes as at most :data:`MAX_VOICES` voices of non-overlapping events.

    Events go to the first voice free at their onset; one that finds every voice busy
    cuts the voice that frees up first short (or joins its chord when they start
    together). Between moments when nothing is held across, the voices are numbered by
    height, so voice 1 (stems up) is the upper line and voice 2 (stems down) the lower.
    """
    evs = sorted(_events(_snapped(part)), key=lambda ev: (ev[0], -ev[2][0]))
    layers: list[list[_Event]] = []
    for ev in evs:
        free = [li for li, lay in enumerate(layers) if lay[-1][1] <= ev[0]]
        if free:  # the free voice that was nearest in pitch
            mid = sum(ev[2]) / len(ev[2])
            best = min(free, key=lambda k: abs(sum(layers[k][-1][2]) / len(layers[k][-1][2]) - mid))
            layers[best].append(ev)
        elif len(layers) < MAX_VOICES:
            layers.append([ev])
        else:
            li = min(range(len(layers)), key=lambda k: layers[k][-1][1])
            s0, e0, p0, v0, a0 = layers[li][-1]
            if s0 < ev[0]:
                layers[li][-1] = (s0, ev[0], p0, v0, a0)
                layers[li].append(ev)
            else:  # the same onset: one chord, held as long as its longest note
                pitches = tuple(sorted(set(p0) | set(ev[2]), reverse=True))
                layers[li][-1] = (s0, max(e0, ev[1]), pitches, max(v0, ev[3]), a0 or ev[4])
    if len(layers) <= 1:
        return layers
    tagged = sorted((ev, li) for li, lay in enumerate(layers) for ev in lay)
    out: list[list[_Event]] = [[] for _ in layers]
    seg: list[tuple[_Event, int]] = []
    held_to = -1

    def flush() -> None:
        mean: dict[int, list[int]] = {}
        for ev, li in seg:
            mean.setdefault(li, []).extend(ev[2])
        rank = sorted(mean, key=lambda li: -sum(mean[li]) / len(mean[li]))
        for ev, li in seg:
            out[rank.index(li)].append(ev)

    for ev, li in tagged:
        if seg and ev[0] >= held_to:  # nothing sounds across this onset: a new segment
            flush()
            seg = []
        seg.append((ev, li))
        held_to = max(held_to, ev[1])
    flush()
    return [_close_gaps(v) for v in out if v]


def _close_gaps(voice: list[_Event]) -> list[_Event]:
    """A played gap before the voice's own next note is not written as a rest (the rule
    :func:`_snapped` applies to the part's next onset, now within one voice)."""
    unit = GRID.denominator
    out = list(voice)
    for i in range(len(out) - 1):
        s, e, p, v, a = out[i]
        gap = out[i + 1][0] - e
        if 0 < gap <= min(unit, max(3, (e - s) // 2)):
            out[i] = (s, out[i + 1][0], p, v, a)
    return out


_EXPRESSIBLE = sorted({Fraction(b) * m for b in (Fraction(4), Fraction(2), Fraction(1),
                                                  Fraction(1, 2), Fraction(1, 4), Fraction(1, 8))
                       for m in (Fraction(1), Fraction(3, 2), Fraction(7, 4))}
                      | {Fraction(b) * Fraction(2, 3) for b in (2, 1, Fraction(1, 2),
                                                                Fraction(1, 4), Fraction(1, 8))},
                      reverse=True)
_ON_GRID = [v for v in _EXPRESSIBLE if v % GRID == 0]


def expressible_pieces(length: Fraction) -> list[Fraction]:
    """``length`` as a sum of single notated values (plain, dotted, double-dotted or
    triplet), largest first: 5/12 of a quarter is a triplet eighth + a triplet sixteenth.

    >>> [str(x) for x in expressible_pieces(Fraction(5, 12))]
    ['1/3', '1/12']
    """
    out: list[Fraction] = []
    rest = length
    while rest > 0:
        grid = _ON_GRID if rest % GRID == 0 else _EXPRESSIBLE
        piece = next((v for v in grid if v <= rest), rest)
        out.append(piece)
        rest -= piece
    return out


def _bars(score: Score) -> list[tuple[Fraction, Fraction, int, int]]:
    """``(start, length, numerator, denominator)`` of every bar up to the final bar line."""
    meters = sorted(score.meters) or [(0.0, 4, 4)]
    end = _bar_end(score)
    out: list[tuple[Fraction, Fraction, int, int]] = []
    pos, mi = Fraction(0), 0
    while pos < end:
        while mi + 1 < len(meters) and _q(meters[mi + 1][0]) <= pos:
            mi += 1
        _, num, den = meters[mi]
        length = Fraction(4 * num, den)
        out.append((pos, length, int(num), int(den)))
        pos += length
    return out


def _part_events(part: Part, score: Score, *, top: bool
                 ) -> tuple[list[list[tuple[Fraction, Any]]], list[tuple[Fraction, Any]], Any, Any]:
    """The part's timed material: ``(durational per voice, point events, instrument, clef)``.

    Durational events are ``(offset, (kind, pitches, dur, arts))`` with kind "note" or
    "rest", one list per voice (:func:`_voices`), each filled with rests to the final bar
    line; point events are music21 objects (dynamics, texts, marks).
    """
    from music21 import dynamics, expressions, tempo

    ins, clef_obj = _instrument(part)
    unit = GRID.denominator
    end = _bar_end(score)
    voices = _voices(part) or [[]]
    timed: list[list[tuple[Fraction, Any]]] = []
    for evs in voices:
        line: list[tuple[Fraction, Any]] = []
        cursor = Fraction(0)
        for s, e, pitches, _vel, art in evs:
            a, b = Fraction(s, unit), Fraction(e, unit)
            if a > cursor:
                line.append((cursor, ("rest", [], a - cursor, [])))
            line.append((a, ("note", sorted(pitches), b - a, [art] if art else [])))
            cursor = b
        if cursor < end:
            line.append((cursor, ("rest", [], end - cursor, [])))
        timed.append(line)
    points: list[tuple[Fraction, Any]] = []
    if not part.dynamics:
        loudest: dict[int, int] = {}
        for evs in voices:
            for s, _e, _p, vel, _a in evs:
                loudest[s] = max(loudest.get(s, 0), vel)
        last_dyn = None
        for s in sorted(loudest):
            dyn = dynamic_of(loudest[s])
            if dyn != last_dyn:
                points.append((Fraction(s, unit), dynamics.Dynamic(dyn)))
                last_dyn = dyn
    for beat, mark in part.dynamics:  # the orchestrator's markings win over velocities
        if mark in ("cresc", "dim"):
            te = expressions.TextExpression(f"{mark}.")
            te.placement = "below"
            points.append((_q(beat), te))
        else:
            points.append((_q(beat), dynamics.Dynamic(mark)))
    if top:
        for beat, bpm in sorted(score.tempos):
            points.append((_q(beat), tempo.MetronomeMark(number=round(float(bpm), 2),
                                                         referent=1.0)))
        sections = [(b, t) for b, t in sorted(score.markers)
                    if not t.upper().startswith(("HIT", "CUE"))]
        if not sections:
            bars = score.bar_starts()
            sections = [(bars[i], chr(ord("A") + (i // 8 - 1) % 26))
                        for i in range(8, len(bars), 8)]
        for beat, text in sections:
            points.append((_q(beat), expressions.RehearsalMark(text)))
        for beat, text in sorted(score.markers):
            if text.upper().startswith("HIT"):
                te = expressions.TextExpression(text)
                te.placement = "above"
                points.append((_q(beat), te))
    return timed, points, ins, clef_obj


def _make_element(kind: str, pitches: list[int], dur: Fraction, tin: bool, tout: bool,
                  arts: list[str], part: Part, names: tuple[str, ...]):
    from music21 import chord as m21chord
    from music21 import note
    from music21 import tie as m21tie
    from music21.percussion import PercussionChord

    if kind == "rest":
        return note.Rest(quarterLength=float(dur))
    if part.is_drum:
        items = [note.Unpitched(displayName=DRUM_DISPLAY.get(p, "C5")) for p in pitches]
        obj = items[0] if len(items) == 1 else PercussionChord(items)
    elif len(pitches) == 1:
        obj = note.Note(spelled(pitches[0], names))
    else:
        obj = m21chord.Chord([spelled(p, names) for p in pitches])
    obj.quarterLength = float(dur)
    if not part.is_drum and (tin or tout):
        obj.tie = m21tie.Tie("continue" if tin and tout else "stop" if tin else "start")
    for art in arts:
        _articulate(obj, art)
    return obj


def _measured_part(part: Part, score: Score, bars: list[tuple[Fraction, Fraction, int, int]],
                   *, top: bool, staff: bool = False):
    """A music21 Part of Measures built directly: notes split at bar lines and tied,
    rests split by beat, marks placed in their bar (no makeMeasures/makeTies pass)."""
    from music21 import meter, stream

    timed, points, ins, clef_obj = _part_events(part, score, top=top)
    the_key = score_key(score.key)
    names = key_spelling(score.key)
    starts = [b[0] for b in bars]
    measures = []
    prev = None
    for i, (_, _, num, den) in enumerate(bars):
        m = stream.Measure(number=i + 1)
        if (num, den) != prev:
            m.timeSignature = meter.TimeSignature(f"{num}/{den}")
            prev = (num, den)
        measures.append(m)
    first = measures[0]
    first.insert(0, ins)
    first.insert(0, clef_obj)
    if the_key is not None and not part.is_drum:
        first.insert(0, the_key)
    per: list[list[list[tuple[Fraction, Any]]]] = [[[] for _ in timed] for _ in bars]
    for vi, line in enumerate(timed):
        for off, (kind, pitches, dur, arts) in line:
            pos, end = off, off + dur
            while pos < end:
                bi = max(0, bisect.bisect_right(starts, pos) - 1)
                b0, blen, num, den = bars[bi]
                piece_end = min(end, b0 + blen)
                slot = per[bi][vi]
                if kind == "rest":
                    compound = den == 8 and num % 3 == 0 and num > 3
                    beat = Fraction(4, den) * (3 if compound else 1)
                    o = pos - b0
                    for piece in _rest_pieces(o, piece_end - pos, beat, blen):
                        for bit in expressible_pieces(piece):
                            slot.append((o, _make_element("rest", [], bit, False, False, [],
                                                          part, names)))
                            o += bit
                else:
                    o = pos
                    for piece in expressible_pieces(piece_end - pos):
                        slot.append((o - b0, _make_element(kind, pitches, piece, o != off,
                                                           o + piece != end,
                                                           arts if o == off else [], part,
                                                           names)))
                        o += piece
                pos = piece_end
    beamed: list[tuple[Any, tuple[Fraction, Fraction, int, int], str | None]] = []
    for m, bar, slots in zip(measures, bars, per, strict=True):
        sounding = [vi for vi, slot in enumerate(slots)
                    if any(not el.isRest for _, el in slot)]
        if not [vi for vi in sounding if vi]:  # one voice in this bar
            for o, el in slots[0]:
                m.insert(float(o), el)
            beamed.append((m, bar, None))
            continue
        for vi in sorted(set(sounding) | {0}):
            v = stream.Voice(id=str(vi + 1))
            for o, el in slots[vi]:
                v.insert(float(o), el)
            m.insert(0, v)
            beamed.append((v, bar, "up" if vi == 0 else "down"))
    for off, obj in points:
        bi = min(len(bars) - 1, max(0, bisect.bisect_right(starts, off) - 1))
        measures[bi].insert(float(off - bars[bi][0]), obj)
    _beam(beamed)
    p = stream.PartStaff(measures) if staff else stream.Part(measures)
    p.partName = ins.partName
    return p


_BEAM_CACHE: dict[tuple[Any, ...], list[list[tuple[str, str | None]]]] = {}


def _beam(containers: list[tuple[Any, tuple[Fraction, Fraction, int, int], str | None]]
          ) -> None:
    """Beam each measure, or each voice of a measure, by its known meter; a voice's stems
    go its way (``"up"``/``"down"``), a lone voice's by its beam groups. music21's makeBeams
    looks the meter up by context for every measure, and getBeams is slow; a bar's beams
    depend only on its meter and rhythm, so they are computed once per (meter, rhythm)."""
    from music21 import beam, meter
    from music21.stream.makeNotation import setStemDirectionForBeamGroups

    sigs: dict[tuple[int, int], Any] = {}
    for m, (_, _, num, den), stem in containers:
        group = m.notesAndRests.stream()
        if stem is not None:
            for n in group.notes:
                n.stemDirection = stem
        if len(group) <= 1:
            continue
        rhythm = (num, den, tuple((float(n.offset), float(n.quarterLength), n.isRest,
                                   n.duration.tuplets != ()) for n in group))
        spec = _BEAM_CACHE.get(rhythm)
        if spec is None:
            ts = sigs.setdefault((num, den), meter.TimeSignature(f"{num}/{den}"))
            found = ts.getBeams(group, measureStartOffset=0.0)
            spec = [[(b.type, b.direction) for b in bs.beamsList] if bs is not None else []
                    for bs in found]
            if len(_BEAM_CACHE) < 20_000:
                _BEAM_CACHE[rhythm] = spec
        for n, one in zip(group, spec, strict=True):
            bs = beam.Beams()
            for kind, direction in one:
                bs.append(kind, direction)
            n.beams = bs
        if stem is None:
            setStemDirectionForBeamGroups(m)


def _bar_end(score: Score) -> Fraction:
    """The bar line at or after the score's last note (where every part ends)."""
    starts = score.bar_starts()
    if not starts:
        return Fraction(4)
    last = starts[-1]
    meter = [m for m in sorted(score.meters) if m[0] <= last + 1e-9] or [(0.0, 4, 4)]
    _, num, den = meter[-1]
    return _q(last) + Fraction(4 * num, den)


GRAND_SPLIT = 60  # a keyboard or harp part on two staves: middle C and up on the upper


def _staves_of(part: Part, score: Score, bars: list[tuple[Fraction, Fraction, int, int]], *,
               top: bool) -> list[Any]:
    """One music21 Part, or two PartStaffs (treble over bass) for a grand-staff
    instrument whose notes lie on both sides of middle C."""
    from dataclasses import replace

    from music21 import clef

    from assistant.analysis.instruments import INSTRUMENTS

    info = INSTRUMENTS.get(part.instrument)
    upper = [n for n in part.notes if n.pitch >= GRAND_SPLIT]
    lower = [n for n in part.notes if n.pitch < GRAND_SPLIT]
    if info is None or info.clef != "grand" or not upper or not lower or part.is_drum:
        return [_measured_part(part, score, bars, top=top)]
    rh = _measured_part(replace(part, notes=upper), score, bars, top=top, staff=True)
    lh = _measured_part(replace(part, notes=lower, dynamics=[]), score, bars, top=False, staff=True)
    rh.getElementsByClass("Measure").first().clef = clef.TrebleClef()
    lh.getElementsByClass("Measure").first().clef = clef.BassClef()
    return [rh, lh]


def _build(score: Score, *, title: str, cue_id: str | None, start_tc: str | None,
           parts: list[Part] | None, all_marks: bool, written: bool = True
           ) -> tuple[Any, list[list[Any]]]:
    """The music21 score and, per score part, its staves (one, or two braced); with
    ``written`` a transposing instrument's staves are at written pitch (:func:`_to_written`)."""
    from music21 import layout, metadata, stream

    if not score.parts:
        raise InputError("the score has no parts to engrave", field="parts")
    s = stream.Score()
    md = metadata.Metadata()
    md.title = title
    label = " @ ".join(x for x in (cue_id or "", start_tc or "") if x)
    if label:
        md.movementNumber = label  # under the title: the cue and where it starts
    md.movementName = title  # what verovio and MuseScore show as the heading
    s.metadata = md
    chosen = parts if parts is not None else score.parts
    bars = _bars(score)
    groups: list[list[Any]] = []
    for i, part in enumerate(chosen):
        staves = _staves_of(part, score, bars, top=(i == 0 or all_marks))
        for st in staves:
            st.atSoundingPitch = True
            if written:
                _to_written(st)
            _accidentals(st)
            s.insert(0, st)
        if len(staves) > 1:
            s.insert(0, layout.StaffGroup(staves, name=staves[0].partName, symbol="brace",
                                          barTogether=True))
        groups.append(staves)
    return s, groups


def _rest_pieces(offset: Fraction, length: Fraction, beat: Fraction, bar: Fraction
                 ) -> list[Fraction]:
    """Split a rest the way engravers do: up to the next beat, then whole beats (a half
    bar when it starts on the bar or half-bar of an even meter, a whole bar when whole).

    >>> [str(x) for x in _rest_pieces(Fraction(1, 2), Fraction(7, 2), Fraction(1), Fraction(4))]
    ['1/2', '1', '2']
    """
    pieces: list[Fraction] = []
    pos, end = offset, offset + length
    while pos < end:
        if pos == 0 and end - pos == bar:
            step = bar
        elif pos % beat:
            step = min(end, (pos // beat + 1) * beat) - pos
        else:
            half = bar / 2
            even = (bar / beat) % 2 == 0
            if even and pos % half == 0 and end - pos >= half:
                step = half
            elif end - pos >= beat:
                step = beat
            else:
                step = end - pos
        pieces.append(step)
        pos += step
    return pieces


def _xml_text(m21score) -> str:
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    exporter = GeneralObjectExporter(m21score)
    exporter.makeNotation = False  # _build made measures, ties, beams, accidentals
    data = exporter.parse()
    return data.decode("utf-8") if isinstance(data, bytes) else str(data)


def write_musicxml(score: Score, path: str | Path, *, title: str, cue_id: str | None = None,
                   start_tc: str | None = None) -> Path:
    """Write the full score (transposed, as the module docstring says) as MusicXML,
    atomically; returns the path."""
    out = Path(path)
    built, _groups = _build(score, title=title, cue_id=cue_id, start_tc=start_tc, parts=None, all_marks=False)
    atomic_write_text(out, _xml_text(built))  # written pitch: no accidental its key signature gives
    log.info("wrote MusicXML score %s", out)
    return out


def write_parts(score: Score, out_dir: str | Path, *, title: str, cue_id: str | None = None,
                start_tc: str | None = None, stem: str = "") -> dict[str, Path]:
    """One MusicXML per part, written transposed; returns ``{part name: path}``."""
    built, groups = _build(score, title=title, cue_id=cue_id, start_tc=start_tc, parts=None,
                           all_marks=True)
    return _write_part_files(score, built, groups, Path(out_dir), stem)


def write_score_and_parts(score: Score, path: str | Path, parts_dir: str | Path, *, title: str,
                          cue_id: str | None = None, start_tc: str | None = None,
                          stem: str = "") -> tuple[Path, dict[str, Path]]:
    """The full score and the parts from one engraving pass (what a cue delivery uses):
    the parts are written first with every mark, then the full score keeps tempo,
    rehearsal and hit marks on its top staff only. Returns ``(score path, parts)``."""
    from music21 import expressions, tempo

    built, groups = _build(score, title=title, cue_id=cue_id, start_tc=start_tc, parts=None,
                           all_marks=True)
    parts = _write_part_files(score, built, groups, Path(parts_dir), stem)
    top_only = (tempo.MetronomeMark, expressions.RehearsalMark)
    for m21part in [st for g in groups[1:] for st in g]:
        for m in m21part.getElementsByClass("Measure"):
            for el in list(m.getElementsByClass(top_only + (expressions.TextExpression,))):
                if isinstance(el, top_only) or el.placement == "above":
                    m.remove(el)
    out = Path(path)
    atomic_write_text(out, _xml_text(built))
    return out, parts


def _write_part_files(score: Score, built: Any, groups: list[list[Any]], out: Path,
                      stem: str) -> dict[str, Path]:
    from music21 import layout, stream

    from assistant.paths import safe_filename

    paths: dict[str, Path] = {}
    for part, staves in zip(score.parts, groups, strict=True):
        single = stream.Score()
        single.metadata = built.metadata
        for st in staves:
            single.insert(0, st)
        if len(staves) > 1:
            single.insert(0, layout.StaffGroup(staves, name=staves[0].partName, symbol="brace",
                                               barTogether=True))
        name = safe_filename(part.name) or "part"
        p = out / f"{stem}{name}.musicxml"
        n = 2
        while p in paths.values():
            p = out / f"{stem}{name}_{n}.musicxml"
            n += 1
        atomic_write_text(p, _xml_text(single))
        paths[part.name] = p
    log.info("wrote %d part(s) to %s", len(paths), out)
    return paths
