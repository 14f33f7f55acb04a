"""The performing-rights cue sheet: fields, usage codes, contributors.json, validation."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.project import Cue, FilmProject
from assistant.render.contributors import (
    FILL_IN,
    Contributors,
    Party,
    contributors_from_json,
    load_contributors,
    write_template,
)
from assistant.render.cuesheet import COLUMNS, CueSheet, cue_list_text, mmss, usage_code

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "the-keepers-light"


def film(*cues: Cue, fps: str = "24") -> FilmProject:
    return FilmProject(title="Reel One", fps=fps, start_tc="01:00:00:00", cues=list(cues))


def filled() -> Contributors:
    return contributors_from_json({
        "production": {"title": "Reel One", "episode": "", "version": "Festival cut",
                       "length": "00:10:00"},
        "composers": [{"name": "Ada Example", "society": "PRS", "ipi": "00123456789", "share": 60},
                      {"name": "Ben Example", "society": "ASCAP", "ipi": "123456789", "share": 40}],
        "publishers": [{"name": "Example Music", "society": "PRS", "ipi": "00987654321",
                        "share": 100}],
    })


def test_mmss_rounds_up_and_never_reads_like_hours():
    assert mmss(42.5) == "00:43" and mmss(42.0) == "00:42" and mmss(3725) == "62:05"


@pytest.mark.parametrize("function,source,title,first,last,vocal,code", [
    ("source", True, "Radio", False, False, False, "VI"),
    ("source", True, "Radio song", False, False, True, "VV"),
    ("bookend", False, "Opening", True, False, False, "MT"),
    ("bookend", False, "End Credits", False, True, False, "ET"),
    ("bookend", False, "Finale", False, True, False, "ET"),
    ("romance", False, "Letters", False, False, False, "BI"),
    ("romance", False, "Letters", False, False, True, "BV"),
    (None, False, "Unspotted", False, False, False, "BI"),
])
def test_usage_from_function_and_diegesis(function, source, title, first, last, vocal, code):
    cue = Cue("1M1", 0, 10, title=title, function=function, source=source)
    assert usage_code(cue, first, last, vocal) == code


def test_csv_has_the_society_fields_one_row_per_party():
    p = film(Cue("1M1", 5.0, 47.5, title="Main Title", function="bookend"),
             Cue("1M2", 60.0, 90.25, title="Letters", function="romance"),
             Cue("1M3", 200.0, 260.0, title="End Credits", function="bookend"))
    sheet = CueSheet.build(p, filled())
    rows = list(csv.DictReader(io.StringIO(sheet.to_csv())))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 3 * 3  # two composers and one publisher per cue
    first = [r for r in rows if r["cue_number"] == "1M1"]
    assert {r["usage"] for r in first} == {"MT"}
    assert first[0]["timing_in"] == "01:00:05:00" and first[0]["timing_out"] == "01:00:47:12"
    assert first[0]["duration"] == "00:43" and first[0]["production_length"] == "10:00"
    assert {(r["role"], r["name"], r["society"], r["ipi"], r["share"]) for r in first} == {
        ("composer", "Ada Example", "PRS", "00123456789", "60"),
        ("composer", "Ben Example", "ASCAP", "123456789", "40"),
        ("publisher", "Example Music", "PRS", "00987654321", "100")}
    assert [r["usage"] for r in rows if r["role"] == "publisher"] == ["MT", "BI", "ET"]
    assert sheet.problems() == []
    sheet.validate()


def test_defaults_say_fill_in_and_do_not_validate():
    p = film(Cue("1M1", 0, 10))
    sheet = CueSheet.build(p, Contributors())
    assert FILL_IN in sheet.to_csv()
    assert any("FILL IN" in x for x in sheet.problems())
    with pytest.raises(InputError, match="cue sheet not ready"):
        sheet.validate()


def test_validation_finds_shares_overlaps_length_and_codes():
    c = filled()
    c.composers = [Party("A", "BMI", "123456789", 50), Party("B", "BMI", "12345", 40)]
    c.production_length_s = 30.0
    c.cues["1M2"] = {"usage": "XX"}
    p = film(Cue("1M1", 0, 20), Cue("1M2", 15, 40))
    probs = "\n".join(CueSheet.build(p, c).problems())
    assert "composer shares add to 90 %" in probs
    assert "overlaps 1M2" in probs
    assert "exceeds the production length 00:30" in probs
    assert "usage 'XX'" in probs
    assert "IPI '12345'" in probs


def test_contributors_file_round_trip_and_errors(tmp_path):
    path = write_template(tmp_path, "Reel One")
    assert path.name == "contributors.json"
    data = json.loads(path.read_text())
    assert data["production"]["title"] == "Reel One" and FILL_IN in data["composers"][0]["name"]
    assert load_contributors(tmp_path).unfilled
    assert load_contributors(tmp_path / "missing").unfilled  # defaults
    (tmp_path / "bad.json").write_text('{"composers": [{"name": "A", "share": 150}]}')
    with pytest.raises(InputError) as err:
        load_contributors(tmp_path / "bad.json")
    assert "bad.json" in str(err.value) and "composers[0].share" in str(err.value)
    (tmp_path / "bad2.json").write_text('{"composers": [')
    with pytest.raises(InputError, match="invalid JSON"):
        load_contributors(tmp_path / "bad2.json")
    with pytest.raises(InputError, match="HH:MM:SS"):
        contributors_from_json({"production": {"length": "ten minutes"}})


def test_per_cue_override_for_licensed_source_music():
    c = filled()
    c.cues["1M2s"] = {"title": "Radio Waltz (licensed)",
                      "composers": [Party("J. Strauss", "PD", "", 100)],
                      "publishers": [Party("Public Domain", "PD", "", 100)]}
    p = film(Cue("1M2s", 10, 40, title="Radio", function="source", source=True))
    rows = list(csv.DictReader(io.StringIO(CueSheet.build(p, c).to_csv())))
    assert {r["name"] for r in rows} == {"J. Strauss", "Public Domain"}
    assert rows[0]["cue_title"] == "Radio Waltz (licensed)" and rows[0]["usage"] == "VI"


def test_html_rendering_lists_every_cue():
    p = film(Cue("1M1", 0, 10, title="A & B"), Cue("1M2", 20, 30, title="C"))
    text = CueSheet.build(p, filled()).to_html()
    assert text.count("<tr>") == 3 and "A &amp; B" in text and "Validated" in text


def test_example_film_cue_sheet_and_list():
    if not EXAMPLE.is_dir():
        pytest.skip(f"example film missing at {EXAMPLE}")
    from assistant.importers import film_from, load_screenplay, load_spotting

    p = film_from(load_screenplay(EXAMPLE / "screenplay.fountain"),
                  load_spotting(EXAMPLE / "spotting.txt"))
    c = filled()
    c.production_length_s = None  # the film's own length
    sheet = CueSheet.build(p, c)
    assert sheet.problems() == []
    by_id = {sc.cue.id: sc for sc in sheet.cues}
    assert by_id["1M1"].usage == "MT" and by_id["1M2s"].usage == "VI"
    assert mmss(by_id["1M1"].duration_s) == "00:43"  # 42.5 s, not "00:42:12"
    listing = cue_list_text(p)
    total = sum(x.duration_s for x in p.cues)
    assert f"{mmss(total)} (mm:ss) of music" in listing
    assert "09:23:22" not in listing
