"""Screenplay importers: Fountain and Final Draft (FDX), with a screen-time estimate.

Both readers produce a :class:`Screenplay`: a flat list of :class:`ScriptElement`
(scene headings, action, character cues, dialogue, ...), the scenes as
:class:`assistant.project.Scene`, the speaking characters as
:class:`assistant.project.Character` and one :class:`assistant.project.DialogueSpan`
per speech, all placed on the film's timeline by a page-count estimate.

Fountain
--------
Our own parser for the Fountain 1.1 syntax (https://fountain.io/syntax):

* title page: ``Key: value`` lines at the top (values may continue on indented lines),
  ended by the first blank line; an all-caps key (``FADE IN:``) is not a title key;
* scene headings: a line after a blank line that starts with ``INT``, ``EXT``, ``EST``,
  ``INT./EXT``, ``INT/EXT`` or ``I/E`` followed by a dot or a space (any case), or a
  forced heading ``.HEADING`` (a single leading dot); a trailing scene number
  ``#12A#`` is removed. ``EXT/INT.`` is not in the spec's list and stays action
  (Big Fish uses it twice; the spec count of 190 scenes relies on that). Unlike the
  spec we do not demand a blank line *after* a heading;
* character cues: an upper-case line (extensions such as ``(V.O.)``, ``(cont'd)`` may
  be any case) after a blank line and directly followed by dialogue; ``@name`` forces
  one; a trailing ``^`` marks the second speaker of dual dialogue. A name that ends
  in ``! ? : ; ,`` is read as action (``BOOM!`` before an action line);
* dialogue and parentheticals (``(...)`` lines) until the next blank line; a line of
  two spaces keeps a speech going;
* transitions: an upper-case line ending in ``TO:`` between blank lines, or forced
  ``> TEXT``; centered ``> text <``; lyrics ``~``; forced action ``!``;
* notes ``[[...]]`` (inline or over several lines) are extracted into ``notes``;
  boneyard ``/* ... */`` is ignored; sections ``#``, synopses ``=`` and page breaks
  ``===`` become elements of their own;
* leading indentation is ignored except in action (kept as a hard line break);
  emphasis markers (``*``, ``**``, ``***``, ``_``) are stripped from the text, ``\\*``
  escapes are honoured.

FDX
---
Our own reader with ``defusedxml.ElementTree``. ``Paragraph/@Type`` maps to element
kinds (``Scene Heading``, ``Action``, ``Character``, ``Dialogue``, ``Parenthetical``,
``Transition``, ``Lyrics``; ``Shot``, ``General``, ``Cast List`` and unknown types read
as action, outline types as sections). ``DualDialogue`` groups become dual speeches;
``ScriptNotes`` become notes; ``TitlePage`` text becomes the title page. Lines are
paragraph indices (1-based, in document order) because XML gives no source lines;
malformed XML gives an :class:`InputError` with the XML line.

Screen-time estimate
--------------------
One page is one minute (``SECONDS_PER_PAGE``). The page length of each element is
counted in the lines of a standard page layout (``LINES_PER_PAGE`` = 55 lines of
12-pt Courier): action wraps at ``ACTION_WIDTH`` = 60 characters, dialogue at
``DIALOGUE_WIDTH`` = 35, parentheticals at ``PARENTHETICAL_WIDTH`` = 20; character
cues, headings and transitions are one line; each element also counts the blank
lines printed before it (``SPACE_BEFORE``: 2 before a heading, 1 before action,
character cues, transitions, centered text and lyrics, 0 inside a speech). Dual
dialogue is printed side by side, so both speeches start together and the longer
one sets the time. Notes, sections, synopses and page breaks take no time (a forced
page break leaves paper blank, not screen time). Each element gets ``start_s`` and
``dur_s``; a scene runs from its heading to the next heading.
"""

from __future__ import annotations

import bisect
import heapq
import logging
import re
import textwrap
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import InputError, check_exists, read_text
from assistant.limits import Deadline
from assistant.project import Character, DialogueSpan, Scene

log = logging.getLogger(__name__)

# --- layout constants of the screen-time estimate (see the module docstring) ---------------
LINES_PER_PAGE = 55
SECONDS_PER_PAGE = 60.0
ACTION_WIDTH = 60
DIALOGUE_WIDTH = 35
PARENTHETICAL_WIDTH = 20
SPACE_BEFORE: dict[str, int] = {
    "scene_heading": 2,
    "action": 1,
    "character": 1,
    "transition": 1,
    "centered": 1,
    "lyric": 1,
    "title": 1,
    "dialogue": 0,
    "parenthetical": 0,
}
NO_TIME_KINDS = frozenset({"note", "section", "synopsis", "page_break"})
ELEMENT_KINDS = (
    "scene_heading", "action", "character", "dialogue", "parenthetical", "transition", "note",
    "section", "synopsis", "lyric", "centered", "page_break", "title",
)
SECONDS_PER_LINE = SECONDS_PER_PAGE / LINES_PER_PAGE


