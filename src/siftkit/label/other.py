"""Rows that fit none of the classes: the ``other`` label.

Given the run's categories found without its labels, the rows of a category no class claims
fit no class: a class (a topic, or the rows labeled with it) claims the categories that hold
its seeds (the rows most like a topic, or its labeled rows), those whose rows fit it as
well as the rows of those categories do, and a keyword topic those most of whose rows name
its keywords, so a category no class reaches holds what none of them names (categories tell
it better than rows: a category's mean smooths out its rows' noise). Found with the labels
pinned, the categories of known classes would take in such rows.

Among the other rows, with labeled rows to hold out (at least three per class), a row fits no
class when the seeds reach it over the kNN graph (the walk of the diffusion) less than they
reach all but ``REACH_QUANTILE`` (2%) of the labeled rows, each labeled row held out and
reached from the other seeds: the held-out rows show how far the walk goes into a labeled
class, so a row of a labeled class is marked about that often, and rows of a class nobody
labeled, where the walk from the seeds barely goes, are marked.

Otherwise (keywords, descriptions, one or two labels per class) a row fits no class when its
similarity to its predicted class's prototype (the mean of the rows predicted in that class)
lies more than ``OTHER_Z`` robust standard deviations below the typical row's. The typical
row is most rows, so this finds rows of no class when they are few (and marks the far tail of
a class's own rows, a few percent, where there are none); when they are most of the data the
typical similarity is theirs and it finds few of them: the categories find them.
docs/labeling.md gives the measurements.
"""

from __future__ import annotations

import numpy as np

from siftkit.detectors.base import robust_z
from siftkit.discover.refine import prototypes
from siftkit.label.transductive import TransductiveLabeler

#: How many robust standard deviations below the typical similarity a row fits no class.
OTHER_Z = 3.0
#: A class claims the categories holding at least this share of its seeds (its home) ...
SEED_SHARE = 0.1
#: ... and the other categories whose rows fit it as well as all but this share of the rows
#: at home do (see :func:`unclaimed`).
FIT_QUANTILE = 0.1
#: A category no class claims is a topic's when at least this share of its rows name that
#: topic's keywords and no other's (see :func:`named_categories`).
NAMED_SHARE = 0.5


def other_rule(model: TransductiveLabeler) -> str:
    """How :func:`fits_no_class` tells rows of no class for the fitted ``model``: ``"reach"``
    where the model held labeled rows out, else ``"topics"`` where it was given topic vectors,
    else ``"similarity"``."""
    if model.reach_floor_ is not None:
        return "reach"
    return "topics" if model.topic_vectors_ is not None else "similarity"


def fits_no_class(
    vectors: np.ndarray, model: TransductiveLabeler, categories: np.ndarray | None = None
) -> np.ndarray:
    """(n_rows,) bool: the rows of ``vectors`` (n_rows, n_dims; unit rows, as ``model`` was
    fitted on) that fit none of the fitted ``model``'s classes: the rows of ``categories``
    (each row's category found without the labels, e.g. the run's clusters) that no class
    claims (:func:`unclaimed`), and among the others those that :func:`other_rule` finds, by
    :func:`beyond_reach` or :func:`far_from_prototype`. Labeled rows keep their label
    whatever this says: callers leave them out."""
    misfit = unclaimed(vectors, categories, model)
    return misfit | fits_no_claimed_class(vectors, model, misfit)


def fits_no_claimed_class(
    vectors: np.ndarray, model: TransductiveLabeler, unclaimed_rows: np.ndarray
) -> np.ndarray:
    """(n_rows,) bool: among the rows outside ``unclaimed_rows`` (those of the categories no
    class claims, :func:`unclaimed`), the rows :func:`other_rule` finds of no class, by
    :func:`beyond_reach` or :func:`far_from_prototype`."""
    if other_rule(model) == "reach":
        return beyond_reach(model)
    # the rows of the categories no class claims are left out: they would pull the
    # prototypes and the typical similarity toward themselves
    return far_from_prototype(vectors, model, among=~unclaimed_rows)


def beyond_reach(model: TransductiveLabeler) -> np.ndarray:
    """(n_rows,) bool: rows the seeds reach less than ``model.reach_floor_``."""
    return model.reach_ < model.reach_floor_


