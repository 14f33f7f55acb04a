"""The studio: one ``gr.Blocks`` over the plain handlers in :mod:`ui.handlers`.

Every component has a ``label`` and every event an ``api_name`` (the named endpoints of
the contract: ``new_project``, ``open_example``, ``spot``, ``brief``, ``themes``,
``draft``, ``revise``, ``restore``, ``render``, ``export``, and more: ``open_project``,
``download_project``, ``attach_video``, ``picture``), so the studio
can be driven by ``gradio_client`` and found by browser tests. Model work (drafting,
revising, rendering, exporting) runs through one queue with a bounded size and a small
concurrency limit, shows progress, and can be cancelled. Errors reach the user as
``gr.Error`` messages that say what to fix, never as tracebacks.
"""

from __future__ import annotations

import html
import logging
import os
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.errors import InputError
from ui.handlers import CUE_TABLE_COLUMNS, Studio
from ui.workspace import MAX_UPLOAD_BYTES, file_types, prune_sessions

log = logging.getLogger(__name__)

MODEL_CONCURRENCY = 2  # drafts at once; the rest wait in the queue (bounded memory)
QUEUE_MAX = 32  # requests waiting beyond this are refused with "queue full"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
AUTH_ENV = "SCORING_ASSISTANT_AUTH"
FPS_CHOICES = ["23.976", "24", "25", "29.97", "29.97df", "30", "48", "50", "59.94", "60"]
SYNC_COLUMNS = ["hit", "label", "tc", "time_s", "bar", "beat", "frames_off",
                "tolerance_frames", "within_tolerance", "landing", "important"]
HISTORY_COLUMNS = ["revision", "created", "brief", "message", "guard", "from"]
TEMP_COLUMNS = ["cue", "revision", "temp", "score", "verdict", "closest passage"]


def _fail(exc: BaseException, what: str) -> gr.Error:
    """The one message a user sees: InputError text as is, anything else named briefly."""
    if isinstance(exc, gr.Error):
        return exc
    if isinstance(exc, InputError):
        return gr.Error(str(exc), title=f"Cannot {what}")
    log.exception("studio: %s failed", what)
    return gr.Error(f"{what} failed: {type(exc).__name__}: {exc}. The studio log has the "
                    "details.", title=f"Cannot {what}")


def _svg_html(paths: list[str]) -> str:
    if not paths:
        return "<p>No notation.</p>"
    pages = "".join(f'<div class="notation-page">{Path(p).read_text("utf-8")}</div>'
                    for p in paths)
    return f'<div class="notation" aria-label="notation">{pages}</div>'


def _cue_md(v: dict[str, Any]) -> str:
    gc = v.get("guard_check") or {}
    g = v.get("guard") or "checking against the temp tracks and the corpus…"
    for side in ("temp", "corpus"):
        m = gc.get(side)
        if m:
            g += f"; closest {side}: {m.get('title') or m.get('reference')} ({m['score']:.2f})"
    if gc.get("note"):
        g += f" ({gc['note']})"
    return (f"**{html.escape(v['cue'])} {html.escape(v.get('title') or '')}**, revision "
            f"{v['revision']} ({v['created']}): {html.escape(v.get('message') or '')}\n\n"
            f"Brief: {html.escape(v.get('brief') or '(none)')}\n\nGuard: {g}")


def _sync_rows(v: dict[str, Any]) -> list[list[Any]]:
    return [[h[k] for k in SYNC_COLUMNS] for h in v["sync"]]


