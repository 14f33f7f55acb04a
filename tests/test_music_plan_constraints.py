"""Constrained decoding of a key and a chord plan (constraint.PlanConstraint): the masks on tiny
random-weight models (which follow nothing on their own), the shipped model with the issue's
thresholds when it has chord tokens, and the compose call site passing the cue's plan."""

from __future__ import annotations

import random

import pytest
import torch

from assistant.music.constraint import KEY_PRIOR, PlanConstraint, _Row
from assistant.music.harmony import chord_plan, chord_tone_rate, chord_tones
from assistant.music.model import MusicGPT, MusicGPTConfig
from assistant.music.sample import MusicSampler, generate, get_sampler
from assistant.music.score import Score
from assistant.music.tokens import Controls, Vocab, load_tokenizer

pytestmark = pytest.mark.usefixtures("one_torch_thread")

D_MINOR_PLAN = ["i", "iv", "V7", "i"]


def _tiny(chords: bool, seed: int = 0) -> MusicSampler:
    vocab = Vocab(load_tokenizer())
    torch.manual_seed(seed)
    size = vocab.size if chords else vocab.chord0  # v1: the vocabulary without chord tokens
    model = MusicGPT(MusicGPTConfig(vocab_size=size, block_size=256, n_layer=1, n_head=2, n_embd=32))
    return MusicSampler(model, vocab)


@pytest.fixture(scope="module", params=[True, False], ids=["v2-chord-tokens", "v1-no-chord-tokens"])
def tiny(request: pytest.FixtureRequest) -> MusicSampler:
    return _tiny(request.param)


def test_the_constraint_reads_the_key_and_the_plan() -> None:
    plan = chord_plan(D_MINOR_PLAN, 4, 2, "minor")
    con = PlanConstraint.build(2, "minor", plan, (4, 4))
    assert con.scale == {2, 4, 5, 7, 9, 10, 1}  # D harmonic minor
    assert con.chords[2] == chord_tones((9, "dom7")) and con.strong == (0, 24) and con.final_pos == 36
    assert con.first == {2} and con.final == {2, 5, 9}  # open on the tonic, close on the tonic triad
    # a half cadence closes on the tone V shares with the tonic triad (the fifth degree)
    half = PlanConstraint.build(0, "major", chord_plan(["I", "vi", "ii", "V7"], 4, 0, "major"), (4, 4))
    assert half.final == {7}
    # 3/4 and 6/8: one strong beat / two dotted beats; the ending zone is the last beat
    assert PlanConstraint.build(0, "major", chord_plan(["I"], 2, 0, "major"), (3, 4)).final_pos == 24
    assert PlanConstraint.build(0, "major", chord_plan(["I"], 2, 0, "major"), (6, 8)).final_pos == 36
    # a non-chord tone may not be held over the next strong beat; a chord tone may
    assert con.hold_limit(4, 0.5, 4) == pytest.approx(1.5)  # E over i: up to beat 3 (2.0)
    assert con.hold_limit(5, 0.5, 4) == pytest.approx(3.5)  # F: a tone of i, then not of iv at 4.0
    assert con.prior and max(con.prior) == 0.0 and KEY_PRIOR > 0
    assert PlanConstraint.build(2, "minor", plan, (4, 4), prior=0.0).prior == ()


def test_a_strong_beat_pitch_outside_the_chord_is_masked(tiny: MusicSampler) -> None:
    s, v = tiny, tiny.vocab
    plan = chord_plan(D_MINOR_PLAN, 4, 2, "minor")
    con = PlanConstraint.build(2, "minor", plan, (4, 4))
    ok = torch.ones(v.size, dtype=torch.bool)
    pitches = s.is_k[1]

    def allowed(bar: int, pos: int, last: int | None) -> set[int]:
        r = _Row(bars_done=bar + 1, pos=pos, last="pos", last_pitch=last)
        m = s._mask(r, 4, ok, ok, 500, None, None, con)
        return {int(s.pitch_val[i]) for i in torch.nonzero(m & pitches).flatten().tolist()}

    for bar, pos in ((1, 0), (1, 24), (2, 0), (2, 24)):
        got = allowed(bar, pos, 62)
        assert got and {p % 12 for p in got} <= con.chords[bar]  # strong beats: chord tones only
    weak = allowed(2, 12, 69)  # bar 3 (V7 = A C# E G), beat 2, after an A
    assert 70 in weak and 76 in weak and 74 not in weak and 71 not in weak  # Bb by step, E leapt to; not D, B
    assert all(abs(p - 69) <= 2 for p in weak if p % 12 not in con.chords[2])  # passing tones by step
    assert {p % 12 for p in weak} <= con.scale | con.chords[2]
    assert {p % 12 for p in allowed(0, 6, None)} == {2}  # the first note: the tonic
    # the mode is stated: until F (D minor's third) sounds, bar 1's beat 3 takes it, and a held D
    # may not cover that beat
    r = _Row(bars_done=1, pos=24, last="pos", last_pitch=62, pcs_seen=1 << 2)
    m = s._mask(r, 4, ok, ok, 500, None, None, con)
    assert {int(s.pitch_val[i]) % 12 for i in torch.nonzero(m & pitches).flatten().tolist()} == {5}
    assert con.hold_limit(2, 0.0, 4, third_seen=False) == pytest.approx(2.0)
    assert con.hold_limit(2, 0.0, 4, third_seen=True) == pytest.approx(8.0)  # D is in i and iv, not V7
    r = _Row(bars_done=3, pos=12, last="pos", last_pitch=69, repeats=con.max_repeats)  # one A too many
    m = s._mask(r, 4, ok, ok, 500, None, None, con)
    assert not m[v.pitch_id(69)] and m[v.pitch_id(67)] and m[v.pitch_id(76)]
    r.repeats = con.max_repeats - 1
    assert s._mask(r, 4, ok, ok, 500, None, None, con)[v.pitch_id(69)]
    assert {p % 12 for p in allowed(3, 36, 62)} <= {2, 5, 9}  # the last beat: the tonic triad


