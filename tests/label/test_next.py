"""rows_to_label: a budgeted, spread-out list of the rows worth labeling next."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from labeling_data import TOPIC_WORDS, topic_frame, with_rows

import siftkit
from siftkit.exceptions import InvalidParameterError, RunFolderError
from siftkit.label.next import queue_vectors, rows_to_label
from siftkit.neighbors import KnnGraph


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """Three topics, every fourth row labeled, and 6 unlabeled rows half cats, half boats."""
    rng = np.random.default_rng(1)
    mixed = [" ".join([*rng.choice(TOPIC_WORDS["cats"], 3), *rng.choice(TOPIC_WORDS["boats"], 3)])
             for _ in range(6)]  # fmt: skip
    frame = with_rows(topic_frame(), mixed, "mixed")
    given = (np.arange(len(frame)) % 4 == 0) & (frame["topic"] != "mixed")
    frame["label"] = frame["topic"].where(given)
    return frame


@pytest.fixture(scope="module")
def labeled(frame):
    return siftkit.audit(
        frame, text="text", id="id", label="label", encoder="fake",
        detectors=["clusters", "labeling"], allow_missing_labels=True, use_cache=False,
        progress=False,
    )  # fmt: skip


def test_the_budget_is_respected_and_the_list_sorted(labeled) -> None:
    for budget in (1, 5, 8):
        queue = rows_to_label(labeled, budget)
        assert len(queue) == budget
        assert list(queue["rank"]) == list(range(1, budget + 1))
        assert queue["priority"].is_monotonic_decreasing
        assert queue["row_id"].is_unique
    assert {"rank", "row_id", "text", "predicted_label", "label_confidence", "cluster",
            "cluster_name", "priority"} <= set(queue.columns)  # fmt: skip


def test_labeled_rows_are_never_proposed(labeled, frame) -> None:
    given = set(frame["id"][frame["label"].notna()])
    everything = rows_to_label(labeled, 1000)
    assert len(everything) == len(frame) - len(given)  # every other row, once
    assert not given & set(everything["row_id"])


def test_uncertain_rows_come_first(labeled, frame) -> None:
    queue = rows_to_label(labeled, 8)
    mixed = set(frame["id"][frame["topic"] == "mixed"])
    assert set(queue["row_id"][:2]) <= mixed
    confidence = labeled.rows.set_index("row_id")["label_confidence"]
    assert (confidence[queue["row_id"]].to_numpy() < 1).sum() >= 4


def test_the_budget_is_spread_over_every_cluster(labeled) -> None:
    n_clusters = labeled.summary["clusters"]["n_clusters"]
    assert n_clusters == 3
    for budget in (n_clusters, 6):
        assert rows_to_label(labeled, budget)["cluster"].nunique() == n_clusters


@pytest.mark.parametrize("budget", [0, -3, 2.5, None])
def test_a_budget_that_is_not_a_positive_count_is_refused(labeled, budget) -> None:
    with pytest.raises(InvalidParameterError, match="budget must be a positive number"):
        rows_to_label(labeled, budget)


def test_before_labeling_typical_rows_of_unlabeled_groups_come_first(frame) -> None:
    discovered = siftkit.audit(
        frame, text="text", id="id", label="label", encoder="fake", detectors=["clusters"],
        allow_missing_labels=True, use_cache=False, progress=False,
    )  # fmt: skip
    assert "label_confidence" not in discovered.rows
    queue = rows_to_label(discovered, 5)
    assert len(queue) == 5 and queue["row_id"].is_unique
    assert not set(frame["id"][frame["label"].notna()]) & set(queue["row_id"])
    topics = frame.set_index("id")["topic"]
    first = topics[queue["row_id"][:3]]  # one typical row of each topic before any other
    assert set(first) == {"cats", "boats", "space"}, first
    assert queue["priority"].between(0, 1, inclusive="right").all()  # a share of the rows


def test_labels_from_keywords_alone_take_typical_rows(frame, tmp_path) -> None:
    keywords = {topic: words[:3] for topic, words in TOPIC_WORDS.items()}
    run = siftkit.label_rows(frame.drop(columns="label"), text="text", id="id",
                             keywords=keywords, encoder="fake", progress=False)  # fmt: skip
    assert run.summary["labeling"]["confidence_calibrated"] is False
    queue = rows_to_label(run, 3)
    assert queue["cluster"].nunique() == 3  # one row from each part of the data
    assert not set(frame["id"][frame["topic"] == "mixed"]) & set(queue["row_id"])


def blobs(labeled_rows: list[int]):
    """A run-like object before labeling: two groups of 5 rows, rows 0-4 around one
    direction and 5-9 around another, each a centre (rows 0 and 7) and four rows on a ring
    about it; the rows of ``labeled_rows`` labeled."""
    vectors = np.zeros((10, 4), dtype=np.float32)
    vectors[:5, 0], vectors[5:, 1] = 1.0, 1.0
    ring = 0.3 * np.array([[1, 0], [0, 1], [-1, 0], [0, -1]], dtype=np.float32)
    vectors[1:5, 2:], vectors[[5, 6, 8, 9], 2:] = ring, ring
    label = pd.Series([None] * 10, dtype=object)
    label[labeled_rows] = "a"
    rows = pd.DataFrame({"row_id": [f"r{i}" for i in range(10)], "label": label,
                         "cluster_confidence": 1.0, "cluster": [0] * 5 + [1] * 5})  # fmt: skip
    return SimpleNamespace(rows=rows, summary={"clusters": {}}, embeddings=vectors, random_state=0)


def test_the_first_pick_is_the_most_typical_row_where_nothing_is_labeled() -> None:
    assert list(rows_to_label(blobs([1]), 1)["row_id"]) == ["r7"]  # the centre of the other
    assert list(rows_to_label(blobs([6]), 1)["row_id"]) == ["r0"]


def test_many_rows_are_grouped_by_mini_batches(monkeypatch) -> None:
    monkeypatch.setattr("siftkit.label.next.MINI_BATCH_ABOVE", 5)
    assert list(rows_to_label(blobs([1]), 1)["row_id"]) == ["r7"]


def test_the_queue_sees_text_rows_as_the_labeling_did(frame) -> None:
    for words in (True, False):
        run = siftkit.label_rows(frame.drop(columns="label"), text="text", id="id",
                                 keywords={t: w[:3] for t, w in TOPIC_WORDS.items()},
                                 encoder="fake", words=words, progress=False)  # fmt: skip
        vectors = queue_vectors(run)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        joined = vectors.shape[1] > run.embeddings.shape[1]
        assert joined is words
        assert (vectors is run.rows_with_words) is words  # the run's own, not fitted again


def test_a_run_opened_from_its_folder_joins_its_rows_with_words_again(frame, tmp_path) -> None:
    run = siftkit.label_rows(frame.drop(columns="label"), text="text", id="id",
                             keywords={t: w[:3] for t, w in TOPIC_WORDS.items()},
                             encoder="fake", output=tmp_path / "run", progress=False)  # fmt: skip
    opened = siftkit.open(tmp_path / "run")
    assert opened.rows_with_words is None
    assert np.allclose(queue_vectors(opened), run.rows_with_words, atol=1e-6)


def test_a_run_without_confidences_is_refused(frame) -> None:
    run = siftkit.audit(frame, text="text", id="id", label=False, encoder="fake",
                        detectors=["outliers"], use_cache=False, progress=False)  # fmt: skip
    with pytest.raises(RunFolderError, match="sift label"):
        rows_to_label(run, 5)


def synthetic(clusters: list[int], uncertainty: list[float], indices: list[list[int]]):
    """A run-like object: rows with a cluster and a label confidence, and a kNN graph whose
    similarities are all equal (so every row is as representative as the others)."""
    rows = pd.DataFrame({"row_id": [f"r{i}" for i in range(len(clusters))],
                         "label_confidence": 1.0 - np.asarray(uncertainty),
                         "cluster": clusters})  # fmt: skip
    index = np.asarray(indices)
    graph = KnnGraph(index, np.full(index.shape, 0.5, dtype=np.float32), "exact", 1.0)
    summary = {"labeling": {"confidence_calibrated": True}}  # enough labels: uncertainty
    return SimpleNamespace(rows=rows, graph=graph, summary=summary)


def ring(n: int, k: int) -> list[list[int]]:
    return [[(i + j) % n for j in range(1, k + 1)] for i in range(n)]


def test_the_nearest_neighbours_of_a_picked_row_are_skipped() -> None:
    # one cluster; row 1, the second most uncertain, is a neighbour of row 0, the most
    run = synthetic([0] * 8, [0.9, 0.8, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7], ring(8, 1))
    assert list(rows_to_label(run, 2)["row_id"]) == ["r0", "r7"]


def test_a_small_cluster_gets_its_row_even_next_to_a_picked_one() -> None:
    # cluster 1 (rows 6-7) lies among the nearest neighbours of row 0, the most uncertain
    indices = [[6, 7, 1, 2, 3]] + ring(8, 5)[1:]
    run = synthetic([0] * 6 + [1] * 2, [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.2, 0.1], indices)
    queue = rows_to_label(run, 2)
    assert list(queue["row_id"]) == ["r0", "r6"]


def test_the_budget_follows_the_size_of_what_is_left_to_label() -> None:
    # cluster 2 is fully labeled: the budget goes to clusters 0 (6 rows) and 1 (2 rows), 3:1
    run = synthetic([0] * 6 + [1] * 2 + [2] * 2,
                    [0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.9, 0.8, 0.0, 0.0], [[8]] * 10)  # fmt: skip
    run.rows["label_source"] = ["propagated"] * 8 + ["given"] * 2
    queue = rows_to_label(run, 4)
    assert queue["cluster"].value_counts().to_dict() == {0: 3, 1: 1}
    assert list(queue["row_id"]) == ["r6", "r0", "r1", "r2"]
