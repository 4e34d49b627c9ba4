"""Protest planning: many gathering points to one site, marches through via points, places to avoid."""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from exposure import settings
from exposure._errors import NoRouteError, PlaceError, PlanError
from exposure._parse import (
    JsonError,
    amount,
    as_number,
    check_csv_columns,
    check_size,
    first_line,
    json_loads,
    limit_message,
    quote,
    read_limited,
    to_float,
)
from exposure.audit.compare import TrackComparison, WalkComparison, walk_alternative, walk_alternatives
from exposure.coverage import CameraGeometry, camera_geometry
from exposure.network import local_crs
from exposure.routing import OBJECTIVES, Route, RoutingContext, route_from_edges, routes

if TYPE_CHECKING:
    import pandas as pd

    from exposure.network import NetworkIndex
    from exposure.places import Place

__all__ = [
    "OBJECTIVE_LABELS",
    "PLAN_SCHEMA",
    "PLAN_SCHEMA_VERSION",
    "AvoidArea",
    "Avoidance",
    "EdgeConstraints",
    "Journey",
    "Leg",
    "Plan",
    "PlanPoint",
    "PlanRequest",
    "PointLoad",
    "RegroupPoint",
    "TrackComparison",
    "WalkComparison",
    "area_around",
    "area_from_vertices",
    "areas_from_geojson",
    "blocked_edges",
    "constraint_edges",
    "least_bad_route",
    "make_plan",
    "plan_request_from_dict",
    "read_plan",
    "read_points",
    "regroup_points",
    "walk_alternative",
    "walk_alternatives",
]

#: The ``schema`` member of a saved plan file.
PLAN_SCHEMA = "exposure-plan"
#: Version of the plan file layout this package writes (and the newest it reads).
PLAN_SCHEMA_VERSION = 1
#: How each objective's route is named in tables, tracks and cards.
OBJECTIVE_LABELS = {"shortest": "shortest", "fewest-cameras": "fewest cameras",
                    "least-time-in-view": "least time in view"}
_NAME_KEYS = ("name", "title", "label", "id")
_LAT_NAMES = ("lat", "latitude", "y")
_LON_NAMES = ("lon", "lng", "long", "longitude", "x")


# --------------------------------------------------------------------------- points


