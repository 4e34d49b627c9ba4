"""pydeck layer builders: pure functions from model objects to map layers (no tiles, no network)."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from exposure.style import (
    AVOID_COLOUR,
    BASEMAP_COLOURS,
    DENSITY_COLOURS,
    PICK_COLOUR,
    PLACE_RING,
    POINT_COLOURS,
    SHORTEST_COLOUR,
    STREET_COLOUR,
    TIER_COLOURS,
    UNKNOWN_TIER_COLOUR,
    VIEWSHED_FILL_ALPHA,
    VIEWSHED_LINE_ALPHA,
    route_colour,
)

if TYPE_CHECKING:
    from exposure.network import NetworkIndex
    from exposure.planning import AvoidArea, Plan

__all__ = [
    "BASEMAP_COLOURS",
    "PLAN_ROLE_COLOURS",
    "TIER_COLOURS",
    "LayerJSON",
    "Map",
    "basemap_layers",
    "camera_density_layer",
    "camera_layer",
    "camera_layers",
    "camera_points",
    "camera_points_by_id",
    "camera_points_layer",
    "deck",
    "fit_view",
    "layer_json",
    "picked_point_layer",
    "plan_layers",
    "plan_view",
    "route_layer",
    "route_lines",
    "street_layer",
    "street_points_layer",
    "viewshed_layer",
]


def _json_default(o: Any) -> Any:
    """How :func:`json.dumps` writes what it does not know: pydeck's objects as pydeck does, frames as records."""
    if isinstance(o, pd.DataFrame):  # pydeck keeps a frame as it is under pandas 3 (it has no __dict__ there)
        return o.to_dict(orient="records")
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return default_serialize(o)


def _dumps(o: Any) -> str:
    # compact, so that json's C encoder writes it: pydeck's own indented output is about ten times slower
    # and three times longer
    return json.dumps(o, sort_keys=True, default=_json_default, separators=(",", ":"))


@dataclass(frozen=True)
class LayerJSON:
    """A layer written once as deck.gl JSON, drawn by any number of maps without being written again.

    Attributes
    ----------
    type
        The deck.gl layer type (``"PathLayer"``).
    id
        The layer's id: the same on every map, so that the browser keeps its drawing.
    text
        The layer as deck.gl JSON.
    """

    type: str
    id: str
    text: str = ""

    def __repr__(self) -> str:
        return f"LayerJSON({self.type!r}, {self.id!r}, {len(self.text):,} characters)"


def layer_json(layer: pdk.Layer) -> LayerJSON:
    """The layer written as deck.gl JSON once (a layer that many maps share: the basemap, a camera set)."""
    return LayerJSON(str(layer.type), str(layer.id), _dumps(layer))


class Map:
    """A deck.gl map as ``st.pydeck_chart`` draws it: pydeck's JSON for a map with no basemap, written compact.

    Its layers may be :class:`LayerJSON` (joined in as they are) or pydeck layers (written
    with the C encoder). Made by :func:`deck`. It stands in for ``pydeck.Deck``, whose
    constructor probes for an optional notebook package on every map (a failed import each
    time) and whose JSON is indented: Streamlit reads only :meth:`to_json` and ``_tooltip``.

    Attributes
    ----------
    layers
        The layers, bottom first.
    initial_view_state
        Centre, zoom and pitch.
    """

    #: What a map with ``map_provider=None`` says instead of a style: pydeck's sentinel, which Streamlit
    #: reads as "no basemap" (with no style at all it would fetch one from a CDN).
    MAP_STYLE = "__MAP_STYLE__"

    def __init__(self, layers: Sequence[pdk.Layer | LayerJSON], *, lon: float, lat: float, zoom: float,
                 tooltip: dict[str, Any]) -> None:
        self.layers = list(layers)
        self.initial_view_state = {"latitude": lat, "longitude": lon, "pitch": 0, "zoom": zoom}
        self._tooltip = tooltip

    def to_json(self) -> str:
        """The map as deck.gl JSON, as ``pydeck.Deck.to_json`` writes it (compact)."""
        parts = ",".join(x.text if isinstance(x, LayerJSON) else _dumps(x) for x in self.layers)
        return (f'{{"initialViewState":{_dumps(self.initial_view_state)},"layers":[{parts}],'
                f'"mapStyle":{_dumps(self.MAP_STYLE)},"views":[{{"@@type":"MapView","controller":true}}]}}')


