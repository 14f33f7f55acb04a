"""Events at hits, planned silences, and the mickey-mousing index.

Every hit gets an event chosen by the scene, not by reflex (the draft plays the subtext):

* ``cut-off``: a hit whose label says the music dies, jams, cuts or stops: the music
  ends on it (with a final stab unless the music is diegetic), silence after;
* ``stinger``: an important hit in a tense, fearful or violent cue (a cluster stab plus
  a cymbal crash); ``accent``: an important hit elsewhere (a tutti sforzando chord);
  both are led in by a ``riser`` (crescendo, rising line, timpani roll) when the music
  has a bar or more to get there and the cue's energy calls for it;
* ``harmonic change``: an ordinary hit on a beat gets a new chord exactly there;
  action and comedy cues also give it a light accent;
* ``none``: a free hit that is not important plays through (subtext).

Planned silences come from cut-offs and from the spotting note ("drop out", "silence
before ..."); they are reported, and the coverage test excludes them.

The mickey-mousing index is the share of on-screen actions in the cue (from the script
and the spotting notes) that the music accents within :data:`MICKEY_TOLERANCE_S`; a
warning is raised above :data:`MICKEY_WARN`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.music.score import Note

MICKEY_TOLERANCE_S = 0.1
MICKEY_WARN = 0.5
_CUT_WORDS = re.compile(r"\b(cut(s)? (dead|out|off)|cut dead|dies|die|dead|jams?|stops?|silence|"
                        r"kills?|kicks? it dead)\b", re.IGNORECASE)
_DROP_WORDS = re.compile(r"\b(drop(s)? out|silence before|drops? to silence|out completely)\b",
                         re.IGNORECASE)
_TENSE = ("fear", "tension", "anger")


@dataclass
class HitPlan:
    """One hit of the cue (cue-relative seconds) and the event that catches it."""

    index: int
    time_s: float
    label: str
    important: bool
    landing: str
    beat: float  # where the event sits (grid beat, or the exact position of a free hit)
    bar: int
    beat_in_bar: float
    error_frames: float
    event: str = "none"
    riser: bool = False

    def to_json(self, fps: float, event_beat_s: float | None = None) -> dict[str, Any]:
        b = self.beat_in_bar
        err = self.error_frames
        if event_beat_s is not None and self.event != "none":
            err = abs(event_beat_s - self.time_s) * fps
        return {"time_s": round(self.time_s, 4), "bar": self.bar,
                "beat": int(b) if abs(b - round(b)) < 1e-9 else round(b, 4),
                "error_frames": round(err, 3), "event": self.event + (" + riser" if self.riser else ""),
                "label": self.label, "important": self.important}


def is_cut(label: str) -> bool:
    return bool(_CUT_WORDS.search(label or ""))


def wants_drop_out(notes: str) -> bool:
    return bool(_DROP_WORDS.search(notes or ""))


def choose_events(hits: list[HitPlan], function: str, category: str, arousal: float,
                  bar_beats: float, end_beat: float) -> None:
    """Set ``event`` and ``riser`` on every hit (see module docstring), in place."""
    energetic = function in ("action", "triumph", "build_tension", "bookend", "theme_statement",
                             "sting") or arousal > 0.3
    prev_beat = 0.0
    for h in sorted(hits, key=lambda h: h.beat):
        if is_cut(h.label) and (h.important or h.beat > 0.8 * end_beat):
            h.event = "cut-off"
        elif h.important:
            h.event = "stinger" if (category in _TENSE or function in ("sting", "build_tension")) \
                else "accent"
            h.riser = energetic and h.beat - prev_beat >= bar_beats and h.beat >= bar_beats
        elif h.landing != "free":
            h.event = "accent" if function in ("action", "comedy") else "harmonic change"
        else:
            h.event = "accent" if function == "comedy" else "none"
        prev_beat = h.beat


def planned_silences(hits: list[HitPlan], notes: str, duration_s: float, beat_to_s: Any,
                     function: str) -> list[dict[str, Any]]:
    """Silences the plan chooses (cue-relative seconds), with the reason for each."""
    out: list[dict[str, Any]] = []
    cuts = [h for h in hits if h.event == "cut-off"]
    for h in cuts:
        t = float(beat_to_s(h.beat))
        if t >= duration_s - 1e-6:
            continue
        end = duration_s
        later = [x for x in hits if x.beat > h.beat and x.important]
        if later:
            end = min(duration_s, float(beat_to_s(later[0].beat)) - 0.5)
        stab = 0.0 if function == "source" else 0.25
        if end - t > stab + 0.05:
            out.append({"start_s": round(t + stab, 4), "end_s": round(end, 4),
                        "reason": f"cut-off at hit: {h.label}".strip()})
    if wants_drop_out(notes) and not any(abs(s["end_s"] - duration_s) < 1e-6 for s in out):
        last_hit = max((float(beat_to_s(h.beat)) for h in hits), default=0.0)
        start = max(last_hit + 1.5, duration_s * 0.7)
        if start < duration_s - 0.5:
            out.append({"start_s": round(start, 4), "end_s": round(duration_s, 4),
                        "reason": "the spotting note asks the music to drop out"})
    return sorted(out, key=lambda s: s["start_s"])


def mickey_mousing_index(action_times_s: list[float], accent_times_s: list[float],
                         tolerance_s: float = MICKEY_TOLERANCE_S) -> float:
    """Share of on-screen actions that an accent in the music lands on (0 when none)."""
    acts = sorted(float(t) for t in action_times_s)
    if not acts:
        return 0.0
    acc = sorted(accent_times_s)
    hit = 0
    for t in acts:
        if any(abs(a - t) <= tolerance_s + 1e-9 for a in acc):
            hit += 1
    return hit / len(acts)


def event_notes(hits: list[HitPlan], slots: list[Any], bars: list[Any], tempo_at: Any,
                function: str) -> list[tuple[str, list[Note], str]]:
    """The notes of every hit event, as (layer, notes, role) for the orchestrator: a stab
    chord across the registers (a cluster for a stinger), a cymbal crash and a timpani
    stroke on an important hit, and for a riser a rising scale and a timpani roll over
    the bar before it. ``tempo_at(beat)`` gives BPM."""
    from assistant.compose.harmony import chord_at
    from assistant.compose.theory import nearest_pitch

    out: list[tuple[str, list[Note], str]] = []
    for h in hits:
        if h.event in ("none", "harmonic change"):
            continue
        if h.event == "cut-off" and function == "source":
            continue
        slot = chord_at(slots, h.beat + 1e-6)
        if slot is None:
            continue
        beat_s = 60.0 / float(tempo_at(h.beat))
        dur = max(0.25, min(1.0, 0.35 / beat_s))
        pcs = slot.chord.pcs
        if h.event == "stinger":
            root = slot.key.tonic
            pcs = ((root + 1) % 12, root, (root + 6) % 12, (root + 11) % 12)
        art = "sforzando" if h.important or h.event == "cut-off" else "accent"
        stab = []
        for centre in (40, 52, 64, 76, 88):
            for pc in pcs[:3]:
                stab.append(Note(nearest_pitch(pc, centre + 3, 24, 100), h.beat, dur, articulation=art))
        role = "stab" if h.important or h.event == "cut-off" else "light_accent"
        out.append(("stab", stab, role))
        if h.important or h.event == "cut-off":
            out.append(("crash", [Note(49, h.beat, 1.0), Note(36, h.beat, 0.5)], "percussion"))
            tim = nearest_pitch(slot.chord.root, 45, 40, 55)
            out.append(("timpani", [Note(tim, h.beat, dur, articulation="accent")], "percussion"))
        if h.riser:
            bar_b = max(1.0, min(4.0, next((b.full_beats for b in bars if b.start_beat <= h.beat
                                            < b.end_beat), 4.0)))
            start = max(0.0, h.beat - bar_b)
            prev = chord_at(slots, max(0.0, h.beat - 0.01))
            key = prev.key if prev else slot.key
            n_steps = max(4, int(bar_b * 4)) if bar_b * 60 / float(tempo_at(start)) > 1.0 \
                else max(4, int(bar_b * 2))
            step = (h.beat - start) / n_steps
            p = nearest_pitch(key.tonic, 62, 55, 70)
            run = []
            for k in range(n_steps):
                run.append(Note(p, start + k * step, step * 0.9))
                p = key.snap(p + 2) if key.snap(p + 2) > p else p + 2
            out.append(("riser", run, "riser"))
            tim = nearest_pitch(slot.chord.root, 45, 40, 55)
            out.append(("timpani", [Note(tim, start, h.beat - start, articulation="roll")], "percussion"))
    return out
