"""Audio, Broadcast Wave and notation renderers (assistant.render.audio / wav / notation)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import InputError
from assistant.music.score import Note, Part, Score
from assistant.render.audio import (
    default_soundfont,
    pretty_midi_soundfont,
    render_parts,
    render_score,
    score_seconds,
    score_tempo_map,
    section_of,
)
from assistant.render.notation import dynamic_of, svg_pages, write_musicxml, write_parts
from assistant.render.wav import read_audio, read_bwf, time_reference_samples, write_wav


def small_score() -> Score:
    mel = [Note(62 + (i * 5) % 12, i * 0.5, 0.5, 50 + (i * 7) % 60) for i in range(32)]
    return Score(
        parts=[Part("Clarinet", "clarinet", 71, notes=mel),
               Part("Horn", "horn", 60, notes=[Note(50 + i % 5, i * 2.0, 2.0, 70) for i in range(8)]),
               Part("Violin", "violin", 40, notes=[Note(74, 0, 12, 80), Note(76, 12, 4, 96)]),
               Part("Drums", "drums", 0, True, notes=[Note(36, i, 0.5, 100) for i in range(16)]
                    + [Note(42, i, 0.5, 80) for i in range(0, 16, 2)])],  # kick + hat chords
        tempos=[(0.0, 117.55), (8.0, 96.0)], meters=[(0.0, 4, 4), (8.0, 3, 4), (11.0, 4, 4)],
        markers=[(0.0, "A"), (4.0, "HIT door")], key="D minor")


def test_default_soundfont_exists_and_fallback_is_shipped():
    assert default_soundfont().is_file()
    tim = pretty_midi_soundfont()
    assert tim is not None and tim.name == "TimGM6mb.sf2"


def test_soundfont_env_must_name_a_file(monkeypatch, tmp_path):
    monkeypatch.setenv("SCORING_ASSISTANT_SOUNDFONT", str(tmp_path / "missing.sf2"))
    with pytest.raises(InputError, match="SCORING_ASSISTANT_SOUNDFONT"):
        default_soundfont()


def test_render_is_stereo_48k_and_not_silent():
    s = small_score()
    audio = render_score(s, length_s=10.0)
    assert audio.shape == (480_000, 2) and audio.dtype == np.float32
    peak = float(np.abs(audio).max())
    rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
    assert 20 * np.log10(rms) > -50  # LISTEN-equivalent: there is music
    assert np.isfinite(audio).all() and peak < 4.0  # float: the mix stage sets the level
    # sound where the notes are: the first second is louder than the last of the 10 s
    assert np.abs(audio[:48_000]).max() > 10 * np.abs(audio[-4_800:]).max()


def test_parts_sum_to_the_whole_render():
    s = small_score()
    whole = render_score(s, length_s=9.0)
    parts = render_parts(s, length_s=9.0)
    residual = np.abs(sum(parts) - whole).max()
    assert 20 * np.log10(residual + 1e-12) <= -60


def test_timgm_soundfont_renders_too():
    s = small_score()
    a = render_score(s, soundfont=pretty_midi_soundfont(), length_s=3.0)
    assert np.abs(a).max() > 1e-3


def test_tempo_map_of_score_is_the_bridge():
    s = small_score()
    tm = score_tempo_map(s)
    assert [(m.bar, m.numerator) for m in tm.meters] == [(1, 4), (3, 3), (4, 4)]
    assert score_seconds(s) == pytest.approx(8 * 60 / 117.55 + 8 * 60 / 96.0)
    assert section_of(s.parts[3]) == "percussion" and section_of(s.parts[0]) == "woodwinds"


@pytest.mark.parametrize("rate,tc,expected_s", [
    ("24", "01:00:00:00", 3600), ("23.976", "01:00:00:00", 86400 * 1001 / 24000),
    ("25", "00:00:01:05", 1.2), ("29.97 DF", "00:01:00;02", 1800 * 1001 / 30000)])
def test_time_reference_counts_label_frames_in_real_time(rate, tc, expected_s):
    assert time_reference_samples(tc, rate, 48000) == round(expected_s * 48000)


def test_bwf_round_trip(tmp_path):
    a = (np.random.default_rng(0).standard_normal((4800, 2)) * 0.1).astype(np.float32)
    ref = time_reference_samples("01:00:10:12", "23.976", 48000)
    p = write_wav(tmp_path / "x.wav", a, 48000, time_reference_samples=ref, description="1M1",
                  loudness_lufs=-23.0, true_peak_dbtp=-1.25, markers=[(0, "COUNT-IN"), (960, "CUE")])
    info = read_bwf(p)
    assert info["time_reference"] == ref and info["description"] == "1M1"
    assert info["sample_rate"] == 48000 and info["bits"] == 24 and info["frames"] == 4800
    assert info["loudness_lufs"] == -23.0 and info["true_peak_dbtp"] == -1.25
    assert info["markers"] == [(0, "COUNT-IN"), (960, "CUE")]
    back, sr = read_audio(p)
    assert sr == 48000 and np.abs(back - a).max() < 2 ** -22
    assert os.stat(p).st_mode & 0o777 == 0o644


def test_wav_refuses_nan(tmp_path):
    with pytest.raises(InputError, match="NaN"):
        write_wav(tmp_path / "bad.wav", np.full((10, 2), np.nan, np.float32), 48000)


def test_dynamics_scale():
    assert [dynamic_of(v) for v in (20, 50, 60, 80, 100, 120)] == ["pp", "p", "mp", "mf", "f", "ff"]


def test_musicxml_carries_title_cue_tc_marks(tmp_path):
    from music21 import converter

    p = write_musicxml(small_score(), tmp_path / "1M1.musicxml", title="The Lamp", cue_id="1M1",
                       start_tc="01:00:10:12")
    text = p.read_text()
    assert "The Lamp" in text and "1M1 @ 01:00:10:12" in text
    assert "<rehearsal" in text and "HIT door" in text and "<per-minute>117.55" in text
    assert "<dynamics" in text
    sc = converter.parse(str(p))
    assert len(sc.parts) == 4
    ts = [t.ratioString for t in sc.parts[0].recurse().getElementsByClass("TimeSignature")]
    assert ts == ["4/4", "3/4", "4/4"]


def test_parts_are_written_transposed(tmp_path):
    from music21 import converter

    s = small_score()
    paths = write_parts(s, tmp_path / "parts", title="The Lamp", cue_id="1M1")
    assert set(paths) == {"Clarinet", "Horn", "Violin", "Drums"}
    cl = converter.parse(str(paths["Clarinet"]))
    written = [n.pitch.midi for n in cl.recurse().notes if not n.tie or n.tie.type == "start"]
    assert written[:4] == [n.pitch + 2 for n in s.parts[0].notes[:4]]
    hn = converter.parse(str(paths["Horn"]))
    first = next(iter(hn.recurse().notes))
    assert first.pitch.midi == s.parts[1].notes[0].pitch + 7
    vln = converter.parse(str(paths["Violin"]))
    assert next(iter(vln.recurse().notes)).pitch.midi == 74


def test_svg_pages_are_deterministic(tmp_path):
    p = write_musicxml(small_score(), tmp_path / "s.musicxml", title="T", cue_id="1M1")
    a, b = svg_pages(p), svg_pages(p.read_text())
    assert a and a == b and a[0].lstrip().startswith(("<svg", "<?xml"))


def test_musicxml_opens_in_musescore(tmp_path):
    exe = shutil.which("mscore3")
    if exe is None:
        pytest.skip("mscore3 (MuseScore 3) is not installed")
    p = write_musicxml(small_score(), tmp_path / "s.musicxml", title="T", cue_id="1M1",
                       start_tc="01:00:00:00")
    out = tmp_path / "out.pdf"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
    proc = subprocess.run([exe, "-o", str(out), str(p)], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-500:]
    assert out.is_file() and out.read_bytes()[:4] == b"%PDF"


def test_empty_score_is_refused_for_notation(tmp_path):
    with pytest.raises(InputError, match="no parts"):
        write_musicxml(Score(), tmp_path / "x.musicxml", title="x")


def test_render_empty_part_list_gives_silence():
    a = render_score(Score(parts=[Part("x")]), length_s=0.5)
    assert a.shape == (24000, 2) and not a.any()


def test_files_are_world_readable(tmp_path):
    p = write_musicxml(small_score(), tmp_path / "s.musicxml", title="T")
    assert os.stat(p).st_mode & 0o777 == 0o644
    assert Path(p).stat().st_size > 1000


def test_score_and_parts_in_one_pass(tmp_path):
    from music21 import converter

    from assistant.render.notation import write_score_and_parts

    s = small_score()
    xml, parts = write_score_and_parts(s, tmp_path / "1M1.musicxml", tmp_path / "parts",
                                       title="The Lamp", cue_id="1M1", start_tc="01:00:10:12")
    full = converter.parse(str(xml))
    marks = [len(list(p.recurse().getElementsByClass("MetronomeMark"))) for p in full.parts]
    assert marks[0] == 2 and marks[1:] == [0, 0, 0]  # tempo marks on the top staff only
    for path in parts.values():
        one = converter.parse(str(path))
        assert len(list(one.recurse().getElementsByClass("MetronomeMark"))) == 2
        assert len(list(one.recurse().getElementsByClass("RehearsalMark"))) == 1
    cl = converter.parse(str(parts["Clarinet"]))
    first = next(iter(cl.recurse().notes))
    assert first.pitch.midi == s.parts[0].notes[0].pitch + 2  # written a tone up


def test_played_gaps_and_jitter_do_not_become_rests(tmp_path):
    from music21 import converter

    played = [Note(60 + i % 5, i * 0.5 + (0.01 if i % 3 else -0.01), 0.42, 80) for i in range(8)]
    trip = [Note(67, 4 + i / 3, 1 / 3 - 0.05, 80) for i in range(6)]
    s = Score(parts=[Part("Flute", "flute", 73, notes=played + trip)])
    sc = converter.parse(str(write_musicxml(s, tmp_path / "f.musicxml", title="t")))
    notes = list(sc.recurse().notesAndRests)
    assert not any(n.isRest for n in notes[:14])  # bars 1-2 are full of notes, no rests
    assert [float(n.quarterLength) for n in notes[:8]] == [0.5] * 8
    assert all(abs(float(n.quarterLength) - 1 / 3) < 1e-6 for n in notes[8:14])


def test_keyboard_part_on_a_braced_grand_staff(tmp_path):
    from music21 import converter

    s = Score(parts=[Part("Piano", "piano", 0, notes=[Note(48, i, 1, 60) for i in range(8)]
                          + [Note(64, i, 0.5, 70) for i in range(8)])])
    text = write_musicxml(s, tmp_path / "p.musicxml", title="t").read_text()
    assert "<staves>2</staves>" in text  # one part, two staves (readers brace them)
    sc = converter.parse(str(tmp_path / "p.musicxml"))
    staves = list(sc.parts)
    assert len(staves) == 2
    assert min(n.pitch.midi for n in staves[0].recurse().notes) >= 60
    assert max(n.pitch.midi for n in staves[1].recurse().notes) < 60
