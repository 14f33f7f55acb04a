"""Project model and store: validation names the field, saves are atomic, revisions are kept."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.errors import InputError, read_text
from assistant.project import Cue, FilmProject, Hit, Mood, ProjectStore, atomic_write_text


def _project() -> FilmProject:
    return FilmProject(
        title="Test",
        fps="23.976",
        start_tc="01:00:00:00",
        cues=[
            Cue(id="1M1", start_s=10.0, end_s=42.5, title="Opening",
                hits=[Hit(time_s=30.2, label="door", important=True, landing="downbeat")],
                mood=Mood(valence=-0.2, arousal=0.4, tension=0.7, tags=["dread"])),
            Cue(id="1M2s", start_s=65.0, end_s=120.0, source=True, function="source"),
        ],
    )


def test_round_trip_through_store(tmp_path: Path) -> None:
    store = ProjectStore(tmp_path / "film")
    p = _project()
    store.save(p)
    q = store.load()
    assert q == p
    assert json.loads(store.path.read_text())["schema_version"] == 1


def test_timecode_helpers_use_project_rate() -> None:
    p = _project()
    assert p.tc_to_film_s("01:00:01:00") == pytest.approx(1.001)
    assert p.film_s_to_tc(1.001) == "01:00:01:00"
    with pytest.raises(InputError, match="before the film start"):
        p.tc_to_film_s("00:59:59:00")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["cues"][0].update(end_s=5.0), "project.cues[0].end"),
        (lambda d: d["cues"][0]["hits"][0].update(time_s=99.0), "project.cues[0].hits[0].time_s"),
        (lambda d: d["cues"][0]["hits"][0].update(landing="sideways"),
         "project.cues[0].hits[0].landing"),
        (lambda d: d["cues"][1].update(id="1M1"), "project.cues[1].id"),
        (lambda d: d["cues"][0]["mood"].update(valence=3), "project.cues[0].mood.valence"),
        (lambda d: d["cues"][0].update(function="dubstep"), "project.cues[0].function"),
        (lambda d: d.update(fps="23.976", drop_frame=True), "project.fps"),
        (lambda d: d.update(bogus=1), "project"),
    ],
)
def test_load_names_file_and_field(tmp_path: Path, mutate, field: str) -> None:
    store = ProjectStore(tmp_path)
    data = _project().to_dict()
    mutate(data)
    store.path.write_text(json.dumps(data))
    with pytest.raises(InputError) as err:
        store.load()
    assert err.value.field == field
    assert str(store.path) in str(err.value)


def test_invalid_json_names_line(tmp_path: Path) -> None:
    store = ProjectStore(tmp_path)
    store.path.write_text('{\n  "title": "x",\n  oops\n}')
    with pytest.raises(InputError) as err:
        store.load()
    assert err.value.line == 3


def test_revisions_are_numbered_and_never_overwritten(tmp_path: Path) -> None:
    store = ProjectStore(tmp_path)
    store.save(_project())
    r1, d1 = store.new_revision("1M1", brief="darker")
    (d1 / "cue.mid").write_bytes(b"first")
    r2, d2 = store.new_revision("1M1", brief="less busy", parent=1)
    assert (r1.number, r2.number) == (1, 2)
    assert d1 != d2 and (d1 / "cue.mid").read_bytes() == b"first"
    assert [r.brief for r in store.revisions("1M1")] == ["darker", "less busy"]


def test_atomic_write_leaves_old_file_on_failure(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "project.json"
    atomic_write_text(target, "old")

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["project.json"]  # no temp files left


@pytest.mark.parametrize(
    ("content", "match"),
    [(b"", "empty"), (b"   \n\n", "empty"), (b"\x00\x01\x02garbage", "binary"),
     ("Caf\u00e9 scene".encode("latin-1"), "not UTF-8"),
     ("INT. HOUSE".encode("utf-16"), "UTF-16|not UTF-8"),
     (b"ok\n\x07bell", "control characters")],
)
def test_read_text_rejects_bad_files(tmp_path: Path, content: bytes, match: str) -> None:
    f = tmp_path / "x.txt"
    f.write_bytes(content)
    with pytest.raises(InputError, match=match) as err:
        read_text(f)
    assert str(f) in str(err.value)


def test_read_text_accepts_bom_and_crlf(tmp_path: Path) -> None:
    f = tmp_path / "x.txt"
    f.write_bytes("\ufeffline one\r\nline two\r\n".encode())
    assert read_text(f) == "line one\nline two\n"
