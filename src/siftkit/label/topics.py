"""Topics given by hand: a few keywords, or a sentence, per topic (YAML or JSON).

Keywords::

    sports: [football, match, league]
    politics: [election, parliament, minister]

Descriptions::

    sports: A news story about a sports match or an athlete.
    politics: A news story about elections, parliament or a government.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from siftkit.exceptions import DataFileNotFoundError, UnreadableDataError


def _parse(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        return json.loads(text)
    import yaml

    return yaml.safe_load(text)


def read_topics(path: str | Path, kind: str) -> dict[str, list[str]]:
    """Topics from a YAML or JSON mapping: topic -> list of keywords (``kind="keywords"``)
    or topic -> one sentence (``kind="descriptions"``). Returns topic -> list of texts."""
    file = Path(path)
    if not file.is_file():
        raise DataFileNotFoundError(f"The {kind} file {str(path)!r} does not exist.")
    example = (
        "sports: [football, match, league]"
        if kind == "keywords"
        else "sports: A news story about a sports match."
    )
    try:
        parsed = _parse(file)
    except (ValueError, Exception) as exc:  # yaml.YAMLError and json errors
        raise UnreadableDataError(
            f"Could not read the {kind} file {str(path)!r} ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0]}). Expected a mapping such as `{example}`."
        ) from exc
    if not isinstance(parsed, dict) or len(parsed) < 2:
        raise UnreadableDataError(
            f"The {kind} file {str(path)!r} must map at least two topics to their {kind}, "
            f"one per line, such as `{example}`."
        )
    topics: dict[str, list[str]] = {}
    for name, value in parsed.items():
        texts = [value] if isinstance(value, str) else value
        if (
            not isinstance(texts, list)
            or not texts
            or not all(isinstance(t, str | int | float) and str(t).strip() for t in texts)
        ):
            raise UnreadableDataError(
                f"Topic {str(name)!r} in {str(path)!r} has no usable {kind}: give "
                + ("a list of words." if kind == "keywords" else "a sentence.")
            )
        topics[str(name)] = [str(t).strip() for t in texts]
    return topics
