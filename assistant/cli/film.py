"""Film-level commands: the demo job and script analysis."""

from __future__ import annotations

import typer

from assistant.cli.common import JsonOpt, QuietOpt, emit_json, say, setup


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
    app.command("bench")(bench)


def demo(
    out: str = typer.Option("out/demo", "--out", help="Folder for the deliverables."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Run the main job on the bundled example film and write the deliverables to OUT."""
    setup(quiet)
    from assistant.demo import run_demo

    summary = run_demo(out)
    if json_out:
        emit_json(summary)
    else:
        say(summary["text"])


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
