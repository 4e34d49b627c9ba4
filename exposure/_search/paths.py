"""Walking distances within a detour ellipse, and edges grouped by the node they leave (numba; private)."""

from __future__ import annotations

import heapq

import numba
import numpy as np

__all__ = ["adjacency", "ellipse_distances"]


def adjacency(tail: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges grouped by the node they leave: ``order[ptr[x]:ptr[x + 1]]`` are the edges with ``tail == x``."""
    order = np.argsort(tail, kind="stable").astype(np.int64)
    ptr = np.r_[0, np.cumsum(np.bincount(tail, minlength=n_nodes))].astype(np.int64)
    return ptr, order


@numba.njit(cache=True, nogil=True)
def ellipse_distances(indptr: np.ndarray, indices: np.ndarray, length: np.ndarray, node_x: np.ndarray,
                      node_y: np.ndarray, source: int, goal: int, factor: float, budget: float,
                      stop: int) -> tuple[np.ndarray, np.ndarray]:
    """Walking metres from ``source`` to every node a route to ``goal`` within ``budget`` metres can pass.

    The network is the CSR ``indptr, indices, length``.
    ``factor`` times the straight line is a lower bound on the walk between any two
    nodes (no street is shorter than ``factor`` times the line between its ends),
    so a node whose distance plus its line to the goal exceeds the budget cannot lie
    on such a route and is not searched beyond: the search covers the ellipse, not
    the disc of radius ``budget``. Nodes are taken in order of that sum (A*), so
    with ``stop`` >= 0 the search ends as soon as that node's distance is final.
    Returns the distances (inf where not searched) and each node's predecessor.
    """
    n = len(indptr) - 1
    dist = np.full(n, np.inf)
    pred = np.full(n, -1, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    gx, gy = node_x[goal], node_y[goal]
    dist[source] = 0.0
    heap = [(factor * np.sqrt((node_x[source] - gx) ** 2 + (node_y[source] - gy) ** 2), 0.0, np.int64(source))]
    while heap:
        _key, d, popped = heapq.heappop(heap)
        v = int(popped)
        if done[v]:
            continue
        done[v] = True
        if v == stop:
            break
        for j in range(indptr[v], indptr[v + 1]):
            w = indices[j]
            nd = d + length[j]
            if nd < dist[w]:
                rest = factor * np.sqrt((node_x[w] - gx) ** 2 + (node_y[w] - gy) ** 2)
                if nd + rest > budget:
                    continue
                dist[w] = nd
                pred[w] = v
                heapq.heappush(heap, (nd + rest, nd, np.int64(w)))
    return dist, pred
