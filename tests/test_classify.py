"""Cue function and mood: the shipped head on the held-out split, rules, evidence, CLI contract."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.analysis import classify as C
from assistant.analysis import moods, rules
from assistant.cli.main import run
from assistant.errors import InputError
from assistant.project import CUE_FUNCTIONS

DATA = Path(__file__).resolve().parents[1] / "datasets" / "analysis"


@pytest.fixture(scope="module")
def heldout() -> dict:
    """Metrics of the shipped head on test.jsonl (the real check of the model card's claims)."""
    return C.evaluate(C.load_head(), C.load_rows(DATA / "test.jsonl"))


def top(text: str) -> str:
    return C.read_cues([text])[0].functions[0][0]


# ----------------------------------------------------------------------------- held-out targets
def test_heldout_function_accuracy_meets_targets(heldout: dict) -> None:
    """Issue 3 targets: top-1 >= 85 %, top-3 >= 95 %.

    The shipped head (embedding LR + word TF-IDF LR + kNN vote, every setting chosen by repeated
    cross-validation on train, CV top-1 86.2 %) scores 85.6 % top-1 on the 216 held-out rows.
    """
    assert heldout["n"] >= 200
    assert heldout["top1"] >= 0.85, heldout["confusions"]
    assert heldout["top3"] >= 0.95


def test_heldout_valence_sign(heldout: dict) -> None:
    assert heldout["valence_sign_n"] >= 150
    assert heldout["valence_sign_acc"] >= 0.90


def test_heldout_calibration(heldout: dict) -> None:
    """Calibrated: confidence tracks accuracy, and confident readings are more often right."""
    assert heldout["ece"] < 0.10
    assert abs(heldout["mean_top1_prob"] - heldout["top1"]) < 0.10
    assert heldout["confident_top1"] > heldout["unsure_top1"]
    assert heldout["confident_top1"] >= 0.9


def test_model_card_matches_the_shipped_head(heldout: dict) -> None:
    cfg = C.load_head().config
    assert cfg.metrics["test"]["top1"] == pytest.approx(heldout["top1"], abs=0.011)
    card = (C.MODEL_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "python -m training.train_analysis" in card and "macro-F1" in card
    assert f"{100 * cfg.metrics['test']['top1']:.1f} %" in card


# ----------------------------------------------------------------------------- API invariants
def test_shapes_and_probabilities_sum_to_one() -> None:
    texts = ["1M3 — stalker reveal, sting on the door", "The door EXPLODES inward.", "kiss at sunset"]
    P = C.classify_functions(texts)
    assert P.shape == (3, 12)
    assert np.allclose(P.sum(1), 1.0, atol=1e-5) and (P >= 0).all()
    readings = C.read_cues(texts)
    for rd, row in zip(readings, P, strict=True):
        labels = [f for f, _ in rd.functions]
        scores = [p for _, p in rd.functions]
        assert sorted(labels) == sorted(CUE_FUNCTIONS)
        assert scores == sorted(scores, reverse=True)
        assert np.allclose([dict(rd.functions)[f] for f in CUE_FUNCTIONS], row, atol=1e-5)
        assert set(rd.evidence) == set(labels[:3])
        m = rd.mood
        assert -1 <= m.valence <= 1 and -1 <= m.arousal <= 1 and 0 <= m.tension <= 1
        assert m.tags and set(m.tags) <= set(moods.MOOD_TAGS)
    assert [m.tags for m in C.predict_mood(texts)] == [rd.mood.tags for rd in readings]
    assert C.classify_functions([]).shape == (0, 12)


def test_head_round_trips_through_safetensors(tmp_path: Path) -> None:
    head = C.load_head()
    head.save(tmp_path)
    again = C.Head.load(tmp_path)
    texts = ["the band plays on stage", "a slow build as the killer approaches"]
    assert np.allclose(C.classify_functions(texts, head=again), C.classify_functions(texts, head=head))
    assert not list(tmp_path.glob("*.pkl"))


def test_mood_directions() -> None:
    sad, happy = C.predict_mood(
        ["She sits alone at her husband's grave, grieving.", "They win the championship! The crowd erupts."]
    )
    assert sad.valence < 0 < happy.valence
    assert happy.arousal > sad.arousal


# ----------------------------------------------------------------------------- rules
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("An old song plays on the jukebox while they argue", "source"),
        ("car stereo blasting as they pull into the lot", "source"),
        ("4M2s — bar band in the corner", "source"),
        ("end credits", "bookend"),
        ("Main title over the opening aerials of the city", "bookend"),
        ("One sharp stinger when the face appears", "sting"),
        ("montage: the summer goes by at the lake", "transition"),
    ],
)
def test_rule_cases(text: str, expected: str) -> None:
    assert top(text) == expected


