"""Spotting lists: text, CSV and EDL give the same cues; every validation error is located."""

from __future__ import annotations

import doctest
from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assistant.importers.spotting as spotmod
from assistant.errors import InputError
from assistant.importers import load_film, load_spotting
from assistant.importers.spotting import (
    SpottingList,
    format_spotting_csv,
    format_spotting_text,
    parse_spotting_csv,
    parse_spotting_text,
)
from assistant.project import CUE_FUNCTIONS, Cue, Hit
from assistant.timecode import FrameRate, frames_to_tc, tc_to_frames

FIX = Path(__file__).resolve().parent / "fixtures" / "importers"


def test_doctests() -> None:
    assert doctest.testmod(spotmod).failed == 0


def _cues(spot: SpottingList) -> list[dict]:
    return [asdict(c) for c in spot.cues]


# ----------------------------------------------------------------------------- formats agree
def test_text_fixture_content() -> None:
    spot = load_spotting(FIX / "cues.txt")
    assert spot.title == "Fixture Film"
    assert spot.rate == FrameRate.parse("24")
    assert spot.start_tc == "01:00:00:00"
    assert [c.id for c in spot.cues] == ["1M1", "1M2s", "1M3"]
    c1, c2, c3 = spot.cues
    assert (c1.start_s, c1.end_s) == (10.0, 42.5)  # 01:00:42:12 = 42 s + 12/24
    assert (c1.start_tc, c1.end_tc) == ("01:00:10:00", "01:00:42:12")
    assert c1.title == "Main Title" and c1.function == "bookend"
    assert c1.notes == "Fog over the harbour; the lighthouse appears."
    door, gun = c1.hits
    assert door.label == "door slams" and door.tc == "01:00:30:05"
    assert door.time_s == pytest.approx(30 + 5 / 24)
    assert not door.important and door.landing == "beat" and door.tolerance_frames == 1.0
    assert gun.important and gun.landing == "downbeat"
    assert gun.tolerance_frames == 2.0 and gun.weight == 3.0
    assert c2.source and c2.function == "source" and c2.hits[0].landing == "free"
    assert c3.hits[0].important and c3.function == "action" and not c3.source
    assert spot.warnings == []


def test_csv_text_and_edl_give_identical_cues() -> None:
    text = load_spotting(FIX / "cues.txt")
    csv_ = load_spotting(FIX / "cues.csv")
    edl = load_spotting(FIX / "cues.edl")
    assert _cues(text) == _cues(csv_) == _cues(edl)
    assert text.title == csv_.title == edl.title == "Fixture Film"
    # the EDL's slate event is not a cue: skipped with a located warning
    assert any("cues.edl:21" in w and "slate" in w for w in edl.warnings)


def test_edl_drop_frame_locators(tmp_path: Path) -> None:
    """The adapter skips ';' locators; we read them, at 29.97 DF from the FCM line."""
    p = tmp_path / "df.edl"
    p.write_text(
        "TITLE: DF Film\nFCM: DROP FRAME\n\n"
        "001  AX  V  C  01:00:59;28 01:01:10;00 01:00:59;28 01:01:10;00\n"
        "* FROM CLIP NAME: 2M1 Across the minute\n"
        "* LOC: 01:01:00;02 RED     first label of minute one\n"
        "* LOC: 01:01:05;00 RED     ! five [downbeat]\n", encoding="utf-8")
    spot = load_spotting(p)
    assert spot.rate == FrameRate.parse("29.97 DF")
    cue = spot.cues[0]
    assert (cue.start_tc, cue.end_tc) == ("01:00:59;28", "01:01:10;00")
    first, five = cue.hits
    # 01:01:00;02 is exactly 1800 frames after 01:00:00;00 at 29.97 DF
    assert first.time_s == pytest.approx(1800 * 1001 / 30000)
    assert five.important and five.landing == "downbeat" and five.label == "five"


def test_edl_record_time_when_source_differs(tmp_path: Path) -> None:
    """Cue times are the record side; markers move with the event (source to record)."""
    p = tmp_path / "moved.edl"
    p.write_text(
        "TITLE: Moved\n\n"
        "001  A001  V  C  10:00:00:00 10:00:10:00 01:00:20:00 01:00:30:00\n"
        "* FROM CLIP NAME: 1M1 Moved\n"
        "* LOC: 10:00:05:00 RED hit five seconds in\n", encoding="utf-8")
    cue = load_spotting(p).cues[0]
    assert (cue.start_s, cue.end_s) == (20.0, 30.0)
    assert cue.hits[0].time_s == 25.0 and cue.hits[0].tc == "01:00:25:00"


