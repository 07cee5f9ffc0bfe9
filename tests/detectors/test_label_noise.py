"""Label errors v2: the ridge probe, off-topic rows, conflicting copies, noise estimates,
class-aware outliers."""

from __future__ import annotations

import numpy as np
import pytest
from detector_contexts import build_context

from siftkit.cli.app import analysis_notes
from siftkit.detectors import get_detector, label_errors, prototypes, run_detectors
from siftkit.detectors.label_errors import label_free_min_rows, label_free_rows
from siftkit.detectors.linear_probe import RidgeProbe
from siftkit.detectors.neighbor_labels import expected_spread, neighbor_label_spread
from siftkit.detectors.noise_summary import NoiseEstimate, estimate_noise, wilson


def run(context, name: str, **params):  # noqa: ANN001, ANN003, ANN201
    outcome = run_detectors(context, [get_detector(name, **params)], raise_errors=True)
    assert outcome.summaries[name]["status"] == "ok", outcome.summaries[name]
    return outcome.summaries[name], outcome.columns


def blobs(n_classes: int, per_class: int, d: int = 16, spread: float = 0.15, seed: int = 0):
    """Tight Gaussian clusters around random unit centres; labels = cluster names."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_classes, d))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    truth = np.repeat(np.arange(n_classes), per_class)
    vectors = centres[truth] + spread * rng.normal(size=(len(truth), d)) / np.sqrt(d)
    return vectors.astype(np.float32), truth, centres


def test_ridge_leave_one_out_equals_refitting_without_the_row() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(40, 5))
    codes = rng.integers(0, 3, 40)
    train = np.ones(40, dtype=bool)
    probe = RidgeProbe(alpha=0.5).fit(vectors, codes, train, 3)
    scores = np.vstack([block for _, block in probe.scores(vectors, codes, train)])
    for row in (0, 17, 39):
        keep = np.arange(40) != row
        alone = RidgeProbe(alpha=0.5).fit(vectors[keep], codes[keep], np.ones(39, bool), 3)
        bias = np.append(vectors[row], 1.0)
        np.testing.assert_allclose(scores[row], bias @ alone.weights_, rtol=1e-8, atol=1e-10)


def test_calibrated_temperature_is_one_of_the_grid_and_probabilities_sum_to_one() -> None:
    vectors, truth, _ = blobs(3, 30)
    train = np.ones(len(truth), dtype=bool)
    probe = RidgeProbe().fit(vectors, truth, train, 3)
    probe.calibrate(vectors, truth, train, judged=train)
    proba = np.vstack([block for _, block in probe.probabilities(vectors, truth, train)])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba.argmax(axis=1) == truth).mean() > 0.95


def test_symmetric_noise_is_found_with_its_true_label() -> None:
    vectors, truth, _ = blobs(5, 60, seed=1)
    rng = np.random.default_rng(1)
    noisy = truth.copy()
    flipped = rng.choice(len(truth), 30, replace=False)
    noisy[flipped] = (truth[flipped] + rng.integers(1, 5, 30)) % 5
    summary, columns = run(build_context(vectors, [f"c{c}" for c in noisy]), "label_errors")
    found = np.flatnonzero(columns["is_label_error"])
    assert set(found) == set(flipped)
    assert [columns["suggested_label"][i] for i in flipped] == [f"c{c}" for c in truth[flipped]]
    # 150 anchor rows: the estimate's standard error is about 0.025
    assert summary["estimated_noise_rate"] == pytest.approx(30 / 300, abs=0.03)
    matrix = np.array(summary["noise_matrix"]["given_to_true"])
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0, atol=1e-3)
    assert summary["noise_matrix"]["classes"] == [f"c{c}" for c in range(5)]
    assert not columns["is_off_topic"].any()


def test_noise_matrix_recovers_class_conditional_flips() -> None:
    vectors, truth, _ = blobs(4, 1000, seed=4)
    rng = np.random.default_rng(4)
    noisy = truth.copy()
    into_next = np.flatnonzero((truth == 0) & (rng.random(len(truth)) < 0.3))
    noisy[into_next] = 1  # 30% of class 0 carries label 1
    anywhere = np.flatnonzero((truth == 2) & (rng.random(len(truth)) < 0.1))
    noisy[anywhere] = rng.choice([0, 1, 3], len(anywhere))  # 10% of class 2, to any other
    summary, _ = run(build_context(vectors, [f"c{c}" for c in noisy]), "label_errors")
    matrix = np.array(summary["noise_matrix"]["given_to_true"])
    truth_matrix = np.zeros((4, 4))
    np.add.at(truth_matrix, (noisy, truth), 1.0)
    truth_matrix /= truth_matrix.sum(axis=1, keepdims=True)
    # each class's entries rest on its 150 anchors: a standard error of up to 0.04
    np.testing.assert_allclose(matrix, truth_matrix, atol=0.06)
    true_rate = (noisy != truth).mean()
    assert summary["estimated_noise_rate"] == pytest.approx(true_rate, abs=0.02)
    low, high = summary["estimated_noise_rate_interval"]
    assert low < summary["estimated_noise_rate"] < high and low < true_rate < high
    assert summary["noise_estimate_anchors"] == 4 * 150  # 15% of each class
    flips = summary["top_flips"][0]
    assert (flips["given"], flips["true"]) == ("c1", "c0")


def test_overlapping_classes_are_not_counted_as_noise() -> None:
    """Two classes whose clouds overlap, labels all right: rows in the overlap look wrong to
    every model, but the noise estimate (from each class's core) stays near zero and caps
    how many rows are flagged."""
    rng = np.random.default_rng(5)
    truth = np.repeat([0, 1], 1500)
    vectors = rng.normal(size=(3000, 8))
    vectors[:, 0] += np.where(truth == 0, -1.5, 1.5)  # about 7% of rows look like the other
    summary, columns = run(build_context(vectors.astype(np.float32), truth), "label_errors")
    assert summary["estimated_noise_rate"] < 0.02
    assert columns["is_label_error"].mean() < 0.025  # all candidates: 6.9%
    # the scores still rank the overlap first: the flags are its most doubtful rows
    score = columns["label_error_score"]
    assert score[columns["is_label_error"]].min() >= np.quantile(score, 0.95)


def test_noise_estimate_anchors_are_each_class_most_confident_rows() -> None:
    predicted = np.repeat([0, 1, 2], [400, 60, 4])
    codes = predicted.copy()
    confidence = np.tile(np.linspace(1.0, 0.5, 400), 2)[: len(predicted)]
    codes[:20] = 1  # the 20 most confident rows predicted 0 carry label 1
    estimate = estimate_noise(codes, predicted, confidence, np.ones(len(codes), bool), 3)
    # anchors: 15% of 400; 50 rows, but at most half of 60; half of 4
    assert estimate.n_anchors == 60 + 30 + 2
    np.testing.assert_allclose(estimate.joint.sum(), 1.0)
    assert estimate.given_to_true()[1, 0] == pytest.approx(
        (400 / 464 * 20 / 60) / (400 / 464 * 20 / 60 + 60 / 464)
    )
    assert estimate.rate == pytest.approx(400 / 464 * 20 / 60)
    np.testing.assert_array_equal(estimate.anchors, [60, 30, 2])
    low, high = estimate.interval()
    assert 0.0 < low < estimate.rate < high < 1.0
    empty = estimate_noise(codes, predicted, confidence, np.zeros(len(codes), bool), 3)
    assert empty.rate == pytest.approx(0.0) and empty.n_anchors == 0


def test_noise_rate_interval_counts_anchors_by_their_class_weight() -> None:
    # two classes of equal weight with 100 anchors each: as good as 200 independent draws
    estimate = NoiseEstimate(np.array([[0.4, 0.1], [0.0, 0.5]]), *[np.array([100, 100])] * 2)
    assert estimate.rate == pytest.approx(0.1)
    assert estimate.effective_anchors() == pytest.approx(200)
    low, high = estimate.interval(z=2.0)
    n, z = 200, 2.0  # Wilson score interval by hand
    centre, half = 0.1 + z * z / (2 * n), z * np.sqrt(0.09 / n + z * z / (4 * n * n))
    assert (low, high) == pytest.approx(((centre - half) / 1.02, (centre + half) / 1.02))
    # 190 of the anchors in a class of a tenth of the rows: worth far fewer draws
    lopsided = NoiseEstimate(np.array([[0.09, 0.01], [0.0, 0.9]]), *[np.array([190, 10])] * 2)
    assert lopsided.effective_anchors() == pytest.approx(1 / (0.1**2 / 190 + 0.9**2 / 10))
    assert np.diff(lopsided.interval()) > np.diff(estimate.interval())
    # no anchor wrong: still a spread above 0, never below 0
    clean = NoiseEstimate(np.diag([0.5, 0.5]), *[np.array([50, 50])] * 2)
    low, high = clean.interval()
    assert low == 0.0 and 0.0 < high < 0.05


def test_each_label_s_noise_bound_rests_on_the_anchors_that_carry_it() -> None:
    # label 1: a fifth of its rows are of class 0, read off 100 anchors; label 0: none, off 10
    estimate = NoiseEstimate(np.array([[0.5, 0.1], [0.0, 0.4]]), np.array([60, 50]),
                             np.array([10, 100]))  # fmt: skip
    upper = estimate.label_upper(1.0)
    assert upper[1] == pytest.approx(float(wilson(0.2, 100, 1.0)[1]))
    assert upper[0] == pytest.approx(float(wilson(0.0, 10, 1.0)[1]))
    assert 0.0 < upper[0] < upper[1]


def test_flags_of_a_label_stay_within_its_own_noise_estimate() -> None:
    """A small class whose edge reaches into a big one: the edge rows are candidates, but the
    class's anchors carry no other label, so few of them are flagged (8 without the cap)."""
    rng = np.random.default_rng(0)
    vectors, truth, _ = blobs(4, 100, seed=7)
    vectors, truth = vectors[:340], truth[:340]  # class 3: 40 rows
    edge = np.arange(300, 318)
    toward = vectors[truth == 0].mean(axis=0) - vectors[truth == 3].mean(axis=0)
    vectors[edge] += 0.9 * toward
    labels = truth.copy()
    flip = rng.choice(300, 30, replace=False)
    labels[flip] = (labels[flip] + 1) % 3
    summary, columns = run(build_context(vectors, labels), "label_errors")
    flagged = columns["is_label_error"]
    assert summary["noise_rate_per_class"]["3"] == 0.0
    assert flagged[300:].sum() <= 4  # the bound over its anchors, times its 40 rows
    assert (flagged & (labels != truth)).sum() == 30  # every flip still flagged


def test_rows_that_belong_to_no_class_are_off_topic_not_mislabeled() -> None:
    vectors, truth, centres = blobs(8, 60, seed=2)
    rng = np.random.default_rng(2)
    stray_centre = -centres.mean(axis=0)
    stray_centre /= np.linalg.norm(stray_centre)
    strays = stray_centre + 0.15 * rng.normal(size=(30, vectors.shape[1])) / 4
    all_vectors = np.vstack([vectors, strays]).astype(np.float32)
    labels = np.concatenate([truth, rng.integers(0, 8, 30)])  # strays get random labels
    _, columns = run(build_context(all_vectors, labels, k=20), "label_errors")
    off_topic, mislabeled = columns["is_off_topic"], columns["is_label_error"]
    assert not (off_topic & mislabeled).any()
    assert off_topic[480:].mean() >= 0.6
    assert not off_topic[:480].any()
    assert not mislabeled[:480].any()


def test_a_category_whose_labels_look_random_is_off_topic(monkeypatch: pytest.MonkeyPatch) -> None:
    # 40 rows of no class, spread too widely for their neighbours alone to give them away
    # (three in four are found so), form a category of their own: its labels, drawn at
    # random, are what marks them
    vectors, truth, _ = blobs(12, 60, seed=3)
    rng = np.random.default_rng(99)
    centre = rng.normal(size=vectors.shape[1])
    strays = centre / np.linalg.norm(centre) + 0.4 * rng.normal(size=(40, vectors.shape[1])) / 4
    labels = np.concatenate([truth, rng.integers(0, 12, 40)])
    context = build_context(np.vstack([vectors, strays]).astype(np.float32), labels, k=20)
    _, columns = run(context, "label_errors")
    off_topic, scores = columns["is_off_topic"], columns["off_topic_score"]
    assert off_topic[720:].mean() >= 0.9
    assert not off_topic[:720].any() and not columns["is_label_error"].any()
    assert scores[720:][off_topic[720:]].min() > scores[:720].max()
    # only rows that belong to the category (most of their neighbours in it) are judged so
    monkeypatch.setattr(label_errors, "LABEL_FREE_ATTACHED", 1.01)
    _, columns = run(build_context(np.vstack([vectors, strays]).astype(np.float32), labels,
                                   k=20), "label_errors")  # fmt: skip
    assert columns["is_off_topic"][720:].mean() < 0.9


def test_label_free_categories_need_rows_classes_and_labels_that_follow_the_rest() -> None:
    rng = np.random.default_rng(0)
    classes = np.repeat(np.arange(6), 50)  # categories 0-5, one class each
    random_labels = rng.integers(0, 6, 40)
    categories = np.concatenate([classes, np.full(40, 6)])
    codes = np.concatenate([classes, random_labels])
    free = label_free_rows(categories, codes, 6)
    assert free[300:].all() and not free[:300].any()
    # too few labeled rows to tell labels of three classes from random: 11 for 6 even classes
    assert label_free_min_rows(np.full(6, 1 / 6)) == 11
    assert label_free_min_rows(np.full(26, 1 / 26)) == 11
    assert label_free_min_rows(np.full(3, 1 / 3)) == 12  # three classes: a mix of two
    # (with 11 random labels among them, the commonest three hold 17% each: 12 rows)
    assert label_free_rows(categories[:312], codes[:312], 6)[300:].all()
    assert not label_free_rows(categories[:311], codes[:311], 6).any()
    # that many rows of three classes alone do not look random
    three = np.concatenate([classes, np.tile([0, 1, 2], 4)])
    assert not label_free_rows(np.concatenate([classes, np.full(12, 6)]), three, 6).any()
    # two classes: an even mix is as often the overlap of both
    assert not label_free_rows(categories, codes % 2, 2).any()
    # categories that do not follow the labels at all say nothing about rows of no class
    shuffled = rng.permutation(codes)
    assert not label_free_rows(categories, shuffled, 6).any()


def test_a_group_apart_with_random_labels_is_off_topic_though_no_row_is_a_candidate() -> None:
    """Six classes, and 30 rows of a seventh kind, tight among themselves, each given a
    random label: their model is unsure of every class, their community's labels random."""
    rng = np.random.default_rng(1)
    vectors, truth, _ = blobs(6, 60, seed=5)
    apart = rng.normal(size=(30, vectors.shape[1])) * 4.0 + 12.0  # not near copies
    labels = np.concatenate([truth, rng.integers(0, 6, 30)])
    summary, columns = run(build_context(np.vstack([vectors, apart]), labels), "label_errors")
    flagged = columns["is_off_topic"]
    assert flagged[360:].mean() > 0.5 and not flagged[:360].any()


def test_copies_with_different_labels_are_flagged_and_grouped() -> None:
    vectors, truth, _ = blobs(3, 40, seed=3)
    vectors = np.vstack([vectors, vectors[5], vectors[5]])  # two exact copies of row 5
    labels = np.concatenate([truth, [1, 0]])  # one copy disagrees with the original's 0
    summary, columns = run(build_context(vectors, labels), "label_errors")
    group = columns["label_conflict_group"]
    assert group[5] >= 0 and group[5] == group[120] == group[121]
    assert (np.delete(group, [5, 120, 121]) == -1).all()
    assert columns["is_label_error"][120] and not columns["is_label_error"][5]
    assert columns["suggested_label"][120] == 0
    assert summary["n_conflicting_copies"] == 1


def test_copies_holding_several_labels_count_by_their_group_in_the_noise_estimate() -> None:
    """Each of 30 identical rows labeled half a, half b is predicted by the others as the
    label it lacks: read by the model, every label is wrong. By the copies, half are."""
    vectors, truth, _ = blobs(3, 40, seed=3)
    copies = np.repeat(vectors[:1], 30, axis=0)
    summary, columns = run(build_context(copies, np.repeat([0, 1], 15)), "label_errors")
    assert summary["estimated_noise_rate"] == pytest.approx(0.5)
    assert columns["is_label_error"].sum() == 15
    # beside 120 rows whose labels are right, the 20 copies' 10 minority labels are the noise
    mixed = np.vstack([vectors, np.repeat(vectors[:1], 20, axis=0)])
    labels = np.concatenate([truth, np.repeat([truth[0], (truth[0] + 1) % 3], 10)])
    summary, _ = run(build_context(mixed, labels), "label_errors")
    assert summary["estimated_noise_rate"] == pytest.approx(10 / 140, abs=0.01)
    predicted = np.repeat([0, 1], 15)
    estimate = estimate_noise(
        predicted, 1 - predicted, np.ones(30), np.ones(30, bool), 2, copies_label=np.zeros(30, int)
    )
    assert estimate.rate == pytest.approx(0.5) and estimate.n_anchors == 30


def test_summary_holds_balance_and_confusable_pairs() -> None:
    vectors, truth, _ = blobs(3, 40, seed=4)
    truth[:10] = 2  # make class 2 larger than class 0
    summary, _ = run(build_context(vectors, truth), "label_errors")
    balance = summary["class_balance"]
    assert balance["sizes"] == {"0": 30, "1": 40, "2": 50}
    assert balance["imbalance_ratio"] == pytest.approx(50 / 30, abs=1e-3)
    pairs = summary["confusable_pairs"]
    assert len(pairs) == 3 and all(len(p["labels"]) == 2 for p in pairs)
    assert pairs == sorted(pairs, key=lambda p: -p["confusion"])


def test_neighbour_label_spread_and_its_expectation() -> None:
    codes = np.array([0, 0, 0, 1, 2, 3])
    indices = np.array([[0, 1, 2], [3, 4, 5]])
    spread, top_share, top_label = neighbor_label_spread(indices, codes, 4)
    assert top_label[0] == 0
    assert spread[0] == pytest.approx(0.0)
    assert spread[1] == pytest.approx(np.log(3) / np.log(4))
    assert top_share.tolist() == pytest.approx([1.0, 1 / 3])
    assert expected_spread(0.0, 10) == pytest.approx(0.0, abs=1e-6)
    assert expected_spread(0.9, 10) == pytest.approx(1.0, abs=1e-6)  # labels fully random


def test_outliers_are_class_aware() -> None:
    rng = np.random.default_rng(5)
    tight = 0.05 * rng.normal(size=(200, 16)) + np.eye(16)[0]
    loose = 0.3 * rng.normal(size=(30, 16)) + np.eye(16)[1]  # a small, spread-out class
    vectors = np.vstack([tight, loose]).astype(np.float32)
    labels = ["tight"] * 200 + ["loose"] * 30
    plain, without_labels = run(build_context(vectors), "outliers")
    summary, with_labels = run(build_context(vectors, labels), "outliers")
    assert without_labels["is_outlier"][200:].sum() >= 20  # globally, the whole class sticks out
    assert with_labels["is_outlier"][200:].sum() <= 2  # within its class, it does not
    # the count without the labels is the unlabeled run's, to compare runs by
    assert summary["class_aware"] and not plain["class_aware"]
    assert summary["n_far_without_labels"] == plain["count"] == plain["n_far_without_labels"]
    assert "without the labels " + str(plain["count"]) in analysis_notes(summary)


def test_outliers_are_judged_without_labels_too_few_rows_have_a_labeled_neighbour() -> None:
    rng = np.random.default_rng(5)
    tight = 0.05 * rng.normal(size=(200, 16)) + np.eye(16)[0]
    loose = 0.3 * rng.normal(size=(30, 16)) + np.eye(16)[1]
    vectors = np.vstack([tight, loose]).astype(np.float32)
    labels = np.full(230, None, dtype=object)
    labels[[0, 50, 100, 150]], labels[[200, 215]] = "tight", "loose"  # a partly filled column
    plain, without_labels = run(build_context(vectors), "outliers")
    summary, columns = run(build_context(vectors, labels), "outliers")
    assert not summary["class_aware"] and summary["labeled_neighborhoods"] < 0.9
    np.testing.assert_array_equal(columns["outlier_score"], without_labels["outlier_score"])
    assert summary["count"] == plain["count"]
    assert analysis_notes(summary).startswith("judged without the labels: ")
    assert plain["labeled_neighborhoods"] is None


def test_class_prototypes_are_fitted_once_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    fit = prototypes.fit_class_prototypes
    monkeypatch.setattr(
        prototypes, "fit_class_prototypes", lambda *a, **kw: calls.append(1) or fit(*a, **kw)
    )
    vectors, truth, _ = blobs(3, 40, seed=6)
    context = build_context(vectors, [f"c{c}" for c in truth])
    detectors = [get_detector("label_errors"), get_detector("outliers")]
    outcome = run_detectors(context, detectors, raise_errors=True)
    assert all(outcome.summaries[d.name]["status"] == "ok" for d in detectors)
    assert len(calls) == 1


def test_rows_of_a_class_with_too_few_rows_are_not_judged() -> None:
    vectors, truth, _ = blobs(3, 30, seed=6)
    labels = truth.astype(object)
    labels[[0, 1]] = "rare"  # two rows of a class of their own, inside class 0's cluster
    summary, columns = run(build_context(vectors, labels), "label_errors")
    assert not columns["is_label_error"][[0, 1]].any()
    assert not columns["is_off_topic"][[0, 1]].any()
    assert columns["label_error_score"][[0, 1]].min() > 0.5  # still scored: worth a look
    assert summary["count"] == 0


def test_view_weights_must_leave_room_for_the_probe() -> None:
    from siftkit.exceptions import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="must add up to at most 1"):
        get_detector("label_errors", knn_weight=0.7, prototype_weight=0.5).check_params()


