"""What a batch routes: origin-destination pairs from a file, or made from two files of points, or track files."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from exposure import settings
from exposure._errors import BatchError, ExposureError
from exposure._parse import check_csv_columns, check_size, csv_error_detail, first_line, limit_message
from exposure._tables import LAT_NAMES, LON_NAMES
from exposure.batch.tasks import ROUTE_COLUMNS
from exposure.places import parse_lat_lon

__all__ = ["pairs_from_points", "read_od_points", "read_pairs", "track_files"]

_ORIGIN_NAMES = ("origin", "from", "start", "o")
_DESTINATION_NAMES = ("destination", "to", "end", "d")
_ID_NAMES = ("id", "pair_id", "name")
_TRACK_SUFFIXES = (".gpx", ".geojson", ".json")
#: Columns a batch writes itself: a pairs file's own column of one of these names is left out,
#: so that the output never holds two columns of one name.
_RESERVED = frozenset([*ROUTE_COLUMNS, "pair_pos", "coordinates", "geometry", "geometry_wkt"])
# pandas names a column whose header cell is blank "Unnamed: N" (a trailing comma on every line)
_BLANK_HEADER = re.compile(r"Unnamed: \d+")


def _read_table(path: Path, *, what: str, data: bytes | None = None) -> pd.DataFrame:
    """A CSV or Parquet file of at most ``settings.max_pairs_file_mb`` and ``settings.max_batch_pairs`` rows."""
    if data is None and not path.is_file():
        msg = f"{what} file not found: {path}"
        raise BatchError(msg)
    size = len(data) if data is not None else path.stat().st_size
    check_size(size, where=f"{what} file {path}", setting="max_pairs_file_mb", what="it", error=BatchError)
    source: Any = path if data is None else io.BytesIO(data)
    parquet = path.suffix.lower() in {".parquet", ".pq"}
    if not parquet:
        check_csv_columns(_head(path, data), where=f"{what} file {path}", error=BatchError)
    try:
        if parquet:
            table = pd.read_parquet(source)
        else:
            table = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                                nrows=settings.max_batch_pairs + 1)
    except pd.errors.ParserError as err:
        msg = f"{what} file {path} cannot be read as CSV ({csv_error_detail(err)}); check the quoting on that line"
        raise BatchError(msg) from err
    except (OSError, ValueError, UnicodeDecodeError) as err:
        msg = f"{what} file {path} cannot be read as CSV or Parquet: {first_line(err)}"
        raise BatchError(msg) from err
    if len(table) > settings.max_batch_pairs:
        msg = limit_message(f"{what} file {path} has more than {settings.max_batch_pairs:,} rows", "max_batch_pairs",
                            "split it into several jobs")
        raise BatchError(msg)
    return table


def _head(path: Path, data: bytes | None) -> bytes:
    """The first megabyte of a file, or of its bytes: enough to check its header before pandas reads it."""
    if data is not None:
        return data[: 1 << 20]
    with path.open("rb") as handle:
        return handle.read(1 << 20)


def _column(table: pd.DataFrame, names: Sequence[str]) -> str | None:
    lower = {str(c).strip().lower(): c for c in table.columns}
    return next((lower[n] for n in names if n in lower), None)


def _places(table: pd.DataFrame, prefix_names: Sequence[str], *, path: Path, what: str) -> tuple[pd.Series, list[str]]:
    """One place text per row, and the columns it came from.

    The place is a column of names or ``lat,lon``, or two columns
    ``<prefix>_lat``/``<prefix>_lon`` (any spelling of :data:`LAT_NAMES` and :data:`LON_NAMES`).
    """
    col = _column(table, prefix_names)
    if col is not None:
        return table[col].astype(str).str.strip(), [col]
    for prefix in prefix_names:
        lat = _column(table, [f"{prefix}_{n}" for n in LAT_NAMES])
        lon = _column(table, [f"{prefix}_{n}" for n in LON_NAMES])
        if lat is not None and lon is not None:
            return table[lat].astype(str).str.strip() + "," + table[lon].astype(str).str.strip(), [lat, lon]
    msg = (f"{path}: no {what} column; give a column {prefix_names[0]!r} (a place name or 'lat,lon') or two "
           f"columns {prefix_names[0]}_lat and {prefix_names[0]}_lon")
    raise BatchError(msg)


def _ids(table: pd.DataFrame, names: Sequence[str]) -> pd.Series:
    """Each row's id from the first column of ``names`` the table has, else its number from 1."""
    ident = _column(table, names)
    if ident is not None:
        return table[ident].astype(str)
    return pd.Series([str(i + 1) for i in range(len(table))])


def _kept_columns(table: pd.DataFrame, used: Iterable[str]) -> list[str]:
    """The columns of a pairs file the rows carry on: all but the places read and the batch's own names.

    The user's id column stays under its own name (``pair_id`` is a copy of it);
    a blank header with nothing under it is a trailing comma, not a column.
    """
    used = set(used)
    kept = []
    for col in table.columns:
        name = str(col)
        if col in used or name in _RESERVED:
            continue
        if _BLANK_HEADER.fullmatch(name) and table[col].astype(str).str.strip().eq("").all():
            continue
        kept.append(col)
    return kept


