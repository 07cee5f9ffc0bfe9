"""The ``sift`` group: error handling, the console, the summary printout commands share."""

from __future__ import annotations

import shlex
import sys
import warnings
from typing import Any

import click
import numpy as np
import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from siftkit._text import counted, one_line
from siftkit.exceptions import SiftError, SiftWarning
from siftkit.report.html import ISSUE_CARDS, top_examples
from siftkit.report.sections import across_splits_said
from siftkit.results import CONTENT_COLUMNS

#: The summary line of label errors names the commonest flip when at least this share of its
#: class is estimated to carry it.
TOP_FLIP_SHARE = 0.05
#: Widest a text cell of a printed table gets; other columns get at most ``NARROW_COLUMN``,
#: and a text cell at least ``MIN_CONTENT_WIDTH`` however narrow the terminal.
CONTENT_WIDTH, NARROW_COLUMN, MIN_CONTENT_WIDTH = 70, 30, 20

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
        except OSError as exc:  # the system refused: a read-only folder, a full disk, …
            where = f": {exc.filename}" if exc.filename else ""
            errors.print(
                f"[bold red]error:[/bold red] {escape(exc.strerror or str(exc))}{escape(where)}",
                highlight=False,
            )
            sys.exit(2)


@click.group(cls=SiftGroup)
@click.version_option(package_name="siftkit")
def main() -> None:
    """siftkit: find out what is in a dataset and what is wrong with it."""


def frame_table(frame: pd.DataFrame, title: str | None = None, *, more: str = "") -> Table:
    """``frame`` as a table of one line per row. The content column (the texts) takes what
    the terminal leaves beside the other columns, cut short with an ellipsis, so ids, labels
    and scores stay whole (each at most ``NARROW_COLUMN`` wide) on a narrow terminal. From the
    first of the other columns that does not fit on, the columns are left out and named under
    the table, with ``more``: how to see them all."""
    cells = {column: [short(v, CONTENT_WIDTH) for v in frame[column]] for column in frame.columns}
    widths = {
        column: MIN_CONTENT_WIDTH
        if column in CONTENT_COLUMNS
        else min(NARROW_COLUMN, max([len(str(column)), *map(len, cells[column])]))
        for column in frame.columns
    }
    # each column takes a space either side and a border; the table one more border. The
    # content columns come first (a row's text is what the table is read for), then the others
    # from the left while they fit.
    used = 1 + sum(widths[column] + 3 for column in frame.columns if column in CONTENT_COLUMNS)
    shown = set(CONTENT_COLUMNS)
    for column in frame.columns:
        if column not in CONTENT_COLUMNS:
            if used + widths[column] + 3 > console.width:
                break
            shown.add(column)
            used += widths[column] + 3
    room = min(CONTENT_WIDTH, MIN_CONTENT_WIDTH + max(0, console.width - used))
    hidden = [str(column) for column in frame.columns if column not in shown]
    caption = None
    if hidden:
        caption = (
            f"{len(hidden)} more column{'s' if len(hidden) > 1 else ''}, too wide for the "
            f"terminal: {', '.join(hidden)}"
        )
        caption += f" ({more})" if more else ""
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    for column in (c for c in frame.columns if c in shown):
        if column in CONTENT_COLUMNS:
            table.add_column(escape(str(column)), no_wrap=True, overflow="ellipsis", max_width=room)
        else:
            table.add_column(escape(str(column)), overflow="fold", max_width=NARROW_COLUMN)
    for row in zip(*(cells[c] for c in frame.columns if c in shown), strict=True):
        table.add_row(*row)
    return table


def short(value: Any, width: int) -> str:
    """``value`` on one line of at most ``width`` characters, blank when missing, escaped for
    the console: a text such as "[bold] news" is shown as written, not read as markup."""
    return escape(_one_line(value, width))


def _one_line(value: Any, width: int) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list | tuple | np.ndarray):  # a list column, or a query's list
        return one_line("[" + ", ".join(_one_line(v, width) for v in value) + "]", width)
    return one_line(value, width)


