"""Word tables for reading director briefs: the data the brief passes look words up in.

Kept as data, apart from the code that reads them (STYLE.md item 16): mood words and the
tags they point to, tempo and dynamics words with their ranges, mode words, density and
register words, the cue phrases that open negation / reduction / keep scopes, known
references, delta (revision) language, and comparatives. Numbers are design defaults.
"""

from __future__ import annotations

import re
from typing import Literal

try:  # the tag vocabulary lives in moods.py
    from assistant.analysis.moods import SYNONYMS as _TAG_SYNONYMS
    from assistant.analysis.moods import TAG_INFO
except ImportError:  # pragma: no cover - only before moods.py landed
    TAG_INFO = {}
    _TAG_SYNONYMS = {}

Mode = Literal["major", "minor", "modal"]

# Mood words -> tags (the moods.py SYNONYMS plus a wider director vocabulary).
_MOOD_WORDS: dict[str, tuple[str, ...]] = {
    "sorrow": ("grief",), "sorrowful": ("grief",), "grief": ("grief",), "grieving": ("grief",),
    "mourning": ("grief",), "funeral": ("grief",), "tragic": ("grief",), "tragedy": ("grief",),
    "heartbreaking": ("grief",), "heartbroken": ("grief",), "devastating": ("grief",),
    "devastated": ("grief",), "despair": ("grief",), "tearful": ("grief",),
    "tearjerker": ("grief",), "loss": ("grief",), "elegiac": ("grief", "melancholy"),
    "melancholy": ("melancholy",), "melancholic": ("melancholy",), "wistful": ("melancholy",),
    "pensive": ("melancholy",), "sombre": ("melancholy",), "somber": ("melancholy",),
    "bleak": ("melancholy",), "brooding": ("melancholy", "dread"), "gloomy": ("melancholy",),
    "downbeat": ("melancholy",), "introspective": ("melancholy",), "reflective": ("nostalgic",),
    "longing": ("nostalgic",), "yearning": ("romantic",), "nostalgia": ("nostalgic",),
    "memories": ("nostalgic",), "memory": ("nostalgic",), "lonely": ("lonely",),
    "loneliness": ("lonely",), "isolated": ("lonely",), "alone": ("lonely",),
    "empty": ("lonely",), "desolate": ("lonely",),
    "tender": ("tender",), "tenderness": ("tender",), "intimate": ("tender",),
    "loving": ("tender",), "affectionate": ("tender",), "caring": ("tender",),
    "warmth": ("tender",), "heartfelt": ("tender",), "touching": ("tender",),
    "romantic": ("romantic",), "romance": ("romantic",), "lovers": ("romantic",),
    "passionate": ("romantic",), "sensual": ("romantic",),
    "hope": ("hopeful",), "hopeful": ("hopeful",), "optimistic": ("hopeful",),
    "inspiring": ("hopeful",), "inspirational": ("hopeful",), "redemptive": ("hopeful",),
    "uplifting": ("hopeful",), "bright": ("hopeful",), "sunny": ("hopeful", "playful"),
    "joy": ("playful", "triumphant"), "joyous": ("playful", "triumphant"),
    "cheerful": ("playful",), "upbeat": ("playful",), "exuberant": ("playful",),
    "jubilant": ("triumphant",), "euphoric": ("triumphant",), "celebratory": ("triumphant",),
    "celebration": ("triumphant",), "fun": ("playful",), "light-hearted": ("playful",),
    "lighthearted": ("playful",), "mischievous": ("playful",), "bouncy": ("playful",),
    "cheeky": ("playful",), "goofy": ("playful",), "comedic": ("playful",),
    "playful": ("playful",), "whimsical": ("whimsical",), "whimsy": ("whimsical",),
    "fairy-tale": ("whimsical",), "fairytale": ("whimsical",), "enchanted": ("whimsical",),
    "triumph": ("triumphant",), "victory": ("triumphant",), "glorious": ("triumphant",),
    "majestic": ("epic",), "anthemic": ("triumphant", "epic"), "soaring": ("epic",),
    "heroism": ("heroic",), "noble": ("heroic",), "courageous": ("heroic",),
    "bold": ("heroic",), "adventurous": ("heroic",), "adventure": ("heroic",),
    "swashbuckling": ("heroic",), "huge": ("epic",), "massive": ("epic",),
    "mystery": ("mysterious",), "enigmatic": ("mysterious",), "otherworldly": ("mysterious",),
    "ethereal": ("mysterious",), "dreamy": ("mysterious",), "dreamlike": ("mysterious",),
    "wonder": ("whimsical", "mysterious"), "awe": ("epic", "mysterious"),
    "curious": ("mysterious",), "haunting": ("eerie",), "haunted": ("eerie",),
    "uncanny": ("eerie",), "unsettling": ("eerie",), "sinister": ("dread",),
    "eerie": ("eerie",), "weird": ("eerie",),
    "terrifying": ("dread", "urgent"), "terror": ("dread", "urgent"), "shock": ("dread", "urgent"),
    "scream": ("dread", "urgent"), "panicked": ("urgent", "anxious"), "dread": ("dread",),
    "dreadful": ("dread",), "foreboding": ("dread",), "threatening": ("dread",),
    "menace": ("dread",), "doom": ("dread",), "horrifying": ("dread",),
    "tension": ("anxious",), "suspense": ("anxious",), "anxious": ("anxious",),
    "anxiety": ("anxious",), "uneasy": ("anxious",), "edgy": ("anxious",),
    "nail-biting": ("anxious",), "paranoid": ("anxious",), "claustrophobic": ("anxious",),
    "taut": ("anxious",), "nervy": ("anxious",),
    "urgency": ("urgent",), "chase": ("urgent",), "relentless": ("urgent",),
    "propulsive": ("urgent",), "breathless": ("urgent",), "panic": ("urgent",),
    "desperate": ("urgent",), "frenetic": ("urgent",), "pounding": ("urgent",),
    "rage": ("furious",), "furious": ("furious",), "violent": ("furious",),
    "brutal": ("furious",), "savage": ("furious",), "fierce": ("furious",),
    "ferocious": ("furious",), "anger": ("furious",),
    "serene": ("serene",), "tranquil": ("serene",), "stillness": ("serene",),
    "relaxed": ("serene",), "soothing": ("serene",), "meditative": ("serene",),
    "pastoral": ("serene",), "peace": ("serene",),
    "bittersweet": ("bittersweet",), "poignant": ("bittersweet",),
    # what happens on screen, as directors describe the scene
    "death": ("grief",), "dies": ("grief",), "died": ("grief",), "dying": ("grief",),
    "dead": ("grief",), "bury": ("grief",), "buried": ("grief",), "burial": ("grief",),
    "grave": ("grief",), "mourns": ("grief",), "widow": ("grief",),
    "killer": ("dread",), "murder": ("dread",), "murdered": ("dread",), "blood": ("dread",),
    "corpse": ("dread",), "stalker": ("dread",), "betrayed": ("grief", "furious"),
    "betrayal": ("grief", "furious"), "destroyed": ("grief",), "ruins": ("grief",),
    "wins": ("triumphant",), "won": ("triumphant",), "celebrates": ("triumphant",),
    "cheers": ("triumphant",), "cheering": ("triumphant",), "dancing": ("playful",),
    "laughing": ("playful",), "laughter": ("playful",), "giddy": ("playful",),
    "kiss": ("romantic",), "wedding": ("romantic",), "reunited": ("tender", "hopeful"),
    "reunion": ("tender", "hopeful"), "sunrise": ("hopeful",), "homecoming": ("tender",),
    "tears": ("grief",), "crying": ("grief",), "weeping": ("grief",), "sobbing": ("grief",),
    "cold": ("eerie",), "icy": ("eerie",), "clinical": ("eerie",), "detached": ("eerie",),
    "mechanical": ("anxious",), "robotic": ("anxious",), "merciless": ("dread",),
    "ruthless": ("dread",), "villain": ("dread",), "villainous": ("dread",),
}
for _w, _tags in _TAG_SYNONYMS.items():
    _MOOD_WORDS.setdefault(_w, tuple(_tags))
