"""Rules for cue descriptions: what sentence embeddings cannot see.

Embeddings blur negation ("no drums" sits close to "drums"), treat cue ids and timecodes
as content, and only weakly notice the conventional words of a spotting session
("source", "jukebox", "main title", "sting"). This module

1. cleans a description for embedding: strips cue ids (``1M3``, ``2M10s``, ``4M2A``),
   timecodes and scene/reel references (``Sc. 4``, ``Reel 2``), and removes negated spans that name a function or mood ("not scary",
   "don't make it heroic", "no sting here");
2. returns logit adjustments per function, with the phrase that fired each rule as evidence:
   diegetic music -> ``source``, titles and credits -> ``bookend``, explicit
   sting / stinger / stab / "hit it" -> ``sting``, montage / passage of time -> ``transition``;
   a negated function word pushes that function down instead;
3. lists the mood tags a negation rules out ("not scary" drops ``dread`` and ``eerie``).

Rules never fire inside a negated span: "no source music" lowers ``source``.

>>> p = prepare("1M2s — jukebox in the diner, not scary at all")
>>> p.cue_id, p.embed_text
('1M2s', 'jukebox in the diner')
>>> round(p.deltas["source"], 1) > 0, "dread" in p.drop_tags
(True, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.analysis.moods import SYNONYMS
from assistant.project import CUE_FUNCTIONS

CUE_ID_RE = re.compile(r"\b(\d{1,2})\s?M\s?(\d{1,3})([A-Za-z]{0,2})\b")
#: scene and reel references ("Sc. 4", "scene 14:", "Reel 2,", "R3 -", "cue 12") carry no meaning
SCENE_REF_RE = re.compile(
    r"(?:\b(?:reel|scene|sc\.?|cue)\s?#?|^\s*r)\d{1,3}[a-z]?\b(?:\s*[,:\-–—]\s*|\s+)?", re.IGNORECASE
)
TIMECODE_RE = re.compile(r"\b\d{1,2}:\d{2}:\d{2}[:;.]\d{2}\b|\b\d{1,2}:\d{2}(?::\d{2})?\b")
LEAD_PUNCT_RE = re.compile(r"^[\s\-–—:;,.|/]+|[\s\-–—:;,|/]+$")

#: words that open a negated scope
NEG_RE = re.compile(
    r"\b(?:no|not|never|without|nothing|avoid(?:ing)?|lose|drop|skip|minus|instead\s+of|rather\s+than|"
    r"(?:do|does|did|is|are|was|were|should|could|would|must|ca|wo)n['’]?t|cannot|"
    r"(?:do|does|should|must)\s+not|is\s+not|isn['’]?t)\b",
    re.IGNORECASE,
)
#: a negated scope ends at a clause boundary or a contrast word
SCOPE_END_RE = re.compile(
    r"[.;:!?,—–()\"]|\s-\s|\b(?:but|just|instead|rather|only|more|yet|so|and\s+then|then)\b",
    re.IGNORECASE,
)

#: function words: one inside a negated span pushes that function down hard ("no sting here",
#: "not a montage", "nothing scary"): the user is ruling the function out.
NEGATABLE: dict[str, tuple[str, ...]] = {
    "build_tension": (
        "scary", "scare", "frightening", "horror", "creepy", "spooky", "menacing", "suspense",
        "suspenseful", "tension", "dread", "thriller",
    ),
    "sting": ("sting", "stinger", "stings", "stab", "jump scare", "hit", "hits", "shock"),
    "comedy": ("comedy", "comic", "comedic", "slapstick", "gag", "joke", "jokey", "mickey"),
    "romance": ("romance", "love theme", "love scene", "love song"),
    "action": ("action", "chase", "fight", "battle"),
    "triumph": ("triumph", "victory", "celebration"),
    "transition": ("montage",),
    "source": ("source", "diegetic", "radio", "jukebox", "band", "on-screen music"),
    "bookend": ("title", "titles", "credits"),
    "theme_statement": ("theme", "anthem", "leitmotif", "motif"),
}
NEGATED_FUNCTION_PENALTY = 5.0

#: tone words: negating one ("not sappy", "don't make it heroic") is about style, and the scene
#: may still have that function (a victory scored without fanfare), so the push is gentle.
NEGATABLE_TONE: dict[str, tuple[str, ...]] = {
    "romance": ("romantic", "sappy", "syrupy", "schmaltzy", "lovey", "lush"),
    "comedy": ("funny", "silly", "goofy", "cartoon", "cartoony", "cute", "wacky"),
    "triumph": ("triumphant", "victorious", "heroic", "celebratory", "fanfare"),
    "action": ("driving", "propulsive", "kinetic", "busy"),
    "build_tension": ("ominous", "tense", "dark"),
}
NEGATED_TONE_PENALTY = 1.5

#: "not too scary", "without being overly sweet": a moderation, not a negation
MODERATION_RE = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:too|overly|over-?|so|that|very|as)\b|^\W*(?:over(?:play|do|sell)|milk)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rule:
    """A pattern that adds ``weight`` to a function's logit (before the softmax)."""

    function: str
    pattern: re.Pattern[str]
    weight: float


