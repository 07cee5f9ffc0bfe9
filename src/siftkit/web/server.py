"""``sift serve``: a local web app over one run folder.

The Python side is thin: it serves the bundled front end (``static/``, built from ``web/``
with npm) and a small JSON API over the run — the map, a row with its neighbours, text
search, and edits (:mod:`siftkit.edits`). It binds 127.0.0.1 only, answers only requests
addressed to it by that name (no DNS rebinding), serves only the files of ``static/`` (no
path outside it can be named) and reads or writes nothing outside the run folder.
"""

from __future__ import annotations

import json
import math
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd

from siftkit._text import one_line
from siftkit.edits import EditLog
from siftkit.exceptions import RunFolderError, SiftError
from siftkit.results import Audit, content_column, open_run

HOST = "127.0.0.1"
STATIC = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8"}  # fmt: skip
#: Bytes an edit request may hold: the positions of about two million rows.
MAX_BODY = 16 << 20
SEARCH_LIMIT = 100_000
#: Rows one request for short lines may ask for, and the characters of each line.
BRIEF_ROWS, BRIEF_CHARS = 200, 90
FLAGS = ("is_label_error", "is_off_topic", "is_outlier", "is_near_duplicate", "is_duplicate",
         "is_empty")  # fmt: skip
SHOWN = ("row_id", "text", "values", "label", "suggested_label", "suggestion_confidence",
         "cluster_name", "predicted_label", "label_confidence")  # fmt: skip
#: The column the map colours and filters by label: the predicted label where a run has one
#: (every row has it; given labels are kept), else the given label.
LABEL_COLUMNS = ("predicted_label", "label")
#: Confidences the map filters and colours by, beside the ``*_score`` columns.
CONFIDENCES = ("label_confidence", "cluster_confidence")


def _plain(value: Any) -> Any:
    """``value`` as JSON can hold it: numpy scalars as Python ones, missing values (NaN
    among them, which JSON has no word for) as None."""
    if isinstance(value, np.generic):
        value = value.item()
    return None if pd.api.types.is_scalar(value) and pd.isna(value) else value


