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

MIN_CLASS_ROWS = 20


@register_detector
class Outliers(Detector):
    """The mean cosine distance to a row's ``k`` nearest neighbours, scored by how many
    robust standard deviations it lies above the median distance. With labels, a row is
    also compared with its own class (:func:`within_class_z`) and the smaller z counts, so
    naturally spread-out classes are not flagged wholesale.

    ``outlier_score`` = z / (z + threshold) for z > 0, else 0: it is 0.5 exactly at
    ``threshold`` robust standard deviations, and ``is_outlier`` flags rows above that.

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
        z = robust_z(distance)
        class_aware = context.labels is not None and context.labels.n_classes >= 2
        if class_aware:
            z = np.minimum(z, within_class_z(distance, context.labels.codes, z))
        flagged = z > self.threshold
        return Result(
            columns={"outlier_score": score_from_z(z, self.threshold), "is_outlier": flagged},
            summary={
                "count": int(flagged.sum()),
                "share": round(float(flagged.mean()), 4),
                "median_knn_distance": round(float(np.median(distance)), 4),
                "k_used": k,
                "class_aware": class_aware,
            },
        )


def within_class_z(distance: np.ndarray, codes: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Each labeled row's robust z-score among the rows of its own class, shape (n_rows,).

    A row of a naturally spread-out class is compared with its class, not with the tight
    classes. Unlabeled rows and classes under MIN_CLASS_ROWS rows keep ``fallback``."""
    z = fallback.copy()
    for code in np.unique(codes[codes >= 0]):
        members = codes == code
        if members.sum() >= MIN_CLASS_ROWS:
            z[members] = robust_z(distance[members])
    return z
