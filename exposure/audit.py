"""Exposure of a walk someone already made: read a GPX/GeoJSON track and measure its time in view."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gpxpy
import gpxpy.gpx
import numpy as np
import pandas as pd
import pyproj

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
from exposure.cameras import FrtPolicy, describe_policies, select_cameras
from exposure.coverage import camera_geometry, candidate_pairs, coverage_settings, polyline_intervals, union_length
from exposure.network import local_crs

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "PER_CAMERA_COLUMNS", "TRACK_COLUMNS", "Audit", "Piece", "Track", "audit_track", "read_track", "read_track_bytes",
]

#: Columns of :attr:`Audit.per_camera`, in this order.
PER_CAMERA_COLUMNS: tuple[str, ...] = (
    "camera_id",
    "frt_capable",
    "frt_tier",
    "kind",
    "metres_in_view",
    "seconds_in_view",
)

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


#: Columns of :attr:`Audit.tracks`, in this order.
TRACK_COLUMNS: tuple[str, ...] = (
    "track",
    "name",
    "segments",
    "length_m",
    "cameras",
    "frt_cameras",
    "metres_in_view",
    "metres_in_view_any",
    "share_in_view",
    "seconds_in_view",
    "seconds_total",
)


@dataclass(frozen=True, eq=False)
class Audit:
    """How much of a track lies within view of cameras.

    ``cameras``/``camera_ids`` are the counted cameras whose view the track
    enters, in the order the walk meets them; ``frt_cameras``/``frt_camera_ids``
    those the FRT policy deems capable. ``metres_in_view`` is the length of the
    track within view of at least one FRT-capable camera (each metre once,
    however many cameras see it, but twice when the walk passes twice);
    ``metres_in_view_any`` the same for any counted camera. ``seconds_in_view``
    is the time spent within view of an FRT-capable camera, including time spent
    standing there, from timestamps interpolated linearly by distance; None when
    the track has no timestamps.

    A file of several tracks or segments is measured piece by piece, never
    across the gap between two pieces: the figures above are totals (lengths,
    metres and seconds summed over the pieces, each camera counted once however
    many pieces it sees); ``tracks`` has one row per track
    (:data:`TRACK_COLUMNS`; ``segments`` says how many unbroken lines it has),
    and ``notes`` says which pieces were too short to measure.
    """

    length_m: float
    cameras: int
    frt_cameras: int
    camera_ids: tuple[str, ...]
    frt_camera_ids: tuple[str, ...]
    metres_in_view: float
    metres_in_view_any: float
    share_in_view: float
    seconds_in_view: float | None
    seconds_total: float | None
    per_camera: pd.DataFrame
    settings: dict[str, Any]
    tracks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(TRACK_COLUMNS)))
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form: metres to 0.1 m, seconds to 0.1 s, no NaN."""
        rows = []
        for record in self.per_camera.to_dict(orient="records"):
            seconds = record["seconds_in_view"]
            rows.append({
                "camera_id": str(record["camera_id"]),
                "frt_capable": bool(record["frt_capable"]),
                "frt_tier": str(record["frt_tier"]),
                "kind": str(record["kind"]),
                "metres_in_view": round(float(record["metres_in_view"]), 1),
                "seconds_in_view": None if _missing(seconds) else round(float(seconds), 1),
            })
        return {
            "length_m": round(self.length_m, 1),
            "cameras": self.cameras,
            "frt_cameras": self.frt_cameras,
            "camera_ids": list(self.camera_ids),
            "frt_camera_ids": list(self.frt_camera_ids),
            "metres_in_view": round(self.metres_in_view, 1),
            "metres_in_view_any": round(self.metres_in_view_any, 1),
            "share_in_view": round(self.share_in_view, 4),
            "seconds_in_view": None if self.seconds_in_view is None else round(self.seconds_in_view, 1),
            "seconds_total": None if self.seconds_total is None else round(self.seconds_total, 1),
            "per_camera": rows,
            "settings": self.settings,
            "tracks": [_track_row(r) for r in self.tracks.to_dict(orient="records")],
            "notes": list(self.notes),
        }


