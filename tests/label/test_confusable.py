"""Classes the walk confuses: found from its distribution, told apart by their labeled rows."""

from __future__ import annotations

import numpy as np
from labeling_data import blobs, shared_blob, some_labels

from siftkit.embed import l2_normalize
from siftkit.label.confusable import (
    MIN_GROUP_LABELS,
    confusable_groups,
    labeled_groups,
    within_groups,
)
from siftkit.label.transductive import TransductiveLabeler


def overlapping_pair(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three classes of ``n`` rows: 0 and 1 share one wide region and part only along a
    narrow direction (as pullovers and coats do on pixels), 2 lies apart. Unit rows."""
    rng = np.random.default_rng(seed)
    truth = np.repeat([0, 1, 2], n)
    centre = np.where(truth[:, None] == 2, [0.0, 0.0, 4.0], [4.0, 0.0, 0.0])
    wide = rng.normal(size=(3 * n, 3)) * [1.0, 0.0, 1.0]
    narrow = np.where(truth == 0, -1.0, 1.0)[:, None] + 0.1 * rng.normal(size=(3 * n, 1))
    return l2_normalize(np.hstack([centre + wide, narrow])), truth


def test_classes_whose_rows_share_the_mass_form_a_group() -> None:
    shared = np.tile([0.5, 0.5, 0.0], (40, 1))
    apart = np.tile([0.0, 0.05, 0.95], (40, 1))
    groups = confusable_groups(np.vstack([shared, apart]))
    assert [g.tolist() for g in groups] == [[0, 1]]
    assert confusable_groups(np.eye(3)[np.repeat([0, 1, 2], 20)]) == []


def test_a_group_needs_enough_labeled_rows_in_each_class() -> None:
    codes = np.array([0] * MIN_GROUP_LABELS + [1] * (MIN_GROUP_LABELS - 1) + [2] * 5 + [-1] * 9)
    groups = [np.array([0, 1]), np.array([0, 2])]
    assert [g.tolist() for g in labeled_groups(groups, codes, n_classes=3)] == [[0, 2]]


def test_within_a_group_the_classifier_of_its_labeled_rows_decides() -> None:
    vectors, truth = overlapping_pair()
    codes = some_labels(truth, 5)
    walk = np.where(truth[:, None] == 2, [0.02, 0.03, 0.95], [0.49, 0.48, 0.03])  # blurred
    mixed = within_groups(walk, vectors, codes, [np.array([0, 1])])
    np.testing.assert_allclose(mixed.sum(axis=1), 1.0)
    np.testing.assert_allclose(mixed[truth == 2], walk[truth == 2])  # outside the group
    np.testing.assert_allclose(mixed[truth < 2, 2], walk[truth < 2, 2])  # its mass kept
    pair = truth < 2
    assert (walk[pair].argmax(axis=1) == truth[pair]).mean() == 0.5
    assert (mixed[pair].argmax(axis=1) == truth[pair]).mean() > 0.9
    elsewhere = np.tile([0.1, 0.1, 0.8], (len(truth), 1))  # no row predicted in the group
    np.testing.assert_array_equal(
        within_groups(elsewhere, vectors, codes, [np.array([0, 1])]), elsewhere
    )
    unlabeled_class = np.where(codes == 1, -1, codes)  # no labeled row of class 1: left alone
    np.testing.assert_array_equal(
        within_groups(walk, vectors, unlabeled_class, [np.array([0, 1])]), walk
    )


def test_the_labeler_tells_apart_the_classes_its_walk_spreads_over_together() -> None:
    vectors, truth = shared_blob()
    model = TransductiveLabeler(random_state=0).fit(vectors, some_labels(truth, 5), n_classes=6)
    assert model.method_ == "diffusion"
    assert [g.tolist() for g in model.confused_groups_] == [[0, 1]]
    pair = truth < 2
    assert (model.labels_[pair] == truth[pair]).mean() > 0.7  # 0.62 by the walk alone
    assert (model.labels_[~pair] == truth[~pair]).mean() > 0.95
    # farther apart, the walk parts the pair though it spreads their mass: kept parted
    vectors, truth = shared_blob(gap=0.5)
    model = TransductiveLabeler(random_state=0).fit(vectors, some_labels(truth, 5), n_classes=6)
    assert [g.tolist() for g in model.confused_groups_] == [[0, 1]]
    assert (model.labels_[pair] == truth[pair]).mean() > 0.98  # 1.0 by the walk alone
    one_each = TransductiveLabeler(random_state=0).fit(vectors, some_labels(truth, 1), n_classes=6)
    assert one_each.confused_groups_ == []  # too few labels to fit a classifier on


def test_classes_the_walk_tells_apart_form_no_group() -> None:
    X, truth = blobs(spread=0.15, seed=3)
    model = TransductiveLabeler(random_state=0).fit(X, some_labels(truth, 5), n_classes=4)
    assert model.method_ == "diffusion" and model.confused_groups_ == []
