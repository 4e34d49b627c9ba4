"""Tests of exposure.audit.measure: metres, seconds and cameras in view of a walk, track by track."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from exposure import settings as exposure_settings
from exposure._errors import TrackError
from exposure.audit import PER_CAMERA_COLUMNS, Audit, Piece, Track, audit_track, read_track
from exposure.cameras import load_cameras
from exposure.coverage import NO_BUILDING_DATA
from exposure.coverage_models import DEFAULT_COVERAGE_MODEL
from exposure.crs import local_crs
from tests.walks import GPX_HEAD, ORIGIN, STRAIGHT, cameras_at, gpx_of, line_track, lonlat, pt, scenes, write

# --------------------------------------------------------------------------- synthetic geometry


def test_chord_through_one_disc_is_exact() -> None:
    audit = audit_track(line_track(STRAIGHT), cameras_at([{"dx": 0, "dy": 10}]), radius_m=20)
    assert audit.length_m == pytest.approx(200.0, abs=1e-6)
    assert audit.metres_in_view == pytest.approx(2 * math.sqrt(20**2 - 10**2), abs=1e-6)
    assert audit.cameras == audit.frt_cameras == 1
    assert audit.camera_ids == ("test:1",)
    assert audit.share_in_view == pytest.approx(audit.metres_in_view / 200.0)
    assert audit.seconds_in_view is None
    assert audit.seconds_total is None


def test_overlapping_discs_count_the_overlap_once() -> None:
    cams = cameras_at([{"dx": -10, "dy": 5}, {"dx": 10, "dy": -5}])
    audit = audit_track(line_track(STRAIGHT), cams, radius_m=20)
    half = math.sqrt(20**2 - 5**2)
    assert audit.metres_in_view_any == pytest.approx(20 + 2 * half, abs=1e-6)
    assert audit.metres_in_view == pytest.approx(audit.metres_in_view_any)
    assert audit.per_camera["metres_in_view"].sum() == pytest.approx(4 * half, abs=1e-6)
    assert audit.cameras == 2


@pytest.mark.parametrize(
    ("direction", "expected_m"),
    [
        (0.0, 0.0),  # looks north, away from the street below it
        (180.0, 20.0),  # looks south: a 90° cone 10 m above the line spans x in [-10, 10]
    ],
)
def test_sector_camera_sees_only_its_cone(direction: float, expected_m: float) -> None:
    # the layout is on the UTM grid; a camera's direction is a compass bearing from true north
    _, lat = lonlat(0, 10)
    north = np.array(lonlat(0, 10)) - np.array(lonlat(0, 0))  # grid north, in lon/lat
    grid_north_compass = np.degrees(np.arctan2(north[0] * np.cos(np.radians(lat)), north[1]))
    cams = cameras_at([{"dx": 0, "dy": 10, "direction_deg": (direction + grid_north_compass) % 360.0,
                        "fov_deg": 90.0}])
    audit = audit_track(line_track(STRAIGHT), cams, coverage_model="per-kind")  # its 40 m cones
    assert audit.metres_in_view == pytest.approx(expected_m, abs=1e-6)
    assert audit.cameras == (1 if expected_m else 0)


def test_low_tier_camera_counts_in_any_but_not_frt() -> None:
    cams = cameras_at([
        {"dx": 0, "dy": 10, "mount": "building", "operator": "private"},
        {"dx": 60, "dy": 0},
    ])
    audit = audit_track(line_track(STRAIGHT), cams, radius_m=20)
    assert audit.metres_in_view == pytest.approx(40.0, abs=1e-6)
    assert audit.metres_in_view_any == pytest.approx(40.0 + 2 * math.sqrt(300), abs=1e-6)
    assert audit.cameras == 2
    assert audit.frt_camera_ids == ("test:2",)
    assert audit.camera_ids == ("test:1", "test:2")  # the order the walk meets them
    row = audit.per_camera.set_index("camera_id").loc["test:1"]
    assert not row["frt_capable"]
    assert row["frt_tier"] == "low"


def test_verification_policy_drops_cameras() -> None:
    cams = cameras_at([{"dx": 0, "dy": 10, "verification": "disputed"}])
    assert audit_track(line_track(STRAIGHT), cams, radius_m=20).cameras == 1
    audit = audit_track(line_track(STRAIGHT), cams, radius_m=20, verification="verified")
    assert audit.cameras == 0
    assert audit.metres_in_view == 0.0
    assert audit.per_camera.empty
    assert list(audit.per_camera.columns) == list(PER_CAMERA_COLUMNS)
    assert audit.settings["policies"]["verification"] == ["verified"]


@pytest.mark.parametrize("speed", [0.5, 1.25, 2.0])  # whole seconds at every point
def test_constant_speed_gives_seconds_from_metres(speed: float) -> None:
    seconds = [(dx + 100.0) / speed for dx, _ in STRAIGHT]
    audit = audit_track(line_track(STRAIGHT, seconds=seconds), cameras_at([{"dx": 30, "dy": 10}]), radius_m=20)
    assert audit.seconds_total == pytest.approx(200.0 / speed)
    assert audit.seconds_in_view == pytest.approx(audit.metres_in_view / speed, abs=1e-6)
    assert audit.per_camera["seconds_in_view"].iloc[0] == pytest.approx(audit.seconds_in_view)


def test_standing_still_in_view_counts_as_time_in_view() -> None:
    # walk at 1 m/s but stop 60 s under the camera at x = 0
    points = [(-100.0, 0.0), (0.0, 0.0), (0.0, 0.0), (100.0, 0.0)]
    audit = audit_track(line_track(points, seconds=[0, 100, 160, 260]), cameras_at([{"dx": 0, "dy": 10}]),
                        radius_m=20)
    assert audit.length_m == pytest.approx(200.0, abs=1e-6)
    assert audit.seconds_in_view == pytest.approx(2 * math.sqrt(300) + 60, abs=1e-6)
    # standing still outside any view adds nothing
    points = [(-100.0, 0.0), (-90.0, 0.0), (-90.0, 0.0), (0.0, 0.0), (100.0, 0.0)]  # no stretch over 100 m
    audit = audit_track(line_track(points, seconds=[0, 10, 70, 160, 260]), cameras_at([{"dx": 0, "dy": 10}]),
                        radius_m=20)
    assert audit.seconds_in_view == pytest.approx(2 * math.sqrt(300), abs=1e-6)


def test_passing_twice_counts_twice() -> None:
    there_and_back = [(-100.0, 0.0), (0.0, 0.0), (100.0, 0.0), (0.0, 0.0), (-100.0, 0.0)]
    audit = audit_track(line_track(there_and_back), cameras_at([{"dx": 0, "dy": 10}]), radius_m=20)
    assert audit.length_m == pytest.approx(400.0, abs=1e-6)
    assert audit.metres_in_view == pytest.approx(4 * math.sqrt(300), abs=1e-6)
    assert audit.cameras == 1


def test_to_dict_is_json_stable() -> None:
    audit = audit_track(line_track(STRAIGHT), cameras_at([{"dx": 0, "dy": 10}]), radius_m=20)
    data = audit.to_dict()
    assert list(data) == [
        "length_m", "cameras", "frt_cameras", "camera_ids", "frt_camera_ids", "metres_in_view",
        "metres_in_view_any", "share_in_view", "seconds_in_view", "seconds_total", "per_camera", "settings",
        "tracks", "notes", "unknown_m", "gaps",
    ]
    assert data["tracks"] == [{
        "track": 1, "name": "test", "segments": 1, "length_m": 200.0, "cameras": 1, "frt_cameras": 1,
        "metres_in_view": 34.6, "metres_in_view_any": 34.6, "share_in_view": 0.1732, "seconds_in_view": None,
        "seconds_total": None, "unknown_m": 0.0,
    }]
    assert (data["unknown_m"], data["gaps"]) == (0.0, [])
    assert data["notes"] == []
    assert data["metres_in_view"] == 34.6
    assert data["per_camera"] == [{
        "camera_id": "test:1", "frt_capable": True, "frt_tier": "medium", "kind": "fixed",
        "metres_in_view": 34.6, "seconds_in_view": None,
    }]
    assert data["settings"]["coverage"] == {
        "model": "uniform disc", "radius_m": 20.0, "level": "identify", "walls": False,
        "walls_note": "a uniform 20 m disc is not cut by walls"}
    assert data["settings"]["policies"]["frt_policy"] == "default"
    json.dumps(data, allow_nan=False)


def test_audit_accepts_a_point_list() -> None:
    points = [tuple(reversed(lonlat(dx, dy))) for dx, dy in STRAIGHT]  # (lat, lon)
    audit = audit_track(points, cameras_at([{"dx": 0, "dy": 10}]), radius_m=20)
    assert isinstance(audit, Audit)
    assert audit.metres_in_view == pytest.approx(2 * math.sqrt(300), abs=1e-6)


# --------------------------------------------------------------------------- property


@settings(max_examples=60, deadline=None)
@given(scene=scenes())
def test_metres_in_view_never_exceed_length(scene: tuple[Track, pd.DataFrame]) -> None:
    track, cams = scene
    audit = audit_track(track, cams)
    assert 0.0 <= audit.metres_in_view <= audit.metres_in_view_any + 1e-6
    assert audit.metres_in_view_any <= audit.length_m + 1e-6
    assert audit.per_camera["metres_in_view"].sum() >= audit.metres_in_view_any - 1e-6
    assert 0.0 <= audit.share_in_view <= 1.0 + 1e-9
    assert audit.frt_cameras <= audit.cameras == len(audit.per_camera)


# --------------------------------------------------------------------------- real walks


@pytest.fixture(scope="module")
def jyvaskyla_cameras(shared_data: Path) -> pd.DataFrame:
    return load_cameras(shared_data / "jyvaskyla" / "cameras.csv").cameras


@pytest.mark.parametrize("walk", ["walk1.gpx", "walk2.gpx", "walk3.gpx", "walk4.gpx"])
def test_jyvaskyla_walks_agree_with_shapely(shared_data: Path, jyvaskyla_cameras: pd.DataFrame, walk: str) -> None:
    track = read_track(shared_data / "jyvaskyla" / walk)
    audit = audit_track(track, jyvaskyla_cameras, radius_m=10)  # CCTV-Exposure's radius
    assert audit.length_m > 500
    assert 0 < audit.metres_in_view <= audit.metres_in_view_any <= audit.length_m
    assert 0.0 <= audit.share_in_view <= 1.0
    assert audit.seconds_in_view is not None
    assert audit.seconds_total is not None
    assert 0 < audit.seconds_in_view <= audit.seconds_total
    assert audit.per_camera["metres_in_view"].sum() >= audit.metres_in_view_any - 1e-6

    # independent recount: shapely discs against the projected line, segment by segment
    # so that a stretch walked twice counts twice, as it does in the audit
    crs = local_crs(*track.coordinates.mean(axis=0))
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    xy = np.column_stack(to_xy.transform(track.coordinates[:, 0], track.coordinates[:, 1]))
    line = LineString(xy)
    assert line.length == pytest.approx(audit.length_m)
    # a stretch longer than the gap limit between two recorded points is unknown (no streets given here):
    # it counts in the length, not in view
    pairs = [pair for pair in zip(xy[:-1], xy[1:], strict=True) if not np.array_equal(*pair)]
    known = [pair for pair in pairs if math.dist(*pair) <= exposure_settings.track_gap_m]
    assert audit.unknown_m == pytest.approx(sum(math.dist(*pair) for pair in pairs) - sum(math.dist(*pair)
                                                                                          for pair in known))
    assert len(audit.gaps) == len(pairs) - len(known)
    cam_xy = np.column_stack(to_xy.transform(jyvaskyla_cameras["lon"], jyvaskyla_cameras["lat"]))
    discs = [Point(x, y).buffer(10, quad_segs=128) for x, y in cam_xy]
    seen = shapely.unary_union(discs)
    in_view = sum(LineString(pair).intersection(seen).length for pair in known)
    assert audit.metres_in_view_any == pytest.approx(in_view, rel=0.005)
    ids = jyvaskyla_cameras["camera_id"].to_numpy()
    walked = shapely.MultiLineString([list(pair) for pair in known])
    assert set(audit.camera_ids) == {ids[i] for i, disc in enumerate(discs) if disc.intersects(walked)}


# --------------------------------------------------------------------------- several tracks



def test_separate_tracks_are_never_joined_by_a_straight_line(tmp_path: Path) -> None:
    # two 200 m walks 1 km apart, each past its own camera, and one camera halfway between them:
    # a line from the end of the first to the start of the second would pass it
    # (a point every 100 m: a longer stretch between recorded points would be a gap)
    walks = [[[(-100.0, 0.0, 0), (0.0, 0.0, 100), (100.0, 0.0, 200)]],
             [[(100.0, 1000.0, 300), (0.0, 1000.0, 400), (-100.0, 1000.0, 500)]]]
    cams = cameras_at([{"dx": 0, "dy": 10, "camera_id": "a"}, {"dx": 0, "dy": 1010, "camera_id": "b"},
                       {"dx": 100, "dy": 500, "camera_id": "between"}])
    audit = audit_track(write(tmp_path, "two.gpx", gpx_of(walks, ["Out", "Back"])), cams, radius_m=20)
    assert audit.length_m == pytest.approx(400.0, abs=1e-3)  # not 400 m + the 1 km gap
    assert set(audit.camera_ids) == {"a", "b"}
    assert audit.metres_in_view == pytest.approx(4 * math.sqrt(300), abs=1e-3)
    assert audit.seconds_total == pytest.approx(400.0)  # the 100 s between the tracks were not recorded
    assert audit.seconds_in_view == pytest.approx(4 * math.sqrt(300), abs=1e-3)  # 1 m/s
    rows = audit.tracks
    assert rows["track"].tolist() == [1, 2]
    assert rows["name"].tolist() == ["Out", "Back"]
    assert rows["length_m"].tolist() == pytest.approx([200.0, 200.0], abs=1e-3)
    assert rows["cameras"].tolist() == [1, 1]
    assert rows["metres_in_view"].sum() == pytest.approx(audit.metres_in_view)
    assert rows["seconds_total"].tolist() == pytest.approx([200.0, 200.0])


def test_segments_of_one_track_are_measured_apart_and_cameras_count_once(tmp_path: Path) -> None:
    # one track, two segments past the same camera, with a pause (no points) between them
    track = [[(-100.0, 0.0, None), (0.0, 0.0, None), (100.0, 0.0, None)],
             [(100.0, 20.0, None), (0.0, 20.0, None), (-100.0, 20.0, None)]]
    cams = cameras_at([{"dx": 0, "dy": 10}])
    audit = audit_track(write(tmp_path, "paused.gpx", gpx_of([track])), cams, radius_m=20)
    assert audit.length_m == pytest.approx(400.0, abs=1e-3)  # not + the 20 m between the segments
    assert audit.cameras == 1  # the same camera on both segments: once
    assert audit.per_camera["metres_in_view"].iloc[0] == pytest.approx(4 * math.sqrt(300), abs=1e-3)
    assert audit.tracks["segments"].tolist() == [2]
    assert audit.tracks["cameras"].tolist() == [1]


def test_a_segment_of_one_point_is_left_out_with_a_note(tmp_path: Path) -> None:
    tracks = [[[(-100.0, 0.0, None), (0.0, 0.0, None), (100.0, 0.0, None)]], [[(500.0, 500.0, None)]]]
    audit = audit_track(write(tmp_path, "blip.gpx", gpx_of(tracks)), cameras_at([]), radius_m=20)
    assert audit.length_m == pytest.approx(200.0, abs=1e-3)
    assert audit.notes == ("track 2: 1 point, no line to measure; left out",)
    assert audit.tracks["track"].tolist() == [1]


def test_geojson_features_and_parts_are_tracks_and_segments() -> None:
    a, b, c, d = lonlat(-100, 0), lonlat(100, 0), lonlat(100, 1000), lonlat(-100, 1000)
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "one"}, "geometry": {"type": "LineString", "coordinates": [a, b]}},
        {"type": "Feature", "properties": {"name": "two"},
         "geometry": {"type": "MultiLineString", "coordinates": [[c, d], [d, c]]}},
    ]}
    data = json.loads(json.dumps(data).replace("(", "[").replace(")", "]"))
    track = read_track(data)
    assert [(p.track, p.segment, p.name) for p in track.pieces] == [(1, 1, "one"), (2, 1, "two"), (2, 2, "two")]
    audit = audit_track(track, cameras_at([]))
    assert audit.length_m == pytest.approx(600.0, abs=1e-3)
    assert audit.tracks["length_m"].tolist() == pytest.approx([200.0, 400.0], abs=1e-3)


@settings(max_examples=30, deadline=None)
@given(scene=scenes(), shift=st.floats(-2000, 2000))
def test_a_file_of_tracks_adds_up_to_its_tracks_audited_alone(scene: tuple[Track, pd.DataFrame], shift: float) -> None:
    one, cams = scene
    moved = one.coordinates + np.array([lonlat(shift, 0)[0] - ORIGIN[0], 0.0])
    two = Track(coordinates=moved, times=None, name="", source="test")
    both = Track(coordinates=np.vstack([one.coordinates, moved]), times=None, name="", source="test",
                 pieces=(Piece(0, 1, 1, ""), Piece(len(one.coordinates), 2, 1, "")))
    alone = [audit_track(t, cams) for t in (one, two)]
    together = audit_track(both, cams)
    assert together.length_m == pytest.approx(sum(a.length_m for a in alone), abs=1e-6)
    assert together.metres_in_view_any == pytest.approx(sum(a.metres_in_view_any for a in alone), abs=1e-6)
    assert together.tracks["length_m"].tolist() == pytest.approx([a.length_m for a in alone], abs=1e-6)
    assert set(together.camera_ids) == set(alone[0].camera_ids) | set(alone[1].camera_ids)


def test_the_planners_own_gpx_is_audited_route_by_route(tmp_path: Path) -> None:
    """The first user's path: routes exported as GPX (one track each), then audited."""
    from exposure.datasets import load_dataset
    from exposure.export import routes_to_gpx
    from exposure.routing import routes

    ds = load_dataset("helsinki")
    ctx = ds.context(coverage_model="per-kind")  # today's model, under which this trip has two routes
    found = routes(ctx, ds.resolve("Rautatientori").node, ds.resolve("Kauppatori").node, objective="fewest-cameras")
    assert len(found) == 2
    # the planner's lines run straight along a street between its corners, often more than
    # settings.track_gap_m: the dataset's streets fill those stretches with themselves
    audit = audit_track(write(tmp_path, "routes.gpx", routes_to_gpx(found)), ds.cameras, streets=ds.index,
                        coverage_model="per-kind")
    assert audit.unknown_m == 0.0
    assert audit.length_m == pytest.approx(sum(r.length_m for r in found), rel=0.01)
    assert audit.tracks["name"].tolist() == [r.label for r in found]
    assert audit.tracks["length_m"].tolist() == pytest.approx([r.length_m for r in found], rel=0.01)
    assert audit.tracks["frt_cameras"].tolist() == [r.frt_cameras for r in found]


