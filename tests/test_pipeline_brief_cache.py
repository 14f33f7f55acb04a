"""The brief stage reuses its previous parses when, and only when, what they read is unchanged.

The key (:func:`assistant.pipeline.stages.brief_key`) is each parsed cue's id and brief text
(as hashes), the brief and mood-model code, the mood model's files, the libraries (the
packaged sentence embedder by its files' hashes) and a format version;
``stages/brief_cache.json`` keeps the parses with it. A reused parse must not load the
sentence-embedding model at all: that load is most of a fresh process's brief stage.
One real brief stage on the example film is run per module.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import example_project, project_copy


def _outputs(root: Path) -> dict[str, bytes]:
    """The brief stage's file and the project, byte for byte."""
    return {"briefs.json": (root / "stages" / "briefs.json").read_bytes(),
            "project.json": (root / "project.json").read_bytes()}


@pytest.fixture(scope="module")
def parsed_once(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The example film as a project after one real brief stage (its temp track included,
    so the temp feel is lent on top of the parses)."""
    from assistant.pipeline import stages

    root = tmp_path_factory.mktemp("brief") / "keepers"
    store = example_project(root, temp=True)
    briefs = stages.stage_briefs(store)
    return {"root": root, "briefs": briefs, "outputs": _outputs(root)}


@pytest.fixture
def project(parsed_once: dict[str, Any], tmp_path: Path) -> Any:
    """A copy of the project (its brief cache included) that a test may change."""
    return project_copy(parsed_once["root"], tmp_path)


@pytest.fixture
def calls(parsed_once: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Every call of the brief parser (its text) and of the embedding model's loader; both
    do the real work."""
    from assistant.analysis import embed
    from assistant.pipeline import stages

    seen: dict[str, list[Any]] = {"parse": [], "load": []}
    parse, load = stages.parse_brief, embed.get_model

    def counted_parse(text: str, *args: Any, **kwargs: Any) -> Any:
        seen["parse"].append(text)
        return parse(text, *args, **kwargs)

    def counted_load() -> Any:
        seen["load"].append(True)
        return load()

    monkeypatch.setattr(stages, "parse_brief", counted_parse)
    monkeypatch.setattr(embed, "get_model", counted_load)
    return seen


def _briefs(store: Any, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
    from assistant.pipeline import stages

    outcome: dict[str, Any] = {}
    return stages.stage_briefs(store, outcome=outcome, **kwargs), outcome


def _cache(store: Any) -> Path:
    return store.root / "stages" / "brief_cache.json"


def _one_byte_changed(store: Any, cue_id: str) -> str:
    with store.edit() as film:
        cue = film.cue(cue_id)
        i = cue.brief.index("e")
        cue.brief = cue.brief[:i] + "a" + cue.brief[i + 1:]  # one byte
    return cue.brief


def test_a_second_run_on_unchanged_briefs_neither_parses_nor_loads_the_model(
        project: Any, parsed_once: dict[str, Any], calls: dict[str, list[Any]]) -> None:
    from assistant.pipeline import stages

    briefs = stages.stage_briefs(project)
    assert calls == {"parse": [], "load": []}  # no parse, no embedding model
    assert briefs == parsed_once["briefs"]
    assert _outputs(project.root) == parsed_once["outputs"]
    assert _cache(project).is_file()
    _, outcome = _briefs(project)
    assert calls == {"parse": [], "load": []} and outcome["reused"] is True
    assert outcome["why"] == "the previous parse reused (briefs, models and code unchanged)"


def test_the_reused_parse_is_the_one_a_fresh_run_gives(project: Any,
                                                       parsed_once: dict[str, Any]) -> None:
    """Reused or parsed again (the real parser and model), the stage returns equal briefs
    and leaves the same bytes behind."""
    fresh, outcome = _briefs(project, reuse=False)
    assert outcome == {"reused": False, "why": "reuse switched off"}
    assert fresh == parsed_once["briefs"]
    assert _outputs(project.root) == parsed_once["outputs"]
    reused, again = _briefs(project)
    assert again["reused"] is True and reused == fresh
    assert _outputs(project.root) == parsed_once["outputs"]


def test_one_changed_byte_in_a_brief_parses_again(project: Any, parsed_once: dict[str, Any],
                                                  calls: dict[str, list[Any]]) -> None:
    text = _one_byte_changed(project, "1M6")
    briefs, outcome = _briefs(project)
    assert outcome["reused"] is False and outcome["why"] == \
        "the brief of 1M6 changed since the last parse"
    assert f"1M6: {text}" in calls["parse"] and calls["load"]  # the real model, once more
    assert briefs["1M6"].text == f"1M6: {text}"
    assert {k: b for k, b in briefs.items() if k != "1M6"} == {
        k: b for k, b in parsed_once["briefs"].items() if k != "1M6"}
    n = len(calls["parse"])
    again, outcome = _briefs(project)  # the new parse is the one kept now
    assert len(calls["parse"]) == n and outcome["reused"] is True and again == briefs


def test_a_new_brief_is_parsed(project: Any, calls: dict[str, list[Any]]) -> None:
    with project.edit() as film:
        cue = next(c for c in film.cues if not c.brief)
        cue.brief = "sparse solo piano, slow and tender"
    briefs, outcome = _briefs(project)
    assert outcome["reused"] is False and f"the brief of {cue.id} changed" in outcome["why"]
    assert f"{cue.id}: sparse solo piano, slow and tender" in calls["parse"]
    assert "piano" in briefs[cue.id].include_instruments


def test_what_the_parse_does_not_read_does_not_parse_again(project: Any,
                                                           calls: dict[str, list[Any]]) -> None:
    """The cue's other fields (status, mood, title, notes) are not the parse's input."""
    with project.edit() as film:
        for cue in film.cues:
            cue.status = "drafted"
            cue.mood = None
            cue.title += " (recut)"
            cue.notes = "moved to reel 2"
    _, outcome = _briefs(project)
    assert calls["parse"] == [] and outcome["reused"] is True


def test_a_changed_model_file_or_cache_version_parses_again(
        project: Any, calls: dict[str, list[Any]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.analysis import classify_head
    from assistant.pipeline import stages

    models = tmp_path / "models"
    shutil.copytree(classify_head.MODEL_DIR, models)
    cfg = models / "config.json"
    cfg.write_text(cfg.read_text() + " ")  # one byte more: same head, another key
    monkeypatch.setattr(classify_head, "MODEL_DIR", models)
    _, outcome = _briefs(project)
    assert calls["parse"] and outcome["why"] == "the mood model changed since the last parse"
    monkeypatch.setattr(stages, "BRIEF_CACHE_VERSION", stages.BRIEF_CACHE_VERSION + 1)
    n = len(calls["parse"])
    _, outcome = _briefs(project)
    assert len(calls["parse"]) > n and outcome["why"] == \
        "the cache format changed since the last parse"


@pytest.mark.parametrize("damage", ["garbage", "empty", "truncated", "not a record",
                                    "wrong shape"])
def test_a_damaged_cache_is_set_aside_and_parsed_again(
        project: Any, parsed_once: dict[str, Any], calls: dict[str, list[Any]],
        damage: str) -> None:
    path = _cache(project)
    good = path.read_text()
    record = json.loads(good)
    path.write_text({"garbage": "\x00\xff not json {",
                     "empty": "",
                     "truncated": good[: len(good) // 2],
                     "not a record": "[1, 2, 3]",
                     "wrong shape": json.dumps({"key": record["key"],
                                                "briefs": {"1M4": {"tempo": 1}}}),
                     }[damage])
    briefs, outcome = _briefs(project)  # no error
    assert outcome == {"reused": False, "why": "brief_cache.json unreadable"}
    assert calls["parse"]
    assert briefs == parsed_once["briefs"]
    assert _outputs(project.root) == parsed_once["outputs"]
    assert json.loads(path.read_text()) == record  # kept whole again
    n = len(calls["parse"])
    _, again = _briefs(project)
    assert len(calls["parse"]) == n and again["reused"] is True


def test_briefs_read_without_the_mood_model_are_not_kept(
        project: Any, parsed_once: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed model load gives the lexicon's reading of the mood; the next run tries
    the model again instead of reusing it."""
    from assistant.analysis import embed

    def broken() -> Any:
        raise RuntimeError("packaged MiniLM weights missing")

    monkeypatch.setattr(embed, "get_model", broken)
    briefs, outcome = _briefs(project, reuse=False)
    assert outcome["reused"] is False and not _cache(project).exists()
    assert not any("embedding model" in str(e.get("words")) for b in briefs.values()
                   for e in b.evidence)  # the lexicon alone read the mood
    monkeypatch.undo()
    again, outcome = _briefs(project)
    assert outcome == {"reused": False, "why": "no earlier parse kept"} and _cache(project).is_file()
    assert again == parsed_once["briefs"]


def test_a_revised_brief_stays_and_the_rest_are_reused(project: Any,
                                                       calls: dict[str, list[Any]]) -> None:
    """A brief revised by ``draft --brief`` is kept, not parsed; the other parses are the
    stage's key: reused once they are kept."""
    from assistant.analysis.brief import MusicBrief
    from assistant.pipeline import stages

    cue_id = "1M5"
    text = project.load().cue(cue_id).brief
    revised = MusicBrief(text=f"{cue_id}: brighter", tempo_bpm=(80.0, 84.0), cue_id=cue_id)
    stages.save_revised_brief(project, cue_id, revised, text)
    briefs, outcome = _briefs(project)  # 1M5 leaves the parsed briefs: another key
    assert outcome["reused"] is False and "the brief of 1M5 changed" in outcome["why"]
    assert briefs[cue_id] == revised and f"{cue_id}: {text}" not in calls["parse"]
    saved = json.loads((project.root / "stages" / "briefs.json").read_text())
    assert saved[cue_id]["revised"] is True and saved[cue_id]["tempo_bpm"] == [80.0, 84.0]
    n = len(calls["parse"])
    again, outcome = _briefs(project)
    assert len(calls["parse"]) == n and outcome["reused"] is True and again == briefs


def test_score_says_in_its_manifest_whether_the_brief_stage_was_reused(
        project: Any, calls: dict[str, list[Any]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.pipeline import run

    real = run.run_stage

    def only_brief(store: Any, stage: str, **kwargs: Any) -> Any:
        if stage == "brief":
            return real(store, stage, **kwargs)
        return {"film": {}, "cues": [], "files": {}}  # the other stages are not the point

    monkeypatch.setattr(run, "run_stage", only_brief)
    out = tmp_path / "out"
    manifest = run.score_film(project, out, progress=False)
    assert manifest["stage_cache"] == {"brief": "reused"} and calls["load"] == []
    assert json.loads((out / "manifest.json").read_text())["stage_cache"] == {"brief": "reused"}
    _cache(project).unlink()
    partial = run.score_film(project, out, progress=False, stages=["brief"])
    assert set(partial) == {"timings_s", "stage_cache"}
    assert partial["stage_cache"] == {"brief": "computed"}
    assert run.score_film(project, out, progress=False, stages=["brief"])["stage_cache"] == {
        "brief": "reused"}
