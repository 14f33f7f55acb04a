"""Implicit emotion in a brief: goals, situations and negated tone words.

Directors often say what the music is *for* rather than what it *is*: "I want the audience
to cry", "the happiest she has been", "the villain wins this round", "at the grave", "it is
not a happy ending". A composer reads those as sadness, joy, cold menace, grief and a
sad ending. This pass reads them from two data tables:

- :data:`GOALS_AND_SITUATIONS`: phrase patterns -> mood tags and a weight. The words of a
  matched phrase are consumed, so the "wins" of "the villain wins" never reads as triumph.
- :data:`NEGATED_TONES`: what "not X" means when X is a tone word (mood tag groups). "Not
  happy" leans sad, "never scary" leans calm and untroubled, "not sad" leans warm; these
  readings move valence / arousal / tension (and pick the emotion-table row when nothing
  else does) but add no tag, because the director named what to avoid, not what to play.
  "Not sentimental" (and "no schmaltz", ...) asks for restraint: the loudest dynamic is
  capped at mf.

Explicit instructions still win: these readings only feed the mood, and the emotion table
(:mod:`assistant.analysis.emotion_table`) fills only the fields the text left open.
"""

from __future__ import annotations

import re

from assistant.analysis.brief_scope import Scan, _Analysis

# (pattern, tags, weight, label). Patterns are matched case-insensitively on the brief;
# weights are relative to a plain mood word (1.0): a goal or situation says more.
GOALS_AND_SITUATIONS: tuple[tuple[str, tuple[str, ...], float, str], ...] = (
    # goals: what the audience should feel
    (r"\b(?:make|making|have|get|want)\s+(?:them|the\s+audience|people|everyone|us|"
     r"the\s+room|viewers?)\s+(?:to\s+)?(?:cry|weep|sob|tear\s+up|reach\s+for\s+the\s+tissues)\b",
     ("grief", "melancholy"), 2.0, "the audience should cry"),
    (r"\b(?:audience|everyone|people|they|us)\s+(?:\w+\s+){0,3}(?:cry|crying|weep|weeping|"
     r"in\s+tears|sobbing)\b", ("grief", "melancholy"), 2.0, "the audience should cry"),
    (r"\b(?:bring|brings)\s+(?:a\s+)?tears?\b|\btear-?jerk\w*|\bnot\s+a\s+dry\s+eye\b|"
     r"\blump\s+in\s+(?:the|your|their)\s+throat\b", ("grief", "melancholy"), 2.0,
     "tears"),
    (r"\b(?:make|making|have|get|want)\s+(?:them|the\s+audience|people|everyone|us)\s+"
     r"(?:to\s+)?(?:laugh|smile|giggle|grin)\b", ("playful",), 2.0, "the audience should laugh"),
    (r"\b(?:make|making|have|get|want)\s+(?:them|the\s+audience|people|everyone|us)\s+"
     r"(?:to\s+)?(?:jump|scream|flinch|shiver|squirm)\b|\bscare\s+(?:them|the\s+audience|"
     r"people)\b|\bmake\s+(?:their|your)\s+skin\s+crawl\b", ("dread", "eerie"), 2.0,
     "the audience should be frightened"),
    (r"\b(?:make|making|have|get|want)\s+(?:them|the\s+audience|people|everyone|us)\s+"
     r"(?:to\s+)?(?:cheer|punch\s+the\s+air|stand\s+up)\b", ("triumphant",), 2.0,
     "the audience should cheer"),
    (r"\b(?:hold|holding)\s+(?:their|your|its)\s+breath\b|\bon\s+the\s+edge\s+of\s+"
     r"(?:their|your)\s+seats?\b", ("anxious",), 2.0, "suspense"),
    (r"\bhappiest\b|\bbest\s+day\s+of\s+(?:her|his|their|my)\s+life\b|\bover\s+the\s+moon\b|"
     r"\bon\s+top\s+of\s+the\s+world\b|\bpure\s+joy\b", ("playful", "hopeful"), 2.0,
     "the happiest moment"),
    (r"\b(?:fall|falls|falling|fell)\s+in\s+love\b|\bfirst\s+kiss\b", ("romantic", "tender"),
     2.0, "falling in love"),
    # situations: what happens on screen
    (r"\b(?:the\s+)?(?:villain|villains|bad\s+guys?|enemy|monster|killer|evil|dark\s+side|"
     r"antagonist)\s+(?:\w+\s+)?(?:wins?|won|triumphs?|prevails?|gets?\s+away|escapes?|"
     r"has\s+the\s+upper\s+hand|takes\s+over)\b", ("dread",), 2.0, "the villain wins"),
    (r"\b(?:the\s+)?(?:hero|heroes|heroine|good\s+guys?|we|they|she|he)\s+(?:\w+\s+)?"
     r"(?:loses?|lost|is\s+defeated|are\s+defeated|fails?|failed)\b(?!\s+(?:the\s+)?"
     r"(?:villain|enemy|monster|them))", ("grief", "dread"), 2.0, "defeat"),
    (r"\bdefeat(?:ed)?\b|\ball\s+is\s+lost\b|\bno\s+way\s+out\b", ("grief", "dread"), 1.5,
     "defeat"),
    (r"\b(?:at|by|beside|over)\s+(?:the|a|her|his|their|my)\s+(?:\w+'s\s+)?grave(?:side)?\b|"
     r"\bgraveside\b|\bfuneral\b|\bburies\b|\bwake\s+for\b|\bdeath\s+of\b|"
     r"\b(?:she|he|they|mother|father|mum|mom|dad|wife|husband|son|daughter|friend)\s+"
     r"(?:\w+\s+)?(?:dies|died|is\s+dying|passes\s+away|passed\s+away)\b",
     ("grief",), 2.0, "a death"),
    (r"\b(?:wins?|won|winning)\s+(?:the\s+)?(?:race|game|match|final|title|cup|battle|war|"
     r"fight|day|championship)\b", ("triumphant",), 2.0, "a victory"),
    (r"\b(?:reunited|reunion|comes\s+home|come\s+home|finally\s+home|back\s+home|"
     r"into\s+(?:her|his|their)\s+arms)\b", ("tender", "hopeful"), 1.5, "a reunion"),
    (r"\b(?:chase|chased|pursued|running\s+for\s+(?:her|his|their)\s+li(?:fe|ves)|"
     r"on\s+the\s+run)\b", ("urgent",), 1.5, "a chase"),
)
_COMPILED = tuple((re.compile(p, re.I), tags, w, label) for p, tags, w, label
                  in GOALS_AND_SITUATIONS)

