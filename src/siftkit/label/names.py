"""Class names as words: the names in a label column (``sports``, ``noun.animal``) read as
keywords, when they are words.

A handful of labeled rows says little about where a class lies; when the labels are words the
run's text encoder knows, the class's name says more — the zero-shot reading of label
descriptions ("embed 'a text about {label}'"; METHODS, "Labels from almost nothing"). Names
are not always words: codes (``C12``), numbers, abbreviations. So a run uses them only when
they fit the labeled rows better than chance would: the labeled rows' similarity to their own
class's name, against the same with the names dealt to the classes at random (an exact
permutation test at level ``NAME_TEST_LEVEL``). With fewer than ``MIN_NAMED_CLASSES``
classes no dealing of names can pass it (4 classes have 24 dealings: one in 24 is chance).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from siftkit.discover.refine import prototypes
from siftkit.embed.base import l2_normalize

#: The names fit the labeled rows when chance matches them this well this seldom, at most.
NAME_TEST_LEVEL = 0.01
#: Random dealings of the names the test compares with (all of them when fewer).
NAME_TEST_DEALINGS = 2_000
#: The fewest classes whose names can pass the test (5 classes: 120 dealings).
MIN_NAMED_CLASSES = next(k for k in itertools.count(2) if 1 / math.factorial(k) < NAME_TEST_LEVEL)

_WORD = re.compile(r"[^\W_]+")


def name_texts(classes: Sequence[object]) -> list[str]:
    """Each class name as the words it is made of (split at anything not a letter or digit,
    lower case), without the words every name shares (``noun.animal``, ``noun.plant`` ->
    ``animal``, ``plant``); a name left with no word stays as it is."""
    words = [_WORD.findall(str(name).lower()) for name in classes]
    shared = set.intersection(*(set(w) for w in words)) if len(words) > 1 else set()
    return [
        " ".join(w for w in name_words if w not in shared) or str(name)
        for name, name_words in zip(classes, words, strict=True)
    ]


@dataclass(frozen=True)
class NameFit:
    """How well class names fit the labeled rows: ``p_value`` of the permutation test (None
    when the classes are too few to test), and whether the names are to be used."""

    p_value: float | None
    used: bool

    @property
    def reason(self) -> str:
        if self.p_value is None:
            return (
                f"fewer than {MIN_NAMED_CLASSES} classes with labeled rows: too few to tell "
                "whether their names fit them"
            )
        how = "better than" if self.used else "no better than"
        return (
            f"the names fit the labeled rows {how} chance (permutation test p = {self.p_value:.4f})"
        )


def with_names(prototypes: np.ndarray | None, names: np.ndarray) -> np.ndarray:
    """``prototypes`` (n_classes, n_dims; None: no topics) with each zero row, a class without
    a topic (every class when None), taken by its name's vector from ``names``."""
    if prototypes is None:
        return np.asarray(names)
    unnamed = ~np.any(prototypes != 0, axis=1)
    out = prototypes.copy()
    out[unnamed] = names[unnamed]
    return out


def names_fit(
    vectors: np.ndarray, codes: np.ndarray, names: np.ndarray, random_state: int = 0
) -> NameFit:
    """Whether the class ``names`` (n_classes, n_dims), embedded like the ``vectors`` (n_rows,
    n_dims), fit the labeled rows (``codes``: class code per row, -1 unlabeled) better than
    chance: the sum over classes of the similarity of the class's labeled mean to its own
    name, against the same for ``NAME_TEST_DEALINGS`` random dealings of the names among the
    classes with labeled rows (every dealing when fewer)."""
    classes = np.unique(codes[codes >= 0])
    if len(classes) < MIN_NAMED_CLASSES:
        return NameFit(None, False)
    means = prototypes(vectors, np.clip(codes, 0, None), len(names), members=codes >= 0)
    similarity = means[classes] @ l2_normalize(np.asarray(names, dtype=np.float64))[classes].T
    k = len(classes)
    observed = np.trace(similarity)
    exact = math.factorial(k) <= NAME_TEST_DEALINGS
    if exact:  # every dealing, the observed one among them
        dealings = np.array(list(itertools.permutations(range(k))))
    else:  # random dealings, and the observed one
        rng = np.random.default_rng(random_state)
        dealings = np.array([rng.permutation(k) for _ in range(NAME_TEST_DEALINGS)])
    dealt = similarity[np.arange(k), dealings].sum(axis=1)
    as_well = int((dealt >= observed - 1e-12).sum())
    p_value = as_well / len(dealings) if exact else (1 + as_well) / (1 + len(dealings))
    return NameFit(float(p_value), p_value <= NAME_TEST_LEVEL)
