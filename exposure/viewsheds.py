"""What each camera can see: its disc or sector cut by building walls, as polygons and as pieces of street."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyproj
import shapely

from exposure._visibility import cut_pieces, outline_vertices, sweep_wedges
from exposure.coverage_models import DEFAULT_COVERAGE_MODEL, DEFAULT_LEVEL, CameraRanges, CoverageModel, camera_ranges
from exposure.discs import CameraGeometry, camera_geometry, candidate_pairs, polyline_intervals

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from exposure.buildings import Buildings
    from exposure.network import NetworkIndex

__all__ = [
    "FACADE_OFFSET_M",
    "FACADE_TOLERANCE_M",
    "StreetSegments",
    "Viewsheds",
    "camera_views",
    "compute_viewsheds",
    "facade_viewpoints",
    "seen_points",
    "street_metres_in_view",
    "street_segments",
    "viewshed_polygons",
    "visible_intervals",
]

#: A camera mapped inside a building or this close to its outline, in metres, is on its façade.
FACADE_TOLERANCE_M = 0.5

#: How far in front of its façade a camera on one looks from, in metres: enough to be outside
#: the building for floating-point arithmetic, too little to change what it sees.
FACADE_OFFSET_M = 0.01

#: Pieces shorter than this fraction of their segment are dropped (as :func:`exposure.discs.polyline_intervals` does).
_MIN_T = 1e-9


@dataclass(frozen=True)
class Viewsheds:
    """Every camera's view among the buildings, in the network's metric CRS.

    ``geometry`` gives each camera's viewpoint (its mapped position, or the nearest
    point of its building's façade, just outside it), range and sector. Camera ``i``'s
    *wedges* ``wedge_ptr[i]:wedge_ptr[i + 1]`` are the angular intervals (radians
    counter-clockwise from the grid's east, in ``[0, 2π)``, sorted) in which a wall
    stands within its range; ``wedge_wall`` is the nearest wall across each (a row of
    ``walls``), and what lies beyond that wall's line inside the wedge is hidden.
    ``walls_used`` is False when there was no building data: views are then the discs
    and sectors themselves.
    """

    geometry: CameraGeometry
    mapped_xy: np.ndarray
    on_building: np.ndarray
    wedge_ptr: np.ndarray
    wedge_lo: np.ndarray
    wedge_hi: np.ndarray
    wedge_wall: np.ndarray
    walls: np.ndarray
    walls_used: bool

    @property
    def n_cameras(self) -> int:
        """Number of cameras."""
        return len(self.mapped_xy)

    def sectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Each camera's sector as a start angle and a width, radians counter-clockwise from grid east.

        A camera seeing a full disc has width ``2π`` (and start 0).
        """
        return _sectors(self.geometry)


def _sectors(cams: CameraGeometry) -> tuple[np.ndarray, np.ndarray]:
    fov = np.where(np.isnan(cams.direction_deg), 360.0, cams.fov_deg)
    full = fov >= 360.0
    # a bearing runs clockwise from north; the sector's counter-clockwise start is its clockwise end
    start = np.radians(90.0 - (np.nan_to_num(cams.direction_deg) + fov / 2.0)) % (2 * math.pi)
    width = np.radians(np.clip(fov, 0.0, 360.0))
    return np.where(full, 0.0, start), np.where(full, 2 * math.pi, width)


def camera_views(cameras: pd.DataFrame, crs: str | pyproj.CRS, *,
                 model: str | Path | CoverageModel = DEFAULT_COVERAGE_MODEL, level: str = DEFAULT_LEVEL,
                 ranges: CameraRanges | None = None) -> CameraGeometry:
    """The cameras' discs and sectors under a coverage model at a level, in a metric CRS.

    Projected and turned onto the grid as :func:`exposure.discs.camera_geometry`
    does; ranges and fields of view from :func:`exposure.coverage_models.camera_ranges`.
    ``per-kind`` gives exactly ``camera_geometry(cameras, crs)``; ``amnesty`` exactly
    ``camera_geometry(cameras, crs, radius_m=120)``. Whether walls then cut the views is
    the model's ``walls``: pass the buildings to :func:`compute_viewsheds` only then.
    ``ranges`` are the cameras' ranges under the model at the level, when already
    worked out (:func:`exposure.coverage_models.camera_ranges`).
    """
    base = camera_geometry(cameras, crs)
    if ranges is None:
        ranges = camera_ranges(cameras, model, level=level)
    direction = np.where(ranges.directed, base.direction_deg, np.nan)
    return CameraGeometry(base.xy, ranges.range_m, direction, ranges.fov_deg)


def _outward(polys: np.ndarray, q: np.ndarray, hint: np.ndarray, offset_m: float) -> np.ndarray:
    """Unit vectors from the façade points ``q`` out of their ``polys`` (NaN where none leads out).

    The ``hint`` (from the camera to the façade, or away from it) where it leads out;
    else the mean of the ways out of 32 around the point, or the way out nearest it.
    """
    way = np.full_like(q, np.nan)
    norm = np.hypot(*hint.T)
    usable = norm > 1e-6
    unit = np.where(usable[:, None], hint / np.where(usable, norm, 1.0)[:, None], 0.0)
    probe = q + offset_m * unit
    ok = usable & ~shapely.intersects_xy(polys, probe[:, 0], probe[:, 1])
    way[ok] = unit[ok]
    rest = np.flatnonzero(~ok)
    if len(rest) == 0:
        return way
    angles = np.linspace(0.0, 2 * math.pi, 32, endpoint=False)
    ways = np.column_stack([np.cos(angles), np.sin(angles)])
    probes = q[rest, None, :] + offset_m * ways[None, :, :]
    free = ~shapely.intersects_xy(np.repeat(polys[rest], len(ways)), probes[..., 0].ravel(),
                                  probes[..., 1].ravel()).reshape(len(rest), len(ways))
    mean = free.astype(float) @ ways
    mean /= np.maximum(np.hypot(*mean.T), 1e-12)[:, None]
    mean_ok = free.any(axis=1) & ~shapely.intersects_xy(polys[rest], *(q[rest] + offset_m * mean).T)
    # where the free ways are not one fan (two blocks nearly meet), the free way nearest their mean
    nearest = ways[np.argmax(np.where(free, mean @ ways.T, -np.inf), axis=1)]
    way[rest] = np.where(mean_ok[:, None], mean, np.where(free.any(axis=1)[:, None], nearest, np.nan))
    return way


def facade_viewpoints(xy: np.ndarray, buildings: Buildings, *, tolerance_m: float = FACADE_TOLERANCE_M,
                      offset_m: float = FACADE_OFFSET_M) -> tuple[np.ndarray, np.ndarray]:
    """Where each camera looks from: a camera on or inside a building looks out of its nearest façade.

    Parameters
    ----------
    xy
        Mapped camera positions, shape (n, 2), in the buildings' CRS.
    buildings
        The obstacles.
    tolerance_m
        A camera this close to a building's outline is on it.
    offset_m
        The viewpoint lies this far out from the façade.

    Returns
    -------
    viewpoints, on_building
        The viewpoints, and whether each camera was on or inside a building.
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    out = xy.copy()
    on = np.zeros(len(xy), dtype=bool)
    polys = buildings.polygons
    if len(xy) == 0 or len(polys) == 0:
        return out, on
    pts = shapely.points(xy)
    tree = shapely.STRtree(polys)
    pi, bi = tree.query(pts, predicate="dwithin", distance=tolerance_m)
    if len(pi) == 0:
        return out, on
    dist = shapely.distance(pts[pi], polys[bi])
    order = np.lexsort((dist, pi))
    pi, bi = pi[order], bi[order]
    first = np.r_[True, pi[1:] != pi[:-1]]
    pi, bi = pi[first], bi[first]
    near = shapely.shortest_line(pts[pi], shapely.boundary(polys[bi]))
    q = shapely.get_coordinates(near).reshape(-1, 2, 2)[:, 1]
    inside = shapely.contains_xy(polys[bi], xy[pi, 0], xy[pi, 1])
    hint = np.where(inside[:, None], q - xy[pi], xy[pi] - q)
    on[pi] = True
    way = _outward(polys[bi], q, hint, offset_m)
    out[pi] = np.where(np.isnan(way), q, q + offset_m * np.nan_to_num(way))
    return out, on


def compute_viewsheds(cams: CameraGeometry, buildings: Buildings | None, *,
                      facade_tolerance_m: float = FACADE_TOLERANCE_M) -> Viewsheds:
    """Each camera's visibility among the buildings: viewpoints on façades, wedges hidden by walls.

    Exact: an angular sweep over the walls within each camera's range (see
    :mod:`exposure._visibility`), so that pieces of street are cut where a wall's
    line crosses them, not at the resolution of a ray fan.

    Parameters
    ----------
    cams
        The cameras' discs and sectors (:func:`exposure.discs.camera_geometry`), in
        the buildings' CRS.
    buildings
        The obstacles, or None (or empty) for none: the views are then exactly
        ``cams``, and ``walls_used`` is False.
    facade_tolerance_m
        A camera this close to a building's outline, or inside it, looks out of its
        nearest façade.
    """
    n = len(cams.xy)
    if buildings is None or buildings.is_empty:
        return Viewsheds(cams, cams.xy, np.zeros(n, dtype=bool), np.zeros(n + 1, dtype=np.int64), np.empty(0),
                         np.empty(0), np.empty(0, dtype=np.int64), np.empty((0, 4)), walls_used=False)
    vxy, on = facade_viewpoints(cams.xy, buildings, tolerance_m=facade_tolerance_m)
    geom = CameraGeometry(vxy, np.asarray(cams.radius_m, dtype=float), cams.direction_deg, cams.fov_deg)
    start, width = _sectors(geom)
    w = buildings.walls
    ptr, lo, hi, wall = sweep_wedges(
        np.ascontiguousarray(vxy), np.ascontiguousarray(geom.radius_m), start, width,
        np.ascontiguousarray(w.seg, dtype=float), np.asarray(w.origin, dtype=float), float(w.cell_m),
        int(w.shape[0]), int(w.shape[1]), w.cell_ptr, w.cell_walls,
    )
    return Viewsheds(geom, cams.xy, on, ptr, lo, hi, wall, w.seg, walls_used=True)


def visible_intervals(seg_a: np.ndarray, seg_b: np.ndarray, views: Viewsheds, *,
                      pairs: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where each (segment, camera) pair's segment is in the camera's view, walls considered.

    The contract of :func:`exposure.discs.polyline_intervals`, on the viewsheds:
    the disc or sector pieces (exactly those, where no wall stands within a camera's
    range), less what walls hide; a segment may have several visible pieces.

    Parameters
    ----------
    seg_a, seg_b
        Segment start and end points, shape (S, 2), in the viewsheds' CRS.
    views
        The cameras' viewsheds.
    pairs
        Candidate (segment index, camera index) arrays, e.g.
        ``candidate_pairs(seg_a, seg_b, views.geometry)``.

    Returns
    -------
    segment, camera, t0, t1
        One row per visible piece, ``t`` as a fraction of the segment (0 at ``a``).
    """
    s, c, t0, t1 = polyline_intervals(seg_a, seg_b, views.geometry, pairs=pairs)
    if len(views.wedge_lo) == 0 or len(s) == 0:
        return s, c, t0, t1
    return cut_pieces(
        s.astype(np.int64), c.astype(np.int64), t0, t1, np.ascontiguousarray(seg_a, dtype=float),
        np.ascontiguousarray(seg_b, dtype=float), np.ascontiguousarray(views.geometry.xy, dtype=float),
        views.wedge_ptr, views.wedge_lo, views.wedge_hi, views.wedge_wall,
        np.ascontiguousarray(views.walls, dtype=float), _MIN_T,
    )