_MOOD_WORDS = {w: tuple(t for t in tags if t in TAG_INFO) for w, tags in _MOOD_WORDS.items()}
_MOOD_WORDS = {w: t for w, t in _MOOD_WORDS.items() if t}

# tempo words -> (lo, hi) BPM (design defaults)
_TEMPO_WORDS: dict[str, tuple[float, float]] = {
    "slow": (50, 72), "slowly-paced": (50, 72), "slow-paced": (50, 72), "languid": (50, 70),
    "leisurely": (60, 80), "unhurried": (56, 76), "stately": (66, 84), "lumbering": (50, 70),
    "glacial": (36, 54), "adagio": (55, 75), "largo": (40, 60), "lento": (45, 60),
    "andante": (76, 108), "moderate": (88, 112), "medium": (88, 112), "mid-tempo": (88, 112),
    "midtempo": (88, 112), "moderato": (98, 112), "walking": (76, 108),
    "brisk": (110, 132), "lively": (112, 136), "upbeat": (110, 130), "up-tempo": (120, 150),
    "uptempo": (120, 150), "fast": (120, 160), "fast-paced": (120, 160), "quick": (116, 144),
    "rapid": (132, 168), "driving": (120, 150), "allegro": (120, 156), "presto": (168, 200),
    "frantic": (150, 180), "frenetic": (150, 180), "racing": (140, 176),
    "march": (100, 120), "ballad": (60, 80), "breakneck": (160, 200),
}
_VERY = {"very", "really", "super", "extremely", "incredibly", "quite", "so", "deeply",
         "truly", "hugely", "seriously", "painfully"}