def _r(function: str, weight: float, pattern: str) -> Rule:
    assert function in CUE_FUNCTIONS, function
    return Rule(function, re.compile(pattern, re.IGNORECASE), weight)


RULES: tuple[Rule, ...] = (
    # diegetic music -> source
    _r("source", 3.0, r"\b(?:jukebox|juke\s?box|gramophone|phonograph|record\s+player|turntable|"
       r"(?:car|kitchen|taxi|transistor|clock)\s+(?:radio|stereo)|(?:on|from|turns?\s+(?:up|on))\s+the\s+radio|"
       r"radio\s+(?:plays|playing|station|song|hit)|stereo|boom\s?box|karaoke|busker|buskers|diegetic|"
       r"source\s+(?:music|cue|song)|on-?screen\s+(?:band|music|performance)|DJ|deejay|"
       r"mariachis?|organist|cassette|headphones|earbuds|ice-?cream\s+(?:van|truck))\b"),
    _r("source", 2.5, r"\bsource\b"),
    _r("source", 1.0, r"\bradio\b"),
    # the score talked about, not music in the scene: "plays under the dialogue",
    # "as we cut to the radio" (a picture cut), "the radio call"
    _r("source", -2.0, r"\b(?:cut|cuts|cutting|dissolve|over)\s+to\s+(?:the|a)\s+radio\b|"
       r"\bradio\s+(?:call|message|mayday|operator|transmission)\b"),
    _r("source", -1.5, r"\b(?:plays?|playing|sits?|stays?)\s+under\s+(?:the\s+|all\s+the\s+|their\s+|"
       r"his\s+|her\s+)?(?:dialogue|dialog|lines|conversation|scene|voice-?over|v\.?o\.?)\b"),
    _r("source", 1.5, r"\b(?:band|quartet|orchestra|choir|pianist|fiddler|piano\s+player|singer)\s+"
       r"(?:plays?|playing|on\s+stage|in\s+the\s+(?:corner|bar|room|scene|restaurant|lobby)|at\s+the|kicks|launches|sings?)\b"),
    _r("source", 1.5, r"\b(?:puts?|drops?)\s+(?:a|the)\s+(?:record|needle|dime|coin|tape|cd)\b|\bspeakers\b|\bsings?\s+along\b"),
    # titles and credits -> bookend
    _r("bookend", 3.5, r"\b(?:main|end|opening|closing|final)[\s-]+(?:title|titles|credits?|crawl)\b|"
       r"\bcredits?\s+(?:roll|rolls|crawl|sequence)\b|\broll(?:ing)?\s+(?:the\s+)?credits\b|"
       r"\btitle\s+(?:sequence|card|music|cue)\b|\bend\s+crawl\b"),
    _r("bookend", 2.5, r"(?<![A-Za-z])(?:MT|ET)(?![A-Za-z])"),
    _r("bookend", 1.5, r"\bcredits\b|\btitles\b"),
    # explicit stings and hits -> sting
    _r("sting", 3.0, r"\b(?:sting|stinger|stingers|stings|jump[\s-]?scare|scare\s+chord|shock\s+chord|stab)\b"),
    _r("sting", 1.5, r"\bhit\s+(?:it|that|this|the\s+(?:cut|reveal|moment|door|slam|impact|button|scare))\b|"
       r"\b(?:a|one|hard|sharp|big|single|cartoon)\s+(?:hit|accent)\b|\bbutton\s+on\s+it\b"),
    # montage and passage of time -> transition
    _r("transition", 2.0, r"\bmontage\b|\bseries\s+of\s+shots\b|\btime[\s-]lapse\b|\bpassage\s+of\s+time\b|"
       r"\btime\s+passes\b|\b(?:weeks|months|years|seasons)\s+(?:go\s+by|pass)\b"),
    _r("transition", 1.0, r"\b(?:dissolve\s+to|match\s+cut|smash\s+cut\s+to|segue|bridge\s+(?:into|from|to|us|the))\b"),
)


