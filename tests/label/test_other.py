"""``fits_no_class``: the rows the ``other`` label goes to."""

from __future__ import annotations

import numpy as np

from siftkit.embed.base import l2_normalize
from siftkit.label.other import fits_no_class


def _classes(rng: np.random.Generator, per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """Two tight classes around the first two axes of 8, with their codes."""
    centers = np.eye(8)[:2] * 5.0
    codes = np.repeat([0, 1], per_class)
    return centers[codes] + rng.normal(scale=0.3, size=(len(codes), 8)), codes


def test_rows_far_from_their_class_fit_none() -> None:
    rng = np.random.default_rng(0)
    vectors, codes = _classes(rng, 50)
    strays = np.eye(8)[5:8] * 5.0 + rng.normal(scale=0.3, size=(3, 8))  # other axes
    vectors = l2_normalize(np.vstack([vectors, strays]))
    predicted = np.concatenate([codes, [0, 1, 0]])  # each stray still gets a class
    flagged = fits_no_class(vectors, predicted, 2)
    assert flagged[-3:].all()
    assert flagged[:-3].mean() <= 0.05  # the far tail of a class's own rows, at most


def test_rows_that_all_fit_their_class_are_mostly_kept() -> None:
    for seed in range(5):
        vectors, codes = _classes(np.random.default_rng(seed), 60)
        assert fits_no_class(l2_normalize(vectors), codes, 2).mean() <= 0.05
