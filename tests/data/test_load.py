"""Loading every supported input into a Dataset, and how column roles are assigned."""

from __future__ import annotations

import bz2
import codecs
import gzip
import json
import lzma
import warnings
import zipfile
from contextlib import closing

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sample_texts import LABELS, TEXTS

import siftkit
from siftkit._text import is_blank, plain_text, word_count
from siftkit.data import Dataset, infer_schema, load
from siftkit.data.row_values import VALUES_MAX_CHARS
from siftkit.exceptions import (
    ColumnInferenceWarning,
    ColumnNotFoundError,
    DataFileNotFoundError,
    DuplicateIdError,
    EmptyTextError,
    FirstSheetWarning,
    InvalidParameterError,
    LiteralQuotesWarning,
    MissingLabelsError,
    RepeatedHeaderWarning,
    TitleRowsWarning,
    UnreadableDataError,
)

IDS = ["a", "b", "c", "d", "e", "f"]
LABELS_SORTED = sorted(set(LABELS))


@pytest.fixture
def small_frame() -> pd.DataFrame:
    return pd.DataFrame({"id": IDS, "text": TEXTS, "label": LABELS})


def assert_small(dataset: Dataset) -> None:
    """The dataset is ``small_frame``, whatever it was read from."""
    assert isinstance(dataset, Dataset)
    assert len(dataset) == len(TEXTS)
    assert dataset.schema.id == "id"
    assert dataset.schema.text == "text"
    assert dataset.schema.label == "label"
    assert dataset.texts == TEXTS
    assert dataset.row_ids.tolist() == IDS
    labels = dataset.labels
    assert labels is not None
    assert labels.classes.tolist() == ["food", "sport", "tech"]
    assert labels.decode(labels.codes).tolist() == LABELS
    assert not labels.missing.any()


# --------------------------------------------------------------------------- files


def test_csv(tmp_path, small_frame):
    path = tmp_path / "data.csv"
    small_frame.to_csv(path, index=False)
    dataset = load(path)
    assert_small(dataset)
    assert dataset.source == str(path)


def test_csv_given_as_str_path(tmp_path, small_frame):
    path = tmp_path / "data.csv"
    small_frame.to_csv(path, index=False)
    assert_small(siftkit.load(str(path)))


@pytest.mark.parametrize("sep", [";", "|", "\t"])
def test_a_csv_file_with_another_separator_or_a_byte_order_mark(tmp_path, small_frame, sep):
    path = tmp_path / "data.csv"
    text = small_frame.assign(text=small_frame["text"] + ", indeed").to_csv(sep=sep, index=False)
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # as spreadsheets save it
    dataset = load(path)
    assert list(dataset.frame.columns) == ["id", "text", "label"]  # no mark in "id"
    assert dataset.texts[0].endswith(", indeed")  # commas inside the texts stay text


@pytest.mark.parametrize("sep", [";", ",", "\t", "|"])
def test_a_separator_declared_on_the_first_line_is_used(tmp_path, small_frame, sep):
    """Excel writes and reads `sep=;` above the header: it was taken for a title, warned of."""
    path = tmp_path / "data.csv"
    path.write_text(f"sep={sep}\n" + small_frame.to_csv(sep=sep, index=False), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", TitleRowsWarning)
        assert_small(load(path))


def test_numbers_with_decimal_commas_are_numbers_where_fields_are_not_comma_separated(tmp_path):
    """A spreadsheet saved in a locale that writes 3,5 separates fields by ';': its numbers
    were read as text, then ignored as codes."""
    path = tmp_path / "data.csv"
    path.write_text(
        "name;price;qty;ref;note\nA;1.234,5;3;1,2,3;fine, thanks\nB;NA;4,25;7;ok\n"
        "C;12,0;;8;good\nD;7;1;9;bad\n", encoding="utf-8",
    )  # fmt: skip
    frame = load(path).frame
    assert frame["price"].tolist()[::2] == [1234.5, 12.0] and np.isnan(frame["price"][1])
    assert frame["qty"].tolist()[:2] == [3.0, 4.25]
    assert frame["ref"].tolist() == ["1,2,3", "7", "8", "9"]  # not one number: text
    assert frame["note"].tolist()[0] == "fine, thanks"
    comma = tmp_path / "comma.csv"
    comma.write_text('x,y\n"3,5",1\n"4,5",2\n', encoding="utf-8")
    assert load(comma).frame["x"].tolist() == ["3,5", "4,5"]  # commas separate: no guess


def test_html_markup_is_read_as_the_plain_text_it_marks_up():
    """Scraped reviews carry <br /> tags: discovery named a category "br, building, line"
    and lost 0.04 of adjusted mutual information on the bundled glosses."""
    marked = "Great film.<br /><br />Loved it &amp; cried"
    assert plain_text(marked) == "Great film.  Loved it & cried"
    assert plain_text('<p class="x">Hi <a href="u">there</a></p>') == " Hi  there  "
    assert plain_text("if a <b and c> d, AT&T's R&D") == "if a <b and c> d, AT&T's R&D"
    assert plain_text("x < y &lt; z &#39;q&#x27;") == "x < y < z 'q'"
    frame = pd.DataFrame({"text": ["one<br/>two", "plain text here", None, "a &quot;b&quot;"]})
    dataset = load(frame)
    assert dataset.texts == ["one two", "plain text here", "", 'a "b"']
    assert dataset.markup_rows == 2
    assert load(pd.DataFrame({"x": [1.0, 2.0]})).markup_rows == 0


def test_spaces_after_separators_and_around_header_names_are_dropped(tmp_path):
    """A hand-written `definition, category` header named a column ' category', which was
    neither taken for the labels nor found by --label category."""
    path = tmp_path / "data.csv"
    path.write_text(
        'text, label ,n\n"a cat sat", animal, 2.5\n"a fir tree",plant,  3\n', encoding="utf-8"
    )
    dataset = load(path)
    assert dataset.frame.columns.tolist() == ["text", "label", "n"]
    assert dataset.schema.label == "label" and dataset.frame["n"].tolist() == [2.5, 3.0]
    assert dataset.labels.classes.tolist() == ["animal", "plant"]
    assert dataset.texts == ["a cat sat", "a fir tree"]
    twins = tmp_path / "twins.csv"
    twins.write_text("a,a \n1,2\n", encoding="utf-8")
    assert load(twins).frame.columns.tolist() == ["a", "a "]  # trimmed, two columns one name


def test_codes_written_with_leading_zeros_stay_as_written(tmp_path):
    """pandas reads 007 as 7: row ids no longer matched the user's, zip codes lost a digit."""
    path = tmp_path / "data.csv"
    path.write_text("id,zip,n,label,m\n007,02134,5,01,1\n008,,6,02,NA\n009,94103,7,01,3\n",
                    encoding="utf-8")  # fmt: skip
    dataset = load(path)
    assert dataset.row_ids.tolist() == ["007", "008", "009"]
    assert dataset.frame["zip"].tolist()[::2] == ["02134", "94103"]
    assert dataset.labels.classes.tolist() == ["01", "02"]
    assert dataset.frame["n"].tolist() == [5, 6, 7]  # numbers as ever
    assert dataset.frame["m"].tolist()[::2] == [1.0, 3.0]
    gaps = tmp_path / "gaps.csv"
    gaps.write_text("code,x\n007,1\nNA,2\n010,3\n", encoding="utf-8")
    assert load(gaps).frame["code"].tolist() == ["007", "NA", "010"]


def test_a_text_file_is_a_row_per_line(tmp_path):
    """A .txt file of sentences was refused: "Cannot tell the format"."""
    path = tmp_path / "sentences.txt"
    path.write_bytes("\ufeffa cat sat on the mat\n\n  the boat sailed, slowly  \r\nend\n".encode())
    dataset = load(path)
    assert dataset.texts == ["a cat sat on the mat", "the boat sailed, slowly", "end"]
    assert dataset.frame["line"].tolist() == [1, 3, 4] and dataset.schema.text == "text"
    zipped = tmp_path / "sentences.txt.gz"
    zipped.write_bytes(gzip.compress(b"one line\ntwo lines\n"))
    assert load(zipped).texts == ["one line", "two lines"]


def test_a_log_file_is_a_row_per_line(tmp_path):
    """A .log file (dpkg.log, an application's log) was refused: "Cannot tell the format"."""
    path = tmp_path / "dpkg.log"
    path.write_text(
        "2025-06-24 14:36:25 startup archives unpack\n"
        "2025-06-24 14:36:25 upgrade libsystemd0:amd64 252.36-1 252.38-1\n",
        encoding="utf-8",
    )
    dataset = load(path)
    assert dataset.texts[1] == "2025-06-24 14:36:25 upgrade libsystemd0:amd64 252.36-1 252.38-1"
    assert dataset.frame["line"].tolist() == [1, 2]
    zipped = tmp_path / "app.log.gz"
    zipped.write_bytes(gzip.compress(b"GET /index.html 200\n"))
    assert load(zipped).texts == ["GET /index.html 200"]


def test_quotes_that_are_characters_of_the_values_are_read_as_written(tmp_path):
    """A tab-separated list of packages: a summary opening with a quote swallowed the 8,318
    lines below it into one value, silently (Debian's PyPI package list)."""
    lines = [
        "name\tsummary\tlabel",
        'fast\t"Fast JSON for Python\tjson',
        "pkg0\ta library\tmisc",
        'slow\t5" of code\tjson',
    ]
    lines += [f"pkg{i}\ta library number {i}\tmisc" for i in range(1, 5)]
    path = tmp_path / "packages.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.warns(LiteralQuotesWarning, match=r"every line holds one row of 3 fields, but "
                      r"read as quoting they joined its 7 rows into [1-6]\."):  # fmt: skip
        dataset = load(path, text="summary")
    assert dataset.texts[:3] == ['"Fast JSON for Python', "a library", '5" of code']
    assert dataset.frame["name"].tolist()[:3] == ["fast", "pkg0", "slow"] and len(dataset) == 7


