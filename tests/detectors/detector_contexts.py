"""Helpers for detector tests: contexts built the way a user's data would produce them."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from siftkit.data import encode_labels
from siftkit.detectors import Context
from siftkit.embed import l2_normalize
from siftkit.exceptions import ShrunkNeighborsWarning
from siftkit.neighbors import build_graph


def vector_hashes(vectors: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row's bytes, shape (n_rows,) uint64."""
    rows = np.ascontiguousarray(vectors)
    return np.array(
        [int.from_bytes(hashlib.blake2b(r.tobytes(), digest_size=8).digest()) for r in rows],
        dtype=np.uint64,
    )


def build_context(
    vectors: np.ndarray,
    labels: Sequence[Any] | None = None,
    *,
    k: int = 10,
    texts: Sequence[str] | None = None,
    hashes: np.ndarray | None = None,
) -> Context:
    """A Context as a user would get it: rows with NaN become zero vectors, the rest are
    L2-normalised, the graph is exact, content hashes come from the vector bytes."""
    vectors = np.array(vectors, dtype=np.float32)
    vectors[~np.isfinite(vectors).all(axis=1)] = 0.0
    vectors = l2_normalize(vectors)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShrunkNeighborsWarning)
        graph = build_graph(vectors, k=k)
    return Context(
        embeddings=vectors,
        graph=graph,
        row_ids=np.arange(len(vectors)),
        content_hashes=vector_hashes(vectors) if hashes is None else np.asarray(hashes),
        labels=None if labels is None else encode_labels(pd.Series(list(labels), dtype=object)),
        texts=None if texts is None else list(texts),
    )


def clusters(
    n_per: int, centers: np.ndarray, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Points around each center; returns (vectors, cluster index per row)."""
    members = np.repeat(np.arange(len(centers)), n_per)
    points = centers[members] + noise * rng.normal(size=(len(members), centers.shape[1]))
    return points.astype(np.float32), members
