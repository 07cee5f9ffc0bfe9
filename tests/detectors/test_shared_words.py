"""The rows joined with their words, shared by the analyses of a run."""

from __future__ import annotations

import numpy as np
from detector_contexts import build_context

from siftkit.detectors.words import graph_with_words, rows_with_words, word_view

TEXTS = [f"{a} {b} harbor" for a in ("cat", "boat", "rocket") for b in ("sail", "orbit", "purr")]


def test_a_run_with_texts_joins_them_once() -> None:
    context = build_context(np.random.default_rng(0).normal(size=(len(TEXTS) * 3, 8)),
                            k=5, texts=TEXTS * 3)  # fmt: skip
    view = word_view(context)
    assert view is not None and word_view(context) is view
    joined = rows_with_words(context)
    assert rows_with_words(context) is joined
    assert joined.shape[0] == context.n_rows and joined.shape[1] > context.embeddings.shape[1]
    np.testing.assert_allclose(np.linalg.norm(joined, axis=1), 1.0, atol=1e-5)
    graph = graph_with_words(context)
    assert graph_with_words(context) is graph and graph is not context.graph
    assert graph.k == context.graph.k


def test_a_run_without_texts_keeps_its_embeddings_and_graph() -> None:
    context = build_context(np.random.default_rng(0).normal(size=(30, 8)), k=5)
    assert word_view(context) is None
    assert rows_with_words(context) is context.embeddings
    assert graph_with_words(context) is context.graph
