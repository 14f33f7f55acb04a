"""Corpus extraction from the music21 bundled corpus into plain note lists.

Each corpus file is parsed with music21 (``forceSource=True``: music21's pickle cache is
never read or written), every score inside it (ABC and Humdrum files hold many tunes) is
turned into a *piece record*: parts with ``[pitch, start_q, dur_q]`` notes (quarter
lengths from the first full bar; pickups are padded so bar lines fall on bar starts),
time signatures, tempos and analysis features. Repeats are NOT expanded, which also
avoids the malformed-repeat failures of music21's MIDI export; tied notes are merged.

The records are JSON lines, one file per corpus file, so the build is resumable.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

# Krumhansl-Kessler key profiles (major, minor), tonic first.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
PITCH_NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]

# Default General-MIDI programs per collection when the file names no instrument.
VOCAL_COLLECTIONS = {"bach", "palestrina", "monteverdi", "trecento", "essenFolksong",
                     "josquin", "ciconia", "luca", "lusitano"}
FIDDLE_COLLECTIONS = {"oneills1850", "ryansMammoth", "airdsAirs", "miscFolk"}

# Bucket edges (design defaults, chosen from the corpus distribution; see datasets/music/stats.json)
DENSITY_EDGES = (1.0, 2.0)  # onsets per quarter note: low < 1.0 <= mid < 2.0 <= high
REGISTER_EDGES = (60.0, 70.0)  # mean MIDI pitch: low < 60 <= mid < 70 <= high
DENSITY_NAMES = ("low", "mid", "high")
REGISTER_NAMES = ("low", "mid", "high")
ENSEMBLES = ("solo", "chorale", "ensemble", "keyboard")


@dataclass(frozen=True)
class KeyEstimate:
    """A Krumhansl-Schmuckler key estimate: tonic pitch class and mode."""

    tonic: int
    mode: str  # "major" | "minor"
    corr: float

    @property
    def name(self) -> str:
        return f"{PITCH_NAMES[self.tonic]} {self.mode}"


def estimate_key(notes: Iterable[tuple[int, float, float]]) -> KeyEstimate:
    """Krumhansl-Schmuckler key finding on a duration-weighted pitch-class histogram.

    >>> estimate_key([(60, 0, 1), (64, 1, 1), (67, 2, 1), (60, 3, 2)]).name
    'C major'
    """
    hist = np.zeros(12)
    for p, _s, d in notes:
        hist[int(p) % 12] += max(float(d), 0.25)
    return key_from_histogram(hist)


def key_from_histogram(hist: np.ndarray) -> KeyEstimate:
    """The best-correlating Krumhansl-Kessler key for a 12-bin pitch-class weight histogram."""
    if hist.sum() <= 0:
        return KeyEstimate(0, "major", 0.0)
    best = KeyEstimate(0, "major", -2.0)
    for tonic in range(12):
        for mode, prof in (("major", KK_MAJOR), ("minor", KK_MINOR)):
            c = float(np.corrcoef(hist, np.roll(prof, tonic))[0, 1])
            if not math.isnan(c) and c > best.corr:
                best = KeyEstimate(tonic, mode, c)
    return best


def bucket(value: float, edges: tuple[float, float], names: tuple[str, ...]) -> str:
    """Map ``value`` into one of three named buckets split at ``edges``."""
    if value < edges[0]:
        return names[0]
    return names[1] if value < edges[1] else names[2]


def density_per_q(notes: list[tuple[int, float, float]], length_q: float) -> float:
    """Distinct onsets per quarter note over ``length_q`` quarter notes."""
    if length_q <= 0:
        return 0.0
    return len({round(s * 12) for _p, s, _d in notes}) / length_q


def mean_pitch(notes: list[tuple[int, float, float]]) -> float:
    """Mean MIDI pitch (60 when empty)."""
    return float(np.mean([p for p, _s, _d in notes])) if notes else 60.0


def polyphony(notes: list[tuple[int, float, float]]) -> float:
    """Mean number of sounding notes over the time where at least one sounds (12 ticks/q)."""
    if not notes:
        return 0.0
    end = int(max(s + d for _p, s, d in notes) * 12) + 1
    if end > 200_000:
        return 0.0
    cover = np.zeros(end, dtype=np.int32)
    for _p, s, d in notes:
        a, b = int(round(s * 12)), int(round((s + d) * 12))
        cover[a:max(b, a + 1)] += 1
    busy = cover[cover > 0]
    return float(busy.mean()) if busy.size else 0.0


def bar_starts(meters: list[list[float]], length_q: float) -> list[tuple[float, int, int]]:
    """(start_q, numerator, denominator) of every bar up to ``length_q``, following the meter
    changes (``[offset_q, num, den]``, offsets on bar lines; a change inside a bar starts a new one).

    >>> [b[0] for b in bar_starts([[0.0, 3, 4], [6.0, 2, 2]], 14.0)]
    [0.0, 3.0, 6.0, 10.0]
    """
    out: list[tuple[float, int, int]] = []
    ms = sorted((float(o), int(n), int(d)) for o, n, d in meters) or [(0.0, 4, 4)]
    for j, (off, num, den) in enumerate(ms):
        end = ms[j + 1][0] if j + 1 < len(ms) else max(length_q, off + 1e-9)
        bar_q = num * 4.0 / den
        t = off
        while t < end - 1e-9:
            out.append((round(t, 6), num, den))
            t += bar_q
    return out


def bar_features(parts: list[dict[str, Any]], meters: list[list[float]],
                 piece_key: KeyEstimate | None = None, window: int = 1) -> list[dict[str, Any]]:
    """Per-bar features of a piece: meter, local key and mode, onsets, density, polyphony,
    pitch range and register.

    The local key is Krumhansl-Schmuckler over the bar and ``window`` bars either side
    (duration-weighted); a window with fewer than 3 pitch classes is too thin to decide and
    takes the piece's key (``key_from`` says which). Notes count in the bar where they start.
    """
    notes = sorted((int(n[0]), float(n[1]), float(n[2])) for p in parts for n in p["notes"])
    length_q = max((s + d for _p, s, d in notes), default=0.0)
    bars = bar_starts(meters, length_q)
    if not bars:
        return []
    starts = np.array([b[0] for b in bars])
    onsets = np.array([s for _p, s, _d in notes]) if notes else np.zeros(0)
    idx = np.searchsorted(starts, onsets + 1e-9, side="right") - 1 if notes else np.zeros(0, dtype=int)
    per_bar: list[list[tuple[int, float, float]]] = [[] for _ in bars]
    for n, i in zip(notes, idx.tolist(), strict=True):
        per_bar[max(i, 0)].append(n)
    piece_key = piece_key or estimate_key(notes)
    out = []
    for i, (start, num, den) in enumerate(bars):
        bar_q = num * 4.0 / den
        ns = per_bar[i]
        win = [n for j in range(max(0, i - window), min(len(bars), i + window + 1)) for n in per_bar[j]]
        if len({p % 12 for p, _s, _d in win}) >= 3:
            k, key_from = estimate_key(win), "window"
        else:
            k, key_from = piece_key, "piece"
        rel = [(p, s - start, d) for p, s, d in ns]
        pitches = [p for p, _s, _d in ns]
        mp = mean_pitch(ns) if ns else float("nan")
        dens = density_per_q(rel, bar_q)
        out.append({
            "bar": i + 1, "start_q": start, "meter": f"{num}/{den}",
            "key_tonic": k.tonic, "mode": k.mode, "key_from": key_from,
            "n_notes": len(ns), "density_per_q": round(dens, 3),
            "density": bucket(dens, DENSITY_EDGES, DENSITY_NAMES),
            "polyphony": round(polyphony(rel), 3),
            "pitch_min": min(pitches, default=0), "pitch_max": max(pitches, default=0),
            "mean_pitch": round(mp, 2) if ns else None,
            "register": bucket(mp, REGISTER_EDGES, REGISTER_NAMES) if ns else None,
        })
    return out


def ensemble_kind(collection: str, parts: list[dict[str, Any]], poly_in_part: bool) -> str:
    """Classify a piece as solo melody, chorale, polyphonic ensemble or keyboard."""
    n = len([p for p in parts if p["notes"]])
    names = " ".join(p.get("name", "").lower() for p in parts)
    if any(k in names for k in ("piano", "keyboard", "organ", "harpsichord", "cembalo")):
        return "keyboard"
    if n <= 1:
        return "keyboard" if poly_in_part else "solo"
    if collection == "bach" and n == 4:
        return "chorale"
    if n <= 2 and poly_in_part and collection not in VOCAL_COLLECTIONS:
        return "keyboard"
    return "ensemble"


def default_program(collection: str, n_parts: int) -> int:
    """GM program used when a part names no instrument (choir for vocal collections)."""
    if collection in VOCAL_COLLECTIONS:
        return 52  # Choir Aahs
    if collection in FIDDLE_COLLECTIONS:
        return 40  # Violin
    return 0 if n_parts <= 2 else 48  # piano, or string ensemble for larger groups


def interval_hash(pitches: list[int]) -> str:
    """Hash of a melody's pitch-interval sequence (transposition- and rhythm-invariant)."""
    iv = np.diff(np.asarray(pitches, dtype=np.int64)).astype(np.int8).tobytes()
    return hashlib.sha1(iv).hexdigest()[:16]


