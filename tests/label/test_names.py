"""Class names read as words: their text, the test that they fit the labeled rows, and the
``labeling`` analysis using them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from toy_data import class_words, named_frame

import siftkit
from siftkit.detectors.labeling import Labeling, source_note
from siftkit.label.names import (
    MIN_NAMED_CLASSES,
    NAME_TEST_DEALINGS,
    name_texts,
    names_fit,
    with_names,
)


@pytest.mark.parametrize(
    ("classes", "texts_"),
    [
        (["noun.animal", "noun.plant"], ["animal", "plant"]),
        (["Sports", "World_News"], ["sports", "world news"]),
        (["cat-food", "cat-toys", "dog-food"], ["cat food", "cat toys", "dog food"]),
        (["pets", "pets food"], ["pets", "food"]),  # nothing left: the name as it is
        (["0", "1", "2"], ["0", "1", "2"]),
        (["spam"], ["spam"]),
    ],
)
def test_name_texts_are_the_words_not_every_name_shares(classes, texts_) -> None:
    assert name_texts(classes) == texts_


def axes(n_classes: int, per_class: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows near the class's axis (class c along axis c), and their codes."""
    rng = np.random.default_rng(seed)
    codes = np.repeat(np.arange(n_classes), per_class)
    return np.eye(n_classes)[codes] + 0.2 * rng.random((len(codes), n_classes)), codes


def test_names_along_their_classes_fit_and_a_dealing_of_them_does_not() -> None:
    vectors, codes = axes(6)
    fit = names_fit(vectors, codes, np.eye(6))
    assert fit.used and fit.p_value == pytest.approx(1 / 720)  # every dealing of 6 names
    assert "better than chance" in fit.reason
    dealt = names_fit(vectors, codes, np.eye(6)[[1, 2, 3, 4, 5, 0]])
    assert not dealt.used and dealt.p_value > 0.5
    assert "no better than chance" in dealt.reason


def test_names_of_many_classes_are_tested_against_random_dealings() -> None:
    vectors, codes = axes(9)
    fit = names_fit(vectors, codes, np.eye(9))
    assert fit.used and fit.p_value == pytest.approx(1 / (1 + NAME_TEST_DEALINGS))


def test_unrelated_names_do_not_fit() -> None:
    vectors, codes = axes(8)
    names = np.random.default_rng(1).normal(size=(8, 8))
    assert not names_fit(vectors, codes, names).used


def test_too_few_classes_cannot_be_tested() -> None:
    assert MIN_NAMED_CLASSES == 5  # 4 classes: 24 dealings, 1 in 24 is chance
    vectors, codes = axes(4)
    fit = names_fit(vectors, codes, np.eye(4))
    assert fit.p_value is None and not fit.used
    assert "fewer than 5 classes" in fit.reason


def test_only_classes_with_labeled_rows_are_tested() -> None:
    vectors, codes = axes(6)
    codes[codes == 5] = -1  # five classes labeled: 120 dealings
    assert names_fit(vectors, codes, np.eye(6)).p_value == pytest.approx(1 / 120)


def test_names_fill_the_classes_without_a_topic() -> None:
    topics = np.array([[1.0, 0.0], [0.0, 0.0]])
    names = np.array([[0.5, 0.5], [0.0, 1.0]])
    assert np.array_equal(with_names(topics, names), [[1.0, 0.0], [0.0, 1.0]])
    assert with_names(None, names) is names


# --- the labeling analysis -------------------------------------------------------------------


@pytest.fixture(scope="module")
def named() -> pd.DataFrame:
    return named_frame()


def label(frame: pd.DataFrame, **params) -> tuple[pd.DataFrame, dict]:  # noqa: ANN003
    result = siftkit.audit(
        frame, text="text", id="id", label="seed", encoder="fake",
        detectors=[Labeling(**params)], allow_missing_labels=True, progress=False,
    )  # fmt: skip
    return result.rows, result.summary["labeling"]


def test_names_that_fit_are_read_as_words(named) -> None:
    rows, entry = label(named)
    names = entry["label_names"]
    assert names["used"] and names["p_value"] <= 0.01
    assert names["words"] == {t: t for t in sorted(named["topic"].unique())}
    assert (rows["predicted_label"] == named["topic"]).all()
    assert (rows["label_source"][named["seed"].isna()] == "propagated").all()
    assert source_note(entry) == "the labeled rows and their classes' names"


def test_codes_for_names_are_not_read(named) -> None:
    frame = named.copy()
    codes = {t: f"C{i}" for i, t in enumerate(sorted(frame["topic"].unique()))}
    frame["seed"] = frame["seed"].map(codes)
    _, entry = label(frame)
    assert not entry["label_names"]["used"]
    assert "no better than chance" in entry["label_names"]["reason"]
    assert source_note(entry) == "the labeled rows"
    _, entry = label(frame, label_names="always")
    assert entry["label_names"]["used"]
    assert entry["label_names"]["reason"] == "asked for (label_names='always')"


def test_label_names_never_does_not_try_them(named) -> None:
    _, entry = label(named, label_names="never")
    assert entry["label_names"] is None


def test_vectors_without_an_encoder_have_no_names_to_read(named) -> None:
    vectors = np.random.default_rng(0).normal(size=(len(named), 8)).astype(np.float32)
    result = siftkit.audit(
        named.drop(columns="text"), embeddings=vectors, id="id", label="seed",
        detectors=[Labeling()], allow_missing_labels=True, progress=False,
    )  # fmt: skip
    assert result.summary["labeling"]["label_names"] is None


def test_names_stand_in_for_the_seed_classes_no_topic_names(named) -> None:
    words = class_words(6)
    keywords = {class_[0]: class_[1:3] for class_ in words[:2]}  # topics for two classes
    rows, entry = label(named, keywords=keywords)
    assert entry["label_names"]["used"]
    assert sorted(entry["seed_classes"]) == sorted(c[0] for c in words[2:])
    assert "(4 classes from labeled rows and their names: " in source_note(entry)
    assert (rows["predicted_label"] == named["topic"]).all()
    _, entry = label(named, keywords=keywords, label_names="never")
    assert "(4 classes from labeled rows alone: " in source_note(entry)
