"""Routes in words: the trade-off of a route against the shortest one."""

from __future__ import annotations

from exposure.routing.route import Route

__all__ = ["compare_with_shortest"]


def compare_with_shortest(route: Route, shortest: Route) -> str:
    """The trade-off in words: ``"+240 m (+3 min), 3 fewer FRT cameras, 120 m less in view"``.

    Less than half a minute more walking reads "under a minute more", never "+0 min".
    """
    if route.edges == shortest.edges:
        return "the shortest route"
    parts = []
    d_len = route.length_m - shortest.length_m
    d_min = route.walk_min - shortest.walk_min
    if abs(d_min) < 0.5:
        parts.append(f"{d_len:+,.0f} m (under a minute {'more' if d_min >= 0 else 'less'})")
    else:
        parts.append(f"{d_len:+,.0f} m ({d_min:+.0f} min)")
    d_cam = shortest.frt_cameras - route.frt_cameras
    if d_cam > 0:
        parts.append(f"{d_cam} fewer FRT camera{'s' if d_cam != 1 else ''}")
    elif d_cam < 0:
        parts.append(f"{-d_cam} more FRT camera{'s' if d_cam != -1 else ''}")
    else:
        parts.append("as many FRT cameras")
    d_view = shortest.metres_in_view - route.metres_in_view
    if abs(d_view) >= 1:
        parts.append(f"{abs(d_view):,.0f} m {'less' if d_view > 0 else 'more'} in view")
    return ", ".join(parts)
