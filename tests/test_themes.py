"""Writing themes: the frame, the key, the checks, the ranking, the CLI contract, import/edit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.music.score import Note, Part, Score
from assistant.themes.checks import extract_motif, max_repeat_run, motif_returns, structural_checks
from assistant.themes.theory import parse_tonic, scale_pcs

MODEL = Path(__file__).resolve().parents[1] / "models" / "music" / "model.safetensors"
needs_model = pytest.mark.skipif(not MODEL.is_file(), reason=f"music model missing: {MODEL}")


def test_motif_extraction_finds_the_head_motif_and_its_rhythm() -> None:
    # a sentence: basic idea (2 bars), its sequence a step up, fragments, cadence
    bi = [(62, 0, 1), (65, 1, 0.5), (64, 1.5, 0.5), (62, 2, 2), (69, 4, 2), (67, 6, 2)]
    seq = [(p + 2 if p not in (64,) else 65, s + 8, d) for p, s, d in bi]
    line = bi + seq + [(65, 16, 1), (69, 17, 0.5), (67, 17.5, 0.5), (65, 18, 2), (64, 20, 2), (62, 22, 2),
                       (61, 24, 2), (62, 28, 4)]
    m = extract_motif(line, (4, 4))
    assert 2 <= m.length <= 5
    assert m.rhythm_beats[:3] == [1.0, 0.5, 0.5]
    assert motif_returns(line, (4, 4))  # comes back at bar 3
    chk = structural_checks(line, (4, 4), tonic=2, mode="minor")
    assert chk["cadence"] and chk["motif_return"] and chk["range"] and chk["repeated_notes"]


def test_structural_checks_catch_the_faults_the_issue_names() -> None:
    wander = [(60, 0, 2), (66, 2, 2), (59, 4, 2), (65, 6, 2), (71, 8, 2), (64, 10, 2), (70, 12, 3), (62, 15, 1)]
    chk = structural_checks(wander, (4, 4), tonic=0, mode="major")
    assert not chk["cadence"]  # ends on the 2nd degree, off the strong beat
    assert not chk["motif_return"]
    repeated = [(67, i * 0.5, 0.5) for i in range(7)] + [(60, 4, 4)]
    assert max_repeat_run(repeated) == 7
    assert not structural_checks(repeated, (4, 4), 0, "major")["repeated_notes"]
    low = [(52 + (i % 3), i, 1) for i in range(8)] + [(52, 8, 4)]
    assert not structural_checks(low, (4, 4), 4, "minor", instrument_range=(55, 82))["range"]


@pytest.fixture(scope="module")
def minor_themes():
    if not MODEL.is_file():
        pytest.skip(f"music model missing: {MODEL}")
    from assistant.themes import write_themes

    return write_themes(key="D", mode="minor", meter=(4, 4), instrument="trumpet", n=3, seed=3,
                        corpus_index=None)


@needs_model
def test_written_themes_are_in_the_key_with_a_classical_frame(minor_themes) -> None:
    assert [t.rank for t in minor_themes] == [1, 2, 3]
    assert minor_themes[0].total >= minor_themes[-1].total or sum(minor_themes[0].checks.values()) > sum(
        minor_themes[-1].checks.values())
    for t in minor_themes:
        mel = t.score.melody()
        assert t.key == "D" and t.mode == "minor" and t.form in ("sentence", "period")
        assert t.score.duration_beats == pytest.approx(32.0)
        assert all(n.pitch % 12 in scale_pcs(2, "minor") | {1} for n in mel)  # D minor (+ leading note)
        assert mel[-1].pitch % 12 == 2 and mel[-1].start_beats == 28.0  # tonic on the last downbeat
        assert min(n.pitch for n in mel) >= 52 and max(n.pitch for n in mel) <= 80  # trumpet, comfortable
        assert 7 <= max(n.pitch for n in mel) - min(n.pitch for n in mel) <= 19
        assert max_repeat_run([(n.pitch, 0, 0) for n in mel]) <= 3
        assert len(t.harmony) == 8 and t.harmony[0] == "Dm" and t.harmony[-1] == "Dm" and t.harmony[-2] == "A"
        assert set(t.scores) >= {"likelihood", "range", "contour", "motif", "rhythm", "cadence", "repeats",
                                 "key", "guard", "total"}
        assert 2 <= len(t.head_motif) <= 5 and t.why.endswith(".")
        if t.form == "period":
            assert t.harmony[3] == "A"  # the half cadence
    assert sum(all(t.checks.values()) for t in minor_themes) >= 2


@needs_model
def test_modal_theme_keeps_its_mode_colour_in_three_four() -> None:
    from assistant.themes import write_themes

    t = write_themes(key="E", mode="dorian", meter=(3, 4), instrument="flute", n=1, seed=5,
                     corpus_index=None, form="period")[0]
    mel = t.score.melody()
    assert t.form == "period" and t.score.meters[0][1:] == (3, 4)
    assert all(n.pitch % 12 in scale_pcs(4, "dorian") | {3} for n in mel)
    assert mel[-1].pitch % 12 == 4 and mel[-1].start_beats == pytest.approx(21.0)


def test_bad_requests_are_input_errors() -> None:
    from assistant.themes import write_themes

    with pytest.raises(InputError):
        write_themes(key="H", mode="minor")
    with pytest.raises(InputError):
        write_themes(key="D", mode="bluesy")
    with pytest.raises(InputError):
        write_themes(key="D", mode="minor", bars=12)
    with pytest.raises(InputError):
        write_themes(key="D", mode="minor", instrument="drums")
    assert parse_tonic("F#") == 6 and parse_tonic("Eb") == 3


@needs_model
def test_themes_cli_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli.main import run

    rc = run(["themes", "--key", "G", "--mode", "major", "--meter", "6/8", "--instrument", "flute", "--n", "2",
              "--seed", "1", "--out", str(tmp_path), "--json", "--quiet"])
    assert rc == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    assert [r["rank"] for r in lines] == [1, 2]
    for r in lines:
        assert {"rank", "file", "key", "mode", "form", "head_motif", "scores", "why"} <= set(r)
        assert Path(r["file"]) == tmp_path / f"theme_{r['rank']}.mid" and Path(r["file"]).is_file()
        assert (tmp_path / f"theme_{r['rank']}.musicxml").is_file()
        assert r["key"] == "G" and r["mode"] == "major" and r["meter"] == "6/8"
        back = Score.from_midi(r["file"])
        assert back.meters[0][1:] == (6, 8) and back.key == "G major"
        assert [n.pitch for n in back.melody()][: len(r["head_motif"])] == r["head_motif"]
    assert run(["themes", "--key", "G", "--out", str(tmp_path)]) == 2
    assert run(["themes", "--key", "Q", "--mode", "major", "--out", str(tmp_path)]) == 2


@needs_model
def test_import_edit_and_reevaluate_a_theme(tmp_path: Path, minor_themes) -> None:
    from assistant.themes.io import (
        detect_form,
        edit_theme,
        evaluate_theme,
        load_theme,
        write_theme_files,
    )

    t = minor_themes[0]
    files = write_theme_files(t, tmp_path, "t")
    for f in (files["midi"], files["musicxml"]):
        back = load_theme(f)
        assert [n.pitch for n in back.melody()] == [n.pitch for n in t.score.melody()]
        assert back.key == "D minor"
    assert detect_form(t.score) in (t.form, "free")
    ev = evaluate_theme(load_theme(files["midi"]), instrument="trumpet", corpus_index=None)
    assert ev.checks["key"] and ev.checks["cadence"]
    up = edit_theme(t, transpose=2, mode="dorian", corpus_index=None)
    assert up.key == "E" and up.mode == "dorian"
    assert [n.start_beats for n in up.score.melody()] == [n.start_beats for n in t.score.melody()]
    with pytest.raises(InputError):
        load_theme(tmp_path / "missing.mid")
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"not midi")
    with pytest.raises(InputError):
        load_theme(bad)


def test_choose_subjects_takes_every_main_character_and_marked_theme() -> None:
    from assistant.analysis.script import MotifCandidate
    from assistant.themes import choose_subjects

    c = [MotifCandidate("ANNA", "character", 2.0, [1, 2], 9, 0.9, why="main character: 9 scenes"),
         MotifCandidate("BEN", "character", 1.5, [2, 3], 5, 0.8, why="main character: 5 scenes"),
         MotifCandidate("Porter", "character", 1.9, [3], 2, 0.1, why="2 scenes"),
         MotifCandidate("Harbour", "place", 3.0, [1, 4], 6, 0.9, evidence=["cue 1M1: 'harbour theme'",
                                                                           "cue 1M5: 'harbour theme'"]),
         MotifCandidate("quay", "place", 1.0, [1], 2, 0.2, evidence=["note: 'the quay gets the theme' in 1M1"]),
         MotifCandidate("storm", "object", 4.0, [5], 3, 0.5, evidence=["cue 1M5 is titled 'The Storm'"]),
         MotifCandidate("waltz", "object", 1.2, [2], 2, 0.3, evidence=["cue 1M2: 'waltz'"])]
    subs = choose_subjects(c)
    names = [s.name for s in subs]
    assert names[:2] == ["ANNA", "BEN"] and "Porter" not in names
    assert "Harbour" in names and "waltz" in names and "storm" not in names
    assert "quay" not in names and "quay" in next(s for s in subs if s.name == "Harbour").words
    assert next(s for s in subs if s.name == "waltz").meter == (3, 4)
    assert [s.name for s in choose_subjects(c, main_characters=["BEN"])][0] == "BEN"
    assert len(choose_subjects(c, k=2)) == 2


def test_a_theme_part_roundtrips_through_a_score() -> None:
    s = Score(parts=[Part("t", notes=[Note(62, 0, 1), Note(65, 1, 1), Note(69, 2, 2)])], key="D minor")
    from assistant.themes.io import motif_report

    rep = motif_report(s)
    assert rep["length"] >= 2 and rep["notes"][:2] == [62, 65]


@pytest.mark.parametrize("module", ["assistant.themes.theory", "assistant.themes.checks",
                                    "assistant.themes.harmony"])
def test_doctests(module: str) -> None:
    import doctest
    import importlib

    res = doctest.testmod(importlib.import_module(module))
    assert res.attempted > 0 and res.failed == 0


def test_harmony_fixes_the_cadences() -> None:
    from assistant.themes.harmony import harmonise

    line = [(62, 0, 2), (65, 2, 2), (69, 4, 4), (67, 8, 2), (64, 10, 2), (69, 12, 4), (62, 16, 2), (65, 18, 2),
            (69, 20, 4), (67, 24, 2), (61, 26, 2), (62, 28, 4)]
    chords = harmonise(line, (4, 4), 2, "minor", 8, cadences={3: "HC", 7: "PAC"})
    assert [c.symbol for c in chords][0] == "Dm" and chords[3].symbol == "A" and chords[3].roman == "V"
    assert chords[6].symbol == "A" and chords[7].symbol == "Dm" and chords[7].roman == "i"
