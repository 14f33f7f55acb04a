"""Handlers of the Themes, Palette and Lesson tabs: plain functions over a session.

Theme candidates of a session live in its own output folder
(``out/themes/<batch>/theme_<rank>.*`` with ``candidates.json``); picking one copies it
into the project as the theme of a subject, which the next draft states. The palette tab
saves user ensembles as ``<project>/palettes/<name>.json`` (the drafting stage reads them
by path).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.project import ProjectStore, atomic_write_json
from ui import adapter
from ui.handlers import Studio
from ui.workspace import Workspace, copy_upload

log = logging.getLogger(__name__)

THEME_COLUMNS = ["rank", "key", "mode", "form", "meter", "instrument", "total", "harmony", "why"]
PLAN_COLUMNS = ["cue", "function", "themes", "transformation", "intensity", "weight"]
PLAN_FIELDS = ("themes", "transformation", "intensity", "weight")


def _themes_dir(ws: Workspace) -> Path:
    return ws.out_dir / "themes"


def _candidates(ws: Workspace) -> list[dict[str, Any]]:
    p = _themes_dir(ws) / "candidates.json"
    if not p.is_file():
        raise InputError("no theme candidates yet: write some first", field="themes")
    return json.loads(p.read_text("utf-8"))


def _candidate(ws: Workspace, rank: int | None) -> dict[str, Any]:
    cands = _candidates(ws)
    want = int(rank or 1)
    for c in cands:
        if c["rank"] == want:
            return c
    raise InputError(f"no candidate {want}; there are {', '.join(str(c['rank']) for c in cands)}",
                     field="rank")


def _save_candidate(ws: Workspace, theme: Any, rank: int, origin: str) -> dict[str, Any]:
    """Write one RankedTheme's files (MIDI, MusicXML, audio with its harmony, SVG)."""
    from assistant.themes.io import write_theme_files

    out = _themes_dir(ws)
    stem = f"theme_{rank}"
    files = write_theme_files(theme, out, stem, title=f"Theme {rank}: {theme.key} {theme.mode}")
    listen = out / f"{stem}.listen.mid"
    theme.with_harmony().to_midi(listen)
    wav = adapter.render_audio(listen, out / f"{stem}.wav")
    _, svgs = adapter.render_notation(files["midi"], out / stem,
                                      title=f"Theme {rank}: {theme.key} {theme.mode}")
    svg_paths = []
    for i, svg in enumerate(svgs[:2]):
        p = out / f"{stem}-page{i + 1}.svg"
        p.write_text(svg, encoding="utf-8")
        svg_paths.append(str(p))
    d = theme.to_dict() | {"rank": rank, "origin": origin, "midi": str(files["midi"]),
                           "musicxml": str(files["musicxml"]), "wav": str(wav),
                           "svg": svg_paths}
    return d


def _store_candidates(ws: Workspace, cands: list[dict[str, Any]]) -> None:
    atomic_write_json(_themes_dir(ws) / "candidates.json", cands)


def theme_rows(cands: list[dict[str, Any]]) -> list[list[Any]]:
    return [[c["rank"], c["key"], c["mode"], c["form"], c["meter"], c["instrument"],
             round(float(c["scores"].get("total", 0.0)), 3), " ".join(c["harmony"]), c["why"]]
            for c in cands]


def write_themes(studio: Studio, state: dict | None, key: str, mode: str, meter: str,
                 bars: int | None, instrument: str | None, n: int | None, seed: int | None,
                 progress: Any = None) -> tuple[dict, list[list[Any]], dict[str, Any]]:
    """Write ``n`` ranked theme candidates; returns (state, table rows, the best one)."""
    import shutil

    from assistant.guard.report import load_temp_melodies
    from assistant.themes import write_themes as _write

    ws, state = studio.workspace(state)
    try:
        num, den = (int(x) for x in (meter or "4/4").split("/"))
    except ValueError:
        raise InputError(f"meter must look like 3/4, not {meter!r}", field="meter") from None
    refs = []
    if (ws.project_dir / "project.json").is_file():
        refs = load_temp_melodies(ws.project_dir)  # guard against the film's temp tracks
    if progress is not None:
        progress(0.1, desc="writing themes with the music model")
    themes = _write(key=(key or "D").strip(), mode=(mode or "minor").strip(), meter=(num, den),
                    bars=int(bars or 8), instrument=instrument or None,
                    n=max(1, min(8, int(n or 4))), seed=int(seed or 0), references=refs)
    shutil.rmtree(_themes_dir(ws), ignore_errors=True)
    cands = []
    for i, t in enumerate(themes):
        if progress is not None:
            progress(0.5 + 0.5 * i / len(themes), desc=f"rendering candidate {t.rank}")
        cands.append(_save_candidate(ws, t, t.rank, "written"))
    _store_candidates(ws, cands)
    return state, theme_rows(cands), cands[0]


