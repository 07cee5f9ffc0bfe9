"""Parameter constraints declared once, and the helpers every error message uses."""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from siftkit.exceptions import InvalidParameterError


@dataclass(frozen=True)
class Interval:
    """A numeric range; ``kind`` is ``int`` or ``float``; bounds are inclusive unless open."""

    kind: type
    low: float | None
    high: float | None
    open_low: bool = False
    open_high: bool = False

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        if self.kind is float and not isinstance(value, numbers.Real):
            return False
        if isinstance(value, float) and not math.isfinite(value):
            return False
        if self.low is not None and (value < self.low or (self.open_low and value == self.low)):
            return False
        if self.high is not None and (value > self.high or (self.open_high and value == self.high)):
            return False
        return True

    def __str__(self) -> str:
        name = "an int" if self.kind is int else "a float"
        left = "(" if self.open_low or self.low is None else "["
        right = ")" if self.open_high or self.high is None else "]"
        low = "-inf" if self.low is None else _fmt(self.low)
        high = "inf" if self.high is None else _fmt(self.high)
        return f"{name} in {left}{low}, {high}{right}"


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values."""

    values: tuple[Any, ...]

    def contains(self, value: Any) -> bool:
        return value in self.values

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


Constraint = Interval | Options | type


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _satisfies(value: Any, constraint: Constraint) -> bool:
    if isinstance(constraint, Interval | Options):
        return constraint.contains(value)
    if constraint is None or constraint is type(None):
        return value is None
    return isinstance(value, constraint)


def _describe(constraint: Constraint) -> str:
    if isinstance(constraint, Interval | Options):
        return str(constraint)
    if constraint is None or constraint is type(None):
        return "None"
    return f"an instance of {constraint.__name__}"


def validate_params(
    owner: str, params: Mapping[str, Any], constraints: Mapping[str, Sequence[Constraint]]
) -> None:
    """Check every parameter against its constraints; raise one uniform message on failure.

    ``validate_params("NearDuplicates", {"k": 0}, {"k": [Interval(int, 1, None)]})`` raises
    ``InvalidParameterError("The 'k' parameter of NearDuplicates must be an int in [1, inf).
    Got 0 instead.")``.
    """
    for name, allowed in constraints.items():
        if name not in params:
            continue
        value = params[name]
        if not any(_satisfies(value, c) for c in allowed):
            expected = " or ".join(_describe(c) for c in allowed)
            raise InvalidParameterError(
                f"The {name!r} parameter of {owner} must be {expected}. Got {value!r} instead."
            )


def closest(name: str, candidates: Iterable[str], cutoff: float = 0.5) -> str | None:
    """The candidate most like ``name`` (case-insensitive), or None if nothing is as close
    as ``cutoff`` (difflib's similarity ratio)."""
    candidates = [str(c) for c in candidates]
    lowered = {c.lower(): c for c in candidates}
    if name.lower() in lowered:
        return lowered[name.lower()]
    match = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None


def did_you_mean(
    name: str, candidates: Iterable[str], flag: str | None = None, cutoff: float = 0.5
) -> str:
    """A 'Did you mean …?' sentence, or an empty string when nothing is close."""
    guess = closest(name, candidates, cutoff)
    if guess is None:
        return ""
    return f" Did you mean {flag + ' ' if flag else ''}{guess!r}?"


def preview(items: Sequence[Any], limit: int = 10) -> str:
    """``[1, 2, 3, … (25 in all)]`` — a short list for error messages."""
    shown = ", ".join(repr(x.item() if hasattr(x, "item") else x) for x in items[:limit])
    more = f", … ({len(items)} in all)" if len(items) > limit else ""
    return f"[{shown}{more}]"
