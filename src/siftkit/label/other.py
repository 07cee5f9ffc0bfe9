"""Rows that fit none of the classes: the ``other`` label.

With labeled rows to hold out (at least three per class), a row fits no class when the seeds
reach it over the kNN graph (the walk of the diffusion) less than they reach all but
``REACH_QUANTILE`` (2%) of the labeled rows, each labeled row held out and reached from the other
seeds: the held-out rows show how far the walk goes into a labeled class, so a row of a
labeled class is marked about that often, and rows of a class nobody labeled, where the walk
from the seeds barely goes, are marked.

Otherwise (keywords, descriptions, one or two labels per class) a row fits no class when its
similarity to its predicted class's prototype (the mean of the rows predicted in that class)
lies more than ``OTHER_Z`` robust standard deviations below the typical row's. The typical
row is most rows, so this finds rows of no class when they are few (and marks the far tail of
a class's own rows, a few percent, where there are none); when they are most of the data the
typical similarity is theirs and it finds few of them. docs/labeling.md gives the
measurements of both.
"""

from __future__ import annotations

import numpy as np

from siftkit.detectors.base import robust_z
from siftkit.discover.refine import prototypes
from siftkit.label.transductive import TransductiveLabeler

#: How many robust standard deviations below the typical similarity a row fits no class.
OTHER_Z = 3.0


def other_rule(model: TransductiveLabeler) -> str:
    """How :func:`fits_no_class` tells rows of no class for the fitted ``model``: ``"reach"``
    where the model held labeled rows out, else ``"similarity"``."""
    return "reach" if model.reach_floor_ is not None else "similarity"


def fits_no_class(vectors: np.ndarray, model: TransductiveLabeler) -> np.ndarray:
    """(n_rows,) bool: the rows of ``vectors`` (n_rows, n_dims; unit rows, as ``model`` was
    fitted on) that fit none of the fitted ``model``'s classes, by :func:`beyond_reach` or
    :func:`far_from_prototype` as :func:`other_rule` says. Labeled rows keep their label
    whatever this says: callers leave them out."""
    if other_rule(model) == "reach":
        return beyond_reach(model)
    return far_from_prototype(vectors, model)


def beyond_reach(model: TransductiveLabeler) -> np.ndarray:
    """(n_rows,) bool: rows the seeds reach less than ``model.reach_floor_``."""
    return model.reach_ < model.reach_floor_


def far_from_prototype(vectors: np.ndarray, model: TransductiveLabeler) -> np.ndarray:
    """(n_rows,) bool: rows whose similarity to their predicted class's prototype lies more
    than ``OTHER_Z`` robust standard deviations below the typical row's."""
    vectors = np.asarray(vectors)
    predicted = model.proba_.argmax(axis=1)
    centers = prototypes(vectors, predicted, model.proba_.shape[1])
    fit = np.einsum("ij,ij->i", vectors, centers[predicted].astype(vectors.dtype))
    return robust_z(-fit) > OTHER_Z
