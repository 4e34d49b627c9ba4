"""Tests of exposure.audit: reading tracks and measuring their exposure."""

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

from exposure._errors import TrackError
from exposure.audit import PER_CAMERA_COLUMNS, Audit, Piece, Track, audit_track, read_track, read_track_bytes
from exposure.cameras import CAMERA_COLUMNS, load_cameras
from exposure.network import local_crs
from tests.hostile import one_line, outcome

ORIGIN = (24.94, 60.17)  # lon, lat: central Helsinki, well inside UTM zone 35
CRS = local_crs(*ORIGIN)
_TO_XY = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
_TO_LONLAT = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
X0, Y0 = _TO_XY.transform(*ORIGIN)


def lonlat(dx: float, dy: float) -> tuple[float, float]:
    """The (lon, lat) of a point ``dx`` metres east and ``dy`` north of the origin."""
    lon, lat = _TO_LONLAT.transform(X0 + dx, Y0 + dy)
    return float(lon), float(lat)


def cameras_at(rows: list[dict]) -> pd.DataFrame:
    """A camera table; each row gives ``dx``, ``dy`` and optionally any schema column."""
    records = []
    for number, row in enumerate(rows, start=1):
        lon, lat = lonlat(row["dx"], row["dy"])
        record = {
            "camera_id": row.get("camera_id", f"test:{number}"), "lon": lon, "lat": lat,
            "source": "test", "kind": "fixed", "mount": "street", "operator": "unknown",
            "direction_deg": np.nan, "fov_deg": np.nan, "height_m": np.nan,
            "verification": "verified", "agreement": "", "reports": 1, "observed": None, "frt_tier": "medium",
        }
        record.update({k: v for k, v in row.items() if k in CAMERA_COLUMNS and k not in ("lon", "lat")})
        records.append(record)
    return pd.DataFrame(records, columns=list(CAMERA_COLUMNS))


def line_track(points_m: list[tuple[float, float]], *, seconds: list[float] | None = None) -> Track:
    coords = np.array([lonlat(dx, dy) for dx, dy in points_m])
    times = None
    if seconds is not None:
        times = np.datetime64("2024-05-01T10:00:00", "s") + np.array(seconds).astype("timedelta64[s]")
    return Track(coordinates=coords, times=times, name="test", source="test")


STRAIGHT = [(-100.0, 0.0), (-50.0, 0.0), (0.0, 0.0), (50.0, 0.0), (100.0, 0.0)]


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
    audit = audit_track(line_track(STRAIGHT), cams)
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
    points = [(-100.0, 0.0), (-90.0, 0.0), (-90.0, 0.0), (100.0, 0.0)]
    audit = audit_track(line_track(points, seconds=[0, 10, 70, 260]), cameras_at([{"dx": 0, "dy": 10}]),
                        radius_m=20)
    assert audit.seconds_in_view == pytest.approx(2 * math.sqrt(300), abs=1e-6)


def test_passing_twice_counts_twice() -> None:
    there_and_back = [(-100.0, 0.0), (100.0, 0.0), (-100.0, 0.0)]
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
        "tracks", "notes",
    ]
    assert data["tracks"] == [{
        "track": 1, "name": "test", "segments": 1, "length_m": 200.0, "cameras": 1, "frt_cameras": 1,
        "metres_in_view": 34.6, "metres_in_view_any": 34.6, "share_in_view": 0.1732, "seconds_in_view": None,
        "seconds_total": None,
    }]
    assert data["notes"] == []
    assert data["metres_in_view"] == 34.6
    assert data["per_camera"] == [{
        "camera_id": "test:1", "frt_capable": True, "frt_tier": "medium", "kind": "fixed",
        "metres_in_view": 34.6, "seconds_in_view": None,
    }]
    assert data["settings"]["coverage"] == {"model": "uniform disc", "radius_m": 20.0}
    assert data["settings"]["policies"]["frt_policy"] == "default"
    json.dumps(data, allow_nan=False)


