"""Who gets a theme in the example film, and the development plan across its cues."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "the-keepers-light"


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory):
    """The example film as a project after the read stage, with its subjects and plan."""
    if not (EXAMPLE / "screenplay.fountain").is_file():
        pytest.skip(f"example film missing: {EXAMPLE / 'screenplay.fountain'}")
    from assistant.pipeline import new_project
    from assistant.pipeline.stages import stage_read

    root = tmp_path_factory.mktemp("film") / "keepers"
    store = new_project(root, EXAMPLE / "screenplay.fountain", spotting=EXAMPLE / "spotting.txt",
                        briefs=EXAMPLE / "brief.txt")
    analysis = stage_read(store)
    from assistant.themes import choose_subjects, plan_development

    subjects = choose_subjects(analysis.leitmotif_candidates, main_characters=analysis.main_characters)
    project = store.load()
    plan = plan_development(project, {s.name: s for s in subjects})
    return store, project, analysis, subjects, plan


def test_every_main_character_and_marked_idea_gets_a_theme(film) -> None:
    _, _, analysis, subjects, _ = film
    names = {s.name for s in subjects}
    assert set(analysis.main_characters) <= names
    assert len(analysis.main_characters) >= 2
    # the notes ask for a lighthouse theme, a love theme and the father's waltz (music box)
    assert {"Lighthouse", "love", "waltz"} <= names
    waltz = next(s for s in subjects if s.name == "waltz")
    assert waltz.meter == (3, 4) and "music box" in waltz.words  # the box's tune is the waltz
    light = next(s for s in subjects if s.name == "Lighthouse")
    assert "tower" in light.words  # "the tower gets the theme"
    # objects only named in a cue title are not themes
    assert "handle" not in names and "stair" not in names


def test_each_subject_develops_across_at_least_three_cues(film) -> None:
    _, project, _, subjects, plan = film
    scored = {c.id for c in project.cues if not c.source and c.function != "source"}
    for s in subjects:
        cues = plan.cues_of(s.name)
        assert len(cues) >= 3, (s.name, cues)
        assert set(cues) <= scored
        specs = [plan.row(c)["transformations"][s.name] for c in cues]
        assert all(a != b for a, b in zip(specs, specs[1:], strict=False)), (s.name, specs)
    for r in plan.rows:
        assert set(r) >= {"cue", "themes", "transformation", "intensity", "weight"}
        assert 0.0 <= r["intensity"] <= 1.0 and r["weight"] in ("solo", "chamber", "section", "tutti")
        if r["cue"] not in scored:
            assert r["themes"] == []


def test_plan_transformations_apply_and_follow_the_film(film) -> None:
    from assistant.music.score import Note, Part, Score
    from assistant.themes.plan import realise

    _, project, _, subjects, plan = film
    theme = Score(parts=[Part("t", notes=[Note(p, i * 0.5, 0.5) for i, p in enumerate(
        [62, 65, 69, 67, 65, 64, 62, 61, 62, 65, 69, 72, 70, 69, 67, 65])] + [Note(62, 8, 4)])], key="D minor")
    for r in plan.rows:
        out = realise(plan, r["cue"], {s.name: theme for s in subjects})
        assert set(out) == set(r["themes"])
        assert all(sc.melody() and label for sc, label in out.values())
    by_fn = {r["function"]: r for r in plan.rows}
    if "triumph" in by_fn:
        assert "triumphant" in by_fn["triumph"]["transformation"] or by_fn["triumph"]["intensity"] > 0.4
    if "sting" in by_fn and "romance" in by_fn:
        assert by_fn["sting"]["intensity"] > by_fn["romance"]["intensity"] - 0.2


def test_override_pins_a_cell_and_replans_the_rest(film) -> None:
    from assistant.themes import plan_development

    store, project, _, subjects, _ = film
    plan = plan_development(project, {s.name: s for s in subjects})
    scored = [r for r in plan.rows if r["themes"]]
    first, later = scored[0]["cue"], [r["cue"] for r in scored[1:]]
    before = {c: plan.row(c)["intensity"] for c in later}
    plan.override(first, "intensity", 1.0)
    assert plan.row(first)["intensity"] == 1.0 and "intensity" in plan.row(first)["locked"]
    assert plan.row(first)["weight"] == "tutti"
    after = {c: plan.row(c)["intensity"] for c in later}
    assert after[later[0]] > before[later[0]]  # the next cue is re-planned from the pinned value
    # a pinned transformation is not repeated in the subject's later appearances
    lead = plan.row(first)["themes"][0]
    plan.override(first, "transformation", "march")
    assert plan.row(first)["transformation"] == "march"
    assert all(plan.row(c)["transformations"][lead] != "march" for c in plan.cues_of(lead) if c != first)
    # removing a subject from a cue keeps it in three cues elsewhere
    plan.override(first, "themes", [t for t in plan.row(first)["themes"] if t != lead] or [subjects[-1].name])
    assert len(plan.cues_of(lead)) >= 3
    d = plan.to_dict()
    assert {"rows", "subjects", "timeline", "locks"} <= set(d) and len(d["locks"]) == 3
    assert first in plan.to_table()
    with pytest.raises(InputError):
        plan.override(first, "intensity", 3)
    with pytest.raises(InputError):
        plan.override("9M9", "weight", "tutti")
    with pytest.raises(InputError):
        plan.override(first, "transformation", "moonwalk")


def test_plan_accepts_scores_as_the_pipeline_passes_them(film) -> None:
    from assistant.music.score import Note, Part, Score
    from assistant.themes import plan_development

    _, project, _, subjects, _ = film
    sc = Score(parts=[Part("t", notes=[Note(60, 0, 1)])], key="D minor")
    plan = plan_development(project, {s.name: sc for s in subjects})
    assert all(len(plan.cues_of(s.name)) >= 3 for s in subjects)
    assert plan.subjects["NELL"]["mode"] == "minor"
