"""Plan files: a saved plan's JSON read back into a request, with messages that name the wrong member."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from exposure import settings
from exposure._errors import PlanError
from exposure._parse import JsonError, json_loads, quote, to_float
from exposure.coverage_models import LEVELS
from exposure.planning._input import check_count, check_lat_lon, input_bytes
from exposure.planning.avoid import Avoidance, AvoidArea, areas_from_geojson
from exposure.planning.plan import PLAN_SCHEMA, PLAN_SCHEMA_VERSION, PlanRequest
from exposure.planning.points import PlanPoint
from exposure.planning.relax import KEEP_ORDER, keep_order
from exposure.routing import OBJECTIVES

__all__ = ["plan_request_from_dict", "read_plan"]


def _req(data: Mapping[str, Any], key: str, *, where: str) -> Any:
    if key not in data:
        msg = f"{where}: '{key}' is missing"
        raise PlanError(msg)
    return data[key]


def _point_from(data: Any, *, where: str) -> PlanPoint:
    if not isinstance(data, Mapping):
        msg = f"{where} must be an object with name, lat and lon, not {type(data).__name__}"
        raise PlanError(msg)
    lat, lon = check_lat_lon(_req(data, "lat", where=where), _req(data, "lon", where=where), where=where)
    name = data.get("name")
    if name is not None and not isinstance(name, str):
        msg = f"{where}.name must be text, not {type(name).__name__}"
        raise PlanError(msg)
    return PlanPoint(name=name or f"{lat:.5f}, {lon:.5f}", lon=lon, lat=lat)


def _points_from(data: Any, *, where: str) -> tuple[PlanPoint, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        msg = f"{where} must be a list of points, not {type(data).__name__}"
        raise PlanError(msg)
    return tuple(_point_from(p, where=f"{where}[{i}]") for i, p in enumerate(data))


def _number(data: Mapping[str, Any], key: str, default: float, *, where: str) -> float:
    value = data.get(key, default)
    number = to_float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan
    if not (math.isfinite(number) and number >= 0):
        msg = f"{where}.{key} must be a number >= 0, not {quote(value)}"
        raise PlanError(msg)
    return number


def plan_request_from_dict(data: Any, *, where: str = "plan") -> PlanRequest:
    """Read a plan file's content (a saved :meth:`Plan.to_dict`) back into a request.

    Raises
    ------
    PlanError
        When the content is not a plan of a version this package reads, or a
        member is missing or wrong; the message names the member, e.g.
        ``plan.json: request.gathering[2].lat is 'abc'``.
    """
    version = _schema_version(data, where=where)
    request = _req(data, "request", where=where)
    w = f"{where}: request"
    if not isinstance(request, Mapping):
        msg = f"{w} must be an object"
        raise PlanError(msg)
    areas, cams, no_frt = _avoid_of(request, where=w)
    for key, setting in (("gathering", "max_plan_points"), ("dispersal", "max_plan_points"),
                         ("via", "max_via_points")):
        listed = request.get(key)
        if isinstance(listed, list):
            check_count(len(listed), where=f"{w}.{key}", setting=setting, what="points")
    objective = request.get("objective", "fewest-cameras")
    if not isinstance(objective, str) or objective not in OBJECTIVES:
        msg = f"{w}.objective is {quote(objective)}; choose one of {', '.join(OBJECTIVES)}"
        raise PlanError(msg)
    dataset = request.get("dataset")
    # version 1 files were written before the keep order existed: they read with the default one
    order = request.get("keep_order", list(KEEP_ORDER)) if version >= 2 else list(KEEP_ORDER)
    if not isinstance(order, list):
        msg = f"{w}.keep_order must be a list of names, first kept first ({', '.join(KEEP_ORDER)}), not {quote(order)}"
        raise PlanError(msg)
    model, level = _coverage_of(request, version, where=w)
    return PlanRequest(
        site=_point_from(_req(request, "site", where=w), where=f"{w}.site"),
        gathering=_points_from(request.get("gathering"), where=f"{w}.gathering"),
        via=_points_from(request.get("via"), where=f"{w}.via"),
        dispersal=_points_from(request.get("dispersal"), where=f"{w}.dispersal"),
        avoid=Avoidance(areas=areas, cameras=tuple(cams), no_frt_cameras=no_frt),
        objective=objective,
        max_detour=_number(request, "max_detour", settings.max_detour, where=w),
        regroup_radius_m=_number(request, "regroup_radius_m", 0.0, where=w),
        dataset=dataset if isinstance(dataset, str) else None,
        keep_order=keep_order(order, where=f"{w}.keep_order"),
        coverage_model=model, level=level,
    )


def _schema_version(data: Any, *, where: str) -> int:
    """The plan file's schema version, once it is known to be a plan file this package reads."""
    if not isinstance(data, Mapping):
        msg = f"{where}: a plan file holds a JSON object, not {type(data).__name__}"
        raise PlanError(msg)
    if data.get("schema") != PLAN_SCHEMA:
        msg = f"{where}: not a plan file (its 'schema' is {quote(data.get('schema'))}, not {PLAN_SCHEMA!r})"
        raise PlanError(msg)
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        msg = f"{where}: 'schema_version' must be a whole number >= 1, not {quote(version)}"
        raise PlanError(msg)
    if version > PLAN_SCHEMA_VERSION:
        msg = (f"{where}: written by a newer version of this program (schema_version {quote(version)}); this one "
               f"reads up to {PLAN_SCHEMA_VERSION}: update it")
        raise PlanError(msg)
    return version


