"""Detectors: plugins that score every row for one kind of problem."""

from siftkit.detectors import (  # noqa: F401
    clusters,
    duplicates,
    empty_rows,
    label_errors,
    labeling,
    near_duplicates,
    outliers,
)
from siftkit.detectors.base import (
    Context,
    Detector,
    Result,
    available_detectors,
    detector_classes,
    get_detector,
    register_detector,
)
from siftkit.detectors.runner import DetectorRun, InvalidResultError, run_detectors

__all__ = [
    "Context",
    "Detector",
    "DetectorRun",
    "InvalidResultError",
    "Result",
    "available_detectors",
    "detector_classes",
    "get_detector",
    "register_detector",
    "run_detectors",
]
