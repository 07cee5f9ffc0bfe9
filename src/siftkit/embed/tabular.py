"""Tabular rows as vectors: scaled numeric columns, one-hot categoricals, missing values kept."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from siftkit.embed.base import Encoder, register_encoder
from siftkit.exceptions import EmptyDatasetError, NotFittedError

MISSING = "__missing__"


@register_encoder("tabular")
class TabularEncoder(Encoder):
    """Numeric columns: median-imputed, standardised, plus a missing-value indicator.
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

        self.numeric_ = list(dataset.schema.numeric)
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
        if not parts:
            columns = ", ".join(self.numeric_) or "none"
            raise EmptyDatasetError(
                f"No feature column holds any value (numeric columns, all empty: {columns}); "
                "there is nothing to embed. Fill them, name a text column with --text, or "
                "pass precomputed embeddings with --embeddings."
            )
        self.transformer_ = ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)
        self.transformer_.fit(self._prepare(dataset.frame))
        self.frame_ = dataset.frame
        return self

    def _numeric(self, frame: Any) -> Any:
        import pandas as pd

        return (
            frame[self.numeric_]
            .apply(pd.to_numeric, errors="coerce")
            .replace([np.inf, -np.inf], np.nan)
        )

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
        rows = self._prepare(self.frame_.iloc[list(items)])
        return np.asarray(self.transformer_.transform(rows), dtype=np.float32)
