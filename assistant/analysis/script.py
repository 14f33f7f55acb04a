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
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.project import CUE_FUNCTIONS, Cue, DialogueSpan, Mood, Scene
from assistant.timecode import FrameRate, seconds_to_tc

log = logging.getLogger(__name__)

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
MIN_GAP_S = 15.0
#: a turn only splits a run into two cues when both parts are at least this long
MIN_TURN_CUE_S = 45.0
SCENE_TEXT_WORDS = 80
#: a spotting note shorter than this is read together with the script text under the cue
CUE_NOTE_MIN_WORDS = 12
SMOOTHING = (0.2, 0.6, 0.2)

def _wordset(text: str) -> frozenset[str]:
    """A word list written as running text."""
    return frozenset(text.split())


_AGE_PREFIXES = ("YOUNG", "YOUNGER", "OLD", "OLDER", "ADULT", "SENIOR", "LITTLE", "TEEN",
                 "TEENAGE", "BABY", "ELDERLY", "AGED", "KID", "BOY", "GIRL")
_NOT_PEOPLE = {"ALL", "BOTH", "EVERYONE", "CROWD", "VOICE", "VOICES", "TOGETHER", "OTHERS",
               "GROUP", "ANNOUNCER", "TV", "RADIO", "NARRATOR", "SUPER", "TITLE", "CHORUS"}

_STOP = _wordset("""
a an the this that these those his her its their our my your some any each every no other another
and or but if then than so as of at by for with without from into onto upon in on off out over
under up down to through across behind beside between around about after before while during
he she it they we you i me him them us who whom whose which what where when why how
is are was were be been being has have had do does did will would can could should may might must
not very just also only even still again back away here there now too more most much many few
all both either neither one two three four five first second last next same own such
something nothing everything anything someone somebody everyone anyone way thing things
moment beat time times day night morning evening afternoon today tonight minute minutes second
seconds hour hours year years week weeks lot bit kind sort side end front top bottom middle
part piece place places room rooms door doors floor wall walls window windows table chair
head heads face faces eyes hand hands arm arms leg legs foot feet shoulder shoulders hair
mouth lips voice voices body back finger fingers knees neck chest look looks glance smile
camera shot angle pov cut scene scenes continuous later angle insert close closeup wide reverse
man men woman women people person guy guys boy boys girl girls kid kids child children crowd
mr mrs ms dr okay ok yeah yes hey oh uh um well right left
father mother dad daddy mom mommy mama papa son daughter wife husband brother sister friend friends
parent parents baby uncle aunt grandfather grandmother grandma grandpa boyfriend girlfriend
doctor nurse sir ma'am madam lady gentleman gentlemen folks everybody anybody nobody
street road office kitchen bedroom bathroom hall hallway building stairs step steps house car
life times thought idea question answer reason case point matter course fact stuff
best rest see let look know get got okay please thanks sorry size cheers work show job
new old young little big small large long short good bad great whole other full empty
edge corner direction distance ground air light lights sound sounds noise silence
line lines word words name names number numbers way ways
""")

_IDEA_WORDS = _wordset("""
story stories truth lie lies lying death dying love home dream dreams memory memories luck
fate destiny faith war family freedom legend legends secret secrets promise promises courage
fear hope past future myth myths magic god heaven hell justice revenge vengeance honor honour
trust betrayal loss grief guilt power money fame glory childhood marriage wedding birth
forgiveness redemption sacrifice loyalty friendship ambition greed pride shame innocence
""")

_DETERMINERS = {"the", "a", "an", "his", "her", "their", "its", "my", "your", "our", "this",
                "that", "these", "those"}
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\-]*")


# ============================================================================ results
@dataclass
class CharacterStat:
    name: str
    aliases: list[str]
    dialogue_lines: int
    dialogue_words: int
    dialogue_share: float  # of all spoken words
    scenes: list[int]
    scene_share: float  # of all scenes
    score: float
    main: bool = False


@dataclass
class MotifCandidate:
    """A character, place, object or idea that may deserve a theme, with its evidence."""

    name: str
    kind: str  # character | place | object | idea
    score: float
    scenes: list[int]
    mentions: int
    spread: float  # share of the film between first and last appearance
    forms: list[str] = field(default_factory=list)


