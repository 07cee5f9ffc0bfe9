"""Diffusion over the kNN graph: the symmetrised graph, its normalisation, the walk."""

from __future__ import annotations

import numpy as np
import pytest

from siftkit.label.diffusion import (
    KERNEL_SHARPNESS,
    affinity,
    kernel_weights,
    knn_weights,
    normalize,
    spread,
)

# 4 rows, 2 neighbours each; row 1 -> 3 is a negative similarity, 1 -> 2 and 3 -> 0 are
# one-way edges (row 2 and row 1 list each other only in one direction)
INDICES = np.array([[1, 2], [0, 3], [0, 1], [1, 2]])
SIMILARITIES = np.array([[0.9, 0.5], [0.8, -0.3], [0.4, 0.2], [0.6, 0.7]])
EXPECTED_W = np.array(
    [
        [0.0, 0.9, 0.5, 0.0],
        [0.9, 0.0, 0.2, 0.6],
        [0.5, 0.2, 0.0, 0.7],
        [0.0, 0.6, 0.7, 0.0],
    ]
)


def two_triangles() -> tuple[np.ndarray, np.ndarray]:
    """Rows 0-2 and rows 3-5: two components with no edge between them."""
    indices = np.array([[1, 2], [0, 2], [0, 1], [4, 5], [3, 5], [3, 4]])
    return indices, np.full(indices.shape, 0.8)


def test_knn_weights_are_symmetric_the_larger_direction_and_clipped_at_zero() -> None:
    weights = knn_weights(INDICES, SIMILARITIES)
    dense = weights.toarray()
    assert weights.shape == (4, 4)
    assert (dense >= 0).all()
    np.testing.assert_array_equal(dense, dense.T)
    np.testing.assert_allclose(dense, EXPECTED_W)


def test_normalize_is_d_inverse_root_w_d_inverse_root() -> None:
    weights = knn_weights(INDICES, SIMILARITIES)
    degree = EXPECTED_W.sum(axis=1)
    expected = EXPECTED_W / np.sqrt(np.outer(degree, degree))
    np.testing.assert_allclose(normalize(weights).toarray(), expected)
    # the largest eigenvalue of D^-1/2 W D^-1/2 is 1, so the walk cannot blow up
    assert np.linalg.eigvalsh(expected).max() == pytest.approx(1.0)


def test_kernel_weights_fall_with_distance_on_each_rows_own_scale() -> None:
    indices = np.array([[1, 2], [0, 2], [3, 0], [2, 1]])
    similarities = np.array([[0.9, 0.5], [0.9, 0.1], [1.0, 0.5], [1.0, 0.4]])  # descending
    expected = np.zeros((4, 4))
    for row in range(4):
        scale = 2.0 - 2.0 * similarities[row, -1]  # squared distance to the farthest
        for col, sim in zip(indices[row], similarities[row], strict=True):
            weight = np.exp(-KERNEL_SHARPNESS * (2.0 - 2.0 * sim) / scale)
            expected[row, col] = max(expected[row, col], weight)
    expected = np.maximum(expected, expected.T)
    dense = kernel_weights(indices, similarities).toarray()
    np.testing.assert_allclose(dense, expected)
    assert dense[0, 1] > dense[0, 2]  # nearer, heavier
    assert dense[2, 3] == pytest.approx(1.0)  # an exact copy weighs 1
    # edge 0-1 (similarity 0.9) weighs more for row 1, whose farthest neighbour is at 0.1,
    # than for row 0, whose is at 0.5; the edge keeps the larger of its two directions
    assert dense[1, 0] == pytest.approx(np.exp(-KERNEL_SHARPNESS * 0.2 / 1.8))


def test_affinity_normalizes_the_kernel_weights() -> None:
    descending = np.sort(SIMILARITIES, axis=1)[:, ::-1]
    expected = normalize(kernel_weights(INDICES, descending)).toarray()
    np.testing.assert_allclose(affinity(INDICES, descending).toarray(), expected)


def test_normalize_leaves_a_row_without_positive_edges_at_zero() -> None:
    similarities = SIMILARITIES.copy()
    similarities[3] = [-0.6, -0.7]  # row 3: every edge to and from it is negative
    normalized = normalize(knn_weights(INDICES, similarities)).toarray()
    assert np.isfinite(normalized).all()
    assert (normalized[3] == 0).all() and (normalized[:, 3] == 0).all()
    assert (normalized[:3, :3] > 0).sum() == 6  # the other rows keep their edges


def test_spread_with_alpha_zero_returns_the_start() -> None:
    normalized = affinity(INDICES, SIMILARITIES)
    start = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    np.testing.assert_array_equal(spread(normalized, start, alpha=0.0), start)


def test_spread_converges_to_the_closed_form() -> None:
    normalized = affinity(INDICES, SIMILARITIES)
    start = np.array([[1.0], [0.0], [0.0], [0.0]])
    alpha = 0.5
    closed = (1 - alpha) * np.linalg.solve(np.eye(4) - alpha * normalized.toarray(), start)
    np.testing.assert_allclose(spread(normalized, start, alpha, iterations=200), closed)


def test_mass_stays_on_the_component_of_the_seeds() -> None:
    normalized = affinity(*two_triangles())
    start = np.zeros((6, 1))
    start[0, 0] = 1.0
    mass = spread(normalized, start, alpha=0.9)[:, 0]
    assert (mass[:3] > 0).all()
    assert (mass[3:] == 0).all()
