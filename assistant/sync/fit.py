"""Fit a tempo map to a cue's hits ("Find Tempo"), in two modes.

``exact``
    Every ``beat``/``downbeat`` hit lands exactly on a beat (a bar line for ``downbeat``)
    with zero error. Between consecutive anchors (cue start, the hits) the tempo is
    constant and a whole number of meter beats fills the span, so the tempo of span *j*
    is ``60 * k_j / d_j`` (in the meter's beat unit). The counts ``k_j`` are chosen by a
    K-best dynamic programme whose state is (beat count of the last span, position in
    the bar); its cost is the distance from the target tempo, the number and size of
    tempo changes, and the unusual meters used. A bar of another meter is inserted only
    where a downbeat cannot be reached otherwise: each inserted bar carries a large
    *ranking* penalty (``CostWeights.meter_insertion_rank``, not part of the reported
    cost), so solutions are ranked by (number of inserted bars, cost). The cue start is
    the downbeat of bar 1 (beat 0, tick 0). When the first hit comes too soon after the
    cue start for a whole beat at any allowed tempo (a sting 1/6 s in), bar 1 becomes a
    pickup of 32nd notes (written as e.g. 1/16 or 3/32) ending on that hit, which is
    then the downbeat of bar 2. A short first bar counts as a pickup, cheaper than other
    odd bars. The last tempo runs on to the cue end, which need not fall on a beat
    (``SyncSolution.cue_end`` says where it falls). Tempo ramps are not used.

``constant``
    One tempo, searched on a 0.01 BPM grid within the range, plus an optional pickup
    (the cue starts on beat 2, 3, ... of the bar, written as a first bar of ``p/D``), as
    Digital Performer and Dorico do. Each hit reports frames off the nearest beat (bar
    line for ``downbeat`` hits) and counts as ``hit`` (rounds to 0 frames), ``near``
    (rounds to at most ``max(1, tolerance_frames)``) or ``miss``. The search is one numpy
    pass over tempo x pickup x hit.

Tempos (``bpm``) are quarter notes per minute everywhere; the range applies to them.
Hits with landing ``free`` constrain nothing and report zero error.
Defaults: range 60-160 BPM, target the middle of the range (110 BPM), meter 4/4.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from assistant.errors import InputError
from assistant.sync.frameclick import bpm_to_frame_click
from assistant.sync.tempo import MeterChange, Number, TempoMap, frac, parse_meter
from assistant.timecode import FrameRate

log = logging.getLogger(__name__)

MODES: tuple[str, ...] = ("exact", "constant")
#: the longest cue we fit (and render a click for): an hour, several reels; a longer
#: "cue" is a typo (1000000 s once asked for a 179 GiB click track)
MAX_CUE_S = 3600.0
LANDINGS: tuple[str, ...] = ("downbeat", "beat", "free")
DEFAULT_MIN_BPM = 60.0
DEFAULT_MAX_BPM = 160.0
MAX_SPAN_OPTIONS = 1200  # beat counts considered per span (those nearest the target)
_CHUNK = 2_000_000  # floats per DP block
SAME_TEMPO_REL = 1e-9  # tempos closer than this (relative) count as no change (float noise)


def _number(value: Any, what: str, lo: float | None = None, hi: float | None = None,
            lo_open: bool = False) -> float:
    if isinstance(value, bool):
        raise InputError(f"expected a number, got {value!r}", field=what)
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"cannot read number {value!r}", field=what) from None
    if not math.isfinite(v):
        raise InputError(f"expected a finite number, got {value!r}", field=what)
    if lo is not None and (v < lo or (lo_open and v <= lo)):
        raise InputError(f"{v:g} must be {'above' if lo_open else 'at least'} {lo:g}", field=what)
    if hi is not None and v > hi:
        raise InputError(f"{v:g} must be at most {hi:g}", field=what)
    return v


@dataclass
class SyncHit:
    """One hit, in seconds from the cue start."""

    time_s: float
    label: str = ""
    weight: float = 1.0
    important: bool = False
    landing: str = "beat"  # "downbeat", "beat" or "free"
    tolerance_frames: float = 1.0

    def __post_init__(self) -> None:
        self.time_s = _number(self.time_s, "time_s", 0)
        self.weight = _number(self.weight, "weight", 0)
        self.tolerance_frames = _number(self.tolerance_frames, "tolerance_frames", 0, 48)
        self.label = str(self.label or "")
        if self.landing not in LANDINGS:
            raise InputError(f"landing {self.landing!r} must be one of {', '.join(LANDINGS)}",
                             field="landing")
        self.important = bool(self.important)


@dataclass
class CostWeights:
    """Weights of the cost terms (all documented units; reported in ``cost_breakdown``)."""

    target: float = 1.0  # per % deviation from the target tempo, duration-weighted mean
    change_count: float = 3.0  # per tempo change
    change_size: float = 1.0  # per % size of each tempo change
    meter: float = 2.0  # per inserted/pickup bar, times its unusualness (0.5-5)
    important_error: float = 10.0  # per frame off, on important hits (times hit weight)
    other_error: float = 3.0  # per frame off, on other hits (times hit weight)
    miss: float = 10.0  # extra per frame beyond a hit's tolerance
    meter_insertion_rank: float = 1e6  # ranking-only penalty per inserted bar (exact mode)


PICKUP_UNUSUALNESS = 0.5  # a first bar shorter than the meter (anacrusis) is ordinary
_COMMON = {(2, 4), (3, 4), (4, 4), (2, 2), (3, 2), (3, 8), (6, 8), (9, 8), (12, 8)}
_ODD = {(5, 4), (5, 8), (7, 8), (6, 4), (2, 8), (4, 8)}


def pickup_unusualness(numerator: int, denominator: int) -> float:
    """How unusual a short first bar (pickup) is: ordinary in beats or eighths, rarer finer."""
    del numerator
    return PICKUP_UNUSUALNESS if denominator <= 8 else (1.5 if denominator == 16 else 3.0)


def meter_unusualness(numerator: int, denominator: int) -> float:
    """How unusual a bar of this meter is when inserted (0.5 common .. 5 very odd)."""
    m = (numerator, denominator)
    if m in _COMMON:
        return 0.5
    if m in _ODD:
        return 1.5
    if numerator == 1:
        return 5.0
    return 3.0


@dataclass
class SyncRequest:
    """What to fit. Missing range/target take the defaults in the module docstring."""

    duration_s: float
    hits: list[SyncHit]
    fps: FrameRate | str | float
    target_bpm: float | None = None
    min_bpm: float | None = None
    max_bpm: float | None = None
    meter: tuple[int, int] | str = (4, 4)
    mode: str = "exact"
    allow_meter_changes: bool = True
    count_in_bars: int = 0
    weights: CostWeights = field(default_factory=CostWeights)

    def __post_init__(self) -> None:
        if not isinstance(self.fps, FrameRate):
            self.fps = FrameRate.parse(self.fps)
        self.duration_s = _number(self.duration_s, "duration", 0, MAX_CUE_S, lo_open=True)
        self.meter = parse_meter(self.meter)
        if self.mode not in MODES:
            raise InputError(f"mode {self.mode!r} must be one of {', '.join(MODES)}", field="mode")
        hits: list[SyncHit] = []
        for i, h in enumerate(self.hits):
            if isinstance(h, SyncHit):
                hits.append(h)
            elif isinstance(h, dict):
                hits.append(SyncHit(**h))
            else:
                hits.append(SyncHit(_number(h, f"hits[{i}]")))
        for i, h in enumerate(hits):
            if h.time_s > self.duration_s:
                raise InputError(
                    f"hit {i + 1}{_lab(h)} at {h.time_s:g} s lies outside the cue "
                    f"(0-{self.duration_s:g} s)", field="hits")
        self.hits = hits
        lo = None if self.min_bpm is None else _number(self.min_bpm, "min_bpm", 0, lo_open=True)
        hi = None if self.max_bpm is None else _number(self.max_bpm, "max_bpm", 0, lo_open=True)
        tgt = None if self.target_bpm is None else _number(self.target_bpm, "target_bpm", 0,
                                                           lo_open=True)
        if lo is None:
            lo = min(DEFAULT_MIN_BPM, tgt) if tgt is not None else DEFAULT_MIN_BPM
            if hi is not None:
                lo = min(lo, hi)
        if hi is None:
            hi = max(DEFAULT_MAX_BPM, tgt) if tgt is not None else DEFAULT_MAX_BPM
            hi = max(hi, lo)
        if lo > hi:
            raise InputError(f"min tempo {lo:g} BPM is above max tempo {hi:g} BPM", field="bpm")
        if tgt is None:
            tgt = (lo + hi) / 2
        if not lo <= tgt <= hi:
            raise InputError(f"target {tgt:g} BPM lies outside the range {lo:g}-{hi:g} BPM",
                             field="target_bpm")
        self.min_bpm, self.max_bpm, self.target_bpm = lo, hi, tgt
        self.count_in_bars = int(_number(self.count_in_bars, "count_in_bars", 0, 16))


def _lab(h: SyncHit) -> str:
    return f" ({h.label})" if h.label else ""


def request_from_cue(cue: Any, rate: FrameRate | str, target_bpm: float | None = None,
                     min_bpm: float | None = None, max_bpm: float | None = None,
                     **kwargs: Any) -> SyncRequest:
    """A request for a :class:`assistant.project.Cue` (film-time hits made cue-relative)."""
    hits = [
        SyncHit(time_s=float(h.time_s) - float(cue.start_s), label=h.label or h.tc,
                weight=h.weight, important=h.important, landing=h.landing,
                tolerance_frames=h.tolerance_frames)
        for h in cue.hits
    ]
    return SyncRequest(float(cue.end_s) - float(cue.start_s), hits, rate, target_bpm, min_bpm,
                       max_bpm, **kwargs)


# ----------------------------------------------------------------------------- results
@dataclass
class HitResult:
    """Where one hit landed. ``grid_beat`` is the beat it is measured against."""

    index: int
    time_s: float
    label: str
    important: bool
    landing: str
    position_beats: Fraction  # quarter notes from the cue start, of the hit itself
    grid_beat: Fraction  # quarter-note position of the beat/bar line it is measured against
    bar: int
    beat: Fraction  # 1-based beat in the bar (meter beat unit) of grid_beat
    error_frames: float  # |frames off|
    offset_frames: float  # signed: + means the beat comes after the hit
    status: str  # hit, near, miss, free

    def to_json(self) -> dict[str, Any]:
        beat: float | int = int(self.beat) if self.beat.denominator == 1 else float(self.beat)
        return {
            "time_s": self.time_s, "label": self.label, "bar": self.bar, "beat": beat,
            "error_frames": round(self.error_frames, 3),
            "offset_frames": round(self.offset_frames, 3), "status": self.status,
            "landing": self.landing, "important": self.important,
            "position_beats": float(self.position_beats),
        }


@dataclass
class SyncSolution:
    """One fitted tempo map and how every hit lands on it."""

    mode: str
    tempo_map: TempoMap
    hits: list[HitResult]
    cost: float
    cost_breakdown: dict[str, float]
    duration_s: float
    fps: FrameRate
    rank_cost: float = 0.0  # the search's own objective (cost + ranking-only penalties)
    inserted_bars: int = 0  # bars of another meter inserted to reach downbeats (exact mode)

    @property
    def max_error_frames(self) -> float:
        return max((h.error_frames for h in self.hits), default=0.0)

    @property
    def counts(self) -> dict[str, int]:
        out = {"hit": 0, "near": 0, "miss": 0, "free": 0}
        for h in self.hits:
            out[h.status] += 1
        return out

    @property
    def tempo_changes(self) -> int:
        """Tempo changes, not counting float-noise ones (relative size < SAME_TEMPO_REL)."""
        segs = self.tempo_map.segments
        return sum(1 for (_, a), (_, b) in zip(segs, segs[1:], strict=False)
                   if abs(math.log(b / a)) >= SAME_TEMPO_REL)

    @property
    def cue_end(self) -> tuple[int, Fraction, Fraction]:
        """(bar, beat in bar, quarter-note position) where the cue end falls."""
        b = self.tempo_map.total_beats(frac(self.duration_s))
        bar, beat = self.tempo_map.bar_beat(b)
        return bar, beat, b

    def to_json(self) -> dict[str, Any]:
        bar, beat, pos = self.cue_end
        tempo = [dict(e, frame_click=bpm_to_frame_click(t, self.fps))
                 for e, (_, t) in zip(self.tempo_map.tempo_json(), self.tempo_map.segments,
                                      strict=True)]
        imp = [h.error_frames for h in self.hits if h.important and h.status != "free"]
        oth = [h.error_frames for h in self.hits if not h.important and h.status != "free"]
        return {
            "mode": self.mode,
            "tempo_map": tempo,
            "meters": self.tempo_map.meters_json(),
            "hits": [h.to_json() for h in self.hits],
            "max_error_frames": round(self.max_error_frames, 3),
            "mean_error_frames_important": round(float(np.mean(imp)), 3) if imp else 0.0,
            "mean_error_frames_other": round(float(np.mean(oth)), 3) if oth else 0.0,
            "counts": self.counts,
            "tempo_changes": self.tempo_changes,
            "inserted_bars": self.inserted_bars,
            "cost": round(self.cost, 4),
            "cost_breakdown": {k: round(v, 4) for k, v in self.cost_breakdown.items()},
            "cue_end": {"bar": bar, "beat": float(beat), "position_beats": float(pos)},
            "fps": self.fps.label,
        }


def evaluate(tm: TempoMap, req: SyncRequest, mode: str | None = None,
             rank_cost: float = 0.0) -> SyncSolution:
    """Measure every hit against ``tm`` and compute the cost breakdown (exactly)."""
    w = req.weights
    fps = req.fps.fps
    dur = frac(req.duration_s)
    results: list[HitResult] = []
    imp_cost = oth_cost = 0.0
    for i, h in enumerate(req.hits):
        t = frac(h.time_s)
        pos = tm.seconds_to_beat(t)
        if h.landing == "free":
            grid = pos
        else:
            grid = tm.nearest_grid(pos, downbeat=h.landing == "downbeat")
        delta = tm.beat_to_seconds(grid) - t
        off = float(delta * fps)
        err = abs(off)
        bar, beat = tm.bar_beat(grid)
        if h.landing == "free":
            status = "free"
        else:
            rounded = math.floor(err + 0.5)
            status = "hit" if rounded == 0 else (
                "near" if rounded <= max(1.0, h.tolerance_frames) else "miss")
            c = h.weight * ((w.important_error if h.important else w.other_error) * err
                            + w.miss * max(0.0, err - h.tolerance_frames))
            if h.important:
                imp_cost += c
            else:
                oth_cost += c
        results.append(HitResult(i, h.time_s, h.label, h.important, h.landing, pos, grid, bar,
                                 beat, err, off, status))
    # tempo terms, duration-weighted over the cue
    target_cost = 0.0
    segs = tm.segments
    for i, (b0, bpm) in enumerate(segs):
        s0 = tm.beat_to_seconds(b0)
        s1 = tm.beat_to_seconds(segs[i + 1][0]) if i + 1 < len(segs) else dur
        span = max(Fraction(0), min(s1, dur) - max(s0, Fraction(0)))
        target_cost += float(span / dur) * 100 * abs(math.log(float(bpm) / req.target_bpm))
    sizes = [x for x in (100 * abs(math.log(float(b) / float(a))) for (_, a), (_, b) in
                         zip(segs, segs[1:], strict=False)) if x >= 100 * SAME_TEMPO_REL]
    base = tuple(req.meter)
    meter_cost = 0.0
    base_bar = Fraction(4 * base[0], base[1])
    for bar, _, m in tm.bars(0, tm.total_beats(dur)):
        if (m.numerator, m.denominator) != base:
            if bar == 1 and m.bar_beats < base_bar:
                meter_cost += w.meter * pickup_unusualness(m.numerator, m.denominator)
            else:
                meter_cost += w.meter * meter_unusualness(m.numerator, m.denominator)
    breakdown = {
        "important_hit_error": imp_cost,
        "other_hit_error": oth_cost,
        "target_tempo": w.target * target_cost,
        "tempo_change_count": w.change_count * len(sizes),
        "tempo_change_size": w.change_size * sum(sizes),
        "unusual_meters": meter_cost,
    }
    return SyncSolution(mode or req.mode, tm, results, float(sum(breakdown.values())), breakdown,
                        req.duration_s, req.fps, rank_cost)


# ----------------------------------------------------------------------------- exact mode
@dataclass
class _Anchor:
    time: Fraction
    downbeat: bool
    hits: list[int]


def _anchors(req: SyncRequest) -> list[_Anchor]:
    out: list[_Anchor] = []
    order = sorted((i for i, h in enumerate(req.hits) if h.landing != "free"),
                   key=lambda i: req.hits[i].time_s)
    for i in order:
        h = req.hits[i]
        t = frac(h.time_s)
        if t == 0:  # the cue start is the downbeat of bar 1 already
            continue
        if out and out[-1].time == t:
            out[-1].downbeat |= h.landing == "downbeat"
            out[-1].hits.append(i)
        else:
            out.append(_Anchor(t, h.landing == "downbeat", [i]))
    return out


def _describe(req: SyncRequest, anchor: _Anchor | None) -> str:
    if anchor is None:
        return "the cue start (0 s)"
    h = req.hits[anchor.hits[0]]
    return f"hit {anchor.hits[0] + 1}{_lab(h)} at {h.time_s:g} s"


def _span_options(req: SyncRequest, prev: _Anchor | None, cur: _Anchor, u: Fraction
                  ) -> np.ndarray:
    """Feasible whole beat counts (meter units) for one span, or a clear InputError."""
    d = cur.time - (prev.time if prev else 0)
    lo_x = frac(req.min_bpm) * d * u / 60
    hi_x = frac(req.max_bpm) * d * u / 60
    lo, hi = max(1, math.ceil(lo_x)), math.floor(hi_x)
    if lo > hi:
        a, b = _describe(req, prev), _describe(req, cur)
        unit = "beat" if u == 1 else f"1/{u.numerator * 4 // u.denominator} note"
        if hi_x < 1:
            need = math.ceil(60 / (float(d) * float(u)) * 100) / 100
            raise InputError(
                f"impossible: {a} and {b} are only {float(d) * 1000:.0f} ms apart; even at the "
                f"maximum {req.max_bpm:g} BPM that is {float(hi_x):.2f} of a {unit}, but two "
                f"hits on beats need at least one whole {unit} between them. Raise --max-bpm "
                f"to at least {need:g}, or make "
                + ("the hit free, or start the cue earlier" if prev is None
                   else "one of them free"), field="hits")
        k_lo, k_hi = math.floor(lo_x), math.ceil(hi_x)
        alt = [60 * k / (float(d) * float(u)) for k in (k_lo, k_hi) if k >= 1]
        raise InputError(
            f"impossible: no whole number of beats fits the {float(d):.3f} s between {a} and {b} "
            f"at {req.min_bpm:g}-{req.max_bpm:g} BPM ({float(lo_x):.3f}-{float(hi_x):.3f} beats); "
            f"widen the range to include " + " or ".join(f"{x:.2f}" for x in alt) + " BPM",
            field="hits")
    if hi - lo + 1 > MAX_SPAN_OPTIONS:
        centre = round(float(frac(req.target_bpm) * d * u / 60))
        lo = max(lo, min(centre - MAX_SPAN_OPTIONS // 2, hi - MAX_SPAN_OPTIONS + 1))
        hi = lo + MAX_SPAN_OPTIONS - 1
    return np.arange(lo, hi + 1, dtype=np.int64)


def _pickup_options(req: SyncRequest, first: _Anchor) -> np.ndarray:
    """Pickup lengths in 32nd notes for a first hit too close to the cue start for a beat."""
    d = first.time
    lo = max(1, math.ceil(frac(req.min_bpm) * d * 8 / 60))
    hi = math.floor(frac(req.max_bpm) * d * 8 / 60)
    if lo > hi:
        raise InputError(
            f"impossible: {_describe(req, first)} is only {float(d) * 1000:.0f} ms after the "
            f"cue start; not even a whole beat or a pickup of 32nd notes fits at "
            f"{req.min_bpm:g}-{req.max_bpm:g} BPM. Start the cue earlier, make the hit free, "
            f"or widen the tempo range", field="hits")
    return np.arange(lo, hi + 1, dtype=np.int64)


def _pickup_meter(n32: int, den: int) -> tuple[int, int]:
    """A pickup of ``n32`` 32nd notes as a time signature, denominator no finer than needed."""
    n, d = n32, 32
    while n % 2 == 0 and d > den:
        n, d = n // 2, d // 2
    return n, d


def _topk(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k smallest values along the last axis (sorted) and their indices."""
    m = x.shape[-1]
    if m > k:
        idx = np.argpartition(x, k - 1, axis=-1)[..., :k]
    else:
        idx = np.broadcast_to(np.arange(m), x.shape[:-1] + (m,)).copy()
    vals = np.take_along_axis(x, idx, axis=-1)
    order = np.argsort(vals, axis=-1, kind="stable")
    idx = np.take_along_axis(idx, order, axis=-1)
    vals = np.take_along_axis(vals, order, axis=-1)
    if vals.shape[-1] < k:  # pad
        pad = k - vals.shape[-1]
        vals = np.concatenate([vals, np.full(vals.shape[:-1] + (pad,), np.inf)], axis=-1)
        idx = np.concatenate([idx, np.zeros(idx.shape[:-1] + (pad,), dtype=idx.dtype)], axis=-1)
    return vals, idx


