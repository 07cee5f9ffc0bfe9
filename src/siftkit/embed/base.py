"""The encoder interface and the registry every encoder is looked up in."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from siftkit._validation import did_you_mean
from siftkit.exceptions import InvalidParameterError, UnknownPluginError

#: From this share of word fragments among the pieces, an audit warns that the texts read as
#: another language than English (or as codes), and that the model places such texts less
#: well. (MiniLM's share: English prose 0.07-0.14, log lines 0.23-0.25; the same messages
#: translated into French 0.31, Spanish 0.35, German 0.43, Polish 0.52, Russian 0.73.)
FRAGMENT_WARN_SHARE = 0.3


@dataclass(frozen=True)
class TextReading:
    """How much of some texts a text encoder reads: ``unknown_share`` of their pieces its
    vocabulary lacks (``unknown_pieces``, commonest first), ``fragment_share`` of them
    fragments of words it holds only in pieces (``##ing``), and ``cut_share`` of the texts
    longer than the ``max_pieces`` it reads, whose ends it leaves out."""

    unknown_share: float
    unknown_pieces: list[str]
    cut_share: float
    max_pieces: int
    fragment_share: float = 0.0


class Encoder(ABC):
    """Turns the rows of a dataset into vectors, one batch at a time.

    Subclasses declare ``name`` (the registry key), ``modality`` (``"text"``,
    ``"tabular"`` or ``"vector"``) and whether their output may be cached by content
    (``cacheable``: true only when a row's vector depends on that row alone, as for a
    pretrained model). Data-dependent encoders learn in :meth:`fit`.
    """

    name: ClassVar[str]
    modality: ClassVar[str]
    cacheable: ClassVar[bool] = False
    batch_size: int = 256

    def fit(self, dataset: Any) -> Encoder:
        """Learn whatever the encoder needs from the whole dataset; returns ``self``."""
        return self

    @abstractmethod
    def inputs(self, dataset: Any) -> Sequence[Any]:
        """The per-row items this encoder embeds (texts, row positions…), in row order."""

    @abstractmethod
    def embed_batch(self, items: Sequence[Any]) -> np.ndarray:
        """Vectors of shape (len(items), n_dims), float32, not necessarily normalised."""

    @property
    def cache_key(self) -> str:
        """Identifies this encoder's outputs in the cache: change it when outputs change."""
        return self.name

    @property
    def id(self) -> str:
        """The encoder id recorded in the run summary."""
        return self.name

    def item_lengths(self, items: Sequence[Any]) -> np.ndarray:
        """A cost estimate per item, as integers; batches are formed from items of similar
        length, so that little of a batch is padding."""
        return np.zeros(len(items), dtype=np.int64)

    def reading(self, texts: Sequence[str]) -> TextReading | None:
        """For a text encoder with a fixed vocabulary and length: how much of ``texts`` it
        reads; None where it cannot tell (it learns its words from the rows and reads them
        whole, or reads no text) or ``texts`` hold no piece."""
        return None


_ENCODERS: dict[str, Callable[..., Encoder]] = {}


def register_encoder(name: str) -> Callable[[type[Encoder]], type[Encoder]]:
    """Class decorator: make an encoder available under ``name``."""

    def decorate(cls: type[Encoder]) -> type[Encoder]:
        cls.name = name  # the registry key is the encoder's name (and its default id)
        _ENCODERS[name] = cls
        return cls

    return decorate


def available_encoders() -> list[str]:
    return sorted(_ENCODERS)


def get_encoder(name: str, **params: Any) -> Encoder:
    """A new encoder instance by registry name."""
    if name not in _ENCODERS:
        raise UnknownPluginError(
            f"No encoder named {name!r}.{did_you_mean(name, _ENCODERS, '--encoder')} "
            f"Available encoders: {', '.join(available_encoders())}."
        )
    return _ENCODERS[name](**params)


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32; all-zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.maximum(norms, np.float32(1e-12), out=norms)
    return vectors / norms


def has_content(vectors: np.ndarray) -> np.ndarray:
    """Per row, whether it has content, (n_rows,) bool: a row without content (a blank text)
    embeds as the zero vector, which says nothing about where the row belongs."""
    return np.any(np.asarray(vectors) != 0, axis=1)


def unit_rows(X: Any) -> np.ndarray:
    """``X`` (n_rows, n_dims) as unit float32 rows, checked: an array of numbers, 2-D with at
    least one row; a row holding NaN or inf becomes the zero vector, a row without content.
    Raises :class:`InvalidParameterError` saying what is wrong."""
    try:
        vectors = np.array(X, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(f"X must be an array of numbers: {exc}.") from exc
    if vectors.ndim != 2 or len(vectors) < 1:
        raise InvalidParameterError(
            f"X must have shape (n_rows, n_dims) with at least 1 row; got {vectors.shape}."
        )
    vectors[~np.isfinite(vectors).all(axis=1)] = 0.0
    return l2_normalize(vectors)
