"""Walking routes: shortest, fewest FRT cameras (exact), least time in view, and trade-offs."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix, hstack
from scipy.sparse.csgraph import dijkstra

from exposure import settings
from exposure._errors import NoRouteError

if TYPE_CHECKING:
    from exposure.coverage import EdgeExposure
    from exposure.network import NetworkIndex

__all__ = [
    "OBJECTIVES",
    "Route",
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
    """

    index: NetworkIndex
    exposure: EdgeExposure
    camera_ids: np.ndarray
    settings: dict[str, Any]
    _length_csr: tuple[csr_matrix, np.ndarray] = field(init=False, repr=False)
    _length_csr_reverse: csr_matrix = field(init=False, repr=False)

    def __post_init__(self) -> None:
        m, entry = self.index.csr(self.index.length_m)
        object.__setattr__(self, "_length_csr", (m, entry))
        # distances *to* a node: only lengths are needed, never which edge
        reverse = m.T.tocsr()
        reverse.sort_indices()
        object.__setattr__(self, "_length_csr_reverse", reverse)

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
            "notes": list(self.notes),
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in self.coordinates]},
        }


def route_from_edges(
    ctx: RoutingContext, edges: list[int] | np.ndarray, *, label: str, objective: str,
    optimal: bool | None, notes: tuple[str, ...] = (),
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
        coordinates=tuple(coords), notes=notes,
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


def _sub_shortest(sub: _Subgraph, cost: np.ndarray) -> np.ndarray | None:
    """Cheapest route within the subgraph for per-edge ``cost``; None if unreachable."""
    n = len(sub.nodes)
    order = np.lexsort((cost, sub.v, sub.u))
    u, v = sub.u[order], sub.v[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    chosen = order[first]
    m = csr_matrix((np.maximum(cost[chosen], 1e-12), (sub.u[chosen], sub.v[chosen])), shape=(n, n))
    m.sort_indices()
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


def _detour_subgraph(ctx: RoutingContext, source: int, target: int, max_detour: float) -> tuple[
        _Subgraph, list[int]]:
    """Shortest route plus the subgraph of edges usable within ``(1 + max_detour)`` of it."""
    if max_detour < 0:
        msg = f"max_detour must be >= 0 (a fraction: 0.5 means at most 50 % longer), got {max_detour}"
        raise ValueError(msg)
    idx = ctx.index
    crow = float(np.hypot(*(idx.node_xy[source] - idx.node_xy[target])))
    guess = (1.0 + max_detour) * max(1.6 * crow, crow + 300.0)
    d_o, pred = ctx.length_distances(source, limit=guess)
    if not np.isfinite(d_o[target]):
        d_o, pred = ctx.length_distances(source)
    if not np.isfinite(d_o[target]):
        msg = "no walking route connects the origin and the destination in this network"
        raise NoRouteError(msg)
    shortest_m = float(d_o[target])
    budget = (1.0 + max_detour) * shortest_m + _TOL
    if budget > guess:
        d_o, pred = ctx.length_distances(source, limit=budget)
    path_nodes = _path_nodes(pred, source, target)
    shortest_edges = [ctx.edge_between(a, b) for a, b in zip(path_nodes[:-1], path_nodes[1:], strict=True)]
    d_t, _ = ctx.length_distances(target, limit=budget, reverse=True)
    eu, ev = idx.edge_u, idx.edge_v
    ok = d_o[eu] + idx.length_m + d_t[ev] <= budget
    ok &= eu != ev  # self-loops never shorten a route
    edges = np.flatnonzero(ok)
    nodes, inverse = np.unique(np.concatenate([eu[edges], ev[edges], [source, target]]), return_inverse=True)
    k = len(edges)
    sub = _Subgraph(
        edges=edges, u=inverse[:k], v=inverse[k : 2 * k], nodes=nodes,
        source=int(inverse[2 * k]), target=int(inverse[2 * k + 1]), budget_m=budget, shortest_m=shortest_m,
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


def shortest_route(ctx: RoutingContext, source: int, target: int) -> Route:
    """The shortest walking route between two node indices."""
    _check_nodes(ctx, source, target)
    _, edges = _detour_subgraph(ctx, source, target, 0.0)
    return route_from_edges(ctx, edges, label="shortest", objective="shortest", optimal=True)


# --- least time in view --------------------------------------------------------------------


def _milp_path(sub: _Subgraph, x: np.ndarray) -> np.ndarray:
    """Follow the chosen edges from the source; loops a time-limited solution may hold are cut."""
    chosen = np.flatnonzero(x > 0.5)
    out: dict[int, list[int]] = {}
    for c in chosen:
        out.setdefault(int(sub.u[c]), []).append(int(c))
    path: list[int] = []
    seen_at: dict[int, int] = {sub.source: 0}
    node = sub.source
    while node != sub.target:
        if not out.get(node):
            msg = "internal error: the solver's flow does not reach the destination"
            raise AssertionError(msg)
        j = int(out[node].pop())
        path.append(j)
        node = int(sub.v[j])
        if node in seen_at:  # a loop: drop it
            del path[seen_at[node] :]
        seen_at = {sub.source: 0} | {int(sub.v[p]): i + 1 for i, p in enumerate(path)}
    return np.asarray(path, dtype=np.int64)


def _flow_constraints(sub: _Subgraph) -> LinearConstraint:
    n, k = len(sub.nodes), len(sub.edges)
    cols = np.arange(k)
    a = coo_matrix(
        (np.r_[np.ones(k), -np.ones(k)], (np.r_[sub.u, sub.v], np.r_[cols, cols])), shape=(n, k)
    ).tocsr()
    b = np.zeros(n)
    b[sub.source], b[sub.target] = 1.0, -1.0
    return LinearConstraint(a, b, b)


def least_in_view_route(
    ctx: RoutingContext, source: int, target: int, *, max_detour: float = settings.max_detour,
    exact: bool = True,
) -> Route:
    """The route with the fewest metres in view of FRT-capable cameras, within the detour bound.

    Lagrangian relaxation (LARAC) on the detour ellipse finds the route and, most
    of the time, proves it optimal; when a gap remains and ``exact`` is set, an
    integer program closes it. Ties are broken by length.
    """
    _check_nodes(ctx, source, target)
    sub, shortest_edges = _detour_subgraph(ctx, source, target, max_detour)
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
        edges = sub.edges[p_c]
        return route_from_edges(ctx, edges, label="least time in view", objective="least-time-in-view",
                                optimal=True)
    pos = {int(e): i for i, e in enumerate(sub.edges)}
    p_l = np.asarray([pos[e] for e in shortest_edges], dtype=np.int64)
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
    proven = c_l <= lower + 1e-6
    notes: tuple[str, ...] = ()
    if not proven and exact:
        k = len(sub.edges)
        res = milp(
            cost, integrality=np.ones(k), bounds=Bounds(0, 1),
            constraints=[_flow_constraints(sub), LinearConstraint(length[None, :], -np.inf, sub.budget_m)],
            options={"time_limit": settings.exact_time_limit_s, "mip_rel_gap": 1e-9},
        )
        if res.x is not None:
            p = _milp_path(sub, res.x)
            c_p, l_p = measure(p)
            if c_p < c_l - 1e-12 and l_p <= sub.budget_m:
                p_l, c_l = p, c_p
        proven = res.status == 0
        if not proven:
            notes = (f"exact solver stopped at its {settings.exact_time_limit_s:g} s limit",)
    return route_from_edges(ctx, sub.edges[p_l], label="least time in view", objective="least-time-in-view",
                            optimal=proven, notes=notes)


# --- fewest cameras (exact) ---------------------------------------------------------------


@dataclass(frozen=True)
class _CameraModel:
    """Integer program over the detour ellipse.

    Variables: one ``x`` per directed edge, one ``y`` per group of FRT cameras that
    see exactly the same streets (weighted by the group's size). A route uses a
    street in at most one direction, so ``x_uv + x_vu <= y_g`` for every street the
    group sees: half the rows of per-edge linking, and a tighter relaxation.
    """

    sub: _Subgraph
    weights: np.ndarray
    constraints: list[LinearConstraint]
    length: np.ndarray
    n_x: int

    def solve(self, objective: np.ndarray, *, max_cameras: float = np.inf,
              time_limit_s: float | None = None) -> tuple[np.ndarray | None, bool]:
        extra = []
        if np.isfinite(max_cameras):
            row = np.r_[np.zeros(self.n_x), self.weights]
            extra.append(LinearConstraint(row[None, :], -np.inf, max_cameras + 0.5))
        res = milp(
            objective, integrality=np.ones(self.n_x + len(self.weights)), bounds=Bounds(0, 1),
            constraints=self.constraints + extra,
            options={"time_limit": settings.exact_time_limit_s if time_limit_s is None else time_limit_s,
                     "mip_rel_gap": 1e-6},
        )
        if res.x is None:
            return None, res.status == 2  # status 2: proven infeasible
        return _milp_path(self.sub, res.x[: self.n_x]), res.status == 0


def _camera_model(ctx: RoutingContext, sub: _Subgraph) -> _CameraModel:
    ex = ctx.exposure
    ptr = ex.edge_cams_ptr
    n_x = len(sub.edges)
    counts = ptr[sub.edges + 1] - ptr[sub.edges]
    pair_x = np.repeat(np.arange(n_x), counts)
    pair_c = (np.concatenate([ex.edge_cams[ptr[e] : ptr[e + 1]] for e in sub.edges]) if n_x
              else np.empty(0, dtype=np.int64))
    frt = ex.frt[pair_c]
    pair_x, pair_c = pair_x[frt], pair_c[frt]
    # a street: both directions of the same polyline (never two parallel streets)
    n_nodes = len(sub.nodes)
    length = ctx.index.length_m[sub.edges]
    _, street = np.unique(ctx.index.street_id[sub.edges], return_inverse=True)
    street = street.ravel()
    sc = np.unique(np.c_[street[pair_x], pair_c], axis=0) if len(pair_x) else np.empty((0, 2), np.int64)
    # group cameras by footprint (the sorted streets they see)
    order = np.lexsort((sc[:, 0], sc[:, 1]))
    sc = sc[order]
    cams, first = np.unique(sc[:, 1], return_index=True)
    bounds = np.r_[first, len(sc)]
    group_of: dict[tuple[int, ...], int] = {}
    weights: list[int] = []
    rows_street: list[int] = []
    rows_group: list[int] = []
    for i in range(len(cams)):
        footprint = tuple(int(x) for x in sc[bounds[i] : bounds[i + 1], 0])
        g = group_of.get(footprint)
        if g is None:
            g = group_of[footprint] = len(weights)
            weights.append(0)
            rows_street.extend(footprint)
            rows_group.extend([g] * len(footprint))
        weights[g] += 1
    n_y, n_r = len(weights), len(rows_street)
    streets = csr_matrix((np.ones(n_x), (street, np.arange(n_x))), shape=(int(street.max(initial=-1)) + 1, n_x))
    link = hstack([streets[np.asarray(rows_street, dtype=np.int64)],
                   csr_matrix((-np.ones(n_r), (np.arange(n_r), rows_group)), shape=(n_r, n_y))]).tocsr()
    flow = _flow_constraints(sub)
    flow_full = LinearConstraint(hstack([flow.A, csr_matrix((n_nodes, n_y))]).tocsr(), flow.lb, flow.ub)
    budget = LinearConstraint(np.r_[length, np.zeros(n_y)][None, :], -np.inf, sub.budget_m)
    cons = [flow_full, budget]
    if n_r:
        cons.append(LinearConstraint(link, -np.inf, 0.0))
    return _CameraModel(sub=sub, weights=np.asarray(weights, dtype=float), constraints=cons, length=length,
                        n_x=n_x)


def _frt_count(ctx: RoutingContext, edges: np.ndarray) -> int:
    cams = ctx.exposure.cameras_on(edges)
    return int(ctx.exposure.frt[cams].sum())


def _heuristic_fewest(ctx: RoutingContext, sub: _Subgraph, shortest_edges: list[int]) -> np.ndarray:
    """Fast upper bound: penalise edges by their FRT cameras, keep the best route within budget."""
    length = ctx.index.length_m[sub.edges]
    per_edge = ctx.exposure.frt_count_on_edge()[sub.edges].astype(float)
    view = ctx.exposure.in_view_m[sub.edges]
    pos = {int(e): i for i, e in enumerate(sub.edges)}
    best = np.asarray([pos[e] for e in shortest_edges], dtype=np.int64)
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


def fewest_cameras_route(
    ctx: RoutingContext, source: int, target: int, *, max_detour: float = settings.max_detour,
    exact: bool = True, time_limit_s: float | None = None,
) -> Route:
    """The route past the fewest distinct FRT-capable cameras within the detour bound.

    A camera seen from several edges counts once, so this is not an additive
    shortest path: an integer program over the detour ellipse (HiGHS via
    :func:`scipy.optimize.milp`) finds it, seeded by a penalty heuristic whose
    count bounds the search. Ties are broken by length. ``time_limit_s`` bounds
    the solver (default ``settings.exact_time_limit_s``); past it the best route
    found is returned with ``optimal=False`` and a note.
    """
    _check_nodes(ctx, source, target)
    limit = settings.exact_time_limit_s if time_limit_s is None else time_limit_s
    sub, shortest_edges = _detour_subgraph(ctx, source, target, max_detour)
    seed = _heuristic_fewest(ctx, sub, shortest_edges)
    seed_count = _frt_count(ctx, sub.edges[seed])
    label, objective = "fewest cameras", "fewest-cameras"
    if seed_count == 0 or not exact:
        optimal = seed_count == 0
        # with no camera left, only length can improve: take the shortest camera-free route
        if seed_count == 0:
            free = ctx.exposure.frt_count_on_edge()[sub.edges] == 0
            cost = np.where(free, ctx.index.length_m[sub.edges], np.inf)
            p = _sub_shortest(_restrict(sub, free), cost[free])
            if p is not None:
                seed = np.flatnonzero(free)[p]
        return route_from_edges(ctx, sub.edges[seed], label=label, objective=objective, optimal=optimal)
    model = _camera_model(ctx, sub)
    objective_vec = np.r_[model.length / (sub.budget_m + 1.0), model.weights]
    path, proven = model.solve(objective_vec, max_cameras=seed_count, time_limit_s=limit)
    best = seed
    if path is not None:
        key_new = (_frt_count(ctx, sub.edges[path]), float(model.length[path].sum()))
        key_seed = (seed_count, float(model.length[seed].sum()))
        if key_new <= key_seed:
            best = path
    notes = () if proven else (f"exact solver stopped at its {limit:g} s limit: a route past fewer cameras "
                               "may exist",)
    return route_from_edges(ctx, sub.edges[best], label=label, objective=objective, optimal=proven, notes=notes)


def _restrict(sub: _Subgraph, keep: np.ndarray) -> _Subgraph:
    return _Subgraph(edges=sub.edges[keep], u=sub.u[keep], v=sub.v[keep], nodes=sub.nodes,
                     source=sub.source, target=sub.target, budget_m=sub.budget_m, shortest_m=sub.shortest_m)


# --- the trade-off set -------------------------------------------------------------------


def alternative_routes(
    ctx: RoutingContext, source: int, target: int, *, n: int = 3, max_detour: float = settings.max_detour,
    time_limit_s: float | None = None,
) -> list[Route]:
    """The trade-off between length and FRT cameras, at most ``n`` routes.

    For each achievable camera count, the shortest route with at most that many
    FRT-capable cameras (within the detour bound); identical routes appear once.
    When there are more than ``n``, the shortest, the fewest-camera one and evenly
    spaced ones between them are kept.
    """
    _check_nodes(ctx, source, target)
    if n < 1:
        msg = f"the number of alternatives must be at least 1, got {n}"
        raise ValueError(msg)
    sub, shortest_edges = _detour_subgraph(ctx, source, target, max_detour)
    pos = {int(e): i for i, e in enumerate(sub.edges)}
    shortest = np.asarray([pos[e] for e in shortest_edges], dtype=np.int64)
    frontier: list[tuple[np.ndarray, bool]] = [(shortest, True)]
    count = _frt_count(ctx, sub.edges[shortest])
    model = _camera_model(ctx, sub) if count > 0 else None
    limit = settings.exact_time_limit_s if time_limit_s is None else time_limit_s
    deadline = time.monotonic() + 4 * limit
    complete = True
    while model is not None and count > 0:
        if time.monotonic() >= deadline:
            complete = False
            break
        objective_vec = np.r_[model.length, np.zeros(len(model.weights))]
        path, proven = model.solve(objective_vec, max_cameras=count - 1, time_limit_s=limit)
        if path is None:
            complete = proven  # proven infeasible: no route with fewer cameras exists
            break
        frontier.append((path, proven))
        count = _frt_count(ctx, sub.edges[path])
    if len(frontier) > n:
        keep = np.unique(np.round(np.linspace(0, len(frontier) - 1, n)).astype(int))
        frontier = [frontier[i] for i in keep]
    out = []
    for i, (path, proven) in enumerate(frontier):
        label = "shortest" if i == 0 else f"alternative {i}"
        last = i == len(frontier) - 1
        notes: tuple[str, ...] = ()
        if last and not complete:
            notes = ("the exact solver ran out of time: a route past fewer cameras may exist",)
        out.append(route_from_edges(ctx, sub.edges[path], label=label, objective="alternatives",
                                    optimal=proven and (complete or not last), notes=notes))
    return out


def routes(
    ctx: RoutingContext, source: int, target: int, *, objective: str = "fewest-cameras",
    max_detour: float = settings.max_detour, alternatives: int = 0, time_limit_s: float | None = None,
) -> list[Route]:
    """Answer a route request: the shortest route, the objective's route and any alternatives.

    The shortest route always comes first so that every other route can be
    compared with it; duplicates are removed.
    """
    if objective not in OBJECTIVES:
        msg = f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}"
        raise ValueError(msg)
    found = [shortest_route(ctx, source, target)]
    if objective == "fewest-cameras":
        found.append(fewest_cameras_route(ctx, source, target, max_detour=max_detour, time_limit_s=time_limit_s))
    elif objective == "least-time-in-view":
        found.append(least_in_view_route(ctx, source, target, max_detour=max_detour))
    if alternatives:
        found.extend(alternative_routes(ctx, source, target, n=alternatives, max_detour=max_detour,
                                        time_limit_s=time_limit_s))
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
    """The trade-off in words: ``"+240 m (+3 min), 3 fewer FRT cameras, 120 m less in view"``."""
    if route.edges == shortest.edges:
        return "the shortest route"
    parts = []
    d_len = route.length_m - shortest.length_m
    d_min = route.walk_min - shortest.walk_min
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
