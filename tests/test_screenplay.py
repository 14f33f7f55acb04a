"""Screenplays: the real Fountain and FDX files, every Fountain feature, the timeline estimate."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest
from conftest import shared_screenplay  # noqa: E402 - skips when ../shared is absent
from hypothesis import given, settings
from hypothesis import strategies as st

import assistant.importers.screenplay as spmod
from assistant.errors import InputError
from assistant.importers import load_screenplay
from assistant.importers.screenplay import (
    LINES_PER_PAGE,
    SECONDS_PER_LINE,
    SECONDS_PER_PAGE,
    Screenplay,
    parse_fountain,
    parse_heading,
    split_character_cue,
)

FIX = Path(__file__).resolve().parent / "fixtures" / "importers"


def test_doctests() -> None:
    assert doctest.testmod(spmod).failed == 0


@pytest.fixture(scope="module")
def big_fish() -> Screenplay:
    return load_screenplay(shared_screenplay("Big-Fish.fountain"))


# ----------------------------------------------------------------------------- real scripts
def test_big_fish_has_190_scenes(big_fish: Screenplay) -> None:
    assert len(big_fish.scenes) == 190
    assert big_fish.title == "Big Fish"
    assert big_fish.title_page["author"] == "John August"
    first, last = big_fish.scenes[0], big_fish.scenes[-1]
    assert (first.int_ext, first.location, first.time_of_day) == ("INT", "WILL'S BEDROOM",
                                                                 "NIGHT (1973)")
    assert (last.int_ext, last.location) == ("EXT", "RIVER / UNDERWATER")
    # EXT/INT. is not a heading prefix in the Fountain spec; its two lines stay action
    assert not any(s.heading.startswith("EXT/INT") for s in big_fish.scenes)
    names = [c.name for c in big_fish.characters]
    assert names[:3] == ["EDWARD", "WILL", "SANDRA"]  # most speeches first
    edward = big_fish.character("Edward (V.O.)")
    assert edward.dialogue_lines > 250 and edward.dialogue_words > 4000
    assert "EDWARD (V.O.)" in edward.aliases


def test_real_fountain_lines_point_at_the_source(big_fish: Screenplay) -> None:
    """Every heading, cue and transition names the line it was read from."""
    src = (shared_screenplay("Big-Fish.fountain")).read_text(encoding="utf-8").split("\n")
    checked = 0
    for e in big_fish.elements:
        if e.kind in ("scene_heading", "character", "transition"):
            assert e.text in src[e.line - 1], (e.line, e.text)
            checked += 1
    assert checked > 900


def test_brick_and_steel_counts_forced_headings() -> None:
    s = load_screenplay(shared_screenplay("Brick-and-Steel.fountain"))
    assert [sc.heading for sc in s.scenes] == [
        "EXT. BRICK'S PATIO - DAY", "INT. TRAILER HOME - DAY", "EXT. BRICK'S POOL - DAY",
        "SNIPER SCOPE POV", "OPENING TITLES", "EXT. WOODEN SHACK - DAY", "INT. GARAGE - DAY",
        "EXT. PALATIAL MANSION - DAY"]
    assert [sc.int_ext for sc in s.scenes][3:5] == ["", ""]
    assert s.title_page["title"] == "BRICK & STEEL\nFULL RETIRED"  # emphasis stripped
    dual = [e for e in s.elements if e.dual and e.kind == "character"]
    assert [e.character for e in dual] == ["STEEL", "BRICK"]
    assert dual[0].start_s == dual[1].start_s
    # indented cues and transitions (tabs) are still cues and transitions
    jack = next(e for e in s.elements if e.character == "JACK" and e.kind == "parenthetical")
    assert jack.text == "(in Vietnamese, subtitled)"
    kinds = [(e.kind, e.text) for e in s.elements]
    assert ("transition", "BURN TO PINK.") in kinds and ("centered", "THE END") in kinds
    assert ("dialogue", "Did you know Brick and Steel are retired?") in kinds


@pytest.mark.parametrize("name", ["TestFDX-FD.fdx", "TestFDX-FI.fdx"])
def test_real_fdx(name: str) -> None:
    """Final Draft and Fade In exports of the same two-scene script read the same.

    The files hold two ``Scene Heading`` paragraphs each (Number="1" and "2"); the
    issue's "3" counts the string ``Scene Heading`` once more, in ``ElementSettings``.
    """
    s = load_screenplay(shared_screenplay(name))
    assert [sc.heading for sc in s.scenes] == ["INT. RADIO STUDIO", "EXT. OUTSIDE THE FOOD STORE"]
    assert [c.name for c in s.characters] == ["DAVE", "DJ", "JIM", "KAY"]
    jim = next(e for e in s.elements if e.kind == "character" and e.character == "JIM")
    assert jim.extension == "O.S."
    assert [e.kind for e in s.elements] == [
        "scene_heading", "action", "character", "parenthetical", "dialogue", "action",
        "character", "dialogue", "character", "dialogue", "transition", "scene_heading",
        "action", "character", "dialogue", "transition"]
    assert s.title_page["title"] == "FDX Test Script"
    assert s.scene_text(1) == ("We are standing outside the food store. Kay is looking at the "
                               "posters in the window.\nMaybe there's a job for me here.")


def test_last_birthday_card_reads_sensibly() -> None:
    s = load_screenplay(shared_screenplay("The-Last-Birthday-Card.fountain"))
    assert len(s.scenes) == 48  # 25 INT/EXT headings + 23 forced '.' headings
    assert s.title == "THE LAST BIRTHDAY CARD"
    assert [c.name for c in s.characters[:3]] == ["SCOTT", "BAXTER", "NAK"]
    sections = [n.text for n in s.notes if n.kind == "section"]
    assert sections[:3] == ["ACT I", "Meet Scott", "Scott's SF Apartment"]
    assert "Scott and Nak Meet on the Job" in sections  # trailing '##' stripped
    assert any(n.kind == "synopsis" and n.text.startswith("Meet the players") for n in s.notes)
    assert s.scenes[0].time_of_day == "DAY"  # comma-separated heading
    assert 15 < s.pages() < 25


# ----------------------------------------------------------------------------- features
EXPECTED_KINDS = [
    "section", "synopsis", "action", "scene_heading", "action", "note",
    "character", "parenthetical", "dialogue",
    "character", "dialogue", "character", "dialogue", "character", "dialogue",
    "character", "dialogue", "character", "dialogue", "note", "transition",
    "scene_heading", "action", "lyric", "lyric", "centered",
    "scene_heading", "action", "character", "dialogue", "transition", "page_break",
    "scene_heading", "action",
]


@pytest.fixture(scope="module")
def features() -> Screenplay:
    return load_screenplay(FIX / "features.fountain")


def test_feature_fixture_element_kinds(features: Screenplay) -> None:
    assert [e.kind for e in features.elements] == EXPECTED_KINDS


def test_feature_fixture_details(features: Screenplay) -> None:
    s = features
    assert s.title == "The Feature Test"
    assert s.title_page["contact"] == "tests@example.invalid\nNowhere Street 1"
    # scene headings: numbered, forced, I/E, lower-case
    assert [(sc.heading, sc.int_ext, sc.line) for sc in s.scenes] == [
        ("EXT. LIGHTHOUSE - NIGHT", "EXT", 15), ("FLASHBACK - THE HARBOUR", "", 48),
        ("I/E CAR - MOVING - DAY", "INT/EXT", 57), ("int. cellar - later", "INT", 68)]
    assert s.scenes[2].location == "CAR - MOVING" and s.scenes[2].time_of_day == "DAY"
    by_kind: dict[str, list] = {}
    for e in s.elements:
        by_kind.setdefault(e.kind, []).append(e)
    # notes are extracted (inline and multi-line) and kept out of the action text
    assert [(n.text, n.line, n.scene_index) for n in s.notes if n.kind == "note"] == [
        ("Music: low drone starts here", 17, 0), ("A note that spans two lines", 43, 0)]
    assert by_kind["action"][1].text == "Rain lashes the glass. MARA (60s) climbs the stair."
    # boneyard is gone
    assert not any("spans blank lines" in e.text or "is cut" in e.text for e in s.elements)
    # dialogue, parentheticals, extensions
    mara = by_kind["character"][0]
    assert (mara.text, mara.line, mara.character) == ("MARA", 23, "MARA")
    assert by_kind["parenthetical"][0].text == "(breathless)"
    assert by_kind["dialogue"][0].text == "One more turn.\nJust one."
    tom = by_kind["character"][1]
    assert (tom.character, tom.extension) == ("TOM", "O.S.")
    assert by_kind["character"][2].extension == "CONT'D"
    assert by_kind["character"][3].character == "MCCLANE"  # forced with @, mixed case
    # dual dialogue: both speeches flagged and simultaneous
    brick, steel = by_kind["character"][4], by_kind["character"][5]
    assert brick.dual and steel.dual and brick.start_s == steel.start_s
    assert [t.text for t in by_kind["transition"]] == ["CUT TO:", "FADE OUT."]
    assert by_kind["action"][2].text == "ALL CAPS ACTION THAT IS FORCED"
    assert [x.text for x in by_kind["lyric"]] == ["Row, row, row your boat",
                                                 "Gently down the stream"]
    assert by_kind["centered"][0].text == "THE END OF THE BEGINNING"
    assert by_kind["action"][3].text == "Underlined and italic and bold italic words."
    assert by_kind["dialogue"][-1].text == "I never said that."
    assert [(n.kind, n.text) for n in s.notes if n.kind != "note"] == [
        ("section", "ACT ONE"), ("synopsis", "The keeper wakes up and the storm arrives.")]
    # characters: speeches, words, scenes (speaking, or named in capitals in action)
    chars = {c.name: c for c in s.characters}
    assert set(chars) == {"MARA", "TOM", "MCCLANE", "BRICK", "STEEL"}
    assert (chars["MARA"].dialogue_lines, chars["MARA"].dialogue_words) == (2, 10)
    assert chars["TOM"].scenes == [0, 2]
    assert s.scene_text(2) == "Underlined and italic and bold italic words.\nI never said that."
    with pytest.raises(InputError, match="no scene 9"):
        s.scene_text(9)


def test_to_dict_is_json(features: Screenplay) -> None:
    d = json.loads(json.dumps(features.to_dict(elements=True)))
    assert len(d["scenes"]) == 4 and len(d["characters"]) == 5
    assert d["scenes"][0]["heading"] == "EXT. LIGHTHOUSE - NIGHT"
    assert {"name", "dialogue_lines", "dialogue_words", "scenes"} <= set(d["characters"][0])
    assert len(d["elements"]) == len(EXPECTED_KINDS)


def test_fdx_dual_dialogue_notes_and_title() -> None:
    s = load_screenplay(FIX / "dual.fdx")
    assert s.title == "Diner Night" and "Written by Tests" in s.title_page["text"]
    assert [sc.heading for sc in s.scenes] == ["INT. DINER - NIGHT", "EXT. PARKING LOT - CONTINUOUS"]
    assert s.scenes[1].time_of_day == "CONTINUOUS"
    dual = [e for e in s.elements if e.dual]
    assert [(e.kind, e.character) for e in dual] == [
        ("character", "RUTH"), ("dialogue", "RUTH"), ("character", "SAM"), ("dialogue", "SAM")]
    assert dual[0].start_s == dual[2].start_s  # side by side
    assert dual[2].extension == "V.O."
    # the longer of the pair (SAM's two lines) sets where the next element starts
    nxt = s.elements[s.elements.index(dual[3]) + 1]
    assert nxt.start_s == pytest.approx(dual[3].start_s + dual[3].dur_s)
    assert nxt.kind == "action" and nxt.text == "CLOSE ON THE JUKEBOX"  # Shot reads as action
    # styled <Text> runs are joined
    assert s.elements[2].text == "The jukebox plays. RUTH and SAM stare at each other."
    assert [n.text for n in s.notes] == ["Music: the jukebox song should be the love theme."]
    sam = s.character("SAM")
    assert sam.dialogue_lines == 2 and sam.scenes == [0, 1]
    assert len(s.dialogue) == 4


# ----------------------------------------------------------------------------- timeline
def test_layout_arithmetic() -> None:
    """Lines of a standard page: 120 characters of action wrap to 2 lines + 1 blank."""
    words = " ".join(["abcd"] * 24)  # 119 characters
    s = parse_fountain(f"INT. ROOM - DAY\n\n{words}\n\nBOB\n{words}\n")
    heading, action, cue, speech = s.elements
    assert heading.dur_s == pytest.approx(3 * SECONDS_PER_LINE)
    assert action.dur_s == pytest.approx(3 * SECONDS_PER_LINE)
    assert cue.dur_s == pytest.approx(2 * SECONDS_PER_LINE)
    assert speech.dur_s == pytest.approx(4 * SECONDS_PER_LINE)  # 35-character lines
    assert s.duration_s() == pytest.approx(12 * SECONDS_PER_PAGE / LINES_PER_PAGE)
    assert s.dialogue[0].start_s == speech.start_s and s.dialogue[0].end_s == s.duration_s()


def _check_timeline(s: Screenplay) -> None:
    starts = [sc.start_s for sc in s.scenes]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    total = s.duration_s()
    assert sum(sc.duration_s for sc in s.scenes) == pytest.approx(total - starts[0])
    prev = 0.0
    for e in s.elements:
        if e.dual:  # the second of a dual pair goes back to the first's start
            continue
        assert e.start_s >= prev - 1e-9, e
        prev = e.start_s
    for d in s.dialogue:
        assert 0 <= d.start_s < d.end_s <= total


@pytest.mark.parametrize("name", ["Big-Fish.fountain", "Brick-and-Steel.fountain",
                                  "The-Last-Birthday-Card.fountain", "TestFDX-FD.fdx"])
def test_timeline_monotonic(name: str) -> None:
    _check_timeline(load_screenplay(shared_screenplay(name)))


def test_big_fish_runs_about_two_hours(big_fish: Screenplay) -> None:
    """Page-per-minute estimate: the film runs 125 minutes; the estimate should be near."""
    assert 105 * 60 < big_fish.duration_s() < 140 * 60
    assert big_fish.pages() == pytest.approx(big_fish.duration_s() / 60)


_NAME = st.text(alphabet="ABCDGHKLMNOPRUVWY", min_size=2, max_size=8)
_LINE = st.lists(st.sampled_from(["well", "no", "the", "light", "is", "out", "again,", "yes."]),
                 min_size=1, max_size=30).map(" ".join)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(_NAME, _LINE), min_size=1, max_size=12))
def test_generated_speeches_round_trip(speeches: list[tuple[str, str]]) -> None:
    text = "INT. ROOM - DAY\n\n" + "".join(f"{n}\n{t}\n\n" for n, t in speeches)
    s = parse_fountain(text)
    assert [(d.character, d.text) for d in s.dialogue] == speeches
    assert all(a.end_s <= b.start_s + 1e-9 for a, b in zip(s.dialogue, s.dialogue[1:],
                                                             strict=False))
    assert sum(c.dialogue_lines for c in s.characters) == len(speeches)


def test_special_lines_inside_an_action_paragraph() -> None:
    s = parse_fountain("INT. ROOM - DAY\n\nShe sings.\n~La la la\n>THE END<\n= a synopsis\n")
    assert [(e.kind, e.text) for e in s.elements] == [
        ("scene_heading", "INT. ROOM - DAY"), ("action", "She sings."), ("lyric", "La la la"),
        ("centered", "THE END"), ("synopsis", "a synopsis")]
    assert s.scenes[0].synopsis == "a synopsis"


def test_unsafe_xml_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "bomb.fdx"
    p.write_text('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                 '<!ENTITY lol2 "&lol;&lol;&lol;">]>\n<FinalDraft><Content>'
                 '<Paragraph Type="Action"><Text>&lol2;</Text></Paragraph></Content></FinalDraft>\n',
                 encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_screenplay(p)
    assert err.value.field == "xml" and str(p) in str(err.value)


# ----------------------------------------------------------------------------- small pieces
@pytest.mark.parametrize(
    ("cue", "name", "ext"),
    [("EDWARD (V.O.)(CONT'D)", "EDWARD", "V.O., CONT'D"), ("JIM (O.S.)", "JIM", "O.S."),
     ("  MARA   ", "MARA", ""), ("SAM (cont'd)", "SAM", "CONT'D"), ("STEEL ^", "STEEL", ""),
     ("DR. BENNETT CONT'D", "DR. BENNETT", "CONT'D"), ("@McClane", "MCCLANE", "")])
def test_character_normalisation(cue: str, name: str, ext: str) -> None:
    assert split_character_cue(cue) == (name, ext)


@pytest.mark.parametrize(
    ("heading", "want"),
    [("EXT. BRICK'S PATIO - DAY", ("EXT", "BRICK'S PATIO", "DAY")),
     ("INT./EXT.  BLOOM HOUSE - (PRESENT) DAY", ("INT/EXT", "BLOOM HOUSE", "(PRESENT) DAY")),
     ("EST. CITY SKYLINE -- DUSK", ("EXT", "CITY SKYLINE", "DUSK")),
     ("INT. RADIO STUDIO", ("INT", "RADIO STUDIO", ""))])
def test_heading_parts(heading: str, want: tuple[str, str, str]) -> None:
    assert parse_heading(heading) == want


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("name", "line", "words"),
    [("garbage.txt", None, "binary"), ("blank.fountain", None, "empty"),
     ("utf16.txt", None, "UTF-16"), ("latin1.fountain", 1, "UTF-8"),
     ("broken.fdx", 6, "malformed XML")])
def test_bad_screenplay_files(name: str, line: int | None, words: str) -> None:
    with pytest.raises(InputError) as err:
        load_screenplay(FIX / name)
    assert err.value.line == line and words in err.value.message
    assert str(err.value).startswith(str(FIX / name))


def test_not_final_draft_and_unknown_type(tmp_path: Path) -> None:
    p = tmp_path / "x.fdx"
    p.write_text("<?xml version='1.0'?>\n<html><body/></html>\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a Final Draft file"):
        load_screenplay(p)
    with pytest.raises(InputError, match="unknown screenplay type"):
        load_screenplay(tmp_path / "script.pdf")
    with pytest.raises(InputError, match="not found"):
        load_screenplay(tmp_path / "missing.fountain")
