"""Continuation and infilling on a chord plan (sample.continue_ / sample.infill ``chords=``): the
new bars are written after (or between) the music the model reads as context, their chord tokens
forced and their notes under the plan constraint; compose's connective bars pass the cue's chords."""

from __future__ import annotations

import random

import pytest
import torch

from assistant.music.constraint import history_before as _history
from assistant.music.harmony import chord_plan, chord_tone_rate
from assistant.music.model import MusicGPT, MusicGPTConfig
from assistant.music.sample import MusicSampler, continue_, get_sampler, infill
from assistant.music.score import Note, Part, Score
from assistant.music.tokens import Controls, Vocab, load_tokenizer

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# a two-bar D minor theme: a rising triad, then a falling line onto the leading note and home
THEME = [(62, 0, 1), (65, 1, 1), (69, 2, 1.5), (67, 3.5, 0.5), (65, 4, 1), (64, 5, 0.5), (62, 5.5, 0.5),
         (61, 6, 1), (62, 7, 1)]
PLAN = ["Dm", "Gm", "A7", "Dm"]
D_MINOR = Controls(key_tonic=2, mode="minor", ensemble="solo")


def _theme() -> Score:
    return Score(parts=[Part("melody", notes=[Note(p, s, d, 80) for p, s, d in THEME])], meters=[(0.0, 4, 4)],
                 key="D minor")


def _rows(sc: Score, lo: float = 0.0, hi: float = 1e9) -> list[tuple[int, float, float]]:
    return sorted((n.pitch, n.start_beats, n.dur_beats) for n in sc.notes if lo - 1e-6 <= n.start_beats < hi - 1e-6)


def _spy_decode(monkeypatch: pytest.MonkeyPatch, s: MusicSampler) -> list[dict]:
    calls: list[dict] = []
    real = s.decode

    def spy(prompt: list[int], bars: int, controls: Controls, **kw: object) -> list[list[int]]:
        out = real(prompt, bars, controls, **kw)
        calls.append({"prompt": list(prompt), "bars": bars, "out": out, **kw})
        return out

    monkeypatch.setattr(s, "decode", spy)
    return calls


def _chord_tokens(s: MusicSampler, ids: list[int]) -> list[int]:
    return [ids[i + 1] for i, t in enumerate(ids[:-1]) if t == s.vocab.bar]


def test_history_reads_the_line_before_the_new_bars() -> None:
    last, repeats, pcs = _history(_theme(), 8.0)
    assert (last, repeats) == (62, 1) and pcs == sum(1 << pc for pc in {2, 5, 9, 7, 4, 1})
    assert _history(_theme(), 2.0) == (65, 1, (1 << 2) | (1 << 5))
    assert _history(_theme(), 0.0) is None


def test_a_random_model_continues_on_the_plan_under_the_constraint() -> None:
    """Tiny random weights follow nothing on their own: every strong-beat note of the new bars on a
    planned chord tone is the constraint's doing, and the prompt is kept note for note."""
    vocab = Vocab(load_tokenizer())
    torch.manual_seed(0)
    s = MusicSampler(MusicGPT(MusicGPTConfig(vocab_size=vocab.size, block_size=256, n_layer=1, n_head=2,
                                             n_embd=32)), vocab)
    plan = chord_plan(PLAN, 4, 2, "minor")
    hits = total = 0
    for seed in range(3):
        out = continue_(_theme(), 4, Controls(key_tonic=2, mode="minor", ensemble="solo", seed=seed),
                        sampler=s, avoid_copies=False, chords=PLAN)
        assert _rows(out, 0, 8) == _rows(_theme())
        assert all(n.start_beats >= 8 - 1e-6 and n.end_beats <= 24 + 1e-6 for n in out.notes if n.start_beats >= 8)
        h, t = chord_tone_rate(_rows(out, 8), plan, [8.0, 12.0, 16.0, 20.0], (4, 4))
        hits, total = hits + h, total + t
    assert total >= 6 and hits == total


def test_the_shipped_model_continues_the_theme_on_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    s = get_sampler()
    if not s.has_chords:
        pytest.skip("the shipped music model has no chord tokens (v1)")
    calls = _spy_decode(monkeypatch, s)
    plan = chord_plan(PLAN, 4, 2, "minor")
    want_ids = [s.vocab.chord_id(c) for c in plan]
    theme_ids = s.score_ids(_theme())
    hits = total = 0
    for seed in range(4):
        out = continue_(_theme(), 4, Controls(key_tonic=2, mode="minor", ensemble="solo", seed=seed),
                        sampler=s, avoid_copies=False, chords=PLAN)
        assert _rows(out, 0, 8) == _rows(_theme())  # the prompt, unchanged
        new = _rows(out, 8)
        assert len(out.bar_starts()) == 6  # exactly four new bars, the last one sounding
        assert all(s0 + d <= 24 + 1e-6 for _p, s0, d in new) and any(s0 >= 20 for _p, s0, _d in new)
        call = calls[-1]
        assert call["prompt"][6:] == theme_ids  # the model read the theme (with its chord tokens)
        assert _chord_tokens(s, call["out"][0]) == want_ids  # the plan's chord after every new Bar
        h, t = chord_tone_rate(new, plan, [8.0, 12.0, 16.0, 20.0], (4, 4))
        hits, total = hits + h, total + t
    assert total >= 24 and hits / total >= 0.9


