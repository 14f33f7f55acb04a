"""The harmonic plan of a cue: a key per section and a chord per harmonic slot.

Progressions follow REFERENCE.md's emotion → music defaults: pedal points, Phrygian
(bII) and chromatic motion and clusters for tension and fear; functional major
progressions with bVI-bVII-I for triumph; modal, unresolved harmony for mystery;
minor with low dissonance for sadness; consonant major and Lydian colour for tenderness.
Sections are related by key (release to the subdominant or relative, a chromatic lift
for a tension peak, a chromatic mediant for mystery, a real modulation for a
``transition``), and a chord changes on every hit that lands on a beat, because a
harmonic change is the most musical way to catch picture without mickey-mousing.

The harmonic rhythm follows clock time: about one chord every 2-4 seconds (two bars
per chord at fast tempos, half bars at slow ones), faster at the peak.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from assistant.compose.form import Bar, Section
from assistant.compose.theory import Chord, Key, chord_from_roman, pc_name

# phrases of four chords and cadences, per key family and mood category
_MAJOR: dict[str, dict[str, list[list[str]]]] = {
    "triumph": {"phrase": [["I", "IV", "V", "I"], ["I", "vi", "IV", "V"], ["I", "bVI", "bVII", "I"],
                           ["IV", "I/3", "ii", "V"], ["I", "V/7", "vi", "IV"]],
                "cadence": [["bVI", "bVII", "I"], ["IV", "V", "I"]]},
    "joy": {"phrase": [["I", "IV", "V", "I"], ["I", "vi", "ii", "V"], ["I", "iii", "IV", "V"]],
            "cadence": [["ii", "V", "I"], ["IV", "V", "I"]]},
    "tenderness": {"phrase": [["I", "iii", "IV", "I"], ["vi", "IV", "I", "V"], ["I", "II", "IV", "I"],
                              ["IV", "V", "iii", "vi"], ["I", "V/7", "vi", "iii"]],
                   "cadence": [["IV", "V", "I"], ["IV", "iv", "I"], ["ii", "V", "I"]]},
    "mystery": {"phrase": [["I", "II", "I", "II"], ["I", "bVI", "I", "bIII"], ["I", "iii", "bVII", "IV"]],
                "cadence": [["IV", "II"], ["bVI", "II"]]},
    "sadness": {"phrase": [["vi", "IV", "I", "V"], ["I", "iii", "vi", "IV"], ["IV", "I/3", "ii", "vi"]],
                "cadence": [["IV", "iv", "I"], ["ii", "V", "vi"]]},
    "tension": {"phrase": [["I", "bII", "I", "bVI"], ["I", "iv", "bII", "I"]],
                "cadence": [["bII", "V"]]},
    "fear": {"phrase": [["Icl", "bIIcl", "I", "#iv°"]], "cadence": [["bII", "Icl"]]},
    "anger": {"phrase": [["I", "bII", "I", "bVI"], ["I", "bVII", "bVI", "V"]],
              "cadence": [["bVI", "bII", "I"]]},
}
_MINOR: dict[str, dict[str, list[list[str]]]] = {
    "sadness": {"phrase": [["i", "bVI", "iv", "V"], ["i", "iv", "bVII", "bIII"], ["i", "bVI", "bIII", "bVII"],
                           ["iv", "i", "ii°", "V"], ["i", "v", "bVI", "iv"]],
                "cadence": [["iv", "V", "i"], ["bVI", "iv", "i"]]},
    "tension": {"phrase": [["i", "bII", "i", "iv"], ["i", "bVI", "i", "bII"], ["i", "iv", "bII", "i"],
                           ["i", "bVI", "iv", "bII"]],
                "cadence": [["bII", "V"], ["iv", "bII"]]},
    "fear": {"phrase": [["i", "bII", "#iv°", "i"], ["icl", "bIIcl", "i", "V+"], ["i", "#iv°", "bII", "icl"]],
             "cadence": [["bII", "icl"], ["#iv°", "icl"]]},
    "anger": {"phrase": [["i", "bII", "i", "bVI"], ["i", "bVII", "bVI", "V"], ["i", "bVI", "bII", "V"]],
              "cadence": [["bVI", "bII", "i"], ["iv", "V", "i"]]},
    "mystery": {"phrase": [["i", "bVI", "i", "IV"], ["i", "bIII+", "bVI", "IV"], ["i", "ii", "i", "bVII"]],
                "cadence": [["bVI", "IV"], ["iv", "bII"]]},
    "tenderness": {"phrase": [["i", "bIII", "bVII", "IV"], ["i", "bVI", "bIII", "bVII"], ["iv", "bVII", "bIII", "bVI"]],
                   "cadence": [["bVI", "bVII", "i"], ["iv", "V", "i"]]},
    "joy": {"phrase": [["i", "bVII", "bVI", "bVII"], ["i", "iv", "bVII", "bIII"]],
            "cadence": [["iv", "V", "i"]]},
    "triumph": {"phrase": [["i", "bVI", "bVII", "i"], ["i", "iv", "bVII", "bIII"], ["bVI", "bVII", "i", "i"]],
                "cadence": [["bVI", "bVII", "I"], ["iv", "V", "I"]]},
}
_FUNCTION_PHRASES: dict[str, dict[str, list[list[str]]]] = {
    "action": {"minor": [["i", "i", "bVI", "bVII"], ["i", "bII", "i", "bII"], ["i", "bVI", "iv", "V"]],
               "major": [["I", "I", "bVI", "bVII"], ["I", "bVII", "IV", "I"]]},
    "source": {"major": [["I", "I", "V", "V"], ["V", "V", "I", "I"], ["I", "IV", "V", "I"]],
               "minor": [["i", "i", "V", "V"], ["V", "V", "i", "i"], ["i", "iv", "V", "i"]]},
    "comedy": {"major": [["I", "vi", "ii", "V7"], ["I", "#i°", "ii", "V7"], ["IV", "#iv°", "I/5", "V7"]],
               "minor": [["i", "iv", "V7", "i"], ["i", "bVI", "V7", "i"]]},
}
PEDAL_CATEGORIES = ("tension", "mystery")
UNRESOLVED = ("tension", "mystery", "fear")


@dataclass
class ChordSlot:
    """One chord of the plan: where it sounds, in which key, over which bass."""

    start_beat: float
    end_beat: float
    chord: Chord
    key: Key
    bar: int  # tempo-map bar number of the slot start
    pedal: int | None = None  # bass pitch class held under the chord (a pedal point)
    cadence: bool = False
    on_hit: bool = False

    @property
    def bass_pc(self) -> int:
        return self.pedal if self.pedal is not None else self.chord.bass

    def to_json(self) -> dict[str, Any]:
        sym = self.chord.spelled(self.key)
        if self.pedal is not None and self.pedal != self.chord.root:
            sym = sym.split("/")[0] + "/" + pc_name(self.pedal, self.key) + " (pedal)"
        return {"bar": self.bar, "start_beat": round(self.start_beat, 4),
                "dur_beats": round(self.end_beat - self.start_beat, 4), "symbol": sym,
                "roman": self.chord.roman, "key": self.key.name, "cadence": self.cadence,
                "on_hit": self.on_hit}


def plan_keys(sections: list[Section], home: Key, category: str, function: str) -> list[str]:
    """Set every section's key; returns one line per key relation used."""
    notes: list[str] = []
    for s in sections:
        s.key = home
    n = len(sections)
    if n == 0:
        return notes
    if function == "transition" and n >= 2:
        target = home.transposed(5) if not home.is_minor else home.relative()
        half = n // 2
        for s in sections[half:]:
            s.key = target
        notes.append(f"transition: {home.name} -> {target.name} at section {half + 1}")
        return notes
    if function in ("sting", "source") or n < 3:
        return notes
    for i, s in enumerate(sections):
        length = s.last_bar - s.first_bar + 1
        if length < 4 or s.name in ("intro", "tail"):
            continue
        last_peak = not any(x.name == "peak" for x in sections[i + 1:])
        if s.name == "peak" and category in ("tension", "fear") and function != "build_tension" \
                and last_peak and (s.part > 0 or length <= 16):
            s.key = home.transposed(1)
            notes.append(f"peak lifted a semitone to {s.key.name}")
        elif s.name == "release" and i < n - 1:
            if category == "mystery":
                s.key = home.transposed(8)
                notes.append(f"release to the chromatic mediant {s.key.name}")
            elif category in ("tenderness", "triumph", "joy", "sadness") and function != "action":
                s.key = home.transposed(5)
                notes.append(f"release to the subdominant {s.key.name}")
    return notes


