"""Draft a whole cue: form, harmony, melody, texture, hit events, orchestration, the
dialogue pass and dynamics, written on the sync engine's tempo map.

:func:`draft_cue_score` is the one entry point (the pipeline's draft + orchestrate
stages call it). The stages, in order:

1. the tempo map and meters come from the sync solution (bar 1 may be a pickup);
2. the brief's law (:mod:`assistant.compose.law`), the mood category and the home key;
3. the form plan (:mod:`assistant.compose.form`): bars, intensity curve, sections;
4. the harmonic plan (:mod:`assistant.compose.harmony`): keys per section, chords;
5. melody (:mod:`assistant.compose.melody`) and the chords re-fitted under it;
6. textures (:mod:`assistant.compose.texture`) and events at hits
   (:mod:`assistant.compose.events`);
7. orchestration onto the palette (:mod:`assistant.compose.arrange` with the rules and
   data of :mod:`assistant.orchestrate`), ranges enforced;
8. the dialogue pass, then dynamics (markings, velocities, CC1/CC11).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from assistant.compose.arrange import Arranger, hold_under_lines
from assistant.compose.events import (
    MICKEY_WARN,
    HitPlan,
    choose_events,
    event_notes,
    mickey_mousing_index,
    planned_silences,
)
from assistant.compose.form import (
    PROFILES,
    Section,
    bars_of,
    intensity_curve,
    mood_category,
    plan_sections,
)
from assistant.compose.harmony import plan_harmony, plan_keys
from assistant.compose.law import BriefLaw, read_law, restrict
from assistant.compose.melody import counter_melody, fit_chords_to_melody, plan_melody, theme_key
from assistant.compose.phrase import style_for
from assistant.compose.texture import SectionTexture, realise, textures_for
from assistant.compose.theory import Key, parse_pc
from assistant.errors import InputError
from assistant.music.score import Note, Part, Score
from assistant.orchestrate.assign import (
    IDIOM,
    MAX_VOICES,
    comfortable,
    limit_voices,
    remove_overlaps,
)
from assistant.orchestrate.dialogue import Line, centre_for, dialogue_pass, voice_band_notes
from assistant.orchestrate.dynamics import LevelCurve, apply_dynamics
from assistant.orchestrate.palettes import (
    Ensemble,
    Palette,
    ensemble_for,
    get_palette,
    source_palette,
)
from assistant.sync.tempo import TempoMap
from assistant.timecode import FrameRate

log = logging.getLogger(__name__)

#: instruments whose notes die away: colour, not a theme's voice (unless the brief asks)
_DECAYING = ("harp", "celesta", "glockenspiel", "guitar", "piano", "timpani")
#: default palette per cue function when the caller names none
DEFAULT_PALETTE = "full_orchestra"
_DEFAULT_TONIC = {"fear": "C#", "tension": "D", "sadness": "D", "tenderness": "F", "joy": "G",
                  "triumph": "Bb", "anger": "C", "mystery": "E"}


@dataclass
class DraftRequest:
    """Everything the draft of one cue needs (see the module docstring).

    ``solution`` is a :class:`assistant.sync.SyncSolution` (preferred: its hits say where
    each landed) or a bare :class:`TempoMap`. ``dialogue`` holds cue-relative spans as
    dicts or objects with ``start_s``, ``end_s``, ``character`` and optionally ``voice``
    ("male", "female", "child", a MIDI note or "<n>Hz"); when empty, the cue's own dialogue
    spans (film time) are used. ``voices`` maps a character to its voice (read from the
    screenplay by :func:`assistant.analysis.voices.infer_voices`) for spans that carry
    none; a speaker in neither stays neutral. ``hits`` (optional) overrides the solution's
    hits: cue-relative dicts/objects with ``time_s``, ``label``, ``important``, ``landing``.
    ``action_times_s`` are on-screen actions (cue-relative) for the mickey-mousing index.
    ``plan_row`` is the cue's row of the themes development plan; ``themes`` maps a
    subject to its theme score. ``palette`` is a name, a file, a dict or a Palette.
    """

    cue: Any
    solution: Any
    fps: Any = None
    brief: Any = None
    mood: Any = None
    function: str | None = None
    dialogue: list[Any] = field(default_factory=list)
    voices: dict[str, str] = field(default_factory=dict)
    hits: list[Any] | None = None
    action_times_s: list[float] = field(default_factory=list)
    plan_row: dict[str, Any] | None = None
    themes: dict[str, Score] = field(default_factory=dict)
    palette: Any = None
    key: str | None = None
    mode: str | None = None
    meter: tuple[int, int] | None = None
    seed: int = 0
    use_model: bool = True
    model_bars: int = 4  # bars of connective material the music model writes per cue (speed)
    dialogue_pass: bool = True
    mickey_warn: float = MICKEY_WARN


@dataclass
class DraftResult:
    """The drafted score and what was planned, with the report for the manifest."""

    score: Score
    form: list[dict[str, Any]]
    harmony: list[dict[str, Any]]
    report: dict[str, Any]
    palette: str = ""
    key: str = ""
    plan: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, str]:
        """One line each for the form plan and the harmonic plan (repeated chords folded),
        as a cue note or a closing note lists them."""
        form = " | ".join(
            f"{s['name']} bars {s['bars'][0]}-{s['bars'][1]}: {s['melody']}, {s['texture']}"
            + (f", in {s['key']}" if s.get("key") and s["key"] != self.key else "")
            for s in self.form)
        chords: list[str] = []
        for h in self.harmony:
            sym = h["symbol"]
            if not chords or chords[-1] != sym:
                chords.append(sym)
        rel = self.report.get("key_relations") or []
        harmony = f"{self.key}: " + " ".join(chords) + ("; " + "; ".join(rel) if rel else "")
        return {"form": form, "harmony": harmony, "palette": self.palette,
                "lead": str(self.report.get("lead") or "none")}


# ----------------------------------------------------------------------------- helpers
def _tempo_map(solution: Any) -> TempoMap:
    if isinstance(solution, TempoMap):
        return solution
    tm = getattr(solution, "tempo_map", None)
    if isinstance(tm, TempoMap):
        return tm
    if isinstance(solution, dict):
        return TempoMap.from_json(solution)
    raise InputError("the draft needs a sync solution or a tempo map", field="solution")


def _fps(req: DraftRequest) -> float:
    rate = req.fps if req.fps is not None else getattr(req.solution, "fps", None)
    if rate is None:
        return 24.0
    if isinstance(rate, FrameRate):
        return float(rate.fps)
    if isinstance(rate, (int, float, Fraction)):
        return float(rate)
    return float(FrameRate.parse(str(rate)).fps)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _hits(req: DraftRequest, tm: TempoMap, duration_s: float) -> list[HitPlan]:
    out: list[HitPlan] = []
    if req.hits is None and hasattr(req.solution, "hits"):
        for h in req.solution.hits:
            # the event sits on the beat the hit landed on; when that beat is more than a
            # frame away (constant mode), on the hit itself
            beat = float(h.grid_beat) if h.error_frames <= 1.0 else float(h.position_beats)
            out.append(HitPlan(h.index, float(h.time_s), h.label, bool(h.important), h.landing,
                               beat, h.bar, float(h.beat), float(h.error_frames)))
        return out
    raw = req.hits if req.hits is not None else list(getattr(req.cue, "hits", []) or [])
    film = req.hits is None  # the cue's own hits are in film time
    fps = _fps(req)
    for i, h in enumerate(raw):
        t = float(_get(h, "time_s"))
        if film:
            t -= float(req.cue.start_s)
        t = max(0.0, min(duration_s, t))
        landing = _get(h, "landing", "beat") or "beat"
        pos = tm.seconds_to_beat(Fraction(repr(t)))
        grid = pos if landing == "free" else tm.nearest_grid(pos, downbeat=landing == "downbeat")
        err = abs(float(tm.beat_to_seconds(grid)) - t) * fps
        bar, beat = tm.bar_beat(grid)
        out.append(HitPlan(i, t, str(_get(h, "label", "") or ""), bool(_get(h, "important", False)),
                           landing, float(grid if err <= 1.0 else pos), bar, float(beat), err))
    return out


def _dialogue_lines(req: DraftRequest, tm: TempoMap, duration_s: float) -> list[Line]:
    spans = list(req.dialogue or [])
    film = False
    if not spans:
        spans = list(getattr(req.cue, "dialogue", []) or [])
        film = True
    out = []
    for d in spans:
        s, e = float(_get(d, "start_s")), float(_get(d, "end_s"))
        if film:
            s -= float(req.cue.start_s)
            e -= float(req.cue.start_s)
        s, e = max(0.0, s), min(duration_s, e)
        if e <= s:
            continue
        who = str(_get(d, "character", "") or "")
        voice = _get(d, "voice") or voice_of(who, req.voices)
        out.append(Line(float(tm.seconds_to_beat(Fraction(repr(s)))),
                        float(tm.seconds_to_beat(Fraction(repr(e)))),
                        who, centre_for(voice), str(voice or "unknown")))
    return out


def voice_of(character: str, voices: dict[str, str]) -> str | None:
    """``character``'s voice in ``voices`` (its name as written, in capitals, or without
    an extension such as ``(V.O.)``); None when it is not there."""
    if not character or not voices:
        return None
    for name in (character, character.upper(), character.split("(")[0].strip().upper()):
        if name in voices:
            return voices[name]
    return None


#: functions that state the theme as the film knows it: they stay in the theme's own key
THEME_KEY_FUNCTIONS = ("bookend", "theme_statement", "triumph", "romance")


def _home_key(req: DraftRequest, law: BriefLaw, category: str, theme: Score | None,
              function: str) -> Key:
    """The cue's key: the brief's, else the caller's hint, else the theme's own key for
    the statements of the theme (titles, statements, the payoff), else the mood's
    default tonic (so the film moves between keys from cue to cue)."""
    mode = law.mode or req.mode
    tonic = law.key_tonic
    if tonic is None and req.key:
        try:
            k = Key.parse(req.key)
            tonic = k.tonic
            if mode is None and req.key.strip().count(" "):
                mode = "minor" if k.is_minor else "major"
        except InputError:
            log.info("key hint %r not understood", req.key)
    tk = theme_key(theme) if theme is not None and theme.notes else None
    if tonic is None and tk is not None and function in THEME_KEY_FUNCTIONS and not law.no_melody:
        tonic = tk.tonic
        if mode is None and category not in ("triumph", "fear", "tension", "anger"):
            mode = "minor" if tk.is_minor else "major"
    if tonic is None:
        tonic = parse_pc(_DEFAULT_TONIC.get(category, "D"))
    prof = PROFILES[category]
    if mode == "modal" or mode is None:
        default = prof.mode
        if mode == "modal" and default in ("major", "minor"):
            default = "dorian" if default == "minor" else "lydian"
        mode = default
    return Key(tonic, mode)


def _melody_jobs(function: str, sections: list[Section], no_melody: bool, has_theme: bool) -> None:
    table = {
        "bookend": {"intro": "none", "build": "theme", "peak": "theme", "release": "fragment"},
        "theme_statement": {"build": "theme", "peak": "theme", "release": "fragment"},
        "romance": {"build": "theme", "peak": "theme", "release": "fragment"},
        "triumph": {"intro": "fragment", "build": "fragment", "peak": "theme", "release": "theme"},
        "inner_state": {"build": "theme", "peak": "theme", "release": "fragment"},
        "establish_setting": {"build": "fragment", "peak": "theme", "release": "fragment"},
        "build_tension": {"build": "fragment"},
        "action": {"build": "fragment", "peak": "theme", "release": "fragment"},
        "transition": {"intro": "fragment", "build": "fragment", "peak": "fragment",
                       "release": "fragment"},
        "comedy": {"intro": "fragment", "build": "theme", "peak": "theme", "release": "fragment"},
        "source": {"intro": "theme", "build": "theme", "peak": "theme", "release": "theme",
                   "tail": "theme"},
    }.get(function, {"build": "theme", "peak": "theme", "release": "fragment"})
    for s in sections:
        job = "none" if no_melody else table.get(s.name, "none")
        if job == "theme" and s.part % 2 == 1 and function != "source":
            job = "connective"  # A B A': the theme returns after an episode
        if job == "theme" and not has_theme:
            job = "connective"
        s.melody = job


def _lead(ens: Ensemble, law: BriefLaw, palette: Palette, category: str, function: str) -> str:
    pitched = ens.pitched
    if law.lead in pitched:
        return law.lead
    if palette.lead in pitched:
        return palette.lead
    melodic = [i for i in IDIOM["melody"] if i in pitched]
    for i in law.include:
        if i in melodic and (len(law.include) <= 3 or i in PROFILES[category].colours):
            return i
    if function == "comedy" and "bassoon" in pitched:
        return "bassoon"
    sustaining = [i for i in melodic if i not in _DECAYING or palette.solo or i in law.include]
    for i in PROFILES[category].colours:
        if i in sustaining:
            return i
    return (sustaining or melodic or pitched)[0]


def _level_range(law: BriefLaw, category: str) -> tuple[int, int]:
    from assistant.project import DYNAMICS

    lo, hi = PROFILES[category].dynamics
    a, b = DYNAMICS.index(lo), DYNAMICS.index(hi)
    a, b = min(a, 1), max(b, 3)  # the form needs room to move inside the mood's range
    if law.dynamics:
        a, b = law.softest, law.loudest
    return a, b


# ----------------------------------------------------------------------------- the draft
def draft_cue_score(req: DraftRequest) -> DraftResult:
    """Draft one cue (see the module docstring)."""
    rng = random.Random(req.seed)
    tm = _tempo_map(req.solution)
    cue = req.cue
    duration_s = float(getattr(req.solution, "duration_s", 0) or 0) or float(cue.end_s - cue.start_s)
    fps = _fps(req)
    end_beat = float(tm.total_beats(Fraction(repr(duration_s))))
    function = req.function or getattr(cue, "function", None) or "theme_statement"
    if function == "source" or getattr(cue, "source", False):
        function = "source"
    mood = req.mood if req.mood is not None else getattr(cue, "mood", None)
    law = read_law(req.brief)
    tags = list(getattr(req.brief, "tags", []) or []) if req.brief is not None else []
    category = mood_category(mood, function, tags)
    arousal = float(getattr(mood, "arousal", 0.0) or 0.0) if mood is not None else (
        float(getattr(req.brief, "arousal", 0.0) or 0.0) if req.brief is not None else 0.0)
    warnings: list[str] = list(law.notes)

    # themes from the development plan
    row = req.plan_row or {}
    subjects = list(row.get("themes") or [])
    theme = None
    for subj in subjects + list(req.themes):
        if subj in req.themes and req.themes[subj].notes:
            theme = req.themes[subj]
            break
    transformation = row.get("transformation")

    # meter: the tempo map's (sync wrote it); a brief meter that disagrees is reported
    main_meter = (tm.meters[-1].numerator, tm.meters[-1].denominator) if len(tm.meters) > 1 and \
        tm.meters[0].bar_beats < tm.meters[1].bar_beats else (tm.meters[0].numerator,
                                                              tm.meters[0].denominator)
    for want in (law.meter, req.meter):
        if want and tuple(want) != main_meter:
            warnings.append(f"meter {want[0]}/{want[1]} asked, but the sync tempo map is in "
                            f"{main_meter[0]}/{main_meter[1]}; written on the tempo map")
            break
    if law.tempo_bpm:
        lo, hi = law.tempo_bpm
        tempos = [float(t) for _, t in tm.segments]
        if any(t < lo - 0.5 or t > hi + 0.5 for t in tempos):  # half a BPM: click rounding
            warnings.append(f"the tempo map ({min(tempos):.1f}-{max(tempos):.1f} BPM) leaves the "
                            f"brief's {lo:g}-{hi:g} BPM (sync widened the range to land the hits)")

    key = _home_key(req, law, category, theme, function)
    palette = get_palette(req.palette, DEFAULT_PALETTE)
    if function == "source" and req.palette is None:  # the music on screen sets the band
        palette = source_palette(f"{getattr(cue, 'title', '')} {getattr(cue, 'notes', '')}") or palette
    if restrict(law, list(palette.instruments), fill=not palette.solo).only:
        warnings += [n for n in law.notes if n not in warnings]
    ens = ensemble_for(palette, law.include, law.exclude, law.lead)
    lead = _lead(ens, law, palette, category, function)
    if ens.not_added:
        warnings.append(f"the brief asks for {', '.join(ens.not_added)}; the solo palette "
                        f"{palette.name!r} stays solo")

    # --- form -----------------------------------------------------------------------
    bars = bars_of(tm, end_beat)
    if not bars:
        raise InputError("the cue is shorter than any bar of its tempo map", field="duration")
    hits = _hits(req, tm, duration_s)
    hit_pairs = [(h.beat, h.important) for h in hits]
    curve = intensity_curve(bars, function, arousal, hit_pairs, end_beat)
    planned = row.get("intensity")
    if isinstance(planned, (int, float)) and curve:  # the development plan's level for the cue
        shift = 0.5 * (float(planned) - sum(curve) / len(curve))
        curve = [min(1.0, max(0.05, v + shift)) for v in curve]
    weight = row.get("weight") if row.get("weight") in ("solo", "chamber", "section", "tutti") \
        else None
    for b, v in zip(bars, curve, strict=True):
        b.intensity = v
    sections = plan_sections(bars, curve, function, hit_pairs)
    key_notes = plan_keys(sections, key, category, function)
    lines = _dialogue_lines(req, tm, duration_s)
    _melody_jobs(function, sections, law.no_melody, theme is not None)
    if lines and function not in ("source",):  # melody out of the way of long dialogue
        for s in sections:
            talk = sum(max(0.0, min(ln.end_beat, s.end_beat) - max(ln.start_beat, s.start_beat))
                       for ln in lines)
            if s.melody == "theme" and talk > 0.6 * (s.end_beat - s.start_beat):
                s.notes.append("dialogue: theme moved to the gaps")
    bar_beats = bars[min(1, len(bars) - 1)].full_beats
    choose_events(hits, function, category, arousal, bar_beats, end_beat)

    # --- harmony ----------------------------------------------------------------------
    grid_hits = [(h.beat, h.important) for h in hits if h.landing != "free" or h.important]
    unresolved = any(w in (getattr(cue, "notes", "") or "").lower()
                     for w in ("question", "unresolved", "hanging", "unfinished"))
    slots = plan_harmony(bars, sections, category, function, tm.tempo_at, grid_hits, rng,
                         unresolved_end=unresolved)

    # --- melody -----------------------------------------------------------------------
    lead_lo, lead_hi = comfortable(lead)
    place = {"sadness": 0.45, "joy": 0.65, "triumph": 0.75}.get(category, 0.55)
    place = {"low": 0.35, "high": 0.72}.get(law.register or "", place)  # the brief's register
    centre = lead_lo + (lead_hi - lead_lo) * place
    melody, mel_report = plan_melody(sections, bars, slots, key, theme, transformation, centre,
                                     (lead_lo, lead_hi), rng, use_model=req.use_model,
                                     model_bars=req.model_bars, seed=req.seed,
                                     style=style_for(category, function),
                                     cue_beats=[h.beat for h in hits])
    # the theme is fixed material: its harmony follows it (fragments and connective bars
    # were written on the chords already)
    spans = [st["beats"] for st in mel_report["statements"]]
    stated = [n for n in melody if any(a - 1e-6 <= n.start_beats < b - 1e-6 for a, b in spans)]
    refitted = fit_chords_to_melody(slots, stated)
    counter: list[Note] = []
    for s in sections:
        if s.name == "peak" and s.melody in ("theme", "connective") and function not in (
                "source", "build_tension", "sting") and len(ens.pitched) >= 4:
            mel = [n for n in melody if s.start_beat <= n.start_beats < s.end_beat]
            if mel:
                step = bars[s.first_bar].full_beats / (2 if bars[s.first_bar].full_beats >= 4 else 1)
                counter += counter_melody(mel, slots, s.start_beat, s.end_beat, step, rng)

    # --- textures ---------------------------------------------------------------------
    allow_perc = any(i in ens.sounding for i in ("timpani", "drums", "percussion"))
    textures: list[SectionTexture] = []
    for s in sections:
        tex = textures_for(function, category, s, bars[s.first_bar].meter if not bars[s.first_bar].is_pickup
                           else main_meter, allow_perc)
        if law.density is not None and law.density < 0.35 and len(tex.layers) > 1:
            tex = SectionTexture(tex.layers[:1], tex.bass, tex.percussion)  # a sparse brief
        elif law.density is not None and law.density > 0.75 and s.name in ("build", "release") \
                and "pad" not in tex.layers:
            tex = SectionTexture(tex.layers + ["pad"], tex.bass, tex.percussion)  # a dense one
        if ens.palette.solo or len(ens.pitched) == 1:
            tex = SectionTexture(tex.layers[:1] if tex.layers[:1] != ["high"] else ["pad"],
                                 tex.bass if tex.bass != "ostinato" else "sustain", "none")
        s.texture = tex.label()
        textures.append(tex)
    layers = realise(sections, textures, slots, bars, tm.tempo_at, rng)
    # a revision's deltas (assistant.revise puts them in the plan row): the accompaniment
    # an octave lower or higher ("darker"), running figures on the beat only ("less busy")
    layers = revised_layers(layers, int(row.get("accompaniment_shift") or 0),
                            bool(row.get("simpler_figures")))

    # --- silences and events ----------------------------------------------------------
    silences = planned_silences(hits, getattr(cue, "notes", "") or "", duration_s,
                                tm.beat_to_seconds, function)
    silence_beats = [(float(tm.seconds_to_beat(Fraction(repr(s["start_s"])))),
                      float(tm.seconds_to_beat(Fraction(repr(s["end_s"]))))) for s in silences]
    event_layers = event_notes(hits, slots, bars, tm.tempo_at, function)

    # --- orchestration ----------------------------------------------------------------
    level_lo, level_hi = _level_range(law, category)
    level = LevelCurve()
    for s in sections:
        lv = level_lo + (level_hi - level_lo) * s.intensity
        level.add(s.start_beat, lv)
        level.add(max(s.start_beat, s.end_beat - 0.01), lv)
    for h in hits:
        if h.riser and h.event in ("accent", "stinger"):
            level.add(max(0.0, h.beat - bar_beats), max(level_lo, level.at(h.beat - bar_beats) - 0.5))
            level.add(h.beat, float(level_hi))
    if any(s.name == "gesture" for s in sections):
        level.add(0.0, float(level_hi))
    arr = Arranger(ens, lead, function, weight)
    arr.arrange(sections, level, melody, counter, layers)
    for name, notes, role in event_layers:
        arr.give_event(name, notes, role, level)
    parts = arr.assemble(end_beat, silence_beats, [h.beat for h in hits if h.event == "cut-off"])
    rr = arr.ranges
    has_tune = bool(melody)

    # --- dialogue pass ----------------------------------------------------------------
    protected = {round(h.beat, 4) for h in hits if h.important and h.event != "none"}
    before = voice_band_notes(parts, lines)
    stats = {"moved": 0, "dropped": 0, "thinned": 0, "entries_removed": 0, "accents_removed": 0}
    if req.dialogue_pass and lines:
        stats = dialogue_pass(parts, lines, protected)
        for p in parts:
            p.notes = remove_overlaps(limit_voices(p.notes, MAX_VOICES.get(p.instrument, 4)))
        cap = float(max(law.softest, min(2, level_hi)))
        level = level.capped([(ln.start_beat, ln.end_beat) for ln in lines], cap)
        stats["held_notes_added"] = hold_under_lines(parts, slots, lines, silence_beats, ens,
                                                     beat_seconds(tm), lead if has_tune else None)
    after = voice_band_notes(parts, lines)
    parts = [p for p in parts if p.notes]
    apply_dynamics(parts, level, [s.start_beat for s in sections], [b.start_beat for b in bars],
                   end_beat, float(level_hi))
    if lines:
        for ln in lines:
            for b in tm.segments[1:]:
                if ln.start_beat < float(b[0]) < ln.end_beat:
                    warnings.append(f"tempo change at beat {float(b[0]):g} falls under a line of "
                                    f"{ln.character or 'dialogue'}")

    score = Score(parts=parts, tempos=[(float(b), float(t)) for b, t in tm.segments],
                  meters=[(float(tm.bar_start(m.bar)), m.numerator, m.denominator) for m in tm.meters],
                  markers=sorted((float(tm.seconds_to_beat(Fraction(repr(h.time_s)))),
                                  f"HIT {h.label or h.index + 1}") for h in hits),
                  key=key.name)

    # --- report -----------------------------------------------------------------------
    rr_warn = rr.warnings()
    warnings += rr_warn
    accent_times = _accent_times(parts, hits, tm)
    mm = mickey_mousing_index(req.action_times_s, accent_times)
    if mm > req.mickey_warn:
        warnings.append(f"mickey-mousing index {mm:.2f} above {req.mickey_warn:.2f}: the music "
                        "accents most on-screen actions; consider playing the subtext")
    onsets = sorted({round(n.start_beats, 6) for p in parts for n in p.notes})
    ends_at = max((n.end_beats for p in parts for n in p.notes), default=0.0)
    hit_rows = []
    for h in hits:
        ev_s = None
        if h.event != "none":
            near = min(onsets, key=lambda b: abs(b - h.beat), default=None)
            if h.event == "cut-off" and function == "source":
                near = min([ends_at] + [b for b in onsets if abs(b - h.beat) < 0.01],
                           key=lambda b: abs(b - h.beat))
            if near is not None:
                ev_s = float(tm.beat_to_seconds(Fraction(repr(near))))
        hit_rows.append(h.to_json(fps, ev_s))
    for row_, h in zip(hit_rows, hits, strict=True):
        if h.important and row_["event"] != "none" and row_["error_frames"] > 1.0 + 1e-9:
            warnings.append(f"important hit {h.label!r} has no event within one frame "
                            f"({row_['error_frames']:.2f} frames)")
    form = [s.to_json() | {"bars": [bars[s.first_bar].number, bars[s.last_bar].number],
                           "start_s": round(float(tm.beat_to_seconds(Fraction(repr(s.start_beat)))), 3)}
            for s in sections]
    harmony = [s.to_json() for s in slots]
    report = {
        "hits": hit_rows,
        "dialogue": {"voice_band_notes": after, "voice_band_notes_without_pass": before,
                     "lines": len(lines), "pass": stats,
                     "speakers": {ln.character: {"voice": ln.voice, "band": list(ln.band)}
                                  for ln in lines if ln.character}},
        "mickey_mousing_index": round(mm, 3),
        "silences": silences,
        "warnings": warnings,
        "key": key.name,
        "category": category,
        "function": function,
        "palette": palette.name,
        "lead": lead if melody else None,
        "parts": [p.instrument for p in parts],
        "melody": mel_report,
        "key_relations": key_notes,
        "chords_refitted_to_melody": refitted,
        "law": law.to_json(),
        "coverage": round(sounding_fraction(score, tm, duration_s,
                                            [(x["start_s"], x["end_s"]) for x in silences]), 4),
    }
    return DraftResult(score, form, harmony, report, palette.name, key.name,
                       {"lead": lead, "category": category, "ensemble": ens.sounding})


#: accompaniment layers whose notes run (figures); pads and the high tremolo hold
_FIGURES = ("chorale", "pulse", "ostinato", "arpeggio", "pizzicato", "waltz", "bass", "timpani",
            "drums")


def revised_layers(layers: list[Any], shift: int, simpler: bool) -> list[Any]:
    """The accompaniment ``shift`` semitones away (harmony layers only: the bass and the
    percussion stay) and, with ``simpler``, each running figure on the beat only (a note
    off the beat is dropped and the note before it holds on, up to its beat). Pure: new
    layers are returned. Both are off (0, False) unless a revision asked for them."""
    from dataclasses import replace as _replace

    if not shift and not simpler:
        return layers
    out = []
    for lay in layers:
        notes = list(lay.notes)
        if shift and not lay.drum and lay.role == "harmony":
            notes = [_replace(n, pitch=max(0, min(127, n.pitch + shift))) for n in notes]
        if simpler and lay.name in _FIGURES:
            on_beat = [abs(n.start_beats - round(n.start_beats)) < 1e-6 for n in notes]
            held = []
            for i, n in enumerate(notes):
                if not on_beat[i]:
                    continue
                # a legato note holds on through the off-beat notes dropped after it
                end = n.end_beats
                for m, ok in zip(notes[i + 1:], on_beat[i + 1:], strict=True):
                    if ok and m.start_beats > n.start_beats + 1e-6:
                        break
                    if not ok and m.start_beats < n.start_beats + 1.0:
                        end = max(end, min(m.end_beats, n.start_beats + 1.0))
                if not n.articulation and end > n.end_beats:
                    n = _replace(n, dur_beats=end - n.start_beats)
                held.append(n)
            notes = held
        out.append(_replace(lay, notes=notes))
    return out


def _accent_times(parts: list[Part], hits: list[HitPlan], tm: TempoMap) -> list[float]:
    """Seconds of deliberate accents: hit events and sforzando/marcato notes."""
    b2s = beat_seconds(tm)
    times = {b2s(h.beat) for h in hits if h.event in ("accent", "stinger", "cut-off")}
    for p in parts:
        for n in p.notes:
            if n.articulation in ("sforzando", "marcato"):
                times.add(b2s(n.start_beats))
    return sorted(times)


#: a rest shorter than this inside the music is articulation (staccato, pizzicato, the
#: space between the strokes of an oom-pah-pah), not silence
MIN_SILENCE_S = 0.5


def beat_seconds(tm: TempoMap) -> Any:
    """A fast float version of ``tm.beat_to_seconds`` (for measuring many notes)."""
    import bisect

    starts = [float(b) for b, _ in tm.segments]
    secs = [float(tm.beat_to_seconds(b)) for b, _ in tm.segments]
    bpms = [float(t) for _, t in tm.segments]

    def f(beat: float) -> float:
        i = max(0, bisect.bisect_right(starts, beat) - 1)
        return secs[i] + (beat - starts[i]) * 60.0 / bpms[i]
    return f


def sounding_fraction(score: Score, tm: TempoMap, duration_s: float,
                      exclude_s: list[tuple[float, float]] | None = None) -> float:
    """Share of the cue (minus ``exclude_s`` spans) during which music is heard: the
    union of the notes, where a rest shorter than :data:`MIN_SILENCE_S` between them
    counts as heard (the cue start and end count their rests in full)."""
    b2s = beat_seconds(tm)
    spans = sorted((max(0.0, b2s(n.start_beats)), min(duration_s, b2s(n.end_beats)))
                   for p in score.parts for n in p.notes)
    covered = 0.0
    cur_s = cur_e = None
    for s, e in spans:
        if cur_e is None or s > cur_e + MIN_SILENCE_S:
            if cur_e is not None:
                covered += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        covered += cur_e - cur_s
    excl = sum(max(0.0, min(duration_s, e) - max(0.0, s)) for s, e in (exclude_s or []))
    total = max(1e-9, duration_s - excl)
    return min(1.0, covered / total)


__all__ = ["DraftRequest", "DraftResult", "beat_seconds", "draft_cue_score", "sounding_fraction"]
