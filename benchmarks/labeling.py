"""Labels from almost nothing: siftkit vs logistic regression, LabelSpreading, nearest centroid.

Every method sees the same vectors in the same run; scores are over the rows that were not
given a label.

- **Few labels**: 1, 5 and 10 labeled rows per class (seeded draws, averaged over
  ``REPEATS`` draws): macro-F1, accuracy, the expected calibration error (ECE) of the
  confidence, the coverage and accuracy at the abstain threshold, wall time.
- **Class names** (WordNet): siftkit reads the labels' names as words when they fit the labeled
  rows better than chance (``label_names='auto'``, :mod:`siftkit.label.names`), as ``sift
  label --seed-labels`` does on text; the baselines cannot. The labels alone are measured too.
- **Class names on other data** (WordNet verbs, 15 categories; no choice in siftkit was made
  on them): names read against the labels alone and the baselines, at 1 and 5 labels per class.
- **Keywords** (WordNet): each category's keyword is derived by a fixed rule from its name
  (``noun.animal`` -> ``animal``; nothing tuned per category); **descriptions**: the
  sentence ``DESCRIPTION`` with that word. Baseline: plain keyword-embedding similarity.
  **Keywords for some categories only** (all, every 2nd, every 4th): how many rows of the other
  categories ``other`` finds (measured, no target). **Labeled rows for half the classes**: how
  many rows of the other half ``other`` finds, against the similarity rule. **Keywords and
  labeled rows together**: keywords for every category (or every 2nd) with 1 or 5 labeled rows
  per class, against each alone.
- **What to label next**: from one labeled row per class, label ``NEXT_BUDGET`` more rows per
  class (in all) picked by siftkit's ``to_label`` queue, at random, or by least confidence
  (uncertainty sampling), fit again, and compare macro-F1 on the rows none of them labeled.
- **The loop from keywords** (the bundled glosses): a keyword run with ``other``, the first
  ``LOOP_BUDGETS`` rows of its ``to_label`` queue (or random rows) labeled, and `sift label`
  again with them, against the keywords alone.

    python -m benchmarks.labeling [--quick] [--datasets wordnet,fashion,digits]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from benchmarks._common import Report, argument_parser, fmt, seconds, verdict
from benchmarks.discovery import DATASETS, Data, SiftkitInput, draw_seeds, load
from siftkit.embed.base import l2_normalize

NAME = "labeling"
SHOTS = (1, 5, 10)
REPEATS = 10
ECE_BINS = 10
ABSTAIN_BELOW = 0.5  # the threshold whose coverage is reported
DESCRIPTION = "A dictionary definition of a noun that names {article} {word}."
MARGINS = {1: 0.08, 5: 0.05}  # macro-F1 above the best baseline by this many points
ECE_TARGET = 0.05
OTHER_STEPS = (1, 2, 4)  # keywords for every category / every 2nd / 4th (see bench_other)
OTHER_SHOTS, OTHER_DRAWS = 5, 10  # labeled rows per class, draws (see bench_other_seeded)
TOGETHER_SHOTS = (1, 5)  # labeled rows per class beside keywords (see bench_keywords_with_labels)
NEXT_BUDGET, NEXT_DRAWS = 2, 5  # rows to label next per class (in all), draws (see bench_next)
VERB_ROWS, VERB_DRAWS, VERB_SHOTS = 6_000, 5, (1, 5)  # see bench_verb_names
QUICK_VERB_ROWS = 1_500
NO_PICKS = "none (1 labeled row per class)"
EMBEDDINGS_ALONE = "siftkit, embeddings alone (no words)"
LABELS_ALONE = "siftkit, labels alone (no names)"


@dataclass
class Prediction:
    labels: np.ndarray  # (n,) codes
    confidence: np.ndarray | None  # (n,) or None when the method has none
    seconds: float


def expected_calibration_error(correct: np.ndarray, confidence: np.ndarray) -> float:
    """Mean |accuracy − confidence| over ``ECE_BINS`` equal-width confidence bins, weighted
    by the share of rows in each bin."""
    bins = np.minimum((confidence * ECE_BINS).astype(int), ECE_BINS - 1)
    error = 0.0
    for b in range(ECE_BINS):
        inside = bins == b
        if inside.any():
            error += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(error)


def measure(y: np.ndarray, judged: np.ndarray, prediction: Prediction) -> dict[str, float | None]:
    from sklearn.metrics import accuracy_score, f1_score

    truth, found = y[judged], prediction.labels[judged]
    out: dict[str, float | None] = {
        "f1": f1_score(truth, found, average="macro"),
        "acc": accuracy_score(truth, found),
        "ece": None,
        "coverage": None,
        "covered_acc": None,
        "seconds": prediction.seconds,
    }
    if prediction.confidence is not None:
        confidence = prediction.confidence[judged]
        out["ece"] = expected_calibration_error(found == truth, confidence)
        kept = confidence >= ABSTAIN_BELOW
        out["coverage"] = float(kept.mean())
        out["covered_acc"] = float((found[kept] == truth[kept]).mean()) if kept.any() else None
    return out


def timed(fn: Callable[[], tuple[np.ndarray, np.ndarray | None]]) -> Prediction:
    start = time.perf_counter()
    labels, confidence = fn()
    return Prediction(labels, confidence, time.perf_counter() - start)


# --- methods ---------------------------------------------------------------------------------


def siftkit_labels(
    X: np.ndarray, partial: np.ndarray | None, n_classes: int, prototypes: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    from siftkit.label import TransductiveLabeler

    model = TransductiveLabeler().fit(X, partial, prototypes=prototypes, n_classes=n_classes)
    return model.labels_, model.confidence_


@dataclass(frozen=True)
class ClassNames:
    """The classes' names (in code order) embedded as ``sift label`` embeds them beside seed
    labels: joined with their words like the rows (``joined``), and alone (``alone``, for the
    embeddings without words)."""

    texts: list[str]
    joined: np.ndarray
    alone: np.ndarray

    @classmethod
    def of(cls, given: SiftkitInput, names: Sequence[str]) -> ClassNames:
        from benchmarks.noise_cases import embed_texts
        from siftkit.label.names import name_texts

        texts = name_texts(names)
        alone = embed_texts(texts)
        return cls(texts, given.topics(texts, alone), alone)


def siftkit_seeded(
    X: np.ndarray, partial: np.ndarray, n_classes: int, names: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """siftkit from labeled rows as ``sift label --seed-labels`` labels them: the classes'
    ``names`` (embedded like ``X``; None: no names) stand in as topics when they fit the
    labeled rows better than chance (``label_names='auto'``)."""
    from siftkit.label.names import names_fit, with_names

    used = names is not None and names_fit(X, partial, names).used
    return siftkit_labels(X, partial, n_classes, with_names(None, names) if used else None)


def logistic(X: np.ndarray, partial: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    labeled = partial >= 0
    model = LogisticRegression(max_iter=1000).fit(X[labeled], partial[labeled])
    proba = model.predict_proba(X)
    return model.classes_[proba.argmax(axis=1)], proba.max(axis=1)


def label_spreading(X: np.ndarray, partial: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.semi_supervised import LabelSpreading

    model = LabelSpreading(kernel="knn", n_neighbors=10, max_iter=100).fit(X, partial)
    proba = np.nan_to_num(model.label_distributions_)
    return model.transduction_, proba.max(axis=1)


def nearest_centroid(X: np.ndarray, partial: np.ndarray) -> tuple[np.ndarray, None]:
    from sklearn.neighbors import NearestCentroid

    labeled = partial >= 0
    return NearestCentroid().fit(X[labeled], partial[labeled]).predict(X), None


def keyword_similarity(X: np.ndarray, prototypes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    similarity = l2_normalize(X) @ l2_normalize(prototypes).T
    return similarity.argmax(axis=1), None


# --- the protocol ----------------------------------------------------------------------------


METHODS: dict[str, Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray | None]]] = {
    "logistic regression (labeled rows)": logistic,
    "LabelSpreading (kNN, k=10)": label_spreading,
    "nearest centroid": nearest_centroid,
}


def bench_shots(
    report: Report, data: Data, given: SiftkitInput, names: ClassNames | None, quick: bool
) -> dict[int, bool]:
    """``names``: the classes' names, for text rows (siftkit reads them when they fit)."""
    from siftkit.label.names import names_fit

    rows, verdicts, named = [], {}, {}
    joined = None if names is None else names.joined
    alone = None if names is None else names.alone
    for shots in SHOTS:
        results: dict[str, list[dict[str, Any]]] = {}
        for repeat in range(1 if quick else REPEATS):
            partial = draw_seeds(data.y, shots, repeat)
            judged = partial < 0
            runs = {"siftkit": lambda p=partial: siftkit_seeded(given.vectors, p, data.k, joined)}
            if names is not None:
                named[shots] = named.get(shots, 0) + names_fit(given.vectors, partial, joined).used
                runs[LABELS_ALONE] = lambda p=partial: siftkit_labels(
                    given.vectors, p, data.k, None
                )
            if given.view is not None:
                runs[EMBEDDINGS_ALONE] = lambda p=partial: siftkit_seeded(data.X, p, data.k, alone)
            runs.update({name: (lambda f=f, p=partial: f(data.X, p))
                         for name, f in METHODS.items()})  # fmt: skip
            for name, run in runs.items():
                results.setdefault(name, []).append(measure(data.y, judged, timed(run)))
        means = {name: _mean(values) for name, values in results.items()}
        for name, m in means.items():
            rows.append([
                shots, name, fmt(m["f1"]), fmt(m["acc"]), fmt(m["ece"]), _share(m["coverage"]),
                fmt(m["covered_acc"]), seconds(m["seconds"]),
            ])  # fmt: skip
        best = max(m["f1"] for name, m in means.items() if not name.startswith("siftkit"))
        if shots in MARGINS:
            verdicts[shots] = means["siftkit"]["f1"] >= best + MARGINS[shots]
        verdicts[-shots] = (
            means["siftkit"]["ece"] is not None and means["siftkit"]["ece"] < ECE_TARGET
        )
    report.add(f"### {data.name}: a few labeled rows per class")
    if names is not None:
        uses = ", ".join(f"{named[s]} of {1 if quick else REPEATS} at {s}/class" for s in SHOTS)
        report.add(
            f"The labels are the classes' names ({', '.join(names.texts[:6])}, …, read from "
            "`noun.animal` … as `sift label` reads them: the words every name shares dropped); "
            "siftkit reads them as keywords when they fit the labeled rows better than chance "
            f"(a permutation test; they did in {uses} draws). `{LABELS_ALONE}` is "
            "`--label-names never`. The baselines see the labels as codes."
        )
    if given.view is not None:
        report.add(
            "siftkit labels the embeddings joined with the glosses' words, as `sift label` "
            f"does with a text column (fitting the word view: {seconds(given.seconds)} s, once, "
            f"not in the times below); `{EMBEDDINGS_ALONE}` labels the embeddings the "
            "baselines label. The targets compare siftkit's default with the baselines."
        )
    report.table(
        ["labels/class", "method", "macro-F1", "accuracy", "ECE", f"coverage at {ABSTAIN_BELOW}",
         f"accuracy at {ABSTAIN_BELOW}", "time s"],
        rows,
    )  # fmt: skip
    targets = [
        f"{s}/class: macro-F1 >= best baseline + {MARGINS[s]:.2f}: {verdict(verdicts[s])}"
        for s in MARGINS
    ] + [f"ECE < {ECE_TARGET} at {s}/class: {verdict(verdicts[-s])}" for s in SHOTS]
    report.add("Targets: " + "; ".join(targets) + ".")
    return verdicts


