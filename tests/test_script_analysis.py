"""Script-level analysis on the real screenplays in ../shared/data/screenplays/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.cli.main import run
from assistant.project import CUE_FUNCTIONS

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "screenplays"
BIG_FISH = DATA / "Big-Fish.fountain"

from conftest import shared_screenplay  # noqa: E402 - skips when ../shared is absent

importers = pytest.importorskip("assistant.importers", reason="screenplay importer not "
                                "committed yet")
from assistant.analysis.script import (  # noqa: E402 - after the importorskip guard
    MAX_SCORED_FRACTION,
    analyze_files,
    analyze_script,
)

CUE_ID = re.compile(r"^\d+M\d+$")


def _classifier_ready() -> bool:
    try:
        from assistant.analysis.classify import load_head

        load_head()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not shipped yet"
        return False


@pytest.fixture(scope="module")
def big_fish():
    """Big Fish analysed once for the module (the embedding model loads once)."""
    if not BIG_FISH.is_file():
        pytest.skip(f"{BIG_FISH} missing")
    return analyze_script(importers.load_screenplay(BIG_FISH))


def _check_functions(funcs: list[tuple[str, float]]) -> None:
    assert sorted(k for k, _ in funcs) == sorted(CUE_FUNCTIONS)
    ps = [p for _, p in funcs]
    assert ps == sorted(ps, reverse=True)
    assert abs(sum(ps) - 1) < 1e-3


def test_big_fish_scenes_and_main_characters(big_fish):
    assert len(big_fish.scenes) == 190
    assert big_fish.main_characters[:2] == ["EDWARD", "WILL"]
    assert {"SANDRA", "JENNY"} & set(big_fish.main_characters)
    edward = big_fish.characters[0]
    assert 0.3 < edward.dialogue_share < 0.7 and edward.scene_share > 0.3
    # age variants fold into the character ("ADULT EDWARD" is Edward)
    assert "ADULT EDWARD" in edward.aliases
    assert "ADULT EDWARD" not in [c.name for c in big_fish.characters]


def test_big_fish_leitmotif_candidates(big_fish):
    cands = big_fish.leitmotif_candidates
    kinds = {m.kind for m in cands}
    assert {"character", "place", "object"} <= kinds
    names = {m.name.lower() for m in cands}
    assert {"river", "fish"} & names  # the film's central image
    scene_count = len(big_fish.scenes)
    char_words = {w.lower() for c in big_fish.characters for w in c.name.split()}
    for m in cands:
        assert m.scenes == sorted(set(m.scenes)) and len(m.scenes) >= 2
        assert all(0 <= s < scene_count for s in m.scenes)
        if m.kind in ("object", "idea"):
            assert m.name.lower() not in char_words
    non_char = [m for m in cands if m.kind != "character"]
    assert [m.score for m in non_char] == sorted((m.score for m in non_char), reverse=True)
    # plurals fold: never both "fish" and "fishes", "story" and "stories"
    assert not {"stories", "fishes", "rivers"} & names


def test_big_fish_emotional_curve(big_fish):
    curve = big_fish.emotional_curve
    assert [p.scene_index for p in curve] == list(range(190))
    for p in curve:
        assert -1 <= p.valence <= 1 and -1 <= p.arousal <= 1 and 0 <= p.tension <= 1
        assert 0 <= p.dialogue_fraction <= 1
    starts = [p.start_s for p in curve]
    assert starts == sorted(starts)
    assert len({round(p.tension, 2) for p in curve}) > 10  # it moves


def test_big_fish_spot_proposals_leave_room(big_fish):
    cues = big_fish.cues
    assert big_fish.proposed and len(cues) >= 10
    assert len({c.id for c in cues}) == len(cues)
    assert all(CUE_ID.match(c.id) for c in cues)
    assert cues[0].id == "1M1" and cues[0].start_s == 0.0
    assert cues[0].function == "bookend"
    assert big_fish.scored_fraction <= MAX_SCORED_FRACTION + 0.05
    for a, b in zip(cues, cues[1:], strict=False):
        assert a.end_s <= b.start_s + 1e-6
    for c in cues:
        assert c.proposed and c.reason and c.end_s > c.start_s
        _check_functions(c.functions)
        assert c.function == c.functions[0][0]
        assert set(c.mood) >= {"valence", "arousal", "tension", "tags"}
        for d in c.dialogue:  # dialogue spans are clipped to the cue
            assert c.start_s <= d.start_s <= d.end_s <= c.end_s
    # silences fill the rest and never overlap a cue
    assert big_fish.silences
    for s in big_fish.silences:
        assert s.reason
        assert all(s.end_s <= c.start_s + 1e-6 or s.start_s >= c.end_s - 1e-6 for c in cues)
    covered = sum(c.end_s - c.start_s for c in cues) + sum(s.end_s - s.start_s
                                                          for s in big_fish.silences)
    # the end title runs on over the end credits, past the script's last page
    runtime = max(big_fish.duration_s, cues[-1].end_s)
    assert covered == pytest.approx(runtime, rel=0.02)


def test_big_fish_uses_the_classifier(big_fish):
    if not _classifier_ready():
        pytest.skip("the cue classifier's head is not shipped yet (models/analysis)")
    assert "classifier" in big_fish.model
    assert not big_fish.warnings
    funcs = {c.function for c in big_fish.cues}
    assert len(funcs) >= 3  # proposals are not all one function


@pytest.mark.parametrize("name,expect", [
    ("Brick-and-Steel.fountain", {"BRICK", "STEEL"}),
    ("TestFDX-FD.fdx", set()),
    ("TestFDX-FI.fdx", set()),
])
def test_other_screenplays(name, expect):
    sp = importers.load_screenplay(shared_screenplay(name))
    a = analyze_script(sp)
    assert len(a.scenes) == len(sp.scenes) and len(a.emotional_curve) == len(sp.scenes)
    assert expect <= set(a.main_characters)
    assert a.main_characters
    d = json.loads(json.dumps(a.to_dict()))
    assert len(d["scenes"]) == len(sp.scenes)


def test_characters_without_the_classifier():
    """Character ranking is pure counting (no model): The Last Birthday Card."""
    from assistant.analysis.script import _characters

    sp = importers.load_screenplay(shared_screenplay("The-Last-Birthday-Card.fountain"))
    chars = _characters(sp)
    assert chars[0].name == "SCOTT" and chars[0].main
    assert [c.score for c in chars] == sorted((c.score for c in chars), reverse=True)
    assert abs(sum(c.dialogue_share for c in chars) - 1) < 1e-6


SPOTTING = """TITLE: Brick & Steel
FPS: 24
START: 01:00:00:00

