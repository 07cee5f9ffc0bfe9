"""The loaded dataset: a table, the roles of its columns, row ids, labels — validated once."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siftkit._text import is_blank, one_line, plain_text
from siftkit._validation import preview
from siftkit.data.readers import (
    ARRAY_SUFFIXES,
    ROW_IDS,
    accepted_answers,
    annotation_choices,
    conversation_texts,
    flattened,
    one_label,
    read_array,
    read_path,
    to_frame,
    url_refusal,
)
from siftkit.data.row_values import row_values
from siftkit.data.schema import Schema, infer_schema, missing_column
from siftkit.exceptions import (
    ColumnInferenceWarning,
    DuplicateIdError,
    EmptyDatasetError,
    EmptyTextError,
    InvalidParameterError,
    LabelVariantsWarning,
    MissingLabelsError,
    SingleClassError,
    UnreadableDataError,
)

ArrayLike = Any
#: ``require_labels`` warns of a label column naming more classes than this when most of its
#: labeled rows are alone in their class (an id or free-text column named by mistake); with
#: one labeled row per class, as many classes may be meant.
MANY_CLASSES = 100


@dataclass(frozen=True)
class Labels:
    """Labels encoded as integers; ``codes[i] == -1`` where row ``i`` has no label."""

    codes: np.ndarray  # (n_rows,) int64
    classes: np.ndarray  # (n_classes,) the original label values, sorted

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def missing(self) -> np.ndarray:
        return self.codes < 0

    def sizes(self) -> dict[Any, int]:
        """Each class's number of labeled rows, by class."""
        counts = np.bincount(self.codes[~self.missing], minlength=self.n_classes)
        return {name: int(count) for name, count in zip(self.classes, counts, strict=True)}

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """Original label values for ``codes``; -1 becomes None."""
        out = np.empty(len(codes), dtype=object)
        valid = codes >= 0
        out[valid] = self.classes[codes[valid]]
        out[~valid] = None
        return out


def _is_missing_label(values: pd.Series) -> np.ndarray:
    missing = values.isna().to_numpy().copy()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        missing |= values.astype(str).str.strip().eq("").to_numpy()
    return missing


def whole_numbers(values: np.ndarray) -> bool:
    """Whether every one of ``values`` (floats) is a finite whole number."""
    return bool(np.isfinite(values).all() and (values == np.round(values)).all())


def label_text(value: Any) -> str | None:
    """A label as text: None when missing, ``7`` for the float 7.0 (a column of whole numbers
    with gaps is read as floats)."""
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value.item() if isinstance(value, np.generic) else value)


