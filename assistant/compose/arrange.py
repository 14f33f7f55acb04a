"""Orchestrating a drafted cue: the composed lines and layers onto the ensemble's
instruments, section by section (:class:`Arranger`), then the finishing rules.

Per section, one job per instrument: the tune (with doublings as the music gets loud,
each doubling where that instrument sings), the bass, the counter-line, then the
accompaniment layers in order (a chord layer spread over several sections keeps its
voicing); a layer with no free instrument is left out rather than stacked, except that a
keyboard or harp playing the bass takes a chord layer in its other hand. Hit events
go to the instruments that can play them (a stab across the orchestra, a crash to the
percussion, a riser to the strings and winds). :meth:`Arranger.assemble` then keeps
chords and counter-lines under the tune, cuts planned silences, lets a source cue ring
into its cut, and limits each part to the voices it has. Ranges are enforced by
:func:`assistant.orchestrate.assign.fit_line` on the way in.
"""

from __future__ import annotations

import bisect
from dataclasses import replace
from typing import Any

from assistant.analysis.instruments import INSTRUMENTS
from assistant.compose.form import Section
from assistant.compose.harmony import ChordSlot, chord_at
from assistant.compose.texture import Layer
from assistant.music.score import Note, Part
from assistant.orchestrate.assign import (
    LOUD_DOUBLINGS,
    MAX_VOICES,
    RangeReport,
    choose,
    fit_line,
    limit_voices,
    make_part,
    remove_overlaps,
    spread_chord,
    sweet_spot,
)
from assistant.orchestrate.dialogue import Line
from assistant.orchestrate.dynamics import LevelCurve
from assistant.orchestrate.palettes import Ensemble

_WEIGHTS = ("solo", "chamber", "section", "tutti")
#: instruments with two hands: one may hold the bass while the other plays the chords
_TWO_HANDS = ("piano", "harp", "organ")


