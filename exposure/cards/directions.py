"""Turn-by-turn directions of a route: steps by street name, with the turns between them and their distances."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely

if TYPE_CHECKING:
    from exposure.network import NetworkIndex
    from exposure.routing import Route

__all__ = ["Step", "end_bearings", "turn_by_turn"]


@dataclass(frozen=True)
class Step:
    """One instruction of a turn-by-turn list: what to do, onto which street, for how many metres."""

    instruction: str
    street: str
    distance_m: float
    at_m: float


def _bearing(a: np.ndarray, b: np.ndarray) -> float:
    return math.degrees(math.atan2(b[0] - a[0], b[1] - a[1])) % 360.0


def end_bearings(xy: np.ndarray) -> tuple[float, float]:
    """Bearing leaving the first vertex and arriving at the last, skipping repeated points."""
    steps = np.hypot(*np.diff(xy, axis=0).T)
    moving = np.flatnonzero(steps > 1e-6)
    if len(moving) == 0:
        return 0.0, 0.0
    first, last = moving[0], moving[-1]
    return _bearing(xy[first], xy[first + 1]), _bearing(xy[last], xy[last + 1])


def _turn(delta: float) -> str:
    side = "right" if delta > 0 else "left"
    size = abs(delta)
    if size < 25:
        return "Continue"
    if size < 60:
        return f"Bear {side}"
    if size < 135:
        return f"Turn {side}"
    if size < 165:
        return f"Sharp {side}"
    return "Turn around"


_COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")


_UNNAMED = "an unnamed path"


def _street_labels(index: NetworkIndex, edges: Sequence[int]) -> list[tuple[str, str]]:
    """Per edge: ("street", name), or for an unnamed path the street it runs along or ("cross", name).

    Sidewalks and crossings are mapped as unnamed footways in many cities; a list
    of "unnamed path" steps would be useless on a card, so a path within 25 m of
    a named street and parallel to it counts as that street, and a short one
    across it as crossing it.
    """
    edges_arr = np.asarray(edges, dtype=np.int64)
    labels = [("street", index.edge_names[int(e)]) for e in edges_arr]
    unnamed = [i for i, (_, name) in enumerate(labels) if not name]
    if not unnamed:
        return labels
    pts = np.concatenate([index.edge_xy(int(e)) for e in edges_arr])
    (x0, y0), (x1, y1) = pts.min(axis=0) - 40.0, pts.max(axis=0) + 40.0
    starts = index.geom_start[:-1]
    xs, ys = index.xy[:, 0], index.xy[:, 1]
    near = np.flatnonzero((np.minimum.reduceat(xs, starts) <= x1) & (np.maximum.reduceat(xs, starts) >= x0)
                          & (np.minimum.reduceat(ys, starts) <= y1) & (np.maximum.reduceat(ys, starts) >= y0))
    near = np.array([e for e in near if index.edge_names[int(e)]], dtype=np.int64)
    lines = [shapely.LineString(index.edge_xy(int(e))) for e in near]
    tree = shapely.STRtree(lines) if lines else None
    for i in unnamed:
        xy = index.edge_xy(int(edges_arr[i]))
        label = ("street", _UNNAMED)
        if tree is not None:
            mid = shapely.Point(xy[len(xy) // 2] if len(xy) > 2 else xy.mean(axis=0))
            hit = tree.query_nearest(mid, max_distance=25.0)
            if len(hit):
                street_edge = int(near[hit[0]])
                name = index.edge_names[street_edge]
                a, _ = end_bearings(xy)
                b, _ = end_bearings(index.edge_xy(street_edge))
                off = abs((a - b + 90.0) % 180.0 - 90.0)  # 0 parallel, 90 across
                if off < 35:
                    label = ("street", name)
                elif float(index.length_m[int(edges_arr[i])]) < 40:
                    label = ("cross", name)
        labels[i] = label
    return labels


def turn_by_turn(index: NetworkIndex, route: Route, *, destination: str | None = None) -> list[Step]:
    """Turn-by-turn steps by street name, with distances, from a route's edges.

    Consecutive edges of one street are one step; a turn is the change of
    bearing where two steps meet (bear, turn, sharp, turn around). A sidewalk
    counts as its street; a crossing, or an unnamed link under 20 m, is folded
    into the step before, and the next step says which streets it crosses
    ("Cross Eerikinkatu, then turn left onto ...").

    Parameters
    ----------
    index
        The network the route's edges belong to.
    route
        The route.
    destination
        Named in the last step ("Arrive at ...").
    """
    if not route.edges:
        return []
    labels = _street_labels(index, route.edges)
    lengths = index.length_m[list(route.edges)]
    # groups of consecutive edges: [street, edge positions, streets crossed on the way into it]
    groups: list[tuple[str, list[int], list[str]]] = []
    crossed: list[str] = []
    for i, (kind, name) in enumerate(labels):
        foldable = kind == "cross" or (name == _UNNAMED and lengths[i] < 20.0 and 0 < i < len(labels) - 1)
        if groups and foldable:
            groups[-1][1].append(i)
            if kind == "cross" and name not in crossed:
                crossed.append(name)
            continue
        street = name if kind == "street" else _UNNAMED
        if groups and groups[-1][0] == street:
            groups[-1][1].append(i)
            crossed = [c for c in crossed if c != street]
            continue
        groups.append((street, [i], [c for c in crossed if c != street]))
        crossed = []
    steps: list[Step] = []
    at = 0.0
    for k, (street, members, across) in enumerate(groups):
        start_bearing, _ = end_bearings(index.edge_xy(route.edges[members[0]]))
        if k == 0:
            heading = _COMPASS[int(((start_bearing + 22.5) % 360) // 45)]
            instruction = f"Start {heading} on {street}"
        else:
            _, arrive = end_bearings(index.edge_xy(route.edges[groups[k - 1][1][-1]]))
            delta = (start_bearing - arrive + 540.0) % 360.0 - 180.0
            turn = _turn(delta)
            instruction = f"{turn} onto {street}"
            if across:
                instruction = f"Cross {' and '.join(across)}, then {turn.lower()} onto {street}"
        d = float(lengths[members].sum())
        steps.append(Step(instruction=instruction, street=street, distance_m=d, at_m=at))
        at += d
    end = f"Arrive at {destination}" if destination else "Arrive"
    if crossed:
        end = f"Cross {' and '.join(crossed)}, then arrive" + (f" at {destination}" if destination else "")
    steps.append(Step(instruction=end, street="", distance_m=0.0, at_m=at))
    return steps
