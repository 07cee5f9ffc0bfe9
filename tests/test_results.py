"""The run folder contract: what ``siftkit.audit(..., output=...)`` writes, and reading it back."""

from __future__ import annotations

import importlib
import json
import re
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from toy_data import FAKE_DIMS, audited_digit_table

import siftkit
from siftkit.detectors import Detector, Result, available_detectors, register_detector
from siftkit.detectors import base as detectors_base
from siftkit.exceptions import DetectorFailedWarning, InvalidParameterError, RunFolderError
from siftkit.neighbors import KnnGraph
from siftkit.report.html import top_examples
from siftkit.results import RUN_FILES

ANALYSES = {
    "duplicates", "near_duplicates", "outliers", "label_errors", "clusters", "empty_rows"
}  # fmt: skip
CONTRACT_COLUMNS = [
    "label_error_score",
    "is_label_error",
    "suggested_label",
    "outlier_score",
    "is_outlier",
    "is_duplicate",
    "near_duplicate_score",
    "is_near_duplicate",
    "duplicate_group",
]
LABEL_COLUMNS = ["label_error_score", "is_label_error", "suggested_label"]


@pytest.fixture
def run(tmp_path, text_frame):
    """A saved audit of ``text_frame`` (ids reversed, so input order != id order)."""
    frame = text_frame.iloc[::-1].reset_index(drop=True)
    result = siftkit.audit(frame, encoder="fake", output=tmp_path / "run")
    return frame, result, tmp_path / "run"


# --------------------------------------------------------------------------- files


def test_run_folder_holds_every_file(run):
    _, result, path = run
    assert sorted(p.name for p in path.iterdir()) == sorted(RUN_FILES)
    assert result.path == path
    for name in RUN_FILES:
        assert (path / name).stat().st_size > 0


def test_no_temp_files_left_behind(run, isolated_cache):
    _, _, path = run
    leftovers = [p.name for p in path.rglob("*") if p.name.startswith(".") or "tmp" in p.name]
    assert leftovers == []
    cached = [p.name for p in isolated_cache.rglob("*") if p.is_file()]
    assert cached, "the fake encoder is cacheable: the cache should hold a shard"
    assert not [name for name in cached if name.startswith(".") or name.endswith(".tmp")]


def test_rows_one_per_input_row_in_input_order(run):
    frame, _, path = run
    rows = pd.read_parquet(path / "rows.parquet")
    assert len(rows) == len(frame)
    assert rows["row_id"].tolist() == frame["id"].tolist()  # the id column, input order
    assert rows["row_id"].iloc[0] == "r60"
    assert rows["text"].tolist() == frame["text"].tolist()
    assert rows["label"].tolist() == frame["label"].tolist()
    for column in CONTRACT_COLUMNS:
        assert column in rows.columns, column


def test_a_split_column_is_kept_for_reading_results_per_split(text_frame):
    frame = text_frame.assign(split=["train", "test"] * 30 + ["train"])
    result = siftkit.audit(frame, encoder="fake", split="split", detectors=["outliers"],
                           progress=False)  # fmt: skip
    assert result.rows["split"].tolist() == frame["split"].tolist()
    answer = result.query("select split, count(*) as n from rows group by 1 order by 1")
    assert answer.to_dict("list") == {"split": ["test", "train"], "n": [30, 31]}


def test_row_id_is_position_without_an_id_column(tmp_path, text_frame):
    frame = text_frame.drop(columns="id").iloc[::-1]
    siftkit.audit(frame, encoder="fake", output=tmp_path / "run")
    rows = pd.read_parquet(tmp_path / "run" / "rows.parquet")
    assert rows["row_id"].tolist() == list(range(len(frame)))
    assert rows["text"].tolist() == frame["text"].tolist()


