"""Cameras' discs and sectors in a metric CRS, and where straight street segments cross them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyproj

from exposure import settings

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MIN_CELL_M",
    "CameraGeometry",
    "camera_geometry",
    "candidate_pairs",
    "polyline_intervals",
    "union_length",
]


@dataclass(frozen=True)
class CameraGeometry:
    """What each camera sees, in a metric CRS: a disc, or a sector when ``fov_deg < 360``."""

    xy: np.ndarray
    radius_m: np.ndarray
    direction_deg: np.ndarray
    fov_deg: np.ndarray


def camera_geometry(
    cameras: pd.DataFrame, crs: str | pyproj.CRS, *, radius_m: float | None = None
) -> CameraGeometry:
    """Project cameras and give each its radius, direction and field of view.

    Parameters
    ----------
    cameras
        Camera table (``lon``, ``lat``, ``kind``, ``direction_deg``, ``fov_deg``).
    crs
        Metric CRS to project into (the network's).
    radius_m
        If given, every camera sees a full disc of this radius (direction ignored),
        to compare with tools that use one radius.
    """
    n = len(cameras)
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = to_xy.transform(cameras["lon"].to_numpy(float), cameras["lat"].to_numpy(float))
    xy = np.column_stack([np.asarray(x, float), np.asarray(y, float)]).reshape(n, 2)
    if radius_m is not None:
        if not radius_m > 0:
            msg = f"radius_m must be a positive number of metres, got {radius_m!r}"
            raise ValueError(msg)
        return CameraGeometry(xy, np.full(n, float(radius_m)), np.full(n, np.nan), np.full(n, 360.0))
    default_r = settings.radius_m_by_kind["unknown"]
    radius = cameras["kind"].map(settings.radius_m_by_kind).fillna(default_r).to_numpy(float)
    # directions are compass bearings from true north; the metric grid's north differs by the
    # meridian convergence (about 2° in Helsinki's UTM zone), so turn them onto the grid
    lon, lat = cameras["lon"].to_numpy(float), cameras["lat"].to_numpy(float)
    nx_, ny_ = to_xy.transform(lon, np.minimum(lat + 1e-4, 90.0))
    true_north = np.degrees(np.arctan2(np.asarray(nx_, float) - xy[:, 0], np.asarray(ny_, float) - xy[:, 1]))
    direction = (cameras["direction_deg"].to_numpy(float) + true_north) % 360.0
    fov = cameras["fov_deg"].to_numpy(float)
    fov = np.where(np.isnan(direction), 360.0, np.where(np.isnan(fov), settings.default_fov_deg, fov))
    return CameraGeometry(xy, radius, direction, np.clip(fov, 0.0, 360.0))


def _halfplane(t_lo: np.ndarray, t_hi: np.ndarray, p: np.ndarray, q: np.ndarray) -> None:
    """Narrow ``[t_lo, t_hi]`` in place to where ``p + t q >= 0``."""
    flat = np.abs(q) < 1e-12
    t_hi[flat & (p < 0)] = -1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        t0 = -p / q
    up = ~flat & (q > 0)
    down = ~flat & (q < 0)
    t_lo[up] = np.maximum(t_lo[up], t0[up])
    t_hi[down] = np.minimum(t_hi[down], t0[down])


def _cone(ax: np.ndarray, ay: np.ndarray, dx: np.ndarray, dy: np.ndarray,
          centre_deg: np.ndarray, width_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parameter interval of segments ``a + t d`` inside a convex cone (width <= 180°) at the origin."""
    t_lo = np.zeros(len(ax))
    t_hi = np.ones(len(ax))
    b1 = np.radians(centre_deg - width_deg / 2)
    b2 = np.radians(centre_deg + width_deg / 2)
    # bearing clockwise from north: vector (sin, cos); "clockwise of b1" is cross(b1, w) <= 0
    b1x, b1y, b2x, b2y = np.sin(b1), np.cos(b1), np.sin(b2), np.cos(b2)
    _halfplane(t_lo, t_hi, -(b1x * ay - b1y * ax), -(b1x * dy - b1y * dx))
    _halfplane(t_lo, t_hi, b2x * ay - b2y * ax, b2x * dy - b2y * dx)
    return t_lo, t_hi


def polyline_intervals(
    seg_a: np.ndarray, seg_b: np.ndarray, cams: CameraGeometry, *, pairs: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where each (segment, camera) pair's segment lies inside the camera's view.

    Exact for discs and sectors: the segment is clipped to the disc by solving a
    quadratic, then to the sector's half-planes.

    Parameters
    ----------
    seg_a, seg_b
        Segment start and end points, shape (S, 2), metric CRS.
    cams
        The cameras' view geometry.
    pairs
        Candidate (segment index, camera index) arrays.

    Returns
    -------
    segment, camera, t0, t1
        One row per visible piece, ``t`` as a fraction of the segment (0 at ``a``).
    """
    si, ci = pairs
    a = seg_a[si] - cams.xy[ci]
    d = seg_b[si] - seg_a[si]
    r = cams.radius_m[ci]
    qa = (d * d).sum(axis=1)
    qb = (d * a).sum(axis=1)
    qc = (a * a).sum(axis=1) - r * r
    disc = qb * qb - qa * qc
    ok = (disc > 0) & (qa > 0)
    si, ci, a, d, qa, qb, disc = si[ok], ci[ok], a[ok], d[ok], qa[ok], qb[ok], disc[ok]
    root = np.sqrt(disc)
    t0 = np.clip((-qb - root) / qa, 0.0, 1.0)
    t1 = np.clip((-qb + root) / qa, 0.0, 1.0)
    keep = t1 > t0
    si, ci, a, d, t0, t1 = si[keep], ci[keep], a[keep], d[keep], t0[keep], t1[keep]

    fov = cams.fov_deg[ci]
    out_s, out_c, out_0, out_1 = [si[fov >= 360]], [ci[fov >= 360]], [t0[fov >= 360]], [t1[fov >= 360]]
    ax, ay, dx, dy = a[:, 0], a[:, 1], d[:, 0], d[:, 1]
    direction = cams.direction_deg[ci]
    narrow = fov <= 180
    if narrow.any():
        lo, hi = _cone(ax[narrow], ay[narrow], dx[narrow], dy[narrow], direction[narrow], fov[narrow])
        lo, hi = np.maximum(lo, t0[narrow]), np.minimum(hi, t1[narrow])
        out_s.append(si[narrow])
        out_c.append(ci[narrow])
        out_0.append(lo)
        out_1.append(hi)
    wide = (fov > 180) & (fov < 360)
    if wide.any():
        # a wide sector is the disc minus a narrow cone pointing backwards
        lo, hi = _cone(ax[wide], ay[wide], dx[wide], dy[wide], direction[wide] + 180.0, 360.0 - fov[wide])
        w0, w1 = t0[wide], t1[wide]
        hole = hi > lo
        first_hi = np.where(hole, np.minimum(w1, lo), w1)
        second_lo = np.where(hole, np.maximum(w0, hi), w1)
        out_s += [si[wide], si[wide]]
        out_c += [ci[wide], ci[wide]]
        out_0 += [w0, second_lo]
        out_1 += [first_hi, w1]
    s, c = np.concatenate(out_s), np.concatenate(out_c)
    lo, hi = np.concatenate(out_0), np.concatenate(out_1)
    keep = hi - lo > 1e-9
    return s[keep], c[keep], lo[keep], hi[keep]


def _expand(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For runs ``starts[i] .. starts[i] + counts[i]``: the run of each element and the element."""
    total = int(counts.sum())
    run = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    offset = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return run, np.repeat(starts, counts) + offset


#: Longest segment, in grid cells, that :func:`candidate_pairs` looks up on the finest grid.
_SPAN_CELLS = 8

#: Narrowest grid cell of :func:`candidate_pairs`, in metres. Cells as wide as the largest range
#: alone fall to a few metres under DORI's identification ranges, and a street segment then looks
#: into hundreds of them: on a generated city of 200,000 edges (32,000 cameras of at most 4.3 m),
#: 10 m cells took 1.75 s, 40 m 0.48 s, 60 m 0.37 s, 80 m 0.33 s and 200 m 0.46 s (bench/README.md).
MIN_CELL_M = 60.0


def candidate_pairs(seg_a: np.ndarray, seg_b: np.ndarray, cams: CameraGeometry, *,
                    chunk: int = 200_000) -> tuple[np.ndarray, np.ndarray]:
    """(segment, camera) pairs that may intersect: the camera is within its radius of the segment.

    A grid join: cameras are binned in square cells as wide as the largest radius (at
    least :data:`MIN_CELL_M`);
    each segment looks in the cells around its middle as far as its half-length
    plus that radius, and keeps the cameras whose own radius reaches that far.
    Segments go in chunks, so that memory stays bounded on a city of a million edges.
    A segment longer than a few cells (a GPS jump across a town) is looked up on
    a grid of coarser cells, as many times coarser as it is longer, so that the
    cells any segment looks in stay a few dozen, however long it is.
    """
    empty = np.empty(0, dtype=np.int64)
    if len(cams.xy) == 0 or len(seg_a) == 0:
        return empty, empty
    cell = max(float(cams.radius_m.max()), MIN_CELL_M)
    length = np.hypot(*(seg_b - seg_a).T)
    scale = np.ceil(np.log2(np.maximum(length / (_SPAN_CELLS * cell), 1.0))).astype(np.int64)
    if not scale.any():
        return _grid_pairs(seg_a, seg_b, cams, cell=cell, chunk=chunk)
    segs, found = [], []
    for level in np.unique(scale):
        picked = np.flatnonzero(scale == level)
        seg, cam = _grid_pairs(seg_a[picked], seg_b[picked], cams, cell=cell * 2.0 ** int(level), chunk=chunk)
        segs.append(picked[seg])
        found.append(cam)
    seg, cam = np.concatenate(segs), np.concatenate(found)
    order = np.argsort(seg, kind="stable")
    return seg[order], cam[order]


def _grid_pairs(seg_a: np.ndarray, seg_b: np.ndarray, cams: CameraGeometry, *, cell: float,
                chunk: int) -> tuple[np.ndarray, np.ndarray]:
    """The grid join of :func:`candidate_pairs` on cells of ``cell`` metres."""
    r_max = float(cams.radius_m.max())
    origin = np.minimum(cams.xy.min(axis=0), np.minimum(seg_a.min(axis=0), seg_b.min(axis=0))) - cell
    top = max(float(cams.xy[:, 1].max()), float(seg_a[:, 1].max()), float(seg_b[:, 1].max()))
    # cells are keyed row by row; a looked-up cell beyond the last row aliases another cell, which
    # only adds candidates that the exact distance test below removes
    span = int((top - origin[1]) / cell) + 3
    cam_cell = np.floor((cams.xy - origin) / cell).astype(np.int64)
    cam_key = cam_cell[:, 0] * span + cam_cell[:, 1]
    order = np.argsort(cam_key, kind="stable")
    sorted_key = cam_key[order]
    segs, found = [], []
    for lo in range(0, len(seg_a), chunk):
        a, b = seg_a[lo : lo + chunk], seg_b[lo : lo + chunk]
        mid = (a + b) / 2
        half = np.hypot(*(b - a).T) / 2
        reach = half + r_max + 1e-6
        c0 = np.floor((mid - reach[:, None] - origin) / cell).astype(np.int64)
        c1 = np.floor((mid + reach[:, None] - origin) / cell).astype(np.int64)
        nx_, ny_ = c1[:, 0] - c0[:, 0] + 1, c1[:, 1] - c0[:, 1] + 1
        seg_of, k = _expand(np.zeros(len(a), dtype=np.int64), nx_ * ny_)
        gx = c0[seg_of, 0] + k // ny_[seg_of]
        gy = c0[seg_of, 1] + k % ny_[seg_of]
        key = gx * span + gy
        first = np.searchsorted(sorted_key, key, side="left")
        last = np.searchsorted(sorted_key, key, side="right")
        hit = last > first
        run, pos = _expand(first[hit], (last - first)[hit])
        seg = seg_of[hit][run]
        cam = order[pos]
        d = np.hypot(*(cams.xy[cam] - mid[seg]).T)
        near = d <= half[seg] + cams.radius_m[cam] + 1e-6
        segs.append(seg[near] + lo)
        found.append(cam[near])
    return np.concatenate(segs), np.concatenate(found)


def union_length(group: np.ndarray, start: np.ndarray, end: np.ndarray, *, n_groups: int) -> np.ndarray:
    """Length of the union of intervals per group, so overlaps never count twice.

    ``group`` must be sorted; within a group, intervals may come in any order.
    """
    if len(group) == 0:
        return np.zeros(n_groups)
    order = np.lexsort((start, group))
    g, s, e = group[order], start[order], end[order]
    span = float(max(e.max(), 0.0)) + 1.0
    offset = g * span
    reach = np.maximum.accumulate(e + offset) - offset
    prev = np.empty_like(reach)
    prev[0] = -np.inf
    prev[1:] = reach[:-1]
    prev[np.r_[True, g[1:] != g[:-1]]] = -np.inf
    piece = np.maximum(0.0, e - np.maximum(s, prev))
    return np.bincount(g, weights=piece, minlength=n_groups)
