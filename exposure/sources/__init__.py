"""Camera sources: one reader per file format, each returning the shared camera schema."""

from __future__ import annotations

from exposure.sources.cctv_exposure import cameras_from_cctv_exposure
from exposure.sources.decode import cameras_from_decode
from exposure.sources.osm import cameras_from_osm, cameras_from_osm_elements
from exposure.sources.table import cameras_from_csv, cameras_from_geojson

__all__ = [
    "cameras_from_cctv_exposure",
    "cameras_from_csv",
    "cameras_from_decode",
    "cameras_from_geojson",
    "cameras_from_osm",
    "cameras_from_osm_elements",
]
