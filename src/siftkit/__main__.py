"""``python -m siftkit`` runs the ``sift`` command line."""

from siftkit.cli import main

main(prog_name="sift")
