"""build_graph: exact search against numpy, self-exclusion, ties, tiny inputs, HNSW recall."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pytest

from siftkit.embed import l2_normalize
from siftkit.exceptions import InvalidParameterError, ShrunkNeighborsWarning
from siftkit.neighbors import KnnGraph, build_graph, measure_recall
from siftkit.neighbors.graph import cut_off_rows, reconnect


def unit_rows(n: int, d: int, seed: int = 0) -> np.ndarray:
    return l2_normalize(np.random.default_rng(seed).normal(size=(n, d)))


def brute_force(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k by cosine with numpy, self excluded; float64 for a clean reference."""
    v = vectors.astype(np.float64)
    sims = v @ v.T
    np.fill_diagonal(sims, -np.inf)
    order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(sims, order, axis=1)


def clustered(n: int, d: int, n_clusters: int, noise: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(n_clusters, d))
    spread = rng.uniform(0.5, 1.5, size=n_clusters)  # clusters of different widths
    members = rng.integers(0, n_clusters, size=n)
    points = centers[members] + noise * spread[members, None] * rng.normal(size=(n, d))
    return l2_normalize(points.astype(np.float32))


def assert_well_formed(graph: KnnGraph, vectors: np.ndarray) -> None:
    n = len(vectors)
    assert graph.indices.shape == graph.similarities.shape == (n, graph.k)
    assert graph.indices.dtype == np.int64 and graph.similarities.dtype == np.float32
    assert ((graph.indices >= 0) & (graph.indices < n)).all()
    assert not (graph.indices == np.arange(n)[:, None]).any(), "a row is its own neighbour"
    assert (np.diff(graph.similarities, axis=1) <= 1e-6).all(), "similarities not descending"
    for row in range(n):
        assert len(set(graph.indices[row])) == graph.k, "a neighbour is listed twice"
    # the reported similarity is the real cosine of the pair
    recomputed = np.einsum("ij,ikj->ik", vectors, vectors[graph.indices])
    np.testing.assert_allclose(graph.similarities, recomputed, atol=1e-5)


@pytest.mark.parametrize(("n", "d", "k"), [(200, 16, 10), (57, 5, 20), (500, 32, 1)])
def test_exact_matches_numpy(n: int, d: int, k: int) -> None:
    vectors = unit_rows(n, d, seed=n)
    graph = build_graph(vectors, k=k)
    assert graph.method == "exact" and graph.recall == 1.0 and graph.k == k
    assert_well_formed(graph, vectors)
    expected_idx, expected_sims = brute_force(vectors, k)
    np.testing.assert_allclose(graph.similarities, expected_sims, atol=1e-5)
    # indices agree wherever similarities are not tied
    same = graph.indices == expected_idx
    tied = np.isclose(graph.similarities, expected_sims, atol=1e-6) & ~same
    gaps = np.abs(np.diff(expected_sims, axis=1))
    assert same.mean() > 0.99
    for row, col in zip(*np.nonzero(~same), strict=True):
        near = [gaps[row, c] for c in (col - 1, col) if 0 <= c < gaps.shape[1]]
        assert tied[row, col] and min(near, default=0.0) < 1e-5


def test_exact_method_forced_and_auto_threshold() -> None:
    vectors = unit_rows(300, 8)
    auto = build_graph(vectors, k=5)
    forced = build_graph(vectors, k=5, method="exact", exact_threshold=10)
    np.testing.assert_array_equal(auto.indices, forced.indices)
    switched = build_graph(vectors, k=5, exact_threshold=100)
    assert switched.method == "hnsw"
    assert 0.0 <= switched.recall <= 1.0


def test_exact_duplicates_neighbour_their_copies() -> None:
    base = unit_rows(1, 16, seed=1)
    others = unit_rows(70, 16, seed=2)
    vectors = np.vstack([np.repeat(base, 30, axis=0), others])
    graph = build_graph(vectors, k=10)
    assert_well_formed(graph, vectors)
    copies = graph.indices[:30]
    assert (copies < 30).all(), "a copy's nearest neighbours are the other copies"
    np.testing.assert_allclose(graph.similarities[:30], 1.0, atol=1e-5)


@pytest.mark.parametrize("method", ["exact", "hnsw"])
def test_all_rows_identical(method: str) -> None:
    vectors = np.repeat(unit_rows(1, 8), 40, axis=0)
    graph = build_graph(vectors, k=10, method=method)
    assert_well_formed(graph, vectors)
    np.testing.assert_allclose(graph.similarities, 1.0, atol=1e-5)


