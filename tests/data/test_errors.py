"""Bad inputs get a clear error: the right exception class, the problem, and the fix."""

from __future__ import annotations

import gzip
import json
import sys
import warnings
import zipfile
from contextlib import closing

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sample_texts import TEXTS

import siftkit
from siftkit.cli import main
from siftkit.data import load
from siftkit.detectors import get_detector
from siftkit.exceptions import (
    ColumnInferenceWarning,
    ColumnNotFoundError,
    DataFileNotFoundError,
    DuplicateIdError,
    EmbeddingsError,
    EmptyDatasetError,
    EmptyTextError,
    InvalidParameterError,
    MissingExtraError,
    MissingLabelsError,
    OutputExistsError,
    RunFolderError,
    ShrunkNeighborsWarning,
    SiftError,
    SingleClassError,
    TruncatedFileWarning,
    UnreadableDataError,
)


def audit(data, **kwargs):
    kwargs.setdefault("encoder", "fake")
    return siftkit.audit(data, **kwargs)


# --------------------------------------------------------------------------- files


def test_missing_file(tmp_path):
    path = tmp_path / "nothere.csv"
    with pytest.raises(DataFileNotFoundError) as info:
        load(path)
    message = str(info.value)
    assert "No such file or folder" in message
    assert str(path) in message
    assert "Check the path" in message
    assert isinstance(info.value, FileNotFoundError)  # the builtin a user would catch
    assert isinstance(info.value, SiftError)


def test_missing_file_suggests_a_close_sibling(tmp_path):
    (tmp_path / "train.csv").write_text("text\nhello there friend\n", encoding="utf-8")
    with pytest.raises(DataFileNotFoundError, match="Did you mean") as info:
        load(tmp_path / "trian.csv")
    assert "train.csv" in str(info.value)
    # names alike only in their suffix are no typo of each other
    (tmp_path / "wn_noisy_truth.csv").write_text("text\nhello\n", encoding="utf-8")
    with pytest.raises(DataFileNotFoundError) as info:
        load(tmp_path / "nosuch.csv")
    assert "Did you mean" not in str(info.value)


def test_missing_file_in_missing_folder(tmp_path):
    with pytest.raises(DataFileNotFoundError, match="does not exist either"):
        load(tmp_path / "nofolder" / "data.csv")


@pytest.mark.parametrize("url", ["https://example.com/data.csv", "s3://bucket/part-0.parquet",
                                 "hf://datasets/imdb"])  # fmt: skip
def test_a_url_is_refused_as_one_not_as_a_missing_folder(url):
    """It read "No such file or folder: 'https:/example.com/data.csv'": no network is read."""
    with pytest.raises(UnreadableDataError, match=r"is a URL: siftkit reads local files and "
                       r"folders, and never the network\. Download it first"):  # fmt: skip
        load(url)
    result = CliRunner().invoke(main, ["audit", url, "-o", "out"])
    assert result.exit_code == 2 and f"'{url}' is a URL" in result.output


def test_invalid_json_line(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "fine row"}\n{"text": oops}\n', encoding="utf-8")
    with pytest.raises(UnreadableDataError) as info:
        load(path)
    message = str(info.value)
    assert "JSON Lines" in message
    assert "line 2 is not valid JSON" in message
    assert "fix or remove that line" in message
    assert isinstance(info.value, ValueError)
    cut = '{"text": "fine row"}\n{"text": "cut off}\n{"text": "fine"}\n'  # cut short mid-file
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(UnreadableDataError, match=r"line 2 .*\(Invalid control character at col"):
        load(path)


def test_json_line_that_is_not_an_object(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "fine row"}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(UnreadableDataError, match="line 2 holds a list, not an object"):
        load(path)


def test_garbage_parquet(tmp_path):
    path = tmp_path / "data.parquet"
    path.write_bytes(b"\x00\x01garbage, not parquet at all\xff" * 10)
    with pytest.raises(UnreadableDataError) as info:
        load(path)
    message = str(info.value)
    assert "Could not read" in message and "as PARQUET" in message
    assert str(path) in message
    assert "re-export it or rename it" in message


def test_unknown_suffix(tmp_path):
    path = tmp_path / "data.xyz"
    path.write_bytes(b"whatever")
    with pytest.raises(UnreadableDataError) as info:
        load(path)
    message = str(info.value)
    assert "Cannot tell the format" in message
    assert "'.xyz'" in message and "also compressed" in message
    assert ".csv" in message and ".parquet" in message  # what is expected
    assert "Rename the file" in message