#: Half the length of the tiny segment :func:`seen_points` tests a point with, in metres.
_POINT_HALF_M = 0.001


def seen_points(xy: np.ndarray, views: Viewsheds, *, cameras: np.ndarray | None = None) -> tuple[
        np.ndarray, np.ndarray]:
    """(point, camera) pairs where a point lies in a camera's viewshed, walls considered.

    A point is tested as a street 2 mm long through it (the pieces of
    :func:`visible_intervals`), so that a point counts exactly as the street it
    stands on counts.

    Parameters
    ----------
    xy
        The points, shape (n, 2), in the views' CRS.
    views
        The viewsheds.
    cameras
        The cameras to test (their indices); default every one.
    """
    empty = np.empty(0, dtype=np.int64)
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    rows = np.arange(views.n_cameras) if cameras is None else np.asarray(cameras, dtype=np.int64)
    if len(xy) == 0 or len(rows) == 0:
        return empty, empty
    half = np.array([_POINT_HALF_M, 0.0])
    a, b = xy - half, xy + half
    seg, cam = candidate_pairs(a, b, views.geometry)
    keep = np.isin(cam, rows)
    s, c, _, _ = visible_intervals(a, b, views, pairs=(seg[keep], cam[keep]))
    pairs = np.unique(np.column_stack([s, c]).astype(np.int64), axis=0) if len(s) else np.empty((0, 2), np.int64)
    return pairs[:, 0], pairs[:, 1]