def test_refit_in_a_learned_metric_finds_more_errors_when_a_nuisance_hides_the_classes() -> None:
    """Classes apart along 4 axes, 8 more axes of far larger spread that no class follows:
    the neighbour vote and the prototypes see mostly the nuisance until the refit whitens it."""
    rng = np.random.default_rng(0)
    truth = np.repeat(np.arange(4), 500)
    signal = np.eye(4)[truth] + 0.3 * rng.normal(size=(len(truth), 4))
    vectors = np.hstack([signal, 2.0 * rng.normal(size=(len(truth), 8))]).astype(np.float32)
    noisy = truth.copy()
    flipped = rng.random(len(truth)) < 0.15
    noisy[flipped] = (truth[flipped] + rng.integers(1, 4, flipped.sum())) % 4
    context = build_context(vectors, [f"c{c}" for c in noisy])
    outcomes = {}
    for learn in (False, True):
        summary, columns = run(context, "label_errors", learn_metric=learn)
        flagged = columns["is_label_error"]
        f1 = 2 * (flagged & flipped).sum() / (flagged.sum() + flipped.sum())
        outcomes[learn] = (summary["metric_learned"], f1, summary["estimated_noise_rate"])
    assert outcomes[False][0] is False and outcomes[True][0] is True
    assert outcomes[True][1] > outcomes[False][1] + 0.02  # measured: F1 0.917 -> 0.953
    true_rate = flipped.mean()
    assert abs(outcomes[True][2] - true_rate) < abs(outcomes[False][2] - true_rate)


