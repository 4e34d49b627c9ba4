"""Plans: every gathering point through the via points to the site and out to dispersal points."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from scipy.spatial import cKDTree

from exposure import settings
from exposure._errors import ExposureError, NoRouteError, PlaceError, PlanError
from exposure._parse import amount, limit_message, quote
from exposure.counted import Counting, counting
from exposure.places import snap_to_street
from exposure.planning._input import check_count, check_lat_lon
from exposure.planning.avoid import Avoidance
from exposure.planning.constraints import EdgeConstraints, constraint_edges
from exposure.planning.points import PlanPoint, PointFailure
from exposure.planning.regroup import RegroupPoint, rank_regroup_points
from exposure.planning.relax import KEEP_ORDER, Relaxation, keep_order, relaxed_route
from exposure.routing import OBJECTIVES, Route, RoutingContext, route_from_edges, routes
from exposure.style import OBJECTIVE_LABELS

if TYPE_CHECKING:
    import pandas as pd

    from exposure.cameras import CameraExtent
    from exposure.network import NetworkIndex
    from exposure.viewsheds import Viewsheds

__all__ = [
    "OBJECTIVE_LABELS", "PLAN_SCHEMA", "PLAN_SCHEMA_VERSION", "Journey", "Leg", "Plan", "PlanRequest", "make_plan",
]

#: The ``schema`` member of a saved plan file.
PLAN_SCHEMA = "exposure-plan"
#: Version of the plan file layout this package writes (and the newest it reads). Version 2 added the
#: request's ``keep_order``; a version 1 file reads with the default order. Version 3 added the request's
#: ``coverage_model`` and ``level``; an older file reads with ``per-kind`` at ``identify``, the model it was
#: planned under.
PLAN_SCHEMA_VERSION = 3


@dataclass(frozen=True)
class Leg:
    """One leg of a journey (between consecutive stops): its shortest route and the objective's route.

    When no route satisfies the constraints, both are the least-bad route,
    ``feasible`` is False, ``breaks`` says what it breaks, where and by how much,
    and ``relaxed`` the same item by item, in the request's keep order.
    """

    origin: PlanPoint
    destination: PlanPoint
    shortest: Route
    route: Route
    feasible: bool = True
    breaks: tuple[str, ...] = ()
    relaxed: tuple[Relaxation, ...] = ()


@dataclass(frozen=True)
class Journey:
    """A way in (gathering point through the via points to the site) or out (site to a dispersal point).

    ``shortest`` and ``route`` join the legs' routes; a camera met on several
    legs counts once.
    """

    name: str
    direction: str
    stops: tuple[PlanPoint, ...]
    legs: tuple[Leg, ...]
    shortest: Route
    route: Route

    @property
    def feasible(self) -> bool:
        """True when every leg avoids everything asked."""
        return all(leg.feasible for leg in self.legs)

    @property
    def breaks(self) -> tuple[str, ...]:
        """What the journey breaks, leg by leg."""
        return tuple(f"{leg.origin.name} → {leg.destination.name}: {b}" for leg in self.legs for b in leg.breaks)

    @property
    def relaxed(self) -> tuple[str, ...]:
        """Which items of the keep order any leg relaxed, in that order, each once."""
        return tuple(dict.fromkeys(r.constraint for leg in self.legs for r in leg.relaxed))

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the routes with geometry, each leg's figures without it."""
        def figures(route: Route) -> dict[str, Any]:
            out = route.to_dict()
            out.pop("geometry")
            return out

        return {
            "name": self.name, "direction": self.direction, "stops": [s.name for s in self.stops],
            "feasible": self.feasible, "breaks": list(self.breaks), "relaxed": list(self.relaxed),
            "route": self.route.to_dict(), "shortest": self.shortest.to_dict(),
            "legs": [{"from": leg.origin.name, "to": leg.destination.name, "feasible": leg.feasible,
                      "breaks": list(leg.breaks), "relaxed": [r.to_dict() for r in leg.relaxed],
                      "route": figures(leg.route), "shortest": figures(leg.shortest)}
                     for leg in self.legs],
        }


