"""Text shown to people in tables, lists and lines: one line, cut to a width."""

from __future__ import annotations

from typing import Any


def one_line(value: Any, width: int) -> str:
    """``value`` as text on one line (each run of whitespace one space), at most ``width``
    characters: a longer one is cut, its last character "…"."""
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"
