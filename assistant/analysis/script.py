"""Script-level analysis: read a screenplay the way a music supervisor does before spotting.

:func:`analyze_script` returns a :class:`ScriptAnalysis` with

- **main characters**, ranked by dialogue share and scene presence (age variants such as
  "YOUNG EDWARD" fold into "EDWARD");
- **leitmotif candidates**: characters, places (scene-heading locations), recurring objects
  (noun phrases after a determiner, capitalised props and names) and ideas (abstract nouns
  such as *story*, *home*, *death*), each scored by recurrence and spread across the film,
  with the scenes as evidence; plurals fold into one entry and character names are skipped;
- **the emotional curve**: valence / arousal / tension per scene, from the classifier's mood
  model on the scene text (one batched call for every scene and cue), lightly smoothed;
- **cues**: the spotting list's cues with function probabilities, mood and the dialogue spans
  inside each (an explicit FUNCTION in the list wins), or, without a list, **spot proposals**
  from the script alone: cue in/out at scene boundaries, split at emotional turns, each with
  a function, mood and reason, plus **silences** where music would otherwise be wall-to-wall
  (at most ``MAX_SCORED_FRACTION`` of the runtime is scored; dialogue-heavy calm scenes stay
  dry).

>>> from assistant.importers import load_screenplay   # doctest: +SKIP
>>> a = analyze_script(load_screenplay("Big-Fish.fountain"))   # doctest: +SKIP
>>> a.main_characters[:2]   # doctest: +SKIP
['EDWARD', 'WILL']

This module is the entry point (:func:`analyze_script`, :func:`analyze_files`,
:func:`report_text`); the work lives beside it, and its names are re-exported here:
:mod:`.script_model` (the result records and their JSON), :mod:`.script_reading` (the
classifier adapter, scene texts and the emotional curve), :mod:`.script_characters`,
:mod:`.script_words` (word lists and token helpers), :mod:`.script_motifs` (leitmotif
candidates) and :mod:`.script_cues` (given cues and spot proposals).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

# The analysis lives in the script_* modules; every name callers know is re-exported here,
# so ``from assistant.analysis.script import ...`` keeps working.
from assistant.analysis.script_characters import _characters
from assistant.analysis.script_cues import (  # noqa: F401 - re-exported
    CUE_NOTE_MIN_WORDS,
    MAX_CUE_S,
    MAX_SCORED_FRACTION,
    MIN_CUE_S,
    MIN_GAP_S,
    MIN_TURN_CUE_S,
    MUST_MAX_FRACTION,
    REEL_S,
    STING_MAX_S,
    STING_MIN_TENSION,
    STING_S,
    TURN_THRESHOLD,
    _clip_dialogue,
    _demote,
    _given_cue_text,
    _propose,
    _tc,
)
from assistant.analysis.script_model import (  # noqa: F401 - re-exported
    CharacterStat,
    CueAnalysis,
    CurvePoint,
    MotifCandidate,
    ScriptAnalysis,
    Silence,
    _alignment_dict,
    _mood_dict,
)
from assistant.analysis.script_motifs import (  # noqa: F401 - re-exported
    MOTIF_LIMIT,
    NOTE_MAX_SCENES,
    W_CAPS,
    W_HIT,
    W_NAMED,
    W_NEAR,
    W_TITLED,
    _motifs,
)
from assistant.analysis.script_reading import (  # noqa: F401 - re-exported
    _curve,
    _one_scene,
    _read,
    _scene_blocks,
    _scene_texts,
)
from assistant.analysis.script_words import _singular  # noqa: F401 - re-exported
from assistant.errors import InputError
from assistant.project import Cue
from assistant.timecode import FrameRate

log = logging.getLogger(__name__)


# ============================================================================ entry points
def analyze_script(screenplay: Any, spotting: Any | None = None, *,
                   scene_cuts: dict[int, float] | None = None,
                   corrections: dict[str, list[int]] | None = None) -> ScriptAnalysis:
    """Analyse a parsed screenplay (``assistant.importers.Screenplay``), optionally with a
    spotting list (``SpottingList``). All classifier work is one batched call.

    With a spotting list the script is first aligned to the cut
    (:mod:`assistant.analysis.alignment`): ``scene_cuts`` (scene index -> film seconds)
    are fixed anchors, and ``corrections`` (cue id -> scene indices) or a cue's own
    ``scenes`` pin a cue to the scenes the user chose."""
    sp = screenplay
    warnings: list[str] = []
    if not sp.scenes:
        warnings.append("the screenplay has no scene headings; the whole script is one scene")
        sp = _one_scene(sp)
    duration_s = float(sp.duration_s()) if callable(getattr(sp, "duration_s", None)) else float(
        sum(s.duration_s for s in sp.scenes))
    chars = _characters(sp)
    scene_texts, dfrac, scene_ev = _scene_texts(sp)

    given: list[Cue] = list(spotting.cues) if spotting is not None else []
    alignment = None
    if given:
        from dataclasses import replace as _replace

        from assistant.analysis.alignment import align

        fixes = {k.lower(): v for k, v in (corrections or {}).items()}
        bad = [(k, i) for k, v in fixes.items() for i in v if not 0 <= i < len(sp.scenes)]
        if bad:
            raise InputError(f"cue {bad[0][0]}: scene {bad[0][1]} is not in the script (scenes "
                             f"0-{len(sp.scenes) - 1})", field="scene")
        unknown = set(fixes) - {c.id.lower() for c in given}
        if unknown:
            raise InputError(f"no cue {sorted(unknown)[0]!r} in the spotting list to correct",
                             field="scene")
        given = [_replace(c, scenes=list(fixes[c.id.lower()])) if c.id.lower() in fixes
                 else c for c in given]
        alignment = align(sp, given, scene_cuts=scene_cuts)
        cue_scenes = [ca.scenes for ca in alignment.cues]
    else:
        cue_scenes = []
    cue_texts = [_given_cue_text(c, sp, sc) for c, sc in zip(given, cue_scenes, strict=True)]
    readings, model = _read(scene_texts + cue_texts, warnings,
                            explain=len(cue_texts) > 0 and len(scene_texts) + len(cue_texts) <= 120)
    scene_r, cue_r = readings[: len(scene_texts)], readings[len(scene_texts):]
    curve = _curve(sp, scene_r, dfrac, scene_ev)
    motifs = _motifs(sp, chars, duration_s, curve, spotting,
                     placed=alignment.scenes if alignment is not None else None)

    rate = getattr(spotting, "rate", None) if spotting is not None else FrameRate.parse("24")
    start_tc = getattr(spotting, "start_tc", "01:00:00:00") if spotting is not None \
        else "01:00:00:00"
    if spotting is not None:
        from assistant.analysis.alignment import action_lines, warp_spans

        cues = []
        film_spans = warp_spans(sp.dialogue, alignment) if alignment is not None else []
        for k, (c, r, sc) in enumerate(zip(given, cue_r, cue_scenes, strict=True)):
            funcs = list(r.functions)
            too_long = ""
            if funcs[0][0] == "sting" and c.end_s - c.start_s > STING_MAX_S:
                funcs = _demote(funcs, "sting")  # a sting lasts seconds, not a whole cue
                too_long = f"; too long for a sting ({c.end_s - c.start_s:.0f} s)"
            func, src = funcs[0][0], "classifier"
            if c.function:
                func, src = c.function, "spotting list"
            elif c.source:
                func, src = "source", "spotting list (source cue)"
            spans = c.dialogue or _clip_dialogue(c.start_s, c.end_s, film_spans)
            reason = (f"FUNCTION {c.function} given in the spotting list" if c.function else
                      f"reads as {funcs[0][0]} ({funcs[0][1]:.2f}){too_long}")
            cues.append(CueAnalysis(
                id=c.id, start_s=c.start_s, end_s=c.end_s,
                start_tc=c.start_tc or _tc(c.start_s, rate, start_tc),
                end_tc=c.end_tc or _tc(c.end_s, rate, start_tc), title=c.title, function=func,
                functions=funcs, function_from=src, mood=_mood_dict(r.mood), dialogue=spans,
                scenes=sc, reason=reason, proposed=False,
                confident=bool(c.function) or r.confident,
                question="" if c.function else r.question, evidence=r.evidence,
                source=c.source or func == "source", hits=list(c.hits), notes=c.notes,
                brief=c.brief, given_function=c.function,
                alignment=alignment.cues[k].to_dict() if alignment is not None else {},
                action=action_lines(sp, alignment, c.start_s, c.end_s)
                if alignment is not None else []))
        silences: list[Silence] = []
    else:
        cues, silences = _propose(sp, curve, scene_r, duration_s, rate, start_tc)
    scored = sum(c.end_s - c.start_s for c in cues)
    # the runtime includes the end credits an end-title cue runs over
    runtime_s = max([duration_s] + [c.end_s for c in cues])
    return ScriptAnalysis(
        alignment=_alignment_dict(alignment),
        title=getattr(sp, "title", "") or "", duration_s=duration_s, scenes=list(sp.scenes),
        characters=chars, leitmotif_candidates=motifs, emotional_curve=curve, cues=cues,
        silences=silences, proposed=spotting is None,
        scored_fraction=scored / runtime_s if runtime_s > 0 else 0.0, warnings=warnings,
        model=model)


def analyze_files(script: str | Path, spotting: str | Path | None = None, *,
                  scene_cuts: str | Path | None = None,
                  corrections: dict[str, list[int]] | None = None) -> ScriptAnalysis:
    """Load a screenplay (a spotting list, scene cuts) from files and analyse them."""
    from assistant.importers import load_screenplay, load_spotting
    from assistant.importers.scenecuts import load_scene_cuts, match_scenes

    sp = load_screenplay(script)
    spot = load_spotting(spotting) if spotting is not None else None
    cuts = None
    if scene_cuts is not None:
        if spot is None:
            raise InputError("scene cuts place the script on the cut; give a spotting list "
                             "too (--spotting)", field="scene_cuts")
        cuts = match_scenes(load_scene_cuts(scene_cuts, spot.rate, spot.start_tc), sp.scenes)
    return analyze_script(sp, spot, scene_cuts=cuts, corrections=corrections)


def report_text(a: ScriptAnalysis) -> str:
    """A readable report of an analysis (the ``analyze`` command without ``--json``)."""
    mins = a.duration_s / 60
    lines = [f"{a.title or 'Untitled'}: {len(a.scenes)} scenes, about {mins:.0f} min "
             f"(analysis: {a.model})", "", "Main characters:"]
    for c in a.characters:
        if c.main:
            lines.append(f"  {c.name:<20} {c.dialogue_share:5.0%} of dialogue, "
                         f"{len(c.scenes)} scenes ({c.scene_share:.0%})")
    lines += ["", "Leitmotif candidates:"]
    for m in a.leitmotif_candidates[:15]:
        sc = ", ".join(str(s) for s in m.scenes[:8]) + (" ..." if len(m.scenes) > 8 else "")
        lines.append(f"  {m.name:<24} {m.kind:<9} score {m.score:.2f}  scenes {sc}")
    lines += ["", "Emotional curve (per scene: valence / arousal / tension):"]
    for p in a.emotional_curve:
        bar = "#" * int(round(p.tension * 20))
        lines.append(f"  {p.scene_index:>4} {p.start_s / 60:6.1f}m  {p.valence:+.2f} "
                     f"{p.arousal:+.2f} {p.tension:.2f} {bar}")
    label = "Proposed cues" if a.proposed else "Cues"
    lines += ["", f"{label} ({a.scored_fraction:.0%} of the runtime scored):"]
    for c in a.cues:
        top = ", ".join(f"{k} {p:.2f}" for k, p in c.functions[:3])
        lines.append(f"  {c.id:<6} {c.start_s / 60:6.1f}m-{c.end_s / 60:6.1f}m  {c.function:<17}"
                     f" [{top}]  {', '.join(c.mood.get('tags', []))}")
        if c.reason:
            lines.append(f"         {c.reason}")
        if c.alignment:
            al = c.alignment
            chars = sorted({d.character for d in c.dialogue})
            lines.append(f"         scenes {', '.join(map(str, al['scenes'])) or '-'} "
                         f"({al['method']}, confidence {al['confidence']:.2f}); "
                         f"{len(c.dialogue)} speech(es){' by ' + ', '.join(chars) if chars else ''}"
                         f", {len(c.action)} action line(s)")
        elif c.dialogue:
            lines.append(f"         {len(c.dialogue)} dialogue span(s) inside")
        if c.question:
            lines.append(f"         ? {c.question}")
    if a.silences:
        lines += ["", "Proposed silences:"]
        for s in a.silences:
            lines.append(f"  {s.start_s / 60:6.1f}m-{s.end_s / 60:6.1f}m  scenes "
                         f"{s.scenes[0]}-{s.scenes[-1]}: {s.reason}")
    for w in a.warnings:
        lines.append(f"warning: {w}")
    return "\n".join(lines)


def bench_rows(script: str | Path | None = None) -> list[dict[str, Any]]:
    """Benchmark rows for ``make bench`` (the lead wires them into analysis' run_bench):
    Big Fish analysed end to end (target < 30 s on 2 CPU cores, model already loaded), and
    the rule-based brief parser's throughput."""
    import time

    from assistant.analysis.brief import parse_brief
    from assistant.importers import load_screenplay

    path = Path(script) if script is not None else (
        Path(__file__).resolve().parents[3] / "shared" / "data" / "screenplays"
        / "Big-Fish.fountain")
    rows: list[dict[str, Any]] = []
    try:  # load the embedding model outside the timing (speed targets are "after loading")
        from assistant.analysis.embed import get_model

        get_model()
    except Exception as exc:  # noqa: BLE001 - a bench row says what happened instead
        log.warning("embedding model not loaded: %s", exc)
    t0 = time.perf_counter()
    a = analyze_script(load_screenplay(path))
    dt = time.perf_counter() - t0
    rows.append({"name": f"analyze {path.name} ({len(a.scenes)} scenes, {a.model})",
                 "value": round(dt, 2), "unit": "s", "target": "< 30"})
    briefs = ["Slow and tender, around 70 bpm, strings but no violins.",
              "No drums, brass or synths; dark, brooding cellos. Nothing like Hans Zimmer.",
              "darker than the last version, less busy, no piano this time"] * 100
    t0 = time.perf_counter()
    for b in briefs:
        parse_brief(b, use_model=False)
    dt = time.perf_counter() - t0
    rows.append({"name": "brief parser (rules, no model)", "value": round(len(briefs) / dt, 1),
                 "unit": "briefs/s", "target": "> 100"})
    return rows
