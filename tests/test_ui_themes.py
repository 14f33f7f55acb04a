"""The Themes, Palette and Lesson handlers: candidates with notation and audio, edit,
upload, pick for a subject, the editable development plan, user palettes, the lesson."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import InputError
from ui import themes_handlers as th
from ui.handlers import Studio

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "the-keepers-light"


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory, studio_cache: Path) -> tuple[Studio, dict]:
    studio = Studio(tmp_path_factory.mktemp("studio-themes"), cache_dir=studio_cache)
    state, _ = studio.open_example(None)
    return studio, state


@pytest.fixture(scope="module")
def written(session: tuple[Studio, dict]) -> list[list]:
    studio, state = session
    _, rows, best = th.write_themes(studio, state, "D", "minor", "3/4", 8, "cello", 2, 1)
    return rows


def test_candidates_are_ranked_with_reasons_notation_and_audio(session, written) -> None:
    studio, state = session
    assert [r[0] for r in written] == [1, 2]
    assert all(r[1] == "D" and r[2] == "minor" and r[4] == "3/4" for r in written)
    assert written[0][6] >= written[1][6]  # ranked by total
    _, c = th.theme_view(studio, state, 1)
    assert c["why"] and "<svg" in Path(c["svg"][0]).read_text()
    assert Path(c["wav"]).stat().st_size > 1000
    with pytest.raises(InputError, match="no candidate 9"):
        th.theme_view(studio, state, 9)


def test_edit_makes_a_transposed_copy(session, written) -> None:
    studio, state = session
    _, rows, c = th.edit_theme(studio, state, 1, 2, None)
    assert c["rank"] == 3 and c["key"] == "E" and "candidate 1" in c["origin"]
    with pytest.raises(InputError, match="transposition"):
        th.edit_theme(studio, state, 1, 0, None)


def test_upload_a_theme(session, written) -> None:
    studio, state = session
    _, rows, c = th.upload_theme(studio, state, str(EXAMPLE / "temp" / "1M4-temp.mid"))
    assert "uploaded" in c["origin"] and c["why"]


def test_pick_makes_it_the_subjects_theme(session, written) -> None:
    studio, state = session
    subjects = th.subjects(studio, state)
    _, msg = th.pick_theme(studio, state, 2, subjects[0])
    assert subjects[0] in msg
    ws, _ = studio.workspace(state)
    entry = next(t for t in json.loads((ws.project_dir / "stages" / "themes.json").read_text())
                 ["themes"] if t["name"] == subjects[0])
    assert entry["picked"]["rank"] == 2
    cand = th._candidate(ws, 2)
    assert (ws.project_dir / entry["midi"]).read_bytes() == Path(cand["midi"]).read_bytes()
    with pytest.raises(InputError, match="no theme subject"):
        th.pick_theme(studio, state, 1, "Nobody")


def test_plan_is_a_timeline_editable_cell_by_cell(session) -> None:
    studio, state = session
    _, rows = th.plan(studio, state)
    ids = [r[0] for r in rows]
    assert len(ids) == 11
    rows = [list(r) for r in rows]
    i = ids.index("1M8")
    rows[i][5] = "solo"
    _, new, msg = th.plan_edit(studio, state, rows)
    assert "1M8 weight" in msg and new[ids.index("1M8")][5] == "solo"
    rows[i][5] = "enormous"
    with pytest.raises(InputError, match="weight"):
        th.plan_edit(studio, state, rows)


def test_user_palette(session) -> None:
    studio, state = session
    _, pal, choices = th.define_palette(studio, state, "island", ["cello", "harp", "flute"],
                                        "cello", "lonely island strings")
    assert pal["instruments"][:3] == ["cello", "harp", "flute"] and "island" in choices
    spec = th.palette_spec(studio, state, "island")
    assert spec.endswith("island.json") and Path(spec).is_file()
    assert th.palette_spec(studio, state, "strings") == "strings"
    with pytest.raises(InputError, match="built-in"):
        th.define_palette(studio, state, "strings", ["cello"], None, "")
    with pytest.raises(InputError, match="unknown instrument"):
        th.define_palette(studio, state, "bad", ["kazoo"], None, "")


def test_lesson_page(session) -> None:
    studio, state = session
    subject = th.subjects(studio, state)[0]
    _, page, path = th.lesson(studio, state, subject)
    assert subject in page and Path(path).is_file()
    assert "notation" in page and ("<svg" in page or "image/svg+xml" in page)
