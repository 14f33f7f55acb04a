"""Click track (MIDI and WAV), warning clicks, streamer/punch CSV, conductor details."""

from __future__ import annotations

import csv
import wave
from pathlib import Path

import mido
import numpy as np
import pytest

from assistant.errors import InputError
from assistant.sync import SyncHit, SyncRequest, fit_tempo
from assistant.sync.click import write_click_midi, write_click_wav
from assistant.sync.midi import smpte_fields, write_conductor_midi
from assistant.sync.streamers import streamer_rows, write_streamers_csv
from assistant.timecode import FrameRate, seconds_to_tc


@pytest.fixture(scope="module")
def sol():
    # 120 BPM, 4/4: downbeats every 2 s; 10 s cue = 20 beats, 5 bars
    req = SyncRequest(10, [SyncHit(4.0, "door", landing="downbeat", important=True),
                           SyncHit(7.5, "glass")], "25", target_bpm=120)
    best = fit_tempo(req)[0]
    assert best.tempo_map.segments == [(0, 120)]
    return best


def test_click_midi_has_a_click_per_beat_with_accented_downbeats(sol, tmp_path: Path) -> None:
    paths = write_click_midi(sol, tmp_path / "click.mid", count_in_bars=2, cue_id="1M1")
    assert [p.name for p in paths] == ["click.mid", "click.warning.mid"]
    mid = mido.MidiFile(str(paths[0]))
    assert mid.type == 1 and len(mid.tracks) == 2
    tick, ons = 0, []
    for msg in mid.tracks[1]:
        tick += msg.time
        if msg.type == "note_on" and msg.velocity:
            assert msg.channel == 9
            ons.append((tick, msg.note, msg.velocity))
    assert len(ons) == 20
    assert ons[0][0] == 0  # the cue starts at tick 0
    down = [o for o in ons if o[0] % (4 * 960) == 0]
    assert len(down) == 5 and all(v == 127 for _, _, v in down)
    assert all(v < 127 for t, _, v in ons if t % (4 * 960))
    warn = mido.MidiFile(str(paths[1]))
    n = sum(1 for m in warn.tracks[1] if m.type == "note_on" and m.velocity)
    assert n == 8  # two warning bars of 4/4
    marker = [m for m in warn.tracks[0] if m.type == "marker" and m.text == "CUE START"]
    assert marker and sum(m.time for m in warn.tracks[0][: warn.tracks[0].index(marker[0]) + 1]) \
        == 8 * 960


def test_click_wav_is_48k_16bit_with_louder_downbeats(sol, tmp_path: Path) -> None:
    info = write_click_wav(sol, tmp_path / "click.wav", count_in_bars=1)
    assert info["count_in_s"] == pytest.approx(2.0)
    with wave.open(info["path"]) as wf:
        assert (wf.getframerate(), wf.getsampwidth(), wf.getnchannels()) == (48000, 2, 1)
        x = np.frombuffer(wf.readframes(wf.getnframes()), dtype="<i2").astype(float)
    assert len(x) / 48000 == pytest.approx(12.0, abs=0.01)
    peaks = [np.abs(x[int(t * 48000): int(t * 48000) + 1200]).max() for t in np.arange(0, 12, 0.5)]
    assert len(peaks) == info["clicks"] == 24
    assert all(p > 1000 for p in peaks)
    down, other = peaks[::4], [p for i, p in enumerate(peaks) if i % 4]
    assert min(down) > 1.5 * max(other)
    # silence between clicks
    assert np.abs(x[int(0.25 * 48000): int(0.45 * 48000)]).max() < 50


