"""Speed of the cue reader: model load time and 1,000 descriptions after loading.

Target (issue 3): classifying 1,000 descriptions takes under 10 s on 2 CPU cores after loading.
The MiniLM forward pass is nearly all of it; on a machine shared with other jobs the wall
time can be several times the process CPU time, so both are reported. ``SCORING_TORCH_THREADS``
overrides the thread count (default min(4, cores)).
``run_bench()`` returns rows for ``make bench``; ``python -m assistant.analysis.bench`` prints them.
"""

from __future__ import annotations

import json
import time
from typing import Any


def _descriptions(n: int) -> list[str]:
    """``n`` varied descriptions: the labelled data (train + test + probe), cycled with a counter."""
    from assistant.analysis.classify import DATA_DIR

    texts: list[str] = []
    for name in ("train.jsonl", "test.jsonl", "probe.jsonl"):
        path = DATA_DIR / name
        if path.is_file():
            texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not texts:
        texts = ["1M3 - stalker reveal, sting on the door"]
    return [texts[i % len(texts)] + ("" if i < len(texts) else f" (take {i // len(texts) + 1})") for i in range(n)]


def run_bench(n: int = 1000) -> list[dict[str, Any]]:
    """Rows: model load time, classify-only time and full read (with evidence) time for ``n`` texts."""
    import torch

    from assistant.analysis import classify, embed

    t0 = time.perf_counter()
    embed.get_model()
    classify.load_head()
    load_s = time.perf_counter() - t0
    texts = _descriptions(n)
    classify.read_cues(texts[:8])  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    classify.classify_functions(texts)
    cls_s, cls_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    classify.read_cues(texts)
    read_s = time.perf_counter() - t0
    threads = torch.get_num_threads()
    from assistant.analysis.script import bench_rows

    script_rows = bench_rows()  # Big Fish end to end (< 30 s) and the brief parser's rate
    for r in script_rows:
        if r.get("target") == "< 30":
            r["ok"] = r["value"] < 30
    return script_rows + [
        {"name": "analysis: load MiniLM + head", "value": round(load_s, 2), "unit": "s", "target": None},
        {
            "name": f"analysis: classify_functions x{n} ({embed.device()}, {threads} threads)",
            "value": round(cls_s, 2),
            "unit": "s",
            "target": "< 10",
            "ok": cls_s < 10,
        },
        {
            # CPU seconds are robust to other processes sharing the cores (wall time is not)
            "name": f"analysis: classify_functions x{n}, process CPU time",
            "value": round(cls_cpu, 2),
            "unit": "s",
            "target": None,
        },
        {
            "name": f"analysis: read_cues x{n} with mood + evidence ({embed.device()}, {threads} threads)",
            "value": round(read_s, 2),
            "unit": "s",
            "target": "< 10",
            "ok": read_s < 10,
        },
    ]


if __name__ == "__main__":
    for row in run_bench():
        print(json.dumps(row))
