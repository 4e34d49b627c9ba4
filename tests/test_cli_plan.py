"""Tests of exposure.cli.plan: the plan command, its plan file, formats and readable errors."""

from __future__ import annotations

import json

import gpxpy
import pytest

from tests.cli_run import ROUTE_KEYS, run

PLAN_KEYS = {"schema", "schema_version", "request", "settings", "feasible", "notes", "failures", "summary",
             "totals", "journeys", "regroup"}


JOURNEY_KEYS = {"name", "direction", "stops", "feasible", "breaks", "relaxed", "route", "shortest", "legs"}


def test_plan_json_has_the_documented_keys(capsys) -> None:
    code, out, err = run(capsys, "plan", "--site", "Senaatintori", "--from", "Rautatientori", "--from",
                         "Narinkkatori", "--from", "60.1674,24.9518", "--via", "Esplanadi", "--to", "Kappeli",
                         "--regroup-radius", "250")
    assert code == 0, err
    plan = json.loads(out)
    assert set(plan) == PLAN_KEYS
    assert plan["schema"] == "exposure-plan"
    assert plan["schema_version"] == 3
    assert plan["feasible"] is True
    assert plan["settings"]["objective"] == "fewest-cameras"
    assert [j["direction"] for j in plan["journeys"]] == ["in", "in", "in", "out"]
    for journey in plan["journeys"]:
        assert set(journey) == JOURNEY_KEYS
        assert set(journey["route"]) >= ROUTE_KEYS
        assert journey["route"]["frt_cameras"] <= journey["shortest"]["frt_cameras"]
    assert plan["journeys"][0]["stops"] == ["Rautatientori", "Esplanadi", "Senaatintori"]
    assert len(plan["journeys"][0]["legs"]) == 2
    assert "geometry" not in plan["journeys"][0]["legs"][0]["route"]
    assert {t["journey"] for t in plan["totals"]} == {"all ways in", "all ways out"}
    assert 1 <= len(plan["regroup"]) <= 8
    assert set(plan["regroup"][0]) == {"rank", "name", "lat", "lon", "distance_m", "frt_cameras", "camera_ids"}
    assert "planned 4 journeys" in err


def test_plan_avoidances_and_least_bad_route(capsys, tmp_path) -> None:
    areas = tmp_path / "avoid.geojson"
    areas.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Kettle", "radius_m": 60},
         "geometry": {"type": "Point", "coordinates": [24.9507561, 60.1689877]}}]}))
    code, out, err = run(capsys, "plan", "--site", "Senaatintori", "--from", "Rautatientori", "--avoid", str(areas),
                         "--no-frt-cameras")
    assert code == 0
    plan = json.loads(out)
    assert plan["feasible"] is False
    (journey,) = plan["journeys"]
    assert journey["route"]["label"] == "least bad"
    assert any("enters the avoided area 'Kettle'" in b for b in journey["breaks"])
    assert "warning: no route from Rautatientori to Senaatintori avoids everything asked" in err
    assert plan["request"]["avoid"]["no_frt_cameras"] is True
    code, out, _ = run(capsys, "plan", "--site", "Senaatintori", "--from", "Kauppatori", "--avoid",
                       "60.1700,24.9450,40", "--avoid-camera", "osm:node/316412602")
    assert code == 0
    plan = json.loads(out)
    assert plan["feasible"] is True
    assert "osm:node/316412602" not in plan["journeys"][0]["route"]["camera_ids"]
    assert plan["request"]["avoid"]["areas"]["features"][0]["properties"]["radius_m"] == 40.0


@pytest.mark.parametrize("fmt", ["gpx", "kml", "geojson", "pdf"])
def test_plan_formats(capsys, tmp_path, fmt) -> None:
    out_file = tmp_path / f"plan.{fmt}"
    code, _, err = run(capsys, "plan", "--site", "Senaatintori", "--from", "Rautatientori", "--from", "Kauppatori",
                       "--format", fmt, "--out", str(out_file))
    assert code == 0, err
    if fmt == "gpx":
        from tests.test_export import validate_gpx

        validate_gpx(out_file.read_text())
        assert len(gpxpy.parse(out_file.read_text()).tracks) == 2
    elif fmt == "kml":
        from tests.test_export import validate_kml

        validate_kml(out_file.read_text())
    elif fmt == "geojson":
        assert json.loads(out_file.read_text())["type"] == "FeatureCollection"
    else:
        assert out_file.read_bytes().startswith(b"%PDF")


