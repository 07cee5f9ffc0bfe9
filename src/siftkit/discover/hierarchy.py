"""A tree of categories: coarser and finer partitions made to nest around the chosen one.

Each level is a partition of the rows. A coarser level groups whole categories of the
chosen level (each goes where most of its rows went in the coarser partition); a finer
level splits categories of the chosen level (each piece is its rows in one finer
community; pieces below the minimum size rejoin their largest sibling).

Where the graph falls apart into pieces no neighbour links (templated texts: log lines whose
variable parts come in a few forms), no resolution groups them; above the coarsest level,
:func:`similar_pieces` groups the pieces by their mean vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse.csgraph import connected_components

from siftkit.discover.refine import category_sums, membership_matrix, renumber

#: A finer level's piece must hold at least this share of its parent category.
MIN_PIECE_SHARE = 0.25
#: The graph's pieces are grouped where the next merge of their means is at least this many
#: times as far (cosine distance, average linkage) as the last one within a group.
PIECES_GAP = 2.0


@dataclass(frozen=True)
class Level:
    """One level of the tree: ``membership`` per row and, per category, its ``parent`` in
    the next coarser level (-1 at the top)."""

    resolution: float
    membership: np.ndarray
    parent: np.ndarray

    @property
    def n_categories(self) -> int:
        return int(self.membership.max()) + 1 if len(self.membership) else 0


def _contingency(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return sp.csr_matrix(
        (np.ones(len(a)), (a, b)), shape=(int(a.max()) + 1, int(b.max()) + 1)
    ).toarray()


def coarser_grouping(chosen: np.ndarray, coarse: np.ndarray) -> np.ndarray:
    """Per category of ``chosen``, its group in ``coarse`` (the one holding most of its
    rows), renumbered 0..n_groups-1."""
    return renumber(_contingency(chosen, coarse).argmax(axis=1))


def similar_pieces(
    partition: np.ndarray, adjacency: sp.spmatrix, vectors: np.ndarray
) -> np.ndarray:
    """``partition`` (per row) grouped by the pieces of the graph ``adjacency``: each group
    of ``partition`` in one piece (groups no edge links), and the pieces grouped by their
    rows' mean ``vectors`` (unit rows), average linkage cut at its largest gap if the merge
    above is at least ``PIECES_GAP`` times as far as the one below. Per row; ``partition``
    itself where nothing groups (fewer than three pieces, or no such gap).

    With four templates of log lines whose names, numbers and addresses fall apart in the
    graph, the 17 pieces' merges run 0.09-0.30, then 0.74: the four templates."""
    n_groups = int(partition.max()) + 1
    onehot = membership_matrix(partition, n_groups)
    n_pieces, piece = connected_components(onehot.T @ adjacency @ onehot, directed=False)
    if n_pieces < 3:
        return partition
    means = category_sums(vectors, piece[partition], n_pieces)
    norms = np.linalg.norm(means, axis=1)
    compared = np.flatnonzero(norms > 0)  # a piece of rows without content stays apart
    if len(compared) < 3:
        return partition
    heights = linkage(means[compared] / norms[compared, None], method="average", metric="cosine")
    gaps = np.diff(heights[:, 2])
    last = int(np.argmax(gaps))
    if heights[last + 1, 2] < PIECES_GAP * heights[last, 2]:
        return partition
    grouped = np.arange(n_pieces) + n_pieces
    grouped[compared] = fcluster(heights, len(compared) - (last + 1), criterion="maxclust")
    return renumber(grouped[piece[partition]])


