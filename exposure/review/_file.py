"""The review store's file: its tables, how it is made whole or not at all, and how a foreign file is refused."""

from __future__ import annotations

import errno
import os
import sqlite3
import uuid
from pathlib import Path

from exposure import settings
from exposure._errors import ReviewError
from exposure.review._gpkg import (
    GPKG_APPLICATION_ID,
    SQLITE_HEADER,
    create_core_tables,
    register_attributes,
    register_points,
)
from exposure.review.records import utc_text

__all__ = [
    "STORE_APPLICATION",
    "STORE_SCHEMA_VERSION",
    "WRITTEN_TABLES",
    "check_store_file",
    "connect",
    "create_store_file",
    "link_into_place",
]

#: What the store's ``review_meta`` table names as its application: a GeoPackage without it is not a store.
STORE_APPLICATION = "exposure-review"
#: Version of the store's tables; a store written by a newer version is refused, not rewritten.
STORE_SCHEMA_VERSION = 1
#: The tables every write may change (their ``gpkg_contents.last_change`` is set on commit).
WRITTEN_TABLES: tuple[str, ...] = ("cameras", "reviews", "warnings", "merges")

_TABLES_DDL = """
CREATE TABLE review_meta (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    value TEXT NOT NULL
);
CREATE TABLE cameras (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    geom POINT NOT NULL,
    camera_id TEXT NOT NULL UNIQUE,
    lon DOUBLE NOT NULL,
    lat DOUBLE NOT NULL,
    added_by TEXT NOT NULL,
    added_utc TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE reviews (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    review_id TEXT NOT NULL UNIQUE,
    camera_id TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    reviewed_utc TEXT NOT NULL,
    "exists" INTEGER NOT NULL CHECK ("exists" IN (0, 1)),
    kind TEXT, mount TEXT, camera_mount TEXT, operator TEXT,
    direction_deg DOUBLE, fov_deg DOUBLE, surveillance TEXT,
    how TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    withdrawn_utc TEXT
);
CREATE INDEX reviews_camera ON reviews (camera_id);
CREATE TABLE warnings (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    warning_id TEXT NOT NULL UNIQUE,
    code TEXT NOT NULL,
    camera_id TEXT NOT NULL DEFAULT '',
    other_id TEXT NOT NULL DEFAULT '',
    review_id TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL,
    raised_utc TEXT NOT NULL
);
CREATE TABLE merges (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    merge_id TEXT NOT NULL UNIQUE,
    first_id TEXT NOT NULL,
    second_id TEXT NOT NULL,
    merged_by TEXT NOT NULL,
    merged_utc TEXT NOT NULL
);
"""
_ATTRIBUTE_TABLES = {
    "review_meta": "what this file is: an exposure review store, its schema version",
    "reviews": "reviews of cameras: who, when, what, how; withdrawn reviews are kept as history",
    "warnings": "plausibility warnings raised when cameras were added or reviewed",
    "merges": "pairs of camera ids reviewers said are one camera",
}


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are begun explicitly) that waits for other writers."""
    try:
        con = sqlite3.connect(path, timeout=settings.review_busy_timeout_s, isolation_level=None)
    except sqlite3.Error as err:
        msg = f"review store {path} cannot be opened ({err}); check the folder's permissions"
        raise ReviewError(msg) from err
    con.execute(f"PRAGMA busy_timeout = {int(settings.review_busy_timeout_s * 1000)}")
    # with a write-ahead log, FULL makes each commit durable when it returns, even over a power cut
    con.execute("PRAGMA synchronous = FULL")
    return con


def create_store_file(path: Path) -> None:
    """Build an empty store in a temporary file beside ``path``, then link it into place: never half a store.

    When another process made the store first, its file is kept and this one dropped.
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        msg = f"review store {path}: its folder cannot be made ({err.strerror or err}); choose another path"
        raise ReviewError(msg) from err
    tmp = folder / f".{path.name}-{uuid.uuid4().hex}.tmp"
    try:
        con = connect(tmp)
        try:
            create_core_tables(con)
            con.executescript(_TABLES_DDL)
            register_points(con, "cameras", column="geom", description="cameras a group added (review:… ids)")
            for table, description in _ATTRIBUTE_TABLES.items():
                register_attributes(con, table, description=description)
            con.executemany("INSERT INTO review_meta (key, value) VALUES (?, ?)", [
                ("application", STORE_APPLICATION),
                ("schema_version", str(STORE_SCHEMA_VERSION)),
                ("created_utc", utc_text()),
            ])
            # readers go on reading while one process writes; kept in the file, so set once here
            con.execute("PRAGMA journal_mode = WAL")
        finally:
            con.close()
        link_into_place(tmp, path)  # False: another process made it first, and its file is used
    except (OSError, sqlite3.Error) as err:
        msg = f"review store {path} cannot be made ({err}); check the folder's permissions and free space"
        raise ReviewError(msg) from err
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)


def link_into_place(tmp: Path, path: Path) -> bool:
    """Give a finished file its name unless that name is taken; False when it is (the file there is kept).

    A hard link fails when the name exists, so two processes never replace each
    other's file; on a file system without hard links, the file is renamed when
    the name is free (two processes racing there may replace each other's new file).
    """
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    except OSError as err:
        if err.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK):
            raise
        if path.exists():
            return False
        os.replace(tmp, path)
    return True


def check_store_file(path: Path) -> dict[str, str]:
    """Refuse a file that is not a review store, saying what it is, without writing to it; return its metadata."""
    where = f"review store {path}"
    if not path.is_file():
        msg = f"{where} is not a file; give the path of a .gpkg review store"
        raise ReviewError(msg)
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as err:
        msg = f"{where} cannot be read ({err.strerror or err}); check its permissions"
        raise ReviewError(msg) from err
    if head != SQLITE_HEADER:
        what = "is empty" if not head else "is not a SQLite database or GeoPackage"
        msg = f"{where} {what}; it is left as it is: give another path for the store"
        raise ReviewError(msg)
    try:
        con = connect(path)
        try:
            meta = _read_meta(con, where)
            check = con.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError as err:
        msg = f"{where} is damaged ({err}); it is left as it is: restore a copy, or give another path"
        raise ReviewError(msg) from err
    if check != "ok":
        msg = f"{where} is damaged (SQLite's check: {check}); it is left as it is: restore a copy"
        raise ReviewError(msg)
    version = int(meta.get("schema_version", "0") or 0)
    if version > STORE_SCHEMA_VERSION:
        msg = (f"{where} has schema version {version}, newer than this program's {STORE_SCHEMA_VERSION}; "
               "update the program to use it (the file is left as it is)")
        raise ReviewError(msg)
    return meta


def _read_meta(con: sqlite3.Connection, where: str) -> dict[str, str]:
    application = con.execute("PRAGMA application_id").fetchone()[0]
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "review_meta" not in tables:
        what = "a GeoPackage" if application == GPKG_APPLICATION_ID else "a SQLite database"
        msg = (f"{where} is {what} but not a review store (no review_meta table); it is left as it is: give "
               "another path for the store")
        raise ReviewError(msg)
    meta = {str(k): str(v) for k, v in con.execute("SELECT key, value FROM review_meta")}
    if meta.get("application") != STORE_APPLICATION or not set(WRITTEN_TABLES) <= tables:
        msg = f"{where} has a review_meta table but is not an exposure review store; it is left as it is"
        raise ReviewError(msg)
    return meta
