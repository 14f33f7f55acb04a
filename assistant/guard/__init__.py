"""The temp-love guard: melodic similarity, the corpus melody index and the guard in the loop.

* :mod:`.melody`: MIDI / MusicXML / ABC → melodic lines (monophonic tracks, skylines)
* :mod:`.similarity`: transposition- and tempo-invariant similarity with passages
* :mod:`.information`: how much a match says (bits under a corpus n-gram model and the
  line's own model, generic figures discounted) and its evidence against chance
* :mod:`.roles`: tune roles at note level (tunes vs accompaniment figures), from the
  draft's roles and form or inferred
* :mod:`.corpus` / :mod:`.index`: the corpus melodies and their hashed n-gram index
* :mod:`.loop`: ``guarded()`` — reject and regenerate near-copies, record why
* :mod:`.report`: the project report behind ``scoring-assistant guard``
* :mod:`.feel`: "like the temp in feel, not in notes" brief attributes
* :mod:`.calibrate`, :mod:`.evidence`, :mod:`.experiment`, :mod:`.bench`: calibration, the
  information check measured, guard off/on, speed
"""
