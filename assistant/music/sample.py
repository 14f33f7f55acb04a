"""Controllable sampling from the shipped music model: generate, continue, infill, vary.

The decode loop is our own: a static KV cache (:class:`assistant.music.model.KVCache`),
temperature and top-p, batched candidates, and logit masks that enforce the REMI grammar
and the requests — stay in a scale, keep pitches in the instrument's range, produce exactly
the requested number of bars, and end on time (no duration may cross the last bar line).
Every function returns :class:`assistant.music.score.Score` objects, never raw tokens.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from assistant.music.constraint import (
    LINE_MEMORY,
    PlanConstraint,
    _Row,
    _third_seen,
    _triad,
    history_before,
    line_before,
    scale_pitch_classes,
)
from assistant.music.copies import CopyFilter
from assistant.music.corpus import DENSITY_NAMES, ENSEMBLES, REGISTER_NAMES
from assistant.music.harmony import (
    chord_plan,
    chord_tone_rate,
    pitch_class,
)
from assistant.music.instruments import conditioning
from assistant.music.model import MusicGPT, NumpyDecoder, pick_device
from assistant.music.prompt import (
    ensemble_of,
    fim_prompt,
    merge,
    n_bars,
    prompt_controls,
    recent_bars,
)
from assistant.music.score import Note, Score
from assistant.music.tokens import (
    K_DUR,
    K_PITCH,
    K_POS,
    K_PROG,
    K_TEMPO,
    K_TS,
    MODES,
    PITCH_HI,
    PITCH_LO,
    PROGRAM_RANGE,
    Controls,
    Vocab,
    analyse_controls,
    decode_ids,
    decoded_to_score,
    encode,
    load_tokenizer,
    normalise_meter,
    score_to_symusic,
)
from assistant.music.voices import split_voices

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "music"
COPY_RETRIES = 3  # re-draws of a candidate that copies a training run before it is kept (and logged)
PREFIX_LEN = 6  # BOS, key, meter, density, register, ensemble (MusicSampler.fill_prefix)
DECODE_THREADS = int(os.environ.get("MUSIC_DECODE_THREADS", "1"))
RERANK_OVERSAMPLE = 4  # candidates sampled per requested one when attributes are requested

# token kinds (Vocab.kind): 0 other, 1 pitch, 2 position, 3 duration, 4 program, 5 timesig, 6 tempo, 7 control


def sample_next(logits: np.ndarray, banned: np.ndarray, temperature: float, top_p: float,
                rng: np.random.Generator) -> np.ndarray:
    """One token per row from (B, V) logits: banned ids removed, temperature, then nucleus (top-p)
    sampling by inverse CDF on the sorted distribution (u ~ U(0, mass) with mass = ``top_p``
    clipped to [p_max, 1], so at least the most likely token stays)."""
    lg = logits.astype(np.float32)  # a copy: masked in place below
    if temperature != 1.0:
        lg /= np.float32(temperature)
    lg[banned] = -np.inf
    lg -= np.maximum.reduce(lg, axis=-1, keepdims=True)
    probs = np.exp(lg)
    probs /= np.add.reduce(probs, axis=-1, keepdims=True)
    order = np.argsort(-probs, axis=-1, kind="stable")
    cum = np.cumsum(np.take_along_axis(probs, order, axis=-1), axis=-1)
    last = cum[:, -1:]
    mass = np.minimum(np.maximum(cum[:, :1], np.float32(top_p)), last) if top_p < 1.0 else last
    u = rng.random((len(lg), 1), dtype=np.float32) * mass
    choice = np.minimum(np.add.reduce(cum < u, axis=-1), lg.shape[1] - 1)
    return order[np.arange(len(lg)), choice]


class MusicSampler:
    """A loaded model plus vocabulary, with the constrained decode loop."""

    def __init__(self, model: MusicGPT, vocab: Vocab, device: torch.device | None = None,
                 numpy_step: bool = True) -> None:
        self.model = model.eval()
        self.vocab = vocab
        self.device = device or next(model.parameters()).device
        self.numpy_step = numpy_step  # on the CPU, decode through NumpyDecoder (False: the torch step)
        v = vocab
        V = v.size
        # a v2 model has a chord token after every Bar; a v1 model (smaller vocabulary) has none
        self.model_vocab = int(model.cfg.vocab_size)
        self.has_chords = self.model_vocab > v.chord_none
        kind = torch.as_tensor(v.kind.astype(np.int64))
        self.kind = kind
        self.pos_val = torch.full((V,), -1, dtype=torch.long)
        self.dur_val = torch.full((V,), 1e9, dtype=torch.float64)
        self.pitch_val = torch.full((V,), -1, dtype=torch.long)
        for i, val in v.value.items():
            if v.kind[i] == K_POS:
                self.pos_val[i] = val
            elif v.kind[i] == K_DUR:
                self.dur_val[i] = float(val)
            elif v.kind[i] == K_PITCH:
                self.pitch_val[i] = val
        self.is_k = {k: kind == k for k in range(8)}
        self.pitch_pc = torch.where(self.pitch_val >= 0, self.pitch_val % 12, torch.full_like(self.pitch_val, -1))
        self._pcs_cache: dict[frozenset[int], torch.Tensor] = {}
        self._prior_cache: dict[tuple, np.ndarray] = {}  # (prior, chord tones) -> (V,) logit offsets
        onehot = torch.zeros(V, dtype=torch.bool)
        self.bar_mask = onehot.clone()
        self.bar_mask[v.bar] = True
        self.eos_mask = onehot.clone()
        self.eos_mask[v.eos] = True
        self.chord_mask = torch.from_numpy(v.is_chord.copy())
        self.free_chord_mask = self.chord_mask.clone()  # the model's own chord: any but "unspecified"
        self.free_chord_mask[v.chord_none] = False
        # which kinds may follow which (REMI grammar, compacted time signatures)
        P, Q, D, G, S, T = (self.is_k[k] for k in (K_PITCH, K_POS, K_DUR, K_PROG, K_TS, K_TEMPO))
        self.follow = {
            "start": self.bar_mask,
            "bar": S | Q | self.bar_mask,
            "timesig": Q | self.bar_mask,
            "pos": T | G | P,
            "tempo": G | P,
            "chord": S | Q | self.bar_mask,
            "prog": P,
            "pitch": D,
            "dur": P | Q | G | self.bar_mask,
        }

    def _stepper(self, batch: int) -> tuple[Any, Callable[[np.ndarray], np.ndarray]]:
        """A fresh KV cache for ``batch`` rows (``.pos`` is its fill) and the step that feeds it:
        ids (B, T) -> last logits (B, V) as numpy (NumpyDecoder on the CPU, the torch step elsewhere)."""
        np_dec = self.numpy_decoder()
        pad = self.vocab.size - self.model_vocab  # a v1 model: the newer tokens are impossible
        if np_dec is not None:
            np_cache = np_dec.new_cache(batch)
            return np_cache, lambda ids: self._pad(np_dec.step(ids, np_cache), pad)
        cache = self.model.new_cache(batch)
        return cache, lambda ids: self._pad(
            self.model.step(torch.from_numpy(ids).to(self.device), cache).float().cpu().numpy(), pad)

    @staticmethod
    def _pad(logits: np.ndarray, pad: int) -> np.ndarray:
        if pad <= 0:
            return logits
        return np.concatenate([logits, np.full((len(logits), pad), -np.inf, dtype=logits.dtype)], axis=1)

    def _slide(self, prompt: list[int], r: _Row) -> list[int]:
        """The prefill for a row whose context is full: the control prefix, then the most recent
        whole bars of the prompt's music and the row's output (the bar being written included)
        that fill half the context."""
        keep = self.model.cfg.block_size // 2
        return prompt[:PREFIX_LEN] + recent_bars(self.vocab, prompt[PREFIX_LEN:] + r.ids, keep, (r.num, r.den))

    def numpy_decoder(self) -> NumpyDecoder | None:
        """The numpy copy of the model for CPU decoding (None on other devices or with
        ``numpy_step=False``); rebuilt when the torch weights changed since it was made."""
        if self.device.type != "cpu" or not self.numpy_step:
            return None
        dec = self.__dict__.get("_np_dec")
        if dec is None or dec.version != NumpyDecoder.version_of(self.model):
            dec = self.__dict__["_np_dec"] = NumpyDecoder(self.model)
        return dec

    # --------------------------------------------------------------------- masks
    def _pcs(self, pcs: frozenset[int]) -> torch.Tensor:
        """(V,) True for the pitch tokens whose pitch class is in ``pcs``."""
        m = self._pcs_cache.get(pcs)
        if m is None:
            m = self._pcs_cache[pcs] = torch.isin(self.pitch_pc, torch.tensor(sorted(pcs) or [-2]))
        return m

    def _plan_pitches(self, con: PlanConstraint, r: _Row, target_bars: int) -> torch.Tensor:
        """(V,) the pitch tokens :class:`PlanConstraint` allows for the row's next note (its line
        rules read the row's last pitches: :meth:`PlanConstraint.line_allows`)."""
        free, by_step = con.pitch_rule(r.bars_done - 1, max(r.pos, 0), target_bars, r.last_pitch is None,
                                       _third_seen(con, r), line=r.line)
        ok = self._pcs(free)
        if by_step and r.last_pitch is not None:
            ok = ok | (self._pcs(by_step) & ((self.pitch_val - r.last_pitch).abs() <= con.step))
        if r.last_pitch is not None and r.repeats >= con.max_repeats:
            ok = ok & (self.pitch_val != r.last_pitch)
        return ok

    def _line_pitches(self, con: PlanConstraint, r: _Row) -> torch.Tensor:
        """(V,) the tokens the line rules allow next (non-pitch tokens, ``pitch_val`` -1, always)."""
        return torch.from_numpy(con.line_allows(max(r.bars_done - 1, 0), r.line, self.pitch_val.numpy()))

    def _prior_row(self, con: PlanConstraint, bar: int) -> np.ndarray:
        """(V,) the key prior's logit offsets in bar ``bar`` (:meth:`PlanConstraint.bar_prior`:
        the planned chord's tones barely lowered, a minor dominant bar's leading tone lifted),
        on the pitch tokens by pitch class."""
        key = (con.prior, con.chord(bar), con.dominant(bar))
        row = self._prior_cache.get(key)
        if row is not None:
            return row
        prior = np.asarray(con.bar_prior(bar), dtype=np.float32)
        pc = self.pitch_pc.numpy()
        row = self._prior_cache[key] = np.where(pc >= 0, prior[np.maximum(pc, 0)], 0.0).astype(np.float32)
        return row

    def _mask(self, r: _Row, target_bars: int, pitch_ok: torch.Tensor, prog_ok: torch.Tensor,
              steps_left: int, chord_plan: list[int | None] | None = None,
              max_leap: int | None = None, con: PlanConstraint | None = None,
              line_rules: bool = False) -> torch.Tensor:
        """Allowed next ids for one candidate (grammar, time order, scale, range, bar budget,
        the planned chord of each bar, and the key and plan rules of ``con``; ``line_rules``: a
        single line, whose next onset also follows :meth:`PlanConstraint.line_allows`)."""
        is_k = self.is_k
        if self.has_chords and r.last == "bar":  # every bar states its chord first
            k = r.bars_done - 1
            want = chord_plan[k] if chord_plan and k < len(chord_plan) else None
            if want is None:
                return self.free_chord_mask.clone()
            m = torch.zeros_like(self.bar_mask)
            m[want] = True
            return m
        if r.last == "chord" and r.force_ts is not None:
            m = torch.zeros_like(self.bar_mask)
            m[r.force_ts] = True
            return m
        per_bar = 3 if self.has_chords else 2
        if r.bars_done < target_bars and steps_left <= per_bar * (target_bars - r.bars_done) + 1 \
                and r.last in ("dur", "bar", "timesig", "chord"):
            return self.bar_mask.clone()  # out of budget: close the remaining bars empty
        m = self.follow[r.last].clone()
        m &= ~is_k[K_TS]  # the meter is fixed by the request (forced after the first Bar)
        if r.last in ("bar", "timesig", "dur", "chord"):
            bar_len = r.num * 12
            m &= ~(is_k[K_POS] & ((self.pos_val <= r.pos) | (self.pos_val >= bar_len)))
        m &= ~is_k[K_PITCH] | pitch_ok
        if r.prog_needed and r.last in ("pos", "tempo"):
            m &= ~is_k[K_PITCH]  # the program token first
        if max_leap is not None and r.last_pitch is not None:  # idiom: no leap past max_leap
            m &= ~is_k[K_PITCH] | ((self.pitch_val - r.last_pitch).abs() <= max_leap)
        m &= ~is_k[K_PROG] | prog_ok
        if con is not None and r.last in ("pos", "tempo", "prog", "dur"):
            P = is_k[K_PITCH]
            if (m & P).any():
                plan = self._plan_pitches(con, r, target_bars)
                tiers = [plan, self._pcs(con.scale)]
                if line_rules and r.last != "dur":  # a new onset of a single line (not a chord's next note)
                    tiers.insert(0, plan & self._line_pitches(con, r))
                for ok in tiers:
                    m2 = m & (~P | ok)
                    if (m2 & P).any():  # else: the next looser rule (a narrow range or leap limit)
                        m = m2
                        break
        if r.last == "pitch":
            left = r.time_left - max(r.pos, 0) / 12.0
            if con is not None and r.last_pitch is not None:
                at = (r.bars_done - 1) * r.num + max(r.pos, 0) / 12.0
                left = min(left, con.hold_limit(r.last_pitch % 12, at, target_bars, _third_seen(con, r)))
            m &= self.dur_val <= left + 1e-9
            if not m.any():  # nothing fits: the shortest duration (clipped at decode time)
                m = is_k[K_DUR] & (self.dur_val == self.dur_val[is_k[K_DUR]].min())
        if r.bars_done >= target_bars and r.last in ("dur", "bar", "timesig", "chord"):
            if con is None or r.reach > con.final_at(target_bars) + 1e-9 or not (m & is_k[K_POS]).any():
                m |= self.bar_mask | self.eos_mask  # the last bar is open: Bar or EOS means finished
            else:  # the ending: not before a note sounds in the last beat
                m &= ~self.bar_mask
        return m

    def _advance(self, r: _Row, tok: int, target_bars: int) -> None:
        v = self.vocab
        k = int(v.kind[tok])
        if tok == v.eos or (tok == v.bar and r.bars_done >= target_bars):
            r.done = True
            return
        r.ids.append(tok)
        if tok == v.bar:
            if r.bars_done > 0:
                r.time_left -= r.num
            r.bars_done += 1
            r.pos = -1
            r.last = "bar"
            if r.bars_done == 1:
                r.time_left = r.num * target_bars
        elif self.vocab.is_chord[tok]:
            r.last = "chord"
        elif k == K_TS:
            n, d = v.value[tok]
            r.num, r.den = n, d
            r.force_ts = None
            if r.bars_done == 1:
                r.time_left = r.num * target_bars
            r.last = "timesig"
        elif k == K_POS:
            r.pos = v.value[tok]
            r.last = "pos"
        elif k == K_TEMPO:
            r.last = "tempo"
        elif k == K_PROG:
            r.last = "prog"
            r.prog_needed = False
        elif k == K_PITCH:
            p = int(v.value[tok])
            if r.last != "dur":  # an onset's first note (a chord's next notes follow a Duration): the line
                r.line = (r.line + (p,))[-LINE_MEMORY:]
            r.last = "pitch"
            r.repeats = r.repeats + 1 if p == r.last_pitch else 1
            r.last_pitch = p
            r.pcs_seen |= 1 << (p % 12)
        elif k == K_DUR:
            r.last = "dur"
            r.reach = max(r.reach, (r.bars_done - 1) * r.num + max(r.pos, 0) / 12.0 + float(v.value[tok]))

    # --------------------------------------------------------------------- decode
    def decode(self, prompt: list[int], bars: int, controls: Controls, n: int = 1,
               meter: tuple[int, int] = (4, 4), max_new: int | None = None,
               forced: list[int] | None = None, chord_plan: list[int | None] | None = None,
               first_ts: int | None = None, constraint: PlanConstraint | None = None,
               history: tuple[int | None, int, int] | None = None,
               line: tuple[int, ...] = ()) -> list[list[int]]:
        """Sample ``n`` continuations of ``prompt`` holding exactly ``bars`` bars of REMI tokens.

        ``forced`` ids are fed (teacher-forced) right after the prompt, e.g. ``Bar TimeSig``.
        With a chord-aware (v2) model every Bar is followed by a chord token: ``chord_plan[i]``
        (an id, or None for the model's own choice) for the i-th new bar; ``first_ts`` is forced
        right after the first bar's chord (``Bar Chord TimeSig`` as in training). ``constraint``
        adds the key and chord-plan rules of :class:`PlanConstraint` to the masks; ``history``
        (:func:`assistant.music.constraint.history_before`: the last pitch before the passage, how many notes in a row had it, and
        the pitch classes sounded so far) carries the music before a continuation or infill into
        those rules (no tonic opening, passing tones by step from the prompt's last note), and
        ``line`` (:func:`assistant.music.constraint.line_before`) the melody's last pitches, which
        the line rules read.
        Returns the generated REMI ids (starting with the first Bar) per candidate. On CPU the
        loop runs with ``DECODE_THREADS`` threads (1 by default: a small model's per-token ops
        are latency-bound, and extra threads only wait on busy cores), restored afterwards.
        """
        if self.device.type != "cpu":
            return self._decode(prompt, bars, controls, n, meter, max_new, forced, chord_plan, first_ts,
                                constraint, history, line)
        old = torch.get_num_threads()
        torch.set_num_threads(DECODE_THREADS)
        try:
            return self._decode(prompt, bars, controls, n, meter, max_new, forced, chord_plan, first_ts,
                                constraint, history, line)
        finally:
            torch.set_num_threads(old)

    @torch.inference_mode()
    def _decode(self, prompt: list[int], bars: int, controls: Controls, n: int,
                meter: tuple[int, int], max_new: int | None, forced: list[int] | None,
                chord_plan: list[int | None] | None = None, first_ts: int | None = None,
                con: PlanConstraint | None = None,
                history: tuple[int | None, int, int] | None = None,
                line: tuple[int, ...] = ()) -> list[list[int]]:
        v = self.vocab
        block = self.model.cfg.block_size
        rng = np.random.default_rng(controls.seed if controls.seed is not None else random.randrange(2**31))
        cond = conditioning(controls.program) if controls.program is not None else None
        lo, hi = controls.pitch_range or (cond.pitch_range or PROGRAM_RANGE.get(controls.program, (PITCH_LO, PITCH_HI))
                                          if cond is not None else (PITCH_LO, PITCH_HI))
        max_leap = cond.max_leap if cond is not None else None
        pitch_ok = (self.pitch_val >= lo) & (self.pitch_val <= hi)
        if controls.scale and controls.key_tonic is not None and con is None:  # con has its own scale
            pcs = scale_pitch_classes(controls.key_tonic, controls.mode or "major")
            pitch_ok &= torch.tensor([(int(p) % 12) in pcs for p in self.pitch_val.tolist()])
        prog_ok = torch.ones(v.size, dtype=torch.bool)
        if cond is not None:  # the model writes with a program it has seen (assistant.music.instruments)
            prog_ok = torch.zeros(v.size, dtype=torch.bool)
            prog_ok[v.vocab[f"Program_{cond.model_program}"]] = True
        forced = list(forced or [])
        # token budget for the whole passage (a generous cap: 48 per bar + 16 per beat); past
        # the context the window slides (see _slide), except for infilling prompts
        budget = max(1, max_new or 48 * bars + 16 * bars * meter[0])
        can_slide = v.fim_mid not in prompt and len(prompt) >= PREFIX_LEN
        if not can_slide:
            budget = max(1, min(budget, block - len(prompt) - len(forced) - 1))
        need_prog = cond is not None and not any(v.kind[t] == K_PROG for t in prompt)
        rows = [_Row(num=meter[0], den=meter[1], force_ts=first_ts if self.has_chords else None,
                     prog_needed=need_prog) for _ in range(n)]
        for r in rows:
            if history is not None:
                r.last_pitch, r.repeats, r.pcs_seen = history
            r.line = tuple(line)[-LINE_MEMORY:]
            for t in forced:
                self._advance(r, t, bars)
        temp, top_p = controls.temperature, controls.top_p
        cache_m: dict[tuple, np.ndarray] = {}  # grammar state -> banned ids (~allowed), per call
        line_rules = con is not None and (controls.ensemble or "solo") == "solo"  # one line: its rules
        bias = None  # (bars + 1, V): the key prior per bar (its planned chord's tones exempt)
        if con is not None and con.prior and any(con.prior):
            bias = np.stack([self._prior_row(con, b) for b in range(bars)] + [np.zeros(v.size, np.float32)])

        def banned_of(r: _Row, steps_left: int) -> np.ndarray:
            tight = r.bars_done < bars and steps_left <= (3 if self.has_chords else 2) * (bars - r.bars_done) + 1
            key = (r.last, r.pos if r.last in ("bar", "timesig", "dur", "pitch", "chord") else None, r.num,
                   r.bars_done >= bars, tight, round(r.time_left, 4) if r.last == "pitch" else None,
                   r.bars_done if r.last == "bar" else None, r.force_ts,
                   r.last_pitch if max_leap is not None or con is not None else None, r.prog_needed,
                   (r.bars_done, r.pos, r.reach > con.final_at(bars) + 1e-9, min(r.repeats, con.max_repeats),
                    _third_seen(con, r), r.line if line_rules and r.last in ("pos", "tempo", "prog") else None)
                   if con is not None else None)
            m = cache_m.get(key)
            if m is None:
                m = cache_m[key] = (~self._mask(r, bars, pitch_ok, prog_ok, steps_left, chord_plan,
                                                max_leap, con, line_rules)).numpy()
            return m

        def run(group: list[_Row], first: np.ndarray, step_i: int) -> None:
            """Sample for ``group`` (rows sharing one cache) from prefill ids ``first``."""
            cache, step = self._stepper(len(group))
            logits = step(first)
            n_rows = len(group)
            while step_i < budget:
                steps_left = budget - step_i
                if n_rows == 1:
                    banned = banned_of(group[0], steps_left)[None]  # (1, V)
                else:
                    banned = np.stack([banned_of(r, steps_left) for r in group])  # (n, V)
                if bias is not None:  # (n, V) + (n, V): each row's bar
                    logits = logits + bias[[min(max(r.bars_done - 1, 0), bars) for r in group]]
                nxt = sample_next(logits, banned, temp, top_p, rng)  # (n,)
                step_i += 1
                toks = nxt.tolist()
                for r, t in zip(group, toks, strict=True):
                    if not r.done:
                        self._advance(r, t, bars)
                if all(r.done for r in group) or step_i >= budget:
                    return
                if cache.pos >= block - 1:  # context full
                    if not can_slide:
                        return
                    for r in group:  # each row goes on alone from its own recent bars
                        if not r.done:
                            run([r], np.asarray([self._slide(prompt, r)], dtype=np.int64), step_i)
                    return
                if any(r.done for r in group):
                    nxt = np.asarray([t if not r.done else v.pad for r, t in zip(group, toks, strict=True)])
                logits = step(nxt.reshape(n_rows, 1).astype(np.int64))

        run(rows, np.asarray([prompt + forced] * n, dtype=np.int64), 0)
        return [list(forced) + r.ids if not r.ids or r.ids[0] != v.bar else r.ids for r in rows]

    # --------------------------------------------------------------------- prefixes
    @torch.inference_mode()
    def fill_prefix(self, controls: Controls, meter: tuple[int, int], ensemble_default: str = "solo"
                    ) -> list[int]:
        """The six control ids; unspecified key/mode, density and register are sampled."""
        v = self.vocab
        ids = [v.bos]
        gen = torch.Generator().manual_seed((controls.seed or 0) + 17)
        ens = controls.ensemble or ensemble_default
        wanted: list[list[int]] = []
        if controls.key_tonic is not None and controls.mode is not None:
            wanted.append([v.key_id(controls.key_tonic, controls.mode)])
        elif controls.key_tonic is not None:
            wanted.append([v.key_id(controls.key_tonic, m) for m in MODES])
        elif controls.mode is not None:
            wanted.append([v.key_id(t, controls.mode) for t in range(12)])
        else:
            wanted.append([v.key_id(t, m) for m in MODES for t in range(12)])
        wanted.append([v.timesig_id(*meter)])
        wanted.append([v.vocab[f"Density_{controls.density}"]] if controls.density else
                      [v.vocab[f"Density_{b}"] for b in DENSITY_NAMES])
        wanted.append([v.vocab[f"Register_{controls.register}"]] if controls.register else
                      [v.vocab[f"Register_{b}"] for b in REGISTER_NAMES])
        wanted.append([v.vocab[f"Ensemble_{ens}"]])
        cache = self.model.new_cache(1)
        logits = self.model.step(torch.tensor([ids], device=self.device), cache)
        for choices in wanted:
            if len(choices) == 1:
                t = choices[0]
            else:
                lg = logits[0].float().cpu()[choices]
                t = choices[int(torch.multinomial(torch.softmax(lg, -1), 1, generator=gen))]
            ids.append(t)
            logits = self.model.step(torch.tensor([[t]], device=self.device), cache)
        return ids

    def score_ids(self, score: Score) -> list[int]:
        """Compacted REMI ids of a score (no prefix); for a v2 model every Bar is followed by the
        bar's chord as the corpus labeller reads it (the layout the model was trained on)."""
        from assistant.music.data import compact_timesigs, insert_chords
        from assistant.music.harmony import bar_chords

        v = self.vocab
        ids = compact_timesigs(v, encode(v.tok, score_to_symusic(score)))
        if self.has_chords:
            dec = decode_ids(v, ids)
            chords = bar_chords([(n[1], n[2], n[3]) for n in dec.notes], dec.bar_starts_q, dec.end_q)
            ids = insert_chords(v, ids, chords)
        return ids


