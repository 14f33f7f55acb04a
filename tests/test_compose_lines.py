"""The lines inside a draft: a real bass in quiet textures (pedals, a moving bass that
walks the harmonic plan, cellos and basses in octaves), phrase melodies with a climax,
the theme's rhythm, passing tones and cadences, and counter-lines that answer the tune."""

from __future__ import annotations

import random

import pytest

from assistant.compose.arrange import bass_octaves
from assistant.compose.form import Bar
from assistant.compose.harmony import ChordSlot
from assistant.compose.melody import counter_melody
from assistant.compose.phrase import phrase_line, rhythm_cell
from assistant.compose.theory import Key, chord_from_roman
from assistant.music.score import Note
from tests.test_compose import draft, make_cue, theme

KEY = Key(1, "major")  # D flat, as 1M5
ROMANS = ["I", "vi", "IV", "V", "I", "ii", "V", "I"]


def plan(n_bars: int, meter: tuple[int, int] = (4, 4), per_bar: int = 1
         ) -> tuple[list[Bar], list[ChordSlot]]:
    q = meter[0] * 4 / meter[1]
    bars = [Bar(i + 1, q * i, q * (i + 1), meter, q) for i in range(n_bars)]
    slots = []
    for i, b in enumerate(bars):
        for k in range(per_bar):
            a = b.start_beat + k * q / per_bar
            slots.append(ChordSlot(a, a + q / per_bar,
                                   chord_from_roman(ROMANS[(i * per_bar + k) % 8], KEY), KEY,
                                   b.number))
    return bars, slots


# ----------------------------------------------------------------------------- the bass
def test_moving_bass_walks_the_plan_by_step_into_each_chord() -> None:
    from assistant.compose.texture import _bass_notes  # the style "moving" (moving_bass)

    bars, slots = plan(8)
    prev: dict[str, list[int]] = {}
    line: list[Note] = []
    for a, b in zip(slots, slots[1:] + [None], strict=True):
        notes = _bass_notes("moving", a, bars[a.bar - 1], 76.0, prev, b)
        assert notes[0].pitch % 12 == a.chord.bass and notes[0].start_beats == a.start_beat
        assert abs(sum(n.dur_beats for n in notes) - 4.0) < 1e-6  # legato, no holes
        assert all(28 <= n.pitch <= 57 for n in notes), notes
        line += notes
    assert len(line) > 2 * len(slots)  # it moves inside the chords, not one note each
    # a note that leads into a chord change moves to the new bass by step (a passing or
    # neighbour tone), or is the old bass itself (the line then moves by chord)
    for prev_n, nxt in zip(line, line[1:], strict=False):
        here = next(s for s in slots if s.start_beat <= prev_n.start_beats < s.end_beat)
        on_change = any(abs(s.start_beat - nxt.start_beats) < 1e-6 for s in slots)
        if on_change and prev_n.pitch % 12 not in here.chord.pcs:
            assert abs(nxt.pitch - prev_n.pitch) <= 2


def test_cellos_and_basses_play_the_bass_in_octaves() -> None:
    line = [Note(45, 0, 4), Note(48, 4, 4)]
    got = bass_octaves(line, ["cello", "double_bass"])
    assert [n.pitch for n in got["double_bass"]] == [33, 36]
    assert got["cello"] == line
    low = [Note(36, 0, 4), Note(40, 4, 4)]  # too low for the basses to go under
    got = bass_octaves(low, ["cello", "double_bass"])
    assert [n.pitch for n in got["cello"]] == [48, 52] and got["double_bass"] == low
    assert bass_octaves(line, ["bassoon"]) == {"bassoon": line}


@pytest.mark.parametrize("voice", ["male", "female"])
def test_a_quiet_cue_under_dialogue_keeps_a_bass_in_every_bar(voice: str) -> None:
    """The 1M5 case: a soft romance with lines over it; the bass must not vanish."""
    talk = [(2.0, 8.0, "OWEN"), (10.0, 15.0, "NELL"), (18.0, 24.0, "OWEN")]
    cue = make_cue(40.0, [(26.0, True, "downbeat")], "romance", "tender", dialogue=talk)
    res, sol = draft(cue, themes={"t": theme()}, plan_row={"themes": ["t"]},
                     voices={"OWEN": voice, "NELL": voice})
    bass = [n for p in res.score.parts if p.role == "bass" for n in p.notes]
    tm = sol.tempo_map
    bar_starts = [float(tm.bar_start(b)) for b in range(1, 99)
                  if float(tm.bar_start(b)) < float(tm.total_beats(40)) - 1]
    empty = [i + 1 for i, b in enumerate(bar_starts)
             if not any(n.start_beats < b + 4 - 1e-6 and n.end_beats > b + 1e-6 for n in bass)]
    assert len(empty) <= 1, (empty, res.form)
    # under the lines the bass sits below the speaker's band
    band_lo = res.report["dialogue"]["speakers"]["OWEN"]["band"][0]
    assert min(n.pitch for n in bass) < band_lo
    assert res.report["dialogue"]["voice_band_notes"] == 0
    # the bass moves in the build (not one held root per chord)
    build = [s for s in res.form if s["name"] == "build"]
    assert "bass moving" in build[0]["texture"]


