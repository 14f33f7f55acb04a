"""Film-level commands: create a project, score it, redraft a cue, the demo, the bench."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from assistant.cli.common import JsonOpt, QuietOpt, emit_json, say, setup
from assistant.errors import InputError


def register(app: typer.Typer) -> None:
    app.command("new")(new)
    app.command("score")(score)
    app.command("draft")(draft)
    app.command("demo")(demo)
    app.command("bench")(bench)


def new(
    project: str = typer.Argument(..., help="Folder for the new project (must not hold one)."),
    script: str = typer.Option(..., "--script", help="Screenplay (.fountain, .fdx)."),
    spotting: str | None = typer.Option(None, "--spotting", help="Spotting list (.txt, .csv, "
                                        ".edl); without one the analysis proposes cues."),
    briefs: str | None = typer.Option(None, "--briefs", help="Briefs file: lines 'CUE: brief' (and 'CAST: NAME voice, ...')."),
    temp: list[str] = typer.Option([], "--temp", help="Temp track (MIDI/MusicXML); repeatable."),
    fps: str | None = typer.Option(None, "--fps", help="Frame rate, e.g. 24, 23.976, 29.97 DF."),
    start_tc: str | None = typer.Option(None, "--start-tc", help="Film start timecode."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Create a project folder from your screenplay, spotting list, briefs and temp tracks."""
    setup(quiet)
    from assistant.pipeline import new_project

    store = new_project(project, script, spotting=spotting, briefs=briefs, temp=tuple(temp),
                        fps=fps, start_tc=start_tc)
    film = store.load()
    info = {"project": str(store.root), "title": film.title, "fps": film.rate.name,
            "start_tc": film.start_tc, "scenes": len(film.scenes), "cues": [c.id for c in film.cues],
            "briefs": sum(bool(c.brief) for c in film.cues)}
    if json_out:
        emit_json(info)
    else:
        say(f"created {info['project']}: {film.title or '(untitled)'}, {info['fps']} fps from "
            f"{film.start_tc}, {info['scenes']} scenes, {len(film.cues)} cues "
            f"({info['briefs']} with a brief)")


def _cue_list(cues: str | None) -> list[str] | None:
    if cues is None:
        return None
    ids = [c.strip() for c in cues.split(",") if c.strip()]
    if not ids:
        raise InputError("--cues takes cue ids separated by commas, e.g. 1M1,1M4", field="cues")
    return ids


