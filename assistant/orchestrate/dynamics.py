"""Dynamics: a level curve over the cue, written as score markings, MIDI velocities and
CC1/CC11 curves (crescendos that move).

The level is a float on the scale of DESIGN.md's dynamics (0 = pp ... 5 = ff), piecewise
linear in beats. Sections set it from their intensity inside the allowed range (the
mood's default, or the brief's, which is law); risers ramp it into important hits;
dialogue spans cap it at mp (or the brief's softest) with short ramps either side.

* markings: a dynamic at every section start and wherever the rounded level changes,
  ``cresc``/``dim`` where it ramps by at least one step;
* velocities: the level's velocity, plus the role's weight (the tune above its
  accompaniment), metric weight and the articulation's accent, never above the
  loudest allowed level's accent;
* CC1 (modulation, the dynamic layer in sample libraries) follows the level; CC11
  (expression) shapes each phrase and dips under dialogue.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace

from assistant.music.score import Note, Part
from assistant.project import DYNAMICS

VELOCITY = (32, 46, 60, 74, 90, 108)  # pp .. ff
ARTICULATION_BOOST = {"accent": 14, "marcato": 18, "sforzando": 24, "tenuto": 4, "staccato": -4,
                      "pizzicato": -2, "tremolo": -6, "roll": 0}
ROLE_BOOST = {"melody": 8, "counter_melody": 3, "harmony": -6, "bass": 0, "percussion": -2,
              "stab": 10, "riser": 0}


def dyn_index(mark: str) -> int:
    return DYNAMICS.index(mark)


@dataclass
class LevelCurve:
    """Piecewise-linear dynamic level (0 pp .. 5 ff) over quarter-note beats."""

    points: list[tuple[float, float]] = field(default_factory=list)

    def add(self, beat: float, level: float) -> None:
        self.points.append((float(beat), float(level)))
        self.points.sort()

    def at(self, beat: float) -> float:
        pts = self.points
        if not pts:
            return 3.0
        i = bisect.bisect_right([p[0] for p in pts], beat)
        if i == 0:
            return pts[0][1]
        if i == len(pts):
            return pts[-1][1]
        (b0, l0), (b1, l1) = pts[i - 1], pts[i]
        if b1 - b0 < 1e-9:
            return l1
        return l0 + (l1 - l0) * (beat - b0) / (b1 - b0)

    def capped(self, spans: list[tuple[float, float]], cap: float, ramp: float = 0.5) -> LevelCurve:
        """The curve held at or below ``cap`` inside each (start, end) span."""
        if not spans:
            return LevelCurve(list(self.points))
        beats = sorted({b for b, _ in self.points} | {x for s, e in spans
                                                       for x in (s - ramp, s, e, e + ramp)})
        out = LevelCurve()
        for b in beats:
            v = self.at(b)
            if any(s - 1e-9 <= b <= e + 1e-9 for s, e in spans):
                v = min(v, cap)
            out.points.append((b, v))
        return out


def velocity_for(level: float, articulation: str = "", role: str = "", downbeat: bool = False,
                 max_level: float = 5.0) -> int:
    lv = max(0.0, min(5.0, level))
    i = int(lv)
    frac = lv - i
    v = VELOCITY[i] + (VELOCITY[min(5, i + 1)] - VELOCITY[i]) * frac
    v += ARTICULATION_BOOST.get(articulation, 0) + ROLE_BOOST.get(role, 0) + (4 if downbeat else 0)
    ceiling = VELOCITY[min(5, int(round(max_level)))] + 16
    return int(max(1, min(127, ceiling, round(v))))


def markings(curve: LevelCurve, starts: list[float], end: float) -> list[tuple[float, str]]:
    """Dynamic markings at ``starts`` (section starts) and where the rounded level moves."""
    out: list[tuple[float, str]] = []
    last = None
    checkpoints = sorted(set(starts) | {b for b, _ in curve.points if 0 <= b < end})
    for b in checkpoints:
        lv = curve.at(b + 1e-6)
        mark = DYNAMICS[int(round(max(0, min(5, lv))))]
        if mark != last:
            if last is not None:
                prev = dyn_index(last)
                # a ramp into this point gets a hairpin start where it began
                ramp_from = max((p for p, _ in curve.points if p < b - 1e-6), default=None)
                if ramp_from is not None and abs(dyn_index(mark) - prev) >= 1 and b - ramp_from >= 1:
                    out.append((ramp_from, "cresc" if dyn_index(mark) > prev else "dim"))
            out.append((b, mark))
            last = mark
    return sorted(set(out))


def apply_dynamics(parts: list[Part], curve: LevelCurve, section_starts: list[float],
                   bar_starts: list[float], end_beat: float, max_level: float,
                   phrase_len_beats: float = 8.0) -> None:
    """Set velocities, markings and CC1/CC11 curves on every part (in place)."""
    marks = markings(curve, section_starts, end_beat)
    downbeats = {round(b, 6) for b in bar_starts}
    for part in parts:
        role = part.role
        part.notes = [replace(n, velocity=velocity_for(
            curve.at(n.start_beats), n.articulation, role, round(n.start_beats, 6) in downbeats,
            max_level)) for n in part.notes]
        if not part.notes:
            continue
        first, last = part.notes[0].start_beats, max(n.end_beats for n in part.notes)
        part.dynamics = [(b, m) for b, m in marks if first - 8 <= b <= last] or \
            [(first, DYNAMICS[int(round(curve.at(first)))])]
        if part.is_drum:
            continue
        cc1: list[tuple[float, int]] = []
        cc11: list[tuple[float, int]] = []
        step = 0.5
        b = 0.0
        while b <= end_beat + 1e-9:
            lv = curve.at(b)
            cc1.append((b, int(round(20 + lv * 20))))
            # phrase swell: up in the middle of each phrase, down at its ends
            ph = (b % phrase_len_beats) / phrase_len_beats
            swell = 1.0 - abs(ph - 0.5) * 2
            cc11.append((b, int(round(88 + 24 * swell + (lv - 2.5) * 3))))
            b += step
        part.cc = {1: _dedupe(cc1), 11: _dedupe(cc11)}


def _dedupe(points: list[tuple[float, int]]) -> list[tuple[float, int]]:
    out: list[tuple[float, int]] = []
    for b, v in points:
        v = max(0, min(127, v))
        if not out or out[-1][1] != v:
            out.append((round(b, 6), v))
    return out


def with_velocity(notes: list[Note], velocity: int) -> list[Note]:
    return [replace(n, velocity=velocity) for n in notes]
