"""Revision notes as deltas on the previous revision (assistant.revise): the plan of each
note on the drafter's knobs, and on the example film (1M7, 1M5) the direction of every
change, measured on the drafted scores."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.revise import Resolved, figures, normalise_notes, plan_revision

PREV = Resolved(tempo_bpm=(100.0, 110.0), key="D major", dynamics=("mp", "f"), density=0.5,
                register="mid", weight="section", intensity=0.5,
                parts=["flute", "oboe", "clarinet", "horn", "trumpet", "violin", "viola",
                       "cello", "double_bass", "piano", "glockenspiel", "piccolo"],
                roles={"flute": "melody", "cello": "bass", "double_bass": "bass",
                       "viola": "counter_melody"})


def _plan(notes: str, prev: Resolved = PREV, lead: str | None = "flute"):  # noqa: ANN202
    return plan_revision(prev, notes, None, lead)


# ----------------------------------------------------------------------------- plans
def test_darker_is_the_parallel_minor_lower_and_without_bright_colours() -> None:
    p = _plan("darker")
    assert p.resolved.mode == "minor" and p.brief.key == "D"  # same tonic, minor mode
    assert p.resolved.register == "low" and p.row["accompaniment_shift"] == -12
    assert {"glockenspiel", "piccolo"} <= set(p.resolved.thinned)
    assert {"glockenspiel", "piccolo"} <= set(p.brief.exclude_instruments)


def test_darker_leaves_a_darker_mode_alone() -> None:
    prev = Resolved(tempo_bpm=(90.0, 90.0), key="C# phrygian", dynamics=("pp", "ff"))
    p = plan_revision(prev, "darker")
    assert p.resolved.mode is None  # phrygian is darker than minor: the mood's mode stays
    assert p.row["accompaniment_shift"] == -12


def test_brighter_undoes_darker() -> None:
    dark = _plan("darker").resolved
    p = plan_revision(dark, "brighter")
    assert p.resolved.accompaniment_shift == 0 and not set(p.resolved.thinned) & {"piccolo"}


def test_less_busy_lowers_density_figures_weight_and_parts() -> None:
    p = _plan("less busy")
    r = p.resolved
    assert r.density <= PREV.density - 0.25 + 1e-9
    assert r.simpler_figures and p.row["simpler_figures"]
    assert r.weight == "chamber" and p.row["weight"] == "chamber"
    kept = [i for i in PREV.parts if i not in r.thinned]
    assert len(kept) <= round(len(PREV.parts) * 0.7) and len(kept) >= 3
    assert "flute" in kept  # the lead is never thinned out
    assert {"cello", "double_bass", "viola"} <= set(kept)  # tune, bass and counter-line stay


def test_busier_after_less_busy_brings_the_parts_back() -> None:
    thin = _plan("less busy").resolved
    p = plan_revision(thin, "busier", None, "flute")
    assert not p.resolved.thinned and not p.resolved.simpler_figures
    assert p.resolved.weight == "section" and p.resolved.density > thin.density


def test_no_piano_is_kept_by_the_next_revisions() -> None:
    r1 = _plan("no piano").resolved
    assert "piano" in r1.exclude
    p2 = plan_revision(r1, "faster")
    assert "piano" in p2.brief.exclude_instruments


def test_faster_and_slower_move_the_last_revision_tempo() -> None:
    fast = _plan("faster").resolved.tempo_bpm
    assert fast[0] > PREV.tempo_bpm[0] * 1.1 and fast[1] > PREV.tempo_bpm[1] * 1.1
    slow = _plan("a bit slower").resolved.tempo_bpm
    assert slow[1] < PREV.tempo_bpm[1]


@pytest.mark.parametrize("notes,step", [("louder", 1), ("softer", -1), ("much quieter", -1)])
def test_louder_and_softer_move_the_dynamics(notes: str, step: int) -> None:
    from assistant.project import DYNAMICS

    new = _plan(notes).resolved.dynamics
    assert (DYNAMICS.index(new[1]) - DYNAMICS.index(PREV.dynamics[1])) * step > 0


def test_bigger_and_more_strings_add_weight() -> None:
    big = _plan("bigger").resolved
    assert big.weight == "tutti" and big.intensity > PREV.intensity
    more = _plan("more strings").resolved
    assert more.weight == "tutti"
    thin = _plan("less busy").resolved
    back = plan_revision(thin, "more strings", None, "flute")
    assert back.resolved.simpler_figures  # more players, not busier figures
    assert not set(back.resolved.thinned) & {"violin", "viola", "cello", "double_bass"}


def test_add_horns_is_said_and_sent_to_the_drafter() -> None:
    p = _plan("add horns")
    assert "horn" in p.brief.include_instruments
    assert {"what": "include", "from": [], "to": ["horn"], "because": "notes"} in p.changes
    assert "in: horn" in p.summary()


def test_fewer_instruments_thins_the_band() -> None:
    r = _plan("fewer instruments").resolved
    assert len(r.thinned) >= 3 and r.weight == "chamber" and not r.simpler_figures


def test_words_the_parser_lacks_are_said_its_way() -> None:
    assert normalise_notes("busier and calmer") == "more busy and softer and slower"


def test_nonsense_notes_are_refused() -> None:
    with pytest.raises(InputError, match="brief"):
        _plan("qwxz")


def test_resolved_round_trips() -> None:
    r = _plan("darker, less busy, no piano").resolved
    assert Resolved.from_dict(r.to_dict()) == r


def test_the_drafter_hook_simplifies_figures_and_moves_the_accompaniment() -> None:
    """compose.draft.revised_layers: figures on the beat only, harmony an octave away, the
    bass left where it is; off by default."""
    from assistant.compose.draft import revised_layers
    from assistant.compose.texture import Layer
    from assistant.music.score import Note

    arp = Layer("arpeggio", [Note(60 + (k % 4) * 4, k * 0.5, 0.5) for k in range(8)])
    bass = Layer("bass", [Note(36, 0.0, 4.0)])
    assert revised_layers([arp, bass], 0, False) == [arp, bass]
    a2, b2 = revised_layers([arp, bass], -12, True)
    assert [n.start_beats for n in a2.notes] == [0.0, 1.0, 2.0, 3.0]
    assert all(n.dur_beats == 1.0 for n in a2.notes)  # the held note fills the beat
    assert [n.pitch for n in a2.notes] == [48, 56, 48, 56]
    assert b2.notes == bass.notes


# ----------------------------------------------------------------------------- the film
@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory, studio_cache: Path) -> dict:
    """The example's 1M7 and 1M5 drafted, then revised "darker, less busy, no piano"."""
    from assistant.music.score import Score
    from assistant.pipeline import draft_cue
    from assistant.revise import revise_cue
    from ui import adapter
    from ui.handlers import Studio

    studio = Studio(tmp_path_factory.mktemp("revise"), cache_dir=studio_cache)
    state, _ = studio.open_example(None)
    ws, _ = studio.workspace(state)
    store = studio.store(ws)
    adapter.prepare(store, studio.cache)
    out: dict = {"store": store}
    for cue in ("1M7", "1M5"):
        r1 = draft_cue(store, cue, seed=0)
        r2 = revise_cue(store, cue, "darker, less busy, no piano", seed=0)
        out[cue] = [figures(Score.from_midi(adapter.revision_midi(store, r))) for r in (r1, r2)]
        out[cue + "_revs"] = (r1, r2)
    return out


