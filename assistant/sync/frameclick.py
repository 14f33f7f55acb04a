"""Frame-click notation: a tempo as whole frames plus eighths of a frame per beat.

Frames per beat = fps x 60 / BPM (REFERENCE.md: fps x 60 is 1438.56, 1440, 1500, 1798.2
and 1800 at 23.976, 24, 25, 29.97 and 30 fps). ``"12-2"`` means 12 2/8 frames per beat.

>>> from assistant.timecode import FrameRate
>>> r = FrameRate.parse("24")
>>> round(float(frame_click_to_bpm("12-2", r)), 2)
117.55
>>> bpm_to_frame_click(120, r)
'12-0'

Round trip: the click named for a tempo has exactly the BPM reported for it.

>>> r = FrameRate.parse("23.976")
>>> bpm_to_frame_click(117.55, r), round(float(frame_click_to_bpm("12-2", r)), 2)
('12-2', 117.43)
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from assistant.errors import InputError
from assistant.sync.tempo import Number, frac
from assistant.timecode import FrameRate

_CLICK_RE = re.compile(r"^\s*(\d{1,7})\s*(?:[-+ ]\s*([0-7]))?\s*$")
#: tempos a click can name (a 20-digit click once printed "0.00 BPM")
MIN_CLICK_BPM, MAX_CLICK_BPM = 1, 1000


def fps_times_60(rate: FrameRate) -> Fraction:
    """The constant fps x 60 (1440 at 24 fps)."""
    return rate.fps * 60


def frame_click_to_bpm(click: str, rate: FrameRate) -> Fraction:
    """BPM of a frame click such as ``"12-2"`` (12 2/8 frames per beat) at ``rate``."""
    m = _CLICK_RE.match(str(click))
    if not m:
        raise InputError(f"cannot read frame click {click!r}; expected FRAMES-EIGHTHS like 12-2",
                         field="click")
    frames = Fraction(int(m.group(1))) + Fraction(int(m.group(2) or 0), 8)
    if frames <= 0:
        raise InputError(f"frame click {click!r} has no length", field="click")
    bpm = fps_times_60(rate) / frames
    if not MIN_CLICK_BPM <= bpm <= MAX_CLICK_BPM:
        raise InputError(f"frame click {click!r} is {float(bpm):.4g} BPM at {rate.name} fps; "
                         f"clicks run {MIN_CLICK_BPM}-{MAX_CLICK_BPM} BPM", field="click")
    return bpm


def canonical_frame_click(click: str) -> str:
    """``'12 - 2'`` or ``'12+2'`` -> ``'12-2'`` (validated)."""
    m = _CLICK_RE.match(str(click))
    if not m:
        raise InputError(f"cannot read frame click {click!r}; expected FRAMES-EIGHTHS like 12-2",
                         field="click")
    if int(m.group(1)) == 0 and int(m.group(2) or 0) == 0:
        raise InputError(f"frame click {click!r} has no length", field="click")
    return f"{int(m.group(1))}-{int(m.group(2) or 0)}"


def frames_per_beat(bpm: Number, rate: FrameRate) -> Fraction:
    b = frac(bpm)
    if b <= 0:
        raise InputError(f"tempo {float(b):g} BPM must be positive", field="bpm")
    return fps_times_60(rate) / b


def bpm_to_frame_click(bpm: Number, rate: FrameRate) -> str:
    """Nearest frame click (to an eighth of a frame) for ``bpm`` at ``rate``."""
    eighths = math.floor(frames_per_beat(bpm, rate) * 8 + Fraction(1, 2))
    whole, rest = divmod(eighths, 8)
    return f"{whole}-{rest}"
