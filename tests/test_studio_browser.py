"""The studio end to end in a real browser: Debian's headless Chromium driven by Playwright.

Opens the studio, loads the example, reads it, drafts a cue (the audio element and the
notation SVG must appear), revises, A/Bs the two revisions, downloads the export; and two
browser sessions drafting at once never see each other's files. Screenshots are saved
under out/test-artifacts/ (or $STUDIO_ARTIFACTS).
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.is_file():
    pytest.skip(f"Chromium not found at {CHROMIUM} (scripts/install-system-deps.sh installs it)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

from ui.app import build_app  # noqa: E402

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword)")]

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("STUDIO_ARTIFACTS", REPO / "out" / "test-artifacts"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
SHORT_CUE = "1M7"
DRAFT_TIMEOUT_MS = 400_000  # the first draft also runs the film-wide stages (cached after)


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory, studio_cache: Path) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("studio-browser")
    demo = build_app(root, cache_dir=studio_cache)
    demo.launch(server_name="127.0.0.1", prevent_thread_lock=True, quiet=True, share=False)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield {"url": demo.local_url, "root": root}
    finally:
        demo.close()


@pytest.fixture(scope="module")
def browser(studio: dict) -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


def _shot(page: object, name: str) -> Path:
    path = ARTIFACTS / f"studio-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _open_example(page: object, url: str) -> None:
    page.goto(url)
    page.click("#open-example")
    page.wait_for_function("document.querySelector('#project-summary')"
                           "?.innerText.includes(\"Keeper\")", timeout=120_000)


def _choose_cue(page: object, cue_id: str) -> None:
    box = page.locator("#cue input")
    box.click()
    box.fill(cue_id)
    page.keyboard.press("Enter")
    page.locator("#cue input").blur()


def _audio_url(page: object, elem_id: str) -> str:
    """The file URL of a gr.Audio once it shows a waveform (its download link)."""
    page.wait_for_selector(f"#{elem_id} [data-testid^='waveform-']", state="attached",
                           timeout=60_000)
    href = page.locator(f"#{elem_id} a[data-testid='download-link']").first.get_attribute("href")
    assert href and href.endswith(".wav")
    return href


def _draft(page: object) -> None:
    page.get_by_role("tab", name="Cues").click()
    page.click("#draft")
    page.wait_for_selector("#notation .notation svg", timeout=DRAFT_TIMEOUT_MS)


def test_compose_revise_compare_export(studio: dict, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    _open_example(page, studio["url"])
    _shot(page, "1-project")

    page.get_by_role("tab", name="Read").click()
    page.click("#spot")
    page.wait_for_function("document.querySelector('#cue-table')?.innerText.includes('1M11')",
                           timeout=300_000)
    page.wait_for_selector("#curve img", timeout=60_000)  # the matplotlib figure
    _shot(page, "2-read")

    _choose_cue(page, SHORT_CUE)
    _draft(page)
    wav = _audio_url(page, "audio")
    body = page.request.get(wav).body()
    assert body[:4] == b"RIFF" and body[8:12] == b"WAVE" and len(body) > 10_000
    assert page.locator("#notation .notation svg").count() >= 1
    page.wait_for_function("document.querySelector('#sync-report')?.innerText.includes('bar')")
    _shot(page, "3-draft")

    page.get_by_role("tab", name="Revisions").click()
    page.locator("#revise-notes textarea").fill("darker, less busy, no piano")
    page.click("#revise")
    page.wait_for_function("document.querySelector('#cue-info')?.innerText.includes('revision 2')",
                           timeout=DRAFT_TIMEOUT_MS)
    page.locator("#rev-a input").fill("1")
    page.locator("#rev-b input").fill("2")
    page.click("#ab")
    page.wait_for_selector("#notation-a .notation svg", timeout=120_000)
    page.wait_for_selector("#notation-b .notation svg", timeout=120_000)
    page.wait_for_function("document.querySelector('#ab-table')?.innerText.includes('notes')")
    assert _audio_url(page, "audio-a") != _audio_url(page, "audio-b")
    _shot(page, "4-ab")

    page.get_by_role("tab", name="Export").click()
    page.click("#export")
    link = page.locator("#export-file a").first
    link.wait_for(timeout=DRAFT_TIMEOUT_MS)
    with page.expect_download() as dl:
        link.click()
    target = ARTIFACTS / "studio-export.zip"
    shutil.copyfile(dl.value.path(), target)
    with zipfile.ZipFile(target) as z:
        names = z.namelist()
    assert "manifest.json" in names and any(n.endswith(".wav") for n in names)
    _shot(page, "5-export")
    page.close()


def test_two_sessions_drafting_at_once_stay_apart(studio: dict, browser: object) -> None:
    pages = []
    for _ in range(2):
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = ctx.new_page()
        _open_example(page, studio["url"])
        _choose_cue(page, SHORT_CUE)
        page.get_by_role("tab", name="Cues").click()
        pages.append(page)
    for page in pages:  # both drafts queued before either finishes
        page.click("#draft")
    for i, page in enumerate(pages):
        page.wait_for_selector("#notation .notation svg", timeout=DRAFT_TIMEOUT_MS)
        _audio_url(page, "audio")
        page.wait_for_function("document.querySelector('#cue-info')?.innerText"
                               ".includes('revision 1')")
        _shot(page, f"6-session-{i + 1}")
    sessions = [d for d in (studio["root"] / "sessions").iterdir()
                if (d / "project" / "revisions" / SHORT_CUE).is_dir()]
    # each session has its own project copy with only its own revision of the cue
    new = [d for d in sessions
           if [r.name for r in (d / "project" / "revisions" / SHORT_CUE).iterdir()] == ["0001"]]
    assert len(new) >= 2
    # each session rendered its own audio into its own folder (gradio's cache is keyed by content,
    # so two identical drafts may share a URL; what must not be shared is the session's files)
    renders = [d / "out" / "renders" / SHORT_CUE / "0001" / "cue.wav" for d in new]
    assert all(r.is_file() and r.stat().st_size > 0 for r in renders)
    for page in pages:
        page.get_by_role("tab", name="Revisions").click()
        page.click("#history")
        page.wait_for_function("document.querySelector('#history-table')?.innerText"
                               ".includes('redraft') || document.querySelector('#history-table')"
                               "?.innerText.includes('draft')")
        rows = page.locator("#history-table tbody tr").count()
        assert rows == 1  # the other session's draft is not in this history
        page.context.close()


def test_themes_plan_and_lesson(studio: dict, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _open_example(page, studio["url"])
    page.get_by_role("tab", name="Themes").click()
    page.locator("#theme-n input").fill("2")
    page.click("#write-themes")
    page.wait_for_selector("#theme-notation .notation svg", timeout=DRAFT_TIMEOUT_MS)
    _audio_url(page, "theme-audio")
    page.wait_for_function("document.querySelector('#theme-table')?.innerText.includes('minor')")
    assert page.locator("#theme-why textarea").input_value()  # the ranking reasons
    _shot(page, "7-themes")
    page.click("#plan")
    page.wait_for_function("document.querySelector('#plan-table')?.innerText.includes('1M11')",
                           timeout=DRAFT_TIMEOUT_MS)
    _shot(page, "8-plan")
    page.get_by_role("tab", name="Lesson").click()
    page.click("#lesson-make")
    page.wait_for_selector("#lesson-html article.lesson img.notation, "
                           "#lesson-html article.lesson svg", timeout=DRAFT_TIMEOUT_MS)
    _shot(page, "9-lesson")
    page.close()


def test_download_open_project_and_rough_cut(studio: dict, browser: object,
                                             tmp_path: Path) -> None:
    """One session downloads its project; another uploads the zip and opens it, then adds
    a rough cut, which the Project tab shows as a video."""
    from test_ui_handlers import make_test_video

    a = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    _open_example(a, studio["url"])
    a.click("#download-project")
    link = a.locator("#project-file a").first
    link.wait_for(timeout=180_000)
    with a.expect_download() as dl:
        link.click()
    zpath = tmp_path / "keeper.project.zip"
    shutil.copyfile(dl.value.path(), zpath)
    assert "project.json" in zipfile.ZipFile(zpath).namelist()
    a.close()

    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    b = ctx.new_page()
    b.goto(studio["url"])
    b.locator("#up-project input[type=file]").set_input_files(str(zpath))
    b.wait_for_function("document.querySelector('#up-project')?.innerText.includes('.zip')",
                        timeout=180_000)
    b.click("#open-project")
    b.wait_for_function("document.querySelector('#project-summary')"
                        "?.innerText.includes(\"Keeper\")", timeout=180_000)
    b.locator("#up-video input[type=file]").set_input_files(
        str(make_test_video(tmp_path / "cut.mp4", 4)))
    b.wait_for_function("document.querySelector('#up-video')?.innerText.includes('cut.mp4')",
                        timeout=180_000)
    b.click("#attach-video")
    b.wait_for_selector("#rough-cut video", state="attached", timeout=180_000)
    b.wait_for_function("document.querySelector('#project-summary')"
                        "?.innerText.includes('cut.mp4')", timeout=180_000)
    _shot(b, "10-open-project")
    ctx.close()
