"""read_topics: topics given by hand as keywords or descriptions, in YAML or JSON."""

from __future__ import annotations

import json

import pytest
from labeling_data import write

from siftkit.exceptions import DataFileNotFoundError, UnreadableDataError
from siftkit.label.topics import read_topics, shared_keywords


def test_keywords_from_yaml(tmp_path) -> None:
    path = write(tmp_path / "topics.yaml", "sports: [football, match]\npolitics: [election]\n")
    assert read_topics(path, "keywords") == {
        "sports": ["football", "match"],
        "politics": ["election"],
    }


def test_keywords_as_a_block_list_and_numbers(tmp_path) -> None:
    content = "sports:\n  - football\n  - ' match '\nyears:\n  - 1999\n  - 2024\n"
    topics = read_topics(write(tmp_path / "topics.yml", content), "keywords")
    assert topics == {"sports": ["football", "match"], "years": ["1999", "2024"]}


def test_keywords_as_one_text_are_split_at_commas(tmp_path) -> None:
    content = "law: law, lawyer, judge\nstar trek: star trek\npets: dog,, cat ,\n"
    topics = read_topics(write(tmp_path / "topics.yaml", content), "keywords")
    assert topics == {"law": ["law", "lawyer", "judge"], "star trek": ["star trek"],
                      "pets": ["dog", "cat"]}  # fmt: skip
    # a description is one sentence, commas and all
    described = read_topics(write(tmp_path / "d.yaml", "law: Courts, judges and laws.\n"
                                  "pets: Dogs.\n"), "descriptions")  # fmt: skip
    assert described["law"] == ["Courts, judges and laws."]


def test_a_list_of_topics_names_each_by_itself(tmp_path) -> None:
    """`- animal` / `- plant` was refused: 'must map at least two topics'."""
    listed = write(tmp_path / "topics.yaml", "- animal\n- ' plant '\n- sea life\n")
    expected = {"animal": ["animal"], "plant": ["plant"], "sea life": ["sea life"]}
    assert read_topics(listed, "keywords") == expected
    assert read_topics(["animal", "plant", "sea life"], "keywords") == expected
    with pytest.raises(UnreadableDataError, match="gives the topic 'animal' twice"):
        read_topics(["animal", "plant", "animal"], "keywords")
    with pytest.raises(UnreadableDataError, match="must map at least two topics"):
        read_topics(["animal"], "keywords")
    with pytest.raises(UnreadableDataError, match="must map at least two topics to their desc"):
        read_topics(listed, "descriptions")  # a description needs a topic to describe


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_topics_saved_as_unicode_text_are_read(tmp_path, suffix) -> None:
    """Notepad's "Unicode" is UTF-16: the file was refused with a UnicodeDecodeError."""
    content = ("animal: [dog, bête]\nfood: [bread]\n" if suffix == ".yaml"
               else '{"animal": ["dog", "bête"], "food": ["bread"]}')  # fmt: skip
    path = tmp_path / f"topics{suffix}"
    path.write_bytes(content.encode("utf-16"))
    assert read_topics(path, "keywords") == {"animal": ["dog", "bête"], "food": ["bread"]}
    path.write_bytes(content.encode("cp1252"))
    with pytest.raises(UnreadableDataError, match=r"as UTF-8 text \(invalid .* at byte"):
        read_topics(path, "keywords")


def test_a_topic_given_twice_is_refused(tmp_path) -> None:
    twice = "animal: [dog, cat]\nanimal: [bird]\nfood: [bread]\n"
    with pytest.raises(UnreadableDataError, match="gives the topic 'animal' twice"):
        read_topics(write(tmp_path / "k.yaml", twice), "keywords")
    path = write(tmp_path / "k.json", '{"a": ["x"], "a": ["y"], "b": ["z"]}')
    with pytest.raises(UnreadableDataError, match="gives the topic 'a' twice"):
        read_topics(path, "keywords")
    # the same word in two topics' lists is no topic given twice
    fine = read_topics(write(tmp_path / "f.yaml", "a: [x, y]\nb: [y, z]\n"), "keywords")
    assert fine == {"a": ["x", "y"], "b": ["y", "z"]}