@dataclass
class ScriptElement:
    """One element of a screenplay, in reading order."""

    kind: str
    text: str
    line: int  # 1-based line in the source file (FDX: paragraph index)
    scene_index: int | None  # None before the first scene
    character: str | None = None  # normalised speaker for character/dialogue/parenthetical
    extension: str = ""  # V.O., O.S., CONT'D ...
    dual: bool = False
    start_s: float = 0.0  # estimated film time (seconds from film start)
    dur_s: float = 0.0


@dataclass
class Screenplay:
    """A parsed screenplay with scenes, characters and speeches placed on the timeline."""

    title: str
    path: str
    title_page: dict[str, str]
    elements: list[ScriptElement]
    scenes: list[Scene]
    characters: list[Character]
    dialogue: list[DialogueSpan]
    notes: list[ScriptElement]
    _by_scene: tuple[int, dict[int, list[ScriptElement]]] | None = field(
        default=None, init=False, repr=False, compare=False)

    def scene_elements(self, index: int) -> list[ScriptElement]:
        """Elements of scene ``index`` (0-based), heading first.

        The elements are grouped by scene once, so reading every scene is linear
        (a scan per scene was quadratic: 100 k headings took minutes)."""
        self._check_scene(index)
        if self._by_scene is None or self._by_scene[0] != len(self.elements):
            groups: dict[int, list[ScriptElement]] = {}
            for e in self.elements:
                if e.scene_index is not None:
                    groups.setdefault(e.scene_index, []).append(e)
            self._by_scene = (len(self.elements), groups)
        return list(self._by_scene[1].get(index, []))

    def scene_text(self, index: int) -> str:
        """Action and dialogue of a scene as plain text, one element per line."""
        return "\n".join(e.text for e in self.scene_elements(index)
                         if e.kind in ("action", "dialogue"))

    def duration_s(self) -> float:
        """Estimated running time (seconds)."""
        return max((e.start_s + e.dur_s for e in self.elements), default=0.0)

    def pages(self) -> float:
        return self.duration_s() / SECONDS_PER_PAGE

    def character(self, name: str) -> Character:
        key = normalise_character(name)
        for c in self.characters:
            if c.name == key:
                return c
        raise InputError(f"no character {name!r}", path=self.path, field="character")

    def to_dict(self, elements: bool = False) -> dict[str, Any]:
        """JSON-able summary: title, scenes, characters, dialogue, notes (elements optional)."""
        d: dict[str, Any] = {
            "title": self.title,
            "path": self.path,
            "title_page": dict(self.title_page),
            "duration_s": round(self.duration_s(), 3),
            "pages": round(self.pages(), 2),
            "scenes": [asdict(s) for s in self.scenes],
            "characters": [asdict(c) for c in self.characters],
            "dialogue": [asdict(s) for s in self.dialogue],
            "notes": [asdict(n) for n in self.notes],
        }
        if elements:
            d["elements"] = [asdict(e) for e in self.elements]
        return d

    def _check_scene(self, index: int) -> None:
        if not 0 <= index < len(self.scenes):
            raise InputError(f"no scene {index}; the script has {len(self.scenes)} scenes",
                             path=self.path, field="scene")


# ----------------------------------------------------------------------------- text helpers
_MARKER_RUN = re.compile(r"\*+|_")


