"""TransductiveLabeler: labels for every row from a few labeled rows or class prototypes."""

from __future__ import annotations

import numpy as np
import pytest
from labeling_data import blobs, calibration_error, nuisance_blobs

from siftkit.embed.base import l2_normalize
from siftkit.exceptions import InvalidParameterError
from siftkit.label import TransductiveLabeler
from siftkit.label.transductive import MIN_TOPIC_SEEDS, neighbor_agreement, neighbor_mean
from siftkit.neighbors import build_graph


@pytest.fixture(scope="module")
def separated() -> tuple[np.ndarray, np.ndarray]:
    """4 blobs of 50 rows in 16 dims, on different axes."""
    return blobs()


@pytest.fixture(scope="module")
def overlapping() -> tuple[np.ndarray, np.ndarray]:
    """4 blobs that overlap: labeling them makes mistakes, and confidences spread out."""
    return blobs(spread=0.6, seed=1)


def first_rows(truth: np.ndarray, per_class: int) -> np.ndarray:
    """Class codes for the first ``per_class`` rows of each class, -1 elsewhere."""
    y = np.full(len(truth), -1)
    for c in np.unique(truth):
        y[np.flatnonzero(truth == c)[:per_class]] = c
    return y


def test_one_labeled_row_per_class_labels_separated_blobs(separated) -> None:
    X, truth = separated
    y = first_rows(truth, 1)
    model = TransductiveLabeler().fit(X, y)
    unlabeled = y < 0
    assert (model.labels_[unlabeled] == truth[unlabeled]).mean() >= 0.99
    assert model.proba_.shape == (len(X), 4)
    np.testing.assert_allclose(model.proba_.sum(axis=1), 1.0)
    assert model.prototypes_ is None
    np.testing.assert_array_equal(model.seeds_, y)


def test_a_class_with_more_labeled_rows_does_not_claim_the_others() -> None:
    """20 labeled rows in one class, 1 in each other (as labeling a queue can leave them):
    the seeds' mass is split per class, so the count says where a class is, not that it is
    likelier everywhere. Counted as mass, the 20 claimed 92% of the rows (accuracy 0.25)."""
    X, truth = blobs(spread=0.3)
    y = np.full(len(truth), -1)
    y[np.flatnonzero(truth == 0)[:20]] = 0
    for c in (1, 2, 3):
        y[np.flatnonzero(truth == c)[0]] = c
    model = TransductiveLabeler(method="diffusion", learn_metric=False).fit(X, y)
    unlabeled = y < 0
    assert np.mean(model.labels_[unlabeled] == truth[unlabeled]) > 0.85
    assert np.mean(model.labels_[unlabeled] == 0) < 0.25  # its true share: 0.17


def test_labeled_rows_keep_their_label_with_confidence_one(separated) -> None:
    X, truth = separated
    y = first_rows(truth, 2)
    wrong = np.flatnonzero(truth == 0)[10]
    y[wrong] = 1  # a labeled row its whole neighbourhood disagrees with
    model = TransductiveLabeler().fit(X, y)
    labeled = y >= 0
    np.testing.assert_array_equal(model.labels_[labeled], y[labeled])
    assert (model.confidence_[labeled] == 1.0).all()
    np.testing.assert_array_equal(model.proba_[wrong], [0.0, 1.0, 0.0, 0.0])
    # the one wrong label does not take its neighbours with it
    unlabeled = y < 0
    assert (model.labels_[unlabeled] == truth[unlabeled]).mean() >= 0.99


def test_confidence_lies_in_zero_one_and_follows_mistakes(overlapping) -> None:
    X, truth = overlapping
    y = first_rows(truth, 3)
    model = TransductiveLabeler().fit(X, y)
    confidence = model.confidence_
    assert confidence.shape == (len(X),)
    assert ((confidence >= 0) & (confidence <= 1)).all()
    unlabeled = y < 0
    right = model.labels_ == truth
    assert confidence[unlabeled & right].mean() > confidence[unlabeled & ~right].mean()


