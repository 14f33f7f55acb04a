"""Theme commands: ``themes`` (write ranked themes, for a key or a film's subject) and
``lesson`` (the educator's page on a theme and its development)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from assistant.cli.common import JsonOpt, QuietOpt, emit_json, say, setup
from assistant.errors import InputError


def register(app: typer.Typer) -> None:
    app.command("themes")(themes_cmd)
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
    from assistant.themes.io import head_motif_names, write_theme_files

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
        rec = {"rank": t.rank, "file": str(files["midi"]), "musicxml": str(files["musicxml"]), "key": t.key,
               "mode": t.mode, "form": t.form, "head_motif": [n.pitch for n in t.head_motif],
               "head_motif_names": head_motif_names(t), "rhythm_cell": t.rhythm_cell,
               "meter": f"{t.meter[0]}/{t.meter[1]}", "bars": bars, "instrument": t.instrument,
               "harmony": t.harmony, "scores": t.scores, "checks": t.checks, "why": t.why}
        if subject_name:
            rec["subject"] = subject_name
        if json_out:
            emit_json(rec)
        else:
            say(f"{t.rank}. {files['midi']}  {t.key} {t.mode} {t.form}  total {t.total:.2f}  "
                f"[{' '.join(t.harmony)}]\n   {t.why}")


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
