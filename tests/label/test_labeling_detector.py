"""The ``labeling`` analysis: predicted labels from topics or from a partly labeled column."""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from labeling_data import (
    DESCRIPTIONS_YAML,
    KEYWORDS_YAML,
    MUSIC_WORDS,
    TOPIC_WORDS,
    texts,
    topic_frame,
    with_rows,
    write,
)

import siftkit
from siftkit.detectors import labeling as labeling_analysis
from siftkit.detectors.labeling import (
    OTHER_HINT_SHARE,
    Labeling,
    absent_hint,
    confidence_note,
    doubtful_topics,
    keyword_uptake,
    labeling_notes,
    other_hint,
    other_meaning,
)
from siftkit.exceptions import DetectorFailedWarning, InvalidParameterError, UnreadableDataError
from siftkit.label.presence import TopicPresence
from siftkit.label.topics import keyword_mentions, naming_rows


@pytest.fixture(scope="module")
def topics() -> pd.DataFrame:
    return topic_frame()


@pytest.fixture
def keywords(tmp_path) -> str:
    return write(tmp_path / "topics.yaml", KEYWORDS_YAML)


def label(frame: pd.DataFrame, *, label=False, **params):  # noqa: ANN001, ANN003, ANN201
    result = siftkit.audit(
        frame, text="text", id="id", label=label, encoder="fake", detectors=[Labeling(**params)],
        allow_missing_labels=True, progress=False,
    )  # fmt: skip
    return result.rows, result.summary["labeling"]


def test_keywords_label_every_row(topics, keywords) -> None:
    rows, entry = label(topics, keywords=keywords)
    assert entry["status"] == "ok"
    for column in ("predicted_label", "label_confidence", "label_source"):
        assert column in rows.columns
    assert (rows["label_source"] == "keywords").all()
    assert (rows["predicted_label"] == topics["topic"]).all()
    assert rows["label_confidence"].between(0, 1).all()
    assert entry["source"] == "keywords"
    assert entry["classes"] == ["cats", "boats", "space"]
    assert entry["predicted_counts"] == {"boats": 20, "cats": 20, "space": 20}
    assert entry["n_given"] == 0 and entry["n_predicted"] == 60
    assert entry["n_other"] == entry["n_abstained"] == 0


def test_descriptions_label_every_row(topics, tmp_path) -> None:
    rows, entry = label(topics, descriptions=write(tmp_path / "d.yaml", DESCRIPTIONS_YAML))
    assert (rows["label_source"] == "descriptions").all()
    assert (rows["predicted_label"] == topics["topic"]).all()
    assert entry["source"] == "descriptions"


def test_a_partly_labeled_column_seeds_the_rest(topics) -> None:
    frame = topics.copy()
    frame["label"] = frame["topic"].where(np.arange(len(frame)) % 10 == 0)
    given = frame["label"].notna().to_numpy()
    rows, entry = label(frame, label="label")
    assert (rows["label_source"][given] == "given").all()
    assert (rows["label_source"][~given] == "propagated").all()
    assert (rows["predicted_label"][given] == frame["label"][given]).all()
    assert (rows["label_confidence"][given] == 1.0).all()
    assert (rows["predicted_label"] == frame["topic"]).mean() >= 0.95
    assert entry["source"] == "propagated"
    assert entry["n_given"] == given.sum() and entry["n_predicted"] == (~given).sum()


def test_given_labels_seed_their_topic_and_add_the_classes_no_topic_names(topics, keywords) -> None:
    frame = with_rows(topics, texts(MUSIC_WORDS, 12, np.random.default_rng(5)), "music")
    frame["label"] = None
    music = np.flatnonzero(frame["topic"] == "music")
    frame.loc[[0, *music[:2]], "label"] = ["cats", "music", "music"]
    rows, entry = label(frame, label="label", keywords=keywords)
    assert entry["classes"] == ["cats", "boats", "space", "music"]
    assert entry["seed_classes"] == ["music"] and entry["n_given"] == 3
    assert list(rows["label_source"][[0, *music[:2]]]) == ["given"] * 3
    predicted = rows.drop([0, *music[:2]])
    from_topics = predicted["predicted_label"] != "music"
    assert (predicted["label_source"][from_topics] == "keywords").all()
    assert (predicted["label_source"][~from_topics] == "propagated").all() and (~from_topics).any()
    assert (rows["predicted_label"] == frame["topic"]).all()


