"""The studio's reports: the Read tab's cue table, and for a drafted revision the sync
report (every hit with bar, beat and frames off), the dialogue and mickey-mousing report
and a few figures for A/B. Plain functions over the project and the revision's score."""

from __future__ import annotations

from typing import Any

from assistant.project import FilmProject, Revision
from assistant.render.cuesheet import UNSURE_BELOW

CUE_TABLE_COLUMNS = ["cue", "in", "out", "duration", "function", "proposals (top 3)",
                     "phrases", "mood", "hits", "dialogue", "status", "confirm"]


def cue_rows(film: FilmProject, analysis: dict[str, Any]) -> tuple[list[list[Any]], str]:
    """The Read tab's table and the questions about unsure proposals."""
    by_id = {c["id"]: c for c in analysis.get("cues", [])}
    rows, questions = [], []
    for cue in film.cues:
        ca = by_id.get(cue.id, {})
        top = sorted(cue.function_scores.items(), key=lambda kv: -kv[1])[:3]
        phrases = ca.get("evidence") or {}
        ph = "; ".join(f"{k}: {', '.join(v[:3])}" for k, v in phrases.items()
                       if isinstance(v, list) and v)[:200] if isinstance(phrases, dict) else ""
        unsure = cue.function_from == "proposed" and (not top or top[0][1] < UNSURE_BELOW
                                                      or ca.get("confident") is False)
        mood = cue.mood
        rows.append([
            cue.id, cue.start_tc, cue.end_tc, f"{cue.duration_s:.1f}s",
            cue.function or "",
            ", ".join(f"{k} {p:.0%}" for k, p in top),
            ph,
            "" if mood is None else (f"v {mood.valence:+.2f} a {mood.arousal:+.2f} "
                                     f"t {mood.tension:.2f} {' '.join(mood.tags)}"),
            len(cue.hits),
            "; ".join(f"{d.character} {d.start_s - cue.start_s:.0f}-{d.end_s - cue.start_s:.0f}s"
                      for d in cue.dialogue[:4]) + (" …" if len(cue.dialogue) > 4 else ""),
            ("unsure? " if unsure else "") + cue.status,
            cue.function_from in ("spotting list", "user"),
        ])
        if unsure:
            q = ca.get("question") or (f"Is {cue.id} {cue.title!r} really "
                                       f"{cue.function or 'unscored'}?")
            questions.append(f"- **{cue.id}**: {q} (best reading: "
                             f"{', '.join(f'{k} {p:.0%}' for k, p in top)})")
    text = ("The assistant is unsure about these cues; confirm or change their function:\n"
            + "\n".join(questions)) if questions else "Every proposal is confident."
    return rows, text


def _tempo_map(score: Any) -> Any:
    """The score's tempo and meter map as a sync TempoMap (the seconds/beats bridge)."""
    from assistant.sync.tempo import MeterChange, TempoMap

    meters, bar, prev = [], 1, None
    for beat, num, den in sorted(score.meters):
        if prev is not None:
            pb, pn, pd = prev
            bar += round((beat - pb) / (pn * 4 / pd))
        meters.append(MeterChange(bar, num, den))
        prev = (beat, num, den)
    return TempoMap([(b, t) for b, t in score.tempos] or [(0, 120)],
                    meters or [MeterChange(1, 4, 4)])


def sync_report(film: FilmProject, cue: Any, score: Any, rev: Revision) -> list[dict[str, Any]]:
    """Every hit with its bar, beat and frames off: the HIT markers of the revision's MIDI
    against the spotted hit times, through the MIDI's own tempo map."""
    fps = float(film.rate.fps)
    tm = _tempo_map(score)
    markers = sorted(b for b, text in score.markers if text.upper().startswith("HIT"))
    out = []
    for i, h in enumerate(sorted(cue.hits, key=lambda h: h.time_s)):
        want_s = h.time_s - cue.start_s
        if markers:
            beat = min(markers, key=lambda b: abs(float(tm.beat_to_seconds(b)) - want_s))
        else:
            beat = float(tm.seconds_to_beat(want_s))
        got_s = float(tm.beat_to_seconds(beat))
        bar, beat_in_bar = tm.bar_beat(beat)
        off = (got_s - want_s) * fps
        # a MIDI marker sits on a tick: allow half a tick of rounding
        tick_frames = 0.5 * 60.0 / (float(tm.tempo_at(beat)) * score.ppq) * fps
        out.append({"hit": i + 1, "label": h.label, "tc": h.tc, "time_s": round(want_s, 3),
                    "bar": int(bar), "beat": round(float(beat_in_bar), 3),
                    "beat_position": round(float(beat), 4),
                    "frames_off": round(off, 2), "tolerance_frames": h.tolerance_frames,
                    "within_tolerance": abs(off) <= h.tolerance_frames + tick_frames + 1e-9,
                    "landing": h.landing, "important": h.important})
    return out


