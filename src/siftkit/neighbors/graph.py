"""The k-nearest-neighbour graph every analysis shares, built once per run.

Exact inner-product search (faiss ``IndexFlatIP``) up to ``exact_threshold`` rows, HNSW
beyond it; on the approximate path, groups of rows the search cut off from the rest are
searched again exactly (:func:`reconnect`), and the recall@k is measured on a sample against
exact search and recorded with the graph.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from siftkit._text import counted
from siftkit._validation import Interval, Options, validate_params
from siftkit.exceptions import ShrunkNeighborsWarning

if TYPE_CHECKING:
    import scipy.sparse as sp

EXACT_THRESHOLD = 20_000
RECALL_SAMPLE = 1_000
#: Approximate search can cut groups of rows off from the rest: on 200,000 rows of 20
#: Gaussian classes, 794 rows sat in strongly connected components of the kNN graph of 5 to
#: 2,000 rows (exact search: 12), with a recall of 0.06 where they fell apart from their
#: class; groups that list a few rows outside, and that a few rows outside list, are one
#: strongly connected component with their class but a component of their own among the
#: pairs of rows that list each other (on 1,000,000 rows of 50 such classes, 44 pieces of 10
#: to 344 rows). Rows of components of either kind of at least ``CUT_OFF_MIN_ROWS`` and under
#: ``CUT_OFF_SHARE`` of the rows are searched again exactly, smallest components first and at
#: most that share of the rows (smaller components, pairs of rows no other row lists, are
#: common in exact graphs).
CUT_OFF_SHARE = 0.01
CUT_OFF_MIN_ROWS = 5
#: How far from 1 a row's length may be (float32 rounding of normalised rows stays far
#: inside it).
UNIT_TOLERANCE = 1e-3


@dataclass(frozen=True)
class KnnGraph:
    """Neighbours of every row, nearest first, the row itself excluded.

    Attributes
    ----------
    indices : (n_rows, k) int64 — row positions of the neighbours.
    similarities : (n_rows, k) float32 — cosine similarities, descending along each row.
    method : ``"exact"`` or ``"hnsw"``.
    recall : measured recall@k of the approximate search on a sample; 1.0 when exact.
    seconds : time taken to build the graph.
    """

    indices: np.ndarray
    similarities: np.ndarray
    method: str
    recall: float
    seconds: float = 0.0

    @property
    def k(self) -> int:
        return self.indices.shape[1]

    @property
    def n_rows(self) -> int:
        return self.indices.shape[0]

    def save(self, path: str | Path) -> None:
        """Write the graph as ``.npz`` to ``path`` (any open binary handle works too)."""
        np.savez(
            path,
            indices=self.indices,
            similarities=self.similarities,
            method=np.array(self.method),
            recall=np.array(self.recall),
        )

    @classmethod
    def load(cls, path: str | Path) -> KnnGraph:
        with np.load(path, allow_pickle=False) as data:
            return cls(
                indices=data["indices"],
                similarities=data["similarities"],
                method=str(data["method"]),
                recall=float(data["recall"]),
            )

    def summary(self) -> dict[str, object]:
        return {"k": self.k, "method": self.method, "recall_at_k": round(self.recall, 4)}


def effective_k(n_rows: int, k: int) -> int:
    """``k`` reduced to ``n_rows - 1`` (with a warning) when there are too few rows."""
    if k <= n_rows - 1:
        return k
    warnings.warn(
        f"Only {counted(n_rows, 'row')}: each row can have at most "
        f"{counted(n_rows - 1, 'neighbour')}, so k was reduced from {k} to {n_rows - 1}. "
        "Results on so few rows are rough.",
        ShrunkNeighborsWarning,
        stacklevel=3,
    )
    return max(n_rows - 1, 0)


def _drop_self(
    indices: np.ndarray, sims: np.ndarray, k: int, rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Remove each row's own position from its k+1 results; without it, drop the last.

    With exact duplicates the row itself need not come first (ties), so it is found by
    position, not assumed to be column 0. ``rows`` are the queried rows' positions when
    the queries are a subset of the rows (default: all rows, in order).
    """
    n = len(indices)
    own = np.arange(n) if rows is None else np.asarray(rows)
    is_self = indices == own[:, None]
    is_self |= indices < 0  # faiss pads with -1 when it finds too few
    no_self = ~is_self.any(axis=1)
    is_self[no_self, -1] = True  # drop the farthest instead
    first_only = np.cumsum(is_self, axis=1) == 1
    drop = is_self & first_only
    keep = ~drop
    out_idx = indices[keep].reshape(n, -1)[:, :k]
    out_sim = sims[keep].reshape(n, -1)[:, :k]
    return out_idx.astype(np.int64), out_sim.astype(np.float32)


