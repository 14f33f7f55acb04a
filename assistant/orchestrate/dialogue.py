"""The dialogue-aware pass: get out of the actors' way.

REFERENCE.md's practitioner rule: find the speaker's central note and leave about a
sixth (±9 semitones) free on each side; thin the texture and lower the dynamics under
lines; put accents and entries in the gaps. Fundamentals are about 80-180 Hz for male
voices and 160-250 Hz for female ones, so the central notes used here are the
geometric means: 120 Hz (MIDI 47, B2) for a male voice, 200 Hz (MIDI 55, G3) for a
female one, and 141 Hz (MIDI 49) for a speaker whose voice is unknown. A child's voice
(not in REFERENCE.md; a design default) centres on C4 (MIDI 60, 262 Hz), after the
children's mean fundamental of about 264 Hz in Peterson & Barney (1952). Who speaks with
which voice is read from the screenplay by :mod:`assistant.analysis.voices`.

Under each span the pass:

* drops drums, percussion and counter-melodies that start there (thinner texture);
* moves every note sounding in the band out of it by octaves, inside the instrument's
  professional range (drops it when no octave fits); a chord or counter-line is not
  lifted over the tune it accompanies (it thins instead), and where a figure loses a
  note the note before it rings on (a held note, not a hole);
* removes melodic entries (a melody note after a rest) and strips accents from notes
  that start under the line, except the events that catch an important hit.

:func:`voice_band_notes` measures the result: pitched notes sounding under a line inside
its speaker's band. The draft reports it with and without the pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from assistant.analysis.instruments import INSTRUMENTS
from assistant.music.score import Note, Part

BAND_SEMITONES = 9
FIGURE_MARGIN_BEATS = 2.0
VOICE_CENTRE = {"male": 47, "female": 55, "child": 60, "unknown": 49}
_THIN_ROLES = ("counter_melody", "percussion")
#: roles that sound under the tune: the pass never lifts them over it
_UNDER_TUNE = ("counter_melody", "harmony")
_ACCENTS = ("accent", "marcato", "sforzando")


def hz_to_midi(hz: float) -> float:
    return 69 + 12 * math.log2(hz / 440.0)


@dataclass(frozen=True)
class Line:
    """A dialogue line in cue beats with its speaker's central pitch."""

    start_beat: float
    end_beat: float
    character: str = ""
    centre: int = VOICE_CENTRE["unknown"]
    voice: str = "unknown"  # male, female, child, unknown (or "<n>Hz", a MIDI note)

    @property
    def band(self) -> tuple[int, int]:
        return self.centre - BAND_SEMITONES, self.centre + BAND_SEMITONES


def centre_for(voice: Any) -> int:
    """Central MIDI note for ``voice``: "male"/"female"/"child"/None, a MIDI number, or
    "<n>Hz"."""
    if voice is None or voice == "":
        return VOICE_CENTRE["unknown"]
    if isinstance(voice, (int, float)) and not isinstance(voice, bool):
        return int(round(voice))
    v = str(voice).strip().lower()
    if v.endswith("hz"):
        return int(round(hz_to_midi(float(v[:-2]))))
    if v in ("m", "man"):
        v = "male"
    if v in ("f", "w", "woman"):
        v = "female"
    if v in ("boy", "girl", "kid", "c"):
        v = "child"
    return VOICE_CENTRE.get(v, VOICE_CENTRE["unknown"])


def _sounds_under(n: Note, line: Line) -> bool:
    return n.start_beats < line.end_beat - 1e-9 and n.end_beats > line.start_beat + 1e-9


def voice_band_notes(parts: list[Part], lines: list[Line]) -> int:
    """Pitched notes that sound under a line inside its speaker's band (each note once)."""
    count = 0
    for p in parts:
        if p.is_drum:
            continue
        for n in p.notes:
            if any(_sounds_under(n, ln) and ln.band[0] <= n.pitch <= ln.band[1] for ln in lines):
                count += 1
    return count


def _move_out(pitch: int, band: tuple[int, int], rng: tuple[int, int], prefer_up: bool
              ) -> int | None:
    lo, hi = band
    ups = [pitch + 12]  # one octave: further is a different line, not the same one moved
    downs = [pitch - 12]
    for cands in ((ups, downs) if prefer_up else (downs, ups)):
        for q in cands:
            if not lo <= q <= hi and rng[0] <= q <= rng[1]:
                return q
    return None


def _tune_ceiling(parts: list[Part]) -> Any:
    """``f(note) -> pitch | None``: the lowest tune pitch sounding with ``note`` (the
    parts whose role is melody), or None where no tune sounds."""
    import bisect

    tune = sorted((n for p in parts if p.role == "melody" and not p.is_drum for n in p.notes),
                  key=lambda n: n.start_beats)
    starts = [n.start_beats for n in tune]

    def ceiling(n: Note) -> int | None:
        i = bisect.bisect_right(starts, n.end_beats - 1e-9)
        near = [m.pitch for m in tune[max(0, i - 12):i]
                if m.start_beats < n.end_beats - 1e-9 and m.end_beats > n.start_beats + 1e-9]
        return min(near) if near else None
    return ceiling