def build_app(root: str | Path = "out/studio", project: str | Path | None = None,
              seed: int = 0, cache_dir: str | Path | None = None) -> gr.Blocks:
    """The studio app. Sessions live under ``root``; ``project`` is opened by every session
    (shared) when given, otherwise each session works on its own copy."""
    studio = Studio(Path(root), Path(project) if project else None, seed=seed,
                    cache_dir=Path(cache_dir) if cache_dir else None)
    prune_sessions(studio.root)

    # ---- thin wrappers: state in, state out, errors as messages -----------------------
    def cue_choices(state: dict | None) -> gr.Dropdown:
        ws, _ = studio.workspace(state)
        try:
            ids = studio.summary(ws)["cues"]
        except InputError:
            ids = []
        return gr.Dropdown(choices=ids, value=ids[0] if ids else None)

    def do_open_example(state):
        try:
            state, summary = studio.open_example(state)
        except Exception as exc:  # noqa: BLE001 - every failure becomes one message
            raise _fail(exc, "open the example") from None
        return state, summary, cue_choices(state)

    def do_new_project(state, script, spotting, briefs, temps, video, fps, start_tc):
        try:
            state, summary = studio.new_project(state, script, spotting, briefs, temps or [],
                                                video, fps, start_tc)
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "create the project") from None
        return state, summary, cue_choices(state), rough_cut(state)

    def do_open_project(state, upload):
        try:
            state, summary = studio.open_project(state, upload)
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "open the project") from None
        return state, summary, cue_choices(state), rough_cut(state)

    def do_download_project(state):
        try:
            return studio.download_project(state)
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "download the project") from None

    def rough_cut(state: dict | None) -> str | None:
        ws, _ = studio.workspace(state)
        v = studio.video(ws)
        return str(v) if v is not None else None

    def do_attach_video(state, video):
        try:
            state, path = studio.attach_video(state, video)
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "add the rough cut") from None
        ws, _ = studio.workspace(state)
        return state, studio.summary(ws), path

    def do_picture(state, cue_id, number, progress=gr.Progress(track_tqdm=True)):
        try:
            return studio.picture(state, cue_id, int(number) if number else None)
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "put the draft to picture") from None

    def do_spot(state, progress=gr.Progress(track_tqdm=True)):
        try:
            return studio.spot(state, progress)
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "read the film") from None

    def do_apply_table(state, rows):
        try:
            values = rows.values.tolist() if hasattr(rows, "values") else rows
            return studio.apply_table(state, values)
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "save the functions") from None

    def do_brief(state, cue_id, text):
        try:
            return studio.brief(state, cue_id, text)
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "read the brief") from None

    def show(view: dict[str, Any]) -> tuple:
        """Phase one: the audio (what a director waits for) and what the revision is."""
        return view["wav"], _cue_md(view), view["revision"]

    def do_details(state, cue_id, number, progress=gr.Progress(track_tqdm=True)):
        """Phase two: notation, piano roll, sync, dialogue and guard reports."""
        try:
            state, v = studio.render(state, cue_id, int(number) if number else None)
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "render the notation and reports") from None
        return (state, _svg_html(v["svg"]), v["piano_roll"], _sync_rows(v), v["dialogue"],
                _cue_md(v))

    def do_draft(state, cue_id, brief, palette, seed_value,
                 progress=gr.Progress(track_tqdm=True)):
        try:
            from ui.themes_handlers import palette_spec

            state, view = studio.draft(state, cue_id, brief,
                                       palette_spec(studio, state, palette),
                                       None if seed_value in (None, "") else int(seed_value),
                                       progress)
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "draft the cue") from None
        return (state, *show(view))

    def do_revise(state, cue_id, notes, palette, progress=gr.Progress(track_tqdm=True)):
        try:
            state, view = studio.revise(state, cue_id, notes, progress, palette or None)
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "revise the cue") from None
        return (state, *show(view))

    def do_render(state, cue_id, number, progress=gr.Progress(track_tqdm=True)):
        try:
            state, view = studio.render(state, cue_id, int(number) if number else None)
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "render the revision") from None
        return (state, view["wav"], _svg_html(view["svg"]), view["piano_roll"],
                _sync_rows(view), view["dialogue"], _cue_md(view), view["revision"])

    def do_restore(state, cue_id, number):
        try:
            if not number:
                raise InputError("give the number of the revision to restore", field="revision")
            state, view = studio.restore(state, cue_id, int(number))
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "restore the revision") from None
        return (state, *show(view))

    def do_history(state, cue_id):
        try:
            return studio.history(state, cue_id)
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "list the revisions") from None

    def do_ab(state, cue_id, a, b, progress=gr.Progress(track_tqdm=True)):
        try:
            if not a or not b:
                raise InputError("give two revision numbers to compare", field="revision")
            state, va, vb, rows = studio.ab(state, cue_id, int(a), int(b))
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "compare the revisions") from None
        return state, va["wav"], vb["wav"], _svg_html(va["svg"][:1]), _svg_html(vb["svg"][:1]), rows

    def do_temp(state, temp):
        try:
            return studio.temp_love(state, temp)
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "compare with the temp track") from None

    def do_export(state, full, progress=gr.Progress(track_tqdm=True)):
        try:
            return studio.export(state, progress, full=bool(full))
        except Exception as exc:  # noqa: BLE001
            raise _fail(exc, "export") from None

    model = {"concurrency_id": "model", "concurrency_limit": MODEL_CONCURRENCY}

    with gr.Blocks(title="Scoring Assistant studio", delete_cache=(3600, 86400),
                   analytics_enabled=False) as demo:
        state = gr.State(None)
        gr.Markdown("# Scoring Assistant studio\nOpen the example film or create a project, "
                    "read it, brief a cue, draft, revise and export.")
        cue = gr.Dropdown(label="Cue", choices=[], interactive=True, allow_custom_value=True,
                          elem_id="cue")

        with gr.Tab("Project", id="project"):
            with gr.Row():
                script = gr.File(label="Screenplay (.fountain, .fdx)",
                                 file_types=file_types("screenplay"), elem_id="up-script")
                spotting = gr.File(label="Spotting list (.csv, .txt, .edl)",
                                   file_types=file_types("spotting"), elem_id="up-spotting")
                briefs = gr.File(label="Briefs (CUE: text per line)",
                                 file_types=file_types("briefs"), elem_id="up-briefs")
            with gr.Row():
                temps = gr.File(label="Temp tracks (MIDI, MusicXML)", file_count="multiple",
                                file_types=file_types("temp"), elem_id="up-temp")
                video = gr.File(label="Rough cut (optional video)",
                                file_types=file_types("video"), elem_id="up-video")
            with gr.Row():
                fps = gr.Dropdown(label="Frame rate (empty: the spotting list's)", choices=FPS_CHOICES, value=None,
                                  allow_custom_value=True, elem_id="fps")
                start_tc = gr.Textbox(label="Start timecode (empty: the spotting list's)",
                                      placeholder="01:00:00:00",
                                      elem_id="start-tc")
            with gr.Row():
                b_example = gr.Button("Open the example film", variant="primary",
                                      elem_id="open-example")
                b_new = gr.Button("Create project from uploads", elem_id="new-project")
                b_attach = gr.Button("Add the rough cut to this project", elem_id="attach-video")
            with gr.Row():
                project_zip = gr.File(label="Project zip (a zipped project folder, or one "
                                      "downloaded here)", file_types=file_types("project"),
                                      elem_id="up-project")
                with gr.Column():
                    b_open = gr.Button("Open project", elem_id="open-project")
                    b_download = gr.Button("Download project", elem_id="download-project")
                project_file = gr.File(label="Project download", interactive=False,
                                       elem_id="project-file")
            project_msg = gr.Markdown(label="Project download", elem_id="project-msg")
            summary = gr.JSON(label="Project", elem_id="project-summary")
            rough = gr.Video(label="Rough cut", interactive=False, height=360, elem_id="rough-cut")

        with gr.Tab("Read", id="read"):
            b_spot = gr.Button("Read the film", variant="primary", elem_id="spot")
            questions = gr.Markdown(label="Questions", elem_id="questions")
            table = gr.Dataframe(label="Cues (edit the function, tick confirm)",
                                 headers=CUE_TABLE_COLUMNS, interactive=True, wrap=True,
                                 elem_id="cue-table")
            b_apply = gr.Button("Save functions", elem_id="apply-functions")
            applied = gr.Markdown(label="Saved", elem_id="applied")
            curve = gr.Plot(label="Emotional curve", elem_id="curve")

        with gr.Tab("Brief", id="brief"):
            brief_text = gr.Textbox(label="Brief for the cue", lines=3, elem_id="brief-text",
                                    placeholder="slow and tender, solo cello, no drums")
            b_brief = gr.Button("Read the brief", variant="primary", elem_id="read-brief")
            brief_params = gr.JSON(label="Musical parameters", elem_id="brief-params")

        with gr.Tab("Cues", id="cues"):
            with gr.Row():
                draft_brief = gr.Textbox(label="Brief (empty: the cue's own)", lines=2,
                                         elem_id="draft-brief", scale=4)
                palette = gr.Dropdown(label="Palette", choices=_palettes(), value=None,
                                      allow_custom_value=True, elem_id="palette", scale=1)
                seed_box = gr.Number(label="Seed", value=None, precision=0, elem_id="seed",
                                     scale=1)
            with gr.Row():
                b_draft = gr.Button("Draft", variant="primary", elem_id="draft")
                b_cancel = gr.Button("Cancel", variant="stop", elem_id="cancel")
                rev_number = gr.Number(label="Revision", precision=0, elem_id="revision")
                b_render = gr.Button("Show this revision", elem_id="render")
            cue_info = gr.Markdown(label="Revision", elem_id="cue-info")
            audio = gr.Audio(label="Audio", type="filepath", interactive=False, elem_id="audio")
            with gr.Accordion("To picture (the rough cut at this cue, with this revision)",
                              open=False):
                b_picture = gr.Button("Play this revision to picture", elem_id="picture")
                picture = gr.Video(label="Draft to picture", interactive=False, height=360,
                                   elem_id="picture-video")
            notation = gr.HTML(label="Notation", elem_id="notation")
            roll = gr.Image(label="Piano roll", type="filepath", interactive=False,
                            elem_id="piano-roll")
            sync_table = gr.Dataframe(label="Sync report", headers=SYNC_COLUMNS,
                                      interactive=False, elem_id="sync-report")
            dialogue = gr.JSON(label="Dialogue and mickey-mousing", elem_id="dialogue-report")

        with gr.Tab("Revisions", id="revisions"):
            notes = gr.Textbox(label="Revision notes", elem_id="revise-notes",
                               placeholder="darker, less busy, no piano")
            b_revise = gr.Button("Revise", variant="primary", elem_id="revise")
            b_history = gr.Button("Show history", elem_id="history")
            history = gr.Dataframe(label="History", headers=HISTORY_COLUMNS, interactive=False,
                                   elem_id="history-table")
            with gr.Row():
                rev_a = gr.Number(label="A", precision=0, elem_id="rev-a")
                rev_b = gr.Number(label="B", precision=0, elem_id="rev-b")
                b_ab = gr.Button("Compare A/B", elem_id="ab")
            with gr.Row():
                audio_a = gr.Audio(label="A audio", type="filepath", interactive=False,
                                   elem_id="audio-a")
                audio_b = gr.Audio(label="B audio", type="filepath", interactive=False,
                                   elem_id="audio-b")
            with gr.Row():
                notation_a = gr.HTML(label="A notation", elem_id="notation-a")
                notation_b = gr.HTML(label="B notation", elem_id="notation-b")
            ab_table = gr.Dataframe(label="A/B figures", headers=["", "A", "B"],
                                    interactive=False, wrap=True,
                                    column_widths=["18%", "41%", "41%"], elem_id="ab-table")
            with gr.Row():
                restore_n = gr.Number(label="Restore revision", precision=0,
                                      elem_id="restore-n")
                b_restore = gr.Button("Restore", elem_id="restore")

        with gr.Tab("Temp love", id="temp"):
            temp_up = gr.File(label="Temp track the director loves",
                              file_types=file_types("temp"), elem_id="temp-up")
            b_temp = gr.Button("Compare drafts with the temp", variant="primary",
                               elem_id="temp-compare")
            temp_table = gr.Dataframe(label="Closeness", headers=TEMP_COLUMNS,
                                      interactive=False, elem_id="temp-table")
            temp_plot = gr.Plot(label="Closest passage, side by side", elem_id="temp-plot")
            temp_details = gr.JSON(label="Matching passages", elem_id="temp-details")

        with gr.Tab("Export", id="export"):
            full = gr.Checkbox(label="Full deliverables (score and parts, stems, click, "
                               "streamers, cue sheet, reel; slower)", value=True,
                               elem_id="export-full")
            b_export = gr.Button("Export deliverables (zip)", variant="primary",
                                 elem_id="export")
            export_file = gr.File(label="Deliverables", interactive=False, elem_id="export-file")
            export_msg = gr.Markdown(label="Export", elem_id="export-msg")

        cue_outputs = [state, audio, cue_info, rev_number]
        details_in = [state, cue, rev_number]
        details_out = [state, notation, roll, sync_table, dialogue, cue_info]
        quiet = {"api_visibility": "private", **model}
        b_example.click(do_open_example, [state], [state, summary, cue],
                        api_name="open_example").then(rough_cut, [state], [rough],
                                                       api_visibility="private")
        b_new.click(do_new_project, [state, script, spotting, briefs, temps, video, fps,
                                     start_tc], [state, summary, cue, rough],
                    api_name="new_project")
        b_open.click(do_open_project, [state, project_zip], [state, summary, cue, rough],
                     api_name="open_project")
        b_download.click(do_download_project, [state], [state, project_file, project_msg],
                         api_name="download_project")
        b_attach.click(do_attach_video, [state, video], [state, summary, rough],
                       api_name="attach_video")
        ev_picture = b_picture.click(do_picture, [state, cue, rev_number], [state, picture],
                                     api_name="picture", **model)
        b_spot.click(do_spot, [state], [state, table, curve, questions], api_name="spot",
                     **model)
        b_apply.click(do_apply_table, [state, table], [state, applied],
                      api_name="apply_functions")
        b_brief.click(do_brief, [state, cue, brief_text], [state, brief_params],
                      api_name="brief")
        ev_draft = b_draft.click(do_draft, [state, cue, draft_brief, palette, seed_box],
                                 cue_outputs, api_name="draft", **model)
        ev_draft_2 = ev_draft.then(do_details, details_in, details_out, **quiet)
        ev_draft.then(do_history, [state, cue], [state, history], api_visibility="private")
        ev_render = b_render.click(do_render, [state, cue, rev_number],
                                   [state, audio, notation, roll, sync_table, dialogue, cue_info,
                                    rev_number], api_name="render", **model)
        ev_revise = b_revise.click(do_revise, [state, cue, notes, palette], cue_outputs,
                                   api_name="revise", **model)
        ev_revise_2 = ev_revise.then(do_details, details_in, details_out, **quiet)
        ev_revise.then(do_history, [state, cue], [state, history], api_visibility="private")
        b_restore.click(do_restore, [state, cue, restore_n], cue_outputs, api_name="restore",
                        **model).then(do_details, details_in, details_out, **quiet).then(
            do_history, [state, cue], [state, history], api_visibility="private")
        b_history.click(do_history, [state, cue], [state, history], api_name="history")
        ev_ab = b_ab.click(do_ab, [state, cue, rev_a, rev_b],
                           [state, audio_a, audio_b, notation_a, notation_b, ab_table],
                           api_name="ab", **model)
        b_temp.click(do_temp, [state, temp_up], [state, temp_table, temp_details, temp_plot],
                     api_name="temp_love", **model)
        ev_export = b_export.click(do_export, [state, full], [state, export_file, export_msg],
                                   api_name="export", **model)
        b_cancel.click(None, None, None, cancels=[ev_draft, ev_draft_2, ev_render,
                                                  ev_revise, ev_revise_2, ev_ab,
                                                  ev_export, ev_picture], api_name="cancel")
        _extra_tabs(demo, studio, state, palette, model)
    demo.queue(max_size=QUEUE_MAX, default_concurrency_limit=4)
    return demo


