"""How much a match says: the information (in bits) of matched notes, and how much of it
is generic material.

Two lines share a passage by chance more easily the plainer their material: a run of
steps in even eighths is found in any long enough line of steps in even eighths, a
broken chord in any accompaniment. So a match is weighed by its *information*: the
surprisal of each matched note's interval and rhythm (the ratio of its inter-onset
interval to the one before) under the least surprised of

* a **corpus n-gram model** (order 2 over intervals and over rhythm codes, with
  interpolated back-off to orders 1 and 0, counted on the shipped corpus melodies), and
* each line's **own model** (a leave-one-out cache: order-0 and order-2 counts over the
  line itself without the note, blended with the corpus model): a figure the line
  repeats (an ostinato, an arpeggio pattern, a pulse) or a line made of a few intervals
  (a walk of steps in even notes) is predictable from the line itself and earns little
  however rare it is in the corpus.

A matched pair earns the mean of its bits in A and in B for its interval, and the same
for its rhythm when both sides agree, counted only where the previous notes are matched
too (an interval is only shared when both its notes are; see :func:`pair_information`
for ornaments). Notes inside *generic figures* —
scale runs, broken chords and arpeggios, repeated notes, a pattern repeated at a short
period (:func:`generic_mask`) — earn ``GENERIC_WEIGHT`` of that.

The **evidence** of a passage is its information less what the search could find by
chance: ``bits - log2(cells * transforms) - RUN_PENALTY_BITS * (runs - 1)`` (an
E-value in bits, Karlin & Altschul 1990: a search over ``cells`` note pairs finds about
``cells * 2**-bits`` chance matches of that information). Copies and quotes of real tunes
carry tens of bits of evidence; chance matches of plain material carry none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.guard.melody import Melody

IV_CLIP = 24  # intervals in [-24, 24]: 49 symbols
N_IV = 2 * IV_CLIP + 1
R_CLIP = 6  # rhythm codes (half-octaves of the IOI ratio) in [-6, 6]: 13 symbols
N_R = 2 * R_CLIP + 1
#: interpolation weight of the lower order in the corpus model (additive back-off)
CORPUS_BACKOFF = 5.0
#: weight of the corpus model in a line's own leave-one-out cache model
SELF_PRIOR = 4.0
#: what a note inside a generic figure earns, as a share of its bits
GENERIC_WEIGHT = 0.5
#: bits each break between runs of matched notes costs (the alignment chose where to gap)
RUN_PENALTY_BITS = 3.0
#: bits each note skipped on one side (an ornament, a passing note) costs
SKIP_BITS = 2.0
#: at most this many bits per note (a very rare leap is still one note)
MAX_NOTE_BITS = 9.0


# ----------------------------------------------------------------------------- codes
def iv_codes(m: Melody) -> np.ndarray:
    """Interval into each note (len n; note 0 gets 0), clipped, as symbols 0..48."""
    out = np.full(len(m), IV_CLIP, dtype=np.int64)
    if len(m) > 1:
        out[1:] = np.clip(np.diff(m.pitches.astype(np.int64)), -IV_CLIP, IV_CLIP) + IV_CLIP
    return out


def r_codes(m: Melody) -> np.ndarray:
    """Rhythm code of each note (len n; note 0 gets 0): its inter-onset interval over the
    previous one in half-octaves, clipped, as symbols 0..12 (tempo invariant)."""
    out = np.full(len(m), R_CLIP, dtype=np.int64)
    if len(m) > 1:
        lio = np.log2(m.iois_beats)
        out[1:] = np.clip(np.rint(2.0 * np.diff(lio)), -R_CLIP, R_CLIP).astype(np.int64) + R_CLIP
    return out


def _ctx_keys(codes: np.ndarray, base: int, order: int) -> np.ndarray:
    """Key of the ``order`` codes before each position (-1 where there are fewer)."""
    n = len(codes)
    key = np.zeros(n, dtype=np.int64)
    ok = np.ones(n, dtype=bool)
    for k in range(1, order + 1):
        prev = np.full(n, -1, dtype=np.int64)
        prev[k:] = codes[:-k]
        ok &= prev >= 0
        key = key * base + np.maximum(prev, 0)
    key[~ok] = -1
    return key


def _cached(m: Melody, name: str) -> np.ndarray | None:
    got = m.meta.get(name)
    if isinstance(got, tuple) and len(got) == 2 and got[0] == m.content_key():
        return got[1]
    return None


def _cache(m: Melody, name: str, value: np.ndarray) -> np.ndarray:
    """Per-note values kept in ``m.meta`` with the key of the notes they were computed on
    (:meth:`Melody.slice` carries them into a window of the line)."""
    m.meta[name] = (m.content_key(), value)
    return value


# ----------------------------------------------------------------------------- corpus model
@dataclass(frozen=True)
class NgramTables:
    """Counts of order-0..2 n-grams of one code stream (``base`` symbols)."""

    base: int
    c0: np.ndarray  # (base,)
    c1: np.ndarray  # (base, base): context, symbol
    c2: np.ndarray  # (base**2, base)

    def prob(self, codes: np.ndarray, valid_from: int = 1) -> np.ndarray:
        """P(code_i | the two before) with additive back-off, per position (1 before
        ``valid_from``)."""
        b = self.base
        p0 = (self.c0 + 1.0) / (self.c0.sum() + b)
        p = p0[codes]
        k1 = _ctx_keys(codes, b, 1)
        k2 = _ctx_keys(codes, b, 2)
        ok1 = k1 >= 0
        n1 = self.c1.sum(axis=1)
        p1 = p.copy()
        p1[ok1] = ((self.c1[k1[ok1], codes[ok1]] + CORPUS_BACKOFF * p[ok1])
                   / (n1[k1[ok1]] + CORPUS_BACKOFF))
        ok2 = k2 >= 0
        n2 = self.c2.sum(axis=1)
        p2 = p1.copy()
        p2[ok2] = ((self.c2[k2[ok2], codes[ok2]] + CORPUS_BACKOFF * p1[ok2])
                   / (n2[k2[ok2]] + CORPUS_BACKOFF))
        p2[:valid_from] = 1.0
        return p2


def count_tables(codes: np.ndarray, piece: np.ndarray, base: int, valid: np.ndarray) -> NgramTables:
    """n-gram counts of ``codes`` (positions where ``valid``), never across pieces."""
    c0 = np.bincount(codes[valid], minlength=base).astype(np.float64)
    same1 = np.zeros(len(codes), dtype=bool)
    same1[1:] = (piece[1:] == piece[:-1]) & valid[1:] & valid[:-1]
    same2 = np.zeros(len(codes), dtype=bool)
    same2[2:] = same1[2:] & same1[1:-1]
    k1 = _ctx_keys(codes, base, 1)
    k2 = _ctx_keys(codes, base, 2)
    c1 = np.bincount(k1[same1] * base + codes[same1], minlength=base * base)
    c2 = np.bincount(k2[same2] * base + codes[same2], minlength=base ** 3)
    return NgramTables(base, c0, c1.reshape(base, base).astype(np.float64),
                       c2.reshape(base * base, base).astype(np.float64))


@lru_cache(maxsize=1)
def corpus_tables() -> tuple[NgramTables, NgramTables] | None:
    """(interval, rhythm) n-gram tables of the shipped corpus melodies (None without it)."""
    from assistant.guard.corpus import CORPUS_JSON, CORPUS_NPZ, CorpusMelodies

    if not (CORPUS_NPZ.is_file() and CORPUS_JSON.is_file()):
        return None
    c = CorpusMelodies.load()
    piece = np.repeat(np.arange(len(c)), np.diff(c.offsets))
    first = np.zeros(c.n_notes, dtype=bool)
    first[c.offsets[:-1][np.diff(c.offsets) > 0]] = True
    iv = np.zeros(c.n_notes, dtype=np.int64) + IV_CLIP
    iv[1:] = np.clip(np.diff(c.pitches.astype(np.int64)), -IV_CLIP, IV_CLIP) + IV_CLIP
    lio = np.log2(np.maximum(c.ioi_ticks.astype(np.float64), 1.0))
    r = np.zeros(c.n_notes, dtype=np.int64) + R_CLIP
    r[1:] = np.clip(np.rint(2.0 * np.diff(lio)), -R_CLIP, R_CLIP).astype(np.int64) + R_CLIP
    valid = ~first
    return count_tables(iv, piece, N_IV, valid), count_tables(r, piece, N_R, valid)


def _uniform_tables(base: int) -> NgramTables:
    return NgramTables(base, np.ones(base), np.ones((base, base)), np.ones((base * base, base)))


# ----------------------------------------------------------------------------- a line's bits
def _self_prob(codes: np.ndarray, corpus_p: np.ndarray, base: int) -> np.ndarray:
    """Leave-one-out cache model of the line itself, blended with the corpus probabilities
    ``corpus_p`` by ``SELF_PRIOR``: the likelier of order 0 (the line's own vocabulary: a
    walk of steps) and order 2 (its own figures: an ostinato) at every note."""
    p = corpus_p.copy()
    if len(codes) < 3:
        return p
    for order in (0, 2):
        k = _ctx_keys(codes, base, order) if order else np.zeros(len(codes), dtype=np.int64)
        ok = k >= 0
        ok[0] = False  # note 0 has no interval
        if ok.sum() < 2:
            continue
        full = k * base + codes
        _, inv_f, cnt_f = np.unique(full[ok], return_inverse=True, return_counts=True)
        _, inv_c, cnt_c = np.unique(k[ok], return_inverse=True, return_counts=True)
        loo = ((cnt_f[inv_f] - 1.0 + SELF_PRIOR * corpus_p[ok])
               / (cnt_c[inv_c] - 1.0 + SELF_PRIOR))
        p[ok] = np.maximum(p[ok], loo)
    return p


def note_bits(m: Melody) -> np.ndarray:
    """(n, 2) bits of each note's interval and rhythm: the least surprised of the corpus
    model and the line's own model (note 0: 0 bits; cached in ``m.meta``)."""
    cached = _cached(m, "note_bits")
    if cached is not None:
        return cached
    out = np.zeros((len(m), 2))
    if len(m) > 1:
        tabs = corpus_tables() or (_uniform_tables(N_IV), _uniform_tables(N_R))
        for col, (codes, tab) in enumerate(((iv_codes(m), tabs[0]), (r_codes(m), tabs[1]))):
            pc = tab.prob(codes)
            ps = _self_prob(codes, pc, tab.base)
            bits = -np.log2(np.clip(np.maximum(pc, ps), 1e-12, 1.0))
            bits[0] = 0.0
            out[:, col] = np.minimum(bits, MAX_NOTE_BITS)
    _cache(m, "note_bits", out)
    return out


