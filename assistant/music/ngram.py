"""A variable-order PPM n-gram model of melodic pitch (the IDyOM-style baseline).

PPM with escape method C and exclusion (Cleary & Witten 1984; Moffat 1990), blending orders
``max_order`` … 0 and a uniform order −1 over the pitch alphabet, as IDyOM's long-term model
does for the single viewpoint ``cpitch``; :class:`IdyomStyle` adds IDyOM's short-term model and
the entropy-weighted combination (no viewpoint combination).

>>> m = PPMModel(max_order=2).fit([[60, 62, 64, 60, 62, 64]])
>>> round(m.sequence_bits([60, 62, 64])[2], 3) < round(m.sequence_bits([60, 62, 61])[2], 3)
True
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

ALPHABET = tuple(range(21, 109))


class PPMModel:
    """PPM-C with exclusion over MIDI pitches (orders 0..``max_order``)."""

    def __init__(self, max_order: int = 4, alphabet: Sequence[int] = ALPHABET) -> None:
        self.max_order = max_order
        self.alphabet = tuple(alphabet)
        self.counts: dict[tuple[int, ...], dict[int, int]] = defaultdict(dict)

    def fit(self, melodies: Iterable[Sequence[int]]) -> PPMModel:
        """Count every context of length 0..max_order in the training melodies."""
        for mel in melodies:
            mel = [p for p in mel if p in self._aset]
            for i in range(len(mel)):
                self._count(mel, i)
        return self

    def update(self, mel: Sequence[int]) -> None:
        """Count the contexts of the LAST note of ``mel`` (incremental short-term training)."""
        if mel and mel[-1] in self._aset:
            self._count(mel, len(mel) - 1)

    def _count(self, mel: Sequence[int], i: int) -> None:
        """Count note ``i`` of ``mel`` after each of its contexts of length 0..max_order."""
        x = mel[i]
        for k in range(0, min(self.max_order, i) + 1):
            d = self.counts[tuple(mel[i - k:i])]
            d[x] = d.get(x, 0) + 1

    @property
    def _aset(self) -> set[int]:
        if not hasattr(self, "_aset_cache"):
            self._aset_cache = set(self.alphabet)
        return self._aset_cache

    def prob(self, context: Sequence[int], x: int) -> float:
        """P(x | context) by PPM-C blending with exclusion."""
        excluded: set[int] = set()
        escape_mass = 1.0
        for k in range(min(self.max_order, len(context)), -1, -1):
            ctx = tuple(context[len(context) - k:]) if k else ()
            d = self.counts.get(ctx)
            if not d:
                continue
            items = [(s, c) for s, c in d.items() if s not in excluded]
            if not items:
                continue
            total = sum(c for _s, c in items)
            types = len(items)
            denom = total + types  # method C: escape count = number of distinct symbols
            if x in d and x not in excluded:
                return escape_mass * d[x] / denom
            escape_mass *= types / denom
            excluded.update(s for s, _c in items)
        remaining = [s for s in self.alphabet if s not in excluded]
        if x not in remaining:
            return escape_mass * 1e-6  # outside the alphabet
        return escape_mass / len(remaining)

    def sequence_bits(self, melody: Sequence[int]) -> list[float]:
        """−log2 P of each note given the previous ones."""
        return [-math.log2(max(self.prob(melody[:i], x), 1e-12)) for i, x in enumerate(melody)]


def ppm_distribution(model: PPMModel, context: Sequence[int]) -> dict[int, float]:
    """The whole PPM-C distribution over ``model.alphabet`` after ``context`` (one pass over the
    orders, the same blending with exclusion as :meth:`PPMModel.prob`)."""
    out: dict[int, float] = {}
    excluded: set[int] = set()
    escape_mass = 1.0
    for k in range(min(model.max_order, len(context)), -1, -1):
        ctx = tuple(context[len(context) - k:]) if k else ()
        d = model.counts.get(ctx)
        if not d:
            continue
        items = [(s, c) for s, c in d.items() if s not in excluded]
        if not items:
            continue
        total = sum(c for _s, c in items)
        denom = total + len(items)
        for s, c in items:
            out[s] = escape_mass * c / denom
        escape_mass *= len(items) / denom
        excluded.update(s for s, _c in items)
    remaining = [s for s in model.alphabet if s not in excluded]
    for s in remaining:
        out[s] = escape_mass / len(remaining)
    return out


def _entropy(p: np.ndarray) -> float:
    q = p[p > 0]
    return float(-(q * np.log2(q)).sum())


class IdyomStyle:
    """IDyOM-style melodic pitch model (Pearce 2005): a long-term PPM model trained on the
    training melodies plus a short-term PPM model trained on the current melody only (updated
    after every note), combined per note by a weighted geometric mean with weights
    ``H_rel^-bias`` (relative entropy of each model's distribution; Pearce, Conklin & Wiggins
    2005), renormalised. Pitch only (``cpitch``), no rhythm and no other viewpoints.
    """

    def __init__(self, ltm: PPMModel | None, stm_order: int = 8, bias: float = 1.0,
                 alphabet: Sequence[int] | None = None) -> None:
        if ltm is None and alphabet is None:
            raise ValueError("IdyomStyle needs a long-term PPM model or an alphabet")
        self.ltm = ltm
        self.stm_order = stm_order
        self.bias = bias
        self.alphabet = tuple(alphabet) if alphabet is not None else ltm.alphabet  # type: ignore[union-attr]
        self.index = {s: i for i, s in enumerate(self.alphabet)}

    def _vec(self, dist: dict[int, float]) -> np.ndarray:
        v = np.zeros(len(self.alphabet))
        for s, p in dist.items():
            v[self.index[s]] = p
        return v

    def sequence_bits(self, melody: Sequence[int], ltm_probs: Sequence[np.ndarray | None] | None = None
                      ) -> list[float]:
        """−log2 P of each note of ``melody`` given the previous ones.

        ``ltm_probs`` replaces the long-term PPM model by another long-term model's predictive
        distributions, one vector over ``alphabet`` per note (e.g. the music model's, so that a
        neural long-term model is combined with the same short-term model as the baseline's)."""
        stm = PPMModel(max_order=self.stm_order, alphabet=self.alphabet)
        h_max = math.log2(len(self.alphabet))
        out: list[float] = []
        for i, x in enumerate(melody):
            if x not in self.index:
                out.append(-math.log2(1e-12))
                continue
            ctx = list(melody[:i])
            if ltm_probs is not None and ltm_probs[i] is not None:
                p_l = np.asarray(ltm_probs[i], dtype=float)
            else:
                p_l = self._vec(ppm_distribution(self.ltm, ctx))
            if i == 0:
                p = p_l
            else:
                p_s = self._vec(ppm_distribution(stm, ctx))
                w = np.array([max(_entropy(q) / h_max, 1e-6) ** -self.bias for q in (p_l, p_s)])
                logp = (w[0] * np.log(np.maximum(p_l, 1e-300)) + w[1] * np.log(np.maximum(p_s, 1e-300))) / w.sum()
                p = np.exp(logp - logp.max())
                p /= p.sum()
            out.append(-math.log2(max(float(p[self.index[x]]), 1e-12)))
            stm.update(melody[: i + 1])
        return out
