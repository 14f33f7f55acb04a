"""Writing themes in a classical form, by construction, and ranking them with reasons.

The frame (:class:`Frame`) fixes what a composer would fix before writing a note:

* the form: a **sentence** (basic idea, its repetition or sequence, a continuation that
  fragments the basic idea's first bar in sequence, a cadence) or a **period** (antecedent:
  basic idea + contrasting idea ending on a half cadence; consequent: basic idea again +
  a new contrasting idea ending on an authentic cadence);
* phrase lengths (8 bars in units of 2, or 16 in units of 4);
* the cadences: the tonic on the downbeat of the last bar, held for the bar; in a period
  the dominant (or 2nd / leading note) on the downbeat of bar 4 (8);
* the range: a window of at most 16 semitones in the upper middle of the lead instrument's
  comfortable range (lower for a sad or low-register request), so the line is singable.

The music model writes the material inside: a batch of basic ideas from
:func:`assistant.music.sample.generate` (key, mode, meter, density, range and the
instrument's program as controls). The frame also picks rhythmic cells for the basic idea's
head bar (:data:`RHYTHM_CELLS`: dotted, march, syncopated, an upbeat into a long note,
long-short, sarabande, siciliano, lilt; :func:`choose_cells` by the mood) and each model idea is
also tried in each cell's rhythm on its own pitches (:func:`apply_cell`); the cell then comes
back wherever the frame restates or fragments the idea. Then, for the best frames, the bars before each cadence
by infilling with the fixed bars on both sides (several infills in one batched decode).
Church modes are written in their parent major/minor and moved to the mode by scale degree
(:func:`assistant.themes.ops.change_mode`).

Every candidate is then scored (:func:`score_theme`): model likelihood (bits per note),
range, contour, head-motif return, rhythmic identity, cadence, repeated notes, key (music21's
analysis) and the temp-love guard's verdict; the total ranks them and ``why`` says it in a
sentence.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from assistant.analysis.instruments import INSTRUMENTS
from assistant.errors import InputError
from assistant.music.score import Note, Part, Score
from assistant.themes.checks import (
    MAX_REPEATS,
    bar_length_beats,
    bits_to_score,
    contour_score,
    extract_motif,
    key_ok,
    max_repeat_run,
    motif_returns,
    on_strong_beat,
    phrase_ends,
    quick_key_ok,
    range_score,
    rhythm_character,
    rhythm_score,
    structural_checks,
)
from assistant.themes.harmony import Chord, accompaniment, harmonise
from assistant.themes.theory import (
    CHARACTERISTIC,
    PARENT_QUALITY,
    check_mode,
    degree_of,
    diatonic_shift,
    key_label,
    parse_tonic,
    pitch_of,
)

log = logging.getLogger(__name__)

FORMS = ("sentence", "period")
#: weights of the ranking criteria in the total (they sum to 1)
WEIGHTS = {"likelihood": 0.16, "range": 0.1, "contour": 0.14, "motif": 0.14, "rhythm": 0.12,
           "cadence": 0.1, "repeats": 0.08, "key": 0.08, "guard": 0.08}
MAX_IDEA_ROUNDS = 3  # pools of basic ideas drawn at most, while too few frames are in the key
SUPPORTED_METERS = ((2, 4), (3, 4), (4, 4), (6, 8), (9, 8), (12, 8))


@dataclass
class RankedTheme:
    """One ranked theme (see INTERFACES.md): the melody as a one-part score, its rank, key,
    mode, form, head motif (notes), per-criterion scores, the reason, and one chord a bar."""

    score: Score
    rank: int
    key: str
    mode: str
    form: str
    head_motif: list[Note]
    scores: dict[str, float]
    why: str
    harmony: list[str]
    roman: list[str] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)
    rhythm_cell: list[float] = field(default_factory=list)
    meter: tuple[int, int] = (4, 4)
    instrument: str = "violin"
    seed: int = 0
    edits: list[str] = field(default_factory=list)  # what an edit did ("transposed up a major 2nd")

    @property
    def total(self) -> float:
        return self.scores.get("total", 0.0)

    def with_harmony(self) -> Score:
        """The melody plus a soft block-chord part of the suggested harmony (for listening)."""
        tonic = parse_tonic(self.key)
        chords = harmonise_theme(self.score, tonic, self.mode, self.form, self.meter)
        mel = self.score.melody()
        low = max(36, min(48, min(n.pitch for n in mel) - 20)) if mel else 40
        return replace(self.score, parts=self.score.parts + [accompaniment(chords, self.meter, low=low)])

    def to_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "key": self.key, "mode": self.mode, "form": self.form,
                "meter": f"{self.meter[0]}/{self.meter[1]}", "instrument": self.instrument,
                "head_motif": [n.pitch for n in self.head_motif], "rhythm_cell": self.rhythm_cell,
                "harmony": self.harmony, "roman": self.roman, "scores": self.scores,
                "checks": self.checks, "why": self.why, **({"edits": self.edits} if self.edits else {})}


@dataclass
class Frame:
    """The fixed skeleton of one theme: form, unit length (bars), key, meter, the window of
    pitches, the fixed notes, and the bar ranges ``[a, b)`` the model fills."""

    form: str
    bars: int
    unit: int
    tonic: int
    mode: str
    meter: tuple[int, int]
    window: tuple[int, int]
    final_pitch: int
    notes: list[Note]
    free: list[tuple[int, int]]
    cadences: dict[int, str]
    variant: str = ""


# ----------------------------------------------------------------------------- inputs
def _as_mood(mood: Any) -> tuple[float, float, float, list[str]]:
    if mood is None:
        return 0.0, 0.0, 0.3, []
    if isinstance(mood, dict):
        return (float(mood.get("valence", 0.0)), float(mood.get("arousal", 0.0)),
                float(mood.get("tension", 0.3)), list(mood.get("tags", [])))
    return float(mood.valence), float(mood.arousal), float(mood.tension), list(getattr(mood, "tags", []))


def pitch_window(instrument: str, mood: Any = None, brief: Any = None) -> tuple[int, int]:
    """The theme's pitch window: 16 semitones in the instrument's comfortable range, centred at
    55 % of it (the singing upper middle), 15 % lower for sad or low-register requests and
    higher for a high-register brief."""
    ins = INSTRUMENTS[instrument]
    lo, hi = ins.comfortable
    valence, arousal, _, _ = _as_mood(mood)
    at = 0.55
    reg = getattr(brief, "register", None) if brief is not None else None
    if reg == "low" or (reg is None and valence < -0.3 and arousal < 0):
        at = 0.4
    elif reg == "high":
        at = 0.68
    centre = lo + at * (hi - lo)
    w_lo = int(round(centre - 8))
    w_hi = w_lo + 16
    if w_hi > hi:
        w_lo, w_hi = hi - 16, hi
    if w_lo < lo:
        w_lo, w_hi = lo, min(hi, lo + 16)
    return w_lo, w_hi


#: instruments whose idiom is a sustained, breathing line rather than running notes
SUSTAINED = {"horn", "trombone", "tuba", "bassoon", "bass_clarinet", "double_bass", "english_horn",
             "choir", "voice", "organ"}


def _density(mood: Any, brief: Any, instrument: str | None = None) -> str:
    """The note density for the model: the brief's, else the mood's arousal; the lead
    instrument's idiom caps it (brass, low reeds, voices and basses do not run)."""
    d = getattr(brief, "density", None) if brief is not None else None
    if d is not None:
        out = "low" if d < 0.35 else ("mid" if d < 0.65 else "high")
    else:
        _, arousal, _, _ = _as_mood(mood)
        out = "low" if arousal < -0.35 else ("high" if arousal > 0.5 else "mid")
    if instrument in SUSTAINED and out == "high":
        out = "mid"
    return out