def _track_row(record: dict[str, Any]) -> dict[str, Any]:
    def seconds(v: Any) -> float | None:
        return None if _missing(v) else round(float(v), 1)

    return {
        "track": int(record["track"]), "name": str(record["name"]), "segments": int(record["segments"]),
        "length_m": round(float(record["length_m"]), 1), "cameras": int(record["cameras"]),
        "frt_cameras": int(record["frt_cameras"]), "metres_in_view": round(float(record["metres_in_view"]), 1),
        "metres_in_view_any": round(float(record["metres_in_view_any"]), 1),
        "share_in_view": round(float(record["share_in_view"]), 4),
        "seconds_in_view": seconds(record["seconds_in_view"]), "seconds_total": seconds(record["seconds_total"]),
    }


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# --------------------------------------------------------------------------- reading tracks


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
    if not isinstance(data, Mapping):
        msg = f"{where}: GeoJSON must be an object with a 'type', not a {type(data).__name__}"
        raise TrackError(msg)
    kind = data.get("type")
    features: list[Mapping[str, Any]]
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
    elif kind == "Feature":
        if not isinstance(data.get("geometry"), Mapping):
            msg = f"{where}: Feature has no geometry; a track needs a LineString"
            raise TrackError(msg)
        features = [data]
    else:
        features = [{"type": "Feature", "properties": {}, "geometry": data}]
    coords: list[tuple[float, float]] = []
    pieces: list[Piece] = []
    all_times: list[np.ndarray | None] = []
    _check_points(sum(_positions(f.get("geometry")) for f in features), where=where)
    for i, feature in enumerate(features, start=1):
        properties = feature.get("properties") or {}
        if not isinstance(properties, Mapping):
            properties = {}
        geometry = feature["geometry"]
        gtype = geometry.get("type")
        if gtype not in _LINE_TYPES:
            msg = f"{where}: GeoJSON geometry is a {gtype!r}, not a LineString or MultiLineString"
            raise TrackError(msg)
        raw = geometry.get("coordinates")
        parts = [raw] if gtype == "LineString" else raw
        if not isinstance(parts, list) or not all(isinstance(part, list) for part in parts):
            msg = f"{where}: {gtype} 'coordinates' must be a list of [lon, lat] positions"
            raise TrackError(msg)
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


def _measurable(coordinates: np.ndarray) -> bool:
    """Whether a line has two distinct points, so that it has a length to measure."""
    return len(coordinates) >= 2 and len(np.unique(coordinates, axis=0)) >= 2


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
    if not any(_measurable(track.coordinates[span]) for _, span in pieces):
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


# --------------------------------------------------------------------------- measuring


