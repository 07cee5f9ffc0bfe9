"""Names of categories: keywords, majority labels, vocabulary terms, exemplars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from siftkit.discover import naming, partial_labels
from siftkit.exceptions import DataFileNotFoundError, InvalidParameterError, UnreadableDataError

CAT_TEXTS = [
    "the cat sleeps on the warm sofa",
    "my cat chases a small mouse",
    "a kitten and a cat play with yarn",
    "the kitten purrs while the cat sleeps",
]
BOAT_TEXTS = [
    "the boat sails out of the harbor",
    "a sailing boat with a tall mast",
    "the harbor is full of boats and one sailing boat",
    "wind fills the sail of the boat",
]


def test_keywords_are_the_distinctive_words_of_each_category() -> None:
    texts = CAT_TEXTS + BOAT_TEXTS
    membership = np.repeat([0, 1], 4)
    words = naming.keywords(texts, membership, 2, top=3)
    assert words[0][0] == "cat" and "kitten" in words[0]
    assert words[1][0] == "boat" and set(words[1]) <= {"boat", "harbor", "sailing", "sailing boat"}
    assert not set(words[0]) & set(words[1])
    stop_words = {"the", "a", "and", "of", "with"}
    assert not stop_words & {w for ws in words for w in ws}


def test_web_addresses_are_no_words_of_a_category() -> None:
    """Tweets ending in https://t.co/… named a category "wordnet, person, https"."""
    from siftkit._text import word_part

    assert word_part("a cat https://t.co/Ab12 sleeps www.cats.org/x") == "a cat   sleeps  "
    links = [f"{t} https://t.co/x{i}y {'http://www.site.com/p' if i % 2 else ''}"
             for i, t in enumerate(CAT_TEXTS)]  # fmt: skip
    words = naming.keywords(links + BOAT_TEXTS, np.repeat([0, 1], 4), 2, top=8)
    assert not {"https", "http", "co", "www", "site", "com"} & set(words[0]), words[0]


def test_keywords_count_each_category_as_one_document() -> None:
    # "sleeps" is in two cat texts but nowhere else; it outranks words common to both sides
    texts = [*CAT_TEXTS, *BOAT_TEXTS, "the cat watches the boat", "the boat carries a cat"]
    membership = np.array([0, 0, 0, 0, 1, 1, 1, 1, -1, -1])
    words = naming.keywords(texts, membership, 2, top=8)
    assert "sleeps" in " ".join(words[0])  # alone or in "cat sleeps"
    assert "sleeps" not in " ".join(words[1]) and "cat" not in words[1]


def test_keywords_are_phrases_of_the_texts_common_in_the_category_and_not_repeated() -> None:
    texts = [
        *(f"humor in the court, case {i}" for i in range(10)),  # no phrase "humor court"
        *(f"spoken language of region {i}" for i in range(10)),
        "cn rd ths cn rd ths cn rd ths",  # one text repeating its words, then another
        "u cn rd ths cn rd ths",
        *(f"a dog named rex {i}" for i in range(138)),
    ]
    membership = np.repeat([0, 1, 2], [10, 10, 140])
    words = naming.keywords(texts, membership, 3, top=3)
    assert "humor court" not in words[0] and {"humor", "court"} <= set(words[0])
    for terms in words:  # no term only repeats words shown before it
        shown: set[str] = set()
        for term in terms:
            assert not set(term.split()) <= shown, terms
            shown |= set(term.split())
    assert not {"cn", "rd", "ths"} & set(" ".join(words[2]).split())  # 2 of 140 texts
    assert "dog" in " ".join(words[2])


def test_keywords_of_chinese_texts_are_its_words_not_whole_sentences() -> None:
    """Chinese is written without spaces: a name's terms are the pairs of its characters side
    by side (most of its words are two characters), never two across a full stop, nor one
    character alone (as often a particle as a word)."""
    texts = [
        *(f"球队赢得了比赛。第{i}场足球比赛很精彩" for i in range(20)),
        *(f"银行提高了利率。第{i}季度股市下跌" for i in range(20)),
    ]
    words = naming.keywords(texts, np.repeat([0, 1], 20), 2, top=8)
    assert "比赛" in words[0] and "利率" in words[1]
    assert all(len(term) == 2 for terms in words for term in terms)  # no character alone
    assert not any("赛第" in term or "率第" in term for terms in words for term in terms)


def test_keywords_without_a_repeated_word_are_empty() -> None:
    words = naming.keywords(["alpha beta", "gamma delta"], np.array([0, 1]), 2)
    assert words == [[], []]


def test_distinctive_columns_name_what_sets_each_category_apart() -> None:
    rng = np.random.default_rng(0)
    membership = np.repeat([0, 1, 2], 100)
    size = rng.normal(size=300) + np.repeat([2.0, -2.0, 0.0], 100)
    colour = np.where(membership == 1, "red", rng.choice(["blue", "green"], 300))
    features = pd.DataFrame({"size": size, "noise": rng.normal(size=300),
                             "colour": pd.Series(colour, dtype=object)})  # fmt: skip
    features.loc[5, "size"] = np.nan  # missing numbers count as missing
    named = naming.distinctive_columns(features, membership, 4)
    assert named[0][0] == "high size" and set(named[1][:2]) == {"low size", "colour = red"}
    assert "size" not in " ".join(named[2])  # its mean is the overall mean
    assert not any("noise" in d for names in named for d in names)
    assert not any(
        "= blue" in d or "= green" in d for d in named[1]
    )  # only what is over-represented
    assert named[3] == []  # a category without rows
    assert naming.distinctive_columns(features[[]], membership, 3) == [[], [], []]


