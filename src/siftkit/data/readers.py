"""Read a file, a folder or an in-memory table into a pandas DataFrame.

Each reader turns parser failures into :class:`UnreadableDataError` naming the file,
the format it was read as, and what to do about it.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import itertools
import json
import lzma
import re
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from siftkit._text import NA_TEXTS, counted, encoding_of, read_unicode
from siftkit._validation import did_you_mean
from siftkit.data.schema import IMAGE_PATH_PATTERN
from siftkit.exceptions import (
    ColumnInferenceWarning,
    DataFileNotFoundError,
    FirstSheetWarning,
    LiteralQuotesWarning,
    MissingExtraError,
    RepeatedHeaderWarning,
    TextEncodingWarning,
    TitleRowsWarning,
    TruncatedFileWarning,
    UnreadableDataError,
)

#: File suffix -> format name. The format decides the reader.
FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".sqlite": "database",
    ".sqlite3": "database",
    ".db": "database",
    ".duckdb": "database",
    ".txt": "lines",
    ".log": "lines",
}

#: Spreadsheet suffixes siftkit does not read (it reads .xlsx): refused, saying how to save them.
OTHER_SPREADSHEETS = (".xls", ".ods", ".numbers")

#: Compressions read by the suffix after a format's own (``reviews.csv.gz``), as they stream;
#: a ``.zip`` archive holds one file (``train.csv.zip``, ``train.zip`` holding ``train.csv``).
COMPRESSIONS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
ZIP = ".zip"
#: The formats read compressed: the text ones (Parquet, Arrow and Excel compress inside).
COMPRESSIBLE_FORMATS = ("csv", "tsv", "jsonl", "json", "lines")

TEXT_FOLDER_SUFFIXES = (".txt",)
#: The key of a DataFrame's ``attrs`` naming the column of row ids a reader gave it (a text
#: folder's ``path``), taken when none is named.
ROW_IDS = "siftkit.row_ids"

#: The bytes a ``.npy`` file starts with.
NPY_MAGIC = b"\x93NUMPY"


def format_of(path: Path) -> str | None:
    """The format ``path``'s suffix names (for a compressed file, the suffix before the
    compression's, or the name of the one file a ``.zip`` archive holds); None for another
    suffix."""
    suffix = path.suffix.lower()
    if suffix in COMPRESSIONS or suffix == ZIP:
        inner = FORMATS.get(Path(path.stem).suffix.lower())
        if inner is None and suffix == ZIP and path.is_file():
            try:
                inner = FORMATS.get(Path(_zip_member(path)).suffix.lower())
            except UnreadableDataError:  # read_path says why
                return None
        return inner if inner in COMPRESSIBLE_FORMATS else None
    return FORMATS.get(suffix)


def _zip_member(path: Path) -> str:
    """The name of the one file the ``.zip`` archive ``path`` holds (leaving out folders and
    the ``__MACOSX`` and dot files macOS adds); raises :class:`UnreadableDataError` when it
    holds another number."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [
                info.filename
                for info in archive.infolist()
                if not info.is_dir()
                and not info.filename.startswith("__MACOSX/")
                and not Path(info.filename).name.startswith(".")
            ]
    except zipfile.BadZipFile as exc:
        raise UnreadableDataError(
            f"{str(path)!r} is not a readable .zip archive ({exc}); check that it is not "
            "truncated, or unzip it and point siftkit at the file inside."
        ) from exc
    if len(names) != 1:
        held = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
        raise UnreadableDataError(
            f"{str(path)!r} holds {counted(len(names), 'file')}"
            + (f" ({held})" if names else "")
            + ", where siftkit reads an archive of one. Unzip it and point siftkit at the file "
            "to read, or at the folder to read its tables as one."
        )
    return names[0]


def _open_bytes(path: Path) -> IO[bytes]:
    """``path`` opened for reading its bytes, decompressed as its last suffix says."""
    suffix = path.suffix.lower()
    if suffix == ZIP:
        member = _zip_member(path)
        with zipfile.ZipFile(path) as archive:
            return archive.open(member)  # the member keeps the archive's file open
    return COMPRESSIONS.get(suffix, open)(path, "rb")


def _encoding(path: Path) -> str:
    """The encoding of the text file ``path``, as its byte-order mark names it (UTF-8 by
    default)."""
    with _open_bytes(path) as handle:
        return encoding_of(handle.read(4))


def _open_text(path: Path, **options: Any) -> IO[str]:
    """``path`` opened as text, decompressed as its suffix says, in the encoding its
    byte-order mark names (UTF-8 by default) unless ``options`` name one."""
    encoding = options.pop("encoding", None) or _encoding(path)
    return io.TextIOWrapper(_open_bytes(path), encoding=encoding, **options)


#: The suffixes of numpy's files of arrays: data given as vectors alone, or the rows' vectors.
ARRAY_SUFFIXES = (".npy", ".npz")
#: The names a ``.npz`` archive of several arrays holds the rows' vectors under, in the order
#: they are looked for (``numpy.savez(path, embeddings=vectors, ids=ids)``; ``arr_0`` where
#: the vectors were given unnamed).
VECTOR_ARRAY_NAMES = ("embeddings", "embedding", "vectors", "vecs", "emb", "features", "x",
                      "arr_0")  # fmt: skip


def read_array(path: str | Path) -> np.ndarray:
    """The array a ``.npy`` file holds, or the vectors of a ``.npz`` archive (its one array,
    or the one named as ``VECTOR_ARRAY_NAMES``): data given as vectors alone, one row per
    vector, or the rows' vectors."""
    path = Path(path)
    if not path.is_file():
        raise DataFileNotFoundError(_missing_path_message(path))
    if path.suffix.lower() == ".npz":
        return _archived_vectors(path)
    with path.open("rb") as handle:
        if handle.read(len(NPY_MAGIC)) != NPY_MAGIC:
            raise UnreadableDataError(
                f"{str(path)!r} is not a .npy file (numpy.save writes them, starting with the "
                "bytes \\x93NUMPY). Save the vectors with numpy.save(path, vectors), or give "
                "the file the suffix of its format."
            )
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise UnreadableDataError(
            f"Could not read {str(path)!r} as a .npy array ({exc}). Save the vectors with "
            "numpy.save(path, vectors) as a 2-D array of numbers."
        ) from exc


