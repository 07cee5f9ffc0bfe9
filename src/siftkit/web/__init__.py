"""The local explorer: ``sift serve OUT`` (see :mod:`siftkit.web.server`)."""

from siftkit.web.server import make_server

__all__ = ["make_server"]
