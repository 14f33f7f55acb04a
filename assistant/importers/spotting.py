"""Spotting-list importers: plain text, CSV and CMX3600 EDL markers.

A spotting list says where each music cue starts and stops and which moments
(hits) the music must catch. All three formats give the same :class:`SpottingList`:
cues as :class:`assistant.project.Cue` with times in seconds from the film start
timecode (``START``, default ``01:00:00:00``) plus the SMPTE labels (``start_tc``,
``end_tc``, ``hit.tc``).

Plain-text format (``.txt`` / ``.spot``)
----------------------------------------
::

    TITLE: Some Film
    FPS: 24            # any FrameRate.parse value, e.g. 23.976, 29.97 DF
    START: 01:00:00:00 # film start timecode (optional; default 01:00:00:00)

    1M1 01:00:10:00 - 01:00:42:12 Main Title
    Free description lines (any number) - they become the cue's notes.
    FUNCTION: bookend
    HIT 01:00:30:05 door slams
    HIT! 01:00:31:00 the gun goes off [downbeat, tol 2, weight 3]

    1M2s 01:01:05:00 - 01:02:00:00 Jukebox at the diner
    SOURCE

* Header lines (``TITLE:``, ``FPS:``, ``START:``) are optional and come before the
  first cue; a ``# comment`` after a header value is ignored, and lines starting with
  ``#`` are comments anywhere.
* One cue per paragraph. The first line is ``ID START - END Title`` (the dash may
  also be ``to``, an en dash or an em dash). A new cue line also starts a new cue
  without a blank line.
* ``HIT TC label`` adds a hit. ``HIT!`` or ``!`` right after the timecode marks it
  important. A trailing ``[...]`` holds comma-separated options: ``downbeat``,
  ``beat`` or ``free`` (where the hit should land), ``tol N`` (tolerance in
  frames), ``weight W``, ``important``.
* ``FUNCTION: id`` sets the cue function (one of :data:`assistant.project.CUE_FUNCTIONS`).
* A cue id ending in ``s`` (``1M2s``) or a line ``SOURCE`` marks diegetic source
  music: ``Cue.source`` is true and the function defaults to ``source``.
* Every other line is description; the lines are joined with newlines into ``notes``.

CSV format (``.csv``)
---------------------
A header row is required; column names are case-insensitive. Required: ``cue``,
``start``, ``end``. Optional: ``description`` (the notes), ``title``, ``hits``,
``function``, ``source`` (``yes``/``true``/``1``). ``hits`` holds
``TC label; TC! label [options]; ...`` with the same label and option syntax as the
text format (separate hits with ``;`` - a ``;`` between two digits is the drop-frame
separator of a timecode, not a hit separator). Header values can be given as
``# TITLE: ...``/``# FPS: ...``/``# START: ...`` comment lines before the header row.

EDL format (``.edl``)
---------------------
CMX3600 as written by NLEs for marker lists. Each event whose clip name (``* FROM
CLIP NAME:``) starts with a cue id (``1M1``, ``2M3s``, ...) becomes a cue spanning the
event's *record* in/out; the rest of the clip name is the title. The event's
``* LOC: TC COLOUR text`` locators become hits (``!`` at the start of the text marks
important; options in ``[...]`` as above). ``* FUNCTION: id`` and ``* SOURCE``
comments work as in the text format; other free comments become the notes.
Events whose clip name is not a cue id are skipped with a warning.

The EDL is read with OpenTimelineIO's ``cmx_3600`` adapter (``otio-cmx3600-adapter``),
one event at a time. What the adapter cannot express, this module does itself,
from the raw lines:

* *line numbers*: the adapter raises errors without a location, so every timecode
  is first validated here at the project rate, naming the line and field;
* *the absolute record timecode*: the adapter builds a track starting at 0 and drops
  the first record-in, so each event's record in/out is read from its event line;
* *overlapping events*: the adapter rejects them (or silently shifts them), but a
  spotting list may overlap (a warning here), hence one adapter call per event;
* *drop-frame locators*: the adapter's locator pattern only matches ``:`` labels,
  so ``;`` locators it skipped are parsed here;
* *mixed FCM*: an ``FCM:`` line applies to the events after it. When an EDL switches
  between drop-frame and non-drop (29.97), each event is read at its own labels
  onto one timeline (both count the same frames) and cues are labelled at the
  list's rate (the first FCM); a drop-frame FCM at a rate without one is refused.

OTIO places markers in the clip's source time, which is what the adapter writes
back as ``LOC`` timecode; a hit's film time is therefore
``record_in + (marker - source_in)``, equal to the LOC time when source and record
timecodes coincide, as they do in marker EDLs exported from a timeline.

Validation
----------
Every error is an :class:`InputError` naming the file, line and field: end not
after start, hit outside its cue, duplicate cue id (case-insensitive), a timecode
invalid at the project rate (frame number too high, ``;`` at a non-drop rate, a
drop-frame label that does not exist), a cue before the film start, an unknown
function, bad hit options. Overlapping cues only give a warning (in
``SpottingList.warnings`` and the log).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from assistant.errors import InputError, check_exists, read_text
from assistant.limits import Deadline
from assistant.project import CUE_FUNCTIONS, HIT_LANDINGS, Cue, Hit
from assistant.timecode import FrameRate, frames_to_tc, tc_to_frames

log = logging.getLogger(__name__)

DEFAULT_START_TC = "01:00:00:00"
DEFAULT_RATE = "24"
#: a spotting list is a few hundred cues; these limits turn a wrong or hostile file
#: into one clear error instead of minutes of work (an EDL event costs ~1 ms to read)
MAX_SPOTTING_BYTES = 8 * 1024 * 1024
MAX_CUES = 5000
MAX_HITS_PER_CUE = 2000

# A loose timecode shape; validity at the rate is checked by tc_to_frames.
TC = r"\d{1,2}[:.;]\d{2}[:.;]\d{2}[:.;,]\d{2}"
_CUE_LINE = re.compile(
    rf"^(?P<id>\S+)\s+(?P<start>{TC})\s*(?:-|–|—|to|TO)\s*(?P<end>{TC})(?:\s+(?P<title>.*?))?\s*$"
)
_HIT_LINE = re.compile(r"^HIT(?P<bang1>!)?(?:\s+|$)(?P<rest>.*)$")  # upper-case keyword only
_HIT_BODY = re.compile(rf"^(?P<tc>{TC})\s*(?P<bang>!)?(?:\s+(?P<label>.*?))?\s*$")
_OPTS = re.compile(r"\[(?P<opts>[^\[\]]*)\]\s*$")
_HEADER = re.compile(r"^(?P<key>TITLE|FPS|RATE|START|START_TC)\s*:\s*(?P<value>.*)$", re.IGNORECASE)
_FUNCTION = re.compile(r"^FUNCTION\s*:\s*(?P<value>.*?)\s*$", re.IGNORECASE)
CUE_ID = re.compile(r"^\d+M\d+[A-Za-z0-9.]*$", re.IGNORECASE)
_HIT_SPLIT = re.compile(r"(?<!\d);|;(?!\d)")


def is_source_id(cue_id: str) -> bool:
    """True for a cue id in the ``<reel>M<n>s`` form that marks diegetic source music.

    >>> is_source_id("1M2s"), is_source_id("1M2"), is_source_id("Titles")
    (True, False, False)
    """
    return bool(CUE_ID.match(cue_id)) and cue_id.lower().endswith("s")


@dataclass
class SpottingList:
    """Cues read from a spotting list, with the film's rate and start timecode."""

    title: str
    rate: FrameRate
    start_tc: str
    cues: list[Cue]
    warnings: list[str] = field(default_factory=list)
    path: str = ""

    @property
    def start_frame(self) -> int:
        return tc_to_frames(self.start_tc, self.rate)

    def cue(self, cue_id: str) -> Cue:
        for c in self.cues:
            if c.id.lower() == cue_id.lower():
                return c
        raise InputError(f"no cue {cue_id!r}", path=self.path, field="cue")


