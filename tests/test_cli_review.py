"""Tests of exposure.cli.review: the review command's actions, their JSON and errors, and --store on other commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import osmium
import pytest

from exposure import settings
from exposure.review import ReviewStore, default_store_path
from tests.cli_run import run

# a point on the shortest walk from Rautatientori to Kauppatori (what the route command gives first)
TRIP = ("--origin", "Rautatientori", "--destination", "Kauppatori")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "group.gpkg"


def ok(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = run(capsys, *args)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def fails(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 2, out
    assert out == ""
    return err


def on_the_walk(capsys: pytest.CaptureFixture[str]) -> tuple[float, float]:
    """LAT, LON of the middle point of the shortest walk of TRIP."""
    route = ok(capsys, "route", *TRIP, "--objective", "shortest", "--store", "none")["routes"][0]
    lon, lat = route["geometry"]["coordinates"][len(route["geometry"]["coordinates"]) // 2]
    return lat, lon


def add(capsys: pytest.CaptureFixture[str], store: Path, at: tuple[float, float], *more: str,
        reviewer: str = "Ana", how: str = "survey") -> dict[str, Any]:
    return ok(capsys, "review", "add", "--store", str(store), "--at", f"{at[0]:.7f},{at[1]:.7f}", "--reviewer",
              reviewer, "--how", how, *more)


def test_a_camera_added_and_confirmed_by_two_more_is_verified_and_counted_on_the_route(capsys, store) -> None:
    here = on_the_walk(capsys)
    added = add(capsys, store, here, "--kind", "ptz", "--camera-mount", "pole", "--note", "by the kiosk")
    camera_id = added["camera"]["camera_id"]
    assert camera_id.startswith("review:")
    assert added["store"] == str(store)
    assert added["review"]["reviewer"] == "Ana"
    assert added["review"]["mount"] == "street"  # camera:mount pole is a street mount
    assert (added["verdict"]["status"], added["verdict"]["agreement"]) == ("unverified", "1 review")
    for n, name in enumerate(("Ben", "Cleo"), start=2):
        confirmed = ok(capsys, "review", "confirm", camera_id, "--store", str(store), "--reviewer", name, "--how",
                       "photo")
        assert confirmed["review"]["exists"] is True
        assert confirmed["verdict"]["reviewers"] == n
    assert (confirmed["verdict"]["status"], confirmed["verdict"]["agreement"]) == ("verified", "Unanimous")
    routed = ok(capsys, "route", *TRIP, "--objective", "shortest", "--store", str(store), "--verification", "group")
    assert routed["settings"]["verification"] == ["verified@group"]
    assert routed["settings"]["verification_words"] == "verified by your group"
    assert routed["settings"]["reviews"] == {"store": str(store), "reviewed": 1, "verified_by_group": 1, "gone": 0,
                                             "added": 1}
    assert routed["routes"][0]["camera_ids"] == [camera_id]
    assert routed["routes"][0]["frt_cameras"] == 1
    # --store none: the sources' verification alone (Helsinki's mapped cameras: none verified by a group)
    alone = ok(capsys, "route", *TRIP, "--objective", "shortest", "--store", "none", "--verification", "group")
    assert alone["routes"][0]["camera_ids"] == []
    assert "reviews" not in alone["settings"]
    listed = ok(capsys, "cameras", "--format", "json", "--store", str(store), "--verification", "group")
    assert [(c["camera_id"], c["verified_by"], c["source"]) for c in listed] == [(camera_id, "group", "review")]


def test_a_camera_a_majority_disputes_is_gone_from_every_count_and_kept_in_the_store(capsys, store) -> None:
    camera_id = ok(capsys, "cameras", "--format", "json", "--store", "none")[7]["camera_id"]
    for name in ("Ana", "Ben"):
        disputed = ok(capsys, "review", "dispute", camera_id, "--store", str(store), "--reviewer", name, "--how",
                      "survey", "--note", "a lamp, not a camera")
    assert disputed["review"]["exists"] is False
    assert (disputed["verdict"]["status"], disputed["verdict"]["agreement"]) == ("gone", "2 reviews")
    assert len(ok(capsys, "cameras", "--format", "json", "--store", str(store))) == 220
    assert len(ok(capsys, "cameras", "--format", "json", "--store", "none")) == 221
    shown = ok(capsys, "review", "show", camera_id, "--store", str(store))
    assert shown["gone"] is True
    assert shown["camera"]["camera_id"] == camera_id
    assert [r["reviewer"] for r in shown["reviews"]] == ["Ana", "Ben"]
    assert shown["reviews"][0]["note"] == "a lamp, not a camera"


def test_a_reviewer_withdraws_only_their_own_review(capsys, store) -> None:
    camera_id = ok(capsys, "cameras", "--format", "json", "--store", "none")[3]["camera_id"]
    made = ok(capsys, "review", "confirm", camera_id, "--store", str(store), "--reviewer", "Ana", "--how", "survey",
              "--direction-deg", "45")
    review_id = made["review"]["review_id"]
    err = fails(capsys, "review", "withdraw", review_id, "--store", str(store), "--reviewer", "Ben")
    assert f"review {review_id} is Ana's; only its reviewer can withdraw it" in err
    gone = ok(capsys, "review", "withdraw", review_id, "--store", str(store), "--reviewer", " ana ")
    assert gone["review"]["withdrawn_utc"] is not None
    assert gone["verdict"] is None  # no review of it counts any more
    assert "already withdrawn" in fails(capsys, "review", "withdraw", review_id, "--store", str(store),
                                        "--reviewer", "Ana")
    shown = ok(capsys, "review", "show", "--store", str(store))
    assert shown["store"]["withdrawn_reviews"] == 1
    assert [r["review_id"] for r in shown["reviews"]] == [review_id]  # kept as history
    assert shown["verdicts"] == []


def test_show_the_whole_store(capsys, store) -> None:
    cameras = ok(capsys, "cameras", "--format", "json", "--store", "none")
    for name in ("Ana", "Ben", "Cleo"):
        ok(capsys, "review", "confirm", cameras[0]["camera_id"], "--store", str(store), "--reviewer", name, "--how",
           "survey", "--kind", "dome")
    ok(capsys, "review", "confirm", cameras[1]["camera_id"], "--store", str(store), "--reviewer", "Ana", "--how",
       "survey")
    shown = ok(capsys, "review", "show", "--store", str(store))
    assert shown["store"]["reviews"] == 4
    assert shown["summary"]["verified_by_group"] == 1
    assert shown["summary"]["statuses_by_group"] == {"verified": 1, "unverified": 1, "disputed": 0}
    assert [(v["camera_id"], v["status"], v["kind"]) for v in shown["verdicts"]] == sorted([
        (cameras[0]["camera_id"], "verified", "dome"), (cameras[1]["camera_id"], "unverified", None)])
    assert len(ok(capsys, "review", "show", "--store", str(store), "--reviewer", "Cleo")["reviews"]) == 1


def test_errors_name_the_argument_and_say_how_to_fix_it(capsys, store, tmp_path) -> None:
    base = ("review", "add", "--store", str(store), "--reviewer", "Ana", "--how", "survey")
    assert "--at 'Senaatintori' is not LAT,LON" in fails(capsys, *base, "--at", "Senaatintori")
    assert "--at: '95,24.9' is not a valid 'lat,lon' pair" in fails(capsys, *base, "--at", "95,24.9")
    assert "--kind: kind 'laser' is not valid; use one of ptz, dome, fixed, unknown" in fails(
        capsys, *base, "--at", "60.17,24.94", "--kind", "laser")
    assert "--direction-deg: direction 400.0 is outside [0, 360] degrees" in fails(
        capsys, *base, "--at", "60.17,24.94", "--direction-deg", "400")
    assert "--mount and --camera-mount: mount 'street' and camera:mount 'wall' disagree" in fails(
        capsys, *base, "--at", "60.17,24.94", "--mount", "street", "--camera-mount", "wall")
    assert "--how: how (how the reviewer knows) 'guess' is not valid; use one of survey, photo, imagery" in fails(
        capsys, "review", "add", "--store", str(store), "--reviewer", "Ana", "--how", "guess", "--at", "60.17,24.94")
    assert "--reviewer: reviewer name '' is not usable" in fails(
        capsys, "review", "add", "--store", str(store), "--reviewer", " ", "--how", "survey", "--at", "60.17,24.94")
    assert not store.exists()  # nothing was written by a refused command
    err = fails(capsys, "review", "confirm", "osm:node/1", "--store", str(store), "--reviewer", "Ana", "--how",
                "survey")
    assert "CAMERA_ID 'osm:node/1' is neither among the 221 cameras in use (helsinki) nor added" in err
    assert "no review store at" in fails(capsys, "review", "show", "--store", str(tmp_path / "none.gpkg"))
    assert "--store none counts no store" in fails(capsys, "review", "show", "--store", "none")
    with pytest.raises(SystemExit) as info:  # argparse names a missing argument itself
        run(capsys, "review", "confirm", "osm:node/1", "--how", "survey")
    assert info.value.code == 2
    assert "the following arguments are required: --reviewer" in capsys.readouterr().err
    foreign = tmp_path / "notes.gpkg"
    foreign.write_text("my notes")
    assert "is not a SQLite database or GeoPackage; it is left as it is" in fails(
        capsys, "review", "show", "--store", str(foreign))
    assert foreign.read_text() == "my notes"
    assert "review store" in fails(capsys, "route", *TRIP, "--store", str(tmp_path / "none.gpkg"))
    assert "--store none to count no group's reviews" in fails(
        capsys, "route", *TRIP, "--store", str(tmp_path / "none.gpkg"))


def test_the_plausibility_report_warns_without_blocking(capsys, store) -> None:
    here = on_the_walk(capsys)
    first = add(capsys, store, here, "--kind", "dome")
    assert first["warnings"] == []
    code, out, err = run(capsys, "review", "add", "--store", str(store), "--at",
                         f"{here[0] + 0.00004:.7f},{here[1]:.7f}", "--reviewer", "Ben", "--how", "survey", "--kind",
                         "dome")
    assert code == 0  # a warning never blocks
    second = json.loads(out)
    assert [w["code"] for w in second["warnings"]] == ["duplicate"]
    assert second["warnings"][0]["other_id"] == first["camera"]["camera_id"]
    assert "warning (duplicate): likely duplicate" in err
    far = add(capsys, store, (60.1500, 24.9000), "--kind", "fixed", reviewer="Cleo")  # out at sea
    assert [w["code"] for w in far["warnings"]] == ["far_from_street"]
    report = ok(capsys, "review", "report", "--store", str(store))
    assert report["counts"]["duplicate"] == 1
    assert report["counts"]["far_from_street"] == 1
    assert report["recorded"] is True
    assert report["settings"]["review_duplicate_m"] == settings.review_duplicate_m
    assert {w["camera_id"] for w in report["warnings"]} == {second["camera"]["camera_id"], far["camera"]["camera_id"]}
    assert ReviewStore(store, create=False).info()["warnings"] == 2  # recorded once, however often reported


def test_three_laptops_pool_their_reviews_by_export_and_merge(capsys, tmp_path) -> None:
    camera_id = ok(capsys, "cameras", "--format", "json", "--store", "none")[2]["camera_id"]
    files = []
    for name in ("Ana", "Ben", "Cleo"):
        own = tmp_path / f"{name}.gpkg"
        ok(capsys, "review", "confirm", camera_id, "--store", str(own), "--reviewer", name, "--how", "survey")
        out = tmp_path / f"{name}-reviews.gpkg"
        exported = ok(capsys, "review", "export", "--format", "reviews", "--store", str(own), "--reviewer", name,
                      "--out", str(out))
        assert exported["reviews"] == 1
        assert exported["out"] == str(out)
        files.append(str(out))
    pooled = tmp_path / "pooled.gpkg"
    merged = ok(capsys, "review", "merge", *files, "--store", str(pooled))
    assert [m["new_reviews"] for m in merged["merged"]] == [1, 1, 1]
    assert merged["now"]["reviews"] == 3
    again = ok(capsys, "review", "merge", *files, "--store", str(pooled))
    assert [m["new_reviews"] for m in again["merged"]] == [0, 0, 0]  # merging twice changes nothing
    shown = ok(capsys, "review", "show", camera_id, "--store", str(pooled))
    assert (shown["verdict"]["status"], shown["verdict"]["agreement"]) == ("verified", "Unanimous")
    err = fails(capsys, "review", "export", "--format", "reviews", "--store", str(pooled), "--out", files[0])
    assert "exists already; give a new file name, or --overwrite" in err
    assert "FILE nothere.gpkg not found" in fails(capsys, "review", "merge", "nothere.gpkg", "--store", str(pooled))
    assert "give the stores to merge" in fails(capsys, "review", "merge", "--store", str(pooled))
    assert "--same needs --reviewer" in fails(capsys, "review", "merge", "--store", str(pooled), "--same", "a", "b")


def test_cameras_two_laptops_added_twice_are_offered_and_counted_as_one(capsys, tmp_path) -> None:
    here = on_the_walk(capsys)
    ana, ben = tmp_path / "ana.gpkg", tmp_path / "ben.gpkg"
    first = add(capsys, ana, here, "--kind", "dome")["camera"]["camera_id"]
    second = add(capsys, ben, (here[0] + 0.00002, here[1]), "--kind", "dome", reviewer="Ben")["camera"]["camera_id"]
    merged = ok(capsys, "review", "merge", str(ben), "--store", str(ana))
    candidates = merged["merged"][0]["candidates"]
    assert [(c["first_id"], c["second_id"]) for c in candidates] == [(first, second)]
    joined = ok(capsys, "review", "merge", "--same", first, second, "--reviewer", "Ana", "--store", str(ana))
    assert joined["counts_as"] == first
    assert (joined["verdict"]["reviewers"], joined["verdict"]["agreement"]) == (2, "2 reviews")


def test_the_verified_cameras_go_to_josm_and_osmchange_files_without_names(capsys, store, tmp_path) -> None:
    mapped = ok(capsys, "cameras", "--format", "json", "--store", "none")[5]["camera_id"]
    added = add(capsys, store, on_the_walk(capsys), "--kind", "dome", "--camera-mount", "street_lamp",
                "--direction-deg", "90", "--surveillance", "public", "--note", "secret note")["camera"]["camera_id"]
    seen_on_imagery = add(capsys, store, (60.1690, 24.9450), "--kind", "fixed", how="imagery")["camera"]["camera_id"]
    for name in ("Ana Secretname", "Ben", "Cleo"):
        ok(capsys, "review", "confirm", mapped, "--store", str(store), "--reviewer", name, "--how", "survey",
           "--direction-deg", "180")
        if name != "Ana Secretname":
            ok(capsys, "review", "confirm", added, "--store", str(store), "--reviewer", name, "--how", "survey")
        ok(capsys, "review", "confirm", seen_on_imagery, "--store", str(store), "--reviewer", name, "--how",
           "imagery")
    josm = tmp_path / "cameras.osm"
    answer = ok(capsys, "review", "export", "--format", "josm", "--store", str(store), "--out", str(josm))
    assert answer["uploaded"] is False
    assert (answer["create"], answer["modify"], answer["delete"]) == (1, 1, 0)
    assert {(e["action"], e["camera_id"]) for e in answer["edits"]} == {("create", added), ("modify", mapped)}
    assert answer["osm_file"].endswith("Helsinki.osm.pbf")
    skipped = {s["camera_id"]: s["reason"] for s in answer["skipped"]}
    assert "imagery" in skipped[seen_on_imagery]  # the imagery-only camera is added, reviewed twice, never exported
    text = josm.read_text(encoding="utf-8")
    assert 'upload="false"' in text
    for private in ("Secretname", "Ben", "Cleo", "secret note"):
        assert private not in text
    nodes = {n.id: dict(n.tags) for n in osmium.FileProcessor(str(josm))}
    assert nodes[-1]["camera:mount"] == "street_lamp"
    assert nodes[-1]["camera:direction"] == "90"
    assert nodes[-1]["surveillance"] == "public"
    assert nodes[int(mapped.split("/")[1])]["camera:direction"] == "180"
    change = tmp_path / "cameras.osc"
    answer = ok(capsys, "review", "export", "--format", "osmchange", "--store", str(store), "--out", str(change))
    assert "<create>" in change.read_text(encoding="utf-8")
    assert "Secretname" not in change.read_text(encoding="utf-8")
    assert "--reviewer goes with --format reviews" in fails(
        capsys, "review", "export", "--format", "josm", "--store", str(store), "--out", str(josm), "--reviewer", "Ben")
    assert "--osm-file" in fails(capsys, "review", "export", "--format", "josm", "--store", str(store), "--out",
                                 str(josm), "--osm-file", str(tmp_path / "none.osm.pbf"))


def test_decode_cameras_are_reviewed_but_never_exported(capsys, store, tmp_path, shared_data) -> None:
    path = str(shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv")
    camera_id = ok(capsys, "cameras", "--source", path, "--format", "json")[0]["camera_id"]
    for name in ("Ana", "Ben", "Cleo"):
        ok(capsys, "review", "confirm", camera_id, "--store", str(store), "--cameras", path, "--reviewer", name,
           "--how", "survey")
    answer = ok(capsys, "review", "export", "--format", "osmchange", "--store", str(store), "--cameras", path,
                "--out", str(tmp_path / "x.osc"))
    assert answer["edits"] == []
    assert "Decode Surveillance" in answer["skipped"][0]["reason"]
    counted = ok(capsys, "cameras", "--source", path, "--format", "json", "--store", str(store), "--verification",
                 "group")
    assert [c["camera_id"] for c in counted] == [camera_id]


def test_audit_plan_and_density_count_the_groups_verdicts(capsys, store, tmp_path) -> None:
    here = on_the_walk(capsys)
    camera_id = add(capsys, store, here, "--kind", "ptz")["camera"]["camera_id"]
    for name in ("Ben", "Cleo"):
        ok(capsys, "review", "confirm", camera_id, "--store", str(store), "--reviewer", name, "--how", "survey")
    track = tmp_path / "walk.gpx"
    code, _, err = run(capsys, "route", *TRIP, "--objective", "shortest", "--format", "gpx", "--out", str(track))
    assert code == 0, err
    audited = ok(capsys, "audit", "--track", str(track), "--store", str(store), "--verification", "group")
    assert audited["camera_ids"] == [camera_id]
    assert audited["settings"]["policies"]["verification"] == ["verified@group"]
    plan = ok(capsys, "plan", "--site", "Kauppatori", "--from", "Rautatientori", "--store", str(store),
              "--verification", "group")
    assert plan["settings"]["reviews"]["verified_by_group"] == 1
    density = ok(capsys, "density", "--dataset", "helsinki", "--format", "json", "--store", str(store),
                 "--verification", "group")
    assert sum(r["cameras"] for r in density["rows"] if r["cameras"] is not None) == 1


def test_the_dataset_has_its_own_store_in_the_cache_folder_unless_a_setting_names_one(
        capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(settings, "review_store", None)
    camera_id = ok(capsys, "cameras", "--format", "json", "--store", "none")[0]["camera_id"]
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    for name in ("Ana", "Ben", "Cleo"):
        made = ok(capsys, "review", "confirm", camera_id, "--reviewer", name, "--how", "survey")
    assert made["store"] == str(default_store_path("helsinki"))
    assert made["store"] == str(tmp_path / "cache" / "reviews" / "helsinki.gpkg")
    counted = ok(capsys, "cameras", "--format", "json", "--verification", "group")  # the dataset's store counts
    assert [c["camera_id"] for c in counted] == [camera_id]
    shared = tmp_path / "shared.gpkg"
    monkeypatch.setattr(settings, "review_store", shared)  # EXPOSURE_REVIEW_STORE
    assert ok(capsys, "cameras", "--format", "json", "--verification", "group") == []  # no such store yet
    made = ok(capsys, "review", "dispute", camera_id, "--reviewer", "Dan", "--how", "survey")
    assert made["store"] == str(shared)
    assert ok(capsys, "review", "show")["store"]["reviews"] == 1
