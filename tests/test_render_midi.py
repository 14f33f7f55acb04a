"""Every MIDI the project writes carries the SMPTE offset of where it belongs."""

from __future__ import annotations

import mido
import pytest

from assistant.errors import InputError
from assistant.music.score import Note, Part, Score
from assistant.sync.midi import stamp_midi


def smpte(path):
    return [m for m in mido.MidiFile(str(path)).tracks[0] if m.type == "smpte_offset"]


@pytest.mark.parametrize("rate,code", [("23.976", 24), ("24", 24), ("25", 25),
                                       ("29.97 DF", 29.97), ("30", 30)])
def test_stamp_keeps_tempo_map_and_meters(tmp_path, rate, code):
    tc = "01:00:10;12" if "DF" in rate else "01:00:10:12"
    s = Score(parts=[Part("theme", "flute", 73, notes=[Note(72, 0, 1), Note(74, 1, 3)])],
              tempos=[(0.0, 90.0), (2.0, 72.0)], meters=[(0.0, 3, 4)])
    p = s.to_midi(tmp_path / "theme.mid")
    stamp_midi(p, tc, rate)
    stamp_midi(p, tc, rate)  # idempotent: still one offset
    (m,) = smpte(p)
    assert (m.frame_rate, m.hours, m.minutes, m.seconds, m.frames) == (code, 1, 0, 10, 12)
    back = Score.from_midi(p)
    assert [round(b, 3) for b, _ in back.tempos] == [0.0, 2.0]
    assert [round(t) for _, t in back.tempos] == [90, 72]
    assert back.meters == [(0.0, 3, 4)] and [n.pitch for n in back.notes] == [72, 74]


def test_stamp_adds_default_map_when_missing(tmp_path):
    mid = mido.MidiFile(type=1)
    tr = mido.MidiTrack()
    tr.append(mido.Message("note_on", note=60, velocity=80, time=0))
    tr.append(mido.Message("note_off", note=60, velocity=0, time=480))
    mid.tracks.append(tr)
    mid.save(str(tmp_path / "bare.mid"))
    stamp_midi(tmp_path / "bare.mid", "00:59:58:00", "25", out=tmp_path / "stamped.mid")
    types = [m.type for m in mido.MidiFile(str(tmp_path / "stamped.mid")).tracks[0]]
    assert types[:3] == ["smpte_offset", "set_tempo", "time_signature"]
    assert "note_on" in types


def test_stamp_refuses_bad_files(tmp_path):
    (tmp_path / "x.mid").write_bytes(b"not midi")
    with pytest.raises(InputError, match="MIDI"):
        stamp_midi(tmp_path / "x.mid", "01:00:00:00", "24")