def _extra_tabs(demo: gr.Blocks, studio: Studio, state: gr.State, palette: gr.Dropdown,
                model: dict[str, Any]) -> None:
    """Themes, palette and lesson tabs (ui.themes_tab); kept apart to keep this file short."""
    from ui import themes_tab

    themes_tab.build(demo, studio, state, palette, model, _fail)


def _palettes() -> list[str]:
    try:
        from assistant.orchestrate.palettes import palette_names
    except ImportError:
        return []
    return palette_names()


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``USER:PASS`` → (user, pass); None for empty; InputError for anything else."""
    if not value:
        return None
    user, sep, pw = value.partition(":")
    if not sep or not user or not pw:
        raise InputError("authentication must be USER:PASS", field="auth")
    return user, pw


def launch(*, project: str | Path | None = None, host: str = "127.0.0.1", port: int = 7860,
           auth: str | None = None, root: str | Path = "out/studio",
           prevent_thread_lock: bool = False, quiet: bool = False) -> Any:
    """Start the studio. Binds to localhost by default with ``share=False``; any other
    host needs ``auth`` (or the SCORING_ASSISTANT_AUTH environment variable)."""
    creds = parse_auth(auth or os.environ.get(AUTH_ENV))
    if host not in LOCAL_HOSTS and creds is None:
        raise InputError(f"binding to {host} opens the studio to the network; give --auth "
                         f"USER:PASS or set {AUTH_ENV}", field="host")
    if project is not None and not (Path(project) / "project.json").is_file():
        raise InputError("no project.json here; create a project first", path=project,
                         field="project")
    demo = build_app(root, project)
    return demo.launch(server_name=host, server_port=port, share=False, auth=creds,
                       max_file_size=MAX_UPLOAD_BYTES, show_error=False,
                       prevent_thread_lock=prevent_thread_lock, quiet=quiet,
                       footer_links=["api"])