# ----------------------------------------------------------------------------- melody
def test_phrase_line_has_one_climax_in_the_consequent_and_cadences_by_step() -> None:
    bars, slots = plan(8)
    for seed in range(12):
        line = phrase_line(slots, bars, 0, 7, KEY, 75, 62, 91, random.Random(seed), "lyrical")
        first = [n for n in line if n.start_beats < 16]
        second = [n for n in line if n.start_beats >= 16]
        top = max(n.pitch for n in line)
        assert max(n.pitch for n in second) == top >= max(n.pitch for n in first)
        assert sum(n.pitch == top for n in second) == 1  # the peak is stated once
        assert line[-1].pitch % 12 == KEY.tonic  # a full close
        assert abs(line[-1].pitch - line[-2].pitch) <= 2  # reached by step
        assert len({round(n.dur_beats, 3) for n in line}) >= 3  # not one note value
        assert any(n.pitch % 12 not in next(s for s in slots if s.start_beat <= n.start_beats
                                            < s.end_beat).chord.pcs for n in line)  # passing


def test_phrase_line_speaks_the_themes_rhythm() -> None:
    bars, slots = plan(8)
    head = [Note(70, 0, 1.5), Note(72, 1.5, 0.5), Note(73, 2, 2)]
    cell = rhythm_cell(head, 4.0)
    assert cell == [(0, 1.5), (1.5, 0.5), (2, 2.0)]
    line = phrase_line(slots, bars, 0, 7, KEY, 75, 62, 91, random.Random(3), "lyrical", cell)
    for bar in (0, 4):  # each phrase opens with it
        got = [(n.start_beats - 4 * bar, n.dur_beats) for n in line
               if 4 * bar <= n.start_beats < 4 * bar + 4]
        assert got == [(0, 1.5), (1.5, 0.5), (2, 2.0)]


def test_counter_line_answers_the_tune_from_below() -> None:
    _, slots = plan(4)
    tune = [Note(77, 0, 4), Note(80, 4, 1), Note(78, 5, 1), Note(77, 6, 1), Note(75, 7, 1),
            Note(73, 8, 4), Note(75, 12, 2), Note(77, 14, 2)]
    cm = counter_melody(tune, slots, 0, 16, 2.0, random.Random(4))

    def tune_at(t: float) -> int:
        return next(n.pitch for n in tune if n.start_beats <= t + 1e-6 < n.end_beats)
    assert all(n.pitch < tune_at(n.start_beats) for n in cm)
    assert all(tune_at(n.start_beats) - n.pitch <= 16 for n in cm)
    # while the tune holds its first whole note the counter-line moves
    assert len([n for n in cm if n.start_beats < 4]) >= 3
    assert max(len([n for n in cm if a <= n.start_beats < a + 2]) for a in (4, 6)) <= 2


def test_a_piano_holding_the_bass_plays_the_chords_too_and_keeps_them_out_of_the_mud() -> None:
    """The 1M4 band (cello tune, piano, celesta): the piano's left hand has the bass and
    its right hand the chords (no layer is lost), the chords not pushed under C3 by the
    cello's tune nor by a male voice's line."""
    talk = [(4.0, 14.0, "THOMAS"), (18.0, 26.0, "THOMAS")]
    cue = make_cue(36.0, [(28.0, True, "downbeat")], "romance", "sad", dialogue=talk)
    band = {"name": "music box", "instruments": ["cello", "piano", "celesta"], "lead": "cello"}
    res, _ = draft(cue, palette=band, themes={"t": theme()}, plan_row={"themes": ["t"]},
                   voices={"THOMAS": "male"})
    piano = next(p for p in res.score.parts if p.instrument == "piano")
    chords = [n for n in piano.notes if any(m.pitch < n.pitch and m.start_beats < n.end_beats
                                            and m.end_beats > n.start_beats for m in piano.notes)]
    assert chords, "the piano plays only the bass"
    assert min(n.pitch for n in chords) >= 45  # not in the mud under a tenor tune and a voice
    assert res.report["dialogue"]["voice_band_notes"] == 0


def test_arpeggio_figures_differ_between_sections() -> None:
    from assistant.compose.texture import ARPEGGIO_SHAPES, _arpeggio

    up = [61, 65, 68, 73]  # D flat major, close, with the octave
    cycles = {s: _arpeggio(up, s, 84) for s in ARPEGGIO_SHAPES}
    assert cycles == {"wave": [61, 65, 68, 73, 68, 65], "rising": [61, 68, 73, 77],
                      "broken": [61, 68, 65, 68]}
    assert _arpeggio(up, "rising", 75) == [61, 68, 73]  # never over the layer's ceiling


def test_counter_line_does_not_trill_between_two_notes() -> None:
    _, slots = plan(8)
    tune = [Note(77 + (i % 3), 4.0 * i, 4.0) for i in range(8)]  # long notes: it moves
    for seed in range(8):
        cm = counter_melody(tune, slots, 0, 32, 2.0, random.Random(seed))
        ps = [n.pitch for n in cm]
        abab = [i for i in range(len(ps) - 3) if ps[i] == ps[i + 2] and ps[i + 1] == ps[i + 3]
                and ps[i] != ps[i + 1]]
        assert len(abab) <= 1, ps


def test_a_short_tag_after_a_phrase_does_not_take_the_climax() -> None:
    """Six bars (a phrase and a two-bar tag, as 1M5's connective bars): the peak is the
    phrase's, and the tag closes under it."""
    bars, slots = plan(6)
    for seed in range(10):
        line = phrase_line(slots, bars, 0, 5, KEY, 75, 62, 91, random.Random(seed), "lyrical")
        first = [n.pitch for n in line if n.start_beats < 16]
        tag = [n.pitch for n in line if n.start_beats >= 16]
        assert max(first) > max(tag), (first, tag)
        assert line[-1].pitch % 12 == slots[-1].chord.root  # the close on the chord's root
