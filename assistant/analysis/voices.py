"""Each speaking character's voice (male, female, child or unknown), read from the
screenplay, so the dialogue pass can keep sustained notes out of that speaker's band.

The evidence, strongest first:

* an explicit cast line, ``CAST: NELL female, GUS male, TILLY child`` (in the briefs
  file, or given by the caller): final;
* words in the character's own name (``MALE VOICE``, ``SOPHISTICATED WOMAN``, ``MRS.
  DALLOWAY``, ``FATHER``);
* the introduction, the action line that first names the character in capitals: an
  age in brackets (``TILLY BELL (11)``: a child's voice up to :data:`CHILD_MAX_AGE`),
  a person noun in the clause after the name (``Tilly's father``, ``his granddaughter``:
  the noun, not the possessive, tells who is described), and, where the paragraph
  introduces no one else, gendered words anywhere in it (``a woman ... Her name is NANCY``);
* reflexive pronouns in the character's own parentheticals (``(to herself)``);
* pronouns in action lines: each ``he``/``she`` (and ``his``/``her``/``him``/``himself``
  /``herself``, weighted lower) goes to the character named most recently before it in
  the scene, the nearest one the running tally does not contradict (two passes: a
  rough tally first, then the pronouns re-attributed with it). A possessive before a
  person noun (``his granddaughter``) is about someone else and is not counted;
* a short table of common first names: a weak fallback.

The result is a :class:`VoiceGuess` per character with its evidence; a character with
too little or mixed evidence stays ``unknown`` (the dialogue pass then centres the band
on a neutral note, as before).

>>> parse_cast("CAST: NELL female, GUS male; ART GIRL f, TILLY child")
{'NELL': 'female', 'GUS': 'male', 'ART GIRL': 'female', 'TILLY': 'child'}
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.analysis.script_words import _AGE_PREFIXES
from assistant.errors import InputError

VOICES = ("male", "female", "child", "unknown")
#: an age in brackets up to this is a child's (unbroken) voice
CHILD_MAX_AGE = 12
#: evidence needed before a voice is named: total weight, and the winner's share of it
MIN_WEIGHT = 0.9
MIN_SHARE = 0.7

_VOICE_WORDS = {
    "male": "male", "m": "male", "man": "male", "boy": "child", "he": "male",
    "female": "female", "f": "female", "w": "female", "woman": "female", "girl": "child",
    "she": "female", "child": "child", "kid": "child", "c": "child",
    "unknown": "unknown", "neutral": "unknown", "?": "unknown",
}

# person nouns: in a name, in an introduction, after a possessive
_MALE_NOUNS = frozenset(["man", "men", "guy", "fellow", "gentleman", "boy", "lad", "father", "dad", "daddy", "pa", "papa", "son", "grandson", "grandfather", "grandpa", "husband", "widower", "brother", "uncle", "nephew", "king", "prince", "lord", "sir", "mister", "mr", "mr.", "monsieur", "priest", "monk", "landlord", "waiter", "actor", "policeman", "fisherman", "chairman", "salesman", "boyfriend", "bridegroom", "groom", "patriarch", "godfather", "stepfather", "stepson", "schoolboy", "businessman", "male"])
_FEMALE_NOUNS = frozenset(["woman", "women", "lady", "girl", "lass", "mother", "mum", "mom", "mummy", "mommy", "ma", "mama", "daughter", "granddaughter", "grandmother", "grandma", "granny", "gran", "wife", "widow", "sister", "aunt", "auntie", "niece", "queen", "princess", "madam", "madame", "mrs", "mrs.", "ms", "ms.", "miss", "nun", "landlady", "waitress", "actress", "policewoman", "fisherwoman", "chairwoman", "saleswoman", "girlfriend", "bride", "matriarch", "godmother", "stepmother", "stepdaughter", "schoolgirl", "businesswoman", "female"])
_CHILD_WORDS = frozenset(["child", "kid", "kiddo", "toddler", "baby", "infant", "schoolboy", "schoolgirl"])
_PRONOUNS = {
    # word: (gender, weight); subjects and reflexives point at their referent best
    "he": ("male", 1.0), "she": ("female", 1.0),
    "himself": ("male", 1.0), "herself": ("female", 1.0),
    "his": ("male", 0.5), "him": ("male", 0.4), "her": ("female", 0.45), "hers": ("female", 0.5),
}
# a weak fallback: common English first names (upper case)
_MALE_NAMES = frozenset(["AARON", "ADAM", "ALAN", "ALBERT", "ALEX", "ALFRED", "ANDREW", "ANDY", "ANTHONY", "ARTHUR", "BEN", "BENJAMIN", "BILL", "BILLY", "BOB", "BOBBY", "BRIAN", "CARL", "CHARLES", "CHARLIE", "CHRIS", "CHRISTOPHER", "DAN", "DANIEL", "DANNY", "DAVE", "DAVID", "DEREK", "DON", "DONALD", "DOUG", "ED", "EDDIE", "EDWARD", "ERIC", "FRANK", "FRED", "GARY", "GEORGE", "GREG", "GUS", "HANK", "HARRY", "HENRY", "IAN", "JACK", "JACOB", "JAKE", "JAMES", "JASON", "JEFF", "JIM", "JIMMY", "JOE", "JOHN", "JOHNNY", "JON", "JOSEPH", "JOSH", "KARL", "KEN", "KEVIN", "LARRY", "LEO", "LOUIS", "MARK", "MARTIN", "MATT", "MATTHEW", "MICHAEL", "MIKE", "NICK", "NOAH", "OLIVER", "OWEN", "PAT", "PAUL", "PETE", "PETER", "PHIL", "RALPH", "RAY", "RICHARD", "RICK", "ROB", "ROBERT", "ROGER", "RON", "SAM", "SAMUEL", "SCOTT", "SEAN", "SIMON", "STEVE", "STEVEN", "TED", "THOMAS", "TIM", "TOM", "TOMMY", "TONY", "WALTER", "WILL", "WILLIAM"])
_FEMALE_NAMES = frozenset(["ABBY", "ALICE", "AMANDA", "AMY", "ANGELA", "ANN", "ANNA", "ANNE", "BARBARA", "BETH", "BETTY", "CAROL", "CAROLINE", "CATHERINE", "CHARLOTTE", "CLAIRE", "DIANA", "DONNA", "DOROTHY", "ELIZABETH", "ELLA", "ELLEN", "EMILY", "EMMA", "GRACE", "HANNAH", "HELEN", "JANE", "JANET", "JENNIFER", "JENNY", "JESSICA", "JILL", "JOAN", "JOSEPHINE", "JULIA", "JULIE", "KAREN", "KATE", "KATHY", "KAY", "LAURA", "LINDA", "LISA", "LUCY", "MARGARET", "MARIA", "MARY", "MEG", "MILDRED", "MOLLY", "NANCY", "NELL", "NORA", "OLIVIA", "PAM", "PATRICIA", "PEGGY", "RACHEL", "RUTH", "RUTHIE", "SALLY", "SANDRA", "SARAH", "SUE", "SUSAN", "TILLY", "VICTORIA", "WENDY"])

_WORD = re.compile(r"[A-Za-z][A-Za-z.']*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
#: "Thomas Harrow was a man of the sea": a name, then what the speaker says the person is
_WAS_A = re.compile(r"([A-Z][A-Za-z]+(?: [A-Z][A-Za-z]+)?) (?:was|is|'s) an? (\w+)(?: (\w+))?")
#: a word after "her" that makes it an object ("gives her the keys"), not a possessive
_PREPOSITIONS = frozenset(["behind", "with", "to", "at", "of", "from", "for", "on", "in", "by", "beside", "near", "under", "over", "into", "onto", "toward", "towards", "like", "than", "about", "after", "before", "between"])
_AFTER_OBJECT = frozenset(["a", "an", "the", "to", "and", "as", "in", "on", "up", "down", "out", "off", "back", "with", "from", "into", "that", "this", "so", "again", "away", "over", "at", "for", "by", "some", "any", "or", "but", "if"])
_AGE = re.compile(r"^\s*\(\s*(?:(?:early|mid|late)[\s-]*)?(\d{1,2})\s*'?s?\s*\)", re.IGNORECASE)


@dataclass
class VoiceGuess:
    """One character's voice and why (``weights`` are the tallies per voice)."""

    character: str
    voice: str = "unknown"
    gender: str = "unknown"  # male | female | unknown (a child has one too, when known)
    age: int | None = None
    confidence: float = 0.0
    source: str = "none"  # cast | name | description | parenthetical | pronouns | first name
    evidence: list[str] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["confidence"] = round(self.confidence, 3)
        d["weights"] = {k: round(v, 3) for k, v in self.weights.items()}
        return d