@dataclass(frozen=True)
class PlanRequest:
    """What an organiser asks for: the site, the ways in and out, via points, what to avoid, and the objective.

    ``keep_order`` says what to keep first when no route can keep everything
    (see :data:`~exposure.planning.KEEP_ORDER`). ``coverage_model`` and ``level``
    say what a camera sees (a model's name or file, and identify, recognise or
    observe); None is the default in force (``exposure.settings.coverage_model``
    at ``coverage_level``). The plan is counted under the routing context it is made with;
    these say which one to make when the plan file is read again.
    """

    site: PlanPoint
    gathering: tuple[PlanPoint, ...] = ()
    dispersal: tuple[PlanPoint, ...] = ()
    via: tuple[PlanPoint, ...] = ()
    avoid: Avoidance = field(default_factory=Avoidance)
    objective: str = "fewest-cameras"
    max_detour: float = settings.max_detour
    regroup_radius_m: float = 0.0
    dataset: str | None = None
    keep_order: tuple[str, ...] = KEEP_ORDER
    coverage_model: str | None = None
    level: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the ``request`` member of a plan file)."""
        return {
            "dataset": self.dataset, "site": self.site.to_dict(),
            "gathering": [p.to_dict() for p in self.gathering], "via": [p.to_dict() for p in self.via],
            "dispersal": [p.to_dict() for p in self.dispersal], "avoid": self.avoid.to_dict(),
            "objective": self.objective, "max_detour": self.max_detour, "regroup_radius_m": self.regroup_radius_m,
            "keep_order": list(self.keep_order), "coverage_model": self.coverage_model, "level": self.level,
        }


@dataclass(frozen=True)
class Plan:
    """A computed plan: a journey per gathering and dispersal point, regroup points, and what was counted.

    ``failures`` lists the gathering and dispersal points that could not be
    planned (not found, off the streets, no walking route), each with why: the
    other points are planned all the same. ``counting`` says what a count of 0
    FRT cameras means for these routes (``settings["counting"]`` holds its JSON).
    """

    request: PlanRequest
    journeys: tuple[Journey, ...]
    regroup: tuple[RegroupPoint, ...]
    settings: dict[str, Any]
    notes: tuple[str, ...] = ()
    failures: tuple[PointFailure, ...] = ()
    counting: Counting | None = None

    @property
    def feasible(self) -> bool:
        """True when every journey avoids everything asked."""
        return all(j.feasible for j in self.journeys)

    def summary(self) -> list[dict[str, Any]]:
        """One row per journey and route (the objective's route, then the shortest); ``kind`` says which."""
        rows = []
        for kind in ("route", "shortest"):
            for j in self.journeys:
                r: Route = getattr(j, kind)
                rows.append({"journey": j.name, "direction": j.direction, "kind": kind, "route": r.label,
                             "length_m": round(r.length_m, 1), "walk_min": round(r.walk_min, 1),
                             "frt_cameras": r.frt_cameras, "metres_in_view": round(r.metres_in_view, 1),
                             "feasible": j.feasible})
        return rows

    def totals(self) -> list[dict[str, Any]]:
        """Totals over the ways in and the ways out: length and minutes summed, FRT cameras counted once."""
        out = []
        for direction, name in (("in", "all ways in"), ("out", "all ways out")):
            chosen = [j for j in self.journeys if j.direction == direction]
            if not chosen:
                continue
            for kind in ("route", "shortest"):
                picked = [getattr(j, kind) for j in chosen]
                cams = {c for r in picked for c in r.frt_camera_ids}
                out.append({"journey": name, "direction": direction, "kind": kind,
                            "route": "shortest" if kind == "shortest" else OBJECTIVE_LABELS[self.request.objective],
                            "routes": len(picked), "length_m": round(sum(r.length_m for r in picked), 1),
                            "walk_min": round(sum(r.walk_min for r in picked), 1), "frt_cameras": len(cams),
                            "frt_camera_ids": sorted(cams),
                            "metres_in_view": round(sum(r.metres_in_view for r in picked), 1),
                            "feasible": all(j.feasible for j in chosen)})
        return out

    def points(self) -> list[tuple[str, PlanPoint]]:
        """Every point of the plan with its role: site, gathering, via, dispersal, regroup."""
        out = [("site", self.request.site)]
        out += [("gathering", p) for p in self.request.gathering]
        out += [("via", p) for p in self.request.via]
        out += [("dispersal", p) for p in self.request.dispersal]
        out += [("regroup", PlanPoint(name=f"regroup {g.rank}: {g.name}", lon=g.lon, lat=g.lat, node=g.node))
                for g in self.regroup]
        return out

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (see README); :func:`read_plan` reads it back."""
        return {
            "schema": PLAN_SCHEMA, "schema_version": PLAN_SCHEMA_VERSION,
            "request": self.request.to_dict(), "settings": self.settings,
            "feasible": self.feasible, "notes": list(self.notes),
            "failures": [f.to_dict() for f in self.failures],
            "summary": self.summary(), "totals": self.totals(),
            "journeys": [j.to_dict() for j in self.journeys],
            "regroup": [g.to_dict() for g in self.regroup],
        }


def _check_request(request: PlanRequest) -> None:
    if request.objective not in OBJECTIVES:
        msg = f"unknown objective {request.objective!r}; choose one of {', '.join(OBJECTIVES)}"
        raise PlanError(msg)
    if not (math.isfinite(request.max_detour) and request.max_detour >= 0):
        msg = f"max_detour must be >= 0 (a fraction: 0.5 means at most 50 % longer), got {request.max_detour}"
        raise PlanError(msg)
    if not (math.isfinite(request.regroup_radius_m) and request.regroup_radius_m >= 0):
        msg = f"the regroup radius must be 0 (none) or a positive number of metres, got {request.regroup_radius_m}"
        raise PlanError(msg)
    keep_order(request.keep_order, where="keep_order")
    if not (request.gathering or request.dispersal):
        msg = "a plan needs at least one gathering point (a way in) or dispersal point (a way out)"
        raise PlanError(msg)
    if request.via and not request.gathering:
        msg = "via points lie on the way in: add a gathering point for the march to start from"
        raise PlanError(msg)
    check_count(len(request.gathering) + len(request.dispersal), where="the plan",
                 setting="max_plan_points", what="gathering and dispersal points")
    check_count(len(request.via), where="the plan", setting="max_via_points", what="via points")
    check_count(len(request.avoid.areas), where="the plan", setting="max_avoid_items", what="areas to avoid")
    check_count(len(request.avoid.cameras), where="the plan", setting="max_avoid_items", what="cameras to avoid")
    if request.max_detour > settings.max_detour_allowed:
        msg = limit_message(f"max_detour {request.max_detour:.3g}", "max_detour_allowed", "ask for a smaller detour")
        raise PlanError(msg)
    if request.regroup_radius_m > settings.max_avoid_radius_m:
        msg = limit_message(f"a regroup radius of {amount(request.regroup_radius_m)} m", "max_avoid_radius_m",
                            "look for regroup points nearer the site", unit=" m")
        raise PlanError(msg)
    named = [("site", request.site)] + [(f"gathering point {i}", p) for i, p in enumerate(request.gathering, 1)]
    named += [(f"via point {i}", p) for i, p in enumerate(request.via, 1)]
    named += [(f"dispersal point {i}", p) for i, p in enumerate(request.dispersal, 1)]
    for what, p in named:
        check_lat_lon(p.lat, p.lon, where=f"{what} ({p.name})")
    legs = [(f"gathering point '{g.name}'", [g, *request.via, request.site]) for g in request.gathering]
    legs += [(f"dispersal point '{d.name}'", [request.site, d]) for d in request.dispersal]
    for what, stops in legs:
        for a, b in itertools.pairwise(stops):
            km = _crow_km(a, b)
            if km > settings.max_trip_km:
                msg = limit_message(f"the way from {a.name} to {b.name} (for {what}) is {km:,.1f} km in a straight "
                                    "line", "max_trip_km", "plan walks between closer points", unit=" km")
                raise PlanError(msg)


def _crow_km(a: PlanPoint, b: PlanPoint) -> float:
    """Distance on the sphere between two points, in kilometres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(min(max(h, 0.0), 1.0)))


