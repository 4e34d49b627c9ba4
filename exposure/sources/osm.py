"""OpenStreetMap cameras: ``man_made=surveillance`` nodes from PBF, OSM XML, Overpass JSON or GeoJSON."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from google.protobuf.message import DecodeError

from exposure import settings
from exposure._errors import CameraDataError
from exposure._io import check_file, check_rows, looks_like_pbf, read_head, read_json
from exposure._parse import first_line, limit_message, parse_directions, parse_heights, refuse_dtd, to_float
from exposure.osm_features import SurveillanceObject
from exposure.osm_scan import scan_surveillance
from exposure.schema import CAMERA_COLUMNS, CameraLoad
from exposure.sources._common import (
    CAMERA_FILE,
    KEPT,
    GeoPoint,
    camera_frame,
    clip,
    finish,
    geojson_points,
    problem,
    rejected_frame,
)

__all__ = [
    "cameras_from_osm",
    "cameras_from_osm_elements",
    "cameras_from_osm_objects",
    "cameras_from_osm_points",
    "cameras_from_overpass",
]

#: One OSM object: (osm id such as "node/123", lon, lat, tags).
_OsmElement = tuple[str | int, float, float, Mapping[str, str]]

_OSM_CAMERA_TYPE = {"dome": "dome", "fixed": "fixed", "panning": "ptz", "ptz": "ptz"}
_OSM_MOUNT = {
    "pole": "street",
    "street_lamp": "street",
    "street_light": "street",
    "traffic_signals": "street",
    "gantry": "street",
    "wall": "building",
    "building": "building",
    "ceiling": "building",
    "facade": "building",
}
_OSM_OPERATOR_TYPE = {
    "public": "public",
    "government": "public",
    "private": "private",
    "commercial": "private",
}


def cameras_from_osm(path: str | Path) -> CameraLoad:
    """Read ``man_made=surveillance`` nodes from an OSM PBF, OSM XML, Overpass JSON or GeoJSON file.

    Parameters
    ----------
    path
        The file; its kind is told from the name (``.pbf``) or the content.

    Returns
    -------
    CameraLoad
        The cameras (see :func:`cameras_from_osm_elements` for the tag rules).

    Raises
    ------
    CameraDataError
        When the file cannot be read or holds no usable camera node.
    """
    path = check_file(path, kind=CAMERA_FILE)
    head = read_head(path, kind=CAMERA_FILE).lstrip(b"\xef\xbb\xbf").lstrip()
    if path.name.lower().endswith(".pbf") or not (head.startswith((b"<", b"{"))):
        return _cameras_from_osm_pbf(path)
    if head.startswith(b"<"):
        return _cameras_from_osm_xml(path)
    data = read_json(path, kind=CAMERA_FILE)
    if isinstance(data, dict) and "elements" in data:
        return cameras_from_overpass(data, source=str(path))
    points, problems = geojson_points(data, path=path)
    return cameras_from_osm_points(points, problems, path=path)


#: Largest BlobHeader and blob the PBF format allows, in bytes.
_PBF_MAX_HEADER, _PBF_MAX_BLOB = 64 * 1024, 32 * 1024 * 1024


def _check_pbf(path: Path) -> None:
    """Walk a PBF's blob headers: refuse a broken frame, or more decompressed data than ``max_pbf_decoded_mb``."""
    from pyrosm.proto import fileformat_pb2  # noqa: PLC0415 - pyrosm's own message classes

    limit = settings.max_pbf_decoded_mb * 1e6
    total = 0
    try:
        with path.open("rb") as handle:
            while size := handle.read(4):
                length = int.from_bytes(size, "big")
                if len(size) < 4 or length > _PBF_MAX_HEADER:
                    msg = f"a blob header of {length:,} bytes at byte {handle.tell() - len(size):,}"
                    raise ValueError(msg)
                header = fileformat_pb2.BlobHeader.FromString(handle.read(length))
                if header.datasize > _PBF_MAX_BLOB:
                    msg = f"a blob of {header.datasize:,} bytes, over the format's 32 MiB"
                    raise ValueError(msg)
                blob = fileformat_pb2.Blob.FromString(handle.read(header.datasize))
                total += blob.raw_size if blob.HasField("raw_size") else len(blob.raw)
                if total > limit:
                    msg = limit_message(f"camera file {path} decompresses to more than {total / 1e6:,.0f} MB",
                                        "max_pbf_decoded_mb", "cut the extract to your area", unit=" MB")
                    raise CameraDataError(msg)
    except CameraDataError:
        raise
    except (DecodeError, ValueError, OSError) as err:
        msg = (f"camera file {path} cannot be read as OSM PBF ({first_line(err)}); check that it is a .osm.pbf "
               "extract and download it again")
        raise CameraDataError(msg) from err


