"""Script-to-cut alignment: place the screenplay's scenes on the picture's timeline.

A screenplay's times are page estimates (a page a minute); a spotting list's times come
from the locked cut. On a real film the two disagree by minutes, so linking cues to scenes
by the page times links most cues to nothing, or to the wrong scenes. This module finds
where each scene really plays:

1. **Anchors** on the picture's timeline, each with words: every cue's start (its title
   and the first sentence of its notes), its end (the last sentence), and every hit
   (its label). Quoted dialogue in a note (``"Don't rush the turn"``) is an anchor too.
2. **Units** of the script, each with a page-estimate time: action paragraphs, speeches
   (speaker + words) and scene headings.
3. **Similarity** of every anchor to every unit: sentence embeddings (MiniLM, the same
   model as the classifier) of the anchor against the unit and against the unit's whole
   scene, plus shared names (characters, places, objects), weighted by how rare the word
   is in the script. Quoted dialogue that a speech contains scores highest.
4. **The best monotonic alignment** (dynamic programming over the few best candidate
   units per anchor): the chosen (unit, anchor) pairs must move forward together in both
   timelines, at a local stretch between 1/10 and 10 times the page estimate, and pay for
   straying from the film's median stretch. Weak candidates are left unchosen.
5. **A piecewise-linear warp** through the chosen pairs maps script seconds to picture
   seconds (the median stretch beyond the first and last anchor). Scenes, speeches and
   action lines are placed with it.

Scene start timecodes, when the user has them (:mod:`assistant.importers.scenecuts`, from
an EDL of scene cuts or a CSV), are fixed anchors, and so are a cue's ``scenes`` when the
user has set them (``Cue.scenes`` in the project: the correction of the alignment).

Each cue gets its scenes, its speeches (with characters) and action lines on the picture's
timeline, and a confidence in [0, 1] with the anchors that placed it.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.project import DialogueSpan, Scene

log = logging.getLogger(__name__)

#: weights of the similarity (design defaults, tuned on the example film only by checking
#: that its page estimate, shifted and stretched, comes back; see tests/test_alignment.py)
W_UNIT_EMBED = 0.45
W_SCENE_EMBED = 0.30
W_NAMES = 0.55
#: a candidate below this similarity is never worth choosing
MIN_SIM = 0.30
#: candidates kept per anchor
TOP_K = 6
#: the price of straying from the median stretch, per unit of |log(ratio)|
SLOPE_COST = 0.25
SLOPE_RANGE = (0.1, 10.0)
#: how much the film's first frame counts as the script's first scene (a soft anchor)
FILM_START_SIM = 0.8
#: beyond the first and last anchor the stretch leans back to the page estimate when
#: there are few anchors: log(slope) * n / (n + SHRINK_N) for n knot-to-knot segments
SHRINK_N = 3
#: weight of the anchor kinds
KIND_WEIGHT = {"start": 1.0, "hit": 0.9, "end": 0.6, "quote": 1.3, "fixed": 100.0}

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+")
_QUOTE = re.compile(r"[\"\u201c]([^\"\u201d]{6,120})[\"\u201d]")
_SENT = re.compile(r"(?<=[.!?;])\s+")
_STOP = frozenset(re.split(r"\s+", """
a an the and or but of to in on at by for with from into onto over under up down out off as
is are was were be been being it its it's this that these those he she they we you i his her
their our your my him them us me then than so if when while before after again still just
only very too not no nor all any some each every more most less least much many one two
three first last next other there here where what who whom which how why cue music score
plays play playing under dialogue scene scenes cut cuts shot shots let keep make makes
theme themes statement strings piano start starts end ends open opens close closes
through across back away around about like into time way full feel feels felt gets get
""".strip()))


# ============================================================================ data
@dataclass
class Anchor:
    """A moment on the picture's timeline with the words that describe it."""

    time_s: float  # film seconds (spotting-list time)
    text: str
    kind: str  # start | end | hit | quote | fixed
    cue_index: int | None = None
    fixed_script_s: float | None = None  # fixed anchors: where it lies in the script


