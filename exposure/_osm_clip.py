"""Buildings an extract cuts at its box: rings closed along the box's edge and clipped to it (WGS84)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["ExtractBox", "clip_multipolygon", "clip_ring", "close_along_box", "join_chains"]

#: A gap whose nodes lie farther than this from the box was not cut by the box (an extract cut
#: along a polygon, whose header box is only that polygon's bounds): it is closed by a straight
#: line between the nodes on either side instead of a detour along a far edge of the box.
MAX_GAP_TO_BOX_M = 100.0

_M_PER_DEG = 111_320.0


class ExtractBox:
    """An extract's box (west, south, east, north in degrees), measured in local metres along its edge.

    Positions along the edge run counter-clockwise from the south-west corner:
    the south side, then the east, north and west sides.
    """

    def __init__(self, box: tuple[float, float, float, float]) -> None:
        self.west, self.south, self.east, self.north = (float(v) for v in box)
        self.kx = _M_PER_DEG * math.cos(math.radians((self.south + self.north) / 2))
        self.ky = _M_PER_DEG
        self.w = (self.east - self.west) * self.kx
        self.h = (self.north - self.south) * self.ky
        self.perimeter = 2 * (self.w + self.h)

    def polygon(self) -> Any:
        """The box as a shapely polygon (degrees)."""
        import shapely  # noqa: PLC0415

        return shapely.box(self.west, self.south, self.east, self.north)

    def locate(self, lonlat: np.ndarray) -> tuple[float, float]:
        """Position along the edge of the nearest edge point, and its distance in metres."""
        x = (float(lonlat[0]) - self.west) * self.kx
        y = (float(lonlat[1]) - self.south) * self.ky
        cx, cy = min(max(x, 0.0), self.w), min(max(y, 0.0), self.h)
        # distance to each side from a point inside (or clamped onto) the box
        sides = [(abs(cy), cx), (abs(self.w - cx), self.w + cy), (abs(self.h - cy), 2 * self.w + self.h - cx),
                 (abs(cx), 2 * self.w + 2 * self.h - cy)]
        gap, s = min(sides)
        outside = math.hypot(x - cx, y - cy)
        return s % self.perimeter, gap + outside

    def point(self, s: float) -> np.ndarray:
        """The edge point at position ``s`` (degrees)."""
        s %= self.perimeter
        if s <= self.w:
            x, y = s, 0.0
        elif s <= self.w + self.h:
            x, y = self.w, s - self.w
        elif s <= 2 * self.w + self.h:
            x, y = 2 * self.w + self.h - s, self.h
        else:
            x, y = 0.0, self.perimeter - s
        return np.array([self.west + x / self.kx, self.south + y / self.ky])

    def path(self, s0: float, s1: float) -> list[np.ndarray]:
        """Edge points from ``s0`` to ``s1`` the shorter way round, corners included, both ends included."""
        corners = np.array([0.0, self.w, self.w + self.h, 2 * self.w + self.h])
        forward = (s1 - s0) % self.perimeter
        if forward <= self.perimeter / 2:
            ahead = (corners - s0) % self.perimeter
            picked = corners[(ahead > 0) & (ahead < forward)]
            order = np.argsort((picked - s0) % self.perimeter)
        else:
            behind = (s0 - corners) % self.perimeter
            picked = corners[(behind > 0) & (behind < self.perimeter - forward)]
            order = np.argsort((s0 - picked) % self.perimeter)
        return [self.point(s0), *(self.point(c) for c in picked[order]), self.point(s1)]


def close_along_box(lonlat: np.ndarray, box: ExtractBox | None) -> np.ndarray | None:
    """A ring's points with each gap (nodes the extract lacks, NaN) replaced by a path along the box's edge.

    The ring leaves the box somewhere after the last node before a gap, which the
    extract does not say: the nearest point of the edge stands for it, and the ring
    follows the edge, the shorter way, to the point nearest the node where it comes
    back. A gap far from the box (:data:`MAX_GAP_TO_BOX_M`) is closed by a straight
    line. None when fewer than three of the ring's nodes are in the extract.
    """
    xy = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    if len(xy) > 1 and np.array_equal(xy[0], xy[-1], equal_nan=True):
        xy = xy[:-1]
    ok = ~np.isnan(xy[:, 0])
    if ok.sum() < 2:
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
        before, after = xy[i - 1], xy[j % n]
        if box is not None:
            s0, d0 = box.locate(before)
            s1, d1 = box.locate(after)
            if max(d0, d1) <= MAX_GAP_TO_BOX_M:
                out.extend(box.path(s0, s1))
        i = j
    if len(out) < 3:
        return None
    return np.vstack([*out, out[0]])


def _polygonal(geom: Any) -> Any:
    """The polygon parts of a geometry (make_valid may leave lines beside them), or None."""
    import shapely  # noqa: PLC0415

    parts = shapely.get_parts(shapely.get_parts(geom))
    parts = parts[shapely.get_type_id(parts) == shapely.GeometryType.POLYGON]
    parts = parts[shapely.area(parts) > 0]
    if len(parts) == 0:
        return None
    return shapely.multipolygons(parts) if len(parts) > 1 else parts[0]


def clip_ring(lonlat: np.ndarray, box: ExtractBox | None) -> Any:
    """A cut ring as a polygon closed along the box and clipped to it (None when nothing of it is left)."""
    import shapely  # noqa: PLC0415

    closed = close_along_box(lonlat, box)
    if closed is None:
        return None
    poly = shapely.make_valid(shapely.Polygon(closed))
    if box is not None:
        poly = shapely.intersection(poly, box.polygon())
    return _polygonal(poly)


def join_chains(ways: list[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
    """Join member ways end to end on shared node ids into rings; a chain that stays open gets a gap (NaN) to close.

    Parameters
    ----------
    ways
        ``(refs, lonlat)`` of each member way the extract holds.

    Returns
    -------
    list of numpy.ndarray
        Each ring's ``lonlat``, closed, NaN where nodes (or whole member ways) are missing.
    """
    pending = [(list(map(int, refs)), np.asarray(xy, dtype=float)) for refs, xy in ways if len(refs) > 1]
    rings: list[np.ndarray] = []
    gap = np.full((1, 2), np.nan)
    while pending:
        refs, xy = pending.pop(0)
        grown = True
        while refs[0] != refs[-1] and grown:
            grown = False
            for k, (other, oxy) in enumerate(pending):
                if other[0] == refs[-1]:
                    refs, xy = refs + other[1:], np.vstack([xy, oxy[1:]])
                elif other[-1] == refs[-1]:
                    refs, xy = refs + other[-2::-1], np.vstack([xy, oxy[-2::-1]])
                elif other[-1] == refs[0]:
                    refs, xy = other[:-1] + refs, np.vstack([oxy[:-1], xy])
                elif other[0] == refs[0]:
                    refs, xy = other[:0:-1] + refs, np.vstack([oxy[:0:-1], xy])
                else:
                    continue
                pending.pop(k)
                grown = True
                break
        if refs[0] != refs[-1]:
            # an open chain: its ends lie where member ways are missing, outside the box
            xy = np.vstack([xy, gap, xy[:1]])
        rings.append(xy)
    return rings


def clip_multipolygon(outer: list[np.ndarray], inner: list[np.ndarray], box: ExtractBox | None) -> Any:
    """A cut multipolygon: its outer rings less its inner rings (courtyards), each closed along the box and clipped."""
    import shapely  # noqa: PLC0415

    outers = [g for g in (clip_ring(r, box) for r in outer) if g is not None]
    if not outers:
        return None
    shape = shapely.union_all(outers)
    inners = [g for g in (clip_ring(r, box) for r in inner) if g is not None]
    if inners:
        shape = shapely.difference(shape, shapely.union_all(inners))
    return _polygonal(shape)
