"""Walks someone already made: read a GPX or GeoJSON track, its tracks and segments, and check it is a walk."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gpxpy
import gpxpy.gpx
import numpy as np

from exposure import settings as package_settings
from exposure._errors import TrackError
from exposure._parse import (
    JsonError,
    as_number,
    bad_lon_lat,
    check_size,
    first_line,
    json_loads,
    limit_message,
    quote,
    read_limited,
    refuse_dtd,
    to_float,
    utc_datetime64,
)
from exposure.audit._lines import measurable

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["Piece", "Track", "read_track", "read_track_bytes"]

_LINE_TYPES = ("LineString", "MultiLineString")


@dataclass(frozen=True)
class Piece:
    """Where one unbroken line of a track starts, and which track and segment of the file it is.

    A GPX file holds tracks (``<trk>``), each of one or more segments
    (``<trkseg>``); a GeoJSON FeatureCollection holds line features, a
    MultiLineString several lines. Between two pieces the walker was not
    recorded: nothing is measured across that gap.
    """

    start: int
    track: int
    segment: int
    name: str


@dataclass(frozen=True, eq=False)
class Track:
    """A walked line, or several (the tracks and segments of one file).

    Attributes
    ----------
    coordinates
        Points as ``(lon, lat)`` rows, shape (N, 2), in file order.
    times
        ``datetime64[s]`` (UTC) per point, or None when the track has no
        timestamps (or not on every point).
    name
        The track's name, or ``""`` (the first track's, for a file of several).
    source
        Where it was read from (a path, or a description).
    pieces
        The unbroken lines, in order (see :class:`Piece`); empty means one line
        made of every point.
    """

    coordinates: np.ndarray
    times: np.ndarray | None
    name: str
    source: str
    pieces: tuple[Piece, ...] = ()

    def split(self) -> list[tuple[Piece, slice]]:
        """Each unbroken line and the slice of :attr:`coordinates` (and :attr:`times`) it spans."""
        pieces = self.pieces or (Piece(start=0, track=1, segment=1, name=self.name),)
        ends = [p.start for p in pieces[1:]] + [len(self.coordinates)]
        return [(p, slice(p.start, end)) for p, end in zip(pieces, ends, strict=True)]

def read_track(source: str | Path | Sequence[tuple[float, float]] | Mapping[str, Any]) -> Track:
    """Read a walked track.

    Parameters
    ----------
    source
        A GPX file (every ``<trk>`` segment in file order; if it has no track
        points, the ``<rte>`` points), a GeoJSON file or a GeoJSON object
        (``LineString``, ``MultiLineString``, or a ``Feature``/``FeatureCollection``
        holding exactly one such line; coordinates ``[lon, lat]``), or a list of
        points given as **(lat, lon)** pairs, the order people type them in
        (and the order of a map's "copy coordinates"), unlike GeoJSON.

    Returns
    -------
    Track
        The points as ``(lon, lat)`` and their times when every point has one.

    Raises
    ------
    TrackError
        When the file is missing or cannot be parsed, holds no line, has a
        coordinate out of range, timestamps that go backwards, or fewer than
        two distinct points. The message names the file and the problem.
    """
    if isinstance(source, (str, Path)):
        track = _read_track_file(Path(source))
    elif isinstance(source, Mapping):
        track = _track_from_geojson(source, where="GeoJSON object")
    elif isinstance(source, (Sequence, np.ndarray)):
        track = _track_from_points(source)
    else:
        msg = (
            f"cannot read a track from a {type(source).__name__}; "
            "give a GPX or GeoJSON path, a GeoJSON dict, or a list of (lat, lon) points"
        )
        raise TrackError(msg)
    _check_track(track)
    return track


def _read_track_file(path: Path) -> Track:
    raw = read_limited(path, setting="max_track_file_mb", what="track file", error=TrackError)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        msg = f"{path}: not UTF-8 text ({first_line(err)}); a track must be a GPX or GeoJSON file"
        raise TrackError(msg) from err
    return _track_from_text(text, suffix=path.suffix.lower(), where=str(path))


def read_track_bytes(data: bytes, *, name: str) -> Track:
    """Read a walked track from the bytes of a GPX or GeoJSON file, e.g. an upload, without writing it anywhere.

    Parameters
    ----------
    data
        The file's content.
    name
        The file's name: its extension chooses the format as :func:`read_track`'s
        does, and messages name it.

    Returns
    -------
    Track
        As :func:`read_track` returns it.

    Raises
    ------
    TrackError
        As :func:`read_track` raises it, naming ``name``.
    """
    check_size(len(data), where=name, setting="max_track_file_mb", what="track file", error=TrackError)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        msg = f"{name}: not UTF-8 text ({first_line(err)}); a track must be a GPX or GeoJSON file"
        raise TrackError(msg) from err
    track = _track_from_text(text, suffix=Path(name).suffix.lower(), where=name)
    _check_track(track)
    return track


def _track_from_text(text: str, *, suffix: str, where: str) -> Track:
    head = text.lstrip()[:1]
    if suffix in (".geojson", ".json") or (suffix != ".gpx" and head in ("{", "[")):
        try:
            data = json_loads(text)
        except JsonError as err:
            msg = f"{where}: not valid JSON ({err.detail}); fix or re-export it"
            raise TrackError(msg) from err
        return _track_from_geojson(data, where=where)
    return _track_from_gpx(text, where=where)


#: What gpxpy raises on a file it cannot read, besides its own GPXException: it parses on trust.
_GPX_FAILURES = (ValueError, TypeError, AttributeError, LookupError, IndexError, KeyError, ArithmeticError,
                 RecursionError)


def _track_from_gpx(text: str, *, where: str) -> Track:
    refuse_dtd(text, where=where, error=TrackError)
    # counted in the text, before gpxpy makes an object of every point
    _check_points(text.count("<trkpt") + text.count("<rtept"), where=where)
    try:
        gpx = gpxpy.parse(text)
    except gpxpy.gpx.GPXXMLSyntaxException as err:
        msg = f"{where}: not valid XML ({first_line(err)}); fix the file or export the GPX again"
        raise TrackError(msg) from err
    except (gpxpy.gpx.GPXException, *_GPX_FAILURES) as err:
        msg = f"{where}: not a readable GPX file ({first_line(err)}); export the walk again as GPX 1.1"
        raise TrackError(msg) from err
    points: list[Any] = []
    pieces: list[Piece] = []
    for i, trk in enumerate(gpx.tracks, start=1):
        for j, seg in enumerate(trk.segments, start=1):
            if seg.points:
                pieces.append(Piece(start=len(points), track=i, segment=j, name=trk.name or ""))
                points.extend(seg.points)
    name = next((t.name for t in gpx.tracks if t.name), "")
    if not points:  # a planned route instead of a recorded track
        for i, rte in enumerate(gpx.routes, start=1):
            if rte.points:
                pieces.append(Piece(start=len(points), track=i, segment=1, name=rte.name or ""))
                points.extend(rte.points)
        name = next((r.name for r in gpx.routes if r.name), "")
    if not points:
        extra = f" (only {len(gpx.waypoints)} <wpt> waypoints, which have no order)" if gpx.waypoints else ""
        msg = f"{where}: no <trkpt> or <rtept> points{extra}; a track needs a recorded or planned line"
        raise TrackError(msg)
    coords = np.array([[to_float(p.longitude), to_float(p.latitude)] for p in points], dtype=float)
    stamps = [p.time for p in points]
    times = None
    if all(t is not None for t in stamps):
        times = np.array([_utc_naive(t) for t in stamps], dtype="datetime64[s]")
    return Track(coordinates=coords, times=times, name=str(name or ""), source=where, pieces=tuple(pieces))


def _utc_naive(moment: datetime) -> np.datetime64:
    """UTC seconds of a timestamp, for any year (``0001-01-01T00:00+05:00`` too)."""
    return utc_datetime64(moment)


def _check_points(n: int, *, where: str) -> None:
    if n > package_settings.max_track_points:
        msg = limit_message(f"{where}: {n:,} points", "max_track_points", "split the track or thin it out")
        raise TrackError(msg)


def _track_from_geojson(data: Any, *, where: str) -> Track:
    """Every line of a GeoJSON object: each line feature a track, each part of a MultiLineString a segment."""
    features = _line_features(data, where=where)
    coords: list[tuple[float, float]] = []
    pieces: list[Piece] = []
    all_times: list[np.ndarray | None] = []
    _check_points(sum(_positions(f.get("geometry")) for f in features), where=where)
    for i, feature in enumerate(features, start=1):
        properties = feature.get("properties") or {}
        if not isinstance(properties, Mapping):
            properties = {}
        gtype, parts = _line_parts(feature["geometry"], where=where)
        first = len(coords)
        for j, part in enumerate(parts, start=1):
            if part:
                pieces.append(Piece(start=len(coords), track=i, segment=j, name=str(properties.get("name") or "")))
            for k, position in enumerate(part, start=1):
                at = f" (feature {i}, line {j}, position {k})" if gtype == "MultiLineString" else \
                    f" (feature {i}, position {k})"
                if not (isinstance(position, list) and len(position) >= 2):
                    msg = f"{where}: position {quote(position)} is not [lon, lat]{at}"
                    raise TrackError(msg)
                coords.append(_number_pair(position[0], position[1], where=where, order="lon, lat", at=at))
        all_times.append(_geojson_times(properties.get("coordTimes"), gtype, len(coords) - first))
    times = (np.concatenate([t for t in all_times if t is not None])
             if all_times and all(t is not None for t in all_times) else None)
    name = next((p.name for p in pieces if p.name), "")
    return Track(coordinates=np.array(coords, dtype=float).reshape(-1, 2), times=times, name=name, source=where,
                 pieces=tuple(pieces))


def _line_features(data: Any, *, where: str) -> list[Mapping[str, Any]]:
    """The features of a GeoJSON object that may hold a track: its line features, or the object as one."""
    if not isinstance(data, Mapping):
        msg = f"{where}: GeoJSON must be an object with a 'type', not a {type(data).__name__}"
        raise TrackError(msg)
    kind = data.get("type")
    if kind == "FeatureCollection":
        listed = data.get("features")
        if not isinstance(listed, list):
            msg = f"{where}: FeatureCollection without a 'features' list"
            raise TrackError(msg)
        features = [
            f for f in listed
            if isinstance(f, Mapping) and isinstance(f.get("geometry"), Mapping)
            and f["geometry"].get("type") in _LINE_TYPES
        ]
        if not features:
            msg = (f"{where}: FeatureCollection holds no LineString or MultiLineString feature "
                   f"({len(listed)} feature(s) of other types); a track needs a line")
            raise TrackError(msg)
        return features
    if kind == "Feature":
        if not isinstance(data.get("geometry"), Mapping):
            msg = f"{where}: Feature has no geometry; a track needs a LineString"
            raise TrackError(msg)
        return [data]
    return [{"type": "Feature", "properties": {}, "geometry": data}]


def _line_parts(geometry: Mapping[str, Any], *, where: str) -> tuple[str, list[Any]]:
    """A line geometry's type and its lines (one for a LineString), each a list of positions not yet read."""
    gtype = geometry.get("type")
    if gtype not in _LINE_TYPES:
        msg = f"{where}: GeoJSON geometry is a {gtype!r}, not a LineString or MultiLineString"
        raise TrackError(msg)
    raw = geometry.get("coordinates")
    parts = [raw] if gtype == "LineString" else raw
    if not isinstance(parts, list) or not all(isinstance(part, list) for part in parts):
        msg = f"{where}: {gtype} 'coordinates' must be a list of [lon, lat] positions"
        raise TrackError(msg)
    return str(gtype), parts


def _positions(geometry: Any) -> int:
    """How many positions a line geometry lists (0 for anything else), counted before any is read."""
    if not isinstance(geometry, Mapping):
        return 0
    raw = geometry.get("coordinates")
    if not isinstance(raw, list):
        return 0
    if geometry.get("type") == "MultiLineString":
        return sum(len(part) for part in raw if isinstance(part, list))
    return len(raw)


def _geojson_times(raw: Any, gtype: str, n: int) -> np.ndarray | None:
    """Times from the ``coordTimes`` property that GPX-to-GeoJSON converters write, if usable."""
    if not isinstance(raw, list):
        return None
    if gtype == "MultiLineString":
        if not all(isinstance(part, list) for part in raw):
            return None
        flat = [t for part in raw for t in part]
    else:
        flat = raw
    if len(flat) != n or not all(isinstance(t, str) and len(t) <= 64 for t in flat):
        return None
    try:
        return np.array([_utc_naive(datetime.fromisoformat(t)) for t in flat], dtype="datetime64[s]")
    except (TypeError, ValueError, OverflowError):
        return None


def _track_from_points(points: Iterable[Any]) -> Track:
    if isinstance(points, Sequence | np.ndarray):
        _check_points(len(points), where="list of (lat, lon) points")
    coords = []
    for number, point in enumerate(points, start=1):
        try:
            lat, lon = point
        except (TypeError, ValueError) as err:
            msg = f"point {number} of the list is {point!r}, not a (lat, lon) pair"
            raise TrackError(msg) from err
        where = f"point {number} of the list"
        lat_f, lon_f = _number_pair(lat, lon, where=where, order="lat, lon")
        coords.append((lon_f, lat_f))
    return Track(
        coordinates=np.array(coords, dtype=float).reshape(-1, 2), times=None, name="",
        source="list of (lat, lon) points",
    )


def _number_pair(first: Any, second: Any, *, where: str, order: str, at: str = "") -> tuple[float, float]:
    """Check one position; ``order`` says which of lon/lat comes first, ``at`` where it is, for the message."""
    a, b = as_number(first), as_number(second)
    if a is None or b is None:
        msg = f"{where}: ({quote(first)}, {quote(second)}) is not a pair of numbers ({order}){at}"
        raise TrackError(msg)
    lat, lon = (a, b) if order == "lat, lon" else (b, a)
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        hint = ""
        if abs(lat) > 90 and abs(lon) <= 90:
            hint = f"; it looks swapped: give ({order})"
        msg = f"{where}: ({quote(a)}, {quote(b)}) is out of range as ({order}){at}{hint}"
        raise TrackError(msg)
    return a, b


def _length_km(track: Track) -> float:
    """Length along the track on the sphere, piece by piece (never across the gap between two pieces)."""
    lon, lat = np.radians(track.coordinates[:, 0]), np.radians(track.coordinates[:, 1])
    total = 0.0
    for _, span in track.split():
        a, b = lat[span], lon[span]
        if len(a) < 2:
            continue
        h = np.sin(np.diff(a) / 2) ** 2 + np.cos(a[:-1]) * np.cos(a[1:]) * np.sin(np.diff(b) / 2) ** 2
        total += float(np.sum(2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))))
    return total


