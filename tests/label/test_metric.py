"""within_class_whitening: a metric learned from labels, in which neighbours share a class;
cross_fitted_whitening: the same, no row whitened by what its own label taught."""

from __future__ import annotations

import numpy as np
from labeling_data import nuisance_blobs

from siftkit.embed.base import l2_normalize
from siftkit.label.metric import (
    MIN_ROWS_PER_DIMENSION,
    cross_fitted_whitening,
    enough_to_learn,
    within_class_whitening,
)
from siftkit.neighbors import build_graph


def neighbours_of_one_class(vectors: np.ndarray, truth: np.ndarray) -> float:
    graph = build_graph(l2_normalize(vectors), k=10)
    return float((truth[graph.indices] == truth[:, None]).mean())


def test_whitening_by_class_makes_neighbours_share_their_class() -> None:
    X, truth = nuisance_blobs()
    whitened = within_class_whitening(l2_normalize(X), truth, 4)
    assert neighbours_of_one_class(X, truth) < 0.9
    assert neighbours_of_one_class(whitened, truth) > 0.95


def test_rows_come_back_unit_length_in_their_dtype() -> None:
    X, truth = nuisance_blobs()
    whitened = within_class_whitening(X, truth, 4)
    assert whitened.dtype == np.float32 and whitened.shape == X.shape
    np.testing.assert_allclose(np.linalg.norm(whitened, axis=1), 1.0, rtol=1e-5)


def test_only_rows_with_a_class_teach_the_metric() -> None:
    X, truth = nuisance_blobs()
    codes = truth.copy()
    codes[::2] = -1
    learned = within_class_whitening(X, codes, 4)
    # the rows without a class are whitened too, by what the others taught
    assert neighbours_of_one_class(learned, truth) > 0.95
    # had they taught, with classes drawn at random, the metric would be worse
    wrong = codes.copy()
    wrong[::2] = np.random.default_rng(0).integers(0, 4, len(wrong[::2]))
    taught_wrong = within_class_whitening(X, wrong, 4)
    assert neighbours_of_one_class(taught_wrong, truth) < neighbours_of_one_class(learned, truth)


def test_enough_rows_to_learn_from_are_counted_per_dimension() -> None:
    # one class: its mean takes one row, the rest are residuals
    codes = np.r_[np.zeros(MIN_ROWS_PER_DIMENSION * 8 + 1, int), -np.ones(100, int)]
    assert enough_to_learn(codes, 8)
    assert not enough_to_learn(codes[1:], 8)  # one row short; rows without a class don't count
    # as many rows in pairs of a class: half of them are means, too few residuals
    pairs = np.repeat(np.arange((MIN_ROWS_PER_DIMENSION * 8 + 1) // 2 + 1), 2)
    assert len(pairs) > MIN_ROWS_PER_DIMENSION * 8 and not enough_to_learn(pairs, 8)


def test_without_two_rows_of_a_class_the_rows_are_only_normalised() -> None:
    X, _ = nuisance_blobs()
    codes = np.full(len(X), -1)
    codes[[0, 300, 600]] = [0, 1, 2]
    np.testing.assert_allclose(within_class_whitening(X, codes, 4), l2_normalize(X))


def test_a_direction_without_spread_is_not_blown_up() -> None:
    X, truth = nuisance_blobs()
    X = np.hstack([X, np.ones((len(X), 1), dtype=np.float32)])  # one constant column
    whitened = within_class_whitening(X, truth, 4)
    assert np.isfinite(whitened).all()
    assert neighbours_of_one_class(whitened, truth) > 0.9


def test_cross_fitted_rows_are_whitened_by_what_other_rows_taught() -> None:
    X, truth = nuisance_blobs()
    whitened = cross_fitted_whitening(X, truth, 4, random_state=0)
    assert whitened is not None and whitened.dtype == np.float32
    assert neighbours_of_one_class(whitened, truth) > 0.95
    # one row relabeled moves the rows of the other half, never itself nor its own half
    relabeled = truth.copy()
    relabeled[5] = (truth[5] + 1) % 4
    moved = cross_fitted_whitening(X, relabeled, 4, random_state=0)
    changed = np.abs(moved - whitened).max(axis=1) > 1e-6
    assert not changed[5]
    assert 0.3 < changed.mean() < 0.7  # about the other half


def test_cross_fitting_needs_enough_rows_in_each_half() -> None:
    X, truth = nuisance_blobs(n=8 * MIN_ROWS_PER_DIMENSION * 8)  # 8 dimensions
    assert cross_fitted_whitening(X, truth, 4) is not None  # about 4 times the minimum a half
    few = np.where(np.arange(len(X)) % 4 == 0, truth, -1)  # 80 rows: no half holds 44
    assert enough_to_learn(few, 8)
    assert cross_fitted_whitening(X, few, 4) is None
