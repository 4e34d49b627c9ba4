"""Area sets to count cameras in: H3 hexagons, cells around OSM places, New York City's areas, by name."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely

from exposure import settings
from exposure._errors import AreaError
from exposure.areas.density import MEASURES
from exposure.crs import WGS84, local_crs
from exposure.datasets import Dataset, load_dataset
from exposure.nyc import NYC_AREA_SETS, NYC_BOUNDS, nyc_areas, package_data_dir
from exposure.schema import CameraExtent, camera_extent

__all__ = [
    "OSM_PLACE_VALUES",
    "AreaScope",
    "area_scope",
    "area_sets",
    "areas_in_scope",
    "dataset_bounds",
    "h3_areas",
    "h3_cell_estimate",
    "name_by_places",
    "named_areas",
    "osm_place_areas",
]

#: OSM ``place=*`` values whose points seed the OSM-derived area set.
OSM_PLACE_VALUES = ("suburb", "quarter", "neighbourhood")

_OSM_NOTE = (
    "Voronoi cells around OpenStreetMap place={values} points ({names}), clipped to the dataset's "
    "bounding box — not official boundaries. The extract's own administrative boundaries are clipped "
    "and incomplete, so they are not used."
)
_H3_NOTE = ("H3 hexagons at resolution {res} (about {area:.3f} km² each) covering the dataset's bounding box; "
            "cells at the edge reach beyond the mapped streets and cameras.")


def h3_areas(bounds: Sequence[float], *, resolution: int = 9) -> gpd.GeoDataFrame:
    """H3 hexagons covering a WGS84 bounding box.

    Parameters
    ----------
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)``.
    resolution
        H3 resolution, 0–15 (9: about 0.1 km² a cell; 8: 0.7 km²; 10: 0.015 km²).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``area_id`` (the H3 cell), ``name`` and ``geometry`` (WGS84), one row
        per cell that overlaps the box, sorted by ``area_id``.

    Raises
    ------
    AreaError
        When the resolution or the bounds are not valid, or when the box would
        need more than :data:`exposure.settings.max_h3_cells` hexagons (estimated
        from the box before any hexagon is made).
    """
    if not isinstance(resolution, (int, np.integer)) or not 0 <= int(resolution) <= 15:
        msg = f"H3 resolution must be an integer from 0 to 15, not {resolution!r}"
        raise AreaError(msg)
    try:
        min_lon, min_lat, max_lon, max_lat = (float(b) for b in bounds)
    except (TypeError, ValueError) as err:
        msg = f"bounds must be (min_lon, min_lat, max_lon, max_lat), not {bounds!r}"
        raise AreaError(msg) from err
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        msg = f"bounds {bounds!r} are not a WGS84 box (min_lon, min_lat, max_lon, max_lat)"
        raise AreaError(msg)
    box = shapely.box(min_lon, min_lat, max_lon, max_lat)
    # polygon_to_cells keeps cells whose centre is inside, so pad the box by two cell
    # edges and keep every cell that touches the real box: the result covers it.
    edge_m = h3.average_hexagon_edge_length(int(resolution), unit="m")
    pad_lat = 2 * edge_m / 111_320.0
    pad_lon = pad_lat / max(math.cos(math.radians((min_lat + max_lat) / 2)), 0.01)
    # the limit counts the hexagons the answer holds (those touching the box), not the padded box filled
    # below: for a thin strip the padding is most of that box, and filling it costs at most about twice as much
    _check_h3_cells((min_lon, min_lat, max_lon, max_lat), int(resolution))
    padded = h3.LatLngPoly([
        (min_lat - pad_lat, min_lon - pad_lon), (min_lat - pad_lat, max_lon + pad_lon),
        (max_lat + pad_lat, max_lon + pad_lon), (max_lat + pad_lat, min_lon - pad_lon),
    ])
    cells = sorted(h3.h3shape_to_cells(padded, int(resolution)))
    polygons = [shapely.Polygon([(lon, lat) for lat, lon in h3.cell_to_boundary(c)]) for c in cells]
    keep = [i for i, p in enumerate(polygons) if p.intersects(box)]
    gdf = gpd.GeoDataFrame(
        {"area_id": [cells[i] for i in keep], "name": [f"hex {cells[i]}" for i in keep]},
        geometry=[polygons[i] for i in keep], crs=WGS84,
    )
    sizes = [h3.cell_area(c, "km^2") for c in gdf["area_id"]]
    gdf.attrs["note"] = _H3_NOTE.format(res=int(resolution), area=float(np.median(sizes)) if sizes else 0.0)
    gdf.attrs["source"] = f"h3:{int(resolution)}"
    return gdf


#: OSM kinds that name a hexagon well, best first: squares, stations and quarters, then pedestrian and other streets.
_LANDMARK_KINDS = (
    ("place=square", "public_transport=station", "railway=station", "place=neighbourhood", "place=quarter",
     "place=suburb"),
    ("highway=pedestrian",),
    ("highway=primary", "highway=secondary", "highway=tertiary", "highway=residential", "highway=unclassified",
     "highway=living_street"),
)


def name_by_places(areas: gpd.GeoDataFrame, places: pd.DataFrame) -> gpd.GeoDataFrame:
    """Name hexagons after the dataset's places: "Kauppatori", or "near Mannerheimintie".

    A hexagon's id says nothing to a reader; this names each one (whose name is
    still ``hex <id>``) after the best landmark of the dataset's place table
    (:func:`exposure.places.place_table`): a square, station or quarter before a
    pedestrian street before another street, the nearer the better. The name is
    the place's own when it lies in the hexagon, "near …" otherwise. The id stays
    in ``area_id``.
    """
    out = areas.copy()
    out.attrs = dict(areas.attrs)
    if places is None or places.empty or out.empty:
        return out
    kind = places["kind"].astype(str)
    rank = np.full(len(places), -1)
    for level, kinds in enumerate(_LANDMARK_KINDS):
        rank[(rank < 0) & kind.isin(kinds).to_numpy()] = level
    candidates = places[rank >= 0].assign(_rank=rank[rank >= 0])
    if candidates.empty:
        return out
    lon, lat = candidates["lon"].to_numpy(dtype=float), candidates["lat"].to_numpy(dtype=float)
    names = candidates["name"].astype(str).to_numpy()
    level = candidates["_rank"].to_numpy()
    generic = out["name"].astype(str).to_numpy() == ("hex " + out["area_id"].astype(str)).to_numpy()
    for i in np.flatnonzero(generic):
        geom = out.geometry.iloc[i]
        c = geom.centroid
        metres = 111_320.0 * np.hypot((lon - c.x) * math.cos(math.radians(c.y)), lat - c.y)
        best = int(np.argmin(metres + 80.0 * level))  # a square 80 m farther still beats a street
        inside = geom.covers(shapely.Point(lon[best], lat[best]))
        out.iloc[i, out.columns.get_loc("name")] = names[best] if inside else f"near {names[best]}"
    return out


def h3_cell_estimate(bounds: Sequence[float], resolution: int) -> int:
    """About how many H3 hexagons of a resolution touch a WGS84 box: as many as :func:`h3_areas` makes for it.

    A hexagon touches the box when its centre lies within about half a
    hexagon's width of it, so the count is the area of the box grown by that
    much (Steiner's formula: area + perimeter × half-width + π × half-width²)
    over a hexagon's average area. A thin strip is then counted by the
    hexagons along it, not by its area alone (nor by the box padded for the
    search). Hexagons differ in size by up to about 2x over the globe, so the
    count is an estimate within about that factor.
    """
    min_lon, min_lat, max_lon, max_lat = (float(b) for b in bounds)
    min_lat, max_lat = max(min_lat, -90.0), min(max_lat, 90.0)
    earth_km = 6371.0088
    width_rad = math.radians(max(max_lon - min_lon, 0.0))
    box_km2 = earth_km**2 * width_rad * abs(math.sin(math.radians(max_lat)) - math.sin(math.radians(min_lat)))
    perimeter_km = (2 * earth_km * math.radians(max(max_lat - min_lat, 0.0))
                    + earth_km * width_rad * (math.cos(math.radians(min_lat)) + math.cos(math.radians(max_lat))))
    # a regular hexagon of edge e is 6e/pi wide on average over its orientations
    half_width_km = 3 * float(h3.average_hexagon_edge_length(int(resolution), unit="km")) / math.pi
    grown_km2 = box_km2 + perimeter_km * half_width_km + math.pi * half_width_km**2
    return math.ceil(grown_km2 / float(h3.average_hexagon_area(int(resolution), unit="km^2")))


def _check_h3_cells(bounds: Sequence[float], resolution: int) -> None:
    """Refuse, before any hexagon is made, a box that would need more than ``settings.max_h3_cells``."""
    limit = settings.max_h3_cells
    n = h3_cell_estimate(bounds, resolution)
    if n <= limit:
        return
    coarser = next((r for r in range(resolution - 1, -1, -1) if h3_cell_estimate(bounds, r) <= limit), None)
    west, south, east, north = bounds
    span = (f"{abs(west):.2f}° {'W' if west < 0 else 'E'} to {abs(east):.2f}° {'W' if east < 0 else 'E'}, "
            f"{abs(south):.2f}° {'S' if south < 0 else 'N'} to {abs(north):.2f}° {'S' if north < 0 else 'N'}")
    hint = f"use resolution {coarser} or coarser, " if coarser is not None else ""
    msg = (f"the box to cover ({span}) would need about {n:,} H3 hexagons at resolution {resolution}, over the "
           f"limit of {limit:,} (exposure.settings.max_h3_cells); {hint}cover a smaller area, or raise "
           "exposure.settings.max_h3_cells if this machine can take it")
    raise AreaError(msg)



def osm_place_areas(
    path: str | Path, bounds: Sequence[float], *, places: Sequence[str] = OSM_PLACE_VALUES,
) -> gpd.GeoDataFrame:
    """Voronoi cells around an OSM extract's ``place=suburb|quarter|neighbourhood`` points.

    These are *not* boundaries: they split the box between the named points, each
    cell holding the ground nearer its point than any other. Use them when the
    extract has no usable admin boundaries (a clipped extract usually has none).

    Parameters
    ----------
    path
        An ``.osm.pbf`` or ``.osm`` file.
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)`` the cells are clipped to.
    places
        The ``place=*`` values whose nodes seed the cells.

    Returns
    -------
    geopandas.GeoDataFrame
        ``area_id`` (``osm-node-<id>``), ``name``, ``place``, ``geometry`` (WGS84);
        ``attrs["note"]`` says what the cells are.

    Raises
    ------
    AreaError
        When the file cannot be read or holds fewer than two such points in the box.
    """
    import osmium  # noqa: PLC0415 - heavy C extension, only needed here

    wanted = set(places)
    found: list[tuple[int, str, str, float, float]] = []

    class Handler(osmium.SimpleHandler):
        def node(self, n: Any) -> None:
            place = n.tags.get("place")
            if place in wanted and n.location.valid():
                found.append((int(n.id), str(n.tags.get("name", f"node {n.id}")), str(place),
                              float(n.location.lon), float(n.location.lat)))

    try:
        Handler().apply_file(str(path), locations=False)
    except RuntimeError as err:
        msg = f"cannot read OSM file {path}: {err}"
        raise AreaError(msg) from err
    box = shapely.box(*[float(b) for b in bounds])
    found = [f for f in found if box.covers(shapely.Point(f[3], f[4]))]
    if len(found) < 2:
        msg = (f"{Path(path).name} has {len(found)} place={'/'.join(places)} point(s) inside the dataset's box; "
               "at least two are needed for OSM-derived areas. Use H3 hexagons or upload a GeoJSON instead.")
        raise AreaError(msg)
    points = gpd.GeoSeries([shapely.Point(f[3], f[4]) for f in found], crs=WGS84)
    # Voronoi in metres, so "nearer" means nearer on the ground, not in degrees
    crs = local_crs(float(np.mean([f[3] for f in found])), float(np.mean([f[4] for f in found])))
    projected = points.to_crs(crs)
    box_xy = gpd.GeoSeries([box], crs=WGS84).to_crs(crs).iloc[0]
    regions = shapely.voronoi_polygons(shapely.MultiPoint(list(projected)), extend_to=box_xy.buffer(1000))
    cells = []
    for pt in projected:
        cell = next(r for r in regions.geoms if r.covers(pt))
        cells.append(cell.intersection(box_xy))
    geometry = gpd.GeoSeries(cells, crs=crs).to_crs(WGS84)
    gdf = gpd.GeoDataFrame(
        {"area_id": [f"osm-node-{f[0]}" for f in found], "name": [f[1] for f in found],
         "place": [f[2] for f in found]},
        geometry=list(geometry), crs=WGS84,
    )
    gdf.attrs["note"] = _OSM_NOTE.format(values="/".join(places),
                                         names=", ".join(f"{f[1]} ({f[2]})" for f in found))
    gdf.attrs["source"] = "osm-places"
    return gdf.sort_values("name").reset_index(drop=True)


#: Named area sets: name → what it is.
_NAMED = {
    "h3:RES": "H3 hexagons at resolution RES (0–15) covering the dataset, e.g. h3:9",
    "osm-places": "Voronoi cells around the extract's OSM place=suburb/quarter/neighbourhood points, clipped "
                  "to the dataset's box (not official boundaries)",
}


def dataset_bounds(dataset: Dataset) -> tuple[float, float, float, float]:
    """WGS84 box of a dataset's street geometry (wider than its node bounds).

    Only the streets: cameras outside them (an uploaded file of another city) are
    not counted on this dataset's streets, and must not stretch its areas over the
    ground between the two.
    """
    lonlat = dataset.index.lonlat if len(dataset.index.lonlat) else dataset.index.node_lonlat
    lon, lat = lonlat[:, 0], lonlat[:, 1]
    lon, lat = lon[np.isfinite(lon)], lat[np.isfinite(lat)]
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def area_sets() -> dict[str, str]:
    """The named area sets :func:`named_areas` knows, with what each one is."""
    return {**_NAMED, **NYC_AREA_SETS}


def named_areas(name: str, dataset: Dataset | None = None, *,
                bounds: Sequence[float] | None = None) -> gpd.GeoDataFrame:
    """A named set of areas for a dataset.

    Parameters
    ----------
    name
        ``"h3:RES"`` (e.g. ``"h3:9"``), ``"osm-places"``, or a New York City set
        ``"nyc-nta"``, ``"nyc-borough"``, ``"nyc-cd"``, ``"nyc-council"``,
        ``"nyc-precinct"`` (see :func:`area_sets`; the NYC sets need no dataset).
    dataset
        The dataset whose bounds (and OSM file) the areas are made for; default the
        embedded Helsinki dataset.
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)`` for H3 hexagons without a dataset
        (e.g. the box of a camera file); ignored when ``dataset`` is given.

    Returns
    -------
    geopandas.GeoDataFrame
        The areas (WGS84) with ``attrs["note"]`` saying what they are.

    Raises
    ------
    AreaError
        For an unknown name (the message lists the choices) or a bad resolution.
    """
    text = str(name).strip().lower()
    if text.startswith("nyc-"):
        return nyc_areas(text)
    if dataset is None and bounds is not None and text.startswith("h3:"):
        return h3_areas(bounds, resolution=_h3_resolution(name))
    if dataset is None:
        dataset = load_dataset("helsinki")
    bounds = dataset_bounds(dataset)
    if text.startswith("h3:"):
        return name_by_places(h3_areas(bounds, resolution=_h3_resolution(name)), dataset.places)
    if text == "osm-places":
        return osm_place_areas(dataset.source, bounds)
    choices = "; ".join(f"{k}: {v}" for k, v in area_sets().items())
    msg = f"unknown area set {name!r}; choose one of — {choices}; or give a GeoJSON file of polygons"
    raise AreaError(msg)



def _h3_resolution(name: str) -> int:
    """The resolution of an ``h3:RES`` area set's name."""
    res_text = str(name).strip().lower().removeprefix("h3:")
    if not res_text.isdigit():
        msg = f"area set {name!r}: the H3 resolution must be a whole number from 0 to 15, e.g. h3:9"
        raise AreaError(msg)
    return int(res_text)


