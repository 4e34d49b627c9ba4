"""Tests of exposure.discs: cameras' discs and sectors, exact intervals along segments, unions, candidate pairs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exposure import settings as exposure_settings
from exposure.discs import (
    MIN_CELL_M,
    CameraGeometry,
    camera_geometry,
    candidate_pairs,
    polyline_intervals,
    union_length,
)
from tests.test_coverage import CRS, LAT0, LON0, TO_XY, camera_table, compass


def test_camera_geometry_per_kind_and_defaults():
    cams = camera_table([
        {"lon": LON0, "lat": LAT0, "kind": "ptz"},
        {"lon": LON0, "lat": LAT0, "kind": "dome", "direction_deg": 370.0},
        {"lon": LON0, "lat": LAT0, "kind": "unknown", "direction_deg": 90.0, "fov_deg": 400.0},
        {"lon": LON0, "lat": LAT0, "kind": "fixed", "fov_deg": 45.0},
    ])
    geom = camera_geometry(cams, CRS)
    np.testing.assert_allclose(geom.radius_m, [100.0, 40.0, 25.0, 40.0])
    # compass bearings turned onto the grid: grid = compass - (compass bearing of grid north)
    np.testing.assert_allclose(geom.direction_deg[1:3], [(10.0 - compass(LON0, LAT0, 0.0)) % 360.0,
                                                         (90.0 - compass(LON0, LAT0, 0.0)) % 360.0])
    # no direction: a disc whatever the fov; a direction without fov: the default
    np.testing.assert_allclose(geom.fov_deg, [360.0, exposure_settings.default_fov_deg, 360.0, 360.0])
    np.testing.assert_allclose(geom.xy, np.tile(TO_XY.transform(LON0, LAT0), (4, 1)))


def test_polyline_intervals_clips_segments():
    cams = CameraGeometry(xy=np.array([[0.0, 0.0]]), radius_m=np.array([10.0]),
                          direction_deg=np.array([np.nan]), fov_deg=np.array([360.0]))
    seg_a = np.array([[-5.0, 0.0], [-20.0, 6.0], [-20.0, 10.0], [3.0, 3.0], [0.0, 20.0]])
    seg_b = np.array([[5.0, 0.0], [20.0, 6.0], [20.0, 10.0], [3.0, 3.0], [0.0, 0.0]])
    s, c, t0, t1 = polyline_intervals(seg_a, seg_b, cams, pairs=(np.arange(5), np.zeros(5, dtype=int)))
    got = {int(i): (a, b) for i, a, b in zip(s, t0, t1, strict=True)}
    assert set(got) == {0, 1, 4}  # tangent (2) and zero-length (3) segments see nothing
    assert got[0] == pytest.approx((0.0, 1.0))
    assert got[1] == pytest.approx((0.3, 0.7))  # |x| <= 8 on a 40 m segment
    assert got[4] == pytest.approx((0.5, 1.0))
    assert np.all(c == 0)


# --- unions never count an overlap twice ------------------------------------------------------


def _merged_length(intervals: list[tuple[float, float]]) -> float:
    total, cur_s, cur_e = 0.0, None, None
    for s, e in sorted(intervals):
        if e <= s:
            continue
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total


_interval = st.tuples(
    st.integers(0, 5),
    st.floats(0.0, 300.0, allow_nan=False),
    st.floats(0.0, 80.0, allow_nan=False),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_interval, max_size=40), st.integers(0, 3))
def test_union_length_matches_a_sorted_merge(rows, extra_groups):
    rows = sorted(rows, key=lambda r: r[0])  # group must be sorted; within a group, any order
    n_groups = 6 + extra_groups
    group = np.array([r[0] for r in rows], dtype=np.int64)
    start = np.array([r[1] for r in rows], dtype=float)
    end = np.array([r[1] + r[2] for r in rows], dtype=float)
    got = union_length(group, start, end, n_groups=n_groups)
    assert got.shape == (n_groups,)
    for g in range(n_groups):
        expected = _merged_length([(r[1], r[1] + r[2]) for r in rows if r[0] == g])
        assert got[g] == pytest.approx(expected, rel=1e-9, abs=1e-9)
        mine = [(r[1], r[1] + r[2]) for r in rows if r[0] == g]
        assert got[g] <= sum(e - s for s, e in mine) + 1e-9


def test_union_length_of_nested_and_touching_intervals():
    group = np.array([0, 0, 0, 0, 2, 2])
    start = np.array([10.0, 0.0, 12.0, 30.0, 5.0, 6.0])
    end = np.array([20.0, 30.0, 15.0, 40.0, 6.0, 7.0])
    np.testing.assert_allclose(union_length(group, start, end, n_groups=3), [40.0, 0.0, 2.0])
    np.testing.assert_allclose(union_length(np.array([], dtype=np.int64), np.array([]), np.array([]), n_groups=2),
                               [0.0, 0.0])


# --- candidate pairs ----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), n_segments=st.integers(1, 400), n_cameras=st.integers(1, 120),
       scale=st.sampled_from([5.0, 60.0, 600.0, 4000.0]), chunk=st.integers(1, 500))
def test_candidate_pairs_are_every_camera_within_reach(seed, n_segments, n_cameras, scale, chunk):
    # the grid join must find exactly the pairs a brute-force distance test finds, whatever the
    # segments' lengths (some far longer than a cell) and however the segments are chunked
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 2000, (n_segments, 2))
    b = a + rng.normal(0, scale, (n_segments, 2))
    xy = rng.uniform(-300, 2300, (n_cameras, 2))
    radius = rng.choice([10.0, 25.0, 40.0, 100.0, 120.0], n_cameras)
    cams = CameraGeometry(xy, radius, np.full(n_cameras, np.nan), np.full(n_cameras, 360.0))
    seg, cam = candidate_pairs(a, b, cams, chunk=chunk)
    mid, half = (a + b) / 2, np.hypot(*(b - a).T) / 2
    dist = np.hypot(mid[:, None, 0] - xy[None, :, 0], mid[:, None, 1] - xy[None, :, 1])
    expected = set(zip(*np.nonzero(dist <= half[:, None] + radius[None, :] + 1e-6), strict=True))
    assert set(zip(seg.tolist(), cam.tolist(), strict=True)) == {(int(i), int(j)) for i, j in expected}
    assert len(seg) == len(set(zip(seg.tolist(), cam.tolist(), strict=True)))  # each pair once


def test_candidate_pairs_of_a_segment_across_a_continent_stay_bounded() -> None:
    # a GPS jump of 7,000 km on a 10 m grid would look in 5e11 cells; coarser grids for long segments keep
    # it to a few dozen, and the pairs are still exactly the brute-force ones
    rng = np.random.default_rng(5)
    a = np.array([[0.0, 0.0], [0.0, 0.0], [100.0, 100.0]])
    b = np.array([[7.0e6, 1.0e6], [30.0, 0.0], [100.0, 50_000.0]])
    xy = np.vstack([rng.uniform(-500, 500, (200, 2)), rng.uniform(0, 7e6, (50, 2)), [[3.5e6, 0.5e6]]])
    radius = np.full(len(xy), 10.0)
    cams = CameraGeometry(xy, radius, np.full(len(xy), np.nan), np.full(len(xy), 360.0))
    seg, cam = candidate_pairs(a, b, cams)
    mid, half = (a + b) / 2, np.hypot(*(b - a).T) / 2
    dist = np.hypot(mid[:, None, 0] - xy[None, :, 0], mid[:, None, 1] - xy[None, :, 1])
    expected = set(zip(*np.nonzero(dist <= half[:, None] + radius[None, :] + 1e-6), strict=True))
    assert set(zip(seg.tolist(), cam.tolist(), strict=True)) == {(int(i), int(j)) for i, j in expected}
    assert np.all(np.diff(seg) >= 0)


@pytest.mark.parametrize("radius", [2.6, 4.3, 9.8])
def test_candidate_pairs_of_ranges_far_below_a_cell_are_exact(radius) -> None:
    # DORI's identification ranges are a few metres: the cells stay MIN_CELL_M wide, the pairs exact
    assert radius < MIN_CELL_M
    rng = np.random.default_rng(11)
    a = rng.uniform(0, 1500, (3000, 2))
    b = a + rng.normal(0, 40.0, (3000, 2))
    xy = rng.uniform(0, 1500, (800, 2))
    cams = CameraGeometry(xy, np.full(len(xy), radius), np.full(len(xy), np.nan), np.full(len(xy), 360.0))
    seg, cam = candidate_pairs(a, b, cams)
    mid, half = (a + b) / 2, np.hypot(*(b - a).T) / 2
    dist = np.hypot(mid[:, None, 0] - xy[None, :, 0], mid[:, None, 1] - xy[None, :, 1])
    expected = set(zip(*np.nonzero(dist <= half[:, None] + radius + 1e-6), strict=True))
    assert set(zip(seg.tolist(), cam.tolist(), strict=True)) == {(int(i), int(j)) for i, j in expected}
