"""Gathering points and other named points of a plan, read from CSV or GeoJSON files."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exposure import settings
from exposure._errors import ExposureError, PlanError
from exposure._parse import (
    JsonError,
    check_csv_columns,
    first_line,
    json_loads,
    quote,
)
from exposure._tables import LAT_NAMES, LON_NAMES
from exposure.planning._input import (
    NAME_CHARS,
    NAME_KEYS,
    check_count,
    check_lat_lon,
    feature_name,
    geojson_features,
    input_bytes,
)

if TYPE_CHECKING:
    from exposure.places import Place

__all__ = [
    "POINT_SEPARATOR", "PlanPoint", "PointFailure", "PointLoad", "point_from_text", "point_to_text", "points_from_text",
    "read_points",
]

#: What separates a point's own name from where it is, in ``"Meeting point | 60.17,24.94"``.
POINT_SEPARATOR = "|"


@dataclass(frozen=True)
class PlanPoint:
    """A named point of a plan (gathering, site, via, dispersal), and once planned the street node it snaps to."""

    name: str
    lon: float
    lat: float
    node: int | None = None
    snap_m: float | None = None

    @classmethod
    def from_place(cls, place: Place) -> PlanPoint:
        """A point from a resolved :class:`~exposure.places.Place`."""
        return cls(name=place.name, lon=place.lon, lat=place.lat, node=place.node, snap_m=place.snap_m)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: name, lat, lon (and ``snap_m`` once snapped)."""
        out: dict[str, Any] = {"name": self.name, "lat": round(self.lat, 7), "lon": round(self.lon, 7)}
        if self.snap_m is not None:
            out["snap_m"] = round(self.snap_m, 1)
        return out


def point_from_text(text: str, resolve: Callable[[str], Place]) -> PlanPoint:
    """A point as people type one: a place name, ``lat,lon``, or ``name | where`` to give it a name of its own.

    ``"Meeting point | 60.17,24.94"`` is the point at 60.17 N, 24.94 E called
    "Meeting point"; ``"Kauppatori"`` is the place the dataset knows by that name.
    The name is what comes before the last ``|`` (so a name may hold one), the
    place what comes after it.

    Parameters
    ----------
    text
        The point, as typed (see :func:`point_to_text` for the other way).
    resolve
        Finds a place from its text (``lat,lon``, a preset or a name), e.g. a
        dataset's :meth:`~exposure.datasets.Dataset.resolve`.

    Returns
    -------
    PlanPoint
        Named as given, else as the place is named. A point given a name keeps only
        its coordinates: a plan snaps it to the streets again.

    Raises
    ------
    PlaceError
        When ``resolve`` cannot find the place (its message names the text).
    """
    name, sep, where = text.rpartition(POINT_SEPARATOR)
    point = PlanPoint.from_place(resolve(where.strip() if sep else text.strip()))
    return PlanPoint(name=name.strip(), lon=point.lon, lat=point.lat) if sep and name.strip() else point


def point_to_text(point: PlanPoint) -> str:
    """A point as ``name | lat,lon`` (to 1e-6 degrees, about 0.1 m), which :func:`point_from_text` reads back."""
    return f"{point.name} {POINT_SEPARATOR} {point.lat:.6f},{point.lon:.6f}"


@dataclass(frozen=True)
class PointFailure:
    """A point of a plan that could not be planned: its role, its number in its list, what it was, and why.

    ``number`` counts from 1 in the list the point was given in (the lines of a
    page's box, the ``--from`` options), or is None when it is not known.
    """

    role: str
    text: str
    reason: str
    number: int | None = None

    def describe(self) -> str:
        """``gathering point 2 'Rautatientoro': no place …`` for messages."""
        number = f" {self.number}" if self.number is not None else ""
        # the text is a stranger's: quoted, so a line break or a megabyte stays one short line
        return f"{self.role} point{number} {quote(self.text, most=80)}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form: role, number, text, reason."""
        return {"role": self.role, "number": self.number, "text": self.text, "reason": self.reason}


def points_from_text(texts: Iterable[str], resolve: Callable[[str], Place], *,
                     role: str) -> tuple[tuple[PlanPoint, ...], tuple[PointFailure, ...]]:
    """Points typed one per line (see :func:`point_from_text`): those found, and each one not found with why.

    One misspelt name then leaves out that point only, never the whole plan.

    Parameters
    ----------
    texts
        The points as typed; blank ones are skipped (and not numbered).
    resolve
        Finds a place from its text (e.g. a dataset's ``resolve``).
    role
        What the points are (``gathering``, ``via``, ``dispersal``), for the failures.
    """
    points: list[PlanPoint] = []
    failures: list[PointFailure] = []
    number = 0
    for text in texts:
        if not text.strip():
            continue
        number += 1
        try:
            points.append(point_from_text(text, resolve))
        except ExposureError as err:
            failures.append(PointFailure(role=role, text=text.strip(), reason=str(err), number=number))
    return tuple(points), tuple(failures)


