"""The shared kNN graph: exact for small data, HNSW beyond, with measured recall."""

from siftkit.neighbors.graph import EXACT_THRESHOLD, KnnGraph, build_graph, measure_recall

__all__ = ["EXACT_THRESHOLD", "KnnGraph", "build_graph", "measure_recall"]
