"""Neighbourhood units (H3 hexagons, uploaded polygons, OSM-derived cells) and camera density per unit."""

from __future__ import annotations

import io
import json
import math
import warnings
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pydeck as pdk
import pyproj
import shapely

from exposure import settings
from exposure._errors import AreaError
from exposure._parse import bad_lon_lat, check_size, first_line, limit_message, refuse_dtd
from exposure._tables import neutralise_formulas
from exposure.crs import WGS84
from exposure.network import local_crs

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from exposure.cameras import CameraExtent
    from exposure.datasets import Dataset
    from exposure.network import NetworkIndex

__all__ = [
    "AREA_ATTRIBUTES",
    "COUNT_COLUMNS",
    "DENSITY_COLUMNS",
    "DENSITY_TOOLTIP",
    "EFFECTIVE_NOTE",
    "EFFECTIVE_QUAD_SEGS",
    "EFFECTIVE_RADIUS_M",
    "MEASURES",
    "SOURCE_CREDITS",
    "AreaError",
    "area_sets",
    "dataset_bounds",
    "density_by_area",
    "density_figure",
    "density_layer",
    "density_legend",
    "density_png",
    "density_to_csv",
    "density_to_geojson",
    "h3_areas",
    "h3_cell_estimate",
    "name_by_places",
    "named_areas",
    "osm_place_areas",
    "read_areas",
]


#: Column spellings tried, in order, when an area file's id/name/population column is not given.
ID_COLUMNS = ("area_id", "id", "ID", "Id", "code", "CODE", "Code", "ntacode", "NTACode", "nta2020",
              "GEOID", "geoid", "kunta", "tunnus", "fid")
NAME_COLUMNS = ("name", "NAME", "Name", "nimi", "Nimi", "NIMI", "ntaname", "NTAName", "area_name",
                "label")
POPULATION_COLUMNS = ("population", "Population", "POPULATION", "pop", "POP", "Pop", "asukkaat",
                      "Asukkaat", "ASUKKAAT", "asukasluku", "pop_total")

#: OSM ``place=*`` values whose points seed the OSM-derived area set.
OSM_PLACE_VALUES = ("suburb", "quarter", "neighbourhood")

#: Output columns of :func:`density_by_area`, in order (``geometry`` last).
DENSITY_COLUMNS = (
    "area_id", "name", "area_km2", "cameras", "frt_cameras", "cameras_per_km2", "frt_cameras_per_km2",
    "street_km", "cameras_per_street_km", "frt_cameras_per_street_km", "population",
    "cameras_per_1000_residents", "frt_cameras_per_1000_residents",
    "street_cameras", "effective_cameras", "frt_effective_cameras", "effective_cameras_per_km2",
    "frt_effective_cameras_per_km2", "effective_cameras_per_1000_residents", "frt_effective_cameras_per_1000_residents",
    "camera_data",
)
#: Count columns of :func:`density_by_area`: whole numbers, or missing (no camera data).
COUNT_COLUMNS = ("cameras", "frt_cameras", "street_cameras")

#: Area attributes :func:`density_by_area` carries through (after :data:`DENSITY_COLUMNS`) when the areas have them.
AREA_ATTRIBUTES = ("borough", "nonwhite_share", "black_hispanic_share")

#: Measures a density map can show: key → (column for all counted cameras, column for FRT-capable, label).
MEASURES: dict[str, tuple[str, str, str]] = {
    "per_km2": ("cameras_per_km2", "frt_cameras_per_km2", "cameras per km²"),
    "per_street_km": ("cameras_per_street_km", "frt_cameras_per_street_km", "cameras per km of street"),
    "per_1000_residents": ("cameras_per_1000_residents", "frt_cameras_per_1000_residents",
                           "cameras per 1,000 residents"),
    "effective": ("effective_cameras", "frt_effective_cameras", "effective cameras (Amnesty)"),
    "effective_per_km2": ("effective_cameras_per_km2", "frt_effective_cameras_per_km2",
                          "effective cameras (Amnesty) per km²"),
    "effective_per_1000_residents": ("effective_cameras_per_1000_residents",
                                     "frt_effective_cameras_per_1000_residents",
                                     "effective cameras (Amnesty) per 1,000 residents"),
}

#: Radius of Amnesty International's *effective cameras*, in metres (Decode Surveillance NYC).
EFFECTIVE_RADIUS_M = 120.0
#: Segments per quarter circle of the polygons drawn for the 120 m discs (shapely's ``quad_segs``).
EFFECTIVE_QUAD_SEGS = 32
#: What effective cameras are, for captions and exports.
EFFECTIVE_NOTE = (
    "Effective cameras (Amnesty International, Decode Surveillance NYC): the ground within 120 m of the counted "
    "cameras on street furniture (street lights, traffic signals, poles), unioned and clipped to the area, divided "
    "by the area of one 120 m disc — how many cameras' worth of ground is watched, overlaps counted once. Cameras "
    "on buildings or of unknown mount do not count; a camera just outside an area counts for the part of its disc "
    "inside it. Discs are drawn as 128-sided polygons, 120 m true to the ground (a projection centred on the "
    "areas), and divided by that polygon's area, so a lone camera counts exactly 1; overlaps are within 0.01 % of "
    "true circles, and where an area's edge cuts a disc the part inside is off by less than a ten-thousandth of a "
    "disc."
)

_OSM_NOTE = (
    "Voronoi cells around OpenStreetMap place={values} points ({names}), clipped to the dataset's "
    "bounding box — not official boundaries. The extract's own administrative boundaries are clipped "
    "and incomplete, so they are not used."
)
_H3_NOTE = ("H3 hexagons at resolution {res} (about {area:.3f} km² each) covering the dataset's bounding box; "
            "cells at the edge reach beyond the mapped streets and cameras.")


# --------------------------------------------------------------------------- area sets


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
    _check_h3_cells((min_lon - pad_lon, min_lat - pad_lat, max_lon + pad_lon, max_lat + pad_lat), int(resolution),
                    asked=(min_lon, min_lat, max_lon, max_lat))
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
    """About how many H3 hexagons a WGS84 box needs at a resolution (its area over a hexagon's)."""
    min_lon, min_lat, max_lon, max_lat = (float(b) for b in bounds)
    min_lat, max_lat = max(min_lat, -90.0), min(max_lat, 90.0)
    earth_km = 6371.0088
    box_km2 = (earth_km**2 * math.radians(max(max_lon - min_lon, 0.0))
               * abs(math.sin(math.radians(max_lat)) - math.sin(math.radians(min_lat))))
    return math.ceil(box_km2 / h3.average_hexagon_area(int(resolution), unit="km^2"))


