"""Commands ``brief`` (director's words -> musical parameters) and ``analyze`` (script analysis).

``scoring-assistant brief "TEXT" --json`` and ``scoring-assistant brief --file FILE [--delta] --json``
print one JSON object per brief, one per line (contract keys: tempo_bpm, key, meter, mode, dynamics,
include_instruments, exclude_instruments, valence, arousal, tension, tags, avoid_references).

``scoring-assistant analyze SCRIPT [--spotting FILE] --json`` prints one JSON object: scenes,
characters, leitmotif_candidates, emotional_curve, cues (given or proposed) and silences.
"""

from __future__ import annotations

from pathlib import Path

import typer

from assistant.cli.common import JsonOpt, QuietOpt, emit_json, say, setup
from assistant.errors import InputError, read_text

#: a film has a few hundred cues at most; each brief takes ~10 ms to read
MAX_BRIEFS = 1000
MAX_BRIEF_FILE_BYTES = 1024 * 1024


def register(app: typer.Typer) -> None:
    app.command("brief")(brief)
    app.command("analyze")(analyze)


def brief(
    text: str | None = typer.Argument(None, help="The brief, in the director's words."),
    file: Path | None = typer.Option(None, "--file", help="One brief per line ('#' lines and "
                                     "blank lines are skipped)."),
    delta: bool = typer.Option(False, "--delta", help="With --file: each line revises the "
                               "brief of the line before."),
    no_model: bool = typer.Option(False, "--no-model", help="Rules and lexicon only (skip the "
                                  "embedding mood model)."),
    table: bool = typer.Option(False, "--table", help="Print the emotion -> music defaults "
                               "table that fills what a brief leaves open, and exit."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Turn a director's brief into musical parameters (tempo, key, meter, mode, dynamics,
    instruments, mood)."""
    setup(quiet)
    from assistant.analysis.brief import apply_delta, parse_brief

    if table:
        from assistant.analysis.emotion_table import ROWS, TAG_ROW, table_text

        if json_out:
            emit_json({"rows": {k: {"tempo_bpm": list(r.tempo_bpm), "mode": r.mode,
                                    "register": r.register, "dynamics": list(r.dynamics),
                                    "density": r.density, "colours": list(r.colours)}
                                for k, r in ROWS.items()}, "tag_rows": TAG_ROW})
        else:
            say(table_text())
        return
    if (text is None) == (file is None):
        raise InputError("give the brief as TEXT or with --file FILE (one of the two)",
                         field="brief")
    if delta and file is None:
        raise InputError("--delta needs --file (each line revises the line before)",
                         field="delta")
    items: list[tuple[int | None, str]]
    if file is not None:
        lines = read_text(file, what="brief file", max_bytes=MAX_BRIEF_FILE_BYTES).split("\n")
        items = [(i + 1, ln.strip()) for i, ln in enumerate(lines)
                 if ln.strip() and not ln.lstrip().startswith("#")]
        if len(items) > MAX_BRIEFS:  # 10,000 lines took two minutes
            raise InputError(f"{len(items)} briefs; the limit is {MAX_BRIEFS} (one per cue)",
                             path=file, line=items[MAX_BRIEFS][0], field="brief")
        if not items:
            raise InputError("brief file has no briefs (only comments or blank lines)",
                             path=file)
    else:
        items = [(None, text or "")]
    previous = None
    for line_no, line in items:
        try:
            if delta and previous is not None:
                b = apply_delta(previous, line)
            else:
                b = parse_brief(line, use_model=not no_model)
        except InputError as exc:
            raise exc.located(path=file, line=line_no) from None
        previous = b
        if json_out:
            emit_json(b.to_dict())
        else:
            say(_brief_text(b))


def _brief_text(b: object) -> str:
    d = b.to_dict()  # type: ignore[attr-defined]
    lines = [f"brief: {d['text']}"]
    tempo = d["tempo_bpm"]
    lines.append(f"  tempo     {tempo[0]:g}-{tempo[1]:g} BPM" if tempo else "  tempo     -")
    lines.append(f"  key       {d['key'] or '-'}   meter {d['meter'] or '-'}")
    lines.append(f"  mode      {d['mode'] or '-'}")
    dyn = d["dynamics"]
    lines.append(f"  dynamics  {dyn[0]}-{dyn[1]}" if dyn else "  dynamics  -")
    if d["density"] is not None:
        lines.append(f"  density   {d['density']:.2f}")
    lines.append(f"  register  {d['register'] or '-'}")
    lines.append(f"  use       {', '.join(d['include_instruments']) or '-'}")
    lines.append(f"  avoid     {', '.join(d['exclude_instruments']) or '-'}")
    lines.append(f"  mood      valence {d['valence']:+.2f}  arousal {d['arousal']:+.2f}  "
                 f"tension {d['tension']:.2f}  [{', '.join(d['tags'])}]")
    if d["avoid_references"]:
        lines.append(f"  not like  {', '.join(d['avoid_references'])}")
    if d["references"]:
        lines.append(f"  like      {', '.join(d['references'])}")
    for w in d["warnings"]:
        lines.append(f"  warning: {w}")
    return "\n".join(lines)


def analyze(
    script: Path = typer.Argument(..., help="Screenplay (.fountain or .fdx)."),
    spotting: Path | None = typer.Option(None, "--spotting", help="Spotting list (.csv, .txt "
                                         "or .edl); without it cues are proposed."),
    scene_cuts: Path | None = typer.Option(None, "--scene-cuts", help="Scene start timecodes "
                                           "from the cut (.edl of scene cuts, or .csv with "
                                           "columns scene,start); needs --spotting."),
    scene: list[str] = typer.Option([], "--scene", help="Correct the alignment: CUE=SCENES, "
                                    "e.g. 1M3=2 or 1M9=7-12 (scene numbers as in the "
                                    "report, 0-based). Repeat for several cues."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Read a screenplay like a music supervisor: characters, themes, emotional curve, cues.

    With a spotting list, the script is aligned to the cut first (cue notes and hits matched
    to scenes by meaning and names), so cues get their scenes, speeches and action lines on
    the picture's timeline, each with a confidence."""
    setup(quiet)
    from assistant.analysis.script import analyze_files, report_text

    if scene and spotting is None:
        raise InputError("--scene corrects a spotting list's cues; give --spotting too",
                         field="scene")
    result = analyze_files(script, spotting, scene_cuts=scene_cuts,
                           corrections=parse_scene_corrections(scene))
    if json_out:
        emit_json(result.to_dict())
    else:
        say(report_text(result))


def parse_scene_corrections(items: list[str]) -> dict[str, list[int]]:
    """``["1M3=2", "1M9=7-12", "1M5=4,5"]`` -> ``{"1M3": [2], "1M9": [7, ..., 12], ...}``."""
    import re

    out: dict[str, list[int]] = {}
    for item in items:
        m = re.fullmatch(r"\s*([^=\s]+)\s*=\s*([\d\s,\-]+)", item)
        if not m:
            raise InputError(f"cannot read {item!r}; expected CUE=SCENES such as 1M3=2 or "
                             "1M9=7-12", field="scene")
        scenes: list[int] = []
        for part in m.group(2).split(","):
            part = part.strip()
            if not part:
                continue
            a, _, b = part.partition("-")
            lo, hi = int(a), int(b or a)
            if hi < lo:
                raise InputError(f"scene range {part!r} runs backwards", field="scene")
            scenes.extend(range(lo, hi + 1))
        if not scenes:
            raise InputError(f"no scenes in {item!r}", field="scene")
        out[m.group(1)] = sorted(set(scenes))
    return out
