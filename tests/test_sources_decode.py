"""Tests of exposure.sources.decode: Amnesty's Decode Surveillance NYC counts per intersection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from exposure._errors import CameraDataError
from exposure.cameras import CAMERA_COLUMNS, load_cameras
from exposure.sources.decode import cameras_from_decode
from tests.camera_schema import assert_schema

DECODE_HEADER = (
    ",PanoramaId,n_cameras_median,attached_street_median,attached_building_median,"
    "attached_unknown_median,type_dome_median,type_bullet_median,type_unknown_median,"
    "n_cameras_agreement,attached_street_agreement,attached_building_agreement,"
    "attached_unknown_agreement,type_dome_agreement,type_bullet_agreement,type_unknown_agreement,"
    "Lat,Long,geometry_pano,BoroName,URL,ImageDate,geometry"
)


def decode_row(index: int, pano: str, counts: tuple[int, ...], agreement: str, *, lat: str, lon: str) -> str:
    n, street, building, unknown, dome, bullet, type_unknown = counts
    agreements = ",".join([agreement] + ["Unanimous"] * 6)
    return (
        f"{index},{pano},{n},{street},{building},{unknown},{dome},{bullet},{type_unknown},{agreements},"
        f'{lat},{lon},"POINT ({lon} {lat})",Brooklyn,https://example.org/{pano},2020-11,"POINT ({lon} {lat})"'
    )


def test_brooklyn_decode_expands_counts(shared_data: Path) -> None:
    path = shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv"
    raw = pd.read_csv(path)
    load = load_cameras(path)
    assert_schema(load)
    cameras = load.cameras
    assert load.rejected.empty
    n = np.floor(raw["n_cameras_median"] + 0.5).astype(int)
    assert len(cameras) == n.sum()
    expected = {
        "verified": n[raw["n_cameras_agreement"] == "Unanimous"].sum(),
        "unverified": n[raw["n_cameras_agreement"] == "2 vs 1"].sum(),
        "disputed": n[raw["n_cameras_agreement"] == "All disagree"].sum(),
    }
    assert cameras["verification"].value_counts().to_dict() == expected
    assert (
        cameras["agreement"].map(
            {"Unanimous": "verified", "2 vs 1": "unverified", "All disagree": "disputed"}
        )
        == cameras["verification"]
    ).all()
    assert cameras["reports"].eq(3).all()
    # every dome in the data sits on a street row (dome median never exceeds the street median here)
    assert (cameras.loc[cameras["kind"] == "dome", "mount"] == "street").all()
    assert (cameras["kind"] == "dome").sum() == raw["type_dome_median"].sum()


def test_decode_small_file(tmp_path: Path) -> None:
    path = tmp_path / "counts_per_intersections.csv"
    lines = [
        DECODE_HEADER,
        decode_row(0, "A", (3, 1, 1, 0, 2, 1, 0), "Unanimous", lat="40.7", lon="-73.9"),
        decode_row(1, "B", (2, 0, 2, 0, 0, 0, 0), "2 vs 1", lat="40.7", lon="-73.9"),
        decode_row(2, "C", (1, 0, 0, 1, 0, 0, 0), "All disagree", lat="40.7", lon="-73.9"),
        decode_row(3, "D", (0, 0, 0, 0, 0, 0, 0), "Unanimous", lat="40.7", lon="-73.9"),
        decode_row(4, "E", (1, 0, 0, 0, 0, 0, 0), "Unanimous", lat="", lon="-73.9"),
        decode_row(5, "A", (4, 0, 0, 0, 0, 0, 0), "Unanimous", lat="40.7", lon="-73.9"),
        decode_row(6, "F", (2, 3, 3, 0, 0, 0, 0), "Unanimous", lat="40.7", lon="-73.9"),
        decode_row(7, "G", (1, 0, 0, 0, 0, 0, 0), "Maybe", lat="40.7", lon="-73.9"),
        decode_row(8, "H", (1, 0, 0, 0, 0, 0, 0), "Unanimous", lat="40.7", lon="-200"),
    ]
    lines.append(
        decode_row(9, "I", (1, 0, 0, 0, 0, 0, 0), "Unanimous", lat="40.7", lon="-73.9").replace(
            ",1,0,0,", ",many,0,0,", 1
        )
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load = load_cameras(path)
    assert_schema(load)
    cams = load.cameras.set_index("camera_id")
    assert list(cams.index) == [
        "decode:A:0",
        "decode:A:1",
        "decode:A:2",
        "decode:B:0",
        "decode:B:1",
        "decode:C:0",
        "decode:F:0",
        "decode:F:1",
    ]
    assert list(cams.loc[["decode:A:0", "decode:A:1", "decode:A:2"], "mount"]) == [
        "street",
        "building",
        "unknown",
    ]
    assert list(cams.loc[["decode:A:0", "decode:A:1", "decode:A:2"], "kind"]) == ["dome", "dome", "fixed"]
    assert list(cams.loc[["decode:F:0", "decode:F:1"], "mount"]) == ["street", "street"]  # truncated at n
    assert cams.loc["decode:A:0", "verification"] == "verified"
    assert cams.loc["decode:B:0", "verification"] == "unverified"
    assert cams.loc["decode:C:0", "verification"] == "disputed"
    assert cams.loc["decode:C:0", "agreement"] == "All disagree"
    assert cams.loc["decode:A:0", "observed"] == "2020-11"
    rejected = load.rejected
    assert list(zip(rejected["row"], rejected["column"], strict=True)) == [
        (5, "Lat"),
        (6, "PanoramaId"),
        (8, "n_cameras_agreement"),
        (9, "Long"),
        (10, "n_cameras_median"),
    ]
    assert rejected.loc[rejected["row"] == 6, "reason"].iloc[0].startswith("duplicate panorama")
    assert cameras_from_decode(path).cameras.equals(load.cameras)


def test_decode_errors(tmp_path: Path) -> None:
    path = tmp_path / "counts.csv"
    path.write_text("PanoramaId,n_cameras_median,Lat\nA,1,40\n", encoding="utf-8")
    with pytest.raises(
        CameraDataError,
        match=r"counts\.csv: missing Decode Surveillance column\(s\) n_cameras_agreement, Long",
    ):
        cameras_from_decode(path)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        DECODE_HEADER
        + "\n"
        + decode_row(0, "A", (1, 0, 0, 0, 0, 0, 0), "Unanimous", lat="x", lon="-73.9")
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(
        CameraDataError,
        match=r"bad\.csv: no usable camera row .*data row 1 \(line 2\), column 'Lat'",
    ):
        load_cameras(bad)


def test_decode_all_zero_counts_is_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "zero.csv"
    path.write_text(
        DECODE_HEADER
        + "\n"
        + decode_row(0, "A", (0, 0, 0, 0, 0, 0, 0), "Unanimous", lat="40.7", lon="-73.9")
        + "\n",
        encoding="utf-8",
    )
    load = load_cameras(path)
    assert load.cameras.empty
    assert tuple(load.cameras.columns) == CAMERA_COLUMNS

