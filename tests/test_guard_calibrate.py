"""Calibration metrics, variant generators and the shipped guard artefacts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.guard.calibrate import (
    change_notes,
    embed_quote,
    ornament,
    roc_auc,
    synthetic_melody,
    tpr_at_fpr,
)
from assistant.guard.corpus import CORPUS_JSON, CORPUS_NPZ, CorpusMelodies
from assistant.guard.similarity import CALIBRATION_JSON, load_model, thresholds


def test_roc_auc_and_tpr() -> None:
    assert roc_auc(np.array([3.0, 4.0]), np.array([1.0, 2.0])) == 1.0
    assert roc_auc(np.array([1.0]), np.array([1.0])) == 0.5
    assert roc_auc(np.array([0.0, 2.0]), np.array([1.0, 3.0])) == pytest.approx(0.25)
    neg = np.linspace(0, 1, 1001)
    tpr, thr = tpr_at_fpr(np.array([0.995, 1.5, 0.2]), neg, 0.01)
    assert thr == pytest.approx(0.99) and tpr == pytest.approx(2 / 3)


def test_variant_generators_keep_what_they_should() -> None:
    rng = np.random.default_rng(0)
    m = synthetic_melody(5, 30)
    orn = ornament(m, rng, frac=1.0)
    kept = set(np.round(m.onsets_beats, 6)) <= set(np.round(orn.onsets_beats, 6))
    assert kept and len(orn) > len(m)  # every original onset is still there
    ch = change_notes(m, rng, 3)
    assert int((ch.pitches != m.pitches).sum()) == 3
    new, s0, cut = embed_quote(m, synthetic_melody(6, 20), rng, n=10)
    assert len(new) == 30
    iv_new = np.diff(new.pitches[cut:cut + 10])
    assert iv_new.tolist() == np.diff(m.pitches[s0:s0 + 10]).tolist()


@pytest.mark.skipif(not CORPUS_NPZ.is_file(), reason="corpus melody data not built")
def test_shipped_corpus_loads_without_pickles() -> None:
    with np.load(CORPUS_NPZ, allow_pickle=False) as z:
        assert z["pitches"].dtype == np.uint8 and z["ioi_ticks"].dtype == np.uint16
    c = CorpusMelodies.load()
    assert len(c) > 10_000 and len(c.pieces) == len(c)
    assert json.loads(CORPUS_JSON.read_text("utf-8"))["ticks_per_beat"] == 48


@pytest.mark.skipif(not CALIBRATION_JSON.is_file(), reason="not calibrated yet")
def test_shipped_calibration_is_consistent() -> None:
    data = json.loads(CALIBRATION_JSON.read_text("utf-8"))
    similar, copy = thresholds(load_model())
    assert 0.0 < similar < copy < 1.0
    held = data["held_out"]
    assert held["false_alarms"]["similar_or_copy"] <= 0.01
    assert held["kinds"]["transposed"]["tpr_at_1pct_fpr"] >= 0.95
