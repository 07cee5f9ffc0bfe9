"""Tabular rows as vectors: scaled numeric columns, one-hot categoricals, missing values kept.

Every vector is compared by its direction (the run's vectors are unit length, their similarity
the cosine). A standardised row's direction alone says nothing of how far it lies from the
average row: a row three times as far out as another along the same line would be its exact
copy, and a row far out in any direction no outlier. So each row gets one more coordinate, the
same for all, as long as a typical row (the root mean square of the rows' lengths): a row at
the average points straight along it, a typical row lies at 45 degrees from it, a row far out
lies nearly at right angles, apart from the bulk; rows along one line from the centre are told
apart by how far along it they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from siftkit.embed.base import Encoder, register_encoder
from siftkit.exceptions import EmptyDatasetError, NotFittedError

MISSING = "__missing__"
#: A numeric column is mostly constant when it holds one value on all rows but this share at
#: most at either end (see :func:`scale_mostly_constant`).
RARE_SHARE = 0.01
#: Rows a typical row's length is measured on, at most (evenly spaced).
OFFSET_SAMPLE = 10_000


def scale_mostly_constant(values: np.ndarray, scaler: Any) -> None:
    """Set a fitted ``StandardScaler`` (fitted on ``values``, (n_rows, n_columns)) to map the
    common value of each mostly constant column (``RARE_SHARE``) to 0 and its other values to
    at most 1 in size, as a one-hot column's would, rather than standardise them: a column 0 on
    every row but six, where it is 0.001, has a standard deviation of 0.00006, so those six
    rows lay 17 units out and a copy of a row differing there by 0.001 was an outlier rather
    than a near duplicate."""
    values = np.asarray(values, dtype=np.float64)
    if not len(values):
        return
    low, high = np.quantile(values, [RARE_SHARE, 1.0 - RARE_SHARE], axis=0)
    deviation = np.abs(values - low).max(axis=0)
    mostly = (low == high) & (deviation > 0)
    scaler.mean_[mostly] = low[mostly]
    scaler.scale_[mostly] = deviation[mostly]


def keep_indicators_binary(scaler: Any, n_indicators: int) -> None:
    """Set a fitted ``StandardScaler`` to leave its last ``n_indicators`` columns (the
    missing-value indicators) 0 and 1, as one-hot columns are: standardised, an indicator
    set on few rows lies far out on them (on 3.5% of the rows, 5.2 units), so rows missing
    one value formed a category of their own and looked alike whatever their other values
    (20 of scikit-learn's 569 breast-cancer rows without their `mean radius`: the category
    "mean radius missing")."""
    if n_indicators:
        scaler.mean_[-n_indicators:] = 0.0
        scaler.scale_[-n_indicators:] = 1.0


@register_encoder("tabular")
class TabularEncoder(Encoder):
    """Numeric columns (dates as days): median-imputed, standardised (a mostly constant one
    scaled by its largest deviation: :func:`scale_mostly_constant`), plus a missing-value
    indicator, 0 or 1 (:func:`keep_indicators_binary`).
    Categorical columns: one-hot over the ``max_categories`` most frequent values (the rest
    share one column; a missing value is a category of its own).
    """

    modality = "tabular"

    def __init__(self, max_categories: int = 32) -> None:
        self.max_categories = max_categories
        self.batch_size = 8192

    def fit(self, dataset: Any) -> TabularEncoder:
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        from siftkit.data.schema import is_date_column

        self.numeric_ = list(dataset.schema.numeric)
        # told once, on all rows: a batch of a few rows must not read a date column otherwise
        self.dates_ = {c for c in self.numeric_ if is_date_column(dataset.frame[c])}
        self.categorical_ = list(dataset.schema.categorical)
        parts = []
        numeric = self._numeric(dataset.frame)
        usable = [c for c in self.numeric_ if numeric[c].notna().any()]
        if usable:
            parts.append((
                "numeric",
                make_pipeline(
                    SimpleImputer(strategy="median", add_indicator=True), StandardScaler()
                ),
                usable,
            ))  # fmt: skip
        if self.categorical_:
            parts.append((
                "categorical",
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist",
                    max_categories=self.max_categories,
                    sparse_output=False,
                ),
                self.categorical_,
            ))  # fmt: skip
        if not self.numeric_ and not self.categorical_:
            text = dataset.schema.text
            raise EmptyDatasetError(
                "The tabular encoder embeds numeric and categorical columns, and this data has "
                "none"
                + (f": its text column {text!r} is embedded by a text encoder (minilm, the "
                   "default, or tfidf)." if text is not None
                   else "; pass precomputed embeddings with --embeddings.")
            )  # fmt: skip
        if not parts:
            columns = ", ".join(self.numeric_) or "none"
            raise EmptyDatasetError(
                f"No feature column holds any value (numeric columns, all empty: {columns}); "
                "there is nothing to embed. Fill them, name a text column with --text, or "
                "pass precomputed embeddings with --embeddings."
            )
        self.transformer_ = ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)
        prepared = self._prepare(dataset.frame)
        self.transformer_.fit(prepared)
        if usable:
            (_, imputer), (_, scaler) = self.transformer_.named_transformers_["numeric"].steps
            imputed = imputer.transform(prepared[usable])
            scale_mostly_constant(imputed, scaler)
            indicator = imputer.indicator_
            keep_indicators_binary(scaler, len(indicator.features_) if indicator else 0)
        self.frame_ = dataset.frame
        # a typical row's length, from an even sample (never all rows transformed at once);
        # at least 1, so that rows all alike still get a direction
        sample = np.linspace(0, len(dataset.frame) - 1, min(len(dataset.frame), OFFSET_SAMPLE))
        rows = self.frame_.iloc[np.unique(sample.astype(int))]
        lengths = np.square(self._transform(self._prepare(rows))).sum(axis=1)
        self.offset_ = max(float(np.sqrt(lengths.mean())), 1.0)
        return self

    def _numeric(self, frame: Any) -> Any:
        import pandas as pd

        from siftkit.data.schema import as_days

        columns = {c: as_days(frame[c]) if c in self.dates_
                   else pd.to_numeric(frame[c], errors="coerce").astype(float)
                   for c in self.numeric_}  # fmt: skip
        return pd.DataFrame(columns, index=frame.index).replace([np.inf, -np.inf], np.nan)

    def _prepare(self, frame: Any) -> Any:
        out = frame[self.numeric_ + self.categorical_].copy()
        if self.numeric_:
            out[self.numeric_] = self._numeric(frame).astype(float)
        for name in self.categorical_:
            out[name] = frame[name].astype(object).where(frame[name].notna(), MISSING).astype(str)
        return out

    def inputs(self, dataset: Any) -> Sequence[int]:
        return range(len(dataset))

    def embed_batch(self, items: Sequence[int]) -> np.ndarray:
        if not hasattr(self, "transformer_"):
            raise NotFittedError("TabularEncoder is not fitted yet; call fit(dataset) first.")
        frame = self.frame_.iloc[list(items)]
        prepared = self._prepare(frame)
        features = self._transform(prepared)
        offset = np.full((len(features), 1), self.offset_, dtype=np.float32)
        vectors = np.hstack([features, offset])
        vectors[self._blank(frame, prepared)] = 0.0  # no value at all: an empty row
        return vectors

    def _blank(self, frame: Any, prepared: Any) -> np.ndarray:
        """Per row of ``frame`` (``prepared`` its :meth:`_prepare`), whether every feature
        column is missing (inf counts as missing, as for imputation)."""
        blank = np.ones(len(frame), dtype=bool)
        if self.numeric_:
            blank &= prepared[self.numeric_].isna().all(axis=1).to_numpy()
        for name in self.categorical_:
            blank &= frame[name].isna().to_numpy()
        return blank

    def _transform(self, prepared: Any) -> np.ndarray:
        """The scaled and one-hot features of rows made ready by :meth:`_prepare`."""
        return np.asarray(self.transformer_.transform(prepared), dtype=np.float32)