def _check_h3_cells(padded: Sequence[float], resolution: int, *, asked: Sequence[float]) -> None:
    """Refuse, before any hexagon is made, a box that would need more than ``settings.max_h3_cells``."""
    limit = settings.max_h3_cells
    n = h3_cell_estimate(padded, resolution)
    if n <= limit:
        return
    coarser = next((r for r in range(resolution - 1, -1, -1) if h3_cell_estimate(padded, r) <= limit), None)
    west, south, east, north = asked
    span = (f"{abs(west):.2f}° {'W' if west < 0 else 'E'} to {abs(east):.2f}° {'W' if east < 0 else 'E'}, "
            f"{abs(south):.2f}° {'S' if south < 0 else 'N'} to {abs(north):.2f}° {'S' if north < 0 else 'N'}")
    hint = f"use resolution {coarser} or coarser, " if coarser is not None else ""
    msg = (f"the box to cover ({span}) would need about {n:,} H3 hexagons at resolution {resolution}, over the "
           f"limit of {limit:,} (exposure.settings.max_h3_cells); {hint}cover a smaller area, or raise "
           "exposure.settings.max_h3_cells if this machine can take it")
    raise AreaError(msg)


def _check_area_count(n: int, *, source: str) -> None:
    """Refuse more than ``settings.max_areas`` areas, before any work is done on them."""
    if n > settings.max_areas:
        msg = (f"{source}: {n:,} areas, over the limit of {settings.max_areas:,} for one table "
               "(exposure.settings.max_areas); split the file, choose larger areas, or raise "
               "exposure.settings.max_areas if this machine can take it")
        raise AreaError(msg)


def _check_area_extent(areas: gpd.GeoDataFrame) -> None:
    """Refuse areas that one local map projection cannot measure: off the globe, or spanning too much of it."""
    source = str(areas.attrs.get("source", "areas"))
    if not len(areas):
        return
    try:
        wgs = areas.geometry.to_crs(WGS84) if areas.crs is not None else areas.geometry
        xy = shapely.get_coordinates(np.asarray(wgs.values))
    except (RuntimeError, ValueError, shapely.errors.GEOSException) as err:
        msg = f"{source}: the areas cannot be turned into WGS84 ({first_line(err)}); give them in EPSG:4326"
        raise AreaError(msg) from err
    if not len(xy):
        return
    if bad_lon_lat(xy[:, 0], xy[:, 1]).any():
        msg = (f"{source}: some areas have coordinates that are not longitude within ±180 and latitude within ±90; "
               "read the file with read_areas(), which leaves such areas out")
        raise AreaError(msg)
    span = max(float(np.ptp(xy[:, 0])), float(np.ptp(xy[:, 1])))
    if span > settings.max_area_span_deg:
        msg = limit_message(f"{source}: the areas span {span:g}° of longitude or latitude", "max_area_span_deg",
                            "they are measured in one local map projection: compare areas of one country or "
                            "city at a time", unit="°")
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

    class Handler(osmium.SimpleHandler):  # type: ignore[misc]
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
    from exposure.nyc import NYC_AREA_SETS  # noqa: PLC0415 - exposure.nyc imports this module

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
        from exposure.nyc import nyc_areas  # noqa: PLC0415 - exposure.nyc imports this module

        return nyc_areas(text)
    if dataset is None and bounds is not None and text.startswith("h3:"):
        res_text = text.removeprefix("h3:")
        if not res_text.isdigit():
            msg = f"area set {name!r}: the H3 resolution must be a whole number from 0 to 15, e.g. h3:9"
            raise AreaError(msg)
        return h3_areas(bounds, resolution=int(res_text))
    if dataset is None:
        from exposure.datasets import load_dataset  # noqa: PLC0415 - avoids an import cycle

        dataset = load_dataset("helsinki")
    bounds = dataset_bounds(dataset)
    if text.startswith("h3:"):
        res_text = text.removeprefix("h3:")
        if not res_text.isdigit():
            msg = f"area set {name!r}: the H3 resolution must be a whole number from 0 to 15, e.g. h3:9"
            raise AreaError(msg)
        return name_by_places(h3_areas(bounds, resolution=int(res_text)), dataset.places)
    if text == "osm-places":
        return osm_place_areas(dataset.source, bounds)
    choices = "; ".join(f"{k}: {v}" for k, v in area_sets().items())
    msg = f"unknown area set {name!r}; choose one of — {choices}; or give a GeoJSON file of polygons"
    raise AreaError(msg)


# --------------------------------------------------------------------------- uploaded areas


def _pick_column(columns: Sequence[str], given: str | None, spellings: Sequence[str], *,
                 what: str, source: str) -> str | None:
    if given is not None:
        if given not in columns:
            msg = (f"{source}: no {what} column {given!r}; the file's columns are "
                   f"{', '.join(map(str, columns)) or '(none)'}")
            raise AreaError(msg)
        return given
    for spelling in spellings:
        if spelling in columns:
            return spelling
    lower = {str(c).lower(): c for c in columns}
    for spelling in spellings:
        if spelling.lower() in lower:
            return str(lower[spelling.lower()])
    return None


