"""Amnesty International's Decode Surveillance NYC: camera counts per intersection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from exposure._errors import CameraDataError
from exposure.cameras import CameraLoad, _check_file, _finish, _not_first_good, _problem, _read_text_table

__all__ = ["cameras_from_decode"]

_DECODE_COUNTS = (
    "n_cameras_median",
    "attached_street_median",
    "attached_building_median",
    "type_dome_median",
    "type_bullet_median",
)
_DECODE_AGREEMENT = {"Unanimous": "verified", "2 vs 1": "unverified", "All disagree": "disputed"}


def cameras_from_decode(path: str | Path) -> CameraLoad:
    """Read Amnesty International's Decode Surveillance NYC ``counts_per_intersections.csv``.

    Each intersection (Street View panorama) holds the median of three
    volunteers' counts per category; each category's median is taken
    independently, so the sub-counts need not add up to ``n_cameras_median``.
    The intersection expands into ``n = round(n_cameras_median)`` camera rows
    (half up; none when 0) at the panorama's position, with ids
    ``decode:<PanoramaId>:<i>`` (``i`` from 0):

    - mount: the first ``attached_street_median`` rows are street, the next
      ``attached_building_median`` building, the rest unknown (truncated at
      ``n`` in that order when the sub-counts add up to more);
    - kind: the first ``type_dome_median`` rows are dome, the next
      ``type_bullet_median`` fixed (bullet), the rest unknown. In Amnesty's
      methodology only cameras on street furniture get a type, so dome and
      bullet counts describe street cameras: placing them first puts them on
      the street rows. The joint mount-by-type split is not in the data; this
      order is an assumption (exact whenever the type counts do not exceed the
      street count, true of all but 4 of 10,377 Brooklyn intersections);
    - verification from ``n_cameras_agreement``: Unanimous is verified,
      2 vs 1 unverified, All disagree disputed; ``agreement`` keeps the raw text;
      ``reports`` is 3 (three volunteers); ``observed`` is ``ImageDate``;
      operator is unknown.

    Rows with a missing or invalid ``Lat``/``Long``, count or agreement are
    rejected naming the column; a repeated ``PanoramaId`` keeps the first row.

    Parameters
    ----------
    path
        The CSV file.

    Returns
    -------
    CameraLoad
        The cameras and the report (``row`` is the data row; line = row + 1).

    Raises
    ------
    CameraDataError
        When the file is unreadable, lacks a needed column or has no usable intersection.
    """
    path = _check_file(path)
    source = str(path)
    table = _read_text_table(path)
    table.columns = [str(c).strip() for c in table.columns]
    needed = ("PanoramaId", "n_cameras_median", "n_cameras_agreement", "Lat", "Long")
    missing = [c for c in needed if c not in table.columns]
    if missing:
        msg = (
            f"camera file {path}: missing Decode Surveillance column(s) {', '.join(missing)} "
            "in the header (line 1); "
            "use Amnesty's counts_per_intersections.csv, or format='csv' for other CSV files"
        )
        raise CameraDataError(msg)
    n_rows = len(table)
    rows = np.arange(1, n_rows + 1)
    bad = np.zeros(n_rows, dtype=bool)
    problems: list[dict[str, Any]] = []

    def flag(mask: np.ndarray, column: str, raw: pd.Series, reason: str) -> None:
        new = mask & ~bad
        for index in np.flatnonzero(new):
            problems.append(_problem(source, rows[index], column, raw.iloc[index], reason))
        bad[new] = True

    pano = table["PanoramaId"].str.strip()
    flag(
        (pano == "").to_numpy(),
        "PanoramaId",
        pano,
        "PanoramaId is empty; every intersection needs its panorama id",
    )
    coords = {}
    for column, low, high in (("Lat", -90, 90), ("Long", -180, 180)):
        raw = table[column].str.strip()
        number = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64")
        invalid = ~(np.isfinite(number) & (number >= low) & (number <= high))
        flag(
            invalid,
            column,
            raw,
            f"{column} is missing, not a number or outside [{low}, {high}]; write decimal degrees",
        )
        coords[column] = number
    counts = {}
    for column in _DECODE_COUNTS:
        if column not in table.columns:
            counts[column] = np.zeros(n_rows, dtype="int64")
            continue
        raw = table[column].str.strip()
        number = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64")
        invalid = ~(np.isfinite(number) & (number >= 0))
        flag(invalid, column, raw, f"{column} must be a count >= 0")
        counts[column] = np.floor(np.nan_to_num(number, nan=0.0, posinf=0.0) + 0.5).astype("int64")
    agreement = table["n_cameras_agreement"].str.strip()
    verification = agreement.map(_DECODE_AGREEMENT)
    flag(
        verification.isna().to_numpy(),
        "n_cameras_agreement",
        agreement,
        f"n_cameras_agreement must be one of {', '.join(_DECODE_AGREEMENT)}",
    )
    duplicate = _not_first_good(pano, bad) & ~bad
    flag(duplicate, "PanoramaId", pano, "duplicate panorama; only the first row of this PanoramaId is kept")

    keep = ~bad
    n = np.where(keep, counts["n_cameras_median"], 0)
    total = int(n.sum())
    owner = np.repeat(np.arange(n_rows), n)
    starts = np.repeat(np.cumsum(n) - n, n)
    position = np.arange(total) - starts
    street = counts["attached_street_median"][owner]
    building = counts["attached_building_median"][owner]
    dome = counts["type_dome_median"][owner]
    bullet = counts["type_bullet_median"][owner]
    mount = np.where(
        position < street, "street", np.where(position < street + building, "building", "unknown")
    )
    kind = np.where(position < dome, "dome", np.where(position < dome + bullet, "fixed", "unknown"))
    pano_values = pano.to_numpy(dtype=object)[owner]
    ids = pd.Series(pano_values, dtype=object).radd("decode:") + ":" + pd.Series(position).astype(str)
    image_date = table["ImageDate"].str.strip() if "ImageDate" in table.columns else pd.Series([""] * n_rows)
    observed = image_date.to_numpy(dtype=object)[owner]
    columns = {
        "camera_id": ids.to_numpy(dtype=object),
        "lon": coords["Long"][owner],
        "lat": coords["Lat"][owner],
        "source": np.full(total, "decode", dtype=object),
        "kind": kind.astype(object),
        "mount": mount.astype(object),
        "operator": np.full(total, "unknown", dtype=object),
        "direction_deg": np.full(total, np.nan),
        "fov_deg": np.full(total, np.nan),
        "height_m": np.full(total, np.nan),
        "verification": verification.to_numpy(dtype=object)[owner],
        "agreement": agreement.to_numpy(dtype=object)[owner],
        "reports": np.full(total, 3, dtype="int64"),
        "observed": np.where(observed == "", None, observed),
    }
    problems.sort(key=lambda p: p["row"])
    return _finish(columns, problems, source=source, good_inputs=int(keep.sum()))
