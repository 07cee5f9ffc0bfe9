"""Names and exemplars of categories.

- **Keywords** (text): class-based TF-IDF, as in BERTopic — the texts of a category are
  one document; a term weighs ``tf(term, category) · log(1 + A / f(term))``, where ``A``
  is the average number of words per category and ``f`` the term's count over all of them —
  times ``log(1 + n / c(term))``, ``c`` being the number of the ``n`` categories that use
  it, so words every category uses ("used", "having") do not name any of them. A term counts
  once per text (a word a few texts repeat does not name a category), it must occur in
  ``MIN_ROW_SHARE`` of the category's texts when any term does, a two-word phrase is two
  words next to each other in a text (never two words a stop word stood between), and a
  term whose words an earlier one already shows is skipped.
- **Distinctive columns** (tables without text): the columns whose mean in the category is
  furthest from their mean over all rows, in standard deviations (``high alcohol``, ``low
  hue``), and the categorical values (or missing values) most over-represented there,
  measured alike on their 0/1 indicator (``colour = red``, ``price missing``).
- **Majority label** (labeled rows): the commonest label and its share (purity).
- **Vocabulary** ("Vocabulary-free Image Classification"): the candidate terms, embedded
  by the run's encoder, closest to each category's prototype; each category named by a term of
  its own where one nearly as close is free (:func:`vocabulary_names`).
- **Exemplars**: the rows closest to the prototype.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from siftkit._text import UNSPACED, WORD_END, WORD_START, is_unspaced, read_unicode, word_part
from siftkit.data.dataset import Labels
from siftkit.data.schema import as_numbers, is_date_column
from siftkit.exceptions import DataFileNotFoundError, InvalidParameterError, UnreadableDataError


def _onehot(membership: np.ndarray, n_categories: int) -> sp.csr_matrix:
    keep = membership >= 0
    rows = np.flatnonzero(keep)
    return sp.csr_matrix(
        (np.ones(len(rows)), (membership[keep], rows)), shape=(n_categories, len(membership))
    )


#: A name's terms occur in at least this share of the category's texts (when any term does).
MIN_ROW_SHARE = 0.02
#: A word of a name: a letter, then letters, digits or inner hyphens; or one character of a
#: script written without spaces (:data:`siftkit._text.UNSPACED`).
_TOKEN = (
    rf"(?u)[{UNSPACED}]"
    rf"|{WORD_START}[^\W\d_{UNSPACED}](?:[^\W{UNSPACED}]|-)*[^\W{UNSPACED}]{WORD_END}"
)


def _terms_of(text: str) -> list[str]:
    """The words of ``text`` that are not stop words, and each two such words next to each
    other in it, lower case (in a script written without spaces, the pairs of characters side
    by side, joined without a space, and not the characters alone)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    found = list(re.finditer(_TOKEN, text.lower()))
    tokens = [match.group() for match in found]
    kept = [t not in ENGLISH_STOP_WORDS for t in tokens]
    # one character of an unspaced script is a word as often as a particle: its pairs name
    words = [t for t, keep in zip(tokens, kept, strict=True) if keep and not is_unspaced(t)]
    pairs = []
    for a, b, ka, kb in zip(found, found[1:], kept, kept[1:], strict=False):
        if not (ka and kb):
            continue
        if is_unspaced(a.group()) and is_unspaced(b.group()):
            if a.end() == b.start():  # a word of two characters, not two across a full stop
                pairs.append(a.group() + b.group())
        else:
            pairs.append(f"{a.group()} {b.group()}")
    return words + pairs


def term_counts(texts: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray] | None:
    """Per text, whether it holds each word and two-word phrase (:func:`_terms_of`) that
    occurs in at least two texts: (0/1 counts (n_texts, n_terms), terms); None when no term
    does. Counted once, they serve every partition of the same texts."""
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer=_terms_of, min_df=2, max_features=100_000, binary=True)
    try:
        counts = vectorizer.fit_transform(word_part(text) for text in texts)
    except ValueError:  # no term occurs twice: nothing distinctive to say
        return None
    return counts.tocsr(), vectorizer.get_feature_names_out()


