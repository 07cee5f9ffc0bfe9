"""The 2-D map of a run: one point per row, computed once and cached as ``map.npy``.

The default (``"clusters"``) needs nothing beyond numpy and scikit-learn and keeps clusters
visibly apart by construction: the cluster centres are placed by multidimensional scaling of
their cosine distances (classical, refined by SMACOF; the large distances shortened, so that
a cluster far from all others does not squeeze them into a corner), each cluster gets a disc
of its own whose area follows its rows, the discs pushed apart until none overlaps, and inside
its disc a row sits at its coordinates along the cluster's two main directions. ``"umap"``
uses umap-learn (``pip install umap-learn``) on the embeddings when it is installed.
"""

from __future__ import annotations

import warnings

import numpy as np

from siftkit.discover.refine import prototypes
from siftkit.embed.base import l2_normalize
from siftkit.exceptions import InvalidParameterError, MissingExtraError

METHODS = ("clusters", "umap")
#: A typical cluster's disc has this share of the typical distance from a cluster to its
#: nearest neighbour cluster as radius; discs follow their rows within RADIUS_RANGE times it.
DISC_SHARE = 0.45
RADIUS_RANGE = (0.5, 2.0)
#: Discs are pushed apart until this share of their radii lies between them, in at most
#: APART_ROUNDS rounds.
DISC_MARGIN, APART_ROUNDS = 0.1, 100
#: Rounds of SMACOF refining the classical MDS placement of the cluster centres, at most.
STRESS_ROUNDS = 300
#: Clusters made when the run has none: about one per this many rows (at most MAX_GROUPS).
ROWS_PER_GROUP, MAX_GROUPS = 200, 50
#: A cluster's main directions come from at most this many of its rows, by this many
#: subspace iterations.
AXES_SAMPLE, AXES_ITERATIONS = 2000, 30


