"""Near duplicates: rows joined by a kNN-graph edge above a similarity threshold, grouped.

The threshold is absolute and relative to the data: two rows must also lie much closer than
rows typically lie to their nearest neighbour. How much closer depends on the data's
dimension: in few dimensions (a table of three numbers) nearest-neighbour distances spread
widely, and among rows scattered at random a few percent lie within a third of the typical
distance of another. So the relative cut is also kept where such a cloud, of the data's
intrinsic dimension (the maximum-likelihood estimate of Levina and Bickel from the
neighbour distances), would put at most ``chance`` of its rows (0.1% by default).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from siftkit._validation import Interval
from siftkit.data.dataset import normalize_text
from siftkit.detectors.base import Context, Detector, Result, register_detector
from siftkit.detectors.duplicates import first_copy, first_occurrence


def group_rows(n_rows: int, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Connected components (union-find) of the given edges: a group id per row, -1 for
    rows in no edge. Groups are numbered in order of their first row."""
    groups = np.full(n_rows, -1, dtype=np.int64)
    if len(sources) == 0:
        return groups
    adjacency = coo_matrix((np.ones(len(sources)), (sources, targets)), shape=(n_rows, n_rows))
    _, component = connected_components(adjacency, directed=False)
    sizes = np.bincount(component)
    in_group = sizes[component] > 1
    _, renumbered = np.unique(component[in_group], return_inverse=True)
    first_row = pd.Series(np.flatnonzero(in_group)).groupby(renumbered).min().to_numpy()
    order = np.argsort(np.argsort(first_row))
    groups[in_group] = order[renumbered]
    return groups


#: Neighbours per row the intrinsic dimension is estimated from, at most.
DIMENSION_NEIGHBORS = 10


def intrinsic_dimension(similarities: np.ndarray) -> float:
    """The maximum-likelihood intrinsic dimension of unit rows from their kNN cosine
    ``similarities`` (n_rows, k), nearest first ("Maximum Likelihood Estimation of Intrinsic
    Dimension", Levina and Bickel; the rows' inverse estimates averaged): inf with fewer than
    two neighbours or no row whose neighbours lie at distinct positive distances."""
    k = min(similarities.shape[1], DIMENSION_NEIGHBORS)
    if k < 2:
        return float("inf")
    distances = np.sqrt(np.clip(2.0 - 2.0 * similarities[:, :k].astype(np.float64), 0.0, None))
    usable = (distances[:, 0] > 0) & (distances[:, -1] > distances[:, 0])
    if not usable.any():
        return float("inf")
    inverse = np.log(distances[usable, -1:] / distances[usable, :-1]).mean(axis=1)
    return float(1.0 / inverse.mean())


def similarity_cut(
    similarities: np.ndarray, threshold: float, relative: float, chance: float | None
) -> float:
    """The similarity at or above which two rows are near duplicates in this data: at least
    ``threshold``, and within ``relative`` times the median nearest-neighbour distance (as
    cosine distance, the squared Euclidean distance of unit rows halved), and within the
    distance a cloud of the data's intrinsic dimension would put only ``chance`` of its rows
    from their nearest neighbour (see the module; None: no such bound)."""
    if similarities.shape[1] == 0:
        return 1.0
    typical = float(np.median(1.0 - similarities[:, 0]))
    if chance is not None:
        # in a uniform cloud of dimension d, P(nearest within r medians) = 1 - 2^(-r^d)
        ratio = np.log2(1.0 / (1.0 - chance)) ** (1.0 / intrinsic_dimension(similarities))
        relative = min(relative, float(ratio) ** 2)  # cosine distances: squared ratios
    return 1.0 - min(1.0 - threshold, relative * typical)


def loose_copy(context: Context) -> np.ndarray:
    """For each row, the position of the first row whose text has the same words once
    punctuation, case and spacing are set aside ("Time travel!" and "time travel."),
    (n_rows,), read-only; its own for a row without text, content or a word. Computed once per
    run (the groups and the scores both ask)."""

    def compute() -> np.ndarray:
        own = np.arange(context.n_rows)
        if context.texts is None:
            return own
        words = pd.Series([" ".join(re.findall(r"\w+", normalize_text(t))) for t in context.texts])
        alone = ~np.asarray(context.with_content, dtype=bool) | (words == "").to_numpy()
        first = np.where(alone, own, first_occurrence(words.to_numpy()))
        first.setflags(write=False)
        return first

    return context.shared_result("loose_copy", compute)


def near_duplicate_groups(
    context: Context, threshold: float = 0.95, relative: float = 0.13, chance: float | None = 0.001
) -> tuple[np.ndarray, float]:
    """Group ids of shape (n_rows,) (-1 for rows with no near copy, read-only) and the cut
    used; computed once per run for each pair of cuts (``near_duplicates`` and
    ``label_errors``' conflicting copies both ask).

    Rows joined by a graph edge at or above :func:`similarity_cut` are grouped, and exact
    copies (equal content hashes) always are, even with more copies than neighbours, and so
    are texts that differ in punctuation alone (:func:`loose_copy`).
    """
    return context.shared_result(
        f"near_duplicate_groups({threshold}, {relative}, {chance})",
        lambda: _near_duplicate_groups(context, threshold, relative, chance),
    )


