"""Protest planning: many gathering points to one site, marches through via points, places to avoid."""

from __future__ import annotations

from exposure.audit.compare import TrackComparison, WalkComparison, walk_alternative, walk_alternatives
from exposure.planning.avoid import Avoidance, AvoidArea, area_around, area_from_vertices, areas_from_geojson
from exposure.planning.constraints import EdgeConstraints, blocked_edges, constraint_edges
from exposure.planning.files import plan_request_from_dict, read_plan
from exposure.planning.plan import (
    OBJECTIVE_LABELS,
    PLAN_SCHEMA,
    PLAN_SCHEMA_VERSION,
    Journey,
    Leg,
    Plan,
    PlanRequest,
    make_plan,
)
from exposure.planning.points import (
    POINT_SEPARATOR,
    PlanPoint,
    PointFailure,
    PointLoad,
    point_from_text,
    point_to_text,
    points_from_text,
    read_points,
)
from exposure.planning.regroup import RegroupPoint, rank_regroup_points, regroup_points
from exposure.planning.relax import (
    KEEP_ORDER,
    KEEP_ORDER_LABELS,
    LeastBad,
    Relaxation,
    keep_order,
    least_bad_route,
    relaxed_route,
)
from exposure.planning.tables import (
    PLAN_FAILURE_COLUMNS,
    PLAN_LEG_COLUMNS,
    PLAN_REGROUP_COLUMNS,
    PLAN_ROUTE_COLUMNS,
    PlanTables,
    plan_tables,
)

# the walk comparison lives in exposure.audit.compare; it is re-exported here, where it was first published
__all__ = [
    "KEEP_ORDER",
    "KEEP_ORDER_LABELS",
    "OBJECTIVE_LABELS",
    "PLAN_FAILURE_COLUMNS",
    "PLAN_LEG_COLUMNS",
    "PLAN_REGROUP_COLUMNS",
    "PLAN_ROUTE_COLUMNS",
    "PLAN_SCHEMA",
    "PLAN_SCHEMA_VERSION",
    "POINT_SEPARATOR",
    "AvoidArea",
    "Avoidance",
    "EdgeConstraints",
    "Journey",
    "LeastBad",
    "Leg",
    "Plan",
    "PlanPoint",
    "PlanRequest",
    "PlanTables",
    "PointFailure",
    "PointLoad",
    "RegroupPoint",
    "Relaxation",
    "TrackComparison",
    "WalkComparison",
    "area_around",
    "area_from_vertices",
    "areas_from_geojson",
    "blocked_edges",
    "constraint_edges",
    "keep_order",
    "least_bad_route",
    "make_plan",
    "plan_request_from_dict",
    "plan_tables",
    "point_from_text",
    "point_to_text",
    "points_from_text",
    "rank_regroup_points",
    "read_plan",
    "read_points",
    "regroup_points",
    "relaxed_route",
    "walk_alternative",
    "walk_alternatives",
]
