"""Tests of exposure.audit.tracks: reading GPX and GeoJSON walks, their tracks and segments, and refusing bad ones."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exposure._errors import TrackError
from exposure.audit import read_track, read_track_bytes
from tests.hostile import one_line, outcome
from tests.walks import GPX_HEAD, pt, write


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


# --------------------------------------------------------------------------- hostile input (issue 12)



@pytest.mark.parametrize(("first", "second", "seconds"), [
    ("0001-01-01T00:00:00+05:00", "0001-01-01T00:10:00+05:00", 600.0),
    ("9999-12-31T23:00:00-05:00", "9999-12-31T23:30:00-05:00", 1800.0),
])
def test_timestamps_in_year_1_or_9999_with_an_offset_are_read(tmp_path: Path, first: str, second: str,
                                                              seconds: float) -> None:
    gpx = GPX_HEAD + "<trk><trkseg>" + pt("60.17", "24.94", first) + pt("60.171", "24.941", second) + \
        "</trkseg></trk></gpx>"
    track = read_track(write(tmp_path, "old.gpx", gpx))
    assert float((track.times[1] - track.times[0]).astype(int)) == seconds
    geo = {"type": "Feature", "properties": {"coordTimes": [first, second]},
           "geometry": {"type": "LineString", "coordinates": [[24.94, 60.17], [24.941, 60.171]]}}
    track = read_track(write(tmp_path, "old.geojson", json.dumps(geo)))
    assert float((track.times[1] - track.times[0]).astype(int)) == seconds


@pytest.mark.parametrize("lat", ["1000", "1e400", "-91", "NaN", "inf"])
def test_gpx_points_out_of_range_are_a_message_naming_the_point(tmp_path: Path, lat: str) -> None:
    gpx = GPX_HEAD + "<trk><trkseg>" + pt("60.17", "24.94") + pt(lat, "24.941") + "</trkseg></trk></gpx>"
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
           + GPX_HEAD.split("\n", 1)[1] + "<trk><name>&x;</name><trkseg>" + pt("60.17", "24.94")
           + pt("60.171", "24.941") + "</trkseg></trk></gpx>")
    with pytest.raises(TrackError, match=r"xxe\.gpx: declares a document type or entities"):
        read_track(write(tmp_path, "xxe.gpx", gpx))


def test_deep_json_track_is_a_message(tmp_path: Path) -> None:
    with pytest.raises(TrackError, match=r"deep\.geojson: not valid JSON \(arrays and objects nested 40,000 levels "
                                         r"deep, over the limit of 64 \(exposure\.settings\.max_json_depth\)"):
        read_track(write(tmp_path, "deep.geojson", "[" * 40_000 + "]" * 40_000))


def test_track_limits_are_checked_before_the_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from exposure import settings as exposure_settings

    pts = "".join(pt(f"{60.17 + i * 1e-4:.5f}", "24.94") for i in range(50))
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
