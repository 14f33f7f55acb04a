"""Figures for the studio: the film's emotional curve with its cues, and a piano roll.

Each function returns a matplotlib ``Figure`` built without pyplot (so concurrent
sessions never share pyplot's global state); ``gr.Plot`` shows it, and ``save_png``
writes it for the tests and the export.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from assistant.project import atomic_write_bytes

_FUNCTION_COLOURS = {
    "action": "#c0392b", "build_tension": "#8e44ad", "sting": "#e67e22", "romance": "#e84393",
    "triumph": "#f1c40f", "comedy": "#27ae60", "inner_state": "#2980b9", "bookend": "#34495e",
    "source": "#7f8c8d", "transition": "#16a085", "establish_setting": "#1abc9c",
    "theme_statement": "#d35400",
}


def emotional_curve(analysis: dict[str, Any], cues: list[dict[str, Any]] | None = None) -> Figure:
    """Valence, arousal and tension per scene over film time, cues as shaded spans."""
    fig = Figure(figsize=(10, 3.6), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    pts = analysis.get("emotional_curve", [])
    xs = [(p["start_s"] + p["duration_s"] / 2) / 60 for p in pts]
    for key, colour in (("valence", "#2e86de"), ("arousal", "#ee5253"), ("tension", "#222f3e")):
        ax.plot(xs, [p[key] for p in pts], marker="o", ms=3, lw=1.6, label=key, color=colour)
    cues = cues if cues is not None else analysis.get("cues", [])
    for c in cues:
        fn = c.get("function") or ""
        ax.axvspan(c["start_s"] / 60, c["end_s"] / 60, alpha=0.18,
                   color=_FUNCTION_COLOURS.get(fn, "#95a5a6"))
        ax.text((c["start_s"] + c["end_s"]) / 120, 1.02, c["id"], ha="center", va="bottom",
                fontsize=7, rotation=90)
    ax.set_xlim(0, max([analysis.get("duration_s", 0) / 60] + [x + 0.2 for x in xs]
                       + [c["end_s"] / 60 + 0.1 for c in cues]))
    ax.set_ylim(-1.05, 1.3)
    ax.axhline(0, color="#999", lw=0.6)
    ax.set_xlabel("film time (minutes)")
    ax.set_ylabel("mood")
    ax.set_title("Emotional curve of the script, with the cues (shaded by function)", fontsize=10)
    ax.legend(loc="lower left", fontsize=8, ncol=3)
    fig.tight_layout()
    return fig


def piano_roll(score: Any, hits_beats: list[float] | None = None, title: str = "") -> Figure:
    """Every note as a bar (pitch over beats), one colour per part; hits as red lines."""
    fig = Figure(figsize=(10, 3.4), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    palette = ["#2e86de", "#10ac84", "#ee5253", "#ff9f43", "#5f27cd", "#222f3e", "#01a3a4"]
    lo, hi = 127, 0
    for i, part in enumerate(score.parts):
        if not part.notes:
            continue
        colour = palette[i % len(palette)]
        pitches = [n.pitch for n in part.notes]
        ax.barh(pitches, [max(n.dur_beats, 0.05) for n in part.notes],
                left=[n.start_beats for n in part.notes], height=0.8, color=colour, alpha=0.85,
                linewidth=0)
        lo, hi = min(lo, *pitches), max(hi, *pitches)
        ax.plot([], [], color=colour, lw=6, label=part.instrument or part.name)
    for b in hits_beats or []:
        ax.axvline(b, color="#c0392b", lw=1, ls="--")
    if hi >= lo:
        ax.set_ylim(lo - 2, hi + 2)
    ax.set_xlim(0, max(score.duration_beats, 1.0))
    ax.set_xlabel("beats (quarter notes)")
    ax.set_ylabel("MIDI pitch")
    ax.set_title(title or "Piano roll", fontsize=10)
    if any(p.notes for p in score.parts):
        ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


def save_png(fig: Figure, path: Path) -> Path:
    """Write a figure as PNG atomically."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    atomic_write_bytes(path, buf.getvalue())
    return path


def passages_side_by_side(passage: dict[str, Any], draft: str, temp: str) -> Figure:
    """The closest matching passage of a draft and a temp track, each as its melody
    (pitch per note), on one pitch axis so that a copy looks like a copy."""
    fig = Figure(figsize=(10, 3.2), dpi=100)
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2, sharey=None)
    for ax, key, name, colour, (a, b) in (
            (left, "a_excerpt", draft, "#2e86de", ("a_start_beat", "a_end_beat")),
            (right, "b_excerpt", temp, "#ee5253", ("b_start_beat", "b_end_beat"))):
        pitches = passage.get(key) or []
        ax.step(range(len(pitches)), pitches, where="post", color=colour, lw=1.8)
        ax.plot(range(len(pitches)), pitches, "o", color=colour, ms=4)
        ax.set_title(f"{name}: beats {passage.get(a, 0):g}-{passage.get(b, 0):g}", fontsize=9)
        ax.set_xlabel("note")
        ax.grid(alpha=0.3)
    left.set_ylabel("MIDI pitch")
    lo = min((passage.get("a_excerpt") or [60]) + (passage.get("b_excerpt") or [60])) - 2
    hi = max((passage.get("a_excerpt") or [60]) + (passage.get("b_excerpt") or [60])) + 2
    for ax in (left, right):
        ax.set_ylim(lo, hi)
    fig.suptitle(f"Closest passage: score {passage.get('score', 0):.2f}, transposed "
                 f"{passage.get('transposition', 0):+d} semitones", fontsize=10)
    fig.tight_layout()
    return fig
