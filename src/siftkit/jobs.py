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

from siftkit.audit import audit, run_encoder
from siftkit.data import Dataset, load
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
    keywords: str | Path | Mapping[str, Sequence[str]] | None = None,
    descriptions: str | Path | Mapping[str, str] | None = None,
    seed_labels: str | Sequence[Any] | np.ndarray | None = None,
    seed_labels_file: str | Path | Mapping[Any, Any] | None = None,
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
    keywords : topic -> a few keywords: a YAML/JSON file or a dict.
    descriptions : topic -> a sentence describing it: a YAML/JSON file or a dict.
    seed_labels : the column holding labels for a few rows (empty elsewhere), or those labels
        as a sequence of one per row (None where unlabeled). With keywords or descriptions,
        a label naming a topic seeds it, and one naming no topic adds a class.
    seed_labels_file : row id -> label for the seed rows: a CSV with the columns
        ``row_id,label`` or a dict; ids are the ``id`` column's, else row positions from 0.
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
    seeded = seed_labels is not None or seed_labels_file is not None
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
                seed_labels if seed_labels_file is None
                else _labels_from_file(seed_labels_file, data)
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
        source = (
            f"the column {seed_labels!r}" if isinstance(seed_labels, str)
            else str(seed_labels_file) if isinstance(seed_labels_file, str | Path)
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
    """Raise InvalidParameterError unless there is something to label from, given once."""
    if keywords is not None and descriptions is not None:
        raise InvalidParameterError("Give --keywords or --descriptions, not both.")
    if seed_labels is not None and seed_labels_file is not None:
        raise InvalidParameterError("Give --seed-labels or --seed-labels-file, not both.")
    if all(x is None for x in (keywords, descriptions, seed_labels, seed_labels_file)):
        raise InvalidParameterError(
            "Nothing to label from: give keywords, descriptions, seed labels (a column) or a "
            "seed labels file (sift label: --keywords, --descriptions, --seed-labels COLUMN, "
            "--seed-labels-file FILE)."
        )
    for name, topics in (("keywords", keywords), ("descriptions", descriptions)):
        if topics is not None and not isinstance(topics, str | Path | Mapping):
            raise InvalidParameterError(
                f"{name} takes a YAML or JSON file, or a dict of topic -> "
                f"{'keywords' if name == 'keywords' else 'sentence'}; got a "
                f"{type(topics).__name__}."
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


def _topics(given: str | Path | Mapping[str, Any] | None) -> str | dict[str, Any] | None:
    if given is None or isinstance(given, str):
        return given
    return str(given) if isinstance(given, Path) else dict(given)


def _labels_from_file(seeds: str | Path | Mapping[Any, Any], dataset: Dataset) -> np.ndarray:
    """A label per row of ``dataset`` from row id -> label (None for the other rows)."""
    if isinstance(seeds, Mapping):
        lookup, where = {str(k): v for k, v in seeds.items()}, "the seed labels"
    else:
        path = Path(seeds)
        if not path.is_file():
            raise DataFileNotFoundError(f"The --seed-labels-file {str(seeds)!r} does not exist.")
        table, where = pd.read_csv(path, keep_default_na=False, na_values=[""]), str(path)
        if list(table.columns[:2]) != ["row_id", "label"]:
            raise UnreadableDataError(
                f"{path} must have the columns row_id,label (got {', '.join(table.columns)})."
            )
        table["row_id"] = table["row_id"].astype(str)
        labels_per_id = table.drop_duplicates().groupby("row_id")["label"].nunique(dropna=False)
        conflicting = labels_per_id.index[labels_per_id > 1].tolist()
        if conflicting:
            raise UnreadableDataError(
                f"{len(conflicting)} row ids of {path} are given two or more labels (e.g. "
                f"{conflicting[:3]}); keep one label per row id."
            )
        lookup = dict(zip(table["row_id"], table["label"], strict=True))
    row_ids = dataset.row_ids.astype(str)
    unknown = set(lookup) - set(row_ids)
    if unknown:
        raise UnreadableDataError(
            f"{len(unknown)} row ids of {where} are not in the data (e.g. "
            f"{sorted(unknown)[:3]}); ids are the --id column, else row positions from 0."
        )
    return row_ids.map(lookup).to_numpy(dtype=object)
