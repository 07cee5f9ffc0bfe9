"""Label errors, off-topic rows and conflicting copies, from three views of every row.

1. **Neighbour vote** (local): a similarity-weighted vote of the row's nearest neighbours.
2. **Ridge probe** (global): exact leave-one-out class probabilities of a linear probe,
   softmax-calibrated (:mod:`siftkit.detectors.linear_probe`).
3. **Class prototypes** (class-conditional): similarity to the nearest of several
   prototypes per class, fitted on trusted rows (:mod:`siftkit.detectors.prototypes`), so
   multi-modal and rare classes are judged by their own centres.

Their mixture ``p`` (mostly the probe, which resists noise that clusters, e.g. a class
flipping into its nearest neighbour) scores each row: ``label_error_score = 1 − p(given)``,
averaged over the first fit and the refit below.
A row is a candidate when its given label is less likely than a label drawn at random
(``p(given) < prior(given)``) or far less likely than the best label
(``p(given) < margin · p(best)``). The probe and the prototypes are refitted once without
the candidates, on the rows whitened by the within-class covariance of the rows left (the
learned metric of :mod:`siftkit.label.metric`, which stretches the directions that tell
those classes apart; cross-fitted, so no row is judged in a metric its own label taught),
and the rule applied again.

The noise rate is estimated from each class's anchor rows, its most confident ones: the
share of them carrying another label (:func:`siftkit.detectors.noise_summary.estimate_noise`).
Then:

- **off-topic**: a candidate whose neighbours agree on no class (their labels spread out
  more than noise alone would spread them) and whose neighbours' labels look wrong too,
  more often than the noise rate explains, belongs to none — drop it; so does a row the
  model gives another label than its own in a community of the graph (found without the
  labels) whose labels look drawn at random from all the labels
  (:func:`in_label_free_community`): rows of no
  class carry whatever labels they were given, and the model, unsure of every class there,
  rarely finds them candidates;
- **mislabeled**: the other candidates belong to another class — relabel them. Candidates
  are many more than the noise whenever classes overlap, so only the highest-scoring
  ones, as many as the upper end of the noise estimate allows, are flagged;
- **conflicting copies**: exact or near copies that carry different labels; the copies
  that disagree with the group's best-supported label are flagged, whatever the model says.

A row is flagged as mislabeled or off-topic, never both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import binom as stats_binom
from scipy.stats import chi2

from siftkit._validation import Interval
from siftkit.detectors.base import Context, Detector, Result, register_detector
from siftkit.detectors.linear_probe import RidgeProbe
from siftkit.detectors.near_duplicates import near_duplicate_groups
from siftkit.detectors.neighbor_labels import (
    expected_spread,
    neighbor_label_spread,
    neighbor_vote,
)
from siftkit.detectors.noise_summary import estimate_noise, summarize_noise
from siftkit.detectors.prototypes import (
    ClassPrototypes,
    fit_class_prototypes,
    lone_rows,
    trusted_class_prototypes,
    trusted_rows,
)
from siftkit.discover.estimator import graph_communities
from siftkit.discover.refine import confidence as category_confidence
from siftkit.exceptions import InvalidParameterError
from siftkit.label.metric import cross_fitted_whitening

#: Rows of a class with fewer labeled rows than this are never flagged: too little evidence.
MIN_CLASS_ROWS = 3
#: An off-topic row's neighbours look mislabeled too: more of them are candidates than
#: the estimated noise rate gives with probability OFF_TOPIC_TAIL, and at least this share.
OFF_TOPIC_DOUBTFUL_SHARE, OFF_TOPIC_TAIL = 0.4, 1e-3
#: A category's labels look drawn at random from all the labels when a G-test of their counts
#: against the labels' shares overall does not reject at this level; judged only in
#: categories with labeled rows enough that the labels of LABEL_FREE_MIX classes alone would
#: be rejected (:func:`label_free_min_rows`: 9 rows for 12 even classes, 11 for 26), with
#: at least 3 classes (with two, an even mix is as often the overlap of both), and only while
#: such categories hold at most LABEL_FREE_MAX_SHARE of the labeled rows (beyond it the
#: categories do not follow the labels and say nothing about rows of no class).
LABEL_FREE_P, LABEL_FREE_MIX, LABEL_FREE_MAX_SHARE = 0.01, 3, 0.2
#: A row is judged by its category's labels only when it belongs to it: at least this share
#: of its neighbours (similarity-weighted, as the category's own confidence) are in it. On
#: 1,771 fortunes with 20 planted glosses, the label-free category's flags: 19 glosses and 8
#: fortunes (those at 0-0.46) without it, 12 and none with it.
LABEL_FREE_ATTACHED = 0.5
#: The label-free test looks at the graph's own communities, not at the run's categories
#: (found with the words, refined, folded: on the 20 glosses above one seed of four flagged
#: them), at each of these resolutions (each finer), where a group apart may form a
#: community of its own at one and not at another: at 1.0 alone, 235 of the 360 planted
#: outliers of the benchmark's Fashion-MNIST case were off-topic flags, at all three 264.
LABEL_FREE_RESOLUTIONS = (1.0, 2.0, 4.0)
#: Neighbours per row the communities are found with (discovery's default) and a row's
#: attachment to its community is read over.
LABEL_FREE_NEIGHBORS = 15
#: Rows flagged as mislabeled, at most: the estimated noise rate plus this many of its
#: standard errors, times the rows that can be judged; and of each given label, its own
#: estimated rate plus as many standard errors (over the anchors carrying it), times its rows.
FLAG_LIMIT_STANDARD_ERRORS = 1.0


class _RowStats:
    """What the detector keeps of the (n_rows, n_classes) probabilities, one block at a time,
    so memory stays O(n_rows) even with thousands of classes."""

    def __init__(self, n_rows: int, n_classes: int) -> None:
        self.given = np.zeros(n_rows)
        self.best = np.zeros(n_rows, dtype=np.int64)
        self.best_p = np.zeros(n_rows)
        self.other = np.zeros(n_rows, dtype=np.int64)  # best label other than the given one
        self.other_p = np.zeros(n_rows)
        self.confusion = np.zeros((n_classes, n_classes))  # sum of p over rows, by given label

    def add(self, rows: slice, proba: np.ndarray, codes: np.ndarray) -> None:
        index = np.arange(len(proba))
        own = np.clip(codes, 0, None)
        self.given[rows] = np.where(codes >= 0, proba[index, own], 1.0)
        self.best[rows] = proba.argmax(axis=1)
        self.best_p[rows] = proba[index, self.best[rows]]
        masked = proba.copy()
        masked[index[codes >= 0], codes[codes >= 0]] = -1.0
        self.other[rows] = masked.argmax(axis=1)
        self.other_p[rows] = proba[index, self.other[rows]]
        labeled = codes >= 0
        np.add.at(self.confusion, codes[labeled], proba[labeled])


def _highest(mask: np.ndarray, score: np.ndarray, limit: int) -> np.ndarray:
    """``mask`` reduced to its ``limit`` rows with the highest ``score``."""
    rows = np.flatnonzero(mask)
    if len(rows) <= limit:
        return mask
    kept = np.zeros_like(mask)
    kept[rows[np.argsort(-score[rows], kind="stable")[:limit]]] = True
    return kept


def in_label_free_community(context: Context, codes: np.ndarray, n_classes: int) -> np.ndarray:
    """Per row, whether it belongs to a community of the run's graph, at one of the
    ``LABEL_FREE_RESOLUTIONS``, whose labels look drawn at random (:func:`label_free_rows`;
    ``codes`` the labels, -1 for none): at least ``LABEL_FREE_ATTACHED`` of its neighbours,
    similarity-weighted, are in that community. (n_rows,) bool."""
    graph = context.graph
    k = min(LABEL_FREE_NEIGHBORS, graph.k)
    indices, similarities = graph.indices[:, :k], graph.similarities[:, :k]
    free = np.zeros(len(codes), dtype=bool)
    for communities in graph_communities(
        context.embeddings, graph, LABEL_FREE_RESOLUTIONS, LABEL_FREE_NEIGHBORS,
        context.random_state,
    ):  # fmt: skip
        attached = category_confidence(indices, similarities, communities)
        free |= label_free_rows(communities, codes, n_classes) & (attached >= LABEL_FREE_ATTACHED)
    return free


def label_free_min_rows(shares: np.ndarray) -> float:
    """The fewest labeled rows a category needs for its labels to be judged random: so many
    that labels of a few classes alone (the ``LABEL_FREE_MIX`` commonest, evenly; one fewer
    than all with few classes) would fail the G-test at ``LABEL_FREE_P`` against the labels'
    ``shares`` overall (inf when no count can tell them apart)."""
    mix = min(LABEL_FREE_MIX, len(shares) - 1)
    common = np.sort(shares)[::-1][:mix]
    per_row = 2.0 * np.mean(np.log(1.0 / (mix * np.maximum(common, 1e-12))))  # G per row
    needed = chi2.isf(LABEL_FREE_P, len(shares) - 1)
    return float(np.ceil(needed / per_row)) if per_row > 0 else float("inf")


def label_free_rows(categories: np.ndarray, codes: np.ndarray, n_classes: int) -> np.ndarray:
    """The rows of categories whose labels look drawn at random from all the labels, (n_rows,)
    bool: ``categories`` each row's category (-1: none), ``codes`` its label (-1: none).
    A category's label counts are tested against the labels' shares overall (G-test,
    ``LABEL_FREE_P``); see :func:`label_free_min_rows` and ``LABEL_FREE_MAX_SHARE``."""
    judged = (categories >= 0) & (codes >= 0)
    free = np.zeros(len(codes), dtype=bool)
    if n_classes < 3 or not judged.any():
        return free
    n_categories = int(categories.max()) + 1
    counts = np.zeros((n_categories, n_classes))
    np.add.at(counts, (categories[judged], codes[judged]), 1.0)
    sizes = counts.sum(axis=1)
    expected = sizes[:, None] * (counts.sum(axis=0) / sizes.sum())[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(counts > 0, counts * np.log(counts / expected), 0.0)
    p_value = chi2.sf(2.0 * terms.sum(axis=1), n_classes - 1)
    shares = counts.sum(axis=0) / sizes.sum()
    label_free = (p_value >= LABEL_FREE_P) & (sizes >= label_free_min_rows(shares))
    if sizes[label_free].sum() > LABEL_FREE_MAX_SHARE * sizes.sum():
        return free
    free[judged] = label_free[categories[judged]]
    return free


@register_detector
class LabelErrors(Detector):
    """Mislabeled rows, off-topic rows and conflicting copies (see the module docstring).

    Parameters
    ----------
    k : neighbours that vote (at most the graph's k).
    temperature : how fast a neighbour's weight falls with distance (see neighbor_vote).
    knn_weight : share of the neighbour vote in the mixture.
    prototype_weight : share of the class-prototype view; the rest is the ridge probe.
    margin : a row is a candidate when p(given) < margin · p(best label).
    off_topic_margin : a row is off-topic only when the normalised entropy of its
        neighbours' labels exceeds ``e + off_topic_margin · (1 − e)``, where ``e`` is the
        entropy expected inside a class at the estimated noise rate (see expected_spread).
    alpha : ridge penalty of the probe.
    learn_metric : refit in the metric the rows that are not candidates teach (cross-fitted
        within-class whitening), when they are enough to learn it from; False refits on the
        vectors as they are.
    """

    name = "label_errors"
    requires = ("embeddings", "graph", "labels")
    columns = (
        "label_error_score", "is_label_error", "suggested_label", "suggestion_confidence",
        "label_conflict_group", "off_topic_score", "is_off_topic",
    )  # fmt: skip
    parameter_constraints = {
        "k": [Interval(int, 1, None)],
        "temperature": [Interval(float, 0.0, None, open_low=True)],
        "knn_weight": [Interval(float, 0.0, 1.0)],
        "prototype_weight": [Interval(float, 0.0, 1.0)],
        "margin": [Interval(float, 0.0, 1.0)],
        "off_topic_margin": [Interval(float, 0.0, 1.0)],
        "alpha": [Interval(float, 0.0, None, open_low=True)],
        "learn_metric": [bool],
    }

    def __init__(
        self,
        k: int = 20,
        temperature: float = 0.1,
        knn_weight: float = 0.2,
        prototype_weight: float = 0.2,
        margin: float = 0.3,
        off_topic_margin: float = 0.5,
        alpha: float = 1.0,
        learn_metric: bool = True,
    ) -> None:
        self.k = k
        self.temperature = temperature
        self.knn_weight = knn_weight
        self.prototype_weight = prototype_weight
        self.margin = margin
        self.off_topic_margin = off_topic_margin
        self.alpha = alpha
        self.learn_metric = learn_metric

    def check_params(self) -> None:
        super().check_params()
        if self.knn_weight + self.prototype_weight > 1.0:
            raise InvalidParameterError(
                f"The 'knn_weight' and 'prototype_weight' parameters of LabelErrors must add up "
                f"to at most 1 (the ridge probe gets the rest). Got {self.knn_weight} + "
                f"{self.prototype_weight} instead."
            )

    def skip_reason(self, context: Context) -> str | None:
        reason = super().skip_reason(context)
        if reason is None and context.labels.n_classes < 2:
            return "the labels hold fewer than 2 classes"
        if reason is None:
            codes = context.labels.codes
            judged = np.bincount(codes[codes >= 0], minlength=context.labels.n_classes)
            if (judged >= MIN_CLASS_ROWS).sum() < 2:  # no noise to estimate, no row to flag
                return (
                    f"fewer than 2 classes have {MIN_CLASS_ROWS} labeled rows or more, too few "
                    "to judge a label by"
                )
        return reason

    def _row_stats(
        self,
        context: Context,
        vectors: np.ndarray,
        train: np.ndarray,
        prototypes: ClassPrototypes,
    ) -> _RowStats:
        """Mix the three views for every row: the probe fitted on the ``train`` rows of
        ``vectors``, the prototypes (fitted on ``vectors`` too), the vote over the graph."""
        labels, graph = context.labels, context.graph
        codes, n_classes = labels.codes, labels.n_classes
        k = min(self.k, graph.k)
        probe = RidgeProbe(alpha=self.alpha).fit(vectors, codes, train, n_classes)
        probe.calibrate(vectors, codes, train, judged=codes >= 0)
        probe_weight = 1.0 - self.knn_weight - self.prototype_weight
        stats = _RowStats(context.n_rows, n_classes)
        views = zip(
            probe.probabilities(vectors, codes, train),
            prototypes.probabilities(vectors, codes, judged=codes >= 0),
            strict=True,
        )
        for (rows, linear), (_, prototype) in views:
            knn = neighbor_vote(
                graph.indices[rows, :k], graph.similarities[rows, :k], codes, n_classes,
                self.temperature,
            )  # fmt: skip
            mixed = self.knn_weight * knn + probe_weight * linear
            stats.add(rows, mixed + self.prototype_weight * prototype, codes[rows])
        return stats

    def _candidates(
        self, stats: _RowStats, given_prior: np.ndarray, labeled: np.ndarray
    ) -> np.ndarray:
        """Rows whose label does worse than chance or far worse than the best label."""
        unlikely = (stats.given < given_prior) | (stats.given < self.margin * stats.other_p)
        return labeled & unlikely & (stats.other_p > stats.given)

    def run(self, context: Context) -> Result:
        labels = context.labels
        codes, n_classes = labels.codes, labels.n_classes
        # rows without content (empty_rows) say nothing: they neither train the probe nor
        # get a verdict
        content = context.with_content
        labeled = (codes >= 0) & content
        prior = np.bincount(codes[labeled], minlength=n_classes) / max(labeled.sum(), 1)
        given_prior = prior[np.clip(codes, 0, None)]  # how often a random label is the given one

        # a row of a class with fewer than MIN_CLASS_ROWS labeled rows cannot be judged
        class_rows = np.bincount(codes[labeled], minlength=n_classes)
        judgeable = labeled & (class_rows[np.clip(codes, 0, None)] >= MIN_CLASS_ROWS)

        graph = context.graph
        k = min(self.k, graph.k)
        agreement = neighbor_label_spread(graph.indices[:, :k], codes, n_classes)
        prototypes = trusted_class_prototypes(context)

        vectors = np.asarray(context.embeddings, dtype=np.float32)
        stats = self._row_stats(context, vectors, labeled, prototypes)
        first_given = stats.given
        candidates = self._candidates(stats, given_prior, judgeable)
        metric_learned = False
        if candidates.any() and (labeled & ~candidates).sum() > n_classes:
            # refit the probe and the prototypes without them, in the metric the rest teach
            trusted = labeled & ~candidates
            whitened = (
                cross_fitted_whitening(
                    vectors, np.where(trusted, codes, -1), n_classes, context.random_state
                )
                if self.learn_metric
                else None
            )
            metric_learned = whitened is not None
            if metric_learned:
                vectors = whitened
                prototypes = fit_class_prototypes(  # zero rows are no longer zero: mask them
                    vectors, codes, trusted_rows(context) & labeled, n_classes,
                    context.random_state, lone=lone_rows(context) & labeled,
                )  # fmt: skip
            stats = self._row_stats(context, vectors, trusted, prototypes)
            candidates = self._candidates(stats, given_prior, judgeable)

        given = 0.5 * (first_given + stats.given)
        score = np.where(labeled, np.clip(1.0 - given, 0.0, 1.0), 0.0)
        # how spread neighbourhoods are inside a class depends on how many labels look wrong
        # there, class overlap included: the candidates' share, not the estimated noise rate
        candidate_share = candidates.sum() / max(labeled.sum(), 1)
        spread_cut = self.off_topic_margin + (1.0 - self.off_topic_margin) * expected_spread(
            candidate_share, n_classes
        )
        conflict_group, group_label, group_share = self._conflicting_copies(
            context, stats, np.where(labeled, codes, -1)
        )
        # anchors ranked by the mixture: its vote, probe and metric never see the row's own
        # label (the prototypes, 0.2 of it, are fitted on trusted rows and may include the row);
        # copies holding several labels count by their group's label
        estimate = estimate_noise(
            codes, stats.best, stats.best_p, labeled, n_classes,
            copies_label=np.where(conflict_group >= 0, group_label, -1),
        )  # fmt: skip
        # off-topic: a candidate whose neighbours agree on no label (spread more than noise
        # alone would spread them) and whose neighbours' labels look wrong too, more often
        # than the noise rate would make them in one neighbourhood of OFF_TOPIC_TAIL⁻¹. A
        # mislabeled row sits among rows of its true class, whose labels look right; a row
        # of no class sits among rows of no class.
        doubtful_neighbors = candidates[graph.indices[:, :k]].mean(axis=1)
        by_chance = stats_binom.isf(OFF_TOPIC_TAIL, k, estimate.rate)  # doubtful count
        doubtful_cut = max(OFF_TOPIC_DOUBTFUL_SHARE, (by_chance + 0.5) / k)
        free = np.zeros(len(codes), dtype=bool)  # rows of communities with random labels
        # the members of such a community see their neighbours' labels spread: with fewer
        # such rows than the smallest community judged, none is looked for (with two
        # classes, communities cannot tell: LABEL_FREE_P)
        spread_out = int((labeled & (agreement.spread >= spread_cut)).sum())
        if n_classes >= 3 and spread_out >= label_free_min_rows(prior):
            free = in_label_free_community(context, np.where(labeled, codes, -1), n_classes)
        off_topic = (
            candidates & (agreement.spread >= spread_cut) & (doubtful_neighbors >= doubtful_cut)
        ) | (judgeable & free & (stats.best != codes))
        upper = estimate.interval(z=FLAG_LIMIT_STANDARD_ERRORS)[1]
        limit = int(np.ceil(upper * (judgeable & ~off_topic).sum()))
        mislabeled = _highest(candidates & ~off_topic, score, limit)
        # and as many of each label's rows as its own estimate allows: a small class that
        # overlaps big ones has many candidates, not many wrong labels
        label_upper = estimate.label_upper(FLAG_LIMIT_STANDARD_ERRORS)
        judged_of = np.bincount(codes[judgeable & ~off_topic], minlength=n_classes)
        for c in range(n_classes):
            given_c = mislabeled & (codes == c)
            mislabeled = (mislabeled & ~given_c) | _highest(
                given_c, score, int(np.ceil(label_upper[c] * judged_of[c]))
            )
        # a row without content suggests its own label, with confidence 0; a row without a
        # label has no label to mend: none (the labeling analysis predicts one for it)
        suggested = np.where(codes < 0, -1, np.where(content, stats.best, codes))
        confidence = np.where(content & (codes >= 0), stats.best_p, 0.0)

        conflicting = (conflict_group >= 0) & (codes != group_label)
        conflict_only = conflicting & ~mislabeled
        mislabeled |= conflicting
        off_topic &= ~mislabeled
        score[conflicting] = np.maximum(score[conflicting], 0.5 + 0.5 * score[conflicting])
        suggested[conflict_only] = group_label[conflict_only]
        confidence[conflict_only] = group_share[conflict_only]

        # in a category of random labels, how unlikely the row's own label is
        off_topic_score = np.where(
            content,
            np.clip(np.maximum(agreement.spread * doubtful_neighbors, free * score), 0.0, 1.0),
            0.0,
        )
        summary = summarize_noise(
            labels, mislabeled, suggested, stats.confusion, context.row_ids,
            off_topic=off_topic, conflicting=conflicting, estimate=estimate,
        )  # fmt: skip
        summary["metric_learned"] = metric_learned
        summary["flag_limit"] = limit
        return Result(
            columns={
                "label_error_score": score.astype(np.float64),
                "is_label_error": mislabeled,
                "suggested_label": labels.decode(suggested),
                "suggestion_confidence": np.clip(confidence, 0.0, 1.0).astype(np.float64),
                "label_conflict_group": conflict_group,
                "off_topic_score": off_topic_score.astype(np.float64),
                "is_off_topic": off_topic,
            },
            summary=summary,
        )

    def _conflicting_copies(
        self, context: Context, stats: _RowStats, codes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies whose group holds several labels, among the rows with a class in
        ``codes`` (-1: rows that take no part).

        Returns the group id per row (-1 elsewhere), the group's best-supported label per
        row (copies vote for their own label, weighted by how likely the model finds it; -1
        elsewhere) and that label's share of the group's votes.
        """
        groups, _ = near_duplicate_groups(context)
        conflict_group = np.full(len(codes), -1, dtype=np.int64)
        winner = np.full(len(codes), -1, dtype=np.int64)
        share = np.zeros(len(codes))
        in_group = (groups >= 0) & (codes >= 0)
        if not in_group.any():
            return conflict_group, winner, share
        frame = pd.DataFrame({"group": groups[in_group], "code": codes[in_group]})
        n_labels = frame.groupby("group")["code"].transform("nunique").to_numpy()
        members = np.flatnonzero(in_group)[n_labels > 1]
        if not len(members):
            return conflict_group, winner, share
        conflict_group[members] = groups[members]
        votes = pd.DataFrame(
            {"group": groups[members], "code": codes[members], "weight": 1.0 + stats.given[members]}
        )
        totals = votes.groupby(["group", "code"])["weight"].sum().reset_index()
        totals["share"] = totals["weight"] / totals.groupby("group")["weight"].transform("sum")
        best = totals.sort_values(["group", "weight"], ascending=[True, False])
        best = best.drop_duplicates("group").set_index("group")
        winner[members] = best.loc[groups[members], "code"].to_numpy()
        share[members] = best.loc[groups[members], "share"].to_numpy()
        return conflict_group, winner, share
