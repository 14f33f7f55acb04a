"""The tempo map (the only bridge between seconds and beats) and frame clicks."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.errors import InputError
from assistant.sync.frameclick import bpm_to_frame_click, frame_click_to_bpm, frames_per_beat
from assistant.sync.tempo import MeterChange, TempoMap, parse_meter
from assistant.timecode import FrameRate

RATES = ["23.976", "24", "25", "29.97", "30", "50", "59.94", "60"]

tempo_maps = st.lists(
    st.tuples(st.integers(1, 64), st.fractions(min_value=40, max_value=240, max_denominator=100)),
    min_size=0, max_size=6,
).map(lambda xs: TempoMap(
    [(Fraction(0), Fraction(100))] + [(Fraction(sum(b for b, _ in xs[: i + 1])), t)
                                      for i, (_, t) in enumerate(xs)],
    [MeterChange(1, 4, 4), MeterChange(3, 3, 4), MeterChange(5, 7, 8), MeterChange(6, 4, 4)]))


@settings(max_examples=60, deadline=None)
@given(tm=tempo_maps, beat=st.fractions(min_value=-8, max_value=400, max_denominator=960))
def test_seconds_and_beats_round_trip_exactly(tm: TempoMap, beat: Fraction) -> None:
    s = tm.beat_to_seconds(beat)
    assert tm.seconds_to_beat(s) == beat
    # monotone: a little later in beats is later in seconds
    assert tm.beat_to_seconds(beat + Fraction(1, 960)) > s


@settings(max_examples=60, deadline=None)
@given(tm=tempo_maps, beat=st.fractions(min_value=-8, max_value=200, max_denominator=96))
def test_bar_beat_inverts_position(tm: TempoMap, beat: Fraction) -> None:
    bar, b = tm.bar_beat(beat)
    assert 1 <= b < 1 + tm.meter_at_bar(bar).numerator
    assert tm.position(bar, b) == beat


def test_bars_follow_the_meter_map() -> None:
    tm = TempoMap([(0, 120)], [MeterChange(1, 4, 4), MeterChange(3, 3, 4), MeterChange(5, 7, 8),
                               MeterChange(6, 4, 4)])
    starts = [tm.bar_start(b) for b in range(1, 8)]
    assert starts == [0, 4, 8, 11, 14, Fraction(35, 2), Fraction(43, 2)]
    assert tm.bar_beat(Fraction(29, 2)) == (5, 2)  # second eighth of the 7/8 bar
    grid = list(tm.beat_grid(14, Fraction(35, 2)))
    assert len(grid) == 7 and grid[0] == (14, True) and not any(d for _, d in grid[1:])
    assert tm.bar_start(0) == -4  # a count-in bar before the cue


def test_nine_bars_of_four_four_in_18_s_is_120_bpm() -> None:
    tm = TempoMap.constant(120)
    assert tm.beat_to_seconds(tm.bar_start(10)) == 18
    assert tm.total_beats(18) == 36


def test_tempo_map_json_round_trip() -> None:
    tm = TempoMap([(0, Fraction(975, 10)), (8, 120)], [MeterChange(1, 2, 4), MeterChange(2, 4, 4)])
    back = TempoMap.from_json(tm.to_json())
    assert back.segments == tm.segments and back.meters == tm.meters


@pytest.mark.parametrize("bad", [[], [(1, 120)], [(0, -5)]], ids=["empty", "late", "negative"])
def test_bad_tempo_maps_are_rejected(bad: list) -> None:
    with pytest.raises(InputError):
        TempoMap(bad)


def test_meter_parsing() -> None:
    assert parse_meter("6/8") == (6, 8)
    for bad in ("4", "4/3", "0/4", "x/4"):
        with pytest.raises(InputError):
            parse_meter(bad)


def test_frame_click_12_2_at_24_is_117_55() -> None:
    r24 = FrameRate.parse("24")
    assert round(float(frame_click_to_bpm("12-2", r24)), 2) == 117.55
    assert frame_click_to_bpm("12-0", r24) == 120
    assert bpm_to_frame_click(Fraction(11755, 100), r24) == "12-2"
    # the fps x 60 constants of REFERENCE.md
    for name, const in [("23.976", 1438.56), ("24", 1440), ("25", 1500), ("29.97", 1798.2),
                        ("30", 1800)]:
        assert abs(float(frames_per_beat(1, FrameRate.parse(name))) - const) < 0.01


@pytest.mark.parametrize("rate", RATES)
def test_frame_clicks_round_trip(rate: str) -> None:
    r = FrameRate.parse(rate)
    for frames in range(4, 40):
        for eighths in range(8):
            click = f"{frames}-{eighths}"
            assert bpm_to_frame_click(frame_click_to_bpm(click, r), r) == click


@pytest.mark.parametrize("bad", ["", "12-9", "abc", "0-0", "-3"])
def test_bad_frame_clicks(bad: str) -> None:
    with pytest.raises(InputError):
        frame_click_to_bpm(bad, FrameRate.parse("24"))


def test_doctests() -> None:
    import doctest

    import assistant.sync.frameclick as fc
    import assistant.sync.tempo as tp

    for mod in (tp, fc):
        assert doctest.testmod(mod).failed == 0
