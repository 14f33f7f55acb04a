"""Cue function and mood from a description: a light trained head on MiniLM embeddings.

Pipeline for one description (``read_cues`` runs it batched):

1. :func:`assistant.analysis.rules.prepare` strips cue ids and timecodes, removes negated
   function/mood words and computes rule adjustments (source, bookend, sting, transition).
2. :mod:`assistant.analysis.embed` gives the normalised 384-d sentence embedding and the
   contextual token vectors of the same forward pass.
3. The function head (multinomial logistic regression on the embedding, plus a word TF-IDF
   logistic regression and a kNN vote over the training embeddings, trained by
   ``training.train_analysis``) gives logits; they are divided by a temperature fitted on cross-validated predictions,
   the rule adjustments are added, and a softmax gives calibrated probabilities over the 12.
4. Ridge heads give valence / arousal / tension (clipped); a one-vs-rest logistic head gives
   mood tags (negated tags removed; nearest prototype if none is sure).
5. Evidence: the head is linear in the embedding and the embedding is the normalised mean of
   the token vectors, so the score of a function decomposes exactly over tokens. For each of
   the top 3 functions the 1-3 word phrases with the largest share are reported, after the
   phrases that fired a rule.

Inference is numpy only; scikit-learn is imported by :func:`fit_head` for training.
Weights ship as ``models/analysis/head.safetensors`` with ``config.json`` beside them.

This module reads cues; the head itself is :mod:`.classify_head`, its training and held-out
metrics :mod:`.classify_train`, its model card :mod:`.classify_card` (names re-exported here).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.analysis import embed as _embed

# The head, its training and its model card live in classify_head / classify_train /
# classify_card; their names are re-exported here, so ``classify.X`` keeps working.
from assistant.analysis.classify_card import (  # noqa: F401 - re-exported
    EXPERIMENTS_MD,
    TEST_LOG_MD,
    _pct,
    model_card_markdown,
    write_model_card,
)
from assistant.analysis.classify_head import (  # noqa: F401 - re-exported
    FUNCTIONS,
    MODEL_DIR,
    TOKEN_RE,
    Head,
    HeadConfig,
    _features,
    _sigmoid,
    _softmax,
    knn_log_probs,
)
from assistant.analysis.classify_train import (  # noqa: F401 - re-exported
    _fit_temperature,
    evaluate,
    expected_calibration_error,
    fit_head,
    load_rows,
)
from assistant.analysis.moods import SYNONYMS, nearest_tags
from assistant.analysis.rules import Prepared, prepare
from assistant.errors import InputError
from assistant.project import Mood

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parents[2] / "datasets" / "analysis"
MAX_CHARS = 5000

#: how the question to the user names each function
NICE: dict[str, str] = {
    "establish_setting": "establishing the setting",
    "inner_state": "a character's inner state",
    "romance": "romance",
    "build_tension": "building tension",
    "sting": "a sting",
    "action": "action",
    "transition": "a transition or montage",
    "theme_statement": "a theme statement",
    "comedy": "comedy",
    "triumph": "triumph",
    "source": "source (on-screen) music",
    "bookend": "main or end titles",
}

_STOP_WORDS = (
    "a an the and or but of to in on at for with from by as is it its it's this that these those "
    "i we you he she they me us him her them my our your his their be been being are was were "
    "so just very really some any all do does did have has had will would should could can "
    "there here then than too also not no into onto over under up down out off about "
    "want wants need needs feel feels like make let give keep get go going scene moment music cue "
    "score audience people something thing things it's i'm we're don't"
)
_STOP = frozenset(_STOP_WORDS.split())


_HEAD: Head | None = None


def load_head(folder: str | Path | None = None) -> Head:
    """The shipped head (cached when loaded from the default folder)."""
    global _HEAD
    if folder is not None:
        return Head.load(folder)
    if _HEAD is None:
        _HEAD = Head.load(MODEL_DIR)
    return _HEAD


# ----------------------------------------------------------------------------- input checks
def check_text(text: Any) -> str:
    """Return the stripped description or raise InputError (empty, absurd, too long)."""
    if not isinstance(text, str):
        raise InputError(f"expected text, got {type(text).__name__}")
    s = text.strip()
    if not s:
        raise InputError("empty cue description")
    if len(s) > MAX_CHARS:
        raise InputError(f"cue description is {len(s)} characters; the limit is {MAX_CHARS}")
    letters = re.findall(r"[^\W\d_]", s)
    if len(letters) < 2:
        raise InputError(f"cue description has no words: {s[:40]!r}")
    rest = prepare(s).embed_text
    if len(re.findall(r"[^\W\d_]", rest)) < 2:
        raise InputError(f"cue description has nothing but a cue id or timecode: {s[:40]!r}")
    return s


# ----------------------------------------------------------------------------- reading
@dataclass
class CueReading:
    """What the assistant reads in one cue description."""

    text: str
    functions: list[tuple[str, float]]  # all 12, best first
    mood: Mood
    evidence: dict[str, list[str]]  # each of the top 3 functions -> phrases that drove it
    confident: bool
    question: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``spot`` contract object (plus evidence, confident, question)."""
        return {
            "text": self.text,
            "functions": [{"label": f, "score": round(float(p), 6)} for f, p in self.functions],
            "mood": {
                "valence": round(self.mood.valence, 3),
                "arousal": round(self.mood.arousal, 3),
                "tension": round(self.mood.tension, 3),
                "tags": list(self.mood.tags),
            },
            "evidence": self.evidence,
            "confident": self.confident,
            "question": self.question,
        }


