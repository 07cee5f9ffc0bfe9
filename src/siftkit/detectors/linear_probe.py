"""A one-hot ridge probe with exact leave-one-out predictions, in closed form.

Fitting ``W = (XᵀX + αI)⁻¹ XᵀY`` once gives every row's prediction as if the row had been
left out of training: ``f₋ᵢ = (fᵢ − hᵢ yᵢ) / (1 − hᵢ)`` with ``hᵢ`` the row's leverage. That is
out-of-fold probabilities without folds, in one (d × d) solve — seconds for 100,000 rows.
Scores become probabilities through a softmax whose temperature is fitted by likelihood.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

TEMPERATURES = (0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5)
BLOCK_ROWS = 8192
#: Judged rows that fit a temperature, at most (an evenly spaced sample beyond).
TEMPERATURE_ROWS = 20_000


def _with_bias(block: np.ndarray) -> np.ndarray:
    return np.hstack([block, np.ones((len(block), 1), dtype=block.dtype)]).astype(np.float64)


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def row_blocks(n_rows: int) -> Iterator[slice]:
    """Consecutive blocks of BLOCK_ROWS rows: every blockwise view walks rows the same way."""
    for start in range(0, n_rows, BLOCK_ROWS):
        yield slice(start, min(start + BLOCK_ROWS, n_rows))


def fit_temperature(
    scores_of: Callable[[np.ndarray], np.ndarray],
    codes: np.ndarray,
    judged: np.ndarray,
    temperatures: Sequence[float],
    weights: np.ndarray | None = None,
) -> float:
    """The softmax temperature that maximises the likelihood of the labels of the ``judged``
    rows; ``scores_of(rows)`` gives the class scores of those row positions; ``weights``
    (per row, default 1) weigh each row's log-likelihood. It is one number: beyond
    TEMPERATURE_ROWS judged rows, an evenly spaced sample of them decides it, and only those
    rows are scored."""
    return fit_calibration(scores_of, codes, judged, temperatures, weights)[0]


def with_floor(proba: np.ndarray, floor: float, n_classes: int | None = None) -> np.ndarray:
    """``proba`` (n_rows, n_classes) with the share ``floor`` of each row spread evenly over
    the classes: ``(1 − floor)·p + floor / n_classes``; with ``n_classes``, ``proba`` may be
    any probabilities of that many classes (one per row, say)."""
    return (1.0 - floor) * proba + floor / (proba.shape[1] if n_classes is None else n_classes)


def _top_log_odds(top: np.ndarray) -> np.ndarray:
    top = np.clip(top, 1e-12, 1.0 - 1e-12)
    return np.log(top) - np.log1p(-top)


def with_top_slope(proba: np.ndarray, slope: float) -> np.ndarray:
    """``proba`` (n_rows, n_classes) with each row's top probability ``p`` moved to
    ``σ(slope · logit p)``, its log-odds scaled by ``slope`` (0.5 stays put), and the row's
    other classes scaled to share what is left; a row whose classes are all equal stays as
    it is. A ``slope`` in (0, 1] keeps every row's top class on top."""
    if not 0.0 < slope <= 1.0:
        raise ValueError(f"slope must be in (0, 1], got {slope}")
    rows = np.arange(len(proba))
    predicted = proba.argmax(axis=1)
    top = proba[rows, predicted]
    moved = 1.0 / (1.0 + np.exp(-slope * _top_log_odds(top)))
    moved[top >= 1.0] = 1.0
    rest = 1.0 - top
    scale = np.divide(1.0 - moved, rest, out=np.zeros_like(rest), where=rest > 0)
    out = proba * scale[:, None]
    out[rows, predicted] = moved
    flat = np.ptp(proba, axis=1) == 0
    out[flat] = proba[flat]
    return out


def fit_top_slope(
    proba: np.ndarray,
    codes: np.ndarray,
    slopes: Sequence[float],
    weights: np.ndarray | None = None,
) -> float:
    """The slope of :func:`with_top_slope`, among ``slopes``, that maximises the likelihood of
    whether each row's predicted class is its label (``codes``), the top probability taken
    as the chance that it is: a calibration of the predicted class alone, which the whole
    distribution's temperature can leave over-sure of sure rows and under-sure of unsure
    ones. ``weights`` (per row, default 1) weigh each row's log-likelihood."""
    top = proba.max(axis=1)
    right = proba.argmax(axis=1) == codes
    log_odds = _top_log_odds(top)
    weight = np.ones(len(top)) if weights is None else weights
    nll = []
    for slope in slopes:
        # log σ(z) = -log(1 + e^-z), log(1 - σ(z)) = -log(1 + e^z)
        z = slope * log_odds
        nll.append((weight * np.logaddexp(0.0, np.where(right, -z, z))).sum())
    return float(slopes[int(np.argmin(nll))])


