"""The information check, measured: false 'copy' on unrelated pairs, detection of planted
quotes and copies, plain material and accompaniment figures, with and without the cap.

``python -m assistant.guard.evidence [--negatives 800] [--per-kind 60]`` prints one
markdown table (the rows written into models/guard/CALIBRATION.md):

* *unrelated*: pairs of different held-out corpus melodies (different titles), cut to
  160 notes as in the calibration;
* the calibration's planted variants and stress variants (:mod:`assistant.guard.calibrate`)
  on held-out melodies: whole copies, transposed, at another tempo, ornamented (rhythm
  changed in passing), changed notes, and 8-12-note quotes lifted into new material;
* *plain*: two unrelated walks of steps in even eighths (:func:`~assistant.guard.lengths.plain_walk`);
* *figure vs tune*: an accompaniment figure (a broken-chord ostinato, an Alberti bass, a
  scale-run pulse) against corpus tunes, and against corpus tunes that run through 8
  notes of it (the horn ostinato that "matched a jig"), judged as a tune and as a figure.

For each row: the evidence in bits of the best passage (median and 99th percentile), the
share called similar or copy and the share called copy, by the logistic score alone
("uncapped", what the guard did before) and by the guard now (capped by the evidence).
"""

from __future__ import annotations

import argparse
import collections
import time
from typing import Any

import numpy as np

from assistant.guard.melody import Melody
from assistant.guard.similarity import combine, compare, load_model


def figure_line(kind: str, rng: np.random.Generator, n: int = 96) -> Melody:
    """Accompaniment material: ``arpeggio`` (broken chords over a I-vi-IV-V loop in even
    eighths), ``alberti`` (low-high-middle-high), ``scales`` (up-and-down runs)."""
    root = int(rng.integers(50, 62))
    chords = [(0, 4, 7), (9, 12, 16), (5, 9, 12), (7, 11, 14)]
    p: list[int] = []
    k = 0
    while len(p) < n:
        c = chords[k % 4]
        if kind == "arpeggio":
            p += [root + c[0], root + c[1], root + c[2], root + c[0] + 12, root + c[2], root + c[1]]
        elif kind == "alberti":
            p += [root + c[0], root + c[2], root + c[1], root + c[2]] * 2
        else:
            base = root + c[0]
            p += [base + s for s in (0, 2, 4, 5, 7, 9, 11, 12, 11, 9, 7, 5, 4, 2)]
        k += 1
    p = p[:n]
    return Melody(np.array(p), 0.5 * np.arange(n), np.full(n, 0.5), name=kind)


def run(n_negative: int = 800, per_kind: int = 60, seed: int = 7) -> list[dict[str, Any]]:
    """The rows of the table (see the module docstring)."""
    from assistant.guard.calibrate import (
        KINDS,
        STRESS_KINDS,
        _clip,
        _norm_title,
        make_positive,
        split_pieces,
    )
    from assistant.guard.corpus import CorpusMelodies

    corpus = CorpusMelodies.load()
    _, held = split_pieces(corpus)
    rng = np.random.default_rng(seed)
    eligible = np.array([p for p in held if corpus.offsets[p + 1] - corpus.offsets[p] >= 16])
    model = load_model()
    got: dict[str, list[tuple[float, float, float]]] = collections.defaultdict(list)

    def one(kind: str, x: Melody, y: Melody, figure: bool = False) -> None:
        r = compare(x, y, model=model, max_passages=1, figure=figure)
        got[kind].append((r.views["evidence_bits"], combine(r.views, model), r.score))

    while len(got["unrelated"]) < n_negative:
        a, b = rng.choice(eligible, 2, replace=False)
        if _norm_title(corpus.pieces[a].get("title", "")) == _norm_title(corpus.pieces[b].get("title", "")):
            continue
        one("unrelated", _clip(corpus.melody(int(a)), rng), _clip(corpus.melody(int(b)), rng))
    for kind in KINDS + STRESS_KINDS:
        for _ in range(per_kind):
            a, f = rng.choice(eligible, 2, replace=False)
            ma, mf = _clip(corpus.melody(int(a)), rng), _clip(corpus.melody(int(f)), rng)
            one(kind, ma, make_positive(kind, ma, mf, rng))
    _plain_and_figures(one, per_kind, rng, corpus, eligible)
    return _rows(got, model)


