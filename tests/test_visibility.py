"""Tests of exposure._visibility: the angular sweep's wedges, the cut of pieces and the outline, on single walls."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exposure._visibility import cut_pieces, outline_vertices, sweep_wedges

TAU = 2 * math.pi


def one_cell_grid(seg: np.ndarray) -> tuple:
    """Every wall in one big cell: the grid arguments of :func:`sweep_wedges`."""
    return (np.array([-1e4, -1e4]), 2e4, 1, 1, np.array([0, len(seg)], dtype=np.int64), np.arange(len(seg)))


def wedges(seg: np.ndarray, radius: float, start: float = 0.0, width: float = TAU) -> tuple:
    return sweep_wedges(np.zeros((1, 2)), np.array([radius]), np.array([start]), np.array([width]), seg,
                        *one_cell_grid(seg))


def test_one_wall_gives_one_wedge_between_its_ends_angles():
    seg = np.array([[10.0, 10.0, -10.0, 10.0]])
    ptr, lo, hi, wall = wedges(seg, 100.0)
    assert list(ptr) == [0, 1]
    assert math.degrees(lo[0]) == pytest.approx(45.0)
    assert math.degrees(hi[0]) == pytest.approx(135.0)
    assert wall[0] == 0


def test_a_wall_across_east_is_two_wedges_and_a_wall_out_of_reach_none():
    seg = np.array([[10.0, -10.0, 10.0, 10.0], [50.0, 0.0, 60.0, 0.0]])
    ptr, lo, hi, wall = wedges(seg, 30.0)
    assert ptr[-1] == 2
    assert np.degrees(lo).tolist() == pytest.approx([0.0, 315.0])
    assert np.degrees(hi).tolist() == pytest.approx([45.0, 360.0])
    assert set(wall) == {0}


def test_walls_clipped_to_the_disc_and_the_nearer_one_wins():
    seg = np.array([[20.0, -50.0, 20.0, 50.0], [10.0, -1.0, 10.0, 1.0]])
    _, lo, hi, wall = wedges(seg, 25.0)
    # the far wall only where it is within 25 m (|y| < 15), the near one across its own 11.4°
    assert wall.tolist().count(1) == 2
    spans = {int(w): 0.0 for w in wall}
    for a, b, w in zip(lo, hi, wall, strict=True):
        spans[int(w)] += b - a
    assert math.degrees(spans[1]) == pytest.approx(2 * math.degrees(math.atan2(1, 10)))
    assert math.degrees(spans[0] + spans[1]) == pytest.approx(2 * math.degrees(math.atan2(15, 20)))


def test_walls_outside_the_sector_are_left_out():
    seg = np.array([[10.0, -10.0, 10.0, 10.0]])
    ptr, *_ = wedges(seg, 100.0, start=math.radians(90), width=math.radians(90))
    assert ptr[-1] == 0


def test_cut_pieces_keeps_the_near_part_of_a_street_through_a_wall():
    seg = np.array([[10.0, -10.0, 10.0, 10.0]])
    ptr, lo, hi, wall = wedges(seg, 100.0)
    a, b = np.array([[0.0, 0.0]]), np.array([[20.0, 0.0]])
    one = np.zeros(1, dtype=np.int64)
    _, _, t0, t1 = cut_pieces(one, one, np.zeros(1), np.ones(1), a, b, np.zeros((1, 2)), ptr, lo, hi, wall, seg, 1e-9)
    assert t0.tolist() == [0.0]
    assert t1.tolist() == pytest.approx([0.5])


def test_outline_of_a_disc_and_of_a_sector():
    none = np.empty(0)
    coords, offsets = outline_vertices(np.zeros((2, 2)), np.array([10.0, 10.0]), np.array([0.0, 0.0]),
                                       np.array([TAU, math.pi / 2]), np.zeros(3, dtype=np.int64), none, none,
                                       np.empty(0, dtype=np.int64), np.empty((0, 4)),
                                       np.full(2, math.radians(1.0)))
    disc, sector = coords[offsets[0] : offsets[1]], coords[offsets[1] : offsets[2]]
    assert np.allclose(np.hypot(*disc.T), 10.0)
    assert np.allclose(disc[0], disc[-1])
    assert np.allclose(sector[0], [0.0, 0.0])
    assert len(disc) == 361 + 1
