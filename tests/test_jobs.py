"""siftkit.discover_categories and siftkit.label_rows: ``sift discover`` and ``sift label``."""

from __future__ import annotations

import importlib
import json

import numpy as np
import pandas as pd
import pytest

import siftkit
from siftkit.exceptions import (
    ColumnNotFoundError,
    DataFileNotFoundError,
    InvalidParameterError,
    SingleClassError,
    UnreadableDataError,
)

KEYWORDS = {
    "sport": ["football", "match", "goal"],
    "food": ["bread", "soup", "recipe"],
    "tech": ["computer", "software", "server"],
}


@pytest.fixture
def unlabeled(text_frame) -> pd.DataFrame:
    return text_frame.drop(columns="label")


def label(frame: pd.DataFrame, **kwargs):
    return siftkit.label_rows(frame, text="text", id="id", encoder="fake", progress=False, **kwargs)


def test_label_from_a_keywords_dict(unlabeled, text_frame, tmp_path):
    run = label(unlabeled, keywords=KEYWORDS, output=tmp_path / "run")
    rows = run.rows
    assert (rows["label_source"] == "keywords").all()
    assert (rows["predicted_label"] == text_frame["label"]).mean() >= 0.9
    assert run.summary["analyses"] == ["empty_rows", "clusters", "labeling"]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["labeling"]["parameters"]["keywords"] == KEYWORDS


def test_the_report_shows_the_labels_and_the_rows_to_label_next(unlabeled, tmp_path):
    label(unlabeled, keywords=KEYWORDS, other=True, output=tmp_path / "run")
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    card = html[html.index("<h2>Labels") :]
    card = card[: card.index("</section>")]
    assert "Every row labeled from a few keywords per topic" in card
    assert "not calibrated, which takes labeled rows to hold out" in card
    assert "A row is <code>other</code> when any of these holds: (1) its category" in card
    assert '"muted">other</span>' in card  # and how many rows it took
    for topic in KEYWORDS:
        assert f'<td class="">{topic}</td>' in card
    assert "Rows to label next" in card and "<th>rank</th>" in card
    assert "Labels are still few, so the most typical row of each part" in card  # keywords
    assert "picked for a budget of 8;" in card and "a larger budget picks other rows" in card
    # the categories say what the labeling made of each: its commonest predicted labels
    categories = html[html.index("<h2>Categories") :]
    categories = categories[: categories.index("</section>")]
    assert "<th>labels predicted</th>" in categories
    rows = label(unlabeled, keywords=KEYWORDS, other=True).rows
    biggest = rows.loc[rows["cluster"] == 0, "predicted_label"].value_counts(normalize=True)
    assert f"{biggest.index[0]} {biggest.iloc[0]:.0%}" in categories
    data_map = html[html.index("<h2>Map of the data") :]
    assert "coloured by predicted label" in data_map  # what the run made, not its categories
    legend = data_map[data_map.index('<div class="legend">') : data_map.index("</section>")]
    assert all(f"</i>{topic}</span>" in legend for topic in KEYWORDS)
    seeded = unlabeled.assign(topic=np.where(np.arange(len(unlabeled)) % 4 == 0,
                                             label(unlabeled, keywords=KEYWORDS)
                                             .rows["predicted_label"], None))  # fmt: skip
    label(seeded, seed_labels="topic", output=tmp_path / "seeded")
    html = (tmp_path / "seeded" / "report.html").read_text(encoding="utf-8")
    assert "Every row labeled from the labeled rows" in html
    assert "calibrated on labeled rows held out from the labeling" in html
    assert "The rows the labeling is least sure of among the representative ones" in html
    assert '"muted">other</span>' not in html  # other was not asked for


def test_the_report_says_when_many_rows_fit_no_topic(unlabeled, tmp_path):
    two = {topic: words for topic, words in KEYWORDS.items() if topic != "food"}
    run = label(unlabeled, keywords=two, output=tmp_path / "run")
    assert run.summary["labeling"]["n_fit_no_class"] >= 15  # the food rows
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    card = html[html.index("<h2>Labels") :]
    assert "fit no topic and took the closest one all the same" in card
    assert "<code>sift label DATA --other</code> labels them" in card


