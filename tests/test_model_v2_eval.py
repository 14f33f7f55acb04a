"""The honest evaluation: the eval-model contract keys in the shipped eval.json, the bootstrap
interval, and the IDyOM-style baseline (its short-term model learns a melody's own repeats)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from assistant.music.evaluate import bootstrap_ci, melody_ids
from assistant.music.ngram import IdyomStyle, PPMModel, ppm_distribution
from assistant.music.tokens import Vocab, load_tokenizer

EVAL = Path(__file__).resolve().parents[1] / "models" / "music" / "eval.json"


def test_shipped_eval_json_has_the_contract_keys() -> None:
    ev = json.loads(EVAL.read_text())
    for key in ("chorale_soprano_bits_per_note", "essen_bits_per_note"):
        assert 0.5 < ev[key] < 6.0
        lo, hi = ev[key.replace("bits_per_note", "ci95")]
        assert lo <= ev[key] <= hi
        assert 0.5 < ev["idyom_baseline"][key] < 6.0 and 0.5 < ev["old_split"][key] < 6.0
    for key in ("key_accuracy_raw", "chord_tone_rate_raw"):
        assert 0.0 <= ev[key] <= 1.0
    for key in ("heldout_nll_per_token", "ngram_baseline", "distribution", "control_accuracy", "memorization"):
        assert key in ev  # the session-2 keys stay
    assert ev["plan_following"]["raw"]["oversample"] == 1 and ev["plan_following"]["reranked"]["oversample"] > 1


def test_bootstrap_interval_resamples_whole_melodies() -> None:
    rng = np.random.default_rng(0)
    bits = [list(rng.normal(2.5, 0.5, size=int(rng.integers(20, 60)))) for _ in range(80)]
    lo, hi = bootstrap_ci(bits)
    mean = sum(map(sum, bits)) / sum(map(len, bits))
    assert lo < mean < hi and hi - lo < 0.3
    assert bootstrap_ci(bits, seed=1) != [lo, hi] and bootstrap_ci([]) is None


def test_ppm_distribution_sums_to_one_and_matches_prob() -> None:
    m = PPMModel(max_order=3).fit([[60, 62, 64, 65, 67, 65, 64, 62] * 3, [60, 64, 67, 72, 67, 64]])
    for ctx in ([], [60], [60, 62], [67, 65, 64], [61, 63]):
        d = ppm_distribution(m, ctx)
        assert math.isclose(sum(d.values()), 1.0, rel_tol=1e-9)
        for x in (60, 64, 70):
            assert math.isclose(d[x], m.prob(ctx, x), rel_tol=1e-9)


def test_short_term_model_learns_the_melody_s_own_repeats() -> None:
    ltm = PPMModel(max_order=4).fit([[60, 62, 64, 65, 67, 69, 71, 72], [72, 71, 69, 67, 65, 64, 62, 60]] * 5)
    phrase = [66, 70, 61, 68, 63, 59, 66, 70]  # unlike anything the long-term model knows
    mel = phrase * 4
    with_stm = IdyomStyle(ltm, stm_order=8, bias=3.0).sequence_bits(mel)
    ltm_only = ltm.sequence_bits(mel)
    # the first pass costs about the same; once the phrase repeats the short-term model predicts it
    assert sum(with_stm[len(phrase):]) < 0.5 * sum(ltm_only[len(phrase):])


def test_melody_prefix_for_a_v2_model_hides_the_harmony() -> None:
    vocab = Vocab(load_tokenizer())
    mel = {"meters": [[0.0, 3, 4]], "tempos": [[0.0, 90.0]], "notes": [[67, 0.0, 1.0], [69, 1.0, 1.0], [71, 2.0, 1.0],
                                                                       [72, 3.0, 3.0]]}
    plain, t1 = melody_ids(vocab, mel)
    v2, t2 = melody_ids(vocab, mel, chords=True)
    assert len(t1) == len(t2) == 4 and all(vocab.kind[v2[i]] == 1 for i in t2)
    bars = [i for i, t in enumerate(v2) if t == vocab.bar]
    assert len(bars) == 2 and all(v2[b + 1] == vocab.chord_none for b in bars)
    assert [t for t in v2 if t != vocab.chord_none] == plain
