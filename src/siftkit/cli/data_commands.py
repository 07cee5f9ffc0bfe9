"""Commands that read DATA and write a run folder: ``audit``, ``discover``, ``label``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.markup import escape
from rich.table import Table

from siftkit._text import counted
from siftkit.cli.app import console, main, print_summary, short
from siftkit.data.readers import url_refusal

#: Predicted labels `sift label` lists, the most common first.
LABELS_SHOWN = 30


def _run_folder(ctx: click.Context, param: click.Parameter, value: str) -> Path:
    """The run folder ``-o`` names; an empty name is refused (it would write into the current
    folder unasked: ``-o .`` says so)."""
    if not value.strip():
        raise click.BadParameter("is empty: name a folder (-o . for the current one).")
    return Path(value)


def _data_path(ctx: click.Context, param: click.Parameter, value: str) -> Path:
    """DATA as a path; a URL is refused before it is taken for one (``https://`` would read
    as the folder ``https:``)."""
    refusal = url_refusal(value)
    if refusal:
        raise click.BadParameter(refusal)
    return Path(value)


def _input_options(command: Any) -> Any:
    """The options every command that reads DATA and writes a run folder shares."""
    options = [
        click.argument("data", type=click.Path(), callback=_data_path),
        click.option(
            "-o", "--output", type=click.Path(), required=True, callback=_run_folder,
            help="Run folder to write (rows.parquet, summary.json, report.html…).",
        ),
        click.option(
            "--text",
            help="Column holding the text (inferred when omitted); several, joined a line "
            "each: --text title,body.",
        ),
        click.option("--label", help="Column holding the labels (inferred when omitted)."),
        click.option("--no-label", is_flag=True, help="Ignore any label column."),
        click.option(
            "--id", "id_", help="Column holding unique row ids (row positions otherwise)."
        ),
        click.option("--split", help="Column holding the split or domain of each row."),
        click.option(
            "--embeddings", type=click.Path(path_type=Path),
            help="Precomputed vectors, a .npy file of shape (n_rows, n_dims) (or a .npz archive "
            "of them: its one array, or the one named embeddings, vectors, …).",
        ),
        click.option(
            "--encoder", help="Encoder name: minilm (text default), tfidf, tabular, vectors."
        ),
        click.option(
            "-k", "--neighbors", "k", type=click.IntRange(min=1), default=20, show_default=True,
            help="Neighbours per row in the shared kNN graph.",
        ),
        click.option(
            "--overwrite", is_flag=True, help="Replace a different run in the output folder."
        ),
        click.option(
            "--cache-dir", type=click.Path(path_type=Path),
            help="Embedding cache folder (default: $SIFTKIT_CACHE_DIR or ~/.cache/siftkit).",
        ),
        click.option(
            "--no-cache", is_flag=True, help="Neither read nor write the embedding cache."
        ),
        click.option("--seed", type=int, default=0, show_default=True, help="Random state."),
        click.option("-q", "--quiet", is_flag=True, help="Print only where the results are."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _input_arguments(params: dict[str, Any]) -> dict[str, Any]:
    """``siftkit.audit`` keyword arguments from the shared options."""
    if params["no_label"] and params["label"]:
        raise click.UsageError("--label and --no-label contradict each other; pass one.")
    return dict(
        text=params["text"], label=False if params["no_label"] else params["label"],
        id=params["id_"], split=params["split"], embeddings=params["embeddings"],
        encoder=params["encoder"], k=params["k"], output=params["output"],
        overwrite=params["overwrite"], cache_dir=params["cache_dir"],
        use_cache=not params["no_cache"], progress=None if not params["quiet"] else False,
        random_state=params["seed"],
    )  # fmt: skip


def _print_run(result: Any, output: Path, quiet: bool, verb: str) -> None:
    if not quiet:
        encoder_info = result.summary["encoder"]
        embedded = encoder_info.get("n_embedded")
        cached = f", {encoder_info['n_cached']:,} from cache" if embedded is not None else ""
        console.print(
            f"{verb} {counted(len(result.rows), 'row')} in "
            f"{result.summary['timings']['total']:.1f} s "
            f"(encoder {encoder_info['id']}{cached})."
        )
        print_summary(result)
    console.print(f"Results: {output}/  ·  report: {output / 'report.html'}")


@main.command()
@_input_options
@click.option("--detectors", help="Comma-separated detectors to run (default: all).")
@click.option(
    "--allow-missing-labels",
    is_flag=True,
    help="Audit the labeled rows when some rows have no label.",
)
def audit(data: Path, detectors: str | None, allow_missing_labels: bool, **params: Any) -> None:
    """Audit DATA (CSV, TSV, JSON Lines, Parquet, Arrow/Feather, Excel .xlsx, a SQLite or
    DuckDB database of one table, a text file of a row per line, vectors alone in a .npy or
    .npz file, or a folder: of class subfolders of .txt files, or of a table's parts)."""
    from siftkit.audit import audit as run_audit

    result = run_audit(
        data, **_input_arguments(params),
        detectors=[d.strip() for d in detectors.split(",")] if detectors else None,
        allow_missing_labels=allow_missing_labels,
    )  # fmt: skip
    _print_run(result, params["output"], params["quiet"], "Audited")


def _cluster_hint(value: str | None) -> int | tuple[int, int] | None:
    from siftkit.discover.estimator import check_cluster_hint
    from siftkit.exceptions import InvalidParameterError

    try:
        return check_cluster_hint(value)
    except InvalidParameterError as exc:
        raise click.BadParameter(str(exc), param_hint="--n-clusters") from None


@main.command()
@_input_options
@click.option(
    "--n-clusters",
    help="A hint: about this many categories (20) or a range (10-30). Estimated otherwise.",
)
@click.option(
    "--resolution",
    type=click.FloatRange(min=0.0, min_open=True),
    default=0.5,
    show_default=True,
    help="Granularity when no hint is given: higher finds more, smaller categories.",
)
@click.option(
    "--min-cluster-size",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Smaller groups join their neighbours' category.",
)
@click.option(
    "--min-confidence",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Rows less confident than this get category -1 (0: every row gets one).",
)
@click.option(
    "--vocabulary",
    type=click.Path(path_type=Path),
    help="Text file of candidate category names, one per line.",
)
@click.option(
    "--no-words",
    is_flag=True,
    help="Text rows: use the embeddings alone, not joined with the texts' words.",
)
def discover(data: Path, n_clusters: str | None, resolution: float, min_cluster_size: int,
             min_confidence: float, vocabulary: Path | None, no_words: bool,
             **params: Any) -> None:  # fmt: skip
    """Find the categories of DATA without being told how many; name them, in a tree.

    Rows with a label are kept with their class; unlabeled rows join a class or form new
    categories (semi-supervised discovery). Writes the same run folder as `sift audit`.
    """
    from siftkit.jobs import discover_categories

    result = discover_categories(
        data, n_clusters=_cluster_hint(n_clusters), resolution=resolution,
        min_cluster_size=min_cluster_size, min_confidence=min_confidence,
        vocabulary=vocabulary, words=not no_words, **_input_arguments(params),
    )  # fmt: skip
    _print_run(result, params["output"], params["quiet"], "Clustered")
    if not params["quiet"]:
        _print_categories(result.summary.get("clusters", {}))


def _print_categories(entry: dict[str, Any], top: int = 30) -> None:
    """The categories of a discovery run, largest first."""
    if entry.get("status") != "ok":
        return
    table = Table(
        title=counted(entry["n_clusters"], "category", "categories")
        + " (tree levels: "
        + ", ".join(str(level["n_categories"]) for level in entry["hierarchy"])
        + ")",
        title_justify="left",
    )
    columns = ["id", "name", "rows", "confidence"]
    has_labels = any("purity" in c for c in entry["categories"])
    if has_labels:
        columns += ["majority label", "purity"]
    if entry.get("semi_supervised"):
        columns.append("new")
    for column in columns:
        table.add_column(column, overflow="fold")
    for category in entry["categories"][:top]:
        cells = [str(category["id"]), short(category["name"], 50), str(category["size"]),
                 f"{category['mean_confidence']:.2f}"]  # fmt: skip
        if has_labels:
            purity = category.get("purity")
            cells += [short(category.get("majority_label") or "", 30),
                      "" if purity is None else f"{purity:.2f}"]  # fmt: skip
        if entry.get("semi_supervised"):
            cells.append("new" if category.get("is_new") else "")
        table.add_row(*cells)
    console.print(table)
    if len(entry["categories"]) > top:
        console.print(f"… {len(entry['categories']) - top} more in summary.json")
    if entry.get("n_unassigned"):
        console.print(
            f"{counted(entry['n_unassigned'], 'row')} below --min-confidence have no category "
            "(cluster -1 in rows.parquet); the sizes above count each in the category it is "
            "closest to."
        )


@main.command()
@_input_options
@click.option(
    "--keywords",
    type=click.Path(path_type=Path),
    help="YAML/JSON: topic -> a few keywords (or a list of topics).",
)
@click.option(
    "--descriptions",
    type=click.Path(path_type=Path),
    help="YAML/JSON: topic -> a sentence describing it.",
)
@click.option(
    "--seed-labels",
    help="Column holding labels for a few rows (empty elsewhere); those rows are the seeds.",
)
@click.option(
    "--seed-labels-file",
    "seed_labels_files",
    type=click.Path(path_type=Path),
    multiple=True,
    help="CSV with columns row_id and label: the seed rows and their labels (a filled-in "
    "to_label queue works; repeat for more files; with --seed-labels, beside the column's).",
)
@click.option(
    "--min-confidence",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Rows less confident than this get no label (abstain).",
)
@click.option("--other", is_flag=True, help="Label rows that fit no topic or class as 'other'.")
@click.option(
    "--label-names",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Text rows: read the seed labels' names as keywords (auto: when they fit the labeled "
    "rows better than chance).",
)
@click.option(
    "--no-words",
    is_flag=True,
    help="Text rows: use the embeddings alone, not joined with the texts' words.",
)
def label(data: Path, keywords: Path | None, descriptions: Path | None,
          seed_labels: str | None, seed_labels_files: tuple[Path, ...], min_confidence: float,
          other: bool, label_names: str, no_words: bool, **params: Any) -> None:  # fmt: skip
    """Label every row of DATA from keywords, descriptions or a few labeled rows.

    Writes predicted_label, label_confidence and label_source to the run folder (plus the
    discovered categories); `sift export OUT --queue to_label` then lists the rows worth
    labeling next.
    """
    from siftkit.exceptions import InvalidParameterError
    from siftkit.jobs import check_label_sources, label_rows

    seed_labels_file = list(seed_labels_files) or None
    try:
        check_label_sources(keywords, descriptions, seed_labels, seed_labels_file)
    except InvalidParameterError as exc:
        raise click.UsageError(str(exc)) from None
    arguments = _input_arguments(params)
    if seed_labels is not None or seed_labels_file is not None:
        arguments.pop("label")  # the seeds are the label column
    result = label_rows(
        data, keywords=keywords, descriptions=descriptions, seed_labels=seed_labels,
        seed_labels_file=seed_labels_file, min_confidence=min_confidence, other=other,
        label_names=label_names, words=not no_words, **arguments,
    )  # fmt: skip
    entry = result.summary.get("labeling", {})
    if entry.get("status") == "failed":  # the analysis the command is for
        raise InvalidParameterError(
            f"The labeling failed: {entry['error']} ({params['output']}/ holds the other analyses)."
        )
    _print_run(result, params["output"], params["quiet"], "Labeled")
    if entry.get("status") == "ok" and not params["quiet"]:
        print_labels(entry, params["output"])
        console.print(f"Next: sift export {params['output']} --queue to_label -o to_label.csv")


def print_labels(entry: dict[str, Any], output: Any) -> None:
    """The labels of a run (its ``labeling`` summary ``entry``; ``output``: its folder): rows
    per predicted label, where they come from and what `other` means."""
    from siftkit.detectors.labeling import confidence_note, other_meaning, source_note

    counts = pd.Series(entry["predicted_counts"]).sort_values(ascending=False)
    table = Table(title="Predicted labels", title_justify="left")
    table.add_column("label")
    table.add_column("rows", justify="right")
    # how much nearer the rows a topic comes than topics nobody meant (1: nearer than all)
    presence = entry.get("topic_presence") or {}
    if presence:
        table.add_column("presence", justify="right")
    for name, count in counts.head(LABELS_SHOWN).items():
        cells = [short(name, 40), f"{count:,}"]
        if presence:
            cells.append(f"{presence[name]:.2f}" if name in presence else "")
        table.add_row(*cells)
    console.print(table)
    if len(counts) > LABELS_SHOWN:
        console.print(
            f"… {counted(len(counts) - LABELS_SHOWN, 'more label')} (`predicted_counts` in "
            f"{output}/summary.json)"
        )
    names = entry.get("label_names") or {}
    if entry.get("seed_classes") or names.get("used"):
        console.print(f"Labeled from {escape(source_note(entry))}.")
    if names.get("p_value") is not None and not names["used"]:
        console.print(f"The labels' names were not read as words: {escape(names['reason'])}.")
    groups = "; ".join(" / ".join(group) for group in entry.get("confused_classes") or [])
    if groups:
        console.print(
            f"Told apart by their labeled rows, as the graph blurs them: {escape(groups)}."
        )
    calibration = ""
    if entry["n_predicted"] and not entry["confidence_calibrated"]:
        calibration = f" ({confidence_note(entry)})"
    meaning = other_meaning(entry)
    empty = f" ({entry['n_empty']:,} of them empty)" if entry.get("n_empty") else ""
    console.print(
        f"{entry['n_given']:,} given, {entry['n_predicted']:,} predicted, "
        f"{entry['n_abstained']:,} abstained{empty}, {entry['n_other']:,} other; mean "
        f"confidence {entry['mean_confidence']}{calibration}."
    )
    if meaning is not None:
        console.print(f"Other: {escape(meaning)}.")
