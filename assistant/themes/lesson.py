"""The educator's lesson: one self-contained HTML page on a theme and its development.

For the theme and each transformation (the development plan's appearances of the subject,
or a standard teaching set for a bare theme file) the page shows:

* the notation as SVG (verovio via :func:`assistant.render.pages.svg_pages`, fixed
  ``xmlIdSeed``), embedded as a ``data:image/svg+xml`` image so the ids of one example never
  collide with another's;
* an audio player with the rendered audio (:func:`assistant.render.audio.render_score`),
  embedded as a ``data:`` URI (Ogg Opus through the bundled ffmpeg, else a 22.05 kHz WAV);
* the cue where it appears (id, title, function, mood, weight, intensity);
* what changed musically and what that does dramatically, in one or two sentences, with the
  variation's recognisability against the theme (:func:`assistant.themes.ops.recognisability`).

Nothing on the page points outside it: no scripts, fonts, styles or media from elsewhere.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import subprocess
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.music.score import Score
from assistant.project import atomic_write_text

log = logging.getLogger(__name__)

#: transformation -> (what changes musically, what it does dramatically)
EXPLAIN: dict[str, tuple[str, str]] = {
    "statement": ("The theme as written: its head motif, its phrase and its cadence.",
                  "A full statement names the subject for the audience; later versions are heard against it."),
    "fragment": ("Only the head motif is left: a few notes instead of the whole phrase.",
                 "A fragment is a memory or a hint: the subject is near, unfinished, or not yet itself."),
    "sequence": ("The head motif climbs step by step in sequence.",
                 "Rising sequences build pressure and expectation: something is coming."),
    "sequence_down": ("The head motif sinks step by step in sequence.", "A falling sequence deflates: loss, fatigue, retreat."),
    "minor": ("The same scale degrees in the minor mode: the third and sixth are lowered.",
              "The tune is still recognisable, but darkened: the subject in trouble or grief."),
    "major": ("The same scale degrees in the major mode.", "Brightening a minor theme turns it toward hope or victory."),
    "dorian": ("The dorian mode: minor, with a raised sixth.", "A modal, folk-like colour: old, weathered, not tragic."),
    "phrygian": ("The phrygian mode: minor with a lowered second.", "The flat second sounds dark and foreign: menace."),
    "lydian": ("The lydian mode: major with a raised fourth.", "The raised fourth floats: wonder, magic, the sky."),
    "mixolydian": ("The mixolydian mode: major with a lowered seventh.", "Open, earthy, heroic in a rough way."),
    "inversion": ("Every interval is turned upside down within the scale.",
                  "The same subject seen in a mirror: a reversal, an opponent, a changed heart."),
    "chromatic_inversion": ("Every interval is mirrored exactly, semitone for semitone.",
                            "A distorted mirror: the subject corrupted or threatened."),
    "retrograde": ("The notes are played backwards.", "Time running backwards: memory, undoing, a puzzle."),
    "augmentation": ("Every note value is doubled; the pitches stay.", "Slowed down, the theme becomes solemn, grand or elegiac."),
    "diminution": ("Every note value is halved; the pitches stay.", "Sped up, the theme becomes urgent, nervous or playful."),
    "displacement": ("The rhythm is shifted off the beat against the bar lines.",
                     "Off-balance accents unsettle: the subject is thrown."),
    "triumphant": ("Reharmonised with a flat-six, flat-seven, tonic cadence over a march.",
                   "The heroic borrowed-chord cadence of film music: arrival, victory."),
    "tense_pedal": ("A held dominant pedal under the harmony.", "The bass refuses to move: suspense, waiting, danger."),
    "chromatic_mediant": ("A chord a major third away replaces a diatonic one.",
                          "A sudden shift of light: awe, wonder, the uncanny."),
    "march": ("Dotted rhythms and accents in 4/4 over a bass-chord march.", "Resolve and collective purpose."),
    "waltz": ("In 3/4 with a long downbeat over oom-pah-pah.", "A dance: intimacy, nostalgia, a remembered past."),
    "lullaby": ("Slow, soft and legato in a rocking metre.", "Tenderness and safety; or a childhood memory."),
    "chorale": ("One note a beat over block chords, slowly.", "A hymn: dignity, mourning, reverence."),
    "scherzo": ("Fast, light and staccato in 3/4.", "A joke: mischief and quick wit."),
    "register_up": ("Moved an octave higher.", "Higher and lighter: hope, youth, the sky."),
    "register_down": ("Moved an octave lower.", "Lower and heavier: gravity, threat, the depths."),
}
TEACHING_SET = ("statement", "fragment", "sequence", "{other_mode}", "inversion", "augmentation",
                "{dance}", "triumphant", "tense_pedal")


@dataclass
class LessonItem:
    title: str
    spec: str
    score: Score
    label: str
    cue: dict[str, Any] | None
    text: str
    recognisability: float | None


def _explain(spec: str) -> str:
    parts = [EXPLAIN.get(x.strip(), (f"Transformed: {x}.", "")) for x in spec.split("+") if x.strip()]
    musical = " ".join(p[0] for p in parts)
    dramatic = parts[-1][1] if parts else ""
    return f"{musical} {dramatic}".strip()


def teaching_items(theme: Score) -> list[tuple[str, str, dict[str, Any] | None]]:
    """The standard transformations for a theme with no film: (title, spec, cue=None)."""
    from assistant.themes.ops import key_of

    _, mode = key_of(theme)
    other = "major" if mode in ("minor", "dorian", "phrygian", "aeolian", "harmonic_minor") else "minor"
    dance = "march" if theme.meters and theme.meters[0][1] == 3 else "waltz"
    out = []
    for spec in TEACHING_SET:
        spec = spec.format(other_mode=other, dance=dance)
        out.append((spec.replace("_", " ").capitalize(), spec, None))
    return out


def plan_items(plan: Any, subject: str, project: Any = None) -> list[tuple[str, str, dict[str, Any] | None]]:
    """The subject's appearances in the development plan: (title, spec, cue info)."""
    out: list[tuple[str, str, dict[str, Any] | None]] = [("The theme", "statement", None)]
    moods = {c.id: c.mood for c in project.cues} if project is not None else {}
    for r in plan.rows:
        if subject not in r["themes"]:
            continue
        m = moods.get(r["cue"])
        info = {"cue": r["cue"], "title": r.get("title", ""), "function": r.get("function"),
                "role": r["roles"].get(subject, ""), "intensity": r["intensity"], "weight": r["weight"],
                "mood": ", ".join(m.tags) if m is not None and m.tags else "",
                "others": [t for t in r["themes"] if t != subject]}
        out.append((f"{r['cue']} {r.get('title', '')}".strip(), r["transformations"][subject], info))
    return out


