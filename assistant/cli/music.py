"""Music-model commands: ``eval-model`` (one JSON object of metrics) and ``generate``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from assistant.cli.common import JsonOpt, QuietOpt, emit_json, say, setup
from assistant.errors import InputError


def register(app: typer.Typer) -> None:
    app.command("eval-model")(eval_model)
    app.command("generate")(generate_cmd)


def eval_model(
    quick: bool = typer.Option(False, "--quick", help="Reduced evaluation (fewer melodies and samples)."),
    model_dir: str = typer.Option("", "--model-dir", help="Model folder (default: models/music)."),
    out: str = typer.Option("", "--out", help="Also write the JSON object to this file."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1, help="Sampling seed."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Evaluate the music model: bits per note, NLL, distributions, control accuracy, copying."""
    setup(quiet)
    from assistant.music.evaluate import evaluate, summary_lines

    if model_dir and not (Path(model_dir) / "config.json").exists():
        raise InputError("no config.json in the model folder", path=model_dir)
    res = evaluate(Path(model_dir) if model_dir else None, quick=quick, seed=seed)
    if out:
        from assistant.storage import atomic_write_text

        atomic_write_text(out, json.dumps(res, indent=1))
    if json_out:
        emit_json(res)
    else:
        for line in summary_lines(res):
            say(line)


_PCS = {"C": 0, "C#": 1, "DB": 1, "D": 2, "D#": 3, "EB": 3, "E": 4, "F": 5, "F#": 6, "GB": 6, "G": 7,
        "G#": 8, "AB": 8, "A": 9, "A#": 10, "BB": 10, "B": 11}


def generate_cmd(
    out: str = typer.Option("out/music", "--out", help="Folder for the MIDI files."),
    bars: int = typer.Option(4, "--bars", min=1, max=32, help="Exact number of bars."),
    meter: str = typer.Option("4/4", "--meter", help="Meter N/D."),
    key: str = typer.Option("", "--key", help="Tonic such as D or Eb (empty: the model chooses)."),
    mode: str = typer.Option("", "--mode", help="major or minor."),
    density: str = typer.Option("", "--density", help="low, mid or high."),
    register_: str = typer.Option("", "--register", help="low, mid or high."),
    ensemble: str = typer.Option("solo", "--ensemble", help="solo, chorale, ensemble or keyboard."),
    instrument: str = typer.Option("", "--instrument", help="Instrument id (flute, violin, ...)."),
    scale: bool = typer.Option(False, "--scale", help="Keep every pitch in the key's scale."),
    chords: str = typer.Option("", "--chords", help="Chord per bar, e.g. 'i iv V7 i' (Roman numerals need "
                               "--key/--mode) or 'Dm Gm A7 Dm'; '*' lets the model choose; cycled to --bars."),
    n: int = typer.Option(1, "--n", min=1, max=16, help="Number of candidates."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1),
    temperature: float = typer.Option(1.0, "--temperature", help="0.01-10 (1 = the model's own)."),
    top_p: float = typer.Option(0.95, "--top-p", help="Nucleus mass, above 0 and at most 1."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Write N candidate passages of exactly BARS bars under the given controls (MIDI files)."""
    setup(quiet)
    import math

    from assistant.analysis.instruments import INSTRUMENTS
    from assistant.music.sample import generate
    from assistant.music.tokens import Controls

    if not (math.isfinite(temperature) and 0.01 <= temperature <= 10.0):
        raise InputError(f"must be a number from 0.01 to 10, got {temperature}",
                         field="--temperature")
    if not (math.isfinite(top_p) and 0.0 < top_p <= 1.0):
        raise InputError(f"must be above 0 and at most 1, got {top_p}", field="--top-p")
    try:
        num, den = (int(x) for x in meter.split("/"))
    except ValueError:
        raise InputError(f"meter must look like 3/4, not {meter!r}", field="--meter") from None
    if den not in (2, 4, 8) or not 1 <= num <= 12:
        raise InputError(f"unsupported meter {meter}", field="--meter")
    tonic = None
    if key:
        if key.strip().upper() not in _PCS:
            raise InputError(f"unknown key {key!r}", field="--key")
        tonic = _PCS[key.strip().upper()]
    program = None
    if instrument:
        ins = INSTRUMENTS.get(instrument)
        if ins is None or ins.is_drum:
            raise InputError(f"unknown or unpitched instrument {instrument!r}; use one of "
                             f"{', '.join(i for i, x in INSTRUMENTS.items() if not x.is_drum)}",
                             field="--instrument")
        program = ins.gm_program
    try:
        controls = Controls(key_tonic=tonic, mode=mode or None, density=density or None,
                            register=register_ or None, ensemble=ensemble or None, program=program,
                            scale=scale, temperature=temperature, top_p=top_p, seed=seed)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if scale and tonic is None:
        raise InputError("--scale needs --key", field="--scale")
    plan = chords.replace(",", " ").split() if chords else None
    if plan:
        from assistant.music.harmony import chord_plan

        try:
            chord_plan(plan, bars, tonic, mode or None)
        except ValueError as exc:
            raise InputError(str(exc), field="--chords") from None
    scores = generate(controls, bars=bars, meter=(num, den), n_candidates=n, chords=plan)
    folder = Path(out)
    files = []
    for i, sc in enumerate(scores):
        path = sc.to_midi(folder / f"candidate_{i + 1:02d}.mid")
        files.append({"path": str(path), "notes": len(sc.notes), "bars": bars,
                      "parts": [p.name for p in sc.parts],
                      "pitch_range": [min((x.pitch for x in sc.notes), default=None),
                                      max((x.pitch for x in sc.notes), default=None)]})
    if json_out:
        emit_json({"candidates": files})
    else:
        for f in files:
            say(f"{f['path']}: {f['notes']} notes, {bars} bars")
