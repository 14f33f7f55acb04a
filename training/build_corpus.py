"""Build the music corpus from the music21 bundled corpus: extract → split → tokenize.

    python -m training.build_corpus            # resumable; reuses finished files
    python -m training.build_corpus --fresh    # rebuild from scratch
    python -m training.build_corpus --stage extract|split|tokenize|bars

Stage outputs (large ones under .cache/music/, git-ignored):
- ``.cache/music/extract/<collection>/<file>.jsonl``: piece records (see assistant.music.corpus)
  plus ``.cache/music/extract/done.txt`` and ``dropped.jsonl``.
- ``datasets/music/splits.json``, ``datasets/music/stats.json``: split lists and statistics.
- ``.cache/music/tokens/{train,val,test}.npz``: token segments for training (assistant.music.data).
- ``.cache/music/bars.npz``: per-bar features of every piece; a summary in ``stats.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / ".cache" / "music"
EXTRACT = CACHE / "extract"
DATASETS = REPO / "datasets" / "music"

log = logging.getLogger("build_corpus")

# Collections in build order (the evaluation sets first); the rest follow, largest files first.
PRIORITY = ("essenFolksong", "bach", "oneills1850", "ryansMammoth", "airdsAirs", "miscFolk")
LAST = ("palestrina", "trecento")  # many or slow files: after every other collection
FILE_TIMEOUT_S = 300  # a file that takes longer is dropped with reason "timeout" (--timeout)


class _Timeout(BaseException):  # not caught by the per-tune handlers
    pass


def _alarm(_signum: int, _frame: object) -> None:
    raise _Timeout()


def corpus_files() -> tuple[str, list[str]]:
    """(corpus root, every corpus file except RomanText analyses), largest first."""
    from music21 import corpus

    paths = [str(p) for p in corpus.getPaths()]
    root = paths[0].split("/corpus/")[0] + "/corpus"
    keep = [p for p in paths if not p.endswith(".rntxt")]
    order = {c: i for i, c in enumerate(PRIORITY)}
    order.update({c: len(PRIORITY) + 1 + i for i, c in enumerate(LAST)})
    keep.sort(key=lambda p: (order.get(p.split("/corpus/")[1].split("/")[0], len(PRIORITY)),
                             -Path(p).stat().st_size))
    return root, keep


def _work(path: str, root: str, timeout_s: int = FILE_TIMEOUT_S) -> tuple[str, int, list[dict]]:
    """Worker: extract one file and write its JSON lines; returns (path, n_records, dropped)."""
    import os

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import signal

    from assistant.music.corpus import extract_file

    rel = Path(path).relative_to(root)
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout_s)
    try:
        recs, dropped = extract_file(path, root)
    except _Timeout:
        recs, dropped = [], [{"id": str(rel), "reason": f"timeout: parse and extraction over {timeout_s} s"}]
    finally:
        signal.alarm(0)
    out = EXTRACT / rel.parent / (rel.name + ".jsonl")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with tmp.open("w") as fh:
        for r in recs:
            fh.write(json.dumps(r, separators=(",", ":")) + "\n")
    tmp.replace(out)
    return path, len(recs), dropped


def stage_extract(workers: int, limit: int | None, timeout_s: int = FILE_TIMEOUT_S) -> None:
    """Parse every corpus file in a process pool; skip files already in done.txt."""
    root, files = corpus_files()
    EXTRACT.mkdir(parents=True, exist_ok=True)
    done_path = EXTRACT / "done.txt"
    done = set(done_path.read_text().split("\n")) if done_path.exists() else set()
    todo = [f for f in files if str(Path(f).relative_to(root)) not in done]
    if limit:
        todo = todo[:limit]
    log.info("extract: %d files to do (%d already done)", len(todo), len(done))
    with ProcessPoolExecutor(max_workers=workers) as ex, done_path.open("a") as dfh, \
            (EXTRACT / "dropped.jsonl").open("a") as xfh:
        futs = [ex.submit(_work, f, root, timeout_s) for f in todo]
        n_rec = 0
        timed_out: list[str] = []
        for fut in tqdm(as_completed(futs), total=len(futs), desc="extract", unit="file"):
            try:
                path, n, dropped = fut.result()
            except Exception as exc:  # noqa: BLE001 - a crashed worker is logged, not fatal
                log.warning("worker failed: %s", exc)
                continue
            n_rec += n
            for d in dropped:
                xfh.write(json.dumps(d) + "\n")
            if any(str(d.get("reason", "")).startswith("timeout") for d in dropped):
                # not marked done: a re-run retries it (a loaded machine can time out on a big file)
                timed_out.append(str(Path(path).relative_to(root)))
                continue
            dfh.write(str(Path(path).relative_to(root)) + "\n")
            dfh.flush()
            xfh.flush()
    log.info("extract: %d pieces written", n_rec)
    if timed_out:
        log.warning("extract: %d file(s) timed out after %d s and are NOT done: %s; run the extract stage again "
                    "(with a larger --timeout on a loaded machine) before tokenizing", len(timed_out), timeout_s,
                    ", ".join(timed_out))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stage", choices=["all", "extract", "split", "tokenize", "bars"], default="all")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--fresh", action="store_true", help="delete the cache and rebuild")
    ap.add_argument("--limit", type=int, default=None, help="only this many files (debugging)")
    ap.add_argument("--timeout", type=int, default=FILE_TIMEOUT_S,
                    help="seconds per corpus file before it is dropped (a loaded machine needs more: "
                         "essenFolksong/han1.abc took over 90 s with 8 jobs on 2 cores)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.fresh and CACHE.exists():
        shutil.rmtree(CACHE)
    if args.stage in ("all", "extract"):
        stage_extract(args.workers, args.limit, args.timeout)
    if args.stage in ("all", "split"):
        from assistant.music.data import build_splits

        build_splits(EXTRACT, DATASETS)
    if args.stage in ("all", "tokenize"):
        from assistant.music.data import build_token_files

        build_token_files(EXTRACT, DATASETS, CACHE / "tokens")
    if args.stage in ("all", "bars"):
        from assistant.music.data import build_bar_features

        build_bar_features(EXTRACT, DATASETS, CACHE / "bars.npz", workers=args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
