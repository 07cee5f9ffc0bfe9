"""How `sift audit` scales: 100k precomputed vectors, 10k texts with MiniLM, kNN recall.

(a) ``sift audit --embeddings`` on synthetic text-like vectors with labels, through the
    real CLI: wall time, peak memory, per-stage timings. Baseline: exact faiss search
    (``IndexFlatIP``) for the same graph, and the HNSW graph's recall against it.
(b) ``sift audit`` on labeled WordNet glosses with the default encoder, with an empty
    embedding cache and again with the cache it filled. Baseline: the cold run.
(c) kNN recall@10 and build time of ``build_graph(method="hnsw")`` against
    ``method="exact"`` on real MiniLM embeddings and on the synthetic vectors of (a).

    python -m benchmarks.audit_scale [--quick] [--keep]
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import siftkit
from benchmarks._common import (
    ChildRun,
    Report,
    parse_args,
    percent,
    run_child,
    scratch_dir,
    seconds,
    sift_command,
    timed,
    verdict,
)
from benchmarks.datasets import sample_wordnet
from siftkit.embed import embed_dataset
from siftkit.embed.minilm import MiniLMEncoder
from siftkit.neighbors import KnnGraph, build_graph


def hnsw_settings() -> str:
    """The HNSW parameters siftkit's build_graph uses by default, read from its signature."""
    defaults = inspect.signature(build_graph).parameters
    return ", ".join(
        f"{label}={defaults[name].default}"
        for label, name in (("M", "hnsw_m"), ("efConstruction", "ef_construction"),
                            ("efSearch", "ef_search"))
    )  # fmt: skip


NAME = "audit_scale"
DIM = 384
N_CLUSTERS = 100
FLIP_SHARE = 0.05
K_AUDIT = 20  # the CLI's default
K_RECALL = 10
TARGET_SECONDS = 120.0
TARGET_PEAK_GIB = 4.0
SEED = 0


@dataclass(frozen=True)
class Sizes:
    """Rows per measurement."""

    n_vectors: int  # synthetic rows audited in (a)
    exact_queries: int  # queries timed for the exact baseline in (a), then extrapolated
    recall_sample: int  # rows whose recall is checked independently in (a) and (c)
    n_audit_text: int  # WordNet glosses audited in (b)
    n_knn_text: int  # WordNet glosses embedded for (c); the first n_audit_text come from (b)


FULL = Sizes(100_000, 20_000, 2_000, 10_000, 30_000)
QUICK = Sizes(25_000, 2_000, 500, 1_000, 3_000)  # still above the 20k exact/HNSW switch


# --- data -----------------------------------------------------------------------------------


def synthetic_vectors(n_rows: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Text-embedding-like vectors: (vectors (n, 384) float32 unit rows, clusters, labels).

    100 clusters of Dirichlet-distributed sizes, grouped under 10 topics. Every vector shares
    a common direction (sentence-embedding spaces are anisotropic); a cluster is a Gaussian
    spread along 24 directions with decaying variance, 70% of that subspace shared with its
    topic's other clusters, plus isotropic noise. Clusters of a topic overlap, so about 9 in
    10 of a row's 20 nearest neighbours share its cluster (not all, or recall and label
    errors would be trivial). Labels are the clusters with ``FLIP_SHARE`` changed at random.
    """
    rank, spread, noise, shared, offset = 24, 0.45, 0.55, 0.7, 0.2
    n_topics = 10
    rng = np.random.default_rng(seed)

    def unit(a: np.ndarray) -> np.ndarray:
        return a / np.linalg.norm(a, axis=-1, keepdims=True)

    common = unit(rng.standard_normal(DIM))
    topics = unit(rng.standard_normal((n_topics, DIM)))
    topic_of = rng.integers(0, n_topics, N_CLUSTERS)
    centers = unit(topics[topic_of] + offset * unit(rng.standard_normal((N_CLUSTERS, DIM))))
    centers += 0.6 * common
    topic_bases = rng.standard_normal((n_topics, rank, DIM)) / np.sqrt(DIM)
    scales = spread * np.arange(1, rank + 1) ** -0.5
    sizes = rng.multinomial(n_rows, rng.dirichlet(np.full(N_CLUSTERS, 2.0)))

    vectors = np.empty((n_rows, DIM), dtype=np.float32)
    start = 0
    for cluster, size in enumerate(sizes):
        own = rng.standard_normal((rank, DIM)) / np.sqrt(DIM)
        basis = np.sqrt(shared) * topic_bases[topic_of[cluster]] + np.sqrt(1 - shared) * own
        points = centers[cluster] + (rng.standard_normal((size, rank)) * scales) @ basis
        points += noise * rng.standard_normal((size, DIM)) / np.sqrt(DIM)
        vectors[start : start + size] = points
        start += size
    clusters = np.repeat(np.arange(N_CLUSTERS), sizes)
    order = rng.permutation(n_rows)
    vectors, clusters = unit(vectors[order]), clusters[order]

    labels = clusters.copy()
    flipped = rng.random(n_rows) < FLIP_SHARE
    labels[flipped] = (clusters[flipped] + rng.integers(1, N_CLUSTERS, flipped.sum())) % N_CLUSTERS
    return vectors.astype(np.float32), clusters, labels


# --- kNN helpers (independent of siftkit's own) ----------------------------------------------


def exact_search(
    vectors: np.ndarray, queries: np.ndarray, k: int
) -> tuple[float, float, np.ndarray]:
    """The baseline, faiss ``IndexFlatIP``: (seconds to add, seconds to search, indices)."""
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    add_s, _ = timed(lambda: index.add(vectors))
    search_s, (_, indices) = timed(lambda: index.search(queries, k))
    return add_s, search_s, indices


def without_self(indices: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """Drop each query row from its own k+1 results (or the last result when absent)."""
    keep = indices != rows[:, None]
    keep[keep.all(axis=1), -1] = False
    return indices[keep].reshape(len(rows), -1)[:, :k]


def recall_at_k(found: np.ndarray, exact: np.ndarray) -> float:
    """Mean share of each row's exact k neighbours that ``found`` holds (plain set overlap;
    siftkit's own estimate also counts ties with the k-th neighbour as hits)."""
    k = exact.shape[1]
    hits = (found[:, :k, None] == exact[:, None, :]).any(axis=2).sum(axis=1)
    return float(hits.mean() / k)


