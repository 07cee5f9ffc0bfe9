"""What to label next: a budgeted list of rows whose labels would help most.

A row's priority is its **uncertainty** (1 − ``label_confidence``, or 1 − the cluster
confidence before any labeling) times its **representativeness** (its mean similarity to
its nearest neighbours, as a percentile: rows in dense regions speak for many others). The
budget is **spread over the clusters** in proportion to their size (each cluster gets at
least one row while the budget lasts); within a cluster rows are taken by priority,
skipping any row that is a near neighbour of one already taken, so the list does not ask
for the same thing twice. Rows that already have a label, and empty rows (nothing to
label), are never proposed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from siftkit.exceptions import InvalidParameterError, RunFolderError
from siftkit.results import CONTENT_COLUMNS

#: A picked row's nearest neighbours (this many) are not picked after it.
NEIGHBORS_SKIPPED = 5


def _allocation(sizes: np.ndarray, budget: int) -> np.ndarray:
    """Rows per cluster: one each for the largest while the budget lasts, the rest in
    proportion to size (largest remainders first). Empty clusters get none."""
    quota = np.zeros(len(sizes), dtype=np.int64)
    order = np.argsort(-sizes, kind="stable")
    first = order[: min(budget, int((sizes > 0).sum()))]
    quota[first] = 1
    left = budget - quota.sum()
    if left > 0:
        share = sizes / sizes.sum() * left
        extra = np.floor(share).astype(np.int64)
        remainder = left - extra.sum()
        extra[np.argsort(-(share - extra), kind="stable")[:remainder]] += 1
        quota += extra
    return np.minimum(quota, sizes)


def rows_to_label(audit: Any, budget: int) -> pd.DataFrame:
    """The ``budget`` rows of a run worth labeling next, best first (see the module)."""
    if not isinstance(budget, int | np.integer) or budget < 1:
        raise InvalidParameterError(
            f"The budget must be a positive number of rows; got {budget!r}."
        )
    rows = audit.rows
    if "label_confidence" in rows:
        uncertainty = 1.0 - rows["label_confidence"].to_numpy(dtype=np.float64)
    elif "cluster_confidence" in rows:
        uncertainty = 1.0 - rows["cluster_confidence"].to_numpy(dtype=np.float64)
    else:
        raise RunFolderError(
            "This run has neither label_confidence nor cluster_confidence: run `sift label` "
            "(or `sift discover`) first."
        )
    graph = audit.graph
    density = graph.similarities.mean(axis=1) if graph.k else np.zeros(len(rows))
    representative = pd.Series(density).rank(pct=True).to_numpy()
    priority = np.clip(uncertainty, 0.0, 1.0) * representative
    available = np.ones(len(rows), dtype=bool)
    if "label_source" in rows:
        available &= rows["label_source"].to_numpy() != "given"
    elif "label" in rows:
        available &= rows["label"].isna().to_numpy()
    if "is_empty" in rows:
        available &= ~rows["is_empty"].to_numpy(dtype=bool)
    clusters = rows["cluster"].to_numpy() if "cluster" in rows else np.zeros(len(rows), int)
    clusters = np.where(clusters >= 0, clusters, clusters.max() + 1)
    sizes = np.bincount(clusters[available], minlength=clusters.max() + 1)
    wanted = min(budget, int(available.sum()))
    quota = _allocation(sizes, wanted)
    ranked = np.argsort(-priority, kind="stable")
    picked: list[int] = []
    blocked = ~available
    for row in ranked:
        if blocked[row] or quota[clusters[row]] == 0:
            continue
        picked.append(int(row))
        quota[clusters[row]] -= 1
        blocked[graph.indices[row, :NEIGHBORS_SKIPPED]] = True
        if len(picked) == wanted:
            break
    # when skipping neighbours left some quota unused, the best remaining rows fill it:
    # first those of the clusters still owed rows, so that every cluster keeps its share
    taken = set(picked)
    for owed_only in (True, False):
        for row in ranked:
            if len(picked) >= wanted:
                break
            owed = quota[clusters[row]] > 0 or not owed_only
            if available[row] and owed and int(row) not in taken:
                picked.append(int(row))
                taken.add(int(row))
                quota[clusters[row]] -= 1
    picked = sorted(picked, key=lambda r: -priority[r])
    out = pd.DataFrame({"rank": np.arange(1, len(picked) + 1),
                        "row_id": rows["row_id"].to_numpy()[picked]})  # fmt: skip
    for column in (*CONTENT_COLUMNS, "predicted_label", "label_confidence", "cluster",
                   "cluster_name"):  # fmt: skip
        if column in rows:
            out[column] = rows[column].to_numpy()[picked]
    out["priority"] = priority[picked]
    return out
