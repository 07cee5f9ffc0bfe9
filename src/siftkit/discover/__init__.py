"""Category discovery: clusters without a given number, named, in a hierarchy, guided by
a few labels when there are some."""

from siftkit.discover import naming
from siftkit.discover.estimator import CategoryDiscovery, partial_labels
from siftkit.discover.hierarchy import Level

__all__ = ["CategoryDiscovery", "Level", "naming", "partial_labels"]
