"""Comparatives in a brief: how "darker", "less busy", "a bit faster", "more strings" move the
fields of a :class:`~assistant.analysis.brief.MusicBrief` (a revision, or a fresh brief's own
comparatives for the fields it did not state outright). Steps are design defaults: a
comparative moves tempo by about 12 %, dynamics by one step, density by 0.15, register by
one band, and mood by a fraction of the way to the named pole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.analysis.brief_lexicon import _MOOD_WORDS, TAG_INFO
from assistant.project import DYNAMICS

try:
    from assistant.analysis.moods import nearest_tags
except ImportError:  # pragma: no cover - only before moods.py landed
    def nearest_tags(valence: float, arousal: float, tension: float, k: int = 2) -> list[str]:
        return []

if TYPE_CHECKING:
    from assistant.analysis.brief import MusicBrief


def _clamp(x: float, lo: float, hi: float) -> float:
    return round(max(lo, min(hi, float(x))), 3)


def _shift_register(reg: str | None, steps: int) -> str:
    order = ["low", "mid", "high"]
    cur = order.index(reg) if reg in order else 1
    return order[max(0, min(2, cur + steps))]


def _shift_dyn(dyn: tuple[str, str] | None, steps: int) -> tuple[str, str]:
    lo, hi = dyn if dyn else ("mp", "mf")
    li = max(0, min(5, DYNAMICS.index(lo) + steps))
    hi_i = max(0, min(5, DYNAMICS.index(hi) + steps))
    return DYNAMICS[li], DYNAMICS[max(li, hi_i)]


def _apply_comparatives(b: MusicBrief, comps: list[tuple[str, float, str]]) -> None:
    for eff, amt, words in comps:
        sgn = 1 if amt > 0 else -1
        mag = abs(amt)
        b.evidence.append({"field": "delta", "value": f"{eff} {amt:+g}", "words": words})
        if eff == "dark":  # darker: lower valence, minor leaning, lower register
            b.valence = _clamp(b.valence - 0.3 * amt, -1, 1)
            b.tension = _clamp(b.tension + 0.1 * amt, 0, 1)
            if amt > 0 and b.mode in (None, "major"):
                b.mode = "minor"
            elif amt < 0 and b.mode in (None, "minor"):
                b.mode = "major"
            b.register = _shift_register(b.register, -sgn)  # type: ignore[assignment]
            if amt > 0:
                b.tags = [t for t in b.tags if TAG_INFO.get(t, (0,))[0] < 0.5]
                if not b.tags and TAG_INFO:
                    b.tags = nearest_tags(b.valence, b.arousal, b.tension, k=1)
        elif eff == "light":
            b.valence = _clamp(b.valence + 0.25 * amt, -1, 1)
            b.density = _clamp((b.density if b.density is not None else 0.5) - 0.15 * amt,
                               0.05, 1)
            b.register = _shift_register(b.register, sgn)  # type: ignore[assignment]
        elif eff == "sad":
            b.valence = _clamp(b.valence - 0.3 * amt, -1, 1)
            if amt > 0 and "melancholy" not in b.tags:
                b.tags = ["melancholy"] + b.tags
        elif eff == "warm":
            b.valence = _clamp(b.valence + 0.2 * amt, -1, 1)
            b.tension = _clamp(b.tension - 0.1 * amt, 0, 1)
            if amt > 0:
                if "tender" not in b.tags:
                    b.tags = b.tags + ["tender"]
                if b.register == "high":
                    b.register = "mid"
            else:
                b.tags = [t for t in b.tags if t not in ("tender", "romantic")]
                b.register = _shift_register(b.register, 1)  # type: ignore[assignment]
        elif eff == "tempo":
            f = 1 + 0.15 * mag if amt > 0 else 1 / (1 + 0.15 * mag)
            lo, hi = b.tempo_bpm if b.tempo_bpm else (90.0, 110.0)
            b.tempo_bpm = (float(round(lo * f)), float(round(hi * f)))
            b.arousal = _clamp(b.arousal + 0.2 * amt, -1, 1)
        elif eff in ("loud", "big"):
            steps = sgn * (2 if mag > 1.2 else 1)
            b.dynamics = _shift_dyn(b.dynamics, steps)
            b.arousal = _clamp(b.arousal + 0.1 * amt, -1, 1)
            if eff == "big":
                b.density = _clamp((b.density if b.density is not None else 0.5) + 0.15 * amt,
                                   0.05, 1)
        elif eff == "dense":
            b.density = round(_clamp((b.density if b.density is not None else 0.5)
                                     + 0.2 * amt, 0.05, 1), 3)
        elif eff == "heavy":
            b.density = _clamp((b.density if b.density is not None else 0.5) + 0.1 * amt, 0.05, 1)
            b.register = _shift_register(b.register, -sgn)  # type: ignore[assignment]
        elif eff == "tense":
            b.tension = _clamp(b.tension + 0.2 * amt, 0, 1)
            b.valence = _clamp(b.valence - 0.05 * amt, -1, 1)
            if amt < 0:
                b.tags = [t for t in b.tags if t not in ("anxious", "dread", "urgent")]
        elif eff == "register":
            b.register = _shift_register(b.register, sgn)  # type: ignore[assignment]
        elif eff.startswith("mood:"):
            word = eff[5:]
            tags = _MOOD_WORDS.get(word, ())
            for tg in tags:
                tv, ta, tt = TAG_INFO[tg][:3]
                k = 0.35 * mag
                if amt > 0:
                    b.valence = _clamp(b.valence + k * (tv - b.valence), -1, 1)
                    b.arousal = _clamp(b.arousal + k * (ta - b.arousal), -1, 1)
                    b.tension = _clamp(b.tension + k * (tt - b.tension), 0, 1)
                    if tg not in b.tags:
                        b.tags = [tg] + b.tags
                else:
                    b.valence = _clamp(b.valence - 0.5 * k * tv, -1, 1)
                    b.arousal = _clamp(b.arousal - 0.5 * k * ta, -1, 1)
                    b.tension = _clamp(b.tension - 0.5 * k * tt, 0, 1)
                    b.tags = [t for t in b.tags if t != tg]