class Arranger:
    """Collects each instrument's notes and the roles it plays (see module docstring)."""

    def __init__(self, ens: Ensemble, lead: str, function: str, weight: str | None = None) -> None:
        self.ens, self.lead, self.function = ens, lead, function
        self.weight = weight if weight in _WEIGHTS else None
        self.ranges = RangeReport()
        self.notes: dict[str, list[Note]] = {}
        self.role_beats: dict[str, dict[str, float]] = {}
        self.tune_of: dict[str, list[Note]] = {}  # per instrument: the tune it plays, and ...
        self.accomp_of: dict[str, list[Note]] = {}  # ... the accompaniment it plays besides

    def give(self, iid: str, notes: list[Note], role: str, whole_line: bool) -> None:
        """Add ``notes`` to ``iid`` in ``role``. A line moves as a whole by octaves into
        the instrument's range (no leaps from folding single notes); ``whole_line=False``:
        notes already voiced for it (a chord spread over sections, a stab) only fold where
        they leave its comfortable range."""
        if not notes or iid not in self.ens.sounding:
            return
        centre = sweet_spot(iid) if role == "melody" and iid != self.lead else None
        fitted = fit_line(notes, iid, self.ranges, whole_line=whole_line, centre=centre,
                          written_for=role == "melody" and iid == self.lead)
        self.notes.setdefault(iid, []).extend(fitted)
        if role == "melody":
            self.tune_of.setdefault(iid, []).extend(fitted)
        elif role in ("harmony", "counter_melody"):
            self.accomp_of.setdefault(iid, []).extend(fitted)
        rb = self.role_beats.setdefault(iid, {})
        rb[role] = rb.get(role, 0.0) + sum(n.dur_beats for n in fitted)

    def _count(self, n: int, loud: int | None = None) -> int:
        return {"solo": 1, "chamber": min(n, 2), "tutti": max(n, loud or 2)}.get(self.weight or "", n)

    def arrange(self, sections: list[Section], level: LevelCurve, melody: list[Note],
                counter: list[Note], layers: list[Layer]) -> None:
        """Give every section's material to instruments (see module docstring)."""
        ens, lead, function = self.ens, self.lead, self.function
        has_tune = bool(melody)
        for s in sections:
            lv = level.at(s.start_beat + 0.01)
            taken: set[str] = {lead} if has_tune and len(ens.pitched) > 2 else set()
            mel = clip(melody, s.start_beat, s.end_beat)
            if mel:
                n_mel = self._count(1 + (lv >= 3.6) + (lv >= 4.5))
                if ens.palette.solo or function == "source":
                    n_mel = 1
                extra = [i for i in LOUD_DOUBLINGS["melody"] if i != lead]
                ins = [lead] + [i for i in choose("melody", ens.pitched, {lead}, n_mel - 1, extra)
                                if i != lead][: n_mel - 1]
                for i in ins:
                    self.give(i, mel, "melody", True)
                taken.update(ins)
            bass_by: set[str] = set()  # who plays the bass here (a keyboard's left hand)
            for lay in layers:
                if lay.name != "bass":
                    continue
                notes = clip(lay.notes, s.start_beat, s.end_beat)
                if not notes:
                    continue
                n_b = 1 + (lv >= 1.5) + (lv >= 3.6) + (lv >= 4.5)
                pref = ["cello", "double_bass"] if function != "comedy" else ["bassoon", "cello"]
                if len(ens.pitched) <= 3 and "double_bass" in ens.pitched and not ens.palette.solo:
                    # a small band the brief chose ("low strings"): cellos and basses
                    # together on the bass line, in octaves; the third part takes the rest
                    pref = ["double_bass"] + [i for i in pref if i != "double_bass"]
                    n_b = max(n_b, 2)
                quiet_floor = (lv < 1.5 and not ens.palette.solo and function != "comedy"
                               and {"cello", "double_bass"} <= set(ens.pitched))
                if quiet_floor:
                    # a quiet texture keeps a real bass: cellos and basses in octaves,
                    # softly (under dialogue the basses stay below any voice)
                    pref, n_b = ["cello", "double_bass"], max(n_b, 2)
                ins = choose("bass", ens.pitched, taken, n_b, pref)
                for i, line in bass_octaves(notes, ins[:1] if ens.palette.solo else ins).items():
                    self.give(i, line, "bass", True)
                    bass_by.add(i)
                taken.update(ins)
            cm = clip(counter, s.start_beat, s.end_beat)
            if cm:
                ins = [i for i in choose("counter_melody", ens.pitched, taken, 1) if i not in taken]
                for i in ins:
                    self.give(i, cm, "counter_melody", True)
                taken.update(ins)
            harmony_given = False
            right_hand: set[str] = set()
            for lay in layers:
                notes = clip(lay.notes, s.start_beat, s.end_beat)
                if not notes or lay.name == "bass":
                    continue
                if lay.drum:
                    for i in choose("drums", ens.sounding, set(), 1):
                        # orchestral percussion: bass drum and snare, no kit hi-hat
                        self.give(i, notes if i == "drums" else [n for n in notes if n.pitch != 42],
                                  "percussion", False)
                    continue
                if lay.name == "timpani":
                    for i in choose("timpani", ens.pitched, set(), 1):
                        self.give(i, notes, "percussion", False)
                    continue
                n_ins = self._count(1 if lv < 2 else (2 if lv < 3.6 else 3))
                if lay.name in ("high", "arpeggio", "waltz", "pizzicato"):
                    n_ins = min(n_ins, 2)
                ins = choose(lay.name, ens.pitched, taken, n_ins,
                             list(LOUD_DOUBLINGS.get(lay.name, ()) if lv >= 3.6 else ()))
                if not ins or (harmony_given and all(i in taken for i in ins)):
                    # no instrument free: a keyboard playing the bass takes the chords in
                    # its right hand; otherwise the layer is left out, never stacked
                    hands = [i for i in _TWO_HANDS if i in bass_by and i not in right_hand]
                    if lay.name in ("pad", "chorale", "waltz") and hands:
                        self.give(hands[0], notes, "harmony", False)
                        right_hand.add(hands[0])
                    continue
                if lay.name in ("pad", "chorale", "pulse", "waltz") and len(ins) > 1:
                    for i, ns in spread_chord(notes, ins).items():
                        self.give(i, ns, "harmony", False)
                else:
                    for i in ins:
                        self.give(i, notes, "harmony", True)
                taken.update(ins)
                harmony_given = True

    def give_event(self, name: str, notes: list[Note], role: str, level: LevelCurve) -> None:
        """Hit events (:func:`assistant.compose.events.event_notes`) onto instruments."""
        pitched = self.ens.pitched
        if name == "stab":
            lv = level.at(notes[0].start_beats) if notes else 3.0
            n = len(pitched) if role == "stab" and lv >= 3 else max(2, len(pitched) // 2)
            if role == "light_accent":
                n = min(3, len(pitched))
            order = [i for i in ("violin", "viola", "cello", "double_bass", "horn", "trombone", "trumpet",
                                 "tuba", "piano", "synth_pad", "synth_bass", "clarinet", "bassoon",
                                 "flute", "oboe", "harp", "organ", "choir", "celesta", "guitar",
                                 "english_horn", "bass_clarinet", "synth_lead", "glockenspiel",
                                 "piccolo", "voice") if i in pitched][:n]
            for iid in order:
                lo, hi = INSTRUMENTS[iid].comfortable
                mine = [x for x in notes if lo <= x.pitch <= hi]
                mine = sorted(mine, key=lambda x: -x.pitch)[:MAX_VOICES.get(iid, 2)]
                self.give(iid, mine, "stab", False)
        elif name == "crash":
            for iid in ("percussion", "drums"):
                if iid in self.ens.sounding:
                    self.give(iid, notes, "percussion", False)
                    break
        elif name == "timpani":
            if "timpani" in self.ens.sounding:
                self.give("timpani", notes, "percussion", False)
        elif name == "riser":
            for iid in choose("melody", pitched, set(), 2, ["violin", "flute", "clarinet", "piano",
                                                            "synth_lead", "harp"]):
                self.give(iid, notes, "riser", True)

    def assemble(self, end_beat: float, silences: list[tuple[float, float]],
                 cuts: list[float]) -> list[Part]:
        """The parts in score order (see module docstring)."""
        parts: list[Part] = []
        for iid in [i for i in INSTRUMENTS if i in self.notes]:
            notes = self.notes[iid]
            # chords and counter-lines sound under the tune (a high tremolo may shimmer above)
            tune = self.tune_of.get(iid) or self.tune_of.get(self.lead)
            under = [n for n in self.accomp_of.get(iid, []) if n.articulation != "tremolo"]
            if tune and under:
                notes = under_the_tune(notes, sorted(tune, key=lambda n: n.start_beats), under,
                                       iid, tuple(self.tune_of))
            notes = cut_ranges(clip(notes, 0.0, end_beat), silences)
            if self.function == "source":  # the record plays on until the cut: ring into it
                notes = ring_into(notes, cuts)
            notes = remove_overlaps(limit_voices(notes, MAX_VOICES.get(iid, 4)))
            if notes:
                parts.append(make_part(iid, notes, main_role(self.role_beats.get(iid, {}))))
        return parts


def bass_octaves(notes: list[Note], instruments: list[str]) -> dict[str, list[Note]]:
    """The bass line for each of ``instruments``: with cellos and basses together, the
    basses sound an octave below the cellos (the basses take the line down an octave
    where it stays above their low E, else the cellos take it up one); others in unison."""
    out = {i: notes for i in instruments}
    if not notes or not {"cello", "double_bass"} <= set(instruments):
        return out
    lo, hi = min(n.pitch for n in notes), max(n.pitch for n in notes)
    if lo - 12 >= INSTRUMENTS["double_bass"].comfortable[0]:
        out["double_bass"] = [replace(n, pitch=n.pitch - 12) for n in notes]
    elif hi + 12 <= INSTRUMENTS["cello"].comfortable[1] - 12:  # the cellos stay low-ish
        out["cello"] = [replace(n, pitch=n.pitch + 12) for n in notes]
    return out


_ROLE_WEIGHT = {"melody": 6.0, "counter_melody": 2.0, "bass": 1.5, "harmony": 1.0, "percussion": 1.0,
                "stab": 0.1, "riser": 0.3, "light_accent": 0.1}


def main_role(beats: dict[str, float]) -> str:
    """A part's role: the one it plays most, the tune and the bass weighing more."""
    if not beats:
        return "harmony"
    role = max(beats, key=lambda r: beats[r] * _ROLE_WEIGHT.get(r, 1.0))
    return "harmony" if role in ("stab", "light_accent", "riser") else role


def clip(notes: list[Note], start: float, end: float) -> list[Note]:
    out = []
    for n in notes:
        if n.start_beats >= end - 1e-6 or n.end_beats <= start + 1e-6:
            continue
        s = max(n.start_beats, start)
        e = min(n.end_beats, end)
        if e - s > 0.02:
            out.append(replace(n, start_beats=s, dur_beats=e - s) if (s, e) != (n.start_beats, n.end_beats) else n)
    return out


def cut_ranges(notes: list[Note], ranges: list[tuple[float, float]]) -> list[Note]:
    """Remove sound inside every (start, end) beat range (notes are shortened or dropped)."""
    out = notes
    for s, e in ranges:
        nxt = []
        for n in out:
            if n.end_beats <= s + 1e-6 or n.start_beats >= e - 1e-6:
                nxt.append(n)
            elif n.start_beats < s and s - n.start_beats > 0.02:
                nxt.append(replace(n, dur_beats=s - n.start_beats))
        out = nxt
    return out


_HOLDERS = ("violin", "viola", "synth_pad", "flute", "clarinet", "horn", "organ", "choir", "oboe",
            "cello", "piano", "harp", "celesta", "guitar", "double_bass", "bassoon", "trombone")


def hold_under_lines(parts: list[Part], slots: list[ChordSlot], lines: list[Line],
                     silences: list[tuple[float, float]], ens: Ensemble, b2s: Any,
                     lead: str | None) -> int:
    """Where thinning under a line left the music silent (over half a second), hold a
    quiet chord tone above the speaker's band in a sustaining instrument: the cue keeps
    sounding without competing with the voice. ``b2s`` maps beats to seconds. Returns
    the notes added."""
    ivs = sorted((n.start_beats, max(n.end_beats, n.start_beats)) for p in parts for n in p.notes)
    holes: list[tuple[float, float]] = []
    cur = 0.0
    end = max((ln.end_beat for ln in lines), default=0.0)
    for a, b in ivs + [(end, end)]:
        if a > cur and b2s(a) - b2s(cur) > 0.5:
            holes.append((cur, a))
        cur = max(cur, b)
    holder = next((i for i in _HOLDERS if i in ens.pitched and i != lead), None) or \
        next((i for i in _HOLDERS if i in ens.pitched), None)
    if holder is None:
        return 0
    lo, hi = INSTRUMENTS[holder].comfortable
    plo, phi = INSTRUMENTS[holder].professional
    added: list[Note] = []
    for a, b in holes:
        under = [ln for ln in lines if ln.start_beat < b and ln.end_beat > a]
        if not under or any(s <= a and b <= e for s, e in silences):
            continue
        band_hi = max(ln.band[1] for ln in under)
        band_lo = min(ln.band[0] for ln in under)
        t = a
        while t < b - 1e-6:
            slot = chord_at(slots, t + 1e-6)
            nxt = min(b, slot.end_beat if slot else b)
            pcs = slot.chord.pcs if slot else (0,)
            cands = [p for p in range(max(plo, band_hi + 1), phi + 1) if p % 12 in pcs] + \
                [p for p in range(plo, min(phi, band_lo - 1) + 1) if p % 12 in pcs]
            if cands and nxt - t > 0.05:
                p = min(cands, key=lambda q: (not lo <= q <= hi, abs(q - (lo + hi) / 2)))
                added.append(Note(p, t, nxt - t, 60, "tenuto"))
            t = nxt
    if added:
        part = next((p for p in parts if p.instrument == holder), None)
        if part is None:
            part = make_part(holder, [], "harmony")
            parts.append(part)
        part.notes = remove_overlaps(part.notes + added)
    return len(added)


#: chords pushed under a low tune stop here (C3): below it they are mud, and a chord over
#: a tenor tune in another colour is the lesser evil
CHORD_FLOOR = 48


def under_the_tune(notes: list[Note], tune: list[Note], accomp: list[Note], iid: str,
                    tune_instruments: tuple[str, ...] = ()) -> list[Note]:
    """In a part that plays the tune and its accompaniment (a piano's two hands, a string
    section divided), the accompaniment sounds under the tune: a note at or above the
    tune note sounding with it drops by octaves below it, or is left out."""
    lo = INSTRUMENTS[iid].comfortable[0]
    ids = {id(n) for n in accomp}
    starts = [n.start_beats for n in tune]

    out = []
    for n in notes:
        if id(n) not in ids:
            out.append(n)
            continue
        i = bisect.bisect_right(starts, n.start_beats + 1e-9)
        near = [m for m in tune[max(0, i - 8): i + 8]
                if m.start_beats < n.end_beats - 1e-9 and m.end_beats > n.start_beats + 1e-9]
        if not near:
            out.append(n)
            continue
        ceiling = min(m.pitch for m in near) - 2
        p = n.pitch
        floor = max(lo, CHORD_FLOOR) if n.pitch >= CHORD_FLOOR else lo  # no chords in the mud
        while p > ceiling and p - 12 >= floor:
            p -= 12
        if p <= ceiling:
            out.append(replace(n, pitch=p) if p != n.pitch else n)
        elif iid not in tune_instruments:
            out.append(n)  # another section cannot go lower: it stays (doubling the colour)
    return out


def ring_into(notes: list[Note], cuts: list[float]) -> list[Note]:
    """Notes ending within a beat before a cut-off are held to it (music stops on the cut)."""
    out = []
    for n in notes:
        for c in cuts:
            if c - 1.0 - 1e-6 <= n.end_beats < c - 1e-6 and n.start_beats < c:
                n = replace(n, dur_beats=c - n.start_beats)
        out.append(n)
    return out
