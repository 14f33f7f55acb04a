"""Safe paths: user-controlled names become file names, stored paths stay inside a root.

Two functions guard every path the assistant builds from user data:

* :func:`safe_filename` turns a cue id, title, theme name or uploaded file name into
  one safe path component. A name that is already safe is returned unchanged
  (``"1M1"`` stays ``"1M1"``); any other name is cleaned and gets a short hash of
  the original, so two different names never share a file.
* :func:`resolve_inside` resolves a path read from a project file (an artefact of
  ``revision.json``, a theme's MIDI path) and refuses anything that leaves the
  project folder: ``..`` traversal, absolute paths, symlinks pointing outside, NUL bytes.

>>> safe_filename("1M1")
'1M1'
>>> safe_filename("../../esc")
'esc-234b08b0'
>>> safe_filename("NUL.txt")
'NUL_-ba984e96.txt'
>>> resolve_inside("/tmp/film", "../secret.mid", field="artefacts[0]")
Traceback (most recent call last):
...
assistant.errors.InputError: artefacts[0]: path '../secret.mid' leaves the project folder
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath

from assistant.errors import InputError

#: longest file name we produce, in UTF-8 bytes (ext4 allows 255; leave room for
#: suffixes such as ``.sync.json`` and the atomic writer's temporary prefix).
MAX_NAME_BYTES = 120

_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", "clock$", "conin$", "conout$",
                     *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_ALLOWED_PUNCT = set(" -_.+(),'&")
_RUN = re.compile(r"_{2,}")


def _is_allowed(ch: str) -> bool:
    return ch.isalnum() or ch in _ALLOWED_PUNCT


def _digest(name: str) -> str:
    return hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def safe_filename(name: str, *, max_bytes: int = MAX_NAME_BYTES) -> str:
    """One safe file-name component for a user-controlled ``name``.

    Path separators, ``..``, NUL and control characters, leading dots or dashes,
    trailing dots and spaces, Windows reserved names (``CON``, ``NUL.txt``, ``COM1``)
    and over-long names are all made safe. A cleaned name carries an 8-hex-digit
    hash of the original before its extension, so different inputs stay distinct.
    The result is never empty, never ``.`` or ``..`` and never contains ``/``.
    """
    if not isinstance(name, str):
        raise TypeError(f"safe_filename expects a str, got {type(name).__name__}")
    norm = unicodedata.normalize("NFC", name)
    cleaned = "".join(ch if _is_allowed(ch) else "_" for ch in norm)
    cleaned = _RUN.sub("_", cleaned)
    cleaned = cleaned.lstrip(" ._-").rstrip(" .")
    stem = cleaned.split(".", 1)[0].strip().lower()
    if stem in _WINDOWS_RESERVED:
        head, dot, tail = cleaned.partition(".")
        cleaned = f"{head.strip()}_{dot}{tail}"
    if cleaned and cleaned == name and len(cleaned.encode("utf-8")) <= max_bytes:
        return cleaned
    tag = "-" + _digest(name)
    stem_part, dot, ext = cleaned.rpartition(".")
    if not dot or not stem_part or len(ext) > 12:
        stem_part, ext = cleaned, ""
    ext = f".{ext}" if ext else ""
    budget = max_bytes - len(tag.encode()) - len(ext.encode())
    stem_bytes = stem_part.encode("utf-8")[:max(budget, 0)]
    stem_part = stem_bytes.decode("utf-8", "ignore").rstrip(" .")
    if not stem_part:
        stem_part = "unnamed"
    return f"{stem_part}{tag}{ext}"


def resolve_inside(root: str | Path, relpath: str | os.PathLike[str], *, field: str,
                   source: str | Path | None = None, what: str = "project folder") -> Path:
    """The real path of ``relpath`` under ``root``, refusing anything outside ``root``.

    ``field`` names where the path was read (``"artefacts[0]"``) and ``source`` the
    file it came from; both appear in the :class:`InputError`. Symlinks are followed
    before the check, so a link inside the project that points outside is refused too.
    """
    def refuse(why: str) -> InputError:
        return InputError(why, path=source, field=field)

    if isinstance(relpath, os.PathLike):
        relpath = os.fspath(relpath)
    if not isinstance(relpath, str):
        raise refuse(f"expected a relative path, got {type(relpath).__name__}")
    if not relpath.strip():
        raise refuse("path is empty")
    if "\x00" in relpath:
        raise refuse("path contains a NUL byte")
    if (PurePosixPath(relpath).is_absolute() or PureWindowsPath(relpath).is_absolute()
            or PureWindowsPath(relpath).drive or relpath.startswith("~")):
        raise refuse(f"path {relpath!r} is absolute; paths in a project are relative to it")
    base = Path(root).resolve()
    try:
        target = (base / relpath).resolve()
    except (OSError, RuntimeError) as exc:  # symlink loops, names too long
        raise refuse(f"cannot resolve path {relpath!r}: {exc}") from None
    if target != base and not target.is_relative_to(base):
        raise refuse(f"path {relpath!r} leaves the {what}")
    return target
