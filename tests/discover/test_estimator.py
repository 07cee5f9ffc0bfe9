"""``CategoryDiscovery``: how many categories, which rows, numbered how, guided by labels."""

from __future__ import annotations

import numpy as np
import pytest
from discovery_data import blobs, few_pins_and_a_piece, nested_blobs, same_partition
from sklearn.metrics import adjusted_rand_score, v_measure_score

from siftkit.discover import CategoryDiscovery, partial_labels
from siftkit.exceptions import (
    HintNotMetWarning,
    InvalidParameterError,
    NotFittedError,
    ShrunkNeighborsWarning,
)


@pytest.fixture(scope="module")
def six_blobs() -> tuple[np.ndarray, np.ndarray]:
    return blobs()


# --- the number of categories -------------------------------------------------------------


def test_finds_the_blobs_without_being_told_how_many(six_blobs) -> None:
    X, truth = six_blobs
    model = CategoryDiscovery().fit(X)
    assert model.n_clusters_ == 6
    assert v_measure_score(truth, model.labels_) > 0.99
    assert adjusted_rand_score(truth, model.labels_) > 0.99
    assert (model.labels_ >= 0).all()
    assert model.labels_.shape == (len(X),)
    assert ((model.confidence_ >= 0) & (model.confidence_ <= 1)).all()
    assert model.confidence_.shape == (len(X),)
    # one unit-length prototype per category, pointing at its blob's axis
    assert model.cluster_centers_.shape == (6, 20)
    np.testing.assert_allclose(np.linalg.norm(model.cluster_centers_, axis=1), 1.0, rtol=1e-5)
    for c in range(6):
        blob = np.bincount(truth[model.labels_ == c]).argmax()
        assert model.cluster_centers_[c].argmax() == blob
    assert model.levels_[model.chosen_level_].n_categories == 6
    assert model.classes_ is None
    assert model.is_new_.tolist() == [True] * 6  # no known classes: every category is new


def test_a_hint_at_the_true_count_keeps_the_blobs(six_blobs) -> None:
    X, truth = six_blobs
    model = CategoryDiscovery(n_clusters=6).fit(X)
    assert model.n_clusters_ == 6
    assert v_measure_score(truth, model.labels_) > 0.99


@pytest.mark.parametrize("hint", [(8, 10), (10, 12), (12, 15)])
def test_a_range_forces_finer_categories_inside_it(six_blobs, hint) -> None:
    X, truth = six_blobs
    model = CategoryDiscovery(n_clusters=hint, min_cluster_size=5).fit(X)
    low, high = hint
    assert low <= model.n_clusters_ <= high
    assert model.resolution_ > 0.5  # more categories came from a higher resolution
    # blobs are split, never mixed: every category lies inside one blob
    for c in range(model.n_clusters_):
        assert len(np.unique(truth[model.labels_ == c])) == 1
    assert np.bincount(model.labels_).min() >= 5


def test_an_int_hint_steers_to_more_categories(six_blobs) -> None:
    X, _ = six_blobs
    model = CategoryDiscovery(n_clusters=12).fit(X)
    assert 9 <= model.n_clusters_ <= 15
    assert (model.labels_ >= 0).all()


def test_a_hint_never_merges_blobs_the_graph_keeps_apart(six_blobs) -> None:
    X, truth = six_blobs
    with pytest.warns(HintNotMetWarning, match="Asked for 2-4 categories, found 6"):
        model = CategoryDiscovery(n_clusters=(2, 4)).fit(X)
    assert model.n_clusters_ == 6  # the closest it can get; merging would mix blobs
    assert v_measure_score(truth, model.labels_) > 0.99


def test_no_category_is_smaller_than_min_cluster_size() -> None:
    X, _ = blobs(seed=1)
    for hint in (None, (8, 10), 12):
        model = CategoryDiscovery(n_clusters=hint, min_cluster_size=8).fit(X)
        assert np.bincount(model.labels_).min() >= 8, hint
    with pytest.warns(HintNotMetWarning, match="Asked for about 40 categories, found"):
        model = CategoryDiscovery(n_clusters=40, min_cluster_size=8).fit(X)
    assert np.bincount(model.labels_).min() >= 8
    for resolution in (5.0, 50.0):  # fine enough to cut every category into crumbs
        model = CategoryDiscovery(resolution=resolution, min_cluster_size=8).fit(X)
        assert np.bincount(model.labels_).min() >= 8, resolution