def test_folder_without_text_files(tmp_path):
    (tmp_path / "cats").mkdir()
    (tmp_path / "cats" / "a.md").write_text("meow", encoding="utf-8")
    with pytest.raises(UnreadableDataError, match="holds no .txt files and no tables"):
        load(tmp_path)
    for name in ("1.jpg", "2.PNG"):
        (tmp_path / "cats" / name).write_bytes(b"\xff\xd8\xff")
    with pytest.raises(UnreadableDataError, match=r"holds 2 image files and no .txt file or "
                       r"table\. "
                       r"siftkit reads no images.*--embeddings FILE\.npy"):  # fmt: skip
        load(tmp_path)


def test_non_utf8_text_file(tmp_path):
    (tmp_path / "cats").mkdir()
    (tmp_path / "cats" / "a.txt").write_bytes(b"caf\xe9 au lait")
    with pytest.raises(UnreadableDataError, match="Convert the file to UTF-8"):
        load(tmp_path)


def test_unsupported_in_memory_type():
    with pytest.raises(UnreadableDataError, match="Cannot read data of type builtins.int"):
        load(42)


# --------------------------------------------------------------------------- columns


@pytest.mark.parametrize(
    ("kwargs", "role", "guess"),
    [
        ({"label": "lable"}, "label", "label"),
        ({"text": "txt"}, "text", "text"),
        ({"id": "ID_"}, "id", "id"),
    ],
)
def test_unknown_column_suggests_the_closest(kwargs, role, guess):
    frame = pd.DataFrame({"id": [1, 2, 3], "text": TEXTS[:3], "label": ["a", "b", "a"]})
    with pytest.raises(ColumnNotFoundError) as info:
        load(frame, **kwargs)
    message = str(info.value)
    assert f"The {role} column {next(iter(kwargs.values()))!r} is not in the data" in message
    assert f"Did you mean --{role} {guess!r}?" in message
    assert "The data has the columns: id, text, label." in message
    assert isinstance(info.value, KeyError)
    assert not message.startswith('"')  # not quoted the way KeyError quotes its message


def test_unknown_column_with_nothing_close_lists_the_columns():
    frame = pd.DataFrame({"text": TEXTS[:3], "label": ["a", "b", "a"]})
    with pytest.raises(ColumnNotFoundError) as info:
        audit(frame, label="zzzzzz")
    assert "Did you mean" not in str(info.value)
    assert "columns: text, label" in str(info.value)


# --------------------------------------------------------------------------- emptiness


