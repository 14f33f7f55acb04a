"""Entry point of `scoring-assistant`.

Each feature keeps its commands in its own module with a ``register(app)`` function;
they are listed in COMMAND_MODULES. ``main()`` turns every :class:`InputError` and
every usage error into one line on stderr and exit status 2 (no traceback); so is
every OSError (an unwritable ``--out``, a directory given as a file, a full disk).
``run(argv)`` does the same and returns the status, for tests.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

from assistant.cli.common import os_error_line
from assistant.errors import InputError

try:  # typer >= 0.22 vendors its own copy of click
    from typer._click import exceptions as _cx
except ImportError:  # pragma: no cover - older typer uses click itself
    from click import exceptions as _cx

app = typer.Typer(
    name="scoring-assistant",
    help="Scoring Assistant: a local-first AI assistant for film scoring.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# One line per feature module; each defines register(app).
COMMAND_MODULES: tuple[str, ...] = (
    "assistant.cli.film",
    "assistant.cli.guard",
    "assistant.cli.brief_analyze",
    "assistant.cli.sync",
    "assistant.cli.music",
    "assistant.cli.analysis",
    "assistant.cli.themes",
    "assistant.cli.ui",
)



@app.callback()
def _root() -> None:
    """Scoring Assistant: a local-first AI assistant for film scoring."""


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` and return its exit status (used by tests and main)."""
    try:
        rv = app(args=argv, standalone_mode=False, prog_name="scoring-assistant")
    except InputError as exc:
        sys.stderr.write(f"scoring-assistant: error: {exc}\n")
        return 2
    except typer.Exit as exc:
        return int(getattr(exc, "exit_code", 0) or 0)
    except typer.Abort:
        sys.stderr.write("scoring-assistant: aborted\n")
        return 1
    except _cx.ClickException as exc:
        msg = exc.format_message().replace("\n", " ").strip()
        if not msg:  # e.g. no arguments: help was already printed
            return 2
        ctx = getattr(exc, "ctx", None)
        where = f"{ctx.command_path}: " if ctx is not None else ""
        sys.stderr.write(f"scoring-assistant: error: {where}{msg}\n")
        return 2 if isinstance(exc, _cx.UsageError) else int(getattr(exc, "exit_code", 1))
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # output paths: permission, not a directory, disk full, ...
        sys.stderr.write(f"scoring-assistant: error: {os_error_line(exc)}\n")
        return 2
    except RecursionError:
        sys.stderr.write("scoring-assistant: error: input nested too deeply\n")
        return 2
    except MemoryError:
        sys.stderr.write("scoring-assistant: error: out of memory; the input is too large\n")
        return 2
    except Exception as exc:  # a bug: one line, the traceback only on request
        if os.environ.get("SCORING_ASSISTANT_DEBUG"):
            raise
        sys.stderr.write(f"scoring-assistant: internal error: {type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''} "
                         "(set SCORING_ASSISTANT_DEBUG=1 for the traceback)\n")
        return 1
    return rv if isinstance(rv, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())


if __name__ == "__main__":
    main()
