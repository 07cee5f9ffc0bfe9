"""Review queues: `sift export OUT --queue NAME` and siftkit.export."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

import siftkit
from siftkit.cli import main
from siftkit.cli.app import analysis_notes
from siftkit.edits import EditLog
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


READERS = {".tsv": lambda p: pd.read_csv(p, sep="\t"), ".parquet": pd.read_parquet,
           ".jsonl": lambda p: pd.read_json(p, lines=True), ".xlsx": pd.read_excel}  # fmt: skip


@pytest.mark.parametrize("suffix", list(READERS))
def test_cli_writes_the_queue_in_the_format_its_suffix_names(run_folder, tmp_path, suffix):
    if suffix == ".xlsx":
        pytest.importorskip("openpyxl")
    out = tmp_path / f"queue{suffix}"
    result = CliRunner().invoke(main, ["export", str(run_folder), "--queue", "label_errors",
                                       "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    expected = review_queue(siftkit.open(run_folder), "label_errors")
    assert READERS[suffix](out)["row_id"].tolist() == expected["row_id"].tolist()


def test_a_workbook_holds_texts_beginning_with_an_equals_sign_as_texts(tmp_path):
    """openpyxl stores such a text as a formula: a spreadsheet opening the queue would run
    a row's `=HYPERLINK(...)`."""
    openpyxl = pytest.importorskip("openpyxl")
    from siftkit.results import write_table

    texts = ['=HYPERLINK("http://example.org", "click")', "plain", "=1+1"]
    write_table(pd.DataFrame({"row_id": [1, 2, 3], "text": texts, "n": [1.5, 2.0, 3.0]}),
                tmp_path / "queue.xlsx", "the queue")  # fmt: skip
    sheet = openpyxl.load_workbook(tmp_path / "queue.xlsx").active
    assert [cell.data_type for cell in sheet["B"]] == ["s"] * 4
    assert [cell.data_type for cell in sheet["C"][1:]] == ["n"] * 3
    assert pd.read_excel(tmp_path / "queue.xlsx")["text"].tolist() == texts


def test_a_file_of_no_known_format_is_refused_before_any_work(run_folder, tmp_path):
    for command in (["export", str(run_folder), "--queue", "outliers"], ["like", str(run_folder),
                    "r1"], ["export", str(run_folder), "--apply-edits"]):  # fmt: skip
        result = CliRunner().invoke(main, [*command, "-o", str(tmp_path / "queue.txt")])
        assert result.exit_code == 2
        assert "a file whose suffix names its format: .csv (CSV), .tsv" in result.output
        assert "not 'queue.txt'" in result.output
    assert not (tmp_path / "queue.txt").exists()


