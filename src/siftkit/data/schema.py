"""Column roles: which column is the id, the text, the label, the split, features.

Roles given by the user always win; the rest are inferred from names and values.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from siftkit._text import is_blank, word_count
from siftkit._validation import did_you_mean
from siftkit.exceptions import ColumnInferenceWarning, ColumnNotFoundError, InvalidParameterError

ID_NAMES = ("id", "row_id", "_id", "uuid", "uid", "guid", "key", "idx", "index")
LABEL_NAMES = (
    "label", "labels", "class", "category", "target", "y", "intent", "topic",
    "sentiment", "tag", "gold", "annotation", "lexname",
)  # fmt: skip
SPLIT_NAMES = ("split", "fold", "subset", "partition", "domain", "source", "set")
TEXT_NAMES = ("text", "sentence", "content", "body", "document", "review", "definition", "messages",
              "conversations")  # fmt: skip
#: A column of numeric lists is the rows' vectors (embeddings) when its name says so, or when
#: its lists hold this many numbers or more; shorter ones (a box's corners, a pair of scores)
#: are not embeddings.
EMBEDDING_NAME = re.compile(r"emb|vec|feature|encoding|latent", re.IGNORECASE)
MIN_VECTOR_DIMS = 8

#: Values written as dates or times: ISO 8601 (``2024-01-31``, ``2024-01-31 08:00:00``,
#: ``2024-01-31T08:00Z``) or day, month and year with slashes or dots (``31/01/2024``).
DATE_PATTERN = re.compile(
    r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?"
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}( \d{1,2}:\d{2}(:\d{2})?)?"
)
#: A string column is a column of dates (or of codes, see ``CODE_PATTERN``) when at least this
#: share of its values (sampled) are.
PATTERN_MIN_SHARE = 0.95
#: Values that are codes, not words: one token holding a digit (``SKU-0042``, ``05300397-n``).
CODE_PATTERN = re.compile(r"\S*\d\S*")
#: Values that name image files, by path or name (``photos/cat 01.JPG``): siftkit reads no
#: images, and their names are neither text nor codes to compare rows by.
IMAGE_PATH_PATTERN = re.compile(r"[^\n]*\.(?:png|jpe?g|gif|bmp|webp|tiff?)", re.IGNORECASE)
#: A string column is categorical (not free text) when it has at most this many values...
CATEGORICAL_MAX_UNIQUE = 50
#: ...or when its distinct values are at most this share of its rows.
CATEGORICAL_MAX_SHARE = 0.05
#: ...and its values average fewer words than this.
CATEGORICAL_MAX_WORDS = 3


@dataclass(frozen=True)
class Schema:
    """The role of each column. ``vector`` columns hold fixed-length numeric arrays."""

    id: str | None = None
    text: str | None = None
    label: str | None = None
    split: str | None = None
    numeric: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    vector: tuple[str, ...] = ()
    ignored: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "text": self.text,
            "label": self.label,
            "split": self.split,
            "numeric": list(self.numeric),
            "categorical": list(self.categorical),
            "vector": list(self.vector),
            "ignored": list(self.ignored),
        }


def _by_name(columns: list[str], names: tuple[str, ...], nested: bool = True) -> str | None:
    """The first of ``columns`` named one of ``names`` (in their order, ignoring case); else,
    when ``nested``, the first whose last dotted part is (``meta.label``, a nested field)."""
    lowered = {c.lower(): c for c in columns}
    for name in names:
        if name in lowered:
            return lowered[name]
    if nested:
        last = {}
        for column in columns:
            last.setdefault(column.lower().rpartition(".")[2], column)
        for name in names:
            if name in last:
                return last[name]
    return None


#: A word of a column's name (``gold_label``, ``fine_label``, ``label_text``) that makes it
#: the labels when no column is named as labels itself, unless another word of it says the
#: column is about labels rather than labels given (``label_count``, ``predicted_label``,
#: ``is_label_error``, ``label_confidence``).
LABEL_WORD = "label"
NOT_LABELS_WORDS = frozenset((
    "count", "counts", "num", "n", "number", "score", "scores", "confidence", "prob", "probs",
    "probability", "weight", "weights", "error", "errors", "issue", "is", "noise", "quality",
    "source", "predicted", "prediction", "pred", "suggested", "suggestion", "model",
))  # fmt: skip


def _labels_by_word(frame: pd.DataFrame, columns: list[str], taken: set[str]) -> str | None:
    """The first of ``columns`` (not ``taken``) whose name holds ``LABEL_WORD`` as a word
    between underscores, hyphens, dots or spaces (SNLI's ``gold_label``, CIFAR-100's
    ``fine_label`` beside ``coarse_label``), holding a value; a warning names the others so
    named."""
    named = [
        column
        for column in columns
        if column not in taken
        and LABEL_WORD in (words := set(re.split(r"[\W_]+", column.lower())))
        and not words & NOT_LABELS_WORDS
        and frame[column].notna().any()
    ]
    if len(named) > 1:
        warnings.warn(
            f"Using {named[0]!r} as the label column; also named like labels: "
            f"{', '.join(map(repr, named[1:]))}. Pass --label NAME to choose another.",
            ColumnInferenceWarning,
            stacklevel=4,
        )
    return named[0] if named else None


def is_vector_column(series: pd.Series) -> bool:
    """True when the column holds numeric sequences (arrays, lists) rather than scalars:
    the first sequence that is not empty holds numbers, or every one is empty.

    Lengths are not checked here: the vectors encoder reports unequal lengths, empty or
    missing vectors with the rows at fault, which is more useful than quietly treating the
    column as categorical.
    """
    if series.dtype != object:
        return False
    values = series.dropna()
    if values.empty or not isinstance(values.iloc[0], list | tuple | np.ndarray):
        return False
    first = _first_sequence(series)
    return first is None or np.issubdtype(np.asarray(first).dtype, np.number)


def _first_sequence(series: pd.Series) -> Any:
    """The first sequence of ``series`` (of sequences) that is not empty, among its first
    1,000 values; None when they all are."""
    return next((value for value in series.dropna().iloc[:1000] if len(value)), None)


def _only_empty_sequences(series: pd.Series, name: str) -> bool:
    """Whether every value of ``series`` that is not missing is an empty sequence, and its
    ``name`` is not one of vectors."""
    values = series.dropna()
    return (
        not EMBEDDING_NAME.search(name)
        and series.dtype == object
        and len(values) > 0
        and all(isinstance(v, list | tuple | np.ndarray) and not len(v) for v in values)
    )


def _is_short_vector_column(series: pd.Series, name: str) -> bool:
    """A column of numeric lists too short, and not named, to be the rows' embeddings."""
    if EMBEDDING_NAME.search(name):
        return False
    first = _first_sequence(series)
    return first is not None and len(first) < MIN_VECTOR_DIMS