def far_from_prototype(
    vectors: np.ndarray, model: TransductiveLabeler, among: np.ndarray | None = None
) -> np.ndarray:
    """(n_rows,) bool: rows whose similarity to their predicted class's prototype lies more
    than ``OTHER_Z`` robust standard deviations below the typical row's; with ``among``
    ((n_rows,) bool), only those rows count, for the prototypes and the typical row, and only
    they can be marked."""
    vectors = np.asarray(vectors)
    among = np.ones(len(vectors), dtype=bool) if among is None else among
    marked = np.zeros(len(vectors), dtype=bool)
    if not among.any():
        return marked
    predicted = model.proba_.argmax(axis=1)
    centers = prototypes(vectors, predicted, model.proba_.shape[1], members=among)
    rows = np.flatnonzero(among)
    fit = np.einsum("ij,ij->i", vectors[rows], centers[predicted[rows]].astype(vectors.dtype))
    marked[rows] = robust_z(-fit) > OTHER_Z
    return marked


def unclaimed(
    vectors: np.ndarray, categories: np.ndarray | None, model: TransductiveLabeler
) -> np.ndarray:
    """(n_rows,) bool: the rows of the categories no class of the fitted ``model`` claims.
    ``categories`` (n_rows,) codes 0..n-1, -1 for rows of none (never marked); None: no
    categories, no row marked; ``vectors`` the unit rows ``model`` was fitted on.

    A class claims the categories holding at least ``SEED_SHARE`` of its seeds
    (``model.seeds_``: its labeled rows, or the rows most like its topic): its *home*. It
    claims another category too when that category's rows predicted in the class (the class
    most of its rows are predicted in) fit the class as well as its home's rows do: their
    median similarity to the mean of the class's rows at home is at least the
    ``FIT_QUANTILE`` quantile of those rows'. A class whose rows span several categories
    keeps them all (a category fitting it as well as its own rows); a category its rows only
    lean toward, among none better, does not."""
    vectors = np.asarray(vectors)
    if categories is None:
        return np.zeros(len(vectors), dtype=bool)
    assigned = categories >= 0
    if not assigned.any():
        return np.zeros(len(categories), dtype=bool)
    n_categories, n_classes = int(categories.max()) + 1, model.proba_.shape[1]
    category = np.clip(categories, 0, None)
    seeds = model.seeds_
    seeded = assigned & (seeds >= 0)
    held = np.zeros((n_categories, n_classes))
    np.add.at(held, (category[seeded], seeds[seeded]), 1.0)
    claimed = ((held > 0) & (held >= SEED_SHARE * held.sum(axis=0))).any(axis=1)
    predicted = model.proba_.argmax(axis=1)
    home = assigned & claimed[category]
    centers = prototypes(vectors, predicted, n_classes, members=home)
    fit = np.einsum("ij,ij->i", vectors, centers[predicted].astype(vectors.dtype))
    floor = np.full(n_classes, np.inf)
    for klass in np.unique(predicted[home]):
        floor[klass] = np.quantile(fit[home & (predicted == klass)], FIT_QUANTILE)
    present = np.bincount(category[assigned], minlength=n_categories) > 0
    for c in np.flatnonzero(present & ~claimed):
        rows = assigned & (category == c)
        klass = np.bincount(predicted[rows], minlength=n_classes).argmax()
        claimed[c] = np.median(fit[rows & (predicted == klass)]) >= floor[klass]
    return assigned & ~claimed[category]


def named_categories(categories: np.ndarray, rows: np.ndarray, named: np.ndarray) -> np.ndarray:
    """(n_rows,) bool: the rows among ``rows`` ((n_rows,) bool; whole categories, as
    :func:`unclaimed` marks them) whose category in ``categories`` (n_rows,) has at least
    ``NAMED_SHARE`` of its rows naming one topic's keywords and no other's (``named``: per row
    of ``rows``, in order, that topic, -1 for none or several;
    :func:`siftkit.label.topics.naming_rows`). Such a category belongs to a topic however far
    its rows lie from the rows the topic's seeds sit among: its rows say the topic's words
    (templated texts, or short ones, make such categories)."""
    marked = np.zeros(len(categories), dtype=bool)
    index = np.flatnonzero(rows)
    for category in np.unique(categories[index]):
        members = categories[index] == category
        naming = named[members]
        naming = naming[naming >= 0]
        if len(naming) and np.bincount(naming).max() >= NAMED_SHARE * members.sum():
            marked[index[members]] = True
    return marked
