"""A self-contained HTML report of a run: no scripts, fonts or styles from the network.

Rendering only: it reads an :class:`~siftkit.results.Audit` and writes nothing itself.
Every string that comes from the data is escaped.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from siftkit.report.sections import data_map, datasheet, noise_heatmap, percent
from siftkit.results import CONTENT_COLUMNS, content_column

#: analysis name -> (title, flag column, score column, what the flag means)
ISSUE_CARDS: dict[str, tuple[str, str, str | None, str]] = {
    "label_errors": (
        "Label errors", "is_label_error", "label_error_score",
        "Rows that belong to another class: relabel them with the suggestion, after a look.",
    ),
    "off_topic": (
        "Off-topic rows", "is_off_topic", "off_topic_score",
        "Rows that belong to none of the classes: drop them rather than relabel them.",
    ),
    "outliers": (
        "Outliers", "is_outlier", "outlier_score",
        "Rows far from every other row in embedding space (with a labeled neighbour for most "
        "rows: far from every class, where no label dominates).",
    ),
    "near_duplicates": (
        "Near duplicates", "is_near_duplicate", "near_duplicate_score",
        "Copies that nearly repeat an earlier row of their group (the first stays unflagged).",
    ),
    "clusters": ("Categories", "is_clusters", None, ""),
    "empty_rows": (
        "Empty rows", "is_empty", None,
        "Rows with nothing to embed (a blank text, one the encoder knows none of the words "
        "of — the tfidf encoder keeps only words two rows use —, or a table row without any "
        "value): they get no category, label or "
        "other verdict. Fill them in, drop them, or embed them with another encoder.",
    ),
    "duplicates": (
        "Exact duplicates", "is_duplicate", None,
        "Rows identical to an earlier row after normalising case, Unicode and whitespace.",
    ),
    "labeling": ("Labels", "is_labeling", None, ""),
}  # fmt: skip
#: The numbers an analysis's card shows beside its flagged rows: summary key -> (caption,
#: whether it is a share of the rows, shown in percent).
CARD_STATS = {
    "n_groups": ("groups", False),
    "exact_copies": ("of them exact copies", False),
    "groups_across_splits": ("groups across splits (rows copied between them)", False),
    "share": ("of the rows", True),
    "estimated_noise_rate": ("estimated noise rate", True),
    "n_conflicting_copies": ("copies with conflicting labels", False),
    "flag_limit": ("flagged at most (the estimate plus one standard error)", False),
    "n_far_without_labels": ("far from their neighbours without the labels", False),
}

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;
background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:0 0 8px}
.muted{color:#5b6475}.card{background:#fff;border:1px solid #dde1e8;border-radius:8px;
padding:16px 20px;margin:16px 0}
.stats{display:flex;flex-wrap:wrap;gap:12px}.stat{background:#eef1f6;border-radius:6px;
padding:8px 14px}.stat b{display:block;font-size:20px}.tree,.tree ul{margin:2px 0;padding-left:18px}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;
padding:5px 8px;border-bottom:1px solid #e6e9ef;vertical-align:top}th{color:#5b6475;
font-weight:600}td.text{min-width:200px;max-width:560px;overflow-wrap:break-word}td:first-child,td.id{white-space:nowrap}
.status-ok{color:#1a7f37}.status-failed{color:#cf222e}.status-skipped{color:#9a6700}
table.sheet th{width:180px}.scroll{overflow-x:auto}table.heat{width:auto;font-size:12px}
table.heat td{text-align:center;min-width:34px;border:1px solid #fff}
th.rot{height:120px;vertical-align:bottom}th.rot span{writing-mode:vertical-rl;
transform:rotate(180deg);white-space:nowrap}svg{background:#fbfcfd;border:1px solid #e6e9ef;
border-radius:6px;max-width:100%;height:auto}.legend{display:flex;flex-wrap:wrap;gap:6px 14px;
margin-top:8px;font-size:13px}.key i{display:inline-block;width:10px;height:10px;
border-radius:50%;margin-right:5px}
"""


def _cell(value: Any, limit: int = 240) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape(text)


#: Columns of running text, given room to read (and wrapped at word breaks) in tables.
WIDE_COLUMNS = (*CONTENT_COLUMNS, "nearest neighbours", "typical row", "surest predicted row")


#: Cells laid out apart: texts wide and wrapped; row ids on one line ("11374952-n" broke at
#: its hyphen where the texts beside it took the width).
_CELL_CLASS = {**dict.fromkeys(WIDE_COLUMNS, "text"), "row_id": "id"}