def test_fewer_rows_than_k_shrinks_k() -> None:
    vectors = unit_rows(5, 4)
    with pytest.warns(ShrunkNeighborsWarning, match="reduced from 10 to 4"):
        graph = build_graph(vectors, k=10)
    assert graph.k == 4
    assert_well_formed(graph, vectors)
    for row in range(5):
        assert set(graph.indices[row]) == set(range(5)) - {row}


def test_k_equal_to_rows_minus_one_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        graph = build_graph(unit_rows(5, 4), k=4)
    assert graph.k == 4


def test_single_row_gives_k_zero() -> None:
    with pytest.warns(ShrunkNeighborsWarning):
        graph = build_graph(unit_rows(1, 4), k=10)
    assert graph.k == 0
    assert graph.indices.shape == (1, 0) and graph.similarities.shape == (1, 0)
    assert graph.recall == 1.0


def test_zero_vectors_do_not_crash() -> None:
    vectors = unit_rows(30, 6)
    vectors[[3, 10, 11]] = 0.0
    graph = build_graph(vectors, k=5)
    assert_well_formed(graph, vectors)
    np.testing.assert_allclose(graph.similarities[[3, 10, 11]], 0.0, atol=1e-6)
    everything_zero = build_graph(np.zeros((8, 3), dtype=np.float32), k=3)
    assert_well_formed(everything_zero, np.zeros((8, 3), dtype=np.float32))


def test_invalid_parameters() -> None:
    vectors = unit_rows(10, 4)
    with pytest.raises(InvalidParameterError, match="'k'"):
        build_graph(vectors, k=0)
    with pytest.raises(InvalidParameterError, match="'method'"):
        build_graph(vectors, method="annoy")
    with pytest.raises(InvalidParameterError, match="'hnsw_m'"):
        build_graph(vectors, hnsw_m=2)


def test_rows_not_of_unit_length_are_refused_with_the_fix() -> None:
    # by inner product, raw rows would join the longest rows to every row
    vectors = unit_rows(10, 4)
    vectors[4] *= 3.0
    with pytest.raises(ValueError, match=r"1 of 10 are not \(row 4 has length 3\).*l2_normalize"):
        build_graph(vectors, k=3)
    with pytest.raises(ValueError, match=r"must be 2-D"):
        build_graph(vectors[0], k=3)


def test_hnsw_recall_on_clustered_data() -> None:
    """20,000 x 64 Gaussian clusters: HNSW finds >= 95% of the true 10 nearest neighbours,
    and the graph's own sampled recall estimate agrees with the full measurement."""
    vectors = clustered(20_000, 64, n_clusters=60, noise=0.8, seed=0)
    k = 10
    graph = build_graph(vectors, k=k, method="hnsw")
    assert graph.method == "hnsw"
    assert graph.indices.shape == (20_000, k)
    assert not (graph.indices == np.arange(20_000)[:, None]).any()
    assert (np.diff(graph.similarities, axis=1) <= 1e-6).all()
    exact = build_graph(vectors, k=k, method="exact")  # checked against numpy above
    hits = (graph.indices[:, :, None] == exact.indices[:, None, :]).any(axis=2).sum(axis=1)
    # ties: a different neighbour at the k-th similarity is as good
    kth = exact.similarities[:, -1:]
    tie_hits = (graph.similarities >= kth - 1e-6).sum(axis=1)
    recall = float(np.mean(np.maximum(hits, np.minimum(tie_hits, k)) / k))
    assert recall >= 0.95
    assert abs(graph.recall - recall) <= 0.02, (graph.recall, recall)


def test_measure_recall_detects_a_bad_graph() -> None:
    vectors = clustered(3_000, 16, n_clusters=10, noise=0.5, seed=1)
    exact = build_graph(vectors, k=10)
    assert measure_recall(vectors, exact.indices) == pytest.approx(1.0)
    # replace the second half of every row's neighbours by far-away rows
    rng = np.random.default_rng(0)
    broken = exact.indices.copy()
    broken[:, 5:] = rng.integers(0, len(vectors), size=(len(vectors), 5))
    estimate = measure_recall(vectors, broken, sample=500)
    assert 0.45 <= estimate <= 0.6