@dataclass
class Unit:
    """A piece of the script with its page-estimate time."""

    start_s: float
    dur_s: float
    text: str
    kind: str  # action | speech | heading
    scene_index: int | None


@dataclass
class Pair:
    anchor: int
    unit: int
    sim: float
    t: float  # picture seconds
    u: float  # script seconds
    margin: float = 1.0  # sim minus the anchor's best candidate in another scene


@dataclass
class CueAlignment:
    """Where one cue lies in the script."""

    cue_id: str
    scenes: list[int]
    confidence: float
    method: str  # anchors | scene cuts | user | page estimate
    anchors: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"scenes": self.scenes, "confidence": round(self.confidence, 3),
                "method": self.method, "anchors": self.anchors}


@dataclass
class Alignment:
    """The warp from script seconds to picture seconds, and what it placed."""

    knots_script_s: list[float]
    knots_film_s: list[float]
    slope: float  # picture seconds per script second beyond the knots
    scenes: list[Scene]  # scenes on the picture's timeline
    cues: list[CueAlignment]
    pairs: list[Pair]
    method: str

    def to_film(self, script_s: float) -> float:
        """Picture seconds of a script time (the piecewise-linear warp)."""
        xs, ys = self.knots_script_s, self.knots_film_s
        if not xs:
            return script_s
        if script_s <= xs[0]:
            return ys[0] - (xs[0] - script_s) * self.slope
        if script_s >= xs[-1]:
            return ys[-1] + (script_s - xs[-1]) * self.slope
        return float(np.interp(script_s, xs, ys))

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "slope": round(self.slope, 4),
                "knots": [{"script_s": round(a, 3), "film_s": round(b, 3)}
                          for a, b in zip(self.knots_script_s, self.knots_film_s, strict=True)],
                "cues": {c.cue_id: c.to_dict() for c in self.cues}}


# ============================================================================ anchors / units
def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.split(text or "") if len(s.strip()) > 3]


def cue_anchors(cues: list[Any]) -> list[Anchor]:
    """Anchors from the spotting list: cue starts, ends, hits and quoted dialogue."""
    out: list[Anchor] = []
    for i, c in enumerate(cues):
        sents = _sentences(c.notes)
        head = ". ".join(x for x in (c.title, sents[0] if sents else "") if x)
        if head:
            out.append(Anchor(c.start_s, head, "start", i))
        if len(sents) > 1:
            out.append(Anchor(c.end_s, sents[-1], "end", i))
        for h in c.hits:
            if h.label.strip():
                out.append(Anchor(h.time_s, h.label, "hit", i))
        for m in _QUOTE.finditer(c.notes or ""):
            # a quote is somewhere inside the cue: put it where the note mentions it
            pos = m.start() / max(1, len(c.notes))
            out.append(Anchor(c.start_s + pos * (c.end_s - c.start_s), m.group(1), "quote", i))
    return sorted(out, key=lambda a: a.time_s)


def script_units(sp: Any) -> list[Unit]:
    """Action paragraphs, speeches and headings of the screenplay, in order."""
    units: list[Unit] = []
    speech: list[str] = []
    speaker = ""
    t0 = d0 = 0.0
    sc: int | None = None

    def flush() -> None:
        nonlocal speech
        if speech:
            units.append(Unit(t0, d0, f"{speaker.title()}: {' '.join(speech)}", "speech", sc))
            speech = []

    for e in sp.elements:
        if e.kind == "dialogue":
            if not speech or e.character != speaker:
                flush()
                speaker, t0, d0, sc = e.character or "", e.start_s, 0.0, e.scene_index
            speech.append(e.text)
            d0 = e.start_s + e.dur_s - t0
            continue
        if e.kind in ("character", "parenthetical"):
            continue
        flush()
        if e.kind == "action" and e.text.strip():
            units.append(Unit(e.start_s, e.dur_s, e.text, "action", e.scene_index))
        elif e.kind == "scene_heading" or e.kind == "heading":
            units.append(Unit(e.start_s, e.dur_s, e.text, "heading", e.scene_index))
    flush()
    if not any(u.kind == "heading" for u in units):
        for s in sp.scenes:
            units.append(Unit(s.start_s, 0.0, s.heading, "heading", s.index))
        units.sort(key=lambda u: u.start_s)
    return units


