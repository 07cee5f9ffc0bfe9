"""The tree of categories: coarser levels group whole categories, finer levels split them."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from siftkit.discover.hierarchy import (
    MIN_PIECE_SHARE,
    Level,
    build_levels,
    canonical_order,
    coarser_grouping,
    finer_split,
    renumber_levels,
    similar_pieces,
)
from siftkit.discover.refine import renumber


def assert_nested(levels: list[Level]) -> None:
    """Every category of a finer level has exactly one parent in the level above, and all
    its rows sit inside that parent's rows."""
    assert (levels[0].parent == -1).all()
    for upper, lower in zip(levels, levels[1:], strict=False):
        assert lower.parent.shape == (lower.n_categories,)
        assert ((lower.parent >= 0) & (lower.parent < upper.n_categories)).all()
        for c in range(lower.n_categories):
            assert set(upper.membership[lower.membership == c].tolist()) == {lower.parent[c]}


def test_levels_go_coarsest_first_and_nest() -> None:
    chosen = np.repeat([0, 1, 2, 3], 10)
    coarse = np.repeat([0, 1], 20)
    coarse[12] = 1  # one row of category 1 strays; category 1 still goes with category 0
    same_as_chosen = chosen * 7  # groups nothing: left out
    fine = chosen.copy()
    fine[:5] = 9  # category 0 splits in two halves
    fine[39] = 8  # a one-row piece of category 3: too small, it rejoins its sibling
    levels = build_levels(
        chosen, 1.0, coarse=[(0.3, same_as_chosen), (0.1, coarse)], fine=[(1.5, fine)], min_size=3
    )
    assert [level.resolution for level in levels] == [0.1, 1.0, 1.5]
    assert [level.n_categories for level in levels] == [2, 4, 5]
    assert levels[1].membership is chosen  # the chosen level is the caller's own array
    np.testing.assert_array_equal(levels[0].membership, np.repeat([0, 1], 20))
    np.testing.assert_array_equal(levels[1].parent, [0, 0, 1, 1])
    assert_nested(levels)
    halves = levels[2].membership[:10]
    assert len(set(halves[:5].tolist())) == 1 and len(set(halves[5:].tolist())) == 1
    assert halves[0] != halves[5]
    assert levels[2].membership[39] == levels[2].membership[30]


def test_a_finer_partition_that_splits_nothing_is_left_out() -> None:
    chosen = np.repeat([0, 1], 10)
    levels = build_levels(chosen, 1.0, coarse=[], fine=[(2.0, chosen + 3)], min_size=2)
    assert len(levels) == 1
    np.testing.assert_array_equal(levels[0].parent, [-1, -1])


def test_several_coarser_levels_stack_from_finest_to_coarsest() -> None:
    chosen = np.repeat(np.arange(4), 5)
    middle = np.repeat([0, 0, 1, 2], 5)  # groups categories 0 and 1
    top = np.repeat([0, 0, 0, 1], 5)  # groups the first three
    levels = build_levels(chosen, 1.0, coarse=[(0.1, top), (0.5, middle)], fine=[], min_size=1)
    assert [level.n_categories for level in levels] == [2, 3, 4]
    assert [level.resolution for level in levels] == [0.1, 0.5, 1.0]
    assert_nested(levels)


def test_a_level_with_a_single_group_is_left_out() -> None:
    chosen = np.repeat(np.arange(4), 5)
    everything = np.zeros(20, dtype=np.int64)
    levels = build_levels(chosen, 1.0, coarse=[(0.1, everything)], fine=[], min_size=1)
    assert [level.n_categories for level in levels] == [4]


def test_a_category_goes_to_the_group_holding_most_of_its_rows() -> None:
    chosen = np.repeat([0, 1, 2], 4)
    coarse = np.array([5, 5, 5, 7, 7, 7, 5, 7, 5, 5, 5, 7])
    np.testing.assert_array_equal(coarser_grouping(chosen, coarse), [0, 1, 0])


def test_finer_split_merges_small_pieces_into_their_largest_sibling() -> None:
    chosen = np.repeat([0, 1], [20, 10])
    fine = np.concatenate([np.repeat([0, 1, 2], [12, 6, 2]), np.repeat([3, 4], [9, 1])])
    piece, parent = finer_split(chosen, fine, min_size=3)
    # the 2-row piece of category 0 and the 1-row piece of category 1 rejoin the largest
    assert np.bincount(piece).tolist() == [14, 6, 10]
    np.testing.assert_array_equal(parent, [0, 0, 1])
    assert (piece[18:20] == piece[0]).all()
    assert (piece[20:] == 2).all()


def test_finer_split_merges_pieces_under_a_share_of_their_category() -> None:
    chosen = np.zeros(100, dtype=np.int64)
    under = round(100 * MIN_PIECE_SHARE) - 1  # passes min_size, not the share
    piece, parent = finer_split(chosen, np.repeat([0, 1], [100 - under, under]), min_size=3)
    assert (piece == 0).all() and parent.tolist() == [0]
    over = round(100 * MIN_PIECE_SHARE) + 1
    piece, parent = finer_split(chosen, np.repeat([0, 1], [100 - over, over]), min_size=3)
    assert np.bincount(piece).tolist() == [100 - over, over] and parent.tolist() == [0, 0]


def test_finer_split_never_lets_a_piece_cross_categories() -> None:
    chosen = np.repeat([0, 1], 10)
    fine = np.repeat([0, 1], [5, 15])  # community 1 straddles both categories
    piece, parent = finer_split(chosen, fine, min_size=2)
    assert np.bincount(piece).tolist() == [5, 5, 10]
    np.testing.assert_array_equal(parent, [0, 0, 1])


