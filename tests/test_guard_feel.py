"""'Like the temp in feel, not in notes': brief attributes from temp-track fixtures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.errors import InputError
from assistant.guard.feel import feel_from_file, mode_of

FIX = Path(__file__).resolve().parent / "fixtures" / "guard"


def test_feel_of_midi_theme() -> None:
    f = feel_from_file(FIX / "theme.mid")
    assert f["tempo_bpm"] == [95.0, 105.0]
    assert f["meter"] == "3/4"
    assert f["mode"] == "minor" and f["key"] == "D minor"
    assert f["include_instruments"] == ["flute"]
    assert f["dynamics"] == ["mp", "mf"]  # velocities 64-84
    assert f["register"] == "mid" and f["pitch_range"] == [57, 74]
    assert f["density"] == "mid" and f["onsets_per_beat"] == 1.0  # 24 notes in 24 beats
    assert f["avoid_references"] == ["theme.mid"]


def test_feel_of_polyphonic_midi_and_musicxml() -> None:
    f = feel_from_file(FIX / "poly.mid")
    assert f["include_instruments"] == ["piano", "double_bass", "drums"]
    g = feel_from_file(FIX / "theme_variant.musicxml")
    assert g["tempo_bpm"] == [57.0, 63.0] and g["meter"] == "3/4"
    assert g["include_instruments"] == ["violin"]
    assert g["dynamics"] is None  # the MusicXML has no dynamics


def test_modes() -> None:
    major = np.zeros(12)
    major[[0, 2, 4, 5, 7, 9, 11]] = [3, 1, 2, 1, 2, 1, 1]
    assert mode_of(major) == ("major", "C major")
    mixo = major.copy()
    mixo[11], mixo[10] = 0.0, 1.5
    assert mode_of(mixo)[0] == "modal"


def test_feel_bad_file() -> None:
    with pytest.raises(InputError):
        feel_from_file(FIX / "bad.mid")


def _clarinet_scale(tmp_path: Path) -> Path:
    """A Bb clarinet part written in D major (it sounds in C major, a tone lower)."""
    from music21 import instrument, meter, note, stream

    s, p = stream.Score(), stream.Part()
    p.insert(0, instrument.Clarinet())
    p.append(meter.TimeSignature("4/4"))
    for n in ("D4", "E4", "F#4", "G4", "A4", "B4", "C#5", "D5", "A4", "F#4", "D4"):
        p.append(note.Note(n, quarterLength=1))
    p.atSoundingPitch = False
    s.append(p)
    path = tmp_path / "clarinet.musicxml"
    s.write("musicxml", fp=str(path))
    assert "<chromatic>-2</chromatic>" in path.read_text()  # written transposed
    return path


def test_feel_reads_transposing_parts_at_sounding_pitch(tmp_path: Path) -> None:
    f = feel_from_file(_clarinet_scale(tmp_path))
    assert f["key"] == "C major"  # written D major
    assert f["pitch_range"] == [60, 72]  # written D4-D5
    assert f["include_instruments"] == ["clarinet"]


def test_guard_lines_are_at_sounding_pitch(tmp_path: Path) -> None:
    from assistant.guard.melody import load_melodies

    (m,) = load_melodies(_clarinet_scale(tmp_path))
    assert m.pitches[:3].tolist() == [60, 62, 64]