def finer_split(
    chosen: np.ndarray, fine: np.ndarray, min_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Rows split by (chosen category, fine community); returns the per-row piece and
    per piece its chosen category. Pieces under ``min_size`` rows or under
    ``MIN_PIECE_SHARE`` of their category rejoin the largest piece of their category."""
    pairs = chosen.astype(np.int64) * (int(fine.max()) + 1) + fine
    _, piece = np.unique(pairs, return_inverse=True)
    sizes = np.bincount(piece)
    parent = np.zeros(len(sizes), dtype=np.int64)
    parent[piece] = chosen
    largest = np.full(int(chosen.max()) + 1, -1, dtype=np.int64)
    for p in np.argsort(sizes, kind="stable"):  # ascending: the largest is written last
        largest[parent[p]] = p
    parent_sizes = np.bincount(chosen)[parent]
    small = (sizes < min_size) | (sizes < MIN_PIECE_SHARE * parent_sizes)
    target = np.where(small, largest[parent], np.arange(len(sizes)))
    piece = renumber(target[piece])
    parent_of = np.zeros(int(piece.max()) + 1, dtype=np.int64)
    parent_of[piece] = chosen
    return piece, parent_of


def build_levels(
    chosen: np.ndarray,
    chosen_resolution: float,
    coarse: list[tuple[float, np.ndarray]],
    fine: list[tuple[float, np.ndarray]],
    min_size: int,
) -> list[Level]:
    """Levels from coarsest to finest, nested around ``chosen``. ``coarse`` and ``fine``
    hold (resolution, partition) pairs. A level that groups (or splits) nothing is left
    out."""
    # upward: each coarser partition groups the categories of the level below it
    memberships, groupings, resolutions = [chosen], [], [chosen_resolution]
    for resolution, partition in sorted(coarse, key=lambda item: -item[0]):
        grouping = coarser_grouping(memberships[-1], partition)
        if 0 < grouping.max() < memberships[-1].max():  # a single group says nothing
            groupings.append(grouping)
            memberships.append(grouping[memberships[-1]])
            resolutions.append(resolution)
    levels = []
    for i in reversed(range(len(memberships))):
        n_categories = int(memberships[i].max()) + 1
        parent = groupings[i] if i < len(groupings) else np.full(n_categories, -1)
        levels.append(Level(resolutions[i], memberships[i], parent))
    # downward: each finer partition splits the categories of the level above it
    for resolution, partition in sorted(fine, key=lambda item: item[0]):
        piece, parent = finer_split(levels[-1].membership, partition, min_size)
        if piece.max() > levels[-1].membership.max():
            levels.append(Level(resolution, piece, parent))
    return levels


def canonical_order(
    membership: np.ndarray, keys: np.ndarray, keep: int = 0, counted: np.ndarray | None = None
) -> np.ndarray:
    """New number of each category: largest first, equal sizes by their smallest row
    key, so numbering does not depend on row order. Codes below ``keep`` (known
    classes) keep their numbers. Only ``counted`` rows (all by default) count: rows
    without content, placed by tied neighbours, must not decide the numbers."""
    n = int(membership.max()) + 1
    counted = np.ones(len(membership), dtype=bool) if counted is None else counted
    sizes = np.bincount(membership[counted], minlength=n)
    first = np.full(n, len(keys), dtype=np.int64)
    rank = np.argsort(np.argsort(keys, kind="stable"), kind="stable")  # keys as 0..n-1
    np.minimum.at(first, membership[counted], rank[counted])
    free = np.arange(keep, n)
    order = free[np.lexsort((first[free], -sizes[free]))]
    mapping = np.arange(n)
    mapping[order] = keep + np.arange(len(order))
    return mapping


def renumber_levels(
    levels: list[Level],
    keys: np.ndarray,
    keep_at: int,
    keep: int,
    counted: np.ndarray | None = None,
) -> list[Level]:
    """Every level numbered by :func:`canonical_order` (over the ``counted`` rows),
    parents following their level; the level at ``keep_at`` keeps codes below ``keep``."""
    mappings = [canonical_order(level.membership, keys, keep if i == keep_at else 0, counted)
                for i, level in enumerate(levels)]  # fmt: skip
    out = []
    for i, level in enumerate(levels):
        parent = np.full(len(level.parent), -1, dtype=np.int64)
        if i > 0:
            parent[mappings[i]] = mappings[i - 1][level.parent]
        out.append(Level(level.resolution, mappings[i][level.membership], parent))
    return out
