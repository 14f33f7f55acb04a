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
from assistant.project import CUE_FUNCTIONS, Cue, DialogueSpan, Hit, Mood, Scene
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
light darkness
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
    why: str = ""  # the evidence in a sentence
    evidence: list[str] = field(default_factory=list)  # music notes / cues that name it


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
    events: list[str] = field(default_factory=list)  # what happened (death, reunion, ...)
    evidence: list[str] = field(default_factory=list)  # the lines that drove the value
    event_share: float = 0.0  # how much the events weighed against the text reading


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
    # what the spotting list gave, kept whole (empty for proposed cues)
    hits: list[Hit] = field(default_factory=list)
    notes: str = ""
    brief: str = ""
    given_function: str | None = None
    # the script-to-cut alignment (see assistant.analysis.alignment)
    alignment: dict[str, Any] = field(default_factory=dict)
    action: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["functions"] = [{"label": k, "score": round(float(p), 4)} for k, p in self.functions]
        d["dialogue"] = [_span_dict(s) for s in self.dialogue]
        d["hits"] = [_hit_dict(h, self.start_s) for h in self.hits]
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
    alignment: dict[str, Any] = field(default_factory=dict)  # script-to-cut (given cues)

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
            "alignment": self.alignment,
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


def _hit_dict(h: Hit, cue_start_s: float) -> dict[str, Any]:
    """A spotting-list hit: ``time_s`` on the film's timeline, ``cue_time_s`` from the cue
    start (what ``fit-tempo --hits`` takes)."""
    return {"time_s": round(float(h.time_s), 4),
            "cue_time_s": round(float(h.time_s) - cue_start_s, 4), "tc": h.tc, "label": h.label,
            "weight": h.weight, "important": h.important, "landing": h.landing,
            "tolerance_frames": h.tolerance_frames}


def _curve_dict(p: CurvePoint) -> dict[str, Any]:
    return {"scene_index": p.scene_index, "start_s": round(p.start_s, 3),
            "duration_s": round(p.duration_s, 3), "valence": round(p.valence, 3),
            "arousal": round(p.arousal, 3), "tension": round(p.tension, 3), "tags": p.tags,
            "raw": [round(x, 3) for x in p.raw],
            "dialogue_fraction": round(p.dialogue_fraction, 3), "events": p.events,
            "evidence": p.evidence, "event_share": round(p.event_share, 3)}


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
# How a candidate is scored (see _motifs): keyness against general English (wordfreq) x
# recurrence across scenes x spread across the film x presence at emotional peaks, with
# boosts for props a screenplay introduces in CAPS and for music notes that name a theme.

#: words that end in -s but are singular (or plural-only nouns kept as they are)
_S_SINGULARS = _wordset("""
lens news means series species physics mathematics politics economics ethics athletics gymnastics
pants trousers scissors jeans shorts clothes glasses binoculars pliers tongs tweezers goggles
always perhaps sometimes towards afterwards besides thanks whereabouts headquarters
christmas texas atlas canvas alias chaos bias pancreas gas yes his hers its ours yours theirs
""")
#: function words that never head or modify a noun phrase (prepositions and the like)
_FUNCTION_WORDS = _wordset("""
like near past toward towards against along alongside among amongst beyond inside outside within
until till since via despite except below above beneath underneath upon onto unto amid per
because though although unless whether whatever whenever wherever however therefore
yet nor once twice ever never always often soon already almost quite rather enough
i'm you're he's she's it's we're they're i've you've we've they've i'd you'd he'd she'd we'd
they'd i'll you'll he'll she'll we'll they'll isn't aren't wasn't weren't don't doesn't didn't
won't wouldn't can't couldn't shouldn't haven't hasn't hadn't let's that's there's here's
what's who's where's how's ain't gonna wanna gotta while whilst whose
together apart instead ahead aside forward forwards backward backwards upstairs downstairs
everywhere somewhere nowhere anywhere tomorrow yesterday meanwhile ago anyway maybe
""")
_SUBJECTS = _wordset("i you he she it we they who")
#: words whose "'s" is "is" or "has" ("who's", "everyone's"), not a possessive
_S_IS = _wordset("""
i you he she it we they who what where when why how that there here this let everyone everybody
someone somebody anyone anybody nobody nothing something everything one
""")
#: common adjectives (the stop list has the commonest): never the head of a noun phrase
_ADJECTIVES = _wordset("""
flat open shut closed dry wet clean dirty tight loose straight alone awake asleep alive ready
free safe sure true false real fine nice pretty beautiful ugly happy sad angry afraid quiet loud
soft hard heavy light-hearted warm cold hot cool dark bright pale deep shallow high low wide
narrow thick thin fat slim tall huge tiny enormous strange weird odd funny serious certain
possible impossible simple easy difficult early late fast slow quick sudden gentle rough smooth
sharp blunt broken whole half brief calm wild silent still steady final single double
different similar special important strong weak rich poor busy lazy tired sick ill hungry
thirsty proud ashamed lucky crazy mad stupid smart clever wise dead-quiet
""")
_VERB_BEFORE = _wordset("""
to will would can could should must might may shall don't doesn't didn't won't can't couldn't
wouldn't shouldn't let's i'll you'll he'll she'll we'll they'll i'd you'd we'd they'd
""")
_OBJECT_AFTER = _wordset("the a an his its their my your our him them me us these those it you")
#: particles and prepositions that follow a verb ("the box winds down", "the music dies with")
_PARTICLES = _wordset("""
down up out off away back over in on into onto across through around along with from at to by
toward towards against past behind under slowly""")
_NP_DETERMINERS = _wordset("""
the a an his her their its my your our this that these those every each another some any no
""")
#: words the stop list drops that can still carry a theme ("the light", the witch's eye)
_MOTIF_OK = _wordset("light lights eye eyes silence")
#: music-note words that name a theme
_THEME_WORDS = ("leitmotif", "leitmotiv", "motif", "theme", "tune", "waltz", "melody",
                "lullaby", "anthem", "reprise")