def test_two_topics_given_the_same_words_are_refused() -> None:
    """Nothing would tell them apart: the rows would be shared between them at random."""
    twins = {"animal": ["Fish", "dog"], "food": ["dog", "fish"], "plant": ["tree"]}
    with pytest.raises(UnreadableDataError, match=r"'animal' and 'food' .* same keywords"):
        read_topics(twins, "keywords")
    same = {"a": "A story about dogs.", "b": "a story about dogs."}
    with pytest.raises(UnreadableDataError, match="same descriptions"):
        read_topics(same, "descriptions")
    assert shared_keywords({"a": ["x", "Y"], "b": ["y", "z"], "c": ["y", "x"]}) == {
        "x": ["a", "c"],
        "y": ["a", "b", "c"],
    }


def test_with_other_no_topic_may_be_called_other(tmp_path) -> None:
    path = write(tmp_path / "k.yaml", "other: [dog, cat]\nfood: [bread]\n")
    with pytest.raises(UnreadableDataError, match="names a topic 'other'.*rename that topic"):
        read_topics(path, "keywords", alone=True)
    assert set(read_topics(path, "keywords")) == {"other", "food"}  # without --other: a topic


def test_descriptions_from_yaml(tmp_path) -> None:
    content = "sports: A news story about a match.\npolitics: A story about an election.\n"
    topics = read_topics(write(tmp_path / "topics.yaml", content), "descriptions")
    assert topics == {
        "sports": ["A news story about a match."],
        "politics": ["A story about an election."],
    }


def test_json_works_too(tmp_path) -> None:
    keywords = {"sports": ["football", "match"], "politics": ["election", "minister"]}
    path = write(tmp_path / "topics.json", json.dumps(keywords))
    assert read_topics(path, "keywords") == keywords
    descriptions = {"sports": "About a match.", "politics": "About an election."}
    path = write(tmp_path / "described.JSON", json.dumps(descriptions))
    assert read_topics(path, "descriptions") == {k: [v] for k, v in descriptions.items()}


def test_a_missing_file(tmp_path) -> None:
    with pytest.raises(DataFileNotFoundError, match=r"keywords file .*nothere\.yaml.* not exist"):
        read_topics(tmp_path / "nothere.yaml", "keywords")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("sports: [football, match]\n", "at least two topics"),
        ("- [football]\n- [election]\n", "at least two topics"),  # a list of topics holds names
        ("", "at least two topics"),
        ("sports: []\npolitics: [election]\n", "Topic 'sports' .* no usable keywords"),
        ("sports: [football]\npolitics: ['  ']\n", "Topic 'politics' .* no usable keywords"),
        ("sports: [football]\npolitics: {a: 1}\n", "Topic 'politics' .* no usable keywords"),
        ("sports: [football\npolitics: [election]\n", "Could not read the keywords file"),
        ("sports:\n  - football\n politics: [election]\n", "at line 3, column 2"),
    ],
    ids=["one-topic", "a-list", "empty", "no-keywords", "blank", "a-mapping", "bad-yaml", "indent"],
)
def test_unusable_keywords_name_the_file(tmp_path, content, message) -> None:
    path = write(tmp_path / "my-topics.yaml", content)
    with pytest.raises(UnreadableDataError, match=message) as error:
        read_topics(path, "keywords")
    assert "my-topics.yaml" in str(error.value)


def test_bad_json_names_the_file(tmp_path) -> None:
    path = write(tmp_path / "topics.json", '{"sports": ["football"],')
    with pytest.raises(UnreadableDataError, match=r"Could not read .*topics\.json.*JSONDecode"):
        read_topics(path, "descriptions")


def test_a_topic_without_a_description_says_to_give_a_sentence(tmp_path) -> None:
    path = write(tmp_path / "topics.yaml", "sports: A match.\npolitics:\n")
    with pytest.raises(UnreadableDataError, match="'politics' .* give a sentence"):
        read_topics(path, "descriptions")


def test_one_topic_when_the_rest_are_told_apart(tmp_path) -> None:
    path = write(tmp_path / "one.yaml", "sports: [football, match]\n")
    with pytest.raises(UnreadableDataError, match="or one topic with `--other`"):
        read_topics(path, "keywords")
    assert read_topics(path, "keywords", alone=True) == {"sports": ["football", "match"]}
    with pytest.raises(UnreadableDataError, match="must map a topic to its keywords"):
        read_topics(write(tmp_path / "none.yaml", ""), "keywords", alone=True)
