"""Long inputs: does chance make long unrelated lines look alike, and are quotes still found?

``python -m assistant.guard.lengths`` prints, for seeded random-walk melodies
(:func:`~assistant.guard.calibrate.synthetic_melody`) of growing length, the score of an
unrelated pair and of a pair where B holds a transposed quote of A, with the views.
``--fit`` measures how the alignment views of unrelated corpus lines grow with the size
of the search (the ``length_null`` slopes of :func:`~assistant.guard.similarity.chance_excess`).

Whole-cue drafts (many bars, several parts) are compared with temp tracks and the corpus,
so lines of thousands of notes are normal; a score that grows with length would call
honest drafts copies.
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

import numpy as np

from assistant.guard.calibrate import embed_quote, synthetic_melody
from assistant.guard.melody import Melody
from assistant.guard.similarity import REF_CELLS, compare

LENGTHS = (50, 200, 500, 1000, 2000, 4000)


def plain_walk(seed: int, n: int) -> Melody:
    """A plainer random walk: steps of 1-2 semitones in even eighth notes (low entropy)."""
    rng = np.random.default_rng(seed)
    p = 66 + np.cumsum(rng.choice([-2, -1, 1, 2], n))
    p = np.where(p > 84, 168 - p, np.where(p < 48, 96 - p, p))  # fold back into range
    return Melody(p, 0.5 * np.arange(n), np.full(n, 0.5), name=f"plain{seed}")


def length_rows(lengths: tuple[int, ...] = LENGTHS, seed: int = 1,
                quote_notes: int = 16, model: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Per length n: A has min(n, 1000) notes, B has n; 'unrelated' are two seeded walks,
    'quote' is B with ``quote_notes`` notes of A lifted in (transposed)."""
    rows = []
    for n in lengths:
        a = synthetic_melody(seed, min(n, 1000))
        b = synthetic_melody(seed + 1, n)
        rng = np.random.default_rng(seed + n)
        q, s0, cut = embed_quote(a, b, rng, n=min(quote_notes, len(a)))
        for kind, x, y in (("unrelated", a, b), ("quote", a, q),
                           ("plain unrelated", plain_walk(seed, min(n, 1000)), plain_walk(seed + 1, n))):
            t0 = time.perf_counter()
            r = compare(x, y, model=model, max_passages=1)
            row = {"kind": kind, "a_notes": len(x), "b_notes": len(y), "score": round(r.score, 3),
                   "verdict": r.verdict, "seconds": round(time.perf_counter() - t0, 1),
                   **{k: round(v, 3) for k, v in r.views.items()}}
            if kind == "quote":
                p = r.passages[0] if r.passages else None
                row["quote_found"] = bool(p and p.a_start_note <= s0 + 2 and p.a_end_note >= s0 + quote_notes - 3
                                          and p.b_start_note <= cut + 2 and p.b_end_note >= cut + quote_notes - 3)
            rows.append(row)
    return rows


def _long_line(corpus: Any, rng: np.random.Generator, n: int) -> Melody:
    """``n`` notes of unrelated corpus melodies played one after another."""
    pitches, iois, total = [], [], 0
    while total < n:
        m = corpus.melody(int(rng.integers(len(corpus))))
        pitches.append(m.pitches)
        iois.append(m.iois_beats)
        total += len(m)
    p, ioi = np.concatenate(pitches)[:n], np.concatenate(iois)[:n]
    return Melody(p, np.concatenate([[0.0], np.cumsum(ioi[:-1])]), ioi)


def fit_length_null(n_pairs: int = 40, seed: int = 5,
                    sizes: tuple[tuple[int, int], ...] = ((160, 160), (160, 640), (160, 2560), (320, 2560)),
                    ) -> dict[str, Any]:
    """Median raw ``match`` and ``strict`` of unrelated corpus lines per search size and the
    least-squares slope per e-fold of searched note pairs (from the calibrated size up).

    A long line is several corpus tunes one after another; the more tunes, the likelier that
    two are relatives (one tune under two titles), so medians, not means, and one side of
    at most 320 notes."""
    from assistant.guard.corpus import CorpusMelodies
    from assistant.guard.similarity import DEFAULT_MODEL

    corpus = CorpusMelodies.load()
    rng = np.random.default_rng(seed)
    xs, rows = [], {"match": [], "strict": []}
    table = []
    for nx, ny in sizes:
        vals = np.array([[r.views["match_raw"], r.views["strict_raw"]] for r in (
            compare(_long_line(corpus, rng, nx), _long_line(corpus, rng, ny), model=DEFAULT_MODEL,
                    max_passages=1) for _ in range(n_pairs))])
        xs.append(math.log(nx * ny / REF_CELLS))
        med = np.median(vals, axis=0)
        rows["match"].append(med[0])
        rows["strict"].append(med[1])
        table.append({"notes": f"{nx}x{ny}", "ln_cells_over_ref": round(xs[-1], 3),
                      "match_median": round(float(med[0]), 3),
                      "strict_median": round(float(med[1]), 3),
                      "strict_p99": round(float(np.quantile(vals[:, 1], 0.99)), 3)})
    x = np.array(xs)
    slopes = {f"{v}_per_nat": round(float(np.polyfit(x, np.array(rows[v]), 1)[0]), 3)
              for v in ("match", "strict")}
    return {"ref_cells": REF_CELLS, **slopes, "n_pairs_per_size": n_pairs, "table": table}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fit", action="store_true", help="measure the length_null slopes on the corpus")
    ap.add_argument("--lengths", default=",".join(map(str, LENGTHS)))
    ap.add_argument("--quote", type=int, default=16, help="notes in the planted quote")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = ap.parse_args(argv)
    if args.fit:
        import json

        print(json.dumps(fit_length_null(), indent=1))
        return
    rows = length_rows(tuple(int(v) for v in args.lengths.split(",")), quote_notes=args.quote)
    if args.json:
        import json

        print(json.dumps(rows, indent=1))
        return
    cols = ("kind", "a_notes", "b_notes", "score", "verdict", "strict_raw", "strict", "match_raw",
            "match", "ngram", "quote_found", "seconds")
    print(" | ".join(cols))
    for r in rows:
        print(" | ".join(str(r.get(c, "")) for c in cols), flush=True)


if __name__ == "__main__":  # pragma: no cover - manual run
    main()
