"""Evaluation of the music model: melody prediction, held-out NLL, distributions, controls, copying.

:func:`evaluate` returns ONE dict with the keys of ``scoring-assistant eval-model --json``:
``chorale_soprano_bits_per_note``, ``essen_bits_per_note``, ``heldout_nll_per_token``,
``ngram_baseline``, ``distribution``, ``control_accuracy``, ``memorization`` (and ``protocol``).

Melody prediction (bits per note, pitch only): each held-out melody is fed as a solo line
with the prefix ``BOS Key_none TimeSig Density_none Register_none Ensemble_solo`` (no
attribute of the whole melody leaks in) and the score of note *i* is −log2 of the model's
probability of its ``Pitch`` token, renormalised over the pitch tokens, given everything
before it: previous pitches and durations and the current note's onset (bar and position),
but not its duration. Every note is treated identically. Melodies longer than the context
are scored with a sliding window (prefix + the previous half context).
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from assistant.music.copies import NgramIndex
from assistant.music.corpus import (
    DENSITY_EDGES,
    DENSITY_NAMES,
    REGISTER_EDGES,
    REGISTER_NAMES,
    bucket,
    density_per_q,
    estimate_key,
    mean_pitch,
)
from assistant.music.ngram import PPMModel
from assistant.music.score import Score
from assistant.music.tokens import Controls, Vocab, encode, notes_to_symusic

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
DATASETS = REPO / "datasets" / "music"
CACHE = REPO / ".cache" / "music"
# IDyOM-style baseline parameters, chosen on validation melodies (13 chorales, 150 Essen songs of the
# val split): LTM order 4, STM order 8, bias 3 gave 2.548 / 2.503 bits (bias 1: 2.581 / 2.524)
IDYOM_LTM_ORDER, IDYOM_STM_ORDER, IDYOM_BIAS = 4, 8, 3.0
PEARCE_2005 = {"chorale_single_viewpoint": 2.347, "chorale_best": 1.953, "essen_range": [2.11, 2.68]}


# --------------------------------------------------------------------------- melodies
def load_eval_melodies(path: Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """The two held-out comparison sets: ``{"chorale": [...], "essen": [...]}`` of melodies
    (default: the clean tune-family split; ``eval_melodies_v1.json`` holds the old test sets)."""
    d = json.loads((path or DATASETS / "eval_melodies.json").read_text())
    return {"chorale": d["chorale"], "essen": d["essen"]}


def melody_ids(vocab: Vocab, mel: dict[str, Any], chords: bool = False) -> tuple[list[int], list[int]]:
    """(full id sequence with the no-leak prefix, indices of the pitch tokens to score).

    ``chords`` (a v2 model): every Bar is followed by ``Chord_none``, the layout the model was
    trained with for segments without a chord plan, so no harmony leaks in either."""
    from assistant.music.data import compact_timesigs

    sym = notes_to_symusic([(52, mel["notes"])], mel["meters"], mel["tempos"])
    ids = compact_timesigs(vocab, encode(vocab.tok, sym))
    if chords:
        ids = [x for t in ids for x in ((t, vocab.chord_none) if t == vocab.bar else (t,))]
    m = mel["meters"][0]
    v = vocab.vocab
    prefix = [vocab.bos, v["Key_none"], vocab.timesig_id(int(m[1]), int(m[2])), v["Density_none"],
              v["Register_none"], v["Ensemble_solo"]]
    seq = prefix + ids
    targets = [i for i, t in enumerate(seq) if vocab.kind[t] == 1]
    return seq, targets


def pitch_bits(model: Any, vocab: Vocab, seqs: list[tuple[list[int], list[int]]],
               batch: int = 16) -> list[list[float]]:
    """Bits of every scored pitch token, per sequence (sliding window past the context)."""
    return _bits_of(vocab, seqs, pitch_logprobs(model, vocab, seqs, batch))


def _bits_of(vocab: Vocab, seqs: list[tuple[list[int], list[int]]], lps: list[dict[int, np.ndarray]]
             ) -> list[list[float]]:
    """Bits of each scored pitch token from the predictive distributions of :func:`pitch_logprobs`."""
    p0 = int(np.flatnonzero(vocab.kind == 1)[0])
    return [[-float(lp[seqs[si][0][pos] - p0]) / math.log(2) for pos, lp in sorted(d.items())]
            for si, d in enumerate(lps)]


@torch.inference_mode()
def pitch_logprobs(model: Any, vocab: Vocab, seqs: list[tuple[list[int], list[int]]],
                   batch: int = 16) -> list[dict[int, np.ndarray]]:
    """The model's predictive distribution over the pitch tokens (natural log) at every scored
    pitch position, per sequence: ``{position: log-probabilities}`` (sliding window past the
    context; a position the windows cannot score is absent)."""
    block = model.cfg.block_size
    device = next(model.parameters()).device
    pitch_ids = torch.from_numpy(np.flatnonzero(vocab.kind == 1)).to(device)
    # windows: (seq index, token ids, first scored position within the window, offset)
    windows: list[tuple[int, list[int], int, int]] = []
    for si, (seq, _t) in enumerate(seqs):
        if len(seq) <= block:
            windows.append((si, seq, 0, 0))
            continue
        half = (block - 6) // 2
        windows.append((si, seq[:block], 0, 0))
        start = block
        while start < len(seq):
            ctx_from = start - half
            win = seq[:6] + seq[ctx_from:start + half]
            windows.append((si, win[:block], start, ctx_from - 6))
            start += half
    out: list[dict[int, np.ndarray]] = [dict() for _ in seqs]
    order = sorted(range(len(windows)), key=lambda i: len(windows[i][1]))
    for b0 in range(0, len(order), batch):
        idx = order[b0:b0 + batch]
        L = max(len(windows[i][1]) for i in idx)
        x = torch.full((len(idx), L), vocab.pad, dtype=torch.long)
        for r, i in enumerate(idx):
            w = windows[i][1]
            x[r, : len(w)] = torch.tensor(w)
        logits, _ = model(x.to(device))
        logp = torch.log_softmax(logits.float()[:, :, pitch_ids], dim=-1)  # (B, L, n_pitch)
        for r, i in enumerate(idx):
            si, w, first, offset = windows[i]
            targets = seqs[si][1]
            for pos in targets:
                wp = pos - offset if offset else pos
                if pos < first or wp <= 0 or wp >= len(w) or (offset and wp < 6):
                    continue
                if offset == 0 and first == 0 and pos >= len(w):
                    continue
                out[si][pos] = logp[r, wp - 1].cpu().numpy()
    return out


def bootstrap_ci(bits: list[list[float]], n_boot: int = 2000, seed: int = 0) -> list[float] | None:
    """95 % percentile bootstrap interval of bits per note, resampling whole melodies (notes of
    one melody are not independent)."""
    tot = np.array([sum(b) for b in bits if b])
    cnt = np.array([len(b) for b in bits if b])
    if not len(tot):
        return None
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(tot), size=(n_boot, len(tot)))
    stat = tot[idx].sum(axis=1) / cnt[idx].sum(axis=1)
    return [round(float(np.percentile(stat, 2.5)), 4), round(float(np.percentile(stat, 97.5)), 4)]


def _bits_summary(bits: list[list[float]]) -> dict[str, Any]:
    flat = [b for s in bits for b in s]
    per_mel = [float(np.mean(s)) for s in bits if s]
    return {"bits_per_note": round(float(np.mean(flat)), 4) if flat else None,
            "ci95": bootstrap_ci(bits),
            "mean_of_melody_means": round(float(np.mean(per_mel)), 4) if per_mel else None,
            "melodies": len(bits), "notes": len(flat)}


def model_has_chords(model: Any, vocab: Vocab) -> bool:
    """True for a v2 model (its vocabulary holds the chord tokens)."""
    return int(model.cfg.vocab_size) > vocab.chord_none


def model_bits(model: Any, vocab: Vocab, sets: dict[str, list[dict[str, Any]]],
               keep: dict[str, list[dict[int, np.ndarray]]] | None = None) -> dict[str, Any]:
    """Bits per note of the model on ``{"chorale": [...], "essen": [...]}``: the two contract
    keys, their ``*_ci95`` and a per-set detail. ``keep`` (a dict) receives each set's
    predictive distributions, so :func:`model_with_stm` need not run the model again."""
    res: dict[str, Any] = {"detail": {}}
    chords = model_has_chords(model, vocab)
    for name, key in (("chorale", "chorale_soprano"), ("essen", "essen")):
        seqs = [melody_ids(vocab, m, chords) for m in sets[name]]
        lps = pitch_logprobs(model, vocab, seqs)
        if keep is not None:
            keep[name] = lps
        bits = _bits_of(vocab, seqs, lps)
        s = _bits_summary(bits)
        res[f"{key}_bits_per_note"] = s["bits_per_note"]
        res[f"{key}_ci95"] = s["ci95"]
        res["detail"][name] = s
    return res


def model_with_stm(model: Any, vocab: Vocab, sets: dict[str, list[dict[str, Any]]],
                   logprobs: dict[str, list[dict[int, np.ndarray]]] | None = None) -> dict[str, Any]:
    """Bits per note of the music model used as IDyOM's LONG-term model, combined note by note
    with the baseline's short-term model (PPM-C on the melody so far, same order and entropy bias
    as :func:`idyom_baseline`, not re-tuned). This isolates what the long-term model is worth:
    the baseline and this figure differ only in the long-term model. It is reported beside the
    contract keys, which stay the music model alone."""
    from assistant.music.ngram import IdyomStyle
    from assistant.music.tokens import PITCH_LO

    pitch_ids = np.flatnonzero(vocab.kind == 1)  # Pitch_21 ... (contiguous)
    p0 = int(pitch_ids[0])
    comb = IdyomStyle(None, stm_order=IDYOM_STM_ORDER, bias=IDYOM_BIAS,
                      alphabet=range(PITCH_LO, PITCH_LO + len(pitch_ids)))
    uniform = np.full(len(pitch_ids), 1.0 / len(pitch_ids))
    chords = model_has_chords(model, vocab)
    res: dict[str, Any] = {}
    for name, key in (("chorale", "chorale_soprano"), ("essen", "essen")):
        seqs = [melody_ids(vocab, m, chords) for m in sets[name]]
        bits = []
        lps = logprobs[name] if logprobs and name in logprobs else pitch_logprobs(model, vocab, seqs)
        for (seq, targets), d in zip(seqs, lps, strict=True):
            pitches = [int(seq[t]) - p0 + PITCH_LO for t in targets]
            probs = [np.exp(d[t]) if t in d else uniform for t in targets]
            bits.append(comb.sequence_bits(pitches, probs))
        s = _bits_summary(bits)
        res[f"{key}_bits_per_note"] = s["bits_per_note"]
        res[f"{key}_ci95"] = s["ci95"]
    res["model"] = (f"the music model as the long-term model + the baseline's short-term PPM-C (orders 0-"
                    f"{IDYOM_STM_ORDER}), weighted geometric mean with weights H_rel^-{IDYOM_BIAS:g}; "
                    "not the contract figure (that is the music model alone)")
    return res


def old_split_clean_subset(model: Any, vocab: Vocab, old_sets: dict[str, list[dict[str, Any]]],
                           extract_dir: Path) -> dict[str, Any]:
    """The old test sets minus the melodies with a near copy in the OLD training split
    (``families.json`` ``leakage.v1_split``): for a model trained on the old split (v1) this is
    its honest figure; with the IDyOM-style baseline trained on the old split's training melodies
    (from the corpus cache) beside it."""
    fam_p = DATASETS / "families.json"
    if not fam_p.exists():
        return {"note": "families.json missing"}
    leak = json.loads(fam_p.read_text())["leakage"].get("v1_split", {})
    bad = set(leak.get("chorale_test", {}).get("ids", [])) | set(leak.get("essen_test", {}).get("ids", []))
    if not bad:
        return {"note": "no leaked-id list in families.json"}
    sub = {k: [m for m in v if m["id"] not in bad] for k, v in old_sets.items()}
    mb = model_bits(model, vocab, sub)
    out: dict[str, Any] = {k: mb[k] for k in ("chorale_soprano_bits_per_note", "essen_bits_per_note",
                                              "chorale_soprano_ci95", "essen_ci95")}
    out["melodies"] = {k: len(v) for k, v in sub.items()}
    old_splits_p = DATASETS / "splits_v1.json"
    if extract_dir.exists() and old_splits_p.exists():
        from assistant.music.data import iter_records
        from assistant.music.families import piece_melody

        train = set(json.loads(old_splits_p.read_text())["train"])
        mels = [[int(n[0]) for n in piece_melody(r)] for r in iter_records(extract_dir) if r["id"] in train]
        out["idyom_baseline_old_train"] = {k: v for k, v in idyom_baseline(mels, sub).items() if k != "model"}
    return out


def idyom_baseline(train_melodies: list[list[int]], sets: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The IDyOM-style peer on the same split (:class:`assistant.music.ngram.IdyomStyle`)."""
    from assistant.music.ngram import IdyomStyle

    ltm = PPMModel(max_order=IDYOM_LTM_ORDER).fit(train_melodies)
    model = IdyomStyle(ltm, stm_order=IDYOM_STM_ORDER, bias=IDYOM_BIAS)
    res: dict[str, Any] = {}
    for name, key in (("chorale", "chorale_soprano"), ("essen", "essen")):
        bits = [model.sequence_bits([int(n[0]) for n in m["notes"]]) for m in sets[name]]
        s = _bits_summary(bits)
        res[f"{key}_bits_per_note"] = s["bits_per_note"]
        res[f"{key}_ci95"] = s["ci95"]
    res["model"] = (f"IDyOM-style cpitch: long-term PPM-C with exclusion (orders 0-{IDYOM_LTM_ORDER}) on the "
                    f"training melodies + short-term PPM-C (orders 0-{IDYOM_STM_ORDER}) on the melody so far, "
                    f"weighted geometric mean with weights H_rel^-{IDYOM_BIAS:g} (Pearce 2005); pitch only, no "
                    "rhythm, no viewpoint combination; orders and bias chosen on the validation split's chorale "
                    "and Essen melodies (LTM 3/4/6, STM 2/4/8/12, bias 0-4)")
    res["training_melodies"] = len(train_melodies)
    return res