def build_items(theme: Score, entries: list[tuple[str, str, dict[str, Any] | None]]) -> list[LessonItem]:
    from assistant.themes.ops import apply, recognisability

    items = []
    for title, spec, cue in entries:
        sc, label = apply(theme, spec)
        rec = None if spec == "statement" else recognisability(theme, sc)
        text = _explain(spec)
        if cue:
            others = f", with {', '.join(cue['others'])}" if cue.get("others") else ""
            text = (f"In {cue['cue']} ({(cue.get('function') or 'cue').replace('_', ' ')}"
                    f"{'; ' + cue['mood'] if cue.get('mood') else ''}), as the {cue['role']} line{others}, "
                    f"{cue['weight']} weight, intensity {cue['intensity']:.2f}. ") + text
        items.append(LessonItem(title, spec, sc, label, cue, text, rec))
    return items


# ----------------------------------------------------------------------------- media
def notation_svg(score: Score, title: str) -> str:
    """The score's notation as one SVG as tall as its systems (MusicXML by the render module;
    verovio with the render module's fixed ``xmlIdSeed``, the page height fitted to the music
    instead of a printed page)."""
    from assistant.render.notation import toolkit, write_musicxml

    with tempfile.TemporaryDirectory(prefix="lesson-") as tmp:
        p = write_musicxml(score, Path(tmp) / "x.musicxml", title=title)
        text = p.read_text(encoding="utf-8")
    tk = toolkit()  # safe in any thread (the studio renders lessons in a worker)
    tk.setOptions({"pageWidth": 2100, "pageHeight": 6000, "scale": 40,
                   "adjustPageHeight": True, "breaks": "auto", "footer": "none", "header": "none"})
    if not tk.loadData(text):
        raise RuntimeError("verovio could not read the lesson's MusicXML")
    return tk.renderToSVG(1)


