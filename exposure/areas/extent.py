"""Which areas the camera data covers: those whose ground lies mostly where the camera source looked."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from exposure._errors import AreaError
from exposure.crs import WGS84, local_crs
from exposure.nyc import nyc_areas
from exposure.schema import CameraExtent

__all__ = ["COVERED_SHARE", "covered_areas"]

#: The share of an area's ground that must lie where the source looked for the area to have camera data.
COVERED_SHARE = 0.5


def covered_areas(areas: gpd.GeoDataFrame, extent: CameraExtent | None, *,
                  found: np.ndarray | None = None) -> np.ndarray:
    """Per area: True where the camera data covers it, False where it has no data (which is not zero cameras).

    An area is covered when

    - it carries a ``borough`` the source counted whole (Decode Surveillance
      counted every intersection of Brooklyn);
    - else, when the source counted boroughs whole, at least
      :data:`COVERED_SHARE` of its ground lies in those boroughs (a hexagon
      mostly over the water or over Queens is not covered by a Brooklyn file);
    - else at least :data:`COVERED_SHARE` of its ground lies in the extent's
      polygons (a box around a file's cameras, a dataset's box), or it holds one
      of the extent's points (a place the source looked at);
    - or, in the last two cases, it holds a camera of the source (``found``):
      a camera found there is data, and its count a lower bound, where a 0 from
      ground mostly nobody looked at would be a guess.

    Parameters
    ----------
    areas
        Polygons in WGS84 (a ``borough`` column is used when the source names boroughs).
    extent
        Where the camera source looked; None covers every area.
    found
        ``(lon, lat)`` rows of the source's cameras (WGS84), counted or not.

    Returns
    -------
    numpy.ndarray
        Booleans, one per area.
    """
    if extent is None:
        return np.ones(len(areas), dtype=bool)
    if extent.boroughs and "borough" in areas.columns:
        return np.asarray(areas["borough"].astype(str).isin(extent.boroughs), dtype=bool)
    out = np.zeros(len(areas), dtype=bool)
    if not len(areas):
        return out
    geoms = np.asarray(areas.geometry.values)
    ground = _borough_ground(extent.boroughs) if extent.boroughs else None
    parts = shapely.get_parts(extent.geometry) if extent.geometry is not None else np.array([])
    if ground is None:
        polygons = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty]
        ground = shapely.union_all(polygons) if polygons else None
        points = [p for p in parts if p.geom_type == "Point" and not p.is_empty]
        if points:
            holds, _ = shapely.STRtree(np.asarray(points, dtype=object)).query(geoms, predicate="covers")
            out[np.unique(holds)] = True
    if ground is not None and not ground.is_empty:
        out |= _share_inside(areas, ground) >= COVERED_SHARE
    if found is not None and len(found):
        lonlat = np.asarray(found, dtype=float).reshape(-1, 2)
        lonlat = lonlat[np.isfinite(lonlat).all(axis=1)]
        holds, _ = shapely.STRtree(shapely.points(lonlat)).query(geoms, predicate="covers")
        out[np.unique(holds)] = True
    return out


def _borough_ground(boroughs: tuple[str, ...]) -> shapely.Geometry | None:
    """The ground of the boroughs named (WGS84), or None when New York's boundaries are not installed."""
    try:
        nyc = nyc_areas("nyc-borough")
    except AreaError:
        return None
    chosen = nyc[nyc["name"].isin(boroughs)]
    return shapely.union_all(np.asarray(chosen.geometry.values)) if len(chosen) else None


def _share_inside(areas: gpd.GeoDataFrame, ground: shapely.Geometry) -> np.ndarray:
    """Per area: the share of its ground (measured in metres) inside ``ground``."""
    centre = ground.centroid if not ground.is_empty else shapely.Point(0, 0)
    crs = local_crs(float(centre.x), float(centre.y))
    metric = areas.geometry.to_crs(crs) if areas.crs is not None else areas.geometry.set_crs(WGS84).to_crs(crs)
    inside = gpd.GeoSeries([ground], crs=WGS84).to_crs(crs).iloc[0]
    shapely.prepare(inside)
    polys = np.asarray(metric.values)
    area = shapely.area(polys)
    share = np.zeros(len(polys))
    whole = shapely.contains(inside, polys)
    share[whole] = 1.0
    # only the areas across the edge are cut, the rest are wholly in or out
    edge = np.flatnonzero(~whole & shapely.intersects(inside, polys) & (area > 0))
    if len(edge):
        share[edge] = shapely.area(shapely.intersection(polys[edge], inside)) / area[edge]
    return share
