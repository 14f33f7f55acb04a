"""The deliverables folder: render_cue / render_film on multi-part scores built here
(fitted to real sync solutions), checked by reading the written files back."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import InputError
from assistant.music.score import Note, Part, Score
from assistant.project import Cue, DialogueSpan, FilmProject, Hit
from assistant.render.deliver import RenderSettings, render_cue, render_film
from assistant.render.loudness import TARGETS, integrated_lufs, normalise, true_peak_dbtp
from assistant.render.mix import duck_envelope
from assistant.render.wav import read_audio, read_bwf, time_reference_samples
from assistant.sync.fit import fit_tempo, request_from_cue

SR = 48_000


def project() -> FilmProject:
    cues = [
        Cue("1M1", 2.0, 9.5, title="Main Title", function="bookend",
            hits=[Hit(4.0, "door"), Hit(7.5, "light")],
            dialogue=[DialogueSpan("MARA", 5.0, 6.5)]),
        Cue("1M2s", 12.0, 17.25, title="Radio", function="source", source=True,
            hits=[Hit(14.0, "switch")]),
    ]
    return FilmProject(title="Test Reel", fps="23.976", start_tc="01:00:00:00", cues=cues)


def score_for(sol, with_choir: bool = False) -> Score:
    """A small orchestral texture over the solution's own tempo map and meters."""
    tm = sol.tempo_map
    n = int(tm.total_beats(sol.duration_s)) + 1
    parts = [
        Part("Violins", "violin", 40, notes=[Note(67 + [0, 2, 4, 5][i % 4], i, 1, 70 + i % 30)
                                             for i in range(n)]),
        Part("Celli", "cello", 42, notes=[Note(43, i, 2, 80) for i in range(0, n - 1, 2)]),
        Part("Clarinet", "clarinet", 71, notes=[Note(72, i + 0.5, 0.5, 90, "staccato")
                                                for i in range(n - 1)]),
        Part("Horn", "horn", 60, notes=[Note(55, 0, 4, 85)]),
        Part("Timpani", "timpani", 47, notes=[Note(43, i, 0.5, 100) for i in range(0, n, 4)]),
    ]
    if with_choir:
        parts.append(Part("Choir", "choir", 52, notes=[Note(60, 0, 3, 70)]))
    return Score(parts=parts, tempos=[(float(b), float(t)) for b, t in tm.segments],
                 meters=[(float(tm.bar_start(m.bar)), m.numerator, m.denominator)
                         for m in tm.meters], markers=[(0.0, "A")])


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    out = tmp_path_factory.mktemp("deliver")
    p = project()
    results = {}
    for cue in p.cues:
        sol = fit_tempo(request_from_cue(cue, p.rate))[0]
        sc = score_for(sol, with_choir=cue.source)
        results[cue.id] = render_cue(sc, cue, p, out / "cues" / cue.id, solution=sol,
                                     settings={"duck_db": 4.0})
    film = render_film(p, results, out)
    return out, p, results, film


def test_manifest_files_exist_and_are_world_readable(delivered):
    out, p, results, film = delivered
    for res in results.values():
        files = res["files"]
        for key in ("wav", "stems", "click_wav", "click_midi", "streamers", "musicxml", "parts",
                    "svg"):
            assert files.get(key), key
        assert (Path(res["base_dir"]) / files["pdf"]).read_bytes()[:4] == b"%PDF"  # always
        assert set(files["parts_pdf"]) == set(files["parts"])
        if shutil.which("mscore3") and "pdf_note" not in res["report"]:
            assert res["report"]["pdf_engine"] == "musescore"  # preferred when installed

        def walk(v):
            if isinstance(v, str):
                yield v
            elif isinstance(v, dict):
                for x in v.values():
                    yield from walk(x)
            elif isinstance(v, list):
                for x in v:
                    yield from walk(x)

        for rel in walk(files):
            f = Path(res["base_dir"]) / rel
            assert f.is_file(), f
            assert os.stat(f).st_mode & 0o777 == 0o644, f
    for key in ("cue_sheet_csv", "cue_sheet_html", "reel_wav", "index_html"):
        assert (out / film["files"][key]).is_file()
        assert os.stat(out / film["files"][key]).st_mode & 0o777 == 0o644


def test_index_lists_and_links_every_file(delivered):
    out, p, results, film = delivered
    index = (out / film["files"]["index_html"]).read_text()
    hrefs = set(re.findall(r'href="([^"]+)"', index))
    for href in hrefs:
        assert (out / href).is_file(), href
    n_files = sum(len(list(Path(r["base_dir"]).rglob("*.*"))) for r in results.values())
    assert len(hrefs) >= n_files - 2  # every rendered file (warning MIDI included) is listed
    assert index.count("<audio") >= 2 + 2 * 4 and "LUFS" in index
    assert "1M1" in index and "1M2s" in index