@dataclass
class CurvePoint:
    scene_index: int
    start_s: float
    duration_s: float
    valence: float
    arousal: float
    tension: float
    tags: list[str]
    raw: tuple[float, float, float]
    dialogue_fraction: float


@dataclass
class CueAnalysis:
    """A cue (given or proposed) with what the analysis thinks it should do."""

    id: str
    start_s: float
    end_s: float
    start_tc: str = ""
    end_tc: str = ""
    title: str = ""
    function: str = ""
    functions: list[tuple[str, float]] = field(default_factory=list)
    function_from: str = "classifier"  # classifier | spotting list | position
    mood: dict[str, Any] = field(default_factory=dict)
    dialogue: list[DialogueSpan] = field(default_factory=list)
    scenes: list[int] = field(default_factory=list)
    reason: str = ""
    proposed: bool = False
    confident: bool = True
    question: str = ""
    evidence: Any = field(default_factory=dict)
    source: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["functions"] = [{"label": k, "score": round(float(p), 4)} for k, p in self.functions]
        d["dialogue"] = [_span_dict(s) for s in self.dialogue]
        d["start_s"], d["end_s"] = round(self.start_s, 3), round(self.end_s, 3)
        d["duration_s"] = round(self.end_s - self.start_s, 3)
        return d


@dataclass
class Silence:
    start_s: float
    end_s: float
    scenes: list[int]
    reason: str


@dataclass
class ScriptAnalysis:
    title: str
    duration_s: float
    scenes: list[Scene]
    characters: list[CharacterStat]
    leitmotif_candidates: list[MotifCandidate]
    emotional_curve: list[CurvePoint]
    cues: list[CueAnalysis]
    silences: list[Silence]
    proposed: bool
    scored_fraction: float
    warnings: list[str] = field(default_factory=list)
    model: str = ""

    @property
    def main_characters(self) -> list[str]:
        return [c.name for c in self.characters if c.main]

    def to_dict(self) -> dict[str, Any]:
        """One JSON object: the ``analyze --json`` contract."""
        return {
            "title": self.title,
            "duration_s": round(self.duration_s, 3),
            "scenes": [_scene_dict(s) for s in self.scenes],
            "characters": [_r(asdict(c)) for c in self.characters],
            "main_characters": self.main_characters,
            "leitmotif_candidates": [_r(asdict(m)) for m in self.leitmotif_candidates],
            "emotional_curve": [_curve_dict(p) for p in self.emotional_curve],
            "cues": [c.to_dict() for c in self.cues],
            "cues_proposed": self.proposed,
            "silences": [_r(asdict(s)) for s in self.silences],
            "scored_fraction": round(self.scored_fraction, 3),
            "warnings": list(self.warnings),
            "model": self.model,
        }


def _r(d: Any) -> Any:
    if isinstance(d, float):
        return round(d, 4)
    if isinstance(d, dict):
        return {k: _r(v) for k, v in d.items()}
    if isinstance(d, (list, tuple)):
        return [_r(v) for v in d]
    return d


def _scene_dict(s: Scene) -> dict[str, Any]:
    return {"index": s.index, "heading": s.heading, "int_ext": s.int_ext, "location": s.location,
            "time_of_day": s.time_of_day, "start_s": round(s.start_s, 3),
            "duration_s": round(s.duration_s, 3), "line": s.line, "synopsis": s.synopsis}


def _span_dict(s: DialogueSpan) -> dict[str, Any]:
    return {"character": s.character, "start_s": round(s.start_s, 3),
            "end_s": round(s.end_s, 3), "scene_index": s.scene_index, "text": s.text}


def _curve_dict(p: CurvePoint) -> dict[str, Any]:
    return {"scene_index": p.scene_index, "start_s": round(p.start_s, 3),
            "duration_s": round(p.duration_s, 3), "valence": round(p.valence, 3),
            "arousal": round(p.arousal, 3), "tension": round(p.tension, 3), "tags": p.tags,
            "raw": [round(x, 3) for x in p.raw],
            "dialogue_fraction": round(p.dialogue_fraction, 3)}


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


