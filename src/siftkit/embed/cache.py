"""A content-addressed embedding cache on disk.

Vectors are stored in shards (``.npz``: 16-byte content keys and float32 vectors), one
folder per encoder. A shard is written after every few batches with a temp-file-then-rename,
so an interrupted run keeps what it finished and the next run embeds only the rest.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
import warnings
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from siftkit.exceptions import CacheUnavailableWarning

CACHE_ENV = "SIFTKIT_CACHE_DIR"
KEY_BYTES = 16


def default_cache_dir() -> Path:
    """``$SIFTKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/siftkit``, else ``~/.cache/siftkit``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "siftkit"


def content_keys(items: Iterable[str]) -> np.ndarray:
    """16-byte blake2b digests of each item's UTF-8 text, as an array of shape (n, 16)."""
    digests = [
        hashlib.blake2b(item.encode("utf-8", "surrogatepass"), digest_size=KEY_BYTES).digest()
        for item in items
    ]
    return np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(-1, KEY_BYTES)


class EmbeddingCache:
    """Vectors by content key for one encoder.

    Parameters
    ----------
    root : folder holding the caches of all encoders.
    encoder_key : the encoder's :attr:`~siftkit.embed.base.Encoder.cache_key`.
    flush_every : rows buffered in memory before a shard is written.
    """

    def __init__(self, root: str | Path, encoder_key: str, flush_every: int = 4096) -> None:
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", encoder_key)
        self.folder = Path(root) / safe
        self.flush_every = flush_every
        self._pending_keys: list[np.ndarray] = []
        self._pending_vectors: list[np.ndarray] = []
        self._n_pending = 0
        self._unwritable = False

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(found, vectors)``: a boolean mask of shape (n,) and the found vectors."""
        found = np.zeros(len(keys), dtype=bool)
        vectors: np.ndarray | None = None
        if not self.folder.is_dir() or len(keys) == 0:
            return found, np.empty((0, 0), dtype=np.float32)
        wanted = {bytes(k): i for i, k in enumerate(keys)}
        for shard in sorted(self.folder.glob("shard-*.npz")):
            try:
                with np.load(shard) as data:
                    shard_keys, shard_vectors = data["keys"], data["vectors"]
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
                continue  # a damaged shard is only a cache miss
            for j, key in enumerate(shard_keys):
                i = wanted.get(bytes(key))
                if i is None or found[i]:
                    continue
                if vectors is None:
                    vectors = np.zeros((len(keys), shard_vectors.shape[1]), dtype=np.float32)
                if shard_vectors.shape[1] != vectors.shape[1]:
                    continue
                vectors[i] = shard_vectors[j]
                found[i] = True
        if vectors is None:
            return found, np.empty((0, 0), dtype=np.float32)
        return found, vectors[found]

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        """Buffer vectors; a shard is written once ``flush_every`` rows are pending."""
        self._pending_keys.append(np.asarray(keys, dtype=np.uint8))
        self._pending_vectors.append(np.asarray(vectors, dtype=np.float32))
        self._n_pending += len(keys)
        if self._n_pending >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Write pending vectors as one shard (atomically). A folder that cannot be written
        (a file in its place, no permission, a read-only disk) is only a cache that keeps
        nothing: one :class:`CacheUnavailableWarning`, then no more writes."""
        if not self._n_pending or self._unwritable:
            return
        name = f"shard-{uuid.uuid4().hex}.npz"
        tmp = self.folder / f".{name}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tmp.open("wb") as handle:
                np.savez(
                    handle,
                    keys=np.concatenate(self._pending_keys),
                    vectors=np.concatenate(self._pending_vectors),
                )
            os.replace(tmp, self.folder / name)
        except OSError as exc:
            self._unwritable = True
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            warnings.warn(
                f"The embedding cache folder {str(self.folder)!r} cannot be written "
                f"({type(exc).__name__}: {exc.strerror or exc}); embedding goes on without "
                "caching. Set SIFTKIT_CACHE_DIR (or --cache-dir) to a writable folder, or "
                "pass --no-cache.",
                CacheUnavailableWarning,
                stacklevel=2,
            )
        self._pending_keys, self._pending_vectors, self._n_pending = [], [], 0
