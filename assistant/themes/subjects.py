"""Themes for a film: which subjects get one, writing them, and stating them in each cue.

This is the glue between the script analysis, the music model and the temp-love guard:

* :func:`choose_subjects` picks the subjects that deserve a theme: every main character and
  every object, place or idea a music note or cue marks as thematic;
* :func:`assign_themes` says which theme each cue states (the subject is named in the
  cue's notes or title, or appears in the cue's scenes);
* :func:`controls_for` turns a cue's mood and brief into the music model's controls;
* :func:`write_theme` and :func:`develop` generate a theme and a per-cue variation of it,
  each through :func:`assistant.guard.loop.guarded`, so every candidate is checked against
  the temp tracks and the training corpus and rejected candidates are recorded.

The variation's strength follows the film's arc: the first statements stay close to the
theme, later ones transform it more (see :func:`variation_strength`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from assistant.analysis.brief import MusicBrief, brief_from_mood
from assistant.analysis.instruments import INSTRUMENTS, gm_program
from assistant.music.score import Part, Score
from assistant.project import Cue, Mood

log = logging.getLogger(__name__)

THEME_BARS = 8


@dataclass
class ThemeSubject:
    """A subject that gets a theme: its name, why, and the cues that state it."""

    name: str
    kind: str
    why: str
    meter: tuple[int, int]
    words: tuple[str, ...]
    scenes: tuple[int, ...]
    cues: list[str]

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-") or "theme"


_MUSIC_WORDS = r"(?:theme|tune|motif|leitmotif|melody|song)"
_MUSICAL_NAMES = {"waltz", "march", "lullaby", "hymn", "song", "tune", "melody"}
_CUE_ID = re.compile(r"\b(\d+M\d+[A-Za-z]?)\b")


def marked_thematic(c: Any) -> bool:
    """A note or cue names the candidate as a theme or tune: its name (or a form, or the last
    word of a longer name) within two words before "theme"/"tune"/"motif"/... ("the lighthouse
    theme", "the box's tune", "the tower gets the theme") or after "theme of/for"; or the
    candidate is itself a piece of music (a waltz)."""
    if c.name.lower() in _MUSICAL_NAMES:
        return True
    names = {c.name.lower(), c.name.lower().split()[-1],
             *(f.lower() for f in (getattr(c, "forms", None) or []))}
    for e in getattr(c, "evidence", None) or []:
        text = str(e).lower()
        for w in names:
            w = re.escape(w)
            if re.search(rf"\b{w}(?:['\u2019]s)?\b(?:\W+\w+){{0,2}}?\W+{_MUSIC_WORDS}\b", text) or \
                    re.search(rf"\b{_MUSIC_WORDS}\s+(?:of|for)\s+(?:the\s+)?{w}\b", text):
                return True
    return False


def _evidence_cues(c: Any) -> set[str]:
    return {m for e in (getattr(c, "evidence", None) or []) for m in _CUE_ID.findall(str(e))}


def choose_subjects(candidates: list[Any], k: int | None = None,
                    main_characters: list[str] | None = None) -> list[ThemeSubject]:
    """Every subject that deserves a theme: each main character, then every object, place or
    idea that a note or cue marks as thematic (:func:`marked_thematic`), strongest first.

    ``main_characters`` (names) defaults to the character candidates whose evidence says
    "main character". A marked candidate only ever named where a stronger marked one is named
    (its cues a subset of the other's: "the tower gets the theme" where "the lighthouse theme"
    is asked for) is the same theme and joins it as another word for it. ``k`` caps the list
    (None: no cap). A subject called a waltz is in 3/4.
    """
    mains = {m.lower() for m in main_characters} if main_characters is not None else None
    chars = [c for c in candidates if c.kind == "character" and (
        c.name.lower() in mains if mains is not None else str(getattr(c, "why", "")).startswith("main character"))]
    # the broadest-named first, so a narrower alias finds its host whatever the scores say
    marked = sorted((c for c in candidates if c.kind != "character" and marked_thematic(c)),
                    key=lambda c: (-len(_evidence_cues(c)), -c.score))
    aliases: dict[str, list[Any]] = {}
    kept: list[Any] = []
    for c in marked:
        cues = _evidence_cues(c)
        host = next((h for h in kept if cues and cues <= _evidence_cues(h)), None)
        if host is not None:
            aliases.setdefault(host.name, []).append(c)
        else:
            kept.append(c)
    chosen = chars + sorted(kept, key=lambda c: -c.score)
    if k is not None:
        chosen = chosen[:k]
    out = []
    for c in chosen:
        extra = aliases.get(c.name, [])
        forms = [f.lower() for x in [c, *extra] for f in (getattr(x, "forms", None) or [])]
        words = tuple(dict.fromkeys([c.name.lower(), *(x.name.lower() for x in extra), *forms]))
        why = getattr(c, "why", "") + (f" (also: {', '.join(x.name for x in extra)})" if extra else "")
        meter = (3, 4) if any("waltz" in w for w in words + (why.lower(),)) else (4, 4)
        scenes = tuple(sorted({s for x in [c, *extra] for s in x.scenes}))
        out.append(ThemeSubject(c.name, c.kind, why, meter, words, scenes, []))
    return out


def assign_themes(subjects: list[ThemeSubject], cues: list[Cue],
                  cue_scenes: dict[str, list[int]]) -> dict[str, ThemeSubject]:
    """Which theme each scored cue states: a subject named in the cue's notes or title wins;
    otherwise the subject sharing most scenes with the cue; otherwise the first subject.
    Source cues (music in the scene) state no theme. Each subject's ``cues`` list is filled
    in film order as a side effect (the first one is where the theme is written)."""
    out: dict[str, ThemeSubject] = {}
    if not subjects:
        return out
    for cue in cues:
        if cue.source or cue.function == "source":
            continue
        text = f"{cue.title} {cue.notes}".lower()
        named = [s for s in subjects if any(re.search(rf"\b{re.escape(w)}", text) for w in s.words)]
        if named:
            pick = named[0]
        else:
            scenes = set(cue_scenes.get(cue.id, []))
            pick = max(subjects, key=lambda s: (len(scenes & set(s.scenes)), -subjects.index(s)))
        out[cue.id] = pick
        pick.cues.append(cue.id)
    return out


def lead_instrument(brief: MusicBrief | None, mood: Mood | None) -> str:
    """The instrument that carries the tune: the brief's first pitched inclusion, else the
    mood's default colour, else violin; never an excluded one."""
    excluded = set(brief.exclude_instruments) if brief else set()
    pool: list[str] = []
    if brief:
        include = brief.include_instruments
        if len(include) > 4:  # a family or "full orchestra": its mood colours lead
            include = [i for i in brief.suggested_instruments if i in include] + include
        pool += include + brief.suggested_instruments
    if mood is not None:
        pool += brief_from_mood(mood.valence, mood.arousal, mood.tension,
                                mood.tags).suggested_instruments
    pool += ["violin", "flute", "clarinet", "cello", "piano"]
    for iid in pool:
        ins = INSTRUMENTS.get(iid)
        if ins is None or iid in excluded or ins.is_drum or iid in ("timpani", "percussion", "choir"):
            continue
        return iid
    return "piano"


def controls_for(mood: Mood | None, brief: MusicBrief | None, meter: tuple[int, int],
                 instrument: str, seed: int) -> Any:
    """The music model's controls for a cue: mode, register, density, meter, program, range."""
    from assistant.music.sample import Controls
    from assistant.music.tokens import PITCH_HI, PITCH_LO

    mode = brief.mode if brief is not None and brief.mode in ("major", "minor") else None
    if mode is None and mood is not None:
        mode = "minor" if mood.valence < -0.1 else ("major" if mood.valence > 0.1 else None)
    register = brief.register if brief is not None and brief.register in ("low", "mid", "high") \
        else None
    density = None
    if brief is not None and brief.density is not None:
        density = "low" if brief.density < 0.35 else ("mid" if brief.density < 0.65 else "high")
    elif mood is not None:
        density = "low" if mood.arousal < -0.2 else ("high" if mood.arousal > 0.4 else "mid")
    ins = INSTRUMENTS[instrument]
    lo, hi = ins.comfortable
    pitch_range = (max(lo, PITCH_LO), min(hi, PITCH_HI))  # the comfortable range the model can write
    return Controls(mode=mode, meter=meter, density=density, register=register,
                    ensemble="solo", program=gm_program(instrument), scale=mode is not None,
                    pitch_range=pitch_range, temperature=0.95, top_p=0.92, seed=seed)


def variation_strength(position: float, function: str | None) -> float:
    """How much of the theme a cue rewrites: 0.25 early in the film rising to 0.6 late;
    statements and bookends stay close to the theme, action and tension transform it."""
    base = 0.25 + 0.35 * max(0.0, min(1.0, position))
    if function in ("theme_statement", "bookend", "triumph", "romance"):
        base -= 0.1
    elif function in ("action", "build_tension", "sting"):
        base += 0.1
    return round(max(0.1, min(0.8, base)), 2)


def write_theme(subject: ThemeSubject, controls: Any, references: list[Any], index: Any,
                bars: int = THEME_BARS, n_candidates: int = 4, max_retries: int = 3
                ) -> tuple[Score, Any]:
    """Generate a guarded theme of ``bars`` bars. Returns (theme, GuardResult)."""
    from assistant.guard.loop import guarded
    from assistant.music.sample import generate

    def candidates(attempt: int) -> list[Score]:
        c = replace(controls, seed=(controls.seed or 0) + 101 * attempt)
        return generate(c, bars=bars, meter=subject.meter, n_candidates=n_candidates)

    res = guarded(candidates, references, index, max_retries=max_retries)
    theme = _named(res.accepted, subject.name)
    return theme, res


def develop(theme: Score, controls: Any, strength: float, references: list[Any], index: Any,
            name: str, max_retries: int = 3) -> tuple[Score, Any]:
    """A guarded variation of ``theme`` for one cue. Returns (variation, GuardResult)."""
    from assistant.guard.loop import guarded
    from assistant.music.sample import vary

    def candidates(attempt: int) -> Score:
        c = replace(controls, seed=(controls.seed or 0) + 37 * attempt)
        return vary(theme, c, strength=strength)

    res = guarded(candidates, references, index, max_retries=max_retries)
    return _named(res.accepted, name), res


def place_on_conductor(conductor: Score, sketch: Score, length_beats: float) -> Score:
    """The sketch's parts over the cue's own tempo map, meters and hit markers, cut at the
    cue's end (so the file plays in sync with picture from tick 0)."""
    parts = []
    for p in sketch.parts:
        notes = [n for n in p.notes if n.start_beats < length_beats]
        notes = [n if n.end_beats <= length_beats else replace(n, dur_beats=length_beats - n.start_beats)
                 for n in notes]
        parts.append(replace(p, notes=notes))
    return replace(conductor, parts=parts)


def _named(score: Score, name: str) -> Score:
    parts = [replace(p, name=name if len(score.parts) == 1 else f"{name} {i + 1}")
             for i, p in enumerate(score.parts)]
    return replace(score, parts=parts)


def part_for(score: Score, instrument: str) -> Score:
    """Label every part with the instrument id (the score model's vocabulary)."""
    prog = gm_program(instrument)
    return replace(score, parts=[Part(p.name, instrument, prog, False, p.notes) for p in score.parts])
