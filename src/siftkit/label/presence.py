"""Whether the data holds a topic at all, and which rows truly fit it.

Labeling gives each row its closest topic, so a topic the data does not hold still takes the
rows nearest it (``spaceships: [starship, warp drive, hyperspace]`` took 816 of the bundled
2,000 WordNet glosses). How near a topic comes to the rows says whether the data speaks of it,
measured against topics nobody meant, in the topic's own form:

- a keyword topic against random sets of common English words (``common_words.txt``,
  WordNet's most polysemous nouns and verbs), as many words to a set as the topic has keywords
  (:class:`RandomTopics`);
- a description (a sentence) against the same sentence with its words replaced by random
  common words, the small words that make it a sentence kept ("Starships, warp drives and
  travel through hyperspace" -> "Flush, prove walk and infection through derivation"):
  a sentence sits apart from a set of words whatever the data, a reworded sentence does not
  (:class:`Rewordings`).

``NULL_TOPICS`` such topics per topic (``NULL_REWORDINGS`` for a description, each embedded):

- A topic's *presence* is the share of them whose ``CLOSEST_ROWS`` closest rows are less
  similar to them (the mean cosine) than the topic's closest rows are to it; a topic is
  *absent* below ``ABSENT_BELOW``, nearer the data than hardly one in fifty.
- A row *fits* its topic when the topic is nearer to it than ``ROW_QUANTILE`` of them are
  (``DESCRIPTION_ROW_QUANTILE`` of a description's rewordings): a row that is as near many a
  topic nobody meant as its own took it only for want of a better one (the "background" of
  open-set recognition).

docs/labeling.md gives the measurements.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import numpy as np

from siftkit.discover.refine import category_sums
from siftkit.embed.base import has_content, l2_normalize

COMMON_WORDS = Path(__file__).parent / "common_words.txt"
#: The closest rows whose mean similarity to a topic measures how near the data comes to it.
CLOSEST_ROWS = 30
#: Random common-word topics a keyword topic is ranked against.
NULL_TOPICS = 500
#: Rewordings a description is ranked against (each one more sentence to embed).
NULL_REWORDINGS = 200
#: Below this presence a topic is absent.
ABSENT_BELOW = 0.02
#: Below this presence (and not absent) a topic is doubtful: as many topics the data holds as
#: topics it does not fall between the two lines (benchmarks/topic_presence.py, 2026-12-06: 3
#: of 108 held topics, 0.040-0.096, and 3 of 28 not held, 0.026-0.050; above 0.1, 17 of the
#: 28 not held and 105 of the 108 held), so the run names it, and where its rows would go
#: without it, rather than take it for absent.
DOUBTFUL_BELOW = 0.1
#: A topic is doubtful too when at least this share of the rows closest to it (at least
#: DOUBTFUL_MIN_ROWS of them) fit it no better than topics nobody meant (:func:`unfit_rows`):
#: a topic partly there comes near a few rows, enough for its presence, and takes many more.
#: Keyword topics measured (2026-12-06): held ones 0.43 at most (WordNet's `tops` on 12,000
#: noun glosses; 0.30 on the bundled glosses); not held, beside the bundled glosses' ten,
#: `football` 0.59, `maths` 0.62, `money` 0.62 (`weather`, `emotion`, `crime` 0.36-0.40), and
#: beside 1,771 Debian fortunes' twelve topics `weather` 0.59, `knitting` 0.59,
#: `cryptocurrency` 0.61 (the fortunes' own 0.22 at most). Descriptions, whose rows fit at a
#: lower bar, stay under it either way (held 0.32 at most, not held 0.40).
DOUBTFUL_UNFIT_SHARE, DOUBTFUL_MIN_ROWS = 0.5, 10
#: A row fits its keyword topic when the topic is nearer to it than this share of the random
#: topics.
ROW_QUANTILE = 0.9
#: A row fits its description when the description is nearer to it than this share of its
#: rewordings. A rewording keeps the sentence's small words, and so comes nearer the rows
#: than a set of words does: on 12,000 WordNet noun glosses with a description for each of
#: their 26 categories, 0.9 would mark a quarter of the rows (24.8%, keywords 7.5%), 0.7 marks
#: 10.1% (docs/labeling.md).
DESCRIPTION_ROW_QUANTILE = 0.7
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


def reworded(text: str, rng: np.random.Generator) -> str:
    """``text`` with each of its words replaced by a random common word, but for the small
    words that make it a sentence (English stop words; all of them when it has no other)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    pieces = re.findall(r"[^\W\d_]+|[\W\d_]+", text)
    words = [i for i, p in enumerate(pieces) if p[0].isalpha()]
    chosen = [i for i in words if pieces[i].lower() not in ENGLISH_STOP_WORDS] or words
    vocabulary = common_words()
    picks = rng.choice(len(vocabulary), len(chosen), replace=len(chosen) > len(vocabulary))
    for i, pick in zip(chosen, picks, strict=True):
        pieces[i] = vocabulary[pick]
    return "".join(pieces)


