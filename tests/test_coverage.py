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
from exposure._errors import PolicyError
from exposure.buildings import Buildings, buildings_from_polygons, no_buildings
from exposure.cameras import CAMERA_COLUMNS, KINDS
from exposure.coverage import (
    NO_BUILDING_DATA,
    camera_geometry,
    candidate_pairs,
    coverage_settings,
    edge_coverage,
    edge_exposure,
    polyline_intervals,
    union_length,
    viewshed_table,
)
from exposure.coverage_models import coverage_model
from exposure.datasets import load_dataset
from exposure.network import index_graph, local_crs
from exposure.viewsheds import camera_views, street_segments

#: Today's coverage model (per-kind discs and sectors, no walls): the tests of exact disc and sector
#: geometry assert its numbers, so they name it (the product's default cuts views by walls at DORI ranges).
PER_KIND = "per-kind"

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
    cov = edge_coverage(street.index, cams, radius_m=radius_m, coverage_model=PER_KIND)
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
    cov = edge_coverage(street.index, cams, coverage_model=PER_KIND)
    assert len(cov.edge) == 0


def test_disc_past_the_street_end_sees_only_the_end():
    street = Street()
    half = street.proj_len / 2
    # 10 m beyond the end b, 6 m to the side: the disc covers the last sqrt(40² - 6²) - 10 m
    cams = camera_table([dict(zip(("lon", "lat"), street.point(half + 10.0, 6.0), strict=True))])
    cov = edge_coverage(street.index, cams, coverage_model=PER_KIND)
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
    assert cov.settings == {"model": "uniform disc", "radius_m": 30.0, "level": "identify", "walls": False,
                            "walls_note": "a uniform 30 m disc is not cut by walls"}


@pytest.mark.parametrize("bad", [0.0, -5.0, float("nan")])
def test_radius_override_must_be_positive(bad):
    street = Street()
    cams = camera_table([dict(zip(("lon", "lat"), street.point(0.0, 0.0), strict=True))])
    with pytest.raises(ValueError, match="radius_m must be a positive number of metres"):
        edge_coverage(street.index, cams, radius_m=bad)


def test_edge_exposure_unions_overlapping_cameras():
    street = Street()
    near = [dict(zip(("lon", "lat"), street.point(s, 10.0), strict=True)) for s in (-20.0, 0.0, 20.0)]
    far = dict(zip(("lon", "lat"), street.point(-80.0, 0.0), strict=True))
    cams = camera_table([*near, {**far, "frt_tier": "low"}])
    cov = edge_coverage(street.index, cams, coverage_model=PER_KIND)
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


@pytest.mark.parametrize("model", [PER_KIND, None])
@pytest.mark.parametrize("policy", ["default", "strict-ptz-dome"])
def test_helsinki_in_view_never_exceeds_length(helsinki, policy, model):
    ctx = helsinki.context(frt_policy_spec=policy, coverage_model=model)
    ex, length = ctx.exposure, helsinki.index.length_m
    assert np.all(ex.in_view_m >= 0)
    assert np.all(ex.in_view_m <= ex.in_view_any_m + 1e-6)
    assert np.all(ex.in_view_any_m <= length + 1e-6)
    assert (ex.in_view_any_m > 0).sum() > 100
    if model is None:
        assert ctx.settings["coverage"]["model"] == "dori-typical"
        assert ctx.settings["coverage"]["walls"]
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
    cov = edge_coverage(index, cams, coverage_model=PER_KIND)
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
    ref = edge_coverage(index, discs, coverage_model=PER_KIND)
    np.testing.assert_array_equal(cov.edge, ref.edge)
    np.testing.assert_array_equal(cov.camera, ref.camera)
    np.testing.assert_allclose(cov.start_m, ref.start_m)
    np.testing.assert_allclose(cov.end_m, ref.end_m)
    # every camera seeing an edge is within 30 m of it
    for e, c in zip(cov.edge[::25], cov.camera[::25], strict=True):
        assert shapely.Point(geom.xy[c]).distance(shapely.LineString(index.edge_xy(int(e)))) < 30.0 + 1e-6


