"""Scene start timecodes from the cut: an EDL of scene cuts, or a CSV.

When the editor can give them, scene starts on the picture's timeline make the
script-to-cut alignment exact (:mod:`assistant.analysis.alignment`).

CSV (UTF-8; ``#`` header lines like the spotting CSV)::

    # FPS: 24
    # START: 01:00:00:00
    scene,start
    1,01:00:00:00
    2,01:00:43:12
    INT. THE ANCHOR - DAY,01:00:43:12

``scene`` is the scene's number as printed in the script (1-based) or its heading;
``start`` is record timecode at the rate (``HH:MM:SS:FF``) or seconds from the film start.

EDL (CMX 3600): each event's record-in is a scene start. The scene is named by a comment
``* SCENE: 12`` (or ``* SCENE: INT. ...``) under the event, else by a clip name containing
``SC 12`` / ``SCENE 12``, else by the order of the events (event n starts scene n).

:func:`match_scenes` turns the rows into ``{scene index (0-based): film seconds}`` for a
screenplay, refusing numbers and headings the script does not have.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import InputError, read_text
from assistant.timecode import FrameRate, is_timecode, tc_to_seconds

_HEADER = re.compile(r"^\s*#\s*(FPS|START|TITLE)\s*:\s*(.*?)\s*$", re.I)
_EVENT = re.compile(r"^\s*(\d{1,6})\s+(\S+)\s+(\S+)\s+(\S+)\s+(?:(\d+)\s+)?"
                    r"(\d\d[:;.]\d\d[:;.]\d\d[:;.,]\d\d)\s+(\d\d[:;.]\d\d[:;.]\d\d[:;.,]\d\d)\s+"
                    r"(\d\d[:;.]\d\d[:;.]\d\d[:;.,]\d\d)\s+(\d\d[:;.]\d\d[:;.]\d\d[:;.,]\d\d)\s*$")
_SCENE_NOTE = re.compile(r"^\s*\*\s*SCENE\s*:\s*(.+?)\s*$", re.I)
_CLIP_NAME = re.compile(r"^\s*\*\s*(?:FROM\s+CLIP\s+NAME|CLIP\s+NAME|LOC)\s*:\s*(.+?)\s*$", re.I)
_SC_IN_NAME = re.compile(r"\b(?:SC|SCENE|SCN)\.?\s*[-_ ]?\s*(\d{1,4})\b", re.I)


@dataclass
class SceneCut:
    """One scene start: the scene by number (1-based) or heading, and its film time."""

    start_s: float  # film seconds (from the film's start timecode)
    number: int | None = None
    heading: str = ""
    line: int | None = None


@dataclass
class SceneCuts:
    rate: FrameRate
    start_tc: str
    cuts: list[SceneCut] = field(default_factory=list)
    path: str = ""
    by_order: bool = False  # the EDL named no scenes: event n is scene n


def _time(text: str, rate: FrameRate, start_tc: str, path: str, line: int, fld: str) -> float:
    t = text.strip()
    if is_timecode(t):
        try:
            s = float(tc_to_seconds(t, rate) - tc_to_seconds(start_tc, rate))
        except InputError as exc:
            raise InputError(exc.message, path=path, line=line, field=fld) from None
        if s < 0:
            raise InputError(f"{t} is before the film start {start_tc}", path=path, line=line,
                             field=fld)
        return s
    try:
        s = float(t)
    except ValueError:
        raise InputError(f"cannot read time {t!r}; expected HH:MM:SS:FF or seconds",
                         path=path, line=line, field=fld) from None
    if not s >= 0 or s == float("inf"):
        raise InputError(f"time {t!r} must be >= 0", path=path, line=line, field=fld)
    return s


def _scene_ref(text: str) -> tuple[int | None, str]:
    t = text.strip()
    m = re.fullmatch(r"(?:scene\s*|sc\.?\s*)?(\d{1,4})[A-Za-z]?", t, re.I)
    if m:
        return int(m.group(1)), ""
    return None, t


def parse_scene_cuts_csv(text: str, path: str = "<csv>", rate: FrameRate | None = None,
                         start_tc: str | None = None) -> SceneCuts:
    lines = text.split("\n")
    fps, start = rate, start_tc
    body: list[tuple[int, str]] = []
    for i, ln in enumerate(lines, 1):
        m = _HEADER.match(ln)
        if m:
            key, val = m.group(1).upper(), m.group(2)
            if key == "FPS" and rate is None:
                fps = FrameRate.parse(val)
            elif key == "START" and start_tc is None:
                start = val
            continue
        if ln.strip() and not ln.lstrip().startswith("#"):
            body.append((i, ln))
    fps = fps or FrameRate.parse("24")
    start = start or "01:00:00:00"
    if not body:
        raise InputError("no scene rows", path=path)
    rows = list(csv.reader(io.StringIO("\n".join(ln for _, ln in body))))
    head = [c.strip().lower() for c in rows[0]]
    if "scene" not in head or "start" not in head:
        raise InputError("the first row must name the columns 'scene' and 'start'", path=path,
                         line=body[0][0], field="header")
    si, ti = head.index("scene"), head.index("start")
    out = SceneCuts(fps, start, path=path)
    for (lineno, _), row in zip(body[1:], rows[1:], strict=True):
        if len(row) <= max(si, ti):
            raise InputError(f"expected {len(head)} columns, found {len(row)}", path=path,
                             line=lineno)
        num, heading = _scene_ref(row[si])
        if num is None and not heading:
            raise InputError("the scene is empty", path=path, line=lineno, field="scene")
        out.cuts.append(SceneCut(_time(row[ti], fps, start, path, lineno, "start"), num,
                                 heading, lineno))
    if not out.cuts:
        raise InputError("no scene rows under the header", path=path)
    return out


def parse_scene_cuts_edl(text: str, path: str = "<edl>", rate: FrameRate | None = None,
                         start_tc: str | None = None) -> SceneCuts:
    fps = rate
    if fps is None:
        drop = bool(re.search(r"^\s*FCM\s*:\s*DROP", text, re.I | re.M))
        fps = FrameRate.parse("29.97", drop=True) if drop else FrameRate.parse("24")
    events: list[dict[str, Any]] = []
    for i, ln in enumerate(text.split("\n"), 1):
        m = _EVENT.match(ln)
        if m:
            rec_in = m.group(8)
            events.append({"line": i, "rec": rec_in, "number": None, "heading": "",
                           "video": "V" in m.group(3).upper()})
            continue
        if not events:
            continue
        n = _SCENE_NOTE.match(ln)
        if n:
            num, heading = _scene_ref(n.group(1))
            events[-1]["number"], events[-1]["heading"] = num, heading
            continue
        c = _CLIP_NAME.match(ln)
        if c and events[-1]["number"] is None and not events[-1]["heading"]:
            s = _SC_IN_NAME.search(c.group(1))
            if s:
                events[-1]["number"] = int(s.group(1))
    events = [e for e in events if e["video"]] or events
    if not events:
        raise InputError("no events in the EDL", path=path)
    start = start_tc or events[0]["rec"]
    named = any(e["number"] is not None or e["heading"] for e in events)
    out = SceneCuts(fps, start, path=path, by_order=not named)
    seen: set[Any] = set()
    for k, e in enumerate(events, 1):
        num = e["number"] if named else k
        key = num if num is not None else e["heading"]
        if named and num is None and not e["heading"]:
            continue  # a shot inside a scene
        if key in seen:
            continue  # later shots of a scene already started
        seen.add(key)
        out.cuts.append(SceneCut(_time(e["rec"], fps, start, path, e["line"], "record in"),
                                 num, e["heading"], e["line"]))
    return out


def load_scene_cuts(path: str | Path, rate: FrameRate | None = None,
                    start_tc: str | None = None) -> SceneCuts:
    """Read scene starts from ``.csv`` or ``.edl`` (see the module docstring)."""
    p = Path(path)
    text = read_text(p, what="scene cuts")
    if p.suffix.lower() == ".edl":
        return parse_scene_cuts_edl(text, str(p), rate, start_tc)
    return parse_scene_cuts_csv(text, str(p), rate, start_tc)


def _norm_heading(h: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", h.lower()).strip()


def match_scenes(cuts: SceneCuts, scenes: list[Any]) -> dict[int, float]:
    """``{scene index (0-based): film seconds}``; numbers are 1-based scene numbers, and a
    heading must match one scene of the script (the first not yet placed)."""
    out: dict[int, float] = {}
    for c in cuts.cuts:
        if c.number is not None:
            idx = c.number - 1
            if not 0 <= idx < len(scenes):
                raise InputError(f"scene {c.number} is not in the script ({len(scenes)} "
                                 "scenes)", path=cuts.path, line=c.line, field="scene")
        else:
            want = _norm_heading(c.heading)
            cands = [s.index for s in scenes if _norm_heading(s.heading) == want
                     and s.index not in out]
            if not cands:
                raise InputError(f"no scene heading {c.heading!r} in the script", path=cuts.path,
                                 line=c.line, field="scene")
            idx = cands[0]
        out[idx] = c.start_s
    order = sorted(out)
    for a, b in zip(order, order[1:], strict=False):
        if out[b] < out[a]:
            raise InputError(f"scene {b + 1} starts before scene {a + 1} on the cut; scene cuts "
                             "must follow the script's order", path=cuts.path, field="start")
    return out


__all__ = ["SceneCut", "SceneCuts", "load_scene_cuts", "match_scenes", "parse_scene_cuts_csv",
           "parse_scene_cuts_edl"]