@pytest.mark.parametrize(
    ("per_class", "calibrated"), [(1, False), (2, False), (3, True), (5, True)]
)
def test_confidence_is_calibrated_with_three_labeled_rows_per_class(
    overlapping, per_class, calibrated
) -> None:
    X, truth = overlapping
    model = TransductiveLabeler().fit(X, first_rows(truth, per_class))
    assert model.calibrated_ is calibrated


def test_calibrated_confidence_matches_accuracy_on_unlabeled_rows() -> None:
    gaps = []
    for seed in (3, 4, 5, 6):  # four draws: one draw's 80 held-out rows are a noisy sample
        X, truth = blobs(sizes=(300,) * 4, spread=1.0, seed=seed)
        y = first_rows(truth, 20)
        model = TransductiveLabeler().fit(X, y)
        unlabeled = y < 0
        assert model.calibrated_
        # the confidence is the calibrated distribution's probability of the predicted class
        np.testing.assert_allclose(model.proba_.sum(axis=1), 1.0)
        np.testing.assert_allclose(model.confidence_, model.proba_.max(axis=1))
        accuracy = (model.labels_[unlabeled] == truth[unlabeled]).mean()
        assert accuracy < 0.55  # hard enough that an uncalibrated confidence would show
        gaps.append(abs(model.confidence_[unlabeled].mean() - accuracy))
    assert np.mean(gaps) < 0.1


def test_the_top_slope_moves_confidences_but_no_label_nor_the_rows_past_one_half(
    monkeypatch,
) -> None:
    import siftkit.label.transductive as transductive

    X, truth = blobs(sizes=(300,) * 4, spread=1.0, seed=3)
    y = first_rows(truth, 20)
    slopes: list[float] = []
    fit_slope = transductive.fit_top_slope

    def recorded(*args, **kwargs) -> float:
        slopes.append(fit_slope(*args, **kwargs))
        return slopes[-1]

    monkeypatch.setattr(transductive, "fit_top_slope", recorded)
    sloped = TransductiveLabeler().fit(X, y)
    monkeypatch.setattr(transductive, "fit_top_slope", lambda *args, **kwargs: 1.0)
    unsloped = TransductiveLabeler().fit(X, y)
    assert len(slopes) == 1 and slopes[0] < 1.0  # these blobs' confidence is softened
    np.testing.assert_array_equal(sloped.labels_, unsloped.labels_)
    np.testing.assert_array_equal(sloped.confidence_ >= 0.5, unsloped.confidence_ >= 0.5)
    np.testing.assert_allclose(sloped.proba_.sum(axis=1), 1.0)
    moved = sloped.confidence_ != unsloped.confidence_
    assert moved.any()
    # toward 0.5, from either side
    closer = np.abs(sloped.confidence_ - 0.5) <= np.abs(unsloped.confidence_ - 0.5) + 1e-12
    assert closer[moved].all()


def test_with_one_labeled_row_per_class_confidence_counts_unstable_labels() -> None:
    """Nothing to hold out: neighbours alone agree with wrong labels far more often than the
    labels are right; the share of simulated seed draws that keep the label pulls it down."""
    gaps = []
    for seed in (3, 4, 5, 6):
        X, truth = blobs(sizes=(300,) * 4, spread=1.0, seed=seed)
        y = first_rows(truth, 1)
        model = TransductiveLabeler().fit(X, y)
        graph = build_graph(l2_normalize(X), k=15, random_state=0)
        agreement = neighbor_agreement(graph.indices, graph.similarities, model.labels_)
        unlabeled = y < 0
        assert not model.calibrated_
        # stability times agreement, each row's mean with its neighbours': at most the same
        # mean of the agreement
        bound = 0.5 * (agreement + neighbor_mean(graph.indices, graph.similarities, agreement))
        assert (model.confidence_[unlabeled] <= bound[unlabeled] + 1e-9).all()
        accuracy = (model.labels_[unlabeled] == truth[unlabeled]).mean()
        assert agreement[unlabeled].mean() - accuracy > 0.15  # neighbours alone: over-confident
        gaps.append(abs(model.confidence_[unlabeled].mean() - accuracy))
    assert np.mean(gaps) < 0.1