def fit_calibration(
    scores_of: Callable[[np.ndarray], np.ndarray],
    codes: np.ndarray,
    judged: np.ndarray,
    temperatures: Sequence[float],
    weights: np.ndarray | None = None,
    floors: Sequence[float] = (0.0,),
) -> tuple[float, float]:
    """The softmax temperature and the floor (:func:`with_floor`: a share of each row spread
    evenly over the classes) that together maximise the likelihood of the labels of the
    ``judged`` rows, as :func:`fit_temperature` fits the temperature alone (which is
    ``floors=(0.0,)``). A floor gives the rows predicted surely and wrongly some chance of
    their class, which a temperature can give them only by flattening every row."""
    rows_judged = np.flatnonzero(judged)
    sampled = rows_judged[:: max(1, len(rows_judged) // TEMPERATURE_ROWS)]
    nll = np.zeros((len(temperatures), len(floors)))
    for start in range(0, len(sampled), BLOCK_ROWS):
        rows = sampled[start : start + BLOCK_ROWS]
        scores, own = scores_of(rows), codes[rows]
        weight = np.ones(len(rows)) if weights is None else weights[rows]
        for t, temperature in enumerate(temperatures):
            p = softmax(scores, temperature)[np.arange(len(own)), own]
            for f, floor in enumerate(floors):
                kept = with_floor(p, floor, scores.shape[1])
                nll[t, f] -= (weight * np.log(np.maximum(kept, 1e-12))).sum()
    t, f = np.unravel_index(int(np.argmin(nll)), nll.shape)
    return temperatures[t], floors[f]


@dataclass
class RidgeProbe:
    """Leave-one-out class scores of a ridge regression onto one-hot labels.

    Parameters
    ----------
    alpha : ridge penalty.
    """

    alpha: float = 1.0

    def fit(self, vectors: np.ndarray, codes: np.ndarray, train: np.ndarray, n_classes: int):
        """Fit on rows where ``train`` is true (their labels ``codes`` are >= 0)."""
        from scipy.sparse import csr_matrix

        x = _with_bias(vectors[train])
        # one-hot labels as a sparse matrix: (n_rows, n_classes) dense would not fit at scale
        onehot = csr_matrix(
            (np.ones(len(x)), (np.arange(len(x)), codes[train])), shape=(len(x), n_classes)
        )
        gram = x.T @ x
        gram[np.diag_indices_from(gram)] += self.alpha
        self.inverse_ = np.linalg.inv(gram)
        self.weights_ = self.inverse_ @ np.asarray((onehot.T @ x).T)
        self.n_classes_ = n_classes
        return self

    def scores(
        self, vectors: np.ndarray, codes: np.ndarray, train: np.ndarray
    ) -> Iterator[tuple[slice, np.ndarray]]:
        """Blocks of (rows, scores of shape (block, n_classes)); training rows get their
        leave-one-out scores, the others plain predictions."""
        for rows in row_blocks(len(vectors)):
            yield rows, self.scores_of(vectors, codes, train, rows)

    def scores_of(
        self, vectors: np.ndarray, codes: np.ndarray, train: np.ndarray, rows: slice | np.ndarray
    ) -> np.ndarray:
        """The scores of the ``rows`` (a slice or positions), (n_selected, n_classes)."""
        x = _with_bias(vectors[rows])
        scores = x @ self.weights_
        in_train = train[rows]
        if in_train.any():
            leverage = np.einsum("ij,ij->i", x[in_train] @ self.inverse_, x[in_train])
            own = np.zeros((in_train.sum(), self.n_classes_))
            own[np.arange(len(own)), codes[rows][in_train]] = 1.0
            scores[in_train] = (scores[in_train] - leverage[:, None] * own) / np.maximum(
                1.0 - leverage[:, None], 1e-6
            )
        return scores

    def calibrate(
        self, vectors: np.ndarray, codes: np.ndarray, train: np.ndarray, judged: np.ndarray
    ) -> float:
        """The softmax temperature that maximises the likelihood of the labels of the
        ``judged`` rows (left-out training rows are judged on their leave-one-out scores).

        Judging all labeled rows, not only the training rows, keeps the probabilities as
        uncertain as the labels really are after a refit without suspected errors.
        """
        self.temperature_ = fit_temperature(
            lambda rows: self.scores_of(vectors, codes, train, rows), codes, judged, TEMPERATURES
        )
        return self.temperature_

    def probabilities(
        self, vectors: np.ndarray, codes: np.ndarray, train: np.ndarray
    ) -> Iterator[tuple[slice, np.ndarray]]:
        """Blocks of (rows, calibrated class probabilities)."""
        for rows, scores in self.scores(vectors, codes, train):
            yield rows, softmax(scores, self.temperature_)
