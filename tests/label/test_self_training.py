"""Self-training: a linear probe refitted on the rows the current prediction is surest of."""

from __future__ import annotations

import numpy as np
import pytest
from labeling_data import blobs

from siftkit.embed import l2_normalize
from siftkit.label import self_training
from siftkit.label.diffusion import affinity
from siftkit.label.self_training import confident_rows, self_train, smoothed_features
from siftkit.neighbors import build_graph


def unsure_mistakes(truth: np.ndarray, wrong_every: int = 10) -> np.ndarray:
    """Distributions that are right and sure (0.9) for most rows, and wrong but unsure
    (0.55 on the next class) for every ``wrong_every``-th row."""
    n_classes = truth.max() + 1
    proba = np.full((len(truth), n_classes), 0.1 / (n_classes - 1))
    proba[np.arange(len(truth)), truth] = 0.9
    wrong = np.arange(len(truth))[::wrong_every]
    proba[wrong] = 0.45 / (n_classes - 1)
    proba[wrong, (truth[wrong] + 1) % n_classes] = 0.55
    return proba


def test_confident_rows_keep_the_seeds_and_the_surest_share_of_each_class() -> None:
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9], [0.5, 0.5]])
    seeds = np.array([-1, -1, -1, -1, -1, 1])
    codes = confident_rows(proba, seeds, share=0.5)
    # class 0 predicted for rows 0-2: the surest two (0.9, 0.8); class 1 for rows 3-4: the
    # surest one (0.9); the seed keeps its own label though its distribution is a tie
    assert codes.tolist() == [0, -1, 0, -1, 1, 1]


def test_confident_rows_take_at_most_the_cap_per_class(monkeypatch) -> None:
    monkeypatch.setattr(self_training, "MAX_ROWS_PER_CLASS", 2)
    proba = np.tile([[0.8, 0.2]], (10, 1))
    proba[:, 0] += np.linspace(0, 0.1, 10)
    codes = confident_rows(proba, np.full(10, -1), share=1.0)
    assert np.flatnonzero(codes >= 0).tolist() == [8, 9]


def test_smoothed_features_are_unit_rows_pulled_toward_the_neighbours() -> None:
    X = l2_normalize(blobs(spread=0.6, seed=1)[0])  # the unit rows the labeler smooths
    graph = build_graph(X, k=5, random_state=0)
    indices, similarities = graph.indices[:, :5], graph.similarities[:, :5]
    features = smoothed_features(X, affinity(indices, similarities))
    np.testing.assert_allclose(np.linalg.norm(features, axis=1), 1.0, rtol=1e-5)
    neighbours = X[indices].mean(axis=1)
    closer = (features * neighbours).sum(axis=1) > (X * neighbours).sum(axis=1)
    assert closer.mean() > 0.95
    assert smoothed_features(X, None) is X


def test_self_training_corrects_unsure_mistakes_on_separable_rows() -> None:
    X, truth = blobs()
    start = unsure_mistakes(truth)
    assert (start.argmax(axis=1) != truth).sum() == 20
    proba = self_train(X, start, np.full(len(truth), -1))
    assert (proba.argmax(axis=1) == truth).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


def test_self_training_keeps_the_start_when_one_class_is_all_it_could_fit() -> None:
    X, truth = blobs()
    start = np.zeros((len(truth), 4))
    start[:, 2] = 1.0
    assert self_train(X, start, np.full(len(truth), -1)) is start


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_confident_rows_share_bounds(share: float) -> None:
    proba = np.array([[0.9, 0.1], [0.2, 0.8]])
    codes = confident_rows(proba, np.full(2, -1), share=share)
    assert (codes >= 0).sum() == (0 if share == 0.0 else 2)


def test_confident_rows_split_the_total_cap_over_the_classes(monkeypatch) -> None:
    monkeypatch.setattr(self_training, "MAX_PSEUDO_ROWS", 4)
    proba = np.repeat(np.eye(2) * 0.8 + 0.1, 5, axis=0)
    codes = confident_rows(proba, np.full(10, -1), share=1.0)
    assert np.bincount(codes[codes >= 0]).tolist() == [2, 2]


def test_labeled_rows_anchor_the_pseudo_labels_of_their_class() -> None:
    """Rows predicted in class 0 with the highest confidence but far from its labeled rows are
    not its first pseudo-labels once the labels anchor them; a class with a single labeled
    row is not anchored."""
    from siftkit.label.self_training import MIN_ANCHOR_ROWS, anchor_similarity

    e = np.eye(3, dtype=np.float32)
    rng = np.random.default_rng(0)
    near = e[0] + 0.1 * rng.normal(size=(10, 3)).astype(np.float32)
    far = e[2] + 0.1 * rng.normal(size=(10, 3)).astype(np.float32)
    features = np.vstack([e[[0, 0]], e[[1]], near, far])
    features /= np.linalg.norm(features, axis=1, keepdims=True)
    seeds = np.array([0, 0, 1] + [-1] * 20)
    proba = np.zeros((23, 2))
    proba[:, 0] = np.r_[[1.0, 1.0, 0.0], np.full(10, 0.8), np.full(10, 0.95)]
    proba[:, 1] = 1.0 - proba[:, 0]
    plain = confident_rows(proba, seeds, share=0.5)
    assert (plain[13:] == 0).all() and (plain[3:13] == -1).all()
    similarity = anchor_similarity(features, seeds, 2)
    assert MIN_ANCHOR_ROWS == 2 and (similarity[:, 1] == 1.0).all()  # one labeled row
    np.testing.assert_allclose(similarity[:, 0], np.clip(features @ e[0], 0, None), atol=1e-5)
    sureness = proba[:, 0] * similarity[:, 0]
    anchored = confident_rows(proba, seeds, share=0.5, sureness=sureness)
    assert (anchored[3:13] == 0).all() and (anchored[13:] == -1).all()