def strip_emphasis(text: str) -> str:
    """Remove Fountain emphasis markers, honouring ``\\*`` and ``\\_`` escapes.

    A marker (``*``, ``**``, ``***`` or ``_``) opens when the next character is not a
    space and closes when the previous one is not; each closer pairs with the nearest
    open marker of its kind (a ``**`` closer can take two stars of an open ``***``),
    so nesting and overlapping kinds work. One pass over the text, linear in its
    length whatever the input (a regex with a lazy body was quadratic on ``*a *a *a``).

    >>> strip_emphasis("_**BRICK & STEEL**_ and \\\\*stars\\\\*")
    'BRICK & STEEL and *stars*'
    >>> strip_emphasis("***a** b* c _under_ 2 * 3 a*b*c")
    'a b c under 2 * 3 abc'
    """
    text = text.replace("\\*", "\x01").replace("\\_", "\x02")
    if "*" not in text and "_" not in text:
        return text.replace("\x01", "*").replace("\x02", "_")
    n = len(text)
    remove = bytearray(n)
    # open markers per kind: [start, inner_end] of the stars still unused
    open_stars: list[list[int]] = []
    open_under: list[int] = []
    for m in _MARKER_RUN.finditer(text):
        a, b = m.span()
        can_open = b < n and not text[b].isspace()
        can_close = a > 0 and not text[a - 1].isspace()
        if text[a] == "_":
            if can_close and open_under:
                remove[open_under.pop()] = 1
                remove[a] = 1
            elif can_open:
                open_under.append(a)
            continue
        if b - a > 3:
            continue  # a rule of stars, not emphasis
        if can_close:
            while a < b and open_stars:
                opener = open_stars[-1]
                k = min(b - a, opener[1] - opener[0])
                for x in range(opener[1] - k, opener[1]):
                    remove[x] = 1
                for x in range(a, a + k):
                    remove[x] = 1
                opener[1] -= k
                a += k
                if opener[1] == opener[0]:
                    open_stars.pop()
            if a == b:
                continue
        if can_open:
            open_stars.append([a, b])
    out = "".join(ch for ch, r in zip(text, remove, strict=True) if not r) if any(remove) \
        else text
    return out.replace("\x01", "*").replace("\x02", "_")


_EXT_RE = re.compile(r"\(([^()]*)\)")


def split_character_cue(cue: str) -> tuple[str, str]:
    """Split a character cue into (normalised name, extensions).

    >>> split_character_cue("EDWARD (V.O.)(CONT'D)")
    ('EDWARD', "V.O., CONT'D")
    >>> split_character_cue("@McClane (cont'd) ^")
    ('MCCLANE', "CONT'D")
    """
    s = cue.strip().lstrip("@").rstrip("^").strip()
    exts = [x.strip().upper() for x in _EXT_RE.findall(s) if x.strip()]
    name = _EXT_RE.sub(" ", s)
    m = re.search(r"\s+(CONT['’]?D\.?|CONT\.|CONTINUED)\s*$", name, re.IGNORECASE)
    if m:
        exts.append("CONT'D")
        name = name[: m.start()]
    name = " ".join(strip_emphasis(name).split()).upper()
    exts = ["CONT'D" if re.fullmatch(r"CONT['’]?D\.?|CONT\.|CONTINUED", x) else x for x in exts]
    return name, ", ".join(exts)


def normalise_character(cue: str) -> str:
    """The speaker's name without extensions, CONT'D, markers or extra spaces."""
    return split_character_cue(cue)[0]


_TIME_WORDS = {
    "DAY", "NIGHT", "MORNING", "EVENING", "AFTERNOON", "DUSK", "DAWN", "SUNSET", "SUNRISE",
    "LATER", "CONTINUOUS", "SAME", "MOMENTS LATER", "A MOMENT LATER", "SAME TIME", "NOON",
    "MIDNIGHT", "MAGIC HOUR", "LATE NIGHT", "EARLY MORNING", "TWILIGHT",
}
_HEADING_PREFIX = re.compile(
    r"^(?P<p>INT\.?/EXT|INT\./EXT|INT/EXT|I/E|EXT\.?/INT|INT|EXT|EST)(?:\.|\s)\s*", re.IGNORECASE)


def parse_heading(heading: str, forced: bool = False) -> tuple[str, str, str]:
    """(INT/EXT, location, time of day) of a scene heading.

    >>> parse_heading("INT.  WILL'S BEDROOM - NIGHT (1973)")
    ('INT', "WILL'S BEDROOM", 'NIGHT (1973)')
    >>> parse_heading("INT. SAN FRANCISCO APARTMENT, DAY")
    ('INT', 'SAN FRANCISCO APARTMENT', 'DAY')
    >>> parse_heading("SNIPER SCOPE POV", forced=True)
    ('', 'SNIPER SCOPE POV', '')
    """
    h = " ".join(heading.split())
    int_ext = ""
    m = _HEADING_PREFIX.match(h)
    if m:
        p = m.group("p").upper().replace(".", "")
        int_ext = {"INT": "INT", "EXT": "EXT", "EST": "EXT"}.get(p, "INT/EXT")
        h = h[m.end():]
    elif forced:
        int_ext = ""
    parts = [x.strip() for x in re.split(r"\s+(?:-{1,2}|–|—)\s+", h) if x.strip()]
    if len(parts) >= 2:
        return int_ext, " - ".join(parts[:-1]), parts[-1]
    if "," in h:
        loc, _, tod = h.rpartition(",")
        if tod.strip().upper() in _TIME_WORDS:
            return int_ext, loc.strip(), tod.strip()
    return int_ext, h.strip(" -"), ""


