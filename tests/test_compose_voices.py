"""Speakers' voices: read from the screenplay (assistant.analysis.voices), carried on the
dialogue lines of a draft, and the dialogue pass keeping notes out of that voice's band.

The example film's cast is known (its screenplay introduces everyone); one real
screenplay from ../shared/data is read too (skipped, naming the file, when it is absent).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.analysis.voices import (
    cast_from_file,
    infer_voices,
    parse_cast,
    voice_map,
)
from assistant.errors import InputError
from assistant.importers import load_screenplay
from assistant.orchestrate.dialogue import VOICE_CENTRE, centre_for
from assistant.pipeline.inputs import read_briefs
from tests.test_compose import draft, make_cue, theme

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples/the-keepers-light/screenplay.fountain"
SHARED = ROOT.parent / "shared/data/screenplays"

#: the example's speaking cast, as its screenplay introduces them
EXAMPLE_CAST = {"NELL": "female", "GUS": "male", "OWEN": "male", "TILLY": "child",
                "CROW": "male", "THOMAS": "male", "DANNY": "male"}
#: The Last Birthday Card: every speaker the script says something about; THE BOSS, VOICE
#: and NEWSCASTER are never described (unknown is the right answer)
BIRTHDAY_CAST = {"SCOTT": "male", "BAXTER": "male", "NAK": "male", "ART GIRL": "female",
                 "BILLUPS": "male", "SOPHISTICATED WOMAN": "female", "NANCY": "female",
                 "WOMAN": "female", "MALE VOICE": "male", "THE BOSS": "unknown",
                 "VOICE": "unknown", "NEWSCASTER": "unknown"}


def shared(name: str) -> Path:
    p = SHARED / name
    if not p.is_file():
        pytest.skip(f"{p} is absent (../shared/data is not beside this clone)")
    return p


def accuracy(guessed: dict, truth: dict[str, str]) -> float:
    return sum(guessed[n].voice == v for n, v in truth.items()) / len(truth)


def test_every_speaker_of_the_example_film_gets_the_right_voice() -> None:
    got = infer_voices(load_screenplay(EXAMPLE))
    assert set(got) == set(EXAMPLE_CAST)
    assert {n: g.voice for n, g in got.items()} == EXAMPLE_CAST
    assert got["TILLY"].age == 11 and got["TILLY"].gender == "female"  # "his granddaughter"
    assert got["DANNY"].source == "description"  # "Tilly's father"
    assert all(g.evidence for g in got.values())


def test_a_real_screenplay() -> None:
    got = infer_voices(load_screenplay(shared("The-Last-Birthday-Card.fountain")))
    assert accuracy(got, BIRTHDAY_CAST) == 1.0, {n: got[n].voice for n in BIRTHDAY_CAST}
    # a character nobody describes is not guessed
    assert "THE BOSS" not in voice_map(got)


def test_the_large_real_screenplay_reads_its_leads() -> None:
    got = infer_voices(load_screenplay(shared("Big-Fish.fountain")))
    leads = {"EDWARD": "male", "WILL": "male", "SANDRA": "female", "JOSEPHINE": "female",
             "AMOS": "male", "KARL": "male", "DON PRICE": "male", "PING": "female",
             "NORTHER WINSLOW": "male",  # "NORTHER WINSLOW (30), who fancies himself ..."
             "DR. BENNETT": "male"}  # introduced as "DR. JULIUS BENNETT (85) ... He was"
    assert {n: got[n].voice for n in leads} == leads
    assert got["SANDRA"].source == "description"  # "His mother SANDRA": the noun, not "his"


def test_cast_line_overrides_and_reads() -> None:
    assert parse_cast("CAST: NELL male; ART GIRL f, tilly boy") == {
        "NELL": "male", "ART GIRL": "female", "TILLY": "child"}
    got = infer_voices(load_screenplay(EXAMPLE), {"NELL": "male", "TILLY": "female"})
    assert got["NELL"].voice == "male" and got["NELL"].source == "cast"
    assert got["TILLY"].voice == "female"  # the cast line outranks the age
    with pytest.raises(InputError, match="needs a name and a voice"):
        parse_cast("CAST: NELL soprano")


def test_briefs_file_cast_line_is_not_a_brief(tmp_path: Path) -> None:
    f = tmp_path / "briefs.txt"
    f.write_text("1M5: warm strings\nCAST: NELL female, GUS male\n", encoding="utf-8")
    assert read_briefs(f) == [("1M5", "warm strings")]
    assert cast_from_file(f) == {"NELL": "female", "GUS": "male"}
    f.write_text("CAST: NELL\n", encoding="utf-8")
    for read in (cast_from_file, read_briefs):  # `new` refuses it before making the project
        with pytest.raises(InputError) as exc:
            read(f)
        assert (exc.value.path.name, exc.value.line, exc.value.field) == ("briefs.txt", 1, "cast")


def test_voice_centres_are_ordered() -> None:
    assert centre_for("male") < centre_for(None) < centre_for("female") < centre_for("child")
    assert centre_for("girl") == centre_for("child") == VOICE_CENTRE["child"]


def _under(res, sol, talk) -> list[int]:
    from fractions import Fraction

    tm = sol.tempo_map
    spans = [(float(tm.seconds_to_beat(Fraction(repr(a)))), float(tm.seconds_to_beat(Fraction(repr(b)))))
             for a, b, _ in talk]
    return [n.pitch for p in res.score.parts if not p.is_drum for n in p.notes
            if any(n.start_beats < e and n.end_beats > s for s, e in spans)]


@pytest.mark.parametrize("voice", ["male", "female", "child"])
def test_the_dialogue_pass_clears_the_speakers_own_band(voice: str) -> None:
    talk = [(3.0, 9.0, "NELL"), (12.0, 18.0, "NELL")]
    cue = make_cue(30.0, [(20.0, True, "downbeat")], "romance", "tender", dialogue=talk)
    kw = {"themes": {"t": theme()}, "plan_row": {"themes": ["t"]}}
    res, sol = draft(cue, voices={"NELL": voice}, **kw)
    d = res.report["dialogue"]
    c = VOICE_CENTRE[voice]
    assert d["speakers"]["NELL"] == {"voice": voice, "band": [c - 9, c + 9]}
    assert d["voice_band_notes"] == 0 < d["voice_band_notes_without_pass"]
    assert not [p for p in _under(res, sol, talk) if c - 9 <= p <= c + 9]
    # the same cue with the speaker unknown is centred elsewhere and leaves notes there
    neutral, _ = draft(cue, **kw)
    assert neutral.report["dialogue"]["speakers"]["NELL"]["voice"] == "unknown"


def test_a_span_that_names_its_voice_wins_over_the_map() -> None:
    talk = [(3.0, 9.0, "NELL")]
    cue = make_cue(20.0, [], "romance", "tender", dialogue=talk)
    res, _ = draft(cue, voices={"NELL": "male"},
                   dialogue=[{"start_s": 3.0, "end_s": 9.0, "character": "NELL", "voice": "female"}])
    assert res.report["dialogue"]["speakers"]["NELL"]["voice"] == "female"


def _lifted_over_the_tune(on, off, sol, talk) -> tuple[int, int]:
    """Accompaniment notes (harmony, counter-melody) under the lines that sound above the
    tune sounding with them and that the pass put there (not in the draft without the
    pass), and all the accompaniment notes the pass moved up under the lines."""
    from fractions import Fraction

    tm = sol.tempo_map
    spans = [(float(tm.seconds_to_beat(Fraction(repr(a)))), float(tm.seconds_to_beat(Fraction(repr(b)))))
             for a, b, _ in talk]
    tune = [n for p in on.score.parts if p.role == "melody" for n in p.notes]
    before = {(p.instrument, round(n.start_beats, 4), n.pitch) for p in off.score.parts for n in p.notes}
    over = lifted = 0
    for p in on.score.parts:
        if p.role not in ("harmony", "counter_melody") or p.is_drum:
            continue
        for n in p.notes:
            if (p.instrument, round(n.start_beats, 4), n.pitch) in before or \
                    (p.instrument, round(n.start_beats, 4), n.pitch - 12) not in before or \
                    not any(n.start_beats < e and n.end_beats > s for s, e in spans):
                continue
            lifted += 1
            with_it = [m.pitch for m in tune if m.start_beats < n.end_beats and m.end_beats > n.start_beats]
            over += bool(with_it) and n.pitch > min(with_it)
    return over, lifted


@pytest.mark.parametrize("voice", ["female", "child"])
def test_the_dialogue_pass_does_not_lift_chords_over_the_tune(voice: str) -> None:
    talk = [(3.0, 9.0, "NELL"), (12.0, 20.0, "NELL"), (24.0, 30.0, "NELL")]
    cue = make_cue(36.0, [(21.0, True, "downbeat")], "romance", "tender", dialogue=talk)
    kw = {"themes": {"t": theme()}, "plan_row": {"themes": ["t"]}, "voices": {"NELL": voice}}
    on, sol = draft(cue, **kw)
    off, _ = draft(cue, dialogue_pass=False, **kw)
    assert on.report["dialogue"]["voice_band_notes"] == 0
    over, lifted = _lifted_over_the_tune(on, off, sol, talk)
    assert lifted > 0 and over == 0


def test_the_draft_stage_reads_the_films_voices_with_the_cast_line(tmp_path: Path) -> None:
    """``film_voices``: the project's screenplay read once per draft run, the briefs
    file's CAST line over it, the guesses and their evidence kept in stages/voices.json."""
    import json

    from assistant.pipeline.drafting import film_voices
    from assistant.pipeline.inputs import new_project

    briefs = tmp_path / "briefs.txt"
    briefs.write_text("1M5: warm strings\nCAST: OWEN female\n", encoding="utf-8")
    store = new_project(tmp_path / "p", EXAMPLE,
                        spotting=ROOT / "examples/the-keepers-light/spotting.txt", briefs=briefs)
    voices = film_voices(store, store.load())
    assert voices == EXAMPLE_CAST | {"OWEN": "female"}
    path = tmp_path / "p/stages/voices.json"
    saved = json.loads(path.read_text(encoding="utf-8"))["characters"]
    assert saved["OWEN"]["source"] == "cast" and saved["TILLY"]["age"] == 11
    assert store.load().cue("1M5").brief == "warm strings"
    # read back while the inputs are unchanged; read again when the briefs file changes
    marked = json.loads(path.read_text(encoding="utf-8"))
    marked["characters"]["GUS"]["voice"] = "child"
    path.write_text(json.dumps(marked), encoding="utf-8")
    assert film_voices(store, store.load())["GUS"] == "child"
    copy = tmp_path / "p/inputs/briefs.txt"
    copy.write_text("1M5: warm strings\nCAST: OWEN male\n", encoding="utf-8")
    assert film_voices(store, store.load()) == EXAMPLE_CAST