def viewshed_polygons(views: Viewsheds, *, arc_step_deg: float = 2.0, arc_error_m: float = 0.05,
                      crs: str | pyproj.CRS | None = None) -> np.ndarray:
    """Each camera's visibility polygon (an empty polygon for a camera that sees nothing).

    Parameters
    ----------
    views
        The cameras' viewsheds.
    arc_step_deg
        Angle between two vertices of an arc of the range, in degrees, or more
        where the chords still stay within ``arc_error_m`` of the arc (a small disc
        needs fewer vertices than a large one).
    arc_error_m
        Largest gap between an arc and its chords where vertices are spread out, in metres.
    crs
        The viewsheds' metric CRS: when given, the polygons come back in WGS84
        longitude/latitude (for maps and GeoJSON); otherwise in that metric CRS.
    """
    if not (arc_step_deg > 0 and arc_error_m > 0):
        msg = (f"arc_step_deg and arc_error_m must be positive (degrees, metres), got {arc_step_deg!r} and "
               f"{arc_error_m!r}")
        raise ValueError(msg)
    start, width = _sectors(views.geometry)
    geom = views.geometry
    radius = np.asarray(geom.radius_m, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        # a chord of angle a strays r (1 - cos(a / 2)) from its arc
        fine_enough = 2.0 * np.arccos(np.clip(1.0 - arc_error_m / radius, -1.0, 1.0))
    step = np.minimum(np.maximum(math.radians(arc_step_deg), np.nan_to_num(fine_enough)), math.pi / 4)
    coords, offsets = outline_vertices(
        np.ascontiguousarray(geom.xy, dtype=float), np.ascontiguousarray(geom.radius_m, dtype=float), start, width,
        views.wedge_ptr, views.wedge_lo, views.wedge_hi, views.wedge_wall,
        np.ascontiguousarray(views.walls, dtype=float), np.maximum(step, 1e-4),
    )
    out = np.full(views.n_cameras, shapely.Polygon(), dtype=object)
    sizes = np.diff(offsets)
    has = np.flatnonzero(sizes >= 4)
    if len(has):
        ring_of = np.repeat(np.arange(len(has)), sizes[has])
        picked = np.concatenate([np.arange(offsets[i], offsets[i + 1]) for i in has])
        polys = shapely.polygons(shapely.linearrings(coords[picked], indices=ring_of))
        bad = ~shapely.is_valid(polys)
        if bad.any():
            # a ring touching itself (a wall through a corner of the sector): its polygons, without slivers of line
            polys[bad] = shapely.make_valid(polys[bad], method="structure", keep_collapsed=False)
        if crs is not None:
            back = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
            polys = shapely.transform(polys, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))
        out[has] = polys
    return out