class Rewordings:
    """``NULL_REWORDINGS`` rewordings of a description (:func:`reworded`), each embedded as
    the description was (the mean of its sentences' embeddings), unit rows: the topics a
    description is measured against.

    ``encode_texts`` embeds texts as the rows were; ``random_state`` seeds the draws."""

    def __init__(
        self, encode_texts: Callable[[Sequence[str]], np.ndarray], random_state: int = 0
    ) -> None:
        self.encode_texts = encode_texts
        self.random_state = random_state

    def of(self, texts: Sequence[str], topic: int = 0) -> np.ndarray:
        """(NULL_REWORDINGS, n_dims) rewordings of the description ``texts`` (its sentences),
        the ``topic``-th of a run (each topic its own draws)."""
        rng = np.random.default_rng([self.random_state, topic])
        sentences = [reworded(text, rng) for _ in range(NULL_REWORDINGS) for text in texts]
        embedded = np.asarray(self.encode_texts(sentences), dtype=np.float32)
        return l2_normalize(embedded.reshape(NULL_REWORDINGS, len(texts), -1).mean(axis=1))


def closeness(rows: np.ndarray, topics: np.ndarray) -> np.ndarray:
    """Mean similarity of each of ``topics`` (unit rows) to its ``CLOSEST_ROWS`` closest
    ``rows`` (unit rows), (n_topics,)."""
    similarity = topics @ rows.T
    closest = min(CLOSEST_ROWS, similarity.shape[1])
    return -np.partition(-similarity, closest - 1, axis=1)[:, :closest].mean(axis=1)


def topic_presence(
    rows: np.ndarray, topics: np.ndarray, nulls: Sequence[np.ndarray], random_state: int = 0
) -> np.ndarray:
    """Each topic's presence in ``rows``, (n_topics,) in [0, 1] (see the module).

    ``rows`` (n_rows, n_dims) the run's embeddings; ``topics`` (n_topics, n_dims) each topic's
    vector (its keywords' or sentences' mean embedding); ``nulls`` per topic, the (n_null,
    n_dims) unit topics nobody meant it is ranked against (topics may share one array);
    ``random_state`` draws the rows measured when they are many. Rows without content (zero
    vectors) are left out."""
    kept = np.flatnonzero(has_content(rows))
    if len(kept) > MAX_ROWS:
        rng = np.random.default_rng(random_state)
        kept = np.sort(rng.choice(kept, MAX_ROWS, replace=False))
    if not len(kept):
        return np.zeros(len(topics))
    rows = l2_normalize(np.asarray(rows[kept], dtype=np.float32))
    near = closeness(rows, l2_normalize(np.asarray(topics, dtype=np.float32)))
    chance: dict[int, np.ndarray] = {}  # by the null's identity: keyword topics share theirs
    presence = np.zeros(len(topics))
    for topic, null in enumerate(nulls):
        if id(null) not in chance:
            chance[id(null)] = closeness(rows, null)
        presence[topic] = float((chance[id(null)] < near[topic]).mean())
    return presence


