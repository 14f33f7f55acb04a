"""Engraved score and parts: MusicXML through music21, SVG through verovio, PDF through
MuseScore 3 when installed.

What each file carries:

* title (the cue title), the cue id and its start timecode (``movement-number`` /
  ``movement-title``, and a text at bar 1 ``<id> @ <tc>``), the score's key;
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
  guitar and double bass at their octaves), key signatures transposed too; notation
  software's "concert pitch" toggle shows the score in C.

Onsets snap to the sixteenth or the eighth-triplet grid (1/12 of a quarter only when
neither fits), and a played gap before the next onset (articulation, humanising) is not
written as a rest. A part's overlapping notes become chords sliced at every onset and
release, tied across, which reads as one player's line (a divisi part the same way);
piano, organ, harp and choir parts that cross middle C go on a braced grand staff.

verovio runs with a fixed ``xmlIdSeed`` so the same MusicXML gives the same SVG.
"""

from __future__ import annotations

import bisect
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.music.score import Part, Score
from assistant.project import atomic_write_bytes, atomic_write_text

log = logging.getLogger(__name__)

GRID = Fraction(1, 12)  # quarter-note quantum: sixteenths and eighth triplets
XML_ID_SEED = 1
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


def _q(x: float) -> Fraction:
    return Fraction(round(Fraction(x) / GRID)) * GRID


def _instrument(part: Part):
    from music21 import clef, instrument, interval

    from assistant.analysis.instruments import INSTRUMENTS

    info = INSTRUMENTS.get(part.instrument)
    ins = instrument.Instrument()
    ins.partName = info.name if info else part.name
    ins.partAbbreviation = info.abbreviation if info else part.name[:4]
    ins.instrumentName = ins.partName
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
    within ``tolerance`` units (a 24th of a quarter for onsets; releases, which players
    judge less exactly, pass 1) — what a player reads, not the performance's jitter."""
    sixteenth = 3 * round(units / 3)
    triplet = 4 * round(units / 4)
    best = min((abs(units - sixteenth), 0, sixteenth), (abs(units - triplet), 1, triplet))
    return int(best[2]) if best[0] <= tolerance else int(round(units))


