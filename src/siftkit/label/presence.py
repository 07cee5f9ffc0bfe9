"""Whether the data holds a keyword topic at all, and which rows it truly fits.

Labeling gives each row its closest topic, so a topic the data does not hold still takes the
rows nearest it (``spaceships: [starship, warp drive, hyperspace]`` took 816 of the bundled
2,000 WordNet glosses). A topic's keywords name it; how near it comes to the rows says whether
the data speaks of it, measured against topics nobody meant: random sets of common English
words (``common_words.txt``, WordNet's most polysemous nouns and verbs), as many words to a set
as the topic has keywords (:class:`RandomTopics`).

- A topic's *presence* is the share of ``NULL_TOPICS`` such sets whose ``CLOSEST_ROWS``
  closest rows are less similar to them (the mean cosine) than the topic's closest rows are to
  it; a topic is *absent* below ``ABSENT_BELOW``, nearer the data than hardly one random set
  of words in fifty.
- A row *fits* its topic when the topic is nearer to it than ``ROW_QUANTILE`` of the random
  sets are: a row that is as near many a random set of words as its topic took the topic only
  for want of a better one (the "background" of open-set recognition).

The test is made for keywords: a topic described by a sentence (descriptions) sits apart from
word sets whatever the data (on the bundled glosses an absent topic's description ranks above
0.8 of them), so descriptions are not tested. docs/labeling.md gives the measurements.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import numpy as np

from siftkit.embed.base import has_content, l2_normalize

COMMON_WORDS = Path(__file__).parent / "common_words.txt"
#: The closest rows whose mean similarity to a topic measures how near the data comes to it.
CLOSEST_ROWS = 30
#: Random common-word topics a topic is ranked against.
NULL_TOPICS = 500
#: Below this presence a topic is absent.
ABSENT_BELOW = 0.02
#: A row fits its topic when the topic is nearer to it than this share of the random topics.
ROW_QUANTILE = 0.9
#: At most this many rows, drawn at random, measure a topic's presence.
MAX_ROWS = 20_000
#: Rows compared with the random topics at once.
BLOCK_ROWS = 8192


@cache
def common_words() -> tuple[str, ...]:
    """The bundled common words, most senses first (see the module)."""
    lines = COMMON_WORDS.read_text(encoding="utf-8").splitlines()
    return tuple(line for line in lines if line and not line.startswith("#"))


class RandomTopics:
    """``NULL_TOPICS`` random sets of common words per set size, each set the mean of its
    words' embeddings (unit rows): the topics keyword topics are measured against.

    ``encode_texts`` embeds texts as the rows were (the words are embedded once);
    ``random_state`` seeds the draws."""

    def __init__(
        self, encode_texts: Callable[[Sequence[str]], np.ndarray], random_state: int = 0
    ) -> None:
        self.words = l2_normalize(np.asarray(encode_texts(list(common_words())), np.float32))
        self.random_state = random_state
        self._sets: dict[int, np.ndarray] = {}

    def of_size(self, count: int) -> np.ndarray:
        """(NULL_TOPICS, n_dims) random topics of ``count`` words each."""
        if count not in self._sets:
            rng = np.random.default_rng([self.random_state, count])
            picks = np.stack([rng.choice(len(self.words), count, replace=False)
                              for _ in range(NULL_TOPICS)])  # fmt: skip
            self._sets[count] = l2_normalize(self.words[picks].mean(axis=1))
        return self._sets[count]


def closeness(rows: np.ndarray, topics: np.ndarray) -> np.ndarray:
    """Mean similarity of each of ``topics`` (unit rows) to its ``CLOSEST_ROWS`` closest
    ``rows`` (unit rows), (n_topics,)."""
    similarity = topics @ rows.T
    closest = min(CLOSEST_ROWS, similarity.shape[1])
    return -np.partition(-similarity, closest - 1, axis=1)[:, :closest].mean(axis=1)


def topic_presence(
    rows: np.ndarray, topics: np.ndarray, n_keywords: Sequence[int], null: RandomTopics
) -> np.ndarray:
    """Each topic's presence in ``rows``, (n_topics,) in [0, 1] (see the module).

    ``rows`` (n_rows, n_dims) the run's embeddings; ``topics`` (n_topics, n_dims) each topic's
    keywords' mean embedding; ``n_keywords`` how many keywords each has; ``null`` the random
    topics, embedded by the same encoder. Rows without content (zero vectors) are left out."""
    kept = np.flatnonzero(has_content(rows))
    if len(kept) > MAX_ROWS:
        rng = np.random.default_rng(null.random_state)
        kept = np.sort(rng.choice(kept, MAX_ROWS, replace=False))
    if not len(kept):
        return np.zeros(len(topics))
    rows = l2_normalize(np.asarray(rows[kept], dtype=np.float32))
    near = closeness(rows, l2_normalize(np.asarray(topics, dtype=np.float32)))
    presence = np.zeros(len(topics))
    for count in sorted(set(n_keywords)):
        chance = closeness(rows, null.of_size(count))
        for topic in np.flatnonzero(np.asarray(n_keywords) == count):
            presence[topic] = float((chance < near[topic]).mean())
    return presence


def seeded_centers(rows: np.ndarray, topics: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Each topic's vector moved toward its seed rows: the mean of the unit ``rows``
    (embeddings) that ``seeds`` gives topic ``t``, plus the unit ``topics[t]``, made unit;
    (n_topics, n_dims). The more the seeds spread, the shorter their mean and the more the
    keywords weigh. A bag-of-words encoder places a row that shares no keyword with its topic
    nowhere near the keywords, but near the rows the topic gathered."""
    n_topics = len(topics)
    members = np.flatnonzero((seeds >= 0) & (seeds < n_topics))
    sums = np.zeros((n_topics, rows.shape[1]))
    np.add.at(sums, seeds[members], l2_normalize(np.asarray(rows[members], dtype=np.float32)))
    means = sums / np.maximum(np.bincount(seeds[members], minlength=n_topics), 1)[:, None]
    return l2_normalize(means + l2_normalize(np.asarray(topics, dtype=np.float64)))


