"""`demo` is `score` on the bundled example film: the whole film end to end (slow), and the
CLI's usage-error contract."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import mido
import pytest

from assistant.cli.main import run
from assistant.pipeline.manifest import manifest_problems
from assistant.pipeline.run import GUARD_RETRIES
from assistant.project import ProjectStore


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        # the audio mix is rendered (loudness in the report); score and parts are the
        # renderer's own tests
        assert run(["demo", "--out", str(out), "--render", "quick", "--json", "--quiet"]) == 0
    lines = buf.getvalue().strip().splitlines()
    assert len(lines) == 1  # --json prints exactly one object: the manifest
    return out, json.loads(lines[0])


@pytest.mark.slow
def test_demo_scores_every_cue_of_the_film(demo_run: tuple[Path, dict]) -> None:
    out, manifest = demo_run
    assert manifest_problems(out, manifest) == []
    film = ProjectStore(out / "project").load()
    assert [c["id"] for c in manifest["cues"]] == [c.id for c in sorted(film.cues,
                                                                        key=lambda c: c.start_s)]
    assert all(c.status == "drafted" for c in film.cues)
    for c in manifest["cues"]:
        r = c["report"]
        planned = sum(s.get("end_s", 0) - s.get("start_s", 0) for s in r["planned_silences"]
                      if isinstance(s, dict))
        assert r["coverage"] + planned / c["duration_s"] >= 0.9 - 1e-6, (c["id"], r["coverage"])
        # melody, harmony and bass; a source cue plays the band the scene shows instead
        if c["palette"] != "piano" and c["function"] != "source":
            assert len(r["parts"]) >= 3, (c["id"], r["parts"])
        for h in r["hits"]:
            assert h["sync_error_frames"] <= 1.0, (c["id"], h)
            if h["important"]:
                assert h["written_error_frames"] is not None, (c["id"], h)
                assert h["written_error_frames"] <= 1.0 + 1e-6, (c["id"], h)
        verdict = r["guard"].get("verdict")
        assert verdict in ("distinct", "similar", "copy"), c["id"]
        if verdict == "copy":  # drafted again with new seeds before it was reported
            assert c["revision"] == 1 + GUARD_RETRIES, c["id"]


@pytest.mark.slow
def test_demo_cue_lengths_match_to_the_frame(demo_run: tuple[Path, dict]) -> None:
    from assistant.sync.tempo import TempoMap

    out, manifest = demo_run
    for c in manifest["cues"]:
        sync = json.loads((out / c["files"]["sync_json"]).read_text())["solutions"][0]
        tm = TempoMap.from_json(sync)
        mid = mido.MidiFile(out / c["files"]["midi"])
        tick = 0
        for m in mid.tracks[0]:
            tick += m.time
            if m.type == "marker" and m.text.startswith("CUE END"):
                break
        end_s = float(tm.beat_to_seconds(tick / mid.ticks_per_beat))
        assert abs(end_s - c["duration_s"]) <= 1 / 24, (c["id"], end_s, c["duration_s"])


@pytest.mark.slow
def test_demo_dialogue_pass_keeps_the_voice_band_clearer(demo_run: tuple[Path, dict]) -> None:
    _, manifest = demo_run
    with_pass = without = 0
    for c in manifest["cues"]:
        d = c["report"]["dialogue"]
        assert d["voice_band_notes"] <= d["voice_band_notes_without_pass"], c["id"]
        with_pass += d["voice_band_notes"]
        without += d["voice_band_notes_without_pass"]
    assert with_pass < without


@pytest.mark.parametrize(
    "argv",
    [["demo", "--no-such-flag"], ["no-such-command"], ["demo", "--out"]],
)
def test_usage_errors_are_one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("scoring-assistant: error:")
