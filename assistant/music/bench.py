"""Speed of the shipped music model on this machine (rows for ``make bench``).

Measures, in one run: tokens/s of our KV-cache decode loop (with the grammar masks and top-p
of real sampling) at batch 1 and batch 8, the same model decoded by a naive loop without a
cache (full forward per token; we use our own model file, so there is no HF ``generate`` to
compare), and the fraction of this machine's measured fp32 matmul throughput that the
cached loop reaches (model FLOPs ≈ 2 × parameters per token).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import torch

log = logging.getLogger(__name__)


def _matmul_flops(n: int = 512, reps: int = 20) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    t = time.perf_counter()
    for _ in range(reps):
        torch.mm(a, b)
    return 2 * n**3 * reps / (time.perf_counter() - t)


def _cached_tps(sampler: Any, batch: int, bars: int = 8, reps: int = 2) -> float:
    from assistant.music.tokens import Controls

    n_tok, dt = 0, 0.0
    for r in range(reps):
        c = Controls(key_tonic=0, mode="major", density="high", ensemble="solo", seed=100 + r)
        prefix = sampler.fill_prefix(c, (4, 4))
        forced = [sampler.vocab.bar, sampler.vocab.timesig_id(4, 4)]
        t = time.perf_counter()
        outs = sampler.decode(prefix, bars, c, n=batch, meter=(4, 4), forced=forced)
        dt += time.perf_counter() - t
        n_tok += sum(len(o) for o in outs)
    return n_tok / dt


@torch.inference_mode()
def _naive_tps(model: Any, n_new: int = 96) -> float:
    x = torch.tensor([[1]])
    t = time.perf_counter()
    for _ in range(n_new):
        logits, _ = model(x[:, -model.cfg.block_size:])
        nxt = torch.multinomial(torch.softmax(logits[:, -1], -1), 1)
        x = torch.cat([x, nxt], dim=1)
    return n_new / (time.perf_counter() - t)


def run_bench(model_dir: str | None = None) -> list[dict[str, Any]]:
    """Rows ``{"name", "value", "unit", "target"}`` for the music model."""
    import assistant.music.sample as sample_mod

    s = sample_mod.get_sampler(model_dir) if model_dir else sample_mod.get_sampler()
    old = torch.get_num_threads()
    threads = sample_mod.DECODE_THREADS
    tps1 = _cached_tps(s, 1)
    tps8 = _cached_tps(s, 8)
    sample_mod.DECODE_THREADS = 2
    try:
        tps1_2t = _cached_tps(s, 1)
    finally:
        sample_mod.DECODE_THREADS = threads
    torch.set_num_threads(threads)
    naive = _naive_tps(s.model)
    peak = _matmul_flops()
    torch.set_num_threads(old)
    n_params = s.model.num_params() - s.model.wpe.weight.numel()
    frac = tps1 * 2 * n_params / peak
    return [
        {"name": "music_decode_tokens_per_s_batch1", "value": round(tps1, 1), "unit": "tokens/s",
         "target": ">= 1000 on 2 CPU cores"},
        {"name": "music_decode_tokens_per_s_batch8", "value": round(tps8, 1), "unit": "tokens/s (all rows)",
         "target": None},
        {"name": "music_decode_tokens_per_s_batch1_2threads", "value": round(tps1_2t, 1), "unit": "tokens/s",
         "target": None},
        {"name": "music_naive_no_cache_tokens_per_s_batch1", "value": round(naive, 1), "unit": "tokens/s",
         "target": None},
        {"name": "music_kv_cache_speedup_vs_naive", "value": round(tps1 / naive, 2), "unit": "x", "target": None},
        {"name": "music_matmul_peak_gflops", "value": round(peak / 1e9, 2), "unit": "GFLOP/s", "target": None},
        {"name": "music_decode_fraction_of_matmul_peak", "value": round(frac, 4), "unit": "fraction",
         "target": None},
        {"name": "music_bench_threads", "value": threads, "unit": "threads (decode and matmul peak)",
         "target": None},
    ]


if __name__ == "__main__":
    import sys

    for row in run_bench(sys.argv[1] if len(sys.argv) > 1 else None):
        print(row)