def encode_labels(values: pd.Series) -> Labels:
    """Factorise labels, keeping classes sorted so codes are stable across runs; text labels
    lose the spaces around them."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # its values, as read from a file
        values = values.astype(object)
    missing = _is_missing_label(values)
    present = values[~missing]
    if present.dtype == object or pd.api.types.is_string_dtype(present.dtype):
        # "cat " is "cat": spaces around a label are how a cell was typed, not another class
        present = present.map(lambda v: v.strip() if isinstance(v, str) else v)
    kinds = {type(v) for v in present.iloc[:1000]}
    if len(kinds) > 1 and not all(issubclass(k, int | float | np.number) for k in kinds):
        present = present.astype(str)  # mixed strings and numbers: compare as text
    elif pd.api.types.is_float_dtype(present.dtype) and whole_numbers(present.to_numpy()):
        # whole numbers read as floats because some cells are empty (pandas has no NaN in
        # an integer column): classes 7, not 7.0
        present = present.astype(np.int64)
    classes, codes_present = np.unique(present.to_numpy(), return_inverse=True)
    codes = np.full(len(values), -1, dtype=np.int64)
    codes[~missing] = codes_present
    return Labels(codes=codes, classes=classes)


def label_variants(classes: Iterable[Any]) -> list[list[str]]:
    """Text classes that are one name written several ways: groups of two or more names equal
    but for case, Unicode form, or the spaces, underscores and hyphens between words
    ("Sci-Fi", "sci fi", "SCI_FI"), in the order of their first name."""
    groups: dict[str, list[str]] = {}
    for name in classes:
        if isinstance(name, str):
            groups.setdefault(label_key(name), []).append(name)
    return [names for names in groups.values() if len(names) > 1]


def combined_labels(classes: Iterable[Any]) -> dict[str, list[str]]:
    """Text classes that join other classes with ``|``, ``,``, ``;`` or ``/`` (``sports|news``
    beside ``sports`` and ``news``: labels of several classes), each with the classes it
    joins."""
    names = {name for name in classes if isinstance(name, str)}
    joined = {}
    for name in sorted(names):
        parts = [part.strip() for part in re.split(r"[|,;/]", name)]
        if len(parts) > 1 and all(part in names and part != name for part in parts):
            joined[name] = parts
    return joined


def label_key(name: str) -> str:
    """A class name as compared with others: case-folded, in Unicode's NFKC form, its
    spaces, underscores and hyphens between words one space ("Sci-Fi" is "sci fi")."""
    return " ".join(re.sub(r"[_\-]", " ", normalize_text(name)).split())


@dataclass
class Dataset:
    """A validated table and the roles of its columns.

    ``features`` holds a numeric matrix of shape (n_rows, n_features) when the input was a
    numpy array rather than a table.
    """

    frame: pd.DataFrame
    schema: Schema
    source: str
    features: np.ndarray | None = None
    label_values: pd.Series | None = None

    def __len__(self) -> int:
        return len(self.frame) if self.features is None else len(self.features)

    def without_labels(self) -> Dataset:
        """The same rows with no label column: what an audit told ``label=False`` reads (the
        column is ignored, as the run's datasheet says)."""
        schema = self.schema
        ignored = (*schema.ignored, schema.label) if schema.label is not None else schema.ignored
        return Dataset(frame=self.frame, schema=replace(schema, label=None, ignored=ignored),
                       source=self.source, features=self.features)  # fmt: skip

    @cached_property
    def row_ids(self) -> pd.Series:
        """The id column's values (row positions without one); ids of mixed types (numbers
        and text, as JSON Lines may hold) as text, for a Parquet column holds one type."""
        if self.schema.id is None:
            return pd.Series(np.arange(len(self)), name="row_id")
        ids = self.frame[self.schema.id].reset_index(drop=True).rename("row_id")
        if ids.dtype == object and len({type(v) for v in ids}) > 1:
            ids = ids.map(str)
        return ids

    @cached_property
    def texts(self) -> list[str] | None:
        """The text column's texts as read: HTML markup as the plain text it marks up
        (:func:`siftkit._text.plain_text`), a missing value as ""."""
        if self.schema.text is None:
            return None
        column = self.frame[self.schema.text]
        return ["" if _blank(v) else plain_text(str(v)) for v in column.tolist()]

    @cached_property
    def markup_rows(self) -> int:
        """How many texts held HTML markup, read as plain text (0 without a text column)."""
        if self.texts is None:
            return 0
        column = self.frame[self.schema.text].tolist()
        return sum(
            not _blank(v) and text != str(v) for v, text in zip(column, self.texts, strict=True)
        )

    @cached_property
    def values(self) -> pd.Series | None:
        """What each row of a table says, for people: ``column=value, …`` over its columns
        other than the id, label, split and vectors (:func:`siftkit.data.row_values.row_values`:
        in file order, or the row's most unusual values first when they do not all fit on
        the line). None for data with a text column, and for arrays and vectors alone."""
        schema = self.schema
        roles = {schema.id, schema.label, schema.split, *schema.vector}
        columns = [c for c in self.frame.columns if str(c) not in roles]
        if schema.text is not None or self.features is not None or not columns:
            return None
        return row_values(self.frame, columns)

    @cached_property
    def labels(self) -> Labels | None:
        values = self._label_series()
        if values is None:
            return None
        several = values.map(lambda v: isinstance(v, list | tuple | dict | set | np.ndarray))
        if several.any():
            where = f"column {self.schema.label!r}" if self.schema.label else "The labels given"
            raise UnreadableDataError(
                f"{where[0].upper()}{where[1:]} holds a list of values in a cell (row "
                f"{int(np.flatnonzero(several.to_numpy())[0])}: "
                f"{one_line(values[several].iloc[0], 60)}): a label is one value, text or a "
                "number. Keep one per row, or join them into one text."
            )
        return encode_labels(values)

    @cached_property
    def split(self) -> pd.Series | None:
        return None if self.schema.split is None else self.frame[self.schema.split]

    def _label_series(self) -> pd.Series | None:
        if self.label_values is not None:
            return self.label_values
        if self.schema.label is not None:
            return self.frame[self.schema.label].reset_index(drop=True)
        return None

    @cached_property
    def fingerprint(self) -> str:
        """A content hash of everything the audit reads (order-sensitive)."""
        digest = hashlib.blake2b(digest_size=16)
        if len(self.frame.columns):
            hashed = pd.util.hash_pandas_object(_hashable(self.frame), index=False)
            digest.update(hashed.to_numpy().tobytes())
            digest.update("\x1f".join(map(str, self.frame.columns)).encode())
        if self.features is not None:
            digest.update(np.ascontiguousarray(self.features).tobytes())
        if self.label_values is not None:
            digest.update(pd.util.hash_pandas_object(_hashable(self.label_values)).to_numpy())
        digest.update(repr(sorted(self.schema.as_dict().items())).encode())
        return digest.hexdigest()

    def require_labels(self, *, allow_missing: bool = False) -> Labels:
        """The labels, checked for what label analyses need; raise a clear error otherwise."""
        labels = self.labels
        if labels is None:
            raise MissingLabelsError(
                "This analysis needs labels, but no label column was found. Pass --label "
                "COLUMN (Python: label='column') naming the column that holds the labels."
            )
        name = self.schema.label or "label"
        missing = np.flatnonzero(labels.missing)
        if len(missing) and not allow_missing:
            ids = preview(self.row_ids.iloc[missing].tolist())
            raise MissingLabelsError(
                f"{len(missing)} of {len(self)} rows have no value in the label column "
                f"{name!r}{self._held_by_one_split(missing)}; their row ids: {ids}. Fill or "
                "drop those rows, or pass "
                "--allow-missing-labels (Python: allow_missing_labels=True): the labeled rows "
                "are checked for label errors and the others labeled from them (`sift label "
                f"--seed-labels {name}` labels them without the audit)."
            )
        if labels.n_classes < 2:
            found = "none"
            if labels.n_classes:  # classes of str labels are plain str, not numpy scalars
                first = labels.classes[0]
                found = one_line(repr(first.item() if isinstance(first, np.generic) else first), 80)
            raise SingleClassError(
                f"The label column {name!r} holds a single class "
                f"({found}); label analyses need at least 2 classes. Check that you named "
                "the right column with --label, or pass --no-label (Python: label=False) to work "
                "without labels."
            )
        if labels.n_classes > MANY_CLASSES:
            self._question_many_classes(labels, name)
        self._question_label_variants(labels, name)
        self._question_combined_labels(labels, name)
        return labels

    def _held_by_one_split(self, rows: np.ndarray) -> str:
        """ ", every row of the split 'test' and no other" where ``rows`` (positions) are all the
        rows of one split of several (test rows left unlabeled); else ""."""
        split = self.split
        if split is None:
            return ""
        held = split.iloc[rows].dropna().unique()
        if len(held) != 1 or split.nunique() < 2 or (split == held[0]).sum() != len(rows):
            return ""
        return f", every row of the split {str(held[0])!r} and no other"

    @staticmethod
    def _question_many_classes(labels: Labels, name: str) -> None:
        """Warn when most labeled rows are the only row of their class, or the classes are
        numbers with fractions (see ``MANY_CLASSES``)."""
        counts = np.bincount(labels.codes[~labels.missing], minlength=labels.n_classes)
        alone = int((counts == 1).sum())
        classes = np.asarray(labels.classes)
        measured = classes.dtype.kind == "f" and bool((classes != np.round(classes)).any())
        if measured or alone > 0.5 * counts.sum():
            kind = "a measurement (numbers with fractions: label analyses take classes)" if (
                measured) else "an id or free text"  # fmt: skip
            warnings.warn(
                f"The label column {name!r} names {labels.n_classes:,} classes, and {alone:,} "
                f"of its {int(counts.sum()):,} labeled rows are the only row of their class: "
                f"is it a label column, not {kind}? (Each class makes the label analyses "
                "slower.)",
                ColumnInferenceWarning,
                stacklevel=4,
            )

    @staticmethod
    def _question_label_variants(labels: Labels, name: str) -> None:
        """Warn of classes that are one name written several ways (:func:`label_variants`):
        each is a class here, so their rows read as each other's label errors."""
        groups = label_variants(labels.classes)
        if not groups:
            return
        counts = labels.sizes()
        groups.sort(key=lambda names: -sum(counts[n] for n in names))
        shown = "; ".join(
            " and ".join(f"{one_line(repr(n), 40)} ({counts[n]:,} rows)"
                         for n in sorted(names, key=lambda n: -counts[n]))
            for names in groups[:3]
        )  # fmt: skip
        more = f"; and {len(groups) - 3} more such groups" if len(groups) > 3 else ""
        warnings.warn(
            f"The label column {name!r} writes some classes more than one way: {shown}{more}. "
            "Each way is a class of its own here, so their rows read as each other's label "
            "errors. If they are one class, write them one way.",
            LabelVariantsWarning,
            stacklevel=4,
        )

    @staticmethod
    def _question_combined_labels(labels: Labels, name: str) -> None:
        """Warn of labels that join other classes (:func:`combined_labels`): rows of several
        classes, each combination a class of its own here."""
        joined = combined_labels(labels.classes)
        if not joined:
            return
        counts = labels.sizes()
        rows = sum(counts[combination] for combination in joined)
        shown = ", ".join(repr(c) for c in sorted(joined, key=lambda c: -counts[c])[:3])
        warnings.warn(
            f"The label column {name!r} joins some of its classes in one label ({shown}: "
            f"{len(joined):,} such label{'s' if len(joined) > 1 else ''}, {rows:,} rows): rows of "
            "several classes? siftkit takes one label per row, so each combination is a class "
            "of its own here. Keep one label per row (a row for each of its classes, or its "
            "main class).",
            LabelVariantsWarning,
            stacklevel=4,
        )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _hashable(frame: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Arrays inside cells cannot be hashed by pandas; hash their bytes instead."""
    if isinstance(frame, pd.Series):
        return frame.map(_cell_key) if frame.dtype == object else frame
    out = frame.copy(deep=False)
    for name in out.columns:
        if out[name].dtype == object:
            out[name] = out[name].map(_cell_key)
    return out


def _cell_key(value: Any) -> Any:
    if isinstance(value, np.ndarray | list | tuple):
        return hashlib.blake2b(np.asarray(value).tobytes(), digest_size=8).hexdigest()
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def _aligned(labels: pd.Series, index: pd.Index) -> pd.Series:
    """Labels given as a Series beside a DataFrame, in the frame's row order: by their index
    when it holds the frame's (in any order); raises when it is another index."""
    if labels.index.equals(index):
        return labels
    if labels.index.is_unique and index.is_unique and set(labels.index) == set(index):
        return labels.reindex(index)
    raise MissingLabelsError(
        "The labels are a Series whose index is not the data's, so which row each label "
        "belongs to is unclear. Pass a Series on the data's index, or the labels in the "
        "data's row order as a list or array (labels.to_numpy())."
    )


#: How a text drawn from several columns (``--text title,body``) joins their values: a line
#: each, as a reader sees them (the report shows them on one line).
TEXT_JOIN = "\n"


def _text_columns(text: Any, columns: Iterable[Any]) -> list[str] | None:
    """The columns ``text`` names when it names several (a list, or a comma-separated string
    that is no column's name, ``--text title,body``), else None."""
    if isinstance(text, list | tuple):
        return [str(name) for name in text]
    if isinstance(text, str) and "," in text and text not in columns:
        return [name.strip() for name in text.split(",")]
    return None


def _joined_text(
    frame: pd.DataFrame, text: str | Sequence[str] | None
) -> tuple[pd.DataFrame, str | None]:
    """``(frame, text)``, where ``text`` names several columns (a list, or a comma-separated
    string that is no column's name, as ``--text title,body`` gives it): ``frame`` with those
    columns made one, named ``title + body``, in place of the first of them, of their values
    that are not blank, a line each; and that name."""
    names = _text_columns(text, frame.columns)
    if names is None:
        return frame, text if isinstance(text, str) else None
    if not names or len(set(names)) < len(names) or not all(names):
        raise InvalidParameterError(
            f"text={text!r} names the text columns {names!r}: name each column once "
            "(--text title,body)."
        )
    for name in names:
        if name not in frame.columns:
            raise missing_column("text", name, [str(c) for c in frame.columns])
    if len(names) == 1:
        return frame, names[0]
    joined = " + ".join(names)
    values = [
        TEXT_JOIN.join(part for value in row if (part := (label_text(value) or "").strip()))
        for row in frame[names].itertuples(index=False)
    ]
    position = list(frame.columns).index(names[0])  # the columns before it stay
    frame = frame.drop(columns=names)
    frame.insert(position, joined, values)
    return frame, joined


def load(
    data: Any,
    *,
    text: str | Sequence[str] | None = None,
    label: str | ArrayLike | bool | None = None,
    id: str | None = None,
    split: str | None = None,
) -> Dataset:
    """Load and validate a dataset.

    Parameters
    ----------
    data : path, DataFrame (pandas or polars), pyarrow Table, Hugging Face Dataset or
        DatasetDict, list of dicts, or numpy array of shape (n_rows, n_features); or a ``Dataset``
        loaded before, used as it is (roles given again must be its own; ``label`` may
        replace its labels by an array).
    text, id, split : column names; inferred when None. ``text`` may name several columns
        (a list, or ``"title,body"``): their values are joined, a line each, into one text
        column named ``title + body``.
    label : a column name, or an array-like of shape (n_rows,) holding the labels; False:
        no labels, whatever column looks like one (CLI ``--no-label``).

    Raises
    ------
    DataFileNotFoundError, UnreadableDataError, ColumnNotFoundError, EmptyDatasetError,
    EmptyTextError, DuplicateIdError
    """
    no_label = label is False
    if no_label:
        label = None
    if isinstance(data, Dataset):
        dataset = _reloaded(data, text=text, label=label, id=id, split=split)
        return dataset.without_labels() if no_label and dataset.labels is not None else dataset
    source = "in-memory " + type(data).__name__
    features = None
    refusal = url_refusal(data) if isinstance(data, str) else None
    if refusal:
        raise UnreadableDataError(refusal)
    if isinstance(data, str | Path) and Path(data).suffix.lower() in ARRAY_SUFFIXES:
        source = str(data)
        features = _as_feature_matrix(read_array(data))
        frame = pd.DataFrame(index=pd.RangeIndex(len(features)))
    elif isinstance(data, str | Path):
        source = str(data)
        frame = read_path(data)
        if id is None:  # a file of a text folder is named by its path in it
            id = frame.attrs.get(ROW_IDS)
    elif isinstance(data, np.ndarray):
        features = _as_feature_matrix(data)
        frame = pd.DataFrame(index=pd.RangeIndex(len(features)))
    else:
        frame = to_frame(data)
    # nested fields (JSON objects, Parquet and Arrow structs, dicts) as columns of dotted names;
    # chats as their text; the labels of a Label Studio export as columns of their own; a
    # Prodigy export's labels only where the answer is accept
    frame = accepted_answers(annotation_choices(conversation_texts(flattened(frame))))
    if isinstance(label, pd.Series) and isinstance(data, pd.DataFrame):
        label = _aligned(label, frame.index)
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    repeated = sorted(set(frame.columns[frame.columns.duplicated()]))
    if repeated:
        raise UnreadableDataError(
            f"The data from {source} has more than one column named "
            f"{', '.join(repr(c) for c in repeated)}; rename them so each name is one column."
        )

    label_values = None
    label_column = label if isinstance(label, str) or label is None else None
    if label is not None and label_column is None:
        label_values = _one_label_per_cell(pd.Series(np.asarray(label, dtype=object)))
    n_rows = len(frame)
    if n_rows == 0:
        raise EmptyDatasetError(
            f"The data from {source} has no rows. Check the file is not empty and that any "
            "filter applied before loading kept some rows."
        )
    if label_values is not None and len(label_values) != n_rows:
        raise MissingLabelsError(
            f"Got {len(label_values)} labels for {n_rows} rows; pass exactly one label per row "
            "(None where a row has no label)."
        )
    frame, text = _joined_text(frame, text)
    schema = infer_schema(frame, id=id, text=text, label=label_column, split=split)
    if schema.label is not None:
        frame[schema.label] = _one_label_per_cell(frame[schema.label])
    dataset = Dataset(
        frame=frame, schema=schema, source=source, features=features, label_values=label_values
    )
    _check_ids(dataset)
    _check_text(dataset)
    return dataset.without_labels() if no_label and schema.label is not None else dataset


def _reloaded(dataset: Dataset, *, label: Any, **roles: Any) -> Dataset:
    """``dataset`` passed to :func:`load` again: the same, its labels replaced by ``label``
    when that is an array."""
    schema = dataset.schema.as_dict()
    names = _text_columns(roles.get("text"), dataset.frame.columns)
    if names is not None:  # several columns, joined into one when the dataset was loaded
        roles["text"] = " + ".join(names)
    for role, name in {**roles, "label": label if isinstance(label, str) else None}.items():
        if name is not None and name != schema[role]:
            raise InvalidParameterError(
                f"The dataset was loaded with {role}={schema[role]!r}; load the data again "
                f"to make {name!r} its {role} column."
            )
    if label is None or isinstance(label, str):
        return dataset
    values = _one_label_per_cell(pd.Series(np.asarray(label, dtype=object)))
    if len(values) != len(dataset):
        raise MissingLabelsError(
            f"Got {len(values)} labels for {len(dataset)} rows; pass exactly one label per "
            "row (None where a row has no label)."
        )
    return replace(dataset, schema=replace(dataset.schema, label=None), label_values=values)


def _one_label_per_cell(labels: pd.Series) -> pd.Series:
    """``labels`` (named ``label``) with each list of labels, as annotation tools export
    them (Doccano: ``"label": ["spam"]``), made one (:func:`one_label`; ``spam|ads`` a
    ``LabelVariantsWarning`` names). Other values as they are."""
    listed = labels.map(lambda v: isinstance(v, list | tuple | np.ndarray))
    if listed.any():
        labels = labels.copy()
        labels[listed] = [one_label(v) for v in labels[listed]]
    return labels.rename("label")


def _as_feature_matrix(array: np.ndarray) -> np.ndarray:
    if array.ndim != 2:
        raise EmptyDatasetError(
            f"A numpy array passed as data must be 2-D (n_rows, n_features); got shape "
            f"{array.shape}. Reshape it, e.g. X.reshape(len(X), -1)."
        )
    if len(array) == 0:
        raise EmptyDatasetError("The array passed as data has no rows.")
    return array


def _check_ids(dataset: Dataset) -> None:
    column = dataset.schema.id
    if column is None:
        return
    ids = dataset.frame[column]
    if ids.isna().any():  # before repeats: missing ids would read as one repeated id
        rows = preview(np.flatnonzero(ids.isna().to_numpy()).tolist())
        raise DuplicateIdError(
            f"The id column {column!r} is empty at row positions {rows}. Every row needs an "
            "id: fill them, or leave --id out to use row positions."
        )
    repeated = ids[ids.duplicated(keep=False)]
    if len(repeated):
        values = preview(pd.unique(repeated).tolist())
        raise DuplicateIdError(
            f"The id column {column!r} repeats {repeated.nunique()} id(s): {values}. "
            "Ids must be unique: deduplicate the rows, pick another --id column, or leave "
            "--id out to use row positions."
        )


def _check_text(dataset: Dataset) -> None:
    texts = dataset.texts
    if texts is None:
        return
    if all(is_blank(t) for t in texts):
        raise EmptyTextError(
            f"The text column {dataset.schema.text!r} is empty in all {len(texts)} rows "
            "(blank, punctuation alone or a placeholder such as N/A). "
            "Name the column that holds the text with --text, or fill it."
        )


def normalize_text(text: str) -> str:
    """The form two texts share when they are 'the same' for exact-duplicate purposes:
    Unicode NFKC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def content_hashes(
    dataset: Dataset, vectors: np.ndarray | None = None, precomputed: bool = False
) -> np.ndarray:
    """A 64-bit hash per row of what the row says, shape (n_rows,) uint64.

    The normalised text when there is a text column; otherwise, when the ``vectors`` are
    ``precomputed`` embeddings given with the data, the vectors (they stand for the rows, the
    table's other columns being metadata: rows sharing a label and a date are not copies);
    otherwise the feature matrix, or the feature columns (id and label excluded); for data
    with none of these, the ``vectors``. Equal hashes mean exact duplicates.
    """
    if dataset.texts is not None:
        normalized = pd.Series([normalize_text(t) for t in dataset.texts])
        return pd.util.hash_pandas_object(normalized, index=False).to_numpy()
    schema = dataset.schema
    columns = list(schema.numeric + schema.categorical + schema.vector)
    if precomputed and vectors is not None:
        matrix = vectors
    elif dataset.features is None and columns:
        frame = _hashable(dataset.frame[columns])
        return pd.util.hash_pandas_object(frame, index=False).to_numpy()
    else:
        matrix = dataset.features if dataset.features is not None else vectors
    if matrix is None:
        raise ValueError("content_hashes needs vectors for data without content columns")
    matrix = np.ascontiguousarray(matrix)
    return np.array(
        [int.from_bytes(hashlib.blake2b(r.tobytes(), digest_size=8).digest()) for r in matrix],
        dtype=np.uint64,
    )
