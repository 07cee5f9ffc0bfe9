"""siftkit: find out what is in a dataset and what is wrong with it."""

__version__ = "0.1.0"

from siftkit.audit import audit  # noqa: E402
from siftkit.data import Dataset, load  # noqa: E402
from siftkit.jobs import discover_categories, label_rows  # noqa: E402
from siftkit.results import Audit  # noqa: E402
from siftkit.results import open_run as open  # noqa: E402,A001

__all__ = [
    "Audit",
    "Dataset",
    "__version__",
    "audit",
    "discover_categories",
    "label_rows",
    "load",
    "open",
]
