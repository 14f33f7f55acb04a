"""Options and output helpers shared by every command.

Every command takes ``--json`` (machine-readable output on stdout, one JSON object
per line unless the command's contract says otherwise) and ``--quiet`` (no
progress or log lines on stderr). Errors are raised as :class:`InputError` and
turned into one line on stderr with exit status 2 by :func:`assistant.cli.main.main`.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Annotated, Any

import typer

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bars or log lines on stderr.")
]


def setup(quiet: bool) -> None:
    """Configure logging for a command: INFO to stderr, or warnings only with --quiet."""
    level = logging.WARNING if quiet else logging.INFO
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    if quiet:
        import os

        os.environ["TQDM_DISABLE"] = "1"


def emit_json(obj: Any) -> None:
    """Print one JSON object on one line of stdout."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=_default) + "\n")
    sys.stdout.flush()


def _default(o: Any) -> Any:
    from fractions import Fraction

    if isinstance(o, Fraction):
        return float(o)
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "__fspath__"):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def say(text: str, quiet: bool = False) -> None:
    """Human-readable output on stdout (suppressed by nothing: it is the command's result)."""
    del quiet
    sys.stdout.write(text + "\n")


def os_error_line(exc: OSError) -> str:
    """One line for an OS error: the file (both files for a rename) and the reason.

    >>> os_error_line(PermissionError(13, "Permission denied", "/ro/out.mid"))
    '/ro/out.mid: cannot write: permission denied'
    """
    reason = (exc.strerror or str(exc) or type(exc).__name__).rstrip(".")
    reason = reason[:1].lower() + reason[1:]
    verb = "cannot write" if isinstance(exc, (PermissionError, IsADirectoryError,
                                              NotADirectoryError, FileExistsError)) \
        else "cannot read or write"
    if exc.errno == 28:  # ENOSPC
        verb = "cannot write"
    if exc.filename is None:
        return f"{verb}: {reason}"
    where = str(exc.filename)
    if exc.filename2 is not None:
        where += f" -> {exc.filename2}"
    return f"{where}: {verb}: {reason}"