def category_keywords(
    terms: tuple[sp.csr_matrix, np.ndarray] | None,
    membership: np.ndarray,
    n_categories: int,
    top: int = 8,
) -> list[list[str]]:
    """The ``top`` most distinctive terms of each category, from :func:`term_counts`."""
    if terms is None:
        return [[] for _ in range(n_categories)]
    counts, names = terms
    onehot = _onehot(membership, n_categories)
    per_category = (onehot @ counts).tocsr().astype(np.float64)  # texts holding each term
    texts = np.asarray(onehot.sum(axis=1)).ravel()
    words = np.asarray(per_category.sum(axis=1)).ravel()
    frequency = np.asarray(per_category.sum(axis=0)).ravel()
    average_words = words.mean()
    spread = np.asarray((per_category > 0).sum(axis=0)).ravel()  # categories using the term
    idf = np.log1p(average_words / np.maximum(frequency, 1.0))
    idf *= np.log1p(n_categories / np.maximum(spread, 1))
    tf = sp.diags(1.0 / np.maximum(words, 1.0)) @ per_category
    weights = (tf @ sp.diags(idf)).tocsr()
    out = []
    for c in range(n_categories):
        row = weights.getrow(c)
        held = per_category[c, row.indices].toarray().ravel()  # texts holding each term
        common = held >= MIN_ROW_SHARE * texts[c]
        usable = np.flatnonzero(common) if common.any() else np.arange(len(row.data))
        ranked = usable[np.argsort(-row.data[usable], kind="stable")]
        out.append(_unrepeated([str(names[row.indices[i]]) for i in ranked], top))
    return out


def _unrepeated(terms: list[str], top: int) -> list[str]:
    """The first ``top`` of ``terms`` (best first), each skipped whose words the ones kept
    before it already show ("language spoken" after "language" and "spoken"; "spoken" after
    "language spoken")."""
    kept: list[str] = []
    shown: set[str] = set()
    for term in terms:
        words = set(re.findall(_TOKEN, term))
        if words <= shown:
            continue
        kept.append(term)
        shown |= words
        if len(kept) == top:
            break
    return kept


def keywords(
    texts: Sequence[str], membership: np.ndarray, n_categories: int, top: int = 8
) -> list[list[str]]:
    """The ``top`` most distinctive words and two-word phrases of each category's texts."""
    return category_keywords(term_counts(texts), membership, n_categories, top)


#: A column describes a category when its mean there is at least this many standard
#: deviations from its mean over all rows.
DISTINCTIVE_BELOW = 0.5
#: The value standing for "missing" in a column's effects (the tabular encoder marks missing
#: values, so categories can form around them).
MISSING_VALUE = "\x00missing"


def _effects(
    features: pd.DataFrame, membership: np.ndarray, n_categories: int
) -> tuple[np.ndarray, list[tuple[str, str | None]]]:
    """(n_categories, n_effects): how far each category's mean lies from the mean over all
    rows, in standard deviations, for each numeric column (floats; NaN missing) and each value
    of each categorical column (objects), taken as its 0/1 indicator; with a (column, value)
    per effect (value None for numeric columns). Never more than one column at a time is
    expanded, so a wide table with many values costs no more memory than its categories."""
    assigned = membership >= 0
    groups = membership[assigned]
    sizes = np.bincount(groups, minlength=n_categories)
    effects, keys = [], []

    def indicators(name: str, values: list[str], codes: np.ndarray) -> None:
        """The effects of the 0/1 indicators of ``values`` (each row's code into them in
        ``codes``, -1 for none), as (name, value) each."""
        n_values = len(values)
        shares = np.bincount(codes[codes >= 0], minlength=n_values) / len(codes)
        inside_rows = assigned & (codes >= 0)
        inside = np.bincount(
            membership[inside_rows] * n_values + codes[inside_rows],
            minlength=n_categories * n_values,
        ).reshape(n_categories, n_values)
        for k in np.flatnonzero((shares > 0) & (shares < 1)):
            share = shares[k]
            with np.errstate(invalid="ignore", divide="ignore"):
                effects.append((inside[:, k] / sizes - share) / np.sqrt(share * (1.0 - share)))
            keys.append((name, values[k]))

    for name in features.columns:
        column = features[name]
        if column.dtype != object:
            values = as_numbers(column).to_numpy(dtype=np.float64)
            values = np.where(np.isfinite(values), values, np.nan)
            indicators(str(name), [MISSING_VALUE], np.where(np.isnan(values), 0, -1))
            spread = np.nanstd(values) if np.isfinite(values).any() else 0.0
            if not spread > 0:
                continue
            means = pd.Series(values[assigned]).groupby(groups).mean()
            effect = np.full(n_categories, np.nan)
            effect[means.index.to_numpy()] = (means.to_numpy() - np.nanmean(values)) / spread
            effects.append(effect)
            keys.append((str(name), None))
            continue
        codes, uniques = pd.factorize(column.where(column.isna(), column.astype(str)))
        codes = np.where(codes < 0, len(uniques), codes)  # missing: one value more
        indicators(str(name), [*map(str, uniques), MISSING_VALUE], codes)
    if not effects:
        return np.zeros((n_categories, 0)), []
    return np.column_stack(effects), keys