def _avoid_of(request: Mapping[str, Any], *, where: str) -> tuple[tuple[AvoidArea, ...], list[str], bool]:
    """What a plan file's request avoids: its areas, camera ids and whether every FRT camera is avoided."""
    w = where
    avoid_data = request.get("avoid") or {}
    if not isinstance(avoid_data, Mapping):
        msg = f"{w}.avoid must be an object with areas, cameras and no_frt_cameras"
        raise PlanError(msg)
    areas_data = avoid_data.get("areas") or {"type": "FeatureCollection", "features": []}
    if not isinstance(areas_data, Mapping):
        # a plan file holds its areas: text or a flag here is no GeoJSON (and never a path to read)
        msg = f"{w}.avoid.areas must be a GeoJSON object (a FeatureCollection of areas), not {quote(areas_data)}"
        raise PlanError(msg)
    areas = areas_from_geojson(areas_data, where=f"{w}.avoid.areas")
    cams = avoid_data.get("cameras") or []
    if not isinstance(cams, list) or not all(isinstance(c, str) for c in cams):
        msg = f"{w}.avoid.cameras must be a list of camera ids (text), not {quote(cams)}"
        raise PlanError(msg)
    check_count(len(cams), where=f"{w}.avoid.cameras", setting="max_avoid_items", what="cameras to avoid")
    no_frt = avoid_data.get("no_frt_cameras", False)
    if not isinstance(no_frt, bool):
        msg = f"{w}.avoid.no_frt_cameras must be true or false, not {no_frt!r}"
        raise PlanError(msg)
    return areas, cams, no_frt


def _coverage_of(request: Mapping[str, Any], version: int, *, where: str) -> tuple[str | None, str | None]:
    """The coverage model and level a plan file asks for (None: the default); a file older than version 3, per-kind."""
    if version < 3:
        # planned before coverage models existed, under today's per-kind discs: read again, it counts the same
        return "per-kind", "identify"
    model, level = request.get("coverage_model"), request.get("level")
    if model is not None and not (isinstance(model, str) and model.strip()):
        msg = f"{where}.coverage_model must be a coverage model's name or file (text) or null, not {quote(model)}"
        raise PlanError(msg)
    if level is not None and level not in LEVELS:
        msg = f"{where}.level is {quote(level)}; choose one of {', '.join(LEVELS)}, or null for identify"
        raise PlanError(msg)
    return model, level


def read_plan(source: str | Path | bytes | Mapping[str, Any], *, name: str | None = None) -> PlanRequest:
    """Read a saved plan file (or its bytes, or parsed content) back into a request.

    Raises
    ------
    PlanError
        When it cannot be read or is not a valid plan (see :func:`plan_request_from_dict`).
    """
    if isinstance(source, Mapping):
        return plan_request_from_dict(source, where=name or "plan")
    where = name or ("plan" if isinstance(source, bytes) else str(source))
    raw = input_bytes(source, where=where, what="plan file")
    try:
        data = json_loads(raw)
    except JsonError as err:
        if err.detail.startswith("not UTF-8"):
            msg = f"{where}: not UTF-8 text; a plan file is JSON"
        else:
            msg = f"{where}: not valid JSON ({err.detail})"
        raise PlanError(msg) from err
    return plan_request_from_dict(data, where=where)
