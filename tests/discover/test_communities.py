"""Graph communities: the shared-neighbour graph, Leiden with pinned rows, the resolution search."""

from __future__ import annotations

import random

import numpy as np
import pytest
import scipy.sparse as sp
from discovery_data import few_pins_and_a_piece

from siftkit.discover import communities
from siftkit.discover.communities import (
    CommunityFinder,
    pinned_start,
    search_resolution,
    shared_neighbor_graph,
)
from siftkit.neighbors import build_graph


def test_shared_neighbor_weights_by_hand() -> None:
    indices = np.array([[1, 2], [0, 2], [0, 1], [0, 1]])
    weights = shared_neighbor_graph(indices).toarray()
    expected = np.array(
        [
            [0.0, 1.0, 1.0, 0.5],  # 0-1: one common neighbour (2), mutual: 1 · 2 / k
            [1.0, 0.0, 1.0, 0.5],  # 1-3: one common neighbour (0), one-way: 1 · 1 / k
            [1.0, 1.0, 0.0, 0.0],  # 2-3 share both neighbours but are not neighbours
            [0.5, 0.5, 0.0, 0.0],
        ]
    )
    np.testing.assert_allclose(weights, expected)


def random_neighbors(n: int, k: int, seed: int) -> np.ndarray:
    """(n, k) distinct random neighbours per row, never the row itself."""
    rng = np.random.default_rng(seed)
    return np.array([rng.choice(np.delete(np.arange(n), i), k, replace=False) for i in range(n)])


def test_shared_neighbor_graph_is_symmetric_on_knn_pairs_only() -> None:
    indices = random_neighbors(30, 5, seed=0)
    weights = shared_neighbor_graph(indices)
    assert (abs(weights - weights.T) > 1e-12).nnz == 0
    knn = np.zeros((30, 30), dtype=bool)
    knn[np.repeat(np.arange(30), 5), indices.ravel()] = True
    assert not (weights.toarray()[~(knn | knn.T)]).any()
    assert weights.max() <= 2.0 and weights.min() >= 0.0


def two_cliques(size: int = 6, bridge: float = 0.05) -> sp.csr_matrix:
    """Two cliques of ``size`` rows joined by one weak edge (rows 0 and ``size``)."""
    n = 2 * size
    dense = np.zeros((n, n))
    dense[:size, :size] = dense[size:, size:] = 1.0
    np.fill_diagonal(dense, 0.0)
    dense[0, size] = dense[size, 0] = bridge
    return sp.csr_matrix(dense)


def test_leiden_finds_the_two_cliques() -> None:
    membership = CommunityFinder(two_cliques(), random_state=0).partition(1.0)
    assert len(set(membership[:6].tolist())) == 1 and len(set(membership[6:].tolist())) == 1
    assert membership[0] != membership[6]
    assert sorted(set(membership.tolist())) == [0, 1]


def test_pinned_rows_keep_their_codes_and_new_communities_come_after() -> None:
    finder = CommunityFinder(two_cliques(), random_state=0)
    pinned = np.full(12, -1)
    pinned[[7, 9]] = 0  # the second clique is class 0
    membership = finder.partition(1.0, pinned)
    assert (membership[6:] == 0).all()
    assert (membership[:6] == 1).all()  # a new community, numbered after the pinned one


def test_pinned_rows_stay_apart_even_inside_one_clique() -> None:
    finder = CommunityFinder(two_cliques(), random_state=0)
    pinned = np.full(12, -1)
    pinned[1], pinned[2] = 0, 1  # two rows of the first clique, two different classes
    membership = finder.partition(1.0, pinned)
    assert membership[1] == 0 and membership[2] == 1


def test_a_pinned_partition_starts_from_the_communities_found_without_pins() -> None:
    start = np.array([0, 0, 0, 1, 1, 1, 2, 2, 3])
    pinned = np.array([0, -1, -1, 0, 1, -1, -1, -1, 1])
    initial = pinned_start(start, pinned)
    # community 0 holds class 0's pins only, 3 class 1's: they start in those classes;
    # community 1 holds both classes' pins, 2 none: their unpinned rows start alone
    assert initial[[0, 1, 2, 3, 4, 8]].tolist() == [0, 0, 0, 0, 1, 1]
    assert len(set(initial[[5, 6, 7]].tolist())) == 3 and (initial[[5, 6, 7]] >= 2).all()


def test_a_start_keeps_a_large_class_with_few_pins_whole() -> None:
    # started from lone rows, class 0's community was its pins and the piece (16 rows),
    # class 1's its pins alone, each class's rest a community of its own
    X, pinned = few_pins_and_a_piece()
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    finder = CommunityFinder(shared_neighbor_graph(build_graph(X, k=15).indices), 0)
    membership = finder.partition(0.5, pinned, start=finder.partition(0.5))
    assert (membership[:2000] == 0).all() and (membership[2000:4000] == 1).all()


@pytest.mark.parametrize("igraph_from", [0, communities.IGRAPH_LEIDEN_FROM])
def test_partitions_are_deterministic_and_leave_the_global_random_stream_alone(
    igraph_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(communities, "IGRAPH_LEIDEN_FROM", igraph_from)
    adjacency = shared_neighbor_graph(random_neighbors(80, 8, seed=1))
    random.seed(1)
    first = CommunityFinder(adjacency, random_state=3).partition(2.0)
    random.seed(2)
    second = CommunityFinder(adjacency, random_state=3).partition(2.0)
    np.testing.assert_array_equal(first, second)
    random.seed(5)
    expected = random.random()
    random.seed(5)
    CommunityFinder(adjacency, random_state=4).partition(2.0)
    assert random.random() == expected


def test_igraph_partitions_are_as_good_as_leidenalgs(monkeypatch: pytest.MonkeyPatch) -> None:
    """igraph's own Leiden stands in for leidenalg's on free rows of large graphs: the same
    quality function (Reichardt–Bornholdt with the configuration null model) at every
    resolution."""
    import leidenalg

    monkeypatch.setattr(communities, "IGRAPH_LEIDEN_FROM", 0)
    finder = CommunityFinder(shared_neighbor_graph(random_neighbors(300, 10, seed=2)), 0)
    for resolution in (0.5, 1.0, 3.0):
        ours = leidenalg.RBConfigurationVertexPartition(
            finder.graph, initial_membership=finder.partition(resolution).tolist(),
            weights="weight", resolution_parameter=resolution,
        )  # fmt: skip
        theirs = leidenalg.find_partition(
            finder.graph, leidenalg.RBConfigurationVertexPartition, weights="weight",
            resolution_parameter=resolution, seed=0,
        )  # fmt: skip
        assert ours.quality() >= 0.97 * theirs.quality()


def test_search_resolution_lands_inside_a_reachable_range() -> None:
    tried: list[float] = []

    def count(resolution: float) -> int:  # more categories at higher resolution
        tried.append(resolution)
        return int(np.ceil(4 * resolution))

    resolution = search_resolution((10, 12), count, start=0.5)
    assert 10 <= count(resolution) <= 12
    assert tried[0] == 0.5
    resolution = search_resolution(3, count, start=0.5)
    assert count(resolution) == 3


def test_search_resolution_returns_the_closest_when_out_of_reach() -> None:
    def count(resolution: float) -> int:  # never more than 5
        return min(5, 1 + int(resolution > 1.0) * 4)

    resolution = search_resolution((8, 9), count, start=0.5)
    assert count(resolution) == 5
