"""Precomputed embeddings: an (n_rows, n_dims) array, ``.npy`` file or ``.npz`` archive,
validated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from siftkit.data.readers import read_array
from siftkit.embed.base import l2_normalize
from siftkit.embed.vectors import check_finite, warn_if_scales_differ
from siftkit.exceptions import DataFileNotFoundError, EmbeddingsError, UnreadableDataError


def load_embeddings(source: str | Path | Any, n_rows: int) -> np.ndarray:
    """Read and check precomputed vectors; returns L2-normalised float32 of shape (n_rows, d).

    Raises
    ------
    DataFileNotFoundError : the file does not exist.
    EmbeddingsError : not 2-D, a row count that differs from the data, or NaN/inf values.
    """
    name = "the embeddings array"
    if isinstance(source, str | Path):
        path = Path(source)
        name = repr(str(path))
        if not path.exists():
            raise DataFileNotFoundError(
                f"No such embeddings file: {str(path)!r}. Pass the path of a .npy file "
                "saved with numpy.save(path, vectors)."
            )
        try:
            array = read_array(path)  # a .npy file, or the vectors of a .npz archive
        except UnreadableDataError as exc:
            raise EmbeddingsError(str(exc)) from exc
    else:
        array = np.asarray(source)
    if array.ndim != 2:
        raise EmbeddingsError(
            f"{name[0].upper()}{name[1:]} must be 2-D (n_rows, n_dims); got shape "
            f"{array.shape}: one vector per row, of two dimensions or more (one number per "
            "row belongs in a table column)."
        )
    if array.shape[0] != n_rows:
        raise EmbeddingsError(
            f"{name[0].upper()}{name[1:]} has {array.shape[0]} rows but the data has {n_rows}."
            " Vectors must be in the same order as the data, one per row: recompute them, or "
            "load the data file they were made from."
        )
    if array.shape[1] == 0:
        raise EmbeddingsError(f"{name[0].upper()}{name[1:]} has 0 dimensions; expected >= 1.")
    if not np.issubdtype(array.dtype, np.number):
        raise EmbeddingsError(f"{name} holds {array.dtype} values; expected numbers.")
    vectors = np.asarray(array, dtype=np.float32)
    check_finite(vectors, "precomputed embedding")
    warn_if_scales_differ(vectors, name)
    return l2_normalize(vectors)
