"""Domain errors: each names the file, row, column or argument at fault and how to fix it."""

from __future__ import annotations

__all__ = [
    "AreaError",
    "BatchError",
    "CameraDataError",
    "DatasetError",
    "ExposureError",
    "NoRouteError",
    "PlaceError",
    "PlanError",
    "PolicyError",
    "ReviewError",
    "TrackError",
    "WatchedError",
]


class ExposureError(Exception):
    """Base class of every error this package raises on purpose."""


class CameraDataError(ExposureError, ValueError):
    """A camera file cannot be read, or none of its rows is usable."""


class PolicyError(ExposureError, ValueError):
    """An FRT or verification policy name or file is not valid."""


class PlaceError(ExposureError, LookupError):
    """A place name is unknown, or a point lies too far from the street network."""


class NoRouteError(ExposureError, ValueError):
    """No walking route satisfies the request (disconnected, or over the detour bound)."""


class PlanError(ExposureError, ValueError):
    """A plan (its points, areas to avoid, or a saved plan file) is not valid."""


class DatasetError(ExposureError, RuntimeError):
    """A dataset name or path cannot be resolved or built."""


class TrackError(ExposureError, ValueError):
    """A track (GPX, GeoJSON or point list) cannot be read."""


class BatchError(ExposureError, ValueError):
    """A batch job cannot start: its pairs, points or tracks file, its options, or its cluster."""


class AreaError(ExposureError, ValueError):
    """An area file, area set name or area table cannot be used."""


class WatchedError(ExposureError, ValueError):
    """A density table cannot be analysed (missing column, unknown measure, too few areas)."""


class ReviewError(ExposureError, ValueError):
    """A review, a reviewer's action or a review store file cannot be used."""
