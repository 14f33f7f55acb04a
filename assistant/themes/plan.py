"""The development plan: per cue, which theme(s), which transformation, what intensity and
orchestral weight, following each subject's journey through the film.

Inputs are the project's cues (function, mood, title, notes, dialogue) and scenes, and the
subjects that have a theme. For each subject the plan finds the cues where it appears (named
in a cue's title, notes or brief; a character speaking in it; scenes shared with it; for an
idea, cues whose function or mood tags express it), makes sure it recurs in at least three
cues (adding quiet echoes in the most related cues when it appears in fewer), and reads its
**journey** from the moods of those cues (hesitant -> confident, innocent -> corrupted,
threatened -> restored, sorrow -> consolation). Each appearance then gets a transformation
(names from :data:`assistant.themes.ops.TRANSFORMS`, joined with ``+``) chosen from the
cue's function, its mood against the theme's mode, and where the appearance sits on the
journey; consecutive appearances of a subject never repeat a transformation.

Intensity follows the cue's arousal and tension, smoothed along the film so the arc builds
rather than jumps; the orchestral weight follows intensity (solo < 0.3 <= chamber < 0.55 <=
section < 0.8 <= tutti). :meth:`DevelopmentPlan.override` pins any cell and re-plans the rest:
later intensities are smoothed from the pinned value, later appearances avoid a pinned
transformation, and a subject removed from a cue is placed elsewhere to keep three appearances.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import InputError

log = logging.getLogger(__name__)

MIN_CUES = 3
MAX_THEMES_PER_CUE = 3
WEIGHTS = ("solo", "chamber", "section", "tutti")
FIELDS = ("themes", "transformation", "intensity", "weight")

#: idea words -> cue functions and mood tags that express them
IDEA_AFFINITY: dict[str, tuple[set[str], set[str]]] = {
    "love": ({"romance"}, {"romantic", "tender", "warm", "intimate"}),
    "romance": ({"romance"}, {"romantic", "tender"}),
    "hope": ({"triumph", "bookend"}, {"hopeful", "heroic", "uplifting"}),
    "fear": ({"build_tension", "sting"}, {"dread", "anxious", "fearful"}),
    "danger": ({"build_tension", "action", "sting"}, {"dread", "urgent", "anxious"}),
    "grief": ({"inner_state"}, {"melancholy", "sad", "nostalgic"}),
    "memory": ({"inner_state"}, {"nostalgic", "melancholy"}),
    "home": ({"establish_setting", "bookend"}, {"nostalgic", "warm"}),
    "light": ({"triumph", "bookend"}, {"heroic", "hopeful"}),
    "waltz": ({"inner_state", "romance"}, {"nostalgic", "tender"}),
}

#: transformation per cue function: (first choice, alternatives) - the journey adjusts them
BY_FUNCTION: dict[str, tuple[str, ...]] = {
    "bookend": ("statement", "chorale", "augmentation"),
    "theme_statement": ("statement", "register_up", "chorale"),
    "establish_setting": ("augmentation", "chorale", "statement"),
    "inner_state": ("lullaby", "augmentation", "fragment"),
    "romance": ("statement", "waltz", "register_up"),
    "build_tension": ("fragment+tense_pedal", "sequence", "chromatic_inversion"),
    "sting": ("fragment+chromatic_inversion", "fragment", "displacement"),
    "action": ("diminution", "sequence", "displacement"),
    "transition": ("sequence", "fragment", "register_down"),
    "comedy": ("scherzo", "diminution", "displacement"),
    "triumph": ("triumphant", "march", "register_up"),
    "source": ("statement",),
}
DESCRIBE = {
    "statement": "the theme as written", "fragment": "only its head motif",
    "sequence": "the head motif climbing in sequence", "sequence_down": "the head motif sinking in sequence",
    "minor": "in the minor", "major": "in the major", "dorian": "in the dorian mode",
    "phrygian": "in the phrygian mode", "lydian": "in the lydian mode", "mixolydian": "in the mixolydian mode",
    "inversion": "turned upside down", "chromatic_inversion": "mirrored chromatically",
    "retrograde": "backwards", "augmentation": "slowed to double note values",
    "diminution": "in quick half values", "displacement": "pushed off the beat",
    "triumphant": "over a triumphant bVI-bVII-I", "tense_pedal": "over a tense dominant pedal",
    "chromatic_mediant": "turned by a chromatic mediant", "march": "as a march", "waltz": "as a waltz",
    "lullaby": "as a lullaby", "chorale": "as a chorale", "scherzo": "as a scherzo",
    "register_up": "an octave higher", "register_down": "an octave lower",
}


@dataclass
class Subject:
    """What the plan needs of a subject: its name, kind, words, scenes and the theme's mode."""

    name: str
    kind: str = "idea"
    words: tuple[str, ...] = ()
    scenes: tuple[int, ...] = ()
    mode: str = "major"


