"""Classes the walk confuses, told apart by a classifier of their own labeled rows.

A walk over the kNN graph tells classes apart by where their rows lie; where two or three
classes' rows mix in one region (on Fashion-MNIST's PCA features pullover, coat and shirt,
which differ in sleeves and buttons the neighbours blur), it spreads each row's mass over
them. A linear classifier fitted on the labeled rows of those classes alone draws a boundary
through the region along the directions that part them, and does better there than the walk
(and worse elsewhere, where the walk follows the data and the classifier only the few labels).

The classes the walk confuses are read off its distribution: two classes are linked when the
cosine between their columns (each row's mass on the class) exceeds ``CONFUSION_LINK``, and
the groups are the linked classes' connected components. Within a group, each row predicted in
it keeps its mass on the group and shares it out by the mean of the walk's shares and the
group classifier's probabilities. Where no two classes are linked (digits: the largest cosine
0.13), nothing changes.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import connected_components

#: Two classes are confused when the cosine between the walk's columns for them exceeds this
#: (Fashion-MNIST with five labels per class, one draw: pullover, coat and shirt 0.50-0.53,
#: dress and coat 0.42, sandal and sneaker 0.39, T-shirt and shirt 0.33; digits at most
#: 0.13). Chosen with a regression of C = 100 on draws 10-15 (macro-F1 at five labels 0.7215
#: / 0.7243 / 0.7193 at 0.4 / 0.5 / 0.6, against 0.7081 without groups); 0.4 held better on
#: 16-21 (0.6942 / 0.6926 against 0.6897).
CONFUSION_LINK = 0.4
#: The group classifier's share of a row's distribution within its group.
GROUP_WEIGHT = 0.5
#: Inverse L2 penalty of the group classifier (logistic regression). On the unit rows, 100
#: told the groups apart a little better (Fashion-MNIST with five labels per class, draws
#: 10-21: macro-F1 0.708 against 0.707) but made the confidence less calibrated (ECE 0.046
#: against 0.042; on the reported draws 0-9, 0.0445 without groups, 0.0512 with C 100 and
#: 0.0467 with 10).
GROUP_C = 10.0
GROUP_ITERATIONS = 1000
#: A group is told apart only when each of its classes has this many labeled rows: from one
#: row per class the classifier is a nearest-mean rule, no better than the walk
#: (Fashion-MNIST with one label per class, draws 10-15, C = 100: macro-F1 0.551 → 0.545).
MIN_GROUP_LABELS = 3


def confusable_groups(proba: np.ndarray, link: float = CONFUSION_LINK) -> list[np.ndarray]:
    """The groups of classes (class codes, two or more each) whose rows ``proba`` (n_rows,
    n_classes) spreads over together."""
    overlap = proba.T @ proba
    scale = np.sqrt(np.diag(overlap))
    cosine = overlap / np.maximum(np.outer(scale, scale), np.finfo(float).tiny)
    linked = cosine > link
    np.fill_diagonal(linked, False)
    n_groups, group = connected_components(linked, directed=False)
    members = [np.flatnonzero(group == g) for g in range(n_groups)]
    return [m for m in members if len(m) > 1]


def labeled_groups(groups: list[np.ndarray], codes: np.ndarray, n_classes: int) -> list[np.ndarray]:
    """The ``groups`` each class of which has ``MIN_GROUP_LABELS`` rows in ``codes`` (class
    codes, -1 unlabeled)."""
    counts = np.bincount(codes[codes >= 0], minlength=n_classes)
    return [classes for classes in groups if counts[classes].min() >= MIN_GROUP_LABELS]


def within_groups(
    proba: np.ndarray,
    vectors: np.ndarray,
    codes: np.ndarray,
    groups: list[np.ndarray],
    weight: float = GROUP_WEIGHT,
) -> np.ndarray:
    """``proba`` with each group's share of the rows predicted in it divided by the mean of
    ``proba``'s and a logistic regression's, fitted on the rows of ``codes`` (class codes, -1
    unlabeled) in the group; ``vectors`` unit rows. A group some class of which has no
    labeled row stays as it is."""
    from sklearn.linear_model import LogisticRegression

    mixed = proba.copy()
    predicted = proba.argmax(axis=1)
    for classes in groups:
        labeled = np.isin(codes, classes)
        if len(np.unique(codes[labeled])) < len(classes):
            continue
        rows = np.flatnonzero(np.isin(predicted, classes))
        if not len(rows):  # every row went to other classes: nothing to share out
            continue
        model = LogisticRegression(C=GROUP_C, max_iter=GROUP_ITERATIONS)
        model.fit(vectors[labeled], codes[labeled])
        by_model = model.predict_proba(vectors[rows])  # columns in the order of model.classes_
        block = np.ix_(rows, model.classes_)
        mass = mixed[block].sum(axis=1, keepdims=True)
        shares = mixed[block] / np.maximum(mass, np.finfo(float).tiny)
        mixed[block] = mass * ((1 - weight) * shares + weight * by_model)
    return mixed
