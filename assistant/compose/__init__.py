"""Cue drafting: form, harmony, melody placement, textures and hit events, orchestrated.

``draft_cue_score(DraftRequest(...)) -> DraftResult`` is the entry point the pipeline
calls; see :mod:`assistant.compose.draft` for the stages.
"""

from assistant.compose.draft import DraftRequest, DraftResult, draft_cue_score, sounding_fraction

__all__ = ["DraftRequest", "DraftResult", "draft_cue_score", "sounding_fraction"]