# --- the CLI --------------------------------------------------------------------------------


def sift_audit(args: Sequence[str], cache: Path) -> tuple[ChildRun, dict[str, Any]]:
    """Run ``sift audit ARGS`` with its own cache folder; return the run and its summary."""
    run = run_child([*sift_command(), "audit", *args], env={"SIFTKIT_CACHE_DIR": str(cache)})
    run.check()
    output = Path(args[args.index("-o") + 1])
    return run, json.loads((output / "summary.json").read_text(encoding="utf-8"))


def gib(run: ChildRun) -> str:
    return f"{run.peak_rss_gib:.2f}"


# --- (a) 100k precomputed vectors ------------------------------------------------------------


def bench_vectors(report: Report, sizes: Sizes, scratch: Path) -> dict[str, Any]:
    """(a): the CLI on precomputed vectors, then the exact baseline and independent recall.
    Returns what (c) reuses."""
    n = sizes.n_vectors
    gen_s, (vectors, clusters, labels) = timed(lambda: synthetic_vectors(n))
    npy, csv = scratch / "vectors.npy", scratch / "vectors.csv"
    np.save(npy, vectors)
    frame = pd.DataFrame({"id": [f"doc-{i:06d}" for i in range(n)]})
    frame["label"] = [f"class-{c:03d}" for c in labels]
    frame.to_csv(csv, index=False)
    flipped = labels != clusters

    out = scratch / "run-vectors"
    command = [str(csv), "--embeddings", str(npy), "--id", "id", "--label", "label", "-o", str(out)]
    run, summary = sift_audit(command, scratch / "cache-a")
    timings = summary["timings"]
    graph = KnnGraph.load(out / "neighbors.npz")
    rows = pd.read_parquet(out / "rows.parquet", columns=["is_label_error"])
    flagged = rows["is_label_error"].to_numpy()

    report.section(
        f"(a) `sift audit --embeddings` on {n:,} x {DIM} vectors with labels",
        f"Synthetic text-like vectors (generated in {gen_s:.1f} s, seed {SEED}): "
        f"{N_CLUSTERS} anisotropic Gaussian clusters under 10 topics, labels = cluster with "
        f"{flipped.sum():,} ({FLIP_SHARE:.0%}) flipped at random. Input: a text-less CSV "
        "`id,label` and a `.npy`. Command: `sift audit vectors.csv --embeddings vectors.npy "
        "--id id --label label -o OUT` in a child process; peak memory is that child's max "
        "RSS (`wait4`).",
    )
    report.table(
        ["measure", "value", "target", "result"],
        [
            [
                "wall time, whole command (s)",
                seconds(run.wall_s),
                f"< {TARGET_SECONDS:.0f}",
                verdict(run.wall_s < TARGET_SECONDS),
            ],
            [
                "peak memory, RSS (GiB)",
                gib(run),
                f"< {TARGET_PEAK_GIB:.0f}",
                verdict(run.peak_rss_gib < TARGET_PEAK_GIB),
            ],
            ["kNN method / k", f"{summary['neighbors']['method']} / {graph.k}", "", ""],
            [
                "kNN recall@k, siftkit's own estimate (1,000-row sample, ties count)",
                f"{summary['neighbors']['recall_at_k']:.4f}",
                "",
                "",
            ],
        ],
        align="lrrl",
    )
    stage_rows = []
    for stage, value in timings.items():
        entry = summary.get(stage, {})
        result = f"{entry.get('count', 0):,} flagged" if entry.get("status") == "ok" else ""
        if stage == "label_errors" and entry.get("status") == "ok":
            caught = int((flagged & flipped).sum())
            result += f" ({caught:,} of the {flipped.sum():,} flipped labels)"
        stage_rows.append([stage, seconds(value), percent(value / run.wall_s * 100), result])
    attributed = sum(v for k, v in timings.items() if k != "total")
    unattributed = timings["total"] - attributed
    stage_rows.insert(
        -1,
        [
            "(inside audit(), no stage: content hashes, context, rows table)",
            seconds(unattributed),
            percent(unattributed / run.wall_s * 100),
            "",
        ],
    )
    outside = run.wall_s - timings["total"]
    stage_rows.append(
        [
            "outside audit(): interpreter start, imports, writing the run folder and report",
            seconds(outside),
            percent(outside / run.wall_s * 100),
            "",
        ]
    )
    report.add("Per-stage timings from the run's `summary.json` (`total` = the `audit()` call):")
    report.table(["stage", "seconds", "share of wall", "result"], stage_rows, align="lrrl")

    # Baseline: exact search on the vectors siftkit used, for a sample of queries.
    used = np.load(out / "embeddings.npy")
    rng = np.random.default_rng(SEED)
    queries = rng.choice(n, size=min(sizes.exact_queries, n), replace=False)
    add_s, search_s, exact = exact_search(used, used[queries], K_AUDIT + 1)
    exact = without_self(exact, queries, K_AUDIT)
    full_exact_s = add_s + search_s * n / len(queries)
    sample = queries[: sizes.recall_sample]
    recall_20 = recall_at_k(graph.indices[sample], exact[: sizes.recall_sample])
    hnsw_s = summary["neighbors"]["seconds"]
    report.add(
        f"kNN graph (k={K_AUDIT}) against the baseline, exact faiss `IndexFlatIP`, on the "
        f"same normalised vectors (timed in this process; {len(queries):,} random queries "
        f"measured, all {n:,} extrapolated linearly). Independent recall: plain overlap with "
        f"the exact {K_AUDIT} neighbours on {len(sample):,} of those rows."
    )
    report.table(
        [
            "method",
            "rows searched",
            "seconds",
            "recall@20, independent",
            "recall@20, siftkit's estimate",
        ],
        [
            [
                f"siftkit HNSW graph ({hnsw_settings()}), from the run",
                f"{n:,}",
                seconds(hnsw_s),
                f"{recall_20:.4f}",
                f"{summary['neighbors']['recall_at_k']:.4f}",
            ],
            [
                "exact IndexFlatIP, measured",
                f"{len(queries):,}",
                seconds(add_s + search_s),
                "1 (reference)",
                "",
            ],
            [
                f"exact IndexFlatIP, **extrapolated** to {n:,} queries",
                f"{n:,}",
                f"~{seconds(full_exact_s)}",
                "1 (reference)",
                "",
            ],
        ],
        align="lrrrr",
    )
    report.add(
        f"HNSW takes {hnsw_s / full_exact_s:.0%} of the extrapolated exact time "
        f"({full_exact_s / hnsw_s:.1f}x faster); siftkit's recall is measured inside its "
        "graph build, so its time includes that check."
    )
    return {
        "n": n,
        "hnsw_s": hnsw_s,
        "exact_s": full_exact_s,
        "recall_10": recall_at_k(graph.indices[sample, :K_RECALL], exact[: len(sample), :K_RECALL]),
        "sample": len(sample),
        "siftkit_recall_20": summary["neighbors"]["recall_at_k"],
    }


