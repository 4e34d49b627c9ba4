"""The route least in view of FRT-capable cameras within the detour bound (Lagrangian relaxation, then exact)."""

from __future__ import annotations

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
    subgraph_to_target,
)
from exposure.routing.route import Route, route_from_edges

__all__ = ["larac", "least_in_view", "least_in_view_route"]


def larac(sub: Subgraph, cost: np.ndarray, length: np.ndarray, within: np.ndarray) -> tuple[
        np.ndarray, float, float]:
    """The cheapest route within the budget bracketed by Lagrangian relaxation (LARAC, a few shortest paths).

    ``cost`` and ``length`` are per local edge of the ellipse ``sub``; ``within`` is
    a route within the budget to start from (the shortest). Returns the cheapest
    route found within the budget (local edges), its cost, and a proven lower bound
    on the cost of any route within the budget: the two meet when LARAC proves it.
    """

    def measure(p: np.ndarray) -> tuple[float, float]:
        return float(cost[p].sum()), float(length[p].sum())

    p_c = subgraph_shortest(sub, cost)
    assert p_c is not None  # the ellipse holds the shortest route
    c_c, l_c = measure(p_c)
    if l_c <= sub.budget_m:
        return p_c, c_c, c_c
    p_l = within
    c_l, l_l = measure(p_l)
    lower = c_c
    for _ in range(50):
        lam = (c_l - c_c) / (l_c - l_l)
        p = subgraph_shortest(sub, cost + lam * length)
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
    return p_l, c_l, lower


def least_in_view(ctx: RoutingContext, sub: Subgraph, shortest_edges: list[int], *, deadline: float,
                  limit_s: float | None) -> tuple[np.ndarray, bool, tuple[str, ...]]:
    """Local edges of the least-in-view route within the budget, whether proven, and notes.

    Lagrangian relaxation (:func:`larac`) brackets the optimum with a few
    shortest-path runs and usually proves it; when a gap remains, an exact
    label-setting search (:func:`exposure._search.view_search`) closes it, pruned by
    LARAC's route.
    """
    length = ctx.index.length_m[sub.edges]
    view = ctx.exposure.in_view_m[sub.edges]
    # ties by length: a metre of street never outweighs a millimetre in view within the bound
    tie = 1e-3 / max(sub.budget_m, 1.0)
    cost = view + tie * length
    p_l, c_l, lower = larac(sub, cost, length, sub.position(shortest_edges))
    if c_l <= lower + 1e-9:
        return p_l, True, ()
    out_ptr, out_edge = _search.adjacency(sub.u, len(sub.nodes))
    status, edges, _ = _search.view_search(
        out_ptr, out_edge, sub.v.astype(np.int64), length, cost, sub.to_target_m, subgraph_to_target(sub, cost),
        sub.source, sub.target, sub.budget_m, c_l, deadline, label_capacity(1),
    )
    if status == 0 and float(cost[edges].sum()) <= c_l + 1e-12:
        return edges, True, ()
    what = "a route with less in view may exist"
    note = limit_note(limit_s, what) if status == 1 else f"the exact search hit its memory limit: {what}"
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
    check_nodes(ctx, source, target)
    deadline = search_deadline(time_limit_s, cameras=False)
    sub, shortest_edges = detour_subgraph(ctx, source, target, max_detour)
    p, proven, notes = least_in_view(ctx, sub, shortest_edges, deadline=deadline, limit_s=time_limit_s)
    return route_from_edges(ctx, sub.edges[p], label="least time in view", objective="least-time-in-view",
                            optimal=proven, notes=notes)
