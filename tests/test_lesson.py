"""The educator's lesson page: self-contained, offline, and clean in headless Chromium."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from assistant.music.score import Note, Part, Score

CHROMIUM = "/usr/bin/chromium"


def _theme() -> Score:
    """An 8-bar period in D minor (antecedent to a half cadence, consequent to the tonic)."""
    bi = [(62, 0, 1), (65, 1, 0.5), (64, 1.5, 0.5), (62, 2, 1), (69, 3, 1), (67, 4, 1), (65, 5, 1), (64, 6, 2)]
    ci = [(65, 8, 1), (67, 9, 0.5), (69, 9.5, 0.5), (70, 10, 1), (69, 11, 1), (69, 12, 3)]
    cons = [(p, s + 16, d) for p, s, d in bi] + [(65, 24, 1), (64, 25, 0.5), (65, 25.5, 0.5), (67, 26, 1),
                                                 (64, 27, 1), (62, 28, 4)]
    notes = [Note(p, s, d) for p, s, d in bi + ci + cons]
    return Score(parts=[Part("theme", "violin", 40, False, notes)], tempos=[(0.0, 100.0)], key="D minor")


@pytest.fixture(scope="module")
def lesson(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from assistant.cli.main import run

    tmp = tmp_path_factory.mktemp("lesson")
    theme_file = tmp / "theme.mid"
    _theme().to_midi(theme_file)
    rc = run(["lesson", str(theme_file), "--out", str(tmp / "out"), "--quiet"])
    assert rc == 0
    return tmp / "out" / "lesson.html"


def test_lesson_is_self_contained(lesson: Path) -> None:
    page = lesson.read_text(encoding="utf-8")
    # no external assets: every src/href is inline data
    refs = re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]+)""", page)
    assert refs and all(r.startswith("data:") for r in refs)
    assert "<script" not in page and "http://" not in page and "https://" not in page.replace("https://www.w3.org", "")
    assert page.count("<audio") == page.count("<section>") >= 8  # theme + transformations
    assert page.count("data:image/svg+xml;base64,") == page.count("<section>")
    for word in ("head motif", "Fragment", "Inversion", "Augmentation", "Recognisability"):
        assert word in page


def test_lesson_renders_in_headless_chromium(lesson: Path) -> None:
    if not Path(CHROMIUM).is_file() and shutil.which("chromium") is None:
        pytest.skip(f"{CHROMIUM} is not installed")
    pw = pytest.importorskip("playwright.sync_api")
    errors: list[str] = []
    failed: list[str] = []
    with pw.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium"),
                                    args=["--headless", "--no-sandbox", "--disable-gpu",
                                          "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("requestfailed", lambda r: failed.append(r.url[:80]))
        page.goto(lesson.as_uri())
        page.wait_for_load_state("load")
        imgs = page.eval_on_selector_all("img.notation", "els => els.map(e => [e.complete, e.naturalWidth])")
        durations = page.eval_on_selector_all(
            "audio", "els => Promise.all(els.slice(0, 2).map(a => new Promise(r => {"
                     " a.preload = 'auto'; a.onloadedmetadata = () => r(a.duration); a.onerror = () => r(-1);"
                     " a.load(); setTimeout(() => r(-2), 8000); })))")
        shot = lesson.parent / "lesson.png"
        page.screenshot(path=str(shot), full_page=False)
        browser.close()
    assert not errors, errors
    assert not failed, failed
    assert imgs and all(ok and w > 100 for ok, w in imgs)
    assert all(d > 1.0 for d in durations), durations  # the embedded audio decodes and plays
    assert shot.is_file() and shot.stat().st_size > 10_000
    out = Path(__file__).resolve().parents[1] / "out" / "test-artifacts"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, out / "lesson.png")
