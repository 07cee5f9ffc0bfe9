"""Dataset-level label-noise estimates: noise rate, noise matrix, confusable pairs, balance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from siftkit.data.dataset import Labels

#: The full K x K noise matrix goes into the summary up to this many classes; beyond, only
#: its largest off-diagonal entries do.
FULL_MATRIX_MAX_CLASSES = 50
TOP_ENTRIES = 20
EXAMPLES_PER_PAIR = 3
#: A class's anchors for the noise estimate: its most confident share of rows, at least
#: ANCHOR_MIN_ROWS of them, at most half the class.
ANCHOR_SHARE, ANCHOR_MIN_ROWS = 0.15, 50


def _name(labels: Labels, code: int) -> str:
    return str(labels.classes[code])


def class_balance(labels: Labels) -> dict[str, Any]:
    """Class sizes, the largest/smallest ratio, and the normalised entropy of the sizes
    (1 = perfectly balanced)."""
    sizes = np.bincount(labels.codes[labels.codes >= 0], minlength=labels.n_classes)
    share = sizes / max(sizes.sum(), 1)
    nonzero = share[share > 0]
    entropy = (
        float(-(nonzero * np.log(nonzero)).sum() / np.log(len(share))) if len(share) > 1 else 1.0
    )
    largest, smallest = int(sizes.argmax()), int(sizes.argmin())
    return {
        "sizes": {_name(labels, c): int(sizes[c]) for c in range(labels.n_classes)},
        "largest": {"label": _name(labels, largest), "rows": int(sizes[largest])},
        "smallest": {"label": _name(labels, smallest), "rows": int(sizes[smallest])},
        "imbalance_ratio": round(float(sizes.max() / max(sizes.min(), 1)), 3),
        "normalized_entropy": round(entropy, 4),
    }


@dataclass(frozen=True)
class NoiseEstimate:
    """Class-conditional label noise estimated from anchor rows (see :func:`estimate_noise`).

    ``joint[j, i]`` is the estimated share of labeled rows whose true class is ``j`` and
    whose given label is ``i``; ``anchors[j]`` is how many anchors predicted class ``j``
    holds (the estimate of row ``j`` rests on them); ``given_anchors[i]`` how many anchors
    carry label ``i`` (the estimate of that label's noise rests on them).
    """

    joint: np.ndarray
    anchors: np.ndarray
    given_anchors: np.ndarray

    @property
    def n_anchors(self) -> int:
        """How many rows the estimate rests on."""
        return int(self.anchors.sum())

    @property
    def rate(self) -> float:
        """Estimated share of labeled rows whose label names another class."""
        return float(np.clip(1.0 - np.trace(self.joint), 0.0, 1.0))

    def effective_anchors(self) -> float:
        """How many independent draws would pin :attr:`rate` down as well as the anchors do:
        the rate weighs each class's anchors by the class's size, so a small class with many
        anchors counts for less (Kish's effective sample size, ``1 / Σ w_j² / n_j``)."""
        weight = self.joint.sum(axis=1)
        used = (weight > 0) & (self.anchors > 0)
        if not used.any():
            return 0.0
        return float(weight[used].sum() ** 2 / np.sum(weight[used] ** 2 / self.anchors[used]))

    def interval(self, z: float = 1.96) -> tuple[float, float]:
        """The Wilson score interval of :attr:`rate` over :meth:`effective_anchors` draws,
        ``z`` standard errors wide on each side (95% for the default); above 0 even when no
        anchor is wrong. It covers the draw of the anchors, not their impurity: anchors of
        another true class that carry their own label read as noise, so the estimate runs
        high where classes overlap even at their cores."""
        low, high = wilson(self.rate, max(self.effective_anchors(), 1.0), z)
        return float(low), float(high)

    def label_upper(self, z: float) -> np.ndarray:
        """Per given label, the upper end of the Wilson interval of its noise rate
        (P(true label ≠ it | given it)) over the anchors that carry it, (n_classes,)."""
        rates = 1.0 - np.diag(self.given_to_true())
        return wilson(rates, np.maximum(self.given_anchors, 1.0), z)[1]

    def given_to_true(self) -> np.ndarray:
        """P(true label = j | given label = i), shape (n_classes, n_classes), rows sum to 1
        (a label no anchor carries is taken to be right)."""
        given = self.joint.T
        total = given.sum(axis=1, keepdims=True)
        identity = np.eye(len(given))
        return np.where(total > 0, given / np.where(total > 0, total, 1.0), identity)


def wilson(p: Any, n: Any, z: float) -> tuple[Any, Any]:
    """The Wilson score interval (low, high) of a share ``p`` over ``n`` draws, ``z`` standard
    errors wide on each side (arrays element-wise), clipped to [0, 1]."""
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low, high = (centre - spread) / (1 + z * z / n), (centre + spread) / (1 + z * z / n)
    return np.maximum(low, 0.0), np.minimum(high, 1.0)


def estimate_noise(
    codes: np.ndarray, predicted: np.ndarray, confidence: np.ndarray, judged: np.ndarray,
    n_classes: int, copies_label: np.ndarray | None = None,
) -> NoiseEstimate:  # fmt: skip
    """Estimate class-conditional label noise from each class's anchor rows.

    When noise depends only on a row's true class, the rows most surely of class ``j`` carry
    label ``i`` as often as any row of class ``j`` does. So among each predicted class's
    anchors — its most confident ``ANCHOR_SHARE`` (at least ``ANCHOR_MIN_ROWS``, at most
    half the class) — the share of each given label estimates P(given = i | true = j); the
    predicted class sizes weight them into the joint distribution. ``predicted`` and
    ``confidence`` must come from a model that did not see the row's own label
    (leave-one-out or out-of-fold), or the anchors would favour rows whose label is right.

    Counting every row the model doubts as noise, as confident learning's joint does,
    counts the classes' own overlap as noise; anchors sit away from it.

    ``copies_label`` (-1 elsewhere) gives the rows in groups of copies that carry several
    labels the label their group holds to: a model cannot tell copies apart, so a copy's
    prediction from the others is the group's other labels (30 identical rows labeled half
    ``a``, half ``b`` would read as 100% noise). Such a row counts as an anchor of that label
    instead, and as noise where its own label differs.
    """
    if copies_label is None:
        copies_label = np.full(len(codes), -1)
    copies = judged & (copies_label >= 0)
    copied = np.zeros((n_classes, n_classes))
    np.add.at(copied, (copies_label[copies], codes[copies]), 1.0)
    rows = np.flatnonzero(judged & (codes >= 0) & ~copies)
    if not len(rows) and not copied.any():
        none = np.zeros(n_classes, dtype=np.int64)
        return NoiseEstimate(np.diag(np.full(n_classes, 1.0 / n_classes)), none, none)
    predicted, given = predicted[rows], codes[rows]
    order = np.lexsort((-confidence[rows], predicted))
    size = np.bincount(predicted, minlength=n_classes)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    rank = np.empty(len(rows), dtype=np.int64)
    rank[order] = np.arange(len(rows)) - start[predicted[order]]
    n_anchors = np.minimum(
        np.maximum(np.ceil(ANCHOR_SHARE * size), ANCHOR_MIN_ROWS), np.ceil(size / 2)
    )
    anchor = rank < n_anchors[predicted]
    counts = np.zeros((n_classes, n_classes))
    np.add.at(counts, (predicted[anchor], given[anchor]), 1.0)
    anchors = counts.sum(axis=1)
    flip = counts / np.maximum(anchors, 1.0)[:, None]
    joint = (flip * size[:, None] + copied) / (len(rows) + copied.sum())
    return NoiseEstimate(
        joint,
        (anchors + copied.sum(axis=1)).astype(np.int64),
        (counts.sum(axis=0) + copied.sum(axis=0)).astype(np.int64),
    )


def confusable_pairs(
    labels: Labels,
    confusion: np.ndarray,
    flagged: np.ndarray,
    suggested: np.ndarray,
    row_ids: np.ndarray,
    top: int = 10,
) -> list[dict[str, Any]]:
    """Class pairs that blur into each other most, from the model's probabilities: for rows
    labeled ``a``, the mean probability of ``b``, plus the reverse, with example rows."""
    codes = labels.codes
    sizes = np.maximum(np.bincount(codes[codes >= 0], minlength=labels.n_classes), 1)
    rate = confusion / sizes[:, None]
    np.fill_diagonal(rate, 0.0)
    blur = rate + rate.T
    upper = np.triu_indices(labels.n_classes, k=1)
    order = np.argsort(-blur[upper])[:top]
    pairs = []
    for a, b in zip(upper[0][order], upper[1][order], strict=True):
        examples = []
        for given, other in ((a, b), (b, a)):
            rows = np.flatnonzero(flagged & (codes == given) & (suggested == other))
            examples += [row_ids[r].item() if hasattr(row_ids[r], "item") else row_ids[r]
                         for r in rows[:EXAMPLES_PER_PAIR]]  # fmt: skip
        pairs.append({
            "labels": [_name(labels, a), _name(labels, b)],
            "confusion": round(float(blur[a, b]), 4),
            "flagged_between": int(((codes == a) & (suggested == b) & flagged).sum()
                                   + ((codes == b) & (suggested == a) & flagged).sum()),
            "example_row_ids": examples,
        })  # fmt: skip
    return pairs


def summarize_noise(
    labels: Labels,
    mislabeled: np.ndarray,
    suggested: np.ndarray,
    confusion: np.ndarray,
    row_ids: np.ndarray,
    *,
    off_topic: np.ndarray,
    conflicting: np.ndarray,
    estimate: NoiseEstimate,
) -> dict[str, Any]:
    """The label_errors summary entry: counts and the dataset-level estimates (noise rate,
    per-class rates and the noise matrix from ``estimate``, not from the flags)."""
    codes = labels.codes
    labeled = codes >= 0
    matrix = estimate.given_to_true()
    present = np.bincount(codes[labeled], minlength=labels.n_classes) > 0
    per_class = {
        _name(labels, c): round(float(1.0 - matrix[c, c]), 4) if present[c] else 0.0
        for c in range(labels.n_classes)
    }
    entry: dict[str, Any] = {
        "count": int(mislabeled.sum()),
        "n_off_topic": int(off_topic.sum()),
        "n_conflicting_copies": int(conflicting.sum()),
        "n_unlabeled": int((~labeled).sum()),
        "n_classes": labels.n_classes,
        "estimated_noise_rate": round(estimate.rate, 4),
        "estimated_noise_rate_interval": [round(bound, 4) for bound in estimate.interval()],
        "noise_rate_per_class": per_class,
        "noise_estimate_anchors": estimate.n_anchors,
    }
    if labels.n_classes <= FULL_MATRIX_MAX_CLASSES:
        entry["noise_matrix"] = {
            "classes": [_name(labels, c) for c in range(labels.n_classes)],
            "given_to_true": np.round(matrix, 4).tolist(),
        }
    off = matrix.copy()
    np.fill_diagonal(off, 0.0)
    flat = np.argsort(-off, axis=None)[:TOP_ENTRIES]
    entry["top_flips"] = [
        {"given": _name(labels, i), "true": _name(labels, j), "share": round(float(off[i, j]), 4)}
        for i, j in zip(*np.unravel_index(flat, off.shape), strict=True)
        if off[i, j] > 0
    ]
    entry["confusable_pairs"] = confusable_pairs(labels, confusion, mislabeled, suggested, row_ids)
    entry["class_balance"] = class_balance(labels)
    return entry