# --- (b) WordNet glosses with the default encoder -------------------------------------------


def bench_text(report: Report, sizes: Sizes, scratch: Path, glosses: pd.DataFrame) -> Path:
    """(b): cold cache, then warm cache, through the CLI. Returns the cache folder."""
    n = sizes.n_audit_text
    csv = scratch / "glosses.csv"
    frame = glosses.head(n).rename(columns={"synset": "id"})[["id", "definition", "category"]]
    frame.to_csv(csv, index=False)
    cache = scratch / "cache-text"
    runs = []
    for name in ("run-text-1", "run-text-2"):
        args = [
            str(csv),
            "--text",
            "definition",
            "--label",
            "category",
            "--id",
            "id",
            "-o",
            str(scratch / name),
        ]
        runs.append(sift_audit(args, cache))
    report.section(
        f"(b) `sift audit` on {n:,} labeled WordNet glosses, default encoder (MiniLM)",
        "Command: `sift audit glosses.csv --text definition --label category --id id -o OUT`, "
        "first with an empty cache (`SIFTKIT_CACHE_DIR` = a new folder), then again into a "
        "new output folder with the cache the first run filled. Baseline: the cold run.",
    )
    table = []
    cold_wall = runs[0][0].wall_s
    for label, (run, summary) in zip(("empty cache", "warm cache"), runs, strict=True):
        timings, encoder = summary["timings"], summary["encoder"]
        table.append(
            [
                label,
                seconds(run.wall_s),
                percent((run.wall_s - cold_wall) / cold_wall * 100, True),
                seconds(timings["embed"]),
                seconds(timings["neighbors"]),
                seconds(
                    timings["total"] - timings["load"] - timings["embed"] - timings["neighbors"]
                ),
                f"{encoder['n_embedded']:,}",
                f"{encoder['n_cached']:,}",
                gib(run),
            ]
        )
    report.table(
        [
            "run",
            "wall s",
            "vs cold",
            "embed s",
            "kNN s",
            "detectors s",
            "rows embedded",
            "rows from cache",
            "peak RSS GiB",
        ],
        table,
    )
    second = runs[1][1]["encoder"]["n_embedded"]
    report.add(f"Second run embeds {second:,} rows (must be 0): {verdict(second == 0)}.")
    return cache


