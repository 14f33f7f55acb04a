"""`make bench`: every speed and memory target, measured in one run.

Each feature package has a ``bench.py`` with ``run_bench() -> list[dict]``; a row is
``{"name", "value", "unit", "target"}`` and may carry ``"ratio"`` or ``"ok"``. Targets
are checked here, never in timed tests, and ratios are measured in the same run
because these machines are noisy. The table goes to stdout, everything to JSON.
"""

from __future__ import annotations

import importlib
import json
import logging
import platform
import time
from pathlib import Path
from typing import Any

import torch

from assistant.project import atomic_write_json

log = logging.getLogger(__name__)

SUITES: tuple[str, ...] = (
    "assistant.importers.bench",
    "assistant.sync.bench",
    "assistant.analysis.bench",
    "assistant.music.bench",
    "assistant.guard.bench",
    "assistant.compose.bench",
    "assistant.pipeline.bench",
    "assistant.render.bench",
)


def run_all(out_dir: str | Path, suites: tuple[str, ...] = SUITES) -> dict[str, Any]:
    """Run every suite; write ``bench.json`` to ``out_dir`` and return the report."""
    report: dict[str, Any] = {
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "cuda": torch.cuda.is_available(),
        },
        "suites": {},
    }
    for name in suites:
        t0 = time.perf_counter()
        try:
            rows = importlib.import_module(name).run_bench()
            status = "ok"
        except Exception as exc:  # a broken suite is reported, the others still run
            log.exception("bench suite %s failed", name)
            rows, status = [], f"failed: {type(exc).__name__}: {exc}"
        report["suites"][name.split(".")[1]] = {
            "status": status,
            "seconds": round(time.perf_counter() - t0, 2),
            "rows": rows,
        }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "bench.json", report)
    report["path"] = str(out / "bench.json")
    return report


def format_table(report: dict[str, Any]) -> str:
    """A plain-text table: suite, measurement, value, unit, target, met?"""
    lines = [f"{'suite':<10} {'measurement':<48} {'value':>12} {'unit':<10} {'target':<16} ok"]
    lines.append("-" * len(lines[0]))
    for suite, body in report["suites"].items():
        if body["status"] != "ok":
            lines.append(f"{suite:<10} {body['status']}")
            continue
        for r in body["rows"]:
            v = r.get("value")
            vs = f"{v:.4g}" if isinstance(v, (int, float)) else str(v)
            ok = r.get("ok")
            mark = "" if ok is None else ("yes" if ok else "NO")
            lines.append(f"{suite:<10} {str(r.get('name', ''))[:48]:<48} {vs:>12} "
                         f"{str(r.get('unit', '')):<10} {str(r.get('target', '')):<16} {mark}")
    return "\n".join(lines)


def main(out_dir: str | Path = "out/bench") -> dict[str, Any]:
    report = run_all(out_dir)
    print(format_table(report))
    print(f"\nwritten: {report['path']}")
    return report


if __name__ == "__main__":  # pragma: no cover
    json.dumps(main())