def test_without_labels_to_hold_out_a_row_is_judged_with_its_neighbours(monkeypatch) -> None:
    """Each row's stability times agreement is a rough estimate (8 draws, a few neighbours);
    its mean with the neighbours' estimates is nearer how often the region's labels hold."""
    import siftkit.label.transductive as transductive

    estimates = {}
    mean_of = transductive.neighbor_mean

    def spy(indices: np.ndarray, similarities: np.ndarray, values: np.ndarray) -> np.ndarray:
        estimates["rough"] = values.copy()
        return mean_of(indices, similarities, values)

    monkeypatch.setattr(transductive, "neighbor_mean", spy)
    rough, smoothed = [], []
    for seed in (3, 4, 5, 6):
        X, truth = blobs(sizes=(300,) * 4, spread=1.0, seed=seed)
        y = first_rows(truth, 1)
        model = TransductiveLabeler().fit(X, y)
        unlabeled = y < 0
        right = model.labels_[unlabeled] == truth[unlabeled]
        graph = build_graph(l2_normalize(X), k=15, random_state=0)
        expected = 0.5 * (estimates["rough"] + mean_of(graph.indices, graph.similarities,
                                                       estimates["rough"]))  # fmt: skip
        np.testing.assert_allclose(model.confidence_[unlabeled], expected[unlabeled])
        rough.append(calibration_error(right, estimates["rough"][unlabeled]))
        smoothed.append(calibration_error(right, model.confidence_[unlabeled]))
    assert np.mean(smoothed) < np.mean(rough) - 0.02


def test_calibration_needs_three_labeled_rows_in_every_class(overlapping) -> None:
    X, truth = overlapping
    y = first_rows(truth, 5)
    y[np.flatnonzero(truth == 3)[2:5]] = -1  # class 3: two labeled rows
    assert TransductiveLabeler().fit(X, y).calibrated_ is False


def test_min_confidence_makes_rows_below_it_abstain(overlapping) -> None:
    X, truth = overlapping
    y = first_rows(truth, 3)
    free = TransductiveLabeler().fit(X, y)
    strict = TransductiveLabeler(min_confidence=0.6).fit(X, y)
    low = strict.confidence_ < 0.6
    assert 0 < low.sum() < len(X)
    np.testing.assert_array_equal(strict.labels_[low], -1)
    np.testing.assert_array_equal(strict.labels_[~low], free.labels_[~low])
    np.testing.assert_array_equal(strict.confidence_, free.confidence_)
    assert (free.labels_ >= 0).all()


def test_prototypes_alone_label_the_blobs(separated) -> None:
    X, truth = separated
    prototypes = np.eye(16, dtype=np.float32)[:4]  # the blob centres
    model = TransductiveLabeler().fit(X, prototypes=prototypes)
    np.testing.assert_array_equal(model.labels_, truth)
    assert model.prototypes_.shape == (4, 16)
    np.testing.assert_allclose(np.linalg.norm(model.prototypes_, axis=1), 1.0, rtol=1e-5)
    seeds = model.seeds_
    chosen = seeds >= 0
    # 5% of an average class, at least 5, per class
    np.testing.assert_array_equal(np.bincount(seeds[chosen], minlength=4), [5, 5, 5, 5])
    closest = (l2_normalize(X) @ prototypes.T).argmax(axis=1)
    np.testing.assert_array_equal(seeds[chosen], closest[chosen])  # seeds only their closest
    np.testing.assert_array_equal(seeds[chosen], truth[chosen])


def test_seeds_per_class_sets_how_many_rows_seed_a_prototype(separated) -> None:
    X, _ = separated
    model = TransductiveLabeler(seeds_per_class=2).fit(X, prototypes=np.eye(16)[:4])
    np.testing.assert_array_equal(np.bincount(model.seeds_[model.seeds_ >= 0]), [2, 2, 2, 2])