def _table(frame: pd.DataFrame) -> str:
    # a long column name may break after its underscores
    head = "".join(f"<th>{escape(str(c)).replace('_', '_<wbr>')}</th>" for c in frame.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{_CELL_CLASS.get(c, "")}">{_cell(v)}</td>'
            for c, v in zip(frame.columns, row, strict=True)
        )
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def _shown(rows: pd.DataFrame) -> pd.Series:
    """What each row holds (its text, or a table's values), else its id, as strings."""
    content = content_column(rows)
    return rows[content] if content is not None else rows["row_id"].astype(str)


def _seconds(value: float | None) -> str | None:
    """A run's seconds as read: 0.37, 10.0, 1,284."""
    if value is None:
        return None
    return f"{value:.2g}" if value < 1 else f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _with_code(note: str) -> str:
    """A note written for the terminal as HTML: escaped, its `code` spans as the rest of the
    report writes them."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(note))


def _stat(label: str, value: Any) -> str:
    return (
        f'<div class="stat"><b>{_cell(value)}</b><span class="muted">{escape(label)}</span></div>'
    )


def top_examples(rows: pd.DataFrame, flag: str, score: str | None, n: int = 8) -> pd.DataFrame:
    """The ``n`` flagged rows with the highest score, with the columns worth reading; for near
    duplicates, those that are not exact copies first (the exact ones have their own list)."""
    flagged = rows[rows[flag]] if flag in rows else rows.iloc[0:0]
    if score is not None and score in flagged:
        flagged = flagged.sort_values(score, ascending=False, kind="stable")
    if flag == "is_near_duplicate" and "is_duplicate" in flagged:
        flagged = flagged.sort_values("is_duplicate", kind="stable")
    wanted = ["row_id", content_column(rows), "label", score]
    if flag == "is_label_error":
        wanted += ["suggested_label", "suggestion_confidence"]
    if flag in ("is_duplicate", "is_near_duplicate"):
        wanted.append("duplicate_group")
    columns = [c for c in wanted if c is not None and c in flagged.columns]
    return flagged[columns].head(n)


def _tree(hierarchy: list[dict[str, Any]]) -> str:
    """The tree of categories down to the chosen level, as nested lists: each category with
    its size and the categories of the next level it holds (the finer levels are in the
    summary)."""
    chosen = next((i for i, level in enumerate(hierarchy) if level.get("chosen")), None)
    if chosen is None or chosen == 0:
        return ""

    def children(depth: int, parent: int | None) -> list[dict[str, Any]]:
        return [
            c for c in hierarchy[depth]["categories"] if parent is None or c["parent"] == parent
        ]

    def item(depth: int, c: dict[str, Any]) -> str:
        label = f'{escape(str(c["name"]))} <span class="muted">({c["size"]:,})</span>'
        if depth == chosen:
            return f"<li>{c['id']}: {label}</li>"
        held = children(depth + 1, c["id"])
        if len(held) == 1 and held[0]["size"] == c["size"]:
            return item(depth + 1, held[0])  # a group of one category says nothing more
        return f"<li>{label}<ul>{''.join(item(depth + 1, k) for k in held)}</ul></li>"

    counts = " → ".join(str(level["n_categories"]) for level in hierarchy[: chosen + 1])
    return (
        f'<h3>Tree</h3><p class="muted">Coarser groups of the categories above ({counts} '
        f"per level); the finer levels are in <code>summary.json</code>.</p>"
        f'<ul class="tree">{"".join(item(0, c) for c in children(0, None))}</ul>'
    )


#: Predicted labels listed per category in a label run's categories table, at most.
LABELS_PER_CATEGORY = 3


def _predicted_mix(rows: pd.DataFrame) -> dict[int, str]:
    """Per category, its commonest predicted labels with their shares of its rows ("a 55%,
    b 30%"): what the labeling made of it, beside what discovery calls it (a category the
    seed labels do not reach is new to discovery, but its rows still take the classes)."""
    predicted = rows.loc[rows["cluster"] >= 0, ["cluster", "predicted_label"]]
    mix = {}
    for category, labels in predicted.groupby("cluster")["predicted_label"]:
        shares = labels.fillna("(abstained)").value_counts(normalize=True)
        mix[int(category)] = ", ".join(
            f"{label} {percent(share)}" for label, share in shares.head(LABELS_PER_CATEGORY).items()
        )
    return mix


def _categories_table(entry: dict[str, Any], rows: pd.DataFrame, top: int = 40) -> pd.DataFrame:
    """One line per discovered category, largest first, with its most typical row (and, in
    a run that predicted labels, the labels its rows took)."""
    content = content_column(rows)
    texts = rows.set_index("row_id")[content] if content is not None else None
    mix = _predicted_mix(rows) if {"cluster", "predicted_label"} <= set(rows.columns) else None
    lines = []
    for category in entry["categories"][:top]:
        line = {"id": category["id"], "name": category["name"], "rows": category["size"],
                "confidence": category["mean_confidence"]}  # fmt: skip
        if "majority_label" in category:
            line["majority label"] = category["majority_label"]
            line["purity"] = category["purity"]
        if entry.get("semi_supervised"):
            line["new"] = "new" if category.get("is_new") else ""
        if mix is not None:
            line["labels predicted"] = mix.get(category["id"], "")
        exemplars = category.get("exemplar_row_ids", [])
        if exemplars:
            first = exemplars[0]
            line["typical row"] = texts.get(first, first) if texts is not None else first
        lines.append(line)
    return pd.DataFrame(lines)


#: Neighbours shown beside each top example in the report.
EXAMPLE_NEIGHBOURS = 3


def _with_neighbours(examples: pd.DataFrame, rows: pd.DataFrame, graph: Any) -> pd.DataFrame:
    """``examples`` (rows of ``rows``, by position) with their nearest neighbours: label (where
    it has one) and text (or row id) of each, nearest first."""
    if graph is None or not graph.k or not len(examples):
        return examples
    shown = _shown(rows)
    labels = rows["label"] if "label" in rows else None

    def describe(j: int) -> str:
        text = str(shown.iloc[j])
        text = text if len(text) <= 70 else text[:69] + "…"
        label = labels.iloc[j] if labels is not None else None
        return f"{label}: {text}" if label is not None and pd.notna(label) else text

    out = examples.copy()
    out["nearest neighbours"] = [
        " | ".join(describe(int(j)) for j in graph.indices[position, :EXAMPLE_NEIGHBOURS])
        for position in examples.index
    ]
    return out


#: Rows of the ``to_label`` queue shown in the report's labels card.
REPORT_TO_LABEL = 8


def _labels_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One line per predicted label, most rows first: how many rows were given it and
    predicted it, their mean confidence, and the surest predicted row."""
    from siftkit.detectors.labeling import LABEL_SOURCES

    lines = []
    shown = _shown(rows)
    labeled = rows[rows["predicted_label"].notna()]
    for label, members in labeled.groupby("predicted_label", sort=False):
        given = members["label_source"] == "given"
        line = {"label": label, "rows": len(members), "given": int(given.sum())}
        # rows marked other keep the confidence of the class they came closest to
        predicted = members[members["label_source"].isin(LABEL_SOURCES)]
        if len(predicted):
            line["mean confidence"] = predicted["label_confidence"].mean()
            line["surest predicted row"] = shown[predicted["label_confidence"].idxmax()]
        lines.append(line)
    table = pd.DataFrame(lines)
    return table.sort_values("rows", ascending=False, kind="stable") if len(table) else table


