"""Tests of exposure._simplify: the walking graph osmnx builds and simplifies, computed on arrays, is the same graph."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import osmnx as ox
import pyrosm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exposure._simplify import simplified_walk_graph
from exposure.network import is_walkable
from exposure.osm_features import present_runs
from exposure.osm_scan import scan_osm_file


def osmnx_walk_graph(runs: list[tuple[int, np.ndarray, dict[str, str]]], lonlat: dict[int, tuple[float, float]], *,
                     name: str) -> tuple[nx.MultiDiGraph, int, int]:
    """The graph as the builder made it before: edge by edge in networkx, then osmnx's component and simplification."""
    G = nx.MultiDiGraph(crs="EPSG:4326", name=name)
    for way_id, run, attrs in runs:
        for a, b in zip(run[:-1].tolist(), run[1:].tolist(), strict=True):
            if a == b:
                continue
            (x1, y1), (x2, y2) = lonlat[a], lonlat[b]
            length = float(ox.distance.great_circle(y1, x1, y2, x2))
            for u, v, rev in ((a, b, False), (b, a, True)):
                G.add_edge(u, v, osmid=way_id, oneway=False, reversed=rev, length=length, **attrs)
    for n in G.nodes:
        G.nodes[n].update(x=lonlat[n][0], y=lonlat[n][1], osmid=n)
    n_before = G.number_of_nodes()
    G = ox.truncate.largest_component(G, strongly=True)
    n_main = G.number_of_nodes()
    return ox.simplify_graph(G), n_before, n_main


def assert_same_graph(expected: nx.MultiDiGraph, got: nx.MultiDiGraph) -> None:
    """Same nodes, edges, keys, attributes (in order, lists as osmnx's sets give them), predecessors."""
    assert got.graph == expected.graph
    assert list(got.nodes(data=True)) == list(expected.nodes(data=True))

    def plain(edge: tuple[int, int, int, dict[str, Any]]) -> tuple[Any, ...]:
        u, v, k, d = edge
        items = [(name, value.wkb if name == "geometry" else value) for name, value in d.items()]
        return u, v, k, items

    assert [plain(e) for e in got.edges(keys=True, data=True)] == [
        plain(e) for e in expected.edges(keys=True, data=True)]
    for n in expected:
        assert list(got.predecessors(n)) == list(expected.predecessors(n))


def test_helsinki_is_the_graph_osmnx_makes() -> None:
    scan = scan_osm_file(pyrosm.get_data("helsinki_pbf"), areas=False)
    streets = scan.streets
    runs = []
    for i, tags in enumerate(streets.tags):
        if is_walkable(tags):
            refs, lonlat = streets.way(i)
            attrs = {k: tags[k] for k in ("highway", "name", "service", "access", "foot") if k in tags}
            runs.extend((int(streets.ids[i]), run, attrs) for run, _ in present_runs(refs, lonlat))
    held = ~np.isnan(streets.lonlat[:, 0])
    lonlat = dict(zip(streets.refs[held].tolist(), map(tuple, streets.lonlat[held].tolist()), strict=True))
    fast = simplified_walk_graph(runs, lonlat, name="helsinki")
    assert fast is not None
    G, n_before, n_main = fast
    expected, e_before, e_main = osmnx_walk_graph(runs, lonlat, name="helsinki")
    assert (n_before, n_main) == (e_before, e_main)
    assert (G.number_of_nodes(), G.number_of_edges()) == (2267, 6250)
    assert_same_graph(expected, G)


# nodes on a 5 x 5 grid of points 100 m apart; ways walk between them, repeating and revisiting nodes
_LONLAT = {n: (24.9 + 0.0018 * (n % 5), 60.17 + 0.0009 * (n // 5)) for n in range(25)}
_ATTRS = st.sampled_from([{"highway": "footway"}, {"highway": "residential", "name": "Katu"},
                          {"highway": "residential", "name": "Tie"}, {"highway": "service", "access": "yes"}])
_RUN = st.lists(st.integers(0, 24), min_size=2, max_size=7).map(lambda refs: np.array(refs, dtype=np.int64))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(1, 4), _RUN, _ATTRS), min_size=1, max_size=12))
def test_any_street_network_is_the_graph_osmnx_makes(runs: list[tuple[int, np.ndarray, dict[str, str]]]) -> None:
    fast = simplified_walk_graph(runs, _LONLAT, name="generated")
    if fast is None:
        return  # the caller runs osmnx itself
    G, n_before, n_main = fast
    expected, e_before, e_main = osmnx_walk_graph(runs, _LONLAT, name="generated")
    assert (n_before, n_main) == (e_before, e_main)
    assert_same_graph(expected, G)


def test_no_segment_and_a_lone_ring_are_left_to_osmnx() -> None:
    assert simplified_walk_graph([(1, np.array([3, 3]), {"highway": "footway"})], _LONLAT, name="x") is None
    ring = np.array([0, 1, 6, 5, 0])
    assert simplified_walk_graph([(1, ring, {"highway": "footway"})], _LONLAT, name="x") is None
    # two equal halves: osmnx would take one of them in the order of a set
    halves = [(1, np.array([0, 1]), {"highway": "footway"}), (2, np.array([10, 11]), {"highway": "footway"})]
    assert simplified_walk_graph(halves, _LONLAT, name="x") is None
