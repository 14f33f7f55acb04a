"""Tune roles at note level: which notes of a cue carry a tune and which accompany it.

A whole cue's draft has a melody, perhaps a counter-melody, and accompaniment: harmony
(pads, chorales, arpeggios, pulses), a bass line, ostinati and percussion. Only the tunes
are compared as tunes; accompaniment figures (broken chords, scalar runs, repeated
patterns) are the common stock of music, so they are checked with a stricter evidence
test (``figure=True`` in :func:`assistant.guard.similarity.compare`): a horn's
broken-chord ostinato that happens to run like a jig is not a copy of the jig.

Roles come from, in order:

* the draft's own artefacts: each MIDI track carries its part's role (a
  sequencer-specific meta event written by :meth:`assistant.music.score.Score.to_midi`),
  ``draft.json`` lists ``roles`` per instrument and the form's sections say where a
  melody is stated (``melody: "none"`` sections state none). A tune part's notes in a
  section that states no tune, or that repeat a short pattern there (the part plays an
  ostinato in that section), are accompaniment;
* for a plain MIDI or MusicXML file (a user's file, a temp track), inference: per
  window of ``WINDOW_BEATS``, percussion is percussion, the lowest sounding part is the
  bass, a line made mostly of generic figures (:func:`assistant.guard.information.generic_mask`:
  scale runs, broken chords, repeated notes, a pattern repeated at a short period) is an
  accompaniment figure, and the other lines, highest first, are tunes.

A part that plays the tune in one section and an ostinato in the next gives two lines:
its tune notes and its figure notes. Every line carries ``meta["role"]`` (melody,
counter_melody, harmony, bass, ...), ``meta["kind"]`` (``tune`` or ``figure``) and
``meta["part"]``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.guard.information import generic_mask, periodic_mask
from assistant.guard.melody import MIN_NOTES, Melody, line_from_notes

log = logging.getLogger(__name__)

TUNE_ROLES = ("melody", "counter_melody")
#: a window of a line with at least this share of generic notes is an accompaniment figure
FIGURE_SHARE = 0.6
#: window of the inference when the form's sections are unknown (quarter-note beats)
WINDOW_BEATS = 16.0
#: a window with fewer notes takes the kind of its part's whole line
MIN_WINDOW_NOTES = 12


@dataclass
class RoleHints:
    """What the draft says: ``parts`` maps a part (instrument id or track name) to its role;
    ``sections`` are the form's (start beat, end beat, states a melody)."""

    parts: dict[str, str] = field(default_factory=dict)
    sections: list[tuple[float, float, bool]] = field(default_factory=list)

    @classmethod
    def from_draft(cls, draft: dict[str, Any]) -> RoleHints:
        """From a revision's ``draft.json`` (:mod:`assistant.pipeline.drafting`)."""
        parts = {str(k): str(v) for k, v in (draft.get("roles") or {}).items()}
        sections = []
        for s in draft.get("form") or []:
            try:
                # a section says "none" when it states no tune; without the key, no claim
                sections.append((float(s["start_beat"]), float(s["end_beat"]),
                                 str(s.get("melody", "?")) not in ("none", "")))
            except (KeyError, TypeError, ValueError):
                continue
        return cls(parts, sorted(sections))

    @classmethod
    def from_file(cls, path: str | Path) -> RoleHints:
        """From a ``draft.json`` path (missing or unreadable: no hints)."""
        try:
            return cls.from_draft(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("no role hints from %s: %s", path, exc)
            return cls()


def _windows(end_beat: float, hints: RoleHints) -> list[tuple[float, float, bool | None]]:
    """(start, end, states a melody?) windows: the form's sections, else fixed windows."""
    if hints.sections:
        secs = list(hints.sections)
        if secs[-1][1] < end_beat:  # notes ringing past the last section
            secs.append((secs[-1][1], end_beat + 1.0, secs[-1][2]))
        if secs[0][0] > 0.0:
            secs.insert(0, (0.0, secs[0][0], secs[0][2]))
        return [(a, b, m) for a, b, m in secs]
    n = max(1, int(np.ceil((end_beat + 1e-6) / WINDOW_BEATS)))
    return [(k * WINDOW_BEATS, (k + 1) * WINDOW_BEATS, None) for k in range(n)]


def is_figure(notes: Sequence[tuple[int, float, float]], ostinato_only: bool = False) -> bool:
    """True when the line of ``notes`` is mostly generic figures (see the module docstring);
    ``ostinato_only``: mostly a pattern repeated at a short period (a part the draft calls a
    tune is demoted only by that: a plain tune of repeated notes is still its tune)."""
    if len(notes) < MIN_NOTES:
        return True  # a few notes (a stab, a held chord) are no tune
    line = line_from_notes(notes)
    if len(line) < MIN_NOTES:
        return True
    mask = periodic_mask(line) if ostinato_only else generic_mask(line)
    return float(mask.mean()) >= FIGURE_SHARE


def _part_key(part: Any, hints: RoleHints) -> str:
    for k in (getattr(part, "instrument", ""), getattr(part, "name", "")):
        if k and k in hints.parts:
            return k
    return ""


def role_lines(score: Any, hints: RoleHints | None = None, name: str = "",
               min_notes: int = MIN_NOTES) -> list[Melody]:
    """The tune lines and the figure lines of a score (see the module docstring)."""
    hints = hints or RoleHints()
    parts = [p for p in getattr(score, "parts", []) if p.notes and not p.is_drum]
    if not parts:
        return []
    end = max(n.start_beats + n.dur_beats for p in parts for n in p.notes)
    windows = _windows(end, hints)
    # per part: (role, kind) of its notes in every window
    kinds: list[list[tuple[str, str]]] = [[("", "")] * len(windows) for _ in parts]
    whole = [is_figure([(n.pitch, n.start_beats, n.dur_beats) for n in p.notes]) for p in parts]
    for w, (a, b, states_tune) in enumerate(windows):
        inside = []
        for k, p in enumerate(parts):
            ns = [(n.pitch, n.start_beats, n.dur_beats) for n in p.notes
                  if a - 1e-6 <= n.start_beats < b - 1e-6]
            if ns:
                inside.append((k, ns))
        if not inside:
            continue
        lowest = min(inside, key=lambda kn: float(np.mean([x[0] for x in kn[1]])))[0]
        ranked = sorted(inside, key=lambda kn: -float(np.mean([x[0] for x in kn[1]])))
        tune_taken = False
        for k, ns in ranked:
            part = parts[k]
            given = hints.parts.get(_part_key(part, hints)) or getattr(part, "role", "") or ""
            # a window decides on its own only with enough notes to judge; else the part's
            # whole line does (a tune is not cut in two at a window edge)
            figure = (is_figure(ns) if len(line_from_notes(ns)) >= MIN_WINDOW_NOTES
                      else whole[k])
            if given:
                role = given
                if role in TUNE_ROLES:  # the draft says tune: only an ostinato says otherwise
                    figure = is_figure(ns, ostinato_only=True)
                tune = role in TUNE_ROLES and not figure and states_tune is not False
                if role in TUNE_ROLES and not tune:
                    role = "ostinato" if figure else "harmony"
            else:  # inferred: the bass, figures, then tunes from the top down
                if k == lowest and len(inside) > 1:
                    role, tune = "bass", False
                elif figure:
                    role, tune = "harmony", False
                else:
                    role, tune = ("counter_melody" if tune_taken else "melody"), True
                    tune_taken = True
            kinds[k][w] = (role, "tune" if tune else "figure")
    out: list[Melody] = []
    for k, p in enumerate(parts):
        pname = getattr(p, "name", "") or getattr(p, "instrument", "") or f"part {k + 1}"
        label = f"{name}:{pname}" if name else pname
        for kind in ("tune", "figure"):
            ns = []
            roles: dict[str, int] = {}
            for w, (a, b, _) in enumerate(windows):
                role, kd = kinds[k][w]
                if kd != kind:
                    continue
                sel = [(n.pitch, n.start_beats, n.dur_beats) for n in p.notes
                       if a - 1e-6 <= n.start_beats < b - 1e-6]
                ns += sel
                roles[role] = roles.get(role, 0) + len(sel)
            if len(ns) < min_notes:
                continue
            m = line_from_notes(ns, name=label if kind == "tune" else f"{label} [figure]")
            if len(m) < min_notes:
                continue
            m.meta.update(kind=kind, role=max(roles, key=roles.get), part=pname)
            out.append(m)
    return out


def unique_lines(lines: Sequence[Melody]) -> list[Melody]:
    """Lines less the doublings (the same intervals and rhythm in another part or octave),
    the first of each kept; a tune is kept over a figure with the same notes."""
    out: dict[tuple[bytes, bytes], Melody] = {}
    for m in sorted(lines, key=lambda x: x.meta.get("kind") != "tune"):
        key = (np.diff(m.pitches.astype(np.int64)).tobytes(),
               np.round(np.diff(m.onsets_beats), 4).tobytes())
        out.setdefault(key, m)
    return list(out.values())


def load_role_lines(path: str | Path, draft_json: str | Path | None = None) -> list[Melody]:
    """Tune and figure lines of a MIDI or MusicXML file, with the draft's roles when given.
    Raises InputError for bad files (as :func:`assistant.guard.melody.load_melodies`)."""
    from assistant.errors import InputError
    from assistant.guard.melody import MIDI_SUFFIXES, load_melodies

    p = Path(path)
    hints = RoleHints.from_file(draft_json) if draft_json else RoleHints()
    if p.suffix.lower() in MIDI_SUFFIXES and p.is_file():
        from assistant.music.score import Score

        lines = role_lines(Score.from_midi(p), hints, name=p.name)
        if not lines:
            raise InputError(f"no melodic line of at least {MIN_NOTES} pitched notes", path=p)
        return lines
    # MusicXML, ABC, Humdrum: the lines as read, each inferred on its own
    out = []
    for m in load_melodies(p):
        notes = list(zip(m.pitches.tolist(), m.onsets_beats.tolist(), m.durs_beats.tolist(),
                         strict=True))
        m.meta.update(kind="figure" if is_figure(notes) else "tune", role="", part=m.name)
        out.append(m)
    return out
