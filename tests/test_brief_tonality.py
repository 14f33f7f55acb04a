"""Key and meter in briefs: stated, implied by dance and form words, negated, and in JSON."""

from __future__ import annotations

import json

import pytest

from assistant.analysis.brief import MusicBrief, brief_keys, parse_brief
from assistant.cli.main import run


def pb(text: str, previous: MusicBrief | None = None) -> MusicBrief:
    return parse_brief(text, previous, use_model=False)


@pytest.mark.parametrize("text,key,mode", [
    ("a waltz in D minor", "D", "minor"),
    ("a march in B-flat", "Bb", None),
    ("in Bb major, brass", "Bb", "major"),
    ("E flat major, warm strings", "Eb", "major"),
    ("the key of F# minor", "F#", "minor"),
    ("in F sharp", "F#", None),
    ("let it sit in C, plain and simple", "C", None),
    ("G major, bright and open", "G", "major"),
    ("start in A minor and stay there", "A", "minor"),
    ("in E\u266d, horns", "Eb", None),
])
def test_keys_read(text: str, key: str, mode: str | None) -> None:
    b = pb(text)
    assert b.key == key
    if mode:
        assert b.mode == mode
    assert "key" in b.explicit
    assert any(e["field"] == "key" and e["value"] == key for e in b.evidence)


@pytest.mark.parametrize("text", [
    "A minor change: a bit less brass",
    "A major moment for her, big strings",
    "a minor tweak to the ending",
    "Everything in a minute, fast",
    "in a dark place, slow strings",
    "I think Dave should hear this",
    "not in C major, anything but that",
])
def test_not_keys(text: str) -> None:
    assert pb(text).key is None


@pytest.mark.parametrize("text,meter", [
    ("in 6/8, gentle and warm", "6/8"),
    ("a restless 5/4 figure", "5/4"),
    ("7/8 pulse under the chase", "7/8"),
    ("12/8 swing", "12/8"),
    ("a lullaby in three, celesta and harp", "3/4"),
    ("count it in five", "5/4"),
    ("keep it in 4, driving", "4/4"),
    ("cut time, brisk", "2/2"),
    ("common time, steady", "4/4"),
    ("triple time, lilting", "3/4"),
    ("six-eight, rocking", "6/8"),
])
def test_stated_meters(text: str, meter: str) -> None:
    b = pb(text)
    assert b.meter == meter and "meter" in b.explicit


@pytest.mark.parametrize("text,meter", [
    ("a waltz in D minor", "3/4"),
    ("the father's waltz, slow and tender", "3/4"),
    ("a jig for the wedding dance", "6/8"),
    ("a lullaby, celesta", "6/8"),
    ("a minuet, strings only", "3/4"),
    ("a tarantella, fast", "6/8"),
    ("a polka for the fair", "2/4"),
])
def test_dance_and_form_words_imply_a_meter(text: str, meter: str) -> None:
    assert pb(text).meter == meter


def test_march_is_two_or_four() -> None:
    assert pb("a march in B-flat").meter in ("2/4", "4/4")


def test_stated_meter_beats_the_implied_one() -> None:
    assert pb("a waltz, but in 6/8").meter == "6/8"
    assert pb("a lullaby in three").meter == "3/4"


@pytest.mark.parametrize("text", [
    "6/8 would be wrong here",
    "not in 6/8",
    "no 7/8 please, it trips the actors",
    "a waltz is out, it has to be straight",
    "not a waltz, something straighter",
    "never 5/4",
])
def test_negated_meters_are_not_taken(text: str) -> None:
    b = pb(text)
    assert b.meter is None
    assert any(e["field"] == "meter" and str(e["value"]).startswith("not ")
               for e in b.evidence)


def test_negated_meter_then_a_stated_one() -> None:
    assert pb("6/8 would be wrong here; keep it in 4, driving").meter == "4/4"


@pytest.mark.parametrize("text", [
    "3/4 of the way through the cue the horns enter",
    "about 1/2 as loud as the last one",
    "the scene lasts 2/3 of a minute",
    "in three minutes the door opens",
    "24/7 surveillance vibe, cold",
])
def test_fractions_and_counts_are_not_meters(text: str) -> None:
    assert pb(text).meter is None


def test_revision_changes_meter_and_key() -> None:
    first = pb("a waltz in D minor, strings")
    second = pb("same as before but in 6/8 this time, and in E minor", previous=first)
    assert (second.meter, second.key) == ("6/8", "E")
    kept = pb("a bit slower than the last version", previous=first)
    assert (kept.meter, kept.key) == ("3/4", "D")


def test_brief_json_has_key_and_meter(capsys) -> None:
    assert {"key", "meter"} <= set(brief_keys())
    assert run(["brief", "A waltz in D minor, no brass", "--json", "--no-model", "-q"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["key"] == "D" and d["meter"] == "3/4" and d["mode"] == "minor"
    assert run(["brief", "slow and tender", "--json", "--no-model", "-q"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["key"] is None and d["meter"] is None
    b = MusicBrief.from_dict(json.loads(json.dumps(pb("in 5/4, Bb minor").to_dict())))
    assert (b.key, b.meter) == ("Bb", "5/4")
