"""The model file, training on fixture MIDI, save/load, the KV cache and constrained sampling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from assistant.music.data import compact_timesigs
from assistant.music.model import MusicGPT, MusicGPTConfig
from assistant.music.sample import (
    MusicSampler,
    continue_,
    generate,
    infill,
    scale_pitch_classes,
    vary,
)
from assistant.music.score import Score
from assistant.music.tokens import Controls, Vocab, encode, make_tokenizer, score_to_symusic

FIX = Path(__file__).resolve().parent / "fixtures" / "midi"


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def vocab() -> Vocab:
    return Vocab(make_tokenizer())


def _tiny(vocab: Vocab, seed: int = 0) -> MusicGPT:
    torch.manual_seed(seed)
    return MusicGPT(MusicGPTConfig(vocab_size=vocab.size, block_size=256, n_layer=2, n_head=2, n_embd=32))


def _fixture_batch(vocab: Vocab) -> torch.Tensor:
    rows = []
    for name in ("tempo_change", "pickup", "several_instruments"):
        sc = Score.from_midi(FIX / f"{name}.mid")
        ids = [vocab.bos] + compact_timesigs(vocab, encode(vocab.tok, score_to_symusic(sc))) + [vocab.eos]
        rows.append(ids)
    L = max(map(len, rows))
    return torch.tensor([r + [vocab.pad] * (L - len(r)) for r in rows])


def test_config_validates() -> None:
    with pytest.raises(AssertionError):
        MusicGPTConfig(n_embd=30, n_head=4)


def test_tiny_model_trains_on_fixtures(vocab: Vocab) -> None:
    model = _tiny(vocab)
    x = _fixture_batch(vocab)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        _, loss = model(x[:, :-1], x[:, 1:], ignore_index=vocab.pad)
        assert loss is not None and torch.isfinite(loss)
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(float(loss.detach()))
    assert losses[-1] < losses[0] - 0.5


def test_save_load_equal_logits(vocab: Vocab, tmp_path: Path) -> None:
    model = _tiny(vocab).eval()
    x = _fixture_batch(vocab)
    model.save(tmp_path)
    again = MusicGPT.load(tmp_path)
    with torch.no_grad():
        a, _ = model(x)
        b, _ = again(x)
    assert torch.equal(a, b)
    assert (tmp_path / "config.json").exists() and (tmp_path / "model.safetensors").exists()


def test_kv_cache_matches_full_forward(vocab: Vocab) -> None:
    model = _tiny(vocab, seed=1).eval()
    x = _fixture_batch(vocab)[:2, :40]
    with torch.no_grad():
        full, _ = model(x)
    cache = model.new_cache(2)
    first = model.step(x[:, :10], cache)  # prefill
    assert torch.allclose(first, full[:, 9], atol=1e-5)
    for t in range(10, 40):
        got = model.step(x[:, t:t + 1], cache)
        assert torch.allclose(got, full[:, t], atol=1e-5)


@pytest.fixture(scope="module")
def sampler(vocab: Vocab) -> MusicSampler:
    return MusicSampler(_tiny(vocab, seed=2), vocab)


@pytest.mark.parametrize("meter", [(4, 4), (3, 4), (6, 8)])
def test_generate_exact_bars_scale_range_end(sampler: MusicSampler, meter: tuple[int, int]) -> None:
    c = Controls(key_tonic=2, mode="minor", scale=True, pitch_range=(62, 81), seed=5, program=73)
    outs = generate(c, bars=2, meter=meter, n_candidates=2, sampler=sampler)
    bar_q = meter[0] * 4 / meter[1]
    allowed = scale_pitch_classes(2, "minor")
    assert len(outs) == 2
    for sc in outs:
        notes = sc.notes
        assert notes, "random model still writes notes"
        assert all(n.pitch % 12 in allowed for n in notes)
        assert all(62 <= n.pitch <= 81 for n in notes)
        assert max(n.end_beats for n in notes) <= 2 * bar_q + 1e-6  # ends on time
        assert sc.markers == [(2 * bar_q, "end")]  # exactly 2 bars
        assert sc.meters[0][1:] == meter
        assert all(p.program == 73 for p in sc.parts)


def test_long_requests_slide_the_context_instead_of_leaving_bars_empty(vocab: Vocab,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(1)
    small = MusicSampler(MusicGPT(MusicGPTConfig(vocab_size=vocab.size, block_size=48, n_layer=1, n_head=2,
                                                 n_embd=32)), vocab)
    slides = []
    real = small._slide
    monkeypatch.setattr(small, "_slide", lambda prompt, r: slides.append(1) or real(prompt, r))
    c = Controls(key_tonic=9, mode="minor", scale=True, seed=2)
    outs = generate(c, bars=12, n_candidates=3, sampler=small, oversample=1)
    assert slides, "12 bars cannot fit a 48-token context without sliding"
    prefix = small.fill_prefix(c, (4, 4))
    ids = small.decode(prefix, 12, c, n=2, meter=(4, 4), forced=[vocab.bar, vocab.timesig_id(4, 4)])
    assert all(len(r) > 48 and r.count(vocab.bar) == 12 for r in ids)
    allowed = scale_pitch_classes(9, "minor")
    for sc in outs:
        assert sc.markers == [(48.0, "end")]
        assert all(n.pitch % 12 in allowed for n in sc.notes) and max(n.end_beats for n in sc.notes) <= 48 + 1e-6
    longer = continue_(outs[0], 6, Controls(seed=5), sampler=small)
    assert longer.markers[-1][0] == pytest.approx(72.0) or max(n.end_beats for n in longer.notes) <= 72 + 1e-6
    assert {(n.pitch, n.start_beats) for n in outs[0].notes} <= {(n.pitch, n.start_beats) for n in longer.notes}


def test_continue_keeps_prompt_and_adds_bars(sampler: MusicSampler) -> None:
    prompt = Score.from_midi(FIX / "tempo_change.mid")
    out = continue_(prompt, 2, Controls(seed=3), sampler=sampler)
    src = {(n.pitch, n.start_beats) for n in prompt.notes}
    assert src <= {(n.pitch, n.start_beats) for n in out.notes}
    new = [n for n in out.notes if n.start_beats >= 12.0]
    assert all(n.end_beats <= 20.0 + 1e-6 for n in new)


def test_infill_only_changes_chosen_bars(sampler: MusicSampler) -> None:
    src = Score.from_midi(FIX / "tempo_change.mid")  # 3 bars of 4/4
    out = infill(src, (1, 2), Controls(seed=4), sampler=sampler)
    outside = lambda s: sorted((n.pitch, n.start_beats, n.dur_beats) for n in s.notes  # noqa: E731
                               if not 4.0 <= n.start_beats < 8.0)
    assert outside(out) == outside(src)
    assert all(n.end_beats <= 8.0 + 1e-6 for n in out.notes if 4.0 <= n.start_beats < 8.0)


def test_vary_is_seeded(sampler: MusicSampler) -> None:
    src = Score.from_midi(FIX / "tempo_change.mid")
    a = vary(src, Controls(seed=9), strength=0.4, sampler=sampler)
    b = vary(src, Controls(seed=9), strength=0.4, sampler=sampler)
    assert [(n.pitch, n.start_beats) for n in a.notes] == [(n.pitch, n.start_beats) for n in b.notes]


def test_ppm_distribution_sums_to_one() -> None:
    from assistant.music.ngram import ALPHABET, PPMModel

    m = PPMModel(max_order=3).fit([[60, 62, 64, 65, 67, 65, 64, 62, 60], [67, 69, 71, 72]])
    for ctx in ([], [60], [62, 64], [99]):
        total = sum(m.prob(ctx, x) for x in ALPHABET)
        assert abs(total - 1.0) < 1e-9


def test_memorization_index_finds_copies() -> None:
    from assistant.music.copies import NgramIndex

    train = [[[60 + (i * 7) % 12, i * 0.5, 0.5] for i in range(30)], [[50, 0, 1], [52, 1, 1], [53, 2, 1]]]
    idx = NgramIndex(train)
    copy = [list(n) for n in train[0][5:20]]
    for n in copy:
        n[0] += 2  # transposed copy: same intervals and durations
    assert idx.longest(copy) == 15
    assert idx.longest([[60, 0, 3], [61, 3, 3], [59, 6, 3]]) == 0


def test_copy_filter_flags_twelve_note_runs_only(tmp_path: Path) -> None:
    from assistant.music.copies import CopyFilter

    rng = np.random.default_rng(0)
    train = [[[int(60 + rng.integers(-7, 8)), i * 0.5, float(rng.choice([0.5, 1.0]))] for i in range(40)]
             for _ in range(20)]
    filt = CopyFilter.build(train)
    filt.save(tmp_path / "runs.npz")
    filt = CopyFilter.load(tmp_path / "runs.npz")
    src = train[3]
    for n_notes, expect in ((12, True), (11, False)):
        piece = [[p + 3, s, d] for p, s, d in src[10:10 + n_notes]]  # transposed run, then new material
        piece += [[90 + (i % 2), 100 + i, 0.25] for i in range(8)]
        assert filt.copies(piece) is expect
    assert not filt.copies([[60 + i % 5, i, 1.0] for i in range(30)])


def test_generate_redraws_candidates_that_copy_training_runs(sampler: MusicSampler,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.music.sample as sample_mod

    class FlagFirstDraws:
        """Flags every melody it sees the first 3 times: those candidates must be re-drawn."""

        def __init__(self) -> None:
            self.calls = 0

        def copies(self, mel: list[list[float]]) -> bool:
            self.calls += 1
            return self.calls <= 3

    flt = FlagFirstDraws()
    monkeypatch.setattr(sample_mod, "copy_filter", lambda: flt)
    stats: dict[str, int] = {}
    c = Controls(seed=8)
    with_filter = generate(c, bars=2, n_candidates=3, sampler=sampler, stats=stats)
    plain = generate(c, bars=2, n_candidates=3, sampler=sampler, avoid_copies=False)
    assert stats == {"copies_redrawn": 3}
    assert [[(n.pitch, n.start_beats) for n in s.notes] for s in with_filter] != \
        [[(n.pitch, n.start_beats) for n in s.notes] for s in plain]
    # continue_: the new bars are checked (not the prompt) and re-drawn the same way
    flt.calls = 0
    prompt = Score.from_midi(FIX / "tempo_change.mid")
    cont = continue_(prompt, 2, Controls(seed=3), sampler=sampler)
    raw = continue_(prompt, 2, Controls(seed=3), sampler=sampler, avoid_copies=False)
    assert flt.calls == 4  # three flagged draws, then a clean one
    assert [(n.pitch, n.start_beats) for n in cont.notes] != [(n.pitch, n.start_beats) for n in raw.notes]


def test_sample_features_scalars() -> None:
    from assistant.music.evaluate import sample_features

    f = sample_features([(60, 0, 1), (62, 1, 1), (64, 2, 1), (65, 3, 1)] * 1, 4.0)
    assert f["scale_consistency"] == 1.0
    assert f["intervals"] == [2, 2, 1]
    assert np.isclose(f["pc_entropy"], 2.0)