def score(
    project: str | None = typer.Argument(None, help="A project folder (made by `new`)."),
    out: str = typer.Option(..., "--out", help="Folder for the deliverables and manifest.json."),
    script: str | None = typer.Option(None, "--script", help="Score these files instead of "
                                      "a project (the project goes to OUT/project)."),
    spotting: str | None = typer.Option(None, "--spotting", help="Spotting list (with --script)."),
    briefs: str | None = typer.Option(None, "--briefs", help="Briefs file (with --script)."),
    temp: list[str] = typer.Option([], "--temp", help="Temp track (with --script); repeatable."),
    fps: str | None = typer.Option(None, "--fps", help="Frame rate (with --script)."),
    cues: str | None = typer.Option(None, "--cues", help="Only these cues, e.g. 1M1,1M4."),
    palette: str | None = typer.Option(None, "--palette", help="Palette for every cue: "
                                       "full_orchestra (default), strings, chamber, piano, "
                                       "hybrid, or a palette file (.json/.toml); each cue's "
                                       "brief then picks the instruments inside it."),
    seed: int = typer.Option(0, "--seed", min=0, help="Random seed (same seed, same draft)."),
    render: str = typer.Option("full", "--render", help="full: audio, stems, score, parts, "
                               "PDF, reel; quick: the audio mix only; midi: no audio or "
                               "notation (fastest)."),
    only: str | None = typer.Option(None, "--only", help="Re-run only these stages of a "
                                    "project, e.g. guard,render (deliver the latest "
                                    "revisions without drafting new ones)."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Score every cue (or --cues) of a film and write OUT/manifest.json."""
    setup(quiet)
    from assistant.pipeline import score_files, score_film

    if (project is None) == (script is None):
        raise InputError("give a PROJECT folder or --script SCRIPT (not both)", field="project")
    if project is not None and (spotting or briefs or temp or fps):
        raise InputError("--spotting, --briefs, --temp and --fps go with --script; a project "
                         "already has them", field="project")
    from assistant.pipeline.render import RENDER_MODES

    if render not in RENDER_MODES:
        raise InputError(f"--render takes {', '.join(RENDER_MODES)}, not {render!r}",
                         field="render")
    ids = _cue_list(cues)
    stages = [x.strip() for x in only.split(",") if x.strip()] if only is not None else None
    if stages is not None and (not stages or project is None):
        raise InputError("--only takes stage names (e.g. guard,render) and a PROJECT",
                         field="only")
    if project is not None:
        manifest = score_film(project, out, cues=ids, palette=palette, seed=seed,
                              progress=not quiet, render=render, stages=stages)
    else:
        manifest = score_files(script, out, spotting=spotting, briefs=briefs, temp=tuple(temp),
                               fps=fps, cues=ids, palette=palette, seed=seed, progress=not quiet,
                               render=render)
    if json_out:
        emit_json(manifest)
    elif "cues" not in manifest:
        say("ran " + ", ".join(f"{k} ({v:.1f} s)" for k, v in manifest["timings_s"].items()))
    else:
        say(figures_table(manifest))
        say(f"\nmanifest: {Path(out) / 'manifest.json'}")


def figures_table(manifest: dict[str, Any]) -> str:
    """The per-cue figures of a manifest as a text table."""
    lines = [f"{manifest['film']['title']}: {len(manifest['cues'])} cue(s) scored",
             f"{'cue':<7}{'function':<18}{'palette':<16}{'cover':>6}{'parts':>6}"
             f"{'hits':>5}{'sync err':>9}{'no event':>9}{'voice band':>12}{'mickey':>7}  guard"]
    for c in manifest["cues"]:
        r = c["report"]
        hits = r.get("hits", [])
        err = max((h.get("error_frames") or 0.0 for h in hits), default=0.0)
        missed = sum(1 for h in hits if h.get("important") and h.get("event") == "none")
        d = r.get("dialogue", {})
        band = f"{d.get('voice_band_notes')}/{d.get('voice_band_notes_without_pass')}"
        mm = r.get("mickey_mousing_index")
        g = r.get("guard", {}) or {}
        lines.append(
            f"{c['id']:<7}{(c.get('function') or '-'):<18}{(c.get('palette') or '-'):<16}"
            f"{r.get('coverage', 0):>6.0%}{len(r.get('parts', [])):>6}{len(hits):>5}"
            f"{err:>9.2f}{missed:>9}{band:>12}{'-' if mm is None else f'{mm:.2f}':>7}  "
            f"{g.get('verdict', '-')}")
    lines.append("cover: share of the cue with music; no event: important hits without an "
                 "accent or cut-off within one frame; voice band: notes in the speaker's band "
                 "under dialogue with/without the dialogue pass")
    return "\n".join(lines)


def draft(
    project: str = typer.Argument(..., help="A project folder that has been scored."),
    cue: str = typer.Option(..., "--cue", help="The cue to draft, e.g. 1M4."),
    brief: str | None = typer.Option(None, "--brief", help="A new brief, or a revision of the "
                                     "last one ('darker, no drums')."),
    revise: str | None = typer.Option(None, "--revise", help="Revision notes on the cue's "
                                      "latest revision ('darker, less busy, no piano'): they "
                                      "move what that revision was drafted with."),
    palette: str | None = typer.Option(None, "--palette", help="Palette: full_orchestra, "
                                       "strings, chamber, piano, hybrid, or a palette file."),
    seed: int = typer.Option(0, "--seed", min=0, help="Random seed."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Draft one cue again as a new revision; the earlier revisions stay."""
    setup(quiet)
    from assistant.pipeline import draft_cue
    from assistant.project import ProjectStore

    store = ProjectStore(project)
    if revise is not None:
        from assistant.revise import revise_cue

        if brief is not None:
            raise InputError("give --brief (a new brief) or --revise (notes on the last "
                             "revision), not both", field="revise")
        rev = revise_cue(store, cue, revise, palette=palette, seed=seed)
    else:
        rev = draft_cue(store, cue, brief=brief, palette=palette, seed=seed)
    folder = store.revision_dir(rev.cue_id, rev.number)
    info = {"cue": rev.cue_id, "revision": rev.number, "folder": str(folder),
            "files": [str(folder / a) for a in rev.artefacts], "palette": rev.params.get("palette"),
            "revisions": [r.number for r in store.revisions(rev.cue_id)],
            "changes": rev.params.get("changes", [])}
    if revise is not None:
        from assistant.revise import revision_figures

        info["figures"] = {"before": revision_figures(store, rev.cue_id, rev.parent),
                           "after": revision_figures(store, rev.cue_id, rev.number)}
    if json_out:
        emit_json(info)
    else:
        say(f"{rev.cue_id} revision {rev.number} ({rev.message}) in {folder}; "
            f"revisions kept: {', '.join(str(n) for n in info['revisions'])}")
        if "figures" in info:
            b, a = info["figures"]["before"], info["figures"]["after"]
            say("\n".join(f"  {k:<15}{b[k]!s:>14} -> {a[k]!s}" for k in b if k != "instruments"))


def demo(
    out: str = typer.Option("out/demo", "--out", help="Folder for the deliverables."),
    render: str = typer.Option("full", "--render", help="full, quick or midi (as for score)."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Score the bundled example film (`score` on examples/the-keepers-light) into OUT."""
    setup(quiet)
    from assistant.demo import run_demo
    from assistant.pipeline.render import RENDER_MODES

    if render not in RENDER_MODES:
        raise InputError(f"--render takes {', '.join(RENDER_MODES)}, not {render!r}",
                         field="render")
    manifest = run_demo(out, progress=not quiet, render=render)
    if json_out:
        emit_json(manifest)
    else:
        say(figures_table(manifest))
        say(f"\nmanifest: {Path(out) / 'manifest.json'}")


def bench(
    out: str = typer.Option("out/bench", "--out", help="Folder for bench.json."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Measure every speed target (tokens/s, classification, sync, guard) and write JSON."""
    setup(quiet)
    from assistant.bench import format_table, run_all

    report = run_all(out)
    if json_out:
        emit_json(report)
    else:
        say(format_table(report))
        say(f"\nwritten: {report['path']}")