def test_stems_sum_to_the_mix(delivered):
    _, _, results, _ = delivered
    for res in results.values():
        base = Path(res["base_dir"])
        mix, sr = read_audio(base / res["files"]["wav"])
        total = np.zeros_like(mix, dtype=np.float64)
        for rel in res["files"]["stems"].values():
            a, _ = read_audio(base / rel)
            total += a
        residual = np.abs(total - mix).max()
        assert 20 * np.log10(residual + 1e-12) <= -60
        assert len(res["files"]["stems"]) >= 4


def test_loudness_on_target_and_ceiling_holds(delivered):
    _, _, results, film = delivered
    goal = TARGETS["ebu_r128"]
    for res in results.values():
        mix, sr = read_audio(Path(res["base_dir"]) / res["files"]["wav"])
        assert abs(integrated_lufs(mix, sr) - goal.integrated_lufs) <= 0.5
        assert true_peak_dbtp(mix) <= goal.true_peak_dbtp
        assert res["report"]["loudness_lufs"] == pytest.approx(goal.integrated_lufs, abs=0.5)
        # LISTEN-equivalent: music, not silence, and no clipping
        assert np.abs(mix).max() < 1.0 and np.sqrt(np.mean(mix ** 2)) > 10 ** (-45 / 20)
    assert abs(film["report"]["reel"]["loudness_lufs"] - goal.integrated_lufs) <= 0.5


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_normalise_meets_every_target_even_when_the_limiter_works(name):
    rng = np.random.default_rng(3)
    t = np.arange(4 * SR) / SR
    x = 0.01 * np.sin(2 * np.pi * 220 * t)[:, None] * np.ones((1, 2))
    x[::4800] += 0.9 * rng.choice([-1, 1], size=(x[::4800].shape[0], 2))  # sharp peaks
    x = x.astype(np.float32)
    env, rep = normalise(x, SR, name)
    y = x * (env[:, None] if isinstance(env, np.ndarray) else env)
    goal = TARGETS[name]
    assert abs(integrated_lufs(y, SR) - goal.integrated_lufs) <= 0.5
    assert true_peak_dbtp(y) <= goal.true_peak_dbtp
    assert rep["on_target"] and rep["limited_db"] < 0  # the limiter had to act


def test_unknown_target_is_refused():
    with pytest.raises(InputError, match="choose"):
        RenderSettings(loudness_target="loud")
    with pytest.raises(InputError, match="duck_db"):
        RenderSettings(duck_db=9)


def test_bwf_time_references_match_cue_starts(delivered):
    _, p, results, film = delivered
    for res in results.values():
        base = Path(res["base_dir"])
        cue_ref = time_reference_samples(res["start_tc"], p.rate, SR)
        assert read_bwf(base / res["files"]["wav"])["time_reference"] == cue_ref
        for rel in res["files"]["stems"].values():
            assert read_bwf(base / rel)["time_reference"] == cue_ref
        click = read_bwf(base / res["files"]["click_wav"])
        labels = dict((lab.split()[0] + (" " + lab.split()[1] if lab.startswith("CUE") else ""),
                       pos) for pos, lab in click["markers"])
        assert labels["COUNT-IN"] == 0
        assert click["time_reference"] + labels["CUE START"] == cue_ref
    # 1M1 starts 2 s into a 23.976 film at 01:00:00:00: 48 frames later on the label
    assert results["1M1"]["start_tc"] == "01:00:02:00"
    reel = read_bwf(Path(delivered[0]) / film["files"]["reel_wav"])
    assert reel["time_reference"] == time_reference_samples("01:00:00:00", p.rate, SR)


def test_click_is_count_in_plus_cue_and_wav_is_cue_plus_tail(delivered):
    _, p, results, _ = delivered
    for res in results.values():
        base = Path(res["base_dir"])
        click = read_bwf(base / res["files"]["click_wav"])
        start = dict((lab.split()[0] + " " + lab.split()[1], pos) for pos, lab in click["markers"]
                     if lab.startswith("CUE"))["CUE START"]
        cue_s = res["duration_s"]
        assert click["frames"] / SR == pytest.approx(start / SR + cue_s, abs=0.05)
        mix = read_bwf(base / res["files"]["wav"])
        frames = round(cue_s * float(p.rate.fps))
        assert mix["frames"] == round((frames / float(p.rate.fps) + 2.0) * SR)