# ------------------------------------------------------------------------- module API
_LOCK = threading.Lock()
_SAMPLER: MusicSampler | None = None
_COPY_FILTER: CopyFilter | None = None
_WARNED: dict[str, bool] = {}  # one-time warnings


def get_sampler(model_dir: str | Path | None = None) -> MusicSampler:
    """Load the shipped model once (lazily) and return the shared sampler."""
    global _SAMPLER
    with _LOCK:
        if _SAMPLER is None or model_dir is not None:
            d = Path(model_dir) if model_dir else MODEL_DIR
            device = pick_device()
            model = MusicGPT.load(d, device=device)
            vocab = Vocab(load_tokenizer(d / "tokenizer.json"))
            s = MusicSampler(model, vocab, device)
            if model_dir is not None:
                return s
            _SAMPLER = s
        return _SAMPLER


def _bar_len_q(meter: tuple[int, int]) -> float:
    n, d = normalise_meter(*meter)
    return n * 4.0 / d


def _to_score(s: MusicSampler, ids: list[int], controls: Controls, meter: tuple[int, int],
              start_q: float = 0.0, tempo_bpm: float | None = None) -> Score:
    n, d = normalise_meter(*meter)
    dec = decode_ids(s.vocab, [s.vocab.timesig_id(n, d)] + ids, default_program=controls.program or 0,
                     start_q=start_q)
    key = None
    if controls.key_tonic is not None:
        from assistant.music.corpus import PITCH_NAMES

        key = f"{PITCH_NAMES[controls.key_tonic]} {controls.mode or 'major'}"
    sc = decoded_to_score(dec, key=key)
    sc.markers = [(float(dec.end_q), "end")]
    if tempo_bpm is not None:
        sc = replace(sc, tempos=[(0.0, float(tempo_bpm))])
    if controls.program is not None:  # the requested instrument (the model wrote with a seen program)
        ins = conditioning(controls.program).instrument
        for p in sc.parts:
            p.program = controls.program
            if ins:
                p.name = p.instrument = ins
    return sc


