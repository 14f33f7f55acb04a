"""What a screenplay marks as musical: the scenes a composer would score from the page alone.

A script asks for music without saying "music": a music box opens, two people kiss, someone
is chased, someone dies, the story reaches its climax, the titles come up. Proposals from
the script alone (:func:`assistant.analysis.script.analyze_script` without a spotting list)
score these scenes first, whatever the running-time budget, and give the others what is
left. Stings are found here too: a shock line (a scream, a gunshot, a face at the window)
gets a cue of a few seconds, never minutes.

Each marker keeps the line that set it, for the proposal's reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: (marker, pattern on a lower-cased line). "music" covers music on screen and notes about it.
MARKERS: tuple[tuple[str, str], ...] = (
    ("music", r"\b(?:music(?:al)?|music[- ]box|songs?|sings?|singing|sung|hums?|humming|"
              r"whistles? (?:a|the|his|her) (?:tune|song)|waltz|lullaby|melody|tune|jukebox|"
              r"gramophone|record player|turntable|radio plays|on the radio|band plays|orchestra|"
              r"choir|plays (?:the|a|his|her) (?:piano|violin|guitar|cello|organ|flute|trumpet|record)|"
              r"at the (?:piano|keyboard)|fiddlers?|dances?|dancing|score|theme)\b"),
    ("kiss", r"\bkiss(?:es|ed|ing)?\b"),
    ("chase", r"\b(?:chase[sd]?|chasing|runs? after|races? after|pursu(?:es|ed|it|ing)|flees?|"
              r"fleeing|bolts|sprints?|gives chase|on the run|getaway)\b"),
    ("death", r"\b(?:dies|died|dead|death|dying|killed|kills|murder(?:ed)?|funeral|grave(?:side)?|"
              r"coffin|last breath|passes away|passed away)\b"),
    ("titles", r"\b(?:main titles?|opening titles?|title card|title sequence|credits|super:|"
               r"superimpose)|^\s*the end\W*$"),
)
_COMPILED = tuple((k, re.compile(p)) for k, p in MARKERS)
_NEG = re.compile(r"\b(?:not|n't|never|no|without)\s+(?:\w+\s+){0,2}$")
#: a shock line: what a sting punctuates
SHOCK_RE = re.compile(r"\b(?:screams?|shrieks?|gunshot|shot rings out|fires|bang|explodes?|"
                      r"explosion|lightning|slams?|smash(?:es)?|crash(?:es)?|suddenly|"
                      r"jumps? out|lunges?|a face)\b")
#: share of the film where the climax is looked for (the last part)
CLIMAX_FROM = 0.55


@dataclass
class SceneMarks:
    """The musical markers of one scene, with the line behind each."""

    marks: dict[str, str] = field(default_factory=dict)  # marker -> the line
    shock: tuple[float, str] | None = None  # (script seconds, line) of the sharpest shock

    @property
    def musical(self) -> bool:
        return bool(self.marks)


def _hit(kind: str, rx: re.Pattern[str], text: str) -> bool:
    low = text.lower()
    for m in rx.finditer(low):
        if _NEG.search(low[max(0, m.start() - 30): m.start()]):
            continue
        if kind == "death" and re.search(r"\b(?:bulb|light|lamp|torch|engine|motor|battery|phone|"
                                         r"fire|flame|wind|storm|music|sound|noise|voice|"
                                         r"conversation|signal|radio|line|plant|flowers?)\s+"
                                         r"(?:[\w,;'-]+\s+){0,4}$", low[max(0, m.start() - 50): m.start()]):
            continue  # "the bulb flickers once more, and dies" is not a death
        if kind == "music" and m.group(0) in ("score", "theme") and not re.search(
                r"\b(?:music|score|theme)\s+(?:swells|rises|plays|starts|comes in|kicks in|"
                r"enters|begins)\b", low):
            continue  # "score" as in "settle the score" is not a music cue
        return True
    return False


def scene_marks(elements: list[Any], notes: list[Any] | None = None) -> SceneMarks:
    """Markers of one scene from its elements (``kind``, ``text``, ``start_s``) and the
    screenplay notes (``[[...]]``) that belong to it."""
    out = SceneMarks()
    for e in elements:
        if e.kind not in ("action", "dialogue", "transition", "centered", "lyric",
                          "scene_heading", "parenthetical"):
            continue
        text = e.text.strip()
        if not text:
            continue
        for kind, rx in _COMPILED:
            if kind in out.marks:
                continue
            if e.kind in ("dialogue", "parenthetical") and kind != "titles":
                continue  # people talk about songs and deaths; the page marks them in action
            if e.kind == "lyric" or _hit(kind, rx, text):
                out.marks["music" if e.kind == "lyric" else kind] = " ".join(text.split())[:120]
        if e.kind in ("action", "parenthetical") and out.shock is None and SHOCK_RE.search(
                text.lower()):
            out.shock = (float(e.start_s), " ".join(text.split())[:120])
    for n in notes or []:
        if "music" not in out.marks and _hit("music", _COMPILED[0][1], n.text):
            out.marks["music"] = f"[[{' '.join(n.text.split())[:110]}]]"
    return out


#: how much each marker asks for score (design defaults): the ones a composer would never
#: leave dry weigh most
MARK_WEIGHT = {"kiss": 3.0, "climax": 3.0, "payoff": 3.0, "music": 2.5, "death": 2.0,
               "chase": 2.0, "titles": 1.5}


def climax_scene(curve: list[Any], duration_s: float) -> int | None:
    """The scene of the climax: the highest tension plus arousal in the last part of the
    film (raw per-scene values)."""
    late = [p for p in curve if p.start_s >= CLIMAX_FROM * duration_s]
    if not late:
        return None
    best = max(late, key=lambda p: p.raw[2] + max(0.0, p.raw[1]))
    return best.scene_index


def payoff_scene(curve: list[Any], duration_s: float) -> int | None:
    """The scene where the story turns for good late in the film: the largest rise in
    valence from the scene before (raw values)."""
    best, rise = None, 0.25
    for prev, p in zip(curve, curve[1:], strict=False):
        if p.start_s >= CLIMAX_FROM * duration_s and p.raw[0] - prev.raw[0] > rise:
            best, rise = p.scene_index, p.raw[0] - prev.raw[0]
    return best


def mark_weight(marks: SceneMarks) -> float:
    return sum(MARK_WEIGHT.get(k, 1.0) for k in marks.marks)


def credits_seconds(duration_s: float) -> float:
    """How long the end credits of a film this long usually run (design default: about
    4.5 % of the running time, at least one minute, at most six)."""
    return max(60.0, min(360.0, 0.045 * duration_s))


__all__ = ["MARKERS", "MARK_WEIGHT", "SceneMarks", "climax_scene", "credits_seconds",
           "mark_weight", "payoff_scene", "scene_marks"]