def _part_notes(part: Any) -> tuple[list[list[float]], bool]:
    """Notes ``[pitch, start_q, dur_q]`` of a music21 part (ties merged) and chord flag."""
    from music21 import chord, note

    out: list[list[float]] = []
    open_ties: dict[int, list[float]] = {}
    has_chord = False
    flat = part.flatten()
    for el in flat.notes:
        dur = float(el.quarterLength)
        if dur <= 0:  # grace notes
            continue
        start = float(el.offset)
        if isinstance(el, chord.Chord):
            pitches = [p.midi for p in el.pitches]
            has_chord = has_chord or len(pitches) > 1
        elif isinstance(el, note.Note):
            pitches = [el.pitch.midi]
        else:  # unpitched
            continue
        tie = el.tie.type if el.tie is not None else None
        for p in pitches:
            if not 0 <= p <= 127:
                continue
            prev = open_ties.get(p)
            if tie in ("stop", "continue") and prev is not None and abs(prev[1] + prev[2] - start) < 1e-3:
                prev[2] = start + dur - prev[1]
                if tie == "stop":
                    open_ties.pop(p, None)
                continue
            rec = [p, start, dur]
            out.append(rec)
            if tie in ("start", "continue"):
                open_ties[p] = rec
            else:
                open_ties.pop(p, None)
    # overlapping chord tones within a part are fine; sort by time then pitch
    out.sort(key=lambda r: (r[1], -r[0]))
    return out, has_chord


