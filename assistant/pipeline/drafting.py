"""The per-cue stages: draft (+ orchestrate) and guard.

``draft`` turns each cue's inputs — its length, hits, function, mood, brief, dialogue
spans, tempo map and meters (from the sync stage), its row of the development plan and
the themes it states — into a multi-part score with the drafting engine
(:func:`assistant.compose.draft_cue_score`, which writes the form, harmony, melody and
texture and then orchestrates them for the palette, with the dialogue pass). The score
is placed over the cue's own conductor track and kept as a new revision of the cue::

    revisions/<cue>/<nnnn>/<cue>.mid    conductor track 0 + one track per instrument
    revisions/<cue>/<nnnn>/draft.json   the drafter's plan and figures (form, harmony,
                                        palette, dialogue pass, mickey-mousing index)
    revisions/<cue>/<nnnn>/revision.json

A revision is never overwritten: drafting a cue again adds the next one.

``guard`` checks every cue's latest revision against the temp tracks and the training
corpus (:func:`assistant.guard.report.project_report`) and saves the report.
"""

from __future__ import annotations

import logging
from typing import Any

from assistant.analysis.brief import MusicBrief, parse_brief
from assistant.errors import InputError
from assistant.music.score import Score
from assistant.paths import resolve_inside, safe_filename
from assistant.pipeline.cuemidi import write_cue_midi
from assistant.pipeline.stages import (
    _chosen,
    _progress,
    load_actions,
    load_briefs,
    load_plan,
    load_stage,
    load_sync,
    load_themes,
    save_revised_brief,
    save_stage,
    stage_path,
    stage_sync,
)
from assistant.project import Cue, FilmProject, ProjectStore, Revision, atomic_write_json

log = logging.getLogger(__name__)


def theme_scores(store: ProjectStore) -> dict[str, Score]:
    """The film's themes by subject name, read from the project's theme MIDI files."""
    out: dict[str, Score] = {}
    for t in load_themes(store)["themes"]:
        out[t["name"]] = Score.from_midi(resolve_inside(store.root, t["midi"], field="themes.midi",
                                                        source=store.root / "stages/themes.json"))
    return out


def stage_draft(store: ProjectStore, cues: list[str] | None = None, *, palette: str | None = None,
                seed: int = 0, progress: bool = False) -> dict[str, Revision]:
    """Draft and orchestrate every chosen cue (default: all) as a new revision each."""
    project = store.load()
    briefs = load_briefs(store)
    ctx = _Context(store, project)
    out: dict[str, Revision] = {}
    for cue in _progress(_chosen(project, cues), "draft", progress):
        out[cue.id] = draft_revision(ctx, cue, briefs.get(cue.id), palette=palette, seed=seed)
    return out


class _Context:
    """What every cue's draft reads from the film-wide stages (loaded once)."""

    def __init__(self, store: ProjectStore, project: FilmProject) -> None:
        self.store, self.project = store, project
        self.sync = load_sync(store)
        self.plan = load_plan(store)
        self.themes = theme_scores(store)
        self.actions = load_actions(store)
        self.voices = film_voices(store, project)


def film_voices(store: ProjectStore, project: FilmProject) -> dict[str, str]:
    """Each speaking character's voice (male, female, child), read from the project's
    screenplay with the briefs file's ``CAST:`` lines as overrides
    (:mod:`assistant.analysis.voices`). The guesses and their evidence are kept in
    ``stages/voices.json`` with the sizes and times of the files they were read from, and
    read back from there while those are unchanged. Characters left unknown are not in
    the map."""
    from assistant.analysis.voices import cast_from_file, infer_voices
    from assistant.pipeline.inputs import briefs_path, load_screenplay_of

    briefs = briefs_path(store)
    script = store.root / project.script_path if project.script_path else None
    source = {"script": _stamp(script), "briefs": _stamp(briefs), "version": VOICES_VERSION}
    cached = stage_path(store, "voices.json")
    if cached.is_file():
        try:
            old = load_stage(store, "voices.json", needs="draft")
            if isinstance(old, dict) and old.get("source") == source:
                return _voice_map(old.get("characters") or {})
        except InputError:
            log.info("stages/voices.json unreadable; the voices are read again")
    cast = cast_from_file(briefs)
    try:
        screenplay = load_screenplay_of(store, project)
    except InputError as exc:
        log.info("no screenplay to read voices from (%s); cast lines only", exc.message)
        return {k.upper(): v for k, v in cast.items() if v != "unknown"}
    guesses = {n: g.to_dict() for n, g in infer_voices(screenplay, cast).items()}
    save_stage(store, "voices.json", {"source": source, "characters": guesses})
    return _voice_map(guesses)


