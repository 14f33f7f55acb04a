"""The project guard report: every cue's latest revision against the temp tracks and the corpus.

Temp tracks live in ``<project>/temp/`` (any MIDI, MusicXML or ABC file there). A cue's
music is the MIDI listed in the ``artefacts`` of its latest revision
(``revisions/<cue>/<nnnn>/revision.json``); every melodic line of it (monophonic parts and
skylines of polyphonic ones) is checked, and the closest match in each reference set is
reported with positions and excerpts on both sides.

Lines are split by tune role at note level (:mod:`assistant.guard.roles`): with the
revision's ``draft.json`` its roles and form decide, else they are inferred; tunes are
compared as tunes, accompaniment figures with the stricter evidence test. Temp tracks
are split the same way (inferred).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.guard.loop import check
from assistant.guard.melody import MIDI_SUFFIXES, SUFFIXES, Melody
from assistant.guard.roles import load_role_lines
from assistant.guard.similarity import verdict_for
from assistant.project import ProjectStore

log = logging.getLogger(__name__)

TEMP_DIR = "temp"


def temp_tracks(root: Path) -> list[Path]:
    d = root / TEMP_DIR
    if not d.is_dir():
        return []
    base = root.resolve()
    return [p for p in sorted(d.iterdir()) if p.is_file() and p.suffix.lower() in SUFFIXES
            and p.resolve().is_relative_to(base)]  # a symlink out of the project is not read


def load_temp_melodies(root: Path) -> list[Melody]:
    """Every line of every temp track, named ``file:part``, split into tunes and
    accompaniment figures (:func:`assistant.guard.roles.load_role_lines`). Bad files raise
    InputError."""
    out: list[Melody] = []
    for p in temp_tracks(root):
        out.extend(load_role_lines(p))
    return out


def revision_lines(store: ProjectStore, rev: Any, midi_index: int) -> list[Melody]:
    """The tune and figure lines of a revision's MIDI artefact, with the roles and form of
    its ``draft.json`` when the revision has one (paths stay inside the revision)."""
    path = store.artefact_path(rev, midi_index)
    draft = None
    if "draft.json" in rev.artefacts:
        d = store.artefact_path(rev, rev.artefacts.index("draft.json"))
        draft = d if d.is_file() else None
    return load_role_lines(path, draft)


def project_report(project: str | Path, use_corpus: bool = True) -> dict[str, Any]:
    """JSON-ready report: project, temp tracks, corpus size and one entry per cue."""
    store = ProjectStore(project)
    film = store.load()
    root = store.root
    temps = temp_tracks(root)
    refs = load_temp_melodies(root)
    index = None
    if use_corpus:
        from assistant.guard.index import default_index

        index = default_index()
    cues = []
    for cue in film.cues:
        revs = store.revisions(cue.id)
        if not revs:
            cues.append({"cue": cue.id, "revision": None, "status": "no revision yet"})
            continue
        rev = revs[-1]
        folder = store.revision_dir(cue.id, rev.number)
        mids = [i for i, a in enumerate(rev.artefacts) if Path(a).suffix.lower() in MIDI_SUFFIXES]
        if not mids:
            cues.append({"cue": cue.id, "revision": rev.number, "status": "no MIDI in revision",
                         "midi": None, "verdict": "distinct", "temp": None, "corpus": None})
            continue
        # a path stored in revision.json is data: it must stay inside the revision folder
        path = store.artefact_path(rev, mids[0])
        if not path.is_file():
            raise InputError("artefact listed in revision.json is missing",
                             path=folder / "revision.json", field=f"artefacts[{mids[0]}]")
        try:
            lines = revision_lines(store, rev, mids[0])
        except InputError as exc:  # a 3-second sting: chords, no line of 4 notes
            if "no melodic line" not in exc.message:
                raise
            cues.append({"cue": cue.id, "revision": rev.number,
                         "midi": str(path.relative_to(root.resolve())),
                         "status": "no melodic line to compare", "score": 0.0,
                         "verdict": "distinct", "temp": None, "corpus": None})
            continue
        c = check(lines, refs, index)
        score = c.score
        cues.append({
            "cue": cue.id, "revision": rev.number, "midi": str(path.relative_to(root.resolve())),
            "score": round(score, 4), "verdict": verdict_for(score),
            "temp": c.temp.to_dict() if c.temp else None,
            "corpus": c.corpus.to_dict() if c.corpus else None,
        })
    return {
        "project": film.title,
        "temp_tracks": [str(p.relative_to(root)) for p in temps],
        "corpus_pieces": len(index) if index is not None else 0,
        "cues": cues,
    }
