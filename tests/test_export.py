"""Review queues: `sift export OUT --queue NAME` and siftkit.export."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

import siftkit
from siftkit.cli import main
from siftkit.exceptions import RunFolderError
from siftkit.export import review_queue


@pytest.fixture
def run_folder(text_frame, tmp_path):
    siftkit.audit(text_frame, encoder="fake", id="id", output=tmp_path / "run", progress=False)
    return tmp_path / "run"


def test_label_error_queue_is_sorted_and_complete(run_folder):
    result = siftkit.open(run_folder)
    queue = review_queue(result, "label_errors")
    rows = result.rows
    expected = rows[rows.is_label_error | rows.is_off_topic]
    assert sorted(queue.row_id) == sorted(expected.row_id)
    assert queue.label_error_score.is_monotonic_decreasing
    assert {"row_id", "action", "text", "label", "suggested_label", "suggestion_confidence"} <= set(
        queue.columns
    )
    assert "r5" in set(queue.row_id)  # the planted mislabeled row
    planted = queue.set_index("row_id").loc["r5"]
    assert planted.suggested_label == "sport" and planted.action == "relabel"


def test_cli_writes_the_queue_as_csv(run_folder, tmp_path):
    out = tmp_path / "queue.csv"
    result = CliRunner().invoke(main, ["export", str(run_folder), "--queue", "label_errors",
                                       "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    assert f"Wrote {len(written)} rows" in result.output
    assert (
        written.row_id.iloc[0] == review_queue(siftkit.open(run_folder), "label_errors").row_id[0]
    )


def test_cli_prints_csv_without_output(run_folder):
    result = CliRunner().invoke(main, ["export", str(run_folder), "--queue", "outliers"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("row_id,")


def test_unknown_queue_suggests_the_closest(run_folder):
    with pytest.raises(RunFolderError, match="Did you mean --queue 'label_errors'"):
        review_queue(siftkit.open(run_folder), "label_eror")


def test_queue_of_an_analysis_that_did_not_run(text_frame, tmp_path):
    siftkit.audit(text_frame, encoder="fake", label=False, output=tmp_path / "r", progress=False)
    with pytest.raises(RunFolderError, match="--label COLUMN"):
        review_queue(siftkit.open(tmp_path / "r"), "label_errors")
