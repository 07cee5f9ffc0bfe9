"""TF-IDF + truncated SVD (LSA): a text encoder that needs no model at all. It reads a text's
words in its first ``siftkit._text.WORD_CHARS`` characters.

Where the rows (or the vocabulary) are no more than the dimensions asked for, nothing needs
to be cut: the rows are projected onto the space they span, which keeps every similarity
between them exactly (a truncated SVD would drop its weakest direction, and with it the words
only one row uses: of three short definitions, two came out identical).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from siftkit._text import WORD_PATTERN, word_part
from siftkit.embed.base import Encoder, register_encoder
from siftkit.exceptions import NotFittedError


@register_encoder("tfidf")
class TfidfSvdEncoder(Encoder):
    """Word and bigram TF-IDF reduced by truncated SVD; fitted on the dataset itself.

    Parameters
    ----------
    n_components : output dimensions (with no more rows or words than this, as many as
        the rows span: see the module).
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

        texts = [word_part(text) for text in texts]
        options = {
            "sublinear_tf": True, "min_df": 2 if len(texts) >= 1000 else 1,
            "max_features": 200_000, "dtype": np.float32,
        }  # fmt: skip
        self.vectorizer_ = TfidfVectorizer(
            token_pattern=WORD_PATTERN, ngram_range=(1, 2), **options
        )
        try:
            matrix = self.vectorizer_.fit_transform(texts)
        except ValueError:  # no word of 2+ characters (e.g. "a", "?"): use characters
            self.vectorizer_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), **options)
            matrix = self.vectorizer_.fit_transform(texts)
        # the rows' own span where nothing needs cutting, else a truncated SVD
        if min(matrix.shape) <= self.n_components:
            self.reducer_ = _RowSpan(matrix)
        else:
            self.reducer_ = TruncatedSVD(self.n_components, random_state=self.random_state)
            self.reducer_.fit(matrix)
        return self

    def inputs(self, dataset: Any) -> Sequence[str]:
        return dataset.texts

    def embed_batch(self, items: Sequence[str]) -> np.ndarray:
        if not hasattr(self, "vectorizer_"):
            raise NotFittedError("TfidfSvdEncoder is not fitted yet; call fit(dataset) first.")
        matrix = self.vectorizer_.transform([word_part(text) for text in items])
        return self.reducer_.transform(matrix).astype(np.float32)


class _RowSpan:
    """Coordinates in an orthonormal basis of the space the fitted rows span: for a matrix
    ``M`` (n_rows, n_words) with ``M Mᵀ = U Λ Uᵀ``, the basis is ``Mᵀ U Λ^(-1/2)``, so a row
    ``x`` maps to ``x Mᵀ U Λ^(-1/2)`` — inner products among the fitted rows kept exactly,
    computed from sparse products and an (n_rows, n_rows) eigenproblem."""

    def __init__(self, matrix: Any) -> None:
        gram = np.asarray((matrix @ matrix.T).todense(), dtype=np.float64)
        values, vectors = np.linalg.eigh(gram)
        kept = values > max(values.max(initial=0.0), 1e-12) * 1e-9
        self.rows = matrix
        self.scale = vectors[:, kept] / np.sqrt(values[kept]) if kept.any() else np.zeros(
            (matrix.shape[0], 1))  # fmt: skip

    def transform(self, matrix: Any) -> np.ndarray:
        return np.asarray((matrix @ self.rows.T) @ self.scale)
