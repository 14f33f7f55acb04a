"""Tune roles at note level: the draft's roles and form, inference for plain files, and the
stricter test for accompaniment figures (the 1M9 horn ostinato that 'matched a jig')."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assistant.guard.calibrate import embed_quote, synthetic_melody
from assistant.guard.evidence import figure_line
from assistant.guard.loop import check
from assistant.guard.melody import Melody
from assistant.guard.roles import RoleHints, load_role_lines, role_lines, unique_lines
from assistant.guard.similarity import combine, compare, thresholds
from assistant.music.score import Note, Part, Score

SIMILAR, COPY = thresholds()


def notes_of(m: Melody, shift: float = 0.0, transpose: int = 0) -> list[Note]:
    return [Note(int(p) + transpose, float(o) + shift, float(d))
            for p, o, d in zip(m.pitches, m.onsets_beats, m.durs_beats, strict=True)]


def broken_chords(start: float, end: float, root: int = 53) -> list[Note]:
    """A horn-like broken-chord ostinato in even eighths."""
    cell = [0, 4, 7, 12, 7, 4]
    out, t, k = [], start, 0
    while t < end - 1e-9:
        out.append(Note(root + cell[k % 6], t, 0.5))
        t, k = t + 0.5, k + 1
    return out


def tune_notes(seed: int, start: float, end: float, transpose: int = 0) -> list[Note]:
    m = synthetic_melody(seed, 80)
    return [n for n in notes_of(m, start, transpose) if n.start_beats < end - 1e-9]


def draft_score() -> tuple[Score, dict]:
    """A violin tune throughout; a horn counter-line in the peak that turns to a broken-chord
    ostinato in the release, and plays on in the tail, where no tune is stated; a bass."""
    violin = tune_notes(1, 0.0, 48.0, 12)
    horn = tune_notes(2, 16.0, 32.0) + broken_chords(32.0, 48.0) + tune_notes(3, 48.0, 56.0)
    bass = [Note(36 + (k % 2) * 7, 2.0 * k, 2.0) for k in range(28)]
    score = Score(parts=[Part("violin", "violin", 40, notes=violin, role="melody"),
                         Part("horn", "horn", 60, notes=horn, role="counter_melody"),
                         Part("cello", "cello", 42, notes=bass, role="bass")])
    draft = {"roles": {"violin": "melody", "horn": "counter_melody", "cello": "bass"},
             "form": [{"name": "build", "start_beat": 0.0, "end_beat": 16.0, "melody": "theme"},
                      {"name": "peak", "start_beat": 16.0, "end_beat": 32.0, "melody": "theme"},
                      {"name": "release", "start_beat": 32.0, "end_beat": 48.0, "melody": "theme"},
                      {"name": "tail", "start_beat": 48.0, "end_beat": 56.0, "melody": "none"}]}
    return score, draft


def by_name(lines: list[Melody]) -> dict[str, Melody]:
    return {m.name: m for m in lines}


def test_a_tune_part_that_plays_an_ostinato_gives_a_figure_line_for_those_notes() -> None:
    score, draft = draft_score()
    lines = by_name(role_lines(score, RoleHints.from_draft(draft)))
    horn_tune, horn_fig = lines["horn"], lines["horn [figure]"]
    assert horn_tune.meta == {"kind": "tune", "role": "counter_melody", "part": "horn"}
    assert horn_tune.onsets_beats.min() >= 16.0 and horn_tune.onsets_beats.max() < 32.0
    # the ostinato (32-48) and the tail, where no tune is stated (48-56), accompany
    assert horn_fig.meta["kind"] == "figure"
    assert horn_fig.onsets_beats.min() >= 32.0 and horn_fig.onsets_beats.max() >= 48.0
    assert lines["violin"].meta["kind"] == "tune"
    assert lines["cello [figure]"].meta["role"] == "bass"
    assert "cello" not in lines  # a bass line is never a tune


def test_draft_json_roles_reach_the_midi_lines(tmp_path: Path) -> None:
    score, draft = draft_score()
    score.parts = [Part(p.name, p.instrument, p.program, p.is_drum, p.notes) for p in score.parts]
    score.to_midi(tmp_path / "cue.mid")  # no roles in the file: draft.json gives them
    (tmp_path / "draft.json").write_text(json.dumps(draft))
    with_draft = by_name(load_role_lines(tmp_path / "cue.mid", tmp_path / "draft.json"))
    assert with_draft["cue.mid:horn"].meta["kind"] == "tune"
    assert with_draft["cue.mid:horn [figure]"].meta["kind"] == "figure"


def test_roles_are_inferred_for_a_plain_midi(tmp_path: Path) -> None:
    top = tune_notes(4, 0.0, 48.0, 12)
    alberti = [Note(60 + [0, 7, 4, 7][k % 4], 0.5 * k, 0.5) for k in range(96)]
    bass = [Note(36 + (k % 4) * 2, 2.0 * k, 2.0) for k in range(24)]
    Score(parts=[Part("Flute", "flute", 73, notes=top), Part("Piano", "piano", 0, notes=alberti),
                 Part("Bass", "double_bass", 43, notes=bass)]).to_midi(tmp_path / "plain.mid")
    lines = by_name(load_role_lines(tmp_path / "plain.mid"))
    assert lines["plain.mid:Flute"].meta["kind"] == "tune"
    assert lines["plain.mid:Flute"].meta["role"] == "melody"
    assert lines["plain.mid:Piano [figure]"].meta["kind"] == "figure"  # an Alberti bass
    assert lines["plain.mid:Bass [figure]"].meta["role"] == "bass"
    assert len(lines) == 3


def test_doublings_are_checked_once_and_a_tune_wins_over_its_figure_twin() -> None:
    m = synthetic_melody(6, 30)
    tune = Melody(m.pitches, m.onsets_beats, m.durs_beats, name="violin", meta={"kind": "tune"})
    octave = Melody(m.pitches - 12, m.onsets_beats, m.durs_beats, name="cello",
                    meta={"kind": "figure"})
    other = synthetic_melody(7, 30)
    assert [x.name for x in unique_lines([octave, tune, other])] == ["violin", other.name]


def test_broken_chord_ostinato_against_a_tune_that_runs_through_it_is_not_a_copy() -> None:
    """The reported case: an accompaniment figure and a jig sharing a bar of broken chord.
    The views alone called it a copy; weighed by its information it is nothing."""
    rng = np.random.default_rng(3)
    fig = figure_line("arpeggio", rng)
    jig = embed_quote(fig, synthetic_melody(300, 60), rng, n=10)[0]
    r = compare(fig, jig)
    assert combine(r.views) >= COPY  # before: a copy
    assert r.verdict == "distinct"
    fig.meta["kind"] = "figure"
    c = check([fig], [jig])
    assert c.temp is not None and c.temp.verdict == "distinct"
    assert c.temp.role == "figure"


def test_a_figure_needs_more_evidence_than_a_tune() -> None:
    """A distinctive riff repeated as an ostinato, quoted once in a tune: as a tune line it
    reads similar; as accompaniment the same match must carry ten more bits of evidence."""
    cell = synthetic_melody(40, 9)
    span = float(cell.onsets_beats[-1] + cell.durs_beats[-1])
    ost = Melody(np.tile(cell.pitches, 6),
                 np.concatenate([cell.onsets_beats + k * span for k in range(6)]),
                 np.tile(cell.durs_beats, 6), name="horn")
    with_riff = embed_quote(cell, synthetic_melody(900, 60), np.random.default_rng(0), n=9)[0]
    as_tune = compare(ost, with_riff)
    as_figure = compare(ost, with_riff, figure=True)
    assert as_tune.verdict in ("similar", "copy")
    assert as_figure.verdict == "distinct"
    assert as_figure.views["evidence_bits"] == as_tune.views["evidence_bits"]
