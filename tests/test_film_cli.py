"""The film workflow from the command line: `new`, `score` (a real screenplay with our own
spotting list, and a screenplay alone), `draft`, and one-line errors with exit status 2."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import mido
import pytest

from assistant.cli.main import run
from assistant.pipeline.manifest import manifest_problems
from assistant.project import ProjectStore

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "the-keepers-light"
SCREENPLAYS = REPO.parent / "shared" / "data" / "screenplays"
BIRTHDAY = SCREENPLAYS / "The-Last-Birthday-Card.fountain"
BIRTHDAY_SPOTTING = REPO / "tests" / "data" / "last-birthday-card" / "spotting.txt"
BIRTHDAY_BRIEFS = REPO / "tests" / "data" / "last-birthday-card" / "briefs.txt"


def _json_run(argv: list[str]) -> dict:
    buf, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
        rc = run(argv + ["--json", "--quiet"])
    assert rc == 0, (argv, buf.getvalue(), err.getvalue())
    assert "%|" not in err.getvalue(), err.getvalue()  # --quiet: no progress bars
    lines = buf.getvalue().strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def _needs(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"{path} not found (../shared/data is not checked out here)")


@pytest.fixture(scope="module")
def birthday(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """`score --script` on a real screenplay with the spotting list written for it."""
    _needs(BIRTHDAY)
    out = tmp_path_factory.mktemp("birthday") / "out"
    manifest = _json_run(["score", "--script", str(BIRTHDAY), "--spotting", str(BIRTHDAY_SPOTTING),
                          "--briefs", str(BIRTHDAY_BRIEFS), "--out", str(out),
                          "--cues", "1M3,1M4s", "--seed", "2", "--render", "quick"])
    return out, manifest


def test_new_makes_a_project(tmp_path: Path) -> None:
    info = _json_run(["new", str(tmp_path / "film"), "--script", str(EXAMPLE / "screenplay.fountain"),
                      "--spotting", str(EXAMPLE / "spotting.txt"), "--briefs",
                      str(EXAMPLE / "brief.txt"), "--temp", str(EXAMPLE / "temp" / "1M4-temp.mid")])
    assert info["cues"][0] == "1M1" and len(info["cues"]) == 11 and info["briefs"] == 5
    film = ProjectStore(tmp_path / "film").load()
    assert film.title == "The Keeper's Light" and film.cue("1M9").brief.startswith("Relentless")


def test_score_a_real_screenplay(birthday: tuple[Path, dict]) -> None:
    out, manifest = birthday
    assert manifest_problems(out, manifest) == []
    assert manifest["film"]["title"] == "The Last Birthday Card"
    assert manifest["film"]["duration_s"] > 1100  # the screenplay's page-count estimate
    by_id = {c["id"]: c for c in manifest["cues"]}
    assert list(by_id) == ["1M3", "1M4s"]
    m3 = by_id["1M3"]
    assert (m3["start_tc"], m3["end_tc"]) == ("01:03:33:18", "01:04:26:04")
    assert m3["brief"].startswith("Cold and precise")
    assert by_id["1M4s"]["function"] == "source"
    mid = mido.MidiFile(out / m3["files"]["midi"])
    smpte = next(m for m in mid.tracks[0] if m.type == "smpte_offset")
    assert (smpte.hours, smpte.minutes, smpte.seconds, smpte.frames) == (1, 3, 33, 18)
    assert len(mid.tracks) >= 4  # conductor + melody/harmony/bass at least
    # "low strings and muted brass, no melody": those sections and no others, and no tune
    sounding = {next(m.name for m in t if m.type == "track_name") for t in mid.tracks[1:]
                if any(m.type == "note_on" and m.velocity for m in t)}
    assert sounding and sounding <= {"cello", "double_bass", "horn", "trumpet", "trombone",
                                     "tuba"}, sounding
    assert m3["report"]["excluded_sounding"] == []
    report = json.loads((out / "manifest.json").read_text())["cues"][0]["report"]
    assert len(report["hits"]) == 3 and all(h["sync_error_frames"] <= 1.0 for h in report["hits"])


def test_draft_adds_a_revision_and_only_redelivers(birthday: tuple[Path, dict]) -> None:
    out, _ = birthday
    store = ProjectStore(out / "project")
    before = [r.number for r in store.revisions("1M4s")]
    info = _json_run(["draft", str(out / "project"), "--cue", "1M4s", "--seed", "5"])
    assert info["revisions"] == before + [info["revision"]]
    assert all(Path(f).is_file() for f in info["files"])
    # deliver that revision without drafting another: only the guard and render stages
    manifest = _json_run(["score", str(out / "project"), "--out", str(out.parent / "again"),
                          "--cues", "1M4s", "--only", "guard,render", "--render", "midi"])
    assert [c["revision"] for c in manifest["cues"]] == [info["revision"]]
    assert list(manifest["timings_s"]) == ["guard", "render"]
    assert [r.number for r in store.revisions("1M4s")] == info["revisions"]
    assert manifest_problems(out.parent / "again", manifest) == []


@pytest.mark.parametrize("argv, words", [
    (["score", "--out", "OUT"], "give a PROJECT folder or --script"),
    (["score", "no/such/project", "--out", "OUT"], "create a project first"),
    (["score", "--script", "no/such/film.fountain", "--out", "OUT"], "not found"),
    (["score", "PROJECT", "--script", "x.fountain", "--out", "OUT"], "not both"),
    (["score", "PROJECT", "--out", "OUT", "--cues", "9M9"], "no cue '9M9'"),
    (["score", "PROJECT", "--out", "OUT", "--cues", ","], "--cues"),
    (["score", "PROJECT", "--out", "OUT", "--render", "dolby"], "--render takes full, quick"),
    (["score", "PROJECT", "--out", "OUT", "--only", "mix"], "unknown stage 'mix'"),
    (["draft", "PROJECT", "--cue", "1M1"], "run the brief stage first"),
    (["draft", "PROJECT", "--cue", "7M7"], "no cue '7M7'"),
    (["new", "PROJECT", "--script", str(EXAMPLE / "screenplay.fountain")], "already exists"),
    (["new", "NEW", "--script", "no/such/film.fountain"], "not found"),
    (["new", "NEW", "--script", str(EXAMPLE / "screenplay.fountain"), "--spotting",
      str(EXAMPLE / "spotting.txt"), "--briefs", "BADBRIEFS"], "BADBRIEFS:2: cue:"),
    (["new", "NEW", "--script", str(EXAMPLE / "screenplay.fountain"), "--fps", "23.976 DF"],
     "23.976"),
])
def test_bad_input_is_one_line_exit_2(argv: list[str], words: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "project"
    assert run(["new", str(project), "--script", str(EXAMPLE / "screenplay.fountain"),
                "--spotting", str(EXAMPLE / "spotting.txt"), "--quiet"]) == 0
    bad = tmp_path / "briefs.txt"
    bad.write_text("1M4: slow\n1M99: loud\n")
    subst = {"PROJECT": str(project), "OUT": str(tmp_path / "out"), "NEW": str(tmp_path / "new"),
             "BADBRIEFS": str(bad)}
    capsys.readouterr()
    argv = [subst.get(a, a) for a in argv]
    words = words.replace("BADBRIEFS", str(bad))
    assert run(argv + ["--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("scoring-assistant: error:"), err
    assert words in err, err
    assert not (tmp_path / "new").exists()


@pytest.mark.slow
def test_score_a_screenplay_without_a_spotting_list(tmp_path: Path) -> None:
    """Your own film from its script alone: the analysis proposes the cues, `score`
    drafts them (one here) and writes the same manifest."""
    script = SCREENPLAYS / "Brick-and-Steel.fountain"
    _needs(script)
    manifest = _json_run(["score", "--script", str(script), "--out", str(tmp_path / "out"),
                          "--cues", "1M1", "--render", "midi"])
    assert manifest_problems(tmp_path / "out", manifest) == []
    film = ProjectStore(tmp_path / "out" / "project").load()
    assert film.cues and all(c.function_from == "proposed" for c in film.cues)
    assert [c["id"] for c in manifest["cues"]] == ["1M1"]
