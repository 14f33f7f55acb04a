"""Long inputs: chance matches grow with length, so scores are judged against chance for the
size of the search. Unrelated long lines must not be called copies; a quote inside a long
line must still be found and located."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.guard import similarity
from assistant.guard.calibrate import embed_quote, synthetic_melody
from assistant.guard.similarity import (
    REF_CELLS,
    REF_NOTES,
    _grams,
    chance_excess,
    compare,
    containment,
    containment_vs_chance,
    interval_codes,
    thresholds,
)

SIMILAR, COPY = thresholds()


@pytest.fixture
def small_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows of 60k cells: long pairs go through the windowed alignment, fast."""
    monkeypatch.setattr(similarity, "MAX_WINDOW_CELLS", 60_000)


def test_chance_excess_is_zero_up_to_the_calibrated_size_then_grows() -> None:
    for view in ("match", "strict"):
        assert chance_excess(view, 10) == 0.0
        assert chance_excess(view, REF_CELLS) == 0.0
        e1, e2 = chance_excess(view, 4 * REF_CELLS), chance_excess(view, 16 * REF_CELLS)
        assert 0.0 < e1 < e2
        assert e2 == pytest.approx(2 * e1)  # logarithmic in the searched note pairs


def test_calibrated_sizes_are_scored_as_before() -> None:
    """Pairs within 160 x 160 notes (the calibration's) get no correction at all."""
    for s in range(3):
        a, b = synthetic_melody(s, REF_NOTES), synthetic_melody(s + 50, 90)
        r = compare(a, b)
        assert r.views["match"] == r.views["match_raw"]
        assert r.views["strict"] == r.views["strict_raw"]


def test_ngram_chance_correction_never_raises_and_keeps_copies() -> None:
    a, b = synthetic_melody(3, 120), synthetic_melody(4, 3000)
    ia, ib = interval_codes(a), interval_codes(b)
    short = containment_vs_chance(ia, ib[:REF_NOTES], 4)
    raw = containment(_grams(ia, 4), _grams(ib, 4))
    corrected = containment_vs_chance(ia, ib, 4)
    assert corrected <= raw
    assert raw > short  # the raw view does grow with the longer line...
    assert corrected < raw  # ...and the correction takes chance's share off
    whole = np.concatenate([ib[:1000], ia, ib[1000:]])
    assert containment_vs_chance(ia, whole, 4) == pytest.approx(1.0)  # all of A is in B


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n_a=st.integers(40, 250), n_b=st.integers(800, 3000))
def test_unrelated_long_melodies_are_not_copies(small_windows: None, seed: int, n_a: int,
                                                n_b: int) -> None:
    a, b = synthetic_melody(seed, n_a), synthetic_melody(seed + 20_000, n_b)
    r = compare(a, b, max_passages=1)
    assert r.verdict != "copy", r.views
    assert r.views["strict"] < r.views["strict_raw"]  # the search was larger than calibrated


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), q=st.integers(12, 24), n_b=st.integers(600, 2000))
def test_transposed_quote_in_a_long_line_is_found_and_located(small_windows: None, seed: int,
                                                              q: int, n_b: int) -> None:
    src = synthetic_melody(seed, 60)
    filler = synthetic_melody(seed + 20_000, n_b)
    rng = np.random.default_rng(seed)
    long_line, s0, cut = embed_quote(src, filler, rng, n=q)  # transposed, own rhythm
    r = compare(src, long_line)
    assert r.verdict in ("similar", "copy"), r.views
    p = r.passages[0]
    # the best passage is the quote (the ornament-tolerant alignment may run on where the
    # new music happens to fit, but it stays near the quote, not the whole line)
    assert p.a_start_note <= s0 + 1 and p.a_end_note >= s0 + q - 2
    assert p.b_start_note <= cut + 1 and p.b_end_note >= cut + q - 2
    assert p.b_end_note - p.b_start_note <= 3 * q
    assert p.score >= SIMILAR


@pytest.mark.slow
def test_reported_case_1000_against_4000_notes_is_distinct() -> None:
    """The reliability report: two unrelated walks of 1000 and 4000 notes scored 'copy'."""
    r = compare(synthetic_melody(1, 1000), synthetic_melody(2, 4000), max_passages=1)
    assert r.verdict == "distinct", r.views
