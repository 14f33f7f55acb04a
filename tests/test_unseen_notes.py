"""Cue functions on notes no selection step saw: structure words must not outweigh events."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.analysis.rules import prepare, strip_structure

DATA = Path(__file__).resolve().parents[1] / "datasets" / "analysis"


@pytest.mark.parametrize("text,gone", [
    ("INTERCUT the rescue: divers cut the net while the boat drags anchor", "INTERCUT"),
    ("Final shot of act two: Joon alone on the bus, realising he won't go back", "Final shot of act two"),
    ("Last scene before end credits: the verdict is read and the family erupts", "before end credits"),
    ("Late in the film, the kitchen at night: she reads his old texts", "Late in the film"),
])
def test_structure_words_are_set_aside(text, gone):
    rest, found = strip_structure(text)
    assert gone.lower() in " ".join(found).lower()
    assert gone.lower() not in rest.lower()
    assert prepare(text).structure


def test_short_notes_keep_their_structure_words():
    assert strip_structure("final shot") == ("final shot", [])
    assert strip_structure("Intercut.")[1] == []


def test_credits_as_a_place_do_not_fire_the_titles_rule():
    assert prepare("the last scene before the end credits, the family erupts").deltas.get(
        "bookend", 0) <= 0
    assert prepare("end credits over the last image").deltas.get("bookend", 0) > 2
    assert prepare("Main titles over the home movies").deltas.get("bookend", 0) > 2


def _head():
    try:
        from assistant.analysis.classify import load_head

        return load_head()
    except Exception:  # noqa: BLE001 - not shipped
        return None


@pytest.mark.skipif(_head() is None, reason="classifier head not shipped")
def test_unseen_voices():
    """48 notes in new voices (datasets/analysis/unseen.jsonl): 85.4 % with the issue-3 rules,
    89.6 % with structure words set aside."""
    from assistant.analysis.classify import evaluate, load_rows

    m = evaluate(_head(), load_rows(DATA / "unseen.jsonl"))
    assert m["n"] == 48
    assert m["top1"] >= 0.875 and m["top3"] >= 0.95


@pytest.mark.skipif(_head() is None, reason="classifier head not shipped")
def test_issue_cases():
    from assistant.analysis.classify import read_cues

    r = read_cues(["INTERCUT the rescue sequence: the lifeboat crew hauls the children out of "
                   "the flooded bus while the river keeps rising.",
                   "Late in the film, a tender dialogue scene on the porch: she finally tells "
                   "him she forgives him."], explain=False)
    assert r[0].functions[0][0] in ("action", "build_tension")
    assert r[1].functions[0][0] in ("romance", "inner_state")