# ----------------------------------------------------------------------------- cast lines
def parse_cast(text: str, where: str = "cast") -> dict[str, str]:
    """``{NAME: voice}`` from one ``CAST: NAME voice, NAME voice`` line (the ``CAST:``
    prefix is optional). A voice is male/female/child (or m/f/man/woman/boy/girl/kid/
    unknown); an item without one is an error naming it."""
    body = text.strip()
    if body.upper().startswith("CAST:"):
        body = body[5:]
    out: dict[str, str] = {}
    for item in re.split(r"[,;]", body):
        words = item.replace("=", " ").replace(":", " ").split()
        if not words:
            continue
        voice = _VOICE_WORDS.get(words[-1].lower().strip("()"))
        if voice is None or len(words) < 2:
            raise InputError(f"cast item {item.strip()!r} needs a name and a voice "
                             "(male, female or child)", field=where)
        out[" ".join(words[:-1]).upper()] = voice
    return out


def cast_lines(lines: Iterable[str], where: str = "cast") -> dict[str, str]:
    """Every ``CAST:`` line among ``lines`` (others are ignored), merged in order."""
    out: dict[str, str] = {}
    for i, line in enumerate(lines, 1):
        if line.strip().upper().startswith("CAST:"):
            try:
                out.update(parse_cast(line, where))
            except InputError as exc:
                raise exc.located(line=i) from None
    return out