# ============================================================================ similarity
def _words(text: str) -> list[str]:
    return [w.lower().strip("'-").removesuffix("'s") for w in _WORD.findall(text or "")]


def _content(text: str) -> set[str]:
    return {w for w in _words(text) if len(w) > 2 and w not in _STOP}


def _stem(w: str) -> str:
    for suf in ("ing", "ed", "es", "s"):
        if len(w) > len(suf) + 3 and w.endswith(suf):
            return w[: -len(suf)]
    return w


def _name_scores(anchors: list[Anchor], units: list[Unit], sp: Any) -> np.ndarray:
    """(A, U) share of each anchor's informative words (rare in the script, character
    names double) that the unit or its scene heading contains."""
    headings = {s.index: s.heading for s in sp.scenes}
    unit_sets = []
    for u in units:
        ws = _content(u.text) | _content(headings.get(u.scene_index, "") if u.scene_index
                                          is not None else "")
        unit_sets.append({_stem(w) for w in ws})
    # a unit read with its neighbours ("And he bolts." follows Crow's speech)
    ctx_sets = [unit_sets[j] | (unit_sets[j - 1] if j > 0 else set())
                | (unit_sets[j + 1] if j + 1 < len(unit_sets) else set())
                for j in range(len(unit_sets))]
    df: Counter[str] = Counter()
    for s in unit_sets:
        df.update(s)
    n = max(1, len(units))
    names = set()
    for c in getattr(sp, "characters", []):
        for al in [c.name] + list(getattr(c, "aliases", [])):
            names.update(_stem(w) for w in _content(al))
    out = np.zeros((len(anchors), len(units)), dtype=np.float32)
    for i, a in enumerate(anchors):
        aw = {_stem(w) for w in _content(a.text)}
        aw = {w for w in aw if df[w] > 0}  # a word the script never uses cannot match
        if not aw:
            continue
        wt = {w: math.log(1 + n / df[w]) * (2.0 if w in names else 1.0) for w in aw}
        tot = sum(wt.values())
        for j, s in enumerate(unit_sets):
            own = sum(wt[w] for w in aw & s)
            ctx = sum(wt[w] for w in aw & ctx_sets[j])
            if ctx:
                out[i, j] = (0.7 * own + 0.3 * ctx) / tot
    return out


def _quote_scores(anchors: list[Anchor], units: list[Unit]) -> np.ndarray:
    out = np.zeros((len(anchors), len(units)), dtype=np.float32)
    norm = [re.sub(r"[^a-z ]", "", u.text.lower()) for u in units]
    for i, a in enumerate(anchors):
        if a.kind != "quote":
            continue
        q = re.sub(r"[^a-z ]", "", a.text.lower()).strip()
        for j, t in enumerate(norm):
            if q and q in t:
                out[i, j] = 1.0
    return out


_EMBED_CACHE: dict[str, np.ndarray] = {}
_EMBED_CACHE_MAX = 20000


def _embed_cached(texts: list[str]) -> np.ndarray:
    """Sentence embeddings (N, 384), remembered per text for the process (a script is
    aligned again after each correction; only new texts are embedded)."""
    from assistant.analysis.embed import embed

    todo = list(dict.fromkeys(t for t in texts if t not in _EMBED_CACHE))
    if todo:
        if len(_EMBED_CACHE) + len(todo) > _EMBED_CACHE_MAX:
            _EMBED_CACHE.clear()
        for t, v in zip(todo, embed(todo), strict=True):
            _EMBED_CACHE[t] = v
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.stack([_EMBED_CACHE[t] for t in texts])


