"""Render benchmarks for ``make bench``: synthesis and audio real-time factors, and the
time to deliver every cue of the example film.

The scores are built here over each cue's fitted tempo map (a six-part orchestral
texture: violins, violas, celli, clarinet, horn, timpani), so the bench measures the
renderer, not the drafting stages. Real-time factor = seconds of audio / seconds of
wall time; the CPU-time factor is given beside it because the machines are shared.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.music.score import Note, Part, Score

log = logging.getLogger(__name__)

RTF_TARGET = 20.0


def orchestral_score(tempo_map: Any, duration_s: float) -> Score:
    """Six parts over ``tempo_map`` for ``duration_s`` seconds (a busy, realistic load)."""
    n = int(tempo_map.total_beats(duration_s)) + 1
    scale = [0, 2, 3, 5, 7, 8, 10, 12]
    parts = [
        Part("Violins", "violin", 40, notes=[Note(67 + scale[i % 8], i * 0.5, 0.5, 60 + i % 50)
                                             for i in range(2 * n)]),
        Part("Violas", "viola", 41, notes=[Note(60 + scale[(i + 2) % 8], i, 1, 70)
                                           for i in range(n)]),
        Part("Celli", "cello", 42, notes=[Note(43 + scale[(i // 2) % 4], i, 2, 80)
                                          for i in range(0, n, 2)]),
        Part("Clarinet", "clarinet", 71, notes=[Note(72 + scale[i % 5], i + 0.5, 0.5, 85)
                                                for i in range(n)]),
        Part("Horn", "horn", 60, notes=[Note(55 + scale[i % 3], i, 4, 80)
                                        for i in range(0, n, 4)]),
        Part("Timpani", "timpani", 47, notes=[Note(43, i, 0.5, 100) for i in range(0, n, 4)]),
    ]
    return Score(parts=parts, tempos=[(float(b), float(t)) for b, t in tempo_map.segments],
                 meters=[(float(tempo_map.bar_start(m.bar)), m.numerator, m.denominator)
                         for m in tempo_map.meters])


def _timed(fn, *args, **kwargs) -> tuple[Any, float, float]:
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - w, time.process_time() - c


def run_bench() -> list[dict[str, Any]]:
    from assistant.demo import example_dir
    from assistant.importers import film_from, load_screenplay, load_spotting
    from assistant.render.audio import default_soundfont, render_score
    from assistant.render.deliver import RenderSettings, mix_cue, render_cue, render_film
    from assistant.sync.fit import fit_tempo, request_from_cue
    from assistant.sync.tempo import TempoMap

    rows: list[dict[str, Any]] = []
    sf = default_soundfont()
    score = orchestral_score(TempoMap.constant(100), 60.0)
    render_score(score, length_s=1.0)  # load the SoundFont outside the timing
    _, wall, cpu = _timed(render_score, score, length_s=62.0)
    rows.append({"name": f"synthesis RTF (6 parts, 60 s, {sf.name})", "value": round(62 / wall, 1),
                 "unit": "x", "target": f">= {RTF_TARGET:g}x", "ok": 62 / wall >= RTF_TARGET,
                 "cpu_rtf": round(62 / max(cpu, 1e-6), 1)})

    ex = example_dir()
    project = film_from(load_screenplay(ex / "screenplay.fountain"),
                        load_spotting(ex / "spotting.txt"))
    cue = max(project.cues, key=lambda c: c.duration_s)
    sol = fit_tempo(request_from_cue(cue, project.rate))[0]
    sc = orchestral_score(sol.tempo_map, sol.duration_s)
    (_, _, rep), wall, cpu = _timed(mix_cue, sc, cue, project, RenderSettings())
    audio_s = rep["wav_duration_s"]
    rows.append({"name": f"audio render RTF ({cue.id}: synth+stems+reverb+duck+loudness)",
                 "value": round(audio_s / wall, 1), "unit": "x", "target": f">= {RTF_TARGET:g}x",
                 "ok": audio_s / wall >= RTF_TARGET, "cpu_rtf": round(audio_s / max(cpu, 1e-6), 1)})

    with tempfile.TemporaryDirectory(prefix="render-bench-") as tmp:
        out = Path(tmp)
        t0, c0 = time.perf_counter(), time.process_time()
        results = {}
        music_s = 0.0
        for c in project.cues:
            s = fit_tempo(request_from_cue(c, project.rate))[0]
            results[c.id] = render_cue(orchestral_score(s.tempo_map, s.duration_s), c, project,
                                       out / "cues" / c.id, solution=s)
            music_s += results[c.id]["report"]["wav_duration_s"]
        render_film(project, results, out)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rows.append({"name": f"deliver the example film ({len(project.cues)} cues, all files)",
                 "value": round(wall, 1), "unit": "s", "target": "report",
                 "cpu_s": round(cpu, 1), "music_s": round(music_s, 1)})
    return rows


if __name__ == "__main__":  # pragma: no cover
    import json

    print(json.dumps(run_bench(), indent=2))
