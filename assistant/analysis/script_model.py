"""The results of a script analysis and their JSON (the ``analyze --json`` contract).

Split out of :mod:`.script`: :class:`ScriptAnalysis` and the records it holds (characters,
leitmotif candidates, curve points, cues, silences), and the rounding helpers that turn
them into one JSON object.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.project import DialogueSpan, Hit, Mood, Scene


# ============================================================================ results
@dataclass
class CharacterStat:
    name: str
    aliases: list[str]
    dialogue_lines: int
    dialogue_words: int
    dialogue_share: float  # of all spoken words
    scenes: list[int]
    scene_share: float  # of all scenes
    score: float
    main: bool = False
    voice: str = "unknown"  # male, female, child (assistant.analysis.voices)


@dataclass
class MotifCandidate:
    """A character, place, object or idea that may deserve a theme, with its evidence."""

    name: str
    kind: str  # character | place | object | idea
    score: float
    scenes: list[int]
    mentions: int
    spread: float  # share of the film between first and last appearance
    forms: list[str] = field(default_factory=list)
    why: str = ""  # the evidence in a sentence
    evidence: list[str] = field(default_factory=list)  # music notes / cues that name it


@dataclass
class CurvePoint:
    scene_index: int
    start_s: float
    duration_s: float
    valence: float
    arousal: float
    tension: float
    tags: list[str]
    raw: tuple[float, float, float]
    dialogue_fraction: float
    events: list[str] = field(default_factory=list)  # what happened (death, reunion, ...)
    evidence: list[str] = field(default_factory=list)  # the lines that drove the value
    event_share: float = 0.0  # how much the events weighed against the text reading


@dataclass
class CueAnalysis:
    """A cue (given or proposed) with what the analysis thinks it should do."""

    id: str
    start_s: float
    end_s: float
    start_tc: str = ""
    end_tc: str = ""
    title: str = ""
    function: str = ""
    functions: list[tuple[str, float]] = field(default_factory=list)
    function_from: str = "classifier"  # classifier | spotting list | position
    mood: dict[str, Any] = field(default_factory=dict)
    dialogue: list[DialogueSpan] = field(default_factory=list)
    scenes: list[int] = field(default_factory=list)
    reason: str = ""
    proposed: bool = False
    confident: bool = True
    question: str = ""
    evidence: Any = field(default_factory=dict)
    source: bool = False
    # what the spotting list gave, kept whole (empty for proposed cues)
    hits: list[Hit] = field(default_factory=list)
    notes: str = ""
    brief: str = ""
    given_function: str | None = None
    # the script-to-cut alignment (see assistant.analysis.alignment)
    alignment: dict[str, Any] = field(default_factory=dict)
    action: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["functions"] = [{"label": k, "score": round(float(p), 4)} for k, p in self.functions]
        d["dialogue"] = [_span_dict(s) for s in self.dialogue]
        d["hits"] = [_hit_dict(h, self.start_s) for h in self.hits]
        d["start_s"], d["end_s"] = round(self.start_s, 3), round(self.end_s, 3)
        d["duration_s"] = round(self.end_s - self.start_s, 3)
        return d


@dataclass
class Silence:
    start_s: float
    end_s: float
    scenes: list[int]
    reason: str


@dataclass
class ScriptAnalysis:
    title: str
    duration_s: float
    scenes: list[Scene]
    characters: list[CharacterStat]
    leitmotif_candidates: list[MotifCandidate]
    emotional_curve: list[CurvePoint]
    cues: list[CueAnalysis]
    silences: list[Silence]
    proposed: bool
    scored_fraction: float
    warnings: list[str] = field(default_factory=list)
    model: str = ""
    alignment: dict[str, Any] = field(default_factory=dict)  # script-to-cut (given cues)

    @property
    def main_characters(self) -> list[str]:
        return [c.name for c in self.characters if c.main]

    def to_dict(self) -> dict[str, Any]:
        """One JSON object: the ``analyze --json`` contract."""
        return {
            "title": self.title,
            "duration_s": round(self.duration_s, 3),
            "scenes": [_scene_dict(s) for s in self.scenes],
            "characters": [_r(asdict(c)) for c in self.characters],
            "main_characters": self.main_characters,
            "leitmotif_candidates": [_r(asdict(m)) for m in self.leitmotif_candidates],
            "emotional_curve": [_curve_dict(p) for p in self.emotional_curve],
            "cues": [c.to_dict() for c in self.cues],
            "cues_proposed": self.proposed,
            "silences": [_r(asdict(s)) for s in self.silences],
            "scored_fraction": round(self.scored_fraction, 3),
            "warnings": list(self.warnings),
            "model": self.model,
            "alignment": self.alignment,
        }


def _r(d: Any) -> Any:
    if isinstance(d, float):
        return round(d, 4)
    if isinstance(d, dict):
        return {k: _r(v) for k, v in d.items()}
    if isinstance(d, (list, tuple)):
        return [_r(v) for v in d]
    return d


def _scene_dict(s: Scene) -> dict[str, Any]:
    return {"index": s.index, "heading": s.heading, "int_ext": s.int_ext, "location": s.location,
            "time_of_day": s.time_of_day, "start_s": round(s.start_s, 3),
            "duration_s": round(s.duration_s, 3), "line": s.line, "synopsis": s.synopsis}


def _span_dict(s: DialogueSpan) -> dict[str, Any]:
    return {"character": s.character, "start_s": round(s.start_s, 3),
            "end_s": round(s.end_s, 3), "scene_index": s.scene_index, "text": s.text}


def _hit_dict(h: Hit, cue_start_s: float) -> dict[str, Any]:
    """A spotting-list hit: ``time_s`` on the film's timeline, ``cue_time_s`` from the cue
    start (what ``fit-tempo --hits`` takes)."""
    return {"time_s": round(float(h.time_s), 4),
            "cue_time_s": round(float(h.time_s) - cue_start_s, 4), "tc": h.tc, "label": h.label,
            "weight": h.weight, "important": h.important, "landing": h.landing,
            "tolerance_frames": h.tolerance_frames}


def _curve_dict(p: CurvePoint) -> dict[str, Any]:
    return {"scene_index": p.scene_index, "start_s": round(p.start_s, 3),
            "duration_s": round(p.duration_s, 3), "valence": round(p.valence, 3),
            "arousal": round(p.arousal, 3), "tension": round(p.tension, 3), "tags": p.tags,
            "raw": [round(x, 3) for x in p.raw],
            "dialogue_fraction": round(p.dialogue_fraction, 3), "events": p.events,
            "evidence": p.evidence, "event_share": round(p.event_share, 3)}


def _mood_dict(m: Mood) -> dict[str, Any]:
    return {"valence": round(float(m.valence), 3), "arousal": round(float(m.arousal), 3),
            "tension": round(float(m.tension), 3), "tags": list(m.tags)}


def _alignment_dict(al: Any) -> dict[str, Any]:
    """The script-to-cut alignment for ``analyze --json``: the warp and each scene's place
    on the picture's timeline (film seconds)."""
    if al is None:
        return {}
    d = al.to_dict()
    d["scenes"] = [{"index": s.index, "film_start_s": round(s.start_s, 3),
                    "film_duration_s": round(s.duration_s, 3)} for s in al.scenes]
    return d
