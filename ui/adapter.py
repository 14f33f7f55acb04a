"""The one place where the studio calls the library's stages.

The studio is built against the names agreed in ``INTERFACES.md`` (``assistant.pipeline``,
``assistant.render``, ``assistant.themes``). Each call here uses the agreed function when
the installed library has it, and otherwise a working path through the older stages
(import, read, sync, the music model, the guard), so the studio keeps working while the
library grows. Handlers never import the stages themselves.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import math
import re
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.project import FilmProject, Mood, ProjectStore, Revision, atomic_write_json

log = logging.getLogger(__name__)

try:  # assistant.paths (#16); a local equivalent keeps older trees working
    from assistant.paths import resolve_inside, safe_filename
except ImportError:  # pragma: no cover - only on trees without assistant.paths
    def safe_filename(name: str) -> str:  # type: ignore[misc]
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(str(name)).name).strip("._") or "file"
        return stem[:120]

    def resolve_inside(root: str | Path, relpath: Any, *, field: str) -> Path:  # type: ignore[misc]
        base = Path(root).resolve()
        p = (base / Path(relpath)).resolve()
        if base != p and base not in p.parents:
            raise InputError("path leaves the project folder", path=str(relpath), field=field)
        return p

MIDI_SUFFIXES = (".mid", ".midi")


def _optional(module: str, name: str) -> Any:
    """``module.name`` if the installed library has it, else None."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError as exc:
        log.debug("optional %s.%s unavailable: %s", module, name, exc)
        return None


def features() -> dict[str, bool]:
    """Which agreed stages the library provides (shown in the studio's About box)."""
    return {
        "pipeline.new_project": _optional("assistant.pipeline", "new_project") is not None,
        "pipeline.draft_cue": _pipeline_draft() is not None,
        "pipeline.score_film": _optional("assistant.pipeline", "score_film") is not None,
        "render.audio": _optional("assistant.render.audio", "render_score") is not None,
        "render.notation": _optional("assistant.render.notation", "svg_pages") is not None,
        "render.deliver": _optional("assistant.render.deliver", "render_cue") is not None,
        "themes.write_themes": _optional("assistant.themes", "write_themes") is not None,
        "themes.plan_development": _optional("assistant.themes", "plan_development") is not None,
    }


# ----------------------------------------------------------------------------- project
def create_project(dest: Path, *, script: Path | None, spotting: Path | None,
                   briefs: Path | None = None, temp: list[Path] | tuple[Path, ...] = (),
                   fps: str | None = None, start_tc: str | None = None) -> ProjectStore:
    """A new project in ``dest`` from files already copied into it."""
    new_project = _optional("assistant.pipeline", "new_project")
    if new_project is not None and script is not None:
        return new_project(dest, script, spotting=spotting, briefs=briefs, temp=tuple(temp),
                           fps=fps or None, start_tc=start_tc or None)
    from assistant.importers import load_film

    if script is None and spotting is None:
        raise InputError("upload a screenplay, a spotting list or both", field="screenplay")
    project = load_film(script, spotting, rate=fps or None)
    if start_tc:
        project.start_tc = start_tc
        FilmProject.from_dict(project.to_dict())  # validates the timecode at this rate
    store = ProjectStore(dest)
    if briefs is not None:
        _apply_briefs(project, briefs)
    for t in temp:
        target = dest / "temp" / safe_filename(t.name)
        if t.resolve() != target.resolve():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(t.read_bytes())
    store.save(project)
    return store


def _apply_briefs(project: FilmProject, path: Path) -> None:
    from assistant.errors import read_text

    for line_no, line in enumerate(read_text(path, what="brief file").splitlines(), 1):
        if not line.strip():
            continue
        if ":" not in line:
            raise InputError("each brief starts with its cue id, e.g. '1M4: ...'", path=path,
                             line=line_no, field="cue")
        cue_id, text = line.split(":", 1)
        try:
            project.cue(cue_id.strip()).brief = text.strip()
        except InputError as exc:
            raise exc.located(path=path, line=line_no) from None


