"""Guard off vs on: ``python -m training.guard_loop_experiment [--themes 200]``.

Draws themes from the music model (assistant.music.generate) when it exists, else from the
order-4 Markov stand-in that regurgitates corpus stretches (assistant/guard/experiment.py),
and reports the longest corpus match of each theme with the guard off and on. The summary
is written into models/guard/CALIBRATION.md (after the loop-experiment marker, one section
per generator run) and the per-theme rows go to models/guard/loop_experiment_<generator>.json.
"""

from __future__ import annotations

import argparse
import json
import logging

from assistant.guard.calibrate import LOOP_MARKER
from assistant.guard.corpus import MODELS_DIR
from assistant.guard.experiment import run_experiment
from assistant.guard.index import CorpusIndex
from assistant.project import atomic_write_json, atomic_write_text


def render(res: dict) -> str:
    off, on = res["off"], res["on"]
    rows = [
        f"## Guard in the loop: themes with the guard off vs on ({res['generator']})",
        "",
        f"`python -m training.guard_loop_experiment --themes {res['n_themes']}` — generator: "
        f"**{res['generator']}**" + (" (assistant/guard/experiment.py's stand-in built to "
                                     "regurgitate like an over-fitted model: it copies the next "
                                     "note of the corpus passage it follows with probability "
                                     "0.5, else continues an order-4 interval Markov chain; a "
                                     "stress case with far more copying than a trained model)"
                                     if res["generator"] == "markov" else
                                     " (the project's model, `assistant.music.sample.generate(None, "
                                     "bars=8, meter=(4, 4))` with the weights in models/music/)") + ".",
        f"Guard on = reject at score ≥ {res['threshold']:.4f} (the 'similar' threshold), at most "
        f"{res['max_retries']} retries; mean attempts {res['mean_attempts_on']}, gave up on "
        f"{res['gave_up']} theme(s) (then the least similar candidate is kept). "
        f"Run time {res['seconds']} s.",
        "",
        "| longest corpus match per theme | guard off | guard on |",
        "|---|---:|---:|",
    ]
    for key, label in (("median_notes", "median aligned notes"), ("p90_notes", "90th pct aligned notes"),
                       ("max_notes", "max aligned notes"), ("median_match", "median match (matched-note equivalents)"),
                       ("max_match", "max match"), ("share_ge_10_matched_notes", "share with match ≥ 10 notes"),
                       ("median_strict", "median near-exact match (strict view)"),
                       ("max_strict", "max near-exact match"),
                       ("share_strict_ge_8", "share with a near-exact match ≥ 8 notes"),
                       ("share_similar_or_copy", "share 'similar' or 'copy'"), ("share_copy", "share 'copy'")):
        rows.append(f"| {label} | {off[key]} | {on[key]} |")
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--themes", type=int, default=200)
    ap.add_argument("--generator", choices=["auto", "music", "markov"], default="auto")
    ap.add_argument("--max-retries", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    from tqdm import tqdm

    index = CorpusIndex.load()
    res = run_experiment(index, args.themes, args.generator, args.max_retries, args.seed,
                         progress=lambda it: tqdm(it, mininterval=10, desc="themes"))
    atomic_write_json(MODELS_DIR / f"loop_experiment_{res['generator']}.json", res)
    md_path = MODELS_DIR / "CALIBRATION.md"
    head = md_path.read_text("utf-8").split(LOOP_MARKER, 1)[0] if md_path.is_file() else ""
    sections = []
    for gen in ("music", "markov"):  # every generator run so far, the real model first
        f = MODELS_DIR / f"loop_experiment_{gen}.json"
        if f.is_file():
            sections.append(render(json.loads(f.read_text("utf-8"))))
    atomic_write_text(md_path, head + LOOP_MARKER + "\n\n" + "\n".join(sections))
    print(render(res))
    print(json.dumps({k: res[k] for k in ("off", "on")}, indent=1))


if __name__ == "__main__":
    main()
