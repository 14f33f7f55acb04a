"""Rule-based orchestration: roles onto instruments, doublings by dynamic, ranges.

Each composed layer (melody, counter-melody, pad, chorale, pulse, ostinato, arpeggio,
pizzicato, high tremolo, waltz, bass, timpani, drums) has an ordered list of instruments
that play it idiomatically (:data:`IDIOM`). Per section, the first available instrument
takes the layer; louder sections add doublings (melody at the unison or octave, bass
reinforced by bassoon, trombone and tuba, pads spread over more sections). Chord layers
are spread across their instruments by register (violins on top, violas in the middle,
cellos below), as a string section is voiced.

Ranges are REFERENCE.md's (via :mod:`assistant.analysis.instruments`): a line is moved
as a whole by octaves to sit in the comfortable range; single notes still outside the
professional range are folded by octaves, and dropped if no octave fits. No note ever
leaves the professional range; notes outside the comfortable range are counted and
reported as warnings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from assistant.analysis.instruments import INSTRUMENTS, gm_program
from assistant.music.score import Note, Part

#: instruments that play each layer idiomatically, best first
IDIOM: dict[str, tuple[str, ...]] = {
    "melody": ("violin", "flute", "oboe", "clarinet", "horn", "cello", "english_horn", "trumpet",
               "piano", "synth_lead", "viola", "voice", "choir", "celesta", "guitar", "harp",
               "organ", "bassoon", "glockenspiel", "synth_pad", "trombone"),
    "counter_melody": ("horn", "cello", "viola", "clarinet", "bassoon", "english_horn", "trombone",
                       "piano", "synth_pad", "organ"),
    "pad": ("violin", "viola", "cello", "horn", "clarinet", "synth_pad", "choir", "organ", "bassoon",
            "piano", "flute", "oboe", "guitar", "harp"),
    "chorale": ("horn", "trombone", "trumpet", "violin", "viola", "cello", "choir", "organ",
                "clarinet", "bassoon", "synth_pad", "piano"),
    "high": ("violin", "flute", "synth_pad", "celesta", "glockenspiel", "piccolo", "oboe", "piano",
             "harp"),
    "pulse": ("viola", "violin", "cello", "clarinet", "piano", "synth_pad", "guitar", "bassoon",
              "harp", "celesta", "glockenspiel", "organ"),
    "ostinato": ("cello", "viola", "bassoon", "horn", "piano", "synth_bass", "clarinet", "trombone",
                 "bass_clarinet", "double_bass", "guitar"),
    "arpeggio": ("harp", "piano", "clarinet", "celesta", "guitar", "synth_lead", "violin", "viola",
                 "flute", "glockenspiel"),
    "pizzicato": ("violin", "viola", "cello", "harp", "bassoon", "piano", "guitar", "clarinet"),
    "waltz": ("viola", "violin", "clarinet", "guitar", "piano", "horn", "harp", "organ", "celesta"),
    "bass": ("cello", "double_bass", "synth_bass", "bassoon", "tuba", "piano", "organ",
             "bass_clarinet", "trombone", "harp", "guitar"),
    "timpani": ("timpani",),
    "drums": ("drums", "percussion"),
}
#: extra instruments that reinforce a layer when the music gets loud (level >= f)
LOUD_DOUBLINGS: dict[str, tuple[str, ...]] = {
    "melody": ("flute", "violin", "horn", "trumpet", "oboe", "clarinet", "synth_lead"),
    "bass": ("double_bass", "bassoon", "trombone", "tuba", "synth_bass"),
    "chorale": ("trumpet", "horn", "trombone", "violin", "viola", "clarinet"),
    "pad": ("viola", "cello", "horn", "clarinet", "bassoon", "synth_pad", "organ"),
    "ostinato": ("viola", "cello", "bassoon", "piano", "synth_bass"),
    "pulse": ("violin", "viola", "clarinet"),
    "high": ("flute", "violin", "glockenspiel"),
}
#: simultaneous notes one part can hold (a section divisi, a pair of winds, a keyboard)
MAX_VOICES: dict[str, int] = {
    "violin": 3, "viola": 2, "cello": 2, "double_bass": 1, "harp": 6, "flute": 2, "piccolo": 1,
    "oboe": 2, "english_horn": 1, "clarinet": 2, "bass_clarinet": 1, "bassoon": 2, "horn": 4,
    "trumpet": 3, "trombone": 3, "tuba": 1, "timpani": 2, "glockenspiel": 2, "piano": 8,
    "celesta": 4, "organ": 8, "guitar": 6, "choir": 4, "voice": 1, "synth_pad": 6,
    "synth_bass": 1, "synth_lead": 1,
}


def comfortable(iid: str) -> tuple[int, int]:
    return INSTRUMENTS[iid].comfortable


def professional(iid: str) -> tuple[int, int]:
    return INSTRUMENTS[iid].professional


def line_octave_shift(pitches: Iterable[int], lo: int, hi: int, centre: float | None = None) -> int:
    """Octaves (in semitones) to move a whole line so most of it sits in [lo, hi]; with
    ``centre``, among equally good octaves the one whose mean is nearest it (a doubling
    an octave up sits where that instrument sings, not at the lead's pitch)."""
    ps = list(pitches)
    if not ps:
        return 0
    mean = sum(ps) / len(ps)
    best, best_cost = 0, None
    for k in range(-4, 5):
        cost = sum(max(0, lo - (p + 12 * k)) + max(0, p + 12 * k - hi) for p in ps) + abs(k) * 0.01
        if centre is not None:
            cost += abs(mean + 12 * k - centre) / 24
        if best_cost is None or cost < best_cost:
            best, best_cost = 12 * k, cost
    return best


def fold_into(pitch: int, lo: int, hi: int) -> int | None:
    """``pitch`` moved by octaves into [lo, hi], nearest first; None when no octave fits."""
    if lo <= pitch <= hi:
        return pitch
    best = None
    for k in range(-10, 11):
        q = pitch + 12 * k
        if lo <= q <= hi and (best is None or abs(q - pitch) < abs(best - pitch)):
            best = q
    return best


@dataclass
class RangeReport:
    """Notes moved, dropped and left outside the comfortable range, per instrument."""

    folded: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    uncomfortable: dict[str, int] = field(default_factory=dict)

    def warnings(self) -> list[str]:
        out = []
        for iid, n in sorted(self.uncomfortable.items()):
            lo, hi = comfortable(iid)
            out.append(f"{iid}: {n} note(s) outside the comfortable range {lo}-{hi} "
                       "(inside the professional range)")
        for iid, n in sorted(self.dropped.items()):
            out.append(f"{iid}: {n} note(s) dropped (no octave inside the professional range)")
        return out


def sweet_spot(iid: str) -> float:
    """Where a line sings best on ``iid``: 60 % up its comfortable range."""
    lo, hi = comfortable(iid)
    return lo + 0.6 * (hi - lo)


def fit_line(notes: list[Note], iid: str, report: RangeReport, whole_line: bool = True,
             centre: float | None = None, written_for: bool = False) -> list[Note]:
    """Fit notes to instrument ``iid``: the line moved as a whole into the comfortable
    range (``whole_line``; nearest ``centre`` among good octaves), then every note
    folded into the professional range. ``written_for``: the line was composed for this
    instrument's register (the lead's tune): it moves only if it leaves the professional
    range, so a note a step above the comfortable range does not drop the tune an octave."""
    ins = INSTRUMENTS[iid]
    if ins.is_drum:
        return list(notes)
    clo, chi = ins.comfortable
    plo, phi = ins.professional
    lo_b, hi_b = (plo, phi) if written_for else (clo, chi)
    shift = line_octave_shift((n.pitch for n in notes), lo_b, hi_b, centre) if whole_line else 0
    out = []
    for n in notes:
        p = n.pitch + shift
        q = fold_into(p, clo, chi) if not whole_line else p
        if q is None or not plo <= q <= phi:
            q = fold_into(p, plo, phi)
        if q is None:
            report.dropped[iid] = report.dropped.get(iid, 0) + 1
            continue
        if q != n.pitch + shift:
            report.folded[iid] = report.folded.get(iid, 0) + 1
        if not clo <= q <= chi:
            report.uncomfortable[iid] = report.uncomfortable.get(iid, 0) + 1
        out.append(replace(n, pitch=q))
    return out


def limit_voices(notes: list[Note], max_voices: int) -> list[Note]:
    """Keep at most ``max_voices`` notes starting together (outer voices first), and
    drop exact duplicates (same pitch, same onset)."""
    by_onset: dict[float, list[Note]] = {}
    for n in notes:
        by_onset.setdefault(round(n.start_beats, 6), []).append(n)
    out: list[Note] = []
    for _, group in sorted(by_onset.items()):
        uniq: dict[int, Note] = {}
        for n in group:
            if n.pitch not in uniq or n.dur_beats > uniq[n.pitch].dur_beats:
                uniq[n.pitch] = n
        g = sorted(uniq.values(), key=lambda n: n.pitch)
        if len(g) > max_voices:
            keep = [g[-1], g[0]] + g[1:-1][::-1]
            g = sorted(keep[:max_voices], key=lambda n: n.pitch)
        out += g
    return out


def remove_overlaps(notes: list[Note]) -> list[Note]:
    """Cut a note where the same pitch starts again (one key cannot sound twice)."""
    notes = sorted(notes, key=lambda n: (n.pitch, n.start_beats))
    out: list[Note] = []
    for n in notes:
        if out and out[-1].pitch == n.pitch and out[-1].end_beats > n.start_beats + 1e-9:
            prev = out[-1]
            if n.start_beats - prev.start_beats < 1e-6:
                if n.dur_beats > prev.dur_beats:
                    out[-1] = n
                continue
            out[-1] = replace(prev, dur_beats=n.start_beats - prev.start_beats)
        out.append(n)
    return sorted(out, key=lambda n: (n.start_beats, -n.pitch))


def choose(layer: str, available: list[str], taken: set[str], count: int,
           prefer: list[str] | None = None) -> list[str]:
    """Up to ``count`` instruments for ``layer``: ``prefer`` first, then the idiom list;
    instruments already ``taken`` by another layer only when nothing else fits."""
    order = [i for i in (prefer or []) if i in IDIOM.get(layer, ()) or layer == "melody"]
    order += [i for i in IDIOM.get(layer, ()) if i not in order]
    free = [i for i in order if i in available and i not in taken]
    busy = [i for i in order if i in available and i in taken]
    return free[:count] if free else busy[:min(1, count)]


def spread_chord(notes: list[Note], instruments: list[str]) -> dict[str, list[Note]]:
    """Distribute chord notes over instruments by register: at each onset the highest
    notes go to the highest instrument, and so on down (every instrument gets at least
    one note when there are enough)."""
    ins = sorted(instruments, key=lambda i: -sum(comfortable(i)))
    out: dict[str, list[Note]] = {i: [] for i in ins}
    if len(ins) == 1:
        out[ins[0]] = list(notes)
        return out
    by_onset: dict[float, list[Note]] = {}
    for n in notes:
        by_onset.setdefault(round(n.start_beats, 6), []).append(n)
    for _, group in sorted(by_onset.items()):
        g = sorted(group, key=lambda n: -n.pitch)
        k = len(ins)
        for j, n in enumerate(g):
            idx = min(k - 1, j * k // max(1, len(g)))
            out[ins[idx]].append(n)
    return out


def make_part(iid: str, notes: list[Note], role: str) -> Part:
    ins = INSTRUMENTS[iid]
    return Part(iid, iid, gm_program(iid), ins.is_drum, notes, role=role)
