"""Label errors, first version: a similarity-weighted vote of each row's neighbours."""

from __future__ import annotations

import numpy as np

from siftkit._validation import Interval
from siftkit.detectors.base import Context, Detector, Result, register_detector


def neighbor_vote(
    indices: np.ndarray,
    similarities: np.ndarray,
    codes: np.ndarray,
    n_classes: int,
    temperature: float,
    prior_weight: float = 0.5,
) -> np.ndarray:
    """Class probabilities per row from its neighbours' labels, shape (n_rows, n_classes).

    A neighbour at similarity ``s`` weighs ``exp((s - s_1) / temperature)``, where ``s_1``
    is the row's nearest similarity, so close neighbours dominate. Unlabeled neighbours do
    not vote. ``prior_weight`` pseudo-votes spread by class frequency keep a row with no
    labeled neighbour at the class prior instead of undefined.
    """
    n = len(indices)
    labeled = codes >= 0
    prior = np.bincount(codes[labeled], minlength=n_classes).astype(np.float64)
    prior /= max(prior.sum(), 1.0)
    votes = np.zeros((n, n_classes))
    if indices.shape[1]:
        weights = np.exp((similarities - similarities[:, :1]) / temperature).astype(np.float64)
        neighbor_codes = codes[indices]
        weights[neighbor_codes < 0] = 0.0
        rows = np.repeat(np.arange(n), indices.shape[1])
        np.add.at(votes, (rows, np.clip(neighbor_codes, 0, None).ravel()), weights.ravel())
    votes += prior_weight * prior
    return votes / votes.sum(axis=1, keepdims=True)


def confident_class(proba: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Confident learning's per-class thresholds: row ``i`` confidently belongs to class
    ``j`` when ``proba[i, j]`` reaches ``t_j``, the mean probability of ``j`` over the rows
    labeled ``j``; among such classes the most probable wins. -1 where none reaches its
    threshold. Shape (n_rows,).
    """
    n_classes = proba.shape[1]
    labeled = codes >= 0
    sums = np.zeros(n_classes)
    np.add.at(sums, codes[labeled], proba[labeled, codes[labeled]])
    counts = np.bincount(codes[labeled], minlength=n_classes)
    thresholds = np.where(counts > 0, sums / np.maximum(counts, 1), np.inf)
    above = np.where(proba >= thresholds[None, :], proba, -1.0)
    best = above.argmax(axis=1)
    return np.where(above.max(axis=1) >= 0, best, -1)


@register_detector
class LabelErrors(Detector):
    """Rows whose neighbours mostly carry another label.

    ``label_error_score`` is 1 - (the neighbours' weighted share of the given label);
    ``suggested_label`` is the label the neighbours favour. A row is flagged when it
    confidently belongs to another class (confident learning's per-class thresholds, see
    :func:`confident_class`) and its score is at least ``threshold``.
    Rows without a label get score 0, no flag, and a suggestion.

    Parameters
    ----------
    k : neighbours that vote (at most the graph's k).
    temperature : how fast a neighbour's weight falls with distance (see neighbor_vote).
    threshold : score at or above which a disagreeing row is flagged.
    """

    name = "label_errors"
    requires = ("embeddings", "graph", "labels")
    columns = ("label_error_score", "is_label_error", "suggested_label")
    parameter_constraints = {
        "k": [Interval(int, 1, None)],
        "temperature": [Interval(float, 0.0, None, open_low=True)],
        "threshold": [Interval(float, 0.0, 1.0)],
    }

    def __init__(self, k: int = 20, temperature: float = 0.05, threshold: float = 0.5) -> None:
        self.k = k
        self.temperature = temperature
        self.threshold = threshold

    def skip_reason(self, context: Context) -> str | None:
        reason = super().skip_reason(context)
        if reason is None and context.labels.n_classes < 2:
            return "the labels hold fewer than 2 classes"
        return reason

    def run(self, context: Context) -> Result:
        labels = context.labels
        graph = context.graph
        k = min(self.k, graph.k)
        codes = labels.codes
        proba = neighbor_vote(
            graph.indices[:, :k], graph.similarities[:, :k], codes, labels.n_classes,
            self.temperature,
        )  # fmt: skip
        labeled = codes >= 0
        given_share = np.where(labeled, proba[np.arange(len(codes)), np.clip(codes, 0, None)], 1.0)
        score = np.clip(1.0 - given_share, 0.0, 1.0)
        suggested = proba.argmax(axis=1)
        confident = confident_class(proba, codes)
        flagged = labeled & (confident >= 0) & (confident != codes) & (score >= self.threshold)
        per_class = {
            str(labels.classes[c]): int(flagged[codes == c].sum()) for c in range(labels.n_classes)
        }
        return Result(
            columns={
                "label_error_score": score,
                "is_label_error": flagged,
                "suggested_label": labels.decode(suggested),
            },
            summary={
                "count": int(flagged.sum()),
                "share_of_labeled": round(float(flagged.sum() / max(labeled.sum(), 1)), 4),
                "n_classes": labels.n_classes,
                "flagged_per_class": per_class,
                "n_unlabeled": int((~labeled).sum()),
            },
        )
