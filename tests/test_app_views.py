"""The sidebar's coverage model and level, kept in the address, and the viewsheds the maps draw (app.views)."""

from __future__ import annotations

import json

from tests.app_pages import open_page, query, visit


def _captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def _layer(at, layer_id: str) -> list[dict]:
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    found = [x for x in spec["layers"] if x.get("id") == layer_id]
    return found[0]["data"] if found else []


def _frt(at) -> dict[str, int]:
    table = at.table[0].value
    return dict(zip(table["Route"], table["FRT cameras"].astype(int), strict=True))


def test_the_model_switch_changes_the_counted_cameras_and_the_address() -> None:
    at = open_page("2_Route_planner.py", origin="Rautatientori", destination="Kauppatori").run()
    assert not at.exception, [e.value for e in at.exception]
    # the default in force: dori-typical, cameras that can identify you, views cut by walls
    assert at.sidebar.selectbox(key="side_model").value == "dori-typical"
    assert at.sidebar.selectbox(key="side_level").value == "identify"
    assert query(at, "coverage_model") == "dori-typical"
    assert query(at, "level") == "identify"
    assert "coverage model dori-typical" in _captions(at)
    assert "views cut by the walls of" in _captions(at)
    typical = _frt(at)
    at.sidebar.selectbox(key="side_model").set_value("amnesty").run()
    assert not at.exception, [e.value for e in at.exception]
    assert query(at, "coverage_model") == "amnesty"
    assert "coverage model amnesty" in _captions(at)
    assert "the coverage model does not cut views by walls" in _captions(at)
    amnesty = _frt(at)
    # Amnesty's 120 m discs see far more of the shortest walk than a fixed camera can identify a face at
    assert amnesty["shortest"] > typical["shortest"]
    at.sidebar.selectbox(key="side_level").set_value("observe").run()
    assert query(at, "level") == "observe"
    # the choice holds on another page
    visit(at, "1_Overview.py")
    assert at.sidebar.selectbox(key="side_model").value == "amnesty"
    assert query(at, "coverage_model") == "amnesty"


def test_a_link_carries_the_model_and_level_and_an_unknown_model_says_so() -> None:
    at = open_page("1_Overview.py", coverage_model="kamerafrei", level="recognise").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.selectbox(key="side_model").value == "kamerafrei"
    assert at.sidebar.selectbox(key="side_level").value == "recognise"
    assert "cameras that can recognise you (coverage model kamerafrei" in _captions(at)
    at = open_page("1_Overview.py", coverage_model="x-ray").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.selectbox(key="side_model").value == "dori-typical"
    assert any("coverage model **x-ray**" in w.value for w in at.sidebar.warning)


def test_the_overview_draws_every_viewshed_when_asked() -> None:
    at = open_page("1_Overview.py").run()
    assert not _layer(at, "viewsheds")
    at.toggle(key="ov_views").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    drawn = _layer(at, "viewsheds")
    assert 0 < len({d["camera_id"] for d in drawn}) <= 221
    assert "what each camera sees" in _captions(at)
    # a uniform radius draws discs, not cut by walls, and says so
    at.sidebar.checkbox(key="side_uniform").check().run()
    assert "uniform 25 m discs, not cut by walls" in _captions(at)
    assert len({d["camera_id"] for d in _layer(at, "viewsheds")}) >= len({d["camera_id"] for d in drawn})


def test_the_route_planner_draws_the_viewsheds_of_the_cameras_its_routes_pass() -> None:
    at = open_page("2_Route_planner.py", origin="Rautatientori", destination="Kauppatori",
                   coverage_model="amnesty").run()
    assert not at.exception, [e.value for e in at.exception]
    drawn = {d["camera_id"] for d in _layer(at, "viewsheds")}
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    ringed = [x for x in spec["layers"] if x.get("@@type") == "ScatterplotLayer" and x.get("data")
              and all("camera_id" in d for d in x["data"])]
    passed = {d["camera_id"] for d in ringed[-1]["data"]}  # the cameras the routes pass, drawn large
    assert drawn
    assert drawn <= passed
    assert "what each camera sees" in _captions(at)
