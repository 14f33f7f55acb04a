"""render_cue always delivers a PDF (MuseScore when it answers in time, else verovio's
pages), and render_film's cue sheet lists the music delivered, not the spotting list."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from assistant.music.score import Note, Part, Score
from assistant.project import Cue, FilmProject
from assistant.render import pages
from assistant.render.deliver import render_cue, render_film
from assistant.render.pdf import available

FAST = {"stems": False, "pan": False, "reverb": False, "tail_s": 0.5}


def film() -> FilmProject:
    return FilmProject(title="Two Cues", fps="24", start_tc="01:00:00:00", cues=[
        Cue("1M1", 1.0, 4.0, title="Opening", function="bookend"),
        Cue("1M2", 10.0, 14.0, title="Letters", function="romance"),
        Cue("1M3", 20.0, 25.0, title="Chase", function="action")])


def tiny() -> Score:
    return Score(parts=[Part("Flute", "flute", 73, notes=[Note(72 + i % 5, i, 1, 80)
                                                         for i in range(6)]),
                        Part("Cello", "cello", 42, notes=[Note(48, 0, 6, 70)])],
                 tempos=[(0.0, 120.0)], meters=[(0.0, 4, 4)])


def _pdfs_ok(res: dict) -> None:
    base = Path(res["base_dir"])
    files = res["files"]
    assert (base / files["pdf"]).read_bytes()[:5] == b"%PDF-"
    assert set(files["parts_pdf"]) == {"Flute", "Cello"}
    for rel in files["parts_pdf"].values():
        assert (base / rel).read_bytes()[:5] == b"%PDF-"


@pytest.mark.skipif(available() is not None, reason=str(available()))
def test_pdf_without_musescore(tmp_path, monkeypatch):
    monkeypatch.setattr(pages, "mscore_binary", lambda: None)
    p = film()
    res = render_cue(tiny(), p.cues[0], p, tmp_path / "1M1", settings=FAST)
    _pdfs_ok(res)
    assert res["report"]["pdf_engine"] == "verovio"
    assert "pdf_note" not in res["report"]


@pytest.mark.skipif(available() is not None, reason=str(available()))
def test_musescore_past_its_timeout_is_stopped_and_verovio_delivers(tmp_path, monkeypatch):
    fake = tmp_path / "mscore3"
    fake.write_text("#!/bin/sh\nexec sleep 60\n")  # a MuseScore that never finishes
    fake.chmod(0o755)
    monkeypatch.setattr(pages, "mscore_binary", lambda: str(fake))
    p = film()
    res = render_cue(tiny(), p.cues[0], p, tmp_path / "1M1",
                     settings={**FAST, "pdf_timeout_s": 1})
    _pdfs_ok(res)
    assert res["report"]["pdf_engine"] == "verovio"
    assert "MuseScore took over 1 s" in res["report"]["pdf_note"]


def _fake_results(out: Path, ids: list[str]) -> list[dict]:
    """render_cue-shaped results (the reel is off, so the WAVs need not exist)."""
    return [{"cue": i, "base_dir": str(out), "start_s": 0.0,
             "files": {"wav": f"cues/{i}/{i}.wav"}, "report": {}} for i in ids]


def test_cue_sheet_lists_the_rendered_cues_only(tmp_path):
    p = film()
    results = _fake_results(tmp_path, ["1M3", "1M1"])
    results.append({"cue": "1M2", "files": {}, "report": {}})  # spotted, not rendered
    res = render_film(p, results, tmp_path, settings={"reel": False})
    rows = list(csv.DictReader(io.StringIO((tmp_path / res["files"]["cue_sheet_csv"])
                                           .read_text())))
    assert [r["cue_number"] for r in rows if r["role"] == "composer"] == ["1M1", "1M3"]
    assert [r["sequence"] for r in rows if r["role"] == "composer"] == ["1", "2"]
    assert res["report"]["cue_sheet_cues"] == ["1M1", "1M3"]
    page = (tmp_path / res["files"]["cue_sheet_html"]).read_text()
    assert "Letters" not in page and "PLANNING" not in page and "2 cues" in page
    assert "planning_cue_sheet_csv" not in res["files"]


def test_planning_sheet_lists_every_spotted_cue_and_says_so(tmp_path):
    p = film()
    res = render_film(p, _fake_results(tmp_path, ["1M1"]), tmp_path,
                      settings={"reel": False, "planning_sheet": True})
    plan = list(csv.DictReader(io.StringIO(
        (tmp_path / res["files"]["planning_cue_sheet_csv"]).read_text())))
    assert sorted({r["cue_number"] for r in plan}) == ["1M1", "1M2", "1M3"]
    assert all("PLANNING" in r["version"] and "do not file" in r["version"] for r in plan)
    html = (tmp_path / res["files"]["planning_cue_sheet_html"]).read_text()
    assert "PLANNING Music cue sheet" in html
    filed = (tmp_path / res["files"]["cue_sheet_csv"]).read_text()
    assert "PLANNING" not in filed and "1M2" not in filed
    for key in ("planning_cue_sheet_csv", "planning_cue_sheet_html"):
        assert os.stat(tmp_path / res["files"][key]).st_mode & 0o777 == 0o644
    assert res["files"]["planning_cue_sheet_html"] in (tmp_path / "index.html").read_text()