def copy_filter() -> CopyFilter | None:
    """The shipped table of training-melody runs (``models/music/train_runs.npz``), loaded once."""
    global _COPY_FILTER
    with _LOCK:
        if _COPY_FILTER is None:
            path = MODEL_DIR / "train_runs.npz"
            if not path.is_file():
                log.warning("no %s: generated themes are not checked for training copies", path)
                return None
            _COPY_FILTER = CopyFilter.load(path)
        return _COPY_FILTER


def _melody_rows(sc: Score) -> list[list[float]]:
    return [[n.pitch, n.start_beats, n.dur_beats] for n in sc.melody()]


def _redraw_copies(scores: list[Score], controls: Controls, stats: dict[str, int] | None,
                   redo: Callable[[int, Controls], list[Score]]) -> list[Score]:
    """Replace the scores whose melody copies a training run (:func:`copy_filter`) by new draws
    ``redo(n, controls_with_new_seed)``, up to :data:`COPY_RETRIES` rounds; count in ``stats``."""
    filt = copy_filter()
    if filt is None:
        return scores
    scores = list(scores)
    bad = [i for i, sc in enumerate(scores) if filt.copies(_melody_rows(sc))]
    for attempt in range(1, COPY_RETRIES + 1):
        if not bad:
            return scores
        if stats is not None:
            stats["copies_redrawn"] = stats.get("copies_redrawn", 0) + len(bad)
        for i, sc in zip(bad, redo(len(bad), replace(controls, seed=(controls.seed or 0) + 7919 * attempt)),
                         strict=True):
            scores[i] = sc
        bad = [i for i in bad if filt.copies(_melody_rows(scores[i]))]  # only the new draws need a check
    if bad:
        log.warning("%d candidate(s) still share a 12-note run with the training set", len(bad))
        if stats is not None:
            stats["copies_kept"] = stats.get("copies_kept", 0) + len(bad)
    return scores


