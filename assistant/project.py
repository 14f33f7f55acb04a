"""The film project: typed domain objects and the on-disk store.

A project is a folder::

    my-film/
      project.json            # schema_version, film, scenes, characters, cues, themes
      revisions/<cue_id>/<n>/ # one folder per cue revision, never overwritten
        revision.json         # what was asked (brief, seed), what was made, guard results
        ...artefacts          # MIDI, MusicXML, WAV written by later stages

Film time is seconds from the film's start timecode (``start_s``) and SMPTE labels
(``*_tc``); music time lives only in the score model and the tempo map.

Saves are atomic (temporary file, fsync, rename, fsync of the folder). Loading
validates every field and names the file and the field at fault.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from assistant.errors import InputError
from assistant.paths import resolve_inside, safe_filename  # noqa: F401  (re-exported)
from assistant.timecode import FrameRate, frames_to_tc, seconds_to_frames, tc_to_frames

SCHEMA_VERSION = 1

CUE_FUNCTIONS: tuple[str, ...] = (
    "establish_setting",
    "inner_state",
    "romance",
    "build_tension",
    "sting",
    "action",
    "transition",
    "theme_statement",
    "comedy",
    "triumph",
    "source",
    "bookend",
)
CUE_STATUSES: tuple[str, ...] = ("spotted", "proposed", "drafted", "approved", "omitted")
HIT_LANDINGS: tuple[str, ...] = ("downbeat", "beat", "free")
DYNAMICS: tuple[str, ...] = ("pp", "p", "mp", "mf", "f", "ff")

Landing = Literal["downbeat", "beat", "free"]


# ----------------------------------------------------------------------------- helpers
def _check(cond: bool, message: str, fld: str) -> None:
    if not cond:
        raise InputError(message, field=fld)


def _num(value: Any, fld: str, lo: float | None = None, hi: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"expected a number, got {value!r}", field=fld)
    v = float(value)
    if v != v:  # NaN
        raise InputError("expected a number, got NaN", field=fld)
    if lo is not None and v < lo:
        raise InputError(f"{v:g} is below the minimum {lo:g}", field=fld)
    if hi is not None and v > hi:
        raise InputError(f"{v:g} is above the maximum {hi:g}", field=fld)
    return v


def _from_dict(cls: type, data: Any, where: str) -> Any:
    """Build a dataclass from a dict, naming the field path on any error."""
    if not isinstance(data, dict):
        raise InputError(f"expected an object, got {type(data).__name__}", field=where)
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise InputError(f"unknown field(s) {sorted(unknown)}", field=where)
    kwargs = {}
    for f in fields(cls):
        if f.name in data:
            kwargs[f.name] = data[f.name]
    try:
        return cls(**kwargs)
    except InputError as exc:
        raise InputError(exc.message, field=f"{where}.{exc.field}" if exc.field else where) from None
    except TypeError as exc:
        raise InputError(str(exc), field=where) from None


# ----------------------------------------------------------------------------- objects
@dataclass
class Mood:
    """Valence and arousal in [-1, 1], tension in [0, 1], tags from analysis.MOOD_TAGS."""

    valence: float = 0.0
    arousal: float = 0.0
    tension: float = 0.0
    tags: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.valence = _num(self.valence, "valence", -1, 1)
        self.arousal = _num(self.arousal, "arousal", -1, 1)
        self.tension = _num(self.tension, "tension", 0, 1)
        _check(all(isinstance(t, str) for t in self.tags), "tags must be strings", "tags")


@dataclass
class Hit:
    """A moment the music must catch. ``time_s`` is seconds from the film start."""

    time_s: float
    label: str = ""
    tc: str = ""
    weight: float = 1.0
    important: bool = False
    landing: Landing = "beat"
    tolerance_frames: float = 1.0

    def __post_init__(self) -> None:
        self.time_s = _num(self.time_s, "time_s", 0)
        self.weight = _num(self.weight, "weight", 0)
        self.tolerance_frames = _num(self.tolerance_frames, "tolerance_frames", 0, 48)
        _check(self.landing in HIT_LANDINGS, f"landing must be one of {HIT_LANDINGS}", "landing")
        _check(isinstance(self.important, bool), "important must be true or false", "important")


@dataclass
class DialogueSpan:
    """A character speaking between two film times (seconds from film start)."""

    character: str
    start_s: float
    end_s: float
    scene_index: int | None = None
    text: str = ""

    def __post_init__(self) -> None:
        self.start_s = _num(self.start_s, "start_s", 0)
        self.end_s = _num(self.end_s, "end_s", 0)
        _check(self.end_s >= self.start_s, "end_s is before start_s", "end_s")


@dataclass
class Character:
    name: str
    aliases: list[str] = field(default_factory=list)
    dialogue_lines: int = 0
    dialogue_words: int = 0
    scenes: list[int] = field(default_factory=list)


@dataclass
class Scene:
    """A scene of the screenplay, placed on the timeline by page-count estimate."""

    index: int
    heading: str
    int_ext: str = ""  # INT, EXT, INT/EXT or "" (forced headings)
    location: str = ""
    time_of_day: str = ""
    start_s: float = 0.0
    duration_s: float = 0.0
    line: int | None = None  # line of the heading in the source file
    synopsis: str = ""

    def __post_init__(self) -> None:
        self.start_s = _num(self.start_s, "start_s", 0)
        self.duration_s = _num(self.duration_s, "duration_s", 0)


@dataclass
class Cue:
    """A music cue such as 1M1: where it plays, what it should do, and its hits."""

    id: str
    start_s: float
    end_s: float
    title: str = ""
    start_tc: str = ""
    end_tc: str = ""
    function: str | None = None
    function_scores: dict[str, float] = field(default_factory=dict)
    function_from: str = ""  # "spotting list" (given) or "proposed" (by the analysis)
    mood: Mood | None = None
    hits: list[Hit] = field(default_factory=list)
    notes: str = ""
    status: str = "spotted"
    source: bool = False  # diegetic music
    dialogue: list[DialogueSpan] = field(default_factory=list)
    brief: str = ""

    def __post_init__(self) -> None:
        _check(isinstance(self.id, str) and bool(self.id.strip()), "cue id is empty", "id")
        self.start_s = _num(self.start_s, "start_s", 0)
        self.end_s = _num(self.end_s, "end_s", 0)
        _check(self.end_s > self.start_s, "end is not after start", "end")
        if self.function is not None:
            _check(self.function in CUE_FUNCTIONS, f"unknown cue function {self.function!r}",
                   "function")
        _check(self.status in CUE_STATUSES, f"status must be one of {CUE_STATUSES}", "status")
        if isinstance(self.mood, dict):
            self.mood = _from_dict(Mood, self.mood, "mood")
        self.hits = [
            h if isinstance(h, Hit) else _from_dict(Hit, h, f"hits[{i}]")
            for i, h in enumerate(self.hits)
        ]
        self.dialogue = [
            d if isinstance(d, DialogueSpan) else _from_dict(DialogueSpan, d, f"dialogue[{i}]")
            for i, d in enumerate(self.dialogue)
        ]
        for i, h in enumerate(self.hits):
            _check(self.start_s <= h.time_s <= self.end_s,
                   f"hit at {h.time_s:.3f}s lies outside the cue ({self.start_s:.3f}-{self.end_s:.3f}s)",
                   f"hits[{i}].time_s")

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def hit_times_rel_s(self) -> list[float]:
        """Hit times in seconds from the cue start (what sync works in)."""
        return [h.time_s - self.start_s for h in self.hits]


@dataclass
class Theme:
    """A theme or leitmotif: whom it belongs to and where its material is stored."""

    id: str
    name: str
    subject: str = ""  # character, object, place or idea
    midi_path: str = ""  # relative to the project folder
    notes: str = ""


@dataclass
class Revision:
    """One kept version of a cue's music. Revisions are numbered from 1 and never rewritten."""

    cue_id: str
    number: int
    created: str
    brief: str = ""
    seed: int | None = None
    artefacts: list[str] = field(default_factory=list)  # paths relative to the revision folder
    guard: dict[str, Any] = field(default_factory=dict)  # similarity results, rejected candidates
    params: dict[str, Any] = field(default_factory=dict)
    parent: int | None = None
    message: str = ""


