"""``CategoryDiscovery``: categories of embedded rows without being told how many.

1. **Communities**: Leiden on the shared-neighbour kNN graph at one resolution
   (:mod:`siftkit.discover.communities`); the number of categories follows from the
   data. A hint (``n_clusters``, a number or a range) only steers the resolution.
2. **Crumbs**: communities below ``min_cluster_size`` rows dissolve into the category most
   of their neighbours are in, so every row has a category (again after refinement).
3. **Refinement** by prototypes and neighbours (:mod:`siftkit.discover.refine`), when the
   graph alone separates the categories poorly (less than ``AUTO_REFINE_BELOW`` of kNN
   edges inside categories, typical of text embeddings, where the geometry of prototypes
   does better than the graph); kept off when the graph is clean (images, digits). Without
   labels it starts from k-means++ with the graph's number of categories.
4. **Semi-supervised** ("Learning Semi-supervised Gaussian Mixture Models for Generalized
   Category Discovery", "A Practical Approach to Novel Class Discovery in Tabular
   Data"): labeled rows are pinned to their class during partitioning and refinement, so
   known classes stay whole; unlabeled rows join a known class or form new categories.
   Where the graph separates categories well, unlabeled rows with few labeled neighbours
   are novel (:mod:`siftkit.discover.novelty`): they form the new categories, found among
   themselves as without labels, and the other rows keep to the known classes. The known
   classes also give the scale of a class: a new category under half their median size
   is a mode of a larger one and joins the category it is most linked with.
5. **Hierarchy**: partitions at coarser and finer resolutions nested around the chosen
   one (:mod:`siftkit.discover.hierarchy`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from siftkit._validation import Interval, Options, validate_params
from siftkit.data.dataset import Labels, encode_labels
from siftkit.discover.communities import (
    CommunityFinder,
    search_resolution,
    shared_neighbor_graph,
)
from siftkit.discover.hierarchy import Level, build_levels, renumber_levels, similar_pieces
from siftkit.discover.novelty import novel_rows, regroup_novel, return_to_known
from siftkit.discover.refine import (
    absorb_small,
    confidence,
    merge_undersized,
    prototypes,
    refine_by_prototypes,
    within_share,
)
from siftkit.embed.base import has_content, unit_rows
from siftkit.exceptions import HintNotMetWarning, InvalidParameterError, NotFittedError
from siftkit.neighbors import KnnGraph, build_graph

#: Refine by prototypes when fewer kNN edges than this stay inside categories.
AUTO_REFINE_BELOW = 0.9
#: Lloyd iterations of the k-means++ start of the refinement (the refinement goes on).
KMEANS_ITERATIONS = 100


def check_cluster_hint(n_clusters: Any) -> tuple[int, int] | int | None:
    """``n_clusters`` validated: None, a positive int, or a (low, high) range of ints; also
    as text, as the command line gives it (``"20"``, ``"10-30"``)."""
    if n_clusters is None:
        return None
    given = n_clusters
    if isinstance(n_clusters, str):
        parts = n_clusters.strip().split("-", 1) if "-" in n_clusters.strip().strip("-") else [
            n_clusters.strip()]  # fmt: skip
        try:
            n_clusters = tuple(int(part) for part in parts)
        except ValueError:
            pass  # refused below, as given
        else:
            n_clusters = n_clusters[0] if len(n_clusters) == 1 else n_clusters
    if isinstance(n_clusters, int | np.integer) and not isinstance(n_clusters, bool):
        if n_clusters < 1:
            raise InvalidParameterError(
                f"The number of categories (n_clusters) is at least 1; got {given!r}."
            )
        return int(n_clusters)
    if (
        isinstance(n_clusters, Sequence)
        and len(n_clusters) == 2
        and all(isinstance(v, int | np.integer) for v in n_clusters)
        and 1 <= n_clusters[0] <= n_clusters[1]
    ):
        return int(n_clusters[0]), int(n_clusters[1])
    raise InvalidParameterError(
        "The number of categories (n_clusters) is None (estimate it), a number such as 20 (a "
        'hint) or a range such as (10, 30) or "10-30" with 1 <= low <= high; got '
        f"{given!r}."
    )


def partial_labels(y: Any, n_rows: int) -> Labels:
    """Encode partial labels: None, NaN, empty strings and (for integer labels) -1 mark
    unlabeled rows, as in scikit-learn's semi-supervised estimators."""
    series = pd.Series(np.asarray(y, dtype=object) if not isinstance(y, pd.Series) else y)
    if len(series) != n_rows:
        raise InvalidParameterError(f"y has {len(series)} labels for {n_rows} rows.")
    if pd.api.types.is_numeric_dtype(series.dropna().infer_objects()):
        series = series.where(series.astype(float) != -1)
    return encode_labels(series.reset_index(drop=True))


