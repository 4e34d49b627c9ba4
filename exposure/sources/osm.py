"""OpenStreetMap cameras: ``man_made=surveillance`` nodes from PBF, OSM XML, Overpass JSON or GeoJSON."""

from __future__ import annotations

import contextlib
import json
import math
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyrosm
from pyrosm.exceptions import PBFException

from exposure._errors import CameraDataError
from exposure.cameras import (
    _KEPT,
    CAMERA_COLUMNS,
    CameraLoad,
    _camera_frame,
    _check_file,
    _finish,
    _geojson_points,
    _GeoPoint,
    _head,
    _looks_like_pbf,
    _parse_direction,
    _parse_height,
    _problem,
    _read_json,
    _rejected_frame,
    _to_float,
)

__all__ = ["cameras_from_osm", "cameras_from_osm_elements"]

#: One OSM object: (osm id such as "node/123", lon, lat, tags).
_OsmElement = tuple[str | int, float, float, Mapping[str, str]]

_OSM_TAG_COLUMNS = [
    "man_made",
    "surveillance",
    "surveillance:type",
    "camera:type",
    "camera:mount",
    "camera:direction",
    "direction",
    "revolving",
    "height",
    "camera:height",
    "operator",
    "operator:type",
    "check_date",
    "survey:date",
]
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
    path = _check_file(path)
    head = _head(path).lstrip(b"\xef\xbb\xbf").lstrip()
    if path.name.lower().endswith(".pbf") or not (head.startswith((b"<", b"{"))):
        return _cameras_from_osm_pbf(path)
    if head.startswith(b"<"):
        return _cameras_from_osm_xml(path)
    data = _read_json(path)
    if isinstance(data, dict) and "elements" in data:
        return _cameras_from_overpass(data, source=str(path))
    points, problems = _geojson_points(data, path=path)
    return _cameras_from_osm_points(points, problems, path=path)


def _cameras_from_osm_pbf(path: Path) -> CameraLoad:
    if not path.name.lower().endswith(".pbf"):
        # pyrosm only opens files named *.pbf.
        what = "looks like an OSM PBF" if _looks_like_pbf(_head(path)) else "is not text"
        msg = f"camera file {path} {what}; rename it to end in .osm.pbf (or export cameras as CSV/GeoJSON)"
        raise CameraDataError(msg)
    try:
        with warnings.catch_warnings():
            # pyrosm warns of an extract without cameras; the message below says so in this project's words
            warnings.filterwarnings("ignore", message="Could not find any OSM data", category=UserWarning)
            nodes = pyrosm.OSM(str(path)).get_data_by_custom_criteria(
                custom_filter={"man_made": ["surveillance"]},
                filter_type="keep",
                keep_nodes=True,
                keep_ways=False,
                keep_relations=False,
                tags_as_columns=_OSM_TAG_COLUMNS,
            )
    except (PBFException, OSError, ValueError, RuntimeError, KeyError, TypeError) as err:
        msg = f"camera file {path} cannot be read as OSM PBF ({err}); check that it is a .osm.pbf extract"
        raise CameraDataError(msg) from err
    if nodes is None or len(nodes) == 0:
        msg = (
            f"{path}: no man_made=surveillance nodes in this OSM extract; "
            "cameras must be mapped as such nodes"
        )
        raise CameraDataError(msg)
    tag_columns = [c for c in _OSM_TAG_COLUMNS if c in nodes.columns]
    extra = nodes["tags"] if "tags" in nodes.columns else pd.Series([None] * len(nodes), index=nodes.index)
    elements = []
    for record, more in zip(
        nodes[["id", "lon", "lat", *tag_columns]].itertuples(index=False), extra, strict=True
    ):
        tags: dict[str, str] = {}
        if isinstance(more, str) and more:
            # A tags value we cannot read still leaves the tag columns to use.
            with contextlib.suppress(json.JSONDecodeError, AttributeError):
                tags.update({str(k): str(v) for k, v in json.loads(more).items()})
        for key, value in zip(tag_columns, record[3:], strict=True):
            if isinstance(value, str) and value:
                tags[key] = value
        elements.append((f"node/{int(record[0])}", float(record[1]), float(record[2]), tags))
    return _finish_osm(elements, source=str(path))