def test_example_film_text_and_csv_agree_on_timing() -> None:
    """The bundled example's two spotting files describe the same cues and hits."""
    ex = Path(__file__).resolve().parents[1] / "examples" / "the-keepers-light"
    if not (ex / "spotting.txt").is_file():
        pytest.skip("example film not written yet")
    a, b = load_spotting(ex / "spotting.txt"), load_spotting(ex / "spotting.csv")
    assert [(c.id, c.start_tc, c.end_tc, [h.tc for h in c.hits]) for c in a.cues] == \
        [(c.id, c.start_tc, c.end_tc, [h.tc for h in c.hits]) for c in b.cues]
    assert len(a.cues) >= 8 and sum(len(c.hits) for c in a.cues) >= 10
    assert any(c.source for c in a.cues)


def test_rate_and_start_override(tmp_path: Path) -> None:
    p = tmp_path / "c.txt"
    p.write_text("1M1 00:59:59:00 - 01:00:01:00 Early\n", encoding="utf-8")
    spot = load_spotting(p, rate=FrameRate.parse("25"), start_tc="00:59:58:00")
    assert spot.rate.name == "25" and spot.start_tc == "00:59:58:00"
    assert (spot.cues[0].start_s, spot.cues[0].end_s) == (1.0, 3.0)


# ----------------------------------------------------------------------------- validation
def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


HEAD = "TITLE: T\nFPS: 24\n\n"


@pytest.mark.parametrize(
    ("body", "line", "field", "words"),
    [
        pytest.param("1M1 01:00:10:00 - 01:00:10:00 Zero\n", 4, "end", "not after start",
                     id="end-equals-start"),
        pytest.param("1M1 01:00:10:00 - 01:00:05:00 Back\n", 4, "end", "not after start",
                     id="end-before-start"),
        pytest.param("1M1 01:00:10:00 - 01:00:20:00 A\nHIT 01:00:25:00 late\n", 5, "hit",
                     "outside cue 1M1", id="hit-outside-cue"),
        pytest.param("1M1 01:00:10:00 - 01:00:20:00 A\n\n1m1 01:00:30:00 - 01:00:40:00 B\n", 6,
                     "cue", "duplicate cue id", id="duplicate-id"),
        pytest.param("1M1 01:00:10:24 - 01:00:20:00 A\n", 4, "start", "frame 24",
                     id="frame-24-at-24fps"),
        pytest.param("1M1 01:00:10:00 - 01:00:20;00 A\n", 4, "end", "drop-frame",
                     id="semicolon-at-ndf"),
        pytest.param("1M1 01:00:10:00 - 01:00:20:00 A\nHIT 01:00:61:00 x\n", 5, "hit",
                     "minutes and seconds", id="bad-hit-seconds"),
        pytest.param("1M1 01:00:10:00 - 01:00:20:00 A\nFUNCTION: sad_violin\n", 5, "function",
                     "unknown cue function", id="unknown-function"),
        pytest.param("1M1 01:00:10:00 - 01:00:20:00 A\nHIT 01:00:12:00 x [fortissimo]\n", 5,
                     "hit options", "unknown hit option", id="bad-option"),
        pytest.param("1M1 01:00:10:00 - 01:00:20:00 A\nHIT 01:00:12:00 x [tol 99]\n", 5,
                     "hit options", "maximum 48", id="tolerance-too-big"),
        pytest.param("1M1 00:59:50:00 - 01:00:20:00 A\n", 4, "start", "before the film start",
                     id="before-film-start"),
        pytest.param("Just some words\n", 4, "cue", "expected a cue line", id="not-a-cue"),
    ],
)
def test_text_validation_errors(tmp_path: Path, body: str, line: int, field: str,
                                words: str) -> None:
    p = _write(tmp_path, "bad.txt", HEAD + body)
    with pytest.raises(InputError) as err:
        load_spotting(p)
    e = err.value
    assert e.line == line and e.field == field and words in e.message
    assert str(e).startswith(f"{p}:{line}: {field}: ")


def test_header_only_list_has_no_cues(tmp_path: Path) -> None:
    p = _write(tmp_path, "h.txt", HEAD)
    with pytest.raises(InputError) as err:
        load_spotting(p)
    assert err.value.field == "cue" and "no cues" in err.value.message