# ----------------------------------------------------------------------------- read
def read_film(store: ProjectStore, cache_dir: Path) -> dict[str, Any]:
    """The script analysis (``analyze --json`` dict), written into the project's cues.

    The analysis depends only on the screenplay and spotting list, so it is cached by
    their contents: re-opening the example costs nothing after the first time.
    """
    if _optional("assistant.pipeline", "run_stage") is not None:
        import json

        prepare(store, cache_dir, upto="read")
        return json.loads((store.root / "stages" / "analysis.json").read_text("utf-8"))
    project = store.load()
    script_p = Path(project.script_path) if project.script_path else None
    spot_p = Path(project.spotting_path) if project.spotting_path else None
    if script_p is None or not script_p.is_file():
        raise InputError("this project has no screenplay to read; create it with one",
                         field="screenplay")
    h = hashlib.sha256(script_p.read_bytes())
    if spot_p is not None and spot_p.is_file():
        h.update(b"\0" + spot_p.read_bytes())
    cached = cache_dir / f"analysis-{h.hexdigest()[:24]}.json"
    if cached.is_file():
        import json

        analysis = json.loads(cached.read_text("utf-8"))
    else:
        from assistant.analysis.script import analyze_script
        from assistant.importers import load_screenplay, load_spotting

        sp = load_spotting(spot_p) if spot_p is not None and spot_p.is_file() else None
        analysis = analyze_script(load_screenplay(script_p), sp).to_dict()
        atomic_write_json(cached, analysis)
    apply_reading(project, analysis)
    store.save(project)
    atomic_write_json(store.root / "analysis.json", analysis)
    return analysis


def apply_reading(project: FilmProject, analysis: dict[str, Any]) -> None:
    """Write the analysis into the cues: scores, mood, and a proposed function where the
    spotting list gave none (marked ``proposed`` so the user confirms it)."""
    by_id = {c["id"]: c for c in analysis.get("cues", [])}
    for cue in project.cues:
        ca = by_id.get(cue.id)
        if ca is None:
            continue
        cue.function_scores = {f["label"]: float(f["score"]) for f in ca.get("functions", [])}
        if cue.function is not None and cue.function_from != "proposed":
            cue.function_from = cue.function_from or "spotting list"
        elif ca.get("function") and cue.status in ("spotted", "proposed"):
            cue.function = ca["function"]
            cue.function_from = "proposed"
            cue.status = "proposed"
        m = ca.get("mood") or {}
        if m:
            cue.mood = Mood(valence=m["valence"], arousal=m["arousal"], tension=m["tension"],
                            tags=list(m.get("tags", [])))


# ----------------------------------------------------------------------------- stages
#: the film-wide stages a draft needs, and the file each leaves in <project>/stages/
PREP_STAGES: tuple[tuple[str, str], ...] = (("read", "analysis.json"), ("brief", "briefs.json"),
                                            ("sync", "sync.json"), ("themes", "themes.json"),
                                            ("plan", "plan.json"))