@pytest.mark.parametrize(
    "n_clusters", [0, -3, (5, 2), (0, 4), (1, 2, 3), (1.5, 3), "x", "3-x", "5-2", True, 2.5]
)
def test_invalid_n_clusters_is_refused(six_blobs, n_clusters) -> None:
    X, _ = six_blobs
    with pytest.raises(InvalidParameterError, match="n_clusters"):
        CategoryDiscovery(n_clusters=n_clusters).fit(X)


def test_a_hint_as_text_is_the_command_lines_and_taken(six_blobs) -> None:
    X, _ = six_blobs
    assert CategoryDiscovery(n_clusters="6").fit(X).n_clusters_ == 6
    assert CategoryDiscovery(n_clusters=" 4-8 ").fit(X).n_clusters_ == 6


@pytest.mark.parametrize(
    "params",
    [
        {"resolution": 0.0},
        {"n_neighbors": 0},
        {"min_cluster_size": 0},
        {"refine": "yes"},
        {"min_confidence": 1.5},
        {"novel_odds": -0.1},
        {"level_factors": (0.5, 1.0)},
        {"level_factors": (-2.0,)},
    ],
)
def test_invalid_parameters_are_refused_naming_the_parameter(six_blobs, params) -> None:
    X, _ = six_blobs
    with pytest.raises(InvalidParameterError, match=next(iter(params))):
        CategoryDiscovery(**params).fit(X)


def test_numpy_integer_hints_are_accepted(six_blobs) -> None:
    X, _ = six_blobs
    model = CategoryDiscovery(n_clusters=(np.int64(6), np.int32(7))).fit(X)
    assert 6 <= model.n_clusters_ <= 7


def test_x_of_the_wrong_shape_is_refused() -> None:
    for X in (np.ones(5), np.zeros((0, 4))):
        with pytest.raises(InvalidParameterError, match=r"\(n_rows, n_dims\)"):
            CategoryDiscovery().fit(X)


def test_set_params_and_not_fitted() -> None:
    model = CategoryDiscovery()
    assert model.set_params(n_clusters=4) is model and model.get_params()["n_clusters"] == 4
    with pytest.raises(InvalidParameterError, match="no parameter 'k'"):
        model.set_params(k=3)
    with pytest.raises(NotFittedError, match="call fit"):
        model.is_new_  # noqa: B018


# --- rows without a category ----------------------------------------------------------------


def test_min_confidence_abstains_on_rows_between_blobs(six_blobs) -> None:
    X, _ = six_blobs
    between = (X[:8] + X[60:68]) / 2  # halfway between blob 0 and blob 1
    both = np.concatenate([X, between])
    everyone = CategoryDiscovery().fit(both)
    assert (everyone.labels_ >= 0).all()
    model = CategoryDiscovery(min_confidence=0.9).fit(both)
    np.testing.assert_array_equal(model.labels_ == -1, model.confidence_ < 0.9)
    assert (model.labels_[-8:] == -1).sum() >= 4  # border rows are the unsure ones
    assert (model.labels_[:-8] >= 0).mean() > 0.95
    kept = model.labels_ >= 0  # the rows it keeps are where they were without a threshold
    np.testing.assert_array_equal(model.labels_[kept], everyone.labels_[kept])
    assert model.n_clusters_ == everyone.n_clusters_ == 6


def test_rows_without_content_get_no_category(six_blobs) -> None:
    X, truth = six_blobs
    X = X.copy()
    X[[3, 100]] = 0.0  # zero vectors
    X[200, 5] = np.nan
    X[250] = np.inf
    model = CategoryDiscovery().fit(X)
    empty = np.isin(np.arange(len(X)), [3, 100, 200, 250])
    assert (model.labels_[empty] == -1).all()
    assert (model.confidence_[empty] == 0.0).all()
    assert np.isfinite(model.cluster_centers_).all()
    assert model.n_clusters_ == 6
    assert v_measure_score(truth[~empty], model.labels_[~empty]) > 0.99


