"""The shipped checkpoint in models/music: loads, generates under controls, parses; the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli.main import run
from assistant.music.sample import generate, get_sampler, scale_pitch_classes
from assistant.music.score import Score
from assistant.music.tokens import Controls

MODEL = Path(__file__).resolve().parents[1] / "models" / "music"


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_shipped_files_present_and_small() -> None:
    for name in ("config.json", "model.safetensors", "tokenizer.json", "MODEL_CARD.md", "eval.json"):
        assert (MODEL / name).exists(), name
    assert (MODEL / "model.safetensors").stat().st_size < 50 * 2**20
    ev = json.loads((MODEL / "eval.json").read_text())
    for key in ("chorale_soprano_bits_per_note", "essen_bits_per_note", "heldout_nll_per_token", "ngram_baseline",
                "distribution", "control_accuracy", "memorization"):
        assert key in ev


def test_shipped_model_generates_four_bars_under_controls(tmp_path: Path) -> None:
    s = get_sampler()
    c = Controls(key_tonic=2, mode="minor", density="mid", register="mid", ensemble="solo", program=73,
                 scale=True, seed=11)
    outs = generate(c, bars=4, meter=(3, 4), n_candidates=2, sampler=s)
    allowed = scale_pitch_classes(2, "minor")
    for i, sc in enumerate(outs):
        notes = sc.notes
        assert len(notes) >= 4
        assert all(n.pitch % 12 in allowed for n in notes)
        assert all(59 <= n.pitch <= 98 for n in notes)  # flute range
        assert max(n.end_beats for n in notes) <= 12.0 + 1e-6
        back = Score.from_midi(sc.to_midi(tmp_path / f"c{i}.mid"))
        assert sorted((n.pitch, round(n.start_beats, 3)) for n in back.notes) == \
            sorted((n.pitch, round(n.start_beats, 3)) for n in notes)
        assert back.meters[0][1:] == (3, 4)


def test_shipped_model_writes_every_bar_of_a_long_request() -> None:
    """24 dense bars are far past the 256-token context: the window slides, no bar is left empty."""
    sc = generate(Controls(key_tonic=7, mode="major", density="high", seed=21), bars=24, sampler=get_sampler())[0]
    starts = sc.bar_starts(25)
    empty = [i + 1 for i in range(24) if not any(starts[i] <= n.start_beats < starts[i + 1] for n in sc.notes)]
    assert sc.markers == [(96.0, "end")] and not empty, empty


def test_cli_generate_writes_midi(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = run(["generate", "--bars", "2", "--key", "G", "--mode", "major", "--scale", "--instrument", "violin",
              "--seed", "3", "--out", str(tmp_path), "--json", "--quiet"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert len(out["candidates"]) == 1
    path = Path(out["candidates"][0]["path"])
    sc = Score.from_midi(path)
    assert sc.notes and all(n.pitch % 12 in scale_pitch_classes(7, "major") for n in sc.notes)


@pytest.mark.parametrize("args", [["generate", "--meter", "3-4"], ["generate", "--key", "H"],
                                  ["generate", "--instrument", "kazoo"], ["generate", "--scale"],
                                  ["eval-model", "--model-dir", "/nonexistent"]])
def test_cli_bad_input_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error" in err[0]