def _project_files(root: Path) -> dict[str, bytes]:
    """Every file of a project folder except revisions (relative path -> bytes)."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and not rel.startswith("revisions/") and not p.name.startswith("."):
            out[rel] = p.read_bytes()
    return out


def prepare(store: ProjectStore, cache_dir: Path, upto: str = "plan",
            progress: Any = None) -> list[str]:
    """Run the film-wide stages a draft needs that this project has not run yet.

    They depend only on the project's inputs and settings, so their results are cached
    by the contents of the project folder: a second session opening the same film (the
    example, say) copies them in instead of re-running the music model. Returns the
    stages that ran (or were copied from the cache).
    """
    run_stage = _optional("assistant.pipeline", "run_stage")
    if run_stage is None:
        return []
    names = [n for n, _ in PREP_STAGES]
    wanted = PREP_STAGES[: names.index(upto) + 1]
    missing = [n for n, f in wanted if not (store.root / "stages" / f).is_file()]
    if not missing:
        return []
    before = _project_files(store.root)
    key = hashlib.sha256(upto.encode())
    for rel, data in before.items():
        key.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    cached = cache_dir / f"stages-{key.hexdigest()[:24]}"
    if (cached / "files.json").is_file():
        import json

        for rel in json.loads((cached / "files.json").read_text("utf-8")):
            target = resolve_inside(store.root, rel, field="cache")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(resolve_inside(cached, rel, field="cache").read_bytes())
        return missing
    first = names.index(missing[0])
    for i, name in enumerate(names[first: names.index(upto) + 1]):
        if progress is not None:
            progress(0.05 + 0.5 * i / len(names), desc=f"{name} stage")
        run_stage(store, name)
    after = _project_files(store.root)
    changed = [rel for rel, data in after.items() if before.get(rel) != data]
    tmp = cache_dir / f".{cached.name}.{hashlib.sha256(str(store.root).encode()).hexdigest()[:8]}"
    for rel in changed:
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp / rel).write_bytes(after[rel])
    atomic_write_json(tmp / "files.json", changed)
    try:
        tmp.rename(cached)
    except OSError:  # another session cached the same stages first
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return missing


def invalidate(store: ProjectStore, *stage_names: str) -> None:
    """Forget saved stages (and every later one) so the next draft re-runs them."""
    names = [n for n, _ in PREP_STAGES]
    first = min((names.index(n) for n in stage_names), default=len(names))
    for _, f in PREP_STAGES[first:]:
        (store.root / "stages" / f).unlink(missing_ok=True)


# ----------------------------------------------------------------------------- draft
def draft(store: ProjectStore, cue_id: str, *, brief: str | None = None,
          palette: str | None = None, seed: int = 0) -> Revision:
    """A new revision of a cue (earlier ones stay): the pipeline's ``draft_cue``."""
    draft_cue = _pipeline_draft()
    if draft_cue is not None:
        return draft_cue(store, cue_id, brief=brief, palette=palette, seed=seed)
    return _sketch_revision(store, cue_id, brief=brief, seed=seed)


def _pipeline_draft() -> Any:
    """The pipeline's ``draft_cue`` when it and its drafting engine are both installed."""
    if _optional("assistant.compose", "draft_cue_score") is None:
        return None
    return _optional("assistant.pipeline", "draft_cue")


def revise(store: ProjectStore, cue_id: str, notes: str, *, palette: str | None = None,
           seed: int = 0) -> Revision:
    """A new revision from revision notes ("darker, less busy, no piano").

    With the pipeline, the notes move what the cue's latest revision was drafted with
    (:func:`assistant.revise.revise_cue`); the sketch path appends them to the brief.
    """
    revise_cue = _optional("assistant.revise", "revise_cue")
    if _pipeline_draft() is not None and revise_cue is not None and store.revisions(cue_id):
        return revise_cue(store, cue_id, notes, palette=palette, seed=seed)
    if _pipeline_draft() is not None:
        return draft(store, cue_id, brief=notes, palette=palette, seed=seed)
    cue = store.load().cue(cue_id)
    revs = store.revisions(cue.id)
    base = revs[-1].brief if revs else cue.brief
    text = f"{base.rstrip('. ')}. {notes.strip()}" if base else notes.strip()
    return _sketch_revision(store, cue_id, brief=text, seed=seed)


def parse_notes(store: ProjectStore, cue_id: str, notes: str) -> Any:
    """Revision notes read against the cue's current brief (an InputError names nonsense)."""
    from assistant.analysis.brief import parse_brief

    cue = store.load().cue(cue_id)
    normalise = _optional("assistant.revise", "normalise_notes")
    if normalise is not None:  # the notes are a delta: read them by the rules alone (fast)
        from assistant.analysis.brief import MusicBrief, apply_delta

        return apply_delta(MusicBrief(text=""), normalise(notes))
    previous = parse_brief(cue.brief) if cue.brief.strip() else None
    return parse_brief(notes, previous=previous)


def cue_report(store: ProjectStore, cue_id: str, score: Any, rev: Revision) -> dict[str, Any] | None:
    """The pipeline's measured figures of a drafted cue (hits, dialogue, mickey-mousing),
    or None when the pipeline or the cue's sync stage is not there."""
    report = _optional("assistant.pipeline.render", "cue_report")
    sync_p = store.root / "stages" / "sync.json"
    if report is None or not sync_p.is_file() or "draft.json" not in rev.artefacts:
        return None
    import json

    sync = json.loads(sync_p.read_text("utf-8"))
    sync = sync.get("cues", sync).get(cue_id) if isinstance(sync, dict) else None
    if not sync:
        return None
    folder = store.revision_dir(rev.cue_id, rev.number)
    info = {}
    if "draft.json" in rev.artefacts:
        info = json.loads(resolve_inside(folder, "draft.json", field="artefacts")
                          .read_text("utf-8"))
    project = store.load()
    try:
        return report(project, project.cue(cue_id), score, sync, info, rev.guard or None)
    except (InputError, KeyError, TypeError, ValueError) as exc:  # another sync.json layout
        log.warning("pipeline cue report unavailable for %s: %s", cue_id, exc)
        return None


