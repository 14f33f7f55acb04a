"""Key and meter in a brief: what musicians say first ("a waltz in D minor", "in 6/8").

Two passes over a :class:`~assistant.analysis.brief_scope.Scan`:

- :func:`key_pass` reads a tonic ("D", "Bb", "F#"): "in D minor", "a march in B-flat",
  "E flat major", "the key of G", "in F#". A bare capital A/E before "minor"/"major" at the
  start of a sentence is read only with a key word near ("A minor key"), so "A minor change"
  stays an adjective. A key in a negated scope ("not in C major", "anything but D") is not
  taken (recorded in the evidence as avoided).
- :func:`meter_pass` reads a time signature: "3/4", "6/8 time", "in 5", "in three", "common
  time", "cut time", "triple time". When none is stated, a dance or form word implies one
  (:data:`IMPLIED_METERS`: a waltz is 3/4, a jig 6/8, a march 4/4, a polka 2/4). Negated
  meters ("6/8 would be wrong", "not a waltz", "no 7/8") are not taken.

The results go to ``Analysis.key`` / ``Analysis.meter`` and become ``MusicBrief.key`` and
``MusicBrief.meter`` (the ``brief --json`` keys ``key`` and ``meter``).
"""

from __future__ import annotations

import re

from assistant.analysis.brief_scope import Scan, _Analysis

# dance / form word -> the meter it implies when none is stated (design defaults: the
# usual notated meter of the form; a march is 4/4 in most film scores, a quick march 2/4)
IMPLIED_METERS: dict[str, str] = {
    "waltz": "3/4", "waltzes": "3/4", "waltz-time": "3/4", "valse": "3/4", "minuet": "3/4",
    "mazurka": "3/4", "polonaise": "3/4", "sarabande": "3/4", "bolero": "3/4",
    "landler": "3/4", "ländler": "3/4",
    "jig": "6/8", "jigs": "6/8", "gigue": "6/8", "tarantella": "6/8", "barcarolle": "6/8",
    "siciliana": "6/8", "siciliano": "6/8", "lullaby": "6/8", "berceuse": "6/8",
    "march": "4/4", "marches": "4/4", "marching": "4/4", "polka": "2/4", "habanera": "2/4",
    "galop": "2/4", "two-step": "2/4", "quickstep": "2/4", "reel": "4/4", "hornpipe": "4/4",
}
# number words that follow "in" ("in three") -> meter
_IN_NUMBER: dict[str, str] = {
    "two": "2/4", "2": "2/4", "three": "3/4", "3": "3/4", "four": "4/4", "4": "4/4",
    "five": "5/4", "5": "5/4", "six": "6/8", "6": "6/8", "seven": "7/8", "7": "7/8",
    "nine": "9/8", "9": "9/8", "twelve": "12/8", "12": "12/8",
}
_NAMED_METERS: dict[str, str] = {
    "common time": "4/4", "cut time": "2/2", "alla breve": "2/2", "triple time": "3/4",
    "triple meter": "3/4", "triple metre": "3/4", "duple time": "2/4", "duple meter": "2/4",
    "duple metre": "2/4", "compound time": "6/8", "compound duple": "6/8",
    "three-four": "3/4", "three four time": "3/4", "six-eight": "6/8", "six eight time": "6/8",
    "five-four": "5/4", "seven-eight": "7/8", "two-four": "2/4", "four-four": "4/4",
    "twelve-eight": "12/8", "nine-eight": "9/8",
}
_NAMED_RE = re.compile(r"\b(" + "|".join(r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", k))
                                       for k in sorted(_NAMED_METERS, key=len, reverse=True))
                       + r")\b", re.I)
_FRACTION_RE = re.compile(r"(?<![\d/.])(\d{1,2})\s*/\s*(\d{1,2})(?![\d/])")
_IN_NUM_RE = re.compile(r"\b(?:in|feel(?:s)?\s+in|counted\s+in|count\s+(?:it\s+)?in)\s+"
                        r"(two|three|four|five|six|seven|nine|twelve|[2-79]|12)\b"
                        r"(?!\s*(?:bars?|measures?|minutes?|seconds?|parts?|acts?|scenes?|"
                        r"words?|notes?|beats?\s+(?:per|a)|hours?|days?|weeks?|years?|"
                        r"times|ways|places|pieces|of|%|percent|bpm))", re.I)