def test_distinctive_columns_name_where_values_are_missing() -> None:
    membership = np.repeat([0, 1], 50)
    size = np.where(membership == 1, np.nan, np.linspace(0.0, 1.0, 100))
    colour = pd.Series(np.where(membership == 0, "red", None), dtype=object)
    named = naming.distinctive_columns(pd.DataFrame({"size": size, "colour": colour}),
                                       membership, 2)  # fmt: skip
    assert set(named[0]) == {"colour = red"}
    assert set(named[1]) == {"size missing", "colour missing"}


def test_distinctive_dates_are_late_or_early() -> None:
    membership = np.repeat([0, 1], 50)
    when = pd.Series(pd.date_range("2024-01-01", periods=100, freq="D"))
    named = naming.distinctive_columns(pd.DataFrame({"when": when}), membership, 2)
    assert named == [["early when"], ["late when"]]


def test_majority_labels_and_purity() -> None:
    labels = partial_labels(["cat", "cat", "dog", None, "dog", "dog", None, "cat"], 8)
    membership = np.array([0, 0, 0, 1, 1, 1, 2, -1])
    out = naming.majority_labels(labels, membership, 3)
    assert out[0] == ("cat", pytest.approx(2 / 3))
    assert out[1] == ("dog", 1.0)  # the unlabeled row does not count
    assert out[2] == (None, None)  # no labeled row there


def test_vocabulary_matches_pick_the_closest_terms_in_order() -> None:
    terms = ["north", "east", "north-east", "south"]
    vectors = np.array([[0, 1], [1, 0], [0.7071, 0.7071], [0, -1]], dtype=np.float32)
    centers = np.array([[0.1, 0.995], [0.995, -0.1]])
    matches = naming.vocabulary_matches(centers, vectors, terms, top=2)
    assert [term for term, _ in matches[0]] == ["north", "north-east"]
    assert [term for term, _ in matches[1]] == ["east", "north-east"]
    assert matches[0][0][1] == pytest.approx(0.995, abs=1e-3)
    assert matches[0][0][1] > matches[0][1][1]


def test_exemplars_are_the_rows_closest_to_the_prototype() -> None:
    vectors = np.array([[1, 0], [0.6, 0.8], [0.8, 0.6], [0, 1], [0.1, 0.995]], dtype=np.float32)
    membership = np.array([0, 0, 0, 1, 1])
    centers = np.array([[1.0, 0.0], [0.0, 1.0]])
    out = naming.exemplars(vectors, membership, centers, top=2)
    assert out[0].tolist() == [0, 2]
    assert out[1].tolist() == [3, 4]


def test_read_vocabulary_skips_blank_lines_comments_and_repeats(tmp_path) -> None:
    path = tmp_path / "names.txt"
    path.write_text("# candidate names\ncats\n\n  boats  \n#space\ncats\nspace travel\n")
    assert naming.read_vocabulary(path) == ["cats", "boats", "space travel"]


def test_read_vocabulary_missing_file(tmp_path) -> None:
    with pytest.raises(DataFileNotFoundError, match="nope.txt.*does not exist"):
        naming.read_vocabulary(tmp_path / "nope.txt")
    with pytest.raises(UnreadableDataError, match="is a folder"):
        naming.read_vocabulary(tmp_path)
    with pytest.raises(InvalidParameterError, match="give its path"):
        naming.read_vocabulary(["cats", "boats"])


def test_read_vocabulary_reads_utf8_only_and_drops_a_byte_order_mark(tmp_path) -> None:
    path = tmp_path / "names.txt"
    path.write_bytes("animal\nfood\n".encode("utf-8-sig"))
    assert naming.read_vocabulary(path) == ["animal", "food"]
    path.write_bytes("café\nthé\n".encode("latin-1"))
    with pytest.raises(UnreadableDataError, match="as UTF-8 text .* Save the vocabulary as UTF-8"):
        naming.read_vocabulary(path)


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n   \n"])
def test_read_vocabulary_without_terms(tmp_path, content) -> None:
    path = tmp_path / "names.txt"
    path.write_text(content)
    with pytest.raises(UnreadableDataError, match="holds no terms"):
        naming.read_vocabulary(path)


def test_vocabulary_names_give_each_category_its_own_term_where_one_nearly_as_close_is_free():
    def unit(*angles: float) -> np.ndarray:
        return np.array([[np.cos(a), np.sin(a)] for a in angles])

    terms = unit(0.0, 0.6, 1.5)  # "plants", "food", "people"
    # both categories are closest to "plants"; the second is nearly as close to "food"
    assert naming.vocabulary_names(unit(0.0, 0.28), terms).tolist() == [0, 1]
    # a term far less close is not taken: the two share "plants"
    assert naming.vocabulary_names(unit(0.0, 0.05), terms[[0, 2]]).tolist() == [0, 0]
    assert naming.vocabulary_names(np.zeros((0, 2)), terms).tolist() == []
