"""Revision notes as deltas on the PREVIOUS revision ("darker, less busy, no piano").

A director's notes say how the new version should differ from the one just heard, so
they move what that revision was actually drafted with (its *resolved* parameters), not
the cue's defaults. Three steps, each a plain function:

1. :func:`resolved_of` reads what a revision was drafted with: tempo, key and mode,
   dynamics, density, register, the orchestral weight and intensity of its plan row,
   the accompaniment's octave, the figures, the instruments kept out and the parts that
   sounded. A revision made here saves them in ``params["resolved"]``; an older one has
   them rebuilt from its ``draft.json`` and plan row (the drafter's own defaults).
2. :func:`plan_revision` reads the notes with the brief parser
   (:func:`assistant.analysis.brief.apply_delta`: comparatives, negation, instruments)
   on a brief holding those values, and turns each comparative into steps on the
   drafter's knobs (:data:`EFFECTS`): "darker" is the parallel minor, a lower register
   and the accompaniment an octave down, without the bright colours; "less busy" is a
   lower density (one texture layer), figures on the beat, a lighter orchestral weight
   and a third fewer parts (the ones that played least); "no piano" is kept out from
   now on; "faster", "louder", "bigger", "more strings" move tempo, dynamics, weight
   and instruments from where the last revision was.
3. :func:`revise_cue` drafts the cue with them as a new revision, saving the brief,
   the resolved values and the list of changes beside it.

:func:`figures` measures a revision (notes, notes per bar, mean pitch, sounding parts,
velocity, mode), so that a change can be checked in the direction the notes asked.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from dataclasses import asdict, dataclass, field
from types import SimpleNamespace
from typing import Any

from assistant.analysis.brief import MusicBrief, apply_delta
from assistant.errors import InputError
from assistant.project import DYNAMICS, ProjectStore, Revision

log = logging.getLogger(__name__)

WEIGHTS = ("solo", "chamber", "section", "tutti")
#: bright colours a "darker" revision leaves out (and "brighter" brings back)
BRIGHT = ("piccolo", "glockenspiel", "celesta", "synth_lead")
#: a "less busy" / "fewer instruments" step keeps this share of the pitched parts ...
THIN_KEEP = 0.67
#: ... and never fewer than this many
MIN_PARTS = 3
#: how far one step of each knob moves (design defaults, like brief_delta's steps)
DENSITY_STEP = 0.25
INTENSITY_STEP = 0.15
SHIFT_LIMIT = 12  # the accompaniment moves by at most an octave either way
MAX_TEXT = 1500  # the law's text (previous briefs + notes) keeps its last this many chars

#: comparatives the brief parser knows, and what each moves here beyond the brief fields
#: it already moves itself (tempo, dynamics, density, register, mode, mood)
EFFECTS = {
    "dark": "mode (parallel minor), register, accompaniment octave, bright colours",
    "light": "register, density, orchestral weight",
    "dense": "density, figures, orchestral weight, number of parts",
    "big": "dynamics, density, orchestral weight, intensity, number of parts",
    "loud": "dynamics, intensity",
    "tempo": "tempo (from the last revision's own tempo)",
    "register": "register, accompaniment octave",
    "heavy": "density, register",
}

#: words the brief parser's vocabulary lacks, said the way it reads them
_SAYINGS = [
    (re.compile(r"\bbusier\b", re.I), "more busy"),
    (re.compile(r"\bsparser\b", re.I), "more sparse"),
    (re.compile(r"\bcalmer\b", re.I), "softer and slower"),
    (re.compile(r"\bfuller\b", re.I), "bigger"),
    (re.compile(r"\bsmaller\b", re.I), "less big"),
    (re.compile(r"\bemptier\b", re.I), "more sparse"),
]
_FEWER = re.compile(r"\b(fewer|less|smaller)\s+(instruments|players|parts|voices|band|forces)\b|"
                    r"\bthin(?:ner)?\s+(?:out\s+)?the\s+(orchestra|orchestration|band)\b", re.I)
_MORE_PARTS = re.compile(r"\bmore\s+(instruments|players|parts|voices)\b", re.I)
#: "more strings" when the strings already play: more of them (a heavier weight)
_MORE_OF = re.compile(r"\bmore\s+(?:of\s+the\s+)?([a-z]+(?:\s+[a-z]+)?)", re.I)


# ----------------------------------------------------------------------------- resolved
@dataclass
class Resolved:
    """What a revision was drafted with, in the drafter's own terms."""

    tempo_bpm: tuple[float, float]
    key: str  # "C# minor"
    dynamics: tuple[str, str]
    density: float = 0.5
    register: str = "mid"
    weight: str = "section"
    intensity: float = 0.5
    accompaniment_shift: int = 0
    simpler_figures: bool = False
    mode: str | None = None  # the law's mode ("major", "minor", "modal"); None: the mood's
    exclude: list[str] = field(default_factory=list)
    thinned: list[str] = field(default_factory=list)  # left out by earlier notes, not by name
    parts: list[str] = field(default_factory=list)  # the instruments that sounded
    roles: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tempo_bpm"], d["dynamics"] = list(self.tempo_bpm), list(self.dynamics)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Resolved:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        known["tempo_bpm"] = tuple(float(x) for x in d["tempo_bpm"])
        known["dynamics"] = tuple(d["dynamics"])
        return cls(**known)


