"""Shared fixtures: a fast deterministic fake text encoder, and an isolated embedding cache."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pytest
from toy_data import FAKE_DIMS

from siftkit.embed import register_encoder
from siftkit.embed.base import Encoder, l2_normalize


@register_encoder("fake")
class FakeTextEncoder(Encoder):
    """Bag of hashed words: texts sharing words get similar vectors; no model, instant.

    Counts its calls so tests can check what was (not) embedded.
    """

    modality = "text"
    cacheable = True
    calls: list[int] = []

    def __init__(self, batch_size: int = 16) -> None:
        self.batch_size = batch_size

    @property
    def cache_key(self) -> str:
        return "fake-hash-words-v1"

    def inputs(self, dataset):  # noqa: ANN001, ANN201
        return dataset.texts

    def item_lengths(self, items: Sequence[str]) -> np.ndarray:
        return np.array([len(item) for item in items])

    def embed_batch(self, items: Sequence[str]) -> np.ndarray:
        FakeTextEncoder.calls.append(len(items))
        out = np.zeros((len(items), FAKE_DIMS), dtype=np.float32)
        for row, text in enumerate(items):
            for word in text.lower().split():
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % FAKE_DIMS] += 1.0
        return l2_normalize(out)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test gets its own embedding cache folder; nothing touches ~/.cache."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("SIFTKIT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def fake_encoder() -> FakeTextEncoder:
    FakeTextEncoder.calls.clear()
    return FakeTextEncoder()


@pytest.fixture
def text_frame():
    """60 short labeled texts in 3 topics, with one exact duplicate and one mislabeled row."""
    import pandas as pd

    rng = np.random.default_rng(0)
    topics = {
        "sport": "football match goal team player score league coach stadium".split(),
        "food": "bread cheese soup recipe kitchen bake flavor dinner spice".split(),
        "tech": "computer software chip network code server laptop data cloud".split(),
    }
    rows = []
    for label, words in topics.items():
        for _ in range(20):
            rows.append({"text": " ".join(rng.choice(words, size=6)), "label": label})
    rows[5]["label"] = "food"  # a sport text filed under food
    rows.append(dict(rows[30]))  # an exact duplicate of a food row
    frame = pd.DataFrame(rows)
    frame.insert(0, "id", [f"r{i}" for i in range(len(frame))])
    return frame
