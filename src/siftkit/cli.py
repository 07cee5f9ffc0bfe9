"""The ``sift`` command line. Thin: each command maps to one API call and prints its result."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from siftkit.exceptions import SiftError, SiftWarning
from siftkit.report.html import ISSUE_CARDS, top_examples

console = Console()
errors = Console(stderr=True, soft_wrap=True)


def _show_warning(message: Any, category: type, *args: Any, **kwargs: Any) -> None:
    if issubclass(category, SiftWarning):
        errors.print(f"[yellow]warning:[/yellow] {escape(str(message))}", highlight=False)
    else:
        errors.print(f"[dim]warning: {escape(str(message))}[/dim]", highlight=False)


class SiftGroup(click.Group):
    """Turns siftkit's own errors into one readable line and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        warnings.showwarning = _show_warning
        try:
            return super().invoke(ctx)
        except SiftError as exc:
            errors.print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False)
            sys.exit(2)


@click.group(cls=SiftGroup)
@click.version_option(package_name="siftkit")
def main() -> None:
    """siftkit: find out what is in a dataset and what is wrong with it."""


def _frame_table(frame: pd.DataFrame, title: str | None = None, width: int = 70) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    for column in frame.columns:
        table.add_column(str(column), overflow="fold", max_width=width if column == "text" else 30)
    for row in frame.itertuples(index=False):
        table.add_row(*(_short(v, width) for v in row))
    return table


def _short(value: Any, width: int) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_summary(result: Any) -> None:
    """Counts per issue, then the top examples of each."""
    summary = result.summary
    table = Table(title="Audit summary", title_justify="left")
    for column in ("analysis", "status", "flagged", "notes"):
        table.add_column(column)
    for name in summary.get("analyses", []):
        entry = summary[name]
        status = entry.get("status", "")
        colour = {"ok": "green", "failed": "red", "skipped": "yellow"}.get(status, "white")
        notes = entry.get("reason") or entry.get("error") or ""
        if status == "ok" and "n_clusters" in entry:
            notes = f"{entry['n_clusters']} categories"
            if entry.get("semi_supervised"):
                notes += f", {entry['n_new']} new"
        if status == "ok" and "n_predicted" in entry:
            notes = (
                f"{entry['n_predicted']} predicted, {entry['n_given']} given, "
                f"{entry['n_abstained']} abstained"
            )
        if status == "ok" and "n_groups" in entry:
            notes = f"{entry['n_groups']} groups"
        if status == "ok" and "estimated_noise_rate" in entry:
            notes = (
                f"est. noise {entry['estimated_noise_rate']:.1%}; {entry['n_off_topic']} "
                f"off-topic; {entry['n_conflicting_copies']} conflicting copies"
            )
        table.add_row(name, f"[{colour}]{status}[/{colour}]", str(entry.get("count", "")), notes)
    console.print(table)
    for name in summary.get("analyses", []):
        if summary[name].get("status") != "ok" or not summary[name].get("count"):
            continue
        title, flag, score, _ = ISSUE_CARDS.get(name, (name, f"is_{name}", None, ""))
        examples = top_examples(result.rows, flag, score, n=3)
        console.print(f"[bold]Top {title.lower()}[/bold]")
        for row in examples.to_dict("records"):
            console.print("  " + _example_line(row, score), highlight=False)


def _example_line(row: dict[str, Any], score: str | None) -> str:
    """``id  score  label -> suggestion  "text…"`` — one flagged row on one line."""
    parts = [f"[cyan]{_short(row['row_id'], 24)}[/cyan]"]
    if score is not None and score in row:
        parts.append(f"{row[score]:.3f}")
    if "label" in row:
        label = _short(row["label"], 30)
        if "suggested_label" in row:
            label += f" → {_short(row['suggested_label'], 30)}"
        parts.append(f"[magenta]{label}[/magenta]")
    if "duplicate_group" in row:
        parts.append(f"group {row['duplicate_group']}")
    if "text" in row:
        parts.append(f'"{_short(row["text"], 80)}"')
    return "  ".join(parts)


