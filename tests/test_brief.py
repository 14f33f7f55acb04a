"""Director briefs -> MusicBrief: negation, families, explicit numbers, references, deltas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.analysis import instruments as ins
from assistant.analysis.brief import MusicBrief, apply_delta, brief_keys, parse_brief
from assistant.cli.main import run
from assistant.errors import InputError
from assistant.project import DYNAMICS

BRASS = {"horn", "trumpet", "trombone", "tuba"}
STRINGS = set(ins.FAMILIES["strings"])


def pb(text: str, previous: MusicBrief | None = None) -> MusicBrief:
    return parse_brief(text, previous, use_model=False)


# ----------------------------------------------------------------------------- instruments
def test_vocabulary_matches_design_and_reference():
    design = ["violin", "viola", "cello", "double_bass", "harp", "flute", "piccolo", "oboe", "english_horn", "clarinet", "bass_clarinet", "bassoon", "horn", "trumpet", "trombone", "tuba", "timpani", "drums", "percussion", "glockenspiel", "piano", "celesta", "organ", "choir", "voice", "guitar", "synth_pad", "synth_bass", "synth_lead"]
    assert set(design) <= set(ins.INSTRUMENT_IDS)
    assert ins.FAMILIES["brass"] == ("horn", "trumpet", "trombone", "tuba")
    assert ins.INSTRUMENTS["violin"].comfortable == (55, 88)
    assert ins.INSTRUMENTS["tuba"].professional == (22, 72)
    assert ins.in_range("cello", 36) and not ins.in_range("cello", 35)
    for iid in ins.INSTRUMENT_IDS:
        assert 0 <= ins.gm_program(iid) <= 127
        fams = ins.families_of(iid)
        assert fams and ins.INSTRUMENTS[iid].family in fams


@pytest.mark.parametrize("phrase,ids", [
    ("French horns", ("horn",)), ("English horn", ("english_horn",)), ("cellos", ("cello",)),
    ("synths", ins.FAMILIES["electronic"]), ("woodwinds", ins.FAMILIES["woodwinds"]),
    ("drums", ("drums",)), ("choir", ("choir",)), ("guitars", ("guitar",)),
    ("percussion", ins.FAMILIES["percussion"]), ("synth bass", ("synth_bass",)),
])
def test_resolve_synonyms_and_plurals(phrase, ids):
    assert ins.resolve(phrase) == ids


# ----------------------------------------------------------------------------- negation
@pytest.mark.parametrize("text,excluded", [
    ("no drums", {"drums"}),
    ("Without strings.", STRINGS),
    ("avoid brass", BRASS),
    ("not the piano", {"piano"}),
    ("nothing electronic", {"synth_pad", "synth_bass", "synth_lead"}),
    ("lose the synths", {"synth_pad", "synth_bass", "synth_lead"}),
    ("no percussion at all", set(ins.FAMILIES["percussion"])),
    ("neither piano nor guitar", {"piano", "guitar"}),
    ("please don't use brass", BRASS),
    ("keep the drums out of it", {"drums"}),
    ("no drums, brass or synths", {"drums"} | BRASS | set(ins.FAMILIES["electronic"])),
    ("percussion-free", set(ins.FAMILIES["percussion"])),
    ("piano instead of strings", STRINGS),
])
def test_negations_exclude_and_never_include(text, excluded):
    b = pb(text)
    assert excluded <= set(b.exclude_instruments)
    assert not excluded & set(b.include_instruments)


def test_negation_scope_ends_at_but_and_just():
    b = pb("strings but no violins")
    assert "violin" in b.exclude_instruments
    assert {"viola", "cello"} <= set(b.include_instruments)
    assert b.warnings == []  # a refinement, not a contradiction
    b = pb("no drums, just a solo cello and piano")
    assert "drums" in b.exclude_instruments
    assert set(b.include_instruments) == {"cello", "piano"}
    # "just ..." names the whole palette: everything else is out
    assert set(b.include_instruments) | set(b.exclude_instruments) == set(ins.INSTRUMENT_IDS)
    b = pb("just a little darker, strings")
    assert b.exclude_instruments == []
    b = pb("No brass. Strings carry the melody.")
    assert set(b.exclude_instruments) == BRASS and "violin" in b.include_instruments


def test_double_negation_and_exceptions():
    assert "piano" in pb("don't lose the piano").include_instruments
    b = pb("no brass except the horns")
    assert "horn" in b.include_instruments and "horn" not in b.exclude_instruments
    assert {"trumpet", "trombone", "tuba"} <= set(b.exclude_instruments)


def test_contradiction_exclusion_wins_with_warning():
    b = pb("no strings, lots of violins")
    assert "violin" in b.exclude_instruments and "violin" not in b.include_instruments
    assert any("violin" in w and "exclusion wins" in w for w in b.warnings)


def test_negated_mood_words_add_no_tag():
    b = pb("not sad, never triumphant, just curious")
    assert not {"melancholy", "grief", "triumphant"} & set(b.tags)
    assert "mysterious" in b.tags
    assert pb("nothing scary").tags == []


# ----------------------------------------------------------------------------- numbers and words
@pytest.mark.parametrize("text,lo,hi", [
    ("around 70 bpm", 66, 74), ("70-80 BPM", 70, 80), ("between 70 and 80 bpm", 70, 80),
    ("play it at 120", 120, 120), ("\u2669=90", 90, 90), ("q = 96, soft", 96, 96),
    ("tempo 132", 132, 132), ("a 60 BPM pulse", 60, 60), ("70 to 76 bpm, slow", 70, 76),
    ("\u2669 = 60\u201366, tender", 60, 66), ("MM 100", 100, 100),
])
def test_explicit_bpm_forms(text, lo, hi):
    b = pb(text)
    assert b.tempo_bpm == (lo, hi)
    assert "tempo_bpm" in b.explicit


def test_explicit_bpm_beats_tempo_words_and_defaults():
    b = pb("fast and triumphant but at 72 bpm")
    assert b.tempo_bpm == (72, 72)
    assert b.mode == "major"  # filled from the triumph default


@pytest.mark.parametrize("word,lo,hi", [("slow", 40, 80), ("fast", 110, 200),
                                        ("driving", 110, 170), ("languid", 40, 80),
                                        ("brisk", 100, 140), ("moderate", 80, 120)])
def test_tempo_words(word, lo, hi):
    t = pb(f"{word}, strings").tempo_bpm
    assert t is not None and lo <= t[0] <= t[1] <= hi


@pytest.mark.parametrize("text,loudest_max,softest_min", [
    ("soft", "mp", None), ("quiet and intimate", "mp", None), ("whisper", "p", None),
    ("pp throughout", "pp", None), ("loud", None, "f"), ("big and loud", None, "f"),
    ("fortissimo", None, "ff"), ("nothing too loud", "mf", None),
])
def test_dynamics(text, loudest_max, softest_min):
    d = pb(text).dynamics
    assert d is not None and DYNAMICS.index(d[0]) <= DYNAMICS.index(d[1])
    if loudest_max:
        assert DYNAMICS.index(d[1]) <= DYNAMICS.index(loudest_max)
    if softest_min:
        assert DYNAMICS.index(d[0]) >= DYNAMICS.index(softest_min)


@pytest.mark.parametrize("text,mode", [("in a major key", "major"), ("minor, please", "minor"),
                                       ("dorian colours", "modal"), ("lydian", "modal"),
                                       ("phrygian menace", "modal"), ("C minor", "minor"),
                                       ("happy but in a minor key", "minor"),
                                       ("nothing in a minor key", "major")])
def test_mode(text, mode):
    assert pb(text).mode == mode


def test_major_and_minor_as_ordinary_adjectives_are_not_modes():
    assert pb("a minor change to the strings, big moment").mode is None


def test_emotion_defaults_fill_only_unstated_fields():
    sad = pb("sad and lonely")
    assert sad.mode == "minor" and sad.tempo_bpm[1] <= 80 and sad.register == "low"
    assert sad.valence < -0.3
    joyful = pb("joyful, playful, in a minor key, loud")
    assert joyful.mode == "minor" and joyful.dynamics == ("f", "ff")
    assert joyful.valence > 0.3


# ----------------------------------------------------------------------------- references
@pytest.mark.parametrize("text,refs", [
    ("don't make it sound like Jaws", ["Jaws"]),
    ("nothing like Hans Zimmer", ["Hans Zimmer"]),
    ("avoid the Star Wars thing", ["Star Wars"]),
    ("not too Williams", ["Williams"]),
    ("Strings. Nothing like Pirates of the Caribbean, please", ["Pirates of the Caribbean"]),
    ("no jaws", ["Jaws"]),
])
def test_avoid_references(text, refs):
    b = pb(text)
    assert b.avoid_references == refs
    assert not b.exclude_instruments or text.startswith("Strings")


def test_positive_reference_is_not_avoided():
    b = pb("Think Max Richter, no drums")
    assert b.references == ["Max Richter"] and b.avoid_references == []


# ----------------------------------------------------------------------------- deltas
def test_delta_darker_less_busy_no_piano():
    first = pb("warm and hopeful, strings and piano, around 90 bpm, major")
    assert "piano" in first.include_instruments and first.density is not None
    b = pb("darker than the last version, less busy, no piano this time", previous=first)
    assert b.is_delta
    assert b.valence < first.valence and b.mode == "minor"
    assert b.density < first.density
    assert "piano" in b.exclude_instruments and "piano" not in b.include_instruments
    assert "violin" in b.include_instruments  # untouched parts carry over
    assert b.tempo_bpm == first.tempo_bpm
    assert ["low", "mid", "high"].index(b.register) < ["low", "mid", "high"].index(first.register)


def test_delta_faster_louder_warmer_bring_back():
    first = pb("slow, soft, no strings")
    faster = apply_delta(first, "faster")
    assert faster.tempo_bpm[0] > first.tempo_bpm[0] and faster.arousal > first.arousal
    louder = apply_delta(faster, "louder")
    assert DYNAMICS.index(louder.dynamics[1]) > DYNAMICS.index(faster.dynamics[1])
    warmer = apply_delta(louder, "a bit warmer")
    assert warmer.valence > louder.valence
    back = apply_delta(warmer, "bring back the strings")
    assert set(back.include_instruments) >= STRINGS and not STRINGS & set(back.exclude_instruments)


def test_parse_brief_detects_delta_only_with_revision_language():
    first = pb("slow and sad, cello")
    fresh = pb("fast and joyful, flute", previous=first)
    assert not fresh.is_delta and "cello" not in fresh.include_instruments
    rev = pb("a bit faster", previous=first)
    assert rev.is_delta and "cello" in rev.include_instruments
    alone = pb("darker than the last version")
    assert alone.is_delta and any("no previous brief" in w for w in alone.warnings)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("text", ["", "   ", "???", "120 140 90", "x" * 10000,
                                  "asdkjh qwpoeiru zxmcnv", "!!! ... ###"])
def test_absurd_input_is_an_error(text):
    with pytest.raises(InputError) as exc:
        pb(text)
    assert "brief" in str(exc.value)


@pytest.mark.parametrize("text", ["", "???", "123 456", "zzqx vvbn kkwq"])
def test_cli_absurd_input_exits_2(text, capsys):
    assert run(["brief", text, "--json", "--no-model"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error" in err


# ----------------------------------------------------------------------------- CLI
def test_cli_json_keys(capsys):
    assert run(["brief", "Slow and tender, around 70 bpm, no drums, nothing like Jaws",
                "--json", "--no-model"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert set(brief_keys()) <= set(d)
    assert d["tempo_bpm"] == [66.0, 74.0] and d["exclude_instruments"] == ["drums"]
    assert d["avoid_references"] == ["Jaws"] and d["mode"] in ("major", "minor", "modal")
    assert -1 <= d["valence"] <= 1 and 0 <= d["tension"] <= 1


def test_cli_file_and_delta(tmp_path, capsys):
    f = tmp_path / "briefs.txt"
    f.write_text("# revisions of 1M3\nwarm strings and piano, 80 bpm\n\n"
                 "darker, no piano this time\nfaster\n", encoding="utf-8")
    assert run(["brief", "--file", str(f), "--delta", "--json", "--no-model"]) == 0
    rows = [json.loads(ln) for ln in capsys.readouterr().out.splitlines()]
    assert len(rows) == 3
    assert "piano" in rows[0]["include_instruments"]
    assert "piano" in rows[1]["exclude_instruments"] and rows[1]["mode"] == "minor"
    assert rows[2]["tempo_bpm"][0] > rows[1]["tempo_bpm"][0]
    assert "piano" in rows[2]["exclude_instruments"]
    # without --delta each line stands alone
    assert run(["brief", "--file", str(f), "--json", "--no-model"]) == 0
    rows = [json.loads(ln) for ln in capsys.readouterr().out.splitlines()]
    assert "piano" not in rows[2]["exclude_instruments"]


def test_cli_file_error_names_the_line(tmp_path, capsys):
    f = tmp_path / "briefs.txt"
    f.write_text("slow strings\n???\n", encoding="utf-8")
    assert run(["brief", "--file", str(f), "--json", "--no-model"]) == 2
    assert f"{f}:2:" in capsys.readouterr().err


# ----------------------------------------------------------------------------- properties
_WORDS = ["no", "not", "without", "strings", "brass", "drums", "piano", "but", "and", "or",
          "slow", "fast", "soft", "loud", "sad", "happy", "dark", "at", "120", "bpm", ",", ".",
          "cellos", "avoid", "Jaws", "like", "minor", "major", "just", "synths", "lose", "the"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=14))
def test_property_brief_is_consistent(words):
    text = " ".join(words)
    try:
        b = pb(text)
    except InputError:
        return
    assert not set(b.include_instruments) & set(b.exclude_instruments)
    assert set(b.include_instruments) | set(b.exclude_instruments) <= set(ins.INSTRUMENT_IDS)
    if b.tempo_bpm:
        assert 0 < b.tempo_bpm[0] <= b.tempo_bpm[1]
    if b.dynamics:
        assert DYNAMICS.index(b.dynamics[0]) <= DYNAMICS.index(b.dynamics[1])
    assert -1 <= b.valence <= 1 and -1 <= b.arousal <= 1 and 0 <= b.tension <= 1
    assert MusicBrief.from_dict(json.loads(json.dumps(b.to_dict()))) == b


def test_model_blend_keeps_negation():
    """With the embedding mood model installed, negated feelings still add no tag."""
    pytest.importorskip("assistant.analysis.classify", reason="classifier not committed yet")
    b = parse_brief("not sad at all, not scary, hopeful and warm", use_model=True)
    assert not {"grief", "melancholy", "dread", "eerie"} & set(b.tags)
    assert b.valence > 0


def test_replace_and_swap_exclude_the_old_instrument():
    b = pb("Replace the synth pad with a choir")
    assert b.exclude_instruments == ["synth_pad"] and b.include_instruments == ["choir"]
    b = pb("swap the piano for a guitar")
    assert b.exclude_instruments == ["piano"] and b.include_instruments == ["guitar"]


def test_actor_voice_is_not_an_instrument_and_caps_dynamics():
    b = pb("Stay very low, under her voice, warm strings")
    assert "voice" not in b.include_instruments
    assert DYNAMICS.index(b.dynamics[1]) <= DYNAMICS.index("mp")


def test_elliptic_negation_and_locked_explicit_values():
    b = pb("The scene is sad but the music shouldn't be - playful and light.")
    assert "playful" in b.tags and not {"melancholy", "grief"} & set(b.tags)
    assert b.valence > 0
    b = pb("Tempo somewhere around 90 to 95 bpm, no faster.")
    assert b.tempo_bpm == (90, 95)
    b = pb("Less Zimmer, more Morricone.")
    assert b.avoid_references == ["Zimmer"] and b.references == ["Morricone"]


@pytest.mark.parametrize("text,excluded,included", [
    ("strings yes, brass no", BRASS, {"violin"}),
    ("drums: no", {"drums"}, set()),
    ("I love the cello, but the piano has to go", {"piano"}, {"cello"}),
    ("no big drums or anything electronic, just warm woodwinds",
     {"drums", "synth_pad"}, {"flute", "oboe"}),
    ("I don't think we need brass", BRASS, set()),
    ("We shouldn't hear any strings", STRINGS, set()),
])
def test_more_ways_to_say_no(text, excluded, included):
    b = pb(text)
    assert excluded <= set(b.exclude_instruments)
    assert included <= set(b.include_instruments)
    assert not excluded & set(b.include_instruments)


def test_cue_id_prefix_and_spelled_dynamics():
    b = pb("1M4: Lonely but tender, solo cello and piano, never louder than mezzo-piano.")
    assert b.cue_id == "1M4"
    assert "piano" in b.include_instruments and "piano" not in b.exclude_instruments
    assert b.dynamics is not None and DYNAMICS.index(b.dynamics[1]) <= DYNAMICS.index("mp")
    assert not b.warnings
    assert pb("not ff").dynamics[1] != "ff"
    assert pb("from pp to ff").dynamics == ("pp", "ff")


def test_names_with_accents_are_words_and_shouting_junk_is_not():
    assert pb("nothing like J\u00f3hannsson").avoid_references == ["J\u00f3hannsson"]
    assert pb("Strings, Lydian, \u00e0 la Debussy").references == ["Debussy"]
    with pytest.raises(InputError):
        pb("ASDKJH QWPOEIRU")


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "briefs"


def _explicit_cases() -> list[dict]:
    rows = (FIXTURES / "explicit.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(r) for r in rows if r.strip()]


@pytest.mark.parametrize("case", _explicit_cases(), ids=lambda c: c["text"][:40])
def test_explicit_instructions_are_always_honoured(case):
    """Briefs in a director's voice with their explicit instructions written down."""
    b = pb(case["text"])
    if "tempo_in" in case:
        assert b.tempo_bpm is not None
        assert all(b.tempo_bpm[0] <= x <= b.tempo_bpm[1] for x in case["tempo_in"])
    if "tempo_max" in case:
        assert b.tempo_bpm is not None and b.tempo_bpm[1] <= case["tempo_max"]
    if "tempo_min" in case:
        assert b.tempo_bpm is not None and b.tempo_bpm[0] >= case["tempo_min"]
    if "mode" in case:
        assert b.mode == case["mode"]
    if "dynamics_max" in case:
        assert DYNAMICS.index(b.dynamics[1]) <= DYNAMICS.index(case["dynamics_max"])
    if "dynamics_min" in case:
        assert DYNAMICS.index(b.dynamics[1]) >= DYNAMICS.index(case["dynamics_min"])
    assert set(case.get("include", [])) <= set(b.include_instruments)
    assert set(case.get("exclude", [])) <= set(b.exclude_instruments)
    assert not set(case.get("include_not", [])) & set(b.include_instruments)
    assert set(case.get("avoid", [])) <= set(b.avoid_references)
    assert not set(case.get("tags_not", [])) & set(b.tags)


def test_table_emotion_wins_over_derived_default() -> None:
    """'Triumphant' is a REFERENCE.md row (major); 'epic' only a derived one (no mode)."""
    b = parse_brief("Big triumphant finish, full orchestra, fortissimo, around 120.", use_model=False)
    assert b.mode == "major"
    assert b.dynamics is not None and b.dynamics[1] == "ff"