@pytest.mark.parametrize("sep", [",", "\t"])
def test_quoted_values_holding_line_breaks_stay_one_value(tmp_path, sep):
    frame = pd.DataFrame({"text": ['one line', 'two\nlines, "quoted"', 'a\ttab'] * 3,
                          "label": ["a", "b", "c"] * 3})  # fmt: skip
    path = tmp_path / ("data.csv" if sep == "," else "data.tsv")
    frame.to_csv(path, sep=sep, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LiteralQuotesWarning)
        assert load(path).texts == frame["text"].tolist()


def test_a_one_column_csv(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text('text\nhello there; friend\n"see you, later"\n', encoding="utf-8")
    dataset = load(path)
    assert dataset.frame.columns.tolist() == ["text"] and dataset.texts[0] == "hello there; friend"


@pytest.mark.parametrize("suffix", [".tsv", ".tab"])
def test_tsv(tmp_path, small_frame, suffix):
    path = tmp_path / f"data{suffix}"
    small_frame.to_csv(path, sep="\t", index=False)
    assert_small(load(path))


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson", ".json"])
def test_json_lines(tmp_path, small_frame, suffix):
    path = tmp_path / f"data{suffix}"
    lines = [json.dumps(record) for record in small_frame.to_dict(orient="records")]
    # blank lines (e.g. a trailing newline) are skipped, not rows
    path.write_text("\n".join(lines[:3]) + "\n\n" + "\n".join(lines[3:]) + "\n", encoding="utf-8")
    assert_small(load(path))


@pytest.mark.parametrize("name", ["data.csv.gz", "data.tsv.gz", "data.jsonl.gz", "data.json.gz",
                                  "data.csv.bz2", "data.jsonl.xz", "data.csv.zip", "data.json.zip",
                                  "data.txt.bz2"])  # fmt: skip
def test_compressed_files_read_as_the_format_inside(tmp_path, small_frame, name):
    path = tmp_path / name
    records = small_frame.to_dict(orient="records")
    if ".csv" in name or ".tsv" in name:
        small_frame.to_csv(path, sep="\t" if ".tsv" in name else ",", index=False)  # compresses
    elif ".txt" in name:
        path.write_bytes(bz2.compress("\n".join(TEXTS).encode("utf-8")))
        assert load(path).texts == TEXTS
        return
    else:
        text = (json.dumps(records) if name.startswith("data.json.")
                else "\n".join(json.dumps(r) for r in records))  # fmt: skip
        compress = {".gz": gzip.compress, ".xz": lzma.compress}.get(path.suffix)
        if compress:
            path.write_bytes(compress(text.encode("utf-8")))
        else:
            with zipfile.ZipFile(path, "w") as archive:
                archive.writestr("data.json", text)
    assert_small(load(path))


def test_a_zip_archive_is_read_as_the_one_file_it_holds(tmp_path, small_frame):
    """A .zip downloaded as ``train.zip`` holds ``train.csv``; macOS adds ``__MACOSX``."""
    path = tmp_path / "train.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("train/", "")
        archive.writestr("train/train.csv", small_frame.to_csv(index=False))
        archive.writestr("__MACOSX/train/._train.csv", b"\x00\x05\x16\x07")
        archive.writestr("train/.DS_Store", b"\x00")
    assert_small(load(path))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".txt", ".csv.gz"])
def test_unicode_text_files_are_read_by_their_byte_order_mark(tmp_path, small_frame, encoding,
                                                              suffix):  # fmt: skip
    """Excel's "Unicode Text" and Windows' Notepad save UTF-16 with a byte-order mark: the
    CSV was read as UTF-8, its names and values holding a NUL between letters."""
    mark = {"utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")  # the others write their own
    if suffix == ".txt":
        text = "\n".join(TEXTS)
    elif suffix == ".jsonl":
        text = "\n".join(json.dumps(r, ensure_ascii=False) for r in small_frame.to_dict("records"))
    else:
        text = small_frame.to_csv(sep="\t" if suffix == ".tsv" else ",", index=False)
    data = mark + text.replace("food", "café").encode(encoding)
    path = tmp_path / f"data{suffix}"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    dataset = load(path)
    if suffix == ".txt":
        assert dataset.texts == TEXTS
        return
    assert dataset.schema.id == "id" and dataset.texts == TEXTS
    assert dataset.labels.classes.tolist() == ["café", "sport", "tech"]


def test_a_unicode_file_of_a_text_folder_is_read_by_its_byte_order_mark(tmp_path):
    (tmp_path / "drinks").mkdir()
    (tmp_path / "drinks" / "a.txt").write_bytes("un café crème".encode("utf-16"))
    assert load(tmp_path).texts == ["un café crème"]


def test_json_array(tmp_path, small_frame):
    path = tmp_path / "data.json"
    path.write_text(json.dumps(small_frame.to_dict(orient="records"), indent=1), encoding="utf-8")
    assert_small(load(path))


@pytest.mark.parametrize("indent", [None, 2])
def test_json_object_holding_the_rows_under_one_key(tmp_path, small_frame, indent):
    """``{"version": 2, "data": [...]}`` (an export or an API's answer, on one line or
    indented): the rows are the list of objects, not one row holding it."""
    path = tmp_path / "data.json"
    document = {"version": 2, "data": small_frame.to_dict(orient="records")}
    path.write_text(json.dumps(document, indent=indent), encoding="utf-8")
    assert_small(load(path))


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_nested_fields_are_columns_of_dotted_names(tmp_path, small_frame, suffix):
    """{"meta": {"label": …}} was one column of dicts, read as a category: its fields could
    not be named as the label."""
    rows = [
        {"id": row.id, "text": row.text,
         "meta": {"label": row.label, "source": {"site": "web"}} if i else None}
        for i, row in enumerate(small_frame.itertuples())
    ]  # fmt: skip
    path = tmp_path / f"data{suffix}"
    if suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    else:
        pq.write_table(pa.Table.from_pylist(rows), path)
    dataset = load(path, label="meta.label")
    assert list(dataset.frame.columns) == ["id", "text", "meta.label", "meta.source.site"]
    assert dataset.frame["meta.label"].tolist()[1:] == small_frame["label"].tolist()[1:]
    assert pd.isna(dataset.frame["meta.label"][0])
    for table in (rows, pa.Table.from_pylist(rows), pd.DataFrame(rows)):  # in memory alike
        assert list(load(table).frame.columns) == list(dataset.frame.columns)


def test_nested_fields_are_taken_for_their_roles_by_their_last_part():
    """`meta.label` is the labels, `data.text` the text; `user.id`, a row's user, is no row id."""
    rows = [{"user": {"id": i % 2}, "data": {"text": f"a long text about thing {i} here"},
             "meta": {"label": "ab"[i % 2]}} for i in range(6)]  # fmt: skip
    schema = load(rows).schema
    assert (schema.text, schema.label, schema.id) == ("data.text", "meta.label", None)
    assert load([{**row, "label": "x"} for row in rows]).schema.label == "label"  # whole first


def test_a_hugging_face_dataset_s_class_numbers_read_as_their_names():
    """A ClassLabel column holds 0, 1, 2: the audit named classes '0', '1', '2'."""

    class ClassLabel:  # the shape of datasets.ClassLabel
        names = ["World", "Business", "Sports"]

    class Dataset:  # the shape of datasets.Dataset
        features = {"text": object(), "label": ClassLabel()}

        def to_pandas(self) -> pd.DataFrame:
            return pd.DataFrame({"text": ["a cat", "stocks fell", "a goal", "unknown"],
                                 "label": [0, 1, 2, -1]})  # fmt: skip

    Dataset.__module__ = "datasets.arrow_dataset"
    labels = load(Dataset(), text="text").labels
    assert labels.decode(labels.codes).tolist() == ["World", "Business", "Sports", None]


