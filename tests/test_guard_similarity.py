"""Melodic similarity: invariances, quotes with positions, unrelated pairs, ornaments, files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import InputError
from assistant.guard.calibrate import change_notes, embed_quote, ornament, synthetic_melody
from assistant.guard.melody import Melody, is_monophonic, load_melodies, skyline
from assistant.guard.similarity import compare, compare_sets, thresholds, weighted_length

FIX = Path(__file__).resolve().parent / "fixtures" / "guard"
SIMILAR, COPY = thresholds()


def random_melody(seed: int, n: int = 40) -> Melody:
    return synthetic_melody(seed, n)


melody_seeds = st.integers(min_value=0, max_value=10_000)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=melody_seeds, shift=st.integers(-12, 12), k=st.sampled_from([-1, 0, 1]))
def test_transposition_and_tempo_invariance(seed: int, shift: int, k: int) -> None:
    a, b = random_melody(seed), random_melody(seed + 1)
    base = compare(a, b)
    moved = compare(a, b.transposed(shift).time_scaled(2.0 ** k))
    assert moved.score == pytest.approx(base.score, abs=1e-9)
    assert moved.views["match"] == pytest.approx(base.views["match"], abs=1e-9)
    self_sim = compare(a, a.transposed(shift).time_scaled(2.0 ** k))
    assert self_sim.verdict == "copy"
    assert self_sim.views["match"] == pytest.approx(weighted_length(a))


@settings(max_examples=10, deadline=None)
@given(seed=melody_seeds)
def test_score_in_unit_interval_and_symmetric(seed: int) -> None:
    a, b = random_melody(seed, 30), random_melody(seed + 7, 45)
    ab, ba = compare(a, b), compare(b, a)
    assert 0.0 <= ab.score <= 1.0
    assert abs(ab.score - ba.score) < 0.05
    if ab.passages and ba.passages:  # the same passage, seen from the other side
        pa, pb = ab.passages[0], ba.passages[0]
        assert (pa.a_start_note, pa.a_end_note) == (pb.b_start_note, pb.b_end_note)


def test_tempo_scaling_by_non_power_of_two() -> None:
    a = random_melody(3)
    r = compare(a, a.transposed(-5).time_scaled(1.5))
    assert r.verdict == "copy"
    assert r.passages[0].tempo_ratio == pytest.approx(1.5)
    assert r.passages[0].transposition == -5


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_planted_ten_note_quote_found_with_positions(seed: int) -> None:
    src, filler = random_melody(seed, 50), random_melody(seed + 100, 40)
    rng = np.random.default_rng(seed)
    new, s0, cut = embed_quote(src, filler, rng, n=10)
    r = compare(new, src)
    assert r.verdict in ("similar", "copy")
    p = r.passages[0]
    # the passage covers the quote in both pieces (the alignment may grow by a note or two
    # where the surrounding new material happens to fit)
    assert p.a_start_note <= cut and p.a_end_note >= cut + 9
    assert p.b_start_note <= s0 and p.b_end_note >= s0 + 9
    assert p.a_end_note - p.a_start_note <= 13
    assert p.a_start_beat == pytest.approx(float(new.onsets_beats[p.a_start_note]))
    assert p.b_start_beat == pytest.approx(float(src.onsets_beats[p.b_start_note]))
    assert p.b_excerpt == src.pitches[p.b_start_note:p.b_end_note + 1].tolist()


def test_unrelated_melodies_are_distinct() -> None:
    pairs = [(random_melody(s), random_melody(s + 500)) for s in range(20, 30)]
    verdicts = [compare(a, b).verdict for a, b in pairs]
    assert verdicts.count("distinct") >= 9
    theme = load_melodies(FIX / "theme.mid")
    other = load_melodies(FIX / "unrelated.abc")
    assert compare_sets(theme, other)[0].verdict == "distinct"


@pytest.mark.parametrize("seed", [41, 42, 43])
def test_ornamented_and_changed_variants_at_least_similar(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = random_melody(seed)
    orn = ornament(a, rng, frac=0.35)
    assert len(orn) > len(a)
    assert compare(a, orn).score >= SIMILAR
    assert compare(a, change_notes(a, rng, 3).transposed(4)).score >= SIMILAR


def test_skyline_and_monophony() -> None:
    chords = [(60, 0, 1), (64, 0, 1), (67, 0, 1), (59, 1, 1), (62, 1, 1), (65, 1, 2), (72, 2, 1)]
    assert not is_monophonic(chords)
    m = skyline(chords)
    assert m.pitches.tolist() == [67, 65, 72]
    assert m.durs_beats.tolist() == [1.0, 1.0, 1.0]  # the held 65 is cut by the higher 72
    assert is_monophonic([(60, 0, 1.05), (62, 1, 1), (64, 2, 1)])  # slight legato overlap


def test_midi_musicxml_abc_import_and_polyphonic_skyline() -> None:
    theme = load_melodies(FIX / "theme.mid")
    assert len(theme) == 1 and len(theme[0]) == 24
    assert theme[0].pitches[:4].tolist() == [62, 65, 64, 62]
    variant = load_melodies(FIX / "theme_variant.musicxml")  # written by music21
    assert len(variant) == 1 and len(variant[0]) == 26
    assert variant[0].pitches[0] == 67 and variant[0].durs_beats[0] == 2.0
    poly = load_melodies(FIX / "poly.mid")
    names = [m.name for m in poly]
    assert any("skyline" in n for n in names) and not any("drum" in n for n in names)
    piano = next(m for m in poly if "skyline" in m.name)
    assert piano.pitches[:24].tolist() == theme[0].pitches.tolist()  # then the last chords
    abc = load_melodies(FIX / "unrelated.abc")
    assert len(abc[0]) > 30
    r = compare_sets(theme, variant)[0]
    assert r.verdict == "copy"
    assert r.passages[0].transposition == 5 and r.passages[0].tempo_ratio == pytest.approx(2.0)


@pytest.mark.parametrize("name", ["bad.mid", "missing.mid", "make_fixtures.py"])
def test_bad_files_raise_input_error(name: str) -> None:
    with pytest.raises(InputError):
        load_melodies(FIX / name)


def test_shared_repeated_note_pulse_is_not_a_quote() -> None:
    """Two unrelated lines that both hold a 24-note repeated-note pulse (an accompaniment
    figure) must not be called copies: repeated-note runs earn little."""
    def with_pulse(seed: int, pitch: int) -> Melody:
        m = random_melody(seed, 40)
        pulse = np.full(24, pitch)
        start = float(m.onsets_beats[-1] + m.durs_beats[-1])
        on = start + 0.5 * np.arange(24)
        return Melody(np.concatenate([m.pitches, pulse]), np.concatenate([m.onsets_beats, on]),
                      np.concatenate([m.durs_beats, np.full(24, 0.5)]))

    r = compare(with_pulse(901, 62), with_pulse(902, 65))
    assert r.verdict == "distinct"
    assert r.views["strict"] < 6
