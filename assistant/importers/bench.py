"""Importer benchmarks for ``make bench``: parse speed on the large real screenplay and a
synthetic 1000-cue spotting list."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from assistant.importers.screenplay import load_screenplay
from assistant.importers.spotting import parse_spotting_csv, parse_spotting_text
from assistant.timecode import FrameRate, frames_to_tc

SCREENPLAYS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "screenplays"


def _synthetic_text(n_cues: int = 1000, rate: str = "23.976") -> str:
    r = FrameRate.parse(rate)
    start = 86400  # 01:00:00:00 at a nominal 24
    lines = [f"TITLE: Bench\nFPS: {rate}\nSTART: {frames_to_tc(start, r)}\n"]
    for i in range(n_cues):
        s = start + 100 + i * 600
        lines.append(f"{i // 50 + 1}M{i % 50 + 1} {frames_to_tc(s, r)} - {frames_to_tc(s + 500, r)} "
                     f"Cue {i}\nSomething happens.\nHIT {frames_to_tc(s + 250, r)}! a hit "
                     "[downbeat, tol 2]\n")
    return "\n".join(lines)


def run_bench() -> list[dict[str, Any]]:
    """Timing rows: {"name", "value", "unit", "target"}."""
    rows: list[dict[str, Any]] = []
    big = SCREENPLAYS / "Big-Fish.fountain"
    if big.is_file():
        t = time.perf_counter()
        s = load_screenplay(big)
        rows.append({"name": "import Big-Fish.fountain (190 scenes)",
                     "value": round(time.perf_counter() - t, 3), "unit": "s", "target": 1.0})
        rows.append({"name": "Big Fish estimated running time", "value": round(s.pages(), 1),
                     "unit": "min", "target": 125})
    text = _synthetic_text()
    t = time.perf_counter()
    spot = parse_spotting_text(text, "bench.txt")
    rows.append({"name": "parse 1000-cue text spotting list", "value":
                 round(time.perf_counter() - t, 3), "unit": "s", "target": 1.0})
    from assistant.importers.spotting import format_spotting_csv

    csv_text = format_spotting_csv(spot)
    t = time.perf_counter()
    parse_spotting_csv(csv_text, "bench.csv")
    rows.append({"name": "parse 1000-cue CSV spotting list", "value":
                 round(time.perf_counter() - t, 3), "unit": "s", "target": 1.0})
    return rows


if __name__ == "__main__":  # pragma: no cover
    for row in run_bench():
        print(row)