def _cameras_from_osm_xml(path: Path) -> CameraLoad:
    elements: list[_OsmElement] = []
    root_seen = False
    try:
        for event, elem in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if elem.tag != "osm":
                        msg = (
                            f"camera file {path} is XML with root <{elem.tag}>, not an OSM file (<osm>); "
                            "export it from OSM or Overpass as .osm"
                        )
                        raise CameraDataError(msg)
                continue
            if elem.tag in ("node", "way", "relation"):
                tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
                if tags.get("man_made") == "surveillance":
                    lon, lat = _to_float(elem.get("lon")), _to_float(elem.get("lat"))
                    elements.append((f"{elem.tag}/{elem.get('id', '?')}", lon, lat, tags))
                elem.clear()
    except ET.ParseError as err:
        line, column = err.position
        msg = (
            f"camera file {path} is not valid XML (line {line}, column {column}: {err}); "
            "fix the file or export it again"
        )
        raise CameraDataError(msg) from err
    return _finish_osm(elements, source=str(path))


def _cameras_from_overpass(data: Mapping[str, Any], *, source: str) -> CameraLoad:
    raw = data.get("elements")
    if not isinstance(raw, list):
        msg = f"{source}: 'elements' is not a list; this is not Overpass JSON output"
        raise CameraDataError(msg)
    elements = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        tags = item.get("tags") or {}
        if not isinstance(tags, dict) or tags.get("man_made") != "surveillance":
            continue
        where = item.get("center", item) if item.get("type") != "node" else item
        elements.append(
            (
                f"{item.get('type', 'node')}/{item.get('id', '?')}",
                _to_float(where.get("lon")),
                _to_float(where.get("lat")),
                {str(k): str(v) for k, v in tags.items()},
            )
        )
    return _finish_osm(elements, source=source)


def _cameras_from_osm_points(
    points: list[_GeoPoint], problems: list[dict[str, Any]], *, path: Path
) -> CameraLoad:
    """Cameras from GeoJSON Point features tagged like OSM objects (an Overpass export)."""
    source = str(path)
    elements = []
    rows = []
    for number, lon, lat, properties, feature_id in points:
        ident = properties.get("@id") or feature_id or properties.get("id") or f"?{number}"
        tags = {str(k): str(v) for k, v in properties.items() if not str(k).startswith("@") and v is not None}
        elements.append((str(ident), lon, lat, tags))
        rows.append(number)
    columns, more = _osm_rows(elements, source=source, rows=rows)
    return _finish(columns, problems + more, source=source, unit="feature")


def _finish_osm(elements: Sequence[_OsmElement], *, source: str) -> CameraLoad:
    if not elements:
        msg = (
            f"{source}: no man_made=surveillance objects found; "
            "cameras must be mapped as man_made=surveillance nodes"
        )
        raise CameraDataError(msg)
    columns, problems = _osm_rows(elements, source=source, rows=None)
    return _finish(columns, problems, source=source, unit="osm")


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
    return CameraLoad(cameras=_camera_frame(columns), rejected=_rejected_frame(problems), source=source)


def _empty_columns() -> dict[str, list[Any]]:
    return {name: [] for name in CAMERA_COLUMNS if name != "frt_tier"}