# negated tone: the tag groups of the negated word -> (valence, arousal, tension, weight,
# emotion-table row, what a composer hears)
NEGATED_TONES: tuple[tuple[frozenset[str], tuple[float, float, float], float, str, str], ...] = (
    (frozenset({"playful", "triumphant", "hopeful", "whimsical", "heroic"}),
     (-0.55, -0.25, 0.35), 1.5, "sadness", "not happy: it leans sad"),
    (frozenset({"dread", "eerie", "anxious", "urgent", "furious"}),
     (0.2, -0.3, 0.1), 1.0, "calm", "not frightening: calm and untroubled"),
    (frozenset({"grief", "melancholy", "lonely"}),
     (0.3, 0.0, 0.2), 1.0, "tenderness", "not sad: it leans warm"),
)
# words whose negation asks for restraint rather than the opposite feeling
RESTRAINT_WORDS = frozenset({
    "sentimental", "syrupy", "schmaltzy", "schmaltz", "saccharine", "mawkish", "sappy",
    "maudlin", "melodramatic", "cheesy", "soppy", "gushing", "overwrought", "sugary",
    "weepy", "manipulative",
})


def implicit_pass(s: Scan, a: _Analysis) -> None:
    """Goals and situations (consuming their words); restraint from negated sentimentality."""
    for rx, tags, weight, label in _COMPILED:
        for m in rx.finditer(s.text):
            toks = [k for k, t in enumerate(s.toks) if t.start < m.end() and t.end > m.start()]
            if not toks or any(s.state[k] == "implicit" for k in toks):
                continue
            if any(s.state[k] in ("neg", "reduce") for k in toks) and not re.match(
                    r"(?i)not\s+a\s+dry", m.group(0)):
                # "it should not make them cry": the goal is negated; read the opposite
                # through the negated-tone table instead of the goal itself
                a.negated_moods.extend(tags)
                a.evidence.append({"field": "tags", "value": f"not {label}",
                                   "words": m.group(0)})
                continue
            for k in toks:
                s.state[k] = "implicit"
            a.mood_hits.append((m.group(0).lower(), tuple(tags), weight))
            a.ev("tags", list(tags), f"{m.group(0)} ({label})")
            a.implicit.append(label)
    for k, t in enumerate(s.toks):
        if t.low in RESTRAINT_WORDS and s.state[k] in ("neg", "reduce"):
            a.restraint = True
            s.state[k] = "implicit"
            a.ev("dynamics", "restraint: at most mf", f"{s.scope_cue[k]} {t.text}")
            a.implicit.append(f"restraint ({s.scope_cue[k]} {t.text})")


def negated_tone_readings(a: _Analysis) -> None:
    """Turn the negated tone words found by the mood pass into value readings."""
    negated = set(a.negated_moods)
    for group, (v, ar, te), weight, row, meaning in NEGATED_TONES:
        hit = group & negated
        if not hit:
            continue
        a.value_hits.append(((v, ar, te), weight, row))
        a.evidence.append({"field": "mood", "value": [v, ar, te],
                           "words": f"{meaning} (negated {', '.join(sorted(hit))})"})


__all__ = ["GOALS_AND_SITUATIONS", "NEGATED_TONES", "RESTRAINT_WORDS", "implicit_pass",
           "negated_tone_readings"]