def _real_hugging_face_dataset(labels: list[int]):  # noqa: ANN202 (datasets is optional)
    datasets = pytest.importorskip("datasets")  # the dev extra installs it; siftkit needs none
    texts = ["a cat sat", "stocks fell", "a dog ran", "prices rose"]
    return datasets.Dataset.from_dict(
        {"text": texts[: len(labels)], "label": labels},
        features=datasets.Features({"text": datasets.Value("string"),
                                    "label": datasets.ClassLabel(names=["neg", "pos"])}),
    )  # fmt: skip


def test_a_real_hugging_face_dataset_s_class_names():
    assert load(_real_hugging_face_dataset([1, 0])).frame["label"].tolist() == ["pos", "neg"]


def test_a_hugging_face_dataset_dict_is_its_splits_rows_with_their_split():
    """load_dataset returns a DatasetDict: it was refused as data of an unknown type."""
    datasets = pytest.importorskip("datasets")
    splits = datasets.DatasetDict({"train": _real_hugging_face_dataset([1, 0, 1]),
                                   "unsupervised": _real_hugging_face_dataset([-1])})  # fmt: skip
    dataset = load(splits)
    assert dataset.schema.split == "split"
    assert dataset.frame["split"].tolist() == ["train"] * 3 + ["unsupervised"]
    assert dataset.labels.decode(dataset.labels.codes).tolist() == ["pos", "neg", "pos", None]
    own = splits.map(lambda row: {"split": "x"})
    with pytest.raises(UnreadableDataError, match=r"splits \(train, unsupervised\) hold a column "
                       r"named 'split'"):  # fmt: skip
        load(own)


def test_the_files_and_folders_hugging_face_datasets_writes(tmp_path):
    """save_to_disk of a DatasetDict (train/ and test/, Arrow streams beside json records),
    the Hub's Parquet layout, and one Parquet file: read with their class names and splits."""
    datasets = pytest.importorskip("datasets")
    train, test = _real_hugging_face_dataset([1, 0, 1, 0]), _real_hugging_face_dataset([-1, -1])
    datasets.DatasetDict({"train": train, "test": test}).save_to_disk(tmp_path / "saved")
    (tmp_path / "hub" / "data").mkdir(parents=True)
    train.to_parquet(tmp_path / "hub" / "data" / "train-00000-of-00001.parquet")
    test.to_parquet(tmp_path / "hub" / "data" / "test-00000-of-00001.parquet")
    for folder in ("saved", "hub"):
        dataset = load(tmp_path / folder)
        assert dataset.frame["split"].tolist() == ["test"] * 2 + ["train"] * 4
        assert dataset.labels.decode(dataset.labels.codes).tolist() == [
            None,
            None,
            "pos",
            "neg",
            "pos",
            "neg",
        ]
    train.to_parquet(tmp_path / "train.parquet")
    assert load(tmp_path / "train.parquet").labels.classes.tolist() == ["neg", "pos"]


@pytest.mark.parametrize("orient", ["split", "table"])
def test_a_json_table_of_columns_and_rows_of_values(tmp_path, small_frame, orient):
    """pandas' to_json(orient="split") writes the column names and the rows' values: it was
    read as one row of two columns, `columns` and `data`."""
    path = tmp_path / "data.json"
    small_frame.to_json(path, orient=orient, index=False)
    assert_small(load(path))


def test_a_json_object_of_splits_holding_rows_gives_the_split(tmp_path, small_frame):
    records = small_frame.to_dict(orient="records")
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"train": records[:4], "Test": records[4:]}), encoding="utf-8")
    dataset = load(path)
    assert_small(dataset)
    assert dataset.schema.split == "split"
    assert dataset.frame["split"].tolist() == ["train"] * 4 + ["Test"] * 2


def test_json_object_with_several_lists_of_rows_is_refused_naming_them(tmp_path, small_frame):
    records = small_frame.to_dict(orient="records")
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"reviews": records[:2], "users": records[2:]}, indent=1))
    with pytest.raises(UnreadableDataError, match=r"2 lists of rows: 'reviews' \(2 rows\), 'us"):
        load(path)


@pytest.mark.parametrize("orient", ["columns", "index"])
def test_json_object_of_objects_is_refused(tmp_path, small_frame, orient):
    path = tmp_path / "data.json"
    small_frame.to_json(path, orient=orient)  # {column: {row: value}}, {row: {column: value}}
    written = r"one object of objects \(\{column: \{row: value\}\}.*or \{row: \{column: value\}\}\)"
    with pytest.raises(UnreadableDataError, match=written + ", not a list of rows"):
        load(path)


def test_indented_json_that_does_not_parse_is_named_json(tmp_path):
    path = tmp_path / "data.json"
    path.write_text('{\n  "data": [\n    {"text": "a"},\n  ]\n}\n', encoding="utf-8")
    with pytest.raises(UnreadableDataError, match=r"as JSON: .* at line 4"):
        load(path)


@pytest.mark.parametrize("suffix", [".parquet", ".pq"])
def test_parquet(tmp_path, small_frame, suffix):
    path = tmp_path / f"data{suffix}"
    small_frame.to_parquet(path, index=False)
    assert_small(load(path))


def test_arrow_files_and_streams(tmp_path, small_frame):
    """Feather (pandas' to_feather: an Arrow IPC file) and an Arrow IPC stream (Hugging Face
    ``datasets``' cache and ``save_to_disk`` files) are read as tables."""
    small_frame.to_feather(tmp_path / "data.feather")
    assert_small(load(tmp_path / "data.feather"))
    table = pa.Table.from_pandas(small_frame, preserve_index=False)
    with pa.ipc.new_stream(tmp_path / "data.arrow", table.schema) as stream:
        stream.write_table(table)
    assert_small(load(tmp_path / "data.arrow"))


def _hugging_face_table(small_frame: pd.DataFrame) -> pa.Table:
    """``small_frame``'s rows as ``datasets`` writes them: labels as class numbers, their
    names in the schema's metadata (-1, no label, for the last row)."""
    names = ["food", "sport", "tech"]
    codes = [names.index(label) for label in LABELS[:-1]] + [-1]
    features = {"text": {"dtype": "string", "_type": "Value"},
                "label": {"names": names, "_type": "ClassLabel"}}  # fmt: skip
    table = pa.table({"text": TEXTS, "label": pa.array(codes, pa.int64())})
    return table.replace_schema_metadata(
        {"huggingface": json.dumps({"info": {"features": features}})}
    )


@pytest.mark.parametrize("suffix", [".parquet", ".arrow"])
def test_hugging_face_class_numbers_in_a_file_read_as_their_names(tmp_path, small_frame, suffix):
    """A ClassLabel column of a Parquet or Arrow file ``datasets`` wrote held 0, 1, 2: the
    audit named classes '0', '1', '2'."""
    table, path = _hugging_face_table(small_frame), tmp_path / f"data{suffix}"
    if suffix == ".parquet":
        pq.write_table(table, path)
    else:
        with pa.ipc.new_stream(path, table.schema) as stream:
            stream.write_table(table)
    dataset = load(path)
    assert dataset.schema.label == "label" and dataset.labels.classes.tolist() == LABELS_SORTED
    assert dataset.labels.decode(dataset.labels.codes).tolist()[:-1] == LABELS[:-1]
    assert dataset.labels.missing.tolist() == [False] * (len(LABELS) - 1) + [True]
    assert load(table).labels.classes.tolist() == LABELS_SORTED  # the table in memory too


@pytest.mark.parametrize("suffix", [".sqlite", ".db", ".duckdb"])
def test_a_database_file_of_one_table_is_that_table(tmp_path, small_frame, suffix):
    path = tmp_path / f"data{suffix}"
    if suffix == ".duckdb":
        import duckdb

        with duckdb.connect(str(path)) as db:
            db.execute("create table reviews as select * from small_frame")
    else:
        import sqlite3

        with closing(sqlite3.connect(path)) as db:
            small_frame.to_sql("reviews", db, index=False)
            db.commit()
    assert_small(load(path))


def test_excel_reads_the_first_sheet_and_names_the_others(tmp_path, small_frame):
    path = tmp_path / "data.xlsx"
    small_frame.to_excel(path, index=False)
    assert_small(load(path))

    with pd.ExcelWriter(path) as workbook:
        small_frame.to_excel(workbook, sheet_name="rows", index=False)
        pd.DataFrame({"note": ["read me"]}).to_excel(workbook, sheet_name="notes", index=False)
    with pytest.warns(
        FirstSheetWarning, match=r"holds 2 sheets; read the first, 'rows' \(not 'notes'\)"
    ):
        assert_small(load(path))