def test_continue_without_a_plan_is_unconstrained(monkeypatch: pytest.MonkeyPatch) -> None:
    s = get_sampler()
    calls = _spy_decode(monkeypatch, s)
    out = continue_(_theme(), 2, Controls(seed=3), sampler=s, avoid_copies=False)
    assert _rows(out, 0, 8) == _rows(_theme()) and len(out.bar_starts()) <= 4
    kw = calls[-1]
    assert kw["chord_plan"] is None and kw["constraint"] is None and kw["history"] is None


def test_the_shipped_model_infills_on_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    s = get_sampler()
    if not s.has_chords:
        pytest.skip("the shipped music model has no chord tokens (v1)")
    base = continue_(_theme(), 4, replace_seed(9), sampler=s, avoid_copies=False, chords=PLAN)  # 6 bars
    calls = _spy_decode(monkeypatch, s)
    bridge = ["Bb", "Gm"]
    plan = chord_plan(bridge, 2, 2, "minor")
    hits = total = 0
    for seed in range(4):
        out = infill(base, (2, 4), replace_seed(seed), sampler=s, chords=bridge)
        outside = [r for r in _rows(out) if not 8 <= r[1] < 16]
        assert outside == [r for r in _rows(base) if not 8 <= r[1] < 16]  # only bars 3-4 change
        new = _rows(out, 8, 16)
        assert new and all(s0 + d <= 16 + 1e-6 for _p, s0, d in new)
        call = calls[-1]
        v = s.vocab
        p = call["prompt"]
        pre, suf = p[p.index(v.fim_pre) + 1:p.index(v.fim_suf)], p[p.index(v.fim_suf) + 1:p.index(v.fim_mid)]
        assert pre.count(v.bar) >= 2 and suf.count(v.bar) >= 2  # both sides as context, whole bars
        assert _chord_tokens(s, call["out"][0]) == [v.chord_id(c) for c in plan]
        h, t = chord_tone_rate(new, plan, [8.0, 12.0], (4, 4))
        hits, total = hits + h, total + t
    assert total >= 12 and hits / total >= 0.9


def replace_seed(seed: int) -> Controls:
    from dataclasses import replace

    return replace(D_MINOR, seed=seed)


def test_model_continuation_continues_the_prompt_with_the_cue_chords(monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.music.sample as sample
    from assistant.compose.melody import model_continuation
    from assistant.compose.theory import Key

    seen: list[dict] = []
    real = sample.continue_

    def spy(prompt: Score, bars: int, controls: Controls | None = None, **kw: object) -> Score:
        seen.append({"prompt": prompt, "bars": bars, "controls": controls, **kw})
        return real(prompt, bars, controls, **kw)

    monkeypatch.setattr(sample, "continue_", spy)
    monkeypatch.setattr(sample, "generate", lambda *a, **k: pytest.fail("fresh bars instead of a continuation"))
    prompt = [Note(p, s, d, 80) for p, s, d in THEME]
    out = model_continuation(prompt, 4.0, (4, 4), 4, Key(2, "minor"), (55, 84), 7, PLAN)
    assert out and all(n.start_beats >= 0.0 and n.end_beats <= 16.0 + 1e-6 for n in out)
    assert len(seen) == 1 and seen[0]["bars"] == 4 and list(seen[0]["chords"]) == PLAN
    assert _rows(seen[0]["prompt"]) == sorted(THEME)  # the theme just stated is the context
    if get_sampler().has_chords:
        h, t = chord_tone_rate([(n.pitch, n.start_beats, n.dur_beats) for n in out], chord_plan(PLAN, 4, 2, "minor"),
                               [0.0, 4.0, 8.0, 12.0], (4, 4))
        assert t >= 6 and h / t >= 0.75


def test_connective_bridge_passes_the_harmonic_plan_of_its_bars(monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.compose.melody as melody
    from assistant.compose.form import Bar, Section
    from assistant.compose.harmony import ChordSlot
    from assistant.compose.theory import Chord, Key

    key = Key(2, "minor")
    bars = [Bar(i + 1, 4.0 * i, 4.0 * i + 4, (4, 4), 4.0) for i in range(8)]
    roots = [(2, "min"), (7, "min"), (9, "7"), (2, "min"), (10, "maj"), (7, "min"), (9, "7"), (2, "min")]
    slots = [ChordSlot(4.0 * i, 4.0 * i + 4, Chord(r, q), key, i + 1) for i, (r, q) in enumerate(roots)]
    sec = Section("build", 2, 7, 8.0, 32.0, 0.5, melody="connective")
    seen: list[list[str | None] | None] = []

    def spy(before: list[Note], after: list[Note], bar_beats: float, meter: tuple[int, int], n_bars: int,
            k: Key, pitch_range: tuple[int, int], seed: int, chords: list[str | None] | None = None) -> None:
        assert before and after and n_bars == 4
        seen.append(chords)
        return None

    monkeypatch.setattr(melody, "model_bridge", spy)
    so_far = [Note(p, s, d, 80) for p, s, d in THEME]
    after = [Note(p, s, d, 80) for p, s, d in THEME]
    melody._connective(so_far, sec, bars, slots, 2, key, 66.0, (55, 84), random.Random(0), 4, 1,
                       {"connective": [], "model_bars": 0}, "lyrical", after, None)
    assert seen == [["Bb", "Gm", "A7", "Dm"]]  # the last four bars of the section, on its chords