def _snap(index: NetworkIndex, tree: cKDTree, point: PlanPoint, *, what: str) -> PlanPoint:
    """The point with the street node it snaps to; refused when it lies off the dataset's streets."""
    node, dist = snap_to_street(index, point.lon, point.lat, label=f"{what} '{point.name}'", tree=tree)
    return replace(point, node=node, snap_m=dist)


class _ShortestTrees:
    """Shortest routes for many legs from few Dijkstra runs: one per shared target (reverse) or source."""

    def __init__(self, ctx: RoutingContext, legs: list[tuple[int, int]]) -> None:
        self.ctx = ctx
        self.by_target: dict[int, int] = {}
        self.by_source: dict[int, int] = {}
        for s, t in legs:
            self.by_target[t] = self.by_target.get(t, 0) + 1
            self.by_source[s] = self.by_source.get(s, 0) + 1
        self.reverse: dict[int, np.ndarray] = {}
        self.forward: dict[int, np.ndarray] = {}

    def path(self, s: int, t: int) -> list[int] | None:
        """Edges of a shortest route from node ``s`` to ``t``, or None when there is none."""
        if self.by_target[t] >= self.by_source[s]:
            if t not in self.reverse:
                self.reverse[t] = self.ctx.length_distances(t, reverse=True)[1]
            pred = self.reverse[t]
            nodes = [s]
            while nodes[-1] != t:  # the reverse tree points each node at the next one towards t
                nxt = int(pred[nodes[-1]])
                if nxt < 0:
                    return None
                nodes.append(nxt)
        else:
            if s not in self.forward:
                self.forward[s] = self.ctx.length_distances(s)[1]
            pred = self.forward[s]
            nodes = [t]
            while nodes[-1] != s:
                prev = int(pred[nodes[-1]])
                if prev < 0:
                    return None
                nodes.append(prev)
            nodes.reverse()
        return [self.ctx.edge_between(a, b) for a, b in zip(nodes[:-1], nodes[1:], strict=True)]