def training_melodies(extract_dir: Path, splits: dict[str, list[str]], top_only: bool = True
                      ) -> list[list[list[float]]]:
    """Top-part note lists of every training piece (from the extract cache)."""
    from assistant.music.data import iter_records

    train = set(splits["train"])
    mels = []
    for rec in iter_records(extract_dir):
        if rec["id"] in train and rec["parts"]:
            parts = rec["parts"][:1] if top_only else rec["parts"]
            for p in parts:
                mels.append(_skyline(p["notes"]))
    return mels


def _skyline(notes: list[list[float]]) -> list[list[float]]:
    best: dict[float, list[float]] = {}
    for n in notes:
        if n[1] not in best or n[0] > best[n[1]][0]:
            best[n[1]] = n
    return [best[k] for k in sorted(best)]


# --------------------------------------------------------------------------- distributions
def _oa(a: Sequence[float], b: Sequence[float], bins: np.ndarray) -> float:
    """Overlapping area of two pooled value histograms on shared bins."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    ha, _ = np.histogram(np.clip(a, bins[0], bins[-1] - 1e-9), bins=bins)
    hb, _ = np.histogram(np.clip(b, bins[0], bins[-1] - 1e-9), bins=bins)
    return float(np.minimum(ha / ha.sum(), hb / hb.sum()).sum())


def sample_features(notes: list[tuple[int, float, float]], bar_q: float) -> dict[str, Any]:
    """Per-sample features (Yang & Lerch 2018; MusPy-style scalars)."""
    if not notes:
        return {}
    notes = sorted(notes, key=lambda n: (n[1], -n[0]))
    k = estimate_key(notes)
    pcs = [(p - k.tonic) % 12 for p, _s, _d in notes]
    onsets = sorted({round(s * 12) / 12 for _p, s, _d in notes})
    mel = _skyline([list(n) for n in notes])
    hist = np.bincount([p % 12 for p, _s, _d in notes], minlength=12).astype(float)
    hist /= hist.sum()
    ent = float(-(hist[hist > 0] * np.log2(hist[hist > 0])).sum())
    major = [0, 2, 4, 5, 7, 9, 11]
    scale_cons = max(np.mean([((p - t) % 12) in major for p, _s, _d in notes]) for t in range(12))
    end = max(s + d for _p, s, d in notes)
    n_bars = max(1, int(math.ceil(end / bar_q - 1e-9)))
    grid = int(round(bar_q * 12))
    pats = np.zeros((n_bars, grid), dtype=bool)
    for _p, s, _d in notes:
        b = min(int(s // bar_q), n_bars - 1)
        pats[b, min(int(round((s - b * bar_q) * 12)), grid - 1)] = True
    groove = 1.0 - float(np.mean([np.mean(pats[i] != pats[i + 1]) for i in range(n_bars - 1)])) if n_bars > 1 else 1.0
    from assistant.music.corpus import polyphony

    return {
        "pcs": pcs,
        "range": max(p for p, _s, _d in notes) - min(p for p, _s, _d in notes),
        "intervals": [b[0] - a[0] for a, b in zip(mel, mel[1:], strict=False)],
        "ioi": [b - a for a, b in zip(onsets, onsets[1:], strict=False)],
        "lengths": [d for _p, _s, d in notes],
        "polyphony": polyphony(notes),
        "pc_entropy": ent,
        "scale_consistency": float(scale_cons),
        "groove_consistency": groove,
    }


def compare_sets(gen: list[dict[str, Any]], real: list[dict[str, Any]], real_b: list[dict[str, Any]]
                 ) -> dict[str, Any]:
    """Overlapping areas generated-vs-real and real-vs-real (ceiling), plus scalar means."""
    specs = {
        "pitch_class_histogram": ("pcs", np.arange(-0.5, 12.5, 1.0), True),
        "pitch_range": ("range", np.arange(-0.5, 40.5, 1.0), False),
        "intervals": ("intervals", np.arange(-24.5, 25.5, 1.0), True),
        "ioi_q": ("ioi", np.arange(0, 4.01, 1 / 12), True),
        "note_length_q": ("lengths", np.arange(0, 8.01, 1 / 12), True),
        "polyphony": ("polyphony", np.arange(0.75, 6.0, 0.25), False),
    }
    out: dict[str, Any] = {"overlapping_area": {}, "real_vs_real_ceiling": {}}

    def pool(s: list[dict[str, Any]], key: str, many: bool) -> list[float]:
        return [x for f in s if f for x in f[key]] if many else [f[key] for f in s if f]

    for name, (key, bins, many) in specs.items():
        out["overlapping_area"][name] = round(_oa(pool(gen, key, many), pool(real, key, many), bins), 4)
        out["real_vs_real_ceiling"][name] = round(_oa(pool(real_b, key, many), pool(real, key, many), bins), 4)
    for key in ("pc_entropy", "scale_consistency", "groove_consistency"):
        out[key] = {
            "generated": round(float(np.mean([f[key] for f in gen if f])), 4) if gen else None,
            "real": round(float(np.mean([f[key] for f in real + real_b if f])), 4),
        }
    out["n_generated"], out["n_real"] = len(gen), len(real) + len(real_b)
    return out


# --------------------------------------------------------------------------- memorisation
# --------------------------------------------------------------------------- main
def _real_windows(recs: list[dict[str, Any]], bars: int) -> list[tuple[list[tuple[int, float, float]], float, dict]]:
    out = []
    for r in recs:
        m = r["meters"][0]
        from assistant.music.tokens import normalise_meter

        n, d = normalise_meter(int(m[1]), int(m[2]))
        bar_q = n * 4.0 / d
        end = bars * bar_q
        notes = [(int(p), float(s), float(min(dd, end - s))) for p, s, dd in r["notes"] if s < end]
        if len(notes) >= 4:
            out.append((notes, bar_q, {"meter": (n, d), "tempos": r["tempos"]}))
    return out


def measured(notes: list[tuple[int, float, float]], length_q: float) -> dict[str, str]:
    k = estimate_key(notes)
    return {"mode": k.mode, "density": bucket(density_per_q(notes, length_q), DENSITY_EDGES, DENSITY_NAMES),
            "register": bucket(mean_pitch(notes), REGISTER_EDGES, REGISTER_NAMES)}


def evaluate(model_dir: Path | None = None, quick: bool = False, seed: int = 0,
             extract_dir: Path | None = None) -> dict[str, Any]:
    """Run every measurement; returns the eval-model JSON object.

    On CPU it runs with ``MUSIC_EVAL_THREADS`` torch threads (default 1, restored afterwards).
    """
    import os

    old = torch.get_num_threads()
    if not torch.cuda.is_available():
        torch.set_num_threads(int(os.environ.get("MUSIC_EVAL_THREADS", "1")))
    try:
        return _evaluate(model_dir, quick, seed, extract_dir)
    finally:
        torch.set_num_threads(old)


def _evaluate(model_dir: Path | None, quick: bool, seed: int, extract_dir: Path | None) -> dict[str, Any]:
    from assistant.music.sample import generate, get_sampler

    t0 = time.time()
    rng = random.Random(seed)
    sampler = get_sampler(model_dir) if model_dir else get_sampler()
    model, vocab = sampler.model, sampler.vocab
    extract_dir = extract_dir or CACHE / "extract"
    sets = load_eval_melodies()
    old_sets = load_eval_melodies(DATASETS / "eval_melodies_v1.json") if (
        DATASETS / "eval_melodies_v1.json").exists() else None
    if quick:
        sets = {"chorale": sets["chorale"][:30], "essen": sets["essen"][:80]}
        old_sets = {"chorale": old_sets["chorale"][:30], "essen": old_sets["essen"][:80]} if old_sets else None
    res: dict[str, Any] = {}
    chords = model_has_chords(model, vocab)
    res["model_version"] = ("v2: chord token per bar" if chords else
                            "v1: no chord tokens; trained on the session-2 split, whose test sets leak (see old_split)")
    # 1. bits per note, model, on the clean split (tune families) and on the old test sets
    lps: dict[str, list[dict[int, np.ndarray]]] = {}
    mb = model_bits(model, vocab, sets, keep=lps)
    for k in ("chorale_soprano_bits_per_note", "essen_bits_per_note", "chorale_soprano_ci95", "essen_ci95"):
        res[k] = mb[k]
    res["melody_prediction_detail"] = mb["detail"]
    res["split"] = ("tune-family split (datasets/music/families.json): no test melody has a training melody at "
                    "interval edit similarity >= 0.8 or 8-gram cover >= 0.8")
    if old_sets is not None:
        ob = model_bits(model, vocab, old_sets)
        res["old_split"] = {k: ob[k] for k in ("chorale_soprano_bits_per_note", "essen_bits_per_note",
                                               "chorale_soprano_ci95", "essen_ci95")}
        res["old_split"]["melodies"] = {k: len(v) for k, v in old_sets.items()}
        res["old_split"]["without_leaked"] = old_split_clean_subset(model, vocab, old_sets, extract_dir)
        res["old_split"]["note"] = ("the session-2 test sets (exact interval-hash grouping; 53 % of the chorales and "
                                    "16 % of the Essen songs have a near copy in that split's training data); a model "
                                    "trained on the clean split may have seen some of these melodies in training")
    # 2. baselines on the same split: the IDyOM-style LTM+STM peer and the plain long-term PPM
    tables = DATASETS / "melody_tables.npz"
    if tables.exists():
        from assistant.music.data import load_melody_table

        table_mels = [[int(p) for p in m] for m in load_melody_table(tables, "train")]
        res["idyom_baseline"] = idyom_baseline(table_mels, sets)
    else:
        res["idyom_baseline"] = {"chorale_soprano_bits_per_note": None, "essen_bits_per_note": None,
                                 "note": f"{tables} missing: run python -m training.build_corpus --stage split"}
    splits = json.loads((DATASETS / "splits.json").read_text())
    train_mels: list[list[list[float]]] = []
    if extract_dir.exists():
        train_mels = training_melodies(extract_dir, splits)
        ppm = PPMModel(max_order=4).fit([[int(n[0]) for n in m] for m in train_mels])
        base = {}
        for name, key in (("chorale", "chorale_soprano_bits_per_note"), ("essen", "essen_bits_per_note")):
            b = [ppm.sequence_bits([int(n[0]) for n in m["notes"]]) for m in sets[name]]
            base[key] = _bits_summary(b)["bits_per_note"]
        base["model"] = "PPM-C with exclusion, orders 0-4, cpitch, trained on the top line of every training piece"
        base["training_melodies"] = len(train_mels)
        res["ngram_baseline"] = base
    else:
        res["ngram_baseline"] = {"chorale_soprano_bits_per_note": None, "essen_bits_per_note": None,
                                 "note": f"corpus cache {extract_dir} missing: run python -m training.build_corpus"}
    res["model_with_stm"] = model_with_stm(model, vocab, sets, lps)
    res["published_reference"] = PEARCE_2005
    # 3. held-out NLL per token / per note
    test_npz = CACHE / "tokens" / "test.npz"
    if test_npz.exists():
        from assistant.music.data import SegmentSampler

        ts = SegmentSampler(test_npz, vocab, model.cfg.block_size, augment=False)
        idx = list(range(ts.n))
        if quick:
            idx = rng.sample(idx, min(200, ts.n))
        tot_nll, tot_tok, tot_notes = 0.0, 0, 0
        with torch.inference_mode():
            seqs = [ts.sequence(i) for i in idx]
            if not chords:  # a v1 model has no chord tokens: score the sequences without them
                seqs = [q[~vocab.is_chord[q]] for q in seqs]
            seqs = [q[: model.cfg.block_size] for q in seqs]
            seqs.sort(key=len)
            for b0 in range(0, len(seqs), 16):
                chunk = seqs[b0:b0 + 16]
                L = max(len(s) for s in chunk)
                x = torch.full((len(chunk), L), vocab.pad, dtype=torch.long)
                for r, s in enumerate(chunk):
                    x[r, : len(s)] = torch.from_numpy(s)
                logits, _ = model(x[:, :-1].to(sampler.device))
                y = x[:, 1:].to(sampler.device)
                nll = torch.nn.functional.cross_entropy(logits.float().transpose(1, 2), y, ignore_index=vocab.pad,
                                                        reduction="sum")
                tot_nll += float(nll)
                tot_tok += int((y != vocab.pad).sum())
                tot_notes += int(torch.from_numpy(vocab.kind == 1)[y.cpu()].sum())
        res["heldout_nll_per_token"] = round(tot_nll / max(tot_tok, 1), 4)
        res["heldout_detail"] = {"nats_per_token": res["heldout_nll_per_token"],
                                 "bits_per_token": round(tot_nll / max(tot_tok, 1) / math.log(2), 4),
                                 "nats_per_note": round(tot_nll / max(tot_notes, 1), 4),
                                 "tokens": tot_tok, "notes": tot_notes, "segments": len(idx)}
    else:
        res["heldout_nll_per_token"] = None
    # 4. generation: distribution, control accuracy, memorisation
    real_recs = sets["essen"] + sets["chorale"]
    bars = 4
    real = _real_windows(real_recs, bars)
    n_gen = 48 if quick else 256
    n_mem = 48 if quick else 1000
    requests = [real[rng.randrange(len(real))] for _ in range(max(n_gen, n_mem))]
    gen_feats, real_feats_a, real_feats_b = [], [], []
    hits = {"mode": 0, "density": 0, "register": 0}
    gen_mels: list[list[list[float]]] = []
    batch = 8
    t_gen = time.time()
    n_tokens = 0
    copy_stats: dict[str, int] = {}
    for b0 in tqdm(range(0, max(n_gen, n_mem), batch), desc="generate", unit="batch"):
        group = requests[b0:b0 + batch]
        # one request per batch (the batch shares controls): first item's attributes
        notes0, bar_q, meta = group[0]
        want = measured(notes0, bars * bar_q)
        c = Controls(mode=want["mode"], density=want["density"], register=want["register"],
                     ensemble="solo", seed=seed + b0, temperature=1.0, top_p=0.95)
        outs = generate(c, bars=bars, meter=meta["meter"], n_candidates=len(group), sampler=sampler, oversample=1,
                        stats=copy_stats)
        for sc in outs:
            ns = [(n.pitch, n.start_beats, n.dur_beats) for n in sc.notes]
            n_tokens += 3 * len(ns) + bars
            gen_mels.append([[n.pitch, n.start_beats, n.dur_beats] for n in sc.melody()])
            if b0 < n_gen:
                gen_feats.append(sample_features(ns, bar_q) if ns else {})
                got = measured(ns, bars * bar_q) if ns else {}
                for k in hits:
                    hits[k] += int(got.get(k) == want[k])
    n_ctrl = min(n_gen, len(requests))
    half = len(real) // 2
    real_feats_a = [sample_features(n, bq) for n, bq, _m in real[:half]]
    real_feats_b = [sample_features(n, bq) for n, bq, _m in real[half:]]
    res["distribution"] = compare_sets(gen_feats, real_feats_a, real_feats_b)
    res["distribution"]["protocol"] = (f"{len(gen_feats)} generated 4-bar solo themes (controls copied from random "
                                       "held-out melodies) vs the first 4 bars of held-out Essen and chorale melodies; "
                                       "ceiling: one half of the real set against the other")
    res["control_accuracy"] = {k: round(v / max(n_ctrl, 1), 4) for k, v in hits.items()}
    res["control_accuracy"]["n_samples"] = n_ctrl
    res["control_accuracy"]["protocol"] = "raw samples (oversample=1); one request per batch of 8"
    # the same requests through generate()'s default reranking (oversample x candidates, best match kept)
    over = 4
    hits_r = {"mode": 0, "density": 0, "register": 0}
    n_r = 0
    for b0 in tqdm(range(0, n_gen, batch), desc="rerank", unit="batch"):
        notes0, bar_q, meta = requests[b0]
        want = measured(notes0, bars * bar_q)
        c = Controls(mode=want["mode"], density=want["density"], register=want["register"],
                     ensemble="solo", seed=seed + 7919 + b0)
        for sc in generate(c, bars=bars, meter=meta["meter"], n_candidates=batch, sampler=sampler, oversample=over):
            ns = [(n.pitch, n.start_beats, n.dur_beats) for n in sc.notes]
            got = measured(ns, bars * bar_q) if ns else {}
            n_r += 1
            for k in hits_r:
                hits_r[k] += int(got.get(k) == want[k])
    res["control_accuracy"]["reranked"] = {k: round(v / max(n_r, 1), 4) for k, v in hits_r.items()}
    res["control_accuracy"]["reranked"].update({"n_samples": n_r, "oversample": over})
    # 5. key and chord-plan following, raw (no reranking) and reranked
    n_plan = 24 if quick else 128
    raw = plan_following(sampler, n_plan, seed + 5, oversample=1)  # generate()'s default: constrained
    alone = plan_following(sampler, n_plan, seed + 5, oversample=1, constrain=False)
    masks = plan_following(sampler, n_plan, seed + 5, oversample=1, key_prior=0.0)
    rr = plan_following(sampler, n_plan, seed + 5, oversample=4)
    res["key_accuracy_raw"] = raw["key_accuracy"]
    res["chord_tone_rate_raw"] = raw["chord_tone_rate"]
    res["key_accuracy_model_alone"] = alone["key_accuracy"]
    res["chord_tone_rate_model_alone"] = alone["chord_tone_rate"]
    res["plan_following"] = {
        "raw": raw, "model_alone": alone, "masks_without_key_prior": masks, "reranked": rr,
        "protocol": (f"{n_plan} requests: random tonic and mode, a 4-bar chord plan in Roman numerals "
                     "(evaluate.PLANS), 4/4, solo; key by music21's analyze('key') on all notes (tonic and mode "
                     "must both match); chord tones: the highest note sounding on beats 1 and 3 against the "
                     "bar's planned chord. raw = one sample each (no reranking) under generate()'s default "
                     "constrained decoding (constraint.PlanConstraint: scale, chord tones on strong beats, passing "
                     "tones by step, no more than 2 notes in a row on one pitch, tonic opening, cadence, and a key prior "
                     "from the Aarden-Essen profiles that music21's key analysis also uses); model_alone = no constraint (v2: chord tokens still "
                     "forced); masks_without_key_prior = the rules without the prior"),
        "model_follows_plans": chords,
    }
    if not chords:
        res["plan_following"]["note"] = ("v1 model: no chord tokens, so the plan reaches it only through the "
                                         "decoding constraints; model_alone is what an unplanned melody scores")
    if train_mels:
        idx = NgramIndex(train_mels)
        longest = [idx.longest(m) for m in gen_mels[:n_mem]]
        res["memorization"] = {
            "longest_shared_run_notes_max": int(max(longest)) if longest else 0,
            "longest_shared_run_notes_mean": round(float(np.mean(longest)), 2) if longest else 0,
            "copy_rate_12_notes": round(float(np.mean([x >= 12 for x in longest])), 4) if longest else 0.0,
            "n_generated_themes": len(longest),
            "copies_redrawn_by_filter": copy_stats.get("copies_redrawn", 0),
            "copies_kept_after_retries": copy_stats.get("copies_kept", 0),
            "filter": "generate() re-draws a candidate sharing a 12-note run with the training melodies "
                      "(assistant.music.copies.CopyFilter, up to 3 times); the counts above are over all "
                      f"{max(n_gen, n_mem)} generated themes",
            "unit": "(interval, duration) runs between consecutive notes of the skyline; n notes = n-1 pairs",
        }
    else:
        res["memorization"] = {"note": "corpus cache missing"}
    res["protocol"] = {"quick": quick, "seed": seed, "wall_s": round(time.time() - t0, 1),
                       "generation_tokens_per_s_approx": round(n_tokens / max(time.time() - t_gen, 1e-9), 1),
                       "device": str(sampler.device), "threads": torch.get_num_threads()}
    return res


# 4-bar plans (Roman numerals) for the key and chord following test, per mode
PLANS = {
    "major": [("I", "IV", "V7", "I"), ("I", "vi", "ii", "V7"), ("I", "V", "vi", "IV"), ("I", "ii", "V7", "I"),
              ("I", "IV", "I", "V")],
    "minor": [("i", "iv", "V7", "i"), ("i", "VI", "iv", "V"), ("i", "VII", "VI", "V7"), ("i", "iv", "i", "V"),
              ("i", "III", "iv", "V7")],
}


def music21_key(notes: list[tuple[int, float, float]]) -> tuple[int, str]:
    """(tonic pitch class, mode) by music21's key analysis (``Stream.analyze('key')``)."""
    from music21 import note, stream

    st = stream.Stream()
    for p, s0, d in notes:
        n = note.Note(int(p))
        n.quarterLength = max(float(d), 1 / 12)
        st.insert(float(s0), n)
    k = st.analyze("key")
    return int(k.tonic.pitchClass), str(k.mode)


