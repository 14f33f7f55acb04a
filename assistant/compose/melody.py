"""Melody for a cue: the theme (or its planned transformation) placed where the drama
needs it, motif fragments in the builds, connective material written by the music model,
and a counter-melody at the peaks.

* The theme is read from its score (key from ``Score.key`` or analysed), transformed by
  the development plan's label through :func:`assistant.themes.ops.apply` when it knows
  it, moved into the cue's key and mode, and laid bar by bar onto the cue's bars so
  every theme downbeat lands on a cue bar line (a 3/4 theme in 4/4 holds its last note
  of each bar; a longer theme bar is compressed onto the 16th grid).
* Sections marked ``theme`` state it from their first full bar; ``fragment`` sections
  sequence its head motif on the chords; ``connective`` bars come from the music model's
  :func:`assistant.music.sample.continue_` (bounded by ``model_bars``), or, without the
  model, from the head motif sequenced on the chords.
* The chord plan is then re-fitted to the melody (:func:`fit_chords_to_melody`), so the
  harmony supports the tune rather than fighting it.
"""

from __future__ import annotations

import logging
import math
import random
from dataclasses import replace
from typing import Any

from assistant.compose.form import Bar, Section
from assistant.compose.harmony import ChordSlot, chord_at
from assistant.compose.theory import Chord, Key, chord_from_roman, remap_mode, transpose_interval
from assistant.music.score import Note, Score

log = logging.getLogger(__name__)

_DIATONIC_MAJOR = ("I", "ii", "iii", "IV", "V", "vi", "bVII", "bVI")
_DIATONIC_MINOR = ("i", "iv", "v", "V", "bVI", "bIII", "bVII", "ii°")


def theme_key(theme: Score) -> Key:
    """The theme's key: ``Score.key`` when readable, else a pitch-class estimate."""
    if theme.key:
        try:
            return Key.parse(theme.key.replace("-", " "))
        except Exception:  # noqa: BLE001 - unreadable key text: estimate instead
            log.debug("unreadable theme key %r", theme.key)
    return estimate_key([n.pitch for n in theme.notes], [n.dur_beats for n in theme.notes])


_MAJ_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
_MIN_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)


def estimate_key(pitches: list[int], weights: list[float]) -> Key:
    """Krumhansl-Kessler key estimate (correlation with the major/minor profiles)."""
    hist = [0.0] * 12
    for p, w in zip(pitches, weights, strict=True):
        hist[p % 12] += w
    if not any(hist):
        return Key(0, "major")
    best, best_r = Key(0), -2.0
    mh = sum(hist) / 12
    for mode, prof in (("major", _MAJ_PROFILE), ("minor", _MIN_PROFILE)):
        mp = sum(prof) / 12
        for t in range(12):
            num = sum((hist[(t + i) % 12] - mh) * (prof[i] - mp) for i in range(12))
            den = (sum((hist[(t + i) % 12] - mh) ** 2 for i in range(12))
                   * sum((x - mp) ** 2 for x in prof)) ** 0.5
            r = num / den if den else 0.0
            if r > best_r:
                best, best_r = Key(t, mode), r
    return best


def transformed_theme(theme: Score, transformation: str | None) -> tuple[Score, str]:
    """Apply the development plan's transformation (names joined by ``+``) when the
    themes package knows it; unknown names leave the theme as it is (and say so)."""
    if not transformation:
        return theme, "full statement"
    try:
        from assistant.themes.ops import apply
    except ImportError:
        return theme, "full statement (no theme operators installed)"
    try:
        return apply(theme, transformation)
    except (ValueError, KeyError) as exc:
        log.info("transformation %r not applied: %s", transformation, exc)
        return theme, f"full statement ({transformation!r} unknown)"


def theme_line(theme: Score) -> tuple[list[Note], float]:
    """The theme's tune (skyline of its first part) and its bar length in quarter notes."""
    part = theme.parts[0] if theme.parts else None
    notes = Score(parts=[part]).melody() if part and part.notes else theme.melody()
    meter = theme.meters[0] if theme.meters else (0.0, 4, 4)
    return [replace(n, velocity=80) for n in notes], meter[1] * 4.0 / meter[2]


