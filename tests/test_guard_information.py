"""Information-weighted matching: plain material matching by chance is no evidence; real
quotes and copies (transposed, at another tempo, rhythm changed in passing) still are."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.guard import similarity
from assistant.guard.calibrate import embed_quote, ornament, synthetic_melody
from assistant.guard.information import (
    generic_mask,
    line_information,
    note_bits,
    pair_information,
    periodic_mask,
)
from assistant.guard.lengths import plain_walk
from assistant.guard.melody import Melody
from assistant.guard.similarity import combine, compare, evidence_cap, load_model, thresholds

SIMILAR, COPY = thresholds()


def tune(seed: int, n: int = 48) -> Melody:
    return synthetic_melody(seed, n)


def scale_run(n: int, start: int = 60) -> Melody:
    steps = [2, 2, 1, 2, 2, 2, 1]
    p = [start]
    for k in range(n - 1):
        p.append(p[-1] + steps[k % 7])
    return Melody(np.array(p), 0.5 * np.arange(n), np.full(n, 0.5))


@pytest.mark.parametrize("n", [50, 160])
def test_plain_stepwise_lines_in_even_eighths_are_not_copies(n: int) -> None:
    """Unrelated walks of steps in even eighths: the logistic views alone called these
    copies (the reliability report); their matches carry no evidence."""
    for s in range(3):
        r = compare(plain_walk(s, n), plain_walk(s + 500, n))
        assert r.verdict == "distinct", (s, r.views)
        assert r.views["evidence_bits"] < 4.0
    before = [combine(compare(plain_walk(s, 160), plain_walk(s + 500, 160)).views) for s in range(3)]
    assert max(before) >= COPY  # what the views alone say: the test can fail


def test_long_plain_lines_are_not_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(similarity, "MAX_WINDOW_CELLS", 60_000)
    r = compare(plain_walk(1, 300), plain_walk(2, 1200), max_passages=1)
    assert r.verdict == "distinct", r.views


def test_a_scale_run_matching_a_scale_run_is_no_evidence() -> None:
    a = scale_run(16, 60)
    b = Melody(np.concatenate([tune(3, 20).pitches, scale_run(16, 67).pitches]),
               0.5 * np.arange(36), np.full(36, 0.5))
    r = compare(a, b)
    assert r.verdict == "distinct", r.views
    assert r.passages and r.passages[0].generic_share >= 0.8
    assert generic_mask(a).all()


def test_transposed_16_note_quote_in_plain_material_is_found_and_located() -> None:
    src = tune(21, 60)
    filler = plain_walk(9, 400)
    rng = np.random.default_rng(4)
    new, s0, cut = embed_quote(src, filler, rng, n=16)
    r = compare(src, new)
    assert r.verdict == "copy", r.views
    p = r.passages[0]
    assert p.a_start_note <= s0 + 1 and p.a_end_note >= s0 + 14
    assert p.b_start_note <= cut + 1 and p.b_end_note >= cut + 14
    assert p.evidence_bits >= 10.0 and p.transposition != 0


def test_two_bar_quote_at_another_tempo_is_found() -> None:
    src = tune(33, 48)
    # two 4/4 bars of the tune (from its 9th beat), played 1.5 times slower
    on = src.onsets_beats
    sel = np.nonzero((on >= 8.0) & (on < 16.0))[0]
    assert len(sel) >= 6
    quote = src.slice(int(sel[0]), int(sel[-1]) + 1).time_scaled(1.5).transposed(-3)
    filler = tune(800, 40)
    t0 = float(filler.onsets_beats[-1] + filler.durs_beats[-1])
    q = Melody(quote.pitches, quote.onsets_beats - quote.onsets_beats[0] + t0, quote.durs_beats)
    new = Melody(np.concatenate([filler.pitches, q.pitches]),
                 np.concatenate([filler.onsets_beats, q.onsets_beats]),
                 np.concatenate([filler.durs_beats, q.durs_beats]))
    r = compare(new, src)
    assert r.verdict in ("similar", "copy"), r.views
    p = r.passages[0]
    assert p.tempo_ratio == pytest.approx(1 / 1.5, rel=0.05)
    assert p.b_start_note <= int(sel[0]) + 1 and p.b_end_note >= int(sel[-1]) - 1


@pytest.mark.parametrize("seed", [51, 52, 53])
def test_copy_with_rhythm_changed_in_passing_is_still_caught(seed: int) -> None:
    a = tune(seed, 40)
    rng = np.random.default_rng(seed)
    changed = ornament(a, rng, frac=0.3).transposed(5).time_scaled(0.75)
    r = compare(a, changed)
    assert r.score >= SIMILAR, r.views
    assert r.views["evidence_bits"] > 10.0


def test_a_repeated_figure_earns_little_from_its_own_line() -> None:
    """An ostinato: the 3rd and later statements are predictable from the line itself."""
    cell = [62, 66, 69, 74, 69, 66]
    fig = Melody(np.array(cell * 8), 0.5 * np.arange(48), np.full(48, 0.5))
    bits = note_bits(fig).sum(axis=1)
    assert bits[20:].mean() < 0.5 * bits[1:6].mean()
    assert periodic_mask(fig)[6:].all()
    assert line_information(fig) < line_information(tune(7, 48)) / 4


def test_pair_information_counts_runs_and_ornaments() -> None:
    a = tune(5, 30)
    whole = pair_information(a, a, [(i, i) for i in range(30)], cells=900)
    broken = pair_information(a, a, [(i, i) for i in range(30) if i % 5], cells=900)
    assert whole.runs == 1 and broken.runs > 1
    assert whole.evidence > broken.evidence
    assert whole.bits == pytest.approx(line_information(a), rel=1e-9)


def test_evidence_cap_passes_the_thresholds_at_its_anchors() -> None:
    m = load_model()
    ev = {"similar_bits": 4.0, "copy_bits": 14.0, "figure_margin_bits": 10.0}
    model = dict(m, evidence=ev)
    assert evidence_cap(4.0, model) == pytest.approx(SIMILAR, abs=1e-6)
    assert evidence_cap(14.0, model) == pytest.approx(COPY, abs=1e-6)
    assert evidence_cap(10.0, model, figure=True) < SIMILAR  # figures need 10 bits more
    assert evidence_cap(24.0, model, figure=True) == pytest.approx(COPY, abs=1e-6)