def category_word(name: str) -> str:
    """The fixed rule: ``noun.animal`` -> ``animal`` (the part after the dot, lower case)."""
    return name.split(".", 1)[-1].lower()


def bench_keywords(report: Report, data: Data, given: SiftkitInput, names: Sequence[str]) -> bool:
    from benchmarks.noise_cases import embed_texts

    words = [category_word(n) for n in names]
    descriptions = [
        DESCRIPTION.format(article="an" if w[0] in "aeiou" else "a", word=w) for w in words
    ]
    judged = np.ones(len(data.y), dtype=bool)
    rows, f1 = [], {}
    for kind, texts in (("keywords", words), ("descriptions", descriptions)):
        embedded = embed_texts(texts)
        topics = given.topics(texts, embedded)
        baseline = f"{kind[:-1]}-embedding similarity"
        for name, run in (
            (f"siftkit ({kind})",
             lambda p=topics: siftkit_labels(given.vectors, None, data.k, p)),
            (baseline, lambda p=embedded: keyword_similarity(data.X, p)),
        ):  # fmt: skip
            m = measure(data.y, judged, timed(run))
            f1[name] = m["f1"]
            rows.append([name, fmt(m["f1"]), fmt(m["acc"]), fmt(m["ece"]), _share(m["coverage"]),
                         fmt(m["covered_acc"]), seconds(m["seconds"])])  # fmt: skip
    report.add(
        f"### {data.name}: keywords and descriptions only\n\nKeyword per category: its name "
        f'after the dot ({", ".join(words[:6])}, …); description: "{DESCRIPTION}".'
    )
    report.table(["method", "macro-F1", "accuracy", "ECE", f"coverage at {ABSTAIN_BELOW}",
                  f"accuracy at {ABSTAIN_BELOW}", "time s"], rows)  # fmt: skip
    ok = f1["siftkit (keywords)"] > f1["keyword-embedding similarity"]
    report.add(f"Target: keywords beat plain keyword-embedding similarity: {verdict(ok)}.")
    return ok


