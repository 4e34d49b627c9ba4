"""Tests of exposure.cameras: format detection, uploads read from memory, export, the names it re-exports."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exposure import settings as exposure_settings
from exposure._errors import CameraDataError
from exposure._tables import json_safe
from exposure.cameras import (
    cameras_from_osm_elements,
    cameras_to_csv,
    cameras_to_geojson,
    load_cameras,
    load_cameras_bytes,
    write_cameras_geojson,
    write_cameras_json,
)
from tests.hostile import one_line, outcome

# --------------------------------------------------------------------------- format detection


def test_file_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.csv"
    path.write_text("lat,lon\n" + "60.1,24.9\n" * 2000, encoding="utf-8")
    monkeypatch.setattr(exposure_settings, "max_camera_file_mb", 0.001)
    with pytest.raises(CameraDataError, match=r"big\.csv is 0\.0 MB, over the 0\.001 MB limit"):
        load_cameras(path)


def test_readers_stay_importable_from_cameras() -> None:
    import exposure.cameras
    import exposure.policies
    import exposure.schema
    import exposure.sources

    for module in (exposure.sources, exposure.schema, exposure.policies):
        for name in module.__all__:
            assert getattr(exposure.cameras, name) is getattr(module, name)
            assert name in exposure.cameras.__all__
    assert not hasattr(exposure.cameras, "__getattr__")  # every name is defined or imported, none served late
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


def _written(write, cameras: pd.DataFrame, **options) -> str:
    out = io.StringIO()
    write(cameras, out, **options)
    return out.getvalue()


def _whole(obj) -> str:
    return json.dumps(json_safe(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


@pytest.mark.parametrize("rows", [0, 1, 2, 5])
@pytest.mark.parametrize("chunk_rows", [1, 2, 1000])
def test_streamed_json_is_the_json_of_the_whole_table(rows: int, chunk_rows: int) -> None:
    elements = [(f"node/{i}", 24.9 + i / 1000, 60.1, {"man_made": "surveillance", "name": "Töölö \"kamera\"\n",
                                                      "camera:direction": "90" if i % 2 else "nowhere"})
                for i in range(rows)]
    cameras = (cameras_from_osm_elements(elements, source="t").cameras if rows
               else cameras_from_osm_elements([("node/1", 24.9, 60.1, {"man_made": "surveillance"})],
                                              source="t").cameras.iloc[:0])
    text = _written(write_cameras_json, cameras, chunk_rows=chunk_rows)
    assert text == _whole(json.loads(cameras.to_json(orient="records")))
    geo = _written(write_cameras_geojson, cameras, chunk_rows=chunk_rows)
    assert geo == _whole(cameras_to_geojson(cameras))
    assert len(json.loads(geo)["features"]) == rows


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