_SLIGHT = {"bit", "slightly", "little", "somewhat", "touch", "tad", "fairly", "mildly",
           "rather", "kinda"}

# dynamics words -> (softest, loudest)
_DYN_WORDS: dict[str, tuple[str, str]] = {
    "pp": ("pp", "pp"), "ppp": ("pp", "pp"), "pianissimo": ("pp", "pp"),
    "mp": ("mp", "mp"), "mezzo-piano": ("mp", "mp"), "mf": ("mf", "mf"),
    "mezzo-forte": ("mf", "mf"), "ff": ("ff", "ff"), "fff": ("ff", "ff"),
    "fortissimo": ("ff", "ff"), "forte": ("f", "f"),
    "whisper": ("pp", "p"), "whispered": ("pp", "p"), "whispering": ("pp", "p"),
    "inaudible": ("pp", "pp"), "barely": ("pp", "p"), "hushed": ("pp", "p"),
    "quiet": ("pp", "mp"), "soft": ("p", "mp"), "softly": ("p", "mp"), "gentle": ("p", "mp"),
    "delicate": ("pp", "mp"), "subtle": ("pp", "mp"), "restrained": ("p", "mp"),
    "understated": ("p", "mp"), "low-key": ("p", "mp"), "muted": ("pp", "mp"),
    "intimate": ("p", "mp"),
    "loud": ("f", "ff"), "big": ("f", "ff"), "huge": ("f", "ff"), "massive": ("f", "ff"),
    "powerful": ("f", "ff"), "thunderous": ("ff", "ff"), "bombastic": ("f", "ff"),
    "booming": ("f", "ff"), "epic": ("f", "ff"), "full-blown": ("f", "ff"),
    "full-throated": ("f", "ff"), "blaring": ("ff", "ff"), "deafening": ("ff", "ff"),
    "strong": ("mf", "f"), "punchy": ("mf", "f"),
}
_DYN_LETTER = re.compile(r"(?<![\w'])(ppp|pp|p|mp|mf|f|ff|fff)(?![\w'])")

_MODE_WORDS: dict[str, Mode] = {
    "major": "major", "ionian": "major", "minor": "minor", "aeolian": "minor",
    "modal": "modal", "dorian": "modal", "lydian": "modal", "phrygian": "modal",
    "mixolydian": "modal", "locrian": "modal", "whole-tone": "modal", "pentatonic": "modal",
}
# "a major moment", "a minor change" are not keys
_NOT_KEY_NOUNS = {"change", "changes", "tweak", "tweaks", "role", "detail", "details", "issue",
                  "issues", "thing", "things", "adjustment", "adjustments", "edit", "edits",
                  "point", "points", "fix", "fixes", "problem", "problems", "character",
                  "characters", "moment", "moments", "scene", "scenes", "climax", "event",
                  "shift", "plot", "twist", "league", "studio", "motion", "part", "parts",
                  "note", "beat", "release", "way", "difference", "concern", "revision"}

