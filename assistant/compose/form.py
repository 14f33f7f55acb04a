"""The form plan of a cue: bars on the tempo map, an intensity curve, and sections.

The intensity curve (0 = silence-like, 1 = tutti fortissimo) is shaped by the cue's
function (``build_tension`` rises, ``sting`` is one violent gesture that decays, a
``bookend`` arches, ``triumph`` climbs to its last important hit, ...), lifted by the
mood's arousal, and pulled up towards every important hit. Sections (intro, build, peak,
release, tail; a sting is gesture + tail) are cut from that curve, their boundaries
snapped to important hits, because film music changes where the picture does.

Mood categories follow the emotion → music table of REFERENCE.md: fear, tension,
sadness, tenderness, joy, triumph, anger, mystery.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from assistant.compose.theory import Key

CATEGORIES: tuple[str, ...] = ("fear", "tension", "sadness", "tenderness", "joy", "triumph",
                               "anger", "mystery")

_TAG_CATEGORY = {
    "dread": "tension", "grief": "sadness", "tender": "tenderness", "triumphant": "triumph",
    "playful": "joy", "mysterious": "mystery", "lonely": "sadness", "hopeful": "tenderness",
    "anxious": "tension", "furious": "anger", "nostalgic": "tenderness",
    "serene": "tenderness", "epic": "triumph", "eerie": "mystery", "romantic": "tenderness",
    "heroic": "triumph", "melancholy": "sadness", "whimsical": "joy", "urgent": "tension",
    "bittersweet": "sadness", "fear": "fear", "shock": "fear", "scary": "fear",
}


@dataclass(frozen=True)
class MoodProfile:
    """REFERENCE.md's emotion → music defaults for one category (design defaults)."""

    bpm: tuple[float, float]
    mode: str
    register: str
    dynamics: tuple[str, str]
    articulation: str
    colours: tuple[str, ...]


PROFILES: dict[str, MoodProfile] = {
    "fear": MoodProfile((100, 160), "phrygian", "extremes", ("pp", "ff"), "tremolo",
                        ("violin", "double_bass", "percussion", "horn")),
    "tension": MoodProfile((60, 100), "minor", "low pedal + high tremolo", ("pp", "f"),
                           "ostinato", ("cello", "double_bass", "timpani", "violin")),
    "sadness": MoodProfile((50, 75), "minor", "low", ("p", "mp"), "legato",
                           ("cello", "piano", "viola")),
    "tenderness": MoodProfile((60, 85), "major", "mid-high", ("p", "mf"), "legato",
                              ("violin", "flute", "harp")),
    "joy": MoodProfile((110, 140), "major", "high", ("mf", "f"), "staccato",
                       ("flute", "clarinet", "oboe", "violin")),
    "triumph": MoodProfile((90, 130), "major", "wide", ("f", "ff"), "marcato",
                           ("horn", "trumpet", "trombone", "timpani")),
    "anger": MoodProfile((120, 180), "phrygian", "low", ("f", "ff"), "sforzando",
                         ("trombone", "horn", "timpani", "drums")),
    "mystery": MoodProfile((50, 80), "dorian", "shimmer over pedal", ("pp", "mp"), "tremolo",
                           ("celesta", "harp", "choir", "violin")),
}


def mood_category(mood: Any = None, function: str | None = None, tags: list[str] | None = None
                  ) -> str:
    """The REFERENCE.md mood row for a cue: its function first where it decides
    (``triumph``, ``sting``), then its tags, then valence/arousal/tension."""
    if function == "triumph":
        return "triumph"
    if function == "sting":
        return "fear"
    all_tags = list(tags or []) + list(getattr(mood, "tags", None) or [])
    votes: dict[str, int] = {}
    for t in all_tags:
        c = _TAG_CATEGORY.get(str(t).lower())
        if c:
            votes[c] = votes.get(c, 0) + 1
    if votes:
        best = max(votes.values())
        for t in all_tags:  # first-named tag wins ties
            c = _TAG_CATEGORY.get(str(t).lower())
            if c and votes[c] == best:
                if function == "build_tension" and c in ("sadness", "tenderness", "joy"):
                    break
                return c
    v = float(getattr(mood, "valence", 0.0) or 0.0)
    a = float(getattr(mood, "arousal", 0.0) or 0.0)
    t = float(getattr(mood, "tension", 0.0) or 0.0)
    if function == "build_tension":
        return "fear" if t > 0.8 and a > 0.6 else "tension"
    if v < -0.6 and a > 0.7:
        return "anger"
    if t > 0.65 and a > 0.5:
        return "fear"
    if t > 0.5:
        return "tension" if a > -0.2 else "mystery"
    if v < -0.3:
        return "sadness"
    if v > 0.5 and a > 0.5:
        return "triumph"
    if v > 0.3 and a > 0.2:
        return "joy"
    if v > 0.15:
        return "tenderness"
    if function == "comedy":
        return "joy"
    return "mystery" if t > 0.3 else "tenderness" if v >= 0 else "sadness"