def plan_following(sampler: Any, n: int, seed: int, oversample: int, constrain: bool = True,
                   key_prior: float | None = None) -> dict[str, Any]:
    """Requests with a random key and a 4-bar chord plan (:data:`PLANS`): the share of results
    in the requested key by music21 (tonic and mode), the share of strong-beat melody notes
    that are tones of the planned chord, and the share with exactly 4 bars.

    ``constrain`` (default, as :func:`assistant.music.sample.generate` with a plan) decodes
    under the key and plan rules of :class:`assistant.music.constraint.PlanConstraint`; False gives
    the model alone (a v2 model still gets its chord tokens forced, a v1 model no plan at all);
    ``key_prior=0`` keeps the masks and drops the constraint's key prior."""
    from assistant.music.harmony import chord_plan, chord_tone_rate
    from assistant.music.sample import generate

    rng = random.Random(seed)
    key_hits = bars_ok = hits = total = n_s = 0
    bars, meter = 4, (4, 4)
    for i in range(n):
        mode = rng.choice(("major", "minor"))
        tonic = rng.randrange(12)
        plan = rng.choice(PLANS[mode])
        c = Controls(key_tonic=tonic, mode=mode, chords=plan, ensemble="solo", seed=seed + 101 * i,
                     constrain=constrain)
        sc = generate(c, bars=bars, meter=meter, sampler=sampler, oversample=oversample, avoid_copies=False,
                      key_prior=key_prior)[0]
        notes = [(nn.pitch, nn.start_beats, nn.dur_beats) for nn in sc.notes]
        n_s += 1
        if not notes:
            continue
        key_hits += int(music21_key(notes) == (tonic, mode))
        bars_ok += int(sc.markers == [(16.0, "end")] and max(nn.end_beats for nn in sc.notes) <= 16.0 + 1e-6)
        h, t = chord_tone_rate(notes, chord_plan(plan, bars, tonic, mode), [0.0, 4.0, 8.0, 12.0], meter)
        hits += h
        total += t
    return {"key_accuracy": round(key_hits / max(n_s, 1), 4), "chord_tone_rate": round(hits / max(total, 1), 4),
            "bar_count_exact": round(bars_ok / max(n_s, 1), 4), "n_samples": n_s, "strong_beat_notes": total,
            "oversample": oversample, "constrained": constrain,
            **({"key_prior": key_prior} if key_prior is not None else {})}


