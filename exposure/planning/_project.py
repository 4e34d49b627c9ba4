"""Geometries moved between WGS84 and a metric CRS, for areas drawn in metres and measured on the network."""

from __future__ import annotations

import numpy as np
import pyproj
import shapely

from exposure.crs import WGS84

__all__ = ["apply_transformer", "in_crs"]


def apply_transformer(transformer: pyproj.Transformer, geometry: shapely.Geometry) -> shapely.Geometry:
    """The geometry with every coordinate moved by ``transformer`` (x, y order)."""
    def move(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([np.asarray(x, float), np.asarray(y, float)])

    return shapely.transform(geometry, move)


def in_crs(geometry: shapely.Geometry, crs: pyproj.CRS | str) -> shapely.Geometry:
    """A WGS84 geometry in another CRS (e.g. the network's metres)."""
    return apply_transformer(pyproj.Transformer.from_crs(WGS84, crs, always_xy=True), geometry)