VOICE_BAND = (45, 72)  # MIDI pitches of the speaking voice's fundamentals and formant core


def dialogue_report(cue: Any, score: Any, rev: Revision,
                    report: dict[str, Any] | None = None) -> dict[str, Any]:
    """Notes in the speaking voice's band while someone speaks, and how much the music
    imitates the action (share of note onsets that fall on a hit: mickey-mousing).
    The pipeline's measured figures win when it gives them."""
    rep = report or {}
    tm = _tempo_map(score)
    spans = [(d.start_s - cue.start_s, d.end_s - cue.start_s, d.character) for d in cue.dialogue]
    under, in_band = 0, 0
    onsets = []
    for p in score.parts:
        if p.is_drum:
            continue
        for n in p.notes:
            t = float(tm.beat_to_seconds(n.start_beats))
            onsets.append(t)
            if any(a <= t < b for a, b, _ in spans):
                under += 1
                if VOICE_BAND[0] <= n.pitch <= VOICE_BAND[1]:
                    in_band += 1
    hits = cue.hit_times_rel_s()
    on_hit = sum(1 for t in onsets if any(abs(t - h) < 0.1 for h in hits))
    return {
        "dialogue_spans": len(spans),
        "speakers": sorted({c for _, _, c in spans}),
        "notes_under_dialogue": under,
        "voice_band_notes": (rep.get("dialogue") or {}).get("voice_band_notes", in_band),
        "voice_band_notes_without_pass": (rep.get("dialogue") or {}).get(
            "voice_band_notes_without_pass"),
        "mickey_mousing_index": rep["mickey_mousing_index"]
        if rep.get("mickey_mousing_index") is not None
        else round(on_hit / max(1, len(onsets)), 3),
        "hit_events": [{k: h.get(k) for k in ("time_s", "label", "event", "event_error_frames")}
                       for h in rep.get("hits", [])],
    }


def figures_of(score: Any) -> dict[str, Any]:
    """What A/B compares: :func:`assistant.revise.figures` (notes, notes per bar, mean
    pitch, parts, velocity, mode) and the range, tempo and length."""
    from assistant.revise import figures

    notes = [n for p in score.parts if not p.is_drum for n in p.notes]
    f = figures(score)
    return {
        "parts": f["parts"],
        "instruments": ", ".join(f["instruments"]),
        "notes": f["notes"],
        "notes_per_bar": f["notes_per_bar"],
        "mean_pitch": f["mean_pitch"],
        "mean_velocity": f["mean_velocity"],
        "mode": f["mode"],
        "pitch_range": (f"{min(n.pitch for n in notes)}-{max(n.pitch for n in notes)}"
                        if notes else ""),
        "tempo_bpm": ", ".join(f"{t:g}" for _, t in score.tempos[:4]),
        "duration_beats": round(score.duration_beats, 2),
    }


def _passage_text(p: dict[str, Any] | None) -> str:
    if not p:
        return "no matching passage"
    return (f"draft notes {p['a_start_note']}-{p['a_end_note']} (beats {p['a_start_beat']:g}-"
            f"{p['a_end_beat']:g}) ≈ temp notes {p['b_start_note']}-{p['b_end_note']} (beats "
            f"{p['b_start_beat']:g}-{p['b_end_beat']:g}), transposed {p['transposition']:+d}")
