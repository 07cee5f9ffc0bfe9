"""From communities to categories: renumbering, crumbs, prototype refinement, confidence."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from siftkit.discover.refine import (
    absorb_small,
    confidence,
    fold_small,
    merge_undersized,
    prototypes,
    refine_by_prototypes,
    renumber,
    within_share,
)


def test_renumber_makes_codes_dense_and_keeps_known_ones() -> None:
    assert renumber(np.array([5, 5, 2, -1, 7])).tolist() == [1, 1, 0, -1, 2]
    assert renumber(np.array([1, 6, 0, 6, 9]), keep=2).tolist() == [1, 2, 0, 2, 3]


def chain_neighbors(membership: np.ndarray) -> np.ndarray:
    """Each row's 2 neighbours: the other rows of its own category (first two)."""
    out = []
    for row, c in enumerate(membership):
        same = [r for r in np.flatnonzero(membership == c) if r != row]
        out.append((same + [row, row])[:2])
    return np.array(out)


def test_absorb_small_moves_crumbs_to_their_neighbours_category() -> None:
    membership = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2])
    indices = chain_neighbors(membership)
    indices[8] = [4, 5]  # the crumb's rows point into category 1
    indices[9] = [6, 8]
    out = absorb_small(membership, indices, min_size=3)
    assert out.tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]


def test_absorb_small_never_dissolves_known_classes_or_moves_pinned_rows() -> None:
    membership = np.array([0, 1, 1, 1, 1, 2, 2, 2, 2, 3])
    indices = chain_neighbors(membership)
    indices[0] = [1, 2]  # the one-row known class 0 has neighbours in class 1
    indices[9] = [5, 6]  # the one-row free category 3 has neighbours in category 2
    out = absorb_small(membership, indices, min_size=3, keep=1)
    assert out[0] == 0  # a known class stays, however small
    assert out[9] == 2
    pinned = np.full(10, -1)
    pinned[9] = 3
    out = absorb_small(membership, indices, min_size=3, pinned=pinned, keep=1)
    assert out[9] == 3  # a pinned row does not move


def test_crumbs_among_crumbs_fold_into_each_other_until_full_size() -> None:
    """At a fine resolution every category may be a crumb, none a home to join: they fold
    into the category they share the most edges with, smallest first, so the folds chain."""
    membership = np.array([0, 0, 1, 1, 2, 3, 3, 3])
    indices = np.array([[1, 2], [0, 3], [3, 0], [2, 1], [5, 6], [6, 4], [7, 5], [5, 6]])
    out = absorb_small(membership, indices, min_size=3)
    assert out.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]  # 0+1 (4 rows), 2 into 3
    assert np.bincount(out).min() >= 3
    # a known class, a category of pinned rows and one linked to nothing are never folded
    assert fold_small(membership, indices, 3, keep=1)[:2].tolist() == [0, 0]
    pinned = np.array([-1, -1, -1, -1, 2, -1, -1, -1])
    assert fold_small(membership, indices, 3, pinned=pinned)[4] == 2
    alone = np.array([[0, 0], [1, 1]])
    assert fold_small(np.array([0, 1]), alone, 3).tolist() == [0, 1]


def test_prototypes_are_unit_mean_vectors() -> None:
    vectors = np.array([[1, 0], [0, 1], [3, 0]], dtype=np.float32)
    centers = prototypes(vectors, np.array([0, 0, 1]), 2)
    np.testing.assert_allclose(centers, [[0.7071068, 0.7071068], [1.0, 0.0]], rtol=1e-6)


def test_refinement_moves_a_row_to_the_prototype_it_resembles() -> None:
    angles = np.concatenate([np.linspace(0.0, 0.3, 5), np.linspace(1.3, 1.57, 5)])
    vectors = np.column_stack([np.cos(angles), np.sin(angles)]).astype(np.float32)
    membership = np.repeat([0, 1], 5)
    membership[1] = 1  # row 1 lies with category 0 but starts in category 1
    indices = np.array([[(r + 1) % 10, (r + 2) % 10] for r in range(10)])
    out = refine_by_prototypes(vectors, indices, membership, smoothness=0.1)
    assert out.tolist() == [0] * 5 + [1] * 5


def test_a_pinned_category_stays_where_its_pinned_rows_are() -> None:
    """The pinned rows are a sample of their class: their category's prototype is their
    mean, not drawn away by the rows the category gathers. Row 1, pinned to category 1,
    takes its neighbours along; the rows category 1 started with form the other one."""
    angles = np.concatenate([np.linspace(0.0, 0.3, 5), np.linspace(1.3, 1.57, 5)])
    vectors = np.column_stack([np.cos(angles), np.sin(angles)]).astype(np.float32)
    membership = np.repeat([0, 1], 5)
    membership[1] = 1
    indices = np.array([[(r + 1) % 10, (r + 2) % 10] for r in range(10)])
    pinned = np.full(10, -1)
    pinned[1] = 1
    out = refine_by_prototypes(vectors, indices, membership, smoothness=0.1, pinned=pinned)
    assert out.tolist() == [1] * 5 + [0] * 5
    # a pinned category swollen by another class's rows does not keep them: category 0,
    # pinned by rows 0 and 2, starts holding every row; rows 5-9 leave it for category 1
    pinned = np.full(10, -1)
    pinned[[0, 2]] = 0
    pinned[9] = 1
    start = np.zeros(10, dtype=np.int64)
    start[9] = 1
    out = refine_by_prototypes(vectors, indices, start, smoothness=0.1, pinned=pinned)
    assert out.tolist() == [0] * 5 + [1] * 5


