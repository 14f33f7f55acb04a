"""Does the guard measurably block regurgitation? Themes with the guard off vs on.

For each of N themes: draw one candidate from the generator (guard off) and measure its
longest corpus match; run :func:`assistant.guard.loop.guarded` with the same generator
(guard on) and measure the accepted theme's longest corpus match. "Longest corpus match" is
the best passage the index finds: aligned notes (``notes``), the alignment score in matched
notes (``match``) and the [0, 1] score.

Generators:

* ``music``: the project's music model, ``assistant.music.sample.generate(controls, bars,
  meter, n_candidates)`` (used when it and its weights in models/music/ load);
* ``markov``: a stand-in that is *built* to regurgitate, like an over-fitted model: with
  probability ``stickiness`` (0.5) it copies the next note of the corpus passage it is
  following, otherwise it continues from a random corpus occurrence of its last four
  intervals (an order-4 interval Markov chain).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from assistant.guard.index import NGRAM, CorpusIndex, ngram_keys
from assistant.guard.loop import check, guarded
from assistant.guard.melody import Melody, as_melodies
from assistant.guard.similarity import thresholds

log = logging.getLogger(__name__)


class MarkovRegurgitator:
    """Sticky order-4 interval chain over the corpus index (see the module docstring)."""

    def __init__(self, index: CorpusIndex, seed: int = 0, beats: float = 32.0,
                 stickiness: float = 0.5) -> None:
        self.index = index
        self.stickiness = stickiness
        self.rng = np.random.default_rng(seed)
        self.beats = beats
        c = index.corpus
        self.ioi = c.ioi_ticks.astype(np.float64) / 48.0
        self.pitch = c.pitches.astype(np.int64)

    def _start(self) -> int:
        return int(self.index.positions[self.rng.integers(0, len(self.index.positions))])

    def theme(self) -> Melody:
        pos = self._start()
        piece = self.index.piece_of_note
        pitches = list(self.pitch[pos:pos + NGRAM + 1])
        iois = list(self.ioi[pos:pos + NGRAM + 1])
        src = pos + NGRAM  # corpus position of the last note copied
        while sum(iois) < self.beats and len(pitches) < 200:
            nxt_src = src + 1
            if (self.rng.random() < self.stickiness and nxt_src < len(self.pitch)
                    and piece[nxt_src] == piece[src]):  # keep copying the same source
                pitches.append(pitches[-1] + int(self.pitch[nxt_src] - self.pitch[src]))
                iois.append(float(self.ioi[nxt_src]))
                src = nxt_src
                continue
            key = ngram_keys(np.asarray(pitches[-(NGRAM + 1):]))[-1]
            lo = int(np.searchsorted(self.index.keys, key, "left"))
            hi = int(np.searchsorted(self.index.keys, key, "right"))
            nxt = -1
            if hi > lo:
                for _ in range(4):
                    cand = int(self.index.positions[self.rng.integers(lo, hi)]) + NGRAM + 1
                    if cand < len(self.pitch) and piece[cand] == piece[cand - NGRAM - 1]:
                        nxt = cand
                        break
            if nxt < 0:  # dead end: jump to a random place, keep the register
                pos = self._start()
                shift = pitches[-1] - int(self.pitch[pos])
                pitches.append(int(self.pitch[pos + 1]) + shift)
                iois.append(float(self.ioi[pos + 1]))
                src = pos + 1
                continue
            pitches.append(pitches[-1] + int(self.pitch[nxt] - self.pitch[nxt - 1]))
            iois.append(float(self.ioi[nxt]))
            src = nxt
        onsets = np.concatenate([[0.0], np.cumsum(iois[:-1])])
        return Melody(np.clip(pitches, 0, 127), onsets, np.asarray(iois), name="markov theme")


def music_model_generator(seed: int = 0, bars: int = 8) -> Callable[[int], Any] | None:
    """``attempt -> theme`` from ``assistant.music.sample.generate``, or None when the music
    model (or its shipped weights) is not available."""
    try:
        from assistant.music import sample as music_sample

        music_sample.get_sampler()  # loads models/music/ or raises
    except Exception as exc:  # not written yet, or the model is missing
        log.warning("music model unavailable (%s); using the Markov stand-in", exc)
        return None
    import random

    import torch

    random.seed(seed)
    torch.manual_seed(seed)

    def draw(attempt: int) -> Any:
        del attempt
        return music_sample.generate(None, bars=bars, meter=(4, 4), n_candidates=1)[0]

    return draw


def longest_match(candidate: Any, index: CorpusIndex) -> dict[str, Any]:
    c = check(as_melodies(candidate), [], index)
    m = c.corpus
    if m is None or not m.passage:
        return {"notes": 0, "match": 0.0, "strict": 0.0, "score": 0.0, "piece": None}
    return {"notes": int(m.passage["notes"]), "match": float(m.passage["match"]),
            "strict": float(m.views.get("strict", 0.0)), "score": float(m.score),
            "piece": m.reference}


def run_experiment(index: CorpusIndex, n_themes: int = 200, generator: str = "auto",
                   max_retries: int = 5, seed: int = 0,
                   progress: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """Guard off vs on over ``n_themes`` themes; returns summary and per-theme rows."""
    draw = music_model_generator(seed) if generator in ("auto", "music") else None
    used = "music" if draw is not None else "markov"
    if draw is None:
        if generator == "music":
            raise RuntimeError("assistant.music.generate is not available")
        mk = MarkovRegurgitator(index, seed)
        draw = lambda attempt: mk.theme()  # noqa: E731 - the loop's candidates_fn
    similar, copy = thresholds()
    rows = []
    t0 = time.time()
    it = range(n_themes)
    for _ in progress(it) if progress else it:
        off = longest_match(draw(0), index)
        res = guarded(draw, corpus_index=index, threshold=similar, max_retries=max_retries)
        on = longest_match(res.accepted, index)
        rows.append({"off": off, "on": on, "attempts": res.attempts, "passed": res.passed})

    def summary(key: str) -> dict[str, Any]:
        notes = np.array([r[key]["notes"] for r in rows])
        match = np.array([r[key]["match"] for r in rows])
        score = np.array([r[key]["score"] for r in rows])
        strict = np.array([r[key]["strict"] for r in rows])
        return {"median_notes": float(np.median(notes)), "mean_notes": round(float(notes.mean()), 2),
                "p90_notes": round(float(np.quantile(notes, 0.9)), 1), "max_notes": int(notes.max()),
                "median_match": round(float(np.median(match)), 2),
                "max_match": round(float(match.max()), 2),
                "median_strict": round(float(np.median(strict)), 2),
                "max_strict": round(float(strict.max()), 2),
                "share_strict_ge_8": round(float(np.mean(strict >= 8)), 3),
                "share_ge_10_matched_notes": round(float(np.mean(match >= 10)), 3),
                "share_similar_or_copy": round(float(np.mean(score >= similar)), 3),
                "share_copy": round(float(np.mean(score >= copy)), 3)}

    return {"generator": used, "n_themes": n_themes, "max_retries": max_retries,
            "threshold": similar, "off": summary("off"), "on": summary("on"),
            "mean_attempts_on": round(float(np.mean([r["attempts"] for r in rows])), 2),
            "gave_up": int(sum(not r["passed"] for r in rows)),
            "seconds": round(time.time() - t0, 1), "rows": rows}