def _draft_info(store: ProjectStore, rev: Revision) -> dict[str, Any]:
    if "draft.json" not in rev.artefacts:
        return {}
    p = store.artefact_path(rev, rev.artefacts.index("draft.json"))
    return json.loads(p.read_text("utf-8")) if p.is_file() else {}


def _mood_dynamics(category: str) -> tuple[str, str]:
    """The drafter's level range for a mood without a brief's dynamics (as
    :func:`assistant.compose.draft._level_range` widens it)."""
    from assistant.compose.form import PROFILES

    lo, hi = PROFILES.get(category, PROFILES["tenderness"]).dynamics
    a, b = min(DYNAMICS.index(lo), 1), max(DYNAMICS.index(hi), 3)
    return DYNAMICS[a], DYNAMICS[b]


#: how bright each mode sounds (Persichetti's order, brightest first); "darker" moves a
#: brighter mode to minor and leaves a darker one (phrygian) as it is
BRIGHTNESS = {"lydian": 3, "major": 2, "ionian": 2, "mixolydian": 1, "dorian": 0,
              "minor": -1, "aeolian": -1, "phrygian": -2, "locrian": -3}


def _brightness(key: str) -> int:
    return BRIGHTNESS.get(key.split()[-1].lower() if key.strip() else "", 0)


def resolved_of(store: ProjectStore, rev: Revision, brief: MusicBrief | None = None) -> Resolved:
    """The parameters ``rev`` was drafted with (saved by :func:`revise_cue`, else rebuilt
    from its ``draft.json``, its plan row and ``brief``, the brief it was drafted for)."""
    info = _draft_info(store, rev)
    report = info.get("report") or {}
    roles = dict(info.get("roles") or {})
    parts = list(report.get("parts") or roles)
    saved = rev.params.get("resolved")
    if saved:
        r = Resolved.from_dict(saved)
        r.parts, r.roles = parts or r.parts, roles or r.roles
        return r
    law = report.get("law") or {}
    row = rev.params.get("plan") or {}
    tempos = [float(t) for t in rev.params.get("tempos_bpm") or []] or [90.0]
    tempo = tuple(law["tempo_bpm"]) if law.get("tempo_bpm") else (min(tempos), max(tempos))
    dyn = tuple(law["dynamics"]) if law.get("dynamics") else _mood_dynamics(
        str(report.get("category") or "tenderness"))
    return Resolved(
        tempo_bpm=(float(tempo[0]), float(tempo[1])),
        key=str(rev.params.get("key") or report.get("key") or ""),
        dynamics=(str(dyn[0]), str(dyn[1])),
        density=float(brief.density) if brief is not None and brief.density is not None else 0.5,
        register=str(brief.register) if brief is not None and brief.register in (
            "low", "mid", "high") else "mid",
        weight=row.get("weight") if row.get("weight") in WEIGHTS else "section",
        intensity=float(row["intensity"]) if isinstance(row.get("intensity"), (int, float))
        else 0.5,
        accompaniment_shift=int(row.get("accompaniment_shift") or 0),
        simpler_figures=bool(row.get("simpler_figures")),
        mode=law.get("mode"),
        # the brief's own exclusions (the law's list also holds what a named band left out)
        exclude=list(brief.exclude_instruments) if brief is not None else list(
            law.get("exclude") or []),
        parts=parts, roles=roles)


