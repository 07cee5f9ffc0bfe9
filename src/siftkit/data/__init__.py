"""Loading: files, folders and in-memory tables into a validated :class:`Dataset`."""

from siftkit.data.dataset import (
    Dataset,
    Labels,
    content_hashes,
    encode_labels,
    load,
    normalize_text,
)
from siftkit.data.readers import read_path
from siftkit.data.schema import Schema, infer_schema

__all__ = [
    "Dataset",
    "Labels",
    "Schema",
    "content_hashes",
    "encode_labels",
    "infer_schema",
    "load",
    "normalize_text",
    "read_path",
]