def _cameras_from_osm_pbf(path: Path) -> CameraLoad:
    if not path.name.lower().endswith(".pbf"):
        # a PBF under another name is most likely a mistake; the name says what a file is
        what = "looks like an OSM PBF" if looks_like_pbf(read_head(path, kind=CAMERA_FILE)) else "is not text"
        msg = f"camera file {path} {what}; rename it to end in .osm.pbf (or export cameras as CSV/GeoJSON)"
        raise CameraDataError(msg)
    _check_pbf(path)
    try:
        found = scan_surveillance(path, error=CameraDataError)
    except CameraDataError as err:
        msg = f"camera file {path} cannot be read as OSM PBF ({first_line(err.__cause__ or err)}); check that it " \
              "is a .osm.pbf extract"
        raise CameraDataError(msg) from err
    return cameras_from_osm_objects(found, source=str(path))


def cameras_from_osm_objects(objects: Sequence[SurveillanceObject], *, source: str) -> CameraLoad:
    """Cameras from the ``man_made=surveillance`` objects an OSM file holds, as osmium read them.

    Parameters
    ----------
    objects
        The objects, in file order (:func:`exposure.osm_scan.scan_surveillance`, or
        ``surveillance`` of :func:`exposure.osm_scan.scan_osm_file`); a way or a
        relation is reported, not read.
    source
        The file they came from, named in the report and the messages.

    Returns
    -------
    CameraLoad
        The cameras (see :func:`cameras_from_osm_elements` for the tag rules).

    Raises
    ------
    CameraDataError
        When there is no camera object, or too many.
    """
    if not objects:
        msg = f"{source}: no man_made=surveillance nodes in this OSM extract; cameras must be mapped as such nodes"
        raise CameraDataError(msg)
    check_rows(len(objects), source=source, what="man_made=surveillance objects", kind=CAMERA_FILE)
    return _finish_osm([(f"{o.osm_type}/{o.osm_id}", o.lon, o.lat, o.tags) for o in objects], source=source)


#: A ``lat``/``lon`` attribute that osmium reads exactly as Python reads it: a plain decimal with at most
#: seven decimals (OSM's precision). Any other value (exponents, NaN, spaces, more decimals) is read
#: by the slower exact reader, which reports it where osmium would round it or read it as 0.
_ODD_COORDINATE = re.compile(rb"""\b(?:lat|lon)\s*=\s*(?!(["'])-?\d{1,3}(?:\.\d{1,7})?\1)""")
_OSM_ROOT = re.compile(rb"""^(?:<\?xml[^>]*\?>|<!--.*?-->|\s)*<osm[\s>]""", re.DOTALL)


def _fast_xml_objects(path: Path, data: bytes) -> list[SurveillanceObject] | None:
    """The camera objects of plain OSM XML read by osmium, or None when the exact reader must read the file."""
    if not _OSM_ROOT.match(data) or _ODD_COORDINATE.search(data):
        return None
    try:
        found = scan_surveillance(path, error=CameraDataError)
    except CameraDataError:
        return None  # the exact reader says where the file is broken
    if any(o.osm_id == 0 or (o.osm_type == "node" and not (math.isfinite(o.lon) and math.isfinite(o.lat)))
           for o in found):
        return None  # a node without id or position: the exact reader reports the value it holds
    return found


def _cameras_from_osm_xml(path: Path) -> CameraLoad:
    try:
        with path.open("rb") as handle:
            data = handle.read()
    except OSError as err:
        msg = f"camera file {path} cannot be read ({first_line(err)}); check its permissions"
        raise CameraDataError(msg) from err
    refuse_dtd(data, where=f"camera file {path}", error=CameraDataError)
    found = _fast_xml_objects(path, data)
    del data
    if found is not None:
        if not found:
            msg = (f"{path}: no man_made=surveillance objects found; "
                   "cameras must be mapped as man_made=surveillance nodes")
            raise CameraDataError(msg)
        check_rows(len(found), source=str(path), what="man_made=surveillance objects", kind=CAMERA_FILE)
        return _finish_osm([(f"{o.osm_type}/{o.osm_id}", o.lon, o.lat, o.tags) for o in found], source=str(path))
    return _cameras_from_osm_xml_exactly(path)


