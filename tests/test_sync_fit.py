"""Tempo fitting: exact and constant modes, checked through the written MIDI file.

The MIDI file is read back with a small reader written here (mido messages, our own
tick -> seconds integration), independent of the library's tempo map.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import mido
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import InputError
from assistant.sync import SyncHit, SyncRequest, TempoMap, evaluate, fit_tempo, request_from_cue
from assistant.sync.midi import write_conductor_midi
from assistant.timecode import FrameRate

RATES = ["23.976", "24", "25", "29.97", "30", "50", "59.94", "60"]


# ----------------------------------------------------------------------------- reader
class Conductor:
    """Independent reading of a conductor track: tempos, meters, markers in ticks."""

    def __init__(self, path: Path) -> None:
        mid = mido.MidiFile(str(path))
        assert mid.type == 1
        self.ppq = mid.ticks_per_beat
        self.tempos: list[tuple[int, int]] = []
        self.sigs: list[tuple[int, int, int]] = []
        self.markers: list[tuple[int, str]] = []
        self.smpte = None
        tick = 0
        for msg in mid.tracks[0]:
            tick += msg.time
            if msg.type == "set_tempo":
                self.tempos.append((tick, msg.tempo))
            elif msg.type == "time_signature":
                self.sigs.append((tick, msg.numerator, msg.denominator))
            elif msg.type == "marker":
                self.markers.append((tick, msg.text))
            elif msg.type == "smpte_offset":
                self.smpte = msg

    def seconds(self, tick: int) -> float:
        sec, last, us = 0.0, 0, 500_000
        for t, new_us in self.tempos:
            if t >= tick:
                break
            sec += (t - last) * us / self.ppq / 1e6
            last, us = t, new_us
        return sec + (tick - last) * us / self.ppq / 1e6

    def sig_at(self, tick: int) -> tuple[int, int, int]:
        return [s for s in self.sigs if s[0] <= tick][-1]

    def on_grid(self, tick: int, downbeat: bool) -> bool:
        t0, num, den = self.sig_at(tick)
        beat = self.ppq * 4 // den
        return (tick - t0) % (beat * num if downbeat else beat) == 0

    def frames_off(self, tick: int, fps: float) -> float:
        """Frames between the tick and the nearest beat of the meter in force."""
        t0, num, den = self.sig_at(tick)
        beat = self.ppq * 4 // den
        lo = t0 + (tick - t0) // beat * beat
        # the next beat may belong to the next meter, whose event sits on that bar line
        nxt = [s[0] for s in self.sigs if lo < s[0] <= lo + beat]
        hi = min([lo + beat, *nxt])
        s = self.seconds(tick)
        return min(abs(self.seconds(lo) - s), abs(self.seconds(hi) - s)) * fps

    def hits(self) -> list[tuple[int, str]]:
        return [(t, x) for t, x in self.markers if x.startswith("HIT")]


# ----------------------------------------------------------------------------- strategies
@st.composite
def exact_requests(draw: st.DrawFn) -> SyncRequest:
    fps = draw(st.sampled_from(RATES))
    rate = FrameRate.parse(fps)
    duration = draw(st.floats(10, 300))
    n = draw(st.integers(1, 12))
    t, times = 0.0, []
    for _ in range(n):
        room = duration - t
        if room < 0.5:
            break
        t += draw(st.floats(0.5, max(0.5, min(room - 0.1, 2 * duration / n))))
        frame = round(t * rate.fps)  # hits sit on frames, as spotted
        if Fraction(frame) / rate.fps > duration:
            break
        times.append(float(Fraction(frame) / rate.fps))
    hits = [SyncHit(x, label=f"h{i}", landing=draw(st.sampled_from(["beat", "beat", "downbeat",
                                                                      "free"])),
                    important=draw(st.booleans())) for i, x in enumerate(times)]
    lo = draw(st.sampled_from([60.0, 70.0, 80.0]))
    hi = draw(st.sampled_from([140.0, 160.0, 180.0]))
    meter = draw(st.sampled_from([(4, 4), (3, 4), (6, 8)]))
    return SyncRequest(duration, hits, fps, min_bpm=lo, max_bpm=hi, meter=meter)


def _some_span_has_no_whole_beat_count(req: SyncRequest) -> bool:
    u = Fraction(req.meter[1], 4)
    times = sorted({Fraction(repr(h.time_s)) for h in req.hits if h.landing != "free"} - {0})
    lo, hi = Fraction(repr(req.min_bpm)), Fraction(repr(req.max_bpm))
    for a, b in zip([Fraction(0), *times], times, strict=False):
        ks = range(1, int(hi * (b - a) * u / 60) + 2)
        if not any(lo <= 60 * k / (u * (b - a)) <= hi for k in ks):
            # the first span may also be a pickup bar of 32nd notes
            n32 = range(1, int(hi * b * 8 / 60) + 2)
            if a == 0 and any(lo <= 60 * Fraction(k, 8) / b <= hi for k in n32):
                continue
            return True
    return False


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(req=exact_requests())
def test_exact_mode_round_trips_through_midi(req: SyncRequest, tmp_path_factory) -> None:
    try:
        sols = fit_tempo(req)
    except InputError as exc:  # only when truly impossible: check by brute force
        assert "impossible" in str(exc)
        assert _some_span_has_no_whole_beat_count(req), str(exc)
        return
    assert sols
    path = tmp_path_factory.mktemp("mid") / "cue.mid"
    for sol in sols:
        # library view: exact, zero error, tempos in range, cost consistent with the DP
        for _, bpm in sol.tempo_map.segments:
            assert Fraction(repr(req.min_bpm)) <= bpm <= Fraction(repr(req.max_bpm))
        assert sol.max_error_frames == 0
        assert abs(sol.rank_cost - sol.cost - 1e6 * sol.inserted_bars) < 1e-6
    best = sols[0]
    write_conductor_midi(best, path, start_tc="01:00:00:00", cue_id="1M1")
    rd = Conductor(path)
    assert rd.ppq >= 960
    assert rd.markers[0] == (0, "CUE START 1M1")
    assert rd.smpte is not None
    for _, us in rd.tempos:
        assert req.min_bpm - 0.01 <= 60e6 / us <= req.max_bpm + 0.01
    markers = rd.hits()
    assert len(markers) == len(req.hits)
    by_label = {text[4:]: tick for tick, text in markers}
    for h in req.hits:
        tick = by_label[h.label]
        assert abs(rd.seconds(tick) - h.time_s) < 1e-3, (h, rd.seconds(tick))
        if h.landing != "free":
            assert rd.on_grid(tick, h.landing == "downbeat"), (h, tick, rd.sigs)
    end = [t for t, x in rd.markers if x.startswith("CUE END")][0]
    assert abs(rd.seconds(end) - req.duration_s) < 1e-3


@settings(max_examples=15, deadline=None)
@given(
    bpm_h=st.integers(6000, 16000),
    beats=st.lists(st.integers(1, 200), min_size=1, max_size=12, unique=True),
    fps=st.sampled_from(RATES),
)
def test_constant_mode_frames_off_match_the_file(bpm_h: int, beats: list[int], fps: str,
                                                 tmp_path_factory) -> None:
    bpm = bpm_h / 100
    rate = FrameRate.parse(fps)
    # a grid at bpm, each hit nudged onto its nearest frame, plus one off-grid hit
    times = sorted({float(Fraction(round(b * 60 / bpm * rate.fps)) / rate.fps) for b in beats})
    times.append(times[-1] + 0.37 * 60 / bpm)
    duration = times[-1] + 5
    req = SyncRequest(duration, times, fps, mode="constant", min_bpm=60, max_bpm=160,
                      target_bpm=bpm)
    sols = fit_tempo(req)
    best = sols[0]
    for sol in sols:  # the vectorised search and the exact evaluation agree
        assert abs(sol.rank_cost - sol.cost) < 1e-6 * max(1.0, sol.cost)
    assert [s.cost for s in sols] == sorted(s.cost for s in sols)
    path = tmp_path_factory.mktemp("mid") / "c.mid"
    write_conductor_midi(best, path)
    rd = Conductor(path)
    assert len(rd.tempos) == 1
    for h, (tick, _) in zip(best.hits, rd.hits(), strict=True):
        assert abs(rd.frames_off(tick, float(rate.fps)) - h.error_frames) < 0.05


def test_nine_bars_of_four_four_in_18_s_is_120_bpm() -> None:
    for mode in ("exact", "constant"):
        req = SyncRequest(18, [SyncHit(18, landing="downbeat")], "24", target_bpm=118,
                          mode=mode)
        best = fit_tempo(req)[0]
        assert best.tempo_map.segments == [(0, 120)]
        assert (best.hits[0].bar, best.hits[0].beat) == (10, 1)  # 9 full bars before it
        assert best.max_error_frames == 0


def test_grid_at_97_5_is_recovered_by_constant_mode() -> None:
    times = [k * 60 / 97.5 for k in (3, 5, 8, 13, 21, 34, 40, 47)]
    req = SyncRequest(40, times, "25", mode="constant", min_bpm=80, max_bpm=120, target_bpm=100)
    best = fit_tempo(req)[0]
    assert best.tempo_map.segments[0][1] == Fraction(975, 10)
    assert best.max_error_frames < 1e-6
    assert best.counts["hit"] == len(times)


def test_constant_mode_counts_hits_near_and_misses() -> None:
    tm = TempoMap([(0, 120)])  # beats every 0.5 s; at 24 fps a frame is 1/24 s
    req = SyncRequest(10, [1.0, 2.0 + 1 / 24, 3.0 + 3 / 24, 4.0 + 3 / 24], "24", mode="constant")
    sol = evaluate(tm, req)
    assert [h.status for h in sol.hits] == ["hit", "near", "miss", "miss"]
    assert [round(h.error_frames, 6) for h in sol.hits] == [0, 1, 3, 3]
    req.hits[3].tolerance_frames = 3  # a hit that only needs to feel in sync
    assert evaluate(tm, req).hits[3].status == "near"


def test_a_pickup_bar_serves_a_downbeat_in_constant_mode() -> None:
    # downbeats every 4 beats at 100 BPM, starting on beat 3 of the cue
    times = [(2 + 4 * k) * 0.6 for k in range(6)]
    req = SyncRequest(20, [SyncHit(t, landing="downbeat") for t in times], "24", mode="constant",
                      min_bpm=90, max_bpm=110, target_bpm=100)
    best = fit_tempo(req)[0]
    assert best.max_error_frames < 1e-6
    assert [m.to_json() for m in best.tempo_map.meters] == [
        {"bar": 1, "numerator": 2, "denominator": 4}, {"bar": 2, "numerator": 4, "denominator": 4}]


def test_other_meter_only_where_it_is_the_only_way() -> None:
    # a downbeat 2.0 s in is reachable in 4/4 (4 beats at 120): no other meter
    best = fit_tempo(SyncRequest(10, [SyncHit(2.0, landing="downbeat")], "24",
                                 target_bpm=100))[0]
    assert len(best.tempo_map.meters) == 1
    # 1.0 s holds only 1-2 beats at 60-160 BPM: a 2/4 bar is the only way
    best = fit_tempo(SyncRequest(10, [SyncHit(1.0, landing="downbeat")], "24",
                                 target_bpm=100))[0]
    assert [m.to_json() for m in best.tempo_map.meters] == [
        {"bar": 1, "numerator": 2, "denominator": 4}, {"bar": 2, "numerator": 4, "denominator": 4}]
    assert best.hits[0].bar == 2 and best.hits[0].beat == 1
    with pytest.raises(InputError, match="downbeat"):
        fit_tempo(SyncRequest(10, [SyncHit(1.0, landing="downbeat")], "24",
                              allow_meter_changes=False))


def test_exact_prefers_one_steady_tempo_when_the_hits_allow_it() -> None:
    # hits on a 90 BPM grid: one tempo, no changes, even with a target of 100
    times = [k * 60 / 90 for k in (4, 7, 12, 16, 23)]
    best = fit_tempo(SyncRequest(20, times, "24", target_bpm=100))[0]
    assert best.tempo_changes == 0
    assert all(abs(float(bpm) - 90) < 1e-9 for _, bpm in best.tempo_map.segments)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"duration_s": 10, "hits": [3.0, 3.05], "max_bpm": 100}, "50 ms apart"),
        ({"duration_s": 10, "hits": [11.0]}, "outside the cue"),
        ({"duration_s": 10, "hits": [-1.0]}, "below|at least"),
        ({"duration_s": 10, "hits": [1.0], "min_bpm": 120, "max_bpm": 100}, "above max"),
        ({"duration_s": 10, "hits": [2.0, 3.3], "min_bpm": 60, "max_bpm": 80},
         "no whole number of beats"),
        ({"duration_s": 0, "hits": []}, "above 0"),
        ({"duration_s": 10, "hits": [1.0], "meter": "4/5"}, "denominator"),
        ({"duration_s": 10, "hits": [1.0], "mode": "fuzzy"}, "mode"),
        ({"duration_s": float("nan"), "hits": []}, "finite"),
    ],
    ids=["too-close", "outside", "negative", "min-above-max", "no-integer-fits", "empty-cue",
         "bad-meter", "bad-mode", "nan"],
)
def test_impossible_or_bad_requests_raise_input_error(kwargs: dict, match: str) -> None:
    kwargs.setdefault("fps", "24")
    with pytest.raises(InputError, match=match):
        fit_tempo(SyncRequest(**kwargs))


def test_request_from_project_cue_uses_cue_relative_times() -> None:
    from assistant.project import Cue, Hit

    cue = Cue(id="1M1", start_s=60.0, end_s=80.0,
              hits=[Hit(time_s=62.0, label="door", landing="downbeat", important=True)])
    req = request_from_cue(cue, "24", target_bpm=118)
    assert req.duration_s == 20 and req.hits[0].time_s == 2.0 and req.hits[0].important
    best = fit_tempo(req)[0]
    assert best.hits[0].error_frames == 0 and best.hits[0].beat == 1


def test_three_solutions_are_distinct_and_ranked() -> None:
    req = SyncRequest(30, [3.1, SyncHit(7.3, landing="downbeat"), 12.55, 20.0], "24",
                      target_bpm=100)
    sols = fit_tempo(req)
    assert len(sols) == 3
    maps = {tuple(s.tempo_map.segments) for s in sols}
    assert len(maps) == 3
    assert [s.rank_cost for s in sols] == sorted(s.rank_cost for s in sols)
    js = sols[0].to_json()
    assert set(js["cost_breakdown"]) >= {"important_hit_error", "other_hit_error",
                                         "target_tempo", "tempo_change_count",
                                         "tempo_change_size", "unusual_meters"}


def test_a_five_four_bar_beats_a_one_four_bar() -> None:
    # only 5 beats fit before the downbeat at 100-110 BPM: one 5/4 bar, not 4/4 + 1/4
    best = fit_tempo(SyncRequest(10, [SyncHit(5 * 60 / 105, landing="downbeat")], "24",
                                 min_bpm=100, max_bpm=110, target_bpm=105))[0]
    assert [(m.bar, m.numerator, m.denominator) for m in best.tempo_map.meters] == [
        (1, 5, 4), (2, 4, 4)]
    assert best.inserted_bars == 1 and best.cost_breakdown["unusual_meters"] > 0


def test_a_hit_just_after_the_cue_start_gets_a_pickup_bar(tmp_path: Path) -> None:
    # a sting: the first hit is 1/6 s after the cue start, too soon for a whole beat
    req = SyncRequest(3.17, [SyncHit(1 / 6, "light"), SyncHit(2.5, "face", landing="downbeat")],
                      "24")
    best = fit_tempo(req)[0]
    assert [(m.bar, m.numerator, m.denominator) for m in best.tempo_map.meters] == [
        (1, 1, 16), (2, 4, 4)]  # a sixteenth-note pickup at 90 BPM
    assert abs(float(best.tempo_map.segments[0][1]) - 90) < 1e-9
    assert best.max_error_frames == 0 and (best.hits[0].bar, best.hits[0].beat) == (2, 1)
    write_conductor_midi(best, tmp_path / "p.mid")
    rd = Conductor(tmp_path / "p.mid")
    for (tick, _), h in zip(rd.hits(), req.hits, strict=True):
        assert abs(rd.seconds(tick) - h.time_s) < 1e-3 and rd.on_grid(tick, True)
    with pytest.raises(InputError, match="after the cue start"):
        fit_tempo(SyncRequest(3, [0.02], "24"))