#: bump when the voice reading changes, so saved guesses are read again
VOICES_VERSION = 1


def _stamp(path: Any) -> list[int] | None:
    """Size and modification time (ns) of ``path``, or None when it is absent."""
    try:
        st = path.stat() if path is not None else None
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns] if st is not None else None


def _voice_map(guesses: dict[str, Any]) -> dict[str, str]:
    return {n: g["voice"] for n, g in guesses.items()
            if isinstance(g, dict) and g.get("voice") not in (None, "unknown")}


def draft_revision(ctx: Any, cue: Cue, brief: MusicBrief | None, *, palette: str | None,
                   seed: int, message: str = "") -> Revision:
    """Draft one cue and keep it as its next revision (``cue`` is updated in place)."""
    store = ctx.store
    sync = ctx.sync.get(cue.id)
    if sync is None:
        raise InputError(f"cue {cue.id} has no tempo map; run the sync stage first", field="cue")
    conductor = resolve_inside(store.root, sync["files"]["conductor_midi"],
                               field="sync.conductor_midi")
    row = ctx.plan.get(cue.id, {"cue": cue.id, "themes": []})
    res = _compose(ctx, cue, brief, row, palette, seed)
    info = {"palette": res.palette, "key": res.key, "form": res.form, "harmony": res.harmony,
            "plan": res.plan, "report": res.report,
            "roles": {p.instrument: p.role for p in res.score.parts if getattr(p, "role", "")}}
    rev, folder = store.new_revision(
        cue.id, brief=cue.brief, seed=seed,
        params={"palette": res.palette, "key": res.key, "themes": row.get("themes", []),
                "plan": row, "tempos_bpm": sync["tempos_bpm"], "meter": sync.get("meter")},
        message=message or f"draft: {cue.function or 'cue'}, {res.key}, palette {res.palette}")
    name = f"{safe_filename(cue.id)}.mid"
    write_cue_midi(conductor, res.score, folder / name)
    atomic_write_json(folder / "draft.json", info)
    rev.artefacts = [name, "draft.json"]
    store.save_revision(rev)
    if cue.status in ("spotted", "proposed"):
        cue.status = "drafted"
        with store.edit() as now:  # only this cue's status, on the project as it is now
            c = now.cue(cue.id)
            if c.status in ("spotted", "proposed"):
                c.status = "drafted"
    return rev


def _compose(ctx: Any, cue: Cue, brief: MusicBrief | None, row: dict[str, Any],
             palette: str | None, seed: int) -> Any:
    """Call the drafting engine (:func:`assistant.compose.draft_cue_score`) for one cue."""
    from assistant.compose import DraftRequest, draft_cue_score

    sync = ctx.sync[cue.id]
    solution = {"tempo_map": sync["tempo_map"], "meters": sync["meters"]}
    hits = [{"time_s": h["time_s"], "label": h.get("label", ""),
             "important": bool(h.get("important")), "landing": h.get("landing", "beat")}
            for h in sync["hits"]]
    actions = [a["time_s"] for a in ctx.actions.get(cue.id, [])]
    req = DraftRequest(
        cue=cue, solution=solution, fps=ctx.project.rate, brief=brief, mood=cue.mood,
        function=cue.function, hits=hits, action_times_s=actions, plan_row=row,
        voices=ctx.voices if getattr(ctx, "voices", None) is not None
        else film_voices(ctx.store, ctx.project),
        themes={k: v for k, v in ctx.themes.items() if k in row.get("themes", [])},
        palette=palette, seed=seed)
    return draft_cue_score(req)


def draft_cue(store: ProjectStore, cue_id: str, *, brief: str | None = None,
              palette: str | None = None, seed: int = 0) -> Revision:
    """Draft one cue as a new revision (the earlier ones stay). ``brief`` replaces the
    cue's brief, or revises it when it reads as a revision ("darker", "no drums")."""
    project = store.load()
    cue = project.cue(cue_id)
    briefs = load_briefs(store)
    b = briefs.get(cue.id)
    if brief is not None:
        b = parse_brief(f"{cue.id}: {brief}", previous=b)
        b.cue_id = cue.id
        briefs[cue.id] = b
        with store.edit() as project:
            cue = project.cue(cue_id)
            cue.brief = brief.strip()
            save_revised_brief(store, cue.id, b, cue.brief)
        stage_sync(store, [cue.id])  # the revised brief may move the tempo range
    ctx = _Context(store, project)
    return draft_revision(ctx, cue, b, palette=palette, seed=seed,
                          message=f"redraft{': ' + brief.strip() if brief else ''}")


