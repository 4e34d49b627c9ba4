"""Exact label-setting searches behind the camera-counting route objectives (numba kernels; private)."""

from __future__ import annotations

import heapq
import time

import numba
import numpy as np

__all__ = ["STATUS", "CameraProblem", "adjacency", "camera_search", "layers_to_target", "view_search", "warm_up"]

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


@numba.njit(cache=True, inline="always")
def _low_index(low: np.uint64) -> int:
    return _DEBRUIJN[(low * _MAGIC) >> _SHIFT]


@numba.njit(cache=True)
def _now() -> float:
    t = 0.0
    with numba.objmode(t="float64"):
        t = time.perf_counter()
    return t


@numba.njit(cache=True, nogil=True)
def layers_to_target(in_ptr: np.ndarray, in_edge: np.ndarray, e_u: np.ndarray, e_mask: np.ndarray,
                     target: int) -> tuple[np.ndarray, np.ndarray]:
    """Rings of camera groups around the target that every route into it must cross, one after another.

    Ring 0 is every node that reaches the target on edges no counted camera sees;
    ring ``j`` every node that reaches it on edges seen only by the groups of
    layers ``1..j``. Layer ``j`` is the set of groups on the edges entering ring
    ``j - 1`` from outside it: a route from a node of ring ``m`` crosses each of
    layers ``1..m`` and meets at least one group of each. The layers are disjoint,
    so a route from there meets at least ``m`` distinct groups: a lower bound.

    Returns the ring of every node (-1: cannot reach the target) and the layers' masks.
    """
    n = len(in_ptr) - 1
    n_words = e_mask.shape[1]
    level = np.full(n, -1, dtype=np.int64)
    opened = np.zeros(n_words, dtype=np.uint64)
    layers = np.zeros((0, n_words), dtype=np.uint64)
    stack = np.empty(n, dtype=np.int64)
    blocked = np.empty(len(e_u), dtype=np.int64)
    n_blocked = 0
    level[target] = 0
    top = 0
    stack[top] = target
    top += 1
    lev = 0
    while True:
        while top > 0:
            top -= 1
            x = stack[top]
            for j in range(in_ptr[x], in_ptr[x + 1]):
                e = in_edge[j]
                y = e_u[e]
                if level[y] >= 0:
                    continue
                free = True
                for w in range(n_words):
                    if e_mask[e, w] & ~opened[w]:
                        free = False
                        break
                if free:
                    level[y] = lev
                    stack[top] = y
                    top += 1
                else:
                    blocked[n_blocked] = e
                    n_blocked += 1
        layer = np.zeros(n_words, dtype=np.uint64)
        any_new = False
        kept = 0
        for i in range(n_blocked):
            e = blocked[i]
            if level[e_u[e]] >= 0:
                continue
            blocked[kept] = e
            kept += 1
            for w in range(n_words):
                fresh = e_mask[e, w] & ~opened[w]
                if fresh:
                    layer[w] |= fresh
                    any_new = True
        n_blocked = kept
        if not any_new:
            break
        lev += 1
        grown = np.empty((layers.shape[0] + 1, n_words), dtype=np.uint64)
        grown[:-1] = layers
        grown[-1] = layer
        layers = grown
        for w in range(n_words):
            opened[w] |= layer[w]
        kept = 0
        for i in range(n_blocked):
            e = blocked[i]
            y = e_u[e]
            if level[y] >= 0:
                continue
            free = True
            for w in range(n_words):
                if e_mask[e, w] & ~opened[w]:
                    free = False
                    break
            if free:
                level[y] = lev
                stack[top] = y
                top += 1
            else:
                blocked[kept] = e
                kept += 1
        n_blocked = kept
    return level, layers


@numba.njit(cache=True, inline="always")
def _bound(v: int, masks: np.ndarray, row: int, level: np.ndarray, layers: np.ndarray,
           layer_w: np.ndarray) -> int:
    """Cameras a route from ``v`` must still meet: one of each layer it has not met a group of."""
    out = 0
    n_words = masks.shape[1]
    for j in range(level[v]):
        met = False
        for w in range(n_words):
            if layers[j, w] & masks[row, w]:
                met = True
                break
        if not met:
            out += layer_w[j]
    return out


