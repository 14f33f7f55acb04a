"""Write the static files of the bad-input corpus (run once; the files are committed).

    .venv/bin/python tests/badinput/make_corpus.py

Files that cannot live in git (FIFOs, symlinks to devices, 17 MiB sparse files, a
project folder in a read-only state) are made at test time by
``tests/test_reliability_corpus.py``. Each file here is one hostile input a new user
could give the assistant; the test table says which command reads it and what the one
error line must name.
"""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

OK_FOUNTAIN = """Title: Corpus Film

INT. KITCHEN - NIGHT

ANNA pours tea. The kettle screams.

ANNA
It's late.

EXT. GARDEN - DAY

BEN digs.
"""

OK_SPOT = """TITLE: Corpus Film
FPS: 24

1M1 01:00:05:00 - 01:00:20:00 Tea
Quiet strings under the kitchen.
HIT 01:00:10:00 kettle
"""

CSV_HEAD = "cue,start,end,description,title,hits,function,source\n"


def midi_bytes(division: int = 480, notes: int = 8, truncate: int = 0, ntracks: int = 1) -> bytes:
    ev = b""
    for i in range(notes):
        ev += bytes([0x00, 0x90, 60 + i % 12, 80]) + bytes([0x83, 0x60, 0x80, 60 + i % 12, 0])
    ev += b"\x00\xff\x2f\x00"
    track = b"MTrk" + struct.pack(">I", len(ev)) + ev
    data = b"MThd" + struct.pack(">IHHH", 6, 1, ntracks, division) + track
    return data[:-truncate] if truncate else data


def project(**over: object) -> dict:
    d = {"schema_version": 1, "title": "Corpus Film", "fps": "24", "drop_frame": False,
         "start_tc": "01:00:00:00", "scenes": [], "characters": [], "themes": [],
         "cues": [{"id": "1M1", "start_s": 5.0, "end_s": 20.0}],
         "script_path": "", "spotting_path": ""}
    d.update(over)
    return d


def revision(**over: object) -> dict:
    d = {"cue_id": "1M1", "number": 1, "created": "2026-01-01T00:00:00+00:00", "brief": "",
         "seed": 0, "artefacts": ["take.mid"], "guard": {}, "params": {}, "parent": None,
         "message": ""}
    d.update(over)
    return d


def write(rel: str, data: str | bytes) -> None:
    p = HERE / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        p.write_text(data, encoding="utf-8")
    else:
        p.write_bytes(data)


def write_project(name: str, proj: str | bytes | dict, rev: str | bytes | dict | None = None,
                  take: bytes | None = None) -> None:
    body = json.dumps(proj, indent=1) if isinstance(proj, dict) else proj
    write(f"projects/{name}/project.json", body)
    if rev is not None:
        rbody = json.dumps(rev, indent=1) if isinstance(rev, dict) else rev
        write(f"projects/{name}/revisions/1M1/0001/revision.json", rbody)
    if take is not None:
        write(f"projects/{name}/revisions/1M1/0001/take.mid", take)