def distinctive_columns(
    features: pd.DataFrame, membership: np.ndarray, n_categories: int, top: int = 8
) -> list[list[str]]:
    """Per category, up to ``top`` descriptions of the columns that set it apart (see the
    module), most distinctive first: ``high NAME`` / ``low NAME`` for numeric columns,
    (``late NAME`` / ``early NAME`` for dates), ``NAME = VALUE`` for a categorical value
    over-represented there, ``NAME missing`` where
    missing values are; only effects of at least ``DISTINCTIVE_BELOW`` standard deviations."""
    effects, keys = _effects(features, membership, n_categories)
    dates = {str(c) for c in features.columns if is_date_column(features[c])}
    out: list[list[str]] = [[] for _ in range(n_categories)]
    for c in range(n_categories):
        effect = np.where(np.isfinite(effects[c]), effects[c], 0.0)
        for j in np.argsort(-np.abs(effect), kind="stable")[:top]:
            name, value = keys[j]
            if abs(effect[j]) < DISTINCTIVE_BELOW or (value is not None and effect[j] < 0):
                continue
            if value is None:
                high, low = ("late", "early") if name in dates else ("high", "low")
                out[c].append(f"{high if effect[j] > 0 else low} {name}")
            elif value == MISSING_VALUE:
                out[c].append(f"{name} missing")
            else:
                out[c].append(f"{name} = {value}")
    return out


def majority_labels(
    labels: Labels, membership: np.ndarray, n_categories: int
) -> list[tuple[str | None, float | None]]:
    """Per category, the commonest given label and its share of the labeled rows there
    ((None, None) when no row there is labeled)."""
    labeled = (labels.codes >= 0) & (membership >= 0)
    table = sp.csr_matrix(
        (np.ones(labeled.sum()), (membership[labeled], labels.codes[labeled])),
        shape=(n_categories, labels.n_classes),
    ).toarray()
    out = []
    for c in range(n_categories):
        total = table[c].sum()
        if total == 0:
            out.append((None, None))
            continue
        best = int(table[c].argmax())
        out.append((str(labels.classes[best]), float(table[c, best] / total)))
    return out


def vocabulary_matches(
    centers: np.ndarray, term_vectors: np.ndarray, terms: Sequence[str], top: int = 3
) -> list[list[tuple[str, float]]]:
    """Per category, the ``top`` vocabulary terms most similar to its prototype, with the
    cosine similarity. ``term_vectors`` are L2-normalised, row for row with ``terms``."""
    similarity = centers @ term_vectors.T
    order = np.argsort(-similarity, axis=1)[:, :top]
    return [
        [(str(terms[j]), float(similarity[c, j])) for j in order[c]] for c in range(len(centers))
    ]


#: A category takes a vocabulary term other than its closest, so that no two share one, only
#: when that term's cosine similarity is at most this much below the closest's.
VOCABULARY_MARGIN = 0.05


def vocabulary_names(centers: np.ndarray, term_vectors: np.ndarray) -> np.ndarray:
    """Per category (prototype in ``centers``), the position of the vocabulary term naming
    it: one term per category where the vocabulary allows (the one-to-one assignment of most
    total similarity), unless that term is more than ``VOCABULARY_MARGIN`` less similar than
    the category's closest, which it then takes (two categories may share a name)."""
    from scipy.optimize import linear_sum_assignment

    similarity = centers @ term_vectors.T
    chosen = similarity.argmax(axis=1)
    rows, cols = linear_sum_assignment(-similarity)
    close = similarity[rows, cols] >= similarity[rows, chosen[rows]] - VOCABULARY_MARGIN
    chosen[rows[close]] = cols[close]
    return chosen


def exemplars(
    vectors: np.ndarray, membership: np.ndarray, centers: np.ndarray, top: int = 3
) -> list[np.ndarray]:
    """Per category, the positions of its ``top`` rows closest to its prototype."""
    out = []
    for c in range(len(centers)):
        members = np.flatnonzero(membership == c)
        closeness = vectors[members] @ centers[c].astype(vectors.dtype)
        out.append(members[np.argsort(-closeness)[:top]])
    return out


def read_vocabulary(path: str | Path) -> list[str]:
    """Candidate names, one per line (blank lines and lines starting with # ignored)."""
    if not isinstance(path, str | Path):
        raise InvalidParameterError(
            f"The 'vocabulary' is a text file of one term per line: give its path (got a "
            f"{type(path).__name__})."
        )
    file = Path(path)
    if file.is_dir():
        raise UnreadableDataError(f"The vocabulary {str(path)!r} is a folder, not a text file.")
    if not file.is_file():
        raise DataFileNotFoundError(
            f"Vocabulary file {str(path)!r} does not exist (expected one term per line)."
        )
    text = read_unicode(file, "Save the vocabulary as UTF-8 text.")
    terms = [line.strip() for line in text.splitlines()]
    terms = list(dict.fromkeys(t for t in terms if t and not t.startswith("#")))
    if not terms:
        raise UnreadableDataError(
            f"Vocabulary file {path!r} holds no terms (expected one per line)."
        )
    return terms
