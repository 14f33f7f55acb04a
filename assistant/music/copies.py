"""Copies of training melodies: (interval, duration) runs, their hashes, and the shipped filter.

A melody is coded as one integer per pair of consecutive notes, ``(interval + 128) * 4096 +
duration of the second note in 1/12 beats`` (transposition-invariant). A run of ``n`` shared
notes is a shared window of ``n - 1`` codes. :class:`NgramIndex` finds the longest shared run
against a melody collection (evaluation); :class:`CopyFilter` answers "does this melody share
a run of ``COPY_NOTES`` notes with the training set?" from a shipped table of 32-bit window
hashes (``models/music/train_runs.npz``), so :func:`assistant.music.sample.generate` can
refuse copies at run time without the corpus.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

COPY_NOTES = 12  # the memorisation criterion of the evaluation (issue: "copies of 12 or more notes")

_P = np.uint64(1_000_003)


def codes_of(mel: list[list[float]]) -> np.ndarray:
    """(interval, duration) codes of consecutive notes of a melody."""
    if len(mel) < 2:
        return np.zeros(0, dtype=np.uint64)
    p = np.array([n[0] for n in mel], dtype=np.int64)
    d = np.array([round(n[2] * 12) for n in mel[1:]], dtype=np.int64)
    return ((np.diff(p) + 128) * 4096 + np.clip(d, 0, 4095)).astype(np.uint64)


class NgramIndex:
    """Sorted hashes of every k-gram of (interval, duration) codes in a melody collection."""

    def __init__(self, melodies: list[list[list[float]]]) -> None:
        seqs = [codes_of(m) for m in melodies]
        self.codes = np.concatenate(seqs) if seqs else np.zeros(0, np.uint64)
        ids = np.concatenate([np.full(len(s), i) for i, s in enumerate(seqs)]) if seqs else np.zeros(0)
        self.mel_id = ids
        self._cache: dict[int, np.ndarray] = {}

    def hashes(self, k: int) -> np.ndarray:
        if k not in self._cache:
            n = len(self.codes) - k + 1
            if n <= 0:
                self._cache[k] = np.zeros(0, np.uint64)
            else:
                h = window_hashes(self.codes, k)
                valid = self.mel_id[:n] == self.mel_id[k - 1:k - 1 + n]
                self._cache[k] = np.unique(h[valid])
        return self._cache[k]

    def contains(self, codes: np.ndarray, k: int) -> bool:
        h = window_hashes(codes, k)
        if not len(h):
            return False
        idx = self.hashes(k)
        pos = np.searchsorted(idx, h)
        pos = np.minimum(pos, len(idx) - 1)
        return bool(len(idx)) and bool(np.any(idx[pos] == h))

    def longest(self, mel: list[list[float]]) -> int:
        """Longest shared run, in notes (k codes = k + 1 notes), by binary search."""
        c = codes_of(mel)
        lo, hi = 0, len(c)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.contains(c, mid):
                lo = mid
            else:
                hi = mid - 1
        return lo + 1 if lo else 0


def window_hashes(codes: np.ndarray, k: int) -> np.ndarray:
    """Polynomial hash of every window of ``k`` consecutive codes (uint64, wrapping)."""
    n = len(codes) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        h = np.zeros(n, dtype=np.uint64)
        for j in range(k):
            h = h * _P + codes[j:j + n]
    return h


def _fold32(h: np.ndarray) -> np.ndarray:
    return ((h >> np.uint64(32)) ^ (h & np.uint64(0xFFFFFFFF))).astype(np.uint32)


class CopyFilter:
    """Sorted 32-bit hashes of every ``COPY_NOTES``-note run of the training melodies.

    A false alarm needs a 32-bit collision: with ~1.3 M stored runs, about 3e-4 per run
    checked, i.e. roughly one theme in a hundred of 30 notes is re-drawn needlessly.
    """

    def __init__(self, table: np.ndarray, notes: int = COPY_NOTES, is_sorted: bool = False) -> None:
        t = np.asarray(table, dtype=np.uint32)
        self.table = t if is_sorted else np.unique(t)
        self.notes = notes

    @classmethod
    def build(cls, melodies: list[list[list[float]]], notes: int = COPY_NOTES) -> CopyFilter:
        idx = NgramIndex(melodies)
        return cls(_fold32(idx.hashes(notes - 1)), notes)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, runs=self.table, notes=np.int64(self.notes))

    @classmethod
    def load(cls, path: Path) -> CopyFilter:
        with np.load(path, allow_pickle=False) as z:
            return cls(z["runs"], int(z["notes"]), is_sorted=True)  # saved from a unique table

    def copies(self, mel: list[list[float]]) -> bool:
        """True when ``mel`` ([pitch, start, dur] notes) shares a run of ``notes`` notes."""
        h = window_hashes(codes_of(mel), self.notes - 1)
        if not len(h) or not len(self.table):
            return False
        h = _fold32(h)
        pos = np.minimum(np.searchsorted(self.table, h), len(self.table) - 1)
        return bool(np.any(self.table[pos] == h))
