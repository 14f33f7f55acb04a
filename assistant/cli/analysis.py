"""`spot`: read cue descriptions like a music supervisor (function, mood, evidence).

    scoring-assistant spot --text "1M3 - stalker reveal, sting on the door" --json
    scoring-assistant spot --file notes.txt --json      # one description per line

With ``--json`` each input gives one JSON object on one line (contract in DESIGN.md):
``{"text", "functions": [{"label", "score"}, ... all 12, best first], "mood": {...}}`` plus
``evidence``, ``confident`` and ``question``. Without it, a readable top 3 with evidence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import JsonOpt, QuietOpt, emit_json, say, setup
from assistant.errors import InputError, read_text

TextOpt = Annotated[
    list[str] | None,
    typer.Option("--text", "-t", help="A cue description (repeat for several)."),
]
FileOpt = Annotated[
    Path | None,
    typer.Option("--file", "-f", help="A UTF-8 text file: one description per line, blank lines skipped."),
]


def register(app: typer.Typer) -> None:
    app.command("spot")(spot)


#: a film has a few hundred cues; each description takes ~10 ms to classify
MAX_DESCRIPTIONS = 1000


def collect_inputs(texts: list[str] | None, file: Path | None) -> list[tuple[str, str | None, int | None]]:
    """(text, path, line) for every description, validated; raises InputError."""
    from assistant.analysis.classify import check_text

    items: list[tuple[str, str | None, int | None]] = []
    for i, t in enumerate(texts or []):
        try:
            items.append((check_text(t), None, None))
        except InputError as exc:
            raise exc.located(field=f"--text[{i + 1}]") from None
    if file is not None:
        content = read_text(file, what="cue description file", max_bytes=1024 * 1024)
        for n, line in enumerate(content.split("\n"), 1):
            if not line.strip():
                continue
            if len(items) >= MAX_DESCRIPTIONS:  # 3000 lines took minutes on a busy machine
                raise InputError(f"more than {MAX_DESCRIPTIONS} descriptions; split the file",
                                 path=file, line=n, field="description")
            try:
                items.append((check_text(line), str(file), n))
            except InputError as exc:
                raise exc.located(path=file, line=n) from None
        if not any(p is not None for _, p, _ in items):
            raise InputError("no cue descriptions in the file", path=file)
    if not items:
        raise InputError("give at least one --text or a --file")
    return items


def spot(
    text: TextOpt = None,
    file: FileOpt = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Propose a cue function (calibrated, all 12) and a mood for each description."""
    setup(quiet)
    items = collect_inputs(text, file)
    from assistant.analysis.classify import NICE, read_cues

    readings = read_cues([t for t, _, _ in items])
    for rd in readings:
        if json_out:
            emit_json(rd.to_json())
            continue
        say(rd.text)
        for fn, p in rd.functions[:3]:
            ev = ", ".join(f'"{e}"' for e in rd.evidence.get(fn, []))
            say(f"  {p:6.1%}  {fn:<18} {('<- ' + ev) if ev else ''}".rstrip())
        m = rd.mood
        say(
            f"  mood: valence {m.valence:+.2f}, arousal {m.arousal:+.2f}, tension {m.tension:.2f};"
            f" tags: {', '.join(m.tags) or '-'}"
        )
        if not rd.confident and rd.question:
            say(f"  not sure: {rd.question} (top guess: {NICE[rd.functions[0][0]]})")
        say("")
