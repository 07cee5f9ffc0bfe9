"""Transductive information maximisation: a classifier fitted to the labeled rows and, at the
same time, to the unlabeled rows' predictions being sure of one class each and, over all of
them, using every class ("Transductive Information Maximization For Few-Shot Learning").

The classifier scores a row by its cosine with one vector per class, times ``SCALE``, started
at the labeled rows' class means. Its loss is the labeled rows' cross-entropy plus the
unlabeled rows' mean entropy (each row sure of its class) minus the entropy of their mean
prediction (the classes not collapsed into a few), minimised by L-BFGS for ``STEPS``
iterations. Where the rows of some classes mix, the second term moves the boundaries to the
sparse regions between the crowds of rows, the first keeps the labeled rows on their side,
and the third keeps any one class from taking the rest; a few labels alone, or a walk over
the kNN graph, place no boundary there.

Alone it labels the rows less well than the walk (Fashion-MNIST with five labels per class,
draws 10-12: macro-F1 0.706 against 0.710; digits 0.91 against 0.98); added to the walk's
log-distribution where the walk confuses classes (:mod:`siftkit.label.confusable`), it moves
the rows the walk leaves nearly even between them.
"""

from __future__ import annotations

import numpy as np

from siftkit.discover.refine import prototypes
from siftkit.embed.base import has_content, l2_normalize

#: The cosine classifier's scale (inverse temperature) of its logits.
SCALE = 15.0
#: L-BFGS iterations, at most.
STEPS = 50
#: Unlabeled rows the two entropies are measured on, at most (a random sample): they are means
#: over rows, which a sample estimates as well, and the fit costs in proportion.
MAX_ROWS = 20_000


def infomax_logits(
    vectors: np.ndarray, codes: np.ndarray, n_classes: int, random_state: int = 0
) -> np.ndarray:
    """Each row's logits under the classifier fitted to ``vectors`` (n_rows, n_dims; centred on
    the mean of the rows with content, then unit length) and ``codes`` (n_rows,:
    0..n_classes-1, -1 unlabeled; every class with a labeled row), (n_rows, n_classes),
    float32. Without unlabeled rows, the classifier is the labeled rows' class means."""
    from scipy.optimize import minimize
    from scipy.special import log_softmax

    vectors = np.asarray(vectors, dtype=np.float32)
    content = has_content(vectors)
    centre = vectors[content].mean(axis=0, dtype=np.float64) if content.any() else 0.0
    rows = l2_normalize(vectors - np.float32(centre))  # float32: one copy of the rows
    rows[~content] = 0.0
    labeled = codes >= 0
    unlabeled = np.flatnonzero(~labeled & content)
    if len(unlabeled) > MAX_ROWS:
        unlabeled = np.random.default_rng(random_state).choice(unlabeled, MAX_ROWS, replace=False)
    given, free = rows[labeled].astype(np.float64), rows[unlabeled].astype(np.float64)
    truth = np.eye(n_classes)[codes[labeled]]
    start = prototypes(given, codes[labeled], n_classes)  # each class's mean direction
    tiny = np.finfo(np.float64).tiny
    if not len(free):  # nothing to label: the class means as they are
        return SCALE * rows @ start.T.astype(np.float32)

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        weights = flat.reshape(start.shape)
        norms = np.maximum(np.linalg.norm(weights, axis=1, keepdims=True), tiny)
        units = weights / norms
        logs = log_softmax(SCALE * given @ units.T, axis=1)
        cross_entropy = -(logs * truth).sum() / len(given)
        d_given = (np.exp(logs) - truth) / len(given)  # gradient by the labeled rows' logits
        logs = log_softmax(SCALE * free @ units.T, axis=1)
        proba = np.exp(logs)
        entropy = -(proba * logs).sum(axis=1, keepdims=True)
        mean = proba.mean(axis=0)
        mean_logs = np.log(np.maximum(mean, tiny))
        d_free = -proba * (logs + entropy) / len(free)  # by the unlabeled rows' logits
        pull = mean_logs + 1.0  # the mean's entropy, by the mean: -(log p + 1)
        d_free += proba * (pull - (proba * pull).sum(axis=1, keepdims=True)) / len(free)
        d_units = SCALE * (d_given.T @ given + d_free.T @ free)
        d_weights = (d_units - units * (d_units * units).sum(axis=1, keepdims=True)) / norms
        value = cross_entropy + float(entropy.mean()) + float((mean * mean_logs).sum())
        return value, d_weights.ravel()

    fitted = minimize(loss, start.ravel(), jac=True, method="L-BFGS-B",
                      options={"maxiter": STEPS}).x  # fmt: skip
    weights = fitted.reshape(start.shape)
    units = weights / np.maximum(np.linalg.norm(weights, axis=1, keepdims=True), tiny)
    return SCALE * rows @ units.T.astype(np.float32)
