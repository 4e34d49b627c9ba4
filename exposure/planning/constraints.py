"""What to avoid as edges of the walking network: entering an area, passing an avoided camera, any FRT camera."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely

from exposure._errors import PlanError
from exposure.planning._project import in_crs
from exposure.planning.avoid import Avoidance
from exposure.routing import RoutingContext

if TYPE_CHECKING:
    from exposure.network import NetworkIndex

__all__ = ["EdgeConstraints", "blocked_edges", "constraint_edges"]


@dataclass(frozen=True)
class EdgeConstraints:
    """Which edges break an :class:`Avoidance`, and by how much.

    ``blocked`` is a boolean per edge. ``area_m[i]`` holds, per edge, the metres
    inside ``avoid.areas[i]``; ``camera_edges`` flags edges an avoided camera sees;
    ``breach_m`` is the metres of each edge that break a constraint (inside an
    area, seen by an avoided camera, or in view of an FRT camera when none is
    allowed), what the least-bad route minimises. ``avoided_rows`` are the camera
    rows to avoid; ``uncounted`` the avoided camera ids the context does not count
    (their views are unknown to it, so they cannot be avoided).
    """

    avoid: Avoidance
    blocked: np.ndarray
    breach_m: np.ndarray
    area_m: tuple[np.ndarray, ...]
    area_edges: tuple[np.ndarray, ...]
    camera_edges: np.ndarray
    avoided_rows: np.ndarray
    uncounted: tuple[str, ...]


def _edge_bounds(index: NetworkIndex) -> np.ndarray:
    starts = index.geom_start[:-1]
    x, y = index.xy[:, 0], index.xy[:, 1]
    return np.column_stack([np.minimum.reduceat(x, starts), np.minimum.reduceat(y, starts),
                            np.maximum.reduceat(x, starts), np.maximum.reduceat(y, starts)])


def _edge_lines(index: NetworkIndex, edges: np.ndarray) -> np.ndarray:
    counts = index.geom_start[edges + 1] - index.geom_start[edges]
    first = np.repeat(index.geom_start[edges] - np.r_[0, np.cumsum(counts)[:-1]], counts) + np.arange(counts.sum())
    lines: np.ndarray = shapely.linestrings(index.xy[first], indices=np.repeat(np.arange(len(edges)), counts))
    return lines


def constraint_edges(ctx: RoutingContext, avoid: Avoidance) -> EdgeConstraints:
    """Turn what to avoid into edges: those entering an area, seen by an avoided camera, or by any FRT camera.

    Raises
    ------
    PlanError
        When a camera id is not one of the context's cameras (close ids are named).
    """
    index, ex = ctx.index, ctx.exposure
    n = index.n_edges
    blocked = np.zeros(n, dtype=bool)
    breach = np.zeros(n)
    area_m, area_edges = [], []
    if avoid.areas:
        bounds = _edge_bounds(index)
        for area in avoid.areas:
            poly = in_crs(area.geometry, index.crs)
            west, south, east, north = poly.bounds
            near = np.flatnonzero((bounds[:, 0] <= east) & (bounds[:, 2] >= west) & (bounds[:, 1] <= north)
                                  & (bounds[:, 3] >= south))
            lines = _edge_lines(index, near)
            hit = shapely.intersects(lines, poly)
            edges = near[hit]
            projected = shapely.length(lines[hit])
            inside = shapely.length(shapely.intersection(lines[hit], poly))
            with np.errstate(divide="ignore", invalid="ignore"):
                metres = np.where(projected > 0, inside * index.length_m[edges] / projected, 0.0)
            per_edge = np.zeros(n)
            per_edge[edges] = metres
            area_m.append(per_edge)
            area_edges.append(edges)
            blocked[edges] = True
            breach += per_edge
    ids = ctx.camera_ids.astype(str)
    rows = np.flatnonzero(np.isin(ids, np.asarray(avoid.cameras, dtype=str))) if avoid.cameras else np.empty(0, int)
    missing = sorted(set(avoid.cameras) - set(ids[rows].tolist()))
    if missing:
        close = difflib.get_close_matches(missing[0], ids.tolist(), n=3)
        hint = f" Close ids: {', '.join(close)}." if close else ""
        msg = f"camera {', '.join(repr(m) for m in missing)} is not among this dataset's cameras.{hint}"
        raise PlanError(msg)
    uncounted = tuple(str(i) for i in ids[rows[~ex.counted[rows]]]) if len(rows) else ()
    pair_edge = np.repeat(np.arange(n), np.diff(ex.edge_cams_ptr))
    camera_edges = np.zeros(n, dtype=bool)
    if len(rows):
        camera_edges[pair_edge[np.isin(ex.edge_cams, rows)]] = True
        blocked |= camera_edges
        breach += np.where(camera_edges, index.length_m, 0.0)
    if avoid.no_frt_cameras:
        frt_edges = ex.frt_count_on_edge() > 0
        blocked |= frt_edges
        breach += np.where(frt_edges, ex.in_view_m, 0.0)
    # an edge that only touches an area, or is in view for no measurable length, still breaks it
    breach = np.where(blocked, np.maximum(breach, 1e-3), 0.0)
    return EdgeConstraints(avoid=avoid, blocked=blocked, breach_m=breach, area_m=tuple(area_m),
                           area_edges=tuple(area_edges), camera_edges=camera_edges, avoided_rows=rows,
                           uncounted=uncounted)


def blocked_edges(ctx: RoutingContext, avoid: Avoidance) -> np.ndarray:
    """A boolean per edge: True where an edge breaks what is to be avoided (see :func:`constraint_edges`)."""
    return constraint_edges(ctx, avoid).blocked