@dataclass
class DevelopmentPlan:
    """The plan (see the module docstring). ``rows``: one dict per cue, in film order."""

    rows: list[dict[str, Any]]
    subjects: dict[str, dict[str, Any]]
    locks: dict[tuple[str, str], Any] = field(default_factory=dict)
    _inputs: Any = None

    def row(self, cue: str) -> dict[str, Any]:
        for r in self.rows:
            if r["cue"] == cue:
                return r
        raise InputError(f"no cue {cue!r} in the plan", field="cue")

    def cues_of(self, subject: str) -> list[str]:
        return [r["cue"] for r in self.rows if subject in r["themes"]]

    def override(self, cue: str, field: str, value: Any) -> DevelopmentPlan:
        """Pin one cell (``themes``, ``transformation``, ``intensity`` or ``weight``) and re-plan
        the rest around it. Returns the plan itself (updated in place)."""
        self.row(cue)  # raises on an unknown cue
        if field not in FIELDS:
            raise InputError(f"field must be one of {', '.join(FIELDS)}", field="field")
        if field == "intensity":
            value = float(value)
            if not 0.0 <= value <= 1.0:
                raise InputError("intensity must be in [0, 1]", field="intensity")
        elif field == "weight" and value not in WEIGHTS:
            raise InputError(f"weight must be one of {', '.join(WEIGHTS)}", field="weight")
        elif field == "themes":
            value = [value] if isinstance(value, str) else list(value)
            unknown = [v for v in value if v not in self.subjects]
            if unknown:
                raise InputError(f"unknown theme(s) {unknown}", field="themes")
        elif field == "transformation":
            from assistant.themes.ops import TRANSFORMS

            bad = [x for x in str(value).split("+") if x.strip() not in TRANSFORMS]
            if bad:
                raise InputError(f"unknown transformation(s) {bad}", field="transformation")
        self.locks[(cue, field)] = value
        project, subjects = self._inputs
        new = _plan(project, subjects, self.locks)
        self.rows, self.subjects = new.rows, new.subjects
        return self

    def to_dict(self) -> dict[str, Any]:
        """Data for the studio's timeline: rows, subjects with their journeys, per-subject
        timelines and the pinned cells."""
        timeline = {s: [{"cue": r["cue"], "start_s": r["start_s"], "end_s": r["end_s"],
                         "transformation": r["transformations"][s], "role": r["roles"][s],
                         "intensity": r["intensity"], "weight": r["weight"]}
                        for r in self.rows if s in r["themes"]] for s in self.subjects}
        return {"rows": self.rows, "subjects": self.subjects, "timeline": timeline,
                "locks": [{"cue": c, "field": f, "value": v} for (c, f), v in self.locks.items()]}

    def to_table(self) -> str:
        """A plain-text table, one line per cue."""
        head = f"{'cue':<6} {'function':<16} {'themes':<30} {'transformation':<34} {'int':>4}  weight"
        lines = [head, "-" * len(head)]
        for r in self.rows:
            themes = ", ".join(r["themes"]) or "-"
            pin = "*" if any((r["cue"], f) in self.locks for f in FIELDS) else ""
            lines.append(f"{r['cue'] + pin:<6} {(r['function'] or '-'):<16} {themes[:30]:<30} "
                         f"{(r['transformation'] or '-')[:34]:<34} {r['intensity']:>4.2f}  {r['weight']}")
        lines.append("")
        for s, info in self.subjects.items():
            lines.append(f"{s}: {info['journey']} across {', '.join(info['cues'])}")
        return "\n".join(lines)