def test_cli_prints_csv_without_output(run_folder):
    result = CliRunner().invoke(main, ["export", str(run_folder), "--queue", "outliers"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("row_id,")


def test_unknown_queue_suggests_the_closest(run_folder):
    with pytest.raises(RunFolderError, match="Did you mean --queue 'label_errors'"):
        review_queue(siftkit.open(run_folder), "label_eror")


def test_queue_of_an_analysis_that_did_not_run(text_frame, tmp_path):
    siftkit.audit(text_frame, encoder="fake", label=False, output=tmp_path / "r", progress=False)
    with pytest.raises(RunFolderError, match=r"was skipped \(.*\).*--label COLUMN"):
        review_queue(siftkit.open(tmp_path / "r"), "label_errors")
    siftkit.discover_categories(text_frame, encoder="fake", output=tmp_path / "d",
                                progress=False)  # fmt: skip
    with pytest.raises(
        RunFolderError,
        match=r"did not check outliers \(its analyses: "
        r"empty_rows, clusters; .*`sift audit` checks it",
    ):
        review_queue(siftkit.open(tmp_path / "d"), "outliers")
    # nor does its report's map promise rings around rows nothing flagged
    html = (tmp_path / "d" / "report.html").read_text(encoding="utf-8")
    assert "Map of the data" in html and "ringed" not in html
    audited = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "rows flagged as outliers are ringed" in audited  # no labels: no label errors


# --- to_label: the rows worth labeling next -------------------------------------------------


@pytest.fixture
def labeled_folder(text_frame, tmp_path):
    frame = text_frame.copy()
    frame.loc[frame.index % 4 != 0, "label"] = None
    siftkit.audit(frame, encoder="fake", id="id", label="label", detectors=["clusters", "labeling"],
                  allow_missing_labels=True, output=tmp_path / "run", progress=False)  # fmt: skip
    return tmp_path / "run"


def export(*args: str):
    return CliRunner().invoke(main, ["export", *args])


def test_to_label_queue(labeled_folder):
    result = siftkit.open(labeled_folder)
    queue = review_queue(result, "to_label", budget=7)
    assert len(queue) == 7
    given = set(result.rows["row_id"][result.rows["label_source"] == "given"])
    assert len(given) == 16 and not given & set(queue["row_id"])
    assert queue["priority"].is_monotonic_decreasing
    assert len(review_queue(result, "to_label")) == 61 - 16  # the default budget, 100, > rows


def test_cli_writes_the_to_label_queue(labeled_folder, tmp_path):
    out = tmp_path / "next.csv"
    result = export(str(labeled_folder), "--queue", "to_label", "--budget", "5", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "Wrote 5 rows" in result.output
    written = pd.read_csv(out)
    assert len(written) == 5
    assert list(written.columns[:3]) == ["rank", "row_id", "text"]
    assert list(written["rank"]) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_the_to_label_queue_filled_in_is_a_seed_labels_file(
    labeled_folder, tmp_path, text_frame, suffix
):
    """The labeling loop: export the queue, fill in some of its label column (in a
    spreadsheet, say), label again with it beside the labels the run had."""
    if suffix == ".xlsx":
        pytest.importorskip("openpyxl")
    out = tmp_path / f"next{suffix}"
    result = export(str(labeled_folder), "--queue", "to_label", "--budget", "6", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"--seed-labels-file {out}" in " ".join(result.output.split())
    read, write = {".csv": (pd.read_csv, pd.DataFrame.to_csv),
                   ".xlsx": (pd.read_excel, pd.DataFrame.to_excel),
                   ".parquet": (pd.read_parquet, pd.DataFrame.to_parquet)}[suffix]  # fmt: skip
    queue = read(out)
    assert queue.columns[-1] == "label" and queue["label"].isna().all()
    truth = text_frame.set_index("id")["label"]
    queue["label"] = queue["label"].astype(object)
    queue.loc[:3, "label"] = truth[queue["row_id"][:4]].to_numpy()  # four of six filled in
    write(queue, out, index=False)
    frame = text_frame.copy()
    frame.loc[frame.index % 4 != 0, "label"] = None
    run = siftkit.label_rows(frame, seed_labels="label", seed_labels_file=out, encoder="fake",
                             id="id", text="text", progress=False)  # fmt: skip
    rows = run.rows.set_index("row_id")
    given = rows.index[rows["label_source"] == "given"]
    assert len(given) == 16 + 4
    assert set(queue["row_id"][:4]) <= set(given) and not set(queue["row_id"][4:]) & set(given)
    assert (rows.loc[given, "predicted_label"] == truth[given]).all()


def test_cli_prints_the_to_label_queue(labeled_folder):
    result = export(str(labeled_folder), "--queue", "to_label", "--budget", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("rank,row_id,") and len(lines) == 3


def test_an_empty_to_label_queue_says_why(text_frame, tmp_path):
    siftkit.audit(text_frame, encoder="fake", id="id", label="label", detectors=["clusters"],
                  output=tmp_path / "full", progress=False)  # fmt: skip
    for args in (["-o", str(tmp_path / "next.csv")], []):
        result = export(str(tmp_path / "full"), "--queue", "to_label", *args)
        assert result.exit_code == 0, result.output
        assert "Nothing to label: every row with content has a label already." in result.output


def test_budget_applies_to_the_to_label_queue_only(labeled_folder):
    result = export(str(labeled_folder), "--queue", "outliers", "--budget", "5")
    assert result.exit_code == 2
    assert (
        "Usage:" in result.output and "--budget applies to --queue to_label only" in result.output
    )


def test_a_budget_of_zero_is_refused(labeled_folder):
    result = export(str(labeled_folder), "--queue", "to_label", "--budget", "0")
    assert result.exit_code == 2  # a usage error, as every option out of its range
    assert "Invalid value for '--budget': 0 is not in the range x>=1" in result.output


def test_to_label_needs_labeling_or_discovery(text_frame, tmp_path):
    siftkit.audit(text_frame, encoder="fake", detectors=["outliers"], output=tmp_path / "r",
                  progress=False)  # fmt: skip
    with pytest.raises(RunFolderError, match="neither label_confidence nor cluster_confidence"):
        review_queue(siftkit.open(tmp_path / "r"), "to_label")
    result = export(str(tmp_path / "r"), "--queue", "to_label")
    assert result.exit_code == 2 and "run `sift label`" in result.output


def test_a_label_error_that_is_also_an_outlier_is_to_inspect_not_relabel(run_folder):
    result = siftkit.open(run_folder)
    rows = result.rows.set_index("row_id")
    flagged = rows.index[rows.is_label_error | rows.is_off_topic]
    plain = next(r for r in flagged if not rows.loc[r, "is_off_topic"])
    rows.loc[plain, "is_outlier"] = True  # as a noise row far from every other would be
    result.rows = rows.reset_index()
    queue = review_queue(result, "label_errors").set_index("row_id")
    assert queue.loc[plain, "action"] == "inspect (outlier)"
    assert (queue.drop(index=plain).action != "inspect (outlier)").all()


def test_rows_reviewed_in_the_explorer_leave_the_queues(run_folder):

    result = siftkit.open(run_folder)
    before = review_queue(result, "label_errors")
    first = before["row_id"].iloc[0]  # r5, the planted mislabeled row
    log = EditLog(result)
    log.record([first], "mark_fine")
    assert first not in set(review_queue(result, "label_errors")["row_id"])
    log.undo()  # taken back: the row is in the queue again
    assert review_queue(result, "label_errors")["row_id"].tolist() == before["row_id"].tolist()
    log.record([first], "accept_suggestion")
    assert set(review_queue(result, "label_errors")["row_id"]) == set(before["row_id"]) - {first}
    kept = review_queue(result, "label_errors", include_reviewed=True)
    assert kept["row_id"].tolist() == before["row_id"].tolist()
    # the CLI says so, and `sift info` counts the edits in force
    printed = export(str(run_folder), "--queue", "label_errors")
    assert printed.exit_code == 0 and first not in printed.stdout
    assert "note: 1 rows of this queue were reviewed in the explorer" in printed.stderr
    outliers = export(str(run_folder), "--queue", "near_duplicates")  # none reviewed there
    assert outliers.exit_code == 0 and "note:" not in outliers.stderr
    assert first in export(str(run_folder), "--queue", "label_errors",
                           "--include-reviewed").stdout  # fmt: skip
    info = CliRunner().invoke(main, ["info", str(run_folder)])
    assert "edits in the explorer: 1 rows (1 accept suggestion)" in info.output


def test_to_label_picks_other_rows_than_those_labeled_in_the_explorer(labeled_folder):
    labeled = siftkit.open(labeled_folder)
    picked = review_queue(labeled, "to_label", budget=3)["row_id"].tolist()
    EditLog(labeled).record(picked[:2], "set_label", "sport")
    again = review_queue(labeled, "to_label", budget=3)["row_id"].tolist()
    assert len(again) == 3 and not set(picked[:2]) & set(again)


def test_a_label_error_with_an_unsure_suggestion_is_to_inspect(run_folder):
    result = siftkit.open(run_folder)
    rows = result.rows.set_index("row_id")
    rows.loc["r5", "suggestion_confidence"] = 0.3  # the model barely prefers its suggestion
    result.rows = rows.reset_index()
    queue = review_queue(result, "label_errors").set_index("row_id")
    assert queue.loc["r5", "action"] == "inspect (unsure suggestion)"


def test_the_summary_line_names_the_commonest_flip(text_frame, tmp_path):
    frame = text_frame.copy()
    food = frame.index[frame["label"] == "food"][:6]
    frame.loc[food, "label"] = "tech"  # a systematic flip: food rows filed under tech
    summary = siftkit.audit(frame, encoder="fake", id="id", progress=False).summary
    top = summary["label_errors"]["top_flips"][0]
    assert (top["given"], top["true"]) == ("tech", "food"), summary["label_errors"]
    notes = analysis_notes(summary["label_errors"])
    assert notes.endswith(f"; most flipped: tech → food ({top['share']:.0%} of tech)")
    clean = text_frame.assign(label=text_frame["label"].where(text_frame["id"] != "r5", "sport"))
    entry = siftkit.audit(clean, encoder="fake", id="id", progress=False).summary["label_errors"]
    assert "most flipped" not in analysis_notes(entry)  # no class 5% flipped


def test_flags_beside_an_estimate_of_no_noise_are_explained() -> None:
    entry = {"status": "ok", "count": 2, "flag_limit": 2, "estimated_noise_rate": 0.0002,
             "estimated_noise_rate_interval": [0.0, 0.041], "n_off_topic": 0,
             "n_conflicting_copies": 0}  # fmt: skip
    assert analysis_notes(entry).startswith(
        "est. noise 0.0% (0.0%-4.1%); 2 flagged, the likeliest: the estimate plus one standard "
        "error allows 2;"
    )
    assert "likeliest" not in analysis_notes({**entry, "count": 0})
    assert "likeliest" not in analysis_notes({**entry, "estimated_noise_rate": 0.023})


def test_the_near_duplicate_queue_names_the_copy_of_each_row(run_folder):
    queue = review_queue(siftkit.open(run_folder), "near_duplicates").set_index("row_id")
    assert queue.loc["r60", "copy_of"] == "r30"  # r60 is an exact copy of r30
    assert list(queue.columns[:2]) == ["copy_of", "text"]


def test_the_summary_lists_the_top_off_topic_rows_apart(capsys):
    from types import SimpleNamespace

    from siftkit.cli.app import print_summary

    rows = pd.DataFrame({
        "row_id": ["a", "b", "c"], "text": ["a fern", "a goal", "a match"],
        "label": ["sport", "sport", "sport"], "is_label_error": [False, False, False],
        "label_error_score": [0.9, 0.1, 0.1], "is_off_topic": [True, False, False],
        "off_topic_score": [0.95, 0.1, 0.1],
    })  # fmt: skip
    entry = {"status": "ok", "count": 0, "n_off_topic": 1, "n_conflicting_copies": 0,
             "estimated_noise_rate": 0.0}  # fmt: skip
    print_summary(SimpleNamespace(summary={"analyses": ["label_errors"], "label_errors": entry},
                                  rows=rows))  # fmt: skip
    out = capsys.readouterr().out
    assert "Top off-topic rows" in out and '"a fern"' in out
    assert "Top label errors" not in out  # none flagged


def test_a_queue_shows_columns_of_the_input_file(text_frame, tmp_path):
    frame = text_frame.assign(title=[f"title {i}" for i in range(len(text_frame))])
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    siftkit.audit(data, encoder="fake", id="id", text="text", output=tmp_path / "run",
                  progress=False)  # fmt: skip
    queue = review_queue(siftkit.open(tmp_path / "run"), "label_errors", columns=["title", "label"])
    assert list(queue.columns[:4]) == ["row_id", "title", "input label", "action"]
    titles = frame.set_index("id")["title"]
    assert list(queue["title"]) == list(titles[queue["row_id"]])
    assert list(queue["input label"]) == list(queue["label"])

    out = tmp_path / "queue.csv"
    result = export(str(tmp_path / "run"), "--queue", "label_errors", "--column", "title",
                    "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert list(pd.read_csv(out)["title"]) == list(queue["title"])

    result = export(str(tmp_path / "run"), "--queue", "outliers", "--column", "titel")
    assert result.exit_code != 0
    assert "no column 'titel'. Did you mean 'title'?" in result.output
    result = export(str(tmp_path / "run"), "--apply-edits", "--column", "title", "-o", str(out))
    assert result.exit_code == 2 and "--column applies to --queue only" in result.output

    frame.iloc[:-1].to_csv(data, index=False)  # the input changed since the run
    with pytest.raises(RunFolderError, match="gone or has changed since the run"):
        review_queue(siftkit.open(tmp_path / "run"), "label_errors", columns=["title"])


def test_a_queue_of_a_run_on_a_frame_has_no_input_columns(run_folder):
    with pytest.raises(RunFolderError, match="from an in-memory DataFrame, not a file.*row_id"):
        review_queue(siftkit.open(run_folder), "outliers", columns=["title"])


def test_a_queue_of_a_run_on_a_folder_shows_its_columns(text_frame, tmp_path):
    for i, row in text_frame.iterrows():
        folder = tmp_path / "texts" / row["label"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{i:03d}.txt").write_text(row["text"], encoding="utf-8")
    siftkit.audit(tmp_path / "texts", encoder="fake", output=tmp_path / "run", progress=False)
    queue = review_queue(siftkit.open(tmp_path / "run"), "label_errors", columns=["path"])
    assert len(queue) and (queue["path"] == queue["row_id"]).all()  # the path is the id