@dataclass(frozen=True)
class PlanPoint:
    """A named point of a plan (gathering, site, via, dispersal), and once planned the street node it snaps to."""

    name: str
    lon: float
    lat: float
    node: int | None = None
    snap_m: float | None = None

    @classmethod
    def from_place(cls, place: Place) -> PlanPoint:
        """A point from a resolved :class:`~exposure.places.Place`."""
        return cls(name=place.name, lon=place.lon, lat=place.lat, node=place.node, snap_m=place.snap_m)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: name, lat, lon (and ``snap_m`` once snapped)."""
        out: dict[str, Any] = {"name": self.name, "lat": round(self.lat, 7), "lon": round(self.lon, 7)}
        if self.snap_m is not None:
            out["snap_m"] = round(self.snap_m, 1)
        return out


def _check_lat_lon(lat: Any, lon: Any, *, where: str) -> tuple[float, float]:
    lat_n, lon_n = as_number(lat), as_number(lon)
    if lat_n is None or lon_n is None:
        msg = f"{where}: latitude {quote(lat)} and longitude {quote(lon)} must be numbers"
        raise PlanError(msg)
    lat_f, lon_f = lat_n, lon_n
    if not (math.isfinite(lat_f) and math.isfinite(lon_f) and -90 <= lat_f <= 90 and -180 <= lon_f <= 180):
        hint = " (they look swapped: latitude comes first)" if abs(lat_f) > 90 >= abs(lon_f) else ""
        msg = f"{where}: ({quote(lat)}, {quote(lon)}) is not a valid latitude, longitude{hint}"
        raise PlanError(msg)
    return lat_f, lon_f


def _check_count(n: int, *, where: str, setting: str, what: str) -> None:
    """Refuse more than ``settings.<setting>`` items of a plan, before any is read or snapped."""
    if n > getattr(settings, setting):
        msg = limit_message(f"{where}: {n:,} {what}", setting, "plan fewer at a time")
        raise PlanError(msg)


@dataclass(frozen=True)
class PointLoad:
    """Points read from a file, and the rows that could not be used (row number, reason)."""

    points: tuple[PlanPoint, ...]
    rejected: tuple[tuple[int, str], ...]


def read_points(source: str | Path, *, data: bytes | None = None) -> PointLoad:
    """Read named points from a CSV (``name``, ``lat``, ``lon`` columns) or GeoJSON (Point features) file.

    Parameters
    ----------
    source
        The file, or its name when ``data`` gives its content (an upload).
    data
        The file's bytes, when it is not on disk.

    Returns
    -------
    PointLoad
        The good points and a report of the rows left out and why.

    Raises
    ------
    PlanError
        When the file cannot be read or holds no usable point.
    """
    where = Path(source).name if data is not None else str(source)
    if data is not None:
        check_size(len(data), where=where, setting="max_plan_file_mb", what="the points file", error=PlanError)
        raw = data
    else:
        try:
            raw = read_limited(source, setting="max_plan_file_mb", what="points file", error=PlanError)
        except PlanError as err:
            if isinstance(err.__cause__, OSError):
                msg = f"{where}: cannot be read ({first_line(err.__cause__)}); check the path"
                raise PlanError(msg) from err.__cause__
            raise
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        msg = f"{where}: not UTF-8 text; points must be a CSV or GeoJSON file"
        raise PlanError(msg) from err
    if Path(where).suffix.lower() in (".geojson", ".json") or text.lstrip()[:1] in ("{", "["):
        points, rejected = _points_from_geojson(text, where=where)
    else:
        points, rejected = _points_from_csv(text, where=where)
    if not points:
        reasons = "; ".join(f"row {r}: {why}" for r, why in rejected[:3])
        msg = f"{where}: no usable point{(' (' + reasons + ')') if reasons else ''}"
        raise PlanError(msg)
    return PointLoad(points=tuple(points), rejected=tuple(rejected))


def _points_from_csv(text: str, *, where: str) -> tuple[list[PlanPoint], list[tuple[int, str]]]:
    check_csv_columns(text[: 1 << 20].encode("utf-8", "replace"), where=where, error=PlanError)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    try:
        fieldnames = reader.fieldnames or []
        rows = list(itertools.islice(reader, settings.max_plan_points + 1))
    except csv.Error as err:
        msg = f"{where}: not valid CSV (line {reader.line_num}: {first_line(err)}); check the quoting"
        raise PlanError(msg) from err
    _check_count(len(rows), where=where, setting="max_plan_points", what="points or more")
    lookup = {str(c).strip().lower(): c for c in fieldnames}
    lat_col = next((lookup[n] for n in _LAT_NAMES if n in lookup), None)
    lon_col = next((lookup[n] for n in _LON_NAMES if n in lookup), None)
    if lat_col is None or lon_col is None:
        msg = (f"{where}: no {'latitude' if lat_col is None else 'longitude'} column; name the columns name, lat, lon "
               f"(also accepted: {', '.join(_LAT_NAMES)} / {', '.join(_LON_NAMES)})")
        raise PlanError(msg)
    name_col = next((lookup[n] for n in _NAME_KEYS if n in lookup), None)
    points, rejected = [], []
    for row_no, row in enumerate(rows, start=2):
        try:
            lat, lon = _check_lat_lon(row.get(lat_col), row.get(lon_col), where=f"row {row_no}")
        except PlanError as err:
            rejected.append((row_no, str(err).split(": ", 1)[1]))
            continue
        name = str(row.get(name_col) or "").strip()[:_NAME_CHARS] if name_col else ""
        points.append(PlanPoint(name=name or f"{lat:.5f}, {lon:.5f}", lon=lon, lat=lat))
    return points, rejected


def _points_from_geojson(text: str, *, where: str) -> tuple[list[PlanPoint], list[tuple[int, str]]]:
    try:
        data = json_loads(text)
    except JsonError as err:
        msg = f"{where}: not valid JSON ({err.detail})"
        raise PlanError(msg) from err
    features = _features(data, where=where)
    _check_count(len(features), where=where, setting="max_plan_points", what="features")
    points, rejected = [], []
    for number, feature in enumerate(features, start=1):
        geometry = feature.get("geometry") if isinstance(feature, Mapping) else None
        if not isinstance(geometry, Mapping) or geometry.get("type") != "Point":
            kind = geometry.get("type") if isinstance(geometry, Mapping) else "no geometry"
            rejected.append((number, f"a {kind}, not a Point"))
            continue
        coords = geometry.get("coordinates")
        try:
            if not isinstance(coords, list):
                raise TypeError(coords)
            lon_raw, lat_raw = coords[0], coords[1]
            lat, lon = _check_lat_lon(lat_raw, lon_raw, where=f"feature {number}")
        except (TypeError, IndexError, KeyError):
            rejected.append((number, f"coordinates {quote(coords)} are not [lon, lat]"))
            continue
        except PlanError as err:
            rejected.append((number, str(err).split(": ", 1)[1]))
            continue
        points.append(PlanPoint(name=_feature_name(feature) or f"{lat:.5f}, {lon:.5f}", lon=lon, lat=lat))
    return points, rejected


def _features(data: Any, *, where: str) -> list[Any]:
    if not isinstance(data, Mapping):
        msg = f"{where}: GeoJSON must be an object with a 'type', not a {type(data).__name__}"
        raise PlanError(msg)
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            msg = f"{where}: FeatureCollection without a 'features' list"
            raise PlanError(msg)
        return features
    if kind == "Feature":
        return [data]
    if kind in ("Point", "Polygon", "MultiPolygon", "LineString", "MultiLineString", "MultiPoint"):
        return [{"type": "Feature", "geometry": data, "properties": {}}]
    msg = f"{where}: GeoJSON type {kind!r} is not a FeatureCollection, Feature or geometry"
    raise PlanError(msg)


def _feature_name(feature: Mapping[str, Any]) -> str:
    props = feature.get("properties")
    if not isinstance(props, Mapping):
        return ""
    return next((str(props[k]).strip()[:_NAME_CHARS] for k in _NAME_KEYS if props.get(k) not in (None, "")), "")


#: Longest point or area name kept from a file (longer ones are cut): a name is for people to read.
_NAME_CHARS = 200


# --------------------------------------------------------------------------- areas to avoid


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
    return (pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True),
            pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True))


def _apply(transformer: pyproj.Transformer, geometry: shapely.Geometry) -> shapely.Geometry:
    def move(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([np.asarray(x, float), np.asarray(y, float)])

    return shapely.transform(geometry, move)


def area_around(lat: float, lon: float, radius_m: float, *, name: str | None = None) -> AvoidArea:
    """The area within ``radius_m`` of a point (a 64-sided polygon drawn in metres)."""
    lat, lon = _check_lat_lon(lat, lon, where="centre of the area to avoid")
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
    circle = _apply(to_lonlat, shapely.Point(x, y).buffer(radius_m, quad_segs=16))
    return AvoidArea(name=name or f"{radius_m:g} m around {lat:.5f}, {lon:.5f}", geometry=circle,
                     centre=(lon, lat), radius_m=float(radius_m))


def area_from_vertices(vertices: Sequence[tuple[float, float]], *, name: str | None = None) -> AvoidArea:
    """A polygon from its corners given as **(lat, lon)** pairs (e.g. points clicked on a map)."""
    corners = [_check_lat_lon(lat, lon, where=f"corner {i}") for i, (lat, lon) in enumerate(vertices, start=1)]
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
        if isinstance(source, bytes):
            where = where or "uploaded GeoJSON"
            check_size(len(source), where=where, setting="max_plan_file_mb", what="the file of areas",
                       error=PlanError)
            raw = source
        else:
            where = where or str(source)
            try:
                raw = read_limited(source, setting="max_plan_file_mb", what="file of areas", error=PlanError)
            except PlanError as err:
                if isinstance(err.__cause__, OSError):
                    msg = f"{where}: cannot be read ({first_line(err.__cause__)}); check the path"
                    raise PlanError(msg) from err.__cause__
                raise
        try:
            data = json_loads(raw)
        except JsonError as err:
            msg = f"{where}: not a GeoJSON file ({err.detail})"
            raise PlanError(msg) from err
    features = _features(data, where=where)
    _check_count(len(features), where=where, setting="max_avoid_items", what="areas to avoid")
    areas = []
    for number, feature in enumerate(features, start=1):
        areas.append(_area_from_feature(feature, where=f"{where}, feature {number}", number=number))
    return tuple(areas)


def _area_from_feature(feature: Any, *, where: str, number: int) -> AvoidArea:
    geometry = feature.get("geometry") if isinstance(feature, Mapping) else None
    if not isinstance(geometry, Mapping):
        msg = f"{where}: has no geometry; an area to avoid is a Polygon or a Point with a radius_m property"
        raise PlanError(msg)
    name = _feature_name(feature) or f"area {number}"
    props = feature.get("properties") if isinstance(feature.get("properties"), Mapping) else {}
    kind = geometry.get("type")
    if kind == "Point":
        radius = props.get("radius_m") if isinstance(props, Mapping) else None
        coords = geometry.get("coordinates")
        radius_f = to_float(radius)
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
    if kind not in ("Polygon", "MultiPolygon"):
        msg = f"{where}: a {str(kind)[:40]}, not a Polygon or MultiPolygon; areas to avoid must be polygons"
        raise PlanError(msg)
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
    centre, radius = props.get("centre"), props.get("radius_m")  # a radius area saved by AvoidArea.to_feature
    if (isinstance(centre, list) and len(centre) == 2 and all(isinstance(v, (int, float)) for v in centre)
            and isinstance(radius, (int, float)) and radius > 0):
        return AvoidArea(name=name, geometry=polygon, centre=(float(centre[0]), float(centre[1])),
                         radius_m=float(radius))
    return AvoidArea(name=name, geometry=polygon)


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


@dataclass(frozen=True)
class EdgeConstraints:
    """Which edges break an :class:`Avoidance`, and by how much.

    ``blocked`` is a boolean per edge. ``area_m[i]`` holds, per edge, the metres
    inside ``avoid.areas[i]``; ``camera_edges`` flags edges an avoided camera sees;
    ``breach_m`` is the metres of each edge that break a constraint (inside an
    area, seen by an avoided camera, or in view of an FRT camera when none is
    allowed), what the least-bad route minimises. ``avoided_rows`` are the camera
    rows to avoid; ``uncounted`` the avoided camera ids the context does not count
    (their views are unknown to it, so they cannot be avoided).
    """

    avoid: Avoidance
    blocked: np.ndarray
    breach_m: np.ndarray
    area_m: tuple[np.ndarray, ...]
    area_edges: tuple[np.ndarray, ...]
    camera_edges: np.ndarray
    avoided_rows: np.ndarray
    uncounted: tuple[str, ...]


def _edge_bounds(index: NetworkIndex) -> np.ndarray:
    starts = index.geom_start[:-1]
    x, y = index.xy[:, 0], index.xy[:, 1]
    return np.column_stack([np.minimum.reduceat(x, starts), np.minimum.reduceat(y, starts),
                            np.maximum.reduceat(x, starts), np.maximum.reduceat(y, starts)])


def _edge_lines(index: NetworkIndex, edges: np.ndarray) -> np.ndarray:
    counts = index.geom_start[edges + 1] - index.geom_start[edges]
    first = np.repeat(index.geom_start[edges] - np.r_[0, np.cumsum(counts)[:-1]], counts) + np.arange(counts.sum())
    return shapely.linestrings(index.xy[first], indices=np.repeat(np.arange(len(edges)), counts))


def _area_xy(index: NetworkIndex, area: AvoidArea) -> shapely.Geometry:
    return _apply(pyproj.Transformer.from_crs("EPSG:4326", index.crs, always_xy=True), area.geometry)


def constraint_edges(ctx: RoutingContext, avoid: Avoidance) -> EdgeConstraints:
    """Turn what to avoid into edges: those entering an area, seen by an avoided camera, or by any FRT camera.

    Raises
    ------
    PlanError
        When a camera id is not one of the context's cameras (close ids are named).
    """
    index, ex = ctx.index, ctx.exposure
    n = index.n_edges
    blocked = np.zeros(n, dtype=bool)
    breach = np.zeros(n)
    area_m, area_edges = [], []
    if avoid.areas:
        bounds = _edge_bounds(index)
        for area in avoid.areas:
            poly = _area_xy(index, area)
            west, south, east, north = poly.bounds
            near = np.flatnonzero((bounds[:, 0] <= east) & (bounds[:, 2] >= west) & (bounds[:, 1] <= north)
                                  & (bounds[:, 3] >= south))
            lines = _edge_lines(index, near)
            hit = shapely.intersects(lines, poly)
            edges = near[hit]
            projected = shapely.length(lines[hit])
            inside = shapely.length(shapely.intersection(lines[hit], poly))
            with np.errstate(divide="ignore", invalid="ignore"):
                metres = np.where(projected > 0, inside * index.length_m[edges] / projected, 0.0)
            per_edge = np.zeros(n)
            per_edge[edges] = metres
            area_m.append(per_edge)
            area_edges.append(edges)
            blocked[edges] = True
            breach += per_edge
    ids = ctx.camera_ids.astype(str)
    rows = np.flatnonzero(np.isin(ids, np.asarray(avoid.cameras, dtype=str))) if avoid.cameras else np.empty(0, int)
    missing = sorted(set(avoid.cameras) - set(ids[rows].tolist()))
    if missing:
        close = difflib.get_close_matches(missing[0], ids.tolist(), n=3)
        hint = f" Close ids: {', '.join(close)}." if close else ""
        msg = f"camera {', '.join(repr(m) for m in missing)} is not among this dataset's cameras.{hint}"
        raise PlanError(msg)
    uncounted = tuple(str(i) for i in ids[rows[~ex.counted[rows]]]) if len(rows) else ()
    pair_edge = np.repeat(np.arange(n), np.diff(ex.edge_cams_ptr))
    camera_edges = np.zeros(n, dtype=bool)
    if len(rows):
        camera_edges[pair_edge[np.isin(ex.edge_cams, rows)]] = True
        blocked |= camera_edges
        breach += np.where(camera_edges, index.length_m, 0.0)
    if avoid.no_frt_cameras:
        frt_edges = ex.frt_count_on_edge() > 0
        blocked |= frt_edges
        breach += np.where(frt_edges, ex.in_view_m, 0.0)
    # an edge that only touches an area, or is in view for no measurable length, still breaks it
    breach = np.where(blocked, np.maximum(breach, 1e-3), 0.0)
    return EdgeConstraints(avoid=avoid, blocked=blocked, breach_m=breach, area_m=tuple(area_m),
                           area_edges=tuple(area_edges), camera_edges=camera_edges, avoided_rows=rows,
                           uncounted=uncounted)


def blocked_edges(ctx: RoutingContext, avoid: Avoidance) -> np.ndarray:
    """A boolean per edge: True where an edge breaks what is to be avoided (see :func:`constraint_edges`)."""
    return constraint_edges(ctx, avoid).blocked


# --------------------------------------------------------------------------- the least-bad route


def _streets(index: NetworkIndex, edges: Sequence[int] | np.ndarray, *, most: int = 4) -> str:
    names: list[str] = []
    for e in edges:
        name = index.edge_names[int(e)] or "an unnamed path"
        if name not in names:
            names.append(name)
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _breaks(ctx: RoutingContext, cons: EdgeConstraints, edges: np.ndarray) -> tuple[str, ...]:
    """What a route breaks, in words, each with where."""
    out = []
    index, ex = ctx.index, ctx.exposure
    for area, metres, area_edges in zip(cons.avoid.areas, cons.area_m, cons.area_edges, strict=True):
        on = edges[np.isin(edges, area_edges)]
        if len(on):
            out.append(f"enters the avoided area '{area.name}' for {metres[on].sum():,.0f} m "
                       f"(on {_streets(index, on)})")
    if len(cons.avoided_rows):
        cams = ex.cameras_on(edges)
        hit = cams[np.isin(cams, cons.avoided_rows)]
        if len(hit):
            on = edges[cons.camera_edges[edges]]
            out.append(f"passes avoided camera{'s' if len(hit) > 1 else ''} "
                       f"{', '.join(ctx.camera_ids[hit].astype(str))} (on {_streets(index, on)})")
    if cons.avoid.no_frt_cameras:
        cams = ex.cameras_on(edges)
        frt = cams[ex.frt[cams]]
        if len(frt):
            on = edges[ex.frt_count_on_edge()[edges] > 0]
            out.append(f"passes {len(frt)} FRT camera{'s' if len(frt) > 1 else ''} although none was allowed, "
                       f"{ex.in_view_m[on].sum():,.0f} m in view (on {_streets(index, on)})")
    return tuple(out)


def least_bad_route(ctx: RoutingContext, cons: EdgeConstraints, source: int, target: int) -> tuple[Route,
                                                                                                  tuple[str, ...]]:
    """The route that breaks the constraints least, and what it breaks.

    It walks the fewest metres that break a constraint (inside an avoided area,
    on a street an avoided camera sees, in view of an FRT camera when none is
    allowed), then is the shortest such route. ``ctx`` is the context without the
    constraints.

    Raises
    ------
    NoRouteError
        When no walking route joins the two points at all.
    """
    index = ctx.index
    big = float(index.length_m.sum()) + 1.0  # a metre that breaks a constraint outweighs any length
    cost = index.length_m + big * cons.breach_m
    keep = None if ctx.blocked is None else ~ctx.blocked
    m, entry = index.csr(cost, keep=keep)
    dist, pred = dijkstra(m, directed=True, indices=source, return_predecessors=True)
    if not np.isfinite(dist[target]):
        msg = "no walking route connects these points in this network, even through what is to be avoided"
        raise NoRouteError(msg)
    nodes = [target]
    while nodes[-1] != source:
        nodes.append(int(pred[nodes[-1]]))
    nodes.reverse()
    edges = []
    for a, b in zip(nodes[:-1], nodes[1:], strict=True):
        lo, hi = m.indptr[a], m.indptr[a + 1]
        edges.append(int(entry[lo + int(np.searchsorted(m.indices[lo:hi], b))]))
    edges_arr = np.asarray(edges, dtype=np.int64)
    breaks = _breaks(ctx, cons, edges_arr)
    route = route_from_edges(ctx, edges_arr, label="least bad", objective="least-bad", optimal=True,
                             notes=tuple(f"no route avoids everything asked; this one {b}" for b in breaks))
    return route, breaks


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class Leg:
    """One leg of a journey (between consecutive stops): its shortest route and the objective's route.

    When no route satisfies the constraints, both are the least-bad route,
    ``feasible`` is False and ``breaks`` says what it breaks, and where.
    """

    origin: PlanPoint
    destination: PlanPoint
    shortest: Route
    route: Route
    feasible: bool = True
    breaks: tuple[str, ...] = ()


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

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the routes with geometry, each leg's figures without it."""
        def figures(route: Route) -> dict[str, Any]:
            out = route.to_dict()
            out.pop("geometry")
            return out

        return {
            "name": self.name, "direction": self.direction, "stops": [s.name for s in self.stops],
            "feasible": self.feasible, "breaks": list(self.breaks),
            "route": self.route.to_dict(), "shortest": self.shortest.to_dict(),
            "legs": [{"from": leg.origin.name, "to": leg.destination.name, "feasible": leg.feasible,
                      "breaks": list(leg.breaks), "route": figures(leg.route), "shortest": figures(leg.shortest)}
                     for leg in self.legs],
        }


