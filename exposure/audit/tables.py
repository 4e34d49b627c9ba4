"""An audit as the tables people read: cameras met and tracks, with column names for people and rounded figures."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from exposure.audit.measure import Audit

__all__ = ["AUDIT_CAMERA_COLUMNS", "AUDIT_TRACK_COLUMNS", "AuditTables", "audit_tables"]

#: Columns of :attr:`AuditTables.cameras`, in this order.
AUDIT_CAMERA_COLUMNS: tuple[str, ...] = (
    "Camera", "FRT-capable", "FRT tier", "Kind", "In view (m)", "In view (s)",
)
#: Columns of :attr:`AuditTables.tracks`, in this order.
AUDIT_TRACK_COLUMNS: tuple[str, ...] = (
    "Track", "Name", "Segments", "Length (m)", "Cameras", "FRT cameras", "In view of FRT cameras (m)",
    "In view of any camera (m)", "In view (%)", "Unknown (m)", "Time in view (s)", "Time recorded (s)",
)


@dataclass(frozen=True, eq=False)
class AuditTables:
    """The tables of an audit, metres and seconds to the unit, shares in per cent to one decimal.

    Attributes
    ----------
    cameras
        One row per camera the walk met, most metres in view first (:data:`AUDIT_CAMERA_COLUMNS`).
    tracks
        One row per track of the file, then their total (:data:`AUDIT_TRACK_COLUMNS`); "Unknown (m)"
        is the part of a track in gaps nobody knows the way through, out of "In view (%)".
    """

    cameras: pd.DataFrame
    tracks: pd.DataFrame


def _whole(value: Any) -> int | None:
    """A figure to the unit, or None when it is missing (no timestamps)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value))


def _track_row(track: str, name: str, segments: int, figures: dict[str, Any]) -> dict[str, Any]:
    return {
        "Track": track, "Name": name, "Segments": segments, "Length (m)": _whole(figures["length_m"]),
        "Cameras": int(figures["cameras"]), "FRT cameras": int(figures["frt_cameras"]),
        "In view of FRT cameras (m)": _whole(figures["metres_in_view"]),
        "In view of any camera (m)": _whole(figures["metres_in_view_any"]),
        "In view (%)": round(100 * float(figures["share_in_view"]), 1), "Unknown (m)": _whole(figures["unknown_m"]),
        "Time in view (s)": _whole(figures["seconds_in_view"]), "Time recorded (s)": _whole(figures["seconds_total"]),
    }


def audit_tables(audit: Audit) -> AuditTables:
    """The tables of an audit: the cameras met and the tracks with their total (see :class:`AuditTables`)."""
    cameras = [{
        "Camera": str(r["camera_id"]), "FRT-capable": "yes" if r["frt_capable"] else "no",
        "FRT tier": str(r["frt_tier"]), "Kind": str(r["kind"]), "In view (m)": _whole(r["metres_in_view"]),
        "In view (s)": _whole(r["seconds_in_view"]),
    } for r in audit.per_camera.to_dict(orient="records")]
    tracks = [_track_row(str(r["track"]), str(r["name"]), int(r["segments"]), r)
              for r in audit.tracks.to_dict(orient="records")]
    total = {"length_m": audit.length_m, "cameras": audit.cameras, "frt_cameras": audit.frt_cameras,
             "metres_in_view": audit.metres_in_view, "metres_in_view_any": audit.metres_in_view_any,
             "share_in_view": audit.share_in_view, "seconds_in_view": audit.seconds_in_view,
             "seconds_total": audit.seconds_total, "unknown_m": audit.unknown_m}
    tracks.append(_track_row("total", "", sum(int(r["Segments"]) for r in tracks), total))
    return AuditTables(cameras=pd.DataFrame(cameras, columns=list(AUDIT_CAMERA_COLUMNS)),
                       tracks=pd.DataFrame(tracks, columns=list(AUDIT_TRACK_COLUMNS)))
