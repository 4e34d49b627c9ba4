"""Tests of the GeoPackage plumbing: point geometries and layers GDAL reads as a GeoPackage's."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyogrio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exposure.review._gpkg import (
    GPKG_APPLICATION_ID,
    GPKG_USER_VERSION,
    create_core_tables,
    point_blob,
    point_from_blob,
    register_attributes,
    register_points,
    touch_contents,
)


@given(st.floats(-180, 180), st.floats(-90, 90))
def test_a_point_blob_reads_back_exactly(lon: float, lat: float) -> None:
    assert point_from_blob(point_blob(lon, lat)) == (lon, lat)


def test_a_point_blob_is_a_geopackage_header_then_wkb() -> None:
    blob = point_blob(1.5, -2.0)
    assert blob[:2] == b"GP"
    assert blob[2:4] == b"\x00\x01"  # version 0; little-endian, no envelope
    assert int.from_bytes(blob[4:8], "little") == 4326
    assert blob[8:13] == b"\x01\x01\x00\x00\x00"  # little-endian WKB Point


@pytest.mark.parametrize("blob", [b"", b"GP" + bytes(27), b"XX" + point_blob(1, 2)[2:]])
def test_anything_else_is_not_read_as_a_point(blob: bytes) -> None:
    with pytest.raises(ValueError, match="point"):
        point_from_blob(blob)


def test_gdal_reads_the_layers_as_a_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "t.gpkg"
    con = sqlite3.connect(path)
    create_core_tables(con)
    con.execute("CREATE TABLE spots (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom POINT, name TEXT)")
    con.execute("CREATE TABLE notes (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, text TEXT)")
    register_points(con, "spots", column="geom", description="some spots")
    register_attributes(con, "notes", description="some notes")
    con.executemany("INSERT INTO spots (geom, name) VALUES (?, ?)",
                    [(point_blob(24.94, 60.17), "a"), (point_blob(-73.99, 40.73), "b")])
    con.execute("INSERT INTO notes (text) VALUES ('hello')")
    touch_contents(con, ("spots",))
    con.commit()
    assert con.execute("PRAGMA application_id").fetchone()[0] == GPKG_APPLICATION_ID
    assert con.execute("PRAGMA user_version").fetchone()[0] == GPKG_USER_VERSION
    con.close()
    assert dict(pyogrio.list_layers(path)) == {"spots": "Point", "notes": None}
    info = pyogrio.read_info(path, layer="spots")
    assert (info["driver"], info["crs"], info["features"]) == ("GPKG", "EPSG:4326", 2)
    spots = pyogrio.read_dataframe(path, layer="spots")
    assert spots["name"].tolist() == ["a", "b"]
    assert spots.geometry.x.tolist() == [24.94, -73.99]
    assert pyogrio.read_dataframe(path, layer="notes")["text"].tolist() == ["hello"]