def test_a_single_row_is_one_category() -> None:
    with pytest.warns(ShrunkNeighborsWarning):
        model = CategoryDiscovery().fit(np.ones((1, 4)))
    assert model.labels_.tolist() == [0]
    assert model.n_clusters_ == 1
    assert model.confidence_.tolist() == [1.0]
    assert len(model.levels_) == 1 and model.chosen_level_ == 0
    with pytest.warns(ShrunkNeighborsWarning):
        model = CategoryDiscovery().fit(np.ones((1, 4)), ["cat"])
    assert model.labels_.tolist() == [0] and model.classes_.tolist() == ["cat"]


# --- semi-supervised ------------------------------------------------------------------------


def partly_labeled(truth: np.ndarray, known: int, share: float, seed: int = 0) -> np.ndarray:
    """Class names for a ``share`` of the rows of the first ``known`` blobs; None elsewhere."""
    names = np.array(["ant", "bee", "cow", "dog", "eel", "fox"], dtype=object)
    labeled = (truth < known) & (np.random.default_rng(seed).random(len(truth)) < share)
    return np.where(labeled, names[truth], None)


def test_known_classes_keep_their_codes_and_hidden_blobs_are_new(six_blobs) -> None:
    X, truth = six_blobs
    y = partly_labeled(truth, known=4, share=0.3)
    model = CategoryDiscovery().fit(X, y)
    assert model.classes_.tolist() == ["ant", "bee", "cow", "dog"]
    assert model.n_clusters_ == 6
    labeled = y != None  # noqa: E711
    expected = partial_labels(y, len(y)).codes
    np.testing.assert_array_equal(model.labels_[labeled], expected[labeled])
    for blob in range(4):  # the unlabeled rows of a known blob join its class
        assert (model.labels_[truth == blob] == blob).all()
    new = {int(np.unique(model.labels_[truth == blob]).item()) for blob in (4, 5)}
    assert new == {4, 5}
    assert model.is_new_.tolist() == [False] * 4 + [True] * 2
    assert v_measure_score(truth, model.labels_) > 0.99


def test_a_hidden_class_beside_a_known_one_is_not_swallowed_by_it() -> None:
    # blob 1, which nobody labeled, sits next to blob 0; pinned partitioning alone folds it
    # into blob 0's class, its rows' lack of labeled neighbours sets it apart
    rng = np.random.default_rng(0)
    axes = np.eye(20)
    centres = [axes[0], axes[0] + 0.4 * axes[1], axes[2], axes[3]]
    X = np.vstack([c + 0.15 * rng.normal(size=(100, 20)) for c in centres]).astype(np.float32)
    truth = np.repeat(np.arange(4), 100)
    labeled = (truth != 1) & (rng.random(len(truth)) < 0.5)
    y = np.where(labeled, truth, -1)
    apart = CategoryDiscovery().fit(X, y)
    assert apart.n_clusters_ == 4 and apart.is_new_.tolist() == [False] * 3 + [True]
    assert (apart.labels_[truth == 1] == 3).mean() > 0.6
    swallowed = CategoryDiscovery(novel_odds=None).fit(X, y)
    assert swallowed.n_clusters_ == 3
    assert (
        adjusted_rand_score(truth, apart.labels_)
        > adjusted_rand_score(truth, swallowed.labels_) + 0.05
    )


def test_a_new_category_far_smaller_than_the_known_ones_joins_its_neighbour(six_blobs) -> None:
    X, truth = six_blobs
    keep = (truth != 5) | (np.arange(len(truth)) % 5 == 0)  # blob 5: 12 rows
    X, truth = X[keep], truth[keep]
    y = partly_labeled(truth, known=4, share=0.3)
    merged = CategoryDiscovery().fit(X, y)  # blob 5 is under half a known class
    assert merged.n_clusters_ == 5
    kept = CategoryDiscovery(min_new_share=0.0).fit(X, y)  # new classes may be rare
    assert kept.n_clusters_ == 6
    assert len(np.unique(kept.labels_[truth == 5])) == 1
    with pytest.raises(InvalidParameterError, match="min_new_share"):
        CategoryDiscovery(min_new_share=1.5).fit(X, y)


