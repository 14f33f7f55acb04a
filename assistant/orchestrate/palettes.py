"""Palettes: the ensembles a film is scored for, built in or defined by the user.

Built in: ``full_orchestra``, ``strings``, ``chamber``, ``piano`` (solo piano) and
``hybrid`` (orchestra plus synths). A user palette gives a film its own sonic world: a
JSON or TOML file with ``name``, ``instruments`` (DESIGN.md ids, score order not
required) and optionally ``lead`` (one distinctive lead instrument kept across every
cue, e.g. an orchestra plus a solo voice) and ``description``::

    {"name": "keepers", "instruments": ["violin", "viola", "cello", "double_bass",
     "horn", "harp", "timpani"], "lead": "english_horn", "description": "..."}

A palette is filtered by a brief: excluded instruments never sound, and included ones
that the palette lacks are added (the brief is law), except to a solo palette, which was
chosen on purpose and stays solo (the draft reports the instruments it left out).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.analysis.instruments import INSTRUMENTS
from assistant.errors import InputError

MAX_PITCHED_PARTS = 15  # MIDI has 15 melodic channels besides the drum channel


@dataclass(frozen=True)
class Palette:
    """An ensemble: instrument ids, an optional signature lead, a description."""

    name: str
    instruments: tuple[str, ...]
    lead: str | None = None
    description: str = ""
    solo: bool = False  # a single-instrument palette (solo piano): fewer than 3 parts is fine

    def __post_init__(self) -> None:
        bad = [i for i in self.instruments if i not in INSTRUMENTS]
        if bad:
            raise InputError(f"unknown instrument id(s) {bad}; known: {', '.join(INSTRUMENTS)}",
                             field="instruments")
        if self.lead is not None and self.lead not in INSTRUMENTS:
            raise InputError(f"unknown lead instrument {self.lead!r}", field="lead")
        if not self.instruments and self.lead is None:
            raise InputError("a palette needs at least one instrument", field="instruments")
        ins = tuple(dict.fromkeys(self.instruments + ((self.lead,) if self.lead else ())))
        pitched = [i for i in ins if not INSTRUMENTS[i].is_drum]
        if len(pitched) > MAX_PITCHED_PARTS:
            raise InputError(f"a palette holds at most {MAX_PITCHED_PARTS} pitched instruments "
                             f"(MIDI channels); got {len(pitched)}", field="instruments")
        object.__setattr__(self, "instruments", ins)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "instruments": list(self.instruments), "lead": self.lead,
                "description": self.description, "solo": self.solo}


BUILTIN: dict[str, Palette] = {
    "full_orchestra": Palette(
        "full_orchestra",
        ("flute", "oboe", "clarinet", "bassoon", "horn", "trumpet", "trombone", "tuba", "timpani",
         "percussion", "harp", "violin", "viola", "cello", "double_bass"),
        description="symphony orchestra: woodwinds in pairs, 4 horns, brass, timpani, percussion, "
                    "harp, strings"),
    "strings": Palette("strings", ("violin", "viola", "cello", "double_bass"),
                       description="string orchestra"),
    "chamber": Palette("chamber", ("flute", "clarinet", "horn", "piano", "violin", "viola", "cello"),
                       description="chamber ensemble: flute, clarinet, horn, piano, string trio"),
    "piano": Palette("piano", ("piano",), description="solo piano", solo=True),
    "hybrid": Palette(
        "hybrid",
        ("horn", "trombone", "timpani", "percussion", "drums", "piano", "violin", "viola", "cello",
         "double_bass", "synth_pad", "synth_bass"),
        description="hybrid orchestral + synth: strings, low brass, percussion, pads and synth bass"),
}
#: diegetic music: the band on screen sets the ensemble (words of the spotting note, first match)
SOURCE_STYLES: tuple[tuple[tuple[str, ...], Palette], ...] = (
    (("music box", "music-box", "musical box"),
     Palette("source_music_box", ("celesta", "glockenspiel"), description="a music box")),
    (("church", "hymn", "organ", "choir"),
     Palette("source_church", ("organ", "choir"), description="church organ and choir")),
    (("brass band", "marching band", "military band"),
     Palette("source_brass_band", ("trumpet", "horn", "trombone", "tuba", "drums"),
             description="a brass band")),
    (("string quartet", "quartet"),
     Palette("source_quartet", ("violin", "viola", "cello"), description="a string quartet")),
    (("jukebox", "shanty", "folk", "fiddle", "pub", "tavern", "dance hall", "record", "78"),
     Palette("source_folk", ("violin", "guitar", "double_bass", "piano"),
             description="a folk band on an old record: fiddle, guitar, bass, piano")),
    (("radio", "rock", "pop", "band", "club", "disco"),
     Palette("source_band", ("guitar", "synth_bass", "piano", "drums", "synth_lead"),
             description="a band on the radio")),
    (("piano", "bar", "lounge", "cocktail"),
     Palette("source_piano", ("piano",), description="a piano in the room", solo=True)),
)


def source_palette(text: str) -> Palette | None:
    """The ensemble a diegetic cue's description implies (None when it names none)."""
    import re

    t = (text or "").lower()
    for words, palette in SOURCE_STYLES:
        if any(re.search(rf"\b{re.escape(w)}\b", t) for w in words):
            return palette
    return None


