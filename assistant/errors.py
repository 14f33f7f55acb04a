"""User-facing errors.

Every problem with user input is raised as :class:`InputError`, which names the
file, the line and the field at fault. The CLI prints ``str(error)`` as one line
on stderr and exits with status 2; the UI shows the same line.
"""

from __future__ import annotations

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


def read_text(path: str | Path, *, what: str = "file") -> str:
    """Read a UTF-8 text file (BOM tolerated) or raise a located InputError.

    Empty files, binary garbage and other encodings (Latin-1, UTF-16, ...) are
    rejected with one line that names the file and the line of the first bad byte.
    Line endings are normalised to ``\n``.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{what} not found", path=p) from None
    except IsADirectoryError:
        raise InputError(f"{what} is a directory, expected a file", path=p) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", path=p) from None
    if not raw.strip():
        raise InputError(f"{what} is empty", path=p)
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
    bad = [c for c in text if ord(c) < 32 and c not in "\t\n\r\f"]
    if len(bad) > 0:
        line = text[: text.index(bad[0])].count("\n") + 1
        raise InputError(f"{what} contains control characters, not text", path=p, line=line)
    return text.replace("\r\n", "\n").replace("\r", "\n")
