"""Walking routes: shortest, fewest FRT cameras (exact), least time in view, and trade-offs."""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from exposure import _search, settings
from exposure._errors import NoRouteError
from exposure._parse import limit_message

if TYPE_CHECKING:
    from exposure.coverage import EdgeExposure
    from exposure.network import NetworkIndex

__all__ = [
    "MEMO_TRIPS",
    "OBJECTIVES",
    "MemoEntry",
    "Route",
    "RouteMemo",
    "RoutingContext",
    "alternative_routes",
    "compare_with_shortest",
    "exposure_profile",
    "fewest_cameras_route",
    "least_in_view_route",
    "route_from_edges",
    "routes",
    "shortest_route",
]

OBJECTIVES = ("shortest", "fewest-cameras", "least-time-in-view")
_TOL = 1e-6


#: How many trips a routing context remembers what its camera searches proved (in memory, per process).
MEMO_TRIPS = 2048


@dataclass
class MemoEntry:
    """What the camera searches proved for one trip, as global edge indices.

    ``fewest`` is the best fewest-camera route known and ``fewest_key`` its (FRT
    cameras, metres); ``proven`` says no route is better; ``lower`` is the fewest
    FRT cameras any route can pass, as far as proven. ``capped`` maps a length
    budget to the fewest-camera route within it (proven), and ``frontier`` holds
    the complete trade-off set once a search proved it.
    """

    fewest: tuple[int, ...] | None = None
    fewest_key: tuple[float, float] = (math.inf, math.inf)
    proven: bool = False
    lower: int = 0
    capped: dict[float, tuple[int, ...]] = field(default_factory=dict)
    frontier: tuple[tuple[int, ...], ...] | None = None


class RouteMemo:
    """Proven answers of the camera searches per trip, so that a request once proven is never answered worse.

    One per routing context, so per dataset, policies, coverage model and closed
    edges; keyed by origin, destination and detour. Held in memory only, never
    written to disk (a pickled context carries an empty one); the least recently
    used of more than ``size`` trips are forgotten. Safe to share between threads.
    """

    def __init__(self, size: int = MEMO_TRIPS) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, int, float], MemoEntry] = OrderedDict()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"size": self.size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["size"])  # type: ignore[misc]

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        """Forget every trip (benchmarks time searches, not the memo)."""
        with self._lock:
            self._items.clear()

    def get(self, key: tuple[int, int, float]) -> MemoEntry:
        """A copy of what is known about the trip (an empty entry when nothing is)."""
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                return MemoEntry()
            self._items.move_to_end(key)
            return dataclasses.replace(entry, capped=dict(entry.capped))

    def learn(self, key: tuple[int, int, float], *, fewest: np.ndarray | None = None,
              fewest_key: tuple[float, float] = (math.inf, math.inf), proven: bool = False, lower: int = 0,
              capped: dict[float, np.ndarray] | None = None, frontier: list[np.ndarray] | None = None) -> None:
        """Keep what a search found, where it is better than what is known."""
        with self._lock:
            entry = self._items.setdefault(key, MemoEntry())
            self._items.move_to_end(key)
            if fewest is not None and (proven or not entry.proven) and fewest_key < entry.fewest_key:
                entry.fewest, entry.fewest_key = tuple(int(e) for e in fewest), fewest_key
            entry.proven = entry.proven or proven
            entry.lower = max(entry.lower, int(lower), int(entry.fewest_key[0]) if entry.proven else 0)
            for c, edges in (capped or {}).items():
                entry.capped[float(c)] = tuple(int(e) for e in edges)
            if frontier is not None:
                entry.frontier = tuple(tuple(int(e) for e in p) for p in frontier)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


