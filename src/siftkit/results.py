"""The run folder: the one contract between an audit and everything that reads it.

``rows.parquet`` (one row per input row, in input order), ``summary.json``,
``embeddings.npy``, ``neighbors.npz``, ``map.npy`` (the 2-D map, see :mod:`siftkit.layout`)
and ``report.html``. Every file is written to a temporary name and renamed
into place; ``summary.json`` is written last, so a folder with a summary is complete.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import cached_property
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from siftkit.exceptions import (
    InvalidParameterError,
    MissingExtraError,
    OutputExistsError,
    RunFolderError,
)
from siftkit.neighbors import KnnGraph

ROWS_FILE = "rows.parquet"
SUMMARY_FILE = "summary.json"
EMBEDDINGS_FILE = "embeddings.npy"
NEIGHBORS_FILE = "neighbors.npz"
REPORT_FILE = "report.html"
MAP_FILE = "map.npy"
RUN_FILES = (ROWS_FILE, SUMMARY_FILE, EMBEDDINGS_FILE, NEIGHBORS_FILE, MAP_FILE, REPORT_FILE)
#: The explorer's edits of the run's rows (:mod:`siftkit.edits`): a run replaced by a
#: different one loses them, as they name rows of the old run.
EDITS_FILE = "edits.parquet"
#: The columns of ``rows.parquet`` that say what a row holds, for people: its text, or a
#: table's values (``column=value, …``).
CONTENT_COLUMNS = ("text", "values")


def content_column(rows: pd.DataFrame) -> str | None:
    """The column of ``rows`` that says what each row holds (see ``CONTENT_COLUMNS``)."""
    return next((c for c in CONTENT_COLUMNS if c in rows), None)


@contextmanager
def atomic_write(path: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Write ``path`` through a temporary file in the same folder, renamed on success; the
    folder is made when it does not exist (``sift export -o reviews/queue.csv``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        with tmp.open(mode) as handle:
            yield handle
        os.replace(tmp, path)
    finally:
        with suppress(OSError):  # a folder it could not write in raised already
            tmp.unlink(missing_ok=True)


#: The formats a table (a queue, the cleaned dataset, ranked rows) is written in, by suffix.
TABLE_FORMATS = {".csv": "CSV", ".tsv": "TSV", ".parquet": "Parquet", ".jsonl": "JSON Lines",
                 ".xlsx": "Excel"}  # fmt: skip


def check_table_path(path: Path, what: str) -> None:
    """Raise before any work when ``path``'s suffix names no format of ``TABLE_FORMATS``
    (:class:`InvalidParameterError`), or names Excel without openpyxl
    (:class:`MissingExtraError`); ``what`` names the table ("the queue")."""
    suffix = path.suffix.lower()
    if suffix not in TABLE_FORMATS:
        raise InvalidParameterError(
            f"Write {what} to a file whose suffix names its format: "
            f"{', '.join(f'{s} ({name})' for s, name in TABLE_FORMATS.items())}; not "
            f"{path.name!r}."
        )
    if suffix == ".xlsx":
        try:
            import openpyxl  # noqa: F401 — pandas' engine for .xlsx
        except ImportError as exc:
            raise MissingExtraError(
                f"Writing {path.name!r} needs openpyxl: pip install 'siftkit[excel]' (or name "
                "a .csv file, which spreadsheets open too)."
            ) from exc


def write_table(frame: pd.DataFrame, path: Path, what: str) -> None:
    """Write ``frame`` to ``path`` (atomically) in the format its suffix names
    (:func:`check_table_path`, which raises for another)."""
    check_table_path(path, what)
    suffix = path.suffix.lower()
    with atomic_write(path, "w" if suffix in (".csv", ".tsv", ".jsonl") else "wb") as handle:
        if suffix == ".parquet":
            frame.to_parquet(handle, index=False)
        elif suffix == ".jsonl":
            frame.to_json(handle, orient="records", lines=True, force_ascii=False)
        elif suffix == ".xlsx":
            _write_excel(frame, handle)
        else:
            frame.to_csv(handle, index=False, sep="\t" if suffix == ".tsv" else ",")


def _write_excel(frame: pd.DataFrame, handle: Any) -> None:
    """``frame`` as a workbook whose texts are all texts: openpyxl stores a text beginning
    with ``=`` as a formula, which a spreadsheet would run (a row reading
    ``=HYPERLINK("http://…")`` would open a link from the review queue)."""
    with pd.ExcelWriter(handle, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False)
        for row in next(iter(writer.sheets.values())).iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.bool_):
        return bool(value)
    return str(value)


def saved_fingerprint(path: Path) -> str | None:
    """The fingerprint of the run saved in the folder ``path``; None when it holds none."""
    try:
        saved = json.loads((path / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    fingerprint = saved.get("run", {}).get("fingerprint") if isinstance(saved, dict) else None
    return fingerprint if isinstance(fingerprint, str) else None


def check_output_folder(path: Path, run_fingerprint: str, overwrite: bool) -> None:
    """Refuse to write over anything but a run of the same data with the same parameters.

    Raises :class:`OutputExistsError` when ``path`` holds a different run or other files,
    unless ``overwrite`` is set (even then only siftkit's own files are replaced).
    """
    if path.exists() and not path.is_dir():  # --overwrite does not make a file a folder
        raise OutputExistsError(
            f"The output path {str(path)!r} is a file. Choose a folder name with -o."
        )
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise OutputExistsError(
            f"The output path {str(path)!r} lies inside {str(existing)!r}, which is a file. "
            "Choose a folder name with -o."
        )
    if not os.access(existing, os.W_OK):
        raise RunFolderError(
            f"Cannot write the run folder {str(path)!r}: {str(existing)!r} is read-only. "
            "Choose another folder with -o."
        )
    if not path.exists() or overwrite:
        return
    contents = [p.name for p in path.iterdir() if not p.name.startswith(".")]
    if not contents:
        return
    if (path / SUMMARY_FILE).exists():
        if saved_fingerprint(path) == run_fingerprint:
            return  # the same run again: replacing it loses nothing
        raise OutputExistsError(
            f"The folder {str(path)!r} already holds a different siftkit run (other data or "
            "other parameters). Choose another -o folder, or pass --overwrite (Python: "
            "overwrite=True) to replace it."
        )
    raise OutputExistsError(
        f"The folder {str(path)!r} is not empty and is not a siftkit run folder (it holds "
        f"{', '.join(sorted(contents)[:5])}{'…' if len(contents) > 5 else ''}). Choose an "
        "empty or new folder with -o, or pass --overwrite to write siftkit's files beside them."
    )


class Audit:
    """The result of an audit: per-row columns, the summary, and what they were computed from.

    Attributes
    ----------
    rows : DataFrame with one row per input row (contract columns).
    summary : dict, as in ``summary.json``.
    path : the run folder it was saved to or opened from, if any.
    rows_with_words : the embeddings joined with their texts' words, as the run's analyses
        saw them (:mod:`siftkit.detectors.words`), when they joined them; kept in memory
        only, so None for a run opened from its folder.
    """

    def __init__(
        self,
        rows: pd.DataFrame,
        summary: dict[str, Any],
        embeddings: np.ndarray | None = None,
        graph: KnnGraph | None = None,
        path: Path | None = None,
        rows_with_words: np.ndarray | None = None,
    ) -> None:
        self.rows = rows
        self.summary = summary
        self._embeddings = embeddings
        self._graph = graph
        self._map: np.ndarray | None = None
        self.path = path
        self.rows_with_words = rows_with_words

    def __repr__(self) -> str:
        where = f", path={str(self.path)!r}" if self.path else ""
        return f"Audit(n_rows={len(self.rows)}, analyses={self.analyses}{where})"

    @property
    def analyses(self) -> list[str]:
        return list(self.summary.get("analyses", []))

    @property
    def random_state(self) -> int:
        """The seed the run was made with (0 when its summary does not say)."""
        return int(self.summary.get("parameters", {}).get("random_state", 0))

    @cached_property
    def embeddings(self) -> np.ndarray:
        """(n_rows, n_dims) float32; read from the run folder on first use."""
        if self._embeddings is not None:
            return self._embeddings
        return np.load(self._saved(EMBEDDINGS_FILE), mmap_mode="r")

    @cached_property
    def graph(self) -> KnnGraph:
        if self._graph is not None:
            return self._graph
        return KnnGraph.load(self._saved(NEIGHBORS_FILE))

    def _saved(self, name: str) -> Path:
        """The run folder's file ``name``; raises :class:`RunFolderError` when it is missing."""
        path = self._require_path() / name
        if not path.is_file():
            raise RunFolderError(incomplete_run(self._require_path(), name))
        return path

    @property
    def map(self) -> np.ndarray:
        """(n_rows, 2) float32 coordinates in [0, 1] of the 2-D map: read from the run folder
        when it has one, else computed (see :func:`siftkit.layout.map_2d`)."""
        if self._map is None:
            if self.path is not None and (self.path / MAP_FILE).exists():
                self._map = np.load(self.path / MAP_FILE)
            else:
                self._map = self._compute_map("clusters")
        return self._map

    def _compute_map(self, method: str) -> np.ndarray:
        from siftkit.layout import map_2d

        clusters = self.rows["cluster"].to_numpy() if "cluster" in self.rows else None
        return map_2d(self.embeddings, clusters, method=method, random_state=self.random_state)

    def write_report(self, map_method: str | None = None) -> Path:
        """(Re)write ``report.html`` (and ``map.npy``) in the run folder; returns its path.
        ``map_method``: recompute the map this way (see :func:`siftkit.layout.map_2d`)."""
        from siftkit.report import render_report

        path = self._require_path()
        if map_method is not None:
            self._map = self._compute_map(map_method)
        self._write_views(path, render_report)
        return path / REPORT_FILE

    def _write_views(self, path: Path, report: Callable[[Audit], str] | None) -> None:
        """Write ``map.npy`` and, given a renderer, ``report.html``."""
        with atomic_write(path / MAP_FILE) as handle:
            np.save(handle, np.asarray(self.map, dtype=np.float32))
        if report is not None:
            with atomic_write(path / REPORT_FILE, "w") as handle:
                handle.write(report(self))

    def _require_path(self) -> Path:
        if self.path is None:
            raise RunFolderError("This audit was not saved; call save(path) first.")
        return self.path

    def save(
        self,
        path: str | Path,
        *,
        overwrite: bool = False,
        report: Callable[[Audit], str] | None = None,
    ) -> Path:
        """Write the run folder atomically; returns its path.

        Raises :class:`OutputExistsError` when ``path`` holds something else (see
        :func:`check_output_folder`).
        """
        path = Path(path)
        fingerprint = self.summary.get("run", {}).get("fingerprint", "")
        check_output_folder(path, fingerprint, overwrite)
        replaced = saved_fingerprint(path)
        if replaced is not None and replaced != fingerprint:
            (path / EDITS_FILE).unlink(missing_ok=True)  # edits of the replaced run's rows
        path.mkdir(parents=True, exist_ok=True)
        if self._map is None:  # computed for this run, never read from what the folder held
            self._map = self._compute_map("clusters")
        self.path = path
        with atomic_write(path / ROWS_FILE) as handle:
            self.rows.to_parquet(handle, index=False)
        with atomic_write(path / EMBEDDINGS_FILE) as handle:
            np.save(handle, np.asarray(self.embeddings))
        with atomic_write(path / NEIGHBORS_FILE) as handle:
            self.graph.save(handle)
        self._write_views(path, report)
        with atomic_write(path / SUMMARY_FILE, "w") as handle:
            json.dump(self.summary, handle, indent=2, default=_json_default, allow_nan=False)
        return path

    def query(self, sql: str) -> pd.DataFrame:
        """Run DuckDB SQL over the rows; the table is called ``rows``. Raises
        :class:`InvalidParameterError` naming the columns when the SQL fails or gives no
        table."""
        import duckdb

        columns = f"The table is called `rows`; its columns are: {', '.join(self.rows.columns)}."
        connection = duckdb.connect()
        try:
            connection.register("rows", self.rows)
            # a query reads the rows: no file is read or written (COPY … TO, read_csv, …)
            connection.execute("SET enable_external_access = false")
            answer = connection.execute(sql)
        except duckdb.Error as exc:
            message = str(exc).splitlines()[0].rstrip("!. ")
            raise InvalidParameterError(f"The SQL failed: {message}. {columns}") from exc
        else:
            if answer is None or answer.description is None:  # no statement, or no table
                raise InvalidParameterError(
                    f"The SQL {sql!r} gives no table; ask with a select, such as "
                    f"`select count(*) from rows`. {columns}"
                )
            return answer.df()
        finally:
            connection.close()


def incomplete_run(path: Path, missing: str) -> str:
    """The message for a run folder ``path`` that lacks the file ``missing``."""
    return (
        f"{str(path)!r} is not a complete siftkit run folder: it lacks {missing}. The audit "
        "that wrote it may have been interrupted; run `sift audit` again."
    )


def read_rows(path: Path) -> pd.DataFrame:
    """``rows.parquet`` as written: a column of whole numbers with missing values (labels
    ``7`` and ``9`` beside unlabeled rows) reads as pandas' nullable ``Int64``, so ``7``
    rather than the ``7.0`` of the float column pandas would make of it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    rows = table.to_pandas()
    for field in table.schema:
        if pa.types.is_integer(field.type) and table.column(field.name).null_count:
            rows[field.name] = rows[field.name].astype("Int64")
    return rows


def open_run(path: str | Path) -> Audit:
    """Re-open a saved run folder without recomputing anything."""
    path = Path(path)
    if not path.is_dir():
        raise RunFolderError(
            f"No run folder at {str(path)!r}. Pass the folder given to `sift audit -o`."
        )
    summary_path, rows_path = path / SUMMARY_FILE, path / ROWS_FILE
    run_files = (SUMMARY_FILE, ROWS_FILE, EMBEDDINGS_FILE, NEIGHBORS_FILE, MAP_FILE, REPORT_FILE)
    if not any((path / name).exists() for name in run_files):
        raise RunFolderError(
            f"{str(path)!r} holds no siftkit run (no {SUMMARY_FILE}, no {ROWS_FILE}). Pass "
            "the folder given to `sift audit -o` (or `sift discover` / `sift label`)."
        )
    if not summary_path.exists() or not rows_path.exists():
        raise RunFolderError(
            incomplete_run(path, SUMMARY_FILE if not summary_path.exists() else ROWS_FILE)
        )
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        rows = read_rows(rows_path)
    except (OSError, ValueError) as exc:
        raise RunFolderError(f"Could not read the run folder {str(path)!r}: {exc}.") from exc
    return Audit(rows=rows, summary=summary, path=path)