def test_scores_and_flags_have_contract_types(run):
    _, _, path = run
    rows = pd.read_parquet(path / "rows.parquet")
    scores = [c for c in rows.columns if c.endswith("_score")]
    flags = [c for c in rows.columns if c.startswith("is_")]
    assert set(scores) == {
        "label_error_score", "off_topic_score", "outlier_score", "near_duplicate_score"
    }  # fmt: skip
    assert set(flags) == {
        "is_label_error", "is_off_topic", "is_outlier", "is_duplicate", "is_near_duplicate",
        "is_empty",
    }  # fmt: skip
    for column in scores:
        assert pd.api.types.is_float_dtype(rows[column]), column
        values = rows[column].to_numpy()
        assert np.isfinite(values).all(), column
        assert values.min() >= 0.0 and values.max() <= 1.0, column
    for column in flags:
        assert pd.api.types.is_bool_dtype(rows[column]), column
    assert pd.api.types.is_integer_dtype(rows["duplicate_group"])


def test_rows_flag_the_planted_problems(run):
    _, _, path = run
    rows = pd.read_parquet(path / "rows.parquet").set_index("row_id")
    # r60 repeats r30; the frame is reversed, so r30 is the later copy in input order:
    # only it is flagged, and both share a group
    assert rows.index[rows["is_duplicate"]].tolist() == ["r30"]
    assert rows.loc["r30", "is_near_duplicate"]
    assert not rows.loc["r60", "is_near_duplicate"]
    assert rows.loc["r30", "duplicate_group"] == rows.loc["r60", "duplicate_group"] >= 0
    # r5 is a sport text filed under food
    assert rows.loc["r5", "is_label_error"]
    assert rows.loc["r5", "suggested_label"] == "sport"
    assert rows["is_label_error"].sum() <= 3


def test_summary(run):
    _, result, path = run
    summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["analyses"]) == ANALYSES | {"labeling"}
    for name in ANALYSES:
        assert summary[name]["status"] == "ok", name
        assert "parameters" in summary[name]
    # complete labels and no topics: labeling has nothing to do, and says so
    assert summary["labeling"]["status"] == "skipped"
    assert "every row has a label already" in summary["labeling"]["reason"]
    assert summary["duplicates"]["count"] == 1
    assert summary["label_errors"]["count"] >= 1
    timings = summary["timings"]
    for key in ("embed", "neighbors", "total", *ANALYSES):
        assert isinstance(timings[key], float | int) and timings[key] >= 0, key
    assert timings["total"] >= timings["embed"]
    assert len(summary["input"]["fingerprint"]) == 32
    int(summary["input"]["fingerprint"], 16)  # hex
    assert summary["input"]["n_rows"] == 61
    assert summary["input"]["n_classes"] == 3
    assert summary["input"]["schema"]["id"] == "id"
    assert summary["versions"]["siftkit"] == siftkit.__version__
    assert {"python", "numpy", "pandas"} <= set(summary["versions"])
    assert summary["encoder"]["id"] == "fake"
    assert summary["encoder"]["n_dims"] == FAKE_DIMS
    assert summary["siftkit_version"] == siftkit.__version__
    assert summary == json.loads(json.dumps(result.summary, default=str))


def test_embeddings_and_neighbors_files(run):
    frame, result, path = run
    vectors = np.load(path / "embeddings.npy")
    assert vectors.shape == (len(frame), FAKE_DIMS)
    assert vectors.dtype == np.float32
    np.testing.assert_array_equal(vectors, result.embeddings)
    graph = KnnGraph.load(path / "neighbors.npz")
    assert graph.indices.shape == (len(frame), 20)
    np.testing.assert_array_equal(graph.indices, result.graph.indices)
    np.testing.assert_allclose(graph.similarities, result.graph.similarities)