# ----------------------------------------------------------------------------- inputs
def _load_project(project: Any) -> Any:
    from assistant.project import FilmProject, ProjectStore

    if isinstance(project, FilmProject):
        return project
    if isinstance(project, ProjectStore):
        return project.load()
    if isinstance(project, (str, Path)):
        return ProjectStore(project).load()
    raise InputError("plan_development needs a FilmProject, a ProjectStore or a project folder",
                     field="project")


def _subject(name: str, value: Any, project: Any) -> Subject:
    kind = getattr(value, "kind", None)
    words = tuple(getattr(value, "words", ()) or ())
    scenes = tuple(getattr(value, "scenes", ()) or ())
    char = next((c for c in project.characters if c.name.lower() == name.lower()
                 or name.lower() in (a.lower() for a in c.aliases)), None)
    if char is not None:
        kind = kind or "character"
        scenes = scenes or tuple(char.scenes)
        words = words or tuple({name.lower(), *(a.lower() for a in char.aliases)})
    words = words or (name.lower(),)
    mode = getattr(value, "mode", None)
    if mode is None and getattr(value, "key", None) and isinstance(value.key, str):
        parts = value.key.split()
        mode = parts[1] if len(parts) > 1 else None
    return Subject(name, kind or "idea", words, scenes, mode or "major")


def _cue_scenes(project: Any, cue: Any) -> set[int]:
    out = set()
    for sc in project.scenes:
        end = sc.start_s + max(sc.duration_s, 1e-6)
        if sc.start_s < cue.end_s and end > cue.start_s:
            out.add(sc.index)
    return out


def _relevance(subj: Subject, cue: Any, scenes: set[int]) -> tuple[float, str]:
    text = f"{cue.title} {cue.notes} {cue.brief}".lower()
    named = any(re.search(rf"\b{re.escape(w)}", text) for w in subj.words if w)
    rel = 3.0 if named else 0.0
    why = "named in the cue" if named else ""
    speaks = sum(1 for d in cue.dialogue if d.character.lower() in subj.words)
    if speaks:
        rel += 1.5 + min(1.0, speaks / 4)
        why = why or "speaks in the cue"
    shared = len(scenes & set(subj.scenes))
    if shared:
        rel += min(2.0, float(shared))
        why = why or "in the cue's scenes"
    for w in subj.words:
        funcs, tags = IDEA_AFFINITY.get(w, (set(), set()))
        mood_tags = set(cue.mood.tags) if cue.mood else set()
        if cue.function in funcs or mood_tags & tags:
            rel += 1.5
            why = why or f"the cue's {cue.function or 'mood'} expresses {w}"
            break
    return rel, why


# ----------------------------------------------------------------------------- planning
def plan_development(project: Any, themes_by_subject: dict[str, Any], *,
                     locks: dict[tuple[str, str], Any] | None = None) -> DevelopmentPlan:
    """Plan every cue (see the module docstring). ``project`` is a FilmProject, a ProjectStore or
    a project folder; ``themes_by_subject`` maps a subject name to its theme or subject record
    (a :class:`~assistant.themes.subjects.ThemeSubject`, a :class:`~assistant.themes.write.RankedTheme`,
    a Score, or None) - what is used from it: ``kind``, ``words``, ``scenes``, ``mode``."""
    proj = _load_project(project)
    subjects = [_subject(name, v, proj) for name, v in themes_by_subject.items()]
    plan = _plan(proj, subjects, dict(locks or {}))
    return plan