# ----------------------------------------------------------------------------- shared helpers
class _Clock:
    """Converts labels at the list's rate to film seconds, with located errors.

    ``read_rate`` is the rate labels are *read* at; it differs from ``rate`` (the
    list's rate, used for the start and for every label written) only for an EDL
    event whose ``FCM`` switches between drop-frame and non-drop at 29.97/59.94: the
    frame count is the same clock either way, only the labels differ.
    """

    def __init__(self, path: str, rate: FrameRate, start_tc: str, start_line: int | None = None):
        self.path = path
        self.rate = rate
        self.read_rate = rate
        try:
            self.start_frame = tc_to_frames(start_tc, rate)
        except InputError as exc:
            raise InputError(exc.message, path=path, line=start_line, field="start_tc") from None
        self.start_tc = frames_to_tc(self.start_frame, rate)

    def frames(self, tc: str, line: int | None, fld: str) -> int:
        try:
            return tc_to_frames(tc, self.read_rate)
        except InputError as exc:
            raise InputError(exc.message, path=self.path, line=line, field=fld) from None

    def film_s(self, frames: int, line: int | None, fld: str) -> float:
        rel = frames - self.start_frame
        if rel < 0:
            raise InputError(
                f"{frames_to_tc(frames, self.rate)} is before the film start {self.start_tc}",
                path=self.path, line=line, field=fld)
        return float(Fraction(rel) / self.rate.fps)

    def label(self, frames: int) -> str:
        return frames_to_tc(frames, self.rate)