def bench_keywords_with_labels(
    report: Report, data: Data, given: SiftkitInput, names: Sequence[str], quick: bool
) -> None:
    """Keywords and labeled rows together (``sift label --keywords … --seed-labels …``):
    keywords for every category, or for every 2nd (the others known by their labeled rows
    alone), with ``TOGETHER_SHOTS`` labeled rows per class; against each source alone."""
    from benchmarks.noise_cases import embed_texts

    words = [category_word(n) for n in names]
    topics = given.topics(words, embed_texts(words))
    half = topics.copy()
    half[1::2] = 0.0  # a zero row: no topic, the class's labeled rows stand in
    alone = measure(data.y, np.ones(len(data.y), dtype=bool),
                    timed(lambda: siftkit_labels(given.vectors, None, data.k, topics)))  # fmt: skip
    rows = [["siftkit, keywords alone", "0", fmt(alone["f1"]), fmt(alone["ece"]),
             seconds(alone["seconds"])]]  # fmt: skip
    for shots in TOGETHER_SHOTS:
        scores: dict[str, list[dict[str, Any]]] = {}
        for draw in range(1 if quick else REPEATS):
            partial = draw_seeds(data.y, shots, draw)
            judged = partial < 0
            for name, prototypes in (
                ("siftkit, keywords for every category + labeled rows", topics),
                ("siftkit, keywords for every 2nd category + labeled rows", half),
                ("siftkit, labeled rows alone", None),
            ):
                run = timed(
                    lambda p=prototypes, y=partial: siftkit_labels(given.vectors, y, data.k, p)
                )
                scores.setdefault(name, []).append(measure(data.y, judged, run))
            run = timed(lambda y=partial: logistic(data.X, y))
            scores.setdefault("logistic regression", []).append(measure(data.y, judged, run))
        for name, values in scores.items():
            m = _mean(values)
            rows.append([name, str(shots), fmt(m["f1"]), fmt(m["ece"]), seconds(m["seconds"])])
    report.add(
        f"### {data.name}: keywords and labeled rows together\n\nKeywords (the same rule) for "
        "every category, or for every 2nd (the others known by their labeled rows alone, as "
        "`sift label --label-names never` takes a seed label that names no topic: the names "
        "are the keywords here), with 1 or 5 labeled rows per "
        f"class ({1 if quick else REPEATS} draws, the same as above); macro-F1 and ECE over "
        "the rows not labeled (keywords alone: over every row)."
    )
    report.table(["method", "labels/class", "macro-F1", "ECE", "time s"], rows)