def test_audit_accepts_a_point_list() -> None:
    points = [tuple(reversed(lonlat(dx, dy))) for dx, dy in STRAIGHT]  # (lat, lon)
    audit = audit_track(points, cameras_at([{"dx": 0, "dy": 10}]), radius_m=20)
    assert isinstance(audit, Audit)
    assert audit.metres_in_view == pytest.approx(2 * math.sqrt(300), abs=1e-6)


# --------------------------------------------------------------------------- property


@st.composite
def scenes(draw: st.DrawFn) -> tuple[Track, pd.DataFrame]:
    coordinate = st.floats(-300, 300, allow_nan=False)
    points = draw(st.lists(st.tuples(coordinate, coordinate), min_size=2, max_size=8))
    if len({(round(x, 6), round(y, 6)) for x, y in points}) < 2:
        points = [*points, (points[0][0] + 1.0, points[0][1])]
    rows = draw(st.lists(st.fixed_dictionaries({
        "dx": coordinate, "dy": coordinate,
        "kind": st.sampled_from(["ptz", "dome", "fixed", "unknown"]),
        "mount": st.sampled_from(["street", "building", "unknown"]),
        "operator": st.sampled_from(["public", "private", "unknown"]),
        "direction_deg": st.one_of(st.just(np.nan), st.floats(0, 360)),
        "fov_deg": st.one_of(st.just(np.nan), st.floats(1, 360)),
    }), max_size=12))
    return line_track(points), cameras_at(rows)


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


# --------------------------------------------------------------------------- reading tracks

GPX_HEAD = '<?xml version="1.0"?>\n<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_gpx_segments_and_tracks_are_concatenated_in_order(tmp_path: Path) -> None:
    text = GPX_HEAD + (
        "<trk><name>Morning</name>"
        '<trkseg><trkpt lat="60.1" lon="24.1"><time>2024-05-01T10:00:00Z</time></trkpt>'
        '<trkpt lat="60.2" lon="24.2"><time>2024-05-01T10:01:00Z</time></trkpt></trkseg>'
        '<trkseg><trkpt lat="60.3" lon="24.3"><time>2024-05-01T10:02:00Z</time></trkpt></trkseg></trk>'
        '<trk><trkseg><trkpt lat="60.4" lon="24.4"><time>2024-05-01T12:03:00+02:00</time></trkpt></trkseg></trk>'
        "</gpx>"
    )
    track = read_track(write(tmp_path, "walk.gpx", text))
    np.testing.assert_allclose(track.coordinates, [[24.1, 60.1], [24.2, 60.2], [24.3, 60.3], [24.4, 60.4]])
    assert [(p.start, p.track, p.segment, p.name) for p in track.pieces] == [
        (0, 1, 1, "Morning"), (2, 1, 2, "Morning"), (3, 2, 1, "")]
    assert track.name == "Morning"
    assert track.times is not None
    assert str(track.times[-1]) == "2024-05-01T10:03:00"  # converted to UTC
    assert track.source.endswith("walk.gpx")


def test_gpx_route_points_are_read_when_there_is_no_track(tmp_path: Path) -> None:
    text = GPX_HEAD + '<rte><name>Plan</name><rtept lat="60.1" lon="24.1"/><rtept lat="60.2" lon="24.2"/></rte></gpx>'
    track = read_track(write(tmp_path, "plan.gpx", text))
    assert track.name == "Plan"
    assert track.times is None
    assert len(track.coordinates) == 2


def test_gpx_with_some_times_missing_has_no_times(tmp_path: Path) -> None:
    text = GPX_HEAD + (
        '<trk><trkseg><trkpt lat="60.1" lon="24.1"><time>2024-05-01T10:00:00Z</time></trkpt>'
        '<trkpt lat="60.2" lon="24.2"/></trkseg></trk></gpx>'
    )
    assert read_track(write(tmp_path, "walk.gpx", text)).times is None


