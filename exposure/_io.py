"""Reading the files people hand over: size checks, first bytes, text tables and JSON, within the limits."""

from __future__ import annotations

import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from exposure import settings
from exposure._parse import JsonError, check_csv_columns, csv_error_detail, first_line, json_loads, limit_message

__all__ = [
    "FileKind",
    "check_file",
    "check_rows",
    "looks_like_pbf",
    "read_head",
    "read_json",
    "read_text_table",
    "write_pickle_atomically",
]


@dataclass(frozen=True)
class FileKind:
    """What kind of file is read, for the messages and limits of the helpers here.

    Attributes
    ----------
    what
        How messages name it, followed by the path: ``"camera file"``.
    error
        The domain error raised (from :mod:`exposure._errors`).
    size_setting
        The ``exposure.settings`` name of its size limit in megabytes.
    rows_setting
        The ``exposure.settings`` name of its limit on data rows (and features, objects).
    formats
        What a good path looks like, for the message about a folder:
        ``"a .csv, .geojson, .json, .osm or .osm.pbf file"``.
    empty_fix
        How to fix an empty file: ``"export the cameras again"``.
    """

    what: str
    error: type[Exception]
    size_setting: str
    rows_setting: str
    formats: str
    empty_fix: str


def check_file(path: str | Path, *, kind: FileKind) -> Path:
    """The path of an existing, non-empty file within its size limit.

    Parameters
    ----------
    path
        The file.
    kind
        What the file is, for messages and its size limit.

    Returns
    -------
    pathlib.Path
        ``path`` as a path.

    Raises
    ------
    Exception
        ``kind.error`` when the file is missing, not a file, empty or too large.
    """
    path = Path(path)
    if not path.exists():
        msg = f"{kind.what} {path} not found; check the path"
        raise kind.error(msg)
    if not path.is_file():
        msg = f"{kind.what} {path} is not a file; give the path of {kind.formats}"
        raise kind.error(msg)
    size = path.stat().st_size
    if size == 0:
        msg = f"{kind.what} {path} is empty (0 bytes); {kind.empty_fix}"
        raise kind.error(msg)
    size_mb = size / 1e6
    limit_mb = float(getattr(settings, kind.size_setting))
    if size_mb > limit_mb:
        msg = (
            f"{kind.what} {path} is {size_mb:.1f} MB, over the {limit_mb:g} MB limit; "
            f"cut it to your area or raise exposure.settings.{kind.size_setting}"
        )
        raise kind.error(msg)
    return path


def read_head(path: Path, size: int = 4096, *, kind: FileKind) -> bytes:
    """The first ``size`` bytes of a file, to tell its format.

    Parameters
    ----------
    path
        The file.
    size
        How many bytes at most.
    kind
        What the file is, for messages.

    Returns
    -------
    bytes
        The bytes read (fewer when the file is shorter).

    Raises
    ------
    Exception
        ``kind.error`` when the file cannot be read.
    """
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except OSError as err:
        msg = f"{kind.what} {path} cannot be read ({err}); check its permissions"
        raise kind.error(msg) from err


def looks_like_pbf(head: bytes) -> bool:
    """Whether a file's first bytes are an OpenStreetMap PBF's.

    Parameters
    ----------
    head
        The file's first bytes (32 are enough).

    Returns
    -------
    bool
        True when they hold a BlobHeader of type ``OSMHeader``.
    """
    # An OSM PBF starts with a 4-byte header length and a BlobHeader of type "OSMHeader".
    return b"OSMHeader" in head[:32]