def _archived_vectors(path: Path) -> np.ndarray:
    """The rows' vectors a ``.npz`` archive holds: its one array, or the one named as
    ``VECTOR_ARRAY_NAMES``."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            by_name = {name.lower(): name for name in names}
            chosen = names[0] if len(names) == 1 else next(
                (by_name[name] for name in VECTOR_ARRAY_NAMES if name in by_name), None
            )  # fmt: skip
            if chosen is not None:
                return archive[chosen]
    except (ValueError, OSError) as exc:  # not a zip of arrays, or arrays of objects
        raise UnreadableDataError(
            f"Could not read {str(path)!r} as a .npz archive of arrays ({exc}). Save the "
            "vectors with numpy.save(path, vectors) as a 2-D array of numbers."
        ) from exc
    held = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
    raise UnreadableDataError(
        f"{str(path)!r} holds {counted(len(names), 'array')} ({held or 'none'}), none named as "
        f"the rows' vectors ({', '.join(VECTOR_ARRAY_NAMES[:4])}, …). Save the vectors under "
        "one of those names (numpy.savez(path, embeddings=vectors)), or alone with "
        "numpy.save(path, vectors)."
    )


#: A URL's start (``https://``, ``s3://``, ``hf://``): no path siftkit reads.
URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def url_refusal(text: str) -> str | None:
    """Why ``text`` is not read, when it is a URL: siftkit reads local files alone and never
    the network; else None."""
    if not URL.match(text):
        return None
    return (
        f"{text!r} is a URL: siftkit reads local files and folders, and never the network. "
        "Download it first (curl -LO URL; a Hugging Face dataset: huggingface-cli download "
        "NAME --repo-type dataset --local-dir DIR), then point siftkit at the file or folder."
    )


def read_path(path: str | Path) -> pd.DataFrame:
    """Read a data file, or a folder of class subfolders or of a table's parts, into a
    DataFrame."""
    path = Path(path)
    if not path.exists():
        raise DataFileNotFoundError(_missing_path_message(path))
    if path.is_dir():
        return read_folder(path)
    if path.suffix.lower() == ZIP:
        _zip_member(path)  # raises, saying why, unless the archive holds one file
    fmt = format_of(path)
    if fmt is None and path.suffix.lower() in OTHER_SPREADSHEETS:
        raise UnreadableDataError(
            f"siftkit does not read {path.suffix} spreadsheets ({str(path)!r}): save the sheet "
            "as .xlsx or as CSV (UTF-8) from the spreadsheet program, and point siftkit at that."
        )
    if fmt is None:
        raise UnreadableDataError(
            f"Cannot tell the format of {str(path)!r} from its suffix {path.suffix!r}. "
            f"Expected one of {', '.join(sorted(FORMATS))} (the text formats also compressed: "
            ".csv.gz, .jsonl.bz2, .tsv.xz, .csv.zip), .npy or .npz (vectors alone), "
            "or a folder: of class subfolders holding .txt files, or of the parts of a table. "
            "Rename the file to a supported suffix."
        )
    if path.stat().st_size == 0:
        raise UnreadableDataError(
            f"{str(path)!r} is empty (0 bytes). Check that it was written whole (a copy or "
            "download cut short), or point siftkit at the file you mean."
        )
    if fmt in COMPRESSIBLE_FORMATS:
        _check_text(path, fmt)
    try:
        frame = _READERS[fmt](path)
    except (UnreadableDataError, MissingExtraError):
        raise
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from exc
    except Exception as exc:  # parser errors come in many classes; all mean "not this format"
        raise UnreadableDataError(
            f"Could not read {str(path)!r} as {fmt.upper()}: {type(exc).__name__}: "
            f"{_first_line(exc)}. Check that the file really is {fmt.upper()} (its suffix "
            "decides the parser) and is not truncated; re-export it or rename it to match "
            "its real format."
        ) from exc
    return _trimmed_header(frame)


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> UnreadableDataError:
    """The error for the text file ``path`` that is not UTF-8 (nor marked UTF-16), naming
    the byte ``exc`` stopped at and how to convert the file."""
    return UnreadableDataError(
        f"{str(path)!r} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at position "
        f"{exc.start:,} is not UTF-8). Save it as UTF-8, e.g. `iconv -f ENCODING -t utf-8 "
        "FILE > FILE.utf8.csv`, ENCODING the one it was written in (cp1252, gbk, "
        "shift_jis, …)."
    )


#: The first bytes of a text file looked at for the NUL bytes that text never holds.
BINARY_SAMPLE_BYTES = 8192


def _check_text(path: Path, fmt: str) -> None:
    """Raise when the file ``path``, to be read as text of the format ``fmt``, holds NUL
    bytes in its first ``BINARY_SAMPLE_BYTES`` (decompressed), as binary files do and text
    does not (but for UTF-16 and UTF-32, which a byte-order mark names)."""
    with _open_bytes(path) as handle:
        sample = handle.read(BINARY_SAMPLE_BYTES)
    if b"\x00" in sample and encoding_of(sample[:4]) == "utf-8-sig":
        raise UnreadableDataError(
            f"{str(path)!r} holds binary data (NUL bytes), not {fmt.upper()} text: check that "
            "it is the file you mean, and not another format given this suffix (rename it "
            "to its format's suffix; UTF-16 text needs its byte-order mark)."
        )


def _trimmed_header(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the spaces around its column names dropped (``text, label`` is the
    header of ``text`` and ``label``), unless that would give two columns one name."""
    names = [name.strip() if isinstance(name, str) else name for name in frame.columns]
    if names == list(frame.columns) or len(set(names)) < len(names):
        return frame
    return frame.set_axis(names, axis=1)


