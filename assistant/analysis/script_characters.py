"""Characters of a screenplay: who speaks, how much, in how many scenes (split out of
:mod:`.script`), and the words of their names the leitmotif search skips."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from assistant.analysis.script_model import CharacterStat
from assistant.analysis.script_words import _AGE_PREFIXES, _NOT_PEOPLE, _STOP, _WORD_RE


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
    from assistant.analysis.voices import infer_voices

    voices = infer_voices(sp)  # each speaker's voice, for the dialogue pass
    for c in out:
        c.voice = voices[c.name].voice if c.name in voices else "unknown"
    return out


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
