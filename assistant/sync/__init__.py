"""Sync to picture: tempo maps that land hits to the frame, clicks, streamers, conductor MIDI.

The tempo map (:mod:`assistant.sync.tempo`) is the single bridge between film seconds and
musical beats; :func:`fit_tempo` finds one from a cue's hits.
"""

from assistant.sync.click import write_click_midi, write_click_wav
from assistant.sync.deliver import sync_cue
from assistant.sync.fit import (
    CostWeights,
    HitResult,
    SyncHit,
    SyncRequest,
    SyncSolution,
    evaluate,
    fit_tempo,
    request_from_cue,
)
from assistant.sync.frameclick import bpm_to_frame_click, frame_click_to_bpm
from assistant.sync.midi import write_conductor_midi
from assistant.sync.streamers import streamer_rows, write_streamers_csv
from assistant.sync.tempo import MeterChange, TempoMap, parse_meter

__all__ = [
    "CostWeights", "HitResult", "MeterChange", "SyncHit", "SyncRequest", "SyncSolution",
    "TempoMap", "bpm_to_frame_click", "evaluate", "fit_tempo", "frame_click_to_bpm",
    "parse_meter", "request_from_cue", "streamer_rows", "sync_cue", "write_click_midi",
    "write_click_wav", "write_conductor_midi", "write_streamers_csv",
]
