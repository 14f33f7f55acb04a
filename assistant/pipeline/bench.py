"""Bench rows for `make bench`: the whole example film scored, stage by stage.

Target (issue #12): the whole example film scores in under 2 minutes on 2 CPU cores,
every stage included (the renderer's audio and notation too, when it is installed).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

FILM_TARGET_S = 120.0


def run_bench() -> list[dict[str, Any]]:
    from assistant.demo import run_demo

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        manifest = run_demo(Path(tmp) / "demo", progress=False)
        total = time.perf_counter() - t0
    n = len(manifest["cues"])
    rows = [{"name": f"example film scored end to end ({n} cues)", "value": round(total, 2),
             "unit": "s", "target": f"< {FILM_TARGET_S:g} s", "ok": total < FILM_TARGET_S}]
    for stage, secs in manifest.get("timings_s", {}).items():
        rows.append({"name": f"  stage {stage}", "value": secs, "unit": "s", "target": ""})
    film_s = sum(c["duration_s"] for c in manifest["cues"])
    rows.append({"name": "music scored per second of wall time", "value": round(film_s / total, 2),
                 "unit": "x", "target": ""})
    return rows