def _search_exact(
    vectors: np.ndarray, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` highest inner products of each query, by faiss's exact ``IndexFlatIP``
    (BLAS products and a per-query heap; measured faster than blocked numpy products with
    ``argpartition``, whose full-width index arrays dominate: 12,000 x 100 in 0.45 s against
    0.76 s on one core)."""
    import faiss

    k = min(k, len(vectors))
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    sims, indices = index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
    return indices.astype(np.int64), sims.astype(np.float32)


def _search_hnsw(
    vectors: np.ndarray, k: int, m: int, ef_construction: int, ef_search: int
) -> tuple[np.ndarray, np.ndarray]:
    import faiss

    index = faiss.IndexHNSWFlat(vectors.shape[1], m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construction
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)  # a single-threaded build gives the same graph every time
    try:
        index.add(vectors)
    finally:
        faiss.omp_set_num_threads(threads)
    index.hnsw.efSearch = max(ef_search, k)
    sims, idx = index.search(vectors, k)
    incomplete = np.flatnonzero((idx < 0).any(axis=1))  # HNSW found fewer than k
    if len(incomplete):
        idx[incomplete], sims[incomplete] = _search_exact(vectors, vectors[incomplete], k)
    return idx, sims


def build_graph(
    vectors: np.ndarray,
    k: int = 20,
    *,
    method: str = "auto",
    exact_threshold: int = EXACT_THRESHOLD,
    hnsw_m: int = 24,
    ef_construction: int = 40,
    ef_search: int = 48,
    random_state: int = 0,
) -> KnnGraph:
    """The kNN graph of L2-normalised ``vectors`` of shape (n_rows, n_dims).

    Parameters
    ----------
    k : neighbours per row (reduced, with a warning, when there are fewer rows).
    method : ``"auto"`` (exact up to ``exact_threshold`` rows), ``"exact"`` or ``"hnsw"``.
    random_state : seed of the rows sampled to measure recall.
    """
    validate_params(
        "build_graph",
        {"k": k, "method": method, "exact_threshold": exact_threshold, "hnsw_m": hnsw_m},
        {
            "k": [Interval(int, 1, None)],
            "method": [Options(("auto", "exact", "hnsw"))],
            "exact_threshold": [Interval(int, 0, None)],
            "hnsw_m": [Interval(int, 4, None)],
        },
    )
    start = time.perf_counter()
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    _require_unit_rows(vectors)
    n = len(vectors)
    k = effective_k(n, k)
    if k == 0:
        empty_i, empty_s = np.empty((n, 0), np.int64), np.empty((n, 0), np.float32)
        return KnnGraph(empty_i, empty_s, "exact", 1.0, time.perf_counter() - start)
    if method == "auto":
        method = "exact" if n <= exact_threshold else "hnsw"
    if method == "exact":
        idx, sims = _search_exact(vectors, vectors, k + 1)
        recall = 1.0
    else:
        idx, sims = _search_hnsw(vectors, k + 1, hnsw_m, ef_construction, ef_search)
    indices, similarities = _drop_self(idx, sims, k)
    if method == "hnsw":
        reconnect(vectors, indices, similarities)
        recall = measure_recall(vectors, indices, random_state=random_state)
    return KnnGraph(indices, similarities, method, recall, time.perf_counter() - start)


def knn_edges(indices: np.ndarray, weights: np.ndarray | None = None) -> sp.csr_matrix:
    """The kNN edges ``indices`` (n_rows, k) as an (n_rows, n_rows) sparse matrix, row to
    neighbour, each weighing 1 or its entry of ``weights`` (n_rows, k)."""
    import scipy.sparse as sp

    n, k = indices.shape
    values = np.ones(n * k) if weights is None else np.asarray(weights).ravel()
    return sp.csr_matrix((values, (np.repeat(np.arange(n), k), indices.ravel())), shape=(n, n))


def cut_off_rows(
    indices: np.ndarray, share: float = CUT_OFF_SHARE, min_rows: int = CUT_OFF_MIN_ROWS
) -> np.ndarray:
    """Positions of the rows of groups approximate search may have cut off from the rest of
    the kNN graph (``indices``, (n_rows, k)): components of at least ``min_rows`` rows and
    fewer than ``share`` of the rows, smallest first, at most ``share`` of the rows in all.
    The components are those of two graphs: the kNN graph's strongly connected components
    (groups that list each other while the rest does not reach them or they reach nothing
    outside), and the components of its mutual pairs (rows that list each other), which
    also part a group that lists a few rows outside and that a few rows outside list."""
    from scipy.sparse.csgraph import connected_components

    limit = int(share * len(indices))
    knn = knn_edges(indices)
    _, strong = connected_components(knn, directed=True, connection="strong")
    _, mutual = connected_components(knn.multiply(knn.T), directed=False)
    groups = []  # (size, rows) of every component in range, of either graph
    for component in (strong, mutual):
        sizes = np.bincount(component)
        in_range = np.flatnonzero((sizes >= min_rows) & (sizes < limit))
        rows = np.flatnonzero(np.isin(component, in_range))  # only theirs: most are lone rows
        rows = rows[np.argsort(component[rows], kind="stable")]
        members = np.split(rows, np.cumsum(sizes[in_range]))[:-1]  # the last piece is empty
        groups += zip(sizes[in_range], members, strict=True)
    groups.sort(key=lambda group: group[0])
    taken, n_taken = np.zeros(len(indices), dtype=bool), 0
    for _, rows in groups:
        added = int(np.count_nonzero(~taken[rows]))
        if n_taken + added > limit:
            break
        taken[rows] = True
        n_taken += added
    return np.flatnonzero(taken)


def reconnect(vectors: np.ndarray, indices: np.ndarray, similarities: np.ndarray) -> None:
    """Search the rows approximate search cut off (:func:`cut_off_rows`) again exactly, in
    place: where they are a group of their own, exact search finds the same neighbours."""
    rows = cut_off_rows(indices)
    if not len(rows):
        return
    k = indices.shape[1]
    found, sims = _search_exact(vectors, vectors[rows], k + 1)
    indices[rows], similarities[rows] = _drop_self(found, sims, k, rows)


def _require_unit_rows(vectors: np.ndarray) -> None:
    """Neighbours are found by inner product, which is the cosine only for unit rows: rows of
    other lengths (raw pixels, counts) would join the longest rows to every row. Zero rows
    (blank texts) are allowed."""
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be 2-D (n_rows, n_dims); got shape {vectors.shape}")
    norms = np.linalg.norm(vectors, axis=1)
    off = (np.abs(norms - 1) > UNIT_TOLERANCE) & (norms > 0)
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise ValueError(
            f"build_graph takes L2-normalised rows; {int(off.sum()):,} of {len(vectors):,} are "
            f"not (row {row} has length {norms[row]:.4g}). Normalise them first: "
            "siftkit.embed.l2_normalize(vectors)."
        )


def measure_recall(
    vectors: np.ndarray, indices: np.ndarray, *, sample: int = RECALL_SAMPLE, random_state: int = 0
) -> float:
    """Recall@k of ``indices`` against exact search, on a random sample of rows.

    Ties make neighbour sets ambiguous, so a found neighbour counts when its similarity
    is at least the exact k-th similarity.
    """
    n, k = indices.shape
    rng = np.random.default_rng(random_state)
    rows = rng.choice(n, size=min(sample, n), replace=False)
    exact_idx, exact_sims = _search_exact(vectors, vectors[rows], k + 1)
    _, exact_sims = _drop_self(exact_idx, exact_sims, k, rows)
    kth = exact_sims[:, -1]
    found_sims = np.einsum("ij,ikj->ik", vectors[rows], vectors[indices[rows]])
    hits = (found_sims >= kth[:, None] - 1e-5).sum(axis=1)
    return float(np.mean(np.minimum(hits, k) / k))