def test_a_label_written_another_way_than_its_topic_seeds_it(topics, keywords) -> None:
    """'Cats' and 'BOATS' labeled two rows of classes of their own, beside the topics
    `cats` and `boats` (a run with ten such labels had 13 classes for 10 categories)."""
    frame = topics.copy()
    frame["label"] = None
    boats = np.flatnonzero(frame["topic"] == "boats")[0]
    frame.loc[[0, boats], "label"] = ["Cats", "BOATS"]
    rows, entry = label(frame, label="label", keywords=keywords)
    assert entry["classes"] == ["cats", "boats", "space"] and entry["seed_classes"] == []
    assert list(rows["predicted_label"][[0, boats]]) == ["cats", "boats"]
    assert entry["n_given"] == 2


def test_complete_labels_and_no_topics_leave_nothing_to_do(topics) -> None:
    rows, entry = label(topics, label="topic")
    assert entry["status"] == "skipped"
    assert "nothing to label: every row has a label already" in entry["reason"]
    assert "predicted_label" not in rows.columns


def test_use_labels_never_ignores_the_labeled_rows(topics) -> None:
    frame = topics.copy()
    frame["label"] = frame["topic"].where(np.arange(len(frame)) % 10 == 0)
    _, entry = label(frame, label="label", use_labels="never")
    assert entry["status"] == "skipped" and "nothing to label from" in entry["reason"]


def test_keywords_and_descriptions_together_are_refused(keywords) -> None:
    detector = Labeling(keywords=keywords, descriptions=keywords)
    with pytest.raises(InvalidParameterError, match="keywords or as descriptions, not both"):
        detector.check_params()


def test_a_bad_topics_file_fails_before_anything_runs(topics, tmp_path) -> None:
    bad = write(tmp_path / "bad.yaml", "cats: [cat]\n")
    with pytest.raises(UnreadableDataError, match="bad.yaml"):
        Labeling(keywords=bad).check_params()


def test_topics_need_a_text_encoder(tmp_path, keywords) -> None:
    vectors = np.random.default_rng(0).normal(size=(30, 8)).astype(np.float32)
    result = siftkit.audit(vectors, detectors=[Labeling(keywords=keywords)], progress=False)
    entry = result.summary["labeling"]
    assert entry["status"] == "skipped" and "need a text encoder" in entry["reason"]


def test_other_marks_rows_of_no_topic(topics, keywords) -> None:
    music = texts(MUSIC_WORDS, 4, np.random.default_rng(3))
    frame = with_rows(topics, music, "music")
    plain, _ = label(frame, keywords=keywords)
    assert (plain["label_source"] == "keywords").all()  # without `other`, a topic each
    rows, entry = label(frame, keywords=keywords, other=True)
    is_music = (frame["topic"] == "music").to_numpy()
    assert (rows["predicted_label"][is_music] == "other").all()
    assert (rows["label_source"][is_music] == "other").all()
    assert (rows["predicted_label"][~is_music] == frame["topic"][~is_music]).all()
    assert entry["n_other"] == 4 and entry["predicted_counts"]["other"] == 4
    assert entry["other_rule"] == "topics"


def test_other_marks_categories_no_topic_claims_when_they_are_most_rows(topics, tmp_path) -> None:
    music = texts(MUSIC_WORDS, 40, np.random.default_rng(3))
    frame = with_rows(topics, music, "music")  # keywords for 2 topics; 60 of 100 rows fit none
    two = write(tmp_path / "two.yaml", "cats: [cat, kitten, purr]\nboats: [boat, sail, harbor]\n")
    rows, entry = label(frame, keywords=two, other=True)
    named = frame["topic"].isin(["cats", "boats"]).to_numpy()
    assert (rows["predicted_label"][named] == frame["topic"][named]).all()
    assert (rows["predicted_label"][~named] == "other").mean() >= 0.9
    assert entry["other_rule"] == "topics"
    assert entry["n_fit_no_class"] == entry["n_other"]
    assert other_hint(entry) is None  # `other` was asked for

    # without `other` every row takes a topic, and the summary counts the rows that fit none
    plain, without = label(frame, keywords=two)
    assert (plain["label_source"] == "keywords").all()
    assert without["n_other"] == 0 and without["other_rule"] is None
    assert without["n_fit_no_class"] == entry["n_other"]
    hint = other_hint(without)
    assert hint is not None and hint.startswith(f"{entry['n_other']} of the 100 rows predicted")
    assert "fit no topic" in hint and "--other" in hint
    assert "halved for the rows of categories no topic claims" in hint
    assert "halved" not in other_hint(without | {"confidence_calibrated": True})
    # the music rows keep a topic at even odds that they belong to one: half the confidence
    # `other` leaves them (their closest topic's, as sure as ever that it is the closest)
    unclaimed = rows["label_source"].eq("other").to_numpy()
    np.testing.assert_allclose(
        plain["label_confidence"][unclaimed], 0.5 * rows["label_confidence"][unclaimed]
    )
    np.testing.assert_allclose(plain["label_confidence"][named], rows["label_confidence"][named])
    assert plain["label_confidence"][unclaimed].max() <= 0.5
    strict, _ = label(frame, keywords=two, min_confidence=0.6)
    assert (strict["label_source"][unclaimed] == "abstained").all()