def generate(controls: Controls | None = None, bars: int = 4, meter: tuple[int, int] = (4, 4),
             n_candidates: int = 1, sampler: MusicSampler | None = None,
             oversample: int | None = None, avoid_copies: bool = True,
             stats: dict[str, int] | None = None, *, key: tuple[str, str] | None = None,
             chords: list[str | None] | tuple[str | None, ...] | None = None,
             key_prior: float | None = None) -> list[Score]:
    """Write ``n_candidates`` new passages of exactly ``bars`` bars from the controls alone.

    When mode, density or register are requested, ``oversample`` × as many candidates are
    sampled in one batch and the ones whose *measured* attributes match best are returned
    (default 4; ``oversample=1`` gives the model's raw samples). Chorale, keyboard and ensemble
    requests come back as separate parts (SATB voices, two piano staves, up to four string
    parts; :func:`assistant.music.voices.split_voices`), each in its range. With ``avoid_copies`` (default)
    a candidate whose melody shares a run of 12 or more notes (intervals and durations) with
    a training melody is re-drawn, up to :data:`COPY_RETRIES` times (see
    :class:`assistant.music.copies.CopyFilter`); ``stats`` (if given) counts
    ``copies_redrawn`` and ``copies_kept``.

    ``key=("D", "minor")`` sets the key (same as ``controls.key_tonic``/``mode``); ``chords``
    (or ``controls.chords``) is a chord per bar — Roman numerals relative to the key or absolute
    symbols (:func:`assistant.music.harmony.chord_plan`) — that a v2 model follows exactly (its
    chord token for each bar is forced). With a plan, decoding is constrained by default
    (``controls.constrain``; :class:`PlanConstraint`): the key's scale, planned chord tones on
    strong beats, passing and neighbour tones by step on weak positions, a tonic opening and an
    ending on the last planned chord. ``constrain=True`` applies the key rules without a plan
    too, ``False`` leaves the model alone (only the chord tokens are forced); ``key_prior`` sets
    the strength of the constraint's key prior (default :data:`assistant.music.constraint.KEY_PRIOR`, 0 for the masks
    alone). The reranking
    (``oversample`` > 1) also checks the key's tonic and, with a plan, how many strong-beat
    melody notes are tones of the planned chord.
    """
    controls = controls or Controls()
    if key is not None:
        controls = replace(controls, key_tonic=pitch_class(key[0]), mode=str(key[1]).lower())
        if controls.mode not in MODES:
            raise ValueError(f"key mode must be one of {MODES}, not {key[1]!r}")
    if chords is not None:
        controls = replace(controls, chords=tuple(chords))
    if bars < 1:
        raise ValueError("bars must be >= 1")
    s = sampler or get_sampler()
    meter = normalise_meter(*(controls.meter or meter))
    plan, plan_ids, con = _plan_rules(s, controls, None, bars, meter, key_prior, closes=True)
    planned = plan_ids is not None
    wants = {k: getattr(controls, k) for k in ("key_tonic", "mode", "density", "register")
             if getattr(controls, k) is not None}
    k = max(1, oversample if oversample is not None else (RERANK_OVERSAMPLE if wants or planned else 1))
    prefix = s.fill_prefix(controls, meter)
    if s.has_chords:
        forced, first_ts = [s.vocab.bar], s.vocab.timesig_id(*meter)
    else:
        forced, first_ts = [s.vocab.bar, s.vocab.timesig_id(*meter)], None

    def draw(n: int, c: Controls) -> list[Score]:
        outs = s.decode(prefix, bars, c, n=n, meter=meter, forced=forced, chord_plan=plan_ids, first_ts=first_ts,
                        constraint=con)
        return [_to_score(s, o, controls, meter) for o in outs]

    scores = draw(n_candidates * k, controls)
    if avoid_copies:
        scores = _redraw_copies(scores, controls, stats, draw)
    if k > 1 and (wants or planned):
        bar_q = _bar_len_q(meter)

        def matches(sc: Score) -> float:
            notes = [(n.pitch, n.start_beats, n.dur_beats) for n in sc.notes]
            if not notes:
                return -1
            got = analyse_controls(notes, bars * bar_q)
            score = float(sum(int(got[a] == v) for a, v in wants.items()))
            if planned:
                hits, total = chord_tone_rate(notes, plan, [i * bar_q for i in range(bars)], meter)
                score += hits / max(total, 1)
            return score

        order = sorted(range(len(scores)), key=lambda i: -matches(scores[i]))  # stable: sample order on ties
        scores = [scores[i] for i in order[:n_candidates]]
    if controls.ensemble in ("chorale", "keyboard", "ensemble"):  # one part per voice / staff, in range
        scores = [split_voices(sc, controls.ensemble, controls.program)[0] for sc in scores]
    return scores


