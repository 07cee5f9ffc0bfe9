"""Turn raw communities into categories: absorb crumbs, refine by prototypes, score confidence.

The refinement follows "Transductive Few-Shot Learning: Clustering is All You Need?": each
row goes to the category that maximises its similarity to the category's prototype plus
``smoothness`` times the share of its neighbours already there (a Laplacian term), with
pinned rows held in place, until no row moves.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from siftkit.detectors.neighbor_labels import label_histogram
from siftkit.neighbors.graph import knn_edges

MAX_ITERATIONS = 20
#: A new category is a class's mode only when it is also smaller than the smallest class the
#: known classes make plausible: their sizes taken as log-normal, the size this many standard
#: deviations below their mean (the 5% quantile). Where known classes range widely in size
#: (WordNet's 26 categories: 4 to 2,500 rows) a small new category can be a class of its own.
SMALL_CLASS_DEVIATIONS = 1.645
#: Weight of a plain kNN edge between categories where only ties are to be broken (shared-
#: neighbour weights are multiples of 1/k).
TIE_BREAK = 1e-6


def renumber(membership: np.ndarray, keep: int = 0) -> np.ndarray:
    """Categories numbered 0..n-1 in the order of their codes, leaving codes below
    ``keep`` (pinned classes) unchanged; -1 stays -1."""
    out = membership.copy()
    free = membership >= keep
    _, inverse = np.unique(membership[free], return_inverse=True)
    out[free] = keep + inverse
    return out


def neighbor_shares(indices: np.ndarray, membership: np.ndarray, n_categories: int) -> np.ndarray:
    """(n_rows, n_categories): the share of each row's neighbours in each category."""
    counts = label_histogram(indices, membership, n_categories)
    return counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)


def absorb_small(
    membership: np.ndarray,
    indices: np.ndarray,
    min_size: int,
    pinned: np.ndarray | None = None,
    keep: int = 0,
    fold: bool = True,
) -> np.ndarray:
    """Dissolve categories smaller than ``min_size`` (never pinned ones, codes below
    ``keep``): their rows join the category most of their neighbours are in, repeatedly,
    so every row ends in a category. With ``fold``, small categories whose rows have no
    neighbour in a category of full size (all are small, at a fine resolution) then fold
    into the category they share the most kNN edges with, smallest first
    (:func:`fold_small`); without, they stay (a finer level of the tree, whose pieces too
    small rejoin their category)."""
    membership = membership.copy()
    for _ in range(MAX_ITERATIONS):
        sizes = np.bincount(membership, minlength=membership.max() + 1)
        small = (sizes < min_size) & (np.arange(len(sizes)) >= keep)
        if not small.any() or small.all():
            break
        loose = small[membership]
        if pinned is not None:
            loose &= pinned < 0
        shares = neighbor_shares(indices[loose], membership, len(sizes))
        shares[:, small] = 0.0
        has_home = shares.max(axis=1) > 0
        if not has_home.any():
            break
        rows = np.flatnonzero(loose)[has_home]
        membership[rows] = shares[has_home].argmax(axis=1)
    if fold:
        membership = fold_small(membership, indices, min_size, keep, pinned)
    return renumber(membership, keep)