def test_drop_frame_rate_rejects_skipped_label(tmp_path: Path) -> None:
    p = _write(tmp_path, "df.txt", "FPS: 29.97 DF\nSTART: 01:00:00;00\n\n"
                                   "1M1 01:01:00;00 - 01:01:10;00 Skipped\n")
    with pytest.raises(InputError) as err:
        load_spotting(p)
    assert (err.value.line, err.value.field) == (4, "start")
    assert "drop-frame skips" in err.value.message
    p.write_text("FPS: 29.97 DF\n\n1M1 01:01:00;02 - 01:01:10;00 Fine\n", encoding="utf-8")
    cue = load_spotting(p).cues[0]
    assert cue.start_s == pytest.approx(1800 * 1001 / 30000)


def test_bad_header_values(tmp_path: Path) -> None:
    p = _write(tmp_path, "h.txt", "FPS: 23.976 DF\n\n1M1 01:00:10:00 - 01:00:20:00 A\n")
    with pytest.raises(InputError) as err:
        load_spotting(p)
    assert (err.value.line, err.value.field) == (1, "fps")
    p.write_text("START: 01:00:00:30\n\n1M1 01:00:10:00 - 01:00:20:00 A\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_spotting(p)
    assert (err.value.line, err.value.field) == (1, "start_tc")


def test_overlap_is_a_warning_not_an_error(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                           ) -> None:
    p = _write(tmp_path, "o.txt", HEAD + "1M1 01:00:10:00 - 01:00:20:00 A\n\n"
                                         "1M2 01:00:18:00 - 01:00:30:00 B\n")
    with caplog.at_level("WARNING"):
        spot = load_spotting(p)
    assert len(spot.cues) == 2
    assert len(spot.warnings) == 1 and "1M2 overlaps cue 1M1 by 2.00 s" in spot.warnings[0]
    assert f"{p}:6" in spot.warnings[0]
    assert any("overlaps" in r.message for r in caplog.records)


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        pytest.param("cue,start\n1M1,01:00:10:00\n", 1, "header", "lacks column(s) end",
                     id="missing-column"),
        pytest.param("cue,start,end,description\n1M1,01:00:10:00,01:00:20:00,a\n"
                     "1M2,01:00:30:00,01:00:29:00,b\n", 3, "end", "not after start",
                     id="end-before-start"),
        pytest.param("cue,start,end,hits\n1M1,01:00:10:00,01:00:20:00,01:00:21:00 late\n", 2,
                     "hit", "outside cue", id="hit-outside"),
        pytest.param("cue,start,end,hits\n1M1,01:00:10:00,01:00:20:00,01:00:11:00 x [loud]\n", 2,
                     "hits options", "unknown hit option", id="bad-option"),
        pytest.param("cue,start,end\n1M1,01:00:10:00,01:00:20:00\n1M1,01:00:30:00,01:00:40:00\n",
                     3, "cue", "duplicate", id="duplicate"),
        pytest.param("cue,start,end,description\n1M1,01:00:10:00,01:00:20:00,\"multi\nline\"\n"
                     "1M2,1:00:30,01:00:40:00,x\n", 4, "start", "", id="line-after-multiline-row"),
        pytest.param("cue,start,end,function\n1M1,01:00:10:00,01:00:20:00,epic\n", 2,
                     "function", "unknown cue function", id="unknown-function"),
    ],
)
def test_csv_validation_errors(tmp_path: Path, text: str, line: int, field: str,
                               words: str) -> None:
    p = _write(tmp_path, "bad.csv", text)
    with pytest.raises(InputError) as err:
        load_spotting(p)
    assert (err.value.line, err.value.field) == (line, field)
    assert words in err.value.message


@pytest.mark.parametrize(
    ("event", "line", "field", "words"),
    [
        pytest.param("001  AX  V  C  01:00:10:00 01:00:20:00 01:00:10:00 01:00:20:00\n"
                     "* FROM CLIP NAME: 1M1 A\n* LOC: 01:00:25:00 RED late\n", 5, "hit",
                     "outside cue", id="hit-outside"),
        pytest.param("001  AX  V  C  01:00:10:00 01:00:20:00 01:00:10:00 01:00:10:00\n"
                     "* FROM CLIP NAME: 1M1 A\n", 3, "record out", "not after start",
                     id="zero-length"),
        pytest.param("001  AX  V  C  01:00:10:00 01:00:20:30 01:00:10:00 01:00:20:30\n"
                     "* FROM CLIP NAME: 1M1 A\n", 3, "source out", "frame 30", id="bad-frame"),
        pytest.param("001  AX  V  C  01:00:10:00 01:00:20:00\n", 3, "event",
                     "expected an event line", id="short-event"),
    ],
)
def test_edl_validation_errors(tmp_path: Path, event: str, line: int, field: str,
                               words: str) -> None:
    p = _write(tmp_path, "bad.edl", "TITLE: X\n\n" + event)
    with pytest.raises(InputError) as err:
        load_spotting(p)
    assert (err.value.line, err.value.field) == (line, field)
    assert words in err.value.message