#: words that name the picture's structure, not what happens in it ("intercut", "final shot of
#: act two", "before the credits roll", "late in the film"). They locate a cue; they must not
#: decide its function, so they are taken out of what the embedding and the lexicon read
#: (when enough words remain) and they never fire the titles rule.
STRUCTURE_RE = re.compile(
    r"\b(?:inter-?cut(?:s|ting)?(?:\s+(?:between|with))?|cross-?cut(?:s|ting)?(?:\s+between)?|"
    r"(?:the\s+)?(?:final|last|first|opening|closing)\s+(?:shot|scene|image|frame|moments?)s?"
    r"(?:\s+(?:of|in|before)\s+(?:the\s+)?(?:episode|ep\.?|act(?:\s+(?:one|two|three|[1-5]))?|"
    r"film|movie|season|sequence|cold\s+open|scene|reel|show|pilot)(?:\s+(?:one|two|three|[1-5]))?)?|"
    r"(?:right\s+|just\s+)?(?:before|after|until|till|ahead\s+of|leading\s+into)\s+(?:the\s+)?"
    r"(?:end\s+|main\s+|opening\s+|closing\s+)?(?:credits?|titles?|title\s+card)(?:\s+rolls?)?|"
    r"late\s+in\s+the\s+(?:film|episode|movie|show)|early\s+in\s+the\s+(?:film|episode|movie|show)|"
    r"(?:of|in|for)\s+act\s+(?:one|two|three|[1-5])|cold\s+open|montage-?ish)\b",
    re.IGNORECASE,
)
#: a titles word right after one of these locates the cue before or after the titles
_BEFORE_TITLES_RE = re.compile(r"\b(?:before|after|until|till|ahead\s+of|into|leading\s+into|up\s+to)"
                               r"\s+(?:the\s+)?(?:(?:end|main|opening|closing)\s+)?$", re.IGNORECASE)


def strip_structure(text: str) -> tuple[str, list[str]]:
    """``text`` without its structure words (see :data:`STRUCTURE_RE`) and the words taken;
    the text is kept whole when fewer than four words would remain."""
    found = [m.group(0) for m in STRUCTURE_RE.finditer(text)]
    if not found:
        return text, []
    rest = STRUCTURE_RE.sub(" ", text)
    rest = re.sub(r"\s+", " ", rest)
    rest = re.sub(r"^[\s,:;\-\u2013\u2014]+", "", rest).strip()
    if len(re.findall(r"[A-Za-z]{3,}", rest)) < 4:
        return text, []
    return rest, found


@dataclass
class Prepared:
    """A description made ready for the embedding head."""

    text: str  # the original text
    embed_text: str  # cue ids, timecodes and negated function words removed
    cue_id: str | None = None
    deltas: dict[str, float] = field(default_factory=dict)  # function -> logit adjustment
    evidence: dict[str, list[str]] = field(default_factory=dict)  # function -> phrases that fired
    drop_tags: set[str] = field(default_factory=set)  # mood tags ruled out by negation
    negated: list[str] = field(default_factory=list)  # the negated spans found
    structure: list[str] = field(default_factory=list)  # structure words set aside

    def delta_vector(self) -> list[float]:
        return [self.deltas.get(f, 0.0) for f in CUE_FUNCTIONS]


def negated_spans(text: str) -> list[tuple[int, int]]:
    """Character spans (negation word through the end of its scope, at most 6 words)."""
    spans: list[tuple[int, int]] = []
    for m in NEG_RE.finditer(text):
        start = m.start()
        rest = text[m.end() :]
        end_m = SCOPE_END_RE.search(rest)
        scope_end = m.end() + (end_m.start() if end_m else len(rest))
        words = list(re.finditer(r"\S+", text[m.end() : scope_end]))
        if len(words) > 6:
            scope_end = m.end() + words[5].end()
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], scope_end))
        else:
            spans.append((start, scope_end))
    return spans


def _contains_word(span: str, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}\b", span, re.IGNORECASE) is not None


