"""Shared test fixtures: paths to the real external inputs in ../shared/data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SCREENPLAYS = SHARED_DATA / "screenplays"
EXAMPLES = REPO / "examples"


@pytest.fixture(scope="session")
def screenplays_dir() -> Path:
    if not SCREENPLAYS.is_dir():
        pytest.skip(f"../shared/data/screenplays not found at {SCREENPLAYS} "
                    "(a clone without ../shared beside it)")
    return SCREENPLAYS


def shared_screenplay(name: str) -> Path:
    """``../shared/data/screenplays/<name>``, or skip the test naming the missing file
    (a clone without ../shared beside it must still pass `make test`)."""
    p = SCREENPLAYS / name
    if not p.is_file():
        pytest.skip(f"../shared/data/screenplays/{name} not found at {p} "
                    "(a clone without ../shared beside it)")
    return p


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """Small models on a shared CPU: one torch thread is much faster than two busy ones."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="session")
def studio_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One stage/analysis cache for every studio test (the example is prepared once)."""
    return tmp_path_factory.mktemp("studio-cache")
