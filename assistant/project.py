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

import contextlib
import logging
import math
import os
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from assistant.errors import InputError
from assistant.paths import resolve_inside, safe_filename  # noqa: F401  (re-exported)
from assistant.storage import (  # noqa: F401  (the writers keep their old home too)
    atomic_path,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    clean_temp_files,
    load_json_file,
)
from assistant.timecode import FrameRate, frames_to_tc, seconds_to_frames, tc_to_frames

log = logging.getLogger(__name__)

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
    if not math.isfinite(v):  # NaN, Infinity
        raise InputError(f"expected a finite number, got {value!r}", field=fld)
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
    # the user's correction of the script-to-cut alignment: the scenes (0-based indices)
    # this cue plays over; empty = aligned automatically (assistant.analysis.alignment)
    scenes: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        _check(isinstance(self.id, str) and bool(self.id.strip()), "cue id is empty", "id")
        _check(isinstance(self.scenes, list) and all(
            isinstance(k, int) and not isinstance(k, bool) and k >= 0 for k in self.scenes),
            "scenes must be a list of scene indices (0, 1, ...)", "scenes")
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

    def __post_init__(self) -> None:
        _check(isinstance(self.cue_id, str) and bool(self.cue_id.strip()), "cue id is empty",
               "cue_id")
        _check(isinstance(self.number, int) and not isinstance(self.number, bool)
               and 1 <= self.number <= 9999, "number must be a whole number 1-9999", "number")
        _check(isinstance(self.artefacts, list) and all(isinstance(a, str) for a in self.artefacts),
               "artefacts must be a list of relative paths", "artefacts")
        _check(self.seed is None or (isinstance(self.seed, int) and not isinstance(self.seed, bool)),
               "seed must be a whole number", "seed")
        _check(isinstance(self.guard, dict) and isinstance(self.params, dict),
               "guard and params must be objects", "guard")


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
class ProjectStore:
    """A project folder on disk. Every save is atomic and locked; every cue revision is kept.

    Concurrent writers (two terminals, the studio and a CLI run) are serialised by a
    file lock, ``.project.lock`` in the folder (``fcntl`` locks: a writer that dies
    releases it, so a stale lock file is harmless). Read-modify-write goes through
    :meth:`edit` so that no writer's update is lost::

        with store.edit() as project:
            project.cues.append(cue)

    Opening a project (:meth:`load`) removes temporary files left by interrupted saves.
    Cue ids become folder names only through :func:`safe_filename`, and every path
    read from a ``revision.json`` goes through :func:`resolve_inside`.
    """

    FILE = "project.json"
    LOCK = ".project.lock"
    #: how long a writer waits for another one before giving up with an InputError
    LOCK_TIMEOUT_S = 60.0
    MAX_BYTES = 64 * 1024 * 1024

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if self.root.name == self.FILE and self.root.is_file():
            self.root = self.root.parent
        self._lock: Any = None

    @property
    def path(self) -> Path:
        return self.root / self.FILE

    def exists(self) -> bool:
        return self.path.is_file()

    # --- locking ------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Any:
        """Hold the project's write lock (re-entrant within this store)."""
        from filelock import FileLock, Timeout

        if self._lock is None:
            self.root.mkdir(parents=True, exist_ok=True)
            # one lock object per file in this process: nested stores of one project re-enter
            self._lock = FileLock(str((self.root / self.LOCK).resolve()), is_singleton=True)
        try:
            self._lock.acquire(timeout=self.LOCK_TIMEOUT_S)
        except Timeout:
            raise InputError(f"another process has held the project lock for "
                             f"{self.LOCK_TIMEOUT_S:.0f} s; try again when it has finished",
                             path=self.root / self.LOCK) from None
        try:
            yield self
        finally:
            self._lock.release()

    @contextlib.contextmanager
    def edit(self) -> Any:
        """Load, let the caller change, and save the project under the lock (no lost update)."""
        with self.locked():
            project = self.load()
            yield project
            self.save(project)

    # --- project.json -------------------------------------------------------------------
    def save(self, project: FilmProject) -> Path:
        with self.locked():
            atomic_write_json(self.path, project.to_dict())
        return self.path

    def load(self) -> FilmProject:
        if not self.path.is_file():
            if self.path.exists() or self.path.is_symlink():
                raise InputError("project.json is not a regular file", path=self.path)
            raise InputError("no project.json here; create a project first", path=self.root)
        self.clean()
        data = load_json_file(self.path, what="project file", max_bytes=self.MAX_BYTES)
        if isinstance(data, dict):
            version = data.get("schema_version", SCHEMA_VERSION)
            if isinstance(version, int) and not isinstance(version, bool) \
                    and version > SCHEMA_VERSION:
                raise InputError(f"written by a newer version of the assistant (schema "
                                 f"{version}); this version reads schema {SCHEMA_VERSION}",
                                 path=self.path, field="schema_version")
        try:
            return FilmProject.from_dict(data)
        except InputError as exc:
            raise exc.located(path=self.path) from None

    def clean(self) -> list[Path]:
        """Remove temporary files of interrupted saves (only where the folder is writable)."""
        if not os.access(self.root, os.W_OK):
            return []
        try:
            return clean_temp_files(self.root)
        except OSError as exc:
            log.warning("cannot clean %s: %s", self.root, exc)
            return []

    # --- revisions ----------------------------------------------------------------------
    def cue_dir(self, cue_id: str) -> Path:
        """The revisions folder of a cue: its id made safe, always inside the project."""
        return self.root / "revisions" / safe_filename(cue_id)

    def revision_dir(self, cue_id: str, number: int) -> Path:
        return self.cue_dir(cue_id) / f"{int(number):04d}"

    def revisions(self, cue_id: str) -> list[Revision]:
        """The cue's revisions, oldest first. Folders without revision.json (a save that
        died before writing it) are skipped with a warning; a damaged one is an InputError."""
        base = self.cue_dir(cue_id)
        out = []
        if base.is_dir():
            for d in sorted(base.iterdir()):
                if not (d.is_dir() and d.name.isdigit()):
                    continue
                f = d / "revision.json"
                if not f.is_file():
                    log.warning("%s has no revision.json (an interrupted save); skipped", d)
                    continue
                data = load_json_file(f, what="revision file")
                try:
                    rev = _from_dict(Revision, data, "revision")
                except InputError as exc:
                    raise exc.located(path=f) from None
                if rev.number != int(d.name):
                    raise InputError(f"number {rev.number} does not match its folder {d.name}",
                                     path=f, field="revision.number")
                out.append(rev)
        return out

    def artefact_path(self, rev: Revision, index: int = 0) -> Path:
        """The real path of ``rev.artefacts[index]``, refused if it leaves the project."""
        folder = self.revision_dir(rev.cue_id, rev.number)
        rel = rev.artefacts[index]
        if not isinstance(rel, str):
            raise InputError("artefact must be a relative path", path=folder / "revision.json",
                             field=f"artefacts[{index}]")
        return resolve_inside(folder, rel, field=f"artefacts[{index}]",
                              source=folder / "revision.json", what="revision folder")

    def new_revision(self, cue_id: str, **info: Any) -> tuple[Revision, Path]:
        """Create the next revision folder of a cue (never reusing a number)."""
        with self.locked():
            base = self.cue_dir(cue_id)
            base.mkdir(parents=True, exist_ok=True)
            number = 1 + max((int(d.name) for d in base.iterdir() if d.name.isdigit()), default=0)
            while True:
                folder = self.revision_dir(cue_id, number)
                try:
                    folder.mkdir(parents=True)
                    break
                except FileExistsError:  # a writer without the lock took the number
                    number += 1
            rev = Revision(cue_id=cue_id, number=number,
                           created=datetime.now(UTC).isoformat(timespec="seconds"), **info)
            self.save_revision(rev)
        return rev, folder

    def save_revision(self, rev: Revision) -> None:
        atomic_write_json(self.revision_dir(rev.cue_id, rev.number) / "revision.json", asdict(rev))
