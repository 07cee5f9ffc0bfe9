"""Edits of a run: what a person decided about rows, kept apart from the data.

Each action goes to ``OUT/edits.parquet`` with a timestamp — the input data is never
modified. Actions on one row or a whole selection form one batch; ``undo`` takes back the
latest batch not yet undone (itself recorded, so the log keeps everything). The cleaned
dataset applies the effective edits: relabelled rows get their new label, dropped rows go.

Actions: ``accept_suggestion`` (take the run's ``suggested_label``), ``set_label``,
``mark_fine`` (looked at, nothing to change) and ``drop``.

Writers take turns: each edit or undo reads, extends and replaces the log holding a lock on
the run folder (``flock``; threads and processes alike, two explorers on one run included),
and a log is read in one piece, so a reader never meets half of a replacement. An edit is
refused once the folder holds another run than the one the log was opened for (written over
with ``--overwrite``): its rows are not the ones the edit names.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siftkit._validation import did_you_mean
from siftkit.data.dataset import label_text, whole_numbers
from siftkit.exceptions import InvalidParameterError, RunFolderError, SiftWarning
from siftkit.results import (
    EDITS_FILE,
    Audit,
    atomic_write,
    check_table_path,
    open_run,
    saved_fingerprint,
    write_table,
)

try:
    import fcntl
except ImportError:  # Windows: one writer at a time is up to the user
    fcntl = None

ACTIONS = ("accept_suggestion", "set_label", "mark_fine", "drop")
COLUMNS = ("edit_id", "batch", "timestamp", "row_id", "action", "label", "undoes")


def _empty() -> pd.DataFrame:
    return pd.DataFrame({
        "edit_id": pd.Series(dtype="int64"), "batch": pd.Series(dtype="int64"),
        "timestamp": pd.Series(dtype="str"), "row_id": pd.Series(dtype="str"),
        "action": pd.Series(dtype="str"), "label": pd.Series(dtype="object"),
        "undoes": pd.Series(dtype="Int64"),
    })  # fmt: skip


class EditLog:
    """The edits of one saved run: an :class:`~siftkit.results.Audit` with a path, or the path
    of its run folder."""

    def __init__(self, audit: Audit | str | os.PathLike[str]) -> None:
        if isinstance(audit, str | os.PathLike):
            audit = open_run(audit)
        elif not isinstance(audit, Audit):
            raise TypeError(
                f"EditLog takes a saved run (siftkit.open(PATH)) or its folder, not "
                f"{type(audit).__name__}."
            )
        if audit.path is None:
            raise RunFolderError("Edits belong to a saved run: save the audit first.")
        self.audit = audit
        self.path = Path(audit.path) / EDITS_FILE
        self.fingerprint = saved_fingerprint(Path(audit.path))

    def history(self) -> pd.DataFrame:
        """Every recorded edit and undo, oldest first."""
        try:
            data = self.path.read_bytes()  # in one piece: it may be replaced meanwhile
        except FileNotFoundError:
            return _empty()
        return pd.read_parquet(io.BytesIO(data))

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """Hold the run folder's lock (one writer at a time) and check it still holds the
        run this log was opened for."""
        folder = self.path.parent
        handle = os.open(folder, os.O_RDONLY)
        try:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_EX)
            if saved_fingerprint(folder) != self.fingerprint:
                raise RunFolderError(
                    f"The folder {str(folder)!r} now holds another run than the one opened "
                    "(written over since): its rows are not the ones this edit names. Open "
                    "the run again (restart `sift serve`) to edit it."
                )
            yield
        finally:
            os.close(handle)  # releases the lock

    def _write(self, log: pd.DataFrame) -> None:
        with atomic_write(self.path) as handle:
            log.to_parquet(handle, index=False)

    def record(self, row_ids: Sequence[Any], action: str, label: str | None = None) -> int:
        """Record ``action`` on the rows ``row_ids`` as one batch; returns the batch id."""
        if action not in ACTIONS:
            raise InvalidParameterError(
                f"No edit action {action!r}.{did_you_mean(action, ACTIONS, 'action')} "
                f"Actions: {', '.join(ACTIONS)}."
            )
        if action == "set_label" and (label is None or not str(label).strip()):
            raise InvalidParameterError("The set_label action needs a label.")
        if isinstance(label, str):
            label = label.strip()  # as labels are read: `cat ` is `cat`
        rows = self.audit.rows.set_index(self.audit.rows["row_id"].astype(str))
        wanted = [str(r) for r in dict.fromkeys(row_ids)]
        unknown = [r for r in wanted if r not in rows.index]
        if unknown or not wanted:
            raise InvalidParameterError(
                f"Row ids not in this run: {', '.join(unknown[:5]) or '(none given)'}."
            )
        if action == "accept_suggestion":
            if "suggested_label" not in rows:
                raise InvalidParameterError(
                    "This run has no suggested labels (label errors did not run)."
                )
            labels = [rows.at[r, "suggested_label"] for r in wanted]
            none = [r for r, label in zip(wanted, labels, strict=True) if pd.isna(label)]
            if none:
                raise InvalidParameterError(
                    f"Rows without a suggested label (rows given none, which label errors "
                    f"leave alone): {', '.join(none[:5])}. Set their label instead."
                )
        else:
            labels = [label if action == "set_label" else None] * len(wanted)
        return self._append(wanted, action, labels, undoes=None)

    def _append(
        self, row_ids: list[str], action: str, labels: list[Any], undoes: int | None
    ) -> int:
        with self._turn():
            return self._append_held(row_ids, action, labels, undoes)

    def _append_held(
        self, row_ids: list[str], action: str, labels: list[Any], undoes: int | None
    ) -> int:
        log = self.history()
        batch = int(log["batch"].max()) + 1 if len(log) else 0
        first = int(log["edit_id"].max()) + 1 if len(log) else 0
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        new = pd.DataFrame({
            "edit_id": range(first, first + len(row_ids)), "batch": batch,
            "timestamp": stamp, "row_id": row_ids, "action": action,
            "label": [None if v is None or pd.isna(v) else str(v) for v in labels],
            "undoes": pd.array([undoes] * len(row_ids), dtype="Int64"),
        })  # fmt: skip
        self._write(pd.concat([log, new], ignore_index=True) if len(log) else new)
        return batch

    def _undone(self, log: pd.DataFrame) -> set[int]:
        return set(log.loc[log["action"] == "undo", "undoes"].dropna().astype(int))

    def undo(self, batch: int | None = None) -> int | None:
        """Take back ``batch`` (default: the latest batch not yet undone); returns its id
        (None: nothing left to undo). Raises :class:`InvalidParameterError` for a batch that
        is not in the log or is undone already."""
        with self._turn():
            log = self.history()
            undone = self._undone(log)
            live = log[(log["action"] != "undo") & ~log["batch"].isin(undone)]
            if batch is not None and batch not in set(live["batch"]):
                raise InvalidParameterError(
                    f"Batch {batch} is not an edit in force (undone already, or never made)."
                )
            if not len(live):
                return None
            batch = int(live["batch"].max()) if batch is None else int(batch)
            rows = live.loc[live["batch"] == batch, "row_id"].tolist()
            self._append_held(rows, "undo", [None] * len(rows), undoes=batch)
            return batch

    def current(self, log: pd.DataFrame | None = None) -> pd.DataFrame:
        """Per edited row, the action in force (the latest not undone): columns ``row_id``,
        ``action``, ``label``, ``timestamp``; of ``log`` (as :meth:`history` gives it, or a
        part of it), read now when None."""
        log = self.history() if log is None else log
        live = log[(log["action"] != "undo") & ~log["batch"].isin(self._undone(log))]
        latest = live.sort_values("edit_id").drop_duplicates("row_id", keep="last")
        return latest[["row_id", "action", "label", "timestamp"]].reset_index(drop=True)


def _in_force(audit: Audit) -> pd.DataFrame:
    """The edits in force of ``audit`` (:meth:`EditLog.current`); none for a run not saved."""
    if audit.path is None or not (Path(audit.path) / EDITS_FILE).exists():
        return _empty()[["row_id", "action", "label", "timestamp"]]
    return EditLog(audit).current()


def reviewed(audit: Audit) -> np.ndarray:
    """Per row of ``audit``, whether an edit is in force for it (relabelled, dropped or marked
    fine in the explorer), (n_rows,) bool; all false for a run not saved or never edited."""
    edited = set(_in_force(audit)["row_id"])
    return audit.rows["row_id"].astype(str).isin(edited).to_numpy()


def edit_counts(audit: Audit) -> dict[str, int]:
    """Rows per edit action in force (``drop``: 3, …); empty for a run never edited."""
    counts = _in_force(audit)["action"].value_counts()
    return {str(action): int(n) for action, n in counts.items()}


#: The labeling columns of a run (``sift label``) the cleaned dataset carries.
LABELING_COLUMNS = ("predicted_label", "label_confidence", "label_source")


def cleaned_dataset(audit: Audit) -> pd.DataFrame:
    """The input data with the run's edits applied: relabelled rows carry their new label,
    dropped rows are gone. The original file is re-read when it is still there unchanged
    (same fingerprint); otherwise the run's own columns (``row_id``, ``text``, ``label``)
    stand in for it. A run that labeled its rows (``sift label``) adds its
    ``predicted_label``, ``label_confidence`` and ``label_source``, a relabelled row's
    predicted label being its new label (source ``edited``, confidence 1)."""
    frame, label_column = _input_frame(audit)
    current = EditLog(audit).current().set_index("row_id")
    keys = audit.rows["row_id"].astype(str).to_numpy()
    action = current["action"].reindex(keys).to_numpy()
    new_label = current["label"].reindex(keys).to_numpy()
    relabel = pd.Series(action).isin(["accept_suggestion", "set_label"]).to_numpy()
    out = frame.copy()
    if relabel.any():
        if label_column not in out:
            out[label_column] = None
        out[label_column] = _relabelled(out[label_column], relabel, new_label)
    if all(c in audit.rows for c in LABELING_COLUMNS):
        labeling = audit.rows[list(LABELING_COLUMNS)].reset_index(drop=True)
        labeling["predicted_label"] = _relabelled(labeling["predicted_label"], relabel, new_label)
        labeling.loc[relabel, "label_source"] = "edited"
        labeling.loc[relabel, "label_confidence"] = 1.0
        for column in LABELING_COLUMNS:
            out[column] = labeling[column].array
    return out[action != "drop"].reset_index(drop=True)


def _relabelled(column: pd.Series, relabel: np.ndarray, labels: np.ndarray) -> pd.Series:
    """``column`` with ``labels`` (text, as the edit log keeps them) where ``relabel``
    ((n_rows,) bool) is set, in one type, so the column can be written to Parquet: numbers
    where the column holds numbers and every new label reads as one ("3" in a column of 3s
    and 7s), else text (a column of numbers becomes "3", "7"; missing values stay missing)."""
    new = labels[relabel]
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        numbers = pd.to_numeric(pd.Series(new, dtype=object), errors="coerce")
        values = numbers.to_numpy(dtype=np.float64)
        if not np.isnan(values).any():
            if pd.api.types.is_integer_dtype(column) and whole_numbers(values):  # Int64 too
                out = column.copy()
                out.iloc[np.flatnonzero(relabel)] = values.astype(np.int64)
                return out
            out = column.astype(np.float64)
            out.iloc[np.flatnonzero(relabel)] = values
            return out
    out = np.array([label_text(v) for v in column], dtype=object)
    out[relabel] = new
    return pd.Series(out, index=column.index, name=column.name)


def source_frame(audit: Audit) -> pd.DataFrame | None:
    """The run's input rows as it read them, in run order, every column; None when its input
    file (or folder) is gone, unreadable or changed since the run (another fingerprint), or
    the input was not read from a path."""
    source = audit.summary.get("input", {})
    schema = source.get("schema", {})
    path = Path(str(source.get("source", "")))
    if not str(source.get("source", "")) or not path.exists():
        return None
    import siftkit

    label: Any = schema.get("label")
    if label is None and source.get("n_classes") is not None and "label" in audit.rows:
        label = audit.rows["label"].to_numpy(dtype=object)  # labels given as an array
    try:
        with warnings.catch_warnings():  # the run said what reading it has to say
            warnings.simplefilter("ignore", SiftWarning)
            dataset = siftkit.load(path, text=schema.get("text"), label=label, id=schema.get("id"))
    except Exception:  # noqa: BLE001 — any failure: the input cannot be read as it was
        return None
    if label is None:
        dataset = dataset.without_labels()  # as the run read it (label=False)
    if dataset.fingerprint != source.get("fingerprint"):
        return None
    return dataset.frame.reset_index(drop=True)


def _input_frame(audit: Audit) -> tuple[pd.DataFrame, str]:
    """The input rows (in run order) and the name of their label column: the input file's
    (:func:`source_frame`), else the run's own row id, text and label."""
    frame = source_frame(audit)
    if frame is not None:
        return frame, audit.summary["input"].get("schema", {}).get("label") or "label"
    columns = [c for c in ("row_id", "text", "label") if c in audit.rows]
    return audit.rows[columns].copy(), "label"


def write_cleaned(audit: Audit, path: str | Path) -> int:
    """Write :func:`cleaned_dataset` in the format ``path``'s suffix names (Parquet, CSV,
    TSV, JSON Lines or Excel: :func:`siftkit.results.write_table`); returns its rows. Raises
    :class:`InvalidParameterError` for another suffix, before any work."""
    path = Path(path)
    check_table_path(path, "the cleaned dataset")
    cleaned = cleaned_dataset(audit)
    write_table(cleaned, path, "the cleaned dataset")
    return len(cleaned)