def test_rows_no_topic_claims_leave_the_topic_that_took_them_undoubted(unlabeled, monkeypatch):
    from siftkit.label.presence import TopicPresence

    two = {topic: words for topic, words in KEYWORDS.items() if topic != "food"}
    food = unlabeled["text"].str.contains("bread|cheese|soup|recipe|kitchen|bake").to_numpy()
    # the food rows fit neither topic: each took the closest all the same
    monkeypatch.setattr(TopicPresence, "unfit", lambda self, seeds, assigned: food.copy())
    entry = label(unlabeled, keywords=two).summary["labeling"]
    assert entry["n_fit_no_class"] >= food.sum()
    # they say the topics leave a category out, not that the topic they went to is missing
    assert entry["doubtful_topics"] == []
    # rows that fit their topic no better, in categories the topics claim, do
    monkeypatch.setattr(TopicPresence, "unfit", lambda self, seeds, assigned: ~food)
    doubtful = label(unlabeled, keywords=two).summary["labeling"]["doubtful_topics"]
    assert [(d["topic"], d["unfit_share"]) for d in doubtful] == [("sport", 1.0), ("tech", 1.0)]


def test_the_report_names_a_topic_the_data_may_not_hold(unlabeled, tmp_path):
    topics = {**KEYWORDS, "space": ["starship", "nebula", "quasar"]}
    run = label(unlabeled, keywords=topics, other=True, output=tmp_path / "run")
    assert run.summary["labeling"]["absent_topics"] == ["space"]
    assert not (run.rows["predicted_label"] == "space").any()
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    card = html[html.index("<h2>Labels") :]
    card = card[: card.index("</section>")]
    assert "<code>space</code> may not be in the data" in card
    assert "its closest topic is one the data may not hold" in card


def test_label_from_a_keywords_file_gives_the_same_labels(unlabeled, tmp_path):
    path = tmp_path / "topics.json"
    path.write_text(json.dumps(KEYWORDS), encoding="utf-8")
    from_file = label(unlabeled, keywords=path).rows["predicted_label"]
    from_dict = label(unlabeled, keywords=KEYWORDS).rows["predicted_label"]
    assert (from_file == from_dict).all()


def test_label_from_a_seed_column_name_or_values(text_frame):
    frame = text_frame.drop(columns="label")
    seeds = text_frame["label"].where(text_frame.index % 5 == 0)
    frame["topic"] = seeds
    by_name = label(frame, seed_labels="topic").rows
    by_values = label(frame.drop(columns="topic"), seed_labels=seeds.to_numpy(dtype=object)).rows
    given = seeds.notna().to_numpy()
    assert (by_name["label_source"][given] == "given").all()
    assert (by_name["label_source"][~given] == "propagated").all()
    assert (by_name["predicted_label"] == by_values["predicted_label"]).all()
    assert (by_name["predicted_label"] == text_frame["label"]).mean() >= 0.9


def test_label_from_a_seed_labels_mapping(unlabeled):
    rows = label(unlabeled, seed_labels_file={"r0": "sport", "r20": "food", "r40": "tech"}).rows
    rows = rows.set_index("row_id")
    assert list(rows.loc[["r0", "r20", "r40"], "label_source"]) == ["given"] * 3
    assert (rows["label_source"] == "given").sum() == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "Nothing to label from"),
        ({"keywords": KEYWORDS, "descriptions": {"a": "b", "c": "d"}}, "not both"),
        ({"seed_labels": "topic", "label": "label"}, "label or seed labels, not both"),
        ({"keywords": KEYWORDS, "detectors": ["outliers"]}, "call siftkit.audit"),
        ({"keywords": 7}, "keywords takes a YAML or JSON file, or a dict"),
        ({"seed_labels": {"r0": "sport"}}, "a dict of row id -> label goes to seed_labels_file"),
        ({"seed_labels_file": 7}, "seed_labels_file takes a CSV file"),
        ({"seed_labels_file": []}, "Nothing to label from"),
    ],
    ids=[
        "no-source",
        "keywords-and-descriptions",
        "label-and-seeds",
        "detectors",
        "keywords-as-a-number",
        "seed-labels-as-a-dict",
        "seed-file-of-a-number",
        "no-seed-files",
    ],  # fmt: skip
)
def test_label_refuses_contradictory_arguments(unlabeled, kwargs, message):
    with pytest.raises(InvalidParameterError, match=message):
        label(unlabeled, **kwargs)