def cast_from_file(path: str | Path | None) -> dict[str, str]:
    """The ``CAST:`` lines of a briefs file (none when the file is absent)."""
    if path is None or not Path(path).is_file():
        return {}
    from assistant.errors import read_text

    try:
        return cast_lines(read_text(Path(path), what="briefs file").splitlines())
    except InputError as exc:
        raise exc.located(path=path) from None


def is_cast_line(line: str) -> bool:
    """A briefs-file line that names voices, not a cue's brief."""
    return line.strip().upper().startswith("CAST:")


# ----------------------------------------------------------------------------- inference
def _words(text: str) -> list[str]:
    return [w.lower().rstrip(".'") if w.lower() not in ("mr.", "mrs.", "ms.") else w.lower()
            for w in _WORD.findall(text)]


def _noun_gender(word: str) -> str | None:
    w = word.lower()
    if w in _MALE_NOUNS:
        return "male"
    if w in _FEMALE_NOUNS:
        return "female"
    return None


_STRONG = ("name", "description", "parenthetical")
_TITLES = frozenset({"DR.", "DR", "DOCTOR", "MR.", "MR", "MRS.", "MRS", "MS.", "MS", "MISS", "SIR",
                     "LADY", "LORD", "CAPTAIN", "CAPT.", "PROFESSOR", "PROF.", "DETECTIVE",
                     "OFFICER", "SERGEANT", "SGT.", "AGENT", "JUDGE", "FATHER", "SISTER"})


