"""Sync-to-picture commands: ``fit-tempo`` and ``frame-click``."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import typer

from assistant.cli.common import JsonOpt, QuietOpt, emit_json, say, setup
from assistant.errors import InputError

_HIT_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([dbf!]*)\s*(?::\s*(.*?))?\s*$", re.I)
# Something that starts like a timecode (two or more ':'-separated numbers) but is not one.
_LOOKS_LIKE_TC = re.compile(r"^\s*\d+\s*[:;.,]\s*\d+\s*[:;.,]\s*\d+")

FIT_HELP = """Fit a tempo map so that the hits land on beats (Find Tempo).

HITS are times from the cue start, comma-separated: seconds (7.5) or timecode HH:MM:SS:FF at --fps (00:00:07:12), measured from the cue start (with --start-tc, record timecode inside the cue is also accepted). A frame number at or above the rate, a malformed label or a time after the cue end is refused. Each may carry flags after the number: d = on a downbeat, b = on a beat (default), f = free (no constraint), ! = important; and a label after a colon. Example: --hits "2.5,7.25d!:door slam,12f".

Tempos, the range and the target are quarter notes per minute. Defaults: tempo range 60-160 BPM, target the middle of the range (110 BPM; a target outside the default range widens it), meter 4/4, mode exact, 3 solutions.

Output (--json): one object {"solutions": [...]}, best first. Each solution has tempo_map [{"beat", "bpm", "frame_click"}] with beats in quarter notes from 0 at the cue start and bpm in quarter notes per minute; meters [{"bar", "numerator", "denominator"}] with bars 1-based from the cue start (bar 1 starts at the cue start); hits [{"time_s", "bar", "beat", "error_frames", "offset_frames", "status", ...}] where bar is 1-based, beat is 1-based within the bar counted in the meter's beat unit (the denominator note: eighths in 6/8) and names the beat the hit is measured against; error_frames is the absolute number of frames between the hit and that beat (offset_frames is signed: positive when the beat comes after the hit); max_error_frames; cost and cost_breakdown; cue_end (where the cue end falls). Exact mode: every non-free hit lands on a beat with zero error, tempos change only at hits; constant mode: one tempo at 0.01 BPM resolution, plus a pickup first bar when that helps downbeat hits.