#: theme words that name a piece heard in the film (a candidate in their own right)
_PIECES = ("waltz", "lullaby", "anthem")
_THEME_RE = re.compile(r"\b(" + "|".join(_THEME_WORDS) + r")s?\b", re.I)
_TOKEN_RE = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]|[0-9]+|[^\sA-Za-z0-9]")
_SENT_END = {".", "!", "?", ":", ";"}
#: a compound's share of its rarer word's uses, when estimating how common it is in English
_COMPOUND_SHARE = 0.01
_KEY_SMOOTH = 0.1  # counts added to observed and expected counts in the keyness log ratio


def _g2(observed: float, expected: float) -> float:
    """Dunning's log-likelihood keyness (G2) of a word seen ``observed`` times where general
    English predicts ``expected`` (the usual form for a small share of a large corpus); 0 when
    the word is no more common here than anywhere."""
    if observed <= expected or observed <= 0:
        return 0.0
    e = max(expected, 1e-9)
    return 2.0 * (observed * math.log(observed / e) - (observed - e))
_KEY_SCALE = 10.0  # sqrt(G2) of a clearly key word (e.g. 13 mentions, 0.1 expected)
#: explicit evidence, added to the text score: a music note or cue that names it as a theme,
#: a spotting-list cue titled after it, a hit that names it, a CAPS introduction, a sentence
#: of a music note that mentions it
W_NAMED, W_TITLED, W_HIT, W_CAPS, W_NEAR = 1.0, 1.0, 0.2, 0.15, 0.1
#: a note or cue over more scenes than this does not say which of them a thing is in
NOTE_MAX_SCENES = 2
#: candidates kept besides the main characters
MOTIF_LIMIT = 25


def _zipf_table() -> Any:
    """wordfreq's English frequency (probability per token), or None if not installed."""
    global _ZIPF_CACHE
    if _ZIPF_CACHE is None:
        try:
            import wordfreq

            _ZIPF_CACHE = wordfreq.get_frequency_dict("en", wordlist="best")
        except (ImportError, OSError, ValueError) as exc:
            log.warning("wordfreq unavailable (%s): leitmotif keyness uses a flat baseline",
                        exc)
            _ZIPF_CACHE = {}
    return _ZIPF_CACHE or None


_ZIPF_CACHE: dict[str, float] | None = None
#: probability per token assumed for a word wordfreq does not know (about Zipf 1)
_UNSEEN_P = 1e-8
#: probability per token assumed for every word when wordfreq is missing (Zipf ~4.5)
_FLAT_P = 3e-5


def _ref_p(phrase: str) -> float:
    """How often ``phrase`` occurs per token in general English (wordfreq; compounds are
    estimated as a small share of their rarer word)."""
    table = _zipf_table()
    if table is None:
        return _FLAT_P
    words = [w for w in re.split(r"[\s\-]+", phrase.lower().replace("'s", "")) if w]
    if not words:
        return _UNSEEN_P
    ps = [table.get(w, _UNSEEN_P) for w in words]
    if len(ps) == 1:
        return max(ps[0], _UNSEEN_P)
    return max(min(ps) * _COMPOUND_SHARE, _UNSEEN_P)


def _singular(w: str) -> str:
    """The singular of an English noun (lower case), conservatively: words that end in -s but
    are singular stay ("lens", "glass", "bus", "chess", "news"); among the possible stems the
    one most common in English wins ("boxes" -> "box", "waves" -> "wave", "wolves" -> "wolf")."""
    if len(w) <= 3 or w in _S_SINGULARS or not w.endswith("s") or "'" in w:
        return w
    if w.endswith(("ss", "us", "is", "ous", "ics", "ness", "ys'")):
        return w
    cands: list[str] = []
    if w.endswith("ies") and len(w) > 4:
        cands.append(w[:-3] + "y")
    if w.endswith("ves") and len(w) > 4:
        cands += [w[:-3] + "f", w[:-3] + "fe"]
    if w.endswith("es"):
        cands.append(w[:-2])
    cands.append(w[:-1])
    table = _zipf_table()
    if table is None:  # no frequency data: suffix rules only
        if w.endswith("ies") and len(w) > 4:
            return w[:-3] + "y"
        if w.endswith(("ches", "shes", "xes", "sses", "zes")):
            return w[:-2]
        return w[:-1]
    p_w = table.get(w, 0.0)
    best, best_p = w, 0.0
    for c in cands:
        p = table.get(c, 0.0)
        if p > best_p:
            best, best_p = c, p
    # the stem must be a word in its own right and not far rarer than the plural
    if best_p == 0.0 and p_w == 0.0:  # unknown to wordfreq ("kittiwakes"): strip the -s
        return cands[0] if w.endswith(("ches", "shes", "xes", "sses", "zes")) else w[:-1]
    if best_p < 1e-8 or best_p < 0.1 * p_w:
        return w
    return best