def test_csv_with_header_only(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("id,text,label\n", encoding="utf-8")
    with pytest.raises(EmptyDatasetError) as info:
        load(path)
    message = str(info.value)
    assert "has no rows" in message
    assert str(path) in message
    assert "Check the file is not empty" in message


def test_empty_dataframe_and_empty_list():
    with pytest.raises(EmptyDatasetError, match="has no rows"):
        audit(pd.DataFrame({"text": pd.Series([], dtype=object)}))
    with pytest.raises(EmptyDatasetError):
        load(np.empty((0, 3)))


def test_one_dimensional_numpy_data():
    with pytest.raises(EmptyDatasetError, match=r"must be 2-D .* Reshape it"):
        load(np.arange(5.0))


def test_no_column_to_analyse():
    frame = pd.DataFrame({"id": ["a", "b", "c"], "label": ["x", "y", "x"]})
    with pytest.raises(EmptyDatasetError) as info:
        audit(frame, encoder=None, k=2)
    message = str(info.value)
    assert "no column to analyse (columns: id, label)" in message
    assert "precomputed embeddings" in message
    # ...which is the fix: with vectors, the same data audits fine
    result = audit(frame, encoder=None, k=2, embeddings=np.eye(3))
    assert result.rows["row_id"].tolist() == ["a", "b", "c"]


@pytest.mark.parametrize("suffix", [".xls", ".ods"])
def test_other_spreadsheets_are_refused_with_how_to_save_them(tmp_path, suffix):
    path = tmp_path / f"sheet{suffix}"
    path.write_bytes(b"not read")
    with pytest.raises(
        UnreadableDataError, match=rf"does not read \{suffix} spreadsheets.*as \.xlsx or as CSV"
    ):
        load(path)


def test_excel_without_openpyxl_names_the_extra(tmp_path, monkeypatch):
    path = tmp_path / "sheet.xlsx"
    pd.DataFrame({"text": ["a cat", "a dog"]}).to_excel(path, index=False)
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if not installed
    with pytest.raises(MissingExtraError, match=r"needs openpyxl: pip install 'siftkit\[excel\]'"):
        load(path)


def test_text_column_empty_in_every_row():
    frame = pd.DataFrame({"text": ["", "   ", None, "\n"], "label": ["a", "b", "a", "b"]})
    with pytest.raises(EmptyTextError) as info:
        audit(frame, text="text")
    message = str(info.value)
    assert "'text' is empty in all 4 rows" in message
    assert "--text" in message


def test_text_column_of_placeholders_and_punctuation_is_empty():
    # blank as the encoders see it: nothing here would embed to anything
    frame = pd.DataFrame({"text": ["N/A", "???", " - ", "null"], "label": ["a", "b", "a", "b"]})
    with pytest.raises(EmptyTextError) as info:
        audit(frame, text="text")
    assert "'text' is empty in all 4 rows" in str(info.value)
    assert "placeholder such as N/A" in str(info.value)
    # named like text, such a column is still found as the text column, and refused as empty
    with pytest.raises(EmptyTextError, match="'text' is empty in all 4 rows"):
        audit(frame)


def test_text_column_empty_in_some_rows_is_fine():
    frame = pd.DataFrame({"text": ["", TEXTS[0], TEXTS[1]]})
    assert load(frame, text="text").texts == ["", TEXTS[0], TEXTS[1]]


# --------------------------------------------------------------------------- labels


@pytest.fixture
def frame_missing_labels(text_frame):
    frame = text_frame.copy()
    frame.loc[[3, 17, 42], "label"] = None
    return frame


def test_missing_labels_lists_the_row_ids(frame_missing_labels):
    with pytest.raises(MissingLabelsError) as info:
        audit(frame_missing_labels, label="label")
    message = str(info.value)
    assert "3 of 61 rows have no value in the label column 'label'" in message
    assert "['r3', 'r17', 'r42']" in message
    assert "--allow-missing-labels" in message and "allow_missing_labels=True" in message


def test_missing_labels_of_exactly_one_split_name_it(text_frame):
    """A test split left unlabeled (the common case) is named; a scatter of gaps is not."""
    frame = text_frame.copy()
    frame["split"] = np.where(np.arange(len(frame)) < 50, "train", "test")
    frame.loc[50:, "label"] = None
    with pytest.raises(MissingLabelsError, match="11 of 61 rows .*, every row of the split 'test'"):
        audit(frame, label="label", split="split")
    frame.loc[3, "label"] = None
    with pytest.raises(MissingLabelsError) as info:
        audit(frame, label="label", split="split")
    assert "split" not in str(info.value).split(";")[0]


def test_missing_labels_are_detected_when_inferred_too(frame_missing_labels):
    with pytest.raises(MissingLabelsError, match="r17"):
        audit(frame_missing_labels)


def test_blank_string_labels_count_as_missing(text_frame):
    frame = text_frame.copy()
    frame.loc[8, "label"] = "  "
    with pytest.raises(MissingLabelsError, match=r"\['r8'\]"):
        load(frame).require_labels()


def test_require_labels_lists_row_ids(frame_missing_labels):
    dataset = load(frame_missing_labels)
    with pytest.raises(MissingLabelsError, match=r"\['r3', 'r17', 'r42'\]"):
        dataset.require_labels()
    labels = dataset.require_labels(allow_missing=True)
    assert np.flatnonzero(labels.missing).tolist() == [3, 17, 42]


def test_require_labels_without_a_label_column():
    dataset = load(pd.DataFrame({"text": TEXTS}))
    with pytest.raises(MissingLabelsError) as info:
        dataset.require_labels()
    assert "no label column was found" in str(info.value)
    assert "--label COLUMN" in str(info.value)


def test_missing_labels_uses_positions_without_an_id_column():
    frame = pd.DataFrame({"text": TEXTS, "label": ["a", None, "b", "a", None, "b"]})
    with pytest.raises(MissingLabelsError, match=r"their row ids: \[1, 4\]"):
        load(frame).require_labels()


def test_allow_missing_labels(frame_missing_labels):
    result = audit(frame_missing_labels, label="label", allow_missing_labels=True)
    rows = result.rows.set_index("row_id")
    assert result.summary["label_errors"]["status"] == "ok"
    assert result.summary["label_errors"]["n_unlabeled"] == 3
    unlabeled = rows.loc[["r3", "r17", "r42"]]
    assert not unlabeled["is_label_error"].any()
    assert (unlabeled["label_error_score"] == 0.0).all()
    assert unlabeled["label"].isna().all()
    # no label, no mend to suggest: their label is the labeling analysis's prediction
    assert unlabeled["suggested_label"].isna().all()
    assert (unlabeled["suggestion_confidence"] == 0.0).all()
    assert unlabeled["predicted_label"].notna().all()
    assert (unlabeled["label_source"] == "propagated").all()


def test_single_class(text_frame):
    frame = text_frame.assign(label="sport")
    with pytest.raises(SingleClassError) as info:
        audit(frame, label="label")
    message = str(info.value)
    assert "holds a single class ('sport')" in message
    assert "at least 2 classes" in message
    assert "--no-label (Python: label=False)" in message


def test_single_numeric_class(text_frame):
    with pytest.raises(SingleClassError, match=r"holds a single class \(7\)"):
        load(text_frame.assign(label=7)).require_labels()


def test_a_label_column_of_one_row_per_class_is_questioned():
    frame = pd.DataFrame({"x": np.arange(400.0), "name": [f"n{i}" for i in range(400)]})
    frame["name"] = frame["name"].where(frame.index % 2 == 0)  # 200 classes of one row
    with pytest.warns(ColumnInferenceWarning, match="'name' names 200 classes, and 200 of"):
        load(frame, label="name").require_labels(allow_missing=True)
    with pytest.warns(ColumnInferenceWarning, match="not a measurement"):
        load(frame[["x"]].assign(size=frame["x"] / 7), label="size").require_labels()
    heights = np.random.default_rng(0).normal(170, 10, 500).round(1)  # 267 values, 135 alone
    with pytest.warns(ColumnInferenceWarning, match="names 267 classes.*not a measurement"):
        load(
            pd.DataFrame({"x": np.arange(500.0), "height": heights}), label="height"
        ).require_labels()
    one_each = frame.assign(name=np.where(frame.index < 100, frame.index % 100, None))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 100 classes, one labeled row each: as meant
        load(one_each, label="name").require_labels(allow_missing=True)


def test_a_class_written_two_ways_is_questioned():
    """'Spam' and 'spam' are two classes (the user may mean them so), but the audit says so:
    otherwise their rows read as each other's label errors."""
    from siftkit.data.dataset import label_variants
    from siftkit.exceptions import LabelVariantsWarning

    assert label_variants(["Sci-Fi", "drama", "sci fi", "SCI_FI", "Drama", "c++", "c", 7]) == [
        ["Sci-Fi", "sci fi", "SCI_FI"], ["drama", "Drama"]]  # fmt: skip
    assert label_variants(["cafe\u0301", "caf\u00e9"]) == [["cafe\u0301", "caf\u00e9"]]
    assert label_variants(["noun.food", "noun_food", "cat", "cats"]) == []
    frame = pd.DataFrame({"x": np.arange(9.0), "y": ["spam"] * 5 + ["Spam"] * 2 + ["ham"] * 2})
    with pytest.warns(LabelVariantsWarning, match=r"'spam' \(5 rows\) and 'Spam' \(2 rows\)\."):
        labels = load(frame, label="y").require_labels()
    assert labels.classes.tolist() == ["Spam", "ham", "spam"]  # not merged: the user's labels
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load(frame.assign(y=frame["y"].str.lower()), label="y").require_labels()


def test_labels_joining_classes_are_questioned():
    from siftkit.data.dataset import combined_labels
    from siftkit.exceptions import LabelVariantsWarning

    assert combined_labels(["news", "sports", "sports|news", "news, sports", "a/b", "R&D"]) == {
        "news, sports": ["news", "sports"], "sports|news": ["sports", "news"]}  # fmt: skip
    frame = pd.DataFrame({"x": np.arange(9.0),
                          "y": ["news"] * 4 + ["sports"] * 3 + ["news|sports"] * 2})  # fmt: skip
    with pytest.warns(LabelVariantsWarning, match=r"joins some of its classes in one label "
                      r"\('news\|sports': 1 such label, 2 rows\)"):  # fmt: skip
        load(frame, label="y").require_labels()


def test_single_class_via_label_array(text_frame):
    frame = text_frame.drop(columns="label")
    with pytest.raises(SingleClassError, match=r"single class \('x'\)"):
        audit(frame, label=["x"] * len(frame))


def test_no_labeled_rows_at_all(text_frame):
    frame = text_frame.assign(label=None)
    with pytest.raises(SingleClassError, match=r"single class \(none\)"):
        load(frame, label="label").require_labels(allow_missing=True)


def test_no_label_audits_a_single_class_column(text_frame):
    result = audit(text_frame.assign(label="sport"), label=False)
    assert result.summary["label_errors"]["status"] == "skipped"


# --------------------------------------------------------------------------- ids


def test_duplicate_ids_listed():
    frame = pd.DataFrame({"key": ["a", "b", "a", "c", "c", "d"], "text": TEXTS})
    with pytest.raises(DuplicateIdError) as info:
        audit(frame, id="key")
    message = str(info.value)
    assert "The id column 'key' repeats 2 id(s): ['a', 'c']" in message
    assert "Ids must be unique" in message
    assert "leave --id out" in message


def test_missing_ids():
    frame = pd.DataFrame({"key": ["a", None, "b", "c", "d", "e"], "text": TEXTS})
    with pytest.raises(DuplicateIdError, match=r"empty at row positions \[1\]"):
        load(frame, id="key")


# --------------------------------------------------------------------------- embeddings


@pytest.fixture
def six_rows() -> pd.DataFrame:
    return pd.DataFrame({"text": TEXTS})


def test_embeddings_file_with_wrong_row_count(tmp_path, six_rows):
    path = tmp_path / "vectors.npy"
    np.save(path, np.ones((5, 8), dtype=np.float32))
    with pytest.raises(EmbeddingsError) as info:
        audit(six_rows, embeddings=path)
    message = str(info.value)
    assert str(path) in message
    assert "has 5 rows but the data has 6" in message
    assert "same order as the data" in message


def test_embeddings_array_with_wrong_row_count(six_rows):
    with pytest.raises(EmbeddingsError, match="has 7 rows but the data has 6"):
        audit(six_rows, embeddings=np.ones((7, 3)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_embeddings_with_nan_or_inf(tmp_path, six_rows, bad):
    vectors = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    vectors[2, 1] = bad
    vectors[4, 0] = bad
    path = tmp_path / "vectors.npy"
    np.save(path, vectors)
    with pytest.raises(EmbeddingsError) as info:
        audit(six_rows, embeddings=path)
    message = str(info.value)
    assert "NaN or inf in 2 row(s), at row positions [2, 4]" in message
    assert "Recompute those vectors" in message


def test_one_dimensional_embeddings(six_rows):
    with pytest.raises(EmbeddingsError) as info:
        audit(six_rows, embeddings=np.ones(6))
    message = str(info.value)
    assert "must be 2-D (n_rows, n_dims); got shape (6,)" in message
    assert "one number per row belongs in a table column" in message
    # a column of vectors of one number each: every positive row would look the same
    with pytest.raises(EmbeddingsError, match="one number per row: compared by direction"):
        audit(six_rows, embeddings=np.arange(1, 7, dtype=np.float32).reshape(-1, 1))
    # an encoder's one dimension for one row (tfidf spans the rows it has) is no such case
    with pytest.warns(ShrunkNeighborsWarning):  # one row has no neighbour
        alone = siftkit.audit(pd.DataFrame({"text": ["the cat sat on the mat"]}),
                              encoder="tfidf", progress=False)  # fmt: skip
    assert alone.embeddings.shape == (1, 1)


def test_embeddings_file_that_is_not_npy(tmp_path, six_rows):
    path = tmp_path / "vectors.npy"
    path.write_bytes(b"definitely not numpy")
    with pytest.raises(EmbeddingsError, match=r"numpy\.save"):
        audit(six_rows, embeddings=path)


def test_embeddings_in_a_npz_archive_are_its_one_array_or_the_one_named_so(tmp_path, six_rows):
    """numpy.savez writes vectors beside ids: the archive crashed the run (AttributeError)."""
    vectors = np.random.default_rng(0).normal(size=(6, 4))
    np.savez(tmp_path / "one.npz", vectors)
    np.savez(tmp_path / "named.npz", ids=np.arange(6), Embeddings=vectors)
    for name in ("one.npz", "named.npz"):
        result = audit(six_rows, embeddings=tmp_path / name, k=3, detectors=["outliers"])
        np.testing.assert_allclose(result.embeddings, vectors / np.linalg.norm(vectors, axis=1,
                                   keepdims=True), rtol=1e-5)  # fmt: skip
    assert load(tmp_path / "named.npz").features.shape == (6, 4)  # vectors alone, as data
    np.savez(tmp_path / "unnamed.npz", a=vectors, b=vectors)
    with pytest.raises(EmbeddingsError, match=r"holds 2 arrays \(a, b\), none named as the rows' "
                       r"vectors.*numpy\.savez\(path, embeddings=vectors\)"):  # fmt: skip
        audit(six_rows, embeddings=tmp_path / "unnamed.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(UnreadableDataError, match=r"as a \.npz archive of arrays"):
        load(tmp_path / "bad.npz")


def test_missing_embeddings_file(tmp_path, six_rows):
    with pytest.raises(DataFileNotFoundError, match="No such embeddings file"):
        audit(six_rows, embeddings=tmp_path / "nope.npy")


def test_good_precomputed_embeddings_are_used(six_rows):
    vectors = np.random.default_rng(0).normal(size=(6, 4))
    result = audit(six_rows, embeddings=vectors, k=3)
    assert result.summary["encoder"]["id"] == "precomputed"
    norms = np.linalg.norm(result.embeddings, axis=1)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-5)


# --------------------------------------------------------------------------- k


def test_fewer_rows_than_k():
    frame = pd.DataFrame({"text": TEXTS[:5]})
    with pytest.warns(ShrunkNeighborsWarning, match="reduced from 20 to 4"):
        result = audit(frame, k=20)
    assert len(result.rows) == 5
    assert result.summary["neighbors"]["k"] == 4
    assert result.graph.indices.shape == (5, 4)
    assert {result.summary[a]["status"] for a in result.analyses} <= {"ok", "skipped"}


# --------------------------------------------------------------------------- output folder


def test_output_holding_a_different_run_is_refused(tmp_path, text_frame):
    out = tmp_path / "run"
    audit(text_frame, output=out)
    before = (out / "summary.json").read_bytes()
    with pytest.raises(OutputExistsError) as info:
        audit(text_frame.iloc[:40], output=out)
    message = str(info.value)
    assert "already holds a different siftkit run" in message
    assert "--overwrite" in message and "overwrite=True" in message
    assert (out / "summary.json").read_bytes() == before  # untouched


def test_output_with_other_parameters_is_refused(tmp_path, text_frame):
    out = tmp_path / "run"
    audit(text_frame, output=out, k=10)
    with pytest.raises(OutputExistsError):
        audit(text_frame, output=out, k=5)


def test_same_run_again_into_the_same_folder_is_allowed(tmp_path, text_frame):
    out = tmp_path / "run"
    first = audit(text_frame, output=out)
    second = audit(text_frame.copy(), output=out)
    saved = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert saved["run"]["fingerprint"] == first.summary["run"]["fingerprint"]
    assert saved["created"] == second.summary["created"]


def test_overwrite_replaces_a_different_run(tmp_path, text_frame):
    out = tmp_path / "run"
    audit(text_frame, output=out)
    audit(text_frame.iloc[:40], output=out, overwrite=True)
    assert len(pd.read_parquet(out / "rows.parquet")) == 40
    saved = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert saved["input"]["n_rows"] == 40


def test_non_run_folder_is_refused(tmp_path, text_frame):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious", encoding="utf-8")
    with pytest.raises(OutputExistsError) as info:
        audit(text_frame, output=out)
    message = str(info.value)
    assert "is not empty and is not a siftkit run folder" in message
    assert "thesis.docx" in message
    assert "empty or new folder" in message
    assert sorted(p.name for p in out.iterdir()) == ["thesis.docx"]


def test_output_path_that_is_a_file_is_refused(tmp_path, text_frame):
    out = tmp_path / "file.txt"
    out.write_text("x", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="is a file"):
        audit(text_frame, output=out)
    with pytest.raises(OutputExistsError, match="is a file"):  # overwriting makes no folder
        audit(text_frame, output=out, overwrite=True)
    with pytest.raises(OutputExistsError, match="lies inside .*file.txt', which is a file"):
        audit(text_frame, output=out / "run")


def test_an_output_it_cannot_write_fails_before_any_work(tmp_path, text_frame, monkeypatch):
    import importlib

    audit_module = importlib.import_module("siftkit.audit")  # the module, not the function
    results_module = importlib.import_module("siftkit.results")

    monkeypatch.setattr(audit_module, "embed_dataset", lambda *a, **k: pytest.fail("embedded"))
    with pytest.raises(OutputExistsError):  # a file in the way: refused before embedding
        (tmp_path / "taken").write_text("x", encoding="utf-8")
        audit(text_frame, output=tmp_path / "taken")
    monkeypatch.setattr(results_module.os, "access", lambda path, mode: False)
    with pytest.raises(RunFolderError, match="is read-only"):
        audit(text_frame, output=tmp_path / "run")


def test_the_command_line_says_what_the_system_refused(tmp_path, text_frame, monkeypatch):
    import siftkit.export as export_module

    siftkit.audit(text_frame, encoder="fake", output=tmp_path / "run", progress=False)

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise PermissionError(13, "Permission denied", str(tmp_path / "q.csv"))

    monkeypatch.setattr(export_module, "write_queue", refuse)
    result = CliRunner().invoke(main, ["export", str(tmp_path / "run"), "--queue", "outliers",
                                       "-o", str(tmp_path / "q.csv")])  # fmt: skip
    assert result.exit_code == 2
    assert f"error: Permission denied: {tmp_path / 'q.csv'}" in " ".join(result.stderr.split())


def test_empty_existing_folder_is_fine(tmp_path, text_frame):
    out = tmp_path / "empty"
    out.mkdir()
    audit(text_frame, output=out)
    assert (out / "summary.json").exists()


# --------------------------------------------------------------------------- parameters


def test_invalid_parameter_message():
    detector = get_detector("near_duplicates", threshold=2.0)
    with pytest.raises(InvalidParameterError) as info:
        detector.check_params()
    assert str(info.value) == (
        "The 'threshold' parameter of NearDuplicates must be a float in (0, 1]. Got 2.0 instead."
    )
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("name", "params", "fragment"),
    [
        ("outliers", {"k": 0}, "The 'k' parameter of Outliers must be an int in [1, inf)"),
        ("outliers", {"k": 2.5}, "The 'k' parameter of Outliers must be an int"),
        ("label_errors", {"temperature": 0.0}, "'temperature' parameter of LabelErrors"),
        ("label_errors", {"margin": float("nan")}, "must be a float in [0, 1]"),
        ("near_duplicates", {"threshold": True}, "Got True instead"),
    ],
)
def test_other_invalid_parameters(name, params, fragment):
    with pytest.raises(InvalidParameterError) as info:
        get_detector(name, **params).check_params()
    assert fragment in str(info.value)


def test_invalid_parameter_is_raised_by_audit_before_any_work(text_frame, fake_encoder):
    with pytest.raises(InvalidParameterError, match="NearDuplicates"):
        audit(text_frame, detectors=[get_detector("near_duplicates", threshold=0.0)])
    assert fake_encoder.calls == []  # nothing was embedded


# --------------------------------------------------------------------------- CLI


def test_cli_missing_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["audit", "missing.csv", "-o", "out", "--encoder", "fake"])
    assert result.exit_code == 2
    assert "error:" in result.stderr
    assert "No such file or folder: 'missing.csv'" in result.stderr
    assert "Check the path" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_cli_unknown_column(tmp_path, monkeypatch, text_frame):
    monkeypatch.chdir(tmp_path)
    text_frame.to_csv("data.csv", index=False)
    result = CliRunner().invoke(
        main, ["audit", "data.csv", "-o", "out", "--encoder", "fake", "--label", "lable"]
    )
    assert result.exit_code == 2
    assert "error:" in result.stderr
    assert "Did you mean --label 'label'?" in result.stderr


def test_a_label_column_of_lists_is_read_as_one_label_per_row(tmp_path):
    """Doccano exports its labels as lists (`"label": ["pets"]`, `[]` where none is
    given): they were refused as "a list of values in a cell"."""
    path = tmp_path / "doccano.jsonl"
    path.write_text('{"text": "a cat", "label": ["pets", "home"]}\n'
                    '{"text": "a dog", "label": "pets"}\n'
                    '{"text": "a rat", "label": ["pets"]}\n'
                    '{"text": "a cow", "label": []}\n', encoding="utf-8")  # fmt: skip
    dataset = load(path)
    assert dataset.frame["label"].tolist() == ["pets|home", "pets", "pets", None]
    assert dataset.labels.codes[3] == -1 and list(dataset.labels.classes) == ["pets", "pets|home"]
    given = load(pd.DataFrame({"text": ["a", "b"]}), label=[["x"], []])
    assert given.labels.codes.tolist() == [0, -1]


def test_rows_that_all_embed_to_nothing_are_refused(six_rows):
    with pytest.raises(EmbeddingsError, match="Every one of the 6 rows embedded to nothing"):
        siftkit.audit(six_rows, embeddings=np.zeros((6, 4), dtype=np.float32), progress=False)


def test_a_csv_file_saved_as_windows_1252_is_read_so_with_a_warning(tmp_path):
    """Excel in Western Europe saves CSV as Windows-1252: it was refused as not UTF-8."""
    from siftkit.exceptions import TextEncodingWarning

    path = tmp_path / "latin1.csv.gz"
    path.write_bytes(gzip.compress("text,label\ncafé crème,drink\nthé “vert”,drink\n"
                                   "une tarte,food\n".encode("cp1252")))  # fmt: skip
    with pytest.warns(TextEncodingWarning, match=r"'latin1.csv.gz' is not UTF-8: read as "
                      r"Windows-1252.*such as 'café'"):  # fmt: skip
        dataset = load(path)
    assert dataset.texts == ["café crème", "thé “vert”", "une tarte"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        # pandas would take the first fields for an index and shift the rest
        ("ragged.csv", b"text,label\na,b,c,d\nx,y\n", "more fields than its header"),
        # another script's bytes are not Windows-1252 text
        ("gbk.csv", "text,label\n球队赢得了比赛,体育\n经济增长放缓,经济\n".encode("gbk"),
         r"is not UTF-8 text \(byte 0xc7 at position 11.*iconv -f ENCODING"),
        # pandas' default to_json: one object of columns
        ("columns.json", b'{"text": {"0": "a cat", "1": "a dog"}, "label": {"0": "x", "1": "y"}}',
         "holds one object of objects.*orient='records'"),
    ],
)  # fmt: skip
def test_files_read_wrong_are_refused_with_the_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableDataError, match=reason):
        load(path)


