"""The deliverables of one cue and of the whole film.

:func:`render_cue` turns a drafted cue (a multi-part :class:`~assistant.music.score.Score`
whose tempo map is the cue's) into, in ``out_dir`` (the pipeline gives each cue its own
folder)::

    <cue>.wav                    mix, 48 kHz 24-bit BWF, cue length to the frame + tail
    stems/<cue>_<section>.wav    one stem per section present; they sum to the mix
    <cue>.musicxml               full score (title, cue id, start TC, tempi, meters, marks)
    parts/<cue>_<part>.musicxml  parts, transposing instruments written transposed
    <cue>.pdf, parts/*.pdf       MuseScore 3's engraving when installed (within
                                 ``pdf_timeout_s``), else verovio's SVG pages as PDF
    <cue>-<page>.svg             verovio pages of the full score
    <cue>.click.wav / .click.mid click (count-in before the cue start, labelled)
    <cue>.streamers.csv          streamers and punches
    <cue>.review.mp4             with ``video=``: the mix over its picture segment

Every WAV carries a BWF time reference at the cue's start timecode (the click's at the
start of its count-in). ``files`` paths are relative to ``relative_to`` (default
``out_dir``), as manifest.json wants them. The report holds ``loudness_lufs`` and
``true_peak_dbtp`` (measured on the written mix) and the render's real-time factor.

:func:`render_film` adds the film-level files: the cue sheet (CSV + HTML), the reel
(every cue's mix at its place on the film's timeline, normalised to the same target)
and ``index.html``, which lists every file with its cue, duration and loudness and
plays the audio.
"""

from __future__ import annotations

import html
import logging
import os
import subprocess
import time
from dataclasses import dataclass, fields
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import InputError
from assistant.music.score import Score
from assistant.paths import safe_filename
from assistant.project import Cue, FilmProject, atomic_write_text
from assistant.render import audio as audio_mod
from assistant.render.audio import section_of
from assistant.render.loudness import apply_gain, integrated_lufs, normalise, target
from assistant.render.mix import duck_envelope, section_stems, sum_stems
from assistant.render.wav import read_audio, read_bwf, time_reference_samples, write_wav
from assistant.timecode import seconds_to_frames

log = logging.getLogger(__name__)


@dataclass
class RenderSettings:
    """What the render stage makes and how (units in the names; see the modules)."""

    sample_rate: int = audio_mod.DEFAULT_SAMPLE_RATE
    soundfont: str = ""  # "" = default_soundfont()
    tail_s: float = audio_mod.RELEASE_TAIL_S
    loudness_target: str = "ebu_r128"  # ebu_r128 | atsc_a85 | streaming
    duck_db: float = 3.0  # 1-6 dB under dialogue
    duck_ramp_s: float = 0.25
    pan: bool = True
    pan_width: float = 1.0
    reverb: bool = True
    reverb_wet_db: float = -18.0
    count_in_bars: int = 2
    streamer_s: float = 3.0
    stems: bool = True
    notation: bool = True
    pdf: bool = True  # MuseScore 3 when installed, else (or on failure) verovio SVG -> PDF
    pdf_timeout_s: float = 120.0  # MuseScore's budget from its start; then the fallback
    video: str = ""  # a picture file starting at the film's start timecode
    reel: bool = True
    contributors: str = ""  # contributors.json, or the project folder holding it
    # render_film's cue sheet lists the delivered cues (what a rights society wants);
    # True also writes planning_cue_sheet.csv/.html from the whole spotting list
    planning_sheet: bool = False

    def __post_init__(self) -> None:
        target(self.loudness_target)
        if not 1.0 <= float(self.duck_db) <= 6.0:
            raise InputError(f"duck_db {self.duck_db:g} must be 1-6 dB", field="duck_db")
        if not 0 <= float(self.tail_s) <= 30:
            raise InputError(f"tail_s {self.tail_s:g} must be 0-30 s", field="tail_s")
        if not 1 <= float(self.pdf_timeout_s) <= 3600:
            raise InputError(f"pdf_timeout_s {self.pdf_timeout_s:g} must be 1-3600 s",
                             field="pdf_timeout_s")
        if not 0 <= int(self.count_in_bars) <= 8:
            raise InputError("count_in_bars must be 0-8", field="count_in_bars")

    @classmethod
    def from_any(cls, value: RenderSettings | dict[str, Any] | None) -> RenderSettings:
        if value is None:
            return cls()
        if isinstance(value, RenderSettings):
            return value
        if not isinstance(value, dict):
            raise InputError("render settings must be an object", field="render")
        known = {f.name for f in fields(cls)}
        unknown = set(value) - known
        if unknown:
            raise InputError(f"unknown render setting(s) {sorted(unknown)}", field="render")
        return cls(**value)