def read_pairs(path: str | Path, *, data: bytes | None = None) -> pd.DataFrame:
    """Origin-destination pairs from a CSV or Parquet file (or its ``data``, read from memory).

    Columns: ``origin`` and ``destination`` (a place name of the dataset or
    ``lat,lon``), or ``origin_lat``/``origin_lon`` and ``destination_lat``/
    ``destination_lon``; optional ``id``. Returns ``pair_id``, ``origin``,
    ``destination`` (texts), then every other column of the file as it was
    (the ``id`` column too, under its own name), except one named like a column
    the batch writes itself (:data:`ROUTE_COLUMNS`). A row with an empty place
    is kept, and fails on its own. With ``data``, ``path`` is only the file's
    name (for its suffix and messages): an upload is never written to disk.
    """
    path = Path(path)
    table = _read_table(path, what="pairs", data=data)
    if table.empty:
        msg = f"pairs file {path} has no rows"
        raise BatchError(msg)
    origin, from_cols = _places(table, _ORIGIN_NAMES, path=path, what="origin")
    destination, to_cols = _places(table, _DESTINATION_NAMES, path=path, what="destination")
    pairs = pd.DataFrame({"pair_id": _ids(table, _ID_NAMES).to_numpy(), "origin": origin.to_numpy(),
                          "destination": destination.to_numpy()})
    for col in _kept_columns(table, [*from_cols, *to_cols]):
        pairs[str(col)] = table[col].to_numpy()
    return pairs


def read_od_points(path: str | Path) -> pd.DataFrame:
    """Named points for origins or destinations, from CSV/Parquet: ``point_id``, ``place``.

    Columns: ``name`` (optional) and ``place`` (a name or ``lat,lon``), or two
    columns of latitude and longitude (any spelling of :data:`LAT_NAMES` and :data:`LON_NAMES`).
    """
    path = Path(path)
    table = _read_table(path, what="points")
    if table.empty:
        msg = f"points file {path} has no rows"
        raise BatchError(msg)
    place = _column(table, ("place", "point", "location"))
    if place is not None:
        texts = table[place].astype(str).str.strip()
    else:
        lat, lon = _column(table, LAT_NAMES), _column(table, LON_NAMES)
        if lat is None or lon is None:
            msg = f"{path}: give a column 'place' (a name or 'lat,lon') or two columns 'lat' and 'lon'"
            raise BatchError(msg)
        texts = table[lat].astype(str).str.strip() + "," + table[lon].astype(str).str.strip()
    return pd.DataFrame({"point_id": _ids(table, ("name", "id", "point_id")).to_numpy(), "place": texts.to_numpy()})


def _lonlat(text: str) -> tuple[float, float] | None:
    try:
        point = parse_lat_lon(text)
    except ExposureError:
        return None
    return None if point is None else (point[1], point[0])


def _where(texts: Iterable[str], resolve: Callable[[str], tuple[float, float]] | None) -> np.ndarray:
    """(lon, lat) of each place text: ``lat,lon`` as given, a name through ``resolve``."""
    out = []
    for t in texts:
        ll = _lonlat(t)
        if ll is None:
            if resolve is None:
                msg = f"place {t!r} is not 'lat,lon'; nearest destinations need coordinates or a dataset"
                raise BatchError(msg)
            ll = resolve(t)
        out.append(ll)
    return np.asarray(out, dtype=float).reshape(-1, 2)


def _nearest(origins: pd.DataFrame, destinations: pd.DataFrame, nearest: int,
             resolve: Callable[[str], tuple[float, float]] | None) -> np.ndarray:
    """For each origin, the rows of its ``nearest`` destinations in a straight line (one row per origin)."""
    o_ll, d_ll = _where(origins["place"], resolve), _where(destinations["place"], resolve)
    scale = math.cos(math.radians(float(np.nanmean(o_ll[:, 1])) if len(o_ll) else 0.0))
    # a tree over the destinations: time and memory grow with the points, not with their product
    tree = cKDTree(np.column_stack([d_ll[:, 0] * scale, d_ll[:, 1]]))
    _, found = tree.query(np.column_stack([o_ll[:, 0] * scale, o_ll[:, 1]]), k=nearest)
    return np.asarray(found, dtype=np.int64).reshape(len(o_ll), nearest)


def pairs_from_points(origins: pd.DataFrame, destinations: pd.DataFrame, *, nearest: int | None = None,
                      resolve: Callable[[str], tuple[float, float]] | None = None) -> pd.DataFrame:
    """Every origin with every destination, or with its ``nearest`` destinations in a straight line.

    ``origins`` and ``destinations`` are :func:`read_od_points` tables.
    ``resolve`` turns a place text into (lon, lat) for the nearest choice (a
    dataset's place resolver); ``lat,lon`` texts need none.
    """
    if nearest is not None and nearest < 1:
        msg = f"--nearest must be at least 1, got {nearest}"
        raise BatchError(msg)
    n_pairs = len(origins) * (len(destinations) if nearest is None else min(nearest, len(destinations)))
    if n_pairs > settings.max_batch_pairs:
        msg = limit_message(f"{len(origins):,} origins and {len(destinations):,} destinations make {n_pairs:,} pairs",
                            "max_batch_pairs", "give --nearest K, or fewer points")
        raise BatchError(msg)
    if nearest is None or nearest >= len(destinations):
        o = np.repeat(np.arange(len(origins)), len(destinations))
        d = np.tile(np.arange(len(destinations)), len(origins))
    else:
        o = np.repeat(np.arange(len(origins)), nearest)
        d = _nearest(origins, destinations, nearest, resolve).ravel()
    oid, did = origins["point_id"].to_numpy()[o], destinations["point_id"].to_numpy()[d]
    return pd.DataFrame({"pair_id": [f"{a} → {b}" for a, b in zip(oid, did, strict=True)],
                         "origin": origins["place"].to_numpy()[o], "destination": destinations["place"].to_numpy()[d]})


def track_files(folder: str | Path) -> list[Path]:
    """The GPX and GeoJSON files in a folder (not its subfolders), sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        msg = f"tracks folder not found: {folder}"
        raise BatchError(msg)
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in _TRACK_SUFFIXES)
    if not files:
        msg = f"no .gpx, .geojson or .json track in {folder}"
        raise BatchError(msg)
    return files
