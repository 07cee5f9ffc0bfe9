"""Helpers every benchmark shares: arguments, timing, child processes, markdown reports.

A benchmark measures siftkit against a named baseline on the same data in the same run,
prints markdown tables as it goes, and writes them to ``benchmarks/results/<name>.md``
(``<name>.quick.md`` for a ``--quick`` smoke run, so it never replaces a full result).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SCRATCH_ROOT = Path(tempfile.gettempdir()) / "siftbench"
MIB = 1024 * 1024


# --- arguments and scratch space ---------------------------------------------------------


def argument_parser(description: str) -> argparse.ArgumentParser:
    """A parser with the options every benchmark takes, ``--quick`` and ``--keep``; a
    benchmark adds its own before parsing."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="a small version, for smoke-testing the script"
    )
    parser.add_argument(
        "--keep", action="store_true", help=f"keep the scratch folder under {SCRATCH_ROOT}"
    )
    return parser


def parse_args(description: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The options every benchmark takes: ``--quick`` and ``--keep``."""
    return argument_parser(description).parse_args(argv)


@contextmanager
def scratch_dir(name: str, keep: bool = False) -> Iterator[Path]:
    """A fresh folder under ``/tmp/siftbench`` (outside the repository), removed afterwards
    unless ``keep``."""
    SCRATCH_ROOT.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=SCRATCH_ROOT))
    try:
        yield path
    finally:
        if keep:
            print(f"\n(scratch folder kept: {path})", file=sys.stderr)
        else:
            shutil.rmtree(path, ignore_errors=True)


# --- timing -------------------------------------------------------------------------------


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """Run ``fn`` once; return (wall seconds, its result)."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best_of_interleaved(
    variants: Mapping[str, Callable[[], Any]], repeats: int = 2
) -> dict[str, tuple[float, Any]]:
    """Time each variant ``repeats`` times in rounds (A, B, C, A, B, C...), so a slow spell
    on a shared machine hits every variant alike; return each one's fastest time and the
    result of that run, by name."""
    best: dict[str, tuple[float, Any]] = {}
    for _ in range(repeats):
        for name, fn in variants.items():
            seconds, result = timed(fn)
            if name not in best or seconds < best[name][0]:
                best[name] = (seconds, result)
    return best


# --- child processes ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChildRun:
    """A finished child process: exit code, wall time, and its own peak resident memory."""

    command: list[str]
    returncode: int
    wall_s: float
    peak_rss_bytes: int
    stdout: str
    stderr: str

    @property
    def peak_rss_gib(self) -> float:
        return self.peak_rss_bytes / (1024 * MIB)

    def check(self) -> ChildRun:
        """Raise with the tail of stderr when the command failed; return self otherwise."""
        if self.returncode != 0:
            tail = "\n".join(self.stderr.strip().splitlines()[-15:])
            raise RuntimeError(f"{' '.join(self.command)} exited {self.returncode}:\n{tail}")
        return self