def _cameras_from_osm_xml_exactly(path: Path) -> CameraLoad:
    """Read OSM XML element by element: every odd value reported where it is, at Python's precision."""
    elements: list[_OsmElement] = []
    objects = 0
    root_seen = False
    try:
        for event, elem in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if elem.tag != "osm":
                        msg = (
                            f"camera file {path} is XML with root <{clip(elem.tag, 40)}>, not an OSM file (<osm>); "
                            "export it from OSM or Overpass as .osm"
                        )
                        raise CameraDataError(msg)
                continue
            if elem.tag in ("node", "way", "relation"):
                objects += 1
                tags = {str(t.get("k", "")): str(t.get("v", "")) for t in elem.iter("tag")}
                if tags.get("man_made") == "surveillance":
                    lon, lat = to_float(elem.get("lon")), to_float(elem.get("lat"))
                    elements.append((f"{elem.tag}/{clip(elem.get('id', '?'), 40)}", lon, lat, tags))
                    check_rows(len(elements), source=str(path), what="man_made=surveillance objects", kind=CAMERA_FILE)
                elem.clear()
    except ET.ParseError as err:
        line, column = err.position
        msg = (
            f"camera file {path} is not valid XML (line {line}, column {column}: {first_line(err)}); "
            "fix the file or export it again"
        )
        raise CameraDataError(msg) from err
    except (LookupError, ValueError) as err:  # an encoding Python does not know, or one expat cannot read
        msg = f"camera file {path} cannot be read as XML ({first_line(err)}); save it as UTF-8 and export it again"
        raise CameraDataError(msg) from err
    return _finish_osm(elements, source=str(path))


def cameras_from_overpass(data: Mapping[str, Any], *, source: str) -> CameraLoad:
    """Read the ``man_made=surveillance`` objects of parsed Overpass JSON (``{"elements": [...]}``).

    Parameters
    ----------
    data
        The parsed JSON; a way or relation is placed at its ``center`` (``out center``).
    source
        The file it came from, named in the report and the messages.

    Returns
    -------
    CameraLoad
        The cameras (see :func:`cameras_from_osm_elements` for the tag rules).

    Raises
    ------
    CameraDataError
        When ``elements`` is not a list, is too long, or holds no usable camera node.
    """
    raw = data.get("elements")
    if not isinstance(raw, list):
        msg = f"{source}: 'elements' is not a list; this is not Overpass JSON output"
        raise CameraDataError(msg)
    check_rows(len(raw), source=source, what="Overpass elements", kind=CAMERA_FILE)
    elements = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        tags = item.get("tags") or {}
        if not isinstance(tags, dict) or tags.get("man_made") != "surveillance":
            continue
        kind = item.get("type", "node")
        kind = kind if isinstance(kind, str) else "?"
        # a way or relation is placed at its centre (``out center``); an odd centre is no position
        where = item if kind == "node" else item.get("center", item)
        where = where if isinstance(where, dict) else {}
        ident = item.get("id", "?")
        elements.append(
            (
                f"{clip(kind, 40)}/{clip(ident, 40)}",
                to_float(where.get("lon")),
                to_float(where.get("lat")),
                {str(k): str(v) for k, v in tags.items()},
            )
        )
    return _finish_osm(elements, source=source)


def cameras_from_osm_points(
    points: list[GeoPoint], problems: list[dict[str, Any]], *, path: Path
) -> CameraLoad:
    """Cameras from GeoJSON Point features tagged like OSM objects (an Overpass export).

    Parameters
    ----------
    points
        The features, as :func:`exposure.sources._common.geojson_points` reads them.
    problems
        The report of the features that were not usable points.
    path
        The file they came from.

    Returns
    -------
    CameraLoad
        The cameras (see :func:`cameras_from_osm_elements` for the tag rules); the
        ``row`` of the report is the feature number.

    Raises
    ------
    CameraDataError
        When no feature is a usable camera.
    """
    source = str(path)
    elements = []
    rows = []
    for number, lon, lat, properties, feature_id in points:
        ident = properties.get("@id") or feature_id or properties.get("id") or f"?{number}"
        tags = {str(k): str(v) for k, v in properties.items() if not str(k).startswith("@") and v is not None}
        elements.append((str(ident), lon, lat, tags))
        rows.append(number)
    columns, more = _osm_rows(elements, source=source, rows=rows)
    return finish(columns, problems + more, source=source, unit="feature")


