"""Amnesty International's Decode Surveillance NYC: camera counts per intersection."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from exposure import settings
from exposure._errors import CameraDataError
from exposure._io import check_file, read_text_table
from exposure._parse import amount, arrow_text, limit_message, numbers
from exposure.policies import verification_policy
from exposure.schema import CameraExtent, CameraLoad
from exposure.sources._common import CAMERA_FILE, finish, not_first_good, problem

__all__ = [
    "DECODE_METHOD",
    "DECODE_SUMMARY_COLUMNS",
    "DECODE_TOTALS",
    "cameras_from_decode",
    "decode_summary",
]

#: How an intersection's counts may become cameras: name → what is counted.
DECODE_TOTALS: dict[str, str] = {
    "attachments": "the sum of the attachment medians (street furniture + building + unknown mount), as in "
    "Amnesty's published totals",
    "n_cameras": "the median of the volunteers' total counts (n_cameras_median); not Amnesty's published rule",
}

#: The counting rule in words, with its source, for captions and the README.
DECODE_METHOD = (
    "Each intersection counts attached_street_median + attached_building_median + attached_unknown_median "
    "cameras: the sum of the medians of the three volunteers' counts per mount, as Amnesty International "
    "totals them in its methodology note (AMR 51/5205/2022, Figure 3). Street-furniture cameras take their "
    "types from the type medians (dome, bullet, unknown); only street-furniture cameras were typed. Each "
    "camera's verification is the volunteers' agreement on the count of its mount (Unanimous: verified, "
    "2 vs 1: unverified, All disagree: disputed)."
)

#: Columns of :func:`decode_summary`, in the shape of Figure 3 (counts) and Figure 4 (street furniture by type).
DECODE_SUMMARY_COLUMNS = (
    "borough",
    "intersections",
    "cameras",
    "street_cameras",
    "dome",
    "bullet",
    "type_unknown",
    "cameras_per_intersection",
)

# the old rule reads these counts; the published rule reads _ATTACHMENTS and _TYPES
_N_CAMERAS_COUNTS = (
    "n_cameras_median",
    "attached_street_median",
    "attached_building_median",
    "type_dome_median",
    "type_bullet_median",
)
#: mount → (median column, agreement column)
_ATTACHMENTS = {
    "street": ("attached_street_median", "attached_street_agreement"),
    "building": ("attached_building_median", "attached_building_agreement"),
    "unknown": ("attached_unknown_median", "attached_unknown_agreement"),
}
_TYPES = ("type_dome_median", "type_bullet_median", "type_unknown_median")
#: What the type counts become, in order: dome, bullet (fixed), unknown.
_KINDS = ("dome", "fixed", "unknown")
_DECODE_AGREEMENT = {"Unanimous": "verified", "2 vs 1": "unverified", "All disagree": "disputed"}
#: Every column the reader uses (the others are dropped once the file is read).
_USED = frozenset(("PanoramaId", "Lat", "Long", "BoroName", "ImageDate", "n_cameras_agreement", *_N_CAMERAS_COUNTS,
                   *(c for pair in _ATTACHMENTS.values() for c in pair), *_TYPES))


@dataclass(frozen=True)
class _Expanded:
    """A Decode file read and expanded: camera columns, the report, and which intersection each camera is from."""

    columns: dict[str, Any]
    problems: list[dict[str, Any]]
    keep: np.ndarray
    owner: np.ndarray
    borough: np.ndarray
    source: str
    lon: np.ndarray
    lat: np.ndarray


def cameras_from_decode(path: str | Path, *, total: str = "attachments") -> CameraLoad:
    """Read Amnesty International's Decode Surveillance NYC ``counts_per_intersections.csv``.

    Each intersection (Street View panorama) holds the median of three
    volunteers' counts per category, each category's median taken on its own.
    The medians of the parts need not add up to the median of the total
    (``n_cameras_median``): citywide the total's medians sum to 28,954, 113 % of
    the 25,532 cameras Amnesty publishes. Amnesty's published totals, the ones
    people cite, are the **sum of the attachment medians** (methodology note
    AMR 51/5205/2022, Figure 3), and that is the default rule here.

    With ``total="attachments"`` an intersection expands into exactly
    ``attached_street_median`` street, ``attached_building_median`` building and
    ``attached_unknown_median`` unknown-mount camera rows, in that order, at the
    panorama's position, with ids ``decode:<PanoramaId>:<i>`` (``i`` from 0):

    - kind: only cameras on street furniture were typed, so the street rows take
      their kinds from the type medians: the first ``type_dome_median`` are
      dome, the next ``type_bullet_median`` fixed (bullet), the rest unknown.
      Type counts beyond the street count are dropped (4 of Brooklyn's 10,377
      intersections type more cameras than they count on street furniture:
      111 bullets in the file, 109 counted). Building and unknown-mount cameras
      are of unknown kind;
    - verification from the agreement on the count the camera came from
      (``attached_street_agreement`` for a street camera, and so on):
      Unanimous is verified, 2 vs 1 unverified, All disagree disputed;
      ``agreement`` keeps that column's text as in the file.

    With ``total="n_cameras"`` (the rule before, never the default) it expands
    into ``n = round(n_cameras_median)`` rows (half up): the first
    ``attached_street_median`` are street, the next ``attached_building_median``
    building, the rest unknown (truncated at ``n``); the first
    ``type_dome_median`` are dome, the next ``type_bullet_median`` fixed, the
    rest unknown; verification comes from ``n_cameras_agreement``.

    Either way ``reports`` is 3 (three volunteers), ``observed`` is
    ``ImageDate`` and operator is unknown. Rows with a missing or invalid
    ``Lat``/``Long``, count or agreement are rejected naming the column; a
    repeated ``PanoramaId`` keeps the first row.

    Parameters
    ----------
    path
        The CSV file.
    total
        How an intersection's counts become cameras: ``"attachments"`` (Amnesty's
        published rule) or ``"n_cameras"`` (see :data:`DECODE_TOTALS`).

    Returns
    -------
    CameraLoad
        The cameras and the report (``row`` is the data row; line = row + 1).

    Raises
    ------
    CameraDataError
        When the rule is unknown, the file is unreadable, lacks a needed column
        or has no usable intersection.
    """
    expanded = _expand(path, total=total)
    load = finish(expanded.columns, expanded.problems, source=expanded.source, good_inputs=int(expanded.keep.sum()))
    return dataclasses.replace(load, extent=_surveyed(expanded))


def _surveyed(expanded: _Expanded) -> CameraExtent:
    """The intersections the volunteers counted (with cameras or none), and the boroughs counted whole."""
    import shapely  # noqa: PLC0415 - only needed for extents

    keep = expanded.keep
    points = shapely.multipoints(np.column_stack([expanded.lon[keep], expanded.lat[keep]]))
    boroughs = tuple(sorted({str(b) for b in pd.unique(expanded.borough[keep])} - {"unknown"}))
    where = f" in {', '.join(boroughs)}" if boroughs else ""
    return CameraExtent(points, f"the {int(keep.sum()):,} intersections{where} that Decode Surveillance volunteers "
                                "counted, with cameras or none", boroughs=boroughs)


def decode_summary(
    path: str | Path, *, total: str = "attachments", verification: str | Iterable[str] = "default"
) -> pd.DataFrame:
    """Cameras per borough in the shape of Amnesty's published tables (Figures 3 and 4).

    Figure 3 of the methodology note (AMR 51/5205/2022) gives, per borough, the
    intersections studied, the cameras counted and the cameras on street
    furniture; Figure 4 the street-furniture cameras by type. These columns are
    our reading of the figures' shape, checked against the totals Amnesty
    publishes (Brooklyn 10,384 intersections, 9,232 cameras, 871 on street
    furniture; citywide 25,532 cameras, 3,317 on street furniture, 2,266 of them
    dome); the note's own tables may group them differently. Cameras per
    intersection is cameras divided by intersections.

    Parameters
    ----------
    path
        The Decode CSV file.
    total
        The counting rule (see :func:`cameras_from_decode`).
    verification
        The verification statuses counted (see
        :func:`exposure.cameras.verification_policy`); the default counts every
        camera, as the published totals do. Intersections are counted whatever
        the volunteers' agreement.

    Returns
    -------
    pandas.DataFrame
        One row per borough (``BoroName``; "unknown" when the file has no such
        column), sorted by name, then a row ``"Total"`` over the boroughs in the
        file (citywide only for a citywide file): :data:`DECODE_SUMMARY_COLUMNS`.
        ``intersections`` counts the usable intersections (zero-camera ones
        included); ``cameras`` all cameras; ``street_cameras`` those on street
        furniture; ``dome``, ``bullet``, ``type_unknown`` the street-furniture
        cameras by type. ``attrs`` hold the rule, the statuses counted and the
        rejected rows.

    Raises
    ------
    CameraDataError
        As :func:`cameras_from_decode`.
    """
    expanded = _expand(path, total=total)
    statuses = verification_policy(verification)
    columns = expanded.columns
    counted = np.isin(np.asarray(columns["verification"], dtype=object), list(statuses))
    street = np.asarray(columns["mount"], dtype=object) == "street"
    kind = np.asarray(columns["kind"], dtype=object)
    camera_borough = expanded.borough[expanded.owner]
    intersections = pd.Series(expanded.borough[expanded.keep]).value_counts()
    rows = []
    for name in sorted(intersections.index):
        here = counted & (camera_borough == name)
        rows.append(_summary_row(str(name), int(intersections[name]), here, street, kind))
    everywhere = counted.copy()
    rows.append(_summary_row("Total", int(expanded.keep.sum()), everywhere, street, kind))
    table = pd.DataFrame(rows, columns=list(DECODE_SUMMARY_COLUMNS))
    table.attrs["total"] = total
    table.attrs["method"] = DECODE_METHOD if total == "attachments" else DECODE_TOTALS[total]
    table.attrs["verification"] = sorted(statuses)
    table.attrs["rejected_rows"] = len({p["row"] for p in expanded.problems})
    return table


def _summary_row(
    name: str, intersections: int, here: np.ndarray, street: np.ndarray, kind: np.ndarray
) -> dict[str, Any]:
    cameras = int(here.sum())
    on_street = here & street
    return {
        "borough": name,
        "intersections": intersections,
        "cameras": cameras,
        "street_cameras": int(on_street.sum()),
        "dome": int((on_street & (kind == "dome")).sum()),
        "bullet": int((on_street & (kind == "fixed")).sum()),
        "type_unknown": int((on_street & (kind == "unknown")).sum()),
        "cameras_per_intersection": round(cameras / intersections, 4) if intersections else float("nan"),
    }


class _Report:
    """The rows of a Decode file found bad so far, and why: a row is reported once, for its first problem."""

    def __init__(self, source: str, n_rows: int) -> None:
        self.source = source
        self.rows = np.arange(1, n_rows + 1)
        self.bad = np.zeros(n_rows, dtype=bool)
        self.problems: list[dict[str, Any]] = []

    def flag(self, mask: np.ndarray, column: str, raw: pd.Series, reason: str) -> None:
        """Reject the rows of ``mask`` not rejected yet, quoting their value in ``raw``."""
        new = mask & ~self.bad
        for index in np.flatnonzero(new):
            self.problems.append(problem(self.source, self.rows[index], column, raw.iloc[index], reason))
        self.bad[new] = True


def _expand(path: str | Path, *, total: str) -> _Expanded:
    table, path = _read_decode(path, total=total)
    report = _Report(str(path), len(table))
    pano = table["PanoramaId"].str.strip()
    report.flag((pano == "").to_numpy(), "PanoramaId", pano,
                "PanoramaId is empty; every intersection needs its panorama id")
    coords = {}
    for column, low, high in (("Lat", -90, 90), ("Long", -180, 180)):
        raw = table[column].str.strip()
        number = numbers(raw)
        invalid = ~(np.isfinite(number) & (number >= low) & (number <= high))
        report.flag(invalid, column, raw,
                    f"{column} is missing, not a number or outside [{low}, {high}]; write decimal degrees")
        coords[column] = number
    count_columns = (
        _N_CAMERAS_COUNTS if total == "n_cameras" else (*(pair[0] for pair in _ATTACHMENTS.values()), *_TYPES)
    )
    rounded = _counts(table, count_columns, report)
    agreement_codes = _agreements(table, total=total, report=report)
    duplicate = not_first_good(pano, report.bad) & ~report.bad
    report.flag(duplicate, "PanoramaId", pano, "duplicate panorama; only the first row of this PanoramaId is kept")
    per_row = _cameras_per_row(table, rounded, count_columns, total=total, report=report, path=path)
    keep = ~report.bad
    limit = settings.max_cameras_per_row
    n = np.where(keep, np.clip(per_row, 0, limit).astype("int64"), 0)
    counts = {column: np.clip(values, 0, limit).astype("int64") for column, values in rounded.items()}
    columns, owner = _camera_columns(table, pano, coords, counts, agreement_codes, n, total=total)
    report.problems.sort(key=lambda p: p["row"])
    # an object array of the few borough names, each held once (not a Python string per row)
    borough = (
        np.asarray(pd.Categorical(table["BoroName"].str.strip().replace("", "unknown")), dtype=object)
        if "BoroName" in table.columns
        else np.full(len(table), "unknown", dtype=object)
    )
    return _Expanded(columns=columns, problems=report.problems, keep=keep, owner=owner, borough=borough,
                     source=str(path), lon=coords["Long"], lat=coords["Lat"])


def _read_decode(path: str | Path, *, total: str) -> tuple[pd.DataFrame, Path]:
    """The columns of a Decode file the rule needs, as text; the file's path."""
    if total not in DECODE_TOTALS:
        msg = f"unknown Decode counting rule {total!r}; use one of {', '.join(DECODE_TOTALS)}"
        raise CameraDataError(msg)
    path = check_file(path, kind=CAMERA_FILE)
    table = read_text_table(path, kind=CAMERA_FILE)
    table.columns = [str(c).strip() for c in table.columns]
    if total == "attachments":
        needed: tuple[str, ...] = ("PanoramaId", *(c for pair in _ATTACHMENTS.values() for c in pair), "Lat", "Long")
    else:
        needed = ("PanoramaId", "n_cameras_median", "n_cameras_agreement", "Lat", "Long")
    missing = [c for c in needed if c not in table.columns]
    if missing:
        other = " (or total='n_cameras' for a file with only the total counts)" if total == "attachments" else ""
        msg = (
            f"camera file {path}: missing Decode Surveillance column(s) {', '.join(missing)} "
            "in the header (line 1); "
            f"use Amnesty's counts_per_intersections.csv{other}, or format='csv' for other CSV files"
        )
        raise CameraDataError(msg)
    # the URL and geometry columns are most of the file's bytes: let them go before the expansion
    return table.loc[:, ~table.columns.duplicated() & table.columns.isin(_USED)], path


