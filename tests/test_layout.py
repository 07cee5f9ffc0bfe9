"""The 2-D map: shape and range, determinism, categories kept apart, errors."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from toy_data import blobs

from siftkit.exceptions import InvalidParameterError, MissingExtraError
from siftkit.layout import classical_mds, main_axes, map_2d


def test_map_is_n_by_2_in_the_unit_square_and_deterministic() -> None:
    X, truth = blobs()
    coords = map_2d(X, truth)
    assert coords.shape == (len(X), 2) and coords.dtype == np.float32
    assert coords.min() >= 0.0 and coords.max() <= 1.0
    np.testing.assert_array_equal(coords, map_2d(X, truth))


def test_categories_sit_apart_each_in_its_own_disc() -> None:
    X, truth = blobs(spread=0.6, seed=2)  # overlapping blobs, told apart by the labels
    coords = map_2d(X, truth)
    centres = np.array([coords[truth == c].mean(axis=0) for c in np.unique(truth)])
    for c in np.unique(truth):
        own = np.linalg.norm(coords[truth == c] - centres[c], axis=1).max()
        others = np.linalg.norm(centres - centres[c], axis=1)
        others[c] = np.inf
        assert own < 0.5 * others.min() + 1e-6  # inside a disc under half the gap


def test_a_cluster_far_from_the_rest_does_not_squeeze_them_into_a_corner() -> None:
    X, truth = blobs(sizes=(60,) * 9)  # nine clusters as far from each other, a simplex
    far = -np.ones((30, X.shape[1]), dtype=np.float32)  # opposite to all of them
    far += 0.1 * np.random.default_rng(1).normal(size=far.shape).astype(np.float32)
    coords = map_2d(np.vstack([X, far]), np.concatenate([truth, np.full(30, 9)]))
    centres = np.array([coords[:540][truth == c].mean(axis=0) for c in range(9)])
    assert (np.ptp(centres, axis=0) > 0.5).all()  # spread over the plane, both ways


def test_a_clusters_disc_grows_with_its_rows() -> None:
    X, truth = blobs(sizes=(240, 60, 60, 60, 60, 15))
    coords = map_2d(X, truth)
    reach = [np.linalg.norm(coords[truth == c] - coords[truth == c].mean(axis=0), axis=1).max()
             for c in range(6)]  # fmt: skip
    assert 1.6 < reach[0] / np.median(reach[1:5]) < 2.4  # four times the rows: twice as wide
    assert 0.35 < reach[5] / np.median(reach[1:5]) < 0.65  # a quarter (at least half as wide)


def test_without_clusters_groups_are_made_and_rows_without_one_are_placed() -> None:
    X, truth = blobs(sizes=(300, 300, 300))
    assert map_2d(X).shape == (900, 2)
    partial = truth.copy()
    partial[::7] = -1
    coords = map_2d(X, partial)
    assert np.isfinite(coords).all()


def test_tiny_inputs() -> None:
    assert map_2d(np.zeros((0, 4))).shape == (0, 2)
    assert map_2d(np.ones((1, 4)), np.array([0])).shape == (1, 2)
    two = map_2d(np.eye(4)[:2], np.array([0, 1]))
    assert np.isfinite(two).all()


def test_classical_mds_recovers_planar_distances() -> None:
    points = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0], [3.0, 4.0]])
    distances = np.linalg.norm(points[:, None] - points[None, :], axis=2)
    found = classical_mds(distances)
    np.testing.assert_allclose(
        np.linalg.norm(found[:, None] - found[None, :], axis=2), distances, atol=1e-9
    )


def test_unknown_method_and_missing_umap() -> None:
    X, truth = blobs()
    with pytest.raises(InvalidParameterError, match="clusters, umap"):
        map_2d(X, truth, method="tsne")
    if importlib.util.find_spec("umap") is None:
        with pytest.raises(MissingExtraError, match="pip install umap-learn"):
            map_2d(X, truth, method="umap")


def test_a_umap_map_of_a_few_rows_is_the_default_map() -> None:
    rows = np.eye(3, 8, dtype=np.float32)  # UMAP's start fails on 2 or 3 rows
    for n in (2, 3):
        np.testing.assert_array_equal(map_2d(rows[:n], method="umap"), map_2d(rows[:n]))


def test_main_axes_are_the_top_singular_directions() -> None:
    rng = np.random.default_rng(3)
    directions = np.linalg.qr(rng.normal(size=(64, 3)))[0].T
    rows = rng.normal(size=(500, 3)) * [6.0, 3.0, 1.0] @ directions
    rows += 0.05 * rng.normal(size=rows.shape)
    rows -= rows.mean(axis=0)
    axes = main_axes(rows)
    _, _, exact = np.linalg.svd(rows, full_matrices=False)
    np.testing.assert_allclose(np.abs(axes @ exact[:2].T), np.eye(2), atol=1e-6)
    assert (axes[np.arange(2), np.abs(axes).argmax(axis=1)] > 0).all()
    np.testing.assert_array_equal(axes, main_axes(rows))
    assert main_axes(rows[:1] - rows[:1]).shape == (2, 64)
    thin = main_axes(rows[:, :1])
    assert thin.shape == (2, 1) and thin[1, 0] == 0.0
