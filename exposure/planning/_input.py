"""What the planning readers share: coordinate and count checks, and GeoJSON features and their names."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from exposure import settings
from exposure._errors import PlanError
from exposure._parse import as_number, check_size, first_line, limit_message, quote, read_limited

__all__ = ["NAME_CHARS", "NAME_KEYS", "check_count", "check_lat_lon", "feature_name", "geojson_features", "input_bytes"]

#: Where a point's or an area's name is looked for, in a CSV header or a feature's properties.
NAME_KEYS = ("name", "title", "label", "id")
#: Longest point or area name kept from a file (longer ones are cut): a name is for people to read.
NAME_CHARS = 200


def check_lat_lon(lat: Any, lon: Any, *, where: str) -> tuple[float, float]:
    """A latitude and longitude as numbers in range, or a :class:`PlanError` naming ``where`` (and a swap)."""
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


def check_count(n: int, *, where: str, setting: str, what: str) -> None:
    """Refuse more than ``settings.<setting>`` items of a plan, before any is read or snapped."""
    if n > getattr(settings, setting):
        msg = limit_message(f"{where}: {n:,} {what}", setting, "plan fewer at a time")
        raise PlanError(msg)


def geojson_features(data: Any, *, where: str) -> list[Any]:
    """The features of a parsed GeoJSON object: a collection's, a feature alone, or a bare geometry as one."""
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


def feature_name(feature: Mapping[str, Any]) -> str:
    """A feature's name from its first non-empty name-like property (:data:`NAME_KEYS`), cut short, or ``""``."""
    props = feature.get("properties")
    if not isinstance(props, Mapping):
        return ""
    return next((str(props[k]).strip()[:NAME_CHARS] for k in NAME_KEYS if props.get(k) not in (None, "")), "")


def input_bytes(source: str | Path | bytes, *, where: str, what: str) -> bytes:
    """A plan input's bytes, given as bytes or a path, within ``settings.max_plan_file_mb``.

    Raises
    ------
    PlanError
        When it is too large or the path cannot be read; the message names ``where``.
    """
    if isinstance(source, bytes):
        check_size(len(source), where=where, setting="max_plan_file_mb", what=f"the {what}", error=PlanError)
        return source
    try:
        return read_limited(source, setting="max_plan_file_mb", what=what, error=PlanError)
    except PlanError as err:
        if isinstance(err.__cause__, OSError):
            msg = f"{where}: cannot be read ({first_line(err.__cause__)}); check the path"
            raise PlanError(msg) from err.__cause__
        raise
