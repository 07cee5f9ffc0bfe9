"""Toy data for labeling tests: blobs of vectors (in ``shared_blob`` two classes share one),
a few labeled rows of each class, and topics of short texts whose words the fake encoder
(tests/conftest.py) puts in disjoint dimensions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import toy_data
from toy_data import MUSIC_WORDS, TOPIC_WORDS, fake_bucket, texts, topic_frame  # noqa: F401

from siftkit.embed import l2_normalize


def blobs(
    sizes: Sequence[int] = (50,) * 4, dims: int = 16, spread: float = 0.15, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Four blobs of 50 rows in 16 dimensions by default (see ``toy_data.blobs``)."""
    return toy_data.blobs(sizes, dims, spread, seed)


def nuisance_blobs(n: int = 1200, n_classes: int = 4, seed: int = 0):
    """Classes apart along ``n_classes`` axes, hidden by 4 more axes of as large a spread that
    no class follows: cosine neighbours often cross classes, a metric learned from the classes
    undoes it. Returns (float32 vectors, class codes)."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(n_classes), n // n_classes)
    signal = np.eye(n_classes)[truth] + 0.25 * rng.normal(size=(n, n_classes))
    return np.hstack([signal, rng.normal(size=(n, 4))]).astype(np.float32), truth


KEYWORDS_YAML = "cats: [cat, kitten, purr]\nboats: [boat, sail, harbor]\nspace: [rocket, orbit]\n"
DESCRIPTIONS_YAML = (
    "cats: a cat and a kitten purr and meow\n"
    "boats: a boat with a sail in the harbor\n"
    "space: a rocket in orbit around a planet\n"
)


def with_rows(frame: pd.DataFrame, new_texts: Sequence[str], topic: str) -> pd.DataFrame:
    """``frame`` with rows of ``new_texts`` appended (ids ``x0``, ``x1``…)."""
    extra = pd.DataFrame({"id": [f"x{i}" for i in range(len(new_texts))],
                          "text": list(new_texts), "topic": topic})  # fmt: skip
    return pd.concat([frame, extra], ignore_index=True)


def write(path: Path, content: str) -> str:
    path.write_text(content, encoding="utf-8")
    return str(path)


def shared_blob(gap: float = 0.3, n: int = 150, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Six classes of ``n`` rows in five blobs: classes 0 and 1 share the first, ``2 * gap``
    apart along a direction of their own; 2-5 each have one. Unit rows."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(6), n)
    centre = 6.0 * np.eye(5)[np.maximum(truth - 1, 0)]
    own = np.select([truth == 0, truth == 1], [-gap, gap], 0.0)[:, None]
    rows = np.hstack([
        centre + rng.normal(size=(6 * n, 5)), own + 0.1 * rng.normal(size=(6 * n, 1)),
        0.3 * rng.normal(size=(6 * n, 3)),
    ])  # fmt: skip
    return l2_normalize(rows), truth


def some_labels(truth: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    codes = np.full(len(truth), -1)
    for c in np.unique(truth):
        codes[rng.choice(np.flatnonzero(truth == c), per_class, replace=False)] = c
    return codes


def calibration_error(right: np.ndarray, confidence: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: mean |accuracy − confidence| over ``bins`` equal-width
    confidence bins, weighted by the share of rows in each (as the labeling benchmark)."""
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    return float(
        sum((which == b).mean() * abs(right[which == b].mean() - confidence[which == b].mean())
            for b in range(bins) if (which == b).any())
    )  # fmt: skip