def _groups(vectors: np.ndarray, clusters: np.ndarray | None, random_state: int) -> np.ndarray:
    """Each row's cluster (rows without one join the nearest centre)."""
    n = len(vectors)
    if clusters is None or (clusters < 0).all():
        from sklearn.cluster import MiniBatchKMeans

        k = int(np.clip(n // ROWS_PER_GROUP, 1, MAX_GROUPS))
        if k == 1:
            return np.zeros(n, dtype=np.int64)
        return MiniBatchKMeans(k, n_init=1, random_state=random_state).fit_predict(vectors)
    groups = np.asarray(clusters, dtype=np.int64).copy()
    loose = groups < 0
    if loose.any():
        centers = prototypes(vectors, np.clip(groups, 0, None), int(groups.max()) + 1, ~loose)
        groups[loose] = (vectors[loose] @ centers.T).argmax(axis=1)
    return groups


def classical_mds(distances: np.ndarray) -> np.ndarray:
    """2-D coordinates whose distances approximate ``distances`` (k, k), Torgerson's method."""
    k = len(distances)
    if k == 1:
        return np.zeros((1, 2))
    centering = np.eye(k) - 1.0 / k
    gram = -0.5 * centering @ (distances**2) @ centering
    values, vectors = np.linalg.eigh(gram)
    top = np.argsort(values)[::-1][:2]
    coords = vectors[:, top] * np.sqrt(np.clip(values[top], 0.0, None))
    if coords.shape[1] < 2:
        coords = np.hstack([coords, np.zeros((k, 2 - coords.shape[1]))])
    return coords


def main_axes(centred: np.ndarray, n_axes: int = 2) -> np.ndarray:
    """The ``n_axes`` main directions of centred rows (n_rows, n_dims), strongest first,
    shape (n_axes, n_dims): the top right singular vectors, found by subspace iteration
    from a fixed start (a full SVD costs ~0.1 s for 2,000 x 384 rows, this a few ms; the
    map only needs the plane approximately). Each axis's largest coordinate is positive, so
    the result is deterministic. Fewer rows or dimensions than ``n_axes``: zero axes pad."""
    rows = np.asarray(centred, dtype=np.float64)
    width = min(n_axes, *rows.shape)
    axes = np.zeros((n_axes, rows.shape[1]))
    if width == 0:
        return axes
    basis = np.random.default_rng(0).normal(size=(rows.shape[1], width))
    for _ in range(AXES_ITERATIONS):
        basis, _ = np.linalg.qr(rows.T @ (rows @ basis))
    # order the plane's directions by the variance along them (Rayleigh-Ritz)
    projected = rows @ basis
    values, rotation = np.linalg.eigh(projected.T @ projected)
    found = (basis @ rotation[:, np.argsort(values)[::-1]]).T
    signs = np.sign(found[np.arange(width), np.abs(found).argmax(axis=1)])
    axes[:width] = found * np.where(signs == 0, 1.0, signs)[:, None]
    return axes


def _cluster_layout(vectors: np.ndarray, groups: np.ndarray) -> np.ndarray:
    k = int(groups.max()) + 1
    centers = prototypes(vectors, groups, k)
    sizes = np.bincount(groups, minlength=k).astype(np.float64)
    distances = np.sqrt(np.clip(2.0 - 2.0 * centers @ centers.T, 0.0, None))
    places = _stress_layout(_compressed(distances))
    # nearly coincident centres would share a disc: spread them on a small circle
    angle = 2 * np.pi * np.arange(k) / max(k, 1)
    places += 1e-3 * np.column_stack([np.cos(angle), np.sin(angle)])
    radius = _radii(places, sizes)
    places = _apart(places, radius)
    out = np.zeros((len(vectors), 2))
    for c in range(k):
        members = np.flatnonzero(groups == c)
        if not len(members):
            continue
        local = vectors[members] - vectors[members].mean(axis=0)
        if len(members) > 2:
            local = local @ main_axes(local[:AXES_SAMPLE]).T
        else:
            local = np.zeros((len(members), 2))
        reach = np.quantile(np.linalg.norm(local, axis=1), 0.95) if len(members) > 2 else 1.0
        local = local / max(reach, 1e-12)
        length = np.linalg.norm(local, axis=1, keepdims=True)
        local = np.where(length > 1.0, local / np.maximum(length, 1e-12), local)  # stay inside
        out[members] = places[c] + radius[c] * local
    return out


def _stress_layout(distances: np.ndarray) -> np.ndarray:
    """2-D places for the cluster centres: classical MDS, then refined by SMACOF (metric
    stress), which spreads clusters about equally far from each other over the plane rather
    than along the one or two directions of largest spread."""
    start = classical_mds(distances)
    if len(distances) < 3:
        return start
    from sklearn.manifold import smacof

    places, _ = smacof(distances, n_components=2, init=start, n_init=1, max_iter=STRESS_ROUNDS,
                       normalized_stress=False)  # fmt: skip
    return places


def _compressed(distances: np.ndarray) -> np.ndarray:
    """``distances`` (k, k) with the large ones shortened, ``m·log(1 + d/m)`` (``m``: the
    median distance): the order is kept, and a cluster far from all the others no longer
    squeezes them into a corner of the map."""
    off = distances[~np.eye(len(distances), dtype=bool)]
    scale = float(np.median(off)) if len(off) else 0.0
    return scale * np.log1p(distances / scale) if scale > 0 else distances


def _radii(places: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Each cluster's disc radius: ``DISC_SHARE`` of the typical (median) distance from a
    centre to its nearest neighbour, grown or shrunk with the square root of the cluster's
    rows against the median cluster's (so a disc's area follows its rows), within
    ``RADIUS_RANGE`` of it."""
    if len(places) == 1:
        return np.ones(1)
    gaps = np.linalg.norm(places[:, None] - places[None, :], axis=2)
    np.fill_diagonal(gaps, np.inf)
    typical = DISC_SHARE * float(np.median(gaps.min(axis=1)))
    scale = np.sqrt(sizes / max(float(np.median(sizes[sizes > 0])), 1.0))
    return typical * np.clip(scale, *RADIUS_RANGE)


def _apart(places: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """``places`` moved, as little as they need, until no two discs overlap: each pair
    closer than its two radii (plus ``DISC_MARGIN`` of them) is pushed apart along the line
    between them, half the shortfall each, for at most ``APART_ROUNDS`` rounds."""
    places = places.copy()
    need = (radius[:, None] + radius[None, :]) * (1.0 + DISC_MARGIN)
    np.fill_diagonal(need, 0.0)
    for _ in range(APART_ROUNDS):
        offsets = places[:, None] - places[None, :]
        gaps = np.linalg.norm(offsets, axis=2)
        short = np.clip(need - gaps, 0.0, None)
        if not short.any():
            break
        directions = offsets / np.maximum(gaps, 1e-12)[:, :, None]
        places += 0.5 * (short[:, :, None] * directions).sum(axis=1)
    return places


#: UMAP needs this many rows at least (its spectral start fails on 2 or 3; 1 row has no
#: neighbour): fewer are laid out as the default map lays them out.
UMAP_MIN_ROWS = 4


def map_2d(
    embeddings: np.ndarray,
    clusters: np.ndarray | None = None,
    *,
    method: str = "clusters",
    random_state: int = 0,
) -> np.ndarray:
    """2-D coordinates of the rows, (n_rows, 2) float32, scaled into [0, 1] x [0, 1]: by
    ``method`` ``clusters`` (the default map) or ``umap`` (for fewer than ``UMAP_MIN_ROWS``
    rows, as ``clusters``).

    ``clusters``: each row's category (-1 for none), e.g. the run's ``cluster`` column; made
    by k-means when None.
    """
    if method not in METHODS:
        raise InvalidParameterError(
            f"The map method must be one of {', '.join(METHODS)}; got {method!r}."
        )
    vectors = l2_normalize(np.asarray(embeddings, dtype=np.float32))
    if len(vectors) == 0:
        return np.zeros((0, 2), dtype=np.float32)
    if method == "umap" and len(vectors) >= UMAP_MIN_ROWS:
        try:
            import umap
        except ImportError as exc:
            raise MissingExtraError(
                "The umap map needs umap-learn: pip install umap-learn (or use the default "
                "map, method='clusters')."
            ) from exc
        neighbors = max(2, min(15, len(vectors) - 1))
        with warnings.catch_warnings():  # a seeded UMAP says it runs on one thread
            warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)
            coords = umap.UMAP(n_components=2, n_neighbors=neighbors, metric="cosine",
                               random_state=random_state).fit_transform(vectors)  # fmt: skip
    else:
        coords = _cluster_layout(vectors, _groups(vectors, clusters, random_state))
    low, high = coords.min(axis=0), coords.max(axis=0)
    return ((coords - low) / np.maximum(high - low, 1e-12)).astype(np.float32)
