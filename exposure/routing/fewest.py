"""The route past the fewest FRT-capable cameras (exact), and what its search and its fallback need."""

from __future__ import annotations

import math
import time

import numpy as np

from exposure import _search, settings
from exposure.routing.context import RoutingContext
from exposure.routing.ellipse import (
    Subgraph,
    check_nodes,
    detour_subgraph,
    label_capacity,
    limit_note,
    search_deadline,
    subgraph_shortest,
)
from exposure.routing.route import Route, route_from_edges

__all__ = ["DIVE_MAX_S", "DIVE_SHARE", "camera_problem", "fewest_cameras_route", "frt_count", "heuristic_fewest",
           "memo_key", "prove_fewest"]


def camera_problem(ctx: RoutingContext, sub: Subgraph) -> _search.CameraProblem:
    """The fewest-cameras query on the ellipse ``sub``: its FRT cameras grouped, bounds built."""
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


def frt_count(ctx: RoutingContext, edges: np.ndarray) -> int:
    """Distinct FRT-capable cameras that see a route (global edge indices)."""
    cams = ctx.exposure.cameras_on(edges)
    return int(ctx.exposure.frt[cams].sum())


def heuristic_fewest(ctx: RoutingContext, sub: Subgraph, shortest_edges: list[int]) -> np.ndarray:
    """A fallback when the exact search runs out: penalise edges by their FRT cameras, keep the best."""
    length = ctx.index.length_m[sub.edges]
    per_edge = ctx.exposure.frt_count_on_edge()[sub.edges].astype(float)
    view = ctx.exposure.in_view_m[sub.edges]
    best = sub.position(shortest_edges)
    best_key = (frt_count(ctx, sub.edges[best]), float(length[best].sum()))
    for penalty_m in (50.0, 200.0, 1000.0, 5000.0):
        for cost in (length + penalty_m * per_edge, length + view * penalty_m / 50.0):
            p = subgraph_shortest(sub, cost)
            if p is None or length[p].sum() > sub.budget_m:
                continue
            key = (frt_count(ctx, sub.edges[p]), float(length[p].sum()))
            if key < best_key:
                best, best_key = p, key
    return best


def memo_key(sub: Subgraph, max_detour: float) -> tuple[int, int, float]:
    """A trip's key in the context's memo: origin, destination (global node indices) and detour."""
    return int(sub.nodes[sub.source]), int(sub.nodes[sub.target]), float(max_detour)


#: Share of a search's time kept back for a quick dive for a good route, should the exact search not finish.
DIVE_SHARE = 0.1
#: ... and at most this many seconds.
DIVE_MAX_S = 0.5


def prove_fewest(ctx: RoutingContext, sub: Subgraph, problem: _search.CameraProblem, shortest_edges: list[int], *,
                 key: tuple[int, int, float], deadline: float, limit_s: float | None) -> tuple[
                     np.ndarray, bool, int, tuple[str, ...]]:
    """The fewest-camera route (local edges), whether proven, the proven lower bound, notes.

    A trip proven before in this process is answered from the context's memo.
    Otherwise the exact search runs until a tenth of the time is left (at most
    half a second); if it has not proven the route by then, a greedy dive of the
    same search (weighted A*) and the fallback heuristic look for a good route in
    what is left, and the best of theirs and the one remembered from earlier is
    returned with the search's lower bound (never below one proven earlier).
    """
    known = ctx.memo.get(key)
    if known.proven and known.fewest is not None:
        return sub.position(np.asarray(known.fewest)), True, known.lower, ()
    capacity = label_capacity(problem.e_mask.shape[1])
    left = deadline - time.perf_counter()
    reserve = min(DIVE_MAX_S, DIVE_SHARE * left) if math.isfinite(left) and left > 0 else 0.0
    result = problem.search(budget_m=sub.budget_m, mode=0, deadline=deadline - reserve, max_labels=capacity)
    if result.status == "proven":
        count, metres, edges = result.found[0]
        ctx.memo.learn(key, fewest=sub.edges[edges], fewest_key=(count, metres), proven=True, lower=count)
        return edges, True, count, ()
    length = ctx.index.length_m[sub.edges]
    candidates = [heuristic_fewest(ctx, sub, shortest_edges)]
    dive = problem.search(budget_m=sub.budget_m, mode=0, deadline=deadline, max_labels=capacity, greed=1.5)
    candidates += [found[2] for found in dive.found]
    if known.fewest is not None:
        candidates.append(sub.position(np.asarray(known.fewest)))
    edges = min(candidates, key=lambda e: (frt_count(ctx, sub.edges[e]), float(length[e].sum())))
    best = (frt_count(ctx, sub.edges[edges]), float(length[edges].sum()))
    lower = min(max(result.lower, known.lower), int(best[0]))
    ctx.memo.learn(key, fewest=sub.edges[edges], fewest_key=best, lower=lower)
    gap = int(best[0]) - lower
    what = (f"a route past at most {gap} fewer FRT camera{'s' if gap != 1 else ''} may exist" if gap
            else "no route passes fewer FRT cameras, but a shorter one past as few may exist")
    limit = "the exact search hit its memory limit"
    note = limit_note(limit_s, what) if result.status == "time limit" else f"{limit}: {what}"
    return edges, False, lower, (note,)


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
    check_nodes(ctx, source, target)
    deadline = search_deadline(time_limit_s, view=False)
    sub, shortest_edges = detour_subgraph(ctx, source, target, max_detour)
    edges, proven, lower, notes = prove_fewest(ctx, sub, camera_problem(ctx, sub), shortest_edges,
                                               key=memo_key(sub, max_detour), deadline=deadline, limit_s=time_limit_s)
    return route_from_edges(ctx, sub.edges[edges], label="fewest cameras", objective="fewest-cameras",
                            optimal=proven, notes=notes, lower_bound_frt=lower)
