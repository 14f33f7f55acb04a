"""Themes, palette and lesson tabs of the studio (wiring only; the handlers are in
:mod:`ui.themes_handlers`). Called inside the ``gr.Blocks`` of :func:`ui.app.build_app`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from ui import themes_handlers as th
from ui.handlers import Studio
from ui.workspace import file_types

KEYS = ["C", "C#", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
MODES = ["major", "minor", "dorian", "phrygian", "lydian", "mixolydian", "aeolian"]
METERS = ["4/4", "3/4", "2/4", "6/8"]


def _instrument_ids() -> list[str]:
    from assistant.analysis.instruments import INSTRUMENTS

    return [k for k, v in INSTRUMENTS.items() if not v.is_drum]


def _svg(paths: list[str]) -> str:
    pages = "".join(Path(p).read_text("utf-8") for p in paths)
    return f'<div class="notation">{pages}</div>' if pages else "<p>No notation.</p>"


def build(demo: gr.Blocks, studio: Studio, state: gr.State, palette_box: gr.Dropdown,
          model: dict[str, Any], fail: Callable[[BaseException, str], gr.Error]) -> None:
    """Add the Themes, Palette and Lesson tabs; ``palette_box`` is the Cues tab's palette."""

    def call(what: str, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(studio, *args)
        except Exception as exc:  # noqa: BLE001 - every failure becomes one message
            raise fail(exc, what) from None

    def show(c: dict[str, Any]) -> tuple:
        return (c["wav"], _svg(c["svg"]), c["why"], c["rank"])

    def do_themes(state, key, mode, meter, bars, instrument, n, seed,
                  progress=gr.Progress(track_tqdm=True)):
        state, rows, best = call("write themes", th.write_themes, state, key, mode, meter, bars,
                                 instrument, n, seed, progress)
        return (state, rows, *show(best), gr.Dropdown(choices=th.subjects(studio, state)))

    def do_view(state, rank):
        state, c = call("show the theme", th.theme_view, state, rank)
        return (state, *show(c))

    def do_edit(state, rank, semitones, mode):
        state, rows, c = call("edit the theme", th.edit_theme, state, rank, semitones, mode)
        return (state, rows, *show(c))

    def do_upload(state, path):
        state, rows, c = call("import the theme", th.upload_theme, state, path)
        return (state, rows, *show(c))

    def do_pick(state, rank, subject):
        return call("pick the theme", th.pick_theme, state, rank, subject)

    def do_plan(state, progress=gr.Progress(track_tqdm=True)):
        state, rows = call("plan the development", th.plan, state, progress)
        return state, rows, gr.Dropdown(choices=th.subjects(studio, state))

    def do_plan_edit(state, rows):
        values = rows.values.tolist() if hasattr(rows, "values") else rows
        return call("change the plan", th.plan_edit, state, values)

    def do_define(state, name, instruments, lead, description):
        state, pal, choices = call("save the palette", th.define_palette, state, name,
                                   instruments, lead, description)
        return (state, pal, gr.Dropdown(choices=choices, value=pal["name"]),
                gr.Dropdown(choices=choices, value=pal["name"]))

    def do_show_palette(state, name):
        return call("show the palette", lambda s, *a: th.show_palette(s, *a), state, name)

    def do_lesson(state, subject, progress=gr.Progress(track_tqdm=True)):
        return call("make the lesson", th.lesson, state, subject, progress)

    with gr.Tab("Themes", id="themes"):
        with gr.Row():
            key = gr.Dropdown(label="Key", choices=KEYS, value="D", elem_id="theme-key")
            mode = gr.Dropdown(label="Mode", choices=MODES, value="minor", elem_id="theme-mode")
            meter = gr.Dropdown(label="Meter", choices=METERS, value="3/4", elem_id="theme-meter")
            bars = gr.Dropdown(label="Bars", choices=[8, 16], value=8, elem_id="theme-bars")
            instrument = gr.Dropdown(label="Instrument", choices=_instrument_ids(), value=None,
                                     elem_id="theme-instrument")
            n = gr.Number(label="Candidates", value=4, precision=0, elem_id="theme-n")
            seed = gr.Number(label="Theme seed", value=0, precision=0, elem_id="theme-seed")
        b_write = gr.Button("Write themes", variant="primary", elem_id="write-themes")
        table = gr.Dataframe(label="Candidates (ranked)", headers=th.THEME_COLUMNS,
                             interactive=False, wrap=True, elem_id="theme-table")
        with gr.Row():
            rank = gr.Number(label="Candidate", value=1, precision=0, elem_id="theme-rank")
            b_view = gr.Button("Show candidate", elem_id="theme-view")
            semis = gr.Number(label="Transpose (semitones)", value=0, precision=0,
                              elem_id="theme-transpose")
            new_mode = gr.Dropdown(label="New mode", choices=MODES, value=None,
                                   elem_id="theme-new-mode")
            b_edit = gr.Button("Make edited copy", elem_id="theme-edit")
        why = gr.Textbox(label="Why this ranking", interactive=False, elem_id="theme-why")
        theme_audio = gr.Audio(label="Theme audio (with its harmony)", type="filepath",
                               interactive=False, elem_id="theme-audio")
        theme_svg = gr.HTML(label="Theme notation", elem_id="theme-notation")
        with gr.Row():
            up = gr.File(label="Upload a theme (MIDI, MusicXML)", file_types=file_types("theme"),
                         elem_id="theme-upload")
            b_up = gr.Button("Import uploaded theme", elem_id="theme-import")
        with gr.Row():
            subject = gr.Dropdown(label="Use for subject", choices=[], allow_custom_value=True,
                                  elem_id="theme-subject")
            b_pick = gr.Button("Pick this candidate", elem_id="theme-pick")
        picked = gr.Markdown(label="Picked", elem_id="theme-picked")
        gr.Markdown("### Development plan (edit a cell, then apply: it is pinned and the rest "
                    "re-planned)")
        b_plan = gr.Button("Show the plan", elem_id="plan")
        plan_table = gr.Dataframe(label="Development plan", headers=th.PLAN_COLUMNS,
                                  interactive=True, wrap=True, elem_id="plan-table")
        b_plan_edit = gr.Button("Apply plan changes", elem_id="plan-apply")
        plan_msg = gr.Markdown(label="Plan changes", elem_id="plan-msg")

    with gr.Tab("Palette", id="palette"):
        pal_pick = gr.Dropdown(label="Palette", choices=th.palette_choices(studio, None),
                               value="full_orchestra", elem_id="palette-pick")
        b_pal_show = gr.Button("Show palette", elem_id="palette-show")
        with gr.Row():
            pal_name = gr.Textbox(label="New palette name", elem_id="palette-name")
            pal_ins = gr.Dropdown(label="Instruments", choices=_instrument_ids() + ["drums",
                                                                                   "percussion",
                                                                                   "timpani"],
                                  multiselect=True, elem_id="palette-instruments")
            pal_lead = gr.Dropdown(label="Lead", choices=_instrument_ids(), value=None,
                                   elem_id="palette-lead")
        pal_desc = gr.Textbox(label="Description (the film's sonic world)",
                              elem_id="palette-description")
        b_pal = gr.Button("Save palette", variant="primary", elem_id="palette-save")
        pal_json = gr.JSON(label="Ensemble", elem_id="palette-json")

    with gr.Tab("Lesson", id="lesson"):
        lesson_subject = gr.Dropdown(label="Theme", choices=[], allow_custom_value=True,
                                     elem_id="lesson-theme")
        b_lesson = gr.Button("Make the lesson", variant="primary", elem_id="lesson-make")
        lesson_html = gr.HTML(label="Lesson", elem_id="lesson-html")
        lesson_file = gr.File(label="Lesson page", interactive=False, elem_id="lesson-file")

    view_out = [theme_audio, theme_svg, why, rank]
    b_write.click(do_themes, [state, key, mode, meter, bars, instrument, n, seed],
                  [state, table, *view_out, subject], api_name="themes", **model)
    b_view.click(do_view, [state, rank], [state, *view_out], api_name="theme_view")
    b_edit.click(do_edit, [state, rank, semis, new_mode], [state, table, *view_out],
                 api_name="theme_edit", **model)
    b_up.click(do_upload, [state, up], [state, table, *view_out], api_name="theme_upload",
               **model)
    b_pick.click(do_pick, [state, rank, subject], [state, picked], api_name="theme_pick",
                 **model)
    b_plan.click(do_plan, [state], [state, plan_table, lesson_subject], api_name="plan",
                 **model)
    b_plan_edit.click(do_plan_edit, [state, plan_table], [state, plan_table, plan_msg],
                      api_name="plan_edit", **model)
    b_pal.click(do_define, [state, pal_name, pal_ins, pal_lead, pal_desc],
                [state, pal_json, pal_pick, palette_box], api_name="palette")
    b_pal_show.click(do_show_palette, [state, pal_pick], [pal_json], api_name="palette_show")
    b_lesson.click(do_lesson, [state, lesson_subject], [state, lesson_html, lesson_file],
                   api_name="lesson", **model)
    pal_pick.change(lambda name: gr.Dropdown(value=name), [pal_pick], [palette_box],
                    api_name="palette_choose")
