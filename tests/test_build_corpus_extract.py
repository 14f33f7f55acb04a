"""The extract stage of ``training.build_corpus``: a file that times out (a loaded machine can take
minutes over a big ABC collection) is dropped for this run but NOT marked done, so the next run
retries it instead of silently losing its pieces for good."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from training import build_corpus

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _fake_corpus(tmp_path: Path) -> tuple[str, list[str]]:
    root = tmp_path / "corpus"
    (root / "folk").mkdir(parents=True)
    files = []
    for name in ("slow.abc", "quick.abc"):
        p = root / "folk" / name
        p.write_text("X:1\n")
        files.append(str(p))
    return str(root), files


def _fake_extract(path: str, root: str) -> tuple[list[dict], list[dict]]:
    if path.endswith("slow.abc") and not Path(root, "..", "fast_now").exists():
        time.sleep(5)  # past the 1-second alarm
    return [{"id": Path(path).name + "#0"}], []


def test_a_timed_out_file_is_retried_on_the_next_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.music.corpus as corpus_mod

    root, files = _fake_corpus(tmp_path)
    monkeypatch.setattr(build_corpus, "EXTRACT", tmp_path / "extract")
    monkeypatch.setattr(build_corpus, "corpus_files", lambda: (root, files))
    monkeypatch.setattr(corpus_mod, "extract_file", _fake_extract)
    build_corpus.stage_extract(workers=1, limit=None, timeout_s=1)
    done = (tmp_path / "extract" / "done.txt").read_text().split()
    assert done == ["folk/quick.abc"]
    dropped = [json.loads(x) for x in (tmp_path / "extract" / "dropped.jsonl").read_text().splitlines()]
    assert dropped == [{"id": "folk/slow.abc", "reason": "timeout: parse and extraction over 1 s"}]
    # the next run (the machine is quiet now) does the slow file, and only it
    (tmp_path / "fast_now").touch()
    build_corpus.stage_extract(workers=1, limit=None, timeout_s=1)
    assert sorted((tmp_path / "extract" / "done.txt").read_text().split()) == ["folk/quick.abc", "folk/slow.abc"]
    rec = (tmp_path / "extract" / "folk" / "slow.abc.jsonl").read_text().splitlines()
    assert [json.loads(x)["id"] for x in rec] == ["slow.abc#0"]
