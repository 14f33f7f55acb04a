"""``theme-edit``: import a MIDI or MusicXML theme, transpose it or change its mode, and see it
judged like a written one; bad input is one line naming the file or field, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.music.score import Note, Part, Score

MODEL = Path(__file__).resolve().parents[1] / "models" / "music" / "model.safetensors"
needs_model = pytest.mark.skipif(not MODEL.is_file(), reason=f"music model missing: {MODEL}")

# D minor, 4/4: a sentence (basic idea, its sequence, fragments, cadence on the tonic)
LINE = [(62, 0, 1), (65, 1, 0.5), (64, 1.5, 0.5), (62, 2, 2), (69, 4, 2), (67, 6, 2),
        (64, 8, 1), (67, 9, 0.5), (65, 9.5, 0.5), (64, 10, 2), (70, 12, 2), (69, 14, 2),
        (65, 16, 1), (69, 17, 0.5), (67, 17.5, 0.5), (65, 18, 2), (64, 20, 2), (62, 22, 2), (61, 24, 2), (62, 28, 4)]


def _theme_file(tmp_path: Path) -> Path:
    sc = Score(parts=[Part("theme", "violin", 40, False, [Note(p, s, d, 84) for p, s, d in LINE])],
               meters=[(0.0, 4, 4)], tempos=[(0.0, 96.0)], key="D minor")
    path = tmp_path / "hero.mid"
    sc.to_midi(path)
    return path


@needs_model
def test_theme_edit_transposes_and_changes_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli.main import run
    from assistant.themes.io import load_theme

    src = _theme_file(tmp_path)
    out = tmp_path / "out"
    assert run(["theme-edit", str(src), "--transpose", "2", "--mode", "dorian", "--out", str(out), "--json",
                "--quiet"]) == 0
    rec = json.loads(capsys.readouterr().out.splitlines()[0])
    assert (rec["key"], rec["mode"]) == ("E", "dorian")
    assert rec["edits"] == ["transposed up a major 2nd", "mode change: E minor -> E dorian"]
    assert rec["checks"]["cadence"] and rec["checks"]["motif_return"] and rec["checks"]["repeated_notes"]
    back = load_theme(rec["file"])
    mel = back.melody()
    assert [n.start_beats for n in mel] == [s for _, s, _ in LINE]  # the rhythm is kept
    assert mel[0].pitch == 64 and mel[-1].pitch == 64  # up a tone: E
    assert 73 in [n.pitch for n in mel]  # dorian: the raised 6th (C#) where D minor had Bb (70 + 2 = 72 -> 73)
    assert Path(rec["musicxml"]).is_file() and load_theme(rec["musicxml"]).key == "E dorian"
    # no edit: the imported theme judged as it is
    assert run(["theme-edit", str(src), "--out", str(out), "--json", "--quiet"]) == 0
    rec = json.loads(capsys.readouterr().out.splitlines()[0])
    assert (rec["key"], rec["mode"]) == ("D", "minor") and rec["file"].endswith("hero.mid")
    assert "edits" not in rec and rec["form"] in ("sentence", "period", "free")


@pytest.mark.parametrize(("args", "names"), [
    (["missing.mid"], "missing.mid"),
    (["bad.mid"], "bad.mid"),
    (["notes.txt"], "notes.txt"),
    (["hero.mid", "--mode", "klingon"], "mode"),
    (["hero.mid", "--transpose", "99"], "transpose"),
    (["hero.mid", "--instrument", "snare"], "instrument"),
], ids=["missing", "not-midi", "suffix", "mode", "transpose", "instrument"])
def test_theme_edit_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   args: list[str], names: str) -> None:
    from assistant.cli.main import run

    _theme_file(tmp_path)
    (tmp_path / "bad.mid").write_bytes(b"not midi")
    (tmp_path / "notes.txt").write_text("C D E")
    argv = ["theme-edit", str(tmp_path / args[0]), *args[1:], "--out", str(tmp_path / "out")]
    capsys.readouterr()
    assert run(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and names in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing written