def test_conductor_markers_and_smpte(sol, tmp_path: Path) -> None:
    path = write_conductor_midi(sol, tmp_path / "c.mid", start_tc="01:02:03:04", cue_id="2M3")
    mid = mido.MidiFile(str(path))
    texts = [m.text for m in mid.tracks[0] if m.type == "marker"]
    assert texts == ["CUE START 2M3", "HIT door", "HIT glass", "CUE END 2M3"]
    sm = [m for m in mid.tracks[0] if m.type == "smpte_offset"][0]
    assert (sm.frame_rate, sm.hours, sm.minutes, sm.seconds, sm.frames) == (25, 1, 2, 3, 4)
    with pytest.raises(InputError):
        write_conductor_midi(sol, tmp_path / "x.mid", ppq=480)


@pytest.mark.parametrize(("rate", "tc", "want"), [
    ("29.97 DF", "01:00:00;02", (29.97, 2, 0)), ("29.97", "01:00:00:02", (30, 2, 0)),
    ("59.94 DF", "00:10:00;03", (29.97, 1, 50)), ("50", "00:00:01:49", (25, 24, 50)),
    ("23.976", "00:00:00:23", (24, 23, 0)),
])
def test_smpte_fields_for_every_rate(rate: str, tc: str, want: tuple) -> None:
    f = smpte_fields(tc, FrameRate.parse(rate))
    assert (f["frame_rate"], f["frames"], f["sub_frames"]) == want


def test_streamers_lead_into_important_hits(sol, tmp_path: Path) -> None:
    rate = FrameRate.parse("25")
    rows = streamer_rows(sol, cue_start_s=60.0, film_start_tc="01:00:00:00", cue_id="1M1")
    assert len(rows) == 1 and rows[0]["label"] == "door"
    assert rows[0]["punch_tc"] == "01:01:04:00"
    assert rows[0]["streamer_start_tc"] == "01:01:01:00"
    assert rows[0]["streamer_frames"] == 75 and (rows[0]["bar"], rows[0]["beat"]) == (3, 1)
    assert seconds_to_tc(64.0, rate) == "00:01:04:00"
    all_rows = streamer_rows(sol, all_hits=True, streamer_s=2.0)
    assert [r["streamer_frames"] for r in all_rows] == [50, 50]
    path = write_streamers_csv(sol, tmp_path / "s.csv", cue_id="1M1")
    with open(path, newline="") as f:
        got = list(csv.DictReader(f))
    assert got[0]["punch_tc"] == "00:00:04:00" and got[0]["cue_id"] == "1M1"
    with pytest.raises(InputError):
        streamer_rows(sol, streamer_s=6.0)


def test_sync_cue_writes_the_deliverables(tmp_path: Path) -> None:
    import json

    from assistant.project import Cue, Hit
    from assistant.sync.deliver import sync_cue

    cue = Cue(id="1M2", start_s=30.0, end_s=50.0, hits=[
        Hit(time_s=34.0, label="door", landing="downbeat", important=True),
        Hit(time_s=41.5, label="look")])
    res = sync_cue(cue, "24", tmp_path, film_start_tc="01:00:00:00", target_bpm=118)
    assert res["mode"] == "exact" and res["fallback"] is None
    data = json.loads(Path(res["paths"]["json"]).read_text())
    assert data["start_tc"] == "01:00:30:00" and data["solutions"][0]["max_error_frames"] == 0
    mid = mido.MidiFile(res["paths"]["conductor_midi"])
    sm = [m for m in mid.tracks[0] if m.type == "smpte_offset"][0]
    assert (sm.hours, sm.minutes, sm.seconds, sm.frames) == (1, 0, 30, 0)
    rows = list(csv.DictReader(Path(res["paths"]["streamers_csv"]).read_text().splitlines()))
    assert [r["punch_tc"] for r in rows] == ["01:00:34:00"]
    # two hits 50 ms apart cannot both be on beats: falls back to constant mode, says why
    cue.hits.append(Hit(time_s=41.55, label="blink"))
    res = sync_cue(cue, "24", tmp_path / "b", max_bpm=100)
    assert res["mode"] == "constant" and "50 ms apart" in res["fallback"]