# ----------------------------------------------------------------------------- bars
@dataclass
class Bar:
    """One bar of the cue on the tempo map. ``end_beat`` is cut at the cue end."""

    number: int  # 1-based as the tempo map counts (bar 1 may be a pickup)
    start_beat: float
    end_beat: float
    meter: tuple[int, int]
    full_beats: float  # length of a whole bar of this meter
    start_s: float = 0.0
    intensity: float = 0.0
    is_pickup: bool = False  # bar 1, shorter than the bars after it (an anacrusis)

    @property
    def beats(self) -> float:
        return self.end_beat - self.start_beat

    @property
    def pulse_beats(self) -> float:
        """The felt beat in quarter notes (a dotted quarter in 6/8, 9/8, 12/8)."""
        num, den = self.meter
        if den == 8 and num % 3 == 0 and num > 3:
            return 1.5
        return 4.0 / den if den <= 4 else (0.5 if den == 8 else 4.0 / den)


def bars_of(tempo_map: Any, end_beat: float) -> list[Bar]:
    """Every bar starting before ``end_beat`` (quarter notes), the last one cut there."""
    out: list[Bar] = []
    for number, start, meter in tempo_map.bars(0, end_beat):
        s = float(start)
        full = float(meter.bar_beats)
        out.append(Bar(number, s, min(s + full, end_beat), (meter.numerator, meter.denominator),
                       full, float(tempo_map.beat_to_seconds(start))))
    if out and out[-1].end_beat - out[-1].start_beat < 1e-6:
        out.pop()
    if len(out) >= 2 and out[0].full_beats < out[1].full_beats - 1e-9:
        out[0].is_pickup = True
    return out


# ----------------------------------------------------------------------------- sections
@dataclass
class Section:
    """A span of bars with one intensity level, texture and melodic job."""

    name: str  # intro, build, peak, release, tail, gesture
    first_bar: int  # index into the bar list
    last_bar: int  # inclusive index
    start_beat: float
    end_beat: float
    intensity: float
    key: Key | None = None
    texture: str = ""
    melody: str = "none"  # theme, fragment, connective, none
    notes: list[str] = field(default_factory=list)
    part: int = 0  # index among the phrases of a long section split in several

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "start_beat": round(self.start_beat, 4),
                "end_beat": round(self.end_beat, 4), "first_bar": self.first_bar,
                "last_bar": self.last_bar, "intensity": round(self.intensity, 3),
                "key": self.key.name if self.key else None, "texture": self.texture,
                "melody": self.melody, "notes": list(self.notes), "part": self.part}


def _shape(function: str, x: float) -> float:
    """The function's base intensity at relative position ``x`` in [0, 1]."""
    arch = math.sin(math.pi * min(1.0, max(0.0, x)))
    if function == "build_tension":
        return 0.15 + 0.7 * x ** 1.3
    if function == "sting":
        return max(0.15, 1.0 - 1.6 * x)
    if function == "action":
        return 0.7 + 0.2 * arch
    if function == "triumph":
        return 0.45 + 0.5 * min(1.0, x * 1.4)
    if function in ("bookend", "theme_statement"):
        return 0.3 + 0.5 * arch
    if function == "romance":
        return 0.25 + 0.45 * math.sin(math.pi * min(1.0, x * 0.85))
    if function in ("inner_state", "establish_setting"):
        return 0.2 + 0.25 * arch
    if function == "comedy":
        return 0.4 + 0.1 * arch
    if function == "source":
        return 0.45
    return 0.3 + 0.3 * arch  # transition and unknown


def intensity_curve(bars: list[Bar], function: str, arousal: float,
                    hits: list[tuple[float, bool]], end_beat: float) -> list[float]:
    """Per-bar intensity in [0.05, 1]: the function's shape, the mood's arousal, and a
    pull towards every important hit (``hits`` = (beat, important))."""
    out = []
    for b in bars:
        x = (b.start_beat + b.beats / 2) / max(end_beat, 1e-9)
        v = _shape(function, x) + 0.15 * arousal
        for beat, important in hits:
            if not important:
                continue
            d = beat - b.start_beat
            if 0 <= d <= 2 * b.full_beats:  # approaching the hit
                v = max(v, 0.75 + 0.1 * arousal)
            elif -b.full_beats <= d < 0:  # the bar of the hit
                v = max(v, 0.8 + 0.1 * arousal)
        out.append(min(1.0, max(0.05, v)))
    # light smoothing so sections do not flicker
    sm = []
    for i, v in enumerate(out):
        nb = out[max(0, i - 1): i + 2]
        sm.append(0.5 * v + 0.5 * sum(nb) / len(nb))
    return sm


