"""Melodies of the training corpus (the music21 package's bundled corpus), stored compactly.

One melody per piece: the top voice (first part) of multi-part scores, the skyline of a
single polyphonic part, the tune itself for the monophonic folk collections. The shipped
file ``models/guard/corpus_melodies.npz`` holds (no pickles, ``allow_pickle=False``):

* ``pitches`` uint8 (N,): MIDI pitch of every note of every piece, concatenated
* ``ioi_ticks`` uint16 (N,): inter-onset interval in 1/48 quarter notes (last note: its duration)
* ``offsets`` int64 (P+1,): piece p is ``pitches[offsets[p]:offsets[p+1]]``
* ``start_beats`` float32 (P,): onset of the first note

and ``corpus_pieces.json`` lists the pieces (id = corpus path + '#k', k 0-based within the
file, as in ``assistant.music.corpus``; title).
Extraction runs collection by collection into shards under a cache folder so that it can be
stopped and resumed; :func:`merge_shards` writes the shipped pair.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.guard.melody import (
    MIN_NOTES,
    Melody,
    line_from_notes,
    music21_part_notes,
)

log = logging.getLogger(__name__)

TICKS_PER_BEAT = 48
MODELS_DIR = Path(__file__).resolve().parents[2] / "models" / "guard"
CORPUS_NPZ = MODELS_DIR / "corpus_melodies.npz"
CORPUS_JSON = MODELS_DIR / "corpus_pieces.json"

# Monophonic collections first (cheap, and the likeliest to be regurgitated), then the rest.
COLLECTIONS: tuple[str, ...] = (
    "essenFolksong", "oneills1850", "ryansMammoth", "airdsAirs", "miscFolk",
    "nottingham-dataset", "bach", "palestrina", "monteverdi", "trecento", "josquin",
    "ciconia", "luca", "lusitano", "corelli", "cpebach", "handel", "haydn", "mozart",
    "beethoven", "schubert", "schumann_robert", "schumann_clara", "chopin", "joplin",
    "liliuokalani", "johnson_j_r", "beach", "verdi", "weber", "leadSheet", "demos",
)
_EXTS = (".abc", ".mxl", ".xml", ".musicxml", ".krn", ".mid", ".midi")


@dataclass
class CorpusMelodies:
    """The corpus melodies as flat arrays (see the module docstring)."""

    pitches: np.ndarray
    ioi_ticks: np.ndarray
    offsets: np.ndarray
    start_beats: np.ndarray
    pieces: list[dict[str, Any]]

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_notes(self) -> int:
        return int(self.offsets[-1])

    def melody(self, p: int) -> Melody:
        a, b = int(self.offsets[p]), int(self.offsets[p + 1])
        ioi = self.ioi_ticks[a:b].astype(np.float64) / TICKS_PER_BEAT
        onsets = float(self.start_beats[p]) + np.concatenate([[0.0], np.cumsum(ioi[:-1])])
        return Melody(self.pitches[a:b].astype(np.int16), onsets, ioi,
                      name=self.pieces[p]["id"])

    @classmethod
    def from_melodies(cls, mels: Iterable[Melody], pieces: list[dict[str, Any]]) -> CorpusMelodies:
        pit, ioi, starts, offs = [], [], [], [0]
        for m in mels:
            pit.append(np.clip(m.pitches, 0, 127).astype(np.uint8))
            ioi.append(np.clip(np.rint(m.iois_beats * TICKS_PER_BEAT), 1, 65535).astype(np.uint16))
            starts.append(float(m.onsets_beats[0]) if len(m) else 0.0)
            offs.append(offs[-1] + len(m))
        return cls(
            np.concatenate(pit) if pit else np.zeros(0, np.uint8),
            np.concatenate(ioi) if ioi else np.zeros(0, np.uint16),
            np.asarray(offs, dtype=np.int64),
            np.asarray(starts, dtype=np.float32),
            pieces,
        )

    def save(self, npz: Path, js: Path) -> None:
        npz.parent.mkdir(parents=True, exist_ok=True)
        tmp = npz.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, pitches=self.pitches, ioi_ticks=self.ioi_ticks,
                            offsets=self.offsets, start_beats=self.start_beats)
        os.replace(tmp, npz)
        from assistant.project import atomic_write_text

        atomic_write_text(js, json.dumps({"ticks_per_beat": TICKS_PER_BEAT,
                                          "pieces": self.pieces}, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, npz: Path = CORPUS_NPZ, js: Path = CORPUS_JSON) -> CorpusMelodies:
        with np.load(npz, allow_pickle=False) as z:
            arrays = {k: z[k] for k in ("pitches", "ioi_ticks", "offsets", "start_beats")}
        pieces = json.loads(Path(js).read_text("utf-8"))["pieces"]
        c = cls(pieces=pieces, **arrays)
        if len(c.pieces) != len(c):
            raise ValueError(f"{js} lists {len(c.pieces)} pieces, {npz} has {len(c)}")
        return c


# ----------------------------------------------------------------------------- extraction
def corpus_root() -> Path:
    import music21

    return Path(music21.__file__).resolve().parent / "corpus"


def collection_files(collection: str) -> list[Path]:
    base = corpus_root() / collection
    if not base.is_dir():
        return []
    files = [p for p in sorted(base.rglob("*")) if p.suffix.lower() in _EXTS]
    # a work stored both as .mxl and .krn (or .xml) is taken once
    seen: set[str] = set()
    out = []
    for p in files:
        key = str(p.with_suffix("")).lower()
        if key in seen:
            continue
        seen.add(key)
        out.append(p)
    return out


def top_line(score: Any, name: str) -> Melody | None:
    """The melody of one music21 score: its first (top) part, skylined if it has chords."""
    from music21 import stream

    parts = list(score.parts) if isinstance(score, stream.Score) and score.parts else [score]
    for part in parts:  # first part with enough notes
        notes = music21_part_notes(part)
        if len(notes) >= MIN_NOTES:
            m = line_from_notes(notes, name=name)
            return m if len(m) >= MIN_NOTES else None
    return None


def extract_file(path: Path) -> list[tuple[dict[str, Any], Melody]]:
    """Parse one corpus file; one (piece info, melody) per score in it."""
    from music21 import converter, stream

    rel = path.relative_to(corpus_root()).as_posix()
    try:
        parsed = converter.parse(str(path), forceSource=True)  # no music21 pickle cache
    except Exception as exc:  # corpus files that music21 itself cannot read
        log.warning("skip %s: %s", rel, exc)
        return []
    scores = list(parsed.scores) if isinstance(parsed, stream.Opus) else [parsed]
    out = []
    for k, sc in enumerate(scores):
        pid = f"{rel}#{k}"  # the same ids as assistant.music.corpus (0-based within a file)
        md = getattr(sc, "metadata", None)
        title = str(getattr(md, "title", "") or "") if md is not None else ""
        try:
            m = top_line(sc, pid)
        except Exception as exc:
            log.warning("skip %s: %s", pid, exc)
            continue
        if m is not None:
            out.append(({"id": pid, "title": str(title)[:80]}, m))
    return out


def melodies_from_music_cache(jsonl: Path) -> list[tuple[dict[str, Any], Melody]]:
    """Read the music model's corpus cache (``assistant.music.corpus`` piece records, one
    JSON object a line with ``parts[*].notes = [[pitch, start_q, dur_q], ...]``)."""
    out = []
    for line in jsonl.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        for part in rec.get("parts", []):
            notes = [tuple(n) for n in part.get("notes", [])]
            if len(notes) >= MIN_NOTES:
                m = line_from_notes(notes, name=rec["id"])
                if len(m) >= MIN_NOTES:
                    out.append(({"id": rec["id"], "title": str(rec.get("title", ""))[:80]}, m))
                break
    return out


def extract_collection(collection: str, shard_dir: Path, music_cache: Path | None = None,
                       chunk: int = 100, reverse: bool = False,
                       max_seconds: float | None = None) -> list[Path]:
    """Extract one collection into shards ``shard_dir/<collection>.<k>.npz/.json`` of
    ``chunk`` files each (existing shards are kept: the build resumes). A file already in
    the music model's cache (``music_cache/<collection>/<file>.jsonl``) is read from there
    instead of being parsed again."""
    from tqdm import tqdm

    files = collection_files(collection)
    chunks = [files[i:i + chunk] for i in range(0, len(files), chunk)]
    order = list(range(len(chunks)))[::-1] if reverse else list(range(len(chunks)))
    t0 = time.time()
    written = []
    for k in order:
        npz, js = shard_dir / f"{collection}.{k:03d}.npz", shard_dir / f"{collection}.{k:03d}.json"
        if npz.exists() and js.exists():
            written.append(npz)
            continue
        items: list[tuple[dict[str, Any], Melody]] = []
        for f in tqdm(chunks[k], desc=f"{collection}.{k}", mininterval=30):
            cached = None
            if music_cache is not None:
                cached = music_cache / collection / (f.relative_to(corpus_root() / collection).as_posix() + ".jsonl")
            if cached is not None and cached.is_file():
                items.extend(melodies_from_music_cache(cached))
            else:
                items.extend(extract_file(f))
        c = CorpusMelodies.from_melodies((m for _, m in items), [i for i, _ in items])
        c.save(npz, js)
        written.append(npz)
        log.info("%s.%d: %d pieces, %d notes (%.0f s)", collection, k, len(c), c.n_notes,
                 time.time() - t0)
        if max_seconds is not None and time.time() - t0 > max_seconds:
            log.warning("%s: time cap reached", collection)
            break
    return written


def merge_shards(shard_dir: Path, collections: Iterable[str] = COLLECTIONS,
                 out_npz: Path = CORPUS_NPZ, out_json: Path = CORPUS_JSON,
                 exclude_ids: set[str] | None = None) -> CorpusMelodies:
    """Concatenate the shards (in collection order) into the shipped corpus file."""
    mels: list[Melody] = []
    pieces: list[dict[str, Any]] = []
    seen: set[str] = set()
    for col in collections:
        for npz in sorted(shard_dir.glob(f"{col}.*.npz")) + sorted(shard_dir.glob(f"{col}.npz")):
            js = npz.with_suffix(".json")
            if not js.exists() or npz.name.endswith(".tmp.npz"):
                continue
            c = CorpusMelodies.load(npz, js)
            for p in range(len(c)):
                pid = c.pieces[p]["id"]
                if pid in seen or (exclude_ids and pid in exclude_ids):
                    continue
                seen.add(pid)
                mels.append(c.melody(p))
                pieces.append(c.pieces[p])
    out = CorpusMelodies.from_melodies(mels, pieces)
    out.save(out_npz, out_json)
    return out