def test_excel_sheets_named_by_splits_are_read_with_their_split(tmp_path, small_frame):
    """A workbook of sheets "train" and "test" was read as its first sheet alone."""
    path = tmp_path / "data.xlsx"
    with pd.ExcelWriter(path) as workbook:
        small_frame.iloc[:4].to_excel(workbook, sheet_name="train", index=False)
        small_frame.iloc[4:].to_excel(workbook, sheet_name="Test ", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FirstSheetWarning)
        dataset = load(path)
    assert_small(dataset)
    assert dataset.schema.split == "split"
    assert dataset.frame["split"].tolist() == ["train"] * 4 + ["Test"] * 2


@pytest.mark.parametrize(
    ("title", "sep"),
    [
        ("Reviews export 2024,,\n,,\n", ","),  # as a spreadsheet saves it: padded cells
        ("Reviews export 2024\n\n", ","),  # no separator above the header
        ("Reviews Q1;;\nExported 2024-01-31;;\n", ";"),
    ],
)
def test_a_title_above_a_csv_header_is_skipped_with_a_warning(tmp_path, small_frame, title, sep):
    """The title was read as the header: columns 'Unnamed: 1'…, the header a row of data."""
    path = tmp_path / "data.csv"
    path.write_text(title + small_frame.to_csv(index=False, sep=sep), encoding="utf-8")
    with pytest.warns(TitleRowsWarning, match=r"first 2 rows of 'data.csv' are a title .*row 3"):
        assert_small(load(path))


def test_a_title_above_an_excel_header_is_skipped_with_a_warning(tmp_path, small_frame):
    path = tmp_path / "data.xlsx"
    with pd.ExcelWriter(path) as workbook:
        pd.DataFrame({"Reviews export 2024": []}).to_excel(workbook, index=False)
        small_frame.to_excel(workbook, index=False, startrow=2)
    with pytest.warns(TitleRowsWarning, match=r"'Reviews export 2024'\): they were skipped"):
        assert_small(load(path))


def test_rows_repeating_the_header_of_joined_files_are_dropped(tmp_path, small_frame):
    """`cat a.csv b.csv` leaves b's header as a row: a class named 'label', a text 'text',
    and every number of its column read as text."""
    frame = small_frame.assign(stars=[1.5, 2.0, 3.0, 4.5, 5.0, 1.0])
    path = tmp_path / "joined.csv"
    path.write_text(frame[:3].to_csv(index=False) + frame[3:].to_csv(index=False))
    with pytest.warns(RepeatedHeaderWarning, match=r"1 row of 'joined.csv' repeats its header"):
        dataset = load(path)
    assert_small(dataset)
    assert dataset.frame["stars"].tolist() == frame["stars"].tolist()
    assert dataset.schema.numeric == ("stars",)


def test_a_header_with_an_unnamed_index_column_is_the_header(tmp_path, small_frame):
    path = tmp_path / "data.csv"
    small_frame.to_csv(path)  # pandas' index: the header starts with an empty name
    with warnings.catch_warnings():
        warnings.simplefilter("error", TitleRowsWarning)
        frame = load(path).frame
    assert list(frame.columns) == ["Unnamed: 0", *small_frame.columns]


def test_excel_cells_are_missing_only_when_empty(tmp_path):
    frame = pd.DataFrame({
        "id": ["a", "NA", "c", "d"], "text": ["a cat", "a dog", "a boat", "a car"],
        "label": ["None", "pets", None, "pets"], "count": [1, "NA", 3, None],
    })  # fmt: skip
    path = tmp_path / "data.xlsx"
    frame.to_excel(path, index=False)
    read = load(path, label="label").frame
    assert read["id"].tolist() == ["a", "NA", "c", "d"]  # Namibia, not a gap
    assert read["label"].tolist()[:2] == ["None", "pets"] and pd.isna(read["label"][2])
    assert read["count"].dtype.kind == "f" and read["count"].isna().tolist() == [
        False, True, False, True
    ]  # fmt: skip


def test_suffix_is_case_insensitive(tmp_path, small_frame):
    path = tmp_path / "DATA.CSV"
    small_frame.to_csv(path, index=False)
    assert_small(load(path))


def test_text_folder_labels_are_subfolder_names(tmp_path):
    root = tmp_path / "reviews"
    files = {
        ("positive", "001.txt"): "a truly wonderful film to watch",
        ("positive", "002.txt"): "great acting and a moving story",
        ("negative", "001.txt"): "a dull plot with wooden acting",
        ("negative", "002.txt"): "i left before the slow ending",
        ("neutral", "x.txt"): "the film runs for two hours",
    }
    for (folder, name), text in files.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / name).write_text(text, encoding="utf-8")
    (root / "positive" / "notes.md").write_text("not a text file", encoding="utf-8")

    dataset = load(root)
    assert len(dataset) == 5  # the .md file is not read
    assert dataset.schema.text == "text"
    assert dataset.schema.label == "label"
    by_path = dict(zip(dataset.frame["path"], dataset.frame["label"], strict=True))
    assert by_path == {
        "negative/001.txt": "negative",
        "negative/002.txt": "negative",
        "neutral/x.txt": "neutral",
        "positive/001.txt": "positive",
        "positive/002.txt": "positive",
    }
    texts = dict(zip(dataset.frame["path"], dataset.texts, strict=True))
    assert texts["negative/002.txt"] == "i left before the slow ending"
    assert dataset.labels.classes.tolist() == ["negative", "neutral", "positive"]
    assert dataset.schema.id == "path" and dataset.row_ids[0] == "negative/001.txt"
    assert load(root, id=None).schema.id == "path" and load(root, id="text").schema.id == "text"


def test_text_folder_without_subfolders_has_no_labels(tmp_path):
    for i, text in enumerate(TEXTS):
        (tmp_path / f"{i}.txt").write_text(text, encoding="utf-8")
    dataset = load(tmp_path)
    assert len(dataset) == len(TEXTS)
    assert "label" not in dataset.frame.columns
    assert dataset.labels is None
    assert sorted(dataset.texts) == sorted(TEXTS)


def test_a_folder_of_table_parts_is_one_table(tmp_path, small_frame):
    """Spark, Dask and Hugging Face write a table as parts in a folder; it was refused as a
    folder without .txt files."""
    (tmp_path / "_delta_log").mkdir()
    (tmp_path / "_delta_log" / "0.json").write_text("{}", encoding="utf-8")
    for name in ("_SUCCESS", ".part-00000.parquet.crc"):
        (tmp_path / name).write_bytes(b"")
    small_frame.iloc[:4].to_parquet(tmp_path / "part-00000.parquet", index=False)
    small_frame.iloc[4:].to_parquet(tmp_path / "part-00001.parquet", index=False)
    dataset = load(tmp_path)
    assert_small(dataset)
    assert dataset.schema.split is None  # the parts name no split


def test_a_folder_of_tables_named_by_split_gives_the_split(tmp_path, small_frame):
    """``datasets``' ``save_to_disk`` of train and test, its records beside the parts."""
    table = _hugging_face_table(small_frame)
    for split, rows in (("train", table.slice(0, 4)), ("test", table.slice(4))):
        (tmp_path / split).mkdir()
        with pa.ipc.new_stream(tmp_path / split / "data-00000-of-00001.arrow", rows.schema) as s:
            s.write_table(rows)
        for record in ("state.json", "dataset_info.json"):
            (tmp_path / split / record).write_text("{}", encoding="utf-8")
    (tmp_path / "dataset_dict.json").write_text('{"splits": ["train", "test"]}', encoding="utf-8")
    dataset = load(tmp_path)
    assert dataset.schema.split == "split" and dataset.schema.label == "label"
    assert dataset.frame["split"].tolist() == ["test", "test", "train", "train", "train", "train"]
    assert dataset.texts == TEXTS[4:] + TEXTS[:4]
    assert dataset.labels.classes.tolist() == LABELS_SORTED


def test_a_kaggle_competition_s_folder_is_its_train_and_test_rows(tmp_path, small_frame):
    small_frame.iloc[:4].to_csv(tmp_path / "train.csv", index=False)
    small_frame.iloc[4:].drop(columns="label").to_csv(tmp_path / "test.csv", index=False)
    pd.DataFrame({"id": ["e", "f"], "label": ["x", "x"]}).to_csv(
        tmp_path / "sample_submission.csv", index=False
    )
    with pytest.warns(ColumnInferenceWarning, match=r"missing from some of them: 'label' "
                      r"\(1 of 2\)"):  # fmt: skip
        dataset = load(tmp_path)
    assert dataset.frame["split"].tolist() == ["test"] * 2 + ["train"] * 4
    assert dataset.row_ids.tolist() == IDS[4:] + IDS[:4]
    assert dataset.labels.missing.tolist() == [True] * 2 + [False] * 4


def test_a_folder_of_hive_partitions_gives_their_columns(tmp_path, small_frame):
    for year, rows in ((2023, small_frame.iloc[:2]), (2024, small_frame.iloc[2:])):
        (tmp_path / f"year={year}").mkdir()
        rows.to_csv(tmp_path / f"year={year}" / "part-0.csv", index=False)
    dataset = load(tmp_path)
    assert_small(dataset)
    assert dataset.frame["year"].tolist() == [2023] * 2 + [2024] * 4
    assert "year" in dataset.schema.numeric


