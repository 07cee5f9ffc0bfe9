"""Dataset-level label-noise estimates: noise rate, noise matrix, confusable pairs, balance."""

from __future__ import annotations

from typing import Any

import numpy as np

from siftkit.data.dataset import Labels

#: The full K x K noise matrix goes into the summary up to this many classes; beyond, only
#: its largest off-diagonal entries do.
FULL_MATRIX_MAX_CLASSES = 50
TOP_ENTRIES = 20
EXAMPLES_PER_PAIR = 3


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


def noise_matrix(labels: Labels, flagged: np.ndarray, suggested: np.ndarray) -> np.ndarray:
    """Estimated P(true label = j | given label = i), shape (n_classes, n_classes): flagged
    rows move to their suggested label, the rest stay on the diagonal."""
    codes, n = labels.codes, labels.n_classes
    labeled = codes >= 0
    counts = np.zeros((n, n))
    true = np.where(flagged, suggested, codes)
    np.add.at(counts, (codes[labeled], true[labeled]), 1.0)
    return counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)


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
) -> dict[str, Any]:
    """The label_errors summary entry: counts and the dataset-level estimates."""
    codes = labels.codes
    labeled = codes >= 0
    n_labeled = max(int(labeled.sum()), 1)
    wrong = mislabeled | off_topic
    per_class = {}
    for c in range(labels.n_classes):
        members = codes == c
        per_class[_name(labels, c)] = (
            round(float(wrong[members].mean()), 4) if members.any() else 0.0
        )
    matrix = noise_matrix(labels, mislabeled, suggested)
    entry: dict[str, Any] = {
        "count": int(mislabeled.sum()),
        "n_off_topic": int(off_topic.sum()),
        "n_conflicting_copies": int(conflicting.sum()),
        "n_unlabeled": int((~labeled).sum()),
        "n_classes": labels.n_classes,
        "estimated_noise_rate": round(float(wrong.sum() / n_labeled), 4),
        "noise_rate_per_class": per_class,
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
