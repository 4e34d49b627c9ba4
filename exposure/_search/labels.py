"""The fewest-cameras and trade-off search: best-first label setting over (node, cameras met, metres) (numba)."""

from __future__ import annotations

import heapq

import numba
import numpy as np

from exposure._search._bits import _EPS, _ONE, _ROUND, _grow, _low_index, _now, _room

__all__ = ["camera_search", "still_to_meet"]


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


@numba.njit(cache=True)
def _expand(lab: int, n_labels: int, labels: tuple[np.ndarray, ...], masks: np.ndarray, words: np.ndarray,
            heap: list[tuple[float, float, np.int64]], graph: tuple[np.ndarray, ...],
            groups: tuple[np.ndarray, ...], bound: tuple[np.ndarray, ...], head: np.ndarray, budget: float,
            mode: int, best_count: int, scratch: tuple[np.ndarray, np.ndarray], greed: float) -> int:
    """Push the label's children that are within the budget and not dominated; returns the labels made so far.

    There must be room for one child per edge leaving the label's node.
    """
    out_ptr, out_edge, e_v, e_len, e_mask, e_words, node_x, node_y, dt = graph
    lab_node, lab_count, lab_len, lab_key, lab_parent, lab_edge, nxt = labels
    frac, touched = scratch
    v, count, length = int(lab_node[lab]), int(lab_count[lab]), lab_len[lab]
    below = 0
    for j in range(out_ptr[v], out_ptr[v + 1]):
        below = max(below, bound[0][e_v[out_edge[j]]])
    n_t = _gather(masks, lab, below, bound, frac, touched)
    for j in range(out_ptr[v], out_ptr[v + 1]):
        e = out_edge[j]
        w_node = int(e_v[e])
        new_len = length + e_len[e]
        if new_len + dt[w_node] > budget + _EPS:
            continue
        new_count, rest = _child(e, lab, n_labels, count, masks, e_mask, bound[0][w_node], groups[0], bound, frac,
                                 touched, n_t)
        key = max(new_count + rest, lab_key[lab])  # a label's routes are some of its parent's
        words[n_labels] = words[lab] | e_words[e]
        if (mode == 1 and key >= best_count) or _dominated(
                w_node, n_labels, new_count, new_len, head, nxt, lab_count, lab_len, masks, words, node_x[w_node],
                node_y[w_node], budget, groups):
            continue
        lab_node[n_labels], lab_count[n_labels], lab_len[n_labels] = w_node, new_count, new_len
        lab_key[n_labels], lab_parent[n_labels], lab_edge[n_labels] = key, lab, e
        if mode == 0:
            first = float(key) if greed == 1.0 else new_count + greed * rest
            heapq.heappush(heap, (first, new_len + dt[w_node], np.int64(n_labels)))
        else:
            heapq.heappush(heap, (new_len + dt[w_node], float(new_count), np.int64(n_labels)))
        n_labels += 1
    for i in range(n_t):
        frac[touched[i]] = 0.0
    return n_labels


