"""What a detector is: declared requirements and parameters, and ``run(context) -> Result``.

Built-in detectors and third-party ones use the same interface and the same registry.
A detector reads the shared :class:`Context` (never mutates it, never prints; intermediate
results several detectors need go through :meth:`Context.shared_result`, computed once) and
returns per-row columns plus one summary entry.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from siftkit._validation import Constraint, did_you_mean, validate_params
from siftkit.data.dataset import Labels
from siftkit.embed.base import has_content
from siftkit.exceptions import UnknownPluginError
from siftkit.neighbors import KnnGraph

#: What a detector may require, and the reason given when a run lacks it.
REQUIREMENT_REASONS = {
    "embeddings": "no embeddings were computed",
    "graph": "no kNN graph was built",
    "labels": "it needs labels: pass --label COLUMN (Python: label=...)",
    "texts": "it needs a text column",
}


@dataclass(frozen=True)
class Context:
    """Everything detectors share, computed once per run. Arrays are read-only.

    Attributes
    ----------
    embeddings : (n_rows, n_dims) float32, L2-normalised.
    graph : the kNN graph over ``embeddings``.
    row_ids : (n_rows,) the row ids of the contract.
    content_hashes : (n_rows,) uint64 — equal for rows that say the same thing.
    labels : encoded labels (``codes == -1`` where missing), or None.
    texts : the text of each row, or None.
    random_state : seed for every random step.
    encode_texts : embeds other texts (e.g. candidate names) like the rows, L2-normalised,
        (n_texts, n_dims); None when the run has no text encoder.
    features : the rows' numeric and categorical columns, for a table without a text column
        (what its categories are named by), or None.
    splits : (n_rows,) the split of each row as text (None where it has none), or None for
        data without a split column.
    """

    embeddings: np.ndarray
    graph: KnnGraph
    row_ids: np.ndarray
    content_hashes: np.ndarray
    labels: Labels | None = None
    texts: Sequence[str] | None = None
    random_state: int = 0
    encode_texts: Callable[[Sequence[str]], np.ndarray] | None = None
    features: pd.DataFrame | None = None
    splits: np.ndarray | None = None
    _shared: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def shared_result(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` the first time ``name`` is asked for in this run, the same object
        after: for intermediate results several detectors need (e.g. class prototypes)."""
        if name not in self._shared:
            self._shared[name] = compute()
        return self._shared[name]

    def computed(self, name: str) -> Any:
        """The shared result ``name`` if some detector computed it in this run, else None."""
        return self._shared.get(name)

    def __post_init__(self) -> None:
        for array in (self.embeddings, self.row_ids, self.content_hashes):
            array.setflags(write=False)
        if self.splits is not None:
            self.splits.setflags(write=False)
        for array in (self.graph.indices, self.graph.similarities):
            array.setflags(write=False)
        if self.labels is not None:
            self.labels.codes.setflags(write=False)
            self.labels.classes.setflags(write=False)

    @property
    def n_rows(self) -> int:
        return len(self.embeddings)

    @property
    def with_content(self) -> np.ndarray:
        """(n_rows,) bool, read-only: the rows with content. A row without (a blank text) is
        the zero vector: it has arbitrary neighbours and gets no verdict but ``is_empty``."""

        def compute() -> np.ndarray:
            mask = has_content(self.embeddings)
            mask.setflags(write=False)
            return mask

        return self.shared_result("with_content", compute)

    def has(self, requirement: str) -> bool:
        if requirement == "labels":
            return self.labels is not None
        if requirement == "texts":
            return self.texts is not None
        return getattr(self, requirement, None) is not None


@dataclass
class Result:
    """A detector's output: per-row columns (contract names) and its summary entry."""

    columns: dict[str, np.ndarray]
    summary: dict[str, Any] = field(default_factory=dict)


class Detector(ABC):
    """Base class of every detector.

    Subclasses set ``name`` (the summary key), ``requires`` (context fields it needs),
    ``columns`` (the per-row columns it adds) and ``parameter_constraints``, and store
    their parameters in ``__init__`` unchanged (scikit-learn style).
    """

    name: ClassVar[str]
    requires: ClassVar[tuple[str, ...]] = ("embeddings", "graph")
    columns: ClassVar[tuple[str, ...]] = ()
    parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {}

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.parameter_constraints}

    def check_params(self) -> None:
        """Raise :class:`~siftkit.exceptions.InvalidParameterError` on a bad parameter."""
        validate_params(type(self).__name__, self.get_params(), self.parameter_constraints)

    def skip_reason(self, context: Context) -> str | None:
        """Why this detector cannot run on ``context``, or None when it can."""
        for requirement in self.requires:
            if not context.has(requirement):
                return REQUIREMENT_REASONS.get(requirement, f"it needs {requirement}")
        return None

    @abstractmethod
    def run(self, context: Context) -> Result:
        """Score every row; must not modify ``context``."""


_DETECTORS: dict[str, type[Detector]] = {}


def register_detector(cls: type[Detector]) -> type[Detector]:
    """Class decorator: make a detector available under its ``name``."""
    _DETECTORS[cls.name] = cls
    return cls


def available_detectors() -> list[str]:
    return list(_DETECTORS)


def get_detector(name: str, **params: Any) -> Detector:
    if name not in _DETECTORS:
        raise UnknownPluginError(
            f"No detector named {name!r}.{did_you_mean(name, _DETECTORS, '--detectors')} "
            f"Available detectors: {', '.join(_DETECTORS)}."
        )
    return _DETECTORS[name](**params)


def detector_classes() -> dict[str, type[Detector]]:
    return dict(_DETECTORS)


def robust_z(values: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """``(v - median) / (1.4826 * MAD)``: how many robust standard deviations each value lies
    above the median (the mean absolute deviation stands in when the MAD is 0). The median
    and MAD come from the rows where ``reference`` is true (all rows by default)."""
    basis = values if reference is None or not reference.any() else values[reference]
    median = float(np.median(basis))
    deviation = np.abs(basis - median)
    scale = 1.4826 * float(np.median(deviation))
    if scale <= 1e-12:
        scale = float(np.mean(deviation)) or 1e-12
    return (values - median) / scale


def score_from_z(z: np.ndarray, threshold: float) -> np.ndarray:
    """Scores in [0, 1): ``z+ / (z+ + threshold)``, so 0.5 means exactly ``threshold``."""
    positive = np.clip(z, 0.0, None)
    return (positive / (positive + threshold)).astype(np.float64)
