"""Theme commands: ``themes`` (write ranked themes, for a key or a film's subject),
``theme-edit`` (import a MIDI or MusicXML theme, optionally transposed or in another mode, and
see it judged like a written one), ``theme-import`` (make such a file a film subject's theme)
and ``lesson`` (the educator's page on a theme and its development)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import typer

from assistant.cli.common import JsonOpt, QuietOpt, emit_json, say, setup
from assistant.errors import InputError


def register(app: typer.Typer) -> None:
    app.command("themes")(themes_cmd)
    app.command("theme-edit")(theme_edit_cmd)
    app.command("theme-import")(theme_import_cmd)
    app.command("lesson")(lesson_cmd)


def _meter(text: str) -> tuple[int, int]:
    try:
        a, b = text.split("/")
        return int(a), int(b)
    except ValueError:
        raise InputError(f"meter {text!r} is not N/D (e.g. 4/4)", field="meter") from None


# ----------------------------------------------------------------------------- film glue
def film_context(project_dir: str) -> tuple[Any, Any, list[Any], dict[str, Any], Any]:
    """(store, project, subjects, briefs, plan) of a project folder; the read stage runs first
    when the project has not been analysed yet."""
    from assistant.analysis.script import MotifCandidate
    from assistant.pipeline import stages
    from assistant.project import ProjectStore
    from assistant.themes import choose_subjects, plan_development

    store = ProjectStore(project_dir)
    if not store.exists():
        raise InputError("no project.json in the project folder", path=project_dir)
    if not stages.stage_path(store, "analysis.json").is_file():
        stages.stage_read(store)
    project = store.load()
    analysis = stages.load_analysis(store)
    fields = set(MotifCandidate.__dataclass_fields__)
    cands = [MotifCandidate(**{k: v for k, v in m.items() if k in fields})
             for m in analysis.get("leitmotif_candidates", [])]
    subjects = choose_subjects(cands, main_characters=analysis.get("main_characters"))
    if not subjects:
        raise InputError("the analysis found no subject for a theme", path=project_dir)
    briefs = stages.load_briefs(store) if stages.stage_path(store, "briefs.json").is_file() else {}
    plan = plan_development(project, {s.name: s for s in subjects})
    return store, project, subjects, briefs, plan


def find_subject(subjects: list[Any], name: str) -> Any:
    want = name.strip().lower()
    for s in subjects:
        if s.name.lower() == want or want in s.words:
            return s
    raise InputError(f"no theme subject {name!r}; the film's subjects are "
                     f"{', '.join(s.name for s in subjects)}", field="subject")


# ----------------------------------------------------------------------------- themes
def themes_cmd(
    project: str = typer.Argument("", help="Project folder (or give --key and --mode)."),
    subject: str = typer.Option("", "--subject", help="The film subject (character, place, idea)."),
    key: str = typer.Option("", "--key", help="Tonic such as D, Bb or F#."),
    mode: str = typer.Option("", "--mode", help="major, minor, dorian, phrygian, lydian, mixolydian, ..."),
    meter: str = typer.Option("", "--meter", help="Meter N/D (default 4/4, or the subject's)."),
    bars: int = typer.Option(8, "--bars", help="8 or 16."),
    instrument: str = typer.Option("", "--instrument", help="Lead instrument id (violin, horn, ...)."),
    n: int = typer.Option(8, "--n", min=1, max=32, help="Number of ranked themes."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1, help="Sampling seed."),
    form: str = typer.Option("", "--form", help="sentence or period (default: both, ranked together)."),
    out: str = typer.Option(..., "--out", help="Folder for theme_<rank>.mid and .musicxml."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Write N ranked themes in a classical form (sentence or period) with the reasons."""
    setup(quiet)
    from assistant.themes import write_themes
    from assistant.themes.io import write_theme_files

    if not project and not (key or mode):
        raise InputError("give a PROJECT folder or --key and --mode", field="project")
    subject_name = ""
    mood = brief = None
    m = _meter(meter) if meter else None
    if project:
        from assistant.themes.film import theme_request

        _, proj, subjects, briefs, plan = film_context(project)
        subj = find_subject(subjects, subject) if subject else subjects[0]
        req = theme_request(proj, subj, plan.cues_of(subj.name), briefs, subjects.index(subj),
                            key=key or None, mode=mode or None, meter=m, instrument=instrument or None)
        key, mode, m, instrument, mood, brief = req.key, req.mode, req.meter, req.instrument, req.mood, req.brief
        subject_name = subj.name
    elif not (key and mode):
        raise InputError("--key and --mode go together", field="mode" if key else "key")
    elif subject:
        raise InputError("--subject needs a PROJECT", field="subject")
    themes = write_themes(key=key, mode=mode, meter=m or (4, 4), bars=bars, instrument=instrument or None,
                          mood=mood, brief=brief, n=n, seed=seed, form=form or None)
    out_dir = Path(out)
    for t in themes:
        files = write_theme_files(t, out_dir, f"theme_{t.rank}",
                                  title=f"{subject_name + ': ' if subject_name else ''}theme {t.rank} in {t.key} {t.mode}")
        rec = theme_record(t, files) | {"bars": bars}
        if subject_name:
            rec["subject"] = subject_name
        if json_out:
            emit_json(rec)
        else:
            say(f"{t.rank}. {files['midi']}  {t.key} {t.mode} {t.form}  total {t.total:.2f}  "
                f"[{' '.join(t.harmony)}]\n   {t.why}")


