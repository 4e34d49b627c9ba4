"""Safe parsing every loader shares: numbers, coordinates, bearings, heights, times, JSON, XML and file sizes.

Nothing here raises anything but ``ValueError`` (and :class:`JsonError`, one of
them) or the domain error a caller passes in: a stranger's file may hold
10^400, ``NaN``, a year-1 timestamp, nesting a thousand levels deep or an XML
entity bomb, and each must become a one-line message naming where it is, never
an ``OverflowError`` or a ``RecursionError``. The per-row parsers work on whole
columns at once (pyarrow regular expressions on the distinct values), so a
million rows take seconds, whatever their content.
"""

from __future__ import annotations

import csv
import json
import math
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from exposure import settings

__all__ = [
    "JsonError",
    "amount",
    "arrow_text",
    "as_number",
    "bad_lon_lat",
    "check_csv_columns",
    "check_json_depth",
    "check_size",
    "csv_error_detail",
    "first_line",
    "json_loads",
    "limit_message",
    "numbers",
    "parse_directions",
    "parse_heights",
    "quote",
    "read_limited",
    "refuse_dtd",
    "to_float",
    "utc_datetime64",
    "wrap_deg",
]

#: A decimal number as people write it (no ``inf``, ``nan``, hex or digit separators).
NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_COMPASS_NAMES = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")
#: Compass points and their bearings in degrees.
COMPASS = {name: index * 22.5 for index, name in enumerate(_COMPASS_NAMES)}
# longest names first, so that the alternation never stops at a prefix ("N" of "NNE")
_COMPASS_RE = "|".join(sorted(COMPASS, key=len, reverse=True))
_BEARING = rf"(?:{NUMBER}|{_COMPASS_RE})"
# one bearing, or a clockwise range "from-to"; each may carry degree signs and spaces
_DIRECTION_RE = rf"(?i)^\s*(?P<a>{_BEARING})\s*°*\s*(?:-\s*(?P<b>{_BEARING})\s*°*\s*)?$"
_HEIGHT_RE = rf"(?i)^\s*(?P<h>{NUMBER})\s*(?:m|metres|meters|meter|metre)?\s*$"


# --------------------------------------------------------------------------- limits and messages


def limit_message(subject: str, setting: str, fix: str, *, unit: str = "") -> str:
    """``"<subject>, over the limit of <limit> (exposure.settings.<setting>); <fix>, or raise it"``."""
    limit = getattr(settings, setting)
    shown = f"{limit:,}" if isinstance(limit, int) else f"{limit:g}"
    return (f"{subject}, over the limit of {shown}{unit} (exposure.settings.{setting}); {fix}, "
            f"or raise exposure.settings.{setting}")


def amount(value: float, digits: int = 0) -> str:
    """A number for a message: ``12,345`` (or ``12,345.6``), or ``1.2e+300`` when it has too many digits to read."""
    if math.isfinite(value) and abs(value) < 1e15:
        return f"{value:,.{digits}f}"
    return f"{value:.3g}"


def check_size(nbytes: int, *, where: str, setting: str, what: str, error: type[Exception]) -> None:
    """Refuse ``nbytes`` over ``settings.<setting>`` megabytes, before anything is read."""
    limit_mb = float(getattr(settings, setting))
    if nbytes > limit_mb * 1e6:
        msg = limit_message(f"{where}: {what} is {nbytes / 1e6:.1f} MB", setting, "cut it to the area you need",
                            unit=" MB")
        raise error(msg)


