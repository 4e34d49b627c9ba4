"""Tests of exposure.cameras: format detection, direction parsing, FRT and verification policies, export."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exposure import settings as exposure_settings
from exposure._errors import CameraDataError, PolicyError
from exposure.cameras import (
    FRT_CAPABLE_TIERS,
    VERIFICATIONS,
    FrtPolicy,
    _parse_direction,
    apply_frt_policy,
    cameras_from_osm_elements,
    cameras_to_csv,
    cameras_to_geojson,
    describe_policies,
    frt_policy,
    load_cameras,
    load_cameras_bytes,
    select_cameras,
    verification_policy,
)
from tests.hostile import one_line, outcome

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


# --------------------------------------------------------------------------- format detection


def test_file_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.csv"
    path.write_text("lat,lon\n" + "60.1,24.9\n" * 2000, encoding="utf-8")
    monkeypatch.setattr(exposure_settings, "max_camera_file_mb", 0.001)
    with pytest.raises(CameraDataError, match=r"big\.csv is 0\.0 MB, over the 0\.001 MB limit"):
        load_cameras(path)


def test_readers_stay_importable_from_cameras() -> None:
    import exposure.cameras
    import exposure.sources

    for name in exposure.sources.__all__:
        assert getattr(exposure.cameras, name) is getattr(exposure.sources, name)
        assert name in exposure.cameras.__all__
    with pytest.raises(AttributeError, match="has no attribute 'cameras_from_kml'"):
        _ = exposure.cameras.cameras_from_kml


def test_format_forces_reader(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text(
        "latitude,longitude,camera_type,radius,angle_of_view\n62.2,25.7,round,10,360\n", encoding="utf-8"
    )
    assert load_cameras(path, format="cctv-exposure").cameras["camera_id"].tolist() == ["cctvx:1"]
    generic = load_cameras(path, format="csv").cameras
    assert generic["camera_id"].tolist() == ["data:1"]
    assert generic["kind"].tolist() == ["unknown"]


# --------------------------------------------------------------------------- uploads, read from memory

UPLOAD_CSV = b"id,lat,lon,kind\ncam-a,60.17,24.94,ptz\n,60.171,24.941,dome\ncam-c,abc,24.94,dome\n"


@pytest.mark.parametrize(("name", "data"), [
    ("upload.csv", UPLOAD_CSV),
    ("points.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kind": "dome"}, "geometry": {"type": "Point", "coordinates": [24.9, 60.1]}},
        {"type": "Feature", "properties": {}, "geometry": None}]}).encode()),
    ("cameras.osm", b'<osm><node id="7" lat="60.1" lon="24.9"><tag k="man_made" v="surveillance"/></node></osm>'),
])
def test_bytes_read_as_the_file_does_under_the_uploads_name(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    from_file = load_cameras(path)
    from_bytes = load_cameras_bytes(data, name=f"/home/me/Downloads/{name}")
    assert from_bytes.source == name
    pd.testing.assert_frame_equal(from_bytes.cameras.drop(columns="source"), from_file.cameras.drop(columns="source"))
    assert (from_bytes.rejected["file"] == name).all()
    assert from_bytes.rejected["reason"].tolist() == from_file.rejected["reason"].tolist()


def test_bytes_give_default_ids_from_the_uploads_name() -> None:
    load = load_cameras_bytes(UPLOAD_CSV, name="walks.csv")
    assert load.cameras["camera_id"].tolist() == ["cam-a", "walks:2"]
    assert load.rejected["row"].tolist() == [3]


def test_bytes_errors_name_the_upload_not_a_temporary_path() -> None:
    with pytest.raises(CameraDataError, match=r"^camera file mine\.csv is empty") as info:
        load_cameras_bytes(b"", name="mine.csv")
    assert "/dev/shm" not in str(info.value)
    assert "tmp" not in str(info.value)


def test_bytes_force_a_format() -> None:
    data = b"latitude,longitude,camera_type,radius,angle_of_view\n62.2,25.7,round,10,360\n"
    assert load_cameras_bytes(data, name="data.txt", format="cctv-exposure").cameras["camera_id"].tolist() == [
        "cctvx:1"]


def test_a_pbf_upload_is_read_too() -> None:
    from exposure.datasets import get_path

    data = get_path("helsinki").read_bytes()
    load = load_cameras_bytes(data, name="Helsinki.osm.pbf")
    assert len(load.cameras) == 221
    assert load.source == "Helsinki.osm.pbf"


def test_bytes_leave_nothing_behind(monkeypatch, tmp_path: Path) -> None:
    import os
    import tempfile

    from exposure._memfile import PREFIX, memory_folder

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = memory_folder() or tmp_path
    before = set(folder.glob(f"{PREFIX}{os.getpid()}-*"))
    load_cameras_bytes(UPLOAD_CSV, name="upload.csv")
    with pytest.raises(CameraDataError, match=r"bad\.csv"):
        load_cameras_bytes(b"nothing", name="bad.csv")
    assert set(folder.glob(f"{PREFIX}{os.getpid()}-*")) == before
    if memory_folder() is not None:
        assert list(tmp_path.iterdir()) == []  # the disk's temporary folder is never used


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


def test_csv_export_defuses_formulas_from_a_strangers_file() -> None:
    cameras = cameras_from_osm_elements([("node/1", 24.9, 60.1, {"man_made": "surveillance"})], source="t").cameras
    cameras.loc[0, "camera_id"] = "=HYPERLINK(\"http://x\",\"y\")"
    cameras.loc[0, "agreement"] = "@SUM(1)"
    text = cameras_to_csv(cameras)
    assert isinstance(text, str)
    row = pd.read_csv(io.StringIO(text)).iloc[0]
    assert row["camera_id"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert row["agreement"] == "'@SUM(1)"
    assert row["lon"] == 24.9  # numbers untouched


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




# --------------------------------------------------------------------------- hostile input (issue 12)

_PREFIXES = [b"", b"\xef\xbb\xbf", b"lat,lon\n", b"PanoramaId,n_cameras_median\n", b'{"type": "FeatureCollection", ',
             b'{"elements": [', b"<?xml version='1.0'?><osm>", b"<osm><node ", b"\x00\x00\x00\x0d\n\x09OSMHeader",
             b"latitude,longitude,camera_type,radius,angle_of_view\n"]


@given(prefix=st.sampled_from(_PREFIXES), body=st.binary(max_size=300),
       name=st.sampled_from(["f.csv", "f.json", "f.geojson", "f.osm", "f.xml", "f.osm.pbf", "f.txt", "f"]))
@settings(max_examples=300, deadline=None)
def test_any_bytes_load_or_are_one_camera_data_error(tmp_path_factory: pytest.TempPathFactory, prefix: bytes,
                                                     body: bytes, name: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(prefix + body)
    load, message = outcome(lambda: load_cameras(path), CameraDataError)
    assert one_line(message)
    if message is not None:
        assert path.name in message
    else:
        assert load is not None
        assert load.cameras["lat"].between(-90, 90).all()


@pytest.mark.parametrize("fmt", ["osm", "decode", "cctv-exposure", "csv", "geojson"])
def test_forced_formats_on_the_wrong_content_are_one_line_errors(tmp_path: Path, fmt: str) -> None:
    for name, data in (("a.csv", b"lat,lon\n60.1,24.9\n"), ("b.json", b'{"elements": 5}'), ("c.osm", b"<osm/>"),
                       ("d.bin", bytes(range(256)))):
        path = tmp_path / name
        path.write_bytes(data)
        _, message = outcome(lambda path=path: load_cameras(path, format=fmt), CameraDataError)
        assert one_line(message)
