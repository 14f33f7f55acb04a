"""Hypothesis fuzz: importers refuse anything with an InputError (never another exception),
JSON loading is total, and the tokenizer round-trips generated music."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import InputError
from assistant.importers.screenplay import parse_fdx, parse_fountain
from assistant.importers.spotting import (
    parse_spotting_csv,
    parse_spotting_edl,
    parse_spotting_text,
)
from assistant.storage import load_json_file

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# text that looks like the formats: their keywords, timecodes and punctuation, mixed with noise
_TOKENS = st.sampled_from([
    "INT. ", "EXT. ", "I/E ", ".", "@", "^", "(V.O.)", "> ", " <", "~", "#", "=", "===", "[[",
    "]]", "/*", "*/", "*", "**", "_", "\\*", "!", "BOB", "ANNA", " - ", "DAY", "\n", "\n\n",
    "  \n", "TITLE:", "FPS: 24", "FPS: 29.97 DF", "START: 01:00:00:00", "1M1", "2M3s",
    "01:00:05:00", "01:00:10;02", "00:00:00:00", "99:99:99:99", "HIT", "HIT!", "FUNCTION:",
    "SOURCE", "[downbeat, tol 2]", "[weight x]", ",", ";", '"', "cue,start,end,hits\n",
    "001  AX  V  C  ", "* FROM CLIP NAME: ", "* LOC: ", " RED ", "FCM: DROP FRAME\n",
    "FCM: NON-DROP FRAME\n", "<FinalDraft>", "<Content>", "<Paragraph Type=\"Action\">",
    "<Text>", "</Text>", "</Paragraph>", "</Content>", "</FinalDraft>", "&amp;", "&x;",
    "\t", " ", "é", "\u202e", "\r\n",
])
FORMAT_TEXT = st.lists(st.one_of(_TOKENS, st.text(max_size=8)), max_size=60).map("".join)


@given(FORMAT_TEXT)
@FUZZ
def test_fountain_never_crashes(text: str) -> None:
    try:
        sp = parse_fountain(text, "fuzz.fountain")
    except InputError:
        return
    n_lines = text.count("\n") + 1
    assert all(1 <= e.line <= n_lines for e in sp.elements)
    starts = [s.start_s for s in sp.scenes]
    assert starts == sorted(starts)
    for k in range(len(sp.scenes)):
        assert sp.scene_elements(k)[0].kind == "scene_heading"


@given(FORMAT_TEXT)
@FUZZ
def test_fdx_never_crashes(text: str) -> None:
    try:
        sp = parse_fdx(text, "fuzz.fdx")
    except InputError as exc:
        assert "fuzz.fdx" in str(exc)
        return
    assert all(e.kind for e in sp.elements)


@pytest.mark.parametrize("parser", [parse_spotting_text, parse_spotting_csv, parse_spotting_edl],
                         ids=["text", "csv", "edl"])
@given(text=FORMAT_TEXT)
@FUZZ
def test_spotting_parsers_never_crash(parser, text: str) -> None:  # noqa: ANN001
    try:
        spot = parser(text, "fuzz")
    except InputError as exc:
        assert str(exc)
        return
    assert spot.cues
    for c in spot.cues:
        assert c.end_s > c.start_s >= 0
        assert all(c.start_s <= h.time_s <= c.end_s for h in c.hits)


_JSON = st.recursive(st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False)
                     | st.integers() | st.text(max_size=5),
                     lambda kids: st.lists(kids, max_size=4)
                     | st.dictionaries(st.text(max_size=4), kids, max_size=4), max_leaves=30)


@given(st.binary(max_size=300) | _JSON.map(lambda o: json.dumps(o).encode()))
@FUZZ
def test_load_json_file_is_total(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    p = tmp_path_factory.mktemp("j") / "f.json"
    p.write_bytes(raw)
    try:
        load_json_file(p)
    except InputError as exc:
        assert "f.json" in str(exc)


@given(st.binary(max_size=400))
@FUZZ
def test_project_load_is_total(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    from assistant.project import ProjectStore

    root = tmp_path_factory.mktemp("p")
    (root / "project.json").write_bytes(raw)
    try:
        ProjectStore(root).load()
    except InputError as exc:
        assert "project.json" in str(exc)


# ----------------------------------------------------------------------------- tokenizer
@pytest.fixture(scope="module")
def vocab():  # noqa: ANN201
    from assistant.music.tokens import Vocab, make_tokenizer

    return Vocab(make_tokenizer())


_NOTE = st.tuples(st.integers(21, 108), st.integers(0, 16 * 12 - 1), st.integers(1, 24))


@given(notes=st.lists(_NOTE, min_size=1, max_size=40, unique_by=lambda n: (n[0], n[1])))
@FUZZ
def test_tokenizer_round_trip(vocab, notes: list[tuple[int, int, int]]) -> None:  # noqa: ANN001
    """Notes on the tokenizer's grid (1/12 beat) in 4/4 encode and decode unchanged."""
    from assistant.music.tokens import decode_ids, encode, notes_to_symusic

    src = sorted((p, Fraction(o, 12), Fraction(d, 12)) for p, o, d in notes)
    sym = notes_to_symusic([(0, [(p, float(o), float(d)) for p, o, d in src])],
                           [(0.0, 4, 4)], [(0.0, 120.0)])
    dec = decode_ids(vocab, encode(vocab.tok, sym))
    back = sorted((p, Fraction(st_q).limit_denominator(48), Fraction(d).limit_denominator(48))
                  for _prog, p, st_q, d, _bar in dec.notes)
    assert back == src


@given(st.lists(st.integers(-5, 700), max_size=200))
@FUZZ
def test_decode_any_ids(vocab, ids: list[int]) -> None:  # noqa: ANN001
    """Sampled sequences always decode: any ids, in any order, give well-formed notes."""
    from assistant.music.tokens import decode_ids, decoded_to_score

    dec = decode_ids(vocab, ids)
    for _prog, pitch, start_q, dur_q, _bar in dec.notes:
        assert 0 <= pitch <= 127 and start_q >= 0 and dur_q > 0
    decoded_to_score(dec)

