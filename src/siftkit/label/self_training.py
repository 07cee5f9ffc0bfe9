"""Self-training: a linear probe refitted, round by round, on the rows the current
prediction is surest of.

Each round keeps the given labels and, as pseudo-labels, the surest share of each predicted
class's other rows (a growing share: 10%, 20%, 30%), fits a logistic regression on them and
predicts every row with it. A row is as sure as the prediction's confidence in it; when the
seeds are labeled rows, a sample of their class, times its similarity to their mean, where the
class has at least ``MIN_ANCHOR_ROWS`` of them (the labels anchor the pseudo-labels: a class
that took in rows of another class beside it, confident as they may be, does not learn from
them first). The probe sees each row's vector plus half its
neighbours' similarity-weighted mean (one step of graph smoothing), so a row is judged with
the company it keeps. Self-training on unlabeled data is the idea of "Out-Of-Domain Unlabeled
Data Improves Generalization"; reliable pseudo-labels chosen by confidence, of "Training-Free
Unsupervised Prompt for Vision-Language Models". Started from a prototype prediction, the
probe learns the directions a class mean cannot express.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from siftkit.discover.refine import prototypes
from siftkit.embed.base import l2_normalize

#: The share of each predicted class's unlabeled rows taken as pseudo-labels, per round.
ROUND_SHARES = (0.1, 0.2, 0.3)
#: Pseudo-labeled rows of one class a round fits on, at most.
MAX_ROWS_PER_CLASS = 500
#: Pseudo-labeled rows of all classes a round fits on, at most (split evenly over the
#: classes): bounds the fit when there are many classes.
MAX_PSEUDO_ROWS = 13_000
#: Inverse regularisation of the probe (scikit-learn's ``C``).
PROBE_C = 10.0
#: Iterations of the probe's solver, at most.
PROBE_ITERATIONS = 100
#: Weight of the neighbours' mean vector added to a row's own in the probe's features.
NEIGHBOR_WEIGHT = 0.5
#: Labeled rows a class needs for their mean to anchor its pseudo-labels: one row's mean is
#: that row, wording and all (WordNet, one labeled row per class, draws 10-19: macro-F1
#: 0.249 either way, ECE 0.087 unanchored against 0.099 anchored).
MIN_ANCHOR_ROWS = 2


def smoothed_features(vectors: np.ndarray, normalized: Any | None) -> np.ndarray:
    """Each row's vector plus ``NEIGHBOR_WEIGHT`` times its neighbours' similarity-weighted
    mean (``normalized``: the normalised kNN affinity; None for no graph), unit length."""
    if normalized is None:
        return vectors
    neighbours = np.asarray(normalized @ vectors, dtype=vectors.dtype)
    return l2_normalize(vectors + NEIGHBOR_WEIGHT * neighbours)


def confident_rows(
    proba: np.ndarray, seeds: np.ndarray, share: float, sureness: np.ndarray | None = None
) -> np.ndarray:
    """Training codes for one round: the seeds, and the predicted class of the ``share``
    surest unseeded rows of each predicted class (at most ``MAX_ROWS_PER_CLASS``, and
    ``MAX_PSEUDO_ROWS`` over all classes); -1 elsewhere. A row is as sure as ``sureness``
    says (n_rows,), by default the confidence of the prediction."""
    n_classes = proba.shape[1]
    predicted = proba.argmax(axis=1)
    if sureness is None:
        sureness = proba.max(axis=1)
    cap = max(1, min(MAX_ROWS_PER_CLASS, MAX_PSEUDO_ROWS // n_classes))
    codes = seeds.copy()
    for c in range(n_classes):
        rows = np.flatnonzero((predicted == c) & (seeds < 0))
        take = min(int(np.ceil(share * len(rows))), cap)
        codes[rows[np.argsort(-sureness[rows], kind="stable")[:take]]] = c
    return codes


def anchor_similarity(features: np.ndarray, seeds: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_rows, n_classes): each row's cosine similarity to the mean of each class's seeds,
    clipped at 0; 1 for classes with fewer than ``MIN_ANCHOR_ROWS`` seeds (not anchored)."""
    means = prototypes(features, np.clip(seeds, 0, None), n_classes, members=seeds >= 0)
    similarity = np.clip(features @ means.T.astype(features.dtype), 0.0, None)
    counts = np.bincount(seeds[seeds >= 0], minlength=n_classes)
    similarity[:, counts < MIN_ANCHOR_ROWS] = 1.0
    return similarity


def self_train(
    features: np.ndarray, proba: np.ndarray, seeds: np.ndarray, anchored: bool = False
) -> np.ndarray:
    """Class distributions (n_rows, n_classes) after the rounds of ``ROUND_SHARES``, starting
    from ``proba``; ``seeds`` are the given labels (-1 for none), always in the training set;
    ``anchored``: they are labeled rows, a sample of their class, whose mean anchors its
    pseudo-labels (see the module). Returns ``proba`` unchanged when the rows to fit on hold
    fewer than two classes."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    anchors = anchor_similarity(features, seeds, proba.shape[1]) if anchored else None
    rows = np.arange(len(proba))
    probe = None
    for share in ROUND_SHARES:
        sureness = None
        if anchors is not None:
            predicted = proba.argmax(axis=1)
            sureness = proba[rows, predicted] * anchors[rows, predicted]
        codes = confident_rows(proba, seeds, share, sureness)
        train = codes >= 0
        classes = np.unique(codes[train])
        if len(classes) < 2:
            return proba
        # a round's probe starts from the last one's weights when it learns the same classes:
        # the pseudo-labels grow round by round, the weights move little
        if probe is None or not np.array_equal(probe.classes_, classes):
            probe = LogisticRegression(C=PROBE_C, max_iter=PROBE_ITERATIONS, warm_start=True)
        # one BLAS thread: the solver's loss runs on OpenMP threads between the matrix
        # products, and BLAS threads left spinning after each product take their cores
        with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            # many classes of a few rows each are classes here, not a regression target
            warnings.filterwarnings("ignore", "The number of unique classes", UserWarning)
            probe.fit(features[train], codes[train])
        refitted = np.zeros_like(proba)
        refitted[:, probe.classes_] = probe.predict_proba(features)
        proba = refitted
    return proba
