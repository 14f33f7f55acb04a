"""The fit-tempo and frame-click commands (contract of DESIGN.md)."""

from __future__ import annotations

import json
from pathlib import Path

import mido
import pytest

from assistant.cli.main import run


def _json(capsys) -> dict:
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    return json.loads(out[0])


def test_fit_tempo_json_contract(capsys, tmp_path: Path) -> None:
    midi = tmp_path / "cue.mid"
    rc = run(["fit-tempo", "--fps", "24", "--duration", "18", "--hits", "4.5,8d!:door,18d",
              "--target-bpm", "118", "--midi", str(midi), "--json", "--quiet"])
    assert rc == 0
    data = _json(capsys)
    sols = data["solutions"]
    assert 1 <= len(sols) <= 3
    best = sols[0]
    for key in ("tempo_map", "meters", "hits", "max_error_frames", "cost", "cost_breakdown"):
        assert key in best
    assert best["tempo_map"] == [{"beat": 0.0, "bpm": 120.0, "frame_click": "12-0"}]
    assert best["meters"] == [{"bar": 1, "numerator": 4, "denominator": 4}]
    assert [(h["time_s"], h["bar"], h["beat"], h["error_frames"]) for h in best["hits"]] == [
        (4.5, 3, 2, 0.0), (8.0, 5, 1, 0.0), (18.0, 10, 1, 0.0)]
    assert best["max_error_frames"] == 0
    assert best["hits"][1]["label"] == "door" and best["hits"][1]["important"]
    assert [s["cost"] for s in sols] == sorted(s["cost"] for s in sols)
    mid = mido.MidiFile(str(midi))
    assert [m.text for m in mid.tracks[0] if m.type == "marker" and m.text.startswith("HIT")] \
        == ["HIT 1", "HIT door", "HIT 3"]


def test_fit_tempo_constant_and_table(capsys) -> None:
    hits = ",".join(f"{k * 60 / 97.5:.6f}" for k in (2, 6, 9, 17))
    assert run(["fit-tempo", "--fps", "25", "--duration", "12", "--hits", hits, "--mode",
                "constant", "--min-bpm", "90", "--max-bpm", "110", "--json", "-q"]) == 0
    best = _json(capsys)["solutions"][0]
    assert best["tempo_map"][0]["bpm"] == 97.5 and best["max_error_frames"] < 0.01
    assert run(["fit-tempo", "--fps", "25", "--duration", "12", "--hits", hits, "-q"]) == 0
    out = capsys.readouterr().out
    assert "Solution 1 (exact)" in out and "cue end" in out


def test_fit_tempo_writes_click_and_streamers(capsys, tmp_path: Path) -> None:
    rc = run(["fit-tempo", "--fps", "29.97 DF", "--duration", "20", "--hits", "6d!:slam,11",
              "--count-in", "2", "--click-midi", str(tmp_path / "k.mid"), "--click-wav",
              str(tmp_path / "k.wav"), "--streamers", str(tmp_path / "s.csv"), "--start-tc",
              "01:00:00;00", "--json", "-q"])
    assert rc == 0
    data = _json(capsys)
    assert (tmp_path / "k.mid").exists() and (tmp_path / "k.warning.mid").exists()
    assert data["written"]["click_wav"]["count_in_s"] > 0
    assert "slam" in (tmp_path / "s.csv").read_text()


@pytest.mark.parametrize("argv", [
    ["--hits", "3,abc"],
    ["--hits", "40"],
    ["--hits", "3", "--min-bpm", "120", "--max-bpm", "100"],
    ["--hits", "3.00,3.05", "--max-bpm", "90"],
    ["--hits", "3", "--meter", "4/6"],
    ["--hits", "3", "--mode", "loose"],
    ["--hits", "3", "--target-bpm", "fast"],
    ["--hits", "3db"],
], ids=["unparseable", "outside", "min>max", "too-close", "meter", "mode", "target", "flags"])
def test_bad_input_exits_2_with_one_line(argv: list[str], capsys) -> None:
    rc = run(["fit-tempo", "--fps", "24", "--duration", "30", *argv, "--json", "-q"])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("scoring-assistant: error:")


def test_too_close_message_says_why(capsys) -> None:
    assert run(["fit-tempo", "--fps", "24", "--duration", "30", "--hits", "3.00,3.05",
                "--max-bpm", "90", "--json"]) == 2
    err = capsys.readouterr().err
    assert "50 ms apart" in err and "--max-bpm" in err


def test_bad_fps_exits_2(capsys) -> None:
    assert run(["fit-tempo", "--fps", "26", "--duration", "30", "--hits", "3", "--json"]) == 2


def test_frame_click_both_ways(capsys) -> None:
    assert run(["frame-click", "12-2", "--fps", "24", "--json"]) == 0
    assert round(_json(capsys)["bpm"], 2) == 117.55
    assert run(["frame-click", "117.55", "--fps", "24", "--json"]) == 0
    assert _json(capsys)["frame_click"] == "12-2"
    assert run(["frame-click", "12-9", "--fps", "24"]) == 2


def test_hit_syntax() -> None:
    from assistant.cli.sync import parse_hits

    hits = parse_hits(" 1.5, 2d!:door slam ,3f,4b,", default_landing="downbeat")
    assert [(h.time_s, h.landing, h.important, h.label) for h in hits] == [
        (1.5, "downbeat", False, ""), (2.0, "downbeat", True, "door slam"),
        (3.0, "free", False, ""), (4.0, "beat", False, "")]
