"""The theme writer's rhythm cells and mode handling, without the music model."""

from __future__ import annotations

import pytest

from assistant.music.score import Note, Part, Score
from assistant.themes.checks import extract_motif, rhythm_character, rhythm_score
from assistant.themes.write import (
    RHYTHM_CELLS,
    _bars_to_mode,
    apply_cell,
    bar_length_beats,
    choose_cells,
)


@pytest.mark.parametrize("meter", sorted(RHYTHM_CELLS))
def test_every_cell_fills_its_bar_and_has_a_character(meter: tuple[int, int]) -> None:
    bar = bar_length_beats(meter)
    for name, cell in RHYTHM_CELLS[meter].items():
        assert abs(sum(cell) - bar) < 1e-9, (meter, name)
        line, t = [], 0.0
        for d in cell:
            line.append((60, t, d))
            t += d
        assert rhythm_character(line, meter) is not None, (meter, name)


def test_the_mood_chooses_the_cell() -> None:
    assert choose_cells((4, 4), {"valence": 0.5, "arousal": 0.7, "tension": 0.2})[0] == "march"
    assert choose_cells((4, 4), {"valence": -0.6, "arousal": -0.5, "tension": 0.2})[0] == "long-short"
    assert choose_cells((4, 4), {"valence": 0.0, "arousal": 0.2, "tension": 0.8})[0] == "syncopated"
    assert choose_cells((3, 4), None) == ["dotted", "long-short"]
    assert choose_cells((6, 8), {"valence": 0.2, "arousal": -0.5, "tension": 0.1})[0] == "long-short"
    assert choose_cells((5, 4), None) == []


def test_a_cell_retimes_the_first_bar_on_the_models_pitches() -> None:
    # the model's idea: an even run of eighths in bar 1, a held note in bar 2 (C major)
    bi = [Note(p, 0.5 * i, 0.5, 80) for i, p in enumerate((60, 62, 64, 65, 67, 65, 64, 62))] + [Note(60, 4, 4, 80)]
    out = apply_cell(bi, RHYTHM_CELLS[(4, 4)]["dotted"], 4.0, 0, "major")
    assert out is not None
    assert [(n.start_beats, n.dur_beats) for n in out[:4]] == [(0.0, 1.5), (1.5, 0.5), (2.0, 1), (3.0, 1)]
    assert out[0].pitch == 60 and out[3].pitch == 62  # first and last pitch of the bar kept
    assert out[4:] == bi[8:]  # the second bar is the model's
    # a cell with more notes than the bar has: diatonic steps fill the widest gap
    two = [Note(60, 0, 2, 80), Note(67, 2, 2, 80), Note(65, 4, 4, 80)]
    out = apply_cell(two, RHYTHM_CELLS[(4, 4)]["dotted"], 4.0, 0, "major")
    assert [n.pitch for n in out[:4]] == [60, 62, 64, 67]  # the 5th filled by step
    assert all(n.pitch in (60, 62, 64, 65, 67, 69, 71, 72) for n in out)  # in the key
    assert apply_cell([Note(60, 0, 4, 80), Note(62, 4, 4, 80)], (1.5, 0.5, 1, 1), 4.0, 0, "major") is None


def test_rhythmic_identity_prefers_a_characterful_cell_to_a_plain_line() -> None:
    plain = [(60 + (i % 5), i, 1) for i in range(15)] + [(60, 15, 1)]
    dotted = []
    for b in range(4):
        dotted += [(60 + b, 4 * b, 1.5), (62 + b, 4 * b + 1.5, 0.5), (64 + b, 4 * b + 2, 1), (62 + b, 4 * b + 3, 1)]
    p_s, p_what = rhythm_score(plain, (4, 4), extract_motif(plain, (4, 4)))
    d_s, d_what = rhythm_score(dotted, (4, 4), extract_motif(dotted, (4, 4)))
    assert d_s > p_s + 0.3, (p_what, d_what)
    assert "dotted" in d_what and "mostly one note value" in p_what


def test_only_the_new_bars_move_to_the_mode() -> None:
    """A lydian theme is written in its parent major: the infilled bars move to lydian, the
    frame's notes are lydian already and must not move again (its #4 would become the 5th)."""
    # F lydian: B natural (71) is the #4; bar 1 is the frame's (lydian), bar 2 the model's (F major: Bb)
    notes = [Note(65, 0, 1, 80), Note(71, 1, 1, 80), Note(72, 2, 2, 80),
             Note(70, 4, 1, 80), Note(69, 5, 1, 80), Note(65, 6, 2, 80)]
    sc = Score(parts=[Part("theme", "flute", 73, False, notes)], meters=[(0.0, 4, 4)], key="F major")
    out = _bars_to_mode(sc, 4.0, 8.0, 5, "lydian", "major")
    assert [n.pitch for n in out.melody()] == [65, 71, 72, 71, 69, 65]
    assert out.key == "F major"
