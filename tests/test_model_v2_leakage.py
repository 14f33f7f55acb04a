"""The tune-family split: the similarity measures are exact, the link search misses nothing, and
no held-out melody has a training melody at edit similarity >= 0.8 or 8-gram cover >= 80 %."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.music.data import load_melody_table
from assistant.music.evaluate import load_eval_melodies
from assistant.music.families import (
    SIM_COVER,
    SIM_EDIT,
    clusters,
    cover,
    edit_similarities,
    edit_similarity,
    find_links,
    intervals,
    levenshtein_batch,
    ngram_codes,
)

DATASETS = Path(__file__).resolve().parents[1] / "datasets" / "music"
TABLES = DATASETS / "melody_tables.npz"


def _lev(a: list[int], b: list[int]) -> int:
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, d[0] = d[:], i
        for j, y in enumerate(b, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (x != y))
    return d[-1]


seqs = st.lists(st.integers(-3, 3), max_size=14)


@settings(max_examples=60, deadline=None)
@given(seqs, st.lists(seqs, min_size=1, max_size=5))
def test_batched_levenshtein_equals_the_textbook_dp(a: list[int], bs: list[list[int]]) -> None:
    got = levenshtein_batch(np.array(a, dtype=np.int16), [np.array(b, dtype=np.int16) for b in bs])
    assert got.tolist() == [_lev(a, b) for b in bs]


def test_cover_and_edit_similarity_are_transposition_invariant() -> None:
    tune = [60, 62, 64, 65, 67, 65, 64, 62, 60, 67, 72, 71, 69, 67]
    up = [p + 5 for p in tune]
    a, b = intervals(tune), intervals(up)
    assert edit_similarity(a, b) == 1.0 and cover(a, b) == 1.0
    inside = intervals([50, 52] + up + [70, 69, 67])  # the tune inside a longer line
    assert cover(a, inside) == 1.0 and cover(inside, a) < 1.0


def test_find_links_misses_no_pair_over_the_thresholds() -> None:
    rng = np.random.default_rng(4)
    base = [rng.integers(-4, 5, size=int(rng.integers(12, 60))).astype(np.int16) for _ in range(100)]
    ivs = list(base)
    for i in range(20):  # variants: 1-3 changed intervals, a repeated phrase, a tune inside another
        v = base[i].copy()
        for _ in range(int(rng.integers(1, 4))):
            v[int(rng.integers(len(v)))] += 1
        ivs.append(v)
    ivs.append(np.concatenate([base[40], base[41]]))
    links = {(lk.a, lk.b) for lk in find_links(ivs, edit_min=0.75, cover_min=0.7)}  # looser than the defaults
    grams = [ngram_codes(iv) for iv in ivs]
    for i in range(len(ivs)):  # brute force over every pair
        sims = edit_similarities(ivs[i], ivs[i + 1:])
        for j, sim in zip(range(i + 1, len(ivs)), sims, strict=True):
            cov = max(np.isin(grams[i], grams[j]).mean() if len(grams[i]) else 0.0,
                      np.isin(grams[j], grams[i]).mean() if len(grams[j]) else 0.0)
            assert (sim >= 0.75 or cov >= 0.7) == ((i, j) in links), (i, j)
    lab = clusters(len(ivs), [lk for lk in find_links(ivs)])
    assert lab[100] == lab[0] and lab[-1] == lab[40] == lab[41]


@pytest.fixture(scope="module")
def tables() -> tuple[list[np.ndarray], list[np.ndarray]]:
    if not TABLES.exists():
        pytest.skip(f"{TABLES} missing: python -m training.build_corpus --stage split")
    return load_melody_table(TABLES, "train"), load_melody_table(TABLES, "test")


def test_no_test_melody_has_a_near_copy_in_training(tables: tuple[list[np.ndarray], list[np.ndarray]]) -> None:
    train, test = tables
    ev = load_eval_melodies()
    held = [intervals(m) for m in test] + [intervals([n[0] for n in m["notes"]]) for s in ev.values() for m in s]
    assert len(held) > 700 and len(train) > 10_000
    links = find_links(held, [intervals(m) for m in train], edit_min=SIM_EDIT, cover_min=SIM_COVER)
    assert not links, [(lk.a, lk.b, round(lk.edit, 3), round(lk.cover_ab, 3), round(lk.cover_ba, 3))
                       for lk in links[:10]]


def test_the_old_test_sets_do_leak_under_the_same_measure(tables: tuple[list[np.ndarray], list[np.ndarray]]
                                                          ) -> None:
    """The detector is not blind: the session-2 chorale test set has near copies in training."""
    old = DATASETS / "eval_melodies_v1.json"
    if not old.exists():
        pytest.skip(f"{old} missing")
    train, _test = tables
    chorales = load_eval_melodies(old)["chorale"]
    held = [intervals([n[0] for n in m["notes"]]) for m in chorales]
    links = find_links(held, [intervals(m) for m in train], edit_min=SIM_EDIT, cover_min=SIM_COVER)
    assert len({lk.a for lk in links}) >= 10
    fam = json.loads((DATASETS / "families.json").read_text())
    before = fam["leakage"]["v1_split"]["chorale_test"]["with_a_train_near_copy"]
    after = fam["leakage"]["this_split"]["chorale_test"]["with_a_train_near_copy"]
    assert before >= 10 and after == 0
