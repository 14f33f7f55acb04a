"""Keys, modes and scale degrees: the small music theory the theme writer and operators share.

A key is a tonic pitch class (0-11, C = 0) and a mode name from :data:`MODES`. Scale degrees
are 0-based (degree 0 = tonic) and may run past the octave (degree 7 = tonic an octave up);
:func:`degree_of` and :func:`pitch_of` convert between MIDI pitches and (degree, alteration).

>>> parse_tonic("Bb"), parse_tonic("f#"), parse_tonic("E-")
(10, 6, 3)
>>> pitch_of(degree_of(64, 0, "major")[0], 0, "minor", octave_ref=60)
63
>>> chord_symbol(7, "major")
'G'
>>> chord_symbol(9, "minor")
'Am'
"""

from __future__ import annotations

from assistant.errors import InputError

#: semitones of each scale degree above the tonic
MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "aeolian": (0, 2, 3, 5, 7, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
}
#: the major or minor key a mode is heard against (music21's key analysis knows only these two)
PARENT_QUALITY = {"major": "major", "lydian": "major", "mixolydian": "major",
                  "minor": "minor", "dorian": "minor", "phrygian": "minor", "aeolian": "minor",
                  "harmonic_minor": "minor"}
#: the degree (0-based) that tells a church mode from its parent major/minor
CHARACTERISTIC = {"dorian": 5, "phrygian": 1, "lydian": 3, "mixolydian": 6}
NAMES_SHARP = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
NAMES_FLAT = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"]
_LETTER = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def parse_tonic(name: str, field: str = "key") -> int:
    """Pitch class of a tonic name: ``D``, ``Bb``, ``F#``, ``E-`` (music21's flat), ``Dm`` is refused."""
    s = (name or "").strip()
    if not s or s[0].upper() not in _LETTER:
        raise InputError(f"unknown key {name!r} (use a tonic such as D, Bb or F#)", field=field)
    pc = _LETTER[s[0].upper()]
    for ch in s[1:]:
        if ch in "#♯":
            pc += 1
        elif ch in "b-♭":
            pc -= 1
        else:
            raise InputError(f"unknown key {name!r} (use a tonic such as D, Bb or F#)", field=field)
    return pc % 12


def check_mode(mode: str, field: str = "mode") -> str:
    m = (mode or "").strip().lower().replace(" ", "_")
    if m == "ionian":
        m = "major"
    if m not in MODES:
        raise InputError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}", field=field)
    return m


def tonic_name(pc: int, mode: str = "major") -> str:
    """Conventional spelling: flats for the keys whose relative major is F, Bb, Eb, Ab or Db."""
    rel_major = (pc - MODES["major"][_mode_rotation(mode)]) % 12
    names = NAMES_FLAT if rel_major in (5, 10, 3, 8, 1) else NAMES_SHARP
    return names[pc % 12]


def _mode_rotation(mode: str) -> int:
    """Which degree of its relative major a mode's tonic is (dorian: 1, minor: 5, ...)."""
    return {"major": 0, "dorian": 1, "phrygian": 2, "lydian": 3, "mixolydian": 4, "minor": 5,
            "aeolian": 5, "harmonic_minor": 5}.get(mode, 0)


def scale_pcs(tonic: int, mode: str) -> set[int]:
    return {(tonic + s) % 12 for s in MODES[mode]}


def degree_of(pitch: int, tonic: int, mode: str) -> tuple[int, int]:
    """(absolute degree, alteration in semitones) of a pitch; degree 0 is the tonic in the
    octave that starts at MIDI 0 + tonic (so degrees of real pitches are ~30-60). A pitch
    between two degrees is the lower degree raised (alteration +1)."""
    steps = MODES[mode]
    rel = pitch - tonic
    octave, within = divmod(rel, 12)
    best = max(i for i, s in enumerate(steps) if s <= within)
    return octave * 7 + best, within - steps[best]


def pitch_of(degree: int, tonic: int, mode: str, alteration: int = 0, octave_ref: int | None = None) -> int:
    """MIDI pitch of an absolute degree (see :func:`degree_of`). ``octave_ref`` is unused when
    the degree is absolute; kept for readability in doctests."""
    octave, d = divmod(degree, 7)
    return tonic + 12 * octave + MODES[mode][d] + alteration


def diatonic_shift(pitch: int, steps: int, tonic: int, mode: str) -> int:
    """Move a pitch ``steps`` scale degrees (alterations kept)."""
    d, alt = degree_of(pitch, tonic, mode)
    return pitch_of(d + steps, tonic, mode, alt)


def triad_pcs(root_degree: int, tonic: int, mode: str) -> tuple[int, int, int]:
    """Pitch classes of the diatonic triad on a degree (0-based), raised leading note in the
    dominant of minor modes."""
    pcs = tuple(pitch_of(root_degree + k, tonic, mode) % 12 for k in (0, 2, 4))
    if PARENT_QUALITY[mode] == "minor" and root_degree % 7 == 4:
        pcs = (pcs[0], (tonic + 11) % 12, pcs[2])  # V in minor has the leading note
    return pcs  # type: ignore[return-value]


def chord_symbol(root_pc: int, quality: str, mode_hint: str = "major") -> str:
    """Letter chord symbol: ``G``, ``Am``, ``Bdim``, ``Eb``."""
    name = tonic_name(root_pc, mode_hint)
    return name + {"major": "", "minor": "m", "dim": "dim", "aug": "+", "dom7": "7"}[quality]


def triad_quality(pcs: tuple[int, int, int]) -> str:
    third = (pcs[1] - pcs[0]) % 12
    fifth = (pcs[2] - pcs[0]) % 12
    if third == 4:
        return "aug" if fifth == 8 else "major"
    return "dim" if fifth == 6 else "minor"


def key_label(tonic: int, mode: str) -> str:
    return f"{tonic_name(tonic, mode)} {mode}"