@pytest.mark.parametrize(
    "data",
    [
        {"type": "LineString", "coordinates": [[24.1, 60.1], [24.2, 60.2, 12.0]]},
        {"type": "MultiLineString", "coordinates": [[[24.1, 60.1], [24.2, 60.2]]]},
        {"type": "Feature", "properties": {"name": "Walk"},
         "geometry": {"type": "LineString", "coordinates": [[24.1, 60.1], [24.2, 60.2]]}},
        {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [24.1, 60.1]}},
            {"type": "Feature", "properties": {"name": "Walk"},
             "geometry": {"type": "LineString", "coordinates": [[24.1, 60.1], [24.2, 60.2]]}},
        ]},
    ],
)
def test_geojson_lines_are_read_as_lon_lat(data: dict, tmp_path: Path) -> None:
    for source in (data, write(tmp_path, "walk.geojson", json.dumps(data))):
        track = read_track(source)
        np.testing.assert_allclose(track.coordinates, [[24.1, 60.1], [24.2, 60.2]])


def test_geojson_coord_times_are_used() -> None:
    data = {"type": "Feature", "properties": {"coordTimes": ["2024-05-01T10:00:00Z", "2024-05-01T10:05:00Z"]},
            "geometry": {"type": "LineString", "coordinates": [[24.1, 60.1], [24.2, 60.2]]}}
    track = read_track(data)
    assert track.times is not None
    assert int((track.times[1] - track.times[0]).astype(int)) == 300


def test_point_list_is_lat_lon() -> None:
    track = read_track([(60.1, 24.1), (60.2, 24.2)])
    np.testing.assert_allclose(track.coordinates, [[24.1, 60.1], [24.2, 60.2]])
    assert track.times is None


BAD_TRACKS = pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("empty.gpx", GPX_HEAD + "</gpx>", r"empty\.gpx: no <trkpt> or <rtept> points"),
        ("zero.gpx", "", r"zero\.gpx: not valid XML"),
        ("broken.gpx", GPX_HEAD + "<trk><trkseg><trkpt lat=", r"broken\.gpx: not valid XML"),
        ("waypoints.gpx", GPX_HEAD + '<wpt lat="60.1" lon="24.1"/></gpx>', r"only 1 <wpt> waypoints"),
        ("one.gpx", GPX_HEAD + '<trk><trkseg><trkpt lat="60.1" lon="24.1"/><trkpt lat="60.1" lon="24.1"/>'
         "</trkseg></trk></gpx>", r"one\.gpx: 2 point\(s\), 1 distinct; a track needs at least two"),
        ("back.gpx", GPX_HEAD + '<trk><trkseg><trkpt lat="60.1" lon="24.1"><time>2024-05-01T10:00:00Z</time>'
         '</trkpt><trkpt lat="60.2" lon="24.2"><time>2024-05-01T09:00:00Z</time></trkpt></trkseg></trk></gpx>',
         r"back\.gpx: timestamps go backwards at point 2"),
        ("point.geojson", '{"type": "Point", "coordinates": [24.1, 60.1]}',
         r"point\.geojson: GeoJSON geometry is a 'Point', not a LineString"),
        ("bad.geojson", '{"type": "LineString", ', r"bad\.geojson: not valid JSON \(line 1"),
        ("points.geojson", json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [24.1, 60.1]}},
        ]}), r"points\.geojson: FeatureCollection holds no LineString or MultiLineString feature \(1 feature"),
        ("dots.geojson", json.dumps({"type": "MultiLineString", "coordinates": [[[24.1, 60.1]], [[24.2, 60.2]]]}),
         r"dots\.geojson: none of its 2 tracks or segments has two distinct points"),
        ("far.geojson", '{"type": "LineString", "coordinates": [[24.1, 95.0], [24.2, 60.2]]}',
         r"far\.geojson: \(24\.1, 95\.0\) is out of range as \(lon, lat\)"),
    ],
)


@BAD_TRACKS
def test_bad_track_files(tmp_path: Path, name: str, text: str, match: str) -> None:
    with pytest.raises(TrackError, match=match):
        read_track(write(tmp_path, name, text))


@BAD_TRACKS
def test_bad_track_bytes_say_the_same_naming_the_upload(name: str, text: str, match: str) -> None:
    with pytest.raises(TrackError, match=match) as info:
        read_track_bytes(text.encode(), name=name)
    assert str(info.value).startswith(f"{name}: ")