def test_a_folder_of_tables_of_unequal_columns_warns(tmp_path, small_frame):
    small_frame.iloc[:3].to_csv(tmp_path / "a.csv", index=False)
    small_frame.iloc[3:].assign(score=1.0).to_csv(tmp_path / "b.csv", index=False)
    with pytest.warns(ColumnInferenceWarning, match=r"hold different columns; missing from "
                      r"some of them: 'score' \(1 of 2\)"):  # fmt: skip
        dataset = load(tmp_path)
    assert dataset.frame["score"].isna().tolist() == [True] * 3 + [False] * 3


def test_a_folder_of_text_files_is_read_as_one_beside_a_table(tmp_path, small_frame):
    (tmp_path / "pos").mkdir()
    (tmp_path / "pos" / "1.txt").write_text("a fine film", encoding="utf-8")
    small_frame.to_csv(tmp_path / "notes.csv", index=False)
    assert load(tmp_path).texts == ["a fine film"]


# --------------------------------------------------------------------------- in memory


def test_pandas_dataframe(small_frame):
    dataset = load(small_frame)
    assert_small(dataset)
    assert dataset.source == "in-memory DataFrame"


def test_pandas_dataframe_with_custom_index_is_positional(small_frame):
    shuffled = small_frame.set_axis([10, 3, 7, 1, 0, 99])
    dataset = load(shuffled)
    assert dataset.texts == TEXTS  # input order, not index order
    assert dataset.frame.index.tolist() == list(range(len(TEXTS)))


def test_polars_dataframe(small_frame):
    pl = pytest.importorskip("polars")
    assert_small(load(pl.from_pandas(small_frame)))


def test_pyarrow_table(small_frame):
    table = pa.Table.from_pandas(small_frame, preserve_index=False)
    assert_small(load(table))


def test_list_of_dicts(small_frame):
    assert_small(load(small_frame.to_dict(orient="records")))


def test_numpy_array_is_a_feature_matrix():
    matrix = np.arange(30, dtype=np.float64).reshape(10, 3)
    dataset = load(matrix)
    assert len(dataset) == 10
    np.testing.assert_array_equal(dataset.features, matrix)
    assert dataset.texts is None
    assert dataset.labels is None
    assert dataset.row_ids.tolist() == list(range(10))
    assert dataset.schema.text is None and dataset.schema.id is None


def test_numpy_array_with_label_array():
    matrix = np.random.default_rng(0).normal(size=(6, 4))
    dataset = load(matrix, label=np.array([0, 1, 0, 1, 1, 0]))
    assert dataset.labels.classes.tolist() == [0, 1]
    assert dataset.labels.codes.tolist() == [0, 1, 0, 1, 1, 0]


def test_numpy_audit_uses_the_features_as_vectors():
    rng = np.random.default_rng(1)
    matrix = rng.normal(size=(30, 5))
    result = siftkit.audit(matrix, k=5)
    assert result.summary["encoder"]["id"] == "vectors"
    assert result.embeddings.shape == (30, 5)
    assert result.rows["row_id"].tolist() == list(range(30))


def test_a_npy_file_is_a_feature_matrix(tmp_path):
    """`sift audit vectors.npy`: vectors alone, as a numpy array given in Python."""
    matrix = np.arange(30, dtype=np.float32).reshape(10, 3)
    np.save(tmp_path / "vectors.npy", matrix)
    dataset = load(tmp_path / "vectors.npy", label=np.arange(10) % 2)
    np.testing.assert_array_equal(dataset.features, matrix)
    assert dataset.labels.codes.tolist() == [0, 1] * 5
    assert dataset.source == str(tmp_path / "vectors.npy")


def test_a_npy_file_that_is_not_one_is_refused(tmp_path):
    (tmp_path / "vectors.npy").write_text("row_id,x\n1,2\n", encoding="utf-8")
    with pytest.raises(UnreadableDataError, match=r"is not a \.npy file"):
        load(tmp_path / "vectors.npy")
    with pytest.raises(DataFileNotFoundError):
        load(tmp_path / "missing.npy")


# --------------------------------------------------------------------------- roles


@pytest.fixture
def mixed_frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 60
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()
    return pd.DataFrame(
        {
            "uuid": [f"u{i:03d}" for i in range(n)],
            "review": [" ".join(rng.choice(words, size=8)) + f" {i}" for i in range(n)],
            "sentiment": rng.choice(["pos", "neg"], size=n),
            "fold": rng.choice(["train", "test"], size=n),
            "price": rng.normal(size=n),
            "count": rng.integers(0, 5, size=n),
            "color": rng.choice(["red", "green", "blue"], size=n),
            "in_stock": rng.choice([True, False], size=n),
            "vec": [rng.normal(size=4) for _ in range(n)],
        }
    )


def test_role_inference(mixed_frame):
    schema = load(mixed_frame).schema
    assert schema.id == "uuid"
    assert schema.text == "review"
    assert schema.label == "sentiment"
    assert schema.split == "fold"
    assert set(schema.numeric) == {"price", "count"}
    assert set(schema.categorical) == {"color", "in_stock"}
    assert schema.vector == ("vec",)
    assert schema.ignored == ()


def table_with_dates_and_codes(n: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "when": [f"2024-01-{1 + i % 28:02d} {i % 24:02d}:00:00" for i in range(n)],
        "day": [f"{1 + i % 28}/01/2024" for i in range(n)],
        "stamp": pd.date_range("2024-03-01", periods=n, freq="D", tz="Europe/Paris"),
        "sku": [f"SKU-{i:04d}" for i in range(n)],
        "price": rng.normal(size=n),
        "city": rng.choice(["paris", "lyon"], size=n),
    })  # fmt: skip


def test_dates_are_numbers_and_codes_are_ignored_not_text(tmp_path):
    frame = table_with_dates_and_codes()
    with pytest.warns(ColumnInferenceWarning, match=r"Ignoring the columns \['sku'\]: codes"):
        schema = load(frame).schema
    assert schema.text is None
    assert set(schema.numeric) == {"when", "day", "stamp", "price"}
    assert schema.categorical == ("city",) and schema.ignored == ("sku",)
    frame.to_csv(tmp_path / "table.csv", index=False)  # dates read back as strings
    with pytest.warns(ColumnInferenceWarning, match="codes"):
        assert set(load(tmp_path / "table.csv").schema.numeric) == set(schema.numeric)


def test_codes_beside_a_text_column_are_listed_as_ignored(recwarn):
    frame = table_with_dates_and_codes()
    frame["text"] = [f"a note about the order {i} and its delivery" for i in range(len(frame))]
    frame["url"] = [f"https://shop.example/item/{i}" for i in range(len(frame))]
    schema = load(frame).schema
    assert schema.text == "text"
    # every column of the data has a part, or is listed as left out (the datasheet says so)
    assert set(schema.ignored) == {"sku", "url"}
    assert not [w for w in recwarn if issubclass(w.category, ColumnInferenceWarning)]


@pytest.mark.parametrize(
    ("values", "why"),
    [
        (["😀🎉", "🔥👍", "🎉😀"] * 10, "single words"),
        (["a long sentence here", 12345] * 15, "numbers"),
    ],
)
def test_a_column_named_text_read_as_a_category_is_named_in_a_warning(values, why):
    frame = pd.DataFrame({"text": values, "x": range(len(values))})
    with pytest.warns(ColumnInferenceWarning, match=f"'text' is named like text, but .*{why}"):
        schema = load(frame).schema
    assert schema.text is None and "text" in schema.categorical
    assert load(frame, text="text").schema.text == "text"


def test_csv_cells_read_as_written_but_numbers_keep_their_gaps(tmp_path):
    """A class "None" and the id "NA" (Namibia) are values: a CSV cell is missing only when
    empty, as in JSON; in a column of numbers, "NA" and its kin are missing values still."""
    (tmp_path / "data.csv").write_text(
        "id,text,label,score\n"
        "NA,the country code for Namibia,None,1.5\n"
        "NaN,not a number in floating point,None,NA\n"
        "fr,the country code for France,,null\n"
        "de,N/A,country,2\n"
    )
    frame = load(tmp_path / "data.csv", id="id", text="text", label="label").frame
    assert frame["id"].tolist() == ["NA", "NaN", "fr", "de"]
    assert frame["label"].tolist()[:2] == ["None", "None"] and pd.isna(frame["label"][2])
    assert frame["score"].dtype.kind == "f" and frame["score"].isna().tolist() == [
        False, True, True, False
    ]  # fmt: skip
    assert is_blank(frame["text"][3])  # a placeholder text is an empty row, as before


def test_a_missing_id_is_named_as_missing_not_as_a_repeat(tmp_path):
    (tmp_path / "data.csv").write_text("id,text\na,one text\n,two texts\n,three texts\n")
    with pytest.raises(DuplicateIdError, match="is empty at row positions"):
        load(tmp_path / "data.csv", id="id", label=False)


