"""Toy data for category discovery tests: blobs of vectors and topics of short texts."""

from __future__ import annotations

import numpy as np
from toy_data import TOPIC_WORDS, blobs, fake_bucket, topic_frame  # noqa: F401 (re-exported)


def nested_blobs(
    per: int = 40, dims: int = 20, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """3 groups of 3 overlapping sub-blobs: a graph with structure at two scales. Returns
    vectors, the sub-blob (fine) and the group (coarse) of each row."""
    rng = np.random.default_rng(seed)
    parts, fine = [], []
    for group in range(3):
        for sub in range(3):
            center = 2.0 * np.eye(dims)[group] + 0.3 * rng.normal(size=dims)
            parts.append(center + 0.3 * rng.normal(size=(per, dims)))
            fine += [3 * group + sub] * per
    fine = np.asarray(fine)
    return np.concatenate(parts).astype(np.float32), fine, fine // 3


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two labelings group the rows the same way, whatever their numbers."""
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def few_pins_and_a_piece(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian classes of 2,000 rows (16-d; rows 0-1999 and 2000-3999) and a 12-row
    piece far from both (rows 4000-4011), with 5 pins per class, one of class 0's in the
    piece: (vectors, pinned codes, -1 for unpinned rows)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, (3, 16))
    X = np.vstack([
        centres[0] + rng.normal(0, 1, (2000, 16)),
        centres[1] + rng.normal(0, 1, (2000, 16)),
        centres[2] + rng.normal(0, 0.3, (12, 16)),
    ])  # fmt: skip
    pinned = np.full(len(X), -1)
    pinned[[*rng.choice(2000, 4, replace=False), 4000]] = 0
    pinned[2000 + rng.choice(2000, 5, replace=False)] = 1
    return X, pinned
