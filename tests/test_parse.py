"""Tests of exposure._parse: safe numbers, bearings, heights, times, JSON and XML for every loader."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exposure import settings as exposure_settings
from exposure._parse import (
    COMPASS,
    JsonError,
    amount,
    bad_lon_lat,
    check_csv_columns,
    check_json_depth,
    check_size,
    csv_error_detail,
    first_line,
    json_loads,
    limit_message,
    numbers,
    parse_directions,
    parse_heights,
    refuse_dtd,
    to_float,
    utc_datetime64,
    wrap_deg,
)

# --------------------------------------------------------------------------- an oracle: the row-by-row rules


def _bearing(text: str) -> float:
    text = text.strip().rstrip("°").strip()
    if text.upper() in COMPASS:
        return COMPASS[text.upper()]
    if not re.fullmatch(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", text):
        raise ValueError(text)
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return float(wrap_deg(number))


def _direction(text: str) -> tuple[float, float]:
    """The rule the loaders used row by row before they parsed whole columns (ASCII numbers only)."""
    text = text.strip()
    for position, character in enumerate(text):
        if character != "-" or position == 0:
            continue
        try:
            start, end = _bearing(text[:position]), _bearing(text[position + 1 :])
        except ValueError:
            continue
        width = (end - start) % 360.0
        if width <= 0.0:
            width = 360.0
        return float(wrap_deg(start + width / 2.0)), width
    return _bearing(text), math.nan


# --------------------------------------------------------------------------- one direction, as a camera row has it


def _one_direction(value: str) -> tuple[float, float]:
    """One OSM ``direction`` through :func:`parse_directions`: ``(direction_deg, fov_deg)``, ValueError when bad."""
    direction, fov, bad = parse_directions(pd.Series([str(value)], dtype=object))
    if bad[0] or np.isnan(direction[0]):
        msg = f"direction {value!r} is not degrees, compass letters or a range such as 90-270"
        raise ValueError(msg)
    return float(direction[0]), float(fov[0])


@given(
    start=st.floats(min_value=-720, max_value=720, allow_nan=False),
    end=st.floats(min_value=-720, max_value=720, allow_nan=False),
)
@settings(max_examples=150, deadline=None)
def test_direction_range_invariants(start: float, end: float) -> None:
    # a leading minus sign would read as a range separator, so ranges are written with non-negative bearings
    a, b = start % 360, end % 360
    direction, fov = _one_direction(f"{a!r}-{b!r}")
    assert 0 < fov <= 360
    assert 0 <= direction < 360
    # the middle of the range is half the width clockwise from its start
    offset = (direction - a) % 360
    assert min(abs(offset - fov / 2), 360 - abs(offset - fov / 2)) < 1e-6


@given(value=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
@settings(max_examples=100, deadline=None)
def test_single_direction_in_range(value: float) -> None:
    direction, fov = _one_direction(repr(value))
    assert 0 <= direction < 360
    assert math.isnan(fov)


@pytest.mark.parametrize(
    ("text", "direction", "fov"),
    [
        ("300-60", 0.0, 120.0),
        ("90-270", 180.0, 180.0),
        ("270-90", 0.0, 180.0),
        ("0-360", 180.0, 360.0),
        ("N-E", 45.0, 90.0),
    ],
)
def test_direction_ranges(text: str, direction: float, fov: float) -> None:
    assert _one_direction(text) == (direction, fov)


@pytest.mark.parametrize("text", ["", "up", "90;180", "nan", "inf", "12-"])
def test_direction_invalid(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        _one_direction(text)


_DIRECTION_PIECES = st.sampled_from(
    ["0", "90", "359.5", "-90", "+45", "1e2", "1e-5", ".5", "7.", "N", "ne", "SSW", "E", "-", " ", "°", "x",
     "1e400", "nan", "inf", "--", "12-", "360", "720", "-0"]
)


@given(st.lists(_DIRECTION_PIECES, min_size=0, max_size=5).map("".join))
@settings(max_examples=400, deadline=None)
def test_directions_parse_as_the_row_by_row_rule(text: str) -> None:
    direction, fov, bad = parse_directions(pd.Series([text], dtype=object))
    try:
        want = _direction(text)
    except ValueError:
        assert bad[0] or (text.strip() == "" and math.isnan(direction[0]))
        assert math.isnan(direction[0])
        return
    assert not bad[0]
    assert direction[0] == pytest.approx(want[0], abs=1e-9)
    assert (math.isnan(fov[0]) and math.isnan(want[1])) or fov[0] == pytest.approx(want[1], abs=1e-9)


@given(st.lists(st.text(max_size=12), max_size=30))
@settings(max_examples=100, deadline=None)
def test_directions_never_raise_and_stay_in_range(values: list[str]) -> None:
    direction, fov, bad = parse_directions(pd.Series(values, dtype=object))
    assert len(direction) == len(fov) == len(bad) == len(values)
    ok = ~np.isnan(direction)
    assert ((direction[ok] >= 0) & (direction[ok] < 360)).all()
    assert ((fov[~np.isnan(fov)] > 0) & (fov[~np.isnan(fov)] <= 360)).all()
    assert not (bad & ok).any()


def test_directions_of_a_column_with_nulls_and_repeats() -> None:
    direction, fov, bad = parse_directions(pd.Series(["90-270", None, "NE", "90-270", "", "up"], dtype=object))
    np.testing.assert_array_equal(direction, [180.0, np.nan, 45.0, 180.0, np.nan, np.nan])
    np.testing.assert_array_equal(fov, [180.0, np.nan, np.nan, 180.0, np.nan, np.nan])
    assert bad.tolist() == [False, False, False, False, False, True]


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=10)))
@settings(max_examples=200, deadline=None)
def test_heights(value: float | str) -> None:
    text = value if isinstance(value, str) else repr(value)
    height, bad = parse_heights(pd.Series([text, f"{text} m"], dtype=object))
    for h, b in zip(height, bad, strict=True):
        assert (math.isnan(h) and (b or text.strip() == "")) or (h >= 0 and math.isfinite(h) and not b)


@pytest.mark.parametrize(("text", "height"), [("4", 4.0), ("3.5 m", 3.5), ("12 metres", 12.0), ("5M", 5.0),
                                              ("0", 0.0)])
def test_heights_read(text: str, height: float) -> None:
    assert parse_heights(pd.Series([text]))[0][0] == height


@pytest.mark.parametrize("text", ["-1", "x", "1e400", "inf", "nan", "4 ft", "1_0"])
def test_heights_refused(text: str) -> None:
    height, bad = parse_heights(pd.Series([text]))
    assert bad[0]
    assert math.isnan(height[0])


# --------------------------------------------------------------------------- numbers and coordinates


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
                 st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2)))
@settings(max_examples=300, deadline=None)
def test_to_float_never_raises(value: object) -> None:
    assert isinstance(to_float(value), float)


def test_to_float_of_huge_and_odd_values() -> None:
    assert to_float(10**400) == math.inf
    assert to_float(-(10**400)) == -math.inf
    assert math.isnan(to_float(True))
    assert math.isnan(to_float([1, 2]))
    assert to_float(" 5 ") == 5.0


def test_numbers_read_decimals_only() -> None:
    got = numbers(pd.Series([" 5 ", "1e400", "-1e400", "inf", "1_0", "+.5", "5.", "nan", "", None, "1,5", "0x10"]))
    np.testing.assert_array_equal(got, [5.0, np.inf, -np.inf, np.nan, np.nan, 0.5, 5.0, np.nan, np.nan, np.nan,
                                        np.nan, np.nan])


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=20))
@settings(max_examples=100, deadline=None)
def test_numbers_read_back_what_repr_writes(values: list[float]) -> None:
    got = numbers(pd.Series([repr(v) for v in values]))
    for g, v in zip(got, values, strict=True):
        assert (math.isnan(g) and not math.isfinite(v)) or g == v


def test_bad_lon_lat() -> None:
    lon = np.array([24.9, 181.0, np.nan, np.inf, -180.0, 10.0])
    lat = np.array([60.1, 0.0, 0.0, 0.0, 90.0, -90.5])
    assert bad_lon_lat(lon, lat).tolist() == [False, True, True, True, False, True]


# --------------------------------------------------------------------------- times


@pytest.mark.parametrize(("text", "want"), [
    ("0001-01-01T00:00:00+05:00", "0000-12-31T19:00:00"),
    ("9999-12-31T23:00:00-05:00", "10000-01-01T04:00:00"),
    ("2024-05-01T12:00:00+02:00", "2024-05-01T10:00:00"),
    ("2024-05-01T12:00:00", "2024-05-01T12:00:00"),
])
def test_utc_datetime64_for_any_year(text: str, want: str) -> None:
    assert utc_datetime64(datetime.fromisoformat(text)) == np.datetime64(want, "s")


@given(st.datetimes(timezones=st.one_of(st.none(), st.builds(lambda m: timezone(timedelta(minutes=m)),
                                                              st.integers(-1439, 1439)))))
@settings(max_examples=200, deadline=None)
def test_utc_datetime64_never_overflows(moment: datetime) -> None:
    utc_datetime64(moment)


# --------------------------------------------------------------------------- JSON


def test_json_nested_deeper_than_the_limit_is_refused_without_recursion() -> None:
    for text in ("[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000):
        with pytest.raises(JsonError, match=r"nested [0-9,]+ levels deep, over the limit of 64 "
                                            r"\(exposure\.settings\.max_json_depth\)"):
            json_loads(text)


def test_json_depth_ignores_brackets_inside_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exposure_settings, "max_json_depth", 3)
    assert json_loads('{"a": "[[[[[[[[\\"[[[[", "b": [[1]]}') == {"a": '[[[[[[[["[[[[', "b": [[1]]}
    with pytest.raises(JsonError, match="4 levels deep"):
        check_json_depth('{"a": [[["x]]]]]]"]]]}')


def test_json_huge_integers_become_infinite_floats() -> None:
    assert json_loads('{"x": ' + "1" * 5000 + "}") == {"x": math.inf}
    assert json_loads("[" + "-" + "9" * 400 + "]") == [-math.inf]
    assert json_loads("[12345678901234567890]") == [12345678901234567890]


@pytest.mark.parametrize(("data", "detail"), [
    (b'{"a": 1,', r"line 1, column 9: Expecting property name"),
    (b"\xff\xfe{}", r"not UTF-8 text"),
    ('{"a":\n  [1, 2,]}', r"line 2, column 9"),
])
def test_json_errors_are_one_line(data: bytes | str, detail: str) -> None:
    with pytest.raises(JsonError, match=detail) as info:
        json_loads(data)
    assert "\n" not in info.value.detail


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                 max_size=3), max_leaves=20))
@settings(max_examples=150, deadline=None)
def test_json_reads_back_what_json_writes(value: object) -> None:
    assert json_loads(json.dumps(value)) == value


@given(st.binary(max_size=200))
@settings(max_examples=300, deadline=None)
def test_json_of_any_bytes_is_a_value_or_a_json_error(data: bytes) -> None:
    detail = ""
    try:
        json_loads(data)
    except JsonError as err:
        detail = err.detail
    assert "\n" not in detail


# --------------------------------------------------------------------------- XML, CSV, sizes, messages


@pytest.mark.parametrize("text", [
    '<?xml version="1.0"?><!DOCTYPE osm [<!ENTITY a "b">]><osm/>',
    '<?xml version="1.0"?><!DOCTYPE gpx SYSTEM "http://example.org/x.dtd"><gpx/>',
    "<osm><!ENTITY a 'b'></osm>",
])
def test_xml_with_a_dtd_or_entities_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"x\.osm: declares a document type or entities"):
        refuse_dtd(text, where="x.osm", error=ValueError)
    with pytest.raises(ValueError, match=r"declares a document type or entities"):
        refuse_dtd(text.encode(), where="x.osm", error=ValueError)


def test_xml_without_a_dtd_passes() -> None:
    refuse_dtd(b'<?xml version="1.0"?><osm><node id="1"/></osm>', where="x.osm", error=ValueError)


def test_csv_with_too_many_columns_is_refused_from_its_header(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exposure_settings, "max_csv_columns", 5)
    check_csv_columns(b"a,b,c,d,e\n1,2,3,4,5\n", where="x.csv", error=ValueError)
    with pytest.raises(ValueError, match=r"x\.csv: the header \(line 1\) has 6 columns, over the limit of 5 "
                                         r"\(exposure\.settings\.max_csv_columns\); keep the columns you need, or "
                                         r"raise exposure\.settings\.max_csv_columns"):
        check_csv_columns(b"a,b,c,d,e,f\n", where="x.csv", error=ValueError)
    check_csv_columns(b'"a,b,c,d,e,f",x\n', where="x.csv", error=ValueError)  # quoted commas are one name


def test_csv_tokenizer_errors_name_the_line() -> None:
    expected = pd.errors.ParserError("Error tokenizing data. C error: Expected 2 fields in line 3, saw 4\n")
    assert csv_error_detail(expected) == "line 3: 4 fields where the header has 2"
    eof = pd.errors.ParserError("Error tokenizing data. C error: EOF inside string starting at row 3")
    assert csv_error_detail(eof) == "line 4: a quoted value is never closed"


def test_size_and_limit_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exposure_settings, "max_track_file_mb", 1.0)
    check_size(1_000_000, where="t.gpx", setting="max_track_file_mb", what="the track file", error=ValueError)
    with pytest.raises(ValueError, match=r"t\.gpx: the track file is 2\.0 MB, over the limit of 1 MB "
                                         r"\(exposure\.settings\.max_track_file_mb\); cut it to the area you need, "
                                         r"or raise exposure\.settings\.max_track_file_mb"):
        check_size(2_000_000, where="t.gpx", setting="max_track_file_mb", what="the track file", error=ValueError)
    assert limit_message("x", "max_areas", "do y") == ("x, over the limit of 5,000 (exposure.settings.max_areas); "
                                                        "do y, or raise exposure.settings.max_areas")
    assert amount(1234.4) == "1,234"
    assert amount(1e300) == "1e+300"
    assert first_line(ValueError("one\ntwo")) == "one"
    assert first_line(ValueError("")) == "ValueError"
