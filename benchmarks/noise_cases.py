"""Corrupted datasets with known ground truth: wrong labels, off-topic rows, outliers, copies.

Three clean bases, each holding back some classes (and another dataset) as a source of rows
that do not belong:

- ``wordnet``: WordNet noun glosses (text), embedded with siftkit's default encoder (MiniLM)
  through its embedding cache. The held-out categories are the three smallest lexicographer
  categories with at least ``HELD_OUT_MIN_SYNSETS`` synsets (noun.shape, noun.feeling,
  noun.relation); the other 23 are the classes (a uniform sample, so noun.Tops and
  noun.motive, 51 and 42 synsets in all, get a handful of rows; a --quick sample may miss
  them). Foreign rows: WordNet verb glosses.
  Glosses are de-duplicated (case and whitespace folded) before sampling, so the only
  duplicates are the ones a case adds.
- ``fashion``: Fashion-MNIST images of 9 classes (the last, ankle boot, held out), pixels
  scaled to [0, 1] and projected to 100 dimensions by a PCA fitted on the base sample.
  Foreign rows: scikit-learn digits upscaled to 28x28, through the same PCA.
- ``digits``: scikit-learn's 8x8 digits (raw 0-16 pixels, 64 features), 9 classes (the
  last, 9, held out). Foreign rows: Fashion-MNIST images reduced to 8x8 the way the digits
  were made (32x32 canvas, counts of 4x4 blocks, 0-16).

A case is a function ``(base, seed) -> Case``; see :data:`CASES`. Everything is seeded:
the same base and seed give the same rows, labels and ground truth. Rows are shuffled, so
added rows are not at the end.

    from benchmarks.noise_cases import CASES, load_base
    case = CASES["sym20"](load_base("digits", seed=0), seed=0)
    case.frame, case.X, case.is_label_error
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from benchmarks.datasets import load_fashion_mnist, load_wordnet_nouns, load_wordnet_verbs

if TYPE_CHECKING:
    from siftkit.embed import Encoder

#: Row kinds. Sources of copies stay ``clean`` (they are the originals).
CLEAN, MISLABELED, OFF_TOPIC = "clean", "mislabeled", "off_topic"
OUTLIER_HELD_OUT, OUTLIER_FOREIGN = "outlier_held_out", "outlier_foreign"
COPY_EXACT, COPY_EDITED = "copy_exact", "copy_edited"

HELD_OUT_MIN_SYNSETS = 300
FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
PCA_DIMS = 100
#: Sizes: rows in the wordnet and fashion bases (digits always uses all its rows).
FULL_ROWS, QUICK_ROWS = 12_000, 2_000

#: Case parameters (shares of the base's rows).
OFF_TOPIC_NOISE, OFF_TOPIC_SHARE = 0.10, 0.03
ASYM_SHARE = 0.20
OUTLIER_SHARE = 0.03
EDITED_COPY_SHARE, EXACT_COPY_SHARE = 0.04, 0.02
#: A jittered copy moves this fraction of the median nearest-neighbour distance (Euclidean).
JITTER = 0.2


# --- what a base and a case are ---------------------------------------------------------------


@dataclass(frozen=True)
class Pool:
    """Rows that do not belong to a base's classes: ``X`` (n, d), their own class names, and
    their texts for text data."""

    X: np.ndarray
    labels: np.ndarray
    texts: np.ndarray | None
    source: str


@dataclass(frozen=True)
class Base:
    """A clean dataset: features ``X`` (n, d) float32, true ``labels`` (class names),
    ``texts`` for text data, and the rows held back from it."""

    name: str
    description: str
    X: np.ndarray
    labels: np.ndarray
    texts: np.ndarray | None
    classes: tuple[str, ...]
    held_out: Pool
    foreign: Pool
    #: texts -> vectors like ``X`` (text data only; used for edited copies)
    embed: Callable[[Sequence[str]], np.ndarray] | None = None

    @property
    def n(self) -> int:
        return len(self.X)

    @property
    def codes(self) -> np.ndarray:
        """The true labels as positions in ``classes``."""
        return pd.Categorical(self.labels, categories=self.classes).codes.astype(np.int64)


@dataclass(frozen=True)
class Case:
    """A corrupted dataset with its ground truth.

    ``frame`` holds ``label`` (the given, possibly wrong labels) and ``text`` for text data,
    row for row with ``X``. ``true`` is each row's real class (for off-topic rows and
    outliers: the class of the data they came from). ``kind`` says what was done to the row
    (one of the module's kind constants); ``dup_group`` numbers a source and its copies
    (-1 for rows in no such group).
    """

    dataset: str
    name: str
    description: str
    frame: pd.DataFrame
    X: np.ndarray
    given: np.ndarray
    true: np.ndarray
    kind: np.ndarray
    dup_group: np.ndarray
    classes: tuple[str, ...]

    @property
    def n(self) -> int:
        return len(self.X)

    @property
    def has_text(self) -> bool:
        return "text" in self.frame.columns

    @property
    def is_mislabeled(self) -> np.ndarray:
        """In-set rows whose given label is another in-set class."""
        return self.kind == MISLABELED

    @property
    def is_off_topic(self) -> np.ndarray:
        return self.kind == OFF_TOPIC

    @property
    def is_label_error(self) -> np.ndarray:
        """Rows whose given label is wrong: mislabeled or off-topic (disjoint)."""
        return self.is_mislabeled | self.is_off_topic

    @property
    def is_outlier(self) -> np.ndarray:
        return (self.kind == OUTLIER_HELD_OUT) | (self.kind == OUTLIER_FOREIGN)

    @property
    def noise_rate(self) -> float:
        """Share of rows whose given label is wrong."""
        return float(self.is_label_error.mean())

    def duplicate_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Ground-truth pairs ``(m, 2)`` with i < j: every pair of rows in one copy group
        (source-copy and copy-copy), and per pair whether both rows hold identical content
        (the source or an exact copy)."""
        pairs, exact = [], []
        identical = self.kind != COPY_EDITED
        for group in np.unique(self.dup_group[self.dup_group >= 0]):
            members = np.flatnonzero(self.dup_group == group)
            i, j = np.triu_indices(len(members), k=1)
            pairs.append(np.column_stack([members[i], members[j]]))
            exact.append(identical[members[i]] & identical[members[j]])
        if not pairs:
            return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=bool)
        return np.concatenate(pairs), np.concatenate(exact)


