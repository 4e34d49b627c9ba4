"""Walking routes: shortest, fewest FRT cameras (exact), least time in view, and trade-offs.

``context`` holds a dataset's network and exposure under one set of policies (and
what its searches proved), ``route`` a route and its exposure, ``ellipse`` the
shortest route and the detour ellipse every exact search works in, ``view`` the
route least in view, ``fewest`` the route past the fewest cameras, ``tradeoff``
the trade-off between the two ends, ``request`` a request as the dashboard and the
command line ask it, and ``text`` routes in words.
"""

from __future__ import annotations

from exposure.routing.context import MEMO_TRIPS, MemoEntry, RouteMemo, RoutingContext
from exposure.routing.ellipse import shortest_route
from exposure.routing.fewest import fewest_cameras_route
from exposure.routing.request import OBJECTIVES, routes
from exposure.routing.route import Route, exposure_profile, proof_words, route_from_edges
from exposure.routing.text import compare_with_shortest
from exposure.routing.tradeoff import alternative_routes
from exposure.routing.view import least_in_view_route

__all__ = [
    "MEMO_TRIPS",
    "OBJECTIVES",
    "MemoEntry",
    "Route",
    "RouteMemo",
    "RoutingContext",
    "alternative_routes",
    "compare_with_shortest",
    "exposure_profile",
    "fewest_cameras_route",
    "least_in_view_route",
    "proof_words",
    "route_from_edges",
    "routes",
    "shortest_route",
]
