"""``sift discover`` and ``sift label`` in Python: ``discover_categories`` and ``label_rows``
(named apart from the packages ``siftkit.discover`` and ``siftkit.label``, which they would
hide). Each is an audit that runs its command's analyses, so it takes ``siftkit.audit``'s
options (``text``, ``id``, ``embeddings``, ``encoder``, ``output``, …) and returns the same
:class:`~siftkit.results.Audit`.

>>> run = siftkit.discover_categories("news.csv", text="body", output="runs/topics")
>>> run = siftkit.label_rows("news.csv", text="body", keywords={"sports": ["football"],
...                                                            "politics": ["election"]})
>>> run.rows[["predicted_label", "label_confidence", "label_source"]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siftkit._text import counted
from siftkit.audit import audit, run_encoder
from siftkit.data import Dataset, load
from siftkit.data.dataset import label_text
from siftkit.data.readers import format_of, read_delimited, read_path
from siftkit.data.schema import missing_column
from siftkit.detectors.clusters import Clusters
from siftkit.detectors.empty_rows import EmptyRows
from siftkit.detectors.labeling import Labeling
from siftkit.exceptions import (
    ColumnNotFoundError,
    DataFileNotFoundError,
    InvalidParameterError,
    SingleClassError,
    UnreadableDataError,
)
from siftkit.results import Audit

#: Seed labels by row id: a CSV file (columns ``row_id`` and ``label``) or a dict.
SeedSource = str | Path | Mapping[Any, Any]


def discover_categories(
    data: Any,
    *,
    n_clusters: int | tuple[int, int] | None = None,
    resolution: float = 0.5,
    min_cluster_size: int = 5,
    min_confidence: float = 0.0,
    vocabulary: str | Path | None = None,
    words: bool = True,
    **options: Any,
) -> Audit:
    """The categories of ``data``, found without being told how many, named, in a tree
    (``sift discover``). Rows with a label stay with their class; unlabeled rows join a class
    or form new categories.

    Parameters
    ----------
    n_clusters : a hint: about this many categories, or a (low, high) range (also as text,
        as the command line takes it: "20", "10-30").
    resolution : granularity when no hint is given: higher finds more, smaller categories.
    min_cluster_size : smaller groups join their neighbours' category.
    min_confidence : rows less confident than this get category -1 (0: every row gets one).
    vocabulary : a text file of candidate category names, one per line.
    words : text rows are grouped by their embeddings joined with their words; False: by
        the embeddings alone.
    options : ``siftkit.audit``'s keyword arguments (not ``detectors``).
    """
    detector = Clusters(
        n_clusters=n_clusters, resolution=resolution, min_cluster_size=min_cluster_size,
        min_confidence=min_confidence,
        vocabulary=str(vocabulary) if isinstance(vocabulary, Path) else vocabulary,
        words=words,
    )  # fmt: skip
    return audit(
        data, **_audit_options(options), detectors=[EmptyRows(), detector],
        allow_missing_labels=True,
    )  # fmt: skip


def label_rows(
    data: Any,
    *,
    keywords: str | Path | Mapping[str, Sequence[str]] | Sequence[str] | None = None,
    descriptions: str | Path | Mapping[str, str] | None = None,
    seed_labels: str | Sequence[Any] | np.ndarray | None = None,
    seed_labels_file: SeedSource | Sequence[SeedSource] | None = None,
    min_confidence: float = 0.0,
    other: bool = False,
    label_names: str = "auto",
    words: bool = True,
    **options: Any,
) -> Audit:
    """Every row of ``data`` labeled, with a confidence, from keywords, descriptions or a few
    labeled rows (``sift label``); the run's ``to_label`` queue then lists the rows worth
    labeling next.

    Parameters
    ----------
    keywords : topic -> a few keywords: a YAML/JSON file or a dict; or a list of topics, each
        its own keyword.
    descriptions : topic -> a sentence describing it: a YAML/JSON file or a dict.
    seed_labels : the column holding labels for a few rows (empty elsewhere), or those labels
        as a sequence of one per row (None where unlabeled). With keywords or descriptions,
        a label naming a topic seeds it, and one naming no topic adds a class.
    seed_labels_file : row id -> label for the seed rows: a CSV with the columns ``row_id``
        and ``label`` (others are ignored, rows with an empty label too: the ``to_label``
        queue, filled in), a dict, or a list of them; ids are the ``id`` column's, else row
        positions from 0. With ``seed_labels`` too, they label rows beside the column's.
    min_confidence : rows less confident than this get no label (abstain).
    other : label rows that fit no topic or class ``other`` (with it, one topic is enough).
    label_names : with seed labels and text rows, read the classes' names as keywords:
        ``"auto"`` when they fit the labeled rows better than chance (a permutation test,
        :mod:`siftkit.label.names`), ``"always"``, or ``"never"``.
    words : text rows (and topics) are labeled from their embeddings joined with their words,
        and grouped so; False: from the embeddings alone.
    options : ``siftkit.audit``'s keyword arguments (not ``detectors``; ``label`` only
        without ``seed_labels`` and ``seed_labels_file``).
    """
    check_label_sources(keywords, descriptions, seed_labels, seed_labels_file)
    options = _audit_options(options)
    seed_files = seed_sources(seed_labels_file)
    seeded = seed_labels is not None or bool(seed_files)
    if seeded and options.get("label") not in (None, False):
        raise InvalidParameterError(
            "The seed labels are the label column here: give label or seed labels, not both."
        )
    if not seeded and options.get("label") is None:
        options["label"] = False  # topics only: a label column is not a seed list
    detector = Labeling(
        keywords=_topics(keywords), descriptions=_topics(descriptions),
        min_confidence=min_confidence, other=other, label_names=label_names, words=words,
    )  # fmt: skip
    clusters = Clusters(words=words)
    try:
        # loaded once, before anything is embedded: a seed file's row ids place its labels,
        # seeds on every row leave nothing to label, and topics need texts to be read beside
        data = load(data, text=options.get("text"), id=options.get("id"),
                    split=options.get("split"),
                    label=seed_labels if seeded else options["label"])  # fmt: skip
        if seeded:
            options["label"] = (
                seed_labels if not seed_files
                else _seed_labels(data, seed_labels is not None, seed_files)
            )  # fmt: skip
            _check_left_to_label(load(data, label=options["label"]), seed_labels)
        if keywords is not None:
            _check_topics_readable(data, options, "keywords", seeded)
        elif descriptions is not None:
            _check_topics_readable(data, options, "descriptions", seeded)
        return audit(
            data, **options, detectors=[EmptyRows(), clusters, detector],
            allow_missing_labels=True,
        )  # fmt: skip
    except ColumnNotFoundError as exc:
        if not isinstance(seed_labels, str) or exc.role != "label":
            raise
        raise missing_column("seed-label", exc.name, exc.columns, "--seed-labels") from None
    except SingleClassError as exc:
        files = [str(f) for f in seed_files if isinstance(f, str | Path)]
        source = (
            f"the column {seed_labels!r}" if isinstance(seed_labels, str) and not files
            else " and ".join(files) if files and seed_labels is None
            else "the seed labels given"
        )  # fmt: skip
        raise SingleClassError(
            f"The seed labels in {source} name fewer than 2 classes; labeling from seeds needs "
            "a few labeled rows of each class (at least 2 classes). Label some rows of every "
            "class, or label from --keywords or --descriptions."
        ) from exc


def _check_topics_readable(
    dataset: Dataset, options: dict[str, Any], kind: str, seeded: bool
) -> None:
    """Raise InvalidParameterError when the run will have no text encoder to embed the
    topics (``kind``: keywords or descriptions) with, as the rows were; ``seeded``: seed
    labels were given beside them."""
    embeddings = options.get("embeddings")
    encoder = None if embeddings is not None else run_encoder(dataset, options.get("encoder"))
    if encoder is not None and encoder.modality == "text":
        return
    fallback = (
        f"or leave the {kind} out and label from the seed labels alone" if seeded
        else "or label from a few labeled rows (--seed-labels COLUMN)"
    )  # fmt: skip
    if embeddings is not None:
        cause = (
            "the rows come as precomputed embeddings, and the topics cannot be embedded "
            f"as they were. Let siftkit embed the text column (drop --embeddings), {fallback}"
        )
    elif dataset.texts is None:
        held = (
            f"columns: {', '.join(map(str, dataset.frame.columns))}" if len(dataset.frame.columns)
            else "an array of numbers"
        )  # fmt: skip
        cause = (
            f"the data has no text column ({held}). Name the text column with --text, {fallback}"
        )
    else:
        cause = (
            f"the encoder {encoder.name!r} does not embed text. Use a text encoder "
            f"(--encoder minilm or tfidf), {fallback}"
        )
    raise InvalidParameterError(
        f"The {kind} are embedded by a text encoder beside the rows' texts, but {cause}."
    )


def _check_left_to_label(seeded: Dataset, seed_labels: Any) -> None:
    """Raise InvalidParameterError when the seed labels leave no row to label."""
    labels = seeded.labels
    if labels is None or labels.missing.any():
        return
    column = seed_labels if isinstance(seed_labels, str) else None
    where = f" in the column {column!r}" if column else ""
    audit_hint = f"`sift audit --label {column}`" if column else "`sift audit` with them as labels"
    # scikit-learn's semi-supervised estimators mark unlabeled rows -1; here -1 may be a
    # class (sentiment -1 / 0 / 1), so it is read as one, and the error says so
    minus_one = any(isinstance(c, int | float | np.number) and c == -1 for c in labels.classes)
    read_as = " (-1 is read as a label, not as none)" if minus_one else ""
    raise InvalidParameterError(
        f"Every row has a seed label{where}{read_as}: nothing is left to label. Leave the "
        f"rows to label empty; to check labels every row has, use {audit_hint}."
    )


def check_label_sources(
    keywords: Any, descriptions: Any, seed_labels: Any, seed_labels_file: Any
) -> None:
    """Raise InvalidParameterError unless there is something to label from, each source
    given once and in a form it takes."""
    if keywords is not None and descriptions is not None:
        raise InvalidParameterError("Give --keywords or --descriptions, not both.")
    if all(x is None for x in (keywords, descriptions, seed_labels)) and not seed_sources(
        seed_labels_file
    ):
        raise InvalidParameterError(
            "Nothing to label from: give keywords, descriptions, seed labels (a column) or a "
            "seed labels file (sift label: --keywords, --descriptions, --seed-labels COLUMN, "
            "--seed-labels-file FILE)."
        )
    for name, topics in (("keywords", keywords), ("descriptions", descriptions)):
        listed = name == "keywords" and isinstance(topics, list | tuple)
        if topics is not None and not isinstance(topics, str | Path | Mapping) and not listed:
            takes = "keywords (or a list of topics)" if name == "keywords" else "sentence"
            raise InvalidParameterError(
                f"{name} takes a YAML or JSON file, or a dict of topic -> {takes}; got a "
                f"{type(topics).__name__}."
            )
    for source in seed_sources(seed_labels_file):
        if not isinstance(source, str | Path | Mapping):
            raise InvalidParameterError(
                "seed_labels_file takes a CSV file (columns row_id and label), a dict of row id "
                f"-> label, or a list of them; got a {type(source).__name__}."
            )
    if isinstance(seed_labels, Mapping):
        raise InvalidParameterError(
            "seed_labels takes the name of a column, or one label per row (None where "
            "unlabeled); a dict of row id -> label goes to seed_labels_file."
        )


def _audit_options(options: dict[str, Any]) -> dict[str, Any]:
    if "detectors" in options or "allow_missing_labels" in options:
        raise InvalidParameterError(
            "discover and label choose their own analyses: call siftkit.audit for others."
        )
    return dict(options)


def _topics(
    given: str | Path | Mapping[str, Any] | Sequence[str] | None,
) -> str | dict[str, Any] | list[str] | None:
    if given is None or isinstance(given, str):
        return given
    if isinstance(given, list | tuple):
        return list(given)
    return str(given) if isinstance(given, Path) else dict(given)


def seed_sources(given: SeedSource | Sequence[SeedSource] | None) -> list[SeedSource]:
    """The seed label sources given: none, one (a file or a dict) or a list of them."""
    if given is None:
        return []
    return list(given) if isinstance(given, list | tuple) else [given]


def _seed_labels(dataset: Dataset, with_column: bool, sources: list[SeedSource]) -> np.ndarray:
    """A label per row of ``dataset`` (None where unlabeled): its seed label column's
    (``with_column``) and those of ``sources`` (row id -> label). Raises
    UnreadableDataError for ids not in the data, an id given two labels, or a file giving
    none."""
    labels = dataset.labels if with_column else None
    merged = (
        labels.decode(labels.codes) if labels is not None
        else np.full(len(dataset), None, dtype=object)
    )  # fmt: skip
    given_by = np.full(len(dataset), "the seed label column" if with_column else "", dtype=object)
    row_ids = pd.Series(dataset.row_ids.astype(str))
    for source in sources:
        lookup, where = _seed_lookup(source)
        unknown = set(lookup) - set(row_ids)
        if unknown:
            raise UnreadableDataError(
                f"{counted(len(unknown), 'row id')} of {where} "
                f"{'is' if len(unknown) == 1 else 'are'} not in the data (e.g. "
                f"{sorted(unknown)[:3]}); ids are the --id column, else row positions from 0."
            )
        new = row_ids.map(lookup).to_numpy(dtype=object)
        placed = np.flatnonzero(pd.notna(new))
        before = merged[placed]
        clash = pd.notna(before) & (
            np.array([_label_key(a) for a in before], dtype=object)
            != np.array([_label_key(b) for b in new[placed]], dtype=object)
        )  # fmt: skip
        if clash.any():
            first = placed[np.flatnonzero(clash)[0]]
            raise UnreadableDataError(
                f"{counted(int(clash.sum()), 'row')} given two different labels, from "
                f"{given_by[first]} and "
                f"{where} (e.g. row {row_ids.iloc[first]!r}: {merged[first]!r} and "
                f"{new[first]!r}); keep one label per row."
            )
        merged[placed], given_by[placed] = new[placed], where
    return merged


def _label_key(value: Any) -> str:
    """A label as compared: its text without the spaces around it ("" when missing), as
    labels are read (``7.0`` is ``7``, ``"cat "`` is ``cat``)."""
    return (label_text(value) or "").strip()


def _read_seed_file(path: Path) -> pd.DataFrame:
    """A seed labels file as a table: in a format of its own (the queue written as .xlsx and
    filled in a spreadsheet, .parquet, .jsonl) as siftkit reads data; else as delimited text
    (CSV, TSV, or a spreadsheet's "Unicode Text" .txt), its ids as written ("007" stays
    "007") and its labels as pandas reads them (7 is a number)."""
    kind = format_of(path)  # seeds.jsonl.gz is JSON Lines, as data would be
    if kind not in (None, "csv", "tsv", "lines"):
        return read_path(path)
    return read_delimited(path, dtype={"row_id": str})


def _seed_lookup(source: SeedSource) -> tuple[dict[str, Any], str]:
    """(row id as text -> label, without empty labels; how to name the source)."""
    if isinstance(source, Mapping):
        pairs = pd.DataFrame({"row_id": list(source), "label": list(source.values())})
        where = "the seed labels given"
    else:
        path = Path(source)
        if not path.is_file():
            raise DataFileNotFoundError(f"The --seed-labels-file {str(source)!r} does not exist.")
        pairs = _read_seed_file(path)
        where = str(path)
        missing = [c for c in ("row_id", "label") if c not in pairs]
        if missing:
            raise UnreadableDataError(
                f"{path} must have the columns row_id and label (got "
                f"{', '.join(map(str, pairs.columns))})."
            )
    pairs = pairs[["row_id", "label"]].copy()
    pairs["row_id"] = pairs["row_id"].astype(str)
    pairs["key"] = pairs["label"].map(_label_key)
    pairs = pairs[pairs["key"].ne("")].drop_duplicates(["row_id", "key"])
    if pairs.empty and not isinstance(source, Mapping):
        raise UnreadableDataError(
            f"{where} labels no row: its label column is empty. Fill in the labels of the rows "
            "you labeled (rows left empty are not seeds)."
        )
    labels_per_id = pairs.groupby("row_id")["key"].nunique()
    conflicting = labels_per_id.index[labels_per_id > 1].tolist()
    if conflicting:
        raise UnreadableDataError(
            f"{counted(len(conflicting), 'row id')} of {where} "
            f"{'is' if len(conflicting) == 1 else 'are'} given two or more labels (e.g. "
            f"{conflicting[:3]}); keep one label per row id."
        )
    return dict(zip(pairs["row_id"], pairs["label"], strict=True)), where