def test_canonical_order_numbers_largest_first_ties_by_smallest_key() -> None:
    membership = np.array([2, 2, 0, 1, 1, 1, 3, 3, 3])
    positions = np.arange(9)
    # sizes: 0 → 1 row, 1 → 3, 2 → 2, 3 → 3; 1 and 3 tie, 1 holds the smaller key
    np.testing.assert_array_equal(canonical_order(membership, positions), [3, 0, 2, 1])
    np.testing.assert_array_equal(canonical_order(membership, -positions), [3, 1, 2, 0])
    keys = np.array(["h", "i", "a", "z", "y", "x", "b", "c", "d"])
    np.testing.assert_array_equal(canonical_order(membership, keys), [3, 1, 2, 0])


def test_canonical_order_keeps_known_codes() -> None:
    membership = np.array([0, 1, 2, 2, 3, 3, 3])
    np.testing.assert_array_equal(canonical_order(membership, np.arange(7), keep=2), [0, 1, 3, 2])


def test_canonical_order_does_not_depend_on_row_order() -> None:
    rng = np.random.default_rng(3)
    membership = rng.integers(0, 6, size=50)
    keys = rng.permutation(1000)[:50]
    order = rng.permutation(50)
    direct = canonical_order(membership, keys)[membership]
    shuffled = canonical_order(membership[order], keys[order])[membership[order]]
    np.testing.assert_array_equal(shuffled, direct[order])


partitions = st.lists(st.integers(0, 5), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_partitions_give_a_nested_tree_renumbered_consistently(data) -> None:
    chosen = renumber(np.asarray(data.draw(partitions), dtype=np.int64))
    n = len(chosen)
    same_length = st.lists(st.integers(0, 5), min_size=n, max_size=n)
    coarse = [(r, np.asarray(data.draw(same_length), dtype=np.int64)) for r in (0.1, 0.3)]
    fine = [(r, np.asarray(data.draw(same_length), dtype=np.int64)) for r in (1.5, 3.0)]
    min_size = data.draw(st.integers(1, 4))
    levels = build_levels(chosen, 1.0, coarse=coarse, fine=fine, min_size=min_size)
    counts = [level.n_categories for level in levels]
    assert counts == sorted(set(counts))
    assert_nested(levels)
    at = next(i for i, level in enumerate(levels) if level.membership is chosen)
    keep = min(2, int(chosen.max()) + 1)
    renumbered = renumber_levels(levels, np.arange(n)[::-1], keep_at=at, keep=keep)
    assert_nested(renumbered)
    for before, after in zip(levels, renumbered, strict=True):
        pairs = set(zip(before.membership.tolist(), after.membership.tolist(), strict=True))
        assert len(pairs) == before.n_categories == after.n_categories  # same grouping
    kept = chosen < keep
    np.testing.assert_array_equal(renumbered[at].membership[kept], chosen[kept])
    for level in renumbered:  # largest first, except the kept codes
        sizes = np.bincount(level.membership)
        free = sizes[keep:] if level is renumbered[at] else sizes
        assert (np.diff(free) <= 0).all()


def templated_rows(rng: np.random.Generator, per_form: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Rows of 4 templates whose variable part comes in 3 forms, as log lines' names,
    numbers and addresses do: each form a tight clump, off its template's direction by a
    third of the way to another template's. Returns the unit rows and each row's template."""
    directions = np.linalg.qr(rng.normal(size=(64, 16)))[0].T  # 16 orthonormal directions
    rows, templates = [], []
    for template in range(4):
        for form in range(3):
            centre = directions[template] + 0.35 * directions[4 + 3 * template + form]
            rows.append(centre + 0.01 * rng.normal(size=(per_form, 64)))
            templates += [template] * per_form
    rows = np.vstack(rows)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True), np.array(templates)


def test_the_graphs_pieces_are_grouped_by_their_means_above_the_coarsest_level() -> None:
    """Templated rows fell apart into their 12 forms and the tree stopped there: no
    resolution groups pieces of the graph that no edge links."""
    from siftkit.discover import CategoryDiscovery

    rows, templates = templated_rows(np.random.default_rng(0))
    model = CategoryDiscovery(random_state=0).fit(rows)
    top = model.levels_[0]
    assert top.resolution == 0.0 and top.n_categories == 4
    assert all(len(np.unique(top.membership[templates == t])) == 1 for t in range(4))
    assert model.levels_[1].n_categories == 12 and model.n_clusters_ == 12
    assert_nested(model.levels_)


def test_pieces_are_left_apart_without_a_clear_gap_between_their_means() -> None:
    """Pieces as far from each other as from anything (12 directions, no templates) or a
    connected graph: nothing to group, the partition comes back as it is."""
    from scipy import sparse as sp

    rng = np.random.default_rng(1)
    directions = np.linalg.qr(rng.normal(size=(32, 12)))[0].T
    rows = np.repeat(directions, 10, axis=0) + 0.01 * rng.normal(size=(120, 32))
    partition = np.repeat(np.arange(12), 10)
    pieces = sp.block_diag([np.ones((10, 10))] * 12, format="csr")
    assert (similar_pieces(partition, pieces, rows) == partition).all()
    connected = sp.csr_matrix(np.ones((120, 120)))
    assert (similar_pieces(partition, connected, rows) == partition).all()