def bench_verb_names(report: Report, quick: bool) -> None:
    """The class names read on data no choice in siftkit was made on: WordNet verb glosses
    (``verb.motion`` -> ``motion``), ``VERB_SHOTS`` labels per class, ``VERB_DRAWS`` draws."""
    from benchmarks.datasets import load_wordnet_verbs
    from benchmarks.noise_cases import embed_texts
    from siftkit.label.names import names_fit

    n_rows = QUICK_VERB_ROWS if quick else VERB_ROWS
    frame = load_wordnet_verbs().sample(n=n_rows, random_state=0).reset_index(drop=True)
    categories = frame["category"].astype("category")
    y = categories.cat.codes.to_numpy().astype(np.int64)
    texts = frame["definition"].tolist()
    X = embed_texts(texts)
    given = SiftkitInput.of(X, texts)
    names = ClassNames.of(given, list(categories.cat.categories))
    k = len(names.texts)
    rows = []
    for shots in VERB_SHOTS:
        scores: dict[str, list[dict[str, Any]]] = {}
        used = 0
        for draw in range(1 if quick else VERB_DRAWS):
            partial = draw_seeds(y, shots, draw)
            judged = partial < 0
            used += names_fit(given.vectors, partial, names.joined).used
            runs = {
                "siftkit": lambda p=partial: siftkit_seeded(given.vectors, p, k, names.joined),
                LABELS_ALONE: lambda p=partial: siftkit_labels(given.vectors, p, k, None),
                **{name: (lambda f=f, p=partial: f(X, p)) for name, f in METHODS.items()},
            }
            for name, run in runs.items():
                scores.setdefault(name, []).append(measure(y, judged, timed(run)))
        for name, values in scores.items():
            m = _mean(values)
            rows.append([str(shots), name, fmt(m["f1"]), fmt(m["acc"]), fmt(m["ece"]),
                         f"{used} of {len(values)}" if name == "siftkit" else ""])  # fmt: skip
    report.add(
        f"### WordNet verbs: class names on other data\n\n{n_rows:,} verb glosses, {k} "
        f"categories ({', '.join(names.texts[:5])}, …), MiniLM; no choice in siftkit was made "
        f"on them. {1 if quick else VERB_DRAWS} draws; siftkit reads the names when they fit "
        "(last column: in how many draws they did)."
    )
    report.table(["labels/class", "method", "macro-F1", "accuracy", "ECE", "names read"], rows)


