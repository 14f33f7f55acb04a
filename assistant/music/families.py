"""Tune families: near-duplicate melodies across the corpus, for a split without leakage.

Two melodies are measured on their **pitch-interval sequences** (transposition-invariant;
rhythm is ignored, so the same tune in 4/4 and 2/2, or in two file formats, matches):

* **edit similarity** ``1 - lev(Ia, Ib) / max(|Ia|, |Ib|)`` (Levenshtein over intervals);
* **n-gram cover** of *a* by *b*: the share of *a*'s interval n-gram positions (default
  n = 8) whose n-gram occurs anywhere in *b* (finds a tune inside a longer piece, and the
  same chorale tune under another BWV number with a changed cadence).

:func:`find_links` lists every pair over the thresholds without comparing all pairs:
n-gram cover comes from a sparse product of n-gram indicator matrices, and edit similarity
is computed (exactly, batched in numpy) only for pairs that pass two filters that cannot
drop a pair over the threshold: the length ratio (``min/max >= s``) and the q-gram lemma
(Ukkonen 1992) with q = 2 — a pair at edit distance ``k`` shares at least
``max(|Ia|,|Ib|) - 1 - 2k`` interval bigrams (as a multiset), checked first against an upper
bound (a dense product of bigram counts and bigram indicators), then exactly. :func:`clusters` joins the links into tune
families (union-find), which the split assigns whole (``assistant.music.data.build_splits``).

A piece's melody is :func:`piece_melody`: its soprano part (by name) or first part, highest
note per onset — the line that the melody-prediction evaluation scores.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

SIM_EDIT = 0.8  # the leakage bar (issue #11): edit similarity of interval sequences
SIM_COVER = 0.8  # and 8-gram cover
COVER_N = 8
# the clustering links: edit similarity at the bar itself (computed exactly: the search below is
# complete), n-gram cover a little looser (cheap, and it catches more variants)
LINK_EDIT = 0.8
LINK_COVER = 0.7
_BIG = 12  # intervals are clipped to [-12, 12] for the bigram filter only (an upper bound stays one)


def piece_melody(rec: dict[str, Any]) -> list[list[float]]:
    """The melody of a piece record: the part named soprano (else the first), highest note
    per onset, ``[pitch, start_q, dur_q]`` sorted by onset."""
    parts = rec["parts"]
    sop = next((p for p in parts if "sopran" in str(p.get("name", "")).lower()), parts[0])
    notes = sorted(sop["notes"], key=lambda n: (n[1], -n[0]))
    mono: list[list[float]] = []
    for n in notes:
        if mono and abs(mono[-1][1] - n[1]) < 1e-9:
            continue
        mono.append([int(n[0]), n[1], n[2]])
    return mono


def intervals(pitches: Sequence[int]) -> np.ndarray:
    """Pitch intervals of a melody as int16."""
    return np.diff(np.asarray(pitches, dtype=np.int64)).astype(np.int16)


# ----------------------------------------------------------------------------- n-grams
def ngram_codes(iv: np.ndarray, n: int = COVER_N) -> np.ndarray:
    """Integer codes of every interval n-gram (7 bits per interval, clipped to ±63): exact for
    n <= 9. Empty when the melody has fewer than n intervals."""
    if len(iv) < n:
        return np.zeros(0, dtype=np.int64)
    x = (np.clip(iv.astype(np.int64), -63, 63) + 64)
    w = np.lib.stride_tricks.sliding_window_view(x, n)
    return (w << (7 * np.arange(n - 1, -1, -1, dtype=np.int64))).sum(axis=1)


def cover(a: np.ndarray, b: np.ndarray, n: int = COVER_N) -> float:
    """n-gram cover of interval sequence ``a`` by ``b`` (0 when ``a`` has no n-gram).

    >>> a = np.array([2, 2, 1, 2, 2, 2, 1, -1, -2, -2], dtype=np.int16)
    >>> cover(a, np.concatenate([a, a])), cover(a, a[:8])
    (1.0, 0.0)
    """
    ca = ngram_codes(a, n)
    if not len(ca):
        return 0.0
    return float(np.isin(ca, ngram_codes(b, n)).mean())


def edit_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """``1 - Levenshtein(a, b) / max(len)`` of two interval sequences (1.0 for two empty ones).

    >>> edit_similarity(np.array([1, 2, 3]), np.array([1, 2, 4]))
    0.6666666666666667
    """
    if max(len(a), len(b)) == 0:
        return 1.0
    return float(edit_similarities(a, [b])[0])


def levenshtein_batch(a: np.ndarray, bs: Sequence[np.ndarray]) -> np.ndarray:
    """Levenshtein distances of ``a`` to every sequence in ``bs``, batched: one numpy pass per
    symbol of ``a`` over all candidates at once (the in-row dependency is a running minimum:
    ``D[i, j] = j + min_{k <= j}(T[k] - k)``)."""
    k = len(bs)
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    lens = np.array([len(b) for b in bs], dtype=np.int64)
    m = int(lens.max()) if k else 0
    B = np.full((k, m), np.iinfo(np.int32).min, dtype=np.int32)  # padding never equals a symbol
    for r, b in enumerate(bs):
        B[r, : len(b)] = b
    j = np.arange(m + 1, dtype=np.int32)
    prev = np.broadcast_to(j, (k, m + 1)).copy()
    val = np.empty((k, m + 1), dtype=np.int32)
    for i, x in enumerate(np.asarray(a, dtype=np.int32), start=1):
        cost = (x != B).astype(np.int32)
        val[:, 0] = i
        np.minimum(prev[:, 1:] + 1, prev[:, :-1] + cost, out=val[:, 1:])
        prev = np.minimum.accumulate(val - j, axis=1) + j
    return prev[np.arange(k), lens].astype(np.int64)


def edit_similarities(a: np.ndarray, bs: Sequence[np.ndarray]) -> np.ndarray:
    """Edit similarity of ``a`` to every sequence of ``bs``."""
    if not len(bs):
        return np.zeros(0)
    d = levenshtein_batch(a, bs)
    den = np.maximum(np.array([max(len(a), len(b)) for b in bs]), 1)
    return 1.0 - d / den


# ----------------------------------------------------------------------------- all links
@dataclass
class Link:
    """Two melodies (indices) over a threshold: edit similarity and cover both ways."""

    a: int
    b: int
    edit: float
    cover_ab: float  # a's n-grams found in b
    cover_ba: float


def _all_grams(ivs: Sequence[np.ndarray], n: int, clip: int) -> tuple[np.ndarray, np.ndarray]:
    """(codes, melody index) of every interval n-gram of every melody in one vectorised pass;
    intervals clipped to ±``clip`` and coded in base ``2 * clip + 1`` (exact while it fits int64)."""
    lens = np.array([len(iv) for iv in ivs], dtype=np.int64)
    if not len(ivs) or lens.sum() < n:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    x = np.clip(np.concatenate([np.asarray(iv, dtype=np.int64) for iv in ivs]), -clip, clip) + clip
    base = 2 * clip + 1
    w = np.lib.stride_tricks.sliding_window_view(x, n)
    codes = (w * base ** np.arange(n - 1, -1, -1, dtype=np.int64)).sum(axis=1)
    row = np.repeat(np.arange(len(ivs)), lens)[: len(codes)]
    starts = np.concatenate([[0], np.cumsum(lens)])[:-1]
    pos = np.arange(len(codes)) - starts[row]
    keep = pos + n <= lens[row]  # windows inside one melody
    return codes[keep], row[keep]


def _bigram_matrix(ivs: Sequence[np.ndarray]) -> np.ndarray:
    """(melodies, 25*25) bigram counts of clipped intervals."""
    nb = 2 * _BIG + 1
    codes, rows = _all_grams(ivs, 2, _BIG)
    flat = np.bincount(rows * nb * nb + codes, minlength=len(ivs) * nb * nb)
    return flat.reshape(len(ivs), nb * nb).astype(np.float32)


def _ngram_matrices(ivs_a: Sequence[np.ndarray], ivs_b: Sequence[np.ndarray], n: int) -> tuple[Any, Any]:
    """Sparse n-gram matrices over one shared n-gram vocabulary: ``A`` counts (rows: ``ivs_a``)
    and ``B`` indicators (rows: ``ivs_b``); ``A @ B.T`` counts a's n-gram positions found in b."""
    from scipy import sparse

    ca, ra = _all_grams(ivs_a, n, 63)
    cb, rb = _all_grams(ivs_b, n, 63)
    vocab, inv = np.unique(np.concatenate([ca, cb]), return_inverse=True)
    cols_a, cols_b = inv[: len(ca)], inv[len(ca):]
    V = max(len(vocab), 1)
    A = sparse.csr_matrix((np.ones(len(ca), np.float32), (ra, cols_a)), shape=(len(ivs_a), V))
    A.sum_duplicates()
    Bm = sparse.csr_matrix((np.ones(len(cb), np.float32), (rb, cols_b)), shape=(len(ivs_b), V))
    Bm.sum_duplicates()
    Bm.data[:] = 1.0
    return A, Bm


