"""Tests of exposure._osm_rings: rings an extract cuts, closed along its box and clipped to it."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from exposure._osm_rings import ExtractBox, Ring, clip_relation, clip_ring, close_along_box, join_rings, present_runs

NAN = np.nan
BOX = ExtractBox.from_corners(np.array([[[0, 0], [100, 0]], [[100, 0], [100, 100]], [[100, 100], [0, 100]],
                                        [[0, 100], [0, 0]]], dtype=float))


def test_present_runs_split_at_missing_nodes():
    xy = np.array([[0, 0], [1, 0], [NAN, NAN], [2, 0], [3, 0], [4, 0], [NAN, NAN], [5, 0]])
    runs = present_runs(xy)
    assert [len(r) for r in runs] == [2, 3]


def test_a_ring_leaving_by_one_side_is_closed_along_it():
    xy = np.array([[90, 40], [NAN, NAN], [NAN, NAN], [90, 60], [90, 40]])
    closed = close_along_box(xy, BOX)
    assert Polygon(closed).area == pytest.approx(200)


def test_a_ring_round_a_corner_is_closed_through_the_corner():
    xy = np.array([[80, 95], [80, 80], [95, 80], [NAN, NAN], [80, 95]])
    poly = clip_ring(Ring([1, 2, 3, 4, 1], xy), BOX)
    assert poly.area == pytest.approx(20 * 20)
    assert poly.covers(shapely.Point(99, 99))


def test_a_ring_with_one_node_in_the_box_cannot_be_placed():
    xy = np.array([[99, 99], [NAN, NAN], [NAN, NAN], [99, 99]])
    assert close_along_box(xy, BOX) is None
    assert clip_ring(Ring([1, 2, 3, 1], xy), BOX) is None
    assert close_along_box(np.array([[1, 1], [2, 2], [3, 1], [1, 1]]), None) is None


def test_member_ways_join_on_shared_nodes_either_way_round():
    a = Ring([1, 2, 3], np.array([[0, 0], [10, 0], [10, 10]], dtype=float))
    b = Ring([1, 4, 3], np.array([[0, 0], [0, 10], [10, 10]], dtype=float))
    rings = join_rings([a, b])
    assert len(rings) == 1
    assert rings[0].refs[0] == rings[0].refs[-1]
    assert Polygon(rings[0].xy).area == pytest.approx(100)


def test_an_open_chain_is_closed_through_the_box():
    # the multipolygon's other member way lies wholly outside the extract
    chain = Ring([1, 2, 3], np.array([[90, 20], [60, 20], [60, 40]], dtype=float))
    rings = join_rings([chain])
    assert rings[0].refs[0] == rings[0].refs[-1]
    poly = clip_relation([(7, "outer")], {7: chain}, BOX)
    assert poly is not None
    assert poly.covers(shapely.Point(70, 30))


def test_a_multipolygon_keeps_its_courtyard():
    outer = Ring([1, 2, 3, 4, 1], np.array([[90, 10], [NAN, NAN], [NAN, NAN], [90, 90], [90, 10]], dtype=float))
    inner = Ring([5, 6, 7, 8, 5], np.array([[92, 40], [98, 40], [98, 60], [92, 60], [92, 40]], dtype=float))
    poly = clip_relation([(1, "outer"), (2, "inner"), (3, "inner")], {1: outer, 2: inner}, BOX)
    assert poly.area == pytest.approx(10 * 80 - 6 * 20)
    assert not poly.covers(shapely.Point(95, 50))
    assert clip_relation([(9, "outer")], {}, BOX) is None
    assert shapely.equals(clip_relation([(1, "outer")], {1: outer}, BOX), box(90, 10, 100, 90))