_DENSITY_WORDS: dict[str, float] = {
    "sparse": 0.2, "minimal": 0.15, "minimalist": 0.2, "spare": 0.2, "thin": 0.25,
    "bare": 0.15, "simple": 0.3, "stripped": 0.2, "stripped-back": 0.2, "stripped-down": 0.2,
    "lean": 0.3, "transparent": 0.3, "uncluttered": 0.25, "airy": 0.3,
    "busy": 0.8, "dense": 0.8, "thick": 0.75, "lush": 0.75, "full": 0.7, "rich": 0.7,
    "layered": 0.75, "complex": 0.75, "intricate": 0.75, "wall": 0.9, "cluttered": 0.85,
}
_REGISTER_NOUNS = {"register", "registers", "end", "notes", "pitch", "pitches", "range",
                   "octave", "octaves", "tones", "frequencies", "voicing", "voicings"}

_NEG_CUES: tuple[tuple[str, ...], ...] = tuple(sorted((tuple(c.split()) for c in (
    "no", "not", "without", "avoid", "avoiding", "nothing", "none", "never", "lose", "drop",
    "ditch", "cut", "kill", "remove", "skip", "minus", "neither", "nor", "exclude",
    "excluding", "omit", "zero", "nix", "scrap", "dump", "eliminate", "ban", "don't", "dont",
    "doesn't", "won't", "shouldn't", "can't", "isn't", "aren't", "wouldn't", "mustn't",
    "do not", "does not", "should not", "must not", "get rid of", "stay away from",
    "steer clear of", "keep away from", "lay off", "hold off on", "leave out", "take out",
    "strip out", "cut out", "instead of", "rather than", "free of", "no more", "forget",
    "lose all", "rid of", "away from", "anything but", "spare us", "spare me", "kill off",
    "pull out", "get out", "replace", "swap", "swap out", "exchange", "trade",
)), key=len, reverse=True))
_REDUCE_CUES: tuple[tuple[str, ...], ...] = tuple(sorted((tuple(c.split()) for c in (
    "not too much", "not too many", "not so much", "not much", "not a lot of", "go easy on",
    "light on", "ease off", "ease up on", "tone down", "dial back", "dial down",
    "pull back on", "back off", "scale back", "too much", "fewer", "less", "not too",
    "not so", "not overly", "nothing too", "not quite so",
)), key=len, reverse=True))
_KEEP_CUES: tuple[tuple[str, ...], ...] = tuple(sorted((tuple(c.split()) for c in (
    "don't lose", "don't drop", "don't cut", "don't remove", "don't forget", "do not lose",
    "do not drop", "never lose", "never drop", "don't hold back on", "don't skimp on",
    "don't be afraid of", "don't be shy with", "not without", "keep the", "bring back",
    "put back", "bring in", "add", "more", "plenty of", "lots of", "let's hear",
    "feature", "featuring", "lean on", "focus on", "keep",
)), key=len, reverse=True))
_EXCEPT_CUES: tuple[tuple[str, ...], ...] = (
    ("except", "for"), ("apart", "from"), ("other", "than"), ("save", "for"), ("except",),
    ("but", "for"), ("aside", "from"),
)
_NEG_WORDS = {"not", "don't", "doesn't", "shouldn't", "mustn't", "isn't", "won't", "never",
              "wouldn't", "can't", "aren't"}
_SENT_END = {".", ";", ":", "!", "?", "(", ")", "\n", "\u2014", "\u2013"}
_CONTRAST = {"but", "just", "only", "instead", "though", "although", "however", "yet", "so",
             "then", "while", "whereas", "except", "apart", "unless", "until", "plus"}