@dataclass(frozen=True)
class RoutingContext:
    """Everything a query needs, built once per dataset, policy and coverage model; read-only.

    Parameters
    ----------
    index
        The network in array form.
    exposure
        Per-edge exposure for the counted cameras.
    camera_ids
        Camera id per camera row (aligned with the exposure's camera indices).
    settings
        JSON-able description of the policies and coverage model in force.
    blocked
        Edges no route may use (a boolean per edge), e.g. those entering an area to
        avoid; see :meth:`without`.

    ``memo`` remembers what the camera searches proved per trip (:class:`RouteMemo`).
    """

    index: NetworkIndex
    exposure: EdgeExposure
    camera_ids: np.ndarray
    settings: dict[str, Any]
    blocked: np.ndarray | None = None
    _length_csr: tuple[csr_matrix, np.ndarray] = field(init=False, repr=False)
    _length_csr_reverse: csr_matrix = field(init=False, repr=False)
    out_edges_ptr: np.ndarray = field(init=False, repr=False)
    out_edges: np.ndarray = field(init=False, repr=False)
    memo: RouteMemo = field(init=False, repr=False, compare=False)
    line_factor: float = field(init=False, repr=False)
    node_x: np.ndarray = field(init=False, repr=False)
    node_y: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "memo", RouteMemo())
        keep = None if self.blocked is None else ~np.asarray(self.blocked, dtype=bool)
        m, entry = self.index.csr(self.index.length_m, keep=keep)
        object.__setattr__(self, "_length_csr", (m, entry))
        # distances *to* a node: only lengths are needed, never which edge
        reverse = m.T.tocsr()
        reverse.sort_indices()
        object.__setattr__(self, "_length_csr_reverse", reverse)
        # every usable edge (parallel ones too) leaving each node, to cut the detour ellipse out of a city
        allowed = np.arange(self.index.n_edges) if keep is None else np.flatnonzero(keep)
        ptr, order = _search.adjacency(self.index.edge_u[allowed], self.index.n_nodes)
        object.__setattr__(self, "out_edges_ptr", ptr)
        object.__setattr__(self, "out_edges", allowed[order])
        # no street is shorter than this share of the straight line between its ends (1 but for rounding and
        # projection): the straight line to the destination then bounds every walk there from below
        line = np.hypot(*(self.index.node_xy[self.index.edge_u] - self.index.node_xy[self.index.edge_v]).T)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(line > 0, self.index.length_m / line, np.inf)
        object.__setattr__(self, "line_factor", float(min(1.0, ratio.min(initial=1.0))) * (1.0 - 1e-9))
        object.__setattr__(self, "node_x", np.ascontiguousarray(self.index.node_xy[:, 0], dtype=np.float64))
        object.__setattr__(self, "node_y", np.ascontiguousarray(self.index.node_xy[:, 1], dtype=np.float64))

    def without(self, blocked: np.ndarray) -> RoutingContext:
        """The same context with these edges (a boolean per edge) closed too, for hard constraints.

        Every objective then routes around them; the detour bound is measured from
        the shortest route that avoids them.
        """
        blocked = np.asarray(blocked, dtype=bool)
        if blocked.shape != (self.index.n_edges,):
            msg = f"blocked must be one boolean per edge ({self.index.n_edges}), got shape {blocked.shape}"
            raise ValueError(msg)
        if self.blocked is not None:
            blocked = blocked | self.blocked
        return dataclasses.replace(self, blocked=blocked)

    def length_distances(self, source: int, *, limit: float = np.inf, reverse: bool = False) -> tuple[
            np.ndarray, np.ndarray]:
        """Walking metres from ``source`` to every node (``reverse``: to ``source``)."""
        m = self._length_csr_reverse if reverse else self._length_csr[0]
        dist, pred = dijkstra(m, directed=True, indices=source, return_predecessors=True, limit=limit)
        return dist, pred

    def edge_between(self, a: int, b: int) -> int:
        """The cheapest-by-length edge from node index ``a`` to ``b``."""
        m, entry = self._length_csr
        row = m.indices[m.indptr[a] : m.indptr[a + 1]]
        j = int(np.searchsorted(row, b))
        return int(entry[m.indptr[a] + j])