def audit_track(
    track: Track | str | Path | Sequence[tuple[float, float]] | Mapping[str, Any],
    cameras: pd.DataFrame,
    *,
    frt_policy: str | Path | FrtPolicy = "default",
    verification: str | Iterable[str] = "default",
    radius_m: float | None = None,
) -> Audit:
    """Measure how much of a walked track lies within view of counted cameras.

    The view of each camera is clipped exactly along the track's segments
    (discs and sectors), not only tested at the recorded points.

    Parameters
    ----------
    track
        The track, or anything :func:`read_track` accepts (a plain list is
        **(lat, lon)** points).
    cameras
        Camera table (see :data:`exposure.cameras.CAMERA_COLUMNS`).
    frt_policy
        Which cameras count as FRT-capable (see :func:`exposure.cameras.frt_policy`).
    verification
        Which verification statuses are counted (see
        :func:`exposure.cameras.verification_policy`).
    radius_m
        Uniform disc radius overriding the per-kind coverage model.

    Returns
    -------
    Audit
        Length, cameras met, metres and seconds in view, per-camera figures and
        the settings behind them.
    """
    if not isinstance(track, Track):
        track = read_track(track)
    reach_m = radius_m if radius_m is not None else max(package_settings.radius_m_by_kind.values())
    selected = select_cameras(_within_reach(cameras, track.coordinates, reach_m=reach_m), frt_policy=frt_policy,
                              verification=verification)
    lon, lat = track.coordinates[:, 0], track.coordinates[:, 1]
    crs = local_crs(float(lon.mean()), float(lat.mean()))
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = to_xy.transform(lon, lat)
    xy = np.column_stack([np.asarray(x, float), np.asarray(y, float)])

    pieces = track.split()
    piece_of = np.zeros(len(xy), dtype=np.int64)
    notes = []
    for k, (piece, span) in enumerate(pieces):
        piece_of[span] = k
        if not _measurable(track.coordinates[span]):
            n = span.stop - span.start
            notes.append(f"{_piece_name(piece, pieces)}: {n} point{'' if n == 1 else 's'}, no line to measure; "
                         "left out")
    # one axis of metres walked for the whole file, but no step across the gap between two pieces
    step = np.hypot(*np.diff(xy, axis=0).T)
    step[piece_of[:-1] != piece_of[1:]] = 0.0
    cum = np.concatenate([[0.0], np.cumsum(step)])  # metres walked at each point
    moving = np.flatnonzero(step > 0)
    seg_a, seg_b = xy[moving], xy[moving + 1]
    cams = camera_geometry(selected, crs, radius_m=radius_m)
    s, c, t0, t1 = polyline_intervals(seg_a, seg_b, cams, pairs=candidate_pairs(seg_a, seg_b, cams))
    point = moving[s]
    start = cum[point] + t0 * step[point]
    end = cum[point] + t1 * step[point]

    n_cams = len(selected)
    frt = selected["frt_capable"].to_numpy(dtype=bool)
    per_m = union_length(*_by_camera(c, start, end), n_groups=n_cams)

    secs = None
    seconds_total = None
    per_s = np.full(n_cams, np.nan)
    t_start = t_end = np.zeros(0)
    if track.times is not None:
        secs, seconds_total = _walking_seconds(track.times, pieces)
        t_start, t_end = _seconds_at(start, cum, secs, side="first"), _seconds_at(end, cum, secs, side="last")
        per_s = union_length(*_by_camera(c, t_start, t_end), n_groups=n_cams)

    def measure(pick: np.ndarray) -> dict[str, Any]:
        """Figures over the intervals picked (one track, or all of them)."""
        zeros = np.zeros(int(pick.sum()), dtype=np.int64)
        frt_pick = frt[c[pick]]
        met = set(c[pick].tolist())
        seen_s = None
        if secs is not None:
            seen_s = float(union_length(zeros[frt_pick], t_start[pick][frt_pick], t_end[pick][frt_pick],
                                        n_groups=1)[0])
        return {
            "cameras": len(met), "frt_cameras": sum(1 for k in met if frt[k]),
            "metres_in_view": float(union_length(zeros[frt_pick], start[pick][frt_pick], end[pick][frt_pick],
                                                 n_groups=1)[0]),
            "metres_in_view_any": float(union_length(zeros, start[pick], end[pick], n_groups=1)[0]),
            "seconds_in_view": seen_s,
        }

    total = measure(np.ones(len(c), dtype=bool))

    # cameras in the order the walk first meets them
    first_seen: dict[int, float] = {}
    for cam, m in zip(c.tolist(), start.tolist(), strict=True):
        first_seen[cam] = min(m, first_seen.get(cam, math.inf))
    seen = np.array(sorted(first_seen, key=lambda k: (first_seen[k], k)), dtype=np.int64)
    ids = selected["camera_id"].astype(str).to_numpy()
    seen_frt = seen[frt[seen]]
    per_camera = pd.DataFrame({
        "camera_id": ids[seen],
        "frt_capable": frt[seen],
        "frt_tier": selected["frt_tier"].astype(str).to_numpy()[seen],
        "kind": selected["kind"].astype(str).to_numpy()[seen],
        "metres_in_view": per_m[seen],
        "seconds_in_view": per_s[seen],
    }, columns=list(PER_CAMERA_COLUMNS))
    per_camera = per_camera.sort_values("metres_in_view", ascending=False, kind="stable").reset_index(drop=True)

    tracks = _per_track(pieces, piece_of, step, point, secs, measure,
                        measurable=[_measurable(track.coordinates[span]) for _, span in pieces])
    length = float(cum[-1])
    return Audit(
        length_m=length,
        cameras=len(seen),
        frt_cameras=len(seen_frt),
        camera_ids=tuple(ids[seen]),
        frt_camera_ids=tuple(ids[seen_frt]),
        metres_in_view=total["metres_in_view"],
        metres_in_view_any=total["metres_in_view_any"],
        share_in_view=total["metres_in_view"] / length if length > 0 else 0.0,
        seconds_in_view=total["seconds_in_view"],
        seconds_total=seconds_total,
        per_camera=per_camera,
        settings={
            "policies": describe_policies(frt_policy, verification),
            "coverage": coverage_settings(radius_m=radius_m),
        },
        tracks=tracks,
        notes=tuple(notes),
    )


def _piece_name(piece: Piece, pieces: list[tuple[Piece, slice]]) -> str:
    """"track 2" or "track 2, segment 3" (when that track has several), with the track's name."""
    several = sum(1 for p, _ in pieces if p.track == piece.track) > 1
    name = f" ({piece.name})" if piece.name else ""
    return f"track {piece.track}{name}" + (f", segment {piece.segment}" if several else "")


