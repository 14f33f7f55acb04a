""""Like the temp in feel, not in notes": brief attributes derived from a temp track.

:func:`feel_from_file` reads a temp track (MIDI, MusicXML, ABC) and returns what the drafting
may borrow without copying a single phrase: the tempo range, the meter, the note density,
the mode, the register, the instrumentation and the dynamics. The keys follow the brief
contract of ``scoring-assistant brief`` (``tempo_bpm``, ``mode``, ``dynamics``,
``include_instruments``, ``avoid_references``) plus ``meter``, ``density``, ``register``
and the measurements behind them. The temp file itself goes into ``avoid_references`` so
the guard checks every draft against it.

MusicXML is read at sounding pitch (:func:`assistant.guard.melody.to_sounding_pitch`,
shared with the themes' importer): a transposing part's written notes would give the
wrong key, register and range.

Mode uses Krumhansl-Kessler key profiles on duration-weighted pitch classes; a major key
with a prominent flat seventh (Mixolydian) or a minor key with a prominent major sixth
(Dorian) or flat second (Phrygian) is reported as ``modal``.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import InputError
from assistant.guard.melody import MIDI_SUFFIXES, MUSIC21_SUFFIXES, SUFFIXES, line_from_notes
from assistant.music.corpus import (  # one home for key finding and the attribute buckets
    DENSITY_EDGES,
    PITCH_NAMES,
    REGISTER_EDGES,
    key_from_histogram,
)

log = logging.getLogger(__name__)

DYNAMICS = ("pp", "p", "mp", "mf", "f", "ff")
_VELOCITY_EDGES = (40, 56, 72, 88, 104)  # pp < 40 <= p < 56 <= mp < 72 <= mf < 88 <= f < 104 <= ff

# General MIDI program (0-127) -> instrument id of the DESIGN.md vocabulary.
_GM_RANGES: tuple[tuple[int, int, str], ...] = (
    (0, 7, "piano"), (8, 8, "celesta"), (9, 9, "glockenspiel"), (10, 15, "percussion"),
    (16, 23, "organ"), (24, 31, "guitar"), (32, 32, "double_bass"), (33, 39, "synth_bass"),
    (40, 40, "violin"), (41, 41, "viola"), (42, 42, "cello"), (43, 43, "double_bass"),
    (44, 45, "violin"), (46, 46, "harp"), (47, 47, "timpani"), (48, 51, "violin"),
    (52, 52, "choir"), (53, 53, "voice"), (54, 54, "choir"), (55, 55, "percussion"),
    (56, 56, "trumpet"), (57, 57, "trombone"), (58, 58, "tuba"), (59, 59, "trumpet"),
    (60, 61, "horn"), (62, 63, "synth_lead"), (64, 67, "clarinet"), (68, 68, "oboe"),
    (69, 69, "english_horn"), (70, 70, "bassoon"), (71, 71, "clarinet"), (72, 72, "piccolo"),
    (73, 79, "flute"), (80, 87, "synth_lead"), (88, 103, "synth_pad"), (104, 107, "guitar"),
    (108, 108, "percussion"), (109, 109, "oboe"), (110, 110, "violin"), (111, 111, "oboe"),
    (112, 112, "glockenspiel"), (113, 115, "percussion"), (116, 117, "drums"),
    (118, 127, "percussion"),
)
# Part-name keywords (checked before the program, most specific first).
_NAME_WORDS: tuple[tuple[str, str], ...] = (
    ("piccolo", "piccolo"), ("english horn", "english_horn"), ("cor anglais", "english_horn"),
    ("bass clarinet", "bass_clarinet"), ("double bass", "double_bass"), ("contrabass", "double_bass"),
    ("violoncello", "cello"), ("cello", "cello"), ("viola", "viola"), ("violin", "violin"),
    ("fiddle", "violin"), ("harp", "harp"), ("flute", "flute"), ("oboe", "oboe"),
    ("clarinet", "clarinet"), ("bassoon", "bassoon"), ("horn", "horn"), ("trumpet", "trumpet"),
    ("trombone", "trombone"), ("tuba", "tuba"), ("timpani", "timpani"), ("drum", "drums"),
    ("glockenspiel", "glockenspiel"), ("celesta", "celesta"), ("organ", "organ"),
    ("piano", "piano"), ("guitar", "guitar"), ("choir", "choir"), ("voice", "voice"),
)
# Voice-part names, trusted only when the GM program says nothing (0) or says voices.
_VOICE_WORDS = ("soprano", "alto", "tenor", "bass", "baritone", "cantus", "quintus")


def gm_instrument(program: int, name: str = "", is_drum: bool = False) -> str:
    """Instrument id for a part, from its name if it says, else from its GM program.

    >>> gm_instrument(42), gm_instrument(0, "Solo Violin"), gm_instrument(0, is_drum=True)
    ('cello', 'violin', 'drums')
    """
    if is_drum:
        return "drums"
    low = name.lower()
    for word, inst in _NAME_WORDS:
        if word in low:
            return inst
    if program in (0, 52, 53, 54) and any(w in low for w in _VOICE_WORDS):
        return "voice"
    for lo, hi, inst in _GM_RANGES:
        if lo <= program <= hi:
            return inst
    return "piano"


def velocity_dynamic(velocity: float) -> str:
    """MIDI velocity -> pp..ff.

    >>> [velocity_dynamic(v) for v in (30, 50, 64, 80, 96, 120)]
    ['pp', 'p', 'mp', 'mf', 'f', 'ff']
    """
    return DYNAMICS[int(np.searchsorted(_VELOCITY_EDGES, velocity, side="right"))]


def estimate_key(pcs_weight: np.ndarray) -> tuple[int, str, float]:
    """(tonic pitch class, 'major'|'minor', correlation) by Krumhansl-Kessler profiles."""
    k = key_from_histogram(np.asarray(pcs_weight, dtype=float))
    return k.tonic, k.mode, k.corr


def mode_of(pcs_weight: np.ndarray) -> tuple[str, str]:
    """('major'|'minor'|'modal', key name) from duration-weighted pitch classes."""
    tonic, mode, _ = estimate_key(pcs_weight)
    w = pcs_weight / max(pcs_weight.sum(), 1e-9)
    deg = lambda k: float(w[(tonic + k) % 12])  # noqa: E731 - a tiny local helper
    label = mode
    if mode == "major" and deg(10) > 0.04 and deg(10) > 1.5 * deg(11):
        label = "modal"  # Mixolydian
    elif mode == "minor" and deg(9) > 0.04 and deg(9) > 1.5 * deg(8):
        label = "modal"  # Dorian
    elif mode == "minor" and deg(1) > 0.04 and deg(1) > 1.5 * deg(2):
        label = "modal"  # Phrygian
    return label, f"{PITCH_NAMES[tonic]} {mode}"


def _bucket(value: float, edges: tuple[float, float]) -> str:
    return ("low", "mid", "high")[int(np.searchsorted(edges, value, side="right"))]


def feel_from_score(score: Any, name: str = "") -> dict[str, Any]:
    """Brief attributes of a :class:`assistant.music.score.Score` (see the module docstring)."""
    parts = [p for p in score.parts if p.notes]
    pitched = [p for p in parts if not p.is_drum]
    if not pitched:
        raise InputError("no pitched notes to derive a feel from", path=name or None)
    notes = [n for p in pitched for n in p.notes]
    # tempo: the tempo map's range, widened by 5 % so that drafts are not locked to it
    bpms = [float(b) for _, b in score.tempos] or [120.0]
    tempo_known = bool(getattr(score, "_tempo_known", True))
    tempo = [round(min(bpms) * 0.95, 1), round(max(bpms) * 1.05, 1)] if tempo_known else None
    # meter: the one that covers most beats
    meters = sorted(score.meters) or [(0.0, 4, 4)]
    end = max(score.duration_beats, meters[-1][0] + 1e-6)
    span: Counter[str] = Counter()
    for i, (b, num, den) in enumerate(meters):
        nxt = meters[i + 1][0] if i + 1 < len(meters) else end
        span[f"{num}/{den}"] += max(nxt - b, 1e-6)
    meter = span.most_common(1)[0][0]
    # melody: the skyline of all pitched parts
    mel = line_from_notes([(n.pitch, n.start_beats, n.dur_beats) for n in notes])
    dur_beats = max(mel.duration_beats, 1e-6)
    onsets_per_beat = len(mel) / dur_beats
    mean_pitch = float(np.average(mel.pitches, weights=mel.iois_beats)) if len(mel) else 60.0
    pcs = np.zeros(12)
    for n in notes:
        pcs[n.pitch % 12] += n.dur_beats
    mode, key = mode_of(pcs)
    vel = np.array([n.velocity for n in notes], dtype=float)
    dyn = None
    if len(vel) and getattr(score, "_velocity_known", True):
        dyn = [velocity_dynamic(float(np.percentile(vel, 10))),
               velocity_dynamic(float(np.percentile(vel, 90)))]
    insts: list[str] = []
    for p in parts:
        inst = gm_instrument(int(p.program), p.name or "", bool(p.is_drum))
        if inst not in insts:
            insts.append(inst)
    return {
        "tempo_bpm": tempo,
        "meter": meter,
        "density": _bucket(onsets_per_beat, DENSITY_EDGES),
        "onsets_per_beat": round(onsets_per_beat, 3),
        "mode": mode,
        "key": key,
        "register": _bucket(mean_pitch, REGISTER_EDGES),
        "melody_mean_pitch": round(mean_pitch, 1),
        "pitch_range": [int(min(n.pitch for n in notes)), int(max(n.pitch for n in notes))],
        "include_instruments": insts,
        "dynamics": dyn,
        "avoid_references": [name] if name else [],
    }


def _score_from_music21(p: Path) -> Any:
    from music21 import converter, meter, stream, tempo

    from assistant.guard.melody import music21_part_notes, to_sounding_pitch
    from assistant.music.score import Note, Part, Score

    try:
        s = converter.parse(str(p), forceSource=True)
    except Exception as exc:
        raise InputError(f"not a readable {p.suffix[1:]} file ({type(exc).__name__})",
                         path=p) from None
    if isinstance(s, stream.Opus):
        s = s.scores[0]
    s = to_sounding_pitch(s)  # a clarinet in Bb sounds a tone below what is written
    parts = []
    velocity_known = False
    for i, part in enumerate(list(s.parts) if isinstance(s, stream.Score) and s.parts else [s]):
        raw = music21_part_notes(part)
        vels = {}
        for n in part.recurse().notes:
            v = getattr(n.volume, "velocity", None) if n.volume is not None else None
            if v is not None:
                velocity_known = True
                vels[(round(float(n.getOffsetInHierarchy(part)), 4))] = int(v)
        name = part.partName or f"part {i + 1}"
        inst = part.getInstrument(returnDefault=False)
        program = int(inst.midiProgram) if inst is not None and inst.midiProgram is not None else 0
        parts.append(Part(name, program=program, notes=[
            Note(pi, o, d, vels.get(round(o, 4), 80)) for pi, o, d in raw if 0 <= pi <= 127]))
    tempos = [(float(mm.getOffsetInHierarchy(s)), float(mm.getQuarterBPM()))
              for mm in s.recurse().getElementsByClass(tempo.MetronomeMark)
              if mm.getQuarterBPM() is not None]
    meters = [(float(ts.getOffsetInHierarchy(s)), int(ts.numerator), int(ts.denominator))
              for ts in s.recurse().getElementsByClass(meter.TimeSignature)]
    sc = Score(parts=parts, tempos=sorted(set(tempos)) or [(0.0, 120.0)],
               meters=sorted(set(meters)) or [(0.0, 4, 4)])
    sc._tempo_known = bool(tempos)  # type: ignore[attr-defined]
    sc._velocity_known = velocity_known  # type: ignore[attr-defined]
    return sc


def feel_from_file(path: str | Path) -> dict[str, Any]:
    """Brief attributes of a temp track file. Raises InputError for bad files."""
    p = Path(path)
    if not p.is_file():
        raise InputError("file not found", path=p)
    suffix = p.suffix.lower()
    if suffix in MIDI_SUFFIXES:
        from assistant.music.score import Score

        score = Score.from_midi(p)
        has_tempo = False
        try:
            import mido

            has_tempo = any(msg.type == "set_tempo" for tr in mido.MidiFile(p).tracks for msg in tr)
        except Exception:  # already validated by Score.from_midi
            has_tempo = True
        score._tempo_known = has_tempo  # type: ignore[attr-defined]
    elif suffix in MUSIC21_SUFFIXES:
        score = _score_from_music21(p)
    else:
        raise InputError(f"unsupported file type {suffix or '(none)'}; expected one of "
                         f"{', '.join(SUFFIXES)}", path=p)
    return feel_from_score(score, name=p.name)
