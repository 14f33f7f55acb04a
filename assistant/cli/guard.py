"""`scoring-assistant similarity A B` and `scoring-assistant guard PROJECT`.

``similarity`` compares every melodic line of A with every line of B (MIDI, MusicXML or ABC)
and prints the best pair's ``{"score", "verdict", "passages": [...]}``.

``guard`` reports on every cue of a project: the MIDI of each cue's latest revision
(``revisions/<cue>/<nnnn>/``, artefacts listed in ``revision.json``) against the project's
temp tracks — every ``.mid``/``.midi``/``.musicxml``/``.xml``/``.mxl``/``.abc`` file in
``<project>/temp/`` — and against the corpus melody index, with the closest match of each
and both excerpts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.cli.common import JsonOpt, QuietOpt, emit_json, say, setup
from assistant.errors import InputError


def _fmt_passage(p: dict[str, Any] | None, a: str, b: str) -> str:
    if not p:
        return "    (no passage of 4 or more notes in common)"
    return (f"    {a} notes {p['a_start_note']}-{p['a_end_note']} (beats {p['a_start_beat']:g}-"
            f"{p['a_end_beat']:g}) ~ {b} notes {p['b_start_note']}-{p['b_end_note']} (beats "
            f"{p['b_start_beat']:g}-{p['b_end_beat']:g}), {p['notes']} notes, score "
            f"{p['score']:.3f}\n      {a}: {p['a_excerpt']}\n      {b}: {p['b_excerpt']}")


def similarity_cmd(
    a: Annotated[Path, typer.Argument(help="First piece: MIDI, MusicXML or ABC.")],
    b: Annotated[Path, typer.Argument(help="Second piece: MIDI, MusicXML or ABC.")],
    max_passages: Annotated[int, typer.Option(help="How many matching passages to list.")] = 5,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Melodic similarity of two pieces (transposition- and tempo-invariant), with passages."""
    setup(quiet)
    from assistant.guard.melody import load_melodies
    from assistant.guard.similarity import compare_sets

    if max_passages < 0:
        raise InputError("must be 0 or more", field="--max-passages")
    ma, mb = load_melodies(a), load_melodies(b)
    res, ia, ib = compare_sets(ma, mb, max_passages=max(1, max_passages))
    out = res.to_dict()
    out["passages"] = out["passages"][:max_passages]
    out["a_line"] = ma[ia].name if ia >= 0 else None
    out["b_line"] = mb[ib].name if ib >= 0 else None
    if json_out:
        emit_json(out)
        return
    say(f"score {out['score']:.3f}: {out['verdict']}  ({out['a_line']} vs {out['b_line']})")
    for p in out["passages"]:
        say(_fmt_passage(p, "A", "B"))


def guard_cmd(
    project: Annotated[Path, typer.Argument(help="Project folder (with project.json).")],
    no_corpus: Annotated[bool, typer.Option("--no-corpus", help="Skip the corpus check.")] = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Each cue's latest revision against the temp tracks (<project>/temp/) and the corpus."""
    setup(quiet)
    from assistant.guard.report import project_report

    rep = project_report(project, use_corpus=not no_corpus)
    if json_out:
        emit_json(rep)
        return
    say(f"guard: {rep['project']} — {len(rep['temp_tracks'])} temp track(s), corpus "
        f"{'of ' + str(rep['corpus_pieces']) + ' pieces' if rep['corpus_pieces'] else 'not checked'}")
    for c in rep["cues"]:
        if c.get("revision") is None:
            say(f"{c['cue']}: {c['status']}")
            continue
        say(f"{c['cue']} rev {c['revision']} ({c['midi']}): {c['verdict']}")
        for key in ("temp", "corpus"):
            m = c.get(key)
            if m:
                say(f"  closest {key}: {m['reference']}{' (' + m['title'] + ')' if m.get('title') else ''}"
                    f" score {m['score']:.3f} {m['verdict']}")
                say(_fmt_passage(m.get("passage"), "cue", key))


def register(app: typer.Typer) -> None:
    app.command("similarity")(similarity_cmd)
    app.command("guard")(guard_cmd)
