"""Conductor-track MIDI for a fitted tempo map (written with mido).

The file is SMF type 1 at ``ppq`` (default 960) ticks per quarter note; tick 0 is the cue
start. Track 0, the conductor track, holds, at tick 0, the track name, an ``smpte_offset``
giving the cue's start timecode, the first time signature and tempo, and a marker
``CUE START <id>``; then every tempo change (``set_tempo``), every time signature, one
marker per hit whose text is ``HIT <label>`` (``HIT <n>`` when the hit has no label), a
marker ``CUE END`` at the cue's end, and the end of track. Hit markers sit at the hit's
*requested* time, so in constant mode the file itself shows how many frames each hit is
off the beat.

Tempos are stored as whole microseconds per quarter note. The writer rounds each segment
with error diffusion, so the file's time at every tempo change stays within a few
microseconds of the exact map. Warning clicks (count-in bars) never move the cue off
tick 0: they are written to a separate file by :mod:`assistant.sync.click`; here
``count_in_bars`` only adds a text event saying how many precede the cue.

``smpte_offset`` supports only 24, 25, 29.97 DF and 30 fps: 23.976 is written as 24,
29.97 non-drop as 30, 50/60 as 25/30 with the odd frame as 50 sub-frames, and 59.94 as
29.97 DF / 30 likewise.
"""

from __future__ import annotations

import io
import logging
from fractions import Fraction
from pathlib import Path
from typing import Any

import mido

from assistant.errors import InputError
from assistant.storage import atomic_path
from assistant.sync.tempo import TempoMap
from assistant.timecode import FrameRate, frames_to_tc, seconds_to_frames, tc_to_frames

log = logging.getLogger(__name__)

DEFAULT_PPQ = 960


def smpte_fields(tc: str, rate: FrameRate) -> dict[str, Any]:
    """``smpte_offset`` fields for SMPTE label ``tc`` at ``rate`` (see module docstring)."""
    tc_to_frames(tc, rate)  # validates
    hh, mm, ss, ff = (int(x) for x in tc.replace(";", ":").replace(".", ":").split(":"))
    sub = 0
    if rate.name in ("50", "59.94", "60"):
        ff, odd = divmod(ff, 2)
        sub = 50 * odd
    if rate.name in ("23.976", "24"):
        code: float = 24
    elif rate.name in ("25", "50"):
        code = 25
    elif rate.drop:
        code = 29.97
    else:
        code = 30
    return {"frame_rate": code, "hours": hh, "minutes": mm, "seconds": ss, "frames": ff,
            "sub_frames": sub}


def tempo_events(tm: TempoMap, ppq: int) -> list[tuple[int, int]]:
    """``(tick, microseconds_per_quarter)`` per tempo segment, rounded with error diffusion."""
    out: list[tuple[int, int]] = []
    actual_us = Fraction(0)
    segs = tm.segments
    for i, (b0, bpm) in enumerate(segs):
        tick = b0 * ppq
        if tick.denominator != 1:
            raise InputError(f"tempo change at beat {float(b0):g} is not on a tick at {ppq} PPQ",
                             field="ppq")
        if i + 1 < len(segs):
            b1 = segs[i + 1][0]
            want_end_us = tm.beat_to_seconds(b1) * 1_000_000
            us = round((want_end_us - actual_us) / (b1 - b0))
            actual_us += us * (b1 - b0)
        else:
            us = round(Fraction(60_000_000) / bpm)
        us = min(max(us, 1), 0xFFFFFF)
        out.append((int(tick), int(us)))
    return out


def beat_to_tick(beat: Fraction, ppq: int) -> int:
    return int(round(beat * ppq))


