"""Limits every area table is held to: how many areas, and how much of the globe they may span."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from exposure import settings
from exposure._errors import AreaError
from exposure._parse import bad_lon_lat, first_line, limit_message
from exposure.crs import WGS84

__all__ = ["check_area_count", "check_area_extent"]


def check_area_count(n: int, *, source: str) -> None:
    """Refuse more than ``settings.max_areas`` areas, before any work is done on them.

    Raises
    ------
    AreaError
        Naming the source, the count and the setting that limits it.
    """
    if n > settings.max_areas:
        msg = (f"{source}: {n:,} areas, over the limit of {settings.max_areas:,} for one table "
               "(exposure.settings.max_areas); split the file, choose larger areas, or raise "
               "exposure.settings.max_areas if this machine can take it")
        raise AreaError(msg)


def check_area_extent(areas: gpd.GeoDataFrame) -> None:
    """Refuse areas that one local map projection cannot measure: off the globe, or spanning too much of it.

    Raises
    ------
    AreaError
        When the areas cannot be turned into WGS84, have coordinates off the globe,
        or span more than ``settings.max_area_span_deg``.
    """
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
