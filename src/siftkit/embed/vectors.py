"""Vectors the data already holds: a numpy feature matrix or columns of fixed-length arrays."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from siftkit.embed.base import Encoder, l2_normalize, register_encoder
from siftkit.exceptions import EmbeddingsError, FeatureScaleWarning

#: A column whose spread (standard deviation) is this many times the median column's decides
#: the vectors' directions nearly alone: raw features in different units (the proline column
#: of scikit-learn's wine data, 388 times; the breast cancer data's widest, 7,829 times; a
#: model's embeddings or pixels 1-3 times, the PCA components of Fashion-MNIST images 14).
SCALE_RATIO_WARNING = 100.0
#: Rows read to measure the columns' spreads, at most.
SCALE_SAMPLE_ROWS = 10_000


@register_encoder("vectors")
class VectorColumnsEncoder(Encoder):
    """Uses the data's own vectors: the feature matrix given as data, or its vector columns.

    Several vector columns are each L2-normalised and then concatenated, so each block
    weighs the same in cosine similarity.
    """

    modality = "vector"

    def __init__(self) -> None:
        self.batch_size = 65536

    def fit(self, dataset: Any) -> VectorColumnsEncoder:
        if dataset.features is not None:
            blocks = [np.asarray(dataset.features, dtype=np.float32)]
        else:
            blocks = [_stack(dataset.frame[c], c) for c in dataset.schema.vector]
        if len(blocks) > 1:
            blocks = [l2_normalize(b) for b in blocks]
        self.matrix_ = np.hstack(blocks) if len(blocks) > 1 else blocks[0]
        check_finite(self.matrix_, "feature")
        warn_if_scales_differ(self.matrix_, "the feature vectors")
        return self

    def inputs(self, dataset: Any) -> Sequence[int]:
        return range(len(dataset))

    def embed_batch(self, items: Sequence[int]) -> np.ndarray:
        return self.matrix_[np.asarray(items, dtype=np.int64)]


def _stack(column: Any, name: str) -> np.ndarray:
    values = column.to_numpy()
    empty = [i for i, v in enumerate(values) if not isinstance(v, list | tuple | np.ndarray)]
    if empty:
        raise EmbeddingsError(
            f"The vector column {name!r} has no vector at row positions {empty[:10]}. Every "
            "row needs a vector of the same length: fill or drop those rows."
        )
    lengths = np.array([len(v) for v in values])
    common = int(np.bincount(lengths).argmax())
    if common == 0:
        raise EmbeddingsError(
            f"The vector column {name!r} holds empty vectors (no numbers) in "
            f"{int((lengths == 0).sum()):,} of {len(values):,} rows: recompute them, or "
            "pass the vectors with --embeddings FILE.npy."
        )
    odd = np.flatnonzero(lengths != common)
    if len(odd):
        raise EmbeddingsError(
            f"The vector column {name!r} holds vectors of {common} values, except at row "
            f"positions {odd[:10].tolist()} (lengths {sorted(set(lengths[odd].tolist()))[:5]}). "
            "All rows need vectors of one length: recompute or drop those rows."
        )
    return np.vstack([np.asarray(v, dtype=np.float32) for v in values])


def check_finite(matrix: np.ndarray, what: str) -> None:
    """Raise :class:`EmbeddingsError` naming the rows that hold NaN or inf."""
    bad = ~np.isfinite(matrix).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise EmbeddingsError(
            f"The {what} vectors hold NaN or inf in {len(rows)} row(s), at row positions "
            f"{rows[:10].tolist()}{' …' if len(rows) > 10 else ''}. Recompute those vectors, "
            "or drop those rows from both the data and the vectors."
        )


def warn_if_scales_differ(matrix: np.ndarray, what: str) -> None:
    """Warn (:class:`FeatureScaleWarning`) when a column of ``matrix`` (n_rows, n_dims)
    spreads at least ``SCALE_RATIO_WARNING`` times as widely as the median column that varies:
    rows are compared by direction, which that column then decides. ``what`` names the
    vectors ("the feature vectors")."""
    rows = matrix
    if len(matrix) > SCALE_SAMPLE_ROWS:
        picked = np.random.default_rng(0).choice(len(matrix), SCALE_SAMPLE_ROWS, replace=False)
        rows = matrix[np.sort(picked)]
    spread = np.asarray(rows, dtype=np.float64).std(axis=0)
    varying = spread[spread > 0]
    if len(varying) < 2:
        return
    ratio = float(spread.max() / np.median(varying))
    if ratio >= SCALE_RATIO_WARNING:
        warnings.warn(
            f"The columns of {what} spread very differently: column "
            f"{int(spread.argmax())} (from 0) {ratio:,.0f} times as widely as the typical one. "
            "Rows are compared by their vectors' direction, which that column decides nearly "
            "alone. If the columns are features in different units, pass them as a table (a "
            "CSV file or a DataFrame: siftkit standardises its numeric columns) or standardise "
            "them first.",
            FeatureScaleWarning,
            stacklevel=2,
        )