# --- coverage from viewsheds under a coverage model ------------------------------------------------


def street_with_block(street: Street, *, d_block: float, depth: float) -> Buildings:
    """A block along the street's right side, from ``d_block`` to ``d_block + depth`` metres off it, 60 m long."""
    mid = (street.a + street.b) / 2
    corners = [mid + s * street.along - d * street.left for s, d in
               ((-30.0, d_block), (30.0, d_block), (30.0, d_block + depth), (-30.0, d_block + depth))]
    return buildings_from_polygons([shapely.Polygon(corners)], crs=CRS, source_crs=CRS)


@pytest.mark.parametrize("model", ["kamerafrei", "dori-high", "amnesty", PER_KIND])
def test_a_wall_between_a_camera_and_the_street_hides_it_where_the_model_uses_walls(model):
    street = Street()
    block = street_with_block(street, d_block=5.0, depth=10.0)
    # behind the block (20 m off the street, the block from 5 to 15 m): no line of sight to any of it near
    cams = camera_table([dict(zip(("lon", "lat"), street.point(0.0, 20.0), strict=True), kind="dome")])
    cov = edge_coverage(street.index, cams, coverage_model=model, buildings=block)
    walls = coverage_model(model).walls
    assert cov.settings["walls"] is walls
    if walls:
        # the view reaches the street only past the block's ends, never straight across it
        seen = cov.end_m > cov.start_m
        mid = street.proj_len / 2
        inside = (cov.start_m < mid + 25.0) & (cov.end_m > mid - 25.0)
        assert not (seen & inside).any()
    else:
        assert len(cov.edge) > 0  # a model without walls sees through it, as today


def test_a_camera_on_the_facade_facing_the_street_sees_it():
    street = Street()
    block = street_with_block(street, d_block=5.0, depth=10.0)
    # mapped inside the block, 0.3 m behind its street façade: it looks out of that façade
    cams = camera_table([dict(zip(("lon", "lat"), street.point(0.0, 5.3), strict=True), kind="dome")])
    cov = edge_coverage(street.index, cams, coverage_model="kamerafrei", buildings=block)
    e = street.forward
    keep = cov.edge == e
    seen = float(union_length(cov.edge[keep], cov.start_m[keep], cov.end_m[keep], n_groups=cov.n_edges)[e])
    assert seen == pytest.approx(2 * math.sqrt(25.0**2 - 5.0**2), abs=0.05)


_near_street = st.tuples(st.floats(-150.0, 150.0), st.floats(-60.0, 60.0), st.sampled_from(KINDS),
                         st.one_of(st.none(), st.floats(0.0, 359.0)), st.one_of(st.none(), st.floats(10.0, 350.0)))


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(_near_street, min_size=1, max_size=12),
       model=st.sampled_from(["kamerafrei", "dori-low", "dori-typical", "dori-high", "amnesty", PER_KIND]),
       level=st.sampled_from(["identify", "recognise", "observe"]))
def test_without_buildings_the_same_ranges_give_the_discs_and_sectors_exactly(rows, model, level):
    street = Street()
    cams = camera_table([{**dict(zip(("lon", "lat"), street.point(s, d), strict=True)), "kind": kind,
                          "direction_deg": np.nan if bearing is None else bearing,
                          "fov_deg": np.nan if fov is None else fov} for s, d, kind, bearing, fov in rows])
    for buildings in (None, no_buildings(CRS)):
        cov = edge_coverage(street.index, cams, coverage_model=model, level=level, buildings=buildings)
        geom = camera_views(cams, CRS, model=model, level=level)
        segs = street_segments(street.index)
        s, c, t0, _ = polyline_intervals(segs.a, segs.b, geom, pairs=candidate_pairs(segs.a, segs.b, geom))
        e = segs.edge[s]
        start = (segs.offset_m[s] + t0 * segs.length_m[s]) * segs.scale[e]
        order = np.lexsort((start, c, e))
        np.testing.assert_array_equal(cov.edge, e[order])
        np.testing.assert_array_equal(cov.camera, c[order])
        np.testing.assert_array_equal(cov.start_m, start[order])
        assert cov.settings["walls"] is False
        assert cov.settings["walls_note"] == (NO_BUILDING_DATA if coverage_model(model).walls
                                              else "the coverage model does not cut views by walls")


