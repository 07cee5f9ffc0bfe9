"""Label errors, off-topic rows, outliers and duplicates: siftkit against cleanlab and plain
baselines, on corrupted datasets with known ground truth (``benchmarks/noise_cases.py``).

Every method gets the same vectors in the same process (text: MiniLM embeddings from
siftkit's cache; images: the case's features), and is timed end to end each run:

- label errors (cases sym10, sym20, sym40, asym20, offtopic): ``siftkit.audit`` with the
  ``label_errors`` detector (and ``off_topic`` when siftkit has it; its kNN graph is in the
  time); cleanlab ``find_label_issues`` on 5-fold out-of-fold LogisticRegression
  probabilities (the cross-validation is in the time); cleanlab ``Datalab`` label issues on
  the same probabilities (find_issues + the same cross-validation); a plain kNN vote.
- outliers: siftkit ``outliers`` with ``label_errors`` (run with labels: its off-topic flags
  are the other half of "rows from outside the classes"); kNN distance; LOF;
  IsolationForest; Datalab outlier issues.
- duplicates: siftkit ``duplicates`` + ``near_duplicates``; Datalab near-duplicate issues;
  for text, MinHash LSH.
- the noise-rate estimate across seeds: siftkit's error on the symmetric and asymmetric
  cases for ``--noise-seeds`` seeds (default 3; each draws the data sample, the corruption
  and the methods' randomness), since one seed's error moves by points.

    python -m benchmarks.label_errors [--quick] [--datasets wordnet,fashion,digits]
                                      [--cases sym20,asym20,...] [--seed 0]

A run on a subset of datasets or cases is written to ``label_errors-subset[.quick].md``
(git-ignored), so it never replaces the full result. Where siftkit lacks a column (a
detector not written yet, or one that failed) the tables say "n/a".
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from threadpoolctl import threadpool_limits

import siftkit
from benchmarks._common import (
    NA,
    Report,
    argument_parser,
    flag_scores,
    fmt,
    ranking_scores,
    seconds,
    timed,
    verdict,
)
from benchmarks.noise_cases import (
    CASES,
    DATASETS,
    FULL_ROWS,
    LABEL_CASES,
    OUTLIER_FOREIGN,
    OUTLIER_HELD_OUT,
    QUICK_ROWS,
    Base,
    Case,
    load_base,
)
from siftkit.detectors import available_detectors

try:  # Datalab needs cleanlab's "datalab" extra (Hugging Face datasets)
    from cleanlab.datalab.datalab import Datalab

    DATALAB_MISSING = ""
except ImportError as error:  # pragma: no cover - depends on the environment
    Datalab = None
    DATALAB_MISSING = str(error).splitlines()[0]

NAME = "label_errors"
CV_FOLDS = 5
KNN_VOTE_K = 20
KNN_DISTANCE_K = 10
MINHASH_PERM, MINHASH_THRESHOLD, SHINGLE = 128, 0.8, 5
RIGHT_KIND_TARGET = 0.9
#: The siftkit columns this benchmark reads (a missing one shows as n/a).
CONTRACT_COLUMNS = (
    "label_error_score", "is_label_error", "suggested_label", "off_topic_score",
    "is_off_topic", "outlier_score", "is_outlier", "duplicate_group",
)  # fmt: skip
SIFTKIT = "siftkit"
CLEANLAB, DATALAB = "cleanlab find_label_issues", "cleanlab Datalab"


@dataclass
class Outcome:
    """One method's answer on one case: flags and scores per row (None: not available),
    suggested labels, its estimate of the noise rate, and its wall time."""

    method: str
    seconds: float
    flags: np.ndarray | None = None
    scores: np.ndarray | None = None
    suggestions: np.ndarray | None = None
    noise_rate: float | None = None
    noise_interval: tuple[float, float] | None = None  # siftkit's 95% interval
    noise_note: str = ""
    groups: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# --- siftkit --------------------------------------------------------------------------------


def column(rows: pd.DataFrame, name: str) -> np.ndarray | None:
    """A column of siftkit's rows table, or None when this siftkit does not write it."""
    return rows[name].to_numpy() if name in rows.columns else None


def run_siftkit(case: Case, detectors: Sequence[str], seed: int) -> tuple[float, Any]:
    """``siftkit.audit`` on the case's frame and vectors (labels passed); (seconds, Audit)."""
    text = {"text": "text"} if case.has_text else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a failed detector is reported from the summary
        return timed(
            lambda: siftkit.audit(
                case.frame,
                embeddings=case.X,
                label="label",
                detectors=list(detectors),
                progress=False,
                random_state=seed,
                **text,
            )
        )


def detector_notes(summary: dict[str, Any], detectors: Sequence[str]) -> list[str]:
    """Why a detector produced nothing: skipped or failed, from the run's summary."""
    notes = []
    for name in detectors:
        entry = summary.get(name, {})
        status = entry.get("status", "ok")
        if status != "ok":
            reason = entry.get("reason") or entry.get("error") or ""
            notes.append(f"siftkit `{name}` {status}: {reason}")
    return notes


def label_detectors() -> list[str]:
    """``label_errors``, plus ``off_topic`` when this siftkit has it."""
    return ["label_errors"] + (["off_topic"] if "off_topic" in available_detectors() else [])


