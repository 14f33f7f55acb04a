"""The fast decode path computes what the plain model computes, and samples what it sampled before.

- the cached step (prefill, then one token at a time) gives the full forward's logits;
- greedy decoding through the cache picks the same tokens as greedy decoding by full forwards;
- the numpy step used on the CPU (NumpyDecoder) gives the torch step's logits, and fixed-seed
  constrained sampling through it picks the same tokens as through the torch step;
- the nucleus sampler never picks a banned or out-of-nucleus token and draws the rest in
  proportion to their probabilities;
- the same weights wrapped as a Hugging Face GPT-2 (the bench's ``generate`` baseline) give the
  same logits, so the bench compares like with like.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from assistant.music.model import MusicGPT, MusicGPTConfig, NumpyDecoder
from assistant.music.sample import MODEL_DIR, MusicSampler, get_sampler, sample_next
from assistant.music.tokens import Controls

_GOLDEN_CASES = [
    (Controls(key_tonic=2, mode="minor", density="high", ensemble="solo", seed=7, scale=True), 1, 2),
    (Controls(key_tonic=7, mode="major", density="mid", ensemble="chorale", seed=11, top_p=0.8,
              temperature=0.9), 3, 2),
    (Controls(seed=5, top_p=1.0, program=40), 2, 1),
]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _tiny(bias: bool) -> MusicGPT:
    torch.manual_seed(3)
    m = MusicGPT(MusicGPTConfig(vocab_size=61, block_size=40, n_layer=2, n_head=2, n_embd=32, bias=bias))
    with torch.no_grad():  # non-trivial norms and biases so every weight matters
        for name, p in m.named_parameters():
            if name.endswith("bias") or "ln" in name:
                p.add_(torch.randn_like(p) * 0.1)
    return m.eval()


def _shipped() -> MusicSampler:
    f = Path(MODEL_DIR) / "model.safetensors"
    if not f.exists():
        pytest.skip("no shipped checkpoint")
    return get_sampler()


@pytest.mark.parametrize("bias", [False, True])
def test_cached_steps_equal_full_forward(bias: bool) -> None:
    m = _tiny(bias)
    torch.manual_seed(0)
    ids = torch.randint(0, 61, (3, 30))
    with torch.inference_mode():
        full, _ = m(ids)
        cache = m.new_cache(3)
        got = [m.step(ids[:, :12], cache)]  # prefill
        got += [m.step(ids[:, t:t + 1], cache) for t in range(12, 30)]  # one token at a time
    assert cache.pos == 30
    torch.testing.assert_close(got[0], full[:, 11], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(torch.stack(got[1:], 1), full[:, 12:], rtol=1e-5, atol=1e-5)


def test_step_sees_weight_updates() -> None:
    """The step's pre-gathered weights are the parameters themselves (training/loading stays visible)."""
    m = _tiny(False)
    ids = torch.tensor([[1, 2, 3]])
    before = m.step(ids, m.new_cache(1))
    with torch.no_grad():
        m.h[0].mlp.c_fc.weight.mul_(2.0)
    after = m.step(ids, m.new_cache(1))
    torch.testing.assert_close(after, m(ids)[0][:, -1], rtol=1e-5, atol=1e-5)
    assert not torch.allclose(before, after)


def test_greedy_cached_equals_greedy_full_forward_on_shipped_model() -> None:
    m = _shipped().model
    start = [1, 497, 474, 509, 512, 513, 4, 474]
    with torch.inference_mode():
        cache = m.new_cache(1)
        logits = m.step(torch.tensor([start]), cache)
        cached = []
        for _ in range(48):
            t = int(logits.argmax(-1))
            cached.append(t)
            logits = m.step(torch.tensor([[t]]), cache)
        seq = list(start)
        for _ in range(48):
            seq.append(int(m(torch.tensor([seq]))[0][0, -1].argmax()))
    assert cached == seq[len(start):]


