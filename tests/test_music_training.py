"""The training pipeline end to end on a small synthetic corpus: split → tokens → train_music
(loss falls, resume continues, warm start, source weights) and the per-bar features."""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from assistant.music.corpus import bar_features, bar_starts, estimate_key
from assistant.music.data import SegmentSampler, build_bar_features, build_splits, build_token_files
from assistant.music.model import MusicGPT
from assistant.music.tokens import Vocab, make_tokenizer

pytestmark = pytest.mark.usefixtures("one_torch_thread")

MAJOR = (0, 2, 4, 5, 7, 9, 11)


def _tune(rng: random.Random, tonic: int, bars: int = 8) -> list[list[float]]:
    """A stepwise major-scale tune of quarter and eighth notes, ``bars`` bars of 4/4."""
    notes, t, deg = [], 0.0, 7
    while t < bars * 4 - 1e-9:
        dur = rng.choice((1.0, 0.5, 0.5, 2.0)) if t % 1 == 0 else 0.5
        dur = min(dur, bars * 4 - t)
        deg = max(0, min(14, deg + rng.choice((-2, -1, -1, 1, 1, 2))))
        pitch = 60 + tonic + 12 * (deg // 7) + MAJOR[deg % 7]
        notes.append([pitch, t, dur])
        t += dur
    return notes


def _record(rid: str, coll: str, parts: list[list[list[float]]]) -> dict:
    allnotes = [tuple(n) for p in parts for n in p]
    k = estimate_key(allnotes)
    length = max(s + d for _p, s, d in allnotes)
    return {
        "id": rid, "collection": coll, "file": rid.split("#")[0], "index": 0, "title": "",
        "meters": [[0.0, 4, 4]], "tempos": [[0.0, 100.0]], "pickup_q": 0.0,
        "parts": [{"name": f"p{i}", "program": 52 if coll == "bach" else 40, "notes": p} for i, p in enumerate(parts)],
        "features": {"key_tonic": k.tonic, "mode": k.mode, "key_corr": k.corr, "meter": "4/4",
                     "n_parts": len(parts), "n_notes": len(allnotes), "length_q": length,
                     "density_per_q": len(allnotes) / length, "polyphony": float(len(parts)),
                     "pitch_min": min(n[0] for n in allnotes), "pitch_max": max(n[0] for n in allnotes),
                     "mean_pitch": float(np.mean([n[0] for n in allnotes])),
                     "ensemble": "chorale" if len(parts) == 4 else "solo",
                     "melody_hash": rid},  # every piece its own duplicate group
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An extract folder with 120 folk tunes and 40 four-part 'chorales', split and tokenized."""
    root = tmp_path_factory.mktemp("corpus")
    rng = random.Random(3)
    ext = root / "extract"
    for coll, n in (("essenFolksong", 120), ("bach", 40)):
        (ext / coll).mkdir(parents=True)
        with (ext / coll / "tunes.jsonl").open("w") as fh:
            for i in range(n):
                tonic = rng.randrange(-3, 5)
                parts = [_tune(rng, tonic)]
                if coll == "bach":
                    parts += [[[p - off, s, d] for p, s, d in parts[0]] for off in (4, 9, 17)]
                fh.write(json.dumps(_record(f"{coll}/t{i}.krn#0", coll, parts)) + "\n")
    build_splits(ext, root / "datasets")
    build_token_files(ext, root / "datasets", root / "tokens", workers=1)
    return root


def _train(corpus: Path, out: Path, **over: object) -> dict:
    from training.train_music import load_config, train

    sets = [f"tokens_dir={corpus / 'tokens'}", f"out_dir={out}", "n_layer=1", "n_head=2", "n_embd=32",
            "block_size=64", "batch_size=8", "lr=0.01", "min_lr=0.001", "warmup_steps=5", "eval_interval=10",
            "eval_batches=2", "ckpt_interval=10", "threads=1", "epochs=100", "time_limit_min=0"]
    sets += [f"{k}={json.dumps(v) if isinstance(v, dict) else v}" for k, v in over.items()]
    return train(load_config(None, sets))


def test_splits_and_tokens_are_by_piece(corpus: Path) -> None:
    splits = json.loads((corpus / "datasets" / "splits.json").read_text())
    train, val, test = (set(splits[k]) for k in ("train", "val", "test"))
    assert train and val and test and not (train & val) and not (train & test) and not (val & test)
    assert set(splits["chorale_test"]) <= test and set(splits["essen_test"]) <= test
    with np.load(corpus / "tokens" / "train.npz") as z:
        sources = [str(s) for s in z["sources"]]
        counts = Counter(sources[i] for i in z["source"])
    # every training chorale also appears as a solo line, under its own source name
    assert counts["bach:solo"] > 0 and "bach" in counts and "essenFolksong" in counts


def test_source_weights_change_the_draw(corpus: Path) -> None:
    vocab = Vocab(make_tokenizer())
    plain = SegmentSampler(corpus / "tokens" / "train.npz", vocab, 64, seed=1)
    heavy = SegmentSampler(corpus / "tokens" / "train.npz", vocab, 64, seed=1, source_weights={"bach:solo": 20.0})
    names = [str(s) for s in plain.d["sources"]]
    solo = names.index("bach:solo")

    def share(s: SegmentSampler) -> float:
        return float(np.mean([s.d["source"][s.draw()] == solo for _ in range(3000)]))

    base = float(np.mean(plain.d["source"] == solo))
    assert abs(share(plain) - base) < 0.04
    assert share(heavy) > 3 * share(plain)
    with pytest.raises(ValueError, match="unknown sources"):
        SegmentSampler(corpus / "tokens" / "train.npz", vocab, 64, source_weights={"nope": 2.0})


def test_train_script_loss_falls_resumes_and_warm_starts(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = _train(corpus, out, epochs=0.0001, time_limit_min=0)  # 1 step: the starting loss
    assert first["steps"] >= 1
    s1 = _train(corpus, tmp_path / "run2", epochs=3)
    rows = list(csv.DictReader((tmp_path / "run2" / "log.csv").open()))
    assert len(rows) >= 3 and float(rows[-1]["train_loss"]) < float(rows[0]["train_loss"]) - 0.3
    assert float(rows[-1]["val_loss"]) < float(rows[0]["val_loss"])
    # resume: the same run folder with more epochs continues from its checkpoint step
    s2 = _train(corpus, tmp_path / "run2", epochs=4)
    assert s2["steps"] > s1["steps"]
    rows2 = list(csv.DictReader((tmp_path / "run2" / "log.csv").open()))
    assert int(rows2[len(rows)]["step"]) > s1["steps"]  # logging went on, not from 0
    # warm start: a fresh run initialised from the exported checkpoint starts where it ended
    src = MusicGPT.load(tmp_path / "run2" / "ckpt")
    warm = _train(corpus, tmp_path / "warm", init_from=str(tmp_path / "run2" / "ckpt"), epochs=0.0001,
                  lr=1e-9, min_lr=1e-9, warmup_steps=1)
    assert warm["steps"] >= 1
    got = MusicGPT.load(tmp_path / "warm" / "ckpt")
    for (n, a), (_m, b) in zip(src.state_dict().items(), got.state_dict().items(), strict=True):
        assert torch.allclose(a, b, atol=1e-5), n
    with pytest.raises(ValueError, match="architecture"):
        _train(corpus, tmp_path / "bad", init_from=str(tmp_path / "run2" / "ckpt"), n_embd=64, epochs=0.0001)


def test_bar_starts_follow_meter_changes() -> None:
    bars = bar_starts([[0.0, 4, 4], [8.0, 3, 4], [14.0, 6, 8]], 20.0)
    assert [b[0] for b in bars] == [0.0, 4.0, 8.0, 11.0, 14.0, 17.0]
    assert [f"{b[1]}/{b[2]}" for b in bars] == ["4/4", "4/4", "3/4", "3/4", "6/8", "6/8"]


def test_bar_features_see_a_modulation_and_density() -> None:
    c_major = [[60 + x, i * 0.5, 0.5] for i, x in enumerate([0, 4, 7, 12, 7, 4, 2, 0] * 3)]  # 3 bars of eighths
    a_minor = [[57 + x, 12 + i, 1.0] for i, x in enumerate([0, 3, 7, 3, 0, 2, 3, 0, 8, 7, 3, 0])]  # 3 bars, quarters
    feats = bar_features([{"notes": c_major + a_minor}], [[0.0, 4, 4]])
    assert [f["bar"] for f in feats] == [1, 2, 3, 4, 5, 6]
    assert feats[0]["mode"] == "major" and feats[0]["key_tonic"] == 0
    assert feats[-1]["mode"] == "minor" and feats[-1]["key_tonic"] == 9
    assert feats[0]["density"] == "high" and feats[-1]["density"] == "mid"
    assert feats[0]["pitch_min"] == 60 and feats[0]["pitch_max"] == 72 and feats[0]["polyphony"] == 1.0


def test_bar_feature_table_and_summary(corpus: Path) -> None:
    summ = build_bar_features(corpus / "extract", corpus / "datasets", corpus / "bars.npz", workers=1)
    with np.load(corpus / "bars.npz") as z:
        assert len(z["pieces"]) == 160 and summ["bars"] == len(z["bar"]) == 160 * 8
        chorale = [i for i, p in enumerate(z["pieces"]) if str(p).startswith("bach/")]
        poly = z["polyphony"][np.isin(z["piece"], chorale)]
        assert np.all(poly[z["n_notes"][np.isin(z["piece"], chorale)] > 0] >= 3.0)
    stats = json.loads((corpus / "datasets" / "stats.json").read_text())
    assert stats["per_bar"]["bars"] == 1280 and stats["per_bar"]["meters"] == {"4/4": 1280}