def _sketch_revision(store: ProjectStore, cue_id: str, *, brief: str | None,
                     seed: int) -> Revision:
    """Before the pipeline lands: a guarded melodic sketch over the cue's tempo map."""
    from assistant.analysis.brief import parse_brief
    from assistant.guard.index import default_index
    from assistant.guard.report import load_temp_melodies
    from assistant.music.score import Score
    from assistant.sync import sync_cue
    from assistant.themes import (
        ThemeSubject,
        controls_for,
        lead_instrument,
        part_for,
        place_on_conductor,
        write_theme,
    )

    project = store.load()
    cue = project.cue(cue_id)
    text = brief if brief is not None else cue.brief
    mb = parse_brief(text) if text and text.strip() else None
    meter = (3, 4) if mb is not None and "waltz" in text.lower() else (4, 4)
    lo, hi = (mb.tempo_bpm if mb is not None and mb.tempo_bpm else (None, None))
    res = sync_cue(cue, project.rate, store.root / "sync" / safe_filename(cue.id),
                   film_start_tc=project.start_tc,
                   target_bpm=(lo + hi) / 2 if lo else None,
                   min_bpm=lo * 0.8 if lo else None, max_bpm=hi * 1.2 if hi else None,
                   meter=meter)
    end_beats = float(res["solution"].to_json()["cue_end"]["position_beats"])
    ins = lead_instrument(mb, cue.mood)
    controls = controls_for(cue.mood, mb, meter, ins, seed)
    bars = max(2, min(48, math.ceil(end_beats / (meter[0] * 4 / meter[1]))))
    subject = ThemeSubject(cue.title or cue.id, "idea", "", meter, (), (), [cue.id])
    sketch, guard = write_theme(subject, controls, load_temp_melodies(store.root),
                                default_index(), bars=bars, n_candidates=2)
    conductor = Score.from_midi(res["paths"]["conductor_midi"])
    placed = place_on_conductor(conductor, part_for(sketch, ins), end_beats)
    revs = store.revisions(cue.id)
    rev, folder = store.new_revision(
        cue.id, brief=text or "", seed=seed, parent=revs[-1].number if revs else None,
        params={"instrument": ins, "meter": list(meter), "bars": bars,
                "mode": controls.mode, "brief": mb.to_dict() if mb else None},
        message=f"sketch for {ins} ({bars} bars)")
    placed.to_midi(folder / "sketch.mid")
    rev.artefacts = ["sketch.mid"]
    rev.guard = guard.to_record()
    store.save_revision(rev)
    return rev


def revision_midi(store: ProjectStore, rev: Revision) -> Path:
    """The revision's MIDI file, resolved inside its revision folder."""
    folder = store.revision_dir(rev.cue_id, rev.number)
    mids = [a for a in rev.artefacts if Path(a).suffix.lower() in MIDI_SUFFIXES]
    if not mids:
        raise InputError(f"revision {rev.number} of {rev.cue_id} has no MIDI", field="revision")
    # prefer the full cue over a sketch or stems when a revision lists several
    mids.sort(key=lambda a: (Path(a).name.startswith(("stem", "click")), a))
    p = resolve_inside(folder, mids[0], field="artefacts")
    if not p.is_file():
        raise InputError("a file listed in revision.json is missing", path=p, field="artefacts")
    return p


# ----------------------------------------------------------------------------- render
#: the studio's listening renders; the exported deliverables use the render stage's 48 kHz
PREVIEW_SAMPLE_RATE = 24000


