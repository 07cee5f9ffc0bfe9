"""Throughput of the default text encoder (MiniLM, int8 ONNX) through siftkit's pipeline.

Baseline, "model direct": the minimal correct code a user would write with the same
tokenizer and the same onnxruntime session: batches of 64 in input order, mean pooling,
L2 normalisation. siftkit: ``embed_dataset`` without the cache, and with a warm cache.

    python -m benchmarks.embed_throughput [--quick]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import siftkit
from benchmarks._common import (
    Report,
    best_of_interleaved,
    parse_args,
    percent,
    scratch_dir,
    seconds,
    timed,
    verdict,
)
from benchmarks.datasets import sample_wordnet
from siftkit.embed import embed_dataset
from siftkit.embed.minilm import MiniLMEncoder, build_tokenizer

NAME = "embed_throughput"
FULL_ROWS, QUICK_ROWS = 5_000, 500
BATCH_SIZE = 64
REPEATS = 2
TARGET_OVERHEAD = 10.0  # percent, relative to model direct


def embed_direct(texts: Sequence[str], tokenizer: Any, session: Any) -> np.ndarray:
    """The baseline: tokenize, run, mean-pool and normalise, 64 texts at a time in order."""
    out = []
    for start in range(0, len(texts), BATCH_SIZE):
        encodings = tokenizer.encode_batch(list(texts[start : start + BATCH_SIZE]))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        (hidden,) = session.run(["last_hidden_state"], feeds)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        out.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
    return np.concatenate(out).astype(np.float32)


def embed_direct_sorted(
    texts: Sequence[str], tokenizer: Any, session: Any, lengths: np.ndarray
) -> np.ndarray:
    """The baseline with texts sorted by ``lengths``, results put back in order.

    Sorted by word pieces, as siftkit sorts them, the pipeline's remaining cost against this is
    its bookkeeping (hashing, de-duplication, cache look-up), not batching."""
    order = np.argsort(lengths, kind="stable")
    in_sorted_order = embed_direct([texts[i] for i in order], tokenizer, session)
    vectors = np.empty_like(in_sorted_order)
    vectors[order] = in_sorted_order
    return vectors


def token_slots(pieces: np.ndarray, order: np.ndarray) -> int:
    """Token positions the model computes (padding included) for batches taken in ``order``,
    the texts being ``pieces`` long."""
    ordered = pieces[order]
    return int(
        sum(
            ordered[i : i + BATCH_SIZE].max() * len(ordered[i : i + BATCH_SIZE])
            for i in range(0, len(ordered), BATCH_SIZE)
        )
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(__doc__.splitlines()[0], argv)
    n_rows = QUICK_ROWS if args.quick else FULL_ROWS
    frame = sample_wordnet(n_rows, seed=0)
    texts = frame["definition"].tolist()
    dataset = siftkit.load(frame, text="definition")
    report = Report(
        NAME,
        "Text embedding throughput: siftkit pipeline vs model direct",
        quick=args.quick,
        details={
            "dataset": f"{n_rows:,} WordNet noun glosses (seeded sample, "
            f"mean {np.mean([len(t) for t in texts]):.0f} characters)",
            "encoder": "all-MiniLM-L6-v2 int8 ONNX (siftkit default), batch size "
            f"{BATCH_SIZE}, onnxruntime threads: default",
            "method": "one warm-up batch, then one cache-filling run, then "
            f"{REPEATS} rounds of all variants in turn, best time of each",
        },
    )

    encoder = MiniLMEncoder(batch_size=BATCH_SIZE)
    tokenizer = build_tokenizer()
    encoder.embed_batch(texts[:BATCH_SIZE])  # warm up: session creation, first-run allocation
    characters = np.array([len(t) for t in texts])
    pieces = encoder.item_lengths(texts)

    with scratch_dir(NAME, keep=args.keep) as scratch:
        cache = Path(scratch) / "cache"
        fill_s, (_, fill_stats) = timed(
            lambda: embed_dataset(dataset, encoder, cache_dir=cache, progress=False)
        )
        best = best_of_interleaved(
            {
                "direct": lambda: embed_direct(texts, tokenizer, encoder.session),
                "by characters": lambda: embed_direct_sorted(
                    texts, tokenizer, encoder.session, characters
                ),
                "by pieces": lambda: embed_direct_sorted(texts, tokenizer, encoder.session, pieces),
                "pipeline": lambda: embed_dataset(
                    dataset, encoder, use_cache=False, progress=False
                ),
                "warm": lambda: embed_dataset(dataset, encoder, cache_dir=cache, progress=False),
            },
            REPEATS,
        )
    direct_s, direct = best["direct"]
    by_characters_s, _ = best["by characters"]
    by_pieces_s, _ = best["by pieces"]
    pipeline_s, (piped, stats) = best["pipeline"]
    warm_s, (warm, warm_stats) = best["warm"]

    def row(name: str, secs: float, model_rows: int, baseline: bool = False) -> list[str]:
        change = "(baseline)" if baseline else percent((secs - direct_s) / direct_s * 100, True)
        return [name, f"{model_rows:,}", seconds(secs), f"{n_rows / secs:,.0f}", change]

    overhead = (pipeline_s - direct_s) / direct_s * 100
    report.section("Throughput")
    report.table(
        ["variant", "rows through the model", "seconds", "rows/s", "time vs model direct"],
        [
            row("model direct (input order, batches of 64)", direct_s, n_rows, baseline=True),
            row("model direct, batches sorted by characters", by_characters_s, n_rows),
            row("model direct, batches sorted by word pieces", by_pieces_s, n_rows),
            row("siftkit embed_dataset, no cache", pipeline_s, stats.n_embedded),
            row(
                "siftkit embed_dataset, empty cache (fills it; one run)",
                fill_s,
                fill_stats.n_embedded,
            ),
            row("siftkit embed_dataset, warm cache", warm_s, warm_stats.n_embedded),
        ],
    )
    direct_slots = token_slots(pieces, np.arange(n_rows))
    by_characters_slots = token_slots(pieces, np.argsort(characters, kind="stable"))
    by_pieces_slots = token_slots(pieces, np.argsort(pieces, kind="stable"))
    report.section("Checks")
    report.table(
        ["check", "value", "target", "result"],
        [
            [
                "pipeline overhead vs model direct (negative = faster)",
                percent(overhead, signed=True),
                f"<= +{TARGET_OVERHEAD:.0f}%",
                verdict(overhead <= TARGET_OVERHEAD),
            ],
            [
                "pipeline bookkeeping vs direct with the same batching (by word pieces)",
                percent((pipeline_s - by_pieces_s) / by_pieces_s * 100, signed=True),
                "(informative)",
                "",
            ],
            [
                "max abs difference, pipeline vs direct vectors",
                f"{np.abs(piped - direct).max():.2e}",
                "<= 1e-5",
                verdict(float(np.abs(piped - direct).max()) <= 1e-5),
            ],
            [
                "max abs difference, warm cache vs direct vectors",
                f"{np.abs(warm - direct).max():.2e}",
                "<= 1e-5",
                verdict(float(np.abs(warm - direct).max()) <= 1e-5),
            ],
            [
                "rows embedded on the warm-cache pass",
                f"{warm_stats.n_embedded:,}",
                "0",
                verdict(warm_stats.n_embedded == 0),
            ],
        ],
        align="lrrl",
    )
    report.add(
        f"Token positions computed (padding included): model direct {direct_slots:,}, "
        f"batches sorted by characters {by_characters_slots:,} "
        f"({by_characters_slots / direct_slots:.0%}), by word pieces as siftkit sorts them "
        f"{by_pieces_slots:,} ({by_pieces_slots / direct_slots:.0%}); "
        f"{n_rows - stats.n_unique:,} duplicate glosses embedded once by siftkit."
    )
    report.save()


if __name__ == "__main__":
    main()
