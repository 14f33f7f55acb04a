"""Decoding-time rules for a key and a chord plan (:class:`PlanConstraint`), the key prior, and
the grammar state of one candidate (:class:`_Row`) they read: the constrained-decoding pass of
:mod:`assistant.music.sample`, which applies them inside its decode loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.music.harmony import (
    chord_tones,
    constraint_scale,
    strong_positions,
    tonic_triad,
)
from assistant.music.score import Score

MAJOR_PCS = (0, 2, 4, 5, 7, 9, 11)
MINOR_PCS = (0, 2, 3, 5, 7, 8, 10, 11)  # natural minor plus the leading note


def scale_pitch_classes(tonic: int, mode: str) -> set[int]:
    """Pitch classes allowed by the scale constraint."""
    pcs = MAJOR_PCS if mode == "major" else MINOR_PCS
    return {(tonic + p) % 12 for p in pcs}


@dataclass
class _Row:
    """Grammar state of one candidate."""

    bars_done: int = 0
    num: int = 4
    den: int = 4
    pos: int = -1  # last Position value in the current bar (12 per beat), -1 at bar start
    last: str = "start"  # kind of the previous token
    pitch_pending: bool = False
    done: bool = False
    time_left: float = 0.0  # beats of the denominator left until the end of the last bar
    ids: list[int] = field(default_factory=list)
    force_ts: int | None = None  # the meter's TimeSig id, due right after the first bar's chord
    last_pitch: int | None = None  # the previous note's pitch (idiom rules: largest leap)
    prog_needed: bool = False  # the first note must state the program (as every training piece does)
    repeats: int = 0  # how many notes in a row have had last_pitch
    pcs_seen: int = 0  # bit k set once a note of pitch class k has sounded
    reach: float = 0.0  # latest note end so far, in beats of the denominator from the first bar line


@dataclass(frozen=True)
class PlanConstraint:
    """Decoding-time rules that make a passage follow a key and a chord plan.

    This is *constrained decoding*, not reranking: at every step the model's next-token
    distribution is renormalised over the tokens the rules allow and sampled once; nothing is
    drawn twice, scored afterwards or edited. The rules (positions in REMI units, 12 per beat
    of the denominator; strong beats as :func:`assistant.music.harmony.strong_beats_q`):

    * **scale**: every pitch is in the key's scale (:func:`~assistant.music.harmony.constraint_scale`:
      major, or harmonic minor) or a tone of the bar's planned chord (so ``VII`` in minor
      brings back the natural seventh and a planned ``bVI`` its flat sixth). No other
      chromatic note is written.
    * **strong beats**: a note that starts on a strong beat (1 and 3 in 4/4, 1 in 3/4, 1 and 4
      in 6/8) is a tone of that bar's planned chord, and a note may only be *held* across a later
      strong beat when it is a tone of that beat's chord (durations that would carry a
      non-chord tone over one are masked).
    * **weak positions**: scale tones; a tone outside the planned chord must be approached by
      step (within :attr:`step` semitones of the previous note: a passing or neighbour tone),
      so melodies keep their passing motion and are not arpeggios.
    * **repeats**: after :attr:`max_repeats` notes in a row on one pitch the line moves (the key
      prior below otherwise lets a line hammer its tonic or fifth).
    * **opening**: the first note is the tonic (a tone of bar 1's chord when the plan does not
      start on the tonic), so the first bar states the tonic; and the mode is stated early: until
      the tonic's third has sounded, a strong beat whose planned chord contains that third
      (``I``/``i``, ``vi``/``VI``, ``iii``/``III``) takes it (a held note may not cover it).
    * **ending**: notes that start in the last beat of the last bar are tones of :attr:`final`
      (the last planned chord; the tonic triad when the plan ends on ``I``/``i`` or is free), a
      note held into that beat must be one too, and the passage may only end once such a note
      sounds there.

    * **key prior** (a reweighting, not a mask): pitch logits get ``KEY_PRIOR * log(w / max w)``
      of the requested key's degree profile (:data:`KEY_PROFILE`, Aarden's Essen folk-song
      profiles), so the model's pitches are drawn from p_model(x) · profile(x)^KEY_PRIOR renormalised:
      the degrees a melody in that key dwells on (1, 3, 5) gain on the ones it passes through.
      A tone of the bar's planned chord is lowered by at most :data:`CHORD_TONE_FLOOR` nats
      (the leading tone of ``V7`` in minor stays available). Caveat: music21's ``analyze('key')``,
      which measures key accuracy, correlates against these same profiles, so part of the gain
      in that figure is the prior agreeing with its judge (``evaluate.plan_following`` reports
      the rules without it too).

    Bars planned as free (``"*"``) or ``N.C.`` keep the scale rule only. When the mask would
    leave no pitch (a narrow range with a leap limit), the sampler falls back to the scale, then
    to no rule for that one note.
    """

    scale: frozenset[int]  # pitch classes allowed anywhere
    chords: tuple[frozenset[int] | None, ...]  # per bar: planned chord tones (None: free or N.C.)
    strong: tuple[int, ...]  # strong positions inside a bar
    first: frozenset[int]  # pitch classes of the first note
    final: frozenset[int]  # pitch classes of the notes in the last beat
    final_pos: int  # position of the last beat of the last bar (where the ending zone starts)
    bar_beats: int  # beats of the denominator per bar
    step: int = 2  # largest approach (semitones) to a weak-position non-chord tone
    max_repeats: int = 2  # notes in a row on one pitch (a line, not a drum): the next must move
    third: int | None = None  # pitch class of the tonic's third (the mode statement), None: no key
    prior: tuple[float, ...] = ()  # per pitch class: nats added to the pitch logits (key prior; () none)

    @classmethod
    def build(cls, tonic: int | None, mode: str | None, plan: list[Any], meter: tuple[int, int],
              prior: float | None = None) -> PlanConstraint:
        """From a key (tonic pc, mode; None: no scale rule) and :func:`chord_plan`'s output;
        ``prior`` is the key prior's strength (default :data:`KEY_PRIOR`; 0: none)."""
        prior = KEY_PRIOR if prior is None else prior
        num, den = meter
        chords = tuple(frozenset(chord_tones(c)) if isinstance(c, tuple) else None for c in plan)
        mode = mode or "major"
        scale = constraint_scale(tonic, mode) if tonic is not None else frozenset(range(12))
        home = tonic_triad(tonic, mode) if tonic is not None else None
        c0 = chords[0] if chords else None
        c1 = _triad(plan[-1]) if chords and chords[-1] else None
        root = frozenset({tonic % 12}) if tonic is not None else None
        # opening on the tonic itself when bar 1 is the tonic chord (or free); else on its chord
        first = (c0 & root or c0) if c0 and root else (c0 or root or frozenset(range(12)))
        # ending on a tone the last chord shares with the tonic triad (I: the triad; V: the fifth
        # degree, a half cadence; IV: the tonic), else on the last chord's triad
        final = (c1 & home or c1) if c1 and home else (c1 or home or frozenset(range(12)))
        last_beat = (num - 3 if den == 8 and num % 3 == 0 and num > 3 else num - 1) * 12
        return cls(scale, chords, strong_positions(num, den), frozenset(first), frozenset(final),
                   max(last_beat, strong_positions(num, den)[-1]), num,
                   prior=key_prior(tonic, mode, prior) if tonic is not None and prior else (),
                   third=(tonic + (4 if mode == "major" else 3)) % 12 if tonic is not None else None)

    def chord(self, bar: int) -> frozenset[int] | None:
        return self.chords[bar] if 0 <= bar < len(self.chords) else None

    def final_at(self, bars: int) -> float:
        """Start of the ending zone in beats from the first bar line."""
        return (bars - 1) * self.bar_beats + self.final_pos / 12.0

    def _needs_third(self, ch: frozenset[int] | None, third_seen: bool) -> bool:
        return not third_seen and self.third is not None and ch is not None and self.third in ch

    def pitch_rule(self, bar: int, pos: int, bars: int, first_note: bool, third_seen: bool = True
                   ) -> tuple[frozenset[int], frozenset[int]]:
        """(pitch classes allowed freely, scale tones allowed by step) for a note starting at
        ``pos`` of bar ``bar`` (0-based) of a ``bars``-bar passage; ``third_seen``: the tonic's
        third has sounded."""
        ch = self.chord(bar)
        if first_note:
            return self.first, frozenset()
        if bar == bars - 1 and pos >= self.final_pos:
            return self.final, frozenset()
        if ch is not None and pos in self.strong:
            return (frozenset({self.third}) if self._needs_third(ch, third_seen) else ch), frozenset()
        if ch is None:
            return self.scale, frozenset()
        return ch, self.scale - ch

    def hold_limit(self, pc: int, at: float, bars: int, third_seen: bool = True) -> float:
        """Longest duration (beats) a note of pitch class ``pc`` starting at ``at`` (beats from
        the first bar line) may have without sounding as a non-chord tone on a later strong
        beat or in the ending zone (nor over the strong beat due to state the tonic's third);
        ``inf`` when none is ahead."""
        third_seen = third_seen or pc == self.third
        for t, req in self._checkpoints(bars):
            if t <= at + 1e-9:
                continue
            if pc not in req or (req is not self.final and self._needs_third(req, third_seen)):
                return t - at
        return float("inf")

    def _checkpoints(self, bars: int) -> list[tuple[float, frozenset[int]]]:
        out = [(j * self.bar_beats + s / 12.0, ch) for j in range(bars) for s in self.strong
               if (ch := self.chord(j)) is not None]
        out.append((self.final_at(bars), self.final))
        return sorted(out, key=lambda x: x[0])