@dataclass(frozen=True)
class RegroupPoint:
    """A street point near the site where people can regroup, with the FRT cameras that see it."""

    rank: int
    name: str
    lon: float
    lat: float
    node: int
    distance_m: float
    frt_cameras: int
    camera_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"rank": self.rank, "name": self.name, "lat": round(self.lat, 7), "lon": round(self.lon, 7),
                "distance_m": round(self.distance_m, 1), "frt_cameras": self.frt_cameras,
                "camera_ids": list(self.camera_ids)}


@dataclass(frozen=True)
class PlanRequest:
    """What an organiser asks for: the site, the ways in and out, via points, what to avoid, and the objective."""

    site: PlanPoint
    gathering: tuple[PlanPoint, ...] = ()
    dispersal: tuple[PlanPoint, ...] = ()
    via: tuple[PlanPoint, ...] = ()
    avoid: Avoidance = field(default_factory=Avoidance)
    objective: str = "fewest-cameras"
    max_detour: float = settings.max_detour
    regroup_radius_m: float = 0.0
    dataset: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the ``request`` member of a plan file)."""
        return {
            "dataset": self.dataset, "site": self.site.to_dict(),
            "gathering": [p.to_dict() for p in self.gathering], "via": [p.to_dict() for p in self.via],
            "dispersal": [p.to_dict() for p in self.dispersal], "avoid": self.avoid.to_dict(),
            "objective": self.objective, "max_detour": self.max_detour, "regroup_radius_m": self.regroup_radius_m,
        }


@dataclass(frozen=True)
class Plan:
    """A computed plan: a journey per gathering and dispersal point, regroup points, and what was counted."""

    request: PlanRequest
    journeys: tuple[Journey, ...]
    regroup: tuple[RegroupPoint, ...]
    settings: dict[str, Any]
    notes: tuple[str, ...] = ()

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
    if not (request.gathering or request.dispersal):
        msg = "a plan needs at least one gathering point (a way in) or dispersal point (a way out)"
        raise PlanError(msg)
    if request.via and not request.gathering:
        msg = "via points lie on the way in: add a gathering point for the march to start from"
        raise PlanError(msg)
    _check_count(len(request.gathering) + len(request.dispersal), where="the plan",
                 setting="max_plan_points", what="gathering and dispersal points")
    _check_count(len(request.via), where="the plan", setting="max_via_points", what="via points")
    _check_count(len(request.avoid.areas), where="the plan", setting="max_avoid_items", what="areas to avoid")
    _check_count(len(request.avoid.cameras), where="the plan", setting="max_avoid_items", what="cameras to avoid")
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
        _check_lat_lon(p.lat, p.lon, where=f"{what} ({p.name})")
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
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", index.crs, always_xy=True)
    x, y = to_xy.transform(point.lon, point.lat)
    dist, node = tree.query([x, y])
    if not np.isfinite(dist) or dist > settings.max_snap_distance_m:
        label = f"{what} '{point.name}'" if what else point.name
        msg = (f"{label} is {dist:,.0f} m from the nearest street of this dataset (limit "
               f"{settings.max_snap_distance_m:,.0f} m): choose a point inside the dataset's area")
        raise PlaceError(msg)
    return replace(point, node=int(node), snap_m=float(dist))


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


def _join(ctx: RoutingContext, legs: Sequence[Leg], kind: str, *, label: str, objective: str) -> Route:
    parts: list[Route] = [getattr(leg, kind) for leg in legs]
    edges = [e for r in parts for e in r.edges]
    notes = tuple(f"{leg.origin.name} → {leg.destination.name}: {n}" if len(legs) > 1 else n
                  for leg, r in zip(legs, parts, strict=True) for n in r.notes)
    return route_from_edges(ctx, edges, label=label, objective=objective, optimal=_combined_optimal(parts),
                            notes=notes)


def make_plan(
    ctx: RoutingContext, request: PlanRequest, *, cameras: pd.DataFrame | None = None,
    time_limit_s: float | None = None,
) -> Plan:
    """Plan the ways in, the ways out and the regroup points of a protest.

    Each gathering point gets a journey through the via points (in order) to the
    site, each dispersal point one from the site; every leg gets its shortest
    route and the objective's route, exactly as :func:`exposure.routing.routes`
    would answer that leg alone. What is to be avoided is a hard constraint in
    every objective; a leg no route can make avoiding it gets the least-bad
    route (:func:`least_bad_route`) and says what it breaks, and where.

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

    Returns
    -------
    Plan
        Journeys in the order of the request (ways in, then ways out), regroup
        points, the settings and notes.

    Raises
    ------
    PlanError
        When the request is not valid (unknown objective, no point, unknown camera id).
    PlaceError
        When a point lies too far from the network.
    """
    _check_request(request)
    limit = settings.plan_time_limit_s if time_limit_s is None else time_limit_s
    if not (isinstance(limit, int | float) and math.isfinite(limit) and limit >= 0):
        msg = f"the plan's time limit must be a number of seconds >= 0, got {quote(limit)}"
        raise PlanError(msg)
    deadline = time.perf_counter() + limit
    cons = constraint_edges(ctx, request.avoid)
    cctx = ctx.without(cons.blocked) if cons.blocked.any() else ctx
    tree = cKDTree(ctx.index.node_xy)
    site = _snap(ctx.index, tree, request.site, what="the site")
    gathering = [_snap(ctx.index, tree, p, what="gathering point") for p in request.gathering]
    via = [_snap(ctx.index, tree, p, what="via point") for p in request.via]
    dispersal = [_snap(ctx.index, tree, p, what="dispersal point") for p in request.dispersal]
    notes: list[str] = [f"camera {c} is not counted under the verification policy in force, so routes cannot "
                        "avoid it; count every status to avoid it" for c in cons.uncounted]

    journeys_stops: list[tuple[str, list[PlanPoint]]] = []
    for g in gathering:
        stops = [g, *via, site]
        kept = [stops[0]] + [b for a, b in zip(stops[:-1], stops[1:], strict=True) if a.node != b.node]
        if len(kept) < 2:
            notes.append(f"gathering point '{g.name}' is at the site: no way in to plan")
            continue
        journeys_stops.append(("in", kept))
    for d in dispersal:
        if d.node == site.node:
            notes.append(f"dispersal point '{d.name}' is at the site: no way out to plan")
            continue
        journeys_stops.append(("out", [site, d]))
    pairs = [(a.node, b.node) for _, stops in journeys_stops for a, b in zip(stops[:-1], stops[1:], strict=True)]
    trees = _ShortestTrees(cctx, pairs)  # type: ignore[arg-type]
    label = OBJECTIVE_LABELS[request.objective]
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
        legs = tuple(leg(a, b) for a, b in zip(stops[:-1], stops[1:], strict=True))
        via_names = [s.name for s in stops[1:-1]]
        name = f"{stops[0].name} → {stops[-1].name}" + (f" via {', '.join(via_names)}" if via_names else "")
        ok = all(leg.feasible for leg in legs)
        journeys.append(Journey(
            name=name, direction=direction, stops=tuple(stops), legs=legs,
            shortest=_join(ctx, legs, "shortest", label="shortest" if ok else "least bad",
                           objective="shortest" if ok else "least-bad"),
            route=_join(ctx, legs, "route", label=label if ok else "least bad",
                        objective=request.objective if ok else "least-bad"),
        ))
    regroup: tuple[RegroupPoint, ...] = ()
    if request.regroup_radius_m > 0:
        if cameras is None:
            notes.append("no camera table was given, so no regroup points were suggested")
        else:
            regroup = tuple(_regroup(cctx, cons, site.node, cameras, walk_radius_m=request.regroup_radius_m))  # type: ignore[arg-type]
    snapped = replace(request, site=site, gathering=tuple(gathering), via=tuple(via), dispersal=tuple(dispersal))
    used = {**ctx.settings, "objective": request.objective, "max_detour": request.max_detour,
            "walk_speed_m_per_min": settings.walk_speed_m_per_min, "time_limit_s": limit}
    return Plan(request=snapped, journeys=tuple(journeys), regroup=regroup, settings=used, notes=tuple(notes))


def _plan_leg(ctx: RoutingContext, cctx: RoutingContext, cons: EdgeConstraints, a: PlanPoint, b: PlanPoint,
              request: PlanRequest, trees: _ShortestTrees, remaining: Callable[[], float]) -> Leg:
    s, t = int(a.node), int(b.node)  # type: ignore[arg-type]
    if request.objective == "shortest":
        edges = trees.path(s, t)
        if edges is not None:
            r = route_from_edges(ctx, edges, label="shortest", objective="shortest", optimal=True)
            return Leg(origin=a, destination=b, shortest=r, route=r)
    else:
        try:
            found = routes(cctx, s, t, objective=request.objective, max_detour=request.max_detour,
                           time_limit_s=remaining())
        except NoRouteError:
            found = []
        if found:
            # routes() lists a route once: when the objective's route is the shortest, it is found[0]
            best = found[1] if len(found) > 1 else replace(found[0], label=OBJECTIVE_LABELS[request.objective],
                                                           objective=request.objective)
            return Leg(origin=a, destination=b, shortest=found[0], route=best)
    try:
        worst, breaks = least_bad_route(ctx, cons, s, t)
    except NoRouteError as err:
        msg = f"no walking route connects '{a.name}' and '{b.name}' in this network"
        raise NoRouteError(msg) from err
    return Leg(origin=a, destination=b, shortest=worst, route=worst, feasible=False, breaks=breaks)


# --------------------------------------------------------------------------- regroup points


def _seen_by(points_xy: np.ndarray, geom: CameraGeometry, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(point, camera) pairs where a point lies inside the view (disc or sector) of a camera in ``rows``."""
    empty = np.empty(0, dtype=np.int64)
    if len(rows) == 0 or len(points_xy) == 0:
        return empty, empty
    tree = cKDTree(geom.xy[rows])
    found = tree.query_ball_point(points_xy, float(geom.radius_m[rows].max()) + 1e-9)
    counts = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
    p = np.repeat(np.arange(len(points_xy)), counts)
    c = rows[np.fromiter((i for f in found for i in f), dtype=np.int64, count=int(counts.sum()))]
    d = points_xy[p] - geom.xy[c]
    dist = np.hypot(d[:, 0], d[:, 1])
    bearing = np.degrees(np.arctan2(d[:, 0], d[:, 1])) % 360.0
    off = np.abs((bearing - np.nan_to_num(geom.direction_deg[c]) + 180.0) % 360.0 - 180.0)
    ok = (dist <= geom.radius_m[c]) & ((geom.fov_deg[c] >= 360.0) | (off <= geom.fov_deg[c] / 2) | (dist == 0))
    return p[ok], c[ok]