def default_instrument(mood: Any = None, brief: Any = None) -> str:
    from assistant.themes.subjects import lead_instrument

    m = None
    if mood is not None:
        from assistant.project import Mood

        v, a, t, tags = _as_mood(mood)
        m = Mood(v, a, t, tags)
    return lead_instrument(brief if hasattr(brief, "include_instruments") else None, m)


# ----------------------------------------------------------------------------- frames
def _bi_line(sc: Score, bar: float, unit: int) -> list[Note]:
    """A basic idea's notes, monophonic, inside ``unit`` bars, starting at beat 0."""
    mel = [n for n in sc.melody() if n.start_beats < unit * bar - 1e-9]
    return [replace(n, dur_beats=min(n.dur_beats, unit * bar - n.start_beats)) for n in mel]


def _bi_ok(notes: list[Note], bar: float, unit: int) -> bool:
    if len(notes) < 3 or notes[0].start_beats > 1e-6:
        return False
    if max_repeat_run([(n.pitch, 0, 0) for n in notes]) > 2:
        return False
    span = max(n.pitch for n in notes) - min(n.pitch for n in notes)
    if span < 3 or span > 12:
        return False
    per_bar = len(notes) / unit
    if per_bar > 10 * bar / 4:  # an etude run, not an idea
        return False
    return sum(1 for n in notes if n.start_beats >= (unit - 1) * bar) >= 1 or unit == 1


def breathing(bi: list[Note], meter: tuple[int, int], unit: int) -> list[Note] | None:
    """The basic idea ending on a long note: the last note that starts on a strong beat of its
    last bar is held to the end of the idea (the notes after it dropped); None when that
    changes nothing or leaves fewer than 4 notes."""
    from assistant.themes.checks import strong_beats

    bar = bar_length_beats(meter)
    end = unit * bar
    last_bar = (unit - 1) * bar
    strong = [last_bar + x for x in strong_beats(meter)]
    idx = [i for i, n in enumerate(bi) if any(abs(n.start_beats - x) < 1e-6 for x in strong)]
    if not idx:
        return None
    i = idx[-1] if len(bi) - idx[-1] > 1 else (idx[-2] if len(idx) > 1 else idx[-1])
    if i < 3 or (i == len(bi) - 1 and bi[i].end_beats >= end - 1e-6):
        return None
    return bi[:i] + [replace(bi[i], dur_beats=end - bi[i].start_beats)]


