"""What a prompt score gives the model, and how new bars join it: the controls and range a
continuation or infill inherits from its prompt, the ensemble token it is written under, the
fill-in-the-middle prompt of an infill (whole bars of context on both sides), and the merge of
the new notes back into the prompt's own parts. :mod:`assistant.music.sample` decodes; this
module only reads and joins scores and token lists.
"""

from __future__ import annotations

from dataclasses import replace

from assistant.music.score import Part, Score
from assistant.music.tokens import K_TS, Controls, Vocab, analyse_controls
from assistant.music.voices import KEYBOARD, SATB, STRINGS, distribute, split_voices


# ----------------------------------------------------------------------------- token context
def recent_bars(vocab: Vocab, ids: list[int], keep: int, meter: tuple[int, int]) -> list[int]:
    """The most recent whole bars of REMI ``ids`` that fit in ``keep`` tokens, restarting with
    ``Bar TimeSig`` (the meter in force); ``ids`` as they are when they already fit."""
    if len(ids) <= keep:
        return list(ids)
    bar_pos = [i for i, t in enumerate(ids) if t == vocab.bar]
    cut = next((b for b in bar_pos if len(ids) - b <= keep), bar_pos[-1] if bar_pos else 0)
    tail = ids[cut + 1:]
    head = [tail.pop(0)] if tail and vocab.is_chord[tail[0]] else []  # the bar's chord stays first
    if tail and vocab.kind[tail[0]] == K_TS:
        tail = tail[1:]
    return [vocab.bar] + head + [vocab.timesig_id(*meter)] + tail[-(keep - 2 - len(head)):]


def first_bars(ids: list[int], bar: int, keep: int) -> list[int]:
    """The first whole bars of ``ids`` that fit in ``keep`` tokens (cut mid-bar when the first
    bar alone is longer)."""
    if len(ids) <= keep:
        return list(ids)
    i = next((c for c in reversed([i for i, t in enumerate(ids) if t == bar]) if 0 < c <= keep), None)
    return ids[:i] if i is not None else ids[:max(keep, 0)]