def test_a_prototype_takes_few_seeds_beside_its_class_labeled_rows() -> None:
    X, truth = blobs((400,) * 4)
    y = np.full(len(X), -1)
    y[np.flatnonzero(truth == 0)[:3]] = 0  # class 0: three labeled rows
    model = TransductiveLabeler().fit(X, y, prototypes=np.eye(16)[:4])
    found = np.where(y < 0, model.seeds_, -1)  # the seeds the prototypes found
    # beside labeled rows, MIN_TOPIC_SEEDS; alone, 5% of an average class (20 rows)
    counts = np.bincount(found[found >= 0], minlength=4)
    assert MIN_TOPIC_SEEDS - 3 <= counts[0] <= MIN_TOPIC_SEEDS
    np.testing.assert_array_equal(counts[1:], [20, 20, 20])


def test_labeled_rows_override_prototype_seeds(separated) -> None:
    X, truth = separated
    y = np.full(len(X), -1)
    y[0] = 2  # a row of blob 0, labeled as class 2
    model = TransductiveLabeler().fit(X, y, prototypes=np.eye(16)[:4])
    assert model.seeds_[0] == 2 and model.labels_[0] == 2
    assert (model.labels_[1:] == truth[1:]).mean() >= 0.99


def test_a_class_without_a_prototype_is_placed_by_its_labeled_rows(separated) -> None:
    X, truth = separated
    prototypes = np.eye(16, dtype=np.float32)[:4]
    prototypes[3] = 0.0  # class 3: no topic, two labeled rows
    y = np.full(len(X), -1)
    y[np.flatnonzero(truth == 3)[:2]] = 3
    model = TransductiveLabeler().fit(X, y, prototypes=prototypes)
    expected = l2_normalize(l2_normalize(X)[y == 3].mean(axis=0, keepdims=True))[0]
    np.testing.assert_allclose(model.topic_vectors_[3], expected, atol=1e-5)
    np.testing.assert_array_equal(model.labels_, truth)
    with pytest.raises(InvalidParameterError, match=r"Classes \[3\] have neither"):
        TransductiveLabeler().fit(X, np.full(len(X), -1), prototypes=prototypes)


def test_neither_labels_nor_prototypes_is_refused(separated) -> None:
    X, _ = separated
    with pytest.raises(InvalidParameterError, match="Nothing to label from"):
        TransductiveLabeler().fit(X)
    with pytest.raises(InvalidParameterError, match="Nothing to label from"):
        TransductiveLabeler().fit(X, np.full(len(X), -1))


def test_malformed_input_is_refused_with_what_is_wrong(separated) -> None:
    X, truth = separated
    y = first_rows(truth, 2)
    fit = TransductiveLabeler().fit
    cases = [
        (lambda: fit(X[0], y), r"shape \(n_rows, n_dims\)"),
        (lambda: fit(X, y[:-1]), "one code per row of X"),
        (lambda: fit(X, np.where(y >= 0, "cat", None)), "Labels such as 'cat'"),
        (lambda: fit(X, np.where(y >= 0, y + 0.5, -1)), "whole numbers"),
        (lambda: fit(X, np.where(y >= 0, y, -3)), "-1 \\(unlabeled\\) or from 0 up"),
        (lambda: fit(X, prototypes=np.eye(4, 3)), "as wide as X's rows"),
        (lambda: fit(X, y, n_classes=2), r"must cover every code in y"),
    ]  # fmt: skip
    for call, message in cases:
        with pytest.raises(InvalidParameterError, match=message):
            call()
    # a row of NaN is a row without content; NaN in y is an unlabeled row
    X_nan, y_nan = X.copy(), y.astype(float)
    X_nan[5] = np.nan
    y_nan[y_nan < 0] = np.nan
    model = fit(X_nan, y_nan)
    assert model.labels_[5] == -1 and (model.labels_[np.arange(len(X)) != 5] >= 0).all()


@pytest.mark.parametrize(
    ("name", "value"),
    [("alpha", 1.0), ("alpha", -0.1), ("pooling", 2), ("n_neighbors", 0),
     ("min_confidence", 1.5), ("seeds_per_class", 0), ("random_state", -1)],
)  # fmt: skip
def test_invalid_parameters_are_refused(separated, name, value) -> None:
    X, truth = separated
    model = TransductiveLabeler(**{name: value})
    with pytest.raises(InvalidParameterError, match=rf"'{name}' parameter of Transductive"):
        model.fit(X, first_rows(truth, 1))


