"""Tests of exposure.coverage: exact view intervals of discs and sectors, unions, per-edge exposure."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from exposure import settings as exposure_settings
from exposure.cameras import CAMERA_COLUMNS
from exposure.coverage import (
    CameraGeometry,
    camera_geometry,
    candidate_pairs,
    coverage_settings,
    edge_coverage,
    edge_exposure,
    polyline_intervals,
    union_length,
)
from exposure.datasets import load_dataset
from exposure.network import index_graph, local_crs

LON0, LAT0 = 24.9, 60.17
CRS = local_crs(LON0, LAT0)
TO_XY = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
TO_LONLAT = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def camera_table(rows: list[dict]) -> pd.DataFrame:
    """A camera table with every schema column; each row gives lon/lat and any overrides."""
    defaults = {
        "source": "test", "kind": "fixed", "mount": "street", "operator": "public",
        "direction_deg": np.nan, "fov_deg": np.nan, "height_m": np.nan, "verification": "verified",
        "agreement": "", "reports": 1, "observed": None, "frt_tier": "high",
    }
    records = [{"camera_id": f"cam{i}", **defaults, **row} for i, row in enumerate(rows)]
    frame = pd.DataFrame(records, columns=list(CAMERA_COLUMNS))
    return frame.astype({"lon": float, "lat": float, "direction_deg": float, "fov_deg": float,
                         "height_m": float, "reports": "int64"})


class Street:
    """One straight two-way street about 400 m long near (24.9, 60.17), in WGS84 and projected."""

    def __init__(self, *, length_factor: float = 1.0) -> None:
        self.a_lonlat = (LON0, LAT0)
        self.b_lonlat = (LON0 + 0.0072, LAT0 + 0.0004)
        self.a = np.array(TO_XY.transform(*self.a_lonlat))
        self.b = np.array(TO_XY.transform(*self.b_lonlat))
        self.proj_len = float(np.hypot(*(self.b - self.a)))
        self.along = (self.b - self.a) / self.proj_len
        self.left = np.array([-self.along[1], self.along[0]])
        G = nx.MultiDiGraph(crs="EPSG:4326")
        G.add_node(1, x=self.a_lonlat[0], y=self.a_lonlat[1])
        G.add_node(2, x=self.b_lonlat[0], y=self.b_lonlat[1])
        G.add_edge(1, 2, key=0, length=self.proj_len * length_factor)
        G.add_edge(2, 1, key=0, length=self.proj_len * length_factor)
        self.G = G
        self.index = index_graph(G)
        assert pyproj.CRS(self.index.crs).equals(CRS)
        self.forward = self.index.edge_position(1, 2, 0)
        self.backward = self.index.edge_position(2, 1, 0)

    def point(self, s: float, d: float) -> tuple[float, float]:
        """Lon/lat of the point ``s`` metres from the middle along the street, ``d`` metres to its right."""
        mid = (self.a + self.b) / 2
        xy = mid + s * self.along - d * self.left
        lon, lat = TO_LONLAT.transform(*xy)
        return float(lon), float(lat)

    def bearing_to_street(self) -> float:
        """Grid bearing a camera on the right of the street faces to look straight at it."""
        return math.degrees(math.atan2(self.left[0], self.left[1])) % 360.0


def compass(lon: float, lat: float, grid_bearing: float) -> float:
    """The compass bearing (from true north) of a grid bearing at a point.

    Cameras' directions are compass bearings; this test module lays streets out on
    the UTM grid, whose north is turned by the meridian convergence.
    """
    x0, y0 = TO_XY.transform(lon, lat)
    x1, y1 = TO_XY.transform(lon, lat + 1e-4)
    return (grid_bearing - math.degrees(math.atan2(x1 - x0, y1 - y0))) % 360.0


def seen_m(street: Street, cams: pd.DataFrame, *, edge: int | None = None, radius_m: float | None = None) -> float:
    cov = edge_coverage(street.index, cams, radius_m=radius_m)
    e = street.forward if edge is None else edge
    keep = cov.edge == e
    return float(union_length(cov.edge[keep], cov.start_m[keep], cov.end_m[keep], n_groups=cov.n_edges)[e])


# --- exact geometry on one straight street ----------------------------------------------------


@pytest.mark.parametrize(("kind", "r"), [("fixed", 40.0), ("ptz", 100.0), ("unknown", 25.0)])
@pytest.mark.parametrize("d", [0.0, 5.0, 19.9, 24.0])
def test_disc_sees_the_chord(kind, r, d):
    street = Street()
    cams = camera_table([dict(zip(("lon", "lat"), street.point(7.0, d), strict=True), kind=kind)])
    expected = 2 * math.sqrt(r * r - d * d)
    assert seen_m(street, cams) == pytest.approx(expected, abs=1e-6)
    assert seen_m(street, cams, edge=street.backward) == pytest.approx(expected, abs=1e-6)


def test_disc_on_the_far_side_sees_the_same_chord():
    street = Street()
    cams = camera_table([dict(zip(("lon", "lat"), street.point(-30.0, -12.0), strict=True))])
    assert seen_m(street, cams) == pytest.approx(2 * math.sqrt(40.0**2 - 12.0**2), abs=1e-6)


def test_disc_out_of_reach_sees_nothing():
    street = Street()
    cams = camera_table([dict(zip(("lon", "lat"), street.point(0.0, 40.5), strict=True))])
    cov = edge_coverage(street.index, cams)
    assert len(cov.edge) == 0


def test_disc_past_the_street_end_sees_only_the_end():
    street = Street()
    half = street.proj_len / 2
    # 10 m beyond the end b, 6 m to the side: the disc covers the last sqrt(40² - 6²) - 10 m
    cams = camera_table([dict(zip(("lon", "lat"), street.point(half + 10.0, 6.0), strict=True))])
    cov = edge_coverage(street.index, cams)
    fwd = cov.edge == street.forward
    expected = math.sqrt(40.0**2 - 6.0**2) - 10.0
    assert cov.end_m[fwd].max() == pytest.approx(street.proj_len, abs=1e-6)
    assert cov.start_m[fwd].min() == pytest.approx(street.proj_len - expected, abs=1e-6)
    # the reverse edge sees the same metres, counted from the other end
    bwd = cov.edge == street.backward
    assert cov.start_m[bwd].min() == pytest.approx(0.0, abs=1e-6)
    assert cov.end_m[bwd].max() == pytest.approx(expected, abs=1e-6)


def test_pieces_are_scaled_to_the_edge_length():
    street = Street(length_factor=1.5)
    cams = camera_table([dict(zip(("lon", "lat"), street.point(0.0, 10.0), strict=True))])
    assert seen_m(street, cams) == pytest.approx(1.5 * 2 * math.sqrt(40.0**2 - 10.0**2), abs=1e-6)


D, R = 20.0, 40.0
HALF = math.sqrt(R * R - D * D)


@pytest.mark.parametrize(
    ("offset", "fov", "expected"),
    [
        (180.0, 90.0, 0.0),  # facing away
        (180.0, 179.0, 0.0),
        (0.0, 90.0, 2 * D),  # facing the street: the cone (±45°) is narrower than the disc
        (0.0, 180.0, 2 * HALF),
        (0.0, 360.0, 2 * HALF),
        (45.0, 90.0, HALF),  # from straight ahead to along the street: the right half-chord
        (-45.0, 90.0, HALF),
        (90.0, 180.0, HALF),
        (0.0, 30.0, 2 * D * math.tan(math.radians(15.0))),
        (180.0, 270.0, 2 * HALF - 2 * D),  # wide: the disc minus the part the backward cone hides
        (0.0, 270.0, 2 * HALF),  # the hidden cone points away from the street
        (90.0, 270.0, HALF + D),  # the hidden cone covers bearings beyond 45° on the far side
        (180.0, 340.0, 2 * HALF - 2 * D * math.tan(math.radians(10.0))),
    ],
)
def test_sector_sees_its_part_of_the_chord(offset, fov, expected):
    street = Street()
    lon, lat = street.point(0.0, D)
    direction = compass(lon, lat, street.bearing_to_street() + offset)
    cams = camera_table([{"lon": lon, "lat": lat, "direction_deg": direction, "fov_deg": fov}])
    assert seen_m(street, cams) == pytest.approx(expected, abs=1e-6)
    assert seen_m(street, cams, edge=street.backward) == pytest.approx(expected, abs=1e-6)


def test_directed_camera_without_fov_uses_the_default(monkeypatch):
    monkeypatch.setattr(exposure_settings, "default_fov_deg", 60.0)
    street = Street()
    lon, lat = street.point(0.0, D)
    cams = camera_table([{"lon": lon, "lat": lat, "direction_deg": compass(lon, lat, street.bearing_to_street())}])
    assert seen_m(street, cams) == pytest.approx(2 * D * math.tan(math.radians(30.0)), abs=1e-6)


def test_radius_override_makes_every_camera_a_disc():
    street = Street()
    lon, lat = street.point(0.0, D)
    cams = camera_table([
        {"lon": lon, "lat": lat, "direction_deg": compass(lon, lat, street.bearing_to_street() + 180.0),
         "fov_deg": 60.0, "kind": "ptz"},
    ])
    assert seen_m(street, cams) == 0.0
    assert seen_m(street, cams, radius_m=30.0) == pytest.approx(2 * math.sqrt(30.0**2 - D**2), abs=1e-6)
    cov = edge_coverage(street.index, cams, radius_m=30.0)
    assert cov.settings == {"model": "uniform disc", "radius_m": 30.0}


@pytest.mark.parametrize("bad", [0.0, -5.0, float("nan")])
def test_radius_override_must_be_positive(bad):
    street = Street()
    cams = camera_table([dict(zip(("lon", "lat"), street.point(0.0, 0.0), strict=True))])
    with pytest.raises(ValueError, match="radius_m must be a positive number of metres"):
        edge_coverage(street.index, cams, radius_m=bad)


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
    assert coverage_settings()["radius_m_by_kind"] == exposure_settings.radius_m_by_kind


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


def test_edge_exposure_unions_overlapping_cameras():
    street = Street()
    near = [dict(zip(("lon", "lat"), street.point(s, 10.0), strict=True)) for s in (-20.0, 0.0, 20.0)]
    far = dict(zip(("lon", "lat"), street.point(-80.0, 0.0), strict=True))
    cams = camera_table([*near, {**far, "frt_tier": "low"}])
    cov = edge_coverage(street.index, cams)
    frt = np.array([True, True, True, False])
    ex = edge_exposure(cov, counted=np.ones(4, dtype=bool), frt=frt)
    half = math.sqrt(40.0**2 - 10.0**2)
    e = street.forward
    # the three discs overlap: their union is the span from -20 - half to 20 + half
    assert ex.in_view_m[e] == pytest.approx(40.0 + 2 * half, abs=1e-6)
    # the fourth covers [-120, -40]: it overlaps the others from -20 - half = -58.7
    assert ex.in_view_any_m[e] == pytest.approx(80.0 + 20.0 + half + 40.0, abs=1e-6)
    np.testing.assert_array_equal(ex.cameras_on(np.array([e])), [0, 1, 2, 3])
    assert ex.frt_count_on_edge()[e] == 3
    # a camera that does not pass the verification policy is not counted at all
    ex2 = edge_exposure(cov, counted=np.array([True, False, True, True]), frt=frt)
    np.testing.assert_array_equal(ex2.cameras_on(np.array([e])), [0, 2, 3])
    assert not ex2.frt[1]
    # [-20-h, -20+h] and [20-h, 20+h] still overlap: the same span as with the middle camera
    assert ex2.in_view_m[e] == pytest.approx(40.0 + 2 * half, abs=1e-6)
    assert ex2.in_view_any_m[e] == pytest.approx(ex.in_view_any_m[e], abs=1e-6)
    ex3 = edge_exposure(cov, counted=np.ones(4, dtype=bool), frt=np.array([True, False, False, True]))
    assert ex3.in_view_m[e] == pytest.approx(2 * half + 80.0 - max(0.0, -40.0 - (-20.0 - half)), abs=1e-6)
    assert ex.cameras_on(np.array([], dtype=np.int64)).size == 0


# --- the Helsinki dataset -------------------------------------------------------------------


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


@pytest.fixture(scope="module")
def directed_cameras(helsinki):
    """Helsinki's cameras with seeded random directions and fields of view (a third stay discs)."""
    rng = np.random.default_rng(7)
    cams = helsinki.cameras.copy()
    n = len(cams)
    direction = rng.uniform(0, 360, n)
    fov = rng.choice([30.0, 90.0, 150.0, 180.0, 200.0, 270.0, 330.0, np.nan], n)
    disc = rng.random(n) < 1 / 3
    cams["direction_deg"] = np.where(disc, np.nan, direction)
    cams["fov_deg"] = fov
    return cams


