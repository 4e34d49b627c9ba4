"""Tests of exposure.sources.table: generic CSV and GeoJSON camera tables."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exposure._errors import CameraDataError
from exposure.cameras import KINDS, MOUNTS, load_cameras
from exposure.sources.table import cameras_from_csv, cameras_from_geojson
from tests.camera_schema import assert_schema


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