def conductor_track(solution: Any, *, start_tc: str | None = None, fps: FrameRate | None = None,
                    cue_id: str = "", count_in_bars: int = 0, ppq: int = DEFAULT_PPQ
                    ) -> tuple[mido.MidiTrack, int]:
    """Build the conductor track of ``solution``; returns it and the cue-end tick."""
    tm: TempoMap = solution.tempo_map
    rate = fps or solution.fps
    if isinstance(rate, str):
        rate = FrameRate.parse(rate)
    tc = start_tc or frames_to_tc(0, rate)
    duration = Fraction(repr(float(solution.duration_s)))
    end_tick = beat_to_tick(tm.total_beats(duration), ppq)
    events: list[tuple[int, int, mido.MetaMessage]] = []  # (tick, order, msg)
    events.append((0, 0, mido.MetaMessage("track_name", name=f"Conductor {cue_id}".strip())))
    events.append((0, 1, mido.MetaMessage("smpte_offset", **smpte_fields(tc, rate))))
    for m in tm.meters:
        tick = beat_to_tick(tm.bar_start(m.bar), ppq)
        events.append((tick, 2, mido.MetaMessage(
            "time_signature", numerator=m.numerator, denominator=m.denominator,
            clocks_per_click=max(1, 96 // m.denominator),
            notated_32nd_notes_per_beat=8)))
    for tick, us in tempo_events(tm, ppq):
        events.append((tick, 3, mido.MetaMessage("set_tempo", tempo=us)))
    events.append((0, 4, mido.MetaMessage("marker", text=f"CUE START {cue_id}".strip())))
    if count_in_bars:
        events.append((0, 5, mido.MetaMessage(
            "text", text=f"{count_in_bars} bar(s) of warning clicks precede the cue "
                         "(separate warning-click file)")))
    for h in solution.hits:
        label = h.label or str(h.index + 1)
        tick = beat_to_tick(tm.seconds_to_beat(Fraction(repr(float(h.time_s)))), ppq)
        events.append((tick, 6, mido.MetaMessage("marker", text=f"HIT {label}")))
    events.append((end_tick, 7, mido.MetaMessage("marker", text=f"CUE END {cue_id}".strip())))
    events.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack()
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track, end_tick


def write_conductor_midi(solution: Any, path: str | Path, *, start_tc: str | None = None,
                         fps: FrameRate | None = None, cue_id: str = "",
                         count_in_bars: int = 0, ppq: int = DEFAULT_PPQ) -> Path:
    """Write ``solution``'s conductor track as a type-1 MIDI file (see module docstring)."""
    if ppq < 960 or ppq % 8:
        raise InputError(f"ppq {ppq} must be at least 960 and a multiple of 8", field="ppq")
    track, _ = conductor_track(solution, start_tc=start_tc, fps=fps, cue_id=cue_id,
                               count_in_bars=count_in_bars, ppq=ppq)
    mid = mido.MidiFile(type=1, ticks_per_beat=ppq)
    mid.tracks.append(track)
    out = Path(path)
    with atomic_path(out) as tmp:  # temp file + rename: never half a MIDI file
        mid.save(str(tmp))
    log.info("wrote conductor MIDI %s", out)
    return out


def cue_start_tc(film_start_tc: str, cue_start_s: float, rate: FrameRate) -> str:
    """SMPTE label of a cue starting ``cue_start_s`` film seconds after ``film_start_tc``."""
    return frames_to_tc(tc_to_frames(film_start_tc, rate) + seconds_to_frames(cue_start_s, rate),
                        rate)


def stamp_midi(path: str | Path, start_tc: str, rate: FrameRate | str, *,
               out: str | Path | None = None) -> Path:
    """Give an existing MIDI file the SMPTE offset of where it belongs (a theme at the cue
    that states it, a sketch at its cue), keeping its tempo map and meters.

    Track 0 gets one ``smpte_offset`` at tick 0 (an older one is replaced); a file
    without a tempo or a time signature at tick 0 gets the MIDI defaults written out
    (120 BPM, 4/4) so every DAW reads the same map. Written atomically to ``out``
    (default: in place); returns the path.
    """
    from assistant.project import atomic_write_bytes

    r = rate if isinstance(rate, FrameRate) else FrameRate.parse(rate)
    src = Path(path)
    try:
        mid = mido.MidiFile(str(src))
    except (OSError, EOFError, ValueError, KeyError, IndexError) as exc:
        raise InputError(f"not a readable MIDI file ({exc})", path=src) from None
    if mid.type == 2:
        raise InputError("type-2 MIDI files have no common timeline", path=src)
    if not mid.tracks:
        mid.tracks.append(mido.MidiTrack())
    t0 = mid.tracks[0]
    absolute, tick = [], 0
    for msg in t0:
        tick += msg.time
        if msg.type != "smpte_offset":
            absolute.append((tick, msg))
    head = [mido.MetaMessage("smpte_offset", **smpte_fields(start_tc, r), time=0)]
    at_zero = {m.type for t, m in absolute if t == 0}
    if "set_tempo" not in at_zero:
        head.append(mido.MetaMessage("set_tempo", tempo=500_000, time=0))
    if "time_signature" not in at_zero:
        head.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    names = [m for t, m in absolute if t == 0 and m.type == "track_name"]
    rest = [(t, m) for t, m in absolute if not (t == 0 and m.type == "track_name")]
    track = mido.MidiTrack()
    track.extend(m.copy(time=0) for m in names)
    track.extend(head)
    now = 0
    for t, m in rest:
        track.append(m.copy(time=t - now))
        now = t
    mid.tracks[0] = track
    buf = io.BytesIO()
    mid.save(file=buf)
    dst = Path(out) if out else src
    atomic_write_bytes(dst, buf.getvalue())
    return dst
