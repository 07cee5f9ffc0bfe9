"""Calibration: the temperature, floor and top slope fitted on judged rows."""

from __future__ import annotations

import numpy as np
import pytest

from siftkit.calibration import (
    TEMPERATURE_ROWS,
    fit_calibration,
    fit_temperature,
    fit_top_slope,
    with_floor,
    with_top_slope,
)

TEMPERATURES = (0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5)


def test_temperature_weighs_rows_by_their_weights() -> None:
    # the first half's scores are right and sharp (a low temperature fits them); the second
    # half's lean to class 0 but half its labels are 1 (only a high one spares them)
    codes = np.where(np.arange(200) < 100, 0, np.arange(200) % 2)
    scores = np.where(np.arange(200)[:, None] < 100, [[4.0, 0.0]], [[0.1, 0.0]])
    judged = np.ones(200, dtype=bool)
    first = np.where(np.arange(200) < 100, 1.0, 0.0)

    def scores_of(rows: np.ndarray) -> np.ndarray:
        return scores[rows]

    sharp = fit_temperature(scores_of, codes, judged, TEMPERATURES, first)
    blunt = fit_temperature(scores_of, codes, judged, TEMPERATURES, 1.0 - first)
    assert sharp == min(TEMPERATURES) and sharp < blunt


def test_a_floor_serves_rows_predicted_surely_and_wrongly() -> None:
    temperatures, floors = (0.5, 1.0, 2.0, 4.0), (0.0, 0.05, 0.1, 0.2)
    # 90 rows predicted surely and rightly, 10 as surely but wrongly, of 4 classes
    codes = np.zeros(100, dtype=np.int64)
    codes[90:] = 1
    scores = np.tile([[6.0, 0.0, 0.0, 0.0]], (100, 1))
    judged = np.ones(100, dtype=bool)

    def scores_of(rows: np.ndarray) -> np.ndarray:
        return scores[rows]

    temperature, floor = fit_calibration(scores_of, codes, judged, temperatures, None, floors)
    # the floor gives the wrong rows their chance and leaves the right ones sure; a
    # temperature alone has to flatten them all
    assert floor > 0 and temperature < fit_temperature(scores_of, codes, judged, temperatures)
    # with every row right there is nothing to floor
    right = np.zeros(100, dtype=np.int64)
    assert fit_calibration(scores_of, right, judged, temperatures, None, floors)[1] == 0.0
    floored = with_floor(np.array([[0.9, 0.1, 0.0, 0.0]]), 0.2)
    np.testing.assert_allclose(floored, [[0.77, 0.13, 0.05, 0.05]])


def test_a_top_slope_draws_the_predicted_class_toward_how_often_it_is_right() -> None:
    slopes = tuple(2.0 ** np.linspace(-1.0, 0.0, 11))
    sure = np.tile([0.9, 0.05, 0.03, 0.02], (200, 1))
    unsure = np.tile([0.3, 0.25, 0.25, 0.2], (200, 1))
    proba = np.vstack([sure, unsure])

    def labels(right_sure: int, right_unsure: int) -> np.ndarray:
        codes = np.ones(400, dtype=np.int64)
        codes[:right_sure] = 0
        codes[200 : 200 + right_unsure] = 0
        return codes

    # the sure rows right 3 times in 4, the unsure 2 in 5: both nearer 0.5 than they say
    flatter = fit_top_slope(proba, labels(150, 80), slopes)
    assert flatter == 0.5
    moved = with_top_slope(proba, flatter)
    np.testing.assert_allclose(moved[0], [0.75, 0.125, 0.075, 0.05])
    assert 0.39 < moved[200, 0] < 0.40  # the unsure row's 0.3 toward the 0.4 it earns
    # right as often as they say: nothing to move
    assert fit_top_slope(proba, labels(180, 60), slopes) == 1.0
    # weights decide whose rows count: the sure rows alone, right 3 in 4, ask the same
    weights = np.r_[np.ones(200), np.zeros(200)]
    assert fit_top_slope(proba, labels(150, 60), slopes, weights) == 0.5

    edges = np.array([[0.25] * 4, [0.5, 0.5, 0.0, 0.0], [0.3, 0.3, 0.2, 0.2], [1.0, 0, 0, 0]])
    kept = with_top_slope(edges, 0.5)
    np.testing.assert_allclose(kept[:2], edges[:2])  # a flat row, and 0.5, stay put
    np.testing.assert_allclose(kept.sum(axis=1), 1.0)
    np.testing.assert_array_equal(kept.argmax(axis=1), edges.argmax(axis=1))
    assert kept[2, 0] > kept[2, 1] and kept[3, 0] == 1.0
    np.testing.assert_allclose(with_top_slope(proba, 1.0), proba)
    with pytest.raises(ValueError, match="slope"):
        with_top_slope(proba, 1.5)


def test_temperature_beyond_its_row_budget_comes_from_an_even_sample() -> None:
    rng = np.random.default_rng(8)
    n = 80_000  # all judged: a stride of 4
    codes = rng.integers(0, 4, n)
    scores = 0.1 * np.eye(4)[codes] + 0.05 * rng.normal(size=(n, 4))
    judged = np.ones(n, dtype=bool)
    scored: list[np.ndarray] = []

    def scores_of(rows: np.ndarray) -> np.ndarray:
        scored.append(rows)
        return scores[rows]

    found = fit_temperature(scores_of, codes, judged, TEMPERATURES)
    # only the sample is scored: at scale, scoring every row was most of the fit's cost
    np.testing.assert_array_equal(np.concatenate(scored), np.arange(0, n, 4))
    assert len(np.concatenate(scored)) == TEMPERATURE_ROWS
    every_fourth = np.arange(n) % 4 == 0
    assert found == fit_temperature(scores_of, codes, every_fourth, TEMPERATURES)
    # the stride walks the judged rows, not the row positions: the 40,000 odd rows (a stride
    # of 2, which over positions would keep only even rows, none of them judged) still decide
    odd = np.arange(n) % 2 == 1
    assert fit_temperature(scores_of, codes, odd, TEMPERATURES) == found
    # the sample's choice is the one all rows would make
    shifted = scores - scores.max(axis=1, keepdims=True)
    nll = [
        -(shifted[np.arange(n), codes] / t - np.log(np.exp(shifted / t).sum(axis=1))).sum()
        for t in TEMPERATURES
    ]
    assert found == TEMPERATURES[int(np.argmin(nll))]