def test_per_kind_reproduces_todays_coverage_on_helsinki_whatever_its_buildings(helsinki):
    # today's coverage: every camera's disc or sector of the per-kind radii, no walls
    geom = camera_geometry(helsinki.cameras, helsinki.index.crs)
    segs = street_segments(helsinki.index)
    s, c, _, _ = polyline_intervals(segs.a, segs.b, geom, pairs=candidate_pairs(segs.a, segs.b, geom))
    cov = helsinki.coverage(coverage_model=PER_KIND)
    assert len(cov.edge) == len(s) > 10_000
    assert set(zip(cov.edge.tolist(), cov.camera.tolist(), strict=True)) == set(
        zip(segs.edge[s].tolist(), c.tolist(), strict=True))
    assert not helsinki.buildings_as_obstacles.is_empty  # the buildings are there: the model does not use them
    assert cov.settings["walls"] is False


def test_settings_say_model_level_walls_and_where_ranges_came_from(helsinki):
    cams = helsinki.cameras.head(20).copy()
    cams["range_m"] = np.nan
    cams.loc[:4, "range_m"] = 10.0
    cams["indoor"] = False
    cams.loc[5, "indoor"] = True
    cov = edge_coverage(helsinki.index, cams, coverage_model="dori-typical", level="recognise",
                        buildings=helsinki.buildings_as_obstacles)
    used = cov.settings
    assert (used["model"], used["level"], used["walls"], used["honours_camera_range"]) == (
        "dori-typical", "recognise", True, True)
    assert used["walls_note"] == f"views cut by the walls of {len(helsinki.buildings_as_obstacles.polygons):,} " \
                                 "building blocks"
    assert used["ranges_from"] == {"camera": 5, "indoor": 1}
    assert used["radius_m_by_kind"] == used["range_m_by_kind"]
    assert np.all(cov.views.geometry.radius_m[:5] == 10.0)
    assert cov.views.geometry.radius_m[5] == 0.0
    assert not (cov.camera == 5).any()  # an indoor camera sees no street
    # Amnesty never honours a camera's own range
    amnesty = edge_coverage(helsinki.index, cams, coverage_model="amnesty")
    assert amnesty.settings["ranges_from"] == {"indoor": 1}
    assert np.all(amnesty.views.geometry.radius_m[:5] == 120.0)


def test_an_unknown_level_is_refused():
    street = Street()
    cams = camera_table([dict(zip(("lon", "lat"), street.point(0.0, 0.0), strict=True))])
    with pytest.raises(PolicyError, match=r"unknown level 'glimpse'; use one of identify, recognise, observe"):
        edge_coverage(street.index, cams, level="glimpse")
    with pytest.raises(PolicyError, match=r"unknown level 'glimpse'"):
        edge_coverage(street.index, cams, radius_m=20.0, level="glimpse")


