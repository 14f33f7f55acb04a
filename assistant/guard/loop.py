"""The guard in the loop: check every generated candidate, reject and regenerate near-copies.

:func:`check` compares a candidate (a :class:`~assistant.music.score.Score`, a
:class:`~assistant.guard.melody.Melody`, a list of notes or a list of melodies) with the
project's temp tracks and with the corpus index and returns the closest match of each.
:func:`guarded` draws candidates from a generator function, rejects every candidate whose
closest match scores at or above the threshold, asks again up to ``max_retries`` times and
returns the accepted candidate together with the record of the rejected ones (store
``result.to_record()`` in ``Revision.guard``)::

    result = guarded(lambda attempt: model.generate(controls, bars=8, meter=(4, 4),
                                                   n_candidates=4),
                     references=temp_melodies, corpus_index=default_index())
    theme = result.accepted
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.guard.index import CorpusIndex
from assistant.guard.melody import Melody, as_melodies
from assistant.guard.similarity import compare, thresholds

log = logging.getLogger(__name__)


@dataclass
class Match:
    """The closest match of a candidate in one reference set."""

    against: str  # "temp" or "corpus"
    reference: str  # temp file / line name or corpus piece id
    score: float
    verdict: str
    line: str  # which line of the candidate
    passage: dict[str, Any] | None
    title: str = ""
    views: dict[str, float] = field(default_factory=dict)
    role: str = ""  # the candidate line's kind and role ("tune (melody)", "figure (bass)")

    def to_dict(self) -> dict[str, Any]:
        return {"against": self.against, "reference": self.reference, "title": self.title,
                "score": round(self.score, 4), "verdict": self.verdict, "line": self.line,
                "role": self.role, "passage": self.passage}


@dataclass
class Check:
    """Closest matches of one candidate: ``temp`` and ``corpus`` (None when not checked)."""

    temp: Match | None
    corpus: Match | None
    seconds: float

    @property
    def worst(self) -> Match | None:
        ms = [m for m in (self.temp, self.corpus) if m is not None]
        return max(ms, key=lambda m: m.score) if ms else None

    @property
    def score(self) -> float:
        w = self.worst
        return w.score if w is not None else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"score": round(self.score, 4),
                "temp": self.temp.to_dict() if self.temp else None,
                "corpus": self.corpus.to_dict() if self.corpus else None,
                "seconds": round(self.seconds, 3)}


def is_figure_line(m: Melody) -> bool:
    """True for an accompaniment line (:mod:`assistant.guard.roles`): checked with the
    stricter evidence test."""
    return m.meta.get("kind") == "figure"


def check(candidate: Any, references: Sequence[Melody] = (), corpus_index: CorpusIndex | None = None) -> Check:
    """The closest temp-track line and the closest corpus piece to any line of ``candidate``.

    Lines marked as accompaniment figures (``meta["kind"] == "figure"``, see
    :mod:`assistant.guard.roles`) on either side are compared with the stricter evidence
    test (``figure=True``); doublings (the same line in two parts) are checked once."""
    from assistant.guard.roles import unique_lines

    t0 = time.perf_counter()
    lines = unique_lines(as_melodies(candidate))
    best_temp: Match | None = None
    best_corpus: Match | None = None
    for line in lines:
        fig = is_figure_line(line)
        for ref in references:
            r = compare(line, ref, max_passages=1, figure=fig or is_figure_line(ref))
            if best_temp is None or r.score > best_temp.score:
                best_temp = Match("temp", ref.name, r.score, r.verdict, line.name,
                                  r.passages[0].to_dict() if r.passages else None,
                                  views=dict(r.views), role=_role(line))
        if corpus_index is not None:
            hits = corpus_index.query(line, top_k=1, figure=fig)
            if hits and (best_corpus is None or hits[0].similarity.score > best_corpus.score):
                h = hits[0]
                best_corpus = Match("corpus", h.piece_id, h.similarity.score, h.similarity.verdict,
                                    line.name,
                                    h.similarity.passages[0].to_dict() if h.similarity.passages else None,
                                    title=h.title, views=dict(h.similarity.views),
                                    role=_role(line))
    return Check(best_temp, best_corpus, time.perf_counter() - t0)


def _role(m: Melody) -> str:
    """``tune`` / ``figure`` and the role, e.g. ``figure (ostinato)``; "" when unknown."""
    kind, role = m.meta.get("kind", ""), m.meta.get("role", "")
    return f"{kind} ({role})" if kind and role else kind


@dataclass
class Rejection:
    attempt: int
    candidate: int  # index within the attempt's batch
    reason: str
    check: Check

    def to_dict(self) -> dict[str, Any]:
        return {"attempt": self.attempt, "candidate": self.candidate, "reason": self.reason,
                **self.check.to_dict()}


@dataclass
class GuardResult:
    """What :func:`guarded` decided. ``passed`` is False when every attempt was rejected;
    ``accepted`` is then the least similar candidate seen (so the caller can still go on
    and show the warning)."""

    accepted: Any
    accepted_check: Check | None
    passed: bool
    attempts: int
    threshold: float
    rejected: list[Rejection] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        """JSON-ready record for ``Revision.guard``."""
        return {
            "passed": self.passed,
            "threshold": round(self.threshold, 4),
            "attempts": self.attempts,
            "accepted": self.accepted_check.to_dict() if self.accepted_check else None,
            "rejected": [r.to_dict() for r in self.rejected],
        }


def _reason(c: Check, threshold: float) -> str:
    w = c.worst
    assert w is not None
    p = w.passage or {}
    where = ""
    if p:
        where = (f": notes {p['a_start_note']}-{p['a_end_note']} (beats "
                 f"{p['a_start_beat']:g}-{p['a_end_beat']:g}) match notes "
                 f"{p['b_start_note']}-{p['b_end_note']} of it")
    name = f"{w.reference}" + (f" ({w.title})" if w.title else "")
    return (f"{w.verdict} of {w.against} {name}: score {w.score:.3f} >= threshold "
            f"{threshold:.3f}{where}")


def guarded(candidates_fn: Callable[[int], Any], references: Sequence[Any] = (),
            corpus_index: CorpusIndex | None = None, threshold: float | None = None,
            max_retries: int = 3) -> GuardResult:
    """Draw candidates until one scores below ``threshold`` against every temp line and the
    corpus, at most ``max_retries + 1`` calls of ``candidates_fn(attempt)``.

    ``candidates_fn`` returns one candidate or a list of them (a batch); the first one that
    passes is accepted. ``threshold`` defaults to the calibrated *similar* threshold.
    """
    if threshold is None:
        threshold = thresholds()[0]
    refs: list[Melody] = []
    for r in references:
        refs.extend(as_melodies(r))
    rejected: list[Rejection] = []
    best: tuple[float, Any, Check] | None = None
    attempt = 0
    for attempt in range(max_retries + 1):
        batch = candidates_fn(attempt)
        items = list(batch) if _is_batch(batch) else [batch]
        for k, cand in enumerate(items):
            c = check(cand, refs, corpus_index)
            if c.score < threshold:
                return GuardResult(cand, c, True, attempt + 1, threshold, rejected)
            reason = _reason(c, threshold)
            log.info("guard: rejected candidate %d of attempt %d: %s", k, attempt, reason)
            rejected.append(Rejection(attempt, k, reason, c))
            if best is None or c.score < best[0]:
                best = (c.score, cand, c)
    log.warning("guard: all %d attempts rejected; returning the least similar candidate",
                attempt + 1)
    return GuardResult(best[1] if best else None, best[2] if best else None, False, attempt + 1,
                       threshold, rejected)


def _is_batch(x: Any) -> bool:
    if isinstance(x, Melody) or hasattr(x, "parts"):
        return False
    if isinstance(x, (list, tuple)) and x and not hasattr(x[0], "pitch") and not (
            isinstance(x[0], (tuple, list)) and len(x[0]) == 3 and isinstance(x[0][0], (int, float))):
        return True
    return isinstance(x, Iterable) and not isinstance(x, (list, tuple, str, bytes))
