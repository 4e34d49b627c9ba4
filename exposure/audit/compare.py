"""What could I have avoided? A recorded walk beside the fewest-camera route between its own start and end."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyproj
from scipy.spatial import cKDTree

from exposure import settings
from exposure._errors import ExposureError, NoRouteError
from exposure.audit.measure import Audit
from exposure.audit.tracks import Track
from exposure.crs import WGS84
from exposure.places import snap_to_street
from exposure.routing import Route, RoutingContext, routes

__all__ = ["TrackComparison", "WalkComparison", "walk_alternative", "walk_alternatives"]


@dataclass(frozen=True)
class WalkComparison:
    """A recorded walk beside the fewest-camera route between its start and end."""

    walk_length_m: float
    walk_frt_cameras: int
    walk_metres_in_view: float
    route: Route
    shortest: Route
    text: str

    @property
    def verdict(self) -> str:
        """What the comparison says, e.g. "9 fewer FRT cameras were possible" or "1 fewer FRT camera was possible"."""
        fewer = self.walk_frt_cameras - self.route.frt_cameras
        if fewer <= 0:
            return "no route between the same ends passes fewer FRT cameras"
        return f"{fewer} fewer FRT camera was possible" if fewer == 1 else f"{fewer} fewer FRT cameras were possible"

    def sentence(self, head: str = "Your walk") -> str:
        """The comparison for people, headed by ``head``, with its verdict.

        ``"Your walk: 14 FRT cameras, 180 m in view; the fewest-camera route: 5 FRT
        cameras, 40 m in view, +120 m — 9 fewer FRT cameras were possible"``; it says
        when the search was not proven within its time limit.
        """
        walked, _, rest = self.text.partition("; ")
        proven = "" if self.route.optimal is not False else " (the search for the fewest was not proven in time)"
        return f"{head}: {walked.removeprefix('your walk: ')}; {rest} — {self.verdict}{proven}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the walk's figures, the route, the differences, the sentence and the verdict."""
        return {
            "walk": {"length_m": round(self.walk_length_m, 1), "frt_cameras": self.walk_frt_cameras,
                     "metres_in_view": round(self.walk_metres_in_view, 1)},
            "route": self.route.to_dict(),
            "difference": {"length_m": round(self.route.length_m - self.walk_length_m, 1),
                           "frt_cameras": self.route.frt_cameras - self.walk_frt_cameras,
                           "metres_in_view": round(self.route.metres_in_view - self.walk_metres_in_view, 1)},
            "text": self.text,
            "verdict": self.verdict,
        }


def walk_alternative(
    ctx: RoutingContext, audit: Audit, track: Track, *, max_detour: float = settings.max_detour,
    time_limit_s: float | None = None,
) -> WalkComparison:
    """What could I have avoided? The fewest-camera route between a recorded walk's start and end.

    The route may be as long as the walk itself, or ``max_detour`` longer than
    the shortest route, whichever allows more. ``audit`` must come from
    :func:`exposure.audit.audit_track` with the same policies as ``ctx``.

    Returns
    -------
    WalkComparison
        With ``text`` such as ``"your walk: 14 FRT cameras, 180 m in view; the
        fewest-camera route: 5 FRT cameras, 40 m in view, +120 m"``.

    Raises
    ------
    PlaceError
        When the walk starts or ends too far from the dataset's streets.
    NoRouteError
        When the walk ends where it started (no A to B to compare with).
    """
    return _compare_walk(ctx, start=track.coordinates[0], end=track.coordinates[-1], length_m=audit.length_m,
                         frt_cameras=audit.frt_cameras, metres_in_view=audit.metres_in_view,
                         max_detour=max_detour, time_limit_s=time_limit_s)


def _compare_walk(ctx: RoutingContext, *, start: Sequence[float], end: Sequence[float], length_m: float,
                  frt_cameras: int, metres_in_view: float, max_detour: float, time_limit_s: float | None,
                  tree: cKDTree | None = None) -> WalkComparison:
    index = ctx.index
    tree = tree if tree is not None else cKDTree(index.node_xy)
    source, target = (snap_to_street(index, float(lon), float(lat), label=f"the walk's {what}", tree=tree)[0]
                      for what, (lon, lat) in (("start", start), ("end", end)))
    if source == target:
        msg = "the walk ends where it started: there is no route from A to B to compare it with"
        raise NoRouteError(msg)
    shortest_m = float(ctx.length_distances(source)[0][target])
    detour = max_detour
    if math.isfinite(shortest_m) and shortest_m > 0:
        detour = max(max_detour, length_m / shortest_m - 1.0)
    found = routes(ctx, source, target, objective="fewest-cameras", max_detour=detour, time_limit_s=time_limit_s)
    best = found[1] if len(found) > 1 else replace(found[0], label="fewest cameras", objective="fewest-cameras")
    d_len = best.length_m - length_m

    def cams(k: int) -> str:
        return f"{k} FRT camera{'' if k == 1 else 's'}"

    text = (f"your walk: {cams(frt_cameras)}, {metres_in_view:,.0f} m in view; the fewest-camera "
            f"route: {cams(best.frt_cameras)}, {best.metres_in_view:,.0f} m in view, {d_len:+,.0f} m")
    return WalkComparison(walk_length_m=length_m, walk_frt_cameras=frt_cameras, walk_metres_in_view=metres_in_view,
                          route=best, shortest=found[0], text=text)


