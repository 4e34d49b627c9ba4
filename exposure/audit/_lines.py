"""What reading a track, filling its gaps and measuring it share about its lines."""

from __future__ import annotations

import numpy as np
import pyproj

from exposure.crs import WGS84, local_crs

__all__ = ["measurable", "projected"]


def measurable(coordinates: np.ndarray) -> bool:
    """Whether a line has two distinct points, so that it has a length to measure."""
    return len(coordinates) >= 2 and len(np.unique(coordinates, axis=0)) >= 2


def projected(coordinates: np.ndarray) -> tuple[pyproj.CRS, np.ndarray]:
    """The local metric CRS around a track and its points in it, shape (N, 2)."""
    lon, lat = coordinates[:, 0], coordinates[:, 1]
    crs = local_crs(float(lon.mean()), float(lat.mean()))
    x, y = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True).transform(lon, lat)
    return crs, np.column_stack([np.asarray(x, float), np.asarray(y, float)])
