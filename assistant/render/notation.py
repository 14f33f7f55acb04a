"""Engraved score and parts: MusicXML through music21, SVG through verovio, PDF through
MuseScore 3 when installed.

What each file carries:

* title (the cue title), the cue id and its start timecode (``movement-number`` /
  ``movement-title``, and a text at bar 1 ``<id> @ <tc>``), the score's key;
* tempo marks at every tempo change (to 0.01 BPM, as a film click needs), meters, and
  rehearsal marks at section starts (the score's markers that are not ``HIT``/``CUE``
  markers; without any, a letter every 8 bars, the common default); hits as
  ``HIT <label>`` texts above the top staff;
* dynamics from note velocities (pp < 40 <= p < 56 <= mp < 72 <= mf < 88 <= f < 104 <= ff),
  stated when they change, and articulations from an optional ``Note.articulation``
  (``staccato``, ``accent``, ``tenuto``, ``marcato``, ``staccatissimo``);
* transposing instruments carry their transposition (MusicXML ``<transpose>``): the
  full score and each part show written pitch, as players read it (clarinet and trumpet
  in B-flat a tone up, horn and English horn a fifth up, piccolo, celesta, glockenspiel,
  guitar and double bass at their octaves), key signatures transposed too; notation
  software's "concert pitch" toggle shows the score in C.

Rhythm is quantised to 1/12 of a quarter (sixteenths and eighth triplets). A part's
overlapping notes become chords sliced at every onset and release, tied across, which
reads as a single player's line (a keyboard or divisi part reads the same way).

verovio runs with a fixed ``xmlIdSeed`` so the same MusicXML gives the same SVG.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path

from assistant.errors import InputError
from assistant.music.score import Part, Score
from assistant.project import atomic_write_bytes, atomic_write_text

log = logging.getLogger(__name__)

GRID = Fraction(1, 12)  # quarter-note quantum: sixteenths and eighth triplets
XML_ID_SEED = 1
DYNAMIC_STEPS = ((40, "pp"), (56, "p"), (72, "mp"), (88, "mf"), (104, "f"), (128, "ff"))
ARTICULATIONS = ("staccato", "accent", "tenuto", "marcato", "staccatissimo", "sforzando",
                 "tremolo", "pizzicato", "roll")
# GM drum notes -> display step on a 5-line percussion staff (kick low, cymbals high).
DRUM_DISPLAY = {35: "F4", 36: "F4", 38: "C5", 40: "C5", 37: "C5", 41: "A4", 43: "A4",
                45: "D5", 47: "D5", 48: "E5", 50: "E5", 42: "G5", 44: "D4", 46: "G5",
                49: "A5", 57: "A5", 51: "F5", 59: "F5", 53: "F5"}


def dynamic_of(velocity: int) -> str:
    """The marking for a MIDI velocity (see module docstring)."""
    for limit, mark in DYNAMIC_STEPS:
        if velocity < limit:
            return mark
    return "ff"


_SPELL = {"plain": ("C", "C#", "D", "E-", "E", "F", "F#", "G", "G#", "A", "B-", "B"),
          "flats": ("C", "D-", "D", "E-", "E", "F", "G-", "G", "A-", "A", "B-", "B"),
          "sharps": ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")}
_FLAT_KEYS = {"F", "Bb", "Eb", "Ab", "Db", "Gb", "Cb", "D minor", "G minor", "C minor",
              "F minor", "Bb minor", "Eb minor"}
_SHARP_KEYS = {"D", "A", "E", "B", "F#", "C#", "E minor", "B minor", "F# minor", "C# minor",
               "G# minor", "D# minor"}


def spelling(key: str | None) -> str:
    """Which spelling of black keys suits ``key`` ("D minor" -> flats, "E" -> sharps)."""
    k = (key or "").strip()
    k = k[:-6] if k.endswith(" major") else k
    if k in _FLAT_KEYS:
        return "flats"
    if k in _SHARP_KEYS:
        return "sharps"
    return "plain"


_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def _minor_sharps(key: str | None) -> set[int]:
    """Pitch classes a minor key spells sharp whatever its signature: the leading tone
    and the major third (D minor: C#, F#; G minor: F#, B natural is white)."""
    k = (key or "").strip()
    if not k.endswith(" minor") or k[:1] not in _PC:
        return set()
    tonic = (_PC[k[0]] + (1 if k[1:2] == "#" else -1 if k[1:2] == "b" else 0)) % 12
    return {(tonic - 1) % 12, (tonic + 4) % 12}


def pitch_name(midi: int, how: str = "plain", sharps: set[int] | frozenset[int] = frozenset()
               ) -> str:
    """music21 pitch name of a MIDI number, spelled per :func:`spelling` (60 -> "C4");
    pitch classes in ``sharps`` are spelled sharp."""
    pc = midi % 12
    name = _SPELL["sharps" if pc in sharps else how][pc]
    return f"{name}{midi // 12 - 1}"


def _q(x: float) -> Fraction:
    return Fraction(round(Fraction(x) / GRID)) * GRID


def _instrument(part: Part):
    from music21 import clef, instrument, interval

    from assistant.analysis.instruments import INSTRUMENTS

    info = INSTRUMENTS.get(part.instrument)
    ins = instrument.Instrument()
    ins.partName = info.name if info else part.name
    ins.partAbbreviation = info.abbreviation if info else part.name[:4]
    ins.instrumentName = ins.partName
    ins.midiProgram = int(part.program)
    if part.is_drum:
        ins.midiChannel = 9
    semis = info.transpose_semitones if info else 0
    if semis:
        ins.transposition = interval.Interval(-semis)
    name = info.clef if info else "treble"
    if part.is_drum or name == "percussion":
        c = clef.PercussionClef()
    elif name == "bass":
        c = clef.BassClef()
    elif name == "alto":
        c = clef.AltoClef()
    elif name == "grand":
        mids = sorted(n.pitch for n in part.notes)
        c = clef.BassClef() if mids and mids[len(mids) // 2] < 57 else clef.TrebleClef()
    else:
        c = clef.TrebleClef()
    if info and info.transpose_semitones in (12, 14) and name == "treble":
        c = clef.Treble8vbClef() if part.instrument == "guitar" else c
    return ins, c


def _articulate(obj, art: str) -> None:
    """Add the marking ``art`` (a Note.articulation) to a music21 note or chord."""
    from music21 import articulations, expressions

    cls = {"staccato": articulations.Staccato, "accent": articulations.Accent,
           "tenuto": articulations.Tenuto, "marcato": articulations.StrongAccent,
           "staccatissimo": articulations.Staccatissimo, "pizzicato": articulations.Pizzicato,
           "sforzando": articulations.Accent}.get(art)
    if cls is not None:
        obj.articulations.append(cls())
    elif art in ("tremolo", "roll"):
        trem = expressions.Tremolo()
        trem.numberOfMarks = 3
        obj.expressions.append(trem)


def _slices(part: Part) -> list[tuple[Fraction, Fraction, list[tuple[int, int, bool, bool, str]]]]:
    """``(start, end, [(pitch, velocity, tie_in, tie_out, articulation)])`` per time slice."""
    notes = []
    for n in part.notes:
        s, e = _q(n.start_beats), _q(n.end_beats)
        if e <= s:
            e = s + GRID
        notes.append((s, e, n.pitch, n.velocity, getattr(n, "articulation", None) or ""))
    cuts = sorted({x for s, e, *_ in notes for x in (s, e)})
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        sounding = [(p, v, s < a, e > b, art if s == a else "") for s, e, p, v, art in notes
                    if s <= a and e >= b]
        if sounding:
            uniq: dict[int, tuple[int, int, bool, bool, str]] = {}
            for x in sounding:
                uniq.setdefault(x[0], x)
            out.append((a, b, sorted(uniq.values())))
    return out


def _build_part(part: Part, score: Score, *, top: bool, title_text: str | None):
    from music21 import chord as m21chord
    from music21 import dynamics, expressions, key, meter, note, stream, tempo
    from music21 import tie as m21tie
    from music21.percussion import PercussionChord

    ins, clef_obj = _instrument(part)
    flat = stream.Part()
    flat.partName = ins.partName
    flat.insert(0, ins)
    flat.insert(0, clef_obj)
    if score.key and not part.is_drum:
        try:
            tonic, _, mode = score.key.partition(" ")
            flat.insert(0, key.Key(tonic.replace("b", "-") if len(tonic) > 1 else tonic,
                                   mode or "major"))
        except Exception:  # noqa: BLE001 - an unreadable key name only loses the signature
            log.warning("key %r not understood; no key signature", score.key)
    last_dyn = None
    how, sharps = spelling(score.key), _minor_sharps(score.key)
    for a, b, group in _slices(part):
        dur = float(b - a)
        if part.is_drum:
            items = []
            for p, *_ in group:
                u = note.Unpitched(displayName=DRUM_DISPLAY.get(p, "C5"))
                items.append(u)
            obj = items[0] if len(items) == 1 else PercussionChord(items)
        elif len(group) == 1:
            obj = note.Note(pitch_name(group[0][0], how, sharps))
        else:
            obj = m21chord.Chord([pitch_name(p, how, sharps) for p, *_ in group])
        obj.quarterLength = dur
        tin = any(g[2] for g in group)
        tout = any(g[3] for g in group)
        if not part.is_drum and (tin or tout):
            obj.tie = m21tie.Tie("continue" if tin and tout else "stop" if tin else "start")
        arts = {g[4] for g in group if g[4]}
        for art in sorted(arts):
            _articulate(obj, art)
        if not tin and not part.dynamics:
            dyn = dynamic_of(max(g[1] for g in group))
            if dyn != last_dyn:
                flat.insert(float(a), dynamics.Dynamic(dyn))
                last_dyn = dyn
        flat.insert(float(a), obj)
    for beat, mark in part.dynamics:  # the orchestrator's markings win over velocities
        if mark in ("cresc", "dim"):
            te = expressions.TextExpression(f"{mark}.")
            te.placement = "below"
            flat.insert(float(_q(beat)), te)
        else:
            flat.insert(float(_q(beat)), dynamics.Dynamic(mark))
    total = max(_q(score.duration_beats), GRID)
    if top:
        for beat, bpm in sorted(score.tempos):
            mm = tempo.MetronomeMark(number=round(float(bpm), 2), referent=1.0)
            flat.insert(float(_q(beat)), mm)
        sections = [(b, t) for b, t in sorted(score.markers)
                    if not t.upper().startswith(("HIT", "CUE"))]
        if not sections:
            bars = score.bar_starts()
            sections = [(bars[i], chr(ord("A") + (i // 8 - 1) % 26))
                        for i in range(8, len(bars), 8)]
        for beat, text in sections:
            flat.insert(float(_q(beat)), expressions.RehearsalMark(text))
        for beat, text in sorted(score.markers):
            if text.upper().startswith("HIT"):
                te = expressions.TextExpression(text)
                te.placement = "above"
                flat.insert(float(_q(beat)), te)
        if title_text:
            te = expressions.TextExpression(title_text)
            te.placement = "above"
            flat.insert(0, te)
    meters = stream.Stream()
    for beat, num, den in sorted(score.meters):
        meters.insert(float(_q(beat)), meter.TimeSignature(f"{num}/{den}"))
    if len(flat.notesAndRests) == 0:
        flat.insert(0, note.Rest(quarterLength=float(total)))
    return flat, meters


def _bar_end(score: Score) -> Fraction:
    """The bar line at or after the score's last note (where every part ends)."""
    starts = score.bar_starts()
    if not starts:
        return Fraction(4)
    last = starts[-1]
    meter = [m for m in sorted(score.meters) if m[0] <= last + 1e-9] or [(0.0, 4, 4)]
    _, num, den = meter[-1]
    return _q(last) + Fraction(4 * num, den)


def build_music21(score: Score, *, title: str, cue_id: str | None = None,
                  start_tc: str | None = None, parts: list[Part] | None = None,
                  all_marks: bool = False):  # -> music21.stream.Score
    """The music21 score at sounding pitch (``all_marks``: tempo etc. in every part)."""
    from music21 import metadata, stream

    if not score.parts:
        raise InputError("the score has no parts to engrave", field="parts")
    s = stream.Score()
    md = metadata.Metadata()
    md.title = title
    if cue_id:
        md.movementNumber = cue_id
    md.movementName = title  # what verovio and MuseScore show as the heading
    s.metadata = md
    label = " @ ".join(x for x in (cue_id or "", start_tc or "") if x) or None
    chosen = parts if parts is not None else score.parts
    end = _bar_end(score)
    for i, part in enumerate(chosen):
        flat, meters = _build_part(part, score, top=(i == 0 or all_marks), title_text=label
                                   if i == 0 or all_marks else None)
        tail = end - Fraction(flat.highestTime).limit_denominator(48)
        if tail > 0:  # every part runs to the final bar line
            from music21 import note

            flat.insert(float(end - tail), note.Rest(quarterLength=float(tail)))
        measured = flat.makeMeasures(meterStream=meters)
        measured.makeTies(inPlace=True)
        measured.makeRests(fillGaps=True, inPlace=True, timeRangeFromBarDuration=True)
        _tidy_rests(measured)
        measured.makeBeams(inPlace=True)
        measured.atSoundingPitch = True
        s.insert(0, measured)
    return s


def _rest_pieces(offset: Fraction, length: Fraction, beat: Fraction, bar: Fraction
                 ) -> list[Fraction]:
    """Split a rest the way engravers do: up to the next beat, then whole beats (a half
    bar when it starts on the bar or half-bar of an even meter, a whole bar when whole).

    >>> [str(x) for x in _rest_pieces(Fraction(1, 2), Fraction(7, 2), Fraction(1), Fraction(4))]
    ['1/2', '1', '2']
    """
    pieces: list[Fraction] = []
    pos, end = offset, offset + length
    while pos < end:
        if pos == 0 and end - pos == bar:
            step = bar
        elif pos % beat:
            step = min(end, (pos // beat + 1) * beat) - pos
        else:
            half = bar / 2
            even = (bar / beat) % 2 == 0
            if even and pos % half == 0 and end - pos >= half:
                step = half
            elif end - pos >= beat:
                step = beat
            else:
                step = end - pos
        pieces.append(step)
        pos += step
    return pieces


def _tidy_rests(measured) -> None:
    """Replace every rest in ``measured`` (a music21 Part of Measures) by its pieces."""
    from music21 import note

    for m in measured.getElementsByClass("Measure"):
        ts = m.getContextByClass("TimeSignature")
        beat = Fraction(ts.beatDuration.quarterLength).limit_denominator(48) if ts else Fraction(1)
        bar = Fraction(ts.barDuration.quarterLength).limit_denominator(48) if ts else Fraction(4)
        for r in list(m.getElementsByClass("Rest")):
            off = Fraction(r.offset).limit_denominator(48)
            ql = Fraction(r.quarterLength).limit_denominator(48)
            pieces = _rest_pieces(off, ql, beat, bar)
            if len(pieces) <= 1:
                continue
            m.remove(r)
            pos = off
            for piece in pieces:
                m.insert(float(pos), note.Rest(quarterLength=float(piece)))
                pos += piece


def _xml_text(m21score) -> str:
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    data = GeneralObjectExporter(m21score).parse()
    return data.decode("utf-8") if isinstance(data, bytes) else str(data)


def write_musicxml(score: Score, path: str | Path, *, title: str, cue_id: str | None = None,
                   start_tc: str | None = None) -> Path:
    """Write the full score (concert pitch) as MusicXML, atomically; returns the path."""
    out = Path(path)
    atomic_write_text(out, _xml_text(build_music21(score, title=title, cue_id=cue_id,
                                                   start_tc=start_tc)))
    log.info("wrote MusicXML score %s", out)
    return out


def write_parts(score: Score, out_dir: str | Path, *, title: str, cue_id: str | None = None,
                start_tc: str | None = None, stem: str = "") -> dict[str, Path]:
    """One MusicXML per part, written transposed; returns ``{part name: path}``."""
    from assistant.paths import safe_filename

    out = Path(out_dir)
    paths: dict[str, Path] = {}
    for part in score.parts:
        s = build_music21(score, title=title, cue_id=cue_id, start_tc=start_tc, parts=[part],
                          all_marks=True)
        written = s.toWrittenPitch(inPlace=False)
        name = safe_filename(part.name) or "part"
        p = out / f"{stem}{name}.musicxml"
        n = 2
        while p in paths.values():
            p = out / f"{stem}{name}_{n}.musicxml"
            n += 1
        atomic_write_text(p, _xml_text(written))
        paths[part.name] = p
    log.info("wrote %d part(s) to %s", len(paths), out)
    return paths


def _toolkit():
    import verovio

    verovio.enableLog(verovio.LOG_OFF)
    tk = verovio.toolkit()
    tk.setOptions({"xmlIdSeed": XML_ID_SEED, "pageWidth": 2100, "pageHeight": 2970,
                   "scale": 35, "breaks": "auto", "footer": "none", "header": "auto",
                   "adjustPageHeight": False})
    return tk


def svg_pages(musicxml: str | Path) -> list[str]:
    """Every page of ``musicxml`` (a path or the text) as SVG, rendered by verovio."""
    text = musicxml
    if isinstance(musicxml, Path) or (isinstance(musicxml, str) and "<" not in musicxml[:200]):
        p = Path(musicxml)
        if not p.is_file():
            raise InputError("MusicXML file not found", path=p)
        text = p.read_text(encoding="utf-8")
    tk = _toolkit()
    if not tk.loadData(str(text)):
        raise InputError("verovio could not read the MusicXML", field="musicxml")
    return [tk.renderToSVG(i) for i in range(1, tk.getPageCount() + 1)]


def write_svg_pages(musicxml: str | Path, out_stem: str | Path) -> list[Path]:
    """Write ``<out_stem>-<page>.svg`` for every page; returns the paths."""
    stem = Path(out_stem)
    paths = []
    for i, svg in enumerate(svg_pages(musicxml), start=1):
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


def to_pdf(jobs: list[tuple[Path, Path]], *, timeout_s: float = 300) -> list[Path]:
    """Convert ``(musicxml, pdf)`` pairs with one MuseScore run; returns the PDFs made.

    Raises InputError naming MuseScore when it is not installed or fails.
    """
    exe = mscore_binary()
    if exe is None:
        raise InputError("MuseScore 3 (mscore3) is not installed; PDF needs it "
                         "(scripts/install-system-deps.sh installs it)", field="pdf")
    if not jobs:
        return []
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with tempfile.TemporaryDirectory(prefix="mscore-") as tmp:
        job = Path(tmp) / "job.json"
        tmp_out = [Path(tmp) / f"{i}.pdf" for i in range(len(jobs))]
        job.write_text(json.dumps([{"in": str(src.resolve()), "out": str(o)}
                                   for (src, _), o in zip(jobs, tmp_out, strict=True)]))
        env["HOME"] = tmp  # MuseScore writes its settings there
        proc = subprocess.run([exe, "-j", str(job)], env=env, capture_output=True, text=True,
                              timeout=timeout_s, check=False)
        made = []
        for (src, dst), o in zip(jobs, tmp_out, strict=True):
            if not o.is_file() or o.stat().st_size == 0:
                raise InputError(f"MuseScore could not convert it (exit {proc.returncode}: "
                                 f"{(proc.stderr or proc.stdout).strip()[-300:]})", path=src)
            atomic_write_bytes(dst, o.read_bytes())
            made.append(dst)
    return made


def svg_to_png(svg: str, path: str | Path, *, width: int = 1400) -> Path:
    """Rasterise one SVG page with headless Chromium (for looking at a page); returns path."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        raise InputError("chromium is not installed; cannot rasterise SVG", field="png")
    out = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="svg-") as tmp:
        html = Path(tmp) / "page.html"
        html.write_text("<html><body style='margin:0;background:white'>"
                        f"<div style='width:{width}px'>{svg}</div></body></html>")
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                        f"--screenshot={out}", f"--window-size={width},{int(width * 1.414)}",
                        html.as_uri()], capture_output=True, timeout=120, check=False)
    if not out.is_file():
        raise InputError("chromium did not write the PNG", path=out)
    return out

