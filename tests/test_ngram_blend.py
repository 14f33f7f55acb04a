"""The IDyOM-style combination with another long-term model's distributions (eval-model's
``model_with_stm``): handing it the PPM long-term model's own distributions changes nothing, and a
long-term model that knows the melody lowers its bits."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.music.ngram import IdyomStyle, PPMModel, ppm_distribution

TRAIN = [[60, 62, 64, 65, 67, 65, 64, 62, 60], [67, 65, 64, 62, 60, 62, 64, 62, 60]] * 3
MELODY = [60, 62, 64, 62, 60, 67, 65, 64, 62, 60]


def test_own_distributions_give_the_same_bits() -> None:
    ltm = PPMModel(max_order=3).fit(TRAIN)
    comb = IdyomStyle(ltm, stm_order=4, bias=2.0)
    probs = []
    for i in range(len(MELODY)):
        d = ppm_distribution(ltm, MELODY[:i])
        v = np.zeros(len(comb.alphabet))
        for s, p in d.items():
            v[comb.index[s]] = p
        probs.append(v)
    assert comb.sequence_bits(MELODY, probs) == pytest.approx(comb.sequence_bits(MELODY), abs=1e-9)
    alone = IdyomStyle(None, stm_order=4, bias=2.0, alphabet=ltm.alphabet)
    assert alone.sequence_bits(MELODY, probs) == pytest.approx(comb.sequence_bits(MELODY), abs=1e-9)


def test_a_sharper_long_term_model_lowers_the_bits() -> None:
    alphabet = tuple(range(21, 110))
    comb = IdyomStyle(None, stm_order=4, bias=1.0, alphabet=alphabet)
    flat = [np.full(len(alphabet), 1 / len(alphabet)) for _ in MELODY]
    sharp = []
    for x in MELODY:
        v = np.full(len(alphabet), 0.1 / (len(alphabet) - 1))
        v[alphabet.index(x)] = 0.9
        sharp.append(v)
    assert sum(comb.sequence_bits(MELODY, sharp)) < sum(comb.sequence_bits(MELODY, flat)) - 5


def test_needs_a_model_or_an_alphabet() -> None:
    with pytest.raises(ValueError):
        IdyomStyle(None)
