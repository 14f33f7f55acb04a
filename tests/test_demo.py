"""The main job on the example film, end to end, and the CLI's error contract."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

import pytest

from assistant.cli.main import run
from assistant.project import ProjectStore


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One run of `scoring-assistant demo --json` shared by the tests below."""
    out = tmp_path_factory.mktemp("demo")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert run(["demo", "--out", str(out), "--json", "--quiet"]) == 0
    return out, buf.getvalue()


@pytest.fixture(scope="module")
def demo_out(demo_run: tuple[Path, str]) -> Path:
    return demo_run[0]


def test_demo_writes_project_and_cue_sheet(demo_out: Path) -> None:
    project = ProjectStore(demo_out / "project").load()
    assert len(project.cues) >= 8
    rows = list(csv.DictReader((demo_out / "cue_sheet.csv").open()))
    composers = [r for r in rows if r["role"] == "composer"]  # one row per cue and party
    assert [r["cue_number"] for r in composers] == [c.id for c in sorted(project.cues,
                                                                         key=lambda c: c.start_s)]
    assert {r["usage"] for r in rows} >= {"MT", "VI", "BI"}
    listing = (demo_out / "cue_list.txt").read_text()
    for c in project.cues:
        assert c.id in listing


def test_demo_reads_the_film_and_applies_briefs(demo_out: Path) -> None:
    project = ProjectStore(demo_out / "project").load()
    analysis = json.loads((demo_out / "analysis.json").read_text())
    assert {c["id"] for c in analysis["cues"]} == {c.id for c in project.cues}
    assert len(analysis["emotional_curve"]) == len(analysis["scenes"]) == len(project.scenes)
    for cue in project.cues:
        assert cue.function is not None and cue.mood is not None
        assert abs(sum(cue.function_scores.values()) - 1) < 1e-3
    briefs = json.loads((demo_out / "briefs.json").read_text())
    # the 1M4 brief asks for about 66 bpm, no drums: honoured in the brief and the tempo map
    assert "drums" in briefs["1M4"]["exclude_instruments"]
    lo, hi = briefs["1M4"]["tempo_bpm"]
    sync = json.loads((demo_out / "sync" / "1M4" / "1M4.sync.json").read_text())
    tempos = [t["bpm"] for t in sync["solutions"][0]["tempo_map"]]
    assert all(lo * 0.8 <= t <= hi * 1.2 for t in tempos), tempos


def test_temp_track_lends_its_feel_not_its_notes(demo_out: Path) -> None:
    briefs = json.loads((demo_out / "briefs.json").read_text())
    feel = briefs["1M4"]["temp_feel"]
    # the director's explicit tempo and mode stay; what was unstated comes from the temp
    assert "tempo_bpm" not in feel["taken"] and "mode" not in feel["taken"]
    assert briefs["1M4"]["register"] == feel["register"]
    report = json.loads((demo_out / "guard_report.json").read_text())
    cue = next(c for c in report["cues"] if c["cue"] == "1M4")
    assert cue["temp"] is not None and cue["verdict"] == "distinct"


def test_demo_lands_every_hit(demo_out: Path) -> None:
    project = ProjectStore(demo_out / "project").load()
    for cue in project.cues:
        sync = json.loads((demo_out / "sync" / cue.id / f"{cue.id}.sync.json").read_text())
        best = sync["solutions"][0]
        assert len(best["hits"]) == len(cue.hits)
        assert best["max_error_frames"] <= 1.0, cue.id
        assert (demo_out / "sync" / cue.id / f"{cue.id}.conductor.mid").is_file()


def test_demo_writes_guarded_themes_and_sketch_revisions(demo_out: Path) -> None:
    from assistant.music.score import Score

    store = ProjectStore(demo_out / "project")
    project = store.load()
    themes = json.loads((demo_out / "themes.json").read_text())
    assert project.themes and len(themes["themes"]) == len(project.themes)
    for t in project.themes:
        theme = Score.from_midi(store.root / t.midi_path)
        assert len(theme.notes) >= 8
    assert themes["cues"], "no cue got a sketch"
    for cue_id, info in themes["cues"].items():
        rev = store.revisions(cue_id)[-1]
        assert rev.number == info["revision"] and rev.artefacts == ["sketch.mid"]
        assert rev.guard["passed"] is True and rev.guard["accepted"]["score"] < rev.guard["threshold"]
        sketch = Score.from_midi(store.revision_dir(cue_id, rev.number) / "sketch.mid")
        # the sketch plays over the cue's own conductor track: its HIT markers are there
        cue = project.cue(cue_id)
        assert sum(m[1].startswith("HIT") for m in sketch.markers) == len(cue.hits)
        assert sketch.notes and max(n.end_beats for n in sketch.notes) > 0
    report = json.loads((demo_out / "guard_report.json").read_text())
    by_cue = {c["cue"]: c for c in report["cues"]}
    assert all(by_cue[c]["verdict"] != "copy" for c in themes["cues"])


def test_demo_json_summary(demo_run: tuple[Path, str]) -> None:
    lines = demo_run[1].strip().splitlines()
    assert len(lines) == 1  # --json prints exactly one object
    summary = json.loads(lines[0])
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