@dataclass(frozen=True)
class PointLoad:
    """Points read from a file, and the rows that could not be used (row number, reason)."""

    points: tuple[PlanPoint, ...]
    rejected: tuple[tuple[int, str], ...]


def read_points(source: str | Path, *, data: bytes | None = None) -> PointLoad:
    """Read named points from a CSV (``name``, ``lat``, ``lon`` columns) or GeoJSON (Point features) file.

    Parameters
    ----------
    source
        The file, or its name when ``data`` gives its content (an upload).
    data
        The file's bytes, when it is not on disk.

    Returns
    -------
    PointLoad
        The good points and a report of the rows left out and why.

    Raises
    ------
    PlanError
        When the file cannot be read or holds no usable point.
    """
    where = Path(source).name if data is not None else str(source)
    raw = input_bytes(data if data is not None else source, where=where, what="points file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        msg = f"{where}: not UTF-8 text; points must be a CSV or GeoJSON file"
        raise PlanError(msg) from err
    if Path(where).suffix.lower() in (".geojson", ".json") or text.lstrip()[:1] in ("{", "["):
        points, rejected = _points_from_geojson(text, where=where)
    else:
        points, rejected = _points_from_csv(text, where=where)
    if not points:
        reasons = "; ".join(f"row {r}: {why}" for r, why in rejected[:3])
        msg = f"{where}: no usable point{(' (' + reasons + ')') if reasons else ''}"
        raise PlanError(msg)
    return PointLoad(points=tuple(points), rejected=tuple(rejected))


def _points_from_csv(text: str, *, where: str) -> tuple[list[PlanPoint], list[tuple[int, str]]]:
    check_csv_columns(text[: 1 << 20].encode("utf-8", "replace"), where=where, error=PlanError)
    dialect: type[csv.Dialect]
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    try:
        fieldnames = reader.fieldnames or []
        rows = list(itertools.islice(reader, settings.max_plan_points + 1))
    except csv.Error as err:
        msg = f"{where}: not valid CSV (line {reader.line_num}: {first_line(err)}); check the quoting"
        raise PlanError(msg) from err
    check_count(len(rows), where=where, setting="max_plan_points", what="points or more")
    lookup = {str(c).strip().lower(): c for c in fieldnames}
    lat_col = next((lookup[n] for n in LAT_NAMES if n in lookup), None)
    lon_col = next((lookup[n] for n in LON_NAMES if n in lookup), None)
    if lat_col is None or lon_col is None:
        msg = (f"{where}: no {'latitude' if lat_col is None else 'longitude'} column; name the columns name, lat, lon "
               f"(also accepted: {', '.join(LAT_NAMES)} / {', '.join(LON_NAMES)})")
        raise PlanError(msg)
    name_col = next((lookup[n] for n in NAME_KEYS if n in lookup), None)
    points, rejected = [], []
    for row_no, row in enumerate(rows, start=2):
        try:
            lat, lon = check_lat_lon(row.get(lat_col), row.get(lon_col), where=f"row {row_no}")
        except PlanError as err:
            rejected.append((row_no, str(err).split(": ", 1)[1]))
            continue
        name = str(row.get(name_col) or "").strip()[:NAME_CHARS] if name_col else ""
        points.append(PlanPoint(name=name or f"{lat:.5f}, {lon:.5f}", lon=lon, lat=lat))
    return points, rejected


def _points_from_geojson(text: str, *, where: str) -> tuple[list[PlanPoint], list[tuple[int, str]]]:
    try:
        data = json_loads(text)
    except JsonError as err:
        msg = f"{where}: not valid JSON ({err.detail})"
        raise PlanError(msg) from err
    features = geojson_features(data, where=where)
    check_count(len(features), where=where, setting="max_plan_points", what="features")
    points, rejected = [], []
    for number, feature in enumerate(features, start=1):
        geometry = feature.get("geometry") if isinstance(feature, Mapping) else None
        if not isinstance(geometry, Mapping) or geometry.get("type") != "Point":
            kind = geometry.get("type") if isinstance(geometry, Mapping) else "no geometry"
            rejected.append((number, f"a {kind}, not a Point"))
            continue
        coords = geometry.get("coordinates")
        try:
            if not isinstance(coords, list):
                raise TypeError(coords)
            lon_raw, lat_raw = coords[0], coords[1]
            lat, lon = check_lat_lon(lat_raw, lon_raw, where=f"feature {number}")
        except (TypeError, IndexError, KeyError):
            rejected.append((number, f"coordinates {quote(coords)} are not [lon, lat]"))
            continue
        except PlanError as err:
            rejected.append((number, str(err).split(": ", 1)[1]))
            continue
        points.append(PlanPoint(name=feature_name(feature) or f"{lat:.5f}, {lon:.5f}", lon=lon, lat=lat))
    return points, rejected
