"""Tests of the export to OpenStreetMap: JOSM and osmChange files that validate, open with osmium, match the store."""

from __future__ import annotations

from pathlib import Path

import osmium
import pandas as pd
import pytest
from lxml import etree

from exposure._errors import ReviewError
from exposure.cameras import cameras_from_osm, load_cameras
from exposure.datasets import get_path
from exposure.review.agreement import store_verdicts
from exposure.review.osm import (
    OSM_FORMATS,
    SKIPPED_COLUMNS,
    OsmNode,
    osm_edits,
    osm_nodes_from_file,
    to_josm,
    to_osmchange,
    write_osm_export,
)
from exposure.review.store import ReviewStore

# OSM XML 0.6 as the API and JOSM write it (https://wiki.openstreetmap.org/wiki/OSM_XML, JOSM file format):
# tags of at most 255 characters, an existing object (id > 0) with its version.
_COMMON = """
  <xs:simpleType name="lat"><xs:restriction base="xs:decimal">
    <xs:minInclusive value="-90"/><xs:maxInclusive value="90"/></xs:restriction></xs:simpleType>
  <xs:simpleType name="lon"><xs:restriction base="xs:decimal">
    <xs:minInclusive value="-180"/><xs:maxInclusive value="180"/></xs:restriction></xs:simpleType>
  <xs:simpleType name="text255"><xs:restriction base="xs:string">
    <xs:minLength value="1"/><xs:maxLength value="255"/></xs:restriction></xs:simpleType>
  <xs:complexType name="tag">
    <xs:attribute name="k" type="text255" use="required"/><xs:attribute name="v" type="text255" use="required"/>
  </xs:complexType>
  <xs:attributeGroup name="metadata">
    <xs:attribute name="id" type="xs:long" use="required"/>
    <xs:attribute name="changeset" type="xs:long"/>
    <xs:attribute name="timestamp" type="xs:dateTime"/>
    <xs:attribute name="user" type="xs:string"/>
    <xs:attribute name="uid" type="xs:long"/>
    <xs:attribute name="visible" type="xs:boolean"/>
  </xs:attributeGroup>
"""
OSM_XSD = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{_COMMON}
  <xs:complexType name="node">
    <xs:sequence><xs:element name="tag" type="tag" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
    <xs:attributeGroup ref="metadata"/>
    <xs:attribute name="version" type="xs:positiveInteger"/>
    <xs:attribute name="action"><xs:simpleType><xs:restriction base="xs:string">
      <xs:enumeration value="modify"/><xs:enumeration value="delete"/></xs:restriction></xs:simpleType></xs:attribute>
    <xs:attribute name="lat" type="lat" use="required"/><xs:attribute name="lon" type="lon" use="required"/>
  </xs:complexType>
  <xs:element name="osm"><xs:complexType>
    <xs:sequence><xs:element name="node" type="node" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
    <xs:attribute name="version" type="xs:string" fixed="0.6" use="required"/>
    <xs:attribute name="generator" type="xs:string"/>
    <xs:attribute name="upload"><xs:simpleType><xs:restriction base="xs:string">
      <xs:enumeration value="true"/><xs:enumeration value="false"/><xs:enumeration value="never"/>
    </xs:restriction></xs:simpleType></xs:attribute>
  </xs:complexType></xs:element>
</xs:schema>"""
OSMCHANGE_XSD = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{_COMMON}
  <xs:complexType name="newNode">
    <xs:sequence><xs:element name="tag" type="tag" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
    <xs:attributeGroup ref="metadata"/>
    <xs:attribute name="version" type="xs:nonNegativeInteger"/>
    <xs:attribute name="lat" type="lat" use="required"/><xs:attribute name="lon" type="lon" use="required"/>
  </xs:complexType>
  <xs:complexType name="node">
    <xs:sequence><xs:element name="tag" type="tag" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
    <xs:attributeGroup ref="metadata"/>
    <xs:attribute name="version" type="xs:positiveInteger" use="required"/>
    <xs:attribute name="lat" type="lat"/><xs:attribute name="lon" type="lon"/>
  </xs:complexType>
  <xs:element name="osmChange"><xs:complexType>
    <xs:choice minOccurs="0" maxOccurs="unbounded">
      <xs:element name="create"><xs:complexType><xs:sequence>
        <xs:element name="node" type="newNode" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>
      <xs:element name="modify"><xs:complexType><xs:sequence>
        <xs:element name="node" type="node" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>
      <xs:element name="delete"><xs:complexType><xs:sequence>
        <xs:element name="node" type="node" maxOccurs="unbounded"/></xs:sequence>
        <xs:attribute name="if-unused" type="xs:boolean"/></xs:complexType></xs:element>
    </xs:choice>
    <xs:attribute name="version" type="xs:string" fixed="0.6" use="required"/>
    <xs:attribute name="generator" type="xs:string"/>
  </xs:complexType></xs:element>
</xs:schema>"""