def _plan(project: Any, subjects: list[Subject], locks: dict[tuple[str, str], Any]) -> DevelopmentPlan:
    cues = sorted(project.cues, key=lambda c: c.start_s)
    scored = [c for c in cues if not (c.source or c.function == "source")]
    rel: dict[tuple[str, str], tuple[float, str]] = {}
    for c in scored:
        scenes = _cue_scenes(project, c)
        for s in subjects:
            rel[(c.id, s.name)] = _relevance(s, c, scenes)

    # 1. who appears where: the most relevant (<= MAX_THEMES_PER_CUE), then coverage to MIN_CUES
    chosen: dict[str, list[str]] = {}
    roles: dict[tuple[str, str], str] = {}
    for c in scored:
        if (c.id, "themes") in locks:
            chosen[c.id] = list(locks[(c.id, "themes")])
            continue
        ranked = sorted((s for s in subjects if rel[(c.id, s.name)][0] > 0),
                        key=lambda s: -rel[(c.id, s.name)][0])
        chosen[c.id] = [s.name for s in ranked[:MAX_THEMES_PER_CUE]]
    for s in subjects:
        have = [cid for cid, names in chosen.items() if s.name in names]
        if len(have) >= MIN_CUES:
            continue
        options = sorted((c for c in scored if s.name not in chosen[c.id] and (c.id, "themes") not in locks),
                         key=lambda c: (rel[(c.id, s.name)][0] <= 0, len(chosen[c.id]) >= MAX_THEMES_PER_CUE,
                                        -rel[(c.id, s.name)][0], len(chosen[c.id]), c.start_s))
        for c in options[: MIN_CUES - len(have)]:
            chosen[c.id].append(s.name)
            roles[(c.id, s.name)] = "echo"
    for cid, names in chosen.items():
        for i, name in enumerate(names):
            roles.setdefault((cid, name), "lead" if i == 0 else "counter")

    # 2. journeys
    by_name = {s.name: s for s in subjects}
    journeys: dict[str, dict[str, Any]] = {}
    for s in subjects:
        apps = [c for c in scored if s.name in chosen[c.id]]
        journeys[s.name] = {"kind": s.kind, "journey": _journey(apps), "cues": [c.id for c in apps],
                            "mode": s.mode}

    # 3. rows in film order: transformations, intensity (smoothed), weight
    rows: list[dict[str, Any]] = []
    last_t: dict[str, str] = {}
    seen: dict[str, int] = {}
    prev_int: float | None = None
    for c in cues:
        mood = c.mood
        v, a, t = (mood.valence, mood.arousal, mood.tension) if mood else (0.0, 0.0, 0.3)
        base = {"cue": c.id, "title": c.title, "start_s": round(c.start_s, 3), "end_s": round(c.end_s, 3),
                "function": c.function}
        if c not in scored:
            rows.append(base | {"themes": [], "transformation": "", "transformations": {}, "roles": {},
                                "intensity": 0.0, "weight": "solo", "why": "source music: no score theme",
                                "locked": []})
            continue
        raw = max(0.05, min(1.0, 0.45 + 0.35 * a + 0.3 * t - 0.15 * (len(c.dialogue) > 0)))
        if (c.id, "intensity") in locks:
            inten = float(locks[(c.id, "intensity")])
        else:
            inten = raw if prev_int is None else 0.65 * raw + 0.35 * prev_int
        prev_int = inten
        transformations: dict[str, str] = {}
        whys = []
        for name in chosen[c.id]:
            s = by_name[name]
            apps = journeys[name]["cues"]
            pos = apps.index(c.id) / max(1, len(apps) - 1) if c.id in apps else 0.5
            k = seen.get(name, 0)
            role = roles[(c.id, name)]
            if role == "lead" and (c.id, "transformation") in locks:
                tr = str(locks[(c.id, "transformation")])
            else:
                tr = _transformation(c.function or "transition", v, a, t, s.mode, journeys[name]["journey"],
                                     pos, k, role, last_t.get(name), _pinned_for(locks, name, chosen))
            transformations[name] = tr
            last_t[name] = tr
            seen[name] = k + 1
            r = rel.get((c.id, name), (0.0, ""))[1] or "keeps the theme in the ear"
            whys.append(f"{name} ({role}: {r}) {DESCRIBE.get(tr.split('+')[0], tr)}")
        weight = locks.get((c.id, "weight")) or _weight(inten)
        lead = chosen[c.id][0] if chosen[c.id] else None
        rows.append(base | {
            "themes": chosen[c.id], "transformation": transformations.get(lead, "") if lead else "",
            "transformations": transformations, "roles": {n: roles[(c.id, n)] for n in chosen[c.id]},
            "intensity": round(inten, 3), "weight": weight, "why": "; ".join(whys),
            "locked": [f for f in FIELDS if (c.id, f) in locks]})
    plan = DevelopmentPlan(rows, journeys, locks)
    plan._inputs = (project, subjects)
    return plan