@numba.njit(cache=True, inline="always")
def _live_extra(masks: np.ndarray, row2: int, row1: int, length2: float, vx: float, vy: float, budget: float,
                g_weight: np.ndarray, g_cx: np.ndarray, g_cy: np.ndarray, g_rad: np.ndarray, g_tail: np.ndarray,
                cap: int) -> int:
    """Weight of the groups label 2 counted and label 1 did not that a route on from label 2 could meet again.

    A group can be met again only if some route from the node reaches one of its
    edges and still arrives within the budget: at least the straight-line distance
    to the circle around its edges' tails, plus its cheapest edge-and-onward
    distance to the target. Stops early once the weight exceeds ``cap``.
    """
    extra = 0
    for w in range(masks.shape[1]):
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
    return extra


@numba.njit(cache=True)
def _dominated(v: int, row: int, count: int, length: float, head: np.ndarray, nxt: np.ndarray,
               lab_count: np.ndarray, lab_len: np.ndarray, masks: np.ndarray, vx: float, vy: float,
               budget: float, g_weight: np.ndarray, g_cx: np.ndarray, g_cy: np.ndarray, g_rad: np.ndarray,
               g_tail: np.ndarray) -> bool:
    """Whether a label kept at ``v`` is at least as good as this one for every way on.

    Label 1 dominates label 2 when it is no longer and, whatever the rest of the
    route meets, never counts more: ``count1 + weight(live groups only 2 counted) <= count2``.
    """
    other = head[v]
    while other >= 0:
        if lab_len[other] <= length + _EPS and lab_count[other] <= count:
            cap = count - lab_count[other]
            if _live_extra(masks, row, other, length, vx, vy, budget, g_weight, g_cx, g_cy, g_rad, g_tail,
                           cap) <= cap:
                return True
        other = nxt[other]
    return False