def _rel(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)


def _round(x: float) -> float | None:
    return round(x, 2) if np.isfinite(x) else None


def cue_length_s(cue: Cue, project: FilmProject) -> Fraction:
    """The cue's length rounded to whole frames at the project rate (exact)."""
    rate = project.rate
    return Fraction(seconds_to_frames(Fraction(repr(cue.duration_s)), rate)) / rate.fps


def cue_start_tc(cue: Cue, project: FilmProject) -> str:
    return cue.start_tc or project.film_s_to_tc(cue.start_s)


def solution_from_score(score: Score, cue: Cue, project: FilmProject) -> Any:
    """A SyncSolution of the score's own tempo map measured against the cue's hits."""
    from assistant.sync.fit import evaluate, request_from_cue

    tm = audio_mod.score_tempo_map(score)
    m = tm.meters[0]
    req = request_from_cue(cue, project.rate, meter=(m.numerator, m.denominator))
    return evaluate(tm, req)


def mix_cue(score: Score, cue: Cue, project: FilmProject, settings: RenderSettings
            ) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, Any]]:
    """Render, seat, reverb, duck and normalise: ``(stems, mix, report)``."""
    sr = settings.sample_rate
    length_s = float(cue_length_s(cue, project)) + settings.tail_s
    t0 = time.perf_counter()
    parts = [p for p in score.parts if p.notes]
    sf = settings.soundfont or None
    rendered = [audio_mod.render_score(score, sample_rate=sr, soundfont=sf, parts=[p],
                                       length_s=length_s) for p in parts]
    render_s = time.perf_counter() - t0
    n = int(round(length_s * sr))
    if not parts:
        stems = {"strings": np.zeros((n, 2), np.float32)}
    else:
        stems = section_stems(parts, rendered, sr, pan=settings.pan, pan_width=settings.pan_width,
                              reverb=settings.reverb, reverb_wet_db=settings.reverb_wet_db)
    spans = [(d.start_s - cue.start_s, d.end_s - cue.start_s) for d in cue.dialogue]
    duck = duck_envelope(n, sr, spans, settings.duck_db, settings.duck_ramp_s)
    if spans:
        stems = {k: apply_gain(v, duck) for k, v in stems.items()}
    env, loud = normalise(sum_stems(stems), sr, settings.loudness_target)
    stems = {k: apply_gain(v, env) for k, v in stems.items()}
    mix = sum_stems(stems)
    report = {
        "loudness_lufs": _round(loud["loudness_lufs"]),  # None for a silent cue (valid JSON)
        "true_peak_dbtp": _round(loud["true_peak_dbtp"]),
        "loudness_target": settings.loudness_target, "loudness_on_target": loud["on_target"],
        "gain_db": loud["gain_db"], "limiter_db": loud["limited_db"],
        "duck_db": settings.duck_db if spans else 0.0, "dialogue_spans": len(spans),
        "duration_s": round(float(cue_length_s(cue, project)), 4), "tail_s": settings.tail_s,
        "wav_duration_s": round(n / sr, 4), "sections": sorted(stems),
        "synth_seconds": round(render_s, 3),
        "realtime_factor": round(length_s / max(render_s, 1e-6), 1),
        "total_seconds": round(time.perf_counter() - t0, 3),
        "soundfont": Path(sf or audio_mod.default_soundfont()).name,
        "vocal": any(section_of(p) == "voices" for p in parts),
    }
    return stems, mix, report


