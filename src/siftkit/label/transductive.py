"""Label every row from a few labeled rows, or from class prototypes, using the unlabeled ones.

``TransductiveLabeler`` works on the shared kNN graph:

1. **Seeds**: the labeled rows; with class prototypes (the embeddings of a topic's keywords
   or description, or a class's name), the rows most similar to each prototype (fewer beside
   a class's labeled rows: ``MIN_TOPIC_SEEDS``), the prototype moving to their mean as in
   "Lbl2Vec" (``prototype_rounds`` times).
2. **Diffusion** of the seeds' labels over the graph (label spreading, see
   :mod:`siftkit.label.diffusion`; "Local Graph Clustering with Noisy Labels"), pooled by
   the rows' graph communities: each row's distribution is the mean of its own and its
   community's, so rows of one dense region share a label (the cluster assumption).
   The diffusion runs twice: the first's classes (the seeds and the surest half of each
   class's rows) teach a metric, the within-class whitening of :mod:`siftkit.label.metric`,
   and the second walks a graph built again in it, whose edges join rows of one class more
   often; each row's distribution is the mean of the two. Classes the walk spreads rows over
   together are then told apart by transductive information maximisation
   (:mod:`siftkit.label.infomax`) and a classifier of their labeled rows
   (:mod:`siftkit.label.confusable`).
   When the graph is weak — its communities keep fewer than ``WEAK_GRAPH_BELOW`` of the kNN
   edges (sentence embeddings, whose categories the communities do not follow) or are fewer
   than the classes (a few dozen rows), so pooling would merge classes — classes come instead
   from the seeds' prototypes smoothed by the neighbours
   (:meth:`TransductiveLabeler._from_prototypes`), then refined by self-training a linear
   probe on the surest rows (:mod:`siftkit.label.self_training`; with labeled rows as the
   only seeds, anchored at their class's labeled mean).
3. **Confidence**: with at least ``MIN_CALIBRATION_ROWS`` labeled rows in every class, the
   distributions are sharpened or flattened by one temperature (``p ∝ p_raw^(1/T)``), a
   share of each then spread evenly over the classes (``CALIBRATION_FLOORS``), both fitted
   by likelihood, and the predicted class's log-odds then scaled by a slope
   (``CALIBRATION_SLOPES``) fitted to whether it is right, on labeled rows predicted from
   the others (as many folds as the smallest class has labeled rows, at most
   ``MAX_CALIBRATION_FOLDS``, so each prediction sees nearly all the labels the final one
   sees; each weighs as much as its class is common among the rows to label); the
   confidence is the calibrated probability of the predicted class.
   Otherwise, with too little to hold out, each row's estimate is the product of two
   shares, each an upper bound on the chance the label is right: the row's *stability*, the
   share of ``STABILITY_DRAWS`` simulated seed sets under which it keeps its label (each
   draws, per class, as many rows as the fit had seeds, at random among the rows predicted
   in that class: another user's choice of examples), and the similarity-weighted share of
   its neighbours that get the same label; the confidence is the mean of the row's estimate
   and its neighbours' similarity-weighted mean estimate (one row's is rough, and the rows
   around it, labeled by the same walk, are right about as often).
4. **Reach**: how strongly the seeds reach each row over the graph (the walk of step 2 from
   all seeds at once), and, with labeled rows held out as for calibration, the least reach a
   row of a labeled class gets; rows reached less fit no class (:mod:`siftkit.label.other`).
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from siftkit._validation import Interval, Options, validate_params
from siftkit.calibration import (
    fit_calibration,
    fit_top_slope,
    softmax,
    with_floor,
    with_top_slope,
)
from siftkit.discover.refine import (
    category_sums,
    edge_mean,
    neighbor_shares,
    prototypes,
    within_share,
)
from siftkit.embed.base import has_content, l2_normalize, unit_rows
from siftkit.exceptions import InvalidParameterError
from siftkit.label.confusable import confusable_groups, labeled_groups, within_groups
from siftkit.label.diffusion import ALPHA, affinity, spread
from siftkit.label.infomax import infomax_logits
from siftkit.label.metric import enough_to_learn, within_class_whitening
from siftkit.label.self_training import confident_rows, self_train, smoothed_features
from siftkit.neighbors import KnnGraph, build_graph

#: The categories that pool labels are found at this Leiden resolution (finer than discovery's
#: default: a category mixing two classes would blur both).
POOLING_RESOLUTION = 1.0
#: A graph keeping fewer of its kNN edges than this inside its communities (at
#: POOLING_RESOLUTION) is weak, typical of sentence embeddings: classes come from prototypes
#: rather than from diffusion. (Measured: digits 0.94, Fashion-MNIST 0.90, WordNet 0.74.)
WEAK_GRAPH_BELOW = 0.85
PROTOTYPE_SMOOTHNESS = 0.5
PROTOTYPE_TEMPERATURE = 0.05
#: The share of each class's rows, the surest as a first diffusion predicts them, that the
#: learned metric takes as the class's rows besides the seeds.
METRIC_PSEUDO_SHARE = 0.5
#: Labeled rows every class needs for calibration: with 2, each fold is predicted from half
#: the labels, so much worse than the final prediction that the fitted temperature makes it
#: under-confident (ECE at 2 labels per class, 10 draws: digits 0.083, Fashion-MNIST 0.129,
#: WordNet 0.113; the uncalibrated confidence gives 0.045, 0.115, 0.101).
MIN_CALIBRATION_ROWS = 3
#: Folds of the labeled rows for calibration, at most (one per labeled row of the smallest class).
MAX_CALIBRATION_FOLDS = 10
#: Calibration folds predicted at once, each on one thread: more would hold more rows' class
#: distributions in memory at once (each fold a few arrays of n_rows x n_classes).
CROSS_FIT_THREADS = 2
#: The temperatures calibration chooses from: 1 keeps the distributions as they are.
CALIBRATION_TEMPERATURES = tuple(float(t) for t in np.geomspace(0.25, 16.0, 49))
#: The floors calibration chooses from with the temperature: the share of each row's
#: distribution spread evenly over the classes (:func:`siftkit.calibration.
#: with_floor`), for the rows predicted surely and wrongly, which one temperature can serve
#: only by flattening every row (WordNet with five labels per class, ECE draws 0-9 0.0536 →
#: 0.0514, 10-19 0.0481 → 0.0461; ten labels 0.0491 → 0.0469; the image sets chose 0 on
#: draws 10-15).
CALIBRATION_FLOORS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2)
#: The slopes of the predicted class's log-odds calibration chooses from after the temperature
#: and floor (:func:`siftkit.calibration.with_top_slope`): 1 keeps them, lower ones
#: draw every confidence toward 0.5. Only softening, and by at most 2^-1/2: slopes above 1,
#: chosen on the image sets' 50 held-out rows, were noise (Fashion-MNIST with five labels per
#: class, ECE draws 0-9 0.050 → 0.055 with slopes 0.5-2), and slopes below 2^-1/2 overshot, as
#: the held-out rows, predicted from fewer labels, are less often right than the final
#: prediction (WordNet with five labels, ECE draws 0-9 0.051 → 0.039 with slopes 0.5-1, 0.032
#: with these; each text set measured did better with these, the image sets alike).
CALIBRATION_SLOPES = tuple(float(s) for s in 2.0 ** np.linspace(-0.5, 0.0, 6))
#: The fewest rows a prototype takes as seeds, and as many as it takes beside its class's
#: labeled rows: those seeds are guesses, and the more of them, the more they outweigh the
#: labels (WordNet, class names as prototypes, draws 0-4, macro-F1 at 1 / 5 / 10 labels per
#: class: 23 seeds (5% of a class) 0.418 / 0.450 / 0.498; 4 seeds 0.406 / 0.464 / 0.511;
#: 6 seeds 0.410 / 0.455 / 0.506; 1 seed 0.378 / 0.461 / 0.501; the labels alone 0.262 /
#: 0.456 / 0.505).
MIN_TOPIC_SEEDS = 5
#: The weight of transductive information maximisation's logits beside the walk's
#: log-distribution where the walk confuses classes (Fashion-MNIST with five labels per class,
#: draws 10-15, macro-F1 with the rows uncentred: 0.02 0.7206, 0.06 0.7222, 0.15 0.7241, 0.3
#: 0.7217, against 0.7195 without; centred, at 0.15: 0.7223, and 0.7038 against 0.6979 on
#: draws 16-21).
INFOMAX_WEIGHT = 0.15
#: Simulated seed sets behind the stability share of the uncalibrated confidence.
STABILITY_DRAWS = 8
#: The share of a labeled class's rows that the seeds reach less than ``reach_floor_``: the
#: floor is the lower prediction bound at this level for one more held-out labeled row's reach,
#: the reaches taken as log-normal (a few dozen held-out rows are too few to read a 2% quantile
#: off directly, and the bound widens the fewer there are).
REACH_QUANTILE = 0.02


@dataclass(frozen=True)
class _Rows:
    """What every prediction of one fit shares: the rows, their graph and categories."""

    vectors: np.ndarray  # unit rows
    features: np.ndarray  # the self-training probe's view of the rows
    indices: np.ndarray  # kNN indices, (n_rows, k)
    similarities: np.ndarray  # their cosine similarities, (n_rows, k)
    normalized: Any  # normalised kNN affinity; None without a graph
    categories: np.ndarray  # each row's pooling category
    n_classes: int


def _onehot(codes: np.ndarray, n_classes: int) -> np.ndarray:
    out = np.zeros((len(codes), n_classes))
    known = codes >= 0
    out[np.flatnonzero(known), codes[known]] = 1.0
    return out


def log_distribution(proba: np.ndarray) -> np.ndarray:
    """The log of each row's distribution normalised to sum to 1, (n_rows, n_classes)."""
    total = np.maximum(proba.sum(axis=1, keepdims=True), 1e-12)
    return np.log(np.maximum(proba / total, 1e-9))


