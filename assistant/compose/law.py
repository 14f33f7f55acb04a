"""The brief's explicit instructions, read as law for the draft.

"No drums" means no drums; "solo cello" means a solo cello leads; "no melody" means no
melody; tempo, mode, key, meter and dynamics stay inside what the brief asked for.
Fields come from :class:`assistant.analysis.brief.MusicBrief`; the few instructions it
does not carry as fields (no melody, a named solo lead, an explicit key) are read from
its text here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.analysis.instruments import INSTRUMENTS, resolve
from assistant.compose.theory import parse_pc
from assistant.project import DYNAMICS

_NO_MELODY = re.compile(r"\b(no|without( a)?|not a|never a)\s+(melody|melodies|tune|theme)\b|"
                        r"\bmelody[- ]less\b|\bno melodic\b", re.IGNORECASE)
_NO_DRUMS = re.compile(r"\b(no|without)\s+(drums|percussion)\b(?!\s*kit)", re.IGNORECASE)
_SOLO = re.compile(r"\bsolo\s+([a-z]+(?:\s+[a-z]+)?)", re.IGNORECASE)
_LEADS = re.compile(r"\b([a-z]+(?:\s+[a-z]+)?)\s+(?:leads?|carr(?:y|ies|ying) the (?:tune|melody|theme))\b",
                    re.IGNORECASE)
#: the brief keeps the whole band: the instruments it names are added, not the only ones
_WHOLE = re.compile(r"\b(full|whole|entire|big|large)\s+(symphony\s+)?orchestra\b|\btutti\b|"
                    r"\b(add|adding|added|plus|as well as|also|featuring|on top of|over the)\b",
                    re.IGNORECASE)
_KEY = re.compile(r"\bin\s+([A-G](?:[#b♭♯]|\s?(?:flat|sharp))?)\s*(major|minor|dorian|phrygian|"
                  r"lydian|mixolydian)?\b")


@dataclass
class BriefLaw:
    """What the brief fixes for this cue (None / empty = free)."""

    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    lead: str | None = None
    #: the brief names the instruments or sections to use ("low strings and muted brass"):
    #: those play and no others (``exclude`` holds the rest once :func:`restrict` ran)
    only: bool = False
    no_melody: bool = False
    mode: str | None = None  # major, minor, modal
    key_tonic: int | None = None
    meter: tuple[int, int] | None = None
    dynamics: tuple[str, str] | None = None
    tempo_bpm: tuple[float, float] | None = None
    register: str | None = None
    density: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def softest(self) -> int:
        return DYNAMICS.index(self.dynamics[0]) if self.dynamics else 0

    @property
    def loudest(self) -> int:
        return DYNAMICS.index(self.dynamics[1]) if self.dynamics else 5

    def to_json(self) -> dict[str, Any]:
        return {"include": self.include, "exclude": self.exclude, "lead": self.lead,
                "only": self.only,
                "no_melody": self.no_melody, "mode": self.mode, "key_tonic": self.key_tonic,
                "meter": list(self.meter) if self.meter else None,
                "dynamics": list(self.dynamics) if self.dynamics else None,
                "tempo_bpm": list(self.tempo_bpm) if self.tempo_bpm else None,
                "notes": self.notes}


def _pitched(iid: str) -> bool:
    ins = INSTRUMENTS.get(iid)
    return ins is not None and not ins.is_drum and iid not in ("timpani",)


def read_law(brief: Any | None) -> BriefLaw:
    """A :class:`BriefLaw` from a MusicBrief (or None)."""
    law = BriefLaw()
    if brief is None:
        return law
    text = str(getattr(brief, "text", "") or "")
    law.include = [i for i in getattr(brief, "include_instruments", []) or [] if i in INSTRUMENTS]
    law.exclude = [i for i in getattr(brief, "exclude_instruments", []) or [] if i in INSTRUMENTS]
    mode = getattr(brief, "mode", None)
    law.mode = mode if mode in ("major", "minor", "modal") else None
    dyn = getattr(brief, "dynamics", None)
    if dyn and all(d in DYNAMICS for d in dyn):
        lo, hi = sorted(dyn, key=DYNAMICS.index)
        law.dynamics = (lo, hi)
    tempo = getattr(brief, "tempo_bpm", None)
    if tempo:
        law.tempo_bpm = (float(tempo[0]), float(tempo[1]))
    law.register = getattr(brief, "register", None)
    law.density = getattr(brief, "density", None)
    key = getattr(brief, "key", None)
    if key:
        try:
            law.key_tonic = parse_pc(str(key).split()[0])
        except Exception:  # noqa: BLE001 - an unreadable key hint is ignored, with a note
            law.notes.append(f"key {key!r} not understood")
    else:
        m = _KEY.search(text)
        if m:
            name = m.group(1).replace(" flat", "b").replace(" sharp", "#").replace("flat", "b") \
                .replace("sharp", "#")
            try:
                law.key_tonic = parse_pc(name)
                if m.group(2) and law.mode is None:
                    law.mode = "major" if m.group(2) == "major" else (
                        "minor" if m.group(2) == "minor" else "modal")
            except Exception:  # noqa: BLE001
                pass
    meter = getattr(brief, "meter", None)
    if meter:
        try:
            num, den = (int(x) for x in str(meter).split("/"))
            law.meter = (num, den)
        except ValueError:
            law.notes.append(f"meter {meter!r} not understood")
    if _NO_DRUMS.search(text) and "drums" in law.exclude:
        extra = [i for i in ("percussion", "timpani") if i not in law.include and i not in law.exclude]
        if extra:
            law.exclude += extra
            law.notes.append("'no drums': no " + " or ".join(extra) + " either")
    law.no_melody = bool(_NO_MELODY.search(text)) or bool(getattr(brief, "no_melody", False))
    for rx in (_SOLO, _LEADS):
        for m in rx.finditer(text):
            words = m.group(1).lower().split()
            for k in (len(words), 1):
                ids = resolve(" ".join(words[:k]))
                ids = [i for i in ids if _pitched(i) and i not in law.exclude]
                if len(ids) == 1:
                    law.lead = ids[0]
                    break
            if law.lead:
                break
        if law.lead:
            break
    named = [i for i in law.include if i != law.lead]
    law.only = bool(named) and not _WHOLE.search(text)
    if law.lead and law.lead not in law.include:
        law.include.append(law.lead)
    return law


#: a band the brief names is filled out to this many pitched parts (melody, harmony, bass)
MIN_PITCHED = 3
#: plucked and keyboard colours are not section members: never added to fill a band
_COLOURS = ("harp", "piano", "celesta", "guitar", "glockenspiel", "organ")


def restrict(law: BriefLaw, instruments: list[str], *, fill: bool = True) -> BriefLaw:
    """When the brief names the instruments to use (``law.only``), every other instrument
    of the palette (``instruments``) joins ``exclude``, percussion included; the law is
    changed in place and returned.

    With ``fill`` (not a solo palette), a named band of fewer than ``MIN_PITCHED`` pitched
    instruments is filled out from the palette's instruments of the same sections, the
    nearest in register first ("low strings" = cellos and basses gain the violas), so
    that melody, harmony and bass each have a part; the note says so."""
    if not law.only:
        return law
    pitched = [i for i in law.include if _pitched(i)]
    if fill and 0 < len(pitched) < MIN_PITCHED:
        families = {INSTRUMENTS[i].family for i in pitched}
        centre = sum(sum(INSTRUMENTS[i].comfortable) / 2 for i in pitched) / len(pitched)
        near = sorted((i for i in instruments if _pitched(i) and i not in law.include
                       and i not in law.exclude and i not in _COLOURS
                       and INSTRUMENTS[i].family in families),
                      key=lambda i: abs(sum(INSTRUMENTS[i].comfortable) / 2 - centre))
        added = near[:MIN_PITCHED - len(pitched)]
        if added:
            law.include = law.include + added
            law.notes.append(f"the brief names {', '.join(pitched)}; {', '.join(added)} "
                             f"added from the same section for melody, harmony and bass")
    others = [i for i in instruments if i not in law.include and i not in law.exclude]
    if others:
        law.exclude = law.exclude + others
        law.notes.append("the brief names its instruments (" + ", ".join(law.include)
                         + "): no " + ", ".join(others))
    return law