def similarity(anchors: list[Anchor], units: list[Unit], sp: Any,
               use_model: bool = True) -> np.ndarray:
    """(A, U) similarity of anchors to script units (see the module docstring)."""
    sim = W_NAMES * _name_scores(anchors, units, sp) + _quote_scores(anchors, units)
    if use_model and anchors and units:
        try:
            scene_ids = sorted({u.scene_index for u in units if u.scene_index is not None})
            scene_text = {i: " ".join(sp.scene_text(i).split()[:120]) or sp.scenes[i].heading
                          for i in scene_ids}
            ea = _embed_cached([a.text for a in anchors])  # (A, 384)
            eu = _embed_cached([" ".join(u.text.split()[:60]) for u in units])  # (U, 384)
            es = (_embed_cached([scene_text[i] for i in scene_ids]) if scene_ids
                  else np.zeros((0, 384), dtype=np.float32))
            s_unit = ea @ eu.T  # (A, U)
            col = {i: k for k, i in enumerate(scene_ids)}
            s_scene_all = ea @ es.T if len(scene_ids) else np.zeros((len(anchors), 0))
            s_scene = np.zeros_like(s_unit)
            for j, u in enumerate(units):
                if u.scene_index is not None:
                    s_scene[:, j] = s_scene_all[:, col[u.scene_index]]
            sim = sim + W_UNIT_EMBED * np.clip(s_unit, 0, 1) + W_SCENE_EMBED * np.clip(
                s_scene, 0, 1)
        except Exception as exc:  # noqa: BLE001 - names alone still align
            log.warning("alignment without embeddings (%s); names only", exc)
    return sim


# ============================================================================ the DP
def _chain(pairs: list[Pair], median_slope: float | None) -> list[Pair]:
    """The best chain of pairs increasing in both timelines (weighted, with a stretch
    penalty around ``median_slope``)."""
    if not pairs:
        return []
    ps = sorted(pairs, key=lambda p: (p.t, p.u))
    lo, hi = SLOPE_RANGE
    best = [0.0] * len(ps)
    back = [-1] * len(ps)
    for i, p in enumerate(ps):
        gain = p.sim - MIN_SIM if p.sim < 50 else p.sim
        best[i] = gain
        for j in range(i):
            q = ps[j]
            if q.anchor == p.anchor or q.t >= p.t or q.u > p.u:
                continue
            dt, du = p.t - q.t, p.u - q.u
            if du <= 1e-6:
                if dt > 20.0:  # one script unit cannot last that long on screen
                    continue
                pen = 0.0
            else:
                slope = dt / du
                if not lo <= slope <= hi:
                    continue
                pen = SLOPE_COST * abs(math.log(slope / median_slope)) if median_slope else 0.0
            v = best[j] + gain - pen
            if v > best[i]:
                best[i], back[i] = v, j
    i = max(range(len(ps)), key=lambda k: best[k])
    out = []
    while i >= 0:
        out.append(ps[i])
        i = back[i]
    return out[::-1]


def _median_slope(chain: list[Pair]) -> float | None:
    slopes = []
    for a, b in zip(chain, chain[1:], strict=False):
        if b.u - a.u > 1e-6 and b.t > a.t:
            slopes.append((b.t - a.t) / (b.u - a.u))
    if len(chain) >= 2 and chain[-1].u > chain[0].u:
        slopes.append((chain[-1].t - chain[0].t) / (chain[-1].u - chain[0].u))
    return float(np.median(slopes)) if slopes else None


def _knots(chain: list[Pair]) -> tuple[list[float], list[float]]:
    """Strictly increasing knots through the chosen pairs (same unit: mean picture time)."""
    xs: list[float] = []
    ys: list[float] = []
    for p in chain:
        if xs and abs(p.u - xs[-1]) < 1e-6:
            ys[-1] = min(ys[-1], p.t)  # a unit starts when its first anchor plays
            continue
        if xs and p.t <= ys[-1]:
            continue
        xs.append(p.u)
        ys.append(p.t)
    return xs, ys


