"""Per-session working folders and upload checks for the studio.

Every browser session gets its own folder, named by a random id that the server makes
and keeps in ``gr.State`` (a client cannot choose or guess another session's folder):

    <root>/sessions/<id>/project/   the session's working copy of a project (unless the
                                    studio was started on a shared ``--project``)
    <root>/sessions/<id>/out/       renders, figures and export zips of this session only

Uploads are checked on the server (type by suffix, size by ``stat``) before anything
reads them, and copied into the project under a safe file name.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import InputError
from ui.adapter import safe_filename

log = logging.getLogger(__name__)

MB = 1024 * 1024

# Uploads the studio accepts, by role: suffixes and the largest size in bytes.
UPLOAD_KINDS: dict[str, tuple[tuple[str, ...], int]] = {
    "screenplay": ((".fountain", ".spmd", ".fdx", ".txt"), 5 * MB),
    "spotting": ((".csv", ".txt", ".edl"), 2 * MB),
    "briefs": ((".txt",), 1 * MB),
    "temp": ((".mid", ".midi", ".musicxml", ".xml", ".mxl", ".abc"), 5 * MB),
    "theme": ((".mid", ".midi", ".musicxml", ".xml", ".mxl"), 5 * MB),
    "video": ((".mp4", ".mov", ".webm", ".m4v"), 200 * MB),
}
MAX_UPLOAD_BYTES = max(limit for _, limit in UPLOAD_KINDS.values())
MAX_SESSIONS_KEPT = 200  # oldest session folders beyond this are pruned at start-up


def file_types(kind: str) -> list[str]:
    """The suffixes a ``gr.File`` of this kind offers in the browser's file picker."""
    return list(UPLOAD_KINDS[kind][0])


def check_upload(path: str | Path, kind: str) -> Path:
    """The uploaded file, after checking its type and size; InputError names what to fix."""
    suffixes, limit = UPLOAD_KINDS[kind]
    p = Path(path)
    if not p.is_file():
        raise InputError(f"the {kind} upload is not a regular file", path=p.name, field=kind)
    if p.suffix.lower() not in suffixes:
        raise InputError(f"a {kind} must be one of {', '.join(suffixes)} (got "
                         f"{p.suffix or 'no suffix'})", path=p.name, field=kind)
    size = p.stat().st_size
    if size > limit:
        raise InputError(f"the {kind} is {size / MB:.1f} MB; the limit is {limit // MB} MB",
                         path=p.name, field=kind)
    if size == 0:
        raise InputError(f"the {kind} is empty", path=p.name, field=kind)
    return p


def copy_upload(path: str | Path, kind: str, dest_dir: Path) -> Path:
    """Check an upload and copy it into ``dest_dir`` under a safe name; returns the copy."""
    src = check_upload(path, kind)
    dest_dir.mkdir(parents=True, exist_ok=True)
    name = safe_filename(src.name)
    dest = dest_dir / name
    tmp = dest_dir / f".{name}.upload"
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)
    return dest


@dataclass(frozen=True)
class Workspace:
    """One session's folders. ``shared_project`` is a project opened by several sessions."""

    root: Path
    session_id: str
    shared_project: Path | None = None

    @property
    def folder(self) -> Path:
        return self.root / "sessions" / self.session_id

    @property
    def project_dir(self) -> Path:
        return self.shared_project if self.shared_project is not None else self.folder / "project"

    @property
    def out_dir(self) -> Path:
        return self.folder / "out"

    def render_dir(self, cue_id: str, number: int) -> Path:
        return self.out_dir / "renders" / safe_filename(cue_id) / f"{number:04d}"

    def reset_project(self) -> Path:
        """Empty this session's own working copy (never a shared project) and return it."""
        if self.shared_project is not None:
            raise InputError("the studio was started on a shared project; it cannot be "
                             "replaced from one session", field="project")
        d = self.project_dir
        if d.exists():
            # keep the old copy: no revision is ever lost
            keep = self.folder / f"project.{secrets.token_hex(3)}"
            os.replace(d, keep)
        shutil.rmtree(self.out_dir / "renders", ignore_errors=True)
        d.mkdir(parents=True)
        return d


def new_workspace(root: str | Path, shared_project: str | Path | None = None) -> Workspace:
    """A fresh session folder under ``root`` with an unguessable id."""
    ws = Workspace(Path(root).resolve(), secrets.token_hex(12),
                   Path(shared_project).resolve() if shared_project else None)
    ws.out_dir.mkdir(parents=True, exist_ok=True)
    return ws


def workspace_from_state(state: dict | None, root: str | Path,
                         shared_project: str | Path | None = None) -> tuple[Workspace, dict]:
    """The session's workspace from its ``gr.State`` dict, making one on first use."""
    if state and state.get("session_id"):
        sid = str(state["session_id"])
        if not sid.isalnum():
            raise InputError("bad session id", field="session")
        ws = Workspace(Path(root).resolve(), sid,
                       Path(shared_project).resolve() if shared_project else None)
        ws.out_dir.mkdir(parents=True, exist_ok=True)
        return ws, state
    ws = new_workspace(root, shared_project)
    return ws, {"session_id": ws.session_id}


def prune_sessions(root: str | Path, keep: int = MAX_SESSIONS_KEPT) -> int:
    """Remove the render caches of the oldest session folders beyond ``keep``.

    Projects (and so revisions) are never removed; only ``out/`` (renders, zips), which can
    be rebuilt from the revisions. Returns how many sessions were pruned.
    """
    base = Path(root) / "sessions"
    if not base.is_dir():
        return 0
    folders = sorted((d for d in base.iterdir() if d.is_dir()), key=lambda d: d.stat().st_mtime)
    pruned = 0
    for d in folders[:-keep] if len(folders) > keep else []:
        shutil.rmtree(d / "out", ignore_errors=True)
        pruned += 1
    return pruned
