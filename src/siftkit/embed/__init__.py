"""Embedding: an encoder registry, a content-hash cache, and the batched embedding pipeline."""

from __future__ import annotations

import warnings
from typing import Any

from siftkit.data.schema import is_image_path_column
from siftkit.embed import minilm, tabular, tfidf, vectors  # noqa: F401  (registers encoders)
from siftkit.embed.base import (
    Encoder,
    available_encoders,
    get_encoder,
    l2_normalize,
    register_encoder,
)
from siftkit.embed.cache import EmbeddingCache, default_cache_dir
from siftkit.embed.pipeline import EmbedStats, embed_dataset
from siftkit.embed.precomputed import load_embeddings
from siftkit.exceptions import ColumnInferenceWarning, EmptyDatasetError

DEFAULT_TEXT_ENCODER = "minilm"

__all__ = [
    "DEFAULT_TEXT_ENCODER",
    "EmbedStats",
    "EmbeddingCache",
    "Encoder",
    "available_encoders",
    "default_cache_dir",
    "default_encoder_name",
    "embed_dataset",
    "get_encoder",
    "l2_normalize",
    "load_embeddings",
    "register_encoder",
]


def default_encoder_name(dataset: Any) -> str:
    """The encoder a dataset gets when none is named: its vectors, its text, or its columns."""
    if dataset.features is not None or dataset.schema.vector:
        if dataset.schema.text is not None:
            vectors = " and ".join(repr(c) for c in dataset.schema.vector)
            warnings.warn(
                f"Comparing the rows by their vectors in {vectors}, not by their text "
                f"{dataset.schema.text!r} (shown beside the results). Pass "
                f"--encoder {DEFAULT_TEXT_ENCODER} (Python: encoder={DEFAULT_TEXT_ENCODER!r}) to "
                "embed the text instead.",
                ColumnInferenceWarning,
                stacklevel=4,
            )
        return "vectors"
    if dataset.schema.text is not None:
        return DEFAULT_TEXT_ENCODER
    if dataset.schema.numeric or dataset.schema.categorical:
        return "tabular"
    images = [c for c in dataset.schema.ignored if is_image_path_column(dataset.frame[c])]
    if images:
        raise EmptyDatasetError(
            f"The column {images[0]!r} of the data from {dataset.source} names image files "
            f"(such as {dataset.frame[images[0]].dropna().iloc[0]!r}), and siftkit reads no "
            "images. Embed them with an image model and pass the vectors, a row each in the "
            "data's order: --embeddings FILE.npy (Python: embeddings=array)."
        )
    raise EmptyDatasetError(
        f"The data from {dataset.source} has no column to analyse (columns: "
        f"{', '.join(dataset.frame.columns) or 'none'}). Expected a text column, numeric or "
        "categorical columns, or a vector column; or pass precomputed embeddings "
        "(--embeddings FILE.npy)."
    )