# ============================================================================ entry point
def align(sp: Any, cues: list[Any], *, scene_cuts: dict[int, float] | None = None,
          use_model: bool = True) -> Alignment:
    """Align the screenplay ``sp`` to the cut described by ``cues`` (a spotting list's
    cues, film seconds) and, when given, ``scene_cuts`` (scene index -> picture start, film
    seconds). A cue with ``scenes`` set by the user pins its start to the first of them."""
    scene_cuts = dict(scene_cuts or {})
    units = script_units(sp)
    anchors = cue_anchors(cues)
    fixed: list[Pair] = []
    for idx, t in sorted(scene_cuts.items()):
        if 0 <= idx < len(sp.scenes):
            fixed.append(Pair(-1 - idx, -1, 100.0, float(t), float(sp.scenes[idx].start_s)))
    for i, c in enumerate(cues):
        pinned = [k for k in (getattr(c, "scenes", None) or []) if 0 <= k < len(sp.scenes)]
        if pinned and min(pinned) not in scene_cuts:
            s0 = sp.scenes[min(pinned)]
            fixed.append(Pair(-1000 - i, -1, 100.0, float(c.start_s),
                              float(s0.start_s)))
    pairs: list[Pair] = list(fixed)
    if 0 not in scene_cuts and sp.scenes:
        # the spotting list counts from the film's first frame, where the script starts
        # (a soft anchor: titles or black before the first scene outvote it)
        pairs.append(Pair(-9999, -1, FILM_START_SIM, 0.0, float(sp.scenes[0].start_s)))
    if anchors and units:
        sim = similarity(anchors, units, sp, use_model=use_model)
        for i, a in enumerate(anchors):
            row = sim[i] * KIND_WEIGHT.get(a.kind, 1.0)
            top = np.argsort(-row)[:TOP_K]
            for j in top:
                if row[j] >= MIN_SIM:
                    other = max((float(row[k]) for k in top
                                 if units[k].scene_index != units[j].scene_index), default=0.0)
                    pairs.append(Pair(i, int(j), float(row[j]), a.time_s, units[j].start_s,
                                      float(row[j]) - other))
    chain = _chain(pairs, None)
    slope = _median_slope(chain)
    if slope is not None:
        chain = _chain(pairs, slope)
        slope = _median_slope(chain) or slope
    xs, ys = _knots(chain)
    if slope is None:
        slope = 1.0
    nseg = max(0, len(xs) - 1)
    slope = math.exp(math.log(max(slope, 1e-6)) * nseg / (nseg + SHRINK_N))
    method = ("scene cuts" if scene_cuts and len(scene_cuts) >= max(1, len(sp.scenes) - 1)
              else "anchors" if xs else "page estimate")
    al = Alignment(xs, ys, float(slope), [], [], chain, method)
    if not xs:  # nothing matched: the page estimate, as before
        al.knots_script_s, al.knots_film_s = [0.0], [0.0]
        al.slope = 1.0
    al.scenes = place_scenes(sp.scenes, al, scene_cuts)
    al.cues = [_cue_alignment(i, c, al, anchors, scene_cuts) for i, c in enumerate(cues)]
    return al


def place_scenes(scenes: list[Scene], al: Alignment, cuts: dict[int, float]) -> list[Scene]:
    """The scenes with their picture starts and durations."""
    from dataclasses import replace

    starts = [max(0.0, cuts.get(s.index, al.to_film(s.start_s))) for s in scenes]
    ends = [max(0.0, al.to_film(s.start_s + s.duration_s)) for s in scenes]
    out = []
    for k, s in enumerate(scenes):
        st = starts[k]
        en = starts[k + 1] if k + 1 < len(scenes) and (k + 1) in cuts else ends[k]
        if k + 1 < len(scenes):
            en = min(max(en, st), starts[k + 1]) if starts[k + 1] >= st else en
        out.append(replace(s, start_s=float(st), duration_s=float(max(0.0, en - st))))
    return out