class _Categories:
    """Categories at one resolution: Leiden communities, crumbs absorbed, refined by
    prototypes when asked (``True``) or when the graph separates them poorly (``"auto"``)."""

    def __init__(
        self,
        vectors: np.ndarray,
        indices: np.ndarray,
        finder: CommunityFinder,
        min_size: int,
        smoothness: float,
    ) -> None:
        self.vectors, self.indices, self.finder = vectors, indices, finder
        self.min_size, self.smoothness = min_size, smoothness
        self.random_state = finder.random_state

    def _kmeans(self, n_categories: int) -> np.ndarray:
        from sklearn.cluster import KMeans

        if n_categories < 2:
            return np.zeros(len(self.vectors), dtype=np.int64)
        found = KMeans(
            n_categories, n_init=1, max_iter=KMEANS_ITERATIONS, random_state=self.random_state
        ).fit_predict(self.vectors)
        return found.astype(np.int64)

    def at(
        self,
        resolution: float,
        pinned: np.ndarray | None,
        n_known: int,
        refine: str | bool,
        raw: np.ndarray | None = None,
        share: float | None = None,
        start: np.ndarray | None = None,
    ) -> tuple[np.ndarray, float, bool]:
        """(membership, share of kNN edges inside categories before refinement, refined).
        ``raw``: communities already found at ``resolution`` (else Leiden runs); ``share``:
        how well the graph itself separates categories, when known (else measured here);
        ``start``: the communities without pins at ``resolution``, where a pinned Leiden run
        starts (:func:`~siftkit.discover.communities.pinned_start`)."""
        if raw is None:
            raw = self.finder.partition(resolution, pinned, start)
        membership = absorb_small(raw, self.indices, self.min_size, pinned, keep=n_known)
        if share is None:
            share = within_share(self.indices, membership)
        refined = refine is True or (refine == "auto" and share < AUTO_REFINE_BELOW)
        if refined:
            if pinned is None:
                # as many categories as the graph found, placed by k-means++: on such data
                # it starts the prototype objective far better than the graph's partition
                membership = self._kmeans(int(membership.max()) + 1)
            membership = refine_by_prototypes(
                self.vectors, self.indices, membership, self.smoothness, pinned
            )
            # refinement can shrink a category below the minimum: absorb it again
            membership = absorb_small(membership, self.indices, self.min_size, pinned, n_known)
        return membership, share, bool(refined)