def test_too_few_rows_for_a_metric_refit_as_they_are() -> None:
    vectors, truth, _ = blobs(3, 30, d=16, seed=2)  # 90 rows: under 5 per dimension a half
    noisy = truth.copy()
    noisy[:4] = (truth[:4] + 1) % 3
    summary, _ = run(build_context(vectors, [f"c{c}" for c in noisy]), "label_errors")
    assert summary["metric_learned"] is False


def test_rows_without_content_are_not_copies_of_each_other() -> None:
    """Rows whose vectors are missing (NaN: zero vectors, one content hash) carry different
    labels, yet say nothing: no score, no flag, no conflict group, with or without a refit."""
    vectors, truth, _ = blobs(5, 600, d=16, seed=1)
    vectors[:7] = np.nan
    noisy = truth.copy()
    flipped = np.random.default_rng(0).random(len(truth)) < 0.1
    noisy[flipped] = (truth[flipped] + 1) % 5
    summary, columns = run(build_context(vectors, [f"c{c}" for c in noisy]), "label_errors")
    assert summary["metric_learned"] is True  # the refit ran, in the learned metric
    assert not columns["is_label_error"][:7].any() and not columns["is_off_topic"][:7].any()
    assert (columns["label_error_score"][:7] == 0).all()
    assert (columns["label_conflict_group"][:7] == -1).all()