@dataclass
class _Tok:
    orig: str
    low: str  # lower case, possessive 's removed
    poss: bool  # ended in 's / s'
    word: bool
    caps: bool  # ALL CAPS (a prop introduced in an action line)
    initial: bool  # first word of a sentence


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    prev_end = True
    for m in _TOKEN_RE.finditer(text.replace("\u2019", "'").replace("\u2014", " - ")):
        t = m.group(0)
        if not t[0].isalpha():
            out.append(_Tok(t, t, False, False, False, False))
            prev_end = t in _SENT_END or (prev_end and t in "\"'(")
            continue
        low = t.lower()
        poss = False
        if low.endswith("'s") and low[:-2] not in _S_IS:
            low, poss = low[:-2], True  # "Nell's", not "who's" / "everyone's" (= is)
        elif low.endswith("s'"):
            low, poss = low[:-1], True
        low = low.strip("'-")
        out.append(_Tok(t, low, poss, True, len(t) >= 3 and t.isupper(), prev_end))
        prev_end = False
    return out


def _location_key(loc: str) -> tuple[str, str]:
    """(key, sub) for a scene-heading location: "LIGHTHOUSE GALLERY" -> ("LIGHTHOUSE GALLERY",
    ""), "ROCKS BELOW THE LIGHTHOUSE" -> ("LIGHTHOUSE", "ROCKS"). The caller merges keys
    that share a first word ("LIGHTHOUSE GALLERY", "LIGHTHOUSE STAIRWELL" -> "LIGHTHOUSE")."""
    loc = re.sub(r"\(.*?\)", "", loc)
    loc = re.split(r" - |/|,|;", loc)[0].strip(" -.")
    loc = loc.upper().replace("-", " ")
    loc = re.sub(r"\s+", " ", loc).strip()
    m = re.match(r"^(?:(.*?)\s+)?(?:BELOW|ABOVE|BEHIND|BENEATH|UNDER|OUTSIDE|INSIDE|NEAR|BY|AT|ON|"
                 r"IN|OF|OFF|BEYOND|OVERLOOKING|OPPOSITE)\s+(?:THE\s+|A\s+)?(.+)$", loc)
    sub = ""
    if m and m.group(2):
        sub, loc = m.group(1) or "", m.group(2)
    loc = re.sub(r"^(THE|A|AN)\s+", "", loc)
    sub = re.sub(r"^(THE|A|AN)\s+", "", sub)
    return loc.strip(), sub.strip()


@dataclass
class _Group:
    """One candidate being collected: a head noun (with its compounds) or a place."""

    key: str
    kind: str
    scenes: set[int] = field(default_factory=set)
    mentions: int = 0
    forms: Counter[str] = field(default_factory=Counter)
    compounds: Counter[str] = field(default_factory=Counter)
    caps: int = 0
    headings: int = 0
    proper: int = 0
    note_mentions: int = 0  # in music notes and spotting-list cue descriptions
    note_scenes: set[int] = field(default_factory=set)  # the scenes those notes cover
    named: list[str] = field(default_factory=list)  # direct naming in a music note
    near: list[str] = field(default_factory=list)  # in a sentence about a theme
    titled: list[str] = field(default_factory=list)  # a spotting-list cue is named after it
    hits: int = 0  # spotting-list hits that name it
    subs: dict[str, set[int]] = field(default_factory=dict)  # sub-location head -> scenes
    name: str = ""


def _note_scene(sp: Any, line: int) -> int | None:
    """The scene a ``[[note]]`` at ``line`` sits in (the last heading above it)."""
    best = None
    for s in sp.scenes:
        if getattr(s, "line", 0) and s.line <= line:
            best = s.index
    return best


def _music_notes(sp: Any, spotting: Any | None, placed: list[Scene] | None = None
                 ) -> list[tuple[str, list[int], str]]:
    """(text, scenes, source label) for screenplay notes and spotting-list cue descriptions.
    ``placed``: the scenes on the picture's timeline (the alignment), where the cues are."""
    on_cut = placed if placed is not None else sp.scenes
    out: list[tuple[str, list[int], str]] = []
    for n in getattr(sp, "notes", None) or []:
        sc = _note_scene(sp, int(getattr(n, "line", 0) or 0))
        out.append((n.text, [sc] if sc is not None else [], "note"))
    if spotting is not None:
        for c in getattr(spotting, "cues", []) or []:
            sc = _scenes_overlapping(on_cut, c.start_s, c.end_s)
            text = ". ".join(t for t in [c.title, c.notes, c.brief] if t)
            # a source cue's title is usually the song's ("Down by the Harbour Wall")
            out.append((text, sc, f"{'source cue' if c.source else 'cue'} {c.id}"))
            for h in c.hits:
                if h.label:
                    hs = _scenes_overlapping(on_cut, h.time_s, h.time_s + 1e-3)
                    out.append((h.label, hs, f"hit in cue {c.id}"))
    return out


