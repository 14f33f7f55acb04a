"""The mood-tag vocabulary: 20 tags, each with a valence/arousal/tension prototype.

Mood in this project is three numbers plus tags (see ``assistant.project.Mood``):

- ``valence`` in [-1, 1]: how pleasant the feeling is (grief -1 ... joy +1).
- ``arousal`` in [-1, 1]: how much energy (stillness -1 ... frenzy +1).
- ``tension`` in [0, 1]: how unresolved / threatened the moment feels (calm 0 ... peak suspense 1).

The tags are the words a music supervisor uses in a spotting session. Each has a prototype
point (v, a, t) placed from the music-emotion literature's directions (Gabrielsson & Lindström
2010, Juslin & Laukka 2003, Eerola et al. 2013); the numbers are design defaults, used to
label the data consistently and to fall back on when the tag head is unsure. ``SYNONYMS``
maps everyday words to tags (used by the rule layer, e.g. to drop tags under negation:
"not scary" removes ``dread`` and ``eerie``).

>>> len(MOOD_TAGS)
20
>>> nearest_tags(0.85, 0.8, 0.15, k=1)
['triumphant']
"""

from __future__ import annotations

import numpy as np

#: tag -> (valence, arousal, tension, one-line meaning)
TAG_INFO: dict[str, tuple[float, float, float, str]] = {
    "dread": (-0.7, 0.1, 0.9, "fear of something coming; horror, menace"),
    "grief": (-0.85, -0.45, 0.3, "loss and mourning"),
    "tender": (0.6, -0.45, 0.1, "gentle warmth, care, intimacy"),
    "triumphant": (0.85, 0.8, 0.15, "victory, arrival, a goal reached"),
    "playful": (0.7, 0.5, 0.1, "light, cheeky, fun, comic energy"),
    "mysterious": (-0.1, -0.25, 0.55, "the unknown, a question hanging"),
    "lonely": (-0.6, -0.55, 0.25, "isolation, being on one's own"),
    "hopeful": (0.6, 0.1, 0.15, "looking forward, a light ahead"),
    "anxious": (-0.5, 0.45, 0.75, "nervous, uneasy, on edge"),
    "furious": (-0.8, 0.9, 0.8, "anger, rage, violence"),
    "nostalgic": (0.2, -0.4, 0.1, "memory, the past, longing for home"),
    "serene": (0.5, -0.7, 0.05, "calm, still, at peace"),
    "epic": (0.4, 0.8, 0.45, "vast scale, grandeur, spectacle"),
    "eerie": (-0.5, -0.35, 0.7, "uncanny, ghostly, wrong"),
    "romantic": (0.75, 0.05, 0.1, "love, attraction, longing for someone"),
    "heroic": (0.7, 0.7, 0.3, "courage, the hero stepping up"),
    "melancholy": (-0.5, -0.5, 0.2, "quiet sadness, wistful"),
    "whimsical": (0.6, 0.25, 0.05, "quirky, fairy-tale, magical lightness"),
    "urgent": (-0.2, 0.9, 0.75, "rushing, ticking clock, pursuit"),
    "bittersweet": (0.0, -0.3, 0.2, "happy and sad at once; farewells"),
}

MOOD_TAGS: tuple[str, ...] = tuple(TAG_INFO)

#: prototypes as an array (20, 3): columns valence, arousal, tension
PROTOTYPES: np.ndarray = np.array([v[:3] for v in TAG_INFO.values()], dtype=np.float32)

#: everyday word -> tags it stands for (lower case; used for negation and by brief parsing)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "scary": ("dread", "eerie"),
    "scared": ("dread", "anxious"),
    "frightening": ("dread",),
    "fear": ("dread",),
    "horror": ("dread", "eerie"),
    "menacing": ("dread",),
    "ominous": ("dread", "mysterious"),
    "dark": ("dread", "melancholy"),
    "creepy": ("eerie",),
    "spooky": ("eerie",),
    "ghostly": ("eerie",),
    "sad": ("melancholy", "grief"),
    "sadness": ("melancholy", "grief"),
    "mournful": ("grief",),
    "weepy": ("grief", "melancholy"),
    "maudlin": ("melancholy",),
    "sentimental": ("tender", "nostalgic"),
    "warm": ("tender",),
    "gentle": ("tender",),
    "sweet": ("tender",),
    "happy": ("hopeful", "playful"),
    "joyful": ("triumphant", "playful"),
    "funny": ("playful",),
    "comic": ("playful",),
    "silly": ("playful", "whimsical"),
    "cute": ("whimsical",),
    "magical": ("whimsical", "mysterious"),
    "quirky": ("whimsical",),
    "heroic": ("heroic",),
    "triumphant": ("triumphant",),
    "victorious": ("triumphant",),
    "big": ("epic",),
    "grand": ("epic",),
    "epic": ("epic",),
    "angry": ("furious",),
    "aggressive": ("furious",),
    "nervous": ("anxious",),
    "tense": ("anxious",),
    "suspenseful": ("anxious", "dread"),
    "urgent": ("urgent",),
    "frantic": ("urgent",),
    "romantic": ("romantic",),
    "lush": ("romantic",),
    "calm": ("serene",),
    "peaceful": ("serene",),
    "lonely": ("lonely",),
    "nostalgic": ("nostalgic",),
    "hopeful": ("hopeful",),
    "uplifting": ("hopeful",),
    "mysterious": ("mysterious",),
    "bittersweet": ("bittersweet",),
}
for _t in MOOD_TAGS:  # every tag also stands for itself
    SYNONYMS.setdefault(_t, (_t,))


def nearest_tags(valence: float, arousal: float, tension: float, k: int = 2) -> list[str]:
    """The ``k`` tags whose prototypes lie closest to a (v, a, t) point (Euclidean)."""
    point = np.array([valence, arousal, tension], dtype=np.float32)
    d = np.linalg.norm(PROTOTYPES - point, axis=1)
    return [MOOD_TAGS[i] for i in np.argsort(d, kind="stable")[:k]]


def prototype(tags: list[str]) -> tuple[float, float, float]:
    """Mean (v, a, t) of some tags; raises KeyError on an unknown tag."""
    if not tags:
        return (0.0, 0.0, 0.3)
    arr = np.array([TAG_INFO[t][:3] for t in tags], dtype=np.float32).mean(0)
    return (float(arr[0]), float(arr[1]), float(arr[2]))
