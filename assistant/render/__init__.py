"""Deliverables: cue lists and cue sheets (MIDI, click and streamers live in assistant.sync)."""