def test_label_names_a_misspelt_seed_column_and_the_flag_for_it(text_frame):
    with pytest.raises(ColumnNotFoundError, match="Did you mean --seed-labels 'label'"):
        label(text_frame, seed_labels="lable")


def test_label_says_which_seeds_name_one_class(unlabeled):
    with pytest.raises(SingleClassError, match="the seed labels given name fewer than 2"):
        label(unlabeled, seed_labels_file={"r0": "sport", "r1": "sport"})


def test_label_refuses_seeds_that_leave_nothing_to_label(text_frame, unlabeled):
    with pytest.raises(InvalidParameterError, match="in the column 'label': nothing is left"):
        label(text_frame, seed_labels="label")
    with pytest.raises(InvalidParameterError, match="`sift audit` with them as labels"):
        label(unlabeled, seed_labels=text_frame["label"].to_numpy(dtype=object))
    everyone = dict(zip(text_frame["id"], text_frame["label"], strict=True))
    with pytest.raises(InvalidParameterError, match="Every row has a seed label"):
        label(unlabeled, seed_labels_file=everyone)
    codes = np.where(np.arange(len(unlabeled)) % 5 == 0, 1, -1)  # -1: a class, not "none"
    with pytest.raises(InvalidParameterError, match=r"\(-1 is read as a label, not as none\)"):
        label(unlabeled, seed_labels=codes)


def test_label_refuses_bad_seed_files(unlabeled, tmp_path):
    with pytest.raises(DataFileNotFoundError, match="--seed-labels-file"):
        label(unlabeled, seed_labels_file=tmp_path / "missing.csv")
    wrong = tmp_path / "wrong.csv"
    pd.DataFrame({"id": ["r0"], "topic": ["sport"]}).to_csv(wrong, index=False)
    with pytest.raises(UnreadableDataError, match="the columns row_id and label"):
        label(unlabeled, seed_labels_file=wrong)
    with pytest.raises(UnreadableDataError, match="not in the data"):
        label(unlabeled, seed_labels_file={"nope": "sport", "r1": "food"})
    twice = tmp_path / "twice.csv"
    pd.DataFrame(
        {
            "row_id": ["r0", "r20", "r0", "r40", "r40"],
            "label": ["sport", "food", "tech", "tech", "tech"],
        }
    ).to_csv(twice, index=False)
    message = r"1 row id of .* is given two or more labels \(e.g. \['r0'\]\)"
    with pytest.raises(UnreadableDataError, match=message):
        label(unlabeled, seed_labels_file=twice)


def test_seed_labels_from_a_column_and_files_together(unlabeled, tmp_path):
    frame = unlabeled.assign(topic=None)
    frame.loc[0, "topic"] = "sport"
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    # any column order, other columns ignored, empty labels skipped (a filled-in queue)
    pd.DataFrame({"rank": [1, 2, 3], "label": ["food", None, "sport"],
                  "row_id": ["r20", "r21", "r0"]}).to_csv(first, index=False)  # fmt: skip
    pd.DataFrame({"row_id": ["r40"], "label": ["tech"]}).to_csv(second, index=False)
    rows = label(frame, seed_labels="topic", seed_labels_file=[first, second]).rows
    rows = rows.set_index("row_id")
    given = rows[rows["label_source"] == "given"]
    assert dict(given["predicted_label"]) == {"r0": "sport", "r20": "food", "r40": "tech"}