def render_cue(score: Score, cue: Cue, project: FilmProject, out_dir: str | Path, *,
               settings: RenderSettings | dict[str, Any] | None = None,
               solution: Any = None, relative_to: str | Path | None = None) -> dict[str, Any]:
    """Write the cue's deliverables (module docstring); returns ``{cue, files, report}``."""
    cfg = RenderSettings.from_any(settings)
    base = Path(relative_to) if relative_to else Path(out_dir)
    name = safe_filename(cue.id)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    rate, sr = project.rate, cfg.sample_rate
    start_tc = cue_start_tc(cue, project)
    end_tc = cue.end_tc or project.film_s_to_tc(cue.end_s)
    t0 = time.perf_counter()
    files: dict[str, Any] = {}
    notes_report: dict[str, Any] = {}
    finish_pdf = None
    if cfg.notation and score.parts:  # first, so MuseScore's PDFs render beside the audio
        notation_files, finish_pdf = _notation_files(score, cue, folder, name, start_tc, cfg,
                                                     base, notes_report)
        files.update(notation_files)
    try:
        stems, mix, report = mix_cue(score, cue, project, cfg)
    except BaseException:
        if finish_pdf is not None:
            finish_pdf(cancel=True)  # no MuseScore left running after a failed render
        raise
    if cfg.stems:  # for index.html; measured here, outside the audio render's timing
        report["stem_loudness_lufs"] = {k: _round(integrated_lufs(v, sr))
                                        for k, v in stems.items()}
    tref = time_reference_samples(start_tc, rate, sr)
    what = f"{cue.id} {cue.title!r} start {start_tc} @ {rate.label} fps, end {end_tc}"
    files["wav"] = _rel(write_wav(folder / f"{name}.wav", mix, sr, time_reference_samples=tref,
                                  description=f"{what}; mix + {cfg.tail_s:g} s tail",
                                  loudness_lufs=report["loudness_lufs"],
                                  true_peak_dbtp=report["true_peak_dbtp"]), base)
    if cfg.stems:
        files["stems"] = {sec: _rel(write_wav(folder / "stems" / f"{name}_{sec}.wav", a, sr,
                                              time_reference_samples=tref,
                                              description=f"{what}; stem {sec}"), base)
                          for sec, a in stems.items()}
    sol = solution if solution is not None else solution_from_score(score, cue, project)
    files.update(_sync_files(sol, cue, project, folder, name, start_tc, cfg, base))
    if finish_pdf is not None:
        files.update(finish_pdf())
    report.update(notes_report)
    if cfg.video:
        mp4 = mux_picture(Path(cfg.video), folder / f"{name}.wav", folder / f"{name}.review.mp4",
                          start_s=cue.start_s, duration_s=report["wav_duration_s"])
        files["review_mp4"] = _rel(mp4, base)
    report["deliver_seconds"] = round(time.perf_counter() - t0, 3)
    log.info("cue %s delivered: %s LUFS, %s dBTP", cue.id, report["loudness_lufs"],
             report["true_peak_dbtp"])
    return {"cue": cue.id, "title": cue.title, "base_dir": str(base.resolve()),
            "start_tc": start_tc, "end_tc": end_tc,
            "start_s": cue.start_s, "duration_s": report["duration_s"], "files": files,
            "report": report}


def _sync_files(sol: Any, cue: Cue, project: FilmProject, folder: Path, name: str,
                start_tc: str, cfg: RenderSettings, base: Path) -> dict[str, Any]:
    from assistant.sync.click import write_click_midi, write_click_wav
    from assistant.sync.streamers import write_streamers_csv

    rate = project.rate
    out: dict[str, Any] = {}
    mids = write_click_midi(sol, folder / f"{name}.click.mid", count_in_bars=cfg.count_in_bars,
                            start_tc=start_tc, fps=rate, cue_id=cue.id)
    out["click_midi"] = _rel(mids[0], base)
    if len(mids) > 1:
        out["click_warning_midi"] = _rel(mids[1], base)
    click = write_click_wav(sol, folder / f"{name}.click.wav", count_in_bars=cfg.count_in_bars,
                            sample_rate=cfg.sample_rate, start_tc=start_tc, fps=rate,
                            cue_id=cue.id)
    out["click_wav"] = _rel(Path(click["path"]), base)
    out["streamers"] = _rel(write_streamers_csv(
        sol, folder / f"{name}.streamers.csv", rate=rate, cue_start_s=cue.start_s,
        film_start_tc=project.start_tc, cue_id=cue.id, streamer_s=cfg.streamer_s), base)
    return out


