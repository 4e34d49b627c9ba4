"""A check every camera loader's output must pass, shared by the camera and source tests."""

from __future__ import annotations

import numpy as np

from exposure.schema import (
    CAMERA_COLUMNS,
    KINDS,
    MOUNTS,
    OPERATORS,
    REJECTED_COLUMNS,
    VERIFICATIONS,
    CameraLoad,
)


def assert_schema(load: CameraLoad) -> None:
    cameras = load.cameras
    assert tuple(cameras.columns) == CAMERA_COLUMNS
    assert tuple(load.rejected.columns) == REJECTED_COLUMNS
    assert cameras["camera_id"].is_unique
    assert cameras["lon"].dtype == np.float64
    assert cameras["lat"].dtype == np.float64
    assert cameras["reports"].dtype == np.int64
    for column in ("direction_deg", "fov_deg", "height_m"):
        assert cameras[column].dtype == np.float64
    assert set(cameras["kind"]) <= set(KINDS)
    assert set(cameras["mount"]) <= set(MOUNTS)
    assert set(cameras["operator"]) <= set(OPERATORS)
    assert set(cameras["verification"]) <= set(VERIFICATIONS)
    assert cameras["frt_tier"].notna().all()
    assert all(v is None or isinstance(v, str) for v in cameras["observed"])
