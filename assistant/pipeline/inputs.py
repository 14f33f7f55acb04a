"""The import stage: a project folder made from the user's own files.

:func:`new_project` copies every input into the project (so the project is complete on
its own and a later stage never reads outside it), parses the screenplay and the
spotting list, checks the briefs file, and saves ``project.json``::

    PROJECT/
      project.json
      inputs/<screenplay>       the screenplay as given (.fountain, .fdx, ...)
      inputs/<spotting list>    the spotting list as given (.txt, .csv, .edl), if any
      inputs/briefs.txt         the director's briefs, one ``CUE: brief text`` a line
      temp/<temp tracks>        temp tracks (the guard compares every draft with them)

:func:`load_screenplay_of` and :func:`briefs_path` are how the later stages find
those inputs again: every stored path is resolved inside the project folder.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from assistant.errors import InputError, read_text
from assistant.importers import Screenplay, film_from, load_screenplay, load_spotting
from assistant.paths import resolve_inside, safe_filename
from assistant.project import FilmProject, ProjectStore
from assistant.storage import atomic_path
from assistant.timecode import FrameRate, frames_to_tc, tc_to_frames

log = logging.getLogger(__name__)

INPUTS = "inputs"
BRIEFS_FILE = "briefs.txt"
TEMP_DIR = "temp"  # the guard reads temp tracks from <project>/temp (assistant.guard.report)


def new_project(project_dir: str | Path, script: str | Path, *, spotting: str | Path | None = None,
                briefs: str | Path | None = None, temp: tuple[str | Path, ...] | list = (),
                fps: str | None = None, start_tc: str | None = None) -> ProjectStore:
    """Create a project folder from a screenplay and optional spotting list, briefs and
    temp tracks. ``fps`` and ``start_tc`` override what the spotting list says.

    Refuses a folder that already holds a project (nothing is overwritten). Inputs are
    parsed before anything is written, so bad input leaves no half-made project.
    """
    root = Path(project_dir)
    store = ProjectStore(root)
    if store.exists():
        raise InputError("a project already exists here; choose a new folder", path=root)
    if root.exists() and not root.is_dir():
        raise InputError("project path exists and is not a folder", path=root)
    rate = FrameRate.parse(fps) if fps else None
    screenplay = load_screenplay(script)
    spot = load_spotting(spotting, rate=rate, start_tc=start_tc) if spotting else None
    project = film_from(screenplay, spot, rate=rate)
    if start_tc:
        # validates the label at the project's rate (one-line error on a bad one)
        project.start_tc = frames_to_tc(tc_to_frames(start_tc, project.rate), project.rate)
    brief_lines = read_briefs(Path(briefs), project) if briefs else []
    if temp:  # temp tracks are read now too: a broken one is refused before anything is written
        from assistant.guard.melody import load_melodies

        for t in temp:
            load_melodies(t)

    inputs = root / INPUTS
    inputs.mkdir(parents=True, exist_ok=True)
    project.script_path = _copy_in(script, inputs, root)
    if spotting:
        project.spotting_path = _copy_in(spotting, inputs, root)
    if briefs:
        with atomic_path(inputs / BRIEFS_FILE) as tmp:
            shutil.copyfile(briefs, tmp)
        for cue_id, text in brief_lines:
            project.cue(cue_id).brief = text
    for t in temp:
        _copy_in(Path(t), root / TEMP_DIR, root)
    store.save(project)
    log.info("new project %r: %d scenes, %d cues, %d temp track(s) in %s", project.title,
             len(project.scenes), len(project.cues), len(temp), root)
    return store


def _copy_in(src: str | Path, folder: Path, root: Path) -> str:
    """Copy ``src`` into ``folder`` under a safe name; return its path relative to ``root``."""
    p = Path(src)
    dest = folder / safe_filename(p.name)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_path(dest) as tmp:  # temp file + rename: never half a copy
            shutil.copyfile(p, tmp)
    except OSError as exc:
        raise InputError(f"cannot copy into the project: {exc.strerror}", path=p) from None
    return dest.relative_to(root).as_posix()


def read_briefs(path: Path, project: FilmProject | None = None) -> list[tuple[str, str]]:
    """``(cue id, brief text)`` per non-blank line of a briefs file (``CUE: brief text``).
    ``CAST: NELL female, GUS male`` lines name voices (:mod:`assistant.analysis.voices`).

    With ``project`` the cue ids are checked against its cues (a project without cues
    yet, one whose cues the analysis will propose, is not checked). Errors name the line.
    """
    out: list[tuple[str, str]] = []
    known = {c.id.lower(): c.id for c in project.cues} if project is not None else {}
    for line_no, line in enumerate(read_text(path, what="briefs file").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.strip().upper().startswith("CAST:"):  # voices, not a brief (analysis.voices)
            from assistant.analysis.voices import parse_cast

            try:
                parse_cast(line)
            except InputError as exc:
                raise InputError(exc.message, path=path, line=line_no, field="cast") from None
            continue
        cue_id, sep, text = line.partition(":")
        cue_id, text = cue_id.strip(), text.strip()
        if not sep or not cue_id or " " in cue_id:
            raise InputError("each brief is a line 'CUE: brief text', e.g. '1M4: slow and warm'",
                             path=path, line=line_no, field="cue")
        if not text:
            raise InputError(f"the brief for {cue_id} is empty", path=path, line=line_no,
                             field="brief")
        if known and cue_id.lower() not in known:
            raise InputError(f"no cue {cue_id!r} in the spotting list", path=path, line=line_no,
                             field="cue")
        out.append((known.get(cue_id.lower(), cue_id), text))
    return out


def load_screenplay_of(store: ProjectStore, project: FilmProject) -> Screenplay:
    """The project's own copy of its screenplay (the path is checked to stay inside)."""
    if not project.script_path:
        raise InputError("the project has no screenplay; create it with `new --script`",
                         path=store.path, field="script_path")
    return load_screenplay(resolve_inside(store.root, project.script_path, field="script_path",
                                          source=store.path))


def briefs_path(store: ProjectStore) -> Path | None:
    p = store.root / INPUTS / BRIEFS_FILE
    return p if p.is_file() else None


def temp_dir(store: ProjectStore) -> Path:
    return store.root / TEMP_DIR
