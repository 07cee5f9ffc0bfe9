"""Rendering: the HTML report reads a run and writes nothing itself."""

from siftkit.report.html import render_report

__all__ = ["render_report"]
