"""Tests of exposure.sources._common: problem rows, the camera frame, finishing a load and GeoJSON points."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from exposure import settings as exposure_settings
from exposure._errors import CameraDataError
from exposure.schema import CAMERA_COLUMNS, REJECTED_COLUMNS
from exposure.sources._common import (
    CAMERA_FILE,
    KEPT,
    camera_frame,
    clip,
    finish,
    geojson_points,
    not_first_good,
    problem,
    rejected_frame,
)
from tests.camera_schema import assert_schema


def columns(n: int, **overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "camera_id": [f"c{i}" for i in range(n)], "lon": [24.9] * n, "lat": [60.1] * n, "source": ["t"] * n,
        "kind": ["ptz"] * n, "mount": ["building"] * n, "operator": ["private"] * n,
        "direction_deg": [np.nan] * n, "fov_deg": [np.nan] * n, "height_m": [np.nan] * n,
        "verification": ["unverified"] * n, "agreement": [""] * n, "reports": [1] * n, "observed": [""] * n,
    }
    base.update(overrides)
    return base


def test_the_camera_file_kind_names_cameras() -> None:
    assert CAMERA_FILE.what == "camera file"
    assert CAMERA_FILE.error is CameraDataError
    assert hasattr(exposure_settings, CAMERA_FILE.size_setting)
    assert hasattr(exposure_settings, CAMERA_FILE.rows_setting)


def test_clip_cuts_long_values_only() -> None:
    assert clip(None) is None
    assert clip(3.5) == 3.5
    assert clip("short") == "short"
    assert clip("x" * 300) == "x" * 199 + "…"
    assert clip("abcdef", 4) == "abc…"


def test_problem_rows_make_the_report() -> None:
    row = problem("f.csv", np.int64(3), "lat", "y" * 500, "bad")
    assert row == {"file": "f.csv", "row": 3, "column": "lat", "value": "y" * 199 + "…", "reason": "bad"}
    assert problem("f.csv", 1, "kind", None, KEPT)["value"] == ""
    frame = rejected_frame([row])
    assert tuple(frame.columns) == REJECTED_COLUMNS
    assert frame["row"].dtype == np.int64
    assert rejected_frame([]).empty


def test_camera_frame_has_the_schema_and_the_default_tier() -> None:
    frame = camera_frame(columns(2, observed=["2024-01-01", ""], kind=["ptz", "fixed"]))
    assert tuple(frame.columns) == CAMERA_COLUMNS
    assert frame["frt_tier"].tolist() == ["high", "low"]
    assert frame["observed"].tolist() == ["2024-01-01", None]
    assert frame["reports"].dtype == np.int64


def test_finish_builds_a_load_or_says_why_nothing_was_usable() -> None:
    load = finish(columns(1), [problem("f.csv", 2, "lat", "x", "lat is not a number")], source="f.csv")
    assert_schema(load)
    assert load.rejected["row"].tolist() == [2]
    with pytest.raises(CameraDataError, match=r"^f\.csv: no camera rows found; check that this is a camera file$"):
        finish(columns(0), [], source="f.csv")
    with pytest.raises(CameraDataError, match=r"no usable camera row \(1 problem\(s\)\); first: data row 4 \(line 5\), "
                                              r"column 'lat': bad\. Fix these rows"):
        finish(columns(0), [problem("f.csv", 4, "lat", "", "bad")], source="f.csv")
    with pytest.raises(CameraDataError, match=r"first: feature 4, column 'geometry'"):
        finish(columns(0), [problem("f", 4, "geometry", "", "bad")], source="f", unit="feature")
    # a Decode intersection may hold no camera: the rows read are what counts
    assert len(finish(columns(0), [], source="f", good_inputs=1).cameras) == 0


def test_finish_refuses_more_cameras_than_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exposure_settings, "max_cameras", 2)
    with pytest.raises(CameraDataError, match=r"3 cameras, over the limit of 2 for one file"):
        finish(columns(3), [], source="f.csv")


def test_not_first_good_marks_later_copies_among_good_rows() -> None:
    values = pd.Series(["a", "a", "b", "a", "b"])
    bad = np.array([True, False, False, False, False])
    assert not_first_good(values, bad).tolist() == [False, False, False, True, True]


def test_geojson_points_and_the_features_that_are_not() -> None:
    point = {"type": "Feature", "id": 7, "properties": {"kind": "dome"},
             "geometry": {"type": "Point", "coordinates": [24.9, 60.1]}}
    data = {"type": "FeatureCollection", "features": [
        point,
        "nonsense",
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": []}},
        {"type": "Feature", "geometry": None},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1]}},
        {"type": "Feature", "id": True, "properties": [1], "geometry": {"type": "Point", "coordinates": [1, 2]}},
    ]}
    points, problems = geojson_points(data, path=Path("p.geojson"))
    assert points == [(1, 24.9, 60.1, {"kind": "dome"}, 7), (6, 1.0, 2.0, {}, None)]
    assert [(p["row"], p["column"]) for p in problems] == [
        (2, "feature"), (3, "geometry"), (4, "geometry"), (5, "geometry"), (6, "properties")]
    assert "a LineString geometry" in problems[1]["reason"]
    assert "without a geometry" in problems[2]["reason"]
    assert problems[4]["reason"].endswith(KEPT)
    assert geojson_points(point, path=Path("one.geojson"))[0] == [(1, 24.9, 60.1, {"kind": "dome"}, 7)]
    with pytest.raises(CameraDataError, match=r"camera file p\.geojson is JSON but neither a GeoJSON"):
        geojson_points([1, 2], path=Path("p.geojson"))