def categories_without_labels(given: SiftkitInput) -> np.ndarray:
    """Each row's category found without labels, as `sift label` finds them for ``other``
    (the clusters analysis's defaults, on the rows as siftkit sees them)."""
    from siftkit.discover import CategoryDiscovery

    discovery = CategoryDiscovery(random_state=0).fit(given.vectors)
    return discovery.levels_[discovery.chosen_level_].membership


def bench_other(report: Report, data: Data, given: SiftkitInput, names: Sequence[str]) -> None:
    """Keywords for every ``step``-th category only: the other categories' rows fit no topic,
    and ``other`` should say so (it is measured here, no target is set)."""
    from sklearn.metrics import f1_score

    from benchmarks.noise_cases import embed_texts
    from siftkit.label import TransductiveLabeler
    from siftkit.label.other import fits_no_class
    from siftkit.label.presence import TopicPresence

    categories = categories_without_labels(given)
    rows = []
    for step in OTHER_STEPS:
        topics = list(range(0, len(names), step))
        words = [category_word(names[t]) for t in topics]
        other = len(topics)
        truth = np.full(len(data.y), other)
        for code, category in enumerate(topics):
            truth[data.y == category] = code
        start = time.perf_counter()
        embedded = embed_texts(words)
        model = TransductiveLabeler().fit(
            given.vectors, None, prototypes=given.topics(words, embedded), n_classes=other
        )
        predicted = model.labels_
        misfit = fits_no_class(l2_normalize(given.vectors), model, categories)
        # and the rows no nearer their topic than random sets of common words (as the
        # labeling analysis marks them)
        measured = TopicPresence.of_keywords(data.X, embedded, [[w] for w in words], embed_texts)
        misfit |= measured.unfit(model.seeds_, predicted)
        elapsed = time.perf_counter() - start
        similarity, _ = keyword_similarity(data.X, embedded)
        in_none = truth == other
        for name, labels, flagged in (
            ("siftkit (keywords, other)", np.where(misfit, other, predicted), misfit),
            ("siftkit (keywords)", predicted, None),
            ("keyword-embedding similarity", similarity, None),
        ):
            marked = precision = recall = "n/a"
            if flagged is not None:
                marked = str(int(flagged.sum()))
                if flagged.any():
                    precision = fmt((flagged & in_none).sum() / flagged.sum())
                recall = fmt((flagged & in_none).sum() / max(in_none.sum(), 1))
            rows.append([f"{len(topics)} of {len(names)}", _share(in_none.mean()), name,
                         fmt(f1_score(truth, labels, average="macro")), marked, precision, recall,
                         seconds(elapsed) if flagged is not None else ""])  # fmt: skip
    some = " and one in ".join(str(step) for step in OTHER_STEPS if step > 1)
    report.add(
        f"### {data.name}: keywords for some categories only\n\nKeywords (the same rule) "
        f"for every category, then for one in {some}; the rows of the "
        "others fit no topic and count as one more class, `other`, in the macro-F1. `other` "
        "uses the categories siftkit discovers (as `sift label` does; the time leaves their "
        "discovery out). With every category named, every row marked `other` is wrong."
    )
    report.table(["topics", "rows in no topic", "method", "macro-F1", "rows marked other",
                  "other: precision", "other: recall", "time s"], rows)  # fmt: skip


