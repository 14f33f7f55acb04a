"""The main job on the example film, end to end, and the CLI's error contract."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from assistant.cli.main import run
from assistant.project import ProjectStore


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert run(["demo", "--out", str(out), "--quiet"]) == 0
    return out


def test_demo_writes_project_and_cue_sheet(demo_out: Path) -> None:
    project = ProjectStore(demo_out / "project").load()
    assert len(project.cues) >= 8
    rows = list(csv.DictReader((demo_out / "cue_sheet.csv").open()))
    assert [r["cue"] for r in rows] == [c.id for c in sorted(project.cues, key=lambda c: c.start_s)]
    assert {r["usage"] for r in rows} >= {"MT", "VI", "BI"}
    listing = (demo_out / "cue_list.txt").read_text()
    for c in project.cues:
        assert c.id in listing


def test_demo_json_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["demo", "--out", str(tmp_path), "--json", "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["title"]
    assert all(Path(p).exists() for p in summary["outputs"].values())


@pytest.mark.parametrize(
    "argv",
    [["demo", "--no-such-flag"], ["no-such-command"], ["demo", "--out"]],
)
def test_usage_errors_are_one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("scoring-assistant: error:")