def street_layer(index: NetworkIndex, *, colour: tuple[int, int, int, int] = (*STREET_COLOUR, 255),
                 layer_id: str = "streets") -> pdk.Layer:
    """The walking network as a basemap drawn from the dataset itself (each street once)."""
    pieces = np.split(np.round(index.lonlat, 6), index.geom_start[1:-1])
    paths = [{"path": pieces[i].tolist()} for i in index.street_edges]
    return pdk.Layer(
        "PathLayer", data=paths, id=layer_id, get_path="path", get_color=list(colour), width_min_pixels=1,
        get_width=2, width_units="'meters'", pickable=False,
    )


def basemap_layers(basemap: dict[str, list[list[list[float]]]]) -> list[pdk.Layer]:
    """Water, parks and buildings from the dataset itself (drawn under the streets), ids ``basemap-<kind>``."""
    layers = []
    for kind in ("water", "park", "building"):
        rings = basemap.get(kind) or []
        if rings:
            layers.append(pdk.Layer(
                "PolygonLayer", data=[{"polygon": r} for r in rings], id=f"basemap-{kind}", get_polygon="polygon",
                get_fill_color=BASEMAP_COLOURS[kind], stroked=False, pickable=False,
            ))
    return layers


def camera_density_layer(cameras: pd.DataFrame, *, radius_m: float = 100.0) -> pdk.Layer:
    """Camera counts per hexagon, for datasets with too many cameras to read as points."""
    return pdk.Layer(
        "HexagonLayer", data=cameras[["lon", "lat"]], id="camera-density", get_position=["lon", "lat"], radius=radius_m,
        extruded=False, opacity=0.55, pickable=False, coverage=0.95,
        color_range=[list(c) for c in DENSITY_COLOURS],
    )


def camera_layers(cameras: pd.DataFrame, *, max_points: int = 3000) -> list[pdk.Layer]:
    """Cameras as tier-coloured points, with a density layer beneath them when there are many."""
    if len(cameras) <= max_points:
        return [camera_layer(cameras)]
    return [camera_density_layer(cameras), camera_layer(cameras, radius_px=2)]


def camera_points(cameras: pd.DataFrame) -> pd.DataFrame:
    """The cameras as a map draws them: position, fields as text, a plain-text tooltip and the tier's colour.

    Make it once per camera table and draw any subset with :func:`camera_points_layer`.
    """
    fields = ["camera_id", "kind", "mount", "operator", "verification", "frt_tier", "source"]
    data = cameras[["lon", "lat", *fields]].copy()
    for f in fields:
        data[f] = data[f].astype(str)
    data["tooltip"] = (
        data["camera_id"] + "\nkind: " + data["kind"] + " · mount: " + data["mount"]
        + "\noperator: " + data["operator"] + "\nverification: " + data["verification"]
        + "\nFRT tier: " + data["frt_tier"] + "\nsource: " + data["source"]
    )
    data["colour"] = cameras["frt_tier"].map(TIER_COLOURS).apply(
        lambda c: c if isinstance(c, list) else UNKNOWN_TIER_COLOUR
    )
    return data


