"""The passes of brief reading, one per concern (STYLE.md item 16).

Each pass reads the :class:`~assistant.analysis.brief_scope.Scan` of a brief (tokens,
instrument mentions, names, negation scopes) and records what it finds, with the words
that said it, in an :class:`~assistant.analysis.brief_scope.Analysis`. :func:`analyse`
runs them in order. Word lists live in :mod:`assistant.analysis.brief_lexicon`; keys and
meters in :mod:`assistant.analysis.brief_keys`; goals and situations in
:mod:`assistant.analysis.brief_implicit`.
"""

from __future__ import annotations

import re

from assistant.analysis import instruments as ins
from assistant.analysis.brief_implicit import implicit_pass, negated_tone_readings
from assistant.analysis.brief_lexicon import (
    _APPROX,
    _BPM_UNIT,
    _COMPARATIVES,
    _DELTA_PHRASES,
    _DENSITY_WORDS,
    _DYN_LETTER,
    _DYN_WORDS,
    _KEEP_LOW,
    _MODE_WORDS,
    _MOOD_WORDS,
    _MORE_LESS_ADJ,
    _NAME_STOP,
    _NOT_KEY_NOUNS,
    _NUM,
    _REGISTER_NOUNS,
    _TEMPO_WORDS,
    _UNDER_DIALOGUE,
)
from assistant.analysis.brief_scope import (
    Scan,
    _Analysis,
    _delta_amount,
    _modifier,
    _ref_context,
    scan,
)
from assistant.analysis.brief_tonality import key_pass, meter_pass
from assistant.project import DYNAMICS


def instruments_pass(s: Scan, a: _Analysis) -> None:
    """Instruments: included, excluded (negated scope), reduced, kept; "just X" makes X the whole palette."""
    toks = s.toks
    n = s.n
    state = s.state
    scope_cue = s.scope_cue
    ment_at = s.ment_at
    ment_tok = s.ment_tok
    inc_words: dict[str, str] = {}
    for k0, m in ment_at.items():
        st = state[k0]
        # "under her voice", "his voice": the actor, not a solo voice in the score
        if set(m.ids) <= {"voice", "choir"} and m.text.lower().startswith("voice") and (
                {t.low for t in toks[max(0, k0 - 3) : k0]}
                & {"her", "his", "their", "your", "my", "our", "under", "actor's", "actors'"}):
            continue
        if st == "neg":
            tgt = a.exclude
            if not m.is_family:
                a.exclude_specific.update(m.ids)
        elif st == "reduce":
            tgt = a.reduce
        elif st in ("keep", "except"):
            tgt = a.keep
        else:
            tgt = inc_words
            if not m.is_family:
                a.include_specific.update(m.ids)
        for iid in m.ids:
            tgt.setdefault(iid, m.text)
        label = {"neg": "exclude_instruments", "reduce": "reduce_instruments",
                 "keep": "include_instruments", "except": "include_instruments"}.get(
                     st or "", "include_instruments")
        cue = scope_cue[k0]
        a.ev(label, list(m.ids), f"{cue} {m.text}" if cue else m.text)
    a.include = inc_words
    for iid, wd in a.keep.items():
        a.include.setdefault(iid, wd)
    for k0, m in ment_at.items():
        if state[k0] == "except":  # "no brass except the horns" lifts those exclusions
            for iid in m.ids:
                a.exclude.pop(iid, None)
                a.exclude_specific.discard(iid)
    # "just a solo cello and piano", "low strings only", "piano and nothing else": the named
    # instruments are the whole palette
    for k0 in ment_at:
        if state[k0] not in (None, "more", "keep"):
            continue
        prev = [t.low for t in toks[max(0, k0 - 3) : k0]]
        j = k0
        while j + 1 < n and ment_tok.get(j + 1) == ment_tok.get(k0):
            j += 1
        nxt = [t.low for t in toks[j + 1 : j + 4]]
        if (any(w in ("just", "only", "solely", "purely") for w in prev[-3:])
                and not any(w in ("not", "no") for w in prev[-3:])) or (
                nxt[:1] in (["only"], ["alone"]) or nxt[:2] == ["and", "nothing"]
                or nxt[:3] == [",", "nothing", "else"]):
            a.exclusive = True
            a.ev("exclusive", True, " ".join(prev[-2:] + [toks[k0].text] + nxt[:2]))
            break



