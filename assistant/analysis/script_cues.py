"""Cues of a script analysis: reading given cues and proposing cues from the script alone.

Split out of :mod:`.script`: the spotting-note text of a given cue, blending readings,
and :func:`_propose`, which spots a script with no spotting list (cue in/out at scene
boundaries, split at emotional turns, silences so that at most ``MAX_SCORED_FRACTION`` of
the runtime is scored).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from assistant.analysis.script_model import CueAnalysis, CurvePoint, Silence, _mood_dict
from assistant.analysis.script_reading import _note_scene, _Reading, _scene_blocks
from assistant.analysis.script_words import _title
from assistant.project import Cue, DialogueSpan, Hit, Mood, Scene
from assistant.timecode import FrameRate, seconds_to_tc

#: design default: score at most this share of the runtime when proposing cues
MAX_SCORED_FRACTION = 0.45
#: a reel is about 20 minutes; cue ids are <reel>M<n>
REEL_S = 20 * 60.0
#: a change this large between neighbouring scenes (|dv| + |da| + |dt|) is an emotional turn
TURN_THRESHOLD = 0.55
#: proposed cues are split when longer than this
MAX_CUE_S = 240.0
#: proposed cues shorter than this are dropped unless tense; dry gaps shorter are bridged
MIN_CUE_S = 20.0
#: a proposed cue longer than this is never a sting; a proposed sting lasts STING_S
STING_MAX_S = 8.0
#: scenes the script marks as musical may take up to this share of the runtime
MUST_MAX_FRACTION = 0.55
STING_S = 3.0
#: a shock line in a dry scene gets a sting when the scene reads at least this tense
STING_MIN_TENSION = 0.55
MIN_GAP_S = 15.0
#: a turn only splits a run into two cues when both parts are at least this long
MIN_TURN_CUE_S = 45.0
#: a spotting note shorter than this is read together with the script text under the cue
CUE_NOTE_MIN_WORDS = 12


def _clip_dialogue(start: float, end: float, spans: list[DialogueSpan]) -> list[DialogueSpan]:
    out = []
    for s in spans:
        a, b = max(s.start_s, start), min(s.end_s, end)
        if b > a:
            out.append(DialogueSpan(character=s.character, start_s=a, end_s=b,
                                    scene_index=s.scene_index, text=s.text))
    return out


def _tc(seconds: float, rate: FrameRate | None, start_tc: str) -> str:
    if rate is None:
        return ""
    try:
        from assistant.timecode import tc_to_seconds

        return seconds_to_tc(float(tc_to_seconds(start_tc, rate)) + seconds, rate)
    except Exception:  # noqa: BLE001 - a label only; never fail the analysis for it
        return ""


def _given_cue_text(cue: Cue, sp: Any, scene_ids: list[int]) -> str:
    """The spotting note (title, description, brief); the overlapping scene text is added
    only when the note is too short to read on its own (it would dilute a real note)."""
    parts = [cue.title, cue.notes, cue.brief]
    own_words = sum(len(p.split()) for p in parts if p)
    if sp is not None and own_words < CUE_NOTE_MIN_WORDS:
        for i in scene_ids[:3]:
            parts.append(" ".join(sp.scene_text(i).split()[:80]))
    return ". ".join(p.strip() for p in parts if p and p.strip())


def _blend_readings(rs: list[_Reading], weights: list[float]) -> tuple[list[tuple[str, float]],
                                                                      Mood, bool]:
    tot = sum(weights) or 1.0
    probs: dict[str, float] = defaultdict(float)
    v = a = t = 0.0
    tags: Counter[str] = Counter()
    for r, w in zip(rs, weights, strict=True):
        for lab, p in r.functions:
            probs[lab] += p * w / tot
        v += r.mood.valence * w / tot
        a += r.mood.arousal * w / tot
        t += r.mood.tension * w / tot
        for k, tg in enumerate(r.mood.tags):
            tags[tg] += w / (k + 1)
    funcs = sorted(probs.items(), key=lambda kv: -kv[1])
    mood = Mood(valence=max(-1, min(1, v)), arousal=max(-1, min(1, a)),
                tension=max(0, min(1, t)), tags=[k for k, _ in tags.most_common(2)])
    confident = all(r.confident for r in rs)
    return funcs, mood, confident


def _with_prior(funcs: list[tuple[str, float]], label: str, weight: float
                ) -> list[tuple[str, float]]:
    d = {k: (1 - weight) * p for k, p in funcs}
    d[label] = d.get(label, 0.0) + weight
    return sorted(d.items(), key=lambda kv: -kv[1])


def _demote(funcs: list[tuple[str, float]], label: str, keep: float = 0.1
            ) -> list[tuple[str, float]]:
    """``funcs`` with ``label`` cut to ``keep`` of its probability and below half the
    runner-up (renormalised): a long proposed cue cannot be a sting."""
    runner_up = max((p for k, p in funcs if k != label), default=0.0)
    d = {k: (min(p * keep, 0.5 * runner_up) if k == label else p) for k, p in funcs}
    tot = sum(d.values()) or 1.0
    return sorted(((k, p / tot) for k, p in d.items()), key=lambda kv: -kv[1])


def _music_need(p: CurvePoint, r: _Reading) -> float:
    """How much a scene asks for score (design heuristic, 0..~1.5)."""
    top = dict(r.functions)
    drama = max(top.get("action", 0), top.get("build_tension", 0), top.get("romance", 0),
                top.get("triumph", 0), top.get("transition", 0), top.get("inner_state", 0),
                top.get("sting", 0), top.get("source", 0))
    return (0.35 * p.tension + 0.25 * abs(p.arousal) + 0.15 * abs(p.valence)
            + 0.35 * (1 - p.dialogue_fraction) + 0.25 * drama)


def _propose(sp: Any, curve: list[CurvePoint], readings: list[_Reading], duration_s: float,
             rate: FrameRate | None, start_tc: str) -> tuple[list[CueAnalysis], list[Silence]]:
    n = len(sp.scenes)
    if n == 0 or duration_s <= 0:
        return [], []
    from assistant.analysis.markers import (
        climax_scene,
        credits_seconds,
        mark_weight,
        payoff_scene,
        scene_marks,
    )

    need = [_music_need(curve[i], readings[i]) for i in range(n)]
    chosen = [False] * n
    budget = MAX_SCORED_FRACTION * duration_s
    used = 0.0
    # what the script marks as musical: a music note, a kiss, a chase, a death, the climax,
    # the titles. These scenes are scored first, whatever the budget.
    blocks = _scene_blocks(sp)
    notes_by_scene: dict[int, list[Any]] = defaultdict(list)
    for nt in getattr(sp, "notes", None) or []:
        sc = _note_scene(sp, int(getattr(nt, "line", 0) or 0))
        if sc is not None:
            notes_by_scene[sc].append(nt)
    marks = [scene_marks(blocks.get(i, []), notes_by_scene.get(i)) for i in range(n)]
    top = climax_scene(curve, duration_s)
    if top is not None:
        marks[top].marks.setdefault("climax", f"the highest tension late in the film "
                                              f"(scene {top})")
    turn = payoff_scene(curve, duration_s)
    if turn is not None:
        marks[turn].marks.setdefault("payoff", f"the story turns for good (scene {turn})")
    # bookends first: the opening and the last scene
    for i in {0, n - 1}:
        chosen[i] = True
        used += sp.scenes[i].duration_s
    # then the marked scenes, most marked first, up to MUST_MAX_FRACTION of the runtime
    must: set[int] = set()
    for i in sorted((i for i in range(n) if marks[i].musical),
                    key=lambda i: -mark_weight(marks[i]) / max(30.0, sp.scenes[i].duration_s)):
        d = sp.scenes[i].duration_s
        if chosen[i]:
            must.add(i)
            continue
        if used + d > MUST_MAX_FRACTION * duration_s:
            continue
        chosen[i] = True
        must.add(i)
        used += d
    order = sorted(range(n), key=lambda i: -need[i])
    for i in order:
        if chosen[i]:
            continue
        d = sp.scenes[i].duration_s
        if curve[i].dialogue_fraction > 0.75 and curve[i].tension < 0.5 and abs(
                curve[i].arousal) < 0.4:
            continue  # a dialogue-heavy, calm scene: leave it dry
        if used + d > budget:
            continue
        chosen[i] = True
        used += d

    # bridge short dry gaps between two cues; drop tiny isolated cues (they read as stings
    # only when the tension is high)
    dur = [sc.duration_s for sc in sp.scenes]
    for i in range(1, n - 1):
        if not chosen[i] and chosen[i - 1] and chosen[i + 1] and dur[i] < MIN_GAP_S:
            chosen[i] = True
    i = 0
    while i < n:
        if not chosen[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and chosen[j + 1]:
            j += 1
        run_s = sum(dur[i : j + 1])
        if run_s < MIN_CUE_S and i != 0 and j != n - 1 and not must & set(range(i, j + 1)) \
                and max(curve[k].tension for k in range(i, j + 1)) < 0.6:
            for k in range(i, j + 1):
                chosen[k] = False
        i = j + 1

    # group chosen scenes into cues: consecutive scenes, split at emotional turns / max length
    groups: list[list[int]] = []
    for i in range(n):
        if not chosen[i]:
            continue
        if groups and groups[-1][-1] == i - 1:
            prev = curve[i - 1]
            cur = curve[i]
            jump = abs(cur.valence - prev.valence) + abs(cur.arousal - prev.arousal) + abs(
                cur.tension - prev.tension)
            g_start = sp.scenes[groups[-1][0]].start_s
            g_len = sp.scenes[i].start_s - g_start
            too_long = sp.scenes[i].start_s + sp.scenes[i].duration_s - g_start > MAX_CUE_S
            turn = jump >= TURN_THRESHOLD and g_len >= MIN_TURN_CUE_S and dur[i] >= MIN_CUE_S
            if not turn and not too_long:
                groups[-1].append(i)
                continue
        groups.append([i])

    cues: list[CueAnalysis] = []
    reel_counts: Counter[int] = Counter()
    for gi, g in enumerate(groups):
        first, last = sp.scenes[g[0]], sp.scenes[g[-1]]
        start = 0.0 if g[0] == 0 else first.start_s  # the opening includes any prologue
        end = last.start_s + last.duration_s
        if end - start < 1.0:
            end = start + 1.0
        funcs, mood, _conf = _blend_readings([readings[i] for i in g],
                                                 [max(0.5, sp.scenes[i].duration_s) for i in g])
        function_from = "classifier"
        why: list[str] = []
        if g[-1] == n - 1:
            credits = credits_seconds(duration_s)
            end = max(end, duration_s) + credits
            why.append(f"runs on over the end credits (about {credits:.0f} s for a film of "
                       f"{duration_s / 60:.0f} min)")
        for i in g:
            for kind, line in marks[i].marks.items():
                why.append(f"scene {i} marks music ({kind}: {line[:70]})")
        if funcs[0][0] == "sting" and end - start > STING_MAX_S:
            funcs = _demote(funcs, "sting")
            why.append(f"too long for a sting ({end - start:.0f} s)")
        if g[0] == 0:
            funcs = _with_prior(funcs, "bookend", 0.5)
            function_from = "position (opening) + classifier"
            why.append("opening of the film: main-title territory")
        elif g[-1] == n - 1:
            funcs = _with_prior(funcs, "bookend", 0.5)
            function_from = "position (ending) + classifier"
            why.append("last scene: end titles")
        prev_i = g[0] - 1
        if prev_i >= 0 and chosen[prev_i]:
            pc, cc = curve[prev_i], curve[g[0]]
            why.append(f"emotional turn from scene {prev_i} (valence {pc.valence:+.2f}->"
                       f"{cc.valence:+.2f}, tension {pc.tension:.2f}->{cc.tension:.2f})")
        best = max(g, key=lambda i: need[i])
        p = curve[best]
        head = sp.scenes[best].heading
        why.append(f"scene {best} ({head}): tension {p.tension:.2f}, arousal {p.arousal:+.2f},"
                   f" dialogue {p.dialogue_fraction:.0%}")
        why.append(f"reads as {funcs[0][0]} ({funcs[0][1]:.2f})")
        sure = funcs[0][1] >= 0.45 and funcs[0][1] - funcs[1][1] >= 0.1
        if len(g) > 1:
            why.insert(0, f"scenes {g[0]}-{g[-1]}")
        reel = 1 + int(start // REEL_S)
        reel_counts[reel] += 1
        cid = f"{reel}M{reel_counts[reel]}"
        spans = _clip_dialogue(start, end, sp.dialogue)
        cues.append(CueAnalysis(
            id=cid, start_s=start, end_s=end, start_tc=_tc(start, rate, start_tc),
            end_tc=_tc(end, rate, start_tc), title=_cue_title(sp.scenes[g[0]]),
            function=funcs[0][0], functions=funcs, function_from=function_from,
            mood=_mood_dict(mood), dialogue=spans, scenes=list(g), reason="; ".join(why),
            proposed=True, confident=sure,
            question="" if sure else
            f"{cid}: is this {funcs[0][0]} ({funcs[0][1]:.2f}) or {funcs[1][0]} "
            f"({funcs[1][1]:.2f})?",
            source=funcs[0][0] == "source",
            hits=[Hit(time_s=marks[i].shock[0], label=marks[i].shock[1][:80], important=True,
                      landing="downbeat", tolerance_frames=1.0)
                  for i in g if marks[i].shock is not None
                  and start <= marks[i].shock[0] <= end]))
        del gi
    # a shock in a scene left dry gets a sting: seconds, never minutes
    for i in range(n):
        shock = marks[i].shock
        if chosen[i] or shock is None or curve[i].raw[2] < STING_MIN_TENSION:
            continue
        t0 = max(0.0, shock[0] - 0.5)
        t1 = t0 + STING_S
        funcs = [(k, p) for k, p in readings[i].functions]
        funcs = sorted([(k, (p + 1.0) / 2 if k == "sting" else p / 2) for k, p in funcs],
                       key=lambda kv: -kv[1])
        cues.append(CueAnalysis(
            id="", start_s=t0, end_s=t1, start_tc=_tc(t0, rate, start_tc),
            end_tc=_tc(t1, rate, start_tc), title=_cue_title(sp.scenes[i]) + " (sting)",
            function="sting", functions=funcs, function_from="shock line + classifier",
            mood=_mood_dict(readings[i].mood), dialogue=[], scenes=[i],
            reason=f"scene {i}: a shock on the page ({shock[1][:80]}); a sting of "
                   f"{STING_S:.0f} s, the scene otherwise dry",
            proposed=True, confident=True,
            hits=[Hit(time_s=shock[0], label=shock[1][:80], important=True, landing="downbeat",
                      tolerance_frames=0.0)]))
    cues.sort(key=lambda c: c.start_s)
    reel_counts = Counter()
    for c in cues:
        reel = 1 + int(c.start_s // REEL_S)
        reel_counts[reel] += 1
        old_id, c.id = c.id, f"{reel}M{reel_counts[reel]}"
        if old_id and c.question.startswith(old_id + ":"):
            c.question = c.id + c.question[len(old_id):]

    # silences: the unscored runs between cues
    silences: list[Silence] = []
    run: list[int] = []
    for i in range(n + 1):
        if i < n and not chosen[i]:
            run.append(i)
            continue
        if run:
            s0, s1 = sp.scenes[run[0]], sp.scenes[run[-1]]
            dial = sum(curve[k].dialogue_fraction * sp.scenes[k].duration_s for k in run) / max(
                1e-6, sum(sp.scenes[k].duration_s for k in run))
            calm = sum(curve[k].tension for k in run) / len(run)
            reason = (f"leave dry: {dial:.0%} dialogue, mean tension {calm:.2f}"
                      if dial > 0.5 or calm < 0.4 else
                      "leave dry so the score does not run wall-to-wall; the cues either side "
                      "land harder after silence")
            silences.append(Silence(s0.start_s, s1.start_s + s1.duration_s, list(run), reason))
            run = []
    # a sting inside a dry run splits it
    for c in cues:
        if c.function != "sting" or not c.function_from.startswith("shock"):
            continue
        out: list[Silence] = []
        for sl in silences:
            if sl.start_s < c.end_s and c.start_s < sl.end_s:
                if c.start_s - sl.start_s > 1e-6:
                    out.append(Silence(sl.start_s, c.start_s, sl.scenes, sl.reason))
                if sl.end_s - c.end_s > 1e-6:
                    out.append(Silence(c.end_s, sl.end_s, sl.scenes, sl.reason))
            else:
                out.append(sl)
        silences = out
    return cues, silences


def _cue_title(scene: Scene) -> str:
    loc = _title(scene.location) if scene.location else _title(scene.heading)
    return loc[:60]