def _title_head(title: str) -> str:
    """The noun a cue title is named after: the head of its first noun phrase ("The Letter"
    -> letter, "Face in the Glass" -> face); none when the title opens with a verb ("Wind It
    Slowly", "Send the Bill")."""
    toks = [t for t in _tokens(title)]
    words: list[_Tok] = []
    for i, t in enumerate(toks):
        if not t.word:
            if words:
                break
            continue
        if t.low in _NP_DETERMINERS and not words:
            continue
        if t.low in _FUNCTION_WORDS or t.low in _SUBJECTS or (t.low in _STOP and t.low not in
                                                             _MOTIF_OK and not t.poss):
            break
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if not words and nxt is not None and nxt.word and nxt.low in _OBJECT_AFTER:
            return ""  # "Send the Bill": a verb first
        words.append(t)
        if t.poss:
            break
    return _singular(words[-1].low) if words else ""


def _act_of(t: float, duration_s: float) -> int:
    return 1 + min(2, int(3 * t / duration_s)) if duration_s > 0 else 1


def _motifs(sp: Any, chars: list[CharacterStat], duration_s: float,
            curve: list[CurvePoint] | None = None, spotting: Any | None = None,
            placed: list[Scene] | None = None) -> list[MotifCandidate]:
    """Leitmotif candidates: characters, objects, places and ideas, best first.

    Objects and ideas are noun phrases (head noun + up to two modifiers) found without a
    tagger: a word counts as a noun where the script uses it after a determiner, as a verb
    where it follows a subject pronoun, "to" or a modal, or is followed by an object. Phrases
    fold by their head ("crank handle", "winding handle" -> handle). Each is scored by

    - keyness: log ratio of its count here to the count general English predicts (wordfreq),
      so "turn" and "way" fall and "lighthouse", "lens", "goat" rise;
    - recurrence (scenes, log-damped) and spread (first to last appearance; a late return);
    - presence at emotional peaks (the most intense quarter of the emotional curve);
    - explicit evidence: a prop introduced in CAPS, a ``[[note]]`` or a spotting-list cue that
      names a theme ("the lighthouse theme", "the box's tune").
    """
    n_scenes = len(sp.scenes)
    if n_scenes == 0:
        return []
    scene_start = {s.index: s.start_s for s in sp.scenes}
    names = _name_words(chars)
    names |= _surnames(sp, names)
    blocks = _scene_blocks(sp)
    min_scenes = 2 if n_scenes < 20 else 3

    # ---- tokens, and per-word evidence for noun / verb use
    elems: list[tuple[int, str, list[_Tok]]] = []
    for idx, els in blocks.items():
        for e in els:
            if e.kind in ("action", "dialogue", "synopsis"):
                elems.append((idx, e.kind, _tokens(e.text)))
    noun_ev: Counter[str] = Counter()
    verb_ev: Counter[str] = Counter()
    lower_uses: Counter[str] = Counter()
    all_uses: Counter[str] = Counter()
    cap_uses: Counter[str] = Counter()
    n_tokens = 0

    def content(t: _Tok) -> bool:
        return (t.word and len(t.low) >= 3 and t.low not in _FUNCTION_WORDS
                and t.low not in _NP_DETERMINERS and t.low not in _SUBJECTS
                and (t.low not in _STOP or t.low in _MOTIF_OK) and t.low not in _ADJECTIVES
                and not t.low.endswith("ly") and t.low not in names)

    local_verb: list[list[bool]] = []
    for _idx, _kind, toks in elems:
        lv = [False] * len(toks)
        for i, t in enumerate(toks):
            if not t.word:
                continue
            n_tokens += 1
            if t.orig[0].isupper() and not t.initial and not t.caps:
                cap_uses[t.low] += 1
            elif t.orig.islower():
                lower_uses[t.low] += 1
            prev = toks[i - 1] if i > 0 and toks[i - 1].word else None
            nxt = toks[i + 1] if i + 1 < len(toks) and toks[i + 1].word else None
            if t.poss:
                noun_ev[t.low] += 1
                continue
            all_uses[t.low] += 1
            if (prev is not None and not prev.poss and (
                    prev.low in _SUBJECTS or prev.low in _VERB_BEFORE
                    or prev.low.endswith(("'s", "'re", "'m", "'ve", "'ll", "'d"))
                    or (prev.low in names and not prev.poss)))\
                    or (nxt is not None and (
                        nxt.low in _OBJECT_AFTER or (nxt.low in names and not t.caps))):
                lv[i] = True
                verb_ev[t.low] += 1
        local_verb.append(lv)
    for (_idx, _kind, toks), lv in zip(elems, local_verb, strict=True):
        # "the music dies with", "the box winds down": an -s word right after a noun and
        # before a particle is the verb of an action line, not a plural
        for i in range(1, len(toks) - 1):
            t, prev, nxt = toks[i], toks[i - 1], toks[i + 1]
            if (t.word and not lv[i] and t.low.endswith("s") and not t.low.endswith("ss")
                    and prev.word and not prev.low.endswith("s") and content(prev)
                    and (verb_ev[t.low] > 0 or (nxt.word and nxt.low in _PARTICLES))):
                lv[i] = True
                verb_ev[t.low] += 1
    # noun evidence: the last word of a phrase after a determiner ("the box.", "the music
    # box"); common adjectives never count ("the paper flat" keeps paper)
    det_runs: list[list[str]] = []
    for (_idx, _kind, toks), lv in zip(elems, local_verb, strict=True):
        for i, t in enumerate(toks):
            if not (t.word and (t.low in _NP_DETERMINERS or t.poss)):
                continue
            j = i + 1
            while j < len(toks) and j - i <= 3 and content(toks[j]) and not lv[j] \
                    and not toks[j].poss:
                j += 1
            ends = (j >= len(toks) or not toks[j].word or not content(toks[j]) or lv[j])
            if j > i + 1 and ends and (j >= len(toks) or toks[j].low not in names):
                det_runs.append([x.low for x in toks[i + 1:j]])
            if j < len(toks) and toks[j].poss and content(toks[j]):
                det_runs.append([x.low for x in toks[i + 1:j + 1]])
    for run in det_runs:
        noun_ev[run[-1]] += 1

    def nounish(t: _Tok) -> bool:
        lem = _singular(t.low)
        ne = noun_ev[t.low] + (noun_ev[lem] if lem != t.low else 0)
        if cap_uses[t.low] >= 2 and cap_uses[t.low] > lower_uses[t.low]:
            ne += cap_uses[t.low]  # a proper name ("Spectre")
        return ne > verb_ev[t.low] and (ne >= 1 or t.caps)

    # ---- noun phrases -> groups by head lemma
    groups: dict[str, _Group] = {}

    def group(key: str, kind: str) -> _Group:
        g = groups.get(key)
        if g is None:
            g = groups[key] = _Group(key, kind)
        return g

    for (idx, kind, toks), lv in zip(elems, local_verb, strict=True):
        i = 0
        while i < len(toks):
            if not content(toks[i]) or lv[i]:
                i += 1
                continue
            j = i
            while j < len(toks) and content(toks[j]) and not lv[j] and j - i < 4:
                j += 1
                if toks[j - 1].poss:
                    break
            run = toks[i:j]
            h = max((k for k in range(len(run)) if nounish(run[k])), default=-1)
            if h >= 0:
                head = run[h]
                lem = _singular(head.low)
                if (len(lem) >= 3 and lem not in names
                        and (lem not in _STOP or lem in _MOTIF_OK or head.low in _MOTIF_OK)
                        and not (lem.endswith(("ing", "ed")) and lem not in _IDEA_WORDS
                                 and noun_ev[head.low] < 0.5 * all_uses[head.low])):
                    mods = []
                    for t in run[max(0, h - 2):h]:  # "collar reads ADMIRAL": no verb
                        mods = [] if verb_ev[t.low] > noun_ev[t.low] else mods + [t.low]
                    g = group(lem, "idea" if lem in _IDEA_WORDS else "object")
                    g.scenes.add(idx)
                    g.mentions += 1
                    g.forms[" ".join(mods + [lem])] += 1
                    if mods and (nounish(run[h - 1]) or run[h - 1].low.endswith("ing")) \
                            and run[h - 1].low not in _STOP:
                        g.compounds[f"{run[h - 1].low} {lem}"] += 1
                    if kind == "action" and head.caps:
                        g.caps += 1
                    if (head.orig[0].isupper() and not head.initial and not head.caps):
                        g.proper += 1
            i = max(j, i + 1)
        # ideas count bare as well ("tell a story", "stories")
        for i, t in enumerate(toks):
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if t.word and not lv[i] and t.low not in _FUNCTION_WORDS and not (
                    nxt is not None and nxt.word and nxt.low in _OBJECT_AFTER):
                lem = _singular(t.low)
                if lem in _IDEA_WORDS and (lem not in groups or idx not in groups[lem].scenes
                                           or t.low != lem):
                    g = group(lem, "idea")
                    if idx not in g.scenes:
                        g.scenes.add(idx)
                        g.mentions += 1
                        g.forms[lem] += 1

    # ---- places: scene-heading locations, merged by their first word / parent
    keyed: list[tuple[int, str, str, str]] = []  # scene, key, sub, location as written
    for s in sp.scenes:
        if not s.location:
            continue
        key, sub = _location_key(s.location)
        if key:
            keyed.append((s.index, key, sub, s.location))
    firsts: dict[str, set[str]] = defaultdict(set)
    for _i, key, _sub, _loc in keyed:
        w0 = key.split()[0]
        if "'" not in w0:
            firsts[w0].add(key)
    parents: dict[str, str] = {}
    for w0, keys in firsts.items():
        split = [k.split() for k in keys]
        common: list[str] = []
        for ws in zip(*split, strict=False):
            if len(set(ws)) > 1:
                break
            common.append(ws[0])
        parents[w0] = " ".join(common)
    places: dict[str, _Group] = {}
    for i, key, sub, loc in keyed:
        w0 = key.split()[0]
        parent = (parents[w0] if len(firsts.get(w0, ())) >= 2 and w0.lower() not in _STOP
                  else key)
        if parent.lower() in names or parent.lower() in _STOP:
            continue
        g = places.setdefault(parent, _Group(parent, "place"))
        g.scenes.add(i)
        g.headings += 1
        g.mentions += 1
        g.forms[_title(loc.split(" - ")[0].strip())] += 1
        if parent != key and not sub:  # "LIGHTHOUSE GALLERY": the gallery is part of it
            g.subs.setdefault(_singular(key.split()[-1].lower()), set()).add(i)
    scene_low = {i: " ".join(e.text for e in els if e.kind in ("action", "dialogue")).lower()
                 for i, els in blocks.items()}
    for key, g in places.items():
        words = key.lower().split()
        lemma_key = _singular(key.lower()) if len(words) == 1 else key.lower()
        # text mentions: the noun group of a one-word place ("lighthouse"), the full phrase of
        # a longer one ("cliff path")
        if len(words) == 1 and lemma_key in groups:
            og = groups.pop(lemma_key)
            g.scenes |= og.scenes
            g.mentions += og.mentions
            g.caps += og.caps
            g.compounds.update(og.compounds)
            g.forms.update({f: c for f, c in og.forms.items() if f != lemma_key})
        elif len(words) > 1:
            pat = re.compile(rf"\b{re.escape(key.lower())}s?\b")
            for i, txt in scene_low.items():
                k = len(pat.findall(txt))
                if k:
                    g.scenes.add(i)
                    g.mentions += k
        g.name = _title(key)
    place_keys = {_singular(k.lower()) for k in places}
    for g in places.values():
        # a sub-location named in the text ("the iron gallery") is part of the place
        for sub_head in g.subs:
            og = groups.get(sub_head)
            if (og is not None and og.kind == "object" and sub_head not in _STOP
                    and sub_head not in place_keys):
                del groups[sub_head]
                g.scenes |= og.scenes
                g.mentions += og.mentions
                g.forms.update(og.forms)
    for key, g in places.items():
        groups[f"@place:{key}"] = g

    # ---- proper names written capitalised mid-sentence ("Spectre", "Admiral")
    # A name that never takes a determiner and does things ("Admiral trots to her") is a
    # character who does not speak (an animal, the dead, someone off screen); "the Marigold"
    # stays a thing
    det_before: Counter[str] = Counter()
    acts: Counter[str] = Counter()
    for (_idx, _kind, toks), lv in zip(elems, local_verb, strict=True):
        for i, t in enumerate(toks):
            if not t.word or not t.orig[0].isupper():
                continue
            if i > 0 and toks[i - 1].word and toks[i - 1].low in _NP_DETERMINERS:
                det_before[t.low] += 1
            if i + 1 < len(toks) and toks[i + 1].word and (
                    lv[i + 1] or (verb_ev[toks[i + 1].low] > noun_ev[toks[i + 1].low]
                                  and toks[i + 1].low.endswith("s"))):
                acts[t.low] += 1
    for key, g in list(groups.items()):
        if g.kind == "place":
            continue
        if g.proper >= 2 and cap_uses[key] > lower_uses[key]:
            g.name = key.title()
            if key in place_keys:
                g.kind = "place"
            elif det_before[key] == 0 and acts[key] >= 1:
                g.kind = "character"

    # ---- explicit evidence: music notes and spotting-list cues that name a theme
    lemma_of: dict[str, str] = {}
    for key, g in groups.items():
        if g.kind == "place":
            lemma_of.setdefault(_singular(g.key.lower().split()[-1]), key)
            lemma_of.setdefault(g.key.lower(), key)
        else:
            lemma_of.setdefault(g.key, key)
        for c in g.compounds:
            lemma_of.setdefault(c, key)
    notes = _music_notes(sp, spotting, placed)
    note_tokens = 0
    for text, note_scenes, label in notes:
        # the notes describe the film too: a thing they mention is seen in their scenes; a
        # hit that names it is a moment the music must catch
        title = text.split(". ")[0] if label.startswith("cue") else ""
        hit_keys: set[str] = set()
        for t in _tokens(text):
            note_tokens += t.word
            key = lemma_of.get(_singular(t.low)) if t.word and content(t) else None
            if key is not None:
                g = groups[key]
                if len(note_scenes) <= NOTE_MAX_SCENES:
                    g.note_scenes.update(note_scenes)
                g.note_mentions += 1
                if label.startswith("hit"):
                    hit_keys.add(key)
        for key in hit_keys:
            groups[key].hits += 1
        head = _title_head(title)
        key = lemma_of.get(head) if head else None
        if key is not None:
            groups[key].titled.append(f"{label} is titled '{title}'")
    for text, note_scenes, label in notes:
        for sent in re.split(r"(?<=[.!?;])\s+", text):
            if not _THEME_RE.search(sent):
                continue
            toks = [t for t in _tokens(sent) if t.word]
            lows = [_singular(t.low) for t in toks]
            snippet = sent.strip()
            snippet = snippet if len(snippet) <= 90 else snippet[:87] + "..."
            direct: set[str] = set()
            for k, t in enumerate(toks):
                if t.low.rstrip("s") not in {w.rstrip("s") for w in _THEME_WORDS}:
                    continue
                # "lighthouse theme", "the box's tune", "love theme", "theme of the sea";
                # a waltz or tune named as such is itself a candidate
                cand_ix = [k - 1, k - 2] if k >= 1 else []
                # "the tower gets the theme": the subject of a verb whose object is the theme
                if k >= 3 and toks[k - 1].low in _NP_DETERMINERS and toks[k - 2].low in (
                        "gets", "has", "takes", "carries", "owns", "plays", "earns"):
                    cand_ix.append(k - 3)
                if k + 2 < len(toks) and toks[k + 1].low in ("of", "for"):
                    cand_ix.append(k + 3 if toks[k + 2].low in _NP_DETERMINERS else k + 2)
                for ci in cand_ix:
                    if not 0 <= ci < len(toks):
                        continue
                    w = lows[ci]
                    if ci == k - 2 and (toks[k - 1].low in _FUNCTION_WORDS
                                        or not toks[k - 1].poss):
                        continue
                    if w in _STOP and w not in _MOTIF_OK or w in _NP_DETERMINERS:
                        continue
                    key = lemma_of.get(w)
                    if key is None and w in _IDEA_WORDS | _MOTIF_OK:
                        key = w
                        g = group(w, "idea")
                        lemma_of[w] = w
                    if key is not None:
                        direct.add(key)
                        phrase = " ".join(t.orig for t in toks[min(ci, k):max(ci, k) + 1])
                        groups[key].named.append(f"{label}: '{phrase}'")
                        if len(note_scenes) <= NOTE_MAX_SCENES:
                            groups[key].note_scenes.update(note_scenes)
                if lows[k] in lemma_of and lows[k] in _PIECES:
                    key = lemma_of[lows[k]]
                    if key not in direct:
                        direct.add(key)
                        groups[key].named.append(f"{label}: '{toks[k].orig}'")
            for w in set(lows):
                key = lemma_of.get(w)
                if key is not None and key not in direct and w not in _THEME_WORDS:
                    groups[key].near.append(f"{label}: \"{snippet}\"")

    # ---- scoring
    peaks: set[int] = set()
    if curve:
        inten = sorted(((p.tension + abs(p.arousal) + 0.5 * abs(p.valence), p.scene_index)
                        for p in curve), reverse=True)
        peaks = {i for _v, i in inten[: max(1, len(inten) // 4)]}

    def spread_of(scenes: list[int]) -> float:
        if duration_s <= 0 or len(scenes) < 2:
            return 0.0
        return (scene_start[scenes[-1]] - scene_start[scenes[0]]) / duration_s

    rec_norm = math.log1p(max(4, n_scenes / 6))
    cands: list[MotifCandidate] = []
    for g in groups.values():
        if g.key in _THEME_WORDS and g.key not in _PIECES:
            continue  # "the theme", "her tune": the music itself, not what it is about
        text_sc = {s for s in g.scenes if s in scene_start}
        sc = sorted(text_sc | {s for s in g.note_scenes if s in scene_start})
        explicit = bool(g.named)
        if len(sc) < min_scenes and not (explicit and len(sc) >= 1) and g.headings < 2:
            continue
        # the display name: the dominant compound ("music box"), else the head
        name = g.name or g.key
        if g.kind != "place" and g.compounds:
            top, k = g.compounds.most_common(1)[0]
            modified = sum(c for f, c in g.forms.items() if " " in f)
            if k >= 2 and k >= 0.5 * modified and k >= 0.25 * g.mentions:
                name = top
        forms = [f for f, _ in g.forms.most_common(6)] or [g.key]
        if g.kind != "place":
            forms = sorted(set(forms) | set(g.compounds), key=lambda f: -g.forms.get(f, 0))[:6]
        # keyness: observed mentions vs what general English predicts for this many tokens
        if g.kind == "place":
            ref = _ref_p(g.key)
        else:
            ref = sum(_ref_p(f) for f in {g.key} | {
                w for w in (g.key + "s", g.key + "es") if w in g.forms})
            if name != g.key:
                ref = min(ref, _ref_p(name) * 3)
        # the film's text = the script plus its music notes and spotting-list descriptions
        expected = (n_tokens + note_tokens) * ref
        ratio = (g.mentions + g.note_mentions + _KEY_SMOOTH) / (expected + _KEY_SMOOTH)
        key_s = math.sqrt(_g2(g.mentions + g.note_mentions, expected)) / _KEY_SCALE
        # recurrence: the scenes the script text names it in; notes' scenes count half
        n_rec = len(text_sc) + 0.5 * (len(sc) - len(text_sc))
        rec = min(1.5, math.log1p(n_rec) / rec_norm)
        spread = spread_of(sc)
        late = bool(sc) and duration_s > 0 and scene_start[sc[-1]] >= 0.75 * duration_s
        spread_f = 0.6 + 0.4 * spread + (0.1 if late else 0.0)
        peak_n = len([s for s in sc if s in peaks])
        peak_f = 1.0 + (0.4 * (peak_n / len(sc) - 0.25) if sc and peaks else 0.0)
        idea_f = 0.85 if g.kind == "idea" else 1.0
        # what the text shows (how key, how recurrent, how widely spread, how intense)...
        text_score = key_s * (0.5 + 0.5 * rec) * spread_f * peak_f * idea_f
        # ... plus what the writer and the spotting session say outright
        said = (W_NAMED * min(2, len(g.named)) + W_TITLED * min(2, len(g.titled))
                + W_HIT * min(3, g.hits) + (W_CAPS if g.caps else 0.0)
                + W_NEAR * min(3, len(g.near)))
        score = text_score + said
        if g.kind == "object" and not explicit and g.mentions < 2:
            continue
        why = [f"{g.mentions} mention{'s' if g.mentions != 1 else ''} in {len(sc)} scene"
               f"{'s' if len(sc) != 1 else ''}"]
        if g.headings:
            why[-1] += f" ({g.headings} scene heading{'s' if g.headings > 1 else ''})"
        if sc:
            a0 = _act_of(scene_start[sc[0]], duration_s)
            a1 = _act_of(scene_start[sc[-1]], duration_s)
            why.append("from first to last act" if (a0, a1) == (1, 3) else
                       f"act {a0} only" if a0 == a1 else f"acts {a0} to {a1}")
        if ratio >= 4:
            why.append(f"{ratio:.0f}x as common as in everyday English")
        elif key_s <= 0.1:
            why.append("an everyday word")
        if peak_n and peaks:
            why.append(f"at {peak_n} of the film's most intense scenes")
        if g.caps:
            why.append("introduced in CAPS")
        if g.named:
            why.append("named in " + "; ".join(list(dict.fromkeys(g.named))[:3]))
        elif g.near:
            why.append(f"in a music note ({g.near[0]})")
        if g.titled:
            why.append(g.titled[0])
        if g.hits:
            why.append(f"{g.hits} hit{'s' if g.hits > 1 else ''} in the spotting list")
        if g.note_mentions:
            why.append(f"{g.note_mentions} more in the music notes and spotting list")
        cands.append(MotifCandidate(
            _title(name) if g.kind == "place" or g.proper >= 2 else name, g.kind,
            round(score, 4), sc, g.mentions, round(spread, 4), forms, why="; ".join(why),
            evidence=list(dict.fromkeys(g.named + g.titled + g.near))[:6]))

    # ---- characters: the main ones, and others named across several scenes
    all_text = {i: " ".join(e.text for e in els if e.kind == "action")
                for i, els in blocks.items()}
    char_c: list[MotifCandidate] = []
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
            spread = spread_of(sc)
            m = MotifCandidate(c.name, "character", 0.0, sc, mentions, round(spread, 4),
                               [c.name] + c.aliases[:3],
                               why=f"{'main character: ' if c.main else ''}{len(sc)} scenes, "
                                   f"{c.dialogue_share:.0%} of the dialogue")
            m.score = (round(1.0 + c.score, 4) if c.main else round(
                math.log1p(len(sc)) / rec_norm * (0.45 + 0.55 * spread), 4))
            char_c.append(m)
    cands.sort(key=lambda m: (-m.score, m.name))
    char_c.sort(key=lambda m: (-m.score, m.name))
    main = [m for m in char_c if m.score >= 1.0]
    others = sorted([m for m in char_c if m.score < 1.0] + cands,
                    key=lambda m: (-m.score, m.name))[:MOTIF_LIMIT]
    return main + others

def _scene_blocks(sp: Any) -> dict[int, list[Any]]:
    blocks: dict[int, list[Any]] = defaultdict(list)
    for e in sp.elements:
        if e.scene_index is not None:
            blocks[e.scene_index].append(e)
    return blocks


def _name_words(chars: list[CharacterStat]) -> set[str]:
    """Words of the speaking characters' names ("norther", "winslow"), without the generic
    words of a cue such as "THE WITCH" or "YOUNG MAN" and of one-line speakers."""
    out: set[str] = set()
    for c in chars:
        if c.dialogue_lines < 2 and not c.main:
            continue
        for al in [c.name] + c.aliases:
            base = re.sub(r"\(.*?\)", "", al)
            for w in _WORD_RE.findall(base):
                w = w.lower().replace("'s", "")
                if w not in _STOP and w.upper() not in _AGE_PREFIXES and len(w) > 1:
                    out.add(w)
    return out


def _surnames(sp: Any, names: set[str]) -> set[str]:
    """Capitalised words that follow a character's first name ("Edward Bloom")."""
    out: Counter[str] = Counter()
    pat = re.compile(r"\b([A-Z][A-Za-z]+)\s+([A-Z][a-z]+)\b")
    for e in sp.elements:
        if e.kind not in ("action", "dialogue"):
            continue
        for m in pat.finditer(e.text):
            if m.group(1).lower() in names and m.group(2).lower() not in _STOP:
                out[m.group(2).lower()] += 1
    return {w for w, k in out.items() if k >= 2}




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


def _title(text: str) -> str:
    """Title case that leaves "'s" alone ("Scott's Apartment", not "Scott'S")."""
    return " ".join(w[:1].upper() + w[1:].lower() for w in text.split())


def _cue_title(scene: Scene) -> str:
    loc = _title(scene.location) if scene.location else _title(scene.heading)
    return loc[:60]


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


def _alignment_dict(al: Any) -> dict[str, Any]:
    """The script-to-cut alignment for ``analyze --json``: the warp and each scene's place
    on the picture's timeline (film seconds)."""
    if al is None:
        return {}
    d = al.to_dict()
    d["scenes"] = [{"index": s.index, "film_start_s": round(s.start_s, 3),
                    "film_duration_s": round(s.duration_s, 3)} for s in al.scenes]
    return d


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
