"""The ``sift`` command line: audit, discover, query, info (in-process, with the fake encoder)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner
from toy_data import FAKE_DIMS, named_frame

from siftkit.cli import main


@pytest.fixture
def workdir(tmp_path, monkeypatch, text_frame):
    """A working folder holding data.csv; short relative paths keep output lines unwrapped."""
    monkeypatch.chdir(tmp_path)
    text_frame.to_csv("data.csv", index=False)
    return tmp_path


def sift(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def audited(workdir):
    result = sift("audit", "data.csv", "-o", "out", "--encoder", "fake")
    assert result.exit_code == 0, result.output
    return result


def test_audit_prints_summary_and_where_the_results_are(audited, workdir):
    out = audited.stdout
    assert "Audited 61 rows" in out
    assert "encoder fake" in out
    assert "Run summary" in out
    for name in ("duplicates", "near_duplicates", "outliers", "label_errors"):
        assert name in out
    assert re.search(r"est\. noise [\d.]+% \([\d.]+%-[\d.]+%\)", out)  # with its interval
    assert "Results: out/" in out
    assert "report: out/report.html" in out
    # the mislabeled row and the duplicate are shown as top examples
    assert "r5" in out and "r60" in out
    assert (workdir / "out" / "summary.json").exists()
    assert len(pd.read_parquet(workdir / "out" / "rows.parquet")) == 61


def test_audit_quiet_prints_only_where(workdir):
    result = sift("audit", "data.csv", "-o", "out", "--encoder", "fake", "-q")
    assert result.exit_code == 0, result.output
    assert "Run summary" not in result.stdout
    assert result.stdout.strip().startswith("Results: out/")


def test_audit_options_reach_the_run(workdir):
    result = sift(
        "audit", "data.csv", "-o", "out", "--encoder", "fake", "-k", "7",
        "--detectors", "duplicates, outliers", "--seed", "3", "--id", "id",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((workdir / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["neighbors"]["k"] == 7
    assert summary["analyses"] == ["duplicates", "outliers"]
    assert summary["parameters"]["random_state"] == 3
    assert summary["input"]["schema"]["id"] == "id"


def test_query_table(audited):
    result = sift("query", "out", "select count(*) as n from rows")
    assert result.exit_code == 0, result.output
    lines = [line.strip("│┃ ") for line in result.stdout.splitlines()]
    assert "n" in lines and "61" in lines


def test_query_csv(audited):
    result = sift("query", "out", "select count(*) as n from rows", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout == "n\n61\n"


def test_query_json(audited):
    result = sift("query", "out", "select count(*) as n from rows", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in result.stdout.splitlines()] == [{"n": 61}]


def test_query_csv_prints_all_rows(audited):
    result = sift("query", "out", "select row_id from rows", "--format", "csv", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["row_id", *[f"r{i}" for i in range(61)]]


def test_query_table_limit(audited):
    result = sift("query", "out", "select row_id from rows order by row_id", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "58 more rows" in result.stdout
    cells = [line.strip("│┃ ") for line in result.stdout.splitlines()]
    assert [c for c in cells if c.startswith("r") and c[1:].isdigit()] == ["r0", "r1", "r10"]


def test_query_flagged_rows(audited):
    sql = "select row_id, suggested_label from rows where is_label_error"
    result = sift("query", "out", sql, "--format", "json")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"row_id": "r5", "suggested_label": "sport"} in records
    result = sift("query", "out", "select date '2024-01-02' as day", "--format", "json")
    assert json.loads(result.stdout)["day"].startswith("2024-01-02T")  # not epoch milliseconds


def test_a_query_of_many_columns_says_how_to_read_them(audited):
    result = sift("query", "out", "select * from rows limit 3")
    assert result.exit_code == 0, result.output
    note = " ".join(result.stdout.split())
    assert "more columns, too wide for the terminal: " in note
    assert "is_outlier (select fewer, or --format csv)" in note  # the last column, left out
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    assert "too wide" not in sift("query", "out", "select row_id from rows").stdout


def test_a_query_prints_brackets_and_lists_as_they_are(audited):
    sql = "select '[bold]news' as \"[t]\", ['a', '[b]'] as l, [0.5, 1.25] as f"
    result = sift("query", "out", sql)
    assert result.exit_code == 0, result.output
    cells = [c.strip() for c in result.stdout.splitlines()[3].strip("│").split("│")]
    assert cells == ["[bold]news", "[a, [b]]", "[0.500, 1.250]"]  # not read as markup
    assert "[t]" in result.stdout.splitlines()[1]


def test_bad_sql_names_the_columns(audited):
    result = sift("query", "out", "select nope from rows")
    assert result.exit_code == 2
    message = result.stderr
    assert message.startswith("error: The SQL failed")
    assert "nope" in message
    assert "The table is called `rows`" in message
    for column in ("row_id", "text", "label", "is_duplicate", "label_error_score"):
        assert column in message
    for nothing in ("", "  "):
        result = sift("query", "out", nothing)
        assert result.exit_code == 2 and "gives no table" in result.stderr, nothing
    assert sift("query", "out", "select 1", "--limit", "0").exit_code == 2
    assert "Traceback" not in result.output


def test_query_on_a_missing_run(workdir):
    result = sift("query", "nothere", "select 1")
    assert result.exit_code == 2
    assert "error:" in result.stderr and "No run folder" in result.stderr


def test_info(audited):
    result = sift("info", "out")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "input: data.csv" in out
    assert "61 rows" in out and "3 classes" in out
    assert f"encoder: fake ({FAKE_DIMS} dims)" in out
    assert "k=20" in out
    assert "Run summary" in out
    assert "timings:" in out and "total" in out


def test_an_empty_run_folder_name_is_a_usage_error(workdir):
    result = sift("audit", "data.csv", "-o", "", "--encoder", "fake")
    assert result.exit_code == 2 and "is empty: name a folder" in result.stderr
    assert not (workdir / "summary.json").exists()


def test_label_and_no_label_is_a_usage_error(workdir):
    result = sift(
        "audit", "data.csv", "-o", "out", "--encoder", "fake", "--label", "label", "--no-label"
    )
    assert result.exit_code == 2
    assert "--label and --no-label contradict each other" in result.stderr
    assert "Usage:" in result.stderr
    assert not (workdir / "out").exists()


def test_no_label_drops_labels(workdir):
    result = sift("audit", "data.csv", "-o", "out", "--encoder", "fake", "--no-label")
    assert result.exit_code == 0, result.output
    assert "skipped" in result.stdout
    summary = json.loads((workdir / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["label_errors"]["status"] == "skipped"
    assert summary["input"]["n_classes"] is None
    assert summary["input"]["schema"]["label"] is None
    rows = pd.read_parquet(workdir / "out" / "rows.parquet")
    assert "label" not in rows.columns and "is_label_error" not in rows.columns


def test_rerun_into_another_run_folder_is_refused(audited, workdir):
    result = sift("audit", "data.csv", "-o", "out", "--encoder", "fake", "-k", "5")
    assert result.exit_code == 2
    assert "error:" in result.stderr and "--overwrite" in result.stderr
    result = sift("audit", "data.csv", "-o", "out", "--encoder", "fake", "-k", "5", "--overwrite")
    assert result.exit_code == 0, result.output


def test_unknown_encoder_suggests_one(workdir):
    result = sift("audit", "data.csv", "-o", "out", "--encoder", "fak")
    assert result.exit_code == 2
    assert "No encoder named 'fak'" in result.stderr
    assert "Did you mean --encoder 'fake'?" in result.stderr


# --- discover -------------------------------------------------------------------------------


def discover(*args: str):
    return sift("discover", "data.csv", "-o", "out", "--text", "text", "--encoder", "fake", *args)


def read_summary(workdir) -> dict:
    return json.loads((workdir / "out" / "summary.json").read_text(encoding="utf-8"))


def test_discover_writes_a_run_folder_with_categories(workdir):
    result = discover()
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Clustered 61 rows" in out
    assert "categories (tree levels:" in out
    assert "majority label" in out and "purity" in out  # the data has a label column
    assert "Results: out/" in out
    rows = pd.read_parquet(workdir / "out" / "rows.parquet")
    assert len(rows) == 61
    for column in ("cluster", "cluster_name", "cluster_confidence", "subcluster"):
        assert column in rows.columns
    assert (rows["cluster"] >= 0).all()
    summary = read_summary(workdir)
    assert summary["analyses"] == ["empty_rows", "clusters"]
    entry = summary["clusters"]
    assert entry["status"] == "ok"
    assert entry["n_clusters"] == rows["cluster"].nunique()
    for category in entry["categories"]:
        assert category["name"] in out


def test_discover_says_how_many_rows_its_confidence_bar_leaves_out(workdir):
    result = discover("--min-confidence", "1", "--overwrite")
    assert result.exit_code == 0, result.output
    unassigned = int((pd.read_parquet(workdir / "out" / "rows.parquet")["cluster"] < 0).sum())
    assert unassigned > 0
    said = " ".join(result.stdout.split())
    assert f"{unassigned} rows below --min-confidence have no category (cluster -1" in said
    assert "below --min-confidence" not in " ".join(discover("--overwrite").stdout.split())


def test_discover_quiet_prints_only_where(workdir):
    result = discover("-q")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines() == ["Results: out/  ·  report: out/report.html"]


@pytest.mark.parametrize(("hint", "recorded"), [("3-5", [3, 5]), ("4", 4)])
def test_discover_accepts_a_number_or_a_range(workdir, hint, recorded):
    result = discover("--n-clusters", hint)
    assert result.exit_code == 0, result.output
    entry = read_summary(workdir)["clusters"]
    assert entry["status"] == "ok"
    assert entry["parameters"]["n_clusters"] == recorded


@pytest.mark.parametrize("hint", ["abc", "-3", "3-x", "5-2", "0"])
def test_discover_refuses_a_hint_that_is_not_a_number_of_categories(workdir, hint):
    result = discover("--n-clusters", hint)
    assert result.exit_code == 2
    assert "Usage:" in result.stderr
    assert "--n-clusters" in result.stderr and repr(hint) in result.stderr
    assert not (workdir / "out").exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [("--min-confidence", "1.5"), ("--resolution", "0"), ("--min-cluster-size", "0"),
     ("-k", "0")],
)  # fmt: skip
def test_discover_refuses_out_of_range_options_by_their_names(workdir, option, value):
    result = discover(option, value)
    assert result.exit_code == 2 and "Usage:" in result.stderr
    assert option in result.stderr and "range" in result.stderr
    assert "parameter of" not in result.stderr  # the option's name, not the class's


def test_discover_refuses_a_missing_vocabulary_before_running(workdir):
    result = discover("--vocabulary", "names.txt")
    assert result.exit_code == 2
    assert "names.txt" in result.stderr and "does not exist" in result.stderr
    assert not (workdir / "out").exists()


def test_discover_with_partial_labels_reports_new_categories(workdir, text_frame):
    frame = text_frame.copy()
    frame.loc[frame["label"] == "tech", "label"] = None  # a class nobody labeled
    frame.loc[::3, "label"] = None
    frame.to_csv("data.csv", index=False)
    result = discover("--label", "label")
    assert result.exit_code == 0, result.output
    entry = read_summary(workdir)["clusters"]
    said = " ".join(result.stdout.split())
    assert f"{entry['n_new']} new (no labeled row in it)" in said
    assert entry["semi_supervised"] is True
    assert entry["known_categories"] == ["food", "sport"]
    assert entry["n_new"] == len(entry["new_categories"]) >= 1


# --- label, like ----------------------------------------------------------------------------

KEYWORDS = "sport: [football, match, goal]\nfood: [bread, cheese, soup]\ntech: [computer, chip]\n"


def label(*args: str):
    return sift("label", "data.csv", "-o", "out", "--text", "text", "--encoder", "fake", *args)


def read_rows(workdir) -> pd.DataFrame:
    return pd.read_parquet(workdir / "out" / "rows.parquet")


@pytest.fixture
def keywords(workdir) -> str:
    (workdir / "topics.yaml").write_text(KEYWORDS, encoding="utf-8")
    return "topics.yaml"


@pytest.fixture
def labeled(workdir, keywords):
    result = label("--keywords", keywords)
    assert result.exit_code == 0, result.output
    return result


def test_label_from_keywords_writes_predicted_labels(labeled, workdir, text_frame):
    out = labeled.stdout
    assert "Labeled 61 rows" in out
    assert "Predicted labels" in out and "presence" in out  # the topics against chance
    assert "0 given, 61 predicted, 0 abstained, 0 other" in out
    assert "(not calibrated, which takes labeled rows to hold out" in " ".join(out.split())
    assert "--queue to_label" in out
    rows = read_rows(workdir)
    assert (rows["label_source"] == "keywords").all()
    assert "label" not in rows.columns  # the label column is no seed list for topics
    assert (rows["predicted_label"] == text_frame["label"]).mean() >= 0.9
    assert rows["cluster"].notna().all()  # the categories come along
    summary = read_summary(workdir)
    assert summary["analyses"] == ["empty_rows", "clusters", "labeling"]
    assert summary["labeling"]["parameters"]["keywords"] == "topics.yaml"


def test_label_lists_the_most_common_labels_and_counts_the_rest(workdir, keywords, monkeypatch):
    monkeypatch.setattr("siftkit.cli.data_commands.LABELS_SHOWN", 2)
    result = label("--keywords", keywords)
    assert result.exit_code == 0, result.output
    assert "… 1 more label (`predicted_counts` in out/summary.json)" in result.stdout


def test_label_options_reach_the_analysis(workdir, keywords):
    result = label("--keywords", keywords, "--min-confidence", "0.5", "--other", "-q")
    assert result.exit_code == 0, result.output
    assert "Predicted labels" not in result.stdout
    parameters = read_summary(workdir)["labeling"]["parameters"]
    assert parameters["min_confidence"] == 0.5 and parameters["other"] is True


def test_no_words_reaches_both_analyses(workdir, keywords):
    result = discover("--no-words", "-q")
    assert result.exit_code == 0, result.output
    assert read_summary(workdir)["clusters"]["words_joined"] is False
    result = label("--keywords", keywords, "--no-words", "-q", "--overwrite")
    assert result.exit_code == 0, result.output
    summary = read_summary(workdir)
    for analysis in ("clusters", "labeling"):
        assert summary[analysis]["parameters"]["words"] is False
        assert summary[analysis]["words_joined"] is False


def test_label_and_info_say_what_other_is_and_how_many(workdir, keywords):
    result = label("--keywords", keywords, "--other")
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "Other: a row is `other` when any of these holds: (1) its category" in said
    n_other = read_summary(workdir)["labeling"]["n_other"]
    info = sift("info", "out")
    assert info.exit_code == 0, info.output
    shown = " ".join(info.stdout.split())
    assert f"abstained, {n_other} other" in shown
    assert "Predicted labels" in shown and "Other: a row is `other` when" in shown
    assert "no label column" in shown  # the input's; the topics are in the labels table
    report = (workdir / "out" / "report.html").read_text(encoding="utf-8")
    topics = len(read_summary(workdir)["labeling"]["classes"])
    assert f'<b>{topics}</b><span class="muted">classes</span>' in report


def test_label_says_when_many_rows_fit_no_topic(workdir):
    two = "sport: [football, match, goal]\ntech: [computer, chip]\n"
    (workdir / "two.yaml").write_text(two, encoding="utf-8")
    result = label("--keywords", "two.yaml")  # the 21 food rows fit neither
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    n = read_summary(workdir)["labeling"]["n_fit_no_class"]
    assert 15 <= n <= 25
    assert f"note: {n} of the 61 rows predicted" in out
    assert "`sift label DATA --other` labels them" in out
    result = label("--keywords", "two.yaml", "--other", "--overwrite")
    assert result.exit_code == 0, result.output
    assert "note:" not in result.stdout


def test_audit_says_when_many_rows_fit_no_labeled_class(workdir, text_frame):
    frame = text_frame.copy()
    frame["label"] = frame["label"].where((frame["label"] != "tech") & (frame.index % 2 == 0))
    frame.to_csv("data.csv", index=False)  # nobody labeled tech: its 20 rows fit no class
    result = sift("audit", "data.csv", "-o", "out", "--text", "text", "--encoder", "fake",
                  "--label", "label", "--allow-missing-labels")  # fmt: skip
    assert result.exit_code == 0, result.output
    n = read_summary(workdir)["labeling"]["n_fit_no_class"]
    assert n >= 15
    assert f"note: {n} of the" in " ".join(result.stdout.split())


def test_label_from_a_partly_labeled_column(workdir, text_frame):
    frame = text_frame.drop(columns="label")
    frame["topic"] = text_frame["label"].where(text_frame.index % 5 == 0)
    frame.to_csv("data.csv", index=False)
    result = label("--seed-labels", "topic")
    assert result.exit_code == 0, result.output
    given = frame["topic"].notna().to_numpy()
    assert f"{given.sum()} given, {(~given).sum()} predicted" in result.stdout
    rows = read_rows(workdir)
    assert (rows["label_source"][given] == "given").all()
    assert (rows["label_source"][~given] == "propagated").all()
    assert (rows["predicted_label"][given] == frame["topic"][given]).all()
    assert "not calibrated" not in " ".join(result.stdout.split())


def test_label_names_option_reaches_the_analysis(workdir, text_frame):
    frame = text_frame.drop(columns="label")
    frame["topic"] = text_frame["label"].where(text_frame.index % 5 == 0)
    frame.to_csv("data.csv", index=False)
    result = label("--seed-labels", "topic", "--label-names", "never", "-q")
    assert result.exit_code == 0, result.output
    entry = read_summary(workdir)["labeling"]
    assert entry["parameters"]["label_names"] == "never" and entry["label_names"] is None
    result = label("--seed-labels", "topic", "--overwrite")  # 3 classes: too few to test
    assert result.exit_code == 0, result.output
    entry = read_summary(workdir)["labeling"]
    assert entry["label_names"]["p_value"] is None and not entry["label_names"]["used"]
    assert "names were not read" not in result.stdout  # nothing tested, nothing to say


def test_label_says_whether_the_labels_names_were_read(workdir):
    frame = named_frame()
    frame.drop(columns="topic").to_csv("data.csv", index=False)
    result = label("--seed-labels", "seed")
    assert result.exit_code == 0, result.output
    assert "Labeled from the labeled rows and their classes' names." in result.stdout
    codes = {name: f"C{i}" for i, name in enumerate(frame["topic"].unique())}
    frame.assign(seed=frame["seed"].map(codes)).to_csv("data.csv", index=False)
    result = label("--seed-labels", "seed", "--overwrite")
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "The labels' names were not read as words: the names fit the labeled rows no " in out
    assert "their classes' names" not in out


def test_label_from_keywords_and_seed_labels_names_the_classes_without_a_topic(workdir, text_frame):
    topics = "sport: [football, match, goal]\nfood: [bread, cheese]\n"
    (workdir / "topics.yaml").write_text(topics, encoding="utf-8")
    frame = text_frame.drop(columns="label")
    frame["topic"] = text_frame["label"].where(text_frame.index % 5 == 0)
    frame.to_csv("data.csv", index=False)
    result = label("--keywords", "topics.yaml", "--seed-labels", "topic")
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Labeled from a few keywords per topic and 13 labeled rows" in out
    assert "(1 class from labeled rows alone: tech)" in out
    assert set(read_rows(workdir)["predicted_label"]) == {"sport", "food", "tech"}


def test_label_from_a_seed_labels_file(workdir):
    pd.DataFrame({"row_id": ["r0", "r20", "r40"], "label": ["sport", "food", "tech"]}).to_csv(
        "seeds.csv", index=False
    )
    result = label("--id", "id", "--seed-labels-file", "seeds.csv")
    assert result.exit_code == 0, result.output
    rows = read_rows(workdir).set_index("row_id")
    assert (rows.loc[["r0", "r20", "r40"], "label_source"] == "given").all()
    assert (rows["label_source"] == "given").sum() == 3
    assert list(rows.loc[["r0", "r20", "r40"], "predicted_label"]) == ["sport", "food", "tech"]
    assert (rows.drop(index=["r0", "r20", "r40"])["label_source"] == "propagated").all()
    # one labeled row per class: nothing to hold out, and the output says so
    out = " ".join(result.stdout.split())
    assert "(not calibrated: with at least 3 labeled rows" in out
    assert "(3 of 3 classes have fewer: food (1), sport (1), tech (1))" in out  # what to add
    assert read_summary(workdir)["labeling"]["given_counts"] == {"food": 1, "sport": 1, "tech": 1}


@pytest.mark.parametrize(
    ("name", "sep", "encoding"),
    [("seeds.txt", "\t", "utf-16"), ("seeds.csv", ",", "utf-16"), ("seeds.tsv", "\t", "utf-8"),
     ("seeds.csv", ";", "utf-8")],
)  # fmt: skip
def test_a_seed_labels_file_saved_from_a_spreadsheet_is_read(workdir, name, sep, encoding):
    """Excel's "Unicode Text" (a tab-separated .txt in UTF-16) crashed the run with a
    UnicodeDecodeError; a .txt file or a ;-separated CSV was read as comma-separated."""
    seeds = pd.DataFrame({"row_id": ["r0", "r20", "r40"], "label": ["sport", "food", "tech"]})
    seeds.to_csv(name, sep=sep, index=False, encoding=encoding)
    result = label("--id", "id", "--seed-labels-file", name)
    assert result.exit_code == 0, result.output
    given = read_rows(workdir).set_index("row_id")["label_source"] == "given"
    assert sorted(given.index[given]) == ["r0", "r20", "r40"]


def test_a_seed_labels_file_in_an_unknown_encoding_is_refused(workdir):
    (workdir / "seeds.csv").write_bytes("row_id,label\nr0,sport\nr1,spórt\n".encode("cp1252"))
    result = label("--id", "id", "--seed-labels-file", "seeds.csv")
    assert result.exit_code == 2 and "is not UTF-8 text (byte 0xf3" in result.stderr
    assert "Traceback" not in result.output


def test_seed_labels_file_ids_are_row_positions_without_an_id_column(workdir, text_frame):
    text_frame.drop(columns=["id", "label"]).to_csv("data.csv", index=False)
    pd.DataFrame({"row_id": [1, 21, 41], "label": ["sport", "food", "tech"]}).to_csv(
        "seeds.csv", index=False
    )
    result = label("--seed-labels-file", "seeds.csv")
    assert result.exit_code == 0, result.output
    rows = read_rows(workdir)
    assert list(rows.index[rows["label_source"] == "given"]) == [1, 21, 41]


def test_a_seed_labels_file_run_reads_the_data_once(workdir, text_frame, monkeypatch):
    """The seed file's row ids need the data's id column: the data is read once for them and
    the audit, and what column inference has to say is said once."""
    import siftkit.data.dataset as dataset_module

    reads = []
    read = dataset_module.read_path
    monkeypatch.setattr(dataset_module, "read_path", lambda path: reads.append(path) or read(path))
    frame = text_frame.drop(columns="label").assign(note=text_frame["text"] + " noted twice")
    frame.to_csv("data.csv", index=False)
    pd.DataFrame({"row_id": ["r0", "r20"], "label": ["sport", "food"]}).to_csv(
        "seeds.csv", index=False
    )
    result = sift("label", "data.csv", "-o", "out", "--encoder", "fake", "--id", "id",
                  "--seed-labels-file", "seeds.csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.count("ignoring the other free-text columns") == 1
    assert [str(p) for p in reads] == ["data.csv"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("row_id,label\nr0,sport\nnope,food\nr1,food\n", "1 row id of seeds.csv is not in"),
        ("id,topic\nr0,sport\n", "must have the columns row_id and label (got id, topic)"),
        ("row_id,label\nr0,\nr1,\n", "seeds.csv labels no row: its label column is empty"),
    ],
    ids=["unknown-ids", "wrong-columns", "nothing-filled-in"],
)
def test_a_bad_seed_labels_file_is_refused(workdir, content, message):
    (workdir / "seeds.csv").write_text(content, encoding="utf-8")
    result = label("--id", "id", "--seed-labels-file", "seeds.csv")
    assert result.exit_code == 2
    assert "error:" in result.stderr and message in result.stderr
    assert "Traceback" not in result.output
    assert not (workdir / "out").exists()


@pytest.mark.parametrize("how", ["column", "file"])
def test_seed_labels_of_a_single_class_are_refused_with_advice(workdir, text_frame, how):
    frame = text_frame.drop(columns="label")
    frame["topic"] = None
    frame.loc[:2, "topic"] = "sport"  # three seeds, all of one class
    frame.to_csv("data.csv", index=False)
    pd.DataFrame({"row_id": ["r0", "r1"], "label": ["sport", "sport"]}).to_csv(
        "seeds.csv", index=False
    )
    args = ("--seed-labels", "topic") if how == "column" else ("--seed-labels-file", "seeds.csv")
    result = label("--id", "id", *args)
    assert result.exit_code == 2
    source = "the column 'topic'" if how == "column" else "seeds.csv"
    assert f"The seed labels in {source} name fewer than 2 classes" in result.stderr
    assert "--keywords or --descriptions" in result.stderr
    assert "drop --label" not in result.stderr  # the audit's advice does not fit here
    assert not (workdir / "out").exists()


def test_a_misspelt_seed_labels_column_is_named_as_given(workdir, text_frame):
    text_frame.rename(columns={"label": "topic"}).to_csv("data.csv", index=False)
    result = label("--seed-labels", "topik")
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "The seed-label column 'topik' is not in the data." in message
    assert "Did you mean --seed-labels 'topic'?" in message
    assert "--label" not in message
    assert not (workdir / "out").exists()


def test_a_missing_seed_labels_file_is_refused(workdir):
    result = label("--seed-labels-file", "seeds.csv")
    assert result.exit_code == 2
    assert "--seed-labels-file" in result.stderr and "does not exist" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Nothing to label from: give keywords"),
        (("--keywords", "t.yaml", "--descriptions", "t.yaml"), "--keywords or --descriptions"),
    ],
    ids=["no-source", "keywords-and-descriptions"],
)
def test_label_usage_errors(workdir, args, message):
    result = label(*args)
    assert result.exit_code == 2
    assert "Usage:" in result.stderr and message in result.stderr
    assert not (workdir / "out").exists()


def test_label_with_a_bad_keywords_file_fails_before_running(workdir):
    (workdir / "topics.yaml").write_text("sport: [football]\n", encoding="utf-8")
    result = label("--keywords", "topics.yaml")
    assert result.exit_code == 2
    assert "error:" in result.stderr and "at least two topics" in result.stderr
    assert not (workdir / "out").exists()


def test_label_exits_with_an_error_when_the_labeling_fails(workdir):
    (workdir / "topics.yaml").write_text("far: [warp]\nfarther: [quasar]\n", encoding="utf-8")
    result = sift("label", "data.csv", "-o", "out", "--text", "text", "--encoder", "tfidf",
                  "--keywords", "topics.yaml")  # fmt: skip
    assert result.exit_code == 2
    assert "error: The labeling failed: InvalidParameterError: The encoder knows none" in (
        result.stderr
    )
    assert "Labeled" not in result.stdout


def test_label_with_topics_and_no_text_is_an_error(workdir, keywords):
    pd.DataFrame({"size": [float(i % 7) for i in range(30)]}).to_csv("table.csv", index=False)
    result = sift("label", "table.csv", "-o", "out", "--keywords", keywords)
    assert result.exit_code == 2
    assert "error: The keywords are embedded by a text encoder" in result.stderr
    assert "no text column (columns: size)" in result.stderr
    assert not (workdir / "out").exists()


def test_info_names_the_classes_told_apart_by_their_labeled_rows(labeled, workdir):
    summary_path = workdir / "out" / "summary.json"
    summary = json.loads(summary_path.read_text())
    assert summary["labeling"]["confused_classes"] == []  # keywords: no labeled rows
    assert "Told apart" not in sift("info", "out").stdout
    summary["labeling"]["confused_classes"] = [["pullover", "coat", "[shirt]"]]
    summary_path.write_text(json.dumps(summary))
    result = sift("info", "out")
    assert result.exit_code == 0, result.output
    assert (
        "Told apart by their labeled rows, as the graph blurs them: pullover / coat / [shirt]."
        in (" ".join(result.stdout.split()))
    )


def test_like_prints_the_closest_rows(labeled):
    result = sift("like", "out", "r0", "r1", "--top", "3")
    assert result.exit_code == 0, result.output
    assert "row_id" in result.stdout and "similarity" in result.stdout
    body = [line for line in result.stdout.splitlines() if line.startswith("│")]
    assert len(body) == 3  # a line per row: long texts are cut short, not wrapped
    assert {line.split("│")[1].strip() for line in body} <= {f"r{i}" for i in range(2, 20)}
    assert "│ 1.000 " in result.stdout
    assert all(len(line) <= 80 for line in result.stdout.splitlines())  # the test terminal's


def test_a_narrow_terminal_keeps_the_text_and_names_the_columns_left_out(labeled, monkeypatch):
    from siftkit.cli.app import console

    monkeypatch.setattr(console, "width", 50)
    result = sift("like", "out", "r0", "r1", "--top", "3")
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if line.startswith("┃"))
    assert [c.strip() for c in header.strip("┃").split("┃")] == ["row_id", "text"]
    assert all(len(line) <= 50 for line in result.stdout.splitlines())
    note = " ".join(result.stdout.split())
    assert "more columns, too wide for the terminal: similarity_score, predicted_label" in note
    assert "(-o FILE writes them all)" in note


def test_like_writes_a_csv(labeled, workdir):
    result = sift("like", "out", "r0", "r1", "--top", "3", "-o", "new/like.csv")
    assert result.exit_code == 0, result.output  # the folder is made
    assert "Wrote 3 rows to new/like.csv" in result.stdout
    written = pd.read_csv(workdir / "new" / "like.csv")
    assert list(written.columns[:2]) == ["row_id", "similarity_score"]
    assert len(written) == 3 and written["similarity_score"].iloc[0] == 1.0
    assert set(written["row_id"]) <= {f"r{i}" for i in range(2, 20)}  # the sport texts


def test_like_with_integer_row_ids(workdir, keywords, text_frame):
    text_frame.drop(columns=["id"]).to_csv("data.csv", index=False)
    assert label("--keywords", keywords).exit_code == 0
    result = sift("like", "out", "0", "1", "--top", "2", "-o", "like.csv")
    assert result.exit_code == 0, result.output
    assert not {0, 1} & set(pd.read_csv(workdir / "like.csv")["row_id"])
    result = sift("like", "out", "r0")
    assert result.exit_code == 2
    assert "row ids of this run are integers; got 'r0'" in result.stderr


def test_like_refuses_a_top_under_one(labeled):
    for top in ("0", "-3"):
        result = sift("like", "out", "r0", "--top", top)
        assert result.exit_code == 2 and "--top" in result.stderr


def test_like_names_unknown_row_ids(labeled):
    result = sift("like", "out", "r0", "nope")
    assert result.exit_code == 2
    assert "error:" in result.stderr and "Row ids not in this run: nope" in result.stderr


# --------------------------------------------------------------------------- sift report


def test_report_rewrites_the_report_of_a_run(audited, workdir):
    (workdir / "out" / "report.html").unlink()
    result = sift("report", "out")
    assert result.exit_code == 0, result.output
    assert "Report: out/report.html" in result.stdout
    html = (workdir / "out" / "report.html").read_text(encoding="utf-8")
    assert "Map of the data" in html and "Datasheet" in html


def test_report_refuses_a_folder_that_is_no_run(workdir):
    result = sift("report", "nowhere")
    assert result.exit_code == 2
    assert "No run folder" in result.output


def test_report_umap_map_needs_umap_learn(audited):
    import importlib.util

    if importlib.util.find_spec("umap") is not None:
        pytest.skip("umap-learn is installed")
    result = sift("report", "out", "--map", "umap")
    assert result.exit_code == 2
    assert "pip install umap-learn" in result.output


def test_error_messages_keep_square_brackets(workdir):
    (workdir / "bad.yaml").write_text("a: [x\n", encoding="utf-8")
    result = sift("label", "data.csv", "-o", "out", "--encoder", "fake", "--keywords", "bad.yaml")
    assert result.exit_code == 2
    assert "[football, match, league]" in result.output  # not eaten as console markup


def test_a_text_encoder_without_a_text_column_says_how_to_fix_it(workdir):
    pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [3.0, 1.0, 2.0]}).to_csv("numbers.csv", index=False)
    result = sift("audit", "numbers.csv", "-o", "out", "--encoder", "tfidf")
    assert result.exit_code == 2
    assert "--text COLUMN" in result.output


def test_tables_leave_missing_values_blank():
    from siftkit.cli.app import short

    assert [short(v, 10) for v in (None, float("nan"), pd.NA)] == [""] * 3
    assert short(0.5, 10) == "0.500" and short("a  long\ntext here", 8) == "a long …"


def test_a_tables_flagged_rows_show_their_values(workdir):
    import numpy as np

    rng = np.random.default_rng(0)
    table = pd.DataFrame({"height": rng.normal(170, 8, 300).round(1),
                          "weight": rng.normal(70, 9, 300).round(1)})  # fmt: skip
    table.loc[7] = [290.0, 20.0]  # far out
    table.to_csv("table.csv", index=False)
    result = sift("audit", "table.csv", "-o", "out", "--detectors", "outliers")
    assert result.exit_code == 0, result.output
    assert "height=290, weight=20" in result.stdout  # among the top outliers
    rows = read_rows(workdir)
    assert rows["values"][7] == "height=290, weight=20" and rows["is_outlier"][7]
    assert "height=290, weight=20" in (workdir / "out" / "report.html").read_text("utf-8")
    assert sift("export", "out", "--queue", "outliers", "-o", "q.csv").exit_code == 0
    queue = pd.read_csv(workdir / "q.csv")
    assert list(queue.columns[:2]) == ["row_id", "values"] and queue["row_id"][0] == 7


def test_a_query_without_rows_says_so(audited):
    result = sift("query", "out", "select row_id from rows where false")
    assert result.exit_code == 0, result.output
    assert "0 rows" in result.stdout


def test_serve_refuses_a_port_out_of_range(audited):
    result = sift("serve", "out", "--port", "70000")
    assert result.exit_code == 2
    assert "70000 is not in the range 0<=x<=65535" in result.output


def test_like_on_a_run_of_the_examples_alone_says_there_is_nothing_to_rank(workdir):
    pd.DataFrame({"text": ["a lone row of text"]}).to_csv("one.csv", index=False)
    result = sift("audit", "one.csv", "-o", "one", "--encoder", "fake")
    assert result.exit_code == 0, result.output
    liked = sift("like", "one", "0")
    assert liked.exit_code == 0, liked.output
    assert "No other row to rank" in liked.stdout


def test_counts_in_the_summary_table_are_written_with_thousands_separators():
    from siftkit.cli.app import analysis_notes

    labeling = {"status": "ok", "n_predicted": 199_500, "n_given": 500, "n_abstained": 1_234}
    assert analysis_notes(labeling) == "199,500 predicted, 500 given, 1,234 abstained"
    errors = {"status": "ok", "estimated_noise_rate": 0.05, "count": 10_000,
              "n_off_topic": 2_500, "n_conflicting_copies": 1_000}  # fmt: skip
    assert "; 2,500 off-topic; 1,000 conflicting copies" in analysis_notes(errors)