MAPPED = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test">
  <node id="101" version="4" lat="60.1700000" lon="24.9400000">
    <tag k="man_made" v="surveillance"/><tag k="camera:type" v="fixed"/><tag k="camera:mount" v="wall"/>
    <tag k="camera:direction" v="90"/><tag k="operator" v="Kauppa Oy"/><tag k="surveillance" v="public"/>
  </node>
  <node id="102" version="2" lat="60.1701000" lon="24.9401000">
    <tag k="man_made" v="surveillance"/><tag k="revolving" v="yes"/><tag k="direction" v="180"/>
  </node>
  <node id="103" version="9" lat="60.1702000" lon="24.9402000"><tag k="man_made" v="surveillance"/></node>
  <node id="104" version="1" lat="60.1703000" lon="24.9403000"><tag k="man_made" v="surveillance"/></node>
  <node id="105" version="3" lat="60.1704000" lon="24.9404000"><tag k="man_made" v="surveillance"/></node>
  <node id="7" version="1" lat="60.1705000" lon="24.9405000"><tag k="highway" v="crossing"/></node>
</osm>
"""
SURVEYORS = ("Ana Virtanen", "Bo Lindqvist", "Cy Koskinen")


@pytest.fixture
def mapped(tmp_path: Path) -> Path:
    path = tmp_path / "mapped.osm"
    path.write_text(MAPPED, encoding="utf-8")
    return path


@pytest.fixture
def reviewed(tmp_path: Path, mapped: Path) -> tuple[ReviewStore, pd.DataFrame, dict[str, str]]:
    """A store whose reviews support one edit of each kind, and one camera each reason leaves out."""
    store = ReviewStore(tmp_path / "group.gpkg")
    ids: dict[str, str] = {}
    camera, _ = store.add_camera(24.9410, 60.1710, reviewer=SURVEYORS[0], how="survey", kind="dome",
                                 camera_mount="street_lamp", direction_deg=89.6, surveillance="public",
                                 note="seen by Ana Virtanen at noon")
    ids["new"] = camera.camera_id
    satellite, _ = store.add_camera(24.9420, 60.1720, reviewer=SURVEYORS[0], how="imagery", kind="dome")
    ids["imagery"] = satellite.camera_id
    lonely, _ = store.add_camera(24.9430, 60.1730, reviewer=SURVEYORS[0], how="survey")
    ids["lonely"] = lonely.camera_id
    for name in SURVEYORS[1:]:
        store.confirm(camera.camera_id, reviewer=name, how="photo", kind="dome")
        store.confirm(satellite.camera_id, reviewer=name, how="imagery")
    for name in SURVEYORS:
        store.confirm("osm:node/101", reviewer=name, how="survey", kind="dome", operator="private")
        store.confirm("osm:node/102", reviewer=name, how="survey")  # still there: check_date only
        store.dispute("osm:node/103", reviewer=name, how="survey")  # gone
        store.confirm("decode:pano:0", reviewer=name, how="survey")
        store.confirm("jkl:1", reviewer=name, how="survey")
        store.confirm("osm:node/105", reviewer=name, how="survey")
    store.dispute("osm:node/104", reviewer=SURVEYORS[0], how="survey")  # gone, but by one reviewer only
    osm = cameras_from_osm(mapped).cameras
    extra = osm.iloc[:2].copy()  # a Decode camera and one from an uploaded file, reviewed like the others
    extra["camera_id"] = ["decode:pano:0", "jkl:1"]
    extra["source"] = ["decode", "jkl.csv"]
    return store, pd.concat([osm, extra], ignore_index=True), ids


def nodes_without(mapped: Path, *drop: str) -> dict[str, OsmNode]:
    return {k: v for k, v in osm_nodes_from_file(mapped).items() if k not in drop}


def test_nodes_are_read_again_with_their_versions_and_every_tag(mapped: Path) -> None:
    nodes = osm_nodes_from_file(mapped)
    assert sorted(nodes) == [f"osm:node/{n}" for n in (101, 102, 103, 104, 105)]
    assert nodes["osm:node/101"] == OsmNode(101, 4, 24.94, 60.17, {
        "man_made": "surveillance", "camera:type": "fixed", "camera:mount": "wall", "camera:direction": "90",
        "operator": "Kauppa Oy", "surveillance": "public"})
    assert list(osm_nodes_from_file(mapped, camera_ids=["osm:node/102", "osm:node/7"])) == ["osm:node/102"]


def test_the_embedded_extract_gives_every_camera_node_with_its_version() -> None:
    nodes = osm_nodes_from_file(get_path("helsinki"))
    assert len(nodes) == 221
    assert all(n.version is not None and n.version >= 1 for n in nodes.values())
    assert nodes["osm:node/256257146"].tags["revolving"] == "yes"


def test_an_osm_file_with_a_document_type_or_unreadable_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.osm"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE osm [<!ENTITY a "aaaa">]><osm version="0.6"/>')
    with pytest.raises(ReviewError, match="declares a document type"):
        osm_nodes_from_file(bomb)
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all")
    with pytest.raises(ReviewError, match=r"OSM file .*broken\.osm\.pbf cannot be read"):
        osm_nodes_from_file(broken)


def test_the_edits_follow_the_reviews(reviewed: tuple[ReviewStore, pd.DataFrame, dict[str, str]],
                                      mapped: Path) -> None:
    store, table, ids = reviewed
    export = osm_edits(store, table, osm_nodes=nodes_without(mapped, "osm:node/105"))
    edits = {e.camera_id: e for e in export.edits}
    assert [e.action for e in export.edits] == ["create", "modify", "modify", "delete"]
    assert sorted(edits) == sorted([ids["new"], "osm:node/101", "osm:node/102", "osm:node/103"])
    check_date = store_verdicts(store).set_index("camera_id").loc[ids["new"], "last_survey_utc"][:10]
    created = edits[ids["new"]]
    assert created.node.id == -1
    assert created.node.version is None
    assert dict(created.node.tags) == {
        "man_made": "surveillance", "surveillance:type": "camera", "camera:type": "dome",
        "camera:mount": "street_lamp", "camera:direction": "90", "surveillance": "public", "check_date": check_date,
        "source": "survey"}
    modified = edits["osm:node/101"]
    assert (modified.node.id, modified.node.version) == (101, 4)
    assert modified.changed == ("camera:type", "check_date", "operator:type")
    assert dict(modified.node.tags) == {
        "man_made": "surveillance", "camera:type": "dome", "camera:mount": "wall", "camera:direction": "90",
        "operator": "Kauppa Oy", "surveillance": "public", "operator:type": "private", "check_date": check_date}
    assert edits["osm:node/102"].changed == ("check_date",)  # still there, nothing corrected
    assert edits["osm:node/103"].node.version == 9
    skipped = dict(export.skipped.to_numpy().tolist())
    assert list(export.skipped.columns) == list(SKIPPED_COLUMNS)
    assert "imagery" in skipped[ids["imagery"]]
    assert "unverified (1 review)" in skipped[ids["lonely"]]
    assert "Decode Surveillance" in skipped["decode:pano:0"]
    assert "from jkl.csv, not OpenStreetMap" in skipped["jkl:1"]
    assert "gone (1 review)" in skipped["osm:node/104"]
    assert "its OSM node (version and tags) is not known" in skipped["osm:node/105"]
    assert export.summary() == {"create": 1, "modify": 2, "delete": 1, "skipped": 6}


def test_with_unverified_among_the_statuses_a_single_review_is_enough(
        reviewed: tuple[ReviewStore, pd.DataFrame, dict[str, str]], mapped: Path) -> None:
    store, table, ids = reviewed
    export = osm_edits(store, table, osm_nodes=osm_nodes_from_file(mapped), statuses=("verified", "unverified"))
    actions = {e.camera_id: e.action for e in export.edits}
    assert actions[ids["lonely"]] == "create"
    assert actions["osm:node/104"] == "delete"
    assert ids["imagery"] not in actions  # imagery never goes


def test_the_josm_file_validates_opens_with_osmium_and_matches_the_store(
        reviewed: tuple[ReviewStore, pd.DataFrame, dict[str, str]], mapped: Path, tmp_path: Path) -> None:
    store, table, ids = reviewed
    export = osm_edits(store, table, osm_nodes=osm_nodes_from_file(mapped))
    path = write_osm_export(export, tmp_path / "cameras.osm", format="josm")
    document = etree.parse(str(path))
    etree.XMLSchema(etree.fromstring(OSM_XSD.encode())).assertValid(document)
    root = document.getroot()
    assert root.get("upload") == "false"
    assert {n.get("id"): n.get("action") for n in root.iter("node")} == {
        "-1": "modify", "101": "modify", "102": "modify", "105": "modify", "103": "delete"}
    read = {n.id: (n.version, dict(n.tags), n.location.lon, n.location.lat)
            for n in osmium.FileProcessor(str(path), osmium.osm.NODE)}
    for edit in export.edits:
        version, tags, lon, lat = read[edit.node.id]
        assert tags == dict(edit.node.tags)
        assert (lon, lat) == pytest.approx((edit.node.lon, edit.node.lat), abs=1e-7)
        assert version == (edit.node.version or 0)
    # the product's own reader sees what the group agreed on
    cameras = load_cameras(path).cameras.set_index("camera_id")
    verdicts = store_verdicts(store).set_index("camera_id")
    assert tuple(cameras.loc["osm:node/-1", ["kind", "mount", "direction_deg"]]) == ("dome", "street", 90.0)
    assert cameras.loc["osm:node/-1", "observed"] == verdicts.loc[ids["new"], "last_survey_utc"][:10]
    assert tuple(cameras.loc["osm:node/101", ["kind", "operator"]]) == ("dome", "private")
    assert cameras.loc["osm:node/102", "kind"] == "ptz"  # revolving=yes kept: nobody said otherwise
    text = path.read_text(encoding="utf-8")
    for name in (*SURVEYORS, "Ana", "noon"):  # no reviewer name, no note
        assert name not in text


def test_the_osmchange_validates_and_opens_with_osmium(
        reviewed: tuple[ReviewStore, pd.DataFrame, dict[str, str]], mapped: Path, tmp_path: Path) -> None:
    store, table, _ = reviewed
    export = osm_edits(store, table, osm_nodes=osm_nodes_from_file(mapped))
    path = write_osm_export(export, tmp_path / "cameras.osc", format="osmchange")
    document = etree.parse(str(path))
    etree.XMLSchema(etree.fromstring(OSMCHANGE_XSD.encode())).assertValid(document)
    root = document.getroot()
    assert [block.tag for block in root] == ["create", "modify", "delete"]
    assert root.find("delete").get("if-unused") == "true"  # type: ignore[union-attr]
    read = {n.id: (n.deleted, dict(n.tags)) for n in osmium.FileProcessor(str(path), osmium.osm.NODE)}
    assert read[103] == (True, {})
    assert read[-1][1] == dict(export.edits[0].node.tags)
    assert read[101][1]["camera:type"] == "dome"
    assert to_osmchange(export) == path.read_text(encoding="utf-8")


def test_a_file_of_no_edit_is_still_valid(tmp_path: Path) -> None:
    store = ReviewStore(tmp_path / "empty.gpkg")
    export = osm_edits(store)
    assert export.edits == ()
    etree.XMLSchema(etree.fromstring(OSM_XSD.encode())).assertValid(etree.fromstring(to_josm(export).encode()))
    etree.XMLSchema(etree.fromstring(OSMCHANGE_XSD.encode())).assertValid(
        etree.fromstring(to_osmchange(export).encode()))


def test_an_unknown_format_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    store = ReviewStore(tmp_path / "s.gpkg")
    with pytest.raises(ReviewError, match="unknown OSM export format 'shp'; use one of josm, osmchange"):
        write_osm_export(osm_edits(store), tmp_path / "x.shp", format="shp")
    assert not (tmp_path / "x.shp").exists()
    assert set(OSM_FORMATS) == {"josm", "osmchange"}


def test_mapped_cameras_without_their_table_or_node_are_left_out_with_the_reason(tmp_path: Path) -> None:
    store = ReviewStore(tmp_path / "s.gpkg")
    for name in SURVEYORS:
        store.confirm("osm:node/9", reviewer=name, how="survey")
    export = osm_edits(store)
    assert export.edits == ()
    assert "not in the camera table in use" in export.skipped.loc[0, "reason"]


def test_real_helsinki_cameras_go_back_with_their_version_and_every_other_tag(tmp_path: Path) -> None:
    extract = get_path("helsinki")
    table = cameras_from_osm(extract).cameras
    nodes = osm_nodes_from_file(extract)
    store = ReviewStore(tmp_path / "helsinki.gpkg")
    turned, gone = "osm:node/256257146", "osm:node/311039374"
    for name in SURVEYORS:
        store.confirm(turned, reviewer=name, how="survey", camera_mount="pole", direction_deg=120)
        store.dispute(gone, reviewer=name, how="survey")
    export = osm_edits(store, table, osm_nodes=nodes)
    edits = {e.camera_id: e for e in export.edits}
    assert [edits[turned].action, edits[gone].action] == ["modify", "delete"]
    before = nodes[turned]
    after = edits[turned].node
    assert (after.id, after.version, after.lon, after.lat) == (before.id, before.version, before.lon, before.lat)
    assert {k: v for k, v in after.tags.items() if k not in edits[turned].changed} == dict(before.tags)
    assert edits[turned].changed == ("camera:direction", "camera:mount", "check_date")
    assert edits[gone].node == nodes[gone]
    path = write_osm_export(export, tmp_path / "helsinki.osm")
    etree.XMLSchema(etree.fromstring(OSM_XSD.encode())).assertValid(etree.parse(str(path)))
    read = load_cameras(path).cameras.set_index("camera_id")
    assert tuple(read.loc[turned, ["kind", "mount", "direction_deg"]]) == ("ptz", "street", 120.0)
