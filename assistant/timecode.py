"""SMPTE timecode and frame rates, with exact arithmetic.

Rates are kept as :class:`fractions.Fraction` (29.97 is ``30000/1001``). Frame
numbers count real frames from ``00:00:00:00``; drop-frame only skips frame
*numbers* (labels), never pictures. Conversions between frames, timecode labels
and seconds are exact.

Drop-frame rules (SMPTE 12M): at 29.97 DF the labels ``;00`` and ``;01`` are
skipped at the start of every minute except minutes divisible by ten (17,982
frames per ten minutes); at 59.94 DF four labels are skipped (35,964 frames per
ten minutes). 23.976 has no drop-frame form.

>>> r = FrameRate.parse("29.97 DF")
>>> frames_to_tc(1800, r)
'00:01:00;02'
>>> tc_to_frames("01:00:00;00", r)
107892
>>> frames_to_tc(tc_to_frames("00:00:10:12", FrameRate.parse("24")), FrameRate.parse("24"))
'00:00:10:12'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from assistant.errors import InputError

# Nominal (integer) rate -> exact rate for every rate in use.
_EXACT: dict[str, Fraction] = {
    "23.976": Fraction(24000, 1001),
    "24": Fraction(24),
    "25": Fraction(25),
    "29.97": Fraction(30000, 1001),
    "30": Fraction(30),
    "50": Fraction(50),
    "59.94": Fraction(60000, 1001),
    "60": Fraction(60),
}
_DROP_CAPABLE = {"29.97": 2, "59.94": 4}  # labels skipped per minute

_TC_RE = re.compile(r"^\s*(\d{1,2})[:.](\d{2})[:.](\d{2})([:;.,])(\d{2})\s*$")


@dataclass(frozen=True)
class FrameRate:
    """A frame rate: the exact frames per second and the drop-frame flag."""

    name: str  # one of the keys of _EXACT, e.g. "29.97"
    drop: bool = False

    def __post_init__(self) -> None:
        if self.name not in _EXACT:
            raise InputError(
                f"unsupported frame rate {self.name!r}; use one of {', '.join(_EXACT)}",
                field="fps",
            )
        if self.drop and self.name not in _DROP_CAPABLE:
            raise InputError(
                f"{self.name} fps has no drop-frame form (only 29.97 and 59.94 do)",
                field="fps",
            )

    # --- constructors -------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str | float | int | Fraction, drop: bool | None = None) -> FrameRate:
        """Parse '23.976', '24', '29.97 DF', '29.97df', '59.94 NDF', 30000/1001, 25.

        >>> FrameRate.parse("29.97 DF").drop
        True
        >>> FrameRate.parse(24000/1001).name
        '23.976'
        """
        if isinstance(text, (int, float, Fraction)) and not isinstance(text, bool):
            value = Fraction(text)
            name = _closest_name(value)
            return cls(name, bool(drop))
        s = str(text).strip().upper().replace("FPS", "").strip()
        flag = False
        m = re.match(r"^([0-9./]+)\s*(DF|NDF|D|ND)?$", s.replace(" ", ""))
        if not m:
            raise InputError(f"cannot read frame rate {text!r}", field="fps")
        num, suffix = m.group(1), m.group(2)
        if suffix in ("DF", "D"):
            flag = True
        if drop is not None:
            flag = drop or flag
        if "/" in num:
            try:
                value = Fraction(num)
            except (ValueError, ZeroDivisionError):
                raise InputError(f"cannot read frame rate {text!r}", field="fps") from None
            return cls(_closest_name(value), flag)
        if num in _EXACT:
            return cls(num, flag)
        try:
            value = Fraction(num)
        except ValueError:
            raise InputError(f"cannot read frame rate {text!r}", field="fps") from None
        return cls(_closest_name(value), flag)

    # --- properties ---------------------------------------------------------------------
    @property
    def fps(self) -> Fraction:
        """Exact frames per second."""
        return _EXACT[self.name]

    @property
    def nominal(self) -> int:
        """The integer frame count per timecode second (24 for 23.976, 30 for 29.97)."""
        return math.ceil(self.fps)

    @property
    def dropped_per_minute(self) -> int:
        return _DROP_CAPABLE[self.name] if self.drop else 0

    @property
    def frame_s(self) -> Fraction:
        """Duration of one frame in seconds."""
        return 1 / self.fps

    @property
    def label(self) -> str:
        return f"{self.name} DF" if self.drop else self.name

    def __str__(self) -> str:
        return self.label


def _closest_name(value: Fraction) -> str:
    for name, exact in _EXACT.items():
        if abs(float(exact) - float(value)) < 0.006:
            return name
    raise InputError(f"unsupported frame rate {float(value):g}; use one of {', '.join(_EXACT)}",
                     field="fps")


def tc_to_frames(tc: str, rate: FrameRate) -> int:
    """Parse an SMPTE label into a frame count from 00:00:00:00.

    A ';' (or ',' / '.') before the frames marks drop-frame; it is accepted only at a
    drop-frame rate. Labels that drop-frame skips are rejected.
    """
    m = _TC_RE.match(tc)
    if not m:
        raise InputError(f"bad timecode {tc!r}; expected HH:MM:SS:FF", field="timecode")
    hh, mm, ss, sep, ff = int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4), int(m.group(5))
    if sep == ";" and not rate.drop:
        raise InputError(
            f"timecode {tc!r} is drop-frame (';') but the rate is {rate.label}", field="timecode"
        )
    if mm > 59 or ss > 59:
        raise InputError(f"bad timecode {tc!r}: minutes and seconds run 00-59", field="timecode")
    if ff >= rate.nominal:
        raise InputError(
            f"bad timecode {tc!r}: frame {ff:02d} does not exist at {rate.label} fps "
            f"(frames run 00-{rate.nominal - 1:02d})",
            field="timecode",
        )
    drop = rate.dropped_per_minute
    if drop and ss == 0 and ff < drop and mm % 10 != 0:
        raise InputError(
            f"bad timecode {tc!r}: drop-frame skips frame numbers 00-{drop - 1:02d} at minute {mm}",
            field="timecode",
        )
    total_minutes = 60 * hh + mm
    frames = (3600 * hh + 60 * mm + ss) * rate.nominal + ff
    frames -= drop * (total_minutes - total_minutes // 10)
    return frames


def frames_to_tc(frames: int, rate: FrameRate) -> str:
    """Format a frame count as an SMPTE label (';' before the frames for drop-frame)."""
    if frames < 0:
        raise InputError(f"negative frame count {frames}", field="timecode")
    n = rate.nominal
    drop = rate.dropped_per_minute
    if drop:
        per_10min = n * 600 - 9 * drop
        per_min = n * 60 - drop
        tens, rem = divmod(frames, per_10min)
        frames += 9 * drop * tens
        if rem > drop:
            frames += drop * ((rem - drop) // per_min)
    ff = frames % n
    total_s = frames // n
    ss = total_s % 60
    mm = (total_s // 60) % 60
    hh = total_s // 3600
    if hh > 99:
        raise InputError(f"frame count {frames} is beyond 99 hours", field="timecode")
    sep = ";" if drop else ":"
    return f"{hh:02d}:{mm:02d}:{ss:02d}{sep}{ff:02d}"


def frames_to_seconds(frames: int | Fraction, rate: FrameRate) -> Fraction:
    """Exact seconds of ``frames`` frames."""
    return Fraction(frames) / rate.fps


def seconds_to_frames(seconds: float | Fraction, rate: FrameRate, rounding: str = "nearest") -> int:
    """Frame index containing or nearest to ``seconds``.

    ``rounding`` is 'nearest' (half up), 'floor' or 'ceil'.
    """
    exact = Fraction(seconds) * rate.fps
    if rounding == "floor":
        return math.floor(exact)
    if rounding == "ceil":
        return math.ceil(exact)
    return math.floor(exact + Fraction(1, 2))


def tc_to_seconds(tc: str, rate: FrameRate) -> Fraction:
    return frames_to_seconds(tc_to_frames(tc, rate), rate)


def seconds_to_tc(seconds: float | Fraction, rate: FrameRate) -> str:
    return frames_to_tc(seconds_to_frames(seconds, rate), rate)


def is_timecode(text: str) -> bool:
    """True when ``text`` looks like an SMPTE label (validity at a rate not checked)."""
    return bool(_TC_RE.match(text))


_SECONDS_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*s?\s*$")
_TC_PREFIX_RE = re.compile(r"^\s*(\d{1,2}[:.]\d{2}[:.]\d{2}[:;.,]\d{2})(?![\d])")
_TC_LOOSE_RE = re.compile(r"^\s*\d+(?:[:;.,]\d+){2,}")


def parse_time(
    text: str | float | int,
    rate: FrameRate,
    *,
    field: str = "time",
    within_s: float | Fraction | None = None,
    start_tc: str | None = None,
) -> Fraction:
    """Read one time option: seconds (``12.5``) or ``HH:MM:SS:FF`` at ``rate``.

    The result is exact seconds measured from the cue start. A timecode label is a
    duration from the cue start (``00:00:07:12`` is 7.5 s at 24 fps); when ``start_tc``
    is given, a label that would fall outside the cue read that way but inside it read
    as record timecode (``01:00:07:12`` for a cue at ``01:00:00:00``) is taken as the
    latter. Refused with an :class:`InputError` naming ``field``: a malformed label, a
    frame number at or above the rate, a skipped drop-frame label, a negative or
    non-finite number, and (with ``within_s``) a time outside ``[0, within_s]``.

    >>> r = FrameRate.parse("24")
    >>> parse_time("00:00:07:12", r)
    Fraction(15, 2)
    >>> parse_time("2.25", r)
    Fraction(9, 4)
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if not math.isfinite(text) or text < 0:
            raise InputError(f"time {text!r} must be a finite number of seconds >= 0", field=field)
        value = Fraction(text)
    else:
        s = str(text).strip()
        if not s:
            raise InputError("the time is empty", field=field)
        m = _SECONDS_RE.match(s)
        if m:
            value = Fraction(m.group(1))
        elif is_timecode(s):
            try:
                value = tc_to_seconds(s, rate)
            except InputError as exc:
                raise InputError(exc.message, field=field) from None
            if start_tc is not None and within_s is not None and value > Fraction(within_s):
                origin = tc_to_seconds(start_tc, rate)
                if origin <= value <= origin + Fraction(within_s):
                    value -= origin
        elif _TC_LOOSE_RE.match(s) or ":" in s or ";" in s:
            raise InputError(f"bad timecode {s!r}; expected HH:MM:SS:FF at {rate.label} fps "
                             f"(frames 00-{rate.nominal - 1:02d}) or seconds such as 12.5",
                             field=field)
        else:
            raise InputError(f"cannot read time {s!r}; expected seconds such as 12.5 or "
                             f"HH:MM:SS:FF at {rate.label} fps", field=field)
    if within_s is not None and value > Fraction(within_s):
        raise InputError(f"time {text!s} ({float(value):.3f} s) is outside the cue, which lasts "
                         f"{float(within_s):.3f} s", field=field)
    return value


def split_time_prefix(text: str) -> tuple[str, str] | None:
    """Split ``'00:00:07:12d!:door'`` into the timecode and what follows, or None."""
    m = _TC_PREFIX_RE.match(text)
    if not m:
        return None
    return m.group(1), text[m.end():]
