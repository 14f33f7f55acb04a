"""The studio's wiring, driven through its named endpoints with gradio_client against a
launched app: open the example, draft a cue, revise it, restore the first revision, export."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

gradio_client = pytest.importorskip("gradio_client")

from assistant.errors import InputError  # noqa: E402
from ui.app import build_app, launch, parse_auth  # noqa: E402

SHORT_CUE = "1M7"
# gradio's own queue code trips pandas 3 deprecations; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword)")
CONTRACT = ("new_project", "open_example", "spot", "brief", "themes", "draft", "revise",
            "restore", "render", "export", "open_project", "download_project", "attach_video",
            "picture")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, studio_cache: Path) -> Iterator[str]:
    demo = build_app(tmp_path_factory.mktemp("studio-wiring"), cache_dir=studio_cache)
    demo.launch(server_name="127.0.0.1", prevent_thread_lock=True, quiet=True, share=False)
    try:
        yield demo.local_url
    finally:
        demo.close()


@pytest.fixture(scope="module")
def client(app_url: str) -> gradio_client.Client:
    return gradio_client.Client(app_url, verbose=False)


def test_every_contract_endpoint_is_named(client: gradio_client.Client) -> None:
    named = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {f"/{n}" for n in CONTRACT} <= named


def test_open_draft_revise_restore_export(client: gradio_client.Client) -> None:
    summary, cue = client.predict(api_name="/open_example")
    assert summary["title"] == "The Keeper's Light" and SHORT_CUE in summary["cues"]
    wav, info, number = client.predict(SHORT_CUE, "", "", None, api_name="/draft")
    assert number == 1 and Path(wav).stat().st_size > 1000 and "revision 1" in info
    out = client.predict(SHORT_CUE, 1, api_name="/render")  # and the notation, reports
    assert out[-1] == 1 and Path(out[0]).read_bytes() == Path(wav).read_bytes()
    assert "<svg" in out[1] and len(out[3]["data"]) == 2  # notation; the sync report's hits
    out = client.predict(SHORT_CUE, "darker, less busy, no piano", None,
                         api_name="/revise")
    assert out[-1] == 2 and Path(out[0]).read_bytes() != Path(wav).read_bytes()
    out = client.predict(SHORT_CUE, 1, api_name="/restore")
    assert out[-1] == 3 and "restored revision 1" in out[1]
    history = client.predict(SHORT_CUE, api_name="/history")
    assert [r[0] for r in history["data"]] == [1, 2, 3]
    zpath, msg = client.predict(False, api_name="/export")
    with zipfile.ZipFile(zpath) as z:
        assert "manifest.json" in z.namelist()


def test_download_open_and_play_to_picture(client: gradio_client.Client,
                                           tmp_path: Path) -> None:
    """One session drafts and downloads its project; another opens the zip, adds a rough
    cut and plays the revision to picture."""
    from gradio_client import handle_file
    from test_ui_handlers import make_test_video

    a = gradio_client.Client(client.src, verbose=False)
    a.predict(api_name="/open_example")
    a.predict(SHORT_CUE, "", "", None, api_name="/draft")
    zpath, msg = a.predict(api_name="/download_project")
    assert zpath.endswith(".project.zip") and "1 revision" in msg
    b = gradio_client.Client(client.src, verbose=False)
    summary, cue, rough = b.predict(handle_file(zpath), api_name="/open_project")
    assert SHORT_CUE in summary["cues"] and rough is None
    assert [r[0] for r in b.predict(SHORT_CUE, api_name="/history")["data"]] == [1]
    film = make_test_video(tmp_path / "cut.mp4", 356)  # 1M7 ends 353.25 s into the film
    summary, rough = b.predict(handle_file(str(film)), api_name="/attach_video")
    assert summary["rough_cut"] == "cut.mp4" and rough
    video = b.predict(SHORT_CUE, 1, api_name="/picture")
    path = video["video"] if isinstance(video, dict) else video
    assert Path(path).stat().st_size > 1000
    with pytest.raises(Exception, match="not a readable zip|project.json"):
        bad = tmp_path / "bad.zip"
        bad.write_bytes(b"PK")
        b.predict(handle_file(str(bad)), api_name="/open_project")


def test_errors_come_back_as_messages_not_tracebacks(client: gradio_client.Client) -> None:
    other = gradio_client.Client(client.src, verbose=False)  # a fresh session, no project
    with pytest.raises(Exception) as err:
        other.predict(SHORT_CUE, "", "", None, api_name="/draft")
    text = str(err.value)
    assert "open the example" in text and "Traceback" not in text


def test_a_session_sees_only_its_own_revisions(client: gradio_client.Client) -> None:
    other = gradio_client.Client(client.src, verbose=False)
    other.predict(api_name="/open_example")
    with pytest.raises(Exception, match="no revision yet"):
        other.predict(SHORT_CUE, api_name="/history") and other.predict(
            SHORT_CUE, None, api_name="/render")


def test_non_local_bind_needs_auth(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SCORING_ASSISTANT_AUTH", raising=False)
    with pytest.raises(InputError, match="--auth"):
        launch(host="0.0.0.0", root=tmp_path)
    with pytest.raises(InputError, match="USER:PASS"):
        parse_auth("nopassword")
    assert parse_auth("ann:s3cret:x") == ("ann", "s3cret:x")


def test_cli_refuses_open_bind_without_auth(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli.main import run

    monkeypatch.delenv("SCORING_ASSISTANT_AUTH", raising=False)
    assert run(["ui", "--host", "0.0.0.0", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--auth" in err[0]
