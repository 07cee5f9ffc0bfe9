"""What to label next: a budgeted list of rows whose labels would help most.

Which rows help most depends on how much is labeled already ("Active Learning on a Budget:
Opposite Strategies Suit High and Low Budgets"): while labels are few, the rows that stand for
many others, each from a different part of the data; once there are enough, the rows the
labeling is least sure of. The run says which holds: its ``label_confidence`` is calibrated
only with enough labeled rows in every class to hold some out (:mod:`siftkit.label.transductive`,
step 4), and an uncalibrated confidence is no guide to where the labels are wrong.

- **Few labels** (confidence not calibrated: keywords or descriptions, fewer than 3 labeled rows
  in some class, or no labeling yet, only categories): *typical and spread* (TypiClust). The rows
  are split by k-means into as many groups as there are labeled rows plus the budget (at most
  ``MAX_GROUPS``), in the vectors the labeling saw (a text run's embeddings joined with its
  words when it joined them). The groups holding the fewest labeled rows come first, the largest
  first among them, so each pick covers a part of the data no label speaks for yet; from each
  group, the row most typical of it: the highest mean similarity to its ``TYPICAL_NEIGHBORS``
  nearest rows of the group. ``priority`` is the share of the rows the pick's group holds.
- **Enough labels** (calibrated confidence): *uncertain and representative*. A row's priority is
  its uncertainty (1 − ``label_confidence``) times its representativeness (its mean similarity
  to its nearest neighbours, as a percentile: rows in dense regions speak for many others). The
  budget is spread over the run's clusters in proportion to their size (each cluster gets at
  least one row while the budget lasts); within a cluster rows are taken by priority, skipping
  any row that is a near neighbour of one already taken, so the list does not ask for the same
  thing twice.

Rows that already have a label, and empty rows (nothing to label), are never proposed.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from siftkit.embed.base import l2_normalize
from siftkit.exceptions import InvalidParameterError, RunFolderError
from siftkit.results import CONTENT_COLUMNS

#: A picked row's nearest neighbours (this many) are not picked after it.
NEIGHBORS_SKIPPED = 5
#: Typicality: the mean similarity to this many nearest rows of the group (fewer in groups of
#: under twice as many rows: half the group).
TYPICAL_NEIGHBORS = 20
#: At most this many k-means groups, however many labeled rows and budget: past it the groups
#: with the fewest labeled rows take the picks.
MAX_GROUPS = 500
#: At most this many rows of a group, drawn at random, are compared pairwise for typicality.
TYPICAL_SAMPLE = 2000
#: Past this many rows the groups come from mini-batch k-means (batches of 4,096 rows), which
#: costs a fraction of full k-means on millions of rows.
MINI_BATCH_ABOVE = 100_000


#: How the queue picks under each strategy of :func:`strategy`, in words (a sentence's start).
STRATEGY_NOTES = {
    "typical": "Labels are still few, so the most typical row of each part of the data that "
    "no label speaks for yet",
    "uncertain": "The rows the labeling is least sure of among the representative ones, spread "
    "over the categories",
}


def strategy(audit: Any) -> str:
    """How :func:`rows_to_label` picks for the run ``audit``: ``"uncertain"`` where its
    labeling's confidence is calibrated, else ``"typical"`` (see the module)."""
    calibrated = (audit.summary.get("labeling") or {}).get("confidence_calibrated")
    return "uncertain" if calibrated else "typical"


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


def rows_to_label(audit: Any, budget: int, skip: np.ndarray | None = None) -> pd.DataFrame:
    """The ``budget`` rows of a run worth labeling next, best first (see the module); rows
    where ``skip`` (n_rows,) is true are not picked (reviewed in the explorer already)."""
    if not isinstance(budget, int | np.integer) or budget < 1:
        raise InvalidParameterError(
            f"The budget must be a positive number of rows; got {budget!r}."
        )
    rows = audit.rows
    if "label_confidence" not in rows and "cluster_confidence" not in rows:
        raise RunFolderError(
            "This run has neither label_confidence nor cluster_confidence: run `sift label` "
            "(or `sift discover`) first."
        )
    labeled = np.zeros(len(rows), dtype=bool)
    if "label_source" in rows:
        labeled = rows["label_source"].to_numpy() == "given"
    elif "label" in rows:
        labeled = rows["label"].notna().to_numpy()
    available = ~labeled
    if "is_empty" in rows:
        available &= ~rows["is_empty"].to_numpy(dtype=bool)
    if skip is not None:
        available &= ~skip
    wanted = min(budget, int(available.sum()))
    if strategy(audit) == "uncertain":
        picked, priority = _uncertain_and_representative(audit, available, wanted)
    else:
        picked, priority = _typical_and_spread(audit, available, labeled, wanted)
    out = pd.DataFrame({"rank": np.arange(1, len(picked) + 1),
                        "row_id": rows["row_id"].to_numpy()[picked]})  # fmt: skip
    for column in (*CONTENT_COLUMNS, "predicted_label", "label_confidence", "cluster",
                   "cluster_name"):  # fmt: skip
        if column in rows:
            out[column] = rows[column].array[picked]  # Int64 with gaps stays whole
    out["priority"] = priority
    return out


