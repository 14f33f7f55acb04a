"""The studio's plain handlers (no server): workspaces, uploads, the cue table, briefs,
drafting, revising, restoring, A/B and export on the bundled example."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.project import ProjectStore
from ui.handlers import Studio, cue_rows
from ui.workspace import MB, check_upload, copy_upload, workspace_from_state

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "the-keepers-light"
SHORT_CUE = "1M7"  # three seconds: keeps the drafting tests quick


# ----------------------------------------------------------------------------- uploads
@pytest.mark.parametrize("name,kind", [("evil.exe", "screenplay"), ("notes.pdf", "spotting"),
                                       ("song.mp3", "temp"), ("script", "screenplay")])
def test_upload_of_the_wrong_type_is_refused(tmp_path: Path, name: str, kind: str) -> None:
    f = tmp_path / name
    f.write_text("x")
    with pytest.raises(InputError, match=kind):
        check_upload(f, kind)


def test_upload_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "big.csv"
    with open(f, "wb") as fh:
        fh.truncate(2 * MB + 1)
    with pytest.raises(InputError, match="limit is 2 MB"):
        check_upload(f, "spotting")


def test_upload_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dir.fountain").mkdir()
    with pytest.raises(InputError, match="regular file"):
        check_upload(tmp_path / "dir.fountain", "screenplay")


def test_upload_names_cannot_leave_the_folder(tmp_path: Path) -> None:
    src = tmp_path / "..evil name;rm -rf.fountain"
    src.write_text("INT. ROOM - DAY\n\nText.\n")
    dest = tmp_path / "in"
    out = copy_upload(src, "screenplay", dest)
    assert out.parent == dest and out.read_text() == src.read_text()
    assert "/" not in out.name and not out.name.startswith(".")


def test_sessions_get_separate_unguessable_folders(tmp_path: Path) -> None:
    a, sa = workspace_from_state(None, tmp_path)
    b, sb = workspace_from_state(None, tmp_path)
    assert a.folder != b.folder and a.project_dir != b.project_dir
    assert len(sa["session_id"]) >= 24 and sa != sb
    again, _ = workspace_from_state(sa, tmp_path)
    assert again.folder == a.folder
    with pytest.raises(InputError):
        workspace_from_state({"session_id": "../" + sb["session_id"]}, tmp_path)


# ----------------------------------------------------------------------------- project
@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory, studio_cache: Path) -> Studio:
    return Studio(tmp_path_factory.mktemp("studio"), cache_dir=studio_cache)


@pytest.fixture(scope="module")
def example(studio: Studio) -> dict:
    state, summary = studio.open_example(None)
    return {"state": state, "summary": summary}


def test_open_example_makes_a_working_copy(studio: Studio, example: dict) -> None:
    s = example["summary"]
    assert s["title"] == "The Keeper's Light" and s["fps"] == "24"
    assert len(s["cues"]) == 11 and "1M4-temp.mid" in s["temp_tracks"]
    ws, _ = studio.workspace(example["state"])
    assert ws.project_dir.is_relative_to(ws.folder)
    # the bundled example itself is never written to
    assert not (EXAMPLE / "project.json").exists()


def test_new_project_from_uploads_with_rate_and_start(studio: Studio) -> None:
    state, s = studio.new_project(None, str(EXAMPLE / "screenplay.fountain"),
                                  str(EXAMPLE / "spotting.csv"), None, [], None, "25",
                                  "00:59:50:00")
    assert s["fps"] == "25" and s["start_tc"] == "00:59:50:00" and len(s["cues"]) == 11
    with pytest.raises(InputError, match="before the film start"):
        studio.new_project(state, str(EXAMPLE / "screenplay.fountain"),
                           str(EXAMPLE / "spotting.csv"), None, [], None, "24", "10:00:00:00")
    with pytest.raises(InputError, match="screenplay"):
        studio.new_project(None, None, None)


def test_a_handler_before_any_project_says_what_to_do(studio: Studio) -> None:
    with pytest.raises(InputError, match="open the example"):
        studio.draft(None, "1M1")


# ----------------------------------------------------------------------------- read, brief
def test_read_gives_the_cue_table_and_the_curve(studio: Studio, example: dict) -> None:
    state, rows, fig, questions = studio.spot(example["state"])
    assert [r[0] for r in rows] == example["summary"]["cues"]
    by_id = {r[0]: r for r in rows}
    assert by_id["1M3"][4] == "comedy"  # proposed by the classifier
    assert "%" in by_id["1M3"][5] and by_id["1M3"][5].count(",") == 2  # top three
    assert by_id["1M9"][8] == 8  # hits
    assert fig.axes and len(fig.axes[0].lines) >= 3
    assert isinstance(questions, str)


def test_override_and_refuse_unknown_functions(studio: Studio, example: dict) -> None:
    state = example["state"]
    _, rows, _, _ = studio.spot(state)
    rows = [list(r) for r in rows]
    i = [r[0] for r in rows].index("1M8")
    rows[i][4] = "inner_state"
    _, msg = studio.apply_table(state, rows)
    assert "1M8 → inner_state" in msg
    ws, _ = studio.workspace(state)
    cue = ProjectStore(ws.project_dir).load().cue("1M8")
    assert (cue.function, cue.function_from) == ("inner_state", "user")
    rows[i][4] = "polka"
    with pytest.raises(InputError, match="polka"):
        studio.apply_table(state, rows)


def test_brief_to_parameters(studio: Studio, example: dict) -> None:
    _, params = studio.brief(example["state"], SHORT_CUE, "loud and sudden, brass, no piano")
    assert "piano" in params["exclude_instruments"]
    with pytest.raises(InputError):
        studio.brief(example["state"], SHORT_CUE, "  ")


def test_cue_rows_mark_unsure_proposals() -> None:
    from assistant.project import Cue, FilmProject

    film = FilmProject(title="t", cues=[Cue(id="A", start_s=1, end_s=5, function="comedy",
                                            function_from="proposed", status="proposed",
                                            function_scores={"comedy": 0.4, "action": 0.35})])
    rows, questions = cue_rows(film, {"cues": [{"id": "A", "question": "Comedy or action?"}]})
    assert rows[0][10].startswith("unsure?") and "Comedy or action?" in questions


# ----------------------------------------------------------------------------- drafting
@pytest.fixture(scope="module")
def drafted(studio: Studio, example: dict) -> dict:
    state, heard = studio.draft(example["state"], SHORT_CUE)
    assert set(heard) >= {"wav", "revision", "timings"} and "svg" not in heard  # audio first
    _, v1 = studio.render(state, SHORT_CUE, heard["revision"])  # then notation and reports
    assert v1["wav"] == heard["wav"]
    state, heard = studio.revise(state, SHORT_CUE, "darker, less busy, no piano")
    _, v2 = studio.render(state, SHORT_CUE, heard["revision"])
    return {"state": state, "v1": v1, "v2": v2}


def test_draft_gives_audio_notation_and_reports(drafted: dict) -> None:
    import soundfile as sf

    v = drafted["v1"]
    assert v["revision"] == 1
    info = sf.info(v["wav"])
    assert info.frames > 0 and info.channels == 2
    assert v["svg"] and "<svg" in Path(v["svg"][0]).read_text()
    assert Path(v["piano_roll"]).stat().st_size > 1000
    assert len(v["sync"]) == 2  # 1M7 has two hits
    assert all({"bar", "beat", "frames_off"} <= set(h) for h in v["sync"])
    assert {"voice_band_notes", "mickey_mousing_index"} <= set(v["dialogue"])


def test_revise_keeps_every_revision(studio: Studio, drafted: dict) -> None:
    v2 = drafted["v2"]
    assert v2["revision"] == 2 and Path(v2["wav"]) != Path(drafted["v1"]["wav"])
    _, rows = studio.history(drafted["state"], SHORT_CUE)
    assert [r[0] for r in rows][:2] == [1, 2]


def test_restore_makes_a_new_revision_equal_to_the_old(studio: Studio, drafted: dict) -> None:
    state, v = studio.restore(drafted["state"], SHORT_CUE, 1)
    state, v = studio.render(state, SHORT_CUE, v["revision"])
    assert v["revision"] >= 3 and "restored revision 1" in v["message"]
    assert Path(v["midi"]).read_bytes() == Path(drafted["v1"]["midi"]).read_bytes()
    _, rows = studio.history(state, SHORT_CUE)
    assert len(rows) == v["revision"]  # nothing was lost
    with pytest.raises(InputError, match="no revision 99"):
        studio.restore(state, SHORT_CUE, 99)


def test_ab_compares_two_revisions(studio: Studio, drafted: dict) -> None:
    _, va, vb, rows = studio.ab(drafted["state"], SHORT_CUE, 1, 2)
    assert va["revision"] == 1 and vb["revision"] == 2
    table = {r[0]: r[1:] for r in rows}
    assert table["brief"][1].endswith("no piano") or "no piano" in table["brief"][1]
    assert "notes" in table


def test_temp_love_reports_closeness(studio: Studio, drafted: dict) -> None:
    _, rows, details, fig = studio.temp_love(drafted["state"], None)
    assert rows and all(r[3] is None or 0.0 <= r[3] <= 1.0 for r in rows)
    assert all(r[4] in ("copy", "similar", "distinct", "no melody") for r in rows)
    assert [r[0] for r in rows] == [SHORT_CUE] and all(r[2] == "1M4-temp.mid" for r in rows)


def test_export_zip_holds_the_studio_renders(studio: Studio, drafted: dict) -> None:
    _, zpath, msg = studio.export(drafted["state"], full=False)
    with zipfile.ZipFile(zpath) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("manifest.json"))
    assert {"cue_sheet.csv", "project.json", "manifest.json"} <= names
    assert any(n.endswith(".wav") for n in names) and any(n.endswith(".svg") for n in names)
    assert [c["id"] for c in manifest["cues"]] == [SHORT_CUE]


def test_export_refuses_a_copy_of_the_temp(studio: Studio, tmp_path: Path) -> None:
    """A cue whose music IS the temp track: the guard calls it a copy; export refuses."""
    import shutil

    state, _ = studio.open_example(None)
    ws, _ = studio.workspace(state)
    store = ProjectStore(ws.project_dir)
    rev, folder = store.new_revision("1M4", brief="the temp, note for note")
    shutil.copyfile(EXAMPLE / "temp" / "1M4-temp.mid", folder / "cue.mid")
    rev.artefacts = ["cue.mid"]
    store.save_revision(rev)
    _, v = studio.render(state, "1M4")
    assert v["guard"] == "copy" and v["guard_check"]["temp"]["verdict"] == "copy"
    with pytest.raises(InputError, match="1M4.*copy"):
        studio.export(state, full=False)
    _, rows, details, fig = studio.temp_love(state, None)
    assert rows[0][:5] == ["1M4", rev.number, "1M4-temp.mid", rows[0][3], "copy"]
    assert len(fig.axes) == 2 and all(ax.lines for ax in fig.axes)  # the two passages
    from ui.figures import save_png

    save_png(fig, tmp_path / "passages.png")
    assert rows[0][3] > 0.9 and "≈ temp notes" in rows[0][5]
    p = details[0]["passages"][0]
    assert p["a_excerpt"] and p["b_excerpt"]  # the matching passages, side by side


def test_two_sessions_do_not_see_each_others_files(studio: Studio, drafted: dict) -> None:
    other, _ = studio.open_example(None)
    with pytest.raises(InputError, match="no revision yet"):
        studio.render(other, SHORT_CUE)
    a, _ = studio.workspace(drafted["state"])
    b, _ = studio.workspace(other)
    assert not any(b.folder in Path(p).parents for p in [drafted["v1"]["wav"]])
    assert Path(drafted["v1"]["wav"]).is_relative_to(a.out_dir)


@pytest.mark.slow
def test_full_export_has_the_contract_deliverables(studio: Studio, drafted: dict) -> None:
    _, zpath, msg = studio.export(drafted["state"])
    with zipfile.ZipFile(zpath) as z:
        manifest = json.loads(z.read("manifest.json"))
        names = set(z.namelist())
    cue = next(c for c in manifest["cues"] if c["id"] == SHORT_CUE)
    for kind in ("midi", "musicxml", "wav", "click_wav"):
        assert cue["files"][kind] in names
    assert all(p in names for p in cue["files"]["stems"].values())


# ----------------------------------------------------------------------------- open a project
def _zip(path: Path, members: dict[str, bytes], links: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
        for name in links:  # a symbolic link member (unix mode 0o120777)
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16
            z.writestr(info, "/etc/passwd")
    return path


def test_download_and_open_round_trip(studio: Studio, drafted: dict, tmp_path: Path) -> None:
    """A session's project, downloaded and opened in another session: same film, same
    revisions, same music; the second session's work stays its own."""
    _, zpath, msg = studio.download_project(drafted["state"])
    assert zpath.endswith(".project.zip") and "revision" in msg
    with zipfile.ZipFile(zpath) as z:
        names = z.namelist()
    assert "project.json" in names and not any(Path(n).name.startswith(".") for n in names)
    state, summary = studio.open_project(None, zpath)
    assert summary["title"] == "The Keeper's Light" and SHORT_CUE in summary["cues"]
    ws_a, _ = studio.workspace(drafted["state"])
    ws_b, _ = studio.workspace(state)
    assert ws_a.project_dir != ws_b.project_dir
    a, b = ProjectStore(ws_a.project_dir), ProjectStore(ws_b.project_dir)
    assert [r.number for r in b.revisions(SHORT_CUE)] == [r.number for r in a.revisions(SHORT_CUE)]
    _, v = studio.render(state, SHORT_CUE, 1)
    assert Path(v["midi"]).read_bytes() == Path(drafted["v1"]["midi"]).read_bytes()
    # a zipped project FOLDER (project.json one level down) opens too
    folder_zip = tmp_path / "film.zip"
    with zipfile.ZipFile(zpath) as src, zipfile.ZipFile(folder_zip, "w") as dst:
        for n in src.namelist():
            dst.writestr(f"my-film/{n}", src.read(n))
        dst.writestr("__MACOSX/my-film/._project.json", b"junk")
    _, summary = studio.open_project(state, str(folder_zip))
    assert summary["cues"] == studio.summary(ws_a)["cues"]
    assert any(d.name.startswith("project.") for d in ws_b.folder.iterdir())  # old copy kept


