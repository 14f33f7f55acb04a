"""Rule-based melodic phrases on a chord plan (connective material without the model).

A line is written in phrases of (up to) four bars, paired as antecedent and consequent:

* rhythm: each pulse of the bar takes a cell from the mood's style (long and legato for
  tender, sad and tense music, dotted for marches, running for joy); the last bar of a
  phrase holds a long note (a cadence), and the consequent reuses the antecedent's
  first-bar rhythm, so the two halves answer each other;
* pitch: notes on strong beats are chord tones nearest an arch-shaped contour (rising
  to about two thirds of the phrase, then falling); the notes between step through the
  scale towards the next target; the antecedent ends on the third or fifth, the
  consequent on the root when the harmony allows (a half and a full cadence);
* register: around ``centre``, within ``lo``-``hi``.

>>> import random
>>> from assistant.compose.harmony import ChordSlot
>>> from assistant.compose.theory import Key, chord_from_roman
>>> from assistant.compose.form import Bar
>>> k = Key(2, "minor")
>>> bars = [Bar(i + 1, 4.0 * i, 4.0 * i + 4, (4, 4), 4.0) for i in range(4)]
>>> slots = [ChordSlot(4.0 * i, 4.0 * i + 4, chord_from_roman(r, k), k, i + 1)
...          for i, r in enumerate(["i", "iv", "V", "i"])]
>>> line = phrase_line(slots, bars, 0, 3, k, 69, 60, 84, random.Random(1), "lyrical")
>>> line[-1].end_beats <= 16.0 and all(60 <= n.pitch <= 84 for n in line)
True
"""

from __future__ import annotations

import math
import random

from assistant.compose.form import Bar
from assistant.compose.harmony import ChordSlot, chord_at
from assistant.compose.theory import Key
from assistant.music.score import Note

#: rhythm cells per pulse (fractions of the pulse), by style
CELLS: dict[str, list[list[float]]] = {
    "lyrical": [[1.0], [1.0], [1.0], [0.5, 0.5], [0.75, 0.25]],
    "march": [[1.0], [0.5, 0.5], [0.75, 0.25], [1.0]],
    "lively": [[0.5, 0.5], [0.5, 0.5], [0.25, 0.25, 0.5], [1.0], [0.75, 0.25]],
    "tense": [[1.0], [1.0], [0.5, 0.5]],
}
#: probability that a pulse is tied into the previous note (longer values)
HOLD = {"lyrical": 0.35, "march": 0.15, "lively": 0.1, "tense": 0.45}


def style_for(category: str, function: str) -> str:
    if function in ("action",) or category in ("anger",):
        return "march" if category == "triumph" else "tense"
    return {"triumph": "march", "joy": "lively", "tension": "tense", "fear": "tense",
            "mystery": "lyrical", "sadness": "lyrical", "tenderness": "lyrical"}.get(category,
                                                                                   "lyrical")


def _rhythm_bar(bar: Bar, style: str, rng: random.Random) -> list[tuple[float, float]]:
    """(offset, duration) of the notes of one bar, in quarter notes from the bar start."""
    pulse = bar.pulse_beats
    n_pulses = max(1, int(round(bar.full_beats / pulse)))
    out: list[tuple[float, float]] = []
    for k in range(n_pulses):
        t0 = k * pulse
        if out and k and rng.random() < HOLD[style]:
            o, d = out[-1]
            out[-1] = (o, d + pulse)
            continue
        cell = rng.choice(CELLS[style])
        t = t0
        for frac in cell:
            out.append((t, frac * pulse))
            t += frac * pulse
    return [(o, d) for o, d in out if o < bar.beats - 1e-6]


def _step_toward(p: int, target: int, key: Key) -> int:
    """One scale step from ``p`` towards ``target`` (or stay when there)."""
    if p == target:
        return p
    direction = 1 if target > p else -1
    q = p + direction
    pcs = set(key.scale_pcs)
    while q % 12 not in pcs and abs(q - p) < 3:
        q += direction
    return q


def phrase_line(slots: list[ChordSlot], bars: list[Bar], first: int, last: int, key: Key,
                centre: float, lo: int, hi: int, rng: random.Random, style: str) -> list[Note]:
    """A melodic line over bars ``first..last`` (indices, inclusive); see module docstring."""
    out: list[Note] = []
    prev: int | None = None
    antecedent_rhythm: list[tuple[float, float]] | None = None
    phrase_no = 0
    i = first
    while i <= last:
        n_bars = min(4, last - i + 1)
        consequent = phrase_no % 2 == 1
        peak_at = 0.62
        amp = 4 + rng.random() * 3
        for j in range(n_bars):
            bar = bars[i + j]
            if bar.is_pickup:
                continue
            last_bar = j == n_bars - 1 and n_bars >= 2
            if last_bar:
                rhythm = [(0.0, bar.beats)] if bar.beats <= 3 or rng.random() < 0.5 else [
                    (0.0, bar.full_beats / 2), (bar.full_beats / 2, bar.beats - bar.full_beats / 2)]
            elif j == 0 and consequent and antecedent_rhythm:
                rhythm = [(o, d) for o, d in antecedent_rhythm if o < bar.beats - 1e-6]
            else:
                rhythm = _rhythm_bar(bar, style, rng)
            if j == 0 and not consequent:
                antecedent_rhythm = rhythm
            for k, (o, d) in enumerate(rhythm):
                t = bar.start_beat + o
                d = min(d, bar.end_beat - t)
                if d <= 0.05:
                    continue
                x = (j + o / bar.full_beats) / max(1, n_bars)
                shape = math.sin(math.pi * min(1.0, x / peak_at) / 2) if x < peak_at else \
                    math.cos(math.pi / 2 * (x - peak_at) / (1 - peak_at))
                target = int(round(centre - 2 + amp * shape))
                slot = chord_at(slots, t + 1e-6)
                pcs = slot.chord.pcs if slot else key.scale_pcs
                k_key = slot.key if slot else key
                strong = abs(o) < 1e-6 or abs(o - bar.full_beats / 2) < 1e-6 or d >= 1.5
                if last_bar and k == len(rhythm) - 1:
                    want = [pcs[0]] if consequent else [pc for pc in pcs[1:3]] or [pcs[0]]
                    p = _nearest_of(want, prev if prev is not None else target, lo, hi)
                elif strong or prev is None:
                    ref = target if prev is None else (target + prev) / 2
                    p = _nearest_of(list(pcs), ref, lo, hi, rng)
                else:
                    p = _step_toward(prev, target, k_key)
                    if p == prev:
                        p = _step_toward(prev, prev + rng.choice((-2, 2)), k_key)
                    p = max(lo, min(hi, p))
                out.append(Note(p, t, d, 80))
                prev = p
        antecedent_rhythm = antecedent_rhythm if not consequent else None
        phrase_no += 1
        i += n_bars
    return out


def _nearest_of(pcs: list[int], ref: float, lo: int, hi: int, rng: random.Random | None = None
                ) -> int:
    cands = [p for p in range(lo, hi + 1) if p % 12 in pcs]
    if not cands:
        return int(max(lo, min(hi, round(ref))))
    return min(cands, key=lambda p: (abs(p - ref), rng.random() if rng else 0))
