"""What every camera reader shares: the camera file's limits, problem rows, the camera frame and GeoJSON points."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from exposure import settings
from exposure._errors import CameraDataError
from exposure._io import FileKind, check_rows
from exposure._parse import to_float
from exposure.policies import apply_frt_policy, frt_policy
from exposure.schema import CAMERA_COLUMNS, REJECTED_COLUMNS, CameraLoad

__all__ = [
    "CAMERA_FILE",
    "KEPT",
    "GeoPoint",
    "camera_frame",
    "clip",
    "finish",
    "geojson_points",
    "not_first_good",
    "problem",
    "rejected_frame",
]

#: A camera file, for the helpers of :mod:`exposure._io`.
CAMERA_FILE = FileKind(
    what="camera file",
    error=CameraDataError,
    size_setting="max_camera_file_mb",
    rows_setting="max_camera_rows",
    formats="a .csv, .geojson, .json, .osm or .osm.pbf file",
    empty_fix="export the cameras again",
)
#: The reason given for an optional value that was ignored while its camera was kept.
KEPT = "ignored invalid value, camera kept"
#: One GeoJSON Point feature: (feature number, lon, lat, properties, feature id).
GeoPoint = tuple[int, float, float, dict[str, Any], Any]

# How a message names row n of each kind of file.
_ROW_LABELS = {"csv": "data row {n} (line {line})", "feature": "feature {n}", "osm": "object {n}"}


def clip(value: Any, most: int = 200) -> Any:
    """A value quoted in a report, cut to ``most`` characters (a feature may hold megabytes).

    Parameters
    ----------
    value
        Any value; None and numbers are returned as they are.
    most
        The longest text returned, with its ellipsis.

    Returns
    -------
    Any
        ``value``, or its text cut to ``most`` characters.
    """
    if value is None or isinstance(value, int | float):
        return value
    text = str(value)
    return text if len(text) <= most else text[: most - 1] + "…"


def problem(file: str, row: int, column: str, value: Any, reason: str) -> dict[str, Any]:
    """One row of the report of rejected input (:data:`~exposure.schema.REJECTED_COLUMNS`).

    Parameters
    ----------
    file
        The file the row came from.
    row
        The 1-based data row, feature or object number.
    column
        The column, property or tag at fault.
    value
        The value found (quoted, clipped); None is reported as empty.
    reason
        What is wrong and how to fix it; ending in :data:`KEPT` when the camera was kept.

    Returns
    -------
    dict
        The report row.
    """
    return {
        "file": file,
        "row": int(row),
        "column": column,
        "value": "" if value is None else str(clip(value)),
        "reason": reason,
    }


def rejected_frame(problems: list[dict[str, Any]]) -> pd.DataFrame:
    """The report of rejected input as a table with :data:`~exposure.schema.REJECTED_COLUMNS`.

    Parameters
    ----------
    problems
        Rows made by :func:`problem`.

    Returns
    -------
    pandas.DataFrame
        The report, ``row`` as int64.
    """
    frame = pd.DataFrame(problems, columns=list(REJECTED_COLUMNS))
    return frame.astype({"row": "int64"}).reset_index(drop=True)


def _text_column(values: Any) -> pd.Series:
    """A text column of the camera table; a pandas string column stays in its compact form."""
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True).astype(str)
    return pd.Series(values, dtype=object).astype(str)


def camera_frame(columns: Mapping[str, Any]) -> pd.DataFrame:
    """Build a camera table with the schema's columns, dtypes and the default FRT tier.

    Parameters
    ----------
    columns
        One sequence per column of :data:`~exposure.schema.CAMERA_COLUMNS` but ``frt_tier``, all as long;
        the camera's own view (:data:`~exposure.schema.OWN_VIEW_COLUMNS`) may be left out (then empty, and
        not indoor).

    Returns
    -------
    pandas.DataFrame
        The camera table, ``frt_tier`` set by the default FRT policy.
    """
    n = len(columns["camera_id"])
    observed = pd.Series(columns["observed"], dtype=object) if not isinstance(columns["observed"], pd.Series) \
        else columns["observed"].reset_index(drop=True).astype(object)
    frame = pd.DataFrame(
        {
            "camera_id": _text_column(columns["camera_id"]),
            "lon": pd.Series(np.asarray(columns["lon"], dtype="float64")),
            "lat": pd.Series(np.asarray(columns["lat"], dtype="float64")),
            "source": _text_column(columns["source"]),
            "kind": _text_column(columns["kind"]),
            "mount": _text_column(columns["mount"]),
            "operator": _text_column(columns["operator"]),
            "direction_deg": pd.Series(np.asarray(columns["direction_deg"], dtype="float64")),
            "fov_deg": pd.Series(np.asarray(columns["fov_deg"], dtype="float64")),
            "height_m": pd.Series(np.asarray(columns["height_m"], dtype="float64")),
            **{name: pd.Series(np.asarray(columns.get(name, np.full(n, np.nan)), dtype="float64"))
               for name in ("range_m", "h_pixels", "hfov_deg")},
            "indoor": pd.Series(np.asarray(columns.get("indoor", np.zeros(n, dtype=bool)), dtype=bool)),
            "verification": _text_column(columns["verification"]),
            "agreement": _text_column(columns["agreement"]),
            "reports": pd.Series(np.asarray(columns["reports"], dtype="int64")),
            "observed": observed.where(observed.notna() & observed.ne(""), None),
            "frt_tier": pd.Series(pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), ["medium"])).astype(str),
        },
        columns=list(CAMERA_COLUMNS),
    )
    return apply_frt_policy(frame, frt_policy("default"))


def finish(
    columns: Mapping[str, Any],
    problems: list[dict[str, Any]] | pd.DataFrame,
    *,
    source: str,
    good_inputs: int | None = None,
    unit: str = "csv",
) -> CameraLoad:
    """Assemble a load; raise when no input row was usable.

    Parameters
    ----------
    columns
        The good cameras, as :func:`camera_frame` takes them.
    problems
        The report of rejected input, as rows or a table.
    source
        The file, named in the load and the messages.
    good_inputs
        How many input rows were usable, when it differs from the number of
        cameras (a Decode intersection may hold none); by default the cameras.
    unit
        How rows are counted in messages: ``"csv"`` (data rows), ``"feature"`` or ``"osm"`` (objects).

    Returns
    -------
    CameraLoad
        The cameras and the report.

    Raises
    ------
    CameraDataError
        When there are more than ``settings.max_cameras`` cameras, or no usable input row.
    """
    n = len(next(iter(columns.values()), ()))
    if n > settings.max_cameras:
        msg = (f"{source}: {n:,} cameras, over the limit of {settings.max_cameras:,} for one file "
               "(exposure.settings.max_cameras); cut the file to your area, or raise exposure.settings.max_cameras")
        raise CameraDataError(msg)
    cameras = camera_frame(columns)
    rejected = (problems.reset_index(drop=True).astype({"row": "int64"}) if isinstance(problems, pd.DataFrame)
                else rejected_frame(problems))
    usable = len(cameras) if good_inputs is None else good_inputs
    if usable == 0:
        if rejected.empty:
            msg = f"{source}: no camera rows found; check that this is a camera file"
        else:
            first = "; ".join(
                f"{_ROW_LABELS[unit].format(n=r.row, line=r.row + 1)}, column {r.column!r}: {r.reason}"
                for r in rejected.head(3).itertuples(index=False)
            )
            msg = (
                f"{source}: no usable camera row ({len(rejected)} problem(s)); "
                f"first: {first}. Fix these rows and load the file again"
            )
        raise CameraDataError(msg)
    return CameraLoad(cameras=cameras, rejected=rejected, source=source)


def not_first_good(values: pd.Series, bad: np.ndarray) -> np.ndarray:
    """Mark the good rows whose value already appeared on an earlier good row (rows already bad are not marked).

    Parameters
    ----------
    values
        One value per row (camera ids, panorama ids).
    bad
        Rows already rejected, which neither count as a first copy nor are marked.

    Returns
    -------
    numpy.ndarray
        A boolean mask of the repeated good rows.
    """
    result = np.zeros(len(values), dtype=bool)
    good = ~np.asarray(bad, dtype=bool)
    result[good] = values[good].duplicated(keep="first").to_numpy()
    return result


def geojson_points(data: Any, *, path: Path) -> tuple[list[GeoPoint], list[dict[str, Any]]]:
    """The Point features of GeoJSON data, and a report of the features that are not usable points.

    Parameters
    ----------
    data
        Parsed GeoJSON: a FeatureCollection or one Feature.
    path
        The file it came from, named in the report.

    Returns
    -------
    points, problems
        One :data:`GeoPoint` per usable feature, and the report rows of the others.

    Raises
    ------
    CameraDataError
        When the data is not GeoJSON, or has more features than ``settings.max_camera_rows``.
    """
    source = str(path)
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not (isinstance(data, dict) and isinstance(data.get("features"), list)):
        msg = (
            f"camera file {path} is JSON but neither a GeoJSON FeatureCollection (no 'features' list) "
            "nor Overpass JSON (no 'elements'); export it again as GeoJSON"
        )
        raise CameraDataError(msg)
    features = data["features"]
    check_rows(len(features), source=source, kind=CAMERA_FILE, what="features")
    problems: list[dict[str, Any]] = []
    points: list[GeoPoint] = []
    for number, feature in enumerate(features, start=1):
        point, trouble = _geojson_point(feature, number, source=source)
        problems.extend(trouble)
        if point is not None:
            points.append(point)
    return points, problems


def _geojson_point(feature: Any, number: int, *, source: str) -> tuple[GeoPoint | None, list[dict[str, Any]]]:
    """One feature as a point (None when it is not a usable Point), and the problems found in it."""
    if not isinstance(feature, dict):
        return None, [problem(source, number, "feature", clip(feature), f"feature {number} is not a GeoJSON object")]
    geometry = feature.get("geometry")
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind != "Point" or not isinstance(geometry, dict):
        what = f"a {clip(kind)} geometry" if isinstance(kind, str) else "without a geometry"
        return None, [problem(source, number, "geometry", clip(kind),
                              f"feature {number} is {what}; only Point features are read as cameras")]
    coords = geometry.get("coordinates")
    if not (isinstance(coords, list | tuple) and len(coords) >= 2):
        return None, [problem(source, number, "geometry", clip(coords),
                              f"feature {number} has no [lon, lat] coordinates; fix its geometry")]
    problems = []
    properties = feature.get("properties")
    if properties is None:
        properties = {}
    elif not isinstance(properties, dict):
        problems.append(problem(source, number, "properties", clip(properties),
                                f"feature {number}: properties is not a JSON object; {KEPT}"))
        properties = {}
    ident = feature.get("id")
    point = (number, to_float(coords[0]), to_float(coords[1]), dict(properties),
             ident if isinstance(ident, str | int) and not isinstance(ident, bool) else None)
    return point, problems
