"""Parts a player can read: transposed parts spelt in their written key, overlapping notes
written as a legato line or as two voices (never as tied chord slices), staves named for
their instrument. Each check reads the written MusicXML back (lxml-free: the standard
library's ElementTree), the way a copyist proof-reads a part."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from assistant.music.score import Note, Part, Score
from assistant.music.voices import split_voices
from assistant.render.notation import write_musicxml, write_parts, write_score_and_parts

SHARP_ORDER = "FCGDAEB"


def signature(fifths: int) -> dict[str, int]:
    """The alteration a key signature of ``fifths`` gives each step."""
    alt = dict.fromkeys("CDEFGAB", 0)
    for step in SHARP_ORDER[:fifths] if fifths > 0 else SHARP_ORDER[::-1][:-fifths]:
        alt[step] = 1 if fifths > 0 else -1
    return alt


def read_parts(path: Path) -> list[dict]:
    """Per ``<part>``: its name, key signature and notes as dicts (bar, step, alter,
    octave, accidental printed, ties, chord member, voice, duration)."""
    root = ET.parse(path).getroot()
    names = {sp.get("id"): sp.findtext("part-name") for sp in root.iter("score-part")}
    out = []
    for part in root.iter("part"):
        fifths, notes = None, []
        for bar in part.iter("measure"):
            for k in bar.iter("fifths"):
                fifths = int(k.text) if fifths is None else fifths
            for n in bar.iter("note"):
                p = n.find("pitch")
                notes.append({
                    "bar": int(bar.get("number")), "rest": n.find("rest") is not None,
                    "step": p.findtext("step") if p is not None else None,
                    "alter": int(float(p.findtext("alter", "0"))) if p is not None else 0,
                    "octave": int(p.findtext("octave")) if p is not None else None,
                    "accidental": n.findtext("accidental"),
                    "ties": {t.get("type") for t in n.findall("tie")},
                    "chord": n.find("chord") is not None,
                    "voice": n.findtext("voice", "1"), "duration": int(n.findtext("duration")),
                })
        out.append({"name": names[part.get("id")], "fifths": fifths or 0, "notes": notes})
    return out


def redundant_accidentals(part: dict) -> list[dict]:
    """Notes printing an accidental their key signature already gives, with no earlier
    note on that line in the bar (or the bar before) altered otherwise."""
    sig = signature(part["fifths"])
    bad, seen, last = [], {}, {}
    bar = None
    for n in part["notes"]:
        if n["bar"] != bar:
            bar, last, seen = n["bar"], seen, {}
        if n["rest"]:
            continue
        line = (n["step"], n["octave"])
        restores = seen.get(line, n["alter"]) != n["alter"] or any(
            s == n["step"] and a != n["alter"] for (s, _o), a in last.items())
        if n["accidental"] and n["alter"] == sig[n["step"]] and not restores:
            bad.append(n)
        seen[line] = n["alter"]
    return bad


def scale_score(key: str, instruments: tuple[str, ...]) -> Score:
    """Each instrument plays the concert key's scale up an octave from its tonic (quarters,
    4/4); every note is in the key, so no written part needs a single accidental."""
    from music21 import key as m21key

    tonic, mode = key.split()
    k = m21key.Key(tonic.replace("b", "-") if len(tonic) > 1 else tonic, mode)
    midis = [p.midi for p in k.getScale(mode).getPitches(f"{k.tonic.name}4", f"{k.tonic.name}5")]
    base = {"horn": -12, "trumpet": 0, "clarinet": 0, "flute": 12, "english_horn": -12}
    from assistant.analysis.instruments import INSTRUMENTS

    parts = [Part(ins, ins, INSTRUMENTS[ins].gm_program,
                  notes=[Note(m + base[ins], float(i), 1.0, 80) for i, m in enumerate(midis)])
             for ins in instruments]
    return Score(parts=parts, tempos=[(0.0, 96.0)], meters=[(0.0, 4, 4)], key=key)


TRANSPOSING = ("horn", "clarinet", "trumpet", "english_horn")


@pytest.mark.parametrize("key", ["D major", "A major", "Eb major", "C minor", "E minor"])
def test_transposed_parts_print_no_accidental_their_signature_gives(tmp_path, key):
    sc = scale_score(key, TRANSPOSING)
    paths = write_parts(sc, tmp_path, title="scale")
    for ins in TRANSPOSING:
        (part,) = read_parts(paths[ins])
        printed = [n for n in part["notes"] if n["accidental"]]
        assert redundant_accidentals(part) == [], (key, ins, part["fifths"])
        assert printed == [], (key, ins, part["fifths"], printed)  # a diatonic scale


def test_transposed_staves_of_the_full_score_too(tmp_path):
    sc = scale_score("D major", ("flute", "horn", "clarinet"))
    full, _parts = write_score_and_parts(sc, tmp_path / "s.musicxml", tmp_path / "parts",
                                         title="scale")
    staves = read_parts(full)
    assert [p["fifths"] for p in staves] == [2, 3, 4]  # D major; horn A major; clarinet E major
    for p in staves:
        assert [n for n in p["notes"] if n["accidental"]] == [], p["name"]


@pytest.mark.parametrize("key", ["Eb major", "A major"])
def test_a_score_written_alone_is_transposed_the_same_way(tmp_path, key):
    """write_musicxml (themes, lessons, the studio's score view) writes the same written-pitch
    staves as a cue delivery: before, it let music21 transpose at export and every altered note
    of a horn in E-flat printed a flat its signature already gave."""
    sc = scale_score(key, ("flute", "horn", "clarinet"))
    staves = read_parts(write_musicxml(sc, tmp_path / "s.musicxml", title="scale"))
    full, _parts = write_score_and_parts(sc, tmp_path / "d.musicxml", tmp_path / "parts", title="scale")
    assert [p["fifths"] for p in staves] == [p["fifths"] for p in read_parts(full)]
    for p in staves:
        assert [n for n in p["notes"] if n["accidental"]] == [], (key, p["name"])


def test_written_pitch_is_the_instrument_interval_up(tmp_path):
    from music21 import converter

    sc = scale_score("Eb major", ("horn", "clarinet"))
    paths = write_parts(sc, tmp_path, title="scale")
    for part, up in zip(sc.parts, (7, 2), strict=True):
        got = [n.pitch.midi for n in converter.parse(str(paths[part.name])).recurse().notes]
        assert got == [n.pitch + up for n in part.notes]


@pytest.mark.parametrize(("key", "fifths"), [("B major", -5), ("F# major", -4)])
def test_a_written_key_of_seven_or_more_accidentals_is_resigned(tmp_path, key, fifths):
    """Clarinet in concert B major would read C-sharp major (7 sharps), in F-sharp major
    G-sharp major (8): a copyist writes D-flat and A-flat major."""
    sc = scale_score(key, ("clarinet",))
    (part,) = read_parts(write_parts(sc, tmp_path, title="scale")["clarinet"])
    assert part["fifths"] == fifths
    assert [n for n in part["notes"] if n["accidental"]] == []


def test_concert_key_spelling_follows_the_scale(tmp_path):
    """F-sharp major's seventh degree is E-sharp, not F natural (which printed a natural
    and then a sharp on the next F-sharp)."""
    sc = scale_score("F# major", ("flute",))
    (part,) = read_parts(write_musicxml(sc, tmp_path / "f.musicxml", title="scale"))
    assert part["fifths"] == 6
    assert [n for n in part["notes"] if n["accidental"]] == []


def test_a_legato_line_with_overlaps_is_one_line_not_tied_chords(tmp_path):
    """A played legato (each note held half a beat into the next) is a line of single
    notes, each lasting to the next onset: no chords, no ties."""
    line = [Note(67 + (i % 4), float(i), 1.5 if i < 7 else 1.0, 80) for i in range(8)]
    sc = Score(parts=[Part("horn", "horn", 60, notes=line)], tempos=[(0.0, 90.0)],
               meters=[(0.0, 4, 4)], key="F major")
    for path in (write_parts(sc, tmp_path, title="legato")["horn"],
                 write_musicxml(sc, tmp_path / "full.musicxml", title="legato")):
        (part,) = read_parts(path)
        notes = [n for n in part["notes"] if not n["rest"]]
        assert len(notes) == 8
        assert not any(n["chord"] or n["ties"] for n in notes)
        assert len({n["duration"] for n in notes}) == 1  # all quarters


def test_a_note_held_under_a_moving_line_is_a_second_voice(tmp_path):
    """A pedal C under a melody of quarters: voice 1 the melody, voice 2 one whole note;
    neither voice is sliced into tied chords."""
    melody = [Note(p, float(i), 1.0, 80) for i, p in enumerate((64, 65, 67, 69))]
    pedal = [Note(48, 0.0, 4.0, 70)]
    cadence = [Note(p, 4.0, 4.0, 80) for p in (48, 64, 67)]  # a plain chord stays a chord
    sc = Score(parts=[Part("cello", "cello", 42, notes=melody + pedal + cadence)],
               tempos=[(0.0, 90.0)], meters=[(0.0, 4, 4)], key="C major")
    (part,) = read_parts(write_parts(sc, tmp_path, title="pedal")["cello"])
    notes = [n for n in part["notes"] if not n["rest"]]
    assert not any(n["ties"] for n in notes)
    bar1 = [n for n in notes if n["bar"] == 1]
    assert [(n["step"], n["voice"]) for n in bar1] == [("E", "1"), ("F", "1"), ("G", "1"),
                                                       ("A", "1"), ("C", "2")]
    assert bar1[-1]["duration"] == 4 * bar1[0]["duration"]
    bar2 = [n for n in notes if n["bar"] == 2]
    assert {n["voice"] for n in bar2} == {"1"} and sum(n["chord"] for n in bar2) == 2


def test_no_tied_chord_slices_in_a_busy_overlapping_part(tmp_path):
    """Dense overlapping material (a harp-like arpeggio, each note ringing over the next
    three): whatever the voices, no tie joins two different chords."""
    arp = [Note(48 + (i * 7) % 24, i * 0.5, 2.0, 70) for i in range(16)]
    sc = Score(parts=[Part("violin", "violin", 40, notes=arp)], tempos=[(0.0, 90.0)],
               meters=[(0.0, 4, 4)], key="C major")
    (part,) = read_parts(write_parts(sc, tmp_path, title="arp")["violin"])
    groups: dict[str, list[list[dict]]] = {}
    for n in part["notes"]:
        if n["chord"]:
            groups[n["voice"]][-1].append(n)
        else:
            groups.setdefault(n["voice"], []).append([n])
    for seq in groups.values():
        for a, b in zip(seq, seq[1:], strict=False):
            if any("start" in n["ties"] for n in a):
                key = {(n["step"], n["alter"], n["octave"]) for n in a}
                assert key == {(n["step"], n["alter"], n["octave"]) for n in b}


def test_staves_are_named_for_their_instrument_and_voice(tmp_path):
    """The music model writes an ensemble as one stream; split into parts, each staff is
    named for its player (Violin I and II, Soprano ... Bass), and a part's instrument id,
    not its MIDI program, names it (a horn line the model wrote with its choir program)."""
    notes = [Note(p, float(i // 4), 1.0, 80) for i, p in
             enumerate([76, 67, 60, 48, 77, 69, 62, 50, 79, 71, 62, 43, 84, 72, 64, 48])]
    strings, _ = split_voices(Score(parts=[Part("choir", "choir", 52, notes=notes)],
                                    meters=[(0.0, 4, 4)]), "ensemble")
    choir, _ = split_voices(Score(parts=[Part("choir", "choir", 52, notes=notes)],
                                  meters=[(0.0, 4, 4)]), "chorale")
    horn = Score(parts=[Part("horn", "horn", 52, notes=notes[:4])], meters=[(0.0, 4, 4)])
    got = {}
    for tag, sc in (("strings", strings), ("choir", choir), ("horn", horn)):
        got[tag] = [p["name"] for p in read_parts(write_musicxml(sc, tmp_path / f"{tag}.xml",
                                                                 title=tag))]
    assert got["strings"] == ["Violin I", "Violin II", "Viola", "Violoncello"]
    assert got["choir"] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert got["horn"] == ["Horn in F"]
    root = ET.parse(tmp_path / "strings.xml").getroot()
    assert "Choir" not in {e.text for e in root.iter("instrument-name")}


def test_accidentals_in_a_two_voice_bar_are_read_in_time_order(tmp_path):
    """The lower voice's F-sharp on beat 1 needs its sharp; the upper voice's F-sharp on
    beat 3 of the same bar does not (music21 reads voice 1 before voice 2, which puts the
    sharp on the later note and none on the first)."""
    upper = [Note(69, 0.0, 1.0), Note(67, 1.0, 1.0), Note(66, 2.0, 1.0), Note(67, 3.0, 1.0)]
    lower = [Note(66, 0.0, 0.5), Note(62, 0.5, 3.5)]
    sc = Score(parts=[Part("violin", "violin", 40, notes=upper + lower)],
               meters=[(0.0, 4, 4)], key="C major")
    (part,) = read_parts(write_musicxml(sc, tmp_path / "v.musicxml", title="voices"))
    f_sharps = [(n["voice"], n["accidental"]) for n in part["notes"]
                if n["step"] == "F" and n["alter"] == 1]
    assert sorted(f_sharps) == [("1", None), ("2", "sharp")]


def test_a_short_staccato_on_the_beat_reads_as_an_eighth(tmp_path):
    """Played 0.4 of a beat long, a staccato note on the beat is an eighth and an eighth
    rest (the nearest grid point, a triplet eighth, is not what was meant)."""
    from music21 import converter

    notes = [Note(72, float(i), 0.4, 80, "staccato") for i in range(4)]
    sc = Score(parts=[Part("flute", "flute", 73, notes=notes)], meters=[(0.0, 4, 4)])
    got = converter.parse(str(write_musicxml(sc, tmp_path / "s.musicxml", title="stacc")))
    els = list(got.recurse().notesAndRests)
    assert [(e.isRest, float(e.quarterLength)) for e in els] == [(False, 0.5), (True, 0.5)] * 4
    assert not any(e.duration.tuplets for e in els)


def test_the_cue_label_is_in_the_heading_not_on_bar_one(tmp_path):
    """The cue id and start timecode sit under the title (movement-number), as a copyist puts them;
    as a text above bar 1 they collided with a hit's label at the start of the cue."""
    sc = scale_score("D major", ("flute", "horn"))
    sc = Score(parts=sc.parts, meters=sc.meters, tempos=sc.tempos, markers=[(0.5, "HIT door slams")])
    full, parts = write_score_and_parts(sc, tmp_path / "s.musicxml", tmp_path / "parts", title="The Door",
                                        cue_id="2M3", start_tc="01:12:00:05")
    for path in [full, *parts.values()]:
        root = ET.parse(path).getroot()
        assert root.findtext("movement-number") == "2M3 @ 01:12:00:05" and root.findtext("movement-title") == "The Door"
        words = [w.text for w in root.iter("words")]
        assert "HIT door slams" in words and not any("2M3" in (w or "") for w in words), words
