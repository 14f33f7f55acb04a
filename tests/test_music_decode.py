"""The fast decode path computes what the plain model computes, and samples what it sampled before.

- the cached step (prefill, then one token at a time) gives the full forward's logits;
- greedy decoding through the cache picks the same tokens as greedy decoding by full forwards;
- fixed-seed constrained sampling from the shipped checkpoint reproduces, token for token, the
  output of the sampler before the speed work (commit 184ee2f), recorded as a hash;
- the same weights wrapped as a Hugging Face GPT-2 (the bench's ``generate`` baseline) give the
  same logits, so the bench compares like with like.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import torch

from assistant.music.model import MusicGPT, MusicGPTConfig
from assistant.music.sample import MODEL_DIR, MusicSampler, get_sampler
from assistant.music.tokens import Controls

SHIPPED_SHA256 = "abcc8468c4cca0f72664072267dcd3b2d74c575700f7eb8f8f0e4c75d0f3bf47"
# json.dumps of [(prefix, decode(...)) ...] for _GOLDEN_CASES, produced by the pre-optimisation sampler
GOLDEN_SHA256 = "8fcb7423053144e4d330637a925ddcdaef977d14c21acded05e32829a4a931b6"
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


def test_fixed_seed_sampling_is_unchanged_by_the_speed_work() -> None:
    s = _shipped()
    digest = hashlib.sha256((Path(MODEL_DIR) / "model.safetensors").read_bytes()).hexdigest()
    if digest != SHIPPED_SHA256:
        pytest.skip("checkpoint retrained: the recorded token hash belongs to the old one")
    out = []
    for c, n, bars in _GOLDEN_CASES:
        prefix = s.fill_prefix(c, (4, 4))
        rows = s.decode(prefix, bars, c, n=n, meter=(4, 4), forced=[s.vocab.bar, s.vocab.timesig_id(4, 4)])
        assert len(rows) == n and all(r.count(s.vocab.bar) == bars for r in rows)
        out.append((prefix, rows))
    assert hashlib.sha256(json.dumps(out).encode()).hexdigest() == GOLDEN_SHA256


def test_hf_gpt2_wrapper_has_the_same_logits() -> None:
    pytest.importorskip("transformers")
    from assistant.music.bench import hf_gpt2_from

    for bias in (False, True):
        m = _tiny(bias)
        hf = hf_gpt2_from(m)
        ids = torch.randint(0, 61, (2, 25), generator=torch.Generator().manual_seed(1))
        with torch.inference_mode():
            torch.testing.assert_close(hf(ids).logits, m(ids)[0], rtol=1e-4, atol=1e-5)
