"""One call that syncs a project cue and writes its sync deliverables.

:func:`sync_cue` fits the cue's hits (exact mode by default; when exact is impossible it
falls back to constant mode and records why), then writes into ``out_dir``::

    <cue>.sync.json        the solutions (the fit-tempo JSON) plus the fallback note
    <cue>.conductor.mid    conductor track (tempo, meters, SMPTE offset, HIT markers)
    <cue>.click.mid        conductor + click track (cue at tick 0)
    <cue>.click.warning.mid  warning clicks (only with count_in_bars > 0)
    <cue>.click.wav        48 kHz 16-bit click, warning bars first
    <cue>.streamers.csv    streamers and punches, film timecodes
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.project import atomic_write_json, safe_filename
from assistant.sync.click import write_click_midi, write_click_wav
from assistant.sync.fit import SyncSolution, fit_tempo, request_from_cue
from assistant.sync.midi import cue_start_tc, write_conductor_midi
from assistant.sync.streamers import write_streamers_csv
from assistant.timecode import FrameRate

log = logging.getLogger(__name__)


def sync_cue(cue: Any, rate: FrameRate | str, out_dir: str | Path, *,
             film_start_tc: str | None = None, target_bpm: float | None = None,
             min_bpm: float | None = None, max_bpm: float | None = None,
             meter: tuple[int, int] | str = (4, 4), mode: str = "exact",
             count_in_bars: int = 2, streamer_s: float = 3.0, n_solutions: int = 3,
             fallback_to_constant: bool = True) -> dict[str, Any]:
    """Fit ``cue`` (an :class:`assistant.project.Cue`) and write its deliverables.

    Returns ``{"solution": best SyncSolution, "solutions": [...], "mode": used mode,
    "fallback": reason or None, "paths": {name: path}}``.
    """
    r = rate if isinstance(rate, FrameRate) else FrameRate.parse(rate)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    kwargs = {"meter": meter, "count_in_bars": count_in_bars}
    fallback = None
    try:
        req = request_from_cue(cue, r, target_bpm, min_bpm, max_bpm, mode=mode, **kwargs)
        sols: list[SyncSolution] = fit_tempo(req, n_solutions)
    except InputError as exc:
        if mode != "exact" or not fallback_to_constant or "impossible" not in str(exc):
            raise
        fallback = f"exact mode impossible ({exc.message}); used constant mode"
        log.warning("cue %s: %s", cue.id, fallback)
        req = request_from_cue(cue, r, target_bpm, min_bpm, max_bpm, mode="constant", **kwargs)
        sols = fit_tempo(req, n_solutions)
    best = sols[0]
    start_tc = cue.start_tc or cue_start_tc(film_start_tc or "00:00:00:00", cue.start_s, r)
    stem = safe_filename(cue.id)  # a cue id is user data: never a path
    paths: dict[str, Any] = {}
    paths["json"] = str(out / f"{stem}.sync.json")
    atomic_write_json(out / f"{stem}.sync.json",
                      {"cue_id": cue.id, "start_tc": start_tc, "fallback": fallback,
                       "solutions": [s.to_json() for s in sols]})
    paths["conductor_midi"] = str(write_conductor_midi(
        best, out / f"{stem}.conductor.mid", start_tc=start_tc, fps=r, cue_id=cue.id,
        count_in_bars=count_in_bars))
    paths["click_midi"] = [str(p) for p in write_click_midi(
        best, out / f"{stem}.click.mid", count_in_bars=count_in_bars, start_tc=start_tc, fps=r,
        cue_id=cue.id)]
    paths["click_wav"] = write_click_wav(best, out / f"{stem}.click.wav",
                                         count_in_bars=count_in_bars, start_tc=start_tc, fps=r,
                                         cue_id=cue.id)["path"]
    paths["streamers_csv"] = str(write_streamers_csv(
        best, out / f"{stem}.streamers.csv", rate=r, cue_start_s=cue.start_s,
        film_start_tc=film_start_tc, cue_id=cue.id, streamer_s=streamer_s, all_hits=False))
    return {"solution": best, "solutions": sols, "mode": req.mode, "fallback": fallback,
            "paths": paths}
