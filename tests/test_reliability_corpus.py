"""The bad-input corpus: every command and format refuses hostile input in one line.

Each case runs one command on one hostile input (files in ``tests/badinput/``, made by
``make_corpus.py``; FIFOs, device symlinks and sparse giants are made here) and asserts:
exit status 2, exactly one stderr line that names the file (or option) and what is
wrong, no traceback, every input byte unchanged, and a hang guard (the run must end
within HANG_S). Cases run in-process through ``assistant.cli.main.run`` (fast); a
sample also runs as a real subprocess with a timeout, to prove the same of the
installed entry point.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from assistant.cli.main import run

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "badinput"
REPO = HERE.parent
HANG_S = 120  # a hang guard, not a speed target (speed is measured in `make bench`)

S, SP, M, P, X = "screenplay", "spotting", "music", "projects", "text"
OK_SCRIPT, OK_SPOT = "{C}/ok/script.fountain", "{C}/ok/spotting.txt"


def _analyze(script: str, *more: str) -> list[str]:
    return ["analyze", script, "--quiet", *more]


def _spot(name: str) -> list[str]:
    return _analyze(OK_SCRIPT, "--spotting", f"{{C}}/{SP}/{name}")


def _new(*more: str) -> list[str]:
    return ["new", "{T}/proj", "--quiet", *more]


# (case id, argv, substrings the one error line must contain)
CASES: list[tuple[str, list[str], list[str]]] = [
    # ------------------------------------------------------------ screenplays (analyze)
    ("script-missing", _analyze("{C}/screenplay/nope.fountain"), ["nope.fountain", "not found"]),
    ("script-directory", _analyze("{C}/screenplay"), ["screenplay", "directory"]),
    ("script-empty", _analyze(f"{{C}}/{S}/empty.fountain"), ["empty.fountain", "empty"]),
    ("script-blank", _analyze(f"{{C}}/{S}/blank.fountain"), ["blank.fountain", "empty"]),
    ("script-binary", _analyze(f"{{C}}/{S}/binary.fountain"), ["binary.fountain", "binary"]),
    ("script-latin1", _analyze(f"{{C}}/{S}/latin1.fountain"), ["latin1.fountain:1", "UTF-8"]),
    ("script-utf16", _analyze(f"{{C}}/{S}/utf16.fountain"), ["utf16.fountain", "UTF-16"]),
    ("script-control", _analyze(f"{{C}}/{S}/control.fountain"), ["control.fountain:3", "control"]),
    ("script-docx", _analyze(f"{{C}}/{S}/script.docx"), ["script.docx", "path", ".docx"]),
    ("script-no-suffix", _analyze(f"{{C}}/{S}/noext"), ["noext", "path"]),
    ("fdx-malformed", _analyze(f"{{C}}/{S}/malformed.fdx"), ["malformed.fdx:", "xml"]),
    ("fdx-entity-bomb", _analyze(f"{{C}}/{S}/bomb.fdx"), ["bomb.fdx", "xml"]),
    ("fdx-external-entity", _analyze(f"{{C}}/{S}/external.fdx"), ["external.fdx", "xml"]),
    ("fdx-wrong-root", _analyze(f"{{C}}/{S}/wrongroot.fdx"), ["wrongroot.fdx", "Final Draft"]),
    ("fdx-no-content", _analyze(f"{{C}}/{S}/nocontent.fdx"), ["nocontent.fdx", "Content"]),
    ("fdx-is-fountain", _analyze(f"{{C}}/{S}/fountain_named.fdx"), ["fountain_named.fdx", "xml"]),
    ("script-fifo", _analyze("{G}/pipe.fountain"), ["pipe.fountain", "FIFO"]),
    ("script-dev-zero", _analyze("{G}/zero.fountain"), ["zero.fountain", "device"]),
    ("script-oversize", _analyze("{G}/huge.fountain"), ["huge.fountain", "limit"]),
    ("script-symlink-loop", _analyze("{G}/loop.fountain"), ["loop.fountain", "cannot read"]),
    # ------------------------------------------------------------ spotting, text format
    ("txt-end-before-start", _spot("end_before_start.txt"), ["end_before_start.txt:4", "end"]),
    ("txt-bad-timecode", _spot("bad_timecode.txt"), ["bad_timecode.txt:4", "cue"]),
    ("txt-frame-too-high", _spot("frame_too_high.txt"), ["frame_too_high.txt:4", "end"]),
    ("txt-semicolon-ndf", _spot("semicolon_ndf.txt"), ["semicolon_ndf.txt:4", "start"]),
    ("txt-hit-outside", _spot("hit_outside.txt"), ["hit_outside.txt:5", "hit"]),
    ("txt-duplicate", _spot("duplicate.txt"), ["duplicate.txt:6", "cue", "duplicate"]),
    ("txt-unknown-function", _spot("unknown_function.txt"), ["unknown_function.txt:5",
                                                             "function"]),
    ("txt-bad-hit-option", _spot("bad_hit_option.txt"), ["bad_hit_option.txt:5", "hit"]),
    ("txt-tolerance", _spot("tolerance.txt"), ["tolerance.txt:5", "tolerance"]),
    ("txt-conflicting-fps", _spot("conflicting_fps.txt"), ["conflicting_fps.txt:2", "fps"]),
    ("txt-unknown-fps", _spot("unknown_fps.txt"), ["unknown_fps.txt:1", "fps"]),
    ("txt-before-start", _spot("before_start.txt"), ["before_start.txt:4", "start"]),
    ("txt-garbage", _spot("garbage.txt"), ["garbage.txt:4", "cue"]),
    ("txt-no-cues", _spot("no_cues.txt"), ["no_cues.txt", "cue"]),
    ("txt-header-after-cue", _spot("header_after_cue.txt"), ["header_after_cue.txt:6",
                                                             "header"]),
    ("spot-unknown-type", _spot("cues.pdf"), ["cues.pdf", "path"]),
    ("spot-fifo", _analyze(OK_SCRIPT, "--spotting", "{G}/pipe.csv"), ["pipe.csv", "FIFO"]),
    ("spot-oversize", _analyze(OK_SCRIPT, "--spotting", "{G}/huge.edl"), ["huge.edl", "limit"]),
    # ------------------------------------------------------------ spotting, CSV
    ("csv-unterminated-quote", _spot("unterminated.csv"), ["unterminated.csv:2", "csv",
                                                           "never closed"]),
    ("csv-extra-fields", _spot("extra_fields.csv"), ["extra_fields.csv:2", "csv"]),
    ("csv-missing-column", _spot("missing_column.csv"), ["missing_column.csv:1", "header"]),
    ("csv-duplicate-column", _spot("duplicate_column.csv"), ["duplicate_column.csv:1",
                                                             "header"]),
    ("csv-empty-start", _spot("empty_start.csv"), ["empty_start.csv:2", "start"]),
    ("csv-bad-source", _spot("bad_source.csv"), ["bad_source.csv:2", "source"]),
    ("csv-bad-hit", _spot("bad_hit.csv"), ["bad_hit.csv:2", "hits"]),
    ("csv-conflicting-fps", _spot("conflicting_fps.csv"), ["conflicting_fps.csv:2", "fps"]),
    ("csv-header-only", _spot("header_only.csv"), ["header_only.csv", "cue"]),
    ("csv-quote-in-field", _spot("quote_in_field.csv"), ["quote_in_field.csv:2", "csv"]),
    ("csv-latin1", _spot("latin1.csv"), ["latin1.csv:2", "UTF-8"]),
    # ------------------------------------------------------------ spotting, EDL
    ("edl-bad-event", _spot("bad_event.edl"), ["bad_event.edl:4", "event"]),
    ("edl-record-backwards", _spot("record_backwards.edl"), ["record_backwards.edl:4",
                                                             "record out"]),
    ("edl-bad-loc", _spot("bad_loc.edl"), ["bad_loc.edl:6", "hit"]),
    ("edl-transition", _spot("transition.edl"), ["transition.edl:6", "event"]),
    ("edl-unexpected-line", _spot("unexpected_line.edl"), ["unexpected_line.edl:4", "event"]),
    ("edl-bad-df-label", _spot("bad_df_label.edl"), ["bad_df_label.edl:4", "source in"]),
    # ------------------------------------------------------------ music files (similarity)
    ("midi-division-0", ["similarity", f"{{C}}/{M}/div0.mid", "{C}/ok/theme.mid"],
     ["div0.mid", "division"]),
    ("midi-smpte-division", ["similarity", f"{{C}}/{M}/smpte.mid", "{C}/ok/theme.mid"],
     ["smpte.mid", "division"]),
    ("midi-truncated", ["similarity", "{C}/ok/theme.mid", f"{{C}}/{M}/truncated.mid"],
     ["truncated.mid", "MIDI"]),
    ("midi-text", ["similarity", f"{{C}}/{M}/text.mid", "{C}/ok/theme.mid"],
     ["text.mid", "header"]),
    ("midi-empty", ["similarity", f"{{C}}/{M}/empty.mid", "{C}/ok/theme.mid"],
     ["empty.mid", "MIDI"]),
    ("midi-no-notes", ["similarity", f"{{C}}/{M}/notes0.mid", "{C}/ok/theme.mid"],
     ["notes0.mid", "melodic line"]),
    ("midi-oversize", ["similarity", "{G}/huge.mid", "{C}/ok/theme.mid"], ["huge.mid", "limit"]),
    ("midi-fifo", ["similarity", "{G}/pipe.mid", "{C}/ok/theme.mid"], ["pipe.mid", "FIFO"]),
    ("musicxml-malformed", ["similarity", f"{{C}}/{M}/malformed.musicxml", "{C}/ok/theme.mid"],
     ["malformed.musicxml", "not a readable"]),
    ("mxl-bad-zip", ["similarity", f"{{C}}/{M}/badzip.mxl", "{C}/ok/theme.mid"],
     ["badzip.mxl", "mxl"]),
    ("mxl-zip-bomb", ["similarity", f"{{C}}/{M}/bomb.mxl", "{C}/ok/theme.mid"],
     ["bomb.mxl", "mxl", "expands"]),
    ("music-wav", ["similarity", f"{{C}}/{M}/sound.wav", "{C}/ok/theme.mid"],
     ["sound.wav", "unsupported"]),
    # ------------------------------------------------------------ projects (guard)
    ("project-missing", ["guard", "{C}/projects", "--no-corpus"], ["projects", "project.json"]),
    ("project-bad-json", ["guard", f"{{C}}/{P}/bad_json", "--no-corpus"],
     ["bad_json/project.json:1", "invalid JSON"]),
    ("project-latin1", ["guard", f"{{C}}/{P}/latin1", "--no-corpus"],
     ["latin1/project.json:1", "UTF-8"]),
    ("project-too-deep", ["guard", f"{{C}}/{P}/deep", "--no-corpus"],
     ["deep/project.json", "nested"]),
    ("project-infinity", ["guard", f"{{C}}/{P}/infinity", "--no-corpus"],
     ["infinity/project.json", "Infinity"]),
    ("project-nan", ["guard", f"{{C}}/{P}/nan", "--no-corpus"], ["nan/project.json", "NaN"]),
    ("project-newer-schema", ["guard", f"{{C}}/{P}/newer_schema", "--no-corpus"],
     ["newer_schema/project.json", "schema_version", "newer"]),
    ("project-unknown-field", ["guard", f"{{C}}/{P}/unknown_field", "--no-corpus"],
     ["unknown_field/project.json", "project", "colour"]),
    ("project-end-before-start", ["guard", f"{{C}}/{P}/end_before_start", "--no-corpus"],
     ["end_before_start/project.json", "cues[0].end"]),
    ("project-not-object", ["guard", f"{{C}}/{P}/not_object", "--no-corpus"],
     ["not_object/project.json", "expected an object"]),
    ("project-bad-fps", ["guard", f"{{C}}/{P}/bad_fps", "--no-corpus"],
     ["bad_fps/project.json", "fps"]),
    ("project-fifo", ["guard", "{G}/fifo_project", "--no-corpus"], ["project.json", "regular"]),
    ("revision-truncated", ["guard", f"{{C}}/{P}/truncated_revision", "--no-corpus"],
     ["0001/revision.json:1", "invalid JSON"]),
    ("revision-traversal", ["guard", f"{{C}}/{P}/traversal", "--no-corpus"],
     ["revision.json", "artefacts[0]", "leaves"]),
    ("revision-absolute", ["guard", f"{{C}}/{P}/absolute", "--no-corpus"],
     ["revision.json", "artefacts[0]", "absolute"]),
    ("revision-missing-artefact", ["guard", f"{{C}}/{P}/missing_artefact", "--no-corpus"],
     ["revision.json", "artefacts[0]", "missing"]),
    ("revision-number-mismatch", ["guard", f"{{C}}/{P}/revision_number", "--no-corpus"],
     ["revision.json", "number"]),
    ("revision-artefact-div0", ["guard", f"{{C}}/{P}/artefact_div0", "--no-corpus"],
     ["take.mid", "division"]),
    # ------------------------------------------------------------ briefs and spot
    ("brief-empty-text", ["brief", "   ", "--quiet"], ["brief"]),
    ("brief-file-missing", ["brief", "--file", "{C}/text/nope.txt", "--quiet"],
     ["nope.txt", "not found"]),
    ("brief-file-latin1", ["brief", "--file", f"{{C}}/{X}/latin1.txt", "--quiet"],
     ["latin1.txt:1", "UTF-8"]),
    ("brief-file-binary", ["brief", "--file", f"{{C}}/{X}/binary.txt", "--quiet"],
     ["binary.txt", "binary"]),
    ("brief-file-comments", ["brief", "--file", f"{{C}}/{X}/comments_only.txt", "--quiet"],
     ["comments_only.txt", "no briefs"]),
    ("brief-file-too-many", ["brief", "--file", f"{{C}}/{X}/many_briefs.txt", "--quiet"],
     ["many_briefs.txt:1001", "brief", "limit"]),
    ("brief-delta-no-file", ["brief", "calm", "--delta", "--quiet"], ["delta"]),
    ("brief-file-fifo", ["brief", "--file", "{G}/pipe.txt", "--quiet"], ["pipe.txt", "FIFO"]),
    ("spot-file-latin1", ["spot", "--file", f"{{C}}/{X}/latin1.txt", "--quiet"],
     ["latin1.txt:1", "UTF-8"]),
    ("spot-file-too-many", ["spot", "--file", f"{{C}}/{X}/many_briefs.txt", "--quiet"],
     ["many_briefs.txt:1001", "description", "1000"]),
    ("spot-file-empty", ["spot", "--file", f"{{C}}/{S}/empty.fountain", "--quiet"],
     ["empty.fountain", "empty"]),
    # ------------------------------------------------------------ fit-tempo and outputs
    ("fit-bad-fps", ["fit-tempo", "--fps", "23", "--duration", "30", "--hits", "10"], ["fps"]),
    ("fit-zero-duration", ["fit-tempo", "--fps", "24", "--duration", "0", "--hits", "1"],
     ["duration"]),
    ("fit-huge-duration", ["fit-tempo", "--fps", "24", "--duration", "1000000", "--hits", "10",
                           "--click-wav", "{T}/c.wav"], ["duration", "3600"]),
    ("fit-hit-outside", ["fit-tempo", "--fps", "24", "--duration", "30", "--hits", "45"],
     ["hits"]),
    ("fit-garbage-hits", ["fit-tempo", "--fps", "24", "--duration", "30", "--hits", "soon"],
     ["hits"]),
    ("fit-bpm-range", ["fit-tempo", "--fps", "24", "--duration", "30", "--hits", "10",
                       "--min-bpm", "150", "--max-bpm", "90"], ["bpm"]),
    ("fit-target-nan", ["fit-tempo", "--fps", "24", "--duration", "30", "--hits", "10",
                        "--target-bpm", "nan"], ["target_bpm"]),
    ("out-midi-is-directory", ["fit-tempo", "--fps", "24", "--duration", "30", "--hits", "10",
                               "--midi", "{T}", "--quiet"], ["cannot write", "is a directory"]),
    ("out-parent-is-file", ["fit-tempo", "--fps", "24", "--duration", "30", "--hits", "10",
                            "--click-wav", "{C}/ok/spotting.txt/click.wav", "--quiet"],
     ["spotting.txt", "cannot write", "not a directory"]),
    ("out-generate-into-file", ["generate", "--out", "{C}/ok/theme.mid", "--bars", "1"],
     ["theme.mid", "cannot write"]),
    ("frame-click-overflow", ["frame-click", "99999999999999999999-0"], ["click"]),
    ("frame-click-slow", ["frame-click", "2000-0"], ["click", "BPM"]),
    ("frame-click-zero", ["frame-click", "0-0"], ["click", "no length"]),
    ("frame-click-bad-fps", ["frame-click", "12-2", "--fps", "7"], ["fps"]),
    # ------------------------------------------------------------ music model
    ("generate-negative-seed", ["generate", "--seed=-1", "--out", "{T}/g"], ["--seed"]),
    ("generate-nan-temperature", ["generate", "--temperature", "nan", "--out", "{T}/g"],
     ["--temperature"]),
    ("generate-inf-temperature", ["generate", "--temperature", "inf", "--out", "{T}/g"],
     ["--temperature"]),
    ("generate-top-p-zero", ["generate", "--top-p", "0", "--out", "{T}/g"], ["--top-p"]),
    ("generate-bad-meter", ["generate", "--meter", "5/7", "--out", "{T}/g"], ["--meter"]),
    ("generate-bad-key", ["generate", "--key", "H", "--out", "{T}/g"], ["--key"]),
    ("model-no-config", ["eval-model", "--quick", "--model-dir", "{C}/text"],
     ["text", "config.json"]),
    ("model-bad-json", ["eval-model", "--quick", "--model-dir", "{C}/model/bad_json"],
     ["bad_json/config.json:1", "invalid JSON"]),
    ("model-huge-config", ["eval-model", "--quick", "--model-dir", "{C}/model/huge"],
     ["huge/config.json", "n_layer"]),
    ("model-no-weights", ["eval-model", "--quick", "--model-dir", "{C}/model/no_weights"],
     ["model.safetensors", "not found"]),
    ("model-corrupt-weights", ["eval-model", "--quick", "--model-dir", "{C}/model/corrupt"],
     ["corrupt/model.safetensors", "weights"]),
    # ------------------------------------------------------------ new project (every reader)
    ("new-bad-script", _new("--script", f"{{C}}/{S}/latin1.fountain"),
     ["latin1.fountain:1", "UTF-8"]),
    ("new-bad-spotting", _new("--script", OK_SCRIPT, "--spotting",
                              f"{{C}}/{SP}/unterminated.csv"), ["unterminated.csv:2", "csv"]),
    ("new-bad-temp", _new("--script", OK_SCRIPT, "--spotting", OK_SPOT, "--temp",
                          f"{{C}}/{M}/div0.mid"), ["div0.mid", "division"]),
    ("new-missing-temp", _new("--script", OK_SCRIPT, "--temp", "{C}/music/nope.mid"),
     ["nope.mid", "not found"]),
    ("new-bad-briefs", _new("--script", OK_SCRIPT, "--spotting", OK_SPOT, "--briefs",
                            f"{{C}}/{X}/binary.txt"), ["binary.txt", "binary"]),
    ("new-bad-fps", _new("--script", OK_SCRIPT, "--fps", "23"), ["fps"]),
    # ------------------------------------------------------------ score, draft, themes, lesson
    ("score-conflicting-fps", ["score", "--script", OK_SCRIPT, "--spotting",
                               f"{{C}}/{SP}/conflicting_fps.txt", "--out", "{T}/o", "--quiet"],
     ["conflicting_fps.txt:2", "fps"]),
    ("score-bad-project", ["score", f"{{C}}/{P}/bad_json", "--out", "{T}/o", "--quiet"],
     ["bad_json/project.json:1", "invalid JSON"]),
    ("score-fdx-bomb", ["score", "--script", f"{{C}}/{S}/bomb.fdx", "--out", "{T}/o",
                        "--quiet"], ["bomb.fdx", "xml"]),
    ("draft-damaged-project", ["draft", f"{{C}}/{P}/infinity", "--cue", "1M1", "--quiet"],
     ["infinity/project.json", "Infinity"]),
    ("draft-unknown-cue", ["draft", f"{{C}}/{P}/missing_artefact", "--cue", "9M9", "--quiet"],
     ["cue", "9M9"]),
    ("themes-negative-seed", ["themes", "--key", "D", "--mode", "minor", "--seed=-1", "--out",
                              "{T}/t", "--quiet"], ["--seed"]),
    ("themes-key-without-mode", ["themes", "--key", "D", "--out", "{T}/t", "--quiet"],
     ["mode"]),
    ("lesson-midi-division-0", ["lesson", f"{{C}}/{M}/div0.mid", "--out", "{T}/l", "--quiet"],
     ["div0.mid", "division"]),
]


def _tree_digest(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_symlink() or not p.is_file():
            continue
        if p.stat().st_size > 4 * 1024 * 1024:  # sparse giants: size and mtime suffice
            st = p.stat()
            out[str(p)] = f"{st.st_size}:{st.st_mtime_ns}"
        else:
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A copy of tests/badinput plus the special files git cannot hold."""
    base = tmp_path_factory.mktemp("badinput")
    c = base / "corpus"
    shutil.copytree(CORPUS, c, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    g = base / "generated"
    g.mkdir()
    for name in ("pipe.fountain", "pipe.csv", "pipe.mid", "pipe.txt"):
        os.mkfifo(g / name)
    (g / "zero.fountain").symlink_to("/dev/zero")
    (g / "loop.fountain").symlink_to(g / "loop.fountain")
    for name, size in (("huge.fountain", 17 << 20), ("huge.edl", 9 << 20), ("huge.mid", 3 << 20)):
        with open(g / name, "wb") as fh:
            fh.truncate(size)
    (g / "fifo_project").mkdir()
    os.mkfifo(g / "fifo_project" / "project.json")
    return {"C": c, "G": g, "base": base}


def _argv(template: list[str], corpus: dict[str, Path], tmp: Path) -> list[str]:
    return [a.format(C=corpus["C"], G=corpus["G"], T=tmp) for a in template]


def _run_guarded(argv: list[str]) -> int:
    box: dict[str, object] = {}

    def go() -> None:
        try:
            box["code"] = run(argv)
        except BaseException as exc:  # noqa: BLE001 - reported below
            box["exc"] = exc

    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(HANG_S)
    assert not t.is_alive(), f"hung for {HANG_S} s: {argv}"
    assert "exc" not in box, f"escaped the CLI: {box.get('exc')!r}"
    return int(box["code"])  # type: ignore[arg-type]


def test_corpus_has_at_least_80_cases() -> None:
    assert len(CASES) >= 80
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize(("argv", "expect"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(argv: list[str], expect: list[str], corpus: dict[str, Path], tmp_path: Path,
                   capsys: pytest.CaptureFixture[str]) -> None:
    before = _tree_digest(corpus["C"])
    args = _argv(argv, corpus, tmp_path)
    code = _run_guarded(args)
    out, err = capsys.readouterr()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2, f"exit {code}; stderr: {err!r}"
    assert len(lines) == 1, f"expected one stderr line, got: {err!r}"
    assert lines[0].startswith("scoring-assistant: error:"), lines[0]
    assert "Traceback" not in err and "Traceback" not in out
    for s in expect:
        assert s in lines[0], f"{s!r} not named in: {lines[0]}"
    assert _tree_digest(corpus["C"]) == before, "an input file changed"
    if args[0] == "new":  # refused before anything is written: no half-made project
        assert not (tmp_path / "proj").exists()


SUBPROCESS_SAMPLE = ["script-fifo", "script-dev-zero", "csv-unterminated-quote",
                     "project-too-deep", "midi-division-0", "out-parent-is-file"]


@pytest.mark.parametrize("case_id", SUBPROCESS_SAMPLE)
def test_bad_input_as_subprocess(case_id: str, corpus: dict[str, Path], tmp_path: Path) -> None:
    """The same through the real entry point, killed if it outlives the hang guard."""
    argv, expect = next((c[1], c[2]) for c in CASES if c[0] == case_id)
    args = _argv(argv, corpus, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "assistant.cli.main", *args],
                          capture_output=True, text=True, timeout=HANG_S, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert all(s in lines[0] for s in expect), lines[0]


def test_disk_full_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC (and EACCES, which root never sees) during an artefact write."""
    import assistant.storage as storage

    real = os.replace

    def full(src, dst, *a, **k):  # noqa: ANN001
        if str(dst).endswith(".mid"):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(storage.os, "replace", full)
    code = run(["fit-tempo", "--fps", "24", "--duration", "30", "--hits", "10", "--quiet",
                "--midi", str(tmp_path / "c.mid")])
    err = capsys.readouterr().err
    assert code == 2 and "c.mid" in err and "no space left" in err
    assert len(err.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir()), "a temp file was left behind"

    def denied(src, dst, *a, **k):  # noqa: ANN001
        raise PermissionError(errno.EACCES, "Permission denied", str(dst))

    monkeypatch.setattr(storage.os, "replace", denied)
    code = run(["fit-tempo", "--fps", "24", "--duration", "30", "--hits", "10", "--quiet",
                "--midi", str(tmp_path / "d.mid")])
    err = capsys.readouterr().err
    assert code == 2 and "d.mid" in err and "permission denied" in err
