"""Commands over a saved run folder: ``like``, ``query``, ``export``, ``report``, ``serve``,
``info``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pandas as pd

from siftkit._text import counted
from siftkit.cli.app import console, errors, frame_table, main, print_summary


@main.command()
@click.argument("run", type=click.Path(path_type=Path))
@click.argument("row_ids", nargs=-1, required=True)
@click.option("--top", type=click.IntRange(min=1), default=50, show_default=True,
              help="Rows to list.")  # fmt: skip
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="File to write instead (.csv, .tsv, .parquet, .jsonl or .xlsx).")  # fmt: skip
def like(run: Path, row_ids: tuple[str, ...], top: int, output: Path | None) -> None:
    """Rows of a run most like the given example rows (by row id), best first.

    Example: sift like OUT 12 57 301 --top 20
    """
    from siftkit.label.more_like import more_like_these
    from siftkit.results import check_table_path, open_run, write_table

    if output is not None:
        check_table_path(output, "the ranked rows")
    result = open_run(run)
    ids = result.rows["row_id"]
    wanted = [_as_row_id(value, ids) for value in row_ids]
    ranked = more_like_these(result, wanted, top=top)
    if output is not None:
        write_table(ranked, output, "the ranked rows")
        console.print(f"Wrote {len(ranked)} rows to {output}")
        return
    if ranked.empty:
        console.print("No other row to rank: the run holds only the examples given.")
        return
    console.print(frame_table(ranked, more="-o FILE writes them all"))


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
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Rows shown in table format (csv and json print all).",
)
def query(run: Path, sql: str, fmt: str, limit: int) -> None:
    """Run DuckDB SQL over a run folder's rows (the table is called `rows`).

    Example: sift query OUT "select row_id, text from rows where is_label_error"
    """
    from siftkit.results import open_run

    frame = open_run(run).query(sql)
    if fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(frame.to_json(orient="records", lines=True, date_format="iso"), nl=False)
    else:
        console.print(frame_table(frame.head(limit), more="select fewer, or --format csv"))
        if frame.empty:
            console.print("0 rows")
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
    help="File to write, in the format its suffix names: .csv, .tsv, .parquet, .jsonl or "
    ".xlsx (the queue is printed as CSV without it).",
)
@click.option(
    "--budget", type=click.IntRange(min=1), help="Rows in the to_label queue (default 100)."
)
@click.option(
    "--include-reviewed",
    is_flag=True,
    help="Keep in a queue the rows already reviewed in the explorer (left out by default).",
)
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="NAME",
    help="A column of the run's input file to show in the queue after the row id (repeat for "
    "more); read from the file, which must be as it was at the run.",
)
def export(run: Path, queue_name: str | None, apply_edits: bool, output: Path | None,
           budget: int | None, include_reviewed: bool,
           columns: tuple[str, ...]) -> None:  # fmt: skip
    """Export a review queue: the flagged rows of one analysis, worst first; the rows worth
    labeling next (--queue to_label); or the cleaned dataset (--apply-edits).

    Examples: sift export OUT --queue label_errors -o relabel.csv;
    sift export OUT --queue to_label --column title -o next.csv;
    sift export OUT --apply-edits -o clean.parquet
    """
    from siftkit.edits import reviewed
    from siftkit.export import review_queue, write_queue
    from siftkit.results import open_run

    if (queue_name is None) == (not apply_edits):
        raise click.UsageError("Give --queue NAME or --apply-edits (one of them).")
    if budget is not None and queue_name != "to_label":
        raise click.UsageError("--budget applies to --queue to_label only.")
    if columns and apply_edits:
        raise click.UsageError(
            "--column applies to --queue only (--apply-edits writes every column)."
        )
    result = open_run(run)
    if apply_edits:
        from siftkit.edits import write_cleaned

        if output is None:
            raise click.UsageError("--apply-edits needs -o FILE (.parquet, .csv, …).")
        count = write_cleaned(result, output)
        console.print(f"Wrote the cleaned dataset, {count} rows, to {output}")
        return
    if output is None:
        queue = review_queue(result, queue_name, budget, include_reviewed, columns)
        click.echo(queue.to_csv(index=False), nl=False)
        count = len(queue)
    else:
        count = write_queue(result, queue_name, output, budget, include_reviewed, columns)
        console.print(f"Wrote {count} rows to {output}")
    if queue_name == "to_label" and count == 0:
        errors.print("Nothing to label: every row with content has a label already.")
    elif queue_name == "to_label" and output is not None:
        console.print(
            f"Fill in its label column (rows left empty are skipped), then label again with "
            f"them: sift label DATA … --seed-labels-file {output}"
        )
    if not include_reviewed:
        _note_reviewed(result, queue_name, reviewed(result))


def _note_reviewed(result: Any, queue_name: str, done: Any) -> None:
    """Say on standard error how many rows of the queue the explorer's edits (``done``: the
    rows reviewed) left out."""
    from siftkit.export import queue_flags

    if not done.any():
        return
    if queue_name == "to_label":
        errors.print("note: rows reviewed in the explorer are not proposed; --include-reviewed "
                     "lets them be.")  # fmt: skip
        return
    left_out = int((queue_flags(result, queue_name) & done).sum())
    if left_out:
        errors.print(
            f"note: {left_out} rows of this queue were reviewed in the explorer (relabelled, "
            "dropped or marked fine) and are left out; --include-reviewed keeps them."
        )


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
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free).",
)
def serve(run: Path, port: int) -> None:
    """Explore a run folder in the browser: a map of every row, filters, a row inspector
    with its neighbours, and edits (saved to OUT/edits.parquet; the data is not touched).

    Serves on 127.0.0.1 only. Stop with Ctrl-C.
    """
    from siftkit.exceptions import InvalidParameterError
    from siftkit.web import make_server

    try:
        server = make_server(run, port)
    except OSError as exc:
        raise InvalidParameterError(
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
    """Describe a run folder: its input, encoder, graph, analyses, edits and timings."""
    from siftkit.cli.data_commands import print_labels
    from siftkit.edits import edit_counts
    from siftkit.results import open_run

    result = open_run(run)
    summary = result.summary
    source = summary["input"]
    console.print(f"[bold]{run}[/bold]  siftkit {summary.get('siftkit_version')}, "
                  f"{summary.get('created')}")  # fmt: skip
    classes = source.get("n_classes")
    labels = counted(classes, "class", "classes") if classes else "no label column"
    console.print(f"input: {source['source']}  ·  {counted(source['n_rows'], 'row')}  ·  "
                  f"{labels}  ·  fingerprint {source['fingerprint'][:12]}")  # fmt: skip
    encoder = summary["encoder"]
    console.print(f"encoder: {encoder['id']} ({encoder['n_dims']} dims)  ·  neighbours: "
                  f"k={summary['neighbors']['k']} {summary['neighbors']['method']}, recall "
                  f"{summary['neighbors']['recall_at_k']}")  # fmt: skip
    print_summary(result)
    labeling = summary.get("labeling", {})
    if labeling.get("status") == "ok":
        print_labels(labeling, run)
    edits = edit_counts(result)
    if edits:
        done = ", ".join(f"{n} {action.replace('_', ' ')}" for action, n in edits.items())
        console.print(
            f"edits in the explorer: {sum(edits.values())} rows ({done}); "
            "`sift export --apply-edits` applies them, the queues leave them out"
        )
    timings = ", ".join(f"{k} {v:.2f}s" for k, v in summary.get("timings", {}).items())
    console.print(f"timings: {timings}")