def _pickup_shift(part: Any) -> float:
    """Quarter lengths to add so that a pickup measure becomes a full (padded) bar."""
    from music21 import meter, stream

    measures = list(part.getElementsByClass(stream.Measure))
    if len(measures) < 2:
        return 0.0
    m0 = measures[0]
    ts = m0.timeSignature or next(iter(part.recurse().getElementsByClass(meter.TimeSignature)), None)
    if ts is None:
        return 0.0
    bar_q = float(ts.barDuration.quarterLength)
    m0_q = float(measures[1].offset - m0.offset)
    if 0 < m0_q < bar_q - 1e-6:
        return bar_q - m0_q
    return 0.0


def score_to_record(sc: Any, collection: str, rel_path: str, index: int) -> dict[str, Any]:
    """Turn one music21 Score (or Part) into a piece record (see module docstring)."""
    from music21 import meter, stream, tempo

    parts_src = list(sc.parts) if hasattr(sc, "parts") and len(sc.parts) else [sc]
    parts_src = [p for p in parts_src if isinstance(p, stream.Stream)]
    shift = _pickup_shift(parts_src[0]) if parts_src else 0.0
    parts: list[dict[str, Any]] = []
    any_chord = False
    for i, p in enumerate(parts_src):
        notes, has_chord = _part_notes(p)
        any_chord = any_chord or has_chord
        inst = p.getInstrument(returnDefault=False) if hasattr(p, "getInstrument") else None
        prog = getattr(inst, "midiProgram", None) if inst is not None else None
        name = (p.partName or (inst.instrumentName if inst is not None else None) or f"part{i}")
        for n in notes:
            n[1] = round((n[1] + shift) * 12) / 12
            n[2] = max(round(n[2] * 12) / 12, 1 / 12)
        parts.append({"name": str(name), "program": prog, "notes": notes})
    parts = [p for p in parts if p["notes"]]
    n_parts = len(parts)
    for p in parts:
        if p["program"] is None or collection in VOCAL_COLLECTIONS:
            p["program"] = default_program(collection, n_parts)
    flat = parts_src[0].flatten() if parts_src else sc.flatten()
    meters = []
    for ts in flat.getElementsByClass(meter.TimeSignature):
        if float(ts.barDuration.quarterLength) < 1.0:  # music21 ABC artefacts such as 1/16
            continue
        off = 0.0 if not meters else round((float(ts.offset) + shift) * 12) / 12
        if not meters or (meters[-1][1], meters[-1][2]) != (ts.numerator, ts.denominator):
            meters.append([off, int(ts.numerator), int(ts.denominator)])
    if not meters:
        meters = [[0.0, 4, 4]]
    tempos = []
    for mm in flat.getElementsByClass(tempo.MetronomeMark):
        bpm = mm.getQuarterBPM()
        if bpm:
            tempos.append([0.0 if not tempos else round((float(mm.offset) + shift) * 12) / 12,
                           round(float(bpm), 2)])
    all_notes = [tuple(n) for p in parts for n in p["notes"]]
    length_q = max((s + d for _p, s, d in all_notes), default=0.0)
    key = estimate_key(all_notes)
    top = parts[0]["notes"] if parts else []
    mel = _skyline(top)
    title = ""
    md = getattr(sc, "metadata", None)
    if md is not None:
        title = str(md.title or md.movementName or "")
    rec = {
        "id": f"{rel_path}#{index}",
        "collection": collection,
        "file": rel_path,
        "index": index,
        "title": title,
        "meters": meters,
        "tempos": tempos or [[0.0, 100.0]],
        "pickup_q": shift,
        "parts": parts,
        "features": {
            "key_tonic": key.tonic,
            "mode": key.mode,
            "key_corr": round(key.corr, 3),
            "meter": f"{meters[0][1]}/{meters[0][2]}",
            "n_parts": n_parts,
            "n_notes": len(all_notes),
            "length_q": length_q,
            "density_per_q": round(density_per_q(all_notes, length_q), 3),
            "polyphony": round(polyphony(all_notes), 3),
            "pitch_min": min((n[0] for n in all_notes), default=0),
            "pitch_max": max((n[0] for n in all_notes), default=0),
            "mean_pitch": round(mean_pitch(all_notes), 2),
            "ensemble": ensemble_kind(collection, parts, any_chord),
            "melody_hash": interval_hash([n[0] for n in mel]) if len(mel) > 1 else "",
        },
    }
    return rec


