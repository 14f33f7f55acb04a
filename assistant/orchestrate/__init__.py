"""Orchestration: palettes, roles onto instruments with doublings, ranges, dynamics and
the dialogue-aware pass."""

from assistant.orchestrate.dialogue import Line, dialogue_pass, voice_band_notes
from assistant.orchestrate.palettes import BUILTIN, Palette, get_palette, load_palette_file

__all__ = ["BUILTIN", "Line", "Palette", "dialogue_pass", "get_palette", "load_palette_file",
           "voice_band_notes"]
