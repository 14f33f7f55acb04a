"""Accompaniment textures realised over the chord plan.

Each texture is one small generator over the chord slots of a section: sustained pads
(voice-led), chorale, high tremolo, string pulse, ostinato, arpeggio, pizzicato, a
waltz or march accompaniment for diegetic music, and the bass styles (sustained roots,
pedal, march, walking, ostinato). Layers are written at a nominal register; the
orchestrator moves them onto real instruments and into their ranges.

Which textures a section gets depends on the function, the mood category and the
section's place in the form (:func:`textures_for`): one layer in an intro, more in a
build, everything at the peak, thinner again in the release, a pad in the tail.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.compose.form import Bar, Section
from assistant.compose.harmony import ChordSlot
from assistant.compose.theory import nearest_pitch, voice_chord
from assistant.music.score import Note

#: nominal registers (sounding MIDI pitches) of each accompaniment layer
REGISTERS: dict[str, tuple[int, int]] = {
    "pad": (55, 79), "chorale": (52, 81), "high": (76, 93), "pulse": (57, 74),
    "ostinato": (43, 67), "arpeggio": (50, 84), "pizzicato": (50, 76), "waltz": (55, 72),
    "bass": (28, 52), "timpani": (40, 55),
}
LAYER_ROLE = {"pad": "harmony", "chorale": "harmony", "high": "harmony", "pulse": "harmony",
              "ostinato": "harmony", "arpeggio": "harmony", "pizzicato": "harmony",
              "waltz": "harmony", "bass": "bass", "timpani": "percussion", "drums": "percussion",
              "perc": "percussion"}


@dataclass
class Layer:
    """Notes of one accompaniment layer plus its name (``pad``, ``bass``, ...)."""

    name: str
    notes: list[Note] = field(default_factory=list)
    drum: bool = False

    @property
    def role(self) -> str:
        return LAYER_ROLE.get(self.name, "harmony")


@dataclass
class SectionTexture:
    """The layers chosen for one section and the bass and percussion styles."""

    layers: list[str]
    bass: str  # sustain, pedal, march, walking, ostinato, pizz, none
    percussion: str  # none, timpani, pulse, drive, march

    def label(self) -> str:
        parts = list(self.layers)
        if self.bass != "none":
            parts.append(f"bass {self.bass}")
        if self.percussion != "none":
            parts.append(f"perc {self.percussion}")
        return " + ".join(parts) or "silence"


def textures_for(function: str, category: str, section: Section, meter: tuple[int, int],
                 allow_percussion: bool) -> SectionTexture:
    """The texture of one section (see module docstring)."""
    name = section.name
    waltz = meter[0] == 3 or (meter[1] == 8 and meter[0] in (6, 9))
    if function == "source":
        lay = ["waltz"] if waltz else ["pulse"]
        return SectionTexture(lay, "march", "none")
    if function == "sting" or name == "gesture":
        return SectionTexture(["high", "pad"], "sustain", "timpani" if allow_percussion else "none")
    base: dict[str, tuple[list[str], list[str], list[str], str, str]] = {
        # category: intro, build, peak, bass style, percussion style at the peak
        "sadness": (["pad"], ["pad", "arpeggio"], ["chorale", "arpeggio"], "moving", "none"),
        "tenderness": (["arpeggio"], ["pad", "arpeggio"], ["pad", "arpeggio"], "moving", "none"),
        "joy": (["pizzicato"], ["pizzicato", "pad"], ["pulse", "pad", "pizzicato"], "walking",
                "timpani"),
        "triumph": (["pad"], ["pulse", "pad"], ["chorale", "pulse", "high"], "march", "march"),
        "tension": (["high"], ["pulse", "high"], ["ostinato", "pulse", "high"], "pedal", "pulse"),
        "fear": (["high"], ["high", "pulse"], ["high", "ostinato", "pad"], "pedal", "timpani"),
        "anger": (["ostinato"], ["ostinato", "pad"], ["ostinato", "chorale"], "ostinato", "drive"),
        "mystery": (["high"], ["high", "arpeggio"], ["high", "arpeggio", "pad"], "pedal", "none"),
    }
    intro, build, peak, bass, perc = base.get(category, base["tenderness"])
    if function == "action":
        intro, build, peak = ["ostinato"], ["ostinato", "pulse"], ["ostinato", "chorale", "high"]
        bass, perc = "ostinato", "drive"
    elif function == "comedy":  # dry pizzicato over a light held chord (winds or strings)
        intro, build, peak = ["pizzicato", "pad"], ["pizzicato", "pad"], ["pizzicato", "pad"]
        bass, perc = "pizz", "none"
    elif function == "build_tension":
        intro, build, peak = ["high"], ["pulse", "high"], ["ostinato", "pulse", "high"]
        bass, perc = "pedal", "pulse"
    elif function in ("bookend", "theme_statement") and category in ("tenderness", "sadness",
                                                                       "mystery", "joy"):
        peak = ["chorale", "arpeggio", "high"]
    if name == "intro":
        layers = intro
        bass_style = "pedal" if bass == "pedal" else ("none" if category == "mystery" else "sustain")
        if category == "mystery" and section.last_bar - section.first_bar >= 3:
            bass_style = "pedal"  # a long intro still needs its floor
        if bass in ("ostinato", "march", "walking", "pizz") and section.intensity > 0.5:
            bass_style = bass
    elif name == "build":
        layers, bass_style = build, bass
    elif name == "peak":
        layers, bass_style = peak, bass
    elif name == "release":
        layers = build[:1] if section.intensity > 0.45 else ["pad"]
        bass_style = "sustain" if bass in ("march", "walking", "moving") else bass
    else:  # tail
        layers, bass_style = ["pad"], "pedal" if bass == "pedal" else "sustain"
    if layers == ["pizzicato"] and name != "intro":  # plucks alone leave holes: a held chord
        layers = ["pizzicato", "pad"]
    if section.part % 2 == 1 and len(layers) > 1:  # the B phrase of a long section: a new colour
        layers = [x for x in layers if x not in ("high", "chorale")] or layers[:1]
        if "pad" not in layers and name == "peak":
            layers = layers + ["pad"]
    if name == "peak" and allow_percussion:
        p = perc
    elif name == "build" and allow_percussion and perc in ("pulse", "drive"):
        p = "pulse" if perc == "pulse" else "drive"
    else:
        p = "none"
    return SectionTexture(list(layers), bass_style, p if allow_percussion else "none")


# ----------------------------------------------------------------------------- generators
def _sub(bar: Bar, tempo_bpm: float, min_s: float = 0.11) -> float:
    """A subdivision (quarter notes) for running figures: 16ths when they stay slower than
    ``min_s`` seconds each, else 8ths, else quarters."""
    for q in (0.25, 0.5, 1.0):
        if q * 60.0 / tempo_bpm >= min_s:
            return q
    return 1.0


def _span_notes(start: float, end: float, step: float, make: Callable[[int, float, float], list[Note]]
                ) -> list[Note]:
    out: list[Note] = []
    t = start
    k = 0
    while t < end - 1e-6:
        d = min(step, end - t)
        out += make(k, t, d)
        t += step
        k += 1
    return out


def realise(sections: list[Section], textures: list[SectionTexture], slots: list[ChordSlot],
            bars: list[Bar], tempo_at: Callable[[float], float], rng: random.Random
            ) -> list[Layer]:
    """All accompaniment layers of the cue (see module docstring)."""
    layers: dict[str, Layer] = {}

    def add(name: str, notes: list[Note], drum: bool = False) -> None:
        layers.setdefault(name, Layer(name, drum=drum)).notes.extend(notes)

    prev_voicing: dict[str, list[int]] = {}
    following = {id(a): b for a, b in zip(slots, slots[1:], strict=False)}
    for sec, tex in zip(sections, textures, strict=True):
        sec_slots = [s for s in slots if sec.start_beat - 1e-6 <= s.start_beat < sec.end_beat - 1e-6]
        for slot in sec_slots:
            bar = next((b for b in bars if b.start_beat - 1e-6 <= slot.start_beat < b.end_beat - 1e-6),
                       bars[-1])
            bpm = float(tempo_at(slot.start_beat))
            for lay in tex.layers:
                add(lay, _layer_notes(lay, slot, bar, bpm, prev_voicing, sec, rng))
            if tex.bass != "none":
                add("bass", _bass_notes(tex.bass, slot, bar, bpm, prev_voicing,
                                        following.get(id(slot))))
            if tex.percussion in ("timpani", "pulse", "march", "drive"):
                add("timpani", _timpani_notes(tex.percussion, slot, bar, bpm))
            if tex.percussion == "drive":
                add("drums", _drum_notes(slot, bar, bpm), drum=True)
    for lay in layers.values():
        lay.notes = merge_ties(sorted(lay.notes, key=lambda n: (n.start_beats, n.pitch)))
    return list(layers.values())


def _layer_notes(name: str, slot: ChordSlot, bar: Bar, bpm: float,
                 prev: dict[str, list[int]], sec: Section, rng: random.Random) -> list[Note]:
    lo, hi = REGISTERS[name]
    s, e = slot.start_beat, slot.end_beat
    ch = slot.chord
    if name in ("pad", "chorale", "waltz"):
        n_voices = 4 if name == "chorale" else 3
        v = voice_chord(ch, prev.get(name), n_voices, lo, hi)
        prev[name] = v
        if name == "pad":
            return [Note(p, s, e - s) for p in v]
        if name == "chorale":
            step = bar.pulse_beats * (2 if bar.meter[0] % 2 == 0 and bar.pulse_beats < 1.5 else 1)
            if sec.intensity < 0.6:
                step = e - s
            return _span_notes(s, e, step, lambda k, t, d: [Note(p, t, d, articulation="tenuto")
                                                            for p in v])
        # waltz: rest on the downbeat, chord on the other beats (oom-pah-pah)
        pulse = bar.pulse_beats

        def waltz(k: int, t: float, d: float) -> list[Note]:
            if abs(((t - bar.start_beat) / bar.full_beats) % 1.0) < 1e-6:
                return []
            return [Note(p, t, max(0.05, min(d, pulse * 0.6)), articulation="staccato") for p in v]
        return _span_notes(s, e, pulse, waltz)
    if name == "high":
        top = voice_chord(ch, prev.get(name), 2, lo, hi)
        prev[name] = top
        return [Note(p, s, e - s, articulation="tremolo") for p in top]
    if name == "pulse":
        step = 0.5 if bpm < 140 else 1.0
        pair = voice_chord(ch, prev.get(name), 2, lo, hi)
        prev[name] = pair
        return _span_notes(s, e, step, lambda k, t, d: [
            Note(p, t, max(0.05, d * 0.5), articulation="staccato") for p in pair])
    if name == "ostinato":
        step = _sub(bar, bpm)
        root = nearest_pitch(ch.root, (lo + hi) / 2 - 4, lo, hi)
        fifth = nearest_pitch(ch.pcs[2 % len(ch.pcs)], root + 7, lo, hi)
        third = nearest_pitch(ch.pcs[1], root + 3.5, lo, hi)
        figure = [root, root, fifth, root, third, root, fifth, root + 12 if root + 12 <= hi else root]
        return _span_notes(s, e, step, lambda k, t, d: [
            Note(figure[k % len(figure)], t, max(0.05, d * 0.8),
                 articulation="accent" if k % 4 == 0 else "staccato")])
    if name == "arpeggio":
        step = _sub(bar, bpm, 0.25) if bpm < 100 else 0.5
        base = voice_chord(ch, prev.get(name), 3, lo, min(hi, lo + 19))
        prev[name] = base
        up = base + [base[0] + 12]
        # the figure changes from section to section: a wave (1-3-5-8-5-3), an open
        # rising spread (1-5-8-10), or a broken chord (1-5-3-5)
        shape = ARPEGGIO_SHAPES[(sec.first_bar // 4 + sec.part) % len(ARPEGGIO_SHAPES)]
        pattern = _arpeggio(up, shape, hi)

        def arp(k: int, t: float, d: float) -> list[Note]:
            p = pattern[k % len(pattern)]
            return [Note(min(p, hi), t, max(0.05, d))]
        return _span_notes(s, e, step, arp)
    if name == "pizzicato":
        pulse = bar.pulse_beats
        v = voice_chord(ch, prev.get(name), 2, lo, hi)
        prev[name] = v

        def pz(k: int, t: float, d: float) -> list[Note]:
            p = v[k % 2] if k % 2 == 0 else v[-1]
            return [Note(p, t, max(0.05, min(0.25, d)), articulation="pizzicato")]
        return _span_notes(s, e, pulse, pz)
    raise ValueError(f"unknown texture layer {name!r}")


ARPEGGIO_SHAPES = ("wave", "rising", "broken")


def _arpeggio(up: list[int], shape: str, hi: int) -> list[int]:
    """One cycle of an arpeggio over ``up`` (a close chord plus the root's octave)."""
    if shape == "rising" and len(up) >= 4:
        spread = [up[0], up[2], up[3], up[1] + 12]
        return [p for p in spread if p <= hi] or up
    if shape == "broken" and len(up) >= 3:
        return [up[0], up[2], up[1], up[2]]
    return up + up[-2:0:-1]


def _bass_notes(style: str, slot: ChordSlot, bar: Bar, bpm: float, prev: dict[str, list[int]],
                nxt: ChordSlot | None = None) -> list[Note]:
    lo, hi = REGISTERS["bass"]
    s, e = slot.start_beat, slot.end_beat
    last = prev.get("bass", [38])[0]
    root = nearest_pitch(slot.bass_pc, last, lo, hi)
    if abs(root - last) > 7:
        root = nearest_pitch(slot.bass_pc, last - 12 if root > last else last + 12, lo, hi)
    prev["bass"] = [root]
    fifth = nearest_pitch((slot.chord.root + 7) % 12, root + 7, lo, hi + 7)
    pulse = bar.pulse_beats
    if style in ("sustain", "pedal"):
        step = bar.full_beats if style == "pedal" else e - s
        return _span_notes(s, e, step, lambda k, t, d: [Note(root, t, d)])
    if style == "moving":
        line = moving_bass(slot, nxt, root, fifth, pulse, lo, hi)
        prev["bass"] = [line[-1].pitch] if line else [root]  # the next chord follows on
        return line
    if style == "march":  # the "oom" holds its beat: the accompaniment never drops out
        return _span_notes(s, e, pulse, lambda k, t, d: [
            Note(root if k % 2 == 0 else fifth, t, max(0.05, d * (0.95 if k % 2 == 0 else 0.7)))])
    if style == "walking":
        pcs = list(slot.chord.pcs)
        walk = [root] + [nearest_pitch(pc, root + 4, lo, hi + 5) for pc in pcs[1:3]]
        return _span_notes(s, e, pulse, lambda k, t, d: [Note(walk[k % len(walk)], t, d * 0.9)])
    if style == "pizz":
        return _span_notes(s, e, pulse, lambda k, t, d: [
            Note(root if k % 2 == 0 else fifth, t, max(0.05, min(0.3, d)), articulation="pizzicato")])
    if style == "ostinato":
        step = 0.5 if bpm < 170 else 1.0
        return _span_notes(s, e, step, lambda k, t, d: [
            Note(root + (12 if k % 4 == 3 and root + 12 <= hi + 5 else 0), t, max(0.05, d * 0.8),
                 articulation="accent" if k % 4 == 0 else "")])
    return []


def moving_bass(slot: ChordSlot, nxt: ChordSlot | None, root: int, fifth: int, pulse: float,
                lo: int, hi: int) -> list[Note]:
    """A quiet bass line that walks the harmonic plan, legato (roots in ``lo``-``hi``,
    as the next chord's bass is found, inner notes up to a fourth above): the root on the chord
    change; in a chord of four pulses or more, the fifth (or the third, when the fifth
    would leap an octave) at its middle; and on its last pulse a passing or neighbour
    tone by step into the next chord's bass, when that bass is a step or a third away.
    A chord of one or two pulses holds its root (the line moves with the harmony)."""
    s, e = slot.start_beat, slot.end_beat
    n_pulses = int(round((e - s) / pulse)) if pulse > 0 else 1
    out: list[Note] = []
    points: list[tuple[float, int]] = [(s, root)]
    top = hi + 5  # inner notes may reach a little above the roots' register
    if n_pulses >= 4:
        mid = s + pulse * (n_pulses // 2)
        third = nearest_pitch(slot.chord.pcs[1 % len(slot.chord.pcs)], root + 4, lo, top)
        alt = fifth if abs(fifth - root) <= 7 and fifth <= top else (
            fifth - 12 if lo <= fifth - 12 else third)
        points.append((mid, alt))
    if nxt is not None and n_pulses >= 3:
        # the last pulse leads into the next chord's bass by step, from the side the
        # line comes from (a passing tone, or an upper or lower neighbour of the target)
        cur = points[-1][1]
        target = nearest_pitch(nxt.bass_pc, cur, lo, hi)
        # the same bass: a lower neighbour breathes it (in a long chord)
        side = (-2 if n_pulses >= 4 else 0) if target == cur else (2 if target < cur else -2)
        if side:
            step = slot.key.snap(target + side)
            if step == target:
                step = slot.key.snap(target + side + (1 if side > 0 else -1))
            if step not in (target, cur) and lo <= step <= top and abs(step - cur) <= 7:
                points.append((e - pulse, step))
    for (t, p), (t2, _) in zip(points, points[1:] + [(e, 0)], strict=True):
        if t2 - t > 0.05:
            out.append(Note(p, t, t2 - t))
    return out


def _timpani_notes(style: str, slot: ChordSlot, bar: Bar, bpm: float) -> list[Note]:
    lo, hi = REGISTERS["timpani"]
    s, e = slot.start_beat, slot.end_beat
    root = nearest_pitch(slot.bass_pc if style == "pulse" else slot.chord.root, 45, lo, hi)
    fifth = nearest_pitch((slot.chord.root + 7) % 12, root - 5, lo, hi)
    pulse = bar.pulse_beats
    if style == "pulse":  # soft ticking on the pedal (or the bass) note
        return _span_notes(s, e, pulse, lambda k, t, d: [Note(root, t, min(d, 0.5))])
    if style == "march":
        return _span_notes(s, e, pulse, lambda k, t, d: [
            Note(root if k % 2 == 0 else fifth, t, min(d, 0.5), articulation="accent" if k == 0 else "")])
    if style == "drive":
        return _span_notes(s, e, pulse, lambda k, t, d: [Note(root if k % 2 == 0 else fifth, t,
                                                               min(d, 0.5))])
    return [Note(root, s, min(e - s, 1.0))]  # one stroke with the chord


# GM drum map: 36 bass drum, 38 snare, 42 closed hi-hat, 49 crash, 51 ride
def _drum_notes(slot: ChordSlot, bar: Bar, bpm: float) -> list[Note]:
    s, e = slot.start_beat, slot.end_beat
    step = 0.5 if bpm < 150 else 1.0

    def drive(k: int, t: float, d: float) -> list[Note]:
        pos = round((t - bar.start_beat) / step)
        out = [Note(42, t, min(d, 0.25))]
        if pos % 4 == 0:
            out.append(Note(36, t, min(d, 0.25)))
        if pos % 4 == 2:
            out.append(Note(38, t, min(d, 0.25)))
        return out
    return _span_notes(s, e, step, drive)


def merge_ties(notes: list[Note]) -> list[Note]:
    """Join a note to the next of the same pitch starting exactly where it ends (a tie),
    when both are sustained (no articulation)."""
    out: list[Note] = []
    open_by_pitch: dict[int, int] = {}
    for n in notes:
        j = open_by_pitch.get(n.pitch)
        if j is not None:
            p = out[j]
            if abs(p.end_beats - n.start_beats) < 1e-6 and not p.articulation and not n.articulation \
                    and p.dur_beats >= 1.0:
                out[j] = Note(p.pitch, p.start_beats, p.dur_beats + n.dur_beats, p.velocity)
                continue
        open_by_pitch[n.pitch] = len(out)
        out.append(n)
    return out