def run_child(
    command: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> ChildRun:
    """Run ``command`` and measure it: wall time and the peak RSS of that child alone.

    The peak comes from ``wait4`` on the child's pid, not ``RUSAGE_CHILDREN``, which holds
    the maximum over every child this process ever waited for. Output goes through files,
    so a chatty child cannot block on a full pipe.
    """
    full_env = {**os.environ, **(env or {})}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(list(command), stdout=out, stderr=err, env=full_env, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS
    scale = 1 if sys.platform == "darwin" else 1024
    return ChildRun(
        command=list(command),
        returncode=process.returncode,
        wall_s=wall,
        peak_rss_bytes=usage.ru_maxrss * scale,
        stdout=stdout,
        stderr=stderr,
    )


def sift_command() -> list[str]:
    """The ``sift`` command line of this interpreter's environment (``python -m siftkit``)."""
    return [sys.executable, "-m", "siftkit"]


# --- detection metrics --------------------------------------------------------------------


@dataclass(frozen=True)
class FlagScores:
    """Precision, recall and F1 of boolean flags against the truth; precision is None when
    nothing was flagged (F1 is then 0)."""

    precision: float | None
    recall: float | None
    f1: float | None
    n_flagged: int


def flag_scores(flags: Any, truth: Any) -> FlagScores:
    """Precision, recall and F1 of ``flags`` (bool array, or None: not available)."""
    import numpy as np

    if flags is None:
        return FlagScores(None, None, None, 0)
    flags, truth = np.asarray(flags, dtype=bool), np.asarray(truth, dtype=bool)
    hits, n_flagged, n_true = int((flags & truth).sum()), int(flags.sum()), int(truth.sum())
    precision = hits / n_flagged if n_flagged else None
    recall = hits / n_true if n_true else None
    f1 = 2 * hits / (n_flagged + n_true) if n_flagged + n_true else None
    return FlagScores(precision, recall, f1, n_flagged)


def ranking_scores(scores: Any, truth: Any) -> tuple[float | None, float | None]:
    """(AUROC, AUPRC = average precision) of ``scores`` (higher = more likely true), or
    Nones when the scores are missing or the truth holds one class only."""
    import numpy as np
    from sklearn.metrics import average_precision_score, roc_auc_score

    truth = np.asarray(truth, dtype=bool)
    if scores is None or truth.all() or not truth.any():
        return None, None
    scores = np.asarray(scores, dtype=np.float64)
    return float(roc_auc_score(truth, scores)), float(average_precision_score(truth, scores))


# --- formatting ---------------------------------------------------------------------------


def markdown_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None
) -> str:
    """A GitHub markdown table. ``align`` holds one of ``l``/``r`` per column (default: the
    first column left, the rest right)."""
    align = align or "l" + "r" * (len(headers) - 1)
    cells = [[str(c) for c in headers]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        padded = (
            c.ljust(w) if a == "l" else c.rjust(w)
            for c, w, a in zip(row, widths, align, strict=True)
        )
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (w + 1) + ":" if a == "r" else ":" + "-" * (w + 1)
            for w, a in zip(widths, align, strict=True)
        )
        + "|"
    )
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value).replace("|", "\\|")


def seconds(value: float) -> str:
    """Seconds with sensible precision."""
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 100 else f"{value:.1f}"


def percent(value: float, signed: bool = False) -> str:
    return f"{value:+.1f}%" if signed else f"{value:.1f}%"


NA = "n/a"


def fmt(value: float | None, digits: int = 3, signed: bool = False) -> str:
    """A number with ``digits`` decimals, or "n/a" for None or NaN."""
    if value is None or value != value:
        return NA
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def verdict(ok: bool) -> str:
    return "met" if ok else "**MISSED**"


def machine_description() -> dict[str, str]:
    """What the numbers were measured on (absolute times drift between machines and runs)."""
    import faiss
    import numpy as np
    import onnxruntime

    import siftkit

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            names = [
                line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")
            ]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    memory = ""
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        memory = (
            f", {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 1024**3:.0f} GiB RAM"
        )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "load average at start (1, 5, 15 min)": load,
        "machine": f"{os.cpu_count()} CPUs ({cpu}){memory}, {platform.system()} "
        f"{platform.release()}",
        "software": (
            f"siftkit {siftkit.__version__}, Python {platform.python_version()}, numpy "
            f"{np.__version__}, onnxruntime {onnxruntime.__version__}, faiss {faiss.__version__}"
        ),
    }


class Report:
    """Markdown written as the benchmark goes: printed at once, saved by :meth:`save`."""

    def __init__(self, name: str, title: str, *, quick: bool, details: Mapping[str, str]) -> None:
        self.name = name
        self.quick = quick
        self._parts: list[str] = []
        header = {**({"mode": "--quick (smoke test, small sizes)"} if quick else {}), **details}
        header.update(machine_description())
        self.add(f"# {title}\n\n" + "\n".join(f"- **{k}**: {v}" for k, v in header.items()))

    def add(self, text: str) -> None:
        """Append a block (a paragraph, a heading or a table) and print it."""
        block = text.strip("\n")
        self._parts.append(block)
        print(block + "\n", flush=True)

    def section(self, title: str, text: str = "") -> None:
        self.add(f"## {title}" + (f"\n\n{text}" if text else ""))

    def table(
        self, headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None
    ) -> None:
        self.add(markdown_table(headers, rows, align))

    @property
    def path(self) -> Path:
        return RESULTS_DIR / f"{self.name}{'.quick' if self.quick else ''}.md"

    def save(self) -> Path:
        """Write the report to ``benchmarks/results/`` (atomically), noting the load average."""
        if hasattr(os, "getloadavg"):
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            self.add(f"_Load average at the end (1, 5, 15 min): {load}._")
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text("\n\n".join(self._parts) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)
        print(f"(written to {self.path})", file=sys.stderr)
        return self.path
