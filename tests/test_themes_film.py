"""Themes for the example film's subjects: the CLI on a project, the lesson of a subject, and
(slow) a theme for every subject with its development across at least three cues."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "the-keepers-light"
MODEL = Path(__file__).resolve().parents[1] / "models" / "music" / "model.safetensors"
pytestmark = pytest.mark.skipif(not MODEL.is_file(), reason=f"music model missing: {MODEL}")


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (EXAMPLE / "screenplay.fountain").is_file():
        pytest.skip(f"example film missing: {EXAMPLE / 'screenplay.fountain'}")
    from assistant.pipeline import new_project

    root = tmp_path_factory.mktemp("film") / "keepers"
    new_project(root, EXAMPLE / "screenplay.fountain", spotting=EXAMPLE / "spotting.txt",
                briefs=EXAMPLE / "brief.txt")
    return root


@pytest.mark.slow
def test_themes_for_a_film_subject(project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli.main import run

    rc = run(["themes", str(project_dir), "--subject", "waltz", "--n", "1", "--seed", "2", "--out",
              str(tmp_path), "--json", "--quiet"])
    assert rc == 0
    rec = json.loads(capsys.readouterr().out.splitlines()[0])
    assert rec["subject"] == "waltz" and rec["meter"] == "3/4"  # the father's waltz
    assert rec["rank"] == 1 and Path(rec["file"]).is_file()
    assert run(["themes", str(project_dir), "--subject", "nobody", "--out", str(tmp_path)]) == 2


@pytest.mark.slow
def test_lesson_for_a_film_subject(project_dir: Path, tmp_path: Path) -> None:
    from assistant.cli.main import run
    from assistant.cli.themes import film_context

    assert run(["lesson", str(project_dir), "--theme", "Lighthouse", "--out", str(tmp_path), "--quiet"]) == 0
    page = (tmp_path / "lesson.html").read_text(encoding="utf-8")
    assert "Lighthouse" in page
    plan = film_context(str(project_dir))[4]
    cues = plan.cues_of("Lighthouse")
    assert len(cues) >= 3
    for c in cues:  # each appearance is a section naming its cue
        assert f"<h2>{c} " in page or f"<h2>{c}<" in page
    assert page.count("<section>") == len(cues) + 1
    assert run(["lesson", str(project_dir), "--out", str(tmp_path)]) == 2  # --theme is needed


@pytest.mark.slow
def test_every_subject_of_the_example_gets_a_theme_and_a_development(project_dir: Path) -> None:
    from assistant.cli.themes import film_context
    from assistant.pipeline.stages import load_analysis
    from assistant.themes import write_themes
    from assistant.themes.film import theme_request
    from assistant.themes.plan import realise

    store, project, subjects, _, plan = film_context(str(project_dir))  # runs the read stage
    analysis = load_analysis(store)
    assert set(analysis["main_characters"]) <= {s.name for s in subjects}
    themes = {}
    for i, s in enumerate(subjects):
        req = theme_request(project, s, plan.cues_of(s.name), {}, i)
        t = write_themes(key=req.key, mode=req.mode, meter=req.meter, instrument=req.instrument, mood=req.mood,
                         n=1, seed=i, corpus_index=None, pool=8)[0]
        assert t.checks["cadence"] and t.checks["range"] and t.checks["repeated_notes"], (s.name, t.checks)
        themes[s.name] = t.score
    keys = {(theme_request(project, s, plan.cues_of(s.name), {}, i).key) for i, s in enumerate(subjects)}
    assert len(keys) >= 3  # the film's themes do not all share one tonic
    for s in subjects:
        cues = plan.cues_of(s.name)
        assert len(cues) >= 3
        labels = [realise(plan, c, themes)[s.name][1] for c in cues]
        assert len(set(labels)) >= 2, (s.name, labels)  # it develops