# --- bases ------------------------------------------------------------------------------------


@functools.cache
def _minilm() -> Encoder:
    from siftkit.embed import get_encoder

    return get_encoder("minilm")


def embed_texts(texts: Sequence[str]) -> np.ndarray:
    """MiniLM vectors through siftkit's pipeline and on-disk cache, (n, 384) float32."""
    import siftkit
    from siftkit.embed import embed_dataset

    frame = pd.DataFrame({"text": list(texts)})
    vectors, _ = embed_dataset(siftkit.load(frame, text="text"), _minilm(), progress=False)
    return vectors


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def held_out_categories(counts: pd.Series, n: int = 3) -> list[str]:
    """The ``n`` smallest categories with at least HELD_OUT_MIN_SYNSETS rows."""
    large = counts[counts >= HELD_OUT_MIN_SYNSETS].sort_values(kind="stable")
    return sorted(large.index[:n])


def wordnet_base(n_rows: int, seed: int) -> Base:
    """``n_rows`` noun glosses of 23 categories; the rest of the module docstring says how."""
    nouns = load_wordnet_nouns()
    nouns = nouns[~nouns["definition"].map(_fold).duplicated()]
    held = held_out_categories(nouns["category"].value_counts())
    rng = np.random.default_rng(seed)
    inset = nouns[~nouns["category"].isin(held)]
    sample = inset.iloc[np.sort(rng.choice(len(inset), n_rows, replace=False))]
    pool = nouns[nouns["category"].isin(held)]
    verbs = load_wordnet_verbs()
    verbs = verbs.iloc[np.sort(rng.choice(len(verbs), max(n_rows // 10, 200), replace=False))]

    def pool_of(frame: pd.DataFrame, source: str) -> Pool:
        texts = frame["definition"].to_numpy(dtype=object)
        return Pool(embed_texts(texts), frame["category"].to_numpy(dtype=object), texts, source)

    texts = sample["definition"].to_numpy(dtype=object)
    classes = tuple(sorted(sample["category"].unique()))  # a quick sample may miss tiny ones
    return Base(
        name="wordnet",
        description=f"{n_rows:,} WordNet noun glosses of {len(classes)} categories, MiniLM "
        f"(384-d); held out: {', '.join(held)}",
        X=embed_texts(texts),
        labels=sample["category"].to_numpy(dtype=object),
        texts=texts,
        classes=classes,
        held_out=pool_of(pool, f"held-out noun categories ({', '.join(held)})"),
        foreign=pool_of(verbs, "WordNet verb glosses"),
        embed=embed_texts,
    )


def digits_to_fashion_pixels(images: np.ndarray) -> np.ndarray:
    """8x8 digits (0-16) as 28x28 images in [0, 1] (bilinear), shape (n, 784)."""
    from scipy.ndimage import zoom

    scaled = zoom(images.reshape(-1, 8, 8) / 16.0, (1, 28 / 8, 28 / 8), order=1)
    return np.clip(scaled, 0.0, 1.0).reshape(len(images), -1)


def fashion_to_digit_pixels(images: np.ndarray) -> np.ndarray:
    """28x28 uint8 images as 8x8 digits: centred on a 32x32 canvas, each 4x4 block's mean
    intensity scaled to 0-16 (the digits were made by counting pixels in 4x4 blocks)."""
    canvas = np.zeros((len(images), 32, 32))
    canvas[:, 2:30, 2:30] = images.reshape(-1, 28, 28) / 255.0
    blocks = canvas.reshape(-1, 8, 4, 8, 4).mean(axis=(2, 4))
    return np.round(blocks * 16.0).reshape(len(images), 64)


def fashion_base(n_rows: int, seed: int) -> Base:
    """``n_rows`` Fashion-MNIST images of classes 0-8, PCA to 100 dimensions."""
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA

    images, targets = load_fashion_mnist()
    held = len(FASHION_CLASSES) - 1
    rng = np.random.default_rng(seed)
    inset = np.flatnonzero(targets != held)
    sample = np.sort(rng.choice(inset, n_rows, replace=False))
    pca = PCA(PCA_DIMS, random_state=seed).fit(images[sample] / 255.0)

    def project(pixels: np.ndarray) -> np.ndarray:
        return pca.transform(pixels).astype(np.float32)

    pool = np.sort(rng.choice(np.flatnonzero(targets == held), n_rows // 10, replace=False))
    digits = load_digits()
    names = np.array(FASHION_CLASSES, dtype=object)
    return Base(
        name="fashion",
        description=f"{n_rows:,} Fashion-MNIST images of 9 classes, PCA to {PCA_DIMS} "
        f"dimensions; held out: {FASHION_CLASSES[held]}",
        X=project(images[sample] / 255.0),
        labels=names[targets[sample]],
        texts=None,
        classes=FASHION_CLASSES[:held],
        held_out=Pool(
            project(images[pool] / 255.0), names[targets[pool]], None, FASHION_CLASSES[held]
        ),
        foreign=Pool(
            project(digits_to_fashion_pixels(digits.data)),
            np.array([f"digit {d}" for d in digits.target], dtype=object),
            None,
            "scikit-learn digits upscaled to 28x28",
        ),
    )


def digits_base(seed: int) -> Base:
    """scikit-learn's digits 0-8 (1,617 rows), raw pixels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    held = 9
    names = np.array([str(d) for d in range(10)], dtype=object)
    inset = digits.target != held
    images, targets = load_fashion_mnist()
    rng = np.random.default_rng(seed)
    foreign = np.sort(rng.choice(len(images), int(inset.sum()) // 10, replace=False))
    return Base(
        name="digits",
        description=f"{int(inset.sum()):,} scikit-learn digits 0-8, 64 raw pixels (0-16); "
        f"held out: {held}",
        X=digits.data[inset].astype(np.float32),
        labels=names[digits.target[inset]],
        texts=None,
        classes=tuple(names[:held]),
        held_out=Pool(
            digits.data[~inset].astype(np.float32), names[digits.target[~inset]], None, "9"
        ),
        foreign=Pool(
            fashion_to_digit_pixels(images[foreign]).astype(np.float32),
            np.array([FASHION_CLASSES[t] for t in targets[foreign]], dtype=object),
            None,
            "Fashion-MNIST reduced to 8x8",
        ),
    )


DATASETS = ("wordnet", "fashion", "digits")


def load_base(name: str, seed: int = 0, quick: bool = False) -> Base:
    """A base by name (see DATASETS); ``quick`` uses QUICK_ROWS (digits: all rows anyway)."""
    n_rows = QUICK_ROWS if quick else FULL_ROWS
    if name == "wordnet":
        return wordnet_base(n_rows, seed)
    if name == "fashion":
        return fashion_base(n_rows, seed)
    if name == "digits":
        return digits_base(seed)
    raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")


# --- building blocks --------------------------------------------------------------------------


def flip_symmetric(
    codes: np.ndarray, share: float, n_classes: int, rng: np.random.Generator
) -> np.ndarray:
    """A copy of ``codes`` where ``round(share * n)`` random rows get a uniformly random other
    class."""
    flipped = codes.copy()
    rows = rng.choice(len(codes), round(share * len(codes)), replace=False)
    flipped[rows] = (codes[rows] + rng.integers(1, n_classes, len(rows))) % n_classes
    return flipped


def most_similar_class(X: np.ndarray, codes: np.ndarray, n_classes: int) -> np.ndarray:
    """For each class, the other class whose mean vector is closest by cosine."""
    means = np.stack([X[codes == c].mean(axis=0) for c in range(n_classes)]).astype(np.float64)
    means /= np.linalg.norm(means, axis=1, keepdims=True)
    similarity = means @ means.T
    np.fill_diagonal(similarity, -np.inf)
    return similarity.argmax(axis=1)


def edit_text(text: str, rng: np.random.Generator) -> str:
    """One or two small edits: change case, change punctuation, drop a word or swap two
    neighbouring words. Always returns a different string."""
    for _ in range(20):
        words = text.split()
        for op in rng.choice(4, size=rng.integers(1, 3), replace=False):
            i = int(rng.integers(len(words)))
            if op == 0:  # case
                words[i] = words[i].upper() if words[i].islower() else words[i].lower()
                if i == 0 or rng.random() < 0.5:
                    words[0] = words[0][:1].upper() + words[0][1:]
            elif op == 1:  # punctuation
                if words[i][-1] in ",;.":
                    words[i] = words[i][:-1] or words[i]
                else:
                    words[i] += "," if i < len(words) - 1 else "."
            elif op == 2 and len(words) >= 4:  # drop a word
                del words[i]
            elif op == 3 and len(words) >= 3:  # swap neighbours
                j = min(i, len(words) - 2)
                words[j], words[j + 1] = words[j + 1], words[j]
        edited = " ".join(words)
        if edited != text:
            return edited
    return text + "."


def median_nn_distance(X: np.ndarray) -> float:
    """Median Euclidean distance from a row to its nearest other row."""
    from sklearn.neighbors import NearestNeighbors

    distances, _ = NearestNeighbors(n_neighbors=2).fit(X).kneighbors(X)
    return float(np.median(distances[:, 1]))


def _sample(pool: Pool, n: int, rng: np.random.Generator) -> Pool:
    """``n`` random rows of ``pool``."""
    rows = np.sort(rng.choice(len(pool.X), n, replace=False))
    texts = pool.texts[rows] if pool.texts is not None else None
    return Pool(pool.X[rows], pool.labels[rows], texts, pool.source)


def _finish(
    base: Base,
    name: str,
    description: str,
    rng: np.random.Generator,
    *,
    X: np.ndarray,
    texts: np.ndarray | None,
    given: np.ndarray,
    true: np.ndarray,
    kind: np.ndarray,
    dup_group: np.ndarray | None = None,
) -> Case:
    """Shuffle the rows (one seeded permutation for every array) and build the Case."""
    order = rng.permutation(len(X))
    classes = np.array(base.classes, dtype=object)
    frame = pd.DataFrame({"label": classes[given[order]]})
    if texts is not None:
        frame.insert(0, "text", texts[order])
    groups = np.full(len(X), -1) if dup_group is None else dup_group
    return Case(
        dataset=base.name,
        name=name,
        description=description,
        frame=frame,
        X=np.ascontiguousarray(X[order], dtype=np.float32),
        given=frame["label"].to_numpy(),
        true=true[order],
        kind=kind[order],
        dup_group=groups[order],
        classes=base.classes,
    )


def _with_extra_rows(
    base: Base,
    name: str,
    description: str,
    seed: int,
    extras: Sequence[tuple[Pool, int, str]],
    noise: float = 0.0,
) -> Case:
    """The base with ``noise`` symmetric label noise, plus rows from pools, each with a random
    in-set label: ``extras`` holds (pool, how many, their kind)."""
    rng = np.random.default_rng(seed)
    k = len(base.classes)
    codes = base.codes
    given = flip_symmetric(codes, noise, k, rng) if noise else codes.copy()
    kind = np.where(given != codes, MISLABELED, CLEAN).astype(object)
    X, texts, true = [base.X], [base.texts], [base.labels]
    for pool, count, row_kind in extras:
        taken = _sample(pool, count, rng)
        X.append(taken.X)
        texts.append(taken.texts)
        true.append(taken.labels)
        given = np.concatenate([given, rng.integers(0, k, count)])
        kind = np.concatenate([kind, np.full(count, row_kind, dtype=object)])
    return _finish(
        base,
        name,
        description,
        rng,
        X=np.concatenate(X),
        texts=None if base.texts is None else np.concatenate(texts),
        given=given,
        true=np.concatenate(true),
        kind=kind,
    )


# --- the cases --------------------------------------------------------------------------------


def symmetric(share: float) -> Callable[[Base, int], Case]:
    """Symmetric noise: ``share`` of the rows get a uniformly random other label."""

    def case(base: Base, seed: int) -> Case:
        return _with_extra_rows(
            base,
            f"sym{round(share * 100)}",
            f"{share:.0%} of rows relabeled uniformly at random to another class",
            seed,
            extras=(),
            noise=share,
        )

    case.__doc__ = symmetric.__doc__
    return case


def asym20(base: Base, seed: int) -> Case:
    """Asymmetric noise: 20% of each class (rounded) relabeled to its most similar class
    (cosine between class mean vectors of the clean data)."""
    rng = np.random.default_rng(seed)
    k = len(base.classes)
    codes = base.codes
    target = most_similar_class(base.X, codes, k)
    given = codes.copy()
    for c in range(k):
        members = np.flatnonzero(codes == c)
        given[rng.choice(members, round(ASYM_SHARE * len(members)), replace=False)] = target[c]
    kind = np.where(given != codes, MISLABELED, CLEAN).astype(object)
    return _finish(
        base,
        "asym20",
        f"{ASYM_SHARE:.0%} of each class relabeled to its most similar class",
        rng,
        X=base.X,
        texts=base.texts,
        given=given,
        true=base.labels,
        kind=kind,
    )


def offtopic(base: Base, seed: int) -> Case:
    """10% symmetric noise, plus off-topic rows (3% of the base's size) from the held-out
    classes, each with a random in-set label."""
    count = round(OFF_TOPIC_SHARE * base.n)
    return _with_extra_rows(
        base,
        "offtopic",
        f"{OFF_TOPIC_NOISE:.0%} symmetric noise + {count:,} off-topic rows "
        f"({OFF_TOPIC_SHARE:.0%} of the base) from {base.held_out.source}, random in-set labels",
        seed,
        extras=[(base.held_out, count, OFF_TOPIC)],
        noise=OFF_TOPIC_NOISE,
    )


def outliers(base: Base, seed: int) -> Case:
    """Clean labels plus outliers (3% of the base's size): half from the held-out classes,
    half from another dataset, each with a random in-set label."""
    count = round(OUTLIER_SHARE * base.n)
    held, foreign = count // 2, count - count // 2
    return _with_extra_rows(
        base,
        "outliers",
        f"{count:,} outliers ({OUTLIER_SHARE:.0%} of the base): {held:,} from "
        f"{base.held_out.source}, {foreign:,} from {base.foreign.source}; random in-set labels",
        seed,
        extras=[(base.held_out, held, OUTLIER_HELD_OUT), (base.foreign, foreign, OUTLIER_FOREIGN)],
    )


def duplicates(base: Base, seed: int) -> Case:
    """Clean labels plus copies of random base rows (a row may be copied more than once):
    edited copies (4% of the base's size; text: small word-level edits; vectors: Gaussian
    jitter of JITTER times the median nearest-neighbour distance) and exact copies (2%).
    Copies keep their source's label."""
    rng = np.random.default_rng(seed)
    n_edited, n_exact = round(EDITED_COPY_SHARE * base.n), round(EXACT_COPY_SHARE * base.n)
    sources = rng.choice(base.n, n_edited + n_exact, replace=True)
    edited, exact = sources[:n_edited], sources[n_edited:]
    texts = None
    if base.texts is not None:
        assert base.embed is not None, "a text base needs an encoder for edited copies"
        new_texts = np.array([edit_text(base.texts[s], rng) for s in edited], dtype=object)
        edited_X = base.embed(new_texts)
        texts = np.concatenate([base.texts, new_texts, base.texts[exact]])
        how = "word-level edits (case, punctuation, a dropped or swapped word), re-embedded"
    else:
        step = JITTER * median_nn_distance(base.X)
        jitter = rng.standard_normal((n_edited, base.X.shape[1])) * step / np.sqrt(base.X.shape[1])
        edited_X = base.X[edited] + jitter.astype(np.float32)
        how = f"Gaussian jitter of norm ~{JITTER} x the median nearest-neighbour distance"
    codes = base.codes
    copies = np.concatenate([edited, exact])
    groups = np.full(base.n + len(copies), -1)
    unique_sources, group_ids = np.unique(copies, return_inverse=True)
    groups[unique_sources] = np.arange(len(unique_sources))
    groups[base.n :] = group_ids
    return _finish(
        base,
        "duplicates",
        f"{n_edited:,} edited copies ({how}) and {n_exact:,} exact copies of "
        f"{len(unique_sources):,} random rows; labels clean",
        rng,
        X=np.concatenate([base.X, edited_X, base.X[exact]]),
        texts=texts,
        given=np.concatenate([codes, codes[copies]]),
        true=np.concatenate([base.labels, base.labels[copies]]),
        kind=np.array(
            [CLEAN] * base.n + [COPY_EDITED] * n_edited + [COPY_EXACT] * n_exact, dtype=object
        ),
        dup_group=groups,
    )


#: Every case by name: ``CASES[name](base, seed) -> Case``.
CASES: dict[str, Callable[[Base, int], Case]] = {
    "sym10": symmetric(0.10),
    "sym20": symmetric(0.20),
    "sym40": symmetric(0.40),
    "asym20": asym20,
    "offtopic": offtopic,
    "outliers": outliers,
    "duplicates": duplicates,
}
LABEL_CASES = ("sym10", "sym20", "sym40", "asym20", "offtopic")
