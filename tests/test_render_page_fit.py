"""A full-orchestra system fits its page: verovio never splits a system across pages, and one
taller than the page ran off its bottom (1M10's harp, cellos and basses were lost from the SVG
pages the studio and index.html show)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.music.score import Note, Part, Score
from assistant.render import notation, pages

PROGRAMS = [72, 73, 68, 71, 70, 60, 56, 57, 58, 47, 40, 40, 41, 42, 43, 46, 0]


def _orchestra(n_parts: int) -> Score:
    parts = []
    for i in range(n_parts):
        prog = PROGRAMS[i % len(PROGRAMS)]
        base = 48 if prog in (70, 57, 58, 42, 43, 47) else 67
        notes = [Note(base + (b % 5), float(b), 1.0, 90) for b in range(16)]
        parts.append(Part(f"p{i}", f"inst{i}", prog, False, notes))
    return Score(parts=parts, meters=[(0.0, 4, 4)], key="C major")


def _overflow(svg: str) -> float:
    """How far the music reaches below the page (0 when it fits), in verovio's units."""
    h = float(re.search(r'class="definition-scale"[^>]*viewBox="0 0 \d+ (\d+)"', svg).group(1))
    margin = float(re.search(r'class="page-margin" transform="translate\(\d+, (\d+)\)"', svg).group(1))
    ys = [float(y) for y in re.findall(r'd="M\d+ (\d+)', svg)]
    return max(0.0, margin + max(ys) - h)


@pytest.mark.parametrize("n_parts", [4, 17])
def test_every_staff_of_a_system_is_on_its_page(n_parts: int, tmp_path: Path) -> None:
    xml = notation.write_musicxml(_orchestra(n_parts), tmp_path / "s.musicxml", title="fit")
    text = xml.read_text(encoding="utf-8")
    pages = notation.svg_pages(xml)
    assert all(_overflow(p) == 0 for p in pages)
    staves = len(re.findall(r'class="staff"', pages[0]))
    bars = len(re.findall(r'class="measure"', pages[0]))
    assert staves == n_parts * bars  # every part is drawn in every bar of the page
    if n_parts <= notation.STAVES_PER_PAGE:
        assert notation.page_options(text) == notation.PAGE_OPTIONS  # small scores keep A4 as it was


def test_without_the_fit_a_big_system_runs_off_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xml = notation.write_musicxml(_orchestra(17), tmp_path / "s.musicxml", title="fit")
    monkeypatch.setattr(pages, "page_options", lambda _t: dict(notation.PAGE_OPTIONS))
    assert any(_overflow(p) > 0 for p in notation.svg_pages(xml, fit_height=False))
