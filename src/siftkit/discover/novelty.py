"""Which unlabeled rows belong to none of the known classes.

When some rows carry labels, they are a sample of their classes: around a row of a known
class a steady share of the neighbours carry labels, around a row of a class nobody
labeled few do. The labeled rows show how many labeled neighbours a row of a known class
has (a row is not its own neighbour): being a sample of the known classes, they have as
many as the known classes' unlabeled rows, count for count. So among the unlabeled rows
with a given count, the known classes' rows are about as many as the labeled rows with that
count, scaled by how many unlabeled rows each labeled row stands for (read where the rows of
new classes seldom are: the labeled rows' upper half of counts); the rest are rows of new
classes. An unlabeled row is novel when its count is one at which those outnumber the known
classes' rows (the decision that misjudges the fewest rows), for every count up to its own:
the known classes mark where the unknown rest is ("A Practical Approach to Novel Class
Discovery in Tabular Data"), and the rest is clustered on its own — or, where the graph
needs refinement (text), novel rows the pinned partition put in a known category leave it
for the category the rows would form without labels (:func:`regroup_novel`). With a
handful of labels per class, a row of a known class often has no labeled neighbour at all,
as often as a row of a new class: no count is then a sign of novelty.
"""

from __future__ import annotations

import numpy as np

from siftkit.discover.refine import MAX_ITERATIONS, neighbor_shares

#: A novel row with at least this share of its neighbours in one known class joins it.
KNOWN_MAJORITY = 0.7
#: Novel rows leaving known categories join the new category holding most of their
#: unlabeled grouping's other rows when those are at least this many times as many as they.
JOIN_SHARE = 0.5


def labeled_neighbor_counts(indices: np.ndarray, labeled: np.ndarray) -> np.ndarray:
    """Per row, how many of its neighbours (rows of ``indices``, (n_rows, k)) carry a label,
    (n_rows,)."""
    return labeled[indices].sum(axis=1).astype(np.int64)


def novel_count_limit(counts: np.ndarray, labeled: np.ndarray, k: int, odds: float) -> int:
    """The largest count of labeled neighbours (``counts``, (n_rows,), each of ``k``) at
    which, and at every count below it that some unlabeled row has, the unlabeled rows of
    new classes are estimated to outnumber those of known classes by ``odds``; -1 where
    they do not even at no labeled neighbour.

    At count ``c`` the known classes' unlabeled rows are estimated as ``rho`` times the
    labeled rows with count ``c`` plus one, ``rho`` being the unlabeled rows per labeled
    row among the counts from the labeled rows' median up: there rows of new classes are
    taken to be few (so ``rho`` errs high and the limit low), and no count from there up is
    novel. The one more labeled row allows for chance where few labeled rows have a count:
    with 20% of every digit's rows labeled, one draw had 7 labeled rows without a labeled
    neighbour against 56 unlabeled ones, at 3.96 unlabeled rows per labeled row, which
    made those 56 novel without it."""
    labeled_hist = np.bincount(counts[labeled], minlength=k + 1).astype(np.float64)
    unlabeled_hist = np.bincount(counts[~labeled], minlength=k + 1).astype(np.float64)
    median = int(np.median(counts[labeled]))
    rho = unlabeled_hist[median:].sum() / labeled_hist[median:].sum()
    limit = -1
    for count in range(median):
        if not unlabeled_hist[count]:
            continue
        known = rho * (labeled_hist[count] + 1)  # one more: few labeled rows vary by chance
        if unlabeled_hist[count] - known <= odds * known:
            break
        limit = count
    return limit


def novel_rows(
    indices: np.ndarray, labeled: np.ndarray, odds: float | None, among: np.ndarray | None = None
) -> np.ndarray:
    """Unlabeled rows with no more labeled neighbours than :func:`novel_count_limit` allows,
    (n_rows,) bool: all false when no row carries a label, or ``odds`` is None (off).
    ``among`` (default: every row) are the rows counted and judged (rows without content
    have arbitrary neighbours)."""
    among = np.ones(len(labeled), dtype=bool) if among is None else among
    if odds is None or not (labeled & among).any() or not indices.shape[1]:
        return np.zeros(len(labeled), dtype=bool)
    counts = labeled_neighbor_counts(indices, labeled)
    limit = novel_count_limit(counts[among], labeled[among], indices.shape[1], odds)
    return among & ~labeled & (counts <= limit)


def return_to_known(
    indices: np.ndarray, membership: np.ndarray, novel: np.ndarray, n_known: int
) -> np.ndarray:
    """Novel rows that sit inside a known class after all (a chance low count of labeled
    neighbours: at least ``KNOWN_MAJORITY`` of their neighbours are in that class, codes
    below ``n_known``) join it, repeatedly, as each return changes the neighbourhoods."""
    membership = membership.copy()
    n_categories = int(membership.max()) + 1
    for _ in range(MAX_ITERATIONS):
        rows = np.flatnonzero(novel & (membership >= n_known))
        shares = neighbor_shares(indices[rows], membership, n_categories)[:, :n_known]
        back = shares.max(axis=1, initial=0.0) >= KNOWN_MAJORITY
        if not back.any():
            break
        membership[rows[back]] = shares[back].argmax(axis=1)
    return membership


def regroup_novel(
    membership: np.ndarray, novel: np.ndarray, unlabeled_grouping: np.ndarray, n_known: int
) -> np.ndarray:
    """``membership`` (known categories coded below ``n_known``) with the ``novel`` rows it
    put in known categories regrouped by ``unlabeled_grouping`` (the categories the rows
    form without labels): those of one such category join the new category that holds most
    of that category's other rows in new categories, when those are at least
    ``JOIN_SHARE`` times as many as they, else form a new category of their own."""
    out = membership.copy()
    moved = novel & (membership < n_known)
    next_code = int(membership.max()) + 1
    for group in np.unique(unlabeled_grouping[moved]):
        rows = moved & (unlabeled_grouping == group)
        stay = (unlabeled_grouping == group) & (membership >= n_known)
        if stay.any() and stay.sum() >= JOIN_SHARE * rows.sum():
            out[rows] = np.bincount(membership[stay]).argmax()
        else:
            out[rows] = next_code
            next_code += 1
    return out
