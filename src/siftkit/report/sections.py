"""Report sections that draw: the datasheet, the noise-matrix heatmap, the 2-D map (SVG).

Rendering only, self-contained (inline SVG and styles, no scripts). Every string from the
data is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import pandas as pd

from siftkit.data.dataset import combined_labels, label_variants
from siftkit.embed.base import FRAGMENT_WARN_SHARE

#: Categorical colours (Tableau 10), then grey for "other".
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
OTHER_COLOUR = "#d0d4db"
MAP_POINTS = 6000  # rows drawn in the report's map (a seeded sample beyond that)
MAP_SIZE = 520
HEATMAP_MAX_CLASSES = 30


def across_splits_said(summary: dict[str, Any]) -> str:
    """The near duplicates' ``summary`` of groups across splits in words ("3 across splits
    (rows: test 3, train 4)"); "" where none is."""
    if not summary.get("groups_across_splits"):
        return ""
    rows = ", ".join(f"{split} {n:,}" for split, n in summary["rows_across_splits"].items())
    return f"{summary['groups_across_splits']:,} across splits (rows: {rows})"


def _row(label: str, value: Any) -> str:
    return f"<tr><th>{escape(label)}</th><td>{escape(str(value))}</td></tr>"


def percent(share: float) -> str:
    """A share as a whole percentage, "<1%" for a small one that is not none."""
    return "<1%" if 0 < share < 0.005 else f"{share:.0%}"


def datasheet(summary: dict[str, Any], rows: pd.DataFrame) -> str:
    """Rows, columns and their roles, classes and their sizes, missing values, duplicates,
    and how the rows were embedded."""
    source = summary.get("input", {})
    schema = source.get("schema", {})
    encoder = summary.get("encoder", {})
    lines = [_row("rows", f"{source.get('n_rows', len(rows)):,}")]
    roles = [f"{schema[role]} ({role})" for role in ("id", "text", "label", "split")
             if schema.get(role)]  # fmt: skip
    # beside a text column, the text is embedded, not the table's other columns
    unused = ", not embedded" if schema.get("text") and encoder.get("id") != "tabular" else ""
    roles += [f"{column} ({role}{unused if role in ('numeric', 'categorical') else ''})"
              for role in ("numeric", "categorical", "vector", "ignored")
              for column in schema.get(role, [])]  # fmt: skip
    if roles:
        lines.append(_row("columns", ", ".join(roles)))
    missing = source.get("missing") or {}
    lines.append(_row(
        "missing values",
        ", ".join(f"{c}: {n:,}" for c, n in missing.items()) if missing else "none",
    ))  # fmt: skip
    if source.get("markup_rows"):
        lines.append(_row(
            "HTML markup", f"read as plain text in {source['markup_rows']:,} rows (tags as "
            "spaces, entities as their characters)",
        ))  # fmt: skip
    if "label" in rows:
        sizes = rows["label"].value_counts(dropna=True)
        shown = ", ".join(f"{name} ({count:,})" for name, count in sizes.head(12).items())
        more = f", … {len(sizes) - 12} more" if len(sizes) > 12 else ""
        lines.append(_row(f"classes ({len(sizes)})", shown + more))
        variants = label_variants(sizes.index)
        if variants:
            lines.append(_row(
                "classes written more than one way",
                "; ".join(" / ".join(f"{name} ({sizes[name]:,})" for name in names)
                          for names in variants),
            ))  # fmt: skip
        joined = combined_labels(sizes.index)
        if joined:
            lines.append(_row(
                "labels joining classes",
                ", ".join(f"{name} ({sizes[name]:,})" for name in joined),
            ))  # fmt: skip
    if "split" in rows:
        splits = rows["split"].value_counts(dropna=False)
        lines.append(_row(
            f"splits ({rows['split'].nunique()})",
            ", ".join(f"{'none' if pd.isna(name) else name} ({count:,})"
                      for name, count in splits.items()),
        ))  # fmt: skip
    duplicates = summary.get("duplicates", {})
    if duplicates.get("status") == "ok":
        near = summary.get("near_duplicates", {})
        found = f"{duplicates.get('count', 0):,} exact"
        if "count" in near:
            found += f", {near['count'] - near.get('exact_copies', 0):,} more near"
        lines.append(_row("duplicates", found))
    across = across_splits_said(summary.get("near_duplicates", {}))
    if across:
        lines.append(_row(
            "copies across splits",
            f"groups of copies: {across}. A model scored on rows copied among those it learned "
            "from scores higher than on new rows",
        ))  # fmt: skip
    embedded = encoder.get("id", "")
    if encoder.get("n_dims"):
        embedded += f" ({encoder['n_dims']} dimensions)"
    if encoder.get("n_cached") is not None:
        embedded += f"; {encoder.get('n_embedded', 0):,} embedded, {encoder['n_cached']:,} cached"
    if encoder.get("unknown_piece_share"):
        embedded += f"; {percent(encoder['unknown_piece_share'])} of the word pieces unknown to it"
    if encoder.get("word_fragment_share", 0) >= FRAGMENT_WARN_SHARE:
        embedded += (
            f"; {percent(encoder['word_fragment_share'])} of the word pieces fragments of "
            "words it does not know whole (another language than English?)"
        )
    if encoder.get("cut_text_share"):
        embedded += (
            f"; {percent(encoder['cut_text_share'])} of the texts longer than it reads (their "
            "beginnings embedded)"
        )
    lines.append(_row("embedded with", embedded))
    neighbors = summary.get("neighbors", {})
    if neighbors:
        lines.append(_row(
            "neighbour graph",
            f"k={neighbors.get('k')}, {neighbors.get('method')}, measured recall "
            f"{neighbors.get('recall_at_k')}",
        ))  # fmt: skip
    return (
        '<section class="card"><h2>Datasheet</h2><table class="sheet">'
        + "".join(lines)
        + "</table></section>"
    )