def test_dates_count_in_days():
    from siftkit.data.schema import as_numbers

    written = pd.Series(["1970-01-02", "1970-01-01T12:00Z", None, "2/1/1970"])
    assert as_numbers(written).tolist()[:2] == [1.0, 0.5]
    assert np.isnan(as_numbers(written)[2]) and as_numbers(written)[3] in (1.0, 31.0)
    stamps = pd.Series(pd.to_datetime(["1970-01-03 00:00"]).tz_localize("Europe/Paris"))
    assert as_numbers(stamps).tolist() == [2.0 - 1 / 24]  # midnight in Paris is 23:00 UTC
    assert as_numbers(pd.Series(["1", "x", "2.5"])).tolist()[::2] == [1.0, 2.5]


def test_a_table_with_dates_is_embedded_as_a_table():
    frame = table_with_dates_and_codes()
    with pytest.warns(ColumnInferenceWarning):
        result = siftkit.audit(frame, progress=False, detectors=["outliers"])
    assert result.summary["encoder"]["id"] == "tabular"
    assert result.summary["input"]["schema"]["ignored"] == ["sku"]
    assert result.rows["values"][0] == (
        "when=2024-01-01 00:00:00, day=1/01/2024, stamp=2024-03-01 00:00:00+01:00, "
        f"sku=SKU-0000, price={frame['price'][0]:.4g}, city={frame['city'][0]}"
    )


def test_a_tables_values_say_what_each_row_holds():
    frame = pd.DataFrame({
        "id": ["a", "b", "c"], "label": ["x", "y", "x"],
        "n": [1.0, 123456.0, np.nan], "f": [0.123456, 2.5e-7, 1.5e12],
        "note": ["short", "word" * 15, None], "flag": [True, False, True],
    })  # fmt: skip
    values = load(frame).values
    assert values.tolist() == [
        "n=1, f=0.1235, note=short, flag=True",
        f"n=123456, f=2.5e-07, note={('word' * 15)[:39]}…, flag=False",
        "n=NA, f=1500000000000, note=NA, flag=True",
    ]
    assert load(frame.assign(text=["a b", "c d", "e f"])).values is None  # texts say it
    assert load(np.ones((3, 2))).values is None
    wide = load(pd.DataFrame({f"column_{i}": [i, i + 1] for i in range(40)})).values
    assert len(wide[0]) <= VALUES_MAX_CHARS and wide[0].endswith(", …")
    last = wide[0].count(", ") - 1  # the line ends after a whole cell
    assert wide[0][:-3].split(", ")[-1] == f"column_{last}={last}"
    assert wide[0].startswith("column_0=0, column_1=1, column_2=2")  # alike: file order


def test_a_wide_tables_values_show_each_rows_most_unusual_cells_first():
    rng = np.random.default_rng(0)
    pixels = pd.DataFrame(np.zeros((50, 64)), columns=[f"pixel_{i}" for i in range(64)])
    pixels["pixel_3"] = rng.integers(10, 13, 50)  # lit in every row
    pixels.loc[7, "pixel_60"] = 16.0  # row 7 lights a pixel no other row does
    pixels.loc[7, "pixel_3"] = 0.0  # and leaves dark the one every other row lights
    pixels["shape"] = ["round"] * 49 + ["star"]  # one rare category
    values = load(pixels).values
    assert values[7].startswith("pixel_60=16, pixel_3=0, ")
    assert values[49].startswith("shape=star, ")
    # cells as usual as each other keep file order
    assert "pixel_0=0, pixel_1=0, pixel_2=0, pixel_4=0, pixel_5=0" in values[0]
    assert (values.str.len() <= VALUES_MAX_CHARS).all()


def test_a_loaded_dataset_loads_as_it_is_or_with_new_labels(small_frame):
    dataset = load(small_frame)
    assert load(dataset) is dataset and load(dataset, text="text", id="id") is dataset
    relabeled = load(dataset, label=["x", None, "y", "x", None, "y"])
    assert relabeled.schema.label is None and relabeled.frame is dataset.frame
    assert list(relabeled.labels.classes) == ["x", "y"] and relabeled.labels.missing.sum() == 2
    with pytest.raises(InvalidParameterError, match="loaded with text='text'"):
        load(dataset, text="label")
    with pytest.raises(MissingLabelsError, match="Got 2 labels for 6 rows"):
        load(dataset, label=["x", "y"])


def test_vector_column_roundtrips_through_parquet(tmp_path, mixed_frame):
    table = pa.table(
        {
            "id": pa.array(range(len(mixed_frame))),
            "emb": pa.array([v.tolist() for v in mixed_frame["vec"]], type=pa.list_(pa.float32())),
            "color": pa.array(mixed_frame["color"].tolist()),
        }
    )
    path = tmp_path / "vectors.parquet"
    pq.write_table(table, path)
    dataset = load(path)
    assert dataset.schema.vector == ("emb",)
    assert dataset.schema.id == "id"
    assert dataset.schema.categorical == ("color",)
    assert dataset.schema.text is None
    np.testing.assert_allclose(
        np.vstack(dataset.frame["emb"].to_list()),
        np.vstack(mixed_frame["vec"].to_list()).astype(np.float32),
    )


def test_numeric_lists_are_vectors_string_lists_are_not():
    frame = pd.DataFrame(
        {
            "ragged_vec": [[1.0, 2.0], [1.0], [3.0, 4.0]],
            "words": [["a", "b"], ["c", "d"], ["e", "f"]],
            "x": [1.0, 2.0, 3.0],
        }
    )
    schema = infer_schema(frame)
    assert schema.vector == ("ragged_vec",)
    assert "words" not in schema.vector and "words" not in schema.numeric


def test_short_numeric_lists_are_not_the_rows_embeddings():
    """A box's corners or a pair of scores beside the text were once the rows' only vectors:
    the audit compared 2,000 glosses by two random numbers each."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "text": [f"a text about thing number {i} and more" for i in range(20)],
        "score": [rng.random(2) for _ in range(20)],
        "pixels": [rng.random(8) for _ in range(20)],
        "clip_emb": [rng.random(3) for _ in range(20)],
    })  # fmt: skip
    with pytest.warns(ColumnInferenceWarning, match=r"Ignoring the column 'score': lists of 2 "):
        schema = infer_schema(frame)
    assert schema.vector == ("pixels", "clip_emb") and "score" in schema.ignored
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert siftkit.embed.default_encoder_name(load(frame[["text", "score"]])) == "minilm"
        assert siftkit.embed.default_encoder_name(load(frame)) == "vectors"
    said = [str(w.message) for w in caught if w.category is ColumnInferenceWarning]
    assert len(said) == 3 and "not by their text" not in said[0]  # the text is embedded
    assert "by their vectors in 'pixels' and 'clip_emb', not by their text 'text'" in said[2]
    assert "--encoder minilm" in said[2]


def test_ragged_vector_column_is_reported_with_its_rows():
    from siftkit.exceptions import EmbeddingsError

    frame = pd.DataFrame({"embedding": [[1.0, 2.0], [1.0], [3.0, 4.0]], "label": ["a", "b", "a"]})
    with pytest.raises(EmbeddingsError, match=r"except at row positions \[1\].*one length"):
        siftkit.audit(frame)


def test_a_text_column_of_numbers_is_questioned(tmp_path):
    frame = pd.DataFrame({"height": [171.3, 168.7, np.nan], "city": ["Nice", "Lyon", "Nice"]})
    with pytest.warns(ColumnInferenceWarning, match=r"'height' holds numbers \(171.3, …\)"):
        assert load(frame, text="height").texts[:2] == ["171.3", "168.7"]
    with pytest.raises(EmptyTextError):  # no value at all: an empty text column, as before
        load(frame.assign(height=np.nan), text="height")


@pytest.mark.parametrize("text", ["title,body", "title, body", ["title", "body"]])
def test_a_text_of_several_columns_joins_them_a_line_each(text):
    """A review's title and body, a question and its answer: one column was the text."""
    frame = pd.DataFrame({"id": ["a", "b", "c"], "title": ["Great phone", None, "Meh"],
                          "body": ["Battery lasts two days.", "Broke in a week.", " "],
                          "stars": [5.0, 1.0, 3.0]})  # fmt: skip
    dataset = load(frame, text=text)
    assert dataset.schema.text == "title + body"
    assert dataset.texts == ["Great phone\nBattery lasts two days.", "Broke in a week.", "Meh"]
    assert list(dataset.frame.columns) == ["id", "title + body", "stars"]
    assert load(dataset, text=text) is dataset  # loaded so already
    result = siftkit.audit(frame, text=text, encoder="tfidf", k=2, progress=False,
                           detectors=["duplicates"])  # fmt: skip
    assert result.rows["text"].tolist() == dataset.texts