def theme_view(studio: Studio, state: dict | None, rank: int | None) -> tuple[dict, dict]:
    ws, state = studio.workspace(state)
    return state, _candidate(ws, rank)


def _add_candidate(ws: Workspace, theme: Any, origin: str) -> tuple[list[dict], dict]:
    cands = _candidates(ws) if (_themes_dir(ws) / "candidates.json").is_file() else []
    rank = 1 + max((c["rank"] for c in cands), default=0)
    d = _save_candidate(ws, theme, rank, origin)
    cands.append(d)
    _store_candidates(ws, cands)
    return cands, d


def edit_theme(studio: Studio, state: dict | None, rank: int | None, semitones: int | None,
               mode: str | None) -> tuple[dict, list[list[Any]], dict]:
    """A new candidate: candidate ``rank`` transposed and/or moved to another mode."""
    from assistant.themes import ops
    from assistant.themes.io import evaluate_theme, load_theme

    ws, state = studio.workspace(state)
    c = _candidate(ws, rank)
    score = load_theme(c["midi"])
    label = []
    if semitones:
        score, what = ops.transpose(score, int(semitones))
        label.append(what)
    if mode and mode != c["mode"]:
        score, what = ops.change_mode(score, mode)
        label.append(what)
    if not label:
        raise InputError("choose a transposition or another mode", field="edit")
    theme = evaluate_theme(score, instrument=c["instrument"], form=c["form"])
    cands, d = _add_candidate(ws, theme, f"candidate {c['rank']}: {', '.join(label)}")
    return state, theme_rows(cands), d


def upload_theme(studio: Studio, state: dict | None, path: str | None
                 ) -> tuple[dict, list[list[Any]], dict]:
    """A theme the composer brings (MIDI or MusicXML), scored like the written ones."""
    from assistant.themes.io import evaluate_theme, load_theme

    ws, state = studio.workspace(state)
    if not path:
        raise InputError("choose a MIDI or MusicXML file with the theme", field="theme")
    src = copy_upload(path, "theme", ws.folder / "uploads" / "themes")
    theme = evaluate_theme(load_theme(src))
    cands, d = _add_candidate(ws, theme, f"uploaded {src.name}")
    return state, theme_rows(cands), d


def subjects(studio: Studio, state: dict | None) -> list[str]:
    """The film's theme subjects (from the themes stage, run once if needed)."""
    ws, _ = studio.workspace(state)
    if not (ws.project_dir / "project.json").is_file():
        return []
    adapter.prepare(studio.store(ws), studio.cache, upto="themes")
    p = ws.project_dir / "stages" / "themes.json"
    if not p.is_file():  # a library without the pipeline's themes stage
        return []
    return [t["name"] for t in json.loads(p.read_text("utf-8")).get("themes", [])]


def pick_theme(studio: Studio, state: dict | None, rank: int | None, subject: str
               ) -> tuple[dict, str]:
    """Make candidate ``rank`` the theme of ``subject``; the next drafts state it."""
    ws, state = studio.workspace(state)
    store = studio.store(ws)
    studio_prepare(studio, store, "themes")
    c = _candidate(ws, rank)
    p = store.root / "stages" / "themes.json"
    data = json.loads(p.read_text("utf-8"))
    entry = next((t for t in data.get("themes", []) if t["name"] == subject), None)
    if entry is None:
        raise InputError(f"no theme subject {subject!r}; the film's are "
                         f"{', '.join(t['name'] for t in data.get('themes', []))}",
                         field="subject")
    rel = f"themes/{adapter.safe_filename(entry.get('id') or subject)}.mid"
    target = adapter.resolve_inside(store.root, rel, field="themes.midi")
    target.parent.mkdir(parents=True, exist_ok=True)
    from assistant.project import atomic_write_bytes

    atomic_write_bytes(target, Path(c["midi"]).read_bytes())
    entry.update({"midi": rel, "picked": {"rank": c["rank"], "key": c["key"], "mode": c["mode"],
                                          "why": c["why"], "origin": c.get("origin", "")}})
    atomic_write_json(p, data)
    adapter.invalidate(store, "plan")  # the plan reads the themes' modes
    return state, (f"Candidate {c['rank']} ({c['key']} {c['mode']}, {c['form']}) is now the "
                   f"{subject} theme; the next draft of its cues states it.")