1M1 01:00:00:00 - 01:00:40:00 Retirement
Two old cops drink to retirement on the patio, a long awkward beat.
FUNCTION: comedy

1M2 01:01:05:00 - 01:01:50:00 The Boy Band
The crooks count the take from their last smash-and-grab; a tense, dangerous vibe.
HIT! 01:01:12:06 the door bursts open [downbeat, tol 2, weight 2]
HIT 01:01:40:00 the money hits the floor [free, tol 3]
"""


def test_given_spotting_list(tmp_path):
    spot = tmp_path / "brick.txt"
    spot.write_text(SPOTTING, encoding="utf-8")
    a = analyze_files(shared_screenplay("Brick-and-Steel.fountain"), spot)
    assert not a.proposed and a.silences == []
    assert [c.id for c in a.cues] == ["1M1", "1M2"]
    c1, c2 = a.cues
    assert c1.function == "comedy" and c1.function_from == "spotting list"
    assert c2.function == c2.functions[0][0]
    for c in a.cues:
        _check_functions(c.functions)
        assert not c.proposed and c.start_tc.startswith("01:0")
        assert c.scenes
        for d in c.dialogue:
            assert c.start_s <= d.start_s <= d.end_s <= c.end_s
    assert c1.dialogue, "the patio scene is full of dialogue"


def test_cli_analyze_json_contract(tmp_path, capsys):
    spot = tmp_path / "brick.txt"
    spot.write_text(SPOTTING, encoding="utf-8")
    assert run(["analyze", str(shared_screenplay("Brick-and-Steel.fountain")), "--json", "-q"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    d = json.loads(out)
    for key in ("scenes", "characters", "leitmotif_candidates", "emotional_curve", "cues",
                "silences"):
        assert key in d
    s0 = d["scenes"][0]
    assert {"heading", "int_ext", "location", "time_of_day", "start_s", "duration_s"} <= set(s0)
    for c in d["cues"]:
        assert {"id", "start_s", "end_s", "function", "functions", "mood", "dialogue", "reason",
                "proposed"} <= set(c)
        assert len(c["functions"]) == 12 and c["functions"][0]["label"] == c["function"]
    for p in d["emotional_curve"]:
        assert {"scene_index", "start_s", "valence", "arousal", "tension"} <= set(p)
    assert run(["analyze", str(shared_screenplay("Brick-and-Steel.fountain")), "--spotting", str(spot), "--json", "-q"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in d["cues"]] == ["1M1", "1M2"]
    assert d["cues"][0]["start_tc"] == "01:00:00:00"
    assert all(c["proposed"] is False for c in d["cues"])
    # everything the spotting list gave comes back, hits included
    assert d["cues"][0]["hits"] == []
    h1, h2 = d["cues"][1]["hits"]
    assert h1 == {"time_s": 72.25, "cue_time_s": 7.25, "tc": "01:01:12:06", "label": "the door bursts open",
                  "weight": 2.0, "important": True, "landing": "downbeat",
                  "tolerance_frames": 2.0}
    assert (h2["time_s"], h2["landing"], h2["tolerance_frames"], h2["important"]) == (
        100.0, "free", 3.0, False)
    assert d["cues"][0]["given_function"] == "comedy"
    assert "awkward beat" in d["cues"][0]["notes"]


def test_cli_analyze_readable_and_errors(tmp_path, capsys):
    assert run(["analyze", str(shared_screenplay("Brick-and-Steel.fountain")), "-q"]) == 0
    out = capsys.readouterr().out
    assert "Main characters" in out and "BRICK" in out
    assert run(["analyze", str(tmp_path / "missing.fountain"), "--json"]) == 2
    empty = tmp_path / "empty.fountain"
    empty.write_text("", encoding="utf-8")
    assert run(["analyze", str(empty), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("scoring-assistant: error") == 2


def test_script_without_headings_is_one_scene(tmp_path):
    f = tmp_path / "noscene.fountain"
    f.write_text("Title: x\n\nA man walks into a bar.\n\nBOB\nHello there.\n\nALICE\nHi Bob.\n",
                 encoding="utf-8")
    a = analyze_files(f)
    assert len(a.scenes) == 1 and len(a.emotional_curve) == 1
    assert any("no scene headings" in w for w in a.warnings)
    assert a.cues and a.cues[0].id == "1M1" and len(a.cues[0].dialogue) == 2


# ============================================================================ leitmotif candidates
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "the-keepers-light"


def _non_char(cands, n=None):
    out = [m for m in cands if m.kind != "character"]
    return out if n is None else out[:n]


@pytest.fixture(scope="module")
def keepers():
    """The example film with its spotting list, analysed once for the module."""
    return analyze_files(EXAMPLE / "screenplay.fountain", EXAMPLE / "spotting.txt")


def test_example_film_motifs_a_composer_would_theme(keepers):
    top = _non_char(keepers.leitmotif_candidates, 10)
    names = [m.name.lower() for m in top]
    assert "lighthouse" in names
    assert {"music box", "waltz"} & set(names)
    assert "handle" in names and "letter" in names
    assert not {"turn", "like", "len", "hill", "way"} & set(names)
    every = {m.name.lower() for m in keepers.leitmotif_candidates}
    assert not {"len", "like"} & every  # no bad singular, no preposition as an object
    by = {m.name.lower(): m for m in keepers.leitmotif_candidates}
    light = by["lighthouse"]
    assert light.kind == "place" and light.scenes[0] == 0 and light.spread > 0.8
    # scene-heading sub-locations fold into the one place
    assert {"Lighthouse Gallery", "Lighthouse Stairwell"} <= set(light.forms)
    assert not any(m.name.lower().startswith("lighthouse ") for m in keepers.leitmotif_candidates)
    assert any("lighthouse theme" in e for e in light.evidence)  # the spotting list names it
    assert "lighthouse theme" in light.why and "scene headings" in light.why
    handle = by["handle"]  # crank handle / winding handle / the handle: one candidate
    assert {"winding handle", "brass crank handle"} & set(handle.forms)
    assert not {"crank handle", "winding handle"} & every
    # a named goat that trots and butts but never speaks is a character, not a prop
    assert by["admiral"].kind == "character"
    # "the love theme" in a spotting note makes love an idea even where no line says it
    assert by["love"].kind == "idea" and any("love theme" in e for e in by["love"].evidence)
    for m in keepers.leitmotif_candidates:
        assert m.why and m.scenes == sorted(set(m.scenes)) and m.mentions >= 0
        assert m.kind in ("character", "object", "place", "idea")


def test_big_fish_motifs_beat_generic_nouns(big_fish):
    top = _non_char(big_fish.leitmotif_candidates, 15)
    names = {m.name.lower() for m in top}
    assert "spectre" in names and "fish" in names and "river" in names
    assert {"eye", "witch"} & names
    assert any(n.endswith("ring") for n in names)  # the wedding ring
    assert not {"way", "turn", "like", "thing", "look", "trying", "smiling"} & names
    scores = [m.score for m in _non_char(big_fish.leitmotif_candidates)]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("plural,singular", [
    ("lens", "lens"), ("glass", "glass"), ("bus", "bus"), ("chess", "chess"),
    ("news", "news"), ("series", "series"), ("boxes", "box"), ("witches", "witch"),
    ("stories", "story"), ("waves", "wave"), ("wolves", "wolf"), ("lenses", "lens"),
    ("biscuits", "biscuit"), ("movies", "movie"), ("rocks", "rock"), ("eyes", "eye"),
])
def test_singular(plural, singular):
    from assistant.analysis.script import _singular

    assert _singular(plural) == singular


TINY = """Title: Tiny