def test_a_few_labels_keep_large_classes_whole() -> None:
    # started from lone rows, Leiden kept each class's bulk as a "new" category beside a
    # known one of 16 and 5 rows
    X, pinned = few_pins_and_a_piece()
    y = np.array([None, "a", "b"], dtype=object)[pinned + 1]
    model = CategoryDiscovery().fit(X, y)
    assert model.n_clusters_ == 2 and not model.is_new_.any()
    assert (model.labels_[:2000] == 0).all() and (model.labels_[2000:4000] == 1).all()


def test_integer_labels_with_minus_one_mean_unlabeled(six_blobs) -> None:
    X, truth = six_blobs
    y = partly_labeled(truth, known=3, share=0.2)
    as_ints = np.where(y != None, truth, -1)  # noqa: E711
    by_name = CategoryDiscovery().fit(X, y).labels_
    by_int = CategoryDiscovery().fit(X, as_ints)
    assert by_int.classes_.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(by_int.labels_, by_name)


def test_a_labeled_row_stays_with_its_class_even_far_from_it(six_blobs) -> None:
    X, truth = six_blobs
    y = partly_labeled(truth, known=2, share=0.5)
    y[300] = "ant"  # a row of blob 5 labeled as blob 0's class
    model = CategoryDiscovery().fit(X, y)
    assert model.labels_[300] == 0
    assert (model.labels_[(truth == 5) & (np.arange(len(X)) != 300)] >= 2).all()


def test_labels_of_the_wrong_length_are_refused(six_blobs) -> None:
    X, _ = six_blobs
    with pytest.raises(InvalidParameterError, match="3 labels for 360 rows"):
        CategoryDiscovery().fit(X, ["a", None, "b"])


def test_all_unlabeled_is_unsupervised(six_blobs) -> None:
    X, _ = six_blobs
    model = CategoryDiscovery().fit(X, [None] * len(X))
    assert model.classes_ is None
    np.testing.assert_array_equal(model.labels_, CategoryDiscovery().fit(X).labels_)


def test_partial_labels_marks_every_kind_of_missing() -> None:
    labels = partial_labels(["a", None, float("nan"), "", "b", "a"], 6)
    assert labels.classes.tolist() == ["a", "b"]
    assert labels.codes.tolist() == [0, -1, -1, -1, 1, 0]
    assert partial_labels([3, -1, 5, -1], 4).codes.tolist() == [0, -1, 1, -1]


# --- determinism, row order, numbering ----------------------------------------------------


def test_fitting_twice_gives_the_same_result(six_blobs) -> None:
    X, _ = six_blobs
    first = CategoryDiscovery(n_clusters=(8, 10)).fit(X)
    second = CategoryDiscovery(n_clusters=(8, 10)).fit(X)
    np.testing.assert_array_equal(first.labels_, second.labels_)
    np.testing.assert_array_equal(first.confidence_, second.confidence_)
    np.testing.assert_array_equal(
        CategoryDiscovery(n_clusters=(8, 10)).fit_predict(X), first.labels_
    )


def test_row_order_does_not_change_the_categories_or_their_numbers(six_blobs) -> None:
    X, _ = six_blobs
    keys = np.array([f"row{i:03d}" for i in range(len(X))])
    order = np.random.default_rng(7).permutation(len(X))
    model = CategoryDiscovery().fit(X, row_keys=keys)
    shuffled = CategoryDiscovery().fit(X[order], row_keys=keys[order])
    np.testing.assert_array_equal(shuffled.labels_, model.labels_[order])
    # without keys the numbering follows row positions, but the grouping is the same
    unkeyed = CategoryDiscovery().fit(X[order])
    assert same_partition(unkeyed.labels_, model.labels_[order])
    assert not np.array_equal(unkeyed.labels_, model.labels_[order])