def references_pass(s: Scan, a: _Analysis) -> None:
    """Names: references to avoid (in a negated scope) or to follow."""
    toks = s.toks
    state = s.state
    scope_cue = s.scope_cue
    name_at = s.name_at
    for k0, (_e, name) in name_at.items():
        if not name or name.lower() in _NAME_STOP or ins.resolve(name):
            continue
        if state[k0] in ("neg", "reduce"):
            if name not in a.refs_avoid:
                a.refs_avoid.append(name)
                a.ev("avoid_references", name, f"{scope_cue[k0]} ... {name}")
        elif (_ref_context(toks, k0) or state[k0] in ("more", "keep")) and name not in a.refs:
            a.refs.append(name)
            a.ev("references", name, name)



def tempo_pass(s: Scan, a: _Analysis) -> None:
    """Tempo: explicit BPM first, then tempo words; negated words become caps."""
    text = s.text
    toks = s.toks
    n = s.n
    state = s.state
    scope_cue = s.scope_cue
    ment_tok = s.ment_tok
    _explicit_tempo(text, a)
    for j, t in enumerate(toks):
        w = t.low
        if w in _TEMPO_WORDS and j not in ment_tok:
            if w == "slow" and j + 1 < n and toks[j + 1].low in ("build", "motion"):
                continue
            if w == "walking" and not (j + 1 < n and toks[j + 1].low in ("pace", "tempo")):
                continue
            if w == "medium" and not (j + 1 < n and toks[j + 1].low in ("tempo", "pace")):
                continue
            if w == "march" and j > 0 and toks[j - 1].low in ("the", "to"):
                continue
            lo, hi = _TEMPO_WORDS[w]
            mod = _modifier(toks, j)
            if state[j] in ("neg", "reduce"):
                if lo >= 100:  # "not too fast"
                    a.tempo_caps.append((None, min(lo - 8, 112)))
                elif hi <= 80:  # "not slow"
                    a.tempo_caps.append((max(hi + 8, 80), None))
                a.ev("tempo_bpm", f"not {w}", f"{scope_cue[j]} {w}")
                continue
            if mod > 1:
                lo, hi = (lo * 0.85, hi * 0.85) if hi <= 90 else (lo * 1.1, hi * 1.1)
            a.tempo_words.append((round(lo), round(hi)))
            a.ev("tempo_bpm", [round(lo), round(hi)], w)



def dynamics_pass(s: Scan, a: _Analysis) -> None:
    """Dynamics: letters and words; negated words become caps."""
    text = s.text
    toks = s.toks
    n = s.n
    state = s.state
    scope_cue = s.scope_cue
    ment_tok = s.ment_tok
    _explicit_dynamics(text, a)
    for j, t in enumerate(toks):
        w = t.low
        if w in _DYN_WORDS and j not in ment_tok:
            if w in ("pp", "ppp", "mp", "mf", "ff", "fff"):
                continue  # letters are read by _explicit_dynamics (with their caps)
            if w == "barely" and not (j + 1 < n and toks[j + 1].low in ("audible", "there",
                                                                         "heard")):
                continue
            if w in ("big", "huge", "massive", "strong") and j + 1 < n and toks[j + 1].low in (
                    "moment", "reveal", "change", "difference", "deal", "picture", "scene"):
                continue
            lo, hi = _DYN_WORDS[w]
            if j > 0 and toks[j - 1].low in ("whisper", "whispered", "barely"):
                continue  # "whisper quiet" is as quiet as the whisper
            if state[j] in ("neg", "reduce"):
                if DYNAMICS.index(hi) >= DYNAMICS.index("f"):  # "not too loud"
                    a.dyn_cap = (a.dyn_cap[0], "mf")
                else:  # "not too quiet"
                    a.dyn_cap = ("mp", a.dyn_cap[1])
                a.ev("dynamics", f"not {w}", f"{scope_cue[j]} {w}")
                continue
            if _modifier(toks, j) > 1 and DYNAMICS.index(lo) <= DYNAMICS.index("mp"):
                lo, hi = "pp", DYNAMICS[max(0, DYNAMICS.index(hi) - 1)]
            a.dyn.append((lo, hi))
            a.ev("dynamics", [lo, hi], w)



