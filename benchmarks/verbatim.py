"""Throughput of the verbatim fidelity judge.

    .venv/bin/python benchmarks/verbatim.py --items 100000 [--engine onnx|numpy]

Generates N feedback items (mostly faithful copies, the rest paraphrased, distorted or
missing, with phrases repeating as real verbatims do), judges them all and prints, as the last
line, ``verbatim items=N seconds=… items_per_s=… accuracy=…``. The baseline it compares with
is the naive design: embed both texts of every item with MiniLM (extrapolated from the
measured texts/s on this machine).
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime

from callpact.verbatim.embedding import default_embedder
from callpact.verbatim.judge import judge_many
from callpact.verbatim.synthetic import generate_feedback


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--engine", choices=["onnx", "numpy"], default="onnx")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    load_before = os.getloadavg()
    items = generate_feedback(
        args.items,
        agents=50,
        start=datetime(2027, 1, 1, tzinfo=UTC),
        seed=args.seed,
        untranscribed=0.0,
    )
    pairs = [(i.transcript_text or "", i.recorded_text) for i in items]

    started = time.perf_counter()
    embedder = default_embedder(args.engine)
    load_s = time.perf_counter() - started
    verdicts = judge_many(pairs, embedder)
    seconds = time.perf_counter() - started

    correct = sum(v.judgement.value == i.label for v, i in zip(verdicts, items, strict=True))
    binary = sum(
        (v.judgement.value == "faithful") == (i.label == "faithful")
        for v, i in zip(verdicts, items, strict=True)
    )
    embedded = embedder.stats.texts
    embed_s = 0.0
    if embedded:
        # Measure the model alone on a fresh batch of already-known texts to get texts/s.
        sample = [f"{p[0]} ({n})" for n, p in enumerate(pairs[:256])]
        t0 = time.perf_counter()
        embedder.embed(sample)
        embed_s = time.perf_counter() - t0
    texts_per_s = len(pairs[:256]) / embed_s if embed_s else float("nan")
    naive_s = 2 * len(pairs) / texts_per_s if embed_s else float("nan")
    print(
        f"engine={args.engine} model_load_s={load_s:.2f} load_avg_before={load_before[0]:.2f} "
        f"load_avg_after={os.getloadavg()[0]:.2f} cores={os.cpu_count()}"
    )
    print(
        f"distinct texts embedded={embedded} ({embedded / len(pairs):.1%} of items), "
        f"model texts/s={texts_per_s:.0f}"
    )
    print(
        f"naive (embed both texts of every item) ≈ {naive_s:.0f} s; "
        f"speed-up {naive_s / seconds:.1f}×"
    )
    print(f"4-class accuracy={correct / len(items):.4f} faithful-vs-not={binary / len(items):.4f}")
    print(
        f"verbatim items={len(items)} seconds={seconds:.2f} "
        f"items_per_s={len(items) / seconds:.0f} accuracy={correct / len(items):.4f}"
    )


if __name__ == "__main__":
    main()