def _shift_figures(part: Part, lines: list[Line], rng: tuple[int, int], ceiling: Any = None
                   ) -> int:
    """Move each figure sounding under a line by the one octave shift that clears the
    speaker's band best, so an arpeggio or a phrase keeps its shape; an accompaniment
    (``ceiling`` given) is not moved over the tune it sits under. Returns notes moved."""
    moved = 0
    done: set[int] = set()  # a note moves once, whatever the number of lines around it
    for ln in lines:
        # the figure around the line moves together (two beats either side of it)
        wide = Line(ln.start_beat - FIGURE_MARGIN_BEATS, ln.end_beat + FIGURE_MARGIN_BEATS,
                    ln.character, ln.centre)
        idx = [i for i, n in enumerate(part.notes) if _sounds_under(n, wide) and i not in done]
        lo, hi = ln.band
        if not idx or not any(lo <= part.notes[i].pitch <= hi for i in idx):
            continue

        def cost(shift: int, idx: list[int] = idx, lo: int = lo, hi: int = hi) -> float:
            c = 0.0
            for i in idx:
                q = part.notes[i].pitch + shift
                c += 10 * (lo <= q <= hi) + 100 * (not rng[0] <= q <= rng[1])
                top = ceiling(part.notes[i]) if ceiling is not None and shift > 0 else None
                c += 12 * (top is not None and q >= top)  # over the tune: worse than the band
            return c + abs(shift) / 12
        # one octave at most; a bass line only goes down and a tune only up (neither
        # swaps register with the other to dodge a voice; what cannot clear is thinned)
        options = {"bass": (0, -12), "melody": (0, 12)}.get(part.role, (0, 12, -12))  # a tune goes over the voice
        best = min(options, key=cost)
        if best:
            for i in idx:
                q = part.notes[i].pitch + best
                top = ceiling(part.notes[i]) if ceiling is not None and best > 0 else None
                if top is not None and q >= top:  # it would cross the tune: left to the
                    continue  # note-by-note pass below (down an octave, or thinned)
                if rng[0] <= q <= rng[1]:  # never out of the instrument's range
                    part.notes[i] = replace(part.notes[i], pitch=q)
                    done.add(i)
                    moved += 1
    return moved


def ring_on(kept: list[Note], gone: Note, under: list[Line]) -> bool:
    """A figure's note dropped under a line: the note kept just before it, when it ends
    where the dropped note began, sits outside the speakers' bands and is not part of a
    chord, rings on through it (the figure thins to a held note instead of leaving a
    hole). Returns whether it did."""
    if not kept:
        return False
    last = kept[-1]
    same_onset = [k for k in kept[-6:] if abs(k.start_beats - last.start_beats) < 1e-9]
    if abs(last.end_beats - gone.start_beats) > 1e-6 or len(same_onset) > 1 or any(
            ln.band[0] <= last.pitch <= ln.band[1] for ln in under):
        return False
    kept[-1] = replace(last, dur_beats=last.dur_beats + gone.dur_beats)
    return True


def _upper_hand(notes: list[Note]) -> set[int]:
    """Indices of the notes of a bass part that sound over a lower note of the same part
    (a keyboard's chords over its bass line)."""
    order = sorted(range(len(notes)), key=lambda i: notes[i].start_beats)
    out: set[int] = set()
    for k, i in enumerate(order):
        n = notes[i]
        for j in order[max(0, k - 8):k + 8]:
            m = notes[j]
            if j != i and m.pitch < n.pitch and m.start_beats < n.end_beats - 1e-9 \
                    and m.end_beats > n.start_beats + 1e-9:
                out.add(i)
                break
    return out


def _lowest(parts: list[Part]) -> Part:
    return min(parts, key=lambda p: INSTRUMENTS[p.instrument].professional[0]
               if p.instrument in INSTRUMENTS else 0)


def _drop_stuck_bass(part: Part, lines: list[Line], rng: tuple[int, int]) -> int:
    """Drop this part's notes under a line when any of them sits in the band and cannot
    go an octave down inside the range. Returns the notes dropped."""
    drop: set[int] = set()
    for ln in lines:
        idx = [i for i, n in enumerate(part.notes) if _sounds_under(n, ln)]
        lo, hi = ln.band
        if any(lo <= part.notes[i].pitch <= hi and part.notes[i].pitch - 12 < rng[0] for i in idx):
            drop.update(idx)
    if drop:
        part.notes = [n for i, n in enumerate(part.notes) if i not in drop]
    return len(drop)


