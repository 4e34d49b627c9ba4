"""Tests of exposure._osm_clip: rings an extract cuts, closed along its box and clipped to it."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from exposure._osm_clip import MAX_GAP_TO_BOX_M, ExtractBox, clip_multipolygon, clip_ring, close_along_box, join_chains

BOX = ExtractBox((24.90, 60.17, 24.91, 60.18))
NAN = [np.nan, np.nan]


def test_positions_along_the_edge_go_round_counter_clockwise() -> None:
    s_south, d_south = BOX.locate(np.array([24.905, 60.1701]))
    s_east, _ = BOX.locate(np.array([24.9099, 60.175]))
    s_north, _ = BOX.locate(np.array([24.905, 60.1799]))
    s_west, _ = BOX.locate(np.array([24.9001, 60.175]))
    assert s_south < s_east < s_north < s_west < BOX.perimeter
    assert d_south == pytest.approx(0.0001 * BOX.ky)
    np.testing.assert_allclose(BOX.point(s_south), [24.905, 60.17])
    np.testing.assert_allclose(BOX.point(s_west), [24.90, 60.175])
    # from the east side to the north side the shorter way passes the north-east corner
    path = BOX.path(s_east, s_north)
    np.testing.assert_allclose(path[1], [24.91, 60.18])
    assert len(path) == 3


def test_a_ring_cut_by_one_side_is_closed_along_it() -> None:
    # a square sticking out of the east side: its two eastern corners are missing
    ring = np.array([[24.9092, 60.174], NAN, NAN, [24.9092, 60.176], [24.9092, 60.174]])
    closed = close_along_box(ring, BOX)
    assert closed is not None
    poly = shapely.Polygon(closed)
    assert poly.bounds == pytest.approx((24.9092, 60.174, 24.91, 60.176))
    assert poly.area == pytest.approx(0.0008 * 0.002)


def test_a_ring_cut_at_a_corner_follows_the_corner() -> None:
    ring = np.array([[24.9097, 60.179], [24.909, 60.179], [24.909, 60.1797], NAN, [24.9097, 60.179]])
    poly = clip_ring(ring, BOX)
    assert poly is not None
    assert shapely.covers(poly, shapely.Point(24.9099, 60.1799))  # the box's corner is inside the building


def test_too_little_in_the_box_is_nothing() -> None:
    assert close_along_box(np.array([[24.909, 60.179], NAN, NAN, [24.909, 60.179]]), BOX) is None
    assert clip_ring(np.array([NAN, NAN, NAN]), BOX) is None


def test_a_gap_far_from_the_box_is_closed_by_a_straight_line() -> None:
    # the nodes on either side of the gap are far from every side: not cut by this box
    ring = np.array([[24.904, 60.174], [24.906, 60.174], NAN, [24.905, 60.176], [24.904, 60.174]])
    assert min(BOX.locate(p)[1] for p in ring[[0, 1, 3]]) > MAX_GAP_TO_BOX_M
    poly = clip_ring(ring, BOX)
    assert poly.area == pytest.approx(0.5 * 0.002 * 0.002)


def test_member_ways_join_into_rings_and_an_open_chain_gets_a_gap() -> None:
    a = (np.array([1, 2, 3]), np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]))
    b = (np.array([1, 4, 3]), np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))  # joined reversed
    open_chain = (np.array([7, 8]), np.array([[5.0, 5.0], [6.0, 5.0]]))
    rings = join_chains([a, b, open_chain])
    assert len(rings) == 2
    np.testing.assert_array_equal(rings[0], [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]])
    assert np.isnan(rings[1][2]).all()
    np.testing.assert_array_equal(rings[1][-1], rings[1][0])


def test_a_cut_multipolygon_keeps_its_courtyard() -> None:
    outer = np.array([[24.9085, 60.174], NAN, NAN, [24.9085, 60.177], [24.9085, 60.174]])
    inner = np.array([[24.909, 60.175], [24.9095, 60.175], [24.9095, 60.176], [24.909, 60.176], [24.909, 60.175]])
    shape = clip_multipolygon([outer], [inner], BOX)
    assert shape.area == pytest.approx(0.0015 * 0.003 - 0.0005 * 0.001)
    assert clip_multipolygon([], [inner], BOX) is None
