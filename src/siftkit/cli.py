"""The ``sift`` command line. Thin: each command maps to one API call and prints its result."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

from siftkit.exceptions import SiftError, SiftWarning
from siftkit.report.html import ISSUE_CARDS, top_examples

console = Console()
errors = Console(stderr=True, soft_wrap=True)


def _show_warning(message: Any, category: type, *args: Any, **kwargs: Any) -> None:
    if issubclass(category, SiftWarning):
        errors.print(f"[yellow]warning:[/yellow] {message}", highlight=False)
    else:
        errors.print(f"[dim]warning: {message}[/dim]", highlight=False)


class SiftGroup(click.Group):
    """Turns siftkit's own errors into one readable line and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        warnings.showwarning = _show_warning
        try:
            return super().invoke(ctx)
        except SiftError as exc:
            errors.print(f"[bold red]error:[/bold red] {exc}", highlight=False)
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
    required=True,
    help="Which review queue: label_errors, off_topic, outliers, near_duplicates.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="CSV file to write (default: print the CSV).",
)
def export(run: Path, queue_name: str, output: Path | None) -> None:  # fmt: skip
    """Export a review queue: the flagged rows of one analysis, worst first, as CSV.

    Example: sift export OUT --queue label_errors -o relabel.csv
    """
    from siftkit.export import review_queue, write_queue
    from siftkit.results import open_run

    result = open_run(run)
    if output is None:
        click.echo(review_queue(result, queue_name).to_csv(index=False), nl=False)
        return
    count = write_queue(result, queue_name, output)
    console.print(f"Wrote {count} rows to {output}")


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