@dataclass
class FilmProject:
    """A film: its rate, start timecode, script structure, cues and themes."""

    title: str
    fps: str = "24"  # frame-rate name, e.g. "23.976", "29.97"
    drop_frame: bool = False
    start_tc: str = "01:00:00:00"
    scenes: list[Scene] = field(default_factory=list)
    characters: list[Character] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    script_path: str = ""
    spotting_path: str = ""
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        _check(isinstance(self.title, str), "title must be text", "title")
        self.fps = str(self.fps)
        rate = FrameRate(self.fps, bool(self.drop_frame))  # validates
        tc_to_frames(self.start_tc, rate)
        _check(self.schema_version == SCHEMA_VERSION,
               f"schema_version {self.schema_version} is not supported (expected {SCHEMA_VERSION})",
               "schema_version")
        for name, cls in (("scenes", Scene), ("characters", Character), ("cues", Cue),
                          ("themes", Theme)):
            items = getattr(self, name)
            setattr(self, name, [
                x if isinstance(x, cls) else _from_dict(cls, x, f"{name}[{i}]")
                for i, x in enumerate(items)
            ])
        seen: set[str] = set()
        for i, c in enumerate(self.cues):
            _check(c.id not in seen, f"duplicate cue id {c.id!r}", f"cues[{i}].id")
            seen.add(c.id)

    # --- time -----------------------------------------------------------------------------
    @property
    def rate(self) -> FrameRate:
        return FrameRate(self.fps, self.drop_frame)

    @property
    def start_frame(self) -> int:
        return tc_to_frames(self.start_tc, self.rate)

    def tc_to_film_s(self, tc: str) -> Fraction:
        """Seconds from the film start for an SMPTE label on this project's timeline."""
        frames = tc_to_frames(tc, self.rate) - self.start_frame
        if frames < 0:
            raise InputError(f"timecode {tc} is before the film start {self.start_tc}",
                             field="timecode")
        return Fraction(frames) / self.rate.fps

    def film_s_to_tc(self, seconds: float | Fraction) -> str:
        return frames_to_tc(self.start_frame + seconds_to_frames(seconds, self.rate), self.rate)

    def cue(self, cue_id: str) -> Cue:
        for c in self.cues:
            if c.id.lower() == cue_id.lower():
                return c
        raise InputError(f"no cue {cue_id!r}; cues are {', '.join(c.id for c in self.cues)}",
                         field="cue")

    # --- serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d = {"schema_version": d.pop("schema_version"), **d}
        return d

    @classmethod
    def from_dict(cls, data: Any) -> FilmProject:
        return _from_dict(cls, data, "project")


