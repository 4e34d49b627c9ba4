"""Tests of exposure.network: building the walking graph, indexing it, exporting it."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
import pyproj
import pytest
import shapely

from exposure._errors import DatasetError
from exposure.datasets import load_dataset
from exposure.network import graph_from_osm_file, graph_to_geojson, index_graph, local_crs, save_graphml


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


# --- the Helsinki graph ------------------------------------------------------------------


def test_helsinki_graph_is_osmnx_compatible(helsinki):
    G = helsinki.G
    assert isinstance(G, nx.MultiDiGraph)
    assert G.graph["crs"] == "EPSG:4326"
    assert G.number_of_nodes() > 1000
    for _, d in G.nodes(data=True):
        assert math.isfinite(d["x"])
        assert math.isfinite(d["y"])
        # inside the bundled extract's box (central Helsinki)
        assert 24.9 < d["x"] < 25.0
        assert 60.15 < d["y"] < 60.19
    lengths = np.array([d["length"] for _, _, d in G.edges(data=True)], dtype=float)
    assert np.all(np.isfinite(lengths))
    assert np.all(lengths > 0)


def test_helsinki_every_edge_has_its_reverse(helsinki):
    # pedestrians ignore oneway: each street is walkable both ways, with the same length
    G = helsinki.G
    by_pair: dict[tuple[int, int], list[float]] = {}
    for u, v, d in G.edges(data=True):
        by_pair.setdefault((u, v), []).append(d["length"])
    for (u, v), lengths in by_pair.items():
        back = by_pair.get((v, u))
        assert back is not None, f"edge {u}->{v} has no reverse"
        assert len(back) == len(lengths), f"{u}<->{v}: {len(lengths)} forward vs {len(back)} backward edges"
        np.testing.assert_allclose(sorted(back), sorted(lengths), rtol=1e-9)


def test_helsinki_graph_is_one_strongly_connected_component(helsinki):
    assert nx.is_strongly_connected(helsinki.G)


def test_helsinki_edge_geometry_runs_from_u_to_v(helsinki):
    G = helsinki.G
    for u, v, d in G.edges(data=True):
        if "geometry" not in d:
            continue
        coords = shapely.get_coordinates(d["geometry"])
        np.testing.assert_allclose(coords[0], (G.nodes[u]["x"], G.nodes[u]["y"]), atol=1e-9)
        np.testing.assert_allclose(coords[-1], (G.nodes[v]["x"], G.nodes[v]["y"]), atol=1e-9)


def test_index_matches_graph(helsinki):
    G, index = helsinki.G, helsinki.index
    assert index.n_nodes == G.number_of_nodes()
    assert index.n_edges == G.number_of_edges()
    assert len(index.edge_keys) == index.n_edges
    assert len({tuple(k) for k in index.edge_keys}) == index.n_edges
    assert index.geom_start[0] == 0
    assert index.geom_start[-1] == len(index.xy) == len(index.lonlat)
    assert np.all(np.diff(index.geom_start) >= 2)
    assert pyproj.CRS(index.crs).equals(local_crs(24.94, 60.17))
    for i in range(0, index.n_edges, 97):
        u, v, k = index.edge_keys[i]
        assert index.node_ids[index.edge_u[i]] == u
        assert index.node_ids[index.edge_v[i]] == v
        assert index.length_m[i] == pytest.approx(G.edges[u, v, k]["length"])
        ll = index.edge_lonlat(i)
        np.testing.assert_allclose(ll[0], index.node_lonlat[index.edge_u[i]], atol=1e-9)
        np.testing.assert_allclose(ll[-1], index.node_lonlat[index.edge_v[i]], atol=1e-9)
    # great-circle lengths agree with the projected polylines (UTM, a city: well under 0.5 %)
    proj = np.array([np.hypot(*np.diff(index.edge_xy(i), axis=0).T).sum() for i in range(index.n_edges)])
    np.testing.assert_allclose(proj, index.length_m, rtol=5e-3, atol=0.05)


# --- building from a hand-written OSM file -------------------------------------------------

# Way 100 crosses way 101 at node 3 and way 102 at node 4; its node 99 (between 3 and 4) lies
# outside the extract. Ways 101, 102 and 103 join 3 and 4 the long way round (via 7, 11, 9).
_NODES = {
    1: (24.9000, 60.1700),
    2: (24.9010, 60.1700),
    3: (24.9020, 60.1700),
    4: (24.9060, 60.1700),
    5: (24.9070, 60.1700),
    6: (24.9080, 60.1700),
    7: (24.9020, 60.1710),
    8: (24.9020, 60.1690),
    9: (24.9060, 60.1710),
    10: (24.9060, 60.1690),
    11: (24.9040, 60.1715),
}


def _osm_xml(ways: dict[int, tuple[list[int], dict[str, str]]], nodes: dict[int, tuple[float, float]]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lon, lat) in nodes.items():
        lines.append(f'  <node id="{nid}" version="1" lat="{lat}" lon="{lon}"/>')
    for wid, (refs, tags) in ways.items():
        lines.append(f'  <way id="{wid}" version="1">')
        lines.extend(f'    <nd ref="{r}"/>' for r in refs)
        lines.extend(f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append("  </way>")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def _clipped_file(tmp_path: Path) -> Path:
    street = {"highway": "residential", "name": "Testikatu"}
    ways = {
        100: ([1, 2, 3, 99, 4, 5, 6], street),
        101: ([7, 3, 8], {"highway": "footway"}),
        102: ([9, 4, 10], {"highway": "footway"}),
        103: ([7, 11, 9], {"highway": "residential", "oneway": "yes"}),
    }
    path = tmp_path / "clipped.osm"
    path.write_text(_osm_xml(ways, _NODES), encoding="utf-8")
    return path


def test_clipped_way_is_split_not_bridged(tmp_path):
    G, info = graph_from_osm_file(_clipped_file(tmp_path))
    assert info["ways"] == 4
    assert info["clipped_ways_split"] == 1
    assert 99 not in G
    # both chains of the clipped way survive (1-2-3 and 4-5-6)...
    assert {1, 3, 4, 6} <= set(G.nodes)
    assert G.has_edge(1, 3) or G.has_edge(1, 2)
    assert G.has_edge(6, 4) or G.has_edge(6, 5)
    # ...but nothing joins 3 and 4 across the gap: no edge polyline steps from 3 straight to 4
    p3, p4 = _NODES[3], _NODES[4]
    for u, v, d in G.edges(data=True):
        coords = (shapely.get_coordinates(d["geometry"]) if "geometry" in d
                  else np.array([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])]))
        for a, b in zip(coords[:-1], coords[1:], strict=True):
            step = {tuple(np.round(a, 7)), tuple(np.round(b, 7))}
            assert step != {p3, p4}, f"edge {u}->{v} bridges the gap at the missing node"
    # the only way from 3 to 4 is round by 7, 11 and 9 (simplified into one edge; the oneway
    # street is walkable both ways)
    direct = ox.distance.great_circle(p3[1], p3[0], p4[1], p4[0])
    round_by = sum(
        ox.distance.great_circle(_NODES[a][1], _NODES[a][0], _NODES[b][1], _NODES[b][0])
        for a, b in [(3, 7), (7, 11), (11, 9), (9, 4)]
    )
    for a, b in [(3, 4), (4, 3)]:
        assert nx.shortest_path_length(G, a, b, weight="length") == pytest.approx(round_by)
        assert round_by > 1.5 * direct
    for d in G.get_edge_data(3, 4).values():
        np.testing.assert_allclose(
            shapely.get_coordinates(d["geometry"]), [_NODES[n] for n in (3, 7, 11, 9, 4)], atol=1e-9
        )
    assert nx.is_strongly_connected(G)


def test_clipped_chains_without_a_detour_are_dropped_as_a_minor_component(tmp_path):
    # only the clipped way and a side street: the chains are separate components, the smaller goes
    ways = {100: ([1, 2, 3, 99, 4, 5, 6, 12], {"highway": "residential"}), 101: ([5, 9], {"highway": "footway"})}
    nodes = {**_NODES, 12: (24.9090, 60.1700)}
    path = tmp_path / "two_chains.osm"
    path.write_text(_osm_xml(ways, nodes), encoding="utf-8")
    G, info = graph_from_osm_file(path)
    assert info["clipped_ways_split"] == 1
    assert set(G.nodes) == {4, 5, 9, 12}  # 6 is interior to the edge 5-12 after simplification
    assert info["nodes_outside_main_component"] == 3  # 1, 2 and 3
    assert G.number_of_edges() == 6


def test_unwalkable_ways_are_left_out(tmp_path):
    ways = {
        1: ([1, 2, 3], {"highway": "residential"}),
        2: ([3, 7], {"highway": "motorway"}),
        3: ([3, 8], {"highway": "footway", "foot": "no"}),
        4: ([1, 11], {"highway": "service", "access": "private"}),
        5: ([2, 9], {"highway": "service", "access": "private", "foot": "yes"}),
        6: ([2, 10], {"building": "yes"}),
    }
    path = tmp_path / "mixed.osm"
    path.write_text(_osm_xml(ways, _NODES), encoding="utf-8")
    G, info = graph_from_osm_file(path)
    assert info["ways"] == 2  # the residential street and the private one open to pedestrians
    assert set(G.nodes) == {1, 2, 3, 9}
    assert {d["highway"] for _, _, d in G.edges(data=True)} == {"residential", "service"}


def test_file_without_walkable_street_is_a_dataset_error(tmp_path):
    ways = {1: ([1, 2, 3], {"highway": "motorway"}), 2: ([4, 5], {"building": "yes"})}
    path = tmp_path / "motorway.osm"
    path.write_text(_osm_xml(ways, _NODES), encoding="utf-8")
    with pytest.raises(DatasetError, match=r"motorway\.osm holds no walkable street"):
        graph_from_osm_file(path)


def test_missing_file_is_a_dataset_error(tmp_path):
    with pytest.raises(DatasetError, match=r"OSM file not found: .*nowhere\.osm\.pbf"):
        graph_from_osm_file(tmp_path / "nowhere.osm.pbf")


def test_unreadable_file_is_a_dataset_error(tmp_path):
    path = tmp_path / "broken.osm"
    path.write_text("<osm><node id='1' lat='60' lon='24'", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"cannot read OSM file .*broken\.osm"):
        graph_from_osm_file(path)


# --- the array index -----------------------------------------------------------------------


def _two_node_graph(lengths: list[float]) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(10, x=24.9000, y=60.1700)
    G.add_node(20, x=24.9020, y=60.1700)
    G.add_node(30, x=24.9020, y=60.1710)
    for k, length in enumerate(lengths):
        G.add_edge(10, 20, key=k, length=length)
        G.add_edge(20, 10, key=k, length=length)
    G.add_edge(20, 30, key=0, length=111.0)
    G.add_edge(30, 20, key=0, length=111.0)
    return G


@pytest.mark.parametrize("lengths", [[150.0, 111.5], [111.5, 150.0], [140.0, 111.5, 130.0]])
def test_csr_keeps_the_cheapest_parallel_edge(lengths):
    index = index_graph(_two_node_graph(lengths))
    matrix, entry_edge = index.csr(index.length_m)
    a, b, c = index.node_pos[10], index.node_pos[20], index.node_pos[30]
    assert matrix[a, b] == pytest.approx(min(lengths))  # not the sum of the parallel edges
    assert matrix[b, a] == pytest.approx(min(lengths))
    assert matrix[b, c] == pytest.approx(111.0)
    assert matrix.nnz == 4
    # entry_edge is aligned with the CSR data: each entry names the edge it came from
    for row in range(index.n_nodes):
        for j in range(matrix.indptr[row], matrix.indptr[row + 1]):
            e = entry_edge[j]
            assert index.edge_u[e] == row
            assert index.edge_v[e] == matrix.indices[j]
            assert index.length_m[e] == matrix.data[j]
    e_ab = entry_edge[matrix.indptr[a] + int(np.searchsorted(matrix.indices[matrix.indptr[a]:matrix.indptr[a + 1]], b))]
    assert tuple(index.edge_keys[e_ab]) == (10, 20, int(np.argmin(lengths)))


def test_csr_keeps_a_zero_cost_entry():
    index = index_graph(_two_node_graph([150.0]))
    cost = np.zeros(index.n_edges)
    matrix, entry_edge = index.csr(cost)
    assert matrix.nnz == 4
    assert len(entry_edge) == 4
    assert np.all(matrix.data > 0)
    assert np.all(matrix.data < 1e-6)


def test_index_measures_edges_without_length():
    G = _two_node_graph([150.0])
    del G.edges[20, 30, 0]["length"]
    index = index_graph(G)
    e = index.edge_position(20, 30, 0)
    # 0.001° of latitude is about 111.3 m
    assert index.length_m[e] == pytest.approx(111.3, abs=0.5)
    assert index.length_m[index.edge_position(10, 20, 0)] == 150.0


def test_index_reverses_geometry_stored_against_the_edge():
    G = _two_node_graph([150.0])
    line = shapely.LineString([(24.9020, 60.1700), (24.9010, 60.1705), (24.9000, 60.1700)])
    G.edges[10, 20, 0]["geometry"] = line  # stored from v to u
    index = index_graph(G)
    e = index.edge_position(10, 20, 0)
    ll = index.edge_lonlat(e)
    assert len(ll) == 3
    np.testing.assert_allclose(ll[0], (24.9000, 60.1700))
    np.testing.assert_allclose(ll[-1], (24.9020, 60.1700))


def test_index_accepts_an_explicit_crs():
    index = index_graph(_two_node_graph([150.0]), crs="EPSG:3067")
    assert pyproj.CRS(index.crs).to_epsg() == 3067
    x, y = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True).transform(24.9, 60.17)
    np.testing.assert_allclose(index.node_xy[index.node_pos[10]], (x, y))


# --- export --------------------------------------------------------------------------------


def test_save_graphml_round_trips_through_osmnx(helsinki, tmp_path):
    path = tmp_path / "helsinki.graphml"
    save_graphml(helsinki.G, path)
    G2 = ox.load_graphml(path)
    assert G2.number_of_nodes() == helsinki.G.number_of_nodes()
    assert G2.number_of_edges() == helsinki.G.number_of_edges()
    assert set(G2.nodes) == set(helsinki.G.nodes)
    assert G2.graph["crs"] == "EPSG:4326"
    total = sum(d["length"] for _, _, d in helsinki.G.edges(data=True))
    assert sum(d["length"] for _, _, d in G2.edges(data=True)) == pytest.approx(total)


def test_graph_to_geojson_has_one_feature_per_edge(helsinki):
    gj = graph_to_geojson(helsinki.G)
    assert gj["type"] == "FeatureCollection"
    assert len(gj["features"]) == helsinki.G.number_of_edges()
    json.dumps(gj, allow_nan=False)
    keys = Counter((f["properties"]["u"], f["properties"]["v"], f["properties"]["key"]) for f in gj["features"])
    assert set(keys) == set(helsinki.G.edges(keys=True))
    for f in gj["features"][::50]:
        assert f["geometry"]["type"] == "LineString"
        assert len(f["geometry"]["coordinates"]) >= 2
        assert f["properties"]["length_m"] > 0


def test_graph_to_geojson_of_a_small_graph():
    gj = graph_to_geojson(_two_node_graph([150.0, 111.5]))
    assert len(gj["features"]) == 6
    first = gj["features"][0]
    assert first["geometry"]["coordinates"] == [[24.9, 60.17], [24.902, 60.17]]
    assert first["properties"] == {"u": 10, "v": 20, "key": 0, "length_m": 150.0}
