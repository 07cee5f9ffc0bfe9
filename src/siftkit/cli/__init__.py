"""The ``sift`` command line. Thin: each command maps to one API call and prints its result."""

from siftkit.cli import data_commands, run_commands  # noqa: F401 (they register the commands)
from siftkit.cli.app import main, print_summary

__all__ = ["main", "print_summary"]