def _finish_osm(elements: Sequence[_OsmElement], *, source: str) -> CameraLoad:
    if not elements:
        msg = (
            f"{source}: no man_made=surveillance objects found; "
            "cameras must be mapped as man_made=surveillance nodes"
        )
        raise CameraDataError(msg)
    columns, problems = _osm_rows(elements, source=source, rows=None)
    return finish(columns, problems, source=source, unit="osm")


def cameras_from_osm_elements(
    elements: Iterable[_OsmElement],
    *,
    source: str,
) -> CameraLoad:
    """Turn OSM ``man_made=surveillance`` nodes into cameras (pure, no I/O).

    Rules: ``camera_id`` is ``osm:node/<id>``. ``kind``: ``revolving=yes`` is
    ptz; else ``camera:type`` dome/fixed/panning gives dome/fixed/ptz;
    ``surveillance:type=ALPR`` is fixed; else unknown. ``surveillance:type=guard``
    (or any other non-camera type) is rejected. ``mount`` from ``camera:mount``
    (pole, street lamp, traffic signals, gantry: street; wall, building,
    ceiling, facade: building). ``operator`` from ``operator:type``
    (public/government: public; private/commercial: private); the
    ``surveillance`` tag says what is watched, not who runs the camera, so it is
    not used. ``direction_deg``/``fov_deg`` from ``camera:direction`` or
    ``direction``: degrees, compass letters, or a clockwise range ``from-to``
    (the direction is the middle of the range, the field of view its width).
    ``height_m`` from ``height`` or ``camera:height``. ``verification`` is
    unverified (one mapper) unless ``check_date`` or ``survey:date`` is set,
    which also gives ``observed``. ``reports`` is 1. An unreadable optional tag
    is reported and ignored; the camera is kept.

    Parameters
    ----------
    elements
        ``(osm id, lon, lat, tags)``; the id is ``"node/<n>"`` or a bare number
        (a node); ways and relations are rejected.
    source
        Where the elements came from, used in the report.

    Returns
    -------
    CameraLoad
        The cameras (possibly none) and the report.
    """
    columns, problems = _osm_rows(list(elements), source=source, rows=None)
    return CameraLoad(cameras=camera_frame(columns), rejected=rejected_frame(problems), source=source)


def _empty_columns() -> dict[str, list[Any]]:
    # OSM tags give no range, resolution or lens (camera_frame leaves them empty); surveillance=indoor says indoor
    return {name: [] for name in CAMERA_COLUMNS if name not in ("frt_tier", "range_m", "h_pixels", "hfov_deg")}


def _osm_rows(
    elements: Sequence[_OsmElement],
    *,
    source: str,
    rows: list[int] | None,
) -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
    columns = _empty_columns()
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    pending: list[tuple[int, str, str, Any, str, Any]] = []
    for position, (osm_id, lon, lat, raw_tags) in enumerate(elements):
        row = rows[position] if rows is not None else position + 1
        tags = {str(k): str(v) for k, v in raw_tags.items() if v is not None}
        ident = str(clip(osm_id, 60))
        if "/" not in ident:
            ident = f"node/{ident}"
        refusal = _refusal(ident, tags, lon, lat, seen)
        if refusal is not None:
            column, value, reason = refusal
            problems.append(problem(source, row, column, value, f"{ident}: {reason}"))
            continue
        camera_id = f"osm:{ident}"
        seen.add(camera_id)
        ignored: list[tuple[str, str]] = []
        kind, mount, operator = _kind_mount_operator(tags, ignored)
        problems.extend(problem(source, row, column, value, f"{ident}: {KEPT}") for column, value in ignored)

        direction_key = "camera:direction" if "camera:direction" in tags else "direction"
        height_key = "height" if "height" in tags else "camera:height"
        # parsed below for every camera at once; a value that cannot be read is reported there
        pending.append((row, ident, direction_key, tags.get(direction_key), height_key, tags.get(height_key)))

        observed = tags.get("check_date") or tags.get("survey:date") or None
        for column, value in (
            ("camera_id", camera_id), ("lon", to_float(lon)), ("lat", to_float(lat)), ("source", "osm"),
            ("kind", kind), ("mount", mount), ("operator", operator),
            ("verification", "verified" if observed else "unverified"), ("agreement", ""), ("reports", 1),
            ("observed", observed), ("indoor", str(tags.get("surveillance", "")).strip().lower() == "indoor"),
        ):
            columns[column].append(value)
    columns["direction_deg"], columns["fov_deg"], columns["height_m"] = _directions_and_heights(
        pending, source=source, problems=problems)
    if pending:
        problems.sort(key=lambda p: p["row"])
    return columns, problems


