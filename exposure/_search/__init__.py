"""Exact searches behind the camera-counting route objectives: numba kernels and the query they run on (private).

``paths`` cuts the detour ellipse out of a city, ``moats`` bounds the cameras a
route must still meet, ``labels`` is the fewest-cameras and trade-off search,
``view`` the least-time-in-view one, and ``problem`` one query in array form.
"""

from __future__ import annotations

from exposure._search.labels import camera_search
from exposure._search.moats import moat_bound
from exposure._search.paths import adjacency, ellipse_distances
from exposure._search.problem import STATUS, CameraProblem, SearchResult, warm_up
from exposure._search.view import view_search

__all__ = [
    "STATUS",
    "CameraProblem",
    "SearchResult",
    "adjacency",
    "camera_search",
    "ellipse_distances",
    "moat_bound",
    "view_search",
    "warm_up",
]