def mode_pass(s: Scan, a: _Analysis) -> None:
    """Mode: major / minor / modal words (not "a major change"); a negated mode flips."""
    toks = s.toks
    n = s.n
    state = s.state
    scope_cue = s.scope_cue
    for j, t in enumerate(toks):
        w = t.low
        if w not in _MODE_WORDS:
            continue
        nxt = toks[j + 1].low if j + 1 < n else ""
        prev = toks[j - 1].text if j > 0 else ""
        if w in ("major", "minor") and nxt in _NOT_KEY_NOUNS:
            continue
        if w in ("major", "minor") and prev == "a" and nxt in ("", ",", "."):
            continue  # "a minor." is more likely the adjective than A minor
        mode = _MODE_WORDS[w]
        if state[j] in ("neg", "reduce"):
            alt = {"major": "minor", "minor": "major"}.get(mode)
            if alt and a.mode is None:
                a.mode = alt  # type: ignore[assignment]
                a.ev("mode", alt, f"{scope_cue[j]} {w}")
            continue
        if a.mode is None or a.mode == mode:
            a.mode = mode
        else:
            a.warnings.append(f"both {a.mode} and {mode} asked for; kept {a.mode}")
        a.ev("mode", mode, t.text)



def density_register_pass(s: Scan, a: _Analysis) -> None:
    """Density (sparse .. wall of sound) and register (low / high / wide)."""
    toks = s.toks
    n = s.n
    state = s.state
    ment_tok = s.ment_tok
    for j, t in enumerate(toks):
        w = t.low
        if w in _DENSITY_WORDS and j not in ment_tok:
            if w == "wall" and not (j + 2 < n and toks[j + 1].low == "of"
                                    and toks[j + 2].low == "sound"):
                continue
            if w == "full" and j + 1 < n and toks[j + 1].low in ("orchestra", "stop", "circle"):
                continue
            if w == "stripped" and not (j + 1 < n and toks[j + 1].low in ("back", "down", "-")):
                continue
            val = _DENSITY_WORDS[w]
            if state[j] in ("neg", "reduce") and (j == 0 or toks[j - 1].low not in (
                    "less", "more")):
                val = 0.35 if val > 0.5 else 0.6
            elif j > 0 and toks[j - 1].low in ("less", "more"):
                continue  # handled as a comparative
            a.density.append(val)
            a.ev("density", val, w)
    for j, t in enumerate(toks):
        w = t.low
        nxt = toks[j + 1].low if j + 1 < n else ""
        reg = None
        if w in ("low", "high", "mid", "middle") and (nxt in _REGISTER_NOUNS or (
                j + 1 in ment_tok)):
            reg = {"middle": "mid"}.get(w, w)
            if nxt == "end" and w == "high":
                reg = "high"
        elif w in ("deep", "rumbling", "subby", "bass-heavy", "sub-bass", "guttural"):
            reg = "low"
        elif w in ("shimmering", "shimmer", "stratospheric", "glassy"):
            reg = "high"
        elif w in ("wide", "full") and nxt in ("range", "register", "spread", "spectrum"):
            reg = "wide"
        elif w in ("mid-range", "midrange"):
            reg = "mid"
        if reg is None:
            continue
        if state[j] in ("neg", "reduce"):
            reg = "mid"
        a.register.append(reg)
        a.ev("register", reg, f"{w} {nxt}".strip())



def mood_pass(s: Scan, a: _Analysis) -> None:
    """Mood words: tags with weights; negated ones are kept apart."""
    toks = s.toks
    n = s.n
    state = s.state
    scope_cue = s.scope_cue
    ment_tok = s.ment_tok
    for j, t in enumerate(toks):
        w = t.low
        if j in ment_tok or w not in _MOOD_WORDS or state[j] == "implicit":
            continue  # (words of a goal or situation were read by the implicit pass)
        if w in ("big", "huge", "massive") and j + 1 < n and toks[j + 1].low in (
                "moment", "reveal", "change", "difference", "deal", "picture", "scene"):
            continue
        if j > 0 and toks[j - 1].low in ("more", "less") and state[j] != "neg":
            a.comparatives.append(("mood:" + w, 1.0 if toks[j - 1].low == "more" else -1.0,
                                   f"{toks[j - 1].low} {w}"))
            continue
        if state[j] in ("neg", "reduce"):
            a.negated_moods.extend(_MOOD_WORDS[w])
            a.evidence.append({"field": "tags", "value": f"not {w}",
                               "words": f"{scope_cue[j]} {w}"})
            continue
        weight = _modifier(toks, j)
        a.mood_hits.append((w, _MOOD_WORDS[w], weight))
        a.ev("tags", list(_MOOD_WORDS[w]), w)