def test_labels_too_few_per_class_to_judge_are_not_judged() -> None:
    vectors, _, _ = blobs(4, 10, seed=4)
    every_row_its_own = [f"c{i}" for i in range(40)]  # no noise rate means anything here
    outcome = run_detectors(
        build_context(vectors, every_row_its_own), [get_detector("label_errors")]
    )
    entry = outcome.summaries["label_errors"]
    assert (
        entry["status"] == "skipped"
        and "fewer than 2 classes have 3 labeled rows" in entry["reason"]
    )


def test_a_few_right_labels_among_many_unlabeled_rows_are_rarely_flagged() -> None:
    # 3 or 4 labeled rows in each of 6 overlapping classes of 200 rows: most have no labeled
    # neighbour to be trusted by, and a class without two trusted rows once read as
    # impossible everywhere, making the other classes' labels look wrong (21 of the 21 rows
    # flagged over these 4 draws were right, noise read 0.28; now 3, 0.16)
    flagged, rates = 0, []
    for seed in (8, 9, 10, 11):
        vectors, truth, _ = blobs(6, 200, seed=seed, spread=1.5)
        rng = np.random.default_rng(seed)
        labels = np.full(len(truth), None, dtype=object)
        for c in range(6):
            rows = rng.choice(np.flatnonzero(truth == c), 3 + c % 2, replace=False)
            labels[rows] = f"c{c}"
        summary, _ = run(build_context(vectors, labels), "label_errors")
        flagged += summary["count"]
        rates.append(summary["estimated_noise_rate"])
    assert flagged <= 4 and np.mean(rates) < 0.2


def test_a_class_without_two_trusted_rows_is_centred_on_its_lone_labeled_rows() -> None:
    vectors, truth, _ = blobs(4, 50, seed=3)
    codes = np.full(len(truth), -1)
    for c in range(4):
        codes[np.flatnonzero(truth == c)[:3]] = c
    trusted = codes == 0  # class 0's labeled rows are trusted by their labeled neighbours
    lone = codes > 0  # the others' have no labeled neighbour: nothing speaks against them
    fitted = prototypes.fit_class_prototypes(vectors, codes, trusted, 4, 0, lone=lone)
    assert sorted(fitted.owner.tolist()) == [0, 1, 2, 3]
    assert (fitted.class_similarity(vectors).argmax(axis=1) == truth).mean() > 0.95
    # labeled rows whose labeled neighbours disagree with them centre nothing
    alone = prototypes.fit_class_prototypes(vectors, codes, trusted, 4, 0)
    assert set(alone.owner.tolist()) == {0}
