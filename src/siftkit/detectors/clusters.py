"""Categories of the data, found without being told how many, named, in a tree.

A thin plugin over :class:`siftkit.discover.CategoryDiscovery`: it reuses the run's
embeddings and kNN graph (for text rows, the embeddings joined with their words and their
graph, :mod:`siftkit.detectors.words`), names each category, and writes the tree to the
summary.
With partial labels (some rows unlabeled) the labeled rows are pinned to their class and
the summary says which categories are known and which are new; with complete labels the
categories are found without them and compared with them (majority label, purity).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from siftkit._validation import Interval, Options
from siftkit.detectors.base import Context, Detector, Result, register_detector
from siftkit.detectors.words import graph_with_words, rows_with_words, word_view
from siftkit.discover import CategoryDiscovery, naming
from siftkit.discover.estimator import check_cluster_hint
from siftkit.discover.refine import prototypes

#: The run's categories, shared with other analyses (:meth:`Context.shared_result`).
RUN_CATEGORIES = "run_categories"
#: The run's categories found without its labels, shared likewise.
UNLABELED_CATEGORIES = "unlabeled_categories"
KEYWORDS_IN_NAME = 3
#: A term tells a category from others of its name when at least this many times as large a
#: share of its rows hold it.
CONTRAST = 2.0
EXEMPLARS = 3


def _unique(names: list[str]) -> list[str]:
    """Names made unique by numbering repeats: "a", "a (2)", "a (3)"."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _told_apart(names: list[str], keywords: list[list[str]]) -> list[str]:
    """``names`` where several categories share one told apart by each one's first keyword
    ("programming: parser", "programming: unix"); a category without keywords keeps the
    shared name (:func:`_unique` numbers it)."""
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return [
        f"{name}: {words[0]}" if counts[name] > 1 and words else name
        for name, words in zip(names, keywords, strict=True)
    ]


def _contrasted(
    names: list[str], terms: tuple[Any, np.ndarray] | None, membership: np.ndarray
) -> list[str]:
    """``names`` where several categories share one (their keywords alike, as the forms of
    one template of log lines are) told apart by the first of their keywords among their own
    rows that is not in the name and that at least twice as large a share of the category's
    rows hold as of the others' ("account, disk, disk quota: com" for the lines naming
    e-mail addresses). Names no such term tells apart stay as they are (:func:`_unique`
    numbers them)."""
    if terms is None:
        return names
    counts, words = terms
    repeated = {name for name in names if names.count(name) > 1}
    if not repeated:
        return names
    position = {term: j for j, term in enumerate(words)}
    out = list(names)
    for name in repeated:
        shared = [c for c, other in enumerate(names) if other == name]
        rows = np.flatnonzero(np.isin(membership, shared))
        local = np.searchsorted(shared, membership[rows])  # 0..len(shared)-1
        held = counts[rows]
        apart = naming.category_keywords((held, words), local, len(shared))
        in_name = set(name.replace(",", " ").split())
        for k, (c, found) in enumerate(zip(shared, apart, strict=True)):
            mine = local == k
            for term in (t for t in found if not set(t.split()) <= in_name):
                holding = held[:, position[term]].toarray().ravel() > 0
                if holding[mine].mean() >= CONTRAST * holding[~mine].mean():
                    out[c] = f"{name}: {term}"
                    break
    return out