def plan_sections(bars: list[Bar], curve: list[float], function: str,
                  hits: list[tuple[float, bool]]) -> list[Section]:
    """Cut the bars into intro/build/peak/release/tail sections (see module docstring)."""
    n = len(bars)
    if n == 0:
        return []

    def sec(name: str, a: int, b: int) -> Section:
        vals = curve[a:b + 1]
        return Section(name, a, b, bars[a].start_beat, bars[b].end_beat, sum(vals) / len(vals))

    if function == "sting" or n <= 2:
        g = max(0, min(n - 1, max(1, n // 3) - 1))
        out = [sec("gesture", 0, g)]
        if g + 1 < n:
            out.append(sec("tail", g + 1, n - 1))
        return out
    peak_val = max(curve)
    peak_idx = max(range(n), key=lambda i: (curve[i], -abs(i - 0.7 * n)))
    lo_peak = peak_idx
    while lo_peak > 0 and curve[lo_peak - 1] >= 0.88 * peak_val:
        lo_peak -= 1
    hi_peak = peak_idx
    while hi_peak < n - 1 and curve[hi_peak + 1] >= 0.88 * peak_val:
        hi_peak += 1
    intro_end = max(0, min(lo_peak - 1, max(1, round(n * 0.15)) - 1))
    if bars[0].is_pickup:
        intro_end = max(intro_end, 1 if n > 4 else 0)
    tail_start = n - 1 if n >= 6 else n
    if n >= 16:
        tail_start = n - 2
    # snap boundaries to bars holding an important hit (within two bars)
    hit_bars = sorted({_bar_index(bars, beat) for beat, imp in hits if imp})
    for hb in hit_bars:
        if abs(hb - lo_peak) <= 2 and hb > intro_end:
            lo_peak = hb
    hi_peak = max(hi_peak, lo_peak)
    if tail_start < n:  # the last bar(s) are a tail, however high the curve runs to the end
        hi_peak = min(hi_peak, tail_start - 1)
        lo_peak = min(lo_peak, hi_peak)
    tail_start = max(tail_start, hi_peak + 1)
    names: list[tuple[str, int, int]] = []
    if intro_end >= 0 and intro_end < lo_peak:
        names.append(("intro", 0, intro_end))
        b0 = intro_end + 1
    else:
        b0 = 0
    if b0 < lo_peak:
        names.append(("build", b0, lo_peak - 1))
    names.append(("peak", lo_peak, min(hi_peak, n - 1)))
    if hi_peak + 1 <= tail_start - 1:
        names.append(("release", hi_peak + 1, tail_start - 1))
    if tail_start <= n - 1:
        names.append(("tail", tail_start, n - 1))
    # long builds or releases are split so a 2-minute cue has phrases, not one slab
    out: list[Section] = []
    for name, a, b in names:
        length = b - a + 1
        if name in ("build", "release", "peak") and length >= 16:
            k = math.ceil(length / 12)
            cuts = _phrase_cuts(a, b, k, bars, hits)
            for j, (s, e) in enumerate(cuts):
                x = sec(name, s, e)
                x.part = j
                out.append(x)
        else:
            out.append(sec(name, a, b))
    return out


def _phrase_cuts(a: int, b: int, k: int, bars: list[Bar], hits: list[tuple[float, bool]]
                 ) -> list[tuple[int, int]]:
    """Split bars a..b into k phrases, in multiples of 4 bars where possible, a cut moved
    onto a bar holding an important hit when one is within two bars."""
    length = b - a + 1
    step = max(4, round(length / k / 4) * 4)
    starts = [a + j * step for j in range(k) if a + j * step <= b - 3]
    hit_bars = sorted({_bar_index(bars, beat) for beat, imp in hits if imp})
    moved = [starts[0]]
    for st in starts[1:]:
        near = [h for h in hit_bars if abs(h - st) <= 2 and h > moved[-1] + 3]
        moved.append(near[0] if near else st)
    ends = [x - 1 for x in moved[1:]] + [b]
    return list(zip(moved, ends, strict=True))


def _bar_index(bars: list[Bar], beat: float) -> int:
    for i, b in enumerate(bars):
        if b.start_beat - 1e-9 <= beat < b.end_beat - 1e-9:
            return i
    return len(bars) - 1
