"""A saved run and an explorer server over it, on 127.0.0.1 and a free port."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

import siftkit
from siftkit.web import make_server

DEMO_DATA = Path(__file__).resolve().parents[2] / "examples" / "wordnet_nouns.csv"


@contextmanager
def _serving(run: Path):
    """(server, run): an explorer over ``run`` on a free port, shut down afterwards."""
    server = make_server(run, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server, run
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def served(tmp_path, text_frame):
    siftkit.audit(text_frame, encoder="fake", id="id", output=tmp_path / "run")
    with _serving(tmp_path / "run") as served:
        yield served


@pytest.fixture
def unlabeled_served(tmp_path, text_frame):
    """An audit of rows without labels, served."""
    siftkit.audit(text_frame.drop(columns="label"), encoder="fake", id="id",
                  output=tmp_path / "run", progress=False)  # fmt: skip
    with _serving(tmp_path / "run") as served:
        yield served


@pytest.fixture
def split_served(tmp_path, text_frame):
    """An audit of rows in a train and a test split (the last row in none), served."""
    text_frame = text_frame.assign(split=["train", "test", "train"] * 20 + [None])
    siftkit.audit(text_frame, encoder="fake", id="id", output=tmp_path / "run", progress=False)
    with _serving(tmp_path / "run") as served:
        yield served


@pytest.fixture
def label_served(tmp_path, text_frame):
    """A `sift label` run from keywords (no label column), served."""
    keywords = {"sport": ["football", "goal"], "food": ["bread", "soup"],
                "tech": ["computer", "server"]}  # fmt: skip
    siftkit.label_rows(text_frame.drop(columns="label"), text="text", id="id", encoder="fake",
                       keywords=keywords, output=tmp_path / "run")  # fmt: skip
    with _serving(tmp_path / "run") as served:
        yield served


@pytest.fixture(scope="module")
def demo_served(tmp_path_factory):
    """The demo run, audited as `make demo` does (the default text model), served."""
    folder = tmp_path_factory.mktemp("demo")
    run = folder / "run"
    # its own embedding cache: module scope runs outside the per-test cache isolation
    siftkit.audit(DEMO_DATA, text="definition", label="category", id="id", output=run,
                  cache_dir=folder / "cache", progress=False)  # fmt: skip
    with _serving(run) as served:
        yield served