def test_within_share_and_confidence_by_hand() -> None:
    membership = np.array([0, 0, 1, 1])
    indices = np.array([[1, 2], [0, 3], [3, 0], [2, 1]])
    assert within_share(indices, membership) == 0.5
    similarities = np.array([[0.9, 0.1], [0.5, 0.5], [1.0, 0.0], [0.2, -0.4]])
    got = confidence(indices, similarities, membership)
    assert got[0] == pytest.approx(0.9 / 1.0, abs=1e-5)
    assert got[1] == pytest.approx(0.5, abs=1e-5)
    assert got[2] == pytest.approx(1.0, abs=1e-5)
    assert got[3] == pytest.approx(1.0, abs=1e-4)  # negative similarity counts as none
    assert ((got >= 0) & (got <= 1)).all()


def block_adjacency(membership: np.ndarray, links: dict[tuple[int, int], float]) -> sp.csr_matrix:
    """Rows of one category fully linked (weight 1); ``links[(a, b)]`` links every row of
    category ``a`` to every row of ``b`` with that weight."""
    same = (membership[:, None] == membership[None, :]).astype(float)
    for (a, b), weight in links.items():
        pair = np.outer(membership == a, membership == b) * weight
        same += pair + pair.T
    np.fill_diagonal(same, 0.0)
    return sp.csr_matrix(same)


def test_merge_undersized_folds_small_new_categories_into_their_strongest_link() -> None:
    # known 0, 1 (20 rows each); new 2 (20 rows), 3 and 4 (5 and 4 rows: modes of 2); the
    # cut is half the known median, 10 rows: 4 joins 3 (its strongest link), then 3 (9 rows) 2
    membership = np.repeat([0, 1, 2, 3, 4], [20, 20, 20, 5, 4])
    adjacency = block_adjacency(membership, {(3, 2): 0.5, (4, 3): 0.4, (4, 1): 0.05, (3, 0): 0.05})
    out = merge_undersized(membership, adjacency, n_known=2, share=0.5)
    assert out.tolist() == np.repeat([0, 1, 2], [20, 20, 29]).tolist()


def test_merge_undersized_follows_knn_edges_where_no_shared_neighbour_links() -> None:
    # new category 3 (4 rows) has no weight in the shared-neighbour graph, only kNN edges:
    # three of its rows point into category 2, one into 1
    membership = np.repeat([0, 1, 2, 3], [20, 20, 20, 4])
    adjacency = block_adjacency(membership, {})
    indices = np.tile(np.arange(1, 3), (len(membership), 1))  # rows of category 0
    indices[60:64] = [[40, 61], [41, 60], [42, 63], [20, 62]]
    assert merge_undersized(membership, adjacency, 2, 0.5).tolist() == membership.tolist()
    out = merge_undersized(membership, adjacency, 2, 0.5, indices)
    assert out.tolist() == np.repeat([0, 1, 2], [20, 20, 24]).tolist()


def test_merge_undersized_leaves_known_and_large_categories_alone() -> None:
    membership = np.repeat([0, 1, 2, 3], [20, 4, 20, 12])  # a small known class stays
    adjacency = block_adjacency(membership, {(3, 2): 0.5, (1, 0): 0.5})
    assert merge_undersized(membership, adjacency, n_known=2, share=0.5).tolist() == (
        membership.tolist()
    )
    assert merge_undersized(membership, adjacency, n_known=0, share=0.5) is membership
    unplaced = np.repeat([0, 1, 2, 3, -1], [20, 20, 20, 4, 2])
    adjacency = block_adjacency(unplaced, {(3, 2): 0.5})
    assert merge_undersized(unplaced, adjacency, 2, 0.5).tolist() == (
        np.repeat([0, 1, 2, -1], [20, 20, 24, 2]).tolist()
    )
    lonely = np.repeat([0, 1, 2], [20, 20, 3])  # linked to nothing: kept
    assert merge_undersized(lonely, block_adjacency(lonely, {}), 2, 0.5).tolist() == (
        lonely.tolist()
    )


def test_merge_undersized_prefers_a_new_category_to_a_known_one() -> None:
    # new 3 (5 rows) is linked more to known 0 than to new 2, yet joins 2: a mode of a new
    # class; new 4 (4 rows) is linked to known 1 only, and joins it
    membership = np.repeat([0, 1, 2, 3, 4], [20, 20, 20, 5, 4])
    adjacency = block_adjacency(membership, {(3, 0): 0.9, (3, 2): 0.1, (4, 1): 0.5})
    out = merge_undersized(membership, adjacency, n_known=2, share=0.5)
    assert out.tolist() == np.repeat([0, 1, 2, 2, 1], [20, 20, 20, 5, 4]).tolist()


def test_merge_undersized_keeps_small_new_categories_when_known_classes_vary_in_size() -> None:
    # known classes of 60, 60 and 8 rows: a new category of 10 rows is under half their median
    # (30) yet larger than a known class, so a class of its own; with known classes of 60, 60
    # and 60 rows it is a mode and joins the new category it is linked with
    links = {(4, 3): 0.5}
    varied = np.repeat([0, 1, 2, 3, 4], [60, 60, 8, 40, 10])
    out = merge_undersized(varied, block_adjacency(varied, links), n_known=3, share=0.5)
    assert out.tolist() == varied.tolist()
    even = np.repeat([0, 1, 2, 3, 4], [60, 60, 60, 40, 10])
    out = merge_undersized(even, block_adjacency(even, links), n_known=3, share=0.5)
    assert out.tolist() == np.repeat([0, 1, 2, 3], [60, 60, 60, 50]).tolist()
