"""The instrument vocabulary: ids, families, words, General MIDI programs and ranges.

This module is the one home of instrument facts for every stage (brief parsing,
orchestration, rendering). The ids and families are the contract of DESIGN.md;
extend by adding ids, never by renaming. Ranges are sounding MIDI pitches (C4 = 60),
taken from REFERENCE.md where it lists the instrument (MuseScore's amateur and
professional ranges) and from common orchestration references otherwise.

>>> family_members("brass")
('horn', 'trumpet', 'trombone', 'tuba')
>>> resolve("French horns")
('horn',)
>>> resolve("low strings")
('cello', 'double_bass')
>>> INSTRUMENTS["clarinet"].transpose_semitones
2
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "FAMILIES",
    "INSTRUMENTS",
    "INSTRUMENT_IDS",
    "Instrument",
    "InstrumentMention",
    "family_members",
    "find_instruments",
    "families_of",
    "gm_program",
    "in_range",
    "resolve",
]


@dataclass(frozen=True)
class Instrument:
    """One instrument of the vocabulary.

    ``comfortable``/``professional`` are sounding MIDI ranges (inclusive).
    ``transpose_semitones`` is written minus sounding pitch (clarinet in B-flat: +2,
    horn in F: +7, piccolo: -12). ``gm_program`` is 0-based; ``is_drum`` parts play
    on MIDI channel 10 with the GM drum map.
    """

    id: str
    name: str
    family: str
    gm_program: int
    comfortable: tuple[int, int]
    professional: tuple[int, int]
    transpose_semitones: int = 0
    clef: str = "treble"
    is_drum: bool = False
    abbreviation: str = ""
    extra_families: tuple[str, ...] = field(default_factory=tuple)

    @property
    def families(self) -> tuple[str, ...]:
        return (self.family, *self.extra_families)


def _i(id_: str, name: str, family: str, prog: int, comf: tuple[int, int], pro: tuple[int, int],
       tr: int = 0, clef: str = "treble", drum: bool = False, abbr: str = "",
       extra: tuple[str, ...] = ()) -> Instrument:
    return Instrument(id_, name, family, prog, comf, pro, tr, clef, drum, abbr, extra)


# Order = score order (woodwinds, brass, percussion, keyboards, plucked, voices, strings, electronic).
_TABLE: tuple[Instrument, ...] = (
    _i("piccolo", "Piccolo", "woodwinds", 72, (74, 105), (74, 108), -12, abbr="Picc."),
    _i("flute", "Flute", "woodwinds", 73, (60, 93), (59, 98), abbr="Fl."),
    _i("oboe", "Oboe", "woodwinds", 68, (58, 87), (58, 96), abbr="Ob."),
    _i("english_horn", "English Horn", "woodwinds", 69, (52, 81), (52, 83), 7, abbr="E.H."),
    _i("clarinet", "Clarinet in B\u266d", "woodwinds", 71, (50, 89), (50, 94), 2, abbr="Cl."),
    _i("bass_clarinet", "Bass Clarinet in B\u266d", "woodwinds", 71, (38, 72), (34, 77), 14,
       abbr="B.Cl."),
    _i("bassoon", "Bassoon", "woodwinds", 70, (34, 69), (34, 76), clef="bass", abbr="Bsn."),
    _i("horn", "Horn in F", "brass", 60, (41, 69), (31, 77), 7, abbr="Hn."),
    _i("trumpet", "Trumpet in B\u266d", "brass", 56, (52, 80), (52, 85), 2, abbr="Tpt."),
    _i("trombone", "Trombone", "brass", 57, (40, 71), (36, 74), clef="bass", abbr="Tbn."),
    _i("tuba", "Tuba", "brass", 58, (28, 58), (22, 72), clef="bass", abbr="Tba."),
    _i("timpani", "Timpani", "percussion", 47, (40, 55), (36, 60), clef="bass", abbr="Timp."),
    _i("drums", "Drum Kit", "percussion", 0, (35, 81), (35, 81), clef="percussion", drum=True,
       abbr="Dr."),
    _i("percussion", "Percussion", "percussion", 0, (35, 81), (35, 81), clef="percussion",
       drum=True, abbr="Perc."),
    _i("glockenspiel", "Glockenspiel", "percussion", 9, (79, 108), (79, 108), -24, abbr="Glk."),
    _i("piano", "Piano", "keyboards", 0, (33, 96), (21, 108), clef="grand", abbr="Pno."),
    _i("celesta", "Celesta", "keyboards", 8, (60, 108), (60, 108), -12, abbr="Cel."),
    _i("organ", "Organ", "keyboards", 19, (36, 96), (24, 108), clef="grand", abbr="Org."),
    _i("guitar", "Guitar", "plucked", 24, (40, 83), (40, 88), 12, abbr="Gtr."),
    _i("choir", "Choir", "voices", 52, (43, 79), (40, 84), clef="grand", abbr="Ch."),
    _i("voice", "Solo Voice", "voices", 53, (53, 77), (48, 84), abbr="V."),
    _i("violin", "Violin", "strings", 40, (55, 88), (55, 103), abbr="Vln."),
    _i("viola", "Viola", "strings", 41, (48, 79), (48, 93), clef="alto", abbr="Vla."),
    _i("cello", "Violoncello", "strings", 42, (36, 67), (36, 90), clef="bass", abbr="Vc."),
    _i("double_bass", "Contrabass", "strings", 43, (28, 62), (24, 67), 12, clef="bass",
       abbr="Cb."),
    _i("harp", "Harp", "strings", 46, (24, 100), (24, 104), clef="grand", abbr="Hp.",
       extra=("plucked",)),
    _i("synth_pad", "Synth Pad", "electronic", 89, (36, 96), (24, 108), abbr="Pad"),
    _i("synth_bass", "Synth Bass", "electronic", 38, (24, 60), (21, 72), clef="bass",
       abbr="S.Bass"),
    _i("synth_lead", "Synth Lead", "electronic", 81, (55, 96), (36, 108), abbr="Lead"),
)

INSTRUMENTS: dict[str, Instrument] = {ins.id: ins for ins in _TABLE}
INSTRUMENT_IDS: tuple[str, ...] = tuple(INSTRUMENTS)

#: Families exactly as DESIGN.md lists them (harp is both strings and plucked).
FAMILIES: dict[str, tuple[str, ...]] = {
    "strings": ("violin", "viola", "cello", "double_bass", "harp"),
    "woodwinds": ("flute", "piccolo", "oboe", "english_horn", "clarinet", "bass_clarinet",
                  "bassoon"),
    "brass": ("horn", "trumpet", "trombone", "tuba"),
    "percussion": ("timpani", "drums", "percussion", "glockenspiel"),
    "keyboards": ("piano", "celesta", "organ"),
    "voices": ("choir", "voice"),
    "electronic": ("synth_pad", "synth_bass", "synth_lead"),
    "plucked": ("guitar", "harp"),
}

#: Bass trombone is in REFERENCE.md's range table but not (yet) an id of its own.
EXTRA_RANGES: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "bass_trombone": ((32, 68), (27, 72)),
}

# Words and phrases -> ids. Plurals are handled by _singular(); multi-word phrases win over
# their parts ("english horn" is not "horn", "synth bass" is not "double_bass").
_F = FAMILIES
SYNONYMS: dict[str, tuple[str, ...]] = {
    # families
    "strings": _F["strings"], "string section": _F["strings"], "string orchestra": _F["strings"],
    "string": _F["strings"], "string ensemble": _F["strings"],
    "woodwinds": _F["woodwinds"], "woodwind": _F["woodwinds"], "winds": _F["woodwinds"],
    "wind section": _F["woodwinds"], "reeds": ("oboe", "english_horn", "clarinet",
                                               "bass_clarinet", "bassoon"),
    "brass": _F["brass"], "brass section": _F["brass"], "brassy": _F["brass"],
    "synthy": _F["electronic"], "synthetic": _F["electronic"], "pianistic": ("piano",), "low brass": ("trombone", "tuba"),
    "percussion": _F["percussion"], "perc": _F["percussion"], "percussive": _F["percussion"],
    "keyboards": _F["keyboards"], "keyboard": _F["keyboards"], "keys": _F["keyboards"],
    "voices": _F["voices"], "vocals": _F["voices"], "vocal": _F["voices"],
    "singing": _F["voices"], "singers": _F["voices"],
    "electronic": _F["electronic"], "electronics": _F["electronic"],
    "electronica": _F["electronic"], "synths": _F["electronic"], "synth": _F["electronic"],
    "synthesizer": _F["electronic"], "synthesiser": _F["electronic"],
    "electronic sounds": _F["electronic"], "electronic elements": _F["electronic"],
    "plucked": _F["plucked"], "plucked strings": _F["plucked"],
    "orchestra": _F["strings"] + _F["woodwinds"] + _F["brass"] + ("timpani",),
    "orchestral": _F["strings"] + _F["woodwinds"] + _F["brass"] + ("timpani",),
    "full orchestra": _F["strings"] + _F["woodwinds"] + _F["brass"] + ("timpani",),
    "low strings": ("cello", "double_bass"), "high strings": ("violin", "viola"),
    "bowed strings": ("violin", "viola", "cello", "double_bass"),
    # strings
    "violin": ("violin",), "fiddle": ("violin",), "solo violin": ("violin",),
    "viola": ("viola",), "cello": ("cello",), "violoncello": ("cello",), "celli": ("cello",),
    "double bass": ("double_bass",), "contrabass": ("double_bass",),
    "upright bass": ("double_bass",), "string bass": ("double_bass",), "bass": ("double_bass",),
    "basses": ("double_bass",), "harp": ("harp",),
    # woodwinds
    "flute": ("flute",), "alto flute": ("flute",), "piccolo": ("piccolo",),
    "oboe": ("oboe",), "english horn": ("english_horn",), "cor anglais": ("english_horn",),
    "clarinet": ("clarinet",), "bass clarinet": ("bass_clarinet",), "bassoon": ("bassoon",),
    "contrabassoon": ("bassoon",),
    # brass
    "horn": ("horn",), "french horn": ("horn",), "trumpet": ("trumpet",),
    "trombone": ("trombone",), "bass trombone": ("trombone",), "tuba": ("tuba",),
    "cornet": ("trumpet",), "flugelhorn": ("trumpet",),
    # percussion
    "timpani": ("timpani",), "timps": ("timpani",), "kettle drum": ("timpani",),
    "kettledrum": ("timpani",),
    "drum": ("drums",), "drums": ("drums",), "drum kit": ("drums",), "drumkit": ("drums",),
    "drum set": ("drums",), "kit": ("drums",), "snare": ("drums",), "snare drum": ("drums",),
    "kick": ("drums",), "kick drum": ("drums",), "toms": ("drums",), "hi-hat": ("drums",),
"taiko": ("percussion",), "taiko drum": ("percussion",),
    "cymbal": ("percussion",), "gong": ("percussion",), "tam-tam": ("percussion",),
    "shaker": ("percussion",), "tambourine": ("percussion",), "hand percussion": ("percussion",),
    "bass drum": ("percussion",), "glockenspiel": ("glockenspiel",), "glock": ("glockenspiel",),
    "bells": ("glockenspiel",), "tubular bells": ("glockenspiel",), "chimes": ("glockenspiel",),
    "xylophone": ("glockenspiel",), "marimba": ("glockenspiel",), "vibraphone": ("glockenspiel",),
    "music box": ("celesta",),
    # keyboards
    "piano": ("piano",), "grand piano": ("piano",), "upright piano": ("piano",),
    "solo piano": ("piano",), "felt piano": ("piano",), "celesta": ("celesta",),
    "celeste": ("celesta",), "organ": ("organ",), "pipe organ": ("organ",),
    "church organ": ("organ",), "harpsichord": ("piano",), "rhodes": ("piano",),
    # voices
    "choir": ("choir",), "chorus": ("choir",), "choral": ("choir",), "chorale": ("choir",),
    "voice": ("voice",), "solo voice": ("voice",), "singer": ("voice",),
    "vocalist": ("voice",), "soprano": ("voice",), "female voice": ("voice",),
    "male voice": ("voice",), "boy soprano": ("voice",),
    # plucked
    "guitar": ("guitar",), "acoustic guitar": ("guitar",), "electric guitar": ("guitar",),
    "classical guitar": ("guitar",), "nylon guitar": ("guitar",), "banjo": ("guitar",),
    "mandolin": ("guitar",), "lute": ("guitar",), "ukulele": ("guitar",),
    # electronic
    "pad": ("synth_pad",), "synth pad": ("synth_pad",), "synth pads": ("synth_pad",),
    "drone": ("synth_pad",), "synth bass": ("synth_bass",), "bass synth": ("synth_bass",),
    "808": ("synth_bass",), "synth lead": ("synth_lead",), "lead synth": ("synth_lead",),
    "arpeggiator": ("synth_lead",), "arp": ("synth_lead",),
}

# Words that name a group rather than one instrument. The brief parser uses this to tell a
# refinement ("strings but no violins") from a contradiction ("no strings, lots of violins").
_FAMILY_WORDS = {"brassy", "synthy", "synthetic",
                 "strings", "string", "string section", "string orchestra", "string ensemble",
                 "woodwinds", "woodwind", "winds", "wind section", "brass", "brass section",
                 "percussion", "perc", "percussive", "keyboards", "keyboard", "keys", "voices",
                 "vocals", "vocal", "singing", "singers", "electronic", "electronics",
                 "electronica", "synths", "synth", "synthesizer", "synthesiser",
                 "electronic sounds", "electronic elements", "plucked", "plucked strings",
                 "orchestra", "orchestral", "full orchestra", "reeds", "low brass",
                 "low strings", "high strings", "bowed strings"}

_IRREGULAR = {"celli": "cello", "basses": "bass", "timps": "timps", "keys": "keys",
              "strings": "strings", "woodwinds": "woodwinds", "winds": "winds",
              "voices": "voices", "vocals": "vocals", "synths": "synths", "reeds": "reeds",
              "electronics": "electronics", "drums": "drums", "toms": "toms", "brassy": "brassy",
              "synthy": "synthy", "bells": "bells", "chimes": "chimes"}


def _singular(word: str) -> str:
    w = word.lower()
    if w in _IRREGULAR or w in SYNONYMS:
        return _IRREGULAR.get(w, w)
    if w.endswith("ches") or w.endswith("shes"):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        return w[:-1]
    return w


def _norm_phrase(phrase: str) -> str:
    words = re.findall(r"[a-z0-9]+", phrase.lower())
    if not words:
        return ""
    words[-1] = _singular(words[-1])
    p = " ".join(words)
    return p


_NORM_SYNONYMS: dict[str, tuple[str, ...]] = {}
for _k, _v in SYNONYMS.items():
    _NORM_SYNONYMS.setdefault(_norm_phrase(_k), _v)
    _NORM_SYNONYMS.setdefault(_k, _v)
_NORM_FAMILY = {_norm_phrase(w) for w in _FAMILY_WORDS} | _FAMILY_WORDS
_MAX_WORDS = max(len(k.split()) for k in _NORM_SYNONYMS)


def resolve(phrase: str) -> tuple[str, ...]:
    """Instrument ids for a word or phrase (plural, case and hyphen tolerant); () if unknown."""
    p = phrase.strip().lower()
    if p in FAMILIES:  # "percussion" the word means the family
        return FAMILIES[p]
    if p in INSTRUMENTS:
        return (p,)
    if p.replace(" ", "_") in INSTRUMENTS:
        return (p.replace(" ", "_"),)
    return _NORM_SYNONYMS.get(p) or _NORM_SYNONYMS.get(_norm_phrase(p), ())


def family_members(family: str) -> tuple[str, ...]:
    """The ids of a family ("strings", "brass", ...); raises KeyError for an unknown family."""
    return FAMILIES[family]


def families_of(instrument_id: str) -> tuple[str, ...]:
    """All families an id belongs to."""
    return tuple(f for f, ids in FAMILIES.items() if instrument_id in ids)


def gm_program(instrument_id: str) -> int:
    """0-based General MIDI program of an id (drum parts: 0 on channel 10)."""
    return INSTRUMENTS[instrument_id].gm_program


def in_range(instrument_id: str, pitch: int, professional: bool = False) -> bool:
    """Whether a sounding MIDI pitch lies in the instrument's comfortable (or pro) range."""
    ins = INSTRUMENTS[instrument_id]
    lo, hi = ins.professional if professional else ins.comfortable
    return lo <= pitch <= hi