def test_track_bytes_read_as_the_file_does(tmp_path: Path) -> None:
    text = GPX_HEAD + (
        "<trk><name>Morning</name>"
        '<trkseg><trkpt lat="60.1" lon="24.1"><time>2024-05-01T10:00:00Z</time></trkpt>'
        '<trkpt lat="60.2" lon="24.2"><time>2024-05-01T10:01:00Z</time></trkpt></trkseg></trk>'
        '<trk><trkseg><trkpt lat="60.4" lon="24.4"><time>2024-05-01T10:03:00Z</time></trkpt>'
        '<trkpt lat="60.5" lon="24.5"><time>2024-05-01T10:04:00Z</time></trkpt></trkseg></trk></gpx>'
    )
    line = json.dumps({"type": "LineString", "coordinates": [[24.1, 60.1], [24.2, 60.2]]})
    for name, content in (("walk.gpx", text), ("walk.geojson", line), ("walk.json", line)):
        from_file = read_track(write(tmp_path, name, content))
        from_bytes = read_track_bytes(("\ufeff" + content).encode(), name=f"/home/me/{name}")
        np.testing.assert_array_equal(from_bytes.coordinates, from_file.coordinates)
        assert from_bytes.pieces == from_file.pieces
        assert (from_bytes.times is None) == (from_file.times is None)
        assert from_bytes.source == f"/home/me/{name}"


def test_track_bytes_never_touch_a_file(monkeypatch) -> None:
    import builtins
    import io
    import os

    def no_files(*args, **kwargs):
        raise AssertionError("a file was opened")

    for module, name in ((builtins, "open"), (io, "open"), (os, "open"), (Path, "open"), (Path, "write_bytes")):
        monkeypatch.setattr(module, name, no_files)
    track = read_track_bytes(b'{"type": "LineString", "coordinates": [[24.1, 60.1], [24.2, 60.2]]}', name="w.json")
    assert len(track.coordinates) == 2


def test_track_bytes_that_are_not_text_say_so() -> None:
    with pytest.raises(TrackError, match=r"^walk\.gpx: not UTF-8 text"):
        read_track_bytes(b"\xff\xfe\x00<gpx", name="walk.gpx")


def test_parser_errors_are_chained(tmp_path: Path) -> None:
    with pytest.raises(TrackError) as info:
        read_track(write(tmp_path, "broken.gpx", "<gpx"))
    assert info.value.__cause__ is not None


@pytest.mark.parametrize(
    ("source", "match"),
    [
        ([(60.1, 24.1)], r"1 point\(s\), 1 distinct"),
        ([], r"0 point\(s\)"),
        ([(60.1, 24.1, 3.0)], r"point 1 of the list is \(60\.1, 24\.1, 3\.0\), not a \(lat, lon\) pair"),
        ([(24.1, 200.1), (24.2, 160.2)], r"point 1 of the list: \(24\.1, 200\.1\) is out of range"),
        ([(160.1, 24.1), (60.2, 24.2)], r"looks swapped: give \(lat, lon\)"),
        ([("a", 24.1), (60.2, 24.2)], r"not a pair of numbers"),
        ({"type": "Feature", "geometry": None}, r"Feature has no geometry"),
        (42, r"cannot read a track from a int"),
    ],
)
def test_bad_track_values(source: object, match: str) -> None:
    with pytest.raises(TrackError, match=match):
        read_track(source)  # type: ignore[arg-type]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TrackError, match=r"nowhere\.gpx: track file not found"):
        read_track(tmp_path / "nowhere.gpx")


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
    cam_xy = np.column_stack(to_xy.transform(jyvaskyla_cameras["lon"], jyvaskyla_cameras["lat"]))
    discs = [Point(x, y).buffer(10, quad_segs=128) for x, y in cam_xy]
    seen = shapely.unary_union(discs)
    in_view = sum(LineString(pair).intersection(seen).length for pair in zip(xy[:-1], xy[1:], strict=True)
                  if not np.array_equal(*pair))
    assert audit.metres_in_view_any == pytest.approx(in_view, rel=0.005)
    ids = jyvaskyla_cameras["camera_id"].to_numpy()
    assert set(audit.camera_ids) == {ids[i] for i, disc in enumerate(discs) if disc.intersects(line)}


