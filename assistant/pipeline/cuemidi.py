"""A cue's MIDI deliverable: the sync engine's conductor track, then one track per instrument.

The contract (DESIGN.md): a type-1 file whose track 0 is the conductor track exactly as
the sync stage wrote it (tempo changes, meters, ``HIT`` markers, SMPTE offset, cue start
at tick 0), followed by one track per part, named by its instrument id, with its General
MIDI program. The instrument tracks are written by the score model itself
(:meth:`Score.to_midi`: notes, dynamics markings, articulations, CC curves), so the file
reads back into the same :class:`Score`; only track 0 is replaced by the conductor's.
"""

from __future__ import annotations

import io
import logging
import tempfile
from dataclasses import replace
from pathlib import Path

import mido

from assistant.errors import InputError
from assistant.music.score import Score
from assistant.project import atomic_write_bytes

log = logging.getLogger(__name__)


def cue_midi_file(conductor: str | Path, score: Score) -> mido.MidiFile:
    """The cue's type-1 MIDI: ``conductor``'s track 0 verbatim, then the instrument tracks."""
    try:
        cond = mido.MidiFile(str(conductor))
    except (OSError, EOFError, ValueError, KeyError, IndexError) as exc:
        raise InputError(f"not a readable conductor MIDI file ({exc})", path=conductor) from None
    parts = [replace(p, name=p.instrument or p.name) for p in score.parts]
    named = replace(score, parts=parts, ppq=cond.ticks_per_beat, markers=[])
    with tempfile.TemporaryDirectory() as tmp:
        body = mido.MidiFile(named.to_midi(Path(tmp) / "parts.mid"))
    track0 = cond.tracks[0].copy()
    if score.key:
        # after the track name, at tick 0: the key the draft is written in
        at = 1 if track0 and track0[0].type == "track_name" and track0[0].time == 0 else 0
        track0.insert(at, mido.MetaMessage("text", text=f"key: {score.key}", time=0))
    mid = mido.MidiFile(type=1, ticks_per_beat=cond.ticks_per_beat)
    mid.tracks.append(track0)
    mid.tracks.extend(body.tracks[1:])
    return mid


def write_cue_midi(conductor: str | Path, score: Score, path: str | Path) -> Path:
    """Write :func:`cue_midi_file` atomically to ``path``."""
    buf = io.BytesIO()
    cue_midi_file(conductor, score).save(file=buf)
    atomic_write_bytes(path, buf.getvalue())
    return Path(path)
