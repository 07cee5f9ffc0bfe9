"""Exact duplicates: rows whose content is identical after normalisation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from siftkit.detectors.base import Context, Detector, Result, register_detector


def first_occurrence(hashes: np.ndarray) -> np.ndarray:
    """For each row, the position of the first row with the same hash, shape (n_rows,)."""
    codes, uniques = pd.factorize(hashes)
    first = np.full(len(uniques), len(hashes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(hashes)))
    return first[codes]


def first_copy(context: Context) -> np.ndarray:
    """For each row, the position of the first row with the same content, shape (n_rows,),
    read-only; a row without content (see :attr:`Context.with_content`) repeats nothing: its
    own. Computed once per run (``duplicates`` and ``near_duplicates`` both ask)."""

    def compute() -> np.ndarray:
        first = first_occurrence(context.content_hashes)
        first = np.where(context.with_content, first, np.arange(context.n_rows))
        first.setflags(write=False)
        return first

    return context.shared_result("first_copy", compute)


@register_detector
class ExactDuplicates(Detector):
    """Flags every row that repeats an earlier row (``is_duplicate``); the first copy stays
    unflagged. Texts are compared after NFKC normalisation, case folding and whitespace
    collapsing; other data by the hash of its feature values. Blank texts are empty rows
    (``empty_rows``), not copies of each other."""

    name = "duplicates"
    requires = ()
    columns = ("is_duplicate",)

    def run(self, context: Context) -> Result:
        first = first_copy(context)
        is_duplicate = first != np.arange(len(first))
        n_groups = len(np.unique(first[is_duplicate]))
        return Result(
            columns={"is_duplicate": is_duplicate},
            summary={
                "count": int(is_duplicate.sum()),
                "n_groups": n_groups,
                "share": round(float(is_duplicate.mean()), 4),
            },
        )
