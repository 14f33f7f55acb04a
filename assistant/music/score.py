"""The internal score model: notes in quarter-note beats, parts, a tempo map, meters, markers.

Every stage between the music model and the renderers speaks this model. Music time is
in quarter-note beats (``start_beats``, ``dur_beats``); film seconds never appear here —
``assistant.sync`` owns the tempo map that bridges the two. MIDI is read and written
with mido (pretty_midi cannot write tempo changes and drops markers).

>>> s = Score(parts=[Part("melody", notes=[Note(60, 0, 1), Note(64, 1, 1), Note(67, 2, 2)])])
>>> s.duration_beats
4.0
>>> [n.pitch for n in s.transposed(2).melody()]
[62, 66, 69]
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import mido

from assistant.errors import InputError

PPQ = 960  # ticks per quarter note in every file we write


@dataclass(frozen=True)
class Note:
    """One note. ``start_beats``/``dur_beats`` are in quarter notes from the score start."""

    pitch: int
    start_beats: float
    dur_beats: float
    velocity: int = 80
    articulation: str = ""  # one of ARTICULATIONS ("" = ordinary); a score marking

    def __post_init__(self) -> None:
        if not 0 <= self.pitch <= 127:
            raise InputError(f"pitch {self.pitch} outside MIDI range 0-127", field="pitch")
        if self.dur_beats <= 0:
            raise InputError(f"note duration {self.dur_beats} must be positive", field="dur_beats")

    @property
    def end_beats(self) -> float:
        return self.start_beats + self.dur_beats


ARTICULATIONS: tuple[str, ...] = (
    "", "legato", "staccato", "tenuto", "accent", "marcato", "sforzando", "tremolo",
    "pizzicato", "roll",
)
#: a note's articulation travels in the MIDI file as a sequencer-specific meta event at its
#: note-on: manufacturer id 0x7D (non-commercial), "A", the ARTICULATIONS index, the pitch
_ART_TAG: tuple[int, ...] = (0x7D, 0x41)
#: a part's role travels as a sequencer-specific meta event at its track start: 0x7D, "R", ASCII
_ROLE_TAG: tuple[int, ...] = (0x7D, 0x52)
#: MIDI controllers a part may carry as curves: 1 modulation (dynamics in sample
#: libraries), 11 expression (the swell inside a dynamic), 64 sustain pedal.
CC_NUMBERS: tuple[int, ...] = (1, 7, 11, 64)


@dataclass
class Part:
    """A part: an instrument id (DESIGN.md vocabulary), a GM program and its notes.

    Optional orchestration data (all default to empty, so old callers are unaffected):
    ``role`` (melody, counter_melody, harmony, bass, percussion, pad, ...), ``dynamics``
    as score markings ``[(beat, "mf"), ...]`` (also ``"cresc"``/``"dim"`` hairpin starts),
    and ``cc`` curves ``{controller: [(beat, value 0-127), ...]}`` written to MIDI.
    """

    name: str
    instrument: str = "piano"
    program: int = 0
    is_drum: bool = False
    notes: list[Note] = field(default_factory=list)
    role: str = ""
    dynamics: list[tuple[float, str]] = field(default_factory=list)
    cc: dict[int, list[tuple[float, int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.notes = sorted(
            (n if isinstance(n, Note) else Note(*n) for n in self.notes),
            key=lambda n: (n.start_beats, -n.pitch),
        )
        self.dynamics = sorted((float(b), str(m)) for b, m in self.dynamics)
        self.cc = {int(c): sorted((float(b), max(0, min(127, int(v)))) for b, v in pts)
                   for c, pts in self.cc.items()}


@dataclass
class Score:
    """A piece: parts plus a tempo map (beat, bpm), meters (beat, numerator, denominator),
    markers (beat, text) and an optional key name such as 'D minor'."""

    parts: list[Part] = field(default_factory=list)
    tempos: list[tuple[float, float]] = field(default_factory=lambda: [(0.0, 120.0)])
    meters: list[tuple[float, int, int]] = field(default_factory=lambda: [(0.0, 4, 4)])
    markers: list[tuple[float, str]] = field(default_factory=list)
    key: str | None = None
    ppq: int = PPQ

    @property
    def notes(self) -> list[Note]:
        """All pitched notes of all non-drum parts, in time order."""
        return sorted(
            (n for p in self.parts if not p.is_drum for n in p.notes),
            key=lambda n: (n.start_beats, -n.pitch),
        )

    @property
    def duration_beats(self) -> float:
        ends = [n.end_beats for p in self.parts for n in p.notes]
        return float(max(ends, default=0.0))

    def tune(self) -> list[Note]:
        """The tune: the skyline of the parts whose role is ``melody`` when the score says
        which they are (a draft does), else the skyline of everything (:meth:`melody`)."""
        tune_parts = [p for p in self.parts if p.role == "melody" and not p.is_drum and p.notes]
        if not tune_parts:
            return self.melody()
        return replace(self, parts=tune_parts).melody()

    def melody(self) -> list[Note]:
        """The skyline: at each onset the highest sounding note, cut where the next starts."""
        notes = self.notes
        out: list[Note] = []
        i = 0
        while i < len(notes):
            onset = notes[i].start_beats
            top = notes[i]  # notes are sorted by (start, -pitch): first is highest
            while i < len(notes) and notes[i].start_beats == onset:
                i += 1
            if out and out[-1].end_beats > onset:
                prev = out[-1]
                if prev.pitch >= top.pitch:
                    continue  # still under a higher held note
                out[-1] = replace(prev, dur_beats=max(onset - prev.start_beats, 1e-6))
            out.append(top)
        return out

    def transposed(self, semitones: int) -> Score:
        """A new score with every pitched note moved by ``semitones`` (drums untouched)."""
        parts = [
            replace(p, notes=p.notes if p.is_drum else [
                replace(n, pitch=n.pitch + semitones) for n in p.notes
            ])
            for p in self.parts
        ]
        return replace(self, parts=parts)

    def bar_starts(self, n_bars: int | None = None) -> list[float]:
        """Beat positions of bar lines (1-based bar i starts at result[i-1])."""
        end = self.duration_beats
        starts: list[float] = []
        meters = sorted(self.meters) or [(0.0, 4, 4)]
        beat = 0.0
        mi = 0
        while (n_bars is None and beat < end - 1e-9) or (n_bars is not None and len(starts) < n_bars):
            while mi + 1 < len(meters) and meters[mi + 1][0] <= beat + 1e-9:
                mi += 1
            _, num, den = meters[mi]
            starts.append(beat)
            beat += num * 4.0 / den
            if n_bars is None and len(starts) > 100000:
                break
        return starts

    # ------------------------------------------------------------------------- MIDI I/O
    def to_midi(self, path: str | Path) -> Path:
        """Write a type-1 MIDI file: track 0 conductor (tempos, meters, markers), one track a part."""
        mid = mido.MidiFile(type=1, ticks_per_beat=self.ppq)
        cond = mido.MidiTrack()
        events: list[tuple[int, int, mido.MetaMessage]] = []
        for beat, num, den in self.meters:
            events.append((self._tick(beat), 0, mido.MetaMessage(
                "time_signature", numerator=int(num), denominator=int(den))))
        for beat, bpm in self.tempos:
            events.append((self._tick(beat), 1, mido.MetaMessage("set_tempo",
                                                                 tempo=mido.bpm2tempo(bpm))))
        for beat, text in self.markers:
            events.append((self._tick(beat), 2, mido.MetaMessage("marker", text=text)))
        if self.key:
            events.insert(0, (0, 0, mido.MetaMessage("text", text=f"key: {self.key}")))
        cond.extend(_delta(events))
        cond.append(mido.MetaMessage("end_of_track", time=0))
        mid.tracks.append(cond)
        channels = iter([c for c in range(16) if c != 9])
        for part in self.parts:
            ch = 9 if part.is_drum else next(channels, 0)
            tr = mido.MidiTrack()
            tr.append(mido.MetaMessage("track_name", name=part.name))
            tr.append(mido.MetaMessage("instrument_name", name=part.instrument))
            if part.role and part.role.isascii():  # the part's role travels with it, invisibly
                tr.append(mido.MetaMessage("sequencer_specific",
                                           data=(*_ROLE_TAG, *part.role.encode("ascii")[:64])))
            ev: list[tuple[int, int, mido.Message]] = []
            if not part.is_drum:
                ev.append((0, 0, mido.Message("program_change", channel=ch, program=part.program)))
            for beat, mark in part.dynamics:
                ev.append((self._tick(beat), 0, mido.MetaMessage("text", text=f"dyn: {mark}")))
            for ctrl, pts in sorted(part.cc.items()):
                for beat, value in pts:
                    ev.append((self._tick(beat), 0, mido.Message(
                        "control_change", channel=ch, control=ctrl, value=value)))
            for n in part.notes:
                on, off = self._tick(n.start_beats), self._tick(n.end_beats)
                off = max(off, on + 1)
                if n.articulation in ARTICULATIONS[1:]:  # invisible to DAWs and notation import
                    ev.append((on, 2, mido.MetaMessage("sequencer_specific", data=(
                        *_ART_TAG, ARTICULATIONS.index(n.articulation), n.pitch))))
                ev.append((on, 2, mido.Message("note_on", channel=ch, note=n.pitch,
                                               velocity=max(1, min(127, n.velocity)))))
                ev.append((off, 1, mido.Message("note_off", channel=ch, note=n.pitch, velocity=0)))
            tr.extend(_delta(ev))
            tr.append(mido.MetaMessage("end_of_track", time=0))
            mid.tracks.append(tr)
        p = Path(path)
        from assistant.storage import atomic_path

        with atomic_path(p) as tmp:  # temp file + rename: never half a MIDI file
            mid.save(tmp)
        return p

    @classmethod
    def from_midi(cls, path: str | Path) -> Score:
        """Read a MIDI file (type 0 or 1) into a Score. Raises InputError on bad files."""
        from assistant.limits import read_midi

        mid = read_midi(path)  # regular file, size, division and note-count limits
        ppq = mid.ticks_per_beat
        tempos: list[tuple[float, float]] = []
        meters: list[tuple[float, int, int]] = []
        markers: list[tuple[float, str]] = []
        key = None
        parts: list[Part] = []
        for ti, track in enumerate(mid.tracks):
            tick = 0
            name = f"track {ti}"
            programs: dict[int, int] = {}
            dynamics: list[tuple[float, str]] = []
            arts: dict[tuple[int, int], str] = {}  # (tick, pitch) -> articulation
            role = ""
            ccs: dict[int, dict[int, list[tuple[float, int]]]] = {}
            instrument = ""
            open_notes: dict[tuple[int, int], list[tuple[int, int]]] = {}
            by_channel: dict[int, list[Note]] = {}
            for msg in track:
                tick += msg.time
                beat = tick / ppq
                if msg.type == "set_tempo":
                    tempos.append((beat, round(mido.tempo2bpm(msg.tempo), 6)))
                elif msg.type == "time_signature":
                    meters.append((beat, msg.numerator, msg.denominator))
                elif msg.type == "marker":
                    markers.append((beat, msg.text))
                elif msg.type == "track_name":
                    name = msg.name
                elif msg.type == "instrument_name":
                    instrument = msg.name
                elif msg.type == "text" and msg.text.startswith("dyn: "):
                    dynamics.append((beat, msg.text[5:]))
                elif (msg.type == "sequencer_specific" and len(msg.data) > len(_ROLE_TAG)
                      and tuple(msg.data[:len(_ROLE_TAG)]) == _ROLE_TAG):
                    role = bytes(msg.data[len(_ROLE_TAG):]).decode("ascii", "replace")
                elif (msg.type == "sequencer_specific" and len(msg.data) == len(_ART_TAG) + 2
                      and tuple(msg.data[:len(_ART_TAG)]) == _ART_TAG
                      and msg.data[len(_ART_TAG)] < len(ARTICULATIONS)):
                    arts[(tick, msg.data[-1])] = ARTICULATIONS[msg.data[len(_ART_TAG)]]
                elif msg.type == "control_change":
                    ccs.setdefault(msg.channel, {}).setdefault(msg.control, []).append(
                        (beat, msg.value))
                elif msg.type == "key_signature":
                    key = msg.key
                elif msg.type == "text" and msg.text.startswith("key: "):
                    key = msg.text[5:]
                elif msg.type == "program_change":
                    programs[msg.channel] = msg.program
                elif msg.type == "note_on" and msg.velocity > 0:
                    open_notes.setdefault((msg.channel, msg.note), []).append((tick, msg.velocity))
                elif msg.type in ("note_off", "note_on"):
                    stack = open_notes.get((msg.channel, msg.note))
                    if stack:
                        on, vel = stack.pop(0)
                        if tick > on:
                            by_channel.setdefault(msg.channel, []).append(
                                Note(msg.note, on / ppq, (tick - on) / ppq, vel,
                                     arts.get((on, msg.note), "")))
            for ch, notes in sorted(by_channel.items()):
                pname = name if len(by_channel) == 1 else f"{name} ch{ch + 1}"
                # an instrument id written by to_midi comes back; any other name (a DAW's
                # "Acoustic Grand Piano") leaves the default
                kw = {"instrument": instrument} if instrument in _instrument_ids() else {}
                parts.append(Part(pname, program=programs.get(ch, 0), is_drum=ch == 9, notes=notes,
                                  dynamics=list(dynamics), cc=ccs.get(ch, {}), role=role, **kw))
        return cls(parts=parts, tempos=sorted(tempos) or [(0.0, 120.0)],
                   meters=sorted(meters) or [(0.0, 4, 4)], markers=sorted(markers), key=key,
                   ppq=ppq)

    def _tick(self, beat: float) -> int:
        return int(round(beat * self.ppq))


def _instrument_ids() -> frozenset[str]:
    from assistant.analysis.instruments import INSTRUMENT_IDS

    return frozenset(INSTRUMENT_IDS)


def _delta(events: list) -> list:
    """Sort (tick, order, message) triples and convert absolute ticks to delta times."""
    out = []
    last = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        out.append(msg.copy(time=tick - last))
        last = tick
    return out