def _point_name(index: NetworkIndex, node: int, out_ptr: np.ndarray, out_edges: np.ndarray) -> str:
    names: list[str] = []
    for e in out_edges[out_ptr[node] : out_ptr[node + 1]]:
        name = index.edge_names[int(e)]
        if name and name not in names:
            names.append(name)
    if not names:
        return "unnamed path"
    return names[0] if len(names) == 1 else f"{names[0]} / {names[1]}"


def _regroup(ctx: RoutingContext, cons: EdgeConstraints, site: int, cameras: pd.DataFrame, *,
             walk_radius_m: float, n: int = 8, min_separation_m: float = 40.0,
             radius_m: float | None = None) -> list[RegroupPoint]:
    index = ctx.index
    if len(cameras) != len(ctx.camera_ids):
        msg = f"the camera table has {len(cameras)} rows, the routing context {len(ctx.camera_ids)}: give the same"
        raise PlanError(msg)
    dist, _ = ctx.length_distances(site, limit=walk_radius_m)
    candidates = np.flatnonzero(np.isfinite(dist) & (dist <= walk_radius_m) & (np.arange(len(dist)) != site))
    xy = index.node_xy[candidates]
    for area in cons.avoid.areas:
        inside = shapely.contains_xy(_area_xy(index, area), xy[:, 0], xy[:, 1])
        candidates, xy = candidates[~inside], xy[~inside]
    uniform = radius_m if radius_m is not None else ctx.settings.get("coverage", {}).get("radius_m")
    geom = camera_geometry(cameras, index.crs, radius_m=uniform)
    if len(cons.avoided_rows):
        p, _ = _seen_by(xy, geom, cons.avoided_rows)
        keep = ~np.isin(np.arange(len(candidates)), p)
        candidates, xy = candidates[keep], xy[keep]
    frt_rows = np.flatnonzero(ctx.exposure.frt)
    p, c = _seen_by(xy, geom, frt_rows)
    count = np.bincount(p, minlength=len(candidates))
    order = np.lexsort((candidates, dist[candidates], count))
    picked: list[int] = []
    taken = [index.node_xy[site]]  # a point beside the site is no place to regroup away from it
    for i in order:
        if len(picked) == n:
            break
        if all(np.hypot(*(xy[i] - p)) >= min_separation_m for p in taken):
            picked.append(int(i))
            taken.append(xy[i])
    out_ptr, out_edges = ctx.out_edges_ptr, ctx.out_edges
    result = []
    for rank, i in enumerate(picked, start=1):
        node = int(candidates[i])
        ids = tuple(sorted(str(x) for x in ctx.camera_ids[c[p == i]]))
        lon, lat = index.node_lonlat[node]
        result.append(RegroupPoint(rank=rank, name=_point_name(index, node, out_ptr, out_edges), lon=float(lon),
                                   lat=float(lat), node=node, distance_m=float(dist[node]),
                                   frt_cameras=int(count[i]), camera_ids=ids))
    return result


