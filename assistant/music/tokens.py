"""The music vocabulary: miditok REMI (programs, time signatures, tempos) plus control tokens.

Key, density and register may be ``*_none`` ("unspecified"): training drops each of them
with probability ``CONTROL_DROPOUT`` so the model also works without them, and the
melody-prediction evaluation uses them so no attribute of the whole melody leaks in.

A training or prompt sequence is::

    BOS Key_<tonic>_<mode> TimeSig_<n>/<d> Density_<b> Register_<b> Ensemble_<k>  <REMI tokens>  EOS

and, for bar infilling (fill-in-the-middle)::

    BOS <controls> FIM_PRE <bars before> FIM_SUF <bars after> FIM_MID <missing bars> EOS

REMI tokens (miditok 3.x) per bar: ``Bar_None TimeSig_n/d`` then per onset ``Position_i``
(12 per beat, where the beat is the meter's denominator note), ``Tempo_x`` where it changes,
``Program_p`` when the instrument changes, then ``Pitch_k Duration_a.b.12`` per note.
Half-note meters (2/2, 3/2, 4/2) are written as 4/4, 6/4 and 8/4 so that the grid stays 12
per quarter note. Pitches are contiguous ids, so transposition is an id shift.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from assistant.music.corpus import (
    DENSITY_EDGES,
    DENSITY_NAMES,
    ENSEMBLES,
    REGISTER_EDGES,
    REGISTER_NAMES,
    bucket,
    density_per_q,
    estimate_key,
    mean_pitch,
)
from assistant.music.harmony import CHORD_TOKENS, QUALITIES
from assistant.music.score import Note, Part, Score

log = logging.getLogger(__name__)

TPQ = 12  # ticks per quarter note of the symusic scores we build
PITCH_LO, PITCH_HI = 21, 108
MODES = ("major", "minor")
CONTROL_TOKENS = (
    [f"Key_{t}_{m}" for m in MODES for t in range(12)]
    + [f"Density_{b}" for b in DENSITY_NAMES]
    + [f"Register_{b}" for b in REGISTER_NAMES]
    + [f"Ensemble_{e}" for e in ENSEMBLES]
    + ["FIM_PRE", "FIM_SUF", "FIM_MID", "Key_none", "Density_none", "Register_none"]
    # v2 (issue #11): a chord per bar right after each Bar token; appended, so the ids above
    # are unchanged and a v1 model (vocabulary without them) still loads
    + CHORD_TOKENS
)
N_PREFIX = 6  # BOS + key + meter + density + register + ensemble

# GM program → instrument id of the project vocabulary (DESIGN.md)
PROGRAM_TO_INSTRUMENT = {
    0: "piano", 6: "piano", 19: "organ", 8: "celesta", 40: "violin", 41: "viola", 42: "cello",
    43: "double_bass", 46: "harp", 48: "violin", 52: "choir", 53: "voice", 56: "trumpet",
    57: "trombone", 58: "tuba", 60: "horn", 68: "oboe", 69: "english_horn", 70: "bassoon",
    71: "clarinet", 72: "piccolo", 73: "flute", 24: "guitar", 47: "timpani", 9: "glockenspiel",
}
# Professional sounding ranges (REFERENCE.md), used for augmentation and range masks. The shipped
# model was trained with exactly these; instrument facts otherwise live in assistant.analysis.instruments.
PROGRAM_RANGE = {
    72: (74, 108), 73: (59, 98), 68: (58, 96), 69: (52, 83), 71: (50, 94), 70: (34, 76),
    60: (31, 77), 56: (52, 85), 57: (36, 74), 58: (22, 72), 40: (55, 103), 41: (48, 93),
    42: (36, 90), 43: (24, 67), 52: (36, 84), 53: (40, 84),
}


def normalise_meter(num: int, den: int) -> tuple[int, int]:
    """Half-note meters become quarter meters (4/2 → 8/4); others are kept.

    >>> normalise_meter(3, 2), normalise_meter(6, 8)
    ((6, 4), (6, 8))
    """
    if den == 2:
        return num * 2, 4
    if den == 1:
        return num * 4, 4
    return num, den


def make_tokenizer() -> Any:
    """The REMI tokenizer with our configuration and control tokens appended (stable ids)."""
    from miditok import REMI, TokenizerConfig

    cfg = TokenizerConfig(
        pitch_range=(PITCH_LO, PITCH_HI + 1),
        beat_res={(0, 4): 12, (4, 12): 4},
        use_velocities=False,
        use_programs=True,
        use_tempos=True,
        use_time_signatures=True,
        use_pitchdrum_tokens=False,
        num_tempos=16,
        tempo_range=(40, 250),
        program_changes=True,
        one_token_stream_for_programs=True,
        remove_duplicated_notes=True,
        time_signature_range={8: [2, 3, 4, 5, 6, 7, 9, 12], 4: list(range(1, 13))},
        special_tokens=["PAD", "BOS", "EOS", "MASK"],
    )
    tok = REMI(cfg)
    for t in CONTROL_TOKENS:
        tok.add_to_vocab(t)
    return tok


@dataclass
class Controls:
    """Requested attributes for sampling (None = let the model choose).

    ``key_tonic`` is a pitch class 0-11; ``mode`` 'major'/'minor'; ``meter`` (num, den);
    ``density``/``register`` one of low/mid/high; ``ensemble`` one of ENSEMBLES;
    ``program`` a GM program for the generated notes; ``scale`` forces pitches into the
    key's scale; ``pitch_range`` (lo, hi) MIDI pitches allowed (defaults to the program's range);
    ``chords`` a chord plan, one per bar (needs a v2 model; see :mod:`assistant.music.harmony`);
    ``constrain`` the key and chord-plan constraints of decoding (``None``: on when a chord plan
    is given; see :class:`assistant.music.constraint.PlanConstraint`).
    """

    key_tonic: int | None = None
    mode: str | None = None
    meter: tuple[int, int] | None = None
    density: str | None = None
    register: str | None = None
    ensemble: str | None = None
    program: int | None = None
    scale: bool = False
    pitch_range: tuple[int, int] | None = None
    temperature: float = 1.0
    top_p: float = 0.95
    seed: int | None = None
    # v2: a chord per bar, Roman numerals relative to the key ("I", "V7", "iv") or absolute
    # ("Dm", "G7"); None/"*" = the model's choice, "N.C." = no chord (assistant.music.harmony)
    chords: tuple[str | None, ...] | None = None
    constrain: bool | None = None

    def __post_init__(self) -> None:
        if self.mode is not None and self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")
        if self.density is not None and self.density not in DENSITY_NAMES:
            raise ValueError(f"density must be one of {DENSITY_NAMES}")
        if self.register is not None and self.register not in REGISTER_NAMES:
            raise ValueError(f"register must be one of {REGISTER_NAMES}")
        if self.ensemble is not None and self.ensemble not in ENSEMBLES:
            raise ValueError(f"ensemble must be one of {ENSEMBLES}")
        if self.key_tonic is not None and not 0 <= self.key_tonic < 12:
            raise ValueError("key_tonic must be a pitch class 0-11")
        if not 0 < self.top_p <= 1 or self.temperature <= 0:
            raise ValueError("top_p must be in (0, 1] and temperature > 0")


# Vocab.kind of each token type (0 other, 7 control)
K_PITCH, K_POS, K_DUR, K_PROG, K_TS, K_TEMPO = 1, 2, 3, 4, 5, 6


class Vocab:
    """Token ids and token-type lookups for a tokenizer built by :func:`make_tokenizer`."""

    def __init__(self, tokenizer: Any) -> None:
        self.tok = tokenizer
        self.vocab: dict[str, int] = dict(tokenizer.vocab)
        self.size = len(self.vocab)
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        v = self.vocab
        self.pad, self.bos, self.eos, self.bar = v["PAD_None"], v["BOS_None"], v["EOS_None"], v["Bar_None"]
        self.fim_pre, self.fim_suf, self.fim_mid = v["FIM_PRE"], v["FIM_SUF"], v["FIM_MID"]
        self.pitch0 = v[f"Pitch_{PITCH_LO}"]
        assert v[f"Pitch_{PITCH_HI}"] == self.pitch0 + PITCH_HI - PITCH_LO, "pitch ids not contiguous"
        self.key0 = v["Key_0_major"]
        # type array: 0 other, 1 pitch, 2 position, 3 duration, 4 program, 5 timesig, 6 tempo, 7 control
        self.kind = np.zeros(self.size, dtype=np.int8)
        self.value: dict[int, Any] = {}
        for t, i in v.items():
            head, _, val = t.partition("_")
            if head == "Pitch":
                self.kind[i], self.value[i] = 1, int(val)
            elif head == "Position":
                self.kind[i], self.value[i] = 2, int(val)
            elif head == "Duration":
                a, b, r = (int(x) for x in val.split("."))
                self.kind[i], self.value[i] = 3, Fraction(a) + Fraction(b, r)
            elif head == "Program":
                self.kind[i], self.value[i] = 4, int(val)
            elif head == "TimeSig":
                n, d = val.split("/")
                self.kind[i], self.value[i] = 5, (int(n), int(d))
            elif head == "Tempo":
                self.kind[i], self.value[i] = 6, float(val)
            elif head in ("Key", "Density", "Register", "Ensemble", "FIM", "Chord"):
                self.kind[i] = 7
        self.timesig_ids = {val: i for i, val in self.value.items() if self.kind[i] == 5}
        # chord tokens: Chord_<root>_<quality> (root-major blocks), then Chord_NC and Chord_none
        self.chord0 = v["Chord_0_maj"]
        self.chord_nc, self.chord_none = v["Chord_NC"], v["Chord_none"]
        self.is_chord = np.zeros(self.size, dtype=bool)
        self.is_chord[self.chord0:self.chord0 + 12 * len(QUALITIES)] = True
        self.is_chord[[self.chord_nc, self.chord_none]] = True
        # transposition of chord ids by s semitones: chord_shift[s % 12][id] (others unchanged)
        self.chord_shift = np.tile(np.arange(self.size, dtype=np.int64), (12, 1))
        nq = len(QUALITIES)
        for sft in range(12):
            for r in range(12):
                for q in range(nq):
                    self.chord_shift[sft, self.chord0 + r * nq + q] = self.chord0 + ((r + sft) % 12) * nq + q

    def chord_id(self, ch: tuple[int, str] | None) -> int:
        """The token of a chord (root pc, quality); ``Chord_NC`` for None."""
        if ch is None:
            return self.chord_nc
        return self.chord0 + (ch[0] % 12) * len(QUALITIES) + QUALITIES.index(ch[1])

    def chord_of(self, tok: int) -> tuple[int, str] | None:
        """(root pc, quality) of a chord token; None for ``Chord_NC``/``Chord_none``/others."""
        k = int(tok) - self.chord0
        if 0 <= k < 12 * len(QUALITIES):
            return (k // len(QUALITIES), QUALITIES[k % len(QUALITIES)])
        return None

    def pitch_id(self, pitch: int) -> int:
        return self.pitch0 + pitch - PITCH_LO

    def key_id(self, tonic: int, mode: str) -> int:
        return self.vocab[f"Key_{tonic % 12}_{mode}"]

    def timesig_id(self, num: int, den: int) -> int:
        n, d = normalise_meter(num, den)
        if (n, d) not in self.timesig_ids:
            n, d = (4, 4) if d == 4 else (6, 8)
        return self.timesig_ids[(n, d)]

    def prefix(self, key_tonic: int, mode: str, meter: tuple[int, int], density: str,
               register: str, ensemble: str) -> list[int]:
        """The six control-prefix ids (BOS first)."""
        v = self.vocab
        return [self.bos, self.key_id(key_tonic, mode), self.timesig_id(*meter),
                v[f"Density_{density}"], v[f"Register_{register}"], v[f"Ensemble_{ensemble}"]]


def notes_to_symusic(parts: list[tuple[int, list[tuple[int, float, float]]]],
                     meters: list[tuple[float, int, int]], tempos: list[tuple[float, float]]) -> Any:
    """Build a symusic Score (TPQ ticks per quarter) from ``(program, [(pitch, start_q, dur_q)])``;
    program -1 (miditok's drums) becomes a drum track."""
    from symusic import Note as SNote
    from symusic import Score as SScore
    from symusic import Tempo, TimeSignature, Track

    s = SScore(TPQ)
    for prog, notes in parts:
        tr = Track(program=max(int(prog), 0), is_drum=int(prog) < 0)
        for p, st, d in notes:
            if PITCH_LO <= p <= PITCH_HI:
                tr.notes.append(SNote(int(round(st * TPQ)), max(1, int(round(d * TPQ))), int(p), 80))
        if len(tr.notes):
            s.tracks.append(tr)
    for q, bpm in tempos[:1] + [t for t in tempos[1:]]:
        s.tempos.append(Tempo(int(round(q * TPQ)), float(bpm)))
    for q, n, d in meters:
        n2, d2 = normalise_meter(int(n), int(d))
        s.time_signatures.append(TimeSignature(int(round(q * TPQ)), n2, d2))
    return s


def score_to_symusic(score: Score) -> Any:
    """Convert an assistant :class:`Score` (quarter-note beats) to a symusic Score."""
    parts = [(p.program, [(n.pitch, n.start_beats, n.dur_beats) for n in p.notes])
             for p in score.parts if not p.is_drum]
    return notes_to_symusic(parts, list(score.meters), list(score.tempos))


def encode(tokenizer: Any, sym: Any) -> list[int]:
    """REMI ids of a symusic score (no BOS/EOS)."""
    seq = tokenizer.encode(sym)
    if isinstance(seq, list):  # defensive: multi-stream configs
        seq = seq[0]
    return list(seq.ids)


@dataclass
class Decoded:
    """Result of parsing REMI ids: notes (program, pitch, start_q, dur_q, bar), bar starts, meters."""

    notes: list[tuple[int, int, float, float, int]]
    bar_starts_q: list[float]
    meters: list[tuple[float, int, int]]
    tempos: list[tuple[float, float]]
    end_q: float  # end of the last bar


def decode_ids(vocab: Vocab, ids: list[int] | np.ndarray, default_program: int = 0,
               start_q: float = 0.0) -> Decoded:
    """Parse REMI ids (control and special tokens are skipped) into timed notes.

    Malformed orders (a pitch without a duration, a position before a bar) are tolerated:
    unmatched tokens are ignored, so sampled sequences always decode.
    """
    notes: list[tuple[int, int, float, float, int]] = []
    bar_starts: list[float] = []
    meters: list[tuple[float, int, int]] = []
    tempos: list[tuple[float, float]] = []
    num, den = 4, 4
    bar_q = start_q
    cur_bar_len = 4.0
    pos_q = start_q
    program = default_program
    pending: int | None = None
    bar_idx = -1
    for i in ids:
        i = int(i)
        k = vocab.kind[i] if 0 <= i < vocab.size else 0
        if i == vocab.bar:
            bar_q = bar_q + cur_bar_len if bar_idx >= 0 else start_q
            bar_idx += 1
            bar_starts.append(bar_q)
            cur_bar_len = num * 4.0 / den
            pos_q = bar_q
            pending = None
        elif k == 5:
            n, d = vocab.value[i]
            if (n, d) != (num, den) or not meters:
                meters.append((bar_q, n, d))
            num, den = n, d
            cur_bar_len = num * 4.0 / den
        elif k == 2:
            pos_q = bar_q + vocab.value[i] / 12.0 * 4.0 / den
        elif k == 6:
            tempos.append((pos_q, vocab.value[i]))
        elif k == 4:
            program = vocab.value[i]
        elif k == 1:
            pending = vocab.value[i]
        elif k == 3 and pending is not None:
            dur_q = float(vocab.value[i]) * 4.0 / den
            notes.append((program, pending, pos_q, dur_q, max(bar_idx, 0)))
            pending = None
    end_q = (bar_starts[-1] + cur_bar_len) if bar_starts else start_q
    return Decoded(notes, bar_starts, meters or [(start_q, 4, 4)], tempos or [(start_q, 120.0)], end_q)


def decoded_to_score(dec: Decoded, key: str | None = None, clip_end: bool = True) -> Score:
    """An assistant Score from decoded notes, one Part per program; notes clipped at the end."""
    by_prog: dict[int, list[Note]] = {}
    for prog, pitch, st, dur, _bar in dec.notes:
        if clip_end:
            dur = min(dur, dec.end_q - st)
        if dur <= 1e-6:
            continue
        by_prog.setdefault(prog, []).append(Note(int(pitch), round(st, 6), round(dur, 6)))
    parts = [Part(name=PROGRAM_TO_INSTRUMENT.get(p, f"program{p}"),
                  instrument=PROGRAM_TO_INSTRUMENT.get(p, "piano"), program=p, notes=ns)
             for p, ns in sorted(by_prog.items())]
    meters = [(float(q), int(n), int(d)) for q, n, d in dec.meters]
    tempos = [(float(q), float(b)) for q, b in dec.tempos[:1]] + [
        (float(q), float(b)) for q, b in dec.tempos[1:]]
    return Score(parts=parts, tempos=tempos, meters=meters, key=key)


def analyse_controls(notes: list[tuple[int, float, float]], length_q: float) -> dict[str, Any]:
    """Measured attributes of a note list: key tonic/mode, density and register buckets."""
    k = estimate_key(notes)
    return {
        "key_tonic": k.tonic,
        "mode": k.mode,
        "density": bucket(density_per_q(notes, length_q), DENSITY_EDGES, DENSITY_NAMES),
        "register": bucket(mean_pitch(notes), REGISTER_EDGES, REGISTER_NAMES),
    }


def save_tokenizer(tokenizer: Any, path: str | Path) -> None:
    """Write the tokenizer JSON (miditok params; control tokens are re-added on load)."""
    tokenizer.save(Path(path))


def load_tokenizer(path: str | Path | None = None) -> Any:
    """Rebuild the tokenizer; if ``path`` is given, check its vocabulary size matches."""
    tok = make_tokenizer()
    if path is not None and Path(path).exists():
        import json

        saved = json.loads(Path(path).read_text())
        n = saved.get("vocab_size_with_controls")
        # a smaller saved vocabulary is an older model's: tokens are only ever appended, so its
        # ids are a prefix of ours (the v1 model has no chord tokens); a larger one is not ours
        if n is not None and n > len(tok):
            raise RuntimeError(f"tokenizer mismatch: saved {n} tokens, built {len(tok)}")
    return tok
