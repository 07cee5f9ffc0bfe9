"""More like these: rank every row by how likely it belongs with a few example rows.

Personalised PageRank from each example over the kNN graph ("Local Graph Clustering with
Noisy Labels"): the walk restarts at the example, so rows reached by many short paths from it
score high. The walk's probability is divided by the row's degree, as in local graph
clustering, so a hub is not ranked high just for being connected to everything (with the
symmetric normalisation used here, that is the diffused mass over the root of the degree).
Each example's walk is scaled to its highest row, so every example counts alike, and a row's
score is the power mean of its closeness to the examples with exponent ``AGREEMENT_POWER``:
below 1 it asks a row to be near most examples, not very near one (measured in
docs/labeling.md: higher average precision than one walk from all the examples at once, on
text, images and digits).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from siftkit.exceptions import InvalidParameterError
from siftkit.label.diffusion import knn_weights, normalize, spread
from siftkit.results import CONTENT_COLUMNS

#: Probability that the walk goes on rather than restarting at the examples.
RESTART = 0.85
#: Exponent of the power mean over the examples' walks (1: the plain mean; toward 0: the
#: geometric mean, a row must be near every example).
AGREEMENT_POWER = 0.25
#: Examples walked at once (the walks take rows x this many floats).
EXAMPLES_PER_WALK = 32


def more_like_these(audit: Any, row_ids: Sequence[Any] | Any, top: int | None = 50) -> pd.DataFrame:
    """Rows of ``audit`` (an :class:`~siftkit.results.Audit` or a run folder opened with
    ``siftkit.open``) ranked by closeness to the rows ``row_ids`` (or the one row id); the
    examples themselves are left out, and so are empty rows; the first ``top`` (all: None).
    Columns: ``row_id``, ``similarity_score`` (1 = the closest row), and ``text`` (or a
    table's ``values``), ``label``, ``predicted_label``, ``cluster_name`` when the run has
    them."""
    if top is not None and (isinstance(top, bool) or not isinstance(top, int | np.integer)
                            or top < 1):  # fmt: skip
        raise InvalidParameterError(f"top is a number of rows, at least 1 (or None); got {top!r}.")
    if isinstance(row_ids, str | int | np.integer):  # one id, not the characters of one
        row_ids = [row_ids]
    rows = audit.rows
    position = pd.Index(rows["row_id"])
    wanted = list(dict.fromkeys(row_ids))
    missing = [r for r in wanted if r not in position]
    if missing or not wanted:
        example = ", ".join(str(r) for r in rows["row_id"].head(3))
        raise InvalidParameterError(
            f"Row ids not in this run: {', '.join(map(str, missing)) or '(none given)'}. Row "
            f"ids look like: {example}."
        )
    seeds = position.get_indexer(wanted)
    empty = rows["is_empty"].to_numpy(dtype=bool) if "is_empty" in rows else None
    if empty is not None and empty[seeds].any():
        named = ", ".join(str(r) for r in np.asarray(wanted, dtype=object)[empty[seeds]][:5])
        raise InvalidParameterError(
            f"Rows without content are like nothing (is_empty): {named}. Give example rows "
            "with content."
        )
    graph = audit.graph
    weights = knn_weights(graph.indices, graph.similarities)
    degree = np.asarray(weights.sum(axis=1)).ravel()
    score = _closeness(normalize(weights), degree, seeds)
    score[seeds] = -np.inf
    if empty is not None:  # a row without content is like nothing
        score[empty] = -np.inf
    order = np.argsort(-score, kind="stable")
    order = order[np.isfinite(score[order])]
    if top is not None:
        order = order[:top]
    best = score[order[0]] if len(order) and score[order[0]] > 0 else 1.0
    out = pd.DataFrame({"row_id": rows["row_id"].to_numpy()[order],
                        "similarity_score": np.clip(score[order] / best, 0.0, 1.0)})  # fmt: skip
    for column in (*CONTENT_COLUMNS, "label", "predicted_label", "cluster_name"):
        if column in rows:
            out[column] = rows[column].array[order]  # Int64 with gaps stays whole
    return out


def _closeness(normalized: Any, degree: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """(n_rows,) the power mean, over the ``seeds`` (row positions), of each row's walk from
    that seed over the ``normalized`` graph divided by the root of its ``degree``, each walk
    scaled to its highest row."""
    root = np.sqrt(np.maximum(degree, 1e-12))[:, None]
    total = np.zeros(len(degree))
    for first in range(0, len(seeds), EXAMPLES_PER_WALK):
        batch = seeds[first : first + EXAMPLES_PER_WALK]
        start = np.zeros((len(degree), len(batch)))
        start[batch, np.arange(len(batch))] = 1.0
        walks = np.clip(spread(normalized, start, alpha=RESTART), 0.0, None) / root
        walks /= np.maximum(walks.max(axis=0, keepdims=True), np.finfo(np.float64).tiny)
        total += (walks**AGREEMENT_POWER).sum(axis=1)
    return (total / len(seeds)) ** (1.0 / AGREEMENT_POWER)
