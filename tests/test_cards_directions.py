"""Tests of exposure.cards.directions: turn-by-turn steps by street name, turns and distances."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pyproj
import pytest

from exposure.cards.directions import turn_by_turn
from exposure.network import index_graph, local_crs
from exposure.routing import route_from_edges

LON, LAT = 24.9, 60.17


def street_grid():
    """Streets in metres around a point: Main Street east, then North Road north; a sidewalk and a crossing."""
    crs = local_crs(LON, LAT)
    to_lonlat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    x0, y0 = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(LON, LAT)
    spots = {"a": (0, 0), "b": (100, 0), "c": (200, 0), "d": (200, 150), "e": (200, 300),
             "s1": (100, 8), "s2": (180, 8)}
    G = nx.MultiDiGraph(crs="EPSG:4326")
    ids = {k: i for i, k in enumerate(spots)}
    for k, (x, y) in spots.items():
        lon, lat = to_lonlat.transform(x0 + x, y0 + y)
        G.add_node(ids[k], x=lon, y=lat)

    def add(a: str, b: str, name: str) -> None:
        (xa, ya), (xb, yb) = spots[a], spots[b]
        length = float(np.hypot(xb - xa, yb - ya))
        attrs = {"length": length, **({"name": name} if name else {})}
        G.add_edge(ids[a], ids[b], **attrs)
        G.add_edge(ids[b], ids[a], **attrs)

    add("a", "b", "Main Street")
    add("b", "c", "Main Street")
    add("c", "d", "North Road")
    add("d", "e", "North Road")
    add("b", "s1", "")  # a short link to the sidewalk
    add("s1", "s2", "")  # the sidewalk along Main Street
    return index_graph(G), ids


def path_edges(index, ids, stops):
    out = []
    for a, b in zip(stops[:-1], stops[1:], strict=True):
        u, v = index.node_pos[ids[a]], index.node_pos[ids[b]]
        out.append(int(np.flatnonzero((index.edge_u == u) & (index.edge_v == v))[0]))
    return out


class _Ctx:
    def __init__(self, index):
        self.index = index
        self.exposure = type("E", (), {
            "cameras_on": staticmethod(lambda e: np.empty(0, dtype=np.int64)),
            "frt": np.zeros(0, dtype=bool), "in_view_m": np.zeros(index.n_edges),
            "in_view_any_m": np.zeros(index.n_edges)})()
        self.camera_ids = np.array([], dtype=object)


def test_turn_by_turn_names_streets_turns_and_distances():
    index, ids = street_grid()
    route = route_from_edges(_Ctx(index), path_edges(index, ids, "abcde"), label="r", objective="shortest",
                             optimal=True)
    steps = turn_by_turn(index, route, destination="the square")
    assert [s.instruction for s in steps] == ["Start east on Main Street", "Turn left onto North Road",
                                              "Arrive at the square"]
    assert [round(s.distance_m) for s in steps] == [200, 300, 0]
    assert steps[-1].at_m == pytest.approx(500.0)


def test_turn_by_turn_reads_a_sidewalk_as_its_street():
    index, ids = street_grid()
    route = route_from_edges(_Ctx(index), path_edges(index, ids, ["a", "b", "s1", "s2"]), label="r",
                             objective="shortest", optimal=True)
    steps = turn_by_turn(index, route)
    # the 8 m link is folded into Main Street; the sidewalk beside it is Main Street too
    assert [s.instruction for s in steps] == ["Start east on Main Street", "Arrive"]
    assert steps[0].distance_m == pytest.approx(188.0)


def test_turn_by_turn_of_an_empty_route():
    index, _ = street_grid()
    route = route_from_edges(_Ctx(index), [], label="r", objective="shortest", optimal=True)
    assert turn_by_turn(index, route) == []
