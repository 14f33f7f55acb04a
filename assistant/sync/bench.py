"""Speed and accuracy benchmark of tempo fitting (``make bench``; never in timed tests).

A 5-minute cue with 50 hits on frames (seeded random spacing, a quarter of them
downbeats, a fifth important) at 24 fps, range 60-160, target 100, is solved in both
modes; target: under 1 s each. Also reported: the exact mode's worst error (must be 0)
and the worst error after the conductor MIDI round trip (tick -> seconds through the
file's own tempo events).

Run: ``.venv/bin/python -m assistant.sync.bench``
"""

from __future__ import annotations

import json
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import mido
import numpy as np

from assistant.sync.fit import SyncHit, SyncRequest, fit_tempo
from assistant.sync.midi import write_conductor_midi
from assistant.timecode import FrameRate


def bench_request(mode: str, n_hits: int = 50, duration_s: float = 300.0, seed: int = 0
                  ) -> SyncRequest:
    rng = np.random.default_rng(seed)
    rate = FrameRate.parse("24")
    gaps = rng.uniform(1.0, 2 * duration_s / n_hits - 1.0, size=n_hits)
    times = np.cumsum(gaps) * (duration_s - 2) / gaps.sum()
    hits = []
    for i, t in enumerate(times):
        frame = round(Fraction(float(t)) * rate.fps)
        hits.append(SyncHit(float(Fraction(frame) / rate.fps), label=f"h{i + 1}",
                            landing="downbeat" if i % 4 == 3 else "beat",
                            important=i % 5 == 0))
    return SyncRequest(duration_s, hits, rate, target_bpm=100, min_bpm=60, max_bpm=160,
                       mode=mode)


def _midi_worst_error_ms(sol: Any) -> float:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.mid"
        write_conductor_midi(sol, path)
        mid = mido.MidiFile(str(path))
    ppq, tick, sec, us = mid.ticks_per_beat, 0, 0.0, 500_000
    found = []
    for msg in mid.tracks[0]:
        sec += msg.time * us / ppq / 1e6
        tick += msg.time
        if msg.type == "set_tempo":
            us = msg.tempo
        elif msg.type == "marker" and msg.text.startswith("HIT"):
            found.append(sec)
    return max(abs(a - h.time_s) * 1000 for a, h in zip(found, sol.hits, strict=True))


def run_bench() -> list[dict[str, Any]]:
    """Rows ``{name, value, unit, target}`` for ``make bench``."""
    rows: list[dict[str, Any]] = []
    for mode in ("exact", "constant"):
        req = bench_request(mode)
        fit_tempo(req)  # warm-up (imports, numpy)
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            sols = fit_tempo(req)
            times.append(time.perf_counter() - t0)
        best = sols[0]
        rows.append({"name": f"sync.fit_tempo.{mode}.5min_50hits.seconds",
                     "value": round(min(times), 4), "unit": "s", "target": "< 1",
                     "ok": min(times) < 1.0})
        rows.append({"name": f"sync.fit_tempo.{mode}.max_error_frames",
                     "value": round(best.max_error_frames, 3), "unit": "frames",
                     "target": "0" if mode == "exact" else "report",
                     **({"ok": best.max_error_frames == 0} if mode == "exact" else {})})
        if mode == "exact":
            rows.append({"name": "sync.fit_tempo.exact.tempo_changes",
                         "value": best.tempo_changes, "unit": "changes", "target": "report"})
            worst = _midi_worst_error_ms(best)
            rows.append({"name": "sync.midi.exact.max_marker_error_ms",
                         "value": round(worst, 4), "unit": "ms", "target": "< 1",
                         "ok": worst < 1.0})
        else:
            for k, v in best.counts.items():
                if k != "free":
                    rows.append({"name": f"sync.fit_tempo.constant.{k}_count", "value": v,
                                 "unit": "hits", "target": "report"})
    # worked case: a grid at 97.5 BPM is recovered with zero frames off
    grid = [k * 60 / 97.5 for k in (3, 5, 8, 13, 21, 34, 40, 47)]
    g = fit_tempo(SyncRequest(40, grid, "25", mode="constant", min_bpm=80, max_bpm=120,
                              target_bpm=100))[0]
    rows.append({"name": "sync.constant.grid_97_5.found_bpm",
                 "value": float(g.tempo_map.segments[0][1]), "unit": "BPM", "target": "97.5",
                 "ok": g.tempo_map.segments[0][1] == Fraction(975, 10)})
    return rows


if __name__ == "__main__":
    for row in run_bench():
        print(json.dumps(row))