INT. OBSERVATORY - NIGHT

Mara unpacks the theodolite. She turns the paper over.

MARA
I'll take the crank handle.

EXT. FIELD - DAY

The theodolite stands on the grass. Mara folds the paper.

[[MUSIC: the theodolite theme, quiet and patient.]]

INT. KITCHEN - DAY

Mara eats soup. Nothing else happens here at all.

INT. OBSERVATORY - NIGHT

The theodolite again. She smooths the paper flat and fits the winding handle.

MARA
The handle is stiff.
"""


def _tiny_motifs(tmp_path, text=TINY):
    from assistant.analysis.script import _characters, _motifs

    f = tmp_path / "tiny.fountain"
    f.write_text(text, encoding="utf-8")
    sp = importers.load_screenplay(f)
    return _motifs(sp, _characters(sp), sp.duration_s())


def test_rare_object_beats_common_word(tmp_path):
    """The theodolite and the paper both recur in the same three scenes; only keyness
    (the theodolite is rare in English, paper is not) can tell them apart."""
    cands = _non_char(_tiny_motifs(tmp_path))
    names = [m.name for m in cands]
    assert "theodolite" in names
    theo = cands[names.index("theodolite")]
    assert theo.scenes == [0, 1, 3] and theo.mentions == 3
    if "paper" in names:
        paper = cands[names.index("paper")]
        assert paper.scenes == theo.scenes
        assert paper.score < theo.score
    assert "turn" not in names  # "she turns the paper": a verb
    # the [[note]] names its theme
    assert any("theodolite theme" in e for e in theo.evidence)
    # handle / crank handle / winding handle fold into one candidate
    handles = [m for m in cands if m.name.endswith("handle")]
    assert len(handles) == 1 and handles[0].mentions == 3


def test_rare_object_beats_common_word_without_notes(tmp_path):
    """The same without the music note: keyness alone decides."""
    cands = _non_char(_tiny_motifs(tmp_path, TINY.replace(
        "[[MUSIC: the theodolite theme, quiet and patient.]]", "")))
    names = [m.name for m in cands]
    assert names.index("theodolite") < (names.index("paper") if "paper" in names else 99)
    theo = cands[names.index("theodolite")]
    assert not theo.evidence and "as common as in everyday English" in theo.why


# ----------------------------------------------------------------------------- proposals (issue 10)
def test_example_film_proposals_score_what_the_script_marks(tmp_path):
    """From the script alone: the music box, the kiss and the climax are scored, a sting is
    seconds long, and the end title runs over credits."""
    a = analyze_files(EXAMPLE / "screenplay.fountain")
    scored = {i for c in a.cues for i in c.scenes}
    assert {3, 4} <= scored  # the music box and the letter; the kiss on the gallery
    assert scored & {9, 10, 12}  # the chase over the rocks / the lamp turning
    for c in a.cues:
        if c.function == "sting":
            assert c.end_s - c.start_s <= 8.0, c
    end = a.cues[-1]
    assert 16 in end.scenes and end.function == "bookend"
    assert end.end_s - a.duration_s >= 60.0
    assert "end credits" in end.reason


@pytest.mark.parametrize("name", ["Big-Fish.fountain", "Brick-and-Steel.fountain",
                                  "The-Last-Birthday-Card.fountain"])
def test_real_screenplay_proposals(name, request):
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"{path} missing")
    # Big Fish is analysed once for the module (the fixture); the short ones here
    a = request.getfixturevalue("big_fish") if name == "Big-Fish.fountain" else analyze_files(path)
    end = a.cues[-1]
    assert end.end_s - a.duration_s >= 60.0, "an end title runs as long as credits do"
    if a.duration_s > 3600:
        assert end.end_s - a.duration_s >= 240.0
    for c in a.cues:
        if c.function == "sting":
            assert c.end_s - c.start_s <= 8.0
    if a.duration_s > 600:  # (a 3-minute excerpt is mostly titles and credits)
        assert a.scored_fraction <= 0.62
    from assistant.analysis.markers import scene_marks
    from assistant.importers import load_screenplay

    sp = load_screenplay(path)
    kisses = [s.index for s in sp.scenes
              if "kiss" in scene_marks(sp.scene_elements(s.index)).marks]
    scored = {i for c in a.cues for i in c.scenes}
    if kisses:
        assert set(kisses) & scored
