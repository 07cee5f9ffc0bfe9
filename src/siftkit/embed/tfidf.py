"""TF-IDF + truncated SVD (LSA): a text encoder that needs no model at all."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from siftkit.embed.base import Encoder, register_encoder
from siftkit.exceptions import NotFittedError


@register_encoder("tfidf")
class TfidfSvdEncoder(Encoder):
    """Word and bigram TF-IDF reduced by truncated SVD; fitted on the dataset itself.

    Parameters
    ----------
    n_components : output dimensions (fewer when the vocabulary is smaller).
    random_state : seed of the randomized SVD.
    """

    modality = "text"

    def __init__(self, n_components: int = 256, random_state: int = 0) -> None:
        self.n_components = n_components
        self.random_state = random_state
        self.batch_size = 4096

    def fit(self, dataset: Any) -> TfidfSvdEncoder:
        return self.fit_texts(dataset.texts)

    def fit_texts(self, texts: Sequence[str]) -> TfidfSvdEncoder:
        """Fitted on ``texts`` themselves (what :meth:`fit` does with a dataset's texts)."""
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        options = {
            "sublinear_tf": True, "min_df": 2 if len(texts) >= 1000 else 1,
            "max_features": 200_000, "dtype": np.float32,
        }  # fmt: skip
        self.vectorizer_ = TfidfVectorizer(ngram_range=(1, 2), **options)
        try:
            matrix = self.vectorizer_.fit_transform(texts)
        except ValueError:  # no word of 2+ characters (e.g. "a", "?"): use characters
            self.vectorizer_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), **options)
            matrix = self.vectorizer_.fit_transform(texts)
        n_components = min(self.n_components, matrix.shape[1] - 1, matrix.shape[0] - 1)
        self.svd_ = None
        if n_components >= 2:
            self.svd_ = TruncatedSVD(n_components=n_components, random_state=self.random_state)
            self.svd_.fit(matrix)
        return self

    def inputs(self, dataset: Any) -> Sequence[str]:
        return dataset.texts

    def embed_batch(self, items: Sequence[str]) -> np.ndarray:
        if not hasattr(self, "vectorizer_"):
            raise NotFittedError("TfidfSvdEncoder is not fitted yet; call fit(dataset) first.")
        matrix = self.vectorizer_.transform(list(items))
        if self.svd_ is None:  # a vocabulary of one or two words: keep the raw weights
            return matrix.toarray().astype(np.float32)
        return self.svd_.transform(matrix).astype(np.float32)
