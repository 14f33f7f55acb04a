"""Drafting theory: keys, Roman numerals, spelling, voice leading, phrases, the law reader."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.compose.form import Bar
from assistant.compose.harmony import ChordSlot
from assistant.compose.phrase import phrase_line
from assistant.compose.theory import Key, chord_from_roman, remap_mode, voice_chord
from assistant.errors import InputError

ROMANS = ["I", "ii", "iii", "IV", "V", "vi", "bVI", "bVII", "bII", "i", "iv", "V7", "#iv°", "bIII+",
          "Icl", "IV/3", "i/5", "II", "ii°", "sus4", "V/7"]


@pytest.mark.parametrize("text,tonic,mode", [("D minor", 2, "minor"), ("Bb", 10, "major"),
                                             ("F# dorian", 6, "dorian"), ("Am", 9, "minor"),
                                             ("Eb major", 3, "major"), ("C modal", 0, "dorian")])
def test_key_parse(text: str, tonic: int, mode: str) -> None:
    k = Key.parse(text)
    assert (k.tonic, k.mode) == (tonic, mode)


@pytest.mark.parametrize("bad", ["H minor", "D mystic", "", "7"])
def test_key_parse_rejects(bad: str) -> None:
    with pytest.raises(InputError):
        Key.parse(bad)


def test_roman_numerals_and_spelling() -> None:
    d = Key(2, "minor")
    assert chord_from_roman("bVI", d).symbol == "Bb"
    assert chord_from_roman("bII", d).spelled(d) == "Eb"  # Phrygian bII
    assert chord_from_roman("V", d).pcs == (9, 1, 4)  # the raised leading note
    db = Key(1, "major")
    assert chord_from_roman("IV", db).spelled(db) == "Gb"
    assert chord_from_roman("V/7", db).spelled(db) == "Ab/C"  # first inversion
    g = Key(7, "major")
    assert chord_from_roman("#i°", g).spelled(g) == "G#dim"
    assert chord_from_roman("bVII", Key(2, "major")).spelled(Key(2, "major")) == "C"
    assert Key(6, "major").name == "Gb major" and Key(1, "minor").name == "C# minor"
    with pytest.raises(InputError):
        chord_from_roman("VIII", d)


def test_mode_remap_keeps_the_degree() -> None:
    c_major, c_minor = Key(0, "major"), Key(0, "minor")
    assert [remap_mode(p, c_major, c_minor) for p in (60, 62, 64, 65, 67, 69, 71)] == \
        [60, 62, 63, 65, 67, 68, 70]


@settings(max_examples=80, deadline=None)
@given(tonic=st.integers(0, 11), mode=st.sampled_from(["major", "minor"]),
       seq=st.lists(st.sampled_from([r for r in ROMANS if r != "sus4"]), min_size=2, max_size=8),
       n=st.integers(2, 4))
def test_voice_leading_invariants(tonic: int, mode: str, seq: list[str], n: int) -> None:
    key = Key(tonic, mode)
    prev = None
    for r in seq:
        ch = chord_from_roman(r, key)
        v = voice_chord(ch, prev, n, 52, 81)
        assert v == sorted(v) and len(set(v)) == len(v)  # no crossing, no unison
        assert all(52 <= p <= 81 for p in v)
        assert all(p % 12 in ch.pcs for p in v)
        if len(v) >= 2 and ch.quality != "cl":
            assert ch.root in {p % 12 for p in v} or (ch.third_pc in {p % 12 for p in v})
        if prev is not None and len(prev) == len(v):
            assert max(abs(a - b) for a, b in zip(v, prev, strict=True)) <= 12
        prev = v


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 1000), style=st.sampled_from(["lyrical", "march", "lively", "tense"]),
       meter=st.sampled_from([(4, 4), (3, 4), (6, 8), (2, 4)]), n_bars=st.integers(1, 9))
def test_phrase_lines_stay_in_their_bars_range_and_chords(seed, style, meter, n_bars) -> None:
    key = Key(2, "minor")
    bar_q = meter[0] * 4 / meter[1]
    bars = [Bar(i + 1, bar_q * i, bar_q * (i + 1), meter, bar_q) for i in range(n_bars)]
    romans = ["i", "iv", "V", "i", "bVI", "bIII", "iv", "V", "i"]
    slots = [ChordSlot(b.start_beat, b.end_beat, chord_from_roman(romans[i % 9], key), key, b.number)
             for i, b in enumerate(bars)]
    line = phrase_line(slots, bars, 0, n_bars - 1, key, 70, 60, 84, random.Random(seed), style)
    assert line and all(60 <= n.pitch <= 84 for n in line)
    assert all(n.end_beats <= bars[-1].end_beat + 1e-6 for n in line)
    assert all(b.start_beats >= a.end_beats - 1e-6 for a, b in zip(line, line[1:], strict=False))
    for n in line:  # downbeats are chord tones
        i = int(n.start_beats // bar_q)
        if abs(n.start_beats - bars[i].start_beat) < 1e-6:
            assert n.pitch % 12 in slots[i].chord.pcs