def _plan_rules(s: MusicSampler, controls: Controls, chords: list[str | None] | tuple[str | None, ...] | None,
                bars: int, meter: tuple[int, int], key_prior: float | None, closes: bool
                ) -> tuple[list[Any], list[int | None] | None, PlanConstraint | None]:
    """The chord plan of the new bars (:func:`assistant.music.harmony.chord_plan`), the chord ids
    to force after each new Bar (None: no plan) and the :class:`PlanConstraint` of the new bars,
    for :func:`generate`, :func:`continue_` and :func:`infill` (``chords``, else
    ``controls.chords``; ``controls.constrain``: None = on with a plan). ``closes=False`` (an
    infill: music follows) ends on a tone of the last planned chord rather than on the tonic
    triad (any scale tone when the last bar is free)."""
    syms = chords if chords is not None else controls.chords
    plan = chord_plan(syms or (), bars, controls.key_tonic, controls.mode)
    planned = any(p != "free" for p in plan)
    if planned and not s.has_chords and not _WARNED.get("no_chords"):
        _WARNED["no_chords"] = True
        log.warning("this music model has no chord tokens (v1): the chord plan reaches it only through the "
                    "decoding constraints and the reranking")
    use = controls.constrain if controls.constrain is not None else planned
    con = PlanConstraint.build(controls.key_tonic, controls.mode, plan, meter, key_prior) \
        if use and (planned or controls.key_tonic is not None) else None
    if con is not None and not closes:
        last = plan[-1] if isinstance(plan[-1], tuple) else None
        con = replace(con, final=_triad(last) if last else con.scale)
    ids = [None if p == "free" else s.vocab.chord_id(p) for p in plan] if planned else None
    return plan, ids, con