def _counts(table: pd.DataFrame, count_columns: tuple[str, ...], report: _Report) -> dict[str, np.ndarray]:
    """Each count column rounded half up, as floats (a count of 10^300 must not overflow an integer); bad ones 0."""
    rounded = {}
    for column in count_columns:
        if column not in table.columns:
            rounded[column] = np.zeros(len(table))
            continue
        raw = table[column].str.strip()
        number = numbers(raw)
        invalid = ~(np.isfinite(number) & (number >= 0))
        report.flag(invalid, column, raw, f"{column} must be a count >= 0")
        rounded[column] = np.where(invalid, 0.0, np.floor(np.nan_to_num(number) + 0.5))
    return rounded


def _agreements(table: pd.DataFrame, *, total: str, report: _Report) -> dict[str, np.ndarray]:
    """Per agreement column, the index into ``_DECODE_AGREEMENT`` of each row (-1 when not one of them)."""
    agreement_columns = ("n_cameras_agreement",) if total == "n_cameras" else tuple(p[1] for p in _ATTACHMENTS.values())
    codes_by_column = {}
    for column in agreement_columns:
        agreement = table[column].str.strip()
        codes = pd.Index(list(_DECODE_AGREEMENT)).get_indexer(agreement)
        report.flag(codes < 0, column, agreement, f"{column} must be one of {', '.join(_DECODE_AGREEMENT)}")
        codes_by_column[column] = codes.astype(np.int8)
    return codes_by_column


