"""Areas to avoid: radius areas, drawn polygons and GeoJSON files, and what a plan must avoid."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely

from exposure import settings
from exposure._errors import PlanError
from exposure._parse import (
    JsonError,
    amount,
    first_line,
    json_loads,
    limit_message,
    quote,
    to_float,
)
from exposure.crs import WGS84, local_crs
from exposure.planning._input import check_count, check_lat_lon, feature_name, geojson_features, input_bytes
from exposure.planning._project import apply_transformer

__all__ = ["AvoidArea", "Avoidance", "area_around", "area_from_vertices", "areas_from_geojson"]


@dataclass(frozen=True, eq=False)
class AvoidArea:
    """An area no route may enter: a polygon in WGS84, or a radius around a point."""

    name: str
    geometry: shapely.Geometry
    centre: tuple[float, float] | None = None  # (lon, lat) of a radius area
    radius_m: float | None = None

    def to_feature(self) -> dict[str, Any]:
        """A GeoJSON Feature (coordinates to 1e-7°); a radius area keeps its centre and radius."""
        rounded = shapely.transform(self.geometry, lambda c: np.round(c, 7))
        props: dict[str, Any] = {"name": self.name}
        if self.centre is not None and self.radius_m is not None:
            props.update(radius_m=round(self.radius_m, 1), centre=[round(self.centre[0], 7), round(self.centre[1], 7)])
        return {"type": "Feature", "geometry": json.loads(shapely.to_geojson(rounded)), "properties": props}


def _transformers(lon: float, lat: float) -> tuple[pyproj.Transformer, pyproj.Transformer]:
    crs = local_crs(lon, lat)
    return (pyproj.Transformer.from_crs(WGS84, crs, always_xy=True),
            pyproj.Transformer.from_crs(crs, WGS84, always_xy=True))


def area_around(lat: float, lon: float, radius_m: float, *, name: str | None = None) -> AvoidArea:
    """The area within ``radius_m`` of a point (a 64-sided polygon drawn in metres)."""
    lat, lon = check_lat_lon(lat, lon, where="centre of the area to avoid")
    radius = to_float(radius_m)
    if not (math.isfinite(radius) and radius > 0):
        msg = f"the radius of an area to avoid must be a positive number of metres, got {quote(radius_m)}"
        raise PlanError(msg)
    if radius > settings.max_avoid_radius_m:
        msg = limit_message(f"an area to avoid of radius {amount(radius)} m", "max_avoid_radius_m",
                            "avoid a smaller area", unit=" m")
        raise PlanError(msg)
    radius_m = radius
    to_xy, to_lonlat = _transformers(lon, lat)
    x, y = to_xy.transform(lon, lat)
    circle = apply_transformer(to_lonlat, shapely.Point(x, y).buffer(radius_m, quad_segs=16))
    return AvoidArea(name=name or f"{radius_m:g} m around {lat:.5f}, {lon:.5f}", geometry=circle,
                     centre=(lon, lat), radius_m=float(radius_m))


def area_from_vertices(vertices: Sequence[tuple[float, float]], *, name: str | None = None) -> AvoidArea:
    """A polygon from its corners given as **(lat, lon)** pairs (e.g. points clicked on a map)."""
    corners = [check_lat_lon(lat, lon, where=f"corner {i}") for i, (lat, lon) in enumerate(vertices, start=1)]
    distinct = {(round(a, 7), round(b, 7)) for a, b in corners}
    if len(distinct) < 3:
        msg = f"an area to avoid needs at least three distinct corners, got {len(distinct)}"
        raise PlanError(msg)
    polygon = shapely.make_valid(shapely.Polygon([(lon, lat) for lat, lon in corners]))
    polygon = _polygonal(polygon)
    if polygon is None or polygon.area == 0:
        msg = "the corners of the area to avoid lie on one line: click around the area"
        raise PlanError(msg)
    return AvoidArea(name=name or f"area of {len(corners)} corners", geometry=polygon)


def _polygonal(geometry: shapely.Geometry) -> shapely.Geometry | None:
    """The polygonal part of a geometry (``make_valid`` may add lines), or None."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    if geometry.geom_type == "GeometryCollection":
        parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
        return shapely.union_all(parts) if parts else None
    return None


def areas_from_geojson(source: str | Path | bytes | Mapping[str, Any], *,
                       where: str | None = None) -> tuple[AvoidArea, ...]:
    """Areas to avoid from GeoJSON: Polygon and MultiPolygon features, or Points with a ``radius_m`` property.

    Parameters
    ----------
    source
        A file path, the bytes of a file (an upload), or a parsed GeoJSON object
        (FeatureCollection, Feature or geometry). A file is at most
        ``settings.max_plan_file_mb`` and ``settings.max_avoid_items`` areas.
    where
        How to name the source in error messages (default: the path).

    Raises
    ------
    PlanError
        When the file cannot be read, or a feature is not an area; the message
        names the feature.
    """
    if isinstance(source, Mapping):
        data, where = source, where or "GeoJSON"
    else:
        where = where or ("uploaded GeoJSON" if isinstance(source, bytes) else str(source))
        raw = input_bytes(source, where=where, what="file of areas")
        try:
            data = json_loads(raw)
        except JsonError as err:
            msg = f"{where}: not a GeoJSON file ({err.detail})"
            raise PlanError(msg) from err
    features = geojson_features(data, where=where)
    check_count(len(features), where=where, setting="max_avoid_items", what="areas to avoid")
    areas = []
    for number, feature in enumerate(features, start=1):
        areas.append(_area_from_feature(feature, where=f"{where}, feature {number}", number=number))
    return tuple(areas)