class _Tally:
    def __init__(self, name: str) -> None:
        self.name = name
        self.w = {"male": 0.0, "female": 0.0}
        self.by = {"male": {}, "female": {}}  # source -> weight
        self.age: int | None = None
        self.child = 0.0
        self.evidence: list[str] = []

    def add(self, gender: str, weight: float, source: str, note: str | None = None) -> None:
        self.w[gender] += weight
        self.by[gender][source] = self.by[gender].get(source, 0.0) + weight
        if note and len(self.evidence) < 40:
            self.evidence.append(note)

    def strong(self) -> str | None:
        """The gender the cast-free strong evidence (name, description, parenthetical) says."""
        sw = {g: sum(v for src, v in self.by[g].items() if src in _STRONG) for g in self.w}
        tot = sw["male"] + sw["female"]
        if tot < 1.0 or max(sw.values()) / tot < 0.75:
            return None
        return "male" if sw["male"] > sw["female"] else "female"

    def lean(self) -> str | None:
        m, f = self.w["male"], self.w["female"]
        if m + f < MIN_WEIGHT or max(m, f) / (m + f) < MIN_SHARE:
            return None
        return "male" if m > f else "female"


def _name_patterns(names: dict[str, list[str]]) -> list[tuple[re.Pattern[str], str]]:
    """One pattern per form of each name (longest first), matching whole words."""
    forms: list[tuple[str, str]] = []
    for name, aliases in names.items():
        for form in {name, *aliases}:
            f = re.sub(r"\s*\(.*", "", form).strip()
            if f:
                forms.append((f, name))
            words = f.split()
            if len(words) >= 2 and words[0].upper() in _TITLES and len(words[-1]) >= 3:
                forms.append((words[-1], name))  # "DR. BENNETT" is "DR. JULIUS BENNETT"
    forms.sort(key=lambda x: -len(x[0]))
    return [(re.compile(r"(?<![A-Za-z])" + re.escape(f) + r"(?![A-Za-z])", re.IGNORECASE), n)
            for f, n in forms]


def _mentions(text: str, pats: list[tuple[re.Pattern[str], str]]) -> list[tuple[int, int, str, bool]]:
    """(start, end, character, in capitals) of every name in ``text``, longest forms
    first, no overlaps."""
    taken: list[tuple[int, int]] = []
    out = []
    for pat, name in pats:
        for m in pat.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            out.append((m.start(), m.end(), name, m.group(0).isupper()))
    return sorted(out)


def _full_name_end(text: str, end: int) -> int:
    """Past the rest of a name in capitals (``NELL HARROW``, ``AUGUST "GUS" BELL``)."""
    m = re.match(r"(?:\s+(?:\"[A-Z][A-Z'\-]+\"|[A-Z][A-Z'\-]+)(?![a-z]))*", text[end:])
    return end + (m.end() if m else 0)


def _appositive(words: list[str]) -> bool:
    """Words before a person noun that keep it describing the character introduced
    ("Tilly's father", "a fellow", "his granddaughter"), not someone the character acts
    on ("hides behind her father"): at most three, none a preposition or a verb in -s."""
    if len(words) > 3:
        return False
    return not any(w in _PREPOSITIONS or (w.endswith("s") and not w.endswith("'s")
                                          and w not in ("his", "its"))
                   for w in words)


def _describe(t: _Tally, before: str, clause: str, weight: float) -> None:
    """Person nouns and child words introducing a character: the words just before the
    name ("His mother SANDRA", "Beamen's daughter JENNY") and the clause after it."""
    prev = _words(before)[-2:]
    if prev and (_noun_gender(prev[-1]) or prev[-1] in _CHILD_WORDS):
        w = prev[-1]
        if w in _CHILD_WORDS:
            t.child += weight
        g = _noun_gender(w)
        if g is not None:
            t.add(g, 2.0 * weight, "description", f"introduced as: {w!r}")
        if g is None:
            t.evidence.append(f"introduced as: {w!r}")
        return
    ws = _words(clause)
    for i, w in enumerate(ws[:14]):
        if not _appositive(ws[:i]):
            return
        if w in _CHILD_WORDS:
            t.child += weight
            t.evidence.append(f"introduced as: {w!r}")
        g = _noun_gender(w)
        if g is not None and w not in ("ma", "pa", "miss", "sir"):
            t.add(g, 2.0 * weight, "description", f"introduced as: {w!r}")
            return  # the first person noun says who this is


