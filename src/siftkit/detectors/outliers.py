"""Outliers: rows far from their nearest neighbours in embedding space (kNN distance)."""

from __future__ import annotations

import numpy as np

from siftkit._validation import Interval
from siftkit.detectors.base import (
    Context,
    Detector,
    Result,
    register_detector,
    robust_z,
    score_from_z,
)
from siftkit.detectors.neighbor_labels import neighbor_label_spread
from siftkit.detectors.prototypes import trusted_class_prototypes

MIN_CLASS_ROWS = 20
#: Rows are judged by class only when at least this share of the rows with content have a
#: labeled row among their ``k`` neighbours. Where few rows are labeled, "where no label
#: dominates" tells nothing: a row without a labeled neighbour has a share of 0, one with a
#: single labeled neighbour a share of 1. On the 2,000 bundled glosses with 30 verb glosses
#: planted (labeled at random when labeled), the verbs' AUROC by class with 5% / 10% / 20% /
#: 40% / all of the rows labeled: 0.50 / 0.70 / 0.65 / 0.83 / 0.82 (a labeled neighbour for
#: 39% / 63% / 88% / 99% / all of the rows); without the labels 0.85.
MIN_LABELED_NEIGHBORHOODS = 0.9


@register_detector
class Outliers(Detector):
    """The mean cosine distance to a row's ``k`` nearest neighbours, scored by how many
    robust standard deviations it lies above the median distance.

    With labels, a row is an outlier when it is both far from every class — its distance
    to the nearest class prototype (several per class, see :mod:`siftkit.detectors.prototypes`),
    scored against the rows of its own class (:func:`within_class_z`) — and sits where no
    label dominates (its neighbours' commonest label has a small share); ``z`` is the
    smaller of the two robust z-scores. Rows from outside the label set are found even
    when they have close neighbours of their own kind; a mislabeled row, near its true
    class, is not an outlier; a naturally spread-out class is not flagged wholesale.

    ``outlier_score`` = z / (z + threshold) for z > 0, else 0: it is 0.5 exactly at
    ``threshold`` robust standard deviations, and ``is_outlier`` flags rows above that.
    Judged by class, the flags follow the labels (a noisy label column blurs the classes
    and hides them), so the summary also counts the rows far from their neighbours without
    the labels (``n_far_without_labels``), to compare runs by.

    Parameters
    ----------
    k : neighbours averaged (at most the graph's k).
    threshold : robust z-score above which a row is flagged.
    """

    name = "outliers"
    requires = ("embeddings", "graph")
    columns = ("outlier_score", "is_outlier")
    parameter_constraints = {
        "k": [Interval(int, 1, None)],
        "threshold": [Interval(float, 0.0, None, open_low=True)],
    }

    def __init__(self, k: int = 10, threshold: float = 4.0) -> None:
        self.k = k
        self.threshold = threshold

    def run(self, context: Context) -> Result:
        graph = context.graph
        k = min(self.k, graph.k)
        if k == 0:
            zeros = np.zeros(context.n_rows)
            return Result(
                columns={"outlier_score": zeros, "is_outlier": zeros.astype(bool)},
                summary={"count": 0, "note": "a single row has no neighbours to compare with"},
            )
        distance = 1.0 - graph.similarities[:, :k].astype(np.float64).mean(axis=1)
        # rows without content (empty_rows) say nothing: they are neither judged nor judged
        # against
        content = context.with_content
        z = robust_z(distance, content)
        far_without_labels = int((content & (z > self.threshold)).sum())
        class_aware, labeled_near = False, None
        if context.labels is not None and context.labels.n_classes >= 2:
            codes, n_classes = context.labels.codes, context.labels.n_classes
            agreement = neighbor_label_spread(context.graph.indices[:, :k], codes, n_classes)
            labeled_near = float(agreement.labeled_near()[content].mean()) if content.any() else 0.0
            class_aware = labeled_near >= MIN_LABELED_NEIGHBORHOODS
        if class_aware:
            vectors = np.asarray(context.embeddings, dtype=np.float32)
            prototypes = trusted_class_prototypes(context)
            if len(prototypes.centres):
                far = 1.0 - prototypes.nearest_similarity(vectors)
                far_z = within_class_z(far, np.where(content, codes, -1), robust_z(far, content))
                # an outlier is far from every class AND sits where no label dominates;
                # a mislabeled row is near its true class, so it is not an outlier
                z = np.minimum(far_z, robust_z(1.0 - agreement.top_share, content))
        z = np.where(content, z, 0.0)
        flagged = z > self.threshold
        typical = distance[content] if content.any() else distance
        return Result(
            columns={"outlier_score": score_from_z(z, self.threshold), "is_outlier": flagged},
            summary={
                "count": int(flagged.sum()),
                "share": round(float(flagged.mean()), 4),
                "median_knn_distance": round(float(np.median(typical)), 4),
                "k_used": k,
                "class_aware": class_aware,
                # the share of rows with a labeled neighbour (None without labels)
                "labeled_neighborhoods": None if labeled_near is None else round(labeled_near, 4),
                "n_far_without_labels": far_without_labels,
            },
        )


def within_class_z(values: np.ndarray, codes: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Each labeled row's robust z-score among the rows of its own class, shape (n_rows,).

    A row of a naturally spread-out class is compared with its class, not with the tight
    classes. Unlabeled rows and classes under MIN_CLASS_ROWS rows keep ``fallback``."""
    z = fallback.copy()
    for code in np.unique(codes[codes >= 0]):
        members = codes == code
        if members.sum() >= MIN_CLASS_ROWS:
            z[members] = robust_z(values[members])
    return z
