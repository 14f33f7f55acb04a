"""What makes a theme a theme: motif extraction, the structural checks and the ranking scores.

Everything here works on a monophonic line of ``(pitch, start_beats, dur_beats)`` triples (a
score's skyline) plus its meter and key, so the same checks judge generated themes and the
held-out real melodies of the benchmark (``assistant.themes.bench``).

Structural checks (each True/False, see :func:`structural_checks`):

* ``key``: music21's key analysis finds the requested tonic and mode; a church mode (which
  music21 cannot name) must be heard as its tonic with the parent major/minor quality among
  the two best readings, end on the tonic, and sound its characteristic degree; for a real
  melody with no requested key, the analysed tonic must be the final note (the tonic by
  convention);
* ``cadence``: the last note is the tonic, starts on a strong beat and lasts >= 1 beat;
* ``motif_return``: the head motif (:func:`extract_motif`, at least its first 3 notes) comes
  back later at the same place in the bar, exactly or as a sequence (same rhythm and contour,
  intervals within a semitone; :func:`head_returns`);
* ``range``: a 5th to a 12th (7-19 semitones), inside the instrument's comfortable range when given;
* ``repeated_notes``: no more than 3 equal pitches in a row.

>>> line = [(60, 0, 1), (62, 1, 1), (64, 2, 2), (62, 4, 1), (64, 5, 1), (65, 6, 2), (60, 8, 4)]
>>> extract_motif(line, (4, 4)).intervals
[2, 2]
>>> max_repeat_run([(60, 0, 1)] * 4 + [(62, 4, 1)])
4
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from assistant.themes.theory import CHARACTERISTIC, MODES, PARENT_QUALITY, scale_pcs

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


def bar_length_beats(meter: tuple[int, int]) -> float:
    return meter[0] * 4.0 / meter[1]


def strong_beats(meter: tuple[int, int]) -> list[float]:
    """Positions (in quarter beats from the bar line) of the strong beats of a meter."""
    num, den = meter
    bar = bar_length_beats(meter)
    if den == 8 and num % 3 == 0 and num > 3:  # compound: every dotted-quarter group's first is a beat
        groups = num // 3
        return [0.0] if groups == 3 else [0.0, bar / 2] if groups % 2 == 0 else [0.0]
    if num == 4:
        return [0.0, 2.0 * 4 / den]
    if num == 6 and den == 4:
        return [0.0, 3.0]
    return [0.0]


def on_strong_beat(start: float, meter: tuple[int, int], origin: float = 0.0) -> bool:
    bar = bar_length_beats(meter)
    pos = (start - origin) % bar
    return any(abs(pos - s) < 1e-6 or abs(pos - s - bar) < 1e-6 for s in strong_beats(meter))


def max_repeat_run(line: Line) -> int:
    best = run = 0
    prev = None
    for p, _, _ in line:
        run = run + 1 if p == prev else 1
        prev = p
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


def head_returns(line: Line, meter: tuple[int, int], k: int = 3, origin: float = 0.0) -> list[tuple[int, str]]:
    """Where the opening ``k`` notes come back at the same place in the bar, exactly or as a
    sequence (same rhythm and contour, intervals within a semitone): the motif-return check."""
    if len(line) < 2 * k:
        return []
    bar = bar_length_beats(meter)
    pos0 = (line[0][1] - origin) % bar
    out = []
    for j in range(k, len(line) - k + 1):
        if abs(((line[j][1] - origin) % bar) - pos0) > 1e-6:
            continue
        m = _match(line, 0, j, k)
        if m in ("exact", "sequence"):
            out.append((j, m))
    return out


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
    m21 = _m21()
    s = m21.stream.Stream()
    for p, start, dur in line:
        n = m21.note.Note(int(p))
        n.quarterLength = max(float(dur), 1 / 12)
        s.insert(float(start), n)
    k = s.analyze("key")
    return k.tonic.pitchClass, k.mode, float(getattr(k, "correlationCoefficient", 0.0) or 0.0)


def analyse_keys(line: Line, top: int = 3) -> list[tuple[int, str]]:
    """music21's best ``top`` key interpretations of a line, best first: [(tonic pc, mode)]."""
    m21 = _m21()
    s = m21.stream.Stream()
    for p, start, dur in line:
        n = m21.note.Note(int(p))
        n.quarterLength = max(float(dur), 1 / 12)
        s.insert(float(start), n)
    k = s.analyze("key")
    alts = [k] + list(getattr(k, "alternateInterpretations", []) or [])[: top - 1]
    return [(a.tonic.pitchClass, a.mode) for a in alts]


def key_ok(line: Line, tonic: int | None, mode: str | None) -> tuple[bool, str]:
    """The key check (see the module docstring) and what was found, for the reasons."""
    if not line:
        return False, "no notes"
    return _key_ok(tuple((int(p), float(s), float(d)) for p, s, d in line), tonic, mode)