def test_viewshed_table_one_row_per_camera(helsinki):
    cov = helsinki.coverage(coverage_model="kamerafrei")
    table = viewshed_table(helsinki.index, helsinki.cameras, cov.views, settings=cov.settings)
    assert list(table.columns) == ["camera_id", "model", "level", "walls", "range_m", "street_m_in_view",
                                   "blocked_share"]
    assert len(table) == len(helsinki.cameras)
    assert set(table["model"]) == {"kamerafrei"}
    assert set(table["walls"]) == {True}
    # each street once: never more than the same camera sees of both directions' edges
    per_camera = np.bincount(cov.camera, weights=cov.end_m - cov.start_m, minlength=len(helsinki.cameras))
    assert np.all(table["street_m_in_view"].to_numpy() <= per_camera + 0.01)
    assert table["blocked_share"].dropna().between(0.0, 1.0).all()
    assert (table["blocked_share"] > 0).sum() > 20
    # without walls nothing is blocked
    plain = helsinki.coverage(coverage_model=PER_KIND)
    flat = viewshed_table(helsinki.index, helsinki.cameras, plain.views, settings=plain.settings)
    assert set(flat["blocked_share"].dropna()) == {0.0}


def test_per_kind_is_the_radii_and_field_of_view_of_the_settings(monkeypatch):
    assert coverage_settings(coverage_model=PER_KIND)["radius_m_by_kind"] == exposure_settings.radius_m_by_kind
    monkeypatch.setitem(exposure_settings.radius_m_by_kind, "fixed", 33.0)
    monkeypatch.setattr(exposure_settings, "default_fov_deg", 60.0)
    used = coverage_settings(coverage_model=PER_KIND)
    assert used["radius_m_by_kind"]["fixed"] == 33.0
    assert used["cone_by_kind"]["fixed"] == {"range_m": 33.0, "fov_deg": 60.0}


def test_per_kind_reproduces_todays_routes_and_audits_exactly(helsinki, shared_data):
    import json
    from pathlib import Path

    from exposure.audit import audit_track, read_track
    from exposure.cameras import load_cameras
    from exposure.routing import routes

    today = json.loads((Path(__file__).parent / "fixtures" / "per_kind_today.json").read_text(encoding="utf-8"))
    ctx = helsinki.context(coverage_model=PER_KIND)
    for trip in today["routes"]:
        found = routes(ctx, helsinki.resolve(trip["origin"]).node, helsinki.resolve(trip["destination"]).node,
                       objective="fewest-cameras", alternatives=2, time_limit_s=60)
        assert [r.label for r in found] == [r["label"] for r in trip["routes"]]
        for r, was in zip(found, trip["routes"], strict=True):
            assert list(r.edges) == was["edges"]
            assert (r.frt_cameras, list(r.camera_ids)) == (was["frt_cameras"], was["camera_ids"])
            assert r.metres_in_view == pytest.approx(was["metres_in_view"], abs=1e-9)
            assert r.length_m == pytest.approx(was["length_m"], abs=1e-9)
    for walk in today["audits"]:
        cams = load_cameras(shared_data / walk["cameras"]).cameras
        audit = audit_track(read_track(shared_data / walk["track"]), cams, coverage_model=PER_KIND)
        assert list(audit.camera_ids) == walk["camera_ids"]
        assert audit.frt_cameras == walk["frt_cameras"]
        assert audit.metres_in_view == pytest.approx(walk["metres_in_view"], abs=1e-9)
        assert audit.metres_in_view_any == pytest.approx(walk["metres_in_view_any"], abs=1e-9)
        assert audit.length_m == pytest.approx(walk["length_m"], abs=1e-9)


def test_coverage_in_words_for_captions_and_cards():
    from exposure.coverage import coverage_words

    assert coverage_words(coverage_settings(radius_m=30.0)) == "every camera a 30 m disc, not cut by walls"
    assert coverage_words(coverage_settings(coverage_model="dori-typical", level="recognise")) == (
        "cameras that can recognise you (coverage model dori-typical; no building data: views are not cut by walls)")
    assert coverage_words(coverage_settings(coverage_model=PER_KIND)) == (
        "cameras that can identify you (coverage model per-kind; the coverage model does not cut views by walls)")
    assert coverage_words({}) == "coverage model not stated"
