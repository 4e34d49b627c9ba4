"""The camera row: the columns and values every camera source is read into, and where a source looked."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CAMERA_COLUMNS",
    "FRT_CAPABLE_TIERS",
    "FRT_TIERS",
    "KINDS",
    "MOUNTS",
    "OPERATORS",
    "OWN_VIEW_COLUMNS",
    "REJECTED_COLUMNS",
    "VERIFICATIONS",
    "CameraExtent",
    "CameraLoad",
    "camera_extent",
    "load_extent",
]

#: Columns of a camera table, in this order.
CAMERA_COLUMNS: tuple[str, ...] = (
    "camera_id",
    "lon",
    "lat",
    "source",
    "kind",
    "mount",
    "operator",
    "direction_deg",
    "fov_deg",
    "height_m",
    "range_m",
    "h_pixels",
    "hfov_deg",
    "indoor",
    "verification",
    "agreement",
    "reports",
    "observed",
    "frt_tier",
)
#: Columns a camera's own view comes from, where its source gives them (empty otherwise): ``range_m``
#: its range in metres (CCTV-Exposure's ``radius``), ``h_pixels`` and ``hfov_deg`` its horizontal
#: resolution and lens, ``indoor`` whether it watches indoors (OSM ``surveillance=indoor``: it sees
#: no street). A coverage model that honours a camera's own range uses them
#: (:func:`exposure.coverage_models.camera_ranges`).
OWN_VIEW_COLUMNS: tuple[str, ...] = ("range_m", "h_pixels", "hfov_deg", "indoor")

#: Columns of the report of rejected input rows.
REJECTED_COLUMNS: tuple[str, ...] = ("file", "row", "column", "value", "reason")

#: Values of the ``kind`` column.
KINDS: tuple[str, ...] = ("ptz", "dome", "fixed", "unknown")
#: Values of the ``mount`` column.
MOUNTS: tuple[str, ...] = ("street", "building", "unknown")
#: Values of the ``operator`` column.
OPERATORS: tuple[str, ...] = ("public", "private", "unknown")
#: Values of the ``verification`` column.
VERIFICATIONS: tuple[str, ...] = ("verified", "unverified", "disputed")
#: Values of the ``frt_tier`` column.
FRT_TIERS: tuple[str, ...] = ("high", "medium", "low")
#: Tiers that count as facial-recognition-capable in every figure.
FRT_CAPABLE_TIERS: tuple[str, ...] = ("high", "medium")


@dataclass(frozen=True)
class CameraLoad:
    """The result of reading a camera file.

    Attributes
    ----------
    cameras
        The good rows, with exactly :data:`CAMERA_COLUMNS` in that order.
    rejected
        One row per problem found (:data:`REJECTED_COLUMNS`). ``row`` is the
        1-based data row (for CSV the header is line 1, so data row ``n`` is line
        ``n + 1``; for GeoJSON it is the feature number; for OSM the position
        among the ``man_made=surveillance`` objects read). A reason ending in
        "camera kept" reports an optional value that was ignored; every other
        reason means the row was dropped.
    source
        The file path or a description of where the rows came from.
    extent
        Where the source looked for cameras, when it says so (a Decode file lists
        the intersections its volunteers counted, cameras or none); None when it
        lists only the cameras it found (see :func:`load_extent`).
    """

    cameras: pd.DataFrame
    rejected: pd.DataFrame
    source: str
    extent: CameraExtent | None = None


@dataclass(frozen=True)
class CameraExtent:
    """Where a camera source looked for cameras: ground outside it has no data, not zero cameras.

    Attributes
    ----------
    geometry
        A shapely geometry in WGS84: the points the source looked at (an area
        holding one of them was looked at), or a box or polygon.
    description
        What the extent is, for captions: "the 10,377 intersections Decode
        Surveillance volunteers counted".
    boroughs
        New York City boroughs the source covered whole (Decode Surveillance
        counted every intersection of a borough): an area with a ``borough``
        attribute is covered when its borough is one of these.
    """

    geometry: Any
    description: str
    boroughs: tuple[str, ...] = ()


def camera_extent(cameras: pd.DataFrame, *, source: str) -> CameraExtent:
    """The box around a table's cameras: all that a file listing only cameras says about where it looked.

    Parameters
    ----------
    cameras
        Camera table with ``lon`` and ``lat``.
    source
        The file the cameras came from, named in the description.

    Returns
    -------
    CameraExtent
        The box around the cameras with usable coordinates (an empty polygon when none has them).
    """
    import shapely  # noqa: PLC0415 - only needed for extents

    lon = cameras["lon"].to_numpy(dtype=float) if len(cameras) else np.zeros(0)
    lat = cameras["lat"].to_numpy(dtype=float) if len(cameras) else np.zeros(0)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return CameraExtent(shapely.Polygon(), f"no camera of {Path(source).name}")
    box = shapely.box(lon[ok].min(), lat[ok].min(), lon[ok].max(), lat[ok].max())
    return CameraExtent(box, f"the box around the {int(ok.sum()):,} cameras of {Path(source).name} (the file does "
                             "not say where else it looked)")


def load_extent(load: CameraLoad) -> CameraExtent:
    """Where a loaded file looked for cameras: what it says, else the box around its cameras.

    Parameters
    ----------
    load
        A loaded camera file.

    Returns
    -------
    CameraExtent
        ``load.extent``, or :func:`camera_extent` of its cameras when the file does not say.
    """
    return load.extent if load.extent is not None else camera_extent(load.cameras, source=load.source)
