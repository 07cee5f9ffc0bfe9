"""Text rows joined with their words, for the analyses that group rows.

:mod:`siftkit.embed.words` joins each row's embedding with the words of its text; the
view is fitted once per run (:meth:`Context.shared_result`) and shared by the analyses that
use it (``clusters``, ``labeling``), as is the kNN graph of the joined rows.
"""

from __future__ import annotations

import numpy as np

from siftkit.detectors.base import Context
from siftkit.embed.words import WordView
from siftkit.neighbors import KnnGraph, build_graph

WORD_VIEW = "word_view"
JOINED_ROWS = "rows_with_words"
JOINED_GRAPH = "graph_with_words"


def word_view(context: Context) -> WordView | None:
    """The words of the run's texts (None for a run without a text column)."""
    if context.texts is None:
        return None
    return context.shared_result(
        WORD_VIEW, lambda: WordView(random_state=context.random_state).fit(context.texts)
    )


def rows_with_words(context: Context) -> np.ndarray:
    """The run's embeddings joined with their texts' words, (n_rows, n_dims + word dims)
    unit rows; the embeddings themselves for a run without a text column."""
    view = word_view(context)
    if view is None:
        return context.embeddings
    return context.shared_result(JOINED_ROWS, lambda: view.join(context.embeddings, context.texts))


def joined_rows_computed(context: Context) -> np.ndarray | None:
    """:func:`rows_with_words` when an analysis of the run joined them, else None."""
    return context.computed(JOINED_ROWS)


def graph_with_words(context: Context) -> KnnGraph:
    """The kNN graph of :func:`rows_with_words` (as many neighbours as the run's graph);
    the run's graph for a run without a text column, or with a single row (no neighbours)."""
    if word_view(context) is None or context.graph.k == 0:
        return context.graph
    return context.shared_result(
        JOINED_GRAPH,
        lambda: build_graph(
            rows_with_words(context), k=context.graph.k, random_state=context.random_state
        ),
    )