def test_a_folder_of_tables_of_several_formats_is_refused(tmp_path):
    (tmp_path / "a.csv").write_text("text\na cat\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"text": "a dog"}\n', encoding="utf-8")
    (tmp_path / "c.jsonl").write_text('{"text": "a cow"}\n', encoding="utf-8")
    with pytest.raises(UnreadableDataError, match=r"holds tables of 2 formats \(2 JSONL, 1 CSV "
                       r"files\).*one format"):  # fmt: skip
        load(tmp_path)


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        (["a.csv", "b.csv"], r"holds 2 files \(a.csv, b.csv\), where siftkit reads an archive "
         r"of one\. Unzip it"),
        ([], r"holds 0 files, where"),
        (None, r"is not a readable .zip archive"),
    ],
)  # fmt: skip
def test_a_zip_archive_of_other_than_one_file_is_refused(tmp_path, members, reason):
    path = tmp_path / "data.zip"
    if members is None:
        path.write_bytes(b"PK not really")
    else:
        with zipfile.ZipFile(path, "w") as archive:
            for name in members:
                archive.writestr(name, "text\na cat\n")
    with pytest.raises(UnreadableDataError, match=reason):
        load(path)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [("empty.csv", b"", r"'.*empty.csv' is empty \(0 bytes\)"),
     ("program.csv", b"\x7fELF\x02\x01\x01\x00\x00\x00" * 50 + b"\nab,cd\n",
      r"holds binary data \(NUL bytes\), not CSV text"),
     ("data.jsonl.gz", gzip.compress(b"PK\x03\x04\x00\x00 a zip named JSON Lines"),
      r"holds binary data \(NUL bytes\), not JSONL text")],
)  # fmt: skip
def test_an_empty_or_binary_file_is_refused_as_such(tmp_path, name, content, reason):
    """A binary file named .csv warned of a title of garbage, then called itself not UTF-8."""
    path = tmp_path / name
    path.write_bytes(content)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning before the error
        with pytest.raises(UnreadableDataError, match=reason):
            load(path)


