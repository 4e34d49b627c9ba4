"""Tests of the review store's file: made whole or not at all, and foreign or damaged files refused, untouched."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from exposure._errors import ReviewError
from exposure.review._file import (
    STORE_APPLICATION,
    STORE_SCHEMA_VERSION,
    check_store_file,
    connect,
    create_store_file,
    link_into_place,
)


def test_a_new_store_file_is_whole_in_wal_mode_with_its_metadata(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "store.gpkg"
    create_store_file(path)
    meta = check_store_file(path)
    assert meta["application"] == STORE_APPLICATION
    assert meta["schema_version"] == str(STORE_SCHEMA_VERSION)
    con = connect(path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    finally:
        con.close()
    assert sorted(p.name for p in path.parent.iterdir()) == ["store.gpkg"]  # no temporary file left


def test_a_store_made_twice_keeps_the_first_file(tmp_path: Path) -> None:
    path = tmp_path / "store.gpkg"
    create_store_file(path)
    con = connect(path)
    con.execute("INSERT INTO review_meta (key, value) VALUES ('mark', 'first')")
    con.close()
    create_store_file(path)  # another process lost the race: its file is dropped, the first kept
    assert check_store_file(path)["mark"] == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.gpkg"]


@pytest.mark.parametrize("hard_links", [True, False])
def test_a_finished_file_takes_its_name_only_when_it_is_free(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             hard_links: bool) -> None:
    if not hard_links:
        def no_link(src: object, dst: object) -> None:
            raise OSError(errno.EPERM, "hard links not supported")
        monkeypatch.setattr(os, "link", no_link)
    first, second, name = tmp_path / "a.tmp", tmp_path / "b.tmp", tmp_path / "store.gpkg"
    first.write_text("first")
    second.write_text("second")
    assert link_into_place(first, name)
    assert not link_into_place(second, name)
    assert name.read_text() == "first"


def test_a_store_in_a_folder_that_cannot_be_made_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ReviewError, match="its folder cannot be made"):
        create_store_file(blocker / "store.gpkg")


def _sqlite_file(path: Path, statements: str) -> None:
    con = sqlite3.connect(path)
    con.executescript(statements)
    con.close()


FOREIGN = {
    "text": (lambda p: p.write_text("camera_id,lon,lat\n1,2,3\n"), "is not a SQLite database or GeoPackage"),
    "empty": (lambda p: p.write_bytes(b""), "is empty"),
    "sqlite": (lambda p: _sqlite_file(p, "CREATE TABLE t (a); INSERT INTO t VALUES (1);"),
               "is a SQLite database but not a review store"),
    "geopackage": (lambda p: pyogrio.write_dataframe(
        gpd.GeoDataFrame({"a": [1]}, geometry=gpd.points_from_xy([1], [2]), crs="EPSG:4326"), p, driver="GPKG"),
        "is a GeoPackage but not a review store"),
    "impostor": (lambda p: _sqlite_file(p, "CREATE TABLE review_meta (key, value); "
                                           "INSERT INTO review_meta VALUES ('application', 'other');"),
                 "has a review_meta table but is not an exposure review store"),
    "damaged": (lambda p: p.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 64), "is damaged"),
}


@pytest.mark.parametrize("kind", list(FOREIGN))
def test_a_foreign_or_damaged_file_is_refused_naming_it_and_left_as_it_is(tmp_path: Path, kind: str) -> None:
    make, match = FOREIGN[kind]
    path = tmp_path / f"{kind}.gpkg"
    make(path)
    before = path.read_bytes()
    with pytest.raises(ReviewError, match=f"review store {path}.*{match}"):
        check_store_file(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_store_damaged_after_its_first_page_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "store.gpkg"
    create_store_file(path)
    con = connect(path)
    con.execute("PRAGMA journal_mode = DELETE")  # everything in the one file, to damage it there
    con.executemany("INSERT INTO review_meta (key, value) VALUES (?, ?)", [(f"k{n}", "x" * 500) for n in range(60)])
    con.close()
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 3: page * 8] = b"\xff" * (page * 5)
    path.write_bytes(bytes(data))
    with pytest.raises(ReviewError, match=f"review store {path} is damaged"):
        check_store_file(path)
    assert path.read_bytes() == bytes(data)


def test_a_store_of_a_newer_schema_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "store.gpkg"
    create_store_file(path)
    con = connect(path)
    con.execute("UPDATE review_meta SET value = ? WHERE key = 'schema_version'", (str(STORE_SCHEMA_VERSION + 1),))
    con.close()
    before = path.read_bytes()
    with pytest.raises(ReviewError, match=f"schema version {STORE_SCHEMA_VERSION + 1}, newer than"):
        check_store_file(path)
    assert path.read_bytes() == before


def test_a_folder_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(ReviewError, match="is not a file"):
        check_store_file(tmp_path)