def camera_points_by_id(points: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Cameras made ready by :func:`camera_points`, one record by camera id (the first of ids repeated).

    Make it once to pick a few cameras (those a route passes) without a table lookup each time.
    """
    out: dict[str, dict[str, Any]] = {}
    for record in points.to_dict(orient="records"):
        out.setdefault(str(record["camera_id"]), record)
    return out


def camera_points_layer(points: pd.DataFrame | list[dict[str, Any]], *, radius_px: int = 5,
                        layer_id: str | None = None) -> pdk.Layer:
    """Cameras made ready by :func:`camera_points` as dots: all, some rows, or records of :func:`camera_points_by_id`.

    ``layer_id`` names the layer (default: ``cameras-<radius_px>``).
    """
    return pdk.Layer(
        "ScatterplotLayer", data=points, id=layer_id or f"cameras-{radius_px}", get_position=["lon", "lat"],
        get_fill_color="colour", get_radius=radius_px, radius_units="'pixels'", stroked=True,
        get_line_color=[255, 255, 255], line_width_min_pixels=1, pickable=True,
    )


def viewshed_layer(polygons: Iterable[Any], tiers: Iterable[str], camera_ids: Iterable[str], *,
                   layer_id: str = "viewsheds") -> pdk.Layer:
    """Cameras' viewsheds (WGS84 polygons, :func:`exposure.viewsheds.viewshed_polygons`) shaded in their tier's colour.

    A polygon cut by walls may come in parts or with holes (a courtyard seen
    across): each part is drawn with its holes. Not pickable, so that a click on
    the map still reaches the cameras and streets drawn over them.
    """
    import shapely  # noqa: PLC0415 - only needed when viewsheds are drawn

    data = []
    for poly, tier, camera in zip(polygons, tiers, camera_ids, strict=True):
        if poly is None or shapely.is_empty(poly):
            continue
        colour = TIER_COLOURS.get(str(tier), UNKNOWN_TIER_COLOUR)[:3]
        for part in shapely.get_parts(poly):
            if part.geom_type != "Polygon" or part.is_empty:
                continue
            rings = [np.round(np.asarray(part.exterior.coords)[:, :2], 6).tolist(),
                     *(np.round(np.asarray(r.coords)[:, :2], 6).tolist() for r in part.interiors)]
            data.append({"polygon": rings, "fill": [*colour, VIEWSHED_FILL_ALPHA],
                         "line": [*colour, VIEWSHED_LINE_ALPHA], "camera_id": str(camera)})
    return pdk.Layer(
        "PolygonLayer", id=layer_id, data=data, get_polygon="polygon", get_fill_color="fill",
        get_line_color="line", line_width_min_pixels=1, stroked=True, pickable=False,
    )


def camera_layer(cameras: pd.DataFrame, *, radius_px: int = 5, layer_id: str | None = None) -> pdk.Layer:
    """Cameras coloured by FRT tier, with a plain-text tooltip (names come from untrusted files).

    ``layer_id`` names the layer (default: ``cameras-<radius_px>``).
    """
    return camera_points_layer(camera_points(cameras), radius_px=radius_px, layer_id=layer_id)


def route_layer(paths: list[dict[str, Any]], *, width_px: float = 6.0, layer_id: str = "routes") -> pdk.Layer:
    """Routes as coloured lines ``width_px`` wide: each item needs ``path`` (lon/lat list) and ``colour``.

    An item's ``label`` becomes its tooltip, shown as text. Two route layers on one map need ids of their own.
    """
    data = [{**p, "tooltip": str(p.get("label", ""))} for p in paths]
    return pdk.Layer(
        "PathLayer", data=data, id=layer_id, get_path="path", get_color="colour", get_width=width_px,
        width_units="'pixels'", pickable=True, cap_rounded=True, joint_rounded=True,
    )


def route_lines(paths: Sequence[Mapping[str, Any]], *, width_px: float = 4.0, casing_px: float = 1.0,
                band_px: float = 24.0, layer_id: str = "routes") -> pdk.Layer:
    """Routes that never hide one another: side by side where they share a street, each outlined in white.

    Parameters
    ----------
    paths
        The routes, each with ``path`` (lon/lat list) and ``colour`` (RGB); its ``label``
        becomes its tooltip; ``shown=False`` draws it faint, under the others (a legend
        left it out). Later routes are drawn over earlier ones.
    width_px
        Each line's width, narrowed so that all of them side by side are at most ``band_px``.
    casing_px
        The white outline on each side of a line (what tells two neighbours apart).
    band_px
        The widest the lines of a shared street may be, side by side.
    layer_id
        The layer's id.

    Returns
    -------
    pydeck.Layer
        One ``PathLayer``. The i-th of n routes keeps its place across the band whatever is
        shown: it is drawn ``i - (n - 1) / 2`` widths to the right of the street (deck.gl's
        ``PathStyleExtension`` offset, in widths, to the right of the direction of travel),
        so routes that share a street run beside one another like lines on a transit map.
        Its data hold each shown route's white outline (``casing: True``) just before the
        route itself.
    """
    n = len(paths)
    width = float(np.clip(band_px / max(n, 1), min(2.0, width_px), width_px))
    casing = width + 2 * casing_px
    faint, bright = [], []
    for i, p in enumerate(paths):
        line = {**p, "tooltip": str(p.get("label", "")), "colour": [*p["colour"][:3], 255], "width": width,
                "offset": i - (n - 1) / 2, "casing": False}
        if p.get("shown", True):
            # the outline's offset is in its own (wider) width: scaled to run along the line's centre
            bright += [{**line, "colour": [255, 255, 255, 255], "width": casing,
                        "offset": line["offset"] * width / casing, "casing": True}, line]
        else:
            faint.append({**line, "colour": [*p["colour"][:3], 70]})
    return pdk.Layer(
        "PathLayer", data=faint + bright, id=layer_id, get_path="path", get_color="colour", get_width="width",
        width_units="'pixels'", pickable=True, cap_rounded=True, joint_rounded=True, get_offset="offset",
        extensions=[{"@@type": "PathStyleExtension", "offset": True}],
    )


def fit_view(lon: Any, lat: Any, *, width_px: float = 700.0, height_px: float = 560.0, padding_px: float = 40.0,
             min_zoom: float = 2.0, max_zoom: float = 17.0) -> tuple[float, float, float]:
    """The centre and zoom of a web-mercator map that shows every point, with a margin.

    Parameters
    ----------
    lon, lat
        The points to frame (WGS84 degrees).
    width_px, height_px
        The map's size in pixels; take the narrowest the map may be drawn at.
    padding_px
        The margin kept free on every side.
    min_zoom, max_zoom
        Bounds of the zoom (a single point gets ``max_zoom``).

    Returns
    -------
    tuple of float
        ``(lon, lat, zoom)`` for :func:`deck`.
    """
    x = np.radians(np.asarray(lon, dtype=float).ravel())
    phi = np.radians(np.clip(np.asarray(lat, dtype=float).ravel(), -85.0, 85.0))
    ok = np.isfinite(x) & np.isfinite(phi)
    if not ok.any():
        msg = "no finite point to frame"
        raise ValueError(msg)
    x, y = x[ok], np.log(np.tan(np.pi / 4 + phi[ok] / 2))  # mercator, in radians of the equator
    zooms = [max_zoom]
    for span, size in ((np.ptp(x), width_px), (np.ptp(y), height_px)):
        usable = max(size - 2 * padding_px, 1.0)
        if span > 0:
            # deck.gl's web-mercator viewport draws the world (2 pi radians) 512 * 2**z pixels wide at zoom z
            zooms.append(float(np.log2(usable * 2 * np.pi / (512 * span))))
    zoom = float(np.clip(min(zooms), min_zoom, max_zoom))
    cx, cy = (x.min() + x.max()) / 2, (y.min() + y.max()) / 2
    return float(np.degrees(cx)), float(np.degrees(2 * np.arctan(np.exp(cy)) - np.pi / 2)), zoom


#: Every layer's objects carry a ready ``tooltip`` field, so one template serves cameras, routes,
#: areas and street points alike. It is a *text* template: the browser shows the field as text
#: (``innerText``), so a camera id or place name from a stranger's file can never be HTML.
CAMERA_TOOLTIP = {"text": "{tooltip}", "style": {"fontSize": "12px", "whiteSpace": "pre-line"}}


def deck(layers: Sequence[pdk.Layer | LayerJSON], *, lon: float, lat: float, zoom: float = 14.5,
         tooltip: dict[str, Any] | None = None) -> Map:
    """A map with no third-party basemap: no tile, style or font request leaves the machine.

    ``layers`` may mix pydeck layers and layers written once (:func:`layer_json`).
    The map says pydeck's ``__MAP_STYLE__`` sentinel (what ``map_provider=None`` gives),
    which Streamlit reads as "no basemap": without it (``map_style=None`` in pydeck)
    Streamlit would fetch a Carto style from its CDN.
    """
    return Map(layers, lon=lon, lat=lat, zoom=zoom, tooltip=tooltip or CAMERA_TOOLTIP)


#: RGBA of each kind of point of a plan on the map.
PLAN_ROLE_COLOURS: dict[str, list[int]] = {
    role: [*POINT_COLOURS[role], 255] for role in ("site", "gathering", "via", "dispersal", "regroup")}


def plan_layers(cameras: pd.DataFrame, *, plan: Plan | None = None, areas: Sequence[AvoidArea] = (),
                corners: Sequence[tuple[float, float]] = (), show_shortest: bool = False,
                all_cameras: bool = True, points: pd.DataFrame | None = None,
                shown: Collection[int] | None = None) -> list[pdk.Layer]:
    """A protest plan on the map: cameras, areas to avoid, corners being drawn, routes and the plan's points.

    Parameters
    ----------
    cameras
        The camera table, FRT tiers set (small dots; those a route passes, larger).
    plan
        The plan, if one is made: each journey's route in :func:`exposure.style.route_colour`
        in turn (:func:`route_lines`: side by side where they share a street), and its points
        coloured by role (:data:`PLAN_ROLE_COLOURS`), ringed in dark grey as places are (cameras
        are ringed in white).
    areas
        Areas avoided, in translucent red.
    corners
        Corners of an area being drawn, as **(lat, lon)** pairs.
    show_shortest
        Also draw each journey's shortest route, in grey, under the planned ones.
    all_cameras
        Draw every camera (small dots) at the bottom; False leaves them to a layer the caller
        drew once (``camera_layer(cameras, radius_px=3)``, written once with :func:`layer_json`).
    points
        ``cameras`` as :func:`camera_points` made them (once), to draw the cameras a route
        passes from; default: made here from ``cameras``.
    shown
        The journeys (their places in ``plan.journeys``) a legend picked: the others, and their
        shortest routes, are drawn faint. None: all.

    Returns
    -------
    list of pydeck.Layer
        Bottom first, to draw over a basemap.
    """
    layers: list[pdk.Layer] = [camera_layer(cameras, radius_px=3)] if all_cameras else []
    polygons = [{"polygon": [list(c) for c in poly.exterior.coords], "tooltip": f"Avoid: {a.name}"}
                for a in areas for poly in getattr(a.geometry, "geoms", [a.geometry])]
    if polygons:
        layers.append(pdk.Layer("PolygonLayer", data=polygons, id="plan-avoid", get_polygon="polygon",
                                get_fill_color=[*AVOID_COLOUR, 60], get_line_color=[*AVOID_COLOUR, 220],
                                line_width_min_pixels=2, pickable=True))
    if corners:
        layers.append(pdk.Layer("ScatterplotLayer", data=[{"lon": lon, "lat": lat} for lat, lon in corners],
                                id="plan-corners", get_position=["lon", "lat"], get_fill_color=[*AVOID_COLOUR, 255],
                                get_radius=6, radius_units="'pixels'"))
    if plan is None:
        return layers
    picked = set(range(len(plan.journeys))) if shown is None else set(shown)
    paths = []
    if show_shortest:
        paths += [{"path": j.shortest.coordinates, "colour": list(SHORTEST_COLOUR), "shown": i in picked,
                   "label": f"{j.name} — shortest: {j.shortest.length_m:,.0f} m, {j.shortest.frt_cameras} FRT "
                            "cameras"} for i, j in enumerate(plan.journeys)]
    # a route's (lon, lat) pairs as they are: JSON writes tuples as arrays, and copying them is a cost per point
    paths += [{"path": j.route.coordinates, "colour": list(route_colour(i)), "shown": i in picked,
               "label": f"{j.name} — {j.route.label}: {j.route.length_m:,.0f} m, {j.route.frt_cameras} FRT cameras"}
              for i, j in enumerate(plan.journeys)]
    layers.append(route_lines(paths))
    passed = {c for i, j in enumerate(plan.journeys) if i in picked for c in j.route.frt_camera_ids}
    if points is None:
        layers.append(camera_layer(cameras[cameras["camera_id"].astype(str).isin(passed)], radius_px=6))
    else:
        layers.append(camera_points_layer(points[points["camera_id"].isin(passed)], radius_px=6))
    marks = [{"lon": p.lon, "lat": p.lat, "colour": PLAN_ROLE_COLOURS[role], "tooltip": f"{p.name}\n{role} point"}
             for role, p in plan.points()]
    layers.append(pdk.Layer("ScatterplotLayer", data=marks, id="plan-points", get_position=["lon", "lat"],
                            get_fill_color="colour", get_radius=8, radius_units="'pixels'", stroked=True,
                            get_line_color=list(PLACE_RING), line_width_min_pixels=2, pickable=True))
    return layers


def plan_view(plan: Plan, *, areas: Sequence[AvoidArea] = (), width_px: float = 700.0,
              height_px: float = 600.0) -> tuple[float, float, float]:
    """The centre and zoom that frame a plan: its routes (and shortest routes), its points and the areas avoided.

    Returns
    -------
    tuple of float
        ``(lon, lat, zoom)`` for :func:`deck` (see :func:`fit_view`).
    """
    xy = [c for j in plan.journeys for r in (j.route, j.shortest) for c in r.coordinates]
    xy += [(p.lon, p.lat) for _, p in plan.points()]
    xy += [c for a in areas for poly in getattr(a.geometry, "geoms", [a.geometry]) for c in poly.exterior.coords]
    return fit_view([c[0] for c in xy], [c[1] for c in xy], width_px=width_px, height_px=height_px)


def street_points_layer(node_lonlat: np.ndarray, *, layer_id: str, tooltip: str) -> pdk.Layer:
    """Every street node as an invisible dot to click on, with the same ``tooltip`` on each.

    The dot under the pointer shows in :data:`~exposure.style.PICK_COLOUR`: where one can click.
    ``layer_id`` names the layer in the map's selection (a page reads the clicked node from it).
    """
    # to 6 decimals (a tenth of a metre): a shorter map, and the place a click gives is typed that way anyway
    nodes = pd.DataFrame(np.round(node_lonlat, 6), columns=["lon", "lat"]).assign(tooltip=tooltip)
    return pdk.Layer("ScatterplotLayer", id=layer_id, data=nodes, get_position=["lon", "lat"], get_radius=6,
                     radius_units="'pixels'", pickable=True, auto_highlight=True,
                     highlight_color=[*PICK_COLOUR, 255],
                     # alpha 1, not 0: deck.gl does not pick fully transparent pixels
                     get_fill_color=[0, 0, 0, 1])


def picked_point_layer(lon: float, lat: float, *, tooltip: str, layer_id: str = "picked") -> pdk.Layer:
    """The street point just clicked, as a ring in :data:`~exposure.style.PICK_COLOUR` (not a camera's dot)."""
    return pdk.Layer("ScatterplotLayer", id=layer_id, data=[{"lon": lon, "lat": lat, "tooltip": tooltip}],
                     get_position=["lon", "lat"], get_radius=9, radius_units="'pixels'", filled=True,
                     get_fill_color=[255, 255, 255, 160], stroked=True, get_line_color=[*PICK_COLOUR, 255],
                     line_width_min_pixels=3, pickable=False)
