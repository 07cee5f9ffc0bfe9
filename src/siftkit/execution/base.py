"""The executor interface every batched stage runs through."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from siftkit._validation import did_you_mean
from siftkit.exceptions import UnknownPluginError

T = TypeVar("T")
R = TypeVar("R")


class Executor(ABC):
    """Runs a function over batches and yields the results in input order.

    Stages hand an executor self-contained batches (a list of texts, a block of rows), so
    the same stage runs in-process or on a cluster without change.
    """

    name: str

    @abstractmethod
    def map(self, fn: Callable[[T], R], batches: Iterable[T]) -> Iterator[R]:
        """Apply ``fn`` to every batch; results come back in the order of ``batches``."""


class LocalExecutor(Executor):
    """Runs every batch in this process, one after another (the default)."""

    name = "local"

    def map(self, fn: Callable[[T], R], batches: Iterable[T]) -> Iterator[R]:
        for batch in batches:
            yield fn(batch)


_EXECUTORS: dict[str, type[Executor]] = {"local": LocalExecutor}


def get_executor(executor: str | Executor | None) -> Executor:
    """An executor instance from a name (``"local"``) or an instance; None means local."""
    if executor is None:
        return LocalExecutor()
    if isinstance(executor, Executor):
        return executor
    if executor not in _EXECUTORS:
        raise UnknownPluginError(
            f"No executor named {executor!r}.{did_you_mean(executor, _EXECUTORS)} "
            f"Available: {', '.join(sorted(_EXECUTORS))}."
        )
    return _EXECUTORS[executor]()
