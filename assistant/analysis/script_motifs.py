"""Leitmotif candidates: characters, places, objects and ideas that may deserve a theme.

Split out of :mod:`.script`. How a candidate is scored (see :func:`_motifs`): keyness
against general English (wordfreq) x recurrence across scenes x spread across the film x
presence at emotional peaks, with boosts for props a screenplay introduces in CAPS and for
music notes that name a theme.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from assistant.analysis.script_characters import _name_words, _surnames
from assistant.analysis.script_model import CharacterStat, CurvePoint, MotifCandidate
from assistant.analysis.script_reading import _note_scene, _scene_blocks, _scenes_overlapping
from assistant.analysis.script_words import (
    _ADJECTIVES,
    _FUNCTION_WORDS,
    _IDEA_WORDS,
    _KEY_SMOOTH,
    _MOTIF_OK,
    _NOT_PEOPLE,
    _NP_DETERMINERS,
    _OBJECT_AFTER,
    _PARTICLES,
    _PIECES,
    _STOP,
    _SUBJECTS,
    _THEME_RE,
    _THEME_WORDS,
    _VERB_BEFORE,
    _g2,
    _location_key,
    _ref_p,
    _singular,
    _title,
    _Tok,
    _tokens,
)
from assistant.project import Scene

_KEY_SCALE = 10.0  # sqrt(G2) of a clearly key word (e.g. 13 mentions, 0.1 expected)
#: explicit evidence, added to the text score: a music note or cue that names it as a theme,
#: a spotting-list cue titled after it, a hit that names it, a CAPS introduction, a sentence
#: of a music note that mentions it
W_NAMED, W_TITLED, W_HIT, W_CAPS, W_NEAR = 1.0, 1.0, 0.2, 0.15, 0.1
#: a note or cue over more scenes than this does not say which of them a thing is in
NOTE_MAX_SCENES = 2
#: candidates kept besides the main characters
MOTIF_LIMIT = 25


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
            forms = sorted(set(forms) | set(g.compounds), key=lambda f: (-g.forms.get(f, 0), f))[:6]  # ties by name: stable across runs
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
