"""The corpus melody index: hashed interval n-grams with positions, built once at load time.

Every run of ``NGRAM`` consecutive intervals (``NGRAM + 1`` notes; transposition- and
tempo-invariant) of every corpus melody is hashed to an int64 key; the keys are sorted
together with their (global note position) postings. A query melody's keys are looked up
with ``np.searchsorted``; hits are grouped by *diagonal* (corpus position minus query
position, i.e. the same alignment offset), the densest diagonals give candidate windows,
and each window is re-scored with the local Mongeau-Sankoff alignment of
:mod:`assistant.guard.similarity`. Keys found in more than ``MAX_POSTINGS`` places (scale
runs, repeated notes) are skipped for seeding; the alignment still sees those notes.

>>> # doctest: +SKIP
>>> idx = CorpusIndex.load()           # ~0.3 s: reads models/guard/corpus_melodies.npz
>>> hits = idx.query(melody, top_k=3)  # a 2-minute cue: well under 1 s
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.guard.corpus import CORPUS_JSON, CORPUS_NPZ, TICKS_PER_BEAT, CorpusMelodies
from assistant.guard.information import generic_mask, note_bits
from assistant.guard.melody import Melody
from assistant.guard.similarity import (
    AlignParams,
    Similarity,
    chance_excess,
    combine,
    compare,
    evidence_cap,
    load_model,
    ngram_views,
    verdict_for,
    weighted_length,
)

log = logging.getLogger(__name__)

NGRAM = 4  # intervals per key (5 notes)
MAX_POSTINGS = 4000
WINDOW_PAD_NOTES = 12
MAX_CANDIDATES = 12


def ngram_keys(pitches: np.ndarray, n: int = NGRAM) -> np.ndarray:
    """int64 key of every run of ``n`` intervals (len(pitches) - n keys; empty if too short)."""
    iv = np.clip(np.diff(pitches.astype(np.int64)), -24, 24) + 24
    if len(iv) < n:
        return np.zeros(0, dtype=np.int64)
    w = np.lib.stride_tricks.sliding_window_view(iv, n)
    return w @ (49 ** np.arange(n, dtype=np.int64))


@dataclass
class CorpusMatch:
    """The closest corpus passage for one query melody."""

    piece_index: int
    piece_id: str
    title: str
    similarity: Similarity
    seed_hits: int

    def to_dict(self) -> dict[str, Any]:
        d = self.similarity.to_dict()
        return {"piece_id": self.piece_id, "title": self.title, "seed_hits": self.seed_hits, **d}


@dataclass
class CorpusIndex:
    """Sorted n-gram keys with global note positions over :class:`CorpusMelodies`."""

    corpus: CorpusMelodies
    keys: np.ndarray = field(repr=False)
    positions: np.ndarray = field(repr=False)
    piece_of_note: np.ndarray = field(repr=False)
    build_seconds: float = 0.0

    @classmethod
    def build(cls, corpus: CorpusMelodies) -> CorpusIndex:
        t0 = time.perf_counter()
        pitches = corpus.pitches.astype(np.int64)
        n_notes = len(pitches)
        piece_of_note = np.repeat(np.arange(len(corpus), dtype=np.int32), np.diff(corpus.offsets))
        if n_notes > NGRAM:
            all_keys = ngram_keys(pitches)  # keys that may straddle two pieces
            starts = np.arange(len(all_keys), dtype=np.int64)
            ok = piece_of_note[starts] == piece_of_note[starts + NGRAM]
            keys, pos = all_keys[ok], starts[ok]
        else:
            keys, pos = np.zeros(0, np.int64), np.zeros(0, np.int64)
        order = np.argsort(keys, kind="stable")
        idx = cls(corpus, keys[order], pos[order].astype(np.int32), piece_of_note)
        idx.build_seconds = time.perf_counter() - t0
        log.info("guard index: %d pieces, %d notes, %d keys in %.2f s", len(corpus), n_notes,
                 len(keys), idx.build_seconds)
        return idx

    @classmethod
    def load(cls, npz: Path = CORPUS_NPZ, js: Path = CORPUS_JSON) -> CorpusIndex:
        """Load the shipped corpus melodies and build the index (no pickles)."""
        return cls.build(CorpusMelodies.load(npz, js))

    # --------------------------------------------------------------------------- queries
    def seeds(self, m: Melody) -> tuple[np.ndarray, np.ndarray]:
        """(query note positions, corpus global note positions) of shared n-gram keys."""
        qk = ngram_keys(m.pitches)
        if len(qk) == 0 or len(self.keys) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        lo = np.searchsorted(self.keys, qk, "left")
        hi = np.searchsorted(self.keys, qk, "right")
        cnt = hi - lo
        cnt[cnt > MAX_POSTINGS] = 0
        total = int(cnt.sum())
        if total == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        qpos = np.repeat(np.arange(len(qk), dtype=np.int64), cnt)
        # positions lo[q] .. hi[q]-1 for every q, flattened without a Python loop
        first = np.repeat(lo - np.concatenate([[0], np.cumsum(cnt)[:-1]]), cnt)
        cpos = self.positions[first + np.arange(total)].astype(np.int64)
        return qpos, cpos

    def candidates(self, m: Melody, max_candidates: int = MAX_CANDIDATES) -> list[tuple]:
        """Densest diagonals: (piece, query start, query end, corpus start, corpus end, hits,
        transposition, log2 tempo ratio) with note ranges (corpus ranges local to the piece),
        best first, one per piece."""
        qpos, cpos = self.seeds(m)
        if len(qpos) == 0:
            return []
        diag = cpos - qpos
        band = diag // 4  # small shifts (ornaments, a skipped note) stay in one band
        ub, inv, counts = np.unique(band, return_inverse=True, return_counts=True)
        # merge neighbouring bands' counts so that a diagonal on a band edge is not split
        order = np.argsort(-counts, kind="stable")
        out: list[tuple] = []
        seen_pieces: set[int] = set()
        hit_piece = self.piece_of_note[cpos]
        for b in order[: max_candidates * 8]:
            piece = int(hit_piece[np.argmax(inv == b)])
            if piece in seen_pieces:
                continue
            seen_pieces.add(piece)
            # neighbouring bands of the same piece: an ornamented copy drifts across bands
            sel = (hit_piece == piece) & (np.abs(band - ub[b]) <= 3)
            off = int(self.corpus.offsets[piece])
            q0, q1 = int(qpos[sel].min()), int(qpos[sel].max()) + NGRAM
            c0, c1 = int(cpos[sel].min()) - off, int(cpos[sel].max()) + NGRAM - off
            shifts = self.corpus.pitches[cpos[sel]].astype(np.int64) - m.pitches[qpos[sel]]
            vals, cnt = np.unique(shifts, return_counts=True)
            t = int(vals[np.argmax(cnt)])
            lq = np.log2(m.iois_beats[qpos[sel]])
            lc = np.log2(self.corpus.ioi_ticks[cpos[sel]].astype(np.float64) / TICKS_PER_BEAT)
            r = (lc - lq)[shifts == t]  # the most common tempo ratio, refined by its median
            qr = np.rint(r * 12.0).astype(np.int64)
            rv, rc = np.unique(qr, return_counts=True)
            logr = float(np.median(r[qr == rv[np.argmax(rc)]]))
            out.append((piece, q0, q1, c0, c1, int(counts[b]), t, logr))
            if len(out) >= max_candidates:
                break
        return out

    def query(self, m: Melody, top_k: int = 3, params: AlignParams = AlignParams(),
              max_candidates: int = MAX_CANDIDATES, figure: bool = False) -> list[CorpusMatch]:
        """The ``top_k`` closest corpus pieces to ``m`` with their best passage (positions in
        the query and in the corpus piece), by similarity score. ``figure``: ``m`` is
        accompaniment, judged with the stricter evidence test
        (:func:`~assistant.guard.similarity.evidence_cap`)."""
        model = load_model()
        results: list[CorpusMatch] = []
        cands = self.candidates(m, max_candidates)
        for piece, q0, q1, c0, c1, hits, t, logr in cands:
            ref = self.corpus.melody(piece)
            # the lines' own models see the whole lines (carried into the windows); the
            # query's figures too (it is windowed again for every candidate)
            note_bits(m)
            note_bits(ref)
            generic_mask(m)
            pad = WINDOW_PAD_NOTES
            qa, qb = max(0, q0 - pad), min(len(m), q1 + 1 + pad)
            ca, cb = max(0, c0 - pad), min(len(ref), c1 + 1 + pad)
            # the windows were picked by seeds from the whole lines: chance is that of the
            # whole search (len(m) x len(ref) note pairs), not of the windows
            cells = float(len(m)) * float(len(ref))
            # coverage and the n-gram views are judged on the whole melodies, not the windows
            whole = ngram_views(m, ref)
            sim = compare(m.slice(qa, qb), ref.slice(ca, cb), params=params, model=model,
                          max_passages=1, transforms=[(t, logr)], search_cells=cells,
                          figure=figure, ngram=whole, tries=len(cands))
            excess = chance_excess("match", cells, model)
            excess_strict = chance_excess("strict", cells, model)
            # passages are relative to the windows: shift back to whole-melody positions
            for p in sim.passages:
                p.a_start_note += qa
                p.a_end_note += qa
                p.b_start_note += ca
                p.b_end_note += ca
            floor = float(model.get("coverage_floor_notes", 16))
            shorter = min(weighted_length(m, params), weighted_length(ref, params))
            sim.views["coverage"] = min(1.0, sim.views["match"] / max(floor, shorter))
            sim.views.update(whole)
            sim.score = min(combine(sim.views, model),
                            evidence_cap(sim.views["evidence_bits"], model, figure))
            sim.verdict = verdict_for(sim.score, model)
            for p in sim.passages:
                pm = max(0.0, p.match - excess)
                ps = max(0.0, p.strict - excess_strict)
                pv = dict(sim.views, match=pm, strict=min(sim.views["strict"], ps),
                          coverage=min(1.0, pm / max(floor, shorter)))
                p.score = min(combine(pv, model), evidence_cap(p.evidence_bits, model, figure))
            info = self.corpus.pieces[piece]
            results.append(CorpusMatch(piece, info["id"], info.get("title", ""), sim, hits))
        results.sort(key=lambda r: (-r.similarity.score, -r.similarity.views["match"]))
        return results[:top_k]

    def __len__(self) -> int:
        return len(self.corpus)


_DEFAULT: CorpusIndex | None = None


def default_index() -> CorpusIndex | None:
    """The shipped corpus index (built once per process), or None if the data is missing."""
    global _DEFAULT
    if _DEFAULT is None:
        if not (CORPUS_NPZ.is_file() and CORPUS_JSON.is_file()):
            log.warning("no corpus melody data at %s; corpus checks are skipped", CORPUS_NPZ)
            return None
        _DEFAULT = CorpusIndex.load()
    return _DEFAULT