def summary_lines(res: dict[str, Any]) -> list[str]:
    """Human-readable lines for the CLI."""
    b = res.get("ngram_baseline", {})
    ib = res.get("idyom_baseline", {})
    old = res.get("old_split", {})
    return [
        f"[{res.get('model_version')}] clean split: chorale {res['chorale_soprano_bits_per_note']} "
        f"{res.get('chorale_soprano_ci95')}  Essen {res['essen_bits_per_note']} {res.get('essen_ci95')}  "
        f"IDyOM-style {ib.get('chorale_soprano_bits_per_note')} / {ib.get('essen_bits_per_note')}  "
        f"old split {old.get('chorale_soprano_bits_per_note')} / {old.get('essen_bits_per_note')} (without its leaked "
        f"melodies {old.get('without_leaked', {}).get('chorale_soprano_bits_per_note')} / "
        f"{old.get('without_leaked', {}).get('essen_bits_per_note')})",
        f"key accuracy raw {res.get('key_accuracy_raw')}  chord-tone rate raw {res.get('chord_tone_rate_raw')}  "
        f"(constrained decoding; model alone {res.get('key_accuracy_model_alone')} / "
        f"{res.get('chord_tone_rate_model_alone')})  reranked {res.get('plan_following', {}).get('reranked')}",
        f"chorale soprano bits/note: model {res['chorale_soprano_bits_per_note']}  "
        f"PPM {b.get('chorale_soprano_bits_per_note')}  (Pearce 2005: 2.347 single, 1.953 best)",
        f"Essen bits/note: model {res['essen_bits_per_note']}  PPM {b.get('essen_bits_per_note')}  (2.11-2.68)",
        f"held-out NLL/token: {res['heldout_nll_per_token']}",
        f"control accuracy: {res['control_accuracy']}",
        f"memorization: {res['memorization']}",
    ]


def score_notes(score: Score) -> list[tuple[int, float, float]]:
    return [(n.pitch, n.start_beats, n.dur_beats) for n in score.notes]