_AFTER_TARGET_STOP = {"use", "using", "keep", "add", "bring", "want", "give", "let", "feature",
                      "need", "go", "try", "lean", "focus", "favour", "favor", "prefer", "love",
                      "with", "should", "must", "can", "could", "please", "make", "start",
                      "build", "builds", "end", "ends", "is", "are", "was", "be", "it",
                      "we", "i", "you", "this", "that", "more", "lots", "plenty", "maybe",
                      "for", "by", "to", "into", "in"}
_FILLERS = {"the", "any", "a", "an", "those", "these", "that", "some", "of", "solo", "all",
            "big", "heavy", "loud", "cheesy", "obvious", "electric", "acoustic", "sappy",
            "syrupy", "huge", "booming", "modern", "real", "fake", "sampled", "live", "too",
            "much", "many", "kind", "sort", "type", "style", "more", "extra", "anything",
            "something", "other", "else", "form", "kinds", "sorts"}
_NAME_STOP = {"i", "i'm", "i'd", "we", "we're", "it", "it's", "the", "a", "an", "this", "that",
              "no", "not", "nothing", "avoid", "don't", "never", "please", "make", "keep",
              "and", "but", "or", "also", "just", "maybe", "think", "like", "something",
              "let's", "lose", "drop", "strings", "brass", "bpm", "music", "score", "cue",
              "it'll", "let", "use", "more", "less", "very", "really", "so", "then", "start",
              "end", "open", "mr", "mrs", "ms", "dr", "ok", "okay", "yes", "we'd", "should",
              "sound", "sounds", "too", "any", "neither", "nor", "without", "go", "again",
              "bring", "add", "give", "feel", "hold", "stay", "steer", "get", "cut", "kill",
              "ditch", "remove", "skip", "minus", "act", "reel", "scene", "version", "take",
              "overall", "here", "there", "now", "when", "where", "what", "how", "who",
              "our", "my", "your", "his", "her", "their", "big", "slow", "fast", "soft"}
# well-known names that directors type in lower case
_KNOWN_REFERENCES: dict[str, str] = {
    "jaws": "Jaws", "star wars": "Star Wars", "inception": "Inception",
    "hans zimmer": "Hans Zimmer", "zimmer": "Zimmer", "john williams": "John Williams",
    "williams": "Williams", "morricone": "Morricone", "ennio morricone": "Ennio Morricone",
    "danny elfman": "Danny Elfman", "elfman": "Elfman", "bernard herrmann": "Bernard Herrmann",
    "herrmann": "Herrmann", "psycho": "Psycho", "the shining": "The Shining",
    "interstellar": "Interstellar", "harry potter": "Harry Potter",
    "lord of the rings": "Lord of the Rings", "pirates of the caribbean":
    "Pirates of the Caribbean", "the dark knight": "The Dark Knight",
    "jurassic park": "Jurassic Park", "indiana jones": "Indiana Jones", "titanic": "Titanic",
    "gladiator": "Gladiator", "the social network": "The Social Network",
    "trent reznor": "Trent Reznor", "max richter": "Max Richter", "philip glass": "Philip Glass",
    "thomas newman": "Thomas Newman", "howard shore": "Howard Shore", "vangelis": "Vangelis",
    "blade runner": "Blade Runner", "john carpenter": "John Carpenter", "james bond": "James Bond",
    "mission impossible": "Mission Impossible", "hitchcock": "Hitchcock",
    "marvel": "Marvel", "pixar": "Pixar", "disney": "Disney",
}
_MAX_REF_WORDS = max(len(k.split()) for k in _KNOWN_REFERENCES)

# Delta language: comparatives and revision phrases.
_DELTA_PHRASES = re.compile(
    r"\b(than (the |that |our )?(last|previous|earlier|first|old|original|before|it was|that|"
    r"now|the temp)\b|this time|last (version|one|cut|pass|take|time|draft|mix)|previous "
    r"(version|one|cut|pass|take|draft)|next (version|pass|take|draft)|bring (it |them )?back|"
    r"put (it |them |the \w+ )?back|(\w+ )?back in\b|as before|like before|again\b|"
    r"than (it|this) (is|was)|same (as|but)|keep everything|otherwise the same|pull back|"
    r"take (out|away)|tone (it )?down|turn (it )?(up|down)|dial (it )?(up|down|back))", re.I)
