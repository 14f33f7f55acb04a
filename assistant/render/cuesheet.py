"""Cue list and performing-rights cue sheet.

The cue sheet follows the columns of the template ASCAP and BMI share: sequence, cue
number, title, usage, timing in/out, duration, composers with shares, publishers with
shares and PRO affiliation. Usage codes: BI (background instrumental), BV (background
vocal), VI (visual instrumental), VV (visual vocal), MT (main title), ET (end title).
"""

from __future__ import annotations

import csv
import io
from fractions import Fraction

from assistant.errors import InputError
from assistant.project import Cue, FilmProject
from assistant.timecode import frames_to_tc, seconds_to_frames

UNSURE_BELOW = 0.55  # a proposed function whose probability is below this is flagged "?"

CUE_SHEET_COLUMNS = (
    "sequence", "cue", "title", "usage", "timing_in", "timing_out", "duration",
    "composer", "composer_share", "publisher", "publisher_share", "pro",
)


def duration_label(seconds: float, project: FilmProject) -> str:
    """Duration as MM:SS:FF at the project rate (frames, not rounded seconds).

    >>> p = FilmProject(title="x", fps="24")
    >>> duration_label(62.5, p)
    '01:02:12'
    """
    frames = seconds_to_frames(Fraction(seconds), project.rate)
    tc = frames_to_tc(frames, project.rate.__class__(project.rate.name, False))
    hh, mm, ss, ff = tc.replace(";", ":").split(":")
    return f"{int(hh) * 60 + int(mm):02d}:{ss}:{ff}"


def usage_code(cue: Cue, first: bool, last: bool) -> str:
    """BI/VI/MT/ET from the cue's function and position (vocals are not drafted here)."""
    if cue.source or cue.function == "source":
        return "VI"
    if cue.function == "bookend" or "title" in cue.title.lower():
        if first:
            return "MT"
        if last or "end" in cue.title.lower():
            return "ET"
    return "BI"


def cue_sheet_rows(project: FilmProject, composer: str = "", publisher: str = "",
                   pro: str = "") -> list[dict[str, str]]:
    """One row per cue in film order. Raises InputError if music exceeds the programme."""
    cues = sorted(project.cues, key=lambda c: c.start_s)
    total = sum(c.duration_s for c in cues)
    programme = max([c.end_s for c in cues] + [s.start_s + s.duration_s for s in project.scenes],
                    default=0.0)
    if total > programme + 1e-6:
        raise InputError(f"total cue time {total:.1f}s exceeds the programme ({programme:.1f}s)",
                         field="cues")
    rows = []
    for i, c in enumerate(cues):
        rows.append({
            "sequence": str(i + 1),
            "cue": c.id,
            "title": c.title,
            "usage": usage_code(c, i == 0, i == len(cues) - 1),
            "timing_in": c.start_tc or project.film_s_to_tc(c.start_s),
            "timing_out": c.end_tc or project.film_s_to_tc(c.end_s),
            "duration": duration_label(c.duration_s, project),
            "composer": composer or "TBD (draft by Scoring Assistant)",
            "composer_share": "100%",
            "publisher": publisher or "TBD",
            "publisher_share": "100%",
            "pro": pro or "TBD",
        })
    return rows


def cue_sheet_csv(project: FilmProject, **kw: str) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CUE_SHEET_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(cue_sheet_rows(project, **kw))
    return buf.getvalue()


def cue_list_text(project: FilmProject) -> str:
    """The cue list a music editor reads: id, in, out, duration, function, hits, title."""
    rate = project.rate.label
    lines = [f"{project.title} - cue list ({rate} fps, start {project.start_tc})",
             f"{'cue':<6} {'in':<12} {'out':<12} {'dur':<9} {'function':<16} {'hits':>4} "
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
            f"{c.end_tc or project.film_s_to_tc(c.end_s):<12} {duration_label(c.duration_s, project):<9} "
            f"{fn:<16} {len(c.hits):>4} {'yes' if c.dialogue else '':>3}  {c.title}")
    total = sum(c.duration_s for c in project.cues)
    lines.append(f"{len(project.cues)} cues, {sum(len(c.hits) for c in project.cues)} hits, "
                 f"{duration_label(total, project)} of music")
    if any(c.function_from == "proposed" for c in project.cues):
        lines.append("* function proposed by the assistant (not in the spotting list)"
                     + (f"; ? = unsure ({unsure}), please confirm" if unsure else ""))
    return "\n".join(lines)
