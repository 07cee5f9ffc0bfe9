"""Sentence embeddings joined with the words of the same texts.

A sentence encoder places a text by its gist and blurs the words it is written in: the
head of a definition ("the act of …", "a person who …"), a product's model name. Where
rows are grouped by what they are (categories; labels from a few examples or from
keywords), those words carry the group as much as the gist. ``WordView`` adds them as a
second view of each text: word and two-word-phrase TF-IDF reduced by truncated SVD (latent
semantic analysis, :class:`siftkit.embed.tfidf.TfidfSvdEncoder`), fitted on the rows
themselves. Both parts are unit length and the words weigh ``WORD_WEIGHT``, so the cosine
similarity of two joined rows (whose texts have words the view knows) is ``(cos of the
embeddings + WORD_WEIGHT² · cos of the words) / (1 + WORD_WEIGHT²)`` — embedding
similarity with a share of word similarity, as record linkage mixes the two ("Linking
Datasets on Organizations Using Half A Billion Open Collaborated Records").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from siftkit.embed.base import l2_normalize
from siftkit.embed.tfidf import TfidfSvdEncoder

#: Dimensions of the word view (fewer when the texts have fewer terms).
WORD_DIMS = 200
#: Length of the word part of a joined vector, the embedding part's being 1; the words'
#: share of the joined cosine is WORD_WEIGHT² / (1 + WORD_WEIGHT²), a fifth at 0.5.
#: (Chosen on WordNet glosses, draws 10-19 of the labeling benchmark, the kNN graph built on
#: the joined rows: 0.3 / 0.5 / 0.7 / 1.0 gave macro-F1 0.423 / 0.435 / 0.425 / 0.364 with
#: five labels per class, 0.410 without words.)
WORD_WEIGHT = 0.5


class WordView:
    """Joins vectors embedded from texts with those texts' words.

    Parameters
    ----------
    n_dims : dimensions of the word view.
    weight : length of the word part against the embedding part's 1.
    random_state : seed of the randomized SVD.
    """

    def __init__(
        self, n_dims: int = WORD_DIMS, weight: float = WORD_WEIGHT, random_state: int = 0
    ) -> None:
        self.n_dims = n_dims
        self.weight = weight
        self.random_state = random_state

    def fit(self, texts: Sequence[str]) -> WordView:
        """Learn the words, their weights and the SVD from ``texts`` (the rows)."""
        self.encoder_ = TfidfSvdEncoder(self.n_dims, self.random_state).fit_texts(texts)
        return self

    def join(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """``vectors`` (n, d), each the embedding of one of ``texts``, made unit length and
        followed by ``weight`` times the unit word view of the text; the joined rows scaled
        to unit length: (n, d + word dims) float32."""
        words = l2_normalize(self.encoder_.embed_batch(list(texts)))
        return l2_normalize(np.hstack([l2_normalize(vectors), np.float32(self.weight) * words]))
