"""Music theory for drafting: keys, modes, chords as Roman numerals, voicings.

Pitch classes are integers 0-11 (C = 0); pitches are MIDI numbers (C4 = 60). Roman
numerals are read relative to the *major* scale of the tonic, with explicit accidentals
for borrowed degrees, the way film composers write them (``bVI bVII I`` in a major key,
``i bVI iv V`` in a minor one). Case gives the quality (``IV`` major, ``iv`` minor);
suffixes ``°`` (or ``o``) diminished, ``+`` augmented, ``7``, ``maj7``, ``sus4``, ``sus2``,
``5`` (open fifth) and ``cl`` (a cluster: root, minor second, tritone). ``/N`` puts a
pedal or inversion bass on scale degree N of the key (``i/5``: tonic over the dominant).

>>> Key.parse("Bb minor").name
'Bb minor'
>>> chord_from_roman("bVI", Key(2, "minor")).symbol
'Bb'
>>> chord_from_roman("V7", Key(0, "major")).pcs
(7, 11, 2, 5)
>>> chord_from_roman("i/5", Key(9, "minor")).bass_pc
4
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from assistant.errors import InputError
from assistant.themes.theory import MODES

PITCH_NAMES: tuple[str, ...] = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MAJOR_TONICS = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_MINOR_TONICS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")
_LETTER = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

#: scale steps (semitones above the tonic) of each mode the drafts use: the themes' table
#: (one source for both) plus the whole-tone colour of mystery cues
MODE_STEPS: dict[str, tuple[int, ...]] = {
    **{mode: steps for mode, steps in MODES.items() if mode != "aeolian"},
    "whole_tone": (0, 2, 4, 6, 8, 10),
}
MINOR_LIKE = ("minor", "harmonic_minor", "dorian", "phrygian")

_QUALITY_STEPS: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8),
    "7": (0, 4, 7, 10), "maj7": (0, 4, 7, 11), "m7": (0, 3, 7, 10), "m7b5": (0, 3, 6, 10),
    "sus4": (0, 5, 7), "sus2": (0, 2, 7), "5": (0, 7), "cl": (0, 1, 6), "add9": (0, 4, 7, 2),
    "madd9": (0, 3, 7, 2),
}
_SUFFIX = {"maj": "", "min": "m", "dim": "dim", "aug": "+", "7": "7", "maj7": "maj7", "m7": "m7",
           "m7b5": "m7b5", "sus4": "sus4", "sus2": "sus2", "5": "5", "cl": "(cluster)",
           "add9": "add9", "madd9": "m(add9)"}
_NUMERALS = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}
_ROMAN_RE = re.compile(r"^(?P<acc>[b#]*)(?P<num>vii|iii|ii|iv|vi|v|i)(?P<suf>°|o|\+|maj7|m7b5|7|"
                       r"sus4|sus2|5|cl|add9)?(?:/(?P<bass>[b#]?[1-7]))?$", re.IGNORECASE)


FLAT_NAMES: tuple[str, ...] = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
SHARP_NAMES: tuple[str, ...] = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_SHARP_MAJOR_TONICS = {7, 2, 9, 4, 11}  # G D A E B major: sharp key signatures (F#/Gb: flats)


def pc_name(pc: int, key: Key | None = None) -> str:
    """Note name of pitch class ``pc``, spelled for ``key`` (flats in flat keys).

    >>> pc_name(6, Key(10, "major")), pc_name(6, Key(2, "major")), pc_name(8)
    ('Gb', 'F#', 'Ab')
    """
    if key is None:
        return PITCH_NAMES[pc % 12]
    major_tonic = key.tonic if not key.is_minor else (key.tonic + 3) % 12
    if key.mode == "dorian":
        major_tonic = (key.tonic - 2) % 12
    elif key.mode == "phrygian":
        major_tonic = (key.tonic - 4) % 12
    elif key.mode == "lydian":
        major_tonic = (key.tonic + 7) % 12
    elif key.mode == "mixolydian":
        major_tonic = (key.tonic + 5) % 12
    sharp = major_tonic in _SHARP_MAJOR_TONICS
    if sharp and not key.is_minor and (pc - key.tonic) % 12 in (1, 3, 8, 10):
        return FLAT_NAMES[pc % 12]  # borrowed bII, bIII, bVI, bVII keep their flats
    return (SHARP_NAMES if sharp else FLAT_NAMES)[pc % 12]


def parse_pc(name: str) -> int:
    """Pitch class of a note name such as ``"F#"``, ``"Bb"``, ``"eb"``.

    >>> parse_pc("F#"), parse_pc("Bb"), parse_pc("cb")
    (6, 10, 11)
    """
    t = str(name).strip().replace("♭", "b").replace("♯", "#")
    if not t or t[0].upper() not in _LETTER:
        raise InputError(f"cannot read note name {name!r}", field="key")
    pc = _LETTER[t[0].upper()]
    for ch in t[1:]:
        if ch == "#":
            pc += 1
        elif ch in "b-":
            pc -= 1
        else:
            raise InputError(f"cannot read note name {name!r}", field="key")
    return pc % 12


@dataclass(frozen=True)
class Key:
    """A tonic pitch class and a mode from :data:`MODE_STEPS`."""

    tonic: int
    mode: str = "major"

    def __post_init__(self) -> None:
        if self.mode not in MODE_STEPS:
            raise InputError(f"unknown mode {self.mode!r}", field="mode")
        object.__setattr__(self, "tonic", int(self.tonic) % 12)

    @classmethod
    def parse(cls, text: str, default_mode: str = "major") -> Key:
        """``"D minor"``, ``"Bb"``, ``"F# dorian"``, ``"Am"`` → Key."""
        t = str(text).strip()
        m = re.match(r"^([A-Ga-g][#b♭♯]?)\s*(m(?:in(?:or)?)?|maj(?:or)?|[a-z_ ]+)?$", t)
        if not m:
            raise InputError(f"cannot read key {text!r}", field="key")
        mode = (m.group(2) or "").strip().lower().replace(" ", "_")
        if mode in ("m", "min", "minor"):
            mode = "minor"
        elif mode in ("", "maj", "major"):
            mode = default_mode if not mode else "major"
        elif mode == "modal":
            mode = "dorian"
        if mode not in MODE_STEPS:
            raise InputError(f"unknown mode {mode!r} in key {text!r}", field="key")
        return cls(parse_pc(m.group(1)), mode)

    @property
    def is_minor(self) -> bool:
        return self.mode in MINOR_LIKE

    @property
    def name(self) -> str:
        names = _MINOR_TONICS if self.is_minor else _MAJOR_TONICS
        return f"{names[self.tonic]} {self.mode.replace('_', ' ')}"

    @property
    def scale_pcs(self) -> tuple[int, ...]:
        return tuple((self.tonic + s) % 12 for s in MODE_STEPS[self.mode])

    def degree_pc(self, degree: int) -> int:
        """Pitch class of 1-based scale ``degree`` (wraps)."""
        steps = MODE_STEPS[self.mode]
        return (self.tonic + steps[(degree - 1) % len(steps)]) % 12

    def transposed(self, semitones: int) -> Key:
        return Key((self.tonic + semitones) % 12, self.mode)

    def with_mode(self, mode: str) -> Key:
        return Key(self.tonic, mode)

    def relative(self) -> Key:
        """Relative major/minor (C major <-> A minor)."""
        if self.is_minor:
            return Key(self.tonic + 3, "major")
        return Key(self.tonic + 9, "minor")

    def snap(self, pitch: int) -> int:
        """Nearest pitch in the scale (ties go down)."""
        pcs = set(self.scale_pcs)
        for d in (0, -1, 1, -2, 2):
            if (pitch + d) % 12 in pcs:
                return pitch + d
        return pitch


@dataclass(frozen=True)
class Chord:
    """A chord: root pitch class, quality (:data:`_QUALITY_STEPS` key), bass pitch class
    (the root unless inverted or over a pedal) and the Roman numeral it came from."""

    root: int
    quality: str = "maj"
    bass_pc: int | None = None
    roman: str = ""

    @property
    def pcs(self) -> tuple[int, ...]:
        return tuple((self.root + s) % 12 for s in _QUALITY_STEPS[self.quality])

    @property
    def bass(self) -> int:
        return self.root if self.bass_pc is None else self.bass_pc

    @property
    def third_pc(self) -> int | None:
        steps = _QUALITY_STEPS[self.quality]
        third = [s for s in steps if s in (3, 4)]
        return (self.root + third[0]) % 12 if third else None

    @property
    def symbol(self) -> str:
        return self.spelled()

    def spelled(self, key: Key | None = None) -> str:
        """Chord symbol with note names spelled for ``key``."""
        if self.roman.startswith("#"):  # a raised degree is spelled with a sharp
            root = SHARP_NAMES[self.root % 12]
        elif self.roman.startswith("b"):
            root = FLAT_NAMES[self.root % 12]
        else:
            root = pc_name(self.root, key)
        s = root + _SUFFIX[self.quality]
        if self.bass_pc is not None and self.bass_pc != self.root:
            s += "/" + pc_name(self.bass_pc, key)
        return s

    @property
    def is_dissonant(self) -> bool:
        return self.quality in ("cl", "dim", "aug", "m7b5")


def chord_from_roman(roman: str, key: Key) -> Chord:
    """A :class:`Chord` from a Roman numeral relative to ``key`` (see module docstring)."""
    m = _ROMAN_RE.match(roman.strip())
    if not m:
        raise InputError(f"cannot read Roman numeral {roman!r}", field="harmony")
    num = m.group("num")
    degree = _NUMERALS[num.lower()]
    root = key.tonic + MODE_STEPS["major"][degree]
    for ch in m.group("acc"):
        root += 1 if ch == "#" else -1
    upper = num.isupper()
    suf = (m.group("suf") or "").lower()
    if suf in ("°", "o"):
        quality = "dim"
    elif suf == "+":
        quality = "aug"
    elif suf == "7":
        quality = "7" if upper else "m7"
    elif suf in ("maj7", "m7b5", "sus4", "sus2", "5", "cl"):
        quality = suf
    elif suf == "add9":
        quality = "add9" if upper else "madd9"
    else:
        quality = "maj" if upper else "min"
    bass = None
    if m.group("bass"):
        b = m.group("bass")
        shift = b.count("#") - b.count("b")
        bass = (key.tonic + MODE_STEPS["major"][int(b[-1]) - 1] + shift) % 12
        if key.is_minor and b[-1] in "367" and not shift:
            bass = key.degree_pc(int(b[-1]))
    return Chord(root % 12, quality, bass, roman)


def nearest_pitch(pc: int, target: float, lo: int = 0, hi: int = 127) -> int:
    """The pitch of class ``pc`` nearest ``target`` inside [lo, hi] (clamped by octaves)."""
    base = int(round(target))
    best = None
    for p in range(base - 6, base + 7):
        if p % 12 == pc % 12:
            best = p
            break
    assert best is not None
    while best < lo:
        best += 12
    while best > hi:
        best -= 12
    return best


def voice_chord(chord: Chord, previous: list[int] | None, n_voices: int, lo: int, hi: int,
                top_target: float | None = None) -> list[int]:
    """Voice ``chord`` in ``n_voices`` upper voices inside [lo, hi], moving each voice as
    little as possible from ``previous`` (smooth voice leading), with the root and third
    present, no crossing, no unisons and no parallel fifths or octaves with ``previous``.
    Returned low to high."""
    pcs = chord.pcs
    centre = (lo + hi) / 2 if top_target is None else top_target - 6
    if not previous or len(previous) != n_voices:
        span = (hi - lo) / max(1, n_voices)
        previous = [int(lo + span * (i + 0.5)) for i in range(n_voices)]
        if top_target is not None:
            previous = [int(p + (centre - (lo + hi) / 2)) for p in previous]
    cands: list[list[int]] = []
    for p in previous:
        c = [q for q in range(max(lo, p - 7), min(hi, p + 7) + 1) if q % 12 in pcs]
        if not c:
            c = [nearest_pitch(pcs[0], p, lo, hi)]
        cands.append(sorted(c, key=lambda q: abs(q - p))[:4])
    need = {chord.root % 12}
    if chord.third_pc is not None:
        need.add(chord.third_pc)
    if chord.quality == "cl":
        need = set(pcs)
    best, best_cost = None, float("inf")
    for combo in itertools.product(*cands):
        v = list(combo)
        if any(b <= a for a, b in zip(v, v[1:], strict=False)):
            continue
        cost = sum(abs(a - b) for a, b in zip(v, previous, strict=True))
        have = {q % 12 for q in v}
        cost += 8 * len(need - have)
        if n_voices >= len(pcs):
            cost += 3 * len(set(pcs) - have)
        for i, j in itertools.combinations(range(n_voices), 2):
            a0, b0, a1, b1 = previous[i], previous[j], v[i], v[j]
            if a0 != a1 and (b0 - a0) % 12 in (0, 7) and (b1 - a1) % 12 == (b0 - a0) % 12:
                cost += 4  # parallel fifths/octaves
        if top_target is not None:
            cost += 0.3 * abs(v[-1] - top_target)
        if cost < best_cost:
            best, best_cost = v, cost
    if best is None:  # crowded register: stack chord tones upward from lo
        best = []
        p = lo
        for i in range(n_voices):
            q = nearest_pitch(pcs[i % len(pcs)], p, lo, hi)
            while best and q <= best[-1]:
                q += 12
            best.append(min(q, hi))
            p = q + 3
        best = sorted(set(best))
    return best


def transpose_interval(a: Key, b: Key) -> int:
    """Semitones from ``a``'s tonic to ``b``'s, the smaller way round (-5..+6)."""
    d = (b.tonic - a.tonic) % 12
    return d - 12 if d > 6 else d


def remap_mode(pitch: int, src: Key, dst: Key) -> int:
    """Move ``pitch`` (in ``src``) to the same scale degree of ``dst`` (same tonic assumed
    after transposition): the third, sixth and seventh follow the new mode; chromatic
    notes keep their distance from the nearest degree below."""
    rel = (pitch - src.tonic) % 12
    s_steps, d_steps = MODE_STEPS[src.mode], MODE_STEPS[dst.mode]
    if len(s_steps) != 7 or len(d_steps) != 7:
        return pitch
    if rel in s_steps:
        deg = s_steps.index(rel)
        return pitch + (d_steps[deg] - s_steps[deg])
    return pitch
