"""Scene reading for a script analysis: the classifier adapter and the emotional curve.

Split out of :mod:`.script`: one batched call of the cue classifier (a lexicon fallback
when it is missing), the mood-bearing text of each scene, the per-scene curve (the
blending and smoothing live in :mod:`.curve`), and small scene look-ups.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from assistant.analysis.script_model import CurvePoint
from assistant.analysis.script_words import _WORD_RE
from assistant.errors import InputError
from assistant.project import CUE_FUNCTIONS, DialogueSpan, Mood, Scene

log = logging.getLogger(__name__)


# ============================================================================ classifier adapter
@dataclass
class _Reading:
    functions: list[tuple[str, float]]
    mood: Mood
    evidence: Any
    confident: bool
    question: str


def _read(texts: list[str], warnings: list[str], explain: bool = False
          ) -> tuple[list[_Reading], str]:
    """One batched call of the cue classifier; a lexicon fallback if it is not installed.

    Texts the classifier refuses (a scene with no words, only a heading) get the lexicon
    reading instead, so one odd scene never fails the whole analysis.
    """
    if not texts:
        return [], ""
    try:
        from assistant.analysis.classify import check_text, read_cues

        ok: list[int] = []
        for i, t in enumerate(texts):
            try:
                check_text(t)
                ok.append(i)
            except InputError:
                pass
        out = read_cues([texts[i] for i in ok], explain=explain) if ok else []
        res = [_lexicon_reading(t) for t in texts]
        from assistant.analysis.brief import model_vat

        for i, r in zip(ok, out, strict=True):
            v, a, t = model_vat(r.mood)
            mood = Mood(valence=max(-1.0, min(1.0, v)), arousal=max(-1.0, min(1.0, a)),
                        tension=max(0.0, min(1.0, t)), tags=list(r.mood.tags))
            res[i] = _Reading(list(r.functions), mood, r.evidence or {}, bool(r.confident),
                              str(r.question or ""))
        return res, "classifier (MiniLM embeddings + trained head)"
    except ImportError as exc:
        msg = f"cue classifier not installed ({exc}); moods from the brief lexicon only"
    except (FileNotFoundError, RuntimeError, OSError, InputError, ValueError) as exc:
        msg = f"cue classifier unavailable ({exc}); moods from the brief lexicon only"
    log.warning(msg)
    warnings.append(msg)
    return [_lexicon_reading(t) for t in texts], "lexicon fallback"


def _lexicon_reading(text: str) -> _Reading:
    from assistant.analysis.brief import _MOOD_WORDS, TAG_INFO

    words = [w.lower() for w in _WORD_RE.findall(text)]
    tags: Counter[str] = Counter()
    for w in words:
        for t in _MOOD_WORDS.get(w, ()):
            tags[t] += 1
    if tags:
        tot = sum(tags.values())
        v = sum(TAG_INFO[t][0] * c for t, c in tags.items()) / tot
        a = sum(TAG_INFO[t][1] * c for t, c in tags.items()) / tot
        te = sum(TAG_INFO[t][2] * c for t, c in tags.items()) / tot
    else:
        v, a, te = 0.0, 0.0, 0.3
    mood = Mood(valence=max(-1, min(1, v)), arousal=max(-1, min(1, a)),
                tension=max(0, min(1, te)), tags=[t for t, _ in tags.most_common(2)])
    p = 1.0 / len(CUE_FUNCTIONS)
    return _Reading([(f, p) for f in CUE_FUNCTIONS], mood, {}, False,
                    "no classifier: which function should this cue have?")


# ============================================================================ scene look-ups
def _scene_blocks(sp: Any) -> dict[int, list[Any]]:
    blocks: dict[int, list[Any]] = defaultdict(list)
    for e in sp.elements:
        if e.scene_index is not None:
            blocks[e.scene_index].append(e)
    return blocks


def _note_scene(sp: Any, line: int) -> int | None:
    """The scene a ``[[note]]`` at ``line`` sits in (the last heading above it)."""
    best = None
    for s in sp.scenes:
        if getattr(s, "line", 0) and s.line <= line:
            best = s.index
    return best


def _scenes_overlapping(scenes: list[Scene], start: float, end: float) -> list[int]:
    return [s.index for s in scenes
            if s.start_s < end and s.start_s + max(s.duration_s, 1e-6) > start]


# ============================================================================ scene texts and curve
def _scene_texts(sp: Any) -> tuple[list[str], list[float], list[Any]]:
    """A mood-bearing text per scene (event lines first, see :mod:`curve`), its dialogue
    share, and what happened in it (:class:`~assistant.analysis.curve.SceneEvents`)."""
    from assistant.analysis.curve import scene_events, scene_text

    blocks = _scene_blocks(sp)
    texts: list[str] = []
    dfrac: list[float] = []
    events: list[Any] = []
    for s in sp.scenes:
        els = blocks.get(s.index, [])
        texts.append(scene_text(els, s.location, s.heading))
        events.append(scene_events(els))
        dur = sum(e.dur_s for e in els) or 1.0
        ddur = sum(e.dur_s for e in els if e.kind in ("dialogue", "character", "parenthetical"))
        dfrac.append(min(1.0, ddur / dur))
    return texts, dfrac, events


def _curve(sp: Any, readings: list[_Reading], dfrac: list[float],
           events: list[Any] | None = None) -> list[CurvePoint]:
    """Per-scene points: the classifier's reading blended with the scene's events, then
    lightly smoothed (raw values kept)."""
    from assistant.analysis.curve import blend, smooth

    raw: list[tuple[float, float, float, float]] = []
    for i, r in enumerate(readings):
        ev = events[i] if events else None
        m = (r.mood.valence, r.mood.arousal, r.mood.tension)
        raw.append(blend(m, ev) if ev is not None else (*m, 0.0))
    vs = smooth([x[0] for x in raw])
    as_ = smooth([x[1] for x in raw])
    ts = smooth([x[2] for x in raw])
    out = []
    for i, s in enumerate(sp.scenes):
        ev = events[i] if events else None
        tags = list(readings[i].mood.tags)
        if ev is not None and ev.tags and raw[i][3] >= 0.5:
            tags = list(dict.fromkeys(ev.tags + tags))[:2]
        out.append(CurvePoint(s.index, s.start_s, s.duration_s, vs[i], as_[i], ts[i], tags,
                              raw[i][:3], dfrac[i],
                              events=list(ev.events) if ev else [],
                              evidence=list(ev.evidence) if ev else [],
                              event_share=raw[i][3]))
    return out


# ============================================================================ a script without headings
@dataclass
class _OneSceneScript:
    """A screenplay without headings, seen as one scene (same attributes the analysis uses)."""

    title: str
    scenes: list[Scene]
    characters: list[Any]
    dialogue: list[DialogueSpan]
    elements: list[Any]
    total_s: float

    def duration_s(self) -> float:
        return self.total_s

    def scene_text(self, index: int) -> str:
        return "\n".join(e.text for e in self.elements if e.kind in ("action", "dialogue"))


def _one_scene(sp: Any) -> _OneSceneScript:
    from dataclasses import replace

    total = float(sp.duration_s())
    scene = Scene(index=0, heading="(no scene headings)", start_s=0.0, duration_s=total)
    elements = [replace(e, scene_index=0) for e in sp.elements]
    chars = [replace(c, scenes=[0]) for c in sp.characters]
    spans = [replace(d, scene_index=0) for d in sp.dialogue]
    return _OneSceneScript(getattr(sp, "title", ""), [scene], chars, spans, elements, total)
