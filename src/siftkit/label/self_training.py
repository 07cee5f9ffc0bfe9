"""Self-training: a linear probe refitted, round by round, on the rows the current
prediction is surest of.

Each round keeps the given labels and, as pseudo-labels, the most confident share of each
predicted class's other rows (a growing share: 10%, 20%, 30%), fits a logistic regression on
them and predicts every row with it. The probe sees each row's vector plus half its
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


def smoothed_features(vectors: np.ndarray, normalized: Any | None) -> np.ndarray:
    """Each row's vector plus ``NEIGHBOR_WEIGHT`` times its neighbours' similarity-weighted
    mean (``normalized``: the normalised kNN affinity; None for no graph), unit length."""
    if normalized is None:
        return vectors
    neighbours = np.asarray(normalized @ vectors, dtype=vectors.dtype)
    return l2_normalize(vectors + NEIGHBOR_WEIGHT * neighbours)


def confident_rows(proba: np.ndarray, seeds: np.ndarray, share: float) -> np.ndarray:
    """Training codes for one round: the seeds, and the predicted class of the ``share`` most
    confident unseeded rows of each predicted class (at most ``MAX_ROWS_PER_CLASS``, and
    ``MAX_PSEUDO_ROWS`` over all classes); -1 elsewhere."""
    n_classes = proba.shape[1]
    predicted = proba.argmax(axis=1)
    confidence = proba.max(axis=1)
    cap = max(1, min(MAX_ROWS_PER_CLASS, MAX_PSEUDO_ROWS // n_classes))
    codes = seeds.copy()
    for c in range(n_classes):
        rows = np.flatnonzero((predicted == c) & (seeds < 0))
        take = min(int(np.ceil(share * len(rows))), cap)
        codes[rows[np.argsort(-confidence[rows], kind="stable")[:take]]] = c
    return codes


def self_train(features: np.ndarray, proba: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Class distributions (n_rows, n_classes) after the rounds of ``ROUND_SHARES``, starting
    from ``proba``; ``seeds`` are the given labels (-1 for none), always in the training set.
    Returns ``proba`` unchanged when the rows to fit on hold fewer than two classes."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    for share in ROUND_SHARES:
        codes = confident_rows(proba, seeds, share)
        train = codes >= 0
        if len(np.unique(codes[train])) < 2:
            return proba
        probe = LogisticRegression(C=PROBE_C, max_iter=PROBE_ITERATIONS)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            probe.fit(features[train], codes[train])
        refitted = np.zeros_like(proba)
        refitted[:, probe.classes_] = probe.predict_proba(features)
        proba = refitted
    return proba