@pytest.mark.parametrize(("model", "trip"), [(None, ("Narinkkatori", "Senaatintori")),
                                             ("kamerafrei", ("Rautatientori", "Kauppatori")),
                                             ("dori-high", ("Kappeli", "Senaatintori"))])
def test_routes_and_their_audit_count_the_same_cameras_under_a_wall_cut_model(tmp_path: Path, model, trip) -> None:
    from exposure.datasets import load_dataset
    from exposure.export import routes_to_gpx
    from exposure.routing import routes

    ds = load_dataset("helsinki")
    ctx = ds.context(coverage_model=model)
    assert ctx.settings["coverage"]["walls"] is True
    found = routes(ctx, ds.resolve(trip[0]).node, ds.resolve(trip[1]).node, objective="fewest-cameras")
    audit = audit_track(write(tmp_path, "routes.gpx", routes_to_gpx(found)), ds.cameras, streets=ds.index,
                        coverage_model=model or DEFAULT_COVERAGE_MODEL, buildings=ds.buildings_as_obstacles)
    assert audit.settings["coverage"]["walls"] is True
    assert audit.tracks["frt_cameras"].tolist() == [r.frt_cameras for r in found]


def test_jyvaskyla_audits_use_the_file_own_ten_metre_radius_by_default(shared_data: Path,
                                                                       jyvaskyla_cameras: pd.DataFrame) -> None:
    track = read_track(shared_data / "jyvaskyla" / "walk1.gpx")
    audit = audit_track(track, jyvaskyla_cameras)
    assert audit.settings["coverage"]["model"] == DEFAULT_COVERAGE_MODEL
    assert audit.settings["coverage"]["walls_note"] == NO_BUILDING_DATA
    assert audit.settings["coverage"]["ranges_from"]["camera"] > 0
    assert audit.cameras == 13
    assert audit.share_in_view == pytest.approx(0.22, abs=0.01)
    # an independent recount along the line: every camera's disc of the file's own radius
    crs = local_crs(*track.coordinates.mean(axis=0))
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    xy = np.column_stack(to_xy.transform(track.coordinates[:, 0], track.coordinates[:, 1]))
    pairs = [pair for pair in zip(xy[:-1], xy[1:], strict=True) if not np.array_equal(*pair)]
    walked = shapely.MultiLineString([list(pair) for pair in pairs])
    cam_xy = np.column_stack(to_xy.transform(jyvaskyla_cameras["lon"], jyvaskyla_cameras["lat"]))
    discs = [Point(x, y).buffer(r, quad_segs=128)
             for (x, y), r in zip(cam_xy, jyvaskyla_cameras["range_m"], strict=True)]
    ids = jyvaskyla_cameras["camera_id"].to_numpy()
    assert set(audit.camera_ids) == {ids[i] for i, disc in enumerate(discs) if disc.intersects(walked)}
    in_view = sum(LineString(pair).intersection(shapely.unary_union(discs)).length for pair in pairs)
    assert audit.metres_in_view_any == pytest.approx(in_view, rel=0.005)
    # today's per-kind radii saw most of the walk
    assert audit_track(track, jyvaskyla_cameras, coverage_model="per-kind").share_in_view > 0.8


