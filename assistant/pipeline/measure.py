"""What a drafted cue does, measured on the written music against the picture.

Every figure is read from the score as written over the cue's tempo map (the only bridge
between beats and seconds), never from what the drafter meant to do:

* :func:`coverage` — the share of the cue's length in which some note sounds, and the
  silent stretches (with the plan's reason when the drafter chose them);
* :func:`sounding_parts` — the instruments that play;
* :func:`hit_events` — for every hit: its bar and beat and the sync error in frames, and
  what the music does there (the note onsets within one frame, or a cut-off);
* :func:`voice_band_notes` — notes sounding in a speaker's band under dialogue.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from assistant.music.score import Score
from assistant.sync.tempo import TempoMap
from assistant.timecode import FrameRate

#: the speaker's central note when nothing better is known (design default): about 150 Hz,
#: between typical male (80-180 Hz) and female (160-250 Hz) fundamentals (REFERENCE.md)
VOICE_CENTRE_MIDI = 51
#: the band kept clear around it: about a sixth each side (REFERENCE.md)
VOICE_BAND_SEMITONES = 9


def _sec(tm: TempoMap, beat: float) -> float:
    return float(tm.beat_to_seconds(Fraction(repr(float(beat)))))


def sounding_spans_s(score: Score, tm: TempoMap) -> list[tuple[float, float]]:
    """Merged (start_s, end_s) spans where at least one note (drums included) sounds."""
    spans = sorted((_sec(tm, n.start_beats), _sec(tm, n.end_beats))
                   for p in score.parts for n in p.notes)
    merged: list[tuple[float, float]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1] + 1e-6:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def coverage(score: Score, tm: TempoMap, duration_s: float, *, min_gap_s: float = 0.5
             ) -> dict[str, Any]:
    """Share of ``[0, duration_s]`` in which music sounds, and the silences of at least
    ``min_gap_s`` (start_s, end_s), cue-relative seconds."""
    spans = [(max(0.0, a), min(duration_s, b)) for a, b in sounding_spans_s(score, tm)]
    spans = [(a, b) for a, b in spans if b > a]
    sounding = sum(b - a for a, b in spans)
    gaps: list[tuple[float, float]] = []
    t = 0.0
    for a, b in spans + [(duration_s, duration_s)]:
        if a - t >= min_gap_s:
            gaps.append((round(t, 3), round(a, 3)))
        t = max(t, b)
    return {"fraction": round(sounding / duration_s, 4) if duration_s > 0 else 0.0,
            "silences_s": gaps}


def sounding_parts(score: Score) -> list[str]:
    """Instrument ids of the parts that play at least one note, in score order."""
    out: list[str] = []
    for p in score.parts:
        if p.notes and (p.instrument or p.name) not in out:
            out.append(p.instrument or p.name)
    return out


def hit_events(score: Score, tm: TempoMap, sync_hits: list[dict[str, Any]], rate: FrameRate,
               duration_s: float, *, window_frames: float = 1.0) -> list[dict[str, Any]]:
    """Each hit of the sync solution with what the written music does within
    ``window_frames`` of it: ``{"time_s", "bar", "beat", "error_frames", "event",
    "event_error_frames", "important"}`` (cue-relative seconds)."""
    frame_s = 1.0 / float(rate.fps)
    onsets: list[tuple[float, str, int]] = sorted(
        (_sec(tm, n.start_beats), p.instrument or p.name, n.velocity)
        for p in score.parts for n in p.notes)
    spans = sounding_spans_s(score, tm)
    ends = [b for _, b in spans if b < duration_s - frame_s]
    out = []
    for h in sync_hits:
        t = float(h["time_s"])
        near = [(abs(s - t), ins, v) for s, ins, v in onsets if abs(s - t) <= window_frames * frame_s]
        cut = [abs(e - t) for e in ends if abs(e - t) <= window_frames * frame_s]
        if near:
            who = sorted({ins for _, ins, _ in near})
            event = f"accent: {len(near)} note(s), {', '.join(who)}, vel {max(v for *_, v in near)}"
            err = min(d for d, _, _ in near) / frame_s
        elif cut:
            event, err = "cut-off", min(cut) / frame_s
        else:
            event, err = "none", None
        out.append({"time_s": round(t, 4), "bar": h.get("bar"), "beat": h.get("beat"),
                    "error_frames": h.get("error_frames"), "label": h.get("label", ""),
                    "important": bool(h.get("important", False)), "event": event,
                    "event_error_frames": None if err is None else round(err, 3)})
    return out


def voice_band_notes(score: Score, tm: TempoMap, dialogue_s: list[tuple[float, float]], *,
                     centre_midi: int = VOICE_CENTRE_MIDI,
                     band: int = VOICE_BAND_SEMITONES) -> int:
    """Pitched notes within ``band`` semitones of ``centre_midi`` that overlap a dialogue
    span (cue-relative seconds)."""
    n_in = 0
    for p in score.parts:
        if p.is_drum:
            continue
        for n in p.notes:
            if abs(n.pitch - centre_midi) > band:
                continue
            a, b = _sec(tm, n.start_beats), _sec(tm, n.end_beats)
            if any(a < d1 and b > d0 for d0, d1 in dialogue_s):
                n_in += 1
    return n_in


def range_report(score: Score) -> dict[str, Any]:
    """Notes outside each instrument's professional range (never allowed) and outside its
    comfortable range (a warning), by instrument id (REFERENCE.md ranges)."""
    from assistant.analysis.instruments import INSTRUMENTS

    outside: dict[str, int] = {}
    uncomfortable: dict[str, int] = {}
    for p in score.parts:
        ins = INSTRUMENTS.get(p.instrument)
        if ins is None or ins.is_drum:
            continue
        for n in p.notes:
            if not ins.professional[0] <= n.pitch <= ins.professional[1]:
                outside[p.instrument] = outside.get(p.instrument, 0) + 1
            elif not ins.comfortable[0] <= n.pitch <= ins.comfortable[1]:
                uncomfortable[p.instrument] = uncomfortable.get(p.instrument, 0) + 1
    return {"outside_professional": outside, "outside_comfortable": uncomfortable}