def _is_label(value: Any) -> bool:
    """Whether a JSON value can be a label: text, or a finite number (not true or false)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    return not isinstance(value, float) or math.isfinite(value)


class Explorer:
    """What the app shows of one run, prepared once."""

    def __init__(self, run: Audit) -> None:
        self.run = run
        self.rows = run.rows
        self.edits = EditLog(run)  # edits and undos take turns on the run folder's lock
        self.keys = self.rows["row_id"].astype(str).to_numpy()
        self.content = content_column(self.rows)  # the column saying what a row holds
        label = self._label_column()
        # what the short lines of `briefs` read, as arrays (no row objects built per request)
        self._shown = self.rows[self.content].to_numpy(dtype=object) if self.content else self.keys
        self._tags = self.rows[label].to_numpy(dtype=object) if label else None
        # the list shows rows by position (#12): rows with ids of their own say them too
        self._ids_shown = self.content is not None and not np.array_equal(
            self.keys, np.arange(len(self.keys)).astype(str)
        )
        self.position = {key: i for i, key in enumerate(self.keys)}
        self._points: bytes | None = None

    def meta(self) -> dict[str, Any]:
        summary = self.run.summary
        categories = summary.get("clusters", {}).get("categories", [])
        return {
            "source": summary.get("input", {}).get("source"),
            "n_rows": len(self.rows),
            "categories": [
                {"id": c["id"], "name": c["name"], "size": c["size"]} for c in categories
            ],  # fmt: skip
            "flags": [f for f in FLAGS if f in self.rows],
            "scores": self._score_columns(),
            "label_column": self._label_column(),
            "has_text": self.content is not None,
            "has_suggestions": "suggested_label" in self.rows,
        }

    def _score_columns(self) -> list[str]:
        scores = [c for c in self.rows.columns if c.endswith("_score")]
        return scores + [c for c in CONFIDENCES if c in self.rows]

    def _label_column(self) -> str | None:
        return next((c for c in LABEL_COLUMNS if c in self.rows), None)

    def points(self) -> bytes:
        """Every row's map position, category, label, split and flags as compact JSON."""
        if self._points is None:
            coords = np.round(np.asarray(self.run.map, dtype=np.float64), 4)
            payload: dict[str, Any] = {"x": coords[:, 0].tolist(), "y": coords[:, 1].tolist()}
            if "cluster" in self.rows:
                payload["cluster"] = self.rows["cluster"].astype(int).tolist()
            for column, name in ((self._label_column(), "label"), ("split", "split")):
                if column is not None and column in self.rows:
                    codes, names = pd.factorize(self.rows[column].astype("string"))
                    payload[name] = codes.tolist()
                    payload[f"{name}_names"] = [str(n) for n in names]
            payload["flags"] = {f: self.rows[f].astype(int).tolist() for f in FLAGS
                                if f in self.rows}  # fmt: skip
            payload["scores"] = {
                c: np.round(np.nan_to_num(self.rows[c].to_numpy(dtype=np.float64)), 3).tolist()
                for c in self._score_columns()
            }  # fmt: skip
            self._points = json.dumps(payload, separators=(",", ":")).encode()
        return self._points

    def row(self, index: int) -> dict[str, Any]:
        if not 0 <= index < len(self.rows):
            raise KeyError(index)
        record = self.rows.iloc[index]
        fields = {c: _plain(record[c]) for c in self.rows.columns if not c.startswith("is_")}
        graph = self.run.graph
        # a row without content has arbitrary neighbours (similarity 0): none are shown
        empty = "is_empty" in self.rows and bool(record["is_empty"])
        neighbours = [] if empty else [
            {"index": int(j), "similarity": round(float(s), 4),
             **{c: _plain(self.rows.iloc[int(j)][c]) for c in SHOWN if c in self.rows}}
            for j, s in zip(graph.indices[index, :10], graph.similarities[index, :10],
                            strict=True)
        ]  # fmt: skip
        current = self.edits.current().set_index("row_id")
        edit = None
        if self.keys[index] in current.index:
            found = current.loc[self.keys[index]]
            edit = {"action": found["action"], "label": _plain(found["label"])}
        flags = [f for f in FLAGS if f in self.rows and bool(record[f])]
        return {"index": index, "fields": fields, "flags": flags, "neighbours": neighbours,
                "edit": edit}  # fmt: skip

    def briefs(self, indices: list[int]) -> dict[str, str]:
        """Each row of ``indices`` (at most ``BRIEF_ROWS``) in one short line: its id (where
        the rows have ids of their own), its label and what it holds (text or a table's
        values), else its id; keyed by position."""
        if len(indices) > BRIEF_ROWS:
            raise SiftError(f"Ask for at most {BRIEF_ROWS} rows at a time.")
        if any(not 0 <= i < len(self.rows) for i in indices):
            raise KeyError(indices)
        out = {}
        for i in indices:
            shown = one_line(self._shown[i], BRIEF_CHARS)
            tag = _plain(self._tags[i]) if self._tags is not None else None
            brief = f"{tag}: {shown}" if tag is not None else shown
            out[str(i)] = f"{self.keys[i]} · {brief}" if self._ids_shown else brief
        return out

    def search(self, query: str) -> list[int]:
        """Rows whose text (or values) holds ``query``, or whose id is it, case aside."""
        if not query.strip():
            return []
        hits = pd.Series(self.keys).str.lower() == query.strip().lower()
        if self.content is not None:
            held = self.rows[self.content].astype(str).str.contains(query, case=False, regex=False)
            hits |= held.to_numpy()
        return np.flatnonzero(hits.to_numpy())[:SEARCH_LIMIT].tolist()

    def edit(self, body: Any) -> dict[str, Any]:
        """Record the edit ``body`` asks for: ``{"rows": [positions], "action": name,
        "label": text or number}``; raises :class:`SiftError` for any other shape."""
        if not isinstance(body, dict):
            raise SiftError('Send a JSON object: {"rows": [positions], "action": "drop"}.')
        indices, action, label = body.get("rows"), body.get("action"), body.get("label")
        if (not isinstance(indices, list) or not indices
                or not all(isinstance(i, int) and not isinstance(i, bool) for i in indices)
                or any(not 0 <= i < len(self.keys) for i in indices)):  # fmt: skip
            raise SiftError(
                f"Give the rows to edit as a list of positions in the run (0 to "
                f"{len(self.keys) - 1})."
            )
        if not isinstance(action, str):
            raise SiftError('Give the edit\'s action by name, such as "drop".')
        if label is not None and not _is_label(label):
            raise SiftError("A label is text or a number.")
        indices = list(dict.fromkeys(indices))
        batch = self.edits.record([self.keys[i] for i in indices], action, label)
        log = self.edits.history()  # read once: the edits in force with this batch and without
        after = self.edits.current(log)
        before = self._labels(indices, self.edits.current(log[log["batch"] != batch]))
        changed_to = self._labels(indices, after)
        changed = int((changed_to.notna() & (changed_to.fillna("") != before.fillna(""))).sum())
        return {"batch": batch, "edits": self.current_edits(after), "changed": changed}

    def _labels(self, indices: list[int], current: pd.DataFrame) -> pd.Series:
        """The label of each row of ``indices`` as the edits in force ``current`` leave it, as
        text (NA: none), indexed by row id."""
        column = self._label_column()
        given = self.rows[column].iloc[indices].astype("string").to_numpy() if column else pd.NA
        labels = pd.Series(given, index=self.keys[indices], dtype="string")
        relabelled = current[current["action"].isin(("set_label", "accept_suggestion"))]
        new = relabelled.set_index("row_id")["label"].astype("string")
        edited = new.index.intersection(labels.index)
        labels[edited] = new[edited]
        return labels

    def undo(self, body: Any) -> dict[str, Any]:
        """Take back a batch of edits: ``{"batch": id}`` (a tab's own latest), else the run's
        latest."""
        batch = body.get("batch") if isinstance(body, dict) else None
        if batch is not None and (not isinstance(batch, int) or isinstance(batch, bool)):
            raise SiftError('Give the batch to undo as its number: {"batch": 3}.')
        return {"undone": self.edits.undo(batch), "edits": self.current_edits()}

    def current_edits(self, current: pd.DataFrame | None = None) -> dict[str, Any]:
        """The edits in force (``current``, read now when None), keyed by row position."""
        current = self.edits.current() if current is None else current
        return {
            str(self.position[key]): {"action": action, "label": _plain(label)}
            for key, action, label in zip(current["row_id"], current["action"],
                                          current["label"], strict=True)
            if key in self.position
        }  # fmt: skip