@pytest.mark.parametrize("bias", [False, True])
def test_numpy_step_equals_torch_step(bias: bool) -> None:
    m = _tiny(bias)
    dec = NumpyDecoder(m)
    ids = torch.randint(0, 61, (3, 30), generator=torch.Generator().manual_seed(4))
    with torch.inference_mode():
        tc, nc = m.new_cache(3), dec.new_cache(3)
        pairs = [(m.step(ids[:, :12], tc), dec.step(ids[:, :12].numpy(), nc))]
        pairs += [(m.step(ids[:, t:t + 1], tc), dec.step(ids[:, t:t + 1].numpy(), nc)) for t in range(12, 30)]
    assert nc.pos == tc.pos == 30
    for a, b in pairs:
        np.testing.assert_allclose(b, a.numpy(), rtol=1e-4, atol=1e-4)


def test_sampler_rebuilds_numpy_copy_after_training() -> None:
    from assistant.music.tokens import Vocab, make_tokenizer

    vocab = Vocab(make_tokenizer())
    torch.manual_seed(0)
    m = MusicGPT(MusicGPTConfig(vocab_size=vocab.size, block_size=64, n_layer=1, n_head=2, n_embd=32))
    s = MusicSampler(m, vocab)
    first = s.numpy_decoder()
    assert s.numpy_decoder() is first
    with torch.no_grad():
        m.h[0].mlp.c_fc.weight.mul_(2.0)
    second = s.numpy_decoder()
    assert second is not first
    ids = np.array([[1, 2, 3]])
    np.testing.assert_allclose(second.step(ids, second.new_cache(1)), m.step(torch.from_numpy(ids), m.new_cache(1)),
                               rtol=1e-4, atol=1e-4)


def test_numpy_and_torch_steps_sample_the_same_tokens_on_shipped_model() -> None:
    s = _shipped()
    via_torch = MusicSampler(s.model, s.vocab, numpy_step=False)
    for c, n, bars in _GOLDEN_CASES:
        prefix = s.fill_prefix(c, (4, 4))
        forced = [s.vocab.bar, s.vocab.timesig_id(4, 4)]
        a = s.decode(prefix, bars, c, n=n, meter=(4, 4), forced=forced)
        b = via_torch.decode(prefix, bars, c, n=n, meter=(4, 4), forced=forced)
        assert len(a) == n and all(r.count(s.vocab.bar) == bars for r in a)
        assert a == b
        assert a == s.decode(prefix, bars, c, n=n, meter=(4, 4), forced=forced)  # seeded


def test_nucleus_sampler_respects_bans_and_top_p_and_matches_probabilities() -> None:
    probs = np.array([0.4, 0.25, 0.15, 0.1, 0.06, 0.04])
    logits = np.log(probs)[None].repeat(2, 0).astype(np.float32)
    banned = np.zeros((2, 6), dtype=bool)
    banned[1, 0] = True  # row 1: the favourite is banned, so it renormalises over the rest
    rng = np.random.default_rng(0)
    draws = np.stack([sample_next(logits, banned, 1.0, 1.0, rng) for _ in range(20000)])
    f0 = np.bincount(draws[:, 0], minlength=6) / len(draws)
    f1 = np.bincount(draws[:, 1], minlength=6) / len(draws)
    np.testing.assert_allclose(f0, probs, atol=0.012)
    assert f1[0] == 0
    np.testing.assert_allclose(f1[1:], probs[1:] / probs[1:].sum(), atol=0.012)
    # top-p 0.7: only the smallest prefix of the sorted distribution holding 0.7 (ids 0, 1, 2)
    nuc = np.stack([sample_next(logits[:1], banned[:1], 1.0, 0.7, rng) for _ in range(5000)])[:, 0]
    assert set(nuc.tolist()) <= {0, 1, 2}
    np.testing.assert_allclose(np.bincount(nuc, minlength=3)[:3] / len(nuc), [0.4 / 0.7, 0.25 / 0.7, 0.05 / 0.7],
                               atol=0.03)
    # top-p below the favourite's probability keeps the favourite only
    assert set(np.stack([sample_next(logits[:1], banned[:1], 1.0, 0.1, rng) for _ in range(200)])[:, 0]) == {0}


def test_hf_gpt2_wrapper_has_the_same_logits() -> None:
    pytest.importorskip("transformers")
    from assistant.music.bench import hf_gpt2_from

    for bias in (False, True):
        m = _tiny(bias)
        hf = hf_gpt2_from(m)
        ids = torch.randint(0, 61, (2, 25), generator=torch.Generator().manual_seed(1))
        with torch.inference_mode():
            torch.testing.assert_close(hf(ids).logits, m(ids)[0], rtol=1e-4, atol=1e-5)