def fold_small(
    membership: np.ndarray,
    indices: np.ndarray,
    min_size: int,
    keep: int = 0,
    pinned: np.ndarray | None = None,
) -> np.ndarray:
    """``membership`` with each category under ``min_size`` rows (codes from ``keep`` on,
    holding no ``pinned`` row) folded into the category its rows share the most kNN edges
    with, smallest first; the folded category grows, so a chain of crumbs ends in one
    category of full size. A category linked to no other stays."""
    sizes = np.bincount(membership, minlength=membership.max() + 1).astype(np.float64)
    foldable = (sizes > 0) & (sizes < min_size) & (np.arange(len(sizes)) >= keep)
    if pinned is not None:
        foldable[membership[pinned >= 0]] = False
    small = np.flatnonzero(foldable)
    if not len(small) or not indices.shape[1]:
        return membership
    n_categories = len(sizes)
    edges = sp.csr_matrix(
        (np.ones(indices.size), (np.repeat(membership, indices.shape[1]),
                                 membership[indices.ravel()])),
        shape=(n_categories, n_categories),
    )  # fmt: skip
    parent = np.arange(n_categories)

    def root(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return int(c)

    for c in small[np.argsort(sizes[small], kind="stable")]:
        own = root(c)
        if not foldable[own] or sizes[own] >= min_size:
            continue  # folded into a known, pinned or full category, or grown to full size
        linked = edges.getrow(c)
        weights: dict[int, float] = {}
        for other, weight in zip(linked.indices, linked.data, strict=True):
            target = root(int(other))
            if target != own:
                weights[target] = weights.get(target, 0.0) + weight
        if weights:
            into = max(weights, key=lambda t: (weights[t], -t))
            parent[own] = into
            sizes[into] += sizes[own]
    return np.array([root(c) for c in range(n_categories)])[membership]


def membership_matrix(
    membership: np.ndarray, n_categories: int, rows: np.ndarray | None = None
) -> sp.csr_matrix:
    """(n_rows, n_categories) indicator matrix: a 1 in each row's category column, for the
    ``rows`` given (all by default; the others stay empty)."""
    rows = np.arange(len(membership)) if rows is None else rows
    return sp.csr_matrix(
        (np.ones(len(rows)), (rows, membership[rows])), shape=(len(membership), n_categories)
    )


#: Rows summed per block by :func:`category_sums`.
SUM_BLOCK = 16_384


def category_sums(
    values: np.ndarray, membership: np.ndarray, n_categories: int, rows: np.ndarray | None = None
) -> np.ndarray:
    """Per category, the float64 sum of its rows of ``values`` (n_rows, n_cols), over
    ``rows`` only when given (all by default): (n_categories, n_cols).

    A block of ``SUM_BLOCK`` rows at a time: with float32 values, scipy's product copies all
    the rows to float64 first, which on 200,000 rows of 384 dimensions took 0.1-2 s by the
    state of memory (0.12-0.16 s so, the same sums); ``np.add.at`` took 0.37 s where this
    takes 0.06 s (200,000 rows of 100 columns)."""
    members = membership_matrix(membership, n_categories, rows).T  # CSC: columns are rows
    sums = np.zeros((n_categories, values.shape[1]))
    for start in range(0, len(values), SUM_BLOCK):
        block = slice(start, start + SUM_BLOCK)
        sums += members[:, block] @ np.asarray(values[block], dtype=np.float64)
    return sums


def prototypes(
    vectors: np.ndarray,
    membership: np.ndarray,
    n_categories: int,
    members: np.ndarray | None = None,
) -> np.ndarray:
    """L2-normalised mean vector of each category, (n_categories, n_dims); only rows where
    ``members`` is true count (all by default); a category without rows gets zeros."""
    rows = None if members is None else np.flatnonzero(members)
    centers = category_sums(vectors, membership, n_categories, rows)
    return centers / np.maximum(np.linalg.norm(centers, axis=1, keepdims=True), 1e-12)


def refine_by_prototypes(
    vectors: np.ndarray,
    indices: np.ndarray,
    membership: np.ndarray,
    smoothness: float,
    pinned: np.ndarray | None = None,
) -> np.ndarray:
    """Move rows to the category of highest ``cos(row, prototype) + smoothness · neighbour
    share`` until stable; pinned rows keep their category (``pinned``: its code, -1 for free
    rows; the pinned categories are codes 0..max), and a pinned category's prototype stays
    the mean of its pinned rows. Those are a sample of their class; the rows a category
    gathers may hold another class beside it, which would draw its prototype over and
    gather more of it. Categories left empty vanish."""
    n_categories = int(membership.max()) + 1
    free = np.ones(len(membership), dtype=bool) if pinned is None else pinned < 0
    anchored, anchors = None, None  # the categories with pinned rows, their prototypes
    if not free.all():
        anchored = np.unique(pinned[~free])
        anchors = prototypes(vectors, np.clip(pinned, 0, None), n_categories, ~free)[anchored]
    for _ in range(MAX_ITERATIONS):
        centers = prototypes(vectors, membership, n_categories)
        if anchored is not None:
            centers[anchored] = anchors
        score = vectors[free] @ centers.T.astype(vectors.dtype)
        score += smoothness * neighbor_shares(indices[free], membership, n_categories)
        moved = score.argmax(axis=1)
        if np.array_equal(moved, membership[free]):
            break
        membership = membership.copy()
        membership[free] = moved
    return membership


def merge_undersized(
    membership: np.ndarray,
    adjacency: sp.csr_matrix,
    n_known: int,
    share: float,
    indices: np.ndarray | None = None,
) -> np.ndarray:
    """Fold new categories that are small next to the known classes into their neighbours.

    The known classes (codes below ``n_known``) give the scale of a class: a new category
    with fewer rows than ``share`` times the known categories' median size, and than the
    smallest class their sizes make plausible (``SMALL_CLASS_DEVIATIONS``), is taken for a
    mode of a larger class, and joins the new category it shares the most graph weight with
    per row of that category (a known one only when it is linked to no new one), smallest
    first, until no new category is that small. Known categories never move; rows without
    a category (-1) stay so. Returns the categories renumbered (known codes unchanged).

    ``indices`` (n_rows, k), the kNN graph ``adjacency`` was derived from, breaks ties: a
    piece of a class the shared-neighbour graph cut off entirely (no shared neighbour across
    any of its kNN edges, as approximate search leaves a few hundred of 200,000 rows) still
    joins the category its kNN edges lead to."""
    n_categories = int(membership.max()) + 1
    if n_known == 0 or n_categories <= n_known:
        return membership
    placed = np.flatnonzero(membership >= 0)
    onehot = membership_matrix(membership, n_categories, placed)
    if indices is not None:
        knn = knn_edges(indices)
        adjacency = adjacency + TIE_BREAK * (knn + knn.T)
    links = np.asarray((onehot.T @ adjacency @ onehot).todense(), dtype=np.float64)
    np.fill_diagonal(links, 0.0)
    sizes = np.bincount(membership[placed], minlength=n_categories).astype(np.float64)
    log_sizes = np.log(np.maximum(sizes[:n_known], 1.0))
    smallest_plausible = np.exp(log_sizes.mean() - SMALL_CLASS_DEVIATIONS * log_sizes.std())
    cut = min(share * np.median(sizes[:n_known]), smallest_plausible)
    target = np.arange(n_categories)  # where each category's rows end up
    alive = sizes > 0
    settled = np.arange(n_categories) < n_known  # categories no longer looking for a home
    while True:
        small = np.flatnonzero(alive & ~settled & (sizes < cut))
        if not len(small):
            break
        c = small[np.argmin(sizes[small])]
        pull = np.where(alive, links[c] / np.maximum(sizes, 1.0), 0.0)
        pull[c] = 0.0
        if pull[n_known:].max() > 0:
            pull[:n_known] = 0.0  # a new class's mode: likelier of another new class
        into = int(pull.argmax())
        if pull[into] <= 0:
            settled[c] = True  # linked to nothing: it stays as it is
            continue
        target[target == c] = into
        sizes[into] += sizes[c]
        links[into] += links[c]
        links[:, into] += links[:, c]
        links[into, into] = 0.0
        sizes[c], alive[c] = 0.0, False
    return renumber(np.where(membership >= 0, target[membership], -1), keep=n_known)


def within_share(indices: np.ndarray, membership: np.ndarray) -> float:
    """Share of kNN edges whose two ends are in the same category: how cleanly the graph
    itself separates the categories."""
    return float((membership[indices] == membership[:, None]).mean())


def edge_mean(
    similarities: np.ndarray, values: np.ndarray, counted: np.ndarray | None = None
) -> np.ndarray:
    """Each row's mean of ``values`` (n_rows, k), one per kNN edge, weighted by the edges'
    ``similarities`` (none below 0, and a hair above it so that every row has a mean), over
    the ``counted`` edges only when given; (n_rows,), within the values' range, which
    rounding can overstep (a mean of ones above 1)."""
    weights = np.clip(similarities, 0.0, None) + 1e-6
    if counted is not None:
        weights = weights * counted
    mean = (weights * values).sum(axis=1) / weights.sum(axis=1)
    return np.clip(mean, values.min(), values.max()) if values.size else mean


def confidence(indices: np.ndarray, similarities: np.ndarray, membership: np.ndarray) -> np.ndarray:
    """Per row, the similarity-weighted share of its neighbours in its own category, (n_rows,)."""
    return edge_mean(similarities, membership[indices] == membership[:, None])
