"""Empty rows: rows with nothing to embed (a blank text), flagged as such.

A blank text is embedded as the zero vector (:func:`siftkit.embed.base.has_content`): it sits
nowhere, so its neighbours are arbitrary. The other analyses give such rows no verdict — no
category, no predicted label, not an outlier, a duplicate or a label error — and this one says
why: ``is_empty``.
"""

from __future__ import annotations

from siftkit.detectors.base import Context, Detector, Result, register_detector


@register_detector
class EmptyRows(Detector):
    """Flags the rows without content (``is_empty``): fill them in or drop them."""

    name = "empty_rows"
    requires = ("embeddings",)
    columns = ("is_empty",)

    def run(self, context: Context) -> Result:
        empty = ~context.with_content
        return Result(
            columns={"is_empty": empty},
            summary={"count": int(empty.sum()), "share": round(float(empty.mean()), 4)},
        )