def test_hnsw_is_deterministic() -> None:
    vectors = clustered(4_000, 32, n_clusters=20, noise=1.0, seed=2)
    first = build_graph(vectors, k=10, method="hnsw", random_state=3)
    second = build_graph(vectors, k=10, method="hnsw", random_state=3)
    np.testing.assert_array_equal(first.indices, second.indices)
    np.testing.assert_array_equal(first.similarities, second.similarities)
    assert first.recall == second.recall


@pytest.mark.parametrize("target", ["path", "str", "handle"])
def test_save_load_round_trip(tmp_path: Path, target: str) -> None:
    vectors = unit_rows(50, 8)
    graph = build_graph(vectors, k=7, method="hnsw")
    if target == "handle":
        buffer = io.BytesIO()
        graph.save(buffer)
        buffer.seek(0)
        loaded = KnnGraph.load(buffer)
    else:
        path = tmp_path / "graph.npz"
        graph.save(path if target == "path" else str(path))
        loaded = KnnGraph.load(path if target == "path" else str(path))
    np.testing.assert_array_equal(loaded.indices, graph.indices)
    np.testing.assert_array_equal(loaded.similarities, graph.similarities)
    assert loaded.indices.dtype == np.int64 and loaded.similarities.dtype == np.float32
    assert loaded.method == "hnsw"
    assert loaded.recall == graph.recall
    assert loaded.k == 7 and loaded.n_rows == 50
    assert loaded.summary() == graph.summary()


def ring(n: int, k: int, start: int = 0) -> np.ndarray:
    """(n, k) neighbours: rows ``start``..n-1 each list the next ``k`` of them, around the
    ring (no pair lists each other); rows before ``start`` list ring rows, for a test to set."""
    return start + (np.arange(n)[:, None] - start + np.arange(1, k + 1)) % (n - start)


def test_groups_of_rows_no_other_row_reaches_are_found() -> None:
    # rows 8-999 form a ring; rows 0-5 list each other (1-4 and 2-5 mutually), row 0 a ring
    # row too, but no ring row lists them; rows 6-7, a pair, list each other and the ring
    n, k = 1_000, 3
    indices = ring(n, k, start=8)
    indices[:6] = (np.arange(6)[:, None] + np.arange(1, k + 1)) % 6
    indices[0, 2] = 500
    indices[6:8] = [[7, 8, 9], [6, 8, 9]]
    assert cut_off_rows(indices).tolist() == [0, 1, 2, 3, 4, 5]
    assert cut_off_rows(indices, min_rows=2).tolist() == [0, 1, 2, 3, 4, 5, 6, 7]
    assert cut_off_rows(indices, share=0.006).tolist() == []  # 6 rows are not under 0.6%
    # room for 7 rows: the three pairs that list each other, smallest first, not rows 0-5
    assert cut_off_rows(indices, share=0.007, min_rows=2).tolist() == [1, 2, 4, 5, 6, 7]


def test_groups_that_list_and_are_listed_by_a_few_rows_outside_are_found() -> None:
    # rows 0-9 list each other (every pair mutually, k = 9), but row 0 lists ring row 500 in
    # place of row 9, and ring row 500 lists row 0: the group and the ring reach each other, so
    # they are one strongly connected component, yet only the group's rows (and row 500, with
    # row 0) list each other
    n, k = 2_000, 9
    indices = ring(n, k, start=10)
    indices[:10] = [np.delete(np.arange(10), i) for i in range(10)]
    indices[0, 8] = 500
    indices[500, 0] = 0
    assert cut_off_rows(indices).tolist() == [*range(10), 500]


def test_rows_approximate_search_cut_off_are_searched_again_exactly() -> None:
    vectors = clustered(2_000, 16, n_clusters=5, noise=0.5, seed=0)
    exact = build_graph(vectors, k=10, method="exact")
    # eleven rows list only each other and no other row lists them, as a broken search
    # might leave them; the other rows' neighbours are found among the other rows
    wrong = np.arange(11)
    rest = build_graph(vectors[11:], k=10, method="exact")
    indices = np.vstack([[np.delete(wrong, i) for i in range(11)], rest.indices + 11])
    similarities = np.vstack([np.zeros((11, 10), np.float32), rest.similarities])
    reconnect(vectors, indices, similarities)
    np.testing.assert_array_equal(indices[wrong], exact.indices[wrong])
    np.testing.assert_allclose(similarities[wrong], exact.similarities[wrong], atol=1e-6)
    np.testing.assert_array_equal(indices[11:], rest.indices + 11)  # the others untouched