_COMPARATIVES: dict[str, tuple[str, float]] = {
    # word -> (effect, sign)
    "darker": ("dark", 1), "brighter": ("dark", -1), "lighter": ("light", 1),
    "happier": ("dark", -1), "sadder": ("sad", 1), "warmer": ("warm", 1),
    "colder": ("warm", -1), "cooler": ("warm", -1), "faster": ("tempo", 1),
    "quicker": ("tempo", 1), "slower": ("tempo", -1), "louder": ("loud", 1),
    "bigger": ("big", 1), "softer": ("loud", -1), "quieter": ("loud", -1),
    "gentler": ("loud", -1), "smaller": ("big", -1), "busier": ("dense", 1),
    "denser": ("dense", 1), "fuller": ("dense", 1), "richer": ("dense", 1),
    "thicker": ("dense", 1), "sparser": ("dense", -1), "thinner": ("dense", -1),
    "leaner": ("dense", -1), "simpler": ("dense", -1), "calmer": ("tense", -1),
    "tenser": ("tense", 1), "scarier": ("tense", 1), "creepier": ("tense", 1),
    "higher": ("register", 1), "lower": ("register", -1), "deeper": ("register", -1),
    "heavier": ("heavy", 1), "stronger": ("loud", 1), "weaker": ("loud", -1),
    "grander": ("big", 1), "harsher": ("tense", 1), "sweeter": ("warm", 1),
    "bolder": ("big", 1), "subtler": ("loud", -1), "moodier": ("dark", 1),
    "slower-paced": ("tempo", -1), "punchier": ("loud", 1), "livelier": ("tempo", 1),
}
# "more X" / "less X" where X is a plain adjective
_MORE_LESS_ADJ: dict[str, tuple[str, float]] = {
    "busy": ("dense", 1), "dense": ("dense", 1), "sparse": ("dense", -1),
    "minimal": ("dense", -1), "tense": ("tense", 1), "suspenseful": ("tense", 1),
    "urgent": ("tempo", 1), "energy": ("tempo", 1), "energetic": ("tempo", 1),
    "drive": ("tempo", 1), "driving": ("tempo", 1), "relaxed": ("tense", -1),
    "aggressive": ("loud", 1), "restrained": ("loud", -1), "subtle": ("loud", -1),
    "dark": ("dark", 1), "bright": ("dark", -1), "intense": ("tense", 1),
    "going on": ("dense", 1), "movement": ("dense", 1), "space": ("dense", -1),
    "air": ("dense", -1), "warmth": ("warm", 1), "weight": ("heavy", 1),
}
_EMPH_WORDS = {"much", "lot", "way", "far", "significantly", "considerably", "lots", "even",
               "substantially", "dramatically", "massively", "hugely", "whole"}



_MUSIC_TERMS = (set(_TEMPO_WORDS) | set(_DYN_WORDS) | set(_MODE_WORDS) | set(_DENSITY_WORDS)
                | {"bpm", "mm", "tempo", "ostinato", "pizz", "pizzicato", "arco", "legato",
                   "staccato", "tremolo", "sforzando", "rubato", "crescendo", "diminuendo"})


_NUM = r"(\d{2,3}(?:\.\d+)?)"
_BPM_UNIT = r"\s*(?:bpm|b\.p\.m\.?|beats\s+(?:per|a|/)\s*min(?:ute)?|beats/min)"
_APPROX = r"(?:around|about|approximately|approx\.?|roughly|circa|ca\.?|~|near|somewhere\s+around|in\s+the\s+region\s+of|give\s+or\s+take)"

_UNDER_DIALOGUE = re.compile(r"\b(?:under|beneath|below|behind)\s+(?:the\s+|her\s+|his\s+|their\s+)?"
                             r"(?:dialogue|dialog|voices?|lines|words|speech|conversation|v\.?o\.?)\b",
                             re.I)
_KEEP_LOW = re.compile(r"\b(?:keep\s+it|stay|play\s+it|sit|keep\s+(?:the\s+)?music)\s+"
                       r"(?:very\s+|really\s+|quite\s+|nice\s+and\s+)?low\b(?!\s*(?:register|end|notes|"
                       r"pitch|range|strings|brass))", re.I)

