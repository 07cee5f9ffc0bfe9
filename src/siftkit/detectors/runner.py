"""Run detectors over a shared context; record each one's outcome, never let one stop the rest."""

from __future__ import annotations

import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from siftkit.detectors.base import Context, Detector, Result
from siftkit.exceptions import DetectorFailedWarning, InvalidResultError


@dataclass
class DetectorRun:
    """The merged outcome of running several detectors."""

    columns: dict[str, np.ndarray] = field(default_factory=dict)
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def check_result(detector: Detector, result: Result, n_rows: int) -> None:
    """Enforce the contract: declared columns only, one value per row, scores in [0, 1]
    without NaN, flags boolean."""
    declared, produced = set(detector.columns), set(result.columns)
    if declared != produced:
        raise InvalidResultError(
            f"{detector.name} declared columns {sorted(declared)} but returned {sorted(produced)}."
        )
    for name, values in result.columns.items():
        values = np.asarray(values)
        if values.shape != (n_rows,):
            raise InvalidResultError(
                f"{detector.name} returned column {name!r} of shape {values.shape}; expected "
                f"({n_rows},)."
            )
        if name.endswith("_score"):
            if not np.issubdtype(values.dtype, np.floating):
                raise InvalidResultError(f"{detector.name}: {name!r} must hold floats.")
            if not (np.isfinite(values).all() and values.min() >= 0.0 and values.max() <= 1.0):
                raise InvalidResultError(
                    f"{detector.name}: {name!r} must lie in [0, 1] without NaN; got range "
                    f"[{np.nanmin(values)}, {np.nanmax(values)}]."
                )
        if name.startswith("is_") and values.dtype != bool:
            raise InvalidResultError(f"{detector.name}: {name!r} must be boolean.")


def run_detectors(
    context: Context,
    detectors: Sequence[Detector],
    *,
    raise_errors: bool = False,
    on_start: Callable[[str], None] | None = None,
) -> DetectorRun:
    """Run each detector on ``context``; ``on_start(name)`` is told as each begins.

    A detector that cannot run is ``skipped`` with its reason; one that raises is
    ``failed`` with the error (and a :class:`DetectorFailedWarning`), and the others go on.
    ``raise_errors=True`` re-raises instead, for debugging a detector.
    """
    run = DetectorRun()
    for detector in detectors:
        if on_start is not None:
            on_start(detector.name)
        detector.check_params()
        entry: dict[str, Any] = {"parameters": detector.get_params()}
        reason = detector.skip_reason(context)
        start = time.perf_counter()
        if reason is not None:
            entry = {"status": "skipped", "reason": reason, **entry}
        else:
            try:
                result = detector.run(context)
                check_result(detector, result, context.n_rows)
            except Exception as exc:
                if raise_errors:
                    raise
                entry = {
                    "status": "failed",
                    "error": f"{type(exc).__name__}: {exc}",
                    "traceback": traceback.format_exc(limit=-3),
                    **entry,
                }
                warnings.warn(
                    f"Detector {detector.name!r} failed ({type(exc).__name__}: {exc}); the "
                    "other analyses ran. The error is in the run summary.",
                    DetectorFailedWarning,
                    stacklevel=2,
                )
            else:
                entry = {"status": "ok", **result.summary, **entry}
                for name, values in result.columns.items():
                    run.columns[name] = np.asarray(values)
        run.timings[detector.name] = round(time.perf_counter() - start, 4)
        run.summaries[detector.name] = entry
    return run
