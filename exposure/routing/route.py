"""A walking route and its exposure: measured from its edges, profiled edge by edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from exposure import settings
from exposure.routing.context import RoutingContext

__all__ = ["Route", "exposure_profile", "proof_words", "route_from_edges"]


@dataclass(frozen=True)
class Route:
    """A walking route and its exposure.

    ``cameras``/``camera_ids`` are every counted camera that sees the route;
    ``frt_cameras``/``frt_camera_ids`` those the FRT policy deems capable.
    ``metres_in_view`` is the length within view of an FRT-capable camera (each
    metre once, however many cameras see it); ``metres_in_view_any`` the same for
    any counted camera. ``optimal`` is True when the solver proved the objective
    optimal, False when it stopped early, None when the objective is trivially met.
    ``lower_bound_frt`` (fewest-camera routes only) is the fewest FRT cameras any
    route within the detour bound can pass, as far as the search proved: equal to
    ``frt_cameras`` when proven, lower when it stopped early; ``gap`` is the
    difference ("at most this many cameras from optimal").
    """

    label: str
    objective: str
    edges: tuple[int, ...]
    node_ids: tuple[int, ...]
    length_m: float
    walk_min: float
    cameras: int
    frt_cameras: int
    camera_ids: tuple[str, ...]
    frt_camera_ids: tuple[str, ...]
    metres_in_view: float
    metres_in_view_any: float
    share_in_view: float
    optimal: bool | None
    coordinates: tuple[tuple[float, float], ...]
    notes: tuple[str, ...] = ()
    lower_bound_frt: int | None = None

    @property
    def gap(self) -> int | None:
        """How many FRT cameras fewer than this route's a route could at most pass (0: none fewer); None if unknown."""
        return None if self.lower_bound_frt is None else max(0, self.frt_cameras - self.lower_bound_frt)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (see README)."""
        return {
            "label": self.label,
            "objective": self.objective,
            "length_m": round(self.length_m, 1),
            "walk_min": round(self.walk_min, 1),
            "cameras": self.cameras,
            "frt_cameras": self.frt_cameras,
            "camera_ids": list(self.camera_ids),
            "frt_camera_ids": list(self.frt_camera_ids),
            "metres_in_view": round(self.metres_in_view, 1),
            "metres_in_view_any": round(self.metres_in_view_any, 1),
            "share_in_view": round(self.share_in_view, 4),
            "optimal": self.optimal,
            "lower_bound_frt": self.lower_bound_frt,
            "gap": self.gap,
            "proof": proof_words(self),
            "notes": list(self.notes),
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in self.coordinates]},
        }


def _cameras(n: int) -> str:
    return f"{n} FRT camera{'' if n == 1 else 's'}"


def proof_words(route: Route, *, limit_s: float | None = None) -> str:
    """Whether a route is proven optimal, in words people read beside it.

    Parameters
    ----------
    route
        The route.
    limit_s
        The time limit the search had, named in the words when given.

    Returns
    -------
    str
        ``"proven optimal"``; for a route the search could not prove in time
        ``"not proven (5 s limit): at least 3 FRT cameras, this route has 4 (gap 1 FRT camera)"``
        when the search proved a lower bound, ``"not proven (5 s limit)"`` when it did not
        (least time in view); ``""`` when there was nothing to prove. With a gap of
        0 the route passes as few cameras as any, and only its length is unproven.
    """
    if route.optimal is None:
        return ""
    if route.optimal:
        return "proven optimal"
    limit = f"{limit_s:g} s limit" if limit_s is not None else "time limit"
    gap = route.gap
    if route.lower_bound_frt is None or gap is None:
        return f"not proven ({limit})"
    if gap == 0:  # as few cameras as any route; only a shorter route with as few may be missed
        return (f"not proven ({limit}): no route passes fewer than {_cameras(route.frt_cameras)}, as this one; "
                "a shorter one with as few may exist")
    return (f"not proven ({limit}): at least {_cameras(route.lower_bound_frt)}, this route has "
            f"{route.frt_cameras} (gap {_cameras(gap)})")


def route_from_edges(
    ctx: RoutingContext, edges: list[int] | np.ndarray, *, label: str, objective: str,
    optimal: bool | None, notes: tuple[str, ...] = (), lower_bound_frt: int | None = None,
) -> Route:
    """Measure a route given as consecutive edge indices."""
    idx = ctx.index
    edges_arr = np.asarray(edges, dtype=np.int64)
    ex = ctx.exposure
    cams = ex.cameras_on(edges_arr)
    frt = cams[ex.frt[cams]]
    length = float(idx.length_m[edges_arr].sum())
    in_view = float(ex.in_view_m[edges_arr].sum())
    in_view_any = float(ex.in_view_any_m[edges_arr].sum())
    if len(edges_arr):
        nodes = [int(idx.node_ids[idx.edge_u[edges_arr[0]]])]
        nodes += [int(idx.node_ids[v]) for v in idx.edge_v[edges_arr]]
        coords: list[tuple[float, float]] = []
        for e in edges_arr:
            pts = [(round(float(x), 7), round(float(y), 7)) for x, y in idx.edge_lonlat(int(e))]
            coords.extend(pts if not coords else pts[1:])
    else:
        nodes, coords = [], []
    return Route(
        label=label, objective=objective, edges=tuple(int(e) for e in edges_arr), node_ids=tuple(nodes),
        length_m=length, walk_min=length / settings.walk_speed_m_per_min,
        cameras=len(cams), frt_cameras=len(frt),
        camera_ids=tuple(str(c) for c in ctx.camera_ids[cams]),
        frt_camera_ids=tuple(str(c) for c in ctx.camera_ids[frt]),
        metres_in_view=in_view, metres_in_view_any=in_view_any,
        share_in_view=in_view / length if length > 0 else 0.0, optimal=optimal,
        coordinates=tuple(coords), notes=notes, lower_bound_frt=lower_bound_frt,
    )


def exposure_profile(ctx: RoutingContext, route: Route) -> pd.DataFrame:
    """Exposure along a route, edge by edge: where the walker is seen, and by how many cameras.

    One row per edge with ``distance_m`` (from the start, at the edge's end),
    ``in_view_m`` (metres of the edge within view of an FRT-capable camera),
    ``cumulative_in_view_m`` and ``frt_cameras_so_far`` (distinct cameras met so far).
    """
    rows = []
    seen: set[int] = set()
    distance = 0.0
    cumulative = 0.0
    ex = ctx.exposure
    for e in route.edges:
        distance += float(ctx.index.length_m[e])
        cumulative += float(ex.in_view_m[e])
        cams = ex.edge_cams[ex.edge_cams_ptr[e] : ex.edge_cams_ptr[e + 1]]
        seen.update(int(c) for c in cams[ex.frt[cams]])
        rows.append({"distance_m": distance, "in_view_m": float(ex.in_view_m[e]),
                     "cumulative_in_view_m": cumulative, "frt_cameras_so_far": len(seen),
                     "street": ctx.index.edge_names[e]})
    return pd.DataFrame(rows, columns=["distance_m", "in_view_m", "cumulative_in_view_m", "frt_cameras_so_far",
                                       "street"])