def test_one_topic_with_other_tells_its_rows_from_the_rest(topics, tmp_path) -> None:
    one = write(tmp_path / "one.yaml", "boats: [boat, sail, harbor]\n")
    with pytest.raises(UnreadableDataError, match="or one topic with `--other`"):
        label(topics, keywords=one)
    rows, entry = label(topics, keywords=one, other=True)
    boats = (topics["topic"] == "boats").to_numpy()
    assert (rows["predicted_label"][boats] == "boats").all()
    assert (rows["predicted_label"][~boats] == "other").all()
    assert entry["classes"] == ["boats"] and entry["n_other"] == 40
    # a row is as sure of the verdict as its neighbours share it: here they all do
    assert rows["label_confidence"].min() > 0.999 and entry["mean_confidence"] > 0.999
    assert confidence_note(entry).startswith("one topic: the share of a row's neighbours")


def test_one_topic_rows_between_it_and_the_rest_are_less_sure(topics, tmp_path) -> None:
    one = write(tmp_path / "one.yaml", "boats: [boat, sail, harbor]\n")
    rng = np.random.default_rng(4)
    boats, space = texts(TOPIC_WORDS["boats"], 6, rng, 3), texts(TOPIC_WORDS["space"], 6, rng, 3)
    between = [f"{a} {b}" for a, b in zip(boats, space, strict=True)]
    frame = with_rows(topics, between, "between")
    rows, entry = label(frame, keywords=one, other=True)
    confidence = rows["label_confidence"].to_numpy()
    is_between = (frame["topic"] == "between").to_numpy()
    assert confidence.min() >= 0.0 and confidence.max() <= 1.0
    assert confidence[is_between].max() < confidence[~is_between].min()
    assert entry["mean_confidence"] == round(confidence.mean(), 4)
    # the threshold reads that confidence: the rows between abstain, the rest keep theirs
    threshold = float(confidence[~is_between].min())
    rows, entry = label(frame, keywords=one, other=True, min_confidence=threshold)
    abstained = (rows["label_source"] == "abstained").to_numpy()
    assert (abstained == is_between).all() and rows["predicted_label"][abstained].isna().all()
    assert entry["n_abstained"] == is_between.sum() and entry["n_other"] == 40


def test_a_keyword_topic_the_data_does_not_hold_is_named_and_with_other_takes_no_rows(
    topics, keywords, tmp_path
) -> None:
    music = " ".join(MUSIC_WORDS[:3])
    one = write(tmp_path / "one.yaml", f"music: [{music.replace(' ', ', ')}]\n")
    rows, entry = label(topics, keywords=one, other=True)
    assert entry["absent_topics"] == ["music"] and entry["topic_presence"]["music"] < 0.02
    assert (rows["predicted_label"] == "other").all() and entry["n_other"] == len(topics)
    assert entry["n_absent_topic_rows"] == len(topics)
    (note,) = labeling_notes(entry)
    assert note.startswith("`music` may not be in the data: its keywords come no nearer")
    assert "labeled `other`" in note
    assert other_meaning(entry).endswith("(4) its closest topic is one the data may not hold")

    mixed = KEYWORDS_YAML + f"music: [{music.replace(' ', ', ')}]\n"
    path = write(tmp_path / "mixed.yaml", mixed)
    rows, entry = label(topics, keywords=path)
    assert entry["absent_topics"] == ["music"]
    assert set(entry["topic_presence"]) == {"cats", "boats", "space", "music"}
    assert min(entry["topic_presence"][t] for t in ("cats", "boats", "space")) > 0.5
    took = int((rows["predicted_label"] == "music").sum())
    assert entry["n_absent_topic_rows"] == took == 0  # the held topics are all nearer
    assert labeling_notes(entry)[0].endswith("; no row took it as its closest topic")
    with_other, entry = label(topics, keywords=path, other=True)
    assert not (with_other["predicted_label"] == "music").any()
    _, plain = label(topics, keywords=keywords, other=True)
    assert "may not hold" not in other_meaning(plain)
    assert "random sets of common words" in other_meaning(plain)
    assert other_meaning({"other_rule": None}) is None
    kept = (rows["predicted_label"] != "music").to_numpy()
    assert (with_other["predicted_label"][kept] == rows["predicted_label"][kept]).all()


