"""A small decoder-only transformer (GPT-2 style, pre-norm) with a static KV cache.

One readable file, after nanoGPT: :class:`MusicGPTConfig` (saved as ``config.json``),
:class:`MusicGPT` (weights in ``model.safetensors``), and :meth:`MusicGPT.step` for cached
decoding. Shapes: B batch, T time, C ``n_embd``, H heads, D head size = C / H.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class MusicGPTConfig:
    """Model hyper-parameters (sizes in tokens / channels)."""

    vocab_size: int = 520
    block_size: int = 512  # longest context in tokens (learned positions)
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 256
    dropout: float = 0.0
    bias: bool = False

    def __post_init__(self) -> None:
        assert self.n_embd % self.n_head == 0, "n_embd must be divisible by n_head"
        assert self.vocab_size > 0 and self.block_size > 0 and self.n_layer > 0

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: str | Path) -> MusicGPTConfig:
        d = json.loads(Path(path).read_text())
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


class KVCache:
    """Static per-layer key/value buffers: (L, B, H, block_size, D); ``pos`` tokens are filled."""

    def __init__(self, cfg: MusicGPTConfig, batch: int, device: torch.device, dtype: torch.dtype) -> None:
        d = cfg.n_embd // cfg.n_head
        self.k = torch.zeros(cfg.n_layer, batch, cfg.n_head, cfg.block_size, d, device=device, dtype=dtype)
        self.v = torch.zeros_like(self.k)
        self.pos = 0
        self._views: tuple[list[torch.Tensor], list[torch.Tensor]] | None = None

    def layer_views(self) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Per-layer (B, H, block_size, D) views of the key and value buffers (made once)."""
        if self._views is None:
            self._views = (list(self.k.unbind(0)), list(self.v.unbind(0)))
        return self._views


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: MusicGPTConfig) -> None:
        super().__init__()
        self.c_attn = nn.Linear(cfg.n_embd, 3 * cfg.n_embd, bias=cfg.bias)
        self.c_proj = nn.Linear(cfg.n_embd, cfg.n_embd, bias=cfg.bias)
        self.n_head = cfg.n_head
        self.dropout = cfg.dropout

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)  # 3 × (B, T, C)
        H = self.n_head
        q = q.view(B, T, H, C // H).transpose(1, 2)  # (B, H, T, D)
        k = k.view(B, T, H, C // H).transpose(1, 2)
        v = v.view(B, T, H, C // H).transpose(1, 2)
        if cache is None:
            y = F.scaled_dot_product_attention(
                q, k, v, is_causal=True, dropout_p=self.dropout if self.training else 0.0)
        else:
            p = cache.pos
            cache.k[layer, :, :, p:p + T] = k
            cache.v[layer, :, :, p:p + T] = v
            kk = cache.k[layer, :, :, : p + T]  # (B, H, p+T, D)
            vv = cache.v[layer, :, :, : p + T]
            if T == 1:
                y = F.scaled_dot_product_attention(q, kk, vv)
            else:  # prefill: causal mask offset by p
                mask = torch.ones(T, p + T, dtype=torch.bool, device=x.device).tril(diagonal=p)
                y = F.scaled_dot_product_attention(q, kk, vv, attn_mask=mask)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, cfg: MusicGPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd, bias=cfg.bias)
        self.c_proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd, bias=cfg.bias)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")))


class Block(nn.Module):
    def __init__(self, cfg: MusicGPTConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.mlp = MLP(cfg)

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), cache, layer)
        return x + self.mlp(self.ln_2(x))


