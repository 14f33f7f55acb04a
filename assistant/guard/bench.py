"""Guard speed: index load, a 2-minute cue against the whole corpus, pairwise similarity.

Rows for ``make bench`` (see assistant/bench.py). The 2-minute cue is three lines (a
300-note melody with two lifted corpus phrases, a 150-note counter-line and a 120-note
bass) at 150 BPM, i.e. ~300 beats: every line is looked up in the index and re-aligned.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from assistant.guard.calibrate import embed_quote, synthetic_melody
from assistant.guard.melody import Melody

log = logging.getLogger(__name__)


def _cue_lines(index: Any, seed: int = 7) -> list[Melody]:
    rng = np.random.default_rng(seed)
    lead = synthetic_melody(seed, 280)
    if index is not None and len(index):
        for p in rng.choice(len(index), 2, replace=False):
            src = index.corpus.melody(int(p))
            if len(src) >= 12:
                lead = embed_quote(src, lead, rng, n=10)[0]
    counter = synthetic_melody(seed + 1, 150).time_scaled(2.0)
    bass = synthetic_melody(seed + 2, 120).transposed(-24).time_scaled(2.5)
    return [lead, counter, bass]


def index_recall(index: Any, n: int = 40, seed: int = 11) -> tuple[float, float, float]:
    """Plant a 10-note quote of a random corpus melody (>= 20 notes) into new material
    (a 60-note random walk), query the index: (share whose top match is the source piece or
    a piece with the same notes, share flagged >= similar, mean seconds per query)."""
    from assistant.guard.similarity import thresholds

    rng = np.random.default_rng(seed)
    similar = thresholds()[0]
    hits = flagged = 0
    secs = 0.0
    done = 0
    while done < n:
        p = int(rng.integers(0, len(index)))
        src = index.corpus.melody(p)
        if len(src) < 20:
            continue
        new, s0, _ = embed_quote(src, synthetic_melody(int(rng.integers(1 << 30)), 60), rng, n=10)
        t0 = time.perf_counter()
        res = index.query(new, top_k=1)
        secs += time.perf_counter() - t0
        done += 1
        if res:
            top = index.corpus.melody(res[0].piece_index)
            quote = np.diff(src.pitches[s0:s0 + 10]).tolist()
            tp = np.diff(top.pitches.astype(int)).tolist()
            same = res[0].piece_index == p or any(
                tp[k:k + 9] == quote for k in range(max(0, len(tp) - 8)))
            hits += bool(same)
            flagged += res[0].similarity.score >= similar
    return hits / n, flagged / n, secs / n


def index_recall_row(index: Any) -> dict[str, Any]:
    rec, flag, sec = index_recall(index)
    return {"name": "planted 10-note corpus quote: source is the top corpus match",
            "value": round(rec, 3), "unit": "share", "target": ">= 0.9", "ok": rec >= 0.9,
            "flagged_similar_or_copy": round(flag, 3), "seconds_per_query": round(sec, 3)}


def corpus_false_alarm_row(index: Any, n: int = 100) -> dict[str, Any]:
    """Share of new (random-walk, 28-note) themes that the whole-corpus check flags: the
    per-query false-alarm rate, higher than the per-pair rate because the best of ~15,000
    pieces is taken."""
    from assistant.guard.similarity import thresholds

    similar = thresholds()[0]
    flagged = 0
    for s in range(n):
        res = index.query(synthetic_melody(10_000 + s, 28), top_k=1)
        flagged += bool(res) and res[0].similarity.score >= similar
    return {"name": "new 28-note themes flagged by the whole-corpus check (false alarms)",
            "value": round(flagged / n, 3), "unit": "share", "target": "<= 0.05",
            "ok": flagged / n <= 0.05}


def run_bench() -> list[dict[str, Any]]:
    from assistant.guard.index import CorpusIndex
    from assistant.guard.loop import check
    from assistant.guard.similarity import compare

    rows: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    try:
        index = CorpusIndex.load()
    except FileNotFoundError:
        index = None
    load_s = time.perf_counter() - t0
    if index is not None:
        rows.append({"name": "guard index load (npz + hash index build)", "value": round(load_s, 3),
                     "unit": "s", "target": "< 2", "ok": load_s < 2.0})
        rows.append({"name": "guard corpus size", "value": len(index), "unit": "melodies",
                     "target": "music21 corpus", "notes": index.corpus.n_notes})
        lines = _cue_lines(index)
        check(lines[:1], [], index)  # warm-up (numpy code paths)
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            c = check(lines, [], index)
            times.append(time.perf_counter() - t0)
        best = float(np.median(times))
        rows.append({"name": "2-minute cue (3 lines, 550 notes) vs whole corpus", "value": round(best, 3),
                     "unit": "s", "target": "< 1", "ok": best < 1.0,
                     "closest": c.corpus.reference if c.corpus else None,
                     "closest_score": round(c.corpus.score, 3) if c.corpus else None})
        rows.append(index_recall_row(index))
        rows.append(corpus_false_alarm_row(index))
    a, b = synthetic_melody(1, 300), synthetic_melody(2, 300)
    compare(a.slice(0, 40), b.slice(0, 40))
    t0 = time.perf_counter()
    compare(a, b)
    pair = time.perf_counter() - t0
    rows.append({"name": "pairwise similarity, 300 x 300 notes", "value": round(pair * 1000, 1),
                 "unit": "ms", "target": "< 1000", "ok": pair < 1.0})
    x, y = synthetic_melody(3, 50), synthetic_melody(4, 50)
    n = 20
    t0 = time.perf_counter()
    for _ in range(n):
        compare(x, y)
    small = (time.perf_counter() - t0) / n
    rows.append({"name": "pairwise similarity, 50 x 50 notes (folk tune)", "value": round(small * 1000, 2),
                 "unit": "ms", "target": "< 50", "ok": small < 0.05})
    rows.append(long_pair_memory_row())
    return rows


def long_pair_memory_row() -> dict[str, Any]:
    """A long temp track against a cue: the alignment runs in windows of at most
    ``MAX_WINDOW_CELLS`` cells, so memory stays bounded (a 20 MB MIDI once took 3.2 GB)."""
    from assistant.bench import measure
    from assistant.guard.similarity import MAX_WINDOW_CELLS, compare

    a, b = synthetic_melody(5, 400), synthetic_melody(6, 5000)
    row = measure("similarity 400 x 5000 notes (windowed): memory growth",
                  lambda: compare(a, b), target="< 250 MiB above the start")
    grew = (row["peak_mib"] or 0) - (row.get("base_mib") or 0)
    row.update({"value": round(grew, 1), "unit": "MiB", "ok": grew < 250,
                "window_cells": MAX_WINDOW_CELLS})
    return row


if __name__ == "__main__":  # pragma: no cover - manual run
    for r in run_bench():
        print(r)