@pytest.mark.parametrize("cue", ["1M7", "1M5"])
def test_less_busy_has_a_quarter_fewer_notes_per_bar(film: dict, cue: str) -> None:
    before, after = film[cue]
    assert after["notes_per_bar"] <= 0.75 * before["notes_per_bar"], (before, after)
    assert after["parts"] <= before["parts"]


@pytest.mark.parametrize("cue", ["1M7", "1M5"])
def test_darker_is_lower_or_minor(film: dict, cue: str) -> None:
    before, after = film[cue]
    assert after["mean_pitch"] < before["mean_pitch"] or (
        before["mode"] not in ("minor", "phrygian") and after["mode"] == "minor"), (before, after)


def test_darker_turns_the_major_love_theme_cue_minor_and_lower(film: dict) -> None:
    before, after = film["1M5"]
    assert before["mode"] == "major" and after["mode"] == "minor"
    assert after["mean_pitch"] < before["mean_pitch"]


@pytest.mark.parametrize("cue", ["1M7", "1M5"])
def test_no_piano_gives_no_piano_part(film: dict, cue: str) -> None:
    assert "piano" not in film[cue][1]["instruments"]


def test_the_revision_keeps_what_it_was_drafted_with(film: dict) -> None:
    store = film["store"]
    r1, r2 = film["1M5_revs"]
    assert r2.parent == r1.number and r2.params["notes"] == "darker, less busy, no piano"
    assert {c["what"] for c in r2.params["changes"]} >= {"mode", "density", "weight"}
    saved = store.revisions("1M5")[-1].params["resolved"]
    assert saved["simpler_figures"] and saved["accompaniment_shift"] == -12
    assert "piano" in saved["exclude"]


def test_notes_act_on_the_previous_revision_not_the_defaults(film: dict) -> None:
    """A second "less busy" thins the already thinner revision again."""
    from assistant.music.score import Score
    from assistant.revise import revise_cue
    from ui import adapter

    store = film["store"]
    r3 = revise_cue(store, "1M5", "less busy", seed=0)
    f3 = figures(Score.from_midi(adapter.revision_midi(store, r3)))
    f2 = film["1M5"][1]
    assert f3["parts"] < f2["parts"] or f3["notes_per_bar"] < f2["notes_per_bar"], (f2, f3)
    assert r3.params["resolved"]["weight"] == "solo"
    assert "piano" in r3.params["resolved"]["exclude"]  # the earlier exclusion holds


def test_cli_draft_revise_moves_the_latest_revision(film: dict) -> None:
    """`draft PROJECT --cue ID --revise NOTES` makes the same kind of revision."""
    import contextlib
    import io
    import json

    from assistant.cli.main import run

    store = film["store"]
    before = store.revisions("1M7")[-1]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        rc = run(["draft", str(store.root), "--cue", "1M7", "--revise", "faster, no piano",
                  "--json", "--quiet"])
    assert rc == 0
    info = json.loads(buf.getvalue().strip().splitlines()[-1])
    assert info["revision"] == before.number + 1
    assert info["figures"]["before"]["notes"] > 0 and "notes_per_bar" in info["figures"]["after"]
    tempo = next(c for c in info["changes"] if c["what"] == "tempo_bpm")
    assert tempo["to"][0] > tempo["from"][0]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as e:
        rc = run(["draft", str(store.root), "--cue", "1M7", "--revise", "softer", "--brief",
                  "slow", "--quiet"])
    assert rc == 2 and "not both" in e.getvalue()
