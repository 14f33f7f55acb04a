"""Cue list and the performing-rights cue sheet (CSV + HTML) with validation.

The CSV carries the fields of the template ASCAP and BMI share, one row per cue and
interested party (the flat layout cue-sheet services import; a spreadsheet filter on
``role`` gives the composers or the publishers):

``production_title, episode, version, production_length, sequence, cue_number,
cue_title, usage, timing_in, timing_out, duration, role, name, society, ipi, share``

* ``usage``: BI (background instrumental), BV (background vocal), VI (visual
  instrumental), VV (visual vocal), MT (main title), ET (end title). It comes from the
  cue's function and diegesis: ``source`` (or a cue marked diegetic) is VI, or VV when
  voices sing; ``bookend`` is MT for the first bookend (or a title naming "main") and ET
  for the last (or one naming "end"); every other cue is BI, or BV with voices. A
  ``usage`` in contributors.json overrides it.
* ``timing_in``/``timing_out`` are SMPTE labels at the project rate; ``duration`` and
  ``production_length`` are minutes:seconds, part seconds rounded **up** (a cue of
  42 s 12 frames is ``00:43``), as societies count used time.
* parties come from the project's ``contributors.json`` (:mod:`.contributors`).

:meth:`CueSheet.problems` lists what stops the sheet from being filed: unfilled
``FILL IN`` fields, shares that do not add to 100 % per role, overlapping cues, total
music longer than the production, usage codes outside the six.
"""

from __future__ import annotations

import csv
import html
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from assistant.errors import InputError
from assistant.project import Cue, FilmProject
from assistant.render.contributors import Contributors, Party
from assistant.timecode import seconds_to_frames

UNSURE_BELOW = 0.55  # a proposed function whose probability is below this is flagged "?"
USAGE_CODES = ("BI", "BV", "VI", "VV", "MT", "ET")
USAGE_NAMES = {"BI": "background instrumental", "BV": "background vocal",
               "VI": "visual instrumental", "VV": "visual vocal", "MT": "main title",
               "ET": "end title"}
PLANNING_LABEL = "PLANNING - spotting list, not the music delivered; do not file"
COLUMNS = ("production_title", "episode", "version", "production_length", "sequence",
           "cue_number", "cue_title", "usage", "timing_in", "timing_out", "duration", "role",
           "name", "society", "ipi", "share")


def mmss(seconds: float) -> str:
    """Minutes:seconds with part seconds rounded up (minutes may pass 59).

    >>> mmss(42.5), mmss(60), mmss(3725.01)
    ('00:43', '01:00', '62:06')
    """
    s = max(0, math.ceil(round(float(seconds), 6)))
    return f"{s // 60:02d}:{s % 60:02d}"


def duration_label(seconds: float, project: FilmProject) -> str:
    """Duration as mm:ss (see :func:`mmss`), the form a cue sheet and a cue list use."""
    return mmss(float(Fraction(seconds_to_frames(Fraction(repr(float(seconds))), project.rate))
                      / project.rate.fps))


def usage_code(cue: Cue, first_bookend: bool, last_bookend: bool, vocal: bool = False) -> str:
    """The usage code for ``cue`` (module docstring)."""
    title = (cue.title or "").lower()
    if cue.source or cue.function == "source":
        return "VV" if vocal else "VI"
    if cue.function == "bookend":
        if "end" in title.split() or "end title" in title or "credits" in title:
            return "ET"
        if "main" in title or first_bookend:
            return "MT"
        if last_bookend:
            return "ET"
    return "BV" if vocal else "BI"


def production_length_s(project: FilmProject, contributors: Contributors) -> float:
    """The production's length: from contributors.json, else the film (scenes and cues)."""
    if contributors.production_length_s:
        return float(contributors.production_length_s)
    ends = [c.end_s for c in project.cues] + [s.start_s + s.duration_s for s in project.scenes]
    return max(ends, default=0.0)


@dataclass
class SheetCue:
    sequence: int
    cue: Cue
    title: str
    usage: str
    timing_in: str
    timing_out: str
    duration_s: float
    composers: list[Party]
    publishers: list[Party]


