"""Regroup points: street points near the site, within a walk, that the fewest FRT cameras see."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from scipy.spatial import cKDTree

from exposure._errors import PlanError
from exposure.coverage import CameraGeometry, camera_geometry
from exposure.planning._project import in_crs
from exposure.planning.avoid import Avoidance
from exposure.planning.constraints import EdgeConstraints, constraint_edges
from exposure.routing import RoutingContext
from exposure.viewsheds import seen_points

if TYPE_CHECKING:
    import pandas as pd

    from exposure.network import NetworkIndex
    from exposure.viewsheds import Viewsheds

__all__ = ["RegroupPoint", "rank_regroup_points", "regroup_points"]


@dataclass(frozen=True)
class RegroupPoint:
    """A street point near the site where people can regroup, with the FRT cameras that see it."""

    rank: int
    name: str
    lon: float
    lat: float
    node: int
    distance_m: float
    frt_cameras: int
    camera_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"rank": self.rank, "name": self.name, "lat": round(self.lat, 7), "lon": round(self.lon, 7),
                "distance_m": round(self.distance_m, 1), "frt_cameras": self.frt_cameras,
                "camera_ids": list(self.camera_ids)}


def _seen_by(points_xy: np.ndarray, geom: CameraGeometry, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(point, camera) pairs where a point lies inside the view (disc or sector) of a camera in ``rows``."""
    empty = np.empty(0, dtype=np.int64)
    if len(rows) == 0 or len(points_xy) == 0:
        return empty, empty
    tree = cKDTree(geom.xy[rows])
    found = tree.query_ball_point(points_xy, float(geom.radius_m[rows].max()) + 1e-9)
    counts = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
    p = np.repeat(np.arange(len(points_xy)), counts)
    c = rows[np.fromiter((i for f in found for i in f), dtype=np.int64, count=int(counts.sum()))]
    d = points_xy[p] - geom.xy[c]
    dist = np.hypot(d[:, 0], d[:, 1])
    bearing = np.degrees(np.arctan2(d[:, 0], d[:, 1])) % 360.0
    off = np.abs((bearing - np.nan_to_num(geom.direction_deg[c]) + 180.0) % 360.0 - 180.0)
    ok = (dist <= geom.radius_m[c]) & ((geom.fov_deg[c] >= 360.0) | (off <= geom.fov_deg[c] / 2) | (dist == 0))
    return p[ok], c[ok]