def test_a_camera_behind_a_building_never_counts_for_the_walk_past_it() -> None:
    from exposure.buildings import buildings_from_polygons

    cams = cameras_at([{"dx": 0, "dy": 20, "kind": "dome"}, {"dx": 80, "dy": 3, "kind": "dome"}])
    crs = local_crs(*lonlat(0, 0))
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    corners = [to_xy.transform(*lonlat(x, y)) for x, y in ((-40, 5), (40, 5), (40, 15), (-40, 15))]
    block = buildings_from_polygons([shapely.Polygon(corners)], crs=crs, source_crs=crs)
    walls = audit_track(line_track(STRAIGHT), cams, coverage_model="kamerafrei", buildings=block)
    assert walls.camera_ids == ("test:2",)
    none = audit_track(line_track(STRAIGHT), cams, coverage_model="kamerafrei")
    assert set(none.camera_ids) == {"test:1", "test:2"}
    assert none.settings["coverage"]["walls_note"] == NO_BUILDING_DATA


def test_jyvaskyla_walks_in_one_file_total_what_they_measure_alone(shared_data: Path, tmp_path: Path,
                                                                  jyvaskyla_cameras: pd.DataFrame) -> None:
    import gpxpy

    walks = [shared_data / "jyvaskyla" / f"walk{i}.gpx" for i in range(1, 5)]
    merged = gpxpy.parse(walks[0].read_text(encoding="utf-8"))
    for path in walks[1:]:
        merged.tracks.extend(gpxpy.parse(path.read_text(encoding="utf-8")).tracks)
    path = write(tmp_path, "four.gpx", merged.to_xml())
    alone = [audit_track(w, jyvaskyla_cameras, radius_m=10) for w in walks]
    together = audit_track(path, jyvaskyla_cameras, radius_m=10)
    assert together.length_m == pytest.approx(sum(a.length_m for a in alone), rel=1e-6)
    assert together.tracks["length_m"].tolist() == pytest.approx([a.length_m for a in alone], rel=1e-6)
    assert together.tracks["metres_in_view"].tolist() == pytest.approx([a.metres_in_view for a in alone], rel=1e-6)
    assert together.seconds_total == pytest.approx(sum(a.seconds_total for a in alone))
    assert together.cameras == len(set().union(*(a.camera_ids for a in alone)))