@pytest.mark.parametrize("members,links,match", [
    ({"project.json": b"{}", "../evil.txt": b"x"}, (), "leaves the project folder"),
    ({"project.json": b"{}", "/etc/evil": b"x"}, (), "absolute"),
    ({"project.json": b"{}"}, ("inputs/link",), "symbolic link"),
    ({"inputs/screenplay.fountain": b"x"}, (), "no project.json"),
    ({"a/project.json": b"{}", "b/project.json": b"{}"}, (), "holds 2 projects"),
], ids=["dotdot", "absolute", "symlink", "no-project", "two-projects"])
def test_a_hostile_or_wrong_zip_is_refused(studio: Studio, tmp_path: Path, members: dict,
                                           links: tuple, match: str) -> None:
    z = _zip(tmp_path / "p.zip", members, links)
    _, state = studio.workspace(None)
    with pytest.raises(InputError, match=match) as err:
        studio.open_project(state, str(z))
    assert "p.zip" in str(err.value)
    ws, _ = studio.workspace(state)
    assert not (tmp_path / "evil.txt").exists() and not ws.project_dir.exists()
    assert not any(d.name.startswith(".open-") for d in ws.folder.iterdir())  # cleaned up


def test_a_zip_over_the_limits_is_refused(studio: Studio, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.workspace as w

    z = _zip(tmp_path / "big.zip", {"project.json": b"{}", "stages/x.bin": bytes(4096)})
    monkeypatch.setattr(w, "MAX_PROJECT_EXPANDED", 1024)
    with pytest.raises(InputError, match="expands to"):
        studio.open_project(None, str(z))
    notzip = tmp_path / "p.zip"
    notzip.write_bytes(b"PK not really")
    with pytest.raises(InputError, match="not a readable zip"):
        studio.open_project(None, str(notzip))
    tar = tmp_path / "p.tar"
    tar.write_bytes(b"x")
    with pytest.raises(InputError, match="must be one of .zip"):
        studio.open_project(None, str(tar))


def test_a_damaged_project_names_the_file_and_field(studio: Studio, drafted: dict,
                                                    tmp_path: Path) -> None:
    _, zpath, _ = studio.download_project(drafted["state"])
    with zipfile.ZipFile(zpath) as src:
        files = {n: src.read(n) for n in src.namelist()}
    bad = dict(files)
    p = json.loads(bad["project.json"])
    p["fps"] = "banana"
    bad["project.json"] = json.dumps(p).encode()
    with pytest.raises(InputError) as err:
        studio.open_project(None, str(_zip(tmp_path / "film.zip", bad)))
    assert "film.zip: project.json" in str(err.value) and "fps" in str(err.value)
    bad = dict(files)
    rev = f"revisions/{SHORT_CUE}/0001/revision.json"
    bad[rev] = b'{"cue_id": "1M7", "number": "one"'
    with pytest.raises(InputError) as err:
        studio.open_project(None, str(_zip(tmp_path / "film2.zip", bad)))
    assert f"film2.zip: {rev}" in str(err.value)


# ----------------------------------------------------------------------------- the rough cut
def make_test_video(path: Path, seconds: float) -> Path:
    """A tiny test-pattern film (64x36, 4 fps, silent) made with imageio-ffmpeg's ffmpeg."""
    import subprocess

    import imageio_ffmpeg

    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi",
                    "-i", f"testsrc=size=64x36:rate=4:duration={seconds}", "-c:v", "libx264",
                    "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)], check=True,
                   timeout=120)
    return path


