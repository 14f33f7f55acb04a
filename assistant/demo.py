"""The main job: score the bundled example film end to end.

`scoring-assistant demo --out out/demo` (and `make demo`) runs every stage on
``examples/the-keepers-light`` and writes the deliverables into ``--out``:

1. import the screenplay and the spotting list into a project (saved atomically);
2. read the film: cue functions and moods, leitmotif candidates, the emotional curve;
3. turn the director's briefs into musical parameters;
4. sync: a tempo map per cue that lands every hit, a conductor-track MIDI, a click
   track (MIDI + WAV) and a streamer/punch list;
5. themes for the leitmotifs the analysis found, written by the music model, and a
   guarded variation of its theme for every scored cue, kept as that cue's first
   revision (sketch MIDI over the cue's own tempo map);
6. the temp-love guard's report: every cue against the temp track and the corpus;
7. the cue list and the cue sheet.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Any

from assistant.analysis.brief import MusicBrief, brief_from_mood, parse_brief
from assistant.analysis.script import ScriptAnalysis, analyze_script, report_text
from assistant.errors import InputError, read_text
from assistant.importers import Screenplay, SpottingList, film_from, load_screenplay, load_spotting
from assistant.project import (
    FilmProject,
    Mood,
    ProjectStore,
    atomic_write_json,
    atomic_write_text,
    safe_filename,
)
from assistant.render.cuesheet import cue_list_text, cue_sheet_csv
from assistant.sync import sync_cue
from assistant.themes import (
    ThemeSubject,
    assign_themes,
    choose_subjects,
    controls_for,
    develop,
    lead_instrument,
    part_for,
    place_on_conductor,
    variation_strength,
    write_theme,
)

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
    script, spotting = load_screenplay(ex / "screenplay.fountain"), load_spotting(ex / "spotting.txt")
    project = film_from(script, spotting)
    store = ProjectStore(out / "project")
    outputs["project"] = str(store.save(project))

    log.info("reading the film (cue functions, moods, leitmotifs, emotional curve)")
    analysis = stage_read(project, script, spotting)
    atomic_write_json(out / "analysis.json", analysis.to_dict())
    _write(out / "analysis.txt", report_text(analysis), outputs, "analysis_report")
    outputs["analysis"] = str(out / "analysis.json")
    store.save(project)

    log.info("turning the director's briefs into musical parameters")
    briefs = stage_briefs(project, ex / "brief.txt")
    feels = stage_temp_feel(project, briefs, ex / "temp")
    atomic_write_json(out / "briefs.json", {k: b.to_dict() | ({"temp_feel": feels[k]} if k in feels
                                                             else {}) for k, b in briefs.items()})
    outputs["briefs"] = str(out / "briefs.json")

    subjects = choose_subjects(analysis.leitmotif_candidates)
    assignment = assign_themes(subjects, project.cues, {c.id: c.scenes for c in analysis.cues})
    meters = {cue_id: subj.meter for cue_id, subj in assignment.items()}

    log.info("fitting tempo maps to the hits")
    sync_report = stage_sync(project, out / "sync", targets=tempo_targets(project, briefs),
                             meters=meters)

    log.info("writing themes and a guarded sketch per cue")
    for temp in sorted((ex / "temp").glob("*.mid")):
        (store.root / "temp").mkdir(exist_ok=True)
        shutil.copyfile(temp, store.root / "temp" / temp.name)
    themes_report = stage_themes(project, store, subjects, assignment, briefs, sync_report)
    atomic_write_json(out / "themes.json", themes_report)
    outputs["themes"] = str(out / "themes.json")
    store.save(project)

    log.info("checking every cue against the temp track and the corpus")
    from assistant.guard.report import project_report

    guard_report = project_report(store.root)
    atomic_write_json(out / "guard_report.json", guard_report)
    outputs["guard_report"] = str(out / "guard_report.json")
    outputs["sync"] = str(out / "sync")

    cue_list = cue_list_text(project)
    _write(out / "cue_list.txt", cue_list, outputs, "cue_list")
    _write(out / "cue_sheet.csv", cue_sheet_csv(project), outputs, "cue_sheet")
    store.save(project)

    text = (cue_list + "\n\n" + _sync_table(sync_report) + "\n\n"
            + _themes_table(themes_report, guard_report))
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


def stage_read(project: FilmProject, script: Screenplay, spotting: SpottingList) -> ScriptAnalysis:
    """Analyse the film and write each cue's proposed function and mood into the project.

    A FUNCTION given in the spotting list stays; otherwise the classifier's best reading
    is taken and the cue is marked ``proposed`` (the user confirms it).
    """
    analysis = analyze_script(script, spotting)
    by_id = {c.id: c for c in analysis.cues}
    for cue in project.cues:
        ca = by_id.get(cue.id)
        if ca is None:
            continue
        cue.function_scores = {k: round(float(p), 4) for k, p in ca.functions}
        if cue.function is not None:
            cue.function_from = "spotting list"
        elif ca.function:
            cue.function = ca.function
            cue.function_from = "proposed"
            cue.status = "proposed"
        m = ca.mood
        if m:
            cue.mood = Mood(valence=m["valence"], arousal=m["arousal"], tension=m["tension"],
                            tags=list(m.get("tags", [])))
    return analysis


def stage_briefs(project: FilmProject, path: Path) -> dict[str, MusicBrief]:
    """Parse ``CUE: brief`` lines; each brief is stored on its cue and returned by cue id."""
    briefs: dict[str, MusicBrief] = {}
    for line_no, line in enumerate(read_text(path, what="brief file").splitlines(), 1):
        if not line.strip():
            continue
        try:
            b = parse_brief(line)
        except InputError as exc:
            raise exc.located(path=path, line=line_no, field="brief") from None
        if not b.cue_id:
            raise InputError("each brief starts with its cue id, e.g. '1M4: ...'", path=path,
                             line=line_no, field="cue")
        cue = project.cue(b.cue_id)
        cue.brief = line.split(":", 1)[1].strip()
        briefs[cue.id] = b
    return briefs


def stage_temp_feel(project: FilmProject, briefs: dict[str, MusicBrief], temp_dir: Path
                    ) -> dict[str, dict[str, Any]]:
    """"Like the temp in feel, not in notes": a temp track named ``<cue>-*.mid`` lends its
    cue's brief the attributes the director did not state (tempo, register, density, mode).
    The notes never travel: the guard checks every sketch against the same file."""
    from assistant.guard.feel import feel_from_file

    density_of = {"low": 0.25, "mid": 0.5, "high": 0.75}
    feels: dict[str, dict[str, Any]] = {}
    for f in sorted(temp_dir.glob("*.mid")) if temp_dir.is_dir() else []:
        cue_id = f.stem.split("-")[0]
        if not any(c.id == cue_id for c in project.cues):
            continue
        feel = feel_from_file(f)
        b = briefs.setdefault(cue_id, MusicBrief(text="", cue_id=cue_id))
        taken = []
        if "tempo_bpm" not in b.explicit and feel.get("tempo_bpm"):
            b.tempo_bpm = tuple(feel["tempo_bpm"])
            taken.append("tempo_bpm")
        if "register" not in b.explicit and feel.get("register"):
            b.register = feel["register"]
            taken.append("register")
        if "density" not in b.explicit and feel.get("density") in density_of:
            b.density = density_of[feel["density"]]
            taken.append("density")
        if "mode" not in b.explicit and feel.get("mode") in ("major", "minor"):
            b.mode = feel["mode"]
            taken.append("mode")
        b.evidence.append({"field": "temp_feel", "value": taken, "words": f.name})
        feels[cue_id] = feel | {"taken": taken}
    return feels


def tempo_targets(project: FilmProject, briefs: dict[str, MusicBrief]
                  ) -> dict[str, tuple[float, float, float]]:
    """(target, min, max) BPM per cue: the brief's range, else the mood's default range.

    The target is the middle of the range; sync may move 20 % beyond it so that every hit
    can still land exactly on a beat.
    """
    out: dict[str, tuple[float, float, float]] = {}
    for cue in project.cues:
        b = briefs.get(cue.id)
        rng = b.tempo_bpm if b is not None and b.tempo_bpm else None
        if rng is None and cue.mood is not None:
            rng = brief_from_mood(cue.mood.valence, cue.mood.arousal, cue.mood.tension,
                                  cue.mood.tags).tempo_bpm
        if rng is None:
            continue
        lo, hi = rng
        out[cue.id] = ((lo + hi) / 2, max(30.0, lo * 0.8), min(240.0, hi * 1.2))
    return out


def stage_sync(project: FilmProject, out: Path,
               targets: dict[str, tuple[float, float, float]] | None = None,
               meters: dict[str, tuple[int, int]] | None = None) -> dict[str, Any]:
    """Fit a tempo map per cue and write its conductor MIDI, click and streamers.

    ``targets`` maps a cue id to (target, min, max) BPM from its brief or mood; cues
    without one use the sync defaults. Source cues are synced too: the band on screen
    still has to stop on the kick.
    """
    report: dict[str, Any] = {}
    for cue in project.cues:
        target, lo, hi = (targets or {}).get(cue.id, (None, None, None))
        res = sync_cue(cue, project.rate, out / safe_filename(cue.id), film_start_tc=project.start_tc,
                       target_bpm=target, min_bpm=lo, max_bpm=hi,
                       meter=(meters or {}).get(cue.id, (4, 4)))
        best = res["solution"].to_json()
        report[cue.id] = {
            "mode": res["mode"],
            "fallback": res["fallback"],
            "max_error_frames": best["max_error_frames"],
            "tempos_bpm": sorted({round(t["bpm"], 2) for t in best["tempo_map"]}),
            "tempo_changes": len(best["tempo_map"]) - 1,
            "cue_end_beats": float(best["cue_end"]["position_beats"]),
            "hits": len(best["hits"]),
            "paths": res["paths"],
        }
    return report


def stage_themes(project: FilmProject, store: ProjectStore, subjects: list[ThemeSubject],
                 assignment: dict[str, ThemeSubject], briefs: dict[str, MusicBrief],
                 sync_report: dict[str, Any], seed: int = 2026) -> dict[str, Any]:
    """Write each subject's theme (guarded), then a guarded variation per assigned cue.

    Each theme is written under the controls of the first cue that states it; each cue's
    sketch is a variation of its theme under the cue's own mood and brief, placed over the
    cue's tempo map and kept as a new revision with the guard's record (accepted and
    rejected candidates and why).
    """
    from assistant.guard.index import default_index
    from assistant.guard.report import load_temp_melodies
    from assistant.music.score import Score
    from assistant.project import Theme

    index = default_index()
    refs = load_temp_melodies(store.root)
    film_s = max((c.end_s for c in project.cues), default=1.0)
    report: dict[str, Any] = {"themes": [], "cues": {}}
    themes: dict[str, Score] = {}
    project.themes = []
    for k, subj in enumerate(subjects):
        if not subj.cues:
            continue
        first = project.cue(subj.cues[0])
        ins = lead_instrument(briefs.get(first.id), first.mood)
        controls = controls_for(first.mood, briefs.get(first.id), subj.meter, ins, seed + 1000 * k)
        theme, res = write_theme(subj, controls, refs, index)
        theme = part_for(theme, ins)
        rel = f"themes/{subj.slug}.mid"
        theme.to_midi(store.root / rel)
        themes[subj.name] = theme
        project.themes.append(Theme(id=subj.slug, name=subj.name, subject=subj.kind, midi_path=rel,
                                    notes=f"{subj.why}; stated in {', '.join(subj.cues)}"))
        report["themes"].append({"name": subj.name, "kind": subj.kind, "meter": list(subj.meter),
                                 "instrument": ins, "midi": str(store.root / rel),
                                 "cues": subj.cues, "guard": res.to_record()})
    for i, cue in enumerate(sorted(project.cues, key=lambda c: c.start_s)):
        subj = assignment.get(cue.id)
        if subj is None or subj.name not in themes:
            continue
        brief, mood = briefs.get(cue.id), cue.mood
        ins = lead_instrument(brief, mood)
        controls = controls_for(mood, brief, subj.meter, ins, seed + 17 * (i + 1))
        strength = variation_strength(cue.start_s / film_s, cue.function)
        sketch, res = develop(themes[subj.name], controls, strength, refs, index,
                              name=f"{cue.id} {subj.name}")
        conductor = Score.from_midi(sync_report[cue.id]["paths"]["conductor_midi"])
        placed = place_on_conductor(conductor, part_for(sketch, ins),
                                    sync_report[cue.id]["cue_end_beats"])
        rev, folder = store.new_revision(
            cue.id, brief=cue.brief, seed=controls.seed,
            params={"theme": subj.name, "instrument": ins, "strength": strength,
                    "mode": controls.mode, "density": controls.density,
                    "register": controls.register, "meter": list(subj.meter)},
            message=f"theme sketch: {subj.name} varied ({strength:.0%} rewritten) for {ins}")
        placed.to_midi(folder / "sketch.mid")
        rev.artefacts = ["sketch.mid"]
        rev.guard = res.to_record()
        store.save_revision(rev)
        cue.status = "drafted"
        report["cues"][cue.id] = {"theme": subj.name, "instrument": ins, "strength": strength,
                                  "revision": rev.number, "midi": str(folder / "sketch.mid"),
                                  "guard_passed": res.passed, "attempts": res.attempts,
                                  "rejected": len(res.rejected)}
    return report


def _themes_table(themes: dict[str, Any], guard: dict[str, Any]) -> str:
    lines = ["Themes (music model, guarded against the temp track and the corpus):"]
    for t in themes["themes"]:
        g = t["guard"]
        lines.append(f"  {t['name']:<12} {t['kind']:<9} {t['meter'][0]}/{t['meter'][1]} "
                     f"{t['instrument']:<10} cues {', '.join(t['cues'])}  "
                     f"(attempts {g['attempts']}, rejected {len(g['rejected'])})")
    lines.append("Cue sketches and their closest matches:")
    lines.append(f"  {'cue':<6} {'theme':<12} {'instrument':<11} {'rewritten':>9}  "
                 f"{'verdict':<9} {'score':>6}  closest")
    by_cue = {c["cue"]: c for c in guard.get("cues", [])}
    for cue_id, c in themes["cues"].items():
        g = by_cue.get(cue_id, {})
        closest = ""
        for side in ("temp", "corpus"):
            m = g.get(side)
            if m:
                closest += f"{side}: {m.get('title') or m.get('reference', '')} {m.get('score', 0):.2f}  "
        lines.append(f"  {cue_id:<6} {c['theme']:<12} {c['instrument']:<11} {c['strength']:>9.0%}  "
                     f"{g.get('verdict', '?'):<9} {g.get('score', 0):>6.2f}  {closest.strip()}")
    return "\n".join(lines)


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
            "duration_s": round(c.duration_s, 3), "function": c.function, "status": c.status,
            "mood": None if c.mood is None else {"valence": c.mood.valence,
                                                 "arousal": c.mood.arousal,
                                                 "tension": c.mood.tension, "tags": c.mood.tags},
            "hits": len(c.hits), "dialogue_spans": len(c.dialogue)}


def _write(path: Path, text: str, outputs: dict[str, str], key: str) -> None:
    atomic_write_text(path, text if text.endswith("\n") else text + "\n")
    outputs[key] = str(path)
