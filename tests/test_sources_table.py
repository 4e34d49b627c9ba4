"""Tests of exposure.sources.table: generic CSV and GeoJSON camera tables."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exposure._errors import CameraDataError
from exposure.cameras import KINDS, MOUNTS, load_cameras
from exposure.sources.table import cameras_from_csv, cameras_from_geojson
from tests.camera_schema import assert_schema
from tests.hostile import one_line, outcome


def test_generic_csv_spellings_and_validation(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "Lat,Long,Kind,mount,operator,direction,height,verification,observed\n"
        "60.1,24.9,PTZ,street,public,90-270,6 m,verified,2024-01-02\n"
        "60.1,24.9,,,,,,,\n"
        "60.1,24.9,laser,street,public,,,,\n"
        "95,24.9,dome,,,,,,\n"
        "60.1,abc,dome,,,,,,\n"
        "60.1,24.9,dome,,,sideways,,,\n",
        encoding="utf-8",
    )
    load = load_cameras(path)
    assert_schema(load)
    cams = load.cameras
    assert list(cams["camera_id"]) == ["mine:1", "mine:2"]
    first = cams.iloc[0]
    assert (first["kind"], first["mount"], first["operator"]) == ("ptz", "street", "public")
    assert (first["direction_deg"], first["fov_deg"], first["height_m"]) == (180.0, 180.0, 6.0)
    assert first["observed"] == "2024-01-02"
    second = cams.iloc[1]
    assert (second["kind"], second["verification"], second["reports"]) == ("unknown", "unverified", 1)
    assert second["observed"] is None
    assert list(zip(load.rejected["row"], load.rejected["column"], strict=True)) == [
        (3, "Kind"),
        (4, "Lat"),
        (5, "Long"),
        (6, "direction"),
    ]


def test_generic_csv_errors(tmp_path: Path) -> None:
    no_coords = tmp_path / "nocoords.csv"
    no_coords.write_text("name,value\na,1\n", encoding="utf-8")
    with pytest.raises(
        CameraDataError, match=r"nocoords\.csv: no latitude column in the header \(line 1: name, value\)"
    ):
        load_cameras(no_coords)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(CameraDataError, match=r"empty\.csv is empty"):
        load_cameras(empty)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("lat,lon,operator\n60,24,Kaupunki\xe4\n".encode("latin-1"))
    with pytest.raises(CameraDataError, match=r"latin\.csv is not UTF-8"):
        load_cameras(latin)
    all_bad = tmp_path / "allbad.csv"
    all_bad.write_text("lat,lon\n,\n", encoding="utf-8")
    with pytest.raises(
        CameraDataError,
        match=r"allbad\.csv: no usable camera row .*data row 1 \(line 2\), column 'lat'",
    ):
        load_cameras(all_bad)
    with pytest.raises(CameraDataError, match=r"missing\.csv not found"):
        load_cameras(tmp_path / "missing.csv")
    with pytest.raises(CameraDataError, match="is not a file"):
        load_cameras(tmp_path)
    with pytest.raises(CameraDataError, match="unknown camera file format 'kml'"):
        load_cameras(all_bad, format="kml")


def test_generic_geojson(tmp_path: Path) -> None:
    path = tmp_path / "points.geojson"
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kind": "dome", "id": "a"},
                "geometry": {"type": "Point", "coordinates": [24.9, 60.1]},
            },
            {
                "type": "Feature",
                "properties": {"kind": "blimp"},
                "geometry": {"type": "Point", "coordinates": [24.9, 60.1]},
            },
            {
                "type": "Feature",
                "properties": None,
                "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
            },
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [24.9, 60.2]}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [200, 60.2]}},
        ],
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    load = load_cameras(path)
    assert_schema(load)
    assert load.cameras["camera_id"].tolist() == ["a", "points:4"]
    assert load.cameras["kind"].tolist() == ["dome", "unknown"]
    assert list(zip(load.rejected["row"], load.rejected["column"], strict=True)) == [
        (2, "kind"),
        (3, "geometry"),
        (5, "__lon"),
    ]
    assert "feature 3 is a LineString" in load.rejected["reason"].iloc[1]
    assert cameras_from_geojson(path).cameras.equals(load.cameras)
    not_geojson = tmp_path / "x.json"
    not_geojson.write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(CameraDataError, match=r"x\.json is JSON but neither a GeoJSON FeatureCollection"):
        load_cameras(not_geojson)
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(CameraDataError, match=r"broken\.geojson is not valid JSON \(line 1"):
        load_cameras(broken)


LAT = st.one_of(
    st.floats(min_value=-90, max_value=90, allow_nan=False).map(repr),
    st.sampled_from(["", "abc", "91", "-90.5", "nan"]),
)


LON = st.one_of(
    st.floats(min_value=-180, max_value=180, allow_nan=False).map(repr),
    st.sampled_from(["", "x", "181", "-180.01"]),
)


KIND = st.sampled_from(["", "ptz", "Dome", "FIXED", "unknown", "bullet", "12"])


MOUNT = st.sampled_from(["", "street", "Building", "roof"])


def is_good(lat: str, lon: str, kind: str, mount: str) -> bool:
    try:
        lat_f, lon_f = float(lat), float(lon)
    except ValueError:
        return False
    return (
        -90 <= lat_f <= 90
        and -180 <= lon_f <= 180
        and kind.lower() in (*KINDS, "")
        and mount.lower() in (*MOUNTS, "")
    )


@given(rows=st.lists(st.tuples(LAT, LON, KIND, MOUNT), min_size=1, max_size=25))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_generic_csv_property(tmp_path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    path = tmp_path / "generated.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["latitude", "lng", "kind", "mount"])
        writer.writerows(rows)
    good = [i + 1 for i, row in enumerate(rows) if is_good(*row)]
    if not good:
        with pytest.raises(CameraDataError, match="no usable camera row"):
            cameras_from_csv(path)
        return
    load = cameras_from_csv(path)
    assert len(load.cameras) + load.rejected["row"].nunique() == len(rows)
    assert load.cameras["camera_id"].tolist() == [f"generated:{i}" for i in good]
    assert set(load.rejected["row"]).isdisjoint(good)
    assert load.rejected["column"].isin(["latitude", "lng", "kind", "mount"]).all()


def test_duplicate_camera_ids_rejected(tmp_path: Path) -> None:
    path = tmp_path / "dups.csv"
    path.write_text("camera_id,lat,lon\nx,,\nx,1,1\nx,2,2\ny,3,3\n", encoding="utf-8")
    load = load_cameras(path)
    assert load.cameras["camera_id"].tolist() == ["x", "y"]
    # one report row per problem: row 1 lacks both coordinates
    assert list(zip(load.rejected["row"], load.rejected["column"], strict=True)) == [
        (1, "lat"),
        (1, "lon"),
        (3, "camera_id"),
    ]



# --------------------------------------------------------------------------- hostile input (issue 12)


def _one_line(err: pytest.ExceptionInfo[BaseException]) -> str:
    text = str(err.value)
    assert "\n" not in text
    return text


def test_geojson_coordinate_of_ten_to_the_400_is_a_rejected_row(tmp_path: Path) -> None:
    path = tmp_path / "huge.geojson"
    path.write_text('{"type": "FeatureCollection", "features": ['
                    '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1' + "0" * 400 + ", 60]}, "
                    '"properties": {}},'
                    '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [24.9, 60.1]}, '
                    '"properties": {}}]}')
    load = load_cameras(path)
    assert len(load.cameras) == 1
    assert load.rejected["row"].tolist() == [1]


@pytest.mark.parametrize("properties", ["[1, 2]", '"text"', "7", "true"])
def test_geojson_properties_of_odd_types_are_noted_not_a_crash(tmp_path: Path, properties: str) -> None:
    path = tmp_path / "odd.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
                    '{"type": "Point", "coordinates": [24.9, 60.1]}, "properties": ' + properties + "}]}")
    load = load_cameras(path)
    assert len(load.cameras) == 1
    assert load.rejected["reason"].str.contains("properties is not a JSON object").tolist() == [True]


@pytest.mark.parametrize("geometry", ["[1]", '"Point"', '{"type": ["Point"]}', '{"type": "Point", "coordinates": 5}',
                                      '{"type": "Point", "coordinates": {"a": 1}}'])
def test_geojson_geometries_of_odd_types_are_rejected_rows(tmp_path: Path, geometry: str) -> None:
    path = tmp_path / "odd.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": ' + geometry
                    + ', "properties": {}}]}')
    with pytest.raises(CameraDataError, match=r"odd\.geojson: no usable camera row .*feature 1, column 'geometry'"):
        load_cameras(path)


def test_deeply_nested_json_is_a_message_not_a_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.geojson"
    path.write_text('{"type": "FeatureCollection", "features": ' + "[" * 50_000 + "]" * 50_000 + "}")
    with pytest.raises(CameraDataError, match=r"deep\.geojson is not valid JSON \(arrays and objects nested "
                                              r"50,001 levels deep, over the limit of 64 "
                                              r"\(exposure\.settings\.max_json_depth\)") as err:
        load_cameras(path)
    _one_line(err)


def test_csv_tokenizer_error_is_one_line_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "tok.csv"
    path.write_text("lat,lon\n60.1,24.9\n60.2,24.8,5,6\n")
    with pytest.raises(CameraDataError, match=r"tok\.csv is not valid CSV \(line 3: 4 fields where the header has "
                                              r"2\); check the quoting") as err:
        load_cameras(path)
    assert "C error" not in _one_line(err)
    path.write_text('lat,lon\n60.1,24.9\n"60.2,24.8\n')
    with pytest.raises(CameraDataError, match=r"tok\.csv is not valid CSV \(line 3: a quoted value is never "
                                              r"closed\)") as err:
        load_cameras(path)
    _one_line(err)


def test_csv_rows_over_the_limit_are_refused_before_they_are_checked(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from exposure import settings as exposure_settings

    path = tmp_path / "many.csv"
    path.write_text("lat,lon\n" + "60.1,24.9\n" * 11)
    monkeypatch.setattr(exposure_settings, "max_camera_rows", 10)
    with pytest.raises(CameraDataError, match=r"many\.csv has more than 10 data rows, over the limit of 10 "
                                              r"\(exposure\.settings\.max_camera_rows\); cut it to your area, or raise "
                                              r"exposure\.settings\.max_camera_rows"):
        load_cameras(path)
    path.write_text("lat,lon\n" + "60.1,24.9\n" * 10)
    assert len(load_cameras(path).cameras) == 10


def test_csv_with_a_million_columns_is_refused_from_its_header(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(200_000)) + ",lat,lon\n" + "1," * 200_001 + "1\n")
    with pytest.raises(CameraDataError, match=r"wide\.csv: the header \(line 1\) has at least [0-9,]+ columns, over "
                                              r"the limit of 1,000 \(exposure\.settings\.max_csv_columns\)"):
        load_cameras(path)


def test_malformed_directions_in_many_rows_are_reported_at_once(tmp_path: Path) -> None:
    # row by row, 200,000 bad directions took over a minute (each report scanned every row): now one pass
    n = 200_000
    path = tmp_path / "dirs.csv"
    path.write_text("lat,lon,direction,height\n" + "".join(
        f"60.1,24.9,{i}-x,{i}q\n" if i % 2 else f"60.1,24.9,{i % 360}-{(i + 90) % 360},{i % 30} m\n"
        for i in range(n)))
    load = cameras_from_csv(path)
    assert len(load.cameras) == n // 2
    assert load.cameras["fov_deg"].eq(90.0).all()
    assert len(load.rejected) == n
    assert set(load.rejected["column"]) == {"direction", "height"}
    assert load.rejected["row"].is_monotonic_increasing


def test_formula_and_markup_text_is_kept_as_text(tmp_path: Path) -> None:
    path = tmp_path / "inject.csv"
    path.write_text('lat,lon,id,source,agreement\n60.1,24.9,"=HYPERLINK(""http://x"")",'
                    '<script>alert(1)</script>,"+1;-2@"\n')
    cams = load_cameras(path).cameras
    assert cams.loc[0, "camera_id"] == '=HYPERLINK("http://x")'
    assert cams.loc[0, "source"] == "<script>alert(1)</script>"
    assert cams.loc[0, "agreement"] == "+1;-2@"


@pytest.mark.parametrize(("name", "data"), [
    ("empty.csv", b""),
    ("bom.csv", b"\xef\xbb\xbf"),
    ("utf16.csv", "lat,lon\n60.1,24.9\n".encode("utf-16")),
    ("binary.csv", bytes(range(256)) * 4),
    ("nul.csv", b"lat,lon\n60.1\x00,24.9\n"),
    ("header.csv", b"lat,lon\n"),
    ("truncated.geojson", b'{"type": "FeatureCollection", "features": [{"type": "Fea'),
    ("list.json", b"[1, 2, 3]"),
    ("nan.geojson", b'{"type": "Feature", "geometry": {"type": "Point", "coordinates": [NaN, Infinity]}}'),
])
def test_malformed_files_are_one_line_camera_data_errors(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CameraDataError, match=rf"{name.replace('.', '[.]')}") as err:
        load_cameras(path)
    _one_line(err)


_CSV_CELLS = st.sampled_from(["60.1", "24.9", "-0", "1e400", "NaN", "inf", "", " ", "ptz", "street", "public",
                              "90-270", "NE", "x", '"', '""', ",", "\n", "=1+1", "<b>", "é", "\x00", "1" * 30,
                              "-", "°", "3 m", "verified"])


@given(header=st.lists(st.sampled_from(["lat", "lon", "id", "kind", "mount", "operator", "direction", "height",
                                        "fov", "reports", "verification", "x", "", "LAT"]), min_size=1, max_size=6),
       rows=st.lists(st.lists(_CSV_CELLS, min_size=0, max_size=7), max_size=8))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_csv_loads_or_is_one_camera_data_error(tmp_path: Path, header: list[str], rows: list[list[str]]) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_text(",".join(header) + "\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    load, message = outcome(lambda: load_cameras(path), CameraDataError)
    assert one_line(message)
    if load is not None:
        assert_schema(load)
        assert load.cameras["lat"].between(-90, 90).all()
        assert load.cameras["lon"].between(-180, 180).all()


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6)
    | st.sampled_from([10**400, "Point", "Feature", "surveillance", [24.9, 60.1]]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["type", "features", "geometry", "coordinates", "properties", "id", "man_made", "lat",
                         "lon", "kind", "direction"]), inner, max_size=4),
    max_leaves=25,
)


@given(features=st.lists(_JSON_VALUES, max_size=5))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_geojson_loads_or_is_one_camera_data_error(tmp_path: Path, features: list[object]) -> None:
    path = tmp_path / "fuzz.geojson"
    text = json.dumps({"type": "FeatureCollection", "features": features})
    path.write_text(text.replace("1" + "0" * 400 + ".0", "1" + "0" * 400))
    load, message = outcome(lambda: load_cameras(path), CameraDataError)
    assert one_line(message)
    if load is not None:
        assert_schema(load)


def test_generic_csv_reads_a_camera_own_range_resolution_lens_and_indoor(tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_text(
        "lat,lon,range,h_pixels,hfov,indoor\n"
        "60.1,24.9,12,2688,103,no\n"
        "60.1,24.9,,1920,90,yes\n"
        "60.1,24.9,,,,\n"
        "60.1,24.9,-1,,,\n"
        "60.1,24.9,,,190,\n"
        "60.1,24.9,,,,maybe\n",
        encoding="utf-8",
    )
    load = load_cameras(path)
    assert_schema(load)
    cams = load.cameras
    assert len(cams) == 3
    np.testing.assert_array_equal(cams["range_m"], [12.0, np.nan, np.nan])
    np.testing.assert_array_equal(cams["h_pixels"], [2688.0, 1920.0, np.nan])
    np.testing.assert_array_equal(cams["hfov_deg"], [103.0, 90.0, np.nan])
    assert cams["indoor"].tolist() == [False, True, False]
    assert list(zip(load.rejected["row"], load.rejected["column"], strict=True)) == [
        (4, "range"), (5, "hfov"), (6, "indoor")]
    # written and read back unchanged
    again = load_cameras(_written(tmp_path, cams))
    for column in ("range_m", "h_pixels", "hfov_deg", "indoor"):
        np.testing.assert_array_equal(again.cameras[column], cams[column])


def _written(tmp_path: Path, cams) -> Path:
    from exposure.cameras import cameras_to_csv

    out = tmp_path / "again.csv"
    cameras_to_csv(cams, out)
    return out
