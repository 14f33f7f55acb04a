"""Importers: screenplays (Fountain, FDX) and spotting lists (text, CSV, EDL) into a FilmProject.

>>> from assistant.importers import load_film  # doctest: +SKIP
>>> film = load_film("examples/film.fountain", "examples/film.spot")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from assistant.errors import InputError
from assistant.importers.screenplay import Screenplay, ScriptElement, load_screenplay
from assistant.importers.spotting import DEFAULT_START_TC, SpottingList, load_spotting
from assistant.project import Cue, DialogueSpan, FilmProject
from assistant.timecode import FrameRate, frames_to_tc, tc_to_frames

__all__ = [
    "Screenplay",
    "ScriptElement",
    "SpottingList",
    "attach_dialogue",
    "film_from",
    "load_film",
    "load_screenplay",
    "load_spotting",
]

log = logging.getLogger(__name__)


def attach_dialogue(cue: Cue, spans: list[DialogueSpan]) -> list[DialogueSpan]:
    """The speeches that overlap ``cue``, clipped to the cue's span (copies)."""
    out = []
    for s in spans:
        start, end = max(s.start_s, cue.start_s), min(s.end_s, cue.end_s)
        if end > start:
            out.append(replace(s, start_s=start, end_s=end))
    return out


def load_film(script_path: str | Path | None = None, spotting_path: str | Path | None = None,
              title: str | None = None, rate: FrameRate | str | None = None) -> FilmProject:
    """Read a screenplay and/or a spotting list and build a :class:`FilmProject`
    (see :func:`film_from`). ``rate`` given explicitly overrides the spotting list's own."""
    if script_path is None and spotting_path is None:
        raise InputError("give a screenplay, a spotting list or both", field="input")
    fr = FrameRate.parse(rate) if isinstance(rate, str) else rate
    script = load_screenplay(script_path) if script_path is not None else None
    spot = load_spotting(spotting_path, rate=fr) if spotting_path is not None else None
    return film_from(script, spot, title=title, rate=fr)


def film_from(script: Screenplay | None, spot: SpottingList | None, title: str | None = None,
              rate: FrameRate | None = None) -> FilmProject:
    """Build a :class:`FilmProject` from an already parsed screenplay and/or spotting list.

    Scenes and characters come from the screenplay (placed on the timeline by the
    page-per-minute estimate); cues come from the spotting list, each with the
    dialogue spans that overlap it, clipped to the cue. The rate and start timecode
    come from the spotting list's header, else ``rate`` or 24 fps and 01:00:00:00.
    """
    if script is None and spot is None:
        raise InputError("give a screenplay, a spotting list or both", field="input")
    if spot is not None:
        fr, start_tc = spot.rate, spot.start_tc
    else:
        fr = rate or FrameRate.parse("24")
        start_tc = frames_to_tc(tc_to_frames(DEFAULT_START_TC, fr), fr)
    cues: list[Cue] = []
    if spot is not None:
        spans = script.dialogue if script is not None else []
        for c in spot.cues:
            cues.append(replace(c, dialogue=attach_dialogue(c, spans)))
        for w in spot.warnings:
            log.debug("spotting: %s", w)
    spot_title = spot.title if spot is not None and spot.title and spot.title != Path(
        spot.path).stem else ""
    name = title or spot_title or (script.title if script is not None else "") or (
        spot.title if spot else "")
    return FilmProject(
        title=name,
        fps=fr.name,
        drop_frame=fr.drop,
        start_tc=start_tc,
        scenes=list(script.scenes) if script else [],
        characters=list(script.characters) if script else [],
        cues=cues,
        script_path=script.path if script is not None else "",
        spotting_path=spot.path if spot is not None else "",
    )
