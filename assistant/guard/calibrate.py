"""Calibration of the similarity score on planted variants against unrelated corpus pairs.

Positives are corpus melodies paired with a planted variant of themselves:

* ``exact``: the melody itself, re-played (a control)
* ``transposed``: moved by 1-11 semitones up or down
* ``tempo``: every duration times a factor in [0.5, 2] (log-uniform), not 1
* ``ornamented``: 25-40 % of the notes split by a passing note, a neighbour note or a turn
* ``changed``: 1-3 notes changed by 1-4 semitones
* ``combined``: transposed + tempo + lightly ornamented + 1 note changed
* ``quote10``: 10 consecutive notes (transposed, in their rhythm) lifted into an unrelated
  corpus melody ("otherwise new material"); the new piece is compared with the source

Negatives are pairs of different corpus pieces (different ids, different titles). Folk
collections hold genuinely related tunes under different titles (tune families, variants in
Essen, O'Neill and Ryan), so a few "negatives" are real relatives: the false-positive rate
measured here is an upper bound on the rate for truly unrelated music.

The logistic weights of the views are fitted on the pieces of one half of the sources and
every figure is reported on the other half (held out). The thresholds are the 99th (similar)
and the 99.9th (copy) percentiles of held-out negative scores, never below 0.5 and 0.85.
A *stress* set with settings the fit never saw (8- and 12-note quotes, 4 changed notes,
heavier ornaments, quotes with 1 changed note) is reported with the same thresholds.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.guard.corpus import CorpusMelodies
from assistant.guard.melody import Melody
from assistant.guard.similarity import DEFAULT_MODEL, compare

log = logging.getLogger(__name__)

KINDS: tuple[str, ...] = ("exact", "transposed", "tempo", "ornamented", "changed", "combined",
                          "quote10")
STRESS_KINDS: tuple[str, ...] = ("quote8", "quote12", "quote10_changed", "changed4",
                                 "ornamented_heavy")
MAX_NOTES = 160  # longer corpus melodies are cut to a window of this many notes


# ----------------------------------------------------------------------------- variants
def transpose(m: Melody, rng: np.random.Generator) -> Melody:
    t = int(rng.choice([-1, 1]) * rng.integers(1, 12))
    return m.transposed(t)


def tempo(m: Melody, rng: np.random.Generator) -> Melody:
    f = 1.0
    while abs(math.log2(f)) < 0.1:
        f = float(2.0 ** rng.uniform(-1.0, 1.0))
    return m.time_scaled(f)


def ornament(m: Melody, rng: np.random.Generator, frac: float | None = None) -> Melody:
    """Split a fraction of the notes: passing note toward the next pitch, upper or lower
    neighbour, or a turn (3 notes); the onsets of the other notes do not move."""
    frac = float(rng.uniform(0.25, 0.4)) if frac is None else frac
    ioi = m.iois_beats
    notes: list[tuple[int, float, float]] = []
    for i in range(len(m)):
        p, o, d = int(m.pitches[i]), float(m.onsets_beats[i]), float(m.durs_beats[i])
        span = float(ioi[i])
        if rng.random() < frac and span >= 0.24:
            nxt = int(m.pitches[i + 1]) if i + 1 < len(m) else p
            kind = rng.choice(["passing", "neighbour", "turn"], p=[0.4, 0.4, 0.2])
            if kind == "passing" and abs(nxt - p) >= 3:
                q = p + int(np.sign(nxt - p)) * int(rng.integers(1, 3))
                notes += [(p, o, span / 2), (q, o + span / 2, span / 2)]
            elif kind == "turn" and span >= 0.5:
                up = int(rng.integers(1, 3))
                notes += [(p, o, span / 2), (p + up, o + span / 2, span / 4),
                          (p, o + 3 * span / 4, span / 4)]
            else:
                q = p + int(rng.choice([-2, -1, 1, 2]))
                first = span * float(rng.choice([0.5, 0.75]))
                notes += [(p, o, first), (q, o + first, span - first)]
        else:
            notes.append((p, o, d))
    return Melody.from_notes(notes, name=m.name)


def change_notes(m: Melody, rng: np.random.Generator, k: int | None = None) -> Melody:
    k = int(rng.integers(1, 4)) if k is None else k
    pit = m.pitches.copy()
    idx = rng.choice(np.arange(1, len(m)), size=min(k, len(m) - 1), replace=False)
    for i in idx:
        pit[i] += int(rng.choice([-4, -3, -2, -1, 1, 2, 3, 4]))
    return Melody(pit, m.onsets_beats, m.durs_beats, name=m.name)


def embed_quote(src: Melody, filler: Melody, rng: np.random.Generator, n: int = 10,
                n_changed: int = 0) -> tuple[Melody, int, int]:
    """Lift ``n`` consecutive notes of ``src`` into ``filler`` (new material) at a random
    note position. Returns (new piece, first quoted note in src, first in the new piece)."""
    s0 = int(rng.integers(0, len(src) - n + 1))
    q = src.slice(s0, s0 + n)
    if n_changed:
        q = change_notes(q, rng, n_changed)
    cut = int(rng.integers(min(4, len(filler)), max(5, len(filler) - 3)))
    cut = min(cut, len(filler))
    # the quote is transposed so that it starts near the filler's pitch at the cut
    ref = int(filler.pitches[min(cut, len(filler) - 1)])
    q = q.transposed(ref - int(q.pitches[0]) + int(rng.integers(-2, 3)))
    t_cut = float(filler.onsets_beats[cut]) if cut < len(filler) else (
        float(filler.onsets_beats[-1] + filler.iois_beats[-1]))
    q_on = q.onsets_beats - q.onsets_beats[0] + t_cut
    q_len = float(q.onsets_beats[-1] - q.onsets_beats[0] + q.iois_beats[-1])
    rest_on = filler.onsets_beats[cut:] - t_cut + t_cut + q_len
    pit = np.concatenate([filler.pitches[:cut], q.pitches, filler.pitches[cut:]])
    on = np.concatenate([filler.onsets_beats[:cut], q_on, rest_on])
    du = np.concatenate([filler.durs_beats[:cut], q.durs_beats, filler.durs_beats[cut:]])
    return Melody(pit, on, du, name=f"{filler.name}+quote"), s0, cut


def make_positive(kind: str, m: Melody, filler: Melody, rng: np.random.Generator) -> Melody:
    if kind == "exact":
        return Melody(m.pitches, m.onsets_beats, m.durs_beats)
    if kind == "transposed":
        return transpose(m, rng)
    if kind == "tempo":
        return tempo(m, rng)
    if kind == "ornamented":
        return ornament(m, rng)
    if kind == "changed":
        return change_notes(m, rng)
    if kind == "combined":
        return change_notes(ornament(tempo(transpose(m, rng), rng), rng, frac=0.2), rng, 1)
    if kind.startswith("quote"):
        n = {"quote8": 8, "quote12": 12}.get(kind, 10)
        return embed_quote(m, filler, rng, n=n, n_changed=1 if kind.endswith("changed") else 0)[0]
    if kind == "changed4":
        return change_notes(m, rng, 4)
    if kind == "ornamented_heavy":
        return ornament(m, rng, frac=0.6)
    raise ValueError(f"unknown variant kind {kind!r}")


# ----------------------------------------------------------------------------- data set
@dataclass
class Sample:
    kind: str  # a variant kind or "unrelated"
    label: int
    views: dict[str, float]
    seconds: float


def _clip(m: Melody, rng: np.random.Generator) -> Melody:
    if len(m) <= MAX_NOTES:
        return m
    s = int(rng.integers(0, len(m) - MAX_NOTES + 1))
    return m.slice(s, s + MAX_NOTES)


def _norm_title(t: str) -> str:
    return "".join(ch for ch in t.lower() if ch.isalnum())


def build_samples(corpus: CorpusMelodies, piece_ids: np.ndarray, n_per_kind: int,
                  n_negative: int, kinds: tuple[str, ...], seed: int,
                  progress: Callable[[Any], Any] | None = None) -> list[Sample]:
    """Planted positives (``n_per_kind`` of each kind) and ``n_negative`` unrelated pairs,
    all drawn from ``piece_ids`` (melodies of at least 16 notes)."""
    rng = np.random.default_rng(seed)
    eligible = np.array([p for p in piece_ids if corpus.offsets[p + 1] - corpus.offsets[p] >= 16])
    titles = {int(p): _norm_title(corpus.pieces[int(p)].get("title", "")) for p in eligible}
    jobs: list[tuple[str, int, int]] = []
    for kind in kinds:
        for _ in range(n_per_kind):
            a, f = rng.choice(eligible, 2, replace=False)
            jobs.append((kind, int(a), int(f)))
    while sum(1 for j in jobs if j[0] == "unrelated") < n_negative:
        a, b = rng.choice(eligible, 2, replace=False)
        ta, tb = titles[int(a)], titles[int(b)]
        if ta and ta == tb:
            continue  # same title: likely the same tune
        jobs.append(("unrelated", int(a), int(b)))
    it = progress(jobs) if progress else jobs
    out: list[Sample] = []
    for kind, a, b in it:
        ma = _clip(corpus.melody(a), rng)
        mb = _clip(corpus.melody(b), rng)
        if kind == "unrelated":
            x, y = ma, mb
        else:
            x, y = ma, make_positive(kind, ma, mb, rng)
        t0 = time.perf_counter()
        r = compare(x, y, model=DEFAULT_MODEL, max_passages=1)
        out.append(Sample(kind, 0 if kind == "unrelated" else 1, dict(r.views),
                          time.perf_counter() - t0))
    return out


# ----------------------------------------------------------------------------- metrics
def roc_auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability that a positive outscores a negative (ties count half)."""
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    allv = np.concatenate([pos, neg])
    order = np.argsort(allv, kind="mergesort")
    ranks = np.empty(len(allv))
    sv = allv[order]
    i = 0
    while i < len(sv):  # average ranks of ties
        j = i
        while j + 1 < len(sv) and sv[j + 1] == sv[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    r_pos = ranks[: len(pos)].sum()
    return float((r_pos - len(pos) * (len(pos) + 1) / 2.0) / (len(pos) * len(neg)))


def tpr_at_fpr(pos: np.ndarray, neg: np.ndarray, fpr: float = 0.01) -> tuple[float, float]:
    """(TPR, threshold) where the threshold lets at most ``fpr`` of the negatives through."""
    thr = float(np.quantile(neg, 1.0 - fpr, method="higher")) if len(neg) else 0.5
    return float(np.mean(pos > thr)), thr


def fit_model(samples: list[Sample], features: list[str], match_cap: float) -> dict[str, Any]:
    """Logistic regression of label on the views (balanced classes, mild L2)."""
    from sklearn.linear_model import LogisticRegression

    X = np.array([[min(s.views[f], match_cap) if f == "match" else s.views[f] for f in features]
                  for s in samples])
    y = np.array([s.label for s in samples])
    clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    clf.fit(X, y)
    return {"features": list(features), "weights": [round(float(w), 5) for w in clf.coef_[0]],
            "bias": round(float(clf.intercept_[0]), 5), "match_cap": match_cap,
            "coverage_floor_notes": DEFAULT_MODEL["coverage_floor_notes"]}


def score_samples(samples: list[Sample], model: dict[str, Any]) -> np.ndarray:
    from assistant.guard.similarity import combine

    return np.array([combine(s.views, model) for s in samples])


def report(samples: list[Sample], scores: np.ndarray, kinds: tuple[str, ...],
           thresholds: dict[str, float]) -> dict[str, Any]:
    neg = scores[[s.label == 0 for s in samples]]
    out: dict[str, Any] = {"n_negative": int(len(neg)), "kinds": {}}
    for kind in kinds:
        mask = np.array([s.kind == kind for s in samples])
        if not mask.any():
            continue
        pos = scores[mask]
        tpr, thr = tpr_at_fpr(pos, neg, 0.01)
        out["kinds"][kind] = {
            "n": int(mask.sum()),
            "roc_auc": round(roc_auc(pos, neg), 4),
            "tpr_at_1pct_fpr": round(tpr, 4),
            "caught_as_similar_or_copy": round(float(np.mean(pos >= thresholds["similar"])), 4),
            "caught_as_copy": round(float(np.mean(pos >= thresholds["copy"])), 4),
            "median_score": round(float(np.median(pos)), 4),
        }
    allpos = scores[[s.label == 1 for s in samples]]
    tpr, thr = tpr_at_fpr(allpos, neg, 0.01)
    out["all"] = {"roc_auc": round(roc_auc(allpos, neg), 4), "tpr_at_1pct_fpr": round(tpr, 4),
                  "threshold_at_1pct_fpr": round(thr, 4)}
    out["false_alarms"] = {
        "similar_or_copy": round(float(np.mean(neg >= thresholds["similar"])), 5),
        "copy": round(float(np.mean(neg >= thresholds["copy"])), 5),
    }
    return out
