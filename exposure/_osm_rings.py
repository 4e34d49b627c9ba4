"""Rings an OSM extract cuts at its box: closed along the box's edge and clipped to it (private helpers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

__all__ = ["ExtractBox", "Ring", "clip_relation", "clip_ring", "close_along_box", "join_rings", "present_runs"]


@dataclass
class Ring:
    """A ring of node ids with the projected location of each node the extract holds (NaN if not)."""

    refs: list[int]
    xy: np.ndarray


def present_runs(xy: np.ndarray) -> list[np.ndarray]:
    """Runs of two or more consecutive nodes whose location the extract holds."""
    ok = ~np.isnan(xy[:, 0])
    runs, start = [], None
    for i, good in enumerate([*ok.tolist(), False]):
        if good and start is None:
            start = i
        elif not good and start is not None:
            if i - start > 1:
                runs.append(xy[start:i])
            start = None
    return runs


@dataclass(frozen=True)
class ExtractBox:
    """The box an extract covers, in a metric CRS: its polygon and its four sides (LineStrings)."""

    polygon: Any
    sides: tuple[Any, ...]

    @classmethod
    def from_corners(cls, corners: np.ndarray) -> ExtractBox:
        """A box from its sides' points: ``corners`` is (4, k, 2), each side from one corner to the next."""
        sides = tuple(shapely.linestrings(side) for side in corners)
        ring = np.concatenate([side[:-1] for side in corners])
        return cls(shapely.make_valid(shapely.Polygon(ring)), sides)


#: What turning a corner of the box outside it costs a guessed ring, in metres of distance to the box:
#: a ring that leaves by one side comes back by the same side unless another is clearly nearer.
_CORNER_M = 10.0


def _exit_and_entry(before: np.ndarray, after: np.ndarray, box: ExtractBox) -> tuple[float, float]:
    """Where a ring leaves the box after ``before`` and comes back before ``after``, as positions along its edge.

    Each is the nearest point of one side; the pair of sides chosen makes the two
    nodes' distances to them, plus :data:`_CORNER_M` per corner of the box between
    the sides, smallest.
    """
    edge = box.polygon.exterior
    ends = []
    for point in (before, after):
        near = shapely.shortest_line(shapely.Point(point), np.asarray(box.sides, dtype=object))
        foot = shapely.get_coordinates(near).reshape(-1, 2, 2)[:, 1]
        ends.append((shapely.length(near), shapely.line_locate_point(edge, shapely.points(foot))))
    (d0, s0), (d1, s1) = ends
    side = np.arange(len(box.sides))
    apart = np.abs(side[:, None] - side[None, :])
    corners = np.minimum(apart, len(box.sides) - apart)
    score = d0[:, None] + d1[None, :] + _CORNER_M * corners
    i, j = np.unravel_index(int(np.argmin(score)), score.shape)
    return float(s0[i]), float(s1[j])


def _along_edge(edge: Any, s0: float, s1: float) -> list[np.ndarray]:
    """The points of the box's edge from position ``s0`` to ``s1``, the shorter way round, both ends included."""
    perimeter = edge.length
    corners = shapely.get_coordinates(edge)[:-1]
    corner_s = shapely.line_locate_point(edge, shapely.points(corners))
    forward = (s1 - s0) % perimeter
    if forward <= perimeter / 2:
        between = (corner_s - s0) % perimeter
        picked = np.flatnonzero((between > 0) & (between < forward))
    else:
        between = (s0 - corner_s) % perimeter
        picked = np.flatnonzero((between > 0) & (between < perimeter - forward))
    start = shapely.get_coordinates(shapely.line_interpolate_point(edge, s0))[0]
    stop = shapely.get_coordinates(shapely.line_interpolate_point(edge, s1))[0]
    return [start, *corners[picked[np.argsort(between[picked])]], stop]


def close_along_box(xy: np.ndarray, box: ExtractBox | None) -> np.ndarray | None:
    """A closed ring's points with each gap (nodes outside the extract) replaced by a path along the box edge.

    The ring leaves the box somewhere between the last node before a gap and the
    first missing one, which the extract does not say: a point of the box's edge near
    that last node stands for it (see :func:`_exit_and_entry`), and the ring follows
    the edge to the point near the node where it comes back. None when fewer than two
    of the ring's nodes are in the extract.
    """
    if len(xy) > 1 and np.array_equal(xy[0], xy[-1], equal_nan=True):
        xy = xy[:-1]
    ok = ~np.isnan(xy[:, 0])
    if ok.sum() < 2 or box is None:
        return None
    first = int(np.flatnonzero(ok)[0])
    xy, ok = np.roll(xy, -first, axis=0), np.roll(ok, -first)
    out: list[np.ndarray] = []
    i, n = 0, len(xy)
    while i < n:
        if ok[i]:
            out.append(xy[i])
            i += 1
            continue
        j = i
        while j < n and not ok[j]:
            j += 1
        s0, s1 = _exit_and_entry(xy[i - 1], xy[j % n], box)
        out.extend(_along_edge(box.polygon.exterior, s0, s1))
        i = j
    return np.vstack([*out, out[0]])


def clip_ring(ring: Ring, box: ExtractBox | None) -> Any:
    """A cut building way as a polygon clipped to the box (None when nothing of it is left)."""
    closed = close_along_box(ring.xy, box)
    if closed is None:
        return None
    poly = shapely.make_valid(shapely.Polygon(closed))
    return shapely.intersection(poly, box.polygon)  # type: ignore[union-attr]


def join_rings(ways: list[Ring]) -> list[Ring]:
    """Join member ways end to end on shared node ids into rings (or open chains, as far as they go)."""
    pending = [w for w in ways if len(w.refs) > 1]
    rings: list[Ring] = []
    while pending:
        chain = pending.pop(0)
        refs, xy = list(chain.refs), chain.xy
        grown = True
        while refs[0] != refs[-1] and grown:
            grown = False
            for k, w in enumerate(pending):
                if w.refs[0] == refs[-1]:
                    refs, xy = refs + w.refs[1:], np.vstack([xy, w.xy[1:]])
                elif w.refs[-1] == refs[-1]:
                    refs, xy = refs + w.refs[-2::-1], np.vstack([xy, w.xy[-2::-1]])
                else:
                    continue
                pending.pop(k)
                grown = True
                break
        if refs[0] != refs[-1]:
            # an open chain: its ends lie where member ways are missing, outside the box
            refs, xy = [*refs, -1, refs[0]], np.vstack([xy, [np.nan, np.nan], xy[:1]])
        rings.append(Ring(refs, xy))
    return rings


def clip_relation(members: list[tuple[int, str]], member_rings: dict[int, Ring], box: ExtractBox | None) -> Any:
    """A cut building multipolygon: outer rings minus inner rings (courtyards), closed along the box and clipped."""
    parts: dict[str, list[Any]] = {"outer": [], "inner": []}
    for role in ("outer", "inner"):
        ways = [member_rings[ref] for ref, r in members if (r == "inner") == (role == "inner") and ref in member_rings]
        for ring in join_rings(ways):
            poly = clip_ring(ring, box)
            if poly is not None and not poly.is_empty:
                parts[role].append(poly)
    if not parts["outer"]:
        return None
    outer = shapely.union_all(parts["outer"])
    if parts["inner"]:
        outer = shapely.difference(outer, shapely.union_all(parts["inner"]))
    return outer
