"""Bench rows for drafting: a 2-minute orchestral cue drafts in under 10 s (2 CPU cores).

The cue is built here (8 hits, 5 dialogue lines, a 4-bar theme), fitted by the sync
engine, and drafted for the full orchestra with the music model writing connective bars,
as the pipeline runs it (model loaded once beforehand); the same cue without the model
is a second row.

``python -m assistant.compose.bench --voices PROJECT`` measures what the speakers' voices
(:mod:`assistant.analysis.voices`) change: the notes left in each speaker's own band under
their lines when every voice is taken as unknown, and when each is read from the script.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

from assistant.compose.draft import DraftRequest, draft_cue_score
from assistant.music.score import Note, Part, Score
from assistant.project import Cue, DialogueSpan, Hit, Mood
from assistant.sync.fit import fit_tempo, request_from_cue
from assistant.timecode import FrameRate

TARGET_S = 10.0


def bench_cue() -> tuple[Cue, Any]:
    """A 120 s action cue with 8 hits and 5 lines of dialogue, and its tempo map."""
    hits = [(0.5, True, "downbeat"), (7.5, False, "beat"), (23.0, False, "free"),
            (50.7, True, "downbeat"), (75.3, True, "downbeat"), (81.0, False, "beat"),
            (84.5, False, "beat"), (119.5, True, "downbeat")]
    talk = [(10.0, 14.5, "CROW"), (30.0, 33.0, "NELL"), (60.0, 66.0, "NELL"),
            (88.0, 92.0, "CROW"), (100.0, 104.0, "NELL")]
    cue = Cue(id="B1", start_s=1000.0, end_s=1120.0, function="action",
              mood=Mood(valence=-0.5, arousal=0.8, tension=0.8, tags=["urgent"]),
              hits=[Hit(time_s=1000.0 + t, label=f"hit {i}", important=imp, landing=land)
                    for i, (t, imp, land) in enumerate(hits)],
              dialogue=[DialogueSpan(c, 1000.0 + a, 1000.0 + b) for a, b, c in talk])
    rate = FrameRate("24")
    sol = fit_tempo(request_from_cue(cue, rate, 150, 120, 180), 1)[0]
    return cue, sol


def bench_theme() -> Score:
    line = [(62, 1), (65, 0.5), (67, 0.5), (69, 2), (70, 1), (69, 1), (67, 2), (65, 1), (64, 1),
            (62, 1), (64, 1), (65, 3), (64, 1)]
    t, notes = 0.0, []
    for p, d in line:
        notes.append(Note(p, t, d))
        t += d
    return Score(parts=[Part("theme", "horn", 60, notes=notes)], meters=[(0.0, 4, 4)], key="D minor")


def run_bench() -> list[dict[str, Any]]:
    cue, sol = bench_cue()
    rows = []
    for use_model in (True, False):
        req = DraftRequest(cue=cue, solution=sol, fps="24", palette="full_orchestra", seed=1,
                           themes={"chase": bench_theme()}, plan_row={"themes": ["chase"]},
                           use_model=use_model)
        if use_model:
            draft_cue_score(req)  # load the model once, outside the timing (the pipeline keeps it)
        t0 = time.perf_counter()
        res = draft_cue_score(req)
        dt = time.perf_counter() - t0
        n_notes = sum(len(p.notes) for p in res.score.parts)
        rows.append({"name": "draft 2-min orchestral cue" + (" (model)" if use_model else " (rules)"),
                     "value": round(dt, 3), "unit": "s", "target": f"< {TARGET_S:g} s",
                     "ok": dt < TARGET_S, "notes": n_notes, "parts": len(res.score.parts),
                     "model_bars": res.report["melody"]["model_bars"]})
    return rows


def voice_bands(project_dir: str) -> dict[str, Any]:
    """Notes left inside each speaker's own band under their lines, every drafted cue of a
    project (after ``score``) drafted twice: with every voice unknown (the neutral
    centre) and with the voices read from the screenplay. Nothing is saved."""
    from assistant.orchestrate.dialogue import Line, centre_for, voice_band_notes
    from assistant.pipeline.drafting import _compose, _Context
    from assistant.pipeline.stages import load_briefs
    from assistant.project import ProjectStore
    from assistant.sync.tempo import TempoMap

    store = ProjectStore(project_dir)
    project = store.load()
    ctx = _Context(store, project)
    briefs = load_briefs(store)
    voices = dict(ctx.voices)
    rows = {}
    for cue in project.cues:
        if not cue.dialogue or cue.id not in ctx.sync:
            continue
        tm = TempoMap.from_json(ctx.sync[cue.id])
        lines = []
        for d in cue.dialogue:
            a, b = max(0.0, d.start_s - cue.start_s), min(cue.duration_s, d.end_s - cue.start_s)
            if b > a:
                lines.append(Line(float(tm.seconds_to_beat(Fraction(repr(a)))),
                                  float(tm.seconds_to_beat(Fraction(repr(b)))), d.character,
                                  centre_for(voices.get(d.character))))
        row = ctx.plan.get(cue.id, {"cue": cue.id, "themes": []})
        got = {}
        for label, vm in (("neutral", {}), ("voices", voices)):
            ctx.voices = vm
            res = _compose(ctx, cue, briefs.get(cue.id), row, None, 0)
            got[label] = voice_band_notes(res.score.parts, lines)
        rows[cue.id] = got
    return {"cues": rows, "total": {k: sum(r[k] for r in rows.values()) for k in ("neutral", "voices")},
            "voices": voices}


if __name__ == "__main__":  # pragma: no cover
    import sys

    if len(sys.argv) > 2 and sys.argv[1] == "--voices":
        print(voice_bands(sys.argv[2]))
    else:
        for r in run_bench():
            print(r)