def _calibrated(
    log_proba: np.ndarray, temperature: float, floor: float, slope: float = 1.0
) -> np.ndarray:
    """Each row's calibrated distribution from its log-distribution, (n_rows, n_classes):
    tempered, floored, then its top class's log-odds scaled by ``slope`` (step 3)."""
    return with_top_slope(with_floor(softmax(log_proba, temperature), floor), slope)


def neighbor_mean(indices: np.ndarray, similarities: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each row's similarity-weighted mean of its neighbours' ``values`` (one per row)."""
    return edge_mean(similarities, values[indices])


def neighbor_agreement(
    indices: np.ndarray, similarities: np.ndarray, predicted: np.ndarray
) -> np.ndarray:
    """Similarity-weighted share of each row's neighbours predicted like the row, (n_rows,).

    Only as many of its nearest neighbours count as its class has other rows: in a class of
    three rows, two neighbours can share its label, however many are listed (five rows of
    three topics would otherwise read as unsure of every label). A row alone in its class has
    no neighbour that could share its label, so nothing for or against it: it gets the mean
    agreement of the other rows (1 when every row is alone in its class)."""
    known = predicted >= 0
    sizes = np.bincount(predicted[known], minlength=1)
    others = np.where(known, sizes[np.clip(predicted, 0, None)] - 1, indices.shape[1])
    counted = np.arange(indices.shape[1])[None, :] < np.maximum(others, 1)[:, None]
    agreement = edge_mean(similarities, predicted[indices] == predicted[:, None], counted)
    alone = others == 0
    agreement[alone] = agreement[~alone].mean() if (~alone).any() else 1.0
    return agreement


def _checked_input(
    X: Any, y: Any, prototypes: Any, n_classes: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int]:
    """(unit rows, class codes, prototypes, number of classes) of what ``fit`` was given,
    checked: rows a 2-D array of numbers (a row of NaN or inf has no content), codes whole
    numbers from -1 (unlabeled) up, one per row, prototypes one row per class of the rows'
    width. Raises :class:`InvalidParameterError` saying what is wrong."""
    vectors = unit_rows(X)
    n = len(vectors)
    if y is None:
        given = np.full(n, -1, dtype=np.int64)
    else:
        codes = np.asarray(y)
        if codes.shape != (n,):
            raise InvalidParameterError(
                f"y must hold one code per row of X ({n}); got {codes.shape}."
            )
        if (
            not np.issubdtype(codes.dtype, np.number)
            or not (
                np.isnan(codes.astype(float))
                | (codes.astype(float) == np.round(codes.astype(float)))
            ).all()
        ):
            raise InvalidParameterError(
                "y holds class codes: whole numbers 0, 1, … and -1 (or NaN) for unlabeled rows. "
                "Labels such as 'cat' go through siftkit.label_rows, or encode them first."
            )
        given = np.where(np.isnan(codes.astype(float)), -1, codes).astype(np.int64)
        if (given < -1).any():
            raise InvalidParameterError("y's codes are -1 (unlabeled) or from 0 up.")
    if prototypes is not None:
        prototypes = np.asarray(prototypes, dtype=np.float32)
        if prototypes.ndim != 2 or prototypes.shape[1] != vectors.shape[1]:
            raise InvalidParameterError(
                f"prototypes must have one row per class as wide as X's rows "
                f"({vectors.shape[1]}); got {prototypes.shape}."
            )
    if prototypes is None and not (given >= 0).any():
        raise InvalidParameterError(
            "Nothing to label from: give some labeled rows, or class prototypes "
            "(keywords or descriptions)."
        )
    least = max(int(given.max()) + 1, 0 if prototypes is None else len(prototypes))
    if n_classes is None:
        n_classes = least
    elif n_classes < least:
        raise InvalidParameterError(
            f"n_classes ({n_classes}) must cover every code in y and every prototype "
            f"(at least {least})."
        )
    return vectors, given, prototypes, int(n_classes)


class TransductiveLabeler:
    """Predict a class for every row from partial labels and/or class prototypes.

    Parameters
    ----------
    n_neighbors : neighbours per row in the graph.
    alpha : how far labels diffuse (0: not at all; close to 1: far).
    pooling : weight of the row's category against its own diffused labels.
    seeds_per_class : with prototypes, rows taken as seeds per class (default: 5% of an
        average class, at least ``MIN_TOPIC_SEEDS``; a class with labeled rows,
        ``MIN_TOPIC_SEEDS`` beside them).
    prototype_rounds : times a prototype moves to the mean of its seeds.
    method : ``"diffusion"`` (over the graph, pooled by community), ``"prototypes"`` (seed
        prototypes smoothed by neighbours, then self-training), or ``"auto"``: prototypes
        when the graph is weak.
    learn_metric : by diffusion, diffuse also over a graph built again in a metric learned
        from a first diffusion's classes (the seeds and the surest ``METRIC_PSEUDO_SHARE``
        of each class's rows; see :mod:`siftkit.label.metric`), and average the two
        distributions, when those rows are enough to learn it from
        (:func:`siftkit.label.metric.enough_to_learn`).
    min_confidence : rows below this confidence get label -1 (abstain).
    random_state : seed.

    Attributes
    ----------
    labels_ : (n_rows,) predicted class code; labeled rows keep theirs; -1 abstains (below
        ``min_confidence``, or a row without content: the zero vector, which seeds nothing).
    proba_ : (n_rows, n_classes) class distribution per row (temperature-scaled, floored
        and its top class's log-odds scaled when ``calibrated_``).
    confidence_ : (n_rows,) confidence in the predicted class (1 for labeled rows, 0 for
        unlabeled rows without content).
    prototypes_ : (n_classes, n_dims) the prototypes after their rounds (None without).
    topic_vectors_ : (n_classes, n_dims) the given ``prototypes`` as unit rows (None without).
    seeds_ : (n_rows,) the seed class of each row, -1 for rows that are not seeds.
    calibrated_ : whether the confidence was recalibrated on held-out labeled rows.
    reach_ : (n_rows,) how strongly the seeds reach each row over the graph: the mass after
        the walk of the diffusion from every seed, one unit each, whatever its class (None
        without a graph).
    reach_floor_ : below it, an unlabeled row is reached less than the labeled rows of every
        class are: the lower prediction bound, at ``REACH_QUANTILE``, of the labeled rows'
        reach, each held out and reached from the other folds' seeds (see
        :func:`siftkit.label.other.fits_no_class`). None when not ``calibrated_``.
    method_ : ``"diffusion"`` or ``"prototypes"``: how classes were found.
    confused_groups_ : the groups of classes (codes) the diffusion spread rows over together,
        told apart by transductive information maximisation, then each within by a
        classifier of its labeled rows (:mod:`siftkit.label.confusable`); empty on the
        prototype path or without ``MIN_GROUP_LABELS`` labeled rows in each class of a group.
    metric_learned_ : whether the rows were labeled over the graph of a learned metric
        too (``learn_metric`` by diffusion); ``reach_`` and calibration follow the given
        graph only.
    weak_graph_ : whether the graph is weak (its communities keep < ``WEAK_GRAPH_BELOW`` of
        the edges, or are fewer than the classes).
    """

    parameter_constraints = {
        "n_neighbors": [Interval(int, 1, None)],
        "alpha": [Interval(float, 0.0, 1.0, open_high=True)],
        "pooling": [Interval(float, 0.0, 1.0)],
        "seeds_per_class": [type(None), Interval(int, 1, None)],
        "prototype_rounds": [Interval(int, 0, None)],
        "method": [Options(("auto", "diffusion", "prototypes"))],
        "learn_metric": [bool],
        "min_confidence": [Interval(float, 0.0, 1.0)],
        "random_state": [Interval(int, 0, None)],
    }

    def __init__(
        self,
        *,
        n_neighbors: int = 15,
        alpha: float = ALPHA,
        pooling: float = 0.5,
        seeds_per_class: int | None = None,
        prototype_rounds: int = 2,
        method: str = "auto",
        learn_metric: bool = True,
        min_confidence: float = 0.0,
        random_state: int = 0,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.alpha = alpha
        self.pooling = pooling
        self.seeds_per_class = seeds_per_class
        self.prototype_rounds = prototype_rounds
        self.method = method
        self.learn_metric = learn_metric
        self.min_confidence = min_confidence
        self.random_state = random_state

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.parameter_constraints}

    def fit(
        self,
        X: Any,
        y: np.ndarray | None = None,
        *,
        prototypes: np.ndarray | None = None,
        n_classes: int | None = None,
        graph: KnnGraph | None = None,
        categories: np.ndarray | None = None,
    ) -> TransductiveLabeler:
        """``X`` (n_rows, n_dims); ``y`` class codes 0..n_classes-1, -1 for unlabeled rows;
        ``prototypes`` (n_classes, n_dims) class vectors embedded like the rows (keywords,
        descriptions), a zero row for a class known by its labeled rows alone (their mean
        stands in); at least one of the two. ``graph``: the kNN graph of ``X`` to reuse;
        ``categories``: each row's category to pool labels in (found when None); both
        serve the given metric, a learned metric's graph and categories are built anew."""
        validate_params(type(self).__name__, self.get_params(), self.parameter_constraints)
        vectors, given, prototypes, n_classes = _checked_input(X, y, prototypes, n_classes)
        n = len(vectors)
        # a row without content (the zero vector) seeds nothing and gets no label
        content = has_content(vectors)
        codes = np.where(content, given, -1)
        if prototypes is None and not (codes >= 0).any():
            raise InvalidParameterError(
                "Nothing to label from: every labeled row is empty (a blank text)."
            )
        if graph is None:
            graph = build_graph(vectors, k=self.n_neighbors, random_state=self.random_state)
        k = min(self.n_neighbors, graph.k)
        indices, similarities = graph.indices[:, :k], graph.similarities[:, :k]
        if categories is None:
            categories = self._categories(vectors, graph)

        self.prototypes_ = None
        self.topic_vectors_ = None
        seeds = codes.copy()
        if prototypes is not None:
            self.topic_vectors_ = self._topic_vectors(vectors, prototypes, codes)
            self.prototypes_, found = self._prototype_seeds(
                vectors, self.topic_vectors_, n_classes, content,
                labeled=np.bincount(codes[codes >= 0], minlength=n_classes) > 0,
            )  # fmt: skip
            seeds = np.where(codes >= 0, codes, found)
        self.seeds_ = seeds
        self.weak_graph_ = bool(k) and (
            int(categories.max()) + 1 < n_classes
            or within_share(indices, categories) < WEAK_GRAPH_BELOW
        )
        by_prototypes = self.method == "prototypes" or (self.method == "auto" and self.weak_graph_)
        self.method_ = "prototypes" if by_prototypes else "diffusion"
        normalized = affinity(indices, similarities) if k else None
        features = smoothed_features(vectors, normalized) if by_prototypes else vectors
        rows = _Rows(vectors, features, indices, similarities, normalized, categories, n_classes)
        self.proba_ = self._distribute(rows, seeds)
        views = (rows,)  # the rows in each metric, labeled by the mean of their distributions
        taught = None  # the classes of the rows a metric is learned from
        if self.learn_metric and k > 0 and not by_prototypes:
            taught = confident_rows(self.proba_, seeds, METRIC_PSEUDO_SHARE)
        self.metric_learned_ = taught is not None and enough_to_learn(taught, vectors.shape[1])
        if self.metric_learned_:
            learned = self._in_learned_metric(rows, taught)
            self.proba_ = 0.5 * (self.proba_ + self._distribute(learned, seeds))
            views = (rows, learned)
        self.confused_groups_ = []
        if not by_prototypes:
            self.confused_groups_ = labeled_groups(confusable_groups(self.proba_), codes, n_classes)
            # the groups' classifiers see the rows in the learned metric (when there is one),
            # whose directions part the classes: on the unit rows, where the walk had parted
            # two classes but left their mass spread, a classifier of a few labels moved rows
            # the walk had right. The calibration folds fit theirs on the given rows, as the
            # held-out labels taught the metric.
            self.proba_ = self._tell_apart(self.proba_, rows.vectors, views[-1].vectors, codes)
        # held-out labels taught the learned metric, so calibration and reach, which hold
        # labeled rows out, walk the graph of the given one
        self.reach_ = self._reach(rows, seeds)
        folds = self._calibration_folds(rows, codes)
        calibration = self._cross_fit(rows, codes, seeds, folds, self.proba_.argmax(axis=1))
        self.reach_floor_ = self._reach_floor(rows, seeds, folds)
        self.calibrated_ = calibration is not None
        if calibration is not None:
            self.proba_ = _calibrated(log_distribution(self.proba_), *calibration)
        self.proba_[~content] = 1.0 / n_classes
        labeled = given >= 0
        self.proba_[labeled] = _onehot(given, n_classes)[labeled]
        predicted = self.proba_.argmax(axis=1)
        if self.calibrated_:
            confidence = self.proba_.max(axis=1)
        elif k:
            rough = self._stability(views, seeds, predicted) * neighbor_agreement(
                indices, similarities, predicted
            )
            # a row is about as likely to be right as its neighbours, labeled by the same
            # walk: its own estimate, from 8 draws and its neighbours' labels, is rough, and
            # the mean with theirs tells how often the region's labels hold
            confidence = 0.5 * (rough + neighbor_mean(indices, similarities, rough))
        else:
            confidence = np.ones(n)
        # a uniform distribution (no path to any seed) is a guess, however its neighbours agree
        confidence[np.ptp(self.proba_, axis=1) == 0] = 1.0 / n_classes
        confidence[~content] = 0.0
        confidence[labeled] = 1.0
        self.confidence_ = confidence
        guessed = (confidence < self.min_confidence) | ~(content | labeled)
        self.labels_ = np.where(guessed, -1, predicted)
        return self

    @staticmethod
    def _topic_vectors(vectors: np.ndarray, given: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """The ``given`` prototypes as unit rows, a zero row (a class without a topic)
        replaced by the mean of the class's labeled rows; (n_classes, n_dims)."""
        topics = l2_normalize(np.asarray(given, dtype=np.float32))
        missing = np.flatnonzero(~has_content(topics))
        if len(missing):
            means = prototypes(vectors, np.clip(codes, 0, None), len(topics), members=codes >= 0)
            unlabeled = [int(c) for c in missing if not (codes == c).any()]
            if unlabeled:
                raise InvalidParameterError(
                    f"Classes {unlabeled} have neither a prototype (a zero row) nor labeled "
                    "rows: give each class one or the other."
                )
            topics[missing] = means[missing]
        return topics

    def _in_learned_metric(self, rows: _Rows, taught: np.ndarray) -> _Rows:
        """``rows`` whitened by the within-class covariance of the rows with a class in
        ``taught`` (:mod:`siftkit.label.metric`), with their kNN graph and categories built
        again."""
        vectors = within_class_whitening(rows.vectors, taught, rows.n_classes)
        graph = build_graph(vectors, k=rows.indices.shape[1], random_state=self.random_state)
        normalized = affinity(graph.indices, graph.similarities)
        categories = self._categories(vectors, graph)
        return _Rows(
            vectors, vectors, graph.indices, graph.similarities, normalized, categories,
            rows.n_classes,
        )  # fmt: skip

    def _stability(
        self, views: tuple[_Rows, ...], seeds: np.ndarray, predicted: np.ndarray
    ) -> np.ndarray:
        """Share of ``STABILITY_DRAWS`` simulated seed sets under which each row keeps its
        predicted class, (n_rows,): each set draws, per class, as many rows as ``seeds``
        holds of it, at random among the rows predicted in that class, and predicts as the
        fit did, from the distributions over every one of ``views``."""
        rng = np.random.default_rng(self.random_state)
        n_classes = views[0].n_classes
        per_class = np.bincount(seeds[seeds >= 0], minlength=n_classes)
        by_class = np.argsort(predicted, kind="stable")
        ends = np.cumsum(np.bincount(predicted, minlength=n_classes))
        members = np.split(by_class, ends[:-1])
        kept = np.zeros(len(predicted))
        for _ in range(STABILITY_DRAWS):
            drawn = np.full(len(predicted), -1, dtype=np.int64)
            for c, rows_of_c in enumerate(members):
                take = min(per_class[c], len(rows_of_c))
                drawn[rng.choice(rows_of_c, take, replace=False)] = c
            proba = sum(self._distribute(rows, drawn) for rows in views)
            kept += proba.argmax(axis=1) == predicted
        return kept / STABILITY_DRAWS

    def _categories(self, vectors: np.ndarray, graph: KnnGraph) -> np.ndarray:
        from siftkit.discover.estimator import graph_communities

        return graph_communities(
            vectors, graph, (POOLING_RESOLUTION,), self.n_neighbors, self.random_state
        )[0]

    def _prototype_seeds(
        self,
        vectors: np.ndarray,
        topics: np.ndarray,
        n_classes: int,
        content: np.ndarray,
        labeled: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows with ``content`` most similar to each topic vector (``topics``: unit rows), the
        topic vectors moved to their mean plus the starting vector; returns (prototypes, seed
        class per row, -1 elsewhere). A class with ``labeled`` rows (bool per class) takes
        ``MIN_TOPIC_SEEDS`` beside them."""
        alone = max(MIN_TOPIC_SEEDS, int(0.05 * len(vectors) / n_classes))
        per_class = np.where(labeled, MIN_TOPIC_SEEDS, alone)
        if self.seeds_per_class is not None:
            per_class[:] = self.seeds_per_class
        per_class = np.minimum(per_class, max(1, len(vectors) // n_classes))
        centers = topics
        for _ in range(self.prototype_rounds + 1):
            similarity = vectors @ centers.T
            best = np.where(content, similarity.argmax(axis=1), -1)  # seeds its closest class
            seeds = np.full(len(vectors), -1, dtype=np.int64)
            for c in range(n_classes):
                candidates = np.flatnonzero(best == c)
                top = candidates[np.argsort(-similarity[candidates, c])[: per_class[c]]]
                seeds[top] = c
            found = prototypes(vectors, np.clip(seeds, 0, None), n_classes, members=seeds >= 0)
            centers = l2_normalize(found + topics)
        return centers, seeds

    def _distribute(self, rows: _Rows, seeds: np.ndarray) -> np.ndarray:
        """Each row's class distribution from the seeds, (n_rows, n_classes): diffused over
        the graph and pooled by category; or, when the graph is weak, from prototypes,
        refined by self-training."""
        if self.method_ == "prototypes":
            start = self._from_prototypes(rows.vectors, rows.indices, seeds, rows.n_classes)
            # every seed is a labeled row (or a stand-in for one), a sample of its class, only
            # without prototypes: the seeds found from them are guesses
            return self_train(rows.features, start, seeds, anchored=self.prototypes_ is None)
        start = _onehot(seeds, rows.n_classes)
        # each class's seeds inject one unit of mass together: more labels for a class say
        # more about where it is, not that it is likelier everywhere (unequal counts, as
        # labeling the rows of `to_label` gives, would otherwise tilt every boundary)
        start /= np.maximum(start.sum(axis=0), 1.0)
        normalized = rows.normalized
        diffused = spread(normalized, start, self.alpha) if normalized is not None else start
        diffused /= np.maximum(diffused.sum(axis=1, keepdims=True), 1e-12)
        pooled = category_sums(diffused, rows.categories, int(rows.categories.max()) + 1)
        pooled /= np.maximum(pooled.sum(axis=1, keepdims=True), 1e-12)
        mixed = self.pooling * pooled[rows.categories] + (1.0 - self.pooling) * diffused
        unreached = mixed.sum(axis=1) == 0  # no path to any seed: no preference
        mixed[unreached] = 1.0 / rows.n_classes
        return mixed

    @staticmethod
    def _from_prototypes(
        vectors: np.ndarray, indices: np.ndarray, seeds: np.ndarray, n_classes: int
    ) -> np.ndarray:
        """Classes from the seeds' prototypes, smoothed by the neighbours (the prototype +
        Laplacian objective of "Transductive Few-Shot Learning: Clustering is All You
        Need?", one step): each row scores ``cos(row, seed mean of the class) +
        PROTOTYPE_SMOOTHNESS · share of its neighbours nearest that class``; softmax of it."""
        centers = prototypes(vectors, np.clip(seeds, 0, None), n_classes, members=seeds >= 0)
        score = vectors @ centers.T.astype(vectors.dtype)
        nearest = np.where(seeds >= 0, seeds, score.argmax(axis=1))
        score += PROTOTYPE_SMOOTHNESS * neighbor_shares(indices, nearest, n_classes)
        return softmax(score.astype(np.float64), PROTOTYPE_TEMPERATURE)

    def _calibration_folds(self, rows: _Rows, codes: np.ndarray) -> np.ndarray | None:
        """Each labeled row's calibration fold (-1 for unlabeled rows): as many folds as the
        smallest class has labeled rows, at most ``MAX_CALIBRATION_FOLDS``, each class dealt
        round the folds; None when some class has fewer than ``MIN_CALIBRATION_ROWS``
        labeled rows, or there is no graph."""
        labeled = np.flatnonzero(codes >= 0)
        counts = np.bincount(codes[labeled], minlength=rows.n_classes)
        if rows.normalized is None or counts.min() < MIN_CALIBRATION_ROWS:
            return None
        rng = np.random.default_rng(self.random_state)
        n_folds = int(min(MAX_CALIBRATION_FOLDS, counts.min()))
        fold = np.full(len(codes), -1, dtype=np.int64)
        offset = 0
        for c in range(rows.n_classes):
            members = rng.permutation(labeled[codes[labeled] == c])
            fold[members] = (offset + np.arange(len(members))) % n_folds
            offset += len(members)
        return fold

    def _reach(self, rows: _Rows, seeds: np.ndarray) -> np.ndarray | None:
        """How strongly ``seeds`` reach each row, (n_rows,): the walk of the diffusion from
        all seeds at once, one unit of mass each (not split per class as in
        :meth:`_distribute`: a row's reach counts every seed near it)."""
        if rows.normalized is None:
            return None
        start = (seeds >= 0).astype(np.float64)[:, None]
        return spread(rows.normalized, start, self.alpha).ravel().astype(np.float64)

    def _reach_floor(
        self, rows: _Rows, seeds: np.ndarray, folds: np.ndarray | None
    ) -> float | None:
        """The lower prediction bound, at ``REACH_QUANTILE``, of a labeled row's reach: each
        fold's labeled rows reached from the other seeds (scaled by all seeds over those), the
        reaches taken as log-normal (Student's t over their number; a labeled row out of
        every seed's reach pulls the bound to 0); None without folds."""
        from scipy.stats import t as student_t

        if folds is None:
            return None
        held_out = []
        for held in range(int(folds.max()) + 1):
            kept = np.where(folds != held, seeds, -1)
            reach = self._reach(rows, kept)
            scale = (seeds >= 0).sum() / (kept >= 0).sum()
            held_out.append(scale * reach[folds == held])
        logs = np.log(np.maximum(np.concatenate(held_out), np.finfo(np.float64).tiny))
        n = len(logs)
        # the lower prediction bound of one more draw from a normal known by n draws
        bound = student_t.ppf(REACH_QUANTILE, n - 1) * np.sqrt(1.0 + 1.0 / n)
        return float(np.exp(logs.mean() + bound * logs.std(ddof=1)))

    def _tell_apart(
        self, proba: np.ndarray, vectors: np.ndarray, group_vectors: np.ndarray, codes: np.ndarray
    ) -> np.ndarray:
        """``proba`` with the classes of ``confused_groups_`` told apart: the logits of
        transductive information maximisation (:mod:`siftkit.label.infomax`, on ``vectors``;
        when every class has a row in ``codes``) added to its log, ``INFOMAX_WEIGHT`` of
        them, then each group's rows shared out with a classifier of its labeled rows (on
        ``group_vectors``). Unchanged where the walk confuses no classes."""
        if not self.confused_groups_:
            return proba
        n_classes = proba.shape[1]
        if np.bincount(codes[codes >= 0], minlength=n_classes).min() > 0:
            logits = infomax_logits(vectors, codes, n_classes, self.random_state)
            proba = softmax(log_distribution(proba) + INFOMAX_WEIGHT * logits, 1.0)
        return within_groups(proba, group_vectors, codes, self.confused_groups_)

    def _cross_fit(
        self,
        rows: _Rows,
        codes: np.ndarray,
        seeds: np.ndarray,
        folds: np.ndarray | None,
        predicted: np.ndarray,
    ) -> tuple[float, float, float] | None:
        """The temperature, floor and top slope that best predict the labeled rows of each of
        ``folds`` from the other ``seeds`` (the other folds' labeled rows, and the rows
        prototypes found; told apart within ``confused_groups_`` by classifiers of the other
        folds' labeled rows, on the given rows), by maximum likelihood over
        ``CALIBRATION_TEMPERATURES`` and ``CALIBRATION_FLOORS``, then, for whether the
        predicted class is right, over ``CALIBRATION_SLOPES``; None without folds. The
        labeled rows are weighed by how common their class is among the unlabeled rows (by
        ``predicted``) against among the labeled ones: a few labeled rows per class sample the
        classes evenly, the rows to be labeled do not, and the confidence is for them."""
        if folds is None:
            return None
        counts = np.bincount(codes[codes >= 0], minlength=rows.n_classes)

        def held_out_fold(held: int) -> tuple[np.ndarray, np.ndarray]:
            judged = (codes >= 0) & (folds == held)
            proba = self._tell_apart(
                self._distribute(rows, np.where(judged, -1, seeds)), rows.vectors,
                rows.vectors, np.where(judged, -1, codes),
            )  # fmt: skip
            return log_distribution(proba[judged]), codes[judged]

        # folds side by side, each on one thread (its solver's and its products'): 40% less
        # time than one after another on all threads at 100,000 rows. The folds repeat the
        # final fit, which says what there is to say: their warnings are not shown (and
        # warnings' filters are not safe to change from two threads at once)
        workers = min(CROSS_FIT_THREADS, os.cpu_count() or 1)
        with warnings.catch_warnings(), threadpool_limits(limits=1):
            warnings.simplefilter("ignore")
            with ThreadPoolExecutor(workers) as pool:
                done = list(pool.map(held_out_fold, range(int(folds.max()) + 1)))
        held_out, truth = [scores for scores, _ in done], [judged for _, judged in done]
        scores, truth_codes = np.vstack(held_out), np.concatenate(truth)
        unlabeled = predicted[codes < 0]
        weights = None
        if len(unlabeled):
            share = np.bincount(unlabeled, minlength=rows.n_classes) / len(unlabeled)
            weights = (share / (counts / counts.sum()))[truth_codes]
        temperature, floor = fit_calibration(
            lambda rows: scores[rows], truth_codes, np.ones(len(scores), dtype=bool),
            CALIBRATION_TEMPERATURES, weights, CALIBRATION_FLOORS,
        )  # fmt: skip
        calibrated = _calibrated(scores, temperature, floor)
        slope = fit_top_slope(calibrated, truth_codes, CALIBRATION_SLOPES, weights)
        return temperature, floor, slope
