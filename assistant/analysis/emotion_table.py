"""The emotion -> music defaults table: the project's own, documented here.

When a brief (or an analysed cue) names a feeling but not a tempo, mode, loudness, register
or density, these rows fill the gaps. Explicit instructions in a brief always win: a row
only fills fields the text left open. ``scoring-assistant brief --table`` prints the table,
and every default a brief takes from it is cited in the brief's evidence as
``emotion table: <row>``.

Sources of the directions (the numbers are this project's design defaults, not measured
values): Gabrielsson & Lindstr\u00f6m (2010), "The role of structure in the musical expression
of emotions"; Juslin & Laukka (2003), "Communication of emotions in vocal expression and
music performance"; Eerola, Friberg & Bresin (2013), "Emotional expression in music:
contribution, linearity, and additivity of primary musical cues". Mode matters most, then
tempo, register, loudness, articulation and timbre, and the effects add up roughly
linearly: arousal drives tempo, loudness and density; valence drives mode and register.

=========== ========= ========= ======== ========= ======= ==================================
row         BPM       mode      register dynamics  density colours
=========== ========= ========= ======== ========= ======= ==================================
fear        100-160   minor     wide     pp-ff     0.60    synth pad, percussion, violin
tension     60-100    minor     low      p-f       0.50    cello, double bass, timpani
sadness     50-75     minor     low      p-mp      0.30    cello, piano
tenderness  60-85     major     mid      p-mf      0.40    violin, viola, cello, flute
joy         110-140   major     high     mf-f      0.60    flute, clarinet, oboe, violin
triumph     90-130    major     wide     f-ff      0.80    horn, trumpet, trombone, timpani
anger       120-180   minor     low      f-ff      0.80    horn, trombone, drums
mystery     50-80     modal     high     pp-mp     0.30    celesta, harp, choir
urgency     120-160   minor     wide     mf-ff     0.75    violin, drums, horn
calm        55-75     major     mid      pp-mp     0.25    harp, flute, piano
epic        80-120    (open)    wide     f-ff      0.85    horn, choir, timpani, trombone
=========== ========= ========= ======== ========= ======= ==================================

The first eight rows follow the literature's categories; urgency, calm and epic are derived
from the same directions (high arousal and tension; low arousal, positive valence; large
scale). Tags of :mod:`assistant.analysis.moods` map to rows through :data:`TAG_ROW`.

>>> ROWS["sadness"].tempo_bpm, ROWS["sadness"].mode
((50, 75), 'minor')
>>> row_for_tags(["grief", "tender"], arousal=-0.4)
'sadness'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mode = Literal["major", "minor", "modal"]
Register = Literal["low", "mid", "high", "wide"]

#: how a brief's evidence names the table (it ships with the package)
CITATION = "emotion table"


@dataclass(frozen=True)
class EmotionRow:
    """Musical defaults for one emotion (units: BPM, dynamics pp..ff, density 0..1)."""

    tempo_bpm: tuple[float, float]
    mode: Mode | None
    register: Register
    dynamics: tuple[str, str]
    density: float
    colours: tuple[str, ...]


ROWS: dict[str, EmotionRow] = {
    "fear": EmotionRow((100, 160), "minor", "wide", ("pp", "ff"), 0.6,
                       ("synth_pad", "percussion", "violin")),
    "tension": EmotionRow((60, 100), "minor", "low", ("p", "f"), 0.5,
                          ("cello", "double_bass", "timpani")),
    "sadness": EmotionRow((50, 75), "minor", "low", ("p", "mp"), 0.3, ("cello", "piano")),
    "tenderness": EmotionRow((60, 85), "major", "mid", ("p", "mf"), 0.4,
                             ("violin", "viola", "cello", "flute")),
    "joy": EmotionRow((110, 140), "major", "high", ("mf", "f"), 0.6,
                      ("flute", "clarinet", "oboe", "violin")),
    "triumph": EmotionRow((90, 130), "major", "wide", ("f", "ff"), 0.8,
                          ("horn", "trumpet", "trombone", "timpani")),
    "anger": EmotionRow((120, 180), "minor", "low", ("f", "ff"), 0.8,
                        ("horn", "trombone", "drums")),
    "mystery": EmotionRow((50, 80), "modal", "high", ("pp", "mp"), 0.3,
                          ("celesta", "harp", "choir")),
    "urgency": EmotionRow((120, 160), "minor", "wide", ("mf", "ff"), 0.75,
                          ("violin", "drums", "horn")),
    "calm": EmotionRow((55, 75), "major", "mid", ("pp", "mp"), 0.25, ("harp", "flute", "piano")),
    "epic": EmotionRow((80, 120), None, "wide", ("f", "ff"), 0.85,
                       ("horn", "choir", "timpani", "trombone")),
}
#: the rows that come straight from the literature's categories (preferred when tags mix)
PRIMARY_ROWS: tuple[str, ...] = ("fear", "tension", "sadness", "tenderness", "joy", "triumph",
                                 "anger", "mystery")
#: mood tag -> row
TAG_ROW: dict[str, str] = {
    "dread": "fear", "eerie": "mystery", "mysterious": "mystery", "anxious": "tension",
    "urgent": "urgency", "furious": "anger", "grief": "sadness", "melancholy": "sadness",
    "lonely": "sadness", "tender": "tenderness", "romantic": "tenderness",
    "nostalgic": "tenderness", "bittersweet": "tenderness", "serene": "calm",
    "hopeful": "joy", "playful": "joy", "whimsical": "joy", "triumphant": "triumph",
    "heroic": "triumph", "epic": "epic",
}


def row_for_tags(tags: list[str], arousal: float = 0.0) -> str | None:
    """The row whose defaults apply: the first tag mapping to a primary row, else the first
    tag with a derived row. Slow menace (dread at low arousal) is the tension row."""
    found: list[str] = []
    for t in tags:
        if t in TAG_ROW:
            row = TAG_ROW[t]
            if t == "dread" and arousal < 0.35:
                row = "tension"
            found.append(row)
    for row in found:
        if row in PRIMARY_ROWS:
            return row
    return found[0] if found else None


def row_for_values(valence: float, arousal: float, tension: float) -> str:
    """The row for a point in valence/arousal/tension space (no tag to go by)."""
    if valence >= 0:
        if arousal >= 0.2:
            return "joy"
        return "calm" if arousal <= -0.25 and tension < 0.2 else "tenderness"
    if arousal >= 0.3:
        return "anger" if tension < 0.6 else "fear"
    return "tension" if tension >= 0.55 else "sadness"


def table_text() -> str:
    """The table as plain text (``scoring-assistant brief --table``)."""
    lines = ["Emotion -> music defaults (the project's table; explicit words in a brief win)",
             f"{'row':<11} {'BPM':<9} {'mode':<7} {'register':<8} {'dynamics':<9} "
             f"{'density':<7} colours"]
    for name, r in ROWS.items():
        lines.append(f"{name:<11} {r.tempo_bpm[0]:g}-{r.tempo_bpm[1]:g}".ljust(21)
                     + f" {r.mode or '(open)':<7} {r.register:<8} "
                     f"{r.dynamics[0] + '-' + r.dynamics[1]:<9} {r.density:<7.2f} "
                     + ", ".join(r.colours))
    lines.append("tags -> rows: " + ", ".join(f"{t}={r}" for t, r in TAG_ROW.items()))
    return "\n".join(lines)


__all__ = ["CITATION", "PRIMARY_ROWS", "ROWS", "TAG_ROW", "EmotionRow", "row_for_tags",
           "row_for_values", "table_text"]
