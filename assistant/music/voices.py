"""Separate parts for ensemble output: SATB voices for chorales, two staves for keyboard, one
part per voice for other ensembles.

The model writes an ensemble as one stream of notes (one MIDI program); :func:`split_voices`
turns it into parts a player or singer can read:

* **voice assignment** onset by onset: the notes starting together, highest first, go to the
  free voices (those not still holding a note) in top-to-bottom order, choosing the
  order-preserving assignment that moves each voice least (a small dynamic programme). A
  chord with more notes than free voices cuts held notes short; a chord with more notes than
  voices doubles the nearest voice.
* **ranges**: a note outside its voice's range moves by octaves into it (the second return
  value counts them), so every part stays singable / playable.
* **keyboard**: right hand from middle C up, left hand below (a chord entirely above or below
  stays in one hand).
"""

from __future__ import annotations

from dataclasses import replace

from assistant.music.score import Note, Part, Score

# sounding ranges (MIDI, inclusive): SATB choir voices; string quartet for 4-voice ensembles
SATB = (("Soprano", "choir", 60, 81), ("Alto", "choir", 53, 74), ("Tenor", "choir", 48, 69),
        ("Bass", "choir", 40, 62))
STRINGS = (("Violin I", "violin", 55, 100), ("Violin II", "violin", 55, 96), ("Viola", "viola", 48, 88),
           ("Cello", "cello", 36, 76))
KEYBOARD = (("Piano RH", "piano", 55, 108), ("Piano LH", "piano", 21, 72))
_EPS = 1e-6


def _assign(group: list[Note], free: list[int], last: dict[int, float]) -> list[int]:
    """Order-preserving assignment of ``group`` (highest first) to ``free`` voices (top first)
    minimising the summed leap from each voice's last pitch."""
    g, f = len(group), len(free)
    inf = float("inf")
    cost = [[inf] * (f + 1) for _ in range(g + 1)]
    back: list[list[int]] = [[0] * (f + 1) for _ in range(g + 1)]
    for j in range(f + 1):
        cost[0][j] = 0.0
    for i in range(1, g + 1):
        for j in range(i, f + 1):
            skip = cost[i][j - 1]
            take = cost[i - 1][j - 1] + abs(group[i - 1].pitch - last[free[j - 1]])
            if take <= skip:
                cost[i][j], back[i][j] = take, 1
            else:
                cost[i][j], back[i][j] = skip, 0
    out = [0] * g
    i, j = g, f
    while i > 0:
        if back[i][j] == 1:
            out[i - 1] = free[j - 1]
            i -= 1
        j -= 1
    return out


def assign_voices(notes: list[Note], ranges: tuple[tuple[str, str, int, int], ...]) -> list[list[Note]]:
    """Notes per voice (see the module docstring); ``ranges`` gives the voices top to bottom."""
    n_v = len(ranges)
    voices: list[list[Note]] = [[] for _ in range(n_v)]
    last = {v: (lo + hi) / 2 for v, (_n, _i, lo, hi) in enumerate(ranges)}
    by_onset: dict[float, list[Note]] = {}
    for n in sorted(notes, key=lambda x: (x.start_beats, -x.pitch)):
        by_onset.setdefault(round(n.start_beats, 6), []).append(n)
    for t in sorted(by_onset):
        group = by_onset[t]
        busy = [v for v in range(n_v) if voices[v] and voices[v][-1].end_beats > t + _EPS]
        free = [v for v in range(n_v) if v not in busy]
        if len(group) > len(free):  # cut held notes short to make room
            for v in busy:
                prev = voices[v][-1]
                if prev.start_beats < t - _EPS:
                    voices[v][-1] = replace(prev, dur_beats=t - prev.start_beats)
            free = list(range(n_v))
        extra: list[Note] = []
        if len(group) > len(free):  # more notes than voices: the inner surplus doubles a voice
            keep = group[: len(free) - 1] + [group[-1]]
            extra = [n for n in group if n not in keep]
            group = keep
        for n, v in zip(group, _assign(group, free, last), strict=True):
            voices[v].append(n)
            last[v] = n.pitch
        for n in extra:
            v = min(range(n_v), key=lambda k: abs(last[k] - n.pitch))
            voices[v].append(n)
    return voices


def _into_range(notes: list[Note], lo: int, hi: int) -> tuple[list[Note], int]:
    out, moved = [], 0
    for n in notes:
        p = n.pitch
        while p < lo:
            p += 12
        while p > hi:
            p -= 12
        if lo <= p <= hi and p != n.pitch:
            moved += 1
            n = replace(n, pitch=p)
        out.append(n)
    return out, moved


def split_voices(score: Score, ensemble: str) -> tuple[Score, int]:
    """``score`` with its notes in separate parts for ``ensemble`` ("chorale": SATB choir,
    "keyboard": two piano staves, "ensemble": up to four string parts; "solo": unchanged).
    Returns the new score and how many notes moved by octaves into their part's range."""
    notes = sorted((n for p in score.parts if not p.is_drum for n in p.notes), key=lambda n: (n.start_beats, -n.pitch))
    drums = [p for p in score.parts if p.is_drum]
    if ensemble == "solo" or not notes:
        return score, 0
    if ensemble == "keyboard":
        rh, lh = [], []
        by_onset: dict[float, list[Note]] = {}
        for n in notes:
            by_onset.setdefault(round(n.start_beats, 6), []).append(n)
        for group in by_onset.values():
            if all(n.pitch >= 60 for n in group) or all(n.pitch < 60 for n in group):
                (rh if group[0].pitch >= 60 else lh).extend(group)
            else:
                rh.extend(n for n in group if n.pitch >= 60)
                lh.extend(n for n in group if n.pitch < 60)
        spec, per = KEYBOARD, [rh, lh]
        program = 0
    else:
        spec = SATB if ensemble == "chorale" else STRINGS
        program = 52 if ensemble == "chorale" else 48
        per = assign_voices(notes, spec)
    parts, moved = [], 0
    for (name, instrument, lo, hi), ns in zip(spec, per, strict=True):
        ns, m = _into_range(sorted(ns, key=lambda n: (n.start_beats, -n.pitch)), lo, hi)
        moved += m
        if ns:
            parts.append(Part(name=name, instrument=instrument, program=program, notes=ns))
    return replace(score, parts=parts + drums), moved