def test_a_database_of_several_tables_is_refused_naming_them(tmp_path):
    import sqlite3

    path = tmp_path / "shop.sqlite"
    with closing(sqlite3.connect(path)) as db:
        pd.DataFrame({"text": ["a", "b"]}).to_sql("reviews", db, index=False)
        pd.DataFrame({"name": ["x"]}).to_sql("users", db, index=False)
        db.commit()
    with pytest.raises(UnreadableDataError, match=r"holds 2 tables \(reviews \(2 rows\), users "
                       r"\(1 row\)\).*sqlite3 -header -csv shop.sqlite"):  # fmt: skip
        load(path)
    (tmp_path / "other.db").write_bytes(b"a key-value store, not SQL" * 4)
    with pytest.raises(UnreadableDataError, match="is neither a SQLite nor a DuckDB database"):
        load(tmp_path / "other.db")


def test_a_json_lines_file_cut_short_is_read_but_its_last_line(tmp_path):
    """A download that stopped mid-line: the whole file was refused for its last line."""
    lines = [json.dumps({"text": text}) for text in TEXTS]
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + '\n{"text": "a cat sat o', encoding="utf-8")
    said = r"last line of 'data.jsonl' \(line 7\) is cut short \(Unterminated string starting\)"
    with pytest.warns(TruncatedFileWarning, match=said + ".*the 6 rows above it"):
        assert load(path).texts == TEXTS
    for broken in ("\n".join(lines) + '\n{"text": "a cat sat o\n',  # a whole line, but wrong
                   lines[0] + '\n{"text": "a cat sat o\n' + "\n".join(lines[1:])):  # fmt: skip
        path.write_text(broken, encoding="utf-8")
        with pytest.raises(UnreadableDataError, match=r"line \d is not valid JSON"):
            load(path)


def test_a_gzipped_format_read_only_as_it_is_refused_by_its_name(tmp_path):
    path = tmp_path / "data.parquet.gz"
    path.write_bytes(b"\x1f\x8b")
    with pytest.raises(UnreadableDataError, match="Cannot tell the format.*'.gz'"):
        load(path)
