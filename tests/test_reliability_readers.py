"""Hostile reader inputs: strict CSV, header conflicts, mixed-FCM EDLs, linear Fountain,
special files, size limits, FDX named .fountain. (Speed is measured in `make bench`.)"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from assistant.errors import InputError, read_text
from assistant.importers.screenplay import load_screenplay, parse_fountain, strip_emphasis
from assistant.importers.spotting import load_spotting, parse_spotting_csv, parse_spotting_text
from assistant.timecode import FrameRate

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "screenplays"


# ------------------------------------------------------------------ CSV (defect 4)
def test_csv_unterminated_quote_is_refused_with_its_line() -> None:
    text = ("cue,start,end,description\n"
            "1M1,01:00:10:00,01:00:20:00,\"a quote that never closes\n"
            "1M2,01:00:30:00,01:00:40:00,second cue\n")
    with pytest.raises(InputError) as exc:
        parse_spotting_csv(text, "cues.csv")
    assert exc.value.line == 2 and exc.value.field == "csv" and "never closed" in str(exc.value)


def test_csv_multiline_quoted_description_still_reads() -> None:
    text = ("cue,start,end,description\n"
            "1M1,01:00:10:00,01:00:20:00,\"two\nlines\"\n"
            "1M2,01:00:30:00,01:00:40:00,second\n")
    spot = parse_spotting_csv(text, "cues.csv")
    assert [c.id for c in spot.cues] == ["1M1", "1M2"]
    assert spot.cues[0].notes == "two\nlines"


@pytest.mark.parametrize(("row", "line"), [
    ('1M2,"01:00:30:00"x,01:00:40:00,bad quote\n', 3),
    ("1M2,01:00:30:00,01:00:40:00,desc,extra,fields,here,and,more\n", 3),
])
def test_csv_rows_that_do_not_parse_cleanly(row: str, line: int) -> None:
    text = "cue,start,end,description\n1M1,01:00:10:00,01:00:20:00,ok\n" + row
    with pytest.raises(InputError) as exc:
        parse_spotting_csv(text, "cues.csv")
    assert exc.value.line == line


# ------------------------------------------------------------------ headers (defect 6)
def test_conflicting_fps_headers_refused() -> None:
    with pytest.raises(InputError) as exc:
        parse_spotting_text("FPS: 24\nFPS: 25\n\n1M1 01:00:10:00 - 01:00:20:00 X\n", "s.txt")
    assert exc.value.line == 2 and exc.value.field == "fps" and "line 1" in str(exc.value)
    with pytest.raises(InputError, match="conflicts"):
        parse_spotting_csv("# FPS: 24\n# FPS: 29.97 DF\ncue,start,end\n1M1,01:00:10:00,01:00:20:00\n")
    with pytest.raises(InputError, match="conflicts"):
        parse_spotting_text("START: 01:00:00:00\nSTART: 00:00:00:00\n\n"
                            "1M1 01:00:10:00 - 01:00:20:00 X\n")


def test_repeated_equal_header_is_fine() -> None:
    spot = parse_spotting_text("FPS: 25\nfps: 25\n\n1M1 01:00:10:00 - 01:00:20:00 X\n")
    assert spot.rate == FrameRate.parse("25")


# ------------------------------------------------------------------ EDL FCM (defect 6)
_MIXED = ("TITLE: Mixed\nFCM: DROP FRAME\n\n"
          "001  AX  V  C  01:00:10;00 01:00:20;00 01:00:10;00 01:00:20;00\n"
          "* FROM CLIP NAME: 1M1 Drop-frame cue\n"
          "FCM: NON-DROP FRAME\n"
          "002  AX  V  C  01:00:30:00 01:00:40:00 01:00:30:00 01:00:40:00\n"
          "* FROM CLIP NAME: 1M2 Non-drop cue\n"
          "* LOC: 01:00:35:00 RED hit\n")


def test_edl_mixed_drop_and_non_drop_read_per_event(tmp_path: Path) -> None:
    p = tmp_path / "mixed.edl"
    p.write_text(_MIXED, encoding="utf-8")
    spot = load_spotting(p)
    assert spot.rate == FrameRate.parse("29.97 DF")
    fps = 30000 / 1001
    df_start = 107892  # 01:00:00;00 in frames at 29.97 DF
    one, two = spot.cues
    assert one.start_s == pytest.approx(300 / fps)
    # 01:00:30:00 NDF is frame 108900: 3.6 s later than the DF label of the same name
    assert two.start_s == pytest.approx((108900 - df_start) / fps)
    same_label_df_s = (108792 - df_start) / fps  # what reading it as drop-frame gave
    assert two.start_s - same_label_df_s == pytest.approx(3.6, abs=0.01)
    assert two.hits[0].time_s == pytest.approx((109050 - df_start) / fps)
    # labels are written at the list's rate (the first FCM: drop-frame)
    assert ";" in two.start_tc


def test_edl_drop_fcm_at_24_refused(tmp_path: Path) -> None:
    p = tmp_path / "bad.edl"
    p.write_text(_MIXED, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_spotting(p, rate=FrameRate.parse("24"))
    assert exc.value.field in ("fcm", "record in", "source in")


# ------------------------------------------------------------------ Fountain (defect 3)
def test_emphasis_on_hostile_line_is_correct() -> None:
    line = "*a " * 20000
    assert strip_emphasis(line) == line  # no marker closes: nothing removed
    assert strip_emphasis("**" + "b" * 50000 + "**") == "b" * 50000


def test_many_scene_headings_parse() -> None:
    n = 5000
    text = "\n\n".join(f"INT. ROOM {i} - DAY\n\nBOB waits." for i in range(n))
    sp = parse_fountain(text)
    assert len(sp.scenes) == n
    assert [e.text for e in sp.scene_elements(n - 1)] == [f"INT. ROOM {n - 1} - DAY", "BOB waits."]
    assert sp.scenes[-1].start_s > sp.scenes[0].start_s


def test_fdx_named_fountain_is_read_as_fdx(tmp_path: Path) -> None:
    src = SHARED / "TestFDX-FD.fdx"
    if not src.is_file():
        pytest.skip(f"../shared/data/screenplays/TestFDX-FD.fdx not found at {src}")
    p = tmp_path / "script.fountain"
    p.write_bytes(src.read_bytes())
    assert load_screenplay(p).to_dict() | {"path": ""} == load_screenplay(src).to_dict() | {"path": ""}


def test_fdx_text_named_fountain_minimal(tmp_path: Path) -> None:
    p = tmp_path / "x.fountain"
    p.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<FinalDraft DocumentType="Script">'
                 '<Content><Paragraph Type="Scene Heading"><Text>INT. HOUSE - DAY</Text>'
                 '</Paragraph></Content></FinalDraft>\n', encoding="utf-8")
    sp = load_screenplay(p)
    assert [s.heading for s in sp.scenes] == ["INT. HOUSE - DAY"]


# ------------------------------------------------------------------ special files (defect 3)
def _in_thread(fn) -> BaseException | None:
    box: list[BaseException | None] = [None]

    def go() -> None:
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            box[0] = exc

    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(20)
    assert not t.is_alive(), "reader blocked"
    return box[0]


@pytest.mark.parametrize("suffix", [".fountain", ".csv", ".edl", ".txt"])
def test_fifo_refused_without_blocking(tmp_path: Path, suffix: str) -> None:
    p = tmp_path / f"pipe{suffix}"
    os.mkfifo(p)
    reader = load_screenplay if suffix == ".fountain" else load_spotting
    exc = _in_thread(lambda: reader(p))
    assert isinstance(exc, InputError) and "FIFO" in str(exc)


def test_symlink_to_dev_zero_refused(tmp_path: Path) -> None:
    p = tmp_path / "zero.fountain"
    p.symlink_to("/dev/zero")
    exc = _in_thread(lambda: load_screenplay(p))
    assert isinstance(exc, InputError) and "device" in str(exc)


def test_oversize_text_refused(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    with open(p, "wb") as fh:
        fh.truncate(17 * 1024 * 1024)
    with pytest.raises(InputError, match="over the 16 MiB limit"):
        read_text(p)
    q = tmp_path / "big.csv"
    with open(q, "wb") as fh:
        fh.truncate(9 * 1024 * 1024)
    with pytest.raises(InputError, match="limit"):
        load_spotting(q)


def test_readers_have_a_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Size limits and linear passes bound the time; the deadline is the last guard."""
    import assistant.limits as limits

    monkeypatch.setattr(limits, "READ_TIME_LIMIT_S", 0.0)
    script = "\n\n".join(f"INT. ROOM {i} - DAY\n\nBOB waits." for i in range(2000))
    with pytest.raises(InputError, match="took over 0 s") as exc:
        parse_fountain(script, "long.fountain")
    assert exc.value.path == "long.fountain" and exc.value.line
    spot = "FPS: 24\n\n" + "".join(f"{i // 50 + 1}M{i % 50 + 1} 01:{i // 60:02d}:{i % 60:02d}:00 - "
                                   f"01:{i // 60:02d}:{i % 60:02d}:12 Cue\nnote\n\n"
                                   for i in range(1200))
    with pytest.raises(InputError, match="spotting list took over"):
        parse_spotting_text(spot, "long.txt")


