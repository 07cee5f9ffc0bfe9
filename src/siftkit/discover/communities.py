"""Communities of the kNN graph: a shared-neighbour graph partitioned by Leiden.

Rows that share many nearest neighbours sit in the same dense region; weighting each kNN
edge by the share of neighbours its two ends have in common keeps bridges between
regions weak. Leiden ("From Louvain to Leiden: guaranteeing well-connected communities")
partitions that graph under the Reichardt–Bornholdt quality function, whose
``resolution`` sets how many communities there are: it is the one knob, and the number
of categories follows from it instead of being asked for.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp

from siftkit.discover.refine import membership_matrix, renumber
from siftkit.neighbors.graph import knn_edges

#: Resolutions are searched within these bounds when a number of clusters is hinted.
RESOLUTION_BOUNDS = (1e-3, 50.0)
SEARCH_STEPS = 14
#: Leiden passes over the graph (more change little and cost time).
LEIDEN_ITERATIONS = 2
#: Free rows of graphs this large are partitioned by igraph's own Leiden (see
#: :meth:`CommunityFinder.partition`).
IGRAPH_LEIDEN_FROM = 50_000


def shared_neighbor_graph(indices: np.ndarray) -> sp.csr_matrix:
    """Symmetric (n_rows, n_rows) adjacency over kNN pairs: a pair weighs the share of
    the ``k`` neighbours its two rows have in common, counted once per direction in
    which they are neighbours (so mutual neighbours weigh double). ``indices``
    (n_rows, k) holds each row's neighbours."""
    knn = knn_edges(indices)
    shared = (knn @ knn.T).multiply(knn + knn.T)  # common neighbours, on kNN pairs only
    return sp.csr_matrix(shared / indices.shape[1])


def _igraph_from_edges(n: int, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray):
    import igraph

    graph = igraph.Graph(n=n, edges=np.column_stack([rows, cols]))
    graph.es["weight"] = weights
    return graph


def _igraph(adjacency: sp.csr_matrix):
    upper = sp.triu(adjacency, k=1).tocoo()
    return _igraph_from_edges(adjacency.shape[0], upper.row, upper.col, upper.data)


_IGRAPH_RANDOM = threading.Lock()


@contextmanager
def _igraph_seeded(random_state: int) -> Iterator[None]:
    """igraph's own algorithms draw from one process-wide generator (Python's ``random``
    module unless set): seeded for the call, then handed back."""
    import igraph

    with _IGRAPH_RANDOM:
        igraph.set_random_number_generator(random.Random(random_state))
        try:
            yield
        finally:
            igraph.set_random_number_generator(random)


