"""Probabilities that are right as often as they say: a softmax temperature, a floor and a
slope of the predicted class, each fitted by likelihood on rows whose labels are known.

Scores become probabilities through a softmax whose temperature is fitted on judged rows
(:func:`fit_temperature`); a floor spreads a share of each row evenly over the classes, so a
row predicted surely and wrongly keeps some chance of its class (:func:`fit_calibration`
fits the two together); a slope then moves each row's top probability alone toward 0.5
(:func:`fit_top_slope`), as a temperature of the whole distribution can leave the
sure rows over-sure and the unsure ones under-sure. Used by the label-error probe, the class
prototypes and the transductive labeler.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

#: Judged rows that fit a temperature, at most (an evenly spaced sample beyond).
TEMPERATURE_ROWS = 20_000
#: Judged rows scored at once.
SCORED_ROWS = 8192


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Each row of ``scores`` (n_rows, n_classes) divided by ``temperature``, as probabilities."""
    z = scores / temperature
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


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
    for start in range(0, len(sampled), SCORED_ROWS):
        rows = sampled[start : start + SCORED_ROWS]
        scores, own = scores_of(rows), codes[rows]
        weight = np.ones(len(rows)) if weights is None else weights[rows]
        for t, temperature in enumerate(temperatures):
            p = softmax(scores, temperature)[np.arange(len(own)), own]
            for f, floor in enumerate(floors):
                kept = with_floor(p, floor, scores.shape[1])
                nll[t, f] -= (weight * np.log(np.maximum(kept, 1e-12))).sum()
    t, f = np.unravel_index(int(np.argmin(nll)), nll.shape)
    return temperatures[t], floors[f]