def _walking_seconds(times: np.ndarray, pieces: list[tuple[Piece, slice]]) -> tuple[np.ndarray, float]:
    """Seconds at each point on one clock that stops between pieces, and the seconds recorded in all."""
    raw = times.astype(np.int64).astype(float)
    secs = np.zeros(len(raw))
    offset = 0.0
    for _, span in pieces:
        if span.stop > span.start:
            rel = raw[span] - raw[span.start]
            secs[span] = offset + rel
            offset += float(rel[-1])
    return secs, offset


def _per_track(pieces: list[tuple[Piece, slice]], piece_of: np.ndarray, step: np.ndarray, point: np.ndarray,
               secs: np.ndarray | None, measure: Any, *, measurable: list[bool]) -> pd.DataFrame:
    """One row per track of the file that has a line to measure (its segments measured one by one)."""
    track_of_piece = np.array([p.track for p, _ in pieces])
    track_of_point = track_of_piece[piece_of]
    pieces_of: dict[int, list[int]] = {}
    for k, (p, _) in enumerate(pieces):
        pieces_of.setdefault(p.track, []).append(k)
    rows = []
    for number in sorted(pieces_of):
        mine = pieces_of[number]
        if not any(measurable[k] for k in mine):
            continue
        pick = track_of_point[point] == number
        length = float(step[track_of_point[:-1] == number].sum())
        figures = measure(pick)
        seconds_total = None
        if secs is not None:
            seconds_total = float(sum(secs[pieces[k][1]][-1] - secs[pieces[k][1]][0] for k in mine))
        rows.append({
            "track": number, "name": pieces[mine[0]][0].name, "segments": len(mine), "length_m": length,
            "cameras": figures["cameras"], "frt_cameras": figures["frt_cameras"],
            "metres_in_view": figures["metres_in_view"], "metres_in_view_any": figures["metres_in_view_any"],
            "share_in_view": figures["metres_in_view"] / length if length > 0 else 0.0,
            "seconds_in_view": figures["seconds_in_view"], "seconds_total": seconds_total,
        })
    return pd.DataFrame(rows, columns=list(TRACK_COLUMNS))


def _within_reach(cameras: pd.DataFrame, coordinates: np.ndarray, *, reach_m: float) -> pd.DataFrame:
    """The cameras inside the track's box widened by ``reach_m``: no other camera can see the track.

    A city's camera table can hold hundreds of thousands of rows; policies and the
    projection then run on the few near the walk only.
    """
    if cameras.empty:
        return cameras
    lon, lat = coordinates[:, 0], coordinates[:, 1]
    margin_lat = 1.01 * reach_m / 110_574.0 + 1e-6
    widest = min(89.0, float(np.abs(lat).max()) + margin_lat)
    margin_lon = 1.01 * reach_m / (111_320.0 * math.cos(math.radians(widest))) + 1e-6
    c_lon, c_lat = cameras["lon"].to_numpy(dtype=float), cameras["lat"].to_numpy(dtype=float)
    near = ((c_lon >= lon.min() - margin_lon) & (c_lon <= lon.max() + margin_lon)
            & (c_lat >= lat.min() - margin_lat) & (c_lat <= lat.max() + margin_lat))
    return cameras[near]


def _by_camera(camera: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, ...]:
    """Intervals sorted by camera, as :func:`union_length` wants its groups."""
    order = np.argsort(camera, kind="stable")
    return camera[order], start[order], end[order]


def _seconds_at(metres: np.ndarray, cum: np.ndarray, secs: np.ndarray, *, side: str) -> np.ndarray:
    """Seconds since the start when the walker was ``metres`` along the track.

    Between points time runs linearly with distance. Where the walker stood still
    (several points at one distance), ``side="first"`` gives the arrival and
    ``"last"`` the departure, so that an interval in view includes the time spent
    standing at its ends: standing inside a camera's view is time in view.
    """
    where = np.unique(cum)
    arrive = secs[np.searchsorted(cum, where, side="left")]
    leave = secs[np.searchsorted(cum, where, side="right") - 1]
    k = np.clip(np.searchsorted(where, metres, side="left"), 1, len(where) - 1)
    lo, hi = where[k - 1], where[k]
    frac = np.clip((metres - lo) / (hi - lo), 0.0, 1.0)
    between = leave[k - 1] + frac * (arrive[k] - leave[k - 1])
    tol = 1e-9 * max(float(cum[-1]), 1.0)
    at_lo = np.abs(metres - lo) <= tol
    at_hi = np.abs(metres - hi) <= tol
    if side == "first":
        return np.where(at_lo, arrive[k - 1], np.where(at_hi, arrive[k], between))
    return np.where(at_hi, leave[k], np.where(at_lo, leave[k - 1], between))