def _fit_exact(req: SyncRequest, n_solutions: int) -> list[SyncSolution]:
    num, den = req.meter
    L = num
    u = Fraction(den, 4)  # meter beats per quarter note
    w = req.weights
    K = max(1, n_solutions)
    anchors = _anchors(req)
    if not anchors:
        tm = TempoMap([(Fraction(0), frac(req.target_bpm))], [MeterChange(1, num, den)])
        sol = evaluate(tm, req, "exact")
        sol.rank_cost = sol.cost
        return [sol]
    dur = frac(req.duration_s)
    opts: list[np.ndarray] = []
    temps: list[np.ndarray] = []
    tgt: list[np.ndarray] = []
    spans: list[Fraction] = []
    prev: _Anchor | None = None
    pickup = False  # first span filled by a pickup bar of 32nd notes (ks count 32nds)
    for j, a in enumerate(anchors):
        d = a.time - (prev.time if prev else 0)
        try:
            ks = _span_options(req, prev, a, u)
        except InputError:
            if j or not req.allow_meter_changes:
                raise
            ks = _pickup_options(req, a)
            pickup = True
        spans.append(d)
        per_q = Fraction(8) if (pickup and j == 0) else u  # counted units per quarter note
        tempo = 60.0 * ks / (float(d) * float(per_q))
        weight_s = d + (dur - a.time if j == len(anchors) - 1 else 0)
        opts.append(ks)
        temps.append(tempo)
        tgt.append(w.target * float(weight_s / dur) * 100 * np.abs(np.log(tempo / req.target_bpm)))
        prev = a
    last_db = max((j for j, a in enumerate(anchors) if a.downbeat), default=-1)

    def phase_dim(j: int) -> int:  # state after anchor j (-1 = cue start)
        return L if j < last_db else 1

    ins_short = np.array([0.0] + [w.meter * meter_unusualness(r, den) for r in range(1, L)])
    ins_long = np.array([0.0] + [w.meter * meter_unusualness(L + r, den) for r in range(1, L)])
    rank_pen = w.meter_insertion_rank
    # state arrays: C (m, P, K); back pointers per anchor: (prev flat index, inserted bar length)
    pick_r = np.array([0.0] + [w.meter * pickup_unusualness(r, den) for r in range(1, L)])
    C = np.full((1, phase_dim(-1), K), np.inf)
    C[0, 0, 0] = 0.0
    T_prev: np.ndarray | None = None
    backs: list[tuple[np.ndarray, np.ndarray]] = []
    if pickup:  # anchor 0 ends a pickup bar: it is a downbeat whatever its landing
        m0 = len(opts[0])
        C = np.full((m0, phase_dim(0), K), np.inf)
        cost0 = np.array([w.meter * pickup_unusualness(*_pickup_meter(int(k), den))
                          for k in opts[0]])
        C[:, 0, 0] = tgt[0] + cost0 + rank_pen
        backs.append((np.zeros(C.shape, dtype=np.int64), np.full(C.shape, -1, dtype=np.int64)))
        T_prev = temps[0]
    for j, a in enumerate(anchors):
        if pickup and j == 0:
            continue
        kb, Tb = opts[j], temps[j]
        ma, Pa, _ = C.shape
        mb, Pb = len(kb), phase_dim(j)
        if T_prev is None:
            change = np.zeros((ma, mb))
        else:
            rel = np.abs(np.log(Tb[None, :] / T_prev[:, None]))
            change = np.where(rel < SAME_TEMPO_REL, 0.0, w.change_count + w.change_size * 100 * rel)
        newC = np.full((mb, Pb, K), np.inf)
        back = np.zeros((mb, Pb, K), dtype=np.int64)
        ins = np.zeros((mb, Pb, K), dtype=np.int64)
        per_b = ma * Pa * K * max(1, Pa)
        step = max(1, _CHUNK // max(1, per_b))
        for s in range(0, mb, step):
            e = min(mb, s + step)
            bs = np.arange(s, e)
            ch = change[:, bs].T  # (nb, ma)
            if a.downbeat:
                phi = np.arange(Pa)
                tot = phi[None, :] + kb[bs][:, None]  # (nb, Pa)
                r = tot % L
                short = ins_short[r]
                if j == 0:  # a short first bar is a pickup (anacrusis): ordinary notation
                    short = np.where((kb[bs] < L)[:, None], pick_r[r], short)
                long_ok = tot >= L + r
                longc = np.where(long_ok, ins_long[r], np.inf)
                use_long = longc < short
                cost_ins = np.where(r == 0, 0.0, np.minimum(short, longc)
                                    + (rank_pen if req.allow_meter_changes else np.inf))
                length = np.where(r == 0, 0, np.where(use_long, L + r, r))
                cand = (C[None, :, :, :] + ch[:, :, None, None]
                        + cost_ins[:, None, :, None])  # (nb, ma, Pa, K)
                vals, idx = _topk(cand.reshape(len(bs), -1), K)
                newC[bs, 0, :] = vals + tgt[j][bs][:, None]
                back[bs, 0, :] = idx
                phi_of = (idx // K) % Pa
                ins[bs, 0, :] = np.take_along_axis(length, phi_of, axis=1)
            elif Pb == 1:
                cand = C[None, :, :, :] + ch[:, :, None, None]  # (nb, ma, Pa, K)
                vals, idx = _topk(cand.reshape(len(bs), -1), K)
                newC[bs, 0, :] = vals + tgt[j][bs][:, None]
                back[bs, 0, :] = idx
            else:  # phase tracked, Pa == Pb == L
                psi = np.arange(L)
                phi_idx = (psi[None, :] - kb[bs][:, None]) % L  # (nb, L)
                Ct = C.transpose(1, 0, 2)  # (Pa, ma, K)
                cand = Ct[phi_idx] + ch[:, None, :, None]  # (nb, L, ma, K)
                vals, idx = _topk(cand.reshape(len(bs), L, -1), K)
                newC[bs] = vals + tgt[j][bs][:, None, None]
                am, rk = idx // K, idx % K
                back[bs] = (am * Pa + phi_idx[:, :, None]) * K + rk
        if not np.isfinite(newC).any():
            raise InputError(
                f"impossible: no tempo within {req.min_bpm:g}-{req.max_bpm:g} BPM puts "
                f"{_describe(req, a)} on a downbeat of {num}/{den} (after the earlier hits) "
                "without a bar of another meter; allow meter changes or widen the range",
                field="hits")
        C = newC
        T_prev = Tb
        backs.append((back, ins))
    # best final states
    flat = C.reshape(-1)
    vals, idx = _topk(flat[None, :], K)
    solutions: list[SyncSolution] = []
    for v, f in zip(vals[0], idx[0], strict=True):
        if not np.isfinite(v):
            continue
        path: list[tuple[int, int]] = []  # (k, inserted length) per anchor
        m_, P_, _ = C.shape
        b, psi, r = f // (P_ * K), (f // K) % P_, f % K
        for j in range(len(anchors) - 1, -1, -1):
            back, ins = backs[j]
            path.append((int(opts[j][b]), int(ins[b, psi, r])))
            pf = int(back[b, psi, r])
            Pa = phase_dim(j - 1)
            b, psi, r = pf // (Pa * K), (pf // K) % Pa, pf % K
        path.reverse()
        tm = _build_map(path, spans, u, num, den, pickup)
        n_ins = sum(1 for _, x in path if x)
        sol = evaluate(tm, req, "exact", rank_cost=float(v))
        sol.inserted_bars = n_ins
        solutions.append(sol)
    if not solutions:
        db = [a for a in anchors if a.downbeat]
        raise InputError(
            f"impossible: no tempo within {req.min_bpm:g}-{req.max_bpm:g} BPM puts "
            + ", ".join(_describe(req, a) for a in db)
            + f" on a downbeat of {num}/{den} without a bar of another meter; allow meter "
            "changes or widen the range", field="hits")
    return solutions


def _build_map(path: Sequence[tuple[int, int]], spans: Sequence[Fraction], u: Fraction,
               num: int, den: int, pickup: bool = False) -> TempoMap:
    segs: list[tuple[Fraction, Fraction]] = []
    changes = [MeterChange(1, num, den)]
    bar, offset = 1, Fraction(0)  # first regular bar, and where it starts (quarter notes)
    if pickup:
        k0 = path[0][0]
        offset = Fraction(k0, 8)
        segs.append((Fraction(0), 60 * offset / spans[0]))
        changes = [MeterChange(1, *_pickup_meter(k0, den)), MeterChange(2, num, den)]
        bar = 2
        path, spans = path[1:], spans[1:]
    pos = 0  # meter units after the pickup
    irregular: list[tuple[int, int]] = []
    for (k, ins), d in zip(path, spans, strict=True):
        segs.append((offset + Fraction(pos) / u, 60 * Fraction(k) / (u * d)))
        pos += k
        if ins:
            irregular.append((pos - ins, ins))
    start = 0
    for s, length in irregular:
        if s < start or (s - start) % num:
            raise AssertionError(f"inserted bar at {s} off the bar grid from {start}")
        bar += (s - start) // num
        changes.append(MeterChange(bar, length, den))
        bar += 1
        start = s + length
        changes.append(MeterChange(bar, num, den))
    return TempoMap(segs, changes)


# ----------------------------------------------------------------------------- constant mode
def _fit_constant(req: SyncRequest, n_solutions: int) -> list[SyncSolution]:
    num, den = req.meter
    L = num
    w = req.weights
    fps = float(req.fps.fps)
    lo_h, hi_h = math.ceil(req.min_bpm * 100 - 1e-9), math.floor(req.max_bpm * 100 + 1e-9)
    if hi_h >= lo_h:
        grid_h = np.arange(lo_h, hi_h + 1)
        narrow_bpm = None
        T = grid_h / 100.0
    else:  # the range is narrower than the 0.01 BPM grid: use its lower end exactly
        grid_h = np.array([round(req.min_bpm * 100)])
        narrow_bpm = frac(req.min_bpm)
        T = np.array([req.min_bpm])
    hits = [h for h in req.hits if h.landing != "free"]
    t = np.array([h.time_s for h in hits], dtype=float)
    wt = np.array([h.weight for h in hits], dtype=float)
    imp = np.array([h.important for h in hits], dtype=bool)
    tol = np.array([h.tolerance_frames for h in hits], dtype=float)
    db = np.array([h.landing == "downbeat" for h in hits], dtype=bool)
    pickups = list(range(L)) if (req.allow_meter_changes and db.any()) else [0]
    hw = wt * np.where(imp, w.important_error, w.other_error)
    total = np.empty((len(pickups), len(T)))
    block = max(1, _CHUNK // 8 // max(1, len(hits)))
    for s0 in range(0, len(T), block):
        Tb = T[s0:s0 + block]
        ups = Tb / 60.0 * den / 4.0  # meter beats per second, (nB,)
        pos = t[None, :] * ups[:, None]  # (nB, nH) position in meter beats
        e_beat = np.abs(pos - np.rint(pos))
        base = w.target * 100 * np.abs(np.log(Tb / req.target_bpm))
        for pi, p in enumerate(pickups):
            if db.any():
                q = (pos - p) / L
                e_db = np.abs(q - np.rint(q)) * L
                if p:  # before bar 2 the downbeats are the cue start and the pickup's end
                    e_db = np.where(pos < p, np.minimum(pos, p - pos), e_db)
                err_u = np.where(db[None, :], e_db, e_beat)
            else:
                err_u = e_beat
            frames = err_u / ups[:, None] * fps  # (nB, nH)
            cost = (frames * hw[None, :]).sum(axis=1) + (
                wt[None, :] * w.miss * np.maximum(0.0, frames - tol[None, :])).sum(axis=1)
            pick = w.meter * pickup_unusualness(p, den) if p else 0.0
            total[pi, s0:s0 + block] = cost + base + pick
    order = np.argsort(total, axis=None, kind="stable")
    chosen: list[tuple[int, int]] = []
    for flat_i in order[: max(2000, 50 * n_solutions)]:
        pi, ti = divmod(int(flat_i), len(T))
        if all(abs(int(grid_h[ti]) - int(grid_h[c])) >= 50 for _, c in chosen):
            chosen.append((pi, ti))
        if len(chosen) >= n_solutions:
            break
    solutions = []
    for pi, ti in chosen:
        p = pickups[pi]
        meters = [MeterChange(1, num, den)] if p == 0 else [MeterChange(1, p, den),
                                                            MeterChange(2, num, den)]
        bpm = narrow_bpm if narrow_bpm is not None else Fraction(int(grid_h[ti]), 100)
        tm = TempoMap([(Fraction(0), bpm)], meters)
        solutions.append(evaluate(tm, req, "constant", rank_cost=float(total[pi, ti])))
    return solutions


# ----------------------------------------------------------------------------- entry point
def fit_tempo(req: SyncRequest, n_solutions: int = 3) -> list[SyncSolution]:
    """The ``n_solutions`` best tempo maps for ``req``, best first (see module docstring)."""
    if n_solutions < 1:
        raise InputError("ask for at least one solution", field="solutions")
    fitter = _fit_exact if req.mode == "exact" else _fit_constant
    sols = fitter(req, n_solutions)
    log.info("fit-tempo %s: %d solution(s), best cost %.3f", req.mode, len(sols),
             sols[0].cost if sols else float("nan"))
    return sols


def solve(duration_s: Number, hits: Sequence[float | SyncHit], fps: str | FrameRate = "24",
          **kwargs: Any) -> list[SyncSolution]:
    """Shorthand: ``fit_tempo(SyncRequest(duration_s, hits, fps, **kwargs))``."""
    n = kwargs.pop("n_solutions", 3)
    return fit_tempo(SyncRequest(float(duration_s), list(hits), fps, **kwargs), n)
