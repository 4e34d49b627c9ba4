"""Tests of exposure.planning.files: plan files round-trip, and bad or hostile ones are one-line plan errors."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exposure._errors import PlanError
from exposure.datasets import load_dataset
from exposure.planning.avoid import Avoidance, area_around, area_from_vertices
from exposure.planning.files import read_plan
from exposure.planning.plan import PLAN_SCHEMA_VERSION, PlanRequest, make_plan
from exposure.planning.relax import KEEP_ORDER
from tests.hostile import one_line, outcome
from tests.plans import LIMIT, at


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


@pytest.fixture(scope="module")
def ctx(helsinki):
    return helsinki.context()


def test_plan_file_round_trip(helsinki, ctx, tmp_path):
    request = PlanRequest(
        site=at(helsinki, "Senaatintori"), gathering=(at(helsinki, "Rautatientori"), at(helsinki, "Kauppatori")),
        via=(at(helsinki, "Esplanadi"),), dispersal=(at(helsinki, "Narinkkatori"),),
        avoid=Avoidance(areas=(area_around(60.1700, 24.9450, 50.0, name="HQ"),
                               area_from_vertices([(60.168, 24.940), (60.169, 24.941), (60.168, 24.942)],
                                                  name="Drawn")),
                        cameras=(str(ctx.camera_ids[0]),), no_frt_cameras=False),
        objective="least-time-in-view", max_detour=0.3, regroup_radius_m=250.0, dataset="helsinki",
        keep_order=("no-frt-cameras", "avoided-areas", "avoided-cameras", "max-detour"),
    )
    plan = make_plan(ctx, request, cameras=helsinki.cameras, time_limit_s=LIMIT)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan.to_dict(), allow_nan=False))
    back = read_plan(path)
    assert back.objective == "least-time-in-view"
    assert back.max_detour == 0.3
    assert back.regroup_radius_m == 250.0
    assert back.dataset == "helsinki"
    assert [p.name for p in back.gathering] == ["Rautatientori", "Kauppatori"]
    assert back.site.lat == pytest.approx(request.site.lat, abs=1e-7)
    assert [a.name for a in back.avoid.areas] == ["HQ", "Drawn"]
    assert back.avoid.areas[0].radius_m == 50.0
    assert back.avoid.cameras == request.avoid.cameras
    assert back.keep_order == request.keep_order
    again = make_plan(ctx, back, cameras=helsinki.cameras, time_limit_s=LIMIT)
    assert [j.route.edges for j in again.journeys] == [j.route.edges for j in plan.journeys]
    assert read_plan(path.read_bytes(), name="plan.json").site.name == "Senaatintori"


def plan_file(version: int = 1, **request_changes) -> dict:
    request = {"site": {"name": "S", "lat": 60.169, "lon": 24.952}, "gathering": [{"name": "G", "lat": 60.17,
               "lon": 24.94}]}
    request.update(request_changes)
    return {"schema": "exposure-plan", "schema_version": version, "request": request}


def test_a_version_1_plan_file_reads_with_the_default_keep_order():
    assert read_plan(plan_file()).keep_order == KEEP_ORDER
    assert read_plan(plan_file(2)).keep_order == KEEP_ORDER
    assert read_plan(plan_file(2, keep_order=["max-detour"])).keep_order == (
        "max-detour", "avoided-areas", "avoided-cameras", "no-frt-cameras")


def test_a_plan_file_keeps_its_coverage_model_and_level_and_an_older_one_reads_as_per_kind():
    assert PLAN_SCHEMA_VERSION == 3
    for version in (1, 2):
        old = read_plan(plan_file(version, coverage_model="dori-high", level="observe"))
        # planned before coverage models existed, under today's per-kind discs
        assert (old.coverage_model, old.level) == ("per-kind", "identify")
    new = read_plan(plan_file(3, coverage_model="kamerafrei", level="recognise"))
    assert (new.coverage_model, new.level) == ("kamerafrei", "recognise")
    assert (read_plan(plan_file(3)).coverage_model, read_plan(plan_file(3)).level) == (None, None)
    assert new.to_dict()["coverage_model"] == "kamerafrei"
    assert new.to_dict()["level"] == "recognise"
    with pytest.raises(PlanError, match=r"request\.level is 'glimpse'; choose one of identify, recognise, observe"):
        read_plan(plan_file(3, level="glimpse"))
    with pytest.raises(PlanError, match=r"request\.coverage_model must be a coverage model's name or file"):
        read_plan(plan_file(3, coverage_model=7))


@pytest.mark.parametrize(("content", "match"), [
    ([1, 2], "a plan file holds a JSON object, not list"),
    ({"schema": "other"}, "not a plan file"),
    ({**plan_file(), "schema_version": PLAN_SCHEMA_VERSION + 1}, "newer version .* update it"),
    ({**plan_file(), "schema_version": "1"}, "'schema_version' must be a whole number"),
    ({"schema": "exposure-plan", "schema_version": 1}, "'request' is missing"),
    (plan_file(site={"name": "S", "lon": 24.9}), r"request.site: 'lat' is missing"),
    (plan_file(gathering=[{"name": "G", "lat": 60.1, "lon": 24.9}, {"name": "H", "lat": "abc", "lon": 24.9}]),
     r"request.gathering\[1\]: latitude 'abc'"),
    (plan_file(gathering=[{"name": "G", "lat": 124.9, "lon": 60.2}]), r"request.gathering\[0\]: .*look swapped"),
    (plan_file(gathering={"name": "G"}), "request.gathering must be a list"),
    (plan_file(objective="fastest"), "request.objective is 'fastest'"),
    (plan_file(2, keep_order="max-detour"), "request.keep_order must be a list of names"),
    (plan_file(2, keep_order=["detour"]), r"request.keep_order: 'detour' is not one of avoided-areas"),
    (plan_file(2, keep_order=[1]), r"request.keep_order: 1 is not one of"),
    (plan_file(max_detour=-1), "request.max_detour must be a number >= 0"),
    (plan_file(avoid={"cameras": "osm:1"}), "request.avoid.cameras must be a list"),
    (plan_file(avoid={"no_frt_cameras": "yes"}), "request.avoid.no_frt_cameras must be true or false"),
    (plan_file(avoid={"areas": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[24.9, 60.1], [24.91, 60.1]]},
         "properties": {}}]}}), "request.avoid.areas, feature 1: a LineString, not a Polygon"),
])
def test_bad_plan_files_say_what_is_wrong(content, match):
    with pytest.raises(PlanError, match=match):
        read_plan(json.dumps(content).encode(), name="plan.json")


def test_plan_file_that_is_not_json(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text("{not json")
    with pytest.raises(PlanError, match=r"plan.json: not valid JSON \(line 1"):
        read_plan(path)
    with pytest.raises(PlanError, match="cannot be read"):
        read_plan(tmp_path / "missing.json")


BIG = "1" + "0" * 400


@pytest.mark.parametrize(("text", "match"), [
    ("[" * 50_000 + "]" * 50_000, r"not valid JSON \(arrays and objects nested 50,000 levels deep, over the limit "
                                  r"of 64 \(exposure\.settings\.max_json_depth\)"),
    ('{"schema": "exposure-plan", "schema_version": ' + BIG + "}", r"'schema_version' must be a whole number >= 1, "
                                                                  r"not inf"),
    ('{"schema": "exposure-plan", "schema_version": 1, "request": {"site": {"lat": ' + BIG + ', "lon": 24.9}}}',
     r"request\.site: \(inf, 24\.9\) is not a valid latitude, longitude"),
    ('{"schema": "exposure-plan", "schema_version": 1, "request": {"site": {"lat": NaN, "lon": 24.9}}}',
     r"request\.site: \(nan, 24\.9\) is not a valid latitude"),
    ('{"schema": "exposure-plan", "schema_version": 1, "request": {"site": {"lat": 60.1, "lon": 24.9}, '
     '"max_detour": ' + BIG + "}}", r"request\.max_detour must be a number >= 0, not inf"),
    ('{"schema": "exposure-plan", "schema_version": 1, "request": {"site": {"lat": 60.1, "lon": 24.9}, '
     '"objective": ["x"]}}', r"request\.objective is \['x'\]"),
])
def test_hostile_plan_files_are_one_line_plan_errors(text: str, match: str) -> None:
    with pytest.raises(PlanError, match=match) as info:
        read_plan(text.encode(), name="plan.json")
    assert "\n" not in str(info.value)


def test_plan_size_limits(monkeypatch) -> None:
    from exposure import settings as exposure_settings

    monkeypatch.setattr(exposure_settings, "max_plan_points", 2)
    points = [{"name": f"G{i}", "lat": 60.17, "lon": 24.94} for i in range(3)]
    with pytest.raises(PlanError, match=r"request\.gathering: 3 points, over the limit of 2 "
                                        r"\(exposure\.settings\.max_plan_points\); plan fewer at a time"):
        read_plan(json.dumps(plan_file(gathering=points)).encode())
    monkeypatch.setattr(exposure_settings, "max_avoid_items", 1)
    cams = plan_file(avoid={"cameras": ["a", "b"]})
    with pytest.raises(PlanError, match=r"request\.avoid\.cameras: 2 cameras to avoid, over the limit of 1 "
                                        r"\(exposure\.settings\.max_avoid_items\)"):
        read_plan(json.dumps(cams).encode())
    monkeypatch.setattr(exposure_settings, "max_plan_file_mb", 0.0001)
    with pytest.raises(PlanError, match=r"plan\.json: the plan file is 0\.0 MB, over the limit of 0\.0001 MB "
                                        r"\(exposure\.settings\.max_plan_file_mb\)"):
        read_plan(json.dumps(plan_file()).encode() * 3, name="plan.json")


_PLAN_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
    | st.sampled_from([10**400, 60.17, 24.94, "fewest-cameras", "exposure-plan", 1]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["schema", "schema_version", "request", "site", "gathering", "dispersal", "via", "lat", "lon",
                         "name", "avoid", "areas", "cameras", "no_frt_cameras", "objective", "max_detour",
                         "regroup_radius_m", "type", "features", "geometry", "coordinates", "properties",
                         "radius_m"]), inner, max_size=5),
    max_leaves=30,
)


@given(request=_PLAN_VALUES)
@settings(max_examples=300, deadline=None)
def test_any_plan_file_reads_or_is_one_plan_error(request: object) -> None:
    data = {"schema": "exposure-plan", "schema_version": 1, "request": request}
    text = json.dumps(data).replace("1" + "0" * 400 + ".0", BIG)
    _, message = outcome(lambda: read_plan(text.encode(), name="fuzz.json"), PlanError)
    assert one_line(message)


@pytest.mark.parametrize("areas", [True, "areas.geojson", 3, ["a"]])
def test_areas_that_are_no_geojson_object_are_one_plan_error(areas: object) -> None:
    data = {"schema": "exposure-plan", "schema_version": 1, "request": {"avoid": {"areas": areas}}}
    with pytest.raises(PlanError, match=r"request\.avoid\.areas must be a GeoJSON object"):
        read_plan(json.dumps(data).encode(), name="plan.json")