def _labels_card(entry: dict[str, Any], audit: Any) -> str:
    """The ``labeling`` analysis: where the labels come from, how many of each, how sure,
    and the first rows worth labeling next."""
    from siftkit.detectors.labeling import (
        confidence_note,
        labeling_notes,
        other_meaning,
        source_note,
    )
    from siftkit.label.next import STRATEGY_NOTES, rows_to_label, strategy

    rows = audit.rows
    meaning = f"Every row labeled from {_with_code(source_note(entry))} (<code>predicted_label"
    meaning += f"</code>, <code>label_confidence</code>: {_with_code(confidence_note(entry))})."
    rule = entry.get("other_rule")
    other = other_meaning(entry)
    if other is not None:
        other_html = _with_code(other)
        meaning += f" {other_html[0].upper()}{other_html[1:]}."
    for hint in labeling_notes(entry):
        meaning += f" <strong>{_with_code(hint)}.</strong>"
    counts = [("given", "n_given"), ("predicted", "n_predicted"), ("abstained", "n_abstained")]
    if rule is not None:  # other was asked for
        counts.append(("other", "n_other"))
    parts = [
        '<section class="card"><h2>Labels <span class="status-ok">· ok</span></h2>',
        f'<p class="muted">{meaning}</p><div class="stats">',
        *(_stat(label, entry[key]) for label, key in counts),
        _stat("mean confidence", entry["mean_confidence"]),
        "</div>", _table(_labels_table(rows)),
    ]  # fmt: skip
    if len(rows) and audit.graph is not None:
        queue = rows_to_label(audit, REPORT_TO_LABEL)
        if len(queue):
            parts.append(
                f"<h3>Rows to label next</h3><p class=muted>{STRATEGY_NOTES[strategy(audit)]}. "
                f"These are the {len(queue)} picked for a budget of {REPORT_TO_LABEL}; "
                "<code>sift export RUN --queue to_label --budget N</code> picks N, spread over "
                "the categories, so a larger budget picks other rows as well as more.</p>"
                f"{_table(queue.drop(columns='priority'))}"
            )
    parts.append("</section>")
    return "".join(parts)


