"""Points of plans in Helsinki and on generated grids, for the planning tests."""

from __future__ import annotations

from exposure.planning import PlanPoint
from exposure.routing import RoutingContext

LIMIT = 60.0  # generous: these tests compare answers, they do not time them
GATHERING = ("Rautatientori", "Narinkkatori", "Kauppatori", "Esplanadi")


def at(ds, name: str) -> PlanPoint:
    return PlanPoint.from_place(ds.resolve(name))


def node_point(ctx: RoutingContext, node: int, name: str | None = None) -> PlanPoint:
    lon, lat = ctx.index.node_lonlat[node]
    return PlanPoint(name=name or f"node {node}", lon=float(lon), lat=float(lat))
