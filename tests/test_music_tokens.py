"""Tokenizer round trips on purpose-built MIDI fixtures, controls and the corpus helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.music.corpus import estimate_key, interval_hash
from assistant.music.data import compact_timesigs, segment_ids
from assistant.music.score import Score
from assistant.music.tokens import (
    Controls,
    Vocab,
    decode_ids,
    decoded_to_score,
    encode,
    make_tokenizer,
    normalise_meter,
    score_to_symusic,
)

FIX = Path(__file__).resolve().parent / "fixtures" / "midi"


@pytest.fixture(scope="module")
def vocab() -> Vocab:
    return Vocab(make_tokenizer())


def _notes(score: Score) -> list[tuple[int, int, float, float]]:
    return sorted((p.program, n.pitch, round(n.start_beats, 4), round(n.dur_beats, 4))
                  for p in score.parts for n in p.notes)


@pytest.mark.parametrize("name", ["tempo_change", "pickup", "several_instruments"])
def test_round_trip_fixture(vocab: Vocab, name: str, tmp_path: Path) -> None:
    src = Score.from_midi(FIX / f"{name}.mid")
    ids = compact_timesigs(vocab, encode(vocab.tok, score_to_symusic(src)))
    back = decoded_to_score(decode_ids(vocab, ids), clip_end=False)
    assert _notes(back) == _notes(src)
    assert [(q, n, d) for q, n, d in back.meters] == [(float(q), n, d) for q, n, d in src.meters]
    assert [round(b) for _q, b in back.tempos] == [round(b) for _q, b in src.tempos]
    assert [q for q, _b in back.tempos] == [q for q, _b in src.tempos]
    # MIDI written from the decoded score reads back the same notes
    out = back.to_midi(tmp_path / f"rt_{name}.mid")
    assert _notes(Score.from_midi(out)) == _notes(src)


def test_round_trip_several_instruments_keeps_programs(vocab: Vocab) -> None:
    src = Score.from_midi(FIX / "several_instruments.mid")
    ids = encode(vocab.tok, score_to_symusic(src))
    progs = {vocab.value[i] for i in ids if vocab.kind[i] == 4}
    assert progs == {0, 42, 73}


def test_pitch_ids_contiguous_so_transposition_is_a_shift(vocab: Vocab) -> None:
    src = Score.from_midi(FIX / "tempo_change.mid")
    ids = np.array(encode(vocab.tok, score_to_symusic(src)))
    up = encode(vocab.tok, score_to_symusic(src.transposed(3)))
    shifted = ids.copy()
    shifted[vocab.kind[ids] == 1] += 3
    assert shifted.tolist() == up


def test_compact_timesigs_drops_repeats_only(vocab: Vocab) -> None:
    src = Score.from_midi(FIX / "pickup.mid")
    full = encode(vocab.tok, score_to_symusic(src))
    comp = compact_timesigs(vocab, full)
    ts = [vocab.id_to_token[i] for i in comp if vocab.kind[i] == 5]
    assert ts == ["TimeSig_1/4", "TimeSig_3/4"]
    assert len(comp) < len(full)


def test_segments_cut_at_bars(vocab: Vocab) -> None:
    src = Score.from_midi(FIX / "several_instruments.mid")
    ids = encode(vocab.tok, score_to_symusic(src))
    spans = segment_ids(vocab, ids, seg_max=40)
    assert all(ids[a] == vocab.bar for a, _b in spans)
    assert all(b - a <= 40 for a, b in spans)
    assert spans[0][0] == 0 and spans[-1][1] == len(ids)


def test_normalise_meter() -> None:
    assert normalise_meter(4, 2) == (8, 4)
    assert normalise_meter(2, 2) == (4, 4)
    assert normalise_meter(6, 8) == (6, 8)


def test_controls_validate() -> None:
    with pytest.raises(ValueError):
        Controls(mode="dorian")
    with pytest.raises(ValueError):
        Controls(density="very")
    with pytest.raises(ValueError):
        Controls(top_p=0.0)
    assert Controls(key_tonic=2, mode="minor").mode == "minor"


def test_key_estimate_and_interval_hash() -> None:
    a_minor = [(57, 0, 1), (60, 1, 1), (64, 2, 1), (69, 3, 2), (68, 5, 1), (69, 6, 2)]
    k = estimate_key(a_minor)
    assert (k.tonic, k.mode) == (9, "minor")
    assert interval_hash([60, 62, 64]) == interval_hash([65, 67, 69])
    assert interval_hash([60, 62, 64]) != interval_hash([60, 62, 63])