@dataclass
class CueSheet:
    """A filled-in cue sheet for one production (build it with :meth:`build`)."""

    production_title: str
    episode: str
    version: str
    production_length_s: float
    cues: list[SheetCue] = field(default_factory=list)
    unfilled: bool = True
    rate_label: str = "24"
    planning: bool = False  # the whole spotting list, not the music delivered

    @classmethod
    def build(cls, project: FilmProject, contributors: Contributors | None = None, *,
              vocal: dict[str, bool] | None = None, cue_ids: Iterable[str] | None = None,
              planning: bool = False) -> CueSheet:
        """The sheet of the cues in ``cue_ids`` (the music delivered: what a rights
        society wants; None = every cue). ``planning=True`` makes a *planning* sheet of
        every spotted cue, labelled as such in its version field, its HTML title and its
        problems (so it is never filed by mistake)."""
        c = contributors or Contributors()
        vocal = vocal or {}
        ordered = sorted(project.cues, key=lambda x: x.start_s)
        bookends = [x.id for x in ordered if x.function == "bookend"]  # of the whole film
        if planning:
            cue_ids = None
        if cue_ids is not None:
            wanted = set(cue_ids or ())
            unknown = wanted - {x.id for x in ordered}
            if unknown:
                raise InputError(f"delivered cue(s) {sorted(unknown)} are not in the project's "
                                 "spotting list", field="cue_sheet")
            ordered = [x for x in ordered if x.id in wanted]
        version = c.version
        if planning:
            version = f"{c.version} {PLANNING_LABEL}".strip()
        sheet = cls(c.production_title or project.title, c.episode, version,
                    production_length_s(project, c), unfilled=c.unfilled,
                    rate_label=project.rate.label, planning=planning)
        for i, cue in enumerate(ordered, start=1):
            comps, pubs, override = c.for_cue(cue.id)
            usage = override.get("usage") or usage_code(
                cue, bool(bookends) and cue.id == bookends[0],
                bool(bookends) and cue.id == bookends[-1] and len(bookends) > 1,
                bool(vocal.get(cue.id)))
            dur = float(Fraction(seconds_to_frames(Fraction(repr(cue.duration_s)), project.rate))
                        / project.rate.fps)
            sheet.cues.append(SheetCue(
                i, cue, override.get("title") or cue.title or cue.id, usage,
                cue.start_tc or project.film_s_to_tc(cue.start_s),
                cue.end_tc or project.film_s_to_tc(cue.end_s), dur, list(comps), list(pubs)))
        return sheet

    # --- validation -----------------------------------------------------------------
    def problems(self) -> list[str]:
        """Everything that stops the sheet from being filed (empty list = valid)."""
        out = []
        if self.planning:
            out.append("planning sheet: lists every spotted cue, not the music delivered")
        if self.unfilled:
            out.append("contributors.json still has FILL IN fields (names, societies, IPI)")
        for sc in self.cues:
            for role, parties in (("composer", sc.composers), ("publisher", sc.publishers)):
                if not parties:
                    out.append(f"{sc.cue.id}: no {role}")
                    continue
                total = sum(p.share for p in parties)
                if abs(total - 100.0) > 0.01:
                    out.append(f"{sc.cue.id}: {role} shares add to {total:g} %, not 100 %")
                for p in parties:
                    if not p.unfilled and p.ipi and not (p.ipi.isdigit() and 9 <= len(p.ipi) <= 11):
                        out.append(f"{sc.cue.id}: {role} {p.name}: IPI {p.ipi!r} is not 9-11 digits")
            if sc.usage not in USAGE_CODES:
                out.append(f"{sc.cue.id}: usage {sc.usage!r} is not one of {', '.join(USAGE_CODES)}")
        for a, b in zip(self.cues, self.cues[1:], strict=False):
            if b.cue.start_s < a.cue.end_s - 1e-6:
                out.append(f"{a.cue.id} ({a.timing_in}-{a.timing_out}) overlaps {b.cue.id} "
                           f"({b.timing_in}-{b.timing_out})")
        total = self.total_s
        if total > self.production_length_s + 1e-6:
            out.append(f"total music {mmss(total)} exceeds the production length "
                       f"{mmss(self.production_length_s)}")
        return out

    def validate(self) -> None:
        """Raise InputError naming the first problem (for a strict export)."""
        probs = self.problems()
        if probs:
            raise InputError(f"cue sheet not ready: {probs[0]}"
                             + (f" (+{len(probs) - 1} more)" if len(probs) > 1 else ""),
                             field="cue_sheet")

    @property
    def total_s(self) -> float:
        return sum(sc.duration_s for sc in self.cues)

    # --- output ---------------------------------------------------------------------
    def rows(self) -> list[dict[str, str]]:
        out = []
        for sc in self.cues:
            for role, parties in (("composer", sc.composers), ("publisher", sc.publishers)):
                for p in parties:
                    out.append({
                        "production_title": self.production_title, "episode": self.episode,
                        "version": self.version,
                        "production_length": mmss(self.production_length_s),
                        "sequence": str(sc.sequence), "cue_number": sc.cue.id,
                        "cue_title": sc.title, "usage": sc.usage, "timing_in": sc.timing_in,
                        "timing_out": sc.timing_out, "duration": mmss(sc.duration_s),
                        "role": role, "name": p.name, "society": p.society, "ipi": p.ipi,
                        "share": f"{p.share:g}",
                    })
        return out

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(self.rows())
        return buf.getvalue()

    def to_html(self) -> str:
        e = html.escape

        def people(ps: list[Party]) -> str:
            return "<br>".join(f"{e(p.name)} ({e(p.society)}, IPI {e(p.ipi)}) {p.share:g}%"
                               for p in ps)

        rows = "\n".join(
            f"<tr><td>{sc.sequence}</td><td>{e(sc.cue.id)}</td><td>{e(sc.title)}</td>"
            f"<td title='{e(USAGE_NAMES.get(sc.usage, '?'))}'>{e(sc.usage)}</td>"
            f"<td>{e(sc.timing_in)}</td><td>{e(sc.timing_out)}</td><td>{mmss(sc.duration_s)}</td>"
            f"<td>{people(sc.composers)}</td><td>{people(sc.publishers)}</td></tr>"
            for sc in self.cues)
        probs = self.problems()
        status = ("<p class='bad'>Not ready to file:</p><ul>"
                  + "".join(f"<li>{e(p)}</li>" for p in probs) + "</ul>") if probs else \
            "<p class='ok'>Validated: shares, timings, usage codes and total length.</p>"
        sub = " &middot; ".join(e(x) for x in (self.episode, self.version) if x)
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cue sheet - {e(self.production_title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:4px 8px;vertical-align:top}}.bad{{color:#a00}}
.ok{{color:#070}}</style></head><body>
<h1>{"PLANNING " if self.planning else ""}Music cue sheet: {e(self.production_title)}</h1>
{f"<p class='bad'>{e(PLANNING_LABEL)}</p>" if self.planning else ""}
<p>{sub}</p>
<p>Production length {mmss(self.production_length_s)} &middot; {len(self.cues)} cues &middot;
total music {mmss(self.total_s)} &middot; timings at {e(self.rate_label)} fps</p>
{status}
<table><tr><th>#</th><th>Cue</th><th>Title</th><th>Usage</th><th>In</th><th>Out</th>
<th>Duration</th><th>Composer(s)</th><th>Publisher(s)</th></tr>
{rows}
</table>
<p>Usage: BI background instrumental, BV background vocal, VI visual instrumental,
VV visual vocal, MT main title, ET end title.</p>
</body></html>
"""


def cue_sheet_csv(project: FilmProject, contributors: Contributors | None = None) -> str:
    """The cue sheet CSV of ``project`` (contributors' defaults when none is given)."""
    return CueSheet.build(project, contributors).to_csv()


def cue_list_text(project: FilmProject) -> str:
    """The cue list a music editor reads: id, in, out, duration, function, hits, title."""
    rate = project.rate.label
    lines = [f"{project.title} - cue list ({rate} fps, start {project.start_tc})",
             f"{'cue':<6} {'in':<12} {'out':<12} {'dur':<6} {'function':<16} {'hits':>4} "
             f"{'dlg':>3}  title"]
    unsure = 0
    for c in sorted(project.cues, key=lambda c: c.start_s):
        fn = c.function or "?"
        if c.function_from == "proposed":
            fn += "*"
            if c.function_scores and max(c.function_scores.values()) < UNSURE_BELOW:
                fn += "?"
                unsure += 1
        lines.append(
            f"{c.id:<6} {c.start_tc or project.film_s_to_tc(c.start_s):<12} "
            f"{c.end_tc or project.film_s_to_tc(c.end_s):<12} {duration_label(c.duration_s, project):<6} "
            f"{fn:<16} {len(c.hits):>4} {'yes' if c.dialogue else '':>3}  {c.title}")
    total = sum(c.duration_s for c in project.cues)
    lines.append(f"{len(project.cues)} cues, {sum(len(c.hits) for c in project.cues)} hits, "
                 f"{mmss(total)} (mm:ss) of music")
    if any(c.function_from == "proposed" for c in project.cues):
        lines.append("* function proposed by the assistant (not in the spotting list)"
                     + (f"; ? = unsure ({unsure}), please confirm" if unsure else ""))
    return "\n".join(lines)