# what after a meter says it is not wanted ("6/8 would be wrong")
_POST_NEG_RE = re.compile(
    r"^\s*(?:time\s+|feel\s+|meter\s+|metre\s+)?(?:would|will|is|feels|seems|sounds|was|"
    r"'d|'s)?\s*(?:be\s+)?(?:wrong|out|a\s+no|not\s+right|too\s+\w+|off|a\s+mistake|"
    r"not\s+(?:what|it|the)|no\s+good|won't\s+work|doesn't\s+work|does\s+not\s+work|"
    r"isn't\s+right|is\s+not\s+right)\b", re.I)

_TONIC_RE = re.compile(
    r"(?<![\w'])([A-G])(?:(b|#|\u266d|\u266f)|\s*-?\s*(flat|sharp)\b)?"
    r"(?:\s*-?\s*(major|minor|maj|min|dorian|phrygian|lydian|mixolydian|aeolian|ionian)\b)?"
    r"(?![\w'#\u266d\u266f])")
_KEY_LEAD_RE = re.compile(r"(?:\bin|\bkey\s+of|\bkey\s*:|\bkey\s+is|\btonic\s+(?:of|is)|"
                          r"\bcentred\s+on|\bcentered\s+on|\baround)\s*$", re.I)
_NOT_KEY_AFTER = re.compile(r"^\s*(?:-\s*)?(?:change|changes|tweak|role|detail|issue|thing|"
                            r"moment|scene|character|league|part|point|problem|way|"
                            r"adjustment|edit|fix|difference|plot|twist|note\b(?!s))", re.I)


def _tonic_name(letter: str, acc: str | None, word: str | None) -> str:
    sign = ""
    if acc in ("b", "\u266d") or (word or "").lower() == "flat":
        sign = "b"
    elif acc in ("#", "\u266f") or (word or "").lower() == "sharp":
        sign = "#"
    return letter.upper() + sign


def _tok_at(s: Scan, char: int) -> int | None:
    for k, t in enumerate(s.toks):
        if t.start <= char < t.end:
            return k
        if t.start > char:
            return k
    return None


def _negated(s: Scan, start: int, end: int) -> str | None:
    """The cue words when the span ``[start, end)`` lies in a negated scope, else None."""
    own = s.text[start:end].lower().split()
    for k, t in enumerate(s.toks):
        if t.start >= end:
            break
        if t.end > start and s.state[k] in ("neg", "reduce"):
            if s.scope_cue[k] and s.scope_cue[k].split()[0] in own:
                continue  # the span opened that scope itself ("cut time")
            return s.scope_cue[k] or "not"
    # "6/8 would be wrong", "a waltz is out"
    if _POST_NEG_RE.match(s.text[end:end + 40]):
        return s.text[end:end + 40].strip().split(".")[0].split(",")[0]
    return None


def key_pass(s: Scan, a: _Analysis) -> None:
    """The tonic the brief asks for, if any (see the module docstring)."""
    text = s.text
    found: list[tuple[str, str]] = []
    for m in _TONIC_RE.finditer(text):
        letter, acc, accw, mode = m.group(1), m.group(2), m.group(3), m.group(4)
        before = text[max(0, m.start() - 24): m.start()]
        lead = bool(_KEY_LEAD_RE.search(before))
        after = text[m.end(): m.end() + 24]
        if not lead and not mode:
            continue  # a bare capital letter is a key only after "in" / "key of"
        if mode and _NOT_KEY_AFTER.match(after):
            continue  # "a minor change"
        if letter in ("A", "E") and not acc and not accw and not lead:
            # "A minor issue, ..." at a sentence start: only with a key word close by
            sent_start = not before.strip() or before.rstrip()[-1:] in ".!?;:\n"
            if sent_start and not re.match(r"^\s*(?:key|tonality|,|\.|$)", after):
                continue
        if (lead and not mode and not acc and not accw and letter == "A"
                and re.match(r"^\s*[a-z]", after)):
            continue  # "in A" is a key, "in A scene" is not
        words = m.group(0).strip()
        neg = _negated(s, m.start(), m.end())
        name = _tonic_name(letter, acc, accw)
        if neg:
            a.ev("key", f"not {name}", f"{neg} {words}")
            continue
        found.append((name, words))
    if not found:
        return
    names = list(dict.fromkeys(n for n, _ in found))
    a.key = names[0]
    a.ev("key", names[0], found[0][1])
    if len(names) > 1:
        a.warnings.append(f"more than one key asked for ({', '.join(names)}); kept {names[0]}")


