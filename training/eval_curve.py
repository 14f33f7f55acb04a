"""Agreement of the emotional curve with hand-labelled scene valences.

``python -m training.eval_curve [--json]`` reads ``datasets/analysis/scene_valence.jsonl``
(scenes of Big Fish, Brick & Steel, The Last Birthday Card and the example film, each
labelled +1 / 0 / -1 by reading the scene), runs the curve of
:mod:`assistant.analysis.script` over each screenplay, and prints the share of the
non-neutral scenes whose valence has the labelled sign:

- ``text only``: the classifier on the first 80 words of action then speech (the reading
  before events were weighed; the baseline);
- ``events + text``: the per-scene value the analysis now reports before smoothing;
- ``curve``: the smoothed curve as ``analyze --json`` prints it.

The labels were written before the event table was run on these scenes, and the table
was not tuned on them; this is a check, not a training set.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "datasets" / "analysis" / "scene_valence.jsonl"


def _old_text(els: list[Any], location: str, heading: str) -> str:
    action = [e.text for e in els if e.kind == "action"]
    speech = [e.text for e in els if e.kind == "dialogue"]
    words: list[str] = []
    for part in action + speech:
        words.extend(part.split())
        if len(words) >= 80:
            break
    body = " ".join(words[:80])
    loc = location.lower() if location else ""
    return f"{loc}. {body}".strip(". ") if body else (loc or heading)


def evaluate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    from assistant.analysis.script import _curve, _read, _scene_blocks, _scene_texts
    from assistant.importers import load_screenplay

    by_script: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_script.setdefault(r["script"], []).append(r)
    results: list[dict[str, Any]] = []
    for script, rs in by_script.items():
        path = (ROOT / script).resolve()
        if not path.is_file():
            print(f"skipped {script}: file missing", file=sys.stderr)
            continue
        sp = load_screenplay(path)
        texts, dfrac, events = _scene_texts(sp)
        blocks = _scene_blocks(sp)
        old = [_old_text(blocks.get(s.index, []), s.location, s.heading) for s in sp.scenes]
        readings, _ = _read(texts + old, [])
        new_r, old_r = readings[: len(texts)], readings[len(texts):]
        curve = _curve(sp, new_r, dfrac, events)
        for r in rs:
            i = r["scene"]
            p = curve[i]
            results.append({**r, "text_only": old_r[i].mood.valence, "events_text": p.raw[0],
                            "curve": p.valence, "events": p.events,
                            "evidence": p.evidence[:1]})
    signed = [r for r in results if r["valence"] != 0]

    def agree(key: str) -> float:
        return sum((r[key] > 0) == (r["valence"] > 0) for r in signed) / max(1, len(signed))

    neutral = [r for r in results if r["valence"] == 0]
    return {
        "n_scenes": len(results), "n_signed": len(signed),
        "sign_agreement": {k: round(agree(k), 3) for k in ("text_only", "events_text", "curve")},
        "neutral_mean_abs": {k: round(sum(abs(r[k]) for r in neutral) / max(1, len(neutral)), 3)
                             for k in ("text_only", "events_text", "curve")},
        "misses": [{"script": Path(r["script"]).name, "scene": r["scene"], "label": r["valence"],
                    "events_text": round(r["events_text"], 2), "why": r["why"]}
                   for r in signed if (r["events_text"] > 0) != (r["valence"] > 0)],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = [json.loads(x) for x in DATA.read_text("utf-8").splitlines() if x.strip()]
    res = evaluate(rows)
    if args.json:
        print(json.dumps(res))
        return 0
    print(f"scenes labelled: {res['n_scenes']} ({res['n_signed']} positive or negative)")
    for k, v in res["sign_agreement"].items():
        print(f"  valence sign agreement, {k:<12} {v:.1%}")
    for k, v in res["neutral_mean_abs"].items():
        print(f"  mean |valence| on neutral scenes, {k:<12} {v:.2f}")
    for m in res["misses"]:
        print(f"  miss: {m['script']} scene {m['scene']} label {m['label']:+d} read "
              f"{m['events_text']:+.2f} ({m['why']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