def read_limited(path: str | Path, *, setting: str, what: str, error: type[Exception]) -> bytes:
    """The bytes of a file no larger than ``settings.<setting>`` megabytes (checked before reading)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError as err:
        msg = f"{path}: {what} not found; check the path"
        raise error(msg) from err
    except OSError as err:
        msg = f"{path}: {what} cannot be read ({first_line(err)}); check the path and its permissions"
        raise error(msg) from err
    if not path.is_file():
        msg = f"{path}: not a file; give the path of a {what}"
        raise error(msg)
    check_size(size, where=str(path), setting=setting, what=f"the {what}", error=error)
    try:
        return path.read_bytes()
    except OSError as err:
        msg = f"{path}: {what} cannot be read ({first_line(err)}); check its permissions"
        raise error(msg) from err


def check_csv_columns(head: bytes, *, where: str, error: type[Exception]) -> None:
    """Refuse a CSV whose header line has more than ``settings.max_csv_columns`` fields, before pandas builds them.

    ``head`` is the file's first bytes (a megabyte holds any sensible header).
    """
    line = head.split(b"\n", 1)[0]
    limit = settings.max_csv_columns
    if max(line.count(b","), line.count(b";"), line.count(b"\t")) < limit:  # the common case, without parsing
        return
    text = line.decode("utf-8", errors="replace")
    fields = 0
    for delimiter in ",;\t":
        try:
            fields = max(fields, len(next(csv.reader([text], delimiter=delimiter), [])))
        except csv.Error:  # a field longer than the csv module takes: count the delimiters instead
            fields = max(fields, text.count(delimiter) + 1)
    if fields > limit:
        counted = f"at least {fields:,}" if b"\n" not in head else f"{fields:,}"  # a header longer than ``head``
        msg = limit_message(f"{where}: the header (line 1) has {counted} columns", "max_csv_columns",
                            "keep the columns you need")
        raise error(msg)


_EXPECTED_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_EOF_IN_STRING = re.compile(r"EOF inside string starting at row (\d+)")


def csv_error_detail(err: BaseException) -> str:
    """What pandas' CSV tokenizer says is wrong, in one line that names the line of the file."""
    text = str(err)
    found = _EXPECTED_FIELDS.search(text)
    if found:
        want, line, saw = found.groups()
        return f"line {line}: {saw} fields where the header has {want}"
    found = _EOF_IN_STRING.search(text)
    if found:
        return f"line {int(found.group(1)) + 1}: a quoted value is never closed"
    return first_line(text.replace("Error tokenizing data. C error: ", ""))


def first_line(err: BaseException | str, *, most: int = 300) -> str:
    """A library's error message on one line: its first non-empty line, cut to ``most`` characters."""
    text = str(err)
    line = next((part.strip() for part in text.splitlines() if part.strip()), type(err).__name__ if
                isinstance(err, BaseException) else "")
    return line if len(line) <= most else line[: most - 1] + "…"


# --------------------------------------------------------------------------- numbers and coordinates


def to_float(value: Any) -> float:
    """A float from any JSON or text value, never raising: NaN when it is not a number, ±inf when too large.

    ``True``/``False``, ``None``, lists and objects are not numbers; an integer
    beyond the float range (``10**400``) is ±inf, so that a range check rejects it.
    """
    if value is None or isinstance(value, (bool, list, dict, tuple)):
        return math.nan
    try:
        return float(value)
    except OverflowError:
        return (math.inf if value > 0 else -math.inf) if isinstance(value, int) else math.nan
    except (TypeError, ValueError):
        return math.nan


def bad_lon_lat(lon: Any, lat: Any) -> np.ndarray:
    """True where a longitude/latitude pair is missing, not finite or outside [-180, 180] x [-90, 90]."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0)
    return np.asarray(~ok, dtype=bool)


def as_number(value: Any) -> float | None:
    """A float from a JSON or text value that is meant as a number (NaN and ±inf included), or None when it is not.

    ``True``/``False``, ``None``, lists, objects and non-numeric text are not
    numbers; ``"nan"``, ``NaN`` and ``10**400`` are (NaN, NaN, inf), for a range
    check to reject with a message that says so.
    """
    result = to_float(value)
    if math.isnan(result) and not (isinstance(value, float) or (isinstance(value, str)
                                                                and value.strip().lower() == "nan")):
        return None
    return result


def quote(value: Any, most: int = 40) -> str:
    """A value as a message quotes it (``repr``), cut to ``most`` characters: a stranger's value may be megabytes."""
    text = repr(value)
    return text if len(text) <= most else text[: most - 1] + "…"


def wrap_deg(values: Any) -> np.ndarray:
    """Bearings wrapped into [0, 360)."""
    wrapped = np.fmod(np.asarray(values, dtype=float), 360.0)
    wrapped = np.where(wrapped < 0, wrapped + 360.0, wrapped)
    # fmod of a tiny negative number plus 360 rounds to 360.0; + 0.0 turns -0.0 into 0.0
    return np.where(wrapped >= 360.0, 0.0, wrapped) + 0.0


