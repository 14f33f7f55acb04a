"""Loudness (ITU-R BS.1770 through pyloudnorm), 4x-oversampled true peak, and
normalisation to a delivery target with a true-peak limiter.

Targets (REFERENCE.md; the name is the setting ``loudness_target``):

============  ==========================  ============  ===========
name          standard                    integrated    true peak
============  ==========================  ============  ===========
ebu_r128      EBU R128                    -23 LUFS      -1 dBTP
atsc_a85      ATSC A/85 (US broadcast)    -24 LKFS      -2 dBTP *
streaming     streaming print master      -27 LKFS      -2 dBTP
============  ==========================  ============  ===========

(*) A/85 sets no ceiling in REFERENCE.md's table; -2 dBTP is A/85's recommended
practice and what most US deliverables ask for.

The integrated loudness is programme loudness (BS.1770 gating); pyloudnorm has no
dialogue gating, so a streaming "dialogue-gated" figure is not computed here.

:func:`normalise` returns a *gain envelope*, not new audio: the cue renderer multiplies
the mix and every stem by the same envelope, so the stems still sum to the mix. The
envelope is a scalar gain to the target with a look-ahead peak limiter folded in: the
true peak (every sample of a 4x-oversampled copy, both channels) is kept
``TP_MARGIN_DB`` under the ceiling. Gain and limiter are iterated until the integrated
loudness is within ``TOLERANCE_LU`` (0.1 LU, well inside the +-0.5 LU the deliverable
allows) or the limiter would have to work unreasonably hard (then the result is
reported as it is and flagged).
"""

from __future__ import annotations

import functools
import logging
import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from assistant.errors import InputError

log = logging.getLogger(__name__)

OVERSAMPLE = 4
TP_MARGIN_DB = 0.2
TOLERANCE_LU = 0.1
LOOKAHEAD_S = 0.004


@dataclass(frozen=True)
class LoudnessTarget:
    name: str
    label: str
    integrated_lufs: float
    true_peak_dbtp: float


TARGETS: dict[str, LoudnessTarget] = {
    "ebu_r128": LoudnessTarget("ebu_r128", "EBU R128", -23.0, -1.0),
    "atsc_a85": LoudnessTarget("atsc_a85", "ATSC A/85", -24.0, -2.0),
    "streaming": LoudnessTarget("streaming", "streaming print master", -27.0, -2.0),
}


def target(name: str | LoudnessTarget) -> LoudnessTarget:
    """The target called ``name`` (InputError naming the choices otherwise)."""
    if isinstance(name, LoudnessTarget):
        return name
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    if key not in TARGETS:
        raise InputError(f"unknown loudness target {name!r}; choose {', '.join(TARGETS)}",
                         field="loudness_target")
    return TARGETS[key]


def _2d(audio: np.ndarray) -> np.ndarray:
    a = np.asarray(audio)
    return a[:, None] if a.ndim == 1 else a


def integrated_lufs(audio: np.ndarray, sample_rate: int) -> float:
    """BS.1770 integrated loudness (pyloudnorm); ``-inf`` for silence or audio shorter
    than one 400 ms block."""
    import pyloudnorm

    a = _2d(audio).astype(np.float64)
    if a.shape[0] < int(0.4 * sample_rate) or not np.any(a):
        return float("-inf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(pyloudnorm.Meter(sample_rate).integrated_loudness(a))
    return value if math.isfinite(value) else float("-inf")


@functools.lru_cache(maxsize=1)
def _tp_filter() -> np.ndarray:
    """The 4x interpolation filter: 48 taps (12 per phase, as BS.1770-4 annex 2 uses),
    windowed sinc cut at the original Nyquist."""
    from scipy.signal import firwin

    return (firwin(48, 1 / OVERSAMPLE, window=("kaiser", 7.0)) * OVERSAMPLE).astype(np.float32)


def oversampled_peaks(audio: np.ndarray, oversample: int = OVERSAMPLE) -> np.ndarray:
    """Per input sample, the largest |value| of its interpolated points (4x, polyphase)
    over all channels, and of the sample itself."""
    if oversample != OVERSAMPLE:
        raise InputError(f"oversampling is {OVERSAMPLE}x", field="oversample")
    a = _2d(audio).astype(np.float32, copy=False)
    n = a.shape[0]
    h = _tp_filter()
    delay = (len(h) // OVERSAMPLE) // 2  # each phase's 12 taps centre ~6 samples late
    peak = np.abs(a).max(axis=1)
    for c in range(a.shape[1]):
        x = np.ascontiguousarray(a[:, c])
        for k in range(OVERSAMPLE):
            y = np.convolve(x, h[k::OVERSAMPLE])[delay:delay + n]
            np.maximum(peak, np.abs(y), out=peak)
    return peak


def true_peak_dbtp(audio: np.ndarray, sample_rate: int | None = None) -> float:
    """True peak in dBTP, from 4x oversampling (BS.1770 annex 2 style estimate)."""
    a = _2d(audio)
    if a.shape[0] == 0:
        return float("-inf")
    peak = float(oversampled_peaks(a).max())
    return 20 * math.log10(peak) if peak > 0 else float("-inf")


def limiter_envelope(audio: np.ndarray, sample_rate: int, ceiling_dbtp: float,
                     lookahead_s: float = LOOKAHEAD_S, peaks: np.ndarray | None = None
                     ) -> np.ndarray:
    """Gain (n,) <= 1 that keeps every oversampled peak under the ceiling.

    The needed gain per sample is spread over a window of +-lookahead by a minimum
    filter, then smoothed by a moving average of the same width: every averaged value
    is built only from minima that include the sample's own need, so the smoothed gain
    never exceeds it (no overshoot), and it moves over ~2 x lookahead (no clicks).
    ``peaks`` (from :func:`oversampled_peaks`) saves measuring them again.
    """
    ceiling = 10 ** (ceiling_dbtp / 20)
    if peaks is None:
        peaks = oversampled_peaks(audio)
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12)).astype(np.float32)
    if need.min() >= 1.0:
        return np.ones_like(need)
    w = 2 * max(1, int(lookahead_s * sample_rate)) + 1
    env = uniform_filter1d(minimum_filter1d(need, size=w, mode="nearest"), size=w,
                           mode="nearest")
    return np.minimum(env, need).astype(np.float32)


