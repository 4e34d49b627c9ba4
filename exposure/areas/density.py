"""Camera density per area: counts, per km², per km of street, per 1,000 residents, Amnesty's effective cameras."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from exposure._errors import AreaError
from exposure._tables import json_safe, neutralise_formulas
from exposure.areas._limits import check_area_count, check_area_extent
from exposure.areas.extent import covered_areas
from exposure.cameras import FRT_CAPABLE_TIERS, CameraExtent, apply_frt_policy, frt_policy, verification_policy
from exposure.crs import WGS84, local_crs
from exposure.network import NetworkIndex

__all__ = [
    "AREA_ATTRIBUTES",
    "COUNT_COLUMNS",
    "DENSITY_COLUMNS",
    "EFFECTIVE_NOTE",
    "EFFECTIVE_QUAD_SEGS",
    "EFFECTIVE_RADIUS_M",
    "MEASURES",
    "areas_without_camera_data",
    "density_by_area",
    "density_to_csv",
    "density_to_geojson",
    "measure_column",
]

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



def measure_column(measure: str, *, frt_only: bool = False) -> tuple[str, str]:
    """The density column of a measure (a key of :data:`MEASURES`) and its words, for all or FRT-capable cameras.

    ``measure_column("per_km2", frt_only=True)`` is
    ``("frt_cameras_per_km2", "FRT-capable cameras per km²")``.

    Raises
    ------
    AreaError
        For a measure not in :data:`MEASURES`.
    """
    if measure not in MEASURES:
        msg = f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}"
        raise AreaError(msg)
    all_column, frt_column, label = MEASURES[measure]
    return (frt_column, f"FRT-capable {label}") if frt_only else (all_column, label)


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


def _default_masks(cameras: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Counted and FRT-capable per camera row under the default policies."""
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
        an area mostly outside it has no camera data, which is not zero cameras
        (:func:`exposure.areas.extent.covered_areas`). Default: every area is covered.

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
    _check_inputs(areas, cameras)
    counted_mask, frt_mask = _masks(cameras, counted, frt)

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
    covered = covered_areas(wgs, extent, found=cameras[["lon", "lat"]].to_numpy(dtype=float))
    no_data = np.where(covered, 1.0, np.nan)  # multiplies every camera figure: NaN where nobody looked
    cams = np.bincount(joined["_area"].to_numpy(dtype=int), minlength=len(wgs)) * no_data
    frt_cams = np.bincount(joined["_area"].to_numpy(dtype=int),
                           weights=joined["frt"].to_numpy(dtype=float), minlength=len(wgs)).round() * no_data

    street_km = (_street_m_per_area(metric, index) / 1000.0 if index is not None
                 else np.full(len(wgs), np.nan))
    street_cams, effective, frt_effective = (
        figure * no_data for figure in _street_furniture(cameras, wgs, joined, counted_mask, frt_mask, (lon0, lat0)))
    population = (pd.to_numeric(wgs["population"], errors="coerce").to_numpy(dtype=float)
                  if "population" in wgs else np.full(len(wgs), np.nan))

    out = gpd.GeoDataFrame(
        {
            "area_id": wgs["area_id"].astype(str).to_numpy(),
            "name": wgs["name"].astype(str).to_numpy(),
            "area_km2": area_km2,
            "cameras": cams,
            "frt_cameras": frt_cams,
            "cameras_per_km2": _rate(cams, area_km2),
            "frt_cameras_per_km2": _rate(frt_cams, area_km2),
            "street_km": street_km,
            "cameras_per_street_km": _rate(cams, street_km),
            "frt_cameras_per_street_km": _rate(frt_cams, street_km),
            "population": population,
            "cameras_per_1000_residents": _rate(cams, population, 1000.0),
            "frt_cameras_per_1000_residents": _rate(frt_cams, population, 1000.0),
            "street_cameras": street_cams,
            "effective_cameras": effective,
            "frt_effective_cameras": frt_effective,
            "effective_cameras_per_km2": _rate(effective, area_km2),
            "frt_effective_cameras_per_km2": _rate(frt_effective, area_km2),
            "effective_cameras_per_1000_residents": _rate(effective, population, 1000.0),
            "frt_effective_cameras_per_1000_residents": _rate(frt_effective, population, 1000.0),
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




def _check_inputs(areas: gpd.GeoDataFrame, cameras: pd.DataFrame) -> None:
    """Refuse areas or cameras that lack a column density needs, or areas without a CRS, too many or too wide."""
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
    check_area_count(len(areas), source=str(areas.attrs.get("source", "areas")))
    check_area_extent(areas)


def _masks(cameras: pd.DataFrame, counted: Any, frt: Any) -> tuple[np.ndarray, np.ndarray]:
    """Counted and FRT-capable per camera row (the default policies where not given); FRT only if counted."""
    n = len(cameras)
    counted_mask = _mask(counted, n, "counted")
    frt_mask = _mask(frt, n, "frt")
    if counted_mask is None or frt_mask is None:
        default_counted, default_frt = _default_masks(cameras)
        counted_mask = default_counted if counted_mask is None else counted_mask
        frt_mask = default_frt if frt_mask is None else frt_mask
    return counted_mask, frt_mask & counted_mask


def _street_furniture(cameras: pd.DataFrame, wgs: gpd.GeoDataFrame, joined: pd.DataFrame, counted: np.ndarray,
                      frt: np.ndarray, centre: tuple[float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per area: counted street-furniture cameras, effective cameras and FRT-capable effective cameras.

    All NaN when the cameras have no ``mount`` column: which are on street furniture is not known.
    """
    if "mount" not in cameras.columns:
        unknown = np.full(len(wgs), np.nan)
        return unknown, unknown, unknown
    on_street = cameras["mount"].astype(str).eq("street").to_numpy() & counted
    lon0, lat0 = centre
    # UTM stretches a city's metres by up to 0.04 %; centred on the areas, 120 m is 120 m on the ground
    true_scale = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m")
    to_xy = pyproj.Transformer.from_crs(WGS84, true_scale, always_xy=True)
    x, y = to_xy.transform(cameras["lon"].to_numpy(dtype=float), cameras["lat"].to_numpy(dtype=float))
    xy = np.column_stack([x, y])
    areas_xy = wgs.geometry.to_crs(true_scale)
    street_in_area = joined["_area"].to_numpy(dtype=int)[on_street[joined.index.to_numpy()]]
    street_cams = np.bincount(street_in_area, minlength=len(wgs)).astype(float)
    return (street_cams, _effective_cameras(areas_xy, xy[on_street]),
            _effective_cameras(areas_xy, xy[on_street & frt]))


def _rate(count: np.ndarray, per: np.ndarray, factor: float = 1.0) -> np.ndarray:
    """The count × factor / per, NaN where ``per`` is zero or unknown."""
    per = np.asarray(per, dtype=float)
    ok = np.isfinite(per) & (per > 0)
    out = np.full(len(count), np.nan)
    np.divide(count * factor, per, out=out, where=ok)
    return out


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
    return str(_table(gdf).to_csv(index=False, lineterminator="\n"))


def density_to_geojson(gdf: gpd.GeoDataFrame) -> dict[str, Any]:
    """The density table as a GeoJSON FeatureCollection (WGS84, NaN as null, with what was counted).

    Beside ``features`` it carries ``settings`` (what was counted), ``note``
    (what the areas are), ``effective`` (what effective cameras are) and
    ``extent`` (where the camera source looked; areas outside it have
    ``camera_data`` false and null camera figures).
    """
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
    collection: dict[str, Any] = json_safe({
        "type": "FeatureCollection", "features": features, "settings": gdf.attrs.get("settings", {}),
        "note": gdf.attrs.get("note", ""), "effective": gdf.attrs.get("effective", ""),
        "extent": gdf.attrs.get("extent", ""),
    })
    return collection


def areas_without_camera_data(table: pd.DataFrame) -> np.ndarray:
    """Per area of a density table: outside the camera source's coverage (no ``camera_data`` column: none is)."""
    if "camera_data" not in table.columns:
        return np.zeros(len(table), dtype=bool)
    return np.asarray(~table["camera_data"].astype(bool).to_numpy(), dtype=bool)