def _is_string_column(series: pd.Series) -> bool:
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        return True
    if series.dtype != object:
        return False
    sample = series.dropna().iloc[:256]
    return not sample.empty and all(isinstance(v, str) for v in sample)


def _share_matching(series: pd.Series, pattern: re.Pattern[str]) -> float:
    sample = series.dropna().astype(str).str.strip().iloc[:2000]
    return float(sample.str.fullmatch(pattern).mean()) if len(sample) else 0.0


def is_date_column(series: pd.Series) -> bool:
    """Dates or times: a datetime column, or strings written as dates (``DATE_PATTERN``)."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return True
    return _is_string_column(series) and _share_matching(series, DATE_PATTERN) >= PATTERN_MIN_SHARE


def is_image_path_column(series: pd.Series) -> bool:
    """Image files named by path or name (``IMAGE_PATH_PATTERN``)."""
    return (
        _is_string_column(series)
        and _share_matching(series, IMAGE_PATH_PATTERN) >= PATTERN_MIN_SHARE
    )


def _is_code_column(series: pd.Series) -> bool:
    """Codes, such as product or record numbers: each value one token with a digit, and too
    many distinct values for a category. Neither free text nor a feature."""
    return _share_matching(series, CODE_PATTERN) >= PATTERN_MIN_SHARE and not _is_categorical(
        series
    )


def as_dates(series: pd.Series) -> pd.Series:
    """A date column (see :func:`is_date_column`) as datetimes in UTC without a time zone,
    NaT where a value is missing or no date."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        when = series
    else:
        with warnings.catch_warnings():  # pandas warns when it guesses the day-month order
            warnings.simplefilter("ignore", UserWarning)
            when = pd.to_datetime(series, errors="coerce", format="mixed", utc=True)
    if getattr(when.dt, "tz", None) is not None:
        when = when.dt.tz_convert("UTC").dt.tz_localize(None)
    return when