def test_rows_labeled_other_beside_other_are_examples_of_no_topic(unlabeled, text_frame):
    """The to_label queue of a keyword run, filled in: rows of no topic are labeled `other`.
    The rows most like them fit no topic either, and are counted and explained so."""
    from siftkit.detectors.labeling import other_meaning, source_note

    seeds = {"r40": "other", "r41": "other", "r42": "other", "r0": "sport"}
    keywords = {k: v for k, v in KEYWORDS.items() if k != "tech"}
    run = label(unlabeled, keywords=keywords, seed_labels_file=seeds, other=True)
    rows, entry = run.rows, run.summary["labeling"]
    tech = (text_frame["label"] == "tech").to_numpy() & (rows["label_source"] != "given")
    assert (rows["predicted_label"][tech] == "other").mean() >= 0.9
    assert (rows["label_source"][rows["predicted_label"] == "other"]).isin(["other", "given"]).all()
    assert entry["n_other"] == (rows["label_source"] == "other").sum() >= 15
    assert entry["label_names"] is None or "other" not in entry["label_names"].get("words", {})
    assert source_note(entry).endswith("and 4 labeled rows, 3 of them `other`")
    assert "(4) it is most like the rows labeled `other`" in other_meaning(entry)


def test_seed_file_ids_are_read_as_written(unlabeled, tmp_path):
    frame = unlabeled.assign(id=[f"{i:03d}" for i in range(len(unlabeled))])
    seeds = tmp_path / "seeds.csv"
    seeds.write_text("row_id,label\n000,sport\n020,food\n040,tech\n", encoding="utf-8")
    rows = label(frame, seed_labels_file=seeds).rows
    assert list(rows["row_id"][rows["label_source"] == "given"]) == ["000", "020", "040"]


def test_seed_labels_that_clash_are_refused_with_both_sources(unlabeled, tmp_path):
    frame = unlabeled.assign(topic=None)
    frame.loc[0, "topic"] = "sport"
    seeds = tmp_path / "seeds.csv"
    pd.DataFrame({"row_id": ["r0", "r20"], "label": ["food", "food"]}).to_csv(seeds, index=False)
    with pytest.raises(
        UnreadableDataError,
        match=r"1 row given two different labels, from the "
        r"seed label column and .*seeds.csv \(e.g. row 'r0': 'sport' and 'food'",
    ):
        label(frame, seed_labels="topic", seed_labels_file=seeds)
    with pytest.raises(UnreadableDataError, match="from the seed labels given and .*seeds.csv"):
        label(unlabeled, seed_labels_file=[{"r0": "sport", "r40": "tech"}, seeds])
    # the same label twice is no clash: typed with a space, or 7 in a column and "7" in a file
    pd.DataFrame({"row_id": ["r0", "r0", "r40"], "label": ["sport ", "sport", "tech"]}).to_csv(
        seeds, index=False
    )
    rows = label(frame, seed_labels="topic", seed_labels_file=seeds).rows
    assert list(rows["predicted_label"][rows["label_source"] == "given"]) == ["sport", "tech"]
    codes = unlabeled.assign(topic=None)
    codes.loc[[0, 20], "topic"] = [7, 8]
    pd.DataFrame({"row_id": ["r0", "r40"], "label": ["7", "9"]}).to_csv(seeds, index=False)
    rows = label(codes, seed_labels="topic", seed_labels_file=seeds).rows
    assert (rows["label_source"] == "given").sum() == 3


def test_a_bad_keywords_dict_is_refused_before_embedding(unlabeled):
    with pytest.raises(UnreadableDataError, match="Topic 'food' in the keywords given"):
        label(unlabeled, keywords={"sport": ["football"], "food": []})