def _combined_optimal(found: Sequence[Route]) -> bool | None:
    flags = [r.optimal for r in found]
    if any(f is False for f in flags):
        return False
    return True if any(f is True for f in flags) else None


def _combined_lower_bound(found: Sequence[Route]) -> int | None:
    # the journey passes every leg, so at least as many FRT cameras as the leg that must pass most
    bounds = [r.lower_bound_frt for r in found]
    return None if not bounds or any(b is None for b in bounds) else max(b for b in bounds if b is not None)


def _join(ctx: RoutingContext, legs: Sequence[Leg], kind: str, *, label: str, objective: str) -> Route:
    parts: list[Route] = [getattr(leg, kind) for leg in legs]
    edges = [e for r in parts for e in r.edges]
    notes = tuple(f"{leg.origin.name} → {leg.destination.name}: {n}" if len(legs) > 1 else n
                  for leg, r in zip(legs, parts, strict=True) for n in r.notes)
    return route_from_edges(ctx, edges, label=label, objective=objective, optimal=_combined_optimal(parts),
                            notes=notes, lower_bound_frt=_combined_lower_bound(parts))


def make_plan(
    ctx: RoutingContext, request: PlanRequest, *, cameras: pd.DataFrame | None = None,
    time_limit_s: float | None = None, failures: Sequence[PointFailure] = (), extent: CameraExtent | None = None,
    views: Viewsheds | None = None,
) -> Plan:
    """Plan the ways in, the ways out and the regroup points of a protest.

    Each gathering point gets a journey through the via points (in order) to the
    site, each dispersal point one from the site; every leg gets its shortest
    route and the objective's route, exactly as :func:`exposure.routing.routes`
    would answer that leg alone. What is to be avoided is a hard constraint in
    every objective; a leg no route can make avoiding it all gets the least-bad
    route, which keeps what comes first in ``request.keep_order`` and relaxes the
    rest as little as it can (:func:`~exposure.planning.relaxed_route`), and says
    what it relaxed, where and by how much.

    Parameters
    ----------
    ctx
        The routing context (policies and coverage model in force).
    request
        Points, via points, what to avoid, objective, detour bound, regroup radius.
    cameras
        The camera table aligned with the context's cameras (a dataset's
        ``cameras``); needed for regroup points.
    time_limit_s
        Bounds the whole plan (default ``settings.plan_time_limit_s``); each
        route search gets what is left, and routes not proven optimal say so.
    failures
        Points already left out (e.g. names not found, see
        :func:`~exposure.planning.points_from_text`), to report with the plan.
    extent
        Where the camera data looked (a dataset's ``extent``), so that routes
        outside it are said to have no camera data rather than no camera.
    views
        The cameras' viewsheds the context's coverage was cut from (a dataset's
        :meth:`~exposure.datasets.Dataset.viewsheds` of the same model and level):
        regroup points then count the cameras that see them as routes do.

    Returns
    -------
    Plan
        Journeys in the order of the request (ways in, then ways out), regroup
        points, the settings and notes, and the points that could not be planned
        (a gathering or dispersal point off the streets or with no walking route
        to the site), each with why.

    Raises
    ------
    PlanError
        When the request is not valid (unknown objective, no point, unknown camera id).
    PlaceError
        When the site or a via point lies too far from the network.
    """
    if failures and not (request.gathering or request.dispersal):
        msg = "no gathering or dispersal point could be used: " + "; ".join(f.describe() for f in failures)
        raise PlanError(msg)
    _check_request(request)
    limit = _time_limit(time_limit_s)
    deadline = time.perf_counter() + limit
    cons = constraint_edges(ctx, request.avoid)
    cctx = ctx.without(cons.blocked) if cons.blocked.any() else ctx
    tree = cKDTree(ctx.index.node_xy)
    site = _snap(ctx.index, tree, request.site, what="the site")
    via = [_snap(ctx.index, tree, p, what="via point") for p in request.via]
    failed = list(failures)
    errors: list[ExposureError] = []  # raised again when not one point can be planned
    gathering = _snap_each(ctx.index, tree, request.gathering, role="gathering", failed=failed, errors=errors)
    dispersal = _snap_each(ctx.index, tree, request.dispersal, role="dispersal", failed=failed, errors=errors)
    if errors and not (gathering or dispersal):
        raise errors[0]
    notes: list[str] = [f"camera {c} is not counted under the verification policy in force, so routes cannot "
                        "avoid it; count every status to avoid it" for c in cons.uncounted]

    journeys_stops = _journey_stops(site, gathering, via, dispersal, notes=notes)
    pairs = [(a.node, b.node) for _, stops in journeys_stops for a, b in zip(stops[:-1], stops[1:], strict=True)]
    trees = _ShortestTrees(cctx, pairs)  # type: ignore[arg-type]
    memo: dict[tuple[int, int], Leg] = {}

    def remaining() -> float:
        return max(0.0, deadline - time.perf_counter())

    def leg(a: PlanPoint, b: PlanPoint) -> Leg:
        key = (int(a.node), int(b.node))  # type: ignore[arg-type]
        if key not in memo:  # via legs are shared by every gathering point's march
            memo[key] = _plan_leg(ctx, cctx, cons, a, b, request, trees, remaining)
        return replace(memo[key], origin=a, destination=b)

    journeys = []
    for direction, stops in journeys_stops:
        try:
            legs = tuple(leg(a, b) for a, b in zip(stops[:-1], stops[1:], strict=True))
        except NoRouteError as err:  # this point has no way in or out: the others are planned all the same
            point = stops[0] if direction == "in" else stops[-1]
            failed.append(PointFailure(role="gathering" if direction == "in" else "dispersal", text=point.name,
                                       reason=str(err)))
            errors.append(err)
            continue
        journeys.append(_journey(ctx, direction, stops, legs, objective=request.objective))
    if errors and not journeys:  # nothing to show: say why the first point failed, as a single point would
        raise errors[0]
    regroup = _regroup(cctx, cons, request, site, cameras, notes=notes, views=views)
    snapped = replace(request, site=site, gathering=tuple(gathering), via=tuple(via), dispersal=tuple(dispersal))
    count = _counting(ctx, journeys, extent)
    used = {**ctx.settings, "objective": request.objective, "max_detour": request.max_detour,
            "keep_order": list(keep_order(request.keep_order)),
            "walk_speed_m_per_min": settings.walk_speed_m_per_min, "time_limit_s": limit,
            "counting": count.to_dict()}
    return Plan(request=snapped, journeys=tuple(journeys), regroup=regroup, settings=used, notes=tuple(notes),
                failures=tuple(failed), counting=count)


