"""Tests of plausibility warnings: duplicates, distance from streets, cameras facing their wall, bursts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from exposure import settings
from exposure.cameras import cameras_from_osm_elements
from exposure.crs import local_crs
from exposure.network import index_graph
from exposure.review.plausibility import (
    REPORT_COLUMNS,
    WARNING_CODES,
    basemap_buildings,
    check_camera,
    plausibility_report,
    street_lines,
)
from exposure.review.store import ReviewStore

LON, LAT = 24.9400, 60.1700
CRS = local_crs(LON, LAT)
TO_XY = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
TO_LONLAT = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
X0, Y0 = TO_XY.transform(LON, LAT)


def offset(east_m: float, north_m: float) -> tuple[float, float]:
    """The lon/lat of a point this many metres east and north of (LON, LAT)."""
    lon, lat = TO_LONLAT.transform(X0 + east_m, Y0 + north_m)
    return float(lon), float(lat)


def cameras() -> pd.DataFrame:
    lon, lat = offset(0, 0)
    return cameras_from_osm_elements(
        [("node/1", lon, lat, {"man_made": "surveillance", "camera:type": "dome"})], source="test").cameras


def street(*points_m: tuple[float, float]) -> np.ndarray:
    return np.array([offset(*p) for p in points_m])


STREETS = [street((-100, -30), (100, -30))]  # an east-west street 30 m south of the origin


def building(west: float, south: float, east: float, north: float) -> shapely.Polygon:
    return shapely.Polygon([offset(west, south), offset(east, south), offset(east, north), offset(west, north)])


def codes(warnings: list[object]) -> list[str]:
    return [w.code for w in warnings]  # type: ignore[attr-defined]


def test_every_code_is_documented() -> None:
    assert set(WARNING_CODES) == {"duplicate", "far_from_street", "into_wall", "burst"}


def test_a_camera_of_the_same_kind_within_15_m_is_a_likely_duplicate() -> None:
    warnings = check_camera(*offset(7, 0), kind="dome", cameras=cameras())
    assert codes(warnings) == ["duplicate"]
    assert warnings[0].other_id == "osm:node/1"
    assert "7 m away" in warnings[0].message
    assert check_camera(*offset(7, 0), kind="ptz", cameras=cameras()) == []
    assert check_camera(*offset(20, 0), kind="dome", cameras=cameras()) == []
    assert check_camera(*offset(0, 0), kind="dome", camera_id="osm:node/1", cameras=cameras()) == []


def test_the_duplicate_distance_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "review_duplicate_m", 25.0)
    assert codes(check_camera(*offset(20, 0), kind="dome", cameras=cameras())) == ["duplicate"]


def test_a_camera_far_from_any_street_is_flagged() -> None:
    assert check_camera(*offset(0, 10), streets=STREETS) == []  # 40 m from the street
    warnings = check_camera(*offset(0, 30), streets=STREETS)  # 60 m
    assert codes(warnings) == ["far_from_street"]
    assert "60 m from the nearest street" in warnings[0].message


def test_streets_come_from_a_network_index_as_well() -> None:
    G = nx.MultiDiGraph()
    for node, (east, north) in enumerate([(-100, -30), (0, -30), (100, -30)]):
        lon, lat = offset(east, north)
        G.add_node(node, x=lon, y=lat)
    for u, v in [(0, 1), (1, 0), (1, 2), (2, 1)]:
        G.add_edge(u, v, length=100.0)
    lines = street_lines(index_graph(G))
    assert lines.distance_m(np.array([offset(0, 30)[0]]), np.array([offset(0, 30)[1]]))[0] == pytest.approx(60, abs=0.5)
    assert codes(check_camera(*offset(50, 30), streets=lines)) == ["far_from_street"]
    assert check_camera(*offset(50, 0), streets=lines) == []


def test_a_camera_facing_the_wall_it_hangs_on_is_flagged() -> None:
    house = building(-10, 1, 10, 21)  # its south wall 1 m north of the camera
    north, south = 0.0, 180.0
    warnings = check_camera(*offset(0, 0), direction_deg=north, buildings=[house])
    assert codes(warnings) == ["into_wall"]
    assert check_camera(*offset(0, 0), direction_deg=south, buildings=[house]) == []
    assert check_camera(*offset(0, 0), buildings=[house]) == []  # no direction, nothing to check
    assert check_camera(*offset(0, -30), direction_deg=north, buildings=[house]) == []  # across the street
    # mapped just inside the outline, on the façade: still judged by where it looks
    assert codes(check_camera(*offset(0, 1.5), direction_deg=north, buildings=[house])) == ["into_wall"]
    assert check_camera(*offset(0, 1.5), direction_deg=south, buildings=[house]) == []


def test_a_datasets_basemap_gives_the_buildings_the_wall_check_uses() -> None:
    house = building(-10, 1, 10, 21)
    ring = [list(c) for c in house.exterior.coords]
    outlines = basemap_buildings({"building": [ring, ring[:2]], "water": [ring]})
    assert len(outlines) == 1  # a ring of two corners is no outline; water is no building
    assert outlines[0].equals(house)
    assert codes(check_camera(*offset(0, 0), direction_deg=0.0, buildings=outlines)) == ["into_wall"]
    assert basemap_buildings({}) == []


def burst_of(n: int, *, minutes: float, name: str = "Ana") -> pd.DataFrame:
    start = datetime(2024, 5, 1, tzinfo=UTC)
    return pd.DataFrame({
        "camera_id": [f"review:{name}{i:03d}" for i in range(n)],
        "added_by": name,
        "added_utc": [(start + timedelta(minutes=minutes * i / max(n, 1))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                      for i in range(n)],
    })


def test_a_reviewer_adding_many_cameras_in_a_short_time_is_flagged() -> None:
    now = datetime(2024, 5, 1, 0, 6, tzinfo=UTC)
    warnings = check_camera(LON, LAT, reviewer="ana", added=burst_of(19, minutes=5), when=now)
    assert codes(warnings) == ["burst"]
    assert "added 20 cameras within 10 minutes" in warnings[0].message
    assert check_camera(LON, LAT, reviewer="Bo", added=burst_of(19, minutes=5), when=now) == []
    assert check_camera(LON, LAT, reviewer="Ana", added=burst_of(19, minutes=60), when=now) == []


def test_warnings_never_block_and_are_recorded_with_the_camera(tmp_path: Path) -> None:
    store = ReviewStore(tmp_path / "s.gpkg")
    warnings = check_camera(*offset(5, 100), kind="dome", cameras=cameras(), streets=STREETS)
    assert codes(warnings) == ["far_from_street"]
    camera, _ = store.add_camera(*offset(5, 100), reviewer="Ana", how="survey", kind="dome", warnings=warnings)
    recorded = store.warnings()
    assert recorded[["code", "camera_id"]].to_numpy().tolist() == [["far_from_street", camera.camera_id]]


def test_the_report_covers_the_store_records_once_and_blocks_nothing(tmp_path: Path) -> None:
    store = ReviewStore(tmp_path / "s.gpkg")
    first, _ = store.add_camera(*offset(4, 0), reviewer="Ana", how="survey", kind="dome")  # beside osm:node/1
    second, _ = store.add_camera(*offset(6, 0), reviewer="Bo", how="survey", kind="dome")  # beside both
    far, _ = store.add_camera(*offset(0, 200), reviewer="Bo", how="survey", direction_deg=0)
    store.confirm("osm:node/1", reviewer="Cy", how="survey", direction_deg=0)  # facing the house
    house = building(-10, 1, 10, 21)
    report = plausibility_report(store, cameras(), streets=STREETS, buildings=[house])
    assert list(report.columns) == list(REPORT_COLUMNS)
    found = set(map(tuple, report[["code", "camera_id", "other_id"]].to_numpy().tolist()))
    assert found == {
        ("duplicate", first.camera_id, "osm:node/1"),
        ("duplicate", second.camera_id, first.camera_id),  # the later of two added cameras is flagged
        ("far_from_street", far.camera_id, ""),
        ("into_wall", "osm:node/1", ""),
    }
    assert len(store.warnings()) == 4
    again = plausibility_report(store, cameras(), streets=STREETS, buildings=[house])
    assert again.equals(report)
    assert len(store.warnings()) == 4
    assert len(store.added_cameras()) == 3


def test_a_report_without_a_camera_table_checks_the_added_cameras_among_themselves(tmp_path: Path) -> None:
    store = ReviewStore(tmp_path / "s.gpkg")
    first, _ = store.add_camera(*offset(0, 0), reviewer="Ana", how="survey", kind="ptz")
    second, _ = store.add_camera(*offset(3, 0), reviewer="Bo", how="survey", kind="ptz")
    report = plausibility_report(store, record=False)
    assert report[["code", "camera_id", "other_id"]].to_numpy().tolist() == [
        ["duplicate", second.camera_id, first.camera_id]]
    assert store.warnings().empty