def test_edl_overlapping_events_warn(tmp_path: Path) -> None:
    p = _write(tmp_path, "o.edl", "TITLE: X\n\n"
               "001  AX  V  C  01:00:10:00 01:00:20:00 01:00:10:00 01:00:20:00\n"
               "* FROM CLIP NAME: 1M1 A\n"
               "002  AX  V  C  01:00:15:00 01:00:25:00 01:00:15:00 01:00:25:00\n"
               "* FROM CLIP NAME: 1M2 B\n")
    spot = load_spotting(p)
    assert [c.id for c in spot.cues] == ["1M1", "1M2"]
    assert any("1M2 overlaps cue 1M1 by 5.00 s" in w for w in spot.warnings)


# ----------------------------------------------------------------------------- bad files
@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("garbage.txt", "binary"),
        ("empty.csv", "empty"),
        ("utf16.txt", "UTF-16"),  # named, not called binary
    ],
)
def test_bad_files(name: str, words: str) -> None:
    with pytest.raises(InputError) as err:
        load_spotting(FIX / name)
    assert words in err.value.message and str(FIX / name) in str(err.value)


def test_latin1_spotting_list(tmp_path: Path) -> None:
    p = tmp_path / "l.txt"
    p.write_bytes("TITLE: Caf\u00e9\n\n1M1 01:00:10:00 - 01:00:20:00 A\n".encode("latin-1"))
    with pytest.raises(InputError) as err:
        load_spotting(p)
    assert err.value.line == 1 and "UTF-8" in err.value.message


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown spotting-list type"):
        load_spotting(tmp_path / "cues.xlsx")
    with pytest.raises(InputError, match="not found"):
        load_spotting(tmp_path / "missing.csv")


