"""Embed a dataset: cache look-up, de-duplication, length-sorted batches, progress, resume."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from siftkit._progress import progress_bar
from siftkit._text import is_blank
from siftkit.embed.base import Encoder, l2_normalize
from siftkit.embed.cache import EmbeddingCache, content_keys, default_cache_dir
from siftkit.exceptions import InvalidParameterError
from siftkit.execution import Executor, get_executor


@dataclass(frozen=True)
class EmbedStats:
    """What an embedding pass did: rows in, rows served from cache, rows run through the
    model, rows without content (blank texts, left as zero vectors)."""

    n_rows: int
    n_unique: int
    n_cached: int
    n_embedded: int
    seconds: float
    n_empty: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "n_rows": self.n_rows,
            "n_unique": self.n_unique,
            "n_cached": self.n_cached,
            "n_embedded": self.n_embedded,
            "n_empty": self.n_empty,
            "seconds": round(self.seconds, 3),
        }


def _length_sorted_batches(
    positions: np.ndarray, lengths: np.ndarray, batch_size: int
) -> list[np.ndarray]:
    """Batches of positions with similar lengths, so padding is small."""
    order = positions[np.argsort(lengths[positions], kind="stable")]
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def embed_dataset(
    dataset: Any,
    encoder: Encoder,
    *,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    executor: str | Executor | None = None,
    progress: bool | None = None,
) -> tuple[np.ndarray, EmbedStats]:
    """Vectors for every row of ``dataset``, L2-normalised float32 of shape (n_rows, n_dims);
    rows whose text is blank are zero vectors, not embedded.

    Identical items are embedded once. With a cacheable encoder, vectors found in the cache
    are reused and new ones are written back as batches finish, so an interrupted call
    resumes where it stopped.
    """
    start = time.perf_counter()
    executor = get_executor(executor)
    if encoder.modality == "text" and dataset.texts is None:
        raise InvalidParameterError(
            f"The {encoder.name} encoder embeds text, but no column of the data was taken "
            "for text. Name it with --text COLUMN (Python: text=...)."
        )
    if encoder.modality == "vector" and dataset.features is None and not dataset.schema.vector:
        raise InvalidParameterError(
            f"The {encoder.name} encoder uses the data's own vectors, but the data holds none: "
            "no column of fixed-length number lists (a vector column, e.g. Parquet list<float>) "
            "and no array given as data. Use another encoder (--encoder), or pass vectors "
            "with --embeddings FILE.npy (Python: embeddings=...)."
        )
    encoder.fit(dataset)
    all_items = list(encoder.inputs(dataset))
    # a blank text has nothing to embed: it stays the zero vector (see embed.base.has_content)
    blank = np.fromiter(
        (is_blank(item) for item in all_items),
        dtype=bool, count=len(all_items),
    )  # fmt: skip
    with_content = np.flatnonzero(~blank)
    items = [all_items[i] for i in with_content]
    n_rows = len(items)
    cacheable = encoder.cacheable and all(isinstance(x, str) for x in items[:1])

    if cacheable:
        keys = content_keys(items)
        unique_keys, first, inverse = np.unique(
            keys, axis=0, return_index=True, return_inverse=True
        )
        inverse = inverse.reshape(-1)
    else:
        keys = unique_keys = None
        first = np.arange(n_rows)
        inverse = np.arange(n_rows)
    n_unique = len(first)

    unique_vectors: np.ndarray | None = None
    todo = np.arange(n_unique)
    cache = None
    if cacheable and use_cache:
        cache = EmbeddingCache(cache_dir or default_cache_dir(), encoder.cache_key)
        found, cached = cache.lookup(unique_keys)
        if found.any():
            unique_vectors = np.zeros((n_unique, cached.shape[1]), dtype=np.float32)
            unique_vectors[found] = cached
        todo = np.flatnonzero(~found)

    if len(todo):
        lengths = np.zeros(n_unique, dtype=np.int64)
        lengths[todo] = encoder.item_lengths([items[first[u]] for u in todo])
        batches = _length_sorted_batches(todo, lengths, encoder.batch_size)

        def run(batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return batch, encoder.embed_batch([items[first[u]] for u in batch])

        with progress_bar(len(todo), f"Embedding with {encoder.id}", progress) as advance:
            try:
                for batch, vectors in executor.map(run, batches):
                    if unique_vectors is None:
                        unique_vectors = np.zeros((n_unique, vectors.shape[1]), dtype=np.float32)
                    unique_vectors[batch] = vectors
                    if cache is not None:
                        cache.add(unique_keys[batch], vectors)
                    advance(len(batch))
            finally:
                if cache is not None:
                    cache.flush()

    # loading guarantees a row with content (a text column blank in every row is an error)
    assert unique_vectors is not None
    vectors = np.zeros((len(all_items), unique_vectors.shape[1]), dtype=np.float32)
    vectors[with_content] = l2_normalize(unique_vectors)[inverse]
    stats = EmbedStats(
        n_rows=len(all_items),
        n_unique=n_unique,
        n_cached=n_unique - len(todo),
        n_embedded=len(todo),
        seconds=time.perf_counter() - start,
        n_empty=int(blank.sum()),
    )
    return vectors, stats
