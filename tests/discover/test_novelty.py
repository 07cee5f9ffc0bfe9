"""Novel rows: unlabeled rows with few labeled neighbours, and their return to known classes."""

from __future__ import annotations

import numpy as np

from siftkit.discover.novelty import (
    KNOWN_MAJORITY,
    labeled_neighbor_counts,
    novel_count_limit,
    novel_rows,
    regroup_novel,
    return_to_known,
)


def test_labeled_neighbor_counts_by_hand() -> None:
    indices = np.array([[1, 2], [0, 2], [0, 1], [0, 1]])
    labeled = np.array([True, False, False, True])
    assert labeled_neighbor_counts(indices, labeled).tolist() == [0, 1, 1, 1]


def test_the_limit_is_where_rows_of_new_classes_outnumber_known_ones_by_hand() -> None:
    """Labeled rows: 10 with count 0, 10 with 1, 20 with 2, 20 with 3, 40 with 4, 40 with 5
    (median 4). Unlabeled rows: the known classes' as many as the labeled ones, plus those
    of new classes: 50 at count 0, 30 at 1, 25 at 2, 5 at 3, 2 at 5 (counted as known where
    rho is read: rho = 82 / 80)."""
    labeled_counts = np.repeat([0, 1, 2, 3, 4, 5], [10, 10, 20, 20, 40, 40])
    unlabeled_counts = np.concatenate(
        [labeled_counts, np.repeat([0, 1, 2, 3, 5], [50, 30, 25, 5, 2])]
    )
    counts = np.concatenate([labeled_counts, unlabeled_counts])
    labeled = np.arange(len(counts)) < len(labeled_counts)
    # count 2: 45 unlabeled rows, 21.5 of them known by the estimate (rho times the 20
    # labeled rows and one), 23.5 new; count 3: 25 rows, 21.5 known
    assert novel_count_limit(counts, labeled, 5, odds=1.0) == 2
    # at odds 2 count 1 (40 rows, 11.3 known: 2.5 to 1) passes, count 2 (1.1 to 1) not
    assert novel_count_limit(counts, labeled, 5, odds=2.0) == 1
    assert novel_count_limit(counts, labeled, 5, odds=10.0) == -1
    # a count no unlabeled row has does not end the run of novel counts
    gap = ~labeled & (counts == 1)
    assert novel_count_limit(counts[~gap], labeled[~gap], 5, odds=1.0) == 2


def ring_neighbours(rows: np.ndarray, k: int) -> np.ndarray:
    """Each of ``rows`` with the next ``k`` of them (round the ring) as its neighbours."""
    at = np.arange(len(rows))
    return rows[(at[:, None] + np.arange(1, k + 1)[None, :]) % len(rows)]


def test_novel_rows_have_fewer_labeled_neighbours_than_labeled_rows() -> None:
    # rows 0-19: a known class, every other row labeled; rows 20-29: nobody labeled them
    indices = np.vstack([ring_neighbours(np.arange(20), 9), ring_neighbours(np.arange(20, 30), 9)])
    labeled = np.arange(30) % 2 == 0
    labeled[20:] = False
    novel = novel_rows(indices, labeled, odds=1.0)
    assert novel.tolist() == [False] * 20 + [True] * 10
    assert not novel_rows(indices, np.zeros(30, dtype=bool), odds=1.0).any()
    assert not novel_rows(indices, labeled, odds=None).any()
    # rows left out of the count (without content) are never novel
    among = np.arange(30) != 25
    assert novel_rows(indices, labeled, odds=1.0, among=among).tolist() == (
        [False] * 20 + [True] * 5 + [False] + [True] * 4
    )


def test_no_labeled_neighbour_is_no_sign_of_novelty_when_labels_are_few() -> None:
    # the same rows, one known row in 10 labeled: most rows of the known class have no
    # labeled neighbour either, so having none says nothing
    indices = np.vstack([ring_neighbours(np.arange(20), 9), ring_neighbours(np.arange(20, 30), 9)])
    labeled = np.zeros(30, dtype=bool)
    labeled[[0, 10]] = True
    assert not novel_rows(indices, labeled, odds=1.0).any()
    # with only three neighbours, a row of the known class lacks a labeled one as often
    few = np.vstack([ring_neighbours(np.arange(20), 3), ring_neighbours(np.arange(20, 30), 3)])
    every_fourth = (np.arange(30) % 4 == 0) & (np.arange(30) < 20)
    assert not novel_rows(few, every_fourth, odds=1.0)[:20].any()


def test_a_novel_row_inside_a_known_class_returns_to_it() -> None:
    # row 0 is novel but 8 of its 10 neighbours are in known class 1: it returns; row 1 is
    # novel with half its neighbours in class 1 and half in new category 2: it stays
    membership = np.array([2, 2] + [1] * 10 + [2] * 10)
    indices = np.array(
        [list(range(2, 10)) + [12, 13], list(range(2, 7)) + list(range(12, 17))]
        + [list(range(2, 12))] * 10
        + [list(range(12, 22))] * 10
    )
    novel = np.zeros(len(membership), dtype=bool)
    novel[:2] = True
    out = return_to_known(indices, membership, novel, n_known=2)
    assert out[:2].tolist() == [1, 2]
    assert 0.5 < KNOWN_MAJORITY <= 0.8
    np.testing.assert_array_equal(out[2:], membership[2:])


def test_returns_repeat_as_neighbourhoods_change() -> None:
    # row 0 returns first; then row 1, three of whose five neighbours were in class 0 and
    # row 0 a fourth, follows; row 8 (new, not novel) stays
    membership = np.array([1, 1] + [0] * 6 + [1])
    indices = np.array([[2, 3, 4, 5, 6], [0, 2, 3, 4, 8], *[[2, 3, 4, 5, 6]] * 7])
    novel = np.array([True, True] + [False] * 7)
    out = return_to_known(indices, membership, novel, n_known=1)
    assert out[:2].tolist() == [0, 0]
    assert out[8] == 1


def test_novel_rows_in_known_categories_regroup_as_they_would_without_labels() -> None:
    # categories 0, 1 known; 2 new. Rows 0-3 novel in known category 0: rows 0-1 group
    # without labels with rows of new category 2 (2 stay there, >= half of 2 moving),
    # rows 2-3 with no new category's rows: a category of their own
    membership = np.array([0, 0, 0, 0, 0, 1, 2, 2])
    novel = np.array([1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
    grouping = np.array([7, 7, 8, 8, 8, 9, 7, 7])
    out = regroup_novel(membership, novel, grouping, n_known=2)
    np.testing.assert_array_equal(out, [2, 2, 3, 3, 0, 1, 2, 2])


def test_novel_rows_in_new_categories_stay() -> None:
    membership = np.array([0, 1, 2, 2])
    novel = np.array([0, 0, 1, 1], dtype=bool)
    out = regroup_novel(membership, novel, np.array([0, 0, 0, 0]), n_known=2)
    np.testing.assert_array_equal(out, membership)