def test_topics_without_a_text_encoder_are_refused_before_any_work(unlabeled, monkeypatch):
    audit_module = importlib.import_module("siftkit.audit")
    monkeypatch.setattr(audit_module, "embed_dataset", lambda *a, **k: pytest.fail("embedded"))
    monkeypatch.setattr(audit_module, "build_graph", lambda *a, **k: pytest.fail("graph built"))
    numbers = pd.DataFrame({"size": np.arange(30.0), "weight": np.arange(30.0) % 7})
    with pytest.raises(InvalidParameterError, match=r"no text column \(columns: size, weight\)"):
        siftkit.label_rows(numbers, keywords=KEYWORDS, progress=False)
    with pytest.raises(InvalidParameterError, match=r"no text column \(an array of numbers\)"):
        siftkit.label_rows(numbers.to_numpy(), keywords=KEYWORDS, progress=False)
    vectors = np.random.default_rng(0).random((len(unlabeled), 8))
    with pytest.raises(InvalidParameterError, match="The keywords .* precomputed embeddings"):
        label(unlabeled, keywords=KEYWORDS, embeddings=vectors)
    seeds = np.where(np.arange(len(unlabeled)) < 3, "sport", None)
    with pytest.raises(InvalidParameterError, match="leave the keywords out and label from the"):
        label(unlabeled, keywords=KEYWORDS, embeddings=vectors, seed_labels=seeds)
    with pytest.raises(InvalidParameterError, match="The descriptions .* 'tabular' does not"):
        siftkit.label_rows(unlabeled, text="text", encoder="tabular", progress=False,
                           descriptions={"sport": "a match", "food": "a meal"})  # fmt: skip


def test_text_rows_are_joined_with_their_words_unless_told_not_to(unlabeled):
    joined = label(unlabeled, keywords=KEYWORDS).summary
    alone = label(unlabeled, keywords=KEYWORDS, words=False).summary
    assert joined["clusters"]["words_joined"] and joined["labeling"]["words_joined"]
    assert not alone["clusters"]["words_joined"] and not alone["labeling"]["words_joined"]
    found = siftkit.discover_categories(unlabeled, text="text", encoder="fake", progress=False,
                                        words=False)  # fmt: skip
    assert found.summary["clusters"]["words_joined"] is False


def test_discover_finds_the_categories(tmp_path):
    from sklearn.datasets import make_blobs
    from sklearn.metrics import adjusted_rand_score

    vectors, truth = make_blobs(300, n_features=8, centers=4, random_state=0)
    run = siftkit.discover_categories(vectors, progress=False, output=tmp_path / "run")
    assert run.summary["analyses"] == ["empty_rows", "clusters"]
    assert adjusted_rand_score(truth, run.rows["cluster"]) >= 0.95
    assert (tmp_path / "run" / "rows.parquet").exists()


def test_discover_one_text_row_gives_it_a_category():
    from siftkit.exceptions import ShrunkNeighborsWarning

    with pytest.warns(ShrunkNeighborsWarning, match="Only 1 row: each row can have at most 0 "):
        run = siftkit.discover_categories(pd.DataFrame({"text": ["one lonely row"]}),
                                          encoder="fake", progress=False)  # fmt: skip
    assert run.summary["clusters"]["status"] == "ok"  # the words' graph has no neighbours
    assert run.rows["cluster"].tolist() == [0]


def test_discover_takes_a_hint_and_keeps_labeled_rows_with_their_class():
    from sklearn.datasets import make_blobs

    vectors, truth = make_blobs(300, n_features=8, centers=4, random_state=0)
    labels = np.where(np.arange(300) % 3 == 0, truth.astype(str), None)
    run = siftkit.discover_categories(vectors, label=labels, n_clusters=(3, 5), progress=False)
    entry = run.summary["clusters"]
    assert list(entry["parameters"]["n_clusters"]) == [3, 5]
    assert entry["semi_supervised"]
    rows = run.rows
    labeled = pd.notna(labels)
    for value in np.unique(labels[labeled]):
        assert rows["cluster"][labeled & (labels == value)].nunique() == 1


def test_the_functions_do_not_hide_the_packages():
    import siftkit.discover
    import siftkit.label

    assert hasattr(siftkit.label, "TransductiveLabeler")
    assert hasattr(siftkit.discover, "CategoryDiscovery")
    assert callable(siftkit.label_rows) and callable(siftkit.discover_categories)