def test_the_script_analysis_reports_each_characters_voice() -> None:
    from assistant.analysis.script import _characters

    chars = {c.name: c.voice for c in _characters(load_screenplay(EXAMPLE))}
    assert chars == EXAMPLE_CAST


def test_a_real_screenplays_project_drafts_with_its_speakers_voices(tmp_path: Path) -> None:
    """The Last Birthday Card as a project (the spotting list in tests/data): a cue with
    dialogue is drafted with each speaker's own band."""
    from assistant.compose import DraftRequest, draft_cue_score
    from assistant.pipeline.drafting import film_voices
    from assistant.pipeline.inputs import new_project
    from assistant.sync.fit import fit_tempo, request_from_cue

    data = ROOT / "tests/data/last-birthday-card"
    store = new_project(tmp_path / "p", shared("The-Last-Birthday-Card.fountain"),
                        spotting=data / "spotting.txt", briefs=data / "briefs.txt")
    project = store.load()
    voices = film_voices(store, project)
    assert {k: voices.get(k, "unknown") for k in BIRTHDAY_CAST} == BIRTHDAY_CAST
    cue = max(project.cues, key=lambda c: len({d.character for d in c.dialogue}))
    assert cue.dialogue
    sol = fit_tempo(request_from_cue(cue, project.rate, 90, 70, 120), 1)[0]
    res = draft_cue_score(DraftRequest(cue=cue, solution=sol, fps=project.rate, voices=voices,
                                       use_model=False, function=cue.function or "inner_state"))
    speakers = res.report["dialogue"]["speakers"]
    assert speakers and all(v["voice"] == BIRTHDAY_CAST.get(k, "unknown")
                            for k, v in speakers.items())
    assert res.report["dialogue"]["voice_band_notes"] == 0


def test_a_figure_that_loses_a_note_under_a_line_rings_on() -> None:
    from assistant.music.score import Note
    from assistant.orchestrate.dialogue import Line, ring_on

    line = Line(0.0, 8.0, "NELL", VOICE_CENTRE["female"])  # band 46-64
    kept = [Note(72, 0.0, 0.5)]
    assert ring_on(kept, Note(60, 0.5, 0.5), [line]) and kept == [Note(72, 0.0, 1.0)]
    low = [Note(62, 0.0, 0.5)]  # inside the band: it does not ring on under the line
    assert not ring_on(low, Note(60, 0.5, 0.5), [line]) and low[0].dur_beats == 0.5
    gap = [Note(72, 0.0, 0.25)]  # a rest before the dropped note stays a rest
    assert not ring_on(gap, Note(60, 0.5, 0.5), [line])
    chord = [Note(72, 0.0, 0.5), Note(76, 0.0, 0.5)]  # a chord does not smear
    assert not ring_on(chord, Note(60, 0.5, 0.5), [line])
