"""How well the script-to-cut alignment finds each cue's scene on a warped cut.

``python -m training.eval_alignment [--names-only]`` takes the example film's spotting list,
moves every cue and hit through a time warp (as a real cut differs from the page estimate:
shifted, stretched, unevenly stretched, squeezed), aligns the screenplay to it, and prints
how many cues start in the scene a reader of the screenplay would name (``TRUTH``, written
by hand), beside the page-estimate linking the analysis used before (a cue linked to the
scenes its times overlap on the script's own timeline).

Then the same on a film the project was not built on: Big Fish with a spotting list in a
music editor's words (``tests/fixtures/big_fish_spotting_other_voice.txt``, 10 cues), its
times on a synthetic cut running 1.25x the page estimate after 45 s of logos.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "the-keepers-light"
#: the scene each cue starts in, read off the screenplay (0-based)
TRUTH = {"1M1": 0, "1M2s": 1, "1M3": 2, "1M4": 3, "1M5": 4, "1M6": 5, "1M7": 6, "1M8": 6,
         "1M9": 7, "1M10": 12, "1M11": 16}
BIG_FISH = ROOT.parent / "shared" / "data" / "screenplays" / "Big-Fish.fountain"
BIG_FISH_SPOT = ROOT / "tests" / "fixtures" / "big_fish_spotting_other_voice.txt"
#: the scenes each Big Fish cue plays over, read off the screenplay
BIG_FISH_TRUTH = {"1M1": {0, 1}, "1M2": {16, 17, 18, 19}, "1M3": {34, 35, 36, 37},
                  "1M4": {60}, "1M5": {91, 92}, "1M6": {104}, "1M7": {133, 134, 135},
                  "1M8": {165}, "1M9": {177, 178, 179}, "1M10": {185, 186, 187}}
WARPS = {
    "as spotted": lambda t: t,
    "shifted 37 s, stretched x1.3": lambda t: 37 + 1.3 * t,
    "uneven: x1.1 then x1.6": lambda t: 20 + (1.1 * t if t < 300 else 330 + 1.6 * (t - 300)),
    "squeezed x0.6": lambda t: 5 + 0.6 * t,
    "stretched x2.5 (a long cut of a short script)": lambda t: 2.5 * t,
}


def _moved(cues: list[Any], f: Any) -> list[Any]:
    return [replace(c, start_s=f(c.start_s), end_s=f(c.end_s), dialogue=[],
                    hits=[replace(h, time_s=f(h.time_s)) for h in c.hits]) for c in cues]


def _start_scene(scenes: list[Any], t: float) -> int | None:
    for s in scenes:
        if s.start_s <= t < s.start_s + s.duration_s:
            return s.index
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--names-only", action="store_true", help="no embeddings, names alone")
    args = ap.parse_args(argv)
    from assistant.analysis.alignment import align
    from assistant.importers import load_screenplay, load_spotting

    sp = load_screenplay(EXAMPLE / "screenplay.fountain")
    spot = load_spotting(EXAMPLE / "spotting.txt")
    n = len(spot.cues)
    for name, f in WARPS.items():
        cues = _moved(spot.cues, f)
        al = align(sp, cues, use_model=not args.names_only)
        new = sum(_start_scene(al.scenes, c.start_s) == TRUTH[c.id] for c in cues)
        old = sum(_start_scene(sp.scenes, c.start_s) == TRUTH[c.id] for c in cues)
        none_old = sum(not any(s.start_s < c.end_s and s.start_s + s.duration_s > c.start_s
                               for s in sp.scenes) for c in cues)
        conf = sum(ca.confidence for ca in al.cues) / n
        print(f"{name:<46} aligned {new}/{n}   page estimate {old}/{n} "
              f"({none_old} cues linked to no scene)   mean confidence {conf:.2f}")
    if BIG_FISH.is_file():
        bf = load_screenplay(BIG_FISH)
        bspot = load_spotting(BIG_FISH_SPOT)
        al = align(bf, bspot.cues, use_model=not args.names_only)
        n = len(bspot.cues)
        start = sum(_start_scene(al.scenes, c.start_s) in BIG_FISH_TRUTH[c.id] for c in bspot.cues)
        touch = sum(bool(set(ca.scenes) & BIG_FISH_TRUTH[c.id])
                    for c, ca in zip(bspot.cues, al.cues, strict=True))
        old = sum(bool({s.index for s in bf.scenes if s.start_s < c.end_s
                        and s.start_s + s.duration_s > c.start_s} & BIG_FISH_TRUTH[c.id])
                  for c in bspot.cues)
        print(f"{'Big Fish, another voice, 1.25x + 45 s':<46} aligned: start scene {start}/{n}, "
              f"scenes include the right one {touch}/{n}   page estimate {old}/{n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