# ----------------------------------------------------------------------------- storage
TMP_SUFFIX = ".tmp"


def _tmp_prefix(name: str) -> str:
    """Temporary files are ``.<name>.<pid>.<random>.tmp``: the pid lets a later open
    tell a crashed writer's debris from a live writer's file (see clean_temp_files)."""
    return f".{name}.{os.getpid()}."


def current_umask() -> int:
    """The process umask, read without changing it (Linux), else by the set/restore pair."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same folder, fsync, rename.

    The new file gets the mode a plain ``open()`` would give it (0666 less the umask,
    so 0644 under umask 022), or keeps the mode of the file it replaces.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = os.stat(p).st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~current_umask()
    fd, tmp = tempfile.mkstemp(prefix=_tmp_prefix(p.name), suffix=TMP_SUFFIX, dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:
        dfd = os.open(p.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


class ProjectStore:
    """A project folder on disk. Every save is atomic; every cue revision is kept."""

    FILE = "project.json"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @property
    def path(self) -> Path:
        return self.root / self.FILE

    def exists(self) -> bool:
        return self.path.is_file()

    def save(self, project: FilmProject) -> Path:
        atomic_write_json(self.path, project.to_dict())
        return self.path

    def load(self) -> FilmProject:
        if self.root.is_file() and self.root.name == self.FILE:
            self.root = self.root.parent
        if not self.path.is_file():
            raise InputError("no project.json here; create a project first", path=self.root)
        text = self.path.read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", path=self.path, line=exc.lineno) from None
        try:
            return FilmProject.from_dict(data)
        except InputError as exc:
            raise exc.located(path=self.path) from None

    # --- revisions ----------------------------------------------------------------------
    def revision_dir(self, cue_id: str, number: int) -> Path:
        return self.root / "revisions" / cue_id / f"{number:04d}"

    def revisions(self, cue_id: str) -> list[Revision]:
        base = self.root / "revisions" / cue_id
        out = []
        if base.is_dir():
            for d in sorted(base.iterdir()):
                f = d / "revision.json"
                if f.is_file():
                    out.append(_from_dict(Revision, json.loads(f.read_text("utf-8")), str(f)))
        return out

    def new_revision(self, cue_id: str, **info: Any) -> tuple[Revision, Path]:
        """Create the next revision folder of a cue (never reusing a number)."""
        base = self.root / "revisions" / cue_id
        base.mkdir(parents=True, exist_ok=True)
        number = 1 + max((int(d.name) for d in base.iterdir() if d.name.isdigit()), default=0)
        while True:
            folder = self.revision_dir(cue_id, number)
            try:
                folder.mkdir(parents=True)
                break
            except FileExistsError:  # a concurrent writer took the number
                number += 1
        rev = Revision(cue_id=cue_id, number=number,
                       created=datetime.now(UTC).isoformat(timespec="seconds"), **info)
        self.save_revision(rev)
        return rev, folder

    def save_revision(self, rev: Revision) -> None:
        atomic_write_json(self.revision_dir(rev.cue_id, rev.number) / "revision.json", asdict(rev))
