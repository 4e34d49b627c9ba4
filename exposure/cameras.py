"""Camera files: tell a file's format, hand it to its reader, and write camera tables back out.

Each source format has its reader in :mod:`exposure.sources` (``osm``,
``decode``, ``cctv_exposure``, ``table``); :func:`load_cameras` tells the
format of a file and hands it to the right one. Every reader returns a
:class:`~exposure.schema.CameraLoad`: the good rows in the camera schema
(:data:`~exposure.schema.CAMERA_COLUMNS`) and a report of the rejected ones, so
that bad input is shown to the user instead of silently dropped.

The schema lives in :mod:`exposure.schema` and the FRT and verification
policies in :mod:`exposure.policies`; their names, and the readers', are
importable from here too.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from exposure._errors import CameraDataError
from exposure._io import check_file, looks_like_pbf, read_head, read_json
from exposure._memfile import safe_name, uploaded_file
from exposure._parse import check_csv_columns
from exposure._tables import json_safe, neutralise_formulas
from exposure.policies import (
    VERIFIED_BY,
    FrtPolicy,
    apply_frt_policy,
    describe_policies,
    frt_policy,
    passes_verification,
    select_cameras,
    verification_policy,
    verification_words,
)
from exposure.schema import (
    CAMERA_COLUMNS,
    FRT_CAPABLE_TIERS,
    FRT_TIERS,
    KINDS,
    MOUNTS,
    OPERATORS,
    OWN_VIEW_COLUMNS,
    REJECTED_COLUMNS,
    VERIFICATIONS,
    CameraExtent,
    CameraLoad,
    camera_extent,
    load_extent,
)
from exposure.sources._common import CAMERA_FILE
from exposure.sources.cctv_exposure import cameras_from_cctv_exposure
from exposure.sources.decode import DECODE_TOTALS, cameras_from_decode
from exposure.sources.osm import cameras_from_osm, cameras_from_osm_elements, cameras_from_overpass
from exposure.sources.table import cameras_from_csv, cameras_from_geojson, cameras_from_geojson_data

__all__ = [
    "CAMERA_COLUMNS",
    "FRT_CAPABLE_TIERS",
    "FRT_TIERS",
    "KINDS",
    "MOUNTS",
    "OPERATORS",
    "OWN_VIEW_COLUMNS",
    "REJECTED_COLUMNS",
    "VERIFICATIONS",
    "VERIFIED_BY",
    "CameraExtent",
    "CameraLoad",
    "FrtPolicy",
    "apply_frt_policy",
    "camera_extent",
    "cameras_from_cctv_exposure",
    "cameras_from_csv",
    "cameras_from_decode",
    "cameras_from_geojson",
    "cameras_from_osm",
    "cameras_from_osm_elements",
    "cameras_to_csv",
    "cameras_to_geojson",
    "describe_policies",
    "frt_policy",
    "load_cameras",
    "load_cameras_bytes",
    "load_extent",
    "passes_verification",
    "select_cameras",
    "verification_policy",
    "verification_words",
    "write_cameras_geojson",
    "write_cameras_json",
]

#: The names ``format=`` takes.
_FORMATS = ("osm", "decode", "cctv-exposure", "csv", "geojson")


def load_cameras(path: str | Path, *, format: str | None = None, decode_total: str = "attachments") -> CameraLoad:
    """Read a camera file of any supported format.

    Parameters
    ----------
    path
        The file. ``.osm.pbf``/``.pbf``: OpenStreetMap PBF; ``.osm``/``.xml``
        with an ``<osm>`` root: OSM XML (an ``.xml`` file that is really CSV,
        like CCTV-Exposure's camera map, is read as CSV); ``.geojson``/``.json``:
        Overpass JSON (has ``elements``) or GeoJSON (OSM rules when features are
        tagged ``man_made=surveillance``, else generic); ``.csv``: Decode
        Surveillance NYC, CCTV-Exposure or a generic lat/lon CSV.
    format
        Force a reader: one of ``"osm"``, ``"decode"``, ``"cctv-exposure"``,
        ``"csv"``, ``"geojson"``.
    decode_total
        How a Decode Surveillance intersection's counts become cameras:
        ``"attachments"`` (the sum of the attachment medians, Amnesty's
        published rule) or ``"n_cameras"`` (the median total); see
        :func:`exposure.sources.decode.cameras_from_decode`. Other formats ignore it.

    Returns
    -------
    CameraLoad
        The cameras and the report of rejected rows.

    Raises
    ------
    CameraDataError
        When the file is missing, unreadable, too large, has no usable
        coordinate columns or no usable row.
    """
    if decode_total not in DECODE_TOTALS:
        msg = f"unknown Decode counting rule {decode_total!r}; use one of {', '.join(DECODE_TOTALS)}"
        raise CameraDataError(msg)
    path = check_file(path, kind=CAMERA_FILE)
    if format is not None:
        readers: dict[str, Callable[[Path], CameraLoad]] = {
            "osm": cameras_from_osm,
            "decode": functools.partial(cameras_from_decode, total=decode_total),
            "cctv-exposure": cameras_from_cctv_exposure,
            "csv": cameras_from_csv,
            "geojson": cameras_from_geojson,
        }
        if format not in readers:
            msg = (
                f"unknown camera file format {format!r}; "
                f"use one of {', '.join(_FORMATS)} or leave it out to detect it"
            )
            raise CameraDataError(msg)
        return readers[format](path)
    name = path.name.lower()
    raw_head = read_head(path, kind=CAMERA_FILE)
    if name.endswith(".pbf") or looks_like_pbf(raw_head):
        return cameras_from_osm(path)
    head = raw_head.lstrip(b"\xef\xbb\xbf").lstrip()
    if name.endswith((".geojson", ".json")) or head.startswith(b"{"):
        data = read_json(path, kind=CAMERA_FILE)
        if isinstance(data, dict) and "elements" in data:
            return cameras_from_overpass(data, source=str(path))
        return cameras_from_geojson_data(data, path=path)
    if head.startswith(b"<"):
        return cameras_from_osm(path)
    return _cameras_from_any_csv(path, decode_total=decode_total)


def load_cameras_bytes(data: bytes, *, name: str, format: str | None = None,
                       decode_total: str = "attachments") -> CameraLoad:
    """Read a camera file given as bytes (an upload) under its own name, never writing it to disk.

    Parameters
    ----------
    data
        The file's content.
    name
        The file's name (folders are dropped): it chooses the format as in
        :func:`load_cameras`, and the report, the errors, ``source`` and the
        default camera ids (``<stem>:<row>``) use it.
    format, decode_total
        As in :func:`load_cameras`.

    Returns
    -------
    CameraLoad
        As :func:`load_cameras` returns it, with ``source`` the file's name.

    Raises
    ------
    CameraDataError
        As :func:`load_cameras` raises it, naming the file by ``name``.

    Notes
    -----
    Some readers (pyrosm for ``.osm.pbf``) only open a path, so the bytes are
    handed to them as a file in memory (``/dev/shm`` on Linux), removed as soon as
    it is read (:func:`exposure._memfile.uploaded_file`).
    """
    shown = safe_name(name)
    with uploaded_file(data, shown) as path:
        where = str(path)
        try:
            load = load_cameras(path, format=format, decode_total=decode_total)
        except CameraDataError as err:
            raise CameraDataError(str(err).replace(where, shown)) from err
    rejected = load.rejected.copy()
    rejected["file"] = rejected["file"].astype(str).str.replace(where, shown, regex=False)
    extent = load.extent
    if extent is not None and where in extent.description:
        extent = CameraExtent(extent.geometry, extent.description.replace(where, shown))
    return CameraLoad(cameras=load.cameras, rejected=rejected, source=shown, extent=extent)


def _cameras_from_any_csv(path: Path, *, decode_total: str) -> CameraLoad:
    check_csv_columns(read_head(path, 1 << 20, kind=CAMERA_FILE), where=f"camera file {path}", error=CameraDataError)
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
    except (pd.errors.EmptyDataError, pd.errors.ParserError, ValueError, OSError):
        return cameras_from_csv(path)  # it reports the problem in full
    columns = {str(c).strip() for c in header}
    lower = {c.lower() for c in columns}
    if "PanoramaId" in columns and any(c.endswith("_median") for c in columns):
        return cameras_from_decode(path, total=decode_total)
    if {"latitude", "longitude", "camera_type", "radius", "angle_of_view"} <= lower:
        return cameras_from_cctv_exposure(path)
    return cameras_from_csv(path)


# --------------------------------------------------------------------------- export


def cameras_to_csv(cameras: pd.DataFrame, path_or_buf: str | Path | TextIO | None = None) -> str | None:
    """Write a camera table as CSV (readable again by :func:`~exposure.sources.table.cameras_from_csv`).

    Camera ids, sources and agreement texts come from other people's files, so
    a text cell that a spreadsheet would run as a formula is prefixed with ``'``
    (:func:`exposure._tables.neutralise_formulas`).

    Parameters
    ----------
    cameras
        Camera table.
    path_or_buf
        File path or text buffer; ``None`` returns the CSV text.

    Returns
    -------
    str or None
        The CSV text when ``path_or_buf`` is ``None``.
    """
    order = [c for c in CAMERA_COLUMNS if c in cameras.columns]
    order += [c for c in cameras.columns if c not in order]
    text: str | None = neutralise_formulas(cameras[order]).to_csv(path_or_buf, index=False)
    return text


def cameras_to_geojson(cameras: pd.DataFrame) -> dict[str, Any]:
    """Convert a camera table to a GeoJSON FeatureCollection of Points.

    Parameters
    ----------
    cameras
        Camera table.

    Returns
    -------
    dict
        The FeatureCollection; every column but ``lon``/``lat`` is a property,
        NaN becomes ``null``.
    """
    others = [c for c in cameras.columns if c not in ("lon", "lat")]
    properties = cameras[others].astype(object)
    properties = properties.where(pd.notna(properties), None)
    records = properties.to_dict(orient="records")
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
            "properties": {k: _plain(v) for k, v in record.items()},
        }
        for lon, lat, record in zip(cameras["lon"], cameras["lat"], records, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


#: Camera rows written at a time by :func:`write_cameras_json` and :func:`write_cameras_geojson`.
WRITE_CHUNK_ROWS = 2_000


def write_cameras_json(cameras: pd.DataFrame, out: TextIO, *, chunk_rows: int = WRITE_CHUNK_ROWS) -> None:
    """Write a camera table as a JSON list of records (indent 2), a chunk of rows at a time.

    The text is the same as ``json.dumps`` of the whole list (``NaN`` as
    ``null``), but only one chunk of rows is ever held as Python objects: a
    million cameras as one list of dicts, its copy made JSON-safe and its text
    would take several GiB.

    Parameters
    ----------
    cameras
        Camera table.
    out
        Text stream to write to (an open file, ``sys.stdout``).
    chunk_rows
        Rows turned into records at a time.
    """
    if not len(cameras):
        out.write("[]\n")
        return
    out.write("[\n")
    _write_items((json.loads(chunk.to_json(orient="records")) for chunk in _chunks(cameras, chunk_rows)), out,
                 depth=1)
    out.write("\n]\n")


def write_cameras_geojson(cameras: pd.DataFrame, out: TextIO, *, chunk_rows: int = WRITE_CHUNK_ROWS) -> None:
    """Write a camera table as a GeoJSON FeatureCollection (indent 2), a chunk of rows at a time.

    The text is the same as ``json.dumps`` of :func:`cameras_to_geojson` (indent
    2), holding one chunk of features at a time (see :func:`write_cameras_json`).

    Parameters
    ----------
    cameras
        Camera table.
    out
        Text stream to write to.
    chunk_rows
        Rows turned into features at a time.
    """
    if not len(cameras):
        out.write('{\n  "type": "FeatureCollection",\n  "features": []\n}\n')
        return
    out.write('{\n  "type": "FeatureCollection",\n  "features": [\n')
    _write_items((cameras_to_geojson(chunk)["features"] for chunk in _chunks(cameras, chunk_rows)), out, depth=2)
    out.write("\n  ]\n}\n")


def _chunks(table: pd.DataFrame, rows: int) -> Iterator[pd.DataFrame]:
    step = max(int(rows), 1)
    for start in range(0, len(table), step):
        yield table.iloc[start:start + step]


def _write_items(chunks: Iterator[list[Any]], out: TextIO, *, depth: int) -> None:
    """The items of a JSON list, chunk by chunk, as ``json.dumps(..., indent=2)`` lays them out at ``depth``."""
    pad = "  " * (depth - 1)
    first = True
    for items in chunks:
        text = json.dumps(json_safe(items), indent=2, ensure_ascii=False, allow_nan=False)
        body = text[2:-2]  # the items, without the list's own "[\n" and "\n]"
        if pad:
            body = pad + body.replace("\n", "\n" + pad)  # JSON text holds no raw newline inside a string
        out.write(body if first else ",\n" + body)
        first = False


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