@numba.njit(cache=True)
def _grow(a: np.ndarray, size: int) -> np.ndarray:
    out = np.empty((size, *a.shape[1:]), dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


@numba.njit(cache=True, nogil=True)
def camera_search(out_ptr: np.ndarray, out_edge: np.ndarray, e_v: np.ndarray, e_len: np.ndarray,
                  e_mask: np.ndarray, g_weight: np.ndarray, g_cx: np.ndarray, g_cy: np.ndarray, g_rad: np.ndarray,
                  g_tail: np.ndarray, node_x: np.ndarray, node_y: np.ndarray, dt: np.ndarray, level: np.ndarray,
                  layers: np.ndarray, layer_w: np.ndarray, source: int, target: int, budget: float, mode: int,
                  stop_count: int, deadline: float, max_labels: int) -> tuple[
                      int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Best-first label-setting search over (node, counted camera groups, metres walked).

    ``mode`` 0 finds the route past the least camera weight, ties by length: labels
    leave the queue by (weight so far + bound, metres so far + metres to go), so
    the first label to reach the target is optimal. ``mode`` 1 finds the trade-off
    set: labels leave by metres, so routes reach the target shortest first, and one
    is kept whenever it meets less weight than every shorter one; it stops once a
    route with at most ``stop_count`` reaches the target. Labels over the length
    budget, dominated ones and (mode 1) ones that cannot beat the last kept route
    are dropped.

    Returns the status (see :data:`STATUS`), the kept routes' weights, lengths and
    edges (``ptr`` into ``edges``), and the number of labels made.
    """
    n_words = e_mask.shape[1]
    cap = 1024
    lab_node = np.empty(cap, dtype=np.int64)
    lab_count = np.empty(cap, dtype=np.int64)
    lab_len = np.empty(cap, dtype=np.float64)
    lab_parent = np.empty(cap, dtype=np.int64)
    lab_edge = np.empty(cap, dtype=np.int64)
    nxt = np.empty(cap, dtype=np.int64)
    masks = np.zeros((cap, n_words), dtype=np.uint64)
    head = np.full(len(dt), -1, dtype=np.int64)

    found_count = np.empty(0, dtype=np.int64)
    found_len = np.empty(0, dtype=np.float64)
    found_label = np.empty(0, dtype=np.int64)

    n_labels = 1
    lab_node[0] = source
    lab_count[0] = 0
    lab_len[0] = 0.0
    lab_parent[0] = -1
    lab_edge[0] = -1
    h0 = _bound(source, masks, 0, level, layers, layer_w)
    heap = [(float(h0), dt[source], np.int64(0))] if mode == 0 else [(dt[source], 0.0, np.int64(0))]
    best_count = np.iinfo(np.int64).max
    status = 0
    pops = 0
    while heap:
        pops += 1
        if pops & 1023 == 1 and _now() > deadline:  # at the first pop, then every 1024
            status = 1
            break
        _k1, _k2, popped = heapq.heappop(heap)
        lab = int(popped)
        v = int(lab_node[lab])
        count = int(lab_count[lab])
        length = lab_len[lab]
        if mode == 1 and count + _bound(v, masks, lab, level, layers, layer_w) >= best_count:
            continue
        if _dominated(v, lab, count, length, head, nxt, lab_count, lab_len, masks, node_x[v], node_y[v], budget,
                      g_weight, g_cx, g_cy, g_rad, g_tail):
            continue
        nxt[lab] = head[v]
        head[v] = lab
        if v == target:
            m = len(found_count)
            found_count = _grow(found_count, m + 1)
            found_len = _grow(found_len, m + 1)
            found_label = _grow(found_label, m + 1)
            found_count[m] = count
            found_len[m] = length
            found_label[m] = lab
            best_count = count
            if mode == 0 or count <= stop_count:
                break
            continue
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
                lab_node = _grow(lab_node, cap)
                lab_count = _grow(lab_count, cap)
                lab_len = _grow(lab_len, cap)
                lab_parent = _grow(lab_parent, cap)
                lab_edge = _grow(lab_edge, cap)
                nxt = _grow(nxt, cap)
                masks = _grow(masks, cap)
            child = n_labels
            added = 0
            for w in range(n_words):
                fresh = e_mask[e, w] & ~masks[lab, w]
                masks[child, w] = masks[lab, w] | e_mask[e, w]
                while fresh:
                    low = fresh & (~fresh + _ONE)
                    added += g_weight[w * 64 + _low_index(low)]
                    fresh ^= low
            new_count = count + added
            bound = _bound(w_node, masks, child, level, layers, layer_w)
            if mode == 1 and new_count + bound >= best_count:
                continue
            if _dominated(w_node, child, new_count, new_len, head, nxt, lab_count, lab_len, masks, node_x[w_node],
                          node_y[w_node], budget, g_weight, g_cx, g_cy, g_rad, g_tail):
                continue
            lab_node[child] = w_node
            lab_count[child] = new_count
            lab_len[child] = new_len
            lab_parent[child] = lab
            lab_edge[child] = e
            n_labels += 1
            if mode == 0:
                heapq.heappush(heap, (float(new_count + bound), new_len + dt[w_node], np.int64(child)))
            else:
                heapq.heappush(heap, (new_len + dt[w_node], float(new_count), np.int64(child)))
        if status == 2:
            break
    if mode == 0 and len(found_count) == 0 and status == 0:
        status = 3

    ptr = np.zeros(len(found_count) + 1, dtype=np.int64)
    total = 0
    for i in range(len(found_count)):
        lab = found_label[i]
        steps = 0
        while lab_parent[lab] >= 0:
            steps += 1
            lab = lab_parent[lab]
        total += steps
        ptr[i + 1] = total
    edges = np.empty(total, dtype=np.int64)
    for i in range(len(found_count)):
        lab = found_label[i]
        pos = ptr[i + 1]
        while lab_parent[lab] >= 0:
            pos -= 1
            edges[pos] = lab_edge[lab]
            lab = lab_parent[lab]
    return status, found_count, found_len, ptr, edges, n_labels


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

        level, layers = layers_to_target(self.in_ptr, self.in_edge, self.e_u, self.e_mask, self.target)
        self.level = level
        self.layers = layers
        layer_w = np.zeros(len(layers), dtype=np.int64)
        for j in range(len(layers)):
            bits = [w * 64 + b for w in range(n_words) for b in range(64) if int(layers[j, w]) >> b & 1]
            layer_w[j] = int(self.group_weight[bits].min()) if bits else 0
        self.layer_w = layer_w

    @property
    def lower_bound(self) -> int:
        """Camera weight every route from the source must meet (one per layer)."""
        return int(self.layer_w[: max(int(self.level[self.source]), 0)].sum())

    def search(self, *, budget_m: float, mode: int, stop_count: int = 0, deadline: float = np.inf,
               max_labels: int = 2_000_000) -> tuple[str, list[tuple[int, float, np.ndarray]], int]:
        """Run :func:`camera_search`; the status, the routes found (weight, metres, local edges), labels made."""
        status, counts, lengths, ptr, edges, n_labels = camera_search(
            self.out_ptr, self.out_edge, self.e_v, self.length_m, self.e_mask, self.group_weight, self.g_cx,
            self.g_cy, self.g_rad, self.g_tail, self.node_x, self.node_y, self.dt, self.level, self.layers,
            self.layer_w, self.source, self.target, float(budget_m), int(mode), int(stop_count),
            float(min(deadline, 1e300)), int(max_labels),
        )
        found = [(int(counts[i]), float(lengths[i]), edges[ptr[i] : ptr[i + 1]]) for i in range(len(counts))]
        return STATUS[int(status)], found, int(n_labels)
