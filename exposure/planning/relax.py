"""When no route keeps everything asked: what is kept first, what is given up, in which order and by how much."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.sparse.csgraph import dijkstra

from exposure import settings
from exposure._errors import NoRouteError, PlanError
from exposure._parse import quote
from exposure.planning.constraints import EdgeConstraints
from exposure.routing import Route, RoutingContext, route_from_edges, routes

__all__ = ["KEEP_ORDER", "KEEP_ORDER_LABELS", "LeastBad", "Relaxation", "keep_order", "least_bad_route",
           "relaxed_route"]

#: What a plan keeps when not everything can be met, first kept first (relaxed last): stay out of the
#: avoided areas, pass no avoided camera, pass no FRT camera (then the fewest), keep within the detour.
KEEP_ORDER: tuple[str, ...] = ("avoided-areas", "avoided-cameras", "no-frt-cameras", "max-detour")
#: Each name of :data:`KEEP_ORDER` in words, for tables, pages and cards.
KEEP_ORDER_LABELS: dict[str, str] = {
    "avoided-areas": "avoided areas", "avoided-cameras": "avoided cameras",
    "no-frt-cameras": "no FRT cameras (then the fewest)", "max-detour": "the maximum detour",
}
_KEPT_WORDS = {"avoided-areas": "keeps out of the avoided areas", "avoided-cameras": "passes no avoided camera",
               "no-frt-cameras": "passes no FRT camera"}
# metres: a route ties with the best when it breaks by no more than this (costs carry 1e-9 m per edge)
_TIE_M = 1e-4


def keep_order(spec: str | Iterable[str] | None, *, where: str = "keep order") -> tuple[str, ...]:
    """The keep order a user gave, completed: named items first, the others after them in the default order.

    Parameters
    ----------
    spec
        A comma list (``"no-frt-cameras,avoided-areas"``), a list of names, or
        None for :data:`KEEP_ORDER`.
    where
        How to name the value in messages (an option, a plan file's member).

    Raises
    ------
    PlanError
        When a name is unknown or given twice; the message lists the names.
    """
    if spec is None:
        return KEEP_ORDER
    if isinstance(spec, str):
        items = [part.strip().lower() for part in spec.split(",") if part.strip()]
    else:
        items = [str(part).strip().lower() if isinstance(part, str) else part for part in spec]
    bad = [item for item in items if item not in KEEP_ORDER]
    if bad:
        msg = (f"{where}: {', '.join(quote(b) for b in bad)} is not one of {', '.join(KEEP_ORDER)}; list them, "
               "first kept first")
        raise PlanError(msg)
    twice = sorted({item for item in items if items.count(item) > 1})
    if twice:
        msg = f"{where}: {', '.join(twice)} given more than once; name each at most once"
        raise PlanError(msg)
    return tuple(items) + tuple(k for k in KEEP_ORDER if k not in items)


@dataclass(frozen=True)
class Relaxation:
    """One thing a least-bad route gives up: which (a :data:`KEEP_ORDER` name), by how much, in words."""

    constraint: str
    amount: float
    unit: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form: constraint, amount (to 0.1), unit (``m``, ``cameras`` or ``%``) and the sentence."""
        return {"constraint": self.constraint, "amount": round(self.amount, 1), "unit": self.unit,
                "text": self.text}


@dataclass(frozen=True)
class LeastBad:
    """The least-bad route of one leg, what it keeps and what it gives up, in the keep order.

    ``route`` is labelled "least bad" when it breaks something. ``relaxed`` is
    empty when it keeps everything: a keep order that puts the detour before
    something asked is served this way too, since then the detour decides.
    """

    route: Route
    shortest: Route
    kept: tuple[str, ...]
    relaxed: tuple[Relaxation, ...]
    keep_order: tuple[str, ...] = field(default=KEEP_ORDER)

    @property
    def breaks(self) -> tuple[str, ...]:
        """What the route breaks, each in words with where and by how much."""
        return tuple(r.text for r in self.relaxed)


# --------------------------------------------------------------------------- graph helpers


def _distances(ctx: RoutingContext, cost: np.ndarray, keep: np.ndarray, node: int, *,
               reverse: bool = False) -> np.ndarray:
    """Least ``cost`` from ``node`` to every node (``reverse``: to ``node``) over the kept edges."""
    m, _ = ctx.index.csr(cost, keep=keep)
    if reverse:
        m = m.T.tocsr()
    return np.asarray(dijkstra(m, directed=True, indices=node), dtype=float)


def _best_edges(ctx: RoutingContext, cost: np.ndarray, keep: np.ndarray, source: int,
                target: int) -> tuple[np.ndarray, float] | None:
    """The edges that lie on some cheapest route (for ``cost``) over the kept edges, and that cost; None if none.

    Every route from ``source`` to ``target`` over the edges returned costs the
    least: along them the cost from the source grows exactly by each edge's cost.
    """
    cost = np.maximum(cost, 1e-9)  # as the matrix stores it
    from_s = _distances(ctx, cost, keep, source)
    if not np.isfinite(from_s[target]):
        return None
    to_t = _distances(ctx, cost, keep, target, reverse=True)
    u, v = ctx.index.edge_u, ctx.index.edge_v
    best = float(from_s[target])
    on = keep & (from_s[u] + cost + to_t[v] <= best + _TIE_M)
    return on, best


def _length(ctx: RoutingContext, keep: np.ndarray, source: int, target: int) -> float:
    """The shortest walk over the kept edges (inf when there is none)."""
    return float(_distances(ctx, ctx.index.length_m, keep, source)[target])


def _within(ctx: RoutingContext, keep: np.ndarray, source: int, target: int, budget_m: float) -> np.ndarray:
    """The kept edges that lie on some route of at most ``budget_m`` (all of them when the budget is inf)."""
    if not math.isfinite(budget_m):
        return keep
    length = ctx.index.length_m
    from_s = _distances(ctx, length, keep, source)
    to_t = _distances(ctx, length, keep, target, reverse=True)
    return keep & (from_s[ctx.index.edge_u] + length + to_t[ctx.index.edge_v] <= budget_m + _TIE_M)


def _streets(ctx: RoutingContext, edges: Sequence[int] | np.ndarray, *, most: int = 4) -> str:
    names: list[str] = []
    for e in edges:
        name = ctx.index.edge_names[int(e)] or "an unnamed path"
        if name not in names:
            names.append(name)
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _kept_words(kept: Sequence[str]) -> str:
    words = [_KEPT_WORDS[k] for k in kept if k in _KEPT_WORDS]
    if not words:
        return "the shortest route"
    return "the shortest route that " + (", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1
                                          else words[0])


# --------------------------------------------------------------------------- what a route breaks


def _area_breaks(ctx: RoutingContext, cons: EdgeConstraints, edges: np.ndarray) -> list[Relaxation]:
    out = []
    for area, metres, area_edges in zip(cons.avoid.areas, cons.area_m, cons.area_edges, strict=True):
        on = edges[np.isin(edges, area_edges)]
        if len(on):
            inside = float(metres[on].sum())
            out.append(Relaxation("avoided-areas", inside, "m", f"enters the avoided area '{area.name}' for "
                                  f"{inside:,.0f} m (on {_streets(ctx, on)})"))
    return out


def _camera_breaks(ctx: RoutingContext, cons: EdgeConstraints, edges: np.ndarray) -> list[Relaxation]:
    if not len(cons.avoided_rows):
        return []
    cams = ctx.exposure.cameras_on(edges)
    hit = cams[np.isin(cams, cons.avoided_rows)]
    if not len(hit):
        return []
    on = edges[cons.camera_edges[edges]]
    return [Relaxation("avoided-cameras", float(len(hit)), "cameras",
                       f"passes avoided camera{'s' if len(hit) > 1 else ''} "
                       f"{', '.join(ctx.camera_ids[hit].astype(str))} (on {_streets(ctx, on)})")]


def _frt_breaks(ctx: RoutingContext, cons: EdgeConstraints, edges: np.ndarray, *, fewest: str) -> list[Relaxation]:
    if not cons.avoid.no_frt_cameras:
        return []
    ex = ctx.exposure
    cams = ex.cameras_on(edges)
    frt = cams[ex.frt[cams]]
    if not len(frt):
        return []
    on = edges[ex.frt_count_on_edge()[edges] > 0]
    n = len(frt)
    return [Relaxation("no-frt-cameras", float(n), "cameras",
                       f"passes {n} FRT camera{'s' if n > 1 else ''} although none was allowed{fewest}, "
                       f"{ex.in_view_m[on].sum():,.0f} m in view (on {_streets(ctx, on)})")]


def _detour_break(route: Route, *, baseline_m: float, max_detour: float, kept: Sequence[str]) -> list[Relaxation]:
    if not (math.isfinite(baseline_m) and baseline_m > 0):
        return []
    over = route.length_m / baseline_m - 1.0
    if route.length_m <= (1.0 + max_detour) * baseline_m + _TIE_M:
        return []
    return [Relaxation("max-detour", 100.0 * over, "%",
                       f"is {route.length_m:,.0f} m, {100 * over:,.0f} % longer than {_kept_words(kept)} "
                       f"({baseline_m:,.0f} m), over the {100 * max_detour:,.0f} % asked")]


# --------------------------------------------------------------------------- the least-bad route


@dataclass
class _Walk:
    """The state of walking down the keep order for one leg."""

    keep: np.ndarray
    budget_m: float = math.inf
    baseline_m: float = math.nan
    kept: list[str] = field(default_factory=list)
    relaxed: list[str] = field(default_factory=list)
    frt_relaxed: bool = False
    after_frt: list[str] = field(default_factory=list)
    frt_budget_m: float = math.inf


def _item_edges(ctx: RoutingContext, cons: EdgeConstraints, item: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The edges that break one item and how many metres each breaks it by; None when the item asks nothing."""
    n = ctx.index.n_edges
    if item == "avoided-areas" and cons.area_m:
        metres = np.sum(cons.area_m, axis=0)
        edges = np.zeros(n, dtype=bool)
        for area_edges in cons.area_edges:
            edges[area_edges] = True
        return edges, np.where(edges, np.maximum(metres, 1e-3), 0.0)
    if item == "avoided-cameras" and len(cons.avoided_rows) and cons.camera_edges.any():
        return cons.camera_edges, np.where(cons.camera_edges, np.maximum(ctx.index.length_m, 1e-3), 0.0)
    if item == "no-frt-cameras" and cons.avoid.no_frt_cameras:
        frt_edges = ctx.exposure.frt_count_on_edge() > 0
        return frt_edges, np.where(frt_edges, np.maximum(ctx.exposure.in_view_m, 1e-3), 0.0)
    return None


def _walk_order(ctx: RoutingContext, cons: EdgeConstraints, source: int, target: int, order: Sequence[str],
                max_detour: float) -> _Walk:
    """Keep each item in turn when a route can (within the detour once it is kept), else relax it."""
    start = np.ones(ctx.index.n_edges, dtype=bool) if ctx.blocked is None else ~ctx.blocked
    walk = _Walk(keep=start)
    for item in order:
        if item == "max-detour":
            walk.baseline_m = _length(ctx, walk.keep, source, target)
            walk.budget_m = (1.0 + max_detour) * walk.baseline_m
            walk.kept.append(item)
            continue
        found = _item_edges(ctx, cons, item)
        if found is None:
            continue
        edges, breach = found
        if walk.frt_relaxed:  # decided once the fewest-camera route is known (see _frt_route)
            walk.after_frt.append(item)
            continue
        length = _length(ctx, walk.keep & ~edges, source, target)
        if math.isfinite(length) and length <= walk.budget_m + _TIE_M:
            walk.keep = walk.keep & ~edges
            walk.kept.append(item)
        elif item == "no-frt-cameras":
            walk.frt_relaxed, walk.frt_budget_m = True, walk.budget_m
            walk.relaxed.append(item)
        else:  # break it as little as a route can, within the detour when that is kept
            near = _within(ctx, walk.keep, source, target, walk.budget_m)
            best = _best_edges(ctx, breach, near, source, target) or _best_edges(ctx, breach, walk.keep, source,
                                                                                  target)
            if best is None:
                msg = "no walking route connects these points in this network, even through what is to be avoided"
                raise NoRouteError(msg)
            walk.keep = best[0]
            walk.relaxed.append(item)
    return walk


def _detour_for(ctx: RoutingContext, keep: np.ndarray, source: int, target: int, budget_m: float) -> float:
    """The detour fraction over the shortest kept route that a search may use to stay within ``budget_m``."""
    if not math.isfinite(budget_m):
        return settings.max_detour_allowed
    shortest = _length(ctx, keep, source, target)
    return float(min(settings.max_detour_allowed, max(0.0, budget_m / shortest - 1.0)))


def _search(ctx: RoutingContext, keep: np.ndarray, source: int, target: int, *, objective: str, detour: float,
            time_limit_s: float | None) -> tuple[Route, Route]:
    """The shortest and the objective's route over the kept edges, as :func:`~exposure.routing.routes` finds them."""
    sub = ctx if keep.all() else ctx.without(~keep)
    found = routes(sub, source, target, objective=objective, max_detour=detour, time_limit_s=time_limit_s)
    return found[0], found[-1]


def _frt_route(ctx: RoutingContext, cons: EdgeConstraints, walk: _Walk, source: int, target: int, *,
               time_limit_s: Callable[[], float | None]) -> tuple[Route, Route]:
    """The fewest-FRT-camera route, then each item after it kept when that costs no more FRT cameras."""
    detour = _detour_for(ctx, walk.keep, source, target, walk.frt_budget_m)
    shortest, best = _search(ctx, walk.keep, source, target, objective="fewest-cameras", detour=detour,
                             time_limit_s=time_limit_s())
    for item in walk.after_frt:
        found = _item_edges(ctx, cons, item)
        assert found is not None
        keep = walk.keep & ~found[0]
        if not np.isfinite(_length(ctx, keep, source, target)):
            walk.relaxed.append(item)
            continue
        # the detour in force when the FRT cameras were relaxed bounds these searches too
        other_short, other = _search(ctx, keep, source, target, objective="fewest-cameras",
                                     detour=_detour_for(ctx, keep, source, target, walk.frt_budget_m),
                                     time_limit_s=time_limit_s())
        if other.frt_cameras <= best.frt_cameras:
            walk.keep, shortest, best = keep, other_short, other
            walk.kept.append(item)
        else:
            walk.relaxed.append(item)
    return shortest, best


def relaxed_route(
    ctx: RoutingContext, cons: EdgeConstraints, source: int, target: int, *,
    order: Sequence[str] = KEEP_ORDER, max_detour: float = settings.max_detour,
    objective: str = "fewest-cameras", time_limit_s: float | None = None,
) -> LeastBad:
    """The best route when not everything asked can be kept: each item kept in the keep order, or relaxed least.

    Down the keep order (:data:`KEEP_ORDER` by default: avoided areas, avoided
    cameras, no FRT camera, the detour), each item is kept when some route keeps
    it and everything kept before it; else it is relaxed, as little as a route
    can: the fewest metres inside the avoided areas or in view of the avoided
    cameras, or the fewest FRT cameras (an exact search, which may use a detour
    up to ``settings.max_detour_allowed`` when the detour comes after it in the
    order). The detour is measured from the shortest route that keeps what comes
    before it. Among the routes left, the objective's is taken.

    Parameters
    ----------
    ctx
        The routing context without the constraints.
    cons
        What is to be avoided, as edges (:func:`~exposure.planning.constraint_edges`).
    source, target
        Node indices.
    order
        The keep order (see :func:`keep_order`), first kept first.
    max_detour
        The detour asked for, as a fraction of the baseline route.
    objective
        What the route minimises once the keep order is served.
    time_limit_s
        Bounds the searches together.

    Raises
    ------
    NoRouteError
        When no walking route joins the two points at all.
    """
    order = keep_order(order)
    walk = _walk_order(ctx, cons, source, target, order, max_detour)
    deadline = None if time_limit_s is None else time.perf_counter() + time_limit_s

    def left() -> float | None:
        return None if deadline is None else max(0.0, deadline - time.perf_counter())

    if walk.frt_relaxed:
        shortest, route = _frt_route(ctx, cons, walk, source, target, time_limit_s=left)
    else:
        detour = _detour_for(ctx, walk.keep, source, target, walk.budget_m)
        shortest, route = _search(ctx, walk.keep, source, target, objective=objective, detour=detour,
                                  time_limit_s=left())
    edges = np.asarray(route.edges, dtype=np.int64)
    relaxed: list[Relaxation] = []
    for item in order:  # what the route breaks, in the keep order
        if item == "avoided-areas":
            relaxed += _area_breaks(ctx, cons, edges)
        elif item == "avoided-cameras":
            relaxed += _camera_breaks(ctx, cons, edges)
        elif item == "no-frt-cameras":
            kept_before = [k for k in walk.kept if order.index(k) < order.index(item)]
            relaxed += _frt_breaks(ctx, cons, edges, fewest=" (the fewest a route can pass that "
                                   f"{_kept_or_nothing(kept_before)})")
        else:
            kept_before = [k for k in walk.kept if order.index(k) < order.index(item)]
            relaxed += _detour_break(route, baseline_m=walk.baseline_m, max_detour=max_detour, kept=kept_before)
    kept = tuple(k for k in order if k not in {r.constraint for r in relaxed}
                 and (k == "max-detour" or _item_edges(ctx, cons, k) is not None))
    if relaxed:
        route = _as_least_bad(ctx, route, [r.text for r in relaxed])
    return LeastBad(route=route, shortest=shortest, kept=kept, relaxed=tuple(relaxed), keep_order=order)


def _kept_or_nothing(kept: Sequence[str]) -> str:
    words = [_KEPT_WORDS[k] for k in kept if k in _KEPT_WORDS]
    if not words:
        return "takes within the detour"
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]


def least_bad_route(
    ctx: RoutingContext, cons: EdgeConstraints, source: int, target: int, *,
    order: Sequence[str] = KEEP_ORDER, max_detour: float = settings.max_detour,
    time_limit_s: float | None = None,
) -> tuple[Route, tuple[str, ...]]:
    """The least-bad route in the keep order (see :func:`relaxed_route`), and what it breaks, in words.

    The route is labelled "least bad" (when it breaks something); its notes say what it breaks.

    Raises
    ------
    NoRouteError
        When no walking route joins the two points at all.
    """
    found = relaxed_route(ctx, cons, source, target, order=order, max_detour=max_detour,
                          objective="shortest", time_limit_s=time_limit_s)
    return found.route, found.breaks


def _as_least_bad(ctx: RoutingContext, route: Route, breaks: Sequence[str]) -> Route:
    return route_from_edges(ctx, list(route.edges), label="least bad", objective="least-bad", optimal=route.optimal,
                            notes=(*route.notes, *(f"no route avoids everything asked; this one {b}"
                                                   for b in breaks)))