def _slices(part: Part) -> list[tuple[Fraction, Fraction, list[tuple[int, int, bool, bool, str]]]]:
    """``(start, end, [(pitch, velocity, tie_in, tie_out, articulation)])`` per time slice.

    A sweep over onsets and releases on the integer grid (GRID units), so a long cue's
    part costs O(n log n), not a scan of every note per slice.
    """
    unit = GRID.denominator  # grid steps per quarter (GRID = 1/unit)
    raw = [(_snap(n.start_beats * unit), n.end_beats * unit, n) for n in part.notes]
    onsets = sorted({s for s, _, _ in raw})
    notes = []
    for s, end_units, n in raw:
        k = bisect.bisect_right(onsets, s)
        nxt = onsets[k] if k < len(onsets) else None
        e = _snap(end_units, 1.0)
        if e <= s:
            e = s + 3
        if nxt is not None:
            gap = nxt - e
            # a played gap before the next onset (articulation, humanising) is not a rest
            if 0 < gap <= min(unit, max(3, (e - s) // 2)):
                e = nxt
            e = min(e, nxt) if e - nxt < 3 else e  # a hair past the next onset: stop there
        notes.append((s, e, n.pitch, n.velocity, getattr(n, "articulation", None) or ""))
    if not notes:
        return []
    cuts = sorted({x for s, e, *_ in notes for x in (s, e)})
    by_start: dict[int, list[int]] = {}
    for i, (s, *_rest) in enumerate(notes):
        by_start.setdefault(s, []).append(i)
    active: set[int] = set()
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        active = {i for i in active if notes[i][1] > a}
        active.update(by_start.get(a, ()))
        if not active:
            continue
        uniq: dict[int, tuple[int, int, bool, bool, str]] = {}
        for i in sorted(active, key=lambda k: (notes[k][0] != a, k)):  # fresh onsets first
            s, e, p, v, art = notes[i]
            uniq.setdefault(p, (p, v, s < a, e > b, art if s == a else ""))
        out.append((Fraction(a, unit), Fraction(b, unit), sorted(uniq.values())))
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


def _part_events(part: Part, score: Score, *, top: bool, title_text: str | None
                 ) -> tuple[list[tuple[Fraction, Any]], list[tuple[Fraction, Any]], Any, Any]:
    """The part's timed material: ``(durational, point events, instrument, clef)``.

    Durational events are ``(offset, (kind, pitches, dur, tie_in, tie_out, arts))`` with
    kind "note" or "rest"; point events are music21 objects (dynamics, texts, marks).
    """
    from music21 import dynamics, expressions, tempo

    ins, clef_obj = _instrument(part)
    timed: list[tuple[Fraction, Any]] = []
    points: list[tuple[Fraction, Any]] = []
    last_dyn = None
    cursor = Fraction(0)
    for a, b, group in _slices(part):
        if a > cursor:
            timed.append((cursor, ("rest", [], a - cursor, False, False, [])))
        cursor = b
        tin = any(g[2] for g in group)
        tout = any(g[3] for g in group)
        arts = sorted({g[4] for g in group if g[4]})
        timed.append((a, ("note", [g[0] for g in group], b - a, tin, tout, arts)))
        if not tin and not part.dynamics:
            dyn = dynamic_of(max(g[1] for g in group))
            if dyn != last_dyn:
                points.append((a, dynamics.Dynamic(dyn)))
                last_dyn = dyn
    end = _bar_end(score)
    if cursor < end:
        timed.append((cursor, ("rest", [], end - cursor, False, False, [])))
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
        if title_text:
            te = expressions.TextExpression(title_text)
            te.placement = "above"
            points.append((Fraction(0), te))
    return timed, points, ins, clef_obj


def _make_element(kind: str, pitches: list[int], dur: Fraction, tin: bool, tout: bool,
                  arts: list[str], part: Part, how: str, sharps: set[int]):
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
        obj = note.Note(pitch_name(pitches[0], how, sharps))
    else:
        obj = m21chord.Chord([pitch_name(p, how, sharps) for p in pitches])
    obj.quarterLength = float(dur)
    if not part.is_drum and (tin or tout):
        obj.tie = m21tie.Tie("continue" if tin and tout else "stop" if tin else "start")
    for art in arts:
        _articulate(obj, art)
    return obj


def _measured_part(part: Part, score: Score, bars: list[tuple[Fraction, Fraction, int, int]],
                   *, top: bool, title_text: str | None, staff: bool = False):
    """A music21 Part of Measures built directly: notes split at bar lines and tied,
    rests split by beat, marks placed in their bar (no makeMeasures/makeTies pass)."""
    from music21 import key, meter, stream

    timed, points, ins, clef_obj = _part_events(part, score, top=top, title_text=title_text)
    how, sharps = spelling(score.key), _minor_sharps(score.key)
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
    if score.key and not part.is_drum:
        try:
            tonic, _, mode = score.key.partition(" ")
            first.insert(0, key.Key(tonic.replace("b", "-") if len(tonic) > 1 else tonic,
                                    mode or "major"))
        except Exception:  # noqa: BLE001 - an unreadable key name only loses the signature
            log.warning("key %r not understood; no key signature", score.key)
    for off, (kind, pitches, dur, tin, tout, arts) in timed:
        pos, end = off, off + dur
        while pos < end:
            bi = max(0, bisect.bisect_right(starts, pos) - 1)
            b0, blen, num, den = bars[bi]
            piece_end = min(end, b0 + blen)
            m = measures[bi]
            if kind == "rest":
                compound = den == 8 and num % 3 == 0 and num > 3
                beat = Fraction(4, den) * (3 if compound else 1)
                o = pos - b0
                for piece in _rest_pieces(o, piece_end - pos, beat, blen):
                    for bit in expressible_pieces(piece):
                        m.insert(float(o), _make_element("rest", [], bit, False, False, [],
                                                         part, how, sharps))
                        o += bit
            else:
                o = pos
                for piece in expressible_pieces(piece_end - pos):
                    el = _make_element(kind, pitches, piece, tin if o == off else True,
                                       tout if o + piece == end else True,
                                       arts if o == off else [], part, how, sharps)
                    m.insert(float(o - b0), el)
                    o += piece
            pos = piece_end
    for off, obj in points:
        bi = min(len(bars) - 1, max(0, bisect.bisect_right(starts, off) - 1))
        measures[bi].insert(float(off - bars[bi][0]), obj)
    _beam(measures, bars)
    p = stream.PartStaff(measures) if staff else stream.Part(measures)
    p.partName = ins.partName
    return p


_BEAM_CACHE: dict[tuple[Any, ...], list[list[tuple[str, str | None]]]] = {}


def _beam(measures: list[Any], bars: list[tuple[Fraction, Fraction, int, int]]) -> None:
    """Beam each measure by its known meter. music21's makeBeams looks the meter up by
    context for every measure, and getBeams is slow; a bar's beams depend only on its
    meter and rhythm, so they are computed once per (meter, rhythm) and reused."""
    from music21 import beam, meter
    from music21.stream.makeNotation import setStemDirectionForBeamGroups

    sigs: dict[tuple[int, int], Any] = {}
    for m, (_, _, num, den) in zip(measures, bars, strict=True):
        group = m.notesAndRests.stream()
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


def _key_signature(score: Score, part: Part):  # -> music21.key.KeySignature
    """The part's key signature at sounding pitch (C major when none is known)."""
    from music21 import key

    if score.key and not part.is_drum:
        tonic, _, mode = score.key.partition(" ")
        try:
            return key.Key(tonic.replace("b", "-") if len(tonic) > 1 else tonic,
                           mode or "major")
        except Exception:  # noqa: BLE001 - unreadable key name: no signature
            pass
    return key.KeySignature(0)


GRAND_SPLIT = 60  # a keyboard or harp part on two staves: middle C and up on the upper


def _staves_of(part: Part, score: Score, bars: list[tuple[Fraction, Fraction, int, int]], *,
               top: bool, title_text: str | None) -> list[Any]:
    """One music21 Part, or two PartStaffs (treble over bass) for a grand-staff
    instrument whose notes lie on both sides of middle C."""
    from dataclasses import replace

    from music21 import clef

    from assistant.analysis.instruments import INSTRUMENTS

    info = INSTRUMENTS.get(part.instrument)
    upper = [n for n in part.notes if n.pitch >= GRAND_SPLIT]
    lower = [n for n in part.notes if n.pitch < GRAND_SPLIT]
    if info is None or info.clef != "grand" or not upper or not lower or part.is_drum:
        return [_measured_part(part, score, bars, top=top, title_text=title_text)]
    rh = _measured_part(replace(part, notes=upper), score, bars, top=top,
                        title_text=title_text, staff=True)
    lh = _measured_part(replace(part, notes=lower, dynamics=[]), score, bars, top=False,
                        title_text=None, staff=True)
    rh.getElementsByClass("Measure").first().clef = clef.TrebleClef()
    lh.getElementsByClass("Measure").first().clef = clef.BassClef()
    return [rh, lh]


def _build(score: Score, *, title: str, cue_id: str | None, start_tc: str | None,
           parts: list[Part] | None, all_marks: bool) -> tuple[Any, list[list[Any]]]:
    """The music21 score and, per score part, its staves (one, or two braced)."""
    from music21 import layout, metadata, stream
    from music21.stream.makeNotation import makeAccidentalsInMeasureStream

    if not score.parts:
        raise InputError("the score has no parts to engrave", field="parts")
    s = stream.Score()
    md = metadata.Metadata()
    md.title = title
    if cue_id:
        md.movementNumber = cue_id
    md.movementName = title  # what verovio and MuseScore show as the heading
    s.metadata = md
    label = " @ ".join(x for x in (cue_id or "", start_tc or "") if x) or None
    chosen = parts if parts is not None else score.parts
    bars = _bars(score)
    groups: list[list[Any]] = []
    for i, part in enumerate(chosen):
        staves = _staves_of(part, score, bars, top=(i == 0 or all_marks),
                            title_text=label if i == 0 or all_marks else None)
        ks = _key_signature(score, part)
        for st in staves:
            makeAccidentalsInMeasureStream(st, useKeySignature=ks)
            st.atSoundingPitch = True
            s.insert(0, st)
        if len(staves) > 1:
            s.insert(0, layout.StaffGroup(staves, name=staves[0].partName, symbol="brace",
                                          barTogether=True))
        groups.append(staves)
    return s, groups


def build_music21(score: Score, *, title: str, cue_id: str | None = None,
                  start_tc: str | None = None, parts: list[Part] | None = None,
                  all_marks: bool = False):  # -> music21.stream.Score
    """The music21 score at sounding pitch (``all_marks``: tempo etc. in every part)."""
    return _build(score, title=title, cue_id=cue_id, start_tc=start_tc, parts=parts,
                  all_marks=all_marks)[0]


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
    exporter.makeNotation = False  # build_music21 made measures, ties, beams, accidentals
    data = exporter.parse()
    return data.decode("utf-8") if isinstance(data, bytes) else str(data)


def write_musicxml(score: Score, path: str | Path, *, title: str, cue_id: str | None = None,
                   start_tc: str | None = None) -> Path:
    """Write the full score (concert pitch) as MusicXML, atomically; returns the path."""
    out = Path(path)
    atomic_write_text(out, _xml_text(build_music21(score, title=title, cue_id=cue_id,
                                                   start_tc=start_tc)))
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
        ins = staves[0].getInstrument(returnDefault=False)
        if ins is not None and ins.transposition is not None:
            single = single.toWrittenPitch(inPlace=False)
            for p in single.parts:
                p.makeAccidentals(inPlace=True, overrideStatus=True)
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


PAGE_OPTIONS = {"pageWidth": 2100, "pageHeight": 2970, "scale": 35}  # A4, tenths of mm
#: staves one system holds on an A4 page at PAGE_OPTIONS' scale (a title and tempo mark above)
STAVES_PER_PAGE = 12


def page_options(musicxml_text: str) -> dict[str, int]:
    """verovio's page options for a score: :data:`PAGE_OPTIONS` for up to
    :data:`STAVES_PER_PAGE` staves; for more, the music is engraved smaller on the same A4
    page (a lower ``scale`` over a proportionally larger page in verovio's units), so a
    full-orchestra system still fits: verovio never splits a system across pages, and one
    taller than the page runs off its bottom, losing the lowest staves; so such a score's
    pages are as tall as their music (``adjustPageHeight``)."""
    staves = musicxml_text.count("<score-part ")
    staves += sum(int(n) - 1 for n in re.findall(r"<staves>(\d+)</staves>", musicxml_text)[:staves])
    base = int(PAGE_OPTIONS["scale"])
    if staves <= STAVES_PER_PAGE:
        return dict(PAGE_OPTIONS)
    scale = max(15, base * STAVES_PER_PAGE // staves)
    # a page as tall as its music: a system still taller than the page is never cut off
    return {"scale": scale, "pageWidth": PAGE_OPTIONS["pageWidth"] * base // scale,
            "pageHeight": PAGE_OPTIONS["pageHeight"] * base // scale, "adjustPageHeight": True}


def verovio_data_path() -> str:
    """verovio's bundled resources (music fonts, glyph tables) inside its wheel."""
    from importlib.resources import files

    return str(files("verovio") / "data")


def toolkit():
    """A verovio toolkit that works in any thread, with the fixed ``xmlIdSeed``.

    verovio keeps its default resource path per thread and sets it only in the thread
    that imported the module; a toolkit made in another thread (a studio worker, a
    ThreadPoolExecutor) cannot load any data. So every toolkit gets the path explicitly.
    """
    import verovio

    verovio.enableLog(verovio.LOG_OFF)
    tk = verovio.toolkit(False)  # without the (per-thread) default resources
    if not tk.setResourcePath(verovio_data_path()):
        raise InputError("verovio's resource folder is missing; reinstall verovio",
                         field="verovio")
    tk.setOptions({"xmlIdSeed": XML_ID_SEED, **PAGE_OPTIONS, "breaks": "auto",
                   "footer": "none", "header": "auto", "adjustPageHeight": False})
    return tk


def svg_pages(musicxml: str | Path, *, fit_height: bool | None = None) -> list[str]:
    """Every page of ``musicxml`` (a path or the text) as SVG, rendered by verovio.

    Pages are A4 (a full cue score stays paginated, as players and a PDF want it). A
    short score that fits on one page (a theme, a sketch) is cropped to its music
    (verovio's ``adjustPageHeight``) instead of trailing a blank A4 page; ``fit_height``
    True/False forces either. Safe to call from any thread.
    """
    text = musicxml
    if isinstance(musicxml, Path) or (isinstance(musicxml, str) and "<" not in musicxml[:200]):
        p = Path(musicxml)
        if not p.is_file():
            raise InputError("MusicXML file not found", path=p)
        text = p.read_text(encoding="utf-8")
    tk = toolkit()
    tk.setOptions(page_options(str(text)))
    if fit_height:
        tk.setOptions({"adjustPageHeight": True})
    if not tk.loadData(str(text)):
        raise InputError("verovio could not read the MusicXML", field="musicxml")
    if fit_height is None and tk.getPageCount() == 1:
        tk.setOptions({"adjustPageHeight": True})
        tk.redoLayout()
    return [tk.renderToSVG(i) for i in range(1, tk.getPageCount() + 1)]


def write_svg_pages(musicxml: str | Path, out_stem: str | Path, *,
                    fit_height: bool | None = None) -> list[Path]:
    """Write ``<out_stem>-<page>.svg`` for every page; returns the paths."""
    stem = Path(out_stem)
    paths = []
    for i, svg in enumerate(svg_pages(musicxml, fit_height=fit_height), start=1):
        p = stem.with_name(f"{stem.name}-{i}.svg")
        atomic_write_text(p, svg)
        paths.append(p)
    return paths


def mscore_binary() -> str | None:
    """MuseScore's command line (mscore3, mscore, musescore) when installed."""
    for name in ("mscore3", "mscore", "musescore3", "musescore"):
        found = shutil.which(name)
        if found:
            return found
    return None


class PdfJob:
    """One MuseScore run converting ``(musicxml, pdf)`` pairs, started in the background
    (:meth:`start`) so the audio can render meanwhile; :meth:`finish` waits and moves the
    PDFs into place. Raises InputError naming MuseScore when it is missing or fails, or
    when it runs past ``timeout_s`` counted from :meth:`start` (it is then killed)."""

    def __init__(self, jobs: list[tuple[Path, Path]], timeout_s: float = 600) -> None:
        self.jobs = list(jobs)
        self.timeout_s = timeout_s
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._started = 0.0

    def start(self) -> PdfJob:
        exe = mscore_binary()
        if exe is None:
            raise InputError("MuseScore 3 (mscore3) is not installed; PDF needs it "
                             "(scripts/install-system-deps.sh installs it)", field="pdf")
        if not self.jobs:
            return self
        self._tmp = tempfile.TemporaryDirectory(prefix="mscore-")
        tmp = Path(self._tmp.name)
        job = tmp / "job.json"
        job.write_text(json.dumps([{"in": str(src.resolve()), "out": str(tmp / f"{i}.pdf")}
                                   for i, (src, _) in enumerate(self.jobs)]))
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp))  # its settings
        self._started = time.monotonic()
        self._proc = subprocess.Popen([exe, "-j", str(job)], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True)
        return self

    def cancel(self) -> None:
        """Stop MuseScore and remove its temporary folder (after an error elsewhere)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.communicate()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        self._proc = None

    def finish(self) -> list[Path]:
        if self._proc is None or self._tmp is None:
            return []
        try:
            try:
                left = self.timeout_s - (time.monotonic() - self._started)
                output, _ = self._proc.communicate(timeout=max(0.01, left))
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.communicate()
                raise InputError(f"MuseScore took over {self.timeout_s:g} s", field="pdf") from None
            tmp = Path(self._tmp.name)
            made = []
            for i, (src, dst) in enumerate(self.jobs):
                o = tmp / f"{i}.pdf"
                if not o.is_file() or o.stat().st_size == 0:
                    raise InputError(f"MuseScore could not convert it (exit "
                                     f"{self._proc.returncode}: {(output or '').strip()[-300:]})",
                                     path=src)
                atomic_write_bytes(dst, o.read_bytes())
                made.append(dst)
            return made
        finally:
            self._tmp.cleanup()
            self._tmp = None


def to_pdf(jobs: list[tuple[Path, Path]], *, timeout_s: float = 600) -> list[Path]:
    """Convert ``(musicxml, pdf)`` pairs with one MuseScore run; returns the PDFs made."""
    return PdfJob(jobs, timeout_s).start().finish()


def svg_to_png(svg: str, path: str | Path, *, width: int = 1400) -> Path:
    """Rasterise one SVG page with headless Chromium (for looking at a page); returns path."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        raise InputError("chromium is not installed; cannot rasterise SVG", field="png")
    out = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="svg-") as tmp:
        html = Path(tmp) / "page.html"
        html.write_text("<html><body style='margin:0;background:white'>"
                        f"<div style='width:{width}px'>{svg}</div></body></html>")
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                        f"--screenshot={out}", f"--window-size={width},{int(width * 1.414)}",
                        html.as_uri()], capture_output=True, timeout=120, check=False)
    if not out.is_file():
        raise InputError("chromium did not write the PNG", path=out)
    return out