class CommunityFinder:
    """Leiden partitions of one graph at any resolution, optionally with some rows pinned
    to given communities (labeled rows stay with their class).

    Parameters
    ----------
    adjacency : symmetric weighted adjacency, (n_rows, n_rows).
    random_state : seed of Leiden's random moves.
    """

    def __init__(self, adjacency: sp.csr_matrix, random_state: int = 0) -> None:
        self.adjacency = adjacency
        self.graph = _igraph(adjacency)
        self.random_state = random_state

    def group(self, membership: np.ndarray, resolution: float) -> np.ndarray:
        """Per category of ``membership`` (n_rows,), its group in a Leiden partition of
        the categories themselves at ``resolution``: the graph with each category merged
        into one node (its inner weight a self-loop) has the same quality function, so this
        is Leiden's own aggregation step, and costs nothing next to a partition of the rows."""
        import leidenalg

        n_categories = int(membership.max()) + 1
        onehot = membership_matrix(membership, n_categories)
        merged = (onehot.T @ self.adjacency @ onehot).tocoo()
        upper = merged.row <= merged.col
        rows, cols, weights = merged.row[upper], merged.col[upper], merged.data[upper]
        weights = np.where(rows == cols, weights / 2.0, weights)  # a loop counts twice
        graph = _igraph_from_edges(n_categories, rows, cols, weights)
        found = leidenalg.find_partition(
            graph, leidenalg.RBConfigurationVertexPartition, weights="weight",
            resolution_parameter=resolution, seed=self.random_state,
            n_iterations=LEIDEN_ITERATIONS,
        )  # fmt: skip
        return np.asarray(found.membership, dtype=np.int64)

    def _igraph_partition(self, resolution: float) -> np.ndarray:
        """Free rows partitioned by igraph's own Leiden: the same quality function
        (modularity at a resolution is Reichardt–Bornholdt's with the configuration null
        model), about ten times faster than leidenalg's on large graphs, and a little better
        optimised, so it finds some more communities at a resolution (docs/discovery.md);
        it cannot pin rows."""
        with _igraph_seeded(self.random_state):
            found = self.graph.community_leiden(
                objective_function="modularity", weights="weight", resolution=resolution,
                n_iterations=LEIDEN_ITERATIONS,
            )  # fmt: skip
        return renumber(np.asarray(found.membership, dtype=np.int64))

    def partition(
        self, resolution: float, pinned: np.ndarray | None = None, start: np.ndarray | None = None
    ) -> np.ndarray:
        """Community of every row, (n_rows,) int64 numbered 0..n_communities-1.

        ``pinned``: per row, the community (0..n_pinned-1) it must stay in, -1 for free
        rows; pinned communities keep their numbers and new ones come after them.
        ``start``: with ``pinned``, the communities found without pins at ``resolution``,
        where Leiden starts from (:func:`pinned_start`); else every free row starts alone.
        Without pins, a graph of ``IGRAPH_LEIDEN_FROM`` rows or more is partitioned by
        igraph's own Leiden (:meth:`_igraph_partition`), a smaller one by leidenalg's.
        """
        import leidenalg

        n = self.graph.vcount()
        if pinned is None or not (pinned >= 0).any():
            if n >= IGRAPH_LEIDEN_FROM:
                return self._igraph_partition(resolution)
            found = leidenalg.find_partition(
                self.graph, leidenalg.RBConfigurationVertexPartition, weights="weight",
                resolution_parameter=resolution, seed=self.random_state,
                n_iterations=LEIDEN_ITERATIONS,
            )  # fmt: skip
            return np.asarray(found.membership, dtype=np.int64)
        fixed = pinned >= 0
        n_pinned = int(pinned.max()) + 1
        if start is None:
            initial = np.where(fixed, pinned, n_pinned + np.arange(n))
        else:
            initial = pinned_start(start, pinned)
        _, initial = np.unique(initial, return_inverse=True)
        found = leidenalg.RBConfigurationVertexPartition(
            self.graph, initial_membership=initial.tolist(), weights="weight",
            resolution_parameter=resolution,
        )  # fmt: skip
        optimiser = leidenalg.Optimiser()
        optimiser.set_rng_seed(self.random_state)
        optimiser.optimise_partition(
            found, n_iterations=LEIDEN_ITERATIONS, is_membership_fixed=fixed.tolist()
        )
        membership = np.asarray(found.membership, dtype=np.int64)
        # pinned classes keep their codes; new communities are numbered after them
        mapping = np.full(membership.max() + 1, -1, dtype=np.int64)
        mapping[membership[fixed]] = pinned[fixed]
        new = np.flatnonzero(mapping < 0)
        mapping[new] = n_pinned + np.arange(len(new))
        return mapping[membership]


def pinned_start(start: np.ndarray, pinned: np.ndarray) -> np.ndarray:
    """Where a pinned partition starts, (n_rows,) community codes: each community of
    ``start`` (found without pins) whose pinned rows are all of one class starts in that
    class, the rows of the others start alone, and pinned rows start in their class.

    Started from lone rows only, Leiden often kept the bulk of a class with a few pins among
    thousands of rows as a community of its own, the class's community holding little more
    than the pins: always when a pin sat in a piece of the class the graph cuts off (the
    pins' community must take in that piece, and the quality function then prefers a small
    known class beside a large "new" one), at times without (docs/discovery.md)."""
    n_pinned = int(pinned.max()) + 1
    fixed = pinned >= 0
    pins = np.zeros((int(start.max()) + 1, n_pinned), dtype=np.int64)
    np.add.at(pins, (start[fixed], pinned[fixed]), 1)
    owner = np.where((pins > 0).sum(axis=1) == 1, pins.argmax(axis=1), -1)[start]
    alone = n_pinned + np.arange(len(pinned))
    return np.where(fixed, pinned, np.where(owner >= 0, owner, alone))


def search_resolution(
    n_clusters: int | Sequence[int],
    count: Callable[[float], int],
    start: float,
) -> float:
    """The resolution whose ``count(resolution)`` (categories found) is closest to
    ``n_clusters`` (an int) or inside it (a (low, high) range), by bisection on a log scale
    from ``start``."""
    low_k, high_k = (n_clusters, n_clusters) if np.isscalar(n_clusters) else n_clusters
    low, high = RESOLUTION_BOUNDS
    resolution = start
    best: tuple[float, float] | None = None
    for _ in range(SEARCH_STEPS):
        k = count(resolution)
        miss = max(low_k - k, k - high_k, 0)
        if best is None or miss < best[0]:
            best = (miss, resolution)
        if miss == 0:
            break
        if k < low_k:
            low = resolution
        else:
            high = resolution
        resolution = float(np.sqrt(low * high))
    return best[1]
