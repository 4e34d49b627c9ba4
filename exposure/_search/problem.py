"""One fewest-cameras query in array form (camera groups, bounds), its search, and the kernels' warm-up (private)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from exposure._search._bits import _ROUND
from exposure._search.labels import camera_search, still_to_meet
from exposure._search.moats import moat_bound
from exposure._search.paths import adjacency
from exposure._search.view import view_search

__all__ = ["STATUS", "CameraProblem", "SearchResult", "warm_up"]

#: What a search's status code means.
STATUS = {0: "proven", 1: "time limit", 2: "label limit", 3: "no route"}

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


class SearchResult(NamedTuple):
    """What :meth:`CameraProblem.search` found.

    ``status`` is a value of :data:`STATUS` (or "found" for a greedy dive); ``found`` the routes kept, as
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

        What the search orders and prunes its labels by; for tests and diagnostics.
        """
        return still_to_meet(self.bound, node, met, self.e_mask.shape[1])

    @property
    def lower_bound(self) -> int:
        """Camera weight every route from the source must meet (the moats' bound at the source)."""
        enter, cum = self.bound[0], self.bound[2]
        return max(0, int(np.ceil(cum[enter[self.source]] - _ROUND)))

    def search(self, *, budget_m: float, mode: int, stop_count: int = 0, deadline: float = np.inf,
               max_labels: int = 2_000_000, greed: float = 1.0) -> SearchResult:
        """Run :func:`camera_search`: the status, the routes found (weight, metres, local edges), labels, bound.

        ``greed`` > 1 (mode 0) dives for a good route quickly: its status is then
        "found", never "proven".
        """
        graph = (self.out_ptr, self.out_edge, self.e_v, self.length_m, self.e_mask, self.e_words, self.node_x,
                 self.node_y, self.dt)
        groups = (self.group_weight, self.g_cx, self.g_cy, self.g_rad, self.g_tail)
        status, counts, lengths, ptr, edges, n_labels, lower = camera_search(
            graph, groups, self.bound, self.source, self.target, float(budget_m), int(mode), int(stop_count),
            float(min(deadline, 1e300)), int(max_labels), float(greed),
        )
        found = [(int(counts[i]), float(lengths[i]), edges[ptr[i] : ptr[i + 1]]) for i in range(len(counts))]
        exact = mode == 0 and greed == 1.0
        text = "found" if greed != 1.0 and status == 0 else STATUS[int(status)]
        lower = max(int(lower), self.lower_bound) if exact else self.lower_bound
        return SearchResult(text, found, int(n_labels), lower)
