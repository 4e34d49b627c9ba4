"""Tests of exposure.cli.walks: the route and audit commands, their JSON, GeoJSON, GPX and CSV, and their errors."""

from __future__ import annotations

import dataclasses
import io
import json

import gpxpy
import pandas as pd
import pytest

from exposure.cli import walks
from exposure.routing import routes
from tests.cli_run import ROUTE_KEYS, run


def test_route_json_has_the_documented_keys(capsys) -> None:
    code, out, _ = run(capsys, "route", "--origin", "Rautatientori", "--destination", "Kauppatori")
    assert code == 0
    result = json.loads(out)
    assert result["origin"]["name"] == "Rautatientori"
    assert result["settings"]["frt_policy"] == "default"
    # the default coverage model, its level and whether walls cut the views, as every figure says
    assert result["settings"]["coverage"]["model"] == "dori-typical"
    assert result["settings"]["coverage"]["level"] == "identify"
    assert result["settings"]["coverage"]["walls"] is True
    assert result["settings"]["max_detour"] == 0.5
    shortest, *others = result["routes"]
    assert shortest["label"] == "shortest"
    for r in result["routes"]:
        assert set(r) >= ROUTE_KEYS
        assert r["geometry"]["type"] == "LineString"
        assert r["metres_in_view"] <= r["length_m"]
        assert r["length_m"] <= 1.5 * shortest["length_m"] + 0.1
    assert all(r["frt_cameras"] <= shortest["frt_cameras"] for r in others)


def test_route_not_proven_says_how_far_from_optimal_it_may_be(capsys, monkeypatch) -> None:
    def unproven(*args, **kwargs):  # as the search answers at its time limit: a bound below the route's count
        found = routes(*args, **kwargs)
        last = found[-1]
        return [*found[:-1], dataclasses.replace(last, optimal=False, lower_bound_frt=max(0, last.frt_cameras - 1))]

    monkeypatch.setattr(walks, "routes", unproven)
    code, out, err = run(capsys, "route", "--origin", "Rautatientori", "--destination", "Senaatintori")
    assert code == 0
    last = json.loads(out)["routes"][-1]
    n, m = last["lower_bound_frt"], last["frt_cameras"]
    assert (last["optimal"], last["gap"]) == (False, m - n)
    assert last["proof"].startswith("not proven (time limit): ")
    assert f"note: {last['label']}: {last['proof']}" in err


def test_route_alternatives_geojson_and_uniform_radius(capsys) -> None:
    code, out, _ = run(capsys, "route", "--origin", "60.1709,24.9414", "--destination", "Senaatintori",
                       "--alternatives", "3", "--radius-m", "25", "--format", "geojson")
    assert code == 0
    fc = json.loads(out)
    assert fc["type"] == "FeatureCollection"
    assert fc["settings"]["coverage"] == {
        "model": "uniform disc", "radius_m": 25.0, "level": "identify", "walls": False,
        "walls_note": "a uniform 25 m disc is not cut by walls"}
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


def test_audit_jyvaskyla_walk(capsys, shared_data) -> None:
    code, out, _ = run(capsys, "audit", "--track", str(shared_data / "jyvaskyla" / "walk1.gpx"),
                       "--cameras", str(shared_data / "jyvaskyla" / "cameras.csv"), "--radius-m", "10")
    assert code == 0
    result = json.loads(out)
    for key in ("length_m", "cameras", "camera_ids", "metres_in_view", "share_in_view", "per_camera"):
        assert key in result
    assert 0 < result["metres_in_view"] <= result["length_m"]
    assert result["cameras"] == len(result["camera_ids"]) > 0


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
    # the audit stands (the walk has no camera data in Helsinki's), and the comparison says plainly why there is none
    code, out, err = run(capsys, "audit", "--track", str(shared_data / "jyvaskyla" / "walk1.gpx"), "--compare")
    assert code == 0, err
    result = json.loads(out)
    assert result["settings"]["counting"]["case"] == "no-data"
    assert "note: No camera data covers this walk" in err
    (compared,) = result["compare"]
    assert compared["compared"] is False
    assert compared["reason"].startswith("it lies outside the streets of dataset 'helsinki', so no route comparison "
                                         "is possible there")
    assert "track 1 not compared: it lies outside the streets of dataset 'helsinki'" in err


def test_audit_with_the_cameras_of_the_place_counts_them_and_says_no_comparison_is_possible(capsys,
                                                                                            shared_data) -> None:
    cameras, walk = shared_data / "jyvaskyla" / "cameras.csv", shared_data / "jyvaskyla" / "walk1.gpx"
    code, out, err = run(capsys, "audit", "--track", str(walk), "--cameras", str(cameras), "--compare")
    assert code == 0, err
    result = json.loads(out)
    assert result["cameras"] > 0
    assert result["settings"]["counting"]["case"] == "counted"
    assert result["settings"]["counting"]["notice"] == ""
    (compared,) = result["compare"]
    assert compared["compared"] is False
    assert "no route comparison is possible there" in compared["reason"]


def test_audit_reports_the_gaps_of_a_sparse_walk(capsys, shared_data) -> None:
    cameras, walk = shared_data / "jyvaskyla" / "cameras.csv", shared_data / "jyvaskyla" / "walk4.gpx"
    code, out, err = run(capsys, "audit", "--track", str(walk), "--cameras", str(cameras), "--radius-m", "10")
    assert code == 0, err
    result = json.loads(out)
    assert [round(g["straight_m"]) for g in result["gaps"]] == [272, 162]
    assert result["unknown_m"] == pytest.approx(sum(g["straight_m"] for g in result["gaps"]), abs=0.2)
    assert result["cameras"] < 15  # not the cameras along a straight line through the gaps
    assert "with no street network given to fill them" in err
    code, out, err = run(capsys, "audit", "--track", str(walk), "--cameras", str(cameras), "--radius-m", "10",
                         "--dataset", "helsinki")
    assert code == 0, err
    assert "off the dataset's streets" in err  # Jyväskylä's streets are in no dataset here


def test_the_jyvaskyla_walk_is_audited_with_the_file_own_radius_by_default(capsys, shared_data) -> None:
    jyvaskyla = shared_data / "jyvaskyla"
    code, out, err = run(capsys, "audit", "--track", str(jyvaskyla / "walk1.gpx"), "--cameras",
                         str(jyvaskyla / "cameras.csv"))
    assert code == 0, err
    result = json.loads(out)
    assert result["cameras"] == 13
    assert result["share_in_view"] == pytest.approx(0.22, abs=0.01)
    assert result["settings"]["coverage"]["walls_note"] == "no building data: views are not cut by walls"
    code, out, err = run(capsys, "audit", "--track", str(jyvaskyla / "walk1.gpx"), "--cameras",
                         str(jyvaskyla / "cameras.csv"), "--coverage-model", "per-kind")
    assert code == 0, err
    assert json.loads(out)["share_in_view"] > 0.8  # today's per-kind radii
