"""Several prototypes per class, fitted on the rows whose neighbours agree with their label.

Classes that are multi-modal get several centres, rare classes keep their own, and
mislabeled rows or strays do not pull centres toward themselves ("Learning with Mixture of
Prototypes for Out-of-Distribution Detection"). Fitted once per run
(:func:`trusted_class_prototypes`) and shared by label errors and outliers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from siftkit.calibration import fit_temperature, softmax
from siftkit.detectors.base import Context
from siftkit.detectors.linear_probe import row_blocks
from siftkit.detectors.neighbor_labels import NeighborAgreement, neighbor_label_spread
from siftkit.embed.base import has_content

#: One prototype per this many trusted rows of a class, at most MAX_PROTOTYPES per class.
PROTOTYPE_ROWS = 50
MAX_PROTOTYPES = 8
TEMPERATURES = (0.01, 0.02, 0.03, 0.05, 0.1, 0.2)
#: A row is trusted when most of this many closest neighbours share its label.
TRUST_NEIGHBORS = 10


@dataclass(frozen=True)
class ClassPrototypes:
    """Unit-length centres (n_prototypes, n_dims) and the class code of each (n_prototypes,)."""

    centres: np.ndarray
    owner: np.ndarray
    n_classes: int

    def nearest_similarity(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine similarity of each row to its nearest prototype of any class, (n_rows,)."""
        if not len(self.centres):
            return np.zeros(len(vectors))
        return (vectors @ self.centres.T).max(axis=1).astype(np.float64)

    def class_similarity(self, vectors: np.ndarray) -> np.ndarray:
        """Similarity to the nearest prototype of each class, (n_rows, n_classes); -1 for a
        class without prototypes."""
        out = np.full((len(vectors), self.n_classes), -1.0)
        if len(self.centres):
            sims = vectors @ self.centres.T
            starts = np.flatnonzero(np.r_[True, self.owner[1:] != self.owner[:-1]])
            out[:, self.owner[starts]] = np.maximum.reduceat(sims, starts, axis=1)
        return out

    def probabilities(
        self, vectors: np.ndarray, codes: np.ndarray, judged: np.ndarray
    ) -> Iterator[tuple[slice, np.ndarray]]:
        """Blocks of (rows, class probabilities): a softmax over the nearest-prototype
        similarities, its temperature fitted to the labels of the ``judged`` rows."""
        temperature = fit_temperature(
            lambda rows: self.class_similarity(vectors[rows]), codes, judged, TEMPERATURES
        )
        for rows in row_blocks(len(vectors)):
            yield rows, softmax(self.class_similarity(vectors[rows]), temperature)


def fit_class_prototypes(
    vectors: np.ndarray,
    codes: np.ndarray,
    trusted: np.ndarray,
    n_classes: int,
    random_state: int,
    lone: np.ndarray | None = None,
) -> ClassPrototypes:
    """k-means centres of each class's ``trusted`` rows (rows with a zero vector skipped). A
    class with fewer than two is centred on the mean of those and its ``lone`` rows (labeled
    rows no labeled neighbour speaks for or against), when it has any: without a centre a class
    reads as impossible for every row, and where few rows are labeled few have a labeled
    neighbour to be trusted by (23 right labels over ten WordNet categories read as 61% noise,
    6 of them flagged)."""
    from sklearn.cluster import KMeans

    vectors = np.asarray(vectors, dtype=np.float32)
    content = has_content(vectors)
    usable = trusted & content
    fallback = usable if lone is None else usable | (lone & content)
    centres, owner = [], []
    for code in range(n_classes):
        members = vectors[usable & (codes == code)]
        if len(members) < 2:
            of_class = vectors[fallback & (codes == code)]
            if len(of_class):
                centres.append(of_class.mean(axis=0, keepdims=True))
                owner.append(code)
            continue
        count = int(np.clip(round(len(members) / PROTOTYPE_ROWS), 1, MAX_PROTOTYPES))
        fitted = KMeans(count, n_init=1, random_state=random_state).fit(members)
        centres.append(fitted.cluster_centers_)
        owner += [code] * count
    if not centres:
        empty = np.empty((0, vectors.shape[1]), dtype=np.float32)
        return ClassPrototypes(empty, np.empty(0, dtype=np.int64), n_classes)
    stacked = np.vstack(centres).astype(np.float32)
    stacked /= np.maximum(np.linalg.norm(stacked, axis=1, keepdims=True), 1e-12)
    return ClassPrototypes(stacked, np.asarray(owner, dtype=np.int64), n_classes)


def _closest_labels(context: Context) -> NeighborAgreement:
    """How the ``TRUST_NEIGHBORS`` closest neighbours' labels agree, per row; found once per
    run. The context must have labels."""

    def find() -> NeighborAgreement:
        labels, graph = context.labels, context.graph
        return neighbor_label_spread(
            graph.indices[:, : min(TRUST_NEIGHBORS, graph.k)], labels.codes, labels.n_classes
        )

    return context.shared_result("closest_labels", find)


def trusted_rows(context: Context) -> np.ndarray:
    """Rows whose ``TRUST_NEIGHBORS`` closest neighbours mostly share their label, (n_rows,)
    bool, read-only. The context must have labels."""
    trusted = _closest_labels(context).trusted(context.labels.codes)
    trusted.setflags(write=False)
    return trusted


def lone_rows(context: Context) -> np.ndarray:
    """Labeled rows none of whose ``TRUST_NEIGHBORS`` closest neighbours has a label,
    (n_rows,) bool: nothing speaks for or against their label. The context must have
    labels."""
    return (context.labels.codes >= 0) & ~_closest_labels(context).labeled_near()


def trusted_class_prototypes(context: Context) -> ClassPrototypes:
    """The run's class prototypes, fitted once on the :func:`trusted_rows` and shared by
    the detectors that use them. The context must have labels."""

    def fit() -> ClassPrototypes:
        labels = context.labels
        return fit_class_prototypes(
            context.embeddings, labels.codes, trusted_rows(context), labels.n_classes,
            context.random_state, lone=lone_rows(context),
        )  # fmt: skip

    return context.shared_result("class_prototypes", fit)