# --------------------------------------------------------------------------- several tracks


def gpx_of(tracks: list[list[list[tuple[float, float, int | None]]]], names: list[str] | None = None) -> str:
    """A GPX file: tracks of segments of (dx, dy, seconds or None) points."""
    out = [GPX_HEAD]
    for i, segments in enumerate(tracks):
        out.append("<trk>" + (f"<name>{names[i]}</name>" if names else ""))
        for segment in segments:
            out.append("<trkseg>")
            for dx, dy, sec in segment:
                lon, lat = lonlat(dx, dy)
                stamp = "" if sec is None else f"<time>2024-05-01T10:{sec // 60:02d}:{sec % 60:02d}Z</time>"
                out.append(f'<trkpt lat="{lat:.9f}" lon="{lon:.9f}">{stamp}</trkpt>')
            out.append("</trkseg>")
        out.append("</trk>")
    return "".join(out) + "</gpx>"


def test_separate_tracks_are_never_joined_by_a_straight_line(tmp_path: Path) -> None:
    # two 200 m walks 1 km apart, each past its own camera, and one camera halfway between them:
    # a line from the end of the first to the start of the second would pass it
    walks = [[[(-100.0, 0.0, 0), (100.0, 0.0, 200)]], [[(100.0, 1000.0, 300), (-100.0, 1000.0, 500)]]]
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
    track = [[(-100.0, 0.0, None), (100.0, 0.0, None)], [(100.0, 20.0, None), (-100.0, 20.0, None)]]
    cams = cameras_at([{"dx": 0, "dy": 10}])
    audit = audit_track(write(tmp_path, "paused.gpx", gpx_of([track])), cams, radius_m=20)
    assert audit.length_m == pytest.approx(400.0, abs=1e-3)  # not + the 20 m between the segments
    assert audit.cameras == 1  # the same camera on both segments: once
    assert audit.per_camera["metres_in_view"].iloc[0] == pytest.approx(4 * math.sqrt(300), abs=1e-3)
    assert audit.tracks["segments"].tolist() == [2]
    assert audit.tracks["cameras"].tolist() == [1]


def test_a_segment_of_one_point_is_left_out_with_a_note(tmp_path: Path) -> None:
    tracks = [[[(-100.0, 0.0, None), (100.0, 0.0, None)]], [[(500.0, 500.0, None)]]]
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
    ctx = ds.context()
    found = routes(ctx, ds.resolve("Rautatientori").node, ds.resolve("Kauppatori").node, objective="fewest-cameras")
    assert len(found) == 2
    audit = audit_track(write(tmp_path, "routes.gpx", routes_to_gpx(found)), ds.cameras)
    assert audit.length_m == pytest.approx(sum(r.length_m for r in found), rel=0.01)
    assert audit.tracks["name"].tolist() == [r.label for r in found]
    assert audit.tracks["length_m"].tolist() == pytest.approx([r.length_m for r in found], rel=0.01)
    assert audit.tracks["frt_cameras"].tolist() == [r.frt_cameras for r in found]


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
    alone = audit_track(track, pd.concat([cameras, edge], ignore_index=True))
    crowded = audit_track(track, pd.concat([far, cameras, edge], ignore_index=True))
    assert "edge" in alone.camera_ids
    assert crowded.to_dict() == alone.to_dict()


# --------------------------------------------------------------------------- hostile input (issue 12)


def _pt(lat: str, lon: str, time: str | None = None) -> str:
    return f'<trkpt lat="{lat}" lon="{lon}">' + (f"<time>{time}</time>" if time else "") + "</trkpt>"