def _counting(ctx: RoutingContext, journeys: Sequence[Journey], extent: CameraExtent | None) -> Counting:
    """What a count of FRT cameras on the plan's routes means (see :func:`exposure.counted.counting`)."""
    lines = [r.coordinates for j in journeys for r in (j.route, j.shortest) if len(r.coordinates) >= 2]
    found = max((r.frt_cameras for j in journeys for r in (j.route, j.shortest)), default=0)
    return counting(cameras=len(ctx.camera_ids), counted=int(ctx.exposure.counted.sum()),
                    frt=int(ctx.exposure.frt.sum()), found=found, settings=ctx.settings, extent=extent,
                    where=shapely.MultiLineString(lines) if lines else None, what="these routes")


def _time_limit(time_limit_s: float | None) -> float:
    """The plan's time limit in seconds (default ``settings.plan_time_limit_s``), checked."""
    limit = settings.plan_time_limit_s if time_limit_s is None else time_limit_s
    if not (isinstance(limit, int | float) and math.isfinite(limit) and limit >= 0):
        msg = f"the plan's time limit must be a number of seconds >= 0, got {quote(limit)}"
        raise PlanError(msg)
    return float(limit)


def _journey_stops(site: PlanPoint, gathering: Sequence[PlanPoint], via: Sequence[PlanPoint],
                   dispersal: Sequence[PlanPoint], *, notes: list[str]) -> list[tuple[str, list[PlanPoint]]]:
    """Each way in (gathering point, via points, site) and out (site, dispersal point); one at the site is a note."""
    out: list[tuple[str, list[PlanPoint]]] = []
    for g in gathering:
        stops = [g, *via, site]
        kept = [stops[0]] + [b for a, b in zip(stops[:-1], stops[1:], strict=True) if a.node != b.node]
        if len(kept) < 2:
            notes.append(f"gathering point '{g.name}' is at the site: no way in to plan")
            continue
        out.append(("in", kept))
    for d in dispersal:
        if d.node == site.node:
            notes.append(f"dispersal point '{d.name}' is at the site: no way out to plan")
            continue
        out.append(("out", [site, d]))
    return out


