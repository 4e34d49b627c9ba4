"""Review cameras in the dashboard: add one by clicking the map, confirm, dispute or correct one, and count it.

Every test uses a store of its own in a temporary folder (``settings.review_store``),
never the cache folder's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app import reviews
from app.state import counted_key
from exposure import settings
from exposure.datasets import load_dataset
from exposure.review import ReviewStore, open_store, reviewed_dataset
from exposure.routing import shortest_route
from tests.app_pages import open_page


@pytest.fixture
def store_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The group's store for this test: a file in a temporary folder (made by the first review)."""
    path = tmp_path / "group.gpkg"
    monkeypatch.setattr(settings, "review_store", path)
    return path


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def layers(at: AppTest, index: int = 0) -> list[dict[str, Any]]:
    return json.loads(at.get("deck_gl_json_chart")[index].proto.json)["layers"]


def click(at: AppTest, key: str, layer_id: str, index: int, obj: dict[str, Any]) -> AppTest:
    """Click an object of a map's layer, as the browser sends it (the selection of a pydeck chart)."""
    at.session_state[key] = {"selection": {"indices": {layer_id: [index]}, "objects": {layer_id: [obj]}}}
    return ok(at.run())


def click_point(at: AppTest, key: str, lon: float, lat: float) -> AppTest:
    """Click the map's add-a-camera point nearest to ``lon, lat`` (adding mode must be on)."""
    (grid,) = [layer for layer in layers(at) if layer.get("id") == reviews.CLICK_LAYER]
    data = grid["data"]
    i = int(np.argmin([(d["lon"] - lon) ** 2 + (d["lat"] - lat) ** 2 for d in data]))
    return click(at, key, reviews.CLICK_LAYER, i, data[i])


def click_camera(at: AppTest, key: str, camera_id: str) -> AppTest:
    """Click a camera on the map."""
    for layer in layers(at):
        data = layer.get("data")
        if isinstance(data, list) and data and isinstance(data[0], dict) and "camera_id" in data[0]:
            ids = [d["camera_id"] for d in data]
            if camera_id in ids:
                i = ids.index(camera_id)
                return click(at, key, layer["id"], i, data[i])
    msg = f"camera {camera_id} is not on the map"
    raise AssertionError(msg)


def button(at: AppTest, label: str):
    (found,) = [b for b in at.button if b.label == label]
    return found


def selectbox(at: AppTest, label: str):
    (found,) = [s for s in at.selectbox if s.label == label]
    return found


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def texts(at: AppTest) -> str:
    return " ".join(x.value for x in [*at.markdown, *at.caption, *at.success, *at.info, *at.warning])