def test_a_doubtful_topic_is_named_with_why_and_the_topic_its_rows_rank_next() -> None:
    # topic 1 comes near the rows less than 10% of random topics do; topic 3 near enough,
    # but most of the rows closest to it fit it no better than random topics
    measured = SimpleNamespace(presence=np.array([1.0, 0.068, 0.01, 0.5]))
    measured.doubtful = partial(TopicPresence.doubtful, measured)
    codes = np.array([1] * 4 + [3] * 12 + [0] * 4)
    unfit = np.zeros(20, dtype=bool)
    unfit[4:11] = True  # 7 of topic 3's 12 rows
    proba = np.full((20, 4), 0.1)
    proba[np.arange(20), codes] = 0.6
    proba[:3, 0] = 0.2  # three of topic 1's rows rank topic 0 next, one topic 2
    proba[3, 2] = 0.2
    classes = np.array(["computers", "cryptocurrency", "absent", "weather"], dtype=object)
    judged = np.ones(20, dtype=bool)
    labeled = judged & ~unfit  # with `other`, the unfit rows left their topic
    crypto, weather = doubtful_topics(measured, unfit, judged, labeled, codes, proba, classes)
    assert crypto == {"topic": "cryptocurrency", "presence": 0.068, "closest": 4,
                      "unfit_share": 0.0, "rows": 4, "instead": "computers",
                      "instead_rows": 3}  # fmt: skip
    assert weather["closest"] == 12 and weather["unfit_share"] == round(7 / 12, 3)
    assert weather["rows"] == 5
    unfit[10] = False  # 6 of 12: still half
    assert len(doubtful_topics(measured, unfit, judged, labeled, codes, proba, classes)) == 2
    unfit[9] = False
    assert len(doubtful_topics(measured, unfit, judged, labeled, codes, proba, classes)) == 1
    entry = {
        "source": "keywords",
        "predicted_counts": {},
        "n_predicted": 20,
        "doubtful_topics": [crypto, weather, {**weather, "topic": "none", "rows": 0}],
    }
    notes = labeling_notes(entry)[0].split("; `")
    assert len(notes) == 2  # a topic left without rows is not named
    assert notes[0].startswith(
        "`cryptocurrency` may not be in the data: it comes nearer the "
        "rows than only 7% of random sets of common words do"
    )
    assert "Of the 4 rows labeled with it, 3 rank `computers` next" in notes[0]
    assert "predicted_label = 'cryptocurrency'" in notes[0] and "sift query RUN " in notes[0]
    assert '(`sift query runs/fortunes "select text' in labeling_notes(entry, "runs/fortunes")[0]
    assert notes[1].startswith(
        "weather` may hold far fewer rows than took it: 58% of the "
        "12 rows closest to it (outside the categories no topic claims) are no nearer it than "
        "most random sets of common words"
    )
    # a topic alone (with `other`) ranks no topic next
    alone = SimpleNamespace(presence=np.array([0.05]))
    alone.doubtful = partial(TopicPresence.doubtful, alone)
    (topic,) = doubtful_topics(alone, np.zeros(3, dtype=bool), np.ones(3, dtype=bool),
                               np.ones(3, dtype=bool), np.zeros(3, dtype=np.int64),
                               np.ones((3, 1)), np.array(["animal"], dtype=object))  # fmt: skip
    assert "instead" not in topic
    (note,) = labeling_notes({"source": "keywords", "n_predicted": 3, "doubtful_topics": [topic]})
    assert "Read its 3 rows before trusting them" in note


def test_rows_naming_one_topics_keywords_alone_say_whether_it_took_them() -> None:
    texts = [
        "The lawyer won.", "A court jester", "Courtship is sweet", "Dog and cat",
        "A dog's day in court", "LAW school", "nothing here", "the judge", "a cat",
    ]  # fmt: skip
    keywords = [["law", "lawyer", "court", "judge"], ["dog", "cat"]]
    mentions = keyword_mentions(texts, keywords)
    assert naming_rows(mentions).tolist() == [0, 0, -1, 1, -1, 0, -1, 0, 1]
    codes = np.array([0, 1, 1, 1, 0, 1, 0, 1, 1])  # law took 1 of its 4 rows, pets both
    uptake = keyword_uptake(texts, keywords, codes, np.ones(9, dtype=bool), random_state=0)
    assert uptake == {"read": 9, "rows": [4, 2], "took": [1, 2], "named": [5, 3],
                      "keywords": keywords}  # fmt: skip
    assert keyword_uptake(texts, keywords, codes, np.arange(9) < 3, 0)["rows"] == [2, 0]
    entry = {"source": "keywords", "classes": ["law", "pets"], "n_predicted": 9,
             "keyword_uptake": {"read": 9, "rows": [40, 30], "took": [10, 27]}}  # fmt: skip
    (note,) = labeling_notes(entry)
    assert note.startswith(
        "`law` may be narrower than its keywords: of the 40 rows that name "
        "them and no other topic's, 10 took it (25%; the other topic 90%)"
    )
    entry["keyword_uptake"] = {"read": 9, "rows": [9, 30], "took": [0, 27]}  # too few to tell
    assert labeling_notes(entry) == []