def flattened(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each column of objects (every value a dict, or missing) replaced, in
    place, by a column per field, named with dots as JSON paths are (``meta.label``), down
    to the fields that hold no object; a column whose fields' names are taken stays."""
    parts, nested = [], False
    for position, name in enumerate(frame.columns):
        column = frame.iloc[:, position]  # by position: names may repeat (refused later)
        values = column.dropna()
        if (
            pd.api.types.is_object_dtype(column.dtype)
            and len(values)
            and all(isinstance(value, dict) for value in values)
        ):
            fields = pd.json_normalize([v if isinstance(v, dict) else {} for v in column])
            fields.columns = [f"{name}.{field}" for field in fields.columns]
            if not set(fields.columns) & set(map(str, frame.columns)):
                parts.append(fields.set_axis(frame.index))
                nested = True
                continue
        parts.append(column.to_frame())
    return pd.concat(parts, axis=1) if nested else frame


#: The keys a chat's turn names its speaker and its words by: OpenAI's ``messages``
#: (``{"role": "user", "content": "…"}``) and ShareGPT's ``conversations`` (``{"from":
#: "human", "value": "…"}``).
TURN_KEYS = (("role", "content"), ("from", "value"))
#: Speakers whose turns a chat's text leaves out: a system prompt, the same in most rows,
#: would make every chat alike.
UNSPOKEN_ROLES = frozenset(("system",))


def conversation_texts(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each column of chats (every value a list of turns keyed as
    ``TURN_KEYS``, or missing), as fine-tuning data holds them, as text: the words of each
    turn but the system's, a line each. Such a column was read as categories of lists."""
    chats = [
        position
        for position in range(frame.shape[1])  # by position: names may repeat
        if pd.api.types.is_object_dtype((values := frame.iloc[:, position]).dtype)
        and (values := values.dropna()).size
        and all(_is_chat(value) for value in values)
        and any(len(value) for value in values)
    ]
    if not chats:
        return frame
    frame = frame.copy()
    for position in chats:
        chat = frame.iloc[:, position]
        frame.isetitem(position, chat.map(_chat_text, na_action="ignore").astype(object))
    return frame


def _is_chat(value: Any) -> bool:
    return isinstance(value, list | tuple | np.ndarray) and all(
        isinstance(turn, dict) and any(who in turn and said in turn for who, said in TURN_KEYS)
        for turn in value
    )


def _chat_text(turns: Sequence[dict[str, Any]]) -> str:
    """The words of ``turns``, a line per turn, the system's left out; a turn's words given
    as parts (``[{"type": "text", "text": "…"}, {"type": "image_url", …}]``) are its text
    parts."""
    lines = []
    for turn in turns:
        speaker, words = next(
            (turn[who], turn[said]) for who, said in TURN_KEYS if who in turn and said in turn
        )
        if speaker in UNSPOKEN_ROLES:
            continue
        if isinstance(words, list | tuple | np.ndarray):
            words = " ".join(
                part["text"] for part in words
                if isinstance(part, dict) and isinstance(part.get("text"), str)
            )  # fmt: skip
        if isinstance(words, str) and words.strip():
            lines.append(words.strip())
    return "\n".join(lines)


def one_label(labels: Sequence[Any]) -> Any:
    """The one label of a cell holding several, as annotation tools export them: none for
    an empty list, itself for one, several joined by ``|`` (``spam|ads``)."""
    if not len(labels):
        return None
    return labels[0] if len(labels) == 1 else "|".join(map(str, labels))


def annotation_choices(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with an ``annotations`` column as Label Studio's JSON export writes it (per
    task, a list of annotations, each with a ``result`` list of ``{"type": "choices",
    "from_name": "sentiment", "value": {"choices": ["Positive"]}}``) replaced by a column
    per ``from_name``: the choices of the task's latest annotation that was not cancelled,
    joined by ``|`` where several were chosen; missing where the task has none (a task nobody
    labeled). Any other frame comes back as it is."""
    if "annotations" not in frame.columns:
        return frame
    tasks = frame["annotations"]
    given = tasks.dropna()
    if not len(given) or not all(
        isinstance(task, list) and all(isinstance(a, dict) and "result" in a for a in task)
        for task in given
    ):
        return frame
    columns: dict[str, list[Any]] = {}
    for row, task in enumerate(tasks):
        kept = [a for a in task if not a.get("was_cancelled")] if isinstance(task, list) else []
        for result in kept[-1]["result"] if kept else []:
            choices = (result.get("value") or {}).get("choices")
            if result.get("type") == "choices" and choices:
                name = str(result.get("from_name") or "choice")
                columns.setdefault(name, [None] * len(frame))[row] = one_label(choices)
    if not columns:
        return frame
    chosen = pd.DataFrame(
        {name if name not in frame.columns else f"annotations.{name}": values
         for name, values in columns.items()},
        index=frame.index,
    )  # fmt: skip
    return pd.concat([frame.drop(columns="annotations"), chosen], axis=1)


#: Prodigy's answers to a task; only an accepted one says what the text is.
PRODIGY_ANSWERS = {"accept", "reject", "ignore"}


def accepted_answers(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` of Prodigy annotations (an ``answer`` column of ``accept``, ``reject`` or
    ``ignore``) with labels only where the answer is ``accept``: the ``label`` the task
    asked about, or, for a choice among options, the ``accept`` column's choices (as
    ``label`` where no column is named so). A rejected label says what the text is not, and
    an ignored one nothing: those rows have no label, with a ``ColumnInferenceWarning``
    counting them. Any other frame comes back as it is."""
    answers = frame["answer"].dropna().astype(str) if "answer" in frame.columns else None
    if answers is None or answers.empty or not set(answers) <= PRODIGY_ANSWERS:
        return frame
    chosen = "accept" in frame.columns and frame["accept"].map(lambda v: isinstance(v, list)).any()
    if chosen and "label" not in frame.columns:
        frame = frame.rename(columns={"accept": "label"})
    if "label" not in frame.columns:
        return frame
    declined = frame["answer"].isin(PRODIGY_ANSWERS - {"accept"}).to_numpy()
    if declined.any():
        frame = frame.copy()
        frame.loc[declined, "label"] = None
        counts = frame["answer"][declined].value_counts()
        warnings.warn(
            f"{int(declined.sum()):,} Prodigy answers are not `accept` ("
            + ", ".join(f"{n:,} {answer}" for answer, n in counts.items())
            + "): a rejected label says what a text is not, an ignored one nothing, so those "
            "rows are read without a label.",
            ColumnInferenceWarning,
            stacklevel=4,
        )
    return frame


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else "no details"


#: How alike (difflib's ratio) a file's name must be to the one asked for to be suggested:
#: `nosuch.csv` is 0.64 like `wn_noisy_truth.csv`, `reviws.csv` 0.95 like `reviews.csv`.
FILE_NAME_CUTOFF = 0.75


def _missing_path_message(path: Path) -> str:
    parent = path.parent if str(path.parent) else Path(".")
    hint = ""
    if parent.is_dir():
        siblings = [p.name for p in parent.iterdir()]
        # file names share their suffix: only a name close beyond it is a likely typo
        hint = did_you_mean(path.name, siblings, cutoff=FILE_NAME_CUTOFF)
        if hint:
            hint = hint.replace("Did you mean '", f"Did you mean '{parent}/", 1)
    else:
        hint = f" The folder {str(parent)!r} does not exist either."
    return f"No such file or folder: {str(path)!r}.{hint} Check the path and try again."


#: The separators a ``.csv`` file may use; its header line says which (the most common there).
CSV_SEPARATORS = (",", ";", "\t", "|")
#: A CSV file's first line declaring its separator (``sep=;``), as Excel writes and reads it.
SEPARATOR_DECLARATION = re.compile(r"sep=(.)")
#: The first lines of a table searched for its header, below a title (see :func:`_title_rows`).
HEAD_ROWS = 20
#: A CSV file that is not UTF-8 is read as Windows-1252 when its first bytes read as that and
#: its characters beyond ASCII are at most this share of its letters (French or German text:
#: a few in a hundred; another script's bytes read as Windows-1252: nearly all).
ENCODING_SAMPLE_BYTES = 1 << 20
MAX_BEYOND_ASCII = 0.3
#: The rows of a CSV file looked at for whole numbers written with leading zeros (codes).
LEADING_ZERO_ROWS = 1000
#: A whole number written with leading zeros: a code (``007``, ``02134``), kept as text.
ZERO_PADDED = re.compile(r"[+-]?0\d")
#: A number written with a decimal comma (``3,5``; ``1.234,5`` with a dot between thousands),
#: as spreadsheets in locales that separate fields by ``;`` save them.
DECIMAL_COMMA = re.compile(r"[+-]?(\d+|\d{1,3}(\.\d{3})+)(,\d+)?")


def _title_rows(head: list[list[str]]) -> int:
    """How many of a table's first rows (``head``, each a list of its cells, "" where empty)
    are a title above its header, as spreadsheets export them ("Sales 2024", a blank line,
    then the header): 0 unless the first row filling as many cells as any (the header), with
    rows of as many cells below it, comes below rows of one cell or none (so a header that
    leaves some columns unnamed stays the header)."""
    filled = [sum(bool(str(cell).strip()) for cell in row) for row in head]
    width = max(filled, default=0)
    if width < 2:
        return 0
    header = filled.index(width)
    below = [len(row) for row in head[header + 1 :] if row]
    # the rows below have the header's fields: a table, not a line longer than its header
    table = bool(below) and all(n == len(head[header]) for n in below)
    return header if table and all(n <= 1 for n in filled[:header]) else 0


def _warn_of_title(path: Path, head: list[list[str]], skipped: int) -> None:
    title = " ".join(str(cell).strip() for row in head[:skipped] for cell in row if cell)
    warnings.warn(
        f"The first {skipped} rows of {path.name!r} are a title above its header"
        + (f" ({title[:80]!r})" if title else "")
        + f": they were skipped, and row {skipped + 1} read as the header. Delete them from "
        "the file to read it as it is.",
        TitleRowsWarning,
        stacklevel=5,
    )


def _separator_of(header: str) -> str:
    """The separator a table's ``header`` line uses most of ``CSV_SEPARATORS``; a comma
    where it uses none (one column)."""
    counts = [header.count(candidate) for candidate in CSV_SEPARATORS]
    return CSV_SEPARATORS[int(np.argmax(counts))] if max(counts) else ","


def _read_csv(path: Path, sep: str | None = None) -> pd.DataFrame:
    """A CSV file (a byte-order mark is skipped, and a title above the header, with a
    warning); ``sep`` None: the separator a first line ``sep=;`` declares (as Excel reads and
    writes it), else the one the first line uses most of ``CSV_SEPARATORS`` (a comma where it
    uses none: one column, or a title above comma-separated rows)."""
    encoding = _encoding(path)
    with _open_text(path, encoding=encoding, errors="replace") as handle:
        lines = list(itertools.islice(handle, HEAD_ROWS))
    declaration = SEPARATOR_DECLARATION.fullmatch(lines[0].rstrip("\r\n")) if lines else None
    if declaration:
        sep, lines = sep or declaration.group(1), lines[1:]
    if sep is None:
        sep = _separator_of(lines[0] if lines else "")
    head = list(csv.reader(lines, delimiter=sep))
    skipped = _title_rows(head)
    if skipped:
        _warn_of_title(path, head, skipped)
    skipped += bool(declaration)
    # only an empty cell is missing as read: "None" or "NA" may be a class or an id
    options = dict(sep=sep, low_memory=False, keep_default_na=False, na_values=[""],
                   skiprows=skipped, skipinitialspace=True)  # fmt: skip
    try:
        frame = _parsed_csv(path, encoding=encoding, **options)
        options["encoding"] = encoding
    except UnicodeDecodeError:
        example = _windows_1252_example(path)
        if example is None:
            raise
        warnings.warn(
            f"{path.name!r} is not UTF-8: read as Windows-1252, as Excel saves CSV in Western "
            f"Europe (such as {example!r}). If its letters read wrong, save it as UTF-8.",
            TextEncodingWarning,
            stacklevel=4,
        )
        options["encoding"] = "cp1252"
        frame = _parsed_csv(path, **options)
    if _quotes_join_rows(path, frame, sep, skipped, options["encoding"]):
        options["quoting"] = csv.QUOTE_NONE
        frame = _parsed_csv(path, **options)
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas takes the first fields of lines longer than the header for an index, and
        # fills the shorter lines' last columns with nothing: the data would shift silently
        raise UnreadableDataError(
            f"Some lines of {path.name!r} hold more fields than its header ({len(frame.columns)} "
            f"columns, separated by {sep!r}): quote the fields that hold the separator, or "
            "give the header a name for every field."
        )
    frame = _without_repeated_headers(_with_leading_zeros(frame, path, options), path)
    return _numbers_with_gaps(frame if sep == "," else _decimal_commas(frame))


def _quotes_join_rows(
    path: Path, frame: pd.DataFrame, sep: str, skipped: int, encoding: str
) -> bool:
    """Whether the quote characters of ``path``, read as quoting into ``frame``, joined lines
    that are rows of their own: every line below the header holds as many separators as the
    header, but a value of ``frame`` holds a line break (``"Fast`` opening a quoted value
    that ends lines later), as in tab-separated files, whose quotes are characters of their
    values. Warns when they did."""
    if not len(frame.columns) > 1 or not any(
        frame[name].str.contains("\n", regex=False).any()
        for name in frame.columns
        if pd.api.types.is_string_dtype(frame[name].dtype)
    ):
        return False
    fields = len(frame.columns) - 1
    lines = 0
    with _open_text(path, encoding=encoding, errors="replace", newline="") as handle:
        for line in itertools.islice(handle, skipped, None):
            line = line.rstrip("\r\n")
            if not line:
                continue
            if line.count(sep) != fields:
                return False  # a line break inside a quoted value, as quoting writes them
            lines += 1
    rows = lines - 1  # below the header
    warnings.warn(
        f"The quotes of {path.name!r} are characters of its values, not quoting: every line "
        f"holds one row of {fields + 1} fields, but read as quoting they joined its "
        f"{rows:,} rows into {len(frame):,}. Read as written, a row per line.",
        LiteralQuotesWarning,
        stacklevel=5,
    )
    return True


def read_delimited(path: Path, **options: Any) -> pd.DataFrame:
    """A small delimited text file as pandas reads it (only an empty cell missing; more
    ``options`` for ``pandas.read_csv``): in the encoding its byte-order mark names,
    decompressed as its suffix says, separated by what its first line uses most of
    ``CSV_SEPARATORS``."""
    encoding = _encoding(path)
    try:
        with _open_text(path, encoding=encoding) as handle:
            sep = _separator_of(handle.readline())
        return _parsed_csv(path, sep=sep, encoding=encoding, keep_default_na=False,
                           na_values=[""], **options)  # fmt: skip
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from exc


def _parsed_csv(path: Path, **options: Any) -> pd.DataFrame:
    """``pandas.read_csv`` of ``path``, decompressed as its suffix says."""
    with _open_bytes(path) as handle:
        return pd.read_csv(handle, **options)


def _with_leading_zeros(frame: pd.DataFrame, path: Path, options: dict[str, Any]) -> pd.DataFrame:
    """``frame`` with each column of whole numbers that the file writes with leading zeros
    (codes such as ``007`` or ``02134``: pandas reads 7 and 2134) as written, text. Only the
    first ``LEADING_ZERO_ROWS`` rows are looked at, read again as text."""
    whole = [name for name in frame.columns if _whole_numbers(frame[name])]
    if not whole:
        return frame
    written = _parsed_csv(path, usecols=whole, dtype=str, nrows=LEADING_ZERO_ROWS, **options)
    padded = [name for name in whole if written[name].str.match(ZERO_PADDED).any()]
    if padded:
        texts = _parsed_csv(path, usecols=padded, dtype=str, **options)
        for name in padded:
            frame[name] = texts[name].to_numpy()
    return frame


def _windows_1252_example(path: Path) -> str | None:
    """A word of ``path`` beyond ASCII as Windows-1252 reads it (``café``), when its first
    ``ENCODING_SAMPLE_BYTES`` read as that, few of their letters beyond ASCII (Western
    European text, not another script's bytes misread); else None."""
    with _open_bytes(path) as handle:
        sample = handle.read(ENCODING_SAMPLE_BYTES)
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:  # five bytes have no character in Windows-1252
        return None
    beyond = re.search(r"\w*[^\x00-\x7f]\w*", text)
    letters = sum(char.isalpha() for char in text)
    if beyond is None or sum(not char.isascii() for char in text) > MAX_BEYOND_ASCII * letters:
        return None
    return beyond.group()


def _without_repeated_headers(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """``frame`` without the rows that repeat its header, as files joined end to end leave
    (``cat a.csv b.csv``), with a warning; the columns they kept from being read as numbers
    are numbers again."""
    first = frame.columns[0] if len(frame.columns) > 1 else None
    if first is None or not pd.api.types.is_string_dtype(frame[first].dtype):
        return frame  # a header among numbers makes their column text
    repeats = frame[first].eq(first).to_numpy(dtype=bool, na_value=False, copy=True)
    for name in frame.columns[1:]:
        if not repeats.any():
            return frame
        repeats &= frame[name].eq(name).to_numpy(dtype=bool, na_value=False)
    if not repeats.any():
        return frame
    n = int(repeats.sum())
    rows = ", ".join(f"{i + 1:,}" for i in np.flatnonzero(repeats)[:5]) + (", …" if n > 5 else "")
    warnings.warn(
        f"{'1 row' if n == 1 else f'{n:,} rows'} of {path.name!r} "
        f"{'repeats' if n == 1 else 'repeat'} its header ({'row' if n == 1 else 'rows'} {rows} "
        "below it), as files joined end to end leave: dropped.",
        RepeatedHeaderWarning,
        stacklevel=5,
    )
    frame = frame[~repeats].reset_index(drop=True)
    for name in frame.columns:
        numbers = _as_numbers(frame[name])
        if numbers is not None:
            frame[name] = numbers
    return frame


def _as_numbers(column: pd.Series) -> pd.Series | None:
    """``column`` as numbers, its "no value" texts (``NA_TEXTS``) missing, when it is text
    whose every other value is a number, none written with leading zeros (a code); else
    None."""
    if not pd.api.types.is_string_dtype(column.dtype):  # object or str columns
        return None
    gaps = column.isin(NA_TEXTS)
    rest = column[~gaps & column.notna()].astype(str)
    if rest.str.match(ZERO_PADDED).any() or pd.to_numeric(rest, errors="coerce").isna().any():
        return None
    return pd.to_numeric(column.mask(gaps), errors="coerce")


def _whole_numbers(column: pd.Series) -> bool:
    """Whether ``column`` holds whole numbers (as floats where some cells are empty)."""
    if pd.api.types.is_integer_dtype(column.dtype):
        return True
    if not pd.api.types.is_float_dtype(column.dtype):
        return False
    values = column.dropna().to_numpy()
    return len(values) > 0 and bool((values == np.round(values)).all())


def _decimal_commas(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each column of numbers written with decimal commas (``DECIMAL_COMMA``,
    "no value" texts among them) written with points: numbers for :func:`_numbers_with_gaps`,
    or at once where no cell is empty. Only for files whose fields are not separated by commas,
    where a comma can only be a decimal one."""
    for name in frame.columns:
        column = frame[name]
        if not pd.api.types.is_string_dtype(column.dtype):
            continue
        values = column[column.notna() & ~column.isin(NA_TEXTS)].astype(str)
        if values.empty or not values.str.contains(",", regex=False).any():
            continue
        if values.str.fullmatch(DECIMAL_COMMA).all():
            points = column.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
            frame[name] = column.where(column.isin(NA_TEXTS), points)
            if not frame[name].isin(NA_TEXTS).any():
                frame[name] = pd.to_numeric(frame[name])
    return frame


def _numbers_with_gaps(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each column of numbers written with "no value" texts (``NA_TEXTS``:
    "NA", "null", …) among them made numbers, those texts missing."""
    for name in frame.columns:
        if not frame[name].isin(NA_TEXTS).any():
            continue  # text that pandas did not read as numbers has other values
        numbers = _as_numbers(frame[name])
        if numbers is not None:
            frame[name] = numbers
    return frame


def _read_tsv(path: Path) -> pd.DataFrame:
    return _read_csv(path, sep="\t")


def _json_problem(exc: json.JSONDecodeError) -> str:
    """What a JSON parser found wrong, without the "at" some of its messages end in
    ("Unterminated string starting at"), as the place is said after it."""
    return exc.msg.removesuffix(" at")


def _read_jsonl(path: Path) -> pd.DataFrame:
    records: list[dict[str, Any]] = []
    with _open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                if records and not line.endswith("\n") and not handle.read().strip():
                    warnings.warn(
                        f"The last line of {path.name!r} (line {number:,}) is cut short "
                        f"({_json_problem(exc)}), as a download or copy that stopped leaves "
                        f"it: left out, the {len(records):,} rows above it read.",
                        TruncatedFileWarning,
                        stacklevel=4,
                    )
                    break
                raise UnreadableDataError(
                    f"Could not read {str(path)!r} as JSON Lines: line {number} is not valid "
                    f"JSON ({_json_problem(exc)} at column {exc.colno}). Each line must hold "
                    "one JSON object; fix or remove that line."
                ) from exc
            if not isinstance(record, dict):
                raise UnreadableDataError(
                    f"Could not read {str(path)!r} as JSON Lines: line {number} holds a "
                    f"{type(record).__name__}, not an object. Each line must be one JSON "
                    'object such as {"text": "...", "label": "..."}.'
                )
            records.append(record)
    return pd.DataFrame.from_records(records)


def _read_json(path: Path) -> pd.DataFrame:
    """A JSON array of rows; JSON Lines saved as ``.json``; or one object: the rows under its
    one key that holds a list of objects (``{"version": 2, "data": [...]}``), else one row."""
    with _open_text(path) as handle:
        first_line = handle.readline()
        while first_line and not first_line.strip():
            first_line = handle.readline()
    if first_line.lstrip().startswith("["):
        with _open_text(path) as handle:
            return pd.read_json(handle, orient="records")
    if first_line.lstrip().startswith("{") and not _is_json(first_line):
        # one object written over several lines, as json.dump(..., indent=2) does
        with _open_text(path) as handle:
            try:
                document = json.load(handle)
            except json.JSONDecodeError as exc:
                raise UnreadableDataError(
                    f"Could not read {str(path)!r} as JSON: {_json_problem(exc)} at line "
                    f"{exc.lineno}, column {exc.colno}. Fix the file, or write one object per "
                    "row (JSON Lines)."
                ) from exc
        return _rows_of_object(document, path)
    frame = _read_jsonl(path)
    if len(frame) == 1:
        return _rows_of_object(frame.iloc[0].to_dict(), path)
    return frame


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def _rows_of_object(document: Any, path: Path) -> pd.DataFrame:
    """The rows one JSON object holds: those of its one value that is a list of objects, or
    the object as one row."""
    if not isinstance(document, dict):
        raise UnreadableDataError(
            f"{str(path)!r} holds a JSON {type(document).__name__}, not rows. Write an array "
            'of objects, one per row, such as [{"text": "...", "label": "..."}].'
        )
    if document and all(isinstance(value, dict) for value in document.values()):
        raise UnreadableDataError(
            f"{str(path)!r} holds one object of objects ({{column: {{row: value}}}}, as pandas' "
            "to_json writes by default, or {row: {column: value}}), not a list of rows. Write "
            "one object per row: to_json(orient='records') or to_json(orient='records', "
            "lines=True)."
        )
    if _is_split_table(document):  # pandas' to_json(orient="split")
        return pd.DataFrame(document["data"], columns=document["columns"])
    tables = {
        key: value
        for key, value in document.items()
        if isinstance(value, list) and value and all(isinstance(row, dict) for row in value)
    }
    if len(tables) > 1 and names_splits(tables):  # {"train": [...], "test": [...]}
        splits = with_splits({key: pd.DataFrame.from_records(rows) for key, rows in tables.items()})
        if splits is not None:
            return splits
    if len(tables) > 1:
        held = ", ".join(f"{key!r} ({len(rows):,} rows)" for key, rows in tables.items())
        raise UnreadableDataError(
            f"{str(path)!r} holds {len(tables)} lists of rows: {held}. Write the rows to audit "
            "as one list, with a column naming where each came from (a column named 'split' "
            "is read as the row's split), or one file per list."
        )
    if tables:
        return pd.DataFrame.from_records(next(iter(tables.values())))
    return pd.DataFrame([document])


def _is_split_table(document: dict[str, Any]) -> bool:
    """Whether ``document`` is a table written as its column names and its rows' values
    (``{"columns": ["text", "label"], "data": [["a cat", "pets"], …]}``, as pandas'
    ``to_json(orient="split")`` writes it, an ``index`` beside them)."""
    columns, data = document.get("columns"), document.get("data")
    return (
        set(document) <= {"columns", "data", "index"}
        and isinstance(columns, list)
        and isinstance(data, list)
        and all(isinstance(row, list) and len(row) == len(columns) for row in data)
    )


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet

    return _from_arrow(pyarrow.parquet.read_table(path))


def _read_arrow(path: Path) -> pd.DataFrame:
    """An Arrow IPC file (Feather, as pandas' ``to_feather`` writes it) or stream (as Hugging
    Face ``datasets`` caches and saves its tables)."""
    import pyarrow
    import pyarrow.feather
    import pyarrow.ipc

    try:
        table = pyarrow.feather.read_table(path)
    except pyarrow.ArrowInvalid:  # not a file: a stream has no footer
        with pyarrow.ipc.open_stream(pyarrow.memory_map(str(path))) as stream:
            table = stream.read_all()
    return _from_arrow(table)


def _from_arrow(table: Any) -> pd.DataFrame:
    """A pyarrow Table as pandas, each column a Hugging Face ``ClassLabel`` in the features
    its schema's metadata records (as ``datasets`` writes Parquet and Arrow files) holding
    its class names."""
    metadata = table.schema.metadata or {}
    try:
        info = json.loads(metadata.get(b"huggingface", b"{}")).get("info") or {}
    except (json.JSONDecodeError, AttributeError):
        info = {}
    features = info.get("features") if isinstance(info, dict) else None
    names = {
        name: feature["names"]
        for name, feature in (features if isinstance(features, dict) else {}).items()
        if isinstance(feature, dict)
        and feature.get("_type") == "ClassLabel"
        and isinstance(feature.get("names"), list)
    }
    return _class_names(table.to_pandas(), names)


#: The first bytes of the database files siftkit reads: SQLite's at the start, DuckDB's after
#: a checksum.
SQLITE_MAGIC = b"SQLite format 3\x00"
DUCKDB_MAGIC = b"DUCK"


def _read_database(path: Path) -> pd.DataFrame:
    """The one table (or view) of a SQLite or DuckDB database file, opened read-only; one
    holding several is refused, naming them."""
    db, listing, export = _open_database(path)
    with closing(db):
        names = [row[0] for row in db.execute(listing).fetchall()]
        if len(names) == 1:
            rows = db.execute(f"select * from {_quoted(names[0])}")
            return pd.DataFrame(rows.fetchall(), columns=[c[0] for c in rows.description])
        sizes = [db.execute(f"select count(*) from {_quoted(n)}").fetchone()[0] for n in names]
    held = ", ".join(f"{name} ({counted(n, 'row')})" for name, n in zip(names, sizes, strict=True))
    raise UnreadableDataError(
        f"{str(path)!r} holds {counted(len(names), 'table')}"
        + (f" ({held})" if names else "")
        + f", where siftkit reads a database of one. Export the one to audit ({export}) and "
        "point siftkit at that file."
    )


def _open_database(path: Path) -> tuple[Any, str, str]:
    """(a read-only connection to the database file ``path``, the query listing its tables,
    how to export one), for SQLite and DuckDB files as their first bytes tell them."""
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        import sqlite3

        return (
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True),
            "select name from sqlite_master where type in ('table', 'view') and name not like "
            "'sqlite_%' order by name",
            f"sqlite3 -header -csv {path.name} 'select * from TABLE' > TABLE.csv",
        )
    if head[8:12] == DUCKDB_MAGIC:
        import duckdb

        return (
            duckdb.connect(str(path), read_only=True),
            "select table_name from information_schema.tables order by 1",
            f"duckdb {path.name} \"copy TABLE to 'TABLE.parquet'\"",
        )
    raise UnreadableDataError(
        f"{str(path)!r} is neither a SQLite nor a DuckDB database (its first bytes are "
        "neither's). Export the table to audit as CSV or Parquet, and point siftkit at it."
    )


def _quoted(name: str) -> str:
    """A table's name quoted for SQL."""
    return '"' + name.replace('"', '""') + '"'


def _read_excel(path: Path) -> pd.DataFrame:
    """The first sheet of an Excel workbook (a warning names the others), its first row the
    header; as in a CSV file, only an empty cell is missing."""
    try:
        import openpyxl  # noqa: F401 — pandas' engine for .xlsx
    except ImportError as exc:
        raise MissingExtraError(
            f"Reading {path.suffix} files needs openpyxl: pip install 'siftkit[excel]' (or save "
            "the sheet as CSV, UTF-8, from the spreadsheet program)."
        ) from exc
    with pd.ExcelFile(path, engine="openpyxl") as workbook:
        names = workbook.sheet_names
        if len(names) > 1 and names_splits(names):
            splits = with_splits({name: _sheet(workbook, name, path) for name in names})
            if splits is not None:  # sheets "train" and "test": the rows of each split
                return splits
        if len(names) > 1:
            warnings.warn(
                f"{path.name!r} holds {len(names)} sheets; read the first, {names[0]!r} (not "
                f"{', '.join(map(repr, names[1:]))}). Save the sheet you mean as a file of "
                "its own to read another.",
                FirstSheetWarning,
                stacklevel=4,
            )
        return _sheet(workbook, names[0], path)


def _sheet(workbook: pd.ExcelFile, name: str, path: Path) -> pd.DataFrame:
    """The sheet ``name`` of ``workbook``, its first row the header (below a title, skipped
    with a warning); as in a CSV file, only an empty cell is missing."""
    head = pd.read_excel(workbook, name, header=None, nrows=HEAD_ROWS, dtype=str)
    head_rows = head.fillna("").to_numpy().tolist()
    skipped = _title_rows(head_rows)
    if skipped:
        _warn_of_title(path, head_rows, skipped)
    frame = pd.read_excel(workbook, name, keep_default_na=False, na_values=[""], header=skipped)
    return _numbers_with_gaps(frame)


def names_splits(names: Iterable[str]) -> bool:
    """Whether each of ``names`` (of tables, sheets, lists of rows) is a split's
    (``SPLIT_WORDS``: ``train``, ``Test``…)."""
    return all(name.strip().lower() in SPLIT_WORDS for name in names)


def with_splits(tables: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    """The rows of ``tables``, named by their splits (:func:`names_splits`), one after
    another, each with its ``split``; None where a table holds a ``split`` column of its
    own."""
    if any("split" in table.columns for table in tables.values()):
        return None
    return pd.concat(
        [table.assign(split=name.strip()) for name, table in tables.items()], ignore_index=True
    )


def _read_lines(path: Path) -> pd.DataFrame:
    """A text file as one row per line that holds something: its number in the file
    (``line``, from 1) and its ``text``."""
    with _open_text(path) as handle:
        numbered = [(n, line.strip()) for n, line in enumerate(handle, start=1) if line.strip()]
    return pd.DataFrame(numbered, columns=["line", "text"])


_READERS = {
    "lines": _read_lines,
    "csv": _read_csv,
    "tsv": _read_tsv,
    "jsonl": _read_jsonl,
    "json": _read_json,
    "parquet": _read_parquet,
    "arrow": _read_arrow,
    "excel": _read_excel,
    "database": _read_database,
}


#: Files a folder of tables holds beside them, not rows: Hugging Face ``datasets``'
#: ``save_to_disk`` records. Spark's, Dask's and Delta Lake's (``_SUCCESS``, ``_metadata``,
#: ``_delta_log/``) and hidden files (``.part-0.crc``) are passed over by their first character.
TABLE_FOLDER_RECORDS = frozenset(("dataset_info.json", "state.json", "dataset_dict.json"))
#: Tables named so are the form of a competition's answers (Kaggle's
#: ``sample_submission.csv``), not rows of the data.
SUBMISSION = re.compile(r"(sample_)?submission", re.IGNORECASE)
#: Words naming a split in a table's path (``data/train-00000-of-00002.parquet``,
#: ``test.csv``, ``validation/data-00000-of-00001.arrow``).
SPLIT_WORDS = frozenset(("train", "training", "test", "testing", "validation", "valid", "val",
                         "dev", "eval", "evaluation"))  # fmt: skip
#: A folder named ``key=value``: a Hive partition, as Spark and pyarrow write them.
PARTITION = re.compile(r"([^=]+)=(.*)")


def read_folder(folder: Path) -> pd.DataFrame:
    """The rows of a folder: of its ``.txt`` files (:func:`read_text_folder`) where it holds
    any, else of its tables (:func:`read_table_folder`)."""
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    texts = [path for path in files if path.suffix.lower() in TEXT_FOLDER_SUFFIXES]
    if texts:
        return read_text_folder(folder, texts)
    tables = [path for path in files if _is_table_part(path.relative_to(folder))]
    if tables:
        return read_table_folder(folder, tables)
    images = sum(1 for path in files if IMAGE_PATH_PATTERN.fullmatch(path.name))
    held = (
        f"holds {counted(images, 'image file')} and no .txt file or table. siftkit reads no "
        "images: embed them with an image model, and pass a table with a row per image (its "
        "path, its label) and the vectors in the same order (--embeddings FILE.npy)" if images
        else "holds no .txt files and no tables. Expected one subfolder per class, each "
        "holding .txt files (e.g. reviews/positive/001.txt), or the parts of one table "
        "(part-00000.parquet, …); or point siftkit at a CSV, JSON Lines or Parquet file"
    )  # fmt: skip
    raise UnreadableDataError(f"The folder {str(folder)!r} {held}.")


def _is_table_part(relative: Path) -> bool:
    """Whether the file at ``relative`` in a folder is a table to read, not a record beside
    the tables (``TABLE_FOLDER_RECORDS``, ``SUBMISSION``; files and folders named from ``.``
    or ``_``)."""
    if relative.name in TABLE_FOLDER_RECORDS or SUBMISSION.search(relative.stem):
        return False
    if any(part.startswith((".", "_")) for part in relative.parts):
        return False
    return format_of(relative) not in (None, "lines", "database")  # a database is no part


def read_table_folder(folder: Path, tables: list[Path]) -> pd.DataFrame:
    """The rows of the tables ``tables`` (files below ``folder``, of one format) one after
    another, in the order of their paths, as Spark, Dask and Hugging Face ``datasets`` write
    a table in parts. A folder named ``key=value`` (a Hive partition) gives its rows the
    column ``key``; where the paths name two splits or more (``train.csv``, ``test.csv``) and
    the tables have no ``split`` column, the rows get one."""
    formats = pd.Series([format_of(path) for path in tables]).value_counts()
    if len(formats) > 1:
        held = ", ".join(f"{n:,} {kind.upper()}" for kind, n in formats.items())
        raise UnreadableDataError(
            f"The folder {str(folder)!r} holds tables of {len(formats)} formats ({held} files), "
            "where siftkit reads the parts of one table. Point it at one file, or at a folder "
            "holding one format."
        )
    parts, partitions = [], set()
    for path in tables:
        frame = read_path(path)
        for directory in path.relative_to(folder).parts[:-1]:
            partition = PARTITION.fullmatch(directory)
            if partition and partition.group(1) not in frame:
                frame[partition.group(1)] = partition.group(2)
                partitions.add(partition.group(1))
        parts.append(frame)
    _warn_of_unequal_columns(folder, tables, parts)
    rows = pd.concat(parts, ignore_index=True)
    splits = [_split_named(path.relative_to(folder)) for path in tables]
    if "split" not in rows and None not in splits and len(set(splits)) > 1:
        rows["split"] = np.repeat(splits, [len(part) for part in parts])
    for name in partitions:  # numbers written in folders' names (``year=2024``) are numbers
        numbers = _as_numbers(rows[name])
        if numbers is not None:
            rows[name] = numbers
    return rows


def _split_named(relative: Path) -> str | None:
    """The split a table's path names (``data/train-00000-of-00002.parquet``: ``train``), the
    first word of ``SPLIT_WORDS`` in its folders' names or its own; None where none does."""
    words = re.split(r"[\W_]+", " ".join((*relative.parts[:-1], relative.name.split(".")[0])))
    return next((word.lower() for word in words if word.lower() in SPLIT_WORDS), None)


def _warn_of_unequal_columns(folder: Path, tables: list[Path], parts: list[pd.DataFrame]) -> None:
    """Warn when the tables of a folder hold different columns: their rows have no value in
    the columns of the others."""
    columns = [set(map(str, part.columns)) for part in parts]
    lacking = [
        (name, n)
        for name in sorted(set().union(*columns))
        if (n := sum(name not in held for held in columns))
    ]
    if not lacking:
        return
    said = ", ".join(f"{name!r} ({n:,} of {len(tables):,})" for name, n in lacking[:5])
    warnings.warn(
        f"The tables of {str(folder)!r} hold different columns; missing from some of them: "
        f"{said}{', …' if len(lacking) > 5 else ''}. Their rows have no value there.",
        ColumnInferenceWarning,
        stacklevel=4,
    )


def read_text_folder(folder: Path, files: list[Path]) -> pd.DataFrame:
    """One row per ``.txt`` file of ``files`` (below ``folder``); the subfolder a file sits
    in is its label.

    Files directly inside ``folder`` get no label. Columns: ``path``, ``text``, ``label``.
    """
    rows = []
    for file in files:
        relative = file.relative_to(folder)
        label = relative.parts[0] if len(relative.parts) > 1 else None
        text = read_unicode(file, "Convert the file to UTF-8 or remove it from the folder.")
        rows.append({"path": str(relative), "text": text, "label": label})
    frame = pd.DataFrame(rows)
    if frame["label"].isna().all():
        frame = frame.drop(columns="label")
    frame.attrs[ROW_IDS] = "path"
    return frame


def _class_names(frame: pd.DataFrame, class_names: dict[str, list[str]]) -> pd.DataFrame:
    """``frame`` with each column of Hugging Face ``ClassLabel`` numbers that
    ``class_names`` names (column -> class names) holding the names (``0`` → ``World``),
    -1 (no label, as test splits hold) missing."""
    for name, names in class_names.items():
        if not names or name not in frame or not pd.api.types.is_integer_dtype(frame[name]):
            continue
        codes = frame[name].to_numpy()
        known = (codes >= 0) & (codes < len(names))
        labels = np.full(len(codes), None, dtype=object)
        labels[known] = np.asarray(names, dtype=object)[codes[known]]
        frame[name] = labels
    return frame


def _hugging_face_frame(dataset: Any) -> pd.DataFrame:
    """A Hugging Face ``Dataset`` as pandas, its ``ClassLabel`` columns holding their class
    names."""
    features = getattr(dataset, "features", None) or {}
    names = {
        name: feature.names
        for name, feature in features.items()
        if type(feature).__name__ == "ClassLabel"
    }
    return _class_names(dataset.to_pandas(), names)


def to_frame(data: Any) -> pd.DataFrame:
    """Turn any supported in-memory table into a pandas DataFrame (no copy when possible)."""
    if isinstance(data, pd.DataFrame):
        return data
    module = type(data).__module__.split(".")[0]
    if module == "polars":
        return data.to_pandas()
    if module == "pyarrow":
        return _from_arrow(data)
    if module == "datasets" and hasattr(data, "to_pandas"):
        return _hugging_face_frame(data)
    if module == "datasets" and isinstance(data, Mapping) and data:  # a DatasetDict
        splits = with_splits({str(name): _hugging_face_frame(part) for name, part in data.items()})
        if splits is None:
            raise UnreadableDataError(
                f"The DatasetDict's splits ({', '.join(map(str, data))}) hold a column named "
                "'split' of their own: pass one of them (dataset['train']), or rename it."
            )
        return splits
    if isinstance(data, np.ndarray):
        raise TypeError("numpy arrays are handled by siftkit.data.load, not to_frame")
    if isinstance(data, list | tuple) and data and all(isinstance(r, dict) for r in data):
        return pd.DataFrame.from_records(list(data))
    raise UnreadableDataError(
        f"Cannot read data of type {type(data).__module__}.{type(data).__qualname__}. "
        "Expected a path (CSV, TSV, JSON Lines, Parquet, Arrow, a folder of class subfolders "
        "or of a table's parts), a pandas/polars DataFrame, a pyarrow Table, a Hugging Face "
        "Dataset or DatasetDict, a list of dicts, or a 2-D numpy array of features."
    )
