"""Executors: where batched stages run. Local (in-process) today; distributed ones plug in here."""

from siftkit.execution.base import Executor, LocalExecutor, get_executor

__all__ = ["Executor", "LocalExecutor", "get_executor"]