def normalise(audio: np.ndarray, sample_rate: int, goal: str | LoudnessTarget,
              max_iter: int = 8) -> tuple[np.ndarray | float, dict[str, float | bool | str]]:
    """Gain envelope (scalar or (n,)) that brings ``audio`` to ``goal``; and the figures.

    Report keys: ``loudness_lufs``, ``true_peak_dbtp`` (both measured on the result),
    ``gain_db`` (the scalar part), ``limited_db`` (deepest limiter reduction),
    ``on_target`` (within 0.5 LU and under the ceiling), ``target``.
    """
    t = target(goal)
    a = _2d(audio).astype(np.float32)
    base = integrated_lufs(a, sample_rate)
    report: dict[str, float | bool | str] = {"target": t.name}
    if not math.isfinite(base):
        report.update(loudness_lufs=float("-inf"), true_peak_dbtp=float("-inf"), gain_db=0.0,
                      limited_db=0.0, on_target=False)
        return 1.0, report  # silence stays silence
    peaks = oversampled_peaks(a)  # peaks of a * g are g * peaks: measured once
    gain_db = t.integrated_lufs - base
    ceiling = t.true_peak_dbtp - TP_MARGIN_DB
    top = float(peaks.max())
    if top > 0 and 20 * math.log10(top) + gain_db <= ceiling:
        # no limiting needed: a plain gain moves the true peak by exactly its dB, and the
        # loudness too (unless BS.1770's absolute gate changes its mind: then iterate)
        g = 10 ** (gain_db / 20)
        lufs = integrated_lufs(a * np.float32(g), sample_rate)
        if abs(lufs - t.integrated_lufs) <= TOLERANCE_LU:
            report.update(loudness_lufs=round(lufs, 2),
                          true_peak_dbtp=round(20 * math.log10(top) + gain_db, 2),
                          gain_db=round(gain_db, 2), limited_db=0.0, on_target=True)
            return float(g), report
    env: np.ndarray | float = 1.0
    lufs = tp = float("nan")
    for _ in range(max_iter):
        g = 10 ** (gain_db / 20)
        lim = limiter_envelope(a, sample_rate, ceiling, peaks=peaks * g)
        env = g * lim if lim.min() < 1.0 else g
        lufs = integrated_lufs(apply_gain(a, env), sample_rate)
        err = t.integrated_lufs - lufs
        if abs(err) <= TOLERANCE_LU:
            tp = true_peak_dbtp(apply_gain(a, env))
            if tp <= t.true_peak_dbtp:
                break
            ceiling -= tp - t.true_peak_dbtp + 0.05  # envelope steps between samples
        gain_db += err
    else:
        tp = true_peak_dbtp(apply_gain(a, env))
    g = 10 ** (gain_db / 20)
    limited = float(np.min(env) / g) if isinstance(env, np.ndarray) else 1.0
    report.update(loudness_lufs=round(lufs, 2), true_peak_dbtp=round(tp, 2),
                  gain_db=round(gain_db, 2),
                  limited_db=round(20 * math.log10(max(min(limited, 1.0), 1e-9)), 2),
                  on_target=bool(abs(lufs - t.integrated_lufs) <= 0.5
                                 and tp <= t.true_peak_dbtp))
    if not report["on_target"]:
        log.warning("loudness %.2f LUFS / %.2f dBTP misses %s", lufs, tp, t.label)
    if isinstance(env, np.ndarray):
        return env.astype(np.float32), report
    return float(env), report


def apply_gain(audio: np.ndarray, env: np.ndarray | float) -> np.ndarray:
    """``audio`` (n, ch) times a scalar or (n,) envelope, float32."""
    a = _2d(audio)
    if isinstance(env, np.ndarray):
        return (a * env[:, None]).astype(np.float32)
    return (a * np.float32(env)).astype(np.float32)