def test_ducking_lowers_the_music_under_dialogue():
    env = duck_envelope(10 * SR, SR, [(3.0, 5.0)], duck_db=4.0, ramp_s=0.25)
    assert env[0] == 1.0 and env[-1] == 1.0
    assert 20 * np.log10(env[4 * SR]) == pytest.approx(-4.0, abs=1e-4)
    ramp = env[int(2.75 * SR):3 * SR]
    assert np.all(np.diff(ramp) <= 1e-7) and np.abs(np.diff(env)).max() < 1e-3  # smooth
    with pytest.raises(InputError):
        duck_envelope(100, SR, [], duck_db=0.5)


def test_parts_and_score_files(delivered):
    _, _, results, _ = delivered
    res = results["1M1"]
    base = Path(res["base_dir"])
    assert set(res["files"]["parts"]) == {"Violins", "Celli", "Clarinet", "Horn", "Timpani"}
    text = (base / res["files"]["musicxml"]).read_text()
    assert "Main Title" in text and "1M1 @ 01:00:02:00" in text and "<staccato" in text
    svg = (base / res["files"]["svg"][0]).read_text()
    assert "<svg" in svg
    assert res["report"]["vocal"] is False and results["1M2s"]["report"]["vocal"] is True


def test_cue_sheet_from_the_render(delivered):
    out, _, _, film = delivered
    csv_text = (out / film["files"]["cue_sheet_csv"]).read_text()
    lines = csv_text.splitlines()
    assert lines[0].startswith("production_title,episode,version,production_length,sequence")
    rows = [line.split(",") for line in lines[1:]]
    usage = {r[5]: r[7] for r in rows}
    assert usage == {"1M1": "MT", "1M2s": "VV"}  # the source cue has a choir
    assert {r[10] for r in rows if r[5] == "1M1"} == {"00:08"}  # 7.5 s, not "00:07:12"
    assert film["report"]["cue_sheet_problems"] == [
        "contributors.json still has FILL IN fields (names, societies, IPI)"]


def test_picture_mux(tmp_path):
    import imageio_ffmpeg

    exe = imageio_ffmpeg.get_ffmpeg_exe()
    video = tmp_path / "picture.mp4"
    subprocess.run([exe, "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc=size=160x90:rate=24:duration=20", "-pix_fmt", "yuv420p",
                    str(video)], check=True, timeout=120)
    p = project()
    cue = p.cues[1]
    sol = fit_tempo(request_from_cue(cue, p.rate))[0]
    res = render_cue(score_for(sol), cue, p, tmp_path / "out", solution=sol,
                     settings={"video": str(video), "notation": False, "stems": False})
    mp4 = tmp_path / "out" / res["files"]["review_mp4"]
    probe = subprocess.run([exe, "-i", str(mp4)], capture_output=True, text=True)
    assert "Video: h264" in probe.stderr and "Audio: aac" in probe.stderr
    m = re.search(r"Duration: (\d+):(\d+):([\d.]+)", probe.stderr)
    assert m and float(m.group(3)) == pytest.approx(res["report"]["wav_duration_s"], abs=0.15)


def test_index_plays_the_audio_in_a_browser(delivered):
    import shutil

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    out, _, _, film = delivered
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=[
            "--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        page = browser.new_page()
        page.goto((out / film["files"]["index_html"]).resolve().as_uri())
        got = page.evaluate("""async () => {
            const a = document.querySelector('audio'); a.preload = 'auto'; a.load();
            await new Promise(r => { a.onloadedmetadata = r; a.onerror = r; setTimeout(r, 10000); });
            await a.play(); await new Promise(r => setTimeout(r, 300));
            return {duration: a.duration, error: a.error && a.error.code, time: a.currentTime}; }""")
        browser.close()
    assert got["error"] is None and got["duration"] > 5 and got["time"] > 0


def test_a_silent_cue_still_delivers_valid_json(tmp_path):
    import json

    p = project()
    cue = p.cues[0]
    sol = fit_tempo(request_from_cue(cue, p.rate))[0]
    silent = Score(parts=[Part("Violins", "violin", 40, notes=[])],
                   tempos=[(0.0, 120.0)], meters=[(0.0, 4, 4)])
    res = render_cue(silent, cue, p, tmp_path / "c", solution=sol,
                     settings={"notation": False})
    text = json.dumps(res, allow_nan=False)  # no NaN/Infinity in the manifest
    assert res["report"]["loudness_lufs"] is None and "wav" in json.loads(text)["files"]
    audio, _ = read_audio(tmp_path / "c" / res["files"]["wav"])
    assert not audio.any()
