"""`make bench`: every speed and memory target, measured in one run.

Each feature package has a ``bench.py`` with ``run_bench() -> list[dict]``; a row is
``{"name", "value", "unit", "target"}`` and may carry ``"ratio"``, ``"ok"`` and
``"peak_mib"``. Targets are checked here, never in timed tests, and ratios are measured
in the same run because these machines are noisy. The table goes to stdout, everything
to ``out/bench/bench.json`` (with the machine it ran on).

Adding a measurement is one line in a suite's ``run_bench``::

    rows.append(measure("parse 1000-cue CSV", lambda: parse_spotting_csv(text), target=1.0))

:func:`measure` times the call (or takes ``value``/``unit`` from the dict it returns,
e.g. ``{"value": tokens_per_s, "unit": "tok/s"}``) and records the peak resident
memory of the call in ``peak_mib`` (Linux: the process high-water mark is reset before
the call). Adding a suite is one line in :data:`SUITES`. Rows built by hand still
work; they get their suite's peak memory (``"peak_scope": "suite"``).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import platform
import time
from collections.abc import Callable
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
    "ui.bench",
)


def reset_peak_rss() -> bool:
    """Reset the process's resident-memory high-water mark (Linux); False where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_rss_mib() -> float | None:
    """Peak resident memory since the last reset, in MiB (None where unknown)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    try:
        import resource

        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    except (ImportError, OSError):
        return None


def measure(name: str, fn: Callable[[], Any], *, unit: str = "s", target: Any = None,
            **extra: Any) -> dict[str, Any]:
    """One bench row: run ``fn`` once with its wall time and peak memory.

    ``value`` is the seconds taken unless ``fn`` returns a dict, whose keys (``value``,
    ``unit``, ``ratio``, ``ok``, ...) then fill the row. ``extra`` keys go into the row.
    """
    reset_peak_rss()
    base = peak_rss_mib()
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    row: dict[str, Any] = {"name": name, "value": round(seconds, 4), "unit": unit,
                           "target": target, "seconds": round(seconds, 4), "base_mib": base}
    if isinstance(result, dict):
        row.update(result)
    row.update(extra)
    row["peak_mib"] = peak_rss_mib()
    return row


def scaling(name: str, make: Callable[[int], Any], run: Callable[[Any], Any],
            sizes: tuple[int, ...], *, what: str = "n", max_exponent: float = 1.3,
            repeat: int = 2) -> dict[str, Any]:
    """A growth row: time ``run(make(n))`` at each size; the value is the fitted exponent
    ``k`` in time ~ n^k (1 is linear, 2 quadratic), so the row is a ratio that holds on any
    machine. Inputs are built outside the timing; each size is timed ``repeat`` times (best
    kept); ``peak_mib`` is the peak memory of the largest run."""
    import math

    times: list[float] = []
    peak = None
    for n in sizes:
        data = make(n)
        best = math.inf
        for _ in range(repeat):
            reset_peak_rss()
            t0 = time.perf_counter()
            run(data)
            best = min(best, time.perf_counter() - t0)
        peak = peak_rss_mib()
        times.append(max(best, 1e-6))
    xs = [math.log(n) for n in sizes]
    ys = [math.log(t) for t in times]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    k = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs)
    return {"name": name, "value": round(k, 2), "unit": "exponent",
            "target": f"<= {max_exponent} (linear)", "ok": k <= max_exponent,
            "sizes": {what: list(sizes)}, "seconds": [round(t, 4) for t in times],
            "peak_mib": peak}


def machine_info() -> dict[str, Any]:
    """Where the figures came from: CPU, cores, memory, Python and torch."""
    cpu = platform.processor() or platform.machine()
    mem_gib = None
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh
                        if ln.startswith("model name")), cpu)
        with open("/proc/meminfo", encoding="ascii") as fh:
            kib = next(int(ln.split()[1]) for ln in fh if ln.startswith("MemTotal"))
        mem_gib = round(kib / 2**20, 1)
    except (OSError, StopIteration, ValueError):
        pass
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.is_available(),
    }


def run_all(out_dir: str | Path, suites: tuple[str, ...] = SUITES) -> dict[str, Any]:
    """Run every suite; write ``bench.json`` to ``out_dir`` and return the report."""
    report: dict[str, Any] = {"machine": machine_info(), "suites": {}}
    t_all = time.perf_counter()
    for name in suites:
        t0 = time.perf_counter()
        reset_peak_rss()
        try:
            rows = importlib.import_module(name).run_bench()
            status = "ok"
        except Exception as exc:  # a broken suite is reported, the others still run
            log.exception("bench suite %s failed", name)
            rows, status = [], f"failed: {type(exc).__name__}: {exc}"
        suite_peak = peak_rss_mib()
        for r in rows:
            if "peak_mib" not in r:
                r["peak_mib"], r["peak_scope"] = suite_peak, "suite"
        report["suites"][name.split(".")[1]] = {
            "status": status,
            "seconds": round(time.perf_counter() - t0, 2),
            "peak_mib": suite_peak,
            "rows": rows,
        }
    report["seconds"] = round(time.perf_counter() - t_all, 1)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "bench.json", report)
    report["path"] = str(out / "bench.json")
    return report


def format_table(report: dict[str, Any]) -> str:
    """A plain-text table: suite, measurement, value, unit, target, met?"""
    lines = [f"{'suite':<10} {'measurement':<48} {'value':>12} {'unit':<10} {'target':<16} "
             f"{'peak MiB':>9} ok"]
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
            peak = r.get("peak_mib")
            ps = "" if peak is None else f"{peak:.0f}" + ("*" if r.get("peak_scope") else "")
            lines.append(f"{suite:<10} {str(r.get('name', ''))[:48]:<48} {vs:>12} "
                         f"{str(r.get('unit', '')):<10} {str(r.get('target', '') or ''):<16} "
                         f"{ps:>9} {mark}")
    m = report.get("machine", {})
    lines.append(f"(* peak of the whole suite) machine: {m.get('cpu')}, {m.get('cores_usable')} "
                 f"cores, {m.get('memory_gib')} GiB; total {report.get('seconds', '?')} s")
    return "\n".join(lines)


def main(out_dir: str | Path = "out/bench") -> dict[str, Any]:
    report = run_all(out_dir)
    print(format_table(report))
    print(f"\nwritten: {report['path']}")
    return report


if __name__ == "__main__":  # pragma: no cover
    json.dumps(main())
