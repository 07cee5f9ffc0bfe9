"""Whether the data holds a keyword topic: its closest rows against random common words'."""

from __future__ import annotations

import numpy as np
import pytest

from siftkit.label import presence
from siftkit.label.presence import ABSENT_BELOW, common_words, topic_presence

DIMS = 32


def word_vectors(words) -> np.ndarray:  # noqa: ANN001
    """Each common word a random direction of all ``DIMS`` dimensions, none negative (as
    sentence embeddings of words lean one way), seeded by the word."""
    out = np.abs(np.vstack([np.random.default_rng(sum(map(ord, w)) * 31 + len(w)).normal(size=DIMS)
                            for w in words]))  # fmt: skip
    return out / np.linalg.norm(out, axis=1, keepdims=True)


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
    found = topic_presence(rows, np.vstack([held, elsewhere]), [3, 2], word_vectors)
    assert found[0] > 0.99 and found[1] < ABSENT_BELOW


def test_presence_holds_on_a_sample_of_many_rows(monkeypatch) -> None:
    rows = rows_in_a_corner()
    topics = np.vstack([np.eye(DIMS)[2], np.eye(DIMS)[25]])
    monkeypatch.setattr(presence, "MAX_ROWS", 100)
    found = topic_presence(rows, topics, [1, 1], word_vectors)
    assert found[0] > 0.99 and found[1] < ABSENT_BELOW


def test_empty_rows_are_left_out() -> None:
    rows = np.vstack([rows_in_a_corner(60), np.zeros((500, DIMS), np.float32)])
    found = topic_presence(rows, np.eye(DIMS)[[0, 30]], [2, 2], word_vectors)
    assert found[0] > 0.99 and found[1] < ABSENT_BELOW
    assert (topic_presence(np.zeros((5, DIMS)), np.eye(DIMS)[:1], [1], word_vectors) == 0).all()


@pytest.mark.parametrize("seed", [0, 1])
def test_the_same_seed_gives_the_same_presence(seed) -> None:
    rows, topics = rows_in_a_corner(), np.vstack([np.eye(DIMS)[0] + np.eye(DIMS)[9]])
    first = topic_presence(rows, topics, [2], word_vectors, random_state=seed)
    assert (first == topic_presence(rows, topics, [2], word_vectors, random_state=seed)).all()
