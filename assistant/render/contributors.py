"""Who wrote and who publishes the music: the project's ``contributors.json``.

The cue sheet (:mod:`assistant.render.cuesheet`) reads it. It lives in the project folder
beside ``project.json``; ``scoring-assistant`` writes a template there whose every field
says ``FILL IN`` until a person fills it, and the cue sheet refuses to call itself valid
while any ``FILL IN`` remains. Schema (all keys optional)::

    {
      "production": {"title": "The Keeper's Light", "episode": "", "version": "Festival cut",
                     "length": "00:11:30"},            # HH:MM:SS or seconds; default: the film
      "composers":  [{"name": "Ada Example", "society": "PRS", "ipi": "00123456789",
                      "share": 100}],
      "publishers": [{"name": "Example Music Ltd", "society": "PRS", "ipi": "00987654321",
                      "share": 100}],
      "cues": {"1M2s": {"title": "Radio Waltz", "usage": "VI",
                        "composers": [...], "publishers": [...]}}   # per-cue overrides
    }

``share`` is a percentage of the role (writers' shares add to 100, publishers' to 100).
IPI name numbers have 9-11 digits.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.project import atomic_write_json

FILE_NAME = "contributors.json"
FILL_IN = "FILL IN"
SOCIETIES = ("ASCAP", "BMI", "SESAC", "GMR", "SOCAN", "PRS", "GEMA", "SACEM", "SIAE", "SGAE",
             "JASRAC", "APRA", "STIM", "KODA", "TONO", "TEOSTO", "BUMA", "SABAM", "SUISA",
             "AKM", "IMRO", "NS")


@dataclass
class Party:
    """A writer or publisher: name, performing-rights society, IPI name number, share %."""

    name: str
    society: str = ""
    ipi: str = ""
    share: float = 100.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError("a contributor needs a name", field="name")
        self.society = str(self.society or "")
        self.ipi = str(self.ipi or "")
        if isinstance(self.share, bool) or not isinstance(self.share, (int, float)):
            raise InputError(f"share must be a number (percent), got {self.share!r}",
                             field="share")
        self.share = float(self.share)
        if not 0 < self.share <= 100:
            raise InputError(f"share {self.share:g} % must be above 0 and at most 100",
                             field="share")

    @property
    def unfilled(self) -> bool:
        return any(FILL_IN in x for x in (self.name, self.society, self.ipi))


def _default_party(role: str) -> Party:
    return Party(f"{FILL_IN}: {role}'s legal name",
                 f"{FILL_IN}: society (ASCAP, BMI, PRS, SOCAN, ...)",
                 f"{FILL_IN}: IPI name number (9-11 digits)", 100.0)


@dataclass
class Contributors:
    """The contents of ``contributors.json`` (see module docstring)."""

    production_title: str = ""
    episode: str = ""
    version: str = ""
    production_length_s: float | None = None
    composers: list[Party] = field(default_factory=lambda: [_default_party("composer")])
    publishers: list[Party] = field(default_factory=lambda: [_default_party("publisher")])
    cues: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = ""  # the file it came from ("" = defaults)

    @property
    def unfilled(self) -> bool:
        parties = self.composers + self.publishers + [
            p for o in self.cues.values() for k in ("composers", "publishers")
            for p in o.get(k, [])]
        return any(p.unfilled for p in parties)

    def for_cue(self, cue_id: str) -> tuple[list[Party], list[Party], dict[str, Any]]:
        """Composers, publishers and the override dict for ``cue_id``."""
        o = self.cues.get(cue_id) or {}
        return o.get("composers") or self.composers, o.get("publishers") or self.publishers, o

    def to_json(self) -> dict[str, Any]:
        prod: dict[str, Any] = {"title": self.production_title, "episode": self.episode,
                                "version": self.version}
        if self.production_length_s is not None:
            prod["length"] = self.production_length_s
        cues = {k: {kk: ([asdict(p) for p in vv] if kk in ("composers", "publishers") else vv)
                    for kk, vv in v.items()} for k, v in self.cues.items()}
        return {"production": prod, "composers": [asdict(p) for p in self.composers],
                "publishers": [asdict(p) for p in self.publishers], "cues": cues}


def _parties(value: Any, where: str) -> list[Party]:
    if not isinstance(value, list) or not value:
        raise InputError("expected a non-empty list of {name, society, ipi, share}", field=where)
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise InputError("expected an object", field=f"{where}[{i}]")
        unknown = set(item) - {"name", "society", "ipi", "share"}
        if unknown:
            raise InputError(f"unknown field(s) {sorted(unknown)}", field=f"{where}[{i}]")
        try:
            out.append(Party(**item))
        except InputError as exc:
            raise InputError(exc.message, field=f"{where}[{i}].{exc.field}") from None
    return out


def _length_s(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    if isinstance(value, str):
        bits = value.strip().split(":")
        if 1 <= len(bits) <= 3 and all(b.strip().replace(".", "", 1).isdigit() for b in bits):
            total = 0.0
            for b in bits:
                total = total * 60 + float(b)
            if total > 0:
                return total
    raise InputError(f"production length {value!r} must be seconds or HH:MM:SS",
                     field="production.length")


def contributors_from_json(data: Any, source: str = "") -> Contributors:
    """Validate a parsed ``contributors.json`` (field paths in every error)."""
    if not isinstance(data, dict):
        raise InputError("expected a JSON object", field="contributors")
    unknown = set(data) - {"production", "composers", "publishers", "cues"}
    if unknown:
        raise InputError(f"unknown field(s) {sorted(unknown)}", field="contributors")
    c = Contributors(source=source)
    prod = data.get("production") or {}
    if not isinstance(prod, dict):
        raise InputError("expected an object", field="production")
    bad = set(prod) - {"title", "episode", "version", "length"}
    if bad:
        raise InputError(f"unknown field(s) {sorted(bad)}", field="production")
    c.production_title = str(prod.get("title") or "")
    c.episode = str(prod.get("episode") or "")
    c.version = str(prod.get("version") or "")
    if prod.get("length") not in (None, ""):
        c.production_length_s = _length_s(prod["length"])
    if "composers" in data:
        c.composers = _parties(data["composers"], "composers")
    if "publishers" in data:
        c.publishers = _parties(data["publishers"], "publishers")
    cues = data.get("cues") or {}
    if not isinstance(cues, dict):
        raise InputError("expected an object keyed by cue id", field="cues")
    for cid, o in cues.items():
        if not isinstance(o, dict):
            raise InputError("expected an object", field=f"cues.{cid}")
        bad = set(o) - {"title", "usage", "composers", "publishers"}
        if bad:
            raise InputError(f"unknown field(s) {sorted(bad)}", field=f"cues.{cid}")
        entry: dict[str, Any] = {k: str(o[k]) for k in ("title", "usage") if o.get(k)}
        for role in ("composers", "publishers"):
            if role in o:
                entry[role] = _parties(o[role], f"cues.{cid}.{role}")
        c.cues[str(cid)] = entry
    return c


def load_contributors(path: str | Path | None) -> Contributors:
    """Read ``path`` (a file, or a project folder holding ``contributors.json``); the
    defaults (every field ``FILL IN``) when it is None or the file does not exist."""
    if path is None:
        return Contributors()
    p = Path(path)
    if p.is_dir():
        p = p / FILE_NAME
    if not p.is_file():
        return Contributors()
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=p, line=exc.lineno) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path=p) from None
    try:
        return contributors_from_json(data, str(p))
    except InputError as exc:
        raise exc.located(path=p) from None


def write_template(path: str | Path, production_title: str = "") -> Path:
    """Write the defaults (``FILL IN`` everywhere) unless the file already exists."""
    p = Path(path)
    if p.is_dir():
        p = p / FILE_NAME
    if not p.exists():
        c = Contributors(production_title=production_title)
        atomic_write_json(p, c.to_json())
    return p