def comparatives_pass(s: Scan, a: _Analysis) -> None:
    """Comparatives and revision phrases (delta language)."""
    text = s.text
    toks = s.toks
    n = s.n
    state = s.state
    for j, t in enumerate(toks):
        w = t.low
        amount = _delta_amount(toks, j)
        if w in _COMPARATIVES:
            eff, sign = _COMPARATIVES[w]
            if eff == "register" and j + 1 < n and toks[j + 1].low in ("tension", "energy",
                                                                       "stakes"):
                continue
            if state[j] in ("neg",):
                sign = -sign
            a.comparatives.append((eff, sign * amount, w))
        elif w in ("more", "less") and j + 1 < n:
            nxt = toks[j + 1].low
            nxt2 = f"{nxt} {toks[j + 2].low}" if j + 2 < n else nxt
            key = nxt2 if nxt2 in _MORE_LESS_ADJ else nxt
            if key in _MORE_LESS_ADJ:
                eff, sign = _MORE_LESS_ADJ[key]
                a.comparatives.append((eff, sign * amount * (1 if w == "more" else -1),
                                       f"{w} {key}"))
    for m in _DELTA_PHRASES.finditer(text):
        a.delta_phrases.append(m.group(0))



def positive_text_pass(s: Scan, a: _Analysis) -> None:
    """The text the mood model may read: negated spans and numbers removed."""
    toks = s.toks
    state = s.state
    keep_chars = [t.text for j, t in enumerate(toks)
                  if state[j] not in ("neg", "cue", "reduce", "implicit")
                  and not t.text[0].isdigit()]
    a.positive_text = " ".join(keep_chars)




def negated_tone_pass(s: Scan, a: _Analysis) -> None:
    """Negated tone words ("not a happy ending", "never scary") as value readings."""
    del s
    negated_tone_readings(a)


PASSES = (instruments_pass, references_pass, tempo_pass, dynamics_pass, mode_pass, key_pass,
          meter_pass, density_register_pass, implicit_pass, mood_pass, negated_tone_pass,
          comparatives_pass, positive_text_pass)


def analyse(text: str) -> _Analysis:
    """Run every pass over ``text`` (already normalised) and return what they found."""
    s = scan(text)
    a = _Analysis()
    for p in PASSES:
        p(s, a)
    return a


def _explicit_tempo(text: str, a: _Analysis) -> None:
    """Explicit BPM numbers (always honoured)."""
    t = text
    pats: list[tuple[str, str]] = [
        (rf"(?:between\s+)?{_NUM}\s*(?:-|\u2013|\u2014|to|and|/)\s*{_NUM}{_BPM_UNIT}", "range"),
        (rf"(?:tempo|bpm|metronome|\u2669|q|mm|m\.m\.)\s*(?:of|at|around|about|:|=|is|between)?\s*(?:between\s+)?"
         rf"{_NUM}\s*(?:-|\u2013|to|and)\s*{_NUM}\b", "range"),
        (rf"(?:no\s+(?:faster|quicker)\s+than|under|below|at\s+most|up\s+to|less\s+than|max(?:imum)?(?:\s+of)?)\s*{_NUM}{_BPM_UNIT}", "max"),
        (rf"(?:no\s+slower\s+than|over|above|at\s+least|more\s+than|min(?:imum)?(?:\s+of)?)\s*{_NUM}{_BPM_UNIT}", "min"),
        (rf"{_APPROX}\s*{_NUM}(?:{_BPM_UNIT}|\s*(?:on\s+the\s+metronome)|(?=\s*(?:,|\.|$)))", "approx"),
        (rf"{_NUM}\s*-?ish{_BPM_UNIT}?", "approx"),
        (rf"{_NUM}{_BPM_UNIT}", "exact"),
        (rf"(?:\u2669|q|quarter(?:\s+note)?|crotchet|mm|m\.m\.|bpm|tempo)\s*(?:=|:|of|at)?\s*{_NUM}\b", "exact"),
        (rf"\bat\s+{_NUM}\b(?!\s*(?:%|percent|seconds|secs?|s\b|frames|fps|hz|db|minutes|mins?|bars?|measures?|:|'|\"|db))", "exact_at"),
    ]
    taken: list[tuple[int, int]] = []
    for pat, kind in pats:
        for m in re.finditer(pat, t, flags=re.I):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            nums = [float(g) for g in m.groups() if g is not None]
            if not all(20 <= x <= 300 for x in nums):
                continue
            if kind == "exact_at" and not (40 <= nums[0] <= 240):
                continue
            # approx without unit must be in a tempo context
            if kind == "approx" and not re.search(r"bpm|tempo|metronome|beats", m.group(0),
                                                  re.I):
                ctx = t[max(0, m.start() - 40) : m.start()].lower()
                after = t[m.end() : m.end() + 12].lower()
                if re.match(r"\s*(%|percent|sec|s\b|min|frames?|bars?|measures?|db|hz|"
                            r"people|times|years?|pages?|takes?|cues?)", after):
                    continue
                if not (re.search(r"tempo|bpm|pulse|metronome|pace", ctx)
                        or 40 <= nums[0] <= 220):
                    continue
            taken.append((m.start(), m.end()))
            if kind == "range":
                lo, hi = sorted(nums[:2])
            elif kind == "max":
                a.tempo_caps.append((None, nums[0]))
                a.ev("tempo_bpm", f"<= {nums[0]:g}", m.group(0))
                continue
            elif kind == "min":
                a.tempo_caps.append((nums[0], None))
                a.ev("tempo_bpm", f">= {nums[0]:g}", m.group(0))
                continue
            elif kind == "approx":
                x = nums[0]
                d = max(2.0, round(x * 0.05))
                lo, hi = x - d, x + d
            else:
                lo = hi = nums[0]
            if a.tempo is not None and a.tempo != (lo, hi):
                a.tempo = (min(a.tempo[0], lo), max(a.tempo[1], hi))
                a.warnings.append("several tempi given; the range spans them all")
            else:
                a.tempo = (lo, hi)
            a.tempo_explicit = True
            a.ev("tempo_bpm", [lo, hi], m.group(0))


