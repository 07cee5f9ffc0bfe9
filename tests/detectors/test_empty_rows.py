"""Rows with nothing to embed (blank texts): flagged ``is_empty``, judged by nothing else."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import siftkit
from siftkit.export import review_queue

BLANK = ["r2", "r25", "r26", "r47"]


@pytest.fixture
def frame_with_blanks(text_frame: pd.DataFrame) -> pd.DataFrame:
    frame = text_frame.copy()
    blank = frame["id"].isin(BLANK)
    frame.loc[blank, "text"] = ["", "   ", "", "\t"]
    return frame


def test_blank_texts_are_flagged_empty_and_get_no_other_verdict(frame_with_blanks) -> None:
    result = siftkit.audit(frame_with_blanks, text="text", label="label", encoder="fake")
    rows = result.rows.set_index("row_id")
    assert sorted(rows.index[rows["is_empty"]]) == BLANK
    assert result.summary["empty_rows"]["count"] == 4
    assert result.summary["encoder"]["n_empty"] == 4
    assert result.summary["empty_rows"]["n_unknown_words"] == 0  # blank, not unknown
    blank = rows.loc[BLANK]
    # copies of nothing, far from nothing, mislabeled as nothing
    for flag in ("is_duplicate", "is_near_duplicate", "is_outlier", "is_label_error",
                 "is_off_topic"):  # fmt: skip
        assert not blank[flag].any(), flag
    for score in ("outlier_score", "label_error_score", "off_topic_score",
                  "near_duplicate_score", "suggestion_confidence"):  # fmt: skip
        assert (blank[score] == 0).all(), score
    assert (blank["duplicate_group"] == -1).all()
    assert (blank["cluster"] == -1).all() and (blank["cluster_confidence"] == 0).all()
    # a blank row suggests its own label, not another
    assert (blank["suggested_label"] == blank["label"]).all()
    # the rows with content are judged as before: the planted duplicate and error are found
    assert rows.index[rows["is_duplicate"]].tolist() == ["r60"]
    assert rows.loc["r5", "is_label_error"]


def test_labeling_abstains_on_blank_rows(frame_with_blanks) -> None:
    seeds = pd.Series([None] * len(frame_with_blanks), dtype=object)
    for position in (0, 1, 20, 21, 40, 41):
        seeds[position] = frame_with_blanks["label"][position]
    seeds[25] = "food"  # a labeled blank row keeps its label, and seeds nothing
    frame = frame_with_blanks.drop(columns="label").assign(seed=seeds)
    result = siftkit.label_rows(frame, text="text", seed_labels="seed", encoder="fake")
    rows = result.rows.set_index("row_id")
    assert result.summary["analyses"] == ["empty_rows", "clusters", "labeling"]
    unlabeled_blank = rows.loc[["r2", "r26", "r47"]]
    assert (unlabeled_blank["label_source"] == "abstained").all()
    assert unlabeled_blank["predicted_label"].isna().all()
    assert (unlabeled_blank["label_confidence"] == 0).all()
    assert rows.loc["r25", "label_source"] == "given"
    assert rows.loc["r25", "predicted_label"] == "food"
    entry = result.summary["labeling"]
    assert entry["n_empty"] == 3 and entry["n_abstained"] == 3
    queue = review_queue(result, "to_label", budget=len(rows))
    assert not set(queue["row_id"]) & set(BLANK)
    assert np.isfinite(entry["mean_confidence"])


def test_more_like_these_never_lists_empty_rows(frame_with_blanks) -> None:
    from siftkit.label.more_like import more_like_these

    result = siftkit.audit(frame_with_blanks, text="text", label="label", encoder="fake")
    ranked = more_like_these(result, ["r0", "r1"], top=None)
    assert not set(ranked["row_id"]) & set(BLANK)
    assert len(ranked) == len(frame_with_blanks) - 2 - len(BLANK)


def test_texts_whose_words_the_encoder_does_not_know_are_counted_apart() -> None:
    rng = np.random.default_rng(0)
    words = "apple pear plum grape melon lemon lime peach cherry berry".split()
    texts = [" ".join(rng.choice(words, 4)) for _ in range(1000)]
    texts[:3] = ["zyzzyva", "quokkas", ""]  # words no other row uses, and a blank
    frame = pd.DataFrame({"id": range(len(texts)), "text": texts})
    result = siftkit.audit(frame, text="text", id="id", encoder="tfidf", detectors=["empty_rows"],
                           progress=False)  # fmt: skip
    entry = result.summary["empty_rows"]
    assert list(np.flatnonzero(result.rows["is_empty"])) == [0, 1, 2]
    assert entry["count"] == 3 and entry["n_unknown_words"] == 2