def _slot_bars(bar: Bar, bpm: float, intensity: float) -> float:
    """Harmonic rhythm in bars per chord for a bar at ``bpm`` (see module docstring)."""
    bar_s = bar.full_beats * 60.0 / max(bpm, 1e-6)
    if bar_s < 1.8:
        per = 2.0
    elif bar_s > 4.8 and bar.meter[0] % 2 == 0 and bar.meter[0] >= 4:
        per = 0.5
    else:
        per = 1.0
    if intensity > 0.85 and per > 1.0:
        per = 1.0
    return per


def plan_harmony(bars: list[Bar], sections: list[Section], category: str, function: str,
                 tempo_at: Any, hit_beats: list[tuple[float, bool]], rng: random.Random,
                 unresolved_end: bool = False) -> list[ChordSlot]:
    """The chord plan (see module docstring). ``tempo_at(beat)`` gives BPM;
    ``hit_beats`` are (grid beat, important) of hits that land on a beat."""
    slots: list[ChordSlot] = []
    for si, sec in enumerate(sections):
        key = sec.key or Key(0)
        fam = "minor" if key.is_minor else "major"
        table = (_MINOR if key.is_minor else _MAJOR).get(category) or (
            _MINOR if key.is_minor else _MAJOR)["sadness" if key.is_minor else "tenderness"]
        phrases = _FUNCTION_PHRASES.get(function, {}).get(fam) or table["phrase"]
        if function == "action" and category in ("tension", "fear", "anger"):
            phrases = phrases + table["phrase"]
        # slot boundaries: harmonic rhythm, plus every hit beat inside the section
        bounds: list[float] = []
        i = sec.first_bar
        while i <= sec.last_bar:
            b = bars[i]
            if b.is_pickup:
                bounds.append(b.start_beat)
                i += 1
                continue
            per = _slot_bars(b, float(tempo_at(b.start_beat)), sec.intensity)
            if per == 0.5:
                bounds += [b.start_beat, b.start_beat + b.full_beats / 2]
                i += 1
            else:
                bounds.append(b.start_beat)
                i += int(per)
        for beat, _ in hit_beats:
            if sec.start_beat + 0.25 < beat < sec.end_beat - 0.25:
                bounds.append(beat)
        bounds = sorted(set(round(x, 6) for x in bounds if x < sec.end_beat - 1e-6))
        # merge boundaries closer than one beat (keep the hit one)
        hit_set = {round(b, 6) for b, _ in hit_beats}
        clean: list[float] = []
        for x in bounds:
            if clean and x - clean[-1] < 1.0 and x not in hit_set:
                continue
            if clean and x - clean[-1] < 1.0 and clean[-1] not in hit_set and len(clean) > 1:
                clean[-1] = x
                continue
            clean.append(x)
        ends = clean[1:] + [sec.end_beat]
        n = len(clean)
        seq: list[str] = []
        while len(seq) < n:
            seq += list(rng.choice(phrases))
        seq = seq[:n]
        last_section = si == len(sections) - 1
        if sec.name not in ("intro",) and n >= 3:
            cad_pool = table["cadence"]
            if last_section and (unresolved_end or category in UNRESOLVED):
                cad = list(rng.choice(_MINOR["tension"]["cadence"] if key.is_minor
                                      else _MAJOR["mystery"]["cadence"]))
            elif last_section:
                cad = [c for c in cad_pool if c[-1].lower() == "i"] or cad_pool
                cad = list(rng.choice(cad))
            else:
                cad = list(rng.choice(cad_pool))
            cad = cad[-min(len(cad), n - 1):]
            seq[n - len(cad):] = cad
        if last_section and n <= 2 and not (unresolved_end or category in UNRESOLVED):
            seq[-1] = "i" if key.is_minor else "I"
        pedal = key.tonic if (category in PEDAL_CATEGORIES and sec.name in ("intro", "build")
                              or function == "build_tension") else None
        if function == "build_tension" and sec.name == "peak":
            pedal = key.degree_pc(5)
        for j, (s, e) in enumerate(zip(clean, ends, strict=True)):
            roman = seq[j]
            bar_no = _bar_number(bars, s)
            if bars[sec.first_bar].is_pickup and j == 0 and sec.first_bar == 0:
                roman = "V" if category not in UNRESOLVED else ("i" if key.is_minor else "I")
            on_hit = any(abs(s - hb) < 1e-6 for hb, _ in hit_beats)
            important = any(abs(s - hb) < 1e-6 and imp for hb, imp in hit_beats)
            if important and category == "triumph":
                roman = "I" if not key.is_minor else "bVI"
            elif important and category in ("fear",):
                roman = "icl" if key.is_minor else "Icl"
            chord = chord_from_roman(roman, key)
            slots.append(ChordSlot(s, e, chord, key, bar_no, pedal,
                                   cadence=j >= n - 2 and sec.name != "intro", on_hit=on_hit))
    _pivots(slots, category)
    return slots