@dataclass
class _Batch:
    prepared: list[Prepared]
    tp: _embed.TokenPass
    tf: np.ndarray  # (N, V) TF-IDF rows
    logits: np.ndarray  # (N, 12) calibrated logits with rules
    probs: np.ndarray  # (N, 12)


def _run(texts: list[str], head: Head, with_tokens: bool) -> _Batch:
    prepared = [prepare(t) for t in texts]
    tp, lex, deltas, tf = _features(prepared, head, with_tokens)
    logits = head.raw_logits(tp.sentence, lex, tf) / head.config.temperature + deltas
    return _Batch(prepared, tp, tf, logits, _softmax(logits))


def _moods(b: _Batch, head: Head) -> list[Mood]:
    vat = head.vat(b.tp.sentence, b.probs)
    tp = head.tag_probs(b.tp.sentence)
    cfg = head.config
    out: list[Mood] = []
    for i, p in enumerate(b.prepared):
        order = np.argsort(-tp[i], kind="stable")
        tags = [cfg.tags[j] for j in order if tp[i, j] >= cfg.tag_threshold and cfg.tags[j] not in p.drop_tags]
        tags = tags[: cfg.max_tags]
        if not tags:  # none is sure: the most likely allowed tag, else the nearest prototype
            allowed = [cfg.tags[j] for j in order if cfg.tags[j] not in p.drop_tags]
            near = nearest_tags(float(vat[i, 0]), float(vat[i, 1]), float(vat[i, 2]), k=4)
            tags = allowed[:1] or [t for t in near if t not in p.drop_tags][:1]
        v, a, t = (float(x) for x in vat[i])
        if p.drop_tags:  # "not scary": pull the numbers away from the ruled-out tags
            t = min(t, 0.5) if p.drop_tags & {"dread", "eerie", "anxious"} else t
        out.append(Mood(valence=v, arousal=a, tension=t, tags=tags))
    return out


def _words(text: str, offsets: np.ndarray, contrib: np.ndarray) -> list[tuple[int, int, float]]:
    """Merge word pieces into words: (start_char, end_char, summed contribution)."""
    words: list[list[float]] = []
    for (s, e), c in zip(offsets.tolist(), contrib.tolist(), strict=True):
        if s == e:  # [CLS], [SEP]
            continue
        if words and s == words[-1][1]:  # a ## continuation or glued punctuation
            words[-1][1] = e
            words[-1][2] += c
        else:
            words.append([s, e, c])
    return [(int(s), int(e), float(c)) for s, e, c in words]


def _phrases(text: str, words: list[tuple[int, int, float]], k: int = 2) -> list[str]:
    """Best 1-3 word windows by summed contribution (positive only, no stop-word edges)."""
    content = [w for w in words if re.search(r"[^\W\d_]", text[w[0] : w[1]])]
    cands: list[tuple[float, int, int]] = []
    for i in range(len(content)):
        for n in (1, 2, 3):
            j = i + n
            if j > len(content):
                break
            first = text[content[i][0] : content[i][1]].lower().strip(".,;:!?'\"")
            last = text[content[j - 1][0] : content[j - 1][1]].lower().strip(".,;:!?'\"")
            if first in _STOP or last in _STOP:
                continue
            score = sum(w[2] for w in content[i:j])
            if n > 1:
                score *= 0.85 ** (n - 1)  # a longer phrase must earn its extra words
            cands.append((score, i, j))
    cands.sort(key=lambda c: -c[0])
    used: set[int] = set()
    out: list[str] = []
    for score, i, j in cands:
        if score <= 0 or len(out) >= k:
            break
        if used & set(range(i, j)):
            continue
        used.update(range(i, j))
        phrase = text[content[i][0] : content[j - 1][1]].strip(" .,;:!?\"'")
        if phrase:
            out.append(phrase)
    return out