def _near_duplicate_groups(
    context: Context, threshold: float, relative: float, chance: float | None
) -> tuple[np.ndarray, float]:
    n = context.n_rows
    sims = context.graph.similarities
    cut = similarity_cut(sims, threshold, relative, chance)
    rows, cols = np.nonzero(sims >= cut - 1e-6)
    first = np.minimum(first_copy(context), loose_copy(context))  # or punctuated otherwise
    copies = np.flatnonzero(first != np.arange(n))
    sources = np.concatenate([rows, copies])
    targets = np.concatenate([context.graph.indices[rows, cols], first[copies]])
    groups = group_rows(n, sources, targets)
    groups.setflags(write=False)
    return groups, cut


def across_splits(groups: np.ndarray, splits: np.ndarray) -> dict[str, Any]:
    """The groups (``groups``, -1 for none) holding rows of two splits or more (``splits``,
    None where a row has none), a test row and its copy in training data, say: how many, and
    per split how many of its rows have a copy in another (sorted by split)."""
    grouped = (groups >= 0) & pd.notna(splits)
    rows = pd.DataFrame({"group": groups[grouped], "split": splits[grouped]})
    spread = rows.groupby("group")["split"].nunique()
    leaked = rows[rows["group"].isin(spread.index[spread > 1])]
    return {
        "groups_across_splits": int((spread > 1).sum()),
        "rows_across_splits": {
            str(split): int(n) for split, n in leaked["split"].value_counts().sort_index().items()
        },
    }


@register_detector
class NearDuplicates(Detector):
    """Rows closer to a neighbour than both an absolute and a data-relative cut form groups
    (exact duplicates join them too). ``is_near_duplicate`` flags every group member but
    the first row, i.e. the copies one could drop; ``near_duplicate_score`` is the row's
    highest similarity to any neighbour, clipped to [0, 1] (1 for an exact copy, at least the
    cut for a text differing in punctuation alone). The summary's ``count`` takes in
    the exact copies (flagged by ``duplicates`` too); ``exact_copies`` says how many of the
    flagged rows they are. With a split column, ``groups_across_splits`` counts the groups
    holding rows of two splits or more (leakage: a test row copied in the training rows), and
    ``rows_across_splits`` their rows per split.

    Parameters
    ----------
    threshold : cosine similarity two rows must reach to be near duplicates.
    relative : the cosine distance between them must also be at most ``relative`` times the
        median distance of rows to their nearest neighbour, so that in dense embedding spaces
        (pixels, tabular data) ordinary close neighbours are not taken for copies.
    chance : and at most the distance within which a cloud without copies, of the data's
        intrinsic dimension, would put this share of its rows from their nearest neighbour:
        in few dimensions close pairs happen by chance (see the module); None: no such bound.
    """

    name = "near_duplicates"
    requires = ("embeddings", "graph")
    columns = ("near_duplicate_score", "is_near_duplicate", "duplicate_group")
    parameter_constraints = {
        "threshold": [Interval(float, 0.0, 1.0, open_low=True)],
        "relative": [Interval(float, 0.0, None)],
        "chance": [type(None), Interval(float, 0.0, 1.0, open_low=True, open_high=True)],
    }

    def __init__(
        self, threshold: float = 0.95, relative: float = 0.13, chance: float | None = 0.001
    ) -> None:
        self.threshold = threshold
        self.relative = relative
        self.chance = chance

    def run(self, context: Context) -> Result:
        groups, cut = near_duplicate_groups(context, self.threshold, self.relative, self.chance)
        graph = context.graph
        score = np.zeros(context.n_rows)
        if graph.k:
            score = np.clip(graph.similarities[:, 0], 0.0, 1.0).astype(np.float64)
        copies = first_copy(context) != np.arange(context.n_rows)
        loose = loose_copy(context) != np.arange(context.n_rows)  # punctuated otherwise:
        score[loose] = np.maximum(score[loose], cut)  # at least as near as the cut
        score[copies] = 1.0
        flagged = groups >= 0
        flagged[flagged] = pd.Series(groups[flagged]).duplicated(keep="first").to_numpy()
        leakage = {} if context.splits is None else across_splits(groups, context.splits)
        return Result(
            columns={
                "near_duplicate_score": score,
                "is_near_duplicate": flagged,
                "duplicate_group": groups,
            },
            summary={
                "count": int(flagged.sum()),
                "exact_copies": int((flagged & copies).sum()),
                "n_groups": int(groups.max() + 1),
                "similarity_cut": round(cut, 4),
                "rows_in_groups": int((groups >= 0).sum()),
                "largest_group": int(np.bincount(groups[groups >= 0]).max())
                if flagged.any()
                else 0,
                **leakage,
            },
        )