--midi writes the best solution's conductor track (type 1, 960 PPQ, cue start at tick 0, SMPTE offset from --start-tc, markers "HIT <label>"). --click-midi / --click-wav write a click track (accented downbeats); --count-in N adds N warning bars (to the WAV, and to a separate <stem>.warning.mid). --streamers writes a streamer/punch CSV.
"""


def register(app: typer.Typer) -> None:
    app.command("fit-tempo", help=FIT_HELP)(fit_tempo_cmd)
    app.command("frame-click")(frame_click_cmd)


def parse_hits(text: str, default_landing: str = "beat", *, rate: Any = None,
               duration_s: Any = None, start_tc: str | None = None) -> list[Any]:
    """Parse the --hits syntax into SyncHits (see FIT_HELP); empty items are skipped.

    Each time is seconds or ``HH:MM:SS:FF`` at ``rate`` from the cue start (one shared
    reader, :func:`assistant.timecode.parse_time`); with ``duration_s`` a hit after the
    cue end is refused.
    """
    from assistant.sync.fit import SyncHit
    from assistant.timecode import FrameRate, parse_time, split_time_prefix

    rate = rate if rate is not None else FrameRate.parse("24")
    hits = []
    items = [x for x in text.split(",") if x.strip()]
    for i, item in enumerate(items, 1):
        tc = split_time_prefix(item)
        if tc is not None:
            time_text, rest = tc
            m = _HIT_RE.match("0" + rest)
        else:
            m = _HIT_RE.match(item)
            time_text = m.group(1) if m else ""
        if not m or (tc is None and _LOOKS_LIKE_TC.match(item)):
            raise InputError(f"cannot read hit {i} {item.strip()!r}; expected seconds such as "
                             f"12.5 or HH:MM:SS:FF at {rate.label} fps (frames 00-"
                             f"{rate.nominal - 1:02d}), optionally with flags d/b/f/! and "
                             "':label'", field="hits")
        flags = m.group(2).lower()
        landing = ("downbeat" if "d" in flags else "free" if "f" in flags
                   else "beat" if "b" in flags else default_landing)
        if sum(c in flags for c in "dbf") > 1:
            raise InputError(f"hit {i} {item.strip()!r} has more than one of d, b, f",
                             field="hits")
        t = parse_time(time_text, rate, field=f"hits[{i}]", within_s=duration_s,
                       start_tc=start_tc)
        hits.append(SyncHit(float(t), label=m.group(3) or "", landing=landing,
                            important="!" in flags))
    return hits


def _opt_number(text: str | None, what: str) -> float | None:
    if text is None or str(text).strip() == "":
        return None
    try:
        v = float(text)
    except ValueError:
        raise InputError(f"cannot read number {text!r}", field=what) from None
    if not math.isfinite(v):
        raise InputError(f"expected a finite number, got {text!r}", field=what)
    return v


def fit_tempo_cmd(
    fps: str = typer.Option(..., "--fps", help="Frame rate: 23.976, 24, 25, 29.97[ DF], 30, 50, 59.94[ DF], 60."),
    duration: str = typer.Option(..., "--duration", help="Cue length: seconds or HH:MM:SS:FF at --fps."),
    hits: str = typer.Option("", "--hits", help="Hit times from the cue start: seconds or HH:MM:SS:FF (see above)."),
    target_bpm: str | None = typer.Option(None, "--target-bpm", help="Target tempo (default: middle of the range)."),
    min_bpm: str | None = typer.Option(None, "--min-bpm", help="Slowest tempo allowed (default 60)."),
    max_bpm: str | None = typer.Option(None, "--max-bpm", help="Fastest tempo allowed (default 160)."),
    meter: str = typer.Option("4/4", "--meter", help="Meter N/D."),
    mode: str = typer.Option("exact", "--mode", help="exact or constant."),
    midi: Path | None = typer.Option(None, "--midi", help="Write the best solution's conductor MIDI here."),
    click_midi: Path | None = typer.Option(None, "--click-midi", help="Write a click-track MIDI here."),
    click_wav: Path | None = typer.Option(None, "--click-wav", help="Write a click-track WAV (48 kHz, 16-bit) here."),
    count_in: int = typer.Option(0, "--count-in", help="Warning-click bars before the cue."),
    streamers: Path | None = typer.Option(None, "--streamers", help="Write a streamer/punch CSV here."),
    streamer_s: str = typer.Option("3", "--streamer-s", help="Streamer length, 2-4 s (seconds or HH:MM:SS:FF)."),
    start_tc: str | None = typer.Option(None, "--start-tc", help="Cue start timecode (SMPTE offset; default 00:00:00:00)."),
    cue_id: str = typer.Option("", "--cue-id", help="Cue id for markers and the CSV."),
    solutions: int = typer.Option(3, "--solutions", help="How many solutions to print (1-10)."),
    downbeats: bool = typer.Option(False, "--downbeats", help="Every hit without a flag lands on a downbeat."),
    no_meter_changes: bool = typer.Option(False, "--no-meter-changes", help="Never insert a bar of another meter."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    setup(quiet)
    from assistant.sync.click import write_click_midi, write_click_wav
    from assistant.sync.fit import SyncRequest, fit_tempo
    from assistant.sync.midi import write_conductor_midi
    from assistant.sync.streamers import write_streamers_csv
    from assistant.timecode import FrameRate, parse_time, tc_to_frames

    rate = FrameRate.parse(fps)
    if start_tc is not None:
        tc_to_frames(start_tc, rate)
    dur = float(parse_time(duration, rate, field="duration"))
    if dur <= 0:
        raise InputError(f"the cue duration {duration!r} must be longer than zero",
                         field="duration")
    hit_list = parse_hits(hits, "downbeat" if downbeats else "beat", rate=rate,
                          duration_s=dur, start_tc=start_tc)
    if not 1 <= solutions <= 10:
        raise InputError(f"--solutions {solutions} must be 1-10", field="solutions")
    streamer_len_s = float(parse_time(streamer_s, rate, field="streamer_s"))
    req = SyncRequest(dur, hit_list, rate, _opt_number(target_bpm, "target_bpm"),
                      _opt_number(min_bpm, "min_bpm"), _opt_number(max_bpm, "max_bpm"),
                      meter=meter, mode=mode.strip().lower(),
                      allow_meter_changes=not no_meter_changes, count_in_bars=count_in)
    sols = fit_tempo(req, solutions)
    best = sols[0]
    written: dict[str, Any] = {}
    if midi is not None:
        written["midi"] = str(write_conductor_midi(best, midi, start_tc=start_tc, cue_id=cue_id,
                                                   count_in_bars=count_in))
    if click_midi is not None:
        written["click_midi"] = [str(p) for p in write_click_midi(
            best, click_midi, count_in_bars=count_in, start_tc=start_tc, cue_id=cue_id)]
    if click_wav is not None:
        written["click_wav"] = write_click_wav(best, click_wav, count_in_bars=count_in)
    if streamers is not None:
        written["streamers"] = str(write_streamers_csv(best, streamers, cue_id=cue_id,
                                                       film_start_tc=start_tc,
                                                       streamer_s=streamer_len_s))
    if json_out:
        out: dict[str, Any] = {"solutions": [s.to_json() for s in sols]}
        if written:
            out["written"] = written
        emit_json(out)
        return
    for n, s in enumerate(sols, 1):
        say(_table(n, s))
    for k, v in written.items():
        say(f"wrote {k}: {v if not isinstance(v, dict) else v['path']}")


def _table(n: int, s: Any) -> str:
    d = s.to_json()
    tempos = ", ".join(
        f"{e['bpm']:.2f} ({e['frame_click']}) from bar {s.tempo_map.bar_beat(b)[0]}"
        f" beat {float(s.tempo_map.bar_beat(b)[1]):g}"
        for e, (b, _) in zip(d["tempo_map"], s.tempo_map.segments, strict=True))
    meters = ", ".join(f"{m['numerator']}/{m['denominator']} at bar {m['bar']}"
                       for m in d["meters"])
    c = d["counts"]
    lines = [f"Solution {n} ({d['mode']}): cost {d['cost']:.2f}; max {d['max_error_frames']:.2f}"
             f" frames off; {c['hit']} hit, {c['near']} near, {c['miss']} miss",
             f"  tempo: {tempos}", f"  meter: {meters}",
             f"  {'#':>3} {'time_s':>9} {'bar':>4} {'beat':>6} {'frames':>7}  status  label"]
    for i, h in enumerate(d["hits"], 1):
        lines.append(f"  {i:>3} {h['time_s']:>9.3f} {h['bar']:>4} {h['beat']:>6g} "
                     f"{h['error_frames']:>7.2f}  {h['status']:<6}  "
                     f"{h['label']}{' (important)' if h['important'] else ''}")
    e = d["cue_end"]
    lines.append(f"  cue end: bar {e['bar']} beat {e['beat']:.2f}")
    return "\n".join(lines)


def frame_click_cmd(
    value: str = typer.Argument(..., help="A frame click such as 12-2, or a tempo in BPM such as 117.55."),
    fps: str = typer.Option("24", "--fps", help="Frame rate."),
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Convert a frame click (frames-eighths per beat) to BPM, or BPM to a frame click."""
    setup(quiet)
    from assistant.sync.frameclick import (
        bpm_to_frame_click,
        canonical_frame_click,
        frame_click_to_bpm,
        frames_per_beat,
    )
    from assistant.timecode import FrameRate

    rate = FrameRate.parse(fps)
    v = value.strip()
    requested: float | None = None
    if "-" in v or "+" in v:
        click = canonical_frame_click(v)
    else:
        b = _opt_number(v, "value")
        if b is None or b <= 0:
            raise InputError(f"tempo {value!r} must be a positive number", field="value")
        requested = b
        click = bpm_to_frame_click(b, rate)
    # The BPM printed is always the BPM of the click named, so the two round-trip exactly.
    bpm = frame_click_to_bpm(click, rate)
    fpb = float(frames_per_beat(bpm, rate))
    if json_out:
        out: dict[str, Any] = {"bpm": round(float(bpm), 4), "frame_click": click,
                               "frames_per_beat": fpb, "fps": rate.label}
        if requested is not None:
            out["requested_bpm"] = requested
            out["error_bpm"] = round(float(bpm) - requested, 4)
        emit_json(out)
    elif requested is not None:
        say(f"{requested:g} BPM is nearest the click {click} at {rate.label} fps, which is "
            f"{float(bpm):.2f} BPM ({fpb:.4f} frames per beat)")
    else:
        say(f"{click} at {rate.label} fps = {float(bpm):.2f} BPM ({fpb:.4f} frames per beat)")