def test_a_category_whose_rows_name_a_topics_keywords_is_not_other() -> None:
    """Templated rows (nine sentences, each its own category): the sentence naming `goal`
    lies far from the rows `match` and `team` found, yet names a sport keyword: sport, not
    other; the sentences naming no keyword stay other."""
    sentences = {
        "The team won the match": "sport", "A goal in the final minute": "sport",
        "The runner broke the record": "other", "Bake the bread for an hour": "cooking",
        "Chop the onions finely": "other", "Stocks fell on inflation fears": "other",
        "The bank raised interest rates": "other", "Bond yields climbed again": "other",
        "Add salt and simmer the sauce": "other",
    }  # fmt: skip
    frame = pd.DataFrame({"text": [f"{s} ({i})" for s in sentences for i in range(30)]})
    frame["id"] = range(len(frame))
    keywords = {"sport": ["match", "goal", "team"], "cooking": ["recipe", "bake"]}
    result = siftkit.audit(
        frame, text="text", id="id", label=False, encoder="tfidf",
        detectors=[Labeling(keywords=keywords, other=True)], allow_missing_labels=True,
        progress=False,
    )  # fmt: skip
    expected = [label for label in sentences.values() for _ in range(30)]
    assert result.rows["predicted_label"].tolist() == expected


def test_keywords_are_found_in_text_written_without_spaces_and_beside_symbols() -> None:
    texts = ["球队赢得了比赛", "用Python编程", "c++ rocks", "courtship", "a court"]
    mentions = keyword_mentions(texts, [["比赛", "court"], ["python", "c++"]])
    assert mentions.astype(int).tolist() == [[1, 0], [0, 1], [0, 1], [0, 0], [1, 0]]


def test_a_topic_no_row_names_a_keyword_of_is_named() -> None:
    """A misspelt or made-up keyword still embeds (the tokenizer knows its pieces), so the
    topic takes the rows nearest it: the note says no row uses its words."""
    uptake = {"read": 440, "rows": [120, 0], "took": [100, 0], "named": [150, 0],
              "keywords": [["network", "internet"], ["qwzxv", "flurbish"]]}  # fmt: skip
    entry = {
        "source": "keywords",
        "classes": ["networking", "zzz"],
        "n_predicted": 440,
        "predicted_counts": {"networking": 383, "zzz": 57},
        "keyword_uptake": uptake,
    }
    (note,) = labeling_notes(entry)
    assert note.startswith("no row names a keyword of `zzz` (qwzxv, flurbish; 57 rows)")
    entry["predicted_counts"]["zzz"] = 0  # took nothing: nothing to say
    assert labeling_notes(entry) == []
    entry["predicted_counts"]["zzz"] = 57
    entry["absent_topics"] = ["zzz"]  # its own note says so already
    entry["topic_presence"] = {"networking": 1.0, "zzz": 0.01}
    entry["n_absent_topic_rows"] = 57
    assert not any(note.startswith("no row names") for note in labeling_notes(entry))


def test_a_keyword_given_for_several_topics_is_named() -> None:
    keywords = [["code", "Function"], ["theorem", "function"], ["disk", "code"]]
    uptake = {"read": 440, "rows": [120, 90, 60], "took": [100, 80, 50], "named": [150, 99, 70],
              "keywords": keywords}  # fmt: skip
    entry = {
        "source": "keywords",
        "classes": ["programming", "mathematics", "storage"],
        "n_predicted": 440,
        "predicted_counts": {"programming": 200, "mathematics": 140, "storage": 100},
        "keyword_uptake": uptake,
    }
    (note,) = labeling_notes(entry)
    assert note.startswith(
        "the keywords `code` (`programming` and `storage`), `function` (`programming` and "
        "`mathematics`) are given for several topics"
    )
    uptake["keywords"] = [["code"], ["theorem"], ["disk"]]
    assert labeling_notes(entry) == []


def test_a_description_the_data_does_not_hold_is_named_and_with_other_takes_no_rows(
    topics, tmp_path
) -> None:
    """Descriptions are measured against rewordings of themselves (random common words in
    place of theirs): a sentence about music beside rows about cats, boats and space."""
    music = f"music: a {MUSIC_WORDS[0]} and a {MUSIC_WORDS[1]} and a {MUSIC_WORDS[2]}\n"
    path = write(tmp_path / "descriptions.yaml", DESCRIPTIONS_YAML + music)
    rows, entry = label(topics, descriptions=path)
    assert entry["absent_topics"] == ["music"]
    assert min(entry["topic_presence"][t] for t in ("cats", "boats", "space")) > 0.5
    note = next(n for n in labeling_notes(entry) if n.startswith("`music`"))
    assert "its description comes no nearer the rows than rewordings of it with random" in note
    with_other, entry = label(topics, descriptions=path, other=True)
    assert not (with_other["predicted_label"] == "music").any()
    assert "rewordings of their description with random common words" in other_meaning(entry)
    kept = (rows["predicted_label"] != "music").to_numpy()
    assert (with_other["predicted_label"][kept] == rows["predicted_label"][kept]).mean() > 0.9