ALIASES = {"orchestra": "full_orchestra", "full": "full_orchestra", "full orchestra": "full_orchestra",
           "strings_only": "strings", "strings only": "strings", "string orchestra": "strings",
           "chamber_ensemble": "chamber", "chamber ensemble": "chamber", "solo_piano": "piano",
           "solo piano": "piano", "hybrid orchestral": "hybrid", "orchestral+synth": "hybrid"}


def palette_names() -> list[str]:
    return list(BUILTIN)


def load_palette_file(path: str | Path) -> Palette:
    """A user palette from a ``.json`` or ``.toml`` file (see module docstring)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("palette file not found", path=p) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read palette file ({exc})", path=p) from None
    if p.suffix.lower() == ".toml":
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            raise InputError(f"invalid TOML: {exc}", path=p,
                             line=int(m.group(1)) if m else None) from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", path=p, line=exc.lineno) from None
    return palette_from_dict(data, where=str(p))


def palette_from_dict(data: Any, where: str = "palette") -> Palette:
    if not isinstance(data, dict):
        raise InputError("a palette is an object with name and instruments", field=where)
    known = {"name", "instruments", "lead", "description", "solo"}
    unknown = set(data) - known
    if unknown:
        raise InputError(f"unknown palette field(s) {sorted(unknown)}", field=where)
    ins = data.get("instruments", [])
    if not isinstance(ins, list) or not all(isinstance(i, str) for i in ins):
        raise InputError("instruments must be a list of instrument ids", field=f"{where}.instruments")
    try:
        return Palette(str(data.get("name") or "custom"), tuple(ins), data.get("lead"),
                       str(data.get("description", "")), bool(data.get("solo", False)))
    except InputError as exc:
        raise InputError(exc.message, field=f"{where}.{exc.field}") from None


def get_palette(spec: str | Path | Palette | dict[str, Any] | None, default: str = "full_orchestra"
                ) -> Palette:
    """A palette by built-in name (or alias), a file path, a dict, or a Palette."""
    if isinstance(spec, Palette):
        return spec
    if isinstance(spec, dict):
        return palette_from_dict(spec)
    if spec is None or str(spec).strip() == "":
        return BUILTIN[default]
    s = str(spec).strip()
    key = ALIASES.get(s.lower(), s.lower().replace("-", "_"))
    if key in BUILTIN:
        return BUILTIN[key]
    if s.lower().endswith((".json", ".toml")) or Path(s).is_file():
        return load_palette_file(s)
    raise InputError(f"unknown palette {s!r}; built in: {', '.join(BUILTIN)}, or a .json/.toml "
                     "file", field="palette")


@dataclass
class Ensemble:
    """The instruments one cue may use after the brief: ``sounding`` in score order."""

    palette: Palette
    sounding: list[str]
    excluded: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    not_added: list[str] = field(default_factory=list)  # asked for, but the palette is solo

    @property
    def pitched(self) -> list[str]:
        return [i for i in self.sounding if not INSTRUMENTS[i].is_drum]


def ensemble_for(palette: Palette, include: list[str] | None = None,
                 exclude: list[str] | None = None, lead: str | None = None) -> Ensemble:
    """Apply a brief's instrument law to a palette (see module docstring)."""
    excl = [i for i in dict.fromkeys(exclude or []) if i in INSTRUMENTS]
    inc = [i for i in dict.fromkeys((include or []) + ([lead] if lead else [])) if i in INSTRUMENTS
           and i not in excl]
    sounding = [i for i in palette.instruments if i not in excl]
    added = []
    ignored = []
    for i in inc:
        if i in sounding:
            continue
        if palette.solo:  # a solo palette was chosen on purpose: it stays solo
            ignored.append(i)
            continue
        sounding.append(i)
        added.append(i)
    order = list(INSTRUMENTS)
    sounding.sort(key=order.index)
    pitched = [i for i in sounding if not INSTRUMENTS[i].is_drum]
    keep = {lead, palette.lead} - {None}
    while len(pitched) > MAX_PITCHED_PARTS:  # drop extras: outside the palette first, never the lead
        drop = next((i for i in reversed(pitched) if i not in palette.instruments and i not in keep),
                    None) or next(i for i in reversed(pitched) if i not in keep)
        sounding.remove(drop)
        pitched.remove(drop)
    if not pitched:
        fallback = next((i for i in ("piano", "violin", "cello", "flute", "clarinet", "harp")
                         if i not in excl), None)
        if fallback is None:
            raise InputError("the brief excludes every instrument that could play the cue",
                             field="exclude_instruments")
        sounding.append(fallback)
        added.append(fallback)
    return Ensemble(palette, sounding, excl, added, ignored)