# ------------------------------------------------------------------ similarity memory (defect 3)
def test_similarity_windows_find_a_quote_in_a_long_piece() -> None:
    """A long temp track is aligned in windows (bounded memory) and the quote is still found
    where it is; a pair too long to compare is refused in one line, not ground through."""
    import numpy as np

    from assistant.guard.melody import Melody
    from assistant.guard.similarity import MAX_WINDOW_CELLS, _align_windows, compare

    rng = np.random.default_rng(16)
    cue = [(int(60 + rng.integers(-7, 8)), i * 0.5, 0.5) for i in range(40)]
    long_notes = [(int(55 + rng.integers(-9, 10)), i * 0.5, 0.5) for i in range(30_000)]
    at = 21_000
    for k in range(24):  # the cue's first 24 notes, a fourth up, inside the long piece
        p, _, _ = cue[k]
        long_notes[at + k] = (p + 5, long_notes[at + k][1], 0.5)
    a, b = Melody.from_notes(cue), Melody.from_notes(long_notes)
    assert len(a) * len(b) > MAX_WINDOW_CELLS and len(_align_windows(len(a), len(b))) > 1
    res = compare(a, b)
    assert res.verdict != "distinct"
    best = res.passages[0]
    assert abs(best.b_start_note - at) <= 4 and best.transposition == 5
    with pytest.raises(InputError, match="too long to compare"):
        compare(Melody.from_notes(long_notes[:5000]), Melody.from_notes(long_notes[:4000]))
