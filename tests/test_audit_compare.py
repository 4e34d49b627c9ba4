"""Tests of exposure.audit.compare: what could I have avoided? A walk beside the fewest-camera route."""

from __future__ import annotations

import dataclasses

import pytest

from exposure._errors import NoRouteError, PlaceError
from exposure.audit import audit_track, read_track, walk_alternative, walk_alternatives
from exposure.datasets import load_dataset
from exposure.routing import fewest_cameras_route, shortest_route

LIMIT = 60.0  # generous: these tests compare answers, they do not time them


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


@pytest.fixture(scope="module")
def ctx(helsinki):
    # the walks are audited as routes count: the same model, its walls the dataset's buildings
    return helsinki.context()


def audited(helsinki, track):
    """The walk audited as the dataset's routes count: the same model, cut by its buildings."""
    return audit_track(track, helsinki.cameras, buildings=helsinki.buildings_as_obstacles)


def test_walk_alternative_compares_a_walk_with_the_fewest_camera_route(helsinki, ctx):
    walked = shortest_route(ctx, helsinki.resolve("Narinkkatori").node, helsinki.resolve("Senaatintori").node)
    track = read_track([(lat, lon) for lon, lat in walked.coordinates])
    audit = audited(helsinki, track)
    found = walk_alternative(ctx, audit, track, time_limit_s=LIMIT)
    assert found.route.frt_cameras < audit.frt_cameras
    assert found.walk_frt_cameras == audit.frt_cameras
    assert found.text.startswith(f"your walk: {audit.frt_cameras} FRT cameras, ")
    assert f"the fewest-camera route: {found.route.frt_cameras} FRT camera" in found.text
    d = found.to_dict()["difference"]
    assert d["length_m"] == pytest.approx(found.route.length_m - audit.length_m, abs=0.1)
    assert found.text.endswith(f"{found.route.length_m - audit.length_m:+,.0f} m")


def test_walk_alternative_of_a_loop_is_no_route(helsinki, ctx):
    lon, lat = ctx.index.node_lonlat[100]
    track = read_track([(lat, lon), (lat + 0.001, lon), (lat, lon)])
    audit = audited(helsinki, track)
    with pytest.raises(NoRouteError, match="ends where it started"):
        walk_alternative(ctx, audit, track)


def test_walk_alternatives_compare_each_track_of_a_file_on_its_own(helsinki, ctx, tmp_path):
    # two walks in one GPX file: each is compared between its own start and end, never the first
    # walk's start with the second walk's end
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    trips = [("Narinkkatori", "Senaatintori"), ("Kauppatori", "Rautatientori")]
    walks = []
    for a, b in trips:
        walked = shortest_route(ctx, helsinki.resolve(a).node, helsinki.resolve(b).node)
        walks.append(walked)
        t = gpxpy.gpx.GPXTrack(name=f"{a} to {b}")
        seg = gpxpy.gpx.GPXTrackSegment([gpxpy.gpx.GPXTrackPoint(lat, lon) for lon, lat in walked.coordinates])
        t.segments.append(seg)
        gpx.tracks.append(t)
    path = tmp_path / "two.gpx"
    path.write_text(gpx.to_xml())
    track = read_track(path)
    audit = audited(helsinki, track)
    found = walk_alternatives(ctx, audit, track, time_limit_s=LIMIT)
    assert [f.track for f in found] == [1, 2]
    assert [f.name for f in found] == ["Narinkkatori to Senaatintori", "Kauppatori to Rautatientori"]
    for f, walked, (a, b) in zip(found, walks, trips, strict=True):
        assert f.comparison is not None
        alone = fewest_cameras_route(ctx, helsinki.resolve(a).node, helsinki.resolve(b).node)
        assert f.comparison.route.frt_cameras == alone.frt_cameras
        assert f.comparison.walk_frt_cameras == walked.frt_cameras
        assert f.to_dict()["compared"] is True
    loop = read_track([(60.17, 24.94), (60.1705, 24.94), (60.17, 24.94)])
    (only,) = walk_alternatives(ctx, audited(helsinki, loop), loop)
    assert only.comparison is None
    assert "ends where it started" in only.reason
    assert only.to_dict() == {"track": 1, "name": "", "compared": False, "reason": only.reason}


def test_walk_alternative_of_a_walk_off_the_streets_names_its_end(helsinki, ctx):
    lon, lat = ctx.index.node_lonlat[100]
    track = read_track([(lat, lon), (lat + 0.001, lon), (lat + 0.2, lon)])  # ends 22 km north, off the extract
    audit = audited(helsinki, track)
    with pytest.raises(PlaceError, match=r"^the walk's end is [0-9,]+ m from the nearest street of this dataset"):
        walk_alternative(ctx, audit, track)


def test_the_walk_comparison_is_still_importable_from_planning():
    from exposure import audit, planning

    for name in ("TrackComparison", "WalkComparison", "walk_alternative", "walk_alternatives"):
        assert getattr(planning, name) is getattr(audit, name)


def test_the_comparison_reads_as_one_sentence_for_people(helsinki, ctx):
    walked = shortest_route(ctx, helsinki.resolve("Narinkkatori").node, helsinki.resolve("Senaatintori").node)
    track = read_track([(lat, lon) for lon, lat in walked.coordinates])
    found = walk_alternative(ctx, audited(helsinki, track), track, time_limit_s=LIMIT)
    sentence = found.sentence("Your walk")
    assert sentence.startswith(f"Your walk: {found.walk_frt_cameras} FRT cameras, ")
    assert "your walk" not in sentence.lower().removeprefix("your walk")
    fewer = found.walk_frt_cameras - found.route.frt_cameras
    assert sentence.endswith(f"— {fewer} fewer FRT cameras were possible")
    assert found.to_dict()["verdict"] == found.verdict
    one = dataclasses.replace(found, walk_frt_cameras=found.route.frt_cameras + 1)
    assert one.verdict == "1 fewer FRT camera was possible"
    none = dataclasses.replace(found, walk_frt_cameras=found.route.frt_cameras)
    assert none.verdict == "no route between the same ends passes fewer FRT cameras"


def test_a_walk_outside_the_streets_says_plainly_that_no_comparison_is_possible(helsinki, ctx, shared_data):
    from exposure.cameras import load_cameras

    cameras = load_cameras(shared_data / "jyvaskyla" / "cameras.csv").cameras
    track = read_track(shared_data / "jyvaskyla" / "walk1.gpx")
    audit = audit_track(track, cameras)
    assert audit.cameras > 0  # the cameras in use are counted all the same
    (found,) = walk_alternatives(ctx, audit, track, time_limit_s=LIMIT)
    assert found.comparison is None
    assert found.reason.startswith("it lies outside the streets of dataset 'helsinki', so no route comparison is "
                                   "possible there (the audit still counts the cameras in use)")