# ----------------------------------------------------------------------------- generic figures
#: a scale: at least this many notes moving one way by steps
SCALE_NOTES = 5
#: a repeated pattern: period (notes) range and the repetitions that make it a figure
PERIODS = range(2, 9)
MIN_PERIOD_REPEATS = 3.0
MIN_PERIOD_NOTES = 8
#: a broken chord: at least this many notes joined by leaps inside one stock chord
CHORD_NOTES = 5
_CHORD_PCS = ({0, 4, 7}, {0, 3, 7}, {0, 3, 6}, {0, 4, 8}, {0, 4, 7, 10}, {0, 3, 7, 10},
              {0, 4, 7, 11}, {0, 3, 6, 9}, {0, 3, 6, 10}, {0, 5, 7}, {0, 2, 7})


def _is_chord(pcs: set[int]) -> bool:
    """True when the pitch classes are a subset of some transposition of a stock chord."""
    if len(pcs) < 2:
        return False
    for root in pcs:
        rel = {(p - root) % 12 for p in pcs}
        if any(rel <= ch for ch in _CHORD_PCS):
            return True
    return False


def generic_mask(m: Melody) -> np.ndarray:
    """Notes that belong to generic figures (the common stock of music; cached in ``m.meta``):

    * scale runs: ``SCALE_NOTES`` or more notes moving one way by 1-2 semitones
    * broken chords / arpeggios: ``CHORD_NOTES`` or more notes in a row joined by leaps
      (3-12 semitones) whose pitch classes make one stock chord
    * repeated notes: the 2nd and later of a run of the same pitch
    * short-period repetition (ostinati, Alberti basses, pulses): interval and rhythm
      repeat at a period of 2-8 notes for ``MIN_PERIOD_REPEATS`` periods and at least
      ``MIN_PERIOD_NOTES`` notes
    """
    cached = _cached(m, "generic")
    if cached is not None:
        return cached
    n = len(m)
    g = np.zeros(n, dtype=bool)
    if n < 3:
        return _cache(m, "generic", g)
    p = m.pitches.astype(np.int64)
    iv = np.diff(p)
    # scale runs
    i = 0
    while i < len(iv):
        j = i
        while j < len(iv) and 1 <= abs(iv[j]) <= 2 and np.sign(iv[j]) == np.sign(iv[i]):
            j += 1
        if j - i + 1 >= SCALE_NOTES:
            g[i:j + 1] = True
        i = max(j, i + 1)
    # broken chords
    i = 0
    while i < len(iv):
        j = i
        pcs = {int(p[i]) % 12}
        while j < len(iv) and 3 <= abs(iv[j]) <= 12 and _is_chord(pcs | {int(p[j + 1]) % 12}):
            pcs.add(int(p[j + 1]) % 12)
            j += 1
        if j - i + 1 >= CHORD_NOTES:
            g[i:j + 1] = True
        i = max(j, i + 1)
    # repeated notes
    g[1:][iv == 0] = True
    g |= periodic_mask(m)
    return _cache(m, "generic", g)