# ----------------------------------------------------------------------------- the plan
@dataclass
class RevisionPlan:
    """The notes read against the previous revision: the brief the drafter gets, the new
    resolved values, the plan-row knobs and one line per change (for the history)."""

    brief: MusicBrief
    resolved: Resolved
    row: dict[str, Any]
    changes: list[dict[str, Any]]
    tempo_changed: bool = False

    def summary(self) -> str:
        out = []
        for c in self.changes:
            if c["what"] in ("exclude", "thinned", "include"):
                verb = {"exclude": "out", "thinned": "thinned out", "include": "in"}[c["what"]]
                out.append(f"{verb}: {_fmt(c['to'])}" + (f", back: {_fmt(c['from'])}"
                                                         if c["from"] else ""))
            else:
                out.append(f"{c['what']} {_fmt(c['from'])} → {_fmt(c['to'])}")
        return "; ".join(out)


def _fmt(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        sep = "-" if len(v) == 2 and not isinstance(v[0], str) or v in DYN_PAIRS else ", "
        return sep.join(_fmt(x) for x in v) or "none"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


DYN_PAIRS = [[a, b] for a in DYNAMICS for b in DYNAMICS]


def normalise_notes(notes: str) -> str:
    """The notes with the comparatives the brief parser does not know said its way."""
    text = notes.strip()
    for rx, rep in _SAYINGS:
        text = rx.sub(rep, text)
    return text


def _step(seq: tuple[str, ...], cur: str, by: int) -> str:
    i = seq.index(cur) if cur in seq else 2
    return seq[max(0, min(len(seq) - 1, i + by))]


def _thin(prev: Resolved, keep_out: set[str], share: float = THIN_KEEP,
          darker: bool = False) -> list[str]:
    """The parts a "less busy" step leaves out: the accompaniment and doublings before the
    tune, the bass and the counter-line, the highest first when the notes also ask for
    darker (else in reverse score order); never the lead."""
    from assistant.analysis.instruments import INSTRUMENTS

    pitched = [p for p in prev.parts if p not in keep_out]
    kept_anyway = len(prev.parts) - len(pitched)  # the lead, parts already out
    n_keep = max(MIN_PARTS, round(len(prev.parts) * share)) - kept_anyway
    n_keep = max(n_keep, 0 if kept_anyway else 1)
    if len(pitched) <= n_keep:
        return []
    rank = {"melody": 0, "bass": 1, "counter_melody": 2}

    def height(i: str) -> float:
        ins = INSTRUMENTS.get(i)
        return sum(ins.comfortable) / 2 if ins is not None and not ins.is_drum else 0.0

    order = sorted(pitched, key=lambda i: (rank.get(prev.roles.get(i, ""), 3),
                                           height(i) if darker else 0.0, pitched.index(i)))
    return order[n_keep:]


def _more_of_playing(words: str, prev: Resolved) -> bool:
    """"more strings" / "more horn" names instruments that already sound."""
    from assistant.analysis.instruments import resolve

    for k in (2, 1):
        ids = resolve(" ".join(words.lower().split()[:k]))
        if ids:
            return any(i in prev.parts for i in ids)
    return False


def plan_revision(prev: Resolved, notes: str, prev_brief: MusicBrief | None = None,
                  lead: str | None = None) -> RevisionPlan:
    """Read ``notes`` as changes to the revision resolved as ``prev`` (see the module
    docstring). ``prev_brief`` is the brief that revision was drafted for (its text keeps
    the law: a solo lead, "no melody"); ``lead`` its lead instrument, never thinned out."""
    text = normalise_notes(notes)
    base = copy.deepcopy(prev_brief) if prev_brief is not None else MusicBrief(text="")
    base.tempo_bpm = prev.tempo_bpm
    base.dynamics = prev.dynamics
    base.density = prev.density
    base.register = prev.register  # type: ignore[assignment]
    base.mode = prev.mode  # type: ignore[assignment]
    base.exclude_instruments = list(dict.fromkeys(base.exclude_instruments + prev.exclude))
    b = apply_delta(base, text)  # an InputError names nonsense
    comps: dict[str, float] = {}
    for e in b.evidence:
        if e.get("field") == "delta" and not str(e.get("words", "")).startswith("(previous)"):
            eff, _, amt = str(e["value"]).rpartition(" ")
            comps[eff] = comps.get(eff, 0.0) + float(amt)
    new = copy.deepcopy(prev)
    changes: list[dict[str, Any]] = []

    def change(what: str, old: Any, to: Any, because: str) -> None:
        if isinstance(old, list) and isinstance(to, list) and what in ("exclude", "thinned",
                                                                       "include"):
            if set(old) != set(to):  # instrument sets: say what went and what came back
                changes.append({"what": what, "from": sorted(set(old) - set(to)),
                                "to": sorted(set(to) - set(old)), "because": because})
        elif old != to:
            changes.append({"what": what, "from": old, "to": to, "because": because})

    def words_for(eff: str) -> str:
        return next((str(e["words"]) for e in b.evidence if e.get("field") == "delta"
                     and str(e.get("value", "")).startswith(eff + " ")
                     and not str(e.get("words", "")).startswith("(previous)")), eff)

    # --- what the brief parser moved: keep it, and say so -------------------------------
    if b.tempo_bpm and tuple(b.tempo_bpm) != prev.tempo_bpm:
        new.tempo_bpm = (float(b.tempo_bpm[0]), float(b.tempo_bpm[1]))
        change("tempo_bpm", list(prev.tempo_bpm), list(new.tempo_bpm), words_for("tempo"))
    if b.dynamics and tuple(b.dynamics) != prev.dynamics:
        new.dynamics = (b.dynamics[0], b.dynamics[1])
        change("dynamics", list(prev.dynamics), list(new.dynamics), words_for("loud"))
    if b.register in ("low", "mid", "high") and b.register != prev.register:
        new.register = str(b.register)
        change("register", prev.register, new.register,
               words_for("dark") if comps.get("dark") else words_for("register"))
    if b.density is not None and round(b.density, 3) != round(prev.density, 3):
        new.density = round(float(b.density), 3)
    # --- darker / brighter: the parallel mode on the same tonic, the accompaniment an
    # octave away, the bright colours out (or back) ----------------------------------------
    dark = comps.get("dark", 0.0) - comps.get("light", 0.0) * 0.5
    tonic = prev.key.split()[0] if prev.key.strip() else None
    if dark > 0:
        if _brightness(prev.key) > BRIGHTNESS["minor"]:
            new.mode = "minor"
        new.accompaniment_shift = max(-SHIFT_LIMIT, prev.accompaniment_shift - 12)
        new.thinned = list(dict.fromkeys(prev.thinned + [i for i in BRIGHT if i in prev.parts]))
    elif dark < 0:
        if _brightness(prev.key) < BRIGHTNESS["major"]:
            new.mode = "major"
        new.accompaniment_shift = min(SHIFT_LIMIT, prev.accompaniment_shift + 12)
        new.thinned = [i for i in prev.thinned if i not in BRIGHT]
    if b.mode is not None and "mode" in (b.explicit or []) and b.mode != prev.mode \
            and not dark:
        new.mode = b.mode
    reg = comps.get("register", 0.0)
    if reg and not dark:
        new.accompaniment_shift = max(-SHIFT_LIMIT, min(SHIFT_LIMIT, prev.accompaniment_shift
                                                        + (12 if reg > 0 else -12)))
    if new.mode != prev.mode and new.mode is not None:
        change("mode", prev.key.split()[-1] if prev.mode is None and prev.key.strip()
               else prev.mode, new.mode,
               words_for("dark"))
    change("accompaniment_shift", prev.accompaniment_shift, new.accompaniment_shift,
           words_for("dark") if dark else words_for("register"))
    # --- busy / bigger: density, figures, orchestral weight, parts ------------------------
    busy = comps.get("dense", 0.0) + comps.get("big", 0.0) - 0.5 * comps.get("light", 0.0)
    fewer = bool(_FEWER.search(text)) or comps.get("big", 0.0) < 0
    more = bool(_MORE_PARTS.search(text)) or comps.get("big", 0.0) > 0 or \
        any(_more_of_playing(m, prev) for m in _MORE_OF.findall(text))
    keep_out = {lead} if lead else set()
    if busy < 0 or fewer:
        if comps.get("dense", 0.0) < 0:
            new.density = round(max(0.05, min(new.density, prev.density - DENSITY_STEP)), 3)
        if busy < 0:
            new.simpler_figures = True
        new.weight = _step(WEIGHTS, prev.weight, -1)
        thin = _thin(prev, keep_out | set(prev.thinned) | set(prev.exclude), darker=dark > 0)
        new.thinned = list(dict.fromkeys(new.thinned + thin))
    elif busy > 0 or more:
        if busy > 0:  # busier figures; "more strings" only brings more players
            new.simpler_figures = False
        new.weight = _step(WEIGHTS, prev.weight, 1)
        new.thinned = [i for i in new.thinned if i in BRIGHT and dark > 0]
    change("density", prev.density, new.density, words_for("dense"))
    change("simpler_figures", prev.simpler_figures, new.simpler_figures, words_for("dense"))
    change("weight", prev.weight, new.weight, words_for("dense") if busy else words_for("big"))
    # --- intensity: bigger and louder lift the plan's level, smaller and softer lower it
    lift = comps.get("big", 0.0) + 0.5 * comps.get("loud", 0.0)
    if lift:
        new.intensity = round(max(0.05, min(1.0, prev.intensity + INTENSITY_STEP * lift)), 3)
        change("intensity", prev.intensity, new.intensity, words_for("big"))
    # --- instruments: the notes' exclusions are kept from now on; "more strings" brings
    # back a thinned part of the family named
    named_back = [i for i in b.include_instruments if i in new.thinned
                  and i not in base.include_instruments]
    if named_back:
        new.thinned = [i for i in new.thinned if i not in named_back]
    new.exclude = [i for i in b.exclude_instruments if i not in new.thinned]
    change("exclude", prev.exclude, new.exclude, "notes")
    change("thinned", prev.thinned, new.thinned, "fewer parts" if fewer or busy < 0 else "notes")
    # --- the brief the drafter reads ------------------------------------------------------
    b.density = new.density
    b.register = new.register  # type: ignore[assignment]
    b.mode = new.mode  # type: ignore[assignment]
    if new.mode != prev.mode and tonic and not b.key:
        b.key = tonic  # the parallel mode: same tonic, so the change is the mode's
    b.exclude_instruments = list(dict.fromkeys(new.exclude + new.thinned))
    b.include_instruments = [i for i in b.include_instruments if i not in b.exclude_instruments]
    added = [i for i in b.include_instruments if i not in base.include_instruments
             and i not in prev.thinned]  # a thinned part coming back is said once, above
    if added:
        change("include", [], added, "notes")
    law_text = f"{prev_brief.text.rstrip('. ')}. {text}" if prev_brief is not None and \
        prev_brief.text.strip() else text
    b.text = law_text[-MAX_TEXT:]
    row = {"weight": new.weight, "intensity": new.intensity,
           "accompaniment_shift": new.accompaniment_shift,
           "simpler_figures": new.simpler_figures}
    return RevisionPlan(b, new, row, changes, tempo_changed=new.tempo_bpm != prev.tempo_bpm)


# ----------------------------------------------------------------------------- drafting
def previous_brief(store: ProjectStore, rev: Revision) -> MusicBrief | None:
    """The brief ``rev`` was drafted for: saved beside it by :func:`revise_cue`, else the
    cue's brief stage when it still holds that text."""
    from assistant.analysis.brief import parse_brief
    from assistant.pipeline.stages import load_stage

    saved = rev.params.get("brief")
    if isinstance(saved, dict):
        return MusicBrief.from_dict(saved)
    try:
        entry = load_stage(store, "briefs.json", needs="brief").get(rev.cue_id)
    except InputError:
        entry = None
    if entry is not None:
        text = entry.get("cue_brief") if entry.get("revised") else \
            re.sub(r"^\s*\S+:\s*", "", str(entry.get("text") or ""), count=1)
        if (text or "").strip() == (rev.brief or "").strip():
            return MusicBrief.from_dict({k: v for k, v in entry.items()
                                         if k not in ("cue_brief", "revised")})
    if (rev.brief or "").strip():  # the stage moved on since: read the text again
        return parse_brief(f"{rev.cue_id}: {rev.brief}")
    return None


def revise_cue(store: ProjectStore, cue_id: str, notes: str, *, palette: str | None = None,
               seed: int = 0) -> Revision:
    """A new revision of ``cue_id``: its latest revision changed as ``notes`` say."""
    from assistant.pipeline.drafting import draft_revision, theme_scores
    from assistant.pipeline.stages import (
        load_actions,
        load_plan,
        load_sync,
        save_revised_brief,
        stage_sync,
    )

    if not (notes or "").strip():
        raise InputError("write the revision notes, e.g. 'darker, less busy, no piano'",
                         field="notes")
    cue = store.load().cue(cue_id)
    revs = store.revisions(cue.id)
    if not revs:
        raise InputError(f"{cue.id} has no revision to revise yet: draft it first",
                         field="revision")
    prev_rev = revs[-1]
    pb = previous_brief(store, prev_rev)
    prev = resolved_of(store, prev_rev, pb)
    lead = (_draft_info(store, prev_rev).get("plan") or {}).get("lead")
    plan = plan_revision(prev, notes, pb, lead)
    plan.brief.cue_id = cue.id
    with store.edit() as project:
        project.cue(cue.id).brief = notes.strip()
        save_revised_brief(store, cue.id, plan.brief, notes.strip())
    if plan.tempo_changed:
        stage_sync(store, [cue.id])  # the new tempo range needs its own tempo map
    project = store.load()
    rows = load_plan(store)
    row = dict(rows.get(cue.id, {"cue": cue.id, "themes": []})) | plan.row
    ctx = SimpleNamespace(store=store, project=project, sync=load_sync(store),
                          plan=rows | {cue.id: row}, themes=theme_scores(store),
                          actions=load_actions(store))
    pal = palette or prev_rev.params.get("palette")
    rev = draft_revision(ctx, project.cue(cue.id), plan.brief, palette=pal, seed=seed,
                         message=f"revise: {notes.strip()}" + (f" ({plan.summary()})"
                                                              if plan.changes else ""))
    info = _draft_info(store, rev)
    plan.resolved.parts = list((info.get("report") or {}).get("parts") or [])
    plan.resolved.roles = dict(info.get("roles") or {})
    plan.resolved.key = str(rev.params.get("key") or plan.resolved.key)
    rev.parent = prev_rev.number
    rev.params |= {"resolved": plan.resolved.to_dict(), "brief": plan.brief.to_dict(),
                   "notes": notes.strip(), "changes": plan.changes}
    store.save_revision(rev)
    return rev


# ----------------------------------------------------------------------------- measuring
def figures(score: Any) -> dict[str, Any]:
    """What a listener hears change between revisions, measured on the score: notes
    (pitched), notes per bar, mean pitch, sounding parts, mean velocity and the mode."""
    notes = [n for p in score.parts if not p.is_drum for n in p.notes]
    bars = max(1, len(score.bar_starts()))
    key = str(score.key or "")
    return {
        "notes": len(notes),
        "bars": bars,
        "notes_per_bar": round(len(notes) / bars, 2),
        "mean_pitch": round(sum(n.pitch for n in notes) / len(notes), 2) if notes else None,
        "parts": sum(1 for p in score.parts if p.notes),
        "instruments": sorted({p.instrument for p in score.parts if p.notes}),
        "mean_velocity": round(sum(n.velocity for n in notes) / len(notes), 1) if notes else None,
        "key": key,
        "mode": key.split()[-1] if key else None,
    }


def revision_figures(store: ProjectStore, cue_id: str, number: int | None) -> dict[str, Any]:
    """:func:`figures` of one revision of a cue (its cue MIDI file)."""
    from assistant.music.score import Score

    rev = next((r for r in store.revisions(cue_id) if r.number == number), None)
    if rev is None:
        raise InputError(f"{cue_id} has no revision {number}", field="revision")
    mid = next((i for i, a in enumerate(rev.artefacts) if a.lower().endswith((".mid", ".midi"))),
               None)
    if mid is None:
        raise InputError(f"revision {number} of {cue_id} has no MIDI", field="artefacts")
    return figures(Score.from_midi(store.artefact_path(rev, mid)))


__all__ = ["EFFECTS", "Resolved", "RevisionPlan", "figures", "normalise_notes",
           "plan_revision", "previous_brief", "resolved_of", "revise_cue", "revision_figures"]