def _journey(ctx: RoutingContext, direction: str, stops: Sequence[PlanPoint], legs: tuple[Leg, ...], *,
             objective: str) -> Journey:
    """A journey from its legs: named by its ends and via points, its routes joined (least bad if a leg is)."""
    via_names = [s.name for s in stops[1:-1]]
    name = f"{stops[0].name} → {stops[-1].name}" + (f" via {', '.join(via_names)}" if via_names else "")
    ok = all(leg.feasible for leg in legs)
    return Journey(
        name=name, direction=direction, stops=tuple(stops), legs=legs,
        shortest=_join(ctx, legs, "shortest", label="shortest" if ok else "least bad",
                       objective="shortest" if ok else "least-bad"),
        route=_join(ctx, legs, "route", label=OBJECTIVE_LABELS[objective] if ok else "least bad",
                    objective=objective if ok else "least-bad"),
    )


def _regroup(cctx: RoutingContext, cons: EdgeConstraints, request: PlanRequest, site: PlanPoint,
             cameras: pd.DataFrame | None, *, notes: list[str], views: Viewsheds | None) -> tuple[RegroupPoint, ...]:
    """The regroup points asked for (none without a camera table, which a note says)."""
    if request.regroup_radius_m <= 0:
        return ()
    if cameras is None:
        notes.append("no camera table was given, so no regroup points were suggested")
        return ()
    return tuple(rank_regroup_points(cctx, cons, site.node, cameras,  # type: ignore[arg-type]
                                     walk_radius_m=request.regroup_radius_m, views=views))


