"""Project store reliability: path trust, damaged files, the lock, temp-file debris, crashes."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.cli.main import run
from assistant.errors import InputError
from assistant.project import Cue, FilmProject, ProjectStore, atomic_path, atomic_write_text
from assistant.storage import clean_temp_files

REPO = Path(__file__).resolve().parents[1]


def _store(tmp_path: Path, n_cues: int = 1) -> ProjectStore:
    store = ProjectStore(tmp_path / "film")
    store.save(FilmProject(title="T", cues=[Cue(id=f"1M{i + 1}", start_s=10.0 * i + 1,
                                                 end_s=10.0 * i + 9) for i in range(n_cues)]))
    return store


def _tmp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".tmp" in p.name]


def _cli(argv: list[str], capsys) -> tuple[int, str]:
    code = run(argv)
    err = capsys.readouterr().err
    return code, err


# ------------------------------------------------------------------ path trust (defect 2)
def test_guard_refuses_artefact_outside_project(tmp_path: Path, capsys) -> None:
    store = _store(tmp_path)
    secret = tmp_path / "outside_secret.mid"
    secret.write_bytes(b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0")
    rev, folder = store.new_revision("1M1")
    rev.artefacts = ["../../../../../outside_secret.mid"]
    store.save_revision(rev)
    code, err = _cli(["guard", str(store.root), "--no-corpus"], capsys)
    assert code == 2, err
    assert "artefacts[0]" in err and "revision.json" in err and "leaves" in err
    assert len(err.strip().splitlines()) == 1


def test_guard_refuses_absolute_artefact(tmp_path: Path, capsys) -> None:
    store = _store(tmp_path)
    rev, _ = store.new_revision("1M1")
    rev.artefacts = [str(tmp_path / "x.mid")]
    store.save_revision(rev)
    code, err = _cli(["guard", str(store.root), "--no-corpus"], capsys)
    assert code == 2 and "absolute" in err and "Traceback" not in err


def test_cue_id_traversal_stays_inside(tmp_path: Path) -> None:
    """A cue id of ../../../evilcue in project.json must not read revisions outside it."""
    outside = tmp_path / "evilcue" / "0001"
    outside.mkdir(parents=True)
    (outside / "revision.json").write_text(json.dumps({"cue_id": "x", "number": 1,
                                                       "created": "now"}))
    store = ProjectStore(tmp_path / "a" / "b" / "film")
    store.save(FilmProject(title="T", cues=[Cue(id="../../../evilcue", start_s=1, end_s=2)]))
    assert store.revisions("../../../evilcue") == []
    assert store.cue_dir("../../../evilcue").resolve().is_relative_to(store.root.resolve())
    rev, folder = store.new_revision("../../../evilcue")
    assert folder.resolve().is_relative_to(store.root.resolve())
    assert [r.number for r in store.revisions("../../../evilcue")] == [1]


def test_symlinked_temp_track_outside_is_not_read(tmp_path: Path) -> None:
    from assistant.guard.report import temp_tracks

    store = _store(tmp_path)
    (tmp_path / "secret.mid").write_bytes(b"MThd")
    (store.root / "temp").mkdir()
    (store.root / "temp" / "t.mid").symlink_to(tmp_path / "secret.mid")
    assert temp_tracks(store.root) == []


# ------------------------------------------------------------------ damaged project files
@pytest.mark.parametrize(("content", "expect"), [
    (b'{"title": "T", "cues": [', "invalid JSON"),
    (b'{"title": "Caf\xe9"}', "not UTF-8"),
    (b"[" * 200_000 + b"]" * 200_000, "nested"),
    (b'{"title": "T", "cues": [{"id": "1M1", "start_s": 1, "end_s": Infinity}]}', "Infinity"),
    (b'{"title": "T", "cues": [{"id": "1M1", "start_s": 1, "end_s": NaN}]}', "NaN"),
    (b'{"schema_version": 7, "title": "T"}', "newer version"),
    (b"", "empty"),
    (b'{"title": "T", "cues": [{"id": "1M1", "start_s": 1, "end_s": 1e999}]}', "finite"),
    (b'"just a string"', "expected an object"),
])
def test_damaged_project_is_one_line(tmp_path: Path, capsys, content: bytes, expect: str) -> None:
    root = tmp_path / "film"
    root.mkdir()
    (root / "project.json").write_bytes(content)
    code, err = _cli(["guard", str(root), "--no-corpus"], capsys)
    assert code == 2, err
    assert expect in err and "project.json" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert (root / "project.json").read_bytes() == content


def test_truncated_revision_json(tmp_path: Path, capsys) -> None:
    store = _store(tmp_path)
    rev, folder = store.new_revision("1M1")
    (folder / "revision.json").write_text('{"cue_id": "1M1", "numb')
    code, err = _cli(["guard", str(store.root), "--no-corpus"], capsys)
    assert code == 2 and "revision.json" in err and "invalid JSON" in err


def test_revision_number_must_match_folder(tmp_path: Path) -> None:
    store = _store(tmp_path)
    rev, folder = store.new_revision("1M1")
    data = json.loads((folder / "revision.json").read_text())
    data["number"] = 7
    (folder / "revision.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match="does not match"):
        store.revisions("1M1")


def test_revision_folder_without_revision_json_is_skipped(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.new_revision("1M1")
    (store.cue_dir("1M1") / "0002").mkdir()  # a save killed before revision.json
    assert [r.number for r in store.revisions("1M1")] == [1]
    rev, _ = store.new_revision("1M1")
    assert rev.number == 3  # the number of the empty folder is never reused


def test_project_json_fifo_refused(tmp_path: Path) -> None:
    root = tmp_path / "film"
    root.mkdir()
    os.mkfifo(root / "project.json")
    with pytest.raises(InputError, match="not a regular file"):
        ProjectStore(root).load()


# ------------------------------------------------------------------ lock (defect 7)
_APPENDER = """
import sys
from assistant.project import Cue, ProjectStore
store = ProjectStore(sys.argv[1])
tag = sys.argv[2]
for i in range(int(sys.argv[3])):
    with store.edit() as p:
        p.cues.append(Cue(id=f"{tag}{i}", start_s=1.0, end_s=2.0))
    if i % 20 == 0:
        store.new_revision(f"{tag}", message=str(i))
