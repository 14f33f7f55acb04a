"""Durable files: atomic writes with the user's umask, temp-file debris, safe JSON loading.

Every artefact the assistant writes (JSON, MIDI, WAV, MusicXML, CSV) goes through
:func:`atomic_write_bytes` or, for libraries that insist on writing to a path
themselves (``mido``, ``soundfile``), :func:`atomic_path`::

    with atomic_path(out / "1M1.click.wav") as tmp:
        soundfile.write(tmp, audio, 48000)

Both write a temporary file in the target folder, fsync it, rename it over the
target and fsync the folder, so a reader sees the old file or the new one, never
half of one. The temporary name is ``.<name>.<pid>.<random>.tmp[<suffix>]``; the pid
lets :func:`clean_temp_files` tell a crashed writer's debris from a live writer's
file. New files get ``0666 & ~umask`` (0644 under umask 022); a replaced file
keeps its mode.

:func:`load_json_file` reads a JSON file that a user or a crash may have damaged:
size limit, regular files only, UTF-8, nesting depth, no NaN/Infinity; every
problem is an :class:`InputError` naming the file and, where known, the line.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.errors import MAX_FILE_BYTES, InputError, read_bytes

log = logging.getLogger(__name__)

TMP_TAG = ".tmp"
#: debris of a writer whose pid we cannot check (another host) is removed after this age
STALE_TMP_S = 3600.0
#: deepest nesting accepted in a JSON file (project.json needs 5)
MAX_JSON_DEPTH = 64

_TMP_NAME = re.compile(r"^\..+\.(\d+)\.[^./]+\.tmp(\.[^./]*)?$")


def current_umask() -> int:
    """The process umask, read without changing it (Linux), else by the set/restore pair."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mode_for(p: Path) -> int:
    try:
        return os.stat(p).st_mode & 0o7777
    except OSError:
        return 0o666 & ~current_umask()


def _fsync_dir(folder: Path) -> None:
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def _prepare(p: Path) -> None:
    """Make the folder of ``p``; name the real culprit when that cannot work (a file where
    a folder should be, a folder where the file should be) instead of mkdir's "File exists"."""
    if p.is_dir():
        raise IsADirectoryError(errno.EISDIR, "Is a directory", str(p))
    for parent in (p.parent, *p.parent.parents):
        if parent.exists():
            if not parent.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, "Not a directory", str(parent))
            break
    p.parent.mkdir(parents=True, exist_ok=True)


def _replace(tmp: str, p: Path) -> None:
    try:
        os.replace(tmp, p)
    except OSError as exc:  # report the target, not our temporary name
        raise type(exc)(exc.errno, exc.strerror, str(p)) from None


def _mkstemp(p: Path, keep_suffix: bool) -> tuple[int, str]:
    _prepare(p)
    suffix = TMP_TAG + (p.suffix if keep_suffix else "")
    return tempfile.mkstemp(prefix=f".{p.name}.{os.getpid()}.", suffix=suffix, dir=p.parent)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same folder, fsync, rename."""
    p = Path(path)
    mode = _mode_for(p)
    fd, tmp = _mkstemp(p, keep_suffix=False)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(p.parent)


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path (same folder, same suffix) that becomes ``path`` on success.

    For writers that take a file name (``mido.MidiFile.save``, ``soundfile.write``).
    On an exception the temporary file is removed and ``path`` is left as it was.
    """
    p = Path(path)
    mode = _mode_for(p)
    fd, tmp = _mkstemp(p, keep_suffix=True)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        _replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(p.parent)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    except OSError:
        return True
    return True


def clean_temp_files(root: str | Path, *, max_age_s: float = STALE_TMP_S) -> list[Path]:
    """Remove atomic-writer debris under ``root`` left by writers that died.

    A temp file is debris when its writer's pid is no longer running (same host), or
    when it is older than ``max_age_s``. Files of live writers are left alone.
    Returns the removed paths.
    """
    base = Path(root)
    removed: list[Path] = []
    if not base.is_dir():
        return removed
    now = time.time()
    for dirpath, _dirs, files in os.walk(base):
        for name in files:
            m = _TMP_NAME.match(name)
            if not m:
                continue
            p = Path(dirpath) / name
            try:
                age = now - p.lstat().st_mtime
            except OSError:
                continue
            pid = int(m.group(1))
            if pid == os.getpid() and age < max_age_s:
                continue
            if _pid_alive(pid) and age < max_age_s:
                continue
            try:
                p.unlink()
                removed.append(p)
            except OSError as exc:
                log.warning("cannot remove temporary file %s: %s", p, exc.strerror)
    if removed:
        log.info("removed %d temporary file(s) left by interrupted saves in %s",
                 len(removed), base)
    return removed


class _NonFinite(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NonFinite(name)


def _depth_ok(obj: Any, limit: int) -> bool:
    stack = [(obj, 1)]
    while stack:
        o, d = stack.pop()
        if d > limit:
            return False
        if isinstance(o, dict):
            stack.extend((v, d + 1) for v in o.values())
        elif isinstance(o, list):
            stack.extend((v, d + 1) for v in o)
    return True


def load_json_file(path: str | Path, *, what: str = "JSON file", max_bytes: int = MAX_FILE_BYTES,
                   max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse a JSON file, refusing what a damaged or hostile file can hold.

    Refused, each with one located line: not a regular file, over ``max_bytes``,
    empty or truncated, not UTF-8 (the line of the bad byte), invalid JSON (the
    line), nesting deeper than ``max_depth``, NaN or Infinity.
    """
    p = Path(path)
    raw = read_bytes(p, what=what, max_bytes=max_bytes)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 (byte 0x{raw[exc.start]:02x}); the file is damaged",
                         path=p, line=line) from None
    if not text.strip():
        raise InputError(f"{what} is empty (an interrupted save?)", path=p)
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except _NonFinite as exc:
        m = re.search(rf"(?<![\w\"]){re.escape(str(exc))}(?![\w\"])", text)
        line = text[: m.start()].count("\n") + 1 if m else None
        raise InputError(f"{exc} is not a number JSON allows; the file is damaged",
                         path=p, line=line) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=p, line=exc.lineno) from None
    except RecursionError:
        raise InputError(f"nested deeper than {max_depth} levels", path=p) from None
    if not _depth_ok(data, max_depth):
        raise InputError(f"nested deeper than {max_depth} levels", path=p)
    return data