def _skyline(notes: list[list[float]]) -> list[list[float]]:
    """Highest note at each onset (a monophonic melody line)."""
    best: dict[float, list[float]] = {}
    for n in notes:
        cur = best.get(n[1])
        if cur is None or n[0] > cur[0]:
            best[n[1]] = n
    return [best[k] for k in sorted(best)]


def extract_file(path: str, corpus_root: str) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Parse one corpus file; return (piece records, dropped entries with reasons)."""
    from music21 import converter, stream

    rel = str(Path(path).relative_to(corpus_root))
    collection = rel.split("/")[0]
    dropped: list[dict[str, str]] = []
    try:
        obj = converter.parse(path, forceSource=True)
    except Exception as exc:  # noqa: BLE001 - any parser failure is logged per file
        return [], [{"id": rel, "reason": f"parse error: {type(exc).__name__}: {str(exc)[:120]}"}]
    scores = list(obj.scores) if isinstance(obj, stream.Opus) else [obj]
    records = []
    for i, sc in enumerate(scores):
        try:
            rec = score_to_record(sc, collection, rel, i)
        except Exception as exc:  # noqa: BLE001 - one bad tune must not drop the file
            dropped.append({"id": f"{rel}#{i}", "reason": f"extract error: {type(exc).__name__}: {str(exc)[:120]}"})
            continue
        if rec["features"]["n_notes"] < 8:
            dropped.append({"id": rec["id"], "reason": "fewer than 8 notes"})
            continue
        records.append(rec)
    return records, dropped