@lru_cache(maxsize=4096)
def _key_ok(line: tuple[tuple[int, float, float], ...], tonic: int | None, mode: str | None) -> tuple[bool, str]:
    if mode in CHARACTERISTIC:
        return _modal_key_ok(line, tonic, mode)  # type: ignore[arg-type]
    at, am, _ = analyse_key(line)
    if tonic is None:
        want_t = line[-1][0] % 12
        return at == want_t, f"analysed tonic {at} vs final {want_t}"
    want_q = PARENT_QUALITY.get(mode or "major", "major")
    in_scale = sum(d for p, _, d in line if p % 12 in scale_pcs(tonic, mode or "major")) / max(
        1e-9, sum(d for _, _, d in line))
    ok = at == tonic and am == want_q and in_scale >= 0.9
    return ok, f"music21 hears {at}/{am}, {in_scale:.0%} of the time in the scale"


def _modal_key_ok(line: Line, tonic: int, mode: str) -> tuple[bool, str]:
    """A church mode: music21 (major/minor only) hears the tonic with the mode's parent quality
    among its two best readings (lydian is easily heard in its dominant, mixolydian in its
    subdominant), the line ends on the tonic, stays in the mode's scale, and its characteristic
    degree (dorian 6, phrygian b2, lydian #4, mixolydian b7) sounds."""
    want_q = PARENT_QUALITY[mode]
    keys = analyse_keys(line, 2)
    heard = (tonic, want_q) in keys
    total = max(1e-9, sum(d for _, _, d in line))
    in_scale = sum(d for p, _, d in line if p % 12 in scale_pcs(tonic, mode)) / total
    pc = (tonic + MODES[mode][CHARACTERISTIC[mode]]) % 12
    has = any(p % 12 == pc for p, _, _ in line)
    ends = line[-1][0] % 12 == tonic
    ok = heard and in_scale >= 0.9 and has and ends
    return ok, (f"music21 hears {' or '.join(f'{t}/{m}' for t, m in keys)}, {in_scale:.0%} of the time in the "
                f"scale, its {mode} degree {'sounds' if has else 'never sounds'}")


# ----------------------------------------------------------------------------- checks
def structural_checks(line: Line, meter: tuple[int, int], tonic: int | None = None,
                      mode: str | None = None, instrument_range: tuple[int, int] | None = None,
                      origin_beats: float = 0.0) -> dict[str, bool]:
    """The five structural checks of the benchmark (module docstring)."""
    line = [tuple(x) for x in line]  # type: ignore[misc]
    if len(line) < 3:
        return dict.fromkeys(CHECKS, False)
    fin = tonic if tonic is not None else line[-1][0] % 12
    last = line[-1]
    cadence = last[0] % 12 == fin and on_strong_beat(last[1], meter, origin_beats) and last[2] >= 1.0 - 1e-9
    motif = extract_motif(line, meter)
    lo = min(p for p, _, _ in line)
    hi = max(p for p, _, _ in line)
    rng = SINGABLE[0] <= hi - lo <= SINGABLE[1]
    if instrument_range is not None:
        rng = rng and instrument_range[0] <= lo and hi <= instrument_range[1]
    return {
        "key": key_ok(line, tonic, mode)[0],
        "cadence": bool(cadence),
        "motif_return": bool(head_returns(line, meter, max(3, motif.length), origin_beats)),
        "range": bool(rng),
        "repeated_notes": max_repeat_run(line) <= MAX_REPEATS,
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


def rhythm_score(line: Line, meter: tuple[int, int], motif: Motif) -> tuple[float, str]:
    """Rhythmic identity: the head cell recurs, several durations, bars that echo each other."""
    durs = {round(d, 3) for _, _, d in line[:-1]}  # the final note is long in every theme
    variety = min(1.0, (len(durs) - 1) / 2)
    cell = min(1.0, len(motif.returns) / 2)
    bar = bar_length_beats(meter)
    bars: dict[int, tuple[float, ...]] = {}
    for _p, s, _d in line:
        b = int((s - line[0][1]) // bar + 1e-9)
        bars[b] = bars.get(b, ()) + (round((s - line[0][1]) % bar, 3),)
    pats = list(bars.values())
    echo = sum(1 for i, x in enumerate(pats) if any(x == y for j, y in enumerate(pats) if j != i))
    echo_s = echo / max(1, len(pats))
    score = 0.35 * variety + 0.35 * cell + 0.3 * min(1.0, echo_s / 0.5)
    return round(score, 3), f"{len(durs)} durations, head cell returns {len(motif.returns)}x, " \
                            f"{echo}/{len(pats)} bars share a rhythm"


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