def _parse_options(text: str, path: str, line: int | None, fld: str) -> dict[str, object]:
    """Parse hit options like ``downbeat, tol 2, weight 3``."""
    out: dict[str, object] = {}
    for raw in text.split(","):
        opt = raw.strip()
        if not opt:
            continue
        low = opt.lower()
        if low in HIT_LANDINGS:
            out["landing"] = low
            continue
        if low in ("important", "!"):
            out["important"] = True
            continue
        m = re.match(r"^(tol|tolerance|weight|w)\s*[:=]?\s*([0-9]*\.?[0-9]+)$", low)
        if m:
            value = float(m.group(2))
            if m.group(1) in ("tol", "tolerance"):
                if value > 48:
                    raise InputError(f"tolerance {value:g} frames is above the maximum 48",
                                     path=path, line=line, field=fld)
                out["tolerance_frames"] = value
            else:
                out["weight"] = value
            continue
        raise InputError(
            f"unknown hit option {opt!r}; use downbeat|beat|free, 'tol N' (frames), 'weight W'",
            path=path, line=line, field=fld)
    return out


def _parse_hit(body: str, clock: _Clock, path: str, line: int | None, fld: str,
               important: bool = False) -> tuple[int, Hit]:
    """Parse ``TC[!] label [options]`` into (frame, Hit)."""
    opts: dict[str, object] = {}
    m_opts = _OPTS.search(body)
    if m_opts:
        opts = _parse_options(m_opts.group("opts"), path, line, f"{fld} options")
        body = body[: m_opts.start()].rstrip()
    m = _HIT_BODY.match(body.strip())
    if not m:
        raise InputError(f"expected 'TC label' for a hit, got {body.strip()!r}",
                         path=path, line=line, field=fld)
    frames = clock.frames(m.group("tc"), line, fld)
    time_s = clock.film_s(frames, line, fld)
    label = (m.group("label") or "").strip()
    imp = important or bool(m.group("bang")) or bool(opts.pop("important", False))
    hit = Hit(time_s=time_s, label=label, tc=clock.label(frames), important=imp, **opts)  # type: ignore[arg-type]
    return frames, hit


def _check_function(value: str, path: str, line: int | None) -> str:
    fn = value.strip().lower().replace("-", "_").replace(" ", "_")
    if fn not in CUE_FUNCTIONS:
        raise InputError(f"unknown cue function {value.strip()!r}; use one of {', '.join(CUE_FUNCTIONS)}",
                         path=path, line=line, field="function")
    return fn


@dataclass
class _RawCue:
    """A cue being assembled, with the source lines for error messages."""

    id: str
    line: int | None
    start_f: int
    end_f: int
    title: str = ""
    notes: list[str] = field(default_factory=list)
    function: str | None = None
    source: bool = False
    hits: list[tuple[int, Hit, int | None]] = field(default_factory=list)  # frame, hit, line


def _new_raw(cue_id: str, start: str, end: str, title: str, clock: _Clock, line: int | None,
             start_field: str = "start", end_field: str = "end") -> _RawCue:
    if not cue_id.strip():
        raise InputError("cue id is empty", path=clock.path, line=line, field="cue")
    s = clock.frames(start, line, start_field)
    e = clock.frames(end, line, end_field)
    clock.film_s(s, line, start_field)
    if e <= s:
        raise InputError(
            f"end {clock.label(e)} is not after start {clock.label(s)}",
            path=clock.path, line=line, field=end_field)
    return _RawCue(id=cue_id.strip(), line=line, start_f=s, end_f=e, title=title.strip())


