"""What each row of a table says, for people: ``column=value, …`` (the ``values`` column).

A table whose columns all fit on the line shows them in file order. A wider one shows each
row's most unusual values first — numbers by how many robust standard deviations they lie
from their column's median, categories by how rare their value is (as the normal deviate of
the same two-sided tail) — so a row of 64 pixels reads as the pixels it lights, not as the
first few, blank in every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from siftkit._text import one_line

#: Characters of a row's line, at most; of one cell in it, at most.
VALUES_MAX_CHARS = 300
VALUE_MAX_CHARS = 40
#: Ends a line cut short.
CUT_MARK = ", …"
#: A column of fractions is rounded to this many significant digits of its typical (median)
#: size, the same places for every row (a value that would show as 0 keeps this many digits
#: of its own).
SIGNIFICANT_DIGITS = 4
#: Rows whose unusualness is scored at once (a block of rows x columns in memory).
BLOCK_ROWS = 65_536
#: Rows the columns' medians, spreads and value shares are measured on, at most.
SAMPLE_ROWS = 100_000


def row_values(frame: pd.DataFrame, columns: Sequence[Any]) -> pd.Series:
    """Each row of ``frame`` as ``column=value, …`` over ``columns``, cut at
    ``VALUES_MAX_CHARS`` (see the module), named ``values``."""
    # each column takes at least `name=x, `: how many could fit on a line at all
    least = np.cumsum([len(str(column)) + 4 for column in columns])
    fit = int(np.searchsorted(least, VALUES_MAX_CHARS, side="right")) + 1
    if fit >= len(columns):
        parts = [f"{column}=" + shown_column(frame[column]) for column in columns]
        joined = parts[0].str.cat(parts[1:], sep=", ") if len(parts) > 1 else parts[0]
    else:
        joined = _unusual_first(frame, columns, fit)
    joined = joined.reset_index(drop=True)
    cut = joined.str.len() > VALUES_MAX_CHARS
    # cut after the last cell that fits whole (within one over-long cell: inside it)
    head = joined[cut].str.slice(0, VALUES_MAX_CHARS - len(CUT_MARK) + len(", "))
    whole = head.str.replace(r", [^,]*$", "", regex=True)
    inside = whole.str.len() == head.str.len()
    whole[inside] = head[inside].str.slice(0, VALUES_MAX_CHARS - len(CUT_MARK))
    joined[cut] = whole + CUT_MARK
    return joined.rename("values")


def _unusual_first(frame: pd.DataFrame, columns: Sequence[Any], shown: int) -> pd.Series:
    """Each row's ``shown`` most unusual cells among ``columns``, most unusual first, joined
    (only those cells are formatted: a wide table costs no more than a narrow one)."""
    n = len(frame)
    scorers = [_Unusualness(frame[column]) for column in columns]
    top = np.empty((n, shown), dtype=np.int64)  # per row, its columns, most unusual first
    # equally unusual cells keep file order: each column's score a hair below the last's
    position = np.arange(len(columns), dtype=np.float64)
    for start in range(0, n, BLOCK_ROWS):
        block = frame.iloc[start : start + BLOCK_ROWS]
        score = np.column_stack([s(block[c]) for s, c in zip(scorers, columns, strict=True)])
        score = score * (1.0 - 1e-12 * position) - 1e-9 * position
        best = np.argpartition(-score, shown - 1, axis=1)[:, :shown]
        order = np.argsort(-np.take_along_axis(score, best, axis=1), axis=1, kind="stable")
        top[start : start + len(block)] = np.take_along_axis(best, order, axis=1)
    # the cells of each column, formatted together: (row, rank) pairs grouped by column
    flat = top.ravel()
    by_column = np.argsort(flat, kind="stable")
    ends = np.searchsorted(flat[by_column], np.arange(len(columns) + 1))
    cells = np.empty(n * shown, dtype=object)
    for j, column in enumerate(columns):
        where = by_column[ends[j] : ends[j + 1]]
        if len(where):
            cells[where] = (f"{column}=" + shown_column(frame[column], where // shown)).to_numpy()
    return pd.Series([", ".join(row) for row in cells.reshape(n, shown).tolist()], dtype=object)


class _Unusualness:
    """How unusual a cell is in ``column``: a number's robust z-score (its distance from the
    median over 1.4826 MADs; the mean absolute deviation where the MAD is 0), a category's
    normal deviate of its share's two-sided tail; 0 for a missing cell. Measured on at most
    ``SAMPLE_ROWS`` rows of the column; called on some of its cells, returns their scores."""

    def __init__(self, column: pd.Series) -> None:
        sample = column.iloc[:: max(1, len(column) // SAMPLE_ROWS)]
        self.numeric = pd.api.types.is_numeric_dtype(column.dtype) and not (
            pd.api.types.is_bool_dtype(column.dtype)
        )
        if self.numeric:
            basis = sample.to_numpy(dtype=np.float64, na_value=np.nan)
            basis = basis[np.isfinite(basis)]
            self.median = float(np.median(basis)) if len(basis) else 0.0
            deviation = np.abs(basis - self.median)
            mad = 1.4826 * float(np.median(deviation)) if len(basis) else 0.0
            self.scale = mad or (float(deviation.mean()) if len(basis) else 0.0) or 1.0
        else:
            self.shares = sample.astype(str).value_counts(normalize=True)
            self.unseen = 1.0 / max(len(sample), 1)

    def __call__(self, cells: pd.Series) -> np.ndarray:
        from scipy.stats import norm

        if self.numeric:
            values = cells.to_numpy(dtype=np.float64, na_value=np.nan)
            score = np.abs(values - self.median) / self.scale
        else:
            share = cells.astype(str).map(self.shares).fillna(self.unseen).to_numpy(np.float64)
            score = norm.isf(share / 2.0)
        return np.where(cells.isna().to_numpy() | ~np.isfinite(score), 0.0, score)


def shown_column(column: pd.Series, rows: np.ndarray | None = None) -> pd.Series:
    """A column's cells (those at positions ``rows``, all by default) as the ``values`` line
    shows them, as strings: whole numbers as they are, fractions to ``SIGNIFICANT_DIGITS`` of
    the column's typical size, ``NA`` where missing (column-wide operations: a table may hold
    millions of rows)."""
    missing = column.isna().to_numpy()
    if pd.api.types.is_float_dtype(column.dtype):
        values = column.to_numpy(dtype=np.float64)
        finite = values[np.isfinite(values)]
        if rows is not None:  # formatted as the whole column would be
            values, missing = values[rows], missing[rows]
        if len(finite) and (np.floor(finite) == finite).all() and np.abs(finite).max() < 1e15:
            shown = pd.Series(np.where(missing, 0, values).astype(np.int64)).astype(str)
        else:
            size = np.median(np.abs(finite[finite != 0])) if (finite != 0).any() else 1.0
            places = int(np.clip(SIGNIFICANT_DIGITS - 1 - np.floor(np.log10(size)), 0, 12))
            shown = pd.Series(np.round(values, places)).astype(str).str.removesuffix(".0")
            # a value the places would round to 0 keeps its own 4 significant digits
            hidden = (values != 0) & (np.abs(values) < 0.5 * 10.0**-places)
            shown[hidden] = [f"{v:.{SIGNIFICANT_DIGITS}g}" for v in values[hidden]]
    else:
        if rows is not None:
            column, missing = column.iloc[rows], missing[rows]
        if any(is_kind(column.dtype) for is_kind in (pd.api.types.is_numeric_dtype,
               pd.api.types.is_bool_dtype, pd.api.types.is_datetime64_any_dtype)):  # fmt: skip
            shown = column.astype(str).reset_index(drop=True)  # as pandas writes them
        else:
            shown = column.map(lambda value: one_line(value, VALUE_MAX_CHARS))
            shown = shown.reset_index(drop=True)
    shown[missing] = "NA"
    return shown
