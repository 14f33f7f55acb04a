"""Broadcast Wave (BWF) files: 24-bit PCM with a ``bext`` chunk a DAW spots by.

Layout (EBU Tech 3285 v2): ``RIFF/WAVE``, ``fmt `` (PCM), ``bext``, ``data``, then
optionally ``cue `` + ``LIST/adtl`` with one labelled marker per point (a click's
"COUNT-IN" and "CUE START").

The ``bext`` time reference is the first sample's position in samples since midnight
of the timeline. For a cue at SMPTE ``01:00:10:12`` at 23.976 fps the label's frames
count at 24000/1001 per second of real time, so the reference is
``frames x 1001/24000 x sample_rate`` (what Pro Tools, Nuendo and Reaper compute when
they spot a file to its original timestamp); :func:`time_reference_samples` does this
exactly with Fractions for every rate, drop-frame included.

Loudness fields (version 2) carry the measured integrated loudness and true peak when
given, in hundredths as the spec asks.

>>> import numpy as np, tempfile, os
>>> d = tempfile.mkdtemp(); p = os.path.join(d, "x.wav")
>>> _ = write_wav(p, np.zeros((48, 2), np.float32), 48000, time_reference_samples=172800000)
>>> read_bwf(p)["time_reference"]
172800000
"""

from __future__ import annotations

import logging
import struct
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import InputError
from assistant.project import atomic_write_bytes
from assistant.timecode import FrameRate, tc_to_frames

log = logging.getLogger(__name__)

ORIGINATOR = "Scoring Assistant"
BEXT_FIXED = 602


def time_reference_samples(tc: str, rate: FrameRate | str, sample_rate: int,
                           offset_s: float | Fraction = 0) -> int:
    """Samples since midnight of SMPTE label ``tc`` (+ ``offset_s`` seconds), rounded."""
    r = rate if isinstance(rate, FrameRate) else FrameRate.parse(rate)
    frames = tc_to_frames(tc, r)
    seconds = Fraction(frames) / r.fps + Fraction(offset_s)
    samples = round(seconds * sample_rate)
    if samples < 0:
        raise InputError(f"time reference {float(seconds):.3f} s is before midnight",
                         field="start_tc")
    return int(samples)


def _fixed(text: str, size: int) -> bytes:
    return text.encode("ascii", "replace")[:size].ljust(size, b"\0")


def _bext(description: str, time_reference: int, *, originator: str, reference: str,
          loudness_lufs: float | None, true_peak_dbtp: float | None,
          coding_history: str, when: datetime) -> bytes:
    def hundredths(x: float | None) -> int:
        if x is None or not np.isfinite(x):
            return 0x7FFF  # "not set"
        return int(max(-32768, min(32767, round(x * 100))))

    body = b"".join([
        _fixed(description, 256), _fixed(originator, 32), _fixed(reference, 32),
        _fixed(when.strftime("%Y-%m-%d"), 10), _fixed(when.strftime("%H:%M:%S"), 8),
        struct.pack("<II", time_reference & 0xFFFFFFFF, time_reference >> 32),
        struct.pack("<H", 2), b"\0" * 64,
        struct.pack("<hhhhh", hundredths(loudness_lufs), 0x7FFF, hundredths(true_peak_dbtp),
                    0x7FFF, 0x7FFF),
        b"\0" * 180,
        coding_history.encode("ascii", "replace"),
    ])
    assert len(body) >= BEXT_FIXED
    return body


def _chunk(tag: bytes, body: bytes) -> bytes:
    pad = b"\0" if len(body) % 2 else b""
    return tag + struct.pack("<I", len(body)) + body + pad


def _markers(markers: list[tuple[int, str]]) -> bytes:
    cue = struct.pack("<I", len(markers))
    adtl = b"adtl"
    for i, (pos, label) in enumerate(markers, start=1):
        cue += struct.pack("<II4sIII", i, pos, b"data", 0, 0, pos)
        adtl += _chunk(b"labl", struct.pack("<I", i) + label.encode("utf-8") + b"\0")
    return _chunk(b"cue ", cue) + _chunk(b"LIST", adtl)


def pcm24(audio: np.ndarray) -> bytes:
    """Float audio in [-1, 1) as interleaved little-endian 24-bit PCM (clipped)."""
    q = np.clip(np.round(audio.astype(np.float64) * 8388608.0), -8388608, 8388607)
    raw = q.astype("<i4").reshape(-1).view(np.uint8).reshape(-1, 4)[:, :3]
    return raw.tobytes()