def _check_track(track: Track) -> None:
    """Refuse a track that is no walk (out-of-range points, too few, too many, too long) before any work."""
    _check_points(len(track.coordinates), where=track.source)
    pieces = track.split()
    if len(pieces) > package_settings.max_track_segments:
        msg = limit_message(f"{track.source}: {len(pieces):,} tracks and segments", "max_track_segments",
                            "join the segments or split the file")
        raise TrackError(msg)
    lon, lat = track.coordinates[:, 0], track.coordinates[:, 1]
    wrong = np.flatnonzero(bad_lon_lat(lon, lat))
    if len(wrong):
        i = int(wrong[0])
        msg = (f"{track.source}: point {i + 1} (lon {quote(float(lon[i]))}, lat {quote(float(lat[i]))}) is not a "
               "valid WGS84 position (longitude within ±180, latitude within ±90); fix or remove it")
        raise TrackError(msg)
    km = _length_km(track)
    if km > package_settings.max_track_km:
        msg = limit_message(f"{track.source}: {km:,.0f} km long", "max_track_km",
                            "audit a walk, or split the file into walks", unit=" km")
        raise TrackError(msg)
    distinct = np.unique(track.coordinates, axis=0) if len(track.coordinates) else track.coordinates
    if len(distinct) < 2:
        msg = (
            f"{track.source}: {len(track.coordinates)} point(s), {len(distinct)} distinct; "
            "a track needs at least two distinct points"
        )
        raise TrackError(msg)
    if not any(measurable(track.coordinates[span]) for _, span in pieces):
        msg = (f"{track.source}: none of its {len(pieces)} tracks or segments has two distinct points; a track "
               "needs a line, and the gaps between separate tracks are not walked")
        raise TrackError(msg)
    if track.times is not None:
        for _, span in pieces:  # a new track may start before the last ended: times only run on within one
            back = np.flatnonzero(np.diff(track.times[span].astype(np.int64)) < 0)
            if len(back):
                i = span.start + int(back[0]) + 1
                msg = (
                    f"{track.source}: timestamps go backwards at point {i + 1} "
                    f"({track.times[i]} after {track.times[i - 1]}); fix the times or remove them"
                )
                raise TrackError(msg)