def _explicit_dynamics(text: str, a: _Analysis) -> None:
    """Dynamic letters (pp, mf, ...) and caps ("no louder than mf", "from pp to ff")."""
    m = re.search(r"from\s+(ppp|pp|p|mp|mf|f|ff|fff)\s+(?:to|up to|into)\s+(ppp|pp|p|mp|mf|f|ff|fff)\b",
                  text, re.I)
    spans: list[tuple[int, int]] = []
    if m:
        x, y = (_clip_dyn(g.lower()) for g in m.groups())
        lo, hi = sorted((x, y), key=DYNAMICS.index)
        a.dyn.append((lo, hi))
        a.ev("dynamics", [lo, hi], m.group(0))
        spans.append(m.span())
    for m in re.finditer(r"(?:never|no|not)\s+(?:louder|above|over|more)\s+(?:than\s+)?"
                         r"(ppp|pp|p|mp|mf|f|ff|fff)\b", text, re.I):
        a.dyn_cap = (a.dyn_cap[0], _clip_dyn(m.group(1).lower()))
        a.ev("dynamics", f"<= {m.group(1)}", m.group(0))
        spans.append(m.span())
    for m in re.finditer(r"(?:never|no|not)\s+(?:softer|quieter|below|under|less)\s+(?:than\s+)?"
                         r"(ppp|pp|p|mp|mf|f|ff|fff)\b", text, re.I):
        a.dyn_cap = (_clip_dyn(m.group(1).lower()), a.dyn_cap[1])
        a.ev("dynamics", f">= {m.group(1)}", m.group(0))
        spans.append(m.span())
    for m in _KEEP_LOW.finditer(text):  # "stay very low" in a brief means quiet
        a.dyn.append(("pp", "p"))
        a.ev("dynamics", ["pp", "p"], m.group(0))
    for m in _UNDER_DIALOGUE.finditer(text):  # playing under speech: never above mp
        a.dyn_cap = (a.dyn_cap[0], "mp")
        a.ev("dynamics", "<= mp", m.group(0))
    for m in _DYN_LETTER.finditer(text):
        if any(s <= m.start() < e for s, e in spans):
            continue
        g = m.group(1)
        if g in ("p", "f"):  # single letters only in a musical context
            ctx = text[max(0, m.start() - 12) : m.start()].lower()
            if not re.search(r"\b(at|in|to|from|marked|stay|keep it|dynamic[s]?)\s*$", ctx):
                continue
        d = _clip_dyn(g.lower())
        before = text[max(0, m.start() - 14) : m.start()].lower()
        if re.search(r"\b(not|no|never|avoid|nothing|without)\s+(?:at\s+|an?\s+)?$", before):
            k = DYNAMICS.index(d)
            if k >= DYNAMICS.index("mf"):  # "not ff": stay below it
                a.dyn_cap = (a.dyn_cap[0], DYNAMICS[max(0, k - 1)])
                a.ev("dynamics", f"< {d}", before.strip() + " " + g)
            else:  # "not pp": stay above it
                a.dyn_cap = (DYNAMICS[min(5, k + 1)], a.dyn_cap[1])
                a.ev("dynamics", f"> {d}", before.strip() + " " + g)
            continue
        a.dyn.append((d, d))
        a.ev("dynamics", [d, d], g)



def _clip_dyn(g: str) -> str:
    return {"ppp": "pp", "fff": "ff"}.get(g, g)

