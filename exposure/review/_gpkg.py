"""GeoPackage plumbing for the review store: the core tables, point geometries, layer registration."""

from __future__ import annotations

import sqlite3
import struct

__all__ = [
    "GPKG_APPLICATION_ID",
    "GPKG_USER_VERSION",
    "SQLITE_HEADER",
    "create_core_tables",
    "point_blob",
    "point_from_blob",
    "register_attributes",
    "register_points",
    "touch_contents",
]

#: ``PRAGMA application_id`` of a GeoPackage: the ASCII of "GPKG".
GPKG_APPLICATION_ID = 0x47504B47
#: ``PRAGMA user_version`` of a GeoPackage 1.3 file.
GPKG_USER_VERSION = 10300
#: The first 16 bytes of every SQLite 3 database file.
SQLITE_HEADER = b"SQLite format 3\x00"

#: The spatial reference systems every GeoPackage must list (GeoPackage 1.3, requirements 11-14).
_SRS_ROWS = (
    ("WGS 84 geodetic", 4326, "EPSG", 4326,
     'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
     'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
     'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]',
     "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
)

_CORE_DDL = """
CREATE TABLE gpkg_spatial_ref_sys (
    srs_name TEXT NOT NULL,
    srs_id INTEGER PRIMARY KEY,
    organization TEXT NOT NULL,
    organization_coordsys_id INTEGER NOT NULL,
    definition TEXT NOT NULL,
    description TEXT
);
CREATE TABLE gpkg_contents (
    table_name TEXT NOT NULL PRIMARY KEY,
    data_type TEXT NOT NULL,
    identifier TEXT UNIQUE,
    description TEXT DEFAULT '',
    last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
    srs_id INTEGER,
    CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE gpkg_geometry_columns (
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    geometry_type_name TEXT NOT NULL,
    srs_id INTEGER NOT NULL,
    z TINYINT NOT NULL,
    m TINYINT NOT NULL,
    CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
    CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
    CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);
"""

# "GP", version 0, flags 0b00000001: little-endian, no envelope, not empty, standard WKB
_HEADER = struct.Struct("<2sBBi")
_WKB_POINT = struct.Struct("<BIdd")


def create_core_tables(con: sqlite3.Connection) -> None:
    """Make a new SQLite database a GeoPackage: its identifiers and its three core tables."""
    con.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
    con.execute(f"PRAGMA user_version = {GPKG_USER_VERSION}")
    con.executescript(_CORE_DDL)
    con.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", _SRS_ROWS)


def register_points(con: sqlite3.Connection, table: str, *, column: str, description: str) -> None:
    """List a table of WGS84 points in the GeoPackage's contents, so that GIS software shows it as a layer."""
    con.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
        "VALUES (?, 'features', ?, ?, 4326)",
        (table, table, description),
    )
    con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, ?, 'POINT', 4326, 0, 0)", (table, column))


def register_attributes(con: sqlite3.Connection, table: str, *, description: str) -> None:
    """List a table without geometry in the GeoPackage's contents (GeoPackage 1.2 "attributes")."""
    con.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES (?, 'attributes', ?, ?)",
        (table, table, description),
    )


def touch_contents(con: sqlite3.Connection, tables: tuple[str, ...]) -> None:
    """Set the ``last_change`` of tables just written, as the GeoPackage standard asks."""
    con.executemany(
        "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?",
        [(t,) for t in tables],
    )


def point_blob(lon: float, lat: float) -> bytes:
    """A WGS84 point as a GeoPackage geometry (header, then little-endian WKB)."""
    return _HEADER.pack(b"GP", 0, 0b00000001, 4326) + _WKB_POINT.pack(1, 1, float(lon), float(lat))


def point_from_blob(blob: bytes) -> tuple[float, float]:
    """The ``(lon, lat)`` of a point written by :func:`point_blob`; ``ValueError`` for anything else."""
    if len(blob) != _HEADER.size + _WKB_POINT.size:
        msg = f"a point geometry has {_HEADER.size + _WKB_POINT.size} bytes, this one {len(blob)}"
        raise ValueError(msg)
    magic, _version, flags, _srs = _HEADER.unpack_from(blob)
    order, kind, x, y = _WKB_POINT.unpack_from(blob, _HEADER.size)
    if magic != b"GP" or flags != 1 or order != 1 or kind != 1:
        msg = "not a little-endian GeoPackage point without envelope"
        raise ValueError(msg)
    return x, y