def _evidence(i: int, b: _Batch, head: Head, top: list[int]) -> dict[str, list[str]]:
    """Phrases behind each top function: rule triggers, then the best-scoring word windows.

    A word's score for function c is its exact additive share of ``logit_c - E_p[logit]``:
    its word pieces' share of the embedding term plus its TF-IDF term.
    """
    p = b.prepared[i]
    text = p.embed_text
    vecs = b.tp.token_vecs[i]  # (T, D)
    probs = b.probs[i]
    cfg = head.config
    d = cfg.dim
    W = head.fn_W[:, :d] / cfg.temperature  # (12, D) embedding part
    Wt = head.tf_W * (cfg.tfidf_weight / cfg.temperature)  # (12, V)
    mean_w, mean_wt = probs @ W, probs @ Wt  # (D,), (V,)
    n_tok = max(1, vecs.shape[0])
    toks = [(m.start(), m.end(), head.vocab_index.get(m.group(0).lower())) for m in TOKEN_RE.finditer(text)]
    ev: dict[str, list[str]] = {}
    for c in top:
        fn = FUNCTIONS[c]
        phrases = [ph for ph in p.evidence.get(fn, []) if p.deltas.get(fn, 0.0) > 0]
        contrib = vecs @ (W[c] - mean_w) / (n_tok * float(b.tp.norms[i]))  # (T,) share of the logit gap
        if vecs.shape[0]:
            words = _words(text, b.tp.offsets[i], contrib)
            extra = np.zeros(len(words))
            for s0, e0, j in toks:
                if j is None:
                    continue
                share = float(b.tf[i, j] * (Wt[c, j] - mean_wt[j]))
                for k, (ws, we, _) in enumerate(words):
                    if ws <= s0 < we or s0 <= ws < e0:
                        extra[k] += share
                        break
            words = [(ws, we, sc + float(x)) for (ws, we, sc), x in zip(words, extra, strict=True)]
            for ph in _phrases(text, words):
                low = ph.lower()
                if not any(low in x.lower() or x.lower() in low for x in phrases):
                    phrases.append(ph)
        ev[fn] = phrases[:3]
    return ev


def _question(top2: list[int]) -> str:
    a, b = (NICE[FUNCTIONS[j]] for j in top2)
    return f"Is this more {a} or {b}?"


def read_cues(texts: list[str], *, explain: bool = True, head: Head | None = None) -> list[CueReading]:
    """Read cue descriptions: calibrated functions, mood, evidence and a confidence flag.

    Raises InputError (field ``text[i]``) for an empty or absurd description.
    """
    if isinstance(texts, str):
        raise TypeError("read_cues() takes a list of strings")
    clean: list[str] = []
    for i, t in enumerate(texts):
        try:
            clean.append(check_text(t))
        except InputError as exc:
            raise exc.located(field=f"text[{i}]") from None
    if not clean:
        return []
    head = head or load_head()
    b = _run(clean, head, with_tokens=explain)
    moods = _moods(b, head)
    cfg = head.config
    out: list[CueReading] = []
    for i, text in enumerate(clean):
        order = np.argsort(-b.probs[i], kind="stable")
        funcs = [(FUNCTIONS[j], float(b.probs[i, j])) for j in order]
        p1, p2 = funcs[0][1], funcs[1][1]
        confident = p1 >= cfg.confident_p and (p1 - p2) >= cfg.confident_margin
        ev = _evidence(i, b, head, [int(j) for j in order[:3]]) if explain else {}
        out.append(
            CueReading(
                text=text,
                functions=funcs,
                mood=moods[i],
                evidence=ev,
                confident=bool(confident),
                question=None if confident else _question([int(order[0]), int(order[1])]),
            )
        )
    return out


def classify_functions(texts: list[str], head: Head | None = None) -> np.ndarray:
    """Calibrated probabilities (N, 12) in the order of ``FUNCTIONS``; rows sum to 1."""
    clean = [check_text(t) for t in texts]
    if not clean:
        return np.zeros((0, len(FUNCTIONS)), dtype=np.float32)
    head = head or load_head()
    return _run(clean, head, with_tokens=False).probs


def predict_mood(texts: list[str], head: Head | None = None) -> list[Mood]:
    """Mood (valence, arousal, tension, tags) for each description."""
    clean = [check_text(t) for t in texts]
    if not clean:
        return []
    head = head or load_head()
    return _moods(_run(clean, head, with_tokens=False), head)


def timed_load() -> float:
    """Seconds to load the embedding model and the head (0 if already loaded)."""
    t0 = time.perf_counter()
    _embed.get_model()
    load_head()
    return time.perf_counter() - t0


__all__ = [
    "FUNCTIONS",
    "CueReading",
    "Head",
    "HeadConfig",
    "SYNONYMS",
    "check_text",
    "classify_functions",
    "evaluate",
    "fit_head",
    "load_head",
    "predict_mood",
    "read_cues",
]
