"""Shared test fixtures: paths to the real external inputs in ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SCREENPLAYS = SHARED_DATA / "screenplays"
EXAMPLES = REPO / "examples"


@pytest.fixture(scope="session")
def screenplays_dir() -> Path:
    if not SCREENPLAYS.is_dir():
        pytest.fail(f"../shared/data/screenplays not found at {SCREENPLAYS}")
    return SCREENPLAYS