def test_topics_whose_words_the_encoder_does_not_know_are_left_out(topics) -> None:
    def run(keywords, other=False):  # noqa: ANN001, ANN202
        return siftkit.audit(
            topics, text="text", id="id", label=False, encoder="tfidf",
            detectors=[Labeling(keywords=keywords, other=other)], progress=False,
        ).summary["labeling"]  # fmt: skip

    # tfidf knows the rows' words only: "warp" and "nebula" embed to nothing
    entry = run({"cats": ["cat", "kitten"], "boats": ["boat", "sail"], "far": ["warp", "nebula"]})
    assert entry["status"] == "ok" and entry["unknown_topics"] == ["far"]
    assert entry["classes"] == ["cats", "boats"] and "far" not in entry["predicted_counts"]
    assert "far" not in entry["topic_presence"]
    assert labeling_notes(entry)[0].startswith("The encoder knows none of the words of `far`")
    with pytest.warns(DetectorFailedWarning, match="knows none of the words"):
        failed = run({"far": ["warp", "nebula"], "farther": ["quasar"]})
    assert failed["status"] == "failed" and "knows none of the words" in failed["error"]
    # one known topic left: every row would take it, unless `other` tells its rows apart
    with pytest.warns(DetectorFailedWarning, match="knows the words of one topic only, `cats`"):
        failed = run({"cats": ["cat", "kitten"], "far": ["warp", "nebula"]})
    assert "`--other`" in failed["error"]
    alone = run({"cats": ["cat", "kitten"], "far": ["warp", "nebula"]}, other=True)
    assert alone["status"] == "ok" and set(alone["predicted_counts"]) == {"cats", "other"}


def test_rows_no_nearer_their_topic_than_random_words_fit_no_topic(
    topics, keywords, monkeypatch
) -> None:
    # which rows those are is tested with siftkit.label.presence; here, what becomes of them
    asked = {}

    def unfit(rows, centers, nulls, assigned, quantile):  # noqa: ANN001, ANN202, ARG001
        asked.update(centers=centers, nulls=nulls, assigned=assigned)
        return assigned == 1  # the boats rows

    monkeypatch.setattr("siftkit.label.presence.unfit_rows", unfit)
    rows, entry = label(topics, keywords=keywords, other=True)
    boats = (topics["topic"] == "boats").to_numpy()
    assert (rows["predicted_label"][boats] == "other").all() and entry["n_other"] == boats.sum()
    # each topic against random sets of as many words as it has keywords (3, 3, 2)
    assert asked["centers"].shape[0] == 3 and len(asked["nulls"]) == 3
    assert asked["nulls"][0] is asked["nulls"][1] and asked["nulls"][2] is not asked["nulls"][0]
    _, entry = label(topics, keywords=keywords)
    assert entry["n_fit_no_class"] == boats.sum() and entry["n_other"] == 0


def test_no_hint_when_the_topics_cover_the_rows(topics, keywords) -> None:
    _, entry = label(topics, keywords=keywords)
    assert entry["n_fit_no_class"] <= OTHER_HINT_SHARE * entry["n_predicted"]
    assert other_hint(entry) is None


def test_other_marks_rows_of_a_class_nobody_labeled(topics) -> None:
    frame = topics.copy()
    seeded = frame["topic"].isin(["cats", "boats"]) & (np.arange(len(frame)) % 2 == 0)
    frame["label"] = frame["topic"].where(seeded)  # 10 of each; nobody labeled "space"
    rows, entry = label(frame, label="label", other=True)
    is_space = (frame["topic"] == "space").to_numpy()
    assert (rows["predicted_label"][is_space] == "other").mean() >= 0.9
    known = ~is_space & ~seeded.to_numpy()
    assert (rows["predicted_label"][known] == frame["topic"][known]).mean() >= 0.9
    assert entry["n_other"] == (rows["label_source"] == "other").sum()
    assert entry["other_rule"] == "reach"
    assert entry["metric_learned"] is False  # a few dozen rows are too few to learn it from
    assert entry["confused_classes"] == []  # the walk parts cats from boats