def stage_guard(store: ProjectStore, cues: list[str] | None = None) -> dict[str, Any]:
    """Every chosen cue's latest revision against the temp tracks and the training corpus
    (:func:`assistant.guard.loop.check`); the other cues keep their earlier entries.

    The lines are split by tune role note by note (:mod:`assistant.guard.roles`, with the
    roles and form of the draft's ``draft.json``; inferred for revisions without one):
    tunes are compared as tunes, accompaniment figures (harmony, bass, ostinati) with the
    guard's stricter evidence test, and every match is weighed by its information, so
    scale runs and broken chords count for little.
    """
    from assistant.guard.index import default_index
    from assistant.guard.loop import check
    from assistant.guard.report import load_temp_melodies, revision_lines, temp_tracks
    from assistant.guard.similarity import verdict_for

    project = store.load()
    refs = load_temp_melodies(store.root)
    index = default_index()
    p = stage_path(store, "guard_report.json")
    old = {c["cue"]: c for c in (load_stage(store, "guard_report.json", needs="guard")["cues"]
                                 if p.is_file() else [])}
    chosen = {c.id for c in _chosen(project, cues)}
    rows = []
    for cue in project.cues:
        if cue.id not in chosen and cue.id in old:
            rows.append(old[cue.id])
            continue
        revs = store.revisions(cue.id)
        mids = [i for i, a in enumerate(revs[-1].artefacts) if a.lower().endswith(".mid")] \
            if revs else []
        if not mids:
            rows.append({"cue": cue.id, "revision": revs[-1].number if revs else None,
                         "status": "no draft yet", "verdict": None})
            continue
        path = store.artefact_path(revs[-1], mids[0])
        row = {"cue": cue.id, "revision": revs[-1].number,
               "midi": path.relative_to(store.root.resolve()).as_posix()}
        try:  # tunes and accompaniment figures, note by note (assistant.guard.roles)
            lines = revision_lines(store, revs[-1], mids[0])
        except InputError as exc:
            if "no melodic line" not in exc.message:
                raise
            lines = []
        for kind in ("tune", "figure"):
            row[f"{kind}_lines"] = sorted(f"{m.meta.get('part', m.name)} ({m.meta.get('role', '')})"
                                          for m in lines if m.meta.get("kind") == kind)
        if not lines:
            rows.append(row | {"status": "no melodic line to compare", "score": 0.0,
                               "verdict": "distinct", "temp": None, "corpus": None})
            continue
        c = check(lines, refs, index)
        rows.append(row | {"score": round(c.score, 4), "verdict": verdict_for(c.score),
                           "temp": c.temp.to_dict() if c.temp else None,
                           "corpus": c.corpus.to_dict() if c.corpus else None})
    report = {"project": project.title,
              "temp_tracks": [t.relative_to(store.root).as_posix() for t in temp_tracks(store.root)],
              "corpus_pieces": len(index), "cues": rows}
    save_stage(store, "guard_report.json", report)
    return report


#: a run of at least this many notes moving one way by steps (1-2 semitones) is a scale
#: (a riser, a run into a hit): the common stock of music, set aside before the check
SCALE_RUN_NOTES = 6


def without_scale_runs(line: Any, min_notes: int = SCALE_RUN_NOTES) -> Any:
    """``line`` (a guard :class:`~assistant.guard.melody.Melody`) without its scale runs."""
    import numpy as np

    from assistant.guard.melody import Melody

    steps = np.diff(line.pitches.astype(int))
    keep = np.ones(len(line.pitches), dtype=bool)
    i = 0
    while i < len(steps):
        j = i
        while j < len(steps) and 1 <= abs(steps[j]) <= 2 and np.sign(steps[j]) == np.sign(steps[i]):
            j += 1
        if j - i + 1 >= min_notes:  # steps i..j-1 join notes i..j
            keep[i:j + 1] = False
        i = max(j, i + 1)
    return Melody(line.pitches[keep], line.onsets_beats[keep], line.durs_beats[keep],
                  name=line.name, meta=dict(line.meta))