def infer_voices(sp: Any, cast: dict[str, str] | None = None) -> dict[str, VoiceGuess]:
    """A :class:`VoiceGuess` for every speaking character of ``sp`` (an
    :class:`assistant.importers.Screenplay`); ``cast`` (``{NAME: voice}``) overrides."""
    chars = list(getattr(sp, "characters", []) or [])
    names = {c.name: list(c.aliases) for c in chars}
    tallies = {n: _Tally(n) for n in names}
    if not names:
        return {}
    pats = _name_patterns(names)

    # names themselves ("A GIRL'S VOICE" is a girl's)
    for n, t in tallies.items():
        ws = [w.removesuffix("'s") for w in _words(n)]
        for w in ws:
            g = _noun_gender(w)
            if g is not None:
                t.add(g, 3.0, "name", f"name: {w!r}")
            if w in _CHILD_WORDS:
                t.child += 3.0
        first = n.split()[0] if n.split() else ""
        if first in _MALE_NAMES:
            t.add("male", 0.6, "first name", f"first name {first}")
        elif first in _FEMALE_NAMES:
            t.add("female", 0.6, "first name", f"first name {first}")

    # introductions, parentheticals, and the action lines' pronouns (collected once)
    introduced: set[str] = set()
    # (candidates, gender, weight, ambiguous: counted only where one candidate fits)
    pronoun_events: list[tuple[list[str], str, float, bool, str, tuple[Any, int]]] = []
    names_seen = 0  # names read so far: a pronoun chain holds while no new name comes
    recent: list[str] = []  # characters named in the scene's action, most recent last
    prev_subject: str | None = None  # the first name of the sentence before
    speakers: list[str] = []  # who spoke since the last action line, in order
    scene = None
    for e in getattr(sp, "elements", []) or []:
        kind = getattr(e, "kind", "")
        if getattr(e, "scene_index", None) != scene:
            scene, recent, prev_subject, speakers = getattr(e, "scene_index", None), [], None, []
        if kind in ("dialogue", "action"):
            for m in _WAS_A.finditer(e.text):
                who = _mentions(m.group(1), pats)
                g = _noun_gender(m.group(2)) or _noun_gender(m.group(3) or "")
                if who and g is not None:
                    tallies[who[-1][2]].add(g, 1.5, "description", f"{m.group(0)!r}")
        if kind == "parenthetical" and getattr(e, "character", None) in tallies:
            for w in _words(e.text):
                if w in ("himself", "herself"):
                    g = "male" if w == "himself" else "female"
                    tallies[e.character].add(g, 1.5, "parenthetical", f"({w})")
            continue
        if kind == "character":
            nm = getattr(e, "character", None)
            if nm in tallies and "V.O" not in (getattr(e, "extension", "") or "").upper() \
                    and "V.O" not in e.text.upper():  # a voice-over is not in the room
                speakers = [x for x in speakers if x != nm] + [nm]
            continue
        if kind != "action":
            continue
        text = e.text
        ments = _mentions(text, pats)
        named_caps = {n for _, _, n, caps in ments if caps and n not in introduced}
        for a, b, n, caps in ments:
            if not caps or n in introduced:
                continue
            introduced.add(n)
            t = tallies[n]
            end = _full_name_end(text, b)
            age = _AGE.match(text[end:])
            if age:
                t.age = int(age.group(1))
                t.evidence.append(f"age {t.age}")
                end += age.end()
            # the clause after the name, to the end of its sentence
            rest = _SENTENCE_END.split(text[end:], maxsplit=1)[0]
            _describe(t, text[max(0, a - 40):a], rest, 1.0)
            if len(named_caps) == 1:  # the paragraph is about this one character
                for w in _words(text):
                    g = _noun_gender(w) or (_PRONOUNS[w][0] if w in _PRONOUNS else None)
                    if g is not None:
                        t.add(g, 0.3, "description")
        # pronouns (see the module docstring): subjects go to the subject of the sentence
        # (or of the one before), objects to someone other than the sentence's subject
        after_speech = speakers[-2:]  # the last two speakers
        if speakers:
            prev_subject = None  # after a speech the subject is one of its speakers
        speakers = []
        named_here = False  # a name read in this paragraph (it ends the speech's hold)
        for sent in _SENTENCE_END.split(text):
            s_ments = _mentions(sent, pats)
            # the subject: the first name, unless it is a possessive ("Crow's boots")
            subject = s_ments[0][2] if s_ments and not sent[s_ments[0][1]:].startswith("'s") \
                else None
            seen: list[str] = []
            toks = [(m.start(), m.group(0)) for m in _WORD.finditer(sent)]
            for k, (pos, tok) in enumerate(toks):
                w = tok.lower()
                while s_ments and s_ments[0][0] <= pos:
                    n = s_ments.pop(0)[2]
                    seen = [x for x in seen if x != n] + [n]
                    recent = [x for x in recent if x != n] + [n]
                    names_seen += 1
                    named_here = True
                if w not in _PRONOUNS:
                    continue
                nxt = toks[k + 1][1].lower() if k + 1 < len(toks) else ""
                if w in ("his", "her") and (_noun_gender(nxt) or nxt in _CHILD_WORDS):
                    continue  # "his granddaughter": about someone else
                g, wt = _PRONOUNS[w]
                obj = w == "him" or (w == "her" and (nxt in _AFTER_OBJECT or k + 1 == len(toks)))
                # who it may be: the speakers of the speech just before (while this
                # paragraph names no one), else the characters named lately
                pool = list(reversed(recent))
                if after_speech and not named_here:
                    pool = list(reversed(after_speech)) + [x for x in pool if x not in after_speech]
                if obj:  # "X looks at him": not X
                    wt = _PRONOUNS["him"][1]
                    head = subject if seen else None
                    cands = [x for x in pool if x != head]
                elif seen and w in ("himself", "herself"):  # bound nearby: "X, who
                    cands = [seen[-1]] + [x for x in pool if x != seen[-1]]  # fancies himself"
                elif seen:  # "Nell grips her bag": the sentence's subject
                    cands = [seen[0]] + [x for x in pool if x != seen[0]]
                elif prev_subject is not None:  # the subject carries on
                    cands = [prev_subject] + [x for x in pool if x != prev_subject]
                else:
                    cands = pool
                cands = cands[:3]
                # more than one candidate: counted only where the others' tallies leave
                # a single one of this gender
                ambiguous = not (seen and not obj) and len(cands) > 1
                if cands:
                    pronoun_events.append((cands, g, wt, ambiguous,
                                           f"{w!r} in {sent[:60]!r}", (scene, names_seen)))
            prev_subject = subject or prev_subject

    # two passes: a rough tally (each pronoun to its first candidate), then, in reading
    # order, each pronoun to the first candidate that tally (or the strong evidence) does
    # not contradict; a pronoun continues the chain of the last one of its gender while
    # no new name has come between them ("She doesn't answer. ... She doesn't flinch.")
    rough = {n: dict(t.w) for n, t in tallies.items()}
    for cands, g, wt, ambiguous, *_ in pronoun_events:
        if not ambiguous:
            rough[cands[0]][g] += wt
    leans: dict[str, str | None] = {}
    for n, w in rough.items():
        tot = w["male"] + w["female"]
        leans[n] = tallies[n].strong() or (
            None if tot < MIN_WEIGHT or max(w.values()) / tot < MIN_SHARE
            else max(w, key=lambda k: w[k]))
    base = {n: (dict(t.w), {g: dict(v) for g, v in t.by.items()}, len(t.evidence))
            for n, t in tallies.items()}
    for round_ in range(2):  # the second round reads the leans of the first
        if round_:
            for n, t in tallies.items():
                w = t.w
                tot = w["male"] + w["female"]
                leans[n] = t.strong() or (None if tot < MIN_WEIGHT or max(w.values()) / tot
                                          < MIN_SHARE else max(w, key=lambda k: w[k]))
                t.w, t.by = dict(base[n][0]), {g: dict(v) for g, v in base[n][1].items()}
                del t.evidence[base[n][2]:]
        focus: dict[str, tuple[str, tuple[Any, int]]] = {}
        for cands, g, wt, ambiguous, where, at in pronoun_events:
            chain = focus.get(g)
            if chain is not None and chain[1] == at:
                cands, ambiguous = [chain[0]] + [c for c in cands if c != chain[0]], False
            fit = [c for c in cands if leans.get(c) in (None, g)]
            if ambiguous:
                fit = [c for c in cands if leans.get(c) == g]
            if not fit or (ambiguous and len(fit) != 1):
                continue
            who = fit[0]
            focus[g] = (who, at)
            tallies[who].add(g, wt * (1.0 if who == cands[0] else 0.7), "pronouns", where)

    out: dict[str, VoiceGuess] = {}
    cast_up = {k.upper(): v for k, v in (cast or {}).items()}
    for n, t in tallies.items():
        guess = VoiceGuess(n, age=t.age, weights={k: v for k, v in t.w.items()},
                           evidence=list(t.evidence))
        forced = cast_up.get(n) or next((cast_up[a.upper()] for a in names[n]
                                         if a.upper() in cast_up), None)
        m, f = t.w["male"], t.w["female"]
        lean = t.lean()
        named = t.by["male"].get("first name", 0.0) + t.by["female"].get("first name", 0.0)
        if lean is None and named and m + f - named < MIN_WEIGHT:
            lean = "male" if t.by["male"].get("first name") else "female"  # the weak fallback
            guess.gender = guess.voice = lean
            guess.source, guess.confidence = "first name", 0.4
        elif lean is not None:
            guess.gender = lean
            guess.confidence = max(m, f) / (m + f) * min(1.0, (m + f) / 3.0)
            srcs = t.by[lean]
            guess.source = next((s for s in ("name", "description", "parenthetical")
                                 if srcs.get(s, 0.0) >= 1.0), None) or max(srcs, key=srcs.get)
            guess.voice = lean
        if (t.age is not None and t.age <= CHILD_MAX_AGE) or t.child >= 1.0:
            guess.voice = "child"
            guess.confidence = max(guess.confidence, 0.8 if t.age is not None else 0.6)
            guess.source = "description"
        if forced is not None:
            guess.voice = forced
            if forced in ("male", "female"):
                guess.gender = forced
            guess.source, guess.confidence = "cast", 1.0
            guess.evidence.insert(0, f"cast line: {forced}")
        out[n] = guess
    for n, guess in out.items():  # "YOUNG WILL", "ADULT EDWARD": the same person's voice
        words = n.split()
        base = " ".join(words[1:])
        if guess.voice == "unknown" and len(words) > 1 and words[0] in _AGE_PREFIXES \
                and base in out and out[base].gender != "unknown":
            guess.gender = out[base].gender
            guess.voice = guess.gender if words[0] not in ("BABY", "KID", "LITTLE") else "child"
            guess.source, guess.confidence = "same character", 0.6 * out[base].confidence
            guess.evidence.append(f"the {guess.gender} voice of {base}")
    return out


def voice_map(guesses: dict[str, VoiceGuess]) -> dict[str, str]:
    """``{character: voice}`` for every guess that is not unknown."""
    return {n: g.voice for n, g in guesses.items() if g.voice != "unknown"}


__all__ = ["CHILD_MAX_AGE", "VOICES", "VoiceGuess", "cast_from_file", "cast_lines", "infer_voices",
           "is_cast_line", "parse_cast", "voice_map"]