def _input_options(command: Any) -> Any:
    """The options every command that reads DATA and writes a run folder shares."""
    options = [
        click.argument("data", type=click.Path(path_type=Path)),
        click.option(
            "-o", "--output", type=click.Path(path_type=Path), required=True,
            help="Run folder to write (rows.parquet, summary.json, report.html…).",
        ),
        click.option("--text", help="Column holding the text (inferred when omitted)."),
        click.option("--label", help="Column holding the labels (inferred when omitted)."),
        click.option("--no-label", is_flag=True, help="Ignore any label column."),
        click.option(
            "--id", "id_", help="Column holding unique row ids (row positions otherwise)."
        ),
        click.option("--split", help="Column holding the split or domain of each row."),
        click.option(
            "--embeddings", type=click.Path(path_type=Path),
            help="Precomputed vectors, a .npy file of shape (n_rows, n_dims).",
        ),
        click.option(
            "--encoder", help="Encoder name: minilm (text default), tfidf, tabular, vectors."
        ),
        click.option(
            "-k", "--neighbors", "k", type=int, default=20, show_default=True,
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
        cached = f", {encoder_info['n_cached']} from cache" if embedded is not None else ""
        console.print(
            f"{verb} {len(result.rows)} rows in {result.summary['timings']['total']:.1f} s "
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
    """Audit DATA (CSV, TSV, JSON Lines, Parquet, or a folder of class subfolders)."""
    from siftkit.audit import audit as run_audit

    result = run_audit(
        data, **_input_arguments(params),
        detectors=[d.strip() for d in detectors.split(",")] if detectors else None,
        allow_missing_labels=allow_missing_labels,
    )  # fmt: skip
    _print_run(result, params["output"], params["quiet"], "Audited")


def _cluster_hint(value: str | None) -> int | tuple[int, int] | None:
    if value is None:
        return None
    try:
        if "-" in value:
            low, high = (int(part) for part in value.split("-", 1))
            return low, high
        return int(value)
    except ValueError:
        raise click.BadParameter(
            f"expected a number such as 20 or a range such as 10-30; got {value!r}",
            param_hint="--n-clusters",
        ) from None


@main.command()
@_input_options
@click.option(
    "--n-clusters",
    help="A hint: about this many categories (20) or a range (10-30). Estimated otherwise.",
)
@click.option(
    "--resolution",
    type=float,
    default=0.5,
    show_default=True,
    help="Granularity when no hint is given: higher finds more, smaller categories.",
)
@click.option(
    "--min-cluster-size",
    type=int,
    default=5,
    show_default=True,
    help="Smaller groups join their neighbours' category.",
)
@click.option(
    "--min-confidence",
    type=float,
    default=0.0,
    show_default=True,
    help="Rows less confident than this get category -1 (0: every row gets one).",
)
@click.option(
    "--vocabulary",
    type=click.Path(path_type=Path),
    help="Text file of candidate category names, one per line.",
)
def discover(data: Path, n_clusters: str | None, resolution: float, min_cluster_size: int,
             min_confidence: float, vocabulary: Path | None, **params: Any) -> None:  # fmt: skip
    """Find the categories of DATA without being told how many; name them, in a tree.

    Rows with a label are kept with their class; unlabeled rows join a class or form new
    categories (semi-supervised discovery). Writes the same run folder as `sift audit`.
    """
    from siftkit.audit import audit as run_audit
    from siftkit.detectors.clusters import Clusters

    detector = Clusters(
        n_clusters=_cluster_hint(n_clusters), resolution=resolution,
        min_cluster_size=min_cluster_size, min_confidence=min_confidence,
        vocabulary=None if vocabulary is None else str(vocabulary),
    )  # fmt: skip
    result = run_audit(
        data, **_input_arguments(params), detectors=[detector], allow_missing_labels=True
    )
    _print_run(result, params["output"], params["quiet"], "Clustered")
    _print_categories(result.summary.get("clusters", {}))


def _print_categories(entry: dict[str, Any], top: int = 30) -> None:
    """The categories of a discovery run, largest first."""
    if entry.get("status") != "ok":
        return
    table = Table(
        title=f"{entry['n_clusters']} categories (tree levels: "
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
        cells = [str(category["id"]), _short(category["name"], 50), str(category["size"]),
                 f"{category['mean_confidence']:.2f}"]  # fmt: skip
        if has_labels:
            cells += [_short(category.get("majority_label") or "", 30),
                      f"{category.get('purity', 0.0):.2f}"]  # fmt: skip
        if entry.get("semi_supervised"):
            cells.append("new" if category.get("is_new") else "")
        table.add_row(*cells)
    console.print(table)
    if len(entry["categories"]) > top:
        console.print(f"… {len(entry['categories']) - top} more in summary.json")


def _seed_labels_from_file(path: Path, data: Path, params: dict[str, Any]) -> Any:
    """A label per row of DATA from a CSV of row ids and labels (None for the others)."""
    import siftkit
    from siftkit.exceptions import UnreadableDataError

    if not path.is_file():
        raise click.BadParameter(f"{path} does not exist", param_hint="--seed-labels-file")
    seeds = pd.read_csv(path)
    if list(seeds.columns[:2]) != ["row_id", "label"]:
        raise UnreadableDataError(
            f"{path} must have the columns row_id,label (got {', '.join(seeds.columns)})."
        )
    dataset = siftkit.load(data, text=params["text"], id=params["id_"])
    row_ids = dataset.row_ids.astype(str)
    lookup = dict(zip(seeds["row_id"].astype(str), seeds["label"], strict=True))
    unknown = set(lookup) - set(row_ids)
    if unknown:
        raise UnreadableDataError(
            f"{len(unknown)} row ids of {path} are not in the data (e.g. "
            f"{sorted(unknown)[:3]}); ids are the --id column, else row positions from 0."
        )
    return row_ids.map(lookup).to_numpy(dtype=object)


@main.command()
@_input_options
@click.option(
    "--keywords", type=click.Path(path_type=Path), help="YAML/JSON: topic -> a few keywords."
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
    type=click.Path(path_type=Path),
    help="CSV with columns row_id,label: the seed rows and their labels.",
)
@click.option(
    "--min-confidence",
    type=float,
    default=0.0,
    show_default=True,
    help="Rows less confident than this get no label (abstain).",
)
@click.option("--other", is_flag=True, help="Label rows that fit no topic as 'other'.")
def label(data: Path, keywords: Path | None, descriptions: Path | None,
          seed_labels: str | None, seed_labels_file: Path | None, min_confidence: float,
          other: bool, **params: Any) -> None:  # fmt: skip
    """Label every row of DATA from keywords, descriptions or a few labeled rows.

    Writes predicted_label, label_confidence and label_source to the run folder (plus the
    discovered categories); `sift export OUT --queue to_label` then lists the rows worth
    labeling next.
    """
    from siftkit.audit import audit as run_audit
    from siftkit.detectors.labeling import Labeling

    if keywords is not None and descriptions is not None:
        raise click.UsageError("Give --keywords or --descriptions, not both.")
    if seed_labels is not None and seed_labels_file is not None:
        raise click.UsageError("Give --seed-labels or --seed-labels-file, not both.")
    if not (keywords or descriptions or seed_labels or seed_labels_file):
        raise click.UsageError(
            "Nothing to label from: give --keywords, --descriptions, --seed-labels COLUMN or "
            "--seed-labels-file FILE."
        )
    arguments = _input_arguments(params)
    if seed_labels is not None:
        arguments["label"] = seed_labels
    elif seed_labels_file is not None:
        arguments["label"] = _seed_labels_from_file(seed_labels_file, data, params)
    elif params["label"] is None:
        arguments["label"] = False  # topics only: a label column is not a seed list
    detector = Labeling(
        keywords=None if keywords is None else str(keywords),
        descriptions=None if descriptions is None else str(descriptions),
        min_confidence=min_confidence, other=other,
    )  # fmt: skip
    result = run_audit(data, **arguments, detectors=["clusters", detector],
                       allow_missing_labels=True)  # fmt: skip
    _print_run(result, params["output"], params["quiet"], "Labeled")
    entry = result.summary.get("labeling", {})
    if entry.get("status") == "ok" and not params["quiet"]:
        counts = pd.Series(entry["predicted_counts"]).sort_values(ascending=False)
        table = Table(title="Predicted labels", title_justify="left")
        table.add_column("label")
        table.add_column("rows", justify="right")
        for name, count in counts.head(30).items():
            table.add_row(_short(name, 40), str(count))
        console.print(table)
        console.print(
            f"{entry['n_given']} given, {entry['n_predicted']} predicted, "
            f"{entry['n_abstained']} abstained, {entry['n_other']} other; mean confidence "
            f"{entry['mean_confidence']}. Next: sift export {params['output']} --queue "
            "to_label -o to_label.csv"
        )


@main.command()
@click.argument("run", type=click.Path(path_type=Path))
@click.argument("row_ids", nargs=-1, required=True)
@click.option("--top", type=int, default=50, show_default=True, help="Rows to list.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="CSV file to write instead.")
def like(run: Path, row_ids: tuple[str, ...], top: int, output: Path | None) -> None:
    """Rows of a run most like the given example rows (by row id), best first.

    Example: sift like OUT 12 57 301 --top 20
    """
    from siftkit.label.more_like import more_like_these
    from siftkit.results import atomic_write, open_run

    result = open_run(run)
    ids = result.rows["row_id"]
    wanted = [_as_row_id(value, ids) for value in row_ids]
    ranked = more_like_these(result, wanted, top=top)
    if output is not None:
        with atomic_write(output, "w") as handle:
            ranked.to_csv(handle, index=False)
        console.print(f"Wrote {len(ranked)} rows to {output}")
        return
    console.print(_frame_table(ranked))


def _as_row_id(value: str, ids: pd.Series) -> Any:
    """A command-line row id in the type of the run's row ids."""
    if pd.api.types.is_integer_dtype(ids.dtype):
        try:
            return int(value)
        except ValueError:
            raise click.BadParameter(f"row ids of this run are integers; got {value!r}") from None
    return value


@main.command()
@click.argument("run", type=click.Path(path_type=Path))
@click.argument("sql")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--limit",
    type=int,
    default=50,
    show_default=True,
    help="Rows shown in table format (csv and json print all).",
)
def query(run: Path, sql: str, fmt: str, limit: int) -> None:
    """Run DuckDB SQL over a run folder's rows (the table is called `rows`).

    Example: sift query OUT "select row_id, text from rows where is_label_error"
    """
    import duckdb

    from siftkit.results import open_run

    result = open_run(run)
    try:
        frame = result.query(sql)
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0]
        raise click.ClickException(
            f"The SQL failed: {message}. The table is called `rows`; its columns are: "
            f"{', '.join(result.rows.columns)}."
        ) from exc
    if fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(frame.to_json(orient="records", lines=True), nl=False)
    else:
        console.print(_frame_table(frame.head(limit)))
        if len(frame) > limit:
            console.print(f"… {len(frame) - limit} more rows (--limit, or --format csv)")


@main.command()
@click.argument("run", type=click.Path(path_type=Path))
@click.option(
    "--queue",
    "queue_name",
    help="Which queue: label_errors, off_topic, outliers, near_duplicates, or to_label "
    "(the rows worth labeling next).",
)
@click.option(
    "--apply-edits",
    is_flag=True,
    help="Write the cleaned dataset: the run's edits applied (relabelled rows, drops).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="File to write: CSV for a queue; .parquet or .csv for --apply-edits.",
)
@click.option("--budget", type=int, help="Rows in the to_label queue (default 100).")
def export(run: Path, queue_name: str | None, apply_edits: bool, output: Path | None,
           budget: int | None) -> None:  # fmt: skip
    """Export a review queue: the flagged rows of one analysis, worst first, as CSV; the
    rows worth labeling next (--queue to_label); or the cleaned dataset (--apply-edits).

    Examples: sift export OUT --queue label_errors -o relabel.csv;
    sift export OUT --apply-edits -o clean.parquet
    """
    from siftkit.export import review_queue, write_queue
    from siftkit.results import open_run

    if (queue_name is None) == (not apply_edits):
        raise click.UsageError("Give --queue NAME or --apply-edits (one of them).")
    if budget is not None and queue_name != "to_label":
        raise click.UsageError("--budget applies to --queue to_label only.")
    result = open_run(run)
    if apply_edits:
        from siftkit.edits import write_cleaned

        if output is None:
            raise click.UsageError("--apply-edits needs -o FILE (.parquet or .csv).")
        count = write_cleaned(result, output)
        console.print(f"Wrote the cleaned dataset, {count} rows, to {output}")
        return
    if output is None:
        click.echo(review_queue(result, queue_name, budget).to_csv(index=False), nl=False)
        return
    count = write_queue(result, queue_name, output, budget)
    console.print(f"Wrote {count} rows to {output}")


@main.command()
@click.argument("run", type=click.Path(path_type=Path))
@click.option(
    "--map",
    "map_method",
    type=click.Choice(["clusters", "umap"]),
    help="Recompute the 2-D map: clusters (default, no extra install) or umap (umap-learn).",
)
def report(run: Path, map_method: str | None) -> None:
    """(Re)write a run folder's report.html: one self-contained page that works offline."""
    from siftkit.results import open_run

    path = open_run(run).write_report(map_method)
    console.print(f"Report: {path}")


@main.command()
@click.argument("run", type=click.Path(path_type=Path))
@click.option(
    "--port", type=int, default=8765, show_default=True, help="Port on 127.0.0.1 (0: any free)."
)
def serve(run: Path, port: int) -> None:
    """Explore a run folder in the browser: a map of every row, filters, a row inspector
    with its neighbours, and edits (saved to OUT/edits.parquet; the data is not touched).

    Serves on 127.0.0.1 only. Stop with Ctrl-C.
    """
    from siftkit.web import make_server

    try:
        server = make_server(run, port)
    except OSError as exc:
        raise click.ClickException(
            f"Could not listen on 127.0.0.1:{port} ({exc.strerror}); try another --port."
        ) from exc
    console.print(
        f"Explorer of {run}: http://127.0.0.1:{server.server_address[1]}/  (Ctrl-C stops)"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@main.command()
@click.argument("run", type=click.Path(path_type=Path))
def info(run: Path) -> None:
    """Describe a run folder: its input, encoder, graph, analyses and timings."""
    from siftkit.results import open_run

    result = open_run(run)
    summary = result.summary
    source = summary["input"]
    console.print(f"[bold]{run}[/bold]  siftkit {summary.get('siftkit_version')}, "
                  f"{summary.get('created')}")  # fmt: skip
    console.print(f"input: {source['source']}  ·  {source['n_rows']} rows  ·  "
                  f"{source.get('n_classes') or 'no'} classes  ·  fingerprint "
                  f"{source['fingerprint'][:12]}")  # fmt: skip
    encoder = summary["encoder"]
    console.print(f"encoder: {encoder['id']} ({encoder['n_dims']} dims)  ·  neighbours: "
                  f"k={summary['neighbors']['k']} {summary['neighbors']['method']}, recall "
                  f"{summary['neighbors']['recall_at_k']}")  # fmt: skip
    print_summary(result)
    timings = ", ".join(f"{k} {v:.2f}s" for k, v in summary.get("timings", {}).items())
    console.print(f"timings: {timings}")
