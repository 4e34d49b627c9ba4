"""Files people can use elsewhere: routes as GeoJSON and GPX, audits as JSON and CSV."""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

import gpxpy.gpx
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from exposure.audit import Audit
    from exposure.routing import Route

__all__ = [
    "audit_per_camera_csv",
    "audit_to_json",
    "audit_tracks_csv",
    "json_safe",
    "route_description",
    "routes_to_geojson",
    "routes_to_gpx",
    "write_output",
]

# Characters XML 1.0 forbids even when escaped; they can arrive in names read from camera or OSM files.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def json_safe(obj: Any) -> Any:
    """A copy of ``obj`` that :func:`json.dumps` accepts with ``allow_nan=False``.

    NaN and infinities become None, numpy scalars and arrays become Python
    numbers and lists, tuples become lists, mapping keys become strings.
    """
    if isinstance(obj, Mapping):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def routes_to_geojson(routes: Sequence[Route], *, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Routes as a GeoJSON FeatureCollection, one LineString feature each.

    Parameters
    ----------
    routes
        The routes.
    settings
        The policies and coverage model behind the figures; added as a
        top-level ``settings`` member when given.

    Returns
    -------
    dict
        The FeatureCollection; each feature's properties are the route's
        :meth:`~exposure.routing.Route.to_dict` without the geometry.
    """
    features = []
    for route in routes:
        properties = route.to_dict()
        geometry = properties.pop("geometry")
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if settings is not None:
        collection["settings"] = settings
    return json_safe(collection)


def route_description(route: Route, *, policy: str | None = None) -> str:
    """One line for a route: "1,240 m, 15.5 min walk, 3 FRT-capable cameras, 120 m in view (policy default)"."""
    n = route.frt_cameras
    text = (
        f"{route.length_m:,.0f} m, {route.walk_min:.1f} min walk, "
        f"{n} FRT-capable camera{'' if n == 1 else 's'}, {route.metres_in_view:,.0f} m in view"
    )
    return f"{text} (policy {policy})" if policy else text


def _xml_text(text: str) -> str:
    return _XML_FORBIDDEN.sub("", str(text))


def routes_to_gpx(
    routes: Sequence[Route], *, creator: str = "exposure", settings: dict[str, Any] | None = None
) -> str:
    """Routes as a GPX 1.1 document, one ``<trk>`` per route.

    Parameters
    ----------
    routes
        The routes; each track is named by the route's label and described by
        :func:`route_description`; its ``<type>`` is the objective.
    creator
        The ``creator`` attribute of ``<gpx>``.
    settings
        The policies behind the figures (as in :func:`routes_to_geojson`);
        when given, each description names the FRT policy.

    Returns
    -------
    str
        The GPX XML text.
    """
    policy = None
    if settings is not None:
        policies = settings.get("policies", settings)
        if isinstance(policies, Mapping) and policies.get("frt_policy"):
            policy = str(policies["frt_policy"])
    gpx = gpxpy.gpx.GPX()
    # gpxpy escapes element text but writes the creator attribute as is.
    gpx.creator = escape(_xml_text(creator), {'"': "&quot;"})  # type: ignore[assignment]
    for route in routes:
        track = gpxpy.gpx.GPXTrack(
            name=_xml_text(route.label), description=_xml_text(route_description(route, policy=policy))
        )
        track.type = _xml_text(route.objective)  # type: ignore[assignment]
        segment = gpxpy.gpx.GPXTrackSegment()
        segment.points.extend(gpxpy.gpx.GPXTrackPoint(latitude=lat, longitude=lon) for lon, lat in route.coordinates)
        track.segments.append(segment)
        gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")


def audit_to_json(audit: Audit) -> dict[str, Any]:
    """An audit's stable JSON form (see :meth:`exposure.audit.Audit.to_dict`), free of NaN."""
    return json_safe(audit.to_dict())


def audit_per_camera_csv(audit: Audit) -> str:
    """An audit's per-camera table as CSV text, metres and seconds to 0.1.

    Camera ids come from other people's files, so one that a spreadsheet would
    run as a formula is prefixed with ``'``.
    """
    table = audit.per_camera.copy()
    table["metres_in_view"] = table["metres_in_view"].astype(float).round(1)
    table["seconds_in_view"] = table["seconds_in_view"].astype(float).round(1)
    table["camera_id"] = [
        f"'{v}" if str(v).startswith(_FORMULA_START) else str(v) for v in table["camera_id"]
    ]
    return table.to_csv(index=False, lineterminator="\n")


def audit_tracks_csv(audit: Audit) -> str:
    """An audit's per-track table as CSV text, with a last row ``total`` over the whole file.

    Each track is measured on its own (never across the gap to the next); in
    the total, a camera seen from several tracks counts once. Metres and seconds
    to 0.1; seconds are empty when the track has no timestamps.
    """
    rows = audit.to_dict()["tracks"]
    total = audit.to_dict()
    rows.append({"track": "total", "name": "", "segments": sum(r["segments"] for r in rows),
                 **{k: total[k] for k in ("length_m", "cameras", "frt_cameras", "metres_in_view",
                                          "metres_in_view_any", "share_in_view", "seconds_in_view", "seconds_total")}})
    for row in rows:
        row["name"] = f"'{row['name']}" if str(row["name"]).startswith(_FORMULA_START) else row["name"]
    return pd.DataFrame(rows).to_csv(index=False, lineterminator="\n")


def write_output(text_or_obj: str | dict[str, Any] | list[Any], out: str | Path | None) -> None:
    """Write text, or a dict/list as JSON, to a file or to standard output.

    Parameters
    ----------
    text_or_obj
        Text written as is, or a dict/list written as UTF-8 JSON (indent 2, NaN
        as null).
    out
        The file to write, or None for standard output.

    Raises
    ------
    OSError
        When the file cannot be written.
    """
    if isinstance(text_or_obj, str):
        text = text_or_obj
    else:
        text = json.dumps(json_safe(text_or_obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    Path(out).write_text(text, encoding="utf-8")