def _plain_and_figures(one: Any, per_kind: int, rng: np.random.Generator, corpus: Any,
                       eligible: np.ndarray) -> None:
    from assistant.guard.calibrate import _clip, embed_quote
    from assistant.guard.lengths import plain_walk

    for n in (50, 160, 1000):
        for s in range(max(4, per_kind // (4 if n < 1000 else 12))):
            one(f"plain {n}x{n}", plain_walk(s, n), plain_walk(s + 1000, n))
    for fk in ("arpeggio", "alberti", "scales"):
        for _ in range(max(4, per_kind // 3)):
            fig = figure_line(fk, rng)
            tune = _clip(corpus.melody(int(rng.choice(eligible))), rng)
            one(f"{fk} vs tune, as a tune", fig, tune)
            # the 1M9 case: the tune itself runs through one bar of the figure
            with_fig = embed_quote(fig, tune, rng, n=8)[0]
            one(f"{fk} vs a tune holding 8 notes of it, as a tune", fig, with_fig)
            one(f"{fk} vs a tune holding 8 notes of it, as a figure", fig, with_fig, figure=True)


def extra_rows(per_kind: int = 60, seed: int = 7, model: dict[str, Any] | None = None,
               ) -> list[dict[str, Any]]:
    """Only the plain and figure rows (the calibration adds them to its report)."""
    from assistant.guard.calibrate import split_pieces
    from assistant.guard.corpus import CorpusMelodies

    corpus = CorpusMelodies.load()
    _, held = split_pieces(corpus)
    rng = np.random.default_rng(seed)
    eligible = np.array([p for p in held if corpus.offsets[p + 1] - corpus.offsets[p] >= 16])
    model = model or load_model()
    got: dict[str, list[tuple[float, float, float]]] = collections.defaultdict(list)

    def one(kind: str, x: Melody, y: Melody, figure: bool = False) -> None:
        r = compare(x, y, model=model, max_passages=1, figure=figure)
        got[kind].append((r.views["evidence_bits"], combine(r.views, model), r.score))

    _plain_and_figures(one, per_kind, rng, corpus, eligible)
    return _rows(got, model)


def _rows(got: dict[str, list[tuple[float, float, float]]], model: dict[str, Any],
          ) -> list[dict[str, Any]]:
    sim, cop = float(model["thresholds"]["similar"]), float(model["thresholds"]["copy"])
    rows = []
    for kind, v in got.items():
        ev, raw, now = (np.array(c) for c in zip(*v, strict=True))
        rows.append({"kind": kind, "n": len(v),
                     "evidence_median": round(float(np.median(ev)), 1),
                     "evidence_p99": round(float(np.quantile(ev, 0.99)), 1),
                     "uncapped_similar_or_copy": round(float(np.mean(raw >= sim)), 3),
                     "uncapped_copy": round(float(np.mean(raw >= cop)), 3),
                     "similar_or_copy": round(float(np.mean(now >= sim)), 3),
                     "copy": round(float(np.mean(now >= cop)), 3)})
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    cols = ("kind", "n", "evidence_median", "evidence_p99", "uncapped_similar_or_copy",
            "uncapped_copy", "similar_or_copy", "copy")
    head = ("| kind | n | evidence median (bits) | evidence p99 | before: ≥ similar | before: copy "
            "| now: ≥ similar | now: copy |")
    out = [head, "|---|---:|---:|---:|---:|---:|---:|---:|"]
    out += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--negatives", type=int, default=800)
    ap.add_argument("--per-kind", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    t0 = time.time()
    rows = run(args.negatives, args.per_kind, args.seed)
    print(markdown(rows))
    print(f"\n{time.time() - t0:.0f} s")


if __name__ == "__main__":  # pragma: no cover - manual run
    main()