def analysis_notes(entry: dict[str, Any]) -> str:
    """What the summary table says of one analysis beside its count (its summary
    ``entry``): why it did not run, or its main numbers."""
    status = entry.get("status", "")
    notes = entry.get("reason") or entry.get("error") or ""
    if status == "ok" and "n_clusters" in entry:
        notes = counted(entry["n_clusters"], "category", "categories")
        if entry.get("semi_supervised"):  # new: no labeled row in it, not a new class as such
            notes += f", {entry['n_new']:,} new (no labeled row in it)"
    if status == "ok" and "n_predicted" in entry:
        notes = (
            f"{entry['n_predicted']:,} predicted, {entry['n_given']:,} given, "
            f"{entry['n_abstained']:,} abstained"
        )
        if entry.get("other_rule"):  # asked for `other`
            notes += f", {entry['n_other']:,} other"
    if status == "ok" and entry.get("class_aware") and "n_far_without_labels" in entry:
        notes = (
            f"judged by class; without the labels {entry['n_far_without_labels']:,} far from "
            "their neighbours"
        )
    elif status == "ok" and entry.get("labeled_neighborhoods") is not None:  # labels too sparse
        notes = (
            f"judged without the labels: {entry['labeled_neighborhoods']:.0%} of the rows have "
            "a labeled neighbour"
        )
    if status == "ok" and entry.get("n_unknown_words"):
        notes = f"{entry['n_unknown_words']:,} not blank: the encoder knows none of their words"
    if status == "ok" and "n_groups" in entry:
        notes = counted(entry["n_groups"], "group")
        if entry.get("exact_copies"):
            notes += f", {entry['exact_copies']:,} of the flagged rows exact copies"
        if entry.get("groups_across_splits"):
            notes += f"; {across_splits_said(entry)}"
    if status == "ok" and "estimated_noise_rate" in entry:
        interval = entry.get("estimated_noise_rate_interval")
        spread = f" ({interval[0]:.1%}-{interval[1]:.1%})" if interval else ""
        notes = f"est. noise {entry['estimated_noise_rate']:.1%}{spread}"
        if (
            entry["count"]
            and entry.get("flag_limit")
            and round(entry["estimated_noise_rate"], 3) == 0
        ):
            # flags beside an estimate of none: the estimate's spread allows them
            notes += (
                f"; {entry['count']:,} flagged, the likeliest: the estimate plus one standard "
                f"error allows {entry['flag_limit']:,}"
            )
        notes += (
            f"; {entry['n_off_topic']:,} off-topic; {entry['n_conflicting_copies']:,} conflicting "
            "copies"
        )
        flips = [f for f in entry.get("top_flips", []) if f["share"] >= TOP_FLIP_SHARE]
        if flips:
            top = flips[0]
            notes += (f"; most flipped: {top['given']} → {top['true']} ({top['share']:.0%} "
                      f"of {top['given']})")  # fmt: skip
    return notes


def print_summary(result: Any) -> None:
    """Counts per issue, then the top examples of each."""
    summary = result.summary
    table = Table(title="Run summary", title_justify="left")
    for column in ("analysis", "status", "flagged", "notes"):
        table.add_column(column)
    for name in summary.get("analyses", []):
        entry = summary[name]
        status = entry.get("status", "")
        colour = {"ok": "green", "failed": "red", "skipped": "yellow"}.get(status, "white")
        notes = escape(analysis_notes(entry))  # it names labels and topics
        count = entry.get("count")
        flagged = "" if count is None else f"{count:,}"
        table.add_row(name, f"[{colour}]{status}[/{colour}]", flagged, notes)
    console.print(table)
    labeling = summary.get("labeling", {})
    if labeling.get("status") == "ok":
        from siftkit.detectors.labeling import labeling_notes

        folder = shlex.quote(str(result.path)) if result.path is not None else "RUN"
        for hint in labeling_notes(labeling, folder):
            console.print(f"[yellow]note:[/yellow] {escape(hint)}.")
    for name in summary.get("analyses", []):
        if summary[name].get("status") != "ok":
            continue
        # label errors hold the off-topic rows too: a list of their own
        shown = [name] if summary[name].get("count") else []
        if name == "label_errors" and summary[name].get("n_off_topic"):
            shown.append("off_topic")
        for card in shown:
            title, flag, score, _ = ISSUE_CARDS.get(card, (card, f"is_{card}", None, ""))
            examples = top_examples(result.rows, flag, score, n=3)
            console.print(f"[bold]Top {title.lower()}[/bold]")
            for row in examples.to_dict("records"):
                console.print("  " + _example_line(row, score), highlight=False)


def _example_line(row: dict[str, Any], score: str | None) -> str:
    """``id  score  label -> suggestion  "text…"`` (or a table's values) — one flagged row on
    one line."""
    parts = [f"[cyan]{short(row['row_id'], 24)}[/cyan]"]
    if score is not None and score in row:
        parts.append(f"{row[score]:.3f}")
    if "label" in row:
        label = short(row["label"], 30)
        if "suggested_label" in row:
            label += f" → {short(row['suggested_label'], 30)}"
        parts.append(f"[magenta]{label}[/magenta]")
    if "duplicate_group" in row:
        parts.append(f"group {row['duplicate_group']}")
    if "text" in row:
        parts.append(f'"{short(row["text"], 80)}"')
    elif "values" in row:
        parts.append(short(row["values"], 80))
    return "  ".join(parts)
