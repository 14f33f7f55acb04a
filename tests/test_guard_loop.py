"""The corpus index and the guard in the loop: planted quotes found, copies rejected."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.guard.calibrate import embed_quote
from assistant.guard.calibrate import synthetic_melody as random_melody
from assistant.guard.corpus import CorpusMelodies
from assistant.guard.index import CorpusIndex, ngram_keys
from assistant.guard.loop import check, guarded
from assistant.guard.melody import Melody
from assistant.music.score import Note, Part, Score


@pytest.fixture(scope="module")
def small_index() -> CorpusIndex:
    mels = [random_melody(1000 + i, 30 + (i % 40)) for i in range(150)]
    pieces = [{"id": f"synthetic/{i}.abc#0", "title": f"tune {i}"} for i in range(150)]
    return CorpusIndex.build(CorpusMelodies.from_melodies(mels, pieces))


def test_corpus_round_trip(tmp_path) -> None:
    mels = [random_melody(s, 20) for s in range(3)]
    c = CorpusMelodies.from_melodies(mels, [{"id": str(i), "title": ""} for i in range(3)])
    c.save(tmp_path / "c.npz", tmp_path / "c.json")
    back = CorpusMelodies.load(tmp_path / "c.npz", tmp_path / "c.json")
    for i, m in enumerate(mels):
        r = back.melody(i)
        assert r.pitches.tolist() == m.pitches.tolist()
        assert np.allclose(r.iois_beats, m.iois_beats, atol=1 / 96)
        assert np.allclose(r.onsets_beats, m.onsets_beats, atol=1e-6)


def test_ngram_keys_are_transposition_invariant() -> None:
    p = np.array([60, 62, 64, 65, 67, 69])
    assert ngram_keys(p).tolist() == ngram_keys(p + 7).tolist()
    assert len(ngram_keys(p)) == 2 and len(ngram_keys(p[:4])) == 0


def test_index_finds_planted_quote_with_positions(small_index: CorpusIndex) -> None:
    src = small_index.corpus.melody(57)
    new, s0, cut = embed_quote(src, random_melody(77777, 60), np.random.default_rng(5), n=10)
    best = small_index.query(new.time_scaled(1.5), top_k=3)[0]
    assert best.piece_id == "synthetic/57.abc#0"
    p = best.similarity.passages[0]
    assert p.a_start_note <= cut and p.a_end_note >= cut + 9
    assert p.b_start_note <= s0 and p.b_end_note >= s0 + 9
    assert best.similarity.verdict in ("similar", "copy")


def test_index_unrelated_query_is_distinct(small_index: CorpusIndex) -> None:
    res = small_index.query(random_melody(424242, 80), top_k=1)
    assert not res or res[0].similarity.verdict == "distinct"


def _score_of(m: Melody) -> Score:
    return Score(parts=[Part("lead", notes=[Note(int(p), float(o), float(d)) for p, o, d in
                                            zip(m.pitches, m.onsets_beats, m.durs_beats,
                                                strict=True)])])


def test_loop_rejects_planted_temp_copy_and_records_why(small_index: CorpusIndex) -> None:
    temp = random_melody(31337, 32)
    temp.name = "temp.mid:strings"
    fresh = random_melody(2024, 32)
    drafts = {0: [_score_of(temp.transposed(3))], 1: [_score_of(fresh)]}
    res = guarded(lambda attempt: drafts[attempt], references=[temp],
                  corpus_index=small_index, max_retries=2)
    assert res.passed and res.attempts == 2
    assert res.accepted.parts[0].notes[0].pitch == int(fresh.pitches[0])
    assert len(res.rejected) == 1
    rej = res.rejected[0]
    assert rej.attempt == 0 and "temp temp.mid:strings" in rej.reason
    assert rej.check.temp.verdict == "copy"
    rec = res.to_record()
    assert rec["rejected"][0]["temp"]["passage"]["transposition"] == -3
    assert rec["accepted"]["score"] < res.threshold


def test_loop_rejects_corpus_regurgitation_and_gives_up_boundedly(small_index: CorpusIndex) -> None:
    tune = small_index.corpus.melody(12)
    calls = []

    def always_copy(attempt: int) -> Melody:
        calls.append(attempt)
        return tune.transposed(attempt + 1)

    res = guarded(always_copy, corpus_index=small_index, max_retries=2)
    assert not res.passed and calls == [0, 1, 2] and len(res.rejected) == 3
    assert all("corpus synthetic/12.abc#0" in r.reason for r in res.rejected)
    c = check(tune, [], small_index)
    assert c.corpus is not None and c.corpus.passage["b_start_note"] == 0
