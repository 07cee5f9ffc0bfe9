"""Transductive information maximisation, and where the labeler uses it."""

from __future__ import annotations

import numpy as np
import pytest
from labeling_data import blobs, shared_blob, some_labels

import siftkit.label.transductive as transductive
from siftkit.embed import l2_normalize
from siftkit.label.infomax import SCALE, infomax_logits
from siftkit.label.transductive import TransductiveLabeler


def lopsided_labels(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two overlapping classes in 8 dimensions (means 3 apart along the first), labeled by
    three rows each, class 0's from its far edge and class 1's from the edge next to class 0:
    the labeled rows' means put the boundary well inside class 0."""
    rng = np.random.default_rng(seed)
    truth = np.repeat([0, 1], 400)
    X = rng.normal(size=(800, 8))
    X[:, 0] += np.where(truth == 0, -1.5, 1.5)
    codes = np.full(800, -1)
    codes[np.flatnonzero((truth == 0) & (X[:, 0] < -2.8))[:3]] = 0
    codes[np.flatnonzero((truth == 1) & (X[:, 0] > 0.0) & (X[:, 0] < 0.5))[:3]] = 1
    return X, truth, codes


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_unlabeled_rows_move_the_boundary_to_the_gap_between_the_classes(seed) -> None:
    X, truth, codes = lopsided_labels(seed)
    unlabeled = codes < 0
    rows = l2_normalize(X - X.mean(axis=0))
    means = l2_normalize(np.vstack([rows[codes == c].mean(axis=0) for c in (0, 1)]))
    by_means = (rows @ means.T).argmax(axis=1)[unlabeled] == truth[unlabeled]
    logits = infomax_logits(X, codes, 2)
    assert logits.shape == (800, 2) and np.abs(logits).max() <= SCALE + 1e-9
    found = logits.argmax(axis=1)[unlabeled] == truth[unlabeled]
    assert found.mean() > 0.9 and found.mean() > by_means.mean() + 0.03  # 0.81-0.90 by means


def test_without_unlabeled_rows_the_classes_are_their_labeled_means() -> None:
    X, truth, _ = lopsided_labels(0)
    logits = infomax_logits(X, truth, 2)
    rows = l2_normalize(X - X.mean(axis=0))
    means = l2_normalize(np.vstack([rows[truth == c].mean(axis=0) for c in (0, 1)]))
    np.testing.assert_allclose(logits, SCALE * rows @ means.T, atol=1e-4)


def test_a_row_without_content_scores_no_class() -> None:
    X, _, codes = lopsided_labels(0)
    X[5] = 0.0
    logits = infomax_logits(X, codes, 2)
    np.testing.assert_array_equal(logits[5], [0.0, 0.0])
    assert np.isfinite(logits).all()


def test_the_labeler_adds_it_only_where_its_walk_confuses_classes(monkeypatch) -> None:
    fits = []

    def counted(vectors, codes, n_classes, random_state=0):
        fits.append(int((codes >= 0).sum()))
        return infomax_logits(vectors, codes, n_classes, random_state)

    monkeypatch.setattr(transductive, "infomax_logits", counted)
    vectors, truth = shared_blob()
    model = TransductiveLabeler(random_state=0).fit(vectors, some_labels(truth, 5), n_classes=6)
    assert [g.tolist() for g in model.confused_groups_] == [[0, 1]] and model.calibrated_
    # the fit's, then one per calibration fold (each holding out a labeled row per class)
    assert fits == [30, 24, 24, 24, 24, 24]
    pair = truth < 2
    assert (model.labels_[pair] == truth[pair]).mean() > 0.7  # 0.62 by the walk alone
    fits.clear()
    X, truth = blobs(spread=0.15, seed=3)
    model = TransductiveLabeler(random_state=0).fit(X, some_labels(truth, 5), n_classes=4)
    assert model.confused_groups_ == [] and fits == []
