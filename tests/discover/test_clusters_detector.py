"""The ``clusters`` analysis: categories of a run, named, in a tree, guided by partial labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from discovery_data import TOPIC_WORDS, fake_bucket, same_partition, topic_frame

import siftkit
from siftkit.data import encode_labels
from siftkit.detectors import Context
from siftkit.detectors.clusters import (
    Clusters,
    _contrasted,
    _unique,
    categories_without_labels,
    run_categories,
)
from siftkit.embed import l2_normalize
from siftkit.exceptions import DataFileNotFoundError, InvalidParameterError
from siftkit.neighbors import build_graph


@pytest.fixture(scope="module")
def topics() -> pd.DataFrame:
    return topic_frame()


def discover(frame: pd.DataFrame, *, label=False, **params):  # noqa: ANN001, ANN003, ANN201
    result = siftkit.audit(
        frame, text="text", label=label, encoder="fake", detectors=[Clusters(**params)],
        allow_missing_labels=True,
    )  # fmt: skip
    entry = result.summary["clusters"]
    assert entry["status"] == "ok", entry
    return result.rows, entry


def test_every_row_gets_a_named_category(topics) -> None:
    rows, entry = discover(topics)
    for column in ("cluster", "cluster_name", "cluster_confidence", "subcluster"):
        assert column in rows.columns
    assert entry["n_clusters"] == 3
    assert same_partition(rows["cluster"].to_numpy(), topics["topic"].to_numpy())
    assert entry["n_unassigned"] == 0 and (rows["cluster"] >= 0).all()
    assert rows["cluster_confidence"].between(0, 1).all()
    categories = entry["categories"]
    assert [c["id"] for c in categories] == [0, 1, 2]
    assert sum(c["size"] for c in categories) == len(topics)
    assert len({c["name"] for c in categories}) == 3
    for c in categories:
        topic = topics["topic"][rows["cluster"] == c["id"]].iloc[0]
        assert set(" ".join(c["keywords"]).split()) <= set(TOPIC_WORDS[topic])  # its own words
        assert c["name"] == ", ".join(c["keywords"][:3])
        assert (rows["cluster_name"][rows["cluster"] == c["id"]] == c["name"]).all()
        assert len(c["exemplar_row_ids"]) == 3
        assert set(c["exemplar_row_ids"]) <= set(rows["row_id"][rows["cluster"] == c["id"]])
        assert "is_new" not in c and "majority_label" not in c
    assert entry["semi_supervised"] is False and "known_categories" not in entry


def test_the_summary_holds_the_tree(topics) -> None:
    _, entry = discover(topics)
    tree = entry["hierarchy"]
    assert sum(level["chosen"] for level in tree) == 1
    chosen = next(level for level in tree if level["chosen"])
    assert chosen["n_categories"] == entry["n_clusters"]
    assert [c["name"] for c in chosen["categories"]] == [c["name"] for c in entry["categories"]]
    for level in tree:
        assert sum(c["size"] for c in level["categories"]) == len(topics)
        assert level["n_categories"] == len(level["categories"])
    assert all(c["parent"] == -1 for c in tree[0]["categories"])
    for upper, lower in zip(tree, tree[1:], strict=False):
        assert {c["parent"] for c in lower["categories"]} == set(range(upper["n_categories"]))


def test_subcluster_is_the_category_one_level_finer(topics) -> None:
    rows, entry = discover(topics, resolution=0.5)
    tree = entry["hierarchy"]
    at = next(i for i, level in enumerate(tree) if level["chosen"])
    if at + 1 == len(tree):
        assert (rows["subcluster"] == -1).all()
    else:
        parents = np.array([c["parent"] for c in tree[at + 1]["categories"]])
        np.testing.assert_array_equal(parents[rows["subcluster"]], rows["cluster"])


def test_partial_labels_give_known_and_new_categories(topics) -> None:
    frame = topics.copy()
    rng = np.random.default_rng(0)
    hidden = (frame["topic"] == "space") | (rng.random(len(frame)) < 0.6)
    frame["label"] = frame["topic"].where(~hidden, None)
    rows, entry = discover(frame, label="label")
    assert entry["semi_supervised"] is True
    assert entry["known_categories"] == ["boats", "cats"]  # sorted classes keep codes 0, 1
    assert len(entry["new_categories"]) == 1 and entry["n_new"] == 1
    assert [c["is_new"] for c in entry["categories"]] == [False, False, True]
    cluster = rows["cluster"].to_numpy()
    assert (cluster[(frame["topic"] == "boats").to_numpy()] == 0).all()
    assert (cluster[(frame["topic"] == "cats").to_numpy()] == 1).all()
    assert (cluster[(frame["topic"] == "space").to_numpy()] == 2).all()
    new = entry["categories"][2]
    assert new["name"] == entry["new_categories"][0]
    assert set(" ".join(new["keywords"]).split()) <= set(TOPIC_WORDS["space"])
    # a known category's labeled rows all carry its class (pinned), a new one holds none:
    # no majority label or purity to tell
    assert all("purity" not in c and "majority_label" not in c for c in entry["categories"])


def test_use_labels_never_ignores_the_labels(topics) -> None:
    frame = topics.copy()
    frame["label"] = frame["topic"].where(frame["topic"] != "space", None)
    _, entry = discover(frame, label="label", use_labels="never")
    assert entry["semi_supervised"] is False
    assert "known_categories" not in entry
    assert all("is_new" not in c for c in entry["categories"])
    # the labels still describe the categories
    assert {c["majority_label"] for c in entry["categories"]} == {"boats", "cats", None}


def test_complete_labels_are_compared_not_pinned(topics) -> None:
    frame = topics.copy()
    frame["label"] = frame["topic"]
    _, auto = discover(frame, label="label")
    assert auto["semi_supervised"] is False
    assert all(c["purity"] == 1.0 for c in auto["categories"])
    assert {c["majority_label"] for c in auto["categories"]} == set(TOPIC_WORDS)
    _, always = discover(frame, label="label", use_labels="always")
    assert always["semi_supervised"] is True and always["n_new"] == 0
    assert always["known_categories"] == sorted(TOPIC_WORDS)


def test_a_vocabulary_names_the_categories(topics, tmp_path) -> None:
    vocabulary = tmp_path / "names.txt"
    topic_buckets = {fake_bucket(w) for words in TOPIC_WORDS.values() for w in words}
    assert not {fake_bucket("violin"), fake_bucket("choir")} & topic_buckets
    vocabulary.write_text("# candidates\nkitten cat\nboat sail\nrocket orbit\n\nviolin choir\n")
    rows, entry = discover(topics, vocabulary=str(vocabulary))
    expected = {"cats": "kitten cat", "boats": "boat sail", "space": "rocket orbit"}
    for c in entry["categories"]:
        topic = topics["topic"][rows["cluster"] == c["id"]].iloc[0]
        assert c["name"] == expected[topic]
        assert c["vocabulary_matches"][0]["term"] == expected[topic]
        similarities = [m["similarity"] for m in c["vocabulary_matches"]]
        assert similarities == sorted(similarities, reverse=True)
    assert set(rows["cluster_name"]) == set(expected.values())


def test_categories_sharing_a_vocabulary_term_are_told_apart_by_a_keyword(topics, tmp_path):
    vocabulary = tmp_path / "names.txt"
    vocabulary.write_text("pets\n")  # fewer terms than categories: all three share it
    rows, entry = discover(topics, vocabulary=str(vocabulary))
    names = [c["name"] for c in entry["categories"]]
    assert names == [f"pets: {c['keywords'][0]}" for c in entry["categories"]]
    assert len(set(names)) == 3
    assert set(rows["cluster_name"]) == set(names)


def test_a_vocabulary_without_a_text_encoder_is_skipped(topics, tmp_path) -> None:
    vocabulary = tmp_path / "names.txt"
    vocabulary.write_text("cats\nboats\n")
    vectors = np.random.default_rng(0).normal(size=(len(topics), 8))
    result = siftkit.audit(
        topics, text="text", label=False, embeddings=vectors,
        detectors=[Clusters(vocabulary=str(vocabulary))],
    )  # fmt: skip
    entry = result.summary["clusters"]
    assert entry["status"] == "skipped" and "vocabulary" in entry["reason"]


def test_min_confidence_leaves_rows_unassigned(topics) -> None:
    frame = topics.copy()
    mixed = pd.DataFrame(
        {"id": ["m0", "m1"], "text": ["cat kitten boat sail", "purr meow hull mast"], "topic": "?"}
    )
    frame = pd.concat([frame, mixed], ignore_index=True)
    rows, entry = discover(frame, min_confidence=0.99)
    unassigned = rows["cluster"] == -1
    assert entry["n_unassigned"] == unassigned.sum() > 0
    assert (rows["cluster_name"][unassigned] == "").all()
    assert (rows["subcluster"][unassigned] == -1).all()
    assert (rows["cluster_confidence"][unassigned] < 0.99).all()


def test_a_hint_as_a_list_is_accepted(topics) -> None:
    _, entry = discover(topics, n_clusters=[2, 3])
    assert 2 <= entry["n_clusters"] <= 3
    assert entry["parameters"]["n_clusters"] == [2, 3]


@pytest.mark.parametrize("n_clusters", [0, [5, 2], [0, 3], (1, 2, 3), "many"])
def test_a_bad_hint_is_refused_before_anything_runs(topics, n_clusters) -> None:
    with pytest.raises(InvalidParameterError, match="n_clusters"):
        siftkit.audit(topics, text="text", encoder="fake", detectors=[Clusters(n_clusters)])


def test_a_missing_vocabulary_is_refused_before_anything_runs(topics, tmp_path) -> None:
    with pytest.raises(DataFileNotFoundError, match="nope.txt"):
        siftkit.audit(
            topics, text="text", encoder="fake",
            detectors=[Clusters(vocabulary=str(tmp_path / "nope.txt"))],
        )  # fmt: skip


def test_repeated_names_are_numbered() -> None:
    assert _unique(["a", "b", "a", "a"]) == ["a", "b", "a (2)", "a (3)"]


def test_categories_of_one_name_are_told_apart_by_what_sets_each_apart() -> None:
    """Three forms of one log line were named "account, disk, disk quota" and "… (2)",
    "… (3)": the same keywords, as the lines differ in the name, address or number they hold."""
    from siftkit.discover.naming import term_counts

    line = "disk quota exceeded for account {} on the shared volume"
    texts = ([line.format(name) for name in ("alice", "bob") * 5]
             + [line.format(f"{name}@corp.com") for name in ("carol", "dave") * 5]
             + [line.format(number) for number in range(1000, 1010)])  # fmt: skip
    membership = np.repeat([0, 1, 2], 10)
    names = ["account, disk, disk quota"] * 3
    told = _contrasted(names, term_counts(texts), membership)
    assert told[1] == "account, disk, disk quota: com"  # held by all its rows, no other's
    assert told[0] == "account, disk, disk quota: account alice"  # by half, no other's
    assert told[2] == names[0]  # each number in one line: nothing sets these apart
    assert _contrasted(["a", "b", "c"], term_counts(texts), membership) == ["a", "b", "c"]


def test_text_rows_are_grouped_by_their_words_too() -> None:
    """Embeddings that part the topics loosely (a topic direction in noise), texts that part
    them cleanly: with the words joined (the default) the categories follow the topics
    closer than with ``words=False``, which groups the embeddings alone."""
    from sklearn.metrics import adjusted_rand_score

    frame = topic_frame(per_topic=60)
    codes = frame["topic"].astype("category").cat.codes.to_numpy()
    rng = np.random.default_rng(4)
    signal = 2.0 * np.eye(3)[codes] + rng.normal(size=(len(frame), 3))
    vectors = np.hstack([signal, rng.normal(size=(len(frame), 13))]).astype(np.float32)

    def agreement(**params):  # noqa: ANN003, ANN202
        run = siftkit.audit(
            frame, embeddings=vectors, text="text", detectors=[Clusters(**params)],
            progress=False,
        )  # fmt: skip
        entry = run.summary["clusters"]
        return adjusted_rand_score(codes, run.rows["cluster"]), entry["words_joined"]

    joined, with_words = agreement()
    alone, without = agreement(words=False)
    assert with_words and not without
    assert joined >= alone + 0.05  # 0.79 against 0.68


def test_vectors_without_texts_are_grouped_as_they_are() -> None:
    vectors = np.random.default_rng(0).normal(size=(40, 8)).astype(np.float32)
    result = siftkit.audit(vectors, detectors=[Clusters()], progress=False)
    assert result.summary["clusters"]["words_joined"] is False


def test_a_table_s_categories_are_named_by_their_distinctive_columns() -> None:
    from sklearn.datasets import load_wine

    wine = load_wine(as_frame=True)
    run = siftkit.discover_categories(wine.data, progress=False)
    categories = run.summary["clusters"]["categories"]
    assert len(categories) >= 2
    for category in categories:
        assert category["keywords"], category
        assert category["name"] == ", ".join(category["keywords"][:3])
        assert all(k.startswith(("high ", "low ")) for k in category["keywords"])
    # the classes' textbook profiles: one class is rich in proline, one low in colour
    names = " | ".join(c["name"] for c in categories)
    assert "high proline" in names and "low color_intensity" in names


def test_categories_without_labels_ignore_a_partly_labeled_column() -> None:
    """Rows labeled with one class in two places: pinned, the class keeps them in one
    category; found without the labels, each place is a category of its own."""
    rng = np.random.default_rng(0)
    codes = np.repeat([0, 1, 2], 40)
    vectors = l2_normalize(np.eye(6)[codes] * 5 + rng.normal(scale=0.3, size=(120, 6)))
    given = np.full(120, None, dtype=object)
    given[[0, 1, 2, 80, 81, 82]] = "ant"  # in blobs 0 and 2
    given[[40, 41, 42]] = "bee"
    context = Context(
        embeddings=vectors.astype(np.float32),
        graph=build_graph(vectors.astype(np.float32), k=10),
        row_ids=np.arange(120),
        content_hashes=np.arange(120, dtype=np.uint64),
        labels=encode_labels(pd.Series(given)),
    )
    pinned = run_categories(context)
    assert pinned[0] == pinned[80]  # one category for "ant"
    found = categories_without_labels(context)
    assert same_partition(found, codes)
    assert categories_without_labels(context) is found  # found once per run


def test_categories_found_without_complete_labels_serve_as_those_without_labels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With every row labeled the clusters analysis ignores the labels: the categories it
    found are those other analyses judge the labels by, not found a second time."""
    rng = np.random.default_rng(0)
    codes = np.repeat([0, 1, 2], 40)
    vectors = l2_normalize(np.eye(6)[codes] * 5 + rng.normal(scale=0.3, size=(120, 6)))
    context = Context(
        embeddings=vectors.astype(np.float32),
        graph=build_graph(vectors.astype(np.float32), k=10),
        row_ids=np.arange(120),
        content_hashes=np.arange(120, dtype=np.uint64),
        labels=encode_labels(pd.Series(np.array(["a", "b", "c"], dtype=object)[codes])),
    )
    result = Clusters().run(context)
    monkeypatch.setattr(Clusters, "fit", lambda *a: pytest.fail("categories found again"))
    assert (categories_without_labels(context) == result.columns["cluster"]).all()
