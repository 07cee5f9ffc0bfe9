"""more_like_these: rows of a saved run ranked by closeness to a few example rows."""

from __future__ import annotations

import pandas as pd
import pytest
from labeling_data import topic_frame

import siftkit
from siftkit.exceptions import InvalidParameterError
from siftkit.label.more_like import more_like_these


@pytest.fixture(scope="module")
def topics() -> pd.DataFrame:
    return topic_frame()


@pytest.fixture(scope="module")
def run(topics, tmp_path_factory):
    folder = tmp_path_factory.mktemp("like") / "run"
    siftkit.audit(
        topics, text="text", id="id", label="topic", encoder="fake", detectors=["clusters"],
        output=folder, use_cache=False, progress=False,
    )  # fmt: skip
    return siftkit.open(folder)


def test_rows_of_the_examples_topic_come_first(run, topics) -> None:
    examples = ["t0", "t3"]  # two "cats" rows
    ranked = more_like_these(run, examples, top=None)
    assert not set(examples) & set(ranked["row_id"])
    assert len(ranked) == len(topics) - 2
    topic = topics.set_index("id")["topic"]
    order = topic[ranked["row_id"]].to_numpy()
    assert (order[:18] == "cats").all() and (order[18:] != "cats").all()
    scores = ranked["similarity_score"].to_numpy()
    assert scores[0] == 1.0
    assert ((scores >= 0) & (scores <= 1)).all()
    assert (scores[:-1] >= scores[1:]).all()
    assert scores[17] > scores[18]


def test_top_limits_the_list_and_the_run_columns_come_along(run) -> None:
    ranked = more_like_these(run, ["t25"], top=5)
    assert len(ranked) == 5
    assert list(ranked.columns) == ["row_id", "similarity_score", "text", "label", "cluster_name"]
    rows = run.rows.set_index("row_id")
    pd.testing.assert_series_equal(
        ranked.set_index("row_id")["text"], rows.loc[ranked["row_id"], "text"], check_names=False
    )
    assert (ranked["label"] == "boats").all()


def test_repeated_examples_count_once(run) -> None:
    once = more_like_these(run, ["t41", "t50"])
    twice = more_like_these(run, ["t41", "t50", "t41"])
    pd.testing.assert_frame_equal(once, twice)


def test_one_row_id_is_one_example_and_top_is_a_count(run) -> None:
    pd.testing.assert_frame_equal(more_like_these(run, "t41"), more_like_these(run, ["t41"]))
    for top in (0, 2.5, True):
        with pytest.raises(InvalidParameterError, match="top is a number of rows"):
            more_like_these(run, ["t41"], top=top)


def test_unknown_row_ids_are_named(run) -> None:
    with pytest.raises(InvalidParameterError, match=r"not in this run: nope, 999\. .*t0, t1"):
        more_like_these(run, ["t0", "nope", 999])
    with pytest.raises(InvalidParameterError, match=r"\(none given\)"):
        more_like_these(run, [])


def test_an_empty_example_is_refused_and_empty_rows_are_never_listed(topics) -> None:
    frame = pd.concat([topics, pd.DataFrame({"id": ["blank"], "text": [" "], "topic": ["cats"]})])
    run = siftkit.audit(frame, text="text", id="id", label=False, encoder="fake",
                        detectors=["empty_rows"], progress=False)  # fmt: skip
    with pytest.raises(InvalidParameterError, match=r"like nothing \(is_empty\): blank\."):
        more_like_these(run, ["t0", "blank"])
    assert "blank" not in set(more_like_these(run, ["t0"], top=None)["row_id"])


def test_a_tables_rows_come_with_their_values(tmp_path) -> None:
    table = pd.DataFrame({"size": [float(i % 5) for i in range(40)],
                          "colour": ["red", "blue"] * 20})  # fmt: skip
    run = siftkit.audit(table, output=tmp_path / "run", detectors=["outliers"], progress=False)
    like = more_like_these(run, [0], top=3)
    assert list(like.columns[:3]) == ["row_id", "similarity_score", "values"]
    assert like["values"].str.startswith("size=").all()


def test_a_row_near_every_example_outranks_one_near_a_single_example(monkeypatch) -> None:
    # examples 0, 1, 2; row 3 is linked to all three, row 4 to example 0 alone; rows 5 and 6
    # hang off examples 1 and 2. One walk from all the examples at once ranks row 4 first
    # (its one link carries a third of the mass to a row of degree 1); the power mean of the
    # examples' walks asks for nearness to most of them.
    import numpy as np
    import scipy.sparse as sp

    from siftkit.label import more_like
    from siftkit.label.diffusion import normalize, spread

    edges = np.array([(0, 3), (1, 3), (2, 3), (0, 4), (1, 5), (2, 6), (5, 6)])
    rows, cols = np.r_[edges[:, 0], edges[:, 1]], np.r_[edges[:, 1], edges[:, 0]]
    weights = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(7, 7))
    degree = np.asarray(weights.sum(axis=1)).ravel()
    seeds = np.array([0, 1, 2])
    score = more_like._closeness(normalize(weights), degree, seeds)
    assert score[3] > score[4]
    start = np.zeros((7, 1))
    start[seeds] = 1.0 / len(seeds)
    one_walk = spread(normalize(weights), start, more_like.RESTART)[:, 0] / np.sqrt(degree)
    assert one_walk[4] > one_walk[3]
    monkeypatch.setattr(more_like, "EXAMPLES_PER_WALK", 2)  # the examples in two batches
    np.testing.assert_allclose(more_like._closeness(normalize(weights), degree, seeds), score)
