"""Render and deliver: audio mock-up, stems, mix and loudness, Broadcast Wave files,
MusicXML score and parts, notation SVG/PDF, cue sheet and the deliverables folder.

Modules: :mod:`.audio` (SoundFont synthesis), :mod:`.wav` (BWF writer/reader),
:mod:`.notation` (music21 / verovio / MuseScore), :mod:`.cuesheet` (cue list and the
performing-rights cue sheet). MIDI, clicks and streamers live in :mod:`assistant.sync`.
"""
