"""What a row's neighbours' labels say: a weighted vote, and how much they agree.

Both come from one histogram of the neighbours' labels per row; unlabeled neighbours
(code -1) do not count.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


def label_histogram(
    indices: np.ndarray, codes: np.ndarray, n_classes: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Per row, the (weighted) count of each label among its neighbours, (n_rows, n_classes).

    ``indices`` and ``weights`` have shape (n_rows, k)."""
    n = len(indices)
    if not indices.shape[1]:
        return np.zeros((n, n_classes))
    neighbor_codes = codes[indices].ravel()
    rows = np.repeat(np.arange(n), indices.shape[1])
    valid = neighbor_codes >= 0
    flat = rows[valid] * n_classes + neighbor_codes[valid]
    counted = None if weights is None else np.asarray(weights, dtype=np.float64).ravel()[valid]
    return np.bincount(flat, counted, minlength=n * n_classes).reshape(n, n_classes)


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
    is the row's nearest similarity, so close neighbours dominate. ``prior_weight``
    pseudo-votes spread by class frequency keep a row with no labeled neighbour at the
    class prior instead of undefined.
    """
    labeled = codes >= 0
    prior = np.bincount(codes[labeled], minlength=n_classes).astype(np.float64)
    prior /= max(prior.sum(), 1.0)
    weights = None
    if indices.shape[1]:
        weights = np.exp((similarities - similarities[:, :1]) / temperature)
    votes = label_histogram(indices, codes, n_classes, weights) + prior_weight * prior
    return votes / votes.sum(axis=1, keepdims=True)


class NeighborAgreement(NamedTuple):
    """How much each row's labeled neighbours agree, each of shape (n_rows,)."""

    spread: np.ndarray  # normalised entropy of their labels: 0 all agree, ~1 agree on nothing
    top_share: np.ndarray  # share of their commonest label
    top_label: np.ndarray  # their commonest label (code)

    def trusted(self, codes: np.ndarray) -> np.ndarray:
        """Rows whose neighbours' commonest label is their own and has the majority."""
        return (self.top_share >= 0.5) & (self.top_label == codes)

    def labeled_near(self) -> np.ndarray:
        """Rows with at least one labeled neighbour (the others' shares are all 0)."""
        return self.top_share > 0


def neighbor_label_spread(
    indices: np.ndarray, codes: np.ndarray, n_classes: int
) -> NeighborAgreement:
    """The plain histogram of each row's labeled neighbours' labels, summarised."""
    counts = label_histogram(indices, codes, n_classes)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    return NeighborAgreement(label_entropy(shares), shares.max(axis=1), shares.argmax(axis=1))


def expected_spread(noise_rate: float, n_classes: int) -> float:
    """The normalised label entropy of a neighbourhood inside one class when a share
    ``noise_rate`` of labels is spread uniformly over the other classes."""
    if n_classes < 2:
        return 0.0
    rho = float(np.clip(noise_rate, 1e-9, 1 - 1e-9))
    entropy = -(1 - rho) * np.log(1 - rho) - rho * np.log(rho / (n_classes - 1))
    return float(entropy / np.log(n_classes))


def label_entropy(proba: np.ndarray) -> np.ndarray:
    """Entropy of each row's distribution over classes, divided by log(n_classes): 0 when
    one class has everything, 1 when all classes are equally likely. Shape (n_rows,)."""
    if proba.shape[1] < 2:
        return np.zeros(len(proba))
    logs = np.log(np.clip(proba, 1e-12, None))
    return 0.0 - (proba * logs).sum(axis=1) / np.log(proba.shape[1])  # 0.0 -: no "-0.0"
