"""The mock-up mix: section stems from rendered parts, orchestral seating, a little
reverb, and ducking under dialogue.

Every step is linear and applied per stem, so **the stems always sum to the mix**
(the mix is defined as their sum; the tests check the written files to -60 dBFS):

1. *Seating* (``pan``, default on): each part is balanced to where its players sit on
   a film scoring stage seen from the podium (first violins and harp left, cellos and
   basses right, horns left of the trumpets, trombones and tuba right; solo and bass
   instruments near the middle). ``SEATING`` lists the positions (-1 left .. +1 right);
   ``pan_width`` scales them. The SoundFont's own stereo image is kept (balance law,
   constant power, centre = unity).
2. *Reverb* (``reverb``, default on): one synthetic hall (decorrelated noise with an
   exponential decay, RT60 ``reverb_rt60_s`` = 1.8 s, 20 ms pre-delay, darker as it
   decays; computed at a quarter of the sample rate) convolved with each stem and added
   ``reverb_wet_db`` (-18 dB) under the dry signal. Deterministic (fixed seed).
3. *Ducking* (``duck_db`` 1-6 dB, default 3): the music dips under each dialogue span
   with raised-cosine ramps of ``duck_ramp_s`` (0.25 s) ending at the first word and
   starting at the last; overlapping or close spans merge.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Sequence

import numpy as np
from scipy.signal import fftconvolve, resample_poly, upfirdn

from assistant.errors import InputError
from assistant.music.score import Part
from assistant.render.audio import section_of

log = logging.getLogger(__name__)

#: Seat positions on the stage, -1 (left) .. +1 (right), by instrument id.
SEATING: dict[str, float] = {
    "violin": -0.55, "viola": 0.2, "cello": 0.45, "double_bass": 0.65, "harp": -0.7,
    "piccolo": -0.3, "flute": -0.2, "oboe": 0.05, "english_horn": 0.15, "clarinet": -0.1,
    "bass_clarinet": -0.05, "bassoon": 0.2,
    "horn": -0.45, "trumpet": 0.15, "trombone": 0.4, "tuba": 0.55,
    "timpani": -0.15, "drums": 0.0, "percussion": 0.3, "glockenspiel": 0.35,
    "piano": -0.35, "celesta": -0.5, "organ": 0.0, "guitar": -0.3,
    "choir": 0.0, "voice": 0.0, "synth_pad": 0.0, "synth_bass": 0.0, "synth_lead": 0.1,
}
DUCK_RANGE_DB = (1.0, 6.0)


def balance_gains(position: float) -> tuple[float, float]:
    """Constant-power balance gains (left, right) for ``position`` -1..1; (1, 1) at 0."""
    p = max(-1.0, min(1.0, float(position)))
    theta = (p + 1) * math.pi / 4
    return math.cos(theta) * math.sqrt(2), math.sin(theta) * math.sqrt(2)


def balance(audio: np.ndarray, position: float) -> np.ndarray:
    """A stereo ``(n, 2)`` signal balanced to ``position`` (a new array)."""
    return audio * np.array(balance_gains(position), dtype=np.float32)


@functools.lru_cache(maxsize=4)
def hall_ir(sample_rate: int, rt60_s: float = 1.8, predelay_s: float = 0.02,
            seed: int = 7) -> np.ndarray:
    """A stereo impulse response ``(m, 2)`` of unit energy (see module docstring)."""
    rng = np.random.default_rng(seed)
    n = int((rt60_s * 1.1 + predelay_s) * sample_rate)
    t = np.arange(n) / sample_rate
    decay = np.exp(-6.91 * np.maximum(t - predelay_s, 0) / rt60_s)  # -60 dB at rt60
    noise = rng.standard_normal((n, 2))
    # darker with time: mix towards a 2-tap smoothed copy as the tail grows
    smooth = (noise + np.roll(noise, 1, axis=0) + np.roll(noise, 2, axis=0)) / 3
    w = np.clip(t / rt60_s, 0, 1)[:, None]
    ir = ((1 - w) * noise + w * smooth) * decay[:, None]
    ir[: int(predelay_s * sample_rate)] = 0
    ir /= np.sqrt(np.sum(ir ** 2) / 2)
    return ir.astype(np.float32)


REVERB_DECIMATE = 4  # the wet signal is computed at 1/4 rate: a dark hall, 4x-16x cheaper


def add_reverb(audio: np.ndarray, sample_rate: int, wet_db: float = -18.0,
               rt60_s: float = 1.8) -> np.ndarray:
    """``audio`` plus its hall reverb ``wet_db`` below, same length (see
    :func:`add_reverb_many`)."""
    return add_reverb_many([audio], sample_rate, wet_db, rt60_s)[0]


def add_reverb_many(signals: Sequence[np.ndarray], sample_rate: int, wet_db: float = -18.0,
                    rt60_s: float = 1.8) -> list[np.ndarray]:
    """Each ``(n, 2)`` signal plus its own hall reverb ``wet_db`` below, same length.

    The wet path runs at ``sample_rate / REVERB_DECIMATE`` (12 kHz at 48 kHz: the hall
    keeps nothing above ~5 kHz, as real halls barely do) and comes back up by linear
    interpolation; the dry signal is untouched. All signals go through one batched FFT
    convolution. Linear, so the stems' reverbs sum to the reverb of their sum.
    """
    if not signals:
        return []
    n = signals[0].shape[0]
    d = REVERB_DECIMATE if sample_rate % REVERB_DECIMATE == 0 else 1
    ir = hall_ir(sample_rate // d, round(rt60_s, 3))  # (m, 2)
    monos = np.stack([(a[:, 0] + a[:, 1]) * np.float32(0.5) for a in signals], axis=1)
    low = resample_poly(monos, 1, d, axis=0) if d > 1 else monos  # (n/d, k)
    wet = fftconvolve(low[:, :, None], ir[:, None, :], axes=0)[: low.shape[0]]  # (n/d, k, 2)
    if d > 1:  # linear interpolation back up: the hall is dark, images fall -40 dB
        tri = np.convolve(np.ones(d), np.ones(d)).astype(np.float32) / d
        wet = upfirdn(tri, wet.astype(np.float32), up=d, axis=0)[d - 1:]
    gain = np.float32(10 ** (wet_db / 20))
    m = min(n, wet.shape[0])
    out = []
    for i, a in enumerate(signals):
        y = a.astype(np.float32, copy=True)
        if np.any(a):
            y[:m] += gain * wet[:m, i, :].astype(np.float32, copy=False)
        out.append(y)
    return out


def duck_envelope(n: int, sample_rate: int, spans_s: Sequence[tuple[float, float]],
                  duck_db: float = 3.0, ramp_s: float = 0.25) -> np.ndarray:
    """Gain (n,): 1 outside dialogue, ``-duck_db`` under it, raised-cosine ramps."""
    lo, hi = DUCK_RANGE_DB
    if not lo <= duck_db <= hi:
        raise InputError(f"duck_db {duck_db:g} must be {lo:g}-{hi:g} dB", field="duck_db")
    env = np.ones(n, dtype=np.float32)
    if not spans_s or n == 0:
        return env
    merged: list[list[float]] = []
    for a, b in sorted((float(a), float(b)) for a, b in spans_s):
        if merged and a <= merged[-1][1] + 2 * ramp_s:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    depth = 1 - 10 ** (-duck_db / 20)
    dip = np.zeros(n, dtype=np.float64)
    r = max(1, int(ramp_s * sample_rate))
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, math.pi, r, endpoint=False))
    for a, b in merged:
        i0, i1 = int(round(a * sample_rate)), int(round(b * sample_rate))
        if i1 <= 0 or i0 >= n:
            continue
        s, e = max(0, i0), min(n, i1)
        dip[s:e] = 1.0
        for k in range(r):  # ramp down before the first word, up after the last
            j = i0 - r + k
            if 0 <= j < n:
                dip[j] = max(dip[j], ramp[k])
            j = i1 + k
            if 0 <= j < n:
                dip[j] = max(dip[j], 1 - ramp[k])
    return (1 - depth * dip).astype(np.float32)


def section_stems(parts: Sequence[Part], audio: Sequence[np.ndarray], sample_rate: int, *,
                  pan: bool = True, pan_width: float = 1.0, reverb: bool = True,
                  reverb_wet_db: float = -18.0, reverb_rt60_s: float = 1.8
                  ) -> dict[str, np.ndarray]:
    """Sum rendered parts into section stems (seated, with reverb); same lengths."""
    if len(parts) != len(audio):
        raise InputError("one rendered buffer per part is needed", field="parts")
    stems: dict[str, np.ndarray] = {}
    for part, a in zip(parts, audio, strict=True):
        sec = section_of(part)
        if sec not in stems:
            stems[sec] = np.zeros((a.shape[0], 2), dtype=np.float32)
        gains = balance_gains(SEATING.get(part.instrument, 0.0) * pan_width) if pan else (1, 1)
        buf = stems[sec]
        for c in range(2):  # in place: no per-part copies of a long cue
            buf[:, c] += np.float32(gains[c]) * a[:, c]
    if reverb:
        keys = list(stems)
        stems = dict(zip(keys, add_reverb_many([stems[k] for k in keys], sample_rate,
                                               reverb_wet_db, reverb_rt60_s), strict=True))
    return stems


def sum_stems(stems: dict[str, np.ndarray]) -> np.ndarray:
    """The mix: the sum of the stems."""
    arrays = list(stems.values())
    if not arrays:
        raise InputError("no stems to mix", field="stems")
    out = np.zeros_like(arrays[0], dtype=np.float64)
    for a in arrays:
        out += a
    return out.astype(np.float32)