def either(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    """Element-wise OR of two optional flag arrays."""
    if a is None or b is None:
        return a if b is None else b.astype(bool)
    return a.astype(bool) | b.astype(bool)


def highest(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    """Element-wise max of two optional score arrays."""
    if a is None or b is None:
        return a if b is None else b
    return np.maximum(a, b)


def siftkit_labels(case: Case, seed: int) -> Outcome:
    """siftkit's label errors. A row counts as flagged when it is flagged as a label error
    or as off-topic (both say the label is wrong); its score is the larger of the two."""
    detectors = label_detectors()
    wall, audit = run_siftkit(case, detectors, seed)
    rows, summary = audit.rows, audit.summary
    flags = either(column(rows, "is_label_error"), column(rows, "is_off_topic"))
    estimate = summary.get("label_errors", {}).get("estimated_noise_rate")
    interval = summary.get("label_errors", {}).get("estimated_noise_rate_interval")
    note = ""
    if estimate is None and flags is not None:
        estimate, note = float(flags.mean()), "flag share"
    return Outcome(
        SIFTKIT,
        wall,
        flags=flags,
        scores=highest(column(rows, "label_error_score"), column(rows, "off_topic_score")),
        suggestions=column(rows, "suggested_label"),
        noise_rate=estimate,
        noise_interval=None if interval is None else (interval[0], interval[1]),
        noise_note=note,
        extra={
            "is_label_error": column(rows, "is_label_error"),
            "is_off_topic": column(rows, "is_off_topic"),
            "off_topic_score": column(rows, "off_topic_score"),
            "notes": detector_notes(summary, detectors),
            "columns": set(rows.columns),
        },
    )


# --- label-error baselines ------------------------------------------------------------------


def out_of_fold_pred_probs(X: np.ndarray, codes: np.ndarray, n_classes: int, seed: int) -> Any:
    """Class probabilities for every row from a LogisticRegression (max_iter=1000) that did
    not see it: stratified 5-fold cross-validation. A class missing from a training fold
    gets probability 0 in that fold's predictions."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    probs = np.zeros((len(codes), n_classes))
    folds = StratifiedKFold(CV_FOLDS, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny classes, convergence on tiny folds
        for train, test in folds.split(X, codes):
            model = LogisticRegression(max_iter=1000).fit(X[train], codes[train])
            probs[np.ix_(test, model.classes_)] = model.predict_proba(X[test])
    return probs


def cleanlab_labels(
    codes: np.ndarray, names: np.ndarray, pred_probs: np.ndarray, cv_seconds: float
) -> Outcome:
    """``cleanlab.filter.find_label_issues`` (defaults); scores: 1 - the label quality from
    ``cleanlab.rank.get_label_quality_scores`` (self-confidence)."""
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    def run() -> tuple[np.ndarray, np.ndarray]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            flags = find_label_issues(codes, pred_probs)
            return flags, 1.0 - get_label_quality_scores(codes, pred_probs)

    wall, (flags, scores) = timed(run)
    return Outcome(
        CLEANLAB,
        cv_seconds + wall,
        flags=flags,
        scores=scores,
        suggestions=names[pred_probs.argmax(axis=1)],
        noise_rate=float(flags.mean()),
    )


def datalab_issues(
    issue_type: str, X: np.ndarray, codes: np.ndarray, pred_probs: np.ndarray | None = None
) -> tuple[float, Any]:
    """``Datalab.find_issues`` for one issue type on ``X`` (and ``pred_probs``); returns
    (seconds, the Datalab), or (0, None) when Datalab is not installed."""
    if Datalab is None:
        return 0.0, None

    def run() -> Any:
        lab = Datalab(data={"label": codes}, label_name="label", verbosity=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lab.find_issues(features=X, pred_probs=pred_probs, issue_types={issue_type: {}})
        return lab

    return timed(run)


def datalab_labels(
    X: np.ndarray, codes: np.ndarray, names: np.ndarray, pred_probs: np.ndarray, cv_s: float
) -> Outcome:
    """Datalab label issues on the same out-of-fold probabilities; score = 1 - label_score."""
    wall, lab = datalab_issues("label", X, codes, pred_probs)
    if lab is None:
        return Outcome(DATALAB, float("nan"))
    issues = lab.get_issues("label")
    flags = issues["is_label_issue"].to_numpy()
    return Outcome(
        DATALAB,
        cv_s + wall,
        flags=flags,
        scores=1.0 - issues["label_score"].to_numpy(),
        suggestions=names[issues["predicted_label"].to_numpy()],
        noise_rate=float(flags.mean()),
    )


def neighbours(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's exact k nearest neighbours (Euclidean, the default), the row itself
    excluded: (distances, indices), each (n, k)."""
    from sklearn.neighbors import NearestNeighbors

    return NearestNeighbors(n_neighbors=k).fit(X).kneighbors()


def knn_vote(X: np.ndarray, codes: np.ndarray, names: np.ndarray) -> Outcome:
    """The plain baseline: an unweighted vote of the 20 nearest neighbours (Euclidean).
    Score = 1 - the share of the given label; flagged when another label wins the vote
    (ties with the given label are not flagged); suggestion = the winning label."""

    def run() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        _, indices = neighbours(X, KNN_VOTE_K)
        votes = np.zeros((len(codes), len(names)))
        np.add.at(votes, (np.repeat(np.arange(len(codes)), KNN_VOTE_K), codes[indices].ravel()), 1)
        given = votes[np.arange(len(codes)), codes]
        return 1.0 - given / KNN_VOTE_K, given < votes.max(axis=1), votes.argmax(axis=1)

    wall, (scores, flags, winner) = timed(run)
    return Outcome(
        "kNN vote (k=20)",
        wall,
        flags=flags,
        scores=scores,
        suggestions=names[winner],
        noise_rate=float(flags.mean()),
    )


# --- label errors: metrics and tables ------------------------------------------------------


def label_metrics(case: Case, outcome: Outcome) -> dict[str, float | None]:
    """One method on one label-error case. Truth: the given label is wrong (mislabeled or
    off-topic); suggestions are checked on mislabeled rows (off-topic rows have no right
    in-set label)."""
    truth = case.is_label_error
    flags = flag_scores(outcome.flags, truth)
    auroc, auprc = ranking_scores(outcome.scores, truth)
    wrong = case.is_mislabeled
    accuracy = (
        float((outcome.suggestions[wrong] == case.true[wrong]).mean())
        if outcome.suggestions is not None and wrong.any()
        else None
    )
    noise, interval = outcome.noise_rate, outcome.noise_interval
    bias = None if noise is None else (noise - case.noise_rate) * 100
    covered = None if interval is None else float(interval[0] <= case.noise_rate <= interval[1])
    return {
        "precision": flags.precision,
        "recall": flags.recall,
        "f1": flags.f1,
        "auroc": auroc,
        "auprc": auprc,
        "noise": noise,
        "noise_bias": bias,
        "noise_error": None if bias is None else abs(bias),
        "noise_covered": covered,
        "suggestion_accuracy": accuracy,
        "seconds": outcome.seconds,
    }


@dataclass(frozen=True)
class LabelRun:
    """Every label-error method on one case, with their metrics by method."""

    case: Case
    outcomes: list[Outcome]
    metrics: dict[str, dict[str, float | None]]
    cv_seconds: float


def bench_label_case(case: Case, seed: int) -> LabelRun:
    """siftkit, cleanlab (both ways, one cross-validation timed into each) and the kNN vote
    on one case."""
    names, codes = np.unique(case.given, return_inverse=True)
    cv_s, pred_probs = timed(lambda: out_of_fold_pred_probs(case.X, codes, len(names), seed))
    outcomes = [
        siftkit_labels(case, seed),
        cleanlab_labels(codes, names, pred_probs, cv_s),
        datalab_labels(case.X, codes, names, pred_probs, cv_s),
        knn_vote(case.X, codes, names),
    ]
    metrics = {o.method: label_metrics(case, o) for o in outcomes}
    return LabelRun(case, outcomes, metrics, cv_s)


LABEL_HEADERS = [
    "case",
    "method",
    "P",
    "R",
    "F1",
    "AUROC",
    "AUPRC",
    "est. noise rate",
    "true rate",
    "abs. error (pts)",
    "suggestion acc. (mislabeled rows)",
    "time s",
]


def label_table_rows(run: LabelRun) -> list[list[str]]:
    rows = []
    for outcome in run.outcomes:
        m = run.metrics[outcome.method]
        noise = m["noise"]
        rows.append(
            [
                run.case.name,
                outcome.method,
                fmt(m["precision"]),
                fmt(m["recall"]),
                fmt(m["f1"]),
                fmt(m["auroc"]),
                fmt(m["auprc"]),
                NA
                if noise is None
                else f"{noise:.3f}" + (f" ({outcome.noise_note})" if outcome.noise_note else ""),
                fmt(run.case.noise_rate),
                fmt(m["noise_error"], 2),
                fmt(m["suggestion_accuracy"]),
                seconds_or_na(outcome.seconds),
            ]
        )
    return rows


OFF_TOPIC_HEADERS = [
    "method",
    "flags catch: mislabeled (R)",
    "flags catch: off-topic (R)",
    "off-topic flag P",
    "off-topic flag R",
    "off-topic flag F1",
    "off_topic_score AUROC",
    f"right kind (target >= {RIGHT_KIND_TARGET})",
    "flagged both (must be 0)",
]


def off_topic_table_rows(run: LabelRun) -> list[list[str]]:
    """The off-topic case in detail: which kind of wrong label each method's flags catch,
    siftkit's off-topic flags and scores, and whether it tells the two kinds apart: among
    rows it flags (label error or off-topic) that truly are one of the two, the share
    flagged as the right kind (and only that kind)."""
    case = run.case
    rows = []
    for outcome in run.outcomes:
        cells = [
            outcome.method,
            fmt(flag_scores(outcome.flags, case.is_mislabeled).recall),
            fmt(flag_scores(outcome.flags, case.is_off_topic).recall),
        ]
        if outcome.method != SIFTKIT:
            rows.append(cells + [NA] * 6)
            continue
        errors, off = outcome.extra["is_label_error"], outcome.extra["is_off_topic"]
        off_flags = flag_scores(off, case.is_off_topic)
        auroc, _ = ranking_scores(outcome.extra["off_topic_score"], case.is_off_topic)
        kind, both = NA, NA
        if errors is not None and off is not None:
            errors, off = errors.astype(bool), off.astype(bool)
            caught = (errors | off) & case.is_label_error
            right = (off & ~errors & case.is_off_topic) | (errors & ~off & case.is_mislabeled)
            if caught.any():
                share = float(right.sum() / caught.sum())
                kind = f"{share:.3f} ({verdict(share >= RIGHT_KIND_TARGET)})"
            both = f"{int((errors & off).sum()):,}"
        rows.append(
            cells + [fmt(off_flags.precision), fmt(off_flags.recall), fmt(off_flags.f1),
                     fmt(auroc), kind, both]
        )  # fmt: skip
    return rows


# --- outliers -------------------------------------------------------------------------------


def outlier_outcomes(case: Case, seed: int) -> tuple[list[Outcome], list[str]]:
    """siftkit and the outlier baselines on one case; and siftkit's notes."""
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import LocalOutlierFactor

    X = case.X
    wall, audit = run_siftkit(case, ["outliers", "label_errors"], seed)
    outlier_flags = column(audit.rows, "is_outlier")
    off_topic_flags = column(audit.rows, "is_off_topic")
    sift = Outcome(
        f"{SIFTKIT} `is_outlier` (labels passed)",
        wall,
        flags=outlier_flags,
        scores=column(audit.rows, "outlier_score"),
        extra={"columns": set(audit.rows.columns)},
    )
    # with labels, rows from outside the label set are what `is_off_topic` means: the
    # rows a user would drop are those flagged either way
    outside = Outcome(
        f"{SIFTKIT} `is_outlier` or `is_off_topic`",
        wall,
        flags=either(outlier_flags, off_topic_flags),
    )

    def knn_distance() -> np.ndarray:
        return neighbours(X, KNN_DISTANCE_K)[0].mean(axis=1)

    def lof() -> tuple[np.ndarray, np.ndarray]:
        model = LocalOutlierFactor()
        flags = model.fit_predict(X) == -1
        return flags, -model.negative_outlier_factor_

    def iforest() -> tuple[np.ndarray, np.ndarray]:
        model = IsolationForest(random_state=seed).fit(X)
        return model.predict(X) == -1, -model.score_samples(X)

    knn_s, knn_scores = timed(knn_distance)
    lof_s, (lof_flags, lof_scores) = timed(lof)
    forest_s, (forest_flags, forest_scores) = timed(iforest)
    outcomes = [
        sift,
        outside,
        Outcome(f"kNN distance (k={KNN_DISTANCE_K}, mean)", knn_s, scores=knn_scores),
        Outcome("LOF (n_neighbors=20)", lof_s, flags=lof_flags, scores=lof_scores),
        Outcome("IsolationForest", forest_s, flags=forest_flags, scores=forest_scores),
    ]
    codes = np.unique(case.given, return_inverse=True)[1]
    lab_s, lab = datalab_issues("outlier", X, codes)
    if lab is not None:
        issues = lab.get_issues("outlier")
        outcomes.append(
            Outcome(
                "cleanlab Datalab outlier",
                lab_s,
                flags=issues["is_outlier_issue"].to_numpy(),
                scores=1.0 - issues["outlier_score"].to_numpy(),
            )
        )
    return outcomes, detector_notes(audit.summary, ["outliers", "label_errors"])


def outlier_metrics(case: Case, outcome: Outcome) -> dict[str, float | None]:
    """AUROC/AUPRC of the scores (also per kind of outlier, against the clean rows) and
    P/R/F1 of the flags at the method's own threshold."""
    clean = ~case.is_outlier
    auroc, auprc = ranking_scores(outcome.scores, case.is_outlier)
    per_kind = {}
    for kind in (OUTLIER_HELD_OUT, OUTLIER_FOREIGN):
        part = clean | (case.kind == kind)
        scores = None if outcome.scores is None else outcome.scores[part]
        per_kind[kind] = ranking_scores(scores, (case.kind == kind)[part])[0]
    flags = flag_scores(outcome.flags, case.is_outlier)
    return {
        "auroc": auroc,
        "auprc": auprc,
        "auroc_held_out": per_kind[OUTLIER_HELD_OUT],
        "auroc_foreign": per_kind[OUTLIER_FOREIGN],
        "precision": flags.precision,
        "recall": flags.recall,
        "f1": flags.f1,
        "flagged": None if outcome.flags is None else flags.n_flagged,
        "seconds": outcome.seconds,
    }


OUTLIER_HEADERS = [
    "method",
    "AUROC",
    "AUPRC",
    "AUROC held-out class",
    "AUROC other dataset",
    "flag P",
    "flag R",
    "flag F1",
    "flagged",
    "time s",
]


def outlier_table_rows(metrics: dict[str, dict[str, float | None]]) -> list[list[str]]:
    return [
        [
            method,
            *(fmt(m[key]) for key in ("auroc", "auprc", "auroc_held_out", "auroc_foreign")),
            *(fmt(m[key]) for key in ("precision", "recall", "f1")),
            NA if m["flagged"] is None else f"{int(m['flagged']):,}",
            seconds_or_na(m["seconds"]),
        ]
        for method, m in metrics.items()
    ]


# --- duplicates -----------------------------------------------------------------------------


def components(n: int, edges: np.ndarray) -> np.ndarray:
    """Connected components of the (m, 2) edges: a group id per row, -1 for rows in none."""
    groups = np.full(n, -1)
    if len(edges) == 0:
        return groups
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    in_group = np.bincount(component)[component] > 1
    groups[in_group] = component[in_group]
    return groups


def shingles(text: str) -> set[bytes]:
    """Character 5-grams of the case- and whitespace-folded text."""
    folded = " ".join(text.casefold().split())
    return {folded[i : i + SHINGLE].encode() for i in range(max(len(folded) - SHINGLE + 1, 1))}


def minhash_edges(texts: Sequence[str], seed: int) -> np.ndarray:
    """MinHash LSH (datasketch, 128 permutations, threshold 0.8) over character 5-grams:
    the candidate pairs its index returns for every row."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=MINHASH_THRESHOLD, num_perm=MINHASH_PERM)
    hashes = []
    for i, text in enumerate(texts):
        m = MinHash(num_perm=MINHASH_PERM, seed=seed)
        m.update_batch(list(shingles(text)))
        lsh.insert(i, m)
        hashes.append(m)
    edges = [(i, j) for i, m in enumerate(hashes) for j in lsh.query(m) if j > i]
    return np.array(edges, dtype=np.int64).reshape(-1, 2)


def duplicate_outcomes(case: Case, seed: int) -> tuple[list[Outcome], list[str]]:
    """siftkit and the duplicate baselines: each method's groups of rows."""
    detectors = ["duplicates", "near_duplicates"]
    wall, audit = run_siftkit(case, detectors, seed)
    outcomes = [
        Outcome(
            SIFTKIT,
            wall,
            groups=column(audit.rows, "duplicate_group"),
            extra={"columns": set(audit.rows.columns)},
        )
    ]
    codes = np.unique(case.given, return_inverse=True)[1]
    lab_s, lab = datalab_issues("near_duplicate", case.X, codes)
    if lab is not None:

        def datalab_groups() -> np.ndarray:
            sets = lab.get_issues("near_duplicate")["near_duplicate_sets"]
            edges = [(i, int(j)) for i, members in enumerate(sets) for j in members]
            return components(case.n, np.array(edges, dtype=np.int64).reshape(-1, 2))

        group_s, groups = timed(datalab_groups)
        outcomes.append(Outcome("cleanlab Datalab near_duplicate", lab_s + group_s, groups=groups))
    if case.has_text:
        texts = case.frame["text"].tolist()
        hash_s, groups = timed(lambda: components(case.n, minhash_edges(texts, seed)))
        outcomes.append(Outcome("MinHash LSH (char 5-grams, 0.8)", hash_s, groups=groups))
    return outcomes, detector_notes(audit.summary, detectors)


def duplicate_metrics(case: Case, outcome: Outcome) -> dict[str, float | None]:
    """Pair precision/recall/F1 over the ground-truth pairs (a predicted group of m rows
    predicts its m(m-1)/2 pairs), recall on exact and on edited pairs, group counts."""
    pairs, exact = case.duplicate_pairs()
    empty = dict.fromkeys(("pairs", "precision", "recall", "f1", "recall_exact",
                           "recall_edited", "groups", "largest"))  # fmt: skip
    if outcome.groups is None:
        return {**empty, "seconds": outcome.seconds}
    groups = np.asarray(outcome.groups)
    sizes = np.bincount(groups[groups >= 0]) if (groups >= 0).any() else np.zeros(0, int)
    predicted = int((sizes * (sizes - 1) // 2).sum())
    found = (groups[pairs[:, 0]] == groups[pairs[:, 1]]) & (groups[pairs[:, 0]] >= 0)
    hits = int(found.sum())
    return {
        "pairs": predicted,
        "precision": hits / predicted if predicted else None,
        "recall": hits / len(pairs),
        "f1": 2 * hits / (predicted + len(pairs)),
        "recall_exact": float(found[exact].mean()) if exact.any() else None,
        "recall_edited": float(found[~exact].mean()) if (~exact).any() else None,
        "groups": int((sizes > 0).sum()),
        "largest": int(sizes.max()) if len(sizes) else 0,
        "seconds": outcome.seconds,
    }


DUPLICATE_HEADERS = [
    "method",
    "pairs predicted",
    "pair P",
    "pair R",
    "pair F1",
    "R on exact pairs",
    "R on edited pairs",
    "groups",
    "largest group",
    "time s",
]


def duplicate_table_rows(metrics: dict[str, dict[str, float | None]]) -> list[list[str]]:
    def count(value: float | None) -> str:
        return NA if value is None else f"{int(value):,}"

    return [
        [
            method,
            count(m["pairs"]),
            *(
                fmt(m[key])
                for key in ("precision", "recall", "f1", "recall_exact", "recall_edited")
            ),  # fmt: skip
            count(m["groups"]),
            count(m["largest"]),
            seconds_or_na(m["seconds"]),
        ]
        for method, m in metrics.items()
    ]


# --- the run --------------------------------------------------------------------------------


def seconds_or_na(value: float | None) -> str:
    return NA if value is None or value != value else seconds(value)


@dataclass
class DatasetResults:
    """What the summary needs from one dataset."""

    name: str
    siftkit_columns: set[str] = field(default_factory=set)
    label_runs: list[LabelRun] = field(default_factory=list)
    outliers: dict[str, dict[str, float | None]] = field(default_factory=dict)
    duplicates: dict[str, dict[str, float | None]] = field(default_factory=dict)


def add_notes(report: Report, notes: Sequence[str]) -> None:
    """siftkit detectors that were skipped or failed, once each."""
    unique = list(dict.fromkeys(notes))
    if unique:
        report.add("\n".join(f"- {note}" for note in unique))


def bench_dataset(report: Report, base: Base, cases: Sequence[str], seed: int) -> DatasetResults:
    """Every requested case on one base, a table per family of cases."""
    built = [CASES[name](base, seed) for name in cases]
    report.section(
        f"{base.name}: {base.description}",
        "\n".join(f"- `{c.name}` ({c.n:,} rows): {c.description}" for c in built),
    )
    results = DatasetResults(base.name)
    label_cases = [c for c in built if c.name in LABEL_CASES]
    if label_cases:
        notes: list[str] = []
        rows: list[list[str]] = []
        for case in label_cases:
            run = bench_label_case(case, seed)
            results.label_runs.append(run)
            rows += label_table_rows(run)
            notes += run.outcomes[0].extra["notes"]
            results.siftkit_columns |= run.outcomes[0].extra["columns"]
        report.add(
            f"### {base.name}: label errors\n\nTruth: the given label is wrong (in `offtopic`: "
            "mislabeled or off-topic). siftkit's flags/scores: label error or off-topic "
            "(the larger score). Estimated noise rate: siftkit's `estimated_noise_rate`, or "
            "its flagged share where it has none (marked); the baselines' flagged share. "
            "Suggestion accuracy: on the mislabeled rows, the suggested (siftkit), "
            "most probable (cleanlab) or winning (kNN) label is the true one. "
            "cleanlab's cross-validation "
            f"({', '.join(seconds(r.cv_seconds) for r in results.label_runs)} s per case) is "
            "in both cleanlab times."
        )
        report.table(LABEL_HEADERS, rows, align="ll" + "r" * 10)
        add_notes(report, notes)
        for run in results.label_runs:
            if run.case.name == "offtopic":
                report.add(f"### {base.name}: off-topic rows (`offtopic`)")
                report.table(OFF_TOPIC_HEADERS, off_topic_table_rows(run))
    for case in built:
        if case.name == "outliers":
            outcomes, notes = outlier_outcomes(case, seed)
            results.outliers = {o.method: outlier_metrics(case, o) for o in outcomes}
            results.siftkit_columns |= outcomes[0].extra["columns"]
            report.add(
                f"### {base.name}: outliers\n\nFlags at each method's own threshold (kNN "
                "distance has none). AUROC per kind: those outliers against the clean rows. "
                "siftkit runs `outliers` and `label_errors` in one audit: with labels, a row "
                "that belongs to none of the classes is flagged `is_off_topic` (drop it), a "
                "row far from the rest `is_outlier` (look at it); the second siftkit row "
                "counts a row flagged either way."
            )
            report.table(OUTLIER_HEADERS, outlier_table_rows(results.outliers))
            add_notes(report, notes)
        elif case.name == "duplicates":
            outcomes, notes = duplicate_outcomes(case, seed)
            results.duplicates = {o.method: duplicate_metrics(case, o) for o in outcomes}
            results.siftkit_columns |= outcomes[0].extra["columns"]
            n_pairs = len(case.duplicate_pairs()[0])
            report.add(
                f"### {base.name}: duplicates\n\n{n_pairs:,} true pairs (source-copy and "
                "copy-copy). Baseline groups: connected components of the pairs they report."
            )
            report.table(DUPLICATE_HEADERS, duplicate_table_rows(results.duplicates))
            add_notes(report, notes)
    return results


def best_of(
    metrics: dict[str, dict[str, float | None]], methods: Sequence[str], key: str
) -> tuple[float | None, str]:
    """(the best value of ``key`` among ``methods``, that method), ignoring missing ones."""
    found = [
        (m[key], name) for name, m in metrics.items() if name in methods and m[key] is not None
    ]
    return max(found) if found else (None, "")


def difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


F1_NAMES = {"outliers": "flag F1", "duplicates": "pair F1"}
NOISE_RATE_CASES = ("sym10", "sym20", "sym40", "asym20")
NOISE_RATE_TARGET = 2.0  # points
NOISE_SEEDS = 3  # seeds of the noise-rate spread table
AVERAGE_LEAD_TARGET = 0.05


def summarise(report: Report, results: Sequence[DatasetResults]) -> None:
    """Per label-error case: siftkit minus the best cleanlab variant (F1, AUPRC), time ratio;
    per dataset: siftkit minus the best outlier and duplicate baselines."""
    rows, f1_gaps, auprc_gaps, ratios, noise_errors = [], [], [], [], []
    for dataset in results:
        for run in dataset.label_runs:
            m = run.metrics
            sift = m[SIFTKIT]
            f1, f1_from = best_of(m, (CLEANLAB, DATALAB), "f1")
            auprc, auprc_from = best_of(m, (CLEANLAB, DATALAB), "auprc")
            gaps = difference(sift["f1"], f1), difference(sift["auprc"], auprc)
            f1_gaps.append(gaps[0])
            auprc_gaps.append(gaps[1])
            ratio = {
                name: sift["seconds"] / m[name]["seconds"]
                if m[name]["seconds"] == m[name]["seconds"] else None
                for name in (CLEANLAB, DATALAB)
            }  # fmt: skip
            ratios.append(ratio[CLEANLAB])
            if run.case.name in NOISE_RATE_CASES and sift["noise_error"] is not None:
                noise_errors.append(sift["noise_error"])
            cleanlab_noise = [m[name]["noise_error"] for name in (CLEANLAB, DATALAB)]
            rows.append(
                [
                    f"{dataset.name} / {run.case.name}",
                    fmt(sift["f1"]),
                    f"{fmt(f1)} ({short(f1_from)})",
                    fmt(gaps[0], signed=True),
                    fmt(sift["auprc"]),
                    f"{fmt(auprc)} ({short(auprc_from)})",
                    fmt(gaps[1], signed=True),
                    points(sift["noise_error"]),
                    points(min((e for e in cleanlab_noise if e is not None), default=None)),
                    ratio_text(ratio[CLEANLAB]),
                    ratio_text(ratio[DATALAB]),
                ]
            )
    if rows:
        rows.append(
            [
                "**average over cases**",
                "",
                "",
                fmt(mean_of(f1_gaps), signed=True),
                "",
                "",
                fmt(mean_of(auprc_gaps), signed=True),
                "",
                "",
                ratio_text(geometric_mean(ratios)) + " (geo. mean)",
                "",
            ]
        )
        report.section(
            "Summary: label errors, siftkit against the best cleanlab variant",
            "Best of `find_label_issues` (fl) and Datalab (dl) per metric; negative = siftkit "
            "worse. Noise-rate error: |estimated - true noise rate| in points (target for "
            "siftkit: at most 2 on the symmetric and asymmetric cases). Time ratio = siftkit's "
            "`audit` call (kNN graph included) / cleanlab's (cross-validation included).",
        )
        report.table(
            ["dataset / case", "siftkit F1", "best cleanlab F1", "ΔF1", "siftkit AUPRC",
             "best cleanlab AUPRC", "ΔAUPRC", "siftkit noise-rate error",
             "best cleanlab noise-rate error", "time siftkit / fl", "time siftkit / dl"],
            rows,
        )  # fmt: skip
        worst_noise = max(noise_errors, default=None)
        f1_lead, auprc_lead = mean_of(f1_gaps), mean_of(auprc_gaps)
        ahead = [g for g in f1_gaps + auprc_gaps if g is not None]
        leads = [g for g in (f1_lead, auprc_lead) if g is not None]
        report.add(
            "Targets: F1 and AUPRC above the best cleanlab variant on every case: "
            f"{verdict(bool(ahead) and min(ahead) > 0)}; by at least "
            f"{AVERAGE_LEAD_TARGET:.2f} on average: "
            f"{verdict(len(leads) == 2 and min(leads) >= AVERAGE_LEAD_TARGET)} "
            f"(F1 {fmt(f1_lead, signed=True)}, AUPRC {fmt(auprc_lead, signed=True)}); "
            f"noise-rate error at most {NOISE_RATE_TARGET:g} points on the symmetric and "
            "asymmetric cases: "
            f"{verdict(worst_noise is not None and worst_noise <= NOISE_RATE_TARGET)} "
            f"(largest {points(worst_noise)})."
        )
    other = []
    for dataset in results:
        for family, key, metrics in (
            ("outliers", "auroc", dataset.outliers),
            ("outliers", "auprc", dataset.outliers),
            ("outliers", "f1", dataset.outliers),
            ("duplicates", "f1", dataset.duplicates),
        ):
            if not metrics:
                continue
            ours = [name for name in metrics if name.startswith(SIFTKIT)]
            others = [name for name in metrics if name not in ours]
            value, best_name = best_of(metrics, others, key)
            sift, sift_name = best_of(metrics, ours, key)
            metric = F1_NAMES[family] if key == "f1" else key
            other.append(
                [f"{dataset.name} / {family}", metric, f"{fmt(sift)} ({sift_name})",
                 f"{fmt(value)} ({best_name})", fmt(difference(sift, value), signed=True)]
            )  # fmt: skip
    if other:
        report.section("Summary: outliers and duplicates, siftkit against the best baseline")
        report.table(["dataset / case", "metric", "siftkit", "best baseline", "Δ"], other)


def signed_error(metrics: dict[str, float | None]) -> str:
    """siftkit's estimated minus true noise rate in points, † when the truth lies outside
    its 95% interval."""
    outside = "†" if metrics["noise_covered"] == 0.0 else ""
    return f"{metrics['noise_bias']:+.2f}{outside}"


def noise_rate_across_seeds(
    report: Report, results: Sequence[DatasetResults], seeds: Sequence[int], quick: bool
) -> None:
    """siftkit's noise-rate error on the symmetric and asymmetric cases for more seeds (data
    sample, corruption and methods): how much of one seed's error is the draw. The first
    seed's errors come from the main run."""
    rows, mean_errors = [], []
    for dataset in results:
        runs = {
            run.case.name: [run.metrics[SIFTKIT]]
            for run in dataset.label_runs
            if run.case.name in NOISE_RATE_CASES and run.metrics[SIFTKIT]["noise"] is not None
        }
        if not runs:
            continue
        for seed in seeds[1:]:
            base = load_base(dataset.name, seed=seed, quick=quick)
            for case_name in runs:
                case = CASES[case_name](base, seed)
                runs[case_name].append(label_metrics(case, siftkit_labels(case, seed)))
        for case_name, metrics in runs.items():
            errors = [m["noise_error"] for m in metrics]
            mean_error = float(np.mean(errors))
            mean_errors.append(mean_error)
            covered = [m["noise_covered"] for m in metrics if m["noise_covered"] is not None]
            rows.append([
                f"{dataset.name} / {case_name}",
                *(signed_error(m) for m in metrics),
                points(mean_error),
                f"{int(sum(covered))} / {len(covered)}" if covered else "n/a",
            ])  # fmt: skip
    if not rows:
        return
    report.section(
        "Noise-rate estimate across seeds",
        "siftkit's estimated minus true noise rate, in points, for seeds "
        f"{', '.join(str(s) for s in seeds)} (each seed draws the data sample, the corruption "
        "and the methods' randomness; the first is the main run above). † marks a seed whose "
        "true rate lies outside the summary's 95% interval (`estimated_noise_rate_interval`, "
        "the anchors' sampling spread; it does not cover anchors of another true class).",
    )
    report.table(
        ["dataset / case", *(f"seed {s}" for s in seeds), "mean absolute error",
         "true rate inside the 95% interval"], rows,
    )  # fmt: skip
    worst = max(mean_errors)
    report.add(
        f"Target: mean absolute error at most {NOISE_RATE_TARGET:g} points on every case: "
        f"{verdict(worst <= NOISE_RATE_TARGET)} (largest {points(worst)})."
    )


def points(value: float | None) -> str:
    """A difference in percentage points, two decimals (a target of 2 points is read
    against them)."""
    return NA if value is None else f"{value:.2f}"


def ratio_text(value: float | None) -> str:
    """A ratio to 3 significant digits."""
    return NA if value is None else f"{value:.3g}"


def short(method: str) -> str:
    return {CLEANLAB: "fl", DATALAB: "dl"}.get(method, method)


def mean_of(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def geometric_mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None and v > 0]
    return float(np.exp(np.mean(np.log(present)))) if present else None


def split_choice(value: str, allowed: Sequence[str], what: str) -> list[str]:
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        raise SystemExit(f"unknown {what}: {', '.join(unknown)}; choose from {', '.join(allowed)}")
    return chosen


def main(argv: Sequence[str] | None = None) -> None:
    parser = argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated")
    parser.add_argument("--seed", type=int, default=0, help="for data, noise and methods")
    parser.add_argument(
        "--noise-seeds", type=int, default=NOISE_SEEDS,
        help="seeds of the noise-rate spread table (1 skips it; 1 with --quick)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    datasets = split_choice(args.datasets, DATASETS, "datasets")
    cases = split_choice(args.cases, list(CASES), "cases")
    subset = datasets != list(DATASETS) or cases != list(CASES)
    report = Report(
        NAME + ("-subset" if subset else ""),
        "Label errors, off-topic rows, outliers, duplicates: siftkit vs cleanlab and baselines",
        quick=args.quick,
        details={
            "datasets": ", ".join(datasets)
            + f" (wordnet/fashion: {QUICK_ROWS if args.quick else FULL_ROWS:,} base rows; "
            "digits: 1,617)",
            "cases": ", ".join(cases),
            "seed": f"{args.seed} (data sample, corruption, cross-validation folds, methods)",
            "siftkit detectors": ", ".join(available_detectors()),
            "threads": "BLAS and OpenMP (faiss) limited to 1 thread for every method "
            "(threadpoolctl); with 2 OpenBLAS threads, LogisticRegression fits on this 2-CPU "
            "machine ran 5-50x slower and erratically",
            "methods": METHODS,
            "cleanlab Datalab": "available" if Datalab is not None else f"n/a: {DATALAB_MISSING}",
        },
    )
    results = []
    with threadpool_limits(1):  # BLAS and OpenMP (faiss) alike
        for name in datasets:
            base = load_base(name, seed=args.seed, quick=args.quick)
            results.append(bench_dataset(report, base, cases, args.seed))
    summarise(report, results)
    noise_seeds = 1 if args.quick else max(1, args.noise_seeds)
    if noise_seeds > 1:
        with threadpool_limits(1):
            noise_rate_across_seeds(
                report, results, range(args.seed, args.seed + noise_seeds), args.quick
            )
    missing = [c for c in CONTRACT_COLUMNS if not any(c in r.siftkit_columns for r in results)]
    if missing:
        report.add(
            f"siftkit columns of the contract absent in this run (n/a): {', '.join(missing)}."
        )
    report.save()


METHODS = (
    "siftkit: `siftkit.audit(frame, embeddings=X, label=...)` with the case's detectors, "
    "timed whole (kNN graph included); cleanlab 2.x `find_label_issues` and `Datalab` on "
    f"{CV_FOLDS}-fold out-of-fold LogisticRegression(max_iter=1000) probabilities; kNN vote "
    f"(k={KNN_VOTE_K}), kNN distance (k={KNN_DISTANCE_K}), LOF and IsolationForest from "
    "scikit-learn with default (Euclidean) metrics and settings; MinHash LSH (datasketch, "
    f"{MINHASH_PERM} permutations, threshold {MINHASH_THRESHOLD}, character "
    f"{SHINGLE}-grams of case-folded text); siftkit works on cosine similarity of the "
    "L2-normalised vectors"
)


if __name__ == "__main__":
    main()
