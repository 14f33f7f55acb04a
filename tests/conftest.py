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


def example_project(root: Path, *, temp: bool = False):  # -> assistant.project.ProjectStore
    """A new project at ``root`` from the bundled example film (screenplay, spotting list,
    briefs; ``temp``: its temp tracks too); skips when the example is missing."""
    from assistant.pipeline import new_project

    film = EXAMPLES / "the-keepers-light"
    if not (film / "screenplay.fountain").is_file() or not (film / "brief.txt").is_file():
        pytest.skip(f"example film missing: {film}")
    return new_project(root, film / "screenplay.fountain", spotting=film / "spotting.txt",
                       briefs=film / "brief.txt", temp=sorted((film / "temp").glob("*.mid")) if temp else ())


def project_copy(root: Path, tmp_path: Path):  # -> assistant.project.ProjectStore
    """A copy of the project at ``root`` (its stage caches included) that a test may change."""
    import shutil

    from assistant.project import ProjectStore

    shutil.copytree(root, tmp_path / root.name)
    return ProjectStore(tmp_path / root.name)
