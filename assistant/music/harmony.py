"""Chords per bar: a pitch-class template matcher, chord tokens and chord symbols.

The corpus has 316k bars; music21's ``chordify`` + Roman-numeral analysis over all of them
costs far more than the whole CPU budget, so the per-bar chord labels come from a fast
template matcher over **all parts** of a piece (the full texture of chorales, keyboard and
ensemble pieces; the line alone for solo songs):

* a bar's pitch-class weights are the sounding time of each note inside the bar (notes held
  over the bar line count), times 1.5 for notes that start on a beat, plus half a weight
  for the lowest sounding pitch class (the bass suggests the root);
* each of 12 roots × :data:`QUALITIES` scores ``in - 0.6 out - 0.15 missing`` (shares of
  the bar's weight inside / outside the template; a chord tone with no weight costs), and the
  seventh chord wins over its triad only when its seventh is actually there;
* an empty bar is ``NC``.

Tokens are absolute (``Chord_<root pc>_<quality>``, so transposition is a shift of the root);
chord *plans* are written relative to a key (Roman numerals, ``"V7"``, ``"iv"``, ``"bVI"``) or
absolute (``"Dm"``, ``"G7"``) and converted by :func:`parse_chord`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

QUALITIES = ("maj", "min", "dim", "aug", "dom7")
TEMPLATES = {"maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8), "dom7": (0, 4, 7, 10)}
CHORD_TOKENS = [f"Chord_{r}_{q}" for r in range(12) for q in QUALITIES] + ["Chord_NC", "Chord_none"]
NAMES_SHARP = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
_LETTER = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ROMAN = {"I": 0, "II": 1, "III": 2, "IV": 3, "V": 4, "VI": 5, "VII": 6}
MAJOR_STEPS = (0, 2, 4, 5, 7, 9, 11)
MINOR_STEPS = (0, 2, 3, 5, 7, 8, 10)  # natural minor; V and vii° are raised below


def _template_matrix() -> tuple[np.ndarray, list[tuple[int, str]]]:
    rows, labels = [], []
    for q in QUALITIES:
        for r in range(12):
            v = np.zeros(12)
            for iv in TEMPLATES[q]:
                v[(r + iv) % 12] = 1.0
            rows.append(v)
            labels.append((r, q))
    return np.array(rows), labels


_T, _LABELS = _template_matrix()
_T_SIZE = _T.sum(axis=1)


def match_chord(weights: np.ndarray, bass_pc: int | None = None) -> tuple[int, str] | None:
    """Best (root pc, quality) for a 12-bin pitch-class weight vector; None when it is empty."""
    w = np.asarray(weights, dtype=float).copy()
    total = w.sum()
    if total <= 0:
        return None
    w /= total
    inside = _T @ w
    present = (_T * (w > 0.02)[None, :]).sum(axis=1)
    score = inside - 0.6 * (1.0 - inside) - 0.15 * (_T_SIZE - present)
    if bass_pc is not None:
        score += 0.05 * np.array([r == bass_pc for r, _q in _LABELS])
    # a seventh chord only when its seventh sounds: otherwise its triad
    for i, (r, q) in enumerate(_LABELS):
        if q == "dom7" and w[(r + 10) % 12] < 0.08:
            score[i] = -np.inf
    return _LABELS[int(np.argmax(score))]


def bar_chords(notes: Sequence[tuple[int, float, float]], bar_starts_q: Sequence[float], end_q: float
               ) -> list[tuple[int, str] | None]:
    """A chord per bar (``None``: an empty bar) from ``(pitch, start_q, dur_q)`` notes of all parts."""
    starts = list(bar_starts_q)
    if not starts:
        return []
    ends = starts[1:] + [max(end_q, starts[-1] + 1e-6)]
    if not len(notes):
        return [None] * len(starts)
    arr = np.asarray([(p, s, d) for p, s, d in notes], dtype=float)
    pcs = arr[:, 0].astype(int) % 12
    on, off = arr[:, 1], arr[:, 1] + arr[:, 2]
    out: list[tuple[int, str] | None] = []
    for a, b in zip(starts, ends, strict=True):
        ov = np.minimum(off, b) - np.maximum(on, a)
        m = ov > 1e-9
        if not m.any():
            out.append(None)
            continue
        wt = ov[m] * np.where(np.abs((on[m] - a) % 1.0) < 1e-6, 1.5, 1.0) * (on[m] >= a - 1e-9) + \
            ov[m] * 0.75 * (on[m] < a - 1e-9)  # held over the bar line: a little less
        w = np.bincount(pcs[m], weights=wt, minlength=12)
        low = int(arr[m, 0].min()) % 12
        w[low] += 0.5 * wt.sum() / max(m.sum(), 1)
        out.append(match_chord(w, low))
    return out


def chord_token(ch: tuple[int, str] | None) -> str:
    """``Chord_<root>_<quality>`` (``Chord_NC`` for no chord)."""
    return "Chord_NC" if ch is None else f"Chord_{ch[0] % 12}_{ch[1]}"


def chord_name(ch: tuple[int, str] | None) -> str:
    """A lead-sheet symbol: ``C``, ``Dm``, ``Bdim``, ``Eb+``, ``G7``; ``N.C.`` for none."""
    if ch is None:
        return "N.C."
    r, q = ch
    return NAMES_SHARP[r % 12] + {"maj": "", "min": "m", "dim": "dim", "aug": "+", "dom7": "7"}[q]


def roman(ch: tuple[int, str] | None, tonic: int, mode: str) -> str:
    """The chord as a Roman numeral relative to a key (``V7``, ``iv``, ``bVI``, ``vii°``).

    >>> roman((7, "dom7"), 0, "major"), roman((5, "min"), 0, "minor"), roman((8, "maj"), 0, "major")
    ('V7', 'iv', 'bVI')
    """
    if ch is None:
        return "N.C."
    r, q = ch
    iv = (r - tonic) % 12
    steps = MAJOR_STEPS if mode == "major" else MINOR_STEPS
    names = ["I", "II", "III", "IV", "V", "VI", "VII"]
    if iv in steps:
        deg, acc = names[steps.index(iv)], ""
    elif mode == "minor" and iv == 11 and q == "dim":  # vii° on the leading note
        deg, acc = "VII", ""
    elif mode == "minor" and iv in (9, 11):  # raised sixth and seventh of the melodic minor
        deg, acc = names[steps.index(iv - 1)], "#"
    elif mode == "major" and iv == 6:
        deg, acc = "IV", "#"
    elif (iv + 1) % 12 in steps:
        deg, acc = names[steps.index((iv + 1) % 12)], "b"
    else:
        deg, acc = names[steps.index((iv - 1) % 12)], "#"
    if q in ("min", "dim"):
        deg = deg.lower()
    return acc + deg + {"maj": "", "min": "", "dim": "°", "aug": "+", "dom7": "7"}[q]


_ABS = re.compile(r"^([A-G])([#b]?)(m|min|dim|°|o|\+|aug|7|maj)?$")
_REL = re.compile(r"^([#b]?)(VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)(°|o|\+|7)?$")


def parse_chord(symbol: str, tonic: int, mode: str) -> tuple[int, str] | None:
    """A chord from a Roman numeral relative to the key (``I``, ``V7``, ``iv``, ``bVI``, ``vii°``;
    in minor ``V`` and ``vii°`` are on the raised seventh's scale) or an absolute symbol
    (``Dm``, ``G7``, ``F#dim``, ``Bb``, ``Eb+``). ``N.C.`` gives None. Bad input: ValueError.

    >>> parse_chord("V7", 2, "minor"), parse_chord("iv", 2, "minor"), parse_chord("Dm", 0, "major")
    ((9, 'dom7'), (7, 'min'), (2, 'min'))
    """
    s = symbol.strip()
    if s.upper() in ("N.C.", "NC", "N.C"):
        return None
    m = _REL.match(s)
    if m:
        acc, num, suf = m.groups()
        deg = _ROMAN[num.upper()]
        steps = MAJOR_STEPS if mode == "major" else MINOR_STEPS
        iv = steps[deg] + {"#": 1, "b": -1, "": 0}[acc]
        if mode == "minor" and not acc and deg == 6 and (suf in ("°", "o") or num.islower()):
            iv = 11  # vii° in minor: the leading note
        if suf == "7":
            q = "dom7"
        elif suf in ("°", "o"):
            q = "dim"
        elif suf == "+":
            q = "aug"
        else:
            q = "min" if num.islower() else "maj"
        if mode == "minor" and not acc and deg == 4 and num.isupper():
            iv = 7  # V (and V7) in minor: major dominant on the fifth degree
        return ((tonic + iv) % 12, q)
    m = _ABS.match(s)
    if m:
        letter, acc, suf = m.groups()
        root = (_LETTER[letter] + {"#": 1, "b": -1, "": 0}[acc]) % 12
        q = {None: "maj", "maj": "maj", "m": "min", "min": "min", "dim": "dim", "°": "dim", "o": "dim",
             "+": "aug", "aug": "aug", "7": "dom7"}[suf]
        return (root, q)
    raise ValueError(f"unknown chord symbol {symbol!r} (use a Roman numeral such as V7 or iv, or a "
                     "symbol such as Dm or G7)")


def chord_tones(ch: tuple[int, str]) -> set[int]:
    """Pitch classes of a chord."""
    r, q = ch
    return {(r + iv) % 12 for iv in TEMPLATES[q]}


def pitch_class(name: str) -> int:
    """Pitch class of a note name (``C``, ``F#``, ``Bb``, ``Eb``). ValueError otherwise."""
    m = re.match(r"^([A-Ga-g])([#b♯♭]?)$", name.strip())
    if not m:
        raise ValueError(f"unknown key tonic {name!r} (use a note name such as D, F# or Bb)")
    return (_LETTER[m.group(1).upper()] + {"#": 1, "♯": 1, "b": -1, "♭": -1, "": 0}[m.group(2)]) % 12


def chord_plan(symbols: Sequence[str | None], bars: int, tonic: int | None, mode: str | None
               ) -> list[tuple[int, str] | None | str]:
    """One chord per bar from plan symbols (cycled when shorter than ``bars``): ``(root, quality)``,
    None for "no chord" (``N.C.``), or ``"free"`` for ``None``/``"*"`` entries (the model chooses).
    Roman numerals need the key. ValueError on bad symbols or a plan longer than ``bars``."""
    syms = list(symbols)
    if not syms:
        return ["free"] * bars
    if len(syms) > bars:
        raise ValueError(f"chord plan has {len(syms)} chords for {bars} bars")
    out: list[tuple[int, str] | None | str] = []
    for i in range(bars):
        sym = syms[i % len(syms)]
        if sym is None or str(sym).strip() in ("", "*"):
            out.append("free")
            continue
        if _REL.match(str(sym).strip()) and tonic is None:
            raise ValueError(f"Roman numeral {sym!r} needs a key (key=(tonic, mode))")
        out.append(parse_chord(str(sym), tonic or 0, mode or "major"))
    return out


def strong_beats_q(num: int, den: int) -> list[float]:
    """Strong-beat offsets inside a bar in quarter notes: the downbeat, plus the middle of
    bars that divide in two (2/4, 4/4, 6/8, 12/8, 6/4 ...)."""
    bar_q = num * 4.0 / den
    compound = den == 8 and num % 3 == 0
    groups = num // 3 if compound else num
    if groups % 2 == 0 and groups >= 2:
        return [0.0, bar_q / 2]
    return [0.0]


def chord_tone_rate(notes: Sequence[tuple[int, float, float]], plan: Sequence[tuple[int, str] | None],
                    bar_starts_q: Sequence[float], meter: tuple[int, int]) -> tuple[int, int]:
    """(chord tones, melody notes) on the strong beats of the planned bars: the melody is the
    highest sounding note at each strong beat; bars planned as None are skipped."""
    hits = total = 0
    beats = strong_beats_q(*meter)
    for bar, ch in zip(bar_starts_q, plan, strict=False):
        if ch is None or isinstance(ch, str):
            continue
        tones = chord_tones(ch)
        for off in beats:
            t = bar + off
            sounding = [p for p, s, d in notes if s <= t + 1e-6 < s + d]
            if not sounding:
                continue
            total += 1
            hits += int(max(sounding) % 12 in tones)
    return hits, total


# --------------------------------------------------------------------------- plan constraints
HARMONIC_MINOR_STEPS = (0, 2, 3, 5, 7, 8, 11)  # the minor scale of the constraint: raised seventh


def constraint_scale(tonic: int, mode: str) -> frozenset[int]:
    """Pitch classes a planned melody may use anywhere: the major scale, or in minor the
    harmonic minor (the raised seventh is what makes a minor tonic audible; the natural
    seventh returns only over chords that contain it, e.g. ``VII`` and ``III``).

    >>> sorted(constraint_scale(2, "minor"))
    [1, 2, 4, 5, 7, 9, 10]
    """
    steps = MAJOR_STEPS if mode == "major" else HARMONIC_MINOR_STEPS
    return frozenset((tonic + s) % 12 for s in steps)


def tonic_triad(tonic: int, mode: str) -> frozenset[int]:
    """Pitch classes of the tonic chord (``I`` or ``i``)."""
    return frozenset(chord_tones((tonic, "maj" if mode == "major" else "min")))


def strong_positions(num: int, den: int, per_beat: int = 12) -> tuple[int, ...]:
    """:func:`strong_beats_q` as REMI positions (``per_beat`` per beat of the denominator).

    >>> strong_positions(4, 4), strong_positions(3, 4), strong_positions(6, 8)
    ((0, 24), (0,), (0, 36))
    """
    return tuple(int(round(q * den / 4 * per_beat)) for q in strong_beats_q(num, den))