def test_other_marks_the_categories_no_class_claims_beside_the_rows_out_of_reach() -> None:
    """A class nobody labeled beside a labeled one: the walk from the labeled rows reaches
    into part of it, but found without the labels it is a category of its own, which neither
    labeled class claims (over four draws the reach alone found 86% of its rows)."""
    found, wrong = [], []
    for seed in range(4):
        rng = np.random.default_rng(seed)
        codes = np.repeat([0, 1, 2], 60)
        axes = np.eye(8)
        centers = np.array([axes[0], axes[1], 0.7 * axes[0] + 0.51**0.5 * axes[2]])
        vectors = (centers[codes] * 5 + rng.normal(size=(180, 8))).astype(np.float32)
        given = np.full(180, None, dtype=object)
        for code, name in ((0, "ant"), (1, "bee")):  # 3 labeled rows each; none of class 2
            given[rng.choice(np.flatnonzero(codes == code), 3, replace=False)] = name
        result = siftkit.audit(
            pd.DataFrame({"label": given}), embeddings=vectors, label="label",
            detectors=[Labeling(other=True)], allow_missing_labels=True, progress=False,
        )  # fmt: skip
        assert result.summary["labeling"]["other_rule"] == "reach"
        other = (result.rows["predicted_label"] == "other").to_numpy()
        found.append(other[codes == 2].mean())
        wrong.append(other[(codes < 2) & pd.isna(given)].mean())
    assert np.mean(found) >= 0.93
    assert np.mean(wrong) <= 0.05


def test_numeric_classes_beside_other_are_written_as_text(topics, tmp_path) -> None:
    frame = topics.copy()
    seeded = frame["topic"].isin(["cats", "boats"]) & (frame.groupby("topic").cumcount() < 5)
    frame["label"] = frame["topic"].map({"cats": 1, "boats": 2}).where(seeded)  # 1.0, NaN
    result = siftkit.audit(
        frame, text="text", id="id", label="label", encoder="fake", output=tmp_path / "run",
        detectors=[Labeling(other=True)], allow_missing_labels=True, progress=False,
    )  # fmt: skip
    written = pd.read_parquet(tmp_path / "run" / "rows.parquet")["predicted_label"]
    assert set(written) == {"1", "2", "other"}
    assert (written[(frame["topic"] == "space").to_numpy()] == "other").all()
    assert result.summary["labeling"]["predicted_counts"].keys() == {"1", "2", "other"}
    without, _ = label(frame, label="label")  # no `other`: the classes keep their type
    assert set(without["predicted_label"]) == {1, 2}


def test_numeric_classes_with_abstentions_read_back_as_whole_numbers(topics, tmp_path) -> None:
    """Classes 0, 1, 2 beside abstained rows: the run read back (explorer, queries, the
    cleaned dataset) shows ``1``, not the ``1.0`` of a float column."""
    from siftkit.edits import cleaned_dataset
    from siftkit.label.more_like import more_like_these
    from siftkit.label.next import rows_to_label

    rng = np.random.default_rng(5)
    mixed = [" ".join([*rng.choice(TOPIC_WORDS["cats"], 3), *rng.choice(TOPIC_WORDS["boats"], 3)])
             for _ in range(6)]  # rows between two classes: abstained  # fmt: skip
    frame = with_rows(topics, mixed, "mixed")
    classes = {topic: code for code, topic in enumerate(sorted(topics["topic"].unique()))}
    seeded = frame.groupby("topic").cumcount() < 5
    frame["label"] = frame["topic"].map(classes).where(seeded & (frame["topic"] != "mixed"))
    # five labels per class: the confidence is calibrated, the rows between classes near 0.98
    siftkit.audit(
        frame, text="text", id="id", label="label", encoder="fake", output=tmp_path / "run",
        detectors=[Labeling(min_confidence=0.9995)], allow_missing_labels=True, progress=False,
    )  # fmt: skip
    run = siftkit.open(tmp_path / "run")
    predicted = run.rows["predicted_label"]
    assert (run.rows["label_source"] == "abstained").any() and predicted.isna().any()
    assert str(predicted.dtype) == "Int64" and set(predicted.dropna()) == set(classes.values())
    assert str(cleaned_dataset(run)["predicted_label"].dtype) == "Int64"
    ranked = more_like_these(run, run.rows["row_id"].head(2).tolist(), top=None)["predicted_label"]
    assert str(ranked.dtype) == "Int64" and ranked.isna().any()
    assert str(rows_to_label(run, 10)["predicted_label"].dtype) == "Int64"


def test_the_categories_without_the_labels_are_found_only_for_other(topics, monkeypatch) -> None:
    """Beside a partly labeled column they cost a second discovery: the count that hints at
    `other` does without them."""
    calls = []
    found = labeling_analysis.categories_without_labels
    monkeypatch.setattr(labeling_analysis, "categories_without_labels",
                        lambda context: calls.append(1) or found(context))  # fmt: skip
    frame = topics.copy()
    frame["label"] = frame["topic"].where(np.arange(len(frame)) % 4 == 0)  # 5 of each class
    label(frame, label="label")
    assert not calls
    _, entry = label(frame, label="label", other=True)
    assert calls and entry["other_rule"] == "reach"


