"""Build the guard's corpus melody data: ``python -m training.build_guard_index``.

Extracts one melody per piece of the music21 corpus into resumable shards under
``.cache/guard/shards/`` (reading the music model's cache ``.cache/music/extract/`` where a
file is already there), then merges them into ``models/guard/corpus_melodies.npz`` +
``corpus_pieces.json`` (see assistant/guard/corpus.py). The hash index itself is built at
load time.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np

from assistant.guard.corpus import (
    COLLECTIONS,
    CORPUS_JSON,
    CORPUS_NPZ,
    extract_collection,
    merge_shards,
)
from assistant.guard.similarity import IDF_NPZ, build_idf_table

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shards", type=Path, default=ROOT / ".cache" / "guard" / "shards")
    ap.add_argument("--music-cache", type=Path, default=ROOT / ".cache" / "music" / "extract")
    ap.add_argument("--collections", nargs="*", default=list(COLLECTIONS))
    ap.add_argument("--merge-only", action="store_true", help="only merge existing shards")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args.shards.mkdir(parents=True, exist_ok=True)
    if not args.merge_only:
        for col in args.collections:
            big = col in ("ryansMammoth", "palestrina")
            extract_collection(col, args.shards, music_cache=args.music_cache,
                               chunk=4 if col in ("oneills1850", "miscFolk", "essenFolksong") else 50,
                               reverse=big)
    c = merge_shards(args.shards, args.collections)
    splits = ROOT / "datasets" / "music" / "splits.json"
    if splits.is_file():  # tag each piece with the music model's split (train/val/test)
        which = {pid: name for name, ids in json.loads(splits.read_text("utf-8")).items()
                 for pid in ids}
        for p in c.pieces:
            p["split"] = which.get(p["id"], "none")
        c.save(CORPUS_NPZ, CORPUS_JSON)
        train = [pid for pid, name in which.items() if name == "train"]
        have = {p["id"] for p in c.pieces}
        logging.info("music train split: %d pieces, %d (%.1f %%) in the guard corpus", len(train),
                     sum(t in have for t in train),
                     100.0 * sum(t in have for t in train) / max(1, len(train)))
    np.savez_compressed(IDF_NPZ, **build_idf_table(c.pitches, c.offsets))
    logging.info("corpus melodies: %d pieces, %d notes; n-gram table %s", len(c), c.n_notes,
                 IDF_NPZ.name)


if __name__ == "__main__":
    main()
