"""Review queues: the rows an analysis flagged, worst first, ready for re-annotation; and
``to_label``, the rows worth labeling next (see :mod:`siftkit.label.next`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from siftkit._validation import did_you_mean
from siftkit.exceptions import ColumnNotFoundError, RunFolderError
from siftkit.results import Audit, check_table_path, content_column, write_table

#: queue name -> (flag columns, score column, columns worth reading, in order)
QUEUES: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "label_errors": (
        ("is_label_error", "is_off_topic"),
        "label_error_score",
        ("label", "suggested_label", "suggestion_confidence", "label_error_score",
         "off_topic_score", "label_conflict_group"),
    ),
    "off_topic": (("is_off_topic",), "off_topic_score", ("label", "off_topic_score")),
    "outliers": (("is_outlier",), "outlier_score", ("label", "outlier_score")),
    "near_duplicates": (
        ("is_near_duplicate",),
        "near_duplicate_score",
        ("label", "duplicate_group", "near_duplicate_score"),
    ),
}  # fmt: skip


#: A flagged row whose suggested label is less likely than this is to be looked at, not
#: relabeled as suggested.
UNSURE_BELOW = 0.5


def _issue_kind(rows: pd.DataFrame) -> pd.Series:
    """What a label-error queue row needs: relabel, drop (off-topic), reconcile copies, or a
    look first where its suggestion is unsure (``UNSURE_BELOW``) or it is also an outlier (far
    from every row, so its suggestion is a guess: noise and corrupt rows land there as often
    as mislabeled ones)."""
    kind = pd.Series("relabel", index=rows.index)
    if "suggestion_confidence" in rows:
        kind[rows["suggestion_confidence"] < UNSURE_BELOW] = "inspect (unsure suggestion)"
    if "label_conflict_group" in rows:
        kind[rows["label_conflict_group"] >= 0] = "reconcile copies"
    if "is_outlier" in rows:
        kind[rows["is_outlier"]] = "inspect (outlier)"
    if "is_off_topic" in rows:
        kind[rows["is_off_topic"]] = "drop (off-topic)"
    return kind


#: Rows in the ``to_label`` queue when no budget is given.
DEFAULT_BUDGET = 100
QUEUE_NAMES = (*QUEUES, "to_label")


def review_queue(
    audit: Audit,
    name: str,
    budget: int | None = None,
    include_reviewed: bool = False,
    columns: Sequence[str] = (),
) -> pd.DataFrame:
    """The rows flagged by analysis ``name``, sorted by its score, highest first; for
    ``to_label``, the ``budget`` rows worth labeling next (default ``DEFAULT_BUDGET``), with
    an empty ``label`` column: filled in, it is a seed labels file for ``sift label``.
    Rows already reviewed in the explorer (an edit in force in ``edits.parquet``) are left
    out unless ``include_reviewed``. ``columns``: columns of the run's input file shown
    after the row id (a headword, a date), read from that file.

    Raises :class:`RunFolderError` when the run has no such analysis or it did not run, or
    ``columns`` are asked for and the input file is gone or changed since the run;
    :class:`ColumnNotFoundError` for a column the input does not have.
    """
    from siftkit.edits import reviewed

    extra = _input_columns(audit, columns) if columns else None
    done = np.zeros(len(audit.rows), dtype=bool) if include_reviewed else reviewed(audit)
    queue = _queue(audit, name, budget, done)
    if extra is not None:
        at = list(queue.columns).index("row_id") + 1
        shown = extra.reindex(queue["row_id"]).reset_index(drop=True)
        for offset, column in enumerate(shown.columns):
            unique = column if column not in queue else f"input {column}"
            queue.insert(at + offset, unique, shown[column].array)
    return queue


def _input_columns(audit: Audit, columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` of the run's input file, indexed by row id. Raises as
    :func:`review_queue` says."""
    from siftkit.edits import source_frame

    frame = source_frame(audit)
    if frame is None:
        source = str(audit.summary.get("input", {}).get("source", "the input"))
        if source.startswith("in-memory"):
            raise RunFolderError(
                f"This run read its rows from an {source}, not a file, so a queue shows only "
                "the run's own columns: join it to your table on row_id."
            )
        raise RunFolderError(
            f"Extra columns come from the run's input file, {source}, which is gone or has "
            "changed since the run (its fingerprint differs). Put the file back as it was, or "
            "run again on the file as it is now."
        )
    missing = [c for c in columns if c not in frame]
    if missing:
        name, present = missing[0], tuple(map(str, frame.columns))
        raise ColumnNotFoundError(
            f"The run's input has no column {name!r}.{did_you_mean(name, present)} "
            f"Its columns: {', '.join(present)}.",
            role="extra", name=name, columns=present,
        )  # fmt: skip
    shown = frame[list(dict.fromkeys(columns))]
    return shown.set_axis(pd.Index(audit.rows["row_id"].to_numpy(), dtype=object), axis=0)


