"""Streamer and punch list (CSV) for the hits of a fitted cue.

A streamer is a line that sweeps across the picture for 2-4 s (default 3 s) and ends on
the hit, where a punch (a flash) marks the frame. One row per important hit (every hit
when none is important, or with ``all_hits``). Timecodes are at the project rate: the
punch is the frame containing the hit (nearest frame), the streamer starts
``round(streamer_s x fps)`` frames earlier (clipped at the film start, flagged in
``note``).

Columns: ``cue_id, hit, label, streamer_start_tc, punch_tc, streamer_start_s, punch_s,
streamer_frames, bar, beat, error_frames, note`` (``*_s`` are film seconds).
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.project import atomic_write_text
from assistant.timecode import FrameRate, frames_to_tc, seconds_to_frames, tc_to_frames

log = logging.getLogger(__name__)

COLUMNS = ("cue_id", "hit", "label", "streamer_start_tc", "punch_tc", "streamer_start_s",
           "punch_s", "streamer_frames", "bar", "beat", "error_frames", "note")


def streamer_rows(solution: Any, *, rate: FrameRate | None = None, cue_start_s: float = 0.0,
                  film_start_tc: str | None = None, cue_id: str = "", streamer_s: float = 3.0,
                  all_hits: bool = False) -> list[dict[str, Any]]:
    """The streamer/punch rows for ``solution`` (see module docstring)."""
    if not 2.0 <= streamer_s <= 4.0:
        raise InputError(f"streamer length {streamer_s:g} s must be 2-4 s", field="streamer_s")
    r = rate or solution.fps
    origin = tc_to_frames(film_start_tc, r) if film_start_tc else 0
    hits = [h for h in solution.hits if h.important]
    if all_hits or not hits:
        hits = list(solution.hits)
    length = seconds_to_frames(streamer_s, r)
    rows = []
    for h in sorted(hits, key=lambda h: h.time_s):
        punch = seconds_to_frames(float(cue_start_s) + float(h.time_s), r)
        start = punch - length
        note = ""
        if start < 0:
            note = f"streamer clipped at the film start ({punch} frames long)"
            start = 0
        beat = float(h.beat)
        rows.append({
            "cue_id": cue_id, "hit": h.index + 1, "label": h.label,
            "streamer_start_tc": frames_to_tc(origin + start, r),
            "punch_tc": frames_to_tc(origin + punch, r),
            "streamer_start_s": round(start / float(r.fps), 4),
            "punch_s": round(punch / float(r.fps), 4),
            "streamer_frames": punch - start, "bar": h.bar,
            "beat": int(beat) if beat.is_integer() else round(beat, 3),
            "error_frames": round(h.error_frames, 3), "note": note,
        })
    return rows


def write_streamers_csv(solution: Any, path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`streamer_rows` as CSV (atomic); returns the path."""
    rows = streamer_rows(solution, **kwargs)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, buf.getvalue())
    log.info("wrote %d streamer(s) to %s", len(rows), out)
    return out
