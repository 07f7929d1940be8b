"""The ONNX graph we build must compute what BERT computes.

The reference here is written independently of both engines in src/: one sentence at a time,
no padding and no mask (so it also checks that padding is masked out), GELU from ``math.erf``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from callpact.verbatim import embedding as emb

SENTENCES = [
    "The form on your site does not work.",
    "customer unhappy with website",
    "My card was declined at the pharmacy three times!",
    "hi",
    "Dr. Patel's office says my plan won't cover the MRI, and nobody calls me back.",
]


@pytest.fixture(scope="module")
def weights() -> dict[str, np.ndarray]:
    return emb.load_weights()


@pytest.fixture(scope="module")
def tokenizer() -> emb.WordPieceTokenizer:
    return emb.WordPieceTokenizer()


def _reference_embedding(w: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    gelu = np.vectorize(lambda v: 0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))))

    def norm(x: np.ndarray, prefix: str) -> np.ndarray:
        mu = x.mean(-1, keepdims=True)
        sd = np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + 1e-12)
        return (x - mu) / sd * w[prefix + ".weight"] + w[prefix + ".bias"]

    def lin(x: np.ndarray, prefix: str) -> np.ndarray:
        return np.einsum("si,oi->so", x, w[prefix + ".weight"]) + w[prefix + ".bias"]

    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][: len(ids)]
        + w["embeddings.token_type_embeddings.weight"][0]
    ).astype(np.float64)
    x = norm(x, "embeddings.LayerNorm")
    for layer in range(6):
        p = f"encoder.layer.{layer}."
        q, k, v = (lin(x, p + f"attention.self.{n}") for n in ("query", "key", "value"))
        heads = []
        for h in range(12):
            sl = slice(32 * h, 32 * (h + 1))
            scores = q[:, sl] @ k[:, sl].T / math.sqrt(32)
            scores = np.exp(scores - scores.max(axis=1, keepdims=True))
            heads.append((scores / scores.sum(axis=1, keepdims=True)) @ v[:, sl])
        x = norm(
            lin(np.concatenate(heads, axis=1), p + "attention.output.dense") + x,
            p + "attention.output.LayerNorm",
        )
        x = norm(
            lin(gelu(lin(x, p + "intermediate.dense")), p + "output.dense") + x,
            p + "output.LayerNorm",
        )
    pooled = x.mean(axis=0)
    return pooled / np.linalg.norm(pooled)


def test_tokenizer_wraps_in_cls_and_sep_and_pads_per_batch(
    tokenizer: emb.WordPieceTokenizer,
) -> None:
    ids, mask = tokenizer.encode(["hi", "the form does not work"])
    assert ids[0, 0] == 101
    assert ids[0, 2] == 102
    assert mask[0].tolist() == [1, 1, 1] + [0] * (ids.shape[1] - 3)
    assert ids.shape[1] == int(mask[1].sum())  # padded to the longest, not to 128


def test_onnx_and_numpy_engines_match_an_independent_forward_pass(
    weights: dict[str, np.ndarray], tokenizer: emb.WordPieceTokenizer
) -> None:
    ids, mask = tokenizer.encode(SENTENCES)
    onnx_vectors = emb.mean_pool_normalise(emb.OnnxEncoder().hidden_states(ids, mask), mask)
    numpy_vectors = emb.mean_pool_normalise(
        emb.NumpyEncoder(weights).hidden_states(ids, mask), mask
    )
    for row, _ in enumerate(SENTENCES):
        real = ids[row][mask[row] == 1].tolist()
        reference = _reference_embedding(weights, real)
        assert float(onnx_vectors[row] @ reference) >= 0.99999
        assert float(numpy_vectors[row] @ reference) >= 0.99999
        assert np.linalg.norm(onnx_vectors[row]) == pytest.approx(1.0, abs=1e-5)


def test_embedder_dedupes_and_keeps_order() -> None:
    embedder = emb.Embedder(emb.OnnxEncoder(), emb.WordPieceTokenizer(), batch_size=2)
    vectors = embedder.embed(["b text", "a", "b text", "a"])
    assert embedder.stats.texts == 2
    assert np.allclose(vectors[0], vectors[2])
    assert np.allclose(vectors[1], vectors[3])
    assert embedder.similarity("the app crashes", "the app crashes") == pytest.approx(1.0, abs=1e-5)
    # Related complaints are closer than unrelated ones: the model is really loaded.
    close = embedder.similarity("my card was declined", "the payment card got rejected")
    far = embedder.similarity("my card was declined", "the weather is nice today")
    assert close > far + 0.2


def test_onnx_file_is_cached_by_weights_hash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CALLPACT_CACHE_DIR", str(tmp_path))
    first = emb.onnx_model_path()
    digest = emb.weights_sha256(emb.model_dir() / "model.safetensors")
    assert first.parent == tmp_path
    assert digest[:16] in first.name
    stamp = first.stat().st_mtime_ns
    assert emb.onnx_model_path() == first
    assert first.stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob("*.tmp"))