@register_detector
class Clusters(Detector):
    """Discovered categories: ``cluster``, ``cluster_name``, ``cluster_confidence`` and
    ``subcluster`` (the category one level finer, -1 when the tree has no finer level).

    Parameters
    ----------
    n_clusters : None to estimate; an int hint; a [low, high] range.
    resolution : Leiden resolution when no hint is given (higher, more categories).
    min_cluster_size : smaller communities dissolve into their neighbours' categories.
    min_confidence : rows below this confidence get cluster -1 (0: none abstain).
    use_labels : ``"auto"`` pins labeled rows to their class when some rows are unlabeled
        (semi-supervised discovery); ``"always"`` pins them even when all are labeled;
        ``"never"`` ignores labels while clustering.
    min_new_share : with pinned labels, a new category under this share of the known
        categories' median size joins the category it is most linked with (0: never).
    novel_odds : with pinned labels, an unlabeled row is novel when the rows with as few
        labeled neighbours are estimated to be of classes nobody labeled, by more than these
        odds (None: off; see :class:`~siftkit.discover.CategoryDiscovery`).
    vocabulary : a text file of candidate names, one per line; each category is named by
        the closest term (needs a text encoder, not precomputed vectors).
    words : with a text column, find the categories among the embeddings joined with the
        words of their texts (:mod:`siftkit.embed.words`); False: the embeddings alone.
    """

    name = "clusters"
    requires = ("embeddings", "graph")
    columns = ("cluster", "cluster_name", "cluster_confidence", "subcluster")
    parameter_constraints = {
        "n_clusters": [type(None), Interval(int, 1, None), tuple, list, str],
        "resolution": [Interval(float, 0.0, None, open_low=True)],
        "min_cluster_size": [Interval(int, 1, None)],
        "min_confidence": [Interval(float, 0.0, 1.0)],
        "use_labels": [Options(("auto", "always", "never"))],
        "min_new_share": [Interval(float, 0.0, 1.0)],
        "novel_odds": [type(None), Interval(float, 0.0, None)],
        "vocabulary": [type(None), str],
        "words": [bool],
    }

    def __init__(
        self,
        n_clusters: int | tuple[int, int] | None = None,
        resolution: float = 0.5,
        min_cluster_size: int = 5,
        min_confidence: float = 0.0,
        use_labels: str = "auto",
        min_new_share: float = 0.5,
        novel_odds: float | None = 1.0,
        vocabulary: str | None = None,
        words: bool = True,
    ) -> None:
        self.n_clusters = n_clusters
        self.resolution = resolution
        self.min_cluster_size = min_cluster_size
        self.min_confidence = min_confidence
        self.use_labels = use_labels
        self.min_new_share = min_new_share
        self.novel_odds = novel_odds
        self.vocabulary = vocabulary
        self.words = words

    def _hint(self) -> int | tuple[int, int] | None:
        return check_cluster_hint(
            tuple(self.n_clusters) if isinstance(self.n_clusters, list) else self.n_clusters
        )

    def check_params(self) -> None:
        # a vocabulary it cannot read (missing, not UTF-8, not a file's path) and a bad range
        # fail before anything is embedded, in their own words
        if self.vocabulary is not None:
            naming.read_vocabulary(self.vocabulary)
        super().check_params()
        check_cluster_hint(self._hint())

    def _estimator(self, context: Context) -> CategoryDiscovery:
        return CategoryDiscovery(
            self._hint(),
            resolution=self.resolution, n_neighbors=min(15, context.graph.k) or 1,
            min_cluster_size=self.min_cluster_size, min_confidence=self.min_confidence,
            min_new_share=self.min_new_share, novel_odds=self.novel_odds,
            random_state=context.random_state,
        )  # fmt: skip

    def _pins(self, context: Context) -> np.ndarray | None:
        labels = context.labels
        if labels is None or self.use_labels == "never":
            return None
        if self.use_labels == "auto" and not labels.missing.any():
            return None
        return np.where(labels.codes >= 0, labels.classes[np.clip(labels.codes, 0, None)], None)

    def skip_reason(self, context: Context) -> str | None:
        reason = super().skip_reason(context)
        if reason is None and self.vocabulary is not None and context.encode_texts is None:
            return "a vocabulary needs a text encoder (the run has none)"
        return reason

    def fit(self, context: Context) -> CategoryDiscovery:
        """The discovery fitted to the run's rows (joined with their words, see ``words``)."""
        vectors, graph = context.embeddings, context.graph
        if self.words:
            vectors, graph = rows_with_words(context), graph_with_words(context)
        return self._estimator(context).fit(
            vectors, self._pins(context), graph=graph, row_keys=context.content_hashes,
        )  # fmt: skip

    def run(self, context: Context) -> Result:
        vocabulary = naming.read_vocabulary(self.vocabulary) if self.vocabulary else None
        model = self.fit(context)
        chosen = model.levels_[model.chosen_level_].membership
        context.shared_result(RUN_CATEGORIES, lambda: chosen)
        if model.classes_ is None:  # found without the labels: those the labels are judged by
            context.shared_result(UNLABELED_CATEGORIES, lambda: chosen)
        # the texts' terms are counted once for the names of every level
        terms = naming.term_counts(context.texts) if context.texts is not None else None
        names, categories = self._describe(context, model, chosen, vocabulary, terms)
        finer = (
            model.levels_[model.chosen_level_ + 1].membership
            if model.chosen_level_ + 1 < len(model.levels_)
            else np.full(context.n_rows, -1)
        )
        abstained = model.labels_ < 0
        row_names = np.asarray(names, dtype=object)[chosen]
        row_names[abstained] = ""
        summary = {
            "n_unassigned": int(abstained.sum()),
            "n_clusters": model.n_clusters_,
            "resolution": round(model.resolution_, 6),
            "refined_by_prototypes": model.refined_,
            "graph_within_share": round(model.within_share_, 4),
            "mean_confidence": round(float(model.confidence_.mean()), 4),
            "semi_supervised": model.classes_ is not None,
            "words_joined": self.words and word_view(context) is not None,
            "categories": categories,
            "hierarchy": self._tree(context, model, names, terms),
        }
        if model.classes_ is not None:
            summary["known_categories"] = [c["name"] for c in categories if not c["is_new"]]
            summary["new_categories"] = [c["name"] for c in categories if c["is_new"]]
            summary["n_new"] = int(model.is_new_.sum())
        return Result(
            columns={
                "cluster": model.labels_.astype(np.int64),
                "cluster_name": row_names,
                "cluster_confidence": model.confidence_.astype(np.float64),
                "subcluster": np.where(abstained, -1, finer).astype(np.int64),
            },
            summary=summary,
        )

    def _names(
        self,
        context: Context,
        terms: tuple[Any, np.ndarray] | None,
        membership: np.ndarray,
        n: int,
        known: np.ndarray | None,
    ) -> tuple[list[str], list[list[str]], list[tuple[str | None, float]] | None]:
        """Per category: its name, its keywords (text; for a table, its distinctive columns)
        and its majority label (labels found apart from the categories; with ``known``
        classes pinned, a known category's labeled rows all carry its class and a new one
        holds none, so there is none to tell)."""
        if context.features is not None:
            words = naming.distinctive_columns(context.features, membership, n)
        else:
            words = naming.category_keywords(terms, membership, n)
        majority = (
            naming.majority_labels(context.labels, membership, n)
            if context.labels is not None and known is None
            else None
        )
        names = []
        for c in range(n):
            if known is not None and c < len(known):
                names.append(str(known[c]))
            elif words[c]:
                names.append(", ".join(words[c][:KEYWORDS_IN_NAME]))
            elif majority is not None and majority[c][0] is not None:
                names.append(f"mostly {majority[c][0]}")
            else:
                names.append(f"category {c}")
        return _unique(_contrasted(names, terms, membership)), words, majority

    def _describe(
        self,
        context: Context,
        model: CategoryDiscovery,
        chosen: np.ndarray,
        vocabulary: list[str] | None,
        terms: tuple[Any, np.ndarray] | None,
    ) -> tuple[list[str], list[dict[str, Any]]]:
        n = model.n_clusters_
        names, words, majority = self._names(context, terms, chosen, n, model.classes_)
        # the categories' centres among the embeddings, where the vocabulary's terms are
        centers = prototypes(context.embeddings, chosen, n)
        matches = None
        if vocabulary is not None:
            terms = context.encode_texts(vocabulary)
            matches = naming.vocabulary_matches(centers, terms, vocabulary)
            known = 0 if model.classes_ is None else len(model.classes_)  # named by their class
            named = naming.vocabulary_names(centers[known:], terms)
            names = _unique(
                names[:known] + _told_apart([vocabulary[j] for j in named], words[known:])
            )
        typical = naming.exemplars(context.embeddings, chosen, centers, EXEMPLARS)
        sizes = np.bincount(chosen, minlength=n)
        categories = []
        for c in range(n):
            entry: dict[str, Any] = {
                "id": c,
                "name": names[c],
                "size": int(sizes[c]),
                "share": round(float(sizes[c] / len(chosen)), 4),
                "mean_confidence": round(float(model.confidence_[chosen == c].mean()), 4),
                "keywords": words[c],
                "exemplar_row_ids": [_plain(context.row_ids[r]) for r in typical[c]],
            }
            if majority is not None:
                entry["majority_label"], purity = majority[c]
                entry["purity"] = None if purity is None else round(purity, 4)
            if matches is not None:
                entry["vocabulary_matches"] = [
                    {"term": term, "similarity": round(s, 4)} for term, s in matches[c]
                ]
            if model.classes_ is not None:
                entry["is_new"] = bool(model.is_new_[c])
            categories.append(entry)
        return names, categories

    def _tree(
        self,
        context: Context,
        model: CategoryDiscovery,
        names: list[str],
        terms: tuple[Any, np.ndarray] | None,
    ) -> list[dict[str, Any]]:
        """The levels of the tree, coarsest first, each category with its parent."""
        tree = []
        for i, level in enumerate(model.levels_):
            n = level.n_categories
            level_names = (
                names if i == model.chosen_level_
                else self._names(context, terms, level.membership, n, None)[0]
            )  # fmt: skip
            sizes = np.bincount(level.membership, minlength=n)
            tree.append({
                "level": i,
                "chosen": i == model.chosen_level_,
                "resolution": round(level.resolution, 6),
                "n_categories": n,
                "categories": [
                    {"id": c, "parent": int(level.parent[c]), "size": int(sizes[c]),
                     "name": level_names[c]}
                    for c in range(n)
                ],
            })  # fmt: skip
        return tree


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def run_categories(context: Context) -> np.ndarray:
    """Each row's category in the run, (n_rows,): the clusters analysis's (its chosen level,
    every row in one), or, when it has not run, found now as it finds them by default."""

    def discover() -> np.ndarray:
        model = Clusters().fit(context)
        return model.levels_[model.chosen_level_].membership

    return context.shared_result(RUN_CATEGORIES, discover)


def categories_without_labels(context: Context) -> np.ndarray:
    """Each row's category found without the run's labels, (n_rows,): the run's own
    (:func:`run_categories`) when it has no labels or the clusters analysis ran without
    them, else found again as the clusters analysis finds them by default, ignoring the
    labels. Pinned to a few labeled rows, the categories of known classes take in the rows
    of classes nobody labeled; found without them, those rows keep categories of their
    own."""
    if context.labels is None:
        return run_categories(context)

    def discover() -> np.ndarray:
        model = Clusters(use_labels="never").fit(context)
        return model.levels_[model.chosen_level_].membership

    return context.shared_result(UNLABELED_CATEGORIES, discover)
