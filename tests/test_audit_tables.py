"""Tests of exposure.audit.tables: an audit's cameras and tracks as tables for people."""

from __future__ import annotations

import pandas as pd

from exposure.audit import AUDIT_CAMERA_COLUMNS, AUDIT_TRACK_COLUMNS, audit_tables, audit_track
from exposure.cameras import CAMERA_COLUMNS


def cameras() -> pd.DataFrame:
    rows = [{"camera_id": "a", "lon": 24.9400, "lat": 60.1700, "kind": "dome", "mount": "street",
             "operator": "public", "verification": "verified", "frt_tier": "high"},
            {"camera_id": "b", "lon": 24.9410, "lat": 60.1700, "kind": "fixed", "mount": "building",
             "operator": "private", "verification": "verified", "frt_tier": "low"}]
    return pd.DataFrame(rows).reindex(columns=list(CAMERA_COLUMNS))


def test_tables_have_names_for_people_and_rounded_figures() -> None:
    audit = audit_track([(60.17, 24.939), (60.17, 24.9405), (60.17, 24.942)], cameras())
    tables = audit_tables(audit)
    assert list(tables.cameras.columns) == list(AUDIT_CAMERA_COLUMNS)
    assert "camera_id" not in tables.cameras.columns
    assert tables.cameras["Camera"].tolist() == list(audit.per_camera["camera_id"])
    assert set(tables.cameras["FRT-capable"]) <= {"yes", "no"}
    assert all(isinstance(v, int) for v in tables.cameras["In view (m)"])
    assert tables.cameras["In view (s)"].isna().all()  # no timestamps
    assert list(tables.tracks.columns) == list(AUDIT_TRACK_COLUMNS)
    assert tables.tracks["Track"].tolist() == ["1", "total"]
    share = tables.tracks["In view (%)"].iloc[-1]
    assert share == round(100 * audit.share_in_view, 1)
    assert tables.tracks["Length (m)"].iloc[-1] == round(audit.length_m)
    assert tables.tracks["Unknown (m)"].tolist() == [0, 0]