def test_report_is_self_contained_html(run):
    _, _, path = run
    html = (path / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert "Label errors" in html and "Exact duplicates" in html
    for section in (
        "Datasheet",
        "Map of the data",
        "<svg",
        "Categories",
        "Noise matrix",
        "noise rate, 95% interval",
        "nearest neighbours",
    ):
        assert section in html, section
    assert "<script" not in html.lower()
    assert "http://" not in html and "https://" not in html
    # the cards' numbers in words, shares in percent
    assert re.search(r"<b>\d+\.\d%</b><span class=\"muted\">estimated noise rate</span>", html)
    assert "n groups" not in html and "n conflicting copies" not in html
    assert "flagged at most (the estimate plus one standard error)" in html
    assert "far from their neighbours without the labels" in html  # outliers judged by class


def test_the_datasheet_says_which_columns_were_embedded() -> None:
    """Beside a text column, a table's numbers are not embedded (the text is); without one,
    they are."""
    from siftkit.report.sections import datasheet

    schema = {"text": "body", "label": "y", "numeric": ["length"], "ignored": ["title"]}
    text_run = {"input": {"n_rows": 3, "schema": schema}, "encoder": {"id": "minilm"}}
    html = datasheet(text_run, pd.DataFrame())
    assert "body (text), y (label), length (numeric, not embedded), title (ignored)" in html
    table_run = {"input": {"n_rows": 3, "schema": {"label": "y", "numeric": ["length"]}},
                 "encoder": {"id": "tabular"}}  # fmt: skip
    assert "length (numeric)<" in datasheet(table_run, pd.DataFrame())
    assert "more than one way" not in html


def test_the_datasheet_names_classes_written_two_ways() -> None:
    from siftkit.report.sections import datasheet

    rows = pd.DataFrame({"label": ["spam"] * 3 + ["Spam", "ham", "ham"]})
    html = datasheet({"input": {"n_rows": 6}}, rows)
    assert "<th>classes written more than one way</th><td>spam (3) / Spam (1)</td>" in html
    assert "HTML markup" not in html and "joining" not in html
    joined = datasheet({}, pd.DataFrame({"label": ["a", "b", "a|b", "a"]}))
    assert "<th>labels joining classes</th><td>a|b (1)</td>" in joined
    marked = datasheet({"input": {"n_rows": 6, "markup_rows": 1200}}, rows)
    assert "<th>HTML markup</th><td>read as plain text in 1,200 rows" in marked


def test_the_datasheet_counts_the_rows_of_each_split() -> None:
    from siftkit.report.sections import datasheet

    rows = pd.DataFrame({"split": ["train", "test", "train", None, "train"]})
    html = datasheet({"input": {"n_rows": 5}}, rows)
    assert "<th>splits (2)</th><td>train (3), test (1), none (1)</td>" in html
    assert "splits" not in datasheet({"input": {"n_rows": 5}}, pd.DataFrame({"label": ["a"]}))


def test_report_counts_near_duplicates_apart_from_the_exact_copies_and_shows_them_first(run):
    _, _, path = run
    summary = json.loads((path / "summary.json").read_text())
    near = summary["near_duplicates"]
    assert near["exact_copies"] == summary["duplicates"]["count"] == 1  # r30, a copy of r60
    html = (path / "report.html").read_text(encoding="utf-8")
    more = near["count"] - 1
    assert f"<td>1 exact, {more} more near</td>" in html
    assert '<b>1</b><span class="muted">of them exact copies</span>' in html
    rows = pd.DataFrame({
        "row_id": ["a", "b", "c"], "text": ["x", "y", "z"],
        "is_near_duplicate": [True, True, True], "is_duplicate": [True, False, False],
        "near_duplicate_score": [1.0, 0.97, 0.99],
    })  # fmt: skip
    shown = top_examples(rows, "is_near_duplicate", "near_duplicate_score")
    assert shown["row_id"].tolist() == ["c", "b", "a"]


def test_report_shows_the_tree_of_categories_down_to_the_chosen_level(tmp_path):
    from sklearn.datasets import load_digits

    digits = load_digits()
    frame = pd.DataFrame(digits.data[:600], columns=[f"p{i}" for i in range(64)])
    run = siftkit.discover_categories(frame, output=tmp_path / "run", progress=False)
    hierarchy = run.summary["clusters"]["hierarchy"]
    chosen = next(i for i, level in enumerate(hierarchy) if level["chosen"])
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert chosen >= 1 and "<h3>Tree</h3>" in html
    tree = html[html.index('<ul class="tree">') :]
    for category in hierarchy[chosen]["categories"]:  # every chosen category, as a leaf
        assert f"<li>{category['id']}: " in tree
    assert tree.count("<li>") <= sum(level["n_categories"] for level in hierarchy[: chosen + 1])


def test_the_reports_tree_skips_a_group_of_one_category() -> None:
    from siftkit.report.html import _tree

    def level(chosen, *categories):  # noqa: ANN001, ANN002, ANN202
        return {"chosen": chosen, "n_categories": len(categories), "categories": [
            {"id": i, "parent": p, "size": s, "name": n} for i, (p, s, n) in enumerate(categories)
        ]}  # fmt: skip

    hierarchy = [
        level(False, (-1, 30, "animals and plants"), (-1, 7, "bones")),
        level(True, (0, 20, "animals"), (0, 10, "plants"), (1, 7, "bones")),
    ]
    tree = _tree(hierarchy)
    assert "animals and plants" in tree and "<li>2: bones" in tree
    assert tree.count("bones") == 1  # not "bones (7)" above "2: bones (7)"


def test_the_reports_label_mix_and_seconds_read_as_numbers_people_write() -> None:
    from siftkit.report.html import _predicted_mix, _seconds

    rows = pd.DataFrame({"cluster": [0] * 300, "predicted_label": ["a"] * 298 + ["b", "c"]})
    assert _predicted_mix(rows) == {0: "a 99%, b <1%, c <1%"}
    assert [_seconds(t) for t in (0.3712, 10.008, 1284.4, None)] == ["0.37", "10.0", "1,284", None]


def test_the_reports_row_ids_stay_on_one_line() -> None:
    """Beside a long text, "11374952-n" broke at its hyphen into two lines."""
    from siftkit.report.html import _table

    html = _table(pd.DataFrame({"rank": [1], "row_id": ["11374952-n"], "text": ["a " * 200]}))
    assert '<td class="id">11374952-n</td>' in html and '<td class="text">' in html


def test_the_labels_card_writes_every_notes_code_as_code(tmp_path, text_frame) -> None:
    """The note on where the labels came from named `other` with its backticks showing."""
    frame = text_frame.copy()
    frame["seed"] = None
    frame.loc[:3, "seed"] = ["other", "other", "sport", "sport"]
    run = siftkit.label_rows(frame, text="text", id="id", label=False, seed_labels="seed",
                             keywords={"sport": ["match"], "food": ["soup"]}, other=True,
                             encoder="fake", output=tmp_path / "run", progress=False)  # fmt: skip
    from siftkit.detectors.labeling import source_note

    assert "2 of them `other`" in source_note(run.summary["labeling"])
    card = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "2 of them <code>other</code>" in card and "`" not in card.split("Labels")[-1]


def test_report_tables_give_running_text_room_and_scroll_when_wide(run):
    _, _, path = run
    html = (path / "report.html").read_text(encoding="utf-8")
    assert "<th>label_<wbr>error_<wbr>score</th>" in html  # long names may break
    assert '<td class="text">' in html and "td.text{min-width:200px" in html
    tables = html.count("<table>")
    assert html.count('<div class="scroll"><table>') == tables > 0


def test_map_is_saved_and_read_back(run):
    frame, result, path = run
    saved = np.load(path / "map.npy")
    assert saved.shape == (len(frame), 2)
    np.testing.assert_array_equal(siftkit.open(path).map, saved)


def test_write_report_rewrites_report_and_map(run):
    _, _, path = run
    (path / "report.html").unlink()
    (path / "map.npy").unlink()
    written = siftkit.open(path).write_report()
    assert written == path / "report.html" and written.exists()
    assert (path / "map.npy").exists()


# --------------------------------------------------------------------------- re-opening


def test_open_reads_without_recomputing(run, fake_encoder, monkeypatch):
    _, result, path = run
    # siftkit.audit names the function; the module is only reachable through importlib
    audit_module = importlib.import_module("siftkit.audit")

    def boom(*args, **kwargs):
        raise AssertionError("open must not recompute")

    monkeypatch.setattr(audit_module, "embed_dataset", boom)
    monkeypatch.setattr(audit_module, "build_graph", boom)
    opened = siftkit.open(path)
    assert fake_encoder.calls == []
    assert opened.path == path
    pd.testing.assert_frame_equal(opened.rows, result.rows, check_dtype=False)
    assert opened.summary == json.loads(json.dumps(result.summary, default=str))
    assert opened.analyses == result.analyses
    np.testing.assert_array_equal(np.asarray(opened.embeddings), result.embeddings)
    np.testing.assert_array_equal(opened.graph.indices, result.graph.indices)
    assert opened.graph.k == result.graph.k
    assert "path=" in repr(opened)


def test_open_accepts_str_path(run):
    _, _, path = run
    assert len(siftkit.open(str(path)).rows) == 61


def test_query_with_duckdb(run):
    _, result, path = run
    opened = siftkit.open(path)
    assert opened.query("select count(*) as n from rows")["n"].tolist() == [61]
    flagged = opened.query("select row_id from rows where is_duplicate")
    assert flagged["row_id"].tolist() == ["r30"]  # the later copy in (reversed) input order
    by_label = opened.query("select label, count(*) as n from rows group by label order by label")
    assert by_label.to_dict("list") == {"label": ["food", "sport", "tech"], "n": [22, 19, 20]}
    # the in-memory result answers the same
    assert result.query("select count(*) as n from rows where is_label_error")["n"].iloc[0] >= 1


def test_whole_number_labels_with_gaps_read_back_as_whole_numbers(tmp_path):
    """Labels 1 and 2 beside unlabeled rows are whole numbers in rows.parquet; pandas would
    read them back as floats (``1.0``), the explorer, queries and exports showing those."""
    opened = audited_digit_table(tmp_path)
    assert str(opened.rows["label"].dtype) == "Int64"
    assert opened.rows["label"].iloc[:3].tolist()[::2] == [1, 2]
    assert opened.rows["label"].isna().sum() == 20
    answer = opened.query("select label, typeof(label) as kind from rows where label = 2 limit 1")
    assert answer.to_dict("list") == {"label": [2], "kind": ["BIGINT"]}
    assert str(opened.rows["outlier_score"].dtype) == "float64"  # other columns as they were


def test_open_rejects_non_run_folders(tmp_path):
    with pytest.raises(RunFolderError, match="No run folder"):
        siftkit.open(tmp_path / "missing")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "rows.parquet").write_bytes(b"x")
    with pytest.raises(RunFolderError, match="lacks summary.json"):
        siftkit.open(tmp_path / "half")
    (tmp_path / "elsewhere").mkdir()  # a folder of something else: not an interrupted run
    with pytest.raises(RunFolderError, match="holds no siftkit run .* `sift audit -o`"):
        siftkit.open(tmp_path / "elsewhere")


