"""CLI contract: `similarity A B --json` and `guard PROJECT --json`; bad files exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.cli.main import run
from assistant.project import Cue, FilmProject, ProjectStore

FIX = Path(__file__).resolve().parent / "fixtures" / "guard"


def _json(capsys: pytest.CaptureFixture[str]) -> dict:
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    return json.loads(out[0])


def test_similarity_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["similarity", str(FIX / "theme.mid"), str(FIX / "quote.mid"), "--json"]) == 0
    d = _json(capsys)
    assert set(d) >= {"score", "verdict", "passages"}
    assert 0.0 <= d["score"] <= 1.0 and d["verdict"] in ("similar", "copy")
    p = d["passages"][0]
    # quote.mid holds theme notes 6-15 (a tone higher) from its note 8 / beat 8
    assert (p["a_start_note"], p["a_end_note"]) == (6, 15)
    assert (p["b_start_note"], p["b_end_note"]) == (8, 17)
    assert p["b_start_beat"] == 8.0 and p["a_start_beat"] == 5.5
    assert p["notes"] == 10 and p["transposition"] == 2
    assert [b - a for a, b in zip(p["a_excerpt"], p["b_excerpt"], strict=True)] == [2] * 10


def test_similarity_copy_and_distinct(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["similarity", str(FIX / "theme.mid"), str(FIX / "theme_variant.musicxml"),
                "--json"]) == 0
    assert _json(capsys)["verdict"] == "copy"
    assert run(["similarity", str(FIX / "poly.mid"), str(FIX / "unrelated.abc"), "--json"]) == 0
    assert _json(capsys)["verdict"] == "distinct"
    assert run(["similarity", str(FIX / "theme.mid"), str(FIX / "quote.mid")]) == 0
    assert "score" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["bad.mid", "nothing-here.mid", "make_fixtures.py"])
def test_similarity_bad_file_exit_2(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["similarity", str(FIX / "theme.mid"), str(FIX / bad), "--json"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and bad in err[0]


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "film"
    store = ProjectStore(root)
    store.save(FilmProject("Guard Test", cues=[Cue("1M1", 10.0, 40.0), Cue("1M2", 50.0, 80.0)]))
    rev, folder = store.new_revision("1M1", artefacts=["cue.mid"])
    shutil.copy(FIX / "quote.mid", folder / "cue.mid")
    (root / "temp").mkdir()
    shutil.copy(FIX / "theme.mid", root / "temp" / "theme.mid")
    return root


def test_guard_project_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path)
    assert run(["guard", str(root), "--json", "--no-corpus"]) == 0
    d = _json(capsys)
    assert d["temp_tracks"] == ["temp/theme.mid"]
    cues = {c["cue"]: c for c in d["cues"]}
    assert cues["1M2"]["revision"] is None
    c = cues["1M1"]
    assert c["revision"] == 1 and c["verdict"] in ("similar", "copy")
    t = c["temp"]
    assert t["reference"].startswith("theme.mid") and t["passage"]["a_start_note"] == 8
    assert t["passage"]["b_start_note"] == 6 and len(t["passage"]["b_excerpt"]) == 10
    assert c["corpus"] is None


def test_guard_bad_temp_track_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path)
    shutil.copy(FIX / "bad.mid", root / "temp" / "broken.mid")
    assert run(["guard", str(root), "--json", "--no-corpus"]) == 2
    assert "broken.mid" in capsys.readouterr().err
    assert run(["guard", str(tmp_path / "nowhere")]) == 2


def test_guard_report_on_a_sting_with_no_line_and_a_draft_with_roles(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A three-chord sting has no line of four notes: the report says so (it used to stop
    the whole report with exit 2); a draft's roles (draft.json) name each line's role."""
    from assistant.music.score import Note, Part, Score

    root = _project(tmp_path)
    store = ProjectStore(root)
    rev, folder = store.new_revision("1M2", artefacts=["sting.mid"])
    Score(parts=[Part(i, i, 0, notes=[Note(p + k, 4.0 * k, 1.0) for k in range(3)])
                 for i, p in (("violin", 76), ("viola", 64), ("cello", 48))]).to_midi(
        folder / "sting.mid")
    rev1 = store.revisions("1M1")[-1]
    (store.revision_dir("1M1", rev1.number) / "draft.json").write_text(
        json.dumps({"roles": {"oboe": "melody"},
                    "form": [{"start_beat": 0.0, "end_beat": 64.0, "melody": "theme"}]}))
    rev1.artefacts = ["cue.mid", "draft.json"]
    store.save_revision(rev1)
    assert run(["guard", str(root), "--json", "--no-corpus"]) == 0
    cues = {c["cue"]: c for c in _json(capsys)["cues"]}
    assert cues["1M2"]["status"] == "no melodic line to compare"
    assert cues["1M2"]["verdict"] == "distinct"
    c = cues["1M1"]
    assert c["verdict"] in ("similar", "copy") and c["temp"]["role"] == "tune (melody)"