# The key prior: Aarden's pitch-class profiles of the Essen folk songs (Aarden 2003, as music21's
# AardenEssen gives them), relative to the tonic. They are how often each degree sounds (by
# duration) in melodies of that mode, i.e. what a melody "in the key" looks like. NB: music21's
# analyze('key'), which judges key accuracy, correlates against these same profiles.
KEY_PROFILE = {"major": (17.7661, 0.145624, 14.9265, 0.160186, 19.8049, 11.3587, 0.291248, 22.062, 0.145624, 8.15494,
                0.232998, 4.95122),
      "minor": (18.2648, 0.737619, 14.0499, 16.8599, 0.702494, 14.4362, 0.702494, 18.6161, 4.56621, 1.93186,
                7.37619, 1.75623)}


CHORD_TONE_FLOOR = 2.0  # the prior lowers a planned chord tone's logit by at most this (nats)
KEY_PRIOR = 2.0  # strength of the key prior: pitch logits + KEY_PRIOR * log(profile / max)


def key_prior(tonic: int, mode: str, strength: float) -> tuple[float, ...]:
    """Nats added to each pitch class's logits: ``strength * log(w / max w)`` of the key's
    :data:`KEY_PROFILE` (0 on the most frequent degree, the fifth; the chromatic degrees are masked
    anyway). The sampler then draws from p_model(x) * profile(x)^strength, renormalised.

    >>> [round(x, 2) for x in key_prior(0, "major", 2.0)[:5]]
    [-0.43, -10.04, -0.78, -9.85, -0.22]
    """
    w = np.asarray(KEY_PROFILE[mode], dtype=np.float64)
    lg = strength * np.log(w / w.max())
    return tuple(float(lg[(pc - tonic) % 12]) for pc in range(12))


def _third_seen(con: PlanConstraint, r: _Row) -> bool:
    return con.third is None or bool(r.pcs_seen >> con.third & 1)


def _triad(ch: tuple[int, str]) -> frozenset[int]:
    """A chord's tones without its seventh (a phrase does not end on the seventh of V7)."""
    r, q = ch
    return frozenset(chord_tones((r, "maj" if q == "dom7" else q)))


def history_before(score: Score, before_q: float) -> tuple[int | None, int, int] | None:
    """What the plan rules need to know of the music before ``before_q`` (quarter notes): the
    last melody pitch starting before it, how many melody notes in a row ended on that pitch, and
    the bit mask of the pitch classes sounded; None when nothing sounds before it."""
    mel = [n for n in score.melody() if n.start_beats < before_q - 1e-9]
    if not mel:
        return None
    last = mel[-1].pitch
    repeats = 0
    for n in reversed(mel):
        if n.pitch != last:
            break
        repeats += 1
    pcs = 0
    for n in score.notes:
        if n.start_beats < before_q - 1e-9:
            pcs |= 1 << (n.pitch % 12)
    return last, repeats, pcs
