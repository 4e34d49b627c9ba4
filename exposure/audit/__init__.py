"""Exposure of a walk someone already made: read a GPX/GeoJSON track and measure its time in view."""

from __future__ import annotations

from exposure.audit.compare import TrackComparison, WalkComparison, walk_alternative, walk_alternatives
from exposure.audit.gaps import Gap, Gaps, fill_gaps
from exposure.audit.measure import PER_CAMERA_COLUMNS, TRACK_COLUMNS, Audit, audit_track
from exposure.audit.tables import AUDIT_CAMERA_COLUMNS, AUDIT_TRACK_COLUMNS, AuditTables, audit_tables
from exposure.audit.tracks import Piece, Track, read_track, read_track_bytes

__all__ = [
    "AUDIT_CAMERA_COLUMNS",
    "AUDIT_TRACK_COLUMNS",
    "PER_CAMERA_COLUMNS",
    "TRACK_COLUMNS",
    "Audit",
    "AuditTables",
    "Gap",
    "Gaps",
    "Piece",
    "Track",
    "TrackComparison",
    "WalkComparison",
    "audit_tables",
    "audit_track",
    "fill_gaps",
    "read_track",
    "read_track_bytes",
    "walk_alternative",
    "walk_alternatives",
]