def _valid_meter(num: int, den: int) -> bool:
    return 1 <= num <= 32 and den in (1, 2, 4, 8, 16, 32) and not (num == 1 and den in (2, 4))


def meter_pass(s: Scan, a: _Analysis) -> None:
    """The meter stated (a time signature, "in three", "common time") or implied by a form."""
    text = s.text
    stated: list[tuple[int, str, str]] = []  # (position, meter, words)
    for m in _FRACTION_RE.finditer(text):
        num, den = int(m.group(1)), int(m.group(2))
        after = text[m.end(): m.end() + 12].lower()
        if not _valid_meter(num, den) or re.match(r"^\s*(?:of|the|way|through)\b", after):
            continue  # "3/4 of the way through" is a fraction
        stated.append((m.start(), f"{num}/{den}", m.group(0)))
    for m in _IN_NUM_RE.finditer(text):
        stated.append((m.start(), _IN_NUMBER[m.group(1).lower()], m.group(0)))
    for m in _NAMED_RE.finditer(text):
        key = re.sub(r"[\s-]+", " ", m.group(1).lower())
        meter = next((v for k, v in _NAMED_METERS.items()
                      if re.sub(r"[\s-]+", " ", k) == key), None)
        if meter:
            stated.append((m.start(), meter, m.group(0)))
    taken: list[tuple[str, str]] = []
    for pos, meter, words in sorted(stated):
        neg = _negated(s, pos, pos + len(words))
        if neg:
            post = _POST_NEG_RE.match(text[pos + len(words): pos + len(words) + 40])
            a.ev("meter", f"not {meter}", f"{words} {neg}" if post else f"{neg} {words}")
            continue
        taken.append((meter, words))
    if taken:
        meters = list(dict.fromkeys(mt for mt, _ in taken))
        a.meter = meters[0]
        a.meter_explicit = True
        a.ev("meter", meters[0], taken[0][1])
        if len(meters) > 1:
            a.warnings.append(f"more than one meter asked for ({', '.join(meters)}); "
                              f"kept {meters[0]}")
        return
    # implied by a dance or form word
    for k, t in enumerate(s.toks):
        w = t.low
        if w not in IMPLIED_METERS:
            continue
        if w == "march" and k + 1 < s.n and s.toks[k + 1].text[:1].isdigit():
            continue  # "March 3rd"
        if w in ("reel",) and k + 1 < s.n and (s.toks[k + 1].text[:1].isdigit()
                                               or s.toks[k + 1].low in ("one", "two", "three")):
            continue  # a film reel
        if s.state[k] in ("neg", "reduce"):
            a.ev("meter", f"not {IMPLIED_METERS[w]}", f"{s.scope_cue[k]} {t.text}")
            continue
        post = _POST_NEG_RE.match(text[t.end: t.end + 40])
        if post:
            a.ev("meter", f"not {IMPLIED_METERS[w]}", f"{t.text}{post.group(0)}")
            continue
        a.meter = IMPLIED_METERS[w]
        a.ev("meter", a.meter, f"{t.text} (implies {a.meter})")
        return


__all__ = ["IMPLIED_METERS", "key_pass", "meter_pass"]
