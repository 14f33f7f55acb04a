"""The render stage: the deliverables folder and its ``manifest.json``.

For each cue the latest revision's MIDI (conductor track 0, then one track per
instrument) and the sync deliverables (click, streamers) are copied under
``DIR/cues/<cue>/``; the film-wide artefacts (analysis, briefs, themes, plan, guard
report, cue list and cue sheet) go to ``DIR/``. When the audio and notation renderer
(``assistant.render.deliver``) is installed, its ``render_cue`` / ``render_film`` add
their files (score, parts, WAV, stems, reel, index) to the same manifest.

The manifest (DESIGN.md contract)::

    {"film": {"title", "fps", "start_tc", "duration_s"},
     "cues": [{"id", "title", "start_tc", "end_tc", "start_s", "duration_s", "function",
               "themes", "palette", "brief", "files": {"midi": PATH, ...},
               "report": {"hits": [...], "dialogue": {...}, "mickey_mousing_index": X,
                          "guard": {...}, ...}}],
     "files": {...film-level files by kind}}

Every path in it is relative to ``DIR``.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.music.score import Score
from assistant.paths import resolve_inside, safe_filename
from assistant.pipeline import measure
from assistant.pipeline.manifest import manifest_problems
from assistant.pipeline.stages import STAGES_DIR, _progress, load_sync, stage_path
from assistant.project import FilmProject, ProjectStore, atomic_write_json, atomic_write_text
from assistant.storage import atomic_path, load_json_file
from assistant.sync.tempo import TempoMap

log = logging.getLogger(__name__)

#: sync deliverables copied per cue: manifest key -> key in stages/sync.json "files"
SYNC_FILES = {"click_wav": "click_wav", "click_midi": "click_midi", "streamers": "streamers_csv",
              "conductor_midi": "conductor_midi", "sync_json": "json"}
#: film-level stage artefacts copied to DIR: manifest key -> file in stages/
STAGE_FILES = {"analysis": "analysis.json", "analysis_report": "analysis.txt",
               "briefs": "briefs.json", "themes": "themes.json", "plan": "plan.json",
               "guard_report": "guard_report.json"}


#: ``--render``: ``full`` every deliverable the renderer makes; ``quick`` the audio mix
#: only (no stems, score, parts, PDF or reel: for fast iteration); ``midi`` no audio or
#: notation at all (MIDI, click and streamers)
RENDER_MODES: dict[str, dict[str, Any] | None] = {
    "full": {},
    "quick": {"stems": False, "notation": False, "pdf": False, "reel": False},
    "midi": None,
}


def renderer() -> Any | None:
    """``assistant.render.deliver`` when it is installed and offers render_cue/render_film."""
    try:
        from assistant.render import deliver
    except ImportError:
        return None
    if callable(getattr(deliver, "render_cue", None)) and callable(
            getattr(deliver, "render_film", None)):
        return deliver
    return None


def latest_draft(store: ProjectStore, cue_id: str) -> tuple[Any, Path, dict[str, Any]] | None:
    """``(revision, its MIDI path, its draft report)`` of the cue's latest drafted
    revision, or None when the cue has none yet."""
    for rev in reversed(store.revisions(cue_id)):
        folder = store.revision_dir(cue_id, rev.number)
        mids = [a for a in rev.artefacts if a.lower().endswith(".mid")]
        if not mids:
            continue
        midi = resolve_inside(folder, mids[0], field="artefacts[0]", source=folder / "revision.json")
        info: dict[str, Any] = {}
        if "draft.json" in rev.artefacts:
            info = load_json_file(folder / "draft.json")
        return rev, midi, info
    return None


def cue_report(project: FilmProject, cue: Any, score: Score, sync: dict[str, Any],
               draft: dict[str, Any], guard: dict[str, Any] | None,
               excluded: list[str] | None = None) -> dict[str, Any]:
    """The manifest report of one drafted cue: the drafter's own report (planned events,
    dialogue pass, mickey-mousing index, form and harmony) checked against the figures
    measured on the written MIDI (see :mod:`assistant.pipeline.measure`)."""
    planned = dict(draft.get("report") or {})
    tm = TempoMap.from_json(sync)
    cov = measure.coverage(score, tm, cue.duration_s)
    measured = measure.hit_events(score, tm, sync["hits"], project.rate, cue.duration_s)
    hits = planned.get("hits") or []
    if len(hits) != len(measured):
        hits = [{k: m[k] for k in ("time_s", "bar", "beat", "error_frames", "event", "label",
                                    "important")} for m in measured]
    hits = [h | {"sync_error_frames": m["error_frames"], "written_event": m["event"],
                 "written_error_frames": m["event_error_frames"]}
            for h, m in zip(hits, measured, strict=True)]
    dialogue_s = [(d.start_s - cue.start_s, d.end_s - cue.start_s) for d in cue.dialogue]
    dlg = dict(planned.get("dialogue") or {})
    if "voice_band_notes" not in dlg:
        dlg["voice_band_notes"] = measure.voice_band_notes(score, tm, dialogue_s)
        dlg["voice_band_notes_without_pass"] = None
    dlg["spans"] = len(dialogue_s)
    return {
        "hits": hits,
        "dialogue": dlg,
        "mickey_mousing_index": planned.get("mickey_mousing_index"),
        "guard": guard or {},
        "coverage": cov["fraction"],
        "silences_s": cov["silences_s"],
        "planned_silences": planned.get("silences", []),
        "parts": measure.sounding_parts(score),
        "excluded_sounding": sorted(set(measure.sounding_parts(score)) & set(excluded or [])),
        "ranges": measure.range_report(score),
        "sync": {"mode": sync["mode"], "max_error_frames": sync["max_error_frames"],
                 "tempos_bpm": sync["tempos_bpm"], "meter": sync.get("meter")},
        "key": draft.get("key"),
        "form": draft.get("form"),
        "harmony": draft.get("harmony"),
        "warnings": planned.get("warnings", []),
    }


def stage_render(store: ProjectStore, out_dir: str | Path, cues: list[str] | None = None, *,
                 progress: bool = False, settings: dict[str, Any] | None = None,
                 render: str = "full") -> dict[str, Any]:
    """Write the deliverables of ``cues`` (default: every drafted cue) into ``out_dir`` and
    return the manifest (also written to ``out_dir/manifest.json``). ``render`` is one of
    :data:`RENDER_MODES`; ``settings`` go to the renderer on top of it."""
    from assistant.render.cuesheet import cue_list_text, cue_sheet_csv

    out = Path(out_dir)
    _make_dir(out)
    project = store.load()
    sync = load_sync(store)
    guard = _guard_by_cue(store)
    plan = _plan_rows(store)
    bp = stage_path(store, "briefs.json")
    briefs = load_json_file(bp) if bp.is_file() else {}
    if render not in RENDER_MODES:
        raise InputError(f"unknown render mode {render!r}; use {', '.join(RENDER_MODES)}",
                         field="render")
    mode = RENDER_MODES[render]
    deliver = renderer() if mode is not None else None
    settings = {**(mode or {}), **(settings or {})} or None
    chosen = [project.cue(c) for c in cues] if cues else sorted(project.cues,
                                                                 key=lambda c: c.start_s)
    entries: list[dict[str, Any]] = []
    results: dict[str, dict[str, Any]] = {}
    for cue in _progress(chosen, "render", progress):
        found = latest_draft(store, cue.id)
        if found is None or cue.id not in sync:
            raise InputError(f"cue {cue.id} has no draft yet; run the draft stage first",
                             field="cue")
        rev, midi, info = found
        folder = out / "cues" / safe_filename(cue.id)
        _make_dir(folder)
        files: dict[str, Any] = {"midi": _copy(midi, folder / f"{safe_filename(cue.id)}.mid", out)}
        for key, src_key in SYNC_FILES.items():
            src = sync[cue.id]["files"].get(src_key)
            if src is None:
                continue
            srcs = src if isinstance(src, list) else [src]
            copied = [_copy(resolve_inside(store.root, s, field=f"sync.{src_key}"),
                            folder / Path(s).name, out) for s in srcs]
            files[key] = copied if isinstance(src, list) and len(copied) > 1 else copied[0]
        score = Score.from_midi(midi)
        # the brief's exclusions, and the draft's law: a brief that names its instruments
        # ("low strings and muted brass") excludes every other one
        law = ((info or {}).get("report") or {}).get("law") or {}
        excluded = list(dict.fromkeys(briefs.get(cue.id, {}).get("exclude_instruments", [])
                                      + list(law.get("exclude") or [])))
        report = cue_report(project, cue, score, sync[cue.id], info, guard.get(cue.id), excluded)
        if deliver is not None:
            res = deliver.render_cue(score, cue, project, folder, settings=settings,
                                     relative_to=out) or {}
            files.update(res.get("files") or {})
            for k, v in (res.get("report") or {}).items():
                report.setdefault(k, v)
            results[cue.id] = res
        row = plan.get(cue.id, {})
        entries.append({
            "id": cue.id, "title": cue.title,
            "start_tc": cue.start_tc or project.film_s_to_tc(cue.start_s),
            "end_tc": cue.end_tc or project.film_s_to_tc(cue.end_s),
            "start_s": round(cue.start_s, 4), "duration_s": round(cue.duration_s, 4),
            "function": cue.function, "themes": list(row.get("themes", [])),
            "palette": rev.params.get("palette"), "brief": cue.brief,
            "revision": rev.number, "files": files, "report": report,
        })
    film_files: dict[str, Any] = {}
    for key, name in STAGE_FILES.items():
        src = stage_path(store, name)
        if src.is_file():
            film_files[key] = _copy(src, out / name, out)
    atomic_write_text(out / "cue_list.txt", cue_list_text(project) + "\n")
    atomic_write_text(out / "cue_sheet.csv", cue_sheet_csv(project))
    film_files["cue_list"] = "cue_list.txt"
    film_files["cue_sheet_csv"] = "cue_sheet.csv"
    if deliver is not None and results:
        res = deliver.render_film(project, results, out, settings=settings, relative_to=out) or {}
        film_files.update(res.get("files") or {})
    manifest = {
        "film": {"title": project.title, "fps": project.rate.name, "start_tc": project.start_tc,
                 "duration_s": round(film_duration_s(store, project), 3)},
        "cues": entries,
        "files": film_files,
    }
    manifest = json.loads(json.dumps(manifest))  # what the file holds: lists, not tuples
    atomic_write_json(out / "manifest.json", manifest)
    for problem in manifest_problems(out, manifest):
        log.warning("manifest: %s", problem)
    return manifest


def film_duration_s(store: ProjectStore, project: FilmProject) -> float:
    """The screenplay's estimated running time, never shorter than the last cue's end."""
    p = stage_path(store, "analysis.json")
    est = 0.0
    if p.is_file():
        est = float(load_json_file(p).get("duration_s") or 0.0)
    return max(est, max((c.end_s for c in project.cues), default=0.0))


def _guard_by_cue(store: ProjectStore) -> dict[str, dict[str, Any]]:
    p = stage_path(store, "guard_report.json")
    if not p.is_file():
        return {}
    return {c["cue"]: c for c in load_json_file(p).get("cues", [])}


def _plan_rows(store: ProjectStore) -> dict[str, dict[str, Any]]:
    p = stage_path(store, "plan.json")
    if not p.is_file():
        return {}
    return {r["cue"]: r for r in load_json_file(p).get("rows", [])}


def _copy(src: Path, dest: Path, out: Path) -> str:
    if src.resolve() != dest.resolve():
        with atomic_path(dest) as tmp:  # temp file + rename: never half a deliverable
            shutil.copyfile(src, tmp)
    return dest.relative_to(out).as_posix()


def _make_dir(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise InputError("output path exists and is not a folder", path=path)
    path.mkdir(parents=True, exist_ok=True)


__all__ = ["STAGES_DIR", "cue_report", "latest_draft", "renderer", "stage_render"]
