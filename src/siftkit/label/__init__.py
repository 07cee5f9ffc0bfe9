"""Labels from almost nothing: keywords, descriptions, a handful of labeled rows."""

from siftkit.label.transductive import TransductiveLabeler

__all__ = ["TransductiveLabeler"]
