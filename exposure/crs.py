"""Coordinate reference systems: WGS84 for data exchanged with people, a local metric CRS for measuring."""

from __future__ import annotations

import math

import pyproj

__all__ = ["WGS84", "local_crs"]

#: Longitude/latitude on WGS84: every file the product reads or writes.
WGS84 = "EPSG:4326"


def local_crs(lon: float, lat: float) -> pyproj.CRS:
    """The UTM zone containing a point: metres with negligible distortion in a city."""
    zone = int(math.floor((lon + 180.0) / 6.0) % 60) + 1
    epsg = (32600 if lat >= 0 else 32700) + zone
    return pyproj.CRS.from_epsg(epsg)
