"""Time options on the CLI: seconds or HH:MM:SS:FF at every rate, and frame-click round trips."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.cli.main import run
from assistant.errors import InputError
from assistant.sync.frameclick import bpm_to_frame_click, frame_click_to_bpm
from assistant.timecode import FrameRate, parse_time

RATES = ["23.976", "24", "25", "29.97", "29.97 DF", "30", "50", "59.94", "59.94 DF", "60"]


def _json(capsys) -> dict:
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    return json.loads(out[0])


@pytest.mark.parametrize("name", RATES)
def test_timecode_and_seconds_agree_at_every_rate(name: str) -> None:
    rate = FrameRate.parse(name)
    last = rate.nominal - 1
    t = parse_time(f"00:00:07:{last:02d}", rate)
    # 7 s of labels plus `last` frames, in real frames of the exact rate
    assert t == Fraction(7 * rate.nominal + last) / rate.fps
    assert parse_time("7.5", rate) == Fraction(15, 2)
    with pytest.raises(InputError, match="does not exist"):
        parse_time(f"00:00:07:{rate.nominal:02d}", rate, field="hits[1]")
    with pytest.raises(InputError, match="outside the cue"):
        parse_time("00:00:31:00", rate, within_s=30)


@pytest.mark.parametrize("bad", ["00:07:07", "0:0:7:7:7", "7.5.3", "1e3", "-2", "nan", "12 s x",
                                 "00:00:07;07x", ""])
def test_malformed_times_refused(bad: str) -> None:
    with pytest.raises(InputError):
        parse_time(bad, FrameRate.parse("24"), field="duration")


def test_drop_frame_separator_only_at_drop_rates() -> None:
    assert parse_time("00:01:00;02", FrameRate.parse("29.97 DF")) == Fraction(1800 * 1001, 30000)
    with pytest.raises(InputError, match="drop-frame"):
        parse_time("00:01:00;02", FrameRate.parse("29.97"))
    with pytest.raises(InputError, match="skips"):
        parse_time("00:01:00;00", FrameRate.parse("29.97 DF"))


def test_record_timecode_inside_the_cue_is_accepted_with_start_tc() -> None:
    rate = FrameRate.parse("24")
    assert parse_time("01:00:07:12", rate, within_s=30, start_tc="01:00:00:00") == Fraction(15, 2)
    with pytest.raises(InputError, match="outside the cue"):
        parse_time("01:00:31:00", rate, within_s=30, start_tc="01:00:00:00")


@pytest.mark.parametrize("name", RATES)
def test_fit_tempo_reads_timecode_hits_at_every_rate(name: str, capsys) -> None:
    rate = FrameRate.parse(name)
    rc = run(["fit-tempo", "--fps", name, "--duration", "00:00:30:00",
              "--hits", "00:00:07:07,00:00:18:12d!:door", "--solutions", "1", "--json", "-q"])
    assert rc == 0
    hits = _json(capsys)["solutions"][0]["hits"]
    want = [float(Fraction(7 * rate.nominal + 7) / rate.fps),
            float(Fraction(18 * rate.nominal + 12) / rate.fps)]
    assert [h["time_s"] for h in hits] == pytest.approx(want, abs=1e-9)
    assert hits[1]["label"] == "door" and hits[1]["important"]


@pytest.mark.parametrize("name", RATES)
@pytest.mark.parametrize("argv", [
    ["--duration", "30", "--hits", "00:00:07:{rate}"],
    ["--duration", "30", "--hits", "00:00:31:00"],
    ["--duration", "30", "--hits", "00:07:07"],
    ["--duration", "00:00:30:{rate}", "--hits", "3"],
    ["--duration", "00:30", "--hits", "3"],
    ["--duration", "30", "--hits", "3", "--streamer-s", "00:00:02:{rate}"],
], ids=["frame>=rate", "outside", "malformed", "duration-frame", "duration-malformed",
        "streamer"])
def test_bad_times_exit_2_at_every_rate(name: str, argv: list[str], capsys) -> None:
    rate = FrameRate.parse(name)
    argv = [a.replace("{rate}", f"{rate.nominal:02d}") for a in argv]
    assert run(["fit-tempo", "--fps", name, *argv, "--json", "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("scoring-assistant: error:")


def test_duration_as_timecode(capsys) -> None:
    assert run(["fit-tempo", "--fps", "24", "--duration", "00:02:00:00", "--hits", "60",
                "--solutions", "1", "--json", "-q"]) == 0
    sol = _json(capsys)["solutions"][0]
    bpm = sol["tempo_map"][0]["bpm"]
    assert len(sol["tempo_map"]) == 1
    # the cue end lies 120 s in: position_beats quarter notes at one tempo
    assert sol["cue_end"]["position_beats"] * 60 / bpm == pytest.approx(120.0, abs=1e-6)


@pytest.mark.parametrize("name", ["23.976", "24", "25", "29.97", "30"])
def test_frame_click_cli_round_trips(name: str, capsys) -> None:
    assert run(["frame-click", "117.55", "--fps", name, "--json"]) == 0
    a = _json(capsys)
    assert run(["frame-click", a["frame_click"], "--fps", name, "--json"]) == 0
    b = _json(capsys)
    assert a["bpm"] == b["bpm"] and a["frame_click"] == b["frame_click"]
    assert a["requested_bpm"] == 117.55


def test_frame_click_at_23976_names_its_own_bpm(capsys) -> None:
    assert run(["frame-click", "117.55", "--fps", "23.976"]) == 0
    line = capsys.readouterr().out
    assert "12-2" in line and "117.43 BPM" in line


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(RATES), st.floats(min_value=40, max_value=240))
def test_bpm_to_click_to_bpm_is_a_fixed_point(name: str, bpm: float) -> None:
    rate = FrameRate.parse(name)
    click = bpm_to_frame_click(bpm, rate)
    exact = frame_click_to_bpm(click, rate)
    assert bpm_to_frame_click(exact, rate) == click
    # the nearest eighth of a frame: never more than 1/16 frame per beat away
    assert abs(rate.fps * 60 / exact - rate.fps * 60 / Fraction(bpm)) <= Fraction(1, 16)