def _cue_alignment(i: int, c: Any, al: Alignment, anchors: list[Anchor],
                   cuts: dict[int, float]) -> CueAlignment:
    pinned = [k for k in (getattr(c, "scenes", None) or []) if 0 <= k < len(al.scenes)]
    if pinned:
        return CueAlignment(c.id, sorted(set(pinned)), 1.0, "user")
    scenes = scenes_in(al.scenes, c.start_s, c.end_s)
    own = [p for p in al.pairs if 0 <= p.anchor < len(anchors) and anchors[p.anchor].cue_index == i]
    ev = [{"kind": anchors[p.anchor].kind, "text": anchors[p.anchor].text[:80],
           "film_s": round(p.t, 3), "script_s": round(p.u, 3), "similarity": round(p.sim, 3)}
          for p in own]
    if al.method == "scene cuts":
        return CueAlignment(c.id, scenes, 1.0, "scene cuts", ev)
    if cuts and any(c.start_s - 1 <= t <= c.end_s + 1 for t in cuts.values()):
        return CueAlignment(c.id, scenes, 0.95, "scene cuts", ev)
    if al.method == "page estimate":
        return CueAlignment(c.id, scenes, 0.1, "page estimate", ev)
    if own:
        # how much the anchors say (their similarity) and how sure they are of the scene
        # (their margin over the best candidate in another scene)
        strength = 1 - math.exp(-sum(max(0.0, p.sim - MIN_SIM) for p in own) / 0.4)
        margin = sum(p.margin for p in own) / len(own)
        sure = max(0.0, min(1.0, 0.5 + margin / 0.2))
        conf = 0.3 + 0.65 * strength * sure
        for e, p in zip(ev, own, strict=True):
            e["margin"] = round(p.margin, 3)
    else:
        d = min((min(abs(p.t - c.start_s), abs(p.t - c.end_s)) for p in al.pairs),
                default=1e9)
        conf = 0.45 * math.exp(-d / 90.0)
    return CueAlignment(c.id, scenes, float(min(1.0, conf)), "anchors", ev)


def scenes_in(scenes: list[Scene], start_s: float, end_s: float, min_overlap_s: float = 1.0
              ) -> list[int]:
    """Scenes that overlap ``[start_s, end_s)`` by at least ``min_overlap_s`` (or by most of
    a short cue), on the picture's timeline; the scene the cue starts in always counts."""
    out = []
    need = min(min_overlap_s, 0.5 * (end_s - start_s))
    for s in scenes:
        a, b = max(s.start_s, start_s), min(s.start_s + s.duration_s, end_s)
        if b - a >= need or s.start_s <= start_s < s.start_s + s.duration_s:
            out.append(s.index)
    return out


def warp_spans(spans: list[DialogueSpan], al: Alignment) -> list[DialogueSpan]:
    """Speeches on the picture's timeline."""
    out = []
    for d in spans:
        a, b = al.to_film(d.start_s), al.to_film(d.end_s)
        if b <= 0:
            continue  # before the first frame of the cut
        a = max(0.0, a)
        out.append(DialogueSpan(character=d.character, start_s=a, end_s=max(b, a + 0.2),
                                scene_index=d.scene_index, text=d.text))
    return out


def action_lines(sp: Any, al: Alignment, start_s: float, end_s: float) -> list[dict[str, Any]]:
    """Action paragraphs whose picture time falls inside the cue (cue-relative seconds)."""
    out = []
    for e in sp.elements:
        if e.kind != "action" or not e.text.strip():
            continue
        t = al.to_film(e.start_s)
        if start_s <= t < end_s:
            out.append({"time_s": round(t - start_s, 3), "scene_index": e.scene_index,
                        "text": e.text.strip()[:240]})
    return out


__all__ = ["Alignment", "Anchor", "CueAlignment", "Unit", "action_lines", "align",
           "cue_anchors", "place_scenes", "scenes_in", "script_units", "similarity",
           "warp_spans"]