def test_categories_are_numbered_largest_first() -> None:
    X, truth = blobs(sizes=(30, 80, 50, 65))
    model = CategoryDiscovery().fit(X)
    sizes = np.bincount(model.labels_)
    assert sizes.tolist() == [80, 65, 50, 30]
    assert [np.bincount(truth[model.labels_ == c]).argmax() for c in range(4)] == [1, 3, 2, 0]


def test_equal_sizes_are_numbered_by_their_smallest_row_key(six_blobs) -> None:
    X, truth = six_blobs
    keys = np.arange(len(X))[::-1]  # the last blob holds the smallest keys
    model = CategoryDiscovery().fit(X, row_keys=keys)
    np.testing.assert_array_equal(model.labels_, 5 - truth)


# --- the tree -------------------------------------------------------------------------------


def test_the_tree_nests_around_the_chosen_level() -> None:
    X, fine, coarse = nested_blobs()
    model = CategoryDiscovery(level_factors=(0.1, 0.3, 1.5, 3.0)).fit(X)
    levels = model.levels_
    assert len(levels) >= 3
    counts = [level.n_categories for level in levels]
    assert counts == sorted(counts) and len(set(counts)) == len(counts)  # coarsest first
    np.testing.assert_array_equal(levels[model.chosen_level_].membership, model.labels_)
    assert (levels[0].parent == -1).all()
    for upper, lower in zip(levels, levels[1:], strict=False):
        assert len(lower.parent) == lower.n_categories
        np.testing.assert_array_equal(lower.parent[lower.membership], upper.membership)
    # the coarsest level recovers the groups better than the chosen one does
    assert v_measure_score(coarse, levels[0].membership) > v_measure_score(coarse, model.labels_)
    assert v_measure_score(fine, levels[-1].membership) > 0.9


def test_no_other_levels_when_the_factors_are_empty(six_blobs) -> None:
    X, _ = six_blobs
    model = CategoryDiscovery(level_factors=()).fit(X)
    assert len(model.levels_) == 1 and model.chosen_level_ == 0


def test_novel_rows_inside_a_known_class_return_to_it_on_refined_partitions() -> None:
    """Eight overlapping blobs, half the rows of four labeled, refinement forced (as on
    text): a novel row regrouped into a new category while most of its neighbours are in one
    known category returns to it, as on clean graphs (5 such rows stayed before)."""
    from siftkit.discover.novelty import KNOWN_MAJORITY
    from siftkit.embed import l2_normalize
    from siftkit.neighbors import build_graph

    X, y = blobs((150, 120, 100, 90, 80, 60, 50, 40), dims=24, spread=0.5, seed=5)
    rng = np.random.default_rng(5)
    partial = np.where(np.isin(y, [0, 1, 2, 3]) & (rng.random(len(y)) < 0.5), y, -1)
    labels = CategoryDiscovery(refine=True, random_state=0).fit(X, partial).labels_
    neighbours = build_graph(l2_normalize(X), k=15).indices  # the estimator's graph
    in_known = np.stack([(labels[neighbours] == c).mean(axis=1) for c in range(4)], axis=1)
    assert not ((labels >= 4) & (in_known.max(axis=1) >= KNOWN_MAJORITY)).any()


def test_refined_partition_returns_novel_rows_from_known_classes() -> None:
    # six overlapping blobs, half the rows of three labeled, refinement forced (as on text):
    # rows of the unlabeled blobs that the pinned partition puts in known categories leave
    # them for the categories they form without labels
    X, y = blobs((80,) * 6, dims=20, spread=0.5, seed=1)
    rng = np.random.default_rng(1)
    partial = np.full(len(y), -1)
    for c in (0, 1, 2):
        partial[rng.choice(np.flatnonzero(y == c), 40, replace=False)] = c

    def hidden_in_known(novel_odds: float | None) -> int:
        model = CategoryDiscovery(refine=True, novel_odds=novel_odds, random_state=0)
        labels = model.fit(X, partial).labels_
        return int((labels[y >= 3] < 3).sum())

    assert hidden_in_known(1.0) <= 0.9 * hidden_in_known(None)