def continue_(prompt: Score, bars: int, controls: Controls | None = None,
              sampler: MusicSampler | None = None, avoid_copies: bool = True, *,
              chords: list[str | None] | tuple[str | None, ...] | None = None,
              key_prior: float | None = None) -> Score:
    """Append exactly ``bars`` new bars to ``prompt``; returns the prompt plus the new bars.

    The model reads the prompt's last bars (half its context) and writes on from them.
    ``chords`` (or ``controls.chords``) is a chord plan for the *new* bars, one symbol per bar as
    in :func:`generate` (cycled when shorter): a v2 model's chord token after each new Bar is
    forced, and the new bars are decoded under :class:`PlanConstraint` (``controls.constrain``
    and ``key_prior`` as in :func:`generate`) with the prompt's last note as the line's previous
    note (a passing tone is approached by step from it, and the new bars need not open on the
    tonic). The prompt's notes are kept as they are.

    With ``avoid_copies`` the new bars are re-drawn when their melody shares a 12-note run with
    a training melody (as in :func:`generate`)."""
    s = sampler or get_sampler()
    controls = prompt_controls(prompt, controls or Controls())
    meter = normalise_meter(*(controls.meter or (prompt.meters[-1][1], prompt.meters[-1][2])))
    n_prompt = n_bars(prompt)
    starts = prompt.bar_starts(n_prompt + 1)
    _plan, plan_ids, con = _plan_rules(s, controls, chords, bars, meter, key_prior, closes=True)
    history = history_before(prompt, starts[n_prompt]) if con is not None else None
    line = line_before(prompt, starts[n_prompt]) if con is not None else ()
    # half the context for the prompt's last bars, the rest for the new bars (then it slides)
    ids = recent_bars(s.vocab, s.score_ids(prompt), s.model.cfg.block_size // 2, meter)
    prefix = s.fill_prefix(controls, meter, ensemble_default=ensemble_of(prompt))

    def draw(n: int, c: Controls) -> list[Score]:
        outs = s.decode(prefix + ids, bars, c, n=n, meter=meter, forced=[s.vocab.bar], chord_plan=plan_ids,
                        constraint=con, history=history, line=line)
        return [_to_score(s, o, controls, meter, start_q=starts[n_prompt]) for o in outs]

    new = draw(1, controls)
    if avoid_copies:
        new = _redraw_copies(new, controls, None, draw)
    return merge(prompt, new[0])


def infill(score: Score, bars_to_fill: tuple[int, int] | list[int], controls: Controls | None = None,
           sampler: MusicSampler | None = None, *,
           chords: list[str | None] | tuple[str | None, ...] | None = None,
           key_prior: float | None = None) -> Score:
    """Rewrite the bars ``[a, b)`` (0-based; or a list of consecutive bar indices) from their context.

    ``chords`` (or ``controls.chords``) is a chord plan for the filled bars, one symbol per bar
    (cycled when shorter): a v2 model's chord token after each filled Bar is forced and the bars
    are decoded under :class:`PlanConstraint` (as :func:`continue_`; the last beat ends on a tone
    of the last planned chord, not on the tonic, since the music goes on). The context keeps
    whole bars on both sides and leaves the filled bars a budget from the score's own density."""
    s = sampler or get_sampler()
    if isinstance(bars_to_fill, list):
        a, b = min(bars_to_fill), max(bars_to_fill) + 1
    else:
        a, b = bars_to_fill
    n = n_bars(score)
    if not 0 <= a < b <= n:
        raise ValueError(f"bars {a}..{b} outside the score's {n} bars")
    controls = prompt_controls(score, controls or Controls())
    meter = normalise_meter(*(controls.meter or (score.meters[0][1], score.meters[0][2])))
    starts = score.bar_starts(n + 1)
    _plan, plan_ids, con = _plan_rules(s, controls, chords, b - a, meter, key_prior, closes=False)
    v = s.vocab
    prefix = s.fill_prefix(controls, meter, ensemble_default=ensemble_of(score))
    prompt = fim_prompt(v, s.score_ids(score), n, a, b, prefix, s.model.cfg.block_size, meter)
    history = history_before(score, starts[a]) if con is not None else None
    line = line_before(score, starts[a]) if con is not None else ()
    outs = s.decode(prompt, b - a, controls, n=1, meter=meter, forced=[v.bar], chord_plan=plan_ids,
                    constraint=con, history=history, line=line)
    new = _to_score(s, outs[0], controls, meter, start_q=starts[a])
    return merge(score, new, drop_range=(starts[a], starts[b]))


def vary(theme: Score, controls: Controls | None = None, strength: float = 0.5,
         sampler: MusicSampler | None = None) -> Score:
    """A variation: about ``strength`` × the bars are re-written from their context (infill)."""
    if not 0.0 <= strength <= 1.0:
        raise ValueError("strength must be in [0, 1]")
    controls = controls or Controls()
    n = n_bars(theme)
    k = max(1, round(strength * n)) if strength > 0 else 0
    rng = random.Random(controls.seed)
    bars = sorted(rng.sample(range(n), k)) if k else []
    out = theme
    for i, bar in enumerate(bars):
        out = infill(out, (bar, bar + 1), replace(controls, seed=(controls.seed or 0) + i), sampler=sampler)
    return out


def melody_notes(score: Score) -> list[Note]:
    """The skyline melody (helper for evaluation)."""
    return score.melody()


def controls_from_dict(d: dict[str, Any]) -> Controls:
    """Build :class:`Controls` from a plain dict (CLI / JSON), ignoring unknown keys."""
    fields = Controls.__dataclass_fields__
    kw = {k: v for k, v in d.items() if k in fields and v is not None}
    for k in ("meter", "pitch_range"):
        if k in kw:
            kw[k] = tuple(kw[k])
    return Controls(**kw)


__all__ = ["Controls", "MusicSampler", "PlanConstraint", "generate", "continue_", "infill", "vary", "get_sampler",
           "ENSEMBLES", "controls_from_dict"]
