"""Text shown to people in tables, lists and lines: one line, cut to a width."""

from __future__ import annotations

from typing import Any


def one_line(value: Any, width: int) -> str:
    """``value`` as text on one line (each run of whitespace one space), at most ``width``
    characters: a longer one is cut, its last character "…"."""
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun`` in the number it takes: "1 group", "3 groups", "1 category"
    (``plural`` where adding "s" does not make it)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
