"""Exact label-setting searches behind the camera-counting route objectives (numba kernels; private)."""

from __future__ import annotations

import heapq
import time
from typing import NamedTuple

import numba
import numpy as np

__all__ = [
    "STATUS",
    "CameraProblem",
    "SearchResult",
    "adjacency",
    "camera_search",
    "ellipse_distances",
    "moat_bound",
    "view_search",
    "warm_up",
]

#: What a search's status code means.
STATUS = {0: "proven", 1: "time limit", 2: "label limit", 3: "no route"}

_ONE = np.uint64(1)
_MAGIC = np.uint64(0x03F79D71B4CB0A89)
_SHIFT = np.uint64(58)
# position of the lowest set bit, by de Bruijn multiplication (x & -x) * magic >> 58
_DEBRUIJN = np.array([
    0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4, 62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24,
    18, 12, 5, 63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11, 46, 26, 40, 15, 34, 20, 31, 10, 25,
    14, 19, 9, 13, 8, 7, 6,
], dtype=np.int64)
_EPS = 1e-9
# a bound is rounded up to whole cameras only past this much float noise, so that it never exceeds the truth
_ROUND = 1e-6


@numba.njit(cache=True, inline="always")
def _low_index(low: np.uint64) -> int:
    return _DEBRUIJN[(low * _MAGIC) >> _SHIFT]


@numba.njit(cache=True)
def _now() -> float:
    t = 0.0
    with numba.objmode(t="float64"):
        t = time.perf_counter()
    return t


