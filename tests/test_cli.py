"""The command line: JSON/GeoJSON/GPX out, stable keys, readable errors with exit status 2."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys

import gpxpy
import osmnx as ox
import pandas as pd
import pytest

from exposure.cli import main

ROUTE_KEYS = {"label", "objective", "length_m", "walk_min", "cameras", "frt_cameras", "camera_ids",
              "metres_in_view", "share_in_view", "optimal", "geometry"}


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_route_json_has_the_documented_keys(capsys) -> None:
    code, out, _ = run(capsys, "route", "--origin", "Rautatientori", "--destination", "Kauppatori")
    assert code == 0
    result = json.loads(out)
    assert result["origin"]["name"] == "Rautatientori"
    assert result["settings"]["frt_policy"] == "default"
    assert result["settings"]["coverage"]["model"].startswith("per-kind")
    assert result["settings"]["max_detour"] == 0.5
    shortest, *others = result["routes"]
    assert shortest["label"] == "shortest"
    for r in result["routes"]:
        assert set(r) >= ROUTE_KEYS
        assert r["geometry"]["type"] == "LineString"
        assert r["metres_in_view"] <= r["length_m"]
        assert r["length_m"] <= 1.5 * shortest["length_m"] + 0.1
    assert all(r["frt_cameras"] <= shortest["frt_cameras"] for r in others)


def test_route_alternatives_geojson_and_uniform_radius(capsys) -> None:
    code, out, _ = run(capsys, "route", "--origin", "60.1709,24.9414", "--destination", "Senaatintori",
                       "--alternatives", "3", "--radius-m", "25", "--format", "geojson")
    assert code == 0
    fc = json.loads(out)
    assert fc["type"] == "FeatureCollection"
    assert fc["settings"]["coverage"] == {"model": "uniform disc", "radius_m": 25.0}
    assert 1 <= len(fc["features"]) <= 5
    counts = [f["properties"]["frt_cameras"] for f in fc["features"]]
    assert counts[0] == max(counts)


def test_route_gpx_to_file(capsys, tmp_path) -> None:
    out_file = tmp_path / "routes.gpx"
    code, _, _ = run(capsys, "route", "--origin", "Rautatientori", "--destination", "Senaatintori",
                     "--objective", "least-time-in-view", "--format", "gpx", "--out", str(out_file))
    assert code == 0
    gpx = gpxpy.parse(out_file.read_text())
    assert gpx.tracks[0].name == "shortest"
    assert all(len(t.segments[0].points) >= 2 for t in gpx.tracks)


def test_unknown_place_is_a_readable_error(capsys) -> None:
    code, out, err = run(capsys, "route", "--origin", "Senaattori", "--destination", "Kauppatori")
    assert code == 2
    assert out == ""
    assert "error: no place called 'Senaattori'" in err
    assert "Senaatintori" in err
    assert "Traceback" not in err


def test_bad_policy_is_a_readable_error(capsys) -> None:
    code, _, err = run(capsys, "route", "--origin", "Rautatientori", "--destination", "Kauppatori",
                       "--frt-policy", "nonsense")
    assert code == 2
    assert "nonsense" in err


def test_cameras_csv_and_rejection_report(capsys, tmp_path) -> None:
    src = tmp_path / "cams.csv"
    src.write_text("lat,lon,kind\n60.17,24.94,dome\n95,24.94,dome\n60.16,24.95,laser\n")
    code, out, err = run(capsys, "cameras", "--source", str(src), "--format", "csv")
    assert code == 0
    assert len(out.strip().splitlines()) == 2  # header + the one good row
    assert "2 row(s) rejected" in err
    assert "lat" in err
    assert "kind" in err


def test_cameras_geojson_from_the_dataset(capsys) -> None:
    code, out, _ = run(capsys, "cameras", "--format", "geojson")
    assert code == 0
    assert len(json.loads(out)["features"]) == 221


def test_cameras_summary_prints_the_published_table_shape(capsys, shared_data) -> None:
    path = str(shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv")
    code, out, _ = run(capsys, "cameras", "--source", path, "--summary")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == ("borough,intersections,cameras,street_cameras,dome,bullet,type_unknown,"
                        "cameras_per_intersection")
    assert lines[1] == "Brooklyn,10377,9216,869,595,109,165,0.8881"
    assert lines[2].startswith("Total,10377,9216,")
    code, out, _ = run(capsys, "cameras", "--source", path, "--summary", "--format", "json",
                       "--decode-total", "n_cameras")
    assert code == 0
    data = json.loads(out)
    assert data["decode_total"] == "n_cameras"
    assert data["rows"][0]["cameras"] == 10_448
    assert data["verification"] == ["disputed", "unverified", "verified"]
    assert run(capsys, "cameras", "--summary")[0] == 2
    code, _, err = run(capsys, "cameras", "--source", path, "--summary", "--format", "geojson")
    assert code == 2
    assert "--format csv or --format json" in err


def test_decode_total_option_keeps_the_old_rule_available(capsys, shared_data) -> None:
    path = str(shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv")
    counts = {}
    for rule in ("attachments", "n_cameras"):
        code, out, _ = run(capsys, "cameras", "--source", path, "--decode-total", rule, "--format", "json")
        assert code == 0
        counts[rule] = len(json.loads(out))
    assert counts == {"attachments": 9_216, "n_cameras": 10_448}
    code, out, _ = run(capsys, "density", "--cameras", path, "--areas", "nyc-borough", "--format", "json",
                       "--decode-total", "n_cameras")
    assert code == 0
    data = json.loads(out)
    assert data["settings"]["decode_total"] == "n_cameras"
    assert 10_000 < sum(r["cameras"] or 0 for r in data["rows"]) <= 10_448  # the old rule was used


def test_network_graphml_loads_in_osmnx(capsys, tmp_path) -> None:
    path = tmp_path / "helsinki.graphml"
    code, _, err = run(capsys, "network", "--format", "graphml", "--out", str(path))
    assert code == 0
    assert "wrote" in err
    G = ox.load_graphml(path)
    assert G.number_of_nodes() > 2000
    assert G.graph["crs"] == "EPSG:4326"


def test_network_graphml_needs_out(capsys) -> None:
    code, _, err = run(capsys, "network", "--format", "graphml")
    assert code == 2
    assert "--out" in err


def test_audit_jyvaskyla_walk(capsys, shared_data) -> None:
    code, out, _ = run(capsys, "audit", "--track", str(shared_data / "jyvaskyla" / "walk1.gpx"),
                       "--cameras", str(shared_data / "jyvaskyla" / "cameras.csv"), "--radius-m", "10")
    assert code == 0
    result = json.loads(out)
    for key in ("length_m", "cameras", "camera_ids", "metres_in_view", "share_in_view", "per_camera"):
        assert key in result
    assert 0 < result["metres_in_view"] <= result["length_m"]
    assert result["cameras"] == len(result["camera_ids"]) > 0


def test_python_dash_m_entry_point() -> None:
    proc = subprocess.run([sys.executable, "-m", "exposure", "--help"], capture_output=True, text=True,
                          check=False, timeout=60)
    assert proc.returncode == 0
    assert "route" in proc.stdout
    assert "audit" in proc.stdout


@pytest.mark.parametrize("args", [["route", "--origin", "x"], ["bogus"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2


# --- plan ---------------------------------------------------------------------------------------

PLAN_KEYS = {"schema", "schema_version", "request", "settings", "feasible", "notes", "summary", "totals",
             "journeys", "regroup"}
JOURNEY_KEYS = {"name", "direction", "stops", "feasible", "breaks", "route", "shortest", "legs"}


def test_plan_json_has_the_documented_keys(capsys) -> None:
    code, out, err = run(capsys, "plan", "--site", "Senaatintori", "--from", "Rautatientori", "--from",
                         "Narinkkatori", "--from", "60.1674,24.9518", "--via", "Esplanadi", "--to", "Kappeli",
                         "--regroup-radius", "250")
    assert code == 0, err
    plan = json.loads(out)
    assert set(plan) == PLAN_KEYS
    assert plan["schema"] == "exposure-plan"
    assert plan["schema_version"] == 1
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
def test_audit_of_a_four_track_file_totals_its_tracks(capsys, shared_data, tmp_path) -> None:
    walks = [shared_data / "jyvaskyla" / f"walk{i}.gpx" for i in range(1, 5)]
    merged = gpxpy.parse(walks[0].read_text(encoding="utf-8"))
    for path in walks[1:]:
        merged.tracks.extend(gpxpy.parse(path.read_text(encoding="utf-8")).tracks)
    four = tmp_path / "four.gpx"
    four.write_text(merged.to_xml(), encoding="utf-8")
    cameras = str(shared_data / "jyvaskyla" / "cameras.csv")
    lengths = []
    for walk in walks:
        code, out, _ = run(capsys, "audit", "--track", str(walk), "--cameras", cameras, "--radius-m", "10")
        assert code == 0
        lengths.append(json.loads(out)["length_m"])
    code, out, _ = run(capsys, "audit", "--track", str(four), "--cameras", cameras, "--radius-m", "10")
    assert code == 0
    result = json.loads(out)
    assert result["length_m"] == pytest.approx(sum(lengths), abs=0.2)  # no line across the gaps between walks
    assert [t["length_m"] for t in result["tracks"]] == lengths
    code, out, _ = run(capsys, "audit", "--track", str(four), "--cameras", cameras, "--radius-m", "10",
                       "--format", "csv", "--table", "tracks")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert table["track"].astype(str).tolist() == ["1", "2", "3", "4", "total"]
    assert table["length_m"].iloc[:4].tolist() == lengths
    assert table["length_m"].iloc[-1] == result["length_m"]
    assert table["cameras"].iloc[-1] == result["cameras"] <= table["cameras"].iloc[:4].sum()


def test_audit_compare_says_what_each_walk_could_have_avoided(capsys, tmp_path) -> None:
    walked = tmp_path / "walked.gpx"
    code, _, err = run(capsys, "route", "--origin", "Narinkkatori", "--destination", "Senaatintori",
                       "--format", "gpx", "--out", str(walked))
    assert code == 0, err
    code, out, err = run(capsys, "audit", "--track", str(walked), "--compare")
    assert code == 0, err
    result = json.loads(out)
    shortest, fewest = result["compare"]  # the planner's GPX holds two walks: each compared on its own
    assert shortest["track"] == 1
    assert shortest["compared"] is True
    assert shortest["walk"]["frt_cameras"] == result["tracks"][0]["frt_cameras"]
    assert shortest["route"]["frt_cameras"] < shortest["walk"]["frt_cameras"]
    assert shortest["difference"]["frt_cameras"] == shortest["route"]["frt_cameras"] - shortest["walk"]["frt_cameras"]
    assert shortest["text"].startswith(f"your walk: {shortest['walk']['frt_cameras']} FRT cameras")
    assert fewest["route"]["frt_cameras"] == fewest["walk"]["frt_cameras"]  # nothing left to avoid
    code, _, err = run(capsys, "audit", "--track", str(walked), "--compare", "--dataset", "helsinki")
    assert code == 0


def test_audit_compare_of_a_walk_elsewhere_names_the_dataset(capsys, shared_data) -> None:
    code, _, err = run(capsys, "audit", "--track", str(shared_data / "jyvaskyla" / "walk1.gpx"), "--compare")
    assert code == 2
    assert "lies outside dataset 'helsinki'" in err


@pytest.mark.parametrize("command", [["density"], ["watched", "--cameras", "x.csv"]])
def test_density_and_watched_have_no_radius_that_does_nothing(command: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main([*command, "--radius-m", "25"])
    assert info.value.code == 2
    assert "unrecognized arguments: --radius-m 25" in capsys.readouterr().err


def test_every_subcommand_describes_itself_and_its_format_and_objective() -> None:
    from exposure.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        assert len(command.description or "") > 40, name
        for action in command._actions:
            if action.option_strings and action.option_strings[0] in ("--format", "--objective"):
                assert action.help, (name, action.option_strings)
                default = action.default if action.default is not None else "required"
                assert f"[{default}]" in action.help or "(required)" in action.help, (name, action.help)


@pytest.mark.parametrize("args", [
    ["route", "--origin", "Rautatientori", "--destination", "Kauppatori", "--objective", "shortest"],
    ["cameras"],
    ["network", "--format", "geojson"],
])
def test_every_out_says_where_it_wrote(capsys, tmp_path, args: list[str]) -> None:
    out = tmp_path / "result.txt"
    code, stdout, err = run(capsys, *args, "--out", str(out))
    assert code == 0
    assert stdout == ""
    assert f"wrote {out}" in err
    assert out.stat().st_size > 0