_SeenBy = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _seen_by_views(views: Viewsheds) -> _SeenBy:
    """Which cameras (of the rows asked) see which points: through their viewsheds, as routes count them."""
    def seen(points_xy: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return seen_points(points_xy, views, cameras=rows)
    return seen


def _seen_by_discs(cameras: pd.DataFrame, crs: Any, radius_m: float | None) -> _SeenBy:
    """Which cameras (of the rows asked) see which points: inside their per-kind (or uniform) disc or sector."""
    geom = camera_geometry(cameras, crs, radius_m=radius_m)

    def seen(points_xy: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _seen_by(points_xy, geom, rows)
    return seen


def _point_name(index: NetworkIndex, node: int, out_ptr: np.ndarray, out_edges: np.ndarray) -> str:
    names: list[str] = []
    for e in out_edges[out_ptr[node] : out_ptr[node + 1]]:
        name = index.edge_names[int(e)]
        if name and name not in names:
            names.append(name)
    if not names:
        return "unnamed path"
    return names[0] if len(names) == 1 else f"{names[0]} / {names[1]}"


def rank_regroup_points(ctx: RoutingContext, cons: EdgeConstraints, site: int, cameras: pd.DataFrame, *,
                        walk_radius_m: float, n: int = 8, min_separation_m: float = 40.0,
                        radius_m: float | None = None, views: Viewsheds | None = None) -> list[RegroupPoint]:
    """:func:`regroup_points` for constraints already turned into edges, as a plan has them.

    Parameters
    ----------
    ctx
        The routing context with the constrained edges already closed
        (``ctx.without(cons.blocked)``), so that walks keep to them.
    cons
        What to avoid, as edges (:func:`~exposure.planning.constraints.constraint_edges`).
    site, cameras, walk_radius_m, n, min_separation_m, radius_m, views
        As for :func:`regroup_points`.

    Raises
    ------
    PlanError
        When the camera table is not aligned with the context's cameras.
    """
    index = ctx.index
    if len(cameras) != len(ctx.camera_ids):
        msg = f"the camera table has {len(cameras)} rows, the routing context {len(ctx.camera_ids)}: give the same"
        raise PlanError(msg)
    dist, _ = ctx.length_distances(site, limit=walk_radius_m)
    candidates = np.flatnonzero(np.isfinite(dist) & (dist <= walk_radius_m) & (np.arange(len(dist)) != site))
    xy = index.node_xy[candidates]
    for area in cons.avoid.areas:
        inside = shapely.contains_xy(in_crs(area.geometry, index.crs), xy[:, 0], xy[:, 1])
        candidates, xy = candidates[~inside], xy[~inside]
    seen_by = _seen_by_views(views) if views is not None and radius_m is None else _seen_by_discs(
        cameras, index.crs, radius_m if radius_m is not None else ctx.settings.get("coverage", {}).get("radius_m"))
    if len(cons.avoided_rows):
        p, _ = seen_by(xy, cons.avoided_rows)
        keep = ~np.isin(np.arange(len(candidates)), p)
        candidates, xy = candidates[keep], xy[keep]
    frt_rows = np.flatnonzero(ctx.exposure.frt)
    p, c = seen_by(xy, frt_rows)
    count = np.bincount(p, minlength=len(candidates))
    order = np.lexsort((candidates, dist[candidates], count))
    picked: list[int] = []
    taken = [index.node_xy[site]]  # a point beside the site is no place to regroup away from it
    for i in order:
        if len(picked) == n:
            break
        if all(np.hypot(*(xy[i] - p)) >= min_separation_m for p in taken):
            picked.append(int(i))
            taken.append(xy[i])
    out_ptr, out_edges = ctx.out_edges_ptr, ctx.out_edges
    result = []
    for rank, i in enumerate(picked, start=1):
        node = int(candidates[i])
        ids = tuple(sorted(str(x) for x in ctx.camera_ids[c[p == i]]))
        lon, lat = index.node_lonlat[node]
        result.append(RegroupPoint(rank=rank, name=_point_name(index, node, out_ptr, out_edges), lon=float(lon),
                                   lat=float(lat), node=node, distance_m=float(dist[node]),
                                   frt_cameras=int(count[i]), camera_ids=ids))
    return result


def regroup_points(
    ctx: RoutingContext, site: int, cameras: pd.DataFrame, *, walk_radius_m: float, avoid: Avoidance | None = None,
    n: int = 8, min_separation_m: float = 40.0, radius_m: float | None = None, views: Viewsheds | None = None,
) -> list[RegroupPoint]:
    """Street points within a walk of the site where the fewest FRT cameras see you, to regroup.

    Candidates are street nodes within ``walk_radius_m`` of walking from the site
    (avoiding what is to be avoided, and never inside an avoided area or an
    avoided camera's view). They are ranked by how many counted FRT-capable
    cameras see the point (inside the camera's viewshed when ``views`` are
    given, as routes count them; else its disc, or its sector when its
    direction is known), then by walking distance; a point closer than
    ``min_separation_m`` to the site or to a better one is skipped, so the
    suggestions spread out.

    Parameters
    ----------
    ctx
        The routing context.
    site
        The site's node index.
    cameras
        The camera table aligned with the context's cameras.
    walk_radius_m
        How far from the site, walking, a regroup point may be.
    avoid
        What to avoid.
    n
        How many points to suggest.
    min_separation_m
        Least distance between two suggestions.
    radius_m
        Uniform camera radius; default the context's coverage model.
    views
        The cameras' viewsheds the context's coverage was cut from (a dataset's
        :meth:`~exposure.datasets.Dataset.viewsheds`), so that a point counts the
        cameras that see it through the walls as routes count them; without them,
        the discs and sectors of the per-kind radii (or of ``radius_m``).
    """
    cons = constraint_edges(ctx, avoid or Avoidance())
    cctx = ctx.without(cons.blocked) if cons.blocked.any() else ctx
    return rank_regroup_points(cctx, cons, site, cameras, walk_radius_m=walk_radius_m, n=n,
                               min_separation_m=min_separation_m, radius_m=radius_m, views=views)