@dataclass(frozen=True)
class InstrumentMention:
    """An instrument word found in text: character span, the words, the ids they stand for."""

    start: int
    end: int
    text: str
    ids: tuple[str, ...]
    is_family: bool


_WORD_RE = re.compile(r"[A-Za-z0-9]+")


def find_instruments(text: str) -> list[InstrumentMention]:
    """All instrument mentions in ``text``, longest match first, left to right.

    >>> [m.ids for m in find_instruments("lose the synth pads and the French horns")]
    [('synth_pad',), ('horn',)]
    """
    words = [(m.start(), m.end(), m.group(0)) for m in _WORD_RE.finditer(text)]
    out: list[InstrumentMention] = []
    i = 0
    while i < len(words):
        hit = None
        for n in range(min(_MAX_WORDS, len(words) - i), 0, -1):
            span = words[i : i + n]
            # words of a phrase must be adjacent (only spaces between them)
            if any(text[a[1] : b[0]].strip(" -") or text[a[1] : b[0]].count("-") > 1
                   for a, b in zip(span, span[1:], strict=False)):
                continue
            phrase = " ".join(w[2] for w in span)
            ids = resolve(phrase)
            if ids:
                hit = (n, phrase, ids)
                break
        if hit is None:
            i += 1
            continue
        n, phrase, ids = hit
        start, end = words[i][0], words[i + n - 1][1]
        norm = _norm_phrase(phrase)
        out.append(InstrumentMention(start, end, text[start:end], tuple(ids),
                                     norm in _NORM_FAMILY or phrase.lower() in _NORM_FAMILY))
        i += n
    return out