def seeded_centers(rows: np.ndarray, topics: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Each topic's vector moved toward its seed rows: the mean of the unit ``rows``
    (embeddings) that ``seeds`` gives topic ``t``, plus the unit ``topics[t]``, made unit;
    (n_topics, n_dims). The more the seeds spread, the shorter their mean and the more the
    keywords weigh. A bag-of-words encoder places a row that shares no keyword with its topic
    nowhere near the keywords, but near the rows the topic gathered."""
    n_topics = len(topics)
    members = np.flatnonzero((seeds >= 0) & (seeds < n_topics))
    unit = l2_normalize(np.asarray(rows[members], dtype=np.float32))
    counts = np.bincount(seeds[members], minlength=n_topics)
    means = category_sums(unit, seeds[members], n_topics) / np.maximum(counts, 1)[:, None]
    return l2_normalize(means + l2_normalize(np.asarray(topics, dtype=np.float64)))


def unfit_rows(
    rows: np.ndarray,
    topics: np.ndarray,
    nulls: Sequence[np.ndarray],
    assigned: np.ndarray,
    quantile: float = ROW_QUANTILE,
) -> np.ndarray:
    """(n_rows,) bool: the rows whose ``assigned`` topic (index into ``topics``; -1 for rows of
    none, never marked) is nearer to them than under ``quantile`` of that topic's ``nulls``
    (see the module). Arguments as for :func:`topic_presence`."""
    topics = l2_normalize(np.asarray(topics, dtype=np.float32))
    unfit = np.zeros(len(rows), dtype=bool)
    for topic, null in enumerate(nulls):
        members = np.flatnonzero(assigned == topic)
        for start in range(0, len(members), BLOCK_ROWS):
            block = members[start : start + BLOCK_ROWS]
            unit = l2_normalize(np.asarray(rows[block], dtype=np.float32))
            beaten = (unit @ null.T < (unit @ topics[topic])[:, None]).mean(axis=1)
            unfit[block] = beaten < quantile
    return unfit


class TopicPresence:
    """Topics measured against topics nobody meant: each topic's presence in ``rows`` and
    which rows fit the topic they were given (see the module). Made by :meth:`of_keywords`
    or :meth:`of_descriptions`.

    ``rows`` (n_rows, n_dims) the run's embeddings; ``topics`` (n_topics, n_dims) each topic's
    vector; ``nulls`` each topic's (n_null, n_dims) topics nobody meant; ``row_quantile``
    the share of them a row's topic must be nearer to it than (see :func:`unfit_rows`)."""

    def __init__(
        self,
        rows: np.ndarray,
        topics: np.ndarray,
        nulls: Sequence[np.ndarray],
        random_state: int = 0,
        row_quantile: float = ROW_QUANTILE,
    ) -> None:
        self.rows, self.topics, self.nulls = rows, topics, list(nulls)
        self.row_quantile = row_quantile
        self.presence = topic_presence(rows, topics, self.nulls, random_state)

    @classmethod
    def of_keywords(
        cls,
        rows: np.ndarray,
        topics: np.ndarray,
        keywords: Sequence[Sequence[str]],
        encode_texts: Callable[[Sequence[str]], np.ndarray],
        random_state: int = 0,
    ) -> TopicPresence:
        """Keyword topics (``keywords``: each topic's words), against random word sets."""
        null = RandomTopics(encode_texts, random_state)
        return cls(rows, topics, [null.of_size(len(words)) for words in keywords], random_state)

    @classmethod
    def of_descriptions(
        cls,
        rows: np.ndarray,
        topics: np.ndarray,
        descriptions: Sequence[Sequence[str]],
        encode_texts: Callable[[Sequence[str]], np.ndarray],
        random_state: int = 0,
    ) -> TopicPresence:
        """Topics given by ``descriptions`` (each topic's sentences), against rewordings."""
        null = Rewordings(encode_texts, random_state)
        nulls = [null.of(texts, topic) for topic, texts in enumerate(descriptions)]
        return cls(rows, topics, nulls, random_state, DESCRIPTION_ROW_QUANTILE)

    @property
    def absent(self) -> np.ndarray:
        """The topics (indices) below ``ABSENT_BELOW``."""
        return np.flatnonzero(self.presence < ABSENT_BELOW)

    def doubtful(self, unfit_share: np.ndarray, closest: np.ndarray) -> np.ndarray:
        """The topics (indices) not absent but doubtful: of presence under ``DOUBTFUL_BELOW``,
        or whose ``closest`` rows (a count per topic), at least ``DOUBTFUL_MIN_ROWS``, are
        ``DOUBTFUL_UNFIT_SHARE`` or more (``unfit_share`` per topic) no nearer it than topics
        nobody meant."""
        unfit = (closest >= DOUBTFUL_MIN_ROWS) & (unfit_share >= DOUBTFUL_UNFIT_SHARE)
        low = self.presence < DOUBTFUL_BELOW
        return np.flatnonzero((self.presence >= ABSENT_BELOW) & (low | unfit))

    def unfit(self, seeds: np.ndarray, assigned: np.ndarray) -> np.ndarray:
        """(n_rows,) bool: the rows :func:`unfit_rows` marks, each topic's vector moved toward
        its ``seeds`` (a code per row, as a labeling's ``seeds_``); ``assigned`` codes at or
        beyond the topics (classes of labeled rows alone) and -1 are never marked."""
        centers = seeded_centers(self.rows, self.topics, seeds)
        topic_of = np.where(assigned < len(self.topics), assigned, -1)
        return unfit_rows(self.rows, centers, self.nulls, topic_of, self.row_quantile)