def main() -> None:
    # ---------------------------------------------------------------- good companions
    write("ok/script.fountain", OK_FOUNTAIN)
    write("ok/spotting.txt", OK_SPOT)
    write("ok/theme.mid", midi_bytes())

    # ---------------------------------------------------------------- screenplays
    write("screenplay/empty.fountain", "")
    write("screenplay/blank.fountain", "   \n\n\t\n")
    write("screenplay/binary.fountain", b"\x00\x01\x02PK\x03\x04" * 100)
    write("screenplay/latin1.fountain", "INT. CAF\xc9 - DAY\n\nAnna waits.\n".encode("latin-1"))
    write("screenplay/utf16.fountain", "INT. HOUSE - DAY\n\nHello.\n".encode("utf-16"))
    write("screenplay/control.fountain", "INT. HOUSE - DAY\n\nA bell\x07 rings.\n")
    write("screenplay/script.docx", b"PK\x03\x04 not a screenplay")
    write("screenplay/noext", "INT. HOUSE - DAY\n")
    write("screenplay/malformed.fdx", '<?xml version="1.0"?>\n<FinalDraft>\n<Content>\n'
          '<Paragraph Type="Action"><Text>open</Text>\n</Content>\n</FinalDraft>\n')
    write("screenplay/bomb.fdx", '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n'
          '<!ENTITY lol "lol">\n<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
          '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
          '<FinalDraft><Content><Paragraph Type="Action"><Text>&lol3;</Text></Paragraph>'
          '</Content></FinalDraft>\n')
    write("screenplay/external.fdx", '<?xml version="1.0"?>\n<!DOCTYPE x [\n'
          '<!ENTITY ext SYSTEM "file:///etc/passwd">\n]>\n<FinalDraft><Content>'
          '<Paragraph Type="Action"><Text>&ext;</Text></Paragraph></Content></FinalDraft>\n')
    write("screenplay/wrongroot.fdx", '<?xml version="1.0"?>\n<html><body>hi</body></html>\n')
    write("screenplay/nocontent.fdx", '<?xml version="1.0"?>\n<FinalDraft DocumentType="Script">'
          '<TitlePage/></FinalDraft>\n')
    write("screenplay/fountain_named.fdx", OK_FOUNTAIN)

    # ---------------------------------------------------------------- spotting: text
    t = "TITLE: X\nFPS: 24\n\n"
    write("spotting/end_before_start.txt", t + "1M1 01:00:20:00 - 01:00:05:00 Backwards\n")
    write("spotting/bad_timecode.txt", t + "1M1 01:00:05:00 - 01:00:2O:00 Letter O\n")
    write("spotting/frame_too_high.txt", t + "1M1 01:00:05:00 - 01:00:20:24 Frame 24 at 24\n")
    write("spotting/semicolon_ndf.txt", t + "1M1 01:00:05;00 - 01:00:20;00 DF label at 24\n")
    write("spotting/hit_outside.txt", t + "1M1 01:00:05:00 - 01:00:20:00 X\n"
          "HIT 01:00:30:00 too late\n")
    write("spotting/duplicate.txt", t + "1M1 01:00:05:00 - 01:00:20:00 X\n\n"
          "1m1 01:00:30:00 - 01:00:40:00 Y\n")
    write("spotting/unknown_function.txt", t + "1M1 01:00:05:00 - 01:00:20:00 X\n"
          "FUNCTION: dubstep\n")
    write("spotting/bad_hit_option.txt", t + "1M1 01:00:05:00 - 01:00:20:00 X\n"
          "HIT 01:00:10:00 door [sideways]\n")
    write("spotting/tolerance.txt", t + "1M1 01:00:05:00 - 01:00:20:00 X\n"
          "HIT 01:00:10:00 door [tol 99]\n")
    write("spotting/conflicting_fps.txt", "FPS: 24\nFPS: 25\n\n"
          "1M1 01:00:05:00 - 01:00:20:00 X\n")
    write("spotting/unknown_fps.txt", "FPS: 23\n\n1M1 01:00:05:00 - 01:00:20:00 X\n")
    write("spotting/before_start.txt", "FPS: 24\nSTART: 01:00:00:00\n\n"
          "1M1 00:59:50:00 - 01:00:20:00 X\n")
    write("spotting/garbage.txt", t + "this is not a cue line\n")
    write("spotting/no_cues.txt", "TITLE: Nothing\nFPS: 24\n")
    write("spotting/header_after_cue.txt", t + "1M1 01:00:05:00 - 01:00:20:00 X\n\nFPS: 25\n")
    write("spotting/cues.pdf", b"%PDF-1.4 not a spotting list")

    # ---------------------------------------------------------------- spotting: CSV
    write("spotting/unterminated.csv", CSV_HEAD + '1M1,01:00:05:00,01:00:20:00,"never closed\n'
          "1M2,01:00:30:00,01:00:40:00,swallowed,,,,\n")
    write("spotting/extra_fields.csv", CSV_HEAD + "1M1,01:00:05:00,01:00:20:00,a,b,,,,x,y,z\n")
    write("spotting/missing_column.csv", "cue,start,description\n1M1,01:00:05:00,x\n")
    write("spotting/duplicate_column.csv", "cue,start,end,start\n1M1,01:00:05:00,01:00:20:00,x\n")
    write("spotting/empty_start.csv", CSV_HEAD + "1M1,,01:00:20:00,x,,,,\n")
    write("spotting/bad_source.csv", CSV_HEAD + "1M1,01:00:05:00,01:00:20:00,x,,,,maybe\n")
    write("spotting/bad_hit.csv", CSV_HEAD + "1M1,01:00:05:00,01:00:20:00,x,,door slam,,\n")
    write("spotting/conflicting_fps.csv", "# FPS: 24\n# FPS: 29.97 DF\n" + CSV_HEAD
          + "1M1,01:00:05:00,01:00:20:00,x,,,,\n")
    write("spotting/header_only.csv", CSV_HEAD)
    write("spotting/quote_in_field.csv", CSV_HEAD + '1M1,"01:00:05:00"x,01:00:20:00,a,,,,\n')
    write("spotting/latin1.csv", (CSV_HEAD + "1M1,01:00:05:00,01:00:20:00,caf\xe9,,,,\n")
          .encode("latin-1"))

    # ---------------------------------------------------------------- spotting: EDL
    e = "TITLE: X\nFCM: NON-DROP FRAME\n\n"
    write("spotting/bad_event.edl", e + "001 AX V C 01:00:05:00 01:00:20:00\n")
    write("spotting/record_backwards.edl", e + "001  AX  V  C  01:00:05:00 01:00:20:00 "
          "01:00:20:00 01:00:05:00\n* FROM CLIP NAME: 1M1 X\n")
    write("spotting/bad_loc.edl", e + "001  AX  V  C  01:00:05:00 01:00:20:00 01:00:05:00 "
          "01:00:20:00\n* FROM CLIP NAME: 1M1 X\n* LOC: soon RED hit\n")
    write("spotting/transition.edl", e + "001  AX  V  C  01:00:05:00 01:00:20:00 01:00:05:00 "
          "01:00:20:00\n* FROM CLIP NAME: 1M1 X\n001  AX  V  D 030 01:00:20:00 01:00:30:00 "
          "01:00:20:00 01:00:30:00\n")
    write("spotting/unexpected_line.edl", e + "hello there\n")
    write("spotting/bad_df_label.edl", "TITLE: X\nFCM: DROP FRAME\n\n001  AX  V  C  "
          "01:01:00;00 01:01:10;00 01:01:00;00 01:01:10;00\n* FROM CLIP NAME: 1M1 X\n")

    # ---------------------------------------------------------------- music files
    write("music/div0.mid", midi_bytes(division=0))
    write("music/smpte.mid", midi_bytes(division=0xE728))
    write("music/truncated.mid", midi_bytes(truncate=9))
    write("music/text.mid", "this is not MIDI\n")
    write("music/empty.mid", b"")
    write("music/notes0.mid", midi_bytes(notes=0))
    write("music/malformed.musicxml", '<?xml version="1.0"?>\n<score-partwise><part id="P1">'
          "<measure number='1'><note><pitch><step>C</step>\n")
    write("music/badzip.mxl", b"PK\x03\x04 truncated zip")
    write("music/sound.wav", b"RIFF\x00\x00\x00\x00WAVE")
    buf = HERE / "music" / "bomb.mxl"
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("score.xml", b" " * (40 * 1024 * 1024))

    # ---------------------------------------------------------------- projects
    write_project("bad_json", '{"title": "T", "cues": [')
    write_project("latin1", '{"title": "Caf\xe9"}'.encode("latin-1"))
    write_project("deep", "[" * 200_000 + "]" * 200_000)
    write_project("infinity", json.dumps(project()).replace('"end_s": 20.0', '"end_s": Infinity'))
    write_project("nan", json.dumps(project()).replace('"start_s": 5.0', '"start_s": NaN'))
    write_project("newer_schema", project(schema_version=9))
    write_project("unknown_field", project(colour="blue"))
    write_project("end_before_start", project(cues=[{"id": "1M1", "start_s": 20.0, "end_s": 5.0}]))
    write_project("not_object", "[1, 2, 3]")
    write_project("truncated_revision", project(), '{"cue_id": "1M1", "numb')
    write_project("traversal", project(), revision(artefacts=["../../../../../outside_secret.mid"]),
                  midi_bytes())
    write_project("absolute", project(), revision(artefacts=["/etc/passwd.mid"]))
    write_project("missing_artefact", project(), revision(artefacts=["gone.mid"]))
    write_project("revision_number", project(), revision(number=7), midi_bytes())
    write_project("artefact_div0", project(), revision(), midi_bytes(division=0))
    write_project("bad_fps", project(fps="23"))

    # ---------------------------------------------------------------- briefs and spot
    write("text/latin1.txt", "calm strings, caf\xe9\n".encode("latin-1"))
    write("text/comments_only.txt", "# nothing\n\n# here\n")
    write("text/binary.txt", b"\x00\x00\xff\xfe" * 64)
    write("text/many_briefs.txt", "1M1: calm strings\n" * 1500)
    write("text/briefs_bad_cue.txt", "9M9: calm strings\n")

    # ---------------------------------------------------------------- model folders
    write("model/bad_json/config.json", '{"n_layer": 2')
    write("model/bad_json/model.safetensors", b"")
    write("model/huge/config.json", json.dumps({"vocab_size": 10, "block_size": 8, "n_layer": 10**9,
                                                "n_head": 1, "n_embd": 8}))
    write("model/no_weights/config.json", json.dumps({"vocab_size": 10, "block_size": 8,
                                                      "n_layer": 1, "n_head": 1, "n_embd": 8}))
    write("model/corrupt/config.json", json.dumps({"vocab_size": 10, "block_size": 8,
                                                   "n_layer": 1, "n_head": 1, "n_embd": 8}))
    write("model/corrupt/model.safetensors", bytes(range(256)) * 4)


if __name__ == "__main__":
    main()