def _streams(path: str) -> str:
    import subprocess

    import imageio_ffmpeg

    return subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", path], capture_output=True,
                          text=True, check=False).stderr


def test_rough_cut_is_shown_and_the_draft_muxed_at_the_cue(studio: Studio, drafted: dict,
                                                           tmp_path: Path) -> None:
    import imageio_ffmpeg

    state = drafted["state"]
    ws, _ = studio.workspace(state)
    cue = ProjectStore(ws.project_dir).load().cue(SHORT_CUE)
    with pytest.raises(InputError, match="no rough cut"):
        studio.picture(state, SHORT_CUE, 1)
    short = make_test_video(tmp_path / "trailer.mp4", 4)
    studio.attach_video(state, str(short))
    with pytest.raises(InputError, match=r"trailer.mp4: video: the rough cut plays 4.0 s"):
        studio.picture(state, SHORT_CUE, 1)
    film = make_test_video(tmp_path / "rough cut.mp4", cue.end_s + 2)
    _, stored = studio.attach_video(state, str(film))
    assert Path(stored).parent == ws.project_dir / "video"
    assert studio.summary(ws)["rough_cut"] == Path(stored).name
    _, mp4 = studio.picture(state, SHORT_CUE, 1)
    frames, secs = imageio_ffmpeg.count_frames_and_secs(mp4)
    assert abs(secs - cue.duration_s) < 0.6 and frames >= 4
    info = _streams(mp4)
    assert "Video: h264" in info and "Audio: aac" in info
    with pytest.raises(InputError, match="video must be one of"):
        bad = tmp_path / "cut.avi"
        bad.write_bytes(b"x")
        studio.attach_video(state, str(bad))