# ----------------------------------------------------------------------------- Fountain
_SCENE_RE = re.compile(r"^(INT|EXT|EST|INT\./EXT|INT/EXT|I/E)[. ]", re.IGNORECASE)
_SCENE_NUMBER_RE = re.compile(r"#([\w.\-]+)#\s*$")




def _drop_scene_number(heading: str) -> str:
    """Remove a trailing scene number ``#12A#`` and the space before it (linear: a
    leading ``\\s*`` in the pattern made long runs of spaces quadratic)."""
    m = _SCENE_NUMBER_RE.search(heading)
    return heading if not m else heading[: m.start()].rstrip()
_TITLE_KEY = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9 _-]*):\s*(?P<value>.*)$")
_KNOWN_TITLE_KEYS = {"title", "credit", "author", "authors", "source", "draft date", "date",
                     "contact", "notes", "copyright", "revision", "episode", "format"}
_PAGE_BREAK = re.compile(r"^={3,}\s*$")
_PAREN = re.compile(r"^\(.*\)$")


def _is_title_key(line: str) -> re.Match[str] | None:
    m = _TITLE_KEY.match(line)
    if not m:
        return None
    key = m.group("key").strip()
    if key.lower() in _KNOWN_TITLE_KEYS or key != key.upper():
        return m
    return None


def _title_page(lines: list[str]) -> tuple[dict[str, str], int]:
    """Parse the title page; return it and the index of the first body line."""
    if not lines or not _is_title_key(lines[0]):
        return {}, 0
    tp: dict[str, list[str]] = {}
    key = ""
    i = 0
    while i < len(lines):
        raw = lines[i]
        if not raw.strip():
            break
        m = _is_title_key(raw) if not raw[:1].isspace() else None
        if m:
            key = m.group("key").strip().lower()
            tp.setdefault(key, [])
            if m.group("value").strip():
                tp[key].append(m.group("value").strip())
        elif key and raw[:1].isspace():
            tp[key].append(raw.strip())
        else:
            break
        i += 1
    return {k: "\n".join(strip_emphasis(x) for x in v) for k, v in tp.items()}, i