# ============================================================================ characters
def _base_name(name: str, names: set[str]) -> str:
    parts = name.split()
    if len(parts) > 1 and parts[0] in _AGE_PREFIXES:
        rest = " ".join(parts[1:])
        if rest in names:
            return rest
    return name


def _characters(sp: Any) -> list[CharacterStat]:
    n_scenes = max(1, len(sp.scenes))
    names = {c.name for c in sp.characters}
    merged: dict[str, dict[str, Any]] = {}
    for c in sp.characters:
        base = _base_name(c.name, names)
        m = merged.setdefault(base, {"aliases": [], "lines": 0, "words": 0, "scenes": set()})
        m["lines"] += c.dialogue_lines
        m["words"] += c.dialogue_words
        m["scenes"].update(c.scenes)
        for al in [c.name] + list(c.aliases):
            if al != base and al not in m["aliases"]:
                m["aliases"].append(al)
    total_words = max(1, sum(m["words"] for m in merged.values()))
    out: list[CharacterStat] = []
    for name, m in merged.items():
        ds = m["words"] / total_words
        ss = len(m["scenes"]) / n_scenes
        out.append(CharacterStat(name, m["aliases"], m["lines"], m["words"], ds,
                                 sorted(m["scenes"]), ss, 0.0))
    if not out:
        return out
    max_d = max(c.dialogue_share for c in out) or 1.0
    max_s = max(c.scene_share for c in out) or 1.0
    for c in out:
        c.score = 0.55 * c.dialogue_share / max_d + 0.45 * c.scene_share / max_s
        if c.name.split()[0] in _NOT_PEOPLE or c.name in _NOT_PEOPLE:
            c.score *= 0.3
    out.sort(key=lambda c: (-c.score, c.name))
    top = out[0].score
    for k, c in enumerate(out):
        c.main = (k < 8 and c.score >= 0.1 * top
                  and len(c.scenes) >= min(3, max(1, n_scenes // 4)))
    if not any(c.main for c in out):
        out[0].main = True
    return out


# ============================================================================ leitmotif candidates
def _singular(w: str) -> str:
    if len(w) <= 3 or w.endswith("ss") or w.endswith("us") or w.endswith("is"):
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("ches", "shes", "xes", "sses")):
        return w[:-2]
    if w.endswith("s"):
        return w[:-1]
    return w


def _scene_blocks(sp: Any) -> dict[int, list[Any]]:
    blocks: dict[int, list[Any]] = defaultdict(list)
    for e in sp.elements:
        if e.scene_index is not None:
            blocks[e.scene_index].append(e)
    return blocks


def _name_words(chars: list[CharacterStat]) -> set[str]:
    out: set[str] = set()
    for c in chars:
        for al in [c.name] + c.aliases:
            base = re.sub(r"\(.*?\)", "", al)
            for w in _WORD_RE.findall(base):
                out.add(w.lower().replace("'s", ""))
    return out


def _surnames(sp: Any, names: set[str]) -> set[str]:
    """Capitalised words that follow a character's first name ("Edward Bloom")."""
    out: Counter[str] = Counter()
    pat = re.compile(r"\b([A-Z][A-Za-z]+)\s+([A-Z][a-z]+|[A-Z]{2,})\b")
    for e in sp.elements:
        if e.kind not in ("action", "dialogue"):
            continue
        for m in pat.finditer(e.text):
            if m.group(1).lower() in names and m.group(2).lower() not in _STOP:
                out[m.group(2).lower()] += 1
    return {w for w, k in out.items() if k >= 2}


def _location_key(loc: str) -> str:
    loc = re.sub(r"\(.*?\)", "", loc)
    loc = loc.split(" - ")[0].split("/")[0].strip(" -.,")
    loc = re.sub(r"^(THE|A)\s+", "", loc.upper())
    loc = loc.replace("-", " ")
    return re.sub(r"\s+", " ", loc).strip()


def _motifs(sp: Any, chars: list[CharacterStat], duration_s: float) -> list[MotifCandidate]:
    n_scenes = len(sp.scenes)
    if n_scenes == 0:
        return []
    scene_start = {s.index: s.start_s for s in sp.scenes}
    names = _name_words(chars)
    names |= _surnames(sp, names)

    def spread_of(scenes: list[int]) -> float:
        if duration_s <= 0 or len(scenes) < 2:
            return 0.0
        return (scene_start[scenes[-1]] - scene_start[scenes[0]]) / duration_s

    def score_of(scenes: list[int], mentions: int) -> float:
        # recurrence (log-damped) x spread across the film
        rec = math.log1p(len(scenes)) / math.log1p(max(3, n_scenes // 4))
        return round(min(1.5, rec) * (0.35 + 0.65 * spread_of(scenes))
                     * (1 + 0.1 * math.log1p(mentions / max(1, len(scenes)))), 4)

    cands: list[MotifCandidate] = []
    min_scenes = 2 if n_scenes < 20 else 3
    blocks = _scene_blocks(sp)

    # characters: the main ones, and others named across several scenes ("Karl the giant")
    all_text = {i: " ".join(e.text for e in els if e.kind == "action")
                for i, els in blocks.items()}
    for c in chars:
        first = c.name.split()[0]
        pat = re.compile(rf"\b{re.escape(c.name.title())}\b|\b{re.escape(c.name)}\b")
        sc_set = set(c.scenes)
        mentions = c.dialogue_lines
        if len(first) > 2 and first not in _NOT_PEOPLE:
            for i, txt in all_text.items():
                k = len(pat.findall(txt))
                if k:
                    sc_set.add(i)
                    mentions += k
        sc = sorted(sc_set)
        if c.main or len(sc) >= max(min_scenes, 4):
            m = MotifCandidate(c.name, "character", 0.0, sc, mentions, round(spread_of(sc), 4),
                               [c.name] + c.aliases[:3])
            m.score = round(1.0 + c.score, 4) if c.main else score_of(sc, mentions)
            cands.append(m)

    # objects and ideas, from the action and dialogue text
    phrase_scenes: dict[str, set[int]] = defaultdict(set)
    phrase_mentions: Counter[str] = Counter()
    phrase_forms: dict[str, Counter[str]] = defaultdict(Counter)
    caps_scenes: dict[str, set[int]] = defaultdict(set)
    caps_mentions: Counter[str] = Counter()
    for idx, els in blocks.items():
        for e in els:
            if e.kind not in ("action", "dialogue"):
                continue
            text = e.text
            toks = _WORD_RE.findall(text)
            low = [t.lower() for t in toks]
            for i, w in enumerate(low):
                if w not in _DETERMINERS:
                    continue
                # det (modifier)? noun
                j = i + 1
                words: list[str] = []
                while j < len(low) and len(words) < 2:
                    t = low[j]
                    if t in _STOP or t in _DETERMINERS or t.endswith("ly") or len(t) < 3:
                        break
                    words.append(t)
                    j += 1
                if not words:
                    continue
                head = _singular(words[-1].replace("'s", ""))
                if head in _STOP or head in names or len(head) < 3:
                    continue
                if head.endswith(("ing", "ed")) and head not in _IDEA_WORDS:
                    continue
                phrase_scenes[head].add(idx)
                phrase_mentions[head] += 1
                phrase_forms[head][" ".join(words[:-1] + [head])] += 1
            # ideas are counted bare too ("tell a story", "stories")
            for w in low:
                s_ = _singular(w)
                if s_ in _IDEA_WORDS:
                    phrase_scenes[s_].add(idx)
                    phrase_mentions[s_] += 1
                    phrase_forms[s_][s_] += 1
            # capitalised names mid-sentence ("The Beast", "Spectre") and CAPS props
            for m in re.finditer(r"(?<![.!?]\s)(?<!^)\b(?:The\s+)?([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)",
                                 text):
                nm = m.group(1)
                first = nm.split()[0].lower()
                if first in _STOP or first in names or first in _DETERMINERS:
                    continue
                if any(w.lower() in names for w in nm.split()):
                    continue
                caps_scenes[nm].add(idx)
                caps_mentions[nm] += 1
            if e.kind == "action":
                for m in re.finditer(r"\b([A-Z]{3,}(?:\s+[A-Z]{3,})?)\b", text):
                    nm = m.group(1)
                    if nm.lower() in names or any(w.lower() in names for w in nm.split()):
                        continue
                    if nm.lower() in _STOP:
                        continue
                    head = _singular(nm.split()[-1].lower())
                    if head in _STOP or head in names or len(head) < 3:
                        continue
                    phrase_scenes[head].add(idx)
                    phrase_mentions[head] += 1
                    phrase_forms[head][nm.lower()] += 1

    # places: scene-heading locations, plus the scenes whose text names them
    loc_scenes: dict[str, set[int]] = defaultdict(set)
    loc_forms: dict[str, Counter[str]] = defaultdict(Counter)
    for s in sp.scenes:
        key = _location_key(s.location)
        if key:
            loc_scenes[key].add(s.index)
            loc_forms[key][s.location] += 1
    place_heads: set[str] = set()
    scene_low = {i: " ".join(e.text for e in els if e.kind in ("action", "dialogue")).lower()
                 for i, els in blocks.items()}
    for key, heading_sc in loc_scenes.items():
        if key.lower() in names or key.lower() in _STOP:
            continue
        pat = re.compile(rf"\b{re.escape(key.lower())}s?\b")
        sc_set = set(heading_sc)
        mentions = len(heading_sc)
        if len(key.split()) > 1 or key.lower() not in _STOP:
            for i, txt in scene_low.items():
                k = len(pat.findall(txt))
                if k:
                    sc_set.add(i)
                    mentions += k
        sc = sorted(sc_set)
        if len(sc) < min_scenes and len(heading_sc) < 2:
            continue
        if len(key.split()) == 1:
            place_heads.add(_singular(key.lower()))
        cands.append(MotifCandidate(_title(key), "place", score_of(sc, mentions), sc, mentions,
                                    round(spread_of(sc), 4),
                                    [f for f, _ in loc_forms[key].most_common(4)]))
    place_words = {w.lower() for key in loc_scenes for w in key.split()}

    all_lower_text = " ".join(scene_low.values())
    seen: set[str] = set(place_heads)
    for head, sc_set in phrase_scenes.items():
        sc = sorted(sc_set)
        if len(sc) < min_scenes or head in seen:
            continue
        kind = "idea" if head in _IDEA_WORDS else "object"
        # a word used more as a verb than as a thing ("to work", "they show") is no motif
        verbish = len(re.findall(rf"\b(?:to|will|can|i|you|we|they|don't|didn't|let's|"
                                 rf"he|she|it)\s+{re.escape(head)}s?\b", all_lower_text))
        if kind == "object" and verbish > phrase_mentions[head]:
            continue
        if head in place_words and kind == "object":
            kind = "place"
        # very common everyday nouns spread everywhere are not motifs
        if len(sc) > 0.5 * n_scenes and n_scenes >= 20:
            continue
        forms = [f for f, _ in phrase_forms[head].most_common(4)]
        # show the most frequent specific form when it dominates ("wedding ring")
        name = head
        if forms and forms[0] != head and phrase_forms[head][forms[0]] >= 0.5 * phrase_mentions[head]:
            name = forms[0]
        sc_score = score_of(sc, phrase_mentions[head]) * (0.75 if kind == "idea" else 1.0)
        cands.append(MotifCandidate(name, kind, round(sc_score, 4), sc,
                                    phrase_mentions[head], round(spread_of(sc), 4), forms))
        seen.add(head)
    all_lower = " ".join(" ".join(e.text for e in els) for els in blocks.values())
    for nm, sc_set in caps_scenes.items():
        sc = sorted(sc_set)
        head = _singular(nm.split()[-1].lower())
        if len(sc) < min_scenes or head in seen or nm.lower() in names:
            continue
        # an ordinary word written lower case more often than capitalised is not a name
        if len(re.findall(rf"\b{re.escape(nm.lower())}\b", all_lower)) > caps_mentions[nm]:
            continue
        if nm.lower() in _STOP or head in _STOP:
            continue
        kind = "place" if head in place_words else "object"
        cands.append(MotifCandidate(nm, kind, score_of(sc, caps_mentions[nm]) * 1.15, sc,
                                    caps_mentions[nm], round(spread_of(sc), 4), [nm]))
        seen.add(head)

    cands.sort(key=lambda m: (-m.score, m.name))
    # keep a readable number: the main characters + the best 25 others
    main = {c.name for c in chars if c.main}
    chars_c = [m for m in cands if m.name in main and m.kind == "character"]
    others = [m for m in cands if not (m.name in main and m.kind == "character")][:25]
    return chars_c + others


# ============================================================================ scene texts and curve
def _scene_texts(sp: Any) -> tuple[list[str], list[float]]:
    """A mood-bearing text per scene (action first, then dialogue) and its dialogue share."""
    blocks = _scene_blocks(sp)
    texts: list[str] = []
    dfrac: list[float] = []
    for s in sp.scenes:
        els = blocks.get(s.index, [])
        action = [e.text for e in els if e.kind == "action"]
        speech = [e.text for e in els if e.kind == "dialogue"]
        words: list[str] = []
        for part in action + speech:
            words.extend(part.split())
            if len(words) >= SCENE_TEXT_WORDS:
                break
        loc = s.location.lower() if s.location else ""
        body = " ".join(words[:SCENE_TEXT_WORDS])
        texts.append(f"{loc}. {body}".strip(". ") if body else (loc or s.heading))
        dur = sum(e.dur_s for e in els) or 1.0
        ddur = sum(e.dur_s for e in els if e.kind in ("dialogue", "character", "parenthetical"))
        dfrac.append(min(1.0, ddur / dur))
    return texts, dfrac


def _smooth(vals: list[float]) -> list[float]:
    if len(vals) < 3:
        return list(vals)
    a, b, c = SMOOTHING
    out = []
    for i, v in enumerate(vals):
        lft = vals[i - 1] if i > 0 else v
        rgt = vals[i + 1] if i + 1 < len(vals) else v
        out.append(a * lft + b * v + c * rgt)
    return out


def _curve(sp: Any, readings: list[_Reading], dfrac: list[float]) -> list[CurvePoint]:
    v = [r.mood.valence for r in readings]
    a = [r.mood.arousal for r in readings]
    t = [r.mood.tension for r in readings]
    vs, as_, ts = _smooth(v), _smooth(a), _smooth(t)
    return [CurvePoint(s.index, s.start_s, s.duration_s, vs[i], as_[i], ts[i],
                       list(readings[i].mood.tags), (v[i], a[i], t[i]), dfrac[i])
            for i, s in enumerate(sp.scenes)]


# ============================================================================ cues
def _mood_dict(m: Mood) -> dict[str, Any]:
    return {"valence": round(float(m.valence), 3), "arousal": round(float(m.arousal), 3),
            "tension": round(float(m.tension), 3), "tags": list(m.tags)}


def _clip_dialogue(start: float, end: float, spans: list[DialogueSpan]) -> list[DialogueSpan]:
    out = []
    for s in spans:
        a, b = max(s.start_s, start), min(s.end_s, end)
        if b > a:
            out.append(DialogueSpan(character=s.character, start_s=a, end_s=b,
                                    scene_index=s.scene_index, text=s.text))
    return out


def _scenes_overlapping(scenes: list[Scene], start: float, end: float) -> list[int]:
    return [s.index for s in scenes
            if s.start_s < end and s.start_s + max(s.duration_s, 1e-6) > start]


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
    need = [_music_need(curve[i], readings[i]) for i in range(n)]
    chosen = [False] * n
    budget = MAX_SCORED_FRACTION * duration_s
    used = 0.0
    # bookends first: the opening and the last scene
    for i in {0, n - 1}:
        chosen[i] = True
        used += sp.scenes[i].duration_s
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
        if run_s < MIN_CUE_S and i != 0 and j != n - 1 and max(
                curve[k].tension for k in range(i, j + 1)) < 0.6:
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
            source=funcs[0][0] == "source"))
        del gi

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
    return cues, silences


def _title(text: str) -> str:
    """Title case that leaves "'s" alone ("Scott's Apartment", not "Scott'S")."""
    return " ".join(w[:1].upper() + w[1:].lower() for w in text.split())


def _cue_title(scene: Scene) -> str:
    loc = _title(scene.location) if scene.location else _title(scene.heading)
    return loc[:60]


# ============================================================================ entry points
def analyze_script(screenplay: Any, spotting: Any | None = None) -> ScriptAnalysis:
    """Analyse a parsed screenplay (``assistant.importers.Screenplay``), optionally with a
    spotting list (``SpottingList``). All classifier work is one batched call."""
    sp = screenplay
    warnings: list[str] = []
    if not sp.scenes:
        warnings.append("the screenplay has no scene headings; the whole script is one scene")
        sp = _one_scene(sp)
    duration_s = float(sp.duration_s()) if callable(getattr(sp, "duration_s", None)) else float(
        sum(s.duration_s for s in sp.scenes))
    chars = _characters(sp)
    motifs = _motifs(sp, chars, duration_s)
    scene_texts, dfrac = _scene_texts(sp)

    given: list[Cue] = list(spotting.cues) if spotting is not None else []
    cue_scenes = [_scenes_overlapping(sp.scenes, c.start_s, c.end_s) for c in given]
    cue_texts = [_given_cue_text(c, sp, sc) for c, sc in zip(given, cue_scenes, strict=True)]
    readings, model = _read(scene_texts + cue_texts, warnings,
                            explain=len(cue_texts) > 0 and len(scene_texts) + len(cue_texts) <= 120)
    scene_r, cue_r = readings[: len(scene_texts)], readings[len(scene_texts):]
    curve = _curve(sp, scene_r, dfrac)

    rate = getattr(spotting, "rate", None) if spotting is not None else FrameRate.parse("24")
    start_tc = getattr(spotting, "start_tc", "01:00:00:00") if spotting is not None \
        else "01:00:00:00"
    if spotting is not None:
        cues = []
        for c, r, sc in zip(given, cue_r, cue_scenes, strict=True):
            funcs = list(r.functions)
            func, src = funcs[0][0], "classifier"
            if c.function:
                func, src = c.function, "spotting list"
            elif c.source:
                func, src = "source", "spotting list (source cue)"
            spans = c.dialogue or _clip_dialogue(c.start_s, c.end_s, sp.dialogue)
            reason = (f"FUNCTION {c.function} given in the spotting list" if c.function else
                      f"reads as {funcs[0][0]} ({funcs[0][1]:.2f})")
            cues.append(CueAnalysis(
                id=c.id, start_s=c.start_s, end_s=c.end_s,
                start_tc=c.start_tc or _tc(c.start_s, rate, start_tc),
                end_tc=c.end_tc or _tc(c.end_s, rate, start_tc), title=c.title, function=func,
                functions=funcs, function_from=src, mood=_mood_dict(r.mood), dialogue=spans,
                scenes=sc, reason=reason, proposed=False,
                confident=bool(c.function) or r.confident,
                question="" if c.function else r.question, evidence=r.evidence,
                source=c.source or func == "source"))
        silences: list[Silence] = []
    else:
        cues, silences = _propose(sp, curve, scene_r, duration_s, rate, start_tc)
    scored = sum(c.end_s - c.start_s for c in cues)
    return ScriptAnalysis(
        title=getattr(sp, "title", "") or "", duration_s=duration_s, scenes=list(sp.scenes),
        characters=chars, leitmotif_candidates=motifs, emotional_curve=curve, cues=cues,
        silences=silences, proposed=spotting is None,
        scored_fraction=scored / duration_s if duration_s > 0 else 0.0, warnings=warnings,
        model=model)


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


def analyze_files(script: str | Path, spotting: str | Path | None = None) -> ScriptAnalysis:
    """Load a screenplay (and a spotting list) from files and analyse them."""
    from assistant.importers import load_screenplay, load_spotting

    sp = load_screenplay(script)
    spot = load_spotting(spotting) if spotting is not None else None
    return analyze_script(sp, spot)


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
        if c.dialogue:
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
