"""Tests of exposure.osm_features: streets as arrays, building footprints, passages, the tag rules."""

from __future__ import annotations

import numpy as np
import shapely

from exposure.osm_features import (
    BUILDING_TAG_KEYS,
    BuildingFootprints,
    Passages,
    WayTable,
    is_passage,
    place_kind,
    present_runs,
)


def test_is_passage_and_place_kind() -> None:
    assert is_passage({"highway": "footway", "tunnel": "yes"})
    assert is_passage({"highway": "service", "tunnel": "building_passage"})
    assert is_passage({"highway": "footway", "covered": "arcade"})
    assert is_passage({"highway": "footway", "building_passage": "yes"})
    assert not is_passage({"highway": "footway", "building_passage": "no"})
    assert is_passage({"highway": "footway", "layer": "-1"})
    assert is_passage({"highway": "footway", "layer": "-1;0"})
    assert not is_passage({"highway": "footway", "layer": "1"})
    assert not is_passage({"highway": "footway", "tunnel": "no", "covered": "no", "layer": "x"})
    assert not is_passage({"building": "yes", "tunnel": "yes"})
    assert place_kind({"amenity": "cafe", "building": "yes"}) == "amenity=cafe"
    assert place_kind({"name": "X"}) == "named"


def test_empty_footprints() -> None:
    empty = BuildingFootprints.empty()
    assert len(empty) == 0
    assert len(empty.geometries()) == 0
    assert empty.outer_rings() == []


def test_footprints_keep_polygons_courtyards_and_tags() -> None:
    courtyard = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], holes=[[(1, 1), (3, 1), (3, 3), (1, 3)]])
    two_parts = shapely.MultiPolygon([shapely.box(10, 0, 11, 1), shapely.box(12, 0, 13, 1)])
    plain = shapely.box(20, 0, 21, 2)
    fp = BuildingFootprints.from_geometries(
        [courtyard, two_parts, plain], osm_type=["relation", "relation", "way"], osm_id=[7, 8, 9],
        clipped=[False, True, False], tags=[{"building": "yes", "note": "dropped"}, {"building": "roof"},
                                            {"building": "yes", "layer": "-1", "name": "Talo"}])
    assert len(fp) == 3
    geoms = fp.geometries()
    assert shapely.equals(geoms[0], courtyard)
    assert shapely.equals(geoms[1], two_parts)
    assert shapely.equals(geoms[2], plain)
    assert list(fp.tags.columns) == list(BUILDING_TAG_KEYS)
    assert fp.tags["layer"].tolist()[2] == "-1"
    assert fp.tags["building"].tolist() == ["yes", "roof", "yes"]
    rings = fp.outer_rings()
    assert len(rings) == 4  # one outer ring a polygon part
    assert all(r[0] == r[-1] for r in rings)
    frame = fp.to_geodataframe()
    assert frame["osm_id"].tolist() == [7, 8, 9]
    assert frame["clipped"].tolist() == [False, True, False]
    assert frame["name"].tolist() == [None, None, "Talo"]


def test_present_runs_split_at_missing_nodes() -> None:
    refs = np.arange(7)
    lonlat = np.array([[0, 0], [1, 0], [np.nan, np.nan], [3, 0], [np.nan, np.nan], [5, 0], [6, 0]], dtype=float)
    runs = [r.tolist() for r, _ in present_runs(refs, lonlat)]
    assert runs == [[0, 1], [5, 6]]  # a lone node is no run
    assert [r.tolist() for r, _ in present_runs(refs[:2], lonlat[:2])] == [[0, 1]]


def test_passages_from_streets() -> None:
    streets = WayTable(
        ids=np.array([10, 11, 12]), start=np.array([0, 3, 5, 7]), refs=np.arange(7),
        lonlat=np.array([[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [0, 2], [np.nan, np.nan]], dtype=float),
        tags=[{"highway": "footway", "tunnel": "building_passage", "surface": "x"}, {"highway": "residential"},
              {"highway": "steps", "layer": "-1"}])
    passages = Passages.from_streets(streets)
    assert passages.osm_id.tolist() == [10]  # way 12 has a single node in the extract: no line
    assert passages.tag_dicts() == [{"highway": "footway", "tunnel": "building_passage"}]
    assert shapely.get_coordinates(passages.lines()[0]).tolist() == [[0, 0], [1, 0], [2, 0]]
    assert len(Passages.from_streets(WayTable(np.array([1]), np.array([0, 2]), np.arange(2),
                                              np.zeros((2, 2)), [{"highway": "path"}]))) == 0


def test_footprints_from_wkb_in_chunks_are_the_footprints_of_the_shapes() -> None:
    # more buildings than one chunk holds: the parts' offsets must join
    n = 120_001
    x = np.arange(n, dtype=float)
    shapes = shapely.box(x, 0, x + 0.5, 0.5)
    courtyard = shapely.Polygon([(0, 10), (4, 10), (4, 14), (0, 14)], holes=[[(1, 11), (3, 11), (3, 13), (1, 13)]])
    shapes[70_000] = courtyard
    shapes[110_000] = shapely.MultiPolygon([shapely.box(0, 20, 1, 21), courtyard])
    kwargs = {"osm_type": ["way"] * n, "osm_id": np.arange(n), "clipped": np.zeros(n, dtype=bool),
              "tags": [{"building": "yes"}] * n}
    from_wkb = BuildingFootprints.from_geometries(list(shapely.to_wkb(shapes)), **kwargs)
    from_shapes = BuildingFootprints.from_geometries(shapes, **kwargs)
    for name in ("coords", "ring_offsets", "polygon_offsets", "building_offsets"):
        np.testing.assert_array_equal(getattr(from_wkb, name), getattr(from_shapes, name))
    back = from_wkb.geometries()
    assert len(back) == n
    assert shapely.equals(back, shapes).all()