def render_audio(midi: Path, wav: Path, sample_rate: int = PREVIEW_SAMPLE_RATE) -> Path:
    """Playable audio of a MIDI file (the SoundFont renderer; a sine sketch before it lands).

    The studio renders at 24 kHz: SoundFont synthesis costs in proportion to the rate, and
    a director comparing two revisions hears no difference that matters; the exported
    deliverables are rendered at full rate by the pipeline."""
    import numpy as np
    import soundfile as sf

    from assistant.music.score import Score

    render_score = _optional("assistant.render.audio", "render_score")
    write_wav = _optional("assistant.render.wav", "write_wav")
    score = Score.from_midi(midi)
    if render_score is not None:
        sr = int(sample_rate)
        audio = render_score(score, sample_rate=sr)
        if write_wav is not None:
            write_wav(wav, audio, sr, description=f"studio render of {midi.name}")
        else:
            sf.write(wav, audio, sr)
        return wav
    import pretty_midi

    sr = int(sample_rate)
    pm = pretty_midi.PrettyMIDI(str(midi))
    mono = pm.synthesize(fs=sr)
    peak = float(np.max(np.abs(mono))) if mono.size else 0.0
    if peak > 0:
        mono = 0.8 * mono / peak
    wav.parent.mkdir(parents=True, exist_ok=True)
    sf.write(wav, np.stack([mono, mono], axis=1).astype("float32"), sr)
    return wav


def render_notation(midi: Path, out_dir: Path, title: str, cue_id: str | None = None,
                    start_tc: str | None = None) -> tuple[Path, list[str]]:
    """MusicXML and the verovio SVG pages of a MIDI file."""
    from assistant.music.score import Score

    write_musicxml = _optional("assistant.render.notation", "write_musicxml")
    svg_pages = _optional("assistant.render.notation", "svg_pages")
    xml = out_dir / "score.musicxml"
    score = Score.from_midi(midi)
    if write_musicxml is not None:
        try:
            write_musicxml(score, xml, title=title, cue_id=cue_id, start_tc=start_tc)
        except (TypeError, ValueError, AttributeError) as exc:
            # the notation writer cannot set one of the parts (seen with percussion);
            # show the pitched parts rather than no score at all
            from dataclasses import replace

            log.warning("notation of %s without its drum parts: %s", midi.name, exc)
            pitched = replace(score, parts=[p for p in score.parts if not p.is_drum])
            write_musicxml(pitched, xml, title=f"{title} (percussion not shown)", cue_id=cue_id,
                           start_tc=start_tc)
    else:
        import music21

        s = music21.converter.parse(str(midi))
        s.metadata = music21.metadata.Metadata(title=title)
        s.write("musicxml", fp=str(xml))
    if svg_pages is not None:
        return xml, list(svg_pages(xml))
    import verovio

    tk = verovio.toolkit()
    tk.setOptions({"xmlIdSeed": 1, "pageWidth": 2100, "scale": 40, "adjustPageHeight": True})
    if not tk.loadFile(str(xml)):
        raise InputError("verovio could not read the MusicXML", path=xml, field="notation")
    return xml, [tk.renderToSVG(i + 1) for i in range(tk.getPageCount())]


def mux_picture(video: Path, wav: Path, out: Path, *, start_s: float, duration_s: float) -> Path:
    """The render stage's review mux (:func:`assistant.render.deliver.mux_picture`): the
    picture from ``start_s`` film seconds for ``duration_s``, with ``wav`` as its sound."""
    mux = _optional("assistant.render.deliver", "mux_picture")
    if mux is None:
        raise InputError("this install has no render stage to put the music to picture",
                         field="video")
    return mux(Path(video), Path(wav), Path(out), start_s=float(start_s),
               duration_s=float(duration_s))


def video_seconds(video: Path) -> float | None:
    """How long a video file plays (ffmpeg's header reading; None if it cannot tell)."""
    try:
        import imageio_ffmpeg

        gen = imageio_ffmpeg.read_frames(str(video))
        meta = next(gen)
        gen.close()
        return float(meta.get("duration") or 0.0) or None
    except (ImportError, OSError, RuntimeError, StopIteration, ValueError) as exc:
        log.info("no duration for %s: %s", video, exc)
        return None


