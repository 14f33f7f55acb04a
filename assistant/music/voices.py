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
* **one instrument**: an ensemble or chorale asked of a wind, brass, keyboard or plucked
  instrument (a horn chorale) is four parts of that instrument ("Horn 1" ... "Horn 4"), the
  voices' ranges stacked inside its professional range; strings give the string quartet and
  voices the SATB choir.
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


def instrument_voices(program: int | None, n: int = 4) -> tuple[tuple[str, str, int, int], ...] | None:
    """``n`` voices of the pitched instrument with GM ``program``, top to bottom ("Horn 1" is
    the highest), each spanning half of its professional range, stacked evenly; None when the
    program is no such instrument or is a string or voice (those have their own layouts)."""
    from assistant.analysis.instruments import INSTRUMENTS

    if program is None:
        return None
    ins = next((i for i in INSTRUMENTS.values() if i.gm_program == program and not i.is_drum), None)
    if ins is None or ins.family in ("strings", "voices"):
        return None
    lo, hi = ins.professional
    half = (hi - lo) / 2
    step = half / max(n - 1, 1)
    name = ins.name.split(" in ")[0]  # "Clarinet in B♭ 1" reads badly: "Clarinet 1"
    return tuple((f"{name} {k + 1}", ins.id, int(round(lo + (n - 1 - k) * step)),
                  int(round(lo + (n - 1 - k) * step + half))) for k in range(n))


def part_voices(parts: list[Part]) -> tuple[tuple[str, str, int, int], ...]:
    """Voice ranges of existing parts (given top to bottom): each part's instrument's professional
    range, or the part's own compass (± a tone) for an instrument we do not know."""
    from assistant.analysis.instruments import INSTRUMENTS

    out = []
    for p in parts:
        ins = INSTRUMENTS.get(p.instrument)
        if ins is not None and not ins.is_drum:
            lo, hi = ins.professional
        else:
            lo, hi = min(n.pitch for n in p.notes) - 2, max(n.pitch for n in p.notes) + 2
        out.append((p.name, p.instrument, int(lo), int(hi)))
    return tuple(out)


def distribute(notes: list[Note], parts: list[Part]) -> list[list[Note]]:
    """``notes`` shared among existing ``parts`` (a wind quartet continued): voice assignment top
    to bottom by the parts' mean pitch (:func:`assign_voices`), each share moved by octaves into
    its part's range (:func:`part_voices`). Returns the shares in the order of ``parts``."""
    order = sorted(range(len(parts)), key=lambda k: -sum(n.pitch for n in parts[k].notes) / max(len(parts[k].notes), 1))
    spec = part_voices([parts[k] for k in order])
    shares: list[list[Note]] = [[] for _ in parts]
    for k, (_name, _ins, lo, hi), ns in zip(order, spec, assign_voices(notes, spec), strict=True):
        shares[k] = _into_range(sorted(ns, key=lambda n: (n.start_beats, -n.pitch)), lo, hi)[0]
    return shares


def split_voices(score: Score, ensemble: str, program: int | None = None) -> tuple[Score, int]:
    """``score`` with its notes in separate parts for ``ensemble`` ("chorale": SATB choir,
    "keyboard": two piano staves, "ensemble": up to four string parts; "solo": unchanged).
    ``program`` (the requested instrument's GM program): a chorale or ensemble of a wind, brass,
    keyboard, plucked or mallet instrument is four parts of it (:func:`instrument_voices`).
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
    elif (own := instrument_voices(program)) is not None:
        spec, per = own, assign_voices(notes, own)
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