def _queue(audit: Audit, name: str, budget: int | None, done: np.ndarray) -> pd.DataFrame:
    """The queue ``name`` of :func:`review_queue`, without rows where ``done``."""
    if name == "to_label":
        from siftkit.label.next import rows_to_label

        queue = rows_to_label(audit, DEFAULT_BUDGET if budget is None else budget, skip=done)
        # to fill in and pass back as a seed labels file (columns row_id and label)
        return queue.assign(label=pd.Series([None] * len(queue), dtype=object))
    flagged = queue_flags(audit, name)
    _, score, wanted = QUEUES[name]
    rows = audit.rows
    queue = rows[flagged & ~done]
    content = content_column(rows)
    columns = ["row_id"] + ([content] if content is not None else [])
    columns += [c for c in wanted if c in rows]
    out = queue[columns].copy()
    if name == "label_errors":
        out.insert(1, "action", _issue_kind(queue))
    if name == "near_duplicates" and "duplicate_group" in rows:
        out.insert(1, "copy_of", _nearest_copy(audit, np.flatnonzero(flagged & ~done)))
    return out.sort_values(score, ascending=False, kind="stable").reset_index(drop=True)


def _nearest_copy(audit: Audit, positions: np.ndarray) -> np.ndarray:
    """For each row at ``positions``, the id of the nearest other row of its duplicate group
    (its neighbours in the graph, nearest first; None when none of them is in the group)."""
    group = audit.rows["duplicate_group"].to_numpy()
    ids = audit.rows["row_id"].to_numpy()
    neighbours = audit.graph.indices[positions]
    same = (group[neighbours] == group[positions, None]) & (group[positions, None] >= 0)
    first = same.argmax(axis=1)
    found = same[np.arange(len(positions)), first]
    nearest = neighbours[np.arange(len(positions)), first]
    return np.where(found, ids[nearest], None)


def queue_flags(audit: Audit, name: str) -> np.ndarray:
    """The rows the flags of queue ``name`` (not ``to_label``) mark, reviewed or not,
    (n_rows,) bool. Raises :class:`RunFolderError` when the run has no such queue."""
    if name not in QUEUES:
        raise RunFolderError(
            f"No review queue named {name!r}.{did_you_mean(name, QUEUE_NAMES, '--queue')} "
            f"Queues: {', '.join(QUEUE_NAMES)}."
        )
    present = [f for f in QUEUES[name][0] if f in audit.rows]
    if not present:
        raise RunFolderError(_no_queue(audit, name))
    return np.logical_or.reduce([audit.rows[f].to_numpy() for f in present])


#: The analysis whose flags fill each queue.
QUEUE_ANALYSES = {"label_errors": "label_errors", "off_topic": "label_errors",
                  "outliers": "outliers", "near_duplicates": "near_duplicates"}  # fmt: skip


def _no_queue(audit: Audit, name: str) -> str:
    """Why the run has no rows for the queue ``name``, and what gives it some."""
    analysis = QUEUE_ANALYSES[name]
    entry = audit.summary.get(analysis)
    if not isinstance(entry, dict):  # `sift discover` and `sift label` run their own
        ran = ", ".join(audit.analyses) or "none"
        return (
            f"This run did not check {analysis.replace('_', ' ')} (its analyses: {ran}; "
            f"`sift discover` and `sift label` run only theirs). `sift audit` checks it."
        )
    why = entry.get("reason") or entry.get("error") or "see `sift info`"
    fix = " (label errors need labels: --label COLUMN)" if analysis == "label_errors" else ""
    return (
        f"This run has no {name} results: the {analysis.replace('_', ' ')} analysis was "
        f"{entry.get('status', 'not run')} ({why}). Re-run `sift audit` with what it needs{fix}."
    )


def write_queue(
    audit: Audit,
    name: str,
    path: str | Path,
    budget: int | None = None,
    include_reviewed: bool = False,
    columns: Sequence[str] = (),
) -> int:
    """Write :func:`review_queue` (atomically) in the format ``path``'s suffix names (CSV,
    TSV, Parquet, JSON Lines or Excel: :func:`siftkit.results.write_table`); returns the
    number of rows."""
    check_table_path(Path(path), "the queue")
    queue = review_queue(audit, name, budget, include_reviewed, columns)
    write_table(queue, Path(path), "the queue")
    return len(queue)
