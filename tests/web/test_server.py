"""The explorer's HTTP API: what it serves, what it refuses, edits and undo."""

from __future__ import annotations

import http.client
import json

import pandas as pd

import siftkit


def request(server, method: str, path: str, body=None, host: str | None = None):
    port = server.server_address[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": host or f"127.0.0.1:{port}"}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def test_binds_loopback_only(served):
    server, _ = served
    assert server.server_address[0] == "127.0.0.1"


def test_serves_the_app_and_the_run(served):
    server, _ = served
    status, page = request(server, "GET", "/")
    assert status == 200 and b"siftkit explorer" in page
    status, script = request(server, "GET", "/static/app.js")
    assert status == 200 and len(script) > 1000
    status, meta = request(server, "GET", "/api/meta")
    meta = json.loads(meta)
    assert meta["n_rows"] == 61 and "is_label_error" in meta["flags"]
    status, points = request(server, "GET", "/api/points")
    points = json.loads(points)
    assert len(points["x"]) == 61 and set(points["flags"]) >= {"is_label_error"}


def test_no_path_outside_static_can_be_read(served):
    server, run = served
    for path in ("/static/../server.py", "/static/..%2fserver.py", "/static/%2e%2e/server.py",
                 "/../../etc/passwd", "/static//etc/passwd", "/static/../../run/summary.json",
                 f"/static/{run}/summary.json", "/static/__init__.py"):  # fmt: skip
        status, _ = request(server, "GET", path)
        assert status == 404, path


def test_requests_for_another_host_are_refused(served):
    server, _ = served
    status, body = request(server, "GET", "/api/meta", host="attacker.example:80")
    assert status == 403 and b"Unknown host" in body


def test_row_inspector_and_search(served):
    server, run = served
    status, row = request(server, "GET", "/api/row/0")
    row = json.loads(row)
    assert status == 200 and len(row["neighbours"]) == 10
    assert "text" in row["fields"]
    assert request(server, "GET", "/api/row/999")[0] == 404
    assert request(server, "GET", "/api/row/abc")[0] == 404
    hits = json.loads(request(server, "GET", "/api/search?q=football")[1])["indices"]
    assert hits and all(isinstance(i, int) for i in hits)
    rows = pd.read_parquet(run / "rows.parquet")
    by_id = json.loads(request(server, "GET", "/api/search?q=R7")[1])["indices"]
    assert by_id == rows.index[rows["row_id"] == "r7"].tolist()  # an id finds its row


def test_edits_are_saved_and_undone(served):
    server, run = served
    status, body = request(server, "POST", "/api/edits", {"rows": [0, 1], "action": "drop"})
    assert status == 200 and json.loads(body)["edits"]["0"]["action"] == "drop"
    log = pd.read_parquet(run / "edits.parquet")
    assert list(log["action"]) == ["drop", "drop"]
    status, body = request(server, "POST", "/api/undo", {})
    assert status == 200 and json.loads(body) == {"undone": 0, "edits": {}}
    # a tab undoes its own batch, not the run's latest (another tab's)
    mine = json.loads(request(server, "POST", "/api/edits", {"rows": [3], "action": "drop"})[1])
    request(server, "POST", "/api/edits", {"rows": [4], "action": "mark_fine"})  # another tab
    status, body = request(server, "POST", "/api/undo", {"batch": mine["batch"]})
    assert status == 200 and set(json.loads(body)["edits"]) == {"4"}
    status, body = request(server, "POST", "/api/undo", {"batch": mine["batch"]})
    assert status == 400 and b"undone already" in body
    assert request(server, "POST", "/api/undo", {"batch": "2"})[0] == 400
    request(server, "POST", "/api/undo", {})  # the other tab's, to leave the log clean
    rows = pd.read_parquet(run / "rows.parquet")
    flagged = int(rows.index[rows["is_label_error"]][0])
    plain = int(rows.index[~rows["is_label_error"] & (rows["suggested_label"] == rows["label"])][0])
    status, body = request(server, "POST", "/api/edits",
                           {"rows": [flagged, plain], "action": "accept_suggestion"})  # fmt: skip
    assert status == 200 and json.loads(body)["changed"] == 1  # the other already had it
    status, body = request(server, "POST", "/api/edits", {"rows": [0], "action": "explode"})
    assert status == 400 and b"explode" in body
    status, _ = request(server, "POST", "/api/edits", {"rows": [5000], "action": "drop"})
    assert status == 400


def raw_post(server, path: str, payload: bytes, length: str | None = None):
    """POST ``payload`` as it is (not JSON-encoded), with ``length`` as its Content-Length."""
    port = server.server_address[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("POST", path, skip_host=True)
    connection.putheader("Host", f"127.0.0.1:{port}")
    connection.putheader("Content-Length", length if length is not None else str(len(payload)))
    connection.endheaders(payload)
    response = connection.getresponse()
    status, data = response.status, response.read()
    connection.close()
    return status, json.loads(data)


def test_malformed_edits_are_refused_with_a_reason(served):
    server, run = served
    for body, reason in [
        ([1, 2], "JSON object"), (None, "JSON object"), ("drop", "JSON object"),
        ({"rows": "12", "action": "drop"}, "list of positions"),
        ({"rows": [1.9], "action": "drop"}, "list of positions"),
        ({"rows": [True], "action": "drop"}, "list of positions"),
        ({"rows": ["1"], "action": "drop"}, "list of positions"),
        ({"rows": [-1], "action": "drop"}, "list of positions"),
        ({"rows": [1]}, "action by name"),
        ({"rows": [1], "action": "set_label", "label": ["x"]}, "text or a number"),
        ({"rows": [1], "action": "set_label", "label": {"a": 1}}, "text or a number"),
    ]:  # fmt: skip
        status, answer = raw_post(server, "/api/edits", json.dumps(body).encode())
        assert status == 400 and reason in answer["error"], (body, answer)
    assert raw_post(server, "/api/edits", b'{"rows": [1e400], "action": "drop"}')[0] == 400
    assert raw_post(server, "/api/edits", b"{not json")[1] == {"error": "The body must be JSON."}
    assert raw_post(server, "/api/edits", b"{}", length="abc")[0] == 400
    assert raw_post(server, "/api/edits", b"{}", length="-1")[0] == 400
    assert not (run / "edits.parquet").exists()  # nothing was recorded
    status, _ = raw_post(server, "/api/edits?from=map", b'{"rows": [1], "action": "drop"}')
    assert status == 200  # a query string does not hide the route


def test_edits_sent_at_once_are_each_kept_in_a_batch_of_their_own(served):
    from concurrent.futures import ThreadPoolExecutor

    server, run = served

    def mark(i: int) -> int:
        status, body = request(server, "POST", "/api/edits", {"rows": [i], "action": "mark_fine"})
        assert status == 200, body
        return json.loads(body)["batch"]

    with ThreadPoolExecutor(8) as pool:
        batches = list(pool.map(mark, range(16)))
    assert sorted(batches) == list(range(16))
    log = pd.read_parquet(run / "edits.parquet")
    assert sorted(log["batch"]) == list(range(16)) and log["row_id"].nunique() == 16


def test_an_explorer_of_a_folder_written_over_since_refuses_edits(served, text_frame):
    server, run = served
    siftkit.audit(text_frame.head(40), encoder="fake", id="id", output=run, overwrite=True,
                  progress=False)  # fmt: skip
    status, body = request(server, "POST", "/api/edits", {"rows": [2], "action": "drop"})
    assert status == 409 and "now holds another run" in json.loads(body)["error"]
    assert request(server, "POST", "/api/undo", {})[0] == 409
    assert not (run / "edits.parquet").exists()


def test_after_sift_label_the_map_shows_the_predicted_labels_and_their_confidence(label_served):
    from siftkit.web.server import Explorer

    _, run = label_served
    explorer = Explorer(siftkit.open(run))
    meta = explorer.meta()
    assert meta["label_column"] == "predicted_label"
    assert {"label_confidence", "cluster_confidence"} <= set(meta["scores"])
    points = json.loads(explorer.points())
    assert sorted(points["label_names"]) == ["food", "sport", "tech"]
    shown = [points["label_names"][c] for c in points["label"]]
    assert shown == explorer.rows["predicted_label"].tolist()
    confidence = explorer.rows["label_confidence"].to_numpy()
    assert max(abs(a - b) for a, b in zip(points["scores"]["label_confidence"], confidence,
                                           strict=True)) <= 5e-4  # fmt: skip


def test_a_tables_rows_are_searched_and_shown_by_their_values(tmp_path):
    from siftkit.web.server import Explorer

    table = pd.DataFrame({"size": [float(i % 7) for i in range(40)],
                          "colour": ["red", "blue"] * 20})  # fmt: skip
    siftkit.audit(table, output=tmp_path / "run", detectors=["outliers"], progress=False)
    explorer = Explorer(siftkit.open(tmp_path / "run"))
    assert explorer.meta()["has_text"]
    assert explorer.search("size=3, colour=blue") == [3, 17, 31]
    row = explorer.row(3)
    assert row["fields"]["values"] == "size=3, colour=blue"
    assert all(n["values"].startswith("size=") for n in row["neighbours"])


def test_briefs_give_listed_rows_their_label_and_text(served):
    server, _ = served
    status, body = request(server, "GET", "/api/briefs?rows=0,5")
    briefs = json.loads(body)
    assert status == 200 and set(briefs) == {"0", "5"}
    # the rows' own ids, beside the positions the list numbers them by
    assert briefs["0"].startswith("r0 · sport: ") and len(briefs["0"]) <= 96
    assert request(server, "GET", "/api/briefs?rows=0,999")[0] == 404
    too_many = ",".join(["0"] * 201)
    status, body = request(server, "GET", f"/api/briefs?rows={too_many}")
    assert status == 400 and b"at most 200 rows" in body


def test_briefs_of_unlabeled_rows_carry_no_label(tmp_path):
    from siftkit.web.server import Explorer

    table = pd.DataFrame({"size": [float(i % 7) for i in range(40)],
                          "label": ["a", None, "b", None] * 10})  # fmt: skip
    siftkit.audit(table, output=tmp_path / "run", detectors=["outliers"],
                  allow_missing_labels=True, progress=False)  # fmt: skip
    briefs = Explorer(siftkit.open(tmp_path / "run")).briefs([0, 1])
    assert briefs == {"0": "a: size=0", "1": "size=1"}


def test_a_rows_missing_numeric_label_is_sent_as_null(tmp_path):
    """A label column of numbers with gaps is read as floats: its gaps are NaN, which JSON
    has no word for (a browser refuses the whole row)."""
    from siftkit.web.server import Explorer

    table = pd.DataFrame({"size": [float(i % 7) for i in range(40)],
                          "label": [1, None, 2, None] * 10})  # fmt: skip
    siftkit.audit(table, output=tmp_path / "run", detectors=["outliers"],
                  allow_missing_labels=True, progress=False)  # fmt: skip
    row = Explorer(siftkit.open(tmp_path / "run")).row(1)
    assert row["fields"]["label"] is None
    assert "NaN" not in json.dumps(row)
    assert json.loads(json.dumps(row, allow_nan=False)) == row


def test_an_empty_row_is_shown_without_neighbours(tmp_path, text_frame):
    from siftkit.web.server import Explorer

    frame = text_frame.copy()
    frame.loc[3, "text"] = "   "
    siftkit.audit(frame, encoder="fake", id="id", output=tmp_path / "run", progress=False)
    explorer = Explorer(siftkit.open(tmp_path / "run"))
    assert explorer.row(3)["neighbours"] == []
    assert len(explorer.row(4)["neighbours"]) == 10
