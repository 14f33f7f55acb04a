"""The main job on the bundled example film: ``score`` on ``examples/the-keepers-light``.

`scoring-assistant demo --out out/demo` (and `make demo`) is exactly
``scoring-assistant score --script screenplay.fountain --spotting spotting.txt
--briefs brief.txt --temp temp/*.mid --out out/demo`` on the example's files: the
pipeline (:mod:`assistant.pipeline`) knows nothing special about this film.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.errors import InputError

EXAMPLE_NAME = "the-keepers-light"


def example_dir() -> Path:
    """The bundled example film (``examples/`` beside the package in a source checkout)."""
    here = Path(__file__).resolve().parents[1] / "examples" / EXAMPLE_NAME
    if not here.is_dir():
        raise InputError("the example film is missing; run from a source checkout", path=here)
    return here


def run_demo(out: str | Path, *, cues: list[str] | None = None, progress: bool = True,
             seed: int = 0, render: str = "full") -> dict[str, Any]:
    """Score the example film into ``out``; returns the manifest."""
    from assistant.pipeline import score_files

    ex = example_dir()
    return score_files(ex / "screenplay.fountain", out, spotting=ex / "spotting.txt",
                       briefs=ex / "brief.txt", temp=sorted((ex / "temp").glob("*.mid")),
                       cues=cues, seed=seed, progress=progress, render=render)
