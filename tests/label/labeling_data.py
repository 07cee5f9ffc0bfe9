"""Toy data for labeling tests: blobs of vectors, and topics of short texts whose words the
fake encoder (tests/conftest.py) puts in disjoint dimensions."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

#: Words of three topics and of a fourth, unrelated one; no two topics share a hash bucket
#: of the fake encoder, so texts of different topics embed to orthogonal vectors.
TOPIC_WORDS = {
    "cats": "cat kitten purr whiskers meow litter feline tabby".split(),
    "boats": "boat sail harbor anchor hull mast rudder yacht".split(),
    "space": "rocket orbit planet comet astronaut galaxy moon star".split(),
}
MUSIC_WORDS = "violin trumpet harp banjo chord organ lute viola".split()

KEYWORDS_YAML = "cats: [cat, kitten, purr]\nboats: [boat, sail, harbor]\nspace: [rocket, orbit]\n"
DESCRIPTIONS_YAML = (
    "cats: a cat and a kitten purr and meow\n"
    "boats: a boat with a sail in the harbor\n"
    "space: a rocket in orbit around a planet\n"
)


def fake_bucket(word: str, dims: int = 64) -> int:
    """The dimension the fake encoder puts ``word`` in."""
    digest = hashlib.blake2b(word.lower().encode(), digest_size=4).digest()
    return int.from_bytes(digest, "little") % dims


def blobs(
    sizes: Sequence[int] = (50,) * 4, dims: int = 16, spread: float = 0.15, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs around distinct axes; vectors (n_rows, dims) float32 and blob ids."""
    rng = np.random.default_rng(seed)
    axes = np.eye(dims)
    parts = [axes[b] + spread * rng.normal(size=(size, dims)) for b, size in enumerate(sizes)]
    truth = np.repeat(np.arange(len(sizes)), sizes)
    return np.concatenate(parts).astype(np.float32), truth


def texts(words: Sequence[str], n: int, rng: np.random.Generator, size: int = 5) -> list[str]:
    return [" ".join(rng.choice(words, size=size)) for _ in range(n)]


def topic_frame(per_topic: int = 20, seed: int = 0) -> pd.DataFrame:
    """Short texts of each topic of ``TOPIC_WORDS``: columns ``id``, ``text``, ``topic``."""
    buckets = [{fake_bucket(w) for w in words} for words in (*TOPIC_WORDS.values(), MUSIC_WORDS)]
    assert sum(map(len, buckets)) == len(set().union(*buckets)), "topics share a bucket"
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        [{"text": text, "topic": topic}
         for topic, words in TOPIC_WORDS.items() for text in texts(words, per_topic, rng)]
    )  # fmt: skip
    frame.insert(0, "id", [f"t{i}" for i in range(len(frame))])
    return frame


def with_rows(frame: pd.DataFrame, new_texts: Sequence[str], topic: str) -> pd.DataFrame:
    """``frame`` with rows of ``new_texts`` appended (ids ``x0``, ``x1``…)."""
    extra = pd.DataFrame({"id": [f"x{i}" for i in range(len(new_texts))],
                          "text": list(new_texts), "topic": topic})  # fmt: skip
    return pd.concat([frame, extra], ignore_index=True)


def write(path: Path, content: str) -> str:
    path.write_text(content, encoding="utf-8")
    return str(path)