def make_handler(explorer: Explorer, port: int) -> type[BaseHTTPRequestHandler]:
    allowed_hosts = {f"{HOST}:{port}", f"localhost:{port}"}

    class Handler(BaseHTTPRequestHandler):
        server_version = "siftkit"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, payload: Any, status: int = HTTPStatus.OK) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json")

        def _error(self, status: int, message: str) -> None:
            self._json({"error": message}, status)

        def _trusted(self) -> bool:
            if self.headers.get("Host") not in allowed_hosts:
                self._error(HTTPStatus.FORBIDDEN, "Unknown host.")
                return False
            return True

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if not self._trusted():
                return
            url = urlparse(self.path)
            route = url.path
            try:
                if route in ("/", "/index.html"):
                    return self._static("index.html")
                if route.startswith("/static/"):
                    return self._static(route.removeprefix("/static/"))
                if route == "/api/meta":
                    return self._json(explorer.meta())
                if route == "/api/points":
                    return self._send(HTTPStatus.OK, explorer.points(), "application/json")
                if route.startswith("/api/row/"):
                    return self._json(explorer.row(int(route.removeprefix("/api/row/"))))
                if route == "/api/briefs":
                    given = parse_qs(url.query).get("rows", [""])[0]
                    indices = [int(i) for i in given.split(",") if i]
                    return self._json(explorer.briefs(indices))
                if route == "/api/search":
                    query = parse_qs(url.query).get("q", [""])[0]
                    return self._json({"indices": explorer.search(query)})
                if route == "/api/edits":
                    return self._json({"edits": explorer.current_edits()})
            except SiftError as exc:
                return self._error(HTTPStatus.BAD_REQUEST, str(exc))
            except (KeyError, ValueError):
                return self._error(HTTPStatus.NOT_FOUND, "No such row.")
            except Exception as exc:  # every request gets an answer
                return self._failed(exc)
            self._error(HTTPStatus.NOT_FOUND, "Not found.")

        def _failed(self, exc: Exception) -> None:
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR,
                        f"The server failed: {type(exc).__name__}: {exc}")  # fmt: skip

        def do_POST(self) -> None:  # noqa: N802
            if not self._trusted():
                return
            given = self.headers.get("Content-Length") or "0"
            if not given.isdigit():
                return self._error(HTTPStatus.BAD_REQUEST, "Content-Length must be a count.")
            if int(given) > MAX_BODY:
                return self._error(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    "Too many rows for one edit: narrow the selection (filters) and edit it in "
                    "parts.",
                )
            route = urlparse(self.path).path
            try:
                body = json.loads(self.rfile.read(int(given)) or b"{}")
                if route == "/api/edits":
                    return self._json(explorer.edit(body))
                if route == "/api/undo":
                    return self._json(explorer.undo(body))
            except RunFolderError as exc:  # the folder holds another run now
                return self._error(HTTPStatus.CONFLICT, str(exc))
            except SiftError as exc:
                return self._error(HTTPStatus.BAD_REQUEST, str(exc))
            except ValueError:  # not JSON
                return self._error(HTTPStatus.BAD_REQUEST, "The body must be JSON.")
            except Exception as exc:  # every request gets an answer
                return self._failed(exc)
            self._error(HTTPStatus.NOT_FOUND, "Not found.")

        def _static(self, name: str) -> None:
            # only the files that are in static/, by exact name: nothing else can be named
            files = {p.name: p for p in STATIC.iterdir() if p.is_file()}
            if name not in files or Path(name).suffix not in STATIC_TYPES:
                return self._error(HTTPStatus.NOT_FOUND, "Not found.")
            self._send(HTTPStatus.OK, files[name].read_bytes(),
                       STATIC_TYPES[Path(name).suffix])  # fmt: skip

    return Handler


class _Server(ThreadingHTTPServer):
    # a browser opens several connections at once; the default backlog of 5 can refuse one
    # while the machine is busy
    request_queue_size = 64
    daemon_threads = True


def make_server(run_path: str | Path, port: int = 0) -> ThreadingHTTPServer:
    """A server over the run folder on 127.0.0.1 (``port`` 0: any free port)."""
    explorer = Explorer(open_run(run_path))
    server = _Server((HOST, port), BaseHTTPRequestHandler)
    server.RequestHandlerClass = make_handler(explorer, server.server_address[1])
    return server
