"""``fits_no_class``: the rows the ``other`` label goes to."""

from __future__ import annotations

import numpy as np

from siftkit.embed.base import l2_normalize
from siftkit.label import TransductiveLabeler
from siftkit.label.other import (
    beyond_reach,
    fits_no_class,
    named_categories,
    other_rule,
    unclaimed,
)


def _blobs(rng: np.random.Generator, sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Tight classes around the first axes of 8 (class c around axis c), unit rows, codes."""
    codes = np.repeat(np.arange(len(sizes)), sizes)
    vectors = np.eye(8)[codes] * 5.0 + rng.normal(scale=0.3, size=(len(codes), 8))
    return l2_normalize(vectors), codes


def _seeds(rng: np.random.Generator, codes: np.ndarray, classes: list[int], per_class: int):  # noqa: ANN202
    partial = np.full(len(codes), -1)
    for c in classes:
        partial[rng.choice(np.flatnonzero(codes == c), per_class, replace=False)] = c
    return partial


def test_with_labels_to_hold_out_a_class_nobody_labeled_is_other() -> None:
    rng = np.random.default_rng(0)
    vectors, truth = _blobs(rng, [60, 60, 60])
    partial = _seeds(rng, truth, [0, 1], 5)  # class 2: nobody labeled it
    model = TransductiveLabeler().fit(vectors, partial, n_classes=2)
    assert model.reach_floor_ is not None  # the reach rule
    other = fits_no_class(vectors, model) & (partial < 0)
    assert other[truth == 2].mean() >= 0.9
    assert other[(truth < 2) & (partial < 0)].mean() <= 0.05


def test_with_every_class_labeled_few_rows_are_other() -> None:
    marked = []
    for seed in (1, 2, 3):  # the rule aims at 2% of a labeled class's rows
        rng = np.random.default_rng(seed)
        vectors, truth = _blobs(rng, [60, 60, 60])
        partial = _seeds(rng, truth, [0, 1, 2], 5)
        model = TransductiveLabeler().fit(vectors, partial, n_classes=3)
        marked.append((fits_no_class(vectors, model) & (partial < 0)).sum() / (partial < 0).sum())
    assert max(marked) <= 0.08 and np.mean(marked) <= 0.05


def test_without_labels_to_hold_out_rows_far_from_their_class_are_other() -> None:
    rng = np.random.default_rng(2)
    vectors, truth = _blobs(rng, [50, 50, 3])  # 3 strays around a third axis
    topics = np.eye(8)[:2]  # topic vectors for the first two classes only
    model = TransductiveLabeler().fit(vectors, None, prototypes=topics, n_classes=2)
    assert model.reach_floor_ is None  # the similarity rule
    other = fits_no_class(vectors, model)
    assert other[truth == 2].all()
    assert other[truth < 2].mean() <= 0.05


def test_with_topics_and_categories_the_categories_no_topic_claims_are_other() -> None:
    rng = np.random.default_rng(4)
    vectors, truth = _blobs(rng, [30, 30, 60, 60])  # most rows fit neither topic
    topics = np.eye(8)[:2]
    model = TransductiveLabeler().fit(vectors, None, prototypes=topics, n_classes=2)
    assert other_rule(model) == "topics"
    alone = fits_no_class(vectors, model)  # the prototype rule: the typical row is of no topic
    assert alone[truth >= 2].mean() <= 0.1
    other = fits_no_class(vectors, model, categories=truth)
    assert other[truth >= 2].all()
    assert not other[truth < 2].any()


def test_with_few_labels_and_categories_a_class_nobody_labeled_is_other() -> None:
    """Two labeled rows per class leave nothing to hold out (the similarity rule), and when
    the class nobody labeled holds most rows, the typical row is of no class; the categories
    found without the labels tell its rows all the same."""
    rng = np.random.default_rng(7)
    vectors, truth = _blobs(rng, [30, 30, 120])
    partial = _seeds(rng, truth, [0, 1], 2)
    model = TransductiveLabeler().fit(vectors, partial, n_classes=2)
    assert other_rule(model) == "similarity"
    judged = partial < 0
    assert (fits_no_class(vectors, model) & judged)[truth == 2].mean() <= 0.1
    other = fits_no_class(vectors, model, categories=truth) & judged
    assert other[truth == 2].all()
    assert other[(truth < 2) & judged].mean() <= 0.05


def test_with_labels_to_hold_out_the_unclaimed_categories_join_the_rows_out_of_reach() -> None:
    rng = np.random.default_rng(8)
    vectors, truth = _blobs(rng, [60, 60, 60])
    partial = _seeds(rng, truth, [0, 1], 5)
    model = TransductiveLabeler().fit(vectors, partial, n_classes=2)
    assert other_rule(model) == "reach"
    split = np.where(truth == 2, 2 + (np.arange(len(truth)) % 2), truth)  # class 2 in two
    other = fits_no_class(vectors, model, categories=split)
    assert other[truth == 2].all()
    assert (other == (beyond_reach(model) | unclaimed(vectors, split, model))).all()


def test_every_category_a_topic_names_is_claimed() -> None:
    rng = np.random.default_rng(5)
    vectors, truth = _blobs(rng, [40, 40, 40, 40])
    model = TransductiveLabeler().fit(vectors, None, prototypes=np.eye(8)[:4], n_classes=4)
    split = np.where(truth == 3, 3 + (np.arange(len(truth)) % 2), truth)  # a topic in two
    assert not unclaimed(vectors, split, model).any()
    assert not unclaimed(vectors, np.zeros(len(truth), dtype=int), model).any()
    without = np.where(truth == 0, -1, truth)  # rows of no category are never marked
    model = TransductiveLabeler().fit(vectors, None, prototypes=np.eye(8)[1:3], n_classes=2)
    marked = unclaimed(vectors, without, model)
    assert marked[truth == 3].all() and not marked[truth != 3].any()


def test_a_category_only_leaning_toward_a_topic_is_not_claimed() -> None:
    """Rows of no topic that are nearer one topic than the others (a person's gloss is nearer
    "animal" than "food") are not that topic's: they fit it far worse than its own rows."""
    rng = np.random.default_rng(6)
    vectors, truth = _blobs(rng, [40, 40, 80, 40, 40])  # 3, 4: of no topic, near none
    leaning = truth == 2
    vectors[leaning] = l2_normalize(  # between topic 0's axis and an axis of their own
        np.eye(8)[0] * 2.0 + np.eye(8)[5] * 5.0 + rng.normal(scale=0.3, size=(80, 8))
    )
    model = TransductiveLabeler().fit(vectors, None, prototypes=np.eye(8)[:2], n_classes=2)
    assert (model.labels_[leaning] == 0).all()  # every topic-0 guess, none of them topic 0's
    marked = unclaimed(vectors, truth, model)
    assert marked[truth >= 2].all() and not marked[truth < 2].any()


def test_a_category_most_of_whose_rows_name_one_topic_is_that_topics() -> None:
    categories = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3])
    outside = categories > 0  # category 0 claimed already
    # per row outside: 1: half name topic 1; 2: one names topic 0, one topic 1; 3: none
    named = np.array([1, -1, 1, -1, 0, 1, -1, -1, -1, -1])
    marked = named_categories(categories, outside, named)
    assert marked.tolist() == [False] * 4 + [True] * 4 + [False] * 6
