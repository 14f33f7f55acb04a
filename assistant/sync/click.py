"""Click tracks for a fitted tempo map: MIDI and WAV, with accented downbeats.

* :func:`click_times` lists every meter beat of the cue (and of ``count_in_bars`` warning
  bars before it, at the first tempo and meter) as ``(seconds, is_downbeat, bar)``;
  count-in clicks have negative seconds.
* :func:`write_click_midi` writes a type-1 file whose track 0 is the conductor track
  (see :mod:`assistant.sync.midi`; the cue starts at tick 0) and whose track 1 is the
  click on the General MIDI percussion channel (channel 10): Hi Wood Block (76),
  velocity 127 on downbeats; Low Wood Block (77), velocity 90 on other beats. Warning
  clicks never move the cue off tick 0: with ``count_in_bars`` they go to a separate
  file ``<stem>.warning.mid`` whose tick 0 is the first warning click and whose
  ``smpte_offset`` is that click's timecode.
* :func:`write_click_wav` synthesises the click with numpy as a 48 kHz 16-bit mono
  Broadcast Wave file: 1.6 kHz at -1 dB peaks on downbeats, 1 kHz at -8 dB on other
  beats, 25 ms decaying sine bursts. The WAV starts with the warning bars, labelled by
  a ``COUNT-IN`` marker; its BWF time reference is the cue start minus the count-in,
  and a ``CUE START`` marker sits on the cue's first click, ``count_in_s`` in.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path
from typing import Any

import mido
import numpy as np

from assistant.storage import atomic_path
from assistant.sync.midi import DEFAULT_PPQ, beat_to_tick, conductor_track, smpte_fields
from assistant.sync.tempo import MeterChange, TempoMap, frac
from assistant.timecode import FrameRate, frames_to_tc, tc_to_frames

log = logging.getLogger(__name__)

CLICK_CHANNEL = 9  # GM percussion, "channel 10"
ACCENT_NOTE, BEAT_NOTE = 76, 77  # Hi / Low Wood Block
ACCENT_VEL, BEAT_VEL = 127, 90


def count_in_meter(tm: TempoMap) -> MeterChange:
    """The meter of the warning bars: bar 1's, or bar 2's when bar 1 is a short first bar."""
    if len(tm.meters) > 1 and tm.meters[1].bar == 2:
        return tm.meters[1]
    return tm.meters[0]


def click_beats(tm: TempoMap, duration_s: float, count_in_bars: int = 0
                ) -> list[tuple[Fraction, bool]]:
    """``(quarter-note position, is_downbeat)`` of every click, count-in first (negative)."""
    end = tm.total_beats(frac(duration_s))
    out: list[tuple[Fraction, bool]] = []
    if count_in_bars:
        m = count_in_meter(tm)
        pre = count_in_bars * m.bar_beats
        unit = m.unit_beats
        n = int(pre / unit)
        out += [(-pre + i * unit, i % m.numerator == 0) for i in range(n)]
    out += list(tm.beat_grid(0, end))  # clicks in [cue start, cue end)
    return out


def click_times(tm: TempoMap, duration_s: float, count_in_bars: int = 0
                ) -> list[tuple[float, bool]]:
    """``(seconds from cue start, is_downbeat)`` per click; count-in clicks are negative."""
    return [(float(tm.beat_to_seconds(b)), d) for b, d in click_beats(tm, duration_s,
                                                                      count_in_bars)]


def write_click_midi(solution: Any, path: str | Path, *, count_in_bars: int = 0,
                     start_tc: str | None = None, fps: FrameRate | None = None,
                     cue_id: str = "", ppq: int = DEFAULT_PPQ) -> list[Path]:
    """Write the click MIDI (and ``<stem>.warning.mid`` with count-in); returns the paths."""
    tm: TempoMap = solution.tempo_map
    rate = fps or solution.fps
    track0, end_tick = conductor_track(solution, start_tc=start_tc, fps=rate, cue_id=cue_id,
                                       count_in_bars=count_in_bars, ppq=ppq)
    beats = click_beats(tm, solution.duration_s, 0)
    mid = mido.MidiFile(type=1, ticks_per_beat=ppq)
    mid.tracks.append(track0)
    mid.tracks.append(_click_track([(beat_to_tick(b, ppq), d) for b, d in beats], ppq))
    out = Path(path)
    with atomic_path(out) as tmp:  # temp file + rename: never half a MIDI file
        mid.save(str(tmp))
    paths = [out]
    if count_in_bars:
        pre = click_beats(tm, solution.duration_s, count_in_bars)[: _n_pre(tm, count_in_bars)]
        first = pre[0][0]
        ticks = [(beat_to_tick(b - first, ppq), d) for b, d in pre]
        pre_s = -tm.beat_to_seconds(first)
        tc = start_tc or frames_to_tc(0, rate)
        frames = tc_to_frames(tc, rate) - pre_s * rate.fps
        if frames < 0:
            log.warning("warning clicks would start before 00:00:00:00; offset set to zero")
            frames = Fraction(0)
        whole = int(frames // 1)
        warn = mido.MidiFile(type=1, ticks_per_beat=ppq)
        t0 = mido.MidiTrack()
        fields = smpte_fields(frames_to_tc(whole, rate), rate)
        per_sub = 2 if rate.name in ("50", "59.94", "60") else 1  # sub-frames of SMPTE frames
        fields["sub_frames"] = min(99, fields["sub_frames"]
                                   + int((frames - whole) * 100 / per_sub))
        t0.append(mido.MetaMessage("track_name", name="Warning clicks", time=0))
        t0.append(mido.MetaMessage("smpte_offset", **fields, time=0))
        m = count_in_meter(tm)
        t0.append(mido.MetaMessage("time_signature", numerator=m.numerator,
                                   denominator=m.denominator, time=0))
        t0.append(mido.MetaMessage("set_tempo", tempo=round(60_000_000 / tm.segments[0][1]),
                                   time=0))
        t0.append(mido.MetaMessage("marker", text=f"WARNING {count_in_bars} bar(s)", time=0))
        t0.append(mido.MetaMessage("marker", text="CUE START", time=beat_to_tick(-first, ppq)))
        t0.append(mido.MetaMessage("end_of_track", time=0))
        warn.tracks.append(t0)
        warn.tracks.append(_click_track(ticks, ppq))
        wpath = out.with_name(out.stem + ".warning.mid")
        with atomic_path(wpath) as tmp:
            warn.save(str(tmp))
        paths.append(wpath)
    log.info("wrote click MIDI %s", ", ".join(map(str, paths)))
    return paths


def _n_pre(tm: TempoMap, bars: int) -> int:
    return len(click_beats(tm, 0.0, bars)) - len(click_beats(tm, 0.0, 0))


def _click_track(ticks: list[tuple[int, bool]], ppq: int) -> mido.MidiTrack:
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name="Click", time=0))
    length = ppq // 8
    events: list[tuple[int, int, mido.Message]] = []
    for tick, down in ticks:
        note, vel = (ACCENT_NOTE, ACCENT_VEL) if down else (BEAT_NOTE, BEAT_VEL)
        events.append((tick, 1, mido.Message("note_on", channel=CLICK_CHANNEL, note=note,
                                             velocity=vel)))
        events.append((tick + length, 0, mido.Message("note_off", channel=CLICK_CHANNEL,
                                                      note=note, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def render_click(times: list[tuple[float, bool]], total_s: float, offset_s: float = 0.0,
                 sample_rate: int = 48_000) -> np.ndarray:
    """Float32 mono samples of clicks at ``time + offset_s`` seconds."""
    n = int(round(total_s * sample_rate)) + 1
    out = np.zeros(n, dtype=np.float32)
    click_len = int(0.025 * sample_rate)
    t = np.arange(click_len) / sample_rate
    env = np.exp(-t / 0.006)
    accent = (10 ** (-1 / 20) * env * np.sin(2 * np.pi * 1600 * t)).astype(np.float32)
    plain = (10 ** (-8 / 20) * env * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    for sec, down in times:
        i = int(round((sec + offset_s) * sample_rate))
        if i < 0 or i >= n:
            continue
        burst = accent if down else plain
        j = min(n, i + click_len)
        out[i:j] += burst[: j - i]
    return np.clip(out, -1.0, 1.0)


def write_click_wav(solution: Any, path: str | Path, *, count_in_bars: int = 0,
                    sample_rate: int = 48_000, start_tc: str | None = None,
                    fps: FrameRate | None = None, cue_id: str = "") -> dict[str, Any]:
    """Write the click as a 16-bit mono Broadcast Wave file (see module docstring).

    The count-in comes first; the file's BWF time reference is the cue's start
    timecode minus the count-in, so a DAW that spots the file to its timestamp puts
    the cue's first click exactly on the cue start. Markers label the points:
    ``COUNT-IN n bar(s)`` at sample 0, ``CUE START <id> <tc>`` and ``CUE END``.
    Returns ``{path, count_in_s, duration_s, clicks, time_reference, cue_start_sample}``.
    """
    from assistant.render.wav import time_reference_samples, write_wav

    tm: TempoMap = solution.tempo_map
    rate = fps or solution.fps
    if isinstance(rate, str):
        rate = FrameRate.parse(rate)
    times = click_times(tm, solution.duration_s, count_in_bars)
    count_in_s = -min((s for s, _ in times), default=0.0) if count_in_bars else 0.0
    lead = int(round(count_in_s * sample_rate))
    total = float(solution.duration_s) + lead / sample_rate
    samples = render_click(times, total, lead / sample_rate, sample_rate)
    tref = None
    if start_tc:
        cue_ref = time_reference_samples(start_tc, rate, sample_rate)
        if cue_ref < lead:
            log.warning("count-in would start before midnight; time reference set to 0")
        tref = max(0, cue_ref - lead)
    markers = [(lead, f"CUE START {cue_id} {start_tc or ''}".replace("  ", " ").strip()),
               (len(samples) - 1, f"CUE END {cue_id}".strip())]
    if lead:
        markers.insert(0, (0, f"COUNT-IN {count_in_bars} bar(s), {count_in_s:.3f} s"))
    desc = (f"click {cue_id}: {count_in_bars} bar(s) count-in ({count_in_s:.3f} s) before the "
            f"cue start {start_tc or '(no timecode)'}; time reference = count-in start")
    out = write_wav(Path(path), samples, sample_rate, time_reference_samples=tref,
                    description=desc, markers=markers, bits=16)
    log.info("wrote click WAV %s (%d clicks, count-in %.3f s)", out, len(times), count_in_s)
    return {"path": str(out), "count_in_s": lead / sample_rate, "duration_s": total,
            "clicks": len(times), "time_reference": tref, "cue_start_sample": lead}
