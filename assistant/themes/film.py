"""A subject's theme request from the film: its mood profile across the cues where it is
heard, the brief of its first cue, its meter, the lead instrument, and a key.

The mood profile is the duration-weighted mean of the moods of the subject's cues (from the
development plan), with the tags counted; the mode follows the brief when it names one,
otherwise the profile's valence (minor below -0.15, major above 0.15, dorian in between: a
modal colour for an ambiguous subject). The tonic is one the lead instrument's family plays
well, moved to a related key for each further subject so the film's themes do not all share
one tonic.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from assistant.analysis.instruments import INSTRUMENTS
from assistant.project import Mood
from assistant.themes.theory import tonic_name

#: (major tonic, minor tonic) a family plays well
FAMILY_KEYS = {"strings": (2, 2), "woodwinds": (5, 2), "brass": (10, 7), "keyboards": (3, 0),
               "voices": (5, 2), "plucked": (7, 4), "electronic": (0, 9), "percussion": (0, 9)}
#: related-key offsets for the 2nd, 3rd, ... subject (subdominant, dominant, ...)
RELATED = (0, 5, 7, 3, 9, 2, 10, 4)


@dataclass
class ThemeRequest:
    """Everything :func:`assistant.themes.write.write_themes` needs for one subject."""

    subject: str
    key: str
    mode: str
    meter: tuple[int, int]
    instrument: str
    mood: Mood
    brief: Any
    cues: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "key": self.key, "mode": self.mode,
                "meter": f"{self.meter[0]}/{self.meter[1]}", "instrument": self.instrument,
                "mood": {"valence": round(self.mood.valence, 3), "arousal": round(self.mood.arousal, 3),
                         "tension": round(self.mood.tension, 3), "tags": self.mood.tags},
                "cues": self.cues}


def mood_profile(project: Any, cue_ids: list[str]) -> Mood:
    """Duration-weighted mean mood of the cues (neutral when none has a mood)."""
    cues = [c for c in project.cues if c.id in cue_ids and c.mood is not None]
    if not cues:
        return Mood()
    w = [max(1.0, c.duration_s) for c in cues]
    tot = sum(w)
    v = sum(c.mood.valence * x for c, x in zip(cues, w, strict=True)) / tot
    a = sum(c.mood.arousal * x for c, x in zip(cues, w, strict=True)) / tot
    t = sum(c.mood.tension * x for c, x in zip(cues, w, strict=True)) / tot
    tags = [t for t, _ in Counter(tag for c in cues for tag in c.mood.tags).most_common(3)]
    return Mood(valence=max(-1, min(1, v)), arousal=max(-1, min(1, a)), tension=max(0, min(1, t)), tags=tags)


def theme_request(project: Any, subject: Any, cue_ids: list[str], briefs: dict[str, Any] | None = None,
                  index: int = 0, *, key: str | None = None, mode: str | None = None,
                  meter: tuple[int, int] | None = None, instrument: str | None = None) -> ThemeRequest:
    """The request for ``subject`` (a ThemeSubject) heard in ``cue_ids``; explicit arguments win."""
    from assistant.themes.subjects import lead_instrument

    briefs = briefs or {}
    mood = mood_profile(project, cue_ids)
    brief = next((briefs[c] for c in cue_ids if c in briefs), None)
    instrument = instrument or lead_instrument(brief, mood)
    if mode is None:
        bm = getattr(brief, "mode", None)
        mode = bm if bm in ("major", "minor") else (
            "minor" if mood.valence < -0.15 else "major" if mood.valence > 0.15 else "dorian")
    key = key or getattr(brief, "key", None)  # "a waltz in D minor": the brief's tonic
    if meter is None and getattr(brief, "meter", None):
        num, den = str(brief.meter).split("/")
        meter = (int(num), int(den))
    if key is None:
        fam = INSTRUMENTS[instrument].family
        major_t, minor_t = FAMILY_KEYS.get(fam, (2, 2))
        base = major_t if mode in ("major", "lydian", "mixolydian") else minor_t
        key = tonic_name((base + RELATED[index % len(RELATED)]) % 12, mode)
    return ThemeRequest(subject.name, key, mode, meter or tuple(subject.meter), instrument, mood, brief,
                        list(cue_ids))
