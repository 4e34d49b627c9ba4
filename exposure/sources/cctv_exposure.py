"""CCTV-Exposure camera maps (Turtiainen et al. 2022): ``latitude,longitude,camera_type,radius,angle_of_view``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from exposure._errors import CameraDataError
from exposure._io import check_file, read_text_table
from exposure._parse import numbers
from exposure.schema import CameraLoad
from exposure.sources._common import CAMERA_FILE, KEPT, finish, problem

__all__ = ["cameras_from_cctv_exposure"]

def cameras_from_cctv_exposure(path: str | Path) -> CameraLoad:
    """Read a CCTV-Exposure camera map (Turtiainen et al. 2022).

    Columns ``latitude,longitude,camera_type,radius,angle_of_view,...``.
    ``camera_type`` round (a 360° dome) becomes kind dome, directed becomes
    fixed; the file gives no direction, so directed cameras have an unknown
    ``direction_deg``. ``angle_of_view`` becomes ``fov_deg``. ``radius`` (metres)
    becomes the camera's own ``range_m``, which a coverage model that honours a
    camera's range uses (the default does; ``per-kind`` and ``amnesty`` do not). The cameras were
    mapped on site by researchers, so they are verified; mount and operator
    are unknown. ``camera_id`` is ``cctvx:<data row>``.

    Parameters
    ----------
    path
        The CSV file (CCTV-Exposure names it ``.xml``; it is CSV).

    Returns
    -------
    CameraLoad
        The cameras and the report.

    Raises
    ------
    CameraDataError
        When the file is unreadable, lacks a needed column or has no usable row.
    """
    path = check_file(path, kind=CAMERA_FILE)
    source = str(path)
    table = read_text_table(path, kind=CAMERA_FILE)
    lookup = {str(c).strip().lower(): c for c in table.columns}
    missing = [c for c in ("latitude", "longitude", "camera_type") if c not in lookup]
    if missing:
        msg = (
            f"camera file {path}: missing CCTV-Exposure column(s) {', '.join(missing)} "
            "in the header (line 1); "
            "use format='csv' for other CSV files"
        )
        raise CameraDataError(msg)
    n = len(table)
    rows = np.arange(1, n + 1)
    problems: list[dict[str, Any]] = []
    bad = np.zeros(n, dtype=bool)
    coords = {}
    for name, column, low, high in (("lat", "latitude", -90, 90), ("lon", "longitude", -180, 180)):
        raw = table[lookup[column]].str.strip()
        number = numbers(raw)
        invalid = ~(np.isfinite(number) & (number >= low) & (number <= high))
        for index in np.flatnonzero(invalid & ~bad):
            problems.append(
                problem(
                    source,
                    rows[index],
                    column,
                    raw.iloc[index],
                    f"{column} is missing, not a number or outside [{low}, {high}]; write decimal degrees",
                )
            )
        bad |= invalid
        coords[name] = number
    raw_type = table[lookup["camera_type"]].str.strip()
    kind = raw_type.str.lower().map({"round": "dome", "directed": "fixed"})
    invalid = kind.isna().to_numpy()
    for index in np.flatnonzero(invalid & ~bad):
        problems.append(
            problem(
                source,
                rows[index],
                "camera_type",
                raw_type.iloc[index],
                "camera_type must be round or directed",
            )
        )
    bad |= invalid
    fov = np.full(n, np.nan)
    if "angle_of_view" in lookup:
        raw_fov = table[lookup["angle_of_view"]].str.strip()
        number = numbers(raw_fov)
        valid = (number > 0) & (number <= 360)
        fov = np.where(valid, number, np.nan)
        for index in np.flatnonzero(~valid & (raw_fov != "").to_numpy() & ~bad):
            problems.append(problem(source, rows[index], "angle_of_view", raw_fov.iloc[index], KEPT))
    range_m = np.full(n, np.nan)
    if "radius" in lookup:
        raw_radius = table[lookup["radius"]].str.strip()
        number = numbers(raw_radius)
        valid = np.isfinite(number) & (number > 0)
        range_m = np.where(valid, number, np.nan)
        for index in np.flatnonzero(~valid & (raw_radius != "").to_numpy() & ~bad):
            problems.append(problem(source, rows[index], "radius", raw_radius.iloc[index], KEPT))
    keep = ~bad
    count = int(keep.sum())
    columns = {
        "camera_id": [f"cctvx:{r}" for r in rows[keep]],
        "lon": coords["lon"][keep],
        "lat": coords["lat"][keep],
        "source": ["cctv-exposure"] * count,
        "kind": kind.to_numpy(dtype=object)[keep],
        "mount": ["unknown"] * count,
        "operator": ["unknown"] * count,
        "direction_deg": np.full(count, np.nan),
        "fov_deg": fov[keep],
        "height_m": np.full(count, np.nan),
        "range_m": range_m[keep],
        "verification": ["verified"] * count,
        "agreement": [""] * count,
        "reports": np.ones(count, dtype="int64"),
        "observed": [None] * count,
    }
    problems.sort(key=lambda p: p["row"])
    return finish(columns, problems, source=source)