def _osm_rows(
    elements: Sequence[_OsmElement],
    *,
    source: str,
    rows: list[int] | None,
) -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
    columns = _empty_columns()
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, (osm_id, lon, lat, tags) in enumerate(elements):
        row = rows[position] if rows is not None else position + 1
        ident = str(osm_id)
        if "/" not in ident:
            ident = f"node/{ident}"
        osm_type = ident.split("/", 1)[0]

        def reject(column: str, value: Any, reason: str, *, row: int = row, ident: str = ident) -> None:
            problems.append(_problem(source, row, column, value, f"{ident}: {reason}"))

        if osm_type != "node":
            reject(
                "type",
                osm_type,
                "only nodes are read as cameras; map each camera as a man_made=surveillance node",
            )
            continue
        if tags.get("man_made") != "surveillance":
            reject("man_made", tags.get("man_made"), "not tagged man_made=surveillance, so not a camera")
            continue
        surveillance_type = str(tags.get("surveillance:type", "camera")).strip()
        if surveillance_type.lower() not in ("camera", "alpr"):
            reject(
                "surveillance:type",
                surveillance_type,
                f"surveillance:type={surveillance_type} is not a camera (only camera and ALPR are)",
            )
            continue
        lon_f, lat_f = _to_float(lon), _to_float(lat)
        if not (math.isfinite(lat_f) and -90 <= lat_f <= 90):
            reject("lat", lat, "latitude missing or outside [-90, 90]; fix the node's position")
            continue
        if not (math.isfinite(lon_f) and -180 <= lon_f <= 180):
            reject("lon", lon, "longitude missing or outside [-180, 180]; fix the node's position")
            continue
        camera_id = f"osm:{ident}"
        if camera_id in seen:
            reject("id", ident, "duplicate node; only the first copy is kept")
            continue
        seen.add(camera_id)

        def note(column: str, value: Any, *, row: int = row, ident: str = ident) -> None:
            problems.append(_problem(source, row, column, value, f"{ident}: {_KEPT}"))

        kind = "unknown"
        camera_type = tags.get("camera:type")
        if camera_type is not None:
            if camera_type.strip().lower() in _OSM_CAMERA_TYPE:
                kind = _OSM_CAMERA_TYPE[camera_type.strip().lower()]
            else:
                note("camera:type", camera_type)
        if kind == "unknown" and surveillance_type.lower() == "alpr":
            kind = "fixed"
        if str(tags.get("revolving", "")).strip().lower() == "yes":
            kind = "ptz"

        mount = "unknown"
        camera_mount = tags.get("camera:mount")
        if camera_mount is not None:
            if camera_mount.strip().lower() in _OSM_MOUNT:
                mount = _OSM_MOUNT[camera_mount.strip().lower()]
            else:
                note("camera:mount", camera_mount)

        operator = "unknown"
        operator_type = tags.get("operator:type")
        if operator_type is not None:
            if operator_type.strip().lower() in _OSM_OPERATOR_TYPE:
                operator = _OSM_OPERATOR_TYPE[operator_type.strip().lower()]
            else:
                note("operator:type", operator_type)

        direction = fov = math.nan
        direction_key = "camera:direction" if "camera:direction" in tags else "direction"
        if direction_key in tags:
            try:
                direction, fov = _parse_direction(tags[direction_key])
            except ValueError:
                note(direction_key, tags[direction_key])

        height = math.nan
        height_key = "height" if "height" in tags else "camera:height"
        if height_key in tags:
            try:
                height = _parse_height(tags[height_key])
            except ValueError:
                note(height_key, tags[height_key])

        observed = tags.get("check_date") or tags.get("survey:date") or None
        columns["camera_id"].append(camera_id)
        columns["lon"].append(lon_f)
        columns["lat"].append(lat_f)
        columns["source"].append("osm")
        columns["kind"].append(kind)
        columns["mount"].append(mount)
        columns["operator"].append(operator)
        columns["direction_deg"].append(direction)
        columns["fov_deg"].append(fov)
        columns["height_m"].append(height)
        columns["verification"].append("verified" if observed else "unverified")
        columns["agreement"].append("")
        columns["reports"].append(1)
        columns["observed"].append(observed)
    return columns, problems