def theme_record(t: Any, files: dict[str, Path]) -> dict[str, Any]:
    """One theme as the JSON line the theme commands print (the ``themes`` contract)."""
    from assistant.themes.io import head_motif_names

    rec = {"rank": t.rank, "file": str(files["midi"]), "musicxml": str(files["musicxml"]), "key": t.key,
           "mode": t.mode, "form": t.form, "head_motif": [n.pitch for n in t.head_motif],
           "head_motif_names": head_motif_names(t), "rhythm_cell": t.rhythm_cell,
           "meter": f"{t.meter[0]}/{t.meter[1]}", "instrument": t.instrument,
           "harmony": t.harmony, "scores": t.scores, "checks": t.checks, "why": t.why}
    if t.edits:
        rec["edits"] = t.edits
    return rec


def _instrument(name: str) -> str | None:
    from assistant.analysis.instruments import INSTRUMENTS

    if not name:
        return None
    if name not in INSTRUMENTS or INSTRUMENTS[name].is_drum:
        raise InputError(f"unknown or unpitched instrument {name!r}", field="instrument")
    return name


# ----------------------------------------------------------------------------- edit / import
def theme_edit_cmd(
    file: str = typer.Argument(..., help="A theme as MIDI (.mid) or MusicXML (.musicxml, .xml, .mxl)."),
    transpose: int = typer.Option(0, "--transpose", help="Semitones up (+) or down (-), at most 24."),
    mode: str = typer.Option("", "--mode", help="Move to this mode on the same tonic (major, minor, dorian, ...)."),
    instrument: str = typer.Option("", "--instrument", help="Lead instrument whose range it is judged in."),
    out: str = typer.Option(..., "--out", help="Folder for <name>.mid and .musicxml."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Import a theme from MIDI or MusicXML, optionally transposed and/or in another mode, and
    judge it like a written theme (form, head motif, checks, scores, why). Writes the result
    as MIDI and MusicXML."""
    setup(quiet)
    from assistant.themes.io import edit_theme, evaluate_theme, load_theme, write_theme_files
    from assistant.themes.theory import check_mode

    src = Path(file)
    if mode:
        check_mode(mode)
    ins = _instrument(instrument)
    theme = evaluate_theme(load_theme(src), instrument=ins, corpus_index="default")
    if transpose or mode:
        theme = edit_theme(theme, transpose=transpose, mode=mode or None, corpus_index="default")
    stem = src.stem + ("_edited" if transpose or mode else "")
    files = write_theme_files(theme, Path(out), stem, title=f"{src.stem} in {theme.key} {theme.mode}")
    rec = theme_record(theme, files) | {"source": str(src)}
    if json_out:
        emit_json(rec)
    else:
        say(f"{files['midi']}  {theme.key} {theme.mode} {theme.form}  total {theme.total:.2f}"
            + (f"  ({'; '.join(theme.edits)})" if theme.edits else "") + f"\n   {theme.why}")


def theme_import_cmd(
    project: str = typer.Argument(..., help="Project folder."),
    file: str = typer.Argument(..., help="The theme as MIDI (.mid) or MusicXML (.musicxml, .xml, .mxl)."),
    subject: str = typer.Option(..., "--subject", help="The film subject (character, place, idea) it is the theme of."),
    instrument: str = typer.Option("", "--instrument", help="Lead instrument (default: the subject's)."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Make a MIDI or MusicXML melody a film subject's theme: it is judged like a written one,
    checked by the guard against the temp tracks and the corpus, and saved as the project's
    theme file, which the pipeline's theme stage then keeps (cues drafted before keep theirs
    until they are drafted again)."""
    setup(quiet)
    from assistant.guard.index import default_index
    from assistant.guard.loop import guarded
    from assistant.guard.report import load_temp_melodies
    from assistant.paths import safe_filename
    from assistant.pipeline import stages
    from assistant.project import Theme
    from assistant.sync.midi import cue_start_tc, stamp_midi
    from assistant.themes import part_for
    from assistant.themes.film import theme_request
    from assistant.themes.io import evaluate_theme, load_theme

    src = Path(file)
    score = load_theme(src)  # a bad file fails before the project is touched
    ins = _instrument(instrument)
    store, proj, subjects, briefs, plan = film_context(project)
    subj = find_subject(subjects, subject)
    staged = {s.name: s for s in stages.theme_subjects(store, proj)[0]}
    cues = (staged[subj.name].cues if subj.name in staged else []) or plan.cues_of(subj.name)
    if not cues:
        raise InputError(f"the subject {subj.name!r} is heard in no cue", field="subject")
    req = theme_request(proj, subj, cues, briefs, subjects.index(subj), instrument=ins)
    index, refs = default_index(), load_temp_melodies(store.root)
    theme = evaluate_theme(score, instrument=req.instrument, corpus_index=index, references=refs)
    res = guarded(lambda _attempt: [theme.score], refs, index, max_retries=0)
    rel = f"themes/{safe_filename(subj.slug)}.mid"
    named = replace(theme.score, parts=[replace(p, name=subj.name) for p in theme.score.parts])
    path = store.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    part_for(named, req.instrument).to_midi(path)
    first = proj.cue(cues[0])
    stamp_midi(path, first.start_tc or cue_start_tc(proj.start_tc, first.start_s, proj.rate), proj.rate)
    entry = {"name": subj.name, "id": subj.slug, "kind": subj.kind, "meter": list(theme.meter),
             "instrument": req.instrument, "midi": rel, "cues": list(cues), "guard": res.to_record(),
             "theme": {"key": theme.key, "mode": theme.mode, "form": theme.form,
                       "head_motif": [n.pitch for n in theme.head_motif], "rank": 1, "scores": theme.scores,
                       "checks": theme.checks, "why": theme.why, "harmony": theme.harmony,
                       "imported_from": src.name}}
    report = (stages.load_themes(store) if stages.stage_path(store, "themes.json").is_file()
              else {"themes": [], "cues": {}})
    report["themes"] = [t for t in report["themes"] if t["name"] != subj.name] + [entry]
    with store.edit() as now:
        kept = {t.name: t for t in now.themes}
        kept[subj.name] = Theme(id=subj.slug, name=subj.name, subject=subj.kind, midi_path=rel,
                                notes=f"imported from {src.name}; stated in {', '.join(cues)}")
        now.themes = list(kept.values())
    stages.save_stage(store, "themes.json", report)
    rec = {"subject": subj.name, "file": str(path), "source": str(src), "key": theme.key, "mode": theme.mode,
           "form": theme.form, "head_motif": [n.pitch for n in theme.head_motif], "scores": theme.scores,
           "checks": theme.checks, "why": theme.why, "guard": "passed" if res.passed else "too close",
           "cues": list(cues)}
    if json_out:
        emit_json(rec)
    else:
        say(f"{subj.name}: {path}  {theme.key} {theme.mode} {theme.form}; guard "
            f"{'passed' if res.passed else 'warns: too close to ' + res.rejected[0].reason}\n   {theme.why}\n"
            f"   cues {', '.join(cues)} use it when they are drafted again")


# ----------------------------------------------------------------------------- lesson
def lesson_cmd(
    source: str = typer.Argument(..., help="A theme file (.mid/.musicxml) or a project folder."),
    theme: str = typer.Option("", "--theme", help="With a project: the subject whose theme to teach."),
    out: str = typer.Option(..., "--out", help="Folder for lesson.html."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Write a self-contained HTML lesson: the theme and each transformation, with notation,
    audio, the cue and what changed."""
    setup(quiet)
    from assistant.themes.io import load_theme
    from assistant.themes.lesson import write_lesson

    src = Path(source)
    if src.is_file():
        if theme:
            raise InputError("--theme goes with a PROJECT folder, not a theme file", field="theme")
        score = load_theme(src)
        path = write_lesson(score, out, title=f"Theme lesson: {src.stem}",
                            intro="A theme and the classic ways a film composer develops it.")
        n_items = None
    elif src.is_dir():
        if not theme:
            raise InputError("with a PROJECT, name the subject with --theme", field="theme")
        score, title, entries, intro = _project_theme(src, theme)
        path = write_lesson(score, out, title=title, entries=entries, intro=intro)
        n_items = len(entries)
    else:
        raise InputError("no such theme file or project folder", path=src)
    if json_out:
        emit_json({"lesson": str(path), "items": n_items})
    else:
        say(str(path))


def _project_theme(project_dir: Path, name: str) -> tuple[Any, str, list[Any], str]:
    """The subject's theme (the project's theme file when the themes stage wrote one, else a
    newly written rank-1 theme) and its appearances in the development plan."""
    from assistant.music.score import Score
    from assistant.project import resolve_inside
    from assistant.themes import write_themes
    from assistant.themes.film import theme_request
    from assistant.themes.lesson import plan_items

    store, proj, subjects, briefs, plan = film_context(str(project_dir))
    subj = find_subject(subjects, name)
    saved = next((t for t in proj.themes if t.name.lower() == subj.name.lower() and t.midi_path), None)
    req = theme_request(proj, subj, plan.cues_of(subj.name), briefs, subjects.index(subj))
    if saved is not None:
        score = Score.from_midi(resolve_inside(store.root, saved.midi_path, field="themes.midi_path"))
        score = Score(parts=[score.parts[0]] if score.parts else [], tempos=score.tempos,
                      meters=score.meters, key=score.key or f"{req.key} {req.mode}")
    else:
        score = write_themes(key=req.key, mode=req.mode, meter=req.meter, instrument=req.instrument,
                             mood=req.mood, brief=req.brief, n=1, seed=0)[0].score
    journey = plan.subjects[subj.name]["journey"]
    intro = (f"{subj.name} ({subj.kind}): heard in {len(plan.cues_of(subj.name))} cues, "
             f"its journey {journey.replace('->', 'to')}. {subj.why}")
    return score, f"{proj.title}: the {subj.name} theme", plan_items(plan, subj.name, proj), intro