def regroup_points(
    ctx: RoutingContext, site: int, cameras: pd.DataFrame, *, walk_radius_m: float, avoid: Avoidance | None = None,
    n: int = 8, min_separation_m: float = 40.0, radius_m: float | None = None,
) -> list[RegroupPoint]:
    """Street points within a walk of the site where the fewest FRT cameras see you, to regroup.

    Candidates are street nodes within ``walk_radius_m`` of walking from the site
    (avoiding what is to be avoided, and never inside an avoided area or an
    avoided camera's view). They are ranked by how many counted FRT-capable
    cameras see the point (inside the camera's disc, or its sector when its
    direction is known), then by walking distance; a point closer than
    ``min_separation_m`` to the site or to a better one is skipped, so the
    suggestions spread out.

    Parameters
    ----------
    ctx
        The routing context.
    site
        The site's node index.
    cameras
        The camera table aligned with the context's cameras.
    walk_radius_m
        How far from the site, walking, a regroup point may be.
    avoid
        What to avoid.
    n
        How many points to suggest.
    min_separation_m
        Least distance between two suggestions.
    radius_m
        Uniform camera radius; default the context's coverage model.
    """
    cons = constraint_edges(ctx, avoid or Avoidance())
    cctx = ctx.without(cons.blocked) if cons.blocked.any() else ctx
    return _regroup(cctx, cons, site, cameras, walk_radius_m=walk_radius_m, n=n, min_separation_m=min_separation_m,
                    radius_m=radius_m)