def test_a_run_missing_its_graph_or_embeddings_says_so(run, tmp_path):
    import shutil

    _, _, path = run
    for name in ("neighbors.npz", "embeddings.npy"):
        copy = shutil.copytree(path, tmp_path / name)
        (copy / name).unlink()
        opened = siftkit.open(copy)
        with pytest.raises(RunFolderError, match=f"lacks {name}"):
            _ = opened.graph if name == "neighbors.npz" else opened.embeddings


def test_queries_that_fail_or_answer_nothing_say_so(run):
    opened = siftkit.open(run[2])
    with pytest.raises(InvalidParameterError, match="The SQL failed.*its columns are: row_id"):
        opened.query("select nope from rows")
    with pytest.raises(InvalidParameterError, match="gives no table"):
        opened.query(" ")


def test_mixed_id_types_are_kept_as_text(tmp_path, text_frame):
    frame = text_frame.copy()
    frame["id"] = [i if i % 2 else f"r{i}" for i in range(len(frame))]  # JSON Lines may
    siftkit.audit(frame, encoder="fake", id="id", output=tmp_path / "run", progress=False)
    ids = siftkit.open(tmp_path / "run").rows["row_id"]
    assert ids.tolist()[:3] == ["r0", "1", "r2"]


def test_unsaved_audit_keeps_everything_in_memory(text_frame):
    result = siftkit.audit(text_frame, encoder="fake")
    assert result.path is None
    assert result.embeddings.shape == (61, FAKE_DIMS)
    assert result.graph.indices.shape == (61, 20)


