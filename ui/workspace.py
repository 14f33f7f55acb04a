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
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from assistant.errors import InputError
from ui.adapter import resolve_inside, safe_filename

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
    "project": ((".zip",), 250 * MB),  # a project folder zipped, or the studio's download
}
#: what a project zip may expand to: its files in all, and how many
MAX_PROJECT_EXPANDED = 1024 * MB
MAX_PROJECT_MEMBERS = 20000
#: files of a zipped folder that are not the project's (macOS and Windows leave these)
_ZIP_JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db")
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


def _project_prefix(names: list[str], zname: str) -> str:
    """The folder inside the zip that holds ``project.json``: the top (a download) or one
    folder down (a zipped project folder)."""
    roots = sorted({n[: -len("project.json")] for n in names
                    if PurePosixPath(n).name == "project.json" and n.count("/") <= 1})
    if not roots:
        raise InputError("no project.json at the top of the zip or one folder down; zip the "
                         "project folder (the one holding project.json)", path=zname,
                         field="project.json")
    if len(roots) > 1:
        raise InputError(f"the zip holds {len(roots)} projects ({', '.join(r or '/' for r in roots)}); "
                         "upload one", path=zname, field="project.json")
    return roots[0]


def extract_project(zip_path: str | Path, dest: Path) -> Path:
    """Unpack a project zip into the new folder ``dest``; returns ``dest``.

    Checked before a byte is written: the upload's type and size, the number of files
    and their expanded size (the headers, and again while copying, as they can lie),
    and every member's path, which must stay inside ``dest`` (no ``..``, absolute paths,
    drive letters or symlinks: :func:`assistant.paths.resolve_inside`). Only the files
    under the folder that holds ``project.json`` are taken.
    """
    src = check_upload(zip_path, "project")
    zname = src.name
    try:
        zf = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"not a readable zip ({exc})", path=zname, field="project") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()
                 and not any(j in i.filename for j in _ZIP_JUNK)]
        if len(infos) > MAX_PROJECT_MEMBERS:
            raise InputError(f"the zip holds {len(infos)} files; the limit is "
                             f"{MAX_PROJECT_MEMBERS}", path=zname, field="project")
        total = sum(i.file_size for i in infos)
        if total > MAX_PROJECT_EXPANDED:
            raise InputError(f"the zip expands to {total / MB:.0f} MB; the limit is "
                             f"{MAX_PROJECT_EXPANDED // MB} MB", path=zname, field="project")
        prefix = _project_prefix([i.filename for i in infos], zname)
        dest.mkdir(parents=True)
        plan = []
        for i in infos:
            if not i.filename.startswith(prefix):
                continue
            rel = i.filename[len(prefix):]
            if stat.S_ISLNK(i.external_attr >> 16):
                raise InputError("a symbolic link in a project zip is refused", path=zname,
                                 field=i.filename)
            if "\\" in rel:
                raise InputError("a backslash in a member's name is refused", path=zname,
                                 field=i.filename)
            plan.append((i, resolve_inside(dest, rel, field=i.filename, source=zname,
                                           what="project folder")))
        written = 0
        for i, target in plan:
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(i) as fin, open(target, "wb") as fout:
                while chunk := fin.read(1 << 20):
                    written += len(chunk)
                    if written > MAX_PROJECT_EXPANDED:
                        raise InputError(f"the zip expands past {MAX_PROJECT_EXPANDED // MB} MB",
                                         path=zname, field=i.filename)
                    fout.write(chunk)
    return dest


def zip_project(project_dir: Path, out: Path) -> Path:
    """A zip of a project folder (everything but lock and temporary files), written
    atomically to ``out``; :func:`extract_project` opens it again."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(project_dir.rglob("*")):
            rel = f.relative_to(project_dir)
            if f.is_file() and not f.is_symlink() and not any(
                    part.startswith(".") for part in rel.parts):
                z.write(f, rel.as_posix())
    os.replace(tmp, out)
    return out


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

    def reset_project(self, replacement: Path | None = None) -> Path:
        """Empty this session's own working copy (never a shared project) and return it;
        with ``replacement`` (a folder beside it), that folder becomes the working copy."""
        if self.shared_project is not None:
            raise InputError("the studio was started on a shared project; it cannot be "
                             "replaced from one session", field="project")
        d = self.project_dir
        if d.exists():
            # keep the old copy: no revision is ever lost
            keep = self.folder / f"project.{secrets.token_hex(3)}"
            os.replace(d, keep)
        shutil.rmtree(self.out_dir / "renders", ignore_errors=True)
        if replacement is not None:
            os.replace(replacement, d)
        else:
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