def numbers(values: pd.Series) -> np.ndarray:
    """Decimal numbers from a text column (``60.17``, ``-1e-3``, `` 5 ``): float64, NaN where a value is not one.

    Only :data:`NUMBER` is read: ``inf``, ``nan``, ``0x10`` and ``1,5`` are not
    numbers; ``1e400`` is one, too large: +inf.
    """
    array = arrow_text(values)
    return _numbers(pc.if_else(pc.match_substring_regex(array, rf"^\s*{NUMBER}\s*$"),
                               pc.utf8_trim_whitespace(array), ""))


def arrow_text(values: pd.Series) -> pa.Array:
    """A text column as one arrow string array, nulls as empty strings (no Python object per value)."""
    array = pa.array(values.astype("str").array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.type != pa.string():
        array = array.cast(pa.string())
    return pc.fill_null(array, "")


def _distinct(values: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Codes per row and the distinct texts, so that each distinct value is parsed once."""
    encoded = pc.dictionary_encode(arrow_text(values))
    return encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary


def _numbers(texts: pa.Array) -> np.ndarray:
    """Floats from texts already matched by :data:`NUMBER` (empty or null: NaN; too large: ±inf)."""
    blank = pc.fill_null(pc.equal(texts, ""), True)
    cleaned = pc.if_else(blank, pa.scalar(None, pa.string()), texts)
    try:
        return np.asarray(cleaned.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
    except pa.ArrowInvalid:  # out of the double range: arrow refuses where Python gives ±inf
        series = pd.Series(cleaned.to_numpy(zero_copy_only=False), dtype=object)
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        return np.asarray(values, dtype=float)


def _bearings(texts: pa.Array) -> np.ndarray:
    """Bearings in degrees from numbers or compass names (NaN for empty or non-finite)."""
    number = _numbers(pc.if_else(pc.match_substring_regex(texts, f"^{NUMBER}$"), texts, ""))
    upper = pd.Series(pc.utf8_upper(texts).to_numpy(zero_copy_only=False), dtype=object)
    compass = upper.map(COMPASS).to_numpy(dtype="float64", na_value=np.nan)
    value = np.where(np.isnan(compass), number, compass)
    return np.where(np.isfinite(value), value, np.nan)


def parse_directions(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Camera directions from text: degrees, compass points (``NE``) or a clockwise range ``from-to``.

    A range gives its middle as the direction and its width as the field of view
    (``"90-270"``: 180°, 180°; ``"300-60"``: 0°, 120°); a leading minus is a sign
    (``"-90-90"`` runs from 270° to 90°). Degrees may carry ``°`` and spaces.

    Returns
    -------
    tuple of numpy.ndarray
        ``(direction_deg, fov_deg, bad)`` per row: the direction in [0, 360)
        (NaN when empty or bad), the range's width in (0, 360] (NaN unless a
        range), and True where a non-empty value could not be read.
    """
    codes, uniques = _distinct(values)
    stripped = pc.utf8_trim_whitespace(uniques)
    found = pc.extract_regex(stripped, _DIRECTION_RE)
    matched = pc.is_valid(found).to_numpy(zero_copy_only=False)
    a = _bearings(pc.fill_null(pc.struct_field(found, "a"), ""))
    b = _bearings(pc.fill_null(pc.struct_field(found, "b"), ""))
    is_range = pc.fill_null(pc.not_equal(pc.struct_field(found, "b"), ""), False).to_numpy(zero_copy_only=False)
    start, end = wrap_deg(a), wrap_deg(b)
    width = np.mod(end - start, 360.0)
    width = np.where(width <= 0.0, 360.0, width)
    direction = np.where(is_range, wrap_deg(start + width / 2.0), start)
    fov = np.where(is_range, width, np.nan)
    ok = matched & np.isfinite(a) & (~is_range | np.isfinite(b))
    empty = pc.equal(stripped, "").to_numpy(zero_copy_only=False)
    direction = np.where(ok, direction, np.nan)
    fov = np.where(ok, fov, np.nan)
    bad = ~ok & ~empty
    return direction[codes], fov[codes], bad[codes]


def parse_heights(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Heights in metres from text such as ``4``, ``3.5 m`` or ``12 metres``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(height_m, bad)`` per row: the height (NaN when empty or bad) and True
        where a non-empty value is not a finite number of metres >= 0.
    """
    codes, uniques = _distinct(values)
    stripped = pc.utf8_trim_whitespace(uniques)
    found = pc.extract_regex(stripped, _HEIGHT_RE)
    number = _numbers(pc.fill_null(pc.struct_field(found, "h"), ""))
    ok = np.isfinite(number) & (number >= 0)
    empty = pc.equal(stripped, "").to_numpy(zero_copy_only=False)
    height = np.where(ok, number, np.nan) + 0.0
    return height[codes], (~ok & ~empty)[codes]


# --------------------------------------------------------------------------- times


def utc_datetime64(moment: datetime) -> np.datetime64:
    """A datetime as UTC ``datetime64[s]``, for any year: ``0001-01-01T00:00+05:00`` has no Python UTC datetime."""
    naive = np.datetime64(moment.replace(tzinfo=None), "s")
    offset = moment.utcoffset()
    if offset is None:
        return naive
    return naive - np.timedelta64(int(offset.total_seconds()), "s")


# --------------------------------------------------------------------------- JSON


class JsonError(ValueError):
    """JSON that cannot be read; ``detail`` says where and why, on one line ("line 3, column 7: ...")."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def _json_depth(text: str) -> int:
    """How deep arrays and objects nest, brackets inside strings aside (a linear scan, no recursion)."""
    if text.count("[") + text.count("{") <= settings.max_json_depth:
        return 0
    brackets = _JSON_STRING.sub('""', text).encode("utf-8", "surrogatepass").translate(None, _NOT_BRACKETS)
    steps = np.frombuffer(brackets, dtype=np.uint8)
    depth, deepest = 0, 0
    for lo in range(0, len(steps), 1 << 22):  # in chunks: memory stays small for a large file
        run = np.where((steps[lo : lo + (1 << 22)] == ord("[")) | (steps[lo : lo + (1 << 22)] == ord("{")), 1, -1)
        levels = depth + np.cumsum(run, dtype=np.int64)
        deepest = max(deepest, int(levels.max()))
        depth = int(levels[-1])
    return deepest


def _json_int(text: str) -> int | float:
    # an integer of hundreds of digits is a number too large for any position or count: keep it a float
    # (inf), which range checks reject, instead of an int that overflows float() or Python's digit limit
    return int(text) if len(text) <= 300 else float(text)


def check_json_depth(data: str | bytes) -> None:
    """Refuse JSON nested deeper than ``settings.max_json_depth`` (or not UTF-8), without parsing it.

    For JSON another library parses (GDAL reads GeoJSON areas itself).
    """
    _json_text(data)


def _json_text(data: str | bytes) -> str:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            msg = f"not UTF-8 text (byte {err.start}: {err.reason})"
            raise JsonError(msg) from err
    data = data.removeprefix("\ufeff")
    depth = _json_depth(data)
    if depth > settings.max_json_depth:
        msg = limit_message(f"arrays and objects nested {depth:,} levels deep", "max_json_depth",
                            "GeoJSON and plan files need fewer than 20 levels: check the file")
        raise JsonError(msg)
    return data


def json_loads(data: str | bytes) -> Any:
    """Parse JSON safely: at most ``settings.max_json_depth`` levels deep, huge integers as ±inf.

    Raises
    ------
    JsonError
        For bytes that are not UTF-8, invalid JSON, or nesting over the limit;
        ``detail`` is one line.
    """
    text = _json_text(data)
    try:
        return json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as err:
        msg = f"line {err.lineno}, column {err.colno}: {err.msg}"
        raise JsonError(msg) from err
    except (RecursionError, ValueError) as err:  # nesting the scan missed, or a number Python cannot hold
        raise JsonError(first_line(err)) from err


# --------------------------------------------------------------------------- XML


def refuse_dtd(data: str | bytes, *, where: str, error: type[Exception]) -> None:
    """Refuse XML with a document type declaration: OSM, GPX and KML never need one, entity tricks do.

    Internal entities (the "billion laughs" bomb) and external ones (reading
    ``file:///etc/passwd`` into a tag) can only be declared in a DTD, so a file
    without ``<!DOCTYPE`` and ``<!ENTITY`` cannot use them.
    """
    markers: tuple[Any, ...] = (b"<!DOCTYPE", b"<!ENTITY") if isinstance(data, bytes) else ("<!DOCTYPE", "<!ENTITY")
    for marker in markers:
        if marker in data:
            text = marker.decode() if isinstance(marker, bytes) else marker
            msg = (f"{where}: declares a document type or entities ({text}); OSM, GPX and KML files never need "
                   "one, and entities can expand into gigabytes or read other files: remove the declaration "
                   "or export the file again")
            raise error(msg)

