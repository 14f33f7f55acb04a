"""Notation pages and PDF: verovio from any thread, short scores cropped, full scores
paginated, and the SVG -> PDF fallback that needs no MuseScore."""

from __future__ import annotations

import re
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant.music.score import Note, Part, Score
from assistant.render.notation import svg_pages, write_musicxml
from assistant.render.pdf import available, svg_pages_to_pdf


def theme() -> Score:
    """An 8-bar melody: a theme sheet's worth."""
    return Score(parts=[Part("Oboe", "oboe", 68, notes=[
        Note(62 + [0, 2, 3, 5, 7, 5, 3, 2][i % 8], i * 1.0, 1.0, 72) for i in range(32)])],
        tempos=[(0.0, 72.0)], meters=[(0.0, 4, 4)], key="D minor")


def long_cue() -> Score:
    """Six staves, 48 bars: more than one A4 page."""
    parts = [Part(name, prog, p, notes=[Note(base + (i * 3) % 7, i * 1.0, 1.0, 80)
                                      for i in range(192)])
             for name, prog, p, base in (("Flute", "flute", 73, 72), ("Clarinet", "clarinet", 71, 65),
                                         ("Horn", "horn", 60, 55), ("Violins", "violin", 40, 67),
                                         ("Violas", "viola", 41, 55), ("Celli", "cello", 42, 43))]
    return Score(parts=parts, tempos=[(0.0, 100.0)], meters=[(0.0, 4, 4)], key="C")


def _size(svg: str) -> tuple[float, float]:
    m = re.search(r'<svg[^>]*width="([\d.]+)px" height="([\d.]+)px"', svg)
    assert m, svg[:200]
    return float(m.group(1)), float(m.group(2))


def test_svg_pages_work_in_a_worker_thread(tmp_path):
    xml = write_musicxml(theme(), tmp_path / "t.musicxml", title="Theme")
    here = svg_pages(xml)
    with ThreadPoolExecutor(max_workers=2) as pool:  # threads that never imported verovio
        there = [f.result() for f in [pool.submit(svg_pages, xml) for _ in range(2)]]
    assert there[0] == here and there[1] == here  # same engraving, fixed xmlIdSeed
    assert "<use" in here[0] and "Oboe" in here[0]


def test_short_score_is_cropped_full_score_stays_a4(tmp_path):
    short = svg_pages(write_musicxml(theme(), tmp_path / "t.musicxml", title="Theme"))
    assert len(short) == 1
    w, h = _size(short[0])
    assert h < 0.6 * w  # 2 systems of one staff, not an A4 page (h = 1.414 w)
    a4 = svg_pages(write_musicxml(theme(), tmp_path / "t.musicxml", title="Theme"),
                   fit_height=False)
    assert _size(a4[0])[1] == pytest.approx(w * 297 / 210, rel=0.01)
    full = svg_pages(write_musicxml(long_cue(), tmp_path / "c.musicxml", title="Cue"))
    assert len(full) >= 2
    for page in full[:-1]:  # every page but the last is a full A4 page
        pw, ph = _size(page)
        assert ph == pytest.approx(pw * 297 / 210, rel=0.01)


def _pdf_pages(data: bytes) -> list[tuple[float, float]]:
    assert data[:5] == b"%PDF-"
    return [(float(a), float(b)) for a, b in
            re.findall(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", data)]


@pytest.mark.skipif(available() is not None, reason=str(available()))
def test_svg_to_pdf_one_a4_page_per_svg_page_with_the_music(tmp_path):
    xml = write_musicxml(long_cue(), tmp_path / "c.musicxml", title="Cue in B\u266d",
                         cue_id="2M3", start_tc="01:02:03:04")
    pages = svg_pages(xml)
    out = svg_pages_to_pdf(pages, tmp_path / "c.pdf")
    data = out.read_bytes()
    boxes = _pdf_pages(data)
    assert len(boxes) == len(pages) >= 2
    assert boxes[0][0] == pytest.approx(595.28, abs=1.0)  # A4 width in points
    assert boxes[0][1] == pytest.approx(841.89, abs=2.0)  # a full page is A4
    # drawn, not blank: every page's content stream has the many glyph paths of a score
    streams = [zlib.decompress(m.group(1)) for m in
               re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S)
               if m.group(1)[:2] in (b"x\x9c", b"x\xda", b"x^")]
    assert sum(s.count(b" c\n") + s.count(b" l\n") for s in streams) > 1000
    assert (out.stat().st_mode & 0o777) == 0o644


def test_pdf_text_has_no_glyphs_only_a_music_font_has(tmp_path):
    """cairo has no per-glyph font fallback: the tempo mark's SMuFL note and the flat of
    "in B-flat" are drawn with a system font that has them."""
    from assistant.render.pdf import TEXT_FONT, _printable

    sc = theme()
    sc.parts[0] = Part("Clarinet", "clarinet", 71, notes=sc.parts[0].notes)
    svg = svg_pages(write_musicxml(sc, tmp_path / "t.musicxml", title="Theme"))[0]
    assert re.search("[\ue000-\uf8ff]", svg)  # verovio's text uses the Leipzig font
    out = _printable(svg)
    assert not re.search("[\ue000-\uf8ff]", out) and 'font-family="Leipzig"' not in out
    assert "\u2669" in out  # the tempo mark's quarter note
    assert re.search(rf'font-family="{TEXT_FONT}"[^>]*>[^<]*B\u266d', out)
