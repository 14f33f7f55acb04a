"""The tempo map: the single bridge between film seconds and musical beats.

Conventions (used by every later stage):

* ``beat`` positions are **quarter notes** counted from 0 at the cue start, as exact
  :class:`fractions.Fraction` values; seconds are seconds from the cue start.
* ``segments`` are piecewise-constant tempos ``(start_beat, bpm)`` with ``bpm`` in quarter
  notes per minute; the first segment starts at beat 0 and the last one runs for ever
  (also backwards before 0, which is how count-in bars get their times).
* ``meters`` are :class:`MeterChange` events by 1-based bar number; bar 1 starts at beat 0.
  A meter's *beat* is its denominator note (a 6/8 bar has six beats of an eighth).
* :meth:`TempoMap.bar_beat` returns ``(bar, beat)`` with ``bar`` 1-based (0, -1, ... for
  count-in bars before the cue) and ``beat`` 1-based within the bar, in the meter's beat
  unit, fractional between beats.

All conversions are exact with Fractions: ``seconds_to_beat(beat_to_seconds(b)) == b``.

>>> tm = TempoMap([(0, 120)])
>>> tm.beat_to_seconds(36)   # 9 bars of 4/4 at 120 BPM
Fraction(18, 1)
>>> tm.bar_beat(Fraction(9, 2))
(2, Fraction(3, 2))
"""

from __future__ import annotations

import bisect
import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from assistant.errors import InputError

log = logging.getLogger(__name__)

Number = int | float | Fraction | str


def frac(x: Number) -> Fraction:
    """Exact Fraction of a number; floats go through their shortest repr (0.1 -> 1/10)."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, bool):
        raise InputError(f"expected a number, got {x!r}")
    if isinstance(x, int):
        return Fraction(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            raise InputError(f"expected a finite number, got {x!r}")
        return Fraction(repr(x))
    try:
        return Fraction(str(x).strip())
    except (ValueError, ZeroDivisionError):
        raise InputError(f"cannot read number {x!r}") from None


@dataclass(frozen=True)
class MeterChange:
    """A time signature starting at ``bar`` (1-based)."""

    bar: int
    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        if self.numerator < 1 or self.numerator > 64:
            raise InputError(f"meter numerator {self.numerator} must be 1-64", field="meter")
        if self.denominator not in (1, 2, 4, 8, 16, 32):
            raise InputError(f"meter denominator {self.denominator} must be 1, 2, 4, 8, 16 or 32",
                             field="meter")

    @property
    def unit_beats(self) -> Fraction:
        """Length of the meter's beat in quarter notes (1/2 for an eighth)."""
        return Fraction(4, self.denominator)

    @property
    def bar_beats(self) -> Fraction:
        """Length of one bar in quarter notes."""
        return self.numerator * self.unit_beats

    def to_json(self) -> dict[str, int]:
        return {"bar": self.bar, "numerator": self.numerator, "denominator": self.denominator}


def parse_meter(text: str | tuple[int, int]) -> tuple[int, int]:
    """Parse ``"N/D"`` (or a tuple) into ``(N, D)``, validated.

    >>> parse_meter("6/8")
    (6, 8)
    """
    if isinstance(text, tuple):
        n, d = text
    else:
        parts = str(text).strip().split("/")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise InputError(f"cannot read meter {text!r}; expected N/D such as 4/4 or 6/8",
                             field="meter")
        n, d = int(parts[0]), int(parts[1])
    MeterChange(1, int(n), int(d))  # validates
    return int(n), int(d)


