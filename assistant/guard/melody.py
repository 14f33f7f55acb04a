"""Melodic lines from temp tracks, drafts and corpus pieces.

A :class:`Melody` is a monophonic note sequence: MIDI pitches, onsets and durations in
quarter-note beats. :func:`load_melodies` imports MIDI (mido, through
:class:`assistant.music.score.Score`), MusicXML (``.musicxml``, ``.xml``, ``.mxl``),
ABC and Humdrum (music21) and returns one melody per line worth checking:

* every monophonic track (part) as it is, and
* the *skyline* of every polyphonic track (at each onset the highest note, cut where the
  next onset starts; Uitdenbogerd & Zobel 1999), so that a tune hidden in the top of a
  piano part is still found.

Drum tracks (MIDI channel 10) are skipped. Every problem with the file becomes a located
:class:`~assistant.errors.InputError`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import InputError

log = logging.getLogger(__name__)

MIDI_SUFFIXES = (".mid", ".midi", ".smf", ".kar")
MUSIC21_SUFFIXES = (".musicxml", ".xml", ".mxl", ".abc", ".krn")
SUFFIXES = MIDI_SUFFIXES + MUSIC21_SUFFIXES

MIN_NOTES = 4  # a line shorter than this is not a melody worth checking
MONO_OVERLAP_FRACTION = 0.1  # tracks with more overlapping notes than this get a skyline
_EPS_BEATS = 1e-3


@dataclass
class Melody:
    """A monophonic line. Arrays have one entry per note, in time order.

    ``pitches`` are MIDI numbers, ``onsets_beats`` and ``durs_beats`` quarter-note beats.
    ``name`` says where the line came from (file, track, 'skyline').
    """

    pitches: np.ndarray
    onsets_beats: np.ndarray
    durs_beats: np.ndarray
    name: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pitches = np.asarray(self.pitches, dtype=np.int16).reshape(-1)
        self.onsets_beats = np.asarray(self.onsets_beats, dtype=np.float64).reshape(-1)
        self.durs_beats = np.asarray(self.durs_beats, dtype=np.float64).reshape(-1)
        if not (len(self.pitches) == len(self.onsets_beats) == len(self.durs_beats)):
            raise ValueError("pitches, onsets and durations differ in length")

    def __len__(self) -> int:
        return int(len(self.pitches))

    @classmethod
    def from_notes(cls, notes: Iterable[Sequence[float]], name: str = "") -> Melody:
        """Build from ``(pitch, onset_beats, dur_beats)`` triples (any order)."""
        rows = sorted((float(o), int(p), float(d)) for p, o, d in notes)
        if not rows:
            return cls(np.zeros(0), np.zeros(0), np.zeros(0), name=name)
        o, p, d = zip(*rows, strict=True)
        return cls(np.array(p), np.array(o), np.array(d), name=name)

    @property
    def iois_beats(self) -> np.ndarray:
        """Inter-onset intervals: onset of the next note minus this one; the last note's duration."""
        if len(self) == 0:
            return np.zeros(0)
        ioi = np.empty(len(self))
        ioi[:-1] = np.diff(self.onsets_beats)
        ioi[-1] = self.durs_beats[-1]
        return np.maximum(ioi, 1.0 / 96)

    @property
    def duration_beats(self) -> float:
        if len(self) == 0:
            return 0.0
        return float(self.onsets_beats[-1] + self.durs_beats[-1] - self.onsets_beats[0])

    def content_key(self) -> int:
        """A hash of the pitches and rhythm: per-note values cached in ``meta`` as
        ``(key, array)`` are valid only for the notes they were computed on."""
        return hash((self.pitches.tobytes(), np.round(self.iois_beats, 6).tobytes()))

    def slice(self, start: int, stop: int) -> Melody:
        """Notes ``start:stop`` (onsets keep their positions). Per-note values cached in
        ``meta`` (information, generic figures: measured on the whole line) are sliced too."""
        meta = dict(self.meta)
        out = Melody(self.pitches[start:stop], self.onsets_beats[start:stop],
                     self.durs_beats[start:stop], name=self.name, meta=meta)
        key = None
        for k, v in self.meta.items():
            if isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], np.ndarray) \
                    and len(v[1]) == len(self):
                key = self.content_key() if key is None else key
                if v[0] == key:
                    meta[k] = (out.content_key(), v[1][start:stop])
                else:
                    del meta[k]
        return out

    def transposed(self, semitones: int) -> Melody:
        return Melody(self.pitches + semitones, self.onsets_beats, self.durs_beats,
                      name=self.name, meta=dict(self.meta))

    def time_scaled(self, factor: float) -> Melody:
        """Tempo change: every onset and duration times ``factor``."""
        return Melody(self.pitches, self.onsets_beats * factor, self.durs_beats * factor,
                      name=self.name, meta=dict(self.meta))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "pitches": self.pitches.tolist(),
                "onsets_beats": self.onsets_beats.tolist(), "durs_beats": self.durs_beats.tolist()}