@dataclass(frozen=True)
class TrackComparison:
    """One track of a recorded file beside the fewest-camera route between its own start and end."""

    track: int
    name: str
    comparison: WalkComparison | None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the track, and the comparison or why there is none."""
        out: dict[str, Any] = {"track": self.track, "name": self.name}
        if self.comparison is None:
            return {**out, "compared": False, "reason": self.reason}
        return {**out, "compared": True, **self.comparison.to_dict()}


def walk_alternatives(
    ctx: RoutingContext, audit: Audit, track: Track, *, max_detour: float = settings.max_detour,
    time_limit_s: float | None = None,
) -> list[TrackComparison]:
    """What could I have avoided, track by track? Each track of the file beside its fewest-camera route.

    A file of several tracks holds several walks: each is compared between its own
    start and end, with its own figures from ``audit.tracks``; ``time_limit_s``
    bounds them all together. A track that cannot be compared says why: it lies
    outside the dataset's streets (no route comparison is possible there; the
    audit still counts the cameras in use), it starts or ends off them, or it
    ends where it started.
    """
    deadline = None if time_limit_s is None else time.monotonic() + time_limit_s
    tree = cKDTree(ctx.index.node_xy)
    near = _near_streets(ctx, tree, track.coordinates)
    rows = {int(r["track"]): r for r in audit.tracks.to_dict(orient="records")} if len(audit.tracks) else {}
    spans: dict[int, list[Any]] = {}
    for piece, span in track.split():
        if span.stop - span.start >= 1:
            spans.setdefault(piece.track, []).append((piece, span))
    out: list[TrackComparison] = []
    for number, parts in spans.items():
        first, last = parts[0][1], parts[-1][1]
        name = parts[0][0].name
        row = rows.get(number)
        if row is None and len(spans) == 1:
            row = {"length_m": audit.length_m, "frt_cameras": audit.frt_cameras,
                   "metres_in_view": audit.metres_in_view}
        if row is None:
            out.append(TrackComparison(track=number, name=name, comparison=None, reason="too short to measure"))
            continue
        if not any(near[span].any() for _, span in parts):
            out.append(TrackComparison(track=number, name=name, comparison=None, reason=_outside_reason(ctx)))
            continue
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            comparison = _compare_walk(
                ctx, start=track.coordinates[first.start], end=track.coordinates[last.stop - 1],
                length_m=float(row["length_m"]), frt_cameras=int(row["frt_cameras"]),
                metres_in_view=float(row["metres_in_view"]), max_detour=max_detour, time_limit_s=left, tree=tree)
        except ExposureError as err:
            out.append(TrackComparison(track=number, name=name, comparison=None, reason=str(err)))
            continue
        out.append(TrackComparison(track=number, name=name, comparison=comparison))
    return out


def _near_streets(ctx: RoutingContext, tree: cKDTree, coordinates: np.ndarray) -> np.ndarray:
    """Per point of a track: whether a street node of the network lies within the snapping distance."""
    x, y = pyproj.Transformer.from_crs(WGS84, ctx.index.crs, always_xy=True).transform(coordinates[:, 0],
                                                                                        coordinates[:, 1])
    xy = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    ok = np.isfinite(xy).all(axis=1)
    near = np.zeros(len(xy), dtype=bool)
    if ok.any():
        dist, _ = tree.query(xy[ok], distance_upper_bound=settings.max_snap_distance_m)
        near[ok] = np.isfinite(dist)
    return near


def _outside_reason(ctx: RoutingContext) -> str:
    dataset = str(ctx.settings.get("dataset") or "").split(" + ")[0]  # its streets, whoever's cameras
    streets = f"the streets of dataset {dataset!r}" if dataset else "this dataset's streets"
    return (f"it lies outside {streets}, so no route comparison is possible there (the audit still counts the "
            "cameras in use); choose the dataset that covers it to compare")