def on_route(helsinki) -> tuple[float, float]:
    """A point halfway along the shortest walk from Rautatientori to Kauppatori."""
    route = shortest_route(helsinki.context(), helsinki.resolve("Rautatientori").node,
                           helsinki.resolve("Kauppatori").node)
    lon, lat = route.coordinates[len(route.coordinates) // 2]
    return float(lon), float(lat)


# ------------------------------------------------------------------------------------------ adding a camera
def test_a_click_on_the_map_adds_a_camera_that_counts_on_every_page_at_once(store_file: Path, helsinki) -> None:
    at = ok(open_page("1_Overview.py").run())
    assert metrics(at)["Cameras counted"] == "221"
    assert not [layer for layer in layers(at) if layer.get("id") == reviews.CLICK_LAYER]  # only when adding
    ok(at.toggle(key="ov_rv_add").set_value(True).run())
    lon, lat = on_route(helsinki)
    click_point(at, "overview_map", lon, lat)
    assert "Add a camera here" in texts(at)
    assert button(at, "Add this camera").disabled  # a name first
    ok(at.text_input(key="rv_name").input("Ana").run())
    ok(selectbox(at, "Kind").set_value("dome").run())
    ok(selectbox(at, "Mount").set_value("building: wall").run())
    ok(at.radio(key=next(r.key for r in at.radio if r.label == "How do you know?")).set_value("photo").run())
    ok(button(at, "Add this camera").click().run())

    assert "Added camera review:" in " ".join(s.value for s in at.success)
    assert metrics(at)["Cameras counted"] == "222"
    assert "1 added" in captions(at)
    added = ReviewStore(store_file, create=False).added_cameras()
    assert list(added["added_by"]) == ["Ana"]
    assert abs(added["lon"].iloc[0] - lon) < 2e-4
    assert abs(added["lat"].iloc[0] - lat) < 2e-4
    (review,) = ReviewStore(store_file, create=False).reviews().to_dict(orient="records")
    assert (review["kind"], review["mount"], review["camera_mount"], review["how"]) == ("dome", "building",
                                                                                      "wall", "photo")
    # another page of the same session, and another session, count it too
    other = ok(open_page("4_Camera_data.py").run())
    assert metrics(other)["Cameras shown"] == "222"


def test_the_point_clicked_can_be_moved_before_saving(store_file: Path, helsinki) -> None:
    at = ok(open_page("1_Overview.py").run())
    ok(at.toggle(key="ov_rv_add").set_value(True).run())
    lon, lat = on_route(helsinki)
    click_point(at, "overview_map", lon, lat)
    ok(at.text_input(key="rv_name").input("Ana").run())
    (lat_box,) = [n for n in at.number_input if n.label == "Latitude"]
    (lon_box,) = [n for n in at.number_input if n.label == "Longitude"]
    ok(lat_box.set_value(round(lat, 6)).run())
    ok(lon_box.set_value(round(lon, 6)).run())
    ok(button(at, "Add this camera").click().run())
    added = ReviewStore(store_file, create=False).added_cameras()
    assert added["lon"].iloc[0] == pytest.approx(lon, abs=1e-6)
    assert added["lat"].iloc[0] == pytest.approx(lat, abs=1e-6)


def test_a_likely_duplicate_is_warned_before_saving_never_blocks_and_is_recorded(store_file: Path,
                                                                                helsinki) -> None:
    unknown = helsinki.cameras[helsinki.cameras["kind"] == "unknown"].iloc[0]
    at = ok(open_page("1_Overview.py").run())
    ok(at.toggle(key="ov_rv_add").set_value(True).run())
    click_point(at, "overview_map", float(unknown["lon"]), float(unknown["lat"]))
    ok(at.text_input(key="rv_name").input("Ben").run())
    warned = " ".join(w.value for w in at.warning)
    assert "Check before saving" in warned
    assert "likely duplicate" in warned
    assert unknown["camera_id"] in warned
    assert not button(at, "Add this camera").disabled
    ok(button(at, "Add this camera").click().run())
    recorded = ReviewStore(store_file, create=False).warnings()
    assert list(recorded["code"]) == ["duplicate"]
    assert recorded["other_id"].iloc[0] == unknown["camera_id"]
    assert recorded["camera_id"].iloc[0].startswith("review:")


def test_looking_makes_no_store(store_file: Path) -> None:
    for page in ("1_Overview.py", "4_Camera_data.py"):
        ok(open_page(page).run())
    assert not store_file.exists()


# ------------------------------------------------------------------------------------------ a known camera
def test_a_camera_clicked_shows_its_verdict_and_reviews_and_takes_a_correction(store_file: Path,
                                                                             helsinki) -> None:
    camera = helsinki.cameras.iloc[0]
    cid = str(camera["camera_id"])
    at = ok(open_page("1_Overview.py").run())
    click_camera(at, "overview_map", cid)
    said = texts(at)
    assert f"Camera {cid}" in said
    assert "No review by your group yet" in said
    ok(at.text_input(key="rv_name").input("Cleo").run())
    assert button(at, "Confirm it")  # nothing corrected yet: a plain confirmation
    (direction,) = [n for n in at.number_input if n.label.startswith("Direction")]
    ok(direction.set_value(90.0).run())
    ok(button(at, "Save my correction").click().run())
    assert "Saved your review" in " ".join(s.value for s in at.success)

    store = ReviewStore(store_file, create=False)
    (review,) = store.reviews(camera_id=cid).to_dict(orient="records")
    assert (review["reviewer"], review["exists"], review["direction_deg"]) == ("Cleo", True, 90.0)
    # the map starts again with nothing selected (another key); the camera clicked again shows its verdict
    assert "Click a camera on the map" in captions(at)
    click_camera(at, "overview_map_1", cid)
    said = texts(at)
    assert "Your group's verdict: **unverified** — 1 review" in said
    (table,) = [d.value for d in at.dataframe if "Reviewer" in d.value.columns]
    assert list(table["Reviewer"]) == ["Cleo"]
    assert list(table["Direction (°)"]) == [90.0]
    # the direction counts on every page: the camera's row says so
    reviewed = reviewed_dataset(helsinki, store)
    assert reviewed.cameras.set_index("camera_id").loc[cid, "direction_deg"] == 90.0

    ok(button(at, next(b.label for b in at.button if b.label.startswith("Withdraw my review"))).click().run())
    assert store.reviews(camera_id=cid)["withdrawn_utc"].notna().all()
    assert "Withdrew your review" in " ".join(i.value for i in at.info)


def test_a_camera_most_reviewers_found_gone_leaves_every_count(store_file: Path, helsinki) -> None:
    cid = str(helsinki.cameras["camera_id"].iloc[3])
    for name in ("Ana", "Ben"):
        open_store(store_file).dispute(cid, reviewer=name, how="survey")
    at = ok(open_page("1_Overview.py").run())
    assert metrics(at)["Cameras counted"] == "220"
    assert "1 found gone" in captions(at)
    on_map = [d["camera_id"] for layer in layers(at) for d in (layer.get("data") or [])
              if isinstance(d, dict) and "camera_id" in d]
    assert len(on_map) == 220
    assert cid not in on_map


def test_a_dispute_from_the_map(store_file: Path, helsinki) -> None:
    cid = str(helsinki.cameras["camera_id"].iloc[5])
    at = ok(open_page("4_Camera_data.py").run())
    click_camera(at, "cam_map", cid)
    ok(at.text_input(key="rv_name").input("Dana").run())
    found = next(r for r in at.radio if r.label == "What did you find?")
    ok(found.set_value("not there").run())
    assert not [n for n in at.number_input if n.label.startswith("Direction")]  # a dispute corrects nothing
    ok(button(at, "Dispute it").click().run())
    (review,) = ReviewStore(store_file, create=False).reviews(camera_id=cid).to_dict(orient="records")
    assert review["exists"] is False or review["exists"] == 0
    # one reviewer of one: a majority says it is not there
    assert metrics(at)["Cameras shown"] == "220"


# ------------------------------------------------------------------------------------------ verified by your group
def test_three_reviewers_verify_a_camera_and_the_route_planner_counts_it(store_file: Path, helsinki) -> None:
    lon, lat = on_route(helsinki)
    camera, _ = open_store(store_file).add_camera(lon, lat, reviewer="Ana", how="survey", kind="dome")
    planner = open_page("2_Route_planner.py", verification="group", origin="Rautatientori",
                        destination="Kauppatori")
    ok(planner.run())
    assert "verification: **verified by your group**" in captions(planner)
    assert (planner.table[0].value["FRT cameras"] == 0).all()  # nothing the group verified yet

    for name in ("Ben", "Cleo"):  # two more sessions confirm it on the Camera data page
        at = ok(open_page("4_Camera_data.py").run())
        click_camera(at, "cam_map", camera.camera_id)
        ok(at.text_input(key="rv_name").input(name).run())
        ok(button(at, "Confirm it").click().run())
    assert "**verified** — Unanimous (3 reviewers" in texts(click_camera(at, "cam_map_1", camera.camera_id))

    ok(planner.run())  # the same session: the routes worked out before the reviews are not shown again
    table = planner.table[0].value
    assert table["FRT cameras"].iloc[0] == 1
    assert "1 verified by your group" in captions(planner)
    assert camera.camera_id in texts(planner)


def test_the_camera_data_page_counts_what_the_group_verified(store_file: Path, helsinki) -> None:
    cid = str(helsinki.cameras["camera_id"].iloc[0])
    store = open_store(store_file)
    for name in ("Ana", "Ben", "Cleo"):
        store.confirm(cid, reviewer=name, how="survey")
    at = ok(open_page("4_Camera_data.py", verification="group").run())
    assert metrics(at)["Counted as FRT-capable"] == "1"
    assert metrics(at)["Verified by your group"] == "1"
    (verdicts,) = [d.value for d in at.dataframe if "agreement" in d.value.columns and "status" in d.value.columns]
    assert list(verdicts["camera_id"]) == [cid]
    assert list(verdicts["agreement"]) == ["Unanimous"]
    table = next(d.value for d in at.dataframe if "verified_by" in d.value.columns)
    assert table.set_index("camera_id").loc[cid, "verified_by"] == "group"


def test_the_sidebar_offers_group_verification(store_file: Path) -> None:
    at = ok(open_page("1_Overview.py").run())
    assert "group" in at.sidebar.selectbox(key="side_verification").options
    ok(at.sidebar.selectbox(key="side_verification").set_value("group").run())
    assert metrics(at)["Cameras counted"] == "0"
    assert "verification: **verified by your group**" in captions(at)


def test_a_damaged_store_is_said_and_not_counted(store_file: Path) -> None:
    store_file.write_bytes(b"not a review store at all")
    at = ok(open_page("1_Overview.py").run())
    assert metrics(at)["Cameras counted"] == "221"
    assert "not counted" in " ".join(w.value for w in at.sidebar.warning)
    assert store_file.read_bytes() == b"not a review store at all"


# ------------------------------------------------------------------------------------------ app/reviews.py
def test_picked_reads_a_camera_a_click_point_or_nothing() -> None:
    assert reviews.picked(None) is None
    assert reviews.picked({"selection": {"indices": {}, "objects": {}}}) is None
    camera = {"selection": {"objects": {"x": [{"camera_id": "osm:node/1", "lon": 24.9, "lat": 60.1}]}}}
    assert reviews.picked(camera) == reviews.Pick(24.9, 60.1, "osm:node/1")
    spot = {"selection": {"objects": {reviews.CLICK_LAYER: [{"lon": 24.9, "lat": 60.1, "tooltip": "x"}]}}}
    assert reviews.picked(spot) == reviews.Pick(24.9, 60.1)
    hexagon = {"selection": {"objects": {"h": [{"position": [1, 2], "count": 3}]}}}
    assert reviews.picked(hexagon) is None


def test_the_click_points_cover_a_small_dataset_and_a_window_of_a_large_one(monkeypatch: pytest.MonkeyPatch,
                                                                           helsinki) -> None:
    layer, centre = reviews.click_layer("helsinki")
    assert centre is None
    data = pd.DataFrame(layer.data)
    west, south, east, north = helsinki.bounds
    assert data["lon"].min() <= west + 1e-4
    assert data["lon"].max() >= east - 1e-4
    assert data["lat"].min() <= south + 1e-4
    assert data["lat"].max() >= north - 1e-4
    monkeypatch.setattr(reviews, "CLICK_CELLS_MAX", 400)
    near = (24.9426, 60.1708)
    layer, centre = reviews.click_layer("helsinki", near=near)
    assert centre is not None
    assert abs(centre[0] - near[0]) < 2e-4
    assert abs(centre[1] - near[1]) < 2e-4
    assert len(layer.data) <= 400


def test_the_store_is_made_only_by_a_review_and_opened_once(store_file: Path) -> None:
    assert reviews.counted_store("helsinki") is None
    made = reviews.writable_store("helsinki")
    assert made.path == store_file
    assert reviews.counted_store("helsinki") is made  # one handle per process


def test_counted_key_follows_the_cameras_not_the_session(store_file: Path, helsinki) -> None:
    assert counted_key(helsinki) == counted_key(helsinki)
    store = open_store(store_file)
    store.confirm(str(helsinki.cameras["camera_id"].iloc[0]), reviewer="Ana", how="survey", direction_deg=45)
    first = reviewed_dataset(helsinki, store)
    assert counted_key(first) != counted_key(helsinki)
    assert counted_key(reviewed_dataset(helsinki, store)) == counted_key(first)
    again = first.with_camera_overlay(first.cameras.copy(), about={"other": True})
    assert counted_key(again) == counted_key(first)  # the same cameras, another object: the same key


def test_the_store_version_moves_with_every_change_that_counts(store_file: Path, helsinki) -> None:
    store = open_store(store_file)
    versions = [reviews.store_version(store)]
    cid = str(helsinki.cameras["camera_id"].iloc[0])
    made = store.confirm(cid, reviewer="Ana", how="survey")
    versions.append(reviews.store_version(store))
    camera, _ = store.add_camera(24.94, 60.17, reviewer="Ben", how="photo")
    versions.append(reviews.store_version(store))
    store.withdraw(made.review_id, reviewer="Ana")
    versions.append(reviews.store_version(store))
    store.record_merge(cid, camera.camera_id, reviewer="Ana")
    versions.append(reviews.store_version(store))
    assert len(set(versions)) == len(versions)
    assert reviews.store_version(store) == versions[-1]  # reading changes nothing


def test_the_overlay_is_worked_out_once_per_store_state(store_file: Path, helsinki) -> None:
    store = open_store(store_file)
    store.confirm(str(helsinki.cameras["camera_id"].iloc[0]), reviewer="Ana", how="survey", direction_deg=45)
    first = reviews.reviewed(helsinki, store, version=reviews.store_version(store))
    assert reviews.reviewed(helsinki, store, version=reviews.store_version(store)) is first
    store.confirm(str(helsinki.cameras["camera_id"].iloc[1]), reviewer="Ana", how="survey", direction_deg=90)
    second = reviews.reviewed(helsinki, store, version=reviews.store_version(store))
    assert second is not first
    assert second.cameras.set_index("camera_id").loc[helsinki.cameras["camera_id"].iloc[1], "direction_deg"] == 90
