"""Which unlabeled rows belong to none of the known classes.

When some rows carry labels, they are a sample of their classes: around a row of a known
class a steady share of the neighbours carry labels, around a row of a class nobody
labeled almost none do. Labeled rows show what "steady" is: the share of labeled rows
among their own neighbours (a row is not its own neighbour). An unlabeled row whose
neighbourhood holds far fewer labeled rows than that, too few to be chance, is novel (with a
handful of labels per class, a row of a known class often has no labeled neighbour at all,
and that says nothing): the known classes mark
where the unknown rest is ("A Practical Approach to Novel Class Discovery in Tabular
Data"), and the rest is clustered on its own — or, where the graph needs refinement (text),
novel rows the pinned partition put in a known category leave it for the category the rows
would form without labels (:func:`regroup_novel`).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

from siftkit.discover.refine import MAX_ITERATIONS, neighbor_shares

#: A row is novel only when so few labeled neighbours would be this unlikely around a row of
#: a known class (its neighbours labeled independently at the share seen around labeled rows).
#: Where half the rows of the known classes are labeled this changes little (the benchmark's
#: draws 0-9: one WordNet draw moved); with 5 labeled rows per class it keeps known classes
#: whole (see docs/discovery.md).
NOVEL_LEVEL = 0.05
#: A novel row with at least this share of its neighbours in one known class joins it.
KNOWN_MAJORITY = 0.7
#: Novel rows leaving known categories join the new category holding most of their
#: unlabeled grouping's other rows when those are at least this many times as many as they.
JOIN_SHARE = 0.5


def labeled_neighbor_share(indices: np.ndarray, labeled: np.ndarray) -> np.ndarray:
    """Per row, the share of its neighbours (rows of ``indices``, (n_rows, k)) that carry a
    label, (n_rows,)."""
    if not indices.shape[1]:
        return np.zeros(len(indices))
    return labeled[indices].mean(axis=1)


def novel_rows(indices: np.ndarray, labeled: np.ndarray, below: float) -> np.ndarray:
    """Unlabeled rows whose share of labeled neighbours is under ``below`` times the mean
    share around labeled rows, and so low that around a row of a known class it would have
    a chance under ``NOVEL_LEVEL`` (binomial), (n_rows,) bool; all false when no row carries
    a label."""
    share = labeled_neighbor_share(indices, labeled)
    if not labeled.any():
        return np.zeros(len(labeled), dtype=bool)
    expected = share[labeled].mean()
    k = indices.shape[1]
    unlikely = binom.cdf(np.rint(share * k), k, expected) < NOVEL_LEVEL
    return ~labeled & (share < below * expected) & unlikely


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
