"""Melodic similarity, invariant to transposition and tempo, that finds quotes as well as copies.

Four views of two melodies are combined:

* **alignment**: a local (Smith-Waterman) alignment with Mongeau & Sankoff's (1990) edit
  operations: substitution (weighted by pitch and duration difference), insertion and
  deletion (cheaper for short notes), *fragmentation* (one note against 2-3 notes: a note
  split by a passing or neighbour note, an ornament) and *consolidation* (the reverse).
  Pitches are compared after a transposition and durations after a tempo factor, both
  estimated from shared interval 3-grams (each candidate transposition is tried). The
  local form finds a 10-note quote inside otherwise new material; its score is in
  "matched-note equivalents" (an exact note pair earns 1).
* **n-grams** of (interval, inter-onset-interval ratio): set containment, 4-grams.
* **contour**: containment of Parsons-code (up/down/repeat) 6-grams.
* **rhythm**: containment of IOI-ratio 5-grams.

:func:`compare` returns a :class:`Similarity`: ``score`` in [0, 1] (a logistic function of the
views, weights and thresholds from ``models/guard/calibration.json`` when present), the
``verdict`` (``copy`` / ``similar`` / ``distinct``) and the matching ``passages`` with note
indices and beats in both pieces.

Chance grows with length: the longest chance alignment of two unrelated lines grows with the
logarithm of the note pairs searched, and a long line holds most short figures somewhere. The
weights were fitted on lines of at most 160 notes, so for larger searches the views are first
brought back to chance at that size (:func:`chance_excess`, :func:`containment_vs_chance`),
and passages are ranked by their own score, so a whole cue's draft against a long temp track
is judged like a tune against a tune. Only numpy; a pair of 2-minute cues takes ~0.1-0.3 s.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.guard.melody import Melody

log = logging.getLogger(__name__)

CALIBRATION_JSON = Path(__file__).resolve().parents[2] / "models" / "guard" / "calibration.json"


# ----------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class AlignParams:
    """Costs of the Mongeau-Sankoff-style local alignment. An exact note pair earns the notes'
    weights (see :func:`note_weights`: the rarity of the note's interval context, times
    ``repeat_weight`` for a repeated note and ``repeat_run_weight`` for the 2nd and later
    repeats in a row: runs of repeated notes are what unrelated lines share most by chance,
    cf. Müllensiefen & Pendzich 2009 on the commonness of melodic material).

    Pitch costs by absolute difference after transposition: ``unison`` 0, ``octave`` for
    12/24 semitones, ``step`` for 1-2 (a changed neighbour note), ``other`` otherwise.
    ``dur_weight`` times |log2 duration ratio| (capped at 2) is added. Gaps cost
    ``gap_base + gap_scale * min(1, ioi/median ioi)``. A fragment or consolidation pays its
    best pitch cost, ``frag_extra`` per extra note and the duration cost of its total.
    """

    unison: float = 0.0
    octave: float = 0.7
    step: float = 1.5
    other: float = 1.9
    dur_weight: float = 0.35
    gap_base: float = 0.45
    gap_scale: float = 0.45
    frag_extra: float = 0.25
    max_frag: int = 3
    n_transpositions: int = 3
    repeat_weight: float = 0.7
    repeat_run_weight: float = 0.15
    use_idf: bool = True


# Near-exact matching: any pitch or rhythm change and any gap costs far more than a note earns.
STRICT = AlignParams(octave=3.0, step=3.0, other=3.0, dur_weight=2.0, gap_base=2.0, gap_scale=0.0,
                     frag_extra=3.0, max_frag=1)
NO_IDF = AlignParams(use_idf=False)


@dataclass
class Passage:
    """A matching stretch: notes ``a_start_note..a_end_note`` of A (inclusive, 0-based)
    against ``b_start_note..b_end_note`` of B, with beats, the alignment score in matched
    notes (``match``; ``strict`` for its best near-exact stretch, both before the chance
    correction), a [0, 1] ``score``, the transposition B-A in semitones and the tempo ratio
    (B's beats per A's beat)."""

    a_start_note: int
    a_end_note: int
    a_start_beat: float
    a_end_beat: float
    b_start_note: int
    b_end_note: int
    b_start_beat: float
    b_end_beat: float
    notes: int
    match: float
    score: float
    transposition: int
    tempo_ratio: float
    a_excerpt: list[int] = field(default_factory=list)
    b_excerpt: list[int] = field(default_factory=list)
    strict: float = 0.0  # the passage's near-exact alignment score (matched notes)
    bits: float = 0.0  # information of its matched notes (assistant.guard.information)
    evidence_bits: float = 0.0  # bits less what chance finds in a search of this size
    generic_share: float = 0.0  # share of its matched notes inside generic figures

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("a_start_beat", "a_end_beat", "b_start_beat", "b_end_beat", "tempo_ratio"):
            d[k] = round(float(d[k]), 4)
        d["match"] = round(float(d["match"]), 3)
        d["strict"] = round(float(d["strict"]), 3)
        for k in ("bits", "evidence_bits", "generic_share"):
            d[k] = round(float(d[k]), 3)
        d["score"] = round(float(d["score"]), 4)
        return d


@dataclass
class Similarity:
    """The result of :func:`compare`."""

    score: float
    verdict: str
    passages: list[Passage]
    views: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"score": round(float(self.score), 4), "verdict": self.verdict,
                "passages": [p.to_dict() for p in self.passages],
                "views": {k: round(float(v), 4) for k, v in self.views.items()}}


# ----------------------------------------------------------------------------- calibration
# Defaults (overridden by models/guard/calibration.json written by training.calibrate_guard).
DEFAULT_MODEL: dict[str, Any] = {
    "features": ["match", "strict", "coverage", "ngram", "contour", "rhythm"],
    "weights": [0.3, 0.5, 4.0, 2.0, 1.0, 0.5],
    "bias": -7.0,
    "match_cap": 24.0,
    "coverage_floor_notes": 16,
    "thresholds": {"copy": 0.9, "similar": 0.5},
    # chance growth of the alignment views with the searched note pairs (see chance_excess)
    "length_null": {"ref_cells": 160 * 160, "match_per_nat": 4.213, "strict_per_nat": 0.656},
}


@lru_cache(maxsize=1)
def _cached_model(path: str, mtime: float) -> dict[str, Any]:
    del mtime
    data = json.loads(Path(path).read_text("utf-8"))
    model = dict(DEFAULT_MODEL)
    model.update(data.get("model", {}))
    if "thresholds" in data:
        model["thresholds"] = data["thresholds"]
    return model


def load_model(path: Path | None = None) -> dict[str, Any]:
    """The score model (weights and thresholds): calibration.json if present, else defaults."""
    p = Path(path) if path is not None else CALIBRATION_JSON
    if p.is_file():
        try:
            return _cached_model(str(p), p.stat().st_mtime)
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable %s: %s", p, exc)
    return DEFAULT_MODEL


def thresholds(model: dict[str, Any] | None = None) -> tuple[float, float]:
    """(similar, copy) thresholds on the [0, 1] score."""
    m = model or load_model()
    return float(m["thresholds"]["similar"]), float(m["thresholds"]["copy"])


def verdict_for(score: float, model: dict[str, Any] | None = None) -> str:
    similar, copy = thresholds(model)
    if score >= copy:
        return "copy"
    if score >= similar:
        return "similar"
    return "distinct"


def feature_vector(views: dict[str, float], model: dict[str, Any]) -> np.ndarray:
    x = []
    for name in model["features"]:
        v = float(views.get(name, 0.0))
        if name in ("match", "strict"):
            v = min(v, float(model["match_cap"]))
        x.append(v)
    return np.asarray(x, dtype=np.float64)


def combine(views: dict[str, float], model: dict[str, Any] | None = None) -> float:
    """Logistic combination of the views into a [0, 1] score."""
    m = model or load_model()
    z = float(np.dot(np.asarray(m["weights"], dtype=np.float64), feature_vector(views, m)))
    z += float(m["bias"])
    return float(1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z)))))


#: evidence (bits, :mod:`assistant.guard.information`) at which the cap reaches the
#: similar and the copy thresholds; accompaniment needs ``figure_margin_bits`` more
DEFAULT_EVIDENCE: dict[str, float] = {"similar_bits": 4.0, "copy_bits": 14.0,
                                      "figure_margin_bits": 10.0}


def evidence_cap(evidence_bits: float, model: dict[str, Any] | None = None,
                 figure: bool = False) -> float:
    """The highest score a match with this much evidence may get: a logistic in the
    evidence that passes the similar threshold at ``similar_bits`` and the copy threshold
    at ``copy_bits`` (both ``figure_margin_bits`` higher for accompaniment figures)."""
    m = model or load_model()
    ev = dict(DEFAULT_EVIDENCE)
    ev.update(m.get("evidence") or {})
    sim, cop = thresholds(m)
    lo, hi = float(ev["similar_bits"]), float(ev["copy_bits"])
    if figure:
        lo += float(ev["figure_margin_bits"])
        hi += float(ev["figure_margin_bits"])
    logit = lambda p: math.log(p / (1.0 - p))  # noqa: E731 - a tiny local helper
    slope = (logit(cop) - logit(sim)) / max(hi - lo, 1e-6)
    z = logit(sim) + slope * (evidence_bits - lo)
    return float(1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z)))))


# ----------------------------------------------------------------------------- n-gram views
def interval_codes(m: Melody) -> np.ndarray:
    """Intervals between consecutive notes, clipped to two octaves (len n-1)."""
    return np.clip(np.diff(m.pitches.astype(np.int64)), -24, 24)


def rhythm_codes(m: Melody) -> np.ndarray:
    """Quantised log2 ratios of consecutive inter-onset intervals (len n-1), in half-octaves."""
    lio = np.log2(m.iois_beats)
    return np.clip(np.rint(2.0 * np.diff(lio)), -6, 6).astype(np.int64)


def _grams(codes: np.ndarray, n: int) -> set[tuple[int, ...]]:
    if len(codes) < n:
        return set()
    w = np.lib.stride_tricks.sliding_window_view(codes, n, axis=0)
    return {tuple(r.reshape(-1).tolist()) for r in w}


def containment(a: set, b: set) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _chance_containment(small: set[tuple[int, ...]], codes: np.ndarray, n: int,
                        positions: int) -> float:
    """Expected share of the n-grams ``small`` found by chance among ``positions`` n-grams
    drawn with the code frequencies of ``codes`` (independent codes: a gram's probability is
    the product of its codes' frequencies)."""
    if not small or len(codes) == 0 or positions <= 0:
        return 0.0
    c2 = codes.reshape(len(codes), -1).astype(np.int64)  # (L, k): k code columns
    k = c2.shape[1]
    place = _CODE_BASE ** np.arange(k, dtype=np.int64)
    uk, cnt = np.unique((c2 + _CODE_SHIFT) @ place, return_counts=True)
    freq = cnt / len(c2)
    grams = np.array(sorted(small), dtype=np.int64).reshape(len(small), k, n)  # (S, k, n)
    keys = np.einsum("skn,k->sn", grams + _CODE_SHIFT, place)  # (S, n): each code's key
    at = np.clip(np.searchsorted(uk, keys), 0, len(uk) - 1)
    pk = np.where(uk[at] == keys, freq[at], 0.0)
    p = np.prod(pk, axis=1)
    return float(np.mean(1.0 - np.exp(-positions * p)))


#: codes (intervals in [-24, 24], rhythm codes in [-6, 6]) shifted and packed per column
_CODE_SHIFT, _CODE_BASE = 32, 64


def containment_vs_chance(ca: np.ndarray, cb: np.ndarray, n: int) -> float:
    """n-gram set containment of two code sequences, with what chance adds beyond a pair of
    the calibrated size removed. Chance containment grows with the longer line (a
    4000-note line holds most short figures of a tune somewhere), so the view is mapped
    linearly from [chance at this length, 1] onto [chance at ``REF_NOTES``, 1]: unchanged
    for pairs of the calibrated size, never raised, and a whole copy still gives 1."""
    ga, gb = _grams(ca, n), _grams(cb, n)
    obs = containment(ga, gb)
    if not ga or not gb:
        return obs
    # the smaller set is the one measured (containment divides by it); ties: the shorter line
    a_small = (len(ga), len(ca)) <= (len(gb), len(cb))
    small, big_codes = (ga, cb) if a_small else (gb, ca)
    positions = len(big_codes) - n + 1
    ref_positions = min(positions, REF_NOTES - n + 1)
    if positions <= ref_positions:
        return obs
    c_n = _chance_containment(small, big_codes, n, positions)
    c_ref = _chance_containment(small, big_codes, n, ref_positions)
    if c_n <= c_ref:
        return obs
    return float(min(obs, max(0.0, c_ref + (obs - c_n) * (1.0 - c_ref) / max(1.0 - c_n, 0.05))))


def ngram_views(a: Melody, b: Melody) -> dict[str, float]:
    """n-gram containments (see :func:`containment_vs_chance`)."""
    ia, ib = interval_codes(a), interval_codes(b)
    ra, rb = rhythm_codes(a), rhythm_codes(b)
    ja = np.stack([ia, ra], axis=1) if len(ia) else np.zeros((0, 2), np.int64)
    jb = np.stack([ib, rb], axis=1) if len(ib) else np.zeros((0, 2), np.int64)
    return {
        "ngram": containment_vs_chance(ja, jb, 4),
        "contour": containment_vs_chance(np.sign(ia), np.sign(ib), 6),
        "rhythm": containment_vs_chance(ra, rb, 5),
    }


# ----------------------------------------------------------------------------- alignment
def _pitch_cost(diff: np.ndarray, p: AlignParams) -> np.ndarray:
    d = np.abs(diff)
    out = np.full(d.shape, p.other)
    out[d <= 2] = p.step
    out[(d == 12) | (d == 24)] = p.octave
    out[d == 0] = p.unison
    return out


def _dur_cost(dl: np.ndarray, p: AlignParams) -> np.ndarray:
    return p.dur_weight * np.minimum(np.abs(dl), 2.0)


IDF_NPZ = Path(__file__).resolve().parents[2] / "models" / "guard" / "ngram_df.npz"
IDF_N = 3  # intervals per context (the 4 notes ending at the weighted note)


@lru_cache(maxsize=2)
def _idf_table(path: str) -> np.ndarray | None:
    """Per interval-trigram key: weight = idf / median corpus idf, clipped to [0.25, 1.6]."""
    p = Path(path)
    if not p.is_file():
        return None
    with np.load(p, allow_pickle=False) as z:
        df = z["df"].astype(np.float64)
        n_pieces = float(z["n_pieces"])
        ref = float(z["median_idf"])
    idf = np.log((n_pieces + 1.0) / (df + 1.0))
    return np.clip(idf / ref, 0.25, 1.6)


def build_idf_table(pitches: np.ndarray, offsets: np.ndarray) -> dict[str, np.ndarray]:
    """Document frequency of every interval trigram over the corpus pieces (for IDF_NPZ)."""
    iv = np.clip(np.diff(pitches.astype(np.int64)), -24, 24) + 24
    piece = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    w = np.lib.stride_tricks.sliding_window_view(iv, IDF_N)
    keys = w @ (49 ** np.arange(IDF_N, dtype=np.int64))
    start = np.arange(len(keys))
    ok = piece[start] == piece[start + IDF_N]  # all notes in one piece
    pk = np.unique(piece[start][ok].astype(np.int64) * 49 ** IDF_N + keys[ok])
    df = np.bincount(pk % 49 ** IDF_N, minlength=49 ** IDF_N)
    n_pieces = len(offsets) - 1
    idf_notes = np.log((n_pieces + 1.0) / (df[keys[ok]] + 1.0))
    return {"df": np.minimum(df, 65535).astype(np.uint16), "n_pieces": np.int64(n_pieces),
            "median_idf": np.float64(np.median(idf_notes))}


def note_weights(pitches: np.ndarray, params: AlignParams = AlignParams()) -> np.ndarray:
    """What an exact match of each note earns. With the shipped corpus table (``use_idf``):
    the rarity (inverse document frequency) of the 4-note interval context ending at the
    note, relative to a typical corpus note (so stock figures earn little and a distinctive
    turn of phrase a lot); else 1, or ``repeat_weight`` for a repeated note."""
    n = len(pitches)
    w = np.ones(n)
    table = _idf_table(str(IDF_NPZ)) if params.use_idf else None
    if table is not None and n > IDF_N:
        iv = np.clip(np.diff(pitches.astype(np.int64)), -24, 24) + 24
        keys = np.lib.stride_tricks.sliding_window_view(iv, IDF_N) @ (
            49 ** np.arange(IDF_N, dtype=np.int64))
        w[IDF_N:] = table[keys]
        w[:IDF_N] = float(np.median(w[IDF_N:]))  # no context yet: a typical weight
    if n > 1:  # repeated notes (an accompaniment's pulse, a recitation tone) earn little
        rep = np.diff(pitches.astype(np.int64)) == 0
        run = np.zeros_like(rep)
        run[1:] = rep[1:] & rep[:-1]  # the 2nd and later repeats in a row
        w[1:][rep & ~run] *= params.repeat_weight
        w[1:][run] *= params.repeat_run_weight
    return w


def _sub_reward(wa: np.ndarray, wb: np.ndarray, pitch_cost: np.ndarray, dlog_ioi: np.ndarray,
                p: AlignParams) -> np.ndarray:
    """What aligning note a with note b earns (broadcasts): their mean weight less the pitch
    and duration costs."""
    return 0.5 * (wa + wb) - pitch_cost - _dur_cost(dlog_ioi, p)


def weighted_length(m: Melody, params: AlignParams = AlignParams()) -> float:
    """The alignment score of the melody against itself (sum of its note weights)."""
    return float(note_weights(m.pitches, params).sum())


# Choice codes of the alignment matrix (for the traceback).
_STOP, _SUB, _DEL, _INS = 0, 1, 2, 3  # then 4.. fragmentations k=2..K, then consolidations


@dataclass
class _Align:
    H: np.ndarray  # (n+1, m+1) local alignment scores
    C: np.ndarray  # (n+1, m+1) int8 choice codes
    K: int  # largest fragment

    def pairs(self, i: int, j: int) -> list[tuple[int, int]]:
        """The aligned note pairs (0-based, in order) of the chain ending at cell (i, j):
        substitutions, and for a fragmentation or consolidation its first note against the
        single note (an ornament keeps the main note first)."""
        out: list[tuple[int, int]] = []
        nf = self.K - 1
        while i > 0 and j > 0 and self.H[i, j] > 0:
            c = int(self.C[i, j])
            if c == _SUB:
                out.append((i - 1, j - 1))
                i, j = i - 1, j - 1
            elif c == _DEL:
                i -= 1
            elif c == _INS:
                j -= 1
            elif 4 <= c < 4 + nf:
                k = c - 2
                out.append((i - 1, j - k))
                i, j = i - 1, j - k
            elif c >= 4 + nf:
                k = c - 2 - nf
                out.append((i - k, j - 1))
                i, j = i - k, j - 1
            else:
                break
        return out[::-1]

    def trace(self, i: int, j: int) -> tuple[int, int, int]:
        """Start cell (1-based note indices) and aligned-step count of the chain ending at
        cell (i, j)."""
        si, sj, steps = i, j, 0
        nf = self.K - 1
        while i > 0 and j > 0 and self.H[i, j] > 0:
            c = int(self.C[i, j])
            si, sj = i, j
            if c == _SUB:
                i, j, steps = i - 1, j - 1, steps + 1
            elif c == _DEL:
                i -= 1
            elif c == _INS:
                j -= 1
            elif 4 <= c < 4 + nf:  # a_i against k notes of B
                k = c - 2
                sj = j - k + 1
                i, j, steps = i - 1, j - k, steps + 1
            elif c >= 4 + nf:  # k notes of A against b_j
                k = c - 2 - nf
                si = i - k + 1
                i, j, steps = i - k, j - 1, steps + 1
            else:
                break
        return si, sj, steps


def local_align(pa: np.ndarray, ioa: np.ndarray, pb: np.ndarray, iob: np.ndarray,
                params: AlignParams = AlignParams()) -> _Align:
    """Smith-Waterman with Mongeau-Sankoff operations. ``pb`` is already transposed and
    ``iob`` already tempo-scaled to A's frame. Every step's reward is precomputed as an
    (n, m) matrix; the row loop only adds, maximises and scans (numpy over B)."""
    n, m = len(pa), len(pb)
    p = params
    K = max(1, p.max_frag)
    nf = K - 1
    H = np.zeros((n + 1, m + 1))
    C = np.zeros((n + 1, m + 1), dtype=np.int8)
    if n == 0 or m == 0:
        return _Align(H, C, K)
    pa = pa.astype(np.float64)
    pb = pb.astype(np.float64)
    la, lb = np.log2(ioa), np.log2(iob)
    wa, wb = note_weights(pa, p), note_weights(pb, p)
    # each melody's IOIs relative to its own median: gap costs do not depend on tempo
    gap_a = p.gap_base + p.gap_scale * np.minimum(1.0, ioa / float(np.median(ioa)))
    gap_b = p.gap_base + p.gap_scale * np.minimum(1.0, iob / float(np.median(iob)))
    G = np.concatenate([[0.0], np.cumsum(gap_b)])  # G[j] = sum gap_b[:j]
    PC = _pitch_cost(pa[:, None] - pb[None, :], p)  # (n, m)
    R_sub = _sub_reward(wa[:, None], wb[None, :], PC, la[:, None] - lb[None, :], p)
    R_frag, R_cons = {}, {}
    pmin_b, pmin_a = PC, PC
    for k in range(2, K + 1):
        if m >= k:  # a_i against b_{j-k+1..j}: (n, m-k+1), column c is group end j = c+k-1
            pmin_b = np.minimum(pmin_b[:, : m - k + 1], PC[:, k - 1:])
            glb = np.log2(np.convolve(iob, np.ones(k), "valid"))
            R_frag[k] = (0.5 * (wa[:, None] + 1.0) - pmin_b - p.frag_extra * (k - 1)
                         - _dur_cost(la[:, None] - glb[None, :], p))
        if n >= k:  # a_{i-k+1..i} against b_j: (n-k+1, m), row r is group end i = r+k-1
            pmin_a = np.minimum(pmin_a[: n - k + 1], PC[k - 1:])
            gla = np.log2(np.convolve(ioa, np.ones(k), "valid"))
            R_cons[k] = (0.5 * (1.0 + wb[None, :]) - pmin_a - p.frag_extra * (k - 1)
                         - _dur_cost(gla[:, None] - lb[None, :], p))
    cands = np.full((4 + 2 * nf, m), -np.inf)
    cols = np.arange(m)
    for i in range(1, n + 1):
        cands[_STOP] = 0.0
        cands[_SUB] = H[i - 1, :-1] + R_sub[i - 1]
        cands[_DEL] = H[i - 1, 1:] - gap_a[i - 1]
        for k in range(2, K + 1):
            if k in R_frag:
                cands[4 + k - 2, k - 1:] = H[i - 1, : m - k + 1] + R_frag[k][i - 1]
            if k in R_cons and i >= k:
                cands[4 + nf + k - 2] = H[i - k, :-1] + R_cons[k][i - k]
        code = cands.argmax(axis=0)
        best = cands[code, cols]
        # insertion of b_j from (i, j-1): H[j] = max_{k<=j} (X[k] - (G[j] - G[k]))
        run = np.maximum.accumulate(best + G[1:])
        row = run - G[1:]
        code = np.where(row > best + 1e-12, _INS, code)
        H[i, 1:] = row
        C[i, 1:] = code
        if K > 1:
            cands[4:, :] = -np.inf
    return _Align(H, C, K)


def _seed_transforms(a: Melody, b: Melody, k: int, n_gram: int = 3) -> list[tuple[int, float]]:
    """Candidate (transposition B-A, log2 tempo ratio B/A) from shared interval n-grams."""
    ia, ib = interval_codes(a), interval_codes(b)
    out: list[tuple[int, float]] = []
    if len(ia) >= n_gram and len(ib) >= n_gram:
        wa = np.lib.stride_tricks.sliding_window_view(ia, n_gram)
        wb = np.lib.stride_tricks.sliding_window_view(ib, n_gram)
        base = 49 ** np.arange(n_gram)
        ka = (wa + 24) @ base
        kb = (wb + 24) @ base
        order = np.argsort(kb, kind="stable")
        kbs = kb[order]
        lo = np.searchsorted(kbs, ka, "left")
        hi = np.searchsorted(kbs, ka, "right")
        cnt = hi - lo
        if cnt.sum() > 0:
            ii = np.repeat(np.arange(len(ka)), cnt)
            jj = order[np.concatenate([np.arange(lo[x], hi[x]) for x in np.nonzero(cnt)[0]])]
            shift = b.pitches[jj].astype(np.int64) - a.pitches[ii].astype(np.int64)
            # tempo from the span of the matched n-gram (robust to a split note elsewhere)
            span_a = a.onsets_beats[ii + n_gram] - a.onsets_beats[ii]
            span_b = b.onsets_beats[jj + n_gram] - b.onsets_beats[jj]
            ratio = np.log2(np.maximum(span_b, 1e-6) / np.maximum(span_a, 1e-6))
            # rank transpositions by their densest diagonal (a quote's seeds share one
            # diagonal and one transposition; chance seeds scatter), then by total count
            diag = (jj - ii).astype(np.int64)
            by_diag = Counter(zip(shift.tolist(), diag.tolist(), strict=True)).most_common()
            total = Counter(shift.tolist())
            best_t: dict[int, int] = {}
            for (t, _), c in by_diag:
                best_t.setdefault(int(t), c)
            ranked = sorted(best_t, key=lambda t: (-best_t[t], -total[t]))
            for t in ranked[:k]:
                # the most common tempo ratio among this transposition's seeds (a quote's
                # seeds agree exactly), refined by their median
                r = ratio[shift == t]
                q = np.rint(r * 12.0).astype(np.int64)
                vals, cnt = np.unique(q, return_counts=True)
                out.append((int(t), float(np.median(r[q == vals[np.argmax(cnt)]]))))
    if len(out) < k:  # few seeds (heavy ornaments, changed notes): add the global estimate
        t = int(math.floor(float(np.median(b.pitches)) - float(np.median(a.pitches)) + 0.5))
        lr = float(np.log2(max(b.duration_beats, 1e-6) / max(a.duration_beats, 1e-6)))
        for tt in (t, t - 1, t + 1):  # ornaments bias the median by a step
            if all(o[0] != tt or abs(o[1] - lr) > 0.25 for o in out):
                out.append((tt, lr))
    return out


def _passages(al: _Align, min_match: float, max_passages: int, n_top: int = 60,
              pitches: tuple[np.ndarray, np.ndarray] | None = None,
              ) -> list[tuple[float, int, int, int, int, int, list[tuple[int, int]]]]:
    """Best non-overlapping chains: (score, a start, a end, b start, b end, aligned steps,
    exactly matched pairs), 1-based cell indices; the pairs (0-based) are the aligned notes
    whose ``pitches`` (A's, B's transposed) agree (none without ``pitches``)."""
    H = al.H
    flat = H.reshape(-1)
    n_top = min(flat.size, n_top)
    idx = np.argpartition(flat, -n_top)[-n_top:]
    idx = idx[np.argsort(-flat[idx])]
    out: list[tuple[float, int, int, int, int, int]] = []
    for x in idx:
        s = float(flat[x])
        if s < min_match or len(out) >= max_passages:
            break
        i, j = divmod(int(x), H.shape[1])
        if any(o[1] <= i <= o[2] and o[3] <= j <= o[4] for o in out):
            continue  # the end of a chain already taken
        si, sj, steps = al.trace(i, j)
        if all(i < o[1] or si > o[2] for o in out) and all(j < o[3] or sj > o[4] for o in out):
            pairs: list[tuple[int, int]] = []
            if pitches is not None:
                pa, pb = pitches
                pairs = [(x, y) for x, y in al.pairs(i, j) if pa[x] == pb[y]]
            out.append((s, si, i, sj, j, steps, pairs))
    return out


#: a passage with a near-exact run of at least this many matched notes that covers under
#: half of it is located by that run
LOCATE_STRICT_NOTES = 8.0
#: alignment cells (notes of A x notes of B) held at once: ~115 bytes each, so ~115 MB
MAX_WINDOW_CELLS = 1_000_000
#: alignment cells of one comparison in all: beyond this a pair is refused, not ground
#: through for minutes (a 20 MB MIDI file once took 3.2 GB here)
MAX_TOTAL_CELLS = 16_000_000


def _align_windows(n: int, m: int, name_x: str = "", name_y: str = "") -> list[tuple[int, int]]:
    """Column windows [j0, j1) of the longer melody so that one alignment holds at most
    ``MAX_WINDOW_CELLS`` cells. Windows overlap by half, so every passage up to half a
    window (at least 128 notes: longer than any quote) lies whole in one of them."""
    from assistant.errors import InputError

    if n * m > MAX_TOTAL_CELLS:
        raise InputError(f"too long to compare note by note ({n} x {m} notes; the limit is "
                         f"{MAX_TOTAL_CELLS:,} note pairs); split the music at its cues",
                         field=f"{name_x or 'A'} / {name_y or 'B'}")
    if n * m <= MAX_WINDOW_CELLS:
        return [(0, m)]
    width = max(256, MAX_WINDOW_CELLS // max(n, 1))
    step = width // 2
    starts = range(0, max(m - width, 0) + step, step)
    return [(j0, min(m, j0 + width)) for j0 in starts if j0 < m]


# ----------------------------------------------------------------------------- chance
#: the largest pair (notes x notes) the view weights and thresholds were fitted on (the
#: calibration cuts melodies to 160 notes): up to this size no length correction applies
REF_NOTES = 160
REF_CELLS = REF_NOTES * REF_NOTES


def chance_excess(view: str, cells: float, model: dict[str, Any] | None = None) -> float:
    """What chance alone adds to the ``view`` ("match" or "strict") of a search over
    ``cells`` note pairs beyond a search of the calibrated size: the best chance local
    alignment grows like ``ln(cells) / lambda`` (Karlin & Altschul 1990), so the excess is
    ``per_nat * ln(cells / ref_cells)``, 0 up to ``ref_cells``. ``per_nat`` is measured on
    unrelated corpus lines (``python -m assistant.guard.lengths --fit``)."""
    null = (model or load_model()).get("length_null") or DEFAULT_MODEL["length_null"]
    ref = float(null.get("ref_cells", REF_CELLS))
    if cells <= ref:
        return 0.0
    return float(null.get(f"{view}_per_nat", 0.0)) * math.log(cells / ref)


def compare(a: Melody, b: Melody, params: AlignParams = AlignParams(),
            model: dict[str, Any] | None = None, max_passages: int = 5,
            min_passage_match: float = 4.0,
            transforms: list[tuple[int, float]] | None = None,
            search_cells: float | None = None, figure: bool = False,
            ngram: dict[str, float] | None = None, tries: int = 1) -> Similarity:
    """Compare two melodies (see the module docstring). ``transforms`` optionally gives the
    (transposition B-A, log2 tempo ratio B/A) candidates to try instead of estimating them.

    The alignment views are judged against chance for the size of the search: a search over
    ``len(a) * len(b)`` note pairs (or ``search_cells``, when ``a`` and ``b`` are windows
    picked from longer lines) finds longer chance matches than one of the calibrated size,
    and :func:`chance_excess` of it is taken off ``match``, ``strict`` and every passage's
    match before they are scored (``views["match_raw"]``, ``views["strict_raw"]`` keep the
    uncorrected figures). Up to 160 x 160 notes nothing changes.

    Every passage is then weighed by its information (:mod:`assistant.guard.information`):
    the score can be no higher than the evidence of the best passage allows
    (:func:`evidence_cap`), so plain material that matches by chance (steps in even
    eighths, arpeggios, repeated figures) is not called a copy. ``figure``: one side is
    accompaniment (harmony, bass, ostinato), which needs ``figure_margin_bits`` more
    evidence. ``ngram``: the n-gram views when the caller has them (of the whole lines
    that ``a`` and ``b`` are windows of). ``tries``: how many references the caller
    compares to keep the best (the corpus query's candidates): chance has that many more
    searches, so the evidence pays ``log2(tries)`` bits."""
    from assistant.guard.information import pair_information

    model = model or load_model()
    views: dict[str, float] = {"match": 0.0, "strict": 0.0, "coverage": 0.0, "ngram": 0.0,
                               "contour": 0.0, "rhythm": 0.0}
    if len(a) < 2 or len(b) < 2:
        return Similarity(0.0, "distinct", [], views)
    views.update(ngram if ngram is not None else ngram_views(a, b))
    swap = len(a) > len(b)  # rows over the shorter melody
    x, y = (b, a) if swap else (a, b)
    found: list[tuple] = []
    found_strict: list[tuple] = []
    strict = replace(STRICT, use_idf=params.use_idf, repeat_weight=params.repeat_weight,
                     repeat_run_weight=params.repeat_run_weight)
    if transforms is None:
        cands = _seed_transforms(x, y, params.n_transpositions)
    else:
        cands = [(-t, -lr) for t, lr in transforms] if swap else list(transforms)
    windows = _align_windows(len(x), len(y), x.name, y.name)
    for t, logr in cands:
        yp, yi = y.pitches - t, y.iois_beats / (2.0 ** logr)
        for j0, j1 in windows:
            pp = (x.pitches, yp[j0:j1])
            al = local_align(x.pitches, x.iois_beats, yp[j0:j1], yi[j0:j1], params)
            for s, si, ei, sj, ej, npairs, pr in _passages(al, min_passage_match, max_passages,
                                                           pitches=pp):
                found.append((s, si, ei, sj + j0, ej + j0, npairs, t, logr,
                              [(u, v + j0) for u, v in pr]))
            views["match"] = max(views["match"], float(al.H.max()))
            # the strict pass: near-exact stretches only (a quote keeps pitches and rhythm)
            st = local_align(x.pitches, x.iois_beats, yp[j0:j1], yi[j0:j1], strict)
            views["strict"] = max(views.get("strict", 0.0), float(st.H.max()))
            for s, si, ei, sj, ej, npairs, pr in _passages(st, min_passage_match, max_passages,
                                                           pitches=pp):
                found_strict.append((s, si, ei, sj + j0, ej + j0, npairs, t, logr,
                                     [(u, v + j0) for u, v in pr]))
    cells = float(search_cells) if search_cells else float(len(a)) * float(len(b))
    excess = chance_excess("match", cells, model)
    views["match_raw"], views["strict_raw"] = views["match"], views["strict"]
    views["match"] = max(0.0, views["match"] - excess)
    views["strict"] = max(0.0, views["strict"] - chance_excess("strict", cells, model))
    floor = float(model.get("coverage_floor_notes", 16))
    shorter = min(weighted_length(a, params), weighted_length(b, params))
    views["coverage"] = min(1.0, views["match"] / max(floor, shorter))
    excess_strict = chance_excess("strict", cells, model)
    n_tr = max(1, len(cands)) * max(1, int(tries))
    info = {id(r): pair_information(x, y, r[8], cells, n_tr) for r in found + found_strict}
    best_info = max(info.values(), key=lambda v: v.evidence, default=None)
    views["evidence_bits"] = best_info.evidence if best_info else -math.log2(max(cells, 1.0))
    views["info_bits"] = best_info.bits if best_info else 0.0
    views["generic_share"] = best_info.generic_share if best_info else 0.0
    score = min(combine(views, model), evidence_cap(views["evidence_bits"], model, figure))

    def overlaps(r: tuple, c: tuple) -> bool:
        return not (r[2] < c[1] or r[1] > c[2]) and not (r[4] < c[3] or r[3] > c[4])

    # every passage gets its own near-exact score (the best strict stretch inside it); a strict
    # stretch outside every ornament-tolerant passage is a passage of its own
    inner = {id(r): max((q for q in found_strict if overlaps(q, r)), key=lambda q: q[0],
                        default=None) for r in found}
    cand = [(r, inner[id(r)][0] if inner[id(r)] else 0.0) for r in found]
    cand += [(q, q[0]) for q in found_strict if not any(overlaps(q, r) for r in found)]

    def passage_score(r: tuple, s_strict: float) -> float:
        pv = dict(views)
        pv["match"] = max(0.0, r[0] - excess)
        pv["strict"] = min(views["strict"], max(0.0, s_strict - excess_strict))
        pv["coverage"] = min(1.0, pv["match"] / max(floor, shorter))
        ev = info[id(r)].evidence
        q = inner.get(id(r))
        if q is not None:  # the near-exact run inside is evidence for the passage too
            ev = max(ev, info[id(q)].evidence)
        return min(combine(pv, model), evidence_cap(ev, model, figure))

    # non-overlapping passages over all transpositions, best scored first: in a long line
    # the longest chance alignment can outscore a quote's, its near-exact run cannot
    scored = sorted(((passage_score(r, ss), r, ss) for r, ss in cand),
                    key=lambda x: (-x[0], -x[1][0]))
    chosen: list[tuple[float, tuple, float]] = []
    for sc, r, ss in scored:
        if len(chosen) >= max_passages:
            break
        if all((r[2] < c[1] or r[1] > c[2]) and (r[4] < c[3] or r[3] > c[4])
               for c in (x[1] for x in chosen)):
            chosen.append((sc, r, ss))
    passages = []
    for sc, r, ss in chosen:
        s, si, ei, sj, ej, npairs, t, logr = r[:8]
        inf = info[id(r)]
        q = inner.get(id(r))
        if q is not None and info[id(q)].evidence > inf.evidence:
            inf = info[id(q)]
        if q is not None and ss >= LOCATE_STRICT_NOTES and 2 * (q[2] - q[1] + 1) < ei - si + 1:
            # a quote in new material: the ornament-tolerant alignment runs on through the new
            # notes (a rare note earns about what a wrong neighbour costs), its near-exact
            # run is where the quote is
            si, ei, sj, ej, npairs = q[1], q[2], q[3], q[4], q[5]
        if swap:  # x is B, y is A
            a0, a1, b0, b1, tt, lr = sj - 1, ej - 1, si - 1, ei - 1, -t, -logr
        else:
            a0, a1, b0, b1, tt, lr = si - 1, ei - 1, sj - 1, ej - 1, t, logr
        passages.append(Passage(
            a_start_note=a0, a_end_note=a1,
            a_start_beat=float(a.onsets_beats[a0]),
            a_end_beat=float(a.onsets_beats[a1] + a.durs_beats[a1]),
            b_start_note=b0, b_end_note=b1,
            b_start_beat=float(b.onsets_beats[b0]),
            b_end_beat=float(b.onsets_beats[b1] + b.durs_beats[b1]),
            notes=npairs, match=s, score=sc, transposition=int(tt),
            tempo_ratio=float(2.0 ** lr),
            a_excerpt=a.pitches[a0:a1 + 1].tolist(), b_excerpt=b.pitches[b0:b1 + 1].tolist(),
            strict=ss, bits=inf.bits, evidence_bits=inf.evidence,
            generic_share=inf.generic_share,
        ))
    return Similarity(score, verdict_for(score, model), passages, views)


def compare_sets(a_list: list[Melody], b_list: list[Melody], **kw: Any) -> tuple[Similarity, int, int]:
    """Best comparison over every line of A against every line of B: (result, ia, ib)."""
    best: tuple[Similarity, int, int] | None = None
    for i, a in enumerate(a_list):
        for j, b in enumerate(b_list):
            r = compare(a, b, **kw)
            if best is None or r.score > best[0].score or (
                    r.score == best[0].score and r.views["match"] > best[0].views["match"]):
                best = (r, i, j)
    if best is None:
        return Similarity(0.0, "distinct", [], {}), -1, -1
    return best
