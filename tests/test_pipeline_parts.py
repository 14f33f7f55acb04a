"""The pipeline's own pieces, without any model: the cue MIDI writer, the measurements
taken on written music, the manifest checker, the briefs file and on-screen actions."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import mido
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.errors import InputError
from assistant.music.score import Note, Part, Score
from assistant.pipeline import measure
from assistant.pipeline.cuemidi import write_cue_midi
from assistant.pipeline.inputs import read_briefs
from assistant.pipeline.manifest import manifest_problems, midi_problems
from assistant.project import Cue, FilmProject, Hit
from assistant.sync.fit import SyncRequest, fit_tempo
from assistant.sync.midi import write_conductor_midi
from assistant.sync.tempo import TempoMap
from assistant.timecode import FrameRate

RATE = FrameRate.parse("24")


@pytest.fixture()
def conductor(tmp_path: Path) -> tuple[Path, TempoMap]:
    """A real conductor track: 10 s at 24 fps with a hit at 4 s, fitted by the sync engine."""
    sol = fit_tempo(SyncRequest(duration_s=10.0, hits=[4.0], fps=RATE, target_bpm=120,
                                mode="exact"), 1)[0]
    path = write_conductor_midi(sol, tmp_path / "c.mid", start_tc="01:00:10:00", fps=RATE,
                                cue_id="1M1")
    return path, sol.tempo_map


def _score() -> Score:
    return Score(parts=[
        Part("Violins I", "violin", 40, notes=[Note(76, 0, 2, 90), Note(74, 2, 2, 80)]),
        Part("Cellos", "cello", 42, notes=[Note(48, 0, 4, 70)]),
        Part("Violins II", "violin", 40, notes=[Note(69, 0, 4, 60)]),
        Part("Perc", "percussion", 0, is_drum=True, notes=[Note(49, 0, 1, 100)]),
    ], key="D minor")


def test_cue_midi_keeps_the_conductor_and_names_tracks_by_instrument(
        conductor: tuple[Path, TempoMap], tmp_path: Path) -> None:
    path, _ = conductor
    out = write_cue_midi(path, _score(), tmp_path / "cue.mid")
    mid, cond = mido.MidiFile(out), mido.MidiFile(path)
    assert mid.type == 1 and mid.ticks_per_beat == cond.ticks_per_beat
    assert [m for m in mid.tracks[0] if m.type != "text"] == list(cond.tracks[0])
    names = [next(m.name for m in t if m.type == "track_name") for t in mid.tracks[1:]]
    assert names == ["violin", "cello", "violin", "percussion"]
    assert midi_problems(out, n_hits=1) == []
    back = Score.from_midi(out)
    assert back.key == "D minor"
    assert sorted((n.pitch, n.start_beats, n.dur_beats) for n in back.notes) == sorted(
        (n.pitch, n.start_beats, n.dur_beats) for n in _score().notes)


def test_midi_checker_finds_broken_files(conductor: tuple[Path, TempoMap], tmp_path: Path) -> None:
    path, _ = conductor
    bad = _score()
    bad.parts[0].instrument = "kazoo"
    out = write_cue_midi(path, bad, tmp_path / "bad.mid")
    probs = midi_problems(out, n_hits=2)
    assert any("'kazoo'" in p for p in probs) and any("1 HIT markers for 2" in p for p in probs)


def test_coverage_counts_sound_and_reports_silences(conductor: tuple[Path, TempoMap]) -> None:
    _, tm = conductor
    beats_at = lambda s: float(tm.seconds_to_beat(Fraction(s)))  # noqa: E731
    s = Score(parts=[Part("a", "violin", 40, notes=[
        Note(60, 0, beats_at(3)), Note(62, beats_at(5), beats_at(10) - beats_at(5))])])
    cov = measure.coverage(s, tm, 10.0)
    assert cov["fraction"] == pytest.approx(0.8, abs=1e-3)
    assert cov["silences_s"] == [(3.0, 5.0)]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 18), st.floats(0.1, 4)), min_size=1, max_size=12))
def test_coverage_is_a_share(spans: list[tuple[float, float]]) -> None:
    tm = TempoMap([(Fraction(0), Fraction(120))])
    s = Score(parts=[Part("a", "flute", 73, notes=[Note(70, a, d) for a, d in spans])])
    cov = measure.coverage(s, tm, 10.0)
    assert 0.0 <= cov["fraction"] <= 1.0
    silent = sum(b - a for a, b in cov["silences_s"])
    assert cov["fraction"] + silent / 10.0 <= 1.0 + 1e-3


def test_hit_events_see_accents_and_cut_offs() -> None:
    tm = TempoMap([(Fraction(0), Fraction(120))])  # 2 beats a second
    s = Score(parts=[Part("t", "timpani", 47, notes=[Note(45, 0, 4), Note(45, 8, 1, 120)])])
    hits = [{"time_s": 4.0, "bar": 3, "beat": 1, "error_frames": 0.0, "important": True},
            {"time_s": 2.0, "bar": 2, "beat": 1, "error_frames": 0.0},
            {"time_s": 7.0, "bar": 4, "beat": 3, "error_frames": 0.0}]
    ev = measure.hit_events(s, tm, hits, RATE, 10.0)
    assert ev[0]["event"].startswith("accent") and ev[0]["event_error_frames"] == 0
    assert ev[1]["event"] == "cut-off"  # the first note ends on the hit
    assert ev[2]["event"] == "none" and ev[2]["event_error_frames"] is None


def test_voice_band_notes_only_count_under_dialogue() -> None:
    tm = TempoMap([(Fraction(0), Fraction(60))])  # a beat a second
    s = Score(parts=[Part("v", "viola", 41, notes=[
        Note(55, 0, 1), Note(55, 2, 1), Note(84, 2, 1), Note(50, 5, 1)])])
    assert measure.voice_band_notes(s, tm, [(1.5, 3.0)]) == 1  # 84 is above the band
    assert measure.voice_band_notes(s, tm, []) == 0
    assert measure.voice_band_notes(s, tm, [(0.0, 10.0)]) == 3


def test_range_report_separates_impossible_from_uncomfortable() -> None:
    s = Score(parts=[Part("c", "cello", 42, notes=[Note(30, 0, 1), Note(80, 1, 1), Note(50, 2, 1)])])
    r = measure.range_report(s)
    assert r["outside_professional"] == {"cello": 1} and r["outside_comfortable"] == {"cello": 1}


def test_manifest_checker_refuses_escaping_and_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    manifest = {"film": {"title": "t", "fps": "24", "start_tc": "01:00:00:00", "duration_s": 1},
                "cues": [], "files": {"ok": "a.txt", "up": "../a.txt", "abs": "/etc/passwd",
                                      "gone": "b.txt", "nested": {"x": ["a.txt"]}}}
    probs = manifest_problems(tmp_path, manifest)
    assert len(probs) == 3 and all(("../a.txt" in p or "/etc/passwd" in p or "b.txt" in p)
                                   for p in probs)


def test_briefs_file_lines(tmp_path: Path) -> None:
    film = FilmProject(title="t", cues=[Cue(id="1M1", start_s=0, end_s=5),
                                        Cue(id="1M2", start_s=6, end_s=9)])
    f = tmp_path / "b.txt"
    f.write_text("# director's notes\n\n1m1: slow and warm, strings\n1M2 : loud, brass\n")
    assert read_briefs(f, film) == [("1M1", "slow and warm, strings"), ("1M2", "loud, brass")]
    for text, line, field in (("1M1 slow\n", 1, "cue"), ("1M1: ok\n1M2:\n", 2, "brief"),
                              ("1M1: ok\n2M2: loud\n", 2, "cue")):
        f.write_text(text)
        with pytest.raises(InputError) as exc:
            read_briefs(f, film)
        assert (exc.value.line, exc.value.field) == (line, field), text


def test_on_screen_actions_merge_script_lines_into_hits() -> None:
    from assistant.importers.screenplay import parse_fountain
    from assistant.pipeline.stages import on_screen_actions

    script = parse_fountain("INT. ROOM - DAY\n\nShe opens the door. He turns.\n\n"
                            "JOHN\nHello.\n\nThe lamp falls.\n", "x.fountain")
    acts = [e for e in script.elements if e.kind == "action"]
    cue = Cue(id="1M1", start_s=0, end_s=script.duration_s() + 1,
              hits=[Hit(time_s=acts[0].start_s, label="door")])
    out = on_screen_actions(cue, script)
    assert out[0] == {"time_s": round(acts[0].start_s, 3), "text": "door", "from": "hit"}
    texts = [a["text"] for a in out]
    assert "She opens the door." not in texts  # the hit stands for it
    assert "The lamp falls." in texts and all(0 <= a["time_s"] < cue.duration_s for a in out)


def test_scale_runs_are_set_aside_before_the_guard() -> None:
    from assistant.guard.melody import Melody
    from assistant.pipeline.drafting import without_scale_runs

    run = [60, 62, 64, 65, 67, 69, 71, 72]  # a C major scale: stock
    tune = [67, 64, 69, 60, 62, 67]  # leaps: a tune
    m = Melody.from_notes([(p, i, 0.5) for i, p in enumerate(tune + run + tune)], name="x:flute")
    out = without_scale_runs(m)
    assert list(out.pitches) == tune + tune and out.name == "x:flute"
    assert list(without_scale_runs(Melody.from_notes(
        [(p, i, 1) for i, p in enumerate(tune)])).pitches) == tune
    # five steps are a turn of phrase, not a scale
    five = [60, 62, 64, 65, 67, 55]
    assert list(without_scale_runs(Melody.from_notes(
        [(p, i, 1) for i, p in enumerate(five)])).pitches) == five


def test_cue_meter_prefers_the_brief_then_the_theme() -> None:
    from types import SimpleNamespace

    from assistant.analysis.brief import parse_brief
    from assistant.pipeline.stages import cue_meter

    waltz = parse_brief("1M4: a slow waltz in a minor key")
    theme = SimpleNamespace(meter=(6, 8))
    assert cue_meter(waltz, theme) == (3, 4)
    assert cue_meter(parse_brief("1M4: tender, slow"), theme) == (6, 8)
    assert cue_meter(None, None) == (4, 4)
    assert cue_meter(parse_brief("1M4: in 5/4, tense"), None) == (5, 4)


def test_on_screen_actions_take_the_aligned_action_lines() -> None:
    from assistant.pipeline.stages import on_screen_actions

    cue = Cue(id="1M1", start_s=100.0, end_s=130.0, hits=[Hit(time_s=110.0, label="door")])
    aligned = [{"time_s": 2.0, "text": "She runs."}, {"time_s": 10.4, "text": "The door."},
               {"time_s": 31.0, "text": "After the cue."}]
    out = on_screen_actions(cue, None, aligned)
    assert [(a["time_s"], a["from"]) for a in out] == [(2.0, "script"), (10.0, "hit")]


def test_the_read_stage_puts_aligned_dialogue_and_actions_on_the_cues(tmp_path: Path) -> None:
    import json

    from assistant.pipeline import new_project
    from assistant.pipeline.stages import stage_read

    ex = Path(__file__).resolve().parents[1] / "examples" / "the-keepers-light"
    store = new_project(tmp_path / "f", ex / "screenplay.fountain", spotting=ex / "spotting.txt")
    page = {c.id: [(d.start_s, d.end_s) for d in c.dialogue] for c in store.load().cues}
    analysis = stage_read(store)
    film = store.load()
    actions = json.loads((store.root / "stages" / "actions.json").read_text())
    moved = 0
    for ca in analysis.cues:
        cue = film.cue(ca.id)
        spans = [(d.start_s, d.end_s) for d in cue.dialogue]
        assert spans == [(d.start_s, d.end_s) for d in ca.dialogue], ca.id
        moved += spans != page[ca.id]
        script_times = [a["time_s"] for a in actions[ca.id] if a["from"] == "script"]
        assert set(script_times) <= {round(a["time_s"], 3) for a in ca.action}, ca.id
    assert moved >= 3  # the page estimate and the cut disagree; the cut wins
    # a re-run reads the same (the spans placed last time do not pin the alignment)
    stage_read(store)
    assert [[(d.start_s, d.end_s) for d in c.dialogue] for c in store.load().cues] == \
        [[(d.start_s, d.end_s) for d in c.dialogue] for c in film.cues]


def test_the_read_stage_loses_no_concurrent_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    """The studio edits the project while the read stage analyses it: both changes stay."""
    from assistant.pipeline import new_project, stages
    from assistant.project import ProjectStore

    ex = Path(__file__).resolve().parents[1] / "examples" / "the-keepers-light"
    store = new_project(tmp_path / "f", ex / "screenplay.fountain", spotting=ex / "spotting.txt")
    real = stages.analyze_script

    def meanwhile(*args: object, **kwargs: object) -> object:
        with ProjectStore(store.root).edit() as other:  # another writer, its own store
            other.cue("1M3").notes = "edited in the studio meanwhile"
            other.title = "Renamed meanwhile"
        return real(*args, **kwargs)

    monkeypatch.setattr(stages, "analyze_script", meanwhile)
    stages.stage_read(store)
    film = store.load()
    assert film.title == "Renamed meanwhile"
    assert film.cue("1M3").notes == "edited in the studio meanwhile"
    assert film.cue("1M3").function_scores  # and the reading is there too