def _cameras_per_row(table: pd.DataFrame, rounded: dict[str, np.ndarray], count_columns: tuple[str, ...], *,
                     total: str, report: _Report, path: Path) -> np.ndarray:
    """How many cameras each good row makes (as floats); rows counting more than one may hold are rejected."""
    total_column = "n_cameras_median" if total == "n_cameras" else _ATTACHMENTS["street"][0]
    per_row = (rounded["n_cameras_median"] if total == "n_cameras"
               else sum(rounded[pair[0]] for pair in _ATTACHMENTS.values()))
    per_row = np.where(report.bad, 0.0, per_row)
    cameras_float = float(per_row.sum())
    if cameras_float > settings.max_cameras:
        worst = int(np.argmax(per_row))
        msg = (f"camera file {path}: its counts add up to {amount(cameras_float)} cameras, over the limit of "
               f"{settings.max_cameras:,} (exposure.settings.max_cameras; row {worst + 1} alone counts "
               f"{amount(float(per_row[worst]))}); check the counts, or raise exposure.settings.max_cameras")
        raise CameraDataError(msg)
    # a row counting more cameras than one intersection can hold is rejected before any camera is made from it
    limit = settings.max_cameras_per_row
    for column in count_columns:
        report.flag(rounded[column] > limit, column, table[column].str.strip() if column in table.columns
                    else pd.Series([""] * len(table)), limit_message(f"{column} counts more cameras than one row may",
                                                                     "max_cameras_per_row", "check the count"))
    report.flag(per_row > limit, total_column, pd.Series(per_row).map("{:.0f}".format),
                limit_message("the counts add up to more cameras than one row may", "max_cameras_per_row",
                              "check the counts"))
    return per_row