# --------------------------------------------------------------------------- failing detectors


class Exploding(Detector):
    name = "exploding"
    requires = ()
    columns: ClassVar[tuple[str, ...]] = ("exploding_score",)

    def run(self, context):
        raise RuntimeError("kaboom in the detector")


class OutOfRange(Detector):
    name = "out_of_range"
    requires = ()
    columns: ClassVar[tuple[str, ...]] = ("out_of_range_score",)

    def run(self, context):
        return Result(columns={"out_of_range_score": np.full(context.n_rows, 2.0)})


@pytest.fixture
def private_registry(monkeypatch):
    """Only the built-in detectors, and registrations made in a test vanish after it."""
    builtin = {name: detectors_base._DETECTORS[name] for name in sorted(ANALYSES)}
    monkeypatch.setattr(detectors_base, "_DETECTORS", builtin)


def _check_failed_run(result, name, fragment):
    summary = result.summary
    assert summary[name]["status"] == "failed"
    assert fragment in summary[name]["error"]
    assert "traceback" in summary[name]
    for other in ANALYSES:
        assert summary[other]["status"] == "ok", other
    assert f"{name}_score" not in result.rows.columns
    assert "is_duplicate" in result.rows.columns and "outlier_score" in result.rows.columns


def test_failing_detector_instance_is_recorded(tmp_path, text_frame):
    detectors = [
        "duplicates",
        "empty_rows",
        Exploding(),
        "near_duplicates",
        "outliers",
        "label_errors",
        "clusters",
    ]
    with pytest.warns(DetectorFailedWarning, match="exploding"):
        result = siftkit.audit(
            text_frame, encoder="fake", detectors=detectors, output=tmp_path / "run"
        )
    _check_failed_run(result, "exploding", "RuntimeError: kaboom in the detector")
    saved = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert saved["exploding"]["status"] == "failed"
    assert "exploding" in saved["timings"]
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "kaboom in the detector" in html