class MusicGPT(nn.Module):
    """Token + position embeddings → ``n_layer`` blocks → LayerNorm → tied output head."""

    def __init__(self, cfg: MusicGPTConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.block_size, cfg.n_embd)
        self.drop = nn.Dropout(cfg.dropout)
        self.h = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init_weights(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None,
                ignore_index: int = -100) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits (B, T, V) for ids (B, T); mean cross-entropy if ``targets`` (B, T) given."""
        B, T = idx.shape
        assert self.cfg.block_size >= T, f"sequence {T} longer than block_size {self.cfg.block_size}"
        pos = torch.arange(T, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))  # (B, T, C)
        for blk in self.h:
            x = blk(x)
        x = self.ln_f(x)
        logits = x @ self.wte.weight.t()  # (B, T, V), tied weights
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.reshape(-1),
                                   ignore_index=ignore_index)
        return logits, loss

    def _decode_weights(self) -> list[tuple[torch.Tensor | None, ...]]:
        """Per-layer weight tuples for :meth:`step` (the Parameter objects themselves, so
        in-place updates and ``load_state_dict`` stay visible; rebuilt if a module was replaced)."""
        key = tuple(id(b) for b in self.h)
        cached = self.__dict__.get("_dw")
        if cached is None or cached[0] != key:
            ws = [(b.ln_1.weight, b.ln_1.bias, b.attn.c_attn.weight, b.attn.c_attn.bias,
                   b.attn.c_proj.weight, b.attn.c_proj.bias, b.ln_2.weight, b.ln_2.bias,
                   b.mlp.c_fc.weight, b.mlp.c_fc.bias, b.mlp.c_proj.weight, b.mlp.c_proj.bias)
                  for b in self.h]
            cached = (key, ws)
            self.__dict__["_dw"] = cached  # plain attribute: not a buffer, never saved
        return cached[1]

    @torch.inference_mode()
    def step(self, idx: torch.Tensor, cache: KVCache) -> torch.Tensor:
        """Cached forward of new ids (B, T) at positions cache.pos…; returns last logits (B, V).

        The same maths as :meth:`forward`, written with functional calls on pre-gathered
        weights (no Module dispatch, no attribute look-ups) because per-token decoding of a
        small model is dominated by Python and dispatch overhead.
        """
        cfg = self.cfg
        B, T = idx.shape
        p = cache.pos
        assert p + T <= cfg.block_size, "KV cache full"
        if T == 1:
            return self._step1(idx, cache, p)
        C, H = cfg.n_embd, cfg.n_head
        D = C // H
        x = F.embedding(idx, self.wte.weight) + self.wpe.weight[p:p + T]  # (B, T, C)
        # prefill: causal mask offset by p
        mask = torch.ones(T, p + T, dtype=torch.bool, device=idx.device).tril(diagonal=p)
        for i, (l1w, l1b, wa, ba, wp, bp, l2w, l2b, wf, bf, wm, bm) in enumerate(self._decode_weights()):
            h = F.layer_norm(x, (C,), l1w, l1b)
            q, k, v = F.linear(h, wa, ba).split(C, dim=2)  # 3 × (B, T, C)
            q = q.view(B, T, H, D).transpose(1, 2)  # (B, H, T, D)
            cache.k[i, :, :, p:p + T] = k.view(B, T, H, D).transpose(1, 2)
            cache.v[i, :, :, p:p + T] = v.view(B, T, H, D).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, cache.k[i, :, :, : p + T], cache.v[i, :, :, : p + T],
                                               attn_mask=mask)  # (B, H, T, D)
            y = y.transpose(1, 2).reshape(B, T, C)
            x = x + F.linear(y, wp, bp)
            h = F.layer_norm(x, (C,), l2w, l2b)
            h = F.gelu(F.linear(h, wf, bf), approximate="tanh")
            x = x + F.linear(h, wm, bm)
        cache.pos = p + T
        x = F.layer_norm(x[:, -1], (C,), self.ln_f.weight, self.ln_f.bias)  # (B, C)
        return F.linear(x, self.wte.weight)  # (B, V)

    def _step1(self, idx: torch.Tensor, cache: KVCache, p: int) -> torch.Tensor:
        """One new token per row: 2-D activations (B, C), q/k/v as (B, H, 1, D) views."""
        cfg = self.cfg
        C, H = cfg.n_embd, cfg.n_head
        D = C // H
        B = idx.shape[0]
        x = F.embedding(idx.view(B), self.wte.weight) + self.wpe.weight[p]  # (B, C)
        ks, vs = cache.layer_views()
        for (l1w, l1b, wa, ba, wp, bp, l2w, l2b, wf, bf, wm, bm), kc, vc in zip(
                self._decode_weights(), ks, vs, strict=True):
            qkv = F.linear(F.layer_norm(x, (C,), l1w, l1b), wa, ba).view(B, 3, H, 1, D)
            kc[:, :, p:p + 1] = qkv[:, 1]
            vc[:, :, p:p + 1] = qkv[:, 2]
            y = F.scaled_dot_product_attention(qkv[:, 0], kc[:, :, : p + 1], vc[:, :, : p + 1])  # (B, H, 1, D)
            x = x + F.linear(y.view(B, C), wp, bp)
            h = F.gelu(F.linear(F.layer_norm(x, (C,), l2w, l2b), wf, bf), approximate="tanh")
            x = x + F.linear(h, wm, bm)
        cache.pos = p + 1
        return F.linear(F.layer_norm(x, (C,), self.ln_f.weight, self.ln_f.bias), self.wte.weight)  # (B, V)

    def new_cache(self, batch: int) -> KVCache:
        w = self.wte.weight
        return KVCache(self.cfg, batch, w.device, w.dtype)

    # ------------------------------------------------------------------ save / load
    def save(self, out_dir: str | Path) -> None:
        """Write ``config.json`` and ``model.safetensors`` (tied head stored once)."""
        from safetensors.torch import save_file

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        self.cfg.save(out / "config.json")
        state = {k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()}
        save_file(state, str(out / "model.safetensors"))

    @classmethod
    def load(cls, out_dir: str | Path, device: str | torch.device = "cpu") -> MusicGPT:
        """Load a model folder; a missing, damaged or mismatched file is an InputError."""
        from safetensors.torch import load_file

        from assistant.errors import InputError
        from assistant.storage import load_json_file

        out = Path(out_dir)
        cfg_path, weights = out / "config.json", out / "model.safetensors"
        data = load_json_file(cfg_path, what="model config", max_bytes=1 << 20)
        limits = {"vocab_size": 1 << 20, "block_size": 1 << 16, "n_layer": 256, "n_head": 256,
                  "n_embd": 1 << 14}
        if not isinstance(data, dict):
            raise InputError("expected a JSON object", path=cfg_path)
        for k, hi in limits.items():
            v = data.get(k)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or not 0 < v <= hi):
                raise InputError(f"must be a whole number 1-{hi}, got {v!r}", path=cfg_path, field=k)
        try:
            model = cls(MusicGPTConfig(**{k: v for k, v in data.items()
                                          if k in MusicGPTConfig.__dataclass_fields__}))
        except (AssertionError, TypeError, ValueError) as exc:
            raise InputError(f"invalid model config: {exc}", path=cfg_path) from None
        if not weights.is_file():
            raise InputError("model.safetensors not found", path=weights)
        try:
            model.load_state_dict(load_file(str(weights), device=str(device)))
        except (RuntimeError, OSError, ValueError) as exc:  # SafetensorError is a RuntimeError
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"damaged or mismatched weights: {first[:200]}", path=weights) from None
        except Exception as exc:  # safetensors_rust.SafetensorError on some versions
            if type(exc).__name__ != "SafetensorError":
                raise
            raise InputError(f"damaged weights: {exc}", path=weights) from None
        return model.to(device).eval()


class NumpyKVCache:
    """Key/value buffers of :class:`NumpyDecoder`: (L, B, H, block_size, D) float32."""

    def __init__(self, cfg: MusicGPTConfig, batch: int) -> None:
        d = cfg.n_embd // cfg.n_head
        self.k = np.zeros((cfg.n_layer, batch, cfg.n_head, cfg.block_size, d), dtype=np.float32)
        self.v = np.zeros_like(self.k)
        self.pos = 0


_add_reduce = np.add.reduce  # ndarray.mean goes through Python-level helpers: slow on tiny rows


def _normalise(x: np.ndarray) -> np.ndarray:
    """Layer norm without its affine part (that is folded into the next matrix)."""
    inv_c = np.float32(1.0 / x.shape[-1])
    xc = x - _add_reduce(x, axis=-1, keepdims=True) * inv_c
    return xc / np.sqrt(_add_reduce(xc * xc, axis=-1, keepdims=True) * inv_c + np.float32(1e-5))


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))


class NumpyDecoder:
    """:meth:`MusicGPT.step` in float32 numpy, for decoding on the CPU.

    A 2 M-parameter model decoding one token at a time is bound by per-call overhead, not
    arithmetic: a numpy matrix-vector product costs about half of ``F.linear`` on such
    shapes, and the other ops (layer norm, GELU, attention over the cache) likewise. The
    weights are copied once, transposed for ``x @ W``, with each layer norm's scale and
    shift folded into the matrix that follows it (``(n·w + b) @ W = n @ (w·W) + b @ W``).
    :attr:`version` records the torch parameters' version counters so a sampler can tell
    when the model was trained further. Logits match :meth:`MusicGPT.step` to float32
    rounding (tests).
    """

    def __init__(self, model: MusicGPT) -> None:
        cfg = model.cfg
        self.cfg = cfg
        sd = {k: v.detach().double().cpu().numpy() for k, v in model.state_dict().items()}

        def fold(ln: str, lin: str) -> tuple[np.ndarray, np.ndarray]:
            w = sd[lin + ".weight"].T  # (in, out)
            g, b = sd[ln + ".weight"], sd.get(ln + ".bias")
            mat = g[:, None] * w
            bias = (b @ w if b is not None else 0.0) + sd.get(lin + ".bias", 0.0)
            return (np.ascontiguousarray(mat, dtype=np.float32),
                    np.broadcast_to(np.asarray(bias, dtype=np.float32), (w.shape[1],)).copy())

        def plain(lin: str) -> tuple[np.ndarray, np.ndarray | None]:
            b = sd.get(lin + ".bias")
            return (np.ascontiguousarray(sd[lin + ".weight"].T, dtype=np.float32),
                    None if b is None else b.astype(np.float32))

        self.wte = sd["wte.weight"].astype(np.float32)
        self.wpe = sd["wpe.weight"].astype(np.float32)
        self.layers = []
        for i in range(cfg.n_layer):
            p = f"h.{i}."
            self.layers.append((*fold(p + "ln_1", p + "attn.c_attn"), *plain(p + "attn.c_proj"),
                                *fold(p + "ln_2", p + "mlp.c_fc"), *plain(p + "mlp.c_proj")))
        sd["head.weight"] = sd["wte.weight"]  # tied output head
        self.head, self.head_b = fold("ln_f", "head")
        self.version = NumpyDecoder.version_of(model)

    @staticmethod
    def version_of(model: MusicGPT) -> tuple[int, ...]:
        """The parameters' identities and in-place version counters (changes when trained)."""
        return tuple(x for p in model.parameters() for x in (id(p), p._version))

    def new_cache(self, batch: int) -> NumpyKVCache:
        return NumpyKVCache(self.cfg, batch)

    def step(self, idx: np.ndarray, cache: NumpyKVCache) -> np.ndarray:
        """Cached forward of new ids (B, T) at positions cache.pos…; last logits (B, V)."""
        cfg = self.cfg
        B, T = idx.shape
        p = cache.pos
        assert p + T <= cfg.block_size, "KV cache full"
        C, H = cfg.n_embd, cfg.n_head
        D = C // H
        scale = np.float32(1.0 / math.sqrt(D))
        x = self.wte[idx] + self.wpe[p:p + T]  # (B, T, C)
        mask = None
        if T > 1:  # prefill: position i sees cache positions <= p + i
            mask = np.triu(np.full((T, p + T), -np.inf, dtype=np.float32), k=p + 1)
        for i, (wa, ba, wp, bp, wf, bf, wm, bm) in enumerate(self.layers):
            qkv = _normalise(x) @ wa + ba
            qkv = qkv.reshape(B, T, 3, H, D).transpose(2, 0, 3, 1, 4)  # (3, B, H, T, D)
            kc, vc = cache.k[i], cache.v[i]
            kc[:, :, p:p + T] = qkv[1]
            vc[:, :, p:p + T] = qkv[2]
            att = (qkv[0] * scale) @ kc[:, :, : p + T].transpose(0, 1, 3, 2)  # (B, H, T, p+T)
            if mask is not None:
                att += mask
            att = np.exp(att - np.maximum.reduce(att, axis=-1, keepdims=True))
            att /= _add_reduce(att, axis=-1, keepdims=True)
            y = (att @ vc[:, :, : p + T]).transpose(0, 2, 1, 3).reshape(B, T, C) @ wp
            x = x + (y if bp is None else y + bp)
            h = _gelu_tanh(_normalise(x) @ wf + bf) @ wm
            x = x + (h if bm is None else h + bm)
        cache.pos = p + T
        return _normalise(x[:, -1]) @ self.head + self.head_b  # (B, V)


def pick_device() -> torch.device:
    """CUDA, then MPS, then CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