def to_key(notes: list[Note], src: Key, dst: Key, centre: float) -> list[Note]:
    """Move a line into ``dst`` (nearest transposition, mode remapped) around ``centre``."""
    shift = transpose_interval(src, dst)
    moved = [replace(n, pitch=remap_mode(n.pitch + shift, src.transposed(shift), dst))
             for n in notes]
    if not moved:
        return moved
    mean = sum(n.pitch for n in moved) / len(moved)
    octs = round((centre - mean) / 12)
    return [replace(n, pitch=max(0, min(127, n.pitch + 12 * octs))) for n in moved]


def lay_on_bars(line: list[Note], theme_bar: float, bars: list[Bar], first: int,
                last: int) -> list[Note]:
    """Lay a line bar by bar onto cue bars ``first..last`` (indices, inclusive), theme
    downbeats on cue bar lines (see module docstring). Notes past ``last`` are dropped."""
    out: list[Note] = []
    if not line:
        return out
    n_theme_bars = int(max(n.start_beats for n in line) // theme_bar) + 1
    for j in range(n_theme_bars):
        i = first + j
        if i > last or i >= len(bars):
            break
        bar = bars[i]
        in_bar = [n for n in line if j * theme_bar - 1e-6 <= n.start_beats < (j + 1) * theme_bar - 1e-6]
        scale = 1.0 if bar.full_beats >= theme_bar else bar.full_beats / theme_bar
        for k, n in enumerate(in_bar):
            rel = (n.start_beats - j * theme_bar) * scale
            if scale != 1.0:
                rel = round(rel * 4) / 4
            start = bar.start_beat + rel
            nxt = ((in_bar[k + 1].start_beats - j * theme_bar) * scale if k + 1 < len(in_bar)
                   else bar.full_beats)
            if scale != 1.0 and k + 1 < len(in_bar):
                nxt = round(nxt * 4) / 4
            dur = min(n.dur_beats * scale, nxt - rel) if k + 1 < len(in_bar) else (
                max(n.dur_beats * scale, bar.full_beats - rel) if bar.full_beats > theme_bar
                else min(n.dur_beats * scale, bar.full_beats - rel))
            dur = min(dur, bar.end_beat - start)
            if dur > 0.05 and start < bar.end_beat - 1e-6:
                if out and out[-1].end_beats > start:
                    prev = out[-1]
                    out[-1] = replace(prev, dur_beats=max(0.05, start - prev.start_beats))
                out.append(Note(n.pitch, start, dur, 80))
    return out


def head_motif(line: list[Note], theme_bar: float) -> list[Note]:
    """The opening gesture: notes of the first bar (at least 3, at most 6), from beat 0."""
    if not line:
        return []
    first = [n for n in line if n.start_beats < theme_bar - 1e-6]
    if len(first) < 3:
        first = line[:min(len(line), 4)]
    first = first[:6]
    t0 = first[0].start_beats
    return [replace(n, start_beats=n.start_beats - t0) for n in first]


def sequence_motif(motif: list[Note], slots: list[ChordSlot], start: float, end: float,
                   every_beats: float, centre: float, key: Key, rng: random.Random) -> list[Note]:
    """State ``motif`` every ``every_beats`` from ``start`` to ``end``, each time moved
    so it starts on a tone of the chord sounding there (a sequence on the harmony)."""
    out: list[Note] = []
    if not motif:
        return out
    span = max(n.end_beats for n in motif)
    t = start
    prev_first = None
    while t + min(span, every_beats) <= end + 1e-6:
        slot = chord_at(slots, t)
        target_pcs = slot.chord.pcs if slot else key.scale_pcs
        ref = prev_first if prev_first is not None else centre
        cands = [p for p in range(int(ref) - 6, int(ref) + 7) if p % 12 in target_pcs]
        first = min(cands, key=lambda p: (abs(p - ref), rng.random())) if cands else int(ref)
        shift = first - motif[0].pitch
        for n in motif:
            s = t + n.start_beats
            if s >= min(end, t + every_beats) - 1e-6:
                break
            d = min(n.dur_beats, end - s, t + every_beats - s)
            if d > 0.05:
                p = key.snap(n.pitch + shift) if (n.pitch + shift) % 12 not in key.scale_pcs else n.pitch + shift
                out.append(Note(p, s, d, 80))
        prev_first = first + rng.choice((-2, -1, 1, 2))
        t += every_beats
    return out


def model_continuation(prompt: list[Note], bar_beats: float, meter: tuple[int, int], n_bars: int,
                       key: Key, pitch_range: tuple[int, int], seed: int,
                       chords: list[str | None] | None = None) -> list[Note] | None:
    """``n_bars`` of new melody after ``prompt`` (notes from beat 0) by the music model,
    from the bar after the prompt on; None when the model is unavailable.

    The model continues the prompt (the line just stated stays its context); with a chord
    plan (``chords``, one symbol per new bar, None = free) the new bars are written on it
    (:func:`assistant.music.sample.continue_`: the chord tokens forced on a v2 model, and the
    plan constraint's chord tones on strong beats, passing tones by step, for any model)."""
    try:
        from assistant.music.sample import Controls, continue_
        from assistant.music.score import Part
        from assistant.music.tokens import PITCH_HI, PITCH_LO
    except ImportError as exc:  # torch or the model missing
        log.info("music model unavailable (%s); connective material from the phrase rules", exc)
        return None
    if not prompt:
        return None
    mode = "minor" if key.is_minor else "major"
    lo, hi = max(pitch_range[0], PITCH_LO), min(pitch_range[1], PITCH_HI)
    if hi - lo < 12:
        return None
    controls = Controls(key_tonic=key.tonic, mode=mode, meter=meter, scale=True,
                        pitch_range=(lo, hi), seed=seed, temperature=0.95, top_p=0.92,
                        ensemble="solo")
    try:
        sc = Score(parts=[Part("melody", notes=[Note(max(lo, min(hi, n.pitch)), n.start_beats,
                                                     n.dur_beats, 80) for n in prompt])],
                   meters=[(0.0, meter[0], meter[1])], key=f"{key.name.split()[0]} {mode}")
        out = continue_(sc, n_bars, controls, chords=list(chords) if chords and any(chords) else None)
    except Exception as exc:  # noqa: BLE001 - the model is optional; the draft must not fail
        log.warning("music model continuation failed (%s); using the phrase rules", exc)
        return None
    # continue_ appends after the prompt's last bar (Score.bar_starts: bars up to its end)
    n_prompt = max(1, math.ceil(max(n.end_beats for n in prompt) / bar_beats - 1e-9))
    t0 = n_prompt * bar_beats
    new = [n for n in Score(parts=[out.parts[0]]).melody() if n.start_beats >= t0 - 1e-6]
    return [replace(n, start_beats=n.start_beats - t0, velocity=80) for n in new]


def model_bridge(before: list[Note], after: list[Note], bar_beats: float, meter: tuple[int, int],
                 n_bars: int, key: Key, pitch_range: tuple[int, int], seed: int,
                 chords: list[str | None] | None = None) -> list[Note] | None:
    """``n_bars`` of melody that lead from ``before`` (up to two bars, from beat 0) into
    ``after`` (the next statement's opening, from beat 0), infilled by the music model
    with both sides as context; None when the model is unavailable. ``chords`` (one
    symbol per bridge bar, None = free) is the harmonic plan of those bars, which the
    infill then follows (:func:`assistant.music.sample.infill`)."""
    try:
        from assistant.music.sample import Controls, infill
        from assistant.music.score import Part
        from assistant.music.tokens import PITCH_HI, PITCH_LO
    except ImportError as exc:
        log.info("music model unavailable (%s)", exc)
        return None
    if not before or not after:
        return None
    mode = "minor" if key.is_minor else "major"
    lo, hi = max(pitch_range[0], PITCH_LO), min(pitch_range[1], PITCH_HI)
    if hi - lo < 12:
        return None
    n_before = max(1, math.ceil(max(n.end_beats for n in before) / bar_beats - 1e-9))
    gap0 = n_before * bar_beats
    gap1 = gap0 + n_bars * bar_beats
    clamp = lambda n: Note(max(lo, min(hi, n.pitch)), n.start_beats, n.dur_beats, 80)  # noqa: E731
    notes = [clamp(n) for n in before] + [clamp(replace(n, start_beats=n.start_beats + gap1))
                                          for n in after if n.start_beats < 2 * bar_beats]
    sc = Score(parts=[Part("melody", notes=notes)], meters=[(0.0, meter[0], meter[1])],
               key=f"{key.name.split()[0]} {mode}")
    try:
        out = infill(sc, (n_before, n_before + n_bars),
                     Controls(key_tonic=key.tonic, mode=mode, meter=meter, scale=True,
                              pitch_range=(lo, hi), seed=seed, temperature=0.95, top_p=0.92,
                              ensemble="solo"),
                     chords=list(chords) if chords and any(chords) else None)
    except Exception as exc:  # noqa: BLE001 - the model is optional; the draft must not fail
        log.warning("music model infill failed (%s); using the phrase rules", exc)
        return None
    new = [n for n in Score(parts=[out.parts[0]]).melody() if gap0 - 1e-6 <= n.start_beats < gap1 - 1e-6]
    return [replace(n, start_beats=n.start_beats - gap0, dur_beats=min(n.dur_beats, gap1 - n.start_beats),
                    velocity=80) for n in new]


_MODEL_QUALITY = {"maj": "", "min": "m", "dim": "dim", "aug": "+", "7": "7"}


def model_chord_symbols(slots: list[ChordSlot], bars: list[Bar], first: int, n: int
                        ) -> list[str | None]:
    """The chord plan as the music model reads it: one absolute symbol per bar (the chord
    on the downbeat), None where the chord is outside its vocabulary (clusters, sus)."""
    from assistant.compose.theory import FLAT_NAMES

    out: list[str | None] = []
    for b in bars[first:first + n]:
        slot = chord_at(slots, b.start_beat + 1e-6)
        q = _MODEL_QUALITY.get(slot.chord.quality) if slot else None
        out.append(None if q is None or slot is None else FLAT_NAMES[slot.chord.root] + q)
    return out


def fit_chords_to_melody(slots: list[ChordSlot], melody: list[Note], keep_on_hits: bool = True
                         ) -> int:
    """Re-choose the chord of every slot under the melody so the melody's long and
    strong notes are chord tones (planned chord preferred on ties). Returns the number
    of chords changed. Pedals, hits and cadences keep their planned chords when those
    already fit."""
    changed = 0
    j0 = 0
    for slot in slots:
        notes = []
        while j0 < len(melody) and melody[j0].end_beats <= slot.start_beat + 1e-6:
            j0 += 1
        j = j0
        while j < len(melody) and melody[j].start_beats < slot.end_beat - 1e-6:
            notes.append(melody[j])
            j += 1
        if not notes:
            continue

        def fit(ch: Chord, notes: list[Note] = notes, slot: ChordSlot = slot) -> float:
            pcs = set(ch.pcs)
            score = 0.0
            for n in notes:
                ov = min(n.end_beats, slot.end_beat) - max(n.start_beats, slot.start_beat)
                if ov <= 0:
                    continue
                w = ov * (1.5 if abs(n.start_beats - slot.start_beat) < 1e-6 else 1.0)
                score += w if n.pitch % 12 in pcs else -w * (0.6 if ov < 0.75 else 1.2)
            return score

        planned = fit(slot.chord)
        total = sum(n.dur_beats for n in notes)
        if planned >= 0.5 * total or (slot.cadence and planned > 0):
            continue
        if slot.on_hit and keep_on_hits and planned > 0:
            continue
        pool = _DIATONIC_MINOR if slot.key.is_minor else _DIATONIC_MAJOR
        best, best_s = slot.chord, planned + 0.01
        for roman in pool:
            ch = chord_from_roman(roman, slot.key)
            s = fit(ch)
            if s > best_s:
                best, best_s = ch, s
        if best is not slot.chord:
            slot.chord = replace(best, bass_pc=None) if slot.pedal is None else best
            changed += 1
    return changed


def counter_melody(melody: list[Note], slots: list[ChordSlot], start: float, end: float,
                   step: float, rng: random.Random) -> list[Note]:
    """A line under the tune, a sixth to a tenth below it, in rhythm against it: it
    holds while the tune moves and moves while the tune holds (a passing or neighbour
    tone in the second half of the step when the tune sustains); chord tones on the
    chord changes, moving against the melody's direction (contrary motion) by step
    where the harmony allows, a passing scale tone between two chord tones a third
    apart, now and then a suspension (the last note tied over the chord change and
    resolved down by step), and never the same pitch three times running."""
    out: list[Note] = []
    t = start
    prev: int | None = None
    prev_mel: int | None = None
    repeats = 0
    while t < end - 1e-6:
        d = min(step, end - t)
        slot = chord_at(slots, t + 1e-6)
        mel = [n for n in melody if n.start_beats <= t + 1e-6 < n.end_beats + 1e-6]
        top = mel[-1].pitch if mel else (prev + 9 if prev is not None else 72)
        if prev is None or prev_mel is None:
            want = top - 9
        elif top > prev_mel:
            want = prev - 2
        elif top < prev_mel:
            want = prev + 2
        else:
            want = prev + rng.choice((-2, 2))
        pcs = set(slot.chord.pcs) if slot else set()
        window = range(top - 16, top - 7)
        cands = [p for p in window if p % 12 in pcs] or [top - 12]
        if prev is not None and repeats >= 1:
            cands = [p for p in cands if p != prev] or cands
        if len(out) >= 3 and out[-1].pitch == out[-3].pitch:
            # A-B-A so far: not B again (a line, not a trill between two notes)
            cands = [p for p in cands if p != out[-2].pitch] or cands
        p = min(cands, key=lambda q: (abs(q - want), rng.random()))
        key = slot.key if slot else None
        change = slot is not None and abs(slot.start_beat - t) < 1e-6
        if prev is not None and key is not None and out and change and d >= 1.0 \
                and prev % 12 not in pcs and rng.random() < 0.35:
            # a suspension: the old note held into the new chord, falling a step onto it
            res = _step_down(prev, key)
            if res % 12 in pcs and top - 16 <= res <= top - 3:
                out[-1] = replace(out[-1], dur_beats=out[-1].dur_beats + d / 2)
                out.append(Note(res, t + d / 2, d / 2, 80))
                repeats = 0
                prev, prev_mel = res, top
                t += step
                continue
        if prev is not None and key is not None and out and abs(p - prev) in (3, 4) \
                and out[-1].dur_beats >= 1.0:
            # a passing tone fills the third in the second half of the previous note
            mid = key.snap((p + prev) // 2)
            if min(p, prev) < mid < max(p, prev):
                last = out[-1]
                half = last.dur_beats / 2
                out[-1] = replace(last, dur_beats=half)
                out.append(Note(mid, last.start_beats + half, half, 80))
        repeats = repeats + 1 if p == prev else 0
        # the tune holds through this step: the counter-line moves (a neighbour or
        # passing tone in the second half); the tune moves: the counter-line holds
        held = bool(mel) and mel[-1].end_beats >= t + 0.75 * d and mel[-1].start_beats <= t + 1e-6
        if held and key is not None and d >= 1.0:
            nxt = [n for n in melody if t + 1e-6 < n.start_beats < t + d + step]
            up = nxt and nxt[0].pitch < top  # contrary to where the tune goes next
            q = key.snap(p + (2 if up else -2))
            if out and q == out[-1].pitch and p == (out[-2].pitch if len(out) >= 2 else None):
                q = key.snap(p - (2 if up else -2))  # not the same two notes again
            if q != p and top - 16 <= q <= top - 3:
                out.append(Note(p, t, d / 2, 80))
                out.append(Note(q, t + d / 2, d / 2, 80))
                prev, prev_mel = q, top
                t += step
                continue
        out.append(Note(p, t, d, 80))
        prev, prev_mel = p, top
        t += step
    return out


def _step_down(p: int, key: Key) -> int:
    """The scale step below ``p``."""
    q = p - 1
    while q % 12 not in key.scale_pcs and q > p - 3:
        q -= 1
    return q


def plan_melody(sections: list[Section], bars: list[Bar], slots: list[ChordSlot], key: Key,
                theme: Score | None, transformation: str | None, centre: float,
                lead_range: tuple[int, int], rng: random.Random, *, use_model: bool,
                model_bars: int, seed: int, style: str = "lyrical",
                cue_beats: list[float] | None = None) -> tuple[list[Note], dict[str, Any]]:
    """The cue's melody line and a report of what was placed where."""
    report: dict[str, Any] = {"statements": [], "fragments": [], "connective": [],
                              "transformation": None, "model_bars": 0}
    if not any(s.melody != "none" for s in sections):
        return [], report
    if theme is not None and theme.notes:
        src = theme_key(theme)
        th, label = transformed_theme(theme, transformation)
        report["transformation"] = label
        line, theme_bar = theme_line(th)
        line = to_key(line, src, key, centre)
    else:
        line, theme_bar = [], 4.0
    motif = head_motif(line, theme_bar) if line else []
    if not motif:  # no theme: a rising-falling chord-tone cell
        slot = slots[0] if slots else None
        pcs = slot.chord.pcs if slot else key.scale_pcs
        root = min((p for p in range(int(centre) - 6, int(centre) + 7) if p % 12 == pcs[0]),
                   key=lambda p: abs(p - centre))
        motif = [Note(root, 0, 1), Note(key.snap(root + 2), 1, 0.5), Note(key.snap(root + 4), 1.5, 0.5),
                 Note(key.snap(root + 7), 2, 2)]
    from assistant.compose.phrase import rhythm_cell

    cell = rhythm_cell(motif, theme_bar) if line else None  # the theme's opening rhythm
    out: list[Note] = []
    model_left = model_bars if use_model else 0
    theme_pos = 0  # theme bars already stated in the current run of theme sections
    for si, sec in enumerate(sections):
        first = sec.first_bar + (1 if bars[sec.first_bar].is_pickup else 0)
        sk = sec.key or key
        if first > sec.last_bar and sec.melody != "none":
            continue
        if sec.melody == "theme" and line and not report["statements"]:
            # the first statement waits for the picture: a hit early in the section
            # (the lighthouse emerging) starts it on the next bar line
            span = sec.end_beat - sec.start_beat
            cue = [b for b in cue_beats or () if sec.start_beat + 1e-6 < b < sec.start_beat + span / 3]
            if cue:
                i = next(k for k in range(first, sec.last_bar + 1) if bars[k].end_beat > cue[0] + 1e-6)
                first = i if abs(bars[i].start_beat - cue[0]) < 1e-6 else i + 1
                if first > sec.last_bar:
                    continue
                report["waited_for_hit_at_beat"] = round(cue[0], 4)
        if sec.melody == "theme" and line:
            n_theme_bars = int(max(n.start_beats for n in line) // theme_bar) + 1
            shifted = [replace(n, start_beats=n.start_beats - theme_pos * theme_bar) for n in line
                       if n.start_beats >= theme_pos * theme_bar - 1e-6]
            placed = lay_on_bars(shifted, theme_bar, bars, first, sec.last_bar)
            if sk != key:  # a section in another key states the theme there
                move = transpose_interval(key, sk)
                placed = [replace(n, pitch=remap_mode(n.pitch + move, key.transposed(move), sk))
                          for n in placed]
            used = min(n_theme_bars - theme_pos, sec.last_bar - first + 1)
            out += placed
            report["statements"].append({"section": si, "bars": [bars[first].number,
                                                                  bars[first + used - 1].number],
                                         "beats": [bars[first].start_beat,
                                                   bars[first + used - 1].end_beat]})
            theme_pos += used
            rest_first = first + used
            if theme_pos >= n_theme_bars:
                theme_pos = 0
            if rest_first <= sec.last_bar:  # the section outlasts the theme: connective bars
                # (the model's bars are kept for the episodes that lead back into the theme)
                episodes = any(x.melody == "connective" for x in sections[si + 1:])
                out += _connective(out, sec, bars, slots, rest_first, sk, centre, lead_range,
                                   rng, 0 if episodes else model_left, seed + si, report, style,
                                   cell=cell)
                model_left = max(0, model_bars - report["model_bars"]) if use_model else 0
        elif sec.melody in ("fragment", "theme"):
            every = bars[first].full_beats * (2 if bars[first].full_beats < 3 else 1)
            frag = sequence_motif(motif, slots, bars[first].start_beat, sec.end_beat, every * 2,
                                  centre, sk, rng)
            out += frag
            report["fragments"].append({"section": si, "bars": [bars[first].number,
                                                                bars[sec.last_bar].number]})
            theme_pos = 0
        elif sec.melody == "connective":
            nxt = sections[si + 1] if si + 1 < len(sections) else None
            after = None
            if nxt is not None and nxt.melody == "theme" and line:
                nk = nxt.key or key
                move = transpose_interval(key, nk)
                after = [replace(n, pitch=remap_mode(n.pitch + move, key.transposed(move), nk))
                         for n in line if n.start_beats < 2 * theme_bar]
            out += _connective(out, sec, bars, slots, first, sk, centre, lead_range, rng,
                               model_left, seed + si, report, style, after, cell)
            model_left = max(0, model_bars - report["model_bars"]) if use_model else 0
            theme_pos = 0
        else:
            theme_pos = 0
    out.sort(key=lambda n: n.start_beats)
    if bars and bars[0].is_pickup and len(bars) > 1 and out and \
            abs(out[0].start_beats - bars[1].start_beat) < 1e-6:
        out = anacrusis(out[0], bars[0], key) + out
        report["anacrusis"] = True
    for st in report["statements"]:  # a statement after a rest is led in by an upbeat
        t0 = st["beats"][0]
        firsts = [n for n in out if abs(n.start_beats - t0) < 1e-6]
        i = next((k for k, b in enumerate(bars) if abs(b.start_beat - t0) < 1e-6), None)
        if not firsts or not i or bars[i - 1].is_pickup:
            continue
        pulse = bars[i - 1].pulse_beats
        if any(n.end_beats > t0 - pulse - 1e-6 and n.start_beats < t0 - 1e-6 for n in out):
            continue
        if report.get("waited_for_hit_at_beat", -1.0) > t0 - pulse:
            continue  # the tune waits for the picture: no upbeat before the hit
        up = Bar(bars[i - 1].number, t0 - pulse, t0, bars[i - 1].meter, pulse)
        out = anacrusis(firsts[0], up, _key_at(slots, t0, key)) + out
        report.setdefault("upbeats", []).append(round(t0 - pulse, 4))
    out.sort(key=lambda n: n.start_beats)
    clean: list[Note] = []
    for n in out:  # one line: cut overlaps
        if clean and clean[-1].end_beats > n.start_beats + 1e-6:
            prev = clean[-1]
            if n.start_beats - prev.start_beats < 0.05:
                continue
            clean[-1] = replace(prev, dur_beats=n.start_beats - prev.start_beats)
        clean.append(n)
    return clean, report


def _key_at(slots: list[ChordSlot], beat: float, default: Key) -> Key:
    slot = chord_at(slots, beat + 1e-6)
    return slot.key if slot else default


def anacrusis(first: Note, pickup: Bar, key: Key) -> list[Note]:
    """An upbeat in the pickup bar: scale steps rising into the tune's first downbeat
    (one to three notes, none shorter than a sixteenth)."""
    room = pickup.end_beat - pickup.start_beat
    if room < 0.25 - 1e-9:
        return []
    dur = 0.5 if room >= 1.0 - 1e-9 else 0.25  # eighths, or sixteenths in a short pickup
    n = max(1, min(3, int(room / dur + 1e-9), 2 if dur == 0.5 and room < 1.5 - 1e-9 else 3))
    t0 = pickup.end_beat - n * dur
    pitches: list[int] = []
    p = first.pitch
    for _ in range(n):
        q = p - 1
        while q % 12 not in key.scale_pcs:
            q -= 1
        pitches.append(q)
        p = q
    return [Note(pt, t0 + i * dur, dur, 80) for i, pt in enumerate(reversed(pitches))]


def _connective(so_far: list[Note], sec: Section, bars: list[Bar], slots: list[ChordSlot],
                first: int, key: Key, centre: float, lead_range: tuple[int, int],
                rng: random.Random, model_left: int, seed: int, report: dict[str, Any],
                style: str, after: list[Note] | None = None,
                cell: list[tuple[float, float]] | None = None) -> list[Note]:
    """Bars ``first..sec.last_bar``. When the next section states the theme (``after``,
    its opening from beat 0), the phrase rules write the bars and the music model infills
    the last ones as a bridge into it; otherwise the model continues the line so far. Up to
    ``model_left`` bars come from the model; the rest, or all of it without the model, from
    :func:`assistant.compose.phrase.phrase_line` on the chords."""
    from assistant.compose.phrase import phrase_line

    start = bars[first].start_beat
    end = sec.end_beat
    n_bars = sec.last_bar - first + 1
    bar = bars[first]
    lo, hi = lead_range
    got: list[Note] = []
    k = 0
    if model_left > 0 and after and n_bars >= 2:
        k = min(n_bars - 1, model_left, 4)
        rules_last = sec.last_bar - k
        got = phrase_line(slots, bars, first, rules_last, key, centre, lo, hi, rng, style, cell)
        b0 = bars[rules_last + 1].start_beat
        ctx0 = b0 - 2 * bar.full_beats
        before = [replace(n, start_beats=n.start_beats - ctx0) for n in so_far + got
                  if ctx0 - 1e-6 <= n.start_beats < b0 - 1e-6]
        new = model_bridge(before, after, bar.full_beats, bar.meter, k, key, lead_range, seed,
                           model_chord_symbols(slots, bars, rules_last + 1, k)) if before else None
        report["connective"].append({"bars": [bars[first].number, bars[rules_last].number],
                                     "by": "phrase rules"})
        if new:
            report["model_bars"] += k
            report["connective"].append({"bars": [bars[rules_last + 1].number,
                                                  bars[sec.last_bar].number],
                                         "by": "music model (infill into the theme)"})
            return got + [replace(n, start_beats=n.start_beats + b0) for n in new]
        report["connective"][-1]["bars"][1] = bars[sec.last_bar].number
        return got + phrase_line(slots, bars, rules_last + 1, sec.last_bar, key, centre, lo, hi,
                                 rng, style, cell)
    if model_left > 0 and so_far and n_bars >= 1:
        k = min(n_bars, model_left)
        prompt_start = start - 2 * bar.full_beats
        prompt = [replace(n, start_beats=n.start_beats - prompt_start) for n in so_far
                  if prompt_start - 1e-6 <= n.start_beats < start - 1e-6]
        new = model_continuation(prompt, bar.full_beats, bar.meter, k, key, lead_range, seed,
                                 model_chord_symbols(slots, bars, first, k)) if prompt else None
        if new:
            got = [replace(n, start_beats=n.start_beats + start) for n in new
                   if n.start_beats + start < min(end, bars[first + k - 1].end_beat) - 1e-6]
            report["model_bars"] += k
            report["connective"].append({"bars": [bars[first].number, bars[first + k - 1].number],
                                         "by": "music model"})
        else:
            k = 0
    if first + k <= sec.last_bar:
        got += phrase_line(slots, bars, first + k, sec.last_bar, key, centre, lo, hi, rng, style,
                           cell)
        report["connective"].append({"bars": [bars[first + k].number, bars[sec.last_bar].number],
                                     "by": "phrase rules"})
    return got
