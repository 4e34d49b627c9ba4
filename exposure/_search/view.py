"""The least-time-in-view search: a resource-constrained shortest path by label setting (numba; private)."""

from __future__ import annotations

import heapq

import numba
import numpy as np

from exposure._search._bits import _EPS, _grow, _now, _room

__all__ = ["view_search"]


@numba.njit(cache=True)
def _beaten(v: int, view: float, length: float, head: np.ndarray, nxt: np.ndarray, lab_view: np.ndarray,
            lab_len: np.ndarray) -> bool:
    """Whether a label kept at ``v`` is no worse on both counts."""
    other = head[v]
    while other >= 0:
        if lab_view[other] <= view + _EPS and lab_len[other] <= length + _EPS:
            return True
        other = nxt[other]
    return False


@numba.njit(cache=True)
def _route(best: int, lab_parent: np.ndarray, lab_edge: np.ndarray) -> np.ndarray:
    steps = 0
    lab = best
    while lab >= 0 and lab_parent[lab] >= 0:
        steps += 1
        lab = lab_parent[lab]
    edges = np.empty(steps, dtype=np.int64)
    lab = best
    pos = steps
    while lab >= 0 and lab_parent[lab] >= 0:
        pos -= 1
        edges[pos] = lab_edge[lab]
        lab = lab_parent[lab]
    return edges


@numba.njit(cache=True)
def _expand_view(lab: int, n_labels: int, labels: tuple[np.ndarray, ...], heap: list[tuple[float, float, np.int64]],
                 graph: tuple[np.ndarray, ...], budget: float, upper_view: float) -> int:
    """Push the label's children within the budget that can still beat ``upper_view``; returns the labels made."""
    out_ptr, out_edge, e_v, e_len, e_view, dt, hv = graph
    lab_node, lab_view, lab_len, lab_parent, lab_edge, _nxt = labels
    v, view, length = int(lab_node[lab]), lab_view[lab], lab_len[lab]
    for j in range(out_ptr[v], out_ptr[v + 1]):
        e = out_edge[j]
        w_node = int(e_v[e])
        new_len = length + e_len[e]
        new_view = view + e_view[e]
        if new_len + dt[w_node] > budget + _EPS or new_view + hv[w_node] > upper_view + _EPS:
            continue
        lab_node[n_labels], lab_view[n_labels], lab_len[n_labels] = w_node, new_view, new_len
        lab_parent[n_labels], lab_edge[n_labels] = lab, e
        heapq.heappush(heap, (new_view + hv[w_node], new_len + dt[w_node], np.int64(n_labels)))
        n_labels += 1
    return n_labels


@numba.njit(cache=True, nogil=True)
def view_search(out_ptr: np.ndarray, out_edge: np.ndarray, e_v: np.ndarray, e_len: np.ndarray, e_view: np.ndarray,
                dt: np.ndarray, hv: np.ndarray, source: int, target: int, budget: float, upper_view: float,
                deadline: float, max_labels: int) -> tuple[int, np.ndarray, int]:
    """Fewest metres in view within the length budget, ties by length: a resource-constrained shortest path.

    Labels (metres in view, metres walked) leave the queue by (in view so far +
    ``hv``, walked + ``dt``), where ``hv`` and ``dt`` are the least in view and the
    shortest walk from each node to the target, so the first label to reach the
    target is optimal. Labels no better than ``upper_view`` (a known route's
    in-view metres) or over the budget are dropped, and so are labels another
    label at the same node beats on both counts.

    Returns the status (0 proven, 1 time limit, 2 label limit, 3 no route), the
    route's edges and the labels made.
    """
    graph = (out_ptr, out_edge, e_v, e_len, e_view, dt, hv)
    cap = 1024
    labels: tuple[np.ndarray, ...] = (
        np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.float64), np.empty(cap, dtype=np.float64),
        np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64))
    head = np.full(len(dt), -1, dtype=np.int64)
    labels[0][0], labels[1][0], labels[2][0], labels[3][0], labels[4][0] = source, 0.0, 0.0, -1, -1
    heap = [(hv[source], dt[source], np.int64(0))]
    n_labels, status, best, pops = 1, 3, -1, 0
    while heap:
        pops += 1
        if pops & 1023 == 1 and _now() > deadline:  # at the first pop, then every 1024
            status = 1
            break
        lab = int(heapq.heappop(heap)[2])
        v = int(labels[0][lab])
        if _beaten(v, labels[1][lab], labels[2][lab], head, labels[5], labels[1], labels[2]):
            continue
        labels[5][lab] = head[v]
        head[v] = lab
        if v == target:
            best, status = lab, 0
            break
        room = _room(n_labels + out_ptr[v + 1] - out_ptr[v], cap, max_labels)
        if room < 0:
            status = 2
            break
        if room > cap:
            cap = room
            labels = (_grow(labels[0], cap), _grow(labels[1], cap), _grow(labels[2], cap), _grow(labels[3], cap),
                      _grow(labels[4], cap), _grow(labels[5], cap))
        n_labels = _expand_view(lab, n_labels, labels, heap, graph, budget, upper_view)
    return status, _route(best, labels[3], labels[4]), n_labels
