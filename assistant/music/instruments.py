"""What the music model is told about an instrument, honestly.

The corpus behind the model (music21's bundled scores) has sung lines (choir program 52:
chorales, Palestrina, Essen songs), fiddle tunes (violin 40), string parts (48, 41, 42) and a
little piano (0); horn, trumpet, flute, oboe, celesta never occur (clarinet once). The model
therefore cannot know a horn from a flute. A request for an instrument is turned into what
the model *has* seen:

* the **program token** it writes with is the nearest *seen* idiom of the instrument's family
  (:data:`FAMILY_PROXY`: winds, brass and voices write as a sung line, strings as the string
  part the model knows, keyboards, plucked and mallets as piano);
* the **range** is the instrument's professional range (a logit mask);
* **idiom rules** in the sampler: winds, brass and voices leap at most an octave.

The returned part carries the requested instrument's name and program; the model card says
that the instrument itself is not a learned condition.
"""

from __future__ import annotations

from dataclasses import dataclass

# programs with >= 10k notes in the training corpus (datasets/music/stats.json "programs")
SEEN_PROGRAMS = {52: "choir", 40: "violin", 48: "string ensemble", 41: "viola", 42: "cello", 0: "piano"}
FAMILY_PROXY = {"woodwinds": 52, "brass": 52, "voices": 52, "keyboards": 0, "plucked": 0, "percussion": 0,
                "electronic": 52}
STRING_PROXY = {40: 40, 41: 41, 42: 42, 43: 42, 46: 0, 48: 48}  # harp plays like a keyboard
LEAP_LIMIT = {"woodwinds": 12, "brass": 12, "voices": 12}


@dataclass(frozen=True)
class InstrumentConditioning:
    """How a requested GM program is rendered for the model."""

    program: int  # the requested program (kept on the output part)
    model_program: int  # the program token the model writes with (one it has seen)
    pitch_range: tuple[int, int] | None  # professional sounding range, MIDI
    max_leap: int | None  # largest melodic interval allowed (idiom rule), semitones
    family: str
    instrument: str


def conditioning(program: int) -> InstrumentConditioning:
    """The conditioning for a GM program (see the module docstring)."""
    from assistant.analysis.instruments import INSTRUMENTS

    ins = next((i for i in INSTRUMENTS.values() if i.gm_program == program and not i.is_drum), None)
    if ins is None:
        return InstrumentConditioning(program, program if program in SEEN_PROGRAMS else 52, None, None, "", "")
    if program in SEEN_PROGRAMS:
        model_program = program
    elif ins.family == "strings":
        model_program = STRING_PROXY.get(program, 40)
    else:
        model_program = FAMILY_PROXY.get(ins.family, 52)
    return InstrumentConditioning(program, model_program, tuple(ins.professional), LEAP_LIMIT.get(ins.family),
                                  ins.family, ins.id)
