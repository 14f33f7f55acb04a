"""PDF of a score without MuseScore: verovio's SVG pages drawn into one PDF with cairosvg.

MuseScore's engraving is preferred when ``mscore3`` is installed
(:class:`assistant.render.pages.PdfJob`); this is the fallback that always works
where the Python dependencies are installed (cairosvg needs the system's libcairo2,
which every desktop Linux, macOS Homebrew and the CI image carry). Each verovio page
becomes one PDF page scaled to A4 width (210 mm); a short score's page keeps its
cropped height. Nothing is fetched: cairosvg runs with external resources refused.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

from assistant.errors import InputError
from assistant.project import atomic_write_bytes

log = logging.getLogger(__name__)

A4_WIDTH_IN = 210 / 25.4
# cairo draws text without per-glyph font fallback: verovio's SMuFL text glyphs (tempo
# mark notes in the Leipzig font, which is not a system font) and the music signs in
# text (instrument names "in B♭") are redrawn with DejaVu Serif, which has them.
TEXT_FONT = "DejaVu Serif"
SMUFL_TEXT = {"\ueca2": "\U0001d15d", "\ueca3": "\U0001d15e", "\ueca4": "\U0001d15e",
              "\ueca5": "\u2669", "\ueca6": "\u2669", "\ueca7": "\u266a", "\ueca8": "\u266a",
              "\uecb7": ".", "\ue260": "\u266d", "\ue261": "\u266e", "\ue262": "\u266f"}
_LEIPZIG_TSPAN = re.compile(r'(<tspan[^>]*font-family=")Leipzig("[^>]*>)([^<]*)(</tspan>)')
_SIGN_CHARS = "\u2669\u266a\u266d\u266e\u266f"
_SIGNS = re.compile(rf"<tspan((?:(?!font-family)[^>])*)>([^<]*[{_SIGN_CHARS}][^<]*)</tspan>")


def available() -> str | None:
    """None when SVG -> PDF works here, else why not (one line)."""
    try:
        import cairosvg  # noqa: F401
    except (ImportError, OSError) as exc:  # OSError: libcairo2 missing
        return f"cairosvg is unavailable ({exc})"
    return None


def _printable(svg: str) -> str:
    """``svg`` with SMuFL text glyphs mapped to Unicode music signs, and every text span
    holding such a sign set in TEXT_FONT."""
    def leipzig(m: re.Match[str]) -> str:
        text = "".join(SMUFL_TEXT.get(c, c) for c in m.group(3))
        head = re.sub(r'font-size="(\d+)px"',  # a text sign is drawn larger than SMuFL's
                      lambda f: f'font-size="{int(f.group(1)) * 3 // 4}px"', m.group(2))
        return f"{m.group(1)}{TEXT_FONT}{head}{text}{m.group(4)}"

    def signs(m: re.Match[str]) -> str:  # the whole span: cairosvg skips nested spans
        return f'<tspan font-family="{TEXT_FONT}"{m.group(1)}>{m.group(2)}</tspan>'

    return _SIGNS.sub(signs, _LEIPZIG_TSPAN.sub(leipzig, svg))


def svg_pages_to_pdf(pages: list[str], path: str | Path) -> Path:
    """Write ``pages`` (SVG documents, e.g. :func:`assistant.render.pages.svg_pages`) as one PDF,
    a page each, scaled to A4 width; returns ``path``."""
    if not pages:
        raise InputError("no SVG pages to write as PDF", path=Path(path), field="pdf")
    why = available()
    if why:
        raise InputError(why, field="pdf")
    import cairocffi
    from cairosvg.parser import Tree
    from cairosvg.surface import PDFSurface

    buf = io.BytesIO()
    shared: dict[str, object] = {}

    class _Page(PDFSurface):  # every page drawn on one cairo PDF surface
        def _create_surface(self, width: float, height: float):  # noqa: ANN202
            surface = shared.get("s")
            if surface is None:
                surface = shared["s"] = cairocffi.PDFSurface(buf, width, height)
            else:
                surface.set_size(width, height)
            return surface, width, height

    for i, svg in enumerate(pages, start=1):
        try:
            tree = Tree(bytestring=_printable(svg).encode("utf-8"), unsafe=False)
            width_px = float(str(tree.get("width", "0")).removesuffix("px") or 0)
            dpi = width_px / A4_WIDTH_IN if width_px > 0 else 96
            page = _Page(tree, None, dpi)
        except (ValueError, TypeError, KeyError) as exc:
            raise InputError(f"SVG page {i} could not be drawn as PDF: {exc}",
                             path=Path(path), field="pdf") from exc
        page.cairo.show_page()
    shared["s"].finish()  # type: ignore[attr-defined]
    atomic_write_bytes(Path(path), buf.getvalue())
    return Path(path)


def musicxml_to_pdf(musicxml: str | Path, path: str | Path) -> Path:
    """The verovio engraving of ``musicxml`` as a PDF (paginated A4; a one-page score
    cropped to its music)."""
    from assistant.render.notation import svg_pages

    return svg_pages_to_pdf(svg_pages(musicxml), path)