"""


def test_two_processes_200_appends_each_lose_nothing(tmp_path: Path) -> None:
    store = ProjectStore(tmp_path / "film")
    store.save(FilmProject(title="T"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", _APPENDER, str(store.root), tag, "200"],
                              env=env) for tag in ("A", "B")]
    for p in procs:
        assert p.wait(timeout=300) == 0
    ids = [c.id for c in store.load().cues]
    assert len(ids) == 400 and len(set(ids)) == 400
    assert [r.number for r in store.revisions("A")] == list(range(1, 11))
    assert not _tmp_files(store.root)


def test_stale_lock_is_recovered(tmp_path: Path) -> None:
    """A writer killed while holding the lock does not block the next one."""
    store = _store(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys,time\nfrom assistant.project import ProjectStore\n"
         "s=ProjectStore(sys.argv[1])\nwith s.locked():\n print('held', flush=True)\n"
         " time.sleep(600)\n", str(store.root)],
        stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert holder.stdout.readline().strip() == b"held"
    store.LOCK_TIMEOUT_S = 0.2
    with pytest.raises(InputError, match="lock"), store.edit():
        pass
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    store.LOCK_TIMEOUT_S = 10.0
    with store.edit() as p:
        p.title = "after"
    assert store.load().title == "after"


# ------------------------------------------------------------------ debris (defect 8)
def test_leftover_temp_files_cleaned_on_open(tmp_path: Path) -> None:
    store = _store(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    debris = [store.root / f".project.json.{dead.pid}.abc123.tmp",
              store.root / "revisions" / "1M1" / "0001" / f".take.mid.{dead.pid}.x1.tmp.mid"]
    for d in debris:
        d.parent.mkdir(parents=True, exist_ok=True)
        d.write_bytes(b"half")
    live = store.root / f".project.json.{os.getppid()}.zz.tmp"  # a live writer's file
    live.write_bytes(b"x")
    store.load()
    assert not any(d.exists() for d in debris)
    assert live.exists()
    old = time.time() - 7200
    os.utime(live, (old, old))
    assert clean_temp_files(store.root) == [live]


def test_atomic_path_for_path_writers(tmp_path: Path) -> None:
    import mido

    target = tmp_path / "out" / "take.mid"
    with atomic_path(target) as tmp:
        assert tmp.suffix == ".mid" and tmp.parent == target.parent
        mido.MidiFile().save(tmp)
    assert target.read_bytes().startswith(b"MThd")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("writer died")
    assert target.read_bytes().startswith(b"MThd")
    assert not _tmp_files(tmp_path)


def test_sigkill_during_saves_100_times(tmp_path: Path) -> None:
    """Kill a saving process 100 times: project.json always loads, no revision is lost,
    and no temp file survives the next open."""
    store = _store(tmp_path, n_cues=30)
    rng = random.Random(16)
    kept: set[int] = set()
    for _ in range(100):
        pid = os.fork()
        if pid == 0:  # child: save as fast as it can until killed
            try:
                s = ProjectStore(store.root)
                while True:
                    with s.edit() as p:
                        p.title = f"t{time.time()}"
                    s.new_revision("1M1")
                    atomic_write_text(s.root / "notes.txt", "x" * 20000)
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        fresh = ProjectStore(store.root)
        assert fresh.load().title  # always loads
        numbers = {r.number for r in fresh.revisions("1M1")}
        assert kept <= numbers  # nothing saved before is lost
        kept = numbers
        assert not _tmp_files(store.root)  # load() removed the dead writer's debris


def test_nested_stores_of_one_project_do_not_deadlock(tmp_path: Path) -> None:
    """The studio and the pipeline may hold two ProjectStore objects of one folder in one
    thread; the lock is one per file per process, so the inner save re-enters."""
    a = _store(tmp_path)
    with a.edit() as outer:
        b = ProjectStore(Path(os.path.relpath(a.root)))  # the same folder, spelled differently
        b.LOCK_TIMEOUT_S = 1.0
        with b.edit() as inner:
            inner.title = "inner"
        outer.title = "outer"
    assert ProjectStore(a.root).load().title == "outer"
