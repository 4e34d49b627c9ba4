"""A route request as the dashboard and the command line ask it: the shortest route, an objective's, alternatives."""

from __future__ import annotations

import dataclasses

from exposure import settings
from exposure.routing.context import RoutingContext
from exposure.routing.ellipse import check_nodes, detour_subgraph, search_deadline
from exposure.routing.route import Route, route_from_edges
from exposure.routing.tradeoff import camera_tradeoff, spread, tradeoff_routes
from exposure.routing.view import least_in_view

__all__ = ["OBJECTIVES", "routes"]

OBJECTIVES = ("shortest", "fewest-cameras", "least-time-in-view")


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
    check_nodes(ctx, source, target)
    deadline = search_deadline(time_limit_s, cameras=objective == "fewest-cameras" or alternatives > 0,
                         view=objective == "least-time-in-view")
    sub, shortest_edges = detour_subgraph(ctx, source, target, max_detour)
    found = [route_from_edges(ctx, shortest_edges, label="shortest", objective="shortest", optimal=True)]
    tradeoff = None
    if objective == "fewest-cameras" or alternatives:
        tradeoff = camera_tradeoff(ctx, sub, shortest_edges, deadline=deadline, limit_s=time_limit_s,
                                    frontier=alternatives, max_detour=max_detour)
    if objective == "fewest-cameras":
        assert tradeoff is not None
        edges, proven = tradeoff.points[-1]
        found.append(route_from_edges(ctx, sub.edges[edges], label="fewest cameras", objective="fewest-cameras",
                                      optimal=proven, notes=tradeoff.notes, lower_bound_frt=tradeoff.lower))
    elif objective == "least-time-in-view":
        p, proven, notes = least_in_view(ctx, sub, shortest_edges, deadline=deadline, limit_s=time_limit_s)
        found.append(route_from_edges(ctx, sub.edges[p], label="least time in view", objective="least-time-in-view",
                                      optimal=proven, notes=notes))
    if tradeoff is not None and alternatives:
        candidates = [r for r in tradeoff_routes(ctx, sub, tradeoff) if all(r.edges != f.edges for f in found)]
        extra = candidates if len(candidates) <= alternatives else spread(candidates, alternatives)
        for i, r in enumerate(extra, start=1):
            found.append(dataclasses.replace(r, label=f"alternative {i}"))
    unique: list[Route] = []
    for r in found:
        if all(r.edges != u.edges for u in unique):
            unique.append(r)
    return unique
