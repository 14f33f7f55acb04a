"""What makes a theme a theme: motif extraction, the structural checks and the ranking scores.

Everything here works on a monophonic line of ``(pitch, start_beats, dur_beats)`` triples (a
score's skyline) plus its meter (or meter map) and key, so the same checks judge generated
themes and the held-out real melodies of the benchmark (``assistant.themes.bench``). Times are
quarter beats from the line's first bar line (a pickup sits late in bar 0, as music21 and our
MIDI readers place it); a tied note is one note (our readers merge ties).

The structural checks say what a composer means by each word (:func:`structural_checks`):

* ``key`` (music21's key analysis): the line is heard in its key, tonic and mode both.
  Major/minor: music21's best reading is the tonic with that quality, or its second reading
  when the line ends on the tonic (on a bare line music21 often prefers the relative or the
  dominant key; the final note is how a listener tells them apart); at least 90 % of
  the sounding time is in the scale (in minor the raised 6th and 7th belong to the key). A
  church mode (which music21 cannot name): its tonic with the parent quality among music21's
  two best readings, the line ends on the tonic, stays 90 % in the mode's scale and sounds the
  characteristic degree (dorian 6, phrygian b2, lydian #4, mixolydian b7). A real melody has no
  requested key: its tonic is its final note (the *finalis*, the folk and chorale convention)
  and its mode the one on that final that fits most of its notes (:func:`finalis_key`); then
  the same test runs.
* ``cadence``: the last note arrives on a strong beat (:func:`strong_beats`, through meter
  changes) and is either the tonic, lasting at least a beat or at least as long as the note
  before it, or the dominant held at least two beats (a deliberate half cadence, as an open
  antecedent ends). Ending on the 7th or the 2nd degree, or off the beat, fails.
* ``motif_return``: the head motif, the opening four notes (or the four from the first
  downbeat after a pickup), comes back later anywhere in the line (:func:`motif_returns`):
  transposed (same intervals; same rhythm, or at the same place in the bar with the rhythm
  varied), as a sequence or tonal answer (same rhythm and contour, every interval within 2
  semitones), or as its rhythm alone at the same place in the bar when that rhythm is
  distinctive (two or more note values; an even run of notes is no rhythmic motif). Four notes,
  not three: a three-note shape recurs by chance in most lines (a scrambled-melody control in
  the benchmark shows it).
* ``range``: a 5th to a 12th (7-19 semitones), inside the instrument's comfortable range when given.
* ``repeated_notes``: no more than 3 equal pitches in a row *within a phrase*: the note that
  ends a phrase and the one that starts the next are not a run, as a singer breathes between
  them (:func:`phrase_ends`: a rest of at least an eighth, or a held note, twice the median
  note length and longer than both neighbours, at least two bars after the previous phrase
  ending). Seven repeated quarters are still seven.

>>> line = [(60, 0, 1), (62, 1, 1), (64, 2, 2), (62, 4, 1), (64, 5, 1), (65, 6, 2), (60, 8, 4)]
>>> extract_motif(line, (4, 4)).intervals
[2, 2]
>>> max_repeat_run([(60, 0, 1)] * 4 + [(62, 4, 1)])
4
>>> strong_beats((6, 8)), strong_beats((4, 4)), strong_beats((6, 2))
([0.0, 1.5], [0.0, 2.0], [0.0, 6.0])
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from assistant.themes.theory import (
    CHARACTERISTIC,
    MODES,
    PARENT_QUALITY,
    check_mode,
    scale_pcs,
    tonic_name,
)

log = logging.getLogger(__name__)

Line = Sequence[tuple[int, float, float]]
SINGABLE = (7, 19)  # a 5th to a 12th, in semitones
MAX_REPEATS = 3
CHECKS = ("key", "cadence", "motif_return", "range", "repeated_notes")


@dataclass
class Motif:
    """A head motif: its first note index 0, ``length`` notes, the interval and rhythm cells and
    the note indices where it returns (``returns``: (index, 'exact'|'sequence'|'rhythm'))."""

    length: int
    pitches: list[int]
    intervals: list[int]
    rhythm_beats: list[float]  # inter-onset intervals of the motif (last one: its duration)
    returns: list[tuple[int, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"notes": self.pitches, "intervals": self.intervals, "rhythm_beats": self.rhythm_beats,
                "returns": [{"note": i, "kind": k} for i, k in self.returns]}


Meters = Sequence[tuple[float, int, int]]  # meter map: (start_beats, numerator, denominator)


def bar_length_beats(meter: tuple[int, int]) -> float:
    return meter[0] * 4.0 / meter[1]


def strong_beats(meter: tuple[int, int]) -> list[float]:
    """Positions (in quarter beats from the bar line) of the strong beats of a meter: the
    downbeat, plus the bar's middle in a duple-of-groups meter (4/4, 6/8, 12/8, 6/4, 6/2)."""
    num, _ = meter
    bar = bar_length_beats(meter)
    if num % 3 == 0 and num > 3:  # compound: groups of three; two or four groups have a middle
        return [0.0, bar / 2] if (num // 3) % 2 == 0 else [0.0]
    if num == 4:
        return [0.0, bar / 2]
    return [0.0]


def _meter_at(start: float, meter: tuple[int, int], meters: Meters | None, origin: float
              ) -> tuple[float, tuple[int, int]]:
    """(position in the bar, meter) of a time: through the meter map when given (changes
    fall on bar lines), else one meter from ``origin``."""
    if meters:
        cur = meters[0]
        for m in meters:
            if m[0] <= start + 1e-9:
                cur = m
        mt = (int(cur[1]), int(cur[2]))
        return (start - float(cur[0])) % bar_length_beats(mt), mt
    return (start - origin) % bar_length_beats(meter), meter


def on_strong_beat(start: float, meter: tuple[int, int], origin: float = 0.0, meters: Meters | None = None) -> bool:
    pos, mt = _meter_at(start, meter, meters, origin)
    bar = bar_length_beats(mt)
    return any(abs(pos - s) < 1e-6 or abs(pos - s - bar) < 1e-6 for s in strong_beats(mt))


def same_place_in_bar(a: float, b: float, meter: tuple[int, int], meters: Meters | None = None) -> bool:
    pa, ma = _meter_at(a, meter, meters, 0.0)
    pb, mb = _meter_at(b, meter, meters, 0.0)
    return ma == mb and abs(pa - pb) < 1e-6


def phrase_ends(line: Line, meter: tuple[int, int] = (4, 4), meters: Meters | None = None) -> set[int]:
    """Indices of the notes that end a phrase (module docstring): a rest of at least an eighth
    follows, or the note is held (its inter-onset time at least twice the median and longer
    than both neighbours'); a phrase lasts at least two bars, so a held note sooner than that
    after the last phrase start is not an ending.

    >>> sorted(phrase_ends([(60, 0, 1), (62, 1, 1), (64, 2, 1), (65, 3, 1), (67, 4, 3), (67, 7, 1), (65, 8, 1),
    ...                     (64, 9, 1), (62, 10, 1), (60, 11, 1)]))
    []
    >>> sorted(phrase_ends([(60, 0, 1), (62, 1, 1), (64, 2, 1), (65, 3, 1), (64, 4, 1), (62, 5, 1), (64, 6, 1),
    ...                     (67, 7, 1), (67, 8, 3), (67, 11, 1), (65, 12, 1), (64, 13, 1), (62, 14, 1), (60, 15, 1)]))
    [8]
    """
    n = len(line)
    if n < 3:
        return set()
    iois = [line[i + 1][1] - line[i][1] for i in range(n - 1)]
    med = sorted(iois)[len(iois) // 2]
    out: set[int] = set()
    phrase_start = line[0][1]
    for i in range(n - 1):
        s, d = line[i][1], line[i][2]
        bar = bar_length_beats(_meter_at(s, meter, meters, 0.0)[1])
        rest = iois[i] - d >= 0.5 - 1e-9
        held = (iois[i] >= 2 * med - 1e-9 and (i == 0 or iois[i] > iois[i - 1] + 1e-9)
                and (i + 1 >= n - 1 or iois[i] > iois[i + 1] + 1e-9))
        if rest or (held and line[i + 1][1] - phrase_start >= 2 * bar - 1e-9):
            out.add(i)
            phrase_start = line[i + 1][1]
    return out


def max_repeat_run(line: Line, breaks: set[int] | None = None) -> int:
    """The longest run of equal pitches; a run restarts after a note in ``breaks`` (the
    phrase endings of :func:`phrase_ends`)."""
    best = run = 0
    prev = None
    for i, (p, _, _) in enumerate(line):
        run = run + 1 if p == prev else 1
        prev = None if breaks and i in breaks else p
        best = max(best, run)
    return best


def _iois(line: Line, i: int, k: int) -> list[float]:
    out = [round(line[j + 1][1] - line[j][1], 4) for j in range(i, i + k - 1)]
    out.append(round(line[i + k - 1][2], 4))
    return out


def _match(line: Line, i: int, j: int, k: int) -> str | None:
    """How notes j..j+k-1 restate notes i..i+k-1: 'exact' (intervals and rhythm), 'sequence'
    (rhythm and contour, intervals within a semitone), 'rhythm' (rhythm and contour), or None."""
    if j + k > len(line):
        return None
    ra = [round(line[x + 1][1] - line[x][1], 4) for x in range(i, i + k - 1)]
    rb = [round(line[x + 1][1] - line[x][1], 4) for x in range(j, j + k - 1)]
    if ra != rb:
        return None
    ia = [line[x + 1][0] - line[x][0] for x in range(i, i + k - 1)]
    ib = [line[x + 1][0] - line[x][0] for x in range(j, j + k - 1)]
    if ia == ib:
        return "exact"
    if all((a > 0) == (b > 0) and (a < 0) == (b < 0) for a, b in zip(ia, ib, strict=True)):
        return "sequence" if all(abs(a - b) <= 1 for a, b in zip(ia, ib, strict=True)) else "rhythm"
    return None


def extract_motif(line: Line, meter: tuple[int, int] = (4, 4)) -> Motif:
    """The head motif (2-5 notes from the first) and its rhythmic cell.

    Each length k = 2..5 is scored by how often the opening k notes come back (exact returns
    count double, sequences 1.5, rhythm-and-contour 0.5), times (k - 1) so longer shared
    shapes win, with a bonus when the motif ends where the line breaks (a longer note or a
    bar line). Without returns the motif is the opening gesture up to the first break.
    """
    n = len(line)
    if n < 2:
        return Motif(n, [p for p, _, _ in line], [], [d for _, _, d in line])
    best: tuple[float, int, list[tuple[int, str]]] | None = None
    bar = bar_length_beats(meter)
    for k in range(2, min(5, n - 1) + 1):
        rets: list[tuple[int, str]] = []
        j = k
        while j + k <= n:
            m = _match(line, 0, j, k)
            if m is not None:
                rets.append((j, m))
                j += k
            else:
                j += 1
        value = sum({"exact": 2.0, "sequence": 1.5, "rhythm": 0.5}[m] for _, m in rets) * (k - 1)
        last_dur = line[k - 1][2]
        ends_break = k < n and (last_dur > line[k - 2][2] + 1e-9 or
                                (line[k][1] - line[0][1]) % bar < 1e-6)
        value += 0.75 * ends_break + 0.1 * k * bool(rets)
        if best is None or value > best[0] + 1e-9:
            best = (value, k, rets)
    assert best is not None
    _, k, rets = best
    if not rets:
        k = _first_break(line, meter)
    return Motif(k, [line[x][0] for x in range(k)], [line[x + 1][0] - line[x][0] for x in range(k - 1)],
                 _iois(line, 0, k), rets)


def _first_break(line: Line, meter: tuple[int, int]) -> int:
    bar = bar_length_beats(meter)
    for k in range(3, min(5, len(line)) + 1):
        if k < len(line) and (line[k - 1][2] > line[k - 2][2] + 1e-9 or (line[k][1] - line[0][1]) % bar < 1e-6):
            return k
    return min(4, len(line))


HEAD_NOTES = 4  # the head motif the return check follows (see the module docstring)
SEQUENCE_TOLERANCE = 2  # semitones an interval may change in a sequence or tonal answer


def head_starts(line: Line, meter: tuple[int, int], meters: Meters | None = None) -> list[int]:
    """Where the head motif may start: the first note, and after a pickup of up to three notes
    the first downbeat too (a restatement often drops or changes the upbeat)."""
    out = [0]
    if _meter_at(line[0][1], meter, meters, 0.0)[0] > 1e-6:
        j = next((i for i, n in enumerate(line[:4]) if _meter_at(n[1], meter, meters, 0.0)[0] < 1e-6), None)
        if j:
            out.append(j)
    return out


def motif_returns(line: Line, meter: tuple[int, int], meters: Meters | None = None,
                  k: int = HEAD_NOTES) -> list[tuple[int, str]]:
    """Where the head motif (``k`` notes from :func:`head_starts`) comes back later in the line,
    with how: 'exact' (transposed: same intervals, and the same rhythm or the same place in the
    bar), 'sequence' (same rhythm and contour, intervals within :data:`SEQUENCE_TOLERANCE`) or
    'rhythm' (its distinctive rhythm alone, at the same place in the bar). The motif-return
    check passes when the list is not empty.

    >>> idea = [(62, 0, 1), (65, 1, 0.5), (64, 1.5, 0.5), (62, 2, 2)]
    >>> motif_returns(idea + [(p + 2, s + 4, d) for p, s, d in idea] + [(62, 8, 4)], (4, 4))
    [(4, 'exact')]
    >>> motif_returns([(60, 0, 1), (64, 1, 0.5), (62, 1.5, 0.5), (67, 2, 2), (65, 4, 1.5), (69, 5.5, 0.5),
    ...                (71, 6, 1), (72, 7, 1), (60, 8, 3), (62, 11, 1), (59, 12, 2), (57, 14, 2)], (4, 4))
    []
    """
    n = len(line)
    found: dict[int, str] = {}
    rank = {"exact": 0, "sequence": 1, "rhythm": 2}
    for h in head_starts(line, meter, meters):
        if h + 2 * k > n:
            continue
        ra = [round(line[x + 1][1] - line[x][1], 4) for x in range(h, h + k - 1)]
        ia = [line[x + 1][0] - line[x][0] for x in range(h, h + k - 1)]
        distinctive = len(set(ra)) > 1
        for j in range(h + k, n - k + 1):
            rb = [round(line[x + 1][1] - line[x][1], 4) for x in range(j, j + k - 1)]
            ib = [line[x + 1][0] - line[x][0] for x in range(j, j + k - 1)]
            place = same_place_in_bar(line[h][1], line[j][1], meter, meters)
            kind = None
            if ib == ia and (rb == ra or place):
                kind = "exact"
            elif rb == ra and all((a > 0) == (b > 0) and (a < 0) == (b < 0) and abs(a - b) <= SEQUENCE_TOLERANCE
                                  for a, b in zip(ia, ib, strict=True)):
                kind = "sequence"
            elif rb == ra and distinctive and place:
                kind = "rhythm"
            if kind is not None and (j not in found or rank[kind] < rank[found[j]]):
                found[j] = kind
    return sorted(found.items())


# ----------------------------------------------------------------------------- key analysis
@lru_cache(maxsize=1)
def _m21() -> Any:
    import music21  # slow import: only when a key is checked

    return music21


def quick_key_ok(line: Line, tonic: int, mode: str) -> bool:
    """A fast stand-in for :func:`key_ok` (for pre-selecting skeletons): music21's default key
    profiles (Aarden-Essen) correlated with the duration-weighted pitch-class histogram in
    numpy; for a church mode, its tonic with the parent quality among the two best keys."""
    import numpy as np

    hist = np.zeros(12)
    for p, _, d in line:
        hist[int(p) % 12] += d
    if not hist.any():
        return False
    prof = _profiles()
    scores = []
    for q, w in prof.items():
        for t in range(12):
            scores.append((float(np.corrcoef(np.roll(w, t), hist)[0, 1]), t, q))
    scores.sort(reverse=True)
    want = (tonic, PARENT_QUALITY.get(mode, "major"))
    top = [(t, q) for _, t, q in scores[: 2 if mode in CHARACTERISTIC else 1]]
    if mode in CHARACTERISTIC and not hist[(tonic + MODES[mode][CHARACTERISTIC[mode]]) % 12]:
        return False
    return want in top


@lru_cache(maxsize=1)
def _profiles() -> dict[str, Any]:
    import numpy as np
    from music21.analysis.discrete import AardenEssen

    a = AardenEssen()
    return {q: np.asarray(a.getWeights(q), dtype=float) for q in ("major", "minor")}


def analyse_key(line: Line) -> tuple[int, str, float]:
    """music21's key analysis of a line: (tonic pitch class, 'major'|'minor', correlation)."""
    return _readings(tuple((int(p), float(s), float(d)) for p, s, d in line), 1)[0]


def analyse_keys(line: Line, top: int = 3) -> list[tuple[int, str]]:
    """music21's best ``top`` key interpretations of a line, best first: [(tonic pc, mode)]."""
    return [(t, m) for t, m, _ in _readings(tuple((int(p), float(s), float(d)) for p, s, d in line), top)]


@lru_cache(maxsize=4096)
def _readings(line: tuple[tuple[int, float, float], ...], top: int) -> list[tuple[int, str, float]]:
    m21 = _m21()
    s = m21.stream.Stream()
    for p, start, dur in line:
        n = m21.note.Note(int(p))
        n.quarterLength = max(float(dur), 1 / 12)
        s.insert(float(start), n)
    k = s.analyze("key")
    alts = [k] + list(getattr(k, "alternateInterpretations", []) or [])[: top - 1]
    return [(a.tonic.pitchClass, a.mode, float(getattr(a, "correlationCoefficient", 0.0) or 0.0)) for a in alts]


FINALIS_MODES = ("major", "minor", "dorian", "mixolydian", "phrygian", "lydian")


def key_scale(tonic: int, mode: str) -> set[int]:
    """The pitch classes that belong to a key: the mode's scale, and in minor also the raised
    6th and 7th (the melodic and harmonic minor a composer writes in a minor key)."""
    pcs = scale_pcs(tonic, mode)
    if mode in ("minor", "aeolian", "harmonic_minor"):
        pcs |= {(tonic + 9) % 12, (tonic + 11) % 12}
    return pcs


def in_scale_share(line: Line, tonic: int, mode: str) -> float:
    pcs = key_scale(tonic, mode)
    total = max(1e-9, sum(d for _, _, d in line))
    return sum(d for p, _, d in line if p % 12 in pcs) / total


def finalis_key(line: Line) -> tuple[int, str]:
    """A real melody's key by the folk and chorale convention: the tonic is the final note, the
    mode the one on it (major, minor, then the church modes) whose scale holds most of the
    sounding time. A melody that ends on the dominant of the key music21 hears best, and whose
    final is not heard as a tonic, ends on a half cadence (as a chorale's phrygian ending does):
    its key is the heard one."""
    tonic = int(line[-1][0]) % 12
    best = max(FINALIS_MODES, key=lambda m: (round(in_scale_share(line, tonic, m), 6), -FINALIS_MODES.index(m)))
    reads = analyse_keys(line, 2)
    if (tonic, PARENT_QUALITY[best]) not in reads and (reads[0][0] + 7) % 12 == tonic:
        return reads[0][0], reads[0][1]
    return tonic, best


def key_ok(line: Line, tonic: int | None, mode: str | None) -> tuple[bool, str]:
    """The key check (see the module docstring) and what was found, for the reasons. With no
    ``tonic`` (a real melody), the key is :func:`finalis_key`."""
    if not line:
        return False, "no notes"
    if tonic is None:
        tonic, mode = finalis_key(line)
    return _key_ok(tuple((int(p), float(s), float(d)) for p, s, d in line), tonic, check_mode(mode or "major"))


@lru_cache(maxsize=4096)
def _key_ok(line: tuple[tuple[int, float, float], ...], tonic: int, mode: str) -> tuple[bool, str]:
    if mode in CHARACTERISTIC:
        return _modal_key_ok(line, tonic, mode)
    want = (tonic, PARENT_QUALITY.get(mode, "major"))
    reads = _readings(line, 2)
    heard = (reads[0][0], reads[0][1]) == want
    if not heard and len(reads) > 1 and (reads[1][0], reads[1][1]) == want:
        heard = line[-1][0] % 12 == tonic
    share = in_scale_share(line, tonic, mode)
    ok = heard and share >= 0.9
    what = " or ".join(f"{tonic_name(t, m)} {m} ({c:.2f})" for t, m, c in reads)
    return ok, f"music21 hears {what}; {share:.0%} of the time in {tonic_name(tonic, mode)} {mode}"


def _modal_key_ok(line: Line, tonic: int, mode: str) -> tuple[bool, str]:
    """A church mode: music21 (major/minor only) hears the tonic with the mode's parent quality
    among its two best readings (lydian is easily heard in its dominant, mixolydian in its
    subdominant), the line ends on the tonic, stays in the mode's scale, and its characteristic
    degree (dorian 6, phrygian b2, lydian #4, mixolydian b7) sounds."""
    want_q = PARENT_QUALITY[mode]
    keys = analyse_keys(line, 2)
    heard = (tonic, want_q) in keys
    in_scale = in_scale_share(line, tonic, mode)
    pc = (tonic + MODES[mode][CHARACTERISTIC[mode]]) % 12
    has = any(p % 12 == pc for p, _, _ in line)
    ends = line[-1][0] % 12 == tonic
    ok = heard and in_scale >= 0.9 and has and ends
    return ok, (f"music21 hears {' or '.join(f'{tonic_name(t, m)} {m}' for t, m in keys)}, {in_scale:.0%} of "
                f"the time in {tonic_name(tonic, mode)} {mode}, its {mode} degree "
                f"{'sounds' if has else 'never sounds'}" + ("" if ends else ", not ending on the tonic"))


def cadence_ok(line: Line, tonic: int, meter: tuple[int, int], meters: Meters | None = None,
               origin: float = 0.0) -> tuple[bool, str]:
    """The cadence check (module docstring): (passes, 'authentic' | 'half' | why not)."""
    last = line[-1]
    if not on_strong_beat(last[1], meter, origin, meters):
        return False, "the last note is off the strong beats"
    prev = line[-2][2] if len(line) > 1 else 0.0
    if last[0] % 12 == tonic % 12:
        if last[2] >= 1.0 - 1e-9 or last[2] >= prev - 1e-9:
            return True, "authentic"
        return False, "the final tonic is a short flick"
    if last[0] % 12 == (tonic + 7) % 12:
        if last[2] >= 2.0 - 1e-9:
            return True, "half"
        return False, "the final dominant is too short for a half cadence"
    return False, "the last note is neither the tonic nor a held dominant"


# ----------------------------------------------------------------------------- checks
def structural_checks(line: Line, meter: tuple[int, int], tonic: int | None = None,
                      mode: str | None = None, instrument_range: tuple[int, int] | None = None,
                      meters: Meters | None = None, max_repeats: int = MAX_REPEATS) -> dict[str, bool]:
    """The five structural checks of the benchmark (module docstring). ``tonic``/``mode``: the
    requested key (None for a real melody: its :func:`finalis_key`); ``meters``: a meter map
    [(start_beats, num, den)] when the meter changes; ``max_repeats``: the issue's limit (3),
    a parameter only so the benchmark can show what another reading of it would change."""
    line = [(int(p), float(s), float(d)) for p, s, d in line]
    if len(line) < 3:
        return dict.fromkeys(CHECKS, False)
    if tonic is None:
        tonic, mode = finalis_key(line)
    lo = min(p for p, _, _ in line)
    hi = max(p for p, _, _ in line)
    rng = SINGABLE[0] <= hi - lo <= SINGABLE[1]
    if instrument_range is not None:
        rng = rng and instrument_range[0] <= lo and hi <= instrument_range[1]
    return {
        "key": key_ok(line, tonic, mode)[0],
        "cadence": cadence_ok(line, tonic, meter, meters)[0],
        "motif_return": bool(motif_returns(line, meter, meters)),
        "range": bool(rng),
        "repeated_notes": max_repeat_run(line, phrase_ends(line, meter, meters)) <= max_repeats,
    }


# ----------------------------------------------------------------------------- ranking scores
def contour_score(line: Line) -> tuple[float, str]:
    """An arch with one climax in the second half, mostly steps, leaps recovered by step, no
    tritone leaps. Returns (score in [0, 1], what was found)."""
    ps = [p for p, _, _ in line]
    if len(ps) < 3:
        return 0.0, "too short"
    total = line[-1][1] + line[-1][2] - line[0][1]
    top = max(ps)
    tops = [i for i, p in enumerate(ps) if p == top]
    clusters = 1 + sum(1 for a, b in zip(tops, tops[1:], strict=False) if b - a > 2)
    where = (line[tops[0]][1] - line[0][1]) / max(total, 1e-9)
    climax = (1.0 if clusters == 1 else 0.5) * (1.0 if 0.3 <= where <= 0.9 else 0.6)
    iv = [b - a for a, b in zip(ps, ps[1:], strict=False)]
    steps = sum(1 for x in iv if 0 < abs(x) <= 2) / len(iv)
    step_s = 1.0 if 0.4 <= steps <= 0.85 else max(0.0, 1 - abs(steps - 0.62) * 2.5)
    leaps = [i for i, x in enumerate(iv) if abs(x) > 4]
    recovered = sum(1 for i in leaps if i + 1 < len(iv) and iv[i + 1] * iv[i] < 0 and abs(iv[i + 1]) <= 4)
    leap_s = 1.0 if not leaps else recovered / len(leaps)
    tritones = sum(1 for x in iv if abs(x) == 6)
    big = sum(1 for x in iv if abs(x) > 12)
    penalty = 0.25 * tritones + 0.3 * big
    score = max(0.0, min(1.0, 0.35 * climax + 0.35 * step_s + 0.3 * leap_s - penalty))
    what = (f"climax {'single' if clusters == 1 else 'repeated'} at {where:.0%}, {steps:.0%} steps, "
            f"{recovered}/{len(leaps)} leaps recovered" + (f", {tritones} tritone leap(s)" if tritones else ""))
    return round(score, 3), what


def beat_length(meter: tuple[int, int]) -> float:
    """The felt beat in quarter beats: a dotted quarter in compound meters, else the denominator."""
    num, den = meter
    return 3 * 4.0 / den if (num % 3 == 0 and num > 3) else 4.0 / den


def rhythm_character(bar_notes: Line, meter: tuple[int, int]) -> str | None:
    """What gives a bar's rhythm its character, if anything: 'dotted' (a long-short pair 3:1),
    'syncopated' (a note struck off the beat and held over the next beat), 'long-short' (a note
    at least twice the next), 'short-long' (an upbeat into a longer note), None for an even
    run (every note the same length) or a single note.

    >>> rhythm_character([(60, 0, 1.5), (62, 1.5, 0.5), (64, 2, 1), (65, 3, 1)], (4, 4))
    'dotted'
    >>> rhythm_character([(60, 0, 0.5), (62, 0.5, 1), (64, 1.5, 0.5), (65, 2, 2)], (4, 4))
    'syncopated'
    >>> rhythm_character([(60, 0, 1), (62, 1, 1), (64, 2, 1), (65, 3, 1)], (4, 4)) is None
    True
    """
    if len(bar_notes) < 2:
        return None
    ioi = [b[1] - a[1] for a, b in zip(bar_notes, bar_notes[1:], strict=False)] + [bar_notes[-1][2]]
    if max(ioi) - min(ioi) < 1e-6:
        return None
    beat = beat_length(meter)
    t0 = bar_notes[0][1] - (bar_notes[0][1] % bar_length_beats(meter))
    for (_, s, _), d in zip(bar_notes, ioi, strict=True):
        pos = (s - t0) / beat
        if abs(pos - round(pos)) > 1e-6 and s + d > (math.floor(pos) + 1) * beat + t0 + 1e-6:
            return "syncopated"
    pairs = list(zip(ioi, ioi[1:], strict=False))
    if any(abs(a - 3 * b) < 1e-6 for a, b in pairs):
        return "dotted"
    if any(a >= 2 * b - 1e-6 for a, b in pairs):
        return "long-short"
    if any(b >= 2 * a - 1e-6 for a, b in pairs):
        return "short-long"
    return None


def rhythm_score(line: Line, meter: tuple[int, int], motif: Motif) -> tuple[float, str]:
    """Rhythmic identity: a head cell with a character of its own (dotted, syncopated,
    long-short, an upbeat into a long note; :func:`rhythm_character`) that recurs, several
    durations, bars that echo each other; a line of mostly one note value is plain."""
    durs_all = [round(d, 3) for _, _, d in line[:-1]]  # the final note is long in every theme
    durs = set(durs_all)
    variety = min(1.0, (len(durs) - 1) / 2)
    cell = min(1.0, len(motif.returns) / 2)
    bar = bar_length_beats(meter)
    bars: dict[int, tuple[float, ...]] = {}
    first_bar = []
    for p, s, d in line:
        b = int((s - line[0][1]) // bar + 1e-9)
        bars[b] = bars.get(b, ()) + (round((s - line[0][1]) % bar, 3),)
        if b == 0:
            first_bar.append((p, s, d))
    pats = list(bars.values())
    echo = sum(1 for i, x in enumerate(pats) if any(x == y for j, y in enumerate(pats) if j != i))
    echo_s = echo / max(1, len(pats))
    character = rhythm_character(first_bar, meter)
    plain = bool(durs_all) and max(durs_all.count(d) for d in durs) / len(durs_all) >= 0.8
    score = 0.25 * variety + 0.25 * cell + 0.2 * min(1.0, echo_s / 0.5) + 0.3 * (character is not None)
    if plain:
        score *= 0.75
    return round(score, 3), (f"head cell {character or 'even'}{', mostly one note value' if plain else ''}, "
                             f"{len(durs)} durations, returns {len(motif.returns)}x, "
                             f"{echo}/{len(pats)} bars share a rhythm")


def range_score(line: Line, comfortable: tuple[int, int] | None) -> tuple[float, str]:
    lo = min(p for p, _, _ in line)
    hi = max(p for p, _, _ in line)
    span = hi - lo
    s = 1.0 if SINGABLE[0] <= span <= SINGABLE[1] else max(0.0, 1 - 0.15 * min(abs(span - 7), abs(span - 19)))
    inside = comfortable is None or (comfortable[0] <= lo and hi <= comfortable[1])
    if not inside:
        s *= 0.3
    return round(s, 3), f"range {span} semitones ({lo}-{hi})" + ("" if inside else ", outside the comfortable range")


def bits_to_score(bits_per_note: float) -> float:
    """Model likelihood as a score: 2 bits/note (real-melody level) -> 1.0, 5 bits -> 0.0."""
    if not math.isfinite(bits_per_note):
        return 0.0
    return round(max(0.0, min(1.0, (5.0 - bits_per_note) / 3.0)), 3)
