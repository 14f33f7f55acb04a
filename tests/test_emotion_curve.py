"""The emotional curve reads events, keeps its evidence, and agrees with labelled scenes."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace as E

import pytest

from assistant.analysis.curve import blend, line_events, scene_events, scene_text

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "datasets" / "analysis" / "scene_valence.jsonl"


def el(kind: str, text: str, character: str | None = None) -> E:
    return E(kind=kind, text=text, character=character)


NEUTRAL_TALK = [el("dialogue", "Did you remember to buy milk?", "MOM"),
                el("dialogue", "It's on the list. The shop shuts at six.", "DAD"),
                el("dialogue", "Then we should go before the traffic.", "MOM")] * 3


def test_an_unconscious_father_and_a_scream_read_negative_and_tense():
    els = [el("action", "The kitchen. Quiet afternoon light."), *NEUTRAL_TALK,
           el("action", "Her father lies unconscious on the floor. Blood on the tiles."),
           el("action", "Maya screams."), el("dialogue", "Dad? DAD!", "MAYA")]
    ev = scene_events(els)
    assert ev.valence < -0.5 and ev.tension > 0.6
    assert {"injury", "danger"} <= set(ev.events)
    assert any("unconscious" in line for line in ev.evidence)
    # neutral talk does not dilute it: even a calm, positive text reading is outweighed
    v, a, t, share = blend((0.4, -0.5, 0.1), ev)
    assert v < -0.2 and t > 0.4 and share > 0.6
    # and the event lines come first in what the classifier reads
    assert scene_text(els, "KITCHEN", "INT. KITCHEN").startswith("kitchen. Her father lies")


def test_positive_events():
    ev = scene_events([el("action", "Tilly runs into her father's arms. They embrace."),
                       el("action", "Everyone cheers.")])
    assert ev.valence > 0.5 and "reunion" in ev.events


def test_negated_events_do_not_count():
    assert line_events("He is not dead, just sleeping.") == []
    assert [e[0] for e in line_events("He is dead.")] == ["death"]
    assert line_events("Night falls over the town.") == []
    assert scene_events([el("action", "A quiet street.")]).weight == 0


def test_speech_counts_less_than_action():
    said = scene_events([el("dialogue", "Someone was killed here last year.", "GUIDE")])
    seen = scene_events([el("action", "A man is killed in the street.")])
    assert 0 < said.weight < seen.weight


def test_labelled_set_is_well_formed():
    rows = [json.loads(x) for x in LABELS.read_text("utf-8").splitlines() if x.strip()]
    assert len(rows) >= 60
    assert {r["valence"] for r in rows} <= {-1, 0, 1}
    scripts = {Path(r["script"]).name for r in rows}
    assert {"screenplay.fountain", "Big-Fish.fountain", "Brick-and-Steel.fountain",
            "The-Last-Birthday-Card.fountain"} <= scripts
    assert all(r["why"] for r in rows)


def test_curve_agrees_with_the_example_film_labels():
    from training.eval_curve import evaluate

    rows = [json.loads(x) for x in LABELS.read_text("utf-8").splitlines() if x.strip()]
    rows = [r for r in rows if "the-keepers-light" in r["script"]]
    res = evaluate(rows)
    assert res["n_signed"] >= 14
    assert res["sign_agreement"]["events_text"] >= 0.75


@pytest.mark.slow
def test_curve_agrees_with_all_labels_better_than_text_alone():
    from training.eval_curve import evaluate

    rows = [json.loads(x) for x in LABELS.read_text("utf-8").splitlines() if x.strip()]
    if not (ROOT.parent / "shared" / "data" / "screenplays" / "Big-Fish.fountain").is_file():
        pytest.skip("../shared/data/screenplays/Big-Fish.fountain missing")
    res = evaluate(rows)
    agree = res["sign_agreement"]
    assert agree["events_text"] >= 0.85
    assert agree["events_text"] > agree["text_only"]