def read_areas(
    path_or_geojson: str | Path | Mapping[str, Any] | bytes | BinaryIO,
    *,
    id_column: str | None = None,
    name_column: str | None = None,
    population_column: str | None = None,
    source_name: str | None = None,
) -> gpd.GeoDataFrame:
    """Read polygons (GeoJSON or any file geopandas reads) as areas.

    Parameters
    ----------
    path_or_geojson
        A file path, a GeoJSON mapping, the bytes of a file, or a binary file object
        (e.g. a Streamlit upload).
    id_column, name_column, population_column
        Columns to use; by default guessed from common spellings (``id``,
        ``area_id``, ``code``…; ``name``, ``NAME``, ``nimi``…; ``population``,
        ``pop``, ``asukkaat``…). Without an id column the feature number is used;
        without a name column, the id.
    source_name
        Name of the file in messages (default: the path or the object's ``name``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``area_id``, ``name``, ``population`` (float, NaN when unknown) and
        ``geometry`` in WGS84. ``attrs["rejected"]`` lists the features left out or
        repaired (``feature``, ``reason``); feature numbers count from 1.

    Raises
    ------
    AreaError
        When the file cannot be read, has no usable polygon, a named column is
        missing, or ids repeat. The message names the file and the feature.
    """
    source = source_name or _source_name(path_or_geojson)
    raw = _read_any(path_or_geojson, source)
    if raw.empty:
        msg = f"{source}: no features; give a GeoJSON FeatureCollection of Polygon/MultiPolygon features"
        raise AreaError(msg)
    _check_area_count(len(raw), source=source)
    if raw.crs is None:
        minx, miny, maxx, maxy = raw.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            msg = (f"{source}: no coordinate reference system and the coordinates are not longitude/latitude; "
                   "save the file as GeoJSON in WGS84 (EPSG:4326)")
            raise AreaError(msg)
        raw = raw.set_crs(WGS84)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # bad coordinates are reported per feature below
            raw = raw.to_crs(WGS84).reset_index(drop=True)
    except (RuntimeError, ValueError) as err:  # pyproj's CRSError is a RuntimeError
        msg = f"{source}: its coordinate reference system cannot be turned into WGS84 ({first_line(err)}); save it " \
              "as GeoJSON in WGS84 (EPSG:4326)"
        raise AreaError(msg) from err
    columns = [str(c) for c in raw.columns if c != raw.geometry.name]
    id_col = _pick_column(columns, id_column, ID_COLUMNS, what="id", source=source)
    name_col = _pick_column(columns, name_column, NAME_COLUMNS, what="name", source=source)
    pop_col = _pick_column(columns, population_column, POPULATION_COLUMNS, what="population", source=source)

    rejected: list[dict[str, Any]] = []
    keep: list[int] = []
    geoms: list[Any] = []
    for i, original in enumerate(raw.geometry):
        feature = i + 1
        try:
            geom, problem = _usable_polygon(original)
        except shapely.errors.GEOSException as err:  # what GEOS cannot even test for validity
            geom, problem = None, f"a polygon GEOS cannot read ({first_line(err)}); left out"
        if problem:
            rejected.append({"feature": feature, "reason": problem})
        if geom is None:
            continue
        keep.append(i)
        geoms.append(geom)
    if not keep:
        reasons = "; ".join(f"feature {r['feature']}: {r['reason']}" for r in rejected[:5])
        msg = f"{source}: none of the {len(raw)} features is a usable polygon ({reasons})"
        raise AreaError(msg)

    kept = raw.iloc[keep]
    ids = (kept[id_col].astype(str).to_numpy() if id_col else np.array([str(i + 1) for i in keep]))
    names = kept[name_col].astype(str).to_numpy() if name_col else ids
    dupes = sorted(set(pd.Series(ids)[pd.Series(ids).duplicated()]))
    if dupes:
        msg = (f"{source}: area ids repeat in column {id_col or '(feature number)'}: {', '.join(dupes[:10])}; "
               "give id_column= a column with one value per area, or merge the parts into one MultiPolygon")
        raise AreaError(msg)
    population = np.full(len(keep), np.nan)
    if pop_col:
        values = pd.to_numeric(kept[pop_col], errors="coerce").to_numpy(dtype=float)
        for j, (value, original) in enumerate(zip(values, kept[pop_col], strict=True)):
            if math.isnan(value) or value < 0:
                if original is not None and not (isinstance(original, float) and math.isnan(original)):
                    rejected.append({"feature": keep[j] + 1,
                                     "reason": f"population {original!r} in {pop_col} is not a count; left unknown"})
                continue
            population[j] = value
    gdf = gpd.GeoDataFrame({"area_id": ids, "name": names, "population": population},
                           geometry=geoms, crs=WGS84)
    gdf.attrs["rejected"] = sorted(rejected, key=lambda r: r["feature"])
    gdf.attrs["source"] = source
    gdf.attrs["note"] = (f"Areas from {source} ({len(gdf)} polygons"
                         + (f"; population from column {pop_col}" if pop_col else "; no population column") + ").")
    return gdf


def _usable_polygon(original: Any) -> tuple[Any, str]:
    """A feature's polygon as an area, or None; and what was wrong with it ("" when nothing was).

    Left out: no geometry, not a polygon, coordinates that are not finite
    longitude/latitude, an extent wider than ``settings.max_area_span_deg``, or an
    invalid polygon with no area once repaired. Repaired: any other invalid polygon
    (``make_valid``), and empty parts of a MultiPolygon (dropped).
    """
    if original is None or original.is_empty:
        return None, "no geometry, or one that cannot be read (an unclosed ring?); left out"
    if original.geom_type not in ("Polygon", "MultiPolygon"):
        return None, f"a {original.geom_type}, not a polygon; left out"
    xy = shapely.get_coordinates(original)
    if bad_lon_lat(xy[:, 0], xy[:, 1]).any():
        return None, ("coordinates that are not longitude within ±180 and latitude within ±90 (NaN, infinite or "
                      "swapped); left out")
    span = max(float(np.ptp(xy[:, 0])), float(np.ptp(xy[:, 1])))
    if span > settings.max_area_span_deg:
        return None, limit_message(f"spans {span:g}° of longitude or latitude", "max_area_span_deg",
                                   "areas are measured in one local map projection: use smaller areas",
                                   unit="°") + "; left out"
    geom = original
    if geom.geom_type == "MultiPolygon" and any(part.is_empty for part in geom.geoms):
        geom = shapely.MultiPolygon([part for part in geom.geoms if not part.is_empty])
    if not geom.is_valid:
        why = shapely.is_valid_reason(geom)
        repaired = _polygonal(shapely.make_valid(geom))
        if repaired.is_empty:
            return None, f"invalid polygon ({why}) with no area; left out"
        return repaired, f"invalid polygon ({why}); repaired with make_valid"
    return geom, ""