def as_days(series: pd.Series) -> pd.Series:
    """A date column as floats: days since 1970-01-01 (time zones to UTC), NaN where a value
    is missing or no date."""
    days = (as_dates(series) - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    return days.astype(float)


def as_numbers(series: pd.Series) -> pd.Series:
    """A numeric or date column as floats, NaN where a value is missing or not a number:
    dates as days (:func:`as_days`)."""
    if is_date_column(series):
        return as_days(series)
    return pd.to_numeric(series, errors="coerce").astype(float)


def _is_blank(series: pd.Series) -> bool:
    """True when every value is missing or a blank text (:func:`siftkit._text.is_blank`)."""
    return all(is_blank(str(value)) for value in series.dropna())


def _is_categorical(series: pd.Series) -> bool:
    """Short values drawn from a small set: a category, not free text."""
    sample = series.dropna().astype(str).iloc[:2000]
    if sample.map(word_count).mean() >= CATEGORICAL_MAX_WORDS:
        return False
    n_unique = series.nunique(dropna=True)
    return n_unique <= CATEGORICAL_MAX_UNIQUE or n_unique <= CATEGORICAL_MAX_SHARE * len(series)


def _is_free_text(series: pd.Series, named: bool) -> bool:
    """Whether a string column holds free text. A column named like text (``named``: one of
    TEXT_NAMES) does unless its values are single words: on a few rows every column of
    short sentences has few distinct values and so looks categorical."""
    if named:
        return series.dropna().astype(str).iloc[:2000].map(word_count).mean() >= 2
    return not _is_categorical(series)


def missing_column(
    role: str, name: str, columns: Sequence[str], flag: str | None = None
) -> ColumnNotFoundError:
    """The error for a ``role`` column ``name`` the data (``columns``) lacks, suggesting the
    closest column for ``flag`` (default ``--{role}``)."""
    hint = did_you_mean(name, columns, flag or f"--{role}")
    return ColumnNotFoundError(
        f"The {role} column {name!r} is not in the data.{hint}"
        f" The data has the columns: {', '.join(columns)}.",
        role=role, name=name, columns=tuple(columns),
    )  # fmt: skip


def _check_named(frame: pd.DataFrame, role: str, name: str | None) -> None:
    if name is not None and name not in frame.columns:
        raise missing_column(role, name, [str(c) for c in frame.columns])


def infer_schema(
    frame: pd.DataFrame,
    *,
    id: str | None = None,
    text: str | None = None,
    label: str | None = None,
    split: str | None = None,
) -> Schema:
    """Assign a role to every column of ``frame``; user-given roles are checked, not guessed.

    Parameters
    ----------
    frame : DataFrame of shape (n_rows, n_columns)
    id, text, label, split : column names the user gave, or None to infer.
    """
    given = {"id": id, "text": text, "label": label, "split": split}
    for role, name in given.items():
        _check_named(frame, role, name)
    roles: dict[str, list[str]] = {}
    for role, name in given.items():
        if name is not None:
            roles.setdefault(name, []).append(role)
    for name, named in roles.items():
        if len(named) > 1:
            raise InvalidParameterError(
                f"The column {name!r} is given as both the {named[0]} and the {named[1]} "
                "column; a column plays one part."
            )
    numbers = text is not None and pd.api.types.is_numeric_dtype(frame[text].dtype)
    if numbers and frame[text].notna().any():  # a column of no value is an empty text column
        warnings.warn(
            f"The text column {text!r} holds numbers ({frame[text].dropna().iloc[0]}, …), "
            "embedded as words: rows are compared by how their digits read, not by their "
            "size. Leave --text out to compare the table's columns as numbers.",
            ColumnInferenceWarning,
            stacklevel=3,
        )
    columns = [str(c) for c in frame.columns]
    taken = {c for c in (id, text, label, split) if c is not None}

    def free(name: str | None) -> str | None:
        return name if name is not None and name not in taken else None

    if id is None:
        # a nested `user.id` names the row's user, not the row
        guess = free(_by_name(columns, ID_NAMES, nested=False))
        if guess is not None and frame[guess].is_unique:
            id = guess
        elif guess is not None:
            warnings.warn(
                f"The column {guess!r} is named like row ids but repeats values, so rows are "
                "numbered by position instead (row_id 0, 1, …). Pass --id NAME to use it "
                "anyway (repeated ids are then an error).",
                ColumnInferenceWarning,
                stacklevel=3,
            )
    if label is None:
        label = free(_by_name(columns, LABEL_NAMES)) or _labels_by_word(frame, columns, taken)
        if label is not None and frame[label].isna().all():  # named so, but holds no label
            label = None
    if split is None:
        split = free(_by_name(columns, SPLIT_NAMES))
    if text is None:
        # a column named like text but empty everywhere is still the text column, so that
        # loading reports it as empty instead of auditing the other columns as a table
        named = free(_by_name(columns, TEXT_NAMES))
        if named is not None and _is_blank(frame[named]):
            text = named
    taken |= {c for c in (id, label, split) if c is not None}

    vector, numeric, categorical, texts, codes, images, empty, short = ([] for _ in range(8))
    for name in columns:
        if name in taken:
            continue
        series = frame[name]
        # no value in any row (a spreadsheet's unused column), or only empty lists not named
        # as vectors (Label Studio's `predictions` of a project without a model; an empty
        # `embedding` column is the vectors, refused as empty when embedded)
        if series.isna().all() or _only_empty_sequences(series, name):
            empty.append(name)
        elif is_vector_column(series):
            (short if _is_short_vector_column(series, name) else vector).append(name)
        elif pd.api.types.is_bool_dtype(series.dtype):
            categorical.append(name)
        elif pd.api.types.is_numeric_dtype(series.dtype) or is_date_column(series):
            numeric.append(name)
        elif is_image_path_column(series):
            images.append(name)
        elif _is_string_column(series) and _is_code_column(series):
            codes.append(name)
        elif _is_string_column(series):
            texts.append(name)
        else:
            categorical.append(name)

    text_given = text is not None
    named_text = {c for c in texts if c.lower() in TEXT_NAMES}
    if text is None and texts:
        free_text = [c for c in texts if _is_free_text(frame[c], named=c in named_text)]
        preferred = _by_name(free_text, TEXT_NAMES)
        if preferred is None and free_text:
            lengths = {c: frame[c].dropna().astype(str).str.len().mean() for c in free_text}
            preferred = max(free_text, key=lambda c: lengths[c])
        text = preferred
    ignored = []
    for name in texts:
        if name == text:
            continue
        if _is_free_text(frame[name], named=name in named_text):
            ignored.append(name)
        else:
            categorical.append(name)
    if ignored and not text_given:
        warnings.warn(
            f"Using {text!r} as the text column and ignoring the other free-text columns "
            f"{ignored}. Pass --text NAME to choose another.",
            ColumnInferenceWarning,
            stacklevel=3,
        )
    if codes and text is None:  # with a text column, no other column is a feature anyway
        warnings.warn(
            f"Ignoring the columns {codes}: codes (one token with a digit per row, such as "
            "product numbers), not features of the table. Pass --text NAME to embed one as "
            "text, or --id NAME for row ids.",
            ColumnInferenceWarning,
            stacklevel=3,
        )
    # beside a text column they are left out without a word, but listed, as every column is
    ignored += codes
    if images and (text or numeric or categorical or vector):  # else nothing is analysed
        warnings.warn(
            f"The column {images[0]!r} names image files (such as "
            f"{frame[images[0]].dropna().iloc[0]!r}): siftkit reads no images, so it is left "
            "out, and the rows are compared by their other columns, or by vectors given with "
            "--embeddings (an image model's, a row each).",
            ColumnInferenceWarning,
            stacklevel=3,
        )
    if short:
        warnings.warn(
            f"Ignoring the column {short[0]!r}: lists of "
            f"{len(_first_sequence(frame[short[0]]))} numbers, too few "
            "for the rows' embeddings (a box or a pair of scores, not a vector). Name it "
            "`embedding` to use it as the rows' vectors, or give its numbers a column each to "
            "use them as features.",
            ColumnInferenceWarning,
            stacklevel=3,
        )
    ignored += images + empty + short
    unread = [c for c in categorical if c.lower() in TEXT_NAMES] if text is None else []
    if unread:
        name = unread[0]
        why = (
            "its values are single words" if _is_string_column(frame[name])
            else "not all its values are text (numbers among them)"
        )  # fmt: skip
        warnings.warn(
            f"The column {name!r} is named like text, but {why}, so it is read as a "
            f"categorical column of the table. Pass --text {name} to embed it as text.",
            ColumnInferenceWarning,
            stacklevel=3,
        )
    return Schema(
        id=id,
        text=text,
        label=label,
        split=split,
        numeric=tuple(numeric),
        categorical=tuple(c for c in categorical if c not in taken),
        vector=tuple(vector),
        ignored=tuple(ignored),
    )