# ----------------------------------------------------------------------------- deliver
def deliverables(store: ProjectStore, cues: list[str], out_dir: Path) -> Path | None:
    """The pipeline's render stage into a fresh ``out_dir`` (None without the pipeline)."""
    stage_render = _optional("assistant.pipeline.render", "stage_render")
    if stage_render is None:
        return None
    import shutil

    shutil.rmtree(out_dir, ignore_errors=True)
    stage_render(store, out_dir, cues)
    return out_dir


# ----------------------------------------------------------------------------- lesson
def lesson_page(store: ProjectStore, subject: str | None, out_dir: Path) -> Path | None:
    """#13's lesson page (``assistant.themes.lesson.write_lesson``) for a theme of the
    project and its appearances in the development plan; None without it."""
    import json
    from types import SimpleNamespace

    write_lesson = _optional("assistant.themes.lesson", "write_lesson")
    plan_items = _optional("assistant.themes.lesson", "plan_items")
    if write_lesson is None:
        return None
    from assistant.music.score import Score

    themes = json.loads((store.root / "stages" / "themes.json").read_text("utf-8"))["themes"]
    if not themes:
        raise InputError("this film has no themes yet", field="theme")
    t = next((x for x in themes if x["name"] == subject), themes[0])
    full = Score.from_midi(resolve_inside(store.root, t["midi"], field="themes.midi"))
    score = Score(parts=full.parts[:1], tempos=full.tempos, meters=full.meters, key=full.key)
    rows = json.loads((store.root / "stages" / "plan.json").read_text("utf-8"))["rows"]
    project = store.load()
    entries = None
    if plan_items is not None and all("transformations" in r and "roles" in r for r in rows):
        entries = plan_items(SimpleNamespace(rows=rows), t["name"], project)
    return write_lesson(score, out_dir, title=f"The {t['name']} theme in {project.title}",
                        entries=entries,
                        intro=f"How the {t['name']} theme is stated and transformed across "
                              "the film's cues.")


# ----------------------------------------------------------------------------- guard
def compare_to_temp(midi: Path, temp: Path) -> dict[str, Any]:
    """How close a draft is to a temp track: score, verdict and the matching passages."""
    from assistant.guard.melody import load_melodies
    from assistant.guard.similarity import compare_sets, verdict_for

    sim, ia, ib = compare_sets(load_melodies(midi), load_melodies(temp))
    d = sim.to_dict() if hasattr(sim, "to_dict") else {"score": float(sim.score)}
    d["score"] = float(d.get("score", 0.0))
    d["verdict"] = verdict_for(d["score"])
    d["draft_line"], d["temp_line"] = ia, ib
    return d


def guard_check(store: ProjectStore, midi: Path) -> dict[str, Any]:
    """The guard on a revision's music: its closest temp-track line and corpus piece.

    ``verdict`` is "copy", "similar" or "distinct"; music without a melodic line of four
    notes (a sting, a pad) has nothing to copy and is "distinct" with a note saying so.
    """
    from assistant.guard.index import default_index
    from assistant.guard.loop import check
    from assistant.guard.melody import load_melodies
    from assistant.guard.report import load_temp_melodies
    from assistant.guard.similarity import verdict_for

    try:
        lines = load_melodies(midi)
    except InputError as exc:
        if "no melodic line" not in exc.message:
            raise
        return {"verdict": "distinct", "score": 0.0, "temp": None, "corpus": None,
                "note": "no melodic line of four notes to compare"}
    c = check(lines, load_temp_melodies(store.root), default_index())
    return {"verdict": verdict_for(c.score), "score": round(c.score, 4),
            "temp": c.temp.to_dict() if c.temp else None,
            "corpus": c.corpus.to_dict() if c.corpus else None, "note": ""}


def guard_verdict(rev: Revision) -> str:
    """The guard's verdict recorded on a revision ("copy", "similar", "distinct" or "")."""
    g = rev.guard or {}
    if g.get("verdict"):
        return str(g["verdict"])
    acc = g.get("accepted") or {}
    if isinstance(acc, dict) and acc.get("verdict"):
        return str(acc["verdict"])
    if isinstance(acc, dict) and acc.get("score") is not None:
        from assistant.guard.similarity import verdict_for

        return verdict_for(float(acc["score"]))
    if g.get("passed") is False:
        return "copy"
    return ""
