"""Whether the data holds a keyword topic at all.

Labeling gives each row its closest topic, so a topic the data does not hold still takes the
rows nearest it (``spaceships: [starship, warp drive, hyperspace]`` took 816 of the bundled
2,000 WordNet glosses). A topic's keywords name it; how close its closest rows come to them
says whether the data speaks of it, measured against topics nobody meant: random sets of
common English words (``common_words.txt``, WordNet's most polysemous nouns and verbs), as
many words to a set as the topic has keywords. A topic's *presence* is the share of
``NULL_TOPICS`` such sets whose ``CLOSEST_ROWS`` closest rows are less similar to them (the
mean cosine) than the topic's closest rows are to it; a topic is *absent* below
``ABSENT_BELOW``, closer to the data than hardly one random set of words in fifty.

The test is made for keywords: a topic described by a sentence (descriptions) sits apart from
word sets whatever the data (on the bundled glosses an absent topic's description ranks above
0.8 of them), so descriptions are not tested. docs/labeling.md gives the measurements.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import numpy as np

from siftkit.embed.base import l2_normalize

COMMON_WORDS = Path(__file__).parent / "common_words.txt"
#: The closest rows whose mean similarity to a topic measures how close the data comes to it.
CLOSEST_ROWS = 30
#: Random common-word topics a topic is ranked against.
NULL_TOPICS = 500
#: Below this presence a topic is absent.
ABSENT_BELOW = 0.02
#: At most this many rows, drawn at random, are compared with the topics.
MAX_ROWS = 20_000


@cache
def common_words() -> tuple[str, ...]:
    """The bundled common words, most senses first (see the module)."""
    lines = COMMON_WORDS.read_text(encoding="utf-8").splitlines()
    return tuple(line for line in lines if line and not line.startswith("#"))


def closeness(rows: np.ndarray, topics: np.ndarray) -> np.ndarray:
    """Mean similarity of each of ``topics`` (unit rows) to its ``CLOSEST_ROWS`` closest
    ``rows`` (unit rows), (n_topics,)."""
    similarity = topics @ rows.T
    closest = min(CLOSEST_ROWS, similarity.shape[1])
    return -np.partition(-similarity, closest - 1, axis=1)[:, :closest].mean(axis=1)


def topic_presence(
    rows: np.ndarray,
    topics: np.ndarray,
    n_keywords: Sequence[int],
    encode_texts: Callable[[Sequence[str]], np.ndarray],
    random_state: int = 0,
) -> np.ndarray:
    """Each topic's presence in ``rows``, (n_topics,) in [0, 1] (see the module).

    ``rows`` (n_rows, n_dims) the run's embeddings; ``topics`` (n_topics, n_dims) each topic's
    keywords' mean embedding, by ``encode_texts`` as the rows were; ``n_keywords`` how many
    keywords each has. Rows without content (zero vectors) are left out."""
    rng = np.random.default_rng(random_state)
    rows = l2_normalize(np.asarray(rows, dtype=np.float32))
    rows = rows[np.linalg.norm(rows, axis=1) > 0]
    if len(rows) > MAX_ROWS:
        rows = rows[rng.choice(len(rows), MAX_ROWS, replace=False)]
    if not len(rows):
        return np.zeros(len(topics))
    words = l2_normalize(np.asarray(encode_texts(list(common_words())), dtype=np.float32))
    near = closeness(rows, l2_normalize(np.asarray(topics, dtype=np.float32)))
    presence = np.zeros(len(topics))
    for count in sorted(set(n_keywords)):
        picks = np.stack([rng.choice(len(words), count, replace=False)
                          for _ in range(NULL_TOPICS)])  # fmt: skip
        null = closeness(rows, l2_normalize(words[picks].mean(axis=1)))
        for topic in np.flatnonzero(np.asarray(n_keywords) == count):
            presence[topic] = float((null < near[topic]).mean())
    return presence