@pytest.mark.parametrize(("first", "second", "seconds"), [
    ("0001-01-01T00:00:00+05:00", "0001-01-01T00:10:00+05:00", 600.0),
    ("9999-12-31T23:00:00-05:00", "9999-12-31T23:30:00-05:00", 1800.0),
])
def test_timestamps_in_year_1_or_9999_with_an_offset_are_read(tmp_path: Path, first: str, second: str,
                                                              seconds: float) -> None:
    gpx = GPX_HEAD + "<trk><trkseg>" + _pt("60.17", "24.94", first) + _pt("60.171", "24.941", second) + \
        "</trkseg></trk></gpx>"
    track = read_track(write(tmp_path, "old.gpx", gpx))
    assert float((track.times[1] - track.times[0]).astype(int)) == seconds
    geo = {"type": "Feature", "properties": {"coordTimes": [first, second]},
           "geometry": {"type": "LineString", "coordinates": [[24.94, 60.17], [24.941, 60.171]]}}
    track = read_track(write(tmp_path, "old.geojson", json.dumps(geo)))
    assert float((track.times[1] - track.times[0]).astype(int)) == seconds


@pytest.mark.parametrize("lat", ["1000", "1e400", "-91", "NaN", "inf"])
def test_gpx_points_out_of_range_are_a_message_naming_the_point(tmp_path: Path, lat: str) -> None:
    gpx = GPX_HEAD + "<trk><trkseg>" + _pt("60.17", "24.94") + _pt(lat, "24.941") + "</trkseg></trk></gpx>"
    with pytest.raises(TrackError, match=r"bad\.gpx: .*point 2") as info:
        read_track(write(tmp_path, "bad.gpx", gpx))
    assert "\n" not in str(info.value)


def test_geojson_coordinates_of_ten_to_the_400_name_their_position(tmp_path: Path) -> None:
    text = '{"type": "LineString", "coordinates": [[24.9, 60.1], [1' + "0" * 400 + ", 60.2]]}"
    with pytest.raises(TrackError, match=r"huge\.geojson: \(inf, 60\.2\) is out of range as \(lon, lat\) "
                                         r"\(feature 1, position 2\)"):
        read_track(write(tmp_path, "huge.geojson", text))
    with pytest.raises(TrackError, match=r"not a pair of numbers \(lon, lat\) \(feature 1, position 1\)"):
        read_track({"type": "LineString", "coordinates": [[True, 60.1], [24.9, 60.2]]})


def test_gpx_with_entities_is_refused_before_parsing(tmp_path: Path) -> None:
    gpx = ('<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           + GPX_HEAD.split("\n", 1)[1] + "<trk><name>&x;</name><trkseg>" + _pt("60.17", "24.94")
           + _pt("60.171", "24.941") + "</trkseg></trk></gpx>")
    with pytest.raises(TrackError, match=r"xxe\.gpx: declares a document type or entities"):
        read_track(write(tmp_path, "xxe.gpx", gpx))


def test_deep_json_track_is_a_message(tmp_path: Path) -> None:
    with pytest.raises(TrackError, match=r"deep\.geojson: not valid JSON \(arrays and objects nested 40,000 levels "
                                         r"deep, over the limit of 64 \(exposure\.settings\.max_json_depth\)"):
        read_track(write(tmp_path, "deep.geojson", "[" * 40_000 + "]" * 40_000))


def test_track_limits_are_checked_before_the_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from exposure import settings as exposure_settings

    pts = "".join(_pt(f"{60.17 + i * 1e-4:.5f}", "24.94") for i in range(50))
    path = write(tmp_path, "walk.gpx", GPX_HEAD + "<trk><trkseg>" + pts + "</trkseg></trk></gpx>")
    monkeypatch.setattr(exposure_settings, "max_track_points", 49)
    with pytest.raises(TrackError, match=r"walk\.gpx: 50 points, over the limit of 49 "
                                         r"\(exposure\.settings\.max_track_points\); split the track or thin it out, "
                                         r"or raise exposure\.settings\.max_track_points"):
        read_track(path)
    with pytest.raises(TrackError, match=r"50 points, over the limit of 49"):
        read_track([(60.17 + i * 1e-4, 24.94) for i in range(50)])
    monkeypatch.setattr(exposure_settings, "max_track_points", 200_000)
    monkeypatch.setattr(exposure_settings, "max_track_km", 0.5)
    with pytest.raises(TrackError, match=r"walk\.gpx: 1 km long, over the limit of 0\.5 km "
                                         r"\(exposure\.settings\.max_track_km\)"):
        read_track(path)
    monkeypatch.setattr(exposure_settings, "max_track_file_mb", 0.001)
    with pytest.raises(TrackError, match=r"walk\.gpx: the track file is 0\.0 MB, over the limit of 0\.001 MB "
                                         r"\(exposure\.settings\.max_track_file_mb\)"):
        read_track(path)