def dialogue_pass(parts: list[Part], lines: list[Line], protected: set[float] | None = None
                  ) -> dict[str, int]:
    """Apply the pass in place (see module docstring); ``protected`` are onsets (beats)
    of hit events that keep their accents. Returns counts of what it changed."""
    protected = protected or set()
    stats = {"moved": 0, "dropped": 0, "thinned": 0, "entries_removed": 0, "accents_removed": 0,
             "held": 0}
    if not lines:
        return stats
    bass_parts = [p for p in parts if p.role == "bass" and not p.is_drum]
    # a keyboard's two hands: the chords over its bass line are moved as chords (up, or
    # down only under the tune), not pushed down with the bass into the mud
    hands = {}
    for p in bass_parts:
        high = _upper_hand(p.notes)
        if high and len(high) < len(p.notes):
            hands[id(p)] = replace(p, notes=[p.notes[i] for i in sorted(high)], role="harmony")
            p.notes = [n for i, n in enumerate(p.notes) if i not in high]
    work = parts + list(hands.values())
    ceiling = None
    # the tune first: the accompaniment then knows where the tune sits under each line
    for part in sorted(work, key=lambda p: p.role != "melody"):
        if part.role != "melody" and ceiling is None:
            ceiling = _tune_ceiling(parts)
        ins = INSTRUMENTS.get(part.instrument)
        rng = ins.professional if ins else (0, 127)
        accomp = part.role in _UNDER_TUNE
        if not part.is_drum:
            stats["moved"] += _shift_figures(part, lines, rng, ceiling if accomp else None)
        if part.role == "bass" and len(bass_parts) > 1 and part is not _lowest(bass_parts):
            # a doubling of the bass that cannot get below the voice leaves the line to the
            # lowest bass instrument (rather than losing every other note of its figure)
            stats["thinned"] += _drop_stuck_bass(part, lines, rng)
        kept: list[Note] = []
        prev_end = -1e9
        entry_hold = -1e9  # melody notes before this beat belong to an entry moved to the gap
        for n in sorted(part.notes, key=lambda n: n.start_beats):
            under = [ln for ln in lines if _sounds_under(n, ln)]
            starts_under = [ln for ln in lines
                            if ln.start_beat - 1e-9 <= n.start_beats < ln.end_beat - 1e-9]
            is_event = round(n.start_beats, 4) in protected
            if starts_under and not is_event and (part.is_drum or part.role in _THIN_ROLES):
                stats["thinned"] += 1
                continue
            if part.role == "melody" and not is_event:
                # a phrase entering under a line waits for the gap after the line
                phrase_start = n.start_beats - prev_end >= 1.0
                if n.start_beats < entry_hold - 1e-9 or (phrase_start and starts_under):
                    if phrase_start and starts_under:
                        entry_hold = max(entry_hold, max(ln.end_beat for ln in starts_under))
                    stats["entries_removed"] += 1
                    prev_end = max(prev_end, n.end_beats)
                    continue
            if starts_under and not is_event and n.articulation in _ACCENTS:
                n = replace(n, articulation="")
                stats["accents_removed"] += 1
            gone = n
            if under and not part.is_drum:
                for ln in under:
                    lo, hi = ln.band
                    if lo <= n.pitch <= hi:
                        q = _move_out(n.pitch, ln.band, rng, prefer_up=n.pitch >= ln.centre
                                      and part.role != "bass")
                        if q is not None and ((part.role == "bass" and q > n.pitch)
                                              or (part.role == "melody" and q < n.pitch)):
                            q = None
                        near = kept[-1].pitch if kept else None
                        top = ceiling(n) if accomp and q is not None and q > n.pitch else None
                        if top is not None and q >= top:  # not over the tune: down, or thin
                            q = n.pitch - 12
                            if lo <= q <= hi or not rng[0] <= q <= rng[1]:
                                q = None
                        if q is None or (near is not None and abs(q - near) > 12):
                            n = None  # type: ignore[assignment]  # no leap: thin instead
                            break
                        n = replace(n, pitch=q)
                        stats["moved"] += 1
                if n is None or any(ln.band[0] <= n.pitch <= ln.band[1] for ln in under):
                    # (or moved out of one band into another speaker's)
                    stats["dropped"] += 1
                    if accomp:
                        stats["held"] += ring_on(kept, gone, under)
                    continue
            kept.append(n)
            prev_end = max(prev_end, n.end_beats)
        part.notes = sorted(kept, key=lambda n: (n.start_beats, -n.pitch))
    for p in bass_parts:
        if id(p) in hands:
            p.notes = sorted(p.notes + hands[id(p)].notes, key=lambda n: (n.start_beats, -n.pitch))
    return stats