def periodic_mask(m: Melody) -> np.ndarray:
    """Notes inside a pattern repeated at a short period (an ostinato, an Alberti bass, a
    pulse): interval and rhythm repeat at a period of 2-8 notes for
    ``MIN_PERIOD_REPEATS`` periods and at least ``MIN_PERIOD_NOTES`` notes."""
    n = len(m)
    g = np.zeros(n, dtype=bool)
    code = iv_codes(m) * N_R + r_codes(m)
    for per in PERIODS:
        if n < 2 * per + 1:
            break
        same = np.zeros(n, dtype=bool)
        same[per + 1:] = code[per + 1:] == code[1:-per]
        # runs of `same`: a run of length L covers L + per notes of repetition
        k = 0
        while k < n:
            if not same[k]:
                k += 1
                continue
            s = k
            while k < n and same[k]:
                k += 1
            if k - s >= max((MIN_PERIOD_REPEATS - 1.0) * per, MIN_PERIOD_NOTES - per):
                g[max(0, s - per):k] = True
    return g


# ----------------------------------------------------------------------------- passages
@dataclass
class Information:
    """What a matched passage says: ``bits`` of shared intervals and rhythms (generic
    notes discounted), matched ``pairs``, ``runs`` of consecutive matched notes, the share
    of the matched notes inside generic figures and the ``evidence`` against chance."""

    bits: float
    pairs: int
    runs: int
    generic_share: float
    evidence: float


