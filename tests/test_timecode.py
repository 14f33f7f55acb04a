"""Timecode: the published known values, rejection of invalid labels, and exact round trips."""

from __future__ import annotations

import doctest
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import assistant.timecode as tcmod
from assistant.errors import InputError
from assistant.timecode import (
    FrameRate,
    frames_to_seconds,
    frames_to_tc,
    seconds_to_frames,
    tc_to_frames,
    tc_to_seconds,
)

ALL_RATES = [
    FrameRate.parse(r)
    for r in ["23.976", "24", "25", "29.97", "29.97 DF", "30", "50", "59.94", "59.94 DF", "60"]
]


def test_doctests() -> None:
    assert doctest.testmod(tcmod).failed == 0


@pytest.mark.parametrize(
    ("frames", "label"),
    [(1800, "00:01:00;02"), (17982, "00:10:00;00"), (107892, "01:00:00;00"), (0, "00:00:00;00"),
     (1799, "00:00:59;29"), (17981, "00:09:59;29")],
)
def test_known_drop_frame_values_2997(frames: int, label: str) -> None:
    rate = FrameRate.parse("29.97 DF")
    assert frames_to_tc(frames, rate) == label
    assert tc_to_frames(label, rate) == frames


def test_5994_drop_frame_counts() -> None:
    rate = FrameRate.parse("59.94 DF")
    assert tc_to_frames("00:10:00;00", rate) == 35964
    assert frames_to_tc(3600, rate) == "00:01:00;04"
    with pytest.raises(InputError, match="skips"):
        tc_to_frames("00:01:00;03", rate)


def test_exact_rates_and_frame_lengths() -> None:
    assert FrameRate.parse("23.976").fps == Fraction(24000, 1001)
    assert FrameRate.parse("29.97").fps == Fraction(30000, 1001)
    assert round(float(FrameRate.parse("24").frame_s) * 1000, 2) == 41.67
    assert float(FrameRate.parse("25").frame_s) == 0.04
    assert round(float(FrameRate.parse("29.97").frame_s) * 1000, 2) == 33.37
    # one hour of 23.976 material is 86,400 frames but lasts 3603.6 s
    assert tc_to_seconds("01:00:00:00", FrameRate.parse("23.976")) == Fraction(36036, 10)


@pytest.mark.parametrize(
    ("label", "rate", "match"),
    [
        ("00:01:00;00", "29.97 DF", "skips"),
        ("00:01:00;01", "29.97 DF", "skips"),
        ("00:00:10:24", "24", "frame 24"),
        ("00:00:10:25", "25", "frame 25"),
        ("00:00:10;05", "25", "drop-frame"),
        ("00:61:00:00", "24", "minutes"),
        ("1:2:3", "24", "expected HH:MM:SS:FF"),
        ("garbage", "24", "expected HH:MM:SS:FF"),
    ],
)
def test_invalid_labels_rejected(label: str, rate: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        tc_to_frames(label, FrameRate.parse(rate))


@pytest.mark.parametrize("text", ["23.976 DF", "24 DF", "25df", "31", "abc", "0"])
def test_invalid_rates_rejected(text: str) -> None:
    with pytest.raises(InputError):
        FrameRate.parse(text)


def test_ten_minute_minutes_keep_zero_labels() -> None:
    rate = FrameRate.parse("29.97 DF")
    assert tc_to_frames("00:20:00;00", rate) == 2 * 17982
    assert tc_to_frames("00:20:00;01", rate) == 2 * 17982 + 1


@settings(max_examples=150, deadline=None)
@given(rate=st.sampled_from(ALL_RATES), frames=st.integers(0, 24 * 3600 * 60 - 1))
def test_frames_tc_round_trip(rate: FrameRate, frames: int) -> None:
    label = frames_to_tc(frames, rate)
    assert tc_to_frames(label, rate) == frames
    # labels increase with frames (no two frames share a label)
    assert frames == 0 or frames_to_tc(frames - 1, rate) != label


@settings(max_examples=150, deadline=None)
@given(rate=st.sampled_from(ALL_RATES), frames=st.integers(0, 10_000_000))
def test_seconds_round_trip_is_exact(rate: FrameRate, frames: int) -> None:
    seconds = frames_to_seconds(frames, rate)
    assert isinstance(seconds, Fraction)
    assert seconds_to_frames(seconds, rate) == frames
    # a time inside a frame floors to it
    assert seconds_to_frames(seconds + rate.frame_s / 3, rate, rounding="floor") == frames


@settings(max_examples=100, deadline=None)
@given(
    rate=st.sampled_from(ALL_RATES),
    hh=st.integers(0, 23), mm=st.integers(0, 59), ss=st.integers(0, 59), ff=st.integers(0, 59),
)
def test_every_valid_label_round_trips(rate: FrameRate, hh: int, mm: int, ss: int, ff: int) -> None:
    sep = ";" if rate.drop else ":"
    label = f"{hh:02d}:{mm:02d}:{ss:02d}{sep}{ff:02d}"
    skipped = rate.drop and ss == 0 and ff < rate.dropped_per_minute and mm % 10 != 0
    if ff >= rate.nominal or skipped:
        with pytest.raises(InputError):
            tc_to_frames(label, rate)
    else:
        assert frames_to_tc(tc_to_frames(label, rate), rate) == label
