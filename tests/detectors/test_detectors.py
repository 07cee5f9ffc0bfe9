"""What each built-in detector finds: duplicates, near duplicates, outliers, label errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from detector_contexts import build_context, clusters

import siftkit
from siftkit.data import content_hashes, load
from siftkit.detectors import Context, get_detector, near_duplicates, run_detectors
from siftkit.detectors.base import robust_z
from siftkit.detectors.near_duplicates import group_rows, intrinsic_dimension


def run(context: Context, name: str, **params) -> tuple[dict, dict[str, np.ndarray]]:  # noqa: ANN003
    outcome = run_detectors(context, [get_detector(name, **params)], raise_errors=True)
    assert outcome.summaries[name]["status"] == "ok", outcome.summaries[name]
    return outcome.summaries[name], outcome.columns


def spread_out(n: int, d: int = 32, seed: int = 0) -> np.ndarray:
    """Random directions: nearly orthogonal, so no pair is anywhere near a duplicate."""
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


# --- exact duplicates ---------------------------------------------------------------------


def test_exact_duplicates_of_text_flag_all_but_first() -> None:
    texts = [
        "The cat sat on the mat.",  # 0
        "A different sentence.",  # 1
        "the CAT sat on   the mat.",  # 2: same after case and whitespace folding
        "  The cat sat on the mat.\n",  # 3: same
        "The cat sat on the mat!",  # 4: different punctuation is different content
        "A different sentence.",  # 5
        "ｔｈｅ cat sat on the mat.",  # 6: full-width letters (NFKC) are the same
        "Unique row.",  # 7
    ]
    dataset = load(pd.DataFrame({"text": texts}), text="text")
    hashes = content_hashes(dataset)
    context = build_context(spread_out(len(texts)), hashes=hashes)
    summary, columns = run(context, "duplicates")
    expected = [False, False, True, True, False, True, True, False]
    assert columns["is_duplicate"].tolist() == expected
    assert summary["count"] == 4
    assert summary["n_groups"] == 2


def test_precomputed_embeddings_are_the_content_of_rows_without_text() -> None:
    # the table beside the vectors is metadata: rows taken by one camera are not copies of
    # each other, rows with the same vector are
    vectors = spread_out(6)
    vectors[5] = vectors[2]
    frame = pd.DataFrame({"label": list("aabbab"), "camera": ["cam1"] * 3 + ["cam2"] * 3})
    dataset = load(frame, label="label")
    assert len(set(content_hashes(dataset, vectors).tolist())) == 2  # a table's own columns
    hashes = content_hashes(dataset, vectors, precomputed=True)
    _, columns = run(build_context(vectors, hashes=hashes), "duplicates")
    assert columns["is_duplicate"].tolist() == [False] * 5 + [True]
    audited = siftkit.audit(
        frame, embeddings=vectors, label="label", detectors=["duplicates"], k=5, progress=False
    )
    assert audited.rows["is_duplicate"].tolist() == [False] * 5 + [True]


def test_exact_duplicates_first_copy_is_whichever_comes_first() -> None:
    vectors = spread_out(6)
    vectors[4] = vectors[1]
    vectors[5] = vectors[1]
    vectors[2] = vectors[0]
    _, columns = run(build_context(vectors), "duplicates")
    assert columns["is_duplicate"].tolist() == [False, False, True, False, True, True]
    reordered = vectors[[5, 0, 1, 2, 3, 4]]
    _, columns = run(build_context(reordered), "duplicates")
    assert columns["is_duplicate"].tolist() == [False, False, True, True, False, True]


def test_no_duplicates() -> None:
    summary, columns = run(build_context(spread_out(20)), "duplicates")
    assert not columns["is_duplicate"].any()
    assert summary["count"] == 0 and summary["n_groups"] == 0


# --- near duplicates ----------------------------------------------------------------------


def chain_data() -> np.ndarray:
    """Rows 0~1 and 1~2 at cosine ~0.97, 0 and 2 at ~0.88; 10~11 at ~0.99; the rest far."""
    vectors = spread_out(30, d=32, seed=1)
    base = np.zeros(32, dtype=np.float32)
    other = np.zeros(32, dtype=np.float32)
    base[0], other[1] = 1.0, 1.0
    for row, angle in zip((0, 1, 2), (0.0, 0.25, 0.5), strict=True):
        vectors[row] = np.cos(angle) * base + np.sin(angle) * other
    vectors[11] = vectors[10] + 0.1 * spread_out(1, d=32, seed=9)[0] / np.sqrt(32)
    return vectors


def test_near_duplicate_chain_is_one_group() -> None:
    vectors = chain_data()
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert unit[0] @ unit[1] > 0.95 and unit[1] @ unit[2] > 0.95
    assert unit[0] @ unit[2] < 0.9  # 0 and 2 are not near duplicates themselves
    summary, columns = run(build_context(vectors), "near_duplicates")
    assert summary["similarity_cut"] == pytest.approx(0.95)
    groups = columns["duplicate_group"]
    assert groups[0] == groups[1] == groups[2] == 0  # union-find joins the chain
    assert groups[10] == groups[11] == 1  # numbered in order of their first row
    singletons = np.setdiff1d(np.arange(30), [0, 1, 2, 10, 11])
    assert (groups[singletons] == -1).all()
    flagged = columns["is_near_duplicate"]
    assert np.flatnonzero(flagged).tolist() == [1, 2, 11]  # all but each group's first row
    assert summary["count"] == 3 and summary["n_groups"] == 2 and summary["exact_copies"] == 0
    assert summary["largest_group"] == 3 and summary["rows_in_groups"] == 5
    score = columns["near_duplicate_score"]
    assert (score[[0, 1, 2, 10, 11]] >= 0.95).all()
    assert (score[singletons] < 0.95).all()
    nearest = build_context(vectors).graph.similarities[:, 0]
    np.testing.assert_allclose(score, np.clip(nearest, 0, 1))


def test_near_duplicates_across_splits_are_counted_per_split() -> None:
    """A test row copied among the training rows is leakage: the groups holding rows of two
    splits are counted, and their rows per split; rows without a split count in none."""
    vectors = chain_data()  # groups: rows 0, 1, 2 and rows 10, 11
    vectors[20] = vectors[21] = vectors[22] = vectors[5]  # a group of exact copies: 5, 20-22
    splits = np.array(["train"] * 30, dtype=object)
    splits[[2, 11, 20]] = "test"
    splits[21] = None
    context = dataclasses.replace(build_context(vectors), splits=splits)
    summary, _ = run(context, "near_duplicates")
    assert summary["n_groups"] == 3 and summary["groups_across_splits"] == 3
    assert summary["rows_across_splits"] == {"test": 3, "train": 5}
    splits = splits.copy()  # the context's is read-only
    splits[[2, 11, 20]] = "train"
    summary, _ = run(dataclasses.replace(context, splits=splits), "near_duplicates")
    assert summary["groups_across_splits"] == 0 and summary["rows_across_splits"] == {}
    summary, _ = run(build_context(vectors), "near_duplicates")
    assert "groups_across_splits" not in summary  # no split column


def test_an_audit_of_train_and_test_files_reports_rows_copied_between_them(tmp_path) -> None:
    words = zip(["cats", "dogs", "ships", "trains", "bread", "rain"] * 5,
                ["music", "stone", "paper", "glass", "wool"] * 6, strict=True)  # fmt: skip
    texts = [f"row {i} about {word} and {other}" for i, (word, other) in enumerate(words)]
    folder = tmp_path / "data"
    folder.mkdir()
    pd.DataFrame({"text": texts[:24]}).to_csv(folder / "train.csv", index=False)
    pd.DataFrame({"text": texts[24:] + texts[:2]}).to_csv(folder / "test.csv", index=False)
    result = siftkit.audit(tmp_path / "data", output=tmp_path / "run", encoder="tfidf",
                           detectors=["near_duplicates"], progress=False)  # fmt: skip
    summary = result.summary["near_duplicates"]
    assert summary["groups_across_splits"] == 2
    assert summary["rows_across_splits"] == {"test": 2, "train": 2}
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "copies across splits" in html and "2 across splits (rows: test 2, train 2)" in html


def test_near_duplicate_threshold_controls_grouping() -> None:
    vectors = chain_data()
    _, strict = run(build_context(vectors), "near_duplicates", threshold=0.985)
    groups = strict["duplicate_group"]
    assert groups[10] == groups[11] >= 0
    assert (groups[[0, 1, 2]] == -1).all()  # 0.97 is below a 0.985 threshold
    _, loose = run(build_context(vectors), "near_duplicates", threshold=0.85)
    groups = loose["duplicate_group"]
    assert groups[0] == groups[1] == groups[2] >= 0


def test_exact_copies_grouped_beyond_k() -> None:
    """30 copies of one row with k=10: every copy's neighbour list holds only 10 of the
    others, yet all 30 form one group with 29 flagged."""
    vectors = spread_out(50, seed=3)
    vectors[10:40] = vectors[10]
    context = build_context(vectors, k=10)
    summary, columns = run(context, "near_duplicates")
    groups = columns["duplicate_group"]
    assert len(np.unique(groups[10:40])) == 1 and groups[10] == 0
    assert (np.delete(groups, np.arange(10, 40)) == -1).all()
    assert columns["is_near_duplicate"].sum() == 29
    assert not columns["is_near_duplicate"][10]
    assert summary["largest_group"] == 30
    assert summary["count"] == summary["exact_copies"] == 29
    np.testing.assert_allclose(columns["near_duplicate_score"][10:40], 1.0, atol=1e-6)


def test_relative_cut_in_dense_data() -> None:
    """Where every row is very close to its neighbours (dense data), ordinary neighbours are
    not copies: the cut rises above the absolute threshold."""
    rng = np.random.default_rng(0)
    center = rng.normal(size=64)
    vectors = center + 0.02 * rng.normal(size=(200, 64))  # all pairwise cosines > 0.99
    vectors[150] = vectors[20]  # one exact copy
    summary, columns = run(build_context(vectors), "near_duplicates")
    assert summary["similarity_cut"] > 0.99
    assert np.flatnonzero(columns["is_near_duplicate"]).tolist() == [150]
    # with the relative cut switched off, the whole cloud is one group
    summary, columns = run(build_context(vectors), "near_duplicates", relative=1e6, chance=None)
    assert summary["similarity_cut"] == pytest.approx(0.95)
    assert columns["is_near_duplicate"].sum() == 199


def test_near_duplicate_groups_computed_once_per_run_and_cuts(monkeypatch) -> None:  # noqa: ANN001
    """near_duplicates and label_errors' conflicting copies share one grouping per run; a
    detector with other cuts in the same run gets its own."""
    calls = []
    original = near_duplicates._near_duplicate_groups

    def counted(context, threshold, relative, chance):  # noqa: ANN001, ANN202
        calls.append((threshold, relative, chance))
        return original(context, threshold, relative, chance)

    monkeypatch.setattr(near_duplicates, "_near_duplicate_groups", counted)
    vectors = chain_data()
    labels = np.array(["a", "b"] * (len(vectors) // 2))
    context = build_context(vectors, labels=labels)
    detectors = [get_detector("near_duplicates"), get_detector("label_errors")]
    outcome = run_detectors(context, detectors, raise_errors=True)
    assert calls == [(0.95, 0.13, 0.001)]
    assert outcome.summaries["label_errors"]["status"] == "ok"
    strict, _ = near_duplicates.near_duplicate_groups(context, threshold=0.985)
    assert calls == [(0.95, 0.13, 0.001), (0.985, 0.13, 0.001)]
    assert (strict[[0, 1, 2]] == -1).all()
    assert not strict.flags.writeable


def test_intrinsic_dimension_of_clouds() -> None:
    rng = np.random.default_rng(0)
    for dimension in (2, 5):
        cloud = np.hstack([rng.normal(size=(2000, dimension)), np.full((2000, 1), 3.0)])
        estimate = intrinsic_dimension(build_context(cloud, k=10).graph.similarities)
        assert estimate == pytest.approx(dimension, rel=0.2)
    assert intrinsic_dimension(np.ones((5, 1))) == float("inf")


def test_in_few_dimensions_close_pairs_by_chance_are_no_near_duplicates() -> None:
    """300 rows scattered at random over three dimensions put a few percent within the
    relative cut of another (12 "near duplicates" without the dimension's bound); real copies
    and near-exact ones stay flagged."""
    rng = np.random.default_rng(1)
    cloud = np.hstack([rng.normal(size=(300, 3)), np.full((300, 1), 1.7)])
    cloud[7] = cloud[3]
    cloud[9] = cloud[4] + 1e-4
    summary, columns = run(build_context(cloud), "near_duplicates")
    assert sorted(np.flatnonzero(columns["is_near_duplicate"])) == [7, 9]
    _, loose = run(build_context(cloud), "near_duplicates", chance=None)
    assert loose["is_near_duplicate"].sum() > 2


def test_group_rows_union_find() -> None:
    groups = group_rows(8, np.array([5, 6, 1]), np.array([6, 7, 3]))
    # components {1, 3} (first row 1) and {5, 6, 7} (first row 5)
    assert groups.tolist() == [-1, 0, -1, 0, -1, 1, 1, 1]
    assert group_rows(4, np.array([], dtype=int), np.array([], dtype=int)).tolist() == [-1] * 4


# --- outliers -----------------------------------------------------------------------------


def clustered_with_outlier(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(3, 16)) * 4.0
    vectors, _ = clusters(40, centers, noise=1.0, rng=rng)
    far = rng.normal(size=(1, 16)).astype(np.float32)
    far /= np.linalg.norm(far)
    # a direction orthogonal to every cluster center
    q, _ = np.linalg.qr(np.vstack([centers, far]).T)
    lonely = q[:, 3].astype(np.float32)
    return np.vstack([vectors, lonely[None, :]])


def test_far_point_is_the_top_outlier() -> None:
    vectors = clustered_with_outlier()
    summary, columns = run(build_context(vectors), "outliers")
    score = columns["outlier_score"]
    assert score.dtype == np.float64
    assert (score >= 0).all() and (score <= 1).all()
    assert int(np.argmax(score)) == len(vectors) - 1
    assert score[-1] > 0.5
    assert columns["is_outlier"][-1]
    assert columns["is_outlier"].sum() <= 3  # cluster members are (almost all) inliers
    assert summary["count"] == columns["is_outlier"].sum()
    assert summary["k_used"] == 10


def test_outlier_score_is_one_half_at_the_threshold() -> None:
    vectors = clustered_with_outlier(seed=1)
    context = build_context(vectors)
    distance = 1.0 - context.graph.similarities[:, :10].astype(np.float64).mean(axis=1)
    z = robust_z(distance)
    row = int(np.argsort(z)[-5])  # a row with z > 0 that is not the far point
    threshold = float(z[row])
    assert threshold > 0
    _, columns = run(context, "outliers", threshold=threshold)
    assert columns["outlier_score"][row] == pytest.approx(0.5, abs=1e-9)
    assert not columns["is_outlier"][row]  # flagged only strictly above the threshold
    above = z > threshold + 1e-9
    np.testing.assert_array_equal(columns["is_outlier"], above)
    assert (columns["outlier_score"][above] > 0.5).all()
    assert (columns["outlier_score"][z < threshold - 1e-9] < 0.5).all()


def test_outlier_score_monotone_in_distance() -> None:
    vectors = clustered_with_outlier(seed=2)
    context = build_context(vectors)
    _, columns = run(context, "outliers", k=5)
    distance = 1.0 - context.graph.similarities[:, :5].mean(axis=1)
    order = np.argsort(distance, kind="stable")
    assert (np.diff(columns["outlier_score"][order]) >= -1e-12).all()


def test_outliers_on_uniform_data_flag_nothing() -> None:
    vectors = np.repeat(spread_out(1), 20, axis=0)
    summary, columns = run(build_context(vectors), "outliers")
    assert not columns["is_outlier"].any()
    np.testing.assert_array_equal(columns["outlier_score"], 0.0)


# --- label errors -------------------------------------------------------------------------


def labeled_clusters(seed: int = 0) -> tuple[np.ndarray, list[str], int]:
    """Three tight clusters labeled ant/bee/cat; row ``wrong`` sits in bee's cluster
    but is labeled ant."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(3, 16)) * 4.0
    vectors, members = clusters(30, centers, noise=1.0, rng=rng)
    labels = [["ant", "bee", "cat"][m] for m in members]
    wrong = 45  # a bee-cluster row
    assert labels[wrong] == "bee"
    labels[wrong] = "ant"
    return vectors, labels, wrong


def test_misplaced_row_is_flagged_with_the_right_suggestion() -> None:
    vectors, labels, wrong = labeled_clusters()
    summary, columns = run(build_context(vectors, labels), "label_errors")
    flagged = columns["is_label_error"]
    assert np.flatnonzero(flagged).tolist() == [wrong]
    assert columns["suggested_label"][wrong] == "bee"
    score = columns["label_error_score"]
    assert score[wrong] > 0.9
    assert np.delete(score, wrong).max() < 0.5
    # clean rows get their own label suggested
    clean = np.delete(np.arange(len(labels)), wrong)
    assert all(columns["suggested_label"][i] == labels[i] for i in clean)
    assert summary["count"] == 1
    rates = summary["noise_rate_per_class"]
    assert set(rates) == {"ant", "bee", "cat"}
    assert all(0.0 <= rate <= 1.0 for rate in rates.values())


def test_integer_labels() -> None:
    vectors, labels, wrong = labeled_clusters(seed=1)
    codes = {"ant": 10, "bee": 20, "cat": 30}
    _, columns = run(build_context(vectors, [codes[x] for x in labels]), "label_errors")
    assert np.flatnonzero(columns["is_label_error"]).tolist() == [wrong]
    assert columns["suggested_label"][wrong] == 20
    assert set(columns["suggested_label"].tolist()) == {10, 20, 30}


def test_unlabeled_rows_get_score_zero_and_no_flag() -> None:
    vectors, labels, wrong = labeled_clusters(seed=2)
    missing = [3, 40, 41, 75]
    with_missing: list[str | None] = list(labels)
    for i in missing:
        with_missing[i] = None
    context = build_context(vectors, with_missing)
    assert (context.labels.codes[missing] == -1).all()
    summary, columns = run(context, "label_errors")
    np.testing.assert_array_equal(columns["label_error_score"][missing], 0.0)
    assert not columns["is_label_error"][missing].any()
    # no label, nothing to mend: no suggestion (the labeling analysis predicts their label)
    assert [columns["suggested_label"][i] for i in missing] == [None] * 4
    np.testing.assert_array_equal(columns["suggestion_confidence"][missing], 0.0)
    assert np.flatnonzero(columns["is_label_error"]).tolist() == [wrong]
    assert summary["n_unlabeled"] == 4


def test_no_label_errors_in_clean_data() -> None:
    vectors, labels, wrong = labeled_clusters(seed=3)
    labels[wrong] = "bee"
    summary, columns = run(build_context(vectors, labels), "label_errors")
    assert not columns["is_label_error"].any()
    assert summary["count"] == 0


def test_several_swapped_labels() -> None:
    vectors, labels, _ = labeled_clusters(seed=4)
    labels[45] = "bee"
    swaps = {2: "cat", 33: "ant", 61: "bee", 70: "ant"}
    truth = {i: labels[i] for i in swaps}
    for i, label in swaps.items():
        labels[i] = label
    _, columns = run(build_context(vectors, labels), "label_errors")
    assert sorted(np.flatnonzero(columns["is_label_error"]).tolist()) == sorted(swaps)
    for i in swaps:
        assert columns["suggested_label"][i] == truth[i]


def test_skipped_without_labels_or_with_one_class() -> None:
    vectors, labels, _ = labeled_clusters()
    outcome = run_detectors(build_context(vectors), [get_detector("label_errors")])
    assert outcome.summaries["label_errors"]["status"] == "skipped"
    assert "label" in outcome.summaries["label_errors"]["reason"]
    outcome = run_detectors(
        build_context(vectors, ["ant"] * len(vectors)), [get_detector("label_errors")]
    )
    assert outcome.summaries["label_errors"]["status"] == "skipped"
    assert "2 classes" in outcome.summaries["label_errors"]["reason"]
    assert outcome.columns == {}


def test_texts_differing_in_punctuation_alone_are_near_duplicates() -> None:
    texts = ["Time travel is fun!", "time travel, is fun.", "Time travels are fun", "?!", "..."]
    dataset = load(pd.DataFrame({"text": texts}), text="text")
    context = build_context(spread_out(len(texts)), texts=texts, hashes=content_hashes(dataset))
    summary, columns = run(context, "near_duplicates")
    groups = columns["duplicate_group"]
    assert groups[0] == groups[1] >= 0 and (groups[2:] == -1).all()  # other words; no words
    assert columns["is_near_duplicate"].tolist() == [False, True, False, False, False]
    assert columns["near_duplicate_score"][1] >= summary["similarity_cut"]
    assert summary["exact_copies"] == 0