@pytest.mark.parametrize(
    ("text", "error"),
    [("title,bdy", r"The text column 'bdy' is not in the data"),
     ("title,title", r"name each column once"), (["title", ""], r"name each column once")],
)  # fmt: skip
def test_a_text_of_several_columns_must_name_each_once(text, error):
    frame = pd.DataFrame({"title": ["a cat"], "body": ["sat on a mat"]})
    with pytest.raises((InvalidParameterError, ColumnNotFoundError), match=error):
        load(frame, text=text)


def test_a_column_named_with_a_comma_is_one_text_column():
    frame = pd.DataFrame({"title,body": ["a cat on a mat", "a dog in a fog"]})
    assert load(frame, text="title,body").schema.text == "title,body"


@pytest.mark.parametrize(
    ("name", "taken"),
    [("gold_label", True), ("fine_label", True), ("label_text", True), ("Label Name", True),
     ("label_count", False), ("predicted_label", False), ("is_label_error", False),
     ("labeler", False)],
)  # fmt: skip
def test_a_column_named_with_the_word_label_is_the_labels(name, taken):
    """SNLI's gold_label, CIFAR-100's fine_label, SetFit's label_text were features; a count
    or a prediction of labels is not the labels."""
    frame = pd.DataFrame({"text": TEXTS, name: LABELS})
    assert load(frame).schema.label == (name if taken else None)


def test_of_two_columns_named_with_the_word_label_the_first_is_taken_with_a_warning():
    frame = pd.DataFrame({"text": TEXTS, "fine_label": LABELS, "coarse_label": ["x"] * 6})
    with pytest.warns(ColumnInferenceWarning, match=r"Using 'fine_label' as the label column; "
                      r"also named like labels: 'coarse_label'"):  # fmt: skip
        assert load(frame).schema.label == "fine_label"
    frame["label"] = LABELS  # a column named so is the labels, and no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", ColumnInferenceWarning)
        assert load(frame, text="text").schema.label == "label"


def test_explicit_roles_override_inference(mixed_frame):
    frame = mixed_frame.assign(
        body=[f"another long free text column number {i} here" for i in range(60)],
        key2=[f"k{i}" for i in range(60)],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ColumnInferenceWarning)  # explicit text: no guessing
        schema = load(frame, id="key2", text="body", label="color", split="in_stock").schema
    assert schema.id == "key2"
    assert schema.text == "body"
    assert schema.label == "color"
    assert schema.split == "in_stock"
    # the columns inference would have picked get ordinary roles now
    assert "uuid" not in (schema.id, schema.text, schema.label)
    assert "sentiment" in schema.categorical
    assert "fold" in schema.categorical
    assert "review" in schema.ignored
    assert "color" not in schema.categorical and "in_stock" not in schema.categorical


def test_explicit_numeric_label_column(mixed_frame):
    dataset = load(mixed_frame, label="count")
    assert dataset.schema.label == "count"
    assert "count" not in dataset.schema.numeric
    assert dataset.labels.classes.tolist() == sorted(mixed_frame["count"].unique().tolist())


def test_non_unique_id_like_column_is_not_inferred_as_id():
    frame = pd.DataFrame({"id": [1, 1, 2, 3], "text": TEXTS[:4]})
    with pytest.warns(ColumnInferenceWarning, match="'id' is named like row ids but repeats"):
        dataset = load(frame)
    assert dataset.schema.id is None
    assert dataset.row_ids.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("role", ["label", "id", "split"])
def test_one_column_in_two_roles_is_refused(role):
    frame = pd.DataFrame({"text": TEXTS[:4], "other": ["a", "b", "c", "d"]})
    with pytest.raises(InvalidParameterError, match="'text' is given as both the") as error:
        load(frame, text="text", **{role: "text"})
    assert f"the {role}" in str(error.value) and "the text" in str(error.value)


def test_two_free_text_columns_warn_and_pick_one():
    frame = pd.DataFrame(
        {
            "title": [f"short title number {i} of many" for i in range(60)],
            "notes": [f"a much longer note about item {i} and what it holds" for i in range(60)],
        }
    )
    with pytest.warns(ColumnInferenceWarning, match="--text"):
        schema = load(frame).schema
    assert schema.text == "notes"  # the longer one, without a preferred name
    assert schema.ignored == ("title",)


def test_labels_given_as_an_array(small_frame):
    frame = small_frame.drop(columns="label")
    given = np.array(["x", "y", "x", "y", None, "x"], dtype=object)
    dataset = load(frame, label=given)
    assert dataset.schema.label is None
    labels = dataset.labels
    assert labels.classes.tolist() == ["x", "y"]
    assert labels.codes.tolist() == [0, 1, 0, 1, -1, 0]
    assert labels.missing.tolist() == [False, False, False, False, True, False]


def test_labels_given_as_a_list_override_the_label_column(small_frame):
    given = ["p", "q", "p", "q", "p", "q"]
    dataset = load(small_frame, label=given)
    assert dataset.labels.decode(dataset.labels.codes).tolist() == given


def test_label_false_ignores_the_label_column(small_frame):
    assert load(small_frame).schema.label == "label"
    for data in (small_frame, load(small_frame)):
        dataset = load(data, label=False)
        assert dataset.schema.label is None and dataset.labels is None
        assert "label" in dataset.frame  # the column stays, ignored (the datasheet says so)
        assert dataset.schema.ignored == ("label",)


def test_label_array_of_the_wrong_length(small_frame):
    with pytest.raises(MissingLabelsError, match="Got 3 labels for 6 rows"):
        load(small_frame, label=np.array(["a", "b", "a"]))


def test_fingerprint_depends_on_content_and_order(small_frame):
    same = load(small_frame.copy()).fingerprint
    assert load(small_frame).fingerprint == same
    assert load(small_frame.iloc[::-1]).fingerprint != same
    changed = small_frame.copy()
    changed.loc[2, "text"] = "something else entirely here"
    assert load(changed).fingerprint != same


def test_a_column_named_text_is_text_even_on_a_few_rows():
    """Five short sentences have few distinct values, like a category; the name says text."""
    texts = ["a cat sat", None, "the dog barked", "?", "a boat sailed"]
    frame = pd.DataFrame({"id": [1, 2, 3, 4, 5], "text": texts})
    assert load(frame).schema.text == "text"
    # single words under a text-like name stay a category
    notes = [f"a note {i}" for i in range(60)]
    words = pd.DataFrame({"content": ["video", "image"] * 30, "body": notes})
    schema = load(words).schema
    assert schema.text == "body" and "content" in schema.categorical


def test_chinese_and_japanese_sentences_are_text_and_their_short_labels_categories():
    """Written without spaces, a sentence reads as one "word" split on spaces: the column
    was a category (its few distinct values on a few hundred rows), texts one-hot encoded."""
    sentences = ["球队赢得了比赛。他在最后一分钟进球", "把面包烤四十分钟。加盐然后炖汤",
                 "股市因通胀担忧下跌。银行提高了利率", "これはペンです。あれは本です"]  # fmt: skip
    frame = pd.DataFrame({"text": sentences * 60, "label": ["体育", "美食", "财经", "日本"] * 60})
    schema = load(frame).schema
    assert schema.text == "text" and schema.label == "label"
    assert [word_count(t) for t in ("体育", "球队赢得了比赛", "the team won", "用Python编程")] == [
        1, 4, 3, 3,
    ]  # fmt: skip


def test_whole_number_labels_stay_whole_when_some_cells_are_empty(tmp_path):
    path = tmp_path / "partly.csv"
    pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [7, None, 3, 7]}).to_csv(path, index=False)
    labels = load(path, label="y").labels
    assert labels.classes.tolist() == [3, 7]  # pandas read the column as 7.0, NaN, 3.0
    assert labels.decode(labels.codes).tolist() == [7, None, 3, 7]
    fractions = load(pd.DataFrame({"x": [1.0, 2.0], "y": [0.5, 1.0]}), label="y").labels
    assert fractions.classes.tolist() == [0.5, 1.0]


def test_spaces_around_a_text_label_make_no_class_of_their_own(tmp_path):
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": ["cat", "cat ", " dog", None]})
    labels = load(frame, label="y").labels
    assert labels.classes.tolist() == ["cat", "dog"]
    assert labels.decode(labels.codes).tolist() == ["cat", "cat", "dog", None]
    categories = load(frame.assign(y=frame["y"].fillna(" ").astype("category")), label="y")
    assert categories.labels.decode(categories.labels.codes).tolist() == [
        "cat",
        "cat",
        "dog",
        None,
    ]  # a pandas category column alike, a blank one missing


def test_labels_given_as_a_series_follow_its_index(small_frame):
    frame = small_frame.drop(columns="label").set_index(pd.Index([10, 11, 12, 13, 14, 15]))
    labels = pd.Series(LABELS, index=frame.index)[::-1]  # the same index, another order
    dataset = load(frame, label=labels)
    assert dataset.labels.decode(dataset.labels.codes).tolist() == LABELS
    with pytest.raises(MissingLabelsError, match="index is not the data's"):
        load(frame, label=pd.Series(LABELS))  # positions 0-5, not the frame's 10-15
    # beside a file or an array a Series has no index to follow: read in order
    assert load(np.eye(6), label=pd.Series(LABELS, index=range(6, 12))).labels.n_classes == 3