def test_notation_renders_in_a_fresh_worker_thread(drafted: dict, tmp_path: Path) -> None:
    """The studio renders in gradio's worker threads; the render module's toolkit sets
    verovio's resources itself (the adapter no longer does it for the notation)."""
    from concurrent.futures import ThreadPoolExecutor

    from ui import adapter

    midi = Path(drafted["v1"]["midi"])
    with ThreadPoolExecutor(max_workers=1) as pool:
        xml, svgs = pool.submit(adapter.render_notation, midi, tmp_path, "1M7").result()
    assert xml.is_file() and svgs and "<svg" in svgs[0] and "<path" in svgs[0]


def test_revise_refuses_nonsense_before_drafting(studio: Studio, drafted: dict) -> None:
    _, rows = studio.history(drafted["state"], SHORT_CUE)
    for notes, match in (("qwxz", "does not read as English"), ("  ", "write the revision")):
        with pytest.raises(InputError, match=match):
            studio.revise(drafted["state"], SHORT_CUE, notes)
    _, after = studio.history(drafted["state"], SHORT_CUE)
    assert len(after) == len(rows)  # no revision was made
    # the revision the notes made says what they changed, in the history
    msg = next(r[3] for r in after if r[0] == 2)
    assert "revise: darker, less busy, no piano" in msg and "weight" in msg


def test_revise_after_restore_acts_on_the_restored_revision(studio: Studio,
                                                             drafted: dict) -> None:
    """Notes move the revision the user is listening to: after restoring revision 1, "less
    busy" steps down from revision 1's weight and keeps revision 1's exclusions."""
    from assistant.revise import previous_brief, resolved_of

    state, restored = studio.restore(drafted["state"], SHORT_CUE, 1)
    studio.revise(state, SHORT_CUE, "less busy")
    ws, _ = studio.workspace(state)
    store = ProjectStore(ws.project_dir)
    revs = {r.number: r for r in store.revisions(SHORT_CUE)}
    new = revs[max(revs)]
    assert new.parent == restored["revision"]
    assert revs[2].params["resolved"]["weight"] == "chamber"  # rev 2: section -> chamber
    assert new.params["resolved"]["weight"] == "chamber"  # from rev 1's section, not solo
    first = resolved_of(store, revs[1], previous_brief(store, revs[1]))
    assert set(new.params["resolved"]["exclude"]) == set(first.exclude)