def _notation_files(score: Score, cue: Cue, folder: Path, name: str, start_tc: str,
                    cfg: RenderSettings, base: Path, report: dict[str, Any]
                    ) -> tuple[dict[str, Any], Any]:
    """Score, parts and SVG pages; the PDFs are started in the background: returns the
    files and a finisher to call after the audio is done."""
    from assistant.render import notation, pages

    title = cue.title or cue.id
    out: dict[str, Any] = {}
    xml, parts = notation.write_score_and_parts(score, folder / f"{name}.musicxml",
                                                folder / "parts", title=title, cue_id=cue.id,
                                                start_tc=start_tc, stem=f"{name}_")
    out["musicxml"] = _rel(xml, base)
    out["parts"] = {k: _rel(v, base) for k, v in parts.items()}
    out["svg"] = [_rel(p, base) for p in pages.write_svg_pages(xml, folder / name)]
    job = None
    pairs = [(xml, folder / f"{name}.pdf")] + [(p, p.with_suffix(".pdf")) for p in parts.values()]
    if cfg.pdf and pages.mscore_binary() is not None:
        job = pages.PdfJob(pairs, timeout_s=cfg.pdf_timeout_s).start()

    def fallback(why: str) -> dict[str, Any]:
        """verovio's pages as PDF, for the score and every part."""
        from assistant.render import pdf as pdf_mod

        try:
            for src, dst in pairs:
                pdf_mod.musicxml_to_pdf(src, dst)
        except InputError as exc:
            lead = f"{why}; the" if why else "MuseScore 3 (mscore3) is not installed and the"
            report["pdf_note"] = f"{lead} SVG -> PDF fallback failed: {exc}"
            log.warning("cue %s: %s", cue.id, report["pdf_note"])
            return {}
        report["pdf_engine"] = "verovio"
        if why:
            report["pdf_note"] = f"{why}; PDF engraved by verovio instead"
        return _pdf_files()

    def _pdf_files() -> dict[str, Any]:
        return {"pdf": _rel(pairs[0][1], base),
                "parts_pdf": {k: _rel(p.with_suffix(".pdf"), base) for k, p in parts.items()}}

    def finish(cancel: bool = False) -> dict[str, Any]:
        if not cfg.pdf:
            return {}
        if job is None:
            return {} if cancel else fallback("")
        if cancel:
            job.cancel()
            return {}
        try:
            job.finish()
        except InputError as exc:
            log.warning("cue %s: MuseScore PDF failed (%s); falling back to verovio", cue.id, exc)
            return fallback(f"MuseScore failed: {exc}")
        report["pdf_engine"] = "musescore"
        return _pdf_files()

    return out, finish