def bench_other_seeded(report: Report, data: Data, given: SiftkitInput, quick: bool) -> None:
    """``OTHER_SHOTS`` labeled rows for each of half the classes (drawn per draw): the rows of
    the other half fit no class. siftkit's rule (the categories found without the labels that
    no class claims, and the rows out of the seeds' reach) against each of its parts and the
    rule used without labels to hold out (similarity to the class prototype), on the same
    fits; and with every class labeled, how many rows each rule marks though all fit."""
    from siftkit.label import TransductiveLabeler
    from siftkit.label.other import far_from_prototype, fits_no_class, unclaimed

    vectors = l2_normalize(given.vectors)
    categories = categories_without_labels(given)
    rules: dict[str, Callable[[Any], np.ndarray]] = {
        # by similarity rather than reach when a class has too few labeled rows to hold out
        # (the quick run's small classes)
        "siftkit: categories no class claims, then out of the seeds' reach": (
            lambda model: fits_no_class(vectors, model, categories)
        ),
        "out of the seeds' reach alone (held-out labeled rows; before 2026-12-06)": (
            lambda model: fits_no_class(vectors, model)
        ),
        "categories no class claims alone": lambda model: unclaimed(vectors, categories, model),
        "similarity to the class prototype, robust z > 3": (
            lambda model: far_from_prototype(vectors, model)
        ),
    }
    scores: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in rules}
    for draw in range(1 if quick else OTHER_DRAWS):
        labeled = np.sort(np.random.default_rng(draw).choice(data.k, data.k // 2, replace=False))
        code_of = np.full(data.k, -1)
        code_of[labeled] = np.arange(len(labeled))
        whole_partial = draw_seeds(data.y, OTHER_SHOTS, draw)  # the half keeps its classes' rows
        half_partial = np.where(whole_partial >= 0, code_of[np.maximum(whole_partial, 0)], -1)
        whole = TransductiveLabeler().fit(vectors, whole_partial, n_classes=data.k)
        half = TransductiveLabeler().fit(vectors, half_partial, n_classes=len(labeled))
        in_none = ~np.isin(data.y, labeled) & (half_partial < 0)
        known = np.isin(data.y, labeled) & (half_partial < 0)
        for name, marks in rules.items():
            flagged = marks(half) & (half_partial < 0)
            precision = (flagged & in_none).sum() / max(flagged.sum(), 1)
            recall = (flagged & in_none).sum() / max(in_none.sum(), 1)
            marked_all = (marks(whole) & (whole_partial < 0)).sum() / (whole_partial < 0).sum()
            scores[name].append((precision, recall, flagged[known].mean(), marked_all))
    rows = [[name, *(fmt(v) for v in np.mean(values, axis=0))] for name, values in scores.items()]
    report.add(
        f"### {data.name}: `other` with labeled rows for half the classes\n\n"
        f"{OTHER_SHOTS} labeled rows for each of half the classes (drawn anew in each of "
        f"{1 if quick else OTHER_DRAWS} draws, means given); the rows of the other half fit no "
        "class. Last column: the share of rows marked `other` when every class has its "
        f"{OTHER_SHOTS} labeled rows (none fits no class)."
    )
    report.table(["rule", "other: precision", "other: recall", "rows of labeled classes marked",
                  "marked, every class labeled"], rows)  # fmt: skip


def next_picks(data: Data, partial: np.ndarray, draw: int) -> dict[str, tuple[np.ndarray, float]]:
    """Per strategy, the rows it would have labeled next and the seconds it took: siftkit's
    ``to_label`` queue on a run with the labeled rows (categories and labels), random
    unlabeled rows, and the least confident rows of the same run."""
    import pandas as pd

    import siftkit
    from siftkit.label.next import rows_to_label

    budget = NEXT_BUDGET * data.k
    frame = pd.DataFrame({
        "id": np.arange(len(partial)),
        "label": pd.Series(np.where(partial >= 0, partial.astype(str), None), dtype=object),
    })  # fmt: skip
    text = None
    if data.texts is not None:  # as `sift label` runs on text: words joined to the embeddings
        frame["text"], text = data.texts, "text"
    start = time.perf_counter()
    run = siftkit.audit(
        frame, embeddings=data.X, text=text, label="label", id="id",
        detectors=["clusters", "labeling"], allow_missing_labels=True, progress=False,
        random_state=draw,
    )  # fmt: skip
    ran = time.perf_counter() - start
    start = time.perf_counter()
    queue = rows_to_label(run, budget)["row_id"].to_numpy().astype(np.int64)
    queued = time.perf_counter() - start
    unlabeled = np.flatnonzero(partial < 0)
    confidence = run.rows["label_confidence"].to_numpy()
    return {
        "siftkit `to_label` queue": (queue, ran + queued),
        "random": (np.random.default_rng(draw).choice(unlabeled, budget, replace=False), 0.0),
        "least confidence (same run)": (
            unlabeled[np.argsort(confidence[unlabeled], kind="stable")[:budget]],
            ran,
        ),
    }


def bench_next(report: Report, data: Data, given: SiftkitInput, quick: bool) -> None:
    """From one labeled row per class, ``NEXT_BUDGET`` more per class by each strategy of
    :func:`next_picks`; siftkit fitted again on each, macro-F1 on the rows no strategy
    picked (and that were not labeled to start with)."""
    from sklearn.metrics import f1_score

    scores: dict[str, list[tuple[float, float, float]]] = {}
    for draw in range(1 if quick else NEXT_DRAWS):
        partial = draw_seeds(data.y, 1, draw)
        picks = next_picks(data, partial, draw)
        judged = partial < 0
        for picked, _ in picks.values():
            judged[picked] = False

        def macro_f1(labels: np.ndarray, judged: np.ndarray = judged) -> float:
            return float(f1_score(data.y[judged], labels[judged], average="macro"))

        start = macro_f1(siftkit_labels(given.vectors, partial, data.k, None)[0])
        scores.setdefault(NO_PICKS, []).append((start, 0.0, 0.0))
        for name, (picked, took) in picks.items():
            more = partial.copy()
            more[picked] = data.y[picked]
            after = macro_f1(siftkit_labels(given.vectors, more, data.k, None)[0])
            scores.setdefault(name, []).append((after, len(np.unique(data.y[picked])), took))
    before = np.mean(scores.pop(NO_PICKS), axis=0)[0]
    rows = [[NO_PICKS, fmt(before), "—", "—", "—"]]
    for name, values in scores.items():
        f1, classes, took = np.mean(values, axis=0)
        rows.append([name, fmt(f1), f"{100 * (f1 - before):+.1f}", f"{classes:.1f}",
                     seconds(took) if took else "—"])  # fmt: skip
    report.add(
        f"### {data.name}: what to label next\n\n"
        f"From 1 labeled row per class, {NEXT_BUDGET * data.k} more rows ({NEXT_BUDGET} per "
        "class) picked by each strategy are labeled and siftkit fits again; macro-F1 on the "
        f"rows no strategy picked, means over {1 if quick else NEXT_DRAWS} draws. Least "
        "confidence ranks the unlabeled rows of the same run as the queue. Time: the run the "
        "picks come from (categories and labels) plus the queue."
    )
    report.table(["rows labeled next", "macro-F1 after", "gain (points)",
                  f"classes among the {NEXT_BUDGET * data.k}", "time s"], rows)  # fmt: skip


#: The keyword loop's topic sets on the bundled glosses: topic -> (keywords, its category).
LOOP_TOPICS = {
    "food, plant, place, body": {
        "food": (["food", "dish", "drink"], "noun.food"),
        "plant": (["plant", "tree", "flower"], "noun.plant"),
        "place": (["city", "country", "region"], "noun.location"),
        "body": (["muscle", "bone", "organ"], "noun.body"),
    },
    "animal, person, time": {
        "animal": (["animal", "bird", "fish"], "noun.animal"),
        "person": (["person", "man", "woman"], "noun.person"),
        "time": (["time", "day", "period"], "noun.time"),
    },
    "substance, communication, artifact, location, food": {
        "substance": (["substance", "chemical", "mineral"], "noun.substance"),
        "communication": (["language", "word", "message"], "noun.communication"),
        "artifact": (["tool", "device", "building"], "noun.artifact"),
        "location": (["city", "country", "region"], "noun.location"),
        "food": (["food", "dish", "drink"], "noun.food"),
    },
}
LOOP_BUDGETS = (20, 50)  # rows labeled after the keyword run
BUNDLED_GLOSSES = Path(__file__).resolve().parents[1] / "examples" / "wordnet_nouns.csv"


def _keyword_run(
    glosses: Any, keywords: dict[str, list[str]], truth: Any, seeds: dict[str, str] | None
) -> tuple[Any, list[str]]:
    """`sift label --keywords … --other` on ``glosses`` (with ``seeds``: row id -> label);
    the run and its accuracy, macro-F1 over the rows not given a label (``truth``: topic or
    ``other`` per row id), and wall time."""
    from sklearn.metrics import accuracy_score, f1_score

    import siftkit

    start = time.perf_counter()
    result = siftkit.label_rows(
        glosses, text="definition", id="id", label=False, keywords=keywords, other=True,
        seed_labels_file=seeds, progress=False,
    )  # fmt: skip
    scored = result.rows[result.rows["label_source"] != "given"]
    expected = truth.loc[scored["row_id"]].to_numpy()
    predicted = scored["predicted_label"].fillna("(none)").astype(str).to_numpy()
    return result, [
        fmt(accuracy_score(expected, predicted)),
        fmt(f1_score(expected, predicted, average="macro")),
        seconds(time.perf_counter() - start),
    ]


def bench_keyword_loop(report: Report, quick: bool) -> None:
    """The labeling loop from keywords, end to end as `sift label` runs it: a keyword run
    with ``--other`` on the bundled glosses, the first rows of its ``to_label`` queue (or as
    many random rows) labeled with their topic or ``other``, and the run again with them as
    seed labels; against the keywords alone (measured, no target)."""
    import pandas as pd

    from siftkit.export import review_queue

    glosses = pd.read_csv(BUNDLED_GLOSSES)
    rows = []
    for name, topics in list(LOOP_TOPICS.items())[: 1 if quick else None]:
        keywords = {topic: words for topic, (words, _) in topics.items()}
        topic_of = {category: topic for topic, (_, category) in topics.items()}
        truth = glosses.set_index("id")["category"].map(topic_of).fillna("other")
        alone, scores = _keyword_run(glosses, keywords, truth, None)
        rows.append([name, "0", "keywords alone", *scores])
        for budget in LOOP_BUDGETS[: 1 if quick else None]:
            queued = review_queue(alone, "to_label", budget)["row_id"]
            drawn = np.random.default_rng(0).choice(glosses["id"], budget, replace=False)
            for picked_by, ids in (("siftkit `to_label` queue", queued), ("random", drawn)):
                seeds = dict(zip(ids, truth.loc[ids], strict=True))
                rows.append([name, str(budget), picked_by,
                             *_keyword_run(glosses, keywords, truth, seeds)[1]])  # fmt: skip
    report.add(
        "### bundled glosses: labeling the queue of a keyword run\n\n"
        "`sift label --keywords … --other` on the 2,000 bundled glosses (three keywords per "
        "topic; the glosses of the categories no topic names are `other`), then the first rows "
        "of its `to_label` queue, or as many random rows, labeled with their topic or `other` "
        "and the run again with them (`--seed-labels-file`); accuracy and macro-F1 (`other` a "
        "class) over the rows not labeled. Measured, no target (what else was tried: "
        "docs/labeling-measurements.md)."
    )
    report.table(["topics", "rows labeled", "picked by", "accuracy", "macro-F1", "time s"], rows)


def _mean(values: list[dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for key in values[0]:
        numbers = [v[key] for v in values if v[key] is not None]
        out[key] = float(np.mean(numbers)) if numbers else None
    return out


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated")
    args = parser.parse_args(argv)
    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    unknown = sorted(set(datasets) - set(DATASETS))
    if unknown:
        parser.error(f"unknown datasets {unknown}; choose from {', '.join(DATASETS)}")
    report = Report(
        NAME + ("-subset" if datasets != list(DATASETS) else ""),
        "Labels from almost nothing: siftkit vs baselines",
        quick=args.quick,
        details={
            "datasets": ", ".join(datasets),
            "draws": f"{1 if args.quick else REPEATS} seeded draws of the labeled rows, averaged",
            "methods": (
                "siftkit `TransductiveLabeler` (defaults; on text, the embeddings joined with "
                "the words and the class names read when they fit the labeled rows, as `sift "
                "label` labels them); scikit-learn LogisticRegression("
                "max_iter=1000) on the labeled rows, LabelSpreading(kernel='knn', "
                "n_neighbors=10), NearestCentroid; keyword/description similarity: the class "
                "whose embedded keyword (description) is closest by cosine"
            ),
            "ECE": f"{ECE_BINS} equal-width bins of the confidence, over the unlabeled rows",
            "threads": "BLAS limited to 1 thread for every method (threadpoolctl)",
        },
    )
    with threadpool_limits(1, user_api="blas"):
        for name in datasets:
            data = load(name, 0, args.quick)
            given = data.siftkit
            report.section(f"{data.name}: {data.description}")
            names = ClassNames.of(given, category_names(args.quick)) if name == "wordnet" else None
            bench_shots(report, data, given, names, args.quick)
            bench_other_seeded(report, data, given, args.quick)
            bench_next(report, data, given, args.quick)
            if name == "wordnet":
                categories = category_names(args.quick)
                bench_keywords(report, data, given, categories)
                bench_keywords_with_labels(report, data, given, categories, args.quick)
                bench_other(report, data, given, categories)
                bench_verb_names(report, args.quick)
                bench_keyword_loop(report, args.quick)
    report.save()


def category_names(quick: bool) -> list[str]:
    """The WordNet categories in code order (as ``load`` numbers them)."""
    from benchmarks.datasets import sample_wordnet
    from benchmarks.discovery import FULL_ROWS, QUICK_ROWS

    glosses = sample_wordnet(QUICK_ROWS if quick else FULL_ROWS, 0)
    return list(glosses["category"].astype("category").cat.categories)


if __name__ == "__main__":
    main()