@dataclass(frozen=True)
class AreaScope:
    """Where the cameras in use are, and which area sets can count them there.

    Attributes
    ----------
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)``: the box the areas cover and
        the map is framed to. The dataset's streets when the cameras lie on
        them; where the camera source looked when they lie elsewhere (another
        city's file on this dataset's streets).
    on_streets
        The cameras lie on the dataset's streets: walkable street length, OSM
        place cells and hexagons named after the dataset's places apply there.
    extent
        Where the camera source looked, for :func:`~exposure.areas.density_by_area`.
    sets
        The named area sets offered there (see :func:`area_sets`): name → what it is.
    measures
        The measures (keys of :data:`~exposure.areas.MEASURES`) that can be
        worked out there: per km of street only on the dataset's streets.
    where
        What the areas cover, for a caption.
    """

    bounds: tuple[float, float, float, float]
    on_streets: bool
    extent: CameraExtent
    sets: dict[str, str] = field(default_factory=dict)
    measures: tuple[str, ...] = ()
    where: str = ""


def area_scope(dataset: Dataset) -> AreaScope:
    """Where a dataset's cameras are (its own, or a file's) and the area sets that can count them there.

    The cameras lie on the dataset's streets when at least half of them are
    inside the box of its streets; otherwise (Brooklyn's cameras on Helsinki's
    streets) the areas are made where their source looked, without streets.
    H3 hexagons are offered everywhere, OSM place cells on the dataset's
    streets, New York City's area sets (NTAs, community and council districts,
    precincts, boroughs) wherever the box reaches New York and their data is
    installed.
    """
    cameras = dataset.cameras
    lon, lat = cameras["lon"].to_numpy(dtype=float), cameras["lat"].to_numpy(dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    inside = dataset.covers(lon[ok], lat[ok])
    if not ok.any() or float(np.mean(inside)) >= 0.5:
        bounds = dataset_bounds(dataset)
        scope_extent, on_streets = dataset.extent, True
        where = f"the streets of {dataset.name.split(' + ')[0]}"
    else:
        source = str(dataset.info.get("cameras_source", dataset.name))
        scope_extent = dataset.camera_extent or camera_extent(cameras, source=source)
        looked = scope_extent.geometry
        west, south, east, north = (looked.bounds if looked is not None and not looked.is_empty
                                    else (lon[ok].min(), lat[ok].min(), lon[ok].max(), lat[ok].max()))
        bounds = (float(west), float(south), float(east), float(north))
        on_streets = False
        where = (f"where the cameras of {Path(source).name} are ({scope_extent.description}), away from the "
                 f"streets of {dataset.name.split(' + ')[0]}: nothing there is measured per km of street")
    sets = {"h3:RES": _NAMED["h3:RES"]}
    if on_streets:
        sets["osm-places"] = _NAMED["osm-places"]
    if _in_nyc(bounds):
        sets.update(NYC_AREA_SETS)
    measures = tuple(m for m in MEASURES if on_streets or not m.endswith("per_street_km"))
    return AreaScope(bounds=bounds, on_streets=on_streets, extent=scope_extent, sets=sets, measures=measures,
                     where=where)


def areas_in_scope(name: str, scope: AreaScope, dataset: Dataset) -> gpd.GeoDataFrame:
    """A named area set (one of ``scope.sets``, ``h3:RES`` with its resolution) where the cameras are.

    Hexagons on the dataset's streets are named after its places
    (:func:`name_by_places`); hexagons in New York City after the
    Neighborhood Tabulation Area holding their centre ("in Park Slope").

    Raises
    ------
    AreaError
        For a set the scope does not offer, or as :func:`named_areas` does.
    """
    text = str(name).strip().lower()
    key = "h3:RES" if text.startswith("h3:") else text
    if key not in scope.sets:
        msg = f"the area set {name!r} does not cover {scope.where}; choose one of {', '.join(scope.sets)}"
        raise AreaError(msg)
    if scope.on_streets or not text.startswith("h3:"):
        return named_areas(text, dataset)
    hexagons = h3_areas(scope.bounds, resolution=_h3_resolution(name))
    return _name_by_ntas(hexagons) if _in_nyc(scope.bounds) else hexagons


def _in_nyc(bounds: Sequence[float]) -> bool:
    """True when a box reaches New York City and its area sets are installed."""
    west, south, east, north = bounds
    nyc_west, nyc_south, nyc_east, nyc_north = NYC_BOUNDS
    if west > nyc_east or east < nyc_west or south > nyc_north or north < nyc_south:
        return False
    try:
        package_data_dir()
    except AreaError:
        return False
    return True


def _name_by_ntas(hexagons: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Hexagons named after the New York neighbourhood (NTA) holding their centre: "in Park Slope"."""
    ntas = nyc_areas("nyc-nta")[["name", "geometry"]].rename(columns={"name": "_nta"})
    centres = gpd.GeoDataFrame({"_row": np.arange(len(hexagons))},
                               geometry=hexagons.geometry.representative_point(), crs=WGS84)
    hits = gpd.sjoin(centres, ntas, how="left", predicate="within").drop_duplicates("_row").sort_values("_row")
    out = hexagons.copy()
    out.attrs = dict(hexagons.attrs)
    named = hits["_nta"].notna().to_numpy()
    out.loc[named, "name"] = "in " + hits.loc[hits["_nta"].notna(), "_nta"].astype(str).to_numpy()
    return out