def test_the_passage_ends_only_once_the_last_beat_sounds(tiny: MusicSampler) -> None:
    s, v = tiny, tiny.vocab
    con = PlanConstraint.build(2, "minor", chord_plan(D_MINOR_PLAN, 4, 2, "minor"), (4, 4))
    ok = torch.ones(v.size, dtype=torch.bool)
    for reach, can_end in ((14.5, False), (15.5, True)):  # beats from the first bar line; zone from 15.0
        r = _Row(bars_done=4, pos=24, last="dur", last_pitch=62, reach=reach)
        m = s._mask(r, 4, ok, ok, 500, None, None, con)
        assert bool(m[v.eos]) is can_end and bool(m[v.bar]) is can_end
        assert bool(s._mask(r, 4, ok, ok, 500, None, None, None)[v.eos])  # no constraint: may end


def _notes(sc: Score) -> list[tuple[int, float, float]]:
    return [(n.pitch, n.start_beats, n.dur_beats) for n in sc.notes]


@pytest.mark.parametrize("meter", [(4, 4), (3, 4)], ids=["4-4", "3-4"])
def test_random_weights_follow_the_key_and_plan_under_the_constraint(tiny: MusicSampler,
                                                                    meter: tuple[int, int]) -> None:
    bar_q = meter[0] * 4 / meter[1]
    plan = chord_plan(D_MINOR_PLAN, 4, 2, "minor")
    con = PlanConstraint.build(2, "minor", plan, meter)
    hits = total = 0
    for seed in range(3):
        sc = generate(Controls(seed=seed, ensemble="solo"), bars=4, meter=meter, sampler=tiny, key=("D", "minor"),
                      chords=D_MINOR_PLAN, oversample=1, avoid_copies=False)[0]
        notes = _notes(sc)
        assert notes and sc.markers == [(4 * bar_q, "end")]
        assert all(n.end_beats <= 4 * bar_q + 1e-6 for n in sc.notes)
        onsets = sorted({s0 for _p, s0, _d in notes})
        for p, s0, _d in notes:
            chord = con.chords[int(s0 // bar_q)] or set()
            if p % 12 == 0 and 0 not in chord:  # C natural in D minor: only passing down from the tonic
                k = onsets.index(s0)
                near = {q for q, t, _d in notes if t in onsets[max(k - 1, 0):k + 1]}
                assert p + 2 in near, (p, s0)
            else:
                assert p % 12 in con.scale | chord
        t0 = min(n[1] for n in notes)
        assert 2 in {p % 12 for p, s0, _d in notes if s0 == t0}  # the opening states the tonic
        zone = 3 * bar_q + con.final_pos / 12 * 4 / meter[1]  # the last beat
        last = [p for p, s0, d in notes if s0 + d > zone + 1e-6]
        if any(s0 >= 3 * bar_q for _p, s0, _d in notes):  # (a random model may spend its token budget early)
            assert last and all(p % 12 in con.final for p in last)  # the passage ends on the tonic triad
        h, t = chord_tone_rate(notes, plan, [i * bar_q for i in range(4)], meter)
        hits, total = hits + h, total + t
    assert total >= 4 and hits == total  # every strong-beat melody note is a planned chord tone


def test_without_the_constraint_random_weights_wander(tiny: MusicSampler) -> None:
    """The test above can fail: the same random model, left alone, does not follow the plan."""
    plan = chord_plan(D_MINOR_PLAN, 4, 2, "minor")
    hits = total = 0
    outside = 0
    scale = PlanConstraint.build(2, "minor", plan, (4, 4)).scale
    for seed in range(3):
        sc = generate(Controls(seed=seed, ensemble="solo", constrain=False), bars=4, sampler=tiny,
                      key=("D", "minor"), chords=D_MINOR_PLAN, oversample=1, avoid_copies=False)[0]
        h, t = chord_tone_rate(_notes(sc), plan, [0.0, 4.0, 8.0, 12.0], (4, 4))
        hits, total = hits + h, total + t
        outside += sum(n.pitch % 12 not in scale for n in sc.notes)
    assert total and hits < total and outside > 0


def test_constrain_true_keeps_a_key_without_a_plan() -> None:
    s = _tiny(True, seed=3)
    sc = generate(Controls(seed=1, ensemble="solo", constrain=True), bars=2, sampler=s, key=("A", "major"),
                  oversample=1, avoid_copies=False)[0]
    assert sc.notes and all(n.pitch % 12 in {9, 11, 1, 2, 4, 6, 8} for n in sc.notes)
    t0 = min(n.start_beats for n in sc.notes)
    assert 9 in {n.pitch % 12 for n in sc.notes if n.start_beats == t0}


def test_the_shipped_model_follows_plans_under_the_constraint() -> None:
    """The shipped model, whatever its version: every strong-beat note on a planned chord tone."""
    s = get_sampler()
    rng = random.Random(1)
    hits = total = 0
    for i in range(3):
        tonic, mode = rng.randrange(12), ("major", "minor")[i % 2]
        plan = ("I", "IV", "V7", "I") if mode == "major" else ("i", "VI", "iv", "V")
        sc = generate(Controls(key_tonic=tonic, mode=mode, chords=plan, ensemble="solo", seed=i), bars=4,
                      sampler=s, oversample=1, avoid_copies=False)[0]
        h, t = chord_tone_rate(_notes(sc), chord_plan(plan, 4, tonic, mode), [0.0, 4.0, 8.0, 12.0], (4, 4))
        hits, total = hits + h, total + t
    assert total >= 6 and hits == total


@pytest.mark.slow
def test_the_shipped_model_meets_the_issue_targets_without_reranking() -> None:
    """Issue #11: >= 90 % in the requested key (music21), >= 80 % strong-beat chord tones, exact bar
    counts, one sample per request. Only a model with chord tokens (v2) is held to it."""
    from assistant.music.evaluate import plan_following

    s = get_sampler()
    if not s.has_chords:
        pytest.skip("the shipped music model has no chord tokens (v1); the v2 model is not shipped yet")
    res = plan_following(s, 32, 5, oversample=1)
    assert res["key_accuracy"] >= 0.9 and res["chord_tone_rate"] >= 0.8 and res["bar_count_exact"] == 1.0


def test_compose_passes_the_cue_chord_plan_to_a_chord_aware_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.music.sample as sample
    from assistant.compose.melody import model_continuation
    from assistant.compose.theory import Key
    from assistant.music.score import Note

    s = _tiny(True, seed=5)
    seen: list[dict] = []
    real = sample.continue_  # the new bars continue the prompt (tests/test_music_plan_continue.py)

    def spy(prompt: Score, bars: int, controls: Controls | None = None, **kw: object) -> Score:
        seen.append({"controls": controls, **kw})
        return real(prompt, bars, controls, sampler=s, **kw)

    monkeypatch.setattr(sample, "get_sampler", lambda model_dir=None: s)
    monkeypatch.setattr(sample, "continue_", spy)
    prompt = [Note(62 + d, float(i), 1.0, 80) for i, d in enumerate((0, 2, 3, 5, 7, 5, 3, 2))]
    out = model_continuation(prompt, 4.0, (4, 4), 2, Key(2, "minor"), (55, 84), 7, ["Dm", "A7"])
    assert out and all(0.0 <= n.start_beats < 8.0 for n in out)
    assert len(seen) == 1 and list(seen[0]["chords"]) == ["Dm", "A7"]
    c = seen[0]["controls"]
    assert (c.key_tonic, c.mode) == (2, "minor") and c.constrain is not False
    # the constraint was on: D harmonic minor (plus the chords' tones), chord tones on strong beats
    chords = [{2, 5, 9}, {9, 1, 4, 7}]
    for n in out:
        bar = int(n.start_beats // 4)
        assert n.pitch % 12 in {2, 4, 5, 7, 9, 10, 1} | chords[bar]
        if n.start_beats % 2 == 0:
            assert n.pitch % 12 in chords[bar]