#: rhythmic cells for the basic idea's first bar (quarter beats, filling the bar), by meter
RHYTHM_CELLS: dict[tuple[int, int], dict[str, tuple[float, ...]]] = {
    (4, 4): {"dotted": (1.5, 0.5, 1, 1), "march": (0.75, 0.25, 1, 2), "syncopated": (0.5, 1, 0.5, 2),
             "upbeat": (0.5, 1.5, 1, 1), "long-short": (2, 1, 1)},
    (3, 4): {"dotted": (1.5, 0.5, 1), "long-short": (2, 1), "sarabande": (1, 2), "syncopated": (0.5, 1, 1.5)},
    (2, 4): {"dotted": (0.75, 0.25, 1), "march": (0.75, 0.25, 0.5, 0.5), "syncopated": (0.5, 1, 0.5),
             "long-short": (1, 0.5, 0.5)},
    (6, 8): {"siciliano": (0.75, 0.25, 0.5, 1.5), "lilt": (1, 0.5, 1, 0.5), "long-short": (1.5, 1, 0.5)},
    (9, 8): {"lilt": (1, 0.5, 1, 0.5, 1.5), "long-short": (1.5, 1, 0.5, 1.5)},
    (12, 8): {"lilt": (1, 0.5, 1, 0.5, 1.5, 1.5), "siciliano": (0.75, 0.25, 0.5, 1.5, 1.5, 1.5)},
}
#: which cells a mood calls for first: energetic, calm or sad, tense, and neither
CELL_ORDER = {"energetic": ("march", "dotted", "syncopated", "siciliano", "lilt", "long-short"),
              "calm": ("long-short", "upbeat", "sarabande", "siciliano", "lilt", "dotted"),
              "tense": ("syncopated", "dotted", "march", "lilt", "long-short", "siciliano"),
              "neutral": ("dotted", "long-short", "upbeat", "lilt", "siciliano", "syncopated", "sarabande")}
CELLS_PER_IDEA = 2


def choose_cells(meter: tuple[int, int], mood: Any = None, brief: Any = None, k: int = CELLS_PER_IDEA) -> list[str]:
    """The ``k`` rhythmic cells the mood suggests for this meter (see :data:`CELL_ORDER`): a
    high arousal marches or dots, a low one sings long-short or leans from an upbeat, tension
    syncopates."""
    cells = RHYTHM_CELLS.get(meter, {})
    valence, arousal, tension, _ = _as_mood(mood)
    d = getattr(brief, "density", None) if brief is not None else None
    if tension > 0.6:
        kind = "tense"
    elif arousal > 0.3 or (d is not None and d >= 0.65):
        kind = "energetic"
    elif arousal < -0.2 or valence < -0.4 or (d is not None and d < 0.35):
        kind = "calm"
    else:
        kind = "neutral"
    order = [c for c in CELL_ORDER[kind] if c in cells] + [c for c in cells if c not in CELL_ORDER[kind]]
    return order[:k]


def apply_cell(bi: list[Note], cell: tuple[float, ...], bar: float, tonic: int, mode: str) -> list[Note] | None:
    """The basic idea with its first bar in the rhythm of ``cell``, on the model's own pitches:
    as many of the bar's pitches as the cell has notes, spread over the bar so its contour
    and its first and last notes stay; when the cell has more notes, diatonic passing or
    neighbour notes fill the widest gaps. The rest of the idea is the model's. None when
    the idea's first bar has fewer than two notes."""
    first = [n for n in bi if n.start_beats < bar - 1e-9]
    rest = [n for n in bi if n.start_beats >= bar - 1e-9]
    if len(first) < 2 or not rest:
        return None
    pitches = [n.pitch for n in first]
    m = len(cell)
    if len(pitches) >= m:
        pitches = [pitches[round(i * (len(pitches) - 1) / (m - 1))] for i in range(m)]
    while len(pitches) < m:
        nxt = pitches[1:] + [rest[0].pitch]
        i = max(range(len(pitches)), key=lambda j: (abs(nxt[j] - pitches[j]), -j))
        a, b = pitches[i], nxt[i]
        step = 1 if b >= a else -1
        pitches.insert(i + 1, diatonic_shift(a, step, tonic, mode))
    out, t = [], 0.0
    for p, d in zip(pitches, cell, strict=True):
        out.append(Note(p, t, d, first[0].velocity))
        t += d
    return out + rest


def _draw_ideas(s: Any, controls: Any, n_pool: int, unit: int, meter: tuple[int, int], bar: float,
                tonic: int, mode: str, parent: str, cells: list[str] | None = None
                ) -> tuple[list[list[Note]], list[str]]:
    """Basic ideas from the model (one batch under ``controls``), moved into the mode by scale
    degree; each also in a "breathing" version ending on a long note and in the rhythm of
    each chosen cell (:func:`apply_cell`). Returns the ideas and each one's cell ("" for the
    model's own rhythm)."""
    from assistant.music.sample import generate
    from assistant.themes.ops import change_mode

    raw = generate(controls, bars=unit, meter=meter, n_candidates=n_pool, sampler=s, oversample=1)
    ideas: list[list[Note]] = []
    labels: list[str] = []
    table = RHYTHM_CELLS.get(meter, {})
    for sc in raw:
        if mode != parent:
            sc = change_mode(replace(sc, key=key_label(tonic, parent)), mode, tonic=tonic, from_mode=parent)[0]
        bi = _bi_line(sc, bar, unit)
        versions = [(bi, ""), (breathing(bi, meter, unit), "")]
        for name in cells or []:
            celled = apply_cell(bi, table[name], bar, tonic, mode)
            versions += [(celled, name), (breathing(celled, meter, unit) if celled else None, name)]
        for version, name in versions:
            if version is not None and _bi_ok(version, bar, unit):
                ideas.append(version)
                labels.append(name)
    return ideas, labels