def test_a_track_across_the_ocean_is_refused_not_measured(tmp_path: Path) -> None:
    with pytest.raises(TrackError, match=r"6,[0-9]{3} km long, over the limit of 200 km"):
        read_track([(60.17, 24.94), (40.7, -74.0)])


def test_many_segments_are_refused_and_a_thousand_are_measured_quickly(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from exposure import settings as exposure_settings

    segments = "".join("<trkseg>" + _pt(f"{60.17 + i * 1e-4:.5f}", "24.94") + _pt(f"{60.17 + i * 1e-4:.5f}", "24.9401")
                       + "</trkseg>" for i in range(1000))
    path = write(tmp_path, "segs.gpx", GPX_HEAD + "<trk>" + segments + "</trk></gpx>")
    result = audit_track(path, cameras_at([{"dx": 0, "dy": 0, "kind": "ptz"}]))
    assert result.tracks["segments"].tolist() == [1000]
    monkeypatch.setattr(exposure_settings, "max_track_segments", 999)
    with pytest.raises(TrackError, match=r"segs\.gpx: 1,000 tracks and segments, over the limit of 999 "
                                         r"\(exposure\.settings\.max_track_segments\)"):
        read_track(path)


_GPX_PIECES = st.sampled_from([
    "<trk>", "</trk>", "<trkseg>", "</trkseg>", "<rte>", "</rte>", '<trkpt lat="60.17" lon="24.94">', "</trkpt>",
    '<trkpt lat="1e400" lon="24.94"/>', '<trkpt lat="60.171" lon="24.941"/>', '<rtept lat="60.172" lon="x"/>',
    "<time>0001-01-01T00:00:00+05:00</time>", "<time>9999-12-31T23:59:59-14:00</time>", "<time>nope</time>",
    "<name>&lt;script&gt;</name>", "<ele>1e400</ele>", '<wpt lat="91" lon="0"/>', "<", "&amp;", "&bogus;",
    "<![CDATA[x]]>", "<!-- c -->",
])


@given(st.lists(_GPX_PIECES, max_size=25))
@settings(max_examples=200, deadline=None)
def test_any_gpx_reads_or_is_one_track_error(tmp_path_factory: pytest.TempPathFactory, pieces: list[str]) -> None:
    path = tmp_path_factory.mktemp("gpx") / "fuzz.gpx"
    path.write_text(GPX_HEAD + "".join(pieces) + "</gpx>", encoding="utf-8")
    track, message = outcome(lambda: read_track(path), TrackError)
    assert one_line(message)
    if track is not None:
        assert np.isfinite(track.coordinates).all()


_POSITION = st.one_of(
    st.lists(st.one_of(st.floats(), st.integers(), st.just(10**400), st.text(max_size=3), st.none()),
             max_size=3),
    st.just([24.94, 60.17]), st.just([24.941, 60.171]), st.integers(), st.none(),
)


@given(st.lists(st.lists(_POSITION, max_size=4), max_size=3), st.sampled_from(["LineString", "MultiLineString"]),
       st.one_of(st.none(), st.lists(st.one_of(st.text(max_size=30), st.integers(), st.just("0001-01-01T00:00+05:00")),
                                     max_size=4)))
@settings(max_examples=200, deadline=None)
def test_any_geojson_track_reads_or_is_one_track_error(parts: list, kind: str, times: list | None) -> None:
    coordinates = parts if kind == "MultiLineString" else (parts[0] if parts else [])
    data = {"type": "Feature", "properties": {"coordTimes": times}, "geometry": {"type": kind,
                                                                                 "coordinates": coordinates}}
    track, message = outcome(lambda: read_track(data), TrackError)
    assert one_line(message)
    if track is not None:
        assert np.isfinite(track.coordinates).all()