def _camera_columns(table: pd.DataFrame, pano: pd.Series, coords: dict[str, np.ndarray],
                    counts: dict[str, np.ndarray], agreement_codes: dict[str, np.ndarray], n: np.ndarray, *,
                    total: str) -> tuple[dict[str, Any], np.ndarray]:
    """The camera columns of ``n[i]`` cameras per row ``i``, and the row each camera comes from."""
    cameras = int(n.sum())
    owner = np.repeat(np.arange(len(n)), n)
    starts = np.repeat(np.cumsum(n) - n, n)
    position = np.arange(cameras) - starts
    street = counts["attached_street_median"][owner]
    building = counts["attached_building_median"][owner]
    dome = counts["type_dome_median"][owner]
    bullet = counts["type_bullet_median"][owner]
    # codes into _MOUNTS and _KINDS, so that no Python string is made per camera
    mount = np.where(position < street, 0, np.where(position < street + building, 1, 2)).astype(np.int8)
    kind = np.where(position < dome, 0, np.where(position < dome + bullet, 1, 2)).astype(np.int8)
    if total == "n_cameras":
        agreement = agreement_codes["n_cameras_agreement"][owner]
    else:
        kind = np.where(mount == 0, kind, 2).astype(np.int8)  # only street furniture was typed
        agreement = np.choose(mount, [agreement_codes[column][owner] for _, column in _ATTACHMENTS.values()])
    pano_taken = arrow_text(pano).take(pa.array(owner))
    ids = pc.binary_join_element_wise("decode:", pano_taken, ":", pa.array(position).cast(pa.string()), "")
    image_date = (arrow_text(table["ImageDate"].str.strip()).take(pa.array(owner))
                  if "ImageDate" in table.columns else pa.nulls(cameras, pa.string()))
    observed = pd.Series(pc.if_else(pc.equal(image_date, ""), pa.scalar(None, pa.string()), image_date)
                         .to_numpy(zero_copy_only=False), dtype=object)
    columns = {
        "camera_id": pd.Series(pd.array(ids, dtype="str")),
        "lon": coords["Long"][owner],
        "lat": coords["Lat"][owner],
        "source": pd.Series(pd.Categorical.from_codes(np.zeros(cameras, dtype=np.int8), ["decode"])),
        "kind": pd.Series(pd.Categorical.from_codes(kind, list(_KINDS))),
        "mount": pd.Series(pd.Categorical.from_codes(mount, list(_ATTACHMENTS))),
        "operator": pd.Series(pd.Categorical.from_codes(np.zeros(cameras, dtype=np.int8), ["unknown"])),
        "direction_deg": np.full(cameras, np.nan),
        "fov_deg": np.full(cameras, np.nan),
        "height_m": np.full(cameras, np.nan),
        "verification": pd.Series(pd.Categorical.from_codes(agreement, list(_DECODE_AGREEMENT.values()))),
        "agreement": pd.Series(pd.Categorical.from_codes(agreement, list(_DECODE_AGREEMENT))),
        "reports": np.full(cameras, 3, dtype="int64"),
        "observed": observed.where(observed.notna(), None),
    }
    return columns, owner
