"""The integer-program solvers this project used before its label-setting searches (a benchmark baseline).

Kept only to be measured beside :mod:`exposure.routing` in the same run: HiGHS
(through :func:`scipy.optimize.milp`) on the detour ellipse, seeded by a penalty
heuristic, for fewest cameras; Lagrangian relaxation closed by an integer program
for least time in view. Not part of the package.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix, hstack

from exposure import settings
from exposure.routing import Route, RoutingContext, route_from_edges
from exposure.routing.ellipse import Subgraph, check_nodes, detour_subgraph, subgraph_shortest
from exposure.routing.fewest import frt_count, heuristic_fewest
from exposure.routing.view import larac

__all__ = ["ip_fewest_cameras_route", "ip_least_in_view_route"]


def _milp_path(sub: Subgraph, x: np.ndarray) -> np.ndarray:
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


def _flow_constraints(sub: Subgraph) -> LinearConstraint:
    n, k = len(sub.nodes), len(sub.edges)
    cols = np.arange(k)
    a = coo_matrix(
        (np.r_[np.ones(k), -np.ones(k)], (np.r_[sub.u, sub.v], np.r_[cols, cols])), shape=(n, k)
    ).tocsr()
    b = np.zeros(n)
    b[sub.source], b[sub.target] = 1.0, -1.0
    return LinearConstraint(a, b, b)


def ip_least_in_view_route(
    ctx: RoutingContext, source: int, target: int, *, max_detour: float = settings.max_detour,
    exact: bool = True, time_limit_s: float | None = None,
) -> Route:
    """The route with the fewest metres in view of FRT-capable cameras, within the detour bound.

    Lagrangian relaxation (LARAC) on the detour ellipse finds the route and, most
    of the time, proves it optimal; when a gap remains and ``exact`` is set, an
    integer program closes it. Ties are broken by length.
    """
    check_nodes(ctx, source, target)
    limit = settings.exact_time_limit_s if time_limit_s is None else time_limit_s
    sub, shortest_edges = detour_subgraph(ctx, source, target, max_detour)
    length = ctx.index.length_m[sub.edges]
    view = ctx.exposure.in_view_m[sub.edges]
    # ties by length: a metre of street never outweighs a millimetre in view within the bound
    tie = 1e-3 / max(sub.budget_m, 1.0)
    cost = view + tie * length

    def measure(p: np.ndarray) -> tuple[float, float]:
        return float(cost[p].sum()), float(length[p].sum())

    p_l, c_l, lower = larac(sub, cost, length, sub.position(shortest_edges))
    proven = c_l <= lower + 1e-6
    notes: tuple[str, ...] = ()
    if not proven and exact:
        k = len(sub.edges)
        res = milp(
            cost, integrality=np.ones(k), bounds=Bounds(0, 1),
            constraints=[_flow_constraints(sub), LinearConstraint(length[None, :], -np.inf, sub.budget_m)],
            options={"time_limit": limit, "mip_rel_gap": 1e-9},
        )
        if res.x is not None:
            p = _milp_path(sub, res.x)
            c_p, l_p = measure(p)
            if c_p < c_l - 1e-12 and l_p <= sub.budget_m:
                p_l, c_l = p, c_p
        proven = res.status == 0
        if not proven:
            notes = (f"exact solver stopped at its {limit:g} s limit",)
    return route_from_edges(ctx, sub.edges[p_l], label="least time in view", objective="least-time-in-view",
                            optimal=proven, notes=notes)


@dataclass(frozen=True)
class _CameraModel:
    """Integer program over the detour ellipse.

    Variables: one ``x`` per directed edge, one ``y`` per group of FRT cameras that
    see exactly the same streets (weighted by the group's size). A route uses a
    street in at most one direction, so ``x_uv + x_vu <= y_g`` for every street the
    group sees: half the rows of per-edge linking, and a tighter relaxation.
    """

    sub: Subgraph
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


def _camera_model(ctx: RoutingContext, sub: Subgraph) -> _CameraModel:
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


def ip_fewest_cameras_route(
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
    check_nodes(ctx, source, target)
    limit = settings.exact_time_limit_s if time_limit_s is None else time_limit_s
    sub, shortest_edges = detour_subgraph(ctx, source, target, max_detour)
    seed = heuristic_fewest(ctx, sub, shortest_edges)
    seed_count = frt_count(ctx, sub.edges[seed])
    label, objective = "fewest cameras", "fewest-cameras"
    if seed_count == 0 or not exact:
        optimal = seed_count == 0
        # with no camera left, only length can improve: take the shortest camera-free route
        if seed_count == 0:
            free = ctx.exposure.frt_count_on_edge()[sub.edges] == 0
            cost = np.where(free, ctx.index.length_m[sub.edges], np.inf)
            p = subgraph_shortest(_restrict(sub, free), cost[free])
            if p is not None:
                seed = np.flatnonzero(free)[p]
        return route_from_edges(ctx, sub.edges[seed], label=label, objective=objective, optimal=optimal)
    model = _camera_model(ctx, sub)
    objective_vec = np.r_[model.length / (sub.budget_m + 1.0), model.weights]
    path, proven = model.solve(objective_vec, max_cameras=seed_count, time_limit_s=limit)
    best = seed
    if path is not None:
        key_new = (frt_count(ctx, sub.edges[path]), float(model.length[path].sum()))
        key_seed = (seed_count, float(model.length[seed].sum()))
        if key_new <= key_seed:
            best = path
    notes = () if proven else (f"exact solver stopped at its {limit:g} s limit: a route past fewer cameras "
                               "may exist",)
    return route_from_edges(ctx, sub.edges[best], label=label, objective=objective, optimal=proven, notes=notes)


def _restrict(sub: Subgraph, keep: np.ndarray) -> Subgraph:
    return Subgraph(edges=sub.edges[keep], u=sub.u[keep], v=sub.v[keep], nodes=sub.nodes,
                     source=sub.source, target=sub.target, budget_m=sub.budget_m, shortest_m=sub.shortest_m,
                     to_target_m=sub.to_target_m)