def unfit_rows(
    rows: np.ndarray,
    topics: np.ndarray,
    n_keywords: Sequence[int],
    assigned: np.ndarray,
    null: RandomTopics,
) -> np.ndarray:
    """(n_rows,) bool: the rows whose ``assigned`` topic (index into ``topics``; -1 for rows of
    none, never marked) is nearer to them than under ``ROW_QUANTILE`` of the random topics
    of as many words (see the module). Arguments as for :func:`topic_presence`."""
    topics = l2_normalize(np.asarray(topics, dtype=np.float32))
    counts = np.asarray(n_keywords)
    unfit = np.zeros(len(rows), dtype=bool)
    for count in np.unique(counts):
        chance = null.of_size(int(count))
        members = np.flatnonzero((assigned >= 0) & (counts[np.clip(assigned, 0, None)] == count))
        for start in range(0, len(members), BLOCK_ROWS):
            block = members[start : start + BLOCK_ROWS]
            unit = l2_normalize(np.asarray(rows[block], dtype=np.float32))
            own = np.einsum("ij,ij->i", unit, topics[assigned[block]])
            beaten = (unit @ chance.T < own[:, None]).mean(axis=1)
            unfit[block] = beaten < ROW_QUANTILE
    return unfit


class KeywordTopics:
    """Keyword topics measured against random topics of common words: each topic's presence
    in ``rows`` and which rows fit the topic they were given (see the module).

    ``rows`` (n_rows, n_dims) the run's embeddings; ``topics`` (n_topics, n_dims) each topic's
    keywords' mean embedding; ``n_keywords`` how many keywords each has; ``encode_texts``
    embeds texts as the rows were; ``random_state`` seeds the random topics."""

    def __init__(
        self,
        rows: np.ndarray,
        topics: np.ndarray,
        n_keywords: Sequence[int],
        encode_texts: Callable[[Sequence[str]], np.ndarray],
        random_state: int = 0,
    ) -> None:
        self.rows, self.topics, self.n_keywords = rows, topics, list(n_keywords)
        self.null = RandomTopics(encode_texts, random_state)
        self.presence = topic_presence(rows, topics, self.n_keywords, self.null)

    @property
    def absent(self) -> np.ndarray:
        """The topics (indices) below ``ABSENT_BELOW``."""
        return np.flatnonzero(self.presence < ABSENT_BELOW)

    def unfit(self, seeds: np.ndarray, assigned: np.ndarray) -> np.ndarray:
        """(n_rows,) bool: the rows :func:`unfit_rows` marks, each topic's vector moved toward
        its ``seeds`` (a code per row, as a labeling's ``seeds_``); ``assigned`` codes at or
        beyond the topics (classes of labeled rows alone) and -1 are never marked."""
        centers = seeded_centers(self.rows, self.topics, seeds)
        topic_of = np.where(assigned < len(self.topics), assigned, -1)
        return unfit_rows(self.rows, centers, self.n_keywords, topic_of, self.null)