def test_negation_does_not_flip_to_the_negated_thing() -> None:
    rd = C.read_cues(["Not scary at all — whimsical and light, the kids are exploring the attic."])[0]
    assert rd.functions[0][0] not in {"build_tension", "sting"}
    assert not {"dread", "eerie"} & set(rd.mood.tags)
    plain = dict(C.read_cues(["No sting here, just let her grief sit."])[0].functions)
    assert plain["sting"] < 0.1
    src = dict(C.read_cues(["No source music in this scene, keep it score: a chase through the market"])[0].functions)
    assert src["source"] < 0.1


def test_moderation_and_tone_words_are_not_ruled_out() -> None:
    """'not too dark' moderates; 'don't make it triumphant' is style, the scene may still be a win."""
    p = rules.prepare("Not too dark, it's a family film")
    assert p.deltas == {} and not p.drop_tags
    p = rules.prepare("They win the final, but don't make it triumphant")
    assert -2.0 <= p.deltas["triumph"] < 0 and "triumphant" in p.drop_tags
    p = rules.prepare("No tears in the strings please")
    assert "inner_state" not in p.deltas


def test_cue_ids_and_timecodes_are_stripped() -> None:
    a, b = C.classify_functions(["1M3 — the stalker follows her home", "the stalker follows her home"])
    assert np.allclose(a, b, atol=1e-5)
    p = rules.prepare("01:02:03:04 2M10 – the stalker follows her home")
    assert p.cue_id == "2M10" and p.embed_text == "the stalker follows her home"


def test_evidence_names_the_phrases_that_drove_the_top_three() -> None:
    rd = C.read_cues(["Eddie drops a dime in the jukebox and a scratchy doo-wop number fills the diner"])[0]
    assert rd.functions[0][0] == "source"
    assert any("jukebox" in e.lower() for e in rd.evidence["source"])
    rd = C.read_cues(["The car chase tears through the market, fruit stands exploding"])[0]
    assert rd.functions[0][0] == "action"
    assert rd.evidence["action"] and all(e.lower() in rd.text.lower() for e in rd.evidence["action"])


def test_low_confidence_asks_instead_of_tells() -> None:
    import dataclasses

    head = C.load_head()
    strict = dataclasses.replace(head, config=dataclasses.replace(head.config, confident_p=0.999))
    texts = ["she looks at him", "The cake explodes in Uncle Larry's face.", "END CREDITS roll"]
    for r in C.read_cues(texts, head=strict):
        assert r.confident is (r.functions[0][1] >= 0.999 and r.question is None)
        if not r.confident:
            a, b = (C.NICE[f] for f, _ in r.functions[:2])
            assert r.question == f"Is this more {a} or {b}?"
    ambiguous = C.read_cues(["He opens the door.", "something for the car scene"])  # underspecified
    assert any(not r.confident for r in ambiguous), [r.functions[:2] for r in ambiguous]
    sure = C.read_cues(["END CREDITS roll over the final shot"])[0]
    assert sure.confident and sure.question is None


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=0, max_size=200))
def test_prepare_never_crashes_and_stays_bounded(text: str) -> None:
    p = rules.prepare(text)
    assert all(-6.0 <= v <= 4.5 for v in p.deltas.values())
    assert set(p.deltas) <= set(CUE_FUNCTIONS) and p.drop_tags <= set(moods.MOOD_TAGS)
    assert len(rules.lexicon_counts(text)) == 12


