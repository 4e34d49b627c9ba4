"""Tests of exposure.counted: nothing counted, a true zero and no camera data are told apart, and said."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from exposure.audit import audit_track, read_track
from exposure.cameras import CameraExtent, load_cameras, load_extent
from exposure.counted import COUNTING_CASES, counting
from exposure.datasets import load_dataset
from exposure.routing import routes

POLICIES = {"frt_policy": "default", "verification": ["verified"]}


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


def route_counting(ds, ctx, found):
    return counting(cameras=len(ds.cameras), counted=int(ctx.exposure.counted.sum()), frt=int(ctx.exposure.frt.sum()),
                    found=max(r.frt_cameras for r in found), settings=ctx.settings, extent=ds.extent,
                    where=shapely.MultiLineString([r.coordinates for r in found]), what="these routes")


def test_nothing_counted_is_not_a_zero(helsinki):
    # route --verification verified on Helsinki: no camera there is verified
    ctx = helsinki.context(verification="verified")
    found = routes(ctx, helsinki.resolve("Rautatientori").node, helsinki.resolve("Kauppatori").node)
    assert all(r.frt_cameras == 0 for r in found)
    said = route_counting(helsinki, ctx, found)
    assert said.case == "nothing-counted"
    assert said.zero_means_nothing
    assert said.notice.startswith("0 of 221 cameras are counted: none is verified. ")


def test_no_frt_capable_camera_counted_is_nothing_counted_too():
    said = counting(cameras=10, counted=10, frt=0, found=0, settings={**POLICIES, "frt_policy": "none-at-all"})
    assert said.case == "nothing-counted"
    assert "10 cameras are counted but none is FRT-capable under the FRT policy 'none-at-all'" in said.notice
    empty = counting(cameras=0, counted=0, frt=0, found=0, settings=POLICIES)
    assert empty.notice.startswith("the camera data in use holds no camera")


def test_cameras_of_another_city_are_no_data_not_zero(helsinki, shared_data):
    loaded = load_cameras(shared_data / "jyvaskyla" / "cameras.csv")
    ds = helsinki.with_cameras(loaded.cameras, loaded.rejected, source="cameras.csv", extent=load_extent(loaded))
    ctx = ds.context()
    found = routes(ctx, ds.resolve("Rautatientori").node, ds.resolve("Kauppatori").node)
    assert all(r.frt_cameras == 0 for r in found)
    said = route_counting(ds, ctx, found)
    assert said.case == "no-data"
    assert said.outside_share == 1.0
    assert said.notice.startswith("No camera data covers these routes (it looked at the box around the 450 cameras "
                                  "of cameras.csv")


def test_a_true_zero_is_said_as_such_and_a_part_outside_the_data_is_said_too():
    line = shapely.LineString([(24.0, 60.0), (24.2, 60.0)])
    half = CameraExtent(shapely.box(23.9, 59.9, 24.1, 60.1), "the box of the file")
    said = counting(cameras=5, counted=5, frt=3, found=0, settings=POLICIES, extent=half, where=line, what="this walk")
    assert said.case == "true-zero"
    assert said.outside_share == pytest.approx(0.5)
    assert said.notice.startswith("None of the 3 counted FRT-capable cameras sees this walk: a true zero. 50 % of "
                                  "this walk lies outside where the camera data looked (the box of the file)")
    inside = counting(cameras=5, counted=5, frt=3, found=2, settings=POLICIES, extent=half,
                      where=shapely.LineString([(24.0, 60.0), (24.05, 60.0)]))
    assert (inside.case, inside.notice) == ("counted", "")
    assert set(inside.to_dict()) == {"case", "cameras", "counted", "frt", "found", "outside_share", "notice"}
    assert {c.case for c in (said, inside)} <= set(COUNTING_CASES)


def test_intersections_counted_are_an_area_and_two_routes_on_one_street_are_not_merged():
    looked = CameraExtent(shapely.MultiPoint([(0, 0), (1, 0), (1, 1), (0, 1)]), "the intersections counted")
    twice = shapely.MultiLineString([[(0.2, 0.5), (0.8, 0.5)], [(0.2, 0.5), (0.8, 0.5)]])
    said = counting(cameras=4, counted=4, frt=4, found=1, settings=POLICIES, extent=looked, where=twice)
    assert said.outside_share == pytest.approx(0.0)
    points = counting(cameras=4, counted=4, frt=4, found=1, settings=POLICIES, extent=looked,
                      where=shapely.MultiPoint([(0.5, 0.5), (5, 5)]))
    assert points.outside_share == pytest.approx(0.5)


def test_an_audit_tells_the_three_cases_apart(helsinki, shared_data):
    loaded = load_cameras(shared_data / "jyvaskyla" / "cameras.csv")
    walk = read_track(shared_data / "jyvaskyla" / "walk1.gpx")
    counted = audit_track(walk, loaded.cameras, extent=load_extent(loaded))
    assert counted.counting.case == "counted"
    assert counted.to_dict()["settings"]["counting"]["found"] == counted.frt_cameras > 0
    statuses = set(loaded.cameras["verification"])
    other = sorted({"verified", "unverified", "disputed"} - statuses)
    if other:  # a status the file never uses counts nothing
        nothing = audit_track(walk, loaded.cameras, verification=other, extent=load_extent(loaded))
        assert nothing.counting.case == "nothing-counted"
        assert nothing.counting.notice.startswith(f"0 of {len(loaded.cameras)} cameras are counted")
    elsewhere = audit_track(walk, helsinki.cameras, extent=helsinki.extent)
    assert elsewhere.frt_cameras == 0
    assert elsewhere.counting.case == "no-data"
    assert elsewhere.counting.notice.startswith("No camera data covers this walk (it looked at the box of helsinki's")
    assert np.isfinite(elsewhere.counting.outside_share)