def _analysis_card(name: str, entry: dict[str, Any], rows: pd.DataFrame, graph: Any = None) -> str:
    if name == "clusters" and entry.get("status") == "ok":
        levels = ", ".join(str(level["n_categories"]) for level in entry["hierarchy"])
        return (
            '<section class="card"><h2>Categories <span class="status-ok">· ok</span></h2>'
            '<p class="muted">Groups of similar rows, found without being told how many.</p>'
            '<div class="stats">'
            + _stat("categories", entry["n_clusters"])
            + _stat("tree levels (categories per level)", levels)
            + _stat("mean confidence", entry["mean_confidence"])
            + _stat("rows without a category", entry["n_unassigned"])
            + f"</div>{_table(_categories_table(entry, rows))}{_tree(entry['hierarchy'])}"
            "</section>"
        )
    title, flag, score, meaning = ISSUE_CARDS.get(
        name, (name.replace("_", " ").capitalize(), f"is_{name}", None, "")
    )
    status = entry.get("status", "ok")
    parts = [f'<section class="card"><h2>{escape(title)} ']
    parts.append(f'<span class="status-{escape(status)}">· {escape(status)}</span></h2>')
    if status == "skipped":
        parts.append(f'<p class="muted">Skipped: {escape(str(entry.get("reason", "")))}.</p>')
    elif status == "failed":
        parts.append(f"<p>Failed: <code>{escape(str(entry.get('error', '')))}</code></p>")
    else:
        parts.append(f'<p class="muted">{escape(meaning)}</p><div class="stats">')
        parts.append(_stat("rows flagged", entry.get("count", 0)))
        for key, (caption, share) in CARD_STATS.items():
            if key in entry:
                parts.append(_stat(caption, f"{entry[key]:.1%}" if share else entry[key]))
        if "estimated_noise_rate_interval" in entry:
            low, high = entry["estimated_noise_rate_interval"]
            parts.append(_stat("noise rate, 95% interval", f"{low:.1%} – {high:.1%}"))
        parts.append("</div>")
        examples = top_examples(rows, flag, score)
        if flag != "is_empty":  # a row without content has arbitrary neighbours
            examples = _with_neighbours(examples, rows, graph)
        if len(examples):
            parts.append(f"<h3>Top examples</h3>{_table(examples)}")
        if name == "label_errors":
            parts.append(noise_heatmap(entry))
        if entry.get("confusable_pairs"):
            pairs = pd.DataFrame(
                [{"classes": " ↔ ".join(p["labels"]), "confusion": p["confusion"],
                  "rows flagged between them": p["flagged_between"]}
                 for p in entry["confusable_pairs"][:8]]
            )  # fmt: skip
            parts.append(f"<h3>Classes that blur into each other</h3>{_table(pairs)}")
    parts.append("</section>")
    return "".join(parts)


def render_report(audit: Any) -> str:
    """The report of ``audit`` as one HTML document (a string)."""
    summary, rows = audit.summary, audit.rows
    source = summary.get("input", {}).get("source", "")
    # the label column's classes, or the topics and classes a labeling predicted
    labeling = summary.get("labeling", {})
    predicted = len(labeling.get("classes") or []) if labeling.get("status") == "ok" else 0
    stats = [
        _stat("rows", summary.get("input", {}).get("n_rows")),
        _stat("classes", summary.get("input", {}).get("n_classes") or predicted or "—"),
        _stat("encoder", summary.get("encoder", {}).get("id")),
        _stat("neighbours (k)", summary.get("neighbors", {}).get("k")),
        _stat("seconds", _seconds(summary.get("timings", {}).get("total"))),
    ]
    cards = datasheet(summary, rows)
    clusters = summary.get("clusters", {})
    if len(rows) and "cluster" in rows:
        names = {c["id"]: c["name"] for c in clusters.get("categories", [])}
        cards += data_map(np.asarray(audit.map), rows, names)
    graph = audit.graph if len(rows) else None
    cards += "".join(
        _labels_card(summary[name], audit)
        if name == "labeling" and summary[name].get("status") == "ok"
        else _analysis_card(name, summary[name], rows, graph)
        for name in summary.get("analyses", [])
    )
    label_errors = summary.get("label_errors", {})
    if label_errors.get("status") == "ok":
        off_topic = {"status": "ok", "count": label_errors.get("n_off_topic", 0)}
        cards += _analysis_card("off_topic", off_topic, rows, graph)
    version = escape(str(summary.get("siftkit_version", "")))
    created = escape(str(summary.get("created", "")))
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>siftkit report: {escape(source)}</title><style>{STYLE}</style></head>"
        f"<body><main><h1>siftkit report</h1><p class=muted>{escape(source)} · siftkit "
        f"{version} · {created}"
        f'</p><section class="card"><h2>Overview</h2><div class="stats">{"".join(stats)}</div>'
        f"</section>{cards}</main></body></html>"
    )
