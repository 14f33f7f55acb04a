"""The pipeline: every stage of scoring a film, over any :class:`~assistant.project.FilmProject`.

    import → read → brief → sync → themes → plan → draft → orchestrate → guard → render

* ``import`` (:func:`new_project`): a project folder from the user's screenplay, spotting
  list, briefs and temp tracks (copied inside it);
* ``read``: cue functions and moods, leitmotif candidates, the emotional curve (cues are
  proposed when there is no spotting list);
* ``brief``: the director's briefs as musical parameters, lent the temp track's feel;
* ``sync``: a tempo map per cue that lands its hits, conductor MIDI, click, streamers;
* ``themes``: a guarded theme per chosen leitmotif; ``plan``: which theme each cue
  states and how it is transformed;
* ``draft``/``orchestrate``: a multi-part draft per cue on its tempo map, kept as a
  new revision (:func:`draft_cue` adds one for one cue);
* ``guard``: every cue against the temp tracks and the corpus;
* ``render``: the deliverables folder and ``manifest.json`` (:func:`score_film`).

Each stage reads the project and the artefacts the stages before it saved under
``<project>/stages/`` and writes its own there, so any stage re-runs alone
(:func:`run_stage`). Nothing in the pipeline knows any particular film.
"""

from __future__ import annotations

from assistant.pipeline.drafting import draft_cue
from assistant.pipeline.inputs import new_project
from assistant.pipeline.run import STAGES, run_stage, score_files, score_film

__all__ = ["STAGES", "draft_cue", "new_project", "run_stage", "score_files", "score_film"]