def prepare(text: str) -> Prepared:
    """Clean ``text`` for embedding and compute the rule adjustments (see module docstring)."""
    p = Prepared(text=text, embed_text=text)
    cue = CUE_ID_RE.search(text)
    work = text
    if cue:
        p.cue_id = cue.group(0).replace(" ", "")
        if cue.group(3).lower().startswith("s"):
            p.deltas["source"] = p.deltas.get("source", 0.0) + 2.5
            p.evidence.setdefault("source", []).append(p.cue_id)
    work = CUE_ID_RE.sub(" ", work)
    work = TIMECODE_RE.sub(" ", work)
    work = SCENE_REF_RE.sub(" ", work)

    spans = negated_spans(work)
    neg_mask = [False] * len(work)
    remove: list[tuple[int, int]] = []
    for a, b in spans:
        span = work[a:b]
        p.negated.append(span.strip())
        for i in range(a, b):
            neg_mask[i] = True
        cue_end = NEG_RE.match(work, a)
        if cue_end and MODERATION_RE.match(work[cue_end.end() : b]):
            continue  # "not too dark": keep the words, rule nothing out
        hit_any = False
        for table, penalty in ((NEGATABLE, NEGATED_FUNCTION_PENALTY), (NEGATABLE_TONE, NEGATED_TONE_PENALTY)):
            for fn, words in table.items():
                if any(_contains_word(span, w) for w in words):
                    p.deltas[fn] = p.deltas.get(fn, 0.0) - penalty
                    if penalty >= NEGATED_FUNCTION_PENALTY:
                        p.evidence.setdefault(fn, []).append(span.strip())
                    hit_any = True
        for w, tags in SYNONYMS.items():
            if _contains_word(span, w):
                p.drop_tags.update(tags)
                hit_any = True
        if hit_any:
            remove.append((a, b))

    for rule in RULES:
        for m in rule.pattern.finditer(work):
            if any(neg_mask[m.start() : m.end()]):
                continue
            if re.search(r"\blike\s+(?:an?\s+|the\s+)?$", work[max(0, m.start() - 12) : m.start()], re.I):
                continue  # "like a jukebox" describes a sound, not a source
            if rule.function == "bookend" and _BEFORE_TITLES_RE.search(
                    work[max(0, m.start() - 24) : m.start()]):
                continue  # "the last scene before the credits" is not the credits
            p.deltas[rule.function] = p.deltas.get(rule.function, 0.0) + rule.weight
            phrase = m.group(0).strip()
            ev = p.evidence.setdefault(rule.function, [])
            if not any(phrase.lower() in e.lower() for e in ev):
                ev.append(phrase)
            break  # each rule counts once per text
    for fn in list(p.deltas):  # several rules of one function do not pile up without bound
        p.deltas[fn] = max(-6.0, min(4.5, p.deltas[fn]))

    kept = work
    for a, b in reversed(remove):
        kept = kept[:a] + " " + kept[b:]
    kept = re.sub(r"\s+", " ", kept)
    kept = re.sub(r"\s+([,.;:!?])", r"\1", kept)
    kept = re.sub(r"[\s,;:]+(?:but|and|or|so)\W*$", "", kept, flags=re.IGNORECASE)
    kept = LEAD_PUNCT_RE.sub("", kept).strip()
    kept, p.structure = strip_structure(kept)
    if len(re.findall(r"[A-Za-z]", kept)) < 2:  # the rules ate everything: embed the cleaned text
        kept = LEAD_PUNCT_RE.sub("", re.sub(r"\s+", " ", work)).strip() or text
    p.embed_text = kept
    return p