def test_doctests() -> None:
    for mod in (rules, moods):
        res = doctest.testmod(mod)
        assert res.failed == 0 and res.attempted > 0


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad", ["", "   ", "!!!?..", "12345 678", "1M3", "x" * 5001])
def test_absurd_input_is_an_input_error(bad: str) -> None:
    with pytest.raises(InputError):
        C.read_cues(["a fine description of a chase", bad])


def test_load_rows_rejects_unknown_function(tmp_path: Path) -> None:
    f = tmp_path / "bad.jsonl"
    row = {"text": "x", "function": "fanfare", "valence": 0, "arousal": 0, "tension": 0, "tags": [], "style": "spotting"}
    f.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="bad.jsonl:1"):
        C.load_rows(f)


# ----------------------------------------------------------------------------- CLI contract
def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_spot_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    texts = ["1M3 — stalker reveal, sting on the door", "I want us to feel her loneliness here, not be told it"]
    assert run(["spot", "--text", texts[0], "--text", texts[1], "--json", "--quiet"]) == 0
    objs = _lines(capsys)
    assert [o["text"] for o in objs] == texts
    for o in objs:
        assert {"text", "functions", "mood"} <= set(o)
        labels = [f["label"] for f in o["functions"]]
        scores = [f["score"] for f in o["functions"]]
        assert sorted(labels) == sorted(CUE_FUNCTIONS) and scores == sorted(scores, reverse=True)
        assert abs(sum(scores) - 1) < 0.01
        assert set(o["mood"]) == {"valence", "arousal", "tension", "tags"}
        assert isinstance(o["confident"], bool) and isinstance(o["evidence"], dict)
    assert objs[0]["functions"][0]["label"] == "sting"


def test_spot_file_skips_blank_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("1M1 — Main Title over the desert\n\n   \n2M4s — jukebox in the diner\n", encoding="utf-8")
    assert run(["spot", "--file", str(f), "--json"]) == 0
    objs = _lines(capsys)
    assert [o["functions"][0]["label"] for o in objs] == ["bookend", "source"]


def test_spot_readable_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["spot", "--text", "The door EXPLODES inward. SWAT pours in."]) == 0
    out = capsys.readouterr().out
    assert "action" in out and "mood:" in out and "%" in out


@pytest.mark.parametrize(
    "args",
    [
        ["spot", "--text", "", "--json"],
        ["spot", "--text", "?!?!", "--json"],
        ["spot", "--text", "a" * 6000, "--json"],
        ["spot", "--json"],
        ["spot", "--file", "/nonexistent/notes.txt", "--json"],
    ],
)
def test_spot_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(args) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1


def test_spot_empty_or_absurd_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n  \n", encoding="utf-8")
    assert run(["spot", "--file", str(empty), "--json"]) == 2
    junk = tmp_path / "junk.txt"
    junk.write_text("a real note about a chase\n12:34 !!!\n", encoding="utf-8")
    assert run(["spot", "--file", str(junk), "--json"]) == 2
    err = capsys.readouterr().err
    assert "junk.txt:2" in err


def test_score_talk_about_radio_is_not_source() -> None:
    """'Plays under dialogue' and 'cut to the radio' talk about the score and the picture."""
    from assistant.analysis.classify import read_cues

    score_talk, diegetic = read_cues([
        "Plays under dialogue between the two of them; a low, darkened statement of the "
        "father's waltz, ending on a question as we cut to the radio.",
        "An old song plays on the radio in the kitchen while they argue.",
    ])
    assert score_talk.functions[0][0] != "source"
    assert diegetic.functions[0][0] == "source"
