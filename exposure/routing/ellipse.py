"""The shortest route and the detour ellipse around it, and what every exact search shares: limits and notes."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from exposure import _search, settings
from exposure._errors import NoRouteError
from exposure._parse import limit_message
from exposure.routing.context import RoutingContext
from exposure.routing.route import Route, route_from_edges

__all__ = [
    "Subgraph",
    "check_nodes",
    "detour_subgraph",
    "label_capacity",
    "limit_note",
    "search_deadline",
    "shortest_route",
    "subgraph_shortest",
    "subgraph_to_target",
]

_TOL = 1e-6


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
class Subgraph:
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


def _sub_csr(sub: Subgraph, cost: np.ndarray, *, reverse: bool = False) -> tuple[csr_matrix, np.ndarray]:
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


def subgraph_shortest(sub: Subgraph, cost: np.ndarray) -> np.ndarray | None:
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


def subgraph_to_target(sub: Subgraph, cost: np.ndarray) -> np.ndarray:
    """Least ``cost`` from every local node to the target, within the subgraph."""
    m, _ = _sub_csr(sub, cost, reverse=True)
    return np.asarray(dijkstra(m, directed=True, indices=sub.target), dtype=float)


def detour_subgraph(ctx: RoutingContext, source: int, target: int, max_detour: float) -> tuple[
        Subgraph, list[int]]:
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
    forward, backward = ctx.length_csr[0], ctx.length_csr_reverse
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
    sub = Subgraph(
        edges=edges, u=inverse[:k], v=inverse[k : 2 * k], nodes=nodes,
        source=int(inverse[2 * k]), target=int(inverse[2 * k + 1]), budget_m=budget, shortest_m=shortest_m,
        to_target_m=d_t[nodes],
    )
    return sub, shortest_edges


def check_nodes(ctx: RoutingContext, source: int, target: int) -> None:
    """Refuse node indices outside the network, and a trip that starts where it ends (:class:`NoRouteError`)."""
    n = ctx.index.n_nodes
    for name, node in (("origin", source), ("destination", target)):
        if not 0 <= node < n:
            msg = f"{name} node index {node} is outside the network (0..{n - 1})"
            raise NoRouteError(msg)
    if source == target:
        msg = "origin and destination are the same street node: there is no route to walk"
        raise NoRouteError(msg)


def search_deadline(time_limit_s: float | None, *, cameras: bool = True, view: bool = True) -> float:
    """The moment an exact search must stop, ``time_limit_s`` (default ``settings.exact_time_limit_s``) from now.

    A process's first search loads the compiled kernels it needs (``cameras``,
    ``view``) first: not part of any time limit.
    """
    # a process's first search loads the compiled kernels it needs: not part of any time limit
    _search.warm_up(cameras=cameras, view=view)
    limit = settings.exact_time_limit_s if time_limit_s is None else time_limit_s
    if not (isinstance(limit, int | float) and math.isfinite(limit) and limit >= 0):
        msg = f"the time limit must be a number of seconds >= 0, got {limit!r}"
        raise ValueError(msg)
    return time.perf_counter() + limit


def limit_note(limit_s: float | None, what: str) -> str:
    """The note of a route an exact search could not prove in time: ``what`` may be better."""
    limit = settings.exact_time_limit_s if limit_s is None else limit_s
    return f"the exact search stopped at its {limit:g} s limit: {what}"


def shortest_route(ctx: RoutingContext, source: int, target: int) -> Route:
    """The shortest walking route between two node indices."""
    check_nodes(ctx, source, target)
    _, edges = detour_subgraph(ctx, source, target, 0.0)
    return route_from_edges(ctx, edges, label="shortest", objective="shortest", optimal=True)


def label_capacity(n_words: int) -> int:
    """How many search labels fit in ``settings.max_search_memory_mb`` at ``n_words`` mask words each."""
    per_label = 6 * 8 + 8 * n_words + 24  # label fields, mask, its share of the queue
    return max(1024, int(settings.max_search_memory_mb * 2**20 / per_label))
