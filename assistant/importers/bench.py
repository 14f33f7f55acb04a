"""Reader benchmarks for ``make bench``: speed on the real screenplay and a 1000-cue list,
and the *scaling rows*: every reader timed on growing hostile inputs, reported as the
fitted growth exponent (1 = linear; the Fountain emphasis regex and the scene pass were
2 before issue 16). Each row also carries the peak memory of its largest run.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
from pathlib import Path
from typing import Any

from assistant.bench import measure, scaling
from assistant.importers.screenplay import load_screenplay, parse_fountain
from assistant.importers.spotting import (
    format_spotting_csv,
    parse_spotting_csv,
    parse_spotting_edl,
    parse_spotting_text,
)
from assistant.timecode import FrameRate, frames_to_tc

SCREENPLAYS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "screenplays"


def _synthetic_text(n_cues: int = 1000, rate: str = "23.976") -> str:
    r = FrameRate.parse(rate)
    start = 86400  # 01:00:00:00 at a nominal 24
    lines = [f"TITLE: Bench\nFPS: {rate}\nSTART: {frames_to_tc(start, r)}\n"]
    for i in range(n_cues):
        s = start + 100 + i * 600
        lines.append(f"{i // 50 + 1}M{i % 50 + 1} {frames_to_tc(s, r)} - {frames_to_tc(s + 500, r)} "
                     f"Cue {i}\nSomething happens.\nHIT {frames_to_tc(s + 250, r)}! a hit "
                     "[downbeat, tol 2]\n")
    return "\n".join(lines)


def _synthetic_edl(n: int) -> str:
    r = FrameRate.parse("24")
    out = ["TITLE: Bench\nFCM: NON-DROP FRAME\n"]
    for i in range(n):
        s = 86400 + 100 + i * 600
        a, b = frames_to_tc(s, r), frames_to_tc(s + 500, r)
        out.append(f"{i + 1:03d}  AX  V  C  {a} {b} {a} {b}\n* FROM CLIP NAME: "
                   f"{i // 50 + 1}M{i % 50 + 1} Cue {i}\n* LOC: {frames_to_tc(s + 250, r)} RED hit")
    return "\n".join(out) + "\n"


def _scenes(n: int) -> str:
    return "\n\n".join(f"INT. ROOM {i} - DAY\n\nANNA waits for BEN.\n\nBEN\nHello *again*."
                       for i in range(n))


def _parse_all_scenes(text: str) -> None:
    sp = parse_fountain(text)
    for k in range(len(sp.scenes)):
        sp.scene_elements(k)


def _midi(n: int) -> bytes:
    import mido

    mid = mido.MidiFile(type=1, ticks_per_beat=480)
    tr = mido.MidiTrack()
    for i in range(n):
        tr.append(mido.Message("note_on", note=60 + i % 12, velocity=64, time=0))
        tr.append(mido.Message("note_off", note=60 + i % 12, velocity=0, time=240))
    mid.tracks.append(tr)
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


def _read_midi_bytes(data: bytes) -> None:
    from assistant.music.score import Score

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "bench.mid"
        p.write_bytes(data)
        Score.from_midi(p)


def _project(n: int) -> dict[str, Any]:
    return {"schema_version": 1, "title": "Bench", "fps": "24", "start_tc": "01:00:00:00",
            "cues": [{"id": f"{i // 50 + 1}M{i % 50 + 1}", "start_s": 10.0 * i + 1,
                      "end_s": 10.0 * i + 9, "hits": [{"time_s": 10.0 * i + 5}]}
                     for i in range(n)]}


def _load_project(data: dict[str, Any]) -> None:
    from assistant.project import ProjectStore

    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "project.json").write_text(json.dumps(data), encoding="utf-8")
        ProjectStore(d).load()


def scaling_rows() -> list[dict[str, Any]]:
    """One growth row per reader (and per hostile shape that used to be quadratic)."""
    return [
        scaling("Fountain emphasis on one line of '*a '", lambda n: "x\n\n" + "*a " * n,
                parse_fountain, (50_000, 100_000, 200_000, 400_000), what="markers", repeat=3),
        scaling("Fountain scene pass + scene_elements", _scenes, _parse_all_scenes,
                (2_000, 4_000, 8_000, 16_000), what="scenes"),
        scaling("Fountain unterminated notes '[[ '", lambda n: "x\n\n" + "[[ " * n,
                parse_fountain, (50_000, 100_000, 200_000, 400_000), what="openers", repeat=3),
        scaling("Fountain one speech of many lines", lambda n: "BOB\n" + "line *a\n" * n,
                parse_fountain, (20_000, 40_000, 80_000, 160_000), what="lines", repeat=3),
        scaling("Fountain characters named in action",
                lambda n: "".join(f"\n\nBOB{i}\nhi\n\nAction BOB{i // 2} here."
                                  for i in range(n)),
                parse_fountain, (1_000, 2_000, 4_000, 8_000), what="characters"),
        scaling("text spotting list", _synthetic_text, parse_spotting_text,
                (500, 1_000, 2_000, 4_000), what="cues", repeat=3),
        scaling("CSV spotting list", lambda n: format_spotting_csv(
            parse_spotting_text(_synthetic_text(n))), parse_spotting_csv,
                (500, 1_000, 2_000, 4_000), what="cues", repeat=3),
        scaling("EDL spotting list", _synthetic_edl, parse_spotting_edl, (100, 200, 400),
                what="events", repeat=1),
        scaling("MIDI file to Score", _midi, _read_midi_bytes, (5_000, 10_000, 20_000, 40_000),
                what="notes", repeat=2),
        scaling("project.json load and validate", _project, _load_project,
                (1_000, 2_000, 4_000, 8_000), what="cues", repeat=3),
    ]


def run_bench() -> list[dict[str, Any]]:
    """Speed rows on real and synthetic inputs, then the scaling rows."""
    logging.getLogger("assistant.importers").setLevel(logging.ERROR)  # hostile inputs warn
    rows: list[dict[str, Any]] = []
    big = SCREENPLAYS / "Big-Fish.fountain"
    if big.is_file():
        rows.append(measure("import Big-Fish.fountain (190 scenes)",
                            lambda: load_screenplay(big), target=1.0))
        rows.append({"name": "Big Fish estimated running time",
                     "value": round(load_screenplay(big).pages(), 1), "unit": "min",
                     "target": 125})
    text = _synthetic_text()
    rows.append(measure("parse 1000-cue text spotting list",
                        lambda: parse_spotting_text(text, "bench.txt"), target=1.0))
    csv_text = format_spotting_csv(parse_spotting_text(text, "bench.txt"))
    rows.append(measure("parse 1000-cue CSV spotting list",
                        lambda: parse_spotting_csv(csv_text, "bench.csv"), target=1.0))
    rows.extend(scaling_rows())
    return rows


if __name__ == "__main__":  # pragma: no cover
    for row in run_bench():
        print(row)