def find_links(ivs_a: Sequence[np.ndarray], ivs_b: Sequence[np.ndarray] | None = None, *,
               edit_min: float = LINK_EDIT, cover_min: float = LINK_COVER, n: int = COVER_N,
               chunk: int = 512, progress: bool = False) -> list[Link]:
    """Every pair (a in A, b in B; or a < b within A when ``ivs_b`` is None) with edit similarity
    >= ``edit_min`` or n-gram cover (either way) >= ``cover_min``."""
    same = ivs_b is None
    B = ivs_a if ivs_b is None else ivs_b
    found: dict[tuple[int, int], list[float]] = {}

    def note(i: int, j: int) -> None:
        if same and i == j:
            return
        key = (min(i, j), max(i, j)) if same else (i, j)
        found.setdefault(key, [0.0, 0.0, 0.0])

    # 1. cover both ways (sparse products over a shared n-gram vocabulary, in row chunks)
    for X, Y, swap in ((ivs_a, B, False), (B, ivs_a, True)):
        if swap and same:
            break  # within one set the product below already holds both directions
        cnt, ind = _ngram_matrices(X, Y, n)
        n_pos = np.asarray(cnt.sum(axis=1)).ravel()
        for r0 in range(0, len(X), chunk * 4):
            M = (cnt[r0:r0 + chunk * 4] @ ind.T).tocoo()
            share = M.data / np.maximum(n_pos[r0 + M.row], 1)
            hit = share >= cover_min - 1e-12
            for r, c in zip((r0 + M.row[hit]).tolist(), M.col[hit].tolist(), strict=True):
                if swap:
                    note(c, r)
                else:
                    note(r, c)
    # 2. edit similarity: length and bigram filters, then exact batched Levenshtein
    la = np.array([len(iv) for iv in ivs_a])
    lb = np.array([len(iv) for iv in B])
    Ca = _bigram_matrix(ivs_a)
    Cb = Ca if same else _bigram_matrix(B)
    Ba, Bb = (Ca > 0).astype(np.float32), (Cb > 0).astype(np.float32)
    n_checked = 0
    it = range(0, len(ivs_a), chunk)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc="edit links", unit="chunk")
    for a0 in it:
        a1 = min(len(ivs_a), a0 + chunk)
        upper = np.minimum(Ca[a0:a1] @ Bb.T, Ba[a0:a1] @ Cb.T)  # >= shared bigrams (multiset)
        L = np.maximum(la[a0:a1, None], lb[None, :])
        S = np.minimum(la[a0:a1, None], lb[None, :])
        k_max = np.floor((1.0 - edit_min) * L + 1e-9)
        need = L - 1 - 2 * k_max - 1e-6
        ok = (edit_min * L - 1e-9 <= S) & (upper >= need)
        if same:
            ok &= np.arange(a0, a1)[:, None] < np.arange(len(B))[None, :]
        rows, cols = np.nonzero(ok)
        for s0 in range(0, len(rows), 8192):  # the exact shared-bigram count (multiset), in blocks
            r, c = rows[s0:s0 + 8192], cols[s0:s0 + 8192]
            bad = np.minimum(Ca[a0 + r], Cb[c]).sum(axis=1) < need[r, c]
            ok[r[bad], c[bad]] = False
        for r in range(a1 - a0):
            cand = np.flatnonzero(ok[r])
            if not len(cand):
                continue
            n_checked += len(cand)
            sims = edit_similarities(ivs_a[a0 + r], [B[c] for c in cand.tolist()])
            for c in cand[sims >= edit_min - 1e-12].tolist():
                note(a0 + r, c)
    log.info("edit similarity computed for %d candidate pairs", n_checked)
    links = []
    for (i, j) in sorted(found):
        a, b = ivs_a[i], B[j]
        links.append(Link(i, j, edit_similarity(a, b), cover(a, b, n), cover(b, a, n)))
    return [lk for lk in links if lk.edit >= edit_min or max(lk.cover_ab, lk.cover_ba) >= cover_min]


def clusters(n_items: int, links: Sequence[Link]) -> list[int]:
    """Union-find over ``links``: a cluster label (its smallest member index) per item."""
    parent = list(range(n_items))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for lk in links:
        ra, rb = find(lk.a), find(lk.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(n_items)]