def _refusal(ident: str, tags: Mapping[str, str], lon: Any, lat: Any, seen: set[str]) -> tuple[str, Any, str] | None:
    """Why an OSM object is not read as a camera, as ``(column, value, reason)``; None when it is one."""
    osm_type = ident.split("/", 1)[0]
    if osm_type != "node":
        return "type", osm_type, "only nodes are read as cameras; map each camera as a man_made=surveillance node"
    if tags.get("man_made") != "surveillance":
        return "man_made", tags.get("man_made"), "not tagged man_made=surveillance, so not a camera"
    surveillance_type = str(tags.get("surveillance:type", "camera")).strip()
    if surveillance_type.lower() not in ("camera", "alpr"):
        return ("surveillance:type", surveillance_type,
                f"surveillance:type={surveillance_type} is not a camera (only camera and ALPR are)")
    lon_f, lat_f = to_float(lon), to_float(lat)
    if not (math.isfinite(lat_f) and -90 <= lat_f <= 90):
        return "lat", lat, "latitude missing or outside [-90, 90]; fix the node's position"
    if not (math.isfinite(lon_f) and -180 <= lon_f <= 180):
        return "lon", lon, "longitude missing or outside [-180, 180]; fix the node's position"
    if f"osm:{ident}" in seen:
        return "id", ident, "duplicate node; only the first copy is kept"
    return None


def _kind_mount_operator(tags: Mapping[str, str], ignored: list[tuple[str, str]]) -> tuple[str, str, str]:
    """A camera node's kind, mount and operator; tags that cannot be read are added to ``ignored``."""
    kind = _tag_value(tags, "camera:type", _OSM_CAMERA_TYPE, ignored)
    if kind == "unknown" and str(tags.get("surveillance:type", "camera")).strip().lower() == "alpr":
        kind = "fixed"
    if str(tags.get("revolving", "")).strip().lower() == "yes":
        kind = "ptz"
    mount = _tag_value(tags, "camera:mount", _OSM_MOUNT, ignored)
    operator = _tag_value(tags, "operator:type", _OSM_OPERATOR_TYPE, ignored)
    return kind, mount, operator


def _tag_value(tags: Mapping[str, str], key: str, meanings: Mapping[str, str], ignored: list[tuple[str, str]]) -> str:
    """What a tag's value means (``"unknown"`` when the tag is absent or unreadable, then added to ``ignored``)."""
    raw = tags.get(key)
    if raw is None:
        return "unknown"
    meaning = meanings.get(raw.strip().lower())
    if meaning is None:
        ignored.append((key, raw))
        return "unknown"
    return meaning


def _directions_and_heights(
    pending: list[tuple[int, str, str, Any, str, Any]], *, source: str, problems: list[dict[str, Any]]
) -> tuple[list[float], list[float], list[float]]:
    """Directions, fields of view and heights of the cameras kept, each column parsed at once; bad values noted."""
    direction_text = pd.Series(["" if p[3] is None else str(p[3]) for p in pending], dtype=str)
    height_text = pd.Series(["" if p[5] is None else str(p[5]) for p in pending], dtype=str)
    direction, fov, bad_direction = parse_directions(direction_text)
    height, bad_height = parse_heights(height_text)
    # a tag present but empty is a value that cannot be read, as in OSM an empty tag says nothing
    bad_direction |= np.array([p[3] is not None for p in pending], dtype=bool) & np.isnan(direction) & ~bad_direction
    bad_height |= np.array([p[5] is not None for p in pending], dtype=bool) & np.isnan(height) & ~bad_height
    for index in np.flatnonzero(bad_direction | bad_height):
        row, ident, direction_key, direction_value, height_key, height_value = pending[index]
        if bad_direction[index]:
            problems.append(problem(source, row, direction_key, direction_value, f"{ident}: {KEPT}"))
        if bad_height[index]:
            problems.append(problem(source, row, height_key, height_value, f"{ident}: {KEPT}"))
    return direction.tolist(), fov.tolist(), height.tolist()