def read_text_table(path: Path, *, kind: FileKind) -> pd.DataFrame:
    """Read a CSV file with every value as text, so that reports can quote the raw value.

    At most ``settings.<kind.rows_setting>`` data rows and ``settings.max_csv_columns``
    columns are read; a file with more is refused before its values are checked.
    Every column is read, so that a line with more fields than the header is an
    error rather than shifted values.

    Parameters
    ----------
    path
        The CSV file (UTF-8, a byte-order mark allowed, header on line 1).
    kind
        What the file is, for messages and its row limit.

    Returns
    -------
    pandas.DataFrame
        Every value as a string, empty cells as ``""``.

    Raises
    ------
    Exception
        ``kind.error`` when the file is not UTF-8, empty, not valid CSV, unreadable or too long.
    """
    check_csv_columns(read_head(path, 1 << 20, kind=kind), where=f"{kind.what} {path}", error=kind.error)
    limit = int(getattr(settings, kind.rows_setting))
    try:
        table = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True, nrows=limit + 1
        )
    except UnicodeDecodeError as err:
        msg = f"{kind.what} {path} is not UTF-8 text ({first_line(err)}); save it as UTF-8 CSV"
        raise kind.error(msg) from err
    except pd.errors.EmptyDataError as err:
        msg = f"{kind.what} {path} is empty; it needs a header line and at least one data row"
        raise kind.error(msg) from err
    except (pd.errors.ParserError, ValueError) as err:
        msg = (
            f"{kind.what} {path} is not valid CSV ({csv_error_detail(err)}); "
            "check the quoting and the number of fields on that line"
        )
        raise kind.error(msg) from err
    except OSError as err:
        msg = f"{kind.what} {path} cannot be read ({first_line(err)}); check its permissions"
        raise kind.error(msg) from err
    if len(table) > limit:
        msg = limit_message(f"{kind.what} {path} has more than {limit:,} data rows", kind.rows_setting,
                            "cut it to your area")
        raise kind.error(msg)
    return table


def check_rows(n: int, *, source: str, kind: FileKind, what: str = "data rows") -> None:
    """Refuse more than ``settings.<kind.rows_setting>`` rows (features, objects) before they are checked.

    Parameters
    ----------
    n
        How many there are.
    source
        The file, named in the message.
    kind
        What the file is, for messages and its row limit.
    what
        What is counted: ``"data rows"``, ``"features"``, ``"Overpass elements"``.

    Raises
    ------
    Exception
        ``kind.error`` when ``n`` is over the limit.
    """
    if n > int(getattr(settings, kind.rows_setting)):
        msg = limit_message(f"{kind.what} {source} has {n:,} {what}", kind.rows_setting, "cut it to your area")
        raise kind.error(msg)


def read_json(path: Path, *, kind: FileKind) -> Any:
    """Read a JSON file within the nesting and number limits of :func:`exposure._parse.json_loads`.

    Parameters
    ----------
    path
        The file (UTF-8).
    kind
        What the file is, for messages.

    Returns
    -------
    Any
        The parsed JSON.

    Raises
    ------
    Exception
        ``kind.error`` when the file cannot be read, is not UTF-8 or not valid JSON.
    """
    try:
        data = path.read_bytes()
    except OSError as err:
        msg = f"{kind.what} {path} cannot be read ({first_line(err)}); check its permissions"
        raise kind.error(msg) from err
    try:
        return json_loads(data)
    except JsonError as err:
        if err.detail.startswith("not UTF-8"):
            msg = f"{kind.what} {path} is not UTF-8 text ({err.detail}); save it as UTF-8"
        else:
            msg = f"{kind.what} {path} is not valid JSON ({err.detail}); fix the file or export it again"
        raise kind.error(msg) from err


def write_pickle_atomically(obj: Any, path: Path) -> None:
    """Pickle ``obj`` to ``path`` so that a reader never sees half a file.

    Each writer has its own temporary file beside ``path``: two processes writing the
    same file at once (the dashboard and a command, or parallel tests) must not move
    each other's file away. Both write the same content; the last one wins.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp",
                                     delete=False) as f:
        try:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            # a full disk (or an interrupt) mid-write: leave no half file behind
            f.close()
            Path(f.name).unlink(missing_ok=True)
            raise
    Path(f.name).replace(path)
