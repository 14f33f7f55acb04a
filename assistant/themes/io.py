"""A theme the user brings or edits: import from MIDI or MusicXML, evaluate it like a written
one, transpose it or change its mode, and write its files (MIDI + MusicXML).

An imported theme goes through the same motif extraction, structural checks and ranking
scores as a generated one (:func:`evaluate_theme`), so the composer sees the same reasons.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.analysis.instruments import INSTRUMENTS
from assistant.errors import InputError
from assistant.music.score import Note, Part, Score
from assistant.project import atomic_path
from assistant.themes.checks import analyse_key, bar_length_beats, extract_motif
from assistant.themes.theory import check_mode, key_label, parse_tonic
from assistant.themes.write import (
    Frame,
    RankedTheme,
    _why,
    harmonise_theme,
    model_bits,
    score_theme,
)

log = logging.getLogger(__name__)

MIDI_SUFFIXES = (".mid", ".midi")
XML_SUFFIXES = (".musicxml", ".xml", ".mxl")


def load_theme(path: str | Path) -> Score:
    """The melody of a MIDI or MusicXML file as a one-part score (the top line of its first
    pitched part with notes), its meter, tempo and key (the file's, else music21's analysis)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("theme file not found", path=p)
    suffix = p.suffix.lower()
    if suffix in MIDI_SUFFIXES:
        sc = Score.from_midi(p)
    elif suffix in XML_SUFFIXES:
        sc = _read_musicxml(p)
    else:
        raise InputError(f"unsupported theme file {suffix or '(none)'}; expected .mid or .musicxml", path=p)
    part = next((x for x in sc.parts if not x.is_drum and x.notes), None)
    if part is None:
        raise InputError("the file has no pitched notes", path=p)
    mel = Score(parts=[part]).melody()
    if len(mel) < 3:
        raise InputError("a theme needs at least 3 notes", path=p)
    start = mel[0].start_beats
    bar = bar_length_beats((sc.meters[0][1], sc.meters[0][2]))
    shift = (start // bar) * bar  # drop leading empty bars, keep a pickup's place in its bar
    mel = [replace(n, start_beats=n.start_beats - shift) for n in mel]
    key = sc.key
    if key:
        try:
            parts = key.split()
            key = key_label(parse_tonic(parts[0]), check_mode(parts[1] if len(parts) > 1 else "major"))
        except InputError:
            key = None
    if not key:
        t, m, _ = analyse_key([(n.pitch, n.start_beats, n.dur_beats) for n in mel])
        key = key_label(t, m)
    ins = part.instrument if part.instrument in INSTRUMENTS else _instrument_of_program(part.program)
    return Score(parts=[Part(part.name or "theme", ins, part.program, False, mel)],
                 tempos=sc.tempos, meters=[(0.0, sc.meters[0][1], sc.meters[0][2])], key=key)


def _read_musicxml(p: Path) -> Score:
    """A MusicXML file at sounding pitch (transposing parts are written transposed), with its
    first part's instrument, meter, tempo and key (with the mode the file names)."""
    from music21 import converter, key, meter, stream, tempo

    from assistant.guard.melody import music21_part_notes, to_sounding_pitch

    try:
        s = converter.parse(str(p), forceSource=True)
    except Exception as exc:  # noqa: BLE001 - music21 raises many kinds on bad files
        raise InputError(f"not a readable MusicXML file ({type(exc).__name__})", path=p) from None
    if isinstance(s, stream.Opus):
        s = s.scores[0]
    s = to_sounding_pitch(s)  # shared with the guard's readers
    parts = list(s.parts) if isinstance(s, stream.Score) and s.parts else [s]
    out = []
    for i, part in enumerate(parts):
        inst = part.getInstrument(returnDefault=False)
        program = int(inst.midiProgram) if inst is not None and inst.midiProgram is not None else 0
        notes = [(pi, o, d) for pi, o, d in music21_part_notes(part) if 0 <= pi <= 127]
        out.append(Part(part.partName or f"part {i + 1}", _instrument_of_program(program), program, False,
                        [Note(pi, o, d) for pi, o, d in notes]))
    tempos = [(float(mm.getOffsetInHierarchy(s)), float(mm.getQuarterBPM()))
              for mm in s.recurse().getElementsByClass(tempo.MetronomeMark) if mm.getQuarterBPM()]
    meters = [(float(ts.getOffsetInHierarchy(s)), int(ts.numerator), int(ts.denominator))
              for ts in s.recurse().getElementsByClass(meter.TimeSignature)]
    ks = next(iter(s.recurse().getElementsByClass(key.KeySignature)), None)
    name = None
    if isinstance(ks, key.Key):
        name = f"{ks.tonic.name} {ks.mode}"
    return Score(parts=out, tempos=sorted(set(tempos)) or [(0.0, 100.0)],
                 meters=sorted(set(meters))[:1] or [(0.0, 4, 4)], key=name)


def _instrument_of_program(program: int) -> str:
    for iid, ins in INSTRUMENTS.items():
        if ins.gm_program == program and not ins.is_drum:
            return iid
    return "piano"


def detect_form(score: Score) -> str:
    """'period' when the opening unit (a quarter of the theme) returns at the half, 'sentence'
    when it is restated (or sequenced) right after itself, else 'free'."""
    meter = (score.meters[0][1], score.meters[0][2])
    bar = bar_length_beats(meter)
    mel = score.melody()
    n_bars = max(1, int(round(max(n.end_beats for n in mel) / bar + 0.49)))
    unit = max(1, n_bars // 4)

    def shape(a: float, b: float) -> list[tuple[float, int]]:
        xs = [n for n in mel if a - 1e-9 <= n.start_beats < b - 1e-9]
        return [(round(n.start_beats - a, 3), n.pitch - xs[0].pitch) for n in xs] if xs else []

    first = shape(0, unit * bar)
    if first and shape(2 * unit * bar, 3 * unit * bar) == first:
        return "period"
    second = shape(unit * bar, 2 * unit * bar)
    if first and [t for t, _ in second] == [t for t, _ in first]:
        return "sentence"
    return "free"


def evaluate_theme(score: Score, *, instrument: str | None = None, form: str | None = None,
                   sampler: Any = None, corpus_index: Any = None, references: list[Any] | None = None
                   ) -> RankedTheme:
    """Score any theme (imported or edited) with the writer's criteria; rank 1. ``corpus_index``:
    the guard's corpus index, "default" for the shipped one, None for no corpus check."""
    from assistant.music.sample import get_sampler
    from assistant.themes.ops import key_of
    from assistant.themes.write import _guard, _guard_index

    tonic, mode = key_of(score)
    meter = (score.meters[0][1], score.meters[0][2])
    part = score.parts[0]
    instrument = instrument or (part.instrument if part.instrument in INSTRUMENTS else "violin")
    ins = INSTRUMENTS[instrument]
    form = form or detect_form(score)
    mel = score.melody()
    bars = max(1, int(round(max(n.end_beats for n in mel) / bar_length_beats(meter) + 0.49)))
    frame = Frame(form, bars, max(1, bars // 4), tonic, mode, meter, ins.comfortable, mel[-1].pitch,
                  [], [], {}, "as given")
    s = sampler or get_sampler()
    bits = model_bits(s, [score])[0]
    g = _guard(score, references or [], _guard_index(corpus_index))
    sco, chk, notes, motif = score_theme(score, frame, bits, ins.comfortable, g)
    chords = harmonise_theme(score, tonic, mode, form, meter)
    return RankedTheme(score=score, rank=1, key=key_label(tonic, mode).split()[0], mode=mode, form=form,
                       head_motif=mel[:motif.length], scores=sco, why=_why(sco, chk, frame, notes),
                       harmony=[c.symbol for c in chords], roman=[c.roman for c in chords], checks=chk,
                       rhythm_cell=motif.rhythm_beats, meter=meter, instrument=instrument)


MAX_TRANSPOSE = 24  # semitones an edit may move a theme (two octaves)


def edit_theme(theme: RankedTheme, *, transpose: int = 0, mode: str | None = None, **kw: Any) -> RankedTheme:
    """The theme transposed by ``transpose`` semitones and/or moved to ``mode`` (by scale
    degree), re-evaluated; ``edits`` names what was done ("transposed up a major 2nd", ...)."""
    from assistant.themes import ops

    if abs(int(transpose)) > MAX_TRANSPOSE:
        raise InputError(f"transpose by at most {MAX_TRANSPOSE} semitones either way, not {transpose}",
                         field="transpose")
    sc = theme.score
    labels = []
    if transpose:
        sc, label = ops.transpose(sc, int(transpose))
        labels.append(label)
    if mode:
        sc, label = ops.change_mode(sc, check_mode(mode))
        labels.append(label)
    out = evaluate_theme(sc, instrument=theme.instrument, form=theme.form, **kw)
    out.edits = theme.edits + labels
    return out


def head_motif_names(theme: RankedTheme) -> list[str]:
    """The head motif as note names (``D5``, ``F5``, ``A5``)."""
    from assistant.themes.theory import tonic_name

    return [f"{tonic_name(n.pitch % 12, theme.mode)}{n.pitch // 12 - 1}" for n in theme.head_motif]


def write_theme_files(theme: RankedTheme, out_dir: str | Path, stem: str, *, title: str = "") -> dict[str, Path]:
    """``<stem>.mid`` (the melody, key and chord symbols as text events) and ``<stem>.musicxml``
    (the melody with its key; rendered by the notation module) in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    bar = bar_length_beats(theme.meter)
    sc = replace(theme.score, markers=[(i * bar, f"chord {c}") for i, c in enumerate(theme.harmony)])
    mid = out / f"{stem}.mid"
    with atomic_path(mid) as tmp:
        sc.to_midi(tmp)
    xml = out / f"{stem}.musicxml"
    write_theme_musicxml(theme.score, xml, title=title or f"Theme in {theme.key} {theme.mode}")
    return {"midi": mid, "musicxml": xml}


def write_theme_musicxml(score: Score, path: Path, *, title: str) -> Path:
    from assistant.render.notation import write_musicxml

    return write_musicxml(score, path, title=title)


def motif_report(score: Score) -> dict[str, Any]:
    """The head motif (2-5 notes) and its rhythmic cell, with where it returns."""
    meter = (score.meters[0][1], score.meters[0][2])
    mel = score.melody()
    m = extract_motif([(n.pitch, n.start_beats, n.dur_beats) for n in mel], meter)
    return m.to_dict() | {"length": m.length}
