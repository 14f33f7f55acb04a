"""The page pass: MusicXML to engraved pages (SVG through verovio, PDF through MuseScore 3
when installed, PNG through headless Chromium for looking at a page).

One job: lay a written MusicXML score out on pages. A4 pages (:data:`PAGE_OPTIONS`); a
score of more than :data:`STAVES_PER_PAGE` staves is engraved smaller so a full system
still fits (:func:`page_options`). verovio runs with a fixed ``xmlIdSeed`` so the same
MusicXML gives the same SVG, and its toolkit works from any thread (:func:`toolkit`).
:mod:`assistant.render.notation` re-exports these names for its callers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from assistant.errors import InputError
from assistant.project import atomic_write_bytes, atomic_write_text

XML_ID_SEED = 1


PAGE_OPTIONS = {"pageWidth": 2100, "pageHeight": 2970, "scale": 35}  # A4, tenths of mm
#: staves one system holds on an A4 page at PAGE_OPTIONS' scale (a title and tempo mark above)
STAVES_PER_PAGE = 12


def page_options(musicxml_text: str) -> dict[str, int]:
    """verovio's page options for a score: :data:`PAGE_OPTIONS` for up to
    :data:`STAVES_PER_PAGE` staves; for more, the music is engraved smaller on the same A4
    page (a lower ``scale`` over a proportionally larger page in verovio's units), so a
    full-orchestra system still fits: verovio never splits a system across pages, and one
    taller than the page runs off its bottom, losing the lowest staves; so such a score's
    pages are as tall as their music (``adjustPageHeight``)."""
    staves = musicxml_text.count("<score-part ")
    staves += sum(int(n) - 1 for n in re.findall(r"<staves>(\d+)</staves>", musicxml_text)[:staves])
    base = int(PAGE_OPTIONS["scale"])
    if staves <= STAVES_PER_PAGE:
        return dict(PAGE_OPTIONS)
    scale = max(15, base * STAVES_PER_PAGE // staves)
    # a page as tall as its music: a system still taller than the page is never cut off
    return {"scale": scale, "pageWidth": PAGE_OPTIONS["pageWidth"] * base // scale,
            "pageHeight": PAGE_OPTIONS["pageHeight"] * base // scale, "adjustPageHeight": True}


def verovio_data_path() -> str:
    """verovio's bundled resources (music fonts, glyph tables) inside its wheel."""
    from importlib.resources import files

    return str(files("verovio") / "data")


def toolkit():
    """A verovio toolkit that works in any thread, with the fixed ``xmlIdSeed``.

    verovio keeps its default resource path per thread and sets it only in the thread
    that imported the module; a toolkit made in another thread (a studio worker, a
    ThreadPoolExecutor) cannot load any data. So every toolkit gets the path explicitly.
    """
    import verovio

    verovio.enableLog(verovio.LOG_OFF)
    tk = verovio.toolkit(False)  # without the (per-thread) default resources
    if not tk.setResourcePath(verovio_data_path()):
        raise InputError("verovio's resource folder is missing; reinstall verovio",
                         field="verovio")
    tk.setOptions({"xmlIdSeed": XML_ID_SEED, **PAGE_OPTIONS, "breaks": "auto",
                   "footer": "none", "header": "auto", "adjustPageHeight": False})
    return tk


def svg_pages(musicxml: str | Path, *, fit_height: bool | None = None) -> list[str]:
    """Every page of ``musicxml`` (a path or the text) as SVG, rendered by verovio.

    Pages are A4 (a full cue score stays paginated, as players and a PDF want it). A
    short score that fits on one page (a theme, a sketch) is cropped to its music
    (verovio's ``adjustPageHeight``) instead of trailing a blank A4 page; ``fit_height``
    True/False forces either. Safe to call from any thread.
    """
    text = musicxml
    if isinstance(musicxml, Path) or (isinstance(musicxml, str) and "<" not in musicxml[:200]):
        p = Path(musicxml)
        if not p.is_file():
            raise InputError("MusicXML file not found", path=p)
        text = p.read_text(encoding="utf-8")
    tk = toolkit()
    tk.setOptions(page_options(str(text)))
    if fit_height:
        tk.setOptions({"adjustPageHeight": True})
    if not tk.loadData(str(text)):
        raise InputError("verovio could not read the MusicXML", field="musicxml")
    if fit_height is None and tk.getPageCount() == 1:
        tk.setOptions({"adjustPageHeight": True})
        tk.redoLayout()
    return [tk.renderToSVG(i) for i in range(1, tk.getPageCount() + 1)]


def write_svg_pages(musicxml: str | Path, out_stem: str | Path, *,
                    fit_height: bool | None = None) -> list[Path]:
    """Write ``<out_stem>-<page>.svg`` for every page; returns the paths."""
    stem = Path(out_stem)
    paths = []
    for i, svg in enumerate(svg_pages(musicxml, fit_height=fit_height), start=1):
        p = stem.with_name(f"{stem.name}-{i}.svg")
        atomic_write_text(p, svg)
        paths.append(p)
    return paths


def mscore_binary() -> str | None:
    """MuseScore's command line (mscore3, mscore, musescore) when installed."""
    for name in ("mscore3", "mscore", "musescore3", "musescore"):
        found = shutil.which(name)
        if found:
            return found
    return None


class PdfJob:
    """One MuseScore run converting ``(musicxml, pdf)`` pairs, started in the background
    (:meth:`start`) so the audio can render meanwhile; :meth:`finish` waits and moves the
    PDFs into place. Raises InputError naming MuseScore when it is missing or fails, or
    when it runs past ``timeout_s`` counted from :meth:`start` (it is then killed)."""

    def __init__(self, jobs: list[tuple[Path, Path]], timeout_s: float = 600) -> None:
        self.jobs = list(jobs)
        self.timeout_s = timeout_s
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._started = 0.0

    def start(self) -> PdfJob:
        exe = mscore_binary()
        if exe is None:
            raise InputError("MuseScore 3 (mscore3) is not installed; PDF needs it "
                             "(scripts/install-system-deps.sh installs it)", field="pdf")
        if not self.jobs:
            return self
        self._tmp = tempfile.TemporaryDirectory(prefix="mscore-")
        tmp = Path(self._tmp.name)
        job = tmp / "job.json"
        job.write_text(json.dumps([{"in": str(src.resolve()), "out": str(tmp / f"{i}.pdf")}
                                   for i, (src, _) in enumerate(self.jobs)]))
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp))  # its settings
        self._started = time.monotonic()
        self._proc = subprocess.Popen([exe, "-j", str(job)], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True)
        return self

    def cancel(self) -> None:
        """Stop MuseScore and remove its temporary folder (after an error elsewhere)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.communicate()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        self._proc = None

    def finish(self) -> list[Path]:
        if self._proc is None or self._tmp is None:
            return []
        try:
            try:
                left = self.timeout_s - (time.monotonic() - self._started)
                output, _ = self._proc.communicate(timeout=max(0.01, left))
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.communicate()
                raise InputError(f"MuseScore took over {self.timeout_s:g} s", field="pdf") from None
            tmp = Path(self._tmp.name)
            made = []
            for i, (src, dst) in enumerate(self.jobs):
                o = tmp / f"{i}.pdf"
                if not o.is_file() or o.stat().st_size == 0:
                    raise InputError(f"MuseScore could not convert it (exit "
                                     f"{self._proc.returncode}: {(output or '').strip()[-300:]})",
                                     path=src)
                atomic_write_bytes(dst, o.read_bytes())
                made.append(dst)
            return made
        finally:
            self._tmp.cleanup()
            self._tmp = None


def to_pdf(jobs: list[tuple[Path, Path]], *, timeout_s: float = 600) -> list[Path]:
    """Convert ``(musicxml, pdf)`` pairs with one MuseScore run; returns the PDFs made."""
    return PdfJob(jobs, timeout_s).start().finish()


def svg_to_png(svg: str, path: str | Path, *, width: int = 1400) -> Path:
    """Rasterise one SVG page with headless Chromium (for looking at a page); returns path."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        raise InputError("chromium is not installed; cannot rasterise SVG", field="png")
    out = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="svg-") as tmp:
        html = Path(tmp) / "page.html"
        html.write_text("<html><head><meta charset='utf-8'></head>"  # SMuFL glyphs, dashes
                        "<body style='margin:0;background:white'>"
                        f"<div style='width:{width}px'>{svg}</div></body></html>",
                        encoding="utf-8")
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                        f"--screenshot={out}", f"--window-size={width},{int(width * 1.414)}",
                        html.as_uri()], capture_output=True, timeout=120, check=False)
    if not out.is_file():
        raise InputError("chromium did not write the PNG", path=out)
    return out

