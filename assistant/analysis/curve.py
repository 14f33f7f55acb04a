"""The emotional curve: one valence / arousal / tension point per scene, read from events.

What *happens* in a scene outweighs how its people talk: a father lying unconscious while
his daughter screams is a negative, tense scene however calm the surrounding lines are.
Each scene is read twice:

- **Events** (:data:`EVENTS`): action lines (and, at half weight, speeches) are searched for
  what changes in the scene: death, injury, danger, violence, weeping on the negative side;
  reunion, love, victory, laughter on the positive. Each event has a valence / arousal /
  tension point (design defaults on the scale of :mod:`assistant.analysis.moods`) and a
  weight. A negated event ("he is not dead") does not count. The lines that matched are
  kept as the point's evidence.
- **The classifier's reading** of the scene's text, with the event lines put first so that
  neutral talk cannot push them out of the words it reads.

The two are blended by how much happened: with event weight ``E`` the events count
``E / (E + 1)`` (one clear event: half; three: three quarters). Neighbouring scenes then
smooth the curve lightly (``SMOOTHING``); the raw per-scene values are kept too.

Validated on ``datasets/analysis/scene_valence.jsonl`` (scenes of the three real
screenplays and the example film, labelled by hand): ``python -m training.eval_curve``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: (name, pattern, (valence, arousal, tension), weight, tags). Patterns match lower-cased
#: lines; weights are per matched line.
EVENTS: tuple[tuple[str, str, tuple[float, float, float], float, tuple[str, ...]], ...] = (
    ("death", r"\b(?:dies|died|dead|death|dying|killed|kills|murder(?:ed|s)?|corpse|coffin|"
              r"funeral|grave(?:side)?|cemetery|last breath|stops breathing|flatlines?|"
              r"lifeless|passes away|passed away|r\.?i\.?p\.?)\b",
     (-0.85, -0.2, 0.5), 1.5, ("grief",)),
    ("injury", r"\b(?:unconscious|bleed(?:s|ing)?|blood(?:y|ied)?|wound(?:ed|s)?|injur(?:ed|y|ies)|"
               r"collapses?|collapsed|passes out|faints?|fainted|limps?|bruised|battered|"
               r"stabbed|shot (?:in|through|dead|twice)|broken (?:leg|arm|neck|ribs?)|"
               r"ambulance|lies motionless|motionless on|in pain|cries out in pain|"
               r"gasps for (?:air|breath)|hospital bed|oxygen tube|illness)\b",
     (-0.7, 0.25, 0.7), 1.2, ("anxious", "grief")),
    ("danger", r"\b(?:scream(?:s|ing|ed)?|shriek(?:s|ing)?|terrified|terror|panic(?:s|king)?|"
               r"trapped|drown(?:s|ing)?|gun(?:s|point)?|pistols?|rifle|knife|blade|aims? (?:it|the|a)|"
               r"explosion|explodes|ablaze|burning|flames|crash(?:es|ed)?|careens?|"
               r"threat(?:ens|ening)?|menac(?:e|ing)|creep(?:s|ing)? (?:closer|up)|"
               r"footsteps|lightning|storm|chase[sd]?|flee(?:s|ing)?|bolts|escape[sd]?|"
               r"runs? for (?:his|her|their) li(?:fe|ves)|over the edge|"
               r"(?:falls?|fell) (?:flat|down|backward|face|off|from|to (?:his|her|the))|"
               r"fear|afraid|scared|tremble[sd]?|creepy|eerie)\b",
     (-0.6, 0.6, 0.85), 1.0, ("dread", "urgent")),
    ("violence", r"\b(?:punch(?:es|ed)?|slugs?|smacks?|slams? (?:him|her|into|against)|"
                 r"shoves?|fights?|fighting|struggles?|attacks?|beats? (?:him|her|up)|"
                 r"strangles?|fires? (?:twice|again|at)|opens fire|thrashing|kicks? (?:him|her))\b",
     (-0.55, 0.8, 0.75), 1.0, ("furious", "urgent")),
    ("weeping", r"\b(?:sobs?|sobbing|weeps?|weeping|tears? (?:in|stream|roll|drop|hanging)|"
                r"in tears|crumples|breaks down|cries(?! out)|crying(?! out)|"
                r"grief|mourn(?:s|ing)?|heartbroken)\b",
     (-0.65, -0.2, 0.3), 1.0, ("grief", "melancholy")),
    ("argument", r"\b(?:furious|fuming|argument|argues|yells? at|shouts? at|storms? (?:out|off)|"
                 r"slams the door|glares?|resent(?:s|ment)?)\b",
     (-0.45, 0.5, 0.55), 0.8, ("furious",)),
    ("reunion", r"\b(?:embrace[sd]?|hugs?|hugging|into (?:his|her|their) arms|reunit(?:ed|es|e)|"
                r"welcome[sd]? (?:him|her|them) home|comes home|homecoming|holds (?:him|her) "
                r"(?:tight|close))\b",
     (0.7, 0.1, 0.1), 1.0, ("tender", "hopeful")),
    ("love", r"\b(?:kiss(?:es|ed|ing)?|takes (?:his|her) hand|holds? hands|in love|"
             r"wedding|marr(?:y|ies|ied)|proposes?|daffodils|affection)\b",
     (0.75, 0.1, 0.1), 1.0, ("romantic", "tender")),
    ("victory", r"\b(?:cheers?|cheering|wins?|won|winning|victory|triumph(?:ant|s)?|"
                r"applause|applauds?|celebrat(?:es?|ion|ing)|champagne|blue ribbon|"
                r"saved|rescued|safe now|relief|the crowd goes wild|home run)\b",
     (0.8, 0.6, 0.1), 1.0, ("triumphant",)),
    ("joy", r"\b(?:laugh(?:s|ing|ter)?|smil(?:es|ing)|grins?|giggles?|beams?|joyful|joy|"
            r"happy|delighted|whistl(?:es|ing)|dances?|dancing|plays? in the)\b",
     (0.6, 0.35, 0.05), 0.7, ("playful", "hopeful")),
)
_COMPILED = tuple((n, re.compile(p), vat, w, tags) for n, p, vat, w, tags in EVENTS)
_NEG_BEFORE = re.compile(r"\b(?:not|n't|never|no|nobody|without|isn't|wasn't|doesn't|didn't)"
                         r"\s+(?:\w+\s+){0,2}$")
#: a speech counts for this much of an action line (people talk about things that are not
#: happening); a parenthetical ("(screaming)") for more
KIND_WEIGHT = {"action": 1.0, "dialogue": 0.5, "parenthetical": 0.8, "transition": 0.0}
SMOOTHING = (0.2, 0.6, 0.2)
SCENE_TEXT_WORDS = 80


@dataclass
class SceneEvents:
    """What happened in one scene: its event reading and the lines that said so."""

    weight: float = 0.0
    valence: float = 0.0
    arousal: float = 0.0
    tension: float = 0.0
    tags: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # event names, strongest first
    evidence: list[str] = field(default_factory=list)  # the lines, strongest first


def line_events(text: str) -> list[tuple[str, tuple[float, float, float], float, tuple[str, ...]]]:
    """The events one line names (not negated)."""
    low = text.lower()
    out = []
    for name, rx, vat, w, tags in _COMPILED:
        for m in rx.finditer(low):
            if _NEG_BEFORE.search(low[max(0, m.start() - 40): m.start()]):
                continue
            out.append((name, vat, w, tags))
            break
    return out


def scene_events(elements: list[Any]) -> SceneEvents:
    """Read the events of a scene's elements (``kind``, ``text``)."""
    sv = sa = st = sw = 0.0
    per_line: list[tuple[float, str]] = []
    tag_w: dict[str, float] = {}
    ev_w: dict[str, float] = {}
    for e in elements:
        kw = KIND_WEIGHT.get(e.kind, 0.0)
        if kw <= 0 or not e.text.strip():
            continue
        found = line_events(e.text)
        if not found:
            continue
        lw = 0.0
        for name, (v, a, t), w, tags in found:
            ww = w * kw
            sv += v * ww
            sa += a * ww
            st += t * ww
            sw += ww
            lw += ww
            ev_w[name] = ev_w.get(name, 0.0) + ww
            for k, tg in enumerate(tags):
                tag_w[tg] = tag_w.get(tg, 0.0) + ww / (k + 1)
        who = f"{e.character.title()}: " if getattr(e, "character", None) and e.kind != "action" \
            else ""
        per_line.append((lw, who + " ".join(e.text.split())[:160]))
    if sw == 0:
        return SceneEvents()
    per_line.sort(key=lambda x: -x[0])
    return SceneEvents(weight=sw, valence=sv / sw, arousal=sa / sw, tension=st / sw,
                       tags=sorted(tag_w, key=lambda k: -tag_w[k])[:2],
                       events=sorted(ev_w, key=lambda k: -ev_w[k]),
                       evidence=[t for _, t in per_line[:3]])