def test_a_row_with_no_path_to_a_seed_gets_a_uniform_guess() -> None:
    # two blobs with a seed each, and a tiny far blob the 3-NN graph cannot reach
    X, truth = blobs((30, 30, 4), spread=0.05)
    y = first_rows(truth, 1)
    y[truth == 2] = -1
    model = TransductiveLabeler(n_neighbors=3, method="diffusion").fit(X, y, n_classes=2)
    far = truth == 2
    assert np.isfinite(model.proba_).all() and np.isfinite(model.confidence_).all()
    np.testing.assert_allclose(model.proba_[far], 0.5)
    np.testing.assert_allclose(model.confidence_[far], 0.5)  # a guess between two classes
    assert (model.labels_[~far] == truth[~far]).all()
    abstaining = TransductiveLabeler(n_neighbors=3, method="diffusion", min_confidence=0.6)
    abstaining.fit(X, y, n_classes=2)
    np.testing.assert_array_equal(abstaining.labels_[far], -1)


def test_fits_are_deterministic(overlapping) -> None:
    X, truth = overlapping
    y = first_rows(truth, 2)
    a = TransductiveLabeler(random_state=3).fit(X, y)
    b = TransductiveLabeler(random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.proba_, b.proba_)
    np.testing.assert_array_equal(a.confidence_, b.confidence_)


def test_a_given_graph_and_categories_are_used(separated) -> None:
    from siftkit.neighbors import build_graph

    X, truth = separated
    y = first_rows(truth, 1)
    graph = build_graph(l2_normalize(X), k=15)
    built = TransductiveLabeler(learn_metric=False).fit(X, y)
    reused = TransductiveLabeler(learn_metric=False).fit(X, y, graph=graph)
    np.testing.assert_array_equal(built.proba_, reused.proba_)
    # one category holding every row pools all labels together: rows lean less to their own
    pooled = TransductiveLabeler(method="diffusion", learn_metric=False).fit(
        X, y, graph=graph, categories=np.zeros(len(X), int)
    )
    unlabeled = y < 0
    assert pooled.proba_[unlabeled].max(axis=1).mean() < reused.proba_[unlabeled].max(axis=1).mean()


def test_a_learned_metric_finds_classes_a_classless_spread_hides() -> None:
    X, truth = nuisance_blobs()
    y = first_rows(truth, 3)
    unlabeled = y < 0
    given = TransductiveLabeler(method="diffusion", learn_metric=False).fit(X, y)
    learned = TransductiveLabeler(method="diffusion").fit(X, y)
    assert not given.metric_learned_ and learned.metric_learned_
    assert (given.labels_[unlabeled] == truth[unlabeled]).mean() < 0.8
    assert (learned.labels_[unlabeled] == truth[unlabeled]).mean() > 0.9
    # held-out labels taught the metric: reach and its floor stay on the given graph
    np.testing.assert_allclose(learned.reach_, given.reach_)
    assert learned.reach_floor_ == pytest.approx(given.reach_floor_)


def test_no_metric_is_learned_by_prototypes_or_from_too_few_rows() -> None:
    X, truth = nuisance_blobs()
    y = first_rows(truth, 3)
    assert not TransductiveLabeler(method="prototypes").fit(X, y).metric_learned_
    few = np.r_[np.flatnonzero(truth == 0)[:10], np.flatnonzero(truth == 1)[:10]]
    assert not TransductiveLabeler(method="diffusion").fit(X[few], truth[few]).metric_learned_


@pytest.mark.parametrize("method", ["diffusion", "prototypes"])
def test_both_methods_label_separated_blobs(separated, method: str) -> None:
    X, truth = separated
    y = first_rows(truth, 1)
    model = TransductiveLabeler(method=method).fit(X, y)
    unlabeled = y < 0
    assert (model.labels_[unlabeled] == truth[unlabeled]).mean() > 0.95
    assert model.method_ == method