def test_cli_reports_bad_spotting_with_status_2(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Bad input through a CLI command: one located line on stderr, exit status 2."""
    from assistant.cli.main import run

    script = FIX / "features.fountain"
    bad = _write(tmp_path, "bad.txt", HEAD + "1M1 01:00:10:24 - 01:00:20:00 A\n")
    assert run(["analyze", str(script), "--spotting", str(bad), "--json"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{bad}:4: start:" in err[0] and "frame 24" in err[0]


# ----------------------------------------------------------------------------- load_film
def test_load_film_attaches_clipped_dialogue() -> None:
    film = load_film(FIX / "features.fountain", FIX / "cues.txt")
    assert film.title == "Fixture Film" and film.fps == "24" and film.start_tc == "01:00:00:00"
    assert len(film.scenes) == 4 and {c.name for c in film.characters} >= {"MARA", "TOM"}
    cue = film.cue("1M1")  # 10.0 - 42.5 s
    assert cue.dialogue, "the fixture's speeches fall inside 1M1"
    for d in cue.dialogue:
        assert cue.start_s <= d.start_s < d.end_s <= cue.end_s
    # the clipped spans are the screenplay's speeches cut to the cue
    from assistant.importers import load_screenplay

    spans = load_screenplay(FIX / "features.fountain").dialogue
    inside = [s for s in spans if s.end_s > cue.start_s and s.start_s < cue.end_s]
    assert [d.text for d in cue.dialogue] == [s.text for s in inside]
    assert load_film(FIX / "features.fountain").cues == []
    with pytest.raises(InputError):
        load_film(None, None)


# ----------------------------------------------------------------------------- round trips
_CUE_IDS = st.builds(lambda reel, n, s: f"{reel}M{n}{'s' if s else ''}",
                     st.integers(1, 9), st.integers(1, 30), st.booleans())
_WORDS = st.text(alphabet=st.sampled_from("abcdefghij KLMNOP,.'-"), min_size=0, max_size=24
                 ).map(lambda s: " ".join(s.split()))
_RATES = st.sampled_from(["23.976", "24", "25", "29.97 DF", "29.97", "30", "59.94 DF"])


@st.composite
def spotting_lists(draw: st.DrawFn) -> SpottingList:
    rate = FrameRate.parse(draw(_RATES))
    start_f = tc_to_frames(frames_to_tc(draw(st.integers(0, 2 * 3600 * 24)), rate), rate)
    ids = draw(st.lists(_CUE_IDS, min_size=1, max_size=5, unique_by=lambda s: s.lower()))
    cues = []
    t = start_f + draw(st.integers(0, 500))
    for cid in ids:
        length = draw(st.integers(1, 4000))
        s_f, e_f = t, t + length
        hits = []
        for hf in sorted(draw(st.lists(st.integers(s_f, e_f), max_size=3))):
            hits.append(Hit(time_s=float((hf - start_f) / rate.fps), tc=frames_to_tc(hf, rate),
                            label=draw(_WORDS), important=draw(st.booleans()),
                            landing=draw(st.sampled_from(["downbeat", "beat", "free"])),
                            tolerance_frames=float(draw(st.integers(0, 4))),
                            weight=draw(st.sampled_from([0.5, 1.0, 2.0, 3.0]))))
        source = cid.endswith("s")
        fn = "source" if source else draw(st.one_of(st.none(), st.sampled_from(CUE_FUNCTIONS)))
        cues.append(Cue(id=cid, start_s=float((s_f - start_f) / rate.fps),
                        end_s=float((e_f - start_f) / rate.fps), title=draw(_WORDS),
                        start_tc=frames_to_tc(s_f, rate), end_tc=frames_to_tc(e_f, rate),
                        function=fn, hits=hits, notes=draw(_WORDS), source=source))
        t = e_f + draw(st.integers(0, 2000))  # no overlaps
    return SpottingList(title="Round Trip", rate=rate, start_tc=frames_to_tc(start_f, rate),
                        cues=cues, warnings=[], path="")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spotting_lists())
def test_text_and_csv_round_trip(spot: SpottingList) -> None:
    text = parse_spotting_text(format_spotting_text(spot), "rt.txt")
    csv_ = parse_spotting_csv(format_spotting_csv(spot), "rt.csv")
    want = [asdict(c) for c in spot.cues]
    for got in (text, csv_):
        assert got.rate == spot.rate and got.start_tc == spot.start_tc and got.title == spot.title
        assert got.warnings == []
        assert [asdict(c) for c in got.cues] == want


SPOT_HEAD = "TITLE: T\nFPS: 24\nSTART: 01:00:00:00\n\n"


@pytest.mark.parametrize(
    ("name", "content", "where", "says"),
    [
        ("garbage.fountain", (FIX / "garbage.txt").read_bytes(), None, "binary"),
        ("empty.fountain", b"", None, "empty"),
        ("utf16.fountain", (FIX / "utf16.txt").read_bytes(), None, ""),
        ("latin1.fountain", (FIX / "latin1.fountain").read_bytes(), ":", "UTF-8"),
        ("broken.fdx", (FIX / "broken.fdx").read_bytes(), ":", ""),
    ],
)
def test_cli_bad_screenplays_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                   content: bytes, where: str | None, says: str) -> None:
    """Garbage, empty, wrong-encoding and malformed scripts: one line naming the file, exit 2."""
    from assistant.cli.main import run

    f = tmp_path / name
    f.write_bytes(content)
    assert run(["analyze", str(f), "--json"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(f) in err[0] and says in err[0], err
    if where:
        assert f"{f}:" in err[0] and err[0].split(f"{f}:")[1][:1].isdigit(), "no line number"


@pytest.mark.parametrize(
    ("body", "line", "field"),
    [
        ("1M1 01:00:10:24 - 01:00:20:00 A\n", 5, "start"),
        ("1M1 01:00:20:00 - 01:00:10:00 A\n", 5, "end"),
        ("1M1 01:00:10:00 - 01:00:20:00 A\nHIT 01:00:30:00 late\n", 6, "hit"),
        ("1M1 01:00:10:00 - 01:00:20:00 A\n\n1M1 01:00:30:00 - 01:00:40:00 B\n", 7, "cue"),
    ],
)
def test_cli_bad_spotting_lists_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       body: str, line: int, field: str) -> None:
    """Bad timecodes, end before start, hits outside the cue, duplicate ids: file:line: field."""
    from assistant.cli.main import run

    bad = _write(tmp_path, "bad.txt", SPOT_HEAD + body)
    assert run(["analyze", str(FIX / "features.fountain"), "--spotting", str(bad), "--json"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{bad}:{line}: {field}" in err[0], err
