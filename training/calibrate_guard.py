"""Calibrate the guard's similarity score: ``python -m training.calibrate_guard``.

Planted variants of corpus melodies against unrelated corpus pairs (see
:mod:`assistant.guard.calibrate`); writes ``models/guard/calibration.json`` (view weights and
the copy / similar thresholds, read by :mod:`assistant.guard.similarity`) and
``models/guard/CALIBRATION.md``.
"""

from __future__ import annotations

import argparse
import logging

from assistant.guard.calibrate import run_calibration, write_outputs
from assistant.guard.corpus import CorpusMelodies


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-kind", type=int, default=300, help="planted positives per variant kind")
    ap.add_argument("--negatives", type=int, default=3000, help="unrelated pairs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dry-run", action="store_true", help="print, do not write models/guard/")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from tqdm import tqdm

    corpus = CorpusMelodies.load()
    res = run_calibration(corpus, args.per_kind, args.negatives, args.seed,
                          progress=lambda it: tqdm(it, mininterval=5, desc="pairs"))
    write_outputs(res, dry_run=args.dry_run)


if __name__ == "__main__":
    main()
