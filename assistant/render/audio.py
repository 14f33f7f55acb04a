"""Audio mock-ups: a :class:`~assistant.music.score.Score` synthesised with a GM SoundFont.

The engine is symusic's SoundFont synthesiser (prestosynth, a miditok dependency; no
system library, no internet). Each part is rendered on its own, so the mix is exactly the
sum of the parts (the synthesiser is linear per track; the tests check the residual) and
the stems, panning and reverb of :mod:`assistant.render.mix` are sums of parts too.

SoundFonts, best first (see README, "SoundFonts and their licences"):

1. ``$SCORING_ASSISTANT_SOUNDFONT`` when it names a readable ``.sf2``/``.sf3`` file;
2. FluidR3_GM (Debian/Ubuntu ``fluid-soundfont-gm``, MIT licence) at
   ``/usr/share/sounds/sf2/FluidR3_GM.sf2`` (``make venv`` installs it where apt can);
3. MuseScore_General (MIT) where MuseScore installed it;
4. TimGM6mb.sf2, shipped inside the pretty_midi wheel (GPL-2, by Tim Brechbill): a small
   default that is always there.

Times: the score's own tempo map (``Score.tempos``) turns beats into seconds; the
renderer never guesses a tempo. :func:`render_score` returns ``(n, 2)`` float32 at the
requested sample rate; ``length_s`` pads or cuts it to an exact length (the caller, the
cue renderer, passes the cue's length to the frame plus the release tail).
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import math
import os
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np

from assistant.errors import InputError
from assistant.music.score import Part, Score
from assistant.sync.tempo import MeterChange, TempoMap, frac

log = logging.getLogger(__name__)

DEFAULT_SAMPLE_RATE = 48_000
#: Seconds of audio kept after the cue's last frame so notes can ring out (documented in
#: the README; a DAW user trims or fades it). 2 s covers the GM release of strings/pads.
RELEASE_TAIL_S = 2.0
SOUNDFONT_ENV = "SCORING_ASSISTANT_SOUNDFONT"
SYSTEM_SOUNDFONTS = (
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    Path("/usr/share/soundfonts/FluidR3_GM.sf2"),
    Path("/usr/share/sounds/sf3/MuseScore_General.sf3"),
    Path("/usr/share/mscore3/sound/MuseScore_General.sf3"),
    Path("/usr/share/mscore-3.6/sound/MuseScore_General.sf3"),
    Path("/usr/share/mscore3/sound/FluidR3Mono_GM.sf3"),
)

#: Sections for stems, in the order a re-recording mixer lays them out. An instrument's
#: section is its first family in assistant.analysis.instruments (guitar: "plucked").
SECTIONS = ("strings", "woodwinds", "brass", "percussion", "keyboards", "plucked", "voices",
            "electronic")

# GM program ranges -> section, for parts whose instrument id is not in the vocabulary.
_GM_SECTIONS = ((0, 7, "keyboards"), (8, 15, "percussion"), (16, 23, "keyboards"),
                (24, 31, "plucked"), (32, 39, "strings"), (40, 47, "strings"),
                (48, 51, "strings"), (52, 55, "voices"), (56, 63, "brass"),
                (64, 79, "woodwinds"), (80, 103, "electronic"), (104, 111, "plucked"),
                (112, 119, "percussion"), (120, 127, "electronic"))


def pretty_midi_soundfont() -> Path | None:
    """TimGM6mb.sf2 from the pretty_midi wheel (found without importing pretty_midi)."""
    spec = importlib.util.find_spec("pretty_midi")
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        p = Path(loc) / "TimGM6mb.sf2"
        if p.is_file():
            return p
    return None


def default_soundfont() -> Path:
    """The best General MIDI SoundFont installed here (see module docstring)."""
    env = os.environ.get(SOUNDFONT_ENV)
    if env:
        p = Path(env).expanduser()
        if not p.is_file() or p.suffix.lower() not in (".sf2", ".sf3"):
            raise InputError(f"{SOUNDFONT_ENV} does not name a .sf2/.sf3 file", path=p,
                             field=SOUNDFONT_ENV)
        return p
    for p in SYSTEM_SOUNDFONTS:
        if p.is_file():
            return p
    p = pretty_midi_soundfont()
    if p is None:
        raise InputError("no General MIDI SoundFont found: install fluid-soundfont-gm or "
                         "pretty_midi (which ships TimGM6mb.sf2)", field="soundfont")
    return p


@functools.lru_cache(maxsize=4)
def _synth(path: str, sample_rate: int):  # -> symusic.Synthesizer
    import symusic

    log.info("loading SoundFont %s at %d Hz", path, sample_rate)
    return symusic.Synthesizer(path, sample_rate, 0)


def section_of(part: Part) -> str:
    """The stem a part belongs to (its instrument's family; drums are percussion)."""
    from assistant.analysis.instruments import INSTRUMENTS

    ins = INSTRUMENTS.get(part.instrument)
    if ins is not None:
        return ins.family
    if part.is_drum:
        return "percussion"
    for lo, hi, sec in _GM_SECTIONS:
        if lo <= part.program <= hi:
            return sec
    return "keyboards"


def _symusic_score(score: Score, parts: Iterable[Part]):  # -> symusic.Score
    import symusic

    ppq = score.ppq
    out = symusic.Score(ppq)
    for beat, bpm in score.tempos:
        out.tempos.append(symusic.Tempo(int(round(beat * ppq)), float(bpm)))
    for beat, num, den in score.meters:
        out.time_signatures.append(symusic.TimeSignature(int(round(beat * ppq)), int(num),
                                                         int(den)))
    for part in parts:
        tr = symusic.Track(name=part.name, program=int(part.program) if not part.is_drum else 0,
                           is_drum=bool(part.is_drum))
        for n in part.notes:
            on = int(round(n.start_beats * ppq))
            dur = max(1, int(round(n.end_beats * ppq)) - on)
            tr.notes.append(symusic.Note(on, dur, int(n.pitch), max(1, min(127, n.velocity))))
        for number, beat, value in _controls(part):
            tr.controls.append(symusic.ControlChange(int(round(beat * ppq)), number, value))
        out.tracks.append(tr)
    return out


def _controls(part: Part) -> list[tuple[int, float, int]]:
    """Controller curves of ``Part.cc`` (``{controller: [(beat, value)]}``) as events."""
    cc = getattr(part, "cc", None) or {}
    return [(int(num), float(beat), int(max(0, min(127, value))))
            for num, pts in sorted(cc.items()) for beat, value in pts]


def fit_length(audio: np.ndarray, n: int) -> np.ndarray:
    """Pad with silence or cut ``(m, 2)`` audio to exactly ``n`` samples."""
    if audio.shape[0] >= n:
        return np.ascontiguousarray(audio[:n])
    pad = np.zeros((n - audio.shape[0], audio.shape[1]), dtype=audio.dtype)
    return np.concatenate([audio, pad])


def render_part(score: Score, part: Part, *, sample_rate: int = DEFAULT_SAMPLE_RATE,
                soundfont: str | Path | None = None) -> np.ndarray:
    """One part of ``score`` (with the score's tempo map), ``(n, 2)`` float32."""
    return render_score(score, sample_rate=sample_rate, soundfont=soundfont, parts=[part])


def render_score(score: Score, *, sample_rate: int = DEFAULT_SAMPLE_RATE,
                 soundfont: str | Path | None = None, parts: Iterable[Part] | None = None,
                 length_s: float | None = None) -> np.ndarray:
    """Synthesise ``score`` (or only ``parts`` of it) to ``(n, 2)`` float32 stereo.

    ``length_s`` gives the exact output length (padded with silence or cut); without it
    the audio runs to the end of the last note's release.
    """
    if sample_rate < 8000 or sample_rate > 192_000:
        raise InputError(f"sample rate {sample_rate} Hz must be 8000-192000", field="sample_rate")
    sf = Path(soundfont) if soundfont else default_soundfont()
    if not sf.is_file():
        raise InputError("SoundFont not found", path=sf, field="soundfont")
    chosen = list(score.parts if parts is None else parts)
    n_out = None if length_s is None else int(round(length_s * sample_rate))
    if not any(p.notes for p in chosen):
        n = n_out if n_out is not None else 0
        return np.zeros((n, 2), dtype=np.float32)
    synth = _synth(str(sf), int(sample_rate))
    try:
        buf = synth.render(_symusic_score(score, chosen), True)
    except TypeError as exc:  # symusic 0.6.0 cannot hand its buffer back (see pyproject)
        raise RuntimeError(f"the installed symusic cannot render audio ({exc}); "
                           "install symusic 0.5.9 (pip install 'symusic!=0.6.0')") from None
    audio = np.asarray(buf, dtype=np.float32).T  # (channels, n) -> (n, 2)
    if n_out is not None:
        audio = fit_length(audio, n_out)
    return np.ascontiguousarray(audio)


def render_parts(score: Score, *, sample_rate: int = DEFAULT_SAMPLE_RATE,
                 soundfont: str | Path | None = None,
                 length_s: float | None = None) -> list[np.ndarray]:
    """Every part of ``score`` rendered alone, all ``(n, 2)`` with the same ``n``."""
    outs = [render_score(score, sample_rate=sample_rate, soundfont=soundfont, parts=[p],
                         length_s=length_s) for p in score.parts]
    if length_s is None and outs:
        n = max(a.shape[0] for a in outs)
        outs = [fit_length(a, n) for a in outs]
    return outs


def score_tempo_map(score: Score) -> TempoMap:
    """The score's tempos and meters as a :class:`~assistant.sync.tempo.TempoMap` (the one
    bridge between beats and seconds); meters become 1-based bars."""
    tempos = sorted(score.tempos) or [(0.0, 120.0)]
    if tempos[0][0] > 0:
        tempos.insert(0, (0.0, tempos[0][1]))
    meters = sorted(score.meters) or [(0.0, 4, 4)]
    if meters[0][0] > 0:
        meters.insert(0, (0.0, 4, 4))
    changes: list[MeterChange] = []
    pos = Fraction(0)
    for beat, num, den in meters:
        b = frac(float(beat))
        if changes and b <= pos:  # two meters on one bar line: the later one wins
            changes[-1] = MeterChange(changes[-1].bar, int(num), int(den))
            continue
        bar = 1 if not changes else changes[-1].bar + math.ceil((b - pos)
                                                                 / changes[-1].bar_beats)
        changes.append(MeterChange(bar, int(num), int(den)))
        pos = b
    return TempoMap([(frac(float(b)), frac(float(t))) for b, t in tempos], changes)


def score_seconds(score: Score) -> float:
    """Length of the score's notes in seconds (without release)."""
    return float(score_tempo_map(score).beat_to_seconds(frac(score.duration_beats)))
