"""Topics given by hand: a few keywords, or a sentence, per topic (YAML or JSON).

Keywords (a list, or one text of comma-separated keywords)::

    sports: [football, match, league]
    politics: election, parliament, minister

Descriptions::

    sports: A news story about a sports match or an athlete.
    politics: A news story about elections, parliament or a government.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from siftkit._text import WORD_END, WORD_START, is_unspaced, read_unicode
from siftkit.exceptions import DataFileNotFoundError, UnreadableDataError

#: The label of the rows that fit no topic or class, with ``other``.
OTHER = "other"


class _TopicTwice(ValueError):
    """A topics file names one topic twice."""


def _unique_keys(pairs: list[tuple[Any, Any]]) -> dict[Any, Any]:
    """A mapping of ``pairs``; a key given twice is refused (YAML and JSON would keep the
    last silently, and a topic would vanish)."""
    seen: dict[Any, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _TopicTwice(key)
        seen[key] = value
    return seen


def _parse(path: Path) -> Any:
    text = read_unicode(path, "Save it as UTF-8.")  # or UTF-16, as Notepad's "Unicode" saves
    if path.suffix.lower() == ".json":
        return json.loads(text, object_pairs_hook=_unique_keys)
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            pairs = [(self.construct_object(k, deep=deep), self.construct_object(v, deep=deep))
                     for k, v in node.value]  # fmt: skip
            return _unique_keys(pairs)

    return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 (a safe loader)


def _position(exc: Exception) -> str:
    """Where a YAML or JSON parser stopped, as " at line L, column C" (1-based); "" when it
    does not say (JSON's own message already does)."""
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return ""
    return f" at line {mark.line + 1}, column {mark.column + 1}"


def read_topics(
    source: str | Path | Mapping[Any, Any] | Sequence[str], kind: str, alone: bool = False
) -> dict[str, list[str]]:
    """Topics from a YAML or JSON file, or a mapping, of topic -> list of keywords
    (``kind="keywords"``) or topic -> one sentence (``kind="descriptions"``); keywords also
    as a list of topic names, each its own keyword (``- animal``). Returns topic -> list of
    texts. At least two topics, or one when the rows that fit no topic are told apart
    (``alone``: the labeling marks them ``other``)."""
    example = (
        "sports: [football, match, league]"
        if kind == "keywords"
        else "sports: A news story about a sports match."
    )
    if isinstance(source, Mapping):
        parsed, where = dict(source), f"the {kind} given"
    elif isinstance(source, list | tuple):
        parsed, where = list(source), f"the {kind} given"
    else:
        file = Path(source)
        if not file.is_file():
            raise DataFileNotFoundError(f"The {kind} file {str(source)!r} does not exist.")
        where = f"the {kind} file {str(source)!r}"
        try:
            parsed = _parse(file)
        except UnreadableDataError:
            raise  # not text: said so
        except _TopicTwice as exc:
            raise UnreadableDataError(
                f"The {kind} file {str(source)!r} gives the topic {str(exc.args[0])!r} twice "
                "(only one would count): merge its entries, or rename one."
            ) from exc
        except Exception as exc:  # yaml.YAMLError and json errors
            raise UnreadableDataError(
                f"Could not read {where} ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0]}{_position(exc)}). Expected a mapping such as "
                f"`{example}`."
            ) from exc
    if kind == "keywords":
        parsed = _named_by_themselves(parsed, where)
    if not isinstance(parsed, dict) or len(parsed) < (1 if alone else 2):
        least = "a topic to its" if alone else "at least two topics to their"
        single = isinstance(parsed, dict) and len(parsed) == 1
        raise UnreadableDataError(
            f"{where[0].upper()}{where[1:]} must map {least} {kind}, one per line, such as "
            f"`{example}`"
            + (
                "; or one topic with `--other` (other=True), which labels the rows that do "
                "not fit it 'other'."
                if single
                else "."
            )
        )
    if alone and OTHER in map(str, parsed):
        raise UnreadableDataError(
            f"{where[0].upper()}{where[1:]} names a topic {OTHER!r}, the label that --other "
            "(other=True) gives the rows that fit no topic: rename that topic."
        )
    topics: dict[str, list[str]] = {}
    for name, value in parsed.items():
        texts = [value] if isinstance(value, str) else value
        if kind == "keywords" and isinstance(value, str):
            # `law: law, lawyer, judge` (YAML reads it as one text) means three keywords
            texts = [word for word in value.split(",") if word.strip()] or [value]
        if (
            not isinstance(texts, list | tuple)
            or not texts
            or not all(isinstance(t, str | int | float) and str(t).strip() for t in texts)
        ):
            raise UnreadableDataError(
                f"Topic {str(name)!r} in {where} has no usable {kind}: give "
                + ("a list of words." if kind == "keywords" else "a sentence.")
            )
        topics[str(name)] = [str(t).strip() for t in texts]
    _refuse_twins(topics, kind, where)
    return topics


def _named_by_themselves(parsed: Any, where: str) -> Any:
    """A list of topic names (``- animal``) as keyword topics, each its own keyword; anything
    else as it is. Refuses a name given twice."""
    if not isinstance(parsed, list) or not all(isinstance(t, str) and t.strip() for t in parsed):
        return parsed
    names = [name.strip() for name in parsed]
    twice = next((name for i, name in enumerate(names) if name in names[:i]), None)
    if twice is not None:
        raise UnreadableDataError(
            f"{where[0].upper()}{where[1:]} gives the topic {twice!r} twice (only one would "
            "count): remove one."
        )
    return {name: [name] for name in names}


def _refuse_twins(topics: dict[str, list[str]], kind: str, where: str) -> None:
    """Refuse two topics given the same keywords or description (ignoring case and order):
    nothing would tell them apart, and the rows would be shared between them at random."""
    seen: dict[frozenset[str], str] = {}
    for name, texts in topics.items():
        key = frozenset(text.casefold() for text in texts)
        if key in seen:
            given = ", ".join(texts) if kind == "keywords" else texts[0]
            raise UnreadableDataError(
                f"The topics {seen[key]!r} and {name!r} in {where} are given the same {kind} "
                f"({given}): nothing tells them apart. Give each topic {kind} of its own, or "
                "merge them."
            )
        seen[key] = name


def shared_keywords(topics: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Each keyword (case-folded) given for more than one topic, with those topics in order."""
    owners: dict[str, list[str]] = {}
    for name, words in topics.items():
        for word in dict.fromkeys(w.casefold() for w in words):
            owners.setdefault(word, []).append(name)
    return {word: names for word, names in owners.items() if len(names) > 1}


def _as_word(keyword: str) -> str:
    """A pattern finding ``keyword`` as a whole word; within text written without spaces
    (Chinese, Japanese: :data:`siftkit._text.UNSPACED`), wherever it occurs."""
    start = "" if is_unspaced(keyword[0]) else WORD_START
    end = "" if is_unspaced(keyword[-1]) else WORD_END
    return start + re.escape(keyword) + end


def keyword_mentions(texts: Sequence[str], keywords: Sequence[Sequence[str]]) -> np.ndarray:
    """Per row and topic, whether the row's text names one of the topic's keywords (as whole
    words, ignoring case), (n_rows, n_topics) bool; ``keywords`` the topics' words in order."""
    patterns = [re.compile("|".join(_as_word(w.lower()) for w in words)) for words in keywords]
    mentions = np.zeros((len(texts), len(patterns)), dtype=bool)
    for i, text in enumerate(texts):
        lowered = str(text).lower()
        mentions[i] = [pattern.search(lowered) is not None for pattern in patterns]
    return mentions


def naming_rows(mentions: np.ndarray) -> np.ndarray:
    """Per row, the one topic whose keywords its text names, -1 where it names none or
    several topics' keywords, (n_rows,); ``mentions`` from :func:`keyword_mentions`."""
    alone = mentions.sum(axis=1) == 1
    return np.where(alone, mentions.argmax(axis=1), -1).astype(np.int64)