# ----------------------------------------------------------------------------- lines
def skyline(notes: Sequence[tuple[int, float, float]], name: str = "") -> Melody:
    """Highest note at each onset; a held note is cut when a new onset starts above it,
    and notes starting under a still-sounding higher note are dropped.

    >>> m = skyline([(60, 0, 2), (64, 0, 1), (67, 1, 1), (55, 1, 1), (62, 2, 2)])
    >>> m.pitches.tolist(), m.durs_beats.tolist()
    ([64, 67, 62], [1.0, 1.0, 2.0])
    """
    rows = sorted(((float(o), -int(p), float(d)) for p, o, d in notes))
    out: list[list[float]] = []  # [pitch, onset, dur]
    i = 0
    while i < len(rows):
        onset, negp, dur = rows[i]
        while i < len(rows) and abs(rows[i][0] - onset) < _EPS_BEATS:
            i += 1
        pitch = -negp
        if out and out[-1][1] + out[-1][2] > onset + _EPS_BEATS:
            prev = out[-1]
            if prev[0] >= pitch:
                continue
            prev[2] = max(onset - prev[1], _EPS_BEATS)
        out.append([pitch, onset, dur])
    return Melody.from_notes([(p, o, d) for p, o, d in out], name=name)


def is_monophonic(notes: Sequence[tuple[int, float, float]]) -> bool:
    """True when at most ``MONO_OVERLAP_FRACTION`` of the notes overlap their predecessor."""
    rows = sorted((float(o), float(d)) for _, o, d in notes)
    if len(rows) < 2:
        return True
    bad = 0
    end = rows[0][0] + rows[0][1]
    for o, d in rows[1:]:
        if o < end - 0.125:  # a slight legato overlap (< 1/8 beat) is still monophonic
            bad += 1
        end = max(end, o + d)
    return bad <= MONO_OVERLAP_FRACTION * len(rows)


def line_from_notes(notes: Sequence[tuple[int, float, float]], name: str = "") -> Melody:
    """A monophonic track as it is (legato overlaps trimmed, unisons merged) or its skyline."""
    if not is_monophonic(notes):
        return skyline(notes, name=f"{name} (skyline)" if name else "skyline")
    return skyline(notes, name=name)  # the skyline of a monophonic line trims overlaps only


def melodies_from_score(score: Any, name: str = "", min_notes: int = MIN_NOTES) -> list[Melody]:
    """Lines of an :class:`assistant.music.score.Score` (or anything with ``parts`` whose
    ``notes`` have ``pitch``, ``start_beats`` and ``dur_beats``)."""
    out: list[Melody] = []
    for i, part in enumerate(getattr(score, "parts", [])):
        if getattr(part, "is_drum", False):
            continue
        notes = [(n.pitch, n.start_beats, n.dur_beats) for n in part.notes]
        if len(notes) < min_notes:
            continue
        pname = getattr(part, "name", "") or f"part {i + 1}"
        m = line_from_notes(notes, name=f"{name}:{pname}" if name else pname)
        if len(m) >= min_notes:
            out.append(m)
    return out


def as_melodies(obj: Any, name: str = "") -> list[Melody]:
    """Coerce a Melody, a list of Melodies, a Score, a list of Notes or a path into melodies."""
    if isinstance(obj, Melody):
        return [obj]
    if isinstance(obj, (str, Path)):
        return load_melodies(obj)
    if hasattr(obj, "parts"):
        return melodies_from_score(obj, name=name)
    if isinstance(obj, (list, tuple)):
        if not obj:
            return []
        if all(isinstance(x, Melody) for x in obj):
            return list(obj)
        if all(hasattr(x, "pitch") for x in obj):
            return [line_from_notes([(n.pitch, n.start_beats, n.dur_beats) for n in obj], name)]
        if all(isinstance(x, (tuple, list)) and len(x) == 3 for x in obj):
            return [line_from_notes(obj, name)]
        out: list[Melody] = []
        for x in obj:
            out.extend(as_melodies(x, name))
        return out
    raise TypeError(f"cannot read melodies from {type(obj).__name__}")


