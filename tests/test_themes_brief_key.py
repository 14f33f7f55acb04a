"""A brief's key and meter ("a waltz in D minor") reach the theme request (issue #10 point 5)."""

from __future__ import annotations

from types import SimpleNamespace

from assistant.analysis.brief import parse_brief
from assistant.themes.film import theme_request
from assistant.themes.subjects import ThemeSubject


def _subject() -> ThemeSubject:
    return ThemeSubject("NELL", "character", "main character", (4, 4), ("nell",), (1,), ["1M1"])


def test_brief_key_mode_and_meter_reach_the_theme() -> None:
    project = SimpleNamespace(cues=[])
    brief = parse_brief("a slow waltz in D minor, solo cello")
    assert (brief.key, brief.mode, brief.meter) == ("D", "minor", "3/4")
    req = theme_request(project, _subject(), ["1M1"], {"1M1": brief})
    assert (req.key, req.mode, req.meter) == ("D", "minor", (3, 4))


def test_explicit_arguments_still_win_over_the_brief() -> None:
    project = SimpleNamespace(cues=[])
    brief = parse_brief("a march in B-flat")
    req = theme_request(project, _subject(), ["1M1"], {"1M1": brief}, key="F", meter=(4, 4))
    assert (req.key, req.meter) == ("F", (4, 4))
    assert theme_request(project, _subject(), ["1M1"], {"1M1": brief}).key == "Bb"


def test_without_a_brief_key_the_subject_meter_and_a_family_key_are_used() -> None:
    project = SimpleNamespace(cues=[])
    req = theme_request(project, _subject(), ["1M1"], {})
    assert req.meter == (4, 4) and req.key