# --- (c) recall of the approximate path -----------------------------------------------------


def bench_recall(
    report: Report, sizes: Sizes, glosses: pd.DataFrame, cache: Path, synthetic: dict[str, Any]
) -> None:
    """(c): build_graph hnsw vs exact on real MiniLM vectors; the synthetic row reuses (a)."""
    n = sizes.n_knn_text
    dataset = siftkit.load(glosses.head(n), text="definition")
    embed_s, (vectors, stats) = timed(
        lambda: embed_dataset(dataset, MiniLMEncoder(), cache_dir=cache, progress=False)
    )
    exact_s, exact = timed(lambda: build_graph(vectors, k=K_RECALL, method="exact"))
    hnsw_s, hnsw = timed(lambda: build_graph(vectors, k=K_RECALL, method="hnsw"))
    recall = recall_at_k(hnsw.indices, exact.indices)

    report.section(
        '(c) kNN recall@10: `build_graph(method="hnsw")` vs `method="exact"`',
        f"Real vectors: {n:,} WordNet glosses embedded with MiniLM ({stats.n_cached:,} from "
        f"the cache of (b), {stats.n_embedded:,} embedded now in {embed_s:.1f} s). Both graphs "
        f"built in this process with k={K_RECALL}; recall is the plain overlap with the exact "
        f"graph over all rows. Synthetic: the graph from (a) (k={K_AUDIT}, its first "
        f"{K_RECALL} columns), recall on its {synthetic['sample']:,}-row sample, exact time "
        "extrapolated as in (a).",
    )
    report.table(
        [
            "vectors",
            "rows",
            "HNSW build s",
            "exact build s",
            "HNSW speed-up",
            "recall@10 (rows checked)",
            "siftkit's estimate",
        ],
        [
            [
                "MiniLM, WordNet glosses",
                f"{n:,}",
                seconds(hnsw_s),
                seconds(exact_s),
                f"{exact_s / hnsw_s:.1f}x",
                f"{recall:.4f} ({n:,})",
                f"{hnsw.recall:.4f}",
            ],
            [
                "synthetic (a), graph from the CLI run",
                f"{synthetic['n']:,}",
                seconds(synthetic["hnsw_s"]),
                f"~{seconds(synthetic['exact_s'])} (extrapolated)",
                f"{synthetic['exact_s'] / synthetic['hnsw_s']:.1f}x",
                f"{synthetic['recall_10']:.4f} ({synthetic['sample']:,})",
                f"{synthetic['siftkit_recall_20']:.4f} (at k={K_AUDIT})",
            ],
        ],
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(__doc__.splitlines()[0], argv)
    sizes = QUICK if args.quick else FULL
    report = Report(
        NAME,
        "`sift audit` at scale: precomputed vectors, text with MiniLM, kNN recall",
        quick=args.quick,
        details={
            "datasets": f"(a) {sizes.n_vectors:,} synthetic {DIM}-d vectors; (b) "
            f"{sizes.n_audit_text:,} WordNet noun glosses; (c) {sizes.n_knn_text:,} glosses "
            "(a superset of b) and the vectors of (a)",
            "sift": "python -m siftkit (the environment's siftkit)",
        },
    )
    glosses = sample_wordnet(sizes.n_knn_text, seed=SEED)
    with scratch_dir(NAME, keep=args.keep) as scratch:
        synthetic = bench_vectors(report, sizes, scratch)
        cache = bench_text(report, sizes, scratch, glosses)
        bench_recall(report, sizes, glosses, cache, synthetic)
    report.save()


if __name__ == "__main__":
    main()
