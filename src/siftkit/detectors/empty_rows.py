"""Empty rows: rows with nothing to embed (a blank text, a table row without any value),
flagged as such.

A blank text (or a table row whose every value is missing) is embedded as the zero vector
(:func:`siftkit.embed.base.has_content`): it sits nowhere, so its neighbours are arbitrary. The
other analyses give such rows no verdict — no category, no predicted label, not an outlier, a
duplicate or a label error — and this one says why: ``is_empty``. A text that is not blank can
embed to nothing too, when the encoder knows none of its words: the ``tfidf`` encoder learns
its words from the rows and keeps only those two rows use (from 1,000 rows), so a one-word text
of a rare word is empty to it. The summary counts those apart (``n_unknown_words``), since the
remedy differs: another encoder, not filling the row in.
"""

from __future__ import annotations

import numpy as np

from siftkit._text import is_blank
from siftkit.detectors.base import Context, Detector, Result, register_detector


@register_detector
class EmptyRows(Detector):
    """Flags the rows without content (``is_empty``): fill them in or drop them."""

    name = "empty_rows"
    requires = ("embeddings",)
    columns = ("is_empty",)

    def run(self, context: Context) -> Result:
        empty = ~context.with_content
        summary = {"count": int(empty.sum()), "share": round(float(empty.mean()), 4)}
        if context.texts is not None:
            written = ~np.array([is_blank(text) for text in context.texts], dtype=bool)
            summary["n_unknown_words"] = int((empty & written).sum())
        return Result(columns={"is_empty": empty}, summary=summary)