def studio_prepare(studio: Studio, store: ProjectStore, upto: str) -> None:
    adapter.prepare(store, studio.cache, upto=upto)


# ----------------------------------------------------------------------------- plan
def _plan_rows(store: ProjectStore) -> list[list[Any]]:
    rows = json.loads((store.root / "stages" / "plan.json").read_text("utf-8"))["rows"]
    return [[r["cue"], r.get("function") or "", ", ".join(r.get("themes", [])),
             r.get("transformation") or "", r.get("intensity"), r.get("weight")] for r in rows]


def plan(studio: Studio, state: dict | None, progress: Any = None) -> tuple[dict, list[list[Any]]]:
    """The development plan across the cues (runs the stages it needs once)."""
    ws, state = studio.workspace(state)
    store = studio.store(ws)
    adapter.prepare(store, studio.cache, upto="plan", progress=progress)
    return state, _plan_rows(store)


def plan_edit(studio: Studio, state: dict | None, rows: list[list[Any]]
              ) -> tuple[dict, list[list[Any]], str]:
    """Apply the cells the user changed: each is pinned and the rest re-planned around it."""
    from assistant.music.score import Score
    from assistant.themes import plan_development

    ws, state = studio.workspace(state)
    store = studio.store(ws)
    old = {r[0]: r for r in _plan_rows(store)}
    locks_p = store.root / "stages" / "plan_locks.json"
    locks = {(d["cue"], d["field"]): d["value"] for d in
             (json.loads(locks_p.read_text("utf-8")) if locks_p.is_file() else [])}
    themes = json.loads((store.root / "stages" / "themes.json").read_text("utf-8"))
    by_subject = {t["name"]: Score.from_midi(adapter.resolve_inside(store.root, t["midi"],
                                                                     field="themes.midi"))
                  for t in themes.get("themes", [])}
    p = plan_development(store.load(), by_subject, locks=locks)
    changed = []
    for row in rows or []:
        cue = str(row[0])
        before = old.get(cue)
        if before is None:
            raise InputError(f"no cue {cue!r} in the plan", field="cue")
        for i, fld in zip((2, 3, 4, 5), PLAN_FIELDS, strict=True):
            value = row[i]
            if str(value) == str(before[i]):
                continue
            if fld == "themes":
                value = [v.strip() for v in str(value).split(",") if v.strip()]
            p.override(cue, fld, value)
            locks[(cue, fld)] = value
            changed.append(f"{cue} {fld} → {row[i]}")
    atomic_write_json(store.root / "stages" / "plan.json", {"rows": p.to_dict()["rows"]})
    atomic_write_json(locks_p, [{"cue": c, "field": f, "value": v} for (c, f), v in locks.items()])
    return state, _plan_rows(store), ("Pinned: " + "; ".join(changed)) if changed else \
        "Nothing changed."


# ----------------------------------------------------------------------------- palette
def palette_choices(studio: Studio, state: dict | None) -> list[str]:
    """Built-in palettes and this project's own, by name."""
    from assistant.orchestrate.palettes import palette_names

    ws, _ = studio.workspace(state)
    own = sorted(p.stem for p in (ws.project_dir / "palettes").glob("*.json"))
    return palette_names() + [n for n in own if n not in palette_names()]


def palette_spec(studio: Studio, state: dict | None, name: str | None) -> str | None:
    """What the drafting stage takes: a built-in name, or the path of the project's file."""
    if not name:
        return None
    ws, _ = studio.workspace(state)
    return studio.palette_spec(ws, name)


