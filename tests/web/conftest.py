"""A saved run and an explorer server over it, on 127.0.0.1 and a free port."""

from __future__ import annotations

import threading

import pytest

import siftkit
from siftkit.web import make_server


@pytest.fixture
def served(tmp_path, text_frame):
    siftkit.audit(text_frame, encoder="fake", id="id", output=tmp_path / "run")
    server = make_server(tmp_path / "run", port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, tmp_path / "run"
    server.shutdown()
    server.server_close()
