"""Reading the film like a music supervisor: cue functions, moods, briefs, script analysis.

Public API of the cue reader (see :mod:`assistant.analysis.classify`)::

    from assistant.analysis import read_cues, classify_functions, predict_mood, embed
    read_cues(["1M3 - stalker reveal, sting on the door"])[0].functions[0]  # ('sting', 0.9...)

Imports are lazy so that ``import assistant.analysis`` does not load torch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CueReading", "classify_functions", "embed", "predict_mood", "read_cues", "MOOD_TAGS"]


def __getattr__(name: str) -> Any:
    if name in {"CueReading", "classify_functions", "predict_mood", "read_cues"}:
        from assistant.analysis import classify

        return getattr(classify, name)
    if name == "embed":
        from assistant.analysis.embed import embed

        return embed
    if name == "MOOD_TAGS":
        from assistant.analysis.moods import MOOD_TAGS

        return MOOD_TAGS
    raise AttributeError(name)
