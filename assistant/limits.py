"""Reader limits for music files: size, event count, zip expansion, and a sane header.

The text readers take their limits from :mod:`assistant.errors` (``MAX_TEXT_BYTES``,
``read_bytes``: regular files only), spotting lists from
:mod:`assistant.importers.spotting` (``MAX_SPOTTING_BYTES``, ``MAX_CUES``), JSON files
from :mod:`assistant.storage` (``MAX_JSON_DEPTH``) and the similarity from
:mod:`assistant.guard.similarity` (``MAX_TOTAL_CELLS``). This module does the same for
MIDI and MusicXML, so that a 20 MB MIDI file or a zip bomb named ``.mxl`` is one clear
line, not minutes of work and gigabytes of memory.

* MIDI: at most ``MAX_MIDI_BYTES`` (2 MiB is ~500,000 events: a two-hour orchestral
  score is well under 1 MiB; mido needs ~60 bytes of memory and ~15 us per byte) and
  ``MAX_MIDI_NOTES`` notes; the division (ticks per beat) must be 1-32767 (0 divided
  by zero downstream; SMPTE divisions are not supported).
* MusicXML / ABC / Humdrum: at most ``MAX_SCORE_BYTES`` (8 MiB); a compressed ``.mxl``
  may expand to at most ``MAX_MXL_EXPANDED_BYTES`` in all.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from assistant.errors import InputError, read_bytes

MAX_MIDI_BYTES = 2 * 1024 * 1024
MAX_MIDI_NOTES = 200_000
MAX_MIDI_TRACKS = 1024
MAX_SCORE_BYTES = 8 * 1024 * 1024
MAX_MXL_EXPANDED_BYTES = 32 * 1024 * 1024


def read_midi(path: str | Path) -> Any:
    """A ``mido.MidiFile`` read within the limits above, or a located InputError."""
    import mido

    p = Path(path)
    data = read_bytes(p, what="MIDI file", max_bytes=MAX_MIDI_BYTES)
    if len(data) < 14 or data[:4] != b"MThd":
        raise InputError("not a MIDI file (no MThd header)", path=p, field="header")
    division = int.from_bytes(data[12:14], "big")
    if division == 0:
        raise InputError("division (ticks per beat) is 0", path=p, field="division")
    if division & 0x8000:
        raise InputError("SMPTE time division is not supported; save with ticks per beat",
                         path=p, field="division")
    ntracks = int.from_bytes(data[10:12], "big")
    if ntracks > MAX_MIDI_TRACKS:
        raise InputError(f"{ntracks} tracks; the limit is {MAX_MIDI_TRACKS}", path=p,
                         field="tracks")
    try:
        mid = mido.MidiFile(file=io.BytesIO(data), clip=True)
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise InputError(f"not a readable MIDI file ({exc})", path=p) from None
    notes = sum(1 for tr in mid.tracks for msg in tr
                if msg.type == "note_on" and msg.velocity > 0)
    if notes > MAX_MIDI_NOTES:
        raise InputError(f"{notes:,} notes; the limit is {MAX_MIDI_NOTES:,}", path=p,
                         field="notes")
    mid.filename = str(p)
    return mid


def check_score_file(path: str | Path) -> bytes:
    """Size (and, for ``.mxl``, expansion) checks before music21 parses a score file."""
    p = Path(path)
    data = read_bytes(p, what="score file", max_bytes=MAX_SCORE_BYTES)
    if p.suffix.lower() == ".mxl":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                total = sum(max(0, i.file_size) for i in zf.infolist())
                if len(zf.infolist()) > 1000:
                    raise InputError("compressed MusicXML holds over 1000 files", path=p,
                                     field="mxl")
        except zipfile.BadZipFile:
            raise InputError("not a compressed MusicXML file (bad zip)", path=p,
                             field="mxl") from None
        if total > MAX_MXL_EXPANDED_BYTES:
            raise InputError(f"expands to {total / 2**20:.0f} MiB; the limit is "
                             f"{MAX_MXL_EXPANDED_BYTES // 2**20} MiB", path=p, field="mxl")
    return data


#: the longest a reader may work on one file; with the size limits and linear passes a
#: real file takes well under a second, so hitting this means a hostile or broken input
READ_TIME_LIMIT_S = 60.0


class Deadline:
    """A reader's time limit, checked cheaply inside its loops.

    >>> d = Deadline("screenplay", "x.fountain", seconds=0.0)
    >>> try:
    ...     for _ in range(5000):
    ...         d.check(line=7)
    ... except InputError as exc:
    ...     print(exc)
    x.fountain:7: reading the screenplay took over 0 s; the file is too large or malformed
    """

    def __init__(self, what: str, path: str | Path | None, seconds: float | None = None):
        import time

        self._clock = time.monotonic
        seconds = READ_TIME_LIMIT_S if seconds is None else seconds
        self.what, self.path, self.seconds = what, path, seconds
        self.end = self._clock() + seconds
        self.n = 0

    def check(self, line: int | None = None, *, now: bool = False) -> None:
        """Raise once the time is up; the clock is read every 1024th call (or ``now``)."""
        self.n += 1
        if (now or self.n & 1023 == 0) and self._clock() > self.end:
            raise InputError(f"reading the {self.what} took over {self.seconds:g} s; the file "
                             "is too large or malformed", path=self.path, line=line)
