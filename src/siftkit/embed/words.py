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

from siftkit.embed.base import has_content, l2_normalize
from siftkit.embed.tfidf import TfidfSvdEncoder

#: Dimensions of the word view (fewer when the texts have fewer terms).
WORD_DIMS = 200
#: Length of the word part of a joined vector, the embedding part's being 1; the words'
#: share of the joined cosine is WORD_WEIGHT² / (1 + WORD_WEIGHT²), a fifth at 0.5.
#: (Chosen on WordNet glosses, draws 10-19 of the labeling benchmark, the kNN graph built on
#: the joined rows: 0.3 / 0.5 / 0.7 / 1.0 gave macro-F1 0.423 / 0.435 / 0.425 / 0.364 with
#: five labels per class, 0.410 without words.)
WORD_WEIGHT = 0.5
#: Texts the words are learned from, at most: beyond, an even sample of them (the vocabulary
#: and the SVD's directions are settled long before; a million texts would only cost memory).
FIT_TEXTS = 100_000
#: Rows joined at a time: the word view of all rows is never held beside the joined rows.
JOIN_BLOCK = 65_536


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
        """Learn the words, their weights and the SVD from ``texts`` (the rows; at most
        ``FIT_TEXTS`` of them, evenly spaced)."""
        texts = list(texts)
        if len(texts) > FIT_TEXTS:
            texts = [texts[i] for i in np.linspace(0, len(texts) - 1, FIT_TEXTS).astype(int)]
        self.encoder_ = TfidfSvdEncoder(self.n_dims, self.random_state).fit_texts(texts)
        return self

    def join(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """``vectors`` (n, d), each the embedding of one of ``texts``, made unit length and
        followed by ``weight`` times the unit word view of the text; the joined rows scaled
        to unit length (a zero vector stays zero): (n, d + word dims) float32, built
        ``JOIN_BLOCK`` rows at a time."""
        texts = list(texts)
        first = self._join_block(vectors[:JOIN_BLOCK], texts[:JOIN_BLOCK])
        joined = np.empty((len(texts), first.shape[1]), dtype=np.float32)
        joined[: len(first)] = first
        for start in range(JOIN_BLOCK, len(texts), JOIN_BLOCK):
            end = start + JOIN_BLOCK
            joined[start:end] = self._join_block(vectors[start:end], texts[start:end])
        return joined

    def _join_block(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        words = l2_normalize(self.encoder_.embed_batch(texts))
        joined = l2_normalize(np.hstack([l2_normalize(vectors), np.float32(self.weight) * words]))
        # a row the encoder saw nothing in is empty (is_empty) for every analysis, whatever
        # words of it the word view knows (a 120-letter token, say)
        joined[~has_content(vectors)] = 0.0
        return joined
