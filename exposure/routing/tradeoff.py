"""The trade-off between length and FRT cameras: the shortest route for each number of cameras (exact)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from exposure import _search, settings
from exposure.routing.context import RoutingContext
from exposure.routing.ellipse import Subgraph, check_nodes, detour_subgraph, label_capacity, limit_note, search_deadline
from exposure.routing.fewest import camera_problem, frt_count, memo_key, prove_fewest
from exposure.routing.route import Route, route_from_edges

__all__ = ["Tradeoff", "alternative_routes", "camera_tradeoff", "spread", "tradeoff_routes"]


@dataclass(frozen=True)
class Tradeoff:
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


def _within(ctx: RoutingContext, sub: Subgraph, problem: _search.CameraProblem, budget_m: float, *,
            key: tuple[int, int, float], deadline: float) -> np.ndarray | None:
    """The fewest-camera route (local edges) at most ``budget_m`` long, ties by length; None if out of time.

    It is a proven trade-off route: no route past at most as many cameras is shorter.
    """
    length = ctx.index.length_m
    for capped_m, known in ctx.memo.get(key).capped.items():
        # the fewest-camera route within a larger budget is the one within this budget too when it fits in it
        # (a route remembered under a budget rounded to this one could be longer than this budget: never that)
        if capped_m >= budget_m >= float(length[np.asarray(known, dtype=np.int64)].sum()):
            return sub.position(np.asarray(known))
    result = problem.search(budget_m=budget_m, mode=0, deadline=deadline,
                            max_labels=label_capacity(problem.e_mask.shape[1]))
    if result.status != "proven":
        return None
    edges = result.found[0][2]
    ctx.memo.learn(key, capped={budget_m: sub.edges[edges]})
    return edges


def _between(ctx: RoutingContext, sub: Subgraph, problem: _search.CameraProblem, ends: list[np.ndarray], n: int, *,
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


def _pareto(ctx: RoutingContext, sub: Subgraph, by_length: list[np.ndarray]) -> list[np.ndarray]:
    """Routes (shortest first) that pass fewer FRT cameras than every shorter one."""
    out: list[np.ndarray] = []
    fewest = math.inf
    for edges in by_length:
        count = frt_count(ctx, sub.edges[edges])
        if count < fewest:
            out.append(edges)
            fewest = count
    return out


def camera_tradeoff(ctx: RoutingContext, sub: Subgraph, shortest_edges: list[int], *, deadline: float,
                     limit_s: float | None, frontier: int, max_detour: float) -> Tradeoff:
    """The fewest-camera route and trade-off routes between it and the shortest, from one shared problem.

    First a search ordered by cameras proves the fewest count (ties by length).
    ``frontier`` 0 stops there; -1 asks for the complete trade-off set
    (:func:`_frontier`), ``n`` > 0 for up to ``n`` routes between, evenly spread
    over the lengths (:func:`_between`). The deadline bounds all searches together.
    """
    key = memo_key(sub, max_detour)
    problem = camera_problem(ctx, sub)
    fewest, fewest_proven, lower, first_notes = prove_fewest(ctx, sub, problem, shortest_edges, key=key,
                                                        deadline=deadline, limit_s=limit_s)
    notes = list(first_notes)
    shortest = sub.position(shortest_edges)
    if not frontier:
        return Tradeoff(points=[(fewest, fewest_proven)], complete=fewest_proven, fewest_proven=fewest_proven,
                         lower=lower, notes=tuple(notes))
    if frontier > 0:
        points, complete = _between(ctx, sub, problem, [shortest, fewest], frontier, key=key, deadline=deadline)
        fewest_proven = fewest_proven and points[-1] is fewest  # a cheaper route than a fallback's is no proof
        out = [(p, True) for p in points[:-1]] + [(points[-1], fewest_proven)] if len(points) > 1 else [
            (shortest, True)]
    else:
        out, complete = _frontier(ctx, sub, shortest_edges, fewest, fewest_proven, problem, key=key,
                                  deadline=deadline)
        fewest_proven = out[-1][1]
    if not complete and fewest_proven:
        notes.append(limit_note(limit_s, "some trade-off routes between these may be missing"))
    return Tradeoff(points=out, complete=complete, fewest_proven=fewest_proven, lower=lower, notes=tuple(notes))


def _frontier(ctx: RoutingContext, sub: Subgraph, shortest_edges: list[int], fewest: np.ndarray,
              fewest_proven: bool, problem: _search.CameraProblem, *, key: tuple[int, int, float],
              deadline: float) -> tuple[list[tuple[np.ndarray, bool]], bool]:
    """The complete trade-off set, from the fewest-camera route back to the shortest; from the memo when proven before.

    The fewest-camera route within a budget just under a trade-off route's length
    is the trade-off route before it, so one such search per route walks the set
    back to the shortest route. (A single search ordered by metres from the
    shortest route finds the same set, but on long trips it took many times longer:
    see ``bench/README.md``.) Returns the points, shortest first, and whether
    complete.
    """
    known = ctx.memo.get(key).frontier
    if known is not None and fewest_proven:
        return [(sub.position(np.asarray(p)), True) for p in known], True
    length = ctx.index.length_m[sub.edges]
    shortest_m = float(length[sub.position(shortest_edges)].sum())
    points = [fewest]
    complete = True
    while float(length[points[-1]].sum()) > shortest_m + 1e-6:
        if time.perf_counter() > deadline:  # each step is one search, each with the same deadline: stop between
            complete = False
            break
        before = _within(ctx, sub, problem, float(length[points[-1]].sum()) - 0.005, key=key, deadline=deadline)
        if before is None:
            complete = False
            break
        points.append(before)
    if not complete:
        points.append(sub.position(shortest_edges))
    ordered = _pareto(ctx, sub, points[::-1])
    out = [(p, True) for p in ordered[:-1]] + [(ordered[-1], fewest_proven and ordered[-1] is fewest)]
    if complete and fewest_proven:
        ctx.memo.learn(key, frontier=[sub.edges[p] for p, _ in out])
    return out, complete


def spread(items: list[Any], n: int) -> list[Any]:
    """At most ``n`` of ``items``: the first, then (for ``n > 1``) the last and evenly spaced ones between."""
    if len(items) <= n:
        return items
    keep = np.unique(np.round(np.linspace(0, len(items) - 1, n)).astype(int))
    return [items[i] for i in keep]


def tradeoff_routes(ctx: RoutingContext, sub: Subgraph, found: Tradeoff) -> list[Route]:
    """The trade-off points as routes: "shortest", "trade-off 1", ..., "fewest cameras" (with its bound)."""
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
    check_nodes(ctx, source, target)
    if n < 1:
        msg = f"the number of alternatives must be at least 1, got {n}"
        raise ValueError(msg)
    deadline = search_deadline(time_limit_s, view=False)
    sub, shortest_edges = detour_subgraph(ctx, source, target, max_detour)
    found = camera_tradeoff(ctx, sub, shortest_edges, deadline=deadline, limit_s=time_limit_s, frontier=-1,
                             max_detour=max_detour)
    return spread(tradeoff_routes(ctx, sub, found), n)