@pytest.mark.parametrize("policy", ["default", "strict-ptz-dome"])
def test_helsinki_in_view_never_exceeds_length(helsinki, policy):
    ctx = helsinki.context(frt_policy_spec=policy)
    ex, length = ctx.exposure, helsinki.index.length_m
    assert np.all(ex.in_view_m >= 0)
    assert np.all(ex.in_view_m <= ex.in_view_any_m + 1e-6)
    assert np.all(ex.in_view_any_m <= length + 1e-6)
    assert (ex.in_view_any_m > 0).sum() > 100
    if policy == "strict-ptz-dome":
        assert ex.in_view_m.sum() < ex.in_view_any_m.sum()


def _view_polygon(x: float, y: float, r: float, direction: float, fov: float) -> shapely.Geometry:
    if fov >= 360.0 or math.isnan(direction):
        return shapely.Point(x, y).buffer(r, quad_segs=1024)
    bearings = np.radians(np.linspace(direction - fov / 2, direction + fov / 2, max(8, int(fov * 20))))
    arc = np.column_stack([x + r * np.sin(bearings), y + r * np.cos(bearings)])
    return shapely.Polygon(np.vstack([[x, y], arc, [x, y]]))


@pytest.mark.parametrize("which", ["helsinki", "directed"])
def test_helsinki_coverage_matches_a_shapely_recount(helsinki, directed_cameras, which):
    index = helsinki.index
    cams = helsinki.cameras if which == "helsinki" else directed_cameras
    cov = edge_coverage(index, cams)
    geom = camera_geometry(cams, index.crs)
    polys = [_view_polygon(*geom.xy[i], geom.radius_m[i], geom.direction_deg[i], geom.fov_deg[i])
             for i in range(len(cams))]
    tree = shapely.STRtree(polys)
    pair_edge, pair_cam, pair_m = cov.metres_per_edge_camera()
    reported = {(int(e), int(c)): float(m) for e, c, m in zip(pair_edge, pair_cam, pair_m, strict=True)}
    ex = edge_exposure(cov, counted=np.ones(len(cams), dtype=bool), frt=np.ones(len(cams), dtype=bool))

    rng = np.random.default_rng(3)
    seen_edges = np.unique(pair_edge)
    sample = np.concatenate([rng.choice(seen_edges, 250, replace=False), rng.choice(index.n_edges, 100)])
    checked = 0
    for e in sample:
        xy = index.edge_xy(int(e))
        line = shapely.LineString(xy)
        scale = index.length_m[e] / line.length
        near = tree.query(line, predicate="intersects")
        ambiguous = False
        recount: dict[int, float] = {}
        for c in near:
            # where the street grazes the rim, a polygon cannot settle whether it is in view
            rim = abs(shapely.Point(geom.xy[c]).distance(line) - geom.radius_m[c]) < 1e-3
            m = line.intersection(polys[c]).length * scale
            if rim:
                ambiguous = True
                reported.pop((int(e), int(c)), None)
                continue
            if m > 0:
                recount[int(c)] = m
        mine = {c: m for (ee, c), m in reported.items() if ee == e}
        assert set(mine) == set(recount), f"edge {e}: cameras {sorted(mine)} vs shapely {sorted(recount)}"
        for c, m in recount.items():
            assert mine[c] == pytest.approx(m, rel=5e-3, abs=0.05), f"edge {e}, camera {c}"
        if not ambiguous:
            union = line.intersection(shapely.union_all([polys[c] for c in near])).length * scale if len(near) else 0.0
            assert ex.in_view_any_m[e] == pytest.approx(union, rel=5e-3, abs=0.05), f"edge {e}"
            checked += 1
    assert checked > 300


def test_helsinki_radius_override(helsinki, directed_cameras, monkeypatch):
    index = helsinki.index
    cov = edge_coverage(index, directed_cameras, radius_m=30.0)
    geom = camera_geometry(directed_cameras, index.crs, radius_m=30.0)
    assert np.all(geom.radius_m == 30.0)
    assert np.all(geom.fov_deg == 360.0)
    # the same as every camera being an undirected camera of a kind seeing 30 m
    for kind in list(exposure_settings.radius_m_by_kind):
        monkeypatch.setitem(exposure_settings.radius_m_by_kind, kind, 30.0)
    discs = directed_cameras.assign(direction_deg=np.nan)
    ref = edge_coverage(index, discs)
    np.testing.assert_array_equal(cov.edge, ref.edge)
    np.testing.assert_array_equal(cov.camera, ref.camera)
    np.testing.assert_allclose(cov.start_m, ref.start_m)
    np.testing.assert_allclose(cov.end_m, ref.end_m)
    # every camera seeing an edge is within 30 m of it
    for e, c in zip(cov.edge[::25], cov.camera[::25], strict=True):
        assert shapely.Point(geom.xy[c]).distance(shapely.LineString(index.edge_xy(int(e)))) < 30.0 + 1e-6


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