@numba.njit(cache=True, nogil=True)
def camera_search(graph: tuple[np.ndarray, ...], groups: tuple[np.ndarray, ...], bound: tuple[np.ndarray, ...],
                  source: int, target: int, budget: float, mode: int, stop_count: int, deadline: float,
                  max_labels: int, greed: float) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int,
                                                          int]:
    """Best-first label-setting search over (node, counted camera groups, metres walked).

    ``graph`` is ``(out_ptr, out_edge, e_v, e_len, e_mask, e_words, node_x, node_y, dt)``,
    ``groups`` ``(g_weight, g_cx, g_cy, g_rad, g_tail)`` and ``bound`` what
    :func:`~exposure._search.moats.moat_bound` returns. ``mode`` 0 finds the route
    past the least camera weight, ties by length: labels leave the queue by (weight
    so far + cameras still to meet, metres so far + metres to go), so the first
    label to reach the target is optimal, and the key of the last label to leave is
    a proven lower bound when the search stops early. ``mode`` 1 finds the trade-off
    set: labels leave by metres, so routes reach the target shortest first, and one
    is kept whenever it meets less weight than every shorter one; it stops once a
    route with at most ``stop_count`` reaches the target. Labels over the length
    budget, dominated ones and (mode 1) ones that cannot beat the last kept route
    are dropped. With ``greed`` > 1 (mode 0) labels leave by weight so far +
    ``greed`` x cameras still to meet instead: a quick dive for a good route, not
    proven optimal (weighted A*, within ``greed`` times the optimum).

    Returns the status (0 proven, 1 time limit, 2 label limit, 3 no route), the kept
    routes' weights, lengths and edges (``ptr`` into ``edges``), the number of labels
    made and (mode 0) the proven lower bound on the weight.
    """
    out_ptr, dt = graph[0], graph[8]
    cap = 1024
    labels: tuple[np.ndarray, ...] = (
        np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.float64),
        np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64),
        np.empty(cap, dtype=np.int64))
    masks = np.zeros((cap, graph[4].shape[1]), dtype=np.uint64)
    words = np.zeros(cap, dtype=np.uint64)  # which mask words a label has bits in (word w as bit w % 64)
    head = np.full(len(dt), -1, dtype=np.int64)
    scratch = (np.zeros(len(bound[1]) + 1, dtype=np.float64), np.empty(len(bound[1]) + 1, dtype=np.int64))
    found = np.empty(0, dtype=np.int64)
    f0 = _moat_rest(bound[0][source], scratch[0], scratch[1], 0, bound)
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
        v, count = int(labels[0][lab]), int(labels[1][lab])
        if mode == 0 and greed == 1.0:
            lower = max(lower, int(k1))
        elif labels[3][lab] >= best_count:
            continue
        if _dominated(v, lab, count, labels[2][lab], head, labels[6], labels[1], labels[2], masks, words,
                      graph[6][v], graph[7][v], budget, groups):
            continue
        labels[6][lab] = head[v]
        head[v] = lab
        if v == target:
            found = np.append(found, lab)
            best_count = count
            if mode == 0 or count <= stop_count:
                break
            continue
        room = _room(n_labels + out_ptr[v + 1] - out_ptr[v], cap, max_labels)
        if room < 0:
            status = 2
            break
        if room > cap:
            cap = room
            labels, masks, words = _grow_labels(labels, masks, words, cap)
        n_labels = _expand(lab, n_labels, labels, masks, words, heap, graph, groups, bound, head, budget, mode,
                           best_count, scratch, greed)
    return _finish(status, mode if greed == 1.0 else 2, found, labels, n_labels, lower)


@numba.njit(cache=True)
def _finish(status: int, mode: int, found: np.ndarray, labels: tuple[np.ndarray, ...], n_labels: int,
            lower: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    if len(found) == 0 and status == 0:
        status = 3 if mode != 1 else 0
    ptr, edges = _trace(found, labels[4], labels[5])
    lab_count, lab_len = labels[1], labels[2]
    if mode == 0 and status == 0:
        lower = int(lab_count[found[0]])
    return status, lab_count[found].copy(), lab_len[found].copy(), ptr, edges, n_labels, lower


def still_to_meet(bound: tuple[np.ndarray, ...], node: int, met: np.ndarray, n_words: int) -> int:
    """Camera weight any route from ``node`` must still meet once it has met the groups ``met`` (booleans).

    What :func:`camera_search` orders and prunes its labels by; for tests and diagnostics.
    """
    masks = np.zeros((1, n_words), dtype=np.uint64)
    met_groups = np.flatnonzero(np.asarray(met, dtype=bool))
    np.bitwise_or.at(masks[0], met_groups // 64, np.left_shift(np.uint64(1), (met_groups % 64).astype(np.uint64)))
    frac = np.zeros(len(bound[1]) + 1, dtype=np.float64)
    touched = np.empty(len(bound[1]) + 1, dtype=np.int64)
    below = int(bound[0][node])
    n_t = _gather(masks, 0, below, bound, frac, touched)
    return int(_moat_rest(below, frac, touched, n_t, bound))