def pair_information(a: Melody, b: Melody, pairs: list[tuple[int, int]], cells: float,
                     transforms: int = 1) -> Information:
    """Information and evidence of matched note pairs ``(i in a, j in b)`` (0-based, in
    order; pitches already known to agree after the transposition).

    A pair following the previous one note for note earns the mean of both sides' bits
    for its interval (and for its rhythm when the rhythm codes agree). A pair after an
    ornament on one side (1-2 extra notes there) earns the other side's interval bits less
    ``SKIP_BITS`` per skipped note (the alignment chose them). Any other step starts a
    new run, which earns nothing for its first note and costs ``RUN_PENALTY_BITS``."""
    if not pairs:
        return Information(0.0, 0, 0, 0.0, -math.log2(max(cells * transforms, 1.0)))
    ba, bb = note_bits(a), note_bits(b)
    ga, gb = generic_mask(a), generic_mask(b)
    ra, rb = r_codes(a), r_codes(b)
    bits = 0.0
    runs = 0
    generic = 0
    pi, pj = -9, -9
    for i, j in pairs:
        gen = bool(ga[i] or gb[j])
        generic += gen
        di, dj = i - pi, j - pj
        w = GENERIC_WEIGHT if gen else 1.0
        if di == 1 and dj == 1:
            x = 0.5 * (ba[i, 0] + bb[j, 0])
            if ra[i] == rb[j]:
                x += 0.5 * (ba[i, 1] + bb[j, 1])
            bits += w * x
        elif di == 1 and 2 <= dj <= 3:
            bits += max(0.0, w * ba[i, 0] - SKIP_BITS * (dj - 1))
        elif dj == 1 and 2 <= di <= 3:
            bits += max(0.0, w * bb[j, 0] - SKIP_BITS * (di - 1))
        else:
            runs += 1
        pi, pj = i, j
    ev = bits - math.log2(max(cells * transforms, 1.0)) - RUN_PENALTY_BITS * max(0, runs - 1)
    return Information(float(bits), len(pairs), runs, generic / len(pairs), float(ev))


def line_information(m: Melody) -> float:
    """The most a match with this line could earn: its bits, generic notes discounted."""
    if len(m) < 2:
        return 0.0
    w = np.where(generic_mask(m), GENERIC_WEIGHT, 1.0)
    return float((note_bits(m).sum(axis=1) * w).sum())