def test_failing_registered_detector(private_registry, text_frame):
    register_detector(Exploding)
    assert "exploding" in available_detectors()
    with pytest.warns(DetectorFailedWarning):
        result = siftkit.audit(text_frame, encoder="fake")
    assert set(result.analyses) == ANALYSES | {"exploding"}
    _check_failed_run(result, "exploding", "kaboom")


def test_registry_is_clean_after_registering_tests():
    assert "exploding" not in available_detectors()
    assert ANALYSES <= set(available_detectors())


def test_detector_breaking_the_contract_is_failed(text_frame):
    with pytest.warns(DetectorFailedWarning, match="InvalidResultError"):
        result = siftkit.audit(
            text_frame, encoder="fake", detectors=[*sorted(ANALYSES), OutOfRange()]
        )
    _check_failed_run(result, "out_of_range", "must lie in [0, 1]")


# --------------------------------------------------------------------------- no labels


@pytest.mark.parametrize("how", ["no_column", "label_false"])
def test_label_errors_skipped_without_labels(tmp_path, text_frame, how):
    if how == "no_column":
        frame, kwargs = text_frame.drop(columns="label"), {}
    else:
        frame, kwargs = text_frame, {"label": False}
    result = siftkit.audit(frame, encoder="fake", output=tmp_path / "run", **kwargs)
    entry = result.summary["label_errors"]
    assert entry["status"] == "skipped"
    assert "needs labels" in entry["reason"] and "--label" in entry["reason"]
    rows = pd.read_parquet(tmp_path / "run" / "rows.parquet")
    for column in [*LABEL_COLUMNS, "label"]:
        assert column not in rows.columns, column
    for other in ANALYSES - {"label_errors"}:
        assert result.summary[other]["status"] == "ok"
    assert result.summary["input"]["n_classes"] is None
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "Skipped:" in html