def test_fewer_communities_than_classes_is_a_weak_graph(separated) -> None:
    # pooling by one community would give every row the same label: prototypes instead
    X, truth = separated
    y = first_rows(truth, 1)
    one_community = np.zeros(len(X), dtype=np.int64)
    model = TransductiveLabeler().fit(X, y, categories=one_community)
    assert model.weak_graph_ and model.method_ == "prototypes"
    unlabeled = y < 0
    assert (model.labels_[unlabeled] == truth[unlabeled]).mean() > 0.95


def test_auto_takes_prototypes_on_a_weak_graph_only(separated, overlapping) -> None:
    X, truth = separated
    assert not TransductiveLabeler().fit(X, first_rows(truth, 1)).weak_graph_
    X, truth = overlapping
    model = TransductiveLabeler().fit(X, first_rows(truth, 2))
    assert model.method_ == ("prototypes" if model.weak_graph_ else "diffusion")


def test_rows_without_content_seed_nothing_and_get_no_label(separated) -> None:
    """Zero vectors (blank texts) have arbitrary neighbours: they abstain with confidence 0
    and, labeled, seed nothing; a label given to one stays its label."""
    X, truth = separated
    X = X.copy()
    empty = np.zeros(len(X), dtype=bool)
    empty[[5, 60, 61, 130]] = True
    X[empty] = 0.0
    y = first_rows(truth, 3)
    y[61] = 0  # a labeled row without content, of a class that is not its own
    model = TransductiveLabeler().fit(X, y)
    unlabeled_empty = empty & (y < 0)
    assert (model.labels_[unlabeled_empty] == -1).all()
    assert (model.confidence_[unlabeled_empty] == 0.0).all()
    assert model.labels_[61] == 0 and model.confidence_[61] == 1.0
    assert model.seeds_[61] == -1
    judged = ~empty & (y < 0)
    assert (model.labels_[judged] == truth[judged]).mean() >= 0.99


def test_only_labeled_rows_without_content_is_an_error(separated) -> None:
    X, _ = separated
    X = X.copy()
    X[:4] = 0.0
    y = np.full(len(X), -1)
    y[:4] = [0, 1, 2, 3]
    with pytest.raises(InvalidParameterError, match="every labeled row is empty"):
        TransductiveLabeler().fit(X, y)


def test_neighbours_agree_only_as_far_as_the_class_has_other_rows() -> None:
    """A class of three rows whose two others are its nearest neighbours agrees fully, though
    five neighbours are listed; a big class still counts all five."""
    predicted = np.array([0, 0, 0] + [1] * 9)
    indices = np.array([[1, 2, 3, 4, 5], [0, 2, 3, 4, 5], [0, 1, 3, 4, 5]] + [[3, 4, 5, 6, 0]] * 9)
    similarities = np.full(indices.shape, 0.9)
    agreement = neighbor_agreement(indices, similarities, predicted)
    np.testing.assert_allclose(agreement[:3], 1.0)
    np.testing.assert_allclose(agreement[3:], 0.8)
    # the nearest neighbour of another class: nothing vouches for the label
    indices[0] = [3, 1, 2, 4, 5]
    assert neighbor_agreement(indices, similarities, predicted)[0] == pytest.approx(0.5)


def test_a_row_alone_in_its_class_gets_the_mean_agreement() -> None:
    """Five rows of three topics: the one boat row has no neighbour that could share its
    label; it is neither vouched for nor held against (it read 0 before)."""
    predicted = np.array([0, 0, 1, 2, 2])
    indices = np.array([[1, 2], [0, 2], [0, 3], [4, 2], [3, 0]])
    similarities = np.full(indices.shape, 0.5)
    agreement = neighbor_agreement(indices, similarities, predicted)
    np.testing.assert_allclose(agreement[[0, 1, 3, 4]], 1.0)
    assert agreement[2] == pytest.approx(1.0)
    indices[0] = [2, 1]  # row 0's nearest is the boat row: the others agree less on average
    agreement = neighbor_agreement(indices, similarities, predicted)
    assert agreement[0] == 0.0 and agreement[2] == pytest.approx(agreement[[0, 1, 3, 4]].mean())
    # every row alone in its class: nothing to go by
    np.testing.assert_allclose(neighbor_agreement(indices, similarities, np.arange(5)), 1.0)
