"""Word lists and token helpers for reading a screenplay (split out of :mod:`.script`).

The word lists are data: stop words, ideas, function words, adjectives and the other
closed classes the leitmotif search (:mod:`.script_motifs`) uses to find noun phrases
without a tagger; plus English word frequencies (wordfreq) for keyness and singulars.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


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


# ============================================================================ noun-phrase word classes
# The closed word classes the leitmotif search (script_motifs._motifs) uses to tell nouns
# from verbs and modifiers without a tagger.

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


def _title(text: str) -> str:
    """Title case that leaves "'s" alone ("Scott's Apartment", not "Scott'S")."""
    return " ".join(w[:1].upper() + w[1:].lower() for w in text.split())