# --------------------------------------------------------------------------- report escaping


def test_report_escapes_data_strings(tmp_path, text_frame):
    evil = "<script>alert(1)</script>"
    frame = text_frame.copy()
    frame.loc[10, "text"] = f"football {evil} goal"
    frame.loc[61] = {"id": "<b>r61</b>", "text": f"football {evil} goal", "label": "sport"}
    siftkit.audit(frame, encoder="fake", output=tmp_path / "run")
    rows = pd.read_parquet(tmp_path / "run" / "rows.parquet")
    assert rows.loc[rows["row_id"] == "<b>r61</b>", "is_duplicate"].item()
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, escaped
    assert evil not in html
    assert "<script" not in html.lower()
    assert "&lt;b&gt;r61&lt;/b&gt;" in html and "<b>r61</b>" not in html


def test_report_neighbours_of_unlabeled_rows_carry_no_label(tmp_path):
    from siftkit.report.html import _with_neighbours

    rows = pd.DataFrame({"row_id": [0, 1, 2], "text": ["a b", "c d", "e f"],
                         "label": ["x", None, np.nan]})  # fmt: skip
    graph = KnnGraph(indices=np.array([[1, 2], [0, 2], [0, 1]]),
                     similarities=np.full((3, 2), 0.9, dtype=np.float32), method="exact",
                     recall=1.0)  # fmt: skip
    shown = _with_neighbours(rows.iloc[[0, 1]], rows, graph)["nearest neighbours"].tolist()
    assert shown == ["c d | e f", "x: a b | e f"]


def test_embeddings_given_as_a_list_of_lists(text_frame):
    vectors = np.random.default_rng(0).normal(size=(len(text_frame), 6))
    as_list = siftkit.audit(text_frame, embeddings=vectors.tolist(), detectors=["outliers"],
                            progress=False)  # fmt: skip
    as_array = siftkit.audit(text_frame, embeddings=vectors, detectors=["outliers"],
                             progress=False)  # fmt: skip
    assert as_list.summary["run"] == as_array.summary["run"]
    np.testing.assert_allclose(as_list.rows["outlier_score"], as_array.rows["outlier_score"])


def test_progress_names_each_stage_after_embedding(text_frame, monkeypatch):
    """Building the graph and the analyses run without steps to count: a bar over the stages
    says which one runs, so a long audit does not look hung."""
    from contextlib import contextmanager

    from siftkit import _progress

    bars, stages = [], []

    class Drawn:
        def update(self, task, completed, description):  # noqa: ANN001, ANN202, ARG002
            stages.append((completed, description))

        def advance(self, task, n):  # noqa: ANN001, ANN202
            pass

    @contextmanager
    def drawn(total, description, enabled):  # noqa: ANN001, ANN202
        bars.append((description, total, enabled))
        yield Drawn(), 0

    monkeypatch.setattr(_progress, "_bar", drawn)
    siftkit.audit(text_frame, encoder="fake", detectors=["outliers", "duplicates"],
                  progress=True, use_cache=False)  # fmt: skip
    assert bars[-1] == ("Analysing", 3, True)
    assert stages == [(0, "Analysing: neighbours"), (1, "Analysing: outliers"),
                      (2, "Analysing: duplicates")]  # fmt: skip


def test_a_query_reads_the_rows_and_touches_no_file(run, tmp_path):
    _, audit, _ = run
    with pytest.raises(InvalidParameterError, match="file system operations are disabled"):
        audit.query(f"copy (select row_id from rows) to '{tmp_path / 'out.csv'}'")
    assert not (tmp_path / "out.csv").exists()
    assert len(audit.query("select row_id from rows")) == len(audit.rows)
