"""Rows that fit none of the classes: the ``other`` label.

A row fits no class when its similarity to its predicted class's prototype (the mean of the
rows predicted in that class) lies more than ``OTHER_Z`` robust standard deviations below the
typical row's. The typical row is most rows, so the rule finds rows of no class when they are
few (and marks the far tail of a class's own rows, a few percent, where there are none); when
they are most of the data the typical similarity is theirs and it finds few of them
(docs/labeling.md gives the measurements).
"""

from __future__ import annotations

import numpy as np

from siftkit.detectors.base import robust_z
from siftkit.discover.refine import prototypes

#: How many robust standard deviations below the typical similarity a row fits no class.
OTHER_Z = 3.0


def fits_no_class(vectors: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_rows,) bool: rows far less similar to their predicted class's prototype than rows
    typically are. ``vectors`` (n_rows, n_dims) unit rows; ``predicted`` class codes."""
    vectors = np.asarray(vectors)
    centers = prototypes(vectors, predicted, n_classes)
    fit = np.einsum("ij,ij->i", vectors, centers[predicted].astype(vectors.dtype))
    return robust_z(-fit) > OTHER_Z