def test_cameras_far_from_the_walk_change_nothing(shared_data: Path) -> None:
    # only cameras within reach of the walk are looked at; a country's worth elsewhere must not change a figure,
    # and a PTZ camera 99 m from the walk (it sees 100 m) must still count
    cameras = load_cameras(shared_data / "jyvaskyla" / "cameras.csv").cameras
    track = read_track(shared_data / "jyvaskyla" / "walk1.gpx")
    rng = np.random.default_rng(3)
    n = 100_000
    far = cameras.iloc[np.zeros(n, dtype=int)].copy()
    far["camera_id"] = [f"far:{i}" for i in range(n)]
    far["lon"] = rng.uniform(20.0, 30.0, n)
    far["lat"] = rng.uniform(60.0, 69.0, n)  # Jyväskylä is at 62.24 N, 25.75 E: keep them out of reach
    far = far[(np.abs(far["lat"] - 62.24) > 0.05) | (np.abs(far["lon"] - 25.75) > 0.1)]
    lon, lat = track.coordinates[len(track.coordinates) // 2]
    edge = cameras.iloc[[0]].copy()
    edge["camera_id"], edge["kind"], edge["direction_deg"], edge["fov_deg"] = "edge", "ptz", np.nan, np.nan
    edge["lat"] = lat + 99.0 / 110_574.0  # 99 m north of a point of the walk
    edge["lon"] = lon
    # per-kind: the PTZ sees 100 m (the default model would take the file's own 10 m radius)
    alone = audit_track(track, pd.concat([cameras, edge], ignore_index=True), coverage_model="per-kind")
    crowded = audit_track(track, pd.concat([far, cameras, edge], ignore_index=True), coverage_model="per-kind")
    assert "edge" in alone.camera_ids
    # every figure of the walk is the same; only the size of the table in use, which the counting reports, is not
    crowded_dict, alone_dict = crowded.to_dict(), alone.to_dict()
    assert crowded_dict["settings"].pop("counting")["cameras"] == len(far) + len(cameras) + 1
    assert alone_dict["settings"].pop("counting")["cameras"] == len(cameras) + 1
    assert crowded_dict == alone_dict



def test_many_segments_are_refused_and_a_thousand_are_measured_quickly(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from exposure import settings as exposure_settings

    segments = "".join("<trkseg>" + pt(f"{60.17 + i * 1e-4:.5f}", "24.94") + pt(f"{60.17 + i * 1e-4:.5f}", "24.9401")
                       + "</trkseg>" for i in range(1000))
    path = write(tmp_path, "segs.gpx", GPX_HEAD + "<trk>" + segments + "</trk></gpx>")
    result = audit_track(path, cameras_at([{"dx": 0, "dy": 0, "kind": "ptz"}]))
    assert result.tracks["segments"].tolist() == [1000]
    monkeypatch.setattr(exposure_settings, "max_track_segments", 999)
    with pytest.raises(TrackError, match=r"segs\.gpx: 1,000 tracks and segments, over the limit of 999 "
                                         r"\(exposure\.settings\.max_track_segments\)"):
        read_track(path)

