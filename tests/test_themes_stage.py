"""The pipeline's theme stage writes each film subject's theme with the ranked classical writer
(sentence or period, reasons), through the guard, keeping the stage's artefacts and contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.music.score import Score
from assistant.themes.theory import parse_tonic

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "the-keepers-light"
MODEL = Path(__file__).resolve().parents[1] / "models" / "music" / "model.safetensors"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not MODEL.is_file(), reason=f"music model missing: {MODEL}")]


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    if not (EXAMPLE / "screenplay.fountain").is_file():
        pytest.skip(f"example film missing: {EXAMPLE / 'screenplay.fountain'}")
    from assistant.pipeline import new_project, stages

    root = tmp_path_factory.mktemp("film") / "keepers"
    store = new_project(root, EXAMPLE / "screenplay.fountain", spotting=EXAMPLE / "spotting.txt",
                        briefs=EXAMPLE / "brief.txt", temp=sorted((EXAMPLE / "temp").glob("*.mid")))
    stages.stage_read(store)
    stages.stage_briefs(store)
    report = stages.stage_themes(store, seed=7)
    return store, report


def test_each_subject_gets_a_ranked_classical_theme_under_the_stage_contract(staged: tuple) -> None:
    store, report = staged
    saved = json.loads((store.root / "stages" / "themes.json").read_text())
    assert saved == json.loads(json.dumps(report))
    assert saved["themes"] and saved["cues"]
    names = {t.name for t in store.load().themes}
    for t in saved["themes"]:
        # the contract the plan, the drafting and the studio read
        assert {"name", "id", "kind", "meter", "instrument", "midi", "cues", "guard"} <= set(t)
        assert set(t["guard"]) == {"passed", "threshold", "attempts", "accepted", "rejected"}
        assert t["guard"]["accepted"] is not None and t["name"] in names
        info = t["theme"]
        assert info["form"] in ("sentence", "period"), info
        assert info["why"].startswith(("A 8-bar", "A 16-bar"))
        assert set(info["scores"]) >= {"likelihood", "motif", "rhythm", "cadence", "repeats", "guard", "total"}
        sc = Score.from_midi(store.root / t["midi"])
        mel = sc.melody()
        assert sc.parts[0].name == t["name"]
        assert (sc.meters[0][1], sc.meters[0][2]) == tuple(t["meter"])
        # the file is the ranked theme: its head motif and its final tonic
        assert [n.pitch for n in mel[:len(info["head_motif"])]] == info["head_motif"]
        assert mel[-1].pitch % 12 == parse_tonic(info["key"]), (t["name"], info["key"])
        if t["guard"]["passed"]:
            assert info["scores"]["guard"] > 0  # distinct: the guard's verdict ranked it


def test_a_rerun_keeps_the_films_themes(staged: tuple) -> None:
    from assistant.pipeline import stages

    store, report = staged
    before = {t["midi"]: (store.root / t["midi"]).read_bytes() for t in report["themes"]}
    again = stages.stage_themes(store, seed=8)
    assert [t["name"] for t in again["themes"]] == [t["name"] for t in report["themes"]]
    assert {t["midi"]: (store.root / t["midi"]).read_bytes() for t in again["themes"]} == before


def test_theme_import_makes_a_file_a_subjects_theme(staged: tuple, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli.main import run
    from assistant.music.score import Note, Part
    from assistant.pipeline import stages

    store, report = staged
    name = report["themes"][0]["name"]
    line = [(62, 0, 1), (65, 1, 0.5), (64, 1.5, 0.5), (62, 2, 2), (69, 4, 2), (67, 6, 2),
            (64, 8, 1), (67, 9, 0.5), (65, 9.5, 0.5), (64, 10, 2), (70, 12, 2), (69, 14, 2),
            (65, 16, 1), (69, 17, 0.5), (67, 17.5, 0.5), (65, 18, 2), (64, 20, 2), (62, 22, 2), (61, 24, 2),
            (62, 28, 4)]
    src = tmp_path / "mine.mid"
    Score(parts=[Part("mine", "cello", 42, False, [Note(p, s, d, 80) for p, s, d in line])],
          meters=[(0.0, 4, 4)], key="D minor").to_midi(src)
    before = (store.root / "stages" / "themes.json").read_text()
    capsys.readouterr()
    assert run(["theme-import", str(store.root), str(tmp_path / "nope.mid"), "--subject", name]) == 2
    assert run(["theme-import", str(store.root), str(src), "--subject", "nobody"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "nope.mid" in err[0] and "subject" in err[1]
    assert (store.root / "stages" / "themes.json").read_text() == before  # bad input touches nothing

    assert run(["theme-import", str(store.root), str(src), "--subject", name, "--json", "--quiet"]) == 0
    rec = json.loads(capsys.readouterr().out.splitlines()[0])
    assert rec["subject"] == name and (rec["key"], rec["mode"]) == ("D", "minor")
    entry = next(t for t in stages.load_themes(store)["themes"] if t["name"] == name)
    assert entry["theme"]["imported_from"] == "mine.mid" and entry["guard"]["attempts"] == 1
    assert [n.pitch for n in Score.from_midi(store.root / entry["midi"]).melody()] == [p for p, _, _ in line]
    assert any(t.name == name and "imported" in t.notes for t in store.load().themes)
    # the theme stage keeps the imported theme
    again = stages.stage_themes(store, seed=9)
    kept = next(t for t in again["themes"] if t["name"] == name)
    assert kept["theme"]["imported_from"] == "mine.mid"
    assert [n.pitch for n in Score.from_midi(store.root / kept["midi"]).melody()] == [p for p, _, _ in line]


def test_every_subject_of_the_film_gets_its_theme_and_a_development(staged: tuple) -> None:
    """Not only the subjects that lead a cue: every main character and every marked idea gets
    a theme, and the plan the drafts follow brings each into at least three cues."""
    from assistant.pipeline import stages

    store, report = staged
    analysis = stages.load_analysis(store)
    themes = {t["name"]: t for t in report["themes"]}
    assert set(analysis["main_characters"]) <= set(themes)
    assert {"Lighthouse", "waltz", "love"} <= set(themes)  # the example's marked place, object and idea
    assert len({t["theme"]["key"] for t in themes.values()}) >= 3  # not one tonic for all
    plan = stages.stage_plan(store)
    for name, t in themes.items():
        cues = [r["cue"] for r in plan["rows"] if name in r["themes"]]
        assert len(cues) >= 3, (name, cues)
        assert set(cues) <= set(t["cues"])  # the theme's cues say where it sounds