def _finish(raws: list[_RawCue], clock: _Clock, title: str, path: str) -> SpottingList:
    """Validate the assembled cues (duplicates, hits, overlaps) and build the list."""
    seen: dict[str, _RawCue] = {}
    cues: list[Cue] = []
    for r in raws:
        key = r.id.lower()
        if key in seen:
            first = seen[key]
            where = f" (first on line {first.line})" if first.line else ""
            raise InputError(f"duplicate cue id {r.id!r}{where}", path=path, line=r.line, field="cue")
        seen[key] = r
        for frame, hit, hline in r.hits:
            if not r.start_f <= frame <= r.end_f:
                raise InputError(
                    f"hit {hit.tc} lies outside cue {r.id} ({clock.label(r.start_f)} - "
                    f"{clock.label(r.end_f)})", path=path, line=hline, field="hit")
        source = r.source or is_source_id(r.id)
        function = r.function or ("source" if source else None)
        hits = [h for _, h, _ in sorted(r.hits, key=lambda t: t[0])]
        cues.append(Cue(
            id=r.id, title=r.title,
            start_s=clock.film_s(r.start_f, r.line, "start"),
            end_s=clock.film_s(r.end_f, r.line, "end"),
            start_tc=clock.label(r.start_f), end_tc=clock.label(r.end_f),
            function=function, hits=hits, notes="\n".join(r.notes).strip(), source=source,
        ))
    order = sorted(range(len(cues)), key=lambda i: (raws[i].start_f, raws[i].end_f))
    cues = [cues[i] for i in order]
    raws = [raws[i] for i in order]
    warnings: list[str] = []
    prev_max: _RawCue | None = None  # the cue that ends latest so far
    for i in range(1, len(raws)):
        if prev_max is None or raws[i - 1].end_f > prev_max.end_f:
            prev_max = raws[i - 1]
        prev, cur = prev_max, raws[i]
        if cur.start_f < prev.end_f:
            overlap = Fraction(min(prev.end_f, cur.end_f) - cur.start_f) / clock.rate.fps
            msg = (f"{path}:{cur.line}: cue {cur.id} overlaps cue {prev.id} by "
                   f"{float(overlap):.2f} s" if cur.line else
                   f"{path}: cue {cur.id} overlaps cue {prev.id} by {float(overlap):.2f} s")
            warnings.append(msg)
            log.warning(msg)
    if not cues:
        raise InputError("no cues found", path=path, field="cue")
    return SpottingList(title=title, rate=clock.rate, start_tc=clock.start_tc, cues=cues,
                        warnings=warnings, path=path)


def _header_value(value: str) -> str:
    return re.split(r"\s+#(?:\s|$)", value, maxsplit=1)[0].strip()


def _one_header(prev: tuple[str, int] | None, value: str, line: int, fld: str,
                path: str) -> tuple[str, int]:
    """A header given twice must say the same thing (the last one used to win silently)."""
    if prev is not None and " ".join(prev[0].upper().split()) != " ".join(value.upper().split()):
        raise InputError(f"{value!r} conflicts with {prev[0]!r} on line {prev[1]}",
                         path=path, line=line, field=fld)
    return prev if prev is not None else (value, line)


def _count_cue(raws: list[_RawCue], path: str, line: int | None) -> None:
    if len(raws) >= MAX_CUES:
        raise InputError(f"more than {MAX_CUES} cues; is this a spotting list?", path=path,
                         line=line, field="cue")


def _count_hit(r: _RawCue, path: str, line: int | None) -> None:
    if len(r.hits) >= MAX_HITS_PER_CUE:
        raise InputError(f"cue {r.id} has more than {MAX_HITS_PER_CUE} hits", path=path,
                         line=line, field="hit")


def _rate_from(value: str, path: str, line: int | None) -> FrameRate:
    try:
        return FrameRate.parse(value)
    except InputError as exc:
        raise InputError(exc.message, path=path, line=line, field="fps") from None


# ----------------------------------------------------------------------------- text
def parse_spotting_text(text: str, path: str = "<text>", rate: FrameRate | None = None,
                        start_tc: str | None = None) -> SpottingList:
    """Parse the plain-text spotting format (see the module docstring).

    ``rate`` and ``start_tc`` override the file's ``FPS:``/``START:`` header.
    """
    lines = text.split("\n")
    title = ""
    rate_v: tuple[str, int] | None = None
    start_v: tuple[str, int] | None = None
    idx = 0
    # header: key lines, comments and blank lines before the first cue line
    while idx < len(lines):
        s = lines[idx].strip()
        if not s or s.startswith("#"):
            idx += 1
            continue
        m = _HEADER.match(s)
        if not m or _CUE_LINE.match(s):
            break
        key, value = m.group("key").upper(), _header_value(m.group("value"))
        if key == "TITLE":
            title = value
        elif key in ("FPS", "RATE"):
            rate_v = _one_header(rate_v, value, idx + 1, "fps", path)
        else:
            start_v = _one_header(start_v, value, idx + 1, "start_tc", path)
        idx += 1
    if rate is None:
        rate = _rate_from(rate_v[0], path, rate_v[1]) if rate_v else FrameRate.parse(DEFAULT_RATE)
    stc, sline = (start_tc, None) if start_tc else (start_v if start_v else (DEFAULT_START_TC, None))
    clock = _Clock(path, rate, stc, sline)

    raws: list[_RawCue] = []
    cur: _RawCue | None = None
    deadline = Deadline("spotting list", path)
    for i in range(idx, len(lines)):
        lineno = i + 1
        deadline.check(lineno)
        s = lines[i].strip()
        if not s:
            cur = None
            continue
        if s.startswith("#"):
            continue
        m = _CUE_LINE.match(s)
        if m:
            _count_cue(raws, path, lineno)
            cur = _new_raw(m.group("id"), m.group("start"), m.group("end"), m.group("title") or "",
                           clock, lineno)
            raws.append(cur)
            continue
        if cur is None:
            if _HEADER.match(s):
                raise InputError("header lines (TITLE/FPS/START) must come before the first cue",
                                 path=path, line=lineno, field="header")
            raise InputError(
                f"expected a cue line 'ID HH:MM:SS:FF - HH:MM:SS:FF Title', got {s[:60]!r}",
                path=path, line=lineno, field="cue")
        hm = _HIT_LINE.match(s)
        if hm:
            _count_hit(cur, path, lineno)
            frame, hit = _parse_hit(hm.group("rest"), clock, path, lineno, "hit",
                                    important=bool(hm.group("bang1")))
            cur.hits.append((frame, hit, lineno))
            continue
        fm = _FUNCTION.match(s)
        if fm:
            cur.function = _check_function(fm.group("value"), path, lineno)
            continue
        if s.upper() == "SOURCE":
            cur.source = True
            continue
        cur.notes.append(s)
    return _finish(raws, clock, title or Path(path).stem, path)