def test_min_confidence_abstains_on_rows_between_topics(topics, keywords) -> None:
    rng = np.random.default_rng(5)
    mixed = [" ".join([*rng.choice(TOPIC_WORDS["cats"], 3), *rng.choice(TOPIC_WORDS["boats"], 3)])
             for _ in range(6)]  # fmt: skip
    frame = with_rows(topics, mixed, "mixed")
    is_mixed = (frame["topic"] == "mixed").to_numpy()
    confidence = label(frame, keywords=keywords)[0]["label_confidence"].to_numpy()
    # the rows between topics are the least sure (their neighbours, of one topic each, lift
    # them toward their own confidence: 0.73-0.81 against 0.84 and more)
    assert confidence[is_mixed].max() < confidence[~is_mixed].min()
    threshold = 0.5 * (confidence[is_mixed].max() + confidence[~is_mixed].min())
    rows, entry = label(frame, keywords=keywords, min_confidence=threshold)
    abstained = (rows["label_source"] == "abstained").to_numpy()
    np.testing.assert_array_equal(abstained, is_mixed)
    np.testing.assert_array_equal(abstained, rows["label_confidence"] < threshold)
    assert rows["predicted_label"][abstained].isna().all()
    assert rows["predicted_label"][~abstained].notna().all()
    assert entry["n_abstained"] == abstained.sum()
    assert sum(entry["predicted_counts"].values()) == len(frame) - abstained.sum()


def test_text_rows_are_labeled_from_their_words_too() -> None:
    """Embeddings that tell the topics apart poorly (a topic direction in noise), texts that
    tell them apart: with the words joined (the default) more rows get their topic than
    with ``words=False``, which labels from the embeddings alone."""
    frame = topic_frame(per_topic=60)
    rng = np.random.default_rng(4)
    codes = frame["topic"].astype("category").cat.codes.to_numpy()
    signal = np.eye(3)[codes] + rng.normal(size=(len(frame), 3))
    vectors = np.hstack([signal, rng.normal(size=(len(frame), 13))]).astype(np.float32)
    frame["label"] = frame["topic"].where(np.arange(len(frame)) % 10 == 0)

    def accuracy(**params):  # noqa: ANN003, ANN202
        run = siftkit.audit(
            frame, embeddings=vectors, text="text", id="id", label="label",
            detectors=[Labeling(**params)], allow_missing_labels=True, progress=False,
        )  # fmt: skip
        entry = run.summary["labeling"]
        return (run.rows["predicted_label"] == frame["topic"]).mean(), entry["words_joined"]

    joined, with_words = accuracy()
    alone, without = accuracy(words=False)
    assert with_words and not without
    assert joined >= alone + 0.05  # 0.68 against 0.56


def test_vectors_without_texts_are_labeled_from_the_vectors(topics) -> None:
    vectors = np.random.default_rng(0).normal(size=(30, 8)).astype(np.float32)
    labels = np.where(np.arange(30) % 5 == 0, np.arange(30) % 2, -1).astype(float)
    labels[labels < 0] = np.nan
    result = siftkit.audit(
        pd.DataFrame({"label": labels}), embeddings=vectors, label="label",
        detectors=[Labeling()], allow_missing_labels=True, progress=False,
    )  # fmt: skip
    assert result.summary["labeling"]["words_joined"] is False


def test_confidence_note_names_the_classes_short_of_labeled_rows() -> None:
    entry = {
        "confidence_calibrated": False, "classes": list("abcdefgh"), "source": "propagated",
        "given_counts": {"a": 5, "b": 2, "c": 1, "d": 0, "e": 1, "f": 2, "g": 1, "h": 3},
    }  # fmt: skip
    note = confidence_note(entry)
    assert "(6 of 8 classes have fewer: b (2), c (1), d (0), e (1), f (2) and 1 more)" in note
    entry["given_counts"] = None  # a run folder written before the counts were kept
    assert "classes have fewer" not in confidence_note(entry)


def test_an_absent_topic_s_note_says_what_became_of_its_rows() -> None:
    entry = {
        "absent_topics": ["place"], "topic_presence": {"place": 0.0}, "n_absent_topic_rows": 0,
        "source": "keywords", "other_rule": None,
    }  # fmt: skip
    note = absent_hint(entry)
    assert note.endswith("; no row took it as its closest topic") and "--other" not in note
    entry["n_absent_topic_rows"] = 3
    assert absent_hint(entry).endswith(
        ". 3 rows took it as their closest topic all the same; `sift label DATA --other` labels "
        "them `other` (Python: `label_rows(..., other=True)`)"
    )
