"""Tests of exposure.schema: the camera row's vocabularies and where a camera source looked."""

from __future__ import annotations

import math

import pandas as pd
import shapely

from exposure.schema import (
    CAMERA_COLUMNS,
    FRT_CAPABLE_TIERS,
    FRT_TIERS,
    REJECTED_COLUMNS,
    CameraExtent,
    CameraLoad,
    camera_extent,
    load_extent,
)


def test_capable_tiers_are_tiers_and_every_tier_is_a_column_value() -> None:
    assert set(FRT_CAPABLE_TIERS) < set(FRT_TIERS)
    assert "frt_tier" in CAMERA_COLUMNS
    assert len(set(CAMERA_COLUMNS)) == len(CAMERA_COLUMNS)
    assert REJECTED_COLUMNS == ("file", "row", "column", "value", "reason")


def test_camera_extent_is_the_box_around_the_usable_cameras() -> None:
    cameras = pd.DataFrame({"lon": [24.9, 25.1, math.nan], "lat": [60.1, 60.3, 60.2]})
    extent = camera_extent(cameras, source="/data/cams.csv")
    assert extent.geometry.bounds == (24.9, 60.1, 25.1, 60.3)
    assert extent.description.startswith("the box around the 2 cameras of cams.csv")
    assert extent.boroughs == ()


def test_camera_extent_of_no_camera_is_empty() -> None:
    extent = camera_extent(pd.DataFrame({"lon": [], "lat": []}), source="none.csv")
    assert extent.geometry.is_empty
    assert extent.description == "no camera of none.csv"


def test_load_extent_prefers_what_the_file_says() -> None:
    cameras = pd.DataFrame({"lon": [24.9], "lat": [60.1]})
    said = CameraExtent(shapely.Point(0, 0), "the intersections counted")
    with_extent = CameraLoad(cameras=cameras, rejected=pd.DataFrame(), source="a.csv", extent=said)
    assert load_extent(with_extent) is said
    without = CameraLoad(cameras=cameras, rejected=pd.DataFrame(), source="a.csv")
    assert load_extent(without).geometry.bounds == (24.9, 60.1, 24.9, 60.1)
