"""Toy data for category discovery tests: blobs of vectors and topics of short texts."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Words of three topics, chosen so that no two topics share a hash bucket of the fake
#: encoder (tests/conftest.py): texts of different topics embed to orthogonal vectors.
TOPIC_WORDS = {
    "cats": "cat kitten purr whiskers meow litter feline tabby".split(),
    "boats": "boat sail harbor anchor hull mast rudder yacht".split(),
    "space": "rocket orbit planet comet astronaut galaxy moon star".split(),
}


def fake_bucket(word: str, dims: int = 64) -> int:
    """The dimension the fake encoder puts ``word`` in."""
    digest = hashlib.blake2b(word.lower().encode(), digest_size=4).digest()
    return int.from_bytes(digest, "little") % dims


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


def nested_blobs(
    per: int = 40, dims: int = 20, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """3 groups of 3 overlapping sub-blobs: a graph with structure at two scales. Returns
    vectors, the sub-blob (fine) and the group (coarse) of each row."""
    rng = np.random.default_rng(seed)
    parts, fine = [], []
    for group in range(3):
        for sub in range(3):
            center = 2.0 * np.eye(dims)[group] + 0.3 * rng.normal(size=dims)
            parts.append(center + 0.3 * rng.normal(size=(per, dims)))
            fine += [3 * group + sub] * per
    fine = np.asarray(fine)
    return np.concatenate(parts).astype(np.float32), fine, fine // 3


def topic_frame(per_topic: int = 20, words_per_text: int = 5, seed: int = 0) -> pd.DataFrame:
    """Short texts drawn from the words of each topic, with ``id``, ``text`` and ``topic``."""
    buckets = [{fake_bucket(w) for w in words} for words in TOPIC_WORDS.values()]
    assert sum(map(len, buckets)) == len(set().union(*buckets)), "topics share a bucket"
    rng = np.random.default_rng(seed)
    rows = [
        {"text": " ".join(rng.choice(words, size=words_per_text)), "topic": topic}
        for topic, words in TOPIC_WORDS.items()
        for _ in range(per_topic)
    ]
    frame = pd.DataFrame(rows)
    frame.insert(0, "id", [f"t{i}" for i in range(len(frame))])
    return frame


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two labelings group the rows the same way, whatever their numbers."""
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))