def define_palette(studio: Studio, state: dict | None, name: str, instruments: list[str],
                   lead: str | None, description: str) -> tuple[dict, dict[str, Any], list[str]]:
    """Save a user palette (the film's sonic world) in the project."""
    from assistant.orchestrate.palettes import Palette, palette_names

    ws, state = studio.workspace(state)
    store = studio.store(ws)
    name = (name or "").strip()
    if not name:
        raise InputError("name the palette", field="name")
    if name.lower() in palette_names():
        raise InputError(f"{name!r} is a built-in palette; choose another name", field="name")
    pal = Palette(adapter.safe_filename(name), tuple(instruments or ()), lead or None,
                  (description or "").strip())
    atomic_write_json(store.root / "palettes" / f"{pal.name}.json", pal.to_json())
    return state, pal.to_json(), palette_choices(studio, state)


def show_palette(studio: Studio, state: dict | None, name: str | None) -> dict[str, Any]:
    from assistant.orchestrate.palettes import get_palette

    return get_palette(palette_spec(studio, state, name)).to_json()


# ----------------------------------------------------------------------------- lesson
def lesson(studio: Studio, state: dict | None, subject: str | None, progress: Any = None
           ) -> tuple[dict, str, str]:
    """The educator's view of one theme: #13's lesson page when the library has it,
    otherwise a page built here from the theme, its head motif and its plan across cues."""
    import html

    from assistant.music.score import Score

    ws, state = studio.workspace(state)
    store = studio.store(ws)
    adapter.prepare(store, studio.cache, upto="plan", progress=progress)
    out = ws.out_dir / "lesson"
    out.mkdir(parents=True, exist_ok=True)
    made = adapter.lesson_page(store, subject, out)
    if made is not None:
        page = made.read_text("utf-8")
        return state, f"<article class='lesson'>{page}</article>", str(made)
    themes = json.loads((store.root / "stages" / "themes.json").read_text("utf-8"))["themes"]
    if not themes:
        raise InputError("this film has no themes yet", field="theme")
    t = next((x for x in themes if x["name"] == subject), themes[0])
    midi = adapter.resolve_inside(store.root, t["midi"], field="themes.midi")
    score = Score.from_midi(midi)
    _, svgs = adapter.render_notation(midi, out / "notation", title=f"{t['name']} theme")
    mel = score.melody()
    from assistant.themes.checks import extract_motif

    meter = (score.meters[0][1], score.meters[0][2])
    line = [(n.pitch, n.start_beats, n.dur_beats) for n in mel]
    motif = extract_motif(line, meter)
    names = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
    head = " ".join(f"{names[p % 12]}{p // 12 - 1}" for p, _, _ in line[:motif.length])
    rows = [r for r in _plan_dicts(store) if t["name"] in r.get("themes", [])]
    def how(r: dict[str, Any]) -> str:
        return str((r.get("transformations") or {}).get(t["name"], r.get("transformation")))

    items = "".join(
        f"<tr><td>{html.escape(r['cue'])}</td><td>{html.escape(r.get('function') or '')}</td>"
        f"<td>{html.escape(how(r))}</td><td>{r.get('intensity')}</td>"
        f"<td>{html.escape(str(r.get('weight')))}</td></tr>" for r in rows)
    page = (f"<article class='lesson'><h2>The {html.escape(t['name'])} theme</h2>"
            f"<p>{html.escape(t.get('kind', ''))} theme, {meter[0]}/{meter[1]}, first stated in "
            f"{html.escape(', '.join(t.get('cues', [])[:1]))}, for "
            f"{html.escape(t.get('instrument', ''))}.</p>"
            f"<h3>Head motif</h3><p>{html.escape(head)}: the {motif.length} notes every "
            "statement keeps recognisable, however the theme is transformed.</p>"
            f"<h3>Notation</h3>{''.join(svgs[:1])}"
            "<h3>How it develops across the film</h3><table><tr><th>cue</th><th>function</th>"
            f"<th>transformation</th><th>intensity</th><th>weight</th></tr>{items}</table>"
            "</article>")
    p = out / f"lesson-{adapter.safe_filename(t['name'])}.html"
    p.write_text(f"<!doctype html><meta charset='utf-8'><title>{html.escape(t['name'])}</title>"
                 f"{page}", encoding="utf-8")
    return state, page, str(p)


def _plan_dicts(store: ProjectStore) -> list[dict[str, Any]]:
    return json.loads((store.root / "stages" / "plan.json").read_text("utf-8"))["rows"]