def _strip_notes_and_boneyard(lines: list[str], first_line: int, path: str
                              ) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Remove boneyard and notes; return kept (lineno, text) lines and notes (lineno, text).

    A line that had text and holds nothing once notes/boneyard are removed disappears
    entirely (it does not become a paragraph break).
    """
    body = "\n".join(lines)
    removed = bytearray(len(body))
    notes: list[tuple[int, str]] = []
    pos = 0
    pat = re.compile(r"/\*|\[\[")
    counted_to, newlines = 0, 0  # line numbers by counting forward only (linear)
    no_closer: set[str] = set()  # a closer missing after one opener is missing after all
    while True:
        m = pat.search(body, pos)
        if not m:
            break
        closer = "*/" if m.group() == "/*" else "]]"
        end = -1 if closer in no_closer else body.find(closer, m.end())
        newlines += body.count("\n", counted_to, m.start())
        counted_to = m.start()
        lineno = first_line + newlines
        if end < 0:
            if closer in no_closer:
                pos = m.end()
                continue  # warned once already
            no_closer.add(closer)
            log.warning("%s:%d: unterminated %s ... %s; read as text", path, lineno, m.group(),
                        closer)
            pos = m.end()
            continue
        end += 2
        if closer == "]]":
            note = " ".join(body[m.end(): end - 2].split())
            if note:
                notes.append((lineno, note))
        for k in range(m.start(), end):
            if body[k] != "\n":
                removed[k] = 1
        pos = end
    kept: list[tuple[int, str]] = []
    offset = 0
    for i, raw in enumerate(lines):
        span = removed[offset: offset + len(raw)]
        if any(span):
            text = "".join(ch for ch, r in zip(raw, span, strict=True) if not r)
            if raw.strip() and not text.strip():
                offset += len(raw) + 1
                continue  # the line held only a note or boneyard
        else:
            text = raw
        kept.append((first_line + i, text))
        offset += len(raw) + 1
    return kept, notes


def _is_blank(text: str) -> bool:
    return not text.strip()


def _character_candidate(s: str) -> bool:
    if s.startswith("@"):
        return len(s) > 1
    core = _EXT_RE.sub("", s).rstrip("^").strip()
    if not core or not re.search(r"[A-Za-z]", core):
        return False
    if core != core.upper() or core[-1] in "!?:;,":
        return False
    return len(core) <= 60 and not _SCENE_RE.match(s)


def _starts_element(raw: str) -> bool:
    """A line that starts its own element even inside an action paragraph."""
    s = raw.strip()
    return (s.startswith(("~", "#")) or (s.startswith("=") and not s.startswith("==")) or
            bool(_PAGE_BREAK.match(s)) or (s.startswith(">") and s.endswith("<")))


def parse_fountain(text: str, path: str = "<fountain>") -> Screenplay:
    """Parse Fountain text into a :class:`Screenplay` (see the module docstring)."""
    lines = text.split("\n")
    title_page, body_start = _title_page(lines)
    kept, raw_notes = _strip_notes_and_boneyard(lines[body_start:], body_start + 1, path)

    elements: list[ScriptElement] = []
    more: dict[int, list[str]] = {}  # continued dialogue lines, joined once at the end
    dual_second: set[int] = set()
    n = len(kept)
    speaker: str | None = None  # set while inside a dialogue block
    ext = ""
    is_dual = False
    i = 0

    def prev_blank(j: int) -> bool:
        return j == 0 or _is_blank(kept[j - 1][1])

    def next_blank(j: int) -> bool:
        return j + 1 >= n or _is_blank(kept[j + 1][1])

    def add(kind: str, txt: str, lineno: int, **kw: Any) -> None:
        elements.append(ScriptElement(kind, strip_emphasis(txt).strip(), lineno, None, **kw))

    deadline = Deadline("screenplay", path)
    while i < n:
        lineno, raw = kept[i]
        deadline.check(lineno)
        s = raw.strip()
        if speaker is not None:
            if _is_blank(raw) and not (len(raw) >= 2 and raw.strip(" ") == "" and not next_blank(i)):
                speaker = None
                i += 1
                continue
            if _PAREN.match(s):
                add("parenthetical", s, lineno, character=speaker, extension=ext, dual=is_dual)
            elif s.startswith("~"):
                add("lyric", s[1:], lineno, character=speaker, dual=is_dual)
            else:
                last = elements[-1]
                if last.kind == "dialogue" and last.character == speaker and i > 0 and \
                        not _PAREN.match(kept[i - 1][1].strip()):
                    more.setdefault(len(elements) - 1, [last.text]).append(strip_emphasis(s))
                else:
                    add("dialogue", s, lineno, character=speaker, extension=ext, dual=is_dual)
            i += 1
            continue
        if _is_blank(raw):
            i += 1
            continue
        if _PAGE_BREAK.match(s):
            add("page_break", "", lineno)
        elif s.startswith("#"):
            add("section", s.strip("#").strip(), lineno)
        elif s.startswith("=") and not s.startswith("=="):
            add("synopsis", s[1:], lineno)
        elif s.startswith(".") and len(s) > 1 and s[1].isalnum() and prev_blank(i):
            add("scene_heading", _drop_scene_number(s[1:]), lineno, extension="forced")
        elif _SCENE_RE.match(s) and prev_blank(i):
            add("scene_heading", _drop_scene_number(s), lineno)
        elif s.startswith(">") and s.endswith("<") and len(s) > 1:
            add("centered", s[1:-1], lineno)
        elif s.startswith(">"):
            add("transition", s[1:], lineno)
        elif s == s.upper() and s.endswith("TO:") and prev_blank(i) and next_blank(i):
            add("transition", s, lineno)
        elif s.startswith("~"):
            add("lyric", s[1:], lineno)
        elif prev_blank(i) and not next_blank(i) and not s.startswith("!") and \
                _character_candidate(s):
            name, ext = split_character_cue(s)
            is_dual = s.rstrip().endswith("^")
            cue_text = s.lstrip("@").rstrip("^").strip()
            if is_dual:
                # mark the previous speech as the first half of the pair
                dual_second.add(len(elements))
                for e in reversed(elements):
                    if e.kind in ("dialogue", "parenthetical", "character", "lyric"):
                        e.dual = True
                        if e.kind == "character":
                            break
                    else:
                        break
            add("character", cue_text, lineno, character=name, extension=ext, dual=is_dual)
            speaker = name
        else:
            # action: gather the paragraph (until a blank line)
            txt = raw[1:] if s.startswith("!") else raw
            block = [txt.rstrip()]
            j = i + 1
            while j < n and not _is_blank(kept[j][1]) and not _starts_element(kept[j][1]):
                block.append(kept[j][1].rstrip())
                j += 1
            add("action", "\n".join(b.strip() for b in block), lineno)
            i = j
            continue
        i += 1

    for k, parts in more.items():
        elements[k].text = "\n".join(parts).strip()
    notes = [ScriptElement("note", t, ln, None) for ln, t in raw_notes]
    title = title_page.get("title", "").replace("\n", " ").strip() or Path(path).stem
    return _build(title, path, title_page, elements, dual_second, notes)


# ----------------------------------------------------------------------------- FDX
_FDX_KINDS = {
    "scene heading": "scene_heading",
    "action": "action",
    "character": "character",
    "dialogue": "dialogue",
    "parenthetical": "parenthetical",
    "transition": "transition",
    "lyrics": "lyric",
    "shot": "action",
    "general": "action",
    "cast list": "action",
    "outline": "section",
    "outline 1": "section",
    "outline 2": "section",
    "outline 3": "section",
    "outline 4": "section",
    "outline body": "synopsis",
    "new act": "section",
    "end of act": "section",
}


def _fdx_text(par: Any) -> str:
    return "".join((t.text or "") for t in par.findall("Text"))


def parse_fdx(text: str, path: str = "<fdx>") -> Screenplay:
    """Parse Final Draft XML into a :class:`Screenplay` (see the module docstring)."""
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree as ET
    from defusedxml import DefusedXmlException

    try:
        root = ET.fromstring(text)
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise InputError(f"malformed XML: {exc.msg if hasattr(exc, 'msg') else exc}",
                         path=path, line=line, field="xml") from None
    except DefusedXmlException as exc:
        raise InputError(f"unsafe XML refused: {exc}", path=path, field="xml") from None
    if root.tag != "FinalDraft":
        raise InputError(f"not a Final Draft file (root element <{root.tag}>)", path=path,
                         line=1, field="xml")
    content = root.find("Content")
    if content is None:
        raise InputError("no <Content> element", path=path, field="Content")

    elements: list[ScriptElement] = []
    dual_second: set[int] = set()
    counter = 0
    speaker: str | None = None
    ext = ""

    def handle(par: Any, dual: bool, second: bool) -> None:
        nonlocal counter, speaker, ext
        counter += 1
        ptype = (par.get("Type") or "").strip()
        kind = _FDX_KINDS.get(ptype.lower())
        if kind is None:
            if ptype:
                log.debug("%s: paragraph %d: unknown type %r read as action", path, counter, ptype)
            kind = "action"
        txt = " ".join(_fdx_text(par).split()) if kind != "action" else _fdx_text(par).strip()
        if not txt.strip():
            return
        if kind == "character":
            name, ext = split_character_cue(txt)
            speaker = name
            if second:
                dual_second.add(len(elements))
            elements.append(ScriptElement("character", txt.strip(), counter, None,
                                          character=name, extension=ext, dual=dual))
            return
        if kind in ("dialogue", "parenthetical") or (kind == "lyric" and speaker):
            elements.append(ScriptElement(kind, txt.strip(), counter, None, character=speaker,
                                          extension=ext, dual=dual))
            return
        speaker = None
        elements.append(ScriptElement(kind, txt.strip(), counter, None))

    for par in content.findall("Paragraph"):
        dd = par.find("DualDialogue")
        if dd is not None:
            counter += 1
            n_chars = 0
            for sub in dd.findall("Paragraph"):
                if (sub.get("Type") or "").lower() == "character":
                    n_chars += 1
                handle(sub, True, n_chars == 2 and (sub.get("Type") or "").lower() == "character")
            speaker = None
            continue
        handle(par, False, False)

    notes: list[ScriptElement] = []
    sn = root.find("ScriptNotes")
    if sn is not None:
        for k, note in enumerate(sn.iter("ScriptNote"), start=1):
            t = " ".join(" ".join(_fdx_text(p) for p in note.iter("Paragraph")).split())
            if t:
                notes.append(ScriptElement("note", t, k, None))
    title_page: dict[str, str] = {}
    tp = root.find("TitlePage")
    if tp is not None:
        tcontent = tp.find("Content")
        texts = [" ".join(_fdx_text(p).split()) for p in
                 (tcontent.findall("Paragraph") if tcontent is not None else [])]
        texts = [t for t in texts if t]
        if texts:
            title_page["title"] = texts[0]
            title_page["text"] = "\n".join(texts)
    title = title_page.get("title") or Path(path).stem
    return _build(title, path, title_page, elements, dual_second, notes, merge_notes=False)


# ----------------------------------------------------------------------------- assembly
def _layout_lines(e: ScriptElement) -> int:
    """Printed lines of an element on a standard page, including blank lines before it."""
    if e.kind in NO_TIME_KINDS:
        return 0
    width = {"dialogue": DIALOGUE_WIDTH, "parenthetical": PARENTHETICAL_WIDTH,
             "lyric": DIALOGUE_WIDTH}.get(e.kind, ACTION_WIDTH)
    if e.kind in ("character", "scene_heading", "transition"):
        body = 1
    else:
        body = sum(max(1, len(textwrap.wrap(part, width, break_long_words=True)))
                   for part in e.text.split("\n"))
    return SPACE_BEFORE.get(e.kind, 1) + body


def _build(title: str, path: str, title_page: dict[str, str], elements: list[ScriptElement],
           dual_second: set[int], notes: list[ScriptElement], merge_notes: bool = True
           ) -> Screenplay:
    """Number scenes, place every element on the timeline, collect characters and speeches."""
    # scene indices
    scenes: list[Scene] = []
    heads: list[ScriptElement] = []
    current: int | None = None
    for e in elements:
        if e.kind == "scene_heading":
            current = len(scenes)
            heads.append(e)
            int_ext, loc, tod = parse_heading(e.text, forced=e.extension == "forced")
            scenes.append(Scene(index=current, heading=e.text, int_ext=int_ext, location=loc,
                                time_of_day=tod, line=e.line))
        e.scene_index = current

    # timeline: dual speeches start together; the longer one moves the clock on
    clock = 0.0
    last_cue_start = 0.0
    first_end: float | None = None  # end of the first speech of a dual pair
    speech_kinds = ("dialogue", "parenthetical", "lyric")
    for i, e in enumerate(elements):
        if e.kind == "character":
            if i in dual_second:
                first_end = clock
                clock = last_cue_start
            else:
                last_cue_start = clock
        e.start_s = clock
        e.dur_s = _layout_lines(e) * SECONDS_PER_LINE
        clock += e.dur_s
        if first_end is not None:
            nxt = elements[i + 1] if i + 1 < len(elements) else None
            if nxt is None or nxt.kind not in speech_kinds:
                clock = max(clock, first_end)
                first_end = None
    total = clock
    for sc, head in zip(scenes, heads, strict=True):
        sc.start_s = head.start_s
    for k, sc in enumerate(scenes):
        end = scenes[k + 1].start_s if k + 1 < len(scenes) else total
        sc.duration_s = max(0.0, end - sc.start_s)

    # notes: each sits in the element whose text it was written in (by source line)
    lines_sorted = [e.line for e in elements]
    merged = [n for n in notes if n.kind == "note" and merge_notes]
    for note in notes:
        if not merge_notes:
            continue
        k = bisect.bisect_right(lines_sorted, note.line) - 1
        host = elements[k] if k >= 0 else None
        note.scene_index = host.scene_index if host else None
        note.start_s = host.start_s if host else 0.0
    all_elements = list(heapq.merge(elements, merged, key=lambda x: x.line))
    for e in elements:
        if e.kind == "synopsis" and e.scene_index is not None:
            sc = scenes[e.scene_index]
            sc.synopsis = f"{sc.synopsis} {e.text}".strip()
        if e.kind in ("section", "synopsis"):
            notes.append(ScriptElement(e.kind, e.text, e.line, e.scene_index, start_s=e.start_s))
    notes.sort(key=lambda x: x.line)

    # speeches and characters
    spans: list[DialogueSpan] = []
    chars: dict[str, Character] = {}
    in_scenes: dict[str, set[int]] = {}
    speech: list[ScriptElement] = []

    def close_speech() -> None:
        if not speech:
            return
        cue = speech[0]
        lines_ = [x for x in speech[1:] if x.kind in ("dialogue", "lyric")]
        timed = speech[1:] or speech
        words = sum(len(x.text.split()) for x in lines_)
        name = cue.character or ""
        if name:
            ch = chars.setdefault(name, Character(name=name))
            ch.dialogue_lines += 1
            ch.dialogue_words += words
            if cue.text.upper() != name and cue.text not in ch.aliases:
                ch.aliases.append(cue.text)
            if cue.scene_index is not None:
                in_scenes.setdefault(name, set()).add(cue.scene_index)
            start = min(x.start_s for x in timed)
            end = max(x.start_s + x.dur_s for x in timed)
            spans.append(DialogueSpan(character=name, start_s=start, end_s=end,
                                      scene_index=cue.scene_index,
                                      text=" ".join(x.text.replace("\n", " ") for x in lines_)))
        speech.clear()

    for e in elements:
        if e.kind == "character":
            close_speech()
            speech.append(e)
        elif e.kind in ("dialogue", "parenthetical", "lyric") and speech and e.character:
            speech.append(e)
        else:
            close_speech()
    close_speech()

    # scene presence: also named in capitals in a scene's action
    for name, where in _names_in_action(elements, list(chars)).items():
        in_scenes.setdefault(name, set()).update(where)
    for name, ch in chars.items():
        ch.scenes = sorted(in_scenes.get(name, ()))
    characters = sorted(chars.values(), key=lambda c: (-c.dialogue_lines, c.name))
    spans.sort(key=lambda s: s.start_s)
    return Screenplay(title=title, path=path, title_page=title_page, elements=all_elements,
                      scenes=scenes, characters=characters, dialogue=spans, notes=notes)


_WORD_RUN = re.compile(r"[A-Za-z']+")
_FAST_NAME_RUNS = 8  # names of up to this many letter runs are found by the one-pass lookup


def _names_in_action(elements: list[ScriptElement], names: list[str]) -> dict[str, set[int]]:
    """Scenes whose action names each character (``(?<![A-Za-z'])NAME(?![A-Za-z'])``).

    One pass over the action text for all names together: a name that begins and ends
    with a letter can only match from the start of one letter run to the end of
    another, so each run start is tried against at most ``_FAST_NAME_RUNS`` candidate
    spans in a dict. Time is linear in the text, not (characters x elements). Rare
    names with other edges (``R2-D2``) fall back to a regex each.
    """
    fast: dict[str, str] = {}
    slow: list[str] = []
    longest = max((len(n) for n in names), default=0)
    for name in names:
        runs = _WORD_RUN.findall(name)
        if name and name[0] in _LETTERS and name[-1] in _LETTERS and len(runs) <= _FAST_NAME_RUNS:
            fast[name] = name
        elif name:
            slow.append(name)
    found: dict[str, set[int]] = {}
    actions = [e for e in elements if e.kind == "action" and e.scene_index is not None]
    if fast:
        for e in actions:
            text = e.text
            spans = [m.span() for m in _WORD_RUN.finditer(text)]
            for i, (a, _) in enumerate(spans):
                for j in range(i, min(i + _FAST_NAME_RUNS, len(spans))):
                    if spans[j][1] - a > longest:
                        break
                    hit = fast.get(text[a:spans[j][1]])
                    if hit is not None:
                        found.setdefault(hit, set()).add(e.scene_index)  # type: ignore[arg-type]
    for name in slow[:200]:
        pat = re.compile(rf"(?<![A-Za-z']){re.escape(name)}(?![A-Za-z'])")
        for e in actions:
            if pat.search(e.text):
                found.setdefault(name, set()).add(e.scene_index)  # type: ignore[arg-type]
    if len(slow) > 200:
        log.warning("%d character names with unusual edges: scene presence not searched for "
                    "all of them", len(slow))
    return found


_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'")


# ----------------------------------------------------------------------------- dispatch
_FDX_START = re.compile(r"\A\s*(?:<\?xml[^>]{0,200}\?>\s*)?(?:<!--.{0,2000}?-->\s*)*<FinalDraft[\s>]",
                        re.DOTALL)


def _looks_like_fdx(text: str) -> bool:
    """Final Draft XML whatever the file is called (an FDX saved as ``.fountain``)."""
    return bool(_FDX_START.match(text[:8192]))


def load_screenplay(path: str | Path) -> Screenplay:
    """Read a screenplay: ``.fountain``/``.spmd``/``.txt`` as Fountain, ``.fdx`` as Final Draft."""
    p = check_exists(path, what="screenplay")
    suffix = p.suffix.lower()
    if suffix in (".fountain", ".spmd", ".txt"):
        text = read_text(p, what="screenplay")
        if _looks_like_fdx(text):
            log.warning("%s: this is Final Draft XML, not Fountain; read as FDX", p)
            return parse_fdx(text, str(p))
        return parse_fountain(text, str(p))
    if suffix == ".fdx":
        return parse_fdx(read_text(p, what="screenplay"), str(p))
    raise InputError(f"unknown screenplay type {p.suffix or '(none)'!r}; use .fountain, .spmd, "
                     ".txt or .fdx", path=p, field="path")