@dataclass(frozen=True)
class Route:
    """A walking route and its exposure.

    ``cameras``/``camera_ids`` are every counted camera that sees the route;
    ``frt_cameras``/``frt_camera_ids`` those the FRT policy deems capable.
    ``metres_in_view`` is the length within view of an FRT-capable camera (each
    metre once, however many cameras see it); ``metres_in_view_any`` the same for
    any counted camera. ``optimal`` is True when the solver proved the objective
    optimal, False when it stopped early, None when the objective is trivially met.
    ``lower_bound_frt`` (fewest-camera routes only) is the fewest FRT cameras any
    route within the detour bound can pass, as far as the search proved: equal to
    ``frt_cameras`` when proven, lower when it stopped early; ``gap`` is the
    difference ("at most this many cameras from optimal").
    """

    label: str
    objective: str
    edges: tuple[int, ...]
    node_ids: tuple[int, ...]
    length_m: float
    walk_min: float
    cameras: int
    frt_cameras: int
    camera_ids: tuple[str, ...]
    frt_camera_ids: tuple[str, ...]
    metres_in_view: float
    metres_in_view_any: float
    share_in_view: float
    optimal: bool | None
    coordinates: tuple[tuple[float, float], ...]
    notes: tuple[str, ...] = ()
    lower_bound_frt: int | None = None

    @property
    def gap(self) -> int | None:
        """How many FRT cameras fewer than this route's a route could at most pass (0: none fewer); None if unknown."""
        return None if self.lower_bound_frt is None else max(0, self.frt_cameras - self.lower_bound_frt)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (see README)."""
        return {
            "label": self.label,
            "objective": self.objective,
            "length_m": round(self.length_m, 1),
            "walk_min": round(self.walk_min, 1),
            "cameras": self.cameras,
            "frt_cameras": self.frt_cameras,
            "camera_ids": list(self.camera_ids),
            "frt_camera_ids": list(self.frt_camera_ids),
            "metres_in_view": round(self.metres_in_view, 1),
            "metres_in_view_any": round(self.metres_in_view_any, 1),
            "share_in_view": round(self.share_in_view, 4),
            "optimal": self.optimal,
            "lower_bound_frt": self.lower_bound_frt,
            "gap": self.gap,
            "notes": list(self.notes),
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in self.coordinates]},
        }


def route_from_edges(
    ctx: RoutingContext, edges: list[int] | np.ndarray, *, label: str, objective: str,
    optimal: bool | None, notes: tuple[str, ...] = (), lower_bound_frt: int | None = None,
) -> Route:
    """Measure a route given as consecutive edge indices."""
    idx = ctx.index
    edges_arr = np.asarray(edges, dtype=np.int64)
    ex = ctx.exposure
    cams = ex.cameras_on(edges_arr)
    frt = cams[ex.frt[cams]]
    length = float(idx.length_m[edges_arr].sum())
    in_view = float(ex.in_view_m[edges_arr].sum())
    in_view_any = float(ex.in_view_any_m[edges_arr].sum())
    if len(edges_arr):
        nodes = [int(idx.node_ids[idx.edge_u[edges_arr[0]]])]
        nodes += [int(idx.node_ids[v]) for v in idx.edge_v[edges_arr]]
        coords: list[tuple[float, float]] = []
        for e in edges_arr:
            pts = [(round(float(x), 7), round(float(y), 7)) for x, y in idx.edge_lonlat(int(e))]
            coords.extend(pts if not coords else pts[1:])
    else:
        nodes, coords = [], []
    return Route(
        label=label, objective=objective, edges=tuple(int(e) for e in edges_arr), node_ids=tuple(nodes),
        length_m=length, walk_min=length / settings.walk_speed_m_per_min,
        cameras=len(cams), frt_cameras=len(frt),
        camera_ids=tuple(str(c) for c in ctx.camera_ids[cams]),
        frt_camera_ids=tuple(str(c) for c in ctx.camera_ids[frt]),
        metres_in_view=in_view, metres_in_view_any=in_view_any,
        share_in_view=in_view / length if length > 0 else 0.0, optimal=optimal,
        coordinates=tuple(coords), notes=notes, lower_bound_frt=lower_bound_frt,
    )


# --- shortest paths on arrays ------------------------------------------------------------


def _path_nodes(pred: np.ndarray, source: int, target: int) -> list[int]:
    nodes = [target]
    while nodes[-1] != source:
        p = int(pred[nodes[-1]])
        if p < 0:
            msg = "internal error: broken predecessor chain"
            raise AssertionError(msg)
        nodes.append(p)
    return nodes[::-1]


@dataclass(frozen=True)
class _Subgraph:
    """The edges that can lie on a route within the detour bound (the detour ellipse)."""

    edges: np.ndarray  # global edge indices
    u: np.ndarray  # local node index of each edge's start
    v: np.ndarray
    nodes: np.ndarray  # global node index per local index
    source: int
    target: int
    budget_m: float
    shortest_m: float
    to_target_m: np.ndarray  # shortest walk from each local node to the target

    def position(self, edges: list[int] | np.ndarray) -> np.ndarray:
        """Local positions of global edge indices (which must lie in the ellipse)."""
        order = np.argsort(self.edges)
        return order[np.searchsorted(self.edges, np.asarray(edges, dtype=np.int64), sorter=order)]


def _sub_csr(sub: _Subgraph, cost: np.ndarray, *, reverse: bool = False) -> tuple[csr_matrix, np.ndarray]:
    """The ellipse as a matrix keeping the cheapest of parallel edges, and the edge behind each entry."""
    n = len(sub.nodes)
    a, b = (sub.v, sub.u) if reverse else (sub.u, sub.v)
    order = np.lexsort((cost, b, a))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (a[order][1:] != a[order][:-1]) | (b[order][1:] != b[order][:-1])
    chosen = order[first]
    m = csr_matrix((np.maximum(cost[chosen], 1e-12), (a[chosen], b[chosen])), shape=(n, n))
    m.sort_indices()
    return m, chosen


def _sub_shortest(sub: _Subgraph, cost: np.ndarray) -> np.ndarray | None:
    """Cheapest route within the subgraph for per-edge ``cost``; None if unreachable."""
    m, chosen = _sub_csr(sub, cost)
    dist, pred = dijkstra(m, directed=True, indices=sub.source, return_predecessors=True)
    if not np.isfinite(dist[sub.target]):
        return None
    path = _path_nodes(pred, sub.source, sub.target)
    edges = []
    for a, b in zip(path[:-1], path[1:], strict=True):
        lo, hi = m.indptr[a], m.indptr[a + 1]
        j = lo + int(np.searchsorted(m.indices[lo:hi], b))
        edges.append(int(chosen[j]))
    return np.asarray(edges, dtype=np.int64)  # local edge positions


def _sub_to_target(sub: _Subgraph, cost: np.ndarray) -> np.ndarray:
    """Least ``cost`` from every local node to the target, within the subgraph."""
    m, _ = _sub_csr(sub, cost, reverse=True)
    return np.asarray(dijkstra(m, directed=True, indices=sub.target), dtype=float)


def _detour_subgraph(ctx: RoutingContext, source: int, target: int, max_detour: float) -> tuple[
        _Subgraph, list[int]]:
    """Shortest route plus the subgraph of edges usable within ``(1 + max_detour)`` of it."""
    if not max_detour >= 0:
        msg = f"max_detour must be >= 0 (a fraction: 0.5 means at most 50 % longer), got {max_detour}"
        raise ValueError(msg)
    if not max_detour <= settings.max_detour_allowed:
        msg = limit_message(f"max_detour {max_detour:.3g} (a fraction of the shortest route: 0.5 is 50 % longer)",
                            "max_detour_allowed", "ask for a smaller detour")
        raise ValueError(msg)
    idx = ctx.index
    crow = float(np.hypot(*(idx.node_xy[source] - idx.node_xy[target])))
    if crow > settings.max_trip_km * 1000.0:
        msg = limit_message(f"the origin and the destination are {crow / 1000.0:,.1f} km apart in a straight line",
                            "max_trip_km", "plan a walk between closer points", unit=" km")
        raise NoRouteError(msg)
    forward, backward = ctx._length_csr[0], ctx._length_csr_reverse
    x, y, factor = ctx.node_x, ctx.node_y, ctx.line_factor
    d_s, pred = _search.ellipse_distances(forward.indptr, forward.indices, forward.data, x, y, source, target,
                                          factor, np.inf, target)
    if not np.isfinite(d_s[target]):
        msg = "no walking route connects the origin and the destination in this network"
        raise NoRouteError(msg)
    shortest_m = float(d_s[target])
    budget = (1.0 + max_detour) * shortest_m + _TOL
    path_nodes = _path_nodes(pred, source, target)
    shortest_edges = [ctx.edge_between(a, b) for a, b in zip(path_nodes[:-1], path_nodes[1:], strict=True)]
    # walking distances from the origin and to the destination, only where a route within the budget can pass
    d_o, _ = _search.ellipse_distances(forward.indptr, forward.indices, forward.data, x, y, source, target, factor,
                                       budget, -1)
    d_t, _ = _search.ellipse_distances(backward.indptr, backward.indices, backward.data, x, y, target, source,
                                       factor, budget, -1)
    # only edges leaving a node reached from the origin can qualify: look at those, not the whole city
    reached = np.flatnonzero(np.isfinite(d_o))
    ptr = ctx.out_edges_ptr
    counts = ptr[reached + 1] - ptr[reached]
    first = np.repeat(ptr[reached] - np.r_[0, np.cumsum(counts)[:-1]], counts) + np.arange(int(counts.sum()))
    candidates = ctx.out_edges[first]
    eu, ev = idx.edge_u[candidates], idx.edge_v[candidates]
    ok = (d_o[eu] + idx.length_m[candidates] + d_t[ev] <= budget) & (eu != ev)  # self-loops never help
    edges = np.sort(candidates[ok])
    nodes, inverse = np.unique(np.concatenate([idx.edge_u[edges], idx.edge_v[edges], [source, target]]),
                               return_inverse=True)
    k = len(edges)
    sub = _Subgraph(
        edges=edges, u=inverse[:k], v=inverse[k : 2 * k], nodes=nodes,
        source=int(inverse[2 * k]), target=int(inverse[2 * k + 1]), budget_m=budget, shortest_m=shortest_m,
        to_target_m=d_t[nodes],
    )
    return sub, shortest_edges


def _check_nodes(ctx: RoutingContext, source: int, target: int) -> None:
    n = ctx.index.n_nodes
    for name, node in (("origin", source), ("destination", target)):
        if not 0 <= node < n:
            msg = f"{name} node index {node} is outside the network (0..{n - 1})"
            raise NoRouteError(msg)
    if source == target:
        msg = "origin and destination are the same street node: there is no route to walk"
        raise NoRouteError(msg)


def _deadline(time_limit_s: float | None, *, cameras: bool = True, view: bool = True) -> float:
    # a process's first search loads the compiled kernels it needs: not part of any time limit
    _search.warm_up(cameras=cameras, view=view)
    limit = settings.exact_time_limit_s if time_limit_s is None else time_limit_s
    if not (isinstance(limit, int | float) and math.isfinite(limit) and limit >= 0):
        msg = f"the time limit must be a number of seconds >= 0, got {limit!r}"
        raise ValueError(msg)
    return time.perf_counter() + limit


def _limit_note(limit_s: float | None, what: str) -> str:
    limit = settings.exact_time_limit_s if limit_s is None else limit_s
    return f"the exact search stopped at its {limit:g} s limit: {what}"


def shortest_route(ctx: RoutingContext, source: int, target: int) -> Route:
    """The shortest walking route between two node indices."""
    _check_nodes(ctx, source, target)
    _, edges = _detour_subgraph(ctx, source, target, 0.0)
    return route_from_edges(ctx, edges, label="shortest", objective="shortest", optimal=True)


# --- least time in view --------------------------------------------------------------------


def _least_in_view(ctx: RoutingContext, sub: _Subgraph, shortest_edges: list[int], *, deadline: float,
                   limit_s: float | None) -> tuple[np.ndarray, bool, tuple[str, ...]]:
    """Local edges of the least-in-view route within the budget, whether proven, and notes.

    Lagrangian relaxation (LARAC) brackets the optimum with a few shortest-path
    runs and usually proves it; when a gap remains, an exact label-setting search
    (:func:`exposure._search.view_search`) closes it, pruned by LARAC's route.
    """
    length = ctx.index.length_m[sub.edges]
    view = ctx.exposure.in_view_m[sub.edges]
    # ties by length: a metre of street never outweighs a millimetre in view within the bound
    tie = 1e-3 / max(sub.budget_m, 1.0)
    cost = view + tie * length

    def measure(p: np.ndarray) -> tuple[float, float]:
        return float(cost[p].sum()), float(length[p].sum())

    p_c = _sub_shortest(sub, cost)
    assert p_c is not None  # the ellipse holds the shortest route
    c_c, l_c = measure(p_c)
    if l_c <= sub.budget_m:
        return p_c, True, ()
    p_l = sub.position(shortest_edges)
    c_l, l_l = measure(p_l)
    lower = c_c
    for _ in range(50):
        lam = (c_l - c_c) / (l_c - l_l)
        p = _sub_shortest(sub, cost + lam * length)
        assert p is not None
        c_p, l_p = measure(p)
        value = c_p + lam * l_p
        lower = max(lower, value - lam * sub.budget_m)
        if value >= c_c + lam * l_c - 1e-9 * max(1.0, abs(value)):
            break
        if l_p <= sub.budget_m:
            p_l, c_l, l_l = p, c_p, l_p
        else:
            p_c, c_c, l_c = p, c_p, l_p
    if c_l <= lower + 1e-9:
        return p_l, True, ()
    out_ptr, out_edge = _search.adjacency(sub.u, len(sub.nodes))
    status, edges, _ = _search.view_search(
        out_ptr, out_edge, sub.v.astype(np.int64), length, cost, sub.to_target_m, _sub_to_target(sub, cost),
        sub.source, sub.target, sub.budget_m, c_l, deadline, _max_labels(1),
    )
    if status == 0 and measure(edges)[0] <= c_l + 1e-12:
        return edges, True, ()
    what = "a route with less in view may exist"
    note = _limit_note(limit_s, what) if status == 1 else f"the exact search hit its memory limit: {what}"
    return p_l, False, (note,)


def least_in_view_route(
    ctx: RoutingContext, source: int, target: int, *, max_detour: float = settings.max_detour,
    time_limit_s: float | None = None,
) -> Route:
    """The route with the fewest metres in view of FRT-capable cameras, within the detour bound.

    Ties are broken by length. ``time_limit_s`` bounds the search (default
    ``settings.exact_time_limit_s``); past it the best route found is returned with
    ``optimal=False`` and a note.
    """
    _check_nodes(ctx, source, target)
    deadline = _deadline(time_limit_s, cameras=False)
    sub, shortest_edges = _detour_subgraph(ctx, source, target, max_detour)
    p, proven, notes = _least_in_view(ctx, sub, shortest_edges, deadline=deadline, limit_s=time_limit_s)
    return route_from_edges(ctx, sub.edges[p], label="least time in view", objective="least-time-in-view",
                            optimal=proven, notes=notes)


# --- fewest cameras and the trade-off set (exact) -------------------------------------------


def _max_labels(n_words: int) -> int:
    """How many search labels fit in ``settings.max_search_memory_mb`` at ``n_words`` mask words each."""
    per_label = 6 * 8 + 8 * n_words + 24  # label fields, mask, its share of the queue
    return max(1024, int(settings.max_search_memory_mb * 2**20 / per_label))


def _camera_problem(ctx: RoutingContext, sub: _Subgraph) -> _search.CameraProblem:
    ex = ctx.exposure
    ptr = ex.edge_cams_ptr
    counts = ptr[sub.edges + 1] - ptr[sub.edges]
    starts = np.repeat(ptr[sub.edges] - np.r_[0, np.cumsum(counts)[:-1]], counts)
    pair_camera = ex.edge_cams[starts + np.arange(int(counts.sum()))]
    pair_edge = np.repeat(np.arange(len(sub.edges)), counts)
    frt = ex.frt[pair_camera]
    return _search.CameraProblem(
        u=sub.u, v=sub.v, length_m=ctx.index.length_m[sub.edges], pair_edge=pair_edge[frt],
        pair_camera=pair_camera[frt], node_xy=ctx.index.node_xy[sub.nodes], to_target_m=sub.to_target_m,
        source=sub.source, target=sub.target,
    )


def _frt_count(ctx: RoutingContext, edges: np.ndarray) -> int:
    cams = ctx.exposure.cameras_on(edges)
    return int(ctx.exposure.frt[cams].sum())


def _heuristic_fewest(ctx: RoutingContext, sub: _Subgraph, shortest_edges: list[int]) -> np.ndarray:
    """A fallback when the exact search runs out: penalise edges by their FRT cameras, keep the best."""
    length = ctx.index.length_m[sub.edges]
    per_edge = ctx.exposure.frt_count_on_edge()[sub.edges].astype(float)
    view = ctx.exposure.in_view_m[sub.edges]
    best = sub.position(shortest_edges)
    best_key = (_frt_count(ctx, sub.edges[best]), float(length[best].sum()))
    for penalty_m in (50.0, 200.0, 1000.0, 5000.0):
        for cost in (length + penalty_m * per_edge, length + view * penalty_m / 50.0):
            p = _sub_shortest(sub, cost)
            if p is None or length[p].sum() > sub.budget_m:
                continue
            key = (_frt_count(ctx, sub.edges[p]), float(length[p].sum()))
            if key < best_key:
                best, best_key = p, key
    return best


def _memo_key(sub: _Subgraph, max_detour: float) -> tuple[int, int, float]:
    return int(sub.nodes[sub.source]), int(sub.nodes[sub.target]), float(max_detour)


@dataclass(frozen=True)
class _Tradeoff:
    """What the camera searches found for one trip.

    ``points`` run from the shortest route to the fewest-camera one: each the
    shortest route with at most its number of FRT cameras, as local edges with
    whether that is proven. ``complete`` says no point is missing between them;
    ``fewest_proven`` that the last one has the fewest cameras of any route, and
    ``lower`` is the fewest cameras any route can pass as far as proven.
    """

    points: list[tuple[np.ndarray, bool]]
    complete: bool
    fewest_proven: bool
    lower: int
    notes: tuple[str, ...]


def _fewest(ctx: RoutingContext, sub: _Subgraph, problem: _search.CameraProblem, shortest_edges: list[int], *,
            key: tuple[int, int, float], deadline: float, limit_s: float | None) -> tuple[
                np.ndarray, bool, int, tuple[str, ...]]:
    """The fewest-camera route (local edges), whether proven, the proven lower bound, notes.

    A trip proven before in this process is answered from the context's memo.
    Otherwise the search runs to the deadline; if it stops early, the best of the
    fallback heuristic and the route remembered from earlier is returned with the
    search's lower bound (never below one proven earlier).
    """
    known = ctx.memo.get(key)
    if known.proven and known.fewest is not None:
        return sub.position(np.asarray(known.fewest)), True, known.lower, ()
    length = ctx.index.length_m[sub.edges]
    result = problem.search(budget_m=sub.budget_m, mode=0, deadline=deadline,
                            max_labels=_max_labels(problem.e_mask.shape[1]))
    if result.status == "proven":
        count, metres, edges = result.found[0]
        ctx.memo.learn(key, fewest=sub.edges[edges], fewest_key=(count, metres), proven=True, lower=count)
        return edges, True, count, ()
    edges = _heuristic_fewest(ctx, sub, shortest_edges)
    best: tuple[float, float] = (_frt_count(ctx, sub.edges[edges]), float(length[edges].sum()))
    if known.fewest is not None and known.fewest_key < best:
        edges, best = sub.position(np.asarray(known.fewest)), known.fewest_key
    lower = min(max(result.lower, known.lower), int(best[0]))
    ctx.memo.learn(key, fewest=sub.edges[edges], fewest_key=best, lower=lower)
    gap = int(best[0]) - lower
    what = (f"a route past at most {gap} fewer FRT camera{'s' if gap != 1 else ''} may exist" if gap
            else "no route passes fewer FRT cameras, but a shorter one past as few may exist")
    limit = "the exact search hit its memory limit"
    note = _limit_note(limit_s, what) if result.status == "time limit" else f"{limit}: {what}"
    return edges, False, lower, (note,)


def _within(ctx: RoutingContext, sub: _Subgraph, problem: _search.CameraProblem, budget_m: float, *,
            key: tuple[int, int, float], deadline: float) -> np.ndarray | None:
    """The fewest-camera route (local edges) at most ``budget_m`` long, ties by length; None if out of time.

    It is a proven trade-off route: no route past at most as many cameras is shorter.
    """
    known = ctx.memo.get(key).capped.get(round(budget_m, 1))
    if known is not None:
        return sub.position(np.asarray(known))
    result = problem.search(budget_m=budget_m, mode=0, deadline=deadline,
                            max_labels=_max_labels(problem.e_mask.shape[1]))
    if result.status != "proven":
        return None
    edges = result.found[0][2]
    ctx.memo.learn(key, capped={round(budget_m, 1): sub.edges[edges]})
    return edges


def _between(ctx: RoutingContext, sub: _Subgraph, problem: _search.CameraProblem, ends: list[np.ndarray], n: int, *,
             key: tuple[int, int, float], deadline: float) -> tuple[list[np.ndarray], bool]:
    """Up to ``n`` trade-off routes between the shortest and the fewest-camera one, evenly spread over the lengths.

    The fewest-camera route within a length budget is the longest trade-off route
    no longer than the budget (and a search for it is far cheaper than one for the
    shortest route past a given number of cameras). So each step takes the widest
    stretch of length between two routes found next to each other and searches
    with its middle as the budget; when that finds the shorter one again, the next
    search there uses a budget just under the longer one, which finds the route
    before it or shows there is none. Returns the routes from shorter to fewer
    cameras, with the ends, and whether none was left out for lack of time.
    """
    length = ctx.index.length_m[sub.edges]
    found = {round(float(length[e].sum()), 3): e for e in ends}
    tried: dict[float, float] = {}  # per route: the budget above it searched in vain (its gap is empty up to there)
    for _ in range(4 * n + 8):  # each search finds a route or empties a gap; this only guards against a slip
        if len(found) >= n + 2:
            break
        have = sorted(found)
        gaps = [(hi - max(lo, tried.get(lo, lo)), lo, hi) for lo, hi in zip(have[:-1], have[1:], strict=True)
                if tried.get(lo, lo) < hi - 0.01]
        if not gaps:
            break
        _, lo, hi = max(gaps)
        budget = (lo + hi) / 2 if lo not in tried else hi - 0.005
        edges = _within(ctx, sub, problem, budget, key=key, deadline=deadline)
        if edges is None:
            return _pareto(ctx, sub, [found[m] for m in sorted(found)]), False
        metres = round(float(length[edges].sum()), 3)
        if metres in found:
            tried[metres] = budget
        else:
            found[metres] = edges
    return _pareto(ctx, sub, [found[m] for m in sorted(found)]), True


def _pareto(ctx: RoutingContext, sub: _Subgraph, by_length: list[np.ndarray]) -> list[np.ndarray]:
    """Routes (shortest first) that pass fewer FRT cameras than every shorter one."""
    out: list[np.ndarray] = []
    fewest = math.inf
    for edges in by_length:
        count = _frt_count(ctx, sub.edges[edges])
        if count < fewest:
            out.append(edges)
            fewest = count
    return out


def _camera_tradeoff(ctx: RoutingContext, sub: _Subgraph, shortest_edges: list[int], *, deadline: float,
                     limit_s: float | None, frontier: int, max_detour: float) -> _Tradeoff:
    """The fewest-camera route and trade-off routes between it and the shortest, from one shared problem.

    First a search ordered by cameras proves the fewest count (ties by length).
    ``frontier`` 0 stops there; -1 asks for the complete trade-off set: a search
    ordered by metres, bounded by that route's length and stopped when it reaches
    that count, yields every shorter route with fewer cameras than all shorter
    ones; ``n`` > 0 asks for up to ``n`` routes between, evenly spread over the
    camera counts (:func:`_between`). The deadline bounds all searches together.
    """
    key = _memo_key(sub, max_detour)
    problem = _camera_problem(ctx, sub)
    fewest, fewest_proven, lower, first_notes = _fewest(ctx, sub, problem, shortest_edges, key=key,
                                                        deadline=deadline, limit_s=limit_s)
    notes = list(first_notes)
    shortest = sub.position(shortest_edges)
    if not frontier:
        return _Tradeoff(points=[(fewest, fewest_proven)], complete=fewest_proven, fewest_proven=fewest_proven,
                         lower=lower, notes=tuple(notes))
    budget = float(ctx.index.length_m[sub.edges[fewest]].sum()) + 1e-6 if fewest_proven else sub.budget_m
    if frontier > 0:
        points, complete = _between(ctx, sub, problem, [shortest, fewest], frontier, key=key, deadline=deadline)
        fewest_proven = fewest_proven and points[-1] is fewest  # a cheaper route than a fallback's is no proof
        out = [(p, True) for p in points[:-1]] + [(points[-1], fewest_proven)] if len(points) > 1 else [
            (shortest, True)]
    else:
        out, complete, fewest, fewest_proven = _frontier(ctx, sub, problem, shortest_edges, fewest, fewest_proven,
                                                         key=key, lower=lower, budget_m=budget, deadline=deadline)
    if not complete and fewest_proven:
        notes.append(_limit_note(limit_s, "some trade-off routes between these may be missing"))
    return _Tradeoff(points=out, complete=complete, fewest_proven=fewest_proven, lower=lower, notes=tuple(notes))


def _frontier(ctx: RoutingContext, sub: _Subgraph, problem: _search.CameraProblem, shortest_edges: list[int],
              fewest: np.ndarray, fewest_proven: bool, *, key: tuple[int, int, float], lower: int, budget_m: float,
              deadline: float) -> tuple[list[tuple[np.ndarray, bool]], bool, np.ndarray, bool]:
    """The complete trade-off set (the search ordered by metres), from the memo when proven before.

    Returns the points, whether complete, and the fewest-camera route (the search
    may find a better one than a fallback) with whether it is proven.
    """
    known = ctx.memo.get(key).frontier
    if known is not None and fewest_proven:
        return [(sub.position(np.asarray(p)), True) for p in known], True, fewest, fewest_proven
    fewest_count = _frt_count(ctx, sub.edges[fewest])
    stop = fewest_count if fewest_proven else lower
    result = problem.search(budget_m=budget_m, mode=1, stop_count=stop, deadline=deadline,
                            max_labels=_max_labels(problem.e_mask.shape[1]))
    points = result.found
    out: list[tuple[np.ndarray, bool]] = [(p, True) for c, _l, p in points if c > fewest_count]
    if not out:
        out = [(sub.position(shortest_edges), True)]
    reached = bool(points) and points[-1][0] <= fewest_count
    if reached and not fewest_proven:
        fewest = points[-1][2]  # the trade-off search found a better route than the fallback
    complete = result.status == "proven" or reached
    if not (len(out) == 1 and len(fewest) == len(out[0][0]) and np.array_equal(fewest, out[0][0])):
        out.append((fewest, fewest_proven))
    if complete and fewest_proven:
        ctx.memo.learn(key, frontier=[sub.edges[p] for p, _ in out])
    return out, complete, fewest, fewest_proven


def fewest_cameras_route(
    ctx: RoutingContext, source: int, target: int, *, max_detour: float = settings.max_detour,
    time_limit_s: float | None = None,
) -> Route:
    """The route past the fewest distinct FRT-capable cameras within the detour bound.

    A camera seen from several edges counts once, so this is not an additive
    shortest path: an exact best-first label-setting search over (node, cameras
    met, metres walked) with dominance and a lower bound finds it
    (:mod:`exposure._search`). Ties are broken by length. ``time_limit_s`` bounds
    the search (default ``settings.exact_time_limit_s``); past it the best route
    known is returned with ``optimal=False``, a note, and ``lower_bound_frt``: the
    fewest cameras any route could pass, as far as the search proved. A trip proven
    once is answered from the context's memo afterwards.
    """
    _check_nodes(ctx, source, target)
    deadline = _deadline(time_limit_s, view=False)
    sub, shortest_edges = _detour_subgraph(ctx, source, target, max_detour)
    found = _camera_tradeoff(ctx, sub, shortest_edges, deadline=deadline, limit_s=time_limit_s, frontier=0,
                             max_detour=max_detour)
    edges, proven = found.points[-1]
    return route_from_edges(ctx, sub.edges[edges], label="fewest cameras", objective="fewest-cameras",
                            optimal=proven, notes=found.notes, lower_bound_frt=found.lower)


def _spread(items: list[Any], n: int) -> list[Any]:
    """At most ``n`` of ``items``: the first, then (for ``n > 1``) the last and evenly spaced ones between."""
    if len(items) <= n:
        return items
    keep = np.unique(np.round(np.linspace(0, len(items) - 1, n)).astype(int))
    return [items[i] for i in keep]


def _tradeoff_routes(ctx: RoutingContext, sub: _Subgraph, found: _Tradeoff) -> list[Route]:
    out = []
    for i, (edges, proven) in enumerate(found.points):
        last = i == len(found.points) - 1
        label = "shortest" if i == 0 else ("fewest cameras" if last else f"trade-off {i}")
        out.append(route_from_edges(ctx, sub.edges[edges], label=label, objective="alternatives",
                                    optimal=proven, notes=found.notes if last else (),
                                    lower_bound_frt=found.lower if last else None))
    return out


def alternative_routes(
    ctx: RoutingContext, source: int, target: int, *, n: int = 3, max_detour: float = settings.max_detour,
    time_limit_s: float | None = None,
) -> list[Route]:
    """The trade-off between length and FRT cameras, at most ``n`` routes.

    For each achievable camera count, the shortest route with at most that many
    FRT-capable cameras (within the detour bound), from the shortest route to the
    fewest-camera one. When there are more than ``n``, both ends and evenly spaced
    ones between them are kept. Each route's ``optimal`` says it is proven the
    shortest for its count (the last: that no route has fewer cameras).
    """
    _check_nodes(ctx, source, target)
    if n < 1:
        msg = f"the number of alternatives must be at least 1, got {n}"
        raise ValueError(msg)
    deadline = _deadline(time_limit_s, view=False)
    sub, shortest_edges = _detour_subgraph(ctx, source, target, max_detour)
    found = _camera_tradeoff(ctx, sub, shortest_edges, deadline=deadline, limit_s=time_limit_s, frontier=-1,
                             max_detour=max_detour)
    return _spread(_tradeoff_routes(ctx, sub, found), n)


def routes(
    ctx: RoutingContext, source: int, target: int, *, objective: str = "fewest-cameras",
    max_detour: float = settings.max_detour, alternatives: int = 0, time_limit_s: float | None = None,
) -> list[Route]:
    """Answer a route request: the shortest route, the objective's route and ``alternatives`` more.

    The shortest route always comes first so that every other route can be
    compared with it. ``alternatives`` asks for up to that many further routes
    from the trade-off set between length and FRT cameras (each the shortest with
    at most its number of cameras), beyond the routes already shown, evenly spread
    over the camera counts between the shortest and the fewest-camera route and
    ordered from shorter to fewer cameras; only those are searched for, not the
    whole set (:func:`alternative_routes`). ``time_limit_s`` bounds the whole
    request. Duplicates are removed.
    """
    if objective not in OBJECTIVES:
        msg = f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}"
        raise ValueError(msg)
    if alternatives < 0:
        msg = f"the number of alternatives must be 0 or more, got {alternatives}"
        raise ValueError(msg)
    _check_nodes(ctx, source, target)
    deadline = _deadline(time_limit_s, cameras=objective == "fewest-cameras" or alternatives > 0,
                         view=objective == "least-time-in-view")
    sub, shortest_edges = _detour_subgraph(ctx, source, target, max_detour)
    found = [route_from_edges(ctx, shortest_edges, label="shortest", objective="shortest", optimal=True)]
    tradeoff = None
    if objective == "fewest-cameras" or alternatives:
        tradeoff = _camera_tradeoff(ctx, sub, shortest_edges, deadline=deadline, limit_s=time_limit_s,
                                    frontier=alternatives, max_detour=max_detour)
    if objective == "fewest-cameras":
        assert tradeoff is not None
        edges, proven = tradeoff.points[-1]
        found.append(route_from_edges(ctx, sub.edges[edges], label="fewest cameras", objective="fewest-cameras",
                                      optimal=proven, notes=tradeoff.notes, lower_bound_frt=tradeoff.lower))
    elif objective == "least-time-in-view":
        p, proven, notes = _least_in_view(ctx, sub, shortest_edges, deadline=deadline, limit_s=time_limit_s)
        found.append(route_from_edges(ctx, sub.edges[p], label="least time in view", objective="least-time-in-view",
                                      optimal=proven, notes=notes))
    if tradeoff is not None and alternatives:
        candidates = [r for r in _tradeoff_routes(ctx, sub, tradeoff) if all(r.edges != f.edges for f in found)]
        extra = candidates if len(candidates) <= alternatives else _spread(candidates, alternatives)
        for i, r in enumerate(extra, start=1):
            found.append(dataclasses.replace(r, label=f"alternative {i}"))
    unique: list[Route] = []
    for r in found:
        if all(r.edges != u.edges for u in unique):
            unique.append(r)
    return unique


def exposure_profile(ctx: RoutingContext, route: Route) -> pd.DataFrame:
    """Exposure along a route, edge by edge: where the walker is seen, and by how many cameras.

    One row per edge with ``distance_m`` (from the start, at the edge's end),
    ``in_view_m`` (metres of the edge within view of an FRT-capable camera),
    ``cumulative_in_view_m`` and ``frt_cameras_so_far`` (distinct cameras met so far).
    """
    rows = []
    seen: set[int] = set()
    distance = 0.0
    cumulative = 0.0
    ex = ctx.exposure
    for e in route.edges:
        distance += float(ctx.index.length_m[e])
        cumulative += float(ex.in_view_m[e])
        cams = ex.edge_cams[ex.edge_cams_ptr[e] : ex.edge_cams_ptr[e + 1]]
        seen.update(int(c) for c in cams[ex.frt[cams]])
        rows.append({"distance_m": distance, "in_view_m": float(ex.in_view_m[e]),
                     "cumulative_in_view_m": cumulative, "frt_cameras_so_far": len(seen),
                     "street": ctx.index.edge_names[e]})
    return pd.DataFrame(rows, columns=["distance_m", "in_view_m", "cumulative_in_view_m", "frt_cameras_so_far",
                                       "street"])


def compare_with_shortest(route: Route, shortest: Route) -> str:
    """The trade-off in words: ``"+240 m (+3 min), 3 fewer FRT cameras, 120 m less in view"``.

    Less than half a minute more walking reads "under a minute more", never "+0 min".
    """
    if route.edges == shortest.edges:
        return "the shortest route"
    parts = []
    d_len = route.length_m - shortest.length_m
    d_min = route.walk_min - shortest.walk_min
    if abs(d_min) < 0.5:
        parts.append(f"{d_len:+,.0f} m (under a minute {'more' if d_min >= 0 else 'less'})")
    else:
        parts.append(f"{d_len:+,.0f} m ({d_min:+.0f} min)")
    d_cam = shortest.frt_cameras - route.frt_cameras
    if d_cam > 0:
        parts.append(f"{d_cam} fewer FRT camera{'s' if d_cam != 1 else ''}")
    elif d_cam < 0:
        parts.append(f"{-d_cam} more FRT camera{'s' if d_cam != -1 else ''}")
    else:
        parts.append("as many FRT cameras")
    d_view = shortest.metres_in_view - route.metres_in_view
    if abs(d_view) >= 1:
        parts.append(f"{abs(d_view):,.0f} m {'less' if d_view > 0 else 'more'} in view")
    return ", ".join(parts)