def _snap_each(index: NetworkIndex, tree: cKDTree, points: Sequence[PlanPoint], *, role: str,
               failed: list[PointFailure], errors: list[ExposureError]) -> list[PlanPoint]:
    """The points that snap to the streets; each one that does not is added to ``failed`` with why."""
    out = []
    for point in points:
        try:
            out.append(_snap(index, tree, point, what=f"{role} point"))
        except PlaceError as err:
            failed.append(PointFailure(role=role, text=point.name, reason=str(err)))
            errors.append(err)
    return out


def _detour_binds(order: Sequence[str], cons: EdgeConstraints) -> bool:
    """Whether the detour comes before something asked in the keep order, so that it can cost a constraint."""
    asked = [k for k, on in (("avoided-areas", bool(cons.avoid.areas)), ("avoided-cameras", bool(cons.avoid.cameras)),
                             ("no-frt-cameras", cons.avoid.no_frt_cameras)) if on]
    return bool(asked) and order.index("max-detour") < max(order.index(k) for k in asked)


def _plan_leg(ctx: RoutingContext, cctx: RoutingContext, cons: EdgeConstraints, a: PlanPoint, b: PlanPoint,
              request: PlanRequest, trees: _ShortestTrees, remaining: Callable[[], float]) -> Leg:
    s, t = int(a.node), int(b.node)  # type: ignore[arg-type]
    order = keep_order(request.keep_order)
    if not _detour_binds(order, cons):
        # every route that keeps all that is asked keeps the detour too: try that first
        found = _constrained_leg(ctx, cctx, a, b, request, trees, remaining)
        if found is not None:
            return found
    try:
        least = relaxed_route(ctx, cons, s, t, order=order, max_detour=request.max_detour,
                              objective=request.objective, time_limit_s=remaining())
    except NoRouteError as err:
        msg = f"no walking route connects '{a.name}' and '{b.name}' in this network"
        raise NoRouteError(msg) from err
    if not least.relaxed:
        return Leg(origin=a, destination=b, shortest=least.shortest,
                   route=replace(least.route, label=OBJECTIVE_LABELS[request.objective], objective=request.objective))
    return Leg(origin=a, destination=b, shortest=least.route, route=least.route, feasible=False, breaks=least.breaks,
               relaxed=least.relaxed)


def _constrained_leg(ctx: RoutingContext, cctx: RoutingContext, a: PlanPoint, b: PlanPoint, request: PlanRequest,
                     trees: _ShortestTrees, remaining: Callable[[], float]) -> Leg | None:
    """The leg's routes keeping everything asked, or None when no route can."""
    s, t = int(a.node), int(b.node)  # type: ignore[arg-type]
    if request.objective == "shortest":
        edges = trees.path(s, t)
        if edges is None:
            return None
        r = route_from_edges(ctx, edges, label="shortest", objective="shortest", optimal=True)
        return Leg(origin=a, destination=b, shortest=r, route=r)
    try:
        found = routes(cctx, s, t, objective=request.objective, max_detour=request.max_detour,
                       time_limit_s=remaining())
    except NoRouteError:
        return None
    # routes() lists a route once: when the objective's route is the shortest, it is found[0]
    best = found[1] if len(found) > 1 else replace(found[0], label=OBJECTIVE_LABELS[request.objective],
                                                   objective=request.objective)
    return Leg(origin=a, destination=b, shortest=found[0], route=best)