def test_two_columns_of_one_name_are_refused(small_frame):
    frame = pd.concat([small_frame, small_frame[["text"]]], axis=1)
    with pytest.raises(UnreadableDataError, match="more than one column named 'text'"):
        load(frame)


def test_a_column_named_like_labels_but_empty_is_not_taken_for_them():
    frame = pd.DataFrame({"text": ["a cat", "a dog", "a cow"], "y": [np.nan] * 3})
    assert load(frame).schema.label is None
    assert load(frame.assign(y=["x", None, "z"])).schema.label == "y"


def test_a_column_with_no_value_is_ignored(tmp_path):
    """A spreadsheet's unused column ('Unnamed: 5', all empty) was a numeric feature."""
    frame = pd.DataFrame({"height": [1.0, 2.0, 3.0], "city": ["a", "b", "a"]})
    frame["Unnamed: 2"] = np.nan
    frame["notes"] = None
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    schema = load(path).schema
    assert schema.numeric == ("height",) and schema.categorical == ("city",)
    assert schema.ignored == ("Unnamed: 2", "notes")


def test_image_paths_are_neither_text_nor_codes(tmp_path):
    """A file's name is no text to compare rows by: with spaces it was embedded as text,
    without them it was called a column of codes."""
    from siftkit.embed import default_encoder_name
    from siftkit.exceptions import EmptyDatasetError

    n = 40
    frame = pd.DataFrame({
        "file": [f"/data/photos/IMG {i}.JPEG" for i in range(n)],
        "label": ["cat", "dog"] * (n // 2),
    })  # fmt: skip
    dataset = load(frame)
    assert dataset.schema.text is None and dataset.schema.ignored == ("file",)
    with pytest.raises(EmptyDatasetError, match=r"'file' .* names image files .* --embeddings"):
        default_encoder_name(dataset)
    frame["width"] = np.arange(n)
    with pytest.warns(ColumnInferenceWarning, match="names image files .* left out"):
        schema = load(frame).schema
    assert schema.numeric == ("width",) and schema.ignored == ("file",)


def label_studio_task(task_id: int, text: str, *annotations: tuple[list[str], bool]) -> dict:
    """A task as Label Studio's JSON export writes it: its data, and per annotation the
    choices made and whether it was cancelled."""
    return {
        "id": task_id,
        "data": {"text": text},
        "annotations": [
            {"id": n, "was_cancelled": cancelled, "result": [{
                "value": {"choices": choices}, "from_name": "sentiment", "to_name": "text",
                "type": "choices",
            }]}
            for n, (choices, cancelled) in enumerate(annotations)
        ],
        "predictions": [],
        "project": 3,
    }  # fmt: skip


def test_a_label_studio_export_gives_its_choices_as_labels(tmp_path):
    """Its labels sat in a list of annotations: the run found no label column, and its
    `predictions`, a column of empty lists, were taken for the rows' vectors and refused."""
    tasks = [
        label_studio_task(11, "great phone, love it", (["Positive"], False)),
        label_studio_task(12, "broke after a day", (["Negative"], False), (["Positive"], True)),
        label_studio_task(13, "it is a phone"),  # nobody labeled it yet
        label_studio_task(14, "so-so", (["Positive"], False), (["Positive", "Negative"], False)),
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    dataset = load(path)
    # the latest annotation not cancelled; several choices joined; none where none was made
    labels = dataset.frame["sentiment"]
    assert labels.isna().tolist() == [False, False, True, False]
    assert labels.dropna().tolist() == ["Positive", "Negative", "Positive|Negative"]
    schema = dataset.schema
    assert (schema.id, schema.text, schema.label) == ("id", "data.text", "sentiment")
    assert "annotations" not in dataset.frame and schema.vector == ()
    assert "predictions" in schema.ignored


def test_annotations_of_another_shape_stay_a_column_as_they_are():
    from siftkit.data.readers import annotation_choices

    frame = pd.DataFrame({"text": ["a", "b"], "annotations": [["x"], ["y", "z"]]})
    assert annotation_choices(frame) is frame
    named = pd.DataFrame(
        {
            "sentiment": ["old"],
            "annotations": [
                [
                    {
                        "result": [
                            {
                                "type": "choices",
                                "from_name": "sentiment",
                                "value": {"choices": ["new"]},
                            }
                        ]
                    }
                ]
            ],
        }
    )
    assert annotation_choices(named).to_dict("records") == [
        {"sentiment": "old", "annotations.sentiment": "new"}
    ]  # fmt: skip


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_chats_are_read_as_the_text_of_their_turns(tmp_path, suffix):
    """Fine-tuning data holds chats as lists of turns: the column was read as categories of
    lists, and the audit embedded them as a table (88 of 120 chats "near duplicates")."""
    system = {"role": "system", "content": "You are a helpful assistant."}
    rows = [
        {"id": "a", "messages": [system, {"role": "user", "content": "How do I bake bread?"},
                                 {"role": "assistant", "content": "Knead, rise, bake."}]},
        {"id": "b", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What is in this photo?"},
            {"type": "image_url", "image_url": {"url": "cat.png"}}]},
            {"role": "assistant", "content": "A cat.", "tool_calls": None}]},
        {"id": "c", "messages": [system, {"role": "user", "content": "  "}]},
    ]  # fmt: skip
    path = tmp_path / f"chats{suffix}"
    if suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    else:  # lists of structs, read as numpy arrays of dicts; a turn's content of one type
        rows[1]["messages"][0]["content"] = "What is in this photo?"
        pd.DataFrame(rows).to_parquet(path)
    dataset = load(path)
    assert dataset.schema.text == "messages" and dataset.schema.id == "id"
    assert dataset.texts == ["How do I bake bread?\nKnead, rise, bake.",
                             "What is in this photo?\nA cat.", ""]  # fmt: skip


def test_sharegpt_conversations_are_read_as_text_and_other_lists_of_objects_are_not():
    frame = pd.DataFrame({
        "forum": ["a long name of the forum the chat was taken from", "another forum"],
        "conversations": [[{"from": "human", "value": "hi there"},
                           {"from": "gpt", "value": "hello"}], None],
        "spans": [[{"start": 0, "end": 2}], [{"start": 1, "end": 3}]],
        "weights": [[{"value": 3, "unit": "kg"}], [{"value": 1, "unit": "g"}]],
    })  # fmt: skip
    dataset = load(frame)
    assert dataset.schema.text == "conversations"  # named so, though another text is longer
    assert dataset.frame["conversations"].iloc[0] == "hi there\nhello"
    assert dataset.frame["conversations"].isna().iloc[1]
    for name in ("spans", "weights"):  # lists of objects, but no turns of a chat
        assert dataset.frame[name].tolist() == frame[name].tolist()


def test_a_prodigy_export_keeps_the_labels_of_accepted_answers_alone(tmp_path):
    """A rejected `SPORTS` (the text is not about sport) was read as labeled `SPORTS`."""
    from siftkit.exceptions import ColumnInferenceWarning

    binary = tmp_path / "binary.jsonl"
    binary.write_text("\n".join(json.dumps(task) for task in [
        {"text": "the match ended in a draw", "label": "SPORTS", "answer": "accept"},
        {"text": "parliament passed the bill", "label": "SPORTS", "answer": "reject"},
        {"text": "a recipe for soup", "label": "FOOD", "answer": "accept"},
        {"text": "stock prices fell", "label": "FOOD", "answer": "ignore"},
    ]), encoding="utf-8")  # fmt: skip
    with pytest.warns(ColumnInferenceWarning, match=r"2 Prodigy answers .*1 reject, 1 ignore"):
        dataset = load(binary)
    assert dataset.labels.codes.tolist() == [1, -1, 0, -1]  # classes FOOD, SPORTS
    choice = tmp_path / "choice.jsonl"
    choice.write_text("\n".join(json.dumps(task) for task in [
        {"text": "a goal", "options": [{"id": "SPORTS"}], "accept": ["SPORTS"], "answer": "accept"},
        {"text": "a soup", "options": [{"id": "FOOD"}], "accept": ["FOOD"], "answer": "accept"},
    ]), encoding="utf-8")  # fmt: skip
    dataset = load(choice, text="text")
    assert dataset.schema.label == "label" and dataset.frame["label"].tolist() == ["SPORTS", "FOOD"]
    # an `answer` column of other values, or of none, is a column like any other
    for answers in (["yes", "no"], [None, None]):
        survey = pd.DataFrame({"text": ["a", "b"], "answer": answers, "label": ["x", "y"]})
        assert load(survey, text="text").frame["label"].tolist() == ["x", "y"]