@dataclass(frozen=True)
class StreetSegments:
    """A network's edges cut into straight segments (consecutive vertices of one edge).

    Segment ``i`` runs from ``a[i]`` to ``b[i]`` on edge ``edge[i]``, starting
    ``offset_m[i]`` projected metres from the edge's start; ``scale[e]`` turns
    projected metres of edge ``e`` into its ``length`` (so that pieces never add up to
    more than the edge).
    """

    a: np.ndarray
    b: np.ndarray
    edge: np.ndarray
    offset_m: np.ndarray
    length_m: np.ndarray
    scale: np.ndarray


def street_segments(index: NetworkIndex) -> StreetSegments:
    """The straight segments of every edge of a network (as :func:`exposure.coverage.edge_coverage` cuts them)."""
    xy = index.xy
    seg_start = np.arange(len(xy) - 1)
    last_vertex = index.geom_start[1:] - 1
    is_seg = np.ones(len(xy) - 1, dtype=bool) if len(xy) > 1 else np.zeros(0, dtype=bool)
    is_seg[last_vertex[last_vertex < len(is_seg)]] = False
    seg_start = seg_start[is_seg]
    seg_a, seg_b = xy[seg_start], xy[seg_start + 1]
    seg_edge = np.searchsorted(index.geom_start, seg_start, side="right") - 1
    seg_len = np.hypot(*(seg_b - seg_a).T)
    cum = np.concatenate([[0.0], np.cumsum(seg_len)])
    first_seg = np.searchsorted(seg_edge, np.arange(index.n_edges), side="left")
    seg_offset = cum[:-1] - cum[first_seg[seg_edge]]
    proj_len = np.bincount(seg_edge, weights=seg_len, minlength=index.n_edges)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(proj_len > 0, index.length_m / proj_len, 0.0)
    return StreetSegments(seg_a, seg_b, seg_edge, seg_offset, seg_len, scale)


def street_metres_in_view(index: NetworkIndex, views: Viewsheds) -> np.ndarray:
    """Metres of street each camera sees, each street counted once whatever its directions.

    For ``blocked_share``, compare with the same cameras without walls:
    ``compute_viewsheds(views.geometry, None)`` sees the discs and sectors whole
    (from the same viewpoints).
    """
    segs = street_segments(index)
    keep = np.isin(segs.edge, index.street_edges)
    a, b, edge = segs.a[keep], segs.b[keep], segs.edge[keep]
    s, c, t0, t1 = visible_intervals(a, b, views, pairs=candidate_pairs(a, b, views.geometry))
    metres = (t1 - t0) * np.hypot(*(b[s] - a[s]).T) * segs.scale[edge[s]]
    return np.bincount(c, weights=metres, minlength=views.n_cameras)
