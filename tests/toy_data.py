"""Toy data shared by the tests: blobs of vectors, and topics of short texts whose words the
fake encoder (tests/conftest.py) puts in disjoint dimensions."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Words of three topics and of a fourth, unrelated one; no two topics share a hash bucket
#: of the fake encoder, so texts of different topics embed to orthogonal vectors.
#: Dimensions of the fake text encoder (tests/conftest.py): a word's hash picks one. Enough
#: that random sets of common words seldom share one with a toy topic's words.
FAKE_DIMS = 256

TOPIC_WORDS = {
    "cats": "cat kitten purr whiskers meow litter feline tabby".split(),
    "boats": "boat sail harbor anchor hull mast rudder yacht".split(),
    "space": "rocket orbit planet comet astronaut galaxy moon star".split(),
}
MUSIC_WORDS = "violin trumpet harp banjo chord organ lute viola".split()


def fake_bucket(word: str, dims: int = FAKE_DIMS) -> int:
    """The dimension the fake encoder puts ``word`` in."""
    digest = hashlib.blake2b(word.lower().encode(), digest_size=4).digest()
    return int.from_bytes(digest, "little") % dims


def class_words(n_classes: int, per_class: int = 6) -> list[list[str]]:
    """Words of each class, every word in a dimension of the fake encoder of its own."""
    taken: set[int] = set()
    words: list[list[str]] = []
    candidates = (f"w{i}" for i in range(10_000))
    for _ in range(n_classes):
        chosen = []
        while len(chosen) < per_class:
            word = next(candidates)
            if fake_bucket(word) not in taken:
                taken.add(fake_bucket(word))
                chosen.append(word)
        words.append(chosen)
    return words


def named_frame(n_classes: int = 6, per_class: int = 15, labeled: int = 2) -> pd.DataFrame:
    """Texts of ``n_classes`` classes of ``class_words``, each class named by its first word
    (``topic``), ``labeled`` rows of each labeled (``seed``, empty elsewhere); ``id``, ``text``."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        [{"text": text, "topic": words[0]}
         for words in class_words(n_classes) for text in texts(words, per_class, rng)]
    )  # fmt: skip
    frame.insert(0, "id", [f"r{i}" for i in range(len(frame))])
    frame["seed"] = frame["topic"].where(frame.index % per_class < labeled)
    return frame


def blobs(
    sizes: Sequence[int] = (60,) * 6, dims: int = 20, spread: float = 0.15, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs around distinct axes (so they differ in direction, which is all that
    survives L2 normalisation); returns vectors (n_rows, dims) float32 and true blob ids."""
    rng = np.random.default_rng(seed)
    axes = np.eye(dims)
    parts = [axes[b] + spread * rng.normal(size=(size, dims)) for b, size in enumerate(sizes)]
    truth = np.repeat(np.arange(len(sizes)), sizes)
    return np.concatenate(parts).astype(np.float32), truth


def texts(words: Sequence[str], n: int, rng: np.random.Generator, size: int = 5) -> list[str]:
    """``n`` texts of ``size`` words drawn from ``words``."""
    return [" ".join(rng.choice(words, size=size)) for _ in range(n)]


def topic_frame(per_topic: int = 20, words_per_text: int = 5, seed: int = 0) -> pd.DataFrame:
    """Short texts of each topic of ``TOPIC_WORDS``: columns ``id``, ``text``, ``topic``."""
    buckets = [{fake_bucket(w) for w in words} for words in (*TOPIC_WORDS.values(), MUSIC_WORDS)]
    assert sum(map(len, buckets)) == len(set().union(*buckets)), "topics share a bucket"
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        [{"text": text, "topic": topic}
         for topic, words in TOPIC_WORDS.items()
         for text in texts(words, per_topic, rng, words_per_text)]
    )  # fmt: skip
    frame.insert(0, "id", [f"t{i}" for i in range(len(frame))])
    return frame


def audited_digit_table(folder):  # noqa: ANN001, ANN201
    """A saved run of a CSV table (``folder/data.csv``, 40 rows) whose label column
    ``digit`` holds whole numbers, 1 and 2, on every other row and nothing elsewhere (pandas
    reads it as floats); the run re-opened."""
    import siftkit

    table = pd.DataFrame({"size": [float(i % 7) for i in range(40)],
                          "digit": [1.0, None, 2.0, None] * 10})  # fmt: skip
    table.to_csv(folder / "data.csv", index=False)
    siftkit.audit(folder / "data.csv", label="digit", output=folder / "run",
                  detectors=["outliers"], allow_missing_labels=True, progress=False)  # fmt: skip
    return siftkit.open(folder / "run")
