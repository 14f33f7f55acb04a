"""Splits, token files and training batches for the music model.

- :func:`build_splits`: piece-level train/val/test split with duplicate tunes grouped by the
  hash of their melody's interval sequence (transposition- and rhythm-invariant), so copies
  and transpositions of one tune never straddle splits. Fixes the two comparison sets:
  ``chorale_test`` (Bach four-part chorales in test; sopranos are scored) and ``essen_test``.
- :func:`build_token_files`: REMI ids cut at bar lines into segments of at most ``SEG_MAX``
  tokens, each with its own measured controls, saved as npz (no pickles).
- :class:`SegmentSampler`: packed training rows with on-the-fly transposition (an id shift,
  kept inside the instruments' ranges) and fill-in-the-middle (bar infilling) examples.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from assistant.music.corpus import (
    DENSITY_EDGES,
    DENSITY_NAMES,
    ENSEMBLES,
    REGISTER_EDGES,
    REGISTER_NAMES,
    KeyEstimate,
    bar_features,
    bucket,
    density_per_q,
    estimate_key,
)
from assistant.music.tokens import (
    PITCH_HI,
    PITCH_LO,
    PROGRAM_RANGE,
    Vocab,
    decode_ids,
    encode,
    make_tokenizer,
    notes_to_symusic,
)

log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[2]

SEG_MAX = 250  # REMI tokens per segment (the prefix and EOS come on top)
TEST_RATE = {"bach": 0.15, "essenFolksong": 0.05}
DEFAULT_TEST_RATE = 0.04
VAL_RATE = 0.04
FAMILY_MAX_HELD_OUT = 40  # a tune family larger than this always goes to train
MAX_TRAIN_SEGMENTS_PER_PIECE = 8  # compute budget: long works contribute their first ~8 segments
CONTROL_DROPOUT = 0.2  # chance of replacing key, density or register by its *_none token
# chance of an unconditional example (key, density and register all *_none): the prefix that
# melody prediction uses (evaluate.melody_ids) and that requests without controls get; with
# independent dropout alone it would come up only 0.2**3 = 0.8 % of the time
UNCONDITIONAL_RATE = 0.15
# chance of a segment whose per-bar chord tokens are all Chord_none (v2): generation without a
# plan and melody prediction (which must not see the harmony) use that layout
CHORD_DROPOUT = 0.2


def iter_records(extract_dir: Path) -> Iterator[dict[str, Any]]:
    """Every piece record under ``extract_dir`` (sorted file order, so runs are repeatable)."""
    for f in sorted(extract_dir.rglob("*.jsonl")):
        if f.name == "dropped.jsonl":
            continue
        with f.open() as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)


def _unit(key: str) -> float:
    """A deterministic number in [0, 1) from a string."""
    return int(hashlib.sha1(key.encode()).hexdigest()[:12], 16) / 16**12


def build_splits(extract_dir: Path, out_dir: Path) -> dict[str, Any]:
    """Write ``splits.json``, ``stats.json``, ``families.json`` (tune-family statistics) and the
    compact leakage tables into ``out_dir``; returns the stats.

    Pieces are grouped into **tune families** (:mod:`assistant.music.families`: near-duplicate
    melodies by interval edit similarity and 8-gram cover — the same piece in two formats, one
    chorale tune under several BWV numbers, folk-song variants) and every family goes whole
    into one split, so no held-out melody has a near copy in training.
    """
    from assistant.music.families import (
        LINK_COVER,
        LINK_EDIT,
        clusters,
        find_links,
        intervals,
        piece_melody,
    )

    out_dir.mkdir(parents=True, exist_ok=True)
    recs: list[tuple[str, str, dict[str, Any]]] = []
    pitches: list[np.ndarray] = []
    for r in iter_records(extract_dir):
        recs.append((r["id"], r["collection"], r["features"]))
        pitches.append(np.asarray([int(n[0]) for n in piece_melody(r)], dtype=np.int64))
    ivs = [intervals(p) for p in pitches]
    links = find_links(ivs, progress=len(ivs) > 2000)
    label = clusters(len(recs), links)
    groups: dict[int, list[int]] = {}
    for i, g in enumerate(label):
        groups.setdefault(g, []).append(i)
    split_of: dict[int, str] = {}
    for members in groups.values():
        rep = min(recs[m][0] for m in members)  # a stable key: the family's first piece id
        u = _unit(rep)
        rate = max(TEST_RATE.get(recs[m][1], DEFAULT_TEST_RATE) for m in members)
        s = "test" if u < rate else ("val" if u < rate + VAL_RATE else "train")
        if len(members) > FAMILY_MAX_HELD_OUT:  # a huge family would swamp a held-out set
            s = "train"
        for m in members:
            split_of[m] = s
    splits: dict[str, list[str]] = {"train": [], "val": [], "test": []}
    for i, (rid, _c, _f) in enumerate(recs):
        splits[split_of[i]].append(rid)
    # comparison sets: one representative (the first id) per tune family
    chorale, essen = [], []
    for members in groups.values():
        i = min(members, key=lambda m: recs[m][0])
        rid, coll, f = recs[i]
        if split_of[i] != "test":
            continue
        chor = [m for m in sorted(members, key=lambda m: recs[m][0])
                if recs[m][1] == "bach" and recs[m][2]["ensemble"] == "chorale"]
        ess = [m for m in sorted(members, key=lambda m: recs[m][0])
               if recs[m][1] == "essenFolksong" and recs[m][2]["n_parts"] == 1]
        if chor:
            chorale.append(recs[chor[0]][0])
        elif ess:
            essen.append(recs[ess[0]][0])
    splits["chorale_test"] = sorted(chorale)
    splits["essen_test"] = sorted(essen)
    fam = family_stats(recs, ivs, links, label, split_of)
    fam["link_thresholds"] = {"edit_similarity": LINK_EDIT, "cover_8gram": LINK_COVER}
    ids = [r[0] for r in recs]
    fam["leakage"] = {"this_split": leakage_report(ids, links, splits)}
    old_path = out_dir / "splits_v1.json"
    if old_path.exists():  # the session-2 split (exact interval-hash groups), for the before/after figures
        fam["leakage"]["v1_split"] = leakage_report(ids, links, json.loads(old_path.read_text()))
    (out_dir / "families.json").write_text(json.dumps(fam, indent=1))
    write_melody_tables(out_dir, pitches, split_of)
    dropped: Counter[str] = Counter()
    dpath = extract_dir / "dropped.jsonl"
    if dpath.exists():
        for line in dpath.read_text().splitlines():
            if line.strip():
                reason = json.loads(line)["reason"]
                dropped[reason.split(":")[0] + (": " + reason.split(":")[1].strip() if ":" in reason else "")] += 1
    per_coll: dict[str, Counter[str]] = {}
    feats: dict[str, Counter[str]] = {k: Counter() for k in ("mode", "meter", "ensemble", "density", "register")}
    n_notes = 0
    for i, (_rid, coll, f) in enumerate(recs):
        per_coll.setdefault(coll, Counter())[split_of[i]] += 1
        feats["mode"][f["mode"]] += 1
        feats["meter"][f["meter"]] += 1
        feats["ensemble"][f["ensemble"]] += 1
        feats["density"][bucket(f["density_per_q"], DENSITY_EDGES, DENSITY_NAMES)] += 1
        feats["register"][bucket(f["mean_pitch"], REGISTER_EDGES, REGISTER_NAMES)] += 1
        n_notes += f["n_notes"]
    dens = np.array([f["density_per_q"] for _r, _c, f in recs])
    regs = np.array([f["mean_pitch"] for _r, _c, f in recs])
    stats = {
        "pieces": len(recs),
        "notes": n_notes,
        "duplicate_groups": sum(1 for m in groups.values() if len(m) > 1),
        "pieces_in_duplicate_groups": sum(len(m) for m in groups.values() if len(m) > 1),
        "families": {k: fam[k] for k in ("families", "multi_piece_families", "pieces_in_multi_piece_families",
                                          "largest_family", "links")},
        "split_sizes": {k: len(v) for k, v in splits.items()},
        "per_collection": {c: dict(v) for c, v in sorted(per_coll.items())},
        "dropped": dict(dropped.most_common()),
        "features": {k: dict(v.most_common(25)) for k, v in feats.items()},
        "density_per_q_tertiles": np.percentile(dens, [33.3, 66.7]).round(3).tolist() if len(dens) else [],
        "mean_pitch_tertiles": np.percentile(regs, [33.3, 66.7]).round(2).tolist() if len(regs) else [],
        "split_rule": {"test_rate": TEST_RATE, "default_test_rate": DEFAULT_TEST_RATE, "val_rate": VAL_RATE,
                       "grouping": "tune families (assistant.music.families): union of near-duplicate "
                                   f"melodies, interval edit similarity >= {LINK_EDIT} or 8-gram cover >= "
                                   f"{LINK_COVER}; families over {FAMILY_MAX_HELD_OUT} pieces go to train; "
                                   "datasets/music/families.json"},
    }
    done_path = extract_dir / "done.txt"
    if done_path.exists():
        try:
            from music21 import corpus

            paths = [str(p) for p in corpus.getPaths() if not str(p).endswith(".rntxt")]
            done = set(done_path.read_text().split("\n"))
            missing = [p.split("/corpus/")[1] for p in paths if p.split("/corpus/")[1] not in done]
            by_c = Counter(m.split("/")[0] for m in missing)
            stats["files_not_extracted"] = {"count": len(missing), "per_collection": dict(by_c)}
            if missing:
                stats["files_not_extracted"]["reason"] = "extraction not finished: run the extract stage again"
            stats["files_extracted"] = len(done - {""})
        except Exception as exc:  # noqa: BLE001 - statistics only
            log.warning("could not count unextracted files: %s", exc)
    old = json.loads((out_dir / "stats.json").read_text()) if (out_dir / "stats.json").exists() else {}
    for later in ("tokens", "per_bar"):  # written by the later stages
        if later in old:
            stats[later] = old[later]
    (out_dir / "stats.json").write_text(json.dumps(stats, indent=1))
    (out_dir / "splits.json").write_text(json.dumps(splits, indent=0))
    write_eval_melodies(extract_dir, out_dir, set(chorale), set(essen))
    log.info("splits: %s", stats["split_sizes"])
    return stats


def family_stats(recs: list[tuple[str, str, dict[str, Any]]], ivs: list[np.ndarray], links: list[Any],
                 label: list[int], split_of: dict[int, str]) -> dict[str, Any]:
    """Cluster statistics for ``families.json``: sizes, collections, link kinds, examples."""
    from assistant.music.families import SIM_COVER, SIM_EDIT

    groups: dict[int, list[int]] = {}
    for i, g in enumerate(label):
        groups.setdefault(g, []).append(i)
    multi = [m for m in groups.values() if len(m) > 1]
    sizes = Counter(len(m) for m in groups.values())
    cross = Counter()
    for m in multi:
        cs = sorted({recs[i][1] for i in m})
        if len(cs) > 1:
            cross["+".join(cs)] += 1
    per_coll: dict[str, Counter[str]] = {}
    for m in multi:
        for i in m:
            per_coll.setdefault(recs[i][1], Counter())["in_multi_piece_family"] += 1
    for _rid, c, _f in recs:
        per_coll.setdefault(c, Counter())["pieces"] += 1
    kinds = Counter()
    for lk in links:
        e = lk.edit >= SIM_EDIT
        cv = max(lk.cover_ab, lk.cover_ba) >= SIM_COVER
        kinds["edit>=0.8 and cover>=0.8" if e and cv else "edit>=0.8 only" if e else
              "cover>=0.8 only" if cv else "between the link and the leakage thresholds"] += 1
    big = sorted(multi, key=len, reverse=True)
    return {
        "pieces": len(recs), "families": len(groups), "multi_piece_families": len(multi),
        "pieces_in_multi_piece_families": sum(len(m) for m in multi),
        "largest_family": max((len(m) for m in groups.values()), default=0),
        "family_size_histogram": {str(k): v for k, v in sorted(sizes.items())},
        "links": len(links), "link_kinds": dict(kinds),
        "cross_collection_families": dict(cross.most_common()),
        "per_collection": {c: dict(v) for c, v in sorted(per_coll.items())},
        "largest_families": [{"size": len(m), "split": split_of[m[0]],
                              "examples": sorted(recs[i][0] for i in m)[:12]} for m in big[:15]],
        "melody": "soprano part by name, else the first part; highest note per onset; pitch intervals",
    }


def leakage_report(ids: list[str], links: list[Any], splits: dict[str, list[str]]) -> dict[str, Any]:
    """How many held-out melodies have a training melody at edit similarity >= 0.8 or 8-gram
    cover >= 0.8 (either way), per held-out set (``test``, ``chorale_test``, ``essen_test``)."""
    from assistant.music.families import SIM_COVER, SIM_EDIT

    train = set(splits["train"])
    leaky: dict[str, set[str]] = {}
    for lk in links:
        if lk.edit < SIM_EDIT and max(lk.cover_ab, lk.cover_ba) < SIM_COVER:
            continue
        a, b = ids[lk.a], ids[lk.b]
        for x, y in ((a, b), (b, a)):
            if y in train and x not in train:
                leaky.setdefault(x, set()).add(y)
    out: dict[str, Any] = {}
    for name in ("test", "chorale_test", "essen_test"):
        held = splits.get(name, [])
        bad = sorted(x for x in held if x in leaky)
        out[name] = {"melodies": len(held), "with_a_train_near_copy": len(bad),
                     "share": round(len(bad) / max(len(held), 1), 4),
                     "examples": [[x, sorted(leaky[x])[:3]] for x in bad[:8]], "ids": bad}
    return out


def write_melody_tables(out_dir: Path, pitches: list[np.ndarray], split_of: dict[int, str]) -> None:
    """``melody_tables.npz``: the melodies (MIDI pitches, uint8, concatenated, with offsets) of
    the train and test splits, so the leakage test and the IDyOM-style baseline run without the
    corpus cache."""
    arrays: dict[str, np.ndarray] = {}
    for name in ("train", "test"):
        sel = [np.clip(pitches[i], 0, 127).astype(np.uint8) for i in sorted(split_of) if split_of[i] == name]
        arrays[f"{name}_pitches"] = np.concatenate(sel) if sel else np.zeros(0, np.uint8)
        arrays[f"{name}_offsets"] = np.concatenate([[0], np.cumsum([len(x) for x in sel])]).astype(np.int64)
    np.savez_compressed(out_dir / "melody_tables.npz", **arrays)


def load_melody_table(path: Path, split: str) -> list[np.ndarray]:
    """The melodies (pitch arrays) of one split from ``melody_tables.npz``."""
    with np.load(path) as z:
        p, o = z[f"{split}_pitches"].astype(np.int64), z[f"{split}_offsets"]
    return [p[o[i]:o[i + 1]] for i in range(len(o) - 1)]


def write_eval_melodies(extract_dir: Path, out_dir: Path, chorale: set[str], essen: set[str]) -> None:
    """Store the held-out comparison melodies (chorale sopranos, Essen songs) as small JSON."""
    from assistant.music.families import piece_melody

    out: dict[str, list[dict[str, Any]]] = {"chorale": [], "essen": []}
    for rec in iter_records(extract_dir):
        which = "chorale" if rec["id"] in chorale else "essen" if rec["id"] in essen else None
        if which is None:
            continue
        mono = piece_melody(rec)
        out[which].append({"id": rec["id"], "meters": rec["meters"], "tempos": rec["tempos"][:1],
                           "notes": mono})
    for k in out:
        out[k].sort(key=lambda m: m["id"])
    (out_dir / "eval_melodies.json").write_text(json.dumps(out, separators=(",", ":")))


def _merge_stats(datasets_dir: Path, section: str, value: dict[str, Any]) -> None:
    """Write one section of ``datasets_dir/stats.json``, keeping the others."""
    path = datasets_dir / "stats.json"
    stats = json.loads(path.read_text()) if path.exists() else {}
    stats[section] = value
    path.write_text(json.dumps(stats, indent=1))
    log.info("%s: %s", section, value)


def segment_ids(vocab: Vocab, ids: list[int], seg_max: int = SEG_MAX) -> list[tuple[int, int]]:
    """Cut REMI ids at bar tokens into ``[a, b)`` spans of whole bars, at most ``seg_max`` long."""
    arr = np.asarray(ids)
    bars = np.flatnonzero(arr == vocab.bar).tolist() + [len(ids)]
    if not bars or bars[0] != 0:
        bars = [0] + bars
    spans: list[tuple[int, int]] = []
    a = bars[0]
    prev = a
    for b in bars[1:]:
        if b - a > seg_max and prev > a:
            spans.append((a, prev))
            a = prev
        if b - a > seg_max:  # a single very long bar: cut it
            spans.append((a, a + seg_max))
            a = b
        prev = b
    if prev > a:
        spans.append((a, prev))
    return [(a, b) for a, b in spans if b - a >= 4]


def compact_timesigs(vocab: Vocab, ids: list[int]) -> list[int]:
    """Drop ``TimeSig`` tokens that repeat the meter in force (miditok writes one per bar)."""
    out, cur = [], None
    for i in ids:
        if vocab.kind[i] == 5:
            if i == cur:
                continue
            cur = i
        out.append(i)
    return out


def _program_shift_range(programs: set[int], pmin: int, pmax: int) -> tuple[int, int]:
    lo, hi = PITCH_LO, PITCH_HI
    for p in programs:
        r = PROGRAM_RANGE.get(p)
        if r:
            lo, hi = max(lo, min(r[0], pmin)), min(hi, max(r[1], pmax))
    return max(-6, lo - pmin), min(6, hi - pmax)


def record_bar_chords(vocab: Vocab, tokenizer: Any, rec: dict[str, Any]
                      ) -> tuple[list[tuple[int, str] | None], list[int]]:
    """A chord per REMI bar of a piece, from all its parts (:func:`assistant.music.harmony.bar_chords`
    on the notes as the tokenizer sees them, so the bars are the Bar tokens'), and the piece's
    REMI ids (all parts, no chords)."""
    from assistant.music.harmony import bar_chords

    sym = notes_to_symusic([(p["program"], p["notes"]) for p in rec["parts"]], rec["meters"], rec["tempos"])
    ids = encode(tokenizer, sym)
    dec = decode_ids(vocab, ids)
    return bar_chords([(n[1], n[2], n[3]) for n in dec.notes], dec.bar_starts_q, dec.end_q), ids


def insert_chords(vocab: Vocab, ids: list[int], chords: list[tuple[int, str] | None]) -> list[int]:
    """``ids`` with the bar's chord token right after every Bar token (``Chord_NC`` past the end
    of ``chords``)."""
    out: list[int] = []
    k = 0
    for t in ids:
        out.append(t)
        if t == vocab.bar:
            out.append(vocab.chord_id(chords[k]) if k < len(chords) else vocab.chord_nc)
            k += 1
    return out


def piece_segments(vocab: Vocab, tokenizer: Any, rec: dict[str, Any], melody_only: bool = False,
                   chords: list[tuple[int, str] | None] | None = None,
                   full_ids: list[int] | None = None, max_segments: int | None = None) -> list[dict[str, Any]]:
    """Tokenize a piece record and return its segments with measured controls; every bar
    carries its chord (from all parts, also for the melody-only copy) after its Bar token.
    ``chords``/``full_ids``: :func:`record_bar_chords` of the record, when already computed."""
    if chords is None:
        chords, full_ids = record_bar_chords(vocab, tokenizer, rec)
    if melody_only or full_ids is None:
        parts = rec["parts"][:1] if melody_only else rec["parts"]
        sym = notes_to_symusic([(p["program"], p["notes"]) for p in parts], rec["meters"], rec["tempos"])
        raw = encode(tokenizer, sym)
    else:
        raw = full_ids
    ids = insert_chords(vocab, raw, chords)
    ens = "solo" if melody_only else rec["features"]["ensemble"]
    out = []
    spans = segment_ids(vocab, ids)
    n_spans = len(spans)
    if max_segments is not None:
        spans = spans[:max_segments]
    for j, (a, b) in enumerate(spans):
        seg = compact_timesigs(vocab, ids[a:b])
        dec = decode_ids(vocab, seg)
        if not dec.notes:
            continue
        notes = [(n[1], n[2], n[3]) for n in dec.notes]
        length_q = max(dec.end_q - (dec.bar_starts_q[0] if dec.bar_starts_q else 0.0), 1.0)
        k = estimate_key(notes)
        pitches = [n[0] for n in notes]
        t_lo, t_hi = _program_shift_range({n[0] for n in dec.notes}, min(pitches), max(pitches))
        meter = dec.meters[0][1:]
        out.append({
            "ids": seg,
            "key": k.tonic,
            "mode": 0 if k.mode == "major" else 1,
            "meter": vocab.timesig_id(*meter),
            "density": DENSITY_NAMES.index(bucket(density_per_q(notes, length_q), DENSITY_EDGES, DENSITY_NAMES)),
            "mean_pitch": float(np.mean(pitches)),
            "ensemble": ENSEMBLES.index(ens),
            "t_lo": min(t_lo, 0),
            "t_hi": max(t_hi, 0),
            "last": int(j == n_spans - 1),
        })
    return out


SEG_FIELDS = ("key", "mode", "meter", "density", "mean_pitch", "ensemble", "t_lo", "t_hi", "last")
SOLO_SUFFIX = ":solo"  # source of the extra solo-line copies of training chorales ("bach:solo")


def _tokenize_file(path: str, where: dict[str, str], keep_train: set[str] | None
                   ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
    """Worker: tokenize the records of one extract file that belong to a split."""
    tokenizer = make_tokenizer()
    vocab = Vocab(tokenizer)
    segs: dict[str, list[dict[str, Any]]] = {"train": [], "val": [], "test": []}
    failed: Counter[str] = Counter()
    with open(path) as fh:
        for line in fh:
            rec = json.loads(line)
            s = where.get(rec["id"])
            if s is None or (s == "train" and keep_train is not None and rec["id"] not in keep_train):
                continue
            try:
                chords, full_ids = record_bar_chords(vocab, tokenizer, rec)
                cap = MAX_TRAIN_SEGMENTS_PER_PIECE if s == "train" else None
                got = piece_segments(vocab, tokenizer, rec, chords=chords, full_ids=full_ids, max_segments=cap)
                for g in got:
                    g["source"] = rec["collection"]
                segs[s].extend(got)
                if rec["features"]["ensemble"] == "chorale" and s == "train":
                    solo = piece_segments(vocab, tokenizer, rec, melody_only=True, chords=chords)
                    for g in solo:
                        g["source"] = rec["collection"] + SOLO_SUFFIX
                    segs[s].extend(solo)
            except Exception as exc:  # noqa: BLE001 - counted and reported in stats.json
                failed[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
    return segs, dict(failed)


def build_token_files(extract_dir: Path, datasets_dir: Path, out_dir: Path, workers: int = 2,
                      train_caps: dict[str, int] | None = None) -> dict[str, Any]:
    """Tokenize every split into ``out_dir/{train,val,test}.npz``; add token counts to stats.

    ``train_caps`` limits the number of *training* pieces per collection (a deterministic
    hash-ordered subset) to fit a compute budget; val/test are never capped.
    """
    from concurrent.futures import ProcessPoolExecutor

    out_dir.mkdir(parents=True, exist_ok=True)
    splits = json.loads((datasets_dir / "splits.json").read_text())
    where = {rid: s for s in ("train", "val", "test") for rid in splits[s]}
    keep_train: set[str] | None = None
    if train_caps:
        by_coll: dict[str, list[str]] = {}
        for rid in splits["train"]:
            by_coll.setdefault(rid.split("/")[0], []).append(rid)
        keep_train = set()
        for coll, ids in by_coll.items():
            ids.sort(key=_unit)
            keep_train.update(ids[: train_caps.get(coll, len(ids))])
    vocab = Vocab(make_tokenizer())
    files = sorted(str(f) for f in extract_dir.rglob("*.jsonl") if f.name != "dropped.jsonl")
    segs: dict[str, list[dict[str, Any]]] = {"train": [], "val": [], "test": []}
    failed: Counter[str] = Counter()
    with ProcessPoolExecutor(max_workers=workers) as ex:
        futs = [ex.submit(_tokenize_file, f, where, keep_train) for f in files]
        for fut in tqdm(futs, desc="tokenize", unit="file"):
            got, bad = fut.result()
            for s in segs:
                segs[s].extend(got[s])
            failed.update(bad)
    info: dict[str, Any] = {"vocab_size": vocab.size, "seg_max": SEG_MAX, "tokenize_failures": dict(failed),
                            "max_train_segments_per_piece": MAX_TRAIN_SEGMENTS_PER_PIECE,
                            "train_caps": train_caps or {},
                            "train_pieces_used": len(keep_train) if keep_train is not None else len(splits["train"])}
    for s, lst in segs.items():
        ids = np.concatenate([np.asarray(x["ids"], dtype=np.int16) for x in lst]) if lst else np.zeros(0, np.int16)
        lens = np.array([len(x["ids"]) for x in lst], dtype=np.int64)
        arrays = {"ids": ids, "offsets": np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)}
        for f in SEG_FIELDS:
            arrays[f] = np.array([x[f] for x in lst], dtype=np.float32 if f == "mean_pitch" else np.int32)
        sources = sorted({x["source"] for x in lst})
        source_no = {name: i for i, name in enumerate(sources)}
        arrays["sources"] = np.array(sources, dtype=str)  # a unicode array: loads without pickle
        arrays["source"] = np.array([source_no[x["source"]] for x in lst], dtype=np.int32)
        info[f"{s}_segments_per_source"] = dict(Counter(x["source"] for x in lst).most_common())
        np.savez(out_dir / f"{s}.npz", **arrays)
        info[f"{s}_segments"] = len(lst)
        info[f"{s}_tokens"] = int(ids.size)
    _merge_stats(datasets_dir, "tokens", info)
    return info


BAR_FIELDS = ("bar", "start_q", "key_tonic", "mode", "n_notes", "density_per_q", "polyphony",
              "pitch_min", "pitch_max", "mean_pitch")


def _bars_of_file(path: str) -> tuple[list[str], list[tuple[int, int]], dict[str, list[Any]]]:
    """Worker: (piece ids, piece keys as (tonic, mode 0/1), per-bar feature columns) of one extract file."""
    ids: list[str] = []
    keys: list[tuple[int, int]] = []
    cols: dict[str, list[Any]] = {k: [] for k in ("piece", "meter", "key_from", *BAR_FIELDS)}
    with open(path) as fh:
        for line in fh:
            rec = json.loads(line)
            f = rec["features"]
            pk = KeyEstimate(int(f["key_tonic"]), f["mode"], float(f.get("key_corr", 0.0)))
            keys.append((pk.tonic, 0 if pk.mode == "major" else 1))
            for b in bar_features(rec["parts"], rec["meters"], pk):
                cols["piece"].append(len(ids))
                cols["meter"].append(b["meter"])
                cols["key_from"].append(b["key_from"] == "window")
                for k in BAR_FIELDS:
                    v = b[k]
                    cols[k].append((0 if v == "major" else 1) if k == "mode" else (np.nan if v is None else v))
            ids.append(rec["id"])
    return ids, keys, cols


def build_bar_features(extract_dir: Path, datasets_dir: Path, out_path: Path, workers: int = 2) -> dict[str, Any]:
    """Per-bar features of every piece (:func:`assistant.music.corpus.bar_features`) into
    ``out_path`` (npz: one row per bar, ``piece`` indexes ``pieces``), and a summary under
    ``"per_bar"`` in ``datasets_dir/stats.json``."""
    from concurrent.futures import ProcessPoolExecutor

    files = sorted(str(f) for f in extract_dir.rglob("*.jsonl") if f.name != "dropped.jsonl")
    pieces: list[str] = []
    piece_keys: list[tuple[int, int]] = []
    cols: dict[str, list[Any]] = {}
    with ProcessPoolExecutor(max_workers=workers) as ex:
        for ids, keys, c in tqdm(ex.map(_bars_of_file, files, chunksize=8), total=len(files), desc="bars",
                                 unit="file"):
            base = len(pieces)
            pieces.extend(ids)
            piece_keys.extend(keys)
            c["piece"] = [base + i for i in c["piece"]]
            for k, v in c.items():
                cols.setdefault(k, []).extend(v)
    arr = {k: np.asarray(v, dtype=str if k == "meter" else (np.float32 if k in (
        "start_q", "density_per_q", "polyphony", "mean_pitch") else np.int32)) for k, v in cols.items()}
    arr["pieces"] = np.asarray(pieces, dtype=str)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_path, **arr)
    n = len(arr["bar"])
    has = arr["n_notes"] > 0
    local = arr["key_from"] == 1
    pk = np.asarray(piece_keys, dtype=np.int32).reshape(-1, 2)[arr["piece"]]  # (bars, [tonic, mode])
    dens = [bucket(float(x), DENSITY_EDGES, DENSITY_NAMES) for x in arr["density_per_q"][has]]
    regs = [bucket(float(x), REGISTER_EDGES, REGISTER_NAMES) for x in arr["mean_pitch"][has]]
    summary = {
        "bars": int(n), "pieces": len(pieces), "empty_bars": int((~has).sum()),
        "meters": dict(Counter(arr["meter"].tolist()).most_common(12)),
        "mode": {"major": int((arr["mode"] == 0).sum()), "minor": int((arr["mode"] == 1).sum())},
        "density": dict(Counter(dens)), "register": dict(Counter(regs)),
        "local_key_decided_share": round(float(local.mean()), 4) if n else 0.0,
        "mean_polyphony_nonempty": round(float(arr["polyphony"][has].mean()), 3) if has.any() else 0.0,
        "file": str(out_path.relative_to(REPO_ROOT)) if out_path.is_relative_to(REPO_ROOT) else str(out_path),
        "key_rule": "Krumhansl-Schmuckler over the bar and one bar either side; fewer than 3 pitch "
                    "classes there -> the piece's key",
        "bars_away_from_piece_key_share": round(float(
            (local & ((arr["mode"] != pk[:, 1]) | (arr["key_tonic"] != pk[:, 0]))).sum() / max(local.sum(), 1)), 4),
    }
    _merge_stats(datasets_dir, "per_bar", summary)
    return summary


class SegmentSampler:
    """Packed training rows from a token npz, with transposition and FIM examples.

    ``source_weights`` (e.g. ``{"bach:solo": 4.0}``) makes segments of a source (a corpus
    collection, or ``<collection>:solo`` for the solo-line copies of chorales) that many times
    as likely to be drawn as the others (weight 1); unknown names are an error.
    ``unconditional_rate`` and ``chord_dropout`` override :data:`UNCONDITIONAL_RATE` and
    :data:`CHORD_DROPOUT` (a second stage may show the plain-melody layout more often).
    """

    def __init__(self, npz_path: Path | str, vocab: Vocab, ctx: int, seed: int = 0,
                 augment: bool = True, fim_rate: float = 0.25,
                 source_weights: dict[str, float] | None = None,
                 unconditional_rate: float = UNCONDITIONAL_RATE, chord_dropout: float = CHORD_DROPOUT) -> None:
        for name, rate in (("unconditional_rate", unconditional_rate), ("chord_dropout", chord_dropout)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {rate}")
        self.unconditional_rate = float(unconditional_rate)
        self.chord_dropout = float(chord_dropout)
        with np.load(npz_path) as z:
            self.d = {k: z[k] for k in z.files}
        self.vocab = vocab
        self.ctx = ctx
        self.augment = augment
        self.fim_rate = fim_rate
        self.rng = np.random.default_rng(seed)
        self.n = len(self.d["offsets"]) - 1
        self.is_pitch = vocab.kind == 1
        self.n_tokens = int(self.d["ids"].size + self.n * 7)
        self.cum_p: np.ndarray | None = None
        if source_weights:
            names = [str(x) for x in self.d.get("sources", [])]
            unknown = sorted(set(source_weights) - set(names))
            if unknown:
                raise ValueError(f"source_weights: unknown sources {unknown}; known: {names}")
            w_of = np.array([float(source_weights.get(n, 1.0)) for n in names])
            w = w_of[self.d["source"]]
            self.cum_p = np.cumsum(w / w.sum())

    def draw(self) -> int:
        """A segment index, uniform or by source weight."""
        if self.cum_p is None:
            return int(self.rng.integers(self.n))
        return min(int(np.searchsorted(self.cum_p, self.rng.random(), side="right")), self.n - 1)

    def sequence(self, i: int, shift: int = 0, fim: bool = False, dropout: bool = False) -> np.ndarray:
        """The full id sequence of segment ``i`` (prefix, REMI or FIM layout, EOS if last)."""
        d, v = self.d, self.vocab
        a, b = int(d["offsets"][i]), int(d["offsets"][i + 1])
        ids = d["ids"][a:b].astype(np.int64)
        if shift:
            m = self.is_pitch[ids]
            ids = ids.copy()
            ids[m] += shift
            ids = v.chord_shift[shift % 12][ids]  # chord roots move with the pitches
        mode = "major" if d["mode"][i] == 0 else "minor"
        reg = bucket(float(d["mean_pitch"][i]) + shift, REGISTER_EDGES, REGISTER_NAMES)
        pre = [v.bos, v.key_id(int(d["key"][i]) + shift, mode), int(d["meter"][i]),
               v.vocab[f"Density_{DENSITY_NAMES[int(d['density'][i])]}"], v.vocab[f"Register_{reg}"],
               v.vocab[f"Ensemble_{ENSEMBLES[int(d['ensemble'][i])]}"]]
        if dropout:
            uncond = self.rng.random() < self.unconditional_rate
            for slot, none in ((1, "Key_none"), (3, "Density_none"), (4, "Register_none")):
                if uncond or self.rng.random() < CONTROL_DROPOUT:
                    pre[slot] = v.vocab[none]
            if uncond or self.rng.random() < self.chord_dropout:  # the whole segment without its chord plan
                ids = ids.copy()
                ids[v.is_chord[ids]] = v.chord_none
        tail = [v.eos] if d["last"][i] else []
        if fim:
            bars = np.flatnonzero(ids == v.bar)
            if len(bars) >= 3:
                x = int(self.rng.integers(1, len(bars) - 1))
                y = int(self.rng.integers(x + 1, len(bars) + 1))
                ia = int(bars[x])
                ib = int(bars[y]) if y < len(bars) else len(ids)
                return np.concatenate([pre, [v.fim_pre], ids[:ia], [v.fim_suf], ids[ib:],
                                       [v.fim_mid], ids[ia:ib], [v.eos]]).astype(np.int64)
        return np.concatenate([pre, ids, tail]).astype(np.int64)

    def row(self) -> np.ndarray:
        """One packed row of ``ctx + 1`` ids (several sequences back to back)."""
        parts, n = [], 0
        while n < self.ctx + 1:
            i = self.draw()
            shift = 0
            if self.augment:
                lo, hi = int(self.d["t_lo"][i]), int(self.d["t_hi"][i])
                shift = int(self.rng.integers(lo, hi + 1)) if hi >= lo else 0
            fim = self.augment and self.rng.random() < self.fim_rate
            s = self.sequence(i, shift, fim, dropout=self.augment)
            parts.append(s)
            n += len(s)
        return np.concatenate(parts)[: self.ctx + 1]

    def batch(self, batch_size: int) -> np.ndarray:
        """``(batch_size, ctx + 1)`` int64 ids."""
        return np.stack([self.row() for _ in range(batch_size)])

    def eval_sequences(self) -> Iterator[np.ndarray]:
        """Every segment once, untransposed, plain layout (for held-out NLL)."""
        for i in range(self.n):
            yield self.sequence(i)
