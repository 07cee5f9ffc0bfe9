"""``siftkit.audit``: load → embed → kNN graph → detectors → run folder."""

from __future__ import annotations

import hashlib
import json
import platform
import time
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siftkit import __version__
from siftkit._progress import stage_bar
from siftkit.data import Dataset, content_hashes, load
from siftkit.data.dataset import label_text
from siftkit.data.schema import as_dates, as_numbers, is_date_column
from siftkit.detectors import Context, Detector, available_detectors, get_detector, run_detectors
from siftkit.detectors.words import joined_rows_computed
from siftkit.embed import default_encoder_name, embed_dataset, get_encoder, load_embeddings
from siftkit.embed.base import FRAGMENT_WARN_SHARE, Encoder, has_content, l2_normalize
from siftkit.exceptions import EmbeddingsError, LongTextsWarning, UnknownWordsWarning
from siftkit.execution import Executor
from siftkit.neighbors import build_graph
from siftkit.results import Audit, check_output_folder

DEFAULT_K = 20


def _resolve_detectors(detectors: Sequence[str | Detector] | None) -> list[Detector]:
    names = available_detectors() if detectors is None else detectors
    resolved = [get_detector(d) if isinstance(d, str) else d for d in names]
    for detector in resolved:
        detector.check_params()
    return resolved


