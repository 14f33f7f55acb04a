"""Running the stages: the whole film (:func:`score_film`) or one stage alone (:func:`run_stage`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.pipeline.drafting import stage_draft, stage_guard
from assistant.pipeline.inputs import new_project
from assistant.pipeline.render import stage_render
from assistant.pipeline.stages import stage_briefs, stage_plan, stage_read, stage_sync, stage_themes
from assistant.project import ProjectStore

log = logging.getLogger(__name__)

#: the stages in order; ``draft`` writes the orchestrated score (the drafting engine
#: orchestrates as it drafts), so ``orchestrate`` names the same step for the CLI
STAGES: tuple[str, ...] = ("import", "read", "brief", "sync", "themes", "plan", "draft",
                           "orchestrate", "guard", "render")


def _store(project: str | Path | ProjectStore) -> ProjectStore:
    store = project if isinstance(project, ProjectStore) else ProjectStore(project)
    store.load()  # one-line error when there is no project here
    return store


def run_stage(project: str | Path | ProjectStore, stage: str, *, out_dir: str | Path | None = None,
              cues: list[str] | None = None, palette: str | None = None, seed: int = 0,
              progress: bool = False, settings: dict[str, Any] | None = None,
              render: str = "full", outcome: dict[str, Any] | None = None) -> Any:
    """Re-run one stage on a project from the previous stages' saved artefacts.
    ``render`` (full, quick, midi) and ``settings`` (``RenderSettings`` fields) go to the
    render stage; ``outcome`` to the read and brief stages, which say in it whether they
    reused their previous results (:func:`~assistant.pipeline.stages.stage_read`,
    :func:`~assistant.pipeline.stages.stage_briefs`)."""
    store = _store(project)
    steps: dict[str, Callable[[], Any]] = {
        "read": lambda: stage_read(store, outcome=outcome),
        "brief": lambda: stage_briefs(store, outcome=outcome),
        "sync": lambda: stage_sync(store, cues, progress=progress),
        "themes": lambda: stage_themes(store, progress=progress),
        "plan": lambda: stage_plan(store),
        "draft": lambda: stage_draft(store, cues, palette=palette, seed=seed, progress=progress),
        "orchestrate": lambda: stage_draft(store, cues, palette=palette, seed=seed,
                                           progress=progress),
        "guard": lambda: stage_guard(store, cues),
        "render": lambda: stage_render(store, out_dir or store.root / "out", cues,
                                       progress=progress, settings=settings, render=render),
    }
    if stage not in steps:
        raise InputError(f"unknown stage {stage!r}; stages are {', '.join(steps)}", field="stage")
    return steps[stage]()


#: what ``score`` runs, in order (``orchestrate`` happens inside ``draft``)
SCORE_STAGES: tuple[str, ...] = ("read", "brief", "sync", "themes", "plan", "draft", "guard",
                                 "render")


def score_film(project: str | Path | ProjectStore, out_dir: str | Path, *,
               cues: list[str] | None = None, palette: str | None = None, seed: int = 0,
               progress: bool = True, settings: dict[str, Any] | None = None,
               render: str = "full", stages: list[str] | None = None) -> dict[str, Any]:
    """Run every stage (read → brief → sync → themes → plan → draft/orchestrate → guard →
    render) on ``cues`` (default: all) and return the manifest, also written to
    ``out_dir/manifest.json``; its ``timings_s`` gives each stage's wall time and, when the
    read or brief stage ran, ``stage_cache`` says whether each reused its previous result
    (``{"read": "reused", "brief": "reused"}``: screenplay, spotting list, cues, briefs,
    models and code unchanged) or computed it (``"computed"``).

    ``stages`` runs only those (in pipeline order) from the artefacts already saved: e.g.
    ``["guard", "render"]`` delivers the latest revisions without drafting new ones.
    Without ``render`` among them the result is ``{"timings_s": ...}`` only (with
    ``stage_cache`` when ``read`` or ``brief`` is among them).
    """
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    store = _store(project)
    checked = False
    if cues and store.load().cues:
        cues = [store.load().cue(c).id for c in cues]  # one-line error for an unknown id
        checked = True
    todo = list(SCORE_STAGES)
    if stages:
        unknown = [s for s in stages if s not in STAGES or s == "import"]
        if unknown:
            raise InputError(f"unknown stage {unknown[0]!r}; stages are "
                             f"{', '.join(SCORE_STAGES)}", field="stages")
        wanted = {"draft" if s == "orchestrate" else s for s in stages}
        todo = [s for s in SCORE_STAGES if s in wanted]
    timings: dict[str, float] = {}
    cache: dict[str, str] = {}
    result: Any = None
    bar = tqdm(todo, desc="score", unit="stage", disable=not progress)
    with logging_redirect_tqdm():  # log lines print above the bars, not through them
        for stage in bar:
            if cues and not checked and stage != "read":  # cues the read stage proposed
                cues = [store.load().cue(c).id for c in cues]
                checked = True
            bar.set_postfix_str(stage)
            t0 = time.perf_counter()
            log.info("stage %s", stage)
            outcome: dict[str, Any] = {}
            result = run_stage(store, stage, out_dir=out_dir, cues=cues, palette=palette,
                               seed=seed, progress=progress, settings=settings, render=render,
                               outcome=outcome)
            if "reused" in outcome:  # a stage that keeps its result said whether it reused it
                cache[stage] = "reused" if outcome["reused"] else "computed"
            if stage == "guard" and "draft" in todo:
                _redraft_copies(store, result, palette=palette, seed=seed)
            timings[stage] = round(time.perf_counter() - t0, 3)
    extra = {"stage_cache": cache} if cache else {}
    if "render" not in todo:
        return {"timings_s": timings} | extra
    manifest: dict[str, Any] = result
    manifest["timings_s"] = timings
    manifest.update(extra)
    from assistant.project import atomic_write_json

    atomic_write_json(Path(out_dir) / "manifest.json", manifest)
    return manifest


#: how many more drafts a cue gets when the guard calls its draft a copy
GUARD_RETRIES = 2


def _redraft_copies(store: ProjectStore, report: dict[str, Any], *, palette: str | None,
                    seed: int) -> None:
    """Draft again (new seeds, new revisions) every cue the guard called a copy, up to
    :data:`GUARD_RETRIES` times; the rejected revisions stay, as every revision does, and
    the guard report keeps the last verdict (a copy that survives is reported, never hidden)."""
    for attempt in range(1, GUARD_RETRIES + 1):
        copies = [c["cue"] for c in report["cues"] if c.get("verdict") == "copy"]
        if not copies:
            return
        log.warning("guard: %s read as copies; drafting again (attempt %d)", ", ".join(copies),
                    attempt + 1)
        stage_draft(store, copies, palette=palette, seed=seed + 1000 * attempt)
        report.update(stage_guard(store, copies))


def score_files(script: str | Path, out_dir: str | Path, *, spotting: str | Path | None = None,
                briefs: str | Path | None = None, temp: tuple[str | Path, ...] | list = (),
                fps: str | None = None, cues: list[str] | None = None,
                palette: str | None = None, seed: int = 0, progress: bool = True,
                settings: dict[str, Any] | None = None, render: str = "full") -> dict[str, Any]:
    """``score --script``: a project in ``out_dir/project`` made from the files, then scored.

    Run again with the same files, the project there is reused (its revisions are kept
    and each run adds new ones); a project made from other files is refused, never replaced.
    """
    root = Path(out_dir) / "project"
    store = ProjectStore(root)
    if store.exists():
        if not _same_inputs(store, script, spotting, briefs, temp):
            raise InputError("this folder already holds a project made from other files; "
                             "choose a new --out, or score that project with `score PROJECT`",
                             path=root)
    else:
        new_project(root, script, spotting=spotting, briefs=briefs, temp=temp, fps=fps)
    return score_film(store, out_dir, cues=cues, palette=palette, seed=seed, progress=progress,
                      settings=settings, render=render)


def _same_inputs(store: ProjectStore, script: str | Path, spotting: str | Path | None,
                 briefs: str | Path | None, temp: tuple[str | Path, ...] | list) -> bool:
    from assistant.paths import safe_filename
    from assistant.pipeline.inputs import BRIEFS_FILE, INPUTS, TEMP_DIR

    pairs = [(Path(script), store.root / INPUTS / safe_filename(Path(script).name))]
    if spotting:
        pairs.append((Path(spotting), store.root / INPUTS / safe_filename(Path(spotting).name)))
    if briefs:
        pairs.append((Path(briefs), store.root / INPUTS / BRIEFS_FILE))
    pairs += [(Path(t), store.root / TEMP_DIR / safe_filename(Path(t).name)) for t in temp]
    try:
        return all(b.is_file() and a.read_bytes() == b.read_bytes() for a, b in pairs)
    except OSError as exc:
        raise InputError(f"cannot read input: {exc.strerror}", path=exc.filename) from None