@numba.njit(cache=True)
def _grow(a: np.ndarray, size: int) -> np.ndarray:
    out = np.empty((size, *a.shape[1:]), dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


# --- walking distances within the detour ellipse --------------------------------------------------


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


# --- the lower bound: moats around the target -------------------------------------------------------


@numba.njit(cache=True)
def _absorb(stack: np.ndarray, top: int, enter: np.ndarray, k: int, in_ptr: np.ndarray, in_edge: np.ndarray,
            e_u: np.ndarray, fresh: np.ndarray, in_bnd: np.ndarray, bnd: np.ndarray, n_bnd: int) -> int:
    """Grow the moat over edges no unopened group sees; edges still seen join its boundary (returns its size)."""
    while top > 0:
        top -= 1
        x = stack[top]
        for j in range(in_ptr[x], in_ptr[x + 1]):
            e = in_edge[j]
            y = e_u[e]
            if enter[y] >= 0:
                continue
            if fresh[e] == 0:
                enter[y] = k
                stack[top] = y
                top += 1
            elif not in_bnd[e]:
                in_bnd[e] = True
                bnd[n_bnd] = e
                n_bnd += 1
    return n_bnd


@numba.njit(cache=True)
def _boundary_groups(bnd: np.ndarray, n_bnd: int, in_bnd: np.ndarray, enter: np.ndarray, e_u: np.ndarray,
                     fresh: np.ndarray, ep: np.ndarray, eg: np.ndarray, opened: np.ndarray, stamp: np.ndarray, k: int,
                     members: np.ndarray, share: np.ndarray) -> tuple[int, int]:
    """Drop boundary edges the moat has swallowed; list the unopened groups on the rest.

    ``share[g]`` becomes the fewest unopened groups on any boundary edge ``g`` is on:
    charging ``g`` a ``1 / share[g]`` part of the moat's value gives every
    boundary edge at least the whole value. Returns the boundary size and the
    number of groups listed in ``members``.
    """
    kept = 0
    n_mem = 0
    for i in range(n_bnd):
        e = bnd[i]
        if enter[e_u[e]] >= 0 or fresh[e] == 0:
            in_bnd[e] = False
            continue
        bnd[kept] = e
        kept += 1
        for j in range(ep[e], ep[e + 1]):
            g = eg[j]
            if opened[g]:
                continue
            if stamp[g] != k:
                stamp[g] = k
                members[n_mem] = g
                n_mem += 1
                share[g] = fresh[e]
            share[g] = min(share[g], fresh[e])
    return kept, n_mem


@numba.njit(cache=True)
def _open(g: int, k: int, opened: np.ndarray, gp: np.ndarray, ge: np.ndarray, fresh: np.ndarray, in_bnd: np.ndarray,
          e_u: np.ndarray, enter: np.ndarray, stack: np.ndarray, top: int) -> int:
    """Open group ``g``: boundary edges it alone still blocked let their tails into the moat. Returns the stack top."""
    opened[g] = True
    for j in range(gp[g], gp[g + 1]):
        e = ge[j]
        fresh[e] -= 1
        if fresh[e] == 0 and in_bnd[e] and enter[e_u[e]] < 0:
            enter[e_u[e]] = k
            stack[top] = e_u[e]
            top += 1
    return top


@numba.njit(cache=True, nogil=True)
def moat_bound(in_ptr: np.ndarray, in_edge: np.ndarray, e_u: np.ndarray, ep: np.ndarray, eg: np.ndarray,
               gp: np.ndarray, ge: np.ndarray, g_weight: np.ndarray, target: int, source: int) -> tuple[
                   np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A lower bound on the cameras still to meet: moats grown around the target (primal-dual on cuts).

    Moat ``k`` is every node that reaches the target on edges whose groups are all
    opened. Every route from outside it crosses one of its boundary edges and meets
    every unopened group there. Its value ``ys[k]`` is charged to those groups, each
    a ``1 / share`` part where ``share`` is the fewest unopened groups on a boundary
    edge it is on, so that any boundary edge carries the whole value; it is as large
    as the groups' remaining weight allows, and groups whose weight is used up open,
    which grows the next moat. No group is charged more than its weight, so a route
    from a node outside moats ``0..k-1`` meets at least ``ys[0] + ... + ys[k-1]``
    cameras, less what groups it already met were charged for those moats (see
    :func:`camera_search`). Growth stops once the source is inside.

    Returns ``enter`` (the first moat each node is in: its bound is ``cum[enter]``),
    ``ys``, ``cum`` (running sums of ``ys``) and, per group, its charges as CSR
    ``r_ptr`` into ``r_step`` (the moat) and ``r_part`` (the part of its value).
    """
    n = len(in_ptr) - 1
    n_groups = len(g_weight)
    enter = np.full(n, -1, dtype=np.int64)
    res = g_weight.astype(np.float64)
    opened = np.zeros(n_groups, dtype=np.bool_)
    fresh = ep[1:] - ep[:-1]
    in_bnd = np.zeros(len(e_u), dtype=np.bool_)
    bnd = np.empty(len(e_u), dtype=np.int64)
    share = np.zeros(n_groups, dtype=np.int64)
    stamp = np.full(n_groups, -1, dtype=np.int64)
    members = np.empty(n_groups, dtype=np.int64)
    ys = np.empty(64, dtype=np.float64)
    rec_g = np.empty(1024, dtype=np.int64)
    rec_k = np.empty(1024, dtype=np.int64)
    rec_p = np.empty(1024, dtype=np.float64)
    n_rec = 0
    stack = np.empty(n, dtype=np.int64)
    stack[0] = target
    top = 1
    enter[target] = 0
    n_bnd = 0
    k = 0
    while True:
        n_bnd = _absorb(stack, top, enter, k, in_ptr, in_edge, e_u, fresh, in_bnd, bnd, n_bnd)
        top = 0
        if enter[source] >= 0:
            break
        n_bnd, n_mem = _boundary_groups(bnd, n_bnd, in_bnd, enter, e_u, fresh, ep, eg, opened, stamp, k, members,
                                        share)
        if n_mem == 0:
            break
        y = np.inf
        for i in range(n_mem):
            y = min(y, res[members[i]] * share[members[i]])
        if k == len(ys):
            ys = _grow(ys, 2 * k)
        ys[k] = y
        if n_rec + n_mem > len(rec_g):
            rec_g = _grow(rec_g, 2 * (n_rec + n_mem))
            rec_k = _grow(rec_k, 2 * (n_rec + n_mem))
            rec_p = _grow(rec_p, 2 * (n_rec + n_mem))
        for i in range(n_mem):
            g = members[i]
            rec_g[n_rec] = g
            rec_k[n_rec] = k
            rec_p[n_rec] = 1.0 / share[g]
            n_rec += 1
            res[g] -= y / share[g]
            if res[g] <= 1e-9 * g_weight[g]:
                top = _open(g, k + 1, opened, gp, ge, fresh, in_bnd, e_u, enter, stack, top)
        k += 1
    # nodes the moats never reached before the source did lie outside all of them
    for v in range(n):
        if enter[v] < 0:
            enter[v] = k
    cum = np.zeros(k + 1, dtype=np.float64)
    for i in range(k):
        cum[i + 1] = cum[i] + ys[i]
    # charges grouped by group, in moat order
    r_ptr = np.zeros(n_groups + 1, dtype=np.int64)
    for i in range(n_rec):
        r_ptr[rec_g[i] + 1] += 1
    r_ptr = np.cumsum(r_ptr)
    r_step = np.empty(n_rec, dtype=np.int64)
    r_part = np.empty(n_rec, dtype=np.float64)
    fill = r_ptr[:-1].copy()
    for i in range(n_rec):
        g = rec_g[i]
        r_step[fill[g]] = rec_k[i]
        r_part[fill[g]] = rec_p[i]
        fill[g] += 1
    return enter, ys[:k].copy(), cum, r_ptr, r_step, r_part


# --- the fewest-cameras and trade-off search ------------------------------------------------------


@numba.njit(cache=True, inline="always")
def _live_extra(masks: np.ndarray, row2: int, row1: int, words2: np.uint64, length2: float, vx: float, vy: float,
                budget: float, groups: tuple[np.ndarray, ...], cap: int) -> int:
    """Weight of the groups label 2 counted and label 1 did not that a route on from label 2 could meet again.

    A group can be met again only if some route from the node reaches one of its
    edges and still arrives within the budget: at least the straight-line distance
    to the circle around its edges' tails, plus its cheapest edge-and-onward
    distance to the target. ``words2`` marks the mask words label 2 has bits in
    (word ``w`` as bit ``w % 64``). Stops early once the weight exceeds ``cap``.
    """
    g_weight, g_cx, g_cy, g_rad, g_tail = groups
    n_words = masks.shape[1]
    extra = 0
    todo = words2
    while todo:
        low_w = todo & (~todo + _ONE)
        for w in range(_low_index(low_w), n_words, 64):
            x = masks[row2, w] & ~masks[row1, w]
            while x:
                low = x & (~x + _ONE)
                g = w * 64 + _low_index(low)
                d = max(np.sqrt((vx - g_cx[g]) ** 2 + (vy - g_cy[g]) ** 2) - g_rad[g], 0.0)
                if length2 + d + g_tail[g] <= budget + _EPS:
                    extra += g_weight[g]
                    if extra > cap:
                        return extra
                x ^= low
        todo ^= low_w
    return extra


@numba.njit(cache=True)
def _dominated(v: int, row: int, count: int, length: float, head: np.ndarray, nxt: np.ndarray,
               lab_count: np.ndarray, lab_len: np.ndarray, masks: np.ndarray, words: np.ndarray, vx: float,
               vy: float, budget: float, groups: tuple[np.ndarray, ...]) -> bool:
    """Whether a label kept at ``v`` is at least as good as this one for every way on.

    Label 1 dominates label 2 when it is no longer and, whatever the rest of the
    route meets, never counts more: ``count1 + weight(live groups only 2 counted) <= count2``.
    """
    other = head[v]
    while other >= 0:
        if lab_len[other] <= length + _EPS and lab_count[other] <= count:
            cap = count - lab_count[other]
            if _live_extra(masks, row, other, words[row], length, vx, vy, budget, groups, cap) <= cap:
                return True
        other = nxt[other]
    return False


@numba.njit(cache=True)
def _add_charges(g: int, below: int, r_ptr: np.ndarray, r_step: np.ndarray, r_part: np.ndarray, frac: np.ndarray,
                 touched: np.ndarray, n_t: int, sign: float) -> int:
    """Add (``sign`` 1) or remove (-1) group ``g``'s parts of the moats below ``below``; returns the touched count."""
    for q in range(r_ptr[g], r_ptr[g + 1]):
        s = r_step[q]
        if s >= below:
            break
        if sign > 0 and frac[s] == 0.0:
            touched[n_t] = s
            n_t += 1
        frac[s] += sign * r_part[q]
    return n_t


@numba.njit(cache=True)
def _gather(masks: np.ndarray, lab: int, below: int, bound: tuple[np.ndarray, ...], frac: np.ndarray,
            touched: np.ndarray) -> int:
    """Parts of moats below ``below`` that the label's groups were charged; returns how many moats are touched."""
    r_ptr, r_step, r_part = bound[3], bound[4], bound[5]
    n_t = 0
    for w in range(masks.shape[1]):
        x = masks[lab, w]
        while x:
            low = x & (~x + _ONE)
            n_t = _add_charges(w * 64 + _low_index(low), below, r_ptr, r_step, r_part, frac, touched, n_t, 1.0)
            x ^= low
    return n_t


@numba.njit(cache=True)
def _moat_rest(kw: int, frac: np.ndarray, touched: np.ndarray, n_t: int, bound: tuple[np.ndarray, ...]) -> int:
    """Cameras a route from a node outside moats ``0..kw-1`` must still meet, given the charged parts in ``frac``.

    A route crosses each moat on an edge whose unopened groups together carry its
    whole value; the groups it already met carry at most ``frac`` of it.
    """
    ys, cum = bound[1], bound[2]
    if kw <= 0:
        return 0
    lost = 0.0
    for i in range(n_t):
        s = touched[i]
        if s < kw:
            lost += ys[s] * min(frac[s], 1.0)
    return max(0, int(np.ceil(cum[kw] - lost - _ROUND)))


@numba.njit(cache=True)
def _child(e: int, lab: int, child: int, count: int, masks: np.ndarray, e_mask: np.ndarray, kw: int,
           g_weight: np.ndarray, bound: tuple[np.ndarray, ...], frac: np.ndarray, touched: np.ndarray,
           n_t: int) -> tuple[int, int]:
    """Write the child's groups (the label's and the edge's); its count and the cameras it must still meet."""
    r_ptr, r_step, r_part = bound[3], bound[4], bound[5]
    added = 0
    n_c = n_t
    for w in range(masks.shape[1]):
        fresh = e_mask[e, w] & ~masks[lab, w]
        masks[child, w] = masks[lab, w] | e_mask[e, w]
        while fresh:
            low = fresh & (~fresh + _ONE)
            g = w * 64 + _low_index(low)
            added += g_weight[g]
            n_c = _add_charges(g, kw, r_ptr, r_step, r_part, frac, touched, n_c, 1.0)
            fresh ^= low
    rest = _moat_rest(kw, frac, touched, n_c, bound)
    # undo the edge's groups: the parent's charges stay for its other children
    for w in range(masks.shape[1]):
        fresh = e_mask[e, w] & ~masks[lab, w]
        while fresh:
            low = fresh & (~fresh + _ONE)
            _add_charges(w * 64 + _low_index(low), kw, r_ptr, r_step, r_part, frac, touched, n_c, -1.0)
            fresh ^= low
    for i in range(n_t, n_c):
        frac[touched[i]] = 0.0
    return count + added, rest


@numba.njit(cache=True)
def _trace(found_label: np.ndarray, lab_parent: np.ndarray, lab_edge: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The edges of each found label's route, as ``ptr`` into ``edges``."""
    ptr = np.zeros(len(found_label) + 1, dtype=np.int64)
    for i in range(len(found_label)):
        lab = found_label[i]
        steps = 0
        while lab_parent[lab] >= 0:
            steps += 1
            lab = lab_parent[lab]
        ptr[i + 1] = ptr[i] + steps
    edges = np.empty(ptr[-1], dtype=np.int64)
    for i in range(len(found_label)):
        lab = found_label[i]
        pos = ptr[i + 1]
        while lab_parent[lab] >= 0:
            pos -= 1
            edges[pos] = lab_edge[lab]
            lab = lab_parent[lab]
    return ptr, edges


@numba.njit(cache=True)
def _grow_labels(labels: tuple[np.ndarray, ...], masks: np.ndarray, words: np.ndarray, cap: int) -> tuple[
        tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    node, count, length, key, parent, edge, nxt = labels
    return ((_grow(node, cap), _grow(count, cap), _grow(length, cap), _grow(key, cap), _grow(parent, cap),
             _grow(edge, cap), _grow(nxt, cap)), _grow(masks, cap), _grow(words, cap))


@numba.njit(cache=True, nogil=True)
def camera_search(graph: tuple[np.ndarray, ...], groups: tuple[np.ndarray, ...], bound: tuple[np.ndarray, ...],
                  source: int, target: int, budget: float, mode: int, stop_count: int, deadline: float,
                  max_labels: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Best-first label-setting search over (node, counted camera groups, metres walked).

    ``graph`` is ``(out_ptr, out_edge, e_v, e_len, e_mask, e_words, node_x, node_y, dt)``,
    ``groups`` ``(g_weight, g_cx, g_cy, g_rad, g_tail)`` and ``bound`` what
    :func:`moat_bound` returns. ``mode`` 0 finds the route past the least camera
    weight, ties by length: labels leave the queue by (weight so far + cameras still
    to meet, metres so far + metres to go), so the first label to reach the target
    is optimal, and the key of the last label to leave is a proven lower bound when
    the search stops early. ``mode`` 1 finds the trade-off set: labels leave by
    metres, so routes reach the target shortest first, and one is kept whenever it
    meets less weight than every shorter one; it stops once a route with at most
    ``stop_count`` reaches the target. Labels over the length budget, dominated
    ones and (mode 1) ones that cannot beat the last kept route are dropped.

    Returns the status (see :data:`STATUS`), the kept routes' weights, lengths and
    edges (``ptr`` into ``edges``), the number of labels made and (mode 0) the
    proven lower bound on the weight.
    """
    out_ptr, out_edge, e_v, e_len, e_mask, e_words, node_x, node_y, dt = graph
    g_weight = groups[0]
    enter = bound[0]
    cap = 1024
    labels: tuple[np.ndarray, ...] = (
              np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.float64),
              np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64),
              np.empty(cap, dtype=np.int64))
    masks = np.zeros((cap, e_mask.shape[1]), dtype=np.uint64)
    words = np.zeros(cap, dtype=np.uint64)  # which mask words a label has bits in (word w as bit w % 64)
    head = np.full(len(dt), -1, dtype=np.int64)
    frac = np.zeros(len(bound[1]) + 1, dtype=np.float64)
    touched = np.empty(len(bound[1]) + 1, dtype=np.int64)
    found = np.empty(0, dtype=np.int64)
    f0 = _moat_rest(enter[source], frac, touched, 0, bound)
    labels[0][0], labels[1][0], labels[2][0], labels[3][0], labels[4][0], labels[5][0] = source, 0, 0.0, f0, -1, -1
    heap = [(float(f0), dt[source], np.int64(0))] if mode == 0 else [(dt[source], 0.0, np.int64(0))]
    n_labels, best_count, status, pops, lower = 1, np.iinfo(np.int64).max, 0, 0, f0
    while heap:
        pops += 1
        if pops & 1023 == 1 and _now() > deadline:  # at the first pop, then every 1024
            status = 1
            break
        k1, _k2, popped = heapq.heappop(heap)
        lab = int(popped)
        lab_node, lab_count, lab_len, lab_key, lab_parent, lab_edge, nxt = labels
        v, count, length = int(lab_node[lab]), int(lab_count[lab]), lab_len[lab]
        if mode == 0:
            lower = max(lower, int(k1))
        elif lab_key[lab] >= best_count:
            continue
        if _dominated(v, lab, count, length, head, nxt, lab_count, lab_len, masks, words, node_x[v], node_y[v],
                      budget, groups):
            continue
        nxt[lab] = head[v]
        head[v] = lab
        if v == target:
            found = np.append(found, lab)
            best_count = count
            if mode == 0 or count <= stop_count:
                break
            continue
        below = 0
        for j in range(out_ptr[v], out_ptr[v + 1]):
            below = max(below, enter[e_v[out_edge[j]]])
        n_t = _gather(masks, lab, below, bound, frac, touched)
        for j in range(out_ptr[v], out_ptr[v + 1]):
            e = out_edge[j]
            w_node = int(e_v[e])
            new_len = length + e_len[e]
            if new_len + dt[w_node] > budget + _EPS:
                continue
            if n_labels == cap:
                if cap >= max_labels:
                    status = 2
                    break
                cap = min(2 * cap, max_labels)
                labels, masks, words = _grow_labels(labels, masks, words, cap)
                lab_node, lab_count, lab_len, lab_key, lab_parent, lab_edge, nxt = labels
            new_count, rest = _child(e, lab, n_labels, count, masks, e_mask, enter[w_node], g_weight, bound, frac,
                                     touched, n_t)
            key = max(new_count + rest, lab_key[lab])  # a label's routes are some of its parent's
            words[n_labels] = words[lab] | e_words[e]
            if (mode == 1 and key >= best_count) or _dominated(
                    w_node, n_labels, new_count, new_len, head, nxt, lab_count, lab_len, masks, words,
                    node_x[w_node], node_y[w_node], budget, groups):
                continue
            lab_node[n_labels], lab_count[n_labels], lab_len[n_labels] = w_node, new_count, new_len
            lab_key[n_labels], lab_parent[n_labels], lab_edge[n_labels] = key, lab, e
            first = float(key) if mode == 0 else new_len + dt[w_node]
            heapq.heappush(heap, (first, new_len + dt[w_node] if mode == 0 else float(new_count),
                                  np.int64(n_labels)))
            n_labels += 1
        for i in range(n_t):
            frac[touched[i]] = 0.0
        if status == 2:
            break
    if len(found) == 0 and status == 0:
        status = 3 if mode == 0 else 0
    ptr, edges = _trace(found, labels[4], labels[5])
    lab_count, lab_len = labels[1], labels[2]
    if mode == 0 and status == 0:
        lower = int(lab_count[found[0]])
    return status, lab_count[found].copy(), lab_len[found].copy(), ptr, edges, n_labels, lower


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

    Returns the status (see :data:`STATUS`), the route's edges and the labels made.
    """
    cap = 1024
    lab_node = np.empty(cap, dtype=np.int64)
    lab_view = np.empty(cap, dtype=np.float64)
    lab_len = np.empty(cap, dtype=np.float64)
    lab_parent = np.empty(cap, dtype=np.int64)
    lab_edge = np.empty(cap, dtype=np.int64)
    nxt = np.empty(cap, dtype=np.int64)
    head = np.full(len(dt), -1, dtype=np.int64)
    n_labels = 1
    lab_node[0] = source
    lab_view[0] = 0.0
    lab_len[0] = 0.0
    lab_parent[0] = -1
    lab_edge[0] = -1
    heap = [(hv[source], dt[source], np.int64(0))]
    status = 3
    best = -1
    pops = 0
    while heap:
        pops += 1
        if pops & 1023 == 1 and _now() > deadline:  # at the first pop, then every 1024
            status = 1
            break
        _k1, _k2, popped = heapq.heappop(heap)
        lab = int(popped)
        v = int(lab_node[lab])
        view = lab_view[lab]
        length = lab_len[lab]
        other = head[v]
        beaten = False
        while other >= 0:
            if lab_view[other] <= view + _EPS and lab_len[other] <= length + _EPS:
                beaten = True
                break
            other = nxt[other]
        if beaten:
            continue
        nxt[lab] = head[v]
        head[v] = lab
        if v == target:
            best = lab
            status = 0
            break
        for j in range(out_ptr[v], out_ptr[v + 1]):
            e = out_edge[j]
            w_node = int(e_v[e])
            new_len = length + e_len[e]
            new_view = view + e_view[e]
            if new_len + dt[w_node] > budget + _EPS or new_view + hv[w_node] > upper_view + _EPS:
                continue
            if n_labels == cap:
                if cap >= max_labels:
                    status = 2
                    break
                cap = min(2 * cap, max_labels)
                lab_node = _grow(lab_node, cap)
                lab_view = _grow(lab_view, cap)
                lab_len = _grow(lab_len, cap)
                lab_parent = _grow(lab_parent, cap)
                lab_edge = _grow(lab_edge, cap)
                nxt = _grow(nxt, cap)
            child = n_labels
            lab_node[child] = w_node
            lab_view[child] = new_view
            lab_len[child] = new_len
            lab_parent[child] = lab
            lab_edge[child] = e
            n_labels += 1
            heapq.heappush(heap, (new_view + hv[w_node], new_len + dt[w_node], np.int64(child)))
        if status == 2:
            break
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
    return status, edges, n_labels


# --- the Python side: one problem per query, built from the detour ellipse ------------------------


_WARM: set[str] = set()


def warm_up(*, cameras: bool = True, view: bool = True) -> None:
    """Load (or compile, the first time on a machine) the kernels, so that no time limit pays for it.

    numba compiles each kernel once and caches the machine code beside this module;
    loading it still takes a few tenths of a second on a process's first call.
    ``cameras`` loads the fewest-cameras and trade-off kernels, ``view`` the
    least-in-view one.
    """
    if cameras and "cameras" not in _WARM:
        path = CameraProblem(u=np.array([0, 1]), v=np.array([1, 2]), length_m=np.array([1.0, 1.0]),
                             pair_edge=np.array([0]), pair_camera=np.array([0]), node_xy=np.zeros((3, 2)),
                             to_target_m=np.array([2.0, 1.0, 0.0]), source=0, target=2)
        path.search(budget_m=3.0, mode=0)
        path.search(budget_m=3.0, mode=1)
        _WARM.add("cameras")
    if view and "view" not in _WARM:
        line = np.array([1.0, 1.0])
        ptr, order = adjacency(np.array([0, 1]), 3)
        view_search(ptr, order, np.array([1, 2]), line, line, np.array([2.0, 1.0, 0.0]), np.array([2.0, 1.0, 0.0]),
                    0, 2, 3.0, 3.0, np.inf, 1024)
        _WARM.add("view")


def adjacency(tail: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges grouped by the node they leave: ``order[ptr[x]:ptr[x + 1]]`` are the edges with ``tail == x``."""
    order = np.argsort(tail, kind="stable").astype(np.int64)
    ptr = np.r_[0, np.cumsum(np.bincount(tail, minlength=n_nodes))].astype(np.int64)
    return ptr, order


class SearchResult(NamedTuple):
    """What :meth:`CameraProblem.search` found.

    ``status`` is a value of :data:`STATUS`; ``found`` the routes kept, as
    (camera weight, metres, local edges); ``labels`` how many search labels were
    made; ``lower`` (fewest-cameras search) a proven lower bound on the weight of
    any route within the budget: the weight of the route found when proven, else
    what the search had ruled out when it stopped.
    """

    status: str
    found: list[tuple[int, float, np.ndarray]]
    labels: int
    lower: int


class CameraProblem:
    """A fewest-cameras query in array form: the ellipse's edges, camera groups as bits, bounds.

    Cameras that see exactly the same edges of the ellipse form one group, counted
    with its number of cameras; each edge carries the bitmask of the groups that
    see it. Built once per query and shared by the fewest-cameras search and the
    trade-off search.

    Parameters
    ----------
    u, v
        Local node index of each edge's start and end.
    length_m
        Edge lengths.
    pair_edge, pair_camera
        One row per (edge, FRT-capable camera seeing it).
    node_xy
        Projected position of each local node.
    to_target_m
        Shortest walk from each local node to the target.
    source, target
        Local node indices.
    """

    def __init__(self, *, u: np.ndarray, v: np.ndarray, length_m: np.ndarray, pair_edge: np.ndarray,
                 pair_camera: np.ndarray, node_xy: np.ndarray, to_target_m: np.ndarray, source: int,
                 target: int) -> None:
        n, k = len(node_xy), len(u)
        self.source, self.target = int(source), int(target)
        self.length_m = np.ascontiguousarray(length_m, dtype=np.float64)
        self.e_v = np.ascontiguousarray(v, dtype=np.int64)
        self.e_u = np.ascontiguousarray(u, dtype=np.int64)
        self.out_ptr, self.out_edge = adjacency(u, n)
        self.in_ptr, self.in_edge = adjacency(v, n)
        self.node_x = np.ascontiguousarray(node_xy[:, 0], dtype=np.float64)
        self.node_y = np.ascontiguousarray(node_xy[:, 1], dtype=np.float64)
        self.dt = np.ascontiguousarray(to_target_m, dtype=np.float64)

        # group cameras by the exact set of ellipse edges they see
        order = np.lexsort((pair_edge, pair_camera))
        pe, pc = pair_edge[order], pair_camera[order]
        cams, first = np.unique(pc, return_index=True)
        bounds = np.r_[first, len(pc)]
        group_of: dict[bytes, int] = {}
        cam_group = np.empty(len(cams), dtype=np.int64)
        for i in range(len(cams)):
            key = pe[bounds[i] : bounds[i + 1]].tobytes()
            cam_group[i] = group_of.setdefault(key, len(group_of))
        n_groups = len(group_of)
        self.n_groups = n_groups
        self.group_weight = np.bincount(cam_group, minlength=n_groups).astype(np.int64)
        self.cameras = cams  # global camera index per camera in a group, for callers
        self.camera_group = cam_group
        n_words = max(1, (n_groups + 63) // 64)
        self.e_mask = np.zeros((k, n_words), dtype=np.uint64)
        pair_group = cam_group[np.searchsorted(cams, pc)]
        eg = np.unique(pe * max(n_groups, 1) + pair_group)
        ge, gg = eg // max(n_groups, 1), eg % max(n_groups, 1)
        np.bitwise_or.at(self.e_mask, (ge, gg // 64), np.left_shift(np.uint64(1), (gg % 64).astype(np.uint64)))
        # which mask words each edge has bits in (word w as bit w % 64), to skip empty words
        used = np.nonzero(self.e_mask)
        self.e_words = np.zeros(k, dtype=np.uint64)
        np.bitwise_or.at(self.e_words, used[0], np.left_shift(np.uint64(1), (used[1] % 64).astype(np.uint64)))

        # where each group can be met again: a circle around its edges' tails and the cheapest way on
        tail = self.e_u[ge]
        cost_on = self.length_m[ge] + self.dt[self.e_v[ge]]
        cnt = np.bincount(gg, minlength=n_groups).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            cx = np.bincount(gg, weights=self.node_x[tail], minlength=n_groups) / cnt
            cy = np.bincount(gg, weights=self.node_y[tail], minlength=n_groups) / cnt
        rad = np.zeros(n_groups)
        np.maximum.at(rad, gg, np.hypot(self.node_x[tail] - cx[gg], self.node_y[tail] - cy[gg]))
        g_tail = np.full(n_groups, np.inf)
        np.minimum.at(g_tail, gg, cost_on)
        self.g_cx, self.g_cy, self.g_rad, self.g_tail = cx, cy, rad + 1e-6, g_tail

        # the groups on each edge and the edges of each group, as CSR (ge, gg are sorted by edge, then group)
        ep = np.r_[0, np.cumsum(np.bincount(ge, minlength=k))].astype(np.int64)
        gp = np.r_[0, np.cumsum(np.bincount(gg, minlength=n_groups))].astype(np.int64)
        by_group = ge[np.argsort(gg, kind="stable")].astype(np.int64)
        self.bound = moat_bound(self.in_ptr, self.in_edge, self.e_u, ep, gg.astype(np.int64), gp, by_group,
                                self.group_weight, self.target, self.source)

    def still_to_meet(self, node: int, met: np.ndarray) -> int:
        """Camera weight any route from ``node`` must still meet once it has met the groups ``met`` (booleans).

        What the search uses to order and prune its labels (:func:`camera_search`);
        here for tests and diagnostics.
        """
        masks = np.zeros((1, self.e_mask.shape[1]), dtype=np.uint64)
        groups = np.flatnonzero(np.asarray(met, dtype=bool))
        np.bitwise_or.at(masks[0], groups // 64, np.left_shift(np.uint64(1), (groups % 64).astype(np.uint64)))
        frac = np.zeros(len(self.bound[1]) + 1, dtype=np.float64)
        touched = np.empty(len(self.bound[1]) + 1, dtype=np.int64)
        below = int(self.bound[0][node])
        n_t = _gather(masks, 0, below, self.bound, frac, touched)
        return int(_moat_rest(below, frac, touched, n_t, self.bound))

    @property
    def lower_bound(self) -> int:
        """Camera weight every route from the source must meet (the moats' bound at the source)."""
        enter, cum = self.bound[0], self.bound[2]
        return max(0, int(np.ceil(cum[enter[self.source]] - _ROUND)))

    def search(self, *, budget_m: float, mode: int, stop_count: int = 0, deadline: float = np.inf,
               max_labels: int = 2_000_000) -> SearchResult:
        """Run :func:`camera_search`: the status, the routes found (weight, metres, local edges), labels, bound."""
        graph = (self.out_ptr, self.out_edge, self.e_v, self.length_m, self.e_mask, self.e_words, self.node_x,
                 self.node_y, self.dt)
        groups = (self.group_weight, self.g_cx, self.g_cy, self.g_rad, self.g_tail)
        status, counts, lengths, ptr, edges, n_labels, lower = camera_search(
            graph, groups, self.bound, self.source, self.target, float(budget_m), int(mode), int(stop_count),
            float(min(deadline, 1e300)), int(max_labels),
        )
        found = [(int(counts[i]), float(lengths[i]), edges[ptr[i] : ptr[i + 1]]) for i in range(len(counts))]
        lower = max(int(lower), self.lower_bound) if mode == 0 else self.lower_bound
        return SearchResult(STATUS[int(status)], found, int(n_labels), lower)