def _area_from_feature(feature: Any, *, where: str, number: int) -> AvoidArea:
    geometry = feature.get("geometry") if isinstance(feature, Mapping) else None
    if not isinstance(geometry, Mapping):
        msg = f"{where}: has no geometry; an area to avoid is a Polygon or a Point with a radius_m property"
        raise PlanError(msg)
    name = feature_name(feature) or f"area {number}"
    props = feature.get("properties") if isinstance(feature.get("properties"), Mapping) else {}
    kind = geometry.get("type")
    if kind == "Point":
        return _area_from_point(geometry, props, where=where, name=name)
    if kind not in ("Polygon", "MultiPolygon"):
        msg = f"{where}: a {str(kind)[:40]}, not a Polygon or MultiPolygon; areas to avoid must be polygons"
        raise PlanError(msg)
    polygon = _polygon_from(geometry, where=where)
    centre, radius = props.get("centre"), props.get("radius_m")  # a radius area saved by AvoidArea.to_feature
    if (isinstance(centre, list) and len(centre) == 2 and all(isinstance(v, (int, float)) for v in centre)
            and isinstance(radius, (int, float)) and radius > 0):
        return AvoidArea(name=name, geometry=polygon, centre=(float(centre[0]), float(centre[1])),
                         radius_m=float(radius))
    return AvoidArea(name=name, geometry=polygon)


def _area_from_point(geometry: Mapping[str, Any], props: Mapping[str, Any], *, where: str, name: str) -> AvoidArea:
    """The area around a GeoJSON Point feature with a ``radius_m`` property."""
    coords = geometry.get("coordinates")
    radius_f = to_float(props.get("radius_m"))
    if math.isnan(radius_f):
        msg = f"{where}: a Point needs a numeric radius_m property to be an area to avoid"
        raise PlanError(msg)
    if not (isinstance(coords, list) and len(coords) >= 2):
        msg = f"{where}: a Point needs [lon, lat] coordinates to be an area to avoid"
        raise PlanError(msg)
    lon, lat = coords[:2]
    try:
        return area_around(lat, lon, radius_f, name=name)
    except PlanError as err:
        msg = f"{where}: {err}"
        raise PlanError(msg) from err


def _polygon_from(geometry: Mapping[str, Any], *, where: str) -> shapely.Geometry:
    """A GeoJSON Polygon or MultiPolygon as a valid shapely polygon (repaired if need be) that encloses an area."""
    kind = geometry.get("type")
    try:
        shape = shapely.from_geojson(json.dumps(geometry))
        if shape.is_empty:
            msg = f"{where}: the {kind} is empty"
            raise PlanError(msg)
        west, south, east, north = shape.bounds
        valid = shape.is_valid
    except (shapely.errors.GEOSException, ValueError, TypeError, RecursionError) as err:
        msg = f"{where}: the {kind}'s coordinates cannot be read ({first_line(err)})"
        raise PlanError(msg) from err
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        msg = f"{where}: coordinates out of range for [lon, lat] (bounds {shape.bounds}); GeoJSON is longitude first"
        raise PlanError(msg)
    if max(east - west, north - south) > settings.max_area_span_deg:
        msg = limit_message(f"{where}: the {kind} spans {max(east - west, north - south):g}°", "max_area_span_deg",
                            "it is drawn in one local map projection: draw a smaller area", unit="°")
        raise PlanError(msg)
    try:
        polygon = shape if valid else _polygonal(shapely.make_valid(shape))
    except shapely.errors.GEOSException as err:
        msg = f"{where}: the {kind} cannot be repaired ({first_line(err)}); draw it again"
        raise PlanError(msg) from err
    if polygon is None or polygon.area == 0:
        msg = f"{where}: the {kind} encloses no area"
        raise PlanError(msg)
    return polygon


@dataclass(frozen=True)
class Avoidance:
    """What every route of a plan must avoid: areas, named cameras, and optionally any FRT camera."""

    areas: tuple[AvoidArea, ...] = ()
    cameras: tuple[str, ...] = ()
    no_frt_cameras: bool = False

    @property
    def empty(self) -> bool:
        """True when nothing is to be avoided."""
        return not (self.areas or self.cameras or self.no_frt_cameras)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``areas`` (a FeatureCollection), ``cameras``, ``no_frt_cameras``."""
        return {"areas": {"type": "FeatureCollection", "features": [a.to_feature() for a in self.areas]},
                "cameras": list(self.cameras), "no_frt_cameras": self.no_frt_cameras}