def _run_fingerprint(dataset: Dataset, parameters: dict[str, Any], embeddings: Any) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(dataset.fingerprint.encode())
    digest.update(json.dumps(parameters, sort_keys=True, default=str).encode())
    if embeddings is not None and not isinstance(embeddings, str | Path):  # an array(-like)
        digest.update(hashlib.blake2b(np.ascontiguousarray(embeddings).tobytes()).digest())
    elif embeddings is not None:
        stat = Path(embeddings).stat()
        digest.update(f"{Path(embeddings).resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    import faiss
    import onnxruntime
    import sklearn

    return {
        "siftkit": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
        "faiss": faiss.__version__,
        "onnxruntime": onnxruntime.__version__,
    }


def run_encoder(dataset: Dataset, encoder: str | Encoder | None) -> Encoder:
    """The encoder an audit of ``dataset`` embeds its rows with (no embeddings given):
    ``encoder`` by name or as given, else the data's default (its vectors, its text, or its
    columns)."""
    if isinstance(encoder, Encoder):
        return encoder
    return get_encoder(encoder or default_encoder_name(dataset))


def audit(
    data: Any,
    *,
    text: str | Sequence[str] | None = None,
    label: str | Any | None = None,
    id: str | None = None,
    split: str | None = None,
    embeddings: str | Path | np.ndarray | None = None,
    encoder: str | Encoder | None = None,
    k: int = DEFAULT_K,
    detectors: Sequence[str | Detector] | None = None,
    allow_missing_labels: bool = False,
    output: str | Path | None = None,
    overwrite: bool = False,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    executor: str | Executor | None = None,
    progress: bool | None = None,
    random_state: int = 0,
) -> Audit:
    """Audit a dataset: embed it, build its kNN graph, run every detector.

    Parameters
    ----------
    data : a path (a file, or a folder of class subfolders or of a table's parts), a
        pandas/polars DataFrame, a pyarrow Table, a Hugging Face Dataset or DatasetDict, a
        numpy array of shape (n_rows, n_features), or a ``Dataset`` from ``siftkit.load``
        (read once, audited as it was loaded).
    text, id, split : column names; inferred when None. ``text`` may name several columns
        (``["title", "body"]`` or ``"title,body"``), joined a line each.
    label : the label column name, an array of labels of shape (n_rows,), None to infer,
        or False to audit without labels even if a label-like column exists.
    embeddings : precomputed vectors of shape (n_rows, n_dims), or a ``.npy`` path.
    encoder : encoder name (see ``siftkit.embed.available_encoders()``) or instance;
        by default MiniLM for text, the data's own vectors, or the tabular encoder.
    k : neighbours per row in the shared graph.
    detectors : names or instances; all registered detectors by default.
    allow_missing_labels : audit the labeled rows when some labels are missing.
    output : write the run folder here (refuses to overwrite another run unless
        ``overwrite``).
    cache_dir, use_cache : the embedding cache (default ``~/.cache/siftkit``).
    executor : where batched stages run (``"local"`` by default).
    progress : draw progress bars (default: when stderr is a terminal).
    random_state : seed for every random step.

    Returns
    -------
    Audit with ``.rows`` (one row per input row) and ``.summary``.
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    dataset = load(data, text=text, label=label, id=id, split=split)
    labels = (
        dataset.require_labels(allow_missing=allow_missing_labels)
        if dataset.labels is not None
        else None
    )
    resolved = _resolve_detectors(detectors)
    vectors = None if embeddings is None else load_embeddings(embeddings, len(dataset))
    if embeddings is None:
        encoder = run_encoder(dataset, encoder)
    parameters = {
        "k": k,
        "encoder": "precomputed" if embeddings is not None else encoder.id,
        "allow_missing_labels": allow_missing_labels,
        "random_state": random_state,
        "detectors": {d.name: d.get_params() for d in resolved},
    }
    fingerprint = _run_fingerprint(dataset, parameters, embeddings)
    if output is not None:  # before any work: a folder it may not write fails now
        check_output_folder(Path(output), fingerprint, overwrite)
    timings["load"] = round(time.perf_counter() - start, 4)

    step = time.perf_counter()
    encode_texts = None
    if vectors is not None:
        encoder_info: dict[str, Any] = {"id": "precomputed", "n_dims": int(vectors.shape[1])}
    else:
        vectors, stats = embed_dataset(
            dataset, encoder, cache_dir=cache_dir, use_cache=use_cache, executor=executor,
            progress=progress,
        )  # fmt: skip
        encoder_info = {"id": encoder.id, "n_dims": int(vectors.shape[1]), **stats.as_dict()}
        if encoder.modality == "text":
            encode_texts = _text_encoding(encoder)
            encoder_info.update(_reading(encoder, dataset.texts))
    timings["embed"] = round(time.perf_counter() - step, 4)
    given = embeddings is not None or encoder.modality == "vector"  # the data's own vectors
    if given and vectors.shape[1] < 2:
        raise EmbeddingsError(
            "The vectors hold one number per row: compared by direction (cosine), rows differ "
            "only by its sign, and every positive row looks like every other. Pass the numbers "
            "as a column of a table (the tabular encoder scales them and keeps their "
            "distances), or vectors of two dimensions or more."
        )
    if len(vectors) and not has_content(vectors).any():
        raise EmbeddingsError(
            f"Every one of the {len(vectors):,} rows embedded to nothing (the zero vector): "
            + ("the encoder knows none of the words of any text (emoji and symbols alone, or "
               "for tfidf words no two rows share). Use another encoder, or another column."
               if encode_texts is not None
               else "there is nothing to compare. Check the vectors, or the columns taken.")
        )  # fmt: skip

    with stage_bar(["neighbours", *(d.name for d in resolved)], progress) as begin:
        begin("neighbours")
        step = time.perf_counter()
        graph = build_graph(vectors, k=k, random_state=random_state)
        timings["neighbors"] = round(time.perf_counter() - step, 4)

        context = Context(
            embeddings=vectors,
            graph=graph,
            row_ids=dataset.row_ids.to_numpy(),
            content_hashes=content_hashes(dataset, vectors, precomputed=embeddings is not None),
            labels=labels,
            texts=dataset.texts,
            random_state=random_state,
            encode_texts=encode_texts,
            features=_table_features(dataset),
            splits=_split_texts(dataset),
        )
        outcome = run_detectors(context, resolved, on_start=begin)
    timings.update(outcome.timings)

    rows = pd.DataFrame({"row_id": dataset.row_ids.to_numpy()})
    if dataset.texts is not None:
        rows["text"] = dataset.texts
    elif dataset.values is not None:
        rows["values"] = dataset.values.to_numpy()
    if labels is not None:
        rows["label"] = labels.decode(labels.codes)
    if dataset.split is not None:  # to read the results per split
        rows["split"] = dataset.split.to_numpy()
    for name, values in outcome.columns.items():
        rows[name] = values
    timings["total"] = round(time.perf_counter() - start, 4)

    summary: dict[str, Any] = {
        "siftkit_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "run": {"fingerprint": fingerprint},
        "input": {
            "source": dataset.source,
            "fingerprint": dataset.fingerprint,
            "n_rows": len(dataset),
            "n_classes": labels.n_classes if labels is not None else None,
            "schema": dataset.schema.as_dict(),
            "missing": _missing_values(dataset),
            "markup_rows": dataset.markup_rows,
        },
        "encoder": encoder_info,
        "neighbors": {**graph.summary(), "seconds": round(graph.seconds, 4)},
        "parameters": parameters,
        "analyses": list(outcome.summaries),
        **outcome.summaries,
        "timings": timings,
        "versions": _versions(),
    }
    result = Audit(
        rows=rows, summary=summary, embeddings=vectors, graph=graph,
        rows_with_words=joined_rows_computed(context),
    )  # fmt: skip
    if output is not None:
        from siftkit.report import render_report

        result.save(output, overwrite=overwrite, report=render_report)
    return result


def _table_features(dataset: Dataset) -> pd.DataFrame | None:
    """The numeric columns (as floats, NaN where not a number; dates as datetimes) and the
    categorical columns (as objects) of a table without a text column, else None."""
    numeric, categorical = list(dataset.schema.numeric), list(dataset.schema.categorical)
    if dataset.texts is not None or not numeric + categorical:
        return None
    frame = dataset.frame
    features = {name: as_dates(frame[name]) if is_date_column(frame[name])
                else as_numbers(frame[name]) for name in numeric}  # fmt: skip
    features.update({name: frame[name].astype(object) for name in categorical})
    return pd.DataFrame(features, index=frame.index)


def _split_texts(dataset: Dataset) -> np.ndarray | None:
    """Each row's split as text (``7`` for 7.0; None where it has none), or None for data
    without a split column."""
    if dataset.split is None:
        return None
    return np.array([label_text(value) for value in dataset.split], dtype=object)


def _missing_values(dataset: Dataset) -> dict[str, int]:
    """Missing values per column of the input, for the columns that have any."""
    counts = dataset.frame.isna().sum()
    return {str(column): int(count) for column, count in counts.items() if count}


#: Texts read for how much of them the text encoder reads, at most.
READING_SAMPLE = 2_000
#: From this share, a warning names the pieces and the tfidf encoder. (MiniLM's vocabulary
#: lacks 71% of the pieces of Chinese sentences, none of English, French or Russian ones; a
#: third of a short review's where two of its six pieces are emoji.)
UNKNOWN_WARN_SHARE = 0.25
#: From this share of the texts cut at the encoder's length, a warning says how much is read
#: and how to read the rest: a few long texts still have their first 190 words read, more
#: than most texts hold; where many are cut, many rows are compared by their beginnings alone.
CUT_WARN_SHARE = 0.25


def _reading(encoder: Encoder, texts: Sequence[str]) -> dict[str, Any]:
    """The summary's ``unknown_piece_share``, ``word_fragment_share`` and ``cut_text_share``:
    the share of the pieces of the texts (a sample of ``READING_SAMPLE``, evenly spaced) that
    the ``encoder``'s vocabulary lacks, warned about from ``UNKNOWN_WARN_SHARE``, or holds
    only as fragments of words, warned about from ``FRAGMENT_WARN_SHARE``, and of the texts
    longer than it reads, warned about from ``CUT_WARN_SHARE``; {} for an encoder that
    cannot tell."""
    if len(texts) > READING_SAMPLE:
        texts = [texts[i] for i in np.linspace(0, len(texts) - 1, READING_SAMPLE).astype(int)]
    reading = encoder.reading([text for text in texts if text])
    if reading is None:
        return {}
    if reading.unknown_share >= UNKNOWN_WARN_SHARE:
        warnings.warn(
            f"The encoder {encoder.id} does not know {reading.unknown_share:.0%} of what the "
            f"texts are written in (such as {' '.join(reading.unknown_pieces[:10])}): it reads "
            "English best, and leaves out of a row's vector what it does not know. The tfidf "
            "encoder reads every word the rows use: --encoder tfidf (Python: encoder='tfidf').",
            UnknownWordsWarning,
            stacklevel=3,
        )
    elif reading.fragment_share >= FRAGMENT_WARN_SHARE:
        warnings.warn(
            f"Of the word pieces the encoder {encoder.id} splits the texts into, "
            f"{reading.fragment_share:.0%} are fragments of words it does not know whole "
            "(English prose: about 10%): the texts read as another language than English, or "
            "as codes. The model was trained on English and places such texts less well "
            "(program messages translated into German and Russian: the categories' agreement "
            "with the messages' sources 30-44% lower than in English). Vectors of a model "
            "that reads their language can be given with --embeddings FILE.npy (Python: "
            "embeddings=...).",
            UnknownWordsWarning,
            stacklevel=3,
        )
    if reading.cut_share >= CUT_WARN_SHARE:
        warnings.warn(
            f"{reading.cut_share:.0%} of the texts are longer than the {reading.max_pieces} "
            f"word pieces (about {reading.max_pieces * 3 // 4} words) the encoder "
            f"{encoder.id} reads: only their beginnings are embedded. To read them whole, "
            "split long texts into passages of a row each, or use --encoder tfidf (Python: "
            "encoder='tfidf'), which reads every word.",
            LongTextsWarning,
            stacklevel=3,
        )
    return {
        "unknown_piece_share": round(reading.unknown_share, 4),
        "word_fragment_share": round(reading.fragment_share, 4),
        "cut_text_share": round(reading.cut_share, 4),
    }


def _text_encoding(encoder: Encoder) -> Callable[[Sequence[str]], np.ndarray]:
    """Embed other texts with the run's (fitted) text encoder, L2-normalised."""

    def encode(texts: Sequence[str]) -> np.ndarray:
        return l2_normalize(encoder.embed_batch(list(texts)))

    return encode
