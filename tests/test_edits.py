"""Edits of a run: recorded with a timestamp, undone batch by batch, applied on export."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner
from toy_data import audited_digit_table

import siftkit
from siftkit.cli import main
from siftkit.edits import EDITS_FILE, EditLog, cleaned_dataset
from siftkit.exceptions import InvalidParameterError, RunFolderError


@pytest.fixture
def run(tmp_path, text_frame):
    text_frame.to_csv(tmp_path / "data.csv", index=False)
    siftkit.audit(tmp_path / "data.csv", encoder="fake", id="id", output=tmp_path / "run")
    return siftkit.open(tmp_path / "run")


def flagged(run, n: int = 2) -> list[str]:
    return run.rows.loc[run.rows["is_label_error"], "row_id"].head(n).tolist()


def test_actions_are_logged_with_timestamps_and_batches(run):
    log = EditLog(run)
    rows = flagged(run)
    first = log.record(rows, "accept_suggestion")
    second = log.record(["r0"], "set_label", "sport")
    history = log.history()
    assert (run.path / EDITS_FILE).exists()
    assert [first, second] == [0, 1]
    assert history["timestamp"].str.endswith("+00:00").all()
    suggested = run.rows.set_index("row_id").loc[rows, "suggested_label"].tolist()
    assert history.loc[history["batch"] == 0, "label"].tolist() == suggested
    assert log.current().set_index("row_id").at["r0", "label"] == "sport"


def test_a_log_opens_from_the_run_folder_s_path_too(run):
    EditLog(run).record(["r0"], "set_label", "sport")
    for path in (run.path, str(run.path)):
        assert EditLog(path).current().set_index("row_id").at["r0", "label"] == "sport"
    with pytest.raises(TypeError, match="siftkit.open"):
        EditLog(42)


def test_the_same_run_again_keeps_its_edits_and_a_different_one_drops_them(run, tmp_path):
    EditLog(run).record(["r1"], "drop")
    data = tmp_path / "data.csv"
    siftkit.audit(data, encoder="fake", id="id", output=run.path)  # the same run: kept
    assert (run.path / EDITS_FILE).exists()
    pd.read_csv(data).head(40).to_csv(tmp_path / "fewer.csv", index=False)
    siftkit.audit(tmp_path / "fewer.csv", encoder="fake", id="id", output=run.path,
                  overwrite=True)  # fmt: skip
    assert not (run.path / EDITS_FILE).exists()  # they named rows of the replaced run
    assert EditLog(siftkit.open(run.path)).current().empty


def test_a_log_opened_before_the_folder_was_written_over_refuses_edits(run, tmp_path):
    stale = EditLog(run)  # as an explorer started before the --overwrite holds it
    pd.read_csv(tmp_path / "data.csv").head(40).to_csv(tmp_path / "fewer.csv", index=False)
    siftkit.audit(tmp_path / "fewer.csv", encoder="fake", id="id", output=run.path,
                  overwrite=True)  # fmt: skip
    with pytest.raises(RunFolderError, match="now holds another run"):
        stale.record(["r1"], "drop")
    with pytest.raises(RunFolderError, match="now holds another run"):
        stale.undo()
    assert not (run.path / EDITS_FILE).exists()
    EditLog(siftkit.open(run.path)).record(["r1"], "drop")  # opened again: fine


def _record_many(path: str, start: int) -> None:
    log = EditLog(siftkit.open(path))
    for i in range(start, start + 12):
        log.record([f"r{i}"], "mark_fine")


def test_processes_editing_one_run_at_once_keep_every_edit(run):
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(3) as pool:  # two explorers on one run, and a script
        list(pool.map(_record_many, [str(run.path)] * 3, [0, 12, 24]))
    history = EditLog(run).history()
    assert len(history) == 36 and history["batch"].is_unique and history["edit_id"].is_unique
    assert set(history["row_id"]) == {f"r{i}" for i in range(36)}


def test_a_set_label_loses_the_spaces_around_it(run):
    log = EditLog(run)
    log.record(["r0"], "set_label", "  sport ")
    assert log.current().set_index("row_id").at["r0", "label"] == "sport"


def test_undo_takes_back_the_latest_batch_and_keeps_the_log(run):
    log = EditLog(run)
    log.record(["r1", "r2"], "drop")
    log.record(["r1"], "mark_fine")
    assert log.current().set_index("row_id").at["r1", "action"] == "mark_fine"
    assert log.undo() == 1
    assert log.current().set_index("row_id").at["r1", "action"] == "drop"
    assert log.undo() == 0
    first, second = log.record(["r3"], "drop"), log.record(["r4"], "drop")
    assert log.undo(first) == first  # a given batch, not the latest
    assert set(log.current()["row_id"]) == {"r4"}
    with pytest.raises(InvalidParameterError, match="undone already"):
        log.undo(first)
    assert log.undo() == second
    assert log.current().empty
    assert log.undo() is None
    undos = log.history().query("action == 'undo'")
    assert sorted(undos["undoes"].unique()) == [0, 1, first, second]  # a record per row


def test_bad_actions_are_refused(run):
    log = EditLog(run)
    with pytest.raises(InvalidParameterError, match="Did you mean"):
        log.record(["r1"], "dorp")
    with pytest.raises(InvalidParameterError, match="needs a label"):
        log.record(["r1"], "set_label")
    with pytest.raises(InvalidParameterError, match="nope"):
        log.record(["nope"], "drop")


def test_a_suggestion_cannot_be_taken_for_a_row_given_no_label(tmp_path, text_frame):
    frame = text_frame.copy()
    frame.loc[frame["id"] == "r3", "label"] = None
    frame.to_csv(tmp_path / "data.csv", index=False)
    siftkit.audit(tmp_path / "data.csv", encoder="fake", id="id", output=tmp_path / "run",
                  detectors=["label_errors"], allow_missing_labels=True)  # fmt: skip
    log = EditLog(siftkit.open(tmp_path / "run"))
    with pytest.raises(InvalidParameterError, match=r"without a suggested label .*: r3\."):
        log.record(["r3", "r4"], "accept_suggestion")
    assert log.history().empty


def test_cleaned_dataset_applies_edits_to_the_original_rows(run, text_frame):
    log = EditLog(run)
    log.record(["r3"], "drop")
    log.record(["r4"], "set_label", "politics")
    cleaned = cleaned_dataset(run)
    assert list(cleaned.columns) == list(text_frame.columns)
    assert len(cleaned) == len(text_frame) - 1
    assert "r3" not in set(cleaned["id"])
    assert cleaned.set_index("id").at["r4", "label"] == "politics"
    # the input file is untouched
    assert pd.read_csv(run.path.parent / "data.csv").equals(text_frame)


def test_cleaned_dataset_falls_back_to_the_run_columns_without_the_input(run):
    (run.path.parent / "data.csv").unlink()
    EditLog(run).record(["r5"], "set_label", "sport")
    cleaned = cleaned_dataset(run)
    assert list(cleaned.columns) == ["row_id", "text", "label"]
    assert cleaned.set_index("row_id").at["r5", "label"] == "sport"


def test_a_label_run_exports_every_input_column_and_the_labels(tmp_path, text_frame):
    """`sift label` from keywords reads the data without its label column (label=False): the
    export still finds the input file as it was read, and carries the predicted labels, an
    edit overriding one."""
    text_frame.to_csv(tmp_path / "data.csv", index=False)
    keywords = {"sport": ["football", "goal"], "food": ["bread", "soup"],
                "tech": ["computer", "server"]}  # fmt: skip
    siftkit.label_rows(tmp_path / "data.csv", text="text", id="id", encoder="fake",
                       keywords=keywords, output=tmp_path / "run")  # fmt: skip
    run = siftkit.open(tmp_path / "run")
    EditLog(run).record(["r7"], "set_label", "politics")
    EditLog(run).record(["r8"], "drop")
    cleaned = cleaned_dataset(run).set_index("id")
    assert list(cleaned.columns[: len(text_frame.columns) - 1]) == ["text", "label"]
    assert "r8" not in cleaned.index and len(cleaned) == len(text_frame) - 1
    predicted = run.rows.set_index("row_id")
    kept = cleaned.index.difference(["r7"])
    assert (cleaned.loc[kept, "predicted_label"] == predicted.loc[kept, "predicted_label"]).all()
    assert cleaned.loc["r7", ["predicted_label", "label_source", "label_confidence"]].tolist() == [
        "politics", "edited", 1.0]  # fmt: skip
    assert cleaned.loc["r7", "label"] == "politics"  # the input's label column, edited


def test_a_seed_labels_file_run_exports_every_input_column(tmp_path, text_frame):
    """Labels given as an array (a seed labels file) are no column of the input: the export
    re-reads the input with the run's own labels, so its fingerprint matches and every input
    column is kept."""
    text_frame.drop(columns="label").assign(note="n").to_csv(tmp_path / "data.csv", index=False)
    siftkit.label_rows(tmp_path / "data.csv", text="text", id="id", encoder="fake",
                       seed_labels_file={"r0": "sport", "r20": "food", "r40": "tech"},
                       output=tmp_path / "run")  # fmt: skip
    cleaned = cleaned_dataset(siftkit.open(tmp_path / "run"))
    assert list(cleaned.columns) == ["id", "text", "note", "predicted_label",
                                     "label_confidence", "label_source"]  # fmt: skip
    assert cleaned.set_index("id").loc["r20", "label_source"] == "given"


def test_export_apply_edits_cli(run, tmp_path):
    EditLog(run).record(["r6"], "drop")
    out = tmp_path / "clean.parquet"
    result = CliRunner().invoke(main, ["export", str(run.path), "--apply-edits", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(out)) == len(run.rows) - 1
    both = CliRunner().invoke(
        main, ["export", str(run.path), "--apply-edits", "--queue", "outliers", "-o", str(out)]
    )
    assert both.exit_code == 2 and "one of them" in both.output
    json = CliRunner().invoke(
        main, ["export", str(run.path), "--apply-edits", "-o", str(tmp_path / "clean.json")]
    )
    assert json.exit_code == 2 and "suffix names its format: .csv (CSV)" in json.output
    assert not (tmp_path / "clean.json").exists()


def test_edited_labels_keep_a_numeric_column_one_type(tmp_path):
    """The edit log keeps labels as text: "3" in a column of numbers (floats, where some rows
    have none) goes back as the number, and a label that is no number turns the column to
    text, so the cleaned dataset can be written to Parquet."""
    run = audited_digit_table(tmp_path)
    EditLog(run).record(["1"], "set_label", "3")
    cleaned = cleaned_dataset(run)
    assert cleaned["digit"].dtype == "float64" and cleaned["digit"].iloc[1] == 3.0
    cleaned.to_parquet(tmp_path / "clean.parquet")
    EditLog(run).record(["3"], "set_label", "cat")
    cleaned = cleaned_dataset(run)
    assert cleaned["digit"].iloc[:4].tolist() == ["1", "3", "2", "cat"]
    assert pd.isna(cleaned["digit"].iloc[5])
    cleaned.to_parquet(tmp_path / "clean.parquet")
