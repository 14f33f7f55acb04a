"""A suggested harmony for a theme: one diatonic triad per bar, with the cadences fixed.

The harmoniser scores each diatonic triad by how much of the bar's melody it holds (strong
beats and long notes count more) and adds a small preference for functional motion; the
frame fixes the tonic in the first bar, the dominant at a half cadence and V-I at an
authentic cadence. It also writes a plain accompaniment part (bass + chord) for playback
and for the reharmonisation operators.

>>> chords = harmonise([(60, 0, 2), (64, 2, 2), (67, 4, 2), (62, 6, 2), (60, 8, 4)], (4, 4), 0, "major",
...                    bars=3, cadences={2: "PAC"})
>>> [c.symbol for c in chords]
['C', 'G', 'C']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.music.score import Note, Part
from assistant.themes.checks import bar_length_beats, strong_beats
from assistant.themes.theory import PARENT_QUALITY, chord_symbol, triad_pcs, triad_quality

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII"]


@dataclass(frozen=True)
class Chord:
    """A chord: root pitch class, its pitch classes, a letter symbol and a Roman numeral."""

    root_pc: int
    pcs: tuple[int, ...]
    symbol: str
    roman: str


def diatonic_chord(degree: int, tonic: int, mode: str) -> Chord:
    pcs = triad_pcs(degree, tonic, mode)
    q = triad_quality(pcs)
    rn = ROMAN[degree % 7]
    rn = rn if q in ("major", "aug") else rn.lower()
    rn += {"dim": "°", "aug": "+"}.get(q, "")
    return Chord(pcs[0], pcs, chord_symbol(pcs[0], q, PARENT_QUALITY[mode]), rn)


def chromatic_chord(root_pc: int, quality: str, roman: str, mode: str = "major") -> Chord:
    third = 4 if quality == "major" else 3
    pcs = (root_pc % 12, (root_pc + third) % 12, (root_pc + 7) % 12)
    return Chord(pcs[0], pcs, chord_symbol(pcs[0], quality, PARENT_QUALITY.get(mode, "major")), roman)


_GOOD_NEXT = {0: (3, 4, 5, 1), 1: (4, 6), 2: (5, 3), 3: (4, 1, 0), 4: (0, 5), 5: (1, 3, 4), 6: (0,)}


def harmonise(line: Sequence[tuple[int, float, float]], meter: tuple[int, int], tonic: int, mode: str,
              bars: int, cadences: dict[int, str] | None = None, origin_beats: float = 0.0) -> list[Chord]:
    """One chord per bar (0-based bar indices); ``cadences`` maps a bar to 'HC' (V) or 'PAC'
    (I, with V in the bar before)."""
    cadences = cadences or {}
    bar = bar_length_beats(meter)
    strong = strong_beats(meter)
    fixed: dict[int, int] = {0: 0}
    for b, kind in cadences.items():
        if kind == "HC":
            fixed[b] = 4
        elif kind == "PAC":
            fixed[b] = 0
            if b - 1 > 0 and cadences.get(b - 1) is None:
                fixed[b - 1] = 4
    weights: list[dict[int, float]] = [dict() for _ in range(bars)]
    for p, s, d in line:
        b = int((s - origin_beats) // bar + 1e-9)
        if not 0 <= b < bars:
            continue
        pos = (s - origin_beats) % bar
        w = d * (2.0 if any(abs(pos - x) < 1e-6 for x in strong) else 1.0)
        weights[b][p % 12] = weights[b].get(p % 12, 0.0) + w
    out: list[Chord] = []
    prev = None
    for b in range(bars):
        if b in fixed:
            deg = fixed[b]
        else:
            best = None
            for deg_c in range(7):
                ch = diatonic_chord(deg_c, tonic, mode)
                if "°" in ch.roman:
                    continue
                fit = sum(w for pc, w in weights[b].items() if pc in ch.pcs)
                miss = sum(w for pc, w in weights[b].items() if pc not in ch.pcs)
                val = fit - 0.6 * miss + (0.3 if prev is not None and deg_c in _GOOD_NEXT[prev] else 0.0)
                val -= 0.4 if deg_c == prev else 0.0
                val += 0.15 if deg_c in (0, 3, 4) else 0.0
                if best is None or val > best[0]:
                    best = (val, deg_c)
            deg = best[1] if best else 0
        out.append(diatonic_chord(deg, tonic, mode))
        prev = deg
    return out


def accompaniment(chords: Sequence[Chord], meter: tuple[int, int], *, low: int = 40,
                  velocity: int = 56, pattern: str = "block", origin_beats: float = 0.0,
                  name: str = "harmony", instrument: str = "piano", program: int = 0) -> Part:
    """A playback part for the chords: ``block`` (bass + triad held per bar), ``waltz``
    (bass on 1, chord on 2 and 3), ``march`` (bass-chord on each beat), ``pedal`` (see ops)."""
    bar = bar_length_beats(meter)
    notes: list[Note] = []
    for b, ch in enumerate(chords):
        t0 = origin_beats + b * bar
        bass = low + (ch.root_pc - low) % 12
        upper = [bass + 12 + ((pc - bass) % 12) for pc in ch.pcs]
        if pattern == "waltz":
            beat = bar / 3
            notes.append(Note(bass, t0, beat * 0.95, velocity))
            for k in (1, 2):
                notes += [Note(p, t0 + k * beat, beat * 0.7, velocity - 10) for p in upper]
        elif pattern == "march":
            beat = bar / meter[0] if meter[1] == 4 else bar / 2
            k = 0
            while k * beat < bar - 1e-9:
                if k % 2 == 0:
                    notes.append(Note(bass, t0 + k * beat, beat * 0.6, velocity + 8))
                else:
                    notes += [Note(p, t0 + k * beat, beat * 0.5, velocity) for p in upper]
                k += 1
        else:
            notes.append(Note(bass, t0, bar, velocity))
            notes += [Note(p, t0, bar, velocity - 8) for p in upper]
    return Part(name, instrument, program, False, notes)
