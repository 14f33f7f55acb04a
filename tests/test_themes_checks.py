"""The structural checks judge what a composer means: good lines pass, the faults the issue names fail.

Each bad melody is built to show one fault and is asserted to fail that check (and the
all-checks verdict); the good ones are short classical shapes that must pass every check.
"""

from __future__ import annotations

import random

import pytest

from assistant.themes.bench import scrambled
from assistant.themes.checks import (
    cadence_ok,
    finalis_key,
    max_repeat_run,
    motif_returns,
    phrase_ends,
    structural_checks,
)

# a D minor sentence: basic idea (2 bars), its sequence a step up, fragments, cadence
BI = [(62, 0, 1), (65, 1, 0.5), (64, 1.5, 0.5), (62, 2, 2), (69, 4, 2), (67, 6, 2)]
SENTENCE = (BI + [(64, 8, 1), (67, 9, 0.5), (65, 9.5, 0.5), (64, 10, 2), (70, 12, 2), (69, 14, 2)]
            + [(65, 16, 1), (69, 17, 0.5), (67, 17.5, 0.5), (65, 18, 2), (64, 20, 2), (62, 22, 2),
               (61, 24, 2), (62, 28, 4)])
# C major, 3/4, a period whose consequent restates the opening with its rhythm (a waltz-like idea)
PERIOD = [(64, 0, 1.5), (65, 1.5, 0.5), (67, 2, 1), (72, 3, 2), (71, 5, 1), (69, 6, 1.5), (67, 7.5, 0.5),
          (65, 8, 1), (64, 9, 1.5), (62, 10.5, 0.5), (64, 11, 1), (67, 12, 1.5), (65, 13.5, 0.5), (64, 14, 1),
          (62, 15, 1.5), (64, 16.5, 0.5), (65, 17, 1), (67, 18, 2), (65, 20, 1), (64, 21, 1.5), (62, 22.5, 0.5),
          (64, 23, 1), (60, 24, 3)]


def test_good_themes_pass_every_check() -> None:
    chk = structural_checks(SENTENCE, (4, 4), tonic=2, mode="minor")
    assert all(chk.values()), chk
    assert motif_returns(SENTENCE, (4, 4))[0] == (6, "sequence")  # the basic idea a step up
    chk = structural_checks(PERIOD, (3, 4), tonic=0, mode="major")
    assert all(chk.values()), chk


def test_wandering_tritone_half_notes_fail() -> None:
    wander = [(60, 0, 2), (66, 2, 2), (59, 4, 2), (65, 6, 2), (71, 8, 2), (64, 10, 2), (70, 12, 3), (62, 15, 1)]
    chk = structural_checks(wander, (4, 4), tonic=0, mode="major")
    assert not chk["key"]  # tritones outside C major: not heard in the key
    assert not chk["cadence"]  # ends on the 2nd degree, off the strong beats
    assert not chk["motif_return"]


def test_seven_repeated_notes_fail_even_with_long_values() -> None:
    repeated = [(67, i * 0.5, 0.5) for i in range(7)] + [(60, 4, 4)]
    assert max_repeat_run(repeated) == 7
    assert not structural_checks(repeated, (4, 4), 0, "major")["repeated_notes"]
    # seven repeated half notes among quarters are not seven phrase endings
    line = [(60, 0, 1), (62, 1, 1), (64, 2, 1), (65, 3, 1)] + [(67, 4 + 2 * i, 2) for i in range(7)] + [(60, 18, 2)]
    assert not phrase_ends(line, (4, 4)) & set(range(4, 10))
    assert not structural_checks(line, (4, 4), 0, "major")["repeated_notes"]


def test_a_repeated_note_across_a_phrase_ending_is_two_phrases() -> None:
    # "... G G (held, phrase ends) | G G ..." is two notes of one phrase and two of the next
    line = [(60, 0, 1), (62, 1, 1), (64, 2, 1), (65, 3, 1), (64, 4, 1), (62, 5, 1), (67, 6, 1), (67, 7, 1),
            (67, 8, 3), (67, 11, 1), (65, 12, 1), (64, 13, 1), (62, 14, 1), (60, 15, 1)]
    assert max_repeat_run(line) == 4
    assert phrase_ends(line, (4, 4)) == {8}
    assert structural_checks(line, (4, 4), 0, "major")["repeated_notes"]
    # the same after a rest
    rest = [(p, s, d if i != 8 else 2) for i, (p, s, d) in enumerate(line)]
    assert structural_checks(rest, (4, 4), 0, "major")["repeated_notes"]


@pytest.mark.parametrize(("final", "why"), [(71, "the 7th"), (62, "the 2nd")])
def test_ending_on_the_seventh_or_second_degree_fails(final: int, why: str) -> None:
    line_c = [(p - 2, s, d) for p, s, d in BI] + [(67, 8, 2), (65, 10, 2), (64, 12, 2), (final, 14, 2)]
    chk = structural_checks(line_c, (4, 4), tonic=0, mode="major")
    assert not chk["cadence"], why
    assert cadence_ok(line_c[:-1] + [(60, 14, 2)], 0, (4, 4))[0]  # the same line ending on the tonic passes


