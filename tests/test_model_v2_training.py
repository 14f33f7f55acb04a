"""The v2 training paths: chord tokens in the data (and transposed with the pitches), time-based
resumable checkpoints, DDP with 2 gloo CPU processes (ranks agree), CUDA + bf16 (skipped
without CUDA)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from assistant.music.corpus import estimate_key
from assistant.music.data import SegmentSampler, build_splits, build_token_files
from assistant.music.tokens import Vocab, make_tokenizer

REPO = Path(__file__).resolve().parents[1]
MAJOR = (0, 2, 4, 5, 7, 9, 11)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _tune(rng: random.Random, tonic: int, bars: int = 8) -> list[list[float]]:
    notes, t, deg = [], 0.0, 7
    while t < bars * 4 - 1e-9:
        dur = min(rng.choice((1.0, 0.5, 0.5, 2.0)) if t % 1 == 0 else 0.5, bars * 4 - t)
        deg = max(0, min(14, deg + rng.choice((-2, -1, -1, 1, 1, 2))))
        notes.append([60 + tonic + 12 * (deg // 7) + MAJOR[deg % 7], t, dur])
        t += dur
    return notes


def _record(rid: str, coll: str, parts: list[list[list[float]]]) -> dict:
    allnotes = [tuple(n) for p in parts for n in p]
    k = estimate_key(allnotes)
    length = max(s + d for _p, s, d in allnotes)
    return {"id": rid, "collection": coll, "file": rid.split("#")[0], "index": 0, "title": "",
            "meters": [[0.0, 4, 4]], "tempos": [[0.0, 100.0]], "pickup_q": 0.0,
            "parts": [{"name": f"p{i}", "program": 52, "notes": p} for i, p in enumerate(parts)],
            "features": {"key_tonic": k.tonic, "mode": k.mode, "key_corr": k.corr, "meter": "4/4",
                         "n_parts": len(parts), "n_notes": len(allnotes), "length_q": length,
                         "density_per_q": len(allnotes) / length, "polyphony": float(len(parts)),
                         "pitch_min": min(n[0] for n in allnotes), "pitch_max": max(n[0] for n in allnotes),
                         "mean_pitch": float(np.mean([n[0] for n in allnotes])),
                         "ensemble": "chorale" if len(parts) == 4 else "solo", "melody_hash": rid}}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """80 folk tunes and 30 four-part 'chorales' (triads under the tune), split and tokenized."""
    root = tmp_path_factory.mktemp("v2corpus")
    rng = random.Random(5)
    ext = root / "extract"
    for coll, n in (("essenFolksong", 80), ("bach", 30)):
        (ext / coll).mkdir(parents=True)
        with (ext / coll / "tunes.jsonl").open("w") as fh:
            for i in range(n):
                tonic = rng.randrange(-3, 5)
                parts = [_tune(rng, tonic)]
                if coll == "bach":  # a C-major-ish triad per bar under the tune, transposed
                    for off in (4, 7, 12):
                        parts.append([[48 + tonic + off, 4.0 * b, 4.0] for b in range(8)])
                fh.write(json.dumps(_record(f"{coll}/t{i}.krn#0", coll, parts)) + "\n")
    build_splits(ext, root / "datasets")
    build_token_files(ext, root / "datasets", root / "tokens", workers=1)
    return root


def test_every_bar_carries_a_chord_and_transposition_moves_it(corpus: Path) -> None:
    vocab = Vocab(make_tokenizer())
    s = SegmentSampler(corpus / "tokens" / "train.npz", vocab, 64, seed=2, augment=False)
    names = [str(x) for x in s.d["sources"]]
    for i in range(s.n):
        seq = s.sequence(i)
        bars = np.flatnonzero(seq == vocab.bar)
        assert len(bars) and all(vocab.is_chord[seq[b + 1]] for b in bars)
        if names[s.d["source"][i]] == "bach":  # the triad is C-major-like: root = tonic of the triad
            assert vocab.chord_of(int(seq[bars[0] + 1])) is not None
    # transposition: chord roots move with the pitches, qualities stay
    i = next(i for i in range(s.n) if names[s.d["source"][i]] == "bach")
    a, b = s.sequence(i), s.sequence(i, shift=3)
    ca = [vocab.chord_of(int(t)) for t in a if vocab.is_chord[t] and vocab.chord_of(int(t))]
    cb = [vocab.chord_of(int(t)) for t in b if vocab.is_chord[t] and vocab.chord_of(int(t))]
    assert ca and [((r + 3) % 12, q) for r, q in ca] == cb


def test_dropout_rates_set_how_often_the_plain_melody_layout_is_shown(corpus: Path) -> None:
    """A second stage can show the melody-prediction layout (no controls, no chord plan) more
    often: the measured rates follow ``unconditional_rate`` and ``chord_dropout``."""
    vocab = Vocab(make_tokenizer())
    v = vocab.vocab

    def rates(**kw: float) -> tuple[float, float]:
        s = SegmentSampler(corpus / "tokens" / "train.npz", vocab, 64, seed=3, fim_rate=0.0, **kw)
        uncond = nochord = 0
        n = 1500
        for _ in range(n):
            seq = s.sequence(s.draw(), dropout=True)
            uncond += (seq[1] == v["Key_none"] and seq[3] == v["Density_none"] and seq[4] == v["Register_none"])
            chords = seq[vocab.is_chord[seq]]
            nochord += bool(len(chords)) and bool(np.all(chords == vocab.chord_none))
        return uncond / n, nochord / n

    u0, c0 = rates()  # the defaults: 0.15 fully unconditional (+ 0.2**3 by chance), 0.2 (+ uncond) without chords
    assert 0.12 < u0 < 0.22 and 0.25 < c0 < 0.40
    u1, c1 = rates(unconditional_rate=0.5, chord_dropout=0.5)
    assert 0.45 < u1 < 0.6 and 0.68 < c1 < 0.82
    u2, c2 = rates(unconditional_rate=0.0, chord_dropout=0.0)
    assert u2 < 0.03 and c2 == 0.0
    with pytest.raises(ValueError, match="chord_dropout"):
        SegmentSampler(corpus / "tokens" / "train.npz", vocab, 64, chord_dropout=1.5)


def test_families_json_and_melody_tables_written(corpus: Path) -> None:
    fam = json.loads((corpus / "datasets" / "families.json").read_text())
    assert fam["pieces"] == 110 and fam["families"] <= 110
    assert "this_split" in fam["leakage"]
    with np.load(corpus / "datasets" / "melody_tables.npz") as z:
        assert z["train_offsets"][-1] == len(z["train_pitches"])


def _overrides(corpus: Path, out: Path, **over: object) -> list[str]:
    sets = [f"tokens_dir={corpus / 'tokens'}", f"out_dir={out}", "n_layer=1", "n_head=2", "n_embd=32",
            "block_size=64", "batch_size=4", "lr=0.01", "min_lr=0.001", "warmup_steps=2", "eval_interval=5",
            "eval_batches=1", "ckpt_interval=1000", "threads=1", "epochs=100", "time_limit_min=0"]
    return sets + [f"{k}={v}" for k, v in over.items()]


def test_time_based_checkpoint_and_resume_flag(corpus: Path, tmp_path: Path) -> None:
    from training.train_music import load_config, train

    out = tmp_path / "run"
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        train(load_config(None, _overrides(corpus, out, epochs=0.001)), resume=True)
    # ckpt_minutes=1e-9: a checkpoint after every step although ckpt_interval is 1000
    s1 = train(load_config(None, _overrides(corpus, out, epochs=0.01, ckpt_minutes=1e-9)))
    state = json.loads((out / "ckpt" / "state.json").read_text())
    assert state["step"] == s1["steps"] and state["train_npz_sha1"] and state["total_steps"] >= s1["steps"]
    s2 = train(load_config(None, _overrides(corpus, out, epochs=0.02)), resume=True)
    assert s2["steps"] > s1["steps"]


def test_ddp_two_gloo_cpu_processes_agree(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "ddp"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "training.train_music", "--set", *_overrides(corpus, out, epochs=0.2)]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["world_size"] == 2 and summary["steps"] >= 2
    assert summary["ranks_agree"] is True and summary["ranks_max_abs_weight_diff"] <= 1e-5


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_cuda_bf16_few_steps(corpus: Path, tmp_path: Path) -> None:
    from training.train_music import load_config, train

    s = train(load_config(None, _overrides(corpus, tmp_path / "cuda", epochs=0.1, threads=1)))
    assert s["device"].startswith("cuda") and s["steps"] >= 2
    assert s["final_train_loss_ema"] is not None and np.isfinite(s["final_train_loss_ema"])
