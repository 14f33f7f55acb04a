"""Bench rows for `make bench`: the studio's revision loop.

A director revises by conversation, so the studio's own handler is timed revising one
1-minute cue of the example (1M10, 60 s) from the typed notes to playable audio. Target
(issue #15): under 5 s on 2 cores. The film-wide stages, the models and the first draft
are warmed up first (they are cached and do not change between revisions); then three
revisions are timed and the median is reported, split into parse, draft+orchestrate (the
drafting engine orchestrates as it drafts) and audio render. The guard, notation and piano
roll come after the audio (the studio shows them in a second step) and have rows of their own.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

REVISE_TARGET_S = 5.0
CUE = "1M10"
NOTES = ("darker, less busy, no piano", "warmer and more hopeful, add horns",
         "simpler, strings only, softer")


def run_bench() -> list[dict[str, Any]]:
    from ui.handlers import Studio

    with tempfile.TemporaryDirectory() as tmp:
        studio = Studio(Path(tmp) / "studio")
        state, _ = studio.open_example(None)
        t0 = time.perf_counter()
        state, first = studio.draft(state, CUE)
        warm = time.perf_counter() - t0
        totals, parts, after = [], [], []
        for notes in NOTES:
            t0 = time.perf_counter()
            state, v = studio.revise(state, CUE, notes)
            totals.append(time.perf_counter() - t0)
            parts.append(v["timings"])
            ws, _ = studio.workspace(state)
            after.append(studio.view(ws, CUE, v["revision"])["timings"])
        cue_s = studio.store(ws).load().cue(CUE).duration_s

    def med(rows: list[dict[str, float]], key: str) -> float:
        return round(statistics.median(r.get(key, 0.0) for r in rows), 3)

    total = statistics.median(totals)
    rows: list[dict[str, Any]] = [
        {"name": f"studio: revise a {cue_s:.0f} s cue ({CUE}), notes to playable audio",
         "value": round(total, 2), "unit": "s", "target": f"< {REVISE_TARGET_S:g} s",
         "ok": total < REVISE_TARGET_S, "runs_s": [round(t, 2) for t in totals],
         "ratio": round(cue_s / total, 2)},
        {"name": "  parse the notes", "value": med(parts, "parse_s"), "unit": "s", "target": ""},
        {"name": "  draft + orchestrate", "value": med(parts, "draft_orchestrate_s"),
         "unit": "s", "target": ""},
        {"name": "  render audio (24 kHz preview)", "value": med(parts, "render_audio_s"),
         "unit": "s", "target": ""},
        {"name": "  then: guard (temp + corpus)", "value": med(after, "guard_s"), "unit": "s",
         "target": ""},
        {"name": "  then: notation (MusicXML + SVG)", "value": med(after, "render_notation_s"),
         "unit": "s", "target": ""},
        {"name": "  then: piano roll", "value": med(after, "piano_roll_s"), "unit": "s",
         "target": ""},
        {"name": "studio: first draft of the session (stages, models; cached after)",
         "value": round(warm, 2), "unit": "s", "target": ""},
    ]
    return rows
