"""Whether the data holds a topic: its closest rows against those of topics nobody meant."""

from __future__ import annotations

import re

import numpy as np
import pytest

from siftkit.label import presence
from siftkit.label.presence import (
    ABSENT_BELOW,
    NULL_REWORDINGS,
    NULL_TOPICS,
    RandomTopics,
    Rewordings,
    TopicPresence,
    common_words,
    reworded,
    topic_presence,
    unfit_rows,
)

DIMS = 32


def word_vectors(words) -> np.ndarray:  # noqa: ANN001
    """Each common word a random direction of all ``DIMS`` dimensions, none negative (as
    sentence embeddings of words lean one way), seeded by the word."""
    out = np.abs(np.vstack([np.random.default_rng(sum(map(ord, w)) * 31 + len(w)).normal(size=DIMS)
                            for w in words]))  # fmt: skip
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def null(random_state: int = 0) -> RandomTopics:
    return RandomTopics(word_vectors, random_state)


def sized(counts, random_state: int = 0) -> list[np.ndarray]:  # noqa: ANN001
    """Per topic, the random word sets of its number of keywords."""
    random_topics = null(random_state)
    return [random_topics.of_size(count) for count in counts]


def rows_in_a_corner(n: int = 600, seed: int = 0) -> np.ndarray:
    """Rows spread over three directions of the first 8 dimensions, nothing in the others."""
    rng = np.random.default_rng(seed)
    centres = np.eye(DIMS)[:3]
    noise = 0.1 * np.abs(rng.normal(size=(n, DIMS))) * (np.arange(DIMS) < 8)
    return (centres[rng.integers(0, 3, n)] + noise).astype(np.float32)


def test_the_bundled_words_are_plain_common_words() -> None:
    words = common_words()
    assert len(words) == len(set(words)) == 1000
    assert all(w.isalpha() and len(w) >= 3 for w in words)
    assert {"time", "line", "head", "run", "take"} <= set(words)


def test_a_topic_the_rows_hold_is_present_and_one_they_do_not_is_absent() -> None:
    rows = rows_in_a_corner()
    held = np.eye(DIMS)[1]  # the centre of a third of the rows
    elsewhere = np.eye(DIMS)[20]  # a direction no row has any of
    found = topic_presence(rows, np.vstack([held, elsewhere]), sized([3, 2]))
    assert found[0] > 0.99 and found[1] < ABSENT_BELOW


def test_presence_holds_on_a_sample_of_many_rows(monkeypatch) -> None:
    rows = rows_in_a_corner()
    topics = np.vstack([np.eye(DIMS)[2], np.eye(DIMS)[25]])
    monkeypatch.setattr(presence, "MAX_ROWS", 100)
    found = topic_presence(rows, topics, sized([1, 1]))
    assert found[0] > 0.99 and found[1] < ABSENT_BELOW


def test_empty_rows_are_left_out() -> None:
    rows = np.vstack([rows_in_a_corner(60), np.zeros((500, DIMS), np.float32)])
    found = topic_presence(rows, np.eye(DIMS)[[0, 30]], sized([2, 2]))
    assert found[0] > 0.99 and found[1] < ABSENT_BELOW
    assert (topic_presence(np.zeros((5, DIMS)), np.eye(DIMS)[:1], sized([1])) == 0).all()


@pytest.mark.parametrize("seed", [0, 1])
def test_the_same_seed_gives_the_same_presence(seed) -> None:
    rows, topics = rows_in_a_corner(), np.vstack([np.eye(DIMS)[0] + np.eye(DIMS)[9]])
    first = topic_presence(rows, topics, sized([2], seed))
    assert (first == topic_presence(rows, topics, sized([2], seed))).all()


def test_random_topics_are_means_of_as_many_common_words() -> None:
    random_topics = null()
    three = random_topics.of_size(3)
    assert three.shape == (NULL_TOPICS, DIMS) and random_topics.of_size(3) is three
    assert np.allclose(np.linalg.norm(three, axis=1), 1.0, atol=1e-5)
    # a mean of three word vectors is nearer the words' average than any one word is
    words = random_topics.words
    assert (three @ words.mean(axis=0)).mean() > (words @ words.mean(axis=0)).mean()


def test_a_row_fits_its_topic_when_the_topic_is_nearer_than_random_words_are() -> None:
    rows = rows_in_a_corner(90)
    topics = np.eye(DIMS)[:3]
    own = np.argmax(rows @ topics.T, axis=1)
    # rows of the first 8 dimensions are near their own centre, far from topic 25
    assert not unfit_rows(rows, topics, sized([2, 2, 2]), own).any()
    elsewhere = np.vstack([topics, np.eye(DIMS)[25]])
    assigned = np.full(len(rows), 3)
    assigned[:10] = -1  # rows of no topic are never marked
    unfit = unfit_rows(rows, elsewhere, sized([2, 2, 2, 1]), assigned)
    assert unfit[10:].all() and not unfit[:10].any()


# --------------------------------------------------------------------------- descriptions

#: Words the sentence encoder below puts on one axis, three times as strongly as a word.
AXES = {"held": 1, "moonbase": 20}


def sentence_vectors(sentences) -> np.ndarray:  # noqa: ANN001
    """Each sentence the mean of its words' vectors: ``AXES`` words on their axis, the
    others as :func:`word_vectors`."""
    out = []
    for sentence in sentences:
        words = re.findall(r"[a-z]+", sentence.lower())
        out.append(np.mean([3 * np.eye(DIMS)[AXES[w]] if w in AXES else word_vectors([w])[0]
                            for w in words], axis=0))  # fmt: skip
    out = np.vstack(out)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_a_rewording_keeps_the_small_words_and_replaces_the_others_with_common_words() -> None:
    text = "Starships, warp drives and travel through hyperspace."
    out = reworded(text, np.random.default_rng(0))
    words = re.findall(r"[^\W\d_]+", out)
    assert len(words) == 7 and words[3] == "and" and words[5] == "through"
    assert set(words) - {"and", "through"} <= set(common_words())
    assert out.count(",") == 1 and out.endswith(".")
    assert reworded(text, np.random.default_rng(0)) == out
    # a sentence of small words only: every word is replaced
    assert set(reworded("the one and only", np.random.default_rng(1)).split()) <= set(
        common_words()
    )


def test_rewordings_are_unit_rows_drawn_per_topic() -> None:
    rewordings = Rewordings(sentence_vectors, 0)
    first = rewordings.of(["all about held things", "and more"], 0)
    assert first.shape == (NULL_REWORDINGS, DIMS)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first, Rewordings(sentence_vectors, 0).of(
        ["all about held things", "and more"], 0))  # fmt: skip
    assert not np.array_equal(first, rewordings.of(["all about held things", "and more"], 1))


def test_a_description_the_rows_hold_is_present_and_one_they_do_not_is_absent() -> None:
    rows = rows_in_a_corner()
    descriptions = [["all about held things"], ["all about moonbase things"]]
    topics = sentence_vectors([texts[0] for texts in descriptions])
    measured = TopicPresence.of_descriptions(rows, topics, descriptions, sentence_vectors)
    assert measured.presence[0] > 0.99 and measured.presence[1] < ABSENT_BELOW
    assert measured.absent.tolist() == [1]
    # the rows near the held topic fit it; given the absent one, none does
    near = np.flatnonzero(rows[:, 1] > 0.9)
    assigned = np.full(len(rows), -1)
    assigned[near] = 0
    assert not measured.unfit(np.full(len(rows), -1), assigned).any()
    assigned[near] = 1
    assert measured.unfit(np.full(len(rows), -1), assigned)[near].all()