def idea_quality(bi: list[Note], bar: float, tonic: int, mode: str, meter: tuple[int, int] | None = None) -> float:
    """How promising a basic idea is, beyond the model's likelihood: it starts on a tonic-chord
    degree, has a rhythm of its own (more than one note value, not a motor of equal notes, a
    head bar with a character: :func:`assistant.themes.checks.rhythm_character`), its bars
    differ, and its contour has a shape."""
    q = 0.4 * (degree_of(bi[0].pitch, tonic, mode)[0] % 7 in (0, 2, 4))
    durs = [round(n.dur_beats, 3) for n in bi]
    q += 0.5 * min(1.0, (len(set(durs)) - 1) / 2)
    q -= 0.4 * (max(durs.count(d) for d in set(durs)) / len(durs) > 0.85)
    by_bar: dict[int, list[tuple[int, float]]] = {}
    for n in bi:
        by_bar.setdefault(int(n.start_beats // bar), []).append((n.pitch, round(n.start_beats % bar, 3)))
    pats = list(by_bar.values())
    if len(pats) > 1 and all(p == pats[0] for p in pats[1:]):
        q -= 0.6
    q += 0.3 * contour_score([(x.pitch, x.start_beats, x.dur_beats) for x in bi])[0]
    if meter is not None:  # a head bar with a rhythmic character of its own
        q += 0.35 * (rhythm_character([(x.pitch, x.start_beats, x.dur_beats) for x in bi
                                       if x.start_beats < bar - 1e-9], meter) is not None)
    if mode in CHARACTERISTIC:  # the mode's colour is in the idea itself
        pc = pitch_of(CHARACTERISTIC[mode], tonic, mode) % 12
        q += 0.6 * any(n.pitch % 12 == pc for n in bi)
    return q


def _shift(notes: list[Note], beats: float, steps: int = 0, tonic: int = 0, mode: str = "major",
           window: tuple[int, int] | None = None) -> list[Note]:
    out = []
    for n in notes:
        p = diatonic_shift(n.pitch, steps, tonic, mode) if steps else n.pitch
        if window is not None:
            while p > window[1]:
                p -= 12
            while p < window[0]:
                p += 12
        out.append(replace(n, pitch=p, start_beats=n.start_beats + beats))
    return out


def _nearest(pc: int, target: int, window: tuple[int, int]) -> int:
    cands = [p for p in range(window[0], window[1] + 1) if p % 12 == pc % 12]
    return min(cands, key=lambda p: (abs(p - target), p)) if cands else target


def build_frame(bi: list[Note], form: str, bars: int, tonic: int, mode: str, meter: tuple[int, int],
                window: tuple[int, int], variant: int = 0, contrast: list[Note] | None = None) -> Frame:
    """The frame of one theme around a basic idea ``bi`` (``bars // 4`` bars long).

    sentence: BI | BI repeated (variant 0) or sequenced a step up (1) or down (2) | the BI's
    first half twice, sequenced toward the cadence | model bars | tonic.
    period: BI | contrasting idea (``contrast``, or model bars) | half cadence || BI | model
    bars | tonic.
    """
    bar = bar_length_beats(meter)
    unit = bars // 4
    mid = (window[0] + window[1]) / 2
    final = _nearest(tonic, min(window[0] + 5, mid), window)
    notes: list[Note] = list(bi)
    free: list[tuple[int, int]] = []
    cadences = {bars - 1: "PAC"}
    label = ""
    if form == "sentence":
        steps = (0, 1, -1)[variant % 3]
        notes += _shift(bi, unit * bar, steps, tonic, mode, window)
        label = ("repetition", "sequence up a step", "sequence down a step")[variant % 3]
        half = max(1, unit // 2)
        cell = [n for n in bi if n.start_beats < half * bar - 1e-9]
        cell = [replace(n, dur_beats=min(n.dur_beats, half * bar - n.start_beats)) for n in cell]
        # fragmentation: the cell twice, heading for the climax (up) when the idea sits low
        bi_mean = sum(n.pitch for n in bi) / len(bi)
        direction = 1 if bi_mean < mid else -1
        for k in range(2):
            start = (2 * unit + k * half) * bar
            notes += _shift(cell, start, direction * (k + 1), tonic, mode, window)
        cont_end = 2 * unit + 2 * half
        free.append((cont_end, bars - 1))
    else:
        label = "period"
        hc_bar = 2 * unit - 1
        if contrast is not None and unit > 1:  # 16 bars: another idea as the contrasting idea
            notes += [replace(n, start_beats=n.start_beats + unit * bar,
                              dur_beats=min(n.dur_beats, (unit - 1) * bar - n.start_beats))
                      for n in contrast if n.start_beats < (unit - 1) * bar - 1e-9]
        else:
            free.append((unit, hc_bar))
        last = bi[-1].pitch
        hc_deg = 4 if variant % 2 == 0 else 1
        hc = _nearest(pitch_of(hc_deg, tonic, mode) % 12, last, window)
        compound = meter[1] == 8 and meter[0] % 3 == 0
        notes.append(Note(hc, hc_bar * bar, bar if compound else bar - 4.0 / meter[1], 84))
        cadences[hc_bar] = "HC"
        notes += _shift(bi, 2 * unit * bar)
        free.append((3 * unit, bars - 1))
        label = f"period (half cadence on {'the dominant' if hc_deg == 4 else 'the 2nd'})"
    notes.append(Note(final, (bars - 1) * bar, bar, 84))
    free = [f for f in free if f and f[0] < f[1]]
    return Frame(form, bars, unit, tonic, mode, meter, window, final, sorted(notes, key=lambda n: n.start_beats),
                 free, cadences, label)


# ----------------------------------------------------------------------------- model infill
def infill_many(sampler: Any, score: Score, a: int, b: int, controls: Any, n: int,
                prefix: list[int] | None = None) -> list[Score]:
    """``n`` infills of bars ``[a, b)`` of ``score`` in one batched decode (the same prompt as
    :func:`assistant.music.sample.infill`, several rows). ``prefix``: the control ids from
    ``sampler.fill_prefix`` when the caller already has them (they cost a few model steps)."""
    from assistant.music.prompt import fim_prompt, merge
    from assistant.music.sample import _to_score
    from assistant.music.tokens import normalise_meter

    s = sampler
    meter = normalise_meter(*(controls.meter or (score.meters[0][1], score.meters[0][2])))
    n_bars = max(len(score.bar_starts()), b)
    v = s.vocab
    prefix = prefix if prefix is not None else s.fill_prefix(controls, meter)
    prompt = fim_prompt(v, s.score_ids(score), n_bars, a, b, prefix, s.model.cfg.block_size, meter)
    outs = s.decode(prompt, b - a, controls, n=n, meter=meter, forced=[v.bar])
    starts = score.bar_starts(n_bars + 1)
    res = []
    for o in outs:
        new = _to_score(s, o, controls, meter, start_q=starts[a])
        res.append(merge(score, new, drop_range=(starts[a], starts[b])))
    return res


def _bars_to_mode(sc: Score, lo: float, hi: float, tonic: int, mode: str, parent: str) -> Score:
    """The notes starting in ``[lo, hi)`` beats moved from the parent major/minor to ``mode`` by
    scale degree, the others left as they are. Moving a note that is already in the mode
    again would push a raised degree one step further (lydian's #4, written as the parent's
    raised 4th, would become the 5th): this was why lydian themes lost their colour and gained
    runs of repeated 5ths."""
    from assistant.themes.ops import change_mode

    moved = change_mode(sc, mode, tonic=tonic, from_mode=parent)[0]
    parts = []
    for old, new in zip(sc.parts, moved.parts, strict=True):
        assert len(old.notes) == len(new.notes)
        notes = [m if lo - 1e-9 <= o.start_beats < hi - 1e-9 else o for o, m in zip(old.notes, new.notes, strict=True)]
        parts.append(replace(old, notes=notes))
    return replace(sc, parts=parts, key=key_label(tonic, parent))


def _frame_score(frame: Frame, program: int, instrument: str) -> Score:
    part = Part("theme", instrument, program, False, list(frame.notes))
    return Score(parts=[part], meters=[(0.0, frame.meter[0], frame.meter[1])],
                 key=key_label(frame.tonic, frame.mode))


def _local_quality(sc: Score, frame: Frame) -> float:
    mel = sc.melody()
    line = [(n.pitch, n.start_beats, n.dur_beats) for n in mel]
    if len(line) < 4:
        return -9.0
    q = -2.0 * max(0, max_repeat_run(line) - MAX_REPEATS)
    span = max(p for p, _, _ in line) - min(p for p, _, _ in line)
    q -= 0.5 * max(0, span - 19) + 0.5 * max(0, 7 - span)
    # the note before the final tonic approaches it by step (or from the dominant)
    if len(mel) >= 2:
        d = abs(mel[-2].pitch - mel[-1].pitch)
        q += 1.0 if d <= 2 else (0.5 if d in (5, 7) else -0.5)
    q += contour_score(line)[0]
    leaps = sum(1 for x, y in zip(mel, mel[1:], strict=False) if abs(x.pitch - y.pitch) in (6, 10, 11) or abs(x.pitch - y.pitch) > 12)
    # a contrasting idea or a continuation that only copies a bar of the basic idea is no contrast
    bar = bar_length_beats(frame.meter)
    idea_bars = {_bar_shape(mel, b * bar, bar) for b in range(frame.unit)}
    copies = sum(1 for a, b in frame.free for x in range(a, b) if _bar_shape(mel, x * bar, bar) in idea_bars)
    return q - 0.7 * leaps - 1.0 * copies


def _bar_shape(mel: list[Note], start: float, bar: float) -> tuple:
    """A bar's notes as (position, interval from its first note): equal for a transposed copy."""
    xs = [n for n in mel if start - 1e-9 <= n.start_beats < start + bar - 1e-9]
    return tuple((round(n.start_beats - start, 3), n.pitch - xs[0].pitch) for n in xs)


def _fix_repeats(notes: list[Note], tonic: int, mode: str, fixed: set[float]) -> list[Note]:
    """Break runs of more than 3 equal pitches by moving a non-fixed note a step."""
    out = list(notes)
    for i in range(MAX_REPEATS, len(out)):
        if all(out[i - k].pitch == out[i].pitch for k in range(1, MAX_REPEATS + 1)):
            j = next((x for x in (i - 1, i - 2, i) if out[x].start_beats not in fixed), None)
            if j is not None:
                out[j] = replace(out[j], pitch=diatonic_shift(out[j].pitch, 1, tonic, mode))
    return out


def modal_colour(notes: list[Note], tonic: int, mode: str, fixed: set[float], meter: tuple[int, int]) -> list[Note]:
    """A church mode is only heard through its characteristic degree (dorian 6, phrygian b2,
    lydian #4, mixolydian b7): when the line never sounds it, the first weak-beat note of the
    model's bars a step away from it moves onto it (a passing or neighbour note becomes the
    colour note), if the leaps to its neighbours stay within a major third; failing that, any note
    of the model's bars, then any note of the second half."""
    if mode not in CHARACTERISTIC:
        return notes
    char = CHARACTERISTIC[mode]
    pc = pitch_of(char, tonic, mode) % 12
    if any(n.pitch % 12 == pc for n in notes):
        return notes
    from assistant.themes.checks import on_strong_beat

    out = list(notes)
    half = out[-1].start_beats / 2  # the opening half states the idea: touched last
    passes = (lambda n: n.start_beats not in fixed and not on_strong_beat(n.start_beats, meter),
              lambda n: n.start_beats not in fixed,
              lambda n: n.start_beats >= half)
    for allowed in passes:
        for i in range(1, len(out) - 1):
            n = out[i]
            if not allowed(n):
                continue
            d, alt = degree_of(n.pitch, tonic, mode)
            if alt or (d - char) % 7 not in (1, 6):
                continue
            target = n.pitch + min(((pc - n.pitch) % 12, (pc - n.pitch) % 12 - 12), key=abs)
            if abs(target - out[i - 1].pitch) <= 4 and abs(target - out[i + 1].pitch) <= 4:
                out[i] = replace(n, pitch=target)
                return out
    return out


# ----------------------------------------------------------------------------- scoring
def model_bits(sampler: Any, scores: list[Score]) -> list[float]:
    """Mean bits per pitch of each score's melody under the model (the evaluation protocol)."""
    from assistant.music.evaluate import melody_ids, pitch_bits

    seqs = []
    for sc in scores:
        mel = {"notes": [[n.pitch, n.start_beats, n.dur_beats] for n in sc.melody()],
               "meters": [[0.0, sc.meters[0][1], sc.meters[0][2]]], "tempos": [[0.0, 100.0]]}
        seqs.append(melody_ids(sampler.vocab, mel))
    bits = pitch_bits(sampler.model, sampler.vocab, seqs)
    return [float(np.mean(b)) if b else float("inf") for b in bits]


def score_theme(sc: Score, frame: Frame, bits: float, comfortable: tuple[int, int],
                guard: tuple[float, str] | None = None) -> tuple[dict[str, float], dict[str, bool], list[str], Any]:
    """Per-criterion scores in [0, 1] (+ ``total``), the structural checks, notes for ``why``
    and the head motif."""
    mel = sc.melody()
    line = [(n.pitch, n.start_beats, n.dur_beats) for n in mel]
    motif = extract_motif(line, frame.meter)
    checks = structural_checks(line, frame.meter, frame.tonic, frame.mode, comfortable)
    r_s, r_what = range_score(line, comfortable)
    c_s, c_what = contour_score(line)
    rh_s, rh_what = rhythm_score(line, frame.meter, motif)
    rets = motif_returns(line, frame.meter)
    exact = sum(1 for _, k in rets if k == "exact")
    seq = sum(1 for _, k in rets if k == "sequence")
    rhy = sum(1 for _, k in rets if k == "rhythm")
    m_s = min(1.0, 0.5 * exact + 0.35 * seq + 0.15 * rhy + (0.2 if motif.length >= 3 else 0.0))
    last = mel[-1]
    cad = 0.0
    if last.pitch % 12 == frame.tonic and on_strong_beat(last.start_beats, frame.meter):
        cad = 0.7 + 0.3 * (len(mel) > 1 and abs(mel[-2].pitch - last.pitch) <= 2)
    run = max_repeat_run(line, phrase_ends(line, frame.meter))
    rep = 1.0 if run <= MAX_REPEATS else 0.0
    k_ok, k_what = key_ok(line, frame.tonic, frame.mode)
    scores = {"likelihood": bits_to_score(bits), "range": r_s, "contour": c_s, "motif": round(m_s, 3),
              "rhythm": rh_s, "cadence": round(cad, 3), "repeats": rep, "key": 1.0 if k_ok else 0.0}
    notes = [f"{bits:.2f} bits/note", r_what, c_what, f"head motif of {motif.length} notes returns "
             f"{exact} time(s) exactly, {seq} in sequence, {rhy} in rhythm", rh_what, k_what]
    if guard is not None:
        g, verdict = guard
        scores["guard"] = round(max(0.0, 1.0 - g), 3) if verdict == "distinct" else 0.0
        notes.append(f"guard: {verdict} ({g:.2f})")
    else:
        scores["guard"] = 1.0
    total = sum(WEIGHTS[k] * scores[k] for k in WEIGHTS)
    if not all(checks.values()):
        total -= 0.1 * sum(1 for v in checks.values() if not v)
    scores["total"] = round(total, 4)
    scores["bits_per_note"] = round(bits, 3)
    return scores, checks, notes, motif


def _why(rt_scores: dict[str, float], checks: dict[str, bool], frame: Frame, notes: list[str]) -> str:
    names = {"likelihood": "the model finds it idiomatic", "range": "a singable range",
             "contour": "a shapely contour", "motif": "a head motif that comes back",
             "rhythm": "a rhythm of its own", "cadence": "a firm cadence on the tonic",
             "key": "clearly in the key", "guard": "distinct from the temp and the corpus"}
    good = sorted((k for k in names if rt_scores.get(k, 0) >= 0.75), key=lambda k: -rt_scores[k] * WEIGHTS[k])
    weak = [k for k in names if rt_scores.get(k, 0) < 0.5]
    form = f"A {frame.bars}-bar {frame.form} ({frame.variant})"
    s = f"{form}: " + (", ".join(names[k] for k in good[:3]) if good else "no outstanding strength")
    if weak:
        s += "; weaker: " + ", ".join(names[k].replace("a ", "", 1) for k in weak[:2])
    failed = [k for k, v in checks.items() if not v]
    if failed:
        s += "; fails " + ", ".join(failed)
    return s + f" ({notes[0]}, {notes[1]})."


# ----------------------------------------------------------------------------- the writer
def write_themes(*, key: str | int, mode: str, meter: tuple[int, int] = (4, 4), bars: int = 8,
                 instrument: str | None = None, mood: Any = None, brief: Any = None, n: int = 8,
                 seed: int = 0, form: str | None = None, sampler: Any = None,
                 references: list[Any] | None = None, corpus_index: Any = "default",
                 pool: int | None = None) -> list[RankedTheme]:
    """Write ``n`` ranked themes (see the module docstring). ``key`` is a tonic name or pitch
    class; ``mode`` one of :data:`assistant.themes.theory.MODES`; ``form`` None for both forms.
    ``references`` are temp-track melodies for the guard; ``corpus_index`` the guard's corpus
    index ("default": the shipped one when present, None: no corpus check)."""
    from assistant.music.sample import get_sampler
    from assistant.music.tokens import Controls

    tonic = key if isinstance(key, int) else parse_tonic(str(key))
    mode = check_mode(mode)
    meter = (int(meter[0]), int(meter[1]))
    if meter not in SUPPORTED_METERS:
        raise InputError(f"meter {meter[0]}/{meter[1]} not supported for themes "
                         f"({', '.join(f'{a}/{b}' for a, b in SUPPORTED_METERS)})", field="meter")
    if bars not in (8, 16):
        raise InputError("a theme has 8 or 16 bars", field="bars")
    if form is not None and form not in FORMS:
        raise InputError(f"form must be one of {FORMS}", field="form")
    if n < 1:
        raise InputError("n must be at least 1", field="n")
    if isinstance(brief, str):  # a director's brief as text
        from assistant.analysis.brief import parse_brief

        brief = parse_brief(brief, use_model=False) if brief.strip() else None
    instrument = instrument or default_instrument(mood, brief)
    if instrument not in INSTRUMENTS or INSTRUMENTS[instrument].is_drum:
        raise InputError(f"unknown or unpitched instrument {instrument!r}", field="instrument")
    ins = INSTRUMENTS[instrument]
    s = sampler or get_sampler()
    window = pitch_window(instrument, mood, brief)
    parent = PARENT_QUALITY[mode]
    unit = bars // 4
    bar = bar_length_beats(meter)
    controls = Controls(key_tonic=tonic, mode=parent, meter=meter, density=_density(mood, brief, instrument),
                        ensemble="solo", program=ins.gm_program, scale=True, pitch_range=window,
                        temperature=0.95, top_p=0.92, seed=seed)
    forms = [form] if form else list(FORMS)
    n_pool = pool or max(12, 3 * n)
    rng = random.Random(seed)

    # 1-2. basic ideas from the model and the frames around them, drawn in rounds until enough
    #      frames are heard in the requested key (the skeleton already decides most of the key)
    n_frames = max(n + 2, int(1.5 * n))
    ideas: list[list[Note]] = []
    idea_cell: list[str] = []
    idea_q: list[float] = []
    cells = choose_cells(meter, mood, brief)
    drafts: list[tuple[tuple[int, float], Frame]] = []
    for round_ in range(MAX_IDEA_ROUNDS):
        # the first round at low density (themes sing in longer values), then the mood's
        c = replace(controls, seed=seed + 101 * round_,
                    density="low" if round_ % 2 == 0 else controls.density)
        new, new_cells = _draw_ideas(s, c, n_pool, unit, meter, bar, tonic, mode, parent, cells)
        if not new:
            continue
        bits_new = model_bits(s, [Score(parts=[Part("bi", instrument, ins.gm_program, False, bi)],
                                        meters=[(0.0, meter[0], meter[1])]) for bi in new])
        q_new = [bits_to_score(b) + idea_quality(bi, bar, tonic, mode, meter) for b, bi in zip(bits_new, new, strict=True)]
        first = len(ideas)
        ideas += new
        idea_cell += new_cells
        idea_q += q_new
        order = sorted(range(first, len(ideas)), key=lambda i: -idea_q[i])
        for k in range(min(3 * n_frames, 3 * len(order))):
            i = order[k % len(order)]
            f = forms[k % len(forms)]
            contrast = ideas[order[(k + 1) % len(order)]] if f == "period" and unit > 1 else None
            fr = build_frame(ideas[i], f, bars, tonic, mode, meter, window, rng.randrange(3), contrast)
            if idea_cell[i]:
                fr.variant += f"; {idea_cell[i]} head cell"
            skel = [(x.pitch, x.start_beats, x.dur_beats) for x in fr.notes]
            drafts.append(((int(quick_key_ok(skel, tonic, mode)), idea_q[i]), fr))
        if sum(d[0][0] for d in drafts) >= n_frames:
            break
        log.info("round %d: %d of %d frames in %s; drawing more ideas", round_ + 1,
                 sum(d[0][0] for d in drafts), len(drafts), key_label(tonic, mode))
    if not drafts:
        raise RuntimeError("the music model wrote no usable basic idea")
    drafts.sort(key=lambda d: (-d[0][0], -d[0][1]))
    frames = [fr for _, fr in drafts[:n_frames]]

    # 3. the model fills each frame's free bars (3 rows per call), best local fit kept
    model_controls = controls
    prefix = s.fill_prefix(controls, meter)  # the same controls for every infill
    candidates: list[tuple[Score, Frame]] = []
    for fi, fr in enumerate(frames):
        sc = _frame_score(fr, ins.gm_program, instrument)
        if mode != parent:  # the model writes in the parent key; its bars are moved to the mode after
            sc = replace(sc, key=key_label(tonic, parent))
        for a, b in fr.free:
            outs = infill_many(s, sc, a, b, replace(model_controls, seed=seed + 31 * fi + a), 3, prefix)
            if mode != parent:  # only the new bars: the rest is in the mode already
                outs = [_bars_to_mode(o, a * bar, b * bar, tonic, mode, parent) for o in outs]
            sc = max(outs, key=lambda o: _local_quality(o, fr))
        fixed = {n.start_beats for n in fr.notes}
        mel = _fix_repeats(sc.melody(), tonic, mode, fixed)
        mel = modal_colour(mel, tonic, mode, fixed, meter)
        part = Part("theme", instrument, ins.gm_program, False, mel)
        sc = Score(parts=[part], meters=[(0.0, meter[0], meter[1])], key=key_label(tonic, mode),
                   tempos=[(0.0, _tempo(mood, brief))])
        candidates.append((sc, fr))

    # 4. score and rank
    bits = model_bits(s, [c for c, _ in candidates])
    prelim = []
    for (sc, fr), b in zip(candidates, bits, strict=True):
        sco, chk, notes, motif = score_theme(sc, fr, b, ins.comfortable)
        prelim.append((sco["total"], sc, fr, b, sum(chk.values())))
    prelim.sort(key=lambda x: (-x[4], -x[0]))  # passing more structural checks first
    seen: set[tuple] = set()
    unique = []
    for x in prelim:  # the same idea in the same frame can come out twice: keep one
        sig = tuple((n.pitch, round(n.start_beats, 3)) for n in x[1].melody())
        if sig not in seen:
            seen.add(sig)
            unique.append(x)
    prelim = unique
    index = _guard_index(corpus_index)
    refs = references or []
    ranked: list[RankedTheme] = []
    for _, sc, fr, b, _ in prelim[: max(n, min(len(prelim), n + 2))]:
        g = _guard(sc, refs, index)
        sco, chk, notes, motif = score_theme(sc, fr, b, ins.comfortable, g)
        chords = harmonise_theme(sc, tonic, mode, fr.form, meter)
        mel = sc.melody()
        ranked.append(RankedTheme(
            score=sc, rank=0, key=key_label(tonic, mode).split()[0], mode=mode, form=fr.form,
            head_motif=mel[:motif.length], scores=sco, why=_why(sco, chk, fr, notes),
            harmony=[c.symbol for c in chords], roman=[c.roman for c in chords], checks=chk,
            rhythm_cell=motif.rhythm_beats, meter=meter, instrument=instrument, seed=seed))
    # structurally sound and distinct from temp and corpus first, then by the total
    ranked.sort(key=lambda r: (-(sum(r.checks.values()) + (r.scores.get("guard", 1.0) > 0)), -r.total))
    # a choice, not variants of one idea: a theme whose basic idea a better one already has goes
    # after every theme with an idea of its own
    seen_ideas: set[tuple] = set()
    fresh, again = [], []
    for r in ranked:
        sig = _bar_shape(r.score.melody(), 0.0, unit * bar)
        (again if sig in seen_ideas else fresh).append(r)
        seen_ideas.add(sig)
    ranked = (fresh + again)[:n]
    for i, r in enumerate(ranked, 1):
        r.rank = i
    return ranked


def harmonise_theme(sc: Score, tonic: int, mode: str, form: str, meter: tuple[int, int]) -> list[Chord]:
    bar = bar_length_beats(meter)
    mel = sc.melody()
    bars = max(1, int(round(max((n.end_beats for n in mel), default=bar) / bar + 0.49)))
    cad = {bars - 1: "PAC"}
    if form == "period" and bars >= 8:
        cad[bars // 2 - 1] = "HC"
    return harmonise([(n.pitch, n.start_beats, n.dur_beats) for n in mel], meter, tonic, mode, bars, cad)


def _tempo(mood: Any, brief: Any) -> float:
    t = getattr(brief, "tempo_bpm", None) if brief is not None else None
    if t:
        return float(sum(t) / 2)
    _, arousal, _, _ = _as_mood(mood)
    return round(96 + 36 * arousal, 1)


def _guard_index(corpus_index: Any) -> Any:
    if corpus_index != "default":
        return corpus_index
    try:
        from assistant.guard.index import default_index

        return default_index()
    except Exception as exc:  # noqa: BLE001 - a missing index only skips the corpus check
        log.warning("no guard corpus index (%s): themes are checked against the temp only", exc)
        return None


def _guard(sc: Score, refs: list[Any], index: Any) -> tuple[float, str] | None:
    if index is None and not refs:
        return None
    from assistant.guard.loop import check
    from assistant.guard.similarity import verdict_for

    c = check(sc, refs, index)
    return c.score, verdict_for(c.score)
