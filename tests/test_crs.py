"""Tests of exposure.crs: WGS84 and the local metric CRS."""

from __future__ import annotations

import pyproj

import exposure.network
from exposure.crs import WGS84, local_crs


def test_local_crs_is_the_utm_zone():
    assert local_crs(24.94, 60.17).to_epsg() == 32635
    assert local_crs(-73.99, 40.73).to_epsg() == 32618
    assert local_crs(151.2, -33.9).to_epsg() == 32756


def test_wgs84_is_lon_lat_degrees() -> None:
    assert pyproj.CRS(WGS84).to_epsg() == 4326


def test_local_crs_stays_importable_from_network() -> None:
    assert exposure.network.local_crs is local_crs