def audio_data_uri(score: Score) -> str:
    """The score rendered (SoundFont) and embedded: Ogg Opus when ffmpeg can, else WAV."""
    from assistant.render.audio import render_score

    sr = 48000
    audio = render_score(score, sample_rate=sr)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > 0:
        audio = audio * (0.7 / peak)
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
    wav = _wav_bytes(pcm, sr)
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
        res = subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-f", "wav", "-i", "pipe:0",
                              "-c:a", "libopus", "-b:a", "64k", "-f", "ogg", "pipe:1"],
                             input=wav, capture_output=True, timeout=120, check=True)
        return "data:audio/ogg;base64," + base64.b64encode(res.stdout).decode("ascii")
    except Exception as exc:  # noqa: BLE001 - no ffmpeg or no opus: a plain WAV still plays
        log.info("no Opus encoder (%s); embedding WAV", exc)
        mono = pcm.mean(axis=1).astype("<i2")[::2]
        return "data:audio/wav;base64," + base64.b64encode(_wav_bytes(mono[:, None], sr // 2)).decode("ascii")


def _wav_bytes(pcm: np.ndarray, sr: int) -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, pcm, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


# ----------------------------------------------------------------------------- page
_CSS = """
body{font-family:Georgia,serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222;background:#fdfcf8}
h1{font-weight:normal;border-bottom:1px solid #ccc}
section{margin:2em 0;padding:1em;border:1px solid #e4e0d4;border-radius:6px;background:#fff}
h2{font-size:1.2em;margin:0 0 .3em} .label{color:#555;font-style:italic;margin:0 0 .6em}
.notation{width:100%;background:#fff} audio{width:100%;margin:.5em 0}
.meta{font-size:.9em;color:#444} table{border-collapse:collapse;font-size:.9em}
td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left}
"""


def _section(item: LessonItem, svg: str, audio: str) -> str:
    svg_uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    rec = ""
    if item.recognisability is not None:
        from assistant.themes.ops import recognisable

        r = item.recognisability
        verdict = ("the tune itself is unchanged: the change is in harmony, time or colour" if r >= 0.97 else
                   "recognisable, not identical" if recognisable(r) else
                   "below the recognisable band: heard as a development, not a statement")
        rec = f"<p class='meta'>Recognisability against the theme: {r:.2f} ({verdict}).</p>"
    return (f"<section><h2>{html.escape(item.title)}</h2><p class='label'>{html.escape(item.label)}</p>"
            f"<img class='notation' alt='notation: {html.escape(item.label)}' src='{svg_uri}'>"
            f"<audio controls preload='none' src='{audio}'></audio>"
            f"<p>{html.escape(item.text)}</p>{rec}</section>")


def write_lesson(theme: Score, out_dir: str | Path, *, title: str, entries: list[tuple[str, str, Any]] | None = None,
                 intro: str = "") -> Path:
    """Write ``out_dir/lesson.html`` for ``theme`` and its transformations; returns the path."""
    from assistant.themes.io import motif_report
    from assistant.themes.ops import key_of
    from assistant.themes.theory import key_label

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    theme = replace(theme, tempos=theme.tempos or [(0.0, 96.0)])
    items = build_items(theme, entries or teaching_items(theme))
    tonic, mode = key_of(theme)
    mot = motif_report(theme)
    meter = theme.meters[0]
    head = (f"<p class='meta'>Key {html.escape(key_label(tonic, mode))}, meter {meter[1]}/{meter[2]}; head motif "
            f"{mot['length']} notes (intervals {mot['intervals']}, rhythm {mot['rhythm_beats']} beats), "
            f"returning {len(mot['returns'])} time(s).</p>")
    sections = []
    for it in items:
        sections.append(_section(it, notation_svg(it.score, it.title), audio_data_uri(it.score)))
    rows = "".join(f"<tr><td>{html.escape(it.title)}</td><td>{html.escape(it.label)}</td>"
                   f"<td>{'' if it.recognisability is None else f'{it.recognisability:.2f}'}</td></tr>" for it in items)
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>"
            f"{('<p>' + html.escape(intro) + '</p>') if intro else ''}{head}"
            f"<table><tr><th>where</th><th>transformation</th><th>recognisability</th></tr>{rows}</table>"
            + "".join(sections) + "</body></html>")
    path = out / "lesson.html"
    atomic_write_text(path, page)
    return path