# --------------------------------------------------------------------------- plan files


def _req(data: Mapping[str, Any], key: str, *, where: str) -> Any:
    if key not in data:
        msg = f"{where}: '{key}' is missing"
        raise PlanError(msg)
    return data[key]


def _point_from(data: Any, *, where: str) -> PlanPoint:
    if not isinstance(data, Mapping):
        msg = f"{where} must be an object with name, lat and lon, not {type(data).__name__}"
        raise PlanError(msg)
    lat, lon = _check_lat_lon(_req(data, "lat", where=where), _req(data, "lon", where=where), where=where)
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
    request = _req(data, "request", where=where)
    w = f"{where}: request"
    if not isinstance(request, Mapping):
        msg = f"{w} must be an object"
        raise PlanError(msg)
    avoid_data = request.get("avoid") or {}
    if not isinstance(avoid_data, Mapping):
        msg = f"{w}.avoid must be an object with areas, cameras and no_frt_cameras"
        raise PlanError(msg)
    areas_data = avoid_data.get("areas") or {"type": "FeatureCollection", "features": []}
    areas = areas_from_geojson(areas_data, where=f"{w}.avoid.areas")
    cams = avoid_data.get("cameras") or []
    if not isinstance(cams, list) or not all(isinstance(c, str) for c in cams):
        msg = f"{w}.avoid.cameras must be a list of camera ids (text), not {quote(cams)}"
        raise PlanError(msg)
    _check_count(len(cams), where=f"{w}.avoid.cameras", setting="max_avoid_items", what="cameras to avoid")
    for key, setting in (("gathering", "max_plan_points"), ("dispersal", "max_plan_points"),
                         ("via", "max_via_points")):
        listed = request.get(key)
        if isinstance(listed, list):
            _check_count(len(listed), where=f"{w}.{key}", setting=setting, what="points")
    no_frt = avoid_data.get("no_frt_cameras", False)
    if not isinstance(no_frt, bool):
        msg = f"{w}.avoid.no_frt_cameras must be true or false, not {no_frt!r}"
        raise PlanError(msg)
    objective = request.get("objective", "fewest-cameras")
    if not isinstance(objective, str) or objective not in OBJECTIVES:
        msg = f"{w}.objective is {quote(objective)}; choose one of {', '.join(OBJECTIVES)}"
        raise PlanError(msg)
    dataset = request.get("dataset")
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
    )


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
    if isinstance(source, bytes):
        check_size(len(source), where=where, setting="max_plan_file_mb", what="the plan file", error=PlanError)
        raw = source
    else:
        try:
            raw = read_limited(source, setting="max_plan_file_mb", what="plan file", error=PlanError)
        except PlanError as err:
            if isinstance(err.__cause__, OSError):
                msg = f"{where}: cannot be read ({first_line(err.__cause__)}); check the path"
                raise PlanError(msg) from err.__cause__
            raise
    try:
        data = json_loads(raw)
    except JsonError as err:
        if err.detail.startswith("not UTF-8"):
            msg = f"{where}: not UTF-8 text; a plan file is JSON"
        else:
            msg = f"{where}: not valid JSON ({err.detail})"
        raise PlanError(msg) from err
    return plan_request_from_dict(data, where=where)
