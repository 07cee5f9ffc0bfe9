"""Progress bars for long stages, on stderr, only when someone is watching."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any


def _interactive() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress_bar(
    total: int, description: str, enabled: bool | None = None
) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)``; draw a bar when ``enabled`` (default: stderr is a terminal)."""
    with _bar(total, description, enabled) as (progress, task):
        yield (lambda n: None) if progress is None else (lambda n: progress.advance(task, n))


@contextmanager
def stage_bar(
    stages: Sequence[str], enabled: bool | None = None
) -> Iterator[Callable[[str], None]]:
    """Yield ``begin(stage)``, called as each of ``stages`` starts: a bar over the stages that
    names the one running (stages without steps to count, such as building the neighbour
    graph, would otherwise pass in silence); drawn as :func:`progress_bar` is."""
    with _bar(len(stages), "Analysing", enabled) as (progress, task):
        if progress is None:
            yield lambda stage: None
            return
        begun = [0]

        def begin(stage: str) -> None:
            progress.update(task, completed=begun[0], description=f"Analysing: {stage}")
            begun[0] += 1

        yield begin


@contextmanager
def _bar(total: int, description: str, enabled: bool | None) -> Iterator[tuple[Any, Any]]:
    """(a rich Progress, its task) to draw on stderr, or (None, None) when not drawn."""
    if enabled is None:
        enabled = _interactive()
    if not enabled or total <= 0:
        yield None, None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield progress, progress.add_task(description, total=total)
