"""The pipeline on the example film: a project from the user's files, two cues scored,
the manifest contract, the written MIDI, re-running stages alone, redrafting a cue."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import mido
import pytest

from assistant.errors import InputError
from assistant.pipeline import draft_cue, new_project, run_stage, score_film
from assistant.pipeline.manifest import manifest_problems
from assistant.project import ProjectStore

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "the-keepers-light"
CUES = ["1M4", "1M7"]  # a dialogue cue with "no drums, no brass", and the 3-second scare


def _new(root: Path) -> ProjectStore:
    return new_project(root, EXAMPLE / "screenplay.fountain", spotting=EXAMPLE / "spotting.txt",
                       briefs=EXAMPLE / "brief.txt", temp=sorted((EXAMPLE / "temp").glob("*.mid")))


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> tuple[ProjectStore, Path, dict]:
    root = tmp_path_factory.mktemp("pipeline")
    store = _new(root / "film")
    out = root / "out"
    # the renderer's slow extras (score, parts, PDF) are not what these tests are about
    manifest = score_film(store, out, cues=CUES, seed=1, progress=False, render="quick")
    return store, out, manifest


def test_new_copies_every_input_into_the_project(tmp_path: Path) -> None:
    store = _new(tmp_path / "film")
    film = store.load()
    assert (store.root / film.script_path).is_file() and not Path(film.script_path).is_absolute()
    assert (store.root / film.spotting_path).read_bytes() == (EXAMPLE / "spotting.txt").read_bytes()
    assert (store.root / "inputs" / "briefs.txt").is_file()
    assert (store.root / "temp" / "1M4-temp.mid").is_file()
    # the briefs file's lines are on their cues
    assert "66 bpm" in film.cue("1M4").brief and film.cue("1M1").brief == ""
    assert len(film.cues) == 11 and film.rate.name == "24"
    with pytest.raises(InputError, match="already exists"):
        _new(tmp_path / "film")


def test_new_overrides_rate_and_start(tmp_path: Path) -> None:
    store = new_project(tmp_path / "f", EXAMPLE / "screenplay.fountain", fps="25",
                        start_tc="10:00:00:00")
    film = store.load()
    assert (film.fps, film.start_tc, film.cues) == ("25", "10:00:00:00", [])


def test_bad_briefs_line_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "briefs.txt"
    bad.write_text("1M4: slow and tender\n9M9: loud\n")
    with pytest.raises(InputError) as exc:
        new_project(tmp_path / "f", EXAMPLE / "screenplay.fountain",
                    spotting=EXAMPLE / "spotting.txt", briefs=bad)
    assert f"{bad}:2: cue:" in str(exc.value)
    assert not (tmp_path / "f" / "project.json").exists()


def test_a_stage_needs_its_inputs_and_names_them(tmp_path: Path) -> None:
    store = _new(tmp_path / "film")
    with pytest.raises(InputError, match="run the brief stage first"):
        run_stage(store, "sync")
    with pytest.raises(InputError, match="unknown stage"):
        run_stage(store, "mix")


def test_manifest_meets_the_contract(scored: tuple[ProjectStore, Path, dict]) -> None:
    _, out, manifest = scored
    assert manifest_problems(out, manifest) == []
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert [c["id"] for c in manifest["cues"]] == CUES  # --cues: only those
    film = manifest["film"]
    assert film["fps"] == "24" and film["start_tc"] == "01:00:00:00"
    assert film["duration_s"] >= max(c["start_s"] + c["duration_s"] for c in manifest["cues"])
    c = manifest["cues"][0]
    assert c["start_tc"] == "01:03:22:00" and c["brief"].startswith("Lonely but tender")
    # the music box is on screen, but the spotting list does not mark 1M4 as source: score
    assert c["function"] != "source"
    assert {"click_wav", "click_midi", "streamers"} <= set(c["files"])


def test_cue_midi_is_conductor_then_one_track_per_instrument(
        scored: tuple[ProjectStore, Path, dict]) -> None:
    from assistant.sync.tempo import TempoMap

    store, out, manifest = scored
    film = store.load()
    sync = json.loads((store.root / "stages" / "sync.json").read_text())
    for c in manifest["cues"]:
        mid = mido.MidiFile(out / c["files"]["midi"])
        cond = mido.MidiFile(store.root / sync[c["id"]]["files"]["conductor_midi"])
        track0 = [m for m in mid.tracks[0] if not (m.type == "text" and m.text.startswith("key: "))]
        assert track0 == list(cond.tracks[0])  # track 0 is the sync engine's (+ the key)
        names = [next(m.name for m in t if m.type == "track_name") for t in mid.tracks[1:]]
        assert len(names) == len(set(names)) >= 1
        # the music ends with the cue (to the frame), not after it
        tm = TempoMap.from_json(sync[c["id"]])
        end_beats = max(n for t in mid.tracks[1:] for n in _note_off_beats(t, mid.ticks_per_beat))
        cue = film.cue(c["id"])
        assert float(tm.beat_to_seconds(end_beats)) <= cue.duration_s + 1 / 24 + 1e-6


def _note_off_beats(track: mido.MidiTrack, ppq: int) -> list[float]:
    tick, out = 0, [0.0]
    for m in track:
        tick += m.time
        if m.type == "note_off" or (m.type == "note_on" and m.velocity == 0):
            out.append(tick / ppq)
    return out


def test_brief_law_and_dialogue_pass_hold_in_the_written_music(
        scored: tuple[ProjectStore, Path, dict]) -> None:
    _, out, manifest = scored
    by_id = {c["id"]: c for c in manifest["cues"]}
    m4 = by_id["1M4"]
    mid = mido.MidiFile(out / m4["files"]["midi"])
    sounding = {next(m.name for m in t if m.type == "track_name") for t in mid.tracks[1:]
                if any(m.type == "note_on" and m.velocity for m in t)}
    assert not sounding & {"drums", "horn", "trumpet", "trombone", "tuba"}, sounding
    assert len(sounding) >= 3  # melody, harmony, bass at least
    d = m4["report"]["dialogue"]
    assert d["voice_band_notes"] < d["voice_band_notes_without_pass"]
    for c in manifest["cues"]:
        assert c["report"]["ranges"]["outside_professional"] == {}, c["id"]
        assert c["report"]["excluded_sounding"] == [], c["id"]


def test_every_important_hit_has_an_event_within_a_frame(
        scored: tuple[ProjectStore, Path, dict]) -> None:
    _, _, manifest = scored
    for c in manifest["cues"]:
        for h in c["report"]["hits"]:
            assert h["sync_error_frames"] <= 1.0, (c["id"], h)
            if h["important"]:
                assert h["written_event"] != "none", (c["id"], h)
                assert h["written_error_frames"] <= 1.0 + 1e-6, (c["id"], h)


def test_music_covers_the_cue_except_planned_silences(
        scored: tuple[ProjectStore, Path, dict]) -> None:
    _, _, manifest = scored
    for c in manifest["cues"]:
        r = c["report"]
        planned = sum(s.get("end_s", 0) - s.get("start_s", 0) for s in r["planned_silences"]
                      if isinstance(s, dict))
        assert r["coverage"] + planned / c["duration_s"] >= 0.9 - 1e-6, (c["id"], r["coverage"],
                                                                         r["silences_s"])


def test_a_stage_reruns_alone_from_saved_artefacts(
        scored: tuple[ProjectStore, Path, dict]) -> None:
    store, _, _ = scored
    plan = store.root / "stages" / "plan.json"
    before = plan.read_text()
    plan.unlink()
    run_stage(store, "plan")
    assert json.loads(plan.read_text()) == json.loads(before)


def test_draft_adds_a_revision_and_keeps_the_earlier_ones(
        scored: tuple[ProjectStore, Path, dict]) -> None:
    store, _, _ = scored
    before = store.revisions("1M7")
    digests = {r.number: _digest(store, "1M7", r.number) for r in before}
    rev = draft_cue(store, "1M7", brief="even louder and harsher, more brass", seed=7)
    after = store.revisions("1M7")
    assert rev.number == before[-1].number + 1
    assert [r.number for r in after] == [r.number for r in before] + [rev.number]
    assert {n: _digest(store, "1M7", n) for n in digests} == digests  # untouched
    assert rev.brief == "even louder and harsher, more brass"
    assert store.load().cue("1M7").brief == rev.brief
    assert (store.revision_dir("1M7", rev.number) / "1M7.mid").is_file()


def _digest(store: ProjectStore, cue: str, n: int) -> str:
    folder = store.revision_dir(cue, n)
    h = hashlib.sha256()
    for f in sorted(folder.iterdir()):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()


def test_briefs_and_the_temp_track_shape_the_cue(scored: tuple[ProjectStore, Path, dict]) -> None:
    store, out, manifest = scored
    briefs = json.loads((out / "briefs.json").read_text())
    b = briefs["1M4"]
    assert "drums" in b["exclude_instruments"]
    # "like the temp in feel": what the director left unsaid comes from the temp track
    assert "tempo_bpm" not in b["temp_feel"]["taken"] and "mode" not in b["temp_feel"]["taken"]
    assert b["register"] == b["temp_feel"]["register"]
    lo, hi = b["tempo_bpm"]
    sync = json.loads((store.root / "stages" / "sync.json").read_text())
    assert all(lo * 0.8 <= t <= hi * 1.2 for t in sync["1M4"]["tempos_bpm"])
    guard = next(c for c in manifest["cues"] if c["id"] == "1M4")["report"]["guard"]
    assert guard["temp"] is not None and guard["verdict"] == "distinct"


def test_the_briefs_meter_and_key_reach_sync_and_the_draft(
        scored: tuple[ProjectStore, Path, dict]) -> None:
    store, out, manifest = scored
    # 1M4's brief asks for "a slow waltz": the tempo map is fitted in 3/4
    sync = json.loads((store.root / "stages" / "sync.json").read_text())
    assert sync["1M4"]["meter"] == [3, 4]
    m4 = next(c for c in manifest["cues"] if c["id"] == "1M4")
    sigs = {(m.numerator, m.denominator) for m in mido.MidiFile(out / m4["files"]["midi"]).tracks[0]
            if m.type == "time_signature"}
    assert (3, 4) in sigs and (4, 4) not in sigs, sigs
    # a key named in the brief is the draft's key, and a meter named there is the map's
    rev = draft_cue(store, "1M7", brief="a march in B-flat minor, in 2/4, loud", seed=3)
    assert json.loads((store.root / "stages" / "sync.json").read_text())["1M7"]["meter"] == [2, 4]
    info = json.loads((store.revision_dir("1M7", rev.number) / "draft.json").read_text())
    assert info["key"].split()[0] in ("Bb", "A#"), info["key"]


def test_drafting_loses_no_concurrent_edit(scored: tuple[ProjectStore, Path, dict],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.pipeline import drafting

    store, _, _ = scored
    real = drafting._compose

    def meanwhile(*args: object, **kwargs: object) -> object:
        with ProjectStore(store.root).edit() as other:
            other.cue("1M1").notes = "the director's note, typed during the draft"
        return real(*args, **kwargs)

    monkeypatch.setattr(drafting, "_compose", meanwhile)
    drafting.stage_draft(store, ["1M7"], seed=2)
    assert store.load().cue("1M1").notes == "the director's note, typed during the draft"


def test_every_midi_the_pipeline_writes_carries_its_cue_start(
        scored: tuple[ProjectStore, Path, dict]) -> None:
    from assistant.timecode import tc_to_frames

    store, out, manifest = scored
    film = store.load()

    def offset(path: Path) -> str:
        msgs = [m for m in mido.MidiFile(path).tracks[0] if m.type == "smpte_offset"]
        assert len(msgs) == 1, path
        m = msgs[0]
        return f"{m.hours:02d}:{m.minutes:02d}:{m.seconds:02d}:{m.frames:02d}"

    for c in manifest["cues"]:
        assert offset(out / c["files"]["midi"]) == c["start_tc"], c["id"]
        rev = store.revisions(c["id"])[-1]
        assert offset(store.revision_dir(c["id"], rev.number) / f"{c['id']}.mid") == c["start_tc"]
    themes = json.loads((store.root / "stages" / "themes.json").read_text())["themes"]
    assert themes
    for t in themes:
        first = film.cue(t["cues"][0])
        want = first.start_tc or ""
        got = offset(store.root / t["midi"])
        if want:
            assert got == want, t["name"]
        assert tc_to_frames(got, film.rate) >= tc_to_frames(film.start_tc, film.rate)


def test_the_plan_stage_keeps_the_studios_pins(scored: tuple[ProjectStore, Path, dict]) -> None:
    store, _, _ = scored
    locks = store.root / "stages" / "plan_locks.json"
    before = {r["cue"]: r for r in json.loads((store.root / "stages" / "plan.json").read_text())["rows"]}
    weight = next(w for w in ("solo", "tutti") if w != before["1M7"]["weight"])
    locks.write_text(json.dumps([{"cue": "1M7", "field": "weight", "value": weight},
                                 {"cue": "1M4", "field": "intensity", "value": 0.15},
                                 {"cue": "9M9", "field": "weight", "value": "solo"}]))
    try:
        run_stage(store, "plan")
        rows = {r["cue"]: r for r in json.loads((store.root / "stages" / "plan.json").read_text())["rows"]}
        assert rows["1M7"]["weight"] == weight
        assert rows["1M4"]["intensity"] == pytest.approx(0.15)
        assert "9M9" not in rows  # a pin on a cue the film no longer has is set aside
    finally:
        locks.unlink()
        run_stage(store, "plan")
