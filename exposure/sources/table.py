"""Generic camera tables: any CSV or GeoJSON with latitude and longitude, columns named like the schema."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from exposure._errors import CameraDataError
from exposure._io import check_file, read_json, read_text_table
from exposure._parse import numbers, parse_directions, parse_heights, quote
from exposure._tables import LAT_NAMES, LON_NAMES
from exposure.schema import KINDS, MOUNTS, OPERATORS, OWN_VIEW_COLUMNS, VERIFICATIONS, CameraLoad
from exposure.sources._common import CAMERA_FILE, finish, geojson_points, not_first_good, rejected_frame
from exposure.sources.osm import cameras_from_osm_points

__all__ = ["cameras_from_csv", "cameras_from_geojson", "cameras_from_geojson_data"]


def cameras_from_geojson(path: str | Path) -> CameraLoad:
    """Read cameras from a GeoJSON FeatureCollection of Point features.

    Features tagged ``man_made=surveillance`` (an Overpass export) follow the
    OSM rules of :func:`~exposure.sources.osm.cameras_from_osm_elements`; otherwise properties named
    like the schema's columns are used as in :func:`cameras_from_csv`. Features
    that are not Points are rejected, naming the feature number.

    Parameters
    ----------
    path
        The ``.geojson`` or ``.json`` file.

    Returns
    -------
    CameraLoad
        The cameras and the report.

    Raises
    ------
    CameraDataError
        When the file is not a GeoJSON FeatureCollection or has no usable feature.
    """
    path = check_file(path, kind=CAMERA_FILE)
    return cameras_from_geojson_data(read_json(path, kind=CAMERA_FILE), path=path)


def cameras_from_geojson_data(data: Any, *, path: Path, osm: bool | None = None) -> CameraLoad:
    """Read cameras from parsed GeoJSON, as :func:`cameras_from_geojson` reads a file.

    Parameters
    ----------
    data
        The parsed JSON: a FeatureCollection or one Feature.
    path
        The file it came from, named in the report and the messages; its stem
        makes the default camera ids.
    osm
        Whether the features follow the OSM rules; by default, when any is tagged
        ``man_made=surveillance``.

    Returns
    -------
    CameraLoad
        The cameras and the report (``row`` is the feature number).

    Raises
    ------
    CameraDataError
        When the data is not GeoJSON or has no usable feature.
    """
    points, problems = geojson_points(data, path=path)
    if osm is None:
        osm = any(p[3].get("man_made") == "surveillance" for p in points)
    if osm:
        return cameras_from_osm_points(points, problems, path=path)
    table = pd.DataFrame([{str(k): "" if v is None else str(v) for k, v in p[3].items()} for p in points])
    table = table.reindex(range(len(points)))
    table["__lon"] = [repr(p[1]) for p in points]
    table["__lat"] = [repr(p[2]) for p in points]
    table = table.fillna("").astype(str)
    rows_geo = np.array([p[0] for p in points], dtype="int64")
    return _cameras_from_table(
        table, problems, path=path, rows=rows_geo, lon_col="__lon", lat_col="__lat", unit="feature"
    )


# --------------------------------------------------------------------------- generic CSV

_ALIASES = {
    "camera_id": ("camera_id", "id"),
    "source": ("source",),
    "kind": ("kind",),
    "mount": ("mount",),
    "operator": ("operator",),
    "direction_deg": ("direction_deg", "direction"),
    "fov_deg": ("fov_deg", "fov"),
    "height_m": ("height_m", "height"),
    "range_m": ("range_m", "range", "radius_m", "radius"),
    "h_pixels": ("h_pixels",),
    "hfov_deg": ("hfov_deg", "hfov"),
    "indoor": ("indoor",),
    "verification": ("verification",),
    "agreement": ("agreement",),
    "reports": ("reports",),
    "observed": ("observed",),
}

def cameras_from_csv(path: str | Path) -> CameraLoad:
    """Read cameras from a generic CSV file with latitude and longitude columns.

    Coordinates come from columns named (any case) ``lat``/``latitude``/``y``
    and ``lon``/``lng``/``long``/``longitude``/``x``. Columns named like the
    schema (:data:`~exposure.schema.CAMERA_COLUMNS`; also ``id``, ``direction``, ``fov``,
    ``height``; the camera's own view: ``range_m`` (also ``range``, ``radius_m``,
    ``radius``), ``h_pixels`` and ``hfov_deg`` (also ``hfov``), ``indoor``) are used
    and checked: a bad value rejects the row, naming the column.
    ``kind``/``mount``/``operator`` default to unknown, ``verification`` to unverified,
    ``reports`` to 1, ``camera_id`` to ``<file stem>:<row>``.
    ``frt_tier`` is always recomputed with the default FRT policy. Files written
    by :func:`~exposure.cameras.cameras_to_csv` read back unchanged.

    Parameters
    ----------
    path
        The CSV file (UTF-8, comma-separated, header on line 1).

    Returns
    -------
    CameraLoad
        The cameras and the report (``row`` is the data row; line = row + 1).

    Raises
    ------
    CameraDataError
        When the file is unreadable, has no coordinate columns or no usable row.
    """
    path = check_file(path, kind=CAMERA_FILE)
    table = read_text_table(path, kind=CAMERA_FILE)
    lookup = {str(c).strip().lower(): c for c in table.columns}
    lat_col = next((lookup[n] for n in LAT_NAMES if n in lookup), None)
    lon_col = next((lookup[n] for n in LON_NAMES if n in lookup), None)
    if lat_col is None or lon_col is None:
        missing = "latitude" if lat_col is None else "longitude"
        msg = (
            f"camera file {path}: no {missing} column in the header "
            f"(line 1: {', '.join(str(c) if str(c).isprintable() else quote(str(c)) for c in table.columns)}); "
            f"name the columns lat and lon (also accepted: {', '.join(LAT_NAMES)} / {', '.join(LON_NAMES)})"
        )
        raise CameraDataError(msg)
    rows = np.arange(1, len(table) + 1, dtype="int64")
    return _cameras_from_table(table, [], path=path, rows=rows, lon_col=lon_col, lat_col=lat_col)


class _Flags:
    """The rows of a camera table found bad so far, and the report of every problem found (whole columns at once)."""

    def __init__(self, source: str, rows: np.ndarray, problems: list[dict[str, Any]]) -> None:
        self.source = source
        self.rows = rows
        self.bad = np.zeros(len(rows), dtype=bool)
        self.report: list[pd.DataFrame] = [rejected_frame(problems)] if problems else []

    def flag(self, mask: np.ndarray, column: str, values: pd.Series, reason: str) -> None:
        """Reject the rows of ``mask``, quoting their value in ``values``."""
        where = np.flatnonzero(mask)
        if len(where):
            self.report.append(pd.DataFrame({
                "file": self.source, "row": self.rows[where].astype("int64"), "column": column,
                "value": values.iloc[where].astype(str).to_numpy(dtype=object), "reason": reason,
            }))
        self.bad[mask] = True


def _cameras_from_table(
    table: pd.DataFrame,
    problems: list[dict[str, Any]],
    *,
    path: Path,
    rows: np.ndarray,
    lon_col: str,
    lat_col: str,
    unit: str = "csv",
) -> CameraLoad:
    """Validate a text table of cameras (every value a string) and build the load.

    Every check works on whole columns; a bad value is reported with its row and column.
    """
    source = str(path)
    n = len(table)
    flags = _Flags(source, rows, problems)
    lookup = {str(c).strip().lower(): c for c in table.columns}
    found = {
        name: next((lookup[a] for a in aliases if a in lookup and lookup[a] not in (lat_col, lon_col)), None)
        for name, aliases in _ALIASES.items()
    }

    def text(column: Any) -> pd.Series:
        if column is None:
            return pd.Series([""] * n, index=table.index, dtype=str)
        return table[column].astype(str).fillna("").str.strip()

    out: dict[str, Any] = {}
    for name, column, low, high in (("lat", lat_col, -90, 90), ("lon", lon_col, -180, 180)):
        raw = text(column)
        number = numbers(raw)
        finite = np.isfinite(number)
        flags.flag(~finite, str(column), raw, f"{column} is missing or not a number; write decimal degrees (WGS84)")
        outside = finite & ((number < low) | (number > high))
        flags.flag(outside, str(column), raw,
                   f"{column} is outside [{low}, {high}]; check that lat and lon are not swapped")
        out[name] = number

    for name, allowed, default in (
        ("kind", KINDS, "unknown"),
        ("mount", MOUNTS, "unknown"),
        ("operator", OPERATORS, "unknown"),
        ("verification", VERIFICATIONS, "unverified"),
    ):
        raw = text(found[name])
        values = raw.str.lower().replace("", default)
        invalid = ~values.isin(allowed).to_numpy()
        flags.flag(invalid, str(found[name]), raw,
                   f"{found[name]} must be one of {', '.join(allowed)} (or empty for {default})")
        out[name] = values

    out.update(_measures({name: (found[name], text(found[name])) for name in ("fov_deg", "direction_deg",
                                                                              "height_m", "reports")}, flags))
    out.update(_own_view({name: (found[name], text(found[name])) for name in OWN_VIEW_COLUMNS}, flags))

    ids = text(found["camera_id"])
    default_ids = pd.Series(rows.astype(str), index=table.index, dtype=str).radd(f"{path.stem}:")
    ids = ids.where(ids != "", default_ids)
    duplicate = not_first_good(ids, flags.bad) & ~flags.bad
    flags.flag(duplicate, str(found["camera_id"] or "camera_id"), ids,
               "duplicate camera_id; only the first row with it is kept, give each camera its own id")

    keep = ~flags.bad
    columns = {
        "camera_id": ids[keep],
        **{name: out[name][keep] for name in ("lon", "lat")},
        "source": text(found["source"]).replace("", path.name)[keep],
        **{name: out[name][keep] for name in ("kind", "mount", "operator", "direction_deg", "fov_deg", "height_m",
                                              *OWN_VIEW_COLUMNS, "verification")},
        "agreement": text(found["agreement"])[keep],
        "reports": np.nan_to_num(out["reports"][keep]).astype("int64"),
        "observed": text(found["observed"])[keep],
    }
    rejected = pd.concat(flags.report, ignore_index=True) if flags.report else rejected_frame([])
    rejected = rejected.sort_values("row", kind="stable")
    return finish(columns, rejected, source=source, unit=unit)


def _measures(raw: dict[str, tuple[Any, pd.Series]], flags: _Flags) -> dict[str, np.ndarray]:
    """Field of view, direction, height and reports from their columns (name, text); bad values flagged."""
    fov_col, raw_fov = raw["fov_deg"]
    fov = numbers(raw_fov)
    invalid = (raw_fov != "").to_numpy() & ~((fov > 0) & (fov <= 360))
    flags.flag(invalid, str(fov_col), raw_fov, f"{fov_col} must be a number in (0, 360] degrees, or empty")

    direction_col, raw_direction = raw["direction_deg"]
    direction, range_fov, invalid = parse_directions(raw_direction)
    flags.flag(invalid, str(direction_col), raw_direction,
               f"{direction_col} must be degrees from north (0-360), compass letters (NE) or a range (90-270)")
    fov = np.where(np.isnan(fov), range_fov, fov)

    height_col, raw_height = raw["height_m"]
    height, invalid = parse_heights(raw_height)
    flags.flag(invalid, str(height_col), raw_height, f"{height_col} must be a non-negative number of metres, or empty")

    reports_col, raw_reports = raw["reports"]
    reports = numbers(raw_reports.replace("", "1"))
    invalid = ~(np.isfinite(reports) & (reports >= 0) & (reports < 2**62) & (np.floor(reports) == reports))
    flags.flag(invalid, str(reports_col), raw_reports, f"{reports_col} must be a whole number >= 0, or empty for 1")
    return {"fov_deg": fov, "direction_deg": direction, "height_m": height, "reports": reports}


_YES_NO = {"": False, "yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}


def _own_view(raw: dict[str, tuple[Any, pd.Series]], flags: _Flags) -> dict[str, np.ndarray]:
    """A camera's own range, resolution, lens and indoor flag from their columns (name, text); bad values flagged."""
    out: dict[str, np.ndarray] = {}
    for name, high, what in (("range_m", math.inf, "a positive number of metres"),
                             ("h_pixels", 1e5, "a positive number of horizontal pixels"),
                             ("hfov_deg", 180.0, "a number of degrees above 0 and below 180")):
        column, text = raw[name]
        number = numbers(text)
        invalid = (text != "").to_numpy() & ~((number > 0) & (number < high))
        flags.flag(invalid, str(column), text, f"{column} must be {what}, or empty")
        out[name] = np.where(invalid, np.nan, number)
    column, text = raw["indoor"]
    flag = text.str.lower().map(_YES_NO)
    flags.flag(flag.isna().to_numpy(), str(column), text, f"{column} must be yes or no (or empty for no)")
    out["indoor"] = flag.fillna(False).to_numpy(dtype=bool)
    return out