def _polygonal(geom: Any) -> Any:
    """The polygonal part of a geometry (make_valid may add stray lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _source_name(obj: Any) -> str:
    if isinstance(obj, (str, Path)):
        return str(obj)
    if isinstance(obj, Mapping):
        return "GeoJSON data"
    return str(getattr(obj, "name", None) or "uploaded file")


def _read_any(obj: Any, source: str) -> gpd.GeoDataFrame:
    """Read areas with pyogrio, after checking the size (``settings.max_areas_file_mb``) and the JSON nesting."""
    from exposure._parse import JsonError, check_json_depth  # noqa: PLC0415 - only needed for uploads

    limit = int(settings.max_areas_file_mb * 1e6)
    try:
        with warnings.catch_warnings():
            # GDAL and GEOS warn of unclosed rings and NaN coordinates; each feature's problem is reported instead
            warnings.simplefilter("ignore", RuntimeWarning)
            if isinstance(obj, Mapping):
                features = obj.get("features") if obj.get("type") == "FeatureCollection" else None
                if features is None:
                    msg = f"{source}: not a GeoJSON FeatureCollection (type is {obj.get('type')!r})"
                    raise AreaError(msg)
                _check_area_count(len(features) if isinstance(features, list) else 0, source=source)
                return gpd.read_file(io.BytesIO(json.dumps(obj).encode()), on_invalid="ignore")
            if isinstance(obj, (str, Path)):
                path = Path(obj).expanduser()
                if not path.is_file():
                    msg = f"{source}: no such file; give a GeoJSON (or shapefile, GeoPackage) of polygons"
                    raise AreaError(msg)
                check_size(path.stat().st_size, where=source, setting="max_areas_file_mb", what="the areas file",
                           error=AreaError)
                with path.open("rb") as handle:
                    text_like = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[", b"<")
                if not text_like:  # a shapefile or GeoPackage: GDAL opens its companions by the path
                    return gpd.read_file(path, on_invalid="ignore")
                data = path.read_bytes()
            else:
                data = obj if isinstance(obj, bytes) else obj.read(limit + 1)
                check_size(len(data), where=source, setting="max_areas_file_mb", what="the areas file",
                           error=AreaError)
            head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
            if head in (b"{", b"["):
                check_json_depth(data)  # GDAL would parse any depth
            elif head == b"<":  # KML, GML, GPX: no entity tricks for GDAL's XML parser either
                refuse_dtd(data, where=source, error=AreaError)
            # a geometry GEOS cannot build (an unclosed ring) becomes None and is reported, not the whole file
            return gpd.read_file(io.BytesIO(data), on_invalid="ignore")
    except AreaError:
        raise
    except JsonError as err:
        msg = f"{source}: cannot read areas ({err.detail}); give a GeoJSON FeatureCollection of polygons"
        raise AreaError(msg) from err
    except (OSError, ValueError, RuntimeError, shapely.errors.GEOSException) as err:
        # pyogrio's DataSourceError subclasses RuntimeError; a bad JSON body a ValueError; RecursionError (a
        # structure nested too deep to write as JSON) is a RuntimeError too
        msg = f"{source}: cannot read areas ({first_line(err)}); give a GeoJSON FeatureCollection of polygons"
        raise AreaError(msg) from err


# --------------------------------------------------------------------------- density


def _default_masks(cameras: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    from exposure.cameras import (  # noqa: PLC0415 - keeps this module light to import
        FRT_CAPABLE_TIERS,
        apply_frt_policy,
        frt_policy,
        verification_policy,
    )

    counted = (cameras["verification"].isin(verification_policy("default")).to_numpy()
               if "verification" in cameras else np.ones(len(cameras), dtype=bool))
    if {"kind", "mount", "operator"} <= set(cameras.columns):
        frt = apply_frt_policy(cameras, frt_policy("default"))["frt_tier"].isin(FRT_CAPABLE_TIERS).to_numpy()
    elif "frt_tier" in cameras:
        frt = cameras["frt_tier"].isin(FRT_CAPABLE_TIERS).to_numpy()
    else:
        frt = np.ones(len(cameras), dtype=bool)
    return counted.astype(bool), frt.astype(bool)


def _mask(values: Any, n: int, what: str) -> np.ndarray | None:
    if values is None:
        return None
    arr = np.asarray(values, dtype=bool)
    if arr.shape != (n,):
        msg = f"{what} has {arr.shape[0] if arr.ndim else 0} values for {n} camera rows; align it with the table"
        raise AreaError(msg)
    return arr


def _street_m_per_area(areas_xy: gpd.GeoSeries, index: NetworkIndex) -> np.ndarray:
    """Walkable street metres inside each area, each street counted once."""
    unique = index.street_edges
    to_xy = pyproj.Transformer.from_crs(index.crs, areas_xy.crs, always_xy=True)
    lines = []
    for i in unique:
        xy = index.edge_xy(int(i))
        x, y = to_xy.transform(xy[:, 0], xy[:, 1])
        lines.append(shapely.LineString(np.column_stack([x, y])) if len(xy) > 1 else shapely.LineString())
    lines_arr = np.array(lines, dtype=object)
    projected_len = shapely.length(lines_arr)
    # scale clipped lengths to the graph's own lengths so a full cover sums to the total exactly
    scale = np.divide(index.length_m[unique], projected_len, out=np.zeros(len(unique)), where=projected_len > 0)
    tree = shapely.STRtree(lines_arr)
    out = np.zeros(len(areas_xy))
    for a, poly in enumerate(areas_xy):
        hits = tree.query(poly, predicate="intersects")
        if len(hits):
            clipped = shapely.length(shapely.intersection(lines_arr[hits], poly))
            out[a] = float(np.sum(clipped * scale[hits]))
    return out


def _effective_cameras(areas_xy: gpd.GeoSeries, xy: np.ndarray) -> np.ndarray:
    """Per area: the union of 120 m discs around ``xy`` (metres, the areas' CRS), clipped, in units of one disc.

    Cameras at the same spot share a disc, and each area unions only the discs that reach it, so the work
    grows with the cameras near an area rather than with all of them.
    """
    out = np.zeros(len(areas_xy))
    if not len(xy):
        return out
    spots = np.unique(np.round(xy, 3), axis=0)  # millimetres: one disc per position
    discs = shapely.buffer(shapely.points(spots), EFFECTIVE_RADIUS_M, quad_segs=EFFECTIVE_QUAD_SEGS)
    one_disc = float(shapely.area(discs[0]))
    tree = shapely.STRtree(discs)
    for a, area in enumerate(areas_xy):
        if area is None or area.is_empty:
            continue
        poly = area if area.is_valid else shapely.make_valid(area)  # a self-touching boundary breaks intersection
        hits = tree.query(poly, predicate="intersects")
        if len(hits):
            watched = shapely.intersection(shapely.union_all(discs[hits]), poly)
            out[a] = float(shapely.area(watched)) / one_disc
    return out


def _covered(wgs: gpd.GeoDataFrame, extent: CameraExtent | None) -> np.ndarray:
    """Per area: does the camera source reach it (a borough it counted whole, or ground it looked at)."""
    if extent is None:
        return np.ones(len(wgs), dtype=bool)
    if extent.boroughs and "borough" in wgs.columns:
        return wgs["borough"].astype(str).isin(extent.boroughs).to_numpy()
    out = np.zeros(len(wgs), dtype=bool)
    if extent.geometry is None or extent.geometry.is_empty or not len(wgs):
        return out
    parts = shapely.get_parts(extent.geometry)
    hits, _ = shapely.STRtree(parts).query(np.asarray(wgs.geometry.values), predicate="intersects")
    out[np.unique(hits)] = True
    return out


def density_by_area(
    areas: gpd.GeoDataFrame,
    cameras: pd.DataFrame,
    *,
    counted: Sequence[bool] | np.ndarray | None = None,
    frt: Sequence[bool] | np.ndarray | None = None,
    index: NetworkIndex | None = None,
    settings: Mapping[str, Any] | None = None,
    extent: CameraExtent | None = None,
) -> gpd.GeoDataFrame:
    """Cameras per area, per km², per km of street and per 1,000 residents.

    Parameters
    ----------
    areas
        Polygons with ``area_id`` and ``name`` (and optionally ``population``), any CRS.
    cameras
        Camera table with ``lon``/``lat`` (WGS84).
    counted
        Boolean per camera row: is it counted (its verification status is). Default:
        the default verification policy (every camera).
    frt
        Boolean per camera row: is it FRT-capable. Default: the default FRT policy.
        A camera is an FRT camera here only if it is also counted.
    index
        The walking network; gives ``street_km`` (each street once, clipped to the
        area). Without it the street columns are NaN.
    settings
        What was counted (policies, dataset), kept in ``attrs["settings"]`` for
        captions and exports.
    extent
        Where the camera source looked for cameras (:class:`exposure.cameras.CameraExtent`):
        an area it does not reach has no camera data, which is not zero cameras.
        Default: every area is covered.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per area with :data:`DENSITY_COLUMNS`, then those of
        :data:`AREA_ATTRIBUTES` (``borough``, ``nonwhite_share``, ...) the areas have,
        and ``geometry`` (WGS84).
        A camera inside two overlapping areas counts in both; a rate whose
        denominator is zero or unknown is NaN. ``street_cameras`` counts the
        counted cameras on street furniture (``mount`` street) inside the area;
        ``effective_cameras`` is Amnesty's measure (:data:`EFFECTIVE_NOTE`) over
        the counted street-furniture cameras, ``frt_effective_cameras`` over
        those of them that are FRT-capable; both are NaN when the camera table
        has no ``mount`` column. ``attrs`` keeps the areas' ``note``, says
        what effective cameras are (``attrs["effective"]``) and, when the
        cameras have a ``source`` column, which sources the counted cameras
        come from (``attrs["camera_sources"]``, for the caveats).
        ``camera_data`` is False for an area outside ``extent``: its camera
        counts, effective cameras and every rate of them are NaN (no data, not
        0); ``attrs["extent"]`` says what the extent is and
        ``attrs["no_camera_data"]`` how many areas it leaves out.

    Raises
    ------
    AreaError
        When a column is missing or a mask does not match the camera rows.
    """
    for column in ("area_id", "name"):
        if column not in areas.columns:
            msg = f"areas lack the column {column!r}; read them with read_areas() or h3_areas()"
            raise AreaError(msg)
    if not {"lon", "lat"} <= set(cameras.columns):
        msg = "camera table lacks lon/lat columns; load it with exposure.cameras.load_cameras()"
        raise AreaError(msg)
    if areas.crs is None:
        msg = "areas have no CRS; set one (WGS84 is EPSG:4326)"
        raise AreaError(msg)
    _check_area_count(len(areas), source=str(areas.attrs.get("source", "areas")))
    _check_area_extent(areas)
    n = len(cameras)
    counted_mask = _mask(counted, n, "counted")
    frt_mask = _mask(frt, n, "frt")
    if counted_mask is None or frt_mask is None:
        default_counted, default_frt = _default_masks(cameras)
        counted_mask = default_counted if counted_mask is None else counted_mask
        frt_mask = default_frt if frt_mask is None else frt_mask
    frt_mask = frt_mask & counted_mask

    wgs = areas.to_crs(WGS84).reset_index(drop=True)
    lon0, lat0 = (float(v) for v in wgs.geometry.union_all().centroid.coords[0]) if len(wgs) else (0.0, 0.0)
    crs = local_crs(lon0, lat0)
    metric = wgs.geometry.to_crs(crs)
    area_km2 = metric.area.to_numpy() / 1e6

    points = gpd.GeoDataFrame(
        {"counted": counted_mask, "frt": frt_mask},
        geometry=gpd.points_from_xy(cameras["lon"].astype(float), cameras["lat"].astype(float)), crs=WGS84,
    )
    points = points[points["counted"].to_numpy()]
    polys = gpd.GeoDataFrame({"_area": np.arange(len(wgs))}, geometry=wgs.geometry, crs=WGS84)
    joined = gpd.sjoin(points, polys, how="inner", predicate="within")
    covered = _covered(wgs, extent)
    no_data = np.where(covered, 1.0, np.nan)  # multiplies every camera figure: NaN where nobody looked
    cams = np.bincount(joined["_area"].to_numpy(dtype=int), minlength=len(wgs)) * no_data
    frt_cams = np.bincount(joined["_area"].to_numpy(dtype=int),
                           weights=joined["frt"].to_numpy(dtype=float), minlength=len(wgs)).round() * no_data

    street_km = (_street_m_per_area(metric, index) / 1000.0 if index is not None
                 else np.full(len(wgs), np.nan))
    if "mount" in cameras.columns:
        on_street = cameras["mount"].astype(str).eq("street").to_numpy() & counted_mask
        # UTM stretches a city's metres by up to 0.04 %; centred on the areas, 120 m is 120 m on the ground
        true_scale = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m")
        to_xy = pyproj.Transformer.from_crs(WGS84, true_scale, always_xy=True)
        x, y = to_xy.transform(cameras["lon"].to_numpy(dtype=float), cameras["lat"].to_numpy(dtype=float))
        xy = np.column_stack([x, y])
        areas_xy = wgs.geometry.to_crs(true_scale)
        effective = _effective_cameras(areas_xy, xy[on_street])
        frt_effective = _effective_cameras(areas_xy, xy[on_street & frt_mask])
        street_in_area = joined["_area"].to_numpy(dtype=int)[on_street[joined.index.to_numpy()]]
        street_cams: np.ndarray = np.bincount(street_in_area, minlength=len(wgs)) * no_data
        effective, frt_effective = effective * no_data, frt_effective * no_data
    else:
        effective = frt_effective = street_cams = np.full(len(wgs), np.nan)
    population = (pd.to_numeric(wgs["population"], errors="coerce").to_numpy(dtype=float)
                  if "population" in wgs else np.full(len(wgs), np.nan))

    def rate(count: np.ndarray, per: np.ndarray, factor: float = 1.0) -> np.ndarray:
        per = np.asarray(per, dtype=float)
        ok = np.isfinite(per) & (per > 0)
        return np.divide(count * factor, per, out=np.full(len(count), np.nan), where=ok)

    out = gpd.GeoDataFrame(
        {
            "area_id": wgs["area_id"].astype(str).to_numpy(),
            "name": wgs["name"].astype(str).to_numpy(),
            "area_km2": area_km2,
            "cameras": cams,
            "frt_cameras": frt_cams,
            "cameras_per_km2": rate(cams, area_km2),
            "frt_cameras_per_km2": rate(frt_cams, area_km2),
            "street_km": street_km,
            "cameras_per_street_km": rate(cams, street_km),
            "frt_cameras_per_street_km": rate(frt_cams, street_km),
            "population": population,
            "cameras_per_1000_residents": rate(cams, population, 1000.0),
            "frt_cameras_per_1000_residents": rate(frt_cams, population, 1000.0),
            "street_cameras": street_cams,
            "effective_cameras": effective,
            "frt_effective_cameras": frt_effective,
            "effective_cameras_per_km2": rate(effective, area_km2),
            "frt_effective_cameras_per_km2": rate(frt_effective, area_km2),
            "effective_cameras_per_1000_residents": rate(effective, population, 1000.0),
            "frt_effective_cameras_per_1000_residents": rate(frt_effective, population, 1000.0),
            "camera_data": covered,
        },
        geometry=list(wgs.geometry), crs=WGS84,
    )
    for column in AREA_ATTRIBUTES:
        if column in wgs.columns:
            out.insert(len(out.columns) - 1, column, wgs[column].to_numpy())
    out.attrs = {k: v for k, v in areas.attrs.items() if k in ("note", "source", "vintage")}
    out.attrs["settings"] = dict(settings) if settings is not None else {}
    out.attrs["effective"] = EFFECTIVE_NOTE
    out.attrs["extent"] = extent.description if extent is not None else ""
    out.attrs["no_camera_data"] = int((~covered).sum())
    if "source" in cameras.columns:
        out.attrs["camera_sources"] = sorted({str(s) for s in cameras["source"].to_numpy()[counted_mask]})
    return out


# --------------------------------------------------------------------------- exports


def _caption(gdf: gpd.GeoDataFrame) -> str:
    s = gdf.attrs.get("settings") or {}
    parts = []
    if "dataset" in s:
        parts.append(f"dataset {s['dataset']}")
    if "frt_policy" in s:
        parts.append(f"FRT policy {s['frt_policy']} (capable tiers: {', '.join(s.get('frt_capable_tiers', []))})")
    if "verification" in s:
        parts.append(f"verification {', '.join(s['verification'])}")
    counted = "Counted: " + ("; ".join(parts) if parts else "every camera in the table")
    note = gdf.attrs.get("note")
    return f"{counted}. {note}" if note else f"{counted}."


def _table(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    columns = [c for c in (*DENSITY_COLUMNS, *AREA_ATTRIBUTES) if c in gdf.columns]
    table = pd.DataFrame(gdf[columns]).copy()
    for column in columns:
        if column in ("area_id", "name", "borough"):
            table[column] = table[column].map(str)
        elif column in COUNT_COLUMNS:
            table[column] = table[column].astype(float).round().astype("Int64")  # no data: an empty cell, not 0
        elif column != "camera_data":
            table[column] = table[column].astype(float).round(4)
    return neutralise_formulas(table)


def density_to_csv(gdf: gpd.GeoDataFrame) -> str:
    """The density table as CSV text (no geometry; rates to 4 decimals, NaN and no data as empty cells).

    Names come from other people's files, so one a spreadsheet would run as a
    formula is prefixed with ``'``.
    """
    return _table(gdf).to_csv(index=False, lineterminator="\n")


def density_to_geojson(gdf: gpd.GeoDataFrame) -> dict[str, Any]:
    """The density table as a GeoJSON FeatureCollection (WGS84, NaN as null, with what was counted).

    Beside ``features`` it carries ``settings`` (what was counted), ``note``
    (what the areas are), ``effective`` (what effective cameras are) and
    ``extent`` (where the camera source looked; areas outside it have
    ``camera_data`` false and null camera figures).
    """
    from exposure._tables import json_safe  # noqa: PLC0415

    columns = [c for c in (*DENSITY_COLUMNS, *AREA_ATTRIBUTES) if c in gdf.columns]
    wgs = gdf.to_crs(WGS84) if gdf.crs is not None else gdf
    features = []
    for row, geom in zip(pd.DataFrame(wgs[columns]).to_dict(orient="records"), wgs.geometry, strict=True):
        properties = json_safe(row)
        for column in COUNT_COLUMNS:
            if properties.get(column) is not None:
                properties[column] = round(properties[column])  # counts stay whole numbers; no data stays null
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom) if geom is not None else None,
                         "properties": properties})
    return json_safe({"type": "FeatureCollection", "features": features,
                      "settings": gdf.attrs.get("settings", {}), "note": gdf.attrs.get("note", ""),
                      "effective": gdf.attrs.get("effective", ""), "extent": gdf.attrs.get("extent", "")})


#: Who to credit for the cameras of each ``source`` value, on published figures.
SOURCE_CREDITS: dict[str, str] = {
    "osm": "OpenStreetMap contributors (ODbL)",
    "decode": "Amnesty International, Decode Surveillance NYC (volunteer counts)",
    "cctv-exposure": "Lahtinen et al. 2021, CCTV-Exposure (CC BY-NC 4.0)",
}


def _sources_line(gdf: gpd.GeoDataFrame, *, basemap: bool, made: date) -> str:
    settings = gdf.attrs.get("settings") or {}
    sources = [SOURCE_CREDITS.get(s, f"{s} file") for s in gdf.attrs.get("camera_sources", [])]
    if settings.get("cameras"):
        sources.append(f"file {Path(str(settings['cameras'])).name}")
    cameras = "; ".join(dict.fromkeys(sources)) or "the camera table given"
    streets = " Streets and basemap: © OpenStreetMap contributors (ODbL)." if basemap else ""
    areas = str(gdf.attrs.get("source", "")) or "areas given"
    return f"Cameras: {cameras}.{streets} Areas: {areas}. Made {made.isoformat()} with exposure."


def density_figure(
    gdf: gpd.GeoDataFrame, *, column: str, title: str, label: str | None = None, caption: str | None = None,
    streets: NetworkIndex | None = None, basemap: Mapping[str, list[list[list[float]]]] | None = None,
    top: int = 5, made: date | None = None,
) -> Figure:
    """A choropleth of one column, ready to print: basemap, named top areas, legend with units, sources.

    Parameters
    ----------
    gdf
        Output of :func:`density_by_area`.
    column
        The column to colour by.
    title
        Title drawn above the map.
    label
        What the column measures, with its units (``"cameras per km²"``): the
        legend's title. Default: the column's name made readable.
    caption
        What was counted; default the policies and what the areas are.
    streets
        The dataset's walking network, drawn over the areas as the basemap.
    basemap
        The dataset's water, parks and buildings (``Dataset.basemap``), drawn beneath.
    top
        How many of the highest areas are named on the map (ranked 1, 2, …).
    made
        The date printed with the sources; default today.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (no pyplot state).

    Raises
    ------
    AreaError
        When ``column`` is not in the table.
    """
    from matplotlib import cm, patheffects  # noqa: PLC0415 - matplotlib only when a figure is made
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.collections import LineCollection, PolyCollection  # noqa: PLC0415
    from matplotlib.colors import Normalize  # noqa: PLC0415
    from matplotlib.figure import Figure as MplFigure  # noqa: PLC0415 - no pyplot: no global backend state
    from matplotlib.patches import Patch  # noqa: PLC0415

    if column not in gdf.columns:
        msg = f"no column {column!r} to map; choose one of {', '.join(c for c in DENSITY_COLUMNS if c in gdf)}"
        raise AreaError(msg)
    label = label or column.replace("_", " ").replace("per km2", "per km²")
    wgs = gdf.to_crs(WGS84) if gdf.crs is not None else gdf
    values = wgs[column].astype(float).to_numpy()
    no_data = _no_data(wgs)
    shown = np.isfinite(values) & ~no_data

    fig = MplFigure(figsize=(8.27, 10.2), dpi=150)  # A4 portrait
    ax = fig.add_axes((0.04, 0.25, 0.78, 0.68))
    cax = fig.add_axes((0.85, 0.35, 0.025, 0.46))
    west, south, east, north = wgs.total_bounds if len(wgs) else (0.0, 0.0, 1.0, 1.0)
    for kind, colour in (("water", "#c6ddf0"), ("park", "#d9ead0"), ("building", "#e4e1dc")):
        rings = [np.asarray(r)[:, :2] for r in (basemap or {}).get(kind, []) if len(r) > 2]
        if rings:
            ax.add_collection(PolyCollection(rings, facecolors=colour, edgecolors="none", zorder=0))
    norm = Normalize(vmin=0.0, vmax=float(values[shown].max()) if shown.any() and values[shown].max() > 0 else 1.0)
    cmap = "YlOrRd"
    if shown.any():
        wgs[shown].assign(_v=values[shown]).plot(ax=ax, column="_v", cmap=cmap, norm=norm, alpha=0.78,
                                                 edgecolor="#555555", linewidth=0.4, zorder=1)
    handles = []
    if no_data.any():
        wgs[no_data].plot(ax=ax, facecolor="#9a9a9a", edgecolor="#555555", hatch="///", linewidth=0.4, alpha=0.8,
                          zorder=1)
        handles.append(Patch(facecolor="#9a9a9a", edgecolor="#555555", hatch="///",
                             label=f"no camera data ({int(no_data.sum())} area{'' if no_data.sum() == 1 else 's'}): "
                                   "outside where the camera source looked"))
    undefined = ~np.isfinite(values) & ~no_data
    if undefined.any():
        wgs[undefined].plot(ax=ax, facecolor="#ececec", edgecolor="#555555", linewidth=0.4, zorder=1)
        handles.append(Patch(facecolor="#ececec", edgecolor="#555555", label="not defined (no residents or street)"))
    if streets is not None and len(streets.street_edges):
        pieces = np.split(streets.lonlat, streets.geom_start[1:-1])
        lines = [pieces[i] for i in streets.street_edges]
        ax.add_collection(LineCollection(lines, colors="#6f6f6f", linewidths=0.35, alpha=0.7, zorder=2))
    fig.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap), cax=cax).set_label(label[:1].upper() + label[1:],
                                                                             fontsize=10)
    # the highest areas, named on the map and ranked
    order = [i for i in np.argsort(-np.where(shown, values, -np.inf), kind="stable")[:top]
             if shown[i] and values[i] > 0]
    outline = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / math.cos(math.radians((south + north) / 2)) if len(wgs) else 1)
    ax.apply_aspect()  # where the map really is, so that label boxes are measured where they will be drawn
    renderer = FigureCanvasAgg(fig).get_renderer()
    placed: list[Any] = []
    for rank, i in enumerate(order, start=1):
        point = wgs.geometry.iloc[i].representative_point()
        tag = ax.text(point.x, point.y, f"{rank}. {wgs['name'].iloc[i]}", fontsize=7.5, ha="center",
                      va="center", zorder=4, path_effects=outline)
        box = tag.get_window_extent(renderer)
        if any(box.overlaps(other) for other in placed):  # a name over another: its rank only, named below
            tag.set_text(str(rank))
            box = tag.get_window_extent(renderer)
            if any(box.overlaps(other) for other in placed):  # even that: named below only
                tag.remove()
                continue
        placed.append(box)
    if order:
        fig.text(0.04, 0.172, "Highest: " + "; ".join(
            f"{rank}. {wgs['name'].iloc[i]} ({values[i]:,.1f})" for rank, i in enumerate(order, start=1)),
            fontsize=7.5, wrap=True, va="top")
    if handles:  # beneath the map, where it hides no area
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.04, 0.245), fontsize=7, frameon=False)
    ax.set_axis_off()
    fig.suptitle(title, fontsize=14, y=0.975)
    text = caption if caption is not None else _caption(gdf)
    fig.text(0.04, 0.115, text, fontsize=6.5, wrap=True, va="top")
    fig.text(0.04, 0.03, _sources_line(gdf, basemap=streets is not None or bool(basemap),
                                       made=made or date.today()), fontsize=6.5, wrap=True, va="bottom")
    return fig


def density_png(gdf: gpd.GeoDataFrame, *, column: str, title: str, **options: Any) -> bytes:
    """:func:`density_figure` as PNG bytes (the same options), ready to print or publish."""
    buf = io.BytesIO()
    density_figure(gdf, column=column, title=title, **options).savefig(buf, format="png")
    return buf.getvalue()


# --------------------------------------------------------------------------- map layer

#: The tooltip of :func:`density_layer`'s areas: each carries its text, shown as text (never HTML).
DENSITY_TOOLTIP = {"text": "{tooltip}", "style": {"fontSize": "12px", "whiteSpace": "pre-line"}}

# a light-yellow → dark-red ramp, like matplotlib's YlOrRd
_RAMP = np.array([[255, 255, 178], [254, 204, 92], [253, 141, 60], [240, 59, 32], [189, 0, 38]], dtype=float)


def _ramp(t: np.ndarray) -> np.ndarray:
    pos = np.clip(np.nan_to_num(t, nan=0.0), 0, 1) * (len(_RAMP) - 1)
    lo = np.floor(pos).astype(int).clip(0, len(_RAMP) - 2)
    frac = (pos - lo)[:, None]
    return _RAMP[lo] * (1 - frac) + _RAMP[lo + 1] * frac


def _fmt(value: Any, digits: int = 2) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return "n/a"
    return f"{number:,.{digits}f}"


#: Map colour (RGBA) of an area outside the camera source's coverage: no camera data.
NO_DATA_COLOUR = [120, 120, 120, 170]
#: Map colour (RGBA) of an area with camera data where the measure is not defined (e.g. no residents).
UNDEFINED_COLOUR = [225, 225, 225, 110]


def _no_data(gdf: pd.DataFrame) -> np.ndarray:
    """Per area: outside the camera source's coverage (no ``camera_data`` column: none is)."""
    if "camera_data" not in gdf.columns:
        return np.zeros(len(gdf), dtype=bool)
    return ~gdf["camera_data"].astype(bool).to_numpy()


def density_legend(gdf: gpd.GeoDataFrame, column: str, *, label: str,
                   steps: int = 5) -> list[tuple[list[int], str]]:
    """The legend of :func:`density_layer`: (RGBA colour, text) per class, the grey classes last.

    The ramp runs from 0 to the highest value among areas with camera data;
    "no camera data" is listed when an area is outside the camera source's
    coverage, "not defined" when an area with data has no value.
    """
    values = gdf[column].astype(float).to_numpy()
    no_data = _no_data(gdf)
    finite = np.isfinite(values) & ~no_data
    top = float(values[finite].max()) if finite.any() else 0.0
    digits = 0 if top >= 100 else (1 if top >= 10 else 2)
    entries = [([*map(int, _ramp(np.array([k / (steps - 1)]))[0]), 255], f"{top * k / (steps - 1):,.{digits}f}")
               for k in range(steps)] if finite.any() else []
    if entries:
        entries[0] = (entries[0][0], f"{entries[0][1]} (fewest)")
        entries[-1] = (entries[-1][0], f"{entries[-1][1]} {label} (most)")
    if no_data.any():
        entries.append((NO_DATA_COLOUR, f"no camera data: outside the camera source's coverage ({int(no_data.sum())} "
                                        f"area{'' if no_data.sum() == 1 else 's'})"))
    if (~np.isfinite(values) & ~no_data).any():
        entries.append((UNDEFINED_COLOUR, "not defined (e.g. no residents, or no street)"))
    return entries


def density_layer(gdf: gpd.GeoDataFrame, column: str, *, label: str | None = None,
                  opacity: int = 150) -> pdk.Layer:
    """Areas as a choropleth PolygonLayer coloured by ``column``, each with its tooltip as text.

    Use with ``exposure.layers.deck(..., tooltip=DENSITY_TOOLTIP)``. Colours run
    from light yellow (lowest) to dark red (highest) over the areas with camera
    data; an area outside the camera source's coverage is a dark grey ("no
    camera data", :data:`NO_DATA_COLOUR`), one where the measure is not defined
    a light grey (:data:`UNDEFINED_COLOUR`). :func:`density_legend` lists them.
    """
    if column not in gdf.columns:
        msg = f"no column {column!r} to map; choose one of {', '.join(c for c in DENSITY_COLUMNS if c in gdf)}"
        raise AreaError(msg)
    values = gdf[column].astype(float).to_numpy()
    no_data = _no_data(gdf)
    finite = np.isfinite(values) & ~no_data
    top = float(values[finite].max()) if finite.any() else 0.0
    colours = _ramp(values / top if top > 0 else np.zeros_like(values))
    wgs = gdf.to_crs(WGS84) if gdf.crs is not None else gdf
    data = []
    for i, row in enumerate(pd.DataFrame(wgs.drop(columns=wgs.geometry.name)).to_dict(orient="records")):
        ramped = [*map(int, colours[i]), opacity] if finite[i] else UNDEFINED_COLOUR
        colour = NO_DATA_COLOUR if no_data[i] else ramped
        props = {
            "name": str(row.get("name", "")),
            "label": label or column,
            "value": "no camera data" if no_data[i] else _fmt(values[i]),
            "cameras": "no data" if no_data[i] else _fmt(row.get("cameras"), 0),
            "frt_cameras": "no data" if no_data[i] else _fmt(row.get("frt_cameras"), 0),
            "area_km2": _fmt(row.get("area_km2"), 3),
            "street_km": _fmt(row.get("street_km"), 2),
            "population": _fmt(row.get("population"), 0),
            "nonwhite_pct": _fmt(100 * float(row.get("nonwhite_share", math.nan)), 0),
            "colour": colour,
        }
        props["tooltip"] = "\n".join([
            str(props["name"]), f"{props['label']}: {props['value']}",
            f"cameras: {props['cameras']} · FRT-capable: {props['frt_cameras']}",
            f"area: {props['area_km2']} km² · street: {props['street_km']} km",
            f"residents: {props['population']}"
            + (f" · non-white: {props['nonwhite_pct']} %" if "nonwhite_share" in row else ""),
        ])
        geom = wgs.geometry.iloc[i]
        parts = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
        for part in parts:
            rings = [np.round(np.asarray(part.exterior.coords)[:, :2], 6).tolist()]
            rings += [np.round(np.asarray(r.coords)[:, :2], 6).tolist() for r in part.interiors]
            data.append({**props, "polygon": rings})
    return pdk.Layer(
        "PolygonLayer", data=data, get_polygon="polygon", get_fill_color="colour", get_line_color=[60, 60, 60, 200],
        line_width_min_pixels=1, stroked=True, filled=True, pickable=True, auto_highlight=True,
    )
