"""The read stage reuses its previous analysis when, and only when, what it reads is unchanged.

The key (:func:`assistant.pipeline.stages.read_key`) is made of content hashes (screenplay,
spotting list, briefs, the analysis model files, the code) and of the cues the stage hands
the analysis; ``stages/read_cache.json`` keeps the analysis with it. One real reading of
the example film is made per module; the tests that only need to know *whether* the
analysis runs count the calls of a stand-in that returns that reading.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import example_project, project_copy

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "the-keepers-light"
OUTPUTS = ("analysis.json", "actions.json", "analysis.txt")


def _outputs(root: Path) -> dict[str, bytes]:
    """The read stage's files and the project, byte for byte."""
    return {n: (root / "stages" / n).read_bytes() for n in OUTPUTS} | {
        "project.json": (root / "project.json").read_bytes()}


@pytest.fixture(scope="module")
def read_once(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The example film as a project after one real read stage."""
    from assistant.pipeline import stages

    root = tmp_path_factory.mktemp("read") / "keepers"
    store = example_project(root)
    analysis = stages.stage_read(store)
    return {"root": root, "analysis": analysis, "outputs": _outputs(root)}


@pytest.fixture
def project(read_once: dict[str, Any], tmp_path: Path) -> Any:
    """A copy of the read project (its cache included) that a test may change."""
    return project_copy(read_once["root"], tmp_path)


@pytest.fixture
def calls(read_once: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every call of the analysis (its ``spotting`` argument); it returns the real reading."""
    from assistant.pipeline import stages

    seen: list[Any] = []

    def counted(script: Any, spotting: Any = None, **kwargs: Any) -> Any:
        seen.append(spotting)
        return copy.deepcopy(read_once["analysis"])

    monkeypatch.setattr(stages, "analyze_script", counted)
    return seen


def _read(store: Any, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
    from assistant.pipeline import stages

    outcome: dict[str, Any] = {}
    return stages.stage_read(store, outcome=outcome, **kwargs), outcome


def test_a_second_run_on_unchanged_inputs_reuses_the_reading(
        project: Any, read_once: dict[str, Any], calls: list[Any]) -> None:
    from assistant.pipeline import stages

    analysis = stages.stage_read(project)
    assert calls == []  # the analysis did not run
    assert analysis == read_once["analysis"]
    assert _outputs(project.root) == read_once["outputs"]
    assert (project.root / "stages" / "read_cache.json").is_file()
    _, outcome = _read(project)
    assert calls == [] and outcome["reused"] is True
    assert outcome["why"] == "the previous reading reused (inputs, models and code unchanged)"


def test_the_reused_reading_is_the_one_a_fresh_run_gives(project: Any,
                                                          read_once: dict[str, Any]) -> None:
    """Reused or read again (the real analysis), the stage leaves the same bytes behind."""
    fresh, outcome = _read(project, reuse=False)
    assert outcome["reused"] is False
    assert fresh == read_once["analysis"]
    assert _outputs(project.root) == read_once["outputs"]


@pytest.mark.parametrize("name", ["screenplay.fountain", "spotting.txt", "briefs.txt"])
def test_one_changed_byte_in_an_input_reads_again(project: Any, calls: list[Any],
                                                  name: str) -> None:
    path = project.root / "inputs" / name
    data = bytearray(path.read_bytes())
    i = data.index(b"e")
    data[i] = ord("a")  # one byte
    path.write_bytes(bytes(data))
    _, outcome = _read(project)
    assert len(calls) == 1 and outcome["reused"] is False
    kind = {"screenplay.fountain": "screenplay", "spotting.txt": "spotting", "briefs.txt": "briefs"}
    assert f"the {kind[name]} changed" in outcome["why"]
    _, again = _read(project)  # the new reading is the one kept now
    assert len(calls) == 1 and again["reused"] is True


def test_the_same_bytes_written_again_still_reuse(project: Any, calls: list[Any]) -> None:
    """The key is the content, not the file's time."""
    path = project.root / "inputs" / "screenplay.fountain"
    path.write_bytes(path.read_bytes())
    _, outcome = _read(project)
    assert calls == [] and outcome["reused"] is True


@pytest.mark.parametrize("change", ["hit", "brief", "scenes", "function", "fps"])
def test_a_changed_cue_or_film_field_the_analysis_reads_reads_again(
        project: Any, calls: list[Any], change: str) -> None:
    with project.edit() as film:
        cue = next(c for c in film.cues if c.hits)
        if change == "hit":
            cue.hits[0].label = cue.hits[0].label + " (moved)"
        elif change == "brief":
            cue.brief = "darker, no piano"
        elif change == "scenes":
            cue.scenes = [2]
        elif change == "function":
            cue.function = "comedy" if cue.function != "comedy" else "romance"
            cue.function_from = "spotting list"
        else:
            film.fps = "25"
    _, outcome = _read(project)
    assert len(calls) == 1 and outcome["reused"] is False
    given = {c.id: c for c in calls[0].cues}
    if change == "brief":
        assert given[cue.id].brief == "darker, no piano"  # what the analysis was handed


def test_what_the_stages_write_on_the_cues_does_not_read_again(project: Any,
                                                               calls: list[Any]) -> None:
    """Status (drafting), mood and function scores (this stage) are outputs, not inputs."""
    with project.edit() as film:
        for cue in film.cues:
            cue.status = "drafted"
            cue.function_scores = {}
            cue.mood = None
    _, outcome = _read(project)
    assert calls == [] and outcome["reused"] is True


def test_a_changed_model_file_or_cache_version_reads_again(
        project: Any, calls: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.analysis import classify_head
    from assistant.pipeline import stages

    models = tmp_path / "models"
    shutil.copytree(classify_head.MODEL_DIR, models)
    cfg = models / "config.json"
    cfg.write_text(cfg.read_text() + " ")  # one byte more
    monkeypatch.setattr(classify_head, "MODEL_DIR", models)
    _, outcome = _read(project)
    assert len(calls) == 1 and "the analysis model changed" in outcome["why"]
    monkeypatch.setattr(stages, "READ_CACHE_VERSION", stages.READ_CACHE_VERSION + 1)
    _, outcome = _read(project)
    assert len(calls) == 2 and outcome["reused"] is False


@pytest.mark.parametrize("damage", ["garbage", "empty", "truncated", "not a record",
                                    "wrong shape"])
def test_a_damaged_cache_is_set_aside_and_read_again(project: Any, read_once: dict[str, Any],
                                                     calls: list[Any], damage: str) -> None:
    path = project.root / "stages" / "read_cache.json"
    good = path.read_text()
    record = json.loads(good)
    path.write_text({"garbage": "\x00\xff not json {",
                     "empty": "",
                     "truncated": good[: len(good) // 2],
                     "not a record": "[1, 2, 3]",
                     "wrong shape": json.dumps({"key": record["key"],
                                                "analysis": {"cues": [1]}}),
                     }[damage])
    analysis, outcome = _read(project)  # no error
    assert len(calls) == 1 and outcome["reused"] is False
    assert analysis == read_once["analysis"]
    assert _outputs(project.root) == read_once["outputs"]
    assert json.loads(path.read_text())["key"] == record["key"]  # kept whole again
    _, again = _read(project)
    assert len(calls) == 1 and again["reused"] is True


def test_a_reading_without_the_classifier_is_not_kept(project: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed model load gives the lexicon fallback's reading; the next run tries the
    classifier again instead of reusing it."""
    from assistant.analysis import classify

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("model weights unreadable")

    monkeypatch.setattr(classify, "read_cues", broken)
    cache = project.root / "stages" / "read_cache.json"
    analysis, outcome = _read(project, reuse=False)
    assert analysis.model == "lexicon fallback" and outcome["reused"] is False
    assert not cache.exists()
    monkeypatch.undo()
    _, again = _read(project)
    assert again["reused"] is False and cache.is_file()


def test_a_project_without_a_spotting_list_reads_with_its_proposed_cues_then_reuses(
        tmp_path: Path, calls: list[Any]) -> None:
    """The first reading proposes the cues; the second reads with them (its input changed);
    from then on the reading is reused."""
    from assistant.pipeline import new_project

    store = new_project(tmp_path / "bare", EXAMPLE / "screenplay.fountain")
    outcomes = [_read(store)[1] for _ in range(3)]
    assert [o["reused"] for o in outcomes] == [False, False, True]
    assert calls[0] is None and calls[1] is not None
    assert "the cues changed" in outcomes[1]["why"]


def test_score_says_in_its_manifest_whether_the_read_stage_was_reused(
        project: Any, calls: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.pipeline import run

    real = run.run_stage

    def only_read(store: Any, stage: str, **kwargs: Any) -> Any:
        if stage == "read":
            return real(store, stage, **kwargs)
        return {"film": {}, "cues": [], "files": {}}  # the later stages are not the point

    monkeypatch.setattr(run, "run_stage", only_read)
    out = tmp_path / "out"
    manifest = run.score_film(project, out, progress=False)
    assert manifest["stage_cache"] == {"read": "reused"} and calls == []
    assert json.loads((out / "manifest.json").read_text())["stage_cache"] == {"read": "reused"}
    (project.root / "stages" / "read_cache.json").unlink()
    partial = run.score_film(project, out, progress=False, stages=["read"])
    assert set(partial) == {"timings_s", "stage_cache"}
    assert partial["stage_cache"] == {"read": "computed"} and len(calls) == 1
    assert run.score_film(project, out, progress=False, stages=["read"])["stage_cache"] == {
        "read": "reused"}
    assert "stage_cache" not in run.score_film(project, out, progress=False,
                                               stages=["guard", "render"])