def scene_text(elements: list[Any], location: str, heading: str) -> str:
    """The text the classifier reads for a scene: lines with events first, then the other
    action lines, then speech, up to ``SCENE_TEXT_WORDS`` words."""
    action = [e.text for e in elements if e.kind == "action" and e.text.strip()]
    speech = [e.text for e in elements if e.kind == "dialogue" and e.text.strip()]
    eventful = [t for t in action + speech if line_events(t)]
    rest = [t for t in action + speech if t not in eventful]
    words: list[str] = []
    for part in eventful + rest:
        words.extend(part.split())
        if len(words) >= SCENE_TEXT_WORDS:
            break
    loc = location.lower() if location else ""
    body = " ".join(words[:SCENE_TEXT_WORDS])
    return f"{loc}. {body}".strip(". ") if body else (loc or heading)


def blend(model_vat: tuple[float, float, float], ev: SceneEvents
          ) -> tuple[float, float, float, float]:
    """(valence, arousal, tension, share of the events) for a scene."""
    if ev.weight <= 0:
        return (*model_vat, 0.0)
    share = ev.weight / (ev.weight + 1.0)
    v = (1 - share) * model_vat[0] + share * ev.valence
    a = (1 - share) * model_vat[1] + share * ev.arousal
    t = (1 - share) * model_vat[2] + share * ev.tension
    return (max(-1.0, min(1.0, v)), max(-1.0, min(1.0, a)), max(0.0, min(1.0, t)), share)


def smooth(vals: list[float]) -> list[float]:
    if len(vals) < 3:
        return list(vals)
    a, b, c = SMOOTHING
    out = []
    for i, v in enumerate(vals):
        lft = vals[i - 1] if i > 0 else v
        rgt = vals[i + 1] if i + 1 < len(vals) else v
        out.append(a * lft + b * v + c * rgt)
    return out


__all__ = ["EVENTS", "SceneEvents", "blend", "line_events", "scene_events", "scene_text",
           "smooth"]