def test_plan_saves_and_plans_again_from_a_file(capsys, tmp_path) -> None:
    saved = tmp_path / "plan.json"
    points = tmp_path / "points.csv"
    points.write_text("name,lat,lon\nStation,60.17077,24.94264\nBad,x,y\n")
    code, _, err = run(capsys, "plan", "--site", "Senaatintori", "--from-file", str(points), "--objective",
                       "least-time-in-view", "--out", str(saved))
    assert code == 0
    assert "row 3 left out" in err
    first = json.loads(saved.read_text())
    code, out, _ = run(capsys, "plan", "--plan", str(saved))
    assert code == 0
    again = json.loads(out)
    assert again["request"]["gathering"][0]["name"] == "Station"
    assert again["settings"]["objective"] == "least-time-in-view"
    assert again["journeys"] == first["journeys"]
    code, _, err = run(capsys, "plan", "--plan", str(saved), "--from", "Kauppatori")
    assert code == 2
    assert "leave out --from" in err


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "Kauppatori"], "plan needs --site"),
    (["--site", "Senaatintori"], "at least one gathering point"),
    (["--site", "Senaatintori", "--from", "Kauppatori", "--avoid-camera", "nope"], "camera 'nope' is not among"),
    (["--site", "Senaatintori", "--from", "Kauppatori", "--avoid", "1,2"], "cannot be read"),
    (["--site", "Senaatintori", "--from", "Kauppatori", "--avoid", "60.17,24.94,x"], "three numbers"),
])
def test_plan_errors_are_readable(capsys, args, message) -> None:
    code, out, err = run(capsys, "plan", *args)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err


def test_plan_takes_a_named_point_of_ones_own(capsys) -> None:
    code, out, err = run(capsys, "plan", "--site", "Senaatintori", "--from", "Meeting point | 60.1700,24.9410")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["journeys"][0]["stops"] == ["Meeting point", "Senaatintori"]
    gathering = plan["request"]["gathering"][0]
    assert gathering["name"] == "Meeting point"
    assert (round(gathering["lat"], 4), round(gathering["lon"], 4)) == (60.17, 24.941)


def test_plan_keeps_the_avoided_area_first_and_takes_a_keep_order(capsys) -> None:
    args = ("plan", "--site", "Senaatintori (Senate Square)", "--from", "Rautatientori (Railway Square)", "--via",
            "Esplanadi park", "--avoid", "60.1700,24.9450,80", "--no-frt-cameras")
    code, out, err = run(capsys, *args)
    assert code == 0, err
    plan = json.loads(out)
    (journey,) = plan["journeys"]
    assert not any("enters the avoided area" in b for b in journey["breaks"])
    assert journey["relaxed"] == ["no-frt-cameras"]
    assert plan["request"]["keep_order"] == ["avoided-areas", "avoided-cameras", "no-frt-cameras", "max-detour"]
    assert "it relaxes no-frt-cameras" in err
    code, out, err = run(capsys, *args, "--keep-order", "no-frt-cameras,max-detour")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["request"]["keep_order"] == ["no-frt-cameras", "max-detour", "avoided-areas", "avoided-cameras"]
    assert plan["settings"]["keep_order"] == plan["request"]["keep_order"]
    code, out, err = run(capsys, *args, "--keep-order", "areas")
    assert code == 2
    assert "--keep-order: 'areas' is not one of avoided-areas" in err


def test_a_misspelt_gathering_point_is_flagged_and_the_others_are_planned(capsys) -> None:
    code, out, err = run(capsys, "plan", "--site", "Senaatintori", "--from", "Rautatientori", "--from",
                         "Rautatientoro", "--from", "Kauppatori")
    assert code == 0, err
    plan = json.loads(out)
    assert [j["stops"][0] for j in plan["journeys"]] == ["Rautatientori", "Kauppatori"]
    (failure,) = plan["failures"]
    assert (failure["role"], failure["number"], failure["text"]) == ("gathering", 2, "Rautatientoro")
    assert "warning: gathering point 2 'Rautatientoro': " in err
    code, out, err = run(capsys, "plan", "--site", "Senaatintori", "--from", "Rautatientoro")
    assert code == 2
    assert "no gathering or dispersal point could be used: gathering point 1 'Rautatientoro'" in err


def test_a_plan_file_keeps_the_coverage_model_and_level_it_was_planned_under(capsys, tmp_path) -> None:
    path = tmp_path / "plan.json"
    code, _, err = run(capsys, "plan", "--site", "Senaatintori", "--from", "Rautatientori", "--coverage-model",
                       "kamerafrei", "--level", "recognise", "--out", str(path))
    assert code == 0, err
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert (saved["request"]["coverage_model"], saved["request"]["level"]) == ("kamerafrei", "recognise")
    assert (saved["settings"]["coverage"]["model"], saved["settings"]["coverage"]["level"]) == (
        "kamerafrei", "recognise")
    code, out, err = run(capsys, "plan", "--plan", str(path))
    assert code == 0, err
    again = json.loads(out)
    assert again["settings"]["coverage"]["model"] == "kamerafrei"
    assert again["journeys"][0]["route"]["camera_ids"] == saved["journeys"][0]["route"]["camera_ids"]
    # the options win over the file
    code, out, err = run(capsys, "plan", "--plan", str(path), "--coverage-model", "per-kind")
    assert code == 0, err
    assert json.loads(out)["settings"]["coverage"]["model"] == "per-kind"


def test_a_new_plan_file_names_the_default_model_and_level(capsys, tmp_path) -> None:
    path = tmp_path / "plan.json"
    code, _, err = run(capsys, "plan", "--site", "Senaatintori", "--from", "Rautatientori", "--out", str(path))
    assert code == 0, err
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert (saved["request"]["coverage_model"], saved["request"]["level"]) == ("dori-typical", "identify")
