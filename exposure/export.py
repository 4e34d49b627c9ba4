"""Files people can use elsewhere: routes and plans as GeoJSON, GPX and KML, audits as JSON and CSV."""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

import gpxpy.gpx
import pandas as pd
import shapely

from exposure._tables import json_safe, neutralise_formulas
from exposure.style import AVOID_COLOUR, ROUTE_COLOURS, SHORTEST_COLOUR, route_colour, route_colours

if TYPE_CHECKING:
    from exposure.audit import Audit
    from exposure.planning import Plan
    from exposure.routing import Route

__all__ = [
    "KML_NAMESPACE",
    "ROUTE_COLOURS",
    "audit_per_camera_csv",
    "audit_to_json",
    "audit_tracks_csv",
    "json_safe",
    "neutralise_formulas",
    "plan_to_geojson",
    "plan_to_gpx",
    "plan_to_kml",
    "route_description",
    "routes_to_geojson",
    "routes_to_gpx",
    "routes_to_kml",
    "write_output",
]

#: The namespace of KML 2.2 (OGC 07-147r2).
KML_NAMESPACE = "http://www.opengis.net/kml/2.2"

# Characters XML 1.0 forbids even when escaped; they can arrive in names read from camera or OSM files.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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
        :meth:`~exposure.routing.Route.to_dict` without the geometry, and its
        ``colour`` (RGB) as the map and the route cards draw it
        (:func:`exposure.style.route_colours`).
    """
    features = []
    for route, colour in zip(routes, route_colours([r.objective for r in routes]), strict=True):
        properties = route.to_dict()
        geometry = properties.pop("geometry")
        properties["colour"] = list(colour)
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
    table["camera_id"] = table["camera_id"].map(str)
    return neutralise_formulas(table).to_csv(index=False, lineterminator="\n")


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
                                          "metres_in_view_any", "share_in_view", "seconds_in_view", "seconds_total",
                                          "unknown_m")}})
    return neutralise_formulas(pd.DataFrame(rows)).to_csv(index=False, lineterminator="\n")


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


# --------------------------------------------------------------------------- plans


def _plan_policy(plan: Plan) -> str | None:
    policy = plan.settings.get("frt_policy")
    return str(policy) if policy else None


def _journey_text(journey: Any, route: Route, *, policy: str | None) -> str:
    text = route_description(route, policy=policy)
    if not journey.feasible:
        text += ". NO ROUTE AVOIDS EVERYTHING ASKED; this least-bad one " + "; ".join(journey.breaks)
    return text


def plan_to_gpx(plan: Plan, *, creator: str = "exposure", shortest: bool = False) -> str:
    """A plan as one GPX 1.1 document: a named track per route, waypoints for its points.

    Parameters
    ----------
    plan
        The plan.
    creator
        The ``creator`` attribute of ``<gpx>``.
    shortest
        Also add each journey's shortest route as a track.

    Returns
    -------
    str
        The GPX XML text: ``<wpt>`` for the site, gathering, via, dispersal and
        regroup points (``<type>`` says which), then one ``<trk>`` per route,
        named after its journey and described with its figures (and, for a
        least-bad route, what it breaks).
    """
    policy = _plan_policy(plan)
    gpx = gpxpy.gpx.GPX()
    gpx.creator = escape(_xml_text(creator), {'"': "&quot;"})  # type: ignore[assignment]
    gpx.name = _xml_text(f"Protest plan: {plan.request.site.name}")
    gpx.description = _xml_text(f"Walking routes past the fewest FRT-capable cameras (policy {policy}); "
                                "every figure counts the cameras known to the dataset, not every camera there is.")
    for role, point in plan.points():
        wpt = gpxpy.gpx.GPXWaypoint(latitude=round(point.lat, 7), longitude=round(point.lon, 7),
                                    name=_xml_text(point.name), type=role)
        wpt.description = _xml_text(f"{role} point")
        gpx.waypoints.append(wpt)
    for journey in plan.journeys:
        kinds = [("route", journey.route)] + ([("shortest", journey.shortest)] if shortest else [])
        for _kind, route in kinds:
            track = gpxpy.gpx.GPXTrack(name=_xml_text(f"{journey.name} ({route.label})"),
                                       description=_xml_text(_journey_text(journey, route, policy=policy)))
            track.type = _xml_text(route.objective)  # type: ignore[assignment]
            segment = gpxpy.gpx.GPXTrackSegment()
            segment.points.extend(gpxpy.gpx.GPXTrackPoint(latitude=lat, longitude=lon)
                                  for lon, lat in route.coordinates)
            track.segments.append(segment)
            gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")


def _kml_colour(rgb: Sequence[int], alpha: int = 255) -> str:
    """KML writes colours as aabbggrr."""
    r, g, b = (int(c) for c in rgb[:3])
    return f"{alpha:02x}{b:02x}{g:02x}{r:02x}"


def _kml_coords(coords: Sequence[Sequence[float]]) -> str:
    return " ".join(f"{float(x):.7f},{float(y):.7f},0" for x, y in coords)


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{KML_NAMESPACE}}}{tag}")
    if text is not None:
        el.text = _xml_text(text)
    return el


def routes_to_kml(
    routes: Sequence[Route], *, name: str = "Routes", descriptions: Sequence[str] | None = None,
    names: Sequence[str] | None = None, points: Sequence[tuple[str, str, float, float]] = (),
    areas: Sequence[tuple[str, shapely.Geometry]] = (),
    colours: Sequence[Sequence[int]] | None = None,
) -> str:
    """Routes as a KML 2.2 document, one coloured LineString placemark each.

    Parameters
    ----------
    routes
        The routes.
    name
        The document's name.
    descriptions
        A description per route (default: :func:`route_description`).
    names
        A name per route (default: its label).
    points
        Named points as ``(name, role, lon, lat)``, in a folder of their own.
    areas
        Areas as ``(name, polygon in WGS84)``, drawn as hatched-red polygons.
    colours
        An RGB colour per route; by default the shortest route is grey and the
        others take :data:`~exposure.style.ROUTE_COLOURS` in turn, as on the map
        (:func:`exposure.style.route_colours`).

    Returns
    -------
    str
        The KML XML text (UTF-8).
    """
    ET.register_namespace("", KML_NAMESPACE)
    kml = ET.Element(f"{{{KML_NAMESPACE}}}kml")
    doc = _sub(kml, "Document")
    _sub(doc, "name", name)
    if colours is None:
        colours = route_colours([r.objective for r in routes])
    if len(colours) != len(routes):
        msg = f"routes_to_kml: {len(colours)} colours for {len(routes)} routes; give one colour per route"
        raise ValueError(msg)
    for i, colour in enumerate(colours):
        style = _sub(doc, "Style")
        style.set("id", f"route{i}")
        line = _sub(style, "LineStyle")
        _sub(line, "color", _kml_colour(colour))
        _sub(line, "width", "5")
    area_style = _sub(doc, "Style")
    area_style.set("id", "avoid")
    _sub(_sub(area_style, "LineStyle"), "color", _kml_colour(AVOID_COLOUR))
    _sub(_sub(area_style, "PolyStyle"), "color", _kml_colour(AVOID_COLOUR, 80))
    folder = _sub(doc, "Folder")
    _sub(folder, "name", "Routes")
    for i, route in enumerate(routes):
        mark = _sub(folder, "Placemark")
        _sub(mark, "name", names[i] if names else route.label)
        _sub(mark, "description", descriptions[i] if descriptions else route_description(route))
        _sub(mark, "styleUrl", f"#route{i}")
        line = _sub(mark, "LineString")
        _sub(line, "tessellate", "1")
        _sub(line, "coordinates", _kml_coords(route.coordinates))
    if points:
        folder = _sub(doc, "Folder")
        _sub(folder, "name", "Points")
        for label, role, lon, lat in points:
            mark = _sub(folder, "Placemark")
            _sub(mark, "name", label)
            _sub(mark, "description", f"{role} point")
            _sub(_sub(mark, "Point"), "coordinates", _kml_coords([(lon, lat)]))
    if areas:
        folder = _sub(doc, "Folder")
        _sub(folder, "name", "Areas to avoid")
        for label, geometry in areas:
            mark = _sub(folder, "Placemark")
            _sub(mark, "name", label)
            _sub(mark, "styleUrl", "#avoid")
            polygons = shapely.get_parts(geometry)
            parent = _sub(mark, "MultiGeometry") if len(polygons) > 1 else mark
            for polygon in polygons:
                poly = _sub(parent, "Polygon")
                ring = _sub(_sub(poly, "outerBoundaryIs"), "LinearRing")
                _sub(ring, "coordinates", _kml_coords(shapely.get_coordinates(polygon.exterior)))
                for hole in polygon.interiors:
                    inner = _sub(_sub(poly, "innerBoundaryIs"), "LinearRing")
                    _sub(inner, "coordinates", _kml_coords(shapely.get_coordinates(hole)))
    ET.indent(kml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(kml, encoding="unicode") + "\n"


def plan_to_kml(plan: Plan) -> str:
    """A plan as KML 2.2: each journey's route in its colour, the plan's points and the areas to avoid.

    Journey ``i`` is drawn in :func:`exposure.style.route_colour` of ``i``, as on the page and the cards.
    """
    policy = _plan_policy(plan)
    return routes_to_kml(
        [j.route for j in plan.journeys], name=f"Protest plan: {plan.request.site.name}",
        names=[f"{j.name} ({j.route.label})" for j in plan.journeys],
        descriptions=[_journey_text(j, j.route, policy=policy) for j in plan.journeys],
        points=[(p.name, role, p.lon, p.lat) for role, p in plan.points()],
        areas=[(a.name, a.geometry) for a in plan.request.avoid.areas],
        colours=[route_colour(i) for i in range(len(plan.journeys))],
    )


def plan_to_geojson(plan: Plan) -> dict[str, Any]:
    """A plan as a GeoJSON FeatureCollection.

    Features: each journey's route and shortest route (LineStrings with the
    route's figures and ``journey``, ``direction``, ``kind``, ``feasible``,
    ``breaks``, ``colour``: journey ``i``'s route in :func:`exposure.style.route_colour` of ``i``, every
    shortest route in :data:`~exposure.style.SHORTEST_COLOUR`), the plan's points (``role``), regroup points
    (``rank``, ``distance_m``, ``frt_cameras``, ``camera_ids``) and the areas to
    avoid (``role`` "avoid"). Top-level members: ``settings``, ``summary``,
    ``totals`` and ``notes``, as in the plan's JSON.
    """
    features = []
    for i, journey in enumerate(plan.journeys):
        for kind in ("route", "shortest"):
            properties = getattr(journey, kind).to_dict()
            geometry = properties.pop("geometry")
            properties.update(journey=journey.name, direction=journey.direction, kind=kind,
                              feasible=journey.feasible, breaks=list(journey.breaks),
                              colour=list(route_colour(i) if kind == "route" else SHORTEST_COLOUR))
            features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    regroup = {g.node: g for g in plan.regroup}
    for role, point in plan.points():
        about: dict[str, Any] = {"role": role, "name": point.name}
        if role == "regroup" and point.node in regroup:
            about.update({k: v for k, v in regroup[point.node].to_dict().items() if k not in ("lat", "lon")})
        features.append({"type": "Feature", "properties": about,
                         "geometry": {"type": "Point", "coordinates": [round(point.lon, 7), round(point.lat, 7)]}})
    for area in plan.request.avoid.areas:
        feature = area.to_feature()
        feature["properties"]["role"] = "avoid"
        features.append(feature)
    return json_safe({"type": "FeatureCollection", "features": features, "settings": plan.settings,
                      "summary": plan.summary(), "totals": plan.totals(), "notes": list(plan.notes)})