# ----------------------------------------------------------------------------- CSV
_CSV_ALIASES = {
    "cue": "cue", "id": "cue", "cue id": "cue", "cue_id": "cue",
    "start": "start", "in": "start", "start_tc": "start", "start tc": "start",
    "end": "end", "out": "end", "stop": "end", "end_tc": "end", "end tc": "end",
    "description": "description", "notes": "description",
    "title": "title", "hits": "hits", "function": "function", "source": "source",
}


def parse_spotting_csv(text: str, path: str = "<csv>", rate: FrameRate | None = None,
                       start_tc: str | None = None) -> SpottingList:
    """Parse a CSV spotting list (see the module docstring)."""
    lines = text.split("\n")
    title = ""
    rate_v: tuple[str, int] | None = None
    start_v: tuple[str, int] | None = None
    skip = 0
    for i, raw in enumerate(lines):
        s = raw.strip().strip(",").strip()
        if not s:
            skip = i + 1
            continue
        if s.startswith("#"):
            m = _HEADER.match(s.lstrip("#").strip())
            if m:
                key, value = m.group("key").upper(), _header_value(m.group("value"))
                if key == "TITLE":
                    title = value
                elif key in ("FPS", "RATE"):
                    rate_v = _one_header(rate_v, value, i + 1, "fps", path)
                else:
                    start_v = _one_header(start_v, value, i + 1, "start_tc", path)
            skip = i + 1
            continue
        break
    if rate is None:
        rate = _rate_from(rate_v[0], path, rate_v[1]) if rate_v else FrameRate.parse(DEFAULT_RATE)
    stc, sline = (start_tc, None) if start_tc else (start_v if start_v else (DEFAULT_START_TC, None))
    clock = _Clock(path, rate, stc, sline)

    body = "\n".join(lines[skip:])
    try:
        dialect = csv.Sniffer().sniff(body.split("\n", 1)[0], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(body), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("no header row", path=path, field="header") from None
    except csv.Error as exc:
        raise InputError(f"malformed CSV header: {exc}", path=path, line=skip + 1,
                         field="header") from None
    cols: dict[str, int] = {}
    for j, name in enumerate(header):
        key = _CSV_ALIASES.get(name.strip().lower())
        if key is None:
            if name.strip():
                log.warning("%s: ignoring unknown column %r", path, name.strip())
            continue
        if key in cols:
            raise InputError(f"column {name.strip()!r} given twice", path=path, line=skip + 1,
                             field="header")
        cols[key] = j
    missing = [c for c in ("cue", "start", "end") if c not in cols]
    if missing:
        raise InputError(
            f"header row lacks column(s) {', '.join(missing)}; expected cue,start,end,description"
            "[,title][,hits]", path=path, line=skip + 1, field="header")

    raws: list[_RawCue] = []
    prev_end = reader.line_num
    deadline = Deadline("spotting list", path)
    try:
        for row in reader:
            lineno = skip + prev_end + 1
            deadline.check(lineno)
            prev_end = reader.line_num
            if not any(c.strip() for c in row):
                continue

            if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
                raise InputError(f"row has {len(row)} fields but the header has {len(header)} "
                                 "(an unquoted delimiter in a field?)", path=path, line=lineno,
                                 field="csv")
            _count_cue(raws, path, lineno)

            def get(key: str, row: list[str] = row) -> str:
                j = cols.get(key)
                return row[j].strip() if j is not None and j < len(row) else ""

            for key in ("cue", "start", "end"):
                if not get(key):
                    raise InputError(f"{key} is empty", path=path, line=lineno, field=key)
            r = _new_raw(get("cue"), get("start"), get("end"), get("title"), clock, lineno)
            desc = get("description")
            if desc:
                r.notes.extend(x.strip() for x in desc.split("\n") if x.strip())
            if get("function"):
                r.function = _check_function(get("function"), path, lineno)
            src = get("source").lower()
            if src:
                if src not in ("yes", "y", "true", "1", "no", "n", "false", "0", "source"):
                    raise InputError(f"source must be yes or no, got {src!r}", path=path,
                                     line=lineno, field="source")
                r.source = src in ("yes", "y", "true", "1", "source")
            for part in _HIT_SPLIT.split(get("hits")):
                if part.strip():
                    _count_hit(r, path, lineno)
                    frame, hit = _parse_hit(part.strip(), clock, path, lineno, "hits")
                    r.hits.append((frame, hit, lineno))
            raws.append(r)
    except csv.Error as exc:
        # the row that failed began on the line after the last good row; an unterminated
        # quote would otherwise swallow every later row into one field
        where = skip + prev_end + 1
        what = ("a quoted field is never closed (unterminated \")"
                if "unexpected end of data" in str(exc) else str(exc))
        raise InputError(f"malformed CSV: {what}", path=path, line=where, field="csv") from None
    return _finish(raws, clock, title or Path(path).stem, path)


# ----------------------------------------------------------------------------- EDL
_EDL_EVENT = re.compile(
    rf"^(?P<num>\d{{1,6}})\s+(?P<reel>\S+)\s+(?P<chan>\S+)\s+(?P<kind>\S+)(?:\s+(?P<tdata>\d+))?"
    rf"\s+(?P<src_in>{TC})\s+(?P<src_out>{TC})\s+(?P<rec_in>{TC})\s+(?P<rec_out>{TC})\s*$")
_EDL_LOC = re.compile(rf"^\*\s*LOC:\s*(?P<tc>{TC})\s+(?P<colour>\w*)(?:\s+(?P<text>.*?))?\s*$")
_EDL_CLIP = re.compile(r"^\*\s*FROM CLIP NAME:\s*(?P<name>.*?)\s*$", re.IGNORECASE)


@dataclass
class _EdlEvent:
    line: int
    match: re.Match[str]
    comments: list[tuple[int, str]] = field(default_factory=list)
    text_lines: list[str] = field(default_factory=list)
    drop: bool | None = None  # the FCM in force for this event (None: no FCM seen)
    fcm_line: int | None = None


def _fcm_drop(line: str) -> bool:
    u = " ".join(line.upper().split())
    return "DROP" in u and "NON" not in u


def parse_spotting_edl(text: str, path: str = "<edl>", rate: FrameRate | None = None,
                       start_tc: str | None = None) -> SpottingList:
    """Parse CMX3600 EDL markers into cues (see the module docstring)."""
    from opentimelineio import opentime
    from otio_cmx3600_adapter import cmx_3600

    lines = text.split("\n")
    title = ""
    fcm: bool | None = None  # the FCM in force: True drop-frame, False non-drop
    fcm_line: int | None = None
    first_fcm: bool | None = None
    header_lines: list[str] = []
    events: list[_EdlEvent] = []
    for i, raw in enumerate(lines):
        s = raw.strip()
        lineno = i + 1
        if not s:
            continue
        if s.upper().startswith("TITLE:"):
            title = s[6:].strip()
            if not events:
                header_lines.append(s)
            continue
        if s.upper().startswith("FCM"):
            fcm, fcm_line = _fcm_drop(s), lineno
            if first_fcm is None:
                first_fcm = fcm
            continue
        if s[0].isdigit():
            m = _EDL_EVENT.match(s)
            if not m:
                raise InputError(
                    "expected an event line 'NNN REEL CHANNEL C SRC_IN SRC_OUT REC_IN REC_OUT'",
                    path=path, line=lineno, field="event")
            if events and m.group("num") == events[-1].match.group("num"):
                raise InputError("transitions between spotting events are not supported",
                                 path=path, line=lineno, field="event")
            if len(events) >= MAX_CUES:
                raise InputError(f"more than {MAX_CUES} events; is this a spotting list?",
                                 path=path, line=lineno, field="event")
            events.append(_EdlEvent(lineno, m, text_lines=[s], drop=fcm, fcm_line=fcm_line))
            continue
        if s.startswith("*") or s.upper().startswith(("M2", "SPLIT")):
            if not events:
                continue  # a comment before the first event
            events[-1].comments.append((lineno, s))
            events[-1].text_lines.append(s)
            continue
        raise InputError(f"unexpected line {s[:60]!r}", path=path, line=lineno, field="event")
    if rate is None:  # FCM: DROP FRAME anywhere means 29.97; else 24 (NON-DROP at 24 too)
        any_drop = any(ev.drop for ev in events) or bool(first_fcm)
        rate = (FrameRate.parse("29.97", drop=bool(first_fcm)) if any_drop
                else FrameRate.parse(DEFAULT_RATE))
    clock = _Clock(path, rate, start_tc or DEFAULT_START_TC)

    raws: list[_RawCue] = []
    warnings: list[str] = []
    deadline = Deadline("spotting list", path)
    for ev in events:
        m = ev.match
        deadline.check(ev.line, now=True)  # an event costs ~1 ms (the adapter)
        clock.read_rate = _event_rate(rate, ev, path)
        src_in = clock.frames(m.group("src_in"), ev.line, "source in")
        clock.frames(m.group("src_out"), ev.line, "source out")
        rec_in = m.group("rec_in")
        rin = clock.frames(rec_in, ev.line, "record in")
        rout = clock.frames(m.group("rec_out"), ev.line, "record out")
        if rout <= rin:
            raise InputError(f"record out {clock.label(rout)} is not after start {clock.label(rin)}",
                             path=path, line=ev.line, field="record out")
        # validate locator timecodes before the adapter sees them
        for lineno, c in ev.comments:
            lm = _EDL_LOC.match(c)
            if lm:
                clock.frames(lm.group("tc"), lineno, "hit")
            elif re.match(r"^\*\s*LOC:", c):
                raise InputError("expected '* LOC: TC COLOUR text'", path=path, line=lineno,
                                 field="hit")
        try:
            tl = cmx_3600.read_from_string("\n".join(ev.text_lines) + "\n",
                                           rate=float(rate.fps))
        except Exception as exc:  # the adapter raises EDLParseError, ValueError, ...
            raise InputError(f"cannot read event: {exc}", path=path, line=ev.line,
                             field="event") from None
        clips = [c for track in tl.tracks for c in track.find_clips()]
        if not clips:
            raise InputError("event holds no clip", path=path, line=ev.line, field="event")
        clip = clips[0]
        name = (clip.name or "").strip()
        parts = name.split(None, 1)
        if not parts or not CUE_ID.match(parts[0]):
            msg = f"{path}:{ev.line}: event {m.group('num')} ({name!r}) is not named like a cue; skipped"
            warnings.append(msg)
            log.warning(msg)
            continue
        r = _new_raw(parts[0], rec_in, m.group("rec_out"), parts[1] if len(parts) > 1 else "",
                     clock, ev.line, start_field="record in", end_field="record out")
        offset = r.start_f - src_in  # record minus source frames
        marker_by_line: dict[int, tuple[int, str]] = {}
        loc_lines = [(ln, c) for ln, c in ev.comments if _EDL_LOC.match(c)]
        markers = list(clip.markers)
        # Pair the adapter's markers with the LOC lines it could read (same order).
        readable = [(ln, c) for ln, c in loc_lines
                    if re.match(r"\*\s*LOC:\s*\d\d:\d\d:\d\d:\d\d(\s|$)", c)]
        for (ln, _c), marker in zip(readable, markers, strict=False):
            frames_src = round(opentime.to_frames(marker.marked_range.start_time, float(rate.fps)))
            marker_by_line[ln] = (frames_src, marker.name or "")
        for ln, c in loc_lines:
            if ln in marker_by_line:
                src_f, label = marker_by_line[ln]
            else:  # drop-frame (';') locators: the adapter skips them
                lm = _EDL_LOC.match(c)
                assert lm is not None
                src_f, label = clock.frames(lm.group("tc"), ln, "hit"), lm.group("text") or ""
            label = label.strip()
            important = label.startswith("!")
            body_label = label.lstrip("!").strip()
            frame = src_f + offset
            _count_hit(r, path, ln)
            hit = _hit_from_parts(frame, body_label, important, clock, ln)
            r.hits.append((frame, hit, ln))
        for ln, c in ev.comments:
            if _EDL_LOC.match(c) or _EDL_CLIP.match(c):
                continue
            body = c.lstrip("*").strip()
            fm = _FUNCTION.match(body)
            if fm:
                r.function = _check_function(fm.group("value"), path, ln)
            elif body.upper() == "SOURCE":
                r.source = True
            elif re.match(r"^(FROM CLIP|FROM FILE|TO CLIP|ASC_|M2|SOURCE FILE)", body, re.I):
                continue
            elif body:
                r.notes.append(body)
        raws.append(r)
    result = _finish(raws, clock, title or Path(path).stem, path)
    result.warnings[:0] = warnings
    return result


def _event_rate(rate: FrameRate, ev: _EdlEvent, path: str) -> FrameRate:
    """The rate an event's labels are read at: the list's rate, with the event's FCM.

    At 29.97 and 59.94 drop-frame and non-drop labels count the same frames, so an
    EDL that switches (``FCM: DROP FRAME`` then ``FCM: NON-DROP FRAME``) is read event
    by event, each at its own labels, onto one timeline. At a rate without a
    drop-frame form an ``FCM: DROP FRAME`` cannot be honoured and is refused.
    """
    if ev.drop is None or ev.drop == rate.drop:
        return rate
    try:
        return FrameRate(rate.name, ev.drop)
    except InputError as exc:
        raise InputError(f"FCM: DROP FRAME here, but {exc.message}", path=path,
                         line=ev.fcm_line, field="fcm") from None


def _hit_from_parts(frame: int, label: str, important: bool, clock: _Clock, line: int) -> Hit:
    opts: dict[str, object] = {}
    m_opts = _OPTS.search(label)
    if m_opts:
        opts = _parse_options(m_opts.group("opts"), clock.path, line, "hit options")
        label = label[: m_opts.start()].rstrip()
    imp = important or bool(opts.pop("important", False))
    return Hit(time_s=clock.film_s(frame, line, "hit"), label=label, tc=clock.label(frame),
               important=imp, **opts)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- writers
def _hit_text(h: Hit) -> str:
    opts = []
    if h.landing != "beat":
        opts.append(h.landing)
    if h.tolerance_frames != 1.0:
        opts.append(f"tol {h.tolerance_frames:g}")
    if h.weight != 1.0:
        opts.append(f"weight {h.weight:g}")
    label = h.label.strip()
    return f"{h.tc}{'!' if h.important else ''}" + (f" {label}" if label else "") + (
        f" [{', '.join(opts)}]" if opts else "")


def format_spotting_text(spot: SpottingList) -> str:
    """Write a spotting list in the plain-text format (parses back to equal cues)."""
    out = [f"TITLE: {spot.title}", f"FPS: {spot.rate.label}", f"START: {spot.start_tc}", ""]
    for c in spot.cues:
        out.append(f"{c.id} {c.start_tc} - {c.end_tc}" + (f" {c.title}" if c.title else ""))
        out.extend(x for x in c.notes.split("\n") if x.strip())
        if c.function and not (c.source and c.function == "source"):
            out.append(f"FUNCTION: {c.function}")
        if c.source and not is_source_id(c.id):
            out.append("SOURCE")
        out.extend(f"HIT {_hit_text(h)}" for h in c.hits)
        out.append("")
    return "\n".join(out)


def format_spotting_csv(spot: SpottingList) -> str:
    """Write a spotting list as CSV with ``# TITLE/FPS/START`` lines (parses back equal)."""
    buf = io.StringIO()
    buf.write(f"# TITLE: {spot.title}\n# FPS: {spot.rate.label}\n# START: {spot.start_tc}\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["cue", "start", "end", "description", "title", "hits", "function", "source"])
    for c in spot.cues:
        w.writerow([c.id, c.start_tc, c.end_tc, c.notes, c.title,
                    "; ".join(_hit_text(h) for h in c.hits), c.function or "",
                    "yes" if c.source else ""])
    return buf.getvalue()


# ----------------------------------------------------------------------------- dispatch
_PARSERS = {
    ".csv": parse_spotting_csv,
    ".txt": parse_spotting_text,
    ".spot": parse_spotting_text,
    ".edl": parse_spotting_edl,
}


def load_spotting(path: str | Path, rate: FrameRate | None = None,
                  start_tc: str | None = None) -> SpottingList:
    """Read a spotting list, choosing the format by suffix (.csv, .txt/.spot, .edl).

    ``rate`` and ``start_tc`` override what the file says (the header of a text or CSV
    list; EDLs carry no rate: 24 unless an ``FCM: DROP FRAME`` says 29.97, drop-frame or
    not as the first FCM says; events after a switching FCM are read at their own labels).
    """
    p = check_exists(path, what="spotting list")
    parser = _PARSERS.get(p.suffix.lower())
    if parser is None:
        raise InputError(f"unknown spotting-list type {p.suffix or '(none)'!r}; use .csv, .txt, "
                         ".spot or .edl", path=p, field="path")
    text = read_text(p, what="spotting list", max_bytes=MAX_SPOTTING_BYTES)
    return parser(text, str(p), rate=rate, start_tc=start_tc)
