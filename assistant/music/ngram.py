"""A variable-order PPM n-gram model of melodic pitch (the IDyOM-style baseline).

PPM with escape method C and exclusion (Cleary & Witten 1984; Moffat 1990), blending orders
``max_order`` … 0 and a uniform order −1 over the pitch alphabet, as IDyOM's long-term model
does for the single viewpoint ``cpitch`` (no short-term model, no viewpoint combination).

>>> m = PPMModel(max_order=2).fit([[60, 62, 64, 60, 62, 64]])
>>> round(m.sequence_bits([60, 62, 64])[2], 3) < round(m.sequence_bits([60, 62, 61])[2], 3)
True
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

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
            for i, x in enumerate(mel):
                for k in range(0, self.max_order + 1):
                    if i - k < 0:
                        break
                    ctx = tuple(mel[i - k:i])
                    d = self.counts[ctx]
                    d[x] = d.get(x, 0) + 1
        return self

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