def test_a_held_dominant_is_a_half_cadence_a_short_one_is_not() -> None:
    line = [(60, 0, 1), (64, 1, 1), (67, 2, 1), (65, 3, 1), (64, 4, 1), (62, 5, 1), (64, 6, 2)]
    assert cadence_ok(line + [(67, 8, 4)], 0, (4, 4)) == (True, "half")
    assert not cadence_ok(line + [(67, 8, 1)], 0, (4, 4))[0]
    assert not cadence_ok(line + [(60, 9, 3)], 0, (4, 4))[0]  # the tonic on a weak beat
    assert cadence_ok(line + [(60, 10, 2)], 0, (4, 4))[0]  # beat 3 of 4/4 is strong
    # through a meter map: 3/4 from beat 6
    assert cadence_ok(line + [(60, 9, 3)], 0, (4, 4), meters=[(0.0, 2, 4), (6.0, 3, 4)])[0]


def test_a_range_too_wide_or_too_narrow_fails() -> None:
    wide = [(p + (14 if i == 5 else 0), s, d) for i, (p, s, d) in enumerate(SENTENCE)]
    assert max(p for p, _, _ in wide) - min(p for p, _, _ in wide) > 19
    assert not structural_checks(wide, (4, 4), 2, "minor")["range"]
    narrow = [(62 + (i % 2) * 2, i, 1) for i in range(12)] + [(62, 12, 4)]
    assert not structural_checks(narrow, (4, 4), 2, "minor")["range"]
    low = [(52 + (i % 3), i, 1) for i in range(8)] + [(52, 8, 4)]
    assert not structural_checks(low, (4, 4), 4, "minor", instrument_range=(55, 82))["range"]


def test_no_motif_return_fails_and_a_rhythmic_cell_return_passes() -> None:
    through = [(60, 0, 1), (64, 1, 0.5), (62, 1.5, 0.5), (67, 2, 2), (65, 4, 1.5), (69, 5.5, 0.5), (71, 6, 1),
               (72, 7, 1), (60, 8, 3), (62, 11, 1), (59, 12, 2), (57, 14, 2), (60, 16, 4)]
    assert motif_returns(through, (4, 4)) == []
    assert not structural_checks(through, (4, 4), 0, "major")["motif_return"]
    # an even run is no rhythmic motif: equal quarters with a new contour do not "return"
    even = [(60, 0, 1), (62, 1, 1), (64, 2, 1), (60, 3, 1), (67, 4, 1), (65, 5, 1), (69, 6, 1), (71, 7, 1),
            (72, 8, 4)]
    assert motif_returns(even, (4, 4)) == []
    # the dotted cell of bar 1 returns in bar 3 with other pitches, at the same place: a rhythmic motif
    cell = [(60, 0, 1.5), (62, 1.5, 0.5), (64, 2, 1), (65, 3, 1), (67, 4, 2), (65, 6, 2),
            (69, 8, 1.5), (67, 8 + 1.5, 0.5), (72, 10, 1), (71, 11, 1), (72, 12, 4)]
    assert (6, "rhythm") in motif_returns(cell, (4, 4))


def test_a_pickup_head_returns_from_its_downbeat() -> None:
    # a one-beat pickup, the head from the downbeat returns in bar 3 without the pickup
    line = [(67, 3, 1), (72, 4, 1), (71, 5, 0.5), (69, 5.5, 0.5), (67, 6, 2), (65, 8, 1), (64, 9, 1), (62, 10, 2),
            (74, 12, 1), (72, 13, 0.5), (71, 13.5, 0.5), (69, 14, 2), (67, 16, 2), (72, 18, 2)]
    assert any(kind in ("exact", "sequence") for _, kind in motif_returns(line, (4, 4)))


def test_real_melody_key_is_its_final_or_a_half_cadence() -> None:
    assert finalis_key(SENTENCE) == (2, "minor")
    assert finalis_key(PERIOD) == (0, "major")
    chk = structural_checks(SENTENCE, (4, 4))  # no requested key: the finalis
    assert chk["key"] and chk["cadence"]


def test_the_checks_tell_composed_order_from_chance() -> None:
    """The control of the benchmark: the same notes scrambled fail the key and motif checks."""
    rng = random.Random(5)
    good = structural_checks(SENTENCE, (4, 4), tonic=2, mode="minor")
    fails = {"key": 0, "motif_return": 0}
    for _ in range(20):
        chk = structural_checks(scrambled(SENTENCE, rng), (4, 4), tonic=2, mode="minor")
        for k in fails:
            fails[k] += not chk[k]
    assert good["key"] and good["motif_return"]
    assert fails["motif_return"] >= 12, fails
    assert fails["key"] >= 5, fails