class CategoryDiscovery:
    """Find the categories of embedded rows; the number of categories is estimated.

    Parameters
    ----------
    n_clusters : None to estimate; an int to aim near it; a (low, high) range to stay in.
    resolution : Leiden resolution when ``n_clusters`` is None (higher, more categories).
    n_neighbors : neighbours per row in the graph (at most the graph's k when one is given).
    min_cluster_size : smaller communities dissolve into their neighbours' categories.
    refine : ``"auto"``, True or False: refine categories by prototypes (see the module).
    smoothness : weight of the neighbours' categories against prototype similarity.
    level_factors : resolutions of the other tree levels, as multiples of the chosen one
        (below 1: coarser, above 1: finer).
    min_confidence : rows below this confidence get category -1 (0: every row has one).
    min_new_share : with labels, a new category with fewer rows than this share of the known
        categories' median size joins the category it is most linked with (0: never; lower it
        when new classes may be much rarer than the known ones).
    novel_odds : with labels, an unlabeled row is novel when, among the unlabeled rows with
        as many labeled neighbours as it (or fewer), those of classes nobody labeled are
        estimated to outnumber those of known classes by more than these odds
        (:mod:`siftkit.discover.novelty`; 1: the decision that misjudges the fewest rows;
        higher keeps known categories whole at the cost of new ones; None: off); where
        the graph separates categories well, novel rows form the new categories; where it
        needs refinement, those in known categories leave them for the categories the rows
        form without labels.
    random_state : seed.

    Attributes
    ----------
    labels_ : (n_rows,) category per row; -1 below ``min_confidence`` and for rows
        without content (all-zero vectors, or NaN or inf values).
    n_clusters_ : number of categories.
    confidence_ : (n_rows,) similarity-weighted share of each row's neighbours in its category.
    cluster_centers_ : (n_clusters_, n_dims) L2-normalised prototypes.
    levels_ : the hierarchy, coarsest first (list of :class:`~siftkit.discover.hierarchy.Level`).
    chosen_level_ : index of the level ``labels_`` comes from.
    resolution_ : the resolution used.
    refined_ : whether categories were refined by prototypes.
    within_share_ : share of kNN edges inside the graph's own communities.
    classes_ : the known classes when ``y`` was given (categories 0..len-1 are these), else None.
    """

    parameter_constraints = {
        "resolution": [Interval(float, 0.0, None, open_low=True)],
        "n_neighbors": [Interval(int, 1, None)],
        "min_cluster_size": [Interval(int, 1, None)],
        "refine": [Options(("auto", True, False))],
        "smoothness": [Interval(float, 0.0, None)],
        "min_confidence": [Interval(float, 0.0, 1.0)],
        "min_new_share": [Interval(float, 0.0, 1.0)],
        "novel_odds": [type(None), Interval(float, 0.0, None)],
        "random_state": [Interval(int, 0, None)],
    }

    def __init__(
        self,
        n_clusters: int | tuple[int, int] | None = None,
        *,
        resolution: float = 0.5,
        n_neighbors: int = 15,
        min_cluster_size: int = 5,
        refine: str | bool = "auto",
        smoothness: float = 0.2,
        level_factors: Sequence[float] = (0.1, 0.3, 0.6, 1.3, 2.5),
        min_confidence: float = 0.0,
        min_new_share: float = 0.5,
        novel_odds: float | None = 1.0,
        random_state: int = 0,
    ) -> None:
        self.n_clusters = n_clusters
        self.resolution = resolution
        self.n_neighbors = n_neighbors
        self.min_cluster_size = min_cluster_size
        self.refine = refine
        self.smoothness = smoothness
        self.level_factors = level_factors
        self.min_confidence = min_confidence
        self.min_new_share = min_new_share
        self.novel_odds = novel_odds
        self.random_state = random_state

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in (
            "n_clusters", "resolution", "n_neighbors", "min_cluster_size", "refine",
            "smoothness", "level_factors", "min_confidence", "min_new_share", "novel_odds",
            "random_state",
        )}  # fmt: skip

    def set_params(self, **params: Any) -> CategoryDiscovery:
        for name, value in params.items():
            if name not in self.get_params():
                raise InvalidParameterError(f"CategoryDiscovery has no parameter {name!r}.")
            setattr(self, name, value)
        return self

    def _check(self) -> tuple[int, int] | int | None:
        values = {name: getattr(self, name) for name in self.parameter_constraints}
        validate_params(type(self).__name__, values, self.parameter_constraints)
        factors = list(self.level_factors)
        if any(not isinstance(f, int | float) or f <= 0 or f == 1 for f in factors):
            raise InvalidParameterError(
                "The 'level_factors' parameter must hold positive numbers other than 1; got "
                f"{self.level_factors!r}."
            )
        return check_cluster_hint(self.n_clusters)

    def fit(
        self,
        X: Any,
        y: Any = None,
        *,
        graph: KnnGraph | None = None,
        row_keys: np.ndarray | None = None,
    ) -> CategoryDiscovery:
        """Find categories of ``X`` (n_rows, n_dims).

        ``y``: optional partial labels (see :func:`partial_labels`); ``graph``: a kNN
        graph of ``X`` to reuse; ``row_keys``: sortable per-row keys that break ties when
        categories are numbered (largest first; default: row position).
        """
        hint = self._check()
        vectors = unit_rows(X)
        n = len(vectors)
        if graph is None:
            graph = build_graph(vectors, k=self.n_neighbors, random_state=self.random_state)
        k = min(self.n_neighbors, graph.k)
        indices, similarities = graph.indices[:, :k], graph.similarities[:, :k]
        keys = np.arange(n) if row_keys is None else np.asarray(row_keys)

        labels = partial_labels(y, n) if y is not None else None
        pinned = labels.codes if labels is not None and (labels.codes >= 0).any() else None
        n_known = labels.n_classes if pinned is not None else 0
        self.classes_ = labels.classes if pinned is not None else None
        if k == 0:  # a single row: one category
            membership = np.zeros(n, dtype=np.int64) if pinned is None else pinned.copy()
            self.levels_ = [Level(self.resolution, membership, np.full(membership.max() + 1, -1))]
            return self._finish(vectors, indices, similarities, 0, self.resolution, 0.0, False)

        # rows without content (zero vectors) have arbitrary neighbours: they take no part
        empty = ~has_content(vectors)
        adjacency = shared_neighbor_graph(indices)
        if empty.any():
            keep = sp.diags((~empty).astype(np.float64))
            adjacency = sp.csr_matrix(keep @ adjacency @ keep)
        finder = CommunityFinder(adjacency, self.random_state)
        categories = _Categories(vectors, indices, finder, self.min_cluster_size, self.smoothness)

        resolution = self.resolution
        if hint is not None:
            resolution = search_resolution(
                hint,
                lambda r: int(categories.at(r, pinned, n_known, self.refine)[0].max()) + 1,
                start=self.resolution,
            )
        factors = sorted(self.level_factors)
        chain = self._resolution_chain(finder, resolution, [f for f in factors if f > 1])
        direct = hint is not None or pinned is not None  # the hint's count, the pins
        # whether the graph separates categories well is the graph's own affair: measured on
        # its communities without pins (pinned classes may straddle its regions)
        share = within_share(indices, absorb_small(chain[1.0], indices, self.min_cluster_size))
        membership, share, refined = categories.at(
            resolution, pinned, n_known, self.refine, raw=None if direct else chain[1.0],
            share=share, start=chain[1.0],
        )  # fmt: skip
        if pinned is not None:
            novel = novel_rows(indices, pinned >= 0, self.novel_odds, among=~empty)
            if not refined:
                membership = self._novel_apart(
                    adjacency, indices, membership, pinned, novel, resolution
                )
            elif (novel & (membership < n_known)).any():
                # where the graph needed refinement (text), clustering novel rows apart splits
                # the large new classes; those the pinned refinement put in known categories
                # leave them for the categories they form without labels (docs/discovery.md)
                unlabeled = categories.at(resolution, None, 0, True, raw=chain[1.0])[0]
                membership = regroup_novel(membership, novel, unlabeled, n_known)
                membership = return_to_known(indices, membership, novel, n_known)
            membership = merge_undersized(
                membership, adjacency, n_known, self.min_new_share, indices
            )

        def crumbs_absorbed(raw: np.ndarray) -> np.ndarray:  # a finer level's
            return absorb_small(raw, indices, self.min_cluster_size, pinned, n_known, fold=False)

        coarse = [(resolution * f, finder.group(membership, resolution * f)[membership])
                  for f in factors if f < 1]  # fmt: skip
        if coarse:  # above the coarsest, the graph's pieces grouped by their means
            coarse.append((0.0, similar_pieces(coarse[0][1], adjacency, vectors)))
        fine = [(resolution * f, crumbs_absorbed(chain[f])) for f in factors if f > 1]
        levels = build_levels(membership, resolution, coarse, fine, min_size=self.min_cluster_size)
        chosen = next(i for i, level in enumerate(levels) if level.membership is membership)
        self.levels_ = renumber_levels(levels, keys, chosen, n_known, counted=~empty)
        self._finish(vectors, indices, similarities, chosen, resolution, share, refined)
        if hint is not None:
            self._check_hint_met(hint)
        return self

    def _check_hint_met(self, hint: tuple[int, int] | int) -> None:
        """Warn when the categories found are far from the hint: outside its range, or more
        than a third away from its number."""
        found = self.n_clusters_
        low, high = (
            (int(np.ceil(hint * 2 / 3)), int(hint * 4 / 3)) if isinstance(hint, int) else hint
        )
        if low <= found <= high:
            return
        asked = f"about {hint}" if isinstance(hint, int) else f"{hint[0]}-{hint[1]}"
        pinned = "" if self.classes_ is None else (
            f"; with labels, the {len(self.classes_)} known classes stay whole and only the rows "
            "that fit none form new categories")  # fmt: skip
        warnings.warn(
            f"Asked for {asked} categories, found {found}, the nearest any resolution tried "
            f"gives: categories keep at least {self.min_cluster_size} rows (min_cluster_size), "
            f"and groups the neighbour graph keeps apart are never joined{pinned}.",
            HintNotMetWarning,
            stacklevel=3,
        )

    def _novel_apart(
        self,
        adjacency: sp.csr_matrix,
        indices: np.ndarray,
        membership: np.ndarray,
        pinned: np.ndarray,
        novel: np.ndarray,
        resolution: float,
    ) -> np.ndarray:
        """The ``novel`` rows leave the partition's categories and form new ones: Leiden on
        the graph between them, as without labels. Those that turn out to sit inside a
        known class return to it (:func:`return_to_known`), and crumbs dissolve into the
        category most of their neighbours are in."""
        if novel.sum() < self.min_cluster_size:
            return membership
        n_known = int(pinned.max()) + 1
        finder = CommunityFinder(sp.csr_matrix(adjacency[novel][:, novel]), self.random_state)
        finer = [f for f in self.level_factors if f > 1]
        membership = membership.copy()
        membership[novel] = (
            membership.max() + 1 + self._resolution_chain(finder, resolution, finer)[1.0]
        )
        membership = return_to_known(indices, membership, novel, n_known)
        return absorb_small(membership, indices, self.min_cluster_size, pinned, keep=n_known)

    @staticmethod
    def _resolution_chain(
        finder: CommunityFinder, resolution: float, finer: list[float]
    ) -> dict[float, np.ndarray]:
        """Communities at ``resolution`` times 1 and each of the ``finer`` factors: one
        Leiden run at the finest, then each coarser one by grouping the one below it on the
        merged graph (Leiden's own aggregation), so they nest and cost one run."""
        steps = sorted(set(finer) | {1.0}, reverse=True)
        chain = {steps[0]: finder.partition(resolution * steps[0])}
        for previous, factor in zip(steps, steps[1:], strict=False):
            below = chain[previous]
            chain[factor] = finder.group(below, resolution * factor)[below]
        return chain

    def _finish(
        self,
        vectors: np.ndarray,
        indices: np.ndarray,
        similarities: np.ndarray,
        chosen: int,
        resolution: float,
        share: float,
        refined: bool,
    ) -> CategoryDiscovery:
        membership = self.levels_[chosen].membership
        self.chosen_level_ = chosen
        self.within_share_ = float(share)
        self.refined_ = bool(refined)
        self.n_clusters_ = int(membership.max()) + 1
        self.confidence_ = (
            confidence(indices, similarities, membership)
            if indices.shape[1]
            else np.ones(len(membership))
        )
        empty = ~has_content(vectors)
        self.confidence_[empty] = 0.0
        self.labels_ = np.where((self.confidence_ >= self.min_confidence) & ~empty, membership, -1)
        self.cluster_centers_ = prototypes(vectors, membership, self.n_clusters_)
        self.resolution_ = float(resolution)
        return self

    def fit_predict(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        return self.fit(X, y, **fit_params).labels_

    @property
    def is_new_(self) -> np.ndarray:
        """Per category, whether it is new (not one of the known classes)."""
        if not hasattr(self, "labels_"):
            raise NotFittedError("This CategoryDiscovery is not fitted yet; call fit first.")
        known = 0 if self.classes_ is None else len(self.classes_)
        return np.arange(self.n_clusters_) >= known


def graph_communities(
    vectors: np.ndarray,
    graph: KnnGraph,
    resolutions: Sequence[float],
    n_neighbors: int,
    random_state: int,
) -> list[np.ndarray]:
    """Each row's community of the kNN ``graph`` of ``vectors`` at each of ``resolutions``
    (the first the lowest), (n_rows,) each: the graph's own grouping, as discovery finds it
    before refinement (small communities absorbed), one fit with the finer resolutions as the
    levels of its tree (a level no different from its neighbour is kept once)."""
    first = resolutions[0]
    discovery = CategoryDiscovery(
        resolution=first, refine=False, n_neighbors=n_neighbors, random_state=random_state,
        level_factors=tuple(r / first for r in resolutions[1:]),
    )  # fmt: skip
    return [level.membership for level in discovery.fit(vectors, graph=graph).levels_]
