"""Checking a deliverables folder against the manifest contract (DESIGN.md).

:func:`manifest_problems` lists every way ``DIR/manifest.json`` and the files it names
break the contract: missing keys, paths that are absolute, leave ``DIR`` or do not exist,
and cue MIDI files that are not type 1 with the conductor track first (tempo, meters,
SMPTE offset, one ``HIT`` marker per hit) and one track per instrument named by its
instrument id with that instrument's General MIDI program. The render stage runs it on
what it wrote; an empty list means the folder is deliverable.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import mido

FILM_KEYS = ("title", "fps", "start_tc", "duration_s")
CUE_KEYS = ("id", "title", "start_tc", "end_tc", "start_s", "duration_s", "function", "themes",
            "palette", "brief", "files", "report")
REPORT_KEYS = ("hits", "dialogue", "mickey_mousing_index", "guard")
HIT_KEYS = ("time_s", "bar", "beat", "error_frames", "event")
DIALOGUE_KEYS = ("voice_band_notes", "voice_band_notes_without_pass")


def paths_in(value: Any) -> list[str]:
    """Every path string in a ``files`` value (a path, a list, or a dict by kind)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [p for v in value.values() for p in paths_in(v)]
    if isinstance(value, list):
        return [p for v in value for p in paths_in(v)]
    return []


def _path_problems(out: Path, where: str, files: Any) -> list[str]:
    probs = []
    for rel in paths_in(files):
        pp = PurePosixPath(rel)
        if pp.is_absolute() or ".." in pp.parts:
            probs.append(f"{where}: path {rel!r} is not relative to the folder")
        elif not (out / rel).is_file():
            probs.append(f"{where}: {rel} does not exist")
    return probs


def midi_problems(path: Path, n_hits: int) -> list[str]:
    """How a cue MIDI file breaks the contract (type 1, conductor, instrument tracks)."""
    from assistant.analysis.instruments import INSTRUMENTS

    try:
        mid = mido.MidiFile(str(path))
    except (OSError, EOFError, ValueError, KeyError, IndexError) as exc:
        return [f"{path.name}: unreadable MIDI ({exc})"]
    probs = []
    if mid.type != 1:
        probs.append(f"{path.name}: MIDI type {mid.type}, expected 1")
    if not mid.tracks:
        return probs + [f"{path.name}: no tracks"]
    kinds = [m.type for m in mid.tracks[0]]
    for need in ("set_tempo", "time_signature", "smpte_offset"):
        if need not in kinds:
            probs.append(f"{path.name}: conductor track has no {need}")
    hits = sum(1 for m in mid.tracks[0] if m.type == "marker" and m.text.startswith("HIT"))
    if hits != n_hits:
        probs.append(f"{path.name}: {hits} HIT markers for {n_hits} hits")
    if any(not m.is_meta for m in mid.tracks[0]):
        probs.append(f"{path.name}: the conductor track holds channel messages")
    if len(mid.tracks) < 2:
        probs.append(f"{path.name}: no instrument tracks")
    for i, tr in enumerate(mid.tracks[1:], 1):
        name = next((m.name for m in tr if m.type == "track_name"), "")
        ins = INSTRUMENTS.get(name)
        if ins is None:
            probs.append(f"{path.name}: track {i} is named {name!r}, not an instrument id")
            continue
        programs = {m.program for m in tr if m.type == "program_change"}
        drum = all(m.channel == 9 for m in tr if m.type == "note_on")
        if not ins.is_drum and programs != {ins.gm_program}:
            probs.append(f"{path.name}: track {name} has programs {sorted(programs)}, "
                         f"expected {ins.gm_program}")
        if ins.is_drum and not drum:
            probs.append(f"{path.name}: drum track {name} plays outside channel 10")
    return probs


def manifest_problems(out_dir: str | Path, manifest: dict[str, Any]) -> list[str]:
    """Every contract problem of ``manifest`` (as written in ``out_dir``); [] when none."""
    out = Path(out_dir)
    probs = []
    for k in ("film", "cues", "files"):
        if k not in manifest:
            probs.append(f"manifest has no {k!r}")
    film = manifest.get("film", {})
    probs += [f"film has no {k!r}" for k in FILM_KEYS if k not in film]
    for cue in manifest.get("cues", []):
        cid = cue.get("id", "?")
        probs += [f"cue {cid} has no {k!r}" for k in CUE_KEYS if k not in cue]
        files = cue.get("files", {})
        if "midi" not in files:
            probs.append(f"cue {cid} has no MIDI file")
        probs += _path_problems(out, f"cue {cid}", files)
        rep = cue.get("report", {})
        probs += [f"cue {cid} report has no {k!r}" for k in REPORT_KEYS if k not in rep]
        for h in rep.get("hits", []):
            probs += [f"cue {cid} hit has no {k!r}" for k in HIT_KEYS if k not in h]
        dlg = rep.get("dialogue", {})
        probs += [f"cue {cid} dialogue report has no {k!r}" for k in DIALOGUE_KEYS if k not in dlg]
        midi = files.get("midi")
        if isinstance(midi, str) and (out / midi).is_file():
            probs += midi_problems(out / midi, len(rep.get("hits", [])))
    probs += _path_problems(out, "film", manifest.get("files", {}))
    return probs
