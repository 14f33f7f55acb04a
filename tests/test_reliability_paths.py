"""Safe file names and path trust: traversal, absolute paths, NUL bytes, reserved and long names."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.errors import InputError
from assistant.project import atomic_write_bytes, atomic_write_json, resolve_inside, safe_filename


@pytest.mark.parametrize("name", ["1M1", "2M3a", "my file.fountain", "Bloom's Theme",
                                  "1M1 Opening", "Überschrift", "cue-7_b.mid"])
def test_safe_names_are_kept(name: str) -> None:
    assert safe_filename(name) == name


@pytest.mark.parametrize("name", [
    "../../esc", "/etc/passwd", "..", ".", "", "a/b", "a\\b", "a\x00b", "C:\\Windows\\x",
    "con", "CON", "nul.txt", "COM1.mid", "lpt9", "-rf", ".hidden", "trailing. ", "x" * 400,
    "é" * 200, "\n\t", "\u202e", "~", "~/x", "a:b", "a*b?c", "...", "./.",
])
def test_unsafe_names_become_one_safe_component(name: str, tmp_path: Path) -> None:
    out = safe_filename(name)
    assert out and out not in {".", ".."}
    assert "/" not in out and "\\" not in out and "\x00" not in out
    assert not out.startswith((".", "-", " "))
    assert not out.endswith((".", " "))
    assert len(out.encode()) <= 120
    assert out.split(".")[0].lower() not in {"con", "nul", "com1", "lpt9", "prn", "aux"}
    # it really is one file in the folder it is joined to
    target = tmp_path / out
    target.write_text("x")
    assert target.parent == tmp_path and target.exists()


def test_distinct_names_stay_distinct() -> None:
    names = ["a/b", "a_b", "a\\b", "a b", "a:b", "A/B", "x" * 300, "x" * 301]
    assert len({safe_filename(n) for n in names}) == len(names)


def test_extension_kept_when_cleaned() -> None:
    assert safe_filename("../my cue.mid").endswith(".mid")
    assert safe_filename("x" * 500 + ".fountain").endswith(".fountain")


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_safe_filename_property(name: str) -> None:
    out = safe_filename(name)
    assert out and out not in {".", ".."} and "/" not in out and "\x00" not in out
    assert len(out.encode("utf-8")) <= 120
    assert safe_filename(out) == out  # idempotent: a safe name is its own safe name


@pytest.mark.parametrize("rel", [
    "../outside.mid", "../../../../../outside_secret.mid", "a/../../x", "/etc/passwd",
    "//server/share", "C:\\x.mid", "C:x.mid", "~/x", "a\x00b", "", "   ",
])
def test_resolve_inside_refuses_escapes(rel: str, tmp_path: Path) -> None:
    root = tmp_path / "film"
    root.mkdir()
    with pytest.raises(InputError) as exc:
        resolve_inside(root, rel, field="artefacts[0]", source=root / "revision.json")
    assert "artefacts[0]" in str(exc.value) and "revision.json" in str(exc.value)


def test_resolve_inside_refuses_symlink_out(tmp_path: Path) -> None:
    root = tmp_path / "film"
    root.mkdir()
    (tmp_path / "secret.mid").write_bytes(b"MThd")
    (root / "link.mid").symlink_to(tmp_path / "secret.mid")
    with pytest.raises(InputError, match="leaves the project"):
        resolve_inside(root, "link.mid", field="midi_path")


def test_resolve_inside_accepts_inside(tmp_path: Path) -> None:
    root = tmp_path / "film"
    (root / "revisions" / "1M1").mkdir(parents=True)
    got = resolve_inside(root, "revisions/1M1/../1M1/take.mid", field="f")
    assert got == (root / "revisions" / "1M1" / "take.mid").resolve()
    assert resolve_inside(root, Path("a.mid"), field="f") == (root / "a.mid").resolve()
    with pytest.raises(InputError):
        resolve_inside(root, 5, field="f")  # type: ignore[arg-type]


def test_atomic_writer_honours_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "a.bin", b"x")
        atomic_write_json(tmp_path / "b.json", {"a": 1})
        os.umask(0o077)
        atomic_write_bytes(tmp_path / "c.bin", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.bin").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "c.bin").stat().st_mode) == 0o600
    # replacing a file keeps its mode
    os.chmod(tmp_path / "a.bin", 0o640)
    atomic_write_bytes(tmp_path / "a.bin", b"y")
    assert stat.S_IMODE((tmp_path / "a.bin").stat().st_mode) == 0o640
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("cue_id", ["../../esc", "/tmp/abs_cue_escape_test", "a/b/../../../c"])
def test_sync_deliverables_stay_in_out(cue_id: str, tmp_path: Path) -> None:
    """Issue 16 defect 1: a spotting-list cue id became six paths outside --out."""
    from assistant.project import Cue, Hit
    from assistant.sync import sync_cue

    out = tmp_path / "a" / "b" / "out"
    cue = Cue(id=cue_id, start_s=10.0, end_s=40.0, hits=[Hit(time_s=20.0)])
    res = sync_cue(cue, "24", out / safe_filename(cue_id), film_start_tc="01:00:00:00")
    before = set(tmp_path.rglob("*"))
    assert before, "nothing written"
    for p in before:
        assert p.resolve().is_relative_to(out.resolve()) or p in out.parents, p
    for value in res["paths"].values():
        for v in value if isinstance(value, list) else [value]:
            assert Path(v).resolve().is_relative_to(out.resolve())
    assert not Path("/tmp/abs_cue_escape_test.sync.json").exists()


@pytest.mark.slow
def test_score_with_traversal_cue_id_writes_only_inside_out(tmp_path: Path) -> None:
    """Issue 16 defect 1 end to end: the demo's pipeline (`score`) on a spotting list whose
    cue id is ``../../esc`` writes every file under --out."""
    from assistant.cli.main import run

    corpus = Path(__file__).resolve().parent / "badinput" / "ok"
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    spot = tmp_path / "spot.txt"
    spot.write_text("TITLE: Escape\nFPS: 24\n\n../../esc 01:00:05:00 - 01:00:25:00 Tea\n"
                    "Quiet strings.\nHIT 01:00:10:00 kettle\n", encoding="utf-8")
    before = set(tmp_path.rglob("*"))
    out = work / "out"
    assert run(["score", "--script", str(corpus / "script.fountain"), "--spotting", str(spot),
                "--out", str(out), "--quiet"]) == 0
    written = set(tmp_path.rglob("*")) - before
    assert written and all(p == out or p.is_relative_to(out) for p in written), sorted(
        str(p) for p in written if not p.is_relative_to(out))[:5]
