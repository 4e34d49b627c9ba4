"""Tests of exposure.audit.gaps: long stretches between recorded points, filled on the streets or unknown."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyproj
import pytest

from exposure import settings
from exposure._errors import TrackError
from exposure.audit import Piece, Track, audit_track, fill_gaps, read_track
from exposure.cameras import load_cameras
from exposure.crs import local_crs
from exposure.datasets import load_dataset
from exposure.routing import shortest_route


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


@pytest.fixture(scope="module")
def recorded(helsinki) -> Track:
    """A walk recorded densely: a route's own geometry from Narinkkatori to Senaatintori, with timestamps."""
    route = shortest_route(helsinki.context(), helsinki.resolve("Narinkkatori").node,
                           helsinki.resolve("Senaatintori").node)
    coords = np.array(route.coordinates)
    seconds = np.round(along_m(coords) / 1.3).astype(np.int64)  # 1.3 m/s
    return Track(coordinates=coords, times=np.datetime64("2024-05-01T10:00:00", "s") + seconds.astype("m8[s]"),
                 name="walk", source="recorded")


def along_m(coords: np.ndarray) -> np.ndarray:
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", local_crs(*coords.mean(axis=0)), always_xy=True)
    x, y = to_xy.transform(coords[:, 0], coords[:, 1])
    return np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])


def sparse(track: Track, drop_from_m: float, drop_to_m: float) -> Track:
    """The same walk with the points recorded between two distances along it dropped (a phone asleep)."""
    at = along_m(track.coordinates)
    keep = (at < drop_from_m) | (at > drop_to_m)
    return Track(coordinates=track.coordinates[keep], times=None if track.times is None else track.times[keep],
                 name=track.name, source="sparse")


def test_a_gap_the_streets_cover_is_walked_on_them_and_the_rest_stays_as_recorded(helsinki, recorded):
    thin = sparse(recorded, 250.0, 550.0)
    found = fill_gaps(thin, streets=helsinki.index)
    (gap,) = found.gaps
    assert gap.filled
    assert gap.straight_m > settings.track_gap_m
    assert not found.unknown.any()
    # only that gap changed: every recorded point is still there, in order
    kept = [tuple(p) for p in thin.coordinates]
    filled = [tuple(p) for p in found.track.coordinates]
    assert filled[: gap.after_point] == kept[: gap.after_point]
    assert filled[-(len(kept) - gap.after_point):] == kept[gap.after_point:]
    seconds = found.track.times.astype(np.int64)
    assert (np.diff(seconds) >= 0).all()
    dense = audit_track(recorded, helsinki.cameras, streets=helsinki.index)
    audit = audit_track(thin, helsinki.cameras, streets=helsinki.index)
    assert audit.length_m == pytest.approx(dense.length_m, rel=0.01)
    assert set(audit.camera_ids) == set(dense.camera_ids)
    assert audit.metres_in_view == pytest.approx(dense.metres_in_view, rel=0.02)
    assert audit.unknown_m == 0.0
    assert audit.seconds_total == pytest.approx(dense.seconds_total)
    (note,) = audit.notes
    assert note.startswith("1 gap longer than 100 m between recorded points filled with the shortest walk on the "
                           f"dataset's streets: {gap.straight_m:,.0f} m after point {gap.after_point}")


def test_a_gap_off_the_streets_is_unknown_and_out_of_the_share_in_view(helsinki, recorded):
    thin = sparse(recorded, 250.0, 550.0)
    audit = audit_track(thin, helsinki.cameras)  # no streets given: nobody knows the way through the gap
    dense = audit_track(recorded, helsinki.cameras)
    (gap,) = audit.gaps
    assert not gap.filled
    assert audit.unknown_m == pytest.approx(gap.straight_m, rel=1e-6)
    assert audit.share_in_view == pytest.approx(audit.metres_in_view / (audit.length_m - audit.unknown_m))
    assert set(audit.camera_ids) <= set(dense.camera_ids)
    assert audit.metres_in_view < dense.metres_in_view
    share = 100 * audit.unknown_m / audit.length_m
    assert any(f"{audit.unknown_m:,.0f} m of the walk ({share:.0f} %) is unknown" in n for n in audit.notes)
    assert audit.tracks["unknown_m"].tolist() == pytest.approx([audit.unknown_m])
    assert audit.to_dict()["gaps"] == [gap.to_dict()]


def test_walk4_in_jyvaskyla_has_unknown_gaps_and_counts_only_what_was_walked(helsinki, shared_data: Path):
    # the figures: CCTV-Exposure finds 1 camera on walk4 and we found 15 at its 10 m radii (the
    # coverage model pinned: uniform 10 m discs), drawing a straight line through a 272 m gap
    cameras = load_cameras(shared_data / "jyvaskyla" / "cameras.csv").cameras
    walk = read_track(shared_data / "jyvaskyla" / "walk4.gpx")
    audit = audit_track(walk, cameras, radius_m=10, streets=helsinki.index)  # Jyväskylä's streets are in no dataset
    assert audit.settings["coverage"] == {
        "model": "uniform disc", "radius_m": 10.0, "level": "identify", "walls": False,
        "walls_note": "a uniform 10 m disc is not cut by walls"}
    assert [round(g.straight_m) for g in audit.gaps] == [272, 162]
    assert not any(g.filled for g in audit.gaps)
    assert audit.unknown_m == pytest.approx(sum(g.straight_m for g in audit.gaps))
    assert 1 <= audit.cameras < 15
    assert any("is unknown, kept out of the cameras met and the share in view" in n for n in audit.notes)
    straight = audit_track(walk, cameras, radius_m=10, max_gap_m=math.inf)
    assert straight.cameras == 15
    assert not straight.gaps


def test_gaps_are_found_within_each_track_never_across_two(helsinki, recorded):
    thin = sparse(recorded, 250.0, 550.0)
    n = len(thin.coordinates)
    both = Track(coordinates=np.vstack([recorded.coordinates, thin.coordinates]), times=None, name="", source="two",
                 pieces=(Piece(0, 1, 1, "dense"), Piece(len(recorded.coordinates), 2, 1, "thin")))
    found = fill_gaps(both, streets=helsinki.index)
    (gap,) = found.gaps
    assert gap.track == 2
    assert [p.track for p in found.track.pieces] == [1, 2]
    assert found.track.pieces[1].start == len(recorded.coordinates)
    assert len(found.track.coordinates) > len(recorded.coordinates) + n
    audit = audit_track(both, helsinki.cameras, streets=helsinki.index)
    assert audit.tracks["length_m"].iloc[1] == pytest.approx(audit.tracks["length_m"].iloc[0], rel=0.01)


@pytest.mark.parametrize("bad", [0, -5.0, math.nan, True])
def test_the_gap_limit_must_be_a_positive_number_of_metres(recorded, bad):
    with pytest.raises(TrackError, match="the longest gap between recorded points must be a positive number"):
        fill_gaps(recorded, max_gap_m=bad)