def noise_heatmap(entry: dict[str, Any]) -> str:
    """The noise matrix (given label -> likely true label) as a table of shaded cells."""
    matrix = entry.get("noise_matrix")
    if not matrix:
        return ""
    classes = matrix["classes"][:HEATMAP_MAX_CLASSES]
    values = np.asarray(matrix["given_to_true"])[: len(classes), : len(classes)]
    head = "".join(f'<th class="rot"><span>{escape(str(c))}</span></th>' for c in classes)
    body = []
    for i, (name, line) in enumerate(zip(classes, values, strict=True)):
        cells = []
        for j, value in enumerate(line):
            # the diagonal (labels kept) is mostly near 1: green; flips are small: red, x4
            colour = (
                f"rgba(89,161,79,{value:.3f})"
                if i == j
                else f"rgba(225,87,89,{min(1.0, 4.0 * value):.3f})"
            )
            text = f"{value:.2f}" if value >= 0.005 else ""
            title = f"{name} → {classes[j]}: {value:.3f}"
            cells.append(f'<td style="background:{colour}" title="{escape(title)}">{text}</td>')
        body.append(f"<tr><th>{escape(str(name))}</th>{''.join(cells)}</tr>")
    more = (
        f'<p class="muted">First {HEATMAP_MAX_CLASSES} of {len(matrix["classes"])} classes.</p>'
        if len(matrix["classes"]) > HEATMAP_MAX_CLASSES
        else ""
    )
    return (
        "<h3>Noise matrix (rows: given label; columns: likely true label)</h3>"
        f'<div class="scroll"><table class="heat"><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{more}"
    )


def data_map(coords: np.ndarray, rows: pd.DataFrame, names: dict[int, str]) -> str:
    """An SVG scatter of the 2-D map coloured by category (the largest ten; the rest
    grey) — after labeling, by predicted label (the ten commonest) —, flagged rows ringed; a
    seeded sample when there are many rows."""
    n = len(coords)
    if n == 0:
        return ""
    shown = np.arange(n)
    if n > MAP_POINTS:
        shown = np.sort(np.random.default_rng(0).choice(n, MAP_POINTS, replace=False))
    coloured_by = "category (the ten largest; the rest grey)"
    clusters = rows["cluster"].to_numpy() if "cluster" in rows else np.zeros(n, dtype=int)
    if "predicted_label" in rows:  # a label run: the labels are what it made
        commonest = rows["predicted_label"].value_counts()
        order = {label: code for code, label in enumerate(commonest.index)}
        clusters = rows["predicted_label"].map(order).fillna(-1).to_numpy(dtype=int)
        names = {code: str(label) for label, code in order.items()}
        coloured_by = "predicted label (the ten commonest; the rest, and rows without one, grey)"
    flagged = np.zeros(n, dtype=bool)
    ringed = {"is_label_error": "label errors", "is_off_topic": "off-topic",
              "is_outlier": "outliers"}  # fmt: skip
    checked = [name for flag, name in ringed.items() if flag in rows]
    for flag in ringed:
        if flag in rows:
            flagged |= rows[flag].to_numpy(dtype=bool)
    size = MAP_SIZE
    xy = coords[shown] * (size - 20) + 10
    points = []
    for (x, y), row in zip(xy, shown, strict=True):
        c = int(clusters[row])
        colour = PALETTE[c] if 0 <= c < len(PALETTE) else OTHER_COLOUR
        ring = ' stroke="#1d2330" stroke-width="1"' if flagged[row] else ""
        points.append(f'<circle cx="{x:.1f}" cy="{size - y:.1f}" r="2.2" fill="{colour}"{ring}/>')
    legend = "".join(
        f'<span class="key"><i style="background:{PALETTE[c]}"></i>{escape(names.get(c, str(c)))}'
        "</span>"
        for c in range(min(len(PALETTE), int(clusters.max()) + 1 if n else 0))
    )
    note = f"{len(shown):,} of {n:,} rows drawn. " if len(shown) < n else ""
    rings = (f"; rows flagged as {' or '.join(checked)} are ringed" if checked
             else "")  # fmt: skip
    return (
        '<section class="card"><h2>Map of the data</h2><p class="muted">'
        f"{note}Each point is a row, coloured by {coloured_by}"
        f"{rings}. Nearby points are similar rows; categories sit in discs of their own.</p>"
        f'<svg viewBox="0 0 {size} {size}" width="{size}" height="{size}" role="img" '
        f'aria-label="map of the rows">{"".join(points)}</svg>'
        f'<div class="legend">{legend}</div></section>'
    )