# ----------------------------------------------------------------------------- files
def load_melodies(path: str | Path, min_notes: int = MIN_NOTES) -> list[Melody]:
    """Every melodic line of a MIDI, MusicXML, ABC or Humdrum file.

    Raises InputError for a missing, unreadable or note-less file.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", path=p)
    if p.is_dir():
        raise InputError("is a directory, expected a MIDI, MusicXML or ABC file", path=p)
    suffix = p.suffix.lower()
    if suffix in MIDI_SUFFIXES:
        from assistant.music.score import Score

        score = Score.from_midi(p)
        mels = melodies_from_score(score, name=p.name, min_notes=min_notes)
    elif suffix in MUSIC21_SUFFIXES:
        mels = _load_music21(p, min_notes=min_notes)
    else:
        raise InputError(f"unsupported file type {suffix or '(none)'}; expected one of "
                         f"{', '.join(SUFFIXES)}", path=p)
    if not mels:
        raise InputError(f"no melodic line of at least {min_notes} pitched notes", path=p)
    return mels


def _load_music21(p: Path, min_notes: int) -> list[Melody]:
    from music21 import converter

    from assistant.limits import check_score_file

    raw = check_score_file(p)  # regular file, size and .mxl expansion limits
    if not raw.strip():
        raise InputError("file is empty", path=p)
    try:
        parsed = converter.parse(str(p), forceSource=True)
    except Exception as exc:  # music21 raises many types on malformed input
        msg = str(exc).replace("\n", " ")[:160]
        raise InputError(f"not a readable {p.suffix[1:]} file ({type(exc).__name__}: {msg})",
                         path=p) from None
    return melodies_from_music21(to_sounding_pitch(parsed), name=p.name, min_notes=min_notes)


def to_sounding_pitch(obj: Any) -> Any:
    """A music21 Score, Part or Opus at sounding pitch: transposing parts (clarinet in Bb,
    horn in F, ...) are written transposed in MusicXML, and every reader of the project
    (the guard, its feel, the themes' importer) wants the pitches heard. Already at
    sounding pitch, or nothing to transpose: returned as it is."""
    from music21 import stream

    if isinstance(obj, stream.Opus):
        for sc in obj.scores:
            to_sounding_pitch_in_place(sc)
        return obj
    try:
        return obj.toSoundingPitch()
    except Exception as exc:  # noqa: BLE001 - music21 raises many kinds on odd streams
        log.warning("could not put %s at sounding pitch (%s); reading written pitch",
                    getattr(obj, "id", "a stream"), type(exc).__name__)
        return obj


def to_sounding_pitch_in_place(obj: Any) -> None:
    """:func:`to_sounding_pitch` in place (for the scores of an opus)."""
    try:
        obj.toSoundingPitch(inPlace=True)
    except Exception as exc:  # noqa: BLE001 - music21 raises many kinds on odd streams
        log.warning("could not put %s at sounding pitch (%s); reading written pitch",
                    getattr(obj, "id", "a stream"), type(exc).__name__)


def music21_part_notes(part: Any) -> list[tuple[int, float, float]]:
    """(pitch, onset_beats, dur_beats) of every sounding note of a music21 part or stream,
    ties merged, chords expanded, grace notes skipped."""
    notes: list[tuple[int, float, float]] = []
    tie_open: dict[int, int] = {}  # pitch -> index in notes of the note a tie continues
    for el in part.recurse().notes:
        dur = float(el.duration.quarterLength)
        if dur <= 0:  # grace notes
            continue
        onset = float(el.getOffsetInHierarchy(part))
        pitches = [el.pitch] if hasattr(el, "pitch") else list(el.pitches)
        tie = getattr(el, "tie", None)
        tie_type = tie.type if tie is not None else None
        for pt in pitches:
            midi = int(round(pt.ps))
            if tie_type in ("stop", "continue") and midi in tie_open:
                j = tie_open[midi]
                p0, o0, _ = notes[j]
                notes[j] = (p0, o0, onset + dur - o0)
                if tie_type == "stop":
                    tie_open.pop(midi, None)
                continue
            if 0 <= midi <= 127:
                notes.append((midi, onset, dur))
                if tie_type == "start":
                    tie_open[midi] = len(notes) - 1
    return notes


def melodies_from_music21(obj: Any, name: str = "", min_notes: int = MIN_NOTES) -> list[Melody]:
    """Lines of a music21 Score, Part or Opus (each score of an opus separately)."""
    from music21 import stream

    out: list[Melody] = []
    if isinstance(obj, stream.Opus):
        for k, sc in enumerate(obj.scores):
            out.extend(melodies_from_music21(sc, name=f"{name}#{k + 1}", min_notes=min_notes))
        return out
    parts = list(obj.parts) if isinstance(obj, stream.Score) and obj.parts else [obj]
    for i, part in enumerate(parts):
        notes = music21_part_notes(part)
        if len(notes) < min_notes:
            continue
        pname = part.partName or getattr(part, "id", None) or f"part {i + 1}"
        m = line_from_notes(notes, name=f"{name}:{pname}" if name else str(pname))
        if len(m) >= min_notes:
            out.append(m)
    return out
