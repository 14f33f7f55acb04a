"""User-facing errors.

Every problem with user input is raised as :class:`InputError`, which names the
file, the line and the field at fault. The CLI prints ``str(error)`` as one line
on stderr and exits with status 2; the UI shows the same line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass
class InputError(Exception):
    """Bad user input, located as precisely as we can.

    >>> str(InputError("bad timecode", path="cues.csv", line=3, field="start"))
    'cues.csv:3: start: bad timecode'
    >>> str(InputError("empty brief"))
    'empty brief'
    """

    message: str
    path: str | Path | None = None
    line: int | None = None
    field: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        if self.field:
            where += f"{self.field}: "
        return f"{where}{self.message}"

    def located(
        self, path: str | Path | None = None, line: int | None = None, field: str | None = None
    ) -> InputError:
        """Return a copy with missing location parts filled in."""
        return InputError(
            self.message,
            path=self.path if self.path is not None else path,
            line=self.line if self.line is not None else line,
            field=self.field if self.field is not None else field,
        )


#: default size limit of a text input (screenplay, spotting list, brief): 16 MiB is
#: about 40 feature-length scripts; a longer "script" is a wrong file, not a film.
MAX_TEXT_BYTES = 16 * 1024 * 1024
#: default size limit of a binary input (MIDI, MusicXML, project.json).
MAX_FILE_BYTES = 64 * 1024 * 1024


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def read_bytes(path: str | Path, *, what: str = "file", max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Read a regular file of at most ``max_bytes`` or raise a located InputError.

    FIFOs, devices and sockets are refused without blocking (a FIFO given as a
    screenplay would wait forever; ``/dev/zero`` never ends), and so is a symlink
    to one. The size is checked before reading and again while reading, so a file
    that grows under us cannot exhaust memory.
    """
    import os
    import stat

    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"{what} not found", path=p) from None
    except IsADirectoryError:
        raise InputError(f"{what} is a directory, expected a file", path=p) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {(exc.strerror or str(exc)).lower()}",
                         path=p) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{what} is a directory, expected a file", path=p)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device"
                    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else
                    "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
            raise InputError(f"{what} is {kind}, expected a regular file", path=p)
        if st.st_size > max_bytes:
            raise InputError(f"{what} is {_mib(st.st_size)}, over the {_mib(max_bytes)} limit",
                             path=p)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise InputError(f"{what} is over the {_mib(max_bytes)} limit", path=p)
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"cannot read {what}: {(exc.strerror or str(exc)).lower()}",
                         path=p) from None
    finally:
        os.close(fd)


def check_exists(path: str | Path, *, what: str = "file") -> Path:
    """The path, or an InputError if it is a directory (checked before a reader looks at
    the suffix, so a folder is not reported as an unknown file type). A missing file is
    reported by the reader itself (after an unknown suffix, which says more)."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{what} is a directory, expected a file", path=p)
    return p


def read_text(path: str | Path, *, what: str = "file", max_bytes: int = MAX_TEXT_BYTES) -> str:
    """Read a UTF-8 text file (BOM tolerated) or raise a located InputError.

    Empty files, binary garbage and other encodings (Latin-1, UTF-16, ...) are
    rejected with one line that names the file and the line of the first bad byte;
    so are files over ``max_bytes`` and anything that is not a regular file
    (see :func:`read_bytes`). Line endings are normalised to ``\n``.
    """
    p = Path(path)
    raw = read_bytes(p, what=what, max_bytes=max_bytes)
    if not raw.strip():
        raise InputError(f"{what} is empty", path=p)
    if raw[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") or raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(f"{what} is UTF-16/32 text, not UTF-8; save the file as UTF-8", path=p)
    if b"\x00" in raw[:4096]:
        raise InputError(f"{what} is binary, not text", path=p)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            path=p,
            line=line,
        ) from None
    m = _CONTROL.search(text)
    if m:
        line = text[: m.start()].count("\n") + 1
        raise InputError(f"{what} contains control characters, not text", path=p, line=line)
    return text.replace("\r\n", "\n").replace("\r", "\n")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
