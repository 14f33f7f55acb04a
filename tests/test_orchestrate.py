"""Orchestration pieces: palettes (built in and user files), ranges, chord spreading,
the dialogue pass, dynamics, and the score model's new fields through MIDI."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.analysis.instruments import INSTRUMENTS
from assistant.errors import InputError
from assistant.music.score import Note, Part, Score
from assistant.orchestrate.assign import RangeReport, fit_line, limit_voices, spread_chord
from assistant.orchestrate.dialogue import Line, dialogue_pass, voice_band_notes
from assistant.orchestrate.dynamics import LevelCurve, markings, velocity_for
from assistant.orchestrate.palettes import BUILTIN, ensemble_for, get_palette, load_palette_file

PITCHED = [i for i, ins in INSTRUMENTS.items() if not ins.is_drum]


# ----------------------------------------------------------------------------- palettes
def test_builtin_palettes_and_aliases() -> None:
    assert set(BUILTIN) == {"full_orchestra", "strings", "chamber", "piano", "hybrid"}
    assert get_palette("strings only").name == "strings"
    assert get_palette("Solo Piano").instruments == ("piano",)
    assert get_palette(None).name == "full_orchestra"
    assert "synth_pad" in get_palette("hybrid").instruments
    with pytest.raises(InputError, match="unknown palette"):
        get_palette("gamelan")


def test_user_palette_json_and_toml(tmp_path) -> None:
    j = tmp_path / "keepers.json"
    j.write_text(json.dumps({"name": "keepers", "instruments": ["violin", "viola", "cello",
                                                               "double_bass", "harp", "horn"],
                             "lead": "english_horn", "description": "strings + a cor anglais"}))
    p = get_palette(str(j))
    assert p.name == "keepers" and p.lead == "english_horn" and "english_horn" in p.instruments
    t = tmp_path / "world.toml"
    t.write_text('name = "world"\ninstruments = ["piano", "cello", "synth_pad"]\nlead = "voice"\n')
    w = load_palette_file(t)
    assert w.lead == "voice" and w.instruments[-1] == "voice"


@pytest.mark.parametrize("text,match", [
    ('{"name": "x", "instruments": ["kazoo"]}', "unknown instrument"),
    ('{"name": "x", "instruments": "violin"}', "list of instrument ids"),
    ('{"name": "x", "instruments": ["violin"], "colour": 1}', "unknown palette field"),
    ('{"name": "x", "instruments": [', "invalid JSON"),
])
def test_bad_palette_files_name_file_and_field(tmp_path, text: str, match: str) -> None:
    f = tmp_path / "bad.json"
    f.write_text(text)
    with pytest.raises(InputError, match=match) as exc:
        load_palette_file(f)
    assert str(f) in str(exc.value) or "instruments" in str(exc.value) or "palette" in str(exc.value)


def test_too_many_pitched_instruments_is_an_error() -> None:
    with pytest.raises(InputError, match="at most 15"):
        get_palette({"name": "huge", "instruments": PITCHED[:16]})


def test_ensemble_obeys_the_brief() -> None:
    ens = ensemble_for(BUILTIN["full_orchestra"], include=["celesta"], exclude=["trumpet", "percussion"],
                       lead="english_horn")
    assert "trumpet" not in ens.sounding and "percussion" not in ens.sounding
    assert {"celesta", "english_horn"} <= set(ens.sounding)
    assert len(ens.pitched) <= 15
    solo = ensemble_for(BUILTIN["piano"], include=["flute", "violin"])
    assert solo.sounding == ["piano"] and solo.not_added == ["flute", "violin"]
    with pytest.raises(InputError, match="excludes every instrument"):
        ensemble_for(BUILTIN["piano"], exclude=["piano", "violin", "cello", "flute", "clarinet",
                                                "harp"])


# ----------------------------------------------------------------------------- ranges
@settings(max_examples=60, deadline=None)
@given(iid=st.sampled_from(PITCHED), pitches=st.lists(st.integers(0, 127), min_size=1, max_size=30))
def test_fit_line_never_leaves_the_professional_range(iid: str, pitches: list[int]) -> None:
    notes = [Note(p, i * 0.5, 0.5) for i, p in enumerate(pitches)]
    rr = RangeReport()
    out = fit_line(notes, iid, rr)
    lo, hi = INSTRUMENTS[iid].professional
    assert all(lo <= n.pitch <= hi for n in out)
    assert len(out) + rr.dropped.get(iid, 0) == len(notes)
    clo, chi = INSTRUMENTS[iid].comfortable
    assert rr.uncomfortable.get(iid, 0) == sum(1 for n in out if not clo <= n.pitch <= chi)


def test_fit_line_keeps_a_lines_shape() -> None:
    line = [Note(p, i, 1) for i, p in enumerate([84, 86, 88, 86, 84])]  # too high for a cello
    out = fit_line(line, "cello", RangeReport())
    assert [b.pitch - a.pitch for a, b in zip(out, out[1:], strict=False)] == [2, 2, -2, -2]


def test_spread_chord_voices_sections_by_register() -> None:
    chord = [Note(p, 0, 4) for p in (55, 62, 67, 71)]
    parts = spread_chord(chord, ["cello", "violin", "viola"])
    tops = {i: max(n.pitch for n in ns) for i, ns in parts.items() if ns}
    assert tops["violin"] > tops["viola"] > tops["cello"]
    assert sum(len(ns) for ns in parts.values()) == 4


def test_limit_voices_keeps_outer_voices() -> None:
    chord = [Note(p, 0, 1) for p in (48, 55, 60, 64, 67)]
    assert [n.pitch for n in limit_voices(chord, 2)] == [48, 67]


# ----------------------------------------------------------------------------- dialogue
def test_dialogue_pass_clears_the_band_and_thins() -> None:
    line = Line(4.0, 12.0, "OWEN", 47)  # male voice: band 38-56
    parts = [
        Part("cello", "cello", 42, notes=[Note(50, 0, 16), Note(45, 4, 4), Note(52, 8, 2)], role="harmony"),
        Part("violin", "violin", 40, notes=[Note(55, 6, 2), Note(72, 0, 16)], role="melody"),
        Part("percussion", "percussion", 0, True, [Note(49, 5, 1), Note(36, 14, 1)], role="percussion"),
    ]
    before = voice_band_notes(parts, [line])
    stats = dialogue_pass(parts, [line])
    after = voice_band_notes(parts, [line])
    assert before == 4 and after == 0
    assert [n.pitch for n in parts[2].notes] == [36]  # the crash under the line is gone
    assert stats["thinned"] == 1
    assert all(INSTRUMENTS[p.instrument].is_drum or all(
        INSTRUMENTS[p.instrument].professional[0] <= n.pitch <= INSTRUMENTS[p.instrument].professional[1]
        for n in p.notes) for p in parts)


def test_melody_entry_under_a_line_waits_for_the_gap() -> None:
    line = Line(2.0, 6.0, "NELL", 55)
    mel = [Note(76, 0, 1), Note(74, 3, 1), Note(72, 4, 1), Note(71, 5, 1), Note(69, 6, 2)]
    part = Part("flute", "flute", 73, notes=mel[:1] + mel[1:], role="melody")
    dialogue_pass([part], [line])
    assert [n.start_beats for n in part.notes] == [0, 6]  # the phrase enters at the gap


# ----------------------------------------------------------------------------- dynamics
def test_level_curve_and_markings() -> None:
    c = LevelCurve()
    c.add(0, 1.0)
    c.add(8, 1.0)
    c.add(16, 4.0)
    assert c.at(12) == pytest.approx(2.5)
    marks = markings(c, [0.0, 16.0], 32.0)
    assert (0.0, "p") in marks and (16.0, "f") in marks and (8.0, "cresc") in marks
    capped = c.capped([(14.0, 20.0)], 2.0)
    assert capped.at(16) == 2.0 and capped.at(0) == 1.0


def test_velocities_follow_level_accent_and_ceiling() -> None:
    assert velocity_for(0) < velocity_for(2.5) < velocity_for(5)
    assert velocity_for(3, "sforzando") > velocity_for(3)
    assert velocity_for(3, role="melody") > velocity_for(3, role="harmony")
    assert velocity_for(5, "sforzando", max_level=2) <= 60 + 16


# ----------------------------------------------------------------------------- score model
def test_score_articulations_dynamics_and_cc_round_trip(tmp_path) -> None:
    part = Part("violin", "violin", 40, notes=[Note(67, 0, 1, 90, "accent"), Note(69, 1, 1)],
                role="melody", dynamics=[(0.0, "mf"), (1.0, "cresc")],
                cc={1: [(0.0, 60), (1.0, 90)], 11: [(0.0, 100)]})
    s = Score(parts=[part], key="G major")
    back = Score.from_midi(s.to_midi(tmp_path / "a.mid"))
    p = back.parts[0]
    assert p.instrument == "violin" and p.dynamics == [(0.0, "mf"), (1.0, "cresc")]
    assert p.cc[1] == [(0.0, 60), (1.0, 90)] and p.cc[11] == [(0.0, 100)]
    assert [n.pitch for n in p.notes] == [67, 69]
    assert [n.articulation for n in p.notes] == ["accent", ""]  # articulations survive MIDI
    assert p.role == "melody" and [n.pitch for n in back.tune()] == [67, 69]
    old = Part("x", notes=[(60, 0, 1)])  # old callers: tuples, no new fields
    assert old.role == "" and old.dynamics == [] and old.notes[0].articulation == ""