def _pinned_for(locks: dict[tuple[str, str], Any], name: str, chosen: dict[str, list[str]]) -> set[str]:
    """Transformations pinned on cues led by ``name`` (later appearances avoid them)."""
    return {str(v) for (cid, f), v in locks.items() if f == "transformation" and chosen.get(cid, [None])[:1] == [name]}


def _journey(apps: list[Any]) -> str:
    if len(apps) < 2 or not all(c.mood for c in apps):
        return "steady companion"
    first, last = apps[0].mood, apps[-1].mood
    mid_t = max(c.mood.tension for c in apps)
    dv = last.valence - first.valence
    if dv > 0.25:
        return "hesitant -> confident" if first.arousal < 0.2 else "sorrow -> consolation"
    if dv < -0.25:
        return "innocent -> corrupted"
    if mid_t > max(first.tension, last.tension) + 0.2:
        return "threatened -> restored"
    return "steady companion"


def _transformation(function: str, v: float, a: float, t: float, mode: str, journey: str, pos: float,
                    k: int, role: str, last: str | None, avoid: set[str]) -> str:
    options = list(BY_FUNCTION.get(function, ("statement", "fragment", "sequence")))
    if role == "echo":  # a reminder in a cue that is not its own: the head motif, quietly
        options = ["fragment", "fragment+register_down" if a < 0 else "fragment+register_up"]
    elif role != "lead":  # a counter-line: coloured by the cue, a different one each time
        pool = ["augmentation", "fragment+register_down" if a < 0 else "fragment+register_up",
                "sequence" if a > 0 else "sequence_down", "fragment", "lullaby" if v > 0 else "chorale"]
        options = pool[k % len(pool):] + pool[:k % len(pool)]
    elif journey == "hesitant -> confident" and pos < 0.34:
        options = ["fragment", "fragment+register_down"] + options
    elif journey == "hesitant -> confident" and pos > 0.66 and (
            function in ("triumph", "bookend", "theme_statement") or v > 0.3):
        options = ["triumphant", "statement"] + options
    elif journey == "innocent -> corrupted" and pos > 0.5:
        options = ["chromatic_inversion", "fragment+tense_pedal"] + options
    elif journey == "threatened -> restored" and pos > 0.8:
        options = ["chorale", "statement"] + options
    elif k == 0 and function in ("bookend", "establish_setting") and t > 0.35:
        options = ["fragment+tense_pedal"] + options  # a first statement, unfinished
    minor_like = mode in ("minor", "dorian", "phrygian", "aeolian", "harmonic_minor")
    colour = ""
    if not minor_like and v < -0.3:
        colour = "minor"
    elif minor_like and v > 0.45:
        colour = "major"
    for o in options:
        spec = f"{colour}+{o}" if colour and o not in ("minor", "major") and "inversion" not in o else o
        if spec != last and spec not in avoid:
            return spec
    return options[-1]


def _weight(intensity: float) -> str:
    return "solo" if intensity < 0.3 else "chamber" if intensity < 0.55 else "section" if intensity < 0.8 else "tutti"


def realise(plan: DevelopmentPlan, cue: str, themes: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    """Apply a cue's planned transformations to the subjects' theme scores: {subject: (Score, label)}.
    ``themes`` maps subject -> Score (or RankedTheme)."""
    from assistant.themes.ops import apply

    r = plan.row(cue)
    out = {}
    for name in r["themes"]:
        th = themes.get(name)
        if th is None:
            continue
        sc = getattr(th, "score", th)
        out[name] = apply(sc, r["transformations"][name])
    return out