def mux_picture(video: Path, wav: Path, out: Path, *, start_s: float, duration_s: float) -> Path:
    """The cue's picture segment (``start_s`` film seconds into ``video``) with the mix as
    its sound, H.264 + AAC, for review (imageio-ffmpeg's ffmpeg)."""
    import imageio_ffmpeg

    from assistant.storage import atomic_path

    if not video.is_file():
        raise InputError("video file not found", path=video, field="video")
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    with atomic_path(out) as tmp:
        cmd = [exe, "-y", "-loglevel", "error", "-ss", f"{start_s:.6f}", "-t", f"{duration_s:.6f}",
               "-i", str(video), "-i", str(wav), "-map", "0:v:0", "-map", "1:a:0",
               "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
               "-c:a", "aac", "-b:a", "192k", "-shortest", "-f", "mp4", str(tmp)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
        if proc.returncode != 0:
            raise InputError(f"ffmpeg could not mux the picture: {proc.stderr.strip()[-300:]}",
                             path=video, field="video")
    return out


# ----------------------------------------------------------------------------- the film
def render_film(project: FilmProject, cue_results: list[dict[str, Any]] | dict[str, Any], out_dir: str | Path, *,
                settings: RenderSettings | dict[str, Any] | None = None,
                contributors: Any = None, relative_to: str | Path | None = None
                ) -> dict[str, Any]:
    """Cue sheet (CSV + HTML), the reel WAV and index.html; returns ``{files, report}``.

    The cue sheet lists the cues that were rendered (a result with a mix WAV): a
    performing-rights cue sheet reports the music delivered, not the spotting list.
    ``settings.planning_sheet`` also writes ``planning_cue_sheet.csv/.html`` with every
    spotted cue, labelled "PLANNING ... do not file".

    ``cue_results`` are :func:`render_cue` results, a list or a dict by cue id (or
    manifest cue entries with ``id``, ``start_s``, ``files`` and ``report``); their
    paths are relative to their ``base_dir`` when they carry one, else to
    ``relative_to`` (default ``out_dir``). ``contributors`` defaults to the project
    folder's contributors.json when ``project_dir`` is given. ``contributors`` is a :class:`~assistant.render.contributors.Contributors`
    or a path (the file or the project folder); without it, ``settings.contributors``;
    without that, the defaults (every field "FILL IN"), and a ``contributors.template.json``
    to fill in and copy into the project folder is written beside the cue sheet.
    """
    from assistant.render import cuesheet
    from assistant.render.contributors import Contributors, load_contributors, write_template

    cfg = RenderSettings.from_any(settings)
    out = Path(out_dir)
    base = Path(relative_to) if relative_to else out
    out.mkdir(parents=True, exist_ok=True)
    if isinstance(cue_results, dict):
        cue_results = list(cue_results.values())
    contrib = contributors if isinstance(contributors, Contributors) else load_contributors(
        contributors or cfg.contributors or None)
    files: dict[str, str] = {}
    report: dict[str, Any] = {}
    voiced = {r.get("cue") or r.get("id"): bool(r.get("report", {}).get("vocal"))
              for r in cue_results}
    delivered = [cid for cid, r in ((r.get("cue") or r.get("id"), r) for r in cue_results)
                 if cid and (r.get("files") or {}).get("wav")]  # music that was rendered
    sheet = cuesheet.CueSheet.build(project, contrib, vocal=voiced, cue_ids=delivered)
    report["cue_sheet_problems"] = sheet.problems()
    report["cue_sheet_cues"] = [sc.cue.id for sc in sheet.cues]
    if not contrib.source:  # defaults: leave a template beside the sheet to fill in
        files["contributors_template"] = _rel(write_template(
            out / "contributors.template.json", project.title), base)
    atomic_write_text(out / "cue_sheet.csv", sheet.to_csv())
    atomic_write_text(out / "cue_sheet.html", sheet.to_html())
    files["cue_sheet_csv"] = _rel(out / "cue_sheet.csv", base)
    files["cue_sheet_html"] = _rel(out / "cue_sheet.html", base)
    if cfg.planning_sheet:  # every spotted cue, for planning; labelled not for filing
        plan = cuesheet.CueSheet.build(project, contrib, vocal=voiced, planning=True)
        atomic_write_text(out / "planning_cue_sheet.csv", plan.to_csv())
        atomic_write_text(out / "planning_cue_sheet.html", plan.to_html())
        files["planning_cue_sheet_csv"] = _rel(out / "planning_cue_sheet.csv", base)
        files["planning_cue_sheet_html"] = _rel(out / "planning_cue_sheet.html", base)
    if cfg.reel and cue_results:
        reel_path, reel_report = write_reel(project, cue_results, base, out / "reel.wav", cfg)
        files["reel_wav"] = _rel(reel_path, base)
        report["reel"] = reel_report
    index = write_index(project, cue_results, files, base, out / "index.html", report)
    files["index_html"] = _rel(index, base)
    return {"files": files, "report": report}


def write_reel(project: FilmProject, cue_results: list[dict[str, Any]], base: Path, path: Path,
               cfg: RenderSettings) -> tuple[Path, dict[str, Any]]:
    """Every cue's mix placed on the film timeline (film start to the last sound),
    normalised to the loudness target; BWF time reference at the film's start TC."""
    sr = cfg.sample_rate
    placed = []
    end = 0
    for r in cue_results:
        wav = (r.get("files") or {}).get("wav")
        if not wav:
            continue
        src = _base_of(r, base) / wav
        a, rate = read_audio(src)
        if rate != sr:
            raise InputError(f"cue WAV at {rate} Hz, reel at {sr} Hz", path=src)
        start = int(round(float(r["start_s"]) * sr))
        placed.append((start, a))
        end = max(end, start + a.shape[0])
    reel = np.zeros((end, 2), dtype=np.float32)
    for start, a in placed:
        reel[start:start + a.shape[0], :a.shape[1]] += a[:, :2]
    env, loud = normalise(reel, sr, cfg.loudness_target)
    reel = apply_gain(reel, env)
    tref = time_reference_samples(project.start_tc, project.rate, sr)
    write_wav(path, reel, sr, time_reference_samples=tref,
              description=f"{project.title}: all cues at film position from {project.start_tc}",
              loudness_lufs=_round(loud["loudness_lufs"]),
              true_peak_dbtp=_round(loud["true_peak_dbtp"]))
    return path, {"loudness_lufs": _round(loud["loudness_lufs"]),
                  "true_peak_dbtp": _round(loud["true_peak_dbtp"]),
                  "loudness_on_target": loud["on_target"], "duration_s": round(end / sr, 3)}


def _base_of(result: dict[str, Any], default: Path) -> Path:
    return Path(result["base_dir"]) if result.get("base_dir") else default


def _walk_files(value: Any, cue: str, label: str) -> list[tuple[str, str, str]]:
    if isinstance(value, str):
        return [(cue, label, value)]
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in _walk_files(v, cue, f"{label} {k}")]
    if isinstance(value, list):
        return [x for i, v in enumerate(value) for x in _walk_files(v, cue, f"{label} {i + 1}")]
    return []