def _uncertain_and_representative(
    audit: Any, available: np.ndarray, wanted: int
) -> tuple[np.ndarray, np.ndarray]:
    """(rows picked, best first; their priority): uncertainty × representativeness, spread
    over the run's clusters (see the module)."""
    rows, graph = audit.rows, audit.graph
    uncertainty = 1.0 - rows["label_confidence"].to_numpy(dtype=np.float64)
    density = graph.similarities.mean(axis=1) if graph.k else np.zeros(len(rows))
    representative = pd.Series(density).rank(pct=True).to_numpy()
    priority = np.clip(uncertainty, 0.0, 1.0) * representative
    clusters = rows["cluster"].to_numpy() if "cluster" in rows else np.zeros(len(rows), int)
    clusters = np.where(clusters >= 0, clusters, clusters.max() + 1)
    sizes = np.bincount(clusters[available], minlength=clusters.max() + 1)
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
    best_first = np.array(sorted(picked, key=lambda r: -priority[r]), dtype=np.int64)
    return best_first, priority[best_first]


def queue_vectors(audit: Any) -> np.ndarray:
    """The run's rows as its labeling (or, before any, its categories) saw them, unit rows:
    a text run's embeddings joined with its texts' words when the analysis joined them (as
    the run kept them in memory; for a run opened from its folder, :mod:`siftkit.embed.words`
    fitted again on the run's texts with its seed), else its embeddings."""
    embeddings = np.asarray(audit.embeddings, dtype=np.float32)
    ran = [entry for entry in (audit.summary.get(name) or {} for name in ("labeling", "clusters"))
           if entry.get("status") == "ok"]  # fmt: skip
    if not ran or not ran[0].get("words_joined") or "text" not in audit.rows:
        return l2_normalize(embeddings)
    if audit.rows_with_words is not None:
        return audit.rows_with_words
    from siftkit.embed.words import WordView

    texts = audit.rows["text"].fillna("").astype(str).tolist()
    return WordView(random_state=audit.random_state).fit(texts).join(embeddings, texts)


def _typical_and_spread(
    audit: Any, available: np.ndarray, labeled: np.ndarray, wanted: int
) -> tuple[np.ndarray, np.ndarray]:
    """(rows picked, in order; the share of the rows their group holds): the most typical
    row of each k-means group, groups with the fewest labeled rows first, largest first
    (see the module)."""
    if wanted == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.exceptions import ConvergenceWarning

    vectors = queue_vectors(audit)
    seed = audit.random_state
    candidates = np.flatnonzero(available | labeled)
    n_groups = min(int(labeled.sum()) + wanted, MAX_GROUPS, len(candidates))
    groups = np.full(len(vectors), -1, dtype=np.int64)
    with warnings.catch_warnings():  # duplicate rows leave some groups empty: no harm
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        if len(candidates) > MINI_BATCH_ABOVE:
            kmeans = MiniBatchKMeans(n_groups, n_init=1, batch_size=4096, random_state=seed)
        else:
            kmeans = KMeans(n_groups, n_init=1, random_state=seed)
        groups[candidates] = kmeans.fit_predict(vectors[candidates])
    sizes = np.bincount(groups[candidates], minlength=n_groups)
    held = np.bincount(groups[labeled], minlength=n_groups)
    open_rows = np.bincount(groups[available], minlength=n_groups)
    order = np.lexsort((-sizes, held))  # fewest labeled rows, then largest
    order = order[open_rows[order] > 0]
    rng = np.random.default_rng(seed)
    typical: dict[int, list[int]] = {}  # per group, its open rows, most typical last
    picked: list[int] = []
    while len(picked) < wanted:  # every open row is in some group's list: this ends
        for group in order:
            if group not in typical:
                typical[group] = _by_typicality(vectors, groups, group, available, rng)
            if typical[group]:
                picked.append(typical[group].pop())
            if len(picked) == wanted:
                break
    picked_rows = np.array(picked, dtype=np.int64)
    return picked_rows, sizes[groups[picked_rows]] / len(candidates)


def _by_typicality(
    vectors: np.ndarray,
    groups: np.ndarray,
    group: int,
    available: np.ndarray,
    rng: np.random.Generator,
) -> list[int]:
    """The ``available`` rows of ``group``, least typical first: by their mean similarity to
    their ``TYPICAL_NEIGHBORS`` nearest rows of the group. Of a larger group, ``TYPICAL_SAMPLE``
    rows drawn at random are compared, and its other rows come before them (least typical)."""
    members = np.flatnonzero(groups == group)
    typicality = np.full(len(members), -np.inf)
    compared = np.arange(len(members))
    if len(members) > TYPICAL_SAMPLE:
        compared = np.sort(rng.choice(len(members), TYPICAL_SAMPLE, replace=False))
    if len(compared) > 1:
        rows = vectors[members[compared]]
        similarity = rows @ rows.T
        np.fill_diagonal(similarity, -np.inf)
        k = max(1, min(TYPICAL_NEIGHBORS, len(compared) // 2))
        typicality[compared] = -np.partition(-similarity, k - 1, axis=1)[:, :k].mean(axis=1)
    open_members = available[members]
    order = np.argsort(typicality[open_members], kind="stable")
    return [int(r) for r in members[open_members][order]]