@dataclass
class TempoMap:
    """Piecewise-constant tempo and meter map of one cue (see module docstring)."""

    segments: list[tuple[Fraction, Fraction]]
    meters: list[MeterChange] = field(default_factory=lambda: [MeterChange(1, 4, 4)])
    _seg_beats: list[Fraction] = field(init=False, repr=False, compare=False)
    _seg_secs: list[Fraction] = field(init=False, repr=False, compare=False)
    _meter_starts: list[Fraction] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.segments:
            raise InputError("a tempo map needs at least one tempo", field="tempo_map")
        segs = sorted(((frac(b), frac(t)) for b, t in self.segments), key=lambda s: s[0])
        if segs[0][0] != 0:
            raise InputError("the first tempo must start at beat 0", field="tempo_map")
        merged: list[tuple[Fraction, Fraction]] = []
        for b, t in segs:
            if t <= 0:
                raise InputError(f"tempo {float(t):g} BPM must be positive", field="tempo_map")
            if merged and merged[-1][0] == b:
                merged[-1] = (b, t)
            elif not merged or merged[-1][1] != t:
                merged.append((b, t))
        self.segments = merged
        self._seg_beats = [b for b, _ in merged]
        secs = [Fraction(0)]
        for (b0, t0), (b1, _) in zip(merged, merged[1:], strict=False):
            secs.append(secs[-1] + (b1 - b0) * 60 / t0)
        self._seg_secs = secs
        meters = sorted(self.meters, key=lambda m: m.bar)
        if not meters or meters[0].bar != 1:
            raise InputError("the meter map must start at bar 1", field="meters")
        clean: list[MeterChange] = []
        for m in meters:
            if clean and clean[-1].bar == m.bar:
                clean[-1] = m
            elif not clean or (clean[-1].numerator, clean[-1].denominator) != (m.numerator,
                                                                               m.denominator):
                clean.append(m)
        self.meters = clean
        starts = [Fraction(0)]
        for m0, m1 in zip(clean, clean[1:], strict=False):
            starts.append(starts[-1] + (m1.bar - m0.bar) * m0.bar_beats)
        self._meter_starts = starts

    # --- construction -------------------------------------------------------------------
    @classmethod
    def constant(cls, bpm: Number, meter: tuple[int, int] = (4, 4)) -> TempoMap:
        return cls([(Fraction(0), frac(bpm))], [MeterChange(1, *meter)])

    # --- seconds <-> beats --------------------------------------------------------------
    def _seg_index_beat(self, beat: Fraction) -> int:
        return max(0, bisect.bisect_right(self._seg_beats, beat) - 1)

    def _seg_index_sec(self, sec: Fraction) -> int:
        return max(0, bisect.bisect_right(self._seg_secs, sec) - 1)

    def beat_to_seconds(self, beat: Number) -> Fraction:
        """Seconds from the cue start of quarter-note ``beat`` (exact)."""
        b = frac(beat)
        i = self._seg_index_beat(b)
        b0, bpm = self.segments[i]
        return self._seg_secs[i] + (b - b0) * 60 / bpm

    def seconds_to_beat(self, seconds: Number) -> Fraction:
        """Quarter-note beat at ``seconds`` from the cue start (exact)."""
        s = frac(seconds)
        i = self._seg_index_sec(s)
        b0, bpm = self.segments[i]
        return b0 + (s - self._seg_secs[i]) * bpm / 60

    def tempo_at(self, beat: Number) -> Fraction:
        return self.segments[self._seg_index_beat(frac(beat))][1]

    def total_beats(self, duration_s: Number) -> Fraction:
        """Quarter-note length of a cue of ``duration_s`` seconds."""
        return self.seconds_to_beat(duration_s)

    # --- bars ---------------------------------------------------------------------------
    def meter_at_bar(self, bar: int) -> MeterChange:
        i = max(0, bisect.bisect_right([m.bar for m in self.meters], bar) - 1)
        return self.meters[i]

    def bar_start(self, bar: int) -> Fraction:
        """Quarter-note beat where ``bar`` (1-based; <= 0 for count-in bars) starts."""
        bars = [m.bar for m in self.meters]
        i = max(0, bisect.bisect_right(bars, bar) - 1)
        m = self.meters[i]
        return self._meter_starts[i] + (bar - m.bar) * m.bar_beats

    def bar_beat(self, beat: Number) -> tuple[int, Fraction]:
        """``(bar, beat_in_bar)`` of a quarter-note position; both 1-based (see module doc)."""
        b = frac(beat)
        i = max(0, bisect.bisect_right(self._meter_starts, b) - 1)
        m = self.meters[i]
        n_bars = math.floor((b - self._meter_starts[i]) / m.bar_beats)
        bar = m.bar + n_bars
        start = self._meter_starts[i] + n_bars * m.bar_beats
        return bar, (b - start) / m.unit_beats + 1

    def position(self, bar: int, beat: Number = 1) -> Fraction:
        """Quarter-note position of ``bar``/``beat`` (inverse of :meth:`bar_beat`)."""
        return self.bar_start(bar) + (frac(beat) - 1) * self.meter_at_bar(bar).unit_beats

    def bars(self, start_beat: Number, end_beat: Number) -> Iterator[tuple[int, Fraction,
                                                                           MeterChange]]:
        """Yield ``(bar, start_beat, meter)`` for every bar starting in [start, end)."""
        start, end = frac(start_beat), frac(end_beat)
        bar, pos = self.bar_beat(start)
        if pos != 1:
            bar += 1
        while True:
            s = self.bar_start(bar)
            if s >= end:
                return
            yield bar, s, self.meter_at_bar(bar)
            bar += 1

    def beat_grid(self, start_beat: Number, end_beat: Number) -> Iterator[tuple[Fraction, bool]]:
        """Yield ``(beat_position, is_downbeat)`` for every meter beat in [start, end)."""
        start, end = frac(start_beat), frac(end_beat)
        bar, _ = self.bar_beat(start)
        while True:
            s = self.bar_start(bar)
            if s >= end:
                return
            m = self.meter_at_bar(bar)
            for k in range(m.numerator):
                p = s + k * m.unit_beats
                if start <= p < end:
                    yield p, k == 0
            bar += 1

    def nearest_grid(self, beat: Number, downbeat: bool = False) -> Fraction:
        """The meter beat (or bar start if ``downbeat``) nearest in *time* to ``beat``."""
        b = frac(beat)
        bar, pos = self.bar_beat(b)
        if downbeat:
            cands = [self.bar_start(bar), self.bar_start(bar + 1)]
        else:
            unit = self.meter_at_bar(bar).unit_beats
            lo = self.bar_start(bar) + math.floor(pos - 1) * unit
            cands = [lo, min(lo + unit, self.bar_start(bar + 1))]
        t = self.beat_to_seconds(b)
        return min(cands, key=lambda c: (abs(self.beat_to_seconds(c) - t), c))

    # --- output -------------------------------------------------------------------------
    def tempo_json(self) -> list[dict[str, Any]]:
        return [{"beat": float(b), "bpm": float(t)} for b, t in self.segments]

    def meters_json(self) -> list[dict[str, int]]:
        return [m.to_json() for m in self.meters]

    def to_json(self) -> dict[str, Any]:
        return {"tempo_map": self.tempo_json(), "meters": self.meters_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TempoMap:
        """Inverse of :meth:`to_json` (floats are read through their shortest repr)."""
        try:
            segs = [(frac(s["beat"]), frac(s["bpm"])) for s in data["tempo_map"]]
            meters = [MeterChange(int(m["bar"]), int(m["numerator"]), int(m["denominator"]))
                      for m in data.get("meters", [{"bar": 1, "numerator": 4, "denominator": 4}])]
        except (KeyError, TypeError) as exc:
            raise InputError(f"bad tempo map: {exc}", field="tempo_map") from None
        return cls(segs, meters)


def merge_meters(changes: Sequence[MeterChange]) -> list[MeterChange]:
    """Drop redundant meter changes (same meter as the one in force; later wins per bar)."""
    return TempoMap([(0, 120)], list(changes)).meters
