"""What a page shows of an answer, made once per request in a session (a rerun that keeps it draws it again only).

Classes live here, not in the page files: a page file runs from the top on every run,
and a class defined there would be made again each time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from exposure.counted import Counting
    from exposure.layers import LayerJSON
    from exposure.places import Place
    from exposure.routing import Route

__all__ = ["RouteAnswer"]


@dataclass(frozen=True)
class RouteAnswer:
    """One route request's routes and what the Route planner draws of them.

    Attributes
    ----------
    origin, destination
        The places resolved.
    found
        The routes, the shortest first.
    table
        The comparison table as shown.
    count
        What their counts of FRT cameras mean.
    colours
        Each route's colour (as the route cards and KML draw it).
    paths
        The map's lines: ``path``, ``colour`` and ``label`` of each route.
    passed
        Ids of every camera a route passes.
    profile
        The chart of metres in view along each route (Vega-Lite).
    used
        The settings the routes were found with (for the files).
    views
        What each camera a route passes sees under the sidebar's coverage model and level
        (:func:`app.views.viewsheds_layer`), written as map JSON once per request; None when
        no route passes a camera.
    """

    origin: Place
    destination: Place
    found: list[Route]
    table: pd.DataFrame
    count: Counting
    colours: list[tuple[int, int, int]]
    paths: list[dict[str, object]]
    passed: set[str]
    profile: dict[str, object]
    used: dict[str, object]
    views: LayerJSON | None