def _pivots(slots: list[ChordSlot], category: str) -> None:
    """Lead into every new key through its dominant: the last chord before the change
    becomes V7 of the new key (a tension lift of a semitone stays abrupt on purpose)."""
    for i in range(1, len(slots)):
        a, b = slots[i - 1], slots[i]
        if a.key == b.key or a.on_hit:
            continue
        lift = (b.key.tonic - a.key.tonic) % 12 == 1 and category in ("tension", "fear")
        if lift:
            continue
        dom = Chord((b.key.tonic + 7) % 12, "7", None, "V7/" + b.key.name.split()[0])
        a.chord = dom
        a.pedal = None
        a.cadence = True


def _bar_number(bars: list[Bar], beat: float) -> int:
    for b in bars:
        if b.start_beat - 1e-9 <= beat < b.end_beat - 1e-9:
            return b.number
    return bars[-1].number if bars else 1


def chord_at(slots: list[ChordSlot], beat: float) -> ChordSlot | None:
    """The slot sounding at ``beat`` (slots are sorted and contiguous)."""
    lo, hi = 0, len(slots) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        s = slots[mid]
        if beat < s.start_beat - 1e-9:
            hi = mid - 1
        elif beat >= s.end_beat - 1e-9:
            lo = mid + 1
        else:
            return s
    return slots[-1] if slots and beat >= slots[-1].start_beat else (slots[0] if slots else None)