def wav_bytes(audio: np.ndarray, sample_rate: int, *, time_reference_samples: int | None = None,
              description: str = "", originator: str = ORIGINATOR, reference: str = "",
              loudness_lufs: float | None = None, true_peak_dbtp: float | None = None,
              markers: list[tuple[int, str]] | None = None, bits: int = 24,
              when: datetime | None = None) -> bytes:
    """The bytes of a BWF file (see module docstring); ``audio`` is ``(n,)`` or ``(n, ch)``."""
    a = np.asarray(audio, dtype=np.float32)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[1] < 1:
        raise InputError(f"audio must be (samples, channels), got shape {a.shape}", field="audio")
    if not np.all(np.isfinite(a)):
        raise InputError("audio holds NaN or infinite samples", field="audio")
    if bits == 24:
        data = pcm24(a)
    elif bits == 16:
        data = np.clip(np.round(a * 32768.0), -32768, 32767).astype("<i2").tobytes()
    else:
        raise InputError(f"bits {bits} must be 16 or 24", field="bits")
    ch = a.shape[1]
    block = ch * bits // 8
    fmt = struct.pack("<HHIIHH", 1, ch, sample_rate, sample_rate * block, block, bits)
    history = f"A=PCM,F={sample_rate},W={bits},M={'mono' if ch == 1 else 'stereo'},T={originator}\r\n"
    tr = int(time_reference_samples or 0)
    bext = _bext(description, tr, originator=originator, reference=reference,
                 loudness_lufs=loudness_lufs, true_peak_dbtp=true_peak_dbtp,
                 coding_history=history, when=when or datetime.now(UTC))
    body = b"WAVE" + _chunk(b"fmt ", fmt) + _chunk(b"bext", bext) + _chunk(b"data", data)
    if markers:
        body += _markers(sorted(markers))
    return b"RIFF" + struct.pack("<I", len(body)) + body


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int, *,
              time_reference_samples: int | None = None, description: str = "",
              **kwargs: Any) -> Path:
    """Write ``audio`` as a 24-bit Broadcast Wave file, atomically; returns the path.

    ``time_reference_samples`` is the first sample's position since midnight (see
    :func:`time_reference_samples`); ``kwargs`` go to :func:`wav_bytes` (``markers``,
    ``loudness_lufs``, ``true_peak_dbtp``, ``bits``, ``reference``).
    """
    out = Path(path)
    atomic_write_bytes(out, wav_bytes(audio, sample_rate,
                                      time_reference_samples=time_reference_samples,
                                      description=description, **kwargs))
    log.info("wrote %s (%.2f s, time reference %s)", out, len(audio) / sample_rate,
             time_reference_samples)
    return out


def read_bwf(path: str | Path) -> dict[str, Any]:
    """The chunks a test or a DAW cares about: format, length, ``bext`` fields, markers."""
    p = Path(path)
    raw = p.read_bytes()
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise InputError("not a RIFF/WAVE file", path=p)
    info: dict[str, Any] = {"time_reference": None, "markers": []}
    labels: dict[int, str] = {}
    points: dict[int, int] = {}
    i = 12
    while i + 8 <= len(raw):
        tag, size = raw[i:i + 4], struct.unpack("<I", raw[i + 4:i + 8])[0]
        body = raw[i + 8:i + 8 + size]
        if tag == b"fmt ":
            _, ch, sr, _, block, bits = struct.unpack("<HHIIHH", body[:16])
            info.update(channels=ch, sample_rate=sr, bits=bits, block=block)
        elif tag == b"bext":
            lo, hi = struct.unpack("<II", body[338:346])
            info["time_reference"] = lo | (hi << 32)
            info["description"] = body[:256].rstrip(b"\0").decode("ascii", "replace")
            info["originator"] = body[256:288].rstrip(b"\0").decode("ascii", "replace")
            info["version"] = struct.unpack("<H", body[346:348])[0]
            lv, _, tp, _, _ = struct.unpack("<hhhhh", body[412:422])
            info["loudness_lufs"] = None if lv == 0x7FFF else lv / 100
            info["true_peak_dbtp"] = None if tp == 0x7FFF else tp / 100
            info["coding_history"] = body[BEXT_FIXED:].rstrip(b"\0").decode("ascii", "replace")
        elif tag == b"data":
            info["frames"] = size // max(1, info.get("block", 1))
        elif tag == b"cue ":
            (n,) = struct.unpack("<I", body[:4])
            for k in range(n):
                cid, pos = struct.unpack("<II", body[4 + 24 * k:12 + 24 * k])
                points[cid] = pos
        elif tag == b"LIST" and body[:4] == b"adtl":
            j = 4
            while j + 8 <= len(body):
                sub, sz = body[j:j + 4], struct.unpack("<I", body[j + 4:j + 8])[0]
                if sub == b"labl":
                    cid = struct.unpack("<I", body[j + 8:j + 12])[0]
                    labels[cid] = body[j + 12:j + 8 + sz].rstrip(b"\0").decode("utf-8")
                j += 8 + sz + (sz % 2)
        i += 8 + size + (size % 2)
    info["markers"] = [(points[k], labels.get(k, "")) for k in sorted(points)]
    if "sample_rate" in info and "frames" in info:
        info["duration_s"] = info["frames"] / info["sample_rate"]
    return info


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """``(audio (n, ch) float32, sample_rate)`` through soundfile."""
    import soundfile as sf

    data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return data, int(sr)
