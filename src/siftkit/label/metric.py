"""A metric learned from labels: rows re-expressed so that distance follows the classes.

Cosine similarity weighs every direction of the embedding by how much the rows vary along it,
so the few directions of largest variance (on PCA features of images: overall brightness and
shape) decide who is whose neighbour, whether or not they tell the classes apart. Whitening the
rows by the classes' pooled within-class covariance (the Mahalanobis metric of linear
discriminant analysis) shrinks the directions along which rows of one class spread and so
stretches the rest, which separate the classes; a ridge keeps directions of almost no spread
from being blown up. The classes come from labeled and confidently pseudo-labeled rows, so a
kNN graph built again on the whitened rows follows the classes more closely than the first.
"""

from __future__ import annotations

import numpy as np

from siftkit.discover.refine import category_sums
from siftkit.embed.base import l2_normalize

#: Added to the eigenvalues of the within-class covariance, scaled to a mean eigenvalue of 1:
#: directions spread less than this are not stretched further.
RIDGE = 0.3
#: Rows with a class, per dimension, a metric is learned from at least, beyond one per class
#: (each class's mean takes one: with 1,000 classes of 2 rows, 2,000 rows hold only 1,000
#: residuals): fewer estimate the covariance of so many directions too poorly to whiten by.
MIN_ROWS_PER_DIMENSION = 5


def enough_to_learn(codes: np.ndarray, n_dims: int) -> bool:
    """Whether the rows with a class in ``codes`` (-1 for rows without), less one per class
    present, are at least ``MIN_ROWS_PER_DIMENSION`` per dimension of ``n_dims``."""
    known = codes[codes >= 0]
    return len(known) - len(np.unique(known)) >= MIN_ROWS_PER_DIMENSION * n_dims


def _whitening(
    vectors: np.ndarray, codes: np.ndarray, n_classes: int, ridge: float
) -> np.ndarray | None:
    """The (n_dims, n_dims) map that whitens by the pooled within-class covariance of the
    rows with a class in ``codes`` (see :func:`within_class_whitening`); None when no class
    has two rows."""
    known = codes >= 0
    counts = np.bincount(codes[known], minlength=n_classes)
    if counts.max() < 2:
        return None
    rows = vectors[known].astype(np.float64)
    means = category_sums(rows, codes[known], n_classes) / np.maximum(counts, 1)[:, None]
    residuals = rows - means[codes[known]]
    covariance = residuals.T @ residuals / len(residuals)
    covariance *= covariance.shape[0] / max(np.trace(covariance), 1e-12)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    scale = (np.clip(eigenvalues, 0.0, None) + ridge) ** -0.5
    return (eigenvectors * scale) @ eigenvectors.T


def within_class_whitening(
    vectors: np.ndarray, codes: np.ndarray, n_classes: int, ridge: float = RIDGE
) -> np.ndarray:
    """``vectors`` (n_rows, n_dims) centred and whitened by the pooled covariance of the rows
    with a class in ``codes`` (0..n_classes-1; -1 for rows that do not count) around their
    class's mean, the covariance's eigenvalues (mean 1) raised by ``ridge``; unit rows, in the
    dtype of ``vectors``. Returns the unit rows unchanged when no class has two rows."""
    transform = _whitening(vectors, codes, n_classes, ridge)
    if transform is None:
        return l2_normalize(vectors)
    centred = vectors.astype(np.float64) - vectors.mean(axis=0, dtype=np.float64)
    return l2_normalize((centred @ transform).astype(vectors.dtype))


def cross_fitted_whitening(
    vectors: np.ndarray, codes: np.ndarray, n_classes: int, random_state: int = 0,
    ridge: float = RIDGE,
) -> np.ndarray | None:  # fmt: skip
    """:func:`within_class_whitening` with no row judged in a metric its own label taught: the
    rows are split in two halves at random, and each half is whitened by the covariance of the
    other half's rows with a class. A metric learned from a row's own label makes rightly
    labeled rows look surer than wrongly labeled ones of their class, which ranking by
    confidence then mistakes for cleaner labels. None when either half has too few rows with
    a class to learn from (:func:`enough_to_learn`)."""
    half = np.random.default_rng(random_state).random(len(vectors)) < 0.5
    taught = (np.where(half, codes, -1), np.where(half, -1, codes))
    if not all(enough_to_learn(part, vectors.shape[1]) for part in taught):
        return None
    # enough to learn from means some class has two rows: neither transform is None
    transforms = [_whitening(vectors, part, n_classes, ridge) for part in taught]
    centred = vectors.astype(np.float64) - vectors.mean(axis=0, dtype=np.float64)
    whitened = np.empty(vectors.shape, dtype=np.float64)
    whitened[half] = centred[half] @ transforms[1]  # taught by the other half
    whitened[~half] = centred[~half] @ transforms[0]
    return l2_normalize(whitened.astype(vectors.dtype))
