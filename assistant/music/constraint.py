"""Decoding-time rules for a key and a chord plan (:class:`PlanConstraint`), the key prior, and
the grammar state of one candidate (:class:`_Row`) they read: the constrained-decoding pass of
:mod:`assistant.music.sample`, which applies them inside its decode loop.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    line: tuple[int, ...] = ()  # the line's last LINE_MEMORY pitches, oldest first (the line rules)


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
      chromatic note is written, but for the natural seventh as a descending passing tone in
      minor (see *sevenths in minor*; only with a sampler that passes the line).
    * **strong beats**: a note that starts on a strong beat (1 and 3 in 4/4, 1 in 3/4, 1 and 4
      in 6/8) is a tone of that bar's planned chord, and a note may only be *held* across a later
      strong beat when it is a tone of that beat's chord (durations that would carry a
      non-chord tone over one are masked).
    * **weak positions**: scale tones; a tone outside the planned chord must be approached by
      step (within :attr:`step` semitones of the previous note: a passing or neighbour tone),
      so melodies keep their passing motion and are not arpeggios.
    * **repeats**: after :attr:`max_repeats` notes in a row on one pitch the line moves (the key
      prior below otherwise lets a line hammer its tonic or fifth).
    * **the line moves on** (:meth:`line_allows`, reading the line's last pitches): no
      :data:`NARROW_NOTES` notes in a row within :data:`NARROW_SPAN` semitones (a third), and a
      line that has gone back and forth between two pitches (:data:`BACK_AND_FORTH` turns,
      repeated notes merged: ``G A G G A G``) does not go back a third time. Neighbour figures
      (``G A G``, ``G A G A B``) are untouched. Calibration: in held-out chorale and Essen
      melodies 5-8 % of 9-note windows lie within a third and 0.3-0.6 % of merged 6-note runs
      go back and forth; the model under the other rules wrote 3.8 % of the latter.
    * **sevenths in minor** (melodic-minor practice, :meth:`line_allows` and ``line=`` of
      :meth:`pitch_rule`): in a bar whose planned chord holds the leading tone (``V``, ``V7``,
      ``vii°``: a *dominant bar*) the seventh degree is the raised one only, and the key prior
      favours it (:data:`LEADING_TONE_LIFT`), so a minor cadence sounds its leading tone.
      Elsewhere both sevenths are used as the line goes: the natural seventh as a passing tone
      only on the way down from the tonic (``1 b7 b6``), after which the line goes on down; a
      raised seventh over a chord without it rises to the tonic (``1 #7 1``, ``#7 | 1``); a
      raised seventh never falls to the sixth degree (an augmented second) nor to the natural
      seventh, is neither approached nor left by a tritone or a seventh, and neither seventh
      follows the other.
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
    tonic: int | None = None  # pitch class of the key's tonic (None: no key)
    minor: bool = False  # the key is minor (the seventh-degree rules)

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
                   third=(tonic + (4 if mode == "major" else 3)) % 12 if tonic is not None else None,
                   tonic=tonic % 12 if tonic is not None else None, minor=mode == "minor" and tonic is not None)

    def chord(self, bar: int) -> frozenset[int] | None:
        return self.chords[bar] if 0 <= bar < len(self.chords) else None

    def final_at(self, bars: int) -> float:
        """Start of the ending zone in beats from the first bar line."""
        return (bars - 1) * self.bar_beats + self.final_pos / 12.0

    def _needs_third(self, ch: frozenset[int] | None, third_seen: bool) -> bool:
        return not third_seen and self.third is not None and ch is not None and self.third in ch

    def pitch_rule(self, bar: int, pos: int, bars: int, first_note: bool, third_seen: bool = True,
                   line: Sequence[int] | None = None) -> tuple[frozenset[int], frozenset[int]]:
        """(pitch classes allowed freely, scale tones allowed by step) for a note starting at
        ``pos`` of bar ``bar`` (0-based) of a ``bars``-bar passage; ``third_seen``: the tonic's
        third has sounded. ``line`` (the line's last pitches; the caller then also applies
        :meth:`line_allows`): in minor, the natural seventh joins the tones by step of a bar
        whose chord has neither seventh (a descending passing tone; ``line_allows`` checks the
        direction)."""
        ch = self.chord(bar)
        if first_note:
            return self.first, frozenset()
        if bar == bars - 1 and pos >= self.final_pos:
            return self.final, frozenset()
        if ch is not None and pos in self.strong:
            return (frozenset({self.third}) if self._needs_third(ch, third_seen) else ch), frozenset()
        if ch is None:
            return self.scale, frozenset()
        by_step = self.scale - ch
        if line is not None and self.minor and not self.dominant(bar) and self._sub not in ch:
            by_step = by_step | {self._sub}
        return ch, by_step

    # ------------------------------------------------------------------ the line rules
    @property
    def _lead(self) -> int:
        """Pitch class of the leading tone (raised seventh); -1 without a key."""
        return (self.tonic + 11) % 12 if self.tonic is not None else -1

    @property
    def _sub(self) -> int:
        """Pitch class of the natural seventh (subtonic); -1 without a key."""
        return (self.tonic + 10) % 12 if self.tonic is not None else -1

    def dominant(self, bar: int) -> bool:
        """A minor key's bar whose planned chord holds the leading tone (``V``, ``V7``, ``vii°``)."""
        ch = self.chord(bar)
        return self.minor and ch is not None and self._lead in ch

    def bar_prior(self, bar: int) -> tuple[float, ...]:
        """The key prior in bar ``bar`` (nats per pitch class; () without one): :attr:`prior`
        with the tones of the planned chord lowered by at most :data:`CHORD_TONE_FLOOR`, and in a
        minor dominant bar the leading tone lifted to :data:`LEADING_TONE_LIFT` (above the
        fifth's 0: the model alone rarely writes it, and a minor cadence needs it).

        >>> con = PlanConstraint.build(2, "minor", [(2, "min"), (9, "dom7")], (4, 4))
        >>> round(con.bar_prior(0)[1], 2), con.bar_prior(1)[1], round(con.bar_prior(1)[4], 2)
        (-4.72, 3.0, -0.56)
        """
        if not self.prior:
            return ()
        out = list(self.prior)
        for pc in self.chord(bar) or ():
            out[pc] = max(out[pc], -CHORD_TONE_FLOOR)
        if self.dominant(bar):
            out[self._lead] = LEADING_TONE_LIFT
        return tuple(out)

    def line_allows(self, bar: int, line: Sequence[int], pitches: np.ndarray) -> np.ndarray:
        """Which of ``pitches`` (MIDI numbers, any shape; negative entries are not pitches and
        stay allowed) may come next after the line's last pitches ``line`` (oldest first) in bar
        ``bar``: the line moves on (no :data:`NARROW_NOTES` notes within :data:`NARROW_SPAN`,
        no third return between two pitches) and, in minor, the sevenths go the way melodic
        minor takes them (see the class docstring). A mask on top of :meth:`pitch_rule`'s; a
        sampler drops it for a note where the two together leave nothing.

        >>> con = PlanConstraint.build(7, "major", [(7, "maj")], (4, 4))
        >>> ok = con.line_allows(0, (67, 69, 67, 67, 69, 67, 69, 67), np.arange(64, 74))
        >>> [int(p) for p in np.arange(64, 74)[ok]]
        [64, 72, 73]
        """
        p = np.asarray(pitches)
        ok = np.ones(p.shape, dtype=bool)
        line = tuple(line)
        if not line:
            return ok
        w = line[-(NARROW_NOTES - 1):]
        if len(w) == NARROW_NOTES - 1 and max(w) - min(w) <= NARROW_SPAN:  # the window would stay in a third
            ok &= (p > min(w) + NARROW_SPAN) | (p < max(w) - NARROW_SPAN)
        turns = _turns(line)[-BACK_AND_FORTH:]
        if len(turns) == BACK_AND_FORTH and len(set(turns)) == 2:  # x y x y x: not y again
            ok &= p != turns[-2]
        if self.minor:
            ok &= self._sevenths(bar, line, p)
        return ok | (p < 0)

    def _sevenths(self, bar: int, line: tuple[int, ...], p: np.ndarray) -> np.ndarray:
        ch = self.chord(bar) or frozenset()
        pc = p % 12
        last = line[-1]
        ok = np.ones(p.shape, dtype=bool)
        if self.dominant(bar):
            ok &= pc != self._sub  # against the dominant chord only the raised seventh
        elif self._sub not in ch:  # the natural seventh as a passing tone: down from the tonic only
            ok &= (pc != self._sub) | (p == last - 2)
        if last % 12 == (self._lead - 3) % 12:  # no augmented second up to the leading tone
            ok &= (pc != self._lead) | (p != last + 3)
        awkward = np.isin(np.abs(p - last), _AWKWARD_LEAPS)
        if last % 12 == self._lead:  # nor a tritone or a seventh to or from it
            ok &= ~awkward
        else:
            ok &= (pc != self._lead) | ~awkward
        if last % 12 == self._lead:  # leaving a raised seventh
            ok &= (p != last - 1) & (p != last - 3)  # not to the natural seventh, no augmented second
            if self._lead not in ch:  # over a chord without it: up to the tonic
                ok &= p == last + 1
        elif last % 12 == self._sub:  # leaving a natural seventh
            ok &= pc != self._lead
            if self._sub not in ch and len(line) >= 2 and line[-2] == last + 2:  # a descending passing tone
                ok &= p < last
        return ok

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
LEADING_TONE_LIFT = 3.0  # the key prior's leading tone in a minor dominant bar (nats; the fifth has 0)
NARROW_NOTES = 9  # no run of this many notes of the line ...
NARROW_SPAN = 4  # ... within this many semitones (a third): the line moves on
BACK_AND_FORTH = 5  # x y x y x (repeats merged) may not go back to y a third time
_AWKWARD_LEAPS = (6, 10, 11)  # semitones: a tritone, a seventh (no leap of these to or from a leading tone)
LINE_MEMORY = max(NARROW_NOTES - 1, 2 * BACK_AND_FORTH)  # pitches of the line the rules read (_Row.line, line_before)
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


def _turns(line: Sequence[int]) -> list[int]:
    """The line's pitches with repeated notes merged (``G A A G`` -> ``G A G``)."""
    out: list[int] = []
    for p in line:
        if not out or out[-1] != p:
            out.append(p)
    return out


def _third_seen(con: PlanConstraint, r: _Row) -> bool:
    return con.third is None or bool(r.pcs_seen >> con.third & 1)


def _triad(ch: tuple[int, str]) -> frozenset[int]:
    """A chord's tones without its seventh (a phrase does not end on the seventh of V7)."""
    r, q = ch
    return frozenset(chord_tones((r, "maj" if q == "dom7" else q)))


def line_before(score: Score, before_q: float) -> tuple[int, ...]:
    """The last :data:`LINE_MEMORY` melody pitches starting before ``before_q`` (quarter notes),
    oldest first: the line a continuation or infill goes on from (:meth:`PlanConstraint.line_allows`)."""
    return tuple(n.pitch for n in score.melody() if n.start_beats < before_q - 1e-9)[-LINE_MEMORY:]


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
