"""Tests of exposure.sources.cctv_exposure: the CCTV-Exposure camera map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from exposure._errors import CameraDataError
from exposure.cameras import load_cameras
from exposure.sources.cctv_exposure import cameras_from_cctv_exposure
from tests.camera_schema import assert_schema


def test_jyvaskyla_cctv_exposure_loads_every_camera(shared_data: Path) -> None:
    load = load_cameras(shared_data / "jyvaskyla" / "cameras.csv")
    assert_schema(load)
    assert len(load.cameras) == 450
    assert load.rejected.empty
    assert load.cameras["source"].eq("cctv-exposure").all()
    assert load.cameras["kind"].value_counts().to_dict() == {"dome": 284, "fixed": 166}
    assert load.cameras["verification"].eq("verified").all()
    assert load.cameras["direction_deg"].isna().all()


def test_cctv_exposure_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "cameras.xml"  # the tool names its CSV .xml
    path.write_text(
        "latitude,longitude,camera_type,radius,angle_of_view,camera_model,url,camera_in_streetview\n"
        '62.23,25.73,round,10.0,360,Zmodo,"",no\n'
        '62.23,25.73,directed,10.0,90,Zmodo,"",no\n'
        '62.23,,round,10.0,360,Zmodo,"",no\n'
        '62.23,25.73,square,10.0,360,Zmodo,"",no\n',
        encoding="utf-8",
    )
    load = load_cameras(path)
    assert list(load.cameras["camera_id"]) == ["cctvx:1", "cctvx:2"]
    assert list(load.cameras["fov_deg"]) == [360.0, 90.0]
    assert list(zip(load.rejected["row"], load.rejected["column"], strict=True)) == [
        (3, "longitude"),
        (4, "camera_type"),
    ]
    missing = tmp_path / "m.csv"
    missing.write_text("latitude,longitude\n1,2\n", encoding="utf-8")
    with pytest.raises(CameraDataError, match=r"missing CCTV-Exposure column\(s\) camera_type"):
        cameras_from_cctv_exposure(missing)



def test_cctv_exposure_hostile_values(tmp_path: Path) -> None:
    path = tmp_path / "cameras.xml"
    path.write_text(
        "latitude,longitude,camera_type,radius,angle_of_view\n"
        "1e400,25.73,round,10,360\n"
        "NaN,25.73,round,10,360\n"
        "62.23,25.73,directed,10,1e400\n"
        '62.23,25.73,"=cmd|\' /C calc\'!A0",10,360\n'
        "62.23,25.73,<script>,10,360\n",
        encoding="utf-8",
    )
    load = load_cameras(path)
    assert load.cameras["camera_id"].tolist() == ["cctvx:3"]
    assert np.isnan(load.cameras["fov_deg"].iloc[0])
    assert load.rejected[["row", "column"]].values.tolist() == [[1, "latitude"], [2, "latitude"],
                                                                [3, "angle_of_view"], [4, "camera_type"],
                                                                [5, "camera_type"]]


def test_cctv_exposure_radius_is_the_camera_own_range(tmp_path: Path) -> None:
    path = tmp_path / "cameras.xml"
    path.write_text(
        "latitude,longitude,camera_type,radius,angle_of_view\n"
        "62.23,25.73,round,10.0,360\n"
        "62.23,25.73,directed,7.5,90\n"
        "62.23,25.73,directed,,90\n"
        "62.23,25.73,directed,-3,90\n",
        encoding="utf-8",
    )
    load = load_cameras(path)
    assert_schema(load)
    np.testing.assert_array_equal(load.cameras["range_m"], [10.0, 7.5, np.nan, np.nan])
    # a radius that is no range is reported, the camera kept (its range then comes from the model)
    assert list(zip(load.rejected["row"], load.rejected["column"], strict=True)) == [(4, "radius")]


def test_jyvaskyla_cameras_keep_the_file_own_ten_metre_radius(shared_data: Path) -> None:
    cams = load_cameras(shared_data / "jyvaskyla" / "cameras.csv").cameras
    assert cams["range_m"].eq(10.0).all()
    assert not cams["indoor"].any()