def _wav_facts(path: Path, report: dict[str, Any], label: str
               ) -> tuple[float | None, float | None, float | None]:
    """(duration_s, loudness_lufs, true_peak_dbtp) of a listed WAV: the duration from its
    header, the loudness from the render report (mix, stems, reel), else from its bext."""
    info = read_bwf(path)
    dur = info.get("duration_s")
    parts = label.split()
    if parts and parts[0] == "stems" and len(parts) > 1:
        return dur, (report.get("stem_loudness_lufs") or {}).get(parts[1]), None
    if parts and parts[0] in ("wav", "reel_wav"):
        return dur, report.get("loudness_lufs"), report.get("true_peak_dbtp")
    return dur, info.get("loudness_lufs"), info.get("true_peak_dbtp")


def write_index(project: FilmProject, cue_results: list[dict[str, Any]], film_files: dict[str, str],
                base: Path, path: Path, film_report: dict[str, Any]) -> Path:
    """index.html: every file with its cue, duration and loudness; audio plays inline."""
    rows = []
    for r in cue_results:
        cid = r.get("cue") or r.get("id") or ""
        rows += [(c, k, _base_of(r, base) / v, r.get("report") or {})
                 for c, k, v in _walk_files(r.get("files") or {}, cid, "")]
    rows += [(c, k, base / v, film_report.get("reel") or {})
             for c, k, v in _walk_files(film_files, "film", "") if v != _rel(path, base)]
    rows.append(("film", "index_html", path, {}))
    lines = []
    for cue, label, p, rep in rows:
        dur = lufs = tp = None
        if p.suffix.lower() == ".wav" and p.is_file():
            dur, lufs, tp = _wav_facts(p, rep, label.strip())
        link = os.path.relpath(p.resolve(), path.parent.resolve())
        rel = _rel(p, base)
        player = (f'<audio controls preload="none" src="{html.escape(link)}"></audio>'
                  if p.suffix.lower() == ".wav" else "")
        lines.append(
            f"<tr><td>{html.escape(cue)}</td><td>{html.escape(label.strip())}</td>"
            f'<td><a href="{html.escape(link)}">{html.escape(rel)}</a></td>'
            f"<td>{'' if dur is None else f'{dur:.2f} s'}</td>"
            f"<td>{'' if lufs is None else f'{lufs:.1f} LUFS'}</td>"
            f"<td>{'' if tp is None else f'{tp:.1f} dBTP'}</td><td>{player}</td></tr>")
    problems = film_report.get("cue_sheet_problems") or []
    warn = ("<p class='warn'>Cue sheet: " + "; ".join(html.escape(p) for p in problems) + "</p>"
            if problems else "<p>Cue sheet validates.</p>")
    doc = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(project.title)} - deliverables</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}}.warn{{color:#a00}}</style>
</head><body>
<h1>{html.escape(project.title)}</h1>
<p>{len(cue_results)} cue(s), {html.escape(project.rate.label)} fps, film starts {html.escape(project.start_tc)}.
Every WAV is a Broadcast Wave file stamped with its start timecode.</p>
{warn}
<table><tr><th>cue</th><th>kind</th><th>file</th><th>duration</th><th>loudness</th>
<th>true peak</th><th>listen</th></tr>
{chr(10).join(lines)}
</table></body></html>
"""
    atomic_write_text(path, doc)
    return path