# ----------------------------------------------------------------------------- lexicon features
#: a small domain lexicon per function (stems, matched at word starts, case-insensitive).
#: Written from spotting-session vocabulary, not fitted to the data; its hit counts are 12
#: cheap features beside the embedding (see classify.features).
LEXICON: dict[str, tuple[str, ...]] = {
    "establish_setting": (
        "ext", "int", "establish", "landscape", "aerial", "wide", "vista", "skyline", "city", "town",
        "village", "valley", "desert", "coast", "harbo", "mountain", "forest", "jungle", "dawn", "sunrise",
        "morning", "first look", "first time we", "place us", "put us", "sense of place", "period",
        "world of", "where we are", "set the", "location", "island", "street", "landscape",
    ),
    "inner_state": (
        "alone", "lonel", "isolat", "grief", "griev", "mourn", "memor", "remember", "regret", "guilt",
        "ashamed", "shame", "doubt", "realis", "realiz", "inner", "internal", "inside her", "inside his",
        "inside him", "in his head", "in her head", "her face", "his face", "stares", "staring",
        "quietly", "tears", "crying", "loss", "widow", "funeral", "sits", "decides", "torn", "ache",
    ),
    "romance": (
        "kiss", "love", "lover", "romanc", "romantic", "in love", "their eyes", "eyes meet", "embrace",
        "hold hands", "holds hands", "her hand", "his hand", "dance", "waltz", "proposal", "propose",
        "wedding", "longing", "chemistry", "flirt", "darling", "heart", "lips", "together", "date",
    ),
    "build_tension": (
        "tension", "suspens", "build", "creep", "slow", "closer", "waiting", "wait", "hold", "dread",
        "stalk", "follow", "footsteps", "timer", "tick", "countdown", "clock", "hiding", "hides",
        "silent", "darkness", "dark", "something is", "someone is", "unease", "uneas", "squeez",
        "ratchet", "pulse", "standoff", "lean forward", "leaning forward", "inch", "slowly",
    ),
    "sting": (
        "sting", "stinger", "hit", "stab", "accent", "punctuat", "button", "jump", "scare", "shock",
        "reveal", "bang", "bursts", "slams", "snap", "leaps", "suddenly", "short", "sharp", "out of nowhere",
        "then out", "get out", "one chord", "single", "impact", "exclamation",
    ),
    "action": (
        "chase", "fight", "battle", "brawl", "pursuit", "escape", "shootout", "gunfire", "bullets",
        "explod", "crash", "race", "racing", "speed", "fast", "driving", "drive it", "propuls",
        "momentum", "relentless", "kinetic", "punch", "kick", "sword", "duel", "charge", "attack",
        "storm", "dives", "sprint", "swerves", "fishtail", "engines", "percussive",
    ),
    "transition": (
        "montage", "series of shots", "time passes", "passage of time", "weeks", "months", "years",
        "seasons", "days", "later", "dissolve", "cut to", "match cut", "segue", "bridge", "transition",
        "link", "carry us", "compress", "flashback", "time-lapse", "time lapse", "quick cuts", "blur",
        "travel", "road trip", "journey", "move us", "jump",
    ),
    "theme_statement": (
        "theme", "motif", "leitmotif", "statement", "full statement", "in full", "anthem", "melody",
        "tune", "his theme", "her theme", "main theme", "identity", "recognis", "recogniz", "plant",
        "introduce", "stated", "first full", "whole thing", "iconic", "steps onto", "strides",
    ),
    "comedy": (
        "comedy", "comic", "comedic", "funny", "slapstick", "mickey", "cartoon", "silly", "goofy",
        "laugh", "joke", "gag", "farce", "awkward", "deadpan", "cheeky", "bouncy", "pratfall", "trips",
        "falls over", "slips", "pie", "chaos", "mayhem", "tiptoe", "pizz", "bumbl", "ridiculous", "mock",
    ),
    "triumph": (
        "win", "wins", "won", "winning", "victory", "victor", "triumph", "champion", "cheer", "celebrat",
        "erupt", "confetti", "finish line", "summit", "saved", "succeed", "success", "made it", "done it",
        "medal", "podium", "crowd roars", "standing ovation", "applause", "goal", "scores", "elation",
    ),
    "source": (
        "source", "diegetic", "radio", "jukebox", "record", "gramophone", "turntable", "stereo",
        "speakers", "band", "dj", "karaoke", "busker", "on stage", "onstage", "plays", "playing",
        "sings", "singing", "song", "choir", "organist", "pianist", "fiddler", "headphones", "cassette",
        "on-screen", "on screen", "in the scene", "we hear", "walkman", "boombox",
    ),
    "bookend": (
        "main title", "end title", "title", "titles", "credits", "credit", "opening credits",
        "end credits", "crawl", "roll", "fade out", "fade to black",
        "cut to black", "over black", "studio logo", "logo", "names", "cast", "suite", "mt", "et",
    ),
}

_LEX_RE: dict[str, re.Pattern[str]] = {
    fn: re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(set(ws), key=len, reverse=True)) + r")",
                   re.IGNORECASE)
    for fn, ws in LEXICON.items()
}


def lexicon_counts(text: str) -> list[float]:
    """Hits of each function's lexicon in ``text`` outside negated spans, squashed to [0, 1)."""
    work = TIMECODE_RE.sub(" ", CUE_ID_RE.sub(" ", text))
    work, _ = strip_structure(work)
    spans = negated_spans(work)
    out: list[float] = []
    for fn in CUE_FUNCTIONS:
        n = 0
        for m in _LEX_RE[fn].finditer(work):
            if any(a <= m.start() < b for a, b in spans):
                continue
            n += 1
        out.append(1.0 - 0.5**n)
    return out
