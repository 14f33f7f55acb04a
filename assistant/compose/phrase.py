"""Rule-based melodic phrases on a chord plan (connective material without the model).

A line is written in phrases of (up to) four bars, paired as antecedent and consequent
(a period):

* rhythm: each bar is built from cells of one or two pulses chosen for the mood's style
  (long and legato for tender, sad and tense music, dotted for marches, running for
  joy; a cell is not used three times running). When the theme's opening rhythm is
  given (``cell``), each phrase opens with it and later bars borrow it now and then, so
  the connective bars speak the theme's rhythm. The last bar of a phrase holds a long
  note (a cadence), and the consequent reuses the antecedent's first-bar rhythm;
* pitch: strong beats take chord tones nearest an arch-shaped contour with one climax:
  the consequent rises higher than the antecedent, reaches its peak (the highest note of
  the period, stated once) about two thirds of the way through by a leap, and falls
  back by step (gap-fill). The notes between are passing tones stepping through the
  scale towards the next target, or neighbour tones (a step away and back) where the
  line would stand still;
* cadences: the antecedent ends on the second, fifth or seventh degree where the
  harmony allows (a half cadence), the consequent on the tonic, reached by step from
  the degree above or below (a full cadence);
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

#: rhythm cells (fractions of the pulse; a cell of two pulses sums to 2), by style
CELLS: dict[str, list[list[float]]] = {
    "lyrical": [[1.0], [1.0], [0.5, 0.5], [0.75, 0.25], [1.5, 0.5], [2.0], [0.5, 1.0, 0.5]],
    "march": [[1.0], [0.5, 0.5], [0.75, 0.25], [1.0], [1.5, 0.5]],
    "lively": [[0.5, 0.5], [0.5, 0.5], [0.25, 0.25, 0.5], [1.0], [0.75, 0.25], [0.5, 0.25, 0.25]],
    "tense": [[1.0], [1.0], [0.5, 0.5], [2.0], [1.5, 0.5]],
}
#: probability that a pulse is tied into the previous note (longer values)
HOLD = {"lyrical": 0.2, "march": 0.1, "lively": 0.05, "tense": 0.35}
#: how often a bar borrows the theme's opening rhythm (when one is given)
THEME_RHYTHM = 0.35


def style_for(category: str, function: str) -> str:
    if function in ("action",) or category in ("anger",):
        return "march" if category == "triumph" else "tense"
    return {"triumph": "march", "joy": "lively", "tension": "tense", "fear": "tense",
            "mystery": "lyrical", "sadness": "lyrical", "tenderness": "lyrical"}.get(category,
                                                                                   "lyrical")


def rhythm_cell(motif: list[Note], bar_beats: float) -> list[tuple[float, float]]:
    """The theme's opening rhythm as (offset, duration) pairs inside one bar of
    ``bar_beats`` quarter notes (the head motif's onsets, each lasting to the next)."""
    on = sorted({round(n.start_beats, 4) for n in motif if n.start_beats < bar_beats - 1e-6})
    if len(on) < 2:
        return []
    return [(a, (on[k + 1] if k + 1 < len(on) else bar_beats) - a) for k, a in enumerate(on)]


def _rhythm_bar(bar: Bar, style: str, rng: random.Random,
                cell: list[tuple[float, float]] | None = None) -> list[tuple[float, float]]:
    """(offset, duration) of the notes of one bar, in quarter notes from the bar start."""
    if cell and rng.random() < THEME_RHYTHM and abs(sum(d for _, d in cell) + cell[0][0]
                                                    - bar.full_beats) < 1e-6:
        return [(o, d) for o, d in cell if o < bar.beats - 1e-6]
    pulse = bar.pulse_beats
    n_pulses = max(1, int(round(bar.full_beats / pulse)))
    out: list[tuple[float, float]] = []
    k = 0
    used: list[int] = []
    while k < n_pulses:
        t0 = k * pulse
        if out and k and rng.random() < HOLD[style]:
            o, d = out[-1]
            out[-1] = (o, d + pulse)
            k += 1
            continue
        options = [i for i, c in enumerate(CELLS[style])
                   if sum(c) <= n_pulses - k + 1e-6 and not (len(used) >= 2 and used[-1] == used[-2] == i)]
        i = rng.choice(options) if options else 0
        used.append(i)
        t = t0
        for frac in CELLS[style][i]:
            out.append((t, frac * pulse))
            t += frac * pulse
        k += int(round(sum(CELLS[style][i])))
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


def _degree_pcs(key: Key, degrees: tuple[int, ...]) -> list[int]:
    """Pitch classes of scale ``degrees`` (1 = tonic) of ``key``."""
    sc = list(key.scale_pcs)
    return [sc[(d - 1) % len(sc)] for d in degrees]


def phrase_line(slots: list[ChordSlot], bars: list[Bar], first: int, last: int, key: Key,
                centre: float, lo: int, hi: int, rng: random.Random, style: str,
                cell: list[tuple[float, float]] | None = None) -> list[Note]:
    """A melodic line over bars ``first..last`` (indices, inclusive); see module docstring.
    ``cell``: the theme's opening rhythm (:func:`rhythm_cell`), or None."""
    out: list[Note] = []
    prev: int | None = None
    antecedent_rhythm: list[tuple[float, float]] | None = None
    lengths = [min(4, last - k + 1) for k in range(first, last + 1, 4)]
    phrase_no = 0
    i = first
    while i <= last:
        n_bars = min(4, last - i + 1)
        consequent = phrase_no % 2 == 1
        peak_at = 0.55 + rng.random() * 0.15
        # the period's climax is the consequent's (the antecedent arches lower), unless the
        # consequent is a short tag of one or two bars: then the antecedent has it
        nxt_len = lengths[phrase_no + 1] if phrase_no + 1 < len(lengths) else 0
        climax = n_bars >= 3 and (consequent or nxt_len < 3) if len(lengths) > 1 else True
        amp = (6 + rng.random() * 3) if climax else (3 + rng.random() * 2)
        phrase: list[Note] = []
        peak_done = False
        for j in range(n_bars):
            bar = bars[i + j]
            if bar.is_pickup:
                continue
            last_bar = j == n_bars - 1 and n_bars >= 2
            if last_bar:  # the close: one long note (a half close may take two)
                rhythm = [(0.0, bar.beats)] if bar.beats <= 3 or consequent or rng.random() < 0.5 \
                    else [
                    (0.0, bar.full_beats / 2), (bar.full_beats / 2, bar.beats - bar.full_beats / 2)]
            elif j == 0 and consequent and antecedent_rhythm:
                rhythm = [(o, d) for o, d in antecedent_rhythm if o < bar.beats - 1e-6]
            elif j == 0 and cell and abs(sum(d for _, d in cell) + cell[0][0] - bar.full_beats) < 1e-6:
                rhythm = [(o, d) for o, d in cell if o < bar.beats - 1e-6]  # the theme speaks
            else:
                rhythm = _rhythm_bar(bar, style, rng, cell)
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
                final = last_bar and k == len(rhythm) - 1
                if final:
                    # a half cadence on 2, 5 or 7 (a chord tone there), a full one on 1
                    want = [pcs[0]] if consequent else (
                        [pc for pc in _degree_pcs(k_key, (2, 5, 7)) if pc in pcs]
                        or [pc for pc in pcs[1:3]] or [pcs[0]])
                    if consequent and k_key.tonic in pcs:
                        want = [k_key.tonic]
                    p = _nearest_of(want, prev if prev is not None else target, lo, hi)
                    top = max((n.pitch for n in phrase), default=hi + 1)
                    if p >= top and prev is not None:  # the close stays under the climax
                        under = [q for q in range(max(lo, prev - 7), top) if q % 12 in want]
                        p = max(under) if under else p
                elif strong or prev is None:
                    at_peak = (climax and not peak_done and peak_at - 0.08 <= x <= peak_at + 0.2
                               and prev is not None and not last_bar)
                    ref = target if prev is None or at_peak else (target + prev) / 2
                    p = _nearest_of(list(pcs), ref, lo, hi, rng)
                    if at_peak:  # the climax: reached by a leap of a fourth or more
                        up = [q for q in range(prev + 5, min(hi, prev + 9) + 1) if q % 12 in pcs]
                        p = up[0] if up else p
                        peak_done = True
                else:
                    # passing tone towards the next target, or a neighbour where the line
                    # would stand still
                    p = _step_toward(prev, target, k_key)
                    if p == prev:
                        p = _step_toward(prev, prev + rng.choice((-2, 2)), k_key)
                    p = max(lo, min(hi, p))
                phrase.append(Note(p, t, d, 80))
                prev = p
        _approach_final(phrase, key, slots, lo, hi)
        _one_climax(phrase, key, slots, lo)
        out += phrase
        if phrase:
            prev = phrase[-1].pitch
        antecedent_rhythm = antecedent_rhythm if not consequent else None
        phrase_no += 1
        i += n_bars
    return out


def _is_downbeat_of_slot(n: Note, slots: list[ChordSlot]) -> bool:
    slot = chord_at(slots, n.start_beats + 1e-6)
    return slot is not None and abs(slot.start_beat - n.start_beats) < 1e-6


def _approach_final(phrase: list[Note], key: Key, slots: list[ChordSlot], lo: int, hi: int) -> None:
    """The close is reached by step: the note before a phrase's last note moves to the
    scale step above or below the last; when that note begins a chord (it must stay a
    chord tone) and is long, its second half becomes the step instead."""
    if len(phrase) < 3:
        return
    last, before = phrase[-1], phrase[-2]
    if abs(before.pitch - last.pitch) in (1, 2):
        return
    slot = chord_at(slots, before.start_beats + 1e-6)
    k = slot.key if slot else key
    above = _step_toward(last.pitch, last.pitch + 2, k)
    below = _step_toward(last.pitch, last.pitch - 2, k)
    q = above if abs(above - before.pitch) <= abs(below - before.pitch) else below
    if not lo <= q <= hi:
        return
    if not _is_downbeat_of_slot(before, slots):
        if abs(q - phrase[-3].pitch) <= 7:
            phrase[-2] = Note(q, before.start_beats, before.dur_beats, before.velocity)
        return
    half = before.dur_beats / 2
    split = Note(q, before.start_beats + half, half, before.velocity)
    if half >= 0.5 and not _is_downbeat_of_slot(split, slots):
        phrase[-2:] = [Note(before.pitch, before.start_beats, half, before.velocity), split, last]


def _one_climax(phrase: list[Note], key: Key, slots: list[ChordSlot], lo: int) -> None:
    """The phrase's highest pitch sounds once: later repeats of it step down (onto a
    chord tone on a chord change)."""
    if not phrase:
        return
    top = max(n.pitch for n in phrase)
    at = [i for i, n in enumerate(phrase) if n.pitch == top]
    keep = at[-1] if at[-1] == len(phrase) - 1 else at[0]  # the close is never moved
    for i in at:
        if i == keep:
            continue
        n = phrase[i]
        slot = chord_at(slots, n.start_beats + 1e-6)
        if _is_downbeat_of_slot(n, slots) and slot is not None:
            cands = [p for p in range(top - 5, top) if p % 12 in slot.chord.pcs and p >= lo]
            q = cands[-1] if cands else None
        else:
            k = slot.key if slot else key
            q = _step_toward(top, top - 2, k)
        if q is not None and q >= lo:
            phrase[i] = Note(q, n.start_beats, n.dur_beats, n.velocity)


def _nearest_of(pcs: list[int], ref: float, lo: int, hi: int, rng: random.Random | None = None
                ) -> int:
    cands = [p for p in range(lo, hi + 1) if p % 12 in pcs]
    if not cands:
        return int(max(lo, min(hi, round(ref))))
    return min(cands, key=lambda p: (abs(p - ref), rng.random() if rng else 0))
