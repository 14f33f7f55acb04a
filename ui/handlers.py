"""The studio's handlers: plain functions over a session's workspace.

Nothing here imports gradio. Each handler takes the session's state dict (kept by the
app in ``gr.State``; it holds only the session id) and plain values, and returns plain
values (dicts, lists, file paths, matplotlib figures). Bad input raises
:class:`assistant.errors.InputError`, which the app shows as a message.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.project import ProjectStore, Revision, atomic_write_json
from ui import adapter
from ui.reports import (  # noqa: F401  (CUE_TABLE_COLUMNS and cue_rows re-exported)
    CUE_TABLE_COLUMNS,
    _passage_text,
    cue_rows,
    dialogue_report,
    figures_of,
    sync_report,
)
from ui.workspace import Workspace, check_upload, copy_upload, workspace_from_state

log = logging.getLogger(__name__)

Progress = Callable[..., Any] | None



def example_dir() -> Path:
    """The bundled example film (``examples/`` beside the package in a source checkout)."""
    import assistant

    here = Path(assistant.__file__).resolve().parents[1] / "examples" / "the-keepers-light"
    if not here.is_dir():
        raise InputError("the example film is missing; run the studio from a source checkout",
                         path=here, field="example")
    return here


def _check_project(root: Path, zname: str) -> None:
    """Load an unpacked project whole (project.json, each cue's revisions); an error
    names the file as it is inside the zip."""
    store = ProjectStore(root)
    try:
        film = store.load()
        for cue in film.cues:
            store.revisions(cue.id)
    except InputError as exc:
        where = exc.path
        if where is not None:
            try:
                where = f"{zname}: {Path(where).resolve().relative_to(root.resolve()).as_posix()}"
            except ValueError:
                where = f"{zname}: {Path(where).name}"
        raise InputError(exc.message, path=where or zname, line=exc.line,
                         field=exc.field) from None


def _tick(progress: Progress, frac: float, desc: str) -> None:
    if progress is not None:
        progress(frac, desc=desc)


@dataclass
class Studio:
    """The studio's settings: where sessions live, and a shared project if one was given."""

    root: Path
    shared_project: Path | None = None
    seed: int = 0
    cache_dir: Path | None = None  # stage and analysis cache shared by sessions

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        self.cache = Path(self.cache_dir).resolve() if self.cache_dir else self.root / "cache"
        self.cache.mkdir(parents=True, exist_ok=True)

    # --- session ------------------------------------------------------------------------
    def workspace(self, state: dict | None) -> tuple[Workspace, dict]:
        return workspace_from_state(state, self.root, self.shared_project)

    def store(self, ws: Workspace) -> ProjectStore:
        store = ProjectStore(ws.project_dir)
        if not store.exists():
            raise InputError("no project open yet: open the example or create one on the "
                             "Project tab", field="project")
        return store

    # --- project ------------------------------------------------------------------------
    def new_project(self, state: dict | None, script: str | None, spotting: str | None = None,
                    briefs: str | None = None, temps: list[str] | None = None,
                    video: str | None = None, fps: str | None = None,
                    start_tc: str | None = None) -> tuple[dict, dict[str, Any]]:
        """Create this session's project from uploaded files; returns (state, summary)."""
        ws, state = self.workspace(state)
        if not script and not spotting:
            raise InputError("upload a screenplay (.fountain or .fdx), a spotting list, or both",
                             field="screenplay")
        # check every upload before touching the working copy

        for path, kind in ((script, "screenplay"), (spotting, "spotting"), (briefs, "briefs"),
                           (video, "video"), *((t, "temp") for t in temps or [])):
            if path:
                check_upload(path, kind)
        dest = ws.reset_project()
        inputs = ws.folder / "uploads"
        shutil.rmtree(inputs, ignore_errors=True)
        s = copy_upload(script, "screenplay", inputs) if script else None
        sp = copy_upload(spotting, "spotting", inputs) if spotting else None
        b = copy_upload(briefs, "briefs", inputs) if briefs else None
        t = [copy_upload(x, "temp", inputs / "temp") for x in temps or []]
        if video:
            copy_upload(video, "video", dest / "video")
        adapter.create_project(dest, script=s, spotting=sp, briefs=b, temp=t,
                               fps=(fps or "").strip() or None,
                               start_tc=(start_tc or "").strip() or None)
        return state, self.summary(ws)

    def open_example(self, state: dict | None) -> tuple[dict, dict[str, Any]]:
        """Open the bundled example film as this session's own working copy."""
        ws, state = self.workspace(state)
        ex = example_dir()
        dest = ws.reset_project()
        adapter.create_project(dest, script=ex / "screenplay.fountain",
                               spotting=ex / "spotting.txt", briefs=ex / "brief.txt",
                               temp=sorted((ex / "temp").glob("*.mid")))
        return state, self.summary(ws)

    def open_project(self, state: dict | None, upload: str | None
                     ) -> tuple[dict, dict[str, Any]]:
        """Open a project zip (a zipped project folder, or :meth:`download_project`'s) as
        this session's working copy. The zip is unpacked beside the working copy and
        checked whole (project.json, every revision.json) before it replaces it; the old
        copy is kept. A damaged project names the file inside the zip and the field."""
        from ui.workspace import extract_project

        ws, state = self.workspace(state)
        if not upload:
            raise InputError("upload a project zip (a zipped project folder, or one "
                             "downloaded from the studio)", field="project")
        if ws.shared_project is not None:
            ws.reset_project()  # refuses, naming the shared project
        tmp = ws.folder / f".open-{secrets.token_hex(4)}"
        zname = Path(upload).name
        try:
            extract_project(upload, tmp)
            _check_project(tmp, zname)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        ws.reset_project(replacement=tmp)
        return state, self.summary(ws)

    def download_project(self, state: dict | None) -> tuple[dict, str, str]:
        """This session's project (inputs, stages, themes, every revision) as a zip that
        :meth:`open_project` opens again."""
        from ui.workspace import zip_project

        ws, state = self.workspace(state)
        film = self.store(ws).load()
        name = f"{adapter.safe_filename(film.title or 'film')}.project.zip"
        out = zip_project(ws.project_dir, ws.out_dir / "project" / name)
        n = sum(len(self.store(ws).revisions(c.id)) for c in film.cues)
        return state, str(out), f"{name}: the project with {n} revision(s); open it again " \
                                "with Open project"

    # --- the rough cut ------------------------------------------------------------------
    def attach_video(self, state: dict | None, video: str | None) -> tuple[dict, str | None]:
        """Add (or replace) the project's rough cut; returns (state, the stored video)."""
        ws, state = self.workspace(state)
        self.store(ws)
        if not video:
            raise InputError("upload the rough cut (.mp4, .mov, .webm, .m4v)", field="video")
        check_upload(video, "video")
        folder = ws.project_dir / "video"
        for old in folder.glob("*") if folder.is_dir() else []:
            if old.is_file():
                old.unlink()
        return state, str(copy_upload(video, "video", folder))

    def video(self, ws: Workspace) -> Path | None:
        """The project's rough cut, if it has one (the newest file under ``video/``)."""
        folder = ws.project_dir / "video"
        vids = [p for p in folder.glob("*") if p.is_file() and not p.name.startswith(".")] \
            if folder.is_dir() else []
        return max(vids, key=lambda p: p.stat().st_mtime) if vids else None

    def picture(self, state: dict | None, cue_id: str, number: int | None = None
                ) -> tuple[dict, str]:
        """The cue's picture from the rough cut with a revision's draft as its sound, at
        the cue's own place in the film (the render stage's review mux), cached."""
        ws, state = self.workspace(state)
        video = self.video(ws)
        if video is None:
            raise InputError("this project has no rough cut: upload one on the Project tab",
                             field="video")
        film = self.store(ws).load()
        cue = film.cue(cue_id)
        length = adapter.video_seconds(video)
        if length is not None and length < cue.start_s + 0.5:
            raise InputError(f"the rough cut plays {length:.1f} s, but {cue.id} starts "
                             f"{cue.start_s:.1f} s into the film ({cue.start_tc}); upload the "
                             f"cut of the whole film, starting at {film.start_tc}",
                             path=video.name, field="video")
        info = self.listen(ws, cue_id, number)
        out = ws.render_dir(cue.id, info["revision"]) / "picture.mp4"
        if not out.is_file():
            adapter.mux_picture(video, Path(info["wav"]), out, start_s=cue.start_s,
                                duration_s=cue.duration_s)
        return state, str(out)

    def summary(self, ws: Workspace) -> dict[str, Any]:
        film = self.store(ws).load()
        return {
            "title": film.title, "fps": film.fps, "drop_frame": film.drop_frame,
            "start_tc": film.start_tc, "scenes": len(film.scenes),
            "characters": [c.name for c in film.characters][:12],
            "cues": [c.id for c in film.cues],
            "temp_tracks": sorted(p.name for p in (ws.project_dir / "temp").glob("*")
                                  if p.is_file()),
            "rough_cut": (lambda v: v.name if v else None)(self.video(ws)),
        }

    # --- read ---------------------------------------------------------------------------
    def spot(self, state: dict | None, progress: Progress = None
             ) -> tuple[dict, list[list[Any]], Any, str]:
        """Read the film: (state, cue table rows, emotional-curve figure, questions)."""
        from ui.figures import emotional_curve

        ws, state = self.workspace(state)
        store = self.store(ws)
        _tick(progress, 0.1, "reading the screenplay")
        analysis = adapter.read_film(store, self.cache)
        _tick(progress, 0.9, "drawing the emotional curve")
        film = store.load()
        rows, questions = cue_rows(film, analysis)
        fig = emotional_curve(analysis, [{"id": c.id, "start_s": c.start_s, "end_s": c.end_s,
                                          "function": c.function} for c in film.cues])
        return state, rows, fig, questions

    def apply_table(self, state: dict | None, rows: list[list[Any]]) -> tuple[dict, str]:
        """Accept or override each cue's function from the edited table."""
        from assistant.project import CUE_FUNCTIONS

        ws, state = self.workspace(state)
        store = self.store(ws)
        changed = []
        with store.edit() as film:
            for i, row in enumerate(rows or []):
                cue_id, fn, confirm = str(row[0]), str(row[4] or "").strip(), row[-1]
                cue = film.cue(cue_id)
                if fn and fn not in CUE_FUNCTIONS:
                    raise InputError(f"row {i + 1} ({cue_id}): {fn!r} is not a cue function; "
                                     f"use one of {', '.join(CUE_FUNCTIONS)}", field="function")
                if fn and fn != (cue.function or ""):
                    cue.function, cue.function_from = fn, "user"
                    changed.append(f"{cue_id} → {fn}")
                elif confirm in (True, "true", "yes", "✓") and cue.function_from == "proposed":
                    cue.function_from = "user"
                    changed.append(f"{cue_id} confirmed")
                else:
                    continue
                if cue.status == "proposed":
                    cue.status = "spotted"
        if changed:
            adapter.invalidate(store, "plan")  # the plan follows the cue functions
        return state, ("Saved: " + ", ".join(changed)) if changed else "Nothing changed."

    # --- brief --------------------------------------------------------------------------
    def brief(self, state: dict | None, cue_id: str | None, text: str) -> tuple[dict, dict]:
        """Plain text → musical parameters; stored as the cue's brief when a cue is given."""
        from assistant.analysis.brief import parse_brief

        ws, state = self.workspace(state)
        if not (text or "").strip():
            raise InputError("type a brief, e.g. 'slow and tender, solo cello, no drums'",
                             field="brief")
        params = parse_brief(text).to_dict()
        if cue_id:
            store = self.store(ws)
            with store.edit() as film:
                film.cue(cue_id).brief = text.strip()
            adapter.invalidate(store, "brief")
        return state, params

    # --- cues and revisions -------------------------------------------------------------
    def draft(self, state: dict | None, cue_id: str, brief: str | None = None,
              palette: str | None = None, seed: int | None = None,
              progress: Progress = None) -> tuple[dict, dict[str, Any]]:
        """Draft a new revision of a cue and render it; returns (state, cue view)."""
        ws, state = self.workspace(state)
        store = self.store(ws)
        if not cue_id:
            raise InputError("choose a cue first", field="cue")
        film = store.load()
        cue = film.cue(cue_id)
        text = (brief or "").strip() or cue.brief or None
        n_prev = len(store.revisions(cue.id))
        _tick(progress, 0.02, "preparing the film (first draft only)")
        adapter.prepare(store, self.cache, progress=progress)
        _tick(progress, 0.6, f"drafting {cue.id}")
        t0 = time.perf_counter()
        rev = adapter.draft(store, cue.id, brief=text, palette=palette or None,
                            seed=int(seed if seed is not None else self.seed + n_prev))
        timings = {"draft_orchestrate_s": time.perf_counter() - t0}
        _tick(progress, 0.8, "rendering the audio")
        return state, self.listen(ws, cue.id, rev.number, timings=timings)

    def palette_spec(self, ws: Workspace, name: str | None) -> str | None:
        """What the drafting stage takes for a palette: a built-in name, or the path of the
        project's own ``palettes/<name>.json``."""
        if not name:
            return None
        own = ws.project_dir / "palettes" / f"{adapter.safe_filename(name)}.json"
        return str(own) if own.is_file() else name

    def revise(self, state: dict | None, cue_id: str, notes: str, progress: Progress = None,
               palette: str | None = None) -> tuple[dict, dict[str, Any]]:
        """Revise the latest revision with notes ("darker, less busy, no piano"), in the
        palette chosen, else the one the latest revision was drafted for."""
        ws, state = self.workspace(state)
        store = self.store(ws)
        if not (notes or "").strip():
            raise InputError("write the revision notes, e.g. 'darker, less busy, no piano'",
                             field="notes")
        cue = store.load().cue(cue_id)
        n_prev = len(store.revisions(cue.id))
        adapter.prepare(store, self.cache, progress=progress)
        _tick(progress, 0.6, f"revising {cue.id}")
        t0 = time.perf_counter()
        adapter.parse_notes(store, cue.id, notes.strip())  # refuses nonsense before drafting
        t1 = time.perf_counter()
        revs = store.revisions(cue.id)
        palette = palette or (revs[-1].params.get("palette") if revs else None)
        rev = adapter.revise(store, cue.id, notes.strip(), palette=self.palette_spec(ws, palette),
                             seed=self.seed + n_prev + 1)
        timings = {"parse_s": t1 - t0, "draft_orchestrate_s": time.perf_counter() - t1}
        _tick(progress, 0.8, "rendering the audio")
        return state, self.listen(ws, cue.id, rev.number, timings=timings)

    def restore(self, state: dict | None, cue_id: str, number: int
                ) -> tuple[dict, dict[str, Any]]:
        """Make revision ``number`` current again as a NEW revision (nothing is lost)."""
        ws, state = self.workspace(state)
        store = self.store(ws)
        cue = store.load().cue(cue_id)
        old = self._revision(store, cue.id, number)
        src = store.revision_dir(cue.id, old.number)
        rev, folder = store.new_revision(
            cue.id, brief=old.brief, seed=old.seed, params=dict(old.params), parent=old.number,
            message=f"restored revision {old.number}")
        for rel in old.artefacts:
            p = adapter.resolve_inside(src, rel, field="artefacts")
            target = adapter.resolve_inside(folder, rel, field="artefacts")
            if p.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(p, target)
        rev.artefacts, rev.guard = list(old.artefacts), dict(old.guard)
        store.save_revision(rev)
        return state, self.listen(ws, cue.id, rev.number)

    def history(self, state: dict | None, cue_id: str) -> tuple[dict, list[list[Any]]]:
        ws, state = self.workspace(state)
        store = self.store(ws)
        cue = store.load().cue(cue_id)
        rows = [[r.number, r.created, r.brief, r.message, adapter.guard_verdict(r) or "—",
                 r.parent if r.parent is not None else ""] for r in store.revisions(cue.id)]
        return state, rows

    def _revision(self, store: ProjectStore, cue_id: str, number: int | None) -> Revision:
        revs = store.revisions(cue_id)
        if not revs:
            raise InputError(f"{cue_id} has no revision yet: draft it first", field="revision")
        if number in (None, "", 0):
            return revs[-1]
        for r in revs:
            if r.number == int(number):
                return r
        raise InputError(f"{cue_id} has no revision {number}; it has "
                         f"{', '.join(str(r.number) for r in revs)}", field="revision")

    def listen(self, ws: Workspace, cue_id: str, number: int | None = None,
               timings: dict[str, float] | None = None) -> dict[str, Any]:
        """A revision's playable audio and what it is: the first thing a director needs.

        Revisions never change, so renders are cached in the session's own output folder
        by cue and revision number.
        """
        import json

        store = self.store(ws)
        cue = store.load().cue(cue_id)
        rev = self._revision(store, cue.id, number)
        out = ws.render_dir(cue.id, rev.number)
        meta_p = out / "listen.json"
        if meta_p.is_file():
            return json.loads(meta_p.read_text("utf-8"))
        midi = adapter.revision_midi(store, rev)
        out.mkdir(parents=True, exist_ok=True)
        timings = dict(timings or {})
        t0 = time.perf_counter()
        shutil.copyfile(midi, out / "cue.mid")
        wav = adapter.render_audio(midi, out / "cue.wav")
        timings["render_audio_s"] = time.perf_counter() - t0
        info = {
            "cue": cue.id, "title": cue.title, "revision": rev.number, "brief": rev.brief,
            "message": rev.message, "created": rev.created, "params": rev.params,
            "midi": str(out / "cue.mid"), "wav": str(wav),
            "timings": {k: round(v, 3) for k, v in timings.items()},
        }
        atomic_write_json(meta_p, info)
        return info

    def view(self, ws: Workspace, cue_id: str, number: int | None = None,
             timings: dict[str, float] | None = None) -> dict[str, Any]:
        """Everything the Cues tab shows for one revision (audio, notation, piano roll,
        sync, dialogue and guard reports), rendered once and cached."""
        import json

        from assistant.music.score import Score
        from ui.figures import piano_roll, save_png

        info = self.listen(ws, cue_id, number, timings)
        store = self.store(ws)
        film = store.load()
        cue = film.cue(cue_id)
        rev = self._revision(store, cue.id, info["revision"])
        out = ws.render_dir(cue.id, rev.number)
        meta_p = out / "view.json"
        if meta_p.is_file():
            return json.loads(meta_p.read_text("utf-8"))
        midi = Path(info["midi"])
        timings = dict(info["timings"])
        t1 = time.perf_counter()
        xml, svgs = adapter.render_notation(midi, out, title=f"{cue.id} {cue.title}".strip(),
                                            cue_id=cue.id, start_tc=cue.start_tc)
        timings["render_notation_s"] = time.perf_counter() - t1
        svg_paths = []
        for i, svg in enumerate(svgs[:8]):
            p = out / f"page-{i + 1}.svg"
            p.write_text(svg, encoding="utf-8")
            svg_paths.append(str(p))
        score = Score.from_midi(midi)
        sync = sync_report(film, cue, score, rev)
        t0 = time.perf_counter()
        report = adapter.cue_report(store, cue.id, score, rev)
        t1 = time.perf_counter()
        guard = adapter.guard_check(store, midi)
        timings["guard_s"] = time.perf_counter() - t1
        timings["reports_s"] = t1 - t0
        if adapter.guard_verdict(rev) == "copy":  # the drafting guard's own record wins
            guard = guard | {"verdict": "copy", "note": "the drafting guard called it a copy"}
        t0 = time.perf_counter()
        roll = save_png(piano_roll(score, [h["beat_position"] for h in sync],
                                   f"{cue.id} revision {rev.number}"), out / "piano-roll.png")
        timings["piano_roll_s"] = time.perf_counter() - t0
        view = info | {
            "guard": guard["verdict"], "guard_check": guard, "guard_record": rev.guard,
            "musicxml": str(xml), "svg": svg_paths, "piano_roll": str(roll), "sync": sync,
            "dialogue": dialogue_report(cue, score, rev, report), "report": report,
            "figures": figures_of(score),
            "timings": {k: round(v, 3) for k, v in timings.items()},
        }
        atomic_write_json(meta_p, view)
        return view

    def render(self, state: dict | None, cue_id: str, number: int | None = None
               ) -> tuple[dict, dict[str, Any]]:
        ws, state = self.workspace(state)
        return state, self.view(ws, cue_id, number)

    def ab(self, state: dict | None, cue_id: str, a: int, b: int
           ) -> tuple[dict, dict[str, Any], dict[str, Any], list[list[Any]]]:
        """Two revisions side by side: both views and a table of their briefs and figures."""
        ws, state = self.workspace(state)
        va, vb = self.view(ws, cue_id, a), self.view(ws, cue_id, b)
        rows = [["brief", va["brief"], vb["brief"]], ["guard", va["guard"], vb["guard"]]]
        for k in va["figures"]:
            rows.append([k, va["figures"][k], vb["figures"].get(k)])
        rows.append(["hits within tolerance",
                     sum(h["within_tolerance"] for h in va["sync"]),
                     sum(h["within_tolerance"] for h in vb["sync"])])
        return state, va, vb, rows

    # --- temp love ----------------------------------------------------------------------
    def temp_love(self, state: dict | None, temp: str | None
                  ) -> tuple[dict, list[list[Any]], list[dict[str, Any]], Any]:
        """Every drafted cue's latest revision against the temp track the director loves:
        (state, closeness rows, details, the closest passage side by side or None)."""
        ws, state = self.workspace(state)
        store = self.store(ws)
        if temp:
            copy_upload(temp, "temp", ws.project_dir / "temp")
        temps = sorted(p for p in (ws.project_dir / "temp").glob("*") if p.is_file())
        if not temps:
            raise InputError("upload the temp track the director has fallen for (MIDI or "
                             "MusicXML)", field="temp")
        film = store.load()
        rows: list[list[Any]] = []
        details: list[dict[str, Any]] = []
        for cue in film.cues:
            revs = store.revisions(cue.id)
            if not revs:
                continue
            midi = adapter.revision_midi(store, revs[-1])
            for t in temps:
                try:
                    r = adapter.compare_to_temp(midi, t)
                except InputError as exc:
                    if "no melodic line" not in exc.message:
                        raise
                    rows.append([cue.id, revs[-1].number, t.name, None, "no melody",
                                 "the draft has no melodic line of four notes to compare"])
                    continue
                best = (r.get("passages") or [None])[0]
                rows.append([cue.id, revs[-1].number, t.name, round(r["score"], 3), r["verdict"],
                             _passage_text(best)])
                details.append({"cue": cue.id, "revision": revs[-1].number, "temp": t.name,
                                **r})
        if not rows:
            raise InputError("no cue has been drafted yet: draft one on the Cues tab",
                             field="cue")
        fig = None
        best = max((d for d in details if d.get("passages")), key=lambda d: d["score"],
                   default=None)
        if best is not None:
            from ui.figures import passages_side_by_side

            fig = passages_side_by_side(best["passages"][0],
                                        f"{best['cue']} rev {best['revision']}", best["temp"])
        return state, rows, details, fig

    # --- export -------------------------------------------------------------------------
    def export(self, state: dict | None, progress: Progress = None, full: bool = True
               ) -> tuple[dict, str, str]:
        """A zip of the deliverables of every drafted cue's latest revision: with ``full``
        the pipeline's render stage (score and parts, WAV and stems, click, streamers, cue
        sheet, reel, manifest), else the studio's own renders (MIDI, WAV, MusicXML, SVG).

        Refuses, naming the cue, when the guard calls a cue's music a copy.
        """
        from assistant.render.cuesheet import cue_list_text, cue_sheet_csv

        ws, state = self.workspace(state)
        store = self.store(ws)
        film = store.load()
        drafted = [(c, store.revisions(c.id)) for c in film.cues]
        drafted = [(c, revs[-1]) for c, revs in drafted if revs]
        if not drafted:
            raise InputError("nothing to export yet: draft at least one cue", field="export")
        copies = []
        for i, (c, r) in enumerate(drafted):
            _tick(progress, 0.5 * i / len(drafted), f"guard: {c.id}")
            g = self.view(ws, c.id, r.number)["guard_check"]
            if g["verdict"] == "copy":
                m = g.get("temp") if (g.get("temp") or {}).get("verdict") == "copy" \
                    else g.get("corpus") or {}
                copies.append(f"{c.id} (revision {r.number}: {m.get('title') or m.get('reference', '')} "
                              f"{float(m.get('score', g['score'])):.2f})")
        if copies:
            raise InputError("the guard calls " + ", ".join(copies) + " a copy of the temp "
                             "track or a known piece; revise it before exporting",
                             field="export")
        zpath = ws.out_dir / "export" / f"{adapter.safe_filename(film.title or 'film')}.zip"
        zpath.parent.mkdir(parents=True, exist_ok=True)
        tmp = zpath.with_suffix(".zip.tmp")
        if full:
            _tick(progress, 0.5, "rendering the deliverables")
            folder = adapter.deliverables(store, [c.id for c, _ in drafted],
                                          ws.out_dir / "export" / "deliverables")
            if folder is not None:
                with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
                    for f in sorted(folder.rglob("*")):
                        if f.is_file():
                            z.write(f, f.relative_to(folder).as_posix())
                tmp.replace(zpath)
                return state, str(zpath), (f"Exported the deliverables of {len(drafted)} "
                                           f"cue(s) to {zpath.name}")
        manifest: dict[str, Any] = {"film": {"title": film.title, "fps": film.fps,
                                             "start_tc": film.start_tc}, "cues": []}
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for i, (cue, rev) in enumerate(drafted):
                _tick(progress, 0.5 + 0.5 * i / len(drafted), f"packing {cue.id}")
                v = self.view(ws, cue.id, rev.number)
                stem = adapter.safe_filename(cue.id)
                files = {}
                for kind, src in (("midi", v["midi"]), ("wav", v["wav"]),
                                  ("musicxml", v["musicxml"])):
                    arc = f"cues/{stem}/{stem}{Path(src).suffix}"
                    z.write(src, arc)
                    files[kind] = arc
                for j, svg in enumerate(v["svg"]):
                    z.write(svg, f"cues/{stem}/{stem}-page{j + 1}.svg")
                manifest["cues"].append({"id": cue.id, "title": cue.title,
                                         "start_tc": cue.start_tc, "end_tc": cue.end_tc,
                                         "revision": rev.number, "brief": rev.brief,
                                         "files": files, "report": {"hits": v["sync"],
                                                                    "dialogue": v["dialogue"],
                                                                    "guard": v["guard"]}})
            z.writestr("cue_sheet.csv", cue_sheet_csv(film))
            z.writestr("cue_list.txt", cue_list_text(film))
            z.writestr("project.json", store.path.read_text("utf-8"))
            import json

            z.writestr("manifest.json", json.dumps(manifest, indent=2))
        tmp.replace(zpath)
        return state, str(zpath), f"Exported {len(drafted)} cue(s) to {zpath.name}"