def fim_prompt(vocab: Vocab, ids: list[int], n: int, a: int, b: int, prefix: list[int], block: int,
               meter: tuple[int, int]) -> list[int]:
    """The fill-in-the-middle prompt that rewrites bars ``[a, b)`` of a score of ``n`` bars whose
    REMI ids are ``ids``: ``prefix FIM_PRE <before> FIM_SUF <after> FIM_MID``. The filled bars
    get twice the score's tokens per bar (at least 40), the sides the rest, in whole bars (a
    fixed 48 + 16 per beat per bar used to leave two bars of 4/4 about 20 tokens of context and
    three bars none: a varied theme forgot the theme)."""
    bar_pos = [i for i, t in enumerate(ids) if t == vocab.bar] + [len(ids)]
    while len(bar_pos) < n + 1:
        bar_pos.append(len(ids))
    pre, suf = ids[:bar_pos[a]], ids[bar_pos[b]:]
    per_bar = max(40, 2 * len(ids) // max(n, 1))
    room = max(block // 4, block - len(prefix) - 3 - 8 - per_bar * (b - a))
    pre = recent_bars(vocab, pre, max(room // 2, room - len(suf)), meter) if pre else pre
    suf = first_bars(suf, vocab.bar, room - len(pre))
    return prefix + [vocab.fim_pre] + pre + [vocab.fim_suf] + suf + [vocab.fim_mid]


# ----------------------------------------------------------------------------- what the prompt asks
def n_bars(score: Score) -> int:
    return max(1, len(score.bar_starts()))


def prompt_range(score: Score) -> tuple[int, int] | None:
    """The pitches the prompt's instruments can play: the union of its pitched parts'
    professional ranges (None when a part's instrument is unknown)."""
    from assistant.analysis.instruments import INSTRUMENTS

    ranges = [INSTRUMENTS[p.instrument].professional if p.instrument in INSTRUMENTS else None
              for p in score.parts if p.notes and not p.is_drum]
    if not ranges or any(r is None for r in ranges):
        return None
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


def prompt_controls(score: Score, controls: Controls) -> Controls:
    """``controls`` completed from the prompt: its key, mode, density and register, and (when no
    instrument or range is asked for) the range of the prompt's own instruments, so a flute
    theme continued or varied stays playable on the flute."""
    notes = [(n.pitch, n.start_beats, n.dur_beats) for n in score.notes]
    got = analyse_controls(notes, max(score.duration_beats, 1.0)) if notes else {}
    return replace(
        controls,
        pitch_range=controls.pitch_range or (prompt_range(score) if controls.program is None else None),
        key_tonic=controls.key_tonic if controls.key_tonic is not None else got.get("key_tonic"),
        mode=controls.mode or got.get("mode"),
        density=controls.density or got.get("density"),
        register=controls.register or got.get("register"),
    )


def ensemble_of(score: Score) -> str:
    """The model's ensemble token for a prompt: a chorale only when its four parts are voices."""
    from assistant.analysis.instruments import INSTRUMENTS

    parts = [p for p in score.parts if p.notes]
    if len(parts) <= 1:
        return "solo"
    sung = all(p.program == 52 or getattr(INSTRUMENTS.get(p.instrument), "family", "") == "voices" for p in parts)
    return "chorale" if len(parts) == 4 and sung else "ensemble"


# ----------------------------------------------------------------------------- joining new bars
def layout_of(score: Score) -> str | None:
    """The ensemble whose separate parts ``score`` has (:mod:`assistant.music.voices`), if any."""
    names = {p.name for p in score.parts if p.notes}
    for ens, spec in (("chorale", SATB), ("keyboard", KEYBOARD), ("ensemble", STRINGS)):
        if len(names) > 1 and names <= {x[0] for x in spec}:
            return ens
    return None


def merge(base: Score, new: Score, drop_range: tuple[float, float] | None = None) -> Score:
    """Notes of ``base`` (minus those starting in ``drop_range``) plus ``new``'s. A split
    ensemble (SATB voices, piano staves, string parts) has the new notes split the same way, each
    voice continuing in its own part; other separate parts (a wind quartet, two horns) share
    them by voice assignment (:func:`assistant.music.voices.distribute`); otherwise by program
    (a solo line continues in its part)."""
    def kept(p: Part) -> list:
        if drop_range is None:
            return list(p.notes)
        return [n for n in p.notes if not drop_range[0] - 1e-9 <= n.start_beats < drop_range[1] - 1e-9]

    def joined(p: Part, add: list) -> Part:
        return replace(p, notes=sorted(kept(p) + add, key=lambda n: (n.start_beats, -n.pitch)))

    layout = layout_of(base)
    if layout is not None:
        by_name = {p.name: p for p in split_voices(new, layout)[0].parts}
        out = [joined(p, list(by_name.pop(p.name).notes) if p.name in by_name else []) for p in base.parts]
        return replace(base, parts=out + list(by_name.values()))
    pitched = [p for p in base.parts if p.notes and not p.is_drum]
    if len(pitched) > 1:
        new_notes = [n for p in new.parts if not p.is_drum for n in p.notes]
        per = {id(p): ns for p, ns in zip(pitched, distribute(new_notes, pitched), strict=True)}
        return replace(base, parts=[joined(p, per.get(id(p), [])) for p in base.parts])
    parts: dict[int, Part] = {p.program: Part(p.name, p.instrument, p.program, p.is_drum, kept(p))
                              for p in base.parts}
    for p in new.parts:
        tgt = parts.get(p.program)
        if tgt is None and len(base.parts) == 1:  # a solo line continues in the same part
            tgt = next(iter(parts.values()))
        if tgt is None:
            parts[p.program] = Part(p.name, p.instrument, p.program, False, list(p.notes))
        else:
            tgt.notes = sorted(tgt.notes + list(p.notes), key=lambda n: (n.start_beats, -n.pitch))
    return replace(base, parts=list(parts.values()))
